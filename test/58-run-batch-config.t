#!/bin/sh
# 58-run-batch-config.t — run-batch's configuration is data (KEY=VALUE,
# known names only, never run as shell code), --show-config tells every
# value's origin, bad values are usage errors that name the setting, a
# cache that was not written fails the cycle, a read-only data home is a
# clear error, and temporaries live in the data home.
. "$CT_TOP/test/lib.sh"
. "$TOP/test/fake/bin.sh"
H=$COINTRAIN_HOME

# A config file is read as data: a shell variable of run-batch's own,
# a command substitution or an unknown name do nothing.
cat >evil.conf <<'CONF'
# comment
cycle=predict
TRAIN_ROUNDS=7   # rounds
TRAIN_ARGS="--folds 3"
SLURM_SBATCH_ARGS="$(touch pwned2)"
CONF
run run-batch full --config evil.conf --symbols AAAUSDT --run 20251110T0000Z-full
is "$rc" 2 "a config with an unknown name is a usage error"
ok "$(test ! -d "$H/runs/20251110T0000Z-full"; echo $?)" "nothing ran: not the cycle asked for, not the file's cycle=predict"
like "$err" "evil.conf:2: cycle: unknown setting \\(run-batch --show-config" "the unknown name is named with file:line"
# A misspelt name (under cron, a warning would reach cron.log only and
# the setting would silently not apply) names the setting meant.
printf 'TUNE_ENABLE=1\n' >typo.conf
run run-batch tune --config typo.conf --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:.*typo.conf:1: TUNE_ENABLE: unknown setting, did you mean TUNE_ENABLED\\?" "a misspelt setting is refused with the name meant"
# A setting misspelt in the environment (a crontab line) is said, once;
# other variables are not.
TRAIN_LOOKBAK=5000 MY_OWN_SETTING=1 run run-batch full --symbols AAAUSDT --dry-run
is "$rc:$(printf '%s\n' "$err" | grep -c environment):$(printf '%s\n' "$err" | grep environment)" \
	"0:1:run-batch: environment: TRAIN_LOOKBAK: not a run-batch setting, ignored; did you mean TRAIN_LOOKBACK?" \
	"a misspelt setting in the environment: said once, with the nearest setting"
run run-batch --config "$T/no.conf" --show-config
is "$rc:$err" "2:run-batch: $T/no.conf: cannot read the configuration: no such file" "a --config that is not there: exit 2 (each start alike: the crontab mails it), why"
run run-batch --config "$T" --show-config
is "$rc:$err" "2:run-batch: $T: cannot read the configuration: not a regular file" "a directory: why"
run run-batch --config evil.conf --show-config
like "$rc:$err" "^0:.*evil.conf:2: cycle: unknown setting" "--show-config still lists, warning of the unknown name"
sed -i '/^cycle=/d' evil.conf
run run-batch full --config evil.conf --symbols AAAUSDT --run 20251110T0000Z-full
is "$rc" 0 "without it the cycle runs"
ok "$(test ! -e pwned2; echo $?)" "a \$(...) value is not executed"
like "$(run-batch --config evil.conf --show-config 2>/dev/null)" "^SLURM_SBATCH_ARGS=\\\$\\(touch pwned2\\) " "it is kept as text"
like "$(cat "$H/logs/20251110T0000Z-full/AAAUSDT/training.log")" "--rounds 7 --folds 3" "values, quoted or not, reach train-coin"

printf 'TRAIN_ROUNDS=7\nthis is not a setting\n' >broken.conf
run run-batch full --config broken.conf --symbols AAAUSDT --dry-run
is "$rc" 2 "a line that is no KEY=VALUE is a usage error"
like "$err" "broken.conf:2: not a KEY=VALUE setting" "naming file and line"
printf 'SLURM_SBATCH_ARGS=-p batch -A quant\n' >blanks.conf
run run-batch full --config blanks.conf --symbols AAAUSDT --dry-run
is "$rc:$err" "2:run-batch: blanks.conf:1: not a KEY=VALUE setting: SLURM_SBATCH_ARGS=-p batch -A quant (a value with blanks goes in quotes: KEY=\"A B\")" \
	"a value with blanks, unquoted: said how to write it"

