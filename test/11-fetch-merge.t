#!/bin/sh
# 11-fetch-merge.t — the merge: report figures, conflicts kept or
# --replace'd, gaps and zero-volume candles on real data, off-grid rows,
# rows closer than a candle to the stored ones, a store ending in blank lines,
# files partly of another timeframe,
# --stdout, --generate determinism.
. "$CT_TOP/test/lib.sh"

store=$COINTRAIN_HOME/candles
day=$DATA/ADABTC-1m-2021-11-27.csv
inode() { ls -i "$1" | cut -d' ' -f1; }

run fetch-candles -s ADABTC -t 1m -i "$day"
is "$err" "fetch-candles: ADABTC 1m: 1440 rows read: 1440 added, 0 already present, 0 conflicting (stored rows kept; --replace takes the new ones)
fetch-candles: ADABTC 1m: 1440 candles stored, 2021-11-27T00:00:00Z to 2021-11-27T23:59:00Z
fetch-candles: ADABTC 1m: no gaps
fetch-candles: ADABTC 1m: 1 zero-volume candle" "report of a first import"
i=$(inode "$store/ADABTC/1m.csv")
cp "$store/ADABTC/1m.csv" first.csv
run fetch-candles -s ADABTC -t 1m -i "$day" "$DATA/ADABTC-1m-2021-11-28.zip"
like "$err" "ADABTC 1m: 2880 rows read: 1440 added, 1440 already present, 0 conflicting" \
    "overlap: added and already present counted"
run fetch-candles -s ADABTC -t 1m -i "$day"
like "$err" "2880 candles stored, 2021-11-27T00:00:00Z to 2021-11-28T23:59:00Z" "report spans the whole store"
j=$(inode "$store/ADABTC/1m.csv")
run fetch-candles -s ADABTC -t 1m -i "$day"
is "$(inode "$store/ADABTC/1m.csv")" "$j" "nothing new: the store is not rewritten"
ok "$([ "$i" != "$j" ]; echo $?)" "a change replaces the store by rename"

# Appending after the stored rows: the hole between them is reported, and
# the result is the same file a single import of everything writes.
fetch-candles -s ADABTC -t 1m -i "$DATA/ADABTC-1m-2021-11-28.zip" --stdout --home "$T/none" 2>/dev/null |
    tail -n +12 >later.csv
cp "$day" day.csv
day=day.csv
run fetch-candles -s APPEND -t 1m -i "$day"
run fetch-candles -s APPEND -t 1m -i later.csv
is "$err" "fetch-candles: APPEND 1m: 1430 rows read: 1430 added, 0 already present, 0 conflicting (stored rows kept; --replace takes the new ones)
fetch-candles: APPEND 1m: 2870 candles stored, 2021-11-27T00:00:00Z to 2021-11-28T23:59:00Z
fetch-candles: APPEND 1m: 1 gap, 10 candles missing; longest 10 missing between 2021-11-27T23:59:00Z and 2021-11-28T00:10:00Z
fetch-candles: APPEND 1m: 0 zero-volume candles" "appended rows: the hole before them reported"
fetch-candles -s APPEND -t 1m -i "$day" later.csv --home "$T/one" 2>/dev/null
ok "$(cmp -s "$T/one/candles/APPEND/1m.csv" "$store/APPEND/1m.csv"; echo $?)" \
    "appending writes the same store as one import"

# Concurrent runs on one store lock it: neither loses the other's rows.
lost=0
for i in 1 2 3 4 5; do
	rm -rf "$T/par"
	fetch-candles --home "$T/par" -s ADABTC -t 1m -i "$day" 2>/dev/null &
	fetch-candles --home "$T/par" -s ADABTC -t 1m -i "$DATA/ADABTC-1m-2021-11-28.zip" 2>/dev/null
	wait
	[ "$(wc -l <"$T/par/candles/ADABTC/1m.csv")" -eq 2881 ] || lost=$((lost + 1))
