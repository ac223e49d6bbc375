#!/bin/sh
# 70-slurm.t — run-batch --engine slurm on a real one-node Slurm cluster
# (test/slurm/start) with the fake trainers: a full cycle as one array
# with %2 gives the local engine's summary; a task cancelled mid-run is
# retried; a failing coin fails alone; kill -9 of run-batch mid-array and
# --no-wait are collected by the next start without redoing a coin; one
# batch at a time; Ctrl-C cancels the array; chunks past MaxArraySize;
# the monthly tune cycle as an array with the real tune-coin.
# Skips when the cluster cannot run here (no Slurm packages, not root).
. "$CT_TOP/test/lib.sh"
. "$TOP/test/fake/bin.sh"
. "$TOP/test/slurm/lib.sh"
SYMS=AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT

# verify — every current model is complete.
verify() {
	for c in "$H"/models/*/current; do
		[ -e "$c" ] || continue
		(cd "$c" && sha256sum -c --quiet sha256.txt) || return 1
	done
}
# summary FILE — the engine-independent part of a run summary.
summary() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(d["total_symbols"], d["succeeded"], d["failed"], d["skipped"], d["pending"],
      sorted((s, e["status"], e["net_bps_after_costs"], e["error"]) for s, e in d["by_symbol"].items()))' "$1"
}
# tasks RUN — "JOBID TASK STATE START END CPUS MINUTES" of the run's
# finished array tasks, from the cluster's job completion log.
tasks() {
	sed -n "s/.*Name=cointrain-$1 JobState=\([A-Z_]*\) .*TimeLimit=\([0-9]*\) StartTime=\([^ ]*\) EndTime=\([^ ]*\) .*ProcCnt=\([0-9]*\) .*ArrayJobId=\([0-9]*\) ArrayTaskId=\([0-9]*\).*/\6 \7 \1 \3 \4 \5 \2/p" \
		"$C/jobcomp.txt"
}
t0=$(date +%s)

# The plan: what would be submitted, and nothing submitted.
run run-batch full --engine slurm --symbols $SYMS --max-concurrent 2 --dry-run
is "$rc" 0 "slurm --dry-run exits 0"
like "$out" "engine slurm: job arrays of at most [0-9]+ tasks, at most 2 at a time \\(%2\\); a task: --cpus-per-task 1, --time 47 min" \
	"slurm --dry-run shows the arrays, not local workers"
ok "$(queue_empty; echo $?)" "and submits nothing"
# Sequential mode's cores are a node's (sinfo), not this host's: one
# here (taskset), the node's all in the task.
n=$(sinfo -h -o %c | head -n 1)
case $n in "" | *[!0-9]*) n=0 ;; esac
if [ "$n" -ge 2 ] && command -v taskset >/dev/null; then
	run taskset -c 0 run-batch full --engine slurm --mode sequential --symbols $SYMS --dry-run
	like "$out" "a task: --cpus-per-task $n," "sequential: --cpus-per-task is a node's cores ($n), not this host's (1)"
else
	skip 1 "a node of one core, or no taskset"
fi
SLURM_CONF=$T/none run run-batch full --engine slurm --symbols $SYMS --dry-run
is "$rc" 1 "slurm --dry-run with a SLURM_CONF that is not there fails"
like "$err" "slurm engine: SLURM_CONF=$T/none: no such file or not readable" "at once, and says why"
# MessageTimeout=1: the client gives up at once, not after 9 s of retries.
printf 'ClusterName=none\nSlurmctldHost=localhost\nSlurmctldPort=9\nMessageTimeout=1\n' >"$T/down.conf"
SLURM_CONF=$T/down.conf run run-batch full --engine slurm --symbols $SYMS --dry-run
is "$rc" 1 "slurm --dry-run without a controller fails"
like "$err" "slurm engine: scontrol show config: .*contact slurm controller" "with scontrol's reason"

