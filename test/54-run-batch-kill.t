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
SYMS=AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT,EEEUSDT,FFFUSDT
FAKE_SLEEP=0.3
export FAKE_SLEEP

# successes RUN — "SYM model" of each success in the ledger.
successes() {
	python3 -c 'import json,sys
for s, e in json.load(open(sys.argv[1]))["symbols"].items():
    if e["status"] == "success": print(s, e["model"])' "$H/runs/$1/status.json" 2>/dev/null
}
# verify — every current model is complete.
verify() {
	for c in "$H"/models/*/current; do
		[ -e "$c" ] || continue
		(cd "$c" && sha256sum -c --quiet sha256.txt) || return 1
	done
}

trial=1
while [ $trial -le 5 ]; do
	python3 -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \
		run-batch full --symbols $SYMS --run $R --mode parallel --max-concurrent 2 >/dev/null 2>&1 &
	pid=$!
	# a random moment in the first 1.5 s
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	sleep "$(awk -v r="$r" 'BEGIN { printf "%.2f", 0.05 + 1.5 * r / 65535 }')"
	if [ $((trial % 2)) -eq 1 ]; then
		kill -KILL -- -"$pid" 2>/dev/null
	else
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	before=$(successes $R)
	# Trainers of the killed batch may still finish; they hold the lock.
	flock "$H/runs/.batch.lock" true
	verify
	ok $? "trial $trial: every current model verifies after kill -9"
	lost=0
	printf '%s\n' "$before" | while read -r s m; do
		[ -n "$s" ] || continue
		[ -f "$m/sha256.txt" ] || echo "$s $m lost"
	done | grep -q lost && lost=1
	is "$lost" 0 "trial $trial: no finished model lost"
	trial=$((trial + 1))
done

run run-batch full --symbols $SYMS --run $R --mode parallel --max-concurrent 2
is "$rc" 0 "the rerun finishes the run"
is "$(successes $R | wc -l)" 6 "every coin succeeded"
verify
ok $? "every current model verifies"
is "$(ls -d "$H"/models/*/current | wc -l)" 6 "each coin has its current model"
successes $R | while read -r s m; do
	[ "$(readlink -f "$H/models/$s/current")" = "$m" ] || echo "$s: current is not $m"
done >mismatch
is "$(cat mismatch)" "" "each current is the model the ledger recorded"
is "$(find "$H" -name '*.tmp*' -o -name '*.partial*' -o -name '.*.restore' | wc -l)" 0 "no temporary files left"
is "$(leftovers "$T/bin/")" 0 "no process of the batch left"
done_testing