# --show-config: each known value with where it came from.
printf 'TOP_N=7\n' >show.conf
TRAIN_ROUNDS=9 run run-batch --config show.conf --show-config --retries 4
is "$rc" 0 "--show-config exits 0"
like "$out" "file read: +show.conf" "names the file read"
like "$out" "^TOP_N=7 +# file show.conf:1$" "a value from the file"
like "$out" "^TRAIN_ROUNDS=9 +# environment$" "a value from the environment"
like "$out" "^RETRIES=4 +# option$" "a value from an option"
like "$out" "^TIMEOUT_MINUTES=45 +# default$" "a default"
# --opt=VALUE is --opt VALUE, as in the C tools; a flag takes no value.
run run-batch predict --symbols=BBBUSDT --retries=4 --dry-run
like "$rc:$(printf '%s\n' "$out" | grep -e '^coins:' -e '^per coin:' | tr '\n' ' ')" "^0:per coin: .* 4 retries.*coins: +1 in the run: BBBUSDT" \
	"--symbols=LIST and --retries=N"
run run-batch predict --force=1 --dry-run
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:run-batch: --force: takes no value" "--force=1: a usage error"
# A run named for a time that never was: refused as the ledger refuses it.
run run-batch incremental --run 20261399T0000Z-incremental --dry-run
is "$rc:$(printf '%s\n' "$err" | head -n 1)" \
	"2:run-batch: 20261399T0000Z-incremental: run name must be YYYYMMDDTHHMMZ-incremental, a time that exists" \
	"--run of month 13: a usage error, with --dry-run too"
run run-batch full --run 20240229T2359Z-full --dry-run
is "$rc" 0 "--run of a leap day: taken"
# A run named for the future: refused (it would stay the newest run).
later=$(date -u -d '+1 day' +%Y%m%dT%H%MZ)
run run-batch full --run "$later-full" --dry-run
is "$rc:$(printf '%s\n' "$err" | head -n 1)" \
	"2:run-batch: $later-full: a run is named for when it began: that time is still to come" \
	"--run of tomorrow: a usage error"
run run-batch full --run "$(date -u +%Y%m%dT%H%MZ)-full" --dry-run
is "$rc" 0 "--run of this minute: taken"
later=$(date -u -d '+2 minutes' +%Y%m%dT%H%MZ)
run run-batch full --run "$later-full" --dry-run
is "$rc" 2 "--run of two minutes on: a usage error too"
# A bad value of the file is named by file and line, without the usage
# (the command line was right); --show-config lists first, then says it.
printf 'RETRIES=2\nTOP_N=5#top\n' >badv.conf
run run-batch predict --config badv.conf --dry-run
is "$rc:$err" "2:run-batch: badv.conf:2: TOP_N=5#top: must be a whole number" "a bad value in the file: file:line, no usage"
run run-batch --config badv.conf --show-config
like "$rc:$(printf '%s\n' "$out" | grep TOP_N)" "^2:TOP_N=5#top +# file badv.conf:2" "--show-config lists the bad value, exit 2"
is "$err" "run-batch: badv.conf:2: TOP_N=5#top: must be a whole number" "and says what is wrong with it"
# A setting given twice: the first line would be dropped unseen.
printf 'TIMEFRAME=1h\nRETRIES=2\nTIMEFRAME=4h\n' >twice.conf
run run-batch predict --config twice.conf --symbols AAAUSDT --dry-run
is "$rc:$err:$(printf '%s\n' "$out" | sed -n 's/^cycle: .*timeframe \([0-9a-z]*\);.*/\1/p')" \
	"0:run-batch: twice.conf:3: TIMEFRAME: set again (first on line 1): this line wins:4h" \
	"a setting given twice: the later wins, both lines named"
