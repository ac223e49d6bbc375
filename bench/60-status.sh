#!/bin/sh
# bench/50-status.sh — the operator's view at the size of a top100 home:
# coin-status of 100 coins, each with a 50000-candle 5m store (one
# generated series hard-linked under 100 names), a model and a cached
# prediction, as a table and as JSON (median of 5, disk cache warm), and
# the dashboard page of the same home (median of 3).  Peak RSS is GNU
# time's %M.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
share=${CT_SHARE:-$here/../share}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
COINTRAIN_HOME=$tmp/home
export COINTRAIN_HOME
H=$COINTRAIN_HOME

fetch-candles --symbol C001USDT --timeframe 5m --generate --kind edge --lookback 50000 2>/dev/null
train-coin --symbol C001USDT --timeframe 5m --lookback 5000 --rounds 20 \
    --costs "$share/costs.csv" >/dev/null 2>&1
stamp=$(readlink "$H/models/C001USDT/current")
for i in $(seq 2 100); do
	s=$(printf 'C%03dUSDT' "$i")
	mkdir -p "$H/candles/$s" "$H/models/$s"
	ln "$H/candles/C001USDT/5m.csv" "$H/candles/$s/5m.csv"
	cp -R "$H/models/C001USDT/$stamp" "$H/models/$s/$stamp"
	ln -s "$stamp" "$H/models/$s/current"
done
ls "$H/models" | predict --max-age off 2>/dev/null | cache-put -q --ttl 1h
[ "$(coin-status --json | wc -l)" -eq 100 ] ||
	{ echo "50-status: coin-status did not describe 100 coins" >&2; exit 1; }

python3 - "$H" <<'PY'
import resource, statistics, subprocess, sys, time

home = sys.argv[1]

def timed(cmd, n):
    """Median wall ms, fastest wall ms, median CPU ms (user+sys) of n runs:
    on a busy 2-core box the CPU time is the steadier figure."""
    wall, cpu = [], []
    for _ in range(n):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall.append((time.perf_counter() - t) * 1000)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
    return statistics.median(wall), min(wall), statistics.median(cpu)

def peak_mb(cmd):
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True).stderr
    return int(out.strip().splitlines()[-1]) / 1024

for name, cmd, n, target in [
        ("coin-status, 100 coins x 50000 candles, table", ["coin-status"], 5, "<= 500 ms"),
        ("coin-status, 100 coins x 50000 candles, --json", ["coin-status", "--json"], 5, "<= 500 ms"),
        ("summarize --dashboard --html, 100 coins", ["summarize", "--dashboard", "--html",
            home + "/dashboard.html"], 3, "")]:
    med, fast, cpu = timed(cmd, n)
    print("%s, median of %d: %.0f ms%s  [fastest %.0f ms, CPU %.0f ms]" % (name, n, med,
          " (%s)" % target if target else "", fast, cpu))
print("peak RSS, coin-status of 100 coins: %.1f MB" % peak_mb(["coin-status"]))
PY
