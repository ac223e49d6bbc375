#!/bin/sh
# 72-slurm-recovery.t — the Slurm engine when things go wrong around it,
# on the private one-node cluster (test/slurm/start): a retry round that
# sbatch refuses fails its coins as any attempt does (event,
# notification, one "sbatch:"); --no-wait leaves an earlier start's
# queued arrays alone; SIGTERM while a start waits for them is an
# interrupt like any other; an interrupted batch stops an upload under
# way and records it; a trainer whose step was killed has its model
# adopted by the retry; hooks run in the data home.
# Skips when the cluster cannot run here (no Slurm packages, not root).
. "$CT_TOP/test/lib.sh"
. "$TOP/test/fake/bin.sh"
. "$TOP/test/slurm/lib.sh"
# ev RUN EVENT [SYM] — the run's lines of that event (of that coin).
ev() { grep "\"event\":\"$2\"" "$H/logs/$1/engine.log" | grep -- "${3:-.}"; }

# A retry round that sbatch refuses: an sbatch that takes the first array
# and refuses the rest (its --test-only checks pass).
real=$(command -v sbatch)
mkdir -p "$T/refusing"
cat >"$T/refusing/sbatch" <<EOF
#!/bin/sh
case " \$* " in *" --test-only "*) exec "$real" "\$@" ;; esac
if [ -e "$T/refusing/took" ]; then
	echo "sbatch: error: Batch job submission failed: test refusal" >&2
	exit 1
fi
: >"$T/refusing/took"
exec "$real" "\$@"
EOF
chmod +x "$T/refusing/sbatch"
R=20251120T0200Z-full
PATH=$T/refusing:$PATH RETRIES=1 FAKE_FLAKY=AAAUSDT NOTIFY_CMD="cat >>'$T/notified'" \
	run run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT --run $R
is "$rc" 1 "a retry round sbatch refuses: exit 1"
like "$(ev $R coin_failed AAAUSDT | tail -n 1)" \
	'"attempt":2,"status":null,"error_type":"transient","error":"sbatch: error: Batch job submission failed: test refusal","final":true' \
	"the refused attempt is a coin_failed event, final at the last attempt"
is "$(grep -c '"event":"coin_failed"' "$T/notified")" 1 "NOTIFY_CMD gets the failed first attempt as any"
like "$(grep '"event":"jobs_refused"' "$T/notified")" '"coins":1,"final":1,"error":"sbatch: error: Batch job submission failed: test refusal"' \
	"and the refused array as one jobs_refused, not a coin_failed per coin"
is "$(status $R AAAUSDT)" "failed 2 transient" "the ledger counts the refused attempt"
like "$err" "run-batch: slurm engine: sbatch: error: Batch job submission failed: test refusal" "the warning gives sbatch's reason"
unlike "$err$(ledger show $R)" "sbatch: sbatch:" "saying \"sbatch:\" once"
is "$(status $R BBBUSDT)" "success 1 -" "the coin of the first array succeeded"

# The other order: sbatch refuses the first round, and the retry's real
# attempt fails too: that attempt is the coin's second and final one.
cat >"$T/refusing/sbatch" <<EOF
#!/bin/sh
case " \$* " in *" --test-only "*) exec "$real" "\$@" ;; esac
if [ ! -e "$T/refusing/refused" ]; then
	: >"$T/refusing/refused"
	echo "sbatch: error: Batch job submission failed: test refusal" >&2
	exit 1
fi
exec "$real" "\$@"
EOF
R=20251120T0300Z-full
: >"$T/notified"
PATH=$T/refusing:$PATH RETRIES=1 FAKE_FLAKY=AAAUSDT FAKE_STATE=$T/refusing NOTIFY_CMD="cat >>'$T/notified'" \
	run run-batch full --engine slurm --symbols AAAUSDT --run $R
is "$rc" 1 "refused, then a failing attempt: exit 1"
is "$(ev $R coin_failed AAAUSDT | sed 's/.*"attempt":\([0-9]*\),"status":\([0-9a-z]*\).*"final":\([a-z]*\).*/\1 \2 \3/' | tr '\n' ' ')" \
	"1 null false 2 5 true " "attempt 1 refused, attempt 2 failed: final"
is "$(status $R AAAUSDT)" "failed 2 transient" "the ledger counts both"
is "$(grep -c '"final":true' "$T/notified")" 1 "the final failure is notified"

# --no-wait on a run whose arrays of an earlier start are still queued:
# leaves them and returns at once, submitting nothing.
R=20251121T0200Z-full
FAKE_SLEEP=8 run run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT --run $R --no-wait
is "$rc" 0 "--no-wait submits"
s0=$(date +%s)
run run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT --run $R --no-wait
is "$rc" 0 "--no-wait again while its arrays are queued: exit 0"
ok $(($(date +%s) - s0 > 4)) "at once, not waiting for them"
like "$err" "$R: Slurm job\\(s\\) [0-9]+ of an earlier start still in the queue; --no-wait leaves them and submits nothing" \
	"and says so"