# SYMBOLS naming a file in the configuration: the file beside it, from
# whatever directory run-batch starts in (cron: the user's home); an
# inline list's bad symbol is named with the setting, its blanks ignored.
mkdir -p cfg away
printf 'BBBUSDT\nAAAUSDT\n' >cfg/MYCOINS
printf 'SYMBOLS=MYCOINS\n' >cfg/list.conf
run sh -c 'cd away && run-batch predict --config ../cfg/list.conf --dry-run'
like "$rc:$(printf '%s\n' "$out" | grep '^coins:')" "^0:coins: +2 in the run: BBBUSDT AAAUSDT" "a relative SYMBOLS file: beside the configuration"
# ... and one only in the current directory is said, not taken for a coin.
cp cfg/MYCOINS away/
rm cfg/MYCOINS
run sh -c 'cd away && run-batch predict --config ../cfg/list.conf --dry-run'
is "$rc:$err" "2:run-batch: ../cfg/list.conf:1: SYMBOLS=MYCOINS: no file ../cfg/MYCOINS beside the configuration (the MYCOINS here is not read: give its path)" \
	"a SYMBOLS file only in the current directory: said, not a coin named MYCOINS"
printf 'SYMBOLS=coins.txt\n' >cfg/list.conf
run sh -c 'cd away && run-batch predict --config ../cfg/list.conf --dry-run'
is "$rc:$err" "2:run-batch: ../cfg/list.conf:1: SYMBOLS=coins.txt: not topN, A,B,C or a readable file of symbols (no file ../cfg/coins.txt)" \
	"one that is not there: named where it was looked for"
printf 'SYMBOLS="BBBUSDT, AAAUSDT"\n' >cfg/list.conf
run run-batch predict --config cfg/list.conf --dry-run
like "$rc:$(printf '%s\n' "$out" | grep '^coins:')" "^0:coins: +2 in the run: BBBUSDT AAAUSDT" "blanks after the commas of an inline list are ignored"
printf 'SYMBOLS=btcusdt,ethusdt\n' >cfg/list.conf
run run-batch predict --config cfg/list.conf --dry-run
is "$rc:$err" "2:run-batch: cfg/list.conf:1: SYMBOLS=btcusdt,ethusdt: btcusdt: bad symbol" "a bad symbol of an inline list: named with the setting, file and line"

# Bad values are refused before anything runs, naming the setting.
PREDICTION_CACHE_TTL=soon run run-batch predict --symbols AAAUSDT
is "$rc" 2 "a bad PREDICTION_CACHE_TTL is a usage error"
like "$err" "PREDICTION_CACHE_TTL=soon: not a duration.*\\(from environment\\)" "the message names it and its origin"
TOP_N=ten run run-batch predict --symbols AAAUSDT
is "$rc" 2 "a bad TOP_N is a usage error"
PREDICTION_CACHE_TTL=999999d run run-batch predict --symbols AAAUSDT
is "$rc" 2 "a TTL of 2700 years is refused"
# Every numeric setting is checked against the range of the tool it goes
# to, before anything runs: not one usage error per coin, not a step
# silently left out.
for kv in BACKUP_KEEP=0 TRAIN_LOOKBACK=abc TRAIN_LOOKBACK=1m DRIFT_WINDOW=5 DRIFT_WINDOW=abc \
	DRIFT_WINDOW=8h TRAIN_ROUNDS=-1 TRAIN_ROUNDS=100001 TOP_N=100001 TUNE_TRIALS=0 \
	FETCH_LOOKBACK=0 INCREMENTAL_FETCH_LOOKBACK=x DRIFT_PSI_MAX=0 PREDICT_MAX_AGE=0s \
	RETRIES=99999999999; do
	env TIMEFRAME=5m "$kv" run-batch full --symbols AAAUSDT --dry-run >/dev/null 2>err
	like "$?:$(head -n 1 err)" "^2:run-batch: $kv: .* \\(from environment\\)$" "$kv is a usage error that names it"
