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
is "$rc" 0 "a config with foreign names still runs the cycle asked for"
ok "$(test -d "$H/runs/20251110T0000Z-full"; echo $?)" "cycle=predict in the file did not turn full into predict"
like "$err" "evil.conf:2: cycle: unknown setting, ignored" "the unknown name is named with file:line"
ok "$(test ! -e pwned2; echo $?)" "a \$(...) value is not executed"
like "$(run-batch --config evil.conf --show-config 2>/dev/null)" "^SLURM_SBATCH_ARGS=\\\$\\(touch pwned2\\) " "it is kept as text"
like "$(cat "$H/logs/20251110T0000Z-full/AAAUSDT/training.log")" "--rounds 7 --folds 3" "values, quoted or not, reach train-coin"

printf 'TRAIN_ROUNDS=7\nthis is not a setting\n' >broken.conf
run run-batch full --config broken.conf --symbols AAAUSDT --dry-run
is "$rc" 2 "a line that is no KEY=VALUE is a usage error"
like "$err" "broken.conf:2: not a KEY=VALUE setting" "naming file and line"

# --show-config: each known value with where it came from.
printf 'TOP_N=7\n' >show.conf
TRAIN_ROUNDS=9 run run-batch --config show.conf --show-config --retries 4
is "$rc" 0 "--show-config exits 0"
like "$out" "file read: +show.conf" "names the file read"
like "$out" "^TOP_N=7 +# file show.conf:1$" "a value from the file"
like "$out" "^TRAIN_ROUNDS=9 +# environment$" "a value from the environment"
like "$out" "^RETRIES=4 +# option$" "a value from an option"
like "$out" "^TIMEOUT_MINUTES=45 +# default$" "a default"

# Bad values are refused before anything runs, naming the setting.
PREDICTION_CACHE_TTL=soon run run-batch predict --symbols AAAUSDT
is "$rc" 2 "a bad PREDICTION_CACHE_TTL is a usage error"
like "$err" "PREDICTION_CACHE_TTL=soon: not a duration.*\\(from environment\\)" "the message names it and its origin"
TOP_N=ten run run-batch predict --symbols AAAUSDT
is "$rc" 2 "a bad TOP_N is a usage error"
PREDICTION_CACHE_TTL=999999d run run-batch predict --symbols AAAUSDT
is "$rc" 2 "a TTL of 2700 years is refused"
run run-batch predict --symbols 'AAAUSDT,BB B'
is "$rc:$err" "2:run-batch: BB B: bad symbol" "a symbol with a space is refused, not squeezed"
printf 'AAAUSDT\nBB B\n' >list
run run-batch predict --symbols "$T/list"
is "$rc:$err" "2:run-batch: $T/list:2: BB B: bad symbol" "in a list file, with file:line"
run run-batch -V
like "$rc:$out" "^0:run-batch \\(cointrain\\) [0-9]" "-V prints the version"

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
else
	for i in 1 2 3 4 5 6 7; do ok 0 "# SKIP no private mount namespace (unshare -m)"; done
fi

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
done_testing
