#!/bin/sh
# 40-batch.sh — run-batch on synthetic coins beside the Python way.
# A full cycle (train every coin from scratch, cache predictions), then,
# in the same run on the same candles, the Python peer (bench/peer/peer.py:
# pandas features + xgboost.train per fold in a multiprocessing pool, same
# folds and parameters), then an incremental cycle.  Prints wall time,
# per-coin average, peak total RSS of each side's processes (sampled
# every 0.2 s), both mean walk-forward AUCs and the speed ratio.
# COINS (100), CANDLES (52000), MODE (parallel), MAX_CONCURRENT (all
# cores) and PEER (1; 0 skips the peer) override the defaults.
set -eu
: "${CT_BIN:?run through make bench}"
COINS=${COINS:-100} CANDLES=${CANDLES:-52000} PEER=${PEER:-1}
MODE=${MODE:-parallel} MAX_CONCURRENT=${MAX_CONCURRENT:-$(getconf _NPROCESSORS_ONLN)}
here=$(cd "$(dirname "$0")" && pwd)
PATH=$CT_BIN:$PATH
COINTRAIN_HOME=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-batch.XXXXXX")
COINTRAIN_SHARE=${CT_SHARE:-$here/../share}
FETCH_ENABLED=0 PREDICT_MAX_AGE=off TRAIN_LOOKBACK=$CANDLES BACKUP_ENABLED=1 TIMEFRAME=5m
export PATH COINTRAIN_HOME COINTRAIN_SHARE FETCH_ENABLED PREDICT_MAX_AGE TRAIN_LOOKBACK \
	BACKUP_ENABLED TIMEFRAME
trap 'rm -rf "$COINTRAIN_HOME"' EXIT

i=1
: >"$COINTRAIN_HOME/symbols"
t0=$(date +%s)
while [ $i -le "$COINS" ]; do
	s=$(printf 'S%03dUSDT' $i)
	echo "$s" >>"$COINTRAIN_HOME/symbols"
	fetch-candles --symbol "$s" --timeframe 5m --generate --kind edge --seed $i \
		--lookback "$CANDLES" 2>/dev/null
	i=$((i + 1))
done
echo "setup: $COINS coins x $CANDLES 5m candles generated in $(($(date +%s) - t0)) s"

. "$here/measure.sh"
# cycle NAME — one run-batch cycle, reported.
cycle() {
	measure "$1" run-batch "$1" --symbols "$COINTRAIN_HOME/symbols" --mode "$MODE" \
		--max-concurrent "$MAX_CONCURRENT"
	run=$(ls "$COINTRAIN_HOME/runs" | grep -- "-$1\$" | tail -n 1)
	avg=$(sed -n 's/^  "avg_train_minutes": \([0-9.e-]*\),*$/\1/p' "$COINTRAIN_HOME/summary/$run/engine_summary.json")
	ok=$(sed -n 's/^  "succeeded": \([0-9]*\),*$/\1/p' "$COINTRAIN_HOME/summary/$run/engine_summary.json")
	echo "$1 cycle wall: $wall s ($( [ "$1" = full ] && echo 'target <= 300 s for 100 x 52k' || echo 'target <= 30 s'))"
	echo "$1 cycle coins succeeded: $ok of $COINS"
	echo "$1 cycle per-coin average: $(awk -v m="${avg:-0}" 'BEGIN { printf "%.2f", m * 60 }') s training, $(awk -v w="$wall" -v n="$COINS" 'BEGIN { printf "%.2f", w / n }') s wall"
	echo "$1 cycle peak total RSS: $peak MB (target <= 600 MB)"
	echo "$1 cycle CPU: $cpu s"
}
# mean_auc — mean walk-forward AUC of the current models.
mean_auc() {
	for m in "$COINTRAIN_HOME"/models/*/current/metrics.json; do
		tr -d '\n ' <"$m" | sed -n 's/.*"aggregate":{"auc":\([0-9.e-]*\).*/\1/p'
		echo
	done | awk '{ s += $1; n++ } END { printf "%.4f", n ? s / n : 0 }'
}
echo "mode: $MODE, $MAX_CONCURRENT worker(s), $(getconf _NPROCESSORS_ONLN) cores"
# The disk the cycle needs as run-batch estimates it (its free-space
# check), beside what the data home grew by (not timed).
need=$(run-batch full --dry-run --symbols "$COINTRAIN_HOME/symbols" --mode "$MODE" \
	--max-concurrent "$MAX_CONCURRENT" 2>&1 | sed -n 's/.*the cycle needs about \([0-9.]*\) MB.*/\1/p')
du0=$(du -sk "$COINTRAIN_HOME" | cut -f1)
cycle full
c_wall=$wall c_peak=$peak c_cpu=$cpu c_auc=$(mean_auc)
echo "full cycle disk: run-batch's estimate ${need:-?} MB, the data home grew by $(($(du -sk "$COINTRAIN_HOME" | cut -f1) - du0 + 512 >> 10)) MB (models, backup, logs; the work files' passing peak not included)"
echo "full cycle mean walk-forward AUC: $c_auc"
if [ "$PEER" = 1 ]; then
	measure peer /usr/bin/python3 "$here/peer/peer.py" train --home "$COINTRAIN_HOME" \
		--symbols "$COINTRAIN_HOME/symbols" --timeframe 5m --lookback "$CANDLES" \
		--jobs "$MAX_CONCURRENT" --threads 1 --costs "$COINTRAIN_SHARE/costs.csv"
	p_auc=$(tail -n 1 "$COINTRAIN_HOME/peer.out" | sed -n 's/.*"mean_auc": \([0-9.e-]*\).*/\1/p')
	echo "python peer (pandas + xgboost.train, pool of $MAX_CONCURRENT): wall $wall s, CPU $cpu s, peak total RSS $peak MB, mean walk-forward AUC ${p_auc:-?}"
	echo "full retrain speed vs the python peer: $(awk -v p="$wall" -v c="$c_wall" 'BEGIN { printf "%.2f", p / c }')x faster (target >= 2x), memory $(awk -v p="$peak" -v c="$c_peak" 'BEGIN { printf "%.1f", p / (c > 0 ? c : 1) }')x smaller"
	echo "full retrain CPU vs the python peer: $(awk -v p="$cpu" -v c="$c_cpu" 'BEGIN { printf "%.2f", p / (c > 0 ? c : 1) }')x less"
	echo "full retrain AUC, cointrain minus peer: $(awk -v c="$c_auc" -v p="${p_auc:-0}" 'BEGIN { printf "%+.4f", c - p }') (target >= -0.005)"
fi
# Six hours of new candles per coin, then the incremental cycle.
i=1
while [ $i -le "$COINS" ]; do
	fetch-candles --symbol "$(printf 'S%03dUSDT' $i)" --timeframe 5m --generate --kind edge \
		--seed $i --lookback $((CANDLES + 72)) 2>/dev/null
	i=$((i + 1))
done
cycle incremental