done
is "$(BACKUP_KEEP=0 run-batch full --symbols AAAUSDT --dry-run 2>&1 >/dev/null | head -n 1)" \
	"run-batch: BACKUP_KEEP=0: must be at least 1 (from environment)" "model-backup's range (--keep at least 1)"
is "$(TIMEFRAME=5m DRIFT_WINDOW=8h run-batch full --symbols AAAUSDT --dry-run 2>&1 >/dev/null | head -n 1)" \
	"run-batch: DRIFT_WINDOW=8h: must be at least 100 candles (a count, or a duration of 5m candles) (from environment)" \
	"check-drift's range (--window at least 100 candles of the timeframe)"
for kv in TRAIN_LOOKBACK=5m TRAIN_LOOKBACK=180d DRIFT_WINDOW=100 DRIFT_WINDOW=9h TRAIN_ROUNDS=100000 BACKUP_KEEP=1; do
	env TIMEFRAME=5m "$kv" run-batch incremental --symbols AAAUSDT --dry-run >/dev/null 2>&1
	is "$?" 0 "$kv is accepted"
done

# A coin's error in the ledger is the tool's reason, not the usage that
# follows it.
# A bad value in TRAIN_ARGS is found before the run, by train-coin itself.
mkdir realbin
for t in "$T"/bin/*; do ln -s "$t" realbin/; done
ln -sf "$CT_BIN/train-coin" realbin/train-coin
TRAIN_ARGS='--folds 0' run realbin/run-batch full --symbols AAAUSDT --run 20251110T0400Z-full
like "$rc:$err" '^2:run-batch: TRAIN_ARGS=--folds 0: --folds: not a number in \[1,50\]: "0" \(from environment\)' \
	"a bad value in TRAIN_ARGS: a usage error naming the setting, with train-coin's reason"
ok "$(test ! -e "$H/runs/20251110T0400Z-full"; echo $?)" "before the run exists"
# One train-coin refuses for a coin (here a stand-in that ends its
# error with its usage).
mkdir rbin
for t in "$T"/bin/*; do ln -s "$t" rbin/; done
rm rbin/train-coin
cat >rbin/train-coin <<'EOF'
#!/bin/sh
case " $* " in *" --help "*) exit 0 ;; esac
echo 'train-coin: --folds: not a number in [1,50]: "0"' >&2
echo 'usage: train-coin --symbol SYM --timeframe TF' >&2
exit 2
EOF
chmod +x rbin/train-coin
run rbin/run-batch full --symbols AAAUSDT --run 20251110T0500Z-full
is "$rc" 1 "a coin train-coin refuses fails the run"
like "$(ledger show 20251110T0500Z-full)" '"error": "train-coin: --folds: not a number in \[1,50\]: \\"0\\""' \
	"the ledger has train-coin's reason"
like "$(grep '"coin_failed"' "$H/logs/20251110T0500Z-full/engine.log")" '"error":"train-coin: --folds: ' \
	"and so has the coin_failed event"

run run-batch predict --symbols 'AAAUSDT,BB B'
is "$rc:$err" "2:run-batch: SYMBOLS=AAAUSDT,BB B: BB B: bad symbol (from option)" "a symbol with a space is refused, not squeezed"
printf 'AAAUSDT\nBB B\n' >list
run run-batch predict --symbols "$T/list"
is "$rc:$err" "2:run-batch: $T/list:2: BB B: bad symbol" "in a list file, with file:line"
run run-batch full --symbols AAAUSDT --dry-run --timeout-minutes 0
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:run-batch: TIMEOUT_MINUTES=0: timeout must be at least a second (0.02 minutes) (from option)" \
	"--timeout-minutes 0: a usage error (it was a 1-second timeout)"
run run-batch full --symbols AAAUSDT --dry-run --timeout-minutes 100000000
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:run-batch: TIMEOUT_MINUTES=100000000: timeout must be at most a year (525600 minutes) (from option)" \
	"--timeout-minutes past a year: a usage error (its seconds broke the Slurm engine's arithmetic)"
run run-batch predict --symbol=AAAUSDT --dry-run
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:run-batch: --symbol: unknown argument" "an unknown --opt=VALUE: unknown, not 'takes no value'"
run run-batch full --symbols AAAUSDT --dry-run --mode parallel --max-concurrent 100000
like "$rc:$err" "^0:run-batch: MAX_CONCURRENT=100000: more workers than the [0-9]+ cores here; [0-9]+ workers \\(from option\\)" \
	"more workers than cores: lowered to the cores, with a warning"
like "$out" "mode parallel: $(nproc) worker\\(s\\) x 1 thread\\(s\\) on $(nproc) core" "... as the plan says"
run run-batch predict --symbols top0
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:run-batch: SYMBOLS=top0: want topN, N at least 1 (from option)" \
	"top0: a usage error, said why"
run run-batch predict --symbols ,
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:run-batch: SYMBOLS=,: no symbol in the list (from option)" \
	"a list of no symbols: a usage error"
: >empty
run run-batch predict --symbols "$T/empty"
is "$rc:$err" "1:run-batch: $T/empty: no symbols" "an empty file of symbols: exit 1, named"
run run-batch -V
like "$rc:$out" "^0:run-batch \\(cointrain\\) [0-9]" "-V prints the version"

# A write error on standard output is a failure with one message, as in
# the C tools: a full disk, a descriptor cron left closed.
# to OUT CMD... — CMD with standard output OUT ("-": closed); $rc, $err.
to() {
	o=$1; shift
	if [ "$o" = - ]; then "$@" >&- 2>"$T/.err"; else "$@" >"$o" 2>"$T/.err"; fi
	rc=$?
	err=$(cat "$T/.err")
}
if [ -w /dev/full ]; then
	to /dev/full run-batch -V
	is "$rc:$err" "1:run-batch: stdout: No space left on device" "-V to a full disk: exit 1, one message"
	to /dev/full run-batch full --symbols AAAUSDT --dry-run
	is "$rc:$err" "1:run-batch: stdout: No space left on device" "--dry-run to a full disk"
	to /dev/full run-batch -h
	is "$rc:$err" "1:run-batch: stdout: No space left on device" "-h to a full disk"
else
	for i in 1 2 3; do ok 0 "# SKIP no /dev/full"; done
fi
to - run-batch --show-config
is "$rc:$err" "1:run-batch: stdout: Bad file descriptor" "--show-config with stdout closed"
to - run-batch -V
is "$rc:$err" "1:run-batch: stdout: Bad file descriptor" "-V with stdout closed"
FULL_RETRAIN_ENABLED=0 to - run-batch full
is "$rc:$err" "1:run-batch: stdout: Bad file descriptor" "a disabled cycle's message with stdout closed"

# A cache that cannot be written fails the predict cycle.
run run-batch full --symbols AAAUSDT --run 20251110T0100Z-full
is "$rc" 0 "a model to predict with"
can_ro=0
unshare -m true 2>/dev/null && can_ro=1
# ro DIR CMD... — CMD with DIR mounted read-only (a private mount namespace).
ro() {
	d=$1; shift
	unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' \
		sh "$d" "$@"
}
if [ $can_ro = 1 ]; then
	mkdir -p "$H/cache"
	run ro "$H/cache" run-batch predict --symbols AAAUSDT --run 20251110T0200Z-predict
	is "$rc" 1 "read-only cache/: the predict cycle exits 1"
	is "$(status 20251110T0200Z-predict AAAUSDT)" "failed 0 error" "the coin is failed, not success"
	like "$(cat "$H/logs/20251110T0200Z-predict/engine.log")" '"event":"job_failed"' "a job_failed event"
	like "$(cat "$H/logs/20251110T0200Z-predict/engine.log")" '"failed":1' "job_completed counts the failure"
	like "$err" "cache was NOT refreshed" "the last line says so"
	run ro "$H" run-batch predict --symbols AAAUSDT
	is "$rc" 1 "read-only data home: exit 1, not a usage error"
	like "$err" "cannot write in the data home: Read-only file system" "with the reason"
	# A disk too full for the cycle: refused before it starts, nothing
	# half-written (a 1 MB file system; 3 coins need some 3 MB).
	mkdir "$T/small"
	run unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"' sh "$T/small" \
		env COINTRAIN_HOME="$T/small" sh -c 'run-batch full --symbols AAAUSDT,BBBUSDT,CCCUSDT --run 20251110T0300Z-full --dry-run &&
		run-batch full --symbols AAAUSDT,BBBUSDT,CCCUSDT --run 20251110T0300Z-full; echo "rc=$?"; ls "$COINTRAIN_HOME/runs"'
	like "$out" "^disk: +[01]\\.[0-9] MB free; the cycle needs about 3\\.0 MB$" \
		"--dry-run: free space and what the cycle needs (3 new models, one's work files of 10000 candles, 1 MB)"
	like "$err" "run-batch: 20251110T0300Z-full: the data home's disk has [01]\\.[0-9] MB free; this full cycle needs about 3\\.0 MB \\(new models, their work files, the fetched candles, a backup\\): not started" \
		"a full cycle on a disk it would fill: not started, said"
	like "$out" "rc=1
$" "exit 1, and no run made (no ledger to half-write)"
else
	for i in 1 2 3 4 5 6 7 8 9 10; do ok 0 "# SKIP no private mount namespace (unshare -m)"; done
fi

# A coin without a model is trained afresh by the incremental cycle too,
# on a full cycle's candles: its disk estimate and plan count them.
for c in incremental full; do
	FETCH_ENABLED=1 TRAIN_LOOKBACK=400000 run-batch $c --home "$T/nohome" --symbols AAAUSDT,BBBUSDT --dry-run \
		>"$T/plan.$c" 2>/dev/null
done
is "$(grep '^disk:' "$T/plan.incremental" | sed 's/.*needs about //')" \
    "$(grep '^disk:' "$T/plan.full" | sed 's/.*needs about //')" \
    "--dry-run, coins with no model: the incremental cycle needs the disk of a full one's fetch"
like "$(cat "$T/plan.incremental")" "fetch 500 candles of every coin first \\(400000 of a coin without a model, trained afresh\\)" \
    "... and its plan says what it fetches for them"
# A data home that does not exist is made, and said; --dry-run makes none.
run run-batch predict --home "$T/newhome" --symbols AAAUSDT --dry-run
ok "$(test ! -e "$T/newhome"; echo $?)" "--dry-run makes no data home"
like "$err" "newhome: no data home there; a run would make a new one" "and says a run would"
run run-batch predict --home "$T/newhome" --symbols AAAUSDT
like "$err" "newhome: no data home there; a new one was made" "a new data home is said"
ok "$(test -d "$T/newhome/runs"; echo $?)" "and made"
run run-batch predict --home "$T/newhome" --symbols AAAUSDT
unlike "$err" "a new one was made" "not said again"

# Temporaries are in the data home, so a killed batch leaves nothing in
# $TMPDIR, and the next batch sweeps what it left.
mkdir -p "$T/tmpdir"
TMPDIR=$T/tmpdir FAKE_SLEEP=5 run-batch incremental --symbols AAAUSDT --run 20251110T0300Z-incremental >/dev/null 2>&1 &
pid=$!
i=0
until [ -d "$H/runs/20251110T0300Z-incremental/tmp" ] || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -KILL $pid
wait $pid 2>/dev/null
flock "$H/runs/.batch.lock" true
is "$(ls "$T/tmpdir" | wc -l)" 0 "kill -9: nothing left in TMPDIR"
ok "$(test -d "$H/runs/20251110T0300Z-incremental/tmp"; echo $?)" "its temporaries are in runs/RUN/tmp"
TMPDIR=$T/tmpdir run run-batch predict --symbols AAAUSDT
is "$rc:$(ls -d "$H"/runs/*/tmp 2>/dev/null | wc -l)" "0:0" "the next batch sweeps them"
# run-batch run through a symbolic link (a bin/ of links to an installed
# PREFIX/bin) finds the share/ of PREFIX, where it really is.
mkdir -p p/bin p/share/cointrain links/a/b/c/bin
cp "$CT_BIN/run-batch" p/bin/
cp -R "$TOP/share/." p/share/cointrain/
ln -s "$T/p/bin/run-batch" links/a/b/c/bin/run-batch
run env -u COINTRAIN_SHARE links/a/b/c/bin/run-batch --home "$H" --show-config
like "$out" "# share: +$T/p/share/cointrain$" "a symlinked run-batch finds its installed share/"

