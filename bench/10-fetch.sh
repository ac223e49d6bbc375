#!/bin/sh
# bench/10-fetch.sh — fetch-candles on 65,741 real 5m candles (freqtrade
# JSON): import into an empty store, an incremental merge of 100 new
# candles into the 65k-row store, peak RSS.  Times are the best of 5 runs
# (the box may be busy), decompression is not timed.  Then peak RSS against
# input size (issue 12: <= 50 MB for any size): generated Binance CSV of
# 10 MB, 100 MB and 1 GB, the 100 MB one gzip-compressed, and a merge that
# reaches back into a 2,000,000-row store.  BENCH_BIG=0 skips the 1 GB
# file (it needs about 3 GB of disk in $TMPDIR and a minute).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
xz -dc "$here/data/BTCUSDT-5m.json.xz" >"$tmp/5m.json"
store=$tmp/home/candles/BTCUSDT/5m.csv

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# best CMD...: the shortest wall time of 5 runs in ms; `prep` runs before each.
best() {
	b=999999
	for i in 1 2 3 4 5; do
		prep
		t0=$(now_ms)
		"$@" 2>/dev/null
		t=$(($(now_ms) - t0))
		[ "$t" -lt "$b" ] && b=$t
	done
	echo "$b"
}
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
rss() { prep; /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

prep() { rm -rf "$tmp/home"; }
imp=$(best fetch-candles --home "$tmp/home" -s BTCUSDT -t 5m -i "$tmp/5m.json")
rss1=$(rss fetch-candles --home "$tmp/home" -s BTCUSDT -t 5m -i "$tmp/5m.json")
rows=$(($(wc -l <"$store") - 1))

head -n -100 "$store" >"$tmp/base.csv"
{ head -1 "$store"; tail -100 "$store"; } >"$tmp/new.csv"
prep() { cp "$tmp/base.csv" "$store"; }
inc=$(best fetch-candles --home "$tmp/home" -s BTCUSDT -t 5m -i "$tmp/new.csv")
rss2=$(rss fetch-candles --home "$tmp/home" -s BTCUSDT -t 5m -i "$tmp/new.csv")
cmp -s "$store" "$tmp/base.csv" && { echo "incremental merge did not change the store" >&2; exit 1; }

echo "rows imported: $rows (65741)"
echo "import 65k 5m candles into an empty store: $(secs "$imp") s (<= 0.3 s)"
echo "incremental merge of 100 candles into 65k: $(secs "$inc") s (<= 0.1 s)"
echo "peak RSS, import / incremental: $((rss1 / 1024)) MB / $((rss2 / 1024)) MB (<= 30 MB)"

# gen ROWS FILE: Binance kline CSV, 1m candles from 2001-09-09 (72 bytes a row).
gen() {
	awk -v n="$1" 'BEGIN { t = 1000000020000; for (i = 0; i < n; i++) {
		p = 100 + (i % 1000) / 100
		printf "%.0f,%.2f,%.2f,%.2f,%.2f,%.3f,%.0f,1,1,1,1,0\n", t, p, p + 1, p - 1, p + 0.5, 12.345, t + 59999
		t += 60000 } }' >"$2"
}
mb() { echo $(($(wc -c <"$1") / 1048576)); }
# timed CMD...: "RSS_MB TIME_S" of one run.
timed() { /usr/bin/time -f '%M %e' "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%d %s", $1 / 1024, $2 }'; }
imp_rss() { # FILE [LABEL]
	rm -rf "$tmp/home"
	set -- $(timed fetch-candles --home "$tmp/home" -s GEN -t 1m -i "$1") "${2:-$(mb "$1") MB CSV}"
	echo "import $3: peak RSS $1 MB, $2 s (<= 50 MB)"
}
rm -f "$tmp/5m.json" "$tmp/base.csv" "$tmp/new.csv"
gen 145000 "$tmp/g.csv"
imp_rss "$tmp/g.csv"
gen 1450000 "$tmp/g.csv"
imp_rss "$tmp/g.csv"
gzip -1 -c "$tmp/g.csv" >"$tmp/g.csv.gz"
imp_rss "$tmp/g.csv.gz" "$(mb "$tmp/g.csv") MB CSV as gzip ($(mb "$tmp/g.csv.gz") MB)"
rm -f "$tmp/g.csv.gz"
if [ "${BENCH_BIG:-1}" != 0 ]; then
	gen 14500000 "$tmp/g.csv"
	imp_rss "$tmp/g.csv"
fi

# A 2,000,000-row store, and 1000 rows that reach back to its start
# (500 before it, 500 already stored) plus 1000 after its end.
rm -rf "$tmp/home"
gen 2000500 "$tmp/g.csv"
tail -n +501 "$tmp/g.csv" >"$tmp/store.csv"
fetch-candles --home "$tmp/home" -s GEN -t 1m -i "$tmp/store.csv" 2>/dev/null
{ head -1000 "$tmp/g.csv"; gen 1000 /dev/stdout | awk -F, -v OFS=, '{ $1 = sprintf("%.0f", $1 + 2000500 * 60000); $7 = sprintf("%.0f", $7 + 2000500 * 60000); print }'; } >"$tmp/both.csv"
rm -f "$tmp/g.csv" "$tmp/store.csv"
set -- $(timed fetch-candles --home "$tmp/home" -s GEN -t 1m -i "$tmp/both.csv")
rows=$(($(wc -l <"$tmp/home/candles/GEN/1m.csv") - 1))
echo "merge reaching back into a 2,000,000-row store: peak RSS $1 MB, $2 s (<= 50 MB); $rows rows after"

# The generator: candles made one at a time, merged like any source.
rm -rf "$tmp/home"
set -- $(timed fetch-candles --home "$tmp/home" -s GEN -t 1m --generate --lookback 2000000)
echo "generate 2,000,000 1m candles into an empty store: peak RSS $1 MB, $2 s (<= 50 MB)"
