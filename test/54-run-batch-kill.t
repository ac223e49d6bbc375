#!/bin/sh
# 54-run-batch-kill.t — kill -9 of run-batch at random moments of a small
# batch, several trials: the rerun resumes the run, no finished model is
# lost, every current model verifies, no temporary file is left.  Odd
# trials kill the batch's whole process group (its workers too), even ones
# only the main process (its workers finish their coin and stop).
. "$CT_TOP/test/lib.sh"
. "$TOP/test/fake/bin.sh"
H=$COINTRAIN_HOME
R=20251109T0200Z-full
SYMS=AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT,EEEUSDT,FFFUSDT,GGGUSDT,HHHUSDT
FAKE_SLEEP=0.3
export FAKE_SLEEP

# successes RUN — "SYM model" of each success in the ledger.
successes() {
	ledger --home "$H" show "$1" 2>/dev/null | python3 -c 'import json,sys
for s, e in json.load(sys.stdin)["symbols"].items():
    if e["status"] == "success": print(s, e["model"])' 2>/dev/null
}
# verify — every current model is complete.
verify() {
	for c in "$H"/models/*/current; do
		[ -e "$c" ] || continue
		(cd "$c" && sha256sum -c --quiet sha256.txt) || return 1
	done
}

trial=1 hits=0
while [ $trial -le 5 ]; do
	# Named after the runs before (a run may not be named for the
	# future), so "the newest run of the cycle" is this one.
	R=$(date -u -d "-3 hours +$trial minutes" +%Y%m%dT%H%MZ)-full
	python3 -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \
		run-batch full --symbols $SYMS --run $R --mode parallel --max-concurrent 2 >/dev/null 2>&1 &
	pid=$!
	# A random moment: in trial 1 within the first 0.3 s (maybe before the
	# ledger exists); later ones within 0.8 s of the ledger's creation, so
	# that most kills land in the middle of the batch however slow the
	# build (ASan) is.
	if [ $trial -gt 1 ]; then
		i=0
		while [ ! -f "$H/runs/$R/status.json" ] && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
	fi
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	sleep "$(awk -v r="$r" -v t=$trial 'BEGIN { printf "%.2f", 0.05 + (t > 1 ? 0.75 : 0.25) * r / 65535 }')"
	if [ $((trial % 2)) -eq 1 ]; then
		kill -KILL -"$pid" 2>/dev/null
	else
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	# Trainers of the killed batch may still finish; they hold the lock.
	flock "$H/runs/.batch.lock" true
	before=$(successes $R)
	[ -n "$(ledger todo $R --retries 0 2>/dev/null)" ] && hits=$((hits + 1))
	verify
	ok $? "trial $trial: every current model verifies after kill -9"
	# Killed before the ledger existed: nothing to resume, name the run.
	again=''
	[ -f "$H/runs/$R/status.json" ] || again="--run $R"
	run run-batch full --symbols $SYMS --mode parallel --max-concurrent 2 $again
	is "$rc" 0 "trial $trial: the next start finishes the run"
	printf '%s\n' "$before" | while read -r s m; do
		[ -n "$s" ] || continue
		[ -f "$m/sha256.txt" ] || echo "$s $m lost"
		successes $R | grep -qx "$s $m" || echo "$s redone"
	done >lost
	is "$(cat lost)" "" "trial $trial: no finished model lost or redone"
	is "$(successes $R | wc -l)" 8 "trial $trial: every coin succeeded"
	verify
	ok $? "trial $trial: every current model verifies"
	trial=$((trial + 1))
done
ok $((hits < 2)) "at least two kills landed in the middle of a batch ($hits)"
is "$(ls -d "$H"/models/*/current | wc -l)" 8 "each coin has its current model"
successes $R | while read -r s m; do
	[ "$(readlink -f "$H/models/$s/current")" = "$m" ] || echo "$s: current is not $m"
