#!/bin/sh
# 20-train-resume.t — train-coin killed with SIGKILL at random moments of a
# multi-fold training, again and again: each next run resumes from the
# folds already finished, never trains one of them again, and the run that
# finally completes publishes the very model and metrics of an
# uninterrupted run (bit for bit), having trained in all the rounds of one
# uninterrupted run.
. "$CT_TOP/test/lib.sh"

cat >"$T/costs.csv" <<'END'
symbol,taker_fee_bps,maker_fee_bps,median_spread_bps,slippage_bps_per_sigma
*,10,10,2,1
END
TC="train-coin --costs $T/costs.csv --threads 1 --keep 100 --progress --symbol KR --timeframe 5m"
M=$COINTRAIN_HOME/models/KR
fetch-candles --symbol KR --timeframe 5m --generate --kind edge --seed 5 --lookback 20000 2>/dev/null

# Rounds a training_log.json says were boosted by folds and final model,
# wherever they were trained.
rounds() {
	python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
folds = sum(e["rounds_trained"] for e in ev if e["event"] == "fold_done")
final = [e["added"] for e in ev if e["event"] in ("final_done", "final_resumed")]
print(folds + final[0])' "$1/training_log.json"
}

t0=$(date +%s%N)
ref=$($TC 2>/dev/null)
ok $? "an uninterrupted run"
ms=$((($(date +%s%N) - t0) / 1000000))
refsum=$(sha256sum <"$ref/model.ubj")
refmet=$(sha256sum <"$ref/metrics.json")
refrounds=$(rounds "$ref")
is "$(python3 -c "import json; print(json.load(open('$ref/training_log.json'))['rounds_trained'])")" \
    "$refrounds" "rounds_trained in training_log.json counts them all"
echo "# uninterrupted: ${ms} ms, $refrounds rounds"

# Folds finished according to the checkpoint left behind.
done_folds() {
	ls "$M"/.tmp-*/work/checkpoint/fold-*.json 2>/dev/null | wc -l | tr -d ' '
}

trials=4 bad=0 kills=0 resumed=0
for trial in $(seq $trials); do
	before=$(readlink "$M/current")
	runs=0
	while :; do
		start=$(done_folds)
		$TC >"$T/out" 2>"$T/err" &
		pid=$!
		# A random moment of the training: 5% to 90% of an uninterrupted run
		# (awk, not python: a slow interpreter start, as through pyenv's
		# shims, moved every kill past the end of the run). The window
		# widens by a fifth with each run killed: on a machine loaded more
		# than when the uninterrupted run was timed, its start and last
		# stage alone may outlast 90% of that time, and no run would end.
		r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		sleep "$(awk -v r="$r" -v ms="$ms" -v n="$runs" 'BEGIN { printf "%.3f", (0.05 + 0.85 * r / 65535) * (1 + n / 5) * ms / 1000 }')"
		kill -KILL $pid 2>/dev/null && kills=$((kills + 1))
		wait $pid 2>/dev/null
		runs=$((runs + 1))
		# Never a fold trained that was finished when the run started.
		first=$(sed -n 's/^train-coin: KR: fold \([0-9]\)\/4 round.*/\1/p' "$T/err" | head -1)
		if [ -n "$first" ] && [ "$first" -le "$start" ]; then
			echo "# trial $trial run $runs: started with $start folds, trained fold $first" >&2
			head -n 5 "$T/err" | sed 's/^/#   /' >&2
			bad=$((bad + 1))
		fi
		grep -q "resuming" "$T/err" && resumed=$((resumed + 1))
		[ -s "$T/out" ] && break
		[ $runs -ge 30 ] && { echo "# trial $trial: no run finished" >&2; bad=$((bad + 1)); break; }
	done
	out=$(cat "$T/out")
	[ -n "$out" ] || continue
	[ "$(readlink "$M/current")" != "$before" ] || { echo "# trial $trial: current not switched" >&2; bad=$((bad + 1)); }
	[ "$(sha256sum <"$out/model.ubj")" = "$refsum" ] || { echo "# trial $trial: model differs" >&2; bad=$((bad + 1)); }
	[ "$(sha256sum <"$out/metrics.json")" = "$refmet" ] || { echo "# trial $trial: metrics differ" >&2; bad=$((bad + 1)); }
	[ "$(rounds "$out")" = "$refrounds" ] || { echo "# trial $trial: $(rounds "$out") rounds" >&2; bad=$((bad + 1)); }
	(cd "$out" && sha256sum -c --quiet sha256.txt) >&2 || { echo "# trial $trial: sums" >&2; bad=$((bad + 1)); }
	[ -z "$(ls -A "$M" | grep '^\.tmp-')" ] || { echo "# trial $trial: temporaries left" >&2; bad=$((bad + 1)); }
	echo "# trial $trial: $runs runs"