# TRAIN_ARGS and TUNE_ARGS are checked before anything runs, as every
# setting is: an unknown option, or one run-batch gives itself, would
# fail (or mislabel) every coin one by one.
run env TRAIN_ARGS=--bogus run-batch full --symbols AAAUSDT --dry-run
is "$rc:$(printf '%s\n' "$err" | head -1)" \
    "2:run-batch: TRAIN_ARGS=--bogus: not an option run-batch can pass on (see run-batch(1)) (from environment)" \
    "an unknown option in TRAIN_ARGS is a usage error"
run env TRAIN_ARGS='--folds 4 --symbol BTCUSDT' run-batch full --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: TRAIN_ARGS=--symbol BTCUSDT: --symbol: run-batch gives it" "... and so is one run-batch gives"
run env TRAIN_ARGS='--horizon' run-batch full --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: TRAIN_ARGS=--horizon: --horizon wants a value" "... and an option without its value"
run env TRAIN_ARGS='--horizon --folds 3' run-batch full --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: TRAIN_ARGS=--horizon: --horizon wants a value" "... also when an option follows it"
run env TRAIN_ARGS='--threads 2' run-batch full --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: TRAIN_ARGS=--threads 2: --threads: run-batch gives it" "--threads: run-batch gives it"
run env TUNE_ENABLED=1 TUNE_ARGS='--trials 5' run-batch tune --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: TUNE_ARGS=--trials 5: --trials: set TUNE_TRIALS" "TUNE_ARGS too"
run env TUNE_ENABLED=1 TUNE_ARGS='--jobs 0' run-batch tune --symbols AAAUSDT --dry-run
like "$rc:$err" '^2:run-batch: TUNE_ARGS=--jobs 0: --jobs: not a number in \[1,1024\]: "0"' \
    "a value tune-coin refuses, found before the run (it failed every coin)"
