#!/bin/sh
# 20-train.sh — train-coin on 52000 five-minute candles with default
# settings: end-to-end wall time against the time spent inside XGBoost
# calls (training_log.json), peak RSS, at --threads 1 and 2.  The candles
# are the bundled real BTCUSDT series (bench/data), else synthetic.
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
print("train-coin 52k 5m candles, --threads %s: %.2f s (one coin)" % (th, wall))
print("  time inside XGBoost: %.2f s; end-to-end / XGBoost: %.3f (target <= 1.15)"
      % (x, wall / x))
print("  peak RSS: %.1f MB (target <= 120 MB)" % (rss / 1024))
print("  walk-forward AUC %.4f, %d trades, net %.2f bps/trade after costs"
      % (agg["auc"], agg["trades"], agg["net_bps_after_costs"]))
END
done
