#!/bin/sh
# bench/30-serve.sh — the serving path: predict for one coin in a fresh
# process (median of 50), 100 coins in one call (median of 5; one model
# cloned to 100 names, and 100 distinct coins), cache-get of
# one entry (median of 200), peak RSS of predict.  The model is train-coin's
# on the bundled real BTCUSDT 1h candles, cloned to 100 symbols; a second
# figure uses a larger model (synthetic data with an edge, --rounds 400
# --early-stop 400).  The fastest run and the CPU time are printed too.
# Process start-up is included; the cost of starting /bin/true is printed
# beside it, since a busy 2-core box moves every figure.  Peak RSS is GNU
# time's %M (Debian package time).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
share=${CT_SHARE:-$here/../share}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
COINTRAIN_HOME=$tmp/home
export COINTRAIN_HOME

fetch-candles --symbol BTCUSDT --timeframe 1h --import "$share/sample/BTCUSDT-1h.json.xz" 2>/dev/null
train-coin --symbol BTCUSDT --timeframe 1h --fresh --costs "$share/costs.csv" >/dev/null 2>&1
fetch-candles --symbol BIGUSDT --timeframe 1h --generate --kind edge --lookback 5000 2>/dev/null
train-coin --symbol BIGUSDT --timeframe 1h --fresh --rounds 400 --early-stop 400 \
    --costs "$share/costs.csv" >/dev/null 2>&1

# 99 more coins: the same candles and model under other names (config.json
# names its symbol, so it and sha256.txt are rewritten).
stamp=$(readlink "$COINTRAIN_HOME/models/BTCUSDT/current")
: > "$tmp/coins"
for i in $(seq 1 100); do
	s=$(printf 'C%03dUSDT' "$i")
	echo "$s" >> "$tmp/coins"
	[ "$i" -eq 100 ] && s=BTCUSDT && continue
	mkdir -p "$COINTRAIN_HOME/candles/$s" "$COINTRAIN_HOME/models/$s"
	ln "$COINTRAIN_HOME/candles/BTCUSDT/1h.csv" "$COINTRAIN_HOME/candles/$s/1h.csv"
	d=$COINTRAIN_HOME/models/$s/$stamp
	cp -R "$COINTRAIN_HOME/models/BTCUSDT/$stamp" "$d"
	sed -i "s/\"symbol\": *\"BTCUSDT\"/\"symbol\": \"$s\"/" "$d/config.json"
	(cd "$d" && sha256sum $(awk '{ print $2 }' sha256.txt) > sha256.txt.new &&
	    mv sha256.txt.new sha256.txt)
	ln -s "$stamp" "$COINTRAIN_HOME/models/$s/current"
done
sed -i '$s/.*/BTCUSDT/' "$tmp/coins"
[ "$(predict --max-age off < "$tmp/coins" | wc -l)" -eq 100 ] ||
	{ echo "30-serve: predict did not serve 100 coins" >&2; exit 1; }
predict --max-age off BTCUSDT | cache-put -q --ttl 1h

# 100 distinct coins as well: each its own 3000 synthetic 1h candles and
# its own model (rounds as early stopping found them), in a home of
# their own.  Clones of one model share its pages; these do not.
dhome=$tmp/distinct
: > "$tmp/dcoins"
for i in $(seq 1 100); do
	s=$(printf 'D%03dUSDT' "$i")
	echo "$s" >> "$tmp/dcoins"
	fetch-candles --home "$dhome" --symbol "$s" --timeframe 1h --generate --kind edge --seed "$i" \
	    --lookback 3000 2>/dev/null
	train-coin --home "$dhome" --symbol "$s" --timeframe 1h --fresh --threads 1 \
	    --costs "$share/costs.csv" >/dev/null 2>&1
done
[ "$(predict --home "$dhome" --max-age off < "$tmp/dcoins" | wc -l)" -eq 100 ] ||
	{ echo "30-serve: predict did not serve the 100 distinct coins" >&2; exit 1; }

big_rounds=$(sed -n 's/^ *"rounds": *\([0-9]*\).*/\1/p' "$COINTRAIN_HOME/models/BIGUSDT/current/config.json")
big_kb=$(($(stat -c %s "$COINTRAIN_HOME/models/BIGUSDT/current/model.ubj") / 1024))
real_rounds=$(sed -n 's/^ *"rounds": *\([0-9]*\).*/\1/p' "$COINTRAIN_HOME/models/BTCUSDT/current/config.json")

