#!/bin/sh
# 53-run-batch.t — run-batch with fake trainers: plan, usage errors, a full
# cycle with a failing and a flaky coin, hooks, resume, --force, timeouts,
# the batch lock, Ctrl-C, configuration precedence, the predict cycle.
. "$CT_TOP/test/lib.sh"
. "$TOP/test/fake/bin.sh"
H=$COINTRAIN_HOME
R=20251109T0200Z-full

run run-batch full --symbols AAAUSDT,BBBUSDT --run $R --dry-run
is "$rc" 0 "--dry-run exits 0"
like "$out" "^run: +$R \\(new\\)" "plan names the run"
like "$out" "^symbols: +2 to do: AAAUSDT BBBUSDT" "plan lists the symbols"
like "$out" "^coins: +2 in the run: AAAUSDT BBBUSDT$" "and the run's coins"
like "$out" "mode hybrid: 1 worker\\(s\\) x 2 thread\\(s\\) on 2 core\\(s\\)|mode hybrid: [0-9]+ worker" "plan shows workers and threads"
ok "$(test ! -e "$H/runs"; echo $?)" "--dry-run creates nothing"
run run-batch
is "$rc" 2 "no cycle: usage error"
like "$err" "usage: run-batch" "with the usage"
run run-batch full --mode fast
is "$rc" 2 "bad mode: usage error"
run run-batch full --run 20251109T0200Z-incremental
is "$rc" 2 "run of another cycle: usage error"
run run-batch full --timeout-minutes soon
is "$rc" 2 "bad timeout: usage error"
run run-batch full --symbols 'AAAUSDT,bad/one'
is "$rc:$err" "2:run-batch: SYMBOLS=AAAUSDT,bad/one: bad/one: bad symbol (from option)" "bad symbol refused (usage, exit 2)"
INCREMENTAL_ENABLED=0 run run-batch incremental
is "$rc:$out" "0:run-batch: incremental cycle disabled (INCREMENTAL_ENABLED=0)" "a disabled cycle exits 0 and says so"

# A full cycle: CCC always fails, BBB fails once with exit 5 (temporary), hooks on.
# A retry comes in the next round, after every coin had its first attempt.
cat >notify.sh <<'SH'
cat >>"$1"
SH
cat >upload.sh <<'SH'
case $1 in *AAAUSDT*) exit 1 ;; esac
echo "$1" >>"$UPLOADED"
SH
export UPLOADED=$T/uploaded; NOTIFY_CMD="sh $T/notify.sh $T/notified" UPLOAD_CMD="sh $T/upload.sh" \
FAKE_FAIL=CCCUSDT FAKE_FLAKY=BBBUSDT \
	run run-batch full --symbols AAAUSDT,BBBUSDT,CCCUSDT --mode sequential --run $R
is "$rc" 1 "a failed coin makes the batch exit 1"
is "$(cat "$H/runs/.batch.lock")" "$R" "the batch lock names the run it was held for"
is "$(status $R AAAUSDT)" "success 1 -" "AAA succeeded"
is "$(status $R BBBUSDT)" "success 2 -" "BBB succeeded on its retry after exit 5"
is "$(status $R CCCUSDT)" "failed 1 error" "CCC failed once: exit 1 is not retried without --retry-all"
like "$(ledger show $R)" '"error": "train-coin: CCCUSDT: not enough candles"' "with its error"
is "$(events $R)" "job_started cache_pregenerated backup_skipped coin_started coin_succeeded upload_failed coin_started coin_failed coin_started coin_failed coin_started coin_succeeded upload_succeeded cache_refreshed job_completed " \
	"engine.log events in order"
is "$(grep -c '"event":"coin_failed"' "$H/logs/$R/engine.log"):$(grep -c '"final":true' "$H/logs/$R/engine.log")" "2:1" "one retried failure, one final"
is "$(sed 's/.*"event":"\([a-z_]*\)".*/\1/' notified | tr '\n' ' ')" "job_started coin_failed coin_failed job_completed " \
	"NOTIFY_CMD got start, failures and finish as JSON lines"
is "$(wc -l <uploaded)" 1 "UPLOAD_CMD got the other model"
like "$(cat uploaded)" "^$H/models/BBBUSDT/[0-9_]+Z$" "as a directory argument"
like "$(grep 'threads=' "$H/logs/$R/AAAUSDT/training.log")" "threads=2" "sequential: the worker gets every core"
like "$(cat "$H/logs/$R/CCCUSDT/training.log")" "not enough candles" "each coin has its own log"
is "$(ls "$H/backups" 2>/dev/null | wc -l)" 0 "no model yet: no backup, no empty archive"
like "$(grep '"event":"backup_skipped"' "$H/logs/$R/engine.log")" '"reason":"no model yet"' "and the run says why"
is "$(ls "$H/cache/predictions" | tr '\n' ' ')" "AAAUSDT.json BBBUSDT.json " "predictions of the new models cached"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["succeeded"], d["failed"])' "$H/summary/$R/engine_summary.json")" \
	"2 1" "summary written"