done
is "$bad" 0 "$trials trials of kill -9 at random moments: the same model.ubj and metrics.json, the same rounds, nothing retrained, nothing left"
ok $((kills == 0 || resumed == 0)) "some runs were killed ($kills) and some resumed ($resumed)"

# kill_after N — train, and kill -9 the training once N folds are
# checkpointed (or when it ends first).
kill_after() {
	$TC >/dev/null 2>&1 &
	pid=$!
	while [ "$(done_folds)" -lt "$1" ] && kill -0 $pid 2>/dev/null; do sleep 0.02; done
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
}

# What a terminal shows, and a checkpoint of other data is not used.
kill_after 2
n=$(done_folds)
if [ "$n" -lt 4 ]; then
	run $TC
	like "$err" "^train-coin: KR: resuming at fold $((n + 1)) of 4" "a resumed run says where it resumes"
else
	ok 0 "# SKIP the run finished its folds before it was killed"
fi
kill_after 1
fetch-candles --symbol KR --timeframe 5m --generate --kind edge --seed 5 --lookback 20100 2>/dev/null
run $TC
is "$rc" 0 "new candles since the kill: a fresh training"
ok "$(printf '%s\n' "$err" | grep -c resuming)" "which does not resume the checkpoint of other data"
like "$(printf '%s\n' "$err" | grep 'round' | head -1)" "fold 1/4 round 1," "and starts at fold 1"

# damaged FILE HOW WHAT EXPECT — kill a training after its first fold,
# damage that fold's checkpoint FILE with the function HOW (given its
# path), run again: it still publishes (WHAT) and says EXPECT.
damaged() {
	kill_after 1
	f=$(ls "$M"/.tmp-*/work/checkpoint/"$1" 2>/dev/null | head -1)
	if [ -z "$f" ]; then
		ok 0 "# SKIP the run ended before a fold was checkpointed"
		ok 0 "# SKIP"
		return
	fi
	"$2" "$f"
	run timeout 120 $TC
	is "$rc" 0 "$3: the run still publishes"
	like "$err" "$4" "and says it trains the fold again"
}
empty() { : >"$1"; }
nan_at_11() {
	python3 -c 'import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(40); f.write(struct.pack("<f", float("nan")))' "$1"
}
cut_1064() { head -c 1064 "$1" >cut.ubj && cat cut.ubj >"$1"; }
# A checkpoint whose fold cannot be read (a short file) is trained again,
# not a failure of this run and of every retry.
damaged fold-1.oos empty "a fold checkpoint cut short" "fold-1.oos: short file; training the fold again"
# So is one whose predictions are not probabilities (a NaN once made the
# AUC's tie loop spin for ever, holding the coin's lock).
damaged fold-1.oos nan_at_11 "a NaN in a fold checkpoint" \
	"fold-1.oos: value number 11, nan, is not a probability; training the fold again"
# Nor are a fold's trees cut short handed to XGBoost, whose loader may
# read past their end: their record's checksum is checked first.
damaged fold-1.ubj cut_1064 "a fold's trees cut short" \
	"fold-1.ubj: not the file its record names \\(cut short or changed\\); training the fold again"

done_testing