python3 - "$tmp/coins" "$real_rounds" "$big_rounds" "$big_kb" "$dhome" "$tmp/dcoins" <<'PY'
import resource, statistics, subprocess, sys, time

coins, real_rounds, big_rounds, big_kb, dhome, dcoins = sys.argv[1:]

def timed(cmd, n, stdin=None):
    """Median wall ms, fastest wall ms, median CPU ms (user+sys) of n runs."""
    wall, cpu = [], []
    for _ in range(n):
        f = open(stdin) if stdin else subprocess.DEVNULL
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, stdin=f, stdout=subprocess.DEVNULL, check=False)
        wall.append(time.perf_counter() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
        if stdin:
            f.close()
    return (statistics.median(wall) * 1000, min(wall) * 1000, statistics.median(cpu) * 1000)

def show(what, n, target, cmd, stdin=None, fmt="%.1f"):
    med, best, cpu = timed(cmd, n, stdin)
    print(("%s, median of %d: " + fmt + " ms (%s)  [fastest " + fmt + " ms, CPU " + fmt + " ms]")
          % (what, n, med, target, best, cpu))

def peak_mb(cmd, stdin=None):
    # GNU time's own %M: ru_maxrss seen from Python would include the
    # interpreter's pages, copied by fork before the exec.
    f = open(stdin) if stdin else subprocess.DEVNULL
    try:
        r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdin=f,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        return int(r.stderr.split()[-1]) / 1024
    except (OSError, ValueError, IndexError):
        return float("nan")

base = timed(["true"], 50)[0]
print("process start-up of /bin/true (for scale): %.2f ms" % base)
show("predict one coin in a fresh process, real model (%s rounds)" % real_rounds, 50,
     "<= 15 ms", ["predict", "--max-age", "off", "BTCUSDT"])
show("predict one coin, larger model (%s rounds, %s KB)" % (big_rounds, big_kb), 50,
     "<= 15 ms", ["predict", "--max-age", "off", "BIGUSDT"])
show("predict 100 coins in one call (one model cloned)", 5, "<= 1000 ms", ["predict", "--max-age", "off"],
     stdin=coins, fmt="%.0f")
show("predict 100 distinct coins in one call (own candles, own models)", 5, "<= 1000 ms",
     ["predict", "--home", dhome, "--max-age", "off"], stdin=dcoins, fmt="%.0f")
show("cache-get one entry (hit)", 200, "<= 2 ms", ["cache-get", "BTCUSDT"], fmt="%.2f")
show("cache-get miss", 200, "<= 2 ms", ["cache-get", "NOSUCHUSDT"], fmt="%.2f")
print("peak RSS, predict one coin / %s-round model / 100 coins: %.1f MB / %.1f MB / %.1f MB (<= 40 MB)"
      % (big_rounds, peak_mb(["predict", "--max-age", "off", "BTCUSDT"]),
         peak_mb(["predict", "--max-age", "off", "BIGUSDT"]),
         peak_mb(["predict", "--max-age", "off"], stdin=coins)))
print("peak RSS, cache-get: %.1f MB" % peak_mb(["cache-get", "BTCUSDT"]))
PY

# One coin's refresh into a cache of 10,000 entries, as run-batch's step
# does it at 10,000 coins: merged into the top list (no --top), against a
# rebuild of the list from every entry (--top).
big=$tmp/big
mkdir "$big"
python3 -c '
import json
for i in range(10000):
    print(json.dumps({"symbol": "C%05dUSDT" % i, "timeframe": "1h", "open_time": "2026-01-01T00:00:00Z",
                      "prob_up": (i % 997) / 997.0, "signal": "flat", "threshold": 0.6}))' >"$tmp/10k.json"
cache-put -q --home "$big" --ttl 1h --top 10 <"$tmp/10k.json"
sed -n '5000p' "$tmp/10k.json" >"$tmp/one.json"
python3 - "$big" "$tmp/one.json" <<'PY'
import statistics, subprocess, sys, time
home, one = sys.argv[1:]
def med(args):
    t = []
    for _ in range(9):
        with open(one) as f:
            s = time.perf_counter()
            subprocess.run(["cache-put", "-q", "--home", home, "--ttl", "1h"] + args, stdin=f, check=True)
            t.append(time.perf_counter() - s)
    return statistics.median(t) * 1000
merged, rebuilt = med([]), med(["--top", "10"])
print("cache-put of one coin into 10,000 entries, median of 9: %.1f ms merged into the top list, "
      "%.1f ms rebuilding it (%.0fx)" % (merged, rebuilt, rebuilt / merged))
PY
