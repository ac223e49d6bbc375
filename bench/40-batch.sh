#!/bin/sh
# 40-batch.sh — run-batch on synthetic coins: a full cycle (train every
# coin from scratch, cache predictions) and an incremental cycle, with
# wall time, per-coin average and the peak total RSS of all the batch's
# processes (sampled every 0.2 s).  COINS (100), CANDLES (52000), MODE
# (parallel) and MAX_CONCURRENT (all cores) override the defaults.
set -eu
: "${CT_BIN:?run through make bench}"
COINS=${COINS:-100} CANDLES=${CANDLES:-52000}
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

# cycle NAME ARGS... — run one cycle in its own session; print wall
# seconds and the peak of the summed RSS of the session's processes.
cycle() {
	name=$1
	shift
	python3 -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \
		run-batch "$@" --symbols "$COINTRAIN_HOME/symbols" --mode "$MODE" \
		--max-concurrent "$MAX_CONCURRENT" >"$COINTRAIN_HOME/$name.out" 2>&1 &
	pid=$!
	start=$(date +%s.%N)
	peak=0
	while kill -0 "$pid" 2>/dev/null; do
		rss=$(ps -eo sess=,rss= | awk -v s="$pid" '$1 == s { t += $2 } END { print t + 0 }')
		[ "$rss" -gt "$peak" ] && peak=$rss
		sleep 0.2
	done
	wait "$pid" || { echo "$name: run-batch failed:"; tail -n 5 "$COINTRAIN_HOME/$name.out"; }
	wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	run=$(ls "$COINTRAIN_HOME/runs" | grep -- "-$name\$" | tail -n 1)
	avg=$(sed -n 's/^  "avg_train_minutes": \([0-9.e-]*\),*$/\1/p' "$COINTRAIN_HOME/summary/$run/engine_summary.json")
	ok=$(sed -n 's/^  "succeeded": \([0-9]*\),*$/\1/p' "$COINTRAIN_HOME/summary/$run/engine_summary.json")
	echo "$name cycle wall: $wall s ($( [ "$name" = full ] && echo 'target <= 300 s for 100 x 52k' || echo 'target <= 30 s'))"
	echo "$name cycle coins succeeded: $ok of $COINS"
	echo "$name cycle per-coin average: $(awk -v m="${avg:-0}" 'BEGIN { printf "%.2f", m * 60 }') s training, $(awk -v w="$wall" -v n="$COINS" 'BEGIN { printf "%.2f", w / n }') s wall"
	echo "$name cycle peak total RSS: $((peak / 1024)) MB (target <= 600 MB)"
}
echo "mode: $MODE, $MAX_CONCURRENT worker(s), $(getconf _NPROCESSORS_ONLN) cores"
cycle full full
# Six hours of new candles per coin, then the incremental cycle.
i=1
while [ $i -le "$COINS" ]; do
	fetch-candles --symbol "$(printf 'S%03dUSDT' $i)" --timeframe 5m --generate --kind edge \
		--seed $i --lookback $((CANDLES + 72)) 2>/dev/null
	i=$((i + 1))
done
cycle incremental incremental