FAKE_FAIL=CCCUSDT run run-batch full --symbols CCCUSDT --run 20251108T0200Z-full --retries 1 --retry-all
is "$rc:$(status 20251108T0200Z-full CCCUSDT)" "1:failed 2 error" "--retry-all retries exit status 1 too"
ls "$H/backups"/models-*.tar.gz >/dev/null 2>&1
ok $? "a full run in a home with models backs them up first"
# The disk filled during the run, and emptied as the trainings failed: a
# log cut mid-line is no reason, and the closing line says the disk filled.
FAKE_CUT=CCCUSDT FAKE_NOSPACE=AAAUSDT run run-batch incremental --symbols AAAUSDT,CCCUSDT \
    --run 20251108T0300Z-incremental --retries 0
like "$(ledger show 20251108T0300Z-incremental)" \
    '"error": "train-coin: CCCUSDT: fold 1/4 round 1691, s... \(the log ends mid-line: it could not be written to its end; is the disk full\?\)"' \
    "a log cut mid-line: its last words said to be cut short"
like "$err" "0 succeeded, 2 failed, 0 left \\(failed: AAAUSDT CCCUSDT\\); a disk filled during this start \\(No space left on device: see the failed coins' training.log\\)" \
    "the closing line: the disk filled during the run"
is "$(grep -c '^== ' "$H/logs/20251108T0300Z-incremental/CCCUSDT/training.log")" 1 "the cut log ended with a newline (a header begins its own line)"
run run-batch incremental --symbols AAAUSDT,CCCUSDT --run 20251108T0300Z-incremental --retries 0 --force
unlike "$err" "disk filled" "the next start, on a disk with room: no word of the earlier start's full disk"
is "$(grep -c '^== ' "$H/logs/20251108T0300Z-incremental/CCCUSDT/training.log")" 2 "... and its header on a line of its own"
# A backup that fails: notified, and the health check says so until a
# full run backs up again.
cp -a "$H" "$T/hb" && rm -rf "$T/hb/backups" && echo x >"$T/hb/backups"
COINTRAIN_HOME=$T/hb NOTIFY_CMD="cat >>'$T/hb.notified'" run run-batch full --symbols AAAUSDT --run 20251109T0300Z-full
is "$rc" 1 "a failed backup does not stop the retrain (below), but fails the cycle"
like "$(printf '%s\n' "$err" | tail -n 1)" "1 succeeded, 0 failed, 0 left; the model backup FAILED \\(see $T/hb/logs/20251109T0300Z-full/backup.log\\)" \
	"... and the closing line says so"
like "$(grep '"event":"backup_failed"' "$T/hb.notified")" '"error":"' "NOTIFY_CMD gets backup_failed with the reason"
run summarize --home "$T/hb" --dashboard --json
like "$(printf '%s\n' "$out" | python3 -c 'import json,sys; c=[c for c in json.load(sys.stdin)["health"]["checks"] if c["name"]=="backup"]; print(c[0]["ok"], c[0]["detail"])')" \
	"^False 20251109T0300Z-full: model backup failed: ." "the health check fails on it, naming the run"
rm -f "$T/hb/backups"
# Resumed once the backup could work: the coins it retrained serve new
# models, so an archive now would not hold the ones they replaced.
COINTRAIN_HOME=$T/hb run run-batch full --symbols AAAUSDT --run 20251109T0300Z-full --force
like "$err" "this run's model backup failed, and coins it retrained since serve new models: no backup taken now" \
	"a resumed run whose backup failed after coins were retrained takes none, and says why"
is "$rc" 1 "... and it still fails"
is "$(ls "$T/hb/backups" 2>/dev/null | wc -l)" 0 "no archive of the new models"
run summarize --home "$T/hb" --dashboard --json
like "$(printf '%s\n' "$out" | python3 -c 'import json,sys; c=[c for c in json.load(sys.stdin)["health"]["checks"] if c["name"]=="backup"]; print(c[0]["ok"], c[0]["detail"])')" \
	"^False 20251109T0300Z-full: model backup failed" "the health check still fails on the run's backup"
COINTRAIN_HOME=$T/hb run run-batch full --symbols AAAUSDT --run 20251109T0400Z-full
run summarize --home "$T/hb" --dashboard --json
like "$(printf '%s\n' "$out" | python3 -c 'import json,sys; c=[c for c in json.load(sys.stdin)["health"]["checks"] if c["name"]=="backup"]; print(c[0]["ok"], c[0]["detail"])')" \
	"^True 20251109T0400Z-full: $T/hb/backups/models-[0-9_]+Z\\.tar\\.gz$" "and passes once a full run backed up"
rm "$T"/hb/backups/models-*
run summarize --home "$T/hb" --dashboard --json
like "$(printf '%s\n' "$out" | python3 -c 'import json,sys; c=[c for c in json.load(sys.stdin)["health"]["checks"] if c["name"]=="backup"]; print(c[0]["ok"], c[0]["detail"])')" \
	"^True 20251109T0400Z-full: $T/hb/backups/models-.* \\(removed since: rotated by a later backup\\?\\)$" \
	"an archive removed since is not named as if it were there"