is "$(ev $R jobs_submitted | wc -l):$(ev $R job_started | wc -l)" "1:1" "nothing submitted, no start logged"

# SIGTERM while a start waits for the run's arrays of an earlier start:
# job_interrupted, exit 130; the arrays, their record and the run's
# temporaries stay for the next start, the batch lock is free.
run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT --run $R >/dev/null 2>c.err &
c=$!
wait_for 30 grep -q "waiting for Slurm job" c.err
kill -TERM $c
wait $c
is "$?" 130 "SIGTERM while waiting for an earlier start's arrays: exit 130"
like "$(tail -n 1 "$H/logs/$R/engine.log")" '"event":"job_interrupted".*"signal":"TERM"' "logged as job_interrupted"
like "$(cat c.err)" "$R: Slurm job\\(s\\) [0-9]+ of an earlier start left running" "the arrays are said to be left running"
ok "$(test -s "$H/runs/$R/engine.jobs" && test -d "$H/runs/$R/tmp"; echo $?)" \
	"their record and the run's temporaries stay"
ok "$(queue_empty && echo 1 || echo 0)" "the arrays run on"
ok "$(flock -n "$H/runs/.batch.lock" true; echo $?)" "the batch lock is free"
# Not named: the cycle's newest unfinished run (its arrays) is resumed.
RESUME_MAX_AGE=off run run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT
is "$rc:$(status $R AAAUSDT):$(status $R BBBUSDT)" "0:success 1 -:success 1 -" "the next start collects them"
like "$err" "$R: every coin of this run is done already; nothing to train" \
	"and says the run had nothing left (not that a start in its minute resumed it)"
is "$(ev $R coin_started | wc -l)" 2 "no coin was started twice"

# An interrupted batch stops the upload under way and records it.
R=20251122T0200Z-full
UPLOAD_CMD=$TOP/test/fake/upload-slow run-batch full --engine slurm --symbols AAAUSDT --run $R >/dev/null 2>/dev/null &
u=$!
wait_for 60 test -s "$T/upload.pid"
kill -TERM $u
wait $u
is "$?" 130 "SIGTERM during an upload: exit 130"
wait_for 20 ev $R upload_failed >/dev/null
# Every process of the cancelled task gets the SIGTERM: the step's trap
# stops the upload, or the hook has died of it already.
like "$(ev $R upload_failed)" '"symbol":"AAAUSDT".*"status":143,"error":"(interrupted by SIGTERM|killed by signal 15)"' \
	"the upload is recorded as stopped by the interrupt"
p=$(cat "$T/upload.pid")
ok "$(wait_for 10 eval "! alive $p"; echo $?)" "and stopped"
kill "$p" 2>/dev/null
wait_for 30 queue_empty

# A lost attempt's model: the coin's step is killed (-9) while its trainer
# runs; the trainer goes on alone (the test cluster tracks a task's
# processes by parentage, proctrack/linuxproc, and the orphan is not its
# child any more) and publishes; the task ends without an outcome, the
# coin is lost, and its retry adopts the model instead of training again.
mv "$T/bin/train-coin" "$T/bin/train-coin.fake"
cat >"$T/bin/train-coin" <<EOF
#!/bin/sh
# The first attempt at AAAUSDT: the step's pid (timeout's parent) for the
# test, and a slow fit.
case " \$* " in *" --symbol AAAUSDT "*)
	if [ ! -e "$T/first.done" ]; then
		: >"$T/first.done"
		ps -o ppid= -p \$PPID | tr -d ' ' >"$T/step.pid.tmp" && mv "$T/step.pid.tmp" "$T/step.pid"
		FAKE_SLEEP=6
		export FAKE_SLEEP
	fi ;;
esac
exec "$T/bin/train-coin.fake" "\$@"
EOF
chmod +x "$T/bin/train-coin"
R=20251123T0200Z-full
run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT --run $R >/dev/null 2>a.err &
b=$!
wait_for 60 test -s "$T/step.pid"
kill -KILL "$(cat "$T/step.pid")"
wait $b
is "$?" 0 "a step killed under its trainer: the batch succeeds"
like "$(ev $R coin_failed AAAUSDT)" '"attempt":1,"status":null,"error_type":"lost",.*"final":false' "the attempt was lost"
like "$(ev $R coin_succeeded AAAUSDT)" '"attempt":2,.*"adopted":true' "the retry adopted the trainer's model"
is "$(grep -c '^fake train-coin AAAUSDT' "$H/logs/$R/AAAUSDT/training.log")" 1 "the coin was trained once"
rm -f "$T/bin/train-coin"
mv "$T/bin/train-coin.fake" "$T/bin/train-coin"