run env TUNE_ENABLED=1 TUNE_ARGS='--jobs 2' run-batch tune --symbols AAAUSDT,BBBUSDT --mode parallel --max-concurrent 2 --dry-run
like "$rc:$err" '^2:run-batch: TUNE_ARGS=--jobs 2: --jobs 2 x --threads 1: more than the 1 core\(s\) each coin has \([0-9]+ worker\(s\), 1 thread\(s\) each\)' \
    "TUNE_ARGS' jobs past a coin's share of the cores: a usage error (4 fits on 2 cores)"
run env TUNE_ENABLED=1 TUNE_ARGS='--threads 2' run-batch tune --symbols AAAUSDT,BBBUSDT --mode parallel --dry-run
like "$rc:$err" '^2:run-batch: TUNE_ARGS=--threads 2: --jobs 1 x --threads 2: more than the 1 core' \
    "--threads alone past the share: one job at least (tune-coin would refuse every coin)"
run env TUNE_ENABLED=1 TUNE_ARGS='--seed -1' run-batch tune --symbols AAAUSDT --dry-run
like "$rc:$err" '^2:run-batch: TUNE_ARGS=--seed -1: --seed: not a number in ' "a negative value: its range, not 'wants a value'"
# Files named in them too: a bad search space or cost table would fail
# every coin of the run.
printf '{"max_depth": 80}\n' >"$T/bad-space.json"
run env TUNE_ENABLED=1 TUNE_ARGS="--space $T/bad-space.json" run-batch tune --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: TUNE_ARGS=--space $T/bad-space.json: $T/bad-space.json:1: max_depth: 80 is outside \\[1,16\\]" \
    "a bad --space file in TUNE_ARGS: a usage error before the run, with tune-coin's reason"
