#!/bin/sh
# 70-tune.sh — a 40-trial search of one coin beside the Python way.
# tune-coin searches one synthetic 5m coin (planted edge); its 40 draws,
# read back from models/SYM/search/, go to the Python peer
# (bench/peer/peer.py tune: pandas features and xgboost.train per fold
# in a multiprocessing pool, every trial on every search fold), on the
# same candles, folds and workers.  Prints wall time, peak total RSS,
# both winners with their search and held-out scores, and the ratio.
# The pair (tune-coin, then the peer) runs PAIRS times (3): this machine
# is noisy, so each pair's ratio is printed and then their median.
# CANDLES (52000), TRIALS (40), JOBS (all cores), PAIRS and PEER (1; 0
# skips the peer) override the defaults.
set -eu
: "${CT_BIN:?run through make bench}"
CANDLES=${CANDLES:-52000} TRIALS=${TRIALS:-40} PEER=${PEER:-1}
JOBS=${JOBS:-$(getconf _NPROCESSORS_ONLN)} PAIRS=${PAIRS:-3}
here=$(cd "$(dirname "$0")" && pwd)
PATH=$CT_BIN:$PATH
COINTRAIN_HOME=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-tune.XXXXXX")
COINTRAIN_SHARE=${CT_SHARE:-$here/../share}
export PATH COINTRAIN_HOME COINTRAIN_SHARE
trap 'rm -rf "$COINTRAIN_HOME"' EXIT
sym=TUNEUSDT
fetch-candles --symbol $sym --timeframe 5m --generate --kind edge --seed 7 \
	--lookback "$CANDLES" 2>/dev/null
echo "setup: 1 coin x $CANDLES 5m candles, $TRIALS trials, $JOBS job(s) x 1 thread"

. "$here/measure.sh"
# field FILE KEY — a number from the first "KEY": in FILE.
field() { tr -d '\n ' <"$1" | sed -n "s/.*\"$2\":\([-0-9.e+]*\).*/\1/p" | head -n 1; }
p=$COINTRAIN_HOME/models/$sym/params.json
# search — tune-coin's search from scratch, reported; c_* its figures.
search() {
	rm -rf "$COINTRAIN_HOME/models/$sym/search" "$p"
	measure tune tune-coin --symbol $sym --timeframe 5m --trials "$TRIALS" --jobs "$JOBS" \
		--threads 1 --lookback "$CANDLES" --progress
	c_wall=$wall c_peak=$peak c_cpu=$cpu
	echo "tune-coin: wall $c_wall s, CPU $c_cpu s, peak total RSS $c_peak MB; $(tail -n 1 "$COINTRAIN_HOME/tune.err" | sed 's/^tune-coin: [A-Z]*: //')"
}
# peer — the peer's same trials, reported, and the pair's ratio.
peer() {
	measure peer /usr/bin/python3 "$here/peer/peer.py" tune --home "$COINTRAIN_HOME" \
		--symbol $sym --timeframe 5m --trials "$COINTRAIN_HOME/draws.json" \
		--lookback "$CANDLES" --jobs "$JOBS" --threads 1 --costs "$COINTRAIN_SHARE/costs.csv"
	o=$COINTRAIN_HOME/peer.out
	echo "python peer (pandas + xgboost.train, pool of $JOBS, every trial on every fold): wall $wall s, CPU $cpu s, peak total RSS $peak MB; winner trial $(field "$o" winner): search logloss $(field "$o" search_logloss), held-out AUC $(field "$o" heldout_auc)"
	echo "tune-coin winner trial $(tr -d '\n ' <"$p" | sed -n 's/.*"search":{"trial":\([0-9]*\).*/\1/p'): search logloss $(tr -d '\n ' <"$p" | sed -n 's/.*"search":{"trial":[0-9]*,"folds":[0-9]*,"logloss":\([0-9.e-]*\).*/\1/p'), held-out AUC $(tr -d '\n ' <"$p" | sed -n 's/.*"heldout":{"auc":\([0-9.e-]*\).*/\1/p')"
	r=$(awk -v p="$wall" -v c="$c_wall" 'BEGIN { printf "%.2f", p / c }')
	ratios="$ratios $r"
	echo "40-trial search speed vs the python peer: ${r}x faster (target >= 3x), CPU $(awk -v p="$cpu" -v c="$c_cpu" 'BEGIN { printf "%.2f", p / (c > 0 ? c : 1) }')x less, memory $(awk -v p="$peak" -v c="$c_peak" 'BEGIN { printf "%.1f", p / (c > 0 ? c : 1) }')x smaller"
}
ratios='' k=1
while [ $k -le "$PAIRS" ]; do
	[ "$PAIRS" -eq 1 ] || echo "pair $k of $PAIRS:"
	search
	if [ $k -eq 1 ]; then
		# The draws, in trial order, for the peer.
		python3 -c 'import json, sys
print(json.dumps([json.load(open("%s/trial-%04d.json" % (sys.argv[1], k)))["params"]
                  for k in range(int(sys.argv[2]))]))' \
			"$COINTRAIN_HOME/models/$sym/search" "$TRIALS" >"$COINTRAIN_HOME/draws.json"
	fi
	[ "$PEER" != 1 ] || peer
	k=$((k + 1))
done
[ "$PEER" != 1 ] || [ "$PAIRS" -eq 1 ] ||
	echo "40-trial search speed vs the python peer, median of $PAIRS pairs:$ratios -> $(printf '%s\n' $ratios | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')x faster (target >= 3x)"
