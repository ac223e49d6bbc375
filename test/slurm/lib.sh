# slurm/lib.sh — sourced by the Slurm tests after lib.sh and fake/bin.sh:
# starts a private one-node cluster in $T/cluster (stopped, by its pid
# files, when the test exits), or skips the test where it cannot run (no
# Slurm packages, not root).  Then $C is the cluster's directory, $H the
# data home, and the helpers below.
C=$T/cluster
trap '"$TOP/test/slurm/stop" "$C"; rm -rf "$T"' EXIT
# Not $(...): whatever the daemons inherit, they keep open.
"$TOP/test/slurm/start" "$C" 2>"$T/start.err"
case $? in
0) ;;
77) echo "1..0 # SKIP $(cat "$T/start.err")"; exit 0 ;;
*) echo "Bail out! the test cluster did not start: $(tr '\n' ' ' <"$T/start.err")"; exit 1 ;;
esac
. "$C/env"
H=$COINTRAIN_HOME
DRIFT_ENABLED=0
export DRIFT_ENABLED

# wait_for SECONDS CMD... — until CMD succeeds; 1 when it did not in time.
wait_for() {
	n=$(($1 * 10))
	shift
	until "$@"; do
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
		n=$((n - 1))
	done
}
running() { [ "$(status "$1" "$2" 2>/dev/null | cut -d' ' -f1)" = running ]; }
succeeded() { [ "$(status "$1" "$2" 2>/dev/null | cut -d' ' -f1)" = success ]; }
queue_empty() { [ -z "$(squeue -h -o %i 2>/dev/null)" ]; }