# Rerun: completed coins are skipped, the failure is retried.
a=$(readlink "$H/models/AAAUSDT/current")
nb=$(ls "$H/backups" | wc -l)
sleep 1
run run-batch full --symbols AAAUSDT,BBBUSDT,CCCUSDT --run $R --mode sequential --dry-run
like "$out" "steps: +pre-generate predictions \\(ttl [0-9a-z]+\\); no backup \\(no model when this run began\\); train-coin --fresh" \
	"the resume's plan: no backup, since there was nothing to back up when the run began"
run run-batch full --symbols AAAUSDT,BBBUSDT,CCCUSDT --run $R --mode sequential
is "$rc" 0 "rerun finishes the run"
like "$err" "$R: no model to back up when this run began; none now \\(it would hold the models this run made\\)" \
	"... and says why it backs nothing up (not: already backed up)"
# The run's backup holds the models from before the retrain; another one
# of half-retrained models would rotate it away after BACKUP_KEEP resumes.
is "$(ls "$H/backups" | wc -l):$(grep -c '"event":"backup_s[uk]' "$H/logs/$R/engine.log")" "$nb:1" \
	"a resumed full run does not back up again (the models it made since are no backup)"
is "$(status $R CCCUSDT)" "success 2 -" "the failed coin is retried"
is "$(readlink "$H/models/AAAUSDT/current")" "$a" "completed coins are not retrained"
is "$(grep -c '"event":"coin_started"' "$H/logs/$R/engine.log")" 5 "one more coin started"
run run-batch full --symbols AAAUSDT,BBBUSDT,CCCUSDT --run $R --dry-run
like "$out" "^symbols: +0 to do" "dry run of a finished run: nothing to do"
sleep 1
run run-batch full --symbols AAAUSDT,BBBUSDT,CCCUSDT --run $R --force
is "$rc" 0 "--force"
ok "$(test "$(readlink "$H/models/AAAUSDT/current")" != "$a"; echo $?)" "--force retrains completed coins"
is "$(status $R AAAUSDT)" "success 2 -" "and counts the attempt"

# Two starts of a cycle within one minute are one run: the second goes on
# from the first's ledger and redoes none of its coins.  The starts
# take a second or two (ten on a loaded box): from past second 40 of a
# minute, they wait for the next.
while [ "$(date -u +%S)" -ge 40 ]; do sleep 1; done
Rm=$(date -u +%Y%m%dT%H%MZ)-full
run run-batch full --symbols AAAUSDT,BBBUSDT
is "$rc" 0 "a start without --run"
a=$(readlink "$H/models/AAAUSDT/current")
run run-batch full --symbols AAAUSDT,BBBUSDT --dry-run
like "$out" "^run: +$Rm \\(resumed\\)" "a second start in the same minute names the same run, resumed"
like "$out" "^symbols: +0 to do" "with nothing to do"
like "$out" "^coins: +2 in the run: AAAUSDT BBBUSDT$" "and still lists the run's coins"
run run-batch full --symbols AAAUSDT,BBBUSDT
is "$rc:$(readlink "$H/models/AAAUSDT/current")" "0:$a" "it retrains no coin that succeeded"
is "$(grep -c '"event":"coin_started"' "$H/logs/$Rm/engine.log")" 2 "the run's log has the first start's coins only"

# A coin that hangs is killed at its timeout and retried, then fails;
# the others succeed; nothing is left running.
R2=20251109T0600Z-incremental
FAKE_HANG=HHHUSDT run run-batch incremental --symbols AAAUSDT,HHHUSDT,BBBUSDT --run $R2 \
	--timeout-minutes 0.02 --retries 1 --mode parallel --max-concurrent 2
is "$rc" 1 "exit 1 with a timed-out coin"
is "$(status $R2 HHHUSDT)" "failed 2 timeout" "hanging coin: killed, retried once, failed"
like "$(ledger show $R2)" '"error": "timed out after 1s"' "the error says so"
is "$(status $R2 AAAUSDT):$(status $R2 BBBUSDT)" "success 1 -:success 1 -" "the others succeed"
like "$(grep 'threads=' "$H/logs/$R2/AAAUSDT/training.log")" "threads=1" "parallel: one thread per worker"
is "$(leftovers "$T/bin/train-coin")" 0 "no trainer left running"

# Parallel: two workers train two coins at a time (their attempts in
# the ledger overlap), each coin once.
R3=20251109T0700Z-incremental
FAKE_SLEEP=1 run run-batch incremental --symbols AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT --run $R3 \
	--mode parallel --max-concurrent 2
is "$rc:$(grep -c '"event":"coin_started"' "$H/logs/$R3/engine.log")" "0:4" "four coins, each started once"
# (Workers are capped at the cores this process may use.)
if [ "$(nproc)" -ge 2 ]; then
	is "$(ledger show $R3 | python3 -c '
import json, sys
r = [(e["started_ms"], e["started_ms"] + 1000 * e["duration_seconds"]) for e in json.load(sys.stdin)["symbols"].values()]
print(max(sum(1 for a, b in r if a <= s < b) for s, _ in r))')" 2 "two coins train at a time, no more"
else
	ok 0 "# SKIP one core: one worker"
fi