done >mismatch
is "$(cat mismatch)" "" "each current is the model the ledger recorded"
[ -s mismatch ] && { ledger show $R --table; ls -l "$H"/models/*/; grep -h . "$H/logs/$R/engine.log"; } | sed 's/^/# /' 
find "$H" -name '*.tmp*' -o -name '*.partial*' -o -name '.*.restore' >tmpfiles
is "$(cat tmpfiles)" "" "no temporary files left"
is "$(leftovers "$T/bin/")" 0 "no process of the batch left"

# The whole group killed while a coin trains: its trainer (a group of its
# own, under timeout) finishes, but the attempt's record is left running.
# The restart records that attempt as lost, and counts it.
R=$(date -u -d "-1 hour" +%Y%m%dT%H%MZ)-full	# its own name, not the minute of the runs before
python3 -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \
	env FAKE_SLEEP=1 run-batch full --symbols AAAUSDT --run $R >/dev/null 2>&1 &
pid=$!
await '"running"' "$H/runs/$R/coins/AAAUSDT.json"
sleep 0.2
kill -KILL -"$pid" 2>/dev/null
wait "$pid" 2>/dev/null
flock "$H/runs/.batch.lock" true
orphan=$(readlink "$H/models/AAAUSDT/current")
models_before=$(ls -d "$H"/models/AAAUSDT/2* | wc -l)
run run-batch full --symbols AAAUSDT --run $R
is "$rc" 0 "the restart finishes the coin"
# The orphan trainer finished and published its model: the restart takes
# it as the attempt's model rather than train the coin twice.
is "$(ls -d "$H"/models/AAAUSDT/2* | wc -l)" "$models_before" "the restart trains no second model"
is "$(status $R AAAUSDT)" "success 2 -" "the coin succeeds on its second attempt"
is "$(ledger show $R | python3 -c 'import json,sys; print(json.load(sys.stdin)["symbols"]["AAAUSDT"]["model"])')" \
	"$H/models/AAAUSDT/$orphan" "the ledger records the orphan's model"
like "$(grep '"coin_succeeded"' "$H/logs/$R/engine.log")" '"adopted":true' \
	"coin_succeeded says the model was adopted"
like "$(cat "$H/logs/$R/AAAUSDT/training.log")" "published by this run's lost attempt" \
	"the coin's log says why it was not trained"
like "$(grep '"coin_failed"' "$H/logs/$R/engine.log")" '"symbol":"AAAUSDT".*"error_type":"lost"|"error_type":"lost".*"symbol":"AAAUSDT"' \
	"the lost attempt is an event (coin_failed, error_type lost)"
is "$(sed -n 's/.*"event":"coin_started".*"attempt":\([0-9]*\).*/\1/p' "$H/logs/$R/engine.log" | tr '\n' ' ')" "1 2 " \
	"attempts numbered as the ledger counts them (1, then 2), not 1 twice"
# A --force attempt lost before it published anything: the coin's current
# model is the run's earlier success, which is to be replaced, not adopted.
sh -c 'exit 0' &
gone=$!
wait $gone
ledger set $R AAAUSDT running --pid "$gone"
run run-batch full --symbols AAAUSDT --run $R --retries 5
ok "$(test "$(readlink "$H/models/AAAUSDT/current")" != "$orphan"; echo $?)" \
	"a lost attempt that published nothing: the run's earlier model is retrained, not adopted"

# SIGTERM while the batch waits to retry a coin: it stops at once, and
# its wait (a sleep) neither outlives it nor keeps the batch lock.
R=20251112T0700Z-full
rm -f "$T/flaky.BBBUSDT"
env FAKE_FLAKY=BBBUSDT RETRY_BASE_SECONDS=60 run-batch full --symbols BBBUSDT --run $R \
	>/dev/null 2>&1 &
pid=$!
await '"coin_failed"' "$H/logs/$R/engine.log" 400
sleep 0.3
kill -TERM "$pid"
wait "$pid"
is "$?" 130 "SIGTERM during the wait to retry: exit 130"
run flock -n "$H/runs/.batch.lock" true
is "$rc" 0 "... and the batch lock is free at once (no sleep left holding it)"
is "$(leftovers "sleep [0-9]*\\.[0-9][0-9]$")" 0 "... nor any sleep of its backoff left"
done_testing