# A full cycle: 4 coins, one array, at most 2 at a time.
R=20251109T0200Z-full
FAKE_SLEEP=1 run run-batch full --engine slurm --symbols $SYMS --max-concurrent 2 --run $R
is "$rc" 0 "slurm: a full cycle of 4 coins succeeds"
like "$err" "4 succeeded, 0 failed, 0 left" "and says so"
verify
ok $? "every current model verifies"
is "$(ls -d "$H"/models/*/current | wc -l)" 4 "each coin has its current model"
tasks $R >tasks
is "$(cut -d' ' -f1 tasks | sort -u | wc -l):$(wc -l <tasks)" "1:4" "one array of 4 tasks"
is "$(cut -d' ' -f3,6,7 tasks | sort -u)" "COMPLETED 1 47" "each task: 1 cpu, the 45-minute timeout plus 2 minutes"
# Most tasks running at once: count, at each start, the tasks begun and not ended.
is "$(awk '{ s[NR] = $4; e[NR] = $5 } END { for (i in s) { n = 0; for (j in s) if (s[j] <= s[i] && e[j] > s[i]) n++; if (n > m) m = n } print m }' tasks)" 2 \
	"%2: two tasks at a time at most"
is "$(ledger --home "$H" show $R | grep -c '"worker"')" 0 "finished coins keep no worker"
n=$(find "$H/logs/$R" -maxdepth 1 -name 'slurm-*' -empty | wc -l)
is "$n" 0 "empty task outputs are removed (one that says something is kept)"
n=$(ls "$H/logs/$R" | grep -c '^slurm-')
# What a task printed when it did (a diagnosis when this fails).
[ "$n" -eq 0 ] || for f in "$H/logs/$R"/slurm-*; do echo "# $f: $(head -c 300 "$f" | tr '\n' ' ')"; done
ok "$(test ! -e "$H/runs/$R/engine.jobs"; echo $?)" "the run's arrays are forgotten once collected"
# The same batch on the local engine: the same summary.
COINTRAIN_HOME=$T/local run-batch full --engine local --symbols $SYMS --run $R >/dev/null 2>&1
is "$(summary "$H/summary/$R/engine_summary.json")" "$(summary "$T/local/summary/$R/engine_summary.json")" \
	"the summary equals the local engine's"

# A task cancelled mid-run is retried; a coin that always fails fails
# alone, with its error.  Slurm signals a task's processes in no set
# order; the worst one is made here: BBB's first attempt cancels its own
# task while the test holds slurmd (SIGSTOP, by its pid file), so that
# no signal of Slurm's reaches the task yet, then dies of a SIGTERM of
# its own.  The step must not take that as its outcome.  DDD waits for
# the test (FAKE_WAIT), keeping the array in the queue.
mv "$T/bin/train-coin" "$T/bin/train-coin.fake"
cat >"$T/bin/train-coin" <<EOF
#!/bin/sh
case " \$* " in *" --symbol BBBUSDT "*)
	[ -e "$T/slow.done" ] || { : >"$T/slow.done"; i=0
		until [ -e "$T/cancel" ] || [ \$i -ge 600 ]; do sleep 0.1; i=\$((i + 1)); done
		scancel "\${SLURM_ARRAY_JOB_ID}_\$SLURM_ARRAY_TASK_ID"; : >"$T/cancelled"; kill -TERM \$\$; } ;;
esac
exec "$T/bin/train-coin.fake" "\$@"
EOF
chmod +x "$T/bin/train-coin"
R=20251110T0200Z-full
FAKE_FAIL=CCCUSDT FAKE_WAIT=DDDUSDT run-batch full --engine slurm --symbols $SYMS --max-concurrent 2 --run $R >/dev/null 2>b.err &
b=$!
wait_for 30 running $R BBBUSDT
w=$(ledger --home "$H" show $R | python3 -c 'import json, sys; print(json.load(sys.stdin)["symbols"]["BBBUSDT"]["worker"])')
like "$w" "^slurm:[0-9]+_[0-9]+$" "the ledger names the running coin's worker: its array task"
kill -STOP "$(cat "$C/slurmd.pid")"
: >"$T/cancel"
wait_for 30 test -e "$T/cancelled"
sleep 2
kill -CONT "$(cat "$C/slurmd.pid")"
# Taken as lost at once, not when the array ends (DDD holds it).  The
# look is a ledger read, not python, so that a loaded box keeps pace.
t0=$(date +%s)
until grep -q '"error_type": "lost"' "$H/runs/$R/coins/BBBUSDT.json" 2>/dev/null ||
	[ $(($(date +%s) - t0)) -ge 40 ]; do sleep 0.2; done
