# measure.sh — sourced by the benches that time a command beside the
# Python peer (40-batch.sh, 70-tune.sh).
#
# measure NAME CMD... — run CMD in a session of its own, its standard
# output in $COINTRAIN_HOME/NAME.out and its standard error in NAME.err,
# through measure.py (one process that samples /proc every 0.1 s; the
# ps and awk per sample it replaced took some 7% of the 2-core box from
# both sides of a comparison).  Sets $wall (seconds from CMD's start to
# its end), $cpu (CPU seconds of CMD and every process it waited for: on
# a machine others share, steadier than the wall time) and $peak (MB:
# the peak of the summed RSS of the session's processes).
measure() {
	name=$1
	shift
	# What earlier steps wrote (the stores just generated) reaches the
	# disk before the clock starts: a tool that syncs what it writes
	# (cointrain does, the peer does not) would otherwise wait for that
	# writeback too.
	sync
	set -- $(/usr/bin/python3 "$here/measure.py" "$COINTRAIN_HOME" "$name" "$@")
	[ "${4:-}" = 0 ] || { echo "$name: failed (status ${4:-?}):"; tail -n 5 "$COINTRAIN_HOME/$name.err"; }
	wall=$(awk -v s="${1:-0}" 'BEGIN { printf "%.1f", s }')
	cpu=$(awk -v s="${2:-0}" 'BEGIN { printf "%.1f", s }')
	peak=$((${3:-0} / 1024))
}
