# slurm.sh — run-batch's Slurm engine: a round's coins as a job array,
# one array task per coin running the coin's step, `run-batch __coin SYM`,
# on whichever node Slurm picks.  The data home must be on a file system
# every node mounts at the same path (cointrain(7), RUNNING ON A CLUSTER).
# Sourced by run-batch; see ENGINES in run-batch(1) for the interface.
#
# What the cluster is asked for: job name cointrain-RUN; --array=0-(N-1)
# with %MAX from --max-concurrent (no limit when it is not set: Slurm
# decides); --time of the coin's timeout plus a grace for the step's own
# bookkeeping, so that the step's timeout(1) fires first and records the
# timeout; --cpus-per-task the threads per coin; SLURM_SBATCH_ARGS last,
# so they override.  More coins than the cluster's MaxArraySize go in
# chunks, each starting after the one before (afterany), so %MAX holds for
# the whole round.  The job ids of the run are kept in runs/RUN/engine.jobs
# until a start of the run has seen them end: a run-batch killed, or
# started with --no-wait, leaves its arrays running, and the next start of
# the run waits for them and goes on from the ledger.

slurm_jobs=''		# " ID ID ...": the arrays this start submitted
slurm_active=''		# those of them not yet seen to end
slurm_lists=''		# chunks of the round not yet submitted
slurm_prev=''		# the array submitted last
slurm_sleep=''		# pid of the sleep between two looks at the queue
slurm_earlier=''	# the arrays of an earlier start being waited for
slurm_submitting=''	# 1 while sbatch submits an array (j: its id once it returned)