run env TRAIN_ARGS="--costs $T/none.csv" realbin/run-batch full --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: TRAIN_ARGS=--costs $T/none.csv: $T/none.csv: No such file or directory" \
    "a missing --costs table in TRAIN_ARGS: a usage error before the run"
run env TUNE_ENABLED=1 TRAIN_ARGS='--horizon 6' TUNE_ARGS='--seed 3 --horizon 8' run-batch tune --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: TUNE_ARGS=(--seed 3 )?--horizon 8: --horizon: set it in TRAIN_ARGS" \
    "a training option in TUNE_ARGS: a usage error (its params.json would go unused by the training)"
run env TUNE_ENABLED=1 TUNE_ARGS='--row-step 2' run-batch tune --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: TUNE_ARGS=--row-step 2: --row-step: set it in TRAIN_ARGS: a coin is tuned" \
    "--row-step in TUNE_ARGS: a usage error too (TRAIN_ROUNDS named only for --rounds)"
# The tune cycle tunes with the coin's training options (its labels,
# folds and rounds), or train-coin would not take the tuned parameters.
run env TUNE_ENABLED=1 TRAIN_ROUNDS=9 TRAIN_ARGS='--horizon 6 --keep 2 --folds=3 --row-step 2' TUNE_ARGS='--seed 4' \
    run-batch tune --symbols AAAUSDT --retries 0 --run 20251110T0600Z-tune