done
is "$lost" 0 "concurrent imports into one store: no rows lost"

# Conflicts: volume of 00:05 and 00:06 changed in the incoming file.
sed -e 's/^\(1637971500000,\([^,]*,\)\{4\}\)7530.20000000,/\17531.00000000,/' \
    -e 's/^\(1637971560000,\([^,]*,\)\{4\}\)3764.00000000,/\13765.00000000,/' "$day" >changed.csv
cp "$store/ADABTC/1m.csv" before.csv
run fetch-candles -s ADABTC -t 1m -i changed.csv
is "$rc" 0 "conflicting rows are not an error"
is "$(printf '%s\n' "$err" | head -3)" "fetch-candles: ADABTC 1m: 1440 rows read: 0 added, 1438 already present, 2 conflicting (stored rows kept; --replace takes the new ones)
fetch-candles: ADABTC 1m: conflict at 2021-11-27T00:05:00Z
fetch-candles: ADABTC 1m: conflict at 2021-11-27T00:06:00Z" "conflicts counted and listed"
ok "$(cmp -s before.csv "$store/ADABTC/1m.csv"; echo $?)" "default: the stored rows are kept"
run fetch-candles -s ADABTC -t 1m -i changed.csv --replace
like "$err" "0 added, 1438 already present, 2 conflicting \(replaced by the new rows\)" "--replace reported"
is "$(grep -c '^1637971500000,.*,7531$\|^1637971560000,.*,3765$' "$store/ADABTC/1m.csv")" 2 \
    "--replace takes the new rows"
is "$(diff before.csv "$store/ADABTC/1m.csv" | grep -c '^[<>]')" 4 "--replace changes only those rows"

# Real data: the NFI 1h files have 6 gaps, 11 missing candles, 2 zero-volume.
run fetch-candles -s BTCUSDT -t 1h -i "$CT_SHARE/sample/BTCUSDT-1h.json.xz"
is "$err" "fetch-candles: BTCUSDT 1h: 5482 rows read: 5482 added, 0 already present, 0 conflicting (stored rows kept; --replace takes the new ones)
fetch-candles: BTCUSDT 1h: 5482 candles stored, 2020-12-01T00:00:00Z to 2021-07-17T20:00:00Z
fetch-candles: BTCUSDT 1h: 6 gaps, 11 candles missing; longest 3 missing between 2020-12-21T14:00:00Z and 2020-12-21T18:00:00Z
fetch-candles: BTCUSDT 1h: 2 zero-volume candles" "real data: gaps and zero-volume candles reported"
run fetch-candles -s ETHUSDT -t 1h -i "$CT_SHARE/sample/ETHUSDT-1h.json.xz" --stdout
like "$err" "6 gaps, 11 candles missing" "every NFI coin: the same 6 outages"
is "$(printf '%s\n' "$out" | wc -l)" 5483 "--stdout prints header and rows"
is "$(printf '%s\n' "$out" | head -1)" "open_time,open,high,low,close,volume" "--stdout: store header"
ok "$([ ! -e "$store/ETHUSDT" ]; echo $?)" "--stdout leaves the store alone"

# Off-grid rows (as Binance has after outages) are merged, and counted.
printf '%s\n' "1518168494789,8000,8100,7900,8050,10" "1518172094789,8050,8200,8000,8100,12" \
    "1518175694789,8100,8150,8000,8020,0" >offgrid.csv
run fetch-candles -s OFFGRID -t 1h -i offgrid.csv
is "$rc" 0 "off-grid open times are accepted"
like "$err" "OFFGRID 1h: 3 candles off the timeframe grid" "off-grid candles reported"
like "$err" "OFFGRID 1h: 1 zero-volume candle" "zero-volume counted"
is "$(sed -n 2p "$store/OFFGRID/1h.csv")" "1518168494789,8000,8100,7900,8050,10" "off-grid rows stored as read"