# engine_check — the Slurm commands are there and the controller answers;
# array size limit; threads from a --cpus-per-task in SLURM_SBATCH_ARGS.
# Then the arrays earlier starts left: ours are waited for (with
# --no-wait, left in the queue), another run's still running is another
# batch (exit 6, or wait with --wait).
engine_check() {
	# The predict cycle submits nothing: it needs no controller (one
	# down for maintenance must not stop the hourly predictions), only
	# to know whether a run's arrays are still in the queue.
	[ "$cycle" = predict ] || slurm_config || return 1
	slurm_left
}
# slurm_config — the Slurm commands are there and the controller answers;
# the chunk size (slurm_chunk), threads, the tasks' minutes (slurm_mins);
# sbatch takes such a job (a bad partition or account is found now).
slurm_config() {
	for c in sbatch squeue scancel scontrol; do
		command -v "$c" >/dev/null 2>&1 ||
			{ warn "slurm engine: $c: not found (install slurm-client)"; return 1; }
	done
	# Slurm looks a minute for a controller by DNS when SLURM_CONF names
	# no file: a mistyped one is said at once.
	[ -z "${SLURM_CONF:-}" ] || [ -r "$SLURM_CONF" ] ||
		{ warn "slurm engine: SLURM_CONF=$SLURM_CONF: no such file or not readable"; return 1; }
	conf=$(scontrol show config 2>&1) ||
		{ warn "slurm engine: scontrol show config: $(printf '%s\n' "$conf" | tail -n 1)"; return 1; }
	slurm_chunk=$(printf '%s\n' "$conf" | sed -n 's/^MaxArraySize *= *\([0-9][0-9]*\).*/\1/p')
	t=$(printf '%s\n' "$conf" | sed -n 's/^SchedulerParameters *=.*max_array_tasks=\([0-9][0-9]*\).*/\1/p')
	: "${slurm_chunk:=1001}"
	[ -z "$t" ] || [ "$t" -ge "$slurm_chunk" ] || slurm_chunk=$t
	# Two chunks in the queue at most, with room for everyone else's jobs.
	t=$(printf '%s\n' "$conf" | sed -n 's/^MaxJobCount *= *\([0-9][0-9]*\).*/\1/p')
	[ -z "$t" ] || [ $((t / 4)) -ge "$slurm_chunk" ] || slurm_chunk=$((t / 4))
	[ "$slurm_chunk" -ge 1 ] ||
		{ warn "slurm engine: this cluster runs no job arrays (MaxArraySize=0)"; return 1; }
	# shellcheck disable=SC2086 # SLURM_SBATCH_ARGS is an option list
	t=$(slurm_owned $SLURM_SBATCH_ARGS)
	[ -z "$t" ] || badv SLURM_SBATCH_ARGS "$SLURM_SBATCH_ARGS" "$t"
	slurm_mins=$(((timeout_s + 59) / 60 + 2))
	[ -z "$UPLOAD_CMD" ] || slurm_mins=$((slurm_mins + 10))
	# shellcheck disable=SC2086
	c=$(slurm_cpus $SLURM_SBATCH_ARGS)
	[ -n "$c" ] || [ "$MODE" != sequential ] || c=$(slurm_threads)
	# The job without SLURM_SBATCH_ARGS is also without their -c (in
	# sequential mode: the smallest node's CPUs, as the engine takes).
	own_threads=$threads
	[ "$MODE" != sequential ] || own_threads=$(SLURM_SBATCH_ARGS='' slurm_threads)
	: "${own_threads:=$threads}"
	[ -z "$c" ] || threads=$c
	# A bad partition or account is found now, not after the first round:
	# a usage error when the job without SLURM_SBATCH_ARGS is taken.
	# shellcheck disable=SC2086
	e=$(sbatch --test-only --time="$slurm_mins" --cpus-per-task="$threads" $SLURM_SBATCH_ARGS \
		--wrap=true 2>&1) && { slurm_part_time; return 0; }
	[ -n "$SLURM_SBATCH_ARGS" ] &&
		sbatch --test-only --time="$slurm_mins" --cpus-per-task="$own_threads" --wrap=true >/dev/null 2>&1 &&
		badv SLURM_SBATCH_ARGS "$SLURM_SBATCH_ARGS" "sbatch refuses a job with them: $(sbatch_why "$e")"
	warn "slurm engine: sbatch refuses the job: $e"
	return 1
}
# sbatch_why TEXT — sbatch's reason in its output: its error line or the
# option it did not know, else its last line ("Try sbatch --help" says
# nothing).
sbatch_why() {
	printf '%s\n' "$1" | awk '/^sbatch: (error: |unrecognized option|invalid option|option )/ { print; f = 1; exit }
	{ l = $0 } END { if (!f) print l }'
}
# engine_plan — --dry-run's line: what would be submitted.
engine_plan() {
	# The predict cycle submits nothing and asks the controller nothing.
	if [ "$cycle" = predict ]; then
		echo "slurm: the predict cycle submits nothing: predict | cache-put run here"
		return 0
	fi
	slurm_config || return 1
	lim='as many at a time as the cluster runs'
	[ "$origin_MAX_CONCURRENT" = default ] && [ "$MODE" != sequential ] ||
		lim="at most $workers at a time (%$workers)"
	echo "slurm: job arrays of at most $slurm_chunk tasks, $lim; a task: --cpus-per-task $threads, --time $slurm_mins min${SLURM_SBATCH_ARGS:+, then $SLURM_SBATCH_ARGS}"
}
# slurm_owned ARG... — "OPTION: why" for the first sbatch option among
# ARG that the engine sets itself, if any: its arrays, their names, output
# and environment are how it finds and judges its tasks, and --time comes
# from TIMEOUT_MINUTES so that the step's own timeout fires first and is
# recorded as one (a shorter one killed tasks as "lost").
slurm_owned() {
	for a in "$@"; do
		case $a in
		-t | -t* | --time | --time=*)
			echo "$a: the engine sets --time from TIMEOUT_MINUTES (the timeout plus 2 minutes), so that a coin's timeout is recorded as one; set TIMEOUT_MINUTES instead" ;;
		-a | -a* | --array | --array=*)
			echo "$a: the engine makes the arrays (a task a coin, in chunks the cluster takes); MAX_CONCURRENT sets their % limit" ;;
		-o | -o* | --output | --output=* | -e | -e* | --error | --error=*)
			echo "$a: the engine keeps each task's output in logs/RUN/, where it finds Slurm's reason for a lost task" ;;
		--export | --export=*)
			echo "$a: the tasks need the batch's environment (the engine passes --export=ALL)" ;;
		-J | -J* | --job-name | --job-name=*)
			echo "$a: the engine names its arrays cointrain-RUN" ;;
		-D | -D* | --chdir | --chdir=* | -d | -d* | --dependency | --dependency=* | --parsable | \
		--wrap | --wrap=* | -W | --wait | --test-only | --requeue | --no-requeue)
			echo "$a: the engine sets it (its tasks run in the data home, one array after another, never requeued)" ;;
		*) continue ;;
		esac
		return
	done
}
# slurm_arg -X --LONG ARG... — the value of the last -X or --LONG among
# sbatch options ARG (-X V, -XV, --LONG V, --LONG=V), if any.
slurm_arg() {
	x=$1 l=$2 v=''
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		"$x" | "$l") v=${2:-}; [ $# -lt 2 ] || shift ;;
		"$l"=*) v=${1#*=} ;;
		"$x"*) v=${1#"$x"} ;;
		esac
		shift
	done
	echo "$v"
}
# slurm_cpus ARG... — the --cpus-per-task among sbatch options, if any.
slurm_cpus() {
	c=$(slurm_arg -c --cpus-per-task "$@")
	isnum "$c" && [ "$c" -ge 1 ] && echo "$c"
}
# slurm_judged — 0 when the partition the tasks go to can be judged
# here: no QOS (which may lift its limits), no other cluster (-M), no
# abbreviated --partition.
slurm_judged() {
	[ -z "${SBATCH_QOS:-}${SBATCH_CLUSTERS:-}" ] || return 1
	for a in $SLURM_SBATCH_ARGS; do
		case $a in
		--partition | --partition=*) ;;
		-q* | --qos* | -M* | --cluster* | --part*) return 1 ;;
		esac
	done
}
# slurm_threads — sequential mode trains a coin with every CPU of a
# node, not of this host: those of the smallest node of the partitions
# the tasks go to (-p of SLURM_SBATCH_ARGS, else SBATCH_PARTITION, else
# the cluster's default), when sbatch takes a job of that many (cores
# kept for the system, a partition's or memory's limits may not).
# Nothing (this host's) when that cannot be judged or is refused.
# (hybrid keeps this host's share: a node's divided among the workers
# would ask the cluster for cores a coin of a few months does not use.)
slurm_threads() {
	slurm_judged || return 0
	# shellcheck disable=SC2086
	p=$(slurm_arg -p --partition $SLURM_SBATCH_ARGS)
	: "${p:=${SBATCH_PARTITION:-}}"
	m=$(sinfo -h -o '%P %c' 2>/dev/null | awk -v p=",$p," '
		{ d = sub(/\*$/, "", $1); sub(/\+$/, "", $2) }
		(p == ",," ? d : index(p, "," $1 ",")) && $2 ~ /^[0-9]+$/ && (m == "" || $2 + 0 < m) { m = $2 + 0 }
		END { if (m >= 1) print m }')
	[ -n "$m" ] || return 0
	# shellcheck disable=SC2086
	if sbatch --test-only --time="$slurm_mins" --cpus-per-task="$m" $SLURM_SBATCH_ARGS --wrap=true >/dev/null 2>&1; then
		echo "$m"
	else
		warn "slurm engine: sbatch refuses a task of a whole node's $m CPUs; sequential mode asks for $threads, this host's"
	fi
}
# slurm_part_time — the tasks' --time against the MaxTime of the
# partition they go to (-p of SLURM_SBATCH_ARGS, else SBATCH_PARTITION,
# else the cluster's default): a usage error when every partition named
# allows less.  With EnforcePartLimits=NO, sbatch takes such a job and
# Slurm leaves it pending for ever.  Not judged when a QOS (which may
# lift the limit), another cluster (-M) or an abbreviated --partition is
# asked for, nor by a start that collects the run's arrays.
slurm_part_time() {
	[ ! -e "$home/runs/$run/engine.jobs" ] && slurm_judged || return 0
	# shellcheck disable=SC2086
	p=$(slurm_arg -p --partition $SLURM_SBATCH_ARGS)
	parts=$(scontrol -o show partition 2>/dev/null) || return 0
	: "${p:=${SBATCH_PARTITION:-}}"
	[ -n "$p" ] || p=$(printf '%s\n' "$parts" | sed -n 's/^PartitionName=\([^ ]*\) .*Default=YES.*/\1/p' | head -n 1)
	short=''
	for q in $(echo "$p" | tr ',' ' '); do
		# Its MaxTime in seconds (Slurm's time formats); -1: none.
		t=$(printf '%s\n' "$parts" | awk -v q="$q" '
		$1 == "PartitionName=" q {
			for (i = 2; i <= NF; i++) if ($i ~ /^MaxTime=/) t = substr($i, 9)
			if (t == "" || t ~ /^(UNLIMITED|INFINITE|NONE)$/) { print -1; exit }
			d = -1
			if (index(t, "-")) { d = substr(t, 1, index(t, "-") - 1); t = substr(t, index(t, "-") + 1) }
			n = split(t, a, ":")
			if (n == 3) s = a[1] * 3600 + a[2] * 60 + a[3]
			else if (d >= 0) s = a[1] * 3600 + (n == 2 ? a[2] * 60 : 0)
			else s = a[1] * 60 + (n == 2 ? a[2] : 0)
			print (d > 0 ? d * 86400 : 0) + s; exit
		}')
		# A partition not found: sbatch --test-only has judged it.
		[ -n "$t" ] && [ "$t" -ge 0 ] && [ "$t" -lt $((slurm_mins * 60)) ] || return 0
		short="$short${short:+,} $q (MaxTime $((t / 60)) min)"
	done
	[ -z "$short" ] ||
		die "$EX_USAGE" "slurm engine: a task asks --time $slurm_mins min (TIMEOUT_MINUTES plus the step's own minutes), more than partition$short allows: Slurm would leave the arrays pending for ever; lower TIMEOUT_MINUTES or choose another partition (SLURM_SBATCH_ARGS=-p NAME)"
}
# slurm_left — the arrays of runs/*/engine.jobs (see the header).
slurm_left() {
	for f in "$home"/runs/*/engine.jobs; do
		[ -f "$f" ] || continue
		r=${f%/engine.jobs}
		r=${r##*/}
		ids=$(sed -n 's/^slurm //p' "$f" | tr '\n' ' ')
		if [ "$r" = "$run" ]; then
			slurm_collect "$ids" || return 1
			continue
		fi
		slurm_running "$ids"
		case $? in
		1) continue ;;	# ended: left for a start of that run to collect
		2) [ "$cycle" != predict ] || { warn "slurm engine: cannot tell whether $r's job(s) run; predicting all the same"; continue; }
			return 1 ;;
		esac
		if [ "$wait_lock" = 1 ]; then
			warn "another batch is running in $home ($r, Slurm job(s) ${ids% }); waiting"
			slurm_wait "$ids"
		else
			warn "another batch is running in $home ($r, Slurm job(s) ${ids% }); not starting (use --wait to wait)"
			exit "$EX_LOCKED"
		fi
	done
}
# slurm_collect "ID ..." — the run's arrays an earlier start left: waited
# for, then forgotten.  With --no-wait, arrays still in the queue are
# left there and nothing is submitted: exit 0, as after a submission
# (the run is under way on the cluster).
slurm_collect() {
	if [ "$nowait" = 1 ]; then
		slurm_running "$1"
		case $? in
		0) echo "$prog: $run: Slurm job(s) ${1% } of an earlier start still in the queue;" \
			"--no-wait leaves them and submits nothing: \`$(collect_cmd)' collects them" >&2
			exit 0 ;;
		2) return 1 ;;
		esac
	else
		echo "$prog: $run: waiting for Slurm job(s) ${1% } of an earlier start" >&2
		slurm_earlier=${1% }
		log=$home/logs/$run
		slurm_wait "$1" earlier
		slurm_earlier=''
	fi
	slurm_forget
}