like "$(grep 'tune-coin --symbol' "$H/logs/20251110T0600Z-tune/AAAUSDT/training.log" | head -1)" \
    "--progress .*--rounds 9 --horizon 6 --folds=3 --row-step 2 --seed 4\$" "tune-coin gets --progress, TRAIN_ROUNDS and TRAIN_ARGS' shared options, then TUNE_ARGS"

# A setting of the hooks or the health check in cointrain.conf is not
# read there: the warning says where it goes.
printf 'TELEGRAM_TOKEN=x\n' >hook.conf
run run-batch full --config hook.conf --symbols AAAUSDT --dry-run
like "$err" "hook.conf:1: TELEGRAM_TOKEN: not a run-batch setting, ignored: set it in the environment \\(a crontab line above the cointrain block: cointrain-cron\\(8\\)\\)" \
    "a hook's setting in the file: where it goes instead"

# A data home this user cannot search (a crontab of another user than the
# home's owner): its cointrain.conf is not passed over for the installed
# one, and nothing runs.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	mkdir -p "$T/locked" && chmod 700 "$T/locked" && chmod 711 "$T"
	run setpriv --reuid 65534 --regid 65534 --clear-groups env COINTRAIN_HOME="$T/locked" \
	    run-batch full --symbols AAAUSDT --dry-run
	is "$rc:$err" "2:run-batch: $T/locked: cannot search the data home for its cointrain.conf (its permissions: run as its owner)" \
	    "a data home that cannot be searched: said, not run on the installed settings"
	run setpriv --reuid 65534 --regid 65534 --clear-groups env COINTRAIN_HOME="$T/locked" \
	    COINTRAIN_CONFIG="$CT_SHARE/cointrain.conf" run-batch predict --symbols AAAUSDT
	is "$rc:$err" "2:run-batch: $T/locked: cannot enter the data home (its permissions: run as its owner)" \
	    "... nor entered: said, with the home's name"
	chmod 700 "$T"
else
	skip 2 "needs root, to run as another user"
fi

done_testing
