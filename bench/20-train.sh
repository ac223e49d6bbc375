#!/bin/sh
# 20-train.sh — train-coin.  (1) 52000 five-minute candles with default
# settings: end-to-end wall time against the time spent inside XGBoost
# calls (training_log.json), peak RSS, at --threads 1 and 2; the candles
# are the bundled real BTCUSDT series (bench/data), else synthetic.
# (2) Peak RSS and time against the lookback: 50000, 500000 and 2000000
# synthetic one-minute candles (BENCH_LOOKBACKS overrides the list), and
# the size of the model directory.
set -eu
: "${CT_BIN:?run through make bench}"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
COINTRAIN_HOME=$T
COINTRAIN_SHARE=${CT_SHARE:-$top/share}
export COINTRAIN_HOME COINTRAIN_SHARE
PATH=$CT_BIN:$PATH

if ! fetch-candles --symbol BTCUSDT --timeframe 5m \
    --import "$here/data/BTCUSDT-5m.json.xz" 2>/dev/null; then
	fetch-candles --symbol BTCUSDT --timeframe 5m --generate --kind edge \
	    --lookback 52000 2>/dev/null
fi

for th in 1 2; do
	/usr/bin/time -f '%e %M' -o "$T/time" \
	    train-coin --symbol BTCUSDT --timeframe 5m --lookback 52000 --threads "$th" \
	    >/dev/null
	read -r wall rss <"$T/time"
	python3 - "$T/models/BTCUSDT/current" "$th" "$wall" "$rss" <<'END'
import json, sys
d, th, wall, rss = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
log = json.load(open(d + "/training_log.json"))
agg = json.load(open(d + "/metrics.json"))["aggregate"]
x = log["xgb_seconds"]
print("train-coin 52k 5m candles, --threads %s (%d used): %.2f s (one coin)"
      % (th, log["threads"], wall))
print("  time inside XGBoost: %.2f s; end-to-end / XGBoost: %.3f (target <= 1.15)"
      % (x, wall / x))
print("  peak RSS: %.1f MB (target <= 120 MB)" % (rss / 1024))
print("  walk-forward AUC %.4f, %d trades, net %.2f bps/trade after costs"
      % (agg["auc"], agg["trades"], agg["net_bps_after_costs"]))
END
done

# Memory against the lookback: the store holds the candles, train-coin
# trains on all of them at one thread.
echo "train-coin peak RSS against the lookback (1m candles, --threads 1, target <= 120 MB):"
for n in ${BENCH_LOOKBACKS:-50000 500000 2000000}; do
	fetch-candles --symbol SYN --timeframe 1m --generate --lookback "$n" 2>/dev/null
	/usr/bin/time -f '%e %M' -o "$T/time" \
	    train-coin --symbol SYN --timeframe 1m --lookback "$n" --threads 1 --keep 1 >/dev/null
	read -r wall rss <"$T/time"
	size=$(du -sk "$T/models/SYN/$(readlink "$T/models/SYN/current")" | cut -f1)
	python3 - "$T/models/SYN/current" "$n" "$wall" "$rss" "$size" <<'END'
import json, sys
d, n, wall, rss, size = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
log = json.load(open(d + "/training_log.json"))
print("  %8d candles: peak RSS %6.1f MB, %7.1f s (XGBoost %.1f s, %d rounds), model directory %.2f MB (target <= 5 MB)"
      % (n, rss / 1024, wall, log["xgb_seconds"], log["rounds_trained"], size / 1024))
END
	rm -rf "$T/models/SYN" "$T/candles/SYN"
done