# engine_busy — for --dry-run: "RUN, Slurm job(s) ID ..." of another
# run's arrays still in the queue (a start would wait for them or exit
# 6, as slurm_left does); nothing when none is, or Slurm cannot say.
engine_busy() {
	for f in "$home"/runs/*/engine.jobs; do
		[ -f "$f" ] || continue
		r=${f%/engine.jobs} r=${r##*/}
		[ "$r" != "$run" ] || continue
		ids=$(sed -n 's/^slurm //p' "$f" | tr '\n' ' ')
		slurm_running "$ids" 2>/dev/null && { echo "$r, Slurm job(s) ${ids% }"; return 0; }
	done
}
# slurm_running "ID ..." — 0 while any of the jobs is in the queue
# (pending, running, completing), 1 when none is, 2 when Slurm cannot say.
slurm_running() {
	# jl, not ids: slurm_left's list, which its messages name after.
	# shellcheck disable=SC2086 # unquoted: one blank between the ids
	jl=$(echo $1 | tr ' ' ',')
	[ -n "$jl" ] || return 1
	q=$(squeue -h -j "$jl" -o %T 2>&1) && { [ -n "$q" ]; return; }
	# A job that ended MinJobAge ago is forgotten: asked alone, it is an error.
	case $q in *"Invalid job id"*) return 1 ;; esac
	warn "slurm engine: squeue: $(printf '%s\n' "$q" | tail -n 1)"
	return 2
}
# slurm_wait "ID ..." [HOW] — until none of the jobs is in the queue,
# looking every 1 to 10 seconds, and every second once each coin of
# them has its outcome (slurm_nap).  With HOW (the run's own arrays),
# the coins of tasks that are gone are taken as lost at each look
# (slurm_gone).
slurm_wait() {
	n=1 since=$(date +%s) told='' told_miss='' told_quick=0
	while :; do
		slurm_running "$1"
		[ $? -eq 1 ] && return 0
		slurm_pending "$1"
		[ -z "${2:-}" ] || slurm_gone "$1" "$2"
		slurm_nap "$1" "$n"
		[ "$n" -ge 10 ] || n=$((n + 1))
	done
}
# slurm_nap "ID ..." N — N seconds, a second at a time, cut short once
# every coin of the arrays has recorded its outcome: their tasks are
# leaving the queue, and the batch goes on within a second of it, not up
# to ten (for 15 looks: tasks slow to leave are then looked at as
# before).  Each sleep runs in the background so that a signal is
# handled at once, without the batch lock (descriptor 9), which it would
# keep for a moment after a kill -9 of run-batch.
slurm_nap() {
	nap_i=0
	while [ "$nap_i" -lt "$2" ]; do
		sleep 1 9>&- &
		slurm_sleep=$!
		wait "$slurm_sleep"
		slurm_sleep=''
		nap_i=$((nap_i + 1))
		[ "$told_quick" -lt 15 ] && slurm_all_told "$1" && { told_quick=$((told_quick + 1)); return 0; }
	done
}
# slurm_all_told "ID ..." — 0 when every coin of these arrays (their
# lists, list-of.ID) has an outcome; 1 while one has not, or when no
# list is known (another run's arrays).  The run's tmp/ keeps them, also
# an earlier start's, collected before this start sets tmp.  Shell reads
# only, and one file test while the coin last found without an outcome
# (told_miss) still has none: it runs every second.
slurm_all_told() {
	told_d=${tmp:-$home/runs/$run/tmp}
	[ -z "$told_miss" ] || [ -s "$told_d/outcome/$told_miss" ] || return 1
	told_k=0
	for told_id in $1; do
		[ -f "$told_d/slurm/list-of.$told_id" ] || continue
		while read -r told_s; do
			[ -s "$told_d/outcome/$told_s" ] || { told_miss=$told_s; return 1; }
		done <"$told_d/slurm/list-of.$told_id"
		told_k=1
	done
	[ "$told_k" = 1 ]
}
# slurm_gone "ID ..." HOW — a coin of the run whose task of these arrays
# left the queue while the ledger still has it running (scancel, a node
# lost) is lost now, not when its whole array has ended: coin-status and
# the dashboard say so at once.  HOW: round (every array of this start:
# the round's outcome, no_outcome) or earlier (an earlier start's,
# lost_now).  The queue is read before the ledger: a task that ends well
# has recorded its end before it leaves the queue.
slurm_gone() {
	[ "$2" != round ] || set -- "$slurm_jobs" round
	# shellcheck disable=SC2086
	q=$(squeue -h -r -j "$(echo $1 | tr ' ' ',')" -o %i 2>/dev/null) || return 0
	nl='
'
	ledger todo "$run" --unknown 2>/dev/null | while read -r s w; do
		t=${w#slurm:}
		case " $1 " in *" ${t%%_*} "*) ;; *) continue ;; esac
		case "$nl$q$nl" in *"$nl$t$nl"*) continue ;; esac
		if [ "$2" = round ]; then
			[ -s "$tmp/outcome/$s" ] || no_outcome "$s" >/dev/null
		else
			lost_now "$s" "$w"
		fi
	done
}
# slurm_pending "ID ..." — arrays of this start that Slurm will never
# start (a partition's time limit below the task's --time, an account or
# QOS it refuses, a node count it cannot give) are cancelled, their coins
# failed with the reason: waiting would hold the batch lock, and every
# other cycle, for ever.  One pending for 10 minutes for another reason
# (a busy cluster, nodes down) is said once, with it (a jobs_pending
# event).  Uses since and told of slurm_wait.
slurm_pending() {
	# shellcheck disable=SC2086
	squeue -h -t PD -j "$(echo $1 | tr ' ' ',')" -o '%F %r' 2>/dev/null | sort -u |
		while read -r id why; do
			case $why in
			PartitionTimeLimit | PartitionNodeLimit | BadConstraints | InvalidAccount | InvalidQOS | \
			*MaxWallDurationPerJobLimit | *MaxCpuPerJobLimit | *MaxNodePerJobLimit | \
			*MaxNodesPerJob* | DependencyNeverSatisfied)
				# Its tasks that wait are cancelled; those that run
				# finish as they would.  An array of an earlier start
				# (collected, or another run's, waited for with --wait;
				# no list of this start's): said; its coins not done are
				# a later round's to try, and to fail.
				scancel --state=PENDING "$id" 2>/dev/null
				if [ -n "${slurm_earlier:-}" ] || [ -z "${tmp:-}" ] ||
					[ ! -f "$tmp/slurm/list-of.$id" ]; then
					warn "$run: Slurm will never start job $id of an earlier start ($why): its waiting tasks cancelled"
					continue
				fi
				slurm_refused "$tmp/slurm/list-of.$id" \
					"Slurm will never start job $id ($why): see SLURM_SBATCH_ARGS, the partition's limits (--time is $slurm_mins min)" error ;;
			*)
				[ -z "$told" ] && [ $(($(date +%s) - since)) -ge 600 ] || continue
				warn "$run: Slurm job $id pending for $((($(date +%s) - since) / 60)) min: $why"
				event jobs_pending engine=slurm job="$id" reason="$why" ;;
			esac
		done
	[ -n "$told" ] || [ $(($(date +%s) - since)) -lt 600 ] || told=1
}
# slurm_forget — the run's arrays have ended: drop their record and the
# task output files that stayed empty.
slurm_forget() {
	rm -f "$home/runs/$run/engine.jobs"
	find "$home/logs/$run" -maxdepth 1 -name 'slurm-*.out' -type f -empty -exec rm -f {} + 2>/dev/null
	slurm_jobs=''
}