# One batch per data home.
FAKE_SLEEP=2 run-batch incremental --symbols AAAUSDT --run 20251109T1200Z-incremental >/dev/null 2>&1 &
first=$!
held "$H/runs/.batch.lock"
run run-batch predict --symbols AAAUSDT
is "$rc:$err" "6:run-batch: another batch is running in $H; not starting (use --wait to wait)" \
	"a second batch exits 6 (locked) with a message"
run run-batch predict --symbols AAAUSDT --wait
is "$rc" 0 "--wait waits and then runs"
wait $first
is "$?" 0 "the first batch was not disturbed"
like "$err" "waiting" "--wait says it waits"

# A reader's probe of the lock (summarize --dashboard, coin-status) holds
# it for an instant: a batch started meanwhile still runs.
flock "$H/runs/.batch.lock" sleep 0.05 &
holder=$!
held "$H/runs/.batch.lock"
run run-batch predict --symbols AAAUSDT
is "$rc" 0 "a lock held for an instant (a health probe) does not turn a batch away"
wait $holder

# Stopped while it waits for the lock: exits at once, leaves no temporary.
mkdir -p "$T/tmp"
flock "$H/runs/.batch.lock" sleep 3 &
holder=$!
held "$H/runs/.batch.lock"
TMPDIR=$T/tmp run-batch predict --symbols AAAUSDT --wait >/dev/null 2>w.err &
w=$!
i=0
until grep -q waiting w.err || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -TERM $w
wait $w
is "$?:$(ls "$T/tmp" | wc -l)" "130:0" "SIGTERM while waiting for the lock: exit 130, no temporary left"
wait $holder
# A dry run while a batch holds the lock says what a start would meet.
flock "$H/runs/.batch.lock" sh -c 'until [ -e release ]; do sleep 0.05; done' &
holder=$!
held "$H/runs/.batch.lock"
run run-batch predict --symbols AAAUSDT --dry-run
touch release
wait $holder
rm -f release
like "$rc:$(printf '%s\n' "$out" | grep '^batch:')" "^0:batch: +another batch is running.*: a start now waits with --wait, else is refused \\(exit 6\\)" \
	"--dry-run while a batch holds the lock: said, with the exit a start would have"
run run-batch predict --symbols AAAUSDT --dry-run
unlike "$out" "^batch:" "... and not once it is free"

# Two started together: exactly one runs, the other exits 6.
FAKE_SLEEP=1 run-batch incremental --symbols AAAUSDT --run 20251109T1300Z-incremental >/dev/null 2>a.err &
a=$!
FAKE_SLEEP=1 run-batch incremental --symbols AAAUSDT --run 20251109T1400Z-incremental >/dev/null 2>b.err &
b=$!
wait $a; ra=$?
wait $b; rb=$?
is "$(echo $ra $rb | tr ' ' '\n' | sort | tr '\n' ' ')" "0 6 " "two started together: one ran (0), one refused (6)"
is "$(ls "$H/runs" "$H/logs" | grep -c '20251109T1[34]00Z')" 2 "only one of them has a run and logs"