grep -q '"error_type": "lost"' "$H/runs/$R/coins/BBBUSDT.json"
r=$?
ok "$r" "the cancelled coin is failed as lost while its array still runs ($(($(date +%s) - t0)) s)"
[ "$r" -eq 0 ] || { sed 's/^/# /' b.err; grep BBBUSDT "$H/logs/$R/engine.log" | sed 's/^/# /'; }
j=${w#slurm:}
ok "$(squeue -h -j "${j%%_*}" -r -o %i | grep -q . && kill -0 $b; echo $?)" "(the array and the batch still run)"
: >"$T/release"
wait $b
is "$?" 1 "the batch ends with exit 1 (a coin failed)"
is "$(status $R BBBUSDT)" "success 2 -" "the cancelled coin was retried and succeeded"
like "$(grep '"event":"coin_started"' "$H/logs/$R/engine.log" | grep BBBUSDT | tail -n 1)" '"attempt":2' \
	"in a second round"
like "$(grep '"event":"coin_failed"' "$H/logs/$R/engine.log" | grep BBBUSDT)" \
	"\"error\":\"worker lost \\($w: JOB [0-9]+ ON [^ ]+ CANCELLED AT [0-9T:-]+\\)\"" \
	"its lost attempt names the task and says why, in Slurm's words"
is "$(status $R CCCUSDT)" "failed 1 error" "the failing coin failed once (exit 1 is not retried)"
like "$(ledger show $R)" '"error": "train-coin: CCCUSDT: not enough candles"' "with its error"
is "$(status $R AAAUSDT):$(status $R DDDUSDT)" "success 1 -:success 1 -" "the others succeeded"
rm -f "$T/bin/train-coin"
mv "$T/bin/train-coin.fake" "$T/bin/train-coin"

# kill -9 of run-batch mid-array: the next start waits for the array and
# goes on from the ledger; no coin is redone.
R=20251111T0200Z-full
S6=AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT,EEEUSDT,FFFUSDT
FAKE_SLEEP=2 run-batch full --engine slurm --symbols $S6 --max-concurrent 2 --run $R >/dev/null 2>&1 &
k=$!
wait_for 30 succeeded $R AAAUSDT
kill -KILL $k
wait $k 2>/dev/null
ok "$(test -s "$H/runs/$R/engine.jobs"; echo $?)" "killed mid-array: the array's job id stays in the run"
! queue_empty
ok $? "and the array runs on"
# Named after no date: the newest unfinished full run is this one.
FAKE_SLEEP=2 run run-batch full --engine slurm --symbols $S6 --max-concurrent 2
is "$rc" 0 "the next start collects the array and finishes the run"
like "$err" "$R: waiting for Slurm job" "it says it waits for the earlier start's array"
is "$(grep -c '"event":"coin_started"' "$H/logs/$R/engine.log")" 6 "no coin was started twice"
is "$(ledger --home "$H" show $R | python3 -c 'import json, sys; print(sorted(set(e["attempts"] for e in json.load(sys.stdin)["symbols"].values())))')" \
	"[1]" "every coin succeeded at its first attempt"
verify
ok $? "every current model verifies"

# --no-wait: submit and return; a start of another run is refused while
# the array runs; the next start of the run collects and summarizes.
R=20251112T0200Z-full
s0=$(date +%s)
FAKE_SLEEP=2 run run-batch full --engine slurm --symbols $SYMS --max-concurrent 2 --run $R --no-wait
is "$rc" 0 "--no-wait: exit 0"
ok $(($(date +%s) - s0 > 3)) "at once"
like "$err" "$R: submitted to the slurm engine; .run-batch full --engine slurm --run $R --symbols $SYMS' collects it" \
	"and says how to collect (with its --symbols: without, the configured coins would be added)"
run run-batch full --engine local --symbols $SYMS --run $R
is "$rc" 1 "the local engine does not take over a run whose arrays are not collected"
like "$err" "$R: its Slurm arrays are not collected yet: .run-batch full --engine slurm --run $R --symbols $SYMS' collects them" "and says so, and how"
run run-batch full --engine local --symbols $SYMS --run $R --dry-run
is "$rc" 1 "... in --dry-run too"
# --dry-run judges TUNE_ARGS' cores against a task's --cpus-per-task, as
# a real start does (it judged them against this host's).
TUNE_ENABLED=1 TUNE_ARGS='--jobs 2' SLURM_SBATCH_ARGS='-c 1' run run-batch tune --engine slurm --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: TUNE_ARGS=--jobs 2: --jobs 2 x --threads 1: more than the 1 core\\(s\\) each coin has" \
	"--dry-run: TUNE_ARGS past a task's --cpus-per-task is a usage error, as in a real start"
ok "$(test ! -e "$H/summary/$R/engine_summary.json"; echo $?)" "no summary yet"
run run-batch incremental --engine slurm --symbols $SYMS --dry-run
like "$rc:$out" "batch: +another batch is running \\($R, Slurm job\\(s\\) [0-9]+\\): a start now waits with --wait, else is refused \\(exit 6\\)" \
    "--dry-run of another run while the array runs: the batch line says a start would be refused"
run run-batch predict --engine slurm --symbols $SYMS
is "$rc" 6 "a start of another run while the array runs: exit 6"
like "$err" "another batch is running in $H \\($R, Slurm job\\(s\\) [0-9]+\\); not starting" "naming the run and its job"
run run-batch full --engine local --symbols $SYMS --no-wait --run 20251112T0300Z-full
is "$rc" 2 "--no-wait with the local engine: usage error"
# A local batch of another cycle meanwhile (an hourly predict) must not
# sweep the temporaries the array's tasks still read.
run run-batch predict --engine local --symbols AAAUSDT
ok "$(test -d "$H/runs/$R/tmp"; echo $?)" "a local start of another run leaves the uncollected run's tmp/ alone"
FAKE_SLEEP=2 run run-batch full --engine slurm --symbols $SYMS
is "$rc" 0 "the next start collects the --no-wait run"
is "$(summary "$H/summary/$R/engine_summary.json" | cut -d' ' -f1-5)" "4 4 0 0 0" "and summarizes it"
is "$(grep -c '"event":"coin_started"' "$H/logs/$R/engine.log")" 4 "no coin was started twice"

# Two starts at once: one batch.
FAKE_SLEEP=1 run-batch full --engine slurm --symbols AAAUSDT --run 20251113T0200Z-full >/dev/null 2>&1 &
a=$!
FAKE_SLEEP=1 run-batch full --engine slurm --symbols AAAUSDT --run 20251113T0300Z-full >/dev/null 2>&1 &
b=$!
wait $a; ra=$?
wait $b; rb=$?
is "$(echo $ra $rb | tr ' ' '\n' | sort | tr '\n' ' ')" "0 6 " "two started together: one ran (0), one refused (6)"

# Ctrl-C: the array is cancelled; the next start retries its coins.
R=20251114T0200Z-full
FAKE_HANG=BBBUSDT python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT --run $R >/dev/null 2>i.err &
i=$!
wait_for 30 running $R BBBUSDT
kill -INT $i
wait $i
is "$?" 130 "SIGINT: exit 130"
like "$(cat i.err)" "cancelled Slurm job" "the array is cancelled"
wait_for 30 queue_empty
ok $? "nothing is left in the queue"
run run-batch full --engine slurm --symbols AAAUSDT,BBBUSDT --run $R
is "$rc:$(status $R BBBUSDT)" "0:success 1 -" "the next start retries the interrupted coin (the interrupted attempt taken back)"
like "$err" "$R: full cycle, 2 symbols, Slurm tasks of [0-9]+ thread\\(s\\), as many at a time as the cluster runs, resumed" \
	"without MAX_CONCURRENT the first line says the cluster decides (not this host's worker count)"

# SLURM_SBATCH_ARGS: checked before anything runs; -c sets the threads.
SLURM_SBATCH_ARGS='-p nosuch' run run-batch full --engine slurm --symbols AAAUSDT --run 20251115T0100Z-full
is "$rc" 2 "a partition the cluster refuses (a job without it is taken): a usage error, exit 2"
like "$err" "SLURM_SBATCH_ARGS=-p nosuch: sbatch refuses a job with them: .*[Pp]artition.* \\(from environment\\)" "naming the setting and its origin, with sbatch's reason"
ok "$(test ! -e "$H/runs/20251115T0100Z-full"; echo $?)" "before the run exists"
SLURM_SBATCH_ARGS='-p nosuch' run run-batch full --engine slurm --symbols AAAUSDT --dry-run
is "$rc" 2 "... and exit 2 with --dry-run too"
# More CPUs a task than any node has: the setting's fault (the job
# without it, of the engine's own -c, is taken).
SLURM_SBATCH_ARGS='-c 64' run run-batch full --engine slurm --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: SLURM_SBATCH_ARGS=-c 64: sbatch refuses a job with them: " "-c past every node: a usage error naming the setting"
SLURM_SBATCH_ARGS='--bogus' run run-batch full --engine slurm --symbols AAAUSDT --dry-run
like "$rc:$err" "^2:run-batch: SLURM_SBATCH_ARGS=--bogus: sbatch refuses a job with them: sbatch: unrecognized option '--bogus'" \
    "an option sbatch does not know: its own words, not its 'Try sbatch --help'"
# The predict cycle's plan asks the controller nothing (a real predict
# needs none), and plans no arrays.
SLURM_CONF=$T/nowhere.conf run run-batch predict --engine slurm --symbols AAAUSDT --dry-run
is "$rc" 0 "predict --dry-run on slurm with no controller to ask: exit 0"
like "$out" "^cycle: .*engine slurm: the predict cycle submits nothing" "... and no arrays planned"
# Options the engine sets itself: its arrays, their output and environment.
for a in --array=0-1 --export=NONE '-o /tmp/x.out' '-J mine' --parsable; do
	SLURM_SBATCH_ARGS=$a run run-batch full --engine slurm --symbols AAAUSDT --dry-run
	like "$rc:$err" "^2:run-batch: SLURM_SBATCH_ARGS=$a: ${a%% *}: the (engine|tasks) " "SLURM_SBATCH_ARGS $a: a usage error, why"
done

# More coins than MaxArraySize: chunks, one after the other.
echo MaxArraySize=2 >>"$C/slurm.conf"
# (A fake trainer cancelled above may have left its temporary.)
find "$H" -name '*.tmp*' | sort >tmp.before
scontrol reconfigure
R=20251115T0200Z-full
SLURM_SBATCH_ARGS='--cpus-per-task 2' run run-batch full --engine slurm \
	--symbols AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT,EEEUSDT --max-concurrent 2 --run $R
is "$rc" 0 "5 coins with MaxArraySize=2"
is "$(tasks $R | cut -d' ' -f6 | sort -u):$(grep -ho 'threads=[0-9]*' "$H/logs/$R"/*/training.log | sort -u)" \
	"2:threads=2" "--cpus-per-task in SLURM_SBATCH_ARGS: the tasks' CPUs and the coins' threads"
is "$(grep -c jobs_submitted "$H/logs/$R/engine.log"):$(sed -n 's/.*"event":"jobs_submitted".*"coins":\([0-9]*\).*/\1/p' "$H/logs/$R/engine.log" | tr '\n' ' ')" \
	"3:2 2 1 " "three arrays of 2, 2 and 1 coins"
is "$(find "$H" -name '*.tmp*' | sort | comm -13 tmp.before -)" "" "no temporary files left"

# The monthly tune cycle as a job array, with the real tune-coin.
for s in TAAUSDT TBBUSDT; do
	fetch-candles --symbol $s --timeframe 5m --generate --kind edge --seed 4 --lookback 4000 2>/dev/null
done
R=20251116T0200Z-tune
TUNE_ENABLED=1 TUNE_TRIALS=4 TRAIN_ROUNDS=20 TRAIN_LOOKBACK=4000 TIMEFRAME=5m \
	run run-batch tune --engine slurm --symbols TAAUSDT,TBBUSDT --max-concurrent 2 --run $R
is "$rc" 0 "slurm: a tune cycle of 2 coins succeeds"
is "$(status $R TAAUSDT):$(status $R TBBUSDT)" "success 1 -:success 1 -" "the ledger: both tuned at the first attempt"
[ -s "$H/models/TAAUSDT/params.json" ] && [ -s "$H/models/TBBUSDT/params.json" ]
ok $? "each coin has its params.json"
is "$(grep -c '"event":"tune_done"' "$H/logs/$R/engine.log"):$(grep -c '"event":"jobs_submitted"' "$H/logs/$R/engine.log")" \
	"2:1" "tune_done from both array tasks, one array"
echo "# $(($(date +%s) - t0)) s on the cluster"
done_testing