# SIGTERM while sbatch submits (a slow controller): the array it made
# is cancelled and recorded, not left to train the coins again beside
# the next start's.
mkdir -p "$T/slow"
cat >"$T/slow/sbatch" <<EOF
#!/bin/sh
case " \$* " in *" --test-only "*) exec "$real" "\$@" ;; esac
: >"$T/slow/submitting"
sleep 3
exec "$real" "\$@"
EOF
chmod +x "$T/slow/sbatch"
R=20251125T0200Z-full
PATH=$T/slow:$PATH FAKE_SLEEP=20 run-batch full --engine slurm --symbols AAAUSDT --run $R >/dev/null 2>slow.err &
b=$!
wait_for 60 test -e "$T/slow/submitting"
kill -TERM $b
wait $b
is "$?" 130 "SIGTERM while sbatch submits: exit 130"
like "$(cat slow.err)" "cancelled Slurm job\\(s\\) [0-9]+" "the array sbatch made meanwhile is cancelled"
wait_for 30 queue_empty
ok $? "... and leaves the queue"
run run-batch full --engine slurm --symbols AAAUSDT --run $R
is "$rc:$(grep -c '^fake train-coin AAAUSDT' "$H/logs/$R/AAAUSDT/training.log")" "0:1" "the next start trains the coin, once"

# A partition whose time limit is below the task's --time (sbatch takes
# such a job with EnforcePartLimits=NO, and Slurm leaves it pending):
# a usage error at the start, in --dry-run too, nothing submitted.
scontrol update partitionname=test maxtime=5
R=20251126T0200Z-full
run run-batch full --engine slurm --timeout-minutes 10 --symbols AAAUSDT --run $R --dry-run
is "$rc" 2 "--dry-run: a partition's MaxTime below the task's --time is a usage error"
like "$err" "a task asks --time 12 min .*more than partition test \\(MaxTime 5 min\\) allows: Slurm would leave the arrays pending for ever; lower TIMEOUT_MINUTES" \
	"naming both times and what to change"
run timeout 120 run-batch full --engine slurm --timeout-minutes 10 --symbols AAAUSDT --run $R
is "$rc:$(queue_empty && echo empty)" "2:empty" "the real start: the same, and nothing submitted"
run run-batch full --engine slurm --timeout-minutes 3 --symbols AAAUSDT --run $R --dry-run
is "$rc" 0 "a --time within the limit is taken"
# An array Slurm will never start (the partition's time limit lowered
# while the array waits for a busy node): cancelled, its coin failed with
# the reason, not waited for with the batch lock held.
scontrol update partitionname=test maxtime=INFINITE
blocker=$(sbatch --parsable --exclusive --time=5 -o /dev/null --wrap 'sleep 300')
timeout 150 run-batch full --engine slurm --timeout-minutes 10 --symbols AAAUSDT --run $R >/dev/null 2>n.err &
b=$!
wait_for 30 eval '[ -n "$(squeue -h -t PD -n cointrain-$R -o %i)" ]'
scontrol update partitionname=test maxtime=5
wait $b
rc=$? err=$(cat n.err)
scancel "$blocker"
scontrol update partitionname=test maxtime=INFINITE
is "$rc" 1 "an array Slurm will never start: the batch ends, exit 1"
like "$err" "Slurm will never start job [0-9]+ \\(PartitionTimeLimit\\)" "saying why"
like "$(ledger show $R)" '"error": "Slurm will never start job [0-9]+ \(PartitionTimeLimit\)' "the coin failed with the reason"
wait_for 30 queue_empty
ok $? "the array is cancelled"
# The same of an earlier start's array, found by a start that collects it
# (--no-wait left it): cancelled, said, not waited for; that start then
# runs the coin itself.
R=20251126T0300Z-full
blocker=$(sbatch --parsable --exclusive --time=5 -o /dev/null --wrap 'sleep 300')
run run-batch full --engine slurm --timeout-minutes 10 --symbols AAAUSDT --run $R --no-wait
wait_for 30 eval '[ -n "$(squeue -h -t PD -n cointrain-$R -o %i)" ]'
scontrol update partitionname=test maxtime=5
timeout 120 run-batch full --engine slurm --timeout-minutes 3 --symbols AAAUSDT --run $R >/dev/null 2>e.err &
b=$!
wait_for 60 grep -q "of an earlier start (PartitionTimeLimit): its waiting tasks cancelled" e.err
ok $? "an earlier start's array Slurm will never start: cancelled by the start that collects it"
scancel "$blocker"
wait $b
rc=$?
scontrol update partitionname=test maxtime=INFINITE
is "$rc:$(ledger show $R --table | awk '$1 == "AAAUSDT" { print $2 }')" "0:success" "... which then runs the coin"
wait_for 30 queue_empty