# engine_submit LIST — --no-wait: submit the coins of LIST (the first two
# chunks of them) and return.  Coins of later chunks stay pending in the
# ledger for the start that collects these.
engine_submit() {
	slurm_chunks "$1"
	slurm_feed
	slurm_feed
}
# engine_run LIST — one attempt of every coin of LIST: chunks fed to the
# cluster two at a time (a chunk is submitted when the one two before it
# ended), so that the queue never holds more than two chunks' tasks
# (every array task counts against the cluster's MaxJobCount); then wait
# for them all and take the outcomes.
engine_run() {
	for s in $(cat "$1"); do rm -f "$tmp/outcome/$s"; done
	slurm_chunks "$1"
	slurm_feed
	slurm_feed
	while [ -n "$slurm_lists" ]; do
		# shellcheck disable=SC2086
		set -- $slurm_active
		slurm_wait "${1:-}" round
		slurm_active=${slurm_active#" ${1:-}"}
		slurm_feed
	done
	slurm_wait "$slurm_jobs" round
	slurm_forget
	slurm_outcomes "$tmp/slurm/all"
}
# slurm_chunks LIST — LIST in chunks of at most slurm_chunk coins, the
# files of $slurm_lists; the task script they run.
slurm_chunks() {
	mkdir -p "$tmp/slurm" "$tmp/outcome"
	rm -f "$tmp/slurm/list."*
	cp "$1" "$tmp/slurm/all"
	split -l "$slurm_chunk" -a 4 -d "$1" "$tmp/slurm/list."
	slurm_lists=$(ls "$tmp/slurm/list."* 2>/dev/null | tr '\n' ' ')
	slurm_active='' slurm_prev=''
	cat >"$tmp/slurm/task.sh" <<'EOF'
#!/bin/sh
# One task of a cointrain array: the coin on line SLURM_ARRAY_TASK_ID+1 of
# the list $1, through run-batch's per-coin step ($2).
sym=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$1")
[ -n "$sym" ] || { echo "run-batch: $1: no coin for task $SLURM_ARRAY_TASK_ID" >&2; exit 1; }
CT_WORKER=slurm:${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID
export CT_WORKER
exec "$2" __coin "$sym"
EOF
}
# slurm_feed — submit the next chunk of $slurm_lists as an array that
# starts after the one submitted before it (afterany), so that %MAX holds
# for the whole round.  A chunk sbatch refuses fails its coins.
slurm_feed() {
	# shellcheck disable=SC2086
	set -- $slurm_lists
	[ $# -gt 0 ] || return 0
	l=$1
	slurm_lists=${slurm_lists#"$l "}
	k=$(grep -c . "$l")
	# No % limit unless one was asked for: the cluster decides.
	lim=''
	[ "$origin_MAX_CONCURRENT" = default ] && [ "$MODE" != sequential ] || lim=%$workers
	# A signal during sbatch is handled once it returns: engine_stop then
	# cancels the array it made (slurm_submitting), which nothing records yet.
	j='' slurm_submitting=1
	# shellcheck disable=SC2086 # SLURM_SBATCH_ARGS is an option list
	j=$(sbatch --parsable --job-name="cointrain-$run" --array="0-$((k - 1))$lim" \
		--time="$slurm_mins" --cpus-per-task="$threads" --chdir="$home" --no-requeue \
		--export=ALL --output="$log/slurm-%A_%a.out" ${slurm_prev:+--dependency=afterany:$slurm_prev} \
		$SLURM_SBATCH_ARGS "$tmp/slurm/task.sh" "$l" "$here/${SELF##*/}" 2>"$tmp/slurm/err")
	j=${j%%;*}
	if [ -z "$j" ]; then
		slurm_refused "$l" "$(grep . "$tmp/slurm/err" | tail -n 1)"
		return 0
	fi
	echo "slurm $j" >>"$home/runs/$run/engine.jobs"
	# The array's coins, kept: list.NNNN are cut anew each round.
	cp "$l" "$tmp/slurm/list-of.$j"
	slurm_jobs="$slurm_jobs $j" slurm_active="$slurm_active $j" slurm_prev=$j
	slurm_submitting=''
	event jobs_submitted engine=slurm job="$j" coins:="$k" limit="${lim#%}"
}
# slurm_refused LIST MSG [TYPE] — sbatch did not take the coins of LIST
# (or Slurm will not start them): each attempt failed with MSG (sbatch's
# last line, which names sbatch itself) as a temporary failure, retried
# after a backoff (TYPE error: a failure, not retried).  The ledger counts it
# (running, then failed), as a restart and the next attempt's number go by
# the ledger; each coin gets its coin_failed event, the last one final,
# and NOTIFY_CMD one jobs_refused for the array, not one per coin.
slurm_refused() {
	ty=${3:-transient}
	m=${2#sbatch: }
	[ "$ty" = error ] || m="sbatch: ${m:-refused the job}"
	warn "slurm engine: $m"
	n=0 nfinal=0 quiet=1
	while read -r s; do
		# A coin of the array that ran before it stopped starting
		# (its tasks one at a time) has its outcome: not failed again.
		[ ! -s "$tmp/outcome/$s" ] || continue
		! grep -q -e '"status": "success"' -e '"status": "running"' \
			"$home/runs/$run/coins/$s.json" 2>/dev/null || continue
		ledger set "$run" "$s" running --pid "$$"
		ledger set "$run" "$s" failed --error "$m" --error-type "$ty"
		a=$(ledger_attempts "$s")
		[ -n "$a" ] || a=$(($(cat "$tmp/attempts.$s" 2>/dev/null || echo 0) + 1))
		echo "$a" >"$tmp/attempts.$s"
		a=$(attempts_of "$s") f=$(last_try "$a")
		[ "$ty" = transient ] || f=true
		event coin_failed symbol="$s" attempt:="$a" status:=null error_type="$ty" \
			error="$m" final:="$f"
		if [ "$ty" = transient ]; then echo "transient $EX_TEMPFAIL 0"; else echo "error 1 0"; fi \
			>"$tmp/outcome/$s"
		n=$((n + 1))
		[ "$f" = false ] || nfinal=$((nfinal + 1))
	done <"$1"
	quiet=''
	event jobs_refused engine=slurm coins:="$n" final:="$nfinal" error="$m"
}

# slurm_outcomes LIST — a coin of LIST without an outcome file whose
# ledger entry has ended gets its outcome from the ledger: the step wrote
# both, and another host may not see a new file for a while (NFS caches
# failed lookups); the ledger is read afresh.  No outcome and no end: the
# task was lost (cancelled, a node failed) and run-batch retries the coin.
slurm_outcomes() {
	for s in $(cat "$1"); do [ -s "$tmp/outcome/$s" ] || echo "$s"; done >"$tmp/slurm/missing"
	[ -s "$tmp/slurm/missing" ] || return 0
	ledger show "$run" | awk '
	/^ *"[A-Z0-9][A-Z0-9._-]*": \{$/ { s = $1; gsub(/[":]/, "", s); st = ""; ty = ""; d = 0 }
	/^ *"status": "/ { st = $2; gsub(/[",]/, "", st) }
	/^ *"duration_seconds": [0-9]/ { d = int($2) }
	/^ *"error_type": "/ { ty = $2; gsub(/[",]/, "", ty) }
	/^ *\}/ && s != "" {
		if (st == "success") print s, "success", d
		else if (st == "failed") print s, (ty == "" ? "error" : ty) " 1", d
		s = ""
	}' | while read -r s o; do
		grep -qx "$s" "$tmp/slurm/missing" && echo "$o" >"$tmp/outcome/$s"
	done
}

# engine_stop — cancel this start's arrays; the coins they were running
# stay in the ledger for the next start (which waits for the cancelled
# tasks to end, then retries them).  An earlier start's arrays it was
# waiting for are not its own: left running, for the next start.
engine_stop() {
	[ -z "$slurm_sleep" ] || kill "$slurm_sleep" 2>/dev/null
	# An array sbatch made as the signal came: recorded, to be cancelled.
	if [ -n "$slurm_submitting" ] && [ -n "${j:-}" ]; then
		j=${j%%;*}
		case " $slurm_jobs " in *" $j "*) ;; *)
			echo "slurm $j" >>"$home/runs/$run/engine.jobs"
			slurm_jobs="$slurm_jobs $j" ;;
		esac
	fi
	[ -z "$slurm_earlier" ] ||
		warn "$run: Slurm job(s) $slurm_earlier of an earlier start left running; the next start of the run collects them"
	[ -n "$slurm_jobs" ] || return 0
	# shellcheck disable=SC2086
	scancel $slurm_jobs && warn "$run: cancelled Slurm job(s)$slurm_jobs"
	# The coins those tasks were running were interrupted, not lost: to
	# do again, no failure (an interrupt does not use up their retries).
	[ -f "$home/runs/$run/status.json" ] || return 0
	ledger todo "$run" --unknown 2>/dev/null | while read -r s w; do
		jid=${w#slurm:}
		case " $slurm_jobs " in *" ${jid%%_*} "*) ledger set "$run" "$s" pending ;; esac
	done
}