# Rows less than one candle from a stored row, or from another file's, are
# refused by file and line: the same candles keyed by close time would
# double the store.
fetch-candles -s NEAR -t 1h -g --lookback 50 2>/dev/null
h=$(sha256sum "$store/NEAR/1h.csv")
shift_rows() { awk -F, -v d="$1" '{ printf "%.0f,%s,%s,%s,%s,%s\n", $1 + d, $2, $3, $4, $5, $6 }'; }
sed 1d "$store/NEAR/1h.csv" | shift_rows 3599999 >closetime.csv
run fetch-candles -s NEAR -t 1h -i closetime.csv
is "$rc" 1 "rows keyed by close time beside the stored ones: exit 1"
is "$err" "fetch-candles: closetime.csv:1: open_time 2024-01-01T00:59:59Z is 3599999 ms from the stored candle at 2024-01-01T00:00:00Z: closer than one 1h candle (rows keyed by close time, not open time?)
fetch-candles: NEAR 1h: store left unchanged" "close-time rows: file, line and the stored candle named"
is "$(sha256sum "$store/NEAR/1h.csv")" "$h" "close-time rows: store unchanged"
{ sed -n 1,11p "$store/NEAR/1h.csv"; sed -n 21p "$store/NEAR/1h.csv" | shift_rows 1800000; } >inside.csv
run fetch-candles -s NEAR -t 1h -i inside.csv
is "$rc:$err" "1:fetch-candles: inside.csv:12: open_time 2024-01-01T19:30:00Z is 1800 s from the stored candle at 2024-01-01T19:00:00Z: closer than one 1h candle
fetch-candles: NEAR 1h: store left unchanged" "a row half a candle from a stored row inside the store: refused"
sed 1d "$store/NEAR/1h.csv" >on.csv
run fetch-candles -s NEAR2 -t 1h -i on.csv closetime.csv
is "$rc" 1 "two files of one run closer than a candle apart: exit 1"
like "$err" "^fetch-candles: closetime.csv: open_time 2024-01-01T00:59:59Z is 3599999 ms after the candle at 2024-01-01T00:00:00Z from on.csv: closer than one 1h candle" \
    "two files: both named"
ok "$([ ! -e "$store/NEAR2/1h.csv" ]; echo $?)" "two files: nothing stored"

# A store ending in blank lines (or lines of blanks, CRLF) reads as one
# without them; an append leaves none between the old rows and the new.
fetch-candles -s BLANK -t 1h -g --lookback 20 --stdout >full.csv 2>/dev/null
mkdir -p "$store/BLANK"
blank_store() { { head -11 full.csv; printf '\n  \n\r\n'; } >"$store/BLANK/1h.csv"; }
blank_store
run fetch-candles -s BLANK -t 1h -g --lookback 20
is "$rc" 0 "a store ending in blank lines: merged (exit 0)"
like "$err" "20 rows read: 10 added, 10 already present, 0 conflicting" "blank lines: the stored rows counted"
ok "$(cmp -s full.csv "$store/BLANK/1h.csv"; echo $?)" "blank lines: the merged store has none"
blank_store
tail -10 full.csv >later10.csv
run fetch-candles -s BLANK -t 1h -i later10.csv
is "$rc" 0 "appending to a store ending in blank lines: exit 0"
like "$err" "BLANK 1h: 20 candles stored" "appending: the stored rows counted"
ok "$(cmp -s full.csv "$store/BLANK/1h.csv"; echo $?)" "appending: no blank line left between the rows"

# A file partly of another timeframe (two exports run through cat): any
# step shorter than one candle is refused by file and line, but for the
# one that takes Binance's off-grid rows back to the grid.
{ sed 1d full.csv; fetch-candles -s X -t 5m -g --start 2024-01-01T19:05:00Z --lookback 8 --stdout 2>/dev/null |
    sed 1d; } >mixed.csv
