#!/bin/sh
# bench/50-drift.sh — check-drift: 100 coins in one call (median of 5, the
# default window of 1500 candles each; one model trained on the bundled
# real BTCUSDT 1h candles, cloned to 100 symbols), then the measurements
# behind its defaults (test/drift-measure.sh): the detection delay on 10
# regime-change series and the false alarms on 100 stationary random walks.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
share=${CT_SHARE:-$here/../share}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
COINTRAIN_HOME=$tmp/home
export COINTRAIN_HOME

fetch-candles --symbol BTCUSDT --timeframe 1h --import "$share/sample/BTCUSDT-1h.json.xz" 2>/dev/null
train-coin --symbol BTCUSDT --timeframe 1h --fresh --costs "$share/costs.csv" >/dev/null 2>&1
# 99 more coins: the same candles and model under other names (config.json
# names its symbol, so it and sha256.txt are rewritten).
stamp=$(readlink "$COINTRAIN_HOME/models/BTCUSDT/current")
echo BTCUSDT >"$tmp/coins"
for i in $(seq 1 99); do
	s=$(printf 'C%03dUSDT' "$i")
	echo "$s" >>"$tmp/coins"
	mkdir -p "$COINTRAIN_HOME/candles/$s" "$COINTRAIN_HOME/models/$s"
	ln "$COINTRAIN_HOME/candles/BTCUSDT/1h.csv" "$COINTRAIN_HOME/candles/$s/1h.csv"
	d=$COINTRAIN_HOME/models/$s/$stamp
	cp -R "$COINTRAIN_HOME/models/BTCUSDT/$stamp" "$d"
	sed -i "s/\"symbol\": *\"BTCUSDT\"/\"symbol\": \"$s\"/" "$d/config.json"
	(cd "$d" && sha256sum $(cut -c67- sha256.txt) >sha256.txt.new && mv sha256.txt.new sha256.txt)
	ln -s "$stamp" "$COINTRAIN_HOME/models/$s/current"
done
lines=$(check-drift --json <"$tmp/coins" | grep -c '"status":"\(stable\|drifted\)"') || :
[ "$lines" -eq 100 ] || { echo "50-drift: check-drift checked $lines of 100 coins" >&2; exit 1; }

python3 - "$tmp/coins" "$(wc -c <"$COINTRAIN_HOME/models/BTCUSDT/current/drift.json")" <<'PY'
import resource, statistics, subprocess, sys, time

coins, ref_bytes = sys.argv[1:]
wall, cpu = [], []
for _ in range(5):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    with open(coins) as f:
        subprocess.run(["check-drift", "--json"], stdin=f, stdout=subprocess.DEVNULL, check=False)
    wall.append(time.perf_counter() - t)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
print("check-drift 100 coins in one call, median of 5: %.0f ms (<= 1000 ms)  [fastest %.0f ms, CPU %.0f ms]"
      % (statistics.median(wall) * 1000, min(wall) * 1000, statistics.median(cpu) * 1000))
print("drift.json of the real model: %s bytes (a few KB)" % ref_bytes)
PY

COINTRAIN_HOME=$tmp/measure
sh "$here/../test/drift-measure.sh" detect $(seq 1 10) >"$tmp/detect"
sh "$here/../test/drift-measure.sh" walk $(seq 1 100) >"$tmp/walk"
echo "detection delay, 10 regime changes (candles after the change): $(cut -d' ' -f2 "$tmp/detect" | tr '\n' ' ')(<= 400)"
echo "false alarms, 100 stationary random walks: $(grep -c ' drifted ' "$tmp/walk" || :) flagged (<= 5; test: <= 1 of 20)"
