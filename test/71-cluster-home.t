#!/bin/sh
# 71-cluster-home.t — what a data home shared by several hosts needs from
# the ledger and the event log: workers named by host (or by their engine)
# and judged only where they can be; a coin left running by a worker of
# another host is resumed; many coins set in one rewrite; event lines
# appended under a lock.
. "$CT_TOP/test/lib.sh"
. "$TOP/test/fake/bin.sh"
H=$COINTRAIN_HOME
R=20251109T0200Z-full
field() {
	ledger show "$R" | python3 -c 'import json,sys; print(json.load(sys.stdin)["symbols"][sys.argv[1]].get(sys.argv[2]))' "$1" "$2"
}

ledger init $R AAAUSDT BBBUSDT CCCUSDT DDDUSDT
ledger set $R AAAUSDT running --pid $$
like "$(field AAAUSDT worker)" "^$(uname -n):$$:[0-9]+$" "running records the worker as HOST:PID:START"
ledger set $R BBBUSDT running --worker slurm:12_3
ledger set $R CCCUSDT running --worker otherhost:1:2
sh -c 'exit 0' & dead=$!
wait $dead
ledger set $R DDDUSDT running --pid $dead
is "$(field BBBUSDT worker)" "slurm:12_3" "--worker records an engine's worker"
is "$(ledger todo $R)" "DDDUSDT" "todo: this host's dead worker; not the workers it cannot judge"
is "$(ledger todo $R --unknown | tr '\n' ',')" "BBBUSDT slurm:12_3,CCCUSDT otherhost:1:2," \
	"todo --unknown: the running coins only their engine can judge, with their workers"
run ledger set $R AAAUSDT running --worker 'two words'
is "$rc" 2 "a worker identity with a blank is a usage error"
ledger set $R BBBUSDT success
is "$(field BBBUSDT worker)" "None" "a finished coin keeps no worker"

# Many coins in one rewrite; a bad one changes nothing.
printf 'AAAUSDT\nCCCUSDT\n' | ledger set $R - pending
is "$(field AAAUSDT status):$(field CCCUSDT status)" "pending:pending" "set RUN - STATUS: every symbol of stdin"
printf 'BBBUSDT\nZZZUSDT\n' >in
run ledger set $R - failed <in
is "$rc:$(field BBBUSDT status)" "1:success" "a symbol not in the run: error, nothing changed"

# run-batch (local engine): a coin left running by a worker of another
# host (a data home shared by two hosts) makes the run unfinished; the
# next start counts it lost and retries it.
R=20251110T0200Z-full
run run-batch full --symbols AAAUSDT,BBBUSDT --run $R
ledger set $R BBBUSDT running --worker otherhost:1:2
run run-batch full --symbols AAAUSDT,BBBUSDT --dry-run
like "$out" "^run: +$R \\(resumed\\)" "a run with a coin under another host's worker is resumed"
a=$(readlink "$H/models/AAAUSDT/current")
run run-batch full --symbols AAAUSDT,BBBUSDT
is "$rc" 0 "the next start finishes it"
is "$(status $R BBBUSDT):$(status $R AAAUSDT)" "success 3 -:success 1 -" "the coin is retried, the other is not"
is "$(readlink "$H/models/AAAUSDT/current")" "$a" "the finished coin is not retrained"

# Event lines are appended under a lock (an NFS client appends where it
# last saw the end unless it holds one).
flock "$H/logs/$R/engine.log" sleep 2 &
held "$H/logs/$R/engine.log"
t=$(date +%s%N)
ledger event $R probe >/dev/null
ok $(($(date +%s%N) - t < 600000000)) "ledger event waits for the lock on engine.log"
wait

# The Slurm engine takes a missing outcome (a file another host wrote
# that this one does not see yet) from the ledger, which the step wrote
# first; a coin whose attempt did not end stays without one (lost).
R=20251111T0200Z-full
ledger init $R AAAUSDT BBBUSDT CCCUSDT
ledger set $R AAAUSDT running; ledger set $R AAAUSDT success
ledger set $R BBBUSDT running; ledger set $R BBBUSDT failed --error-type timeout
ledger set $R CCCUSDT running
mkdir -p o/outcome o/slurm
printf 'AAAUSDT\nBBBUSDT\nCCCUSDT\n' >o/list
(run=$R tmp=$T/o; . "$COINTRAIN_SHARE/engine/slurm.sh"; slurm_outcomes "$tmp/list")
is "$(cat o/outcome/AAAUSDT):$(cat o/outcome/BBBUSDT):$(ls o/outcome | tr '\n' ' ')" \
	"success 0:timeout 1 0:AAAUSDT BBBUSDT " "slurm engine: outcomes of ended attempts from the ledger"
done_testing