# engine_why SYM WORKER — why the task of SYM (slurm:JOBID_TASKID, else
# found from the chunk lists of this start) ended without an outcome, in
# Slurm's own words from the task's output file: "JOB 43 ON node1
# CANCELLED AT ... DUE TO TIME LIMIT" (or NODE FAILURE, PREEMPTION; none
# for scancel), or an out-of-memory kill.  Nothing when it left no word.
engine_why() {
	t=${2#slurm:}
	case $2 in slurm:*) ;; *)
		# The newest array that listed the coin: its task on that line.
		t=''
		for j in $(ls "$tmp/slurm" 2>/dev/null | sed -n 's/^list-of\.\([0-9]*\)$/\1/p' | sort -n); do
			n=$(grep -nx "$1" "$tmp/slurm/list-of.$j" | cut -d: -f1)
			[ -z "$n" ] || t=${j}_$((n - 1))
		done
		[ -n "$t" ] || return 0 ;;
	esac
	sed -n -e 's/^slurmstepd[^:]*: error: \*\*\* \(.*\) \*\*\*$/\1/p' \
		-e 's/^slurmstepd[^:]*: error: \(Detected [0-9]* oom.kill event.*\)\. Some of .*/\1/p' \
		"$log/slurm-$t.out" 2>/dev/null | tail -n 1
}

# engine_alive WORKER — 0 while the array task slurm:JOBID_TASKID is in
# the queue, 1 when it is not, 2 when Slurm cannot say.  A worker of this
# host or another is gone: local workers hold the batch lock we hold.
engine_alive() {
	case $1 in
	slurm:*) slurm_running "${1#slurm:}" ;;
	*) return 1 ;;
	esac
}
