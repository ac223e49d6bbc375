# local.sh — run-batch's local engine: $workers processes on this machine,
# each taking the next coin of the list (claimed by creating a file with
# O_EXCL) and running its step, `run-batch __coin SYM`, until the list is
# done.
# Sourced by run-batch; see ENGINES in run-batch(1) for the interface.

local_pids=''		# the workers of the round under way

# engine_check — can this engine run here?  Not on a run whose job
# arrays another engine (slurm) submitted and no start has collected.
engine_check() {
	[ -e "$home/runs/$run/engine.jobs" ] || return 0
	warn "$run: its Slurm arrays are not collected yet: \`$(collect_cmd)' collects them"
	return 1
}

# engine_plan — --dry-run's line: the workers and threads; 1 when the
# run's Slurm arrays are not collected (a real start would refuse).
engine_plan() {
	engine_check || return 1
	echo "local; mode $MODE: $workers worker(s) x $threads thread(s) on $cores core(s)"
}

# engine_run LIST — one attempt of every coin of LIST; returns when all
# have ended.
engine_run() {
	rm -rf "$tmp/claims"
	mkdir -p "$tmp/claims"
	local_pids=''
	i=0
	while [ "$i" -lt "$workers" ]; do
		local_worker "$1" &
		local_pids="$local_pids $!"
		i=$((i + 1))
	done
	wait
	local_pids=''
}

# engine_stop — stop every step this engine started (the batch was
# interrupted); their coins stay resumable in the ledger.
engine_stop() {
	[ -n "$local_pids" ] || return 0
	warn "$run: stopping the workers"
	for p in $local_pids; do kill -TERM "$p" 2>/dev/null; done
	wait
	# The coins they were running were interrupted, not lost: to do
	# again, no failed attempt (the next start would count each as
	# "worker lost", and an interrupt would use up a coin's retries).
	ledger todo "$run" --lost 2>/dev/null | while read -r s; do
		ledger set "$run" "$s" pending
	done
}

# engine_alive WORKER — 0 when the worker recorded in the ledger still
# runs.  The ledger judges this host's workers itself and asks about
# another host's, HOST:PID:START (a data home shared by several hosts):
# gone, since every local worker holds the batch lock we now hold.
# Another engine's worker (slurm:JOB_TASK): cannot tell.
engine_alive() {
	case $1 in *:*:*) return 1 ;; *) return 2 ;; esac
}

local_worker() {
	child=''
	trap '[ -z "$child" ] || { kill -TERM "$child" 2>/dev/null; wait "$child"; }; exit 143' TERM
	while read -r s; do
		# The batch was killed (kill -9): start nothing new.
		kill -0 "$batchpid" 2>/dev/null || return 0
		# Claimed by creating its file (noclobber: O_EXCL, atomic) in
		# the shell, not a mkdir process per coin and worker; by true,
		# not :, whose failed redirection would end the worker (a
		# special builtin's).
		set -C
		{ true >"$tmp/claims/$s"; } 2>/dev/null
		c=$?
		set +C
		[ "$c" -eq 0 ] || continue
		"$SELF" __coin "$s" &
		child=$!
		wait "$child"
		child=''
	done <"$1"
}