# A --time of one's own in SLURM_SBATCH_ARGS: a usage error (the engine
# sets it so that a coin's timeout fires first and is recorded as one).
SLURM_SBATCH_ARGS='-t 1' run run-batch full --engine slurm --symbols AAAUSDT --run 20251127T0200Z-full
is "$rc" 2 "SLURM_SBATCH_ARGS with -t: a usage error"
like "$err" "SLURM_SBATCH_ARGS=-t 1: -t: the engine sets --time from TIMEOUT_MINUTES" "saying what to set instead"

# Interrupted while its array runs the coin: the coin is to do again, not
# a lost attempt that uses up its retries.
R=20251128T0200Z-full
RETRIES=0 FAKE_SLEEP=30 run-batch full --engine slurm --symbols AAAUSDT --run $R >/dev/null 2>int.err &
b=$!
wait_for 60 running $R AAAUSDT
kill -TERM $b
wait $b
is "$(status $R AAAUSDT | cut -d' ' -f1)" pending "interrupted: the coin is pending again, not failed or running"
wait_for 30 queue_empty
RETRIES=0 run run-batch full --engine slurm --symbols AAAUSDT --run $R
is "$rc:$(status $R AAAUSDT | cut -d' ' -f1)" "0:success" "the next start trains it, RETRIES=0 notwithstanding"

# cancel_second RUN — once RUN's first coin runs, cancel its array's
# second task (still pending: --max-concurrent 1), let the first end, and
# wait for the batch ($b); its status.
cancel_second() {
	wait_for 30 running "$1" AAAUSDT
	j=$(squeue -h -n "cointrain-$1" -o %F | head -n 1)
	scancel "${j}_1"
	: >"$T/release"
	wait $b
}
# A pending task cancelled (scancel of one array element): its coin was
# lost before its step began; that attempt counts in the ledger as in
# the retries, and the retry trains it.
R=20251129T0200Z-full
rm -f "$T/release"
FAKE_WAIT=AAAUSDT run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT --max-concurrent 1 --run $R >/dev/null 2>p.err &
b=$!
cancel_second $R
is "$?:$(status $R AAAUSDT):$(status $R BBBUSDT)" "0:success 1 -:success 2 -" \
	"the cancelled pending coin: two attempts in the ledger, the second a success"
like "$(ev $R coin_failed BBBUSDT)" '"attempt":1,"status":null,"error_type":"lost"' "the first one lost"
# The same in a resumed run: the attempt goes on from the ledger's count,
# so a coin with an earlier start's failure gets no more retries than
# --retries allows (it got one more: the attempt was this start's round).
R=20251129T0300Z-full
rm -f "$T/release"
RETRIES=0 FAKE_FAIL=BBBUSDT FAKE_WAIT=AAAUSDT run-batch full --engine slurm \
	--symbols AAAUSDT,BBBUSDT --run $R >/dev/null 2>r1.err &
b=$!
wait_for 30 running $R AAAUSDT
wait_for 30 eval 'status $R BBBUSDT | grep -q "^failed 1"'
kill -TERM $b
wait $b
wait_for 30 queue_empty
rm -f "$T/release"
RETRIES=1 FAKE_WAIT=AAAUSDT run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT \
	--max-concurrent 1 --run $R >/dev/null 2>r2.err &
b=$!
cancel_second $R
is "$?:$(status $R AAAUSDT | cut -d' ' -f1):$(status $R BBBUSDT | cut -d' ' -f1-2)" "1:success:failed 2" \
	"resumed, a pending task cancelled: its second attempt, --retries 1 used up, not retried"
like "$(ev $R coin_failed BBBUSDT | tail -n 1)" '"attempt":2,"status":null,"error_type":"lost".*"final":true' \
	"... the event says attempt 2, final"
wait_for 30 queue_empty

# Hooks run in the data home, those of the batch and of the array tasks.
mkdir -p elsewhere
R=20251124T0200Z-full
(cd elsewhere && FAKE_FAIL=BBBUSDT NOTIFY_CMD="pwd >>'$T/cwd.notify'; cat >/dev/null" \
	UPLOAD_CMD="pwd >>'$T/cwd.upload'; :" run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT --run $R 2>/dev/null)
is "$(sort -u "$T/cwd.notify"):$(wc -l <"$T/cwd.notify")" "$H:3" "NOTIFY_CMD: the batch's and a task's events, in the data home"
is "$(cat "$T/cwd.upload")" "$H" "UPLOAD_CMD in the data home"
done_testing
