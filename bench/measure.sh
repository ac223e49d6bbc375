# measure.sh — sourced by the benches that time a command beside the
# Python peer (40-batch.sh, 70-tune.sh).
#
# measure NAME CMD... — run CMD in a session of its own, its standard
# output in $COINTRAIN_HOME/NAME.out and its standard error in NAME.err.
# Sets $wall (seconds, as time(1) measured the command: not the 0.2 s
# steps of the sampler below), $cpu (CPU seconds of the command and
# every process it waited for: on a machine others share, steadier than
# the wall time) and $peak (MB: the peak of the summed RSS of the
# session's processes, sampled every 0.2 s).
measure() {
	name=$1
	shift
	# What earlier steps wrote (the stores just generated) reaches the
	# disk before the clock starts: a tool that syncs what it writes
	# (cointrain does, the peer does not) would otherwise wait for that
	# writeback too.
	sync
	python3 -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \
		/usr/bin/time -f '%e %U %S' -o "$COINTRAIN_HOME/$name.time" "$@" \
		>"$COINTRAIN_HOME/$name.out" 2>"$COINTRAIN_HOME/$name.err" &
	pid=$!
	peak=0
	while kill -0 "$pid" 2>/dev/null; do
		rss=$(ps -eo sess=,rss= | awk -v s="$pid" '$1 == s { t += $2 } END { print t + 0 }')
		[ "$rss" -gt "$peak" ] && peak=$rss
		sleep 0.2
	done
	wait "$pid" || { echo "$name: failed:"; tail -n 5 "$COINTRAIN_HOME/$name.err"; }
	peak=$((peak / 1024))
	wall=$(awk '{ printf "%.1f", $1 }' "$COINTRAIN_HOME/$name.time" 2>/dev/null)
	cpu=$(awk '{ printf "%.1f", $2 + $3 }' "$COINTRAIN_HOME/$name.time" 2>/dev/null)
}