run fetch-candles -s MIXED -t 1h -i mixed.csv
is "$rc:$err" "1:fetch-candles: mixed.csv:21: open_time 2024-01-01T19:05:00Z is 300 s after the previous row's: closer than one 1h candle
fetch-candles: MIXED 1h: store left unchanged" "20 1h rows and then 8 5m rows: refused at the first 5m row"
ok "$([ ! -e "$store/MIXED/1h.csv" ]; echo $?)" "mixed timeframes: nothing stored"
{ cat offgrid.csv; echo "1518177600000,8020,8100,8000,8050,5"; echo "1518181200000,8050,8100,8000,8060,5"; } >realign.csv
run fetch-candles -s REALIGN -t 1h -i realign.csv
is "$rc" 0 "off-grid rows back to the grid by a short step (Binance, 2018-02): accepted"
# The same rows in two parts (a fetch or a monthly file ending at the
# off-grid row): the second part goes on from the stored off-grid row.
run fetch-candles -s REALIGN2 -t 1h -i offgrid.csv
sed -n '4,$p' realign.csv >realign-b.csv
run fetch-candles -s REALIGN2 -t 1h -i realign-b.csv
is "$rc:$(sed 1d "$store/REALIGN2/1h.csv" | cmp -s - realign.csv && echo same)" "0:same" \
    "... also when they come in two parts, the first stored: accepted, the same store"

# --stdout merges with the stored series without writing it.
run fetch-candles -s ADABTC -t 1m -i "$DATA/ADABTC-1m-2021-11-28.zip" --stdout
is "$(printf '%s\n' "$out" | wc -l)" 2881 "--stdout shows the merged series"

# --generate: deterministic, merged like any source.
fetch-candles -s SYN -t 1h -g --seed 7 --lookback 500 --stdout >a.csv 2>/dev/null
fetch-candles -s SYN -t 1h -g --seed 7 --lookback 500 --stdout >b.csv 2>/dev/null
fetch-candles -s SYN -t 1h -g --seed 8 --lookback 500 --stdout >c.csv 2>/dev/null
fetch-candles -s SYN -t 1h -g --seed 7 --lookback 500 --kind edge --stdout >d.csv 2>/dev/null
ok "$(cmp -s a.csv b.csv; echo $?)" "--generate: same seed, same bytes"
ok "$(! cmp -s a.csv c.csv; echo $?)" "--generate: another seed, other candles"
ok "$(! cmp -s a.csv d.csv; echo $?)" "--generate: edge differs from walk"
is "$(wc -l <a.csv)" 501 "--lookback N makes N candles"
is "$(sed -n 2p a.csv | cut -d, -f1)" 1704067200000 "default start 2024-01-01T00:00:00Z"
run fetch-candles -s SYN -t 1h -g --lookback 2d --start 2025-01-01 --stdout
is "$(printf '%s\n' "$out" | sed -n '2p;$p' | cut -d, -f1 | tr '\n' ' ')" "1735689600000 1735858800000 " \
    "--lookback 2d is 48 candles from --start"
run fetch-candles -s SYN -t 1h -g --seed 7 --lookback 500
ok "$(cmp -s a.csv "$store/SYN/1h.csv"; echo $?)" "--generate into the store"
fetch-candles -s SYN -t 1h -i a.csv >/dev/null 2>&1
run fetch-candles -s SYN -t 1h -i a.csv
like "$err" "500 rows read: 0 added, 500 already present, 0 conflicting" "generated rows read back exactly"
run fetch-candles -s SYN -t 1h -g --seed 8 --lookback 500
like "$err" "500 rows read: 0 added, 0 already present, 500 conflicting" "another seed conflicts with the stored series"
ok "$(cmp -s a.csv "$store/SYN/1h.csv"; echo $?)" "and the stored series is kept"
run fetch-candles -s SYN -t 1h -g --kind flat
is "$rc" 2 "unknown --kind: exit 2"
done_testing