# running_now RUN SYM — wait (10 s at most) until SYM runs its first
# attempt in RUN, and a moment more for its handlers.
running_now() {
	i=0
	until [ "$(status "$1" "$2" 2>/dev/null)" = "running 1 -" ] || [ $i -ge 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	sleep 0.2
}
# Ctrl-C: workers and their trainers stop, the coin stays resumable.
R3=20251109T1800Z-incremental
# A shell starts background jobs with SIGINT ignored; python3 restores
# the default, as an interactive shell would for a foreground job.
FAKE_HANG=HHHUSDT python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' run-batch incremental --symbols HHHUSDT --run $R3 >/dev/null 2>&1 &
pid=$!
# Interrupt once the coin runs, however loaded the machine: earlier, the
# signal can land before run-batch has set its handlers.
running_now $R3 HHHUSDT
kill -INT $pid
wait $pid
is "$?" 130 "SIGINT: exit 130"
sleep 0.3
is "$(leftovers "$T/bin/.*HHHUSDT")" 0 "no worker or trainer left after SIGINT"
is "$(ledger todo $R3)" "HHHUSDT" "the interrupted coin is to do again"
is "$(status $R3 HHHUSDT)" "pending 0 -" "as pending, its attempt taken back: an interrupt is no failed attempt"
run run-batch incremental --symbols HHHUSDT --dry-run
like "$out" "^run: +$R3 \\(resumed\\)" "without --run: resume the newest unfinished run of the cycle"
RESUME_MAX_AGE=5h run run-batch incremental --symbols HHHUSDT --dry-run
like "$out" "^run: +[0-9]{8}T[0-9]{4}Z-incremental \\(new\\)" "an unfinished run older than RESUME_MAX_AGE is not resumed"
like "$err" "$R3: unfinished but older than RESUME_MAX_AGE \\(5h\\): starting a new run, the coins it left first" "and run-batch says so"
RESUME_MAX_AGE=5x run run-batch incremental --symbols HHHUSDT --dry-run
is "$rc" 2 "a bad RESUME_MAX_AGE is a usage error"
run run-batch incremental --symbols HHHUSDT --run $R3
is "$rc:$(status $R3 HHHUSDT)" "0:success 1 -" "the next start trains the interrupted coin (its first attempt)"
is "$(grep -c '"coin_failed"' "$H/logs/$R3/engine.log")" 0 "no attempt of it was lost (no coin_failed event)"
# SIGTERM while a coin trains: run-batch says so; the shell's own
# "Terminated" of the trainer it stopped is not printed besides.
R3=20251109T1900Z-incremental
FAKE_HANG=HHHUSDT run-batch incremental --symbols HHHUSDT --run $R3 >/dev/null 2>term.err &
pid=$!
running_now $R3 HHHUSDT
kill -TERM $pid
wait $pid
rc=$?
sleep 0.5
is "$rc:$(tail -n 2 term.err)" "130:run-batch: $R3: interrupted by SIGTERM
run-batch: $R3: stopping the workers" "SIGTERM: exit 130, said by run-batch alone (no shell's \"Terminated\")"

# Configuration: file < environment < option.
printf 'TRAIN_ROUNDS=7\nTIMEFRAME=4h\nSYMBOLS=top3\n' >my.conf
run run-batch incremental --config my.conf --run 20251110T0000Z-incremental
is "$rc" 0 "config file run"
like "$(cat "$H/logs/20251110T0000Z-incremental/ETHUSDT/training.log")" "--timeframe 4h .*--rounds 7" "config values reach train-coin"
is "$(ls "$H/logs/20251110T0000Z-incremental" | grep -c USDT)" 3 "topN reads the top of the list"
TRAIN_ROUNDS=9 run run-batch full --config my.conf --run 20251110T0100Z-full --symbols BTCUSDT
like "$(cat "$H/logs/20251110T0100Z-full/BTCUSDT/training.log")" "--rounds 9" "environment beats the file; --symbols beats both"
# An update keeps its model's rounds: TRAIN_ROUNDS goes to fresh models only.
TRAIN_ROUNDS=9 run run-batch incremental --config my.conf --run 20251110T0200Z-incremental --symbols BTCUSDT
is "$(grep -c -- '--rounds' "$H/logs/20251110T0200Z-incremental/BTCUSDT/training.log")" 0 \
	"an incremental step of a coin with a model: no --rounds"
printf 'XRPUSDT\n# comment\nADAUSDT\n' >list
run run-batch incremental --symbols "$T/list" --run 20251110T0300Z-incremental --dry-run
like "$out" "symbols: +2 to do: XRPUSDT ADAUSDT" "symbols from a file"
printf ' XRPUSDT \r\n\t# comment\r\n\tADAUSDT\t# the second\r\n\r\n   \n' >list.crlf
run run-batch incremental --symbols "$T/list.crlf" --run 20251110T0300Z-incremental --dry-run
like "$out" "symbols: +2 to do: XRPUSDT ADAUSDT" "... with CRLF line ends, blanks around and comments after"
printf 'XRPUSDT\r\nADA USDT\r\n' >list.bad
run run-batch incremental --symbols "$T/list.bad" --run 20251110T0300Z-incremental --dry-run
like "$rc:$err" "^2:run-batch: $T/list.bad:2: ADA USDT: bad symbol" "... a blank inside a symbol: its file and line"

# TRAIN_BATCH_SIZE: coins per start; the rest wait for the next start.
R4=20251110T0400Z-incremental
TRAIN_BATCH_SIZE=2 run run-batch incremental --symbols AAAUSDT,BBBUSDT,CCCUSDT --run $R4 --mode parallel --max-concurrent 2
is "$rc:$(ledger todo $R4 | wc -l)" "0:1" "TRAIN_BATCH_SIZE=2 of 3: one coin left, exit 0 (this start did its coins)"
like "$err" "2 succeeded, 0 failed, 1 left \\(for the next start: TRAIN_BATCH_SIZE=2\\)" "... and the closing line says whose they are"
summarize --dashboard --json --max-candle-age off --max-model-age off --no-cache-check >dash.json
like "$(jget dash.json '[c for c in j["health"]["checks"] if c["name"] == "last_incremental_run"][0]')" \
    "\"ok\": true, .*0 of 3 failed \\(0%, maximum 20%\\); 1 left for the next start \\(TRAIN_BATCH_SIZE\\)" \
    "the health check between the starts: not a dead batch, judged by the coins done"
TRAIN_BATCH_SIZE=2 run run-batch incremental --symbols AAAUSDT,BBBUSDT,CCCUSDT --run $R4
is "$rc:$(ledger todo $R4 | wc -l)" "0:0" "the next start does the rest"
# The newest run of the cycle is finished (and old): a new run, without a
# word of RESUME_MAX_AGE.
RESUME_MAX_AGE=5h run run-batch incremental --symbols AAAUSDT --dry-run
like "$out" "^run: +[0-9]{8}T[0-9]{4}Z-incremental \\(new\\)" "a finished run is not resumed"
unlike "$err" "unfinished" "nor called unfinished"
# A run left unfinished and older than RESUME_MAX_AGE (cron's interval is
# longer than it): the new run does the coins it left first, so that a
# TRAIN_BATCH_SIZE start does not redo the same coins for ever.
R5=20251110T0500Z-incremental
TRAIN_BATCH_SIZE=1 run run-batch incremental --symbols AAAUSDT,BBBUSDT,CCCUSDT --run $R5
is "$rc:$(ledger todo $R5 | tr '\n' ' ')" "0:BBBUSDT CCCUSDT " "TRAIN_BATCH_SIZE=1: AAAUSDT done, two left"
TRAIN_BATCH_SIZE=1 RESUME_MAX_AGE=5h run run-batch incremental --symbols AAAUSDT,BBBUSDT,CCCUSDT --dry-run
like "$out" "^run: +[0-9]{8}T[0-9]{4}Z-incremental \\(new\\)" "too old to resume: a new run"
like "$out" "symbols: +3 to do: BBBUSDT CCCUSDT AAAUSDT$" "... which begins with the coins the old run left, not AAAUSDT again"
TRAIN_BATCH_SIZE=2 RESUME_MAX_AGE=5h run run-batch incremental --symbols CCCUSDT,AAAUSDT,DDDUSDT --dry-run
like "$out" "symbols: +3 to do: CCCUSDT AAAUSDT DDDUSDT$" "... a coin it left that is no longer listed left out, the others in list order after"
printf 'BBBUSDT\nCCCUSDT\n' | ledger set $R5 - success
# A start that names a finished run has nothing to do, and says so.
run run-batch incremental --symbols AAAUSDT --run $R4
is "$rc" 0 "a finished run started again: exit 0"
like "$err" "$R4: every coin of this run is done already; nothing to train \\(--force redoes them" \
	"nothing trained, and it says so"

# The predict cycle: cached for coins with a model, skipped without.
run run-batch predict --symbols AAAUSDT,ZZZUSDT --run 20251110T0200Z-predict
is "$rc" 0 "predict cycle"
is "$(printf '%s\n' "$err" | grep -c 'cannot open\|No such file')" 0 "... and no shell error on its way (cron would log it every hour)"
is "$(status 20251110T0200Z-predict AAAUSDT):$(status 20251110T0200Z-predict ZZZUSDT)" "success 0 -:skipped 0 -" \
	"ledger of the predict cycle"
run cache-get AAAUSDT
is "$rc" 0 "prediction served from the cache"

# Old runs are pruned at the end of a run; young ones are kept.  Another
# cycle's old run goes only once it ended (its summary written) with no
# job array out: its own cycle's next start may resume or collect it.
young=$(date -u -d '-1 days' +%Y%m%dT%H%MZ)-predict
week=$(date -u -d '-7 days' +%Y%m%dT%H%MZ)
for r in 20000101T0000Z-predict $young $week-predict $week-full 20000101T0000Z-tune \
    20000101T0000Z-full 20000101T0100Z-full; do
	mkdir -p "$H/runs/$r" "$H/logs/$r" "$H/summary/$r"
done
: >"$H/summary/20000101T0000Z-tune/engine_summary.json"
: >"$H/summary/20000101T0100Z-full/engine_summary.json"
echo "slurm 4242" >"$H/runs/20000101T0100Z-full/engine.jobs"
mkdir -p "$H/logs/20000102T0000Z-predict" "$H/summary/20000102T0000Z-predict" \
	"$H/logs/20000102T0000Z-tune"
RUNS_KEEP_DAYS=30 run run-batch predict --symbols AAAUSDT --run 20251110T0300Z-predict
is "$rc" 0 "predict cycle with RUNS_KEEP_DAYS=30"
is "$(ls -d "$H"/*/20000101T0000Z-predict 2>/dev/null | wc -l)" 0 "a run older than RUNS_KEEP_DAYS is pruned"
is "$(ls -d "$H"/*/$young | wc -l)" 3 "a younger run is kept"
is "$(ls -d "$H"/*/$week-predict 2>/dev/null | wc -l):$(ls -d "$H"/*/$week-full | wc -l)" "0:3" \
	"a predict run is kept two days at most; a full run of the same age stays"
is "$(ls -d "$H"/*/20000102T0000Z-predict 2>/dev/null | wc -l)" 0 "logs and summaries whose ledger is gone go too"
is "$(ls -d "$H"/*/20000101T0000Z-tune "$H"/*/20000102T0000Z-tune "$H/runs/$R" 2>/dev/null | wc -l)" 0 \
	"an old run of another cycle that ended is pruned (a cycle no longer run keeps none for ever)"
is "$(ls -d "$H"/*/20000101T0000Z-full | wc -l):$(ls -d "$H"/*/20000101T0100Z-full | wc -l)" "3:3" \
	"... not one that did not end, nor one whose job arrays are out"
rm -rf "$H"/*/20000101T0000Z-full "$H"/*/20000101T0100Z-full
is "$(find "$H" -name '*.tmp*' -o -name '*.partial*' | wc -l)" 0 "no temporary files left"

# A run killed with -9 before its first status.json is never locked
# again: the next start removes its ledger's temporary.  Not one of a run
# whose Slurm arrays are still out (their tasks write its ledger).
mkdir -p "$H/runs/20251110T0400Z-predict" "$H/runs/20251110T0500Z-predict"
echo '{"run":' >"$H/runs/20251110T0400Z-predict/.status.json.tmp.AbCdEf"
echo '{"run":' >"$H/runs/20251110T0500Z-predict/.status.json.tmp.AbCdEf"
: >"$H/runs/20251110T0500Z-predict/engine.jobs"
run run-batch predict --symbols AAAUSDT --run 20251110T0600Z-predict
is "$rc:$(ls -A "$H/runs/20251110T0400Z-predict"):$(ls -A "$H/runs/20251110T0500Z-predict" | tr '\n' ' ')" \
	"0::.status.json.tmp.AbCdEf engine.jobs " \
	"a killed ledger's temporary removed at the next start; not one of a run with arrays out"
rm -rf "$H/runs/20251110T0400Z-predict" "$H/runs/20251110T0500Z-predict"

# A trainer killed by a signal before the timeout (the out-of-memory
# killer's SIGKILL) is not called a timeout.
R=20251110T0710Z-full
FAKE_KILL=KILUSDT RETRIES=0 run run-batch full --symbols KILUSDT --run $R
is "$rc:$(status $R KILUSDT)" "1:failed 1 killed" "a trainer killed by SIGKILL: failed, error type killed"
like "$(grep '"coin_failed"' "$H/logs/$R/engine.log")" '"status":137,.*"error":"killed by signal 9 after [0-9]+s \(out of memory\? see the kernel log\)"' \
	"the event says killed by signal 9, not timed out"
FAKE_KILL=KILUSDT RETRIES=0 run run-batch full --symbols KILUSDT --run $R
like "$err" "$R: nothing to train: 1 coin\\(s\\) failed with no retries left" \
	"started again with no retries left: says why nothing is trained"

# A step whose outcome file cannot be written (a full disk) after the
# ledger recorded its success is a success, not a lost worker.
R=20251110T0720Z-full
FAKE_NO_OUTCOME=NOOUSDT run run-batch full --symbols NOOUSDT --run $R
is "$rc:$(status $R NOOUSDT)" "0:success 1 -" "the ledger's success stands"
is "$(grep -c '"coin_failed"' "$H/logs/$R/engine.log")" 0 "no coin_failed (worker lost) event"

# Tasks that die before their step begins (a Slurm task without its
# environment) count as attempts: the coin fails for good after
# --retries, not retried for ever.  An engine that starts no step:
mkdir "$T/deadshare" && cp -R "$CT_SHARE/." "$T/deadshare/"
printf '%s\n' '# (test) every task dies before its step begins' 'engine_run() { :; }' >>"$T/deadshare/engine/local.sh"
R=20251110T0730Z-full
COINTRAIN_SHARE=$T/deadshare RETRIES=1 run timeout 60 run-batch full --symbols DEADUSDT --run $R
is "$rc:$(status $R DEADUSDT)" "1:failed 2 lost" \
	"a step that never begins: failed after the retries, exit 1 (not for ever), each attempt counted in the ledger"
is "$(grep '"coin_failed"' "$H/logs/$R/engine.log" | sed 's/.*"attempt":\([0-9]*\).*"final":\([a-z]*\).*/\1 \2/' | tr '\n' ' ')" \
	"1 false 2 true " "each round an attempt; the last one final"

# A coin locked by another training of it (exit status 6) is retried
# after the backoff, like a temporary failure.
# The lock is held until the first attempt has failed (not for a fixed
# time, which a slow start-up outlasted).
mkdir -p "$H/models/LCKUSDT"
R=20251110T0700Z-full
flock "$H/models/LCKUSDT/.lock" sh -c "n=0
	until grep -q coin_failed '$H/logs/$R/engine.log' 2>/dev/null || [ \$n -ge 600 ]; do
		sleep 0.1; n=\$((n + 1))
	done" &
lk=$!
n=0
while flock -n "$H/models/LCKUSDT/.lock" true && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
RETRY_BASE_SECONDS=2 run run-batch full --symbols LCKUSDT --run $R
wait $lk
is "$rc" 0 "a coin locked by another training succeeds on a later attempt"
like "$(grep '"coin_failed"' "$H/logs/$R/engine.log" | head -n 1)" '"status":6.*"error_type":"transient".*locked by another train-coin' \
	"the locked attempt failed as transient, with the trainer's reason"

# A full cycle locks the hourly predict out: a coin's prediction cached
# as its new model is published keeps the pre-generation's TTL (24h), and
# the closing refresh brings it back to PREDICTION_CACHE_TTL (65m).
R=20251110T0740Z-full
ttl_of() { python3 -c 'import json,sys,datetime as d
e=json.load(open(sys.argv[1])); f=lambda s: d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
print(int((f(e["expires_at"]) - f(e["cached_at"])).total_seconds()))' "$H/cache/predictions/$1.json"; }
FAKE_SLEEP=2 run-batch full --symbols TTAUSDT,TTBUSDT --run $R --mode sequential >/dev/null 2>&1 &
bg=$!
i=0
until [ -s "$H/cache/predictions/TTAUSDT.json" ] || [ $i -ge 100 ]; do
	sleep 0.1; i=$((i + 1))
done
mid=$(ttl_of TTAUSDT 2>/dev/null)
wait $bg
is "$?:$mid" "0:86400" "during the full cycle: a new model's entry lasts PREGENERATE_TTL"
is "$(ttl_of TTAUSDT)" 3900 "after it, the closing refresh's PREDICTION_CACHE_TTL"
# One coin's record damaged (cut short) in an unfinished run: the next
# start of the cycle resumes that run (ledger todo lists the coin to do
# again), retries it with the coin that failed, and replaces the record;
# the other coins are not redone.
COINTRAIN_HOME=$T/dmg R=20251111T0200Z-incremental
FAKE_FAIL=DMCUSDT run run-batch incremental --symbols DMAUSDT,DMBUSDT,DMCUSDT --run $R --mode sequential
truncate -s 50 "$COINTRAIN_HOME/runs/$R/coins/DMBUSDT.json"
run run-batch incremental --symbols DMAUSDT,DMBUSDT,DMCUSDT --mode sequential
is "$rc:$(ls "$COINTRAIN_HOME/runs" | tr '\n' ' ')" "0:$R " "a damaged record: its run resumed, not a new run started"
is "$(status $R DMAUSDT):$(status $R DMBUSDT):$(status $R DMCUSDT)" "success 1 -:success 1 -:success 2 -" \
	"the damaged coin retrained (attempts counted anew), the failed one retried, the other left alone"
like "$err" "coins/DMBUSDT.json: damaged record replaced \\(the old one kept as DMBUSDT.json.damaged\\)" "said on stderr"
COINTRAIN_HOME=$H

# The slurm engine's engine_why (no cluster needed): why a task ended
# without an outcome, in Slurm's words from its output file; a coin whose
# step named no worker is found in the newest array that listed it.
mkdir -p why/tmp/slurm why/log
printf 'AAAUSDT\nBBBUSDT\n' >why/tmp/slurm/list-of.41
printf 'BBBUSDT\n' >why/tmp/slurm/list-of.57
printf 'x\nslurmstepd: error: *** JOB 58 ON n1 CANCELLED AT 2026-12-01T03:00:00 DUE TO TIME LIMIT ***\n' \
	>why/log/slurm-57_0.out
printf 'slurmstepd: error: Detected 1 oom_kill event in StepId=43.batch. Some of your processes may have been killed by the cgroup out-of-memory handler.\n' \
	>why/log/slurm-41_0.out
why() { tmp=$T/why/tmp log=$T/why/log sh -c '. "$1/share/engine/slurm.sh"; engine_why "$2" "$3"' sh "$TOP" "$@"; }
is "$(why BBBUSDT '')" "JOB 58 ON n1 CANCELLED AT 2026-12-01T03:00:00 DUE TO TIME LIMIT" \
	"slurm: a task killed at its time limit, found by the coin (the newest array listing it)"
is "$(why AAAUSDT slurm:41_0)" "Detected 1 oom_kill event in StepId=43.batch" "slurm: an out-of-memory kill, by its worker"
is "$(why CCCUSDT '')" "" "slurm: a coin no array listed: nothing"

# summarize failing (a full disk, a damaged ledger): the counts come from
# the ledger, and no summary is claimed.
rm "$T/bin/summarize"
printf '#!/bin/sh\necho "summarize: broken" >&2\nexit 1\n' >"$T/bin/summarize"
chmod +x "$T/bin/summarize"
FAKE_FAIL=BBBUSDT run run-batch full --symbols AAAUSDT,BBBUSDT --run 20251120T0200Z-full
is "$rc:$(printf '%s\n' "$err" | tail -n 1)" \
	"1:run-batch: 20251120T0200Z-full: 1 succeeded, 1 failed, 0 left (failed: BBBUSDT); no summary written" \
	"summarize failed: exit 1, the ledger's counts, no summary claimed"
# A resumed run whose earlier start left a summary: not claimed as this
# start's.
mkdir -p "$H/summary/20251120T0200Z-full"
echo '{}' >"$H/summary/20251120T0200Z-full/engine_summary.json"
touch -d '1 hour ago' "$H/summary/20251120T0200Z-full/engine_summary.json"
FAKE_FAIL=BBBUSDT RETRIES=3 run run-batch full --symbols AAAUSDT,BBBUSDT --run 20251120T0200Z-full
like "$rc:$(printf '%s\n' "$err" | tail -n 1)" \
	"^1:run-batch: 20251120T0200Z-full: .*; no summary written \\(the one in $H/summary/20251120T0200Z-full/engine_summary.json is an earlier start's\\)$" \
	"an earlier start's summary is not claimed as this one's"

# An update not promoted keeps the coin's model: nothing new to upload.
DRIFT_ENABLED=0 FAKE_KEEP=AAAUSDT UPLOAD_CMD="echo >>'$T/uploaded.keep'" run run-batch incremental \
	--symbols AAAUSDT,BBBUSDT --run 20251121T0000Z-incremental
is "$(status 20251121T0000Z-incremental AAAUSDT)" "success 1 -" "an update that kept the current model: a success"
is "$(sed 's|/[^/]*$||' "$T/uploaded.keep" | tr '\n' ' ')" "$H/models/BBBUSDT " \
	"... and no upload of the old model (the other coin's new one is)"
done_testing
