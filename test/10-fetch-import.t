#!/bin/sh
# 10-fetch-import.t — fetch-candles --import: every format from test/data
# and share/sample, compressed and zipped, stdin; every kind of bad input is
# a clear error with file and line, and leaves the store byte for byte as it was.
. "$CT_TOP/test/lib.sh"

store=$COINTRAIN_HOME/candles
sum() { sha256sum "$1" | cut -d' ' -f1; }
rows() { echo $(($(wc -l <"$1") - 1)); }

# Binance daily dump: plain CSV, and the zip of the next day.
run fetch-candles -s ADABTC -t 1m --import "$DATA/ADABTC-1m-2021-11-27.csv"
is "$rc" 0 "binance CSV imports"
is "$(rows "$store/ADABTC/1m.csv")" 1440 "binance CSV: 1440 candles"
is "$(sed -n 2p "$store/ADABTC/1m.csv")" "1637971200000,2.853e-05,2.854e-05,2.851e-05,2.854e-05,36304.2" \
    "binance CSV: first row in store form"
run fetch-candles -s ADABTC -t 1m --import "$DATA/ADABTC-1m-2021-11-28.zip"
is "$rc" 0 "binance zip imports"
is "$(rows "$store/ADABTC/1m.csv")" 2880 "zip member merged after the CSV day"
is "$(tail -1 "$store/ADABTC/1m.csv" | cut -d, -f1)" 1638143940000 "zip: last candle 2021-11-28T23:59"
ls -A "$store/ADABTC" >ls.txt
is "$(cat ls.txt)" "1m.csv" "no temporary files left beside the store"

# A zip of several days in any order; members that disagree are an error.
python3 - "$DATA/ADABTC-1m-2021-11-27.csv" "$DATA/ADABTC-1m-2021-11-28.zip" <<'PY'
import sys, zipfile
day27 = open(sys.argv[1]).read()
day28 = zipfile.ZipFile(sys.argv[2]).read("ADABTC-1m-2021-11-28.csv").decode()
with zipfile.ZipFile("two.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("28.csv", day28)
    z.writestr("27.csv", day27)
# Days of a Binance dump packed by hand: one member of another coin.
with zipfile.ZipFile("days.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("ADABTC-1m-2021-11-27.csv", day27)
    z.writestr("dump/ETHUSDT-1m-2021-11-28.csv", day28)
with zipfile.ZipFile("disagree.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a.csv", day28)
    z.writestr("b.csv", day28.replace("1638057600000,0.00002820,0.00002821", "1638057600000,0.00002820,0.00002822", 1))
PY
run fetch-candles -s ADABTC -t 1m -i two.zip --stdout --home "$T/none"
is "$rc:$(printf '%s\n' "$out" | wc -l)" "0:2881" "zip members in any order are merged"
run fetch-candles -s ADABTC -t 1m -i disagree.zip --home "$T/none"
is "$rc:$err" "1:fetch-candles: disagree.zip(b.csv): the candle at 2021-11-28T00:00:00Z differs from disagree.zip(a.csv)'s
fetch-candles: ADABTC 1m: store left unchanged" "zip members that disagree: error"
# A zip cut short (in its central directory, or at a member's end) is
# refused as such, not imported from the members it still holds; from a
# pipe, read member by member, a whole one imports.
n=$(wc -c <two.zip)
head -c $((n - 30)) two.zip >cut.zip
head -c $((n / 2)) two.zip >half.zip
for z in cut half; do
	run fetch-candles -s ADABTC -t 1m -i $z.zip --stdout --home "$T/none"
	is "$rc:$err" "1:fetch-candles: $z.zip: a zip whose central directory (its index, at its end) cannot be read: cut short or damaged
fetch-candles: ADABTC 1m: nothing printed, store left unchanged" "a zip cut short ($z): refused, said"
done
run sh -c 'cat two.zip | fetch-candles -s ADABTC -t 1m -i - --stdout --home "$1"' sh "$T/none"
is "$rc:$(printf '%s\n' "$out" | wc -l)" "0:2881" "a zip on standard input: its members merged"
run sh -c 'fetch-candles -s ADABTC -t 1m -i - --stdout --home "$1" <two.zip' sh "$T/none"
is "$rc:$(printf '%s\n' "$out" | wc -l)" "0:2881" "... also when standard input is the file"
python3 -c 'import zipfile; zipfile.ZipFile("empty.zip", "w").close()'
run fetch-candles -s ADABTC -t 1m -i empty.zip --stdout --home "$T/none"
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "1:fetch-candles: empty.zip: empty input: no candles (an empty zip)" \
    "an empty zip: no candles, said so"
# A member is judged by its name as a file is: another coin's day or
# another timeframe is refused, and nothing of the archive is stored.
fetch-candles -s ADABTC -t 1m -i "$DATA/ADABTC-1m-2021-11-27.csv" --home "$T/mem" 2>/dev/null
cp "$T/mem/candles/ADABTC/1m.csv" mem-before.csv
run fetch-candles -s ADABTC -t 1m -i days.zip --home "$T/mem"
is "$rc:$err" "1:fetch-candles: days.zip(dump/ETHUSDT-1m-2021-11-28.csv): its name says ETHUSDT 1m, not ADABTC 1m: not imported (the archive holds other candles)
fetch-candles: ADABTC 1m: store left unchanged" "a zip member named for another coin: refused, named"
cmp -s mem-before.csv "$T/mem/candles/ADABTC/1m.csv"
ok $? "... and the store is as it was"
run fetch-candles -s ADABTC -t 5m -i days.zip --stdout --home "$T/none"
like "$rc:$err" "^1:fetch-candles: days.zip\\(ADABTC-1m-2021-11-27.csv\\): its name says ADABTC 1m, not ADABTC 5m" \
    "a zip member named for another timeframe: refused"

# The same rows in other shapes give the same store, byte for byte.
fetch-candles -s ADABTC -t 1m -i "$DATA/ADABTC-1m-2021-11-27.csv" --stdout >ms.csv 2>/dev/null
awk -F, 'BEGIN { OFS = "," } { $1 = $1 "000"; $7 = $7 "999"; print }' \
    "$DATA/ADABTC-1m-2021-11-27.csv" >us.csv
run fetch-candles -s ADABTC -t 1m -i us.csv --stdout
is "$rc" 0 "microsecond CSV imports"
is "$out" "$(cat ms.csv)" "microsecond open times (16 digits) read as the same candles"
head -3 us.csv >mixed.csv
tail -n +4 "$DATA/ADABTC-1m-2021-11-27.csv" >>mixed.csv
run fetch-candles -s ADABTC -t 1m -i mixed.csv --stdout
is "$out" "$(cat ms.csv)" "µs and ms decided row by row"
{ echo "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore"
  cat "$DATA/ADABTC-1m-2021-11-27.csv"; } >header.csv
run fetch-candles -s ADABTC -t 1m -i header.csv --stdout
is "$out" "$(cat ms.csv)" "a header line is accepted"
run fetch-candles -s ADABTC -t 1m -i ms.csv --stdout
is "$out" "$(cat ms.csv)" "store CSV reads back as itself"
gzip -c "$DATA/ADABTC-1m-2021-11-27.csv" >day.csv.gz
run fetch-candles -s ADABTC -t 1m -i day.csv.gz --stdout
is "$out" "$(cat ms.csv)" "gzip-compressed CSV"
run fetch-candles -s ADABTC -t 1m -i - --stdout <"$DATA/ADABTC-1m-2021-11-27.csv"
is "$out" "$(cat ms.csv)" "- reads stdin"
run fetch-candles -s ADABTC -t 1m -i --stdout <day.csv.gz
is "$out" "$(cat ms.csv)" "no FILE reads stdin, compressed too"

# JSON: Binance REST (strings) and freqtrade (numbers, exponents).
for tf in 1m 5m 15m 1h; do
	n=$(grep -o '\],\[' "$DATA/candlestick$tf.json" | wc -l)
	run fetch-candles -s BTCUSDT -t $tf -i "$DATA/candlestick$tf.json" --stdout
	is "$rc:$(($(printf '%s\n' "$out" | wc -l) - 1))" "0:$((n + 1))" "REST JSON $tf: every row"
done
run fetch-candles -s BTCUSDT -t 1h -i "$DATA/binance_klines_response.json" --stdout
is "$(printf '%s\n' "$out" | sed -n 2p)" "1706630400000,43519.34,43936,43171,43488.71,20.55495" \
    "REST JSON: decimal strings"
run fetch-candles -s XRPETH -t 5m -i "$DATA/XRP_ETH-5m.json" --stdout
is "$rc:$(printf '%s\n' "$out" | wc -l)" "0:713" "freqtrade JSON with trailing newline: 712 rows"
run fetch-candles -s TRXBTC -t 5m -i "$DATA/TRX_BTC-5m.json" --stdout
is "$rc:$(printf '%s\n' "$out" | wc -l)" "0:5755" "freqtrade JSON, spaced: 5754 rows"
like "$out" "^1515568200000,0.00010063,0.00010124,9.601e-05,9.64e-05,311618.20642356$" \
    "freqtrade JSON: exponent notation"
for f in "$CT_SHARE"/sample/*USDT-1h.json.xz; do
	sym=$(basename "$f" -1h.json.xz)
	run fetch-candles -s "$sym" -t 1h -i "$f"
	is "$rc:$(rows "$store/$sym/1h.csv")" "0:5482" "$sym: xz-compressed freqtrade JSON, 5482 rows"
done
run fetch-candles -s BTCUSDT -t 1h -i - --stdout <"$DATA/candlestick1h.json"
is "$rc" 0 "JSON on stdin"

# Bad input: exact diagnostics, store untouched.
cp "$store/ADABTC/1m.csv" before.csv
h=$(sum "$store/ADABTC/1m.csv")
unchanged() {
	is "$(sum "$store/ADABTC/1m.csv")" "$h" "$1: store unchanged"
	ls -A "$store/ADABTC" >ls.txt
	is "$(cat ls.txt)" "1m.csv" "$1: no temporary left"
}
run fetch-candles -s ADABTC -t 1m -i "$DATA/ADABTC-1m-2021-11-27-damaged.zip"
is "$rc" 1 "damaged zip: exit 1"
like "$err" "^fetch-candles: .*/ADABTC-1m-2021-11-27-damaged.zip: a zip whose central directory \(its index, at its end\) cannot be read: cut short or damaged" \
    "damaged zip: names the archive, says why"
like "$err" "fetch-candles: ADABTC 1m: store left unchanged$" "damaged zip: says nothing was stored"
unchanged "damaged zip"
head -c 20000 "$DATA/ADABTC-1m-2021-11-28.zip" >cut.zip
run fetch-candles -s ADABTC -t 1m -i cut.zip
is "$rc" 1 "truncated zip: exit 1"
unchanged "truncated zip"

bad() { # NAME FILE EXPECTED-FIRST-LINE
	run fetch-candles -s ADABTC -t 1m -i "$2"
	is "$rc" 1 "$1: exit 1"
	is "$err" "$3
fetch-candles: ADABTC 1m: store left unchanged" "$1: exact error"
	unchanged "$1"
}
good='1637971200000,0.00002853,0.00002854,0.00002851,0.00002854,36304.2'
printf '%s\n%s\n' "$good" "1637971260000,0.00002854,x,0.00002854,0.00002859,89196.6" >bad1.csv
bad "malformed field" bad1.csv 'fetch-candles: bad1.csv:2: high: not a number: "x"'
printf '%s\n\n%s\n' "$good" "1637971260000,0.00002854,0.00002860" >bad2.csv
bad "short row after a blank line" bad2.csv \
    'fetch-candles: bad2.csv:3: 3 fields, expected at least 6 (open_time,open,high,low,close,volume)'
printf '%s\n%s\n' "$good" "$good" >bad3.csv
bad "repeated open time" bad3.csv \
    "fetch-candles: bad3.csv:2: open_time 2021-11-27T00:00:00Z is not after the previous row's 2021-11-27T00:00:00Z (rows must be sorted and unique)"
printf '%s\n%s\n' "1637971260000,0.00002853,0.00002854,0.00002851,0.00002854,1" "$good" >bad4.csv
bad "descending open time" bad4.csv \
    "fetch-candles: bad4.csv:2: open_time 2021-11-27T00:00:00Z is not after the previous row's 2021-11-27T00:01:00Z (rows must be sorted and unique)"
printf '%s\n%s\n' "$good" "1637971260000,-0.00002854,0.00002860,0.00002854,0.00002859,89196.6" >bad5.csv
bad "negative price" bad5.csv 'fetch-candles: bad5.csv:2: price is not a positive number'
printf '%s\n%s\n' "$good" "1637971260000,0.00002854,0.00002850,0.00002860,0.00002855,1" >bad6.csv
bad "high below low" bad6.csv 'fetch-candles: bad6.csv:2: high is below low'
printf '%s\n' "1637971260,0.00002854,0.00002860,0.00002854,0.00002859,1" >bad7.csv
bad "seconds, not ms" bad7.csv \
    'fetch-candles: bad7.csv:1: open_time 1637971260 is neither milliseconds (13 digits) nor microseconds (16 digits)'
printf '[[1637971200000,2.8e-05,2.9e-05,2.7e-05,2.8e-05,1],\n [1637971260000,2.8e-05,2.9e-05,0,2.8e-05,1]]\n' >bad8.json
bad "JSON element" bad8.json 'fetch-candles: bad8.json:2: element 2: price is not a positive number'
printf '[[1637971200000,2.8e-05,2.9e-05,2.7e-05,2.8e-05,1],\n [1637971260000,2.8e-05 2.9e-05]]\n' >bad9.json
run fetch-candles -s ADABTC -t 1m -i bad9.json
is "$rc" 1 "broken JSON: exit 1"
is "$err" "fetch-candles: bad9.json:2:31: ']' expected near '2.9e-05'
fetch-candles: ADABTC 1m: store left unchanged" "broken JSON: file, line, column, jansson's words"
unchanged "broken JSON"
printf 'time,o,h,l,c,v\n' >bad10.csv
bad "unknown header" bad10.csv 'fetch-candles: bad10.csv:1: header: column 2 is "o", expected "open"'
: >empty.csv
run fetch-candles -s ADABTC -t 1m -i empty.csv
is "$rc" 1 "empty file: exit 1"
like "$err" "^fetch-candles: empty.csv: empty input" "empty file: said so"
unchanged "empty file"
run fetch-candles -s ADABTC -t 1h -i "$DATA/ADABTC-1m-2021-11-27.csv"
is "$rc:$err" "1:fetch-candles: $DATA/ADABTC-1m-2021-11-27.csv: its name says ADABTC 1m, not ADABTC 1h: not imported (rename the file if its candles are ADABTC 1h's)
fetch-candles: ADABTC 1h: store left unchanged" "a file whose name (Binance's) says another timeframe: refused"
cp "$DATA/ADABTC-1m-2021-11-27.csv" nameless.csv
run fetch-candles -s ADABTC -t 1h -i nameless.csv
is "$rc:$err" "1:fetch-candles: nameless.csv: rows are typically 60 s apart: not 1h candles
fetch-candles: ADABTC 1h: store left unchanged" "1m rows refused as 1h candles"
# A file named for another coin, Binance's or freqtrade's way: a typo in
# a backfill loop must not fill one coin's store with another's candles.
run fetch-candles -s BTCUSDT -t 1m -i "$DATA/ADABTC-1m-2021-11-28.zip"
is "$rc:$err" "1:fetch-candles: $DATA/ADABTC-1m-2021-11-28.zip: its name says ADABTC 1m, not BTCUSDT 1m: not imported (rename the file if its candles are BTCUSDT 1m's)
fetch-candles: BTCUSDT 1m: store left unchanged" "a file named for another coin: refused, said"
ok "$([ ! -e "$store/BTCUSDT/1m.csv" ] && echo 0 || echo 1)" "and no store made for it"
cp nameless.csv ETH_USDT-1m.json
run fetch-candles -s BTCUSDT -t 1m -i ETH_USDT-1m.json
like "$rc:$err" "^1:fetch-candles: ETH_USDT-1m.json: its name says ETHUSDT 1m, not BTCUSDT 1m: " "a freqtrade name too"
cp nameless.csv ADABTC-1m-2021-11-27.csv.bak
run fetch-candles -s ADABTC -t 1h -i ADABTC-1m-2021-11-27.csv.bak
like "$err" "rows are typically 60 s apart" "a name of neither form is not judged"
is "$(ls "$store/ADABTC")" "1m.csv" "wrong timeframe: no 1h store made"
run fetch-candles -s BTCUSDT -t 1m -i "$DATA/candlestick1h.json"
is "$rc:$err" "1:fetch-candles: $DATA/candlestick1h.json: rows are typically 3600 s apart: not 1m candles
fetch-candles: BTCUSDT 1m: store left unchanged" "1h rows refused as 1m candles"
# A CSV whose last line has no newline may be cut short (5226.95 read as
# 522): refused by line, the store kept; a compressed copy vouches for itself.
sed -n 1,3p "$DATA/ADABTC-1m-2021-11-27.csv" >cut.csv
sed -n 4p "$DATA/ADABTC-1m-2021-11-27.csv" | cut -c1-60 | tr -d '\n' >>cut.csv
run fetch-candles -s CUTBTC -t 1m -i cut.csv
is "$rc:$err" "1:fetch-candles: cut.csv:4: no newline at the end: the last line may be cut short (end the file with a newline if it is whole)
fetch-candles: CUTBTC 1m: store left unchanged" "a plain CSV without its last newline: refused, by line"
run sh -c 'fetch-candles -s CUTBTC -t 1m -i - <cut.csv'
like "$rc:$err" "^1:fetch-candles: <stdin>:4: no newline at the end" "... also on standard input"
gzip -c cut.csv >cut.csv.gz
run fetch-candles -s CUTBTC -t 1m -i cut.csv.gz
like "$rc:$err" "^0:fetch-candles: CUTBTC 1m: 4 rows read" "a gzip of it: taken (gzip checks its own end)"
rm -r "$COINTRAIN_HOME/candles/CUTBTC"
# A header alone, without its newline: no candles, said as such (not a
# line that may be cut short).
printf 'open_time,open,high,low,close,volume' >header.csv
run fetch-candles -s CUTBTC -t 1m -i header.csv
is "$rc:$err" "1:fetch-candles: header.csv: empty input: no candles
fetch-candles: CUTBTC 1m: store left unchanged" "a header alone without its newline: no candles"
cp "$CT_SHARE/sample/BTCUSDT-1h.json.xz" btc.json.xz
run fetch-candles -s BTCUSDT -t 5m -i btc.json.xz
is "$rc:$err" "1:fetch-candles: btc.json.xz: rows are typically 3600 s apart: not 5m candles
fetch-candles: BTCUSDT 5m: store left unchanged" "real 1h candles refused as 5m (was: 5481 gaps)"
run fetch-candles -s BTCUSDT -t 5m -i "$CT_SHARE/sample/BTCUSDT-1h.json.xz"
like "$rc:$err" "^1:fetch-candles: $CT_SHARE/sample/BTCUSDT-1h.json.xz: its name says BTCUSDT 1h, not BTCUSDT 5m" \
	"a sample file named for 1h: refused as 5m by its name"
ok "$([ ! -e "$store/BTCUSDT/5m.csv" ]; echo $?)" "wrong timeframe: no store made"
awk 'BEGIN { for (i = 0; i < 20; i++) printf "%.0f,1,2,0.5,1.5,1\n", 1600000000000 + i * 90000 }' >90s.csv
run fetch-candles -s A -t 1m -i 90s.csv --stdout
is "$rc" 0 "rows 90 s apart as 1m candles: merged"
like "$err" "^fetch-candles: 90s.csv: warning: rows are typically 90 s apart, more than one 1m candle" \
    "rows 90 s apart: warned"
run fetch-candles -s ADABTC -t 1m -i "$DATA/ADABTC-1m-2021-11-27.csv" bad5.csv
is "$rc" 1 "a bad file among good ones: exit 1"
unchanged "a bad file among good ones"
run fetch-candles -s ADABTC -t 1m -i no-such-file.csv
is "$rc" 1 "missing file: exit 1"
like "$err" "no-such-file.csv: .*(No such file|Failed to open)" "missing file: named"
unchanged "missing file"

# Symbols are checked before any path is made.
for s in ../x btcusdt "" A/B .hidden; do
	run fetch-candles -s "$s" -t 1h -i "$DATA/candlestick1h.json" --home "$T/h2"
	is "$rc" 2 "symbol '$s' refused (exit 2)"
	ok "$([ ! -e "$T/h2" ] && [ ! -e "$T/x" ]; echo $?)" "symbol '$s': nothing created"
done
run fetch-candles -s BTCUSDT -t 2h -i "$DATA/candlestick1h.json"
is "$rc" 2 "unknown timeframe: exit 2"
run fetch-candles -s BTCUSDT -t 1h "$DATA/candlestick1h.json"
is "$rc" 2 "file operand without --import: exit 2"
run fetch-candles -s BTCUSDT -t 1h -i -g
is "$rc" 2 "--import with --generate: exit 2"
run fetch-candles -s BTCUSDT -t 1h --limit 1001
is "$rc" 2 "--limit out of range: exit 2"
run fetch-candles -s BTCUSDT -t 1h -g --seed 1x
is "$rc" 2 "bad --seed: exit 2"
run fetch-candles -s BTCUSDT -t 1h -i --seed 1 "$DATA/candlestick1h.json"
is "$rc" 2 "--seed without --generate: exit 2"
run fetch-candles -s BTCUSDT -t 1h -g --base-url http://127.0.0.1:1
is "$rc" 2 "--base-url with --generate: exit 2"
run fetch-candles -s BTCUSDT -t 1h -i --lookback 5 "$DATA/candlestick1h.json"
is "$rc" 2 "--lookback with --import: exit 2"
# A freqtrade data directory: each PAIR-TF.json into its own store; a bad
# file fails alone; other names are left alone.
mkdir ft
cp "$DATA/XRP_ETH-5m.json" ft/
gzip -c "$DATA/TRX_BTC-5m.json" >ft/TRX_BTC-5m.json.gz
printf '[[1600000000000,1,2,0.5,1.5,1],[1600000000000,1,2,0.5,1.5,1]]' >ft/BAD_COIN-1h.json
printf 'ARROW1\000\000' >ft/ETH_USDT-1h.feather
echo notes >ft/README.md
cp "$CT_SHARE/sample/BTCUSDT-1h.json.xz" ft/
run fetch-candles --home dirhome --import-dir ft
is "$rc" 1 "--import-dir with a bad file: exit 1"
is "$(ls dirhome/candles | tr '\n' ' ')" "BTCUSDT TRXBTC XRPETH " "--import-dir: the good files imported, each into its own store (SYMBOL-TF.json.xz too)"
is "$(rows dirhome/candles/XRPETH/5m.csv):$(rows dirhome/candles/TRXBTC/5m.csv)" "712:5754" \
    "--import-dir: every row"
like "$err" "fetch-candles: ft/BAD_COIN-1h.json:1: element 2: open_time .* is not after" "--import-dir: the bad file named"
like "$err" "fetch-candles: BADCOIN 1h: store left unchanged" "--import-dir: its store left unchanged"
like "$err" "ft/ETH_USDT-1h.feather:1: unsupported format \(feather\)" "--import-dir: feather refused with advice"
like "$err" "fetch-candles: XRPETH 5m: 712 rows read: 712 added" "--import-dir: a report per file"
like "$err" "fetch-candles: ft: 3 files imported, 2 failed, 1 not freqtrade data \(PAIR-TF.json\): README.md$" \
    "--import-dir: a last line counts them, naming a file it left"
run fetch-candles --home dirhome --import-dir ft -t 5m
is "$rc" 0 "--import-dir -t 5m: only the 5m files, exit 0"
like "$err" "XRPETH 5m: 712 rows read: 0 added, 712 already present" "--import-dir again: already present"
run fetch-candles --home dirhome --import-dir ft -s XRPETH
is "$rc:$(printf '%s\n' "$err" | grep -c 'rows read')" "0:1" "--import-dir -s: only that symbol"
like "$err" "ft: 1 file imported, 0 failed" "--import-dir -s: counted"
run fetch-candles --home dirhome --import-dir ft --stdout
is "$rc" 2 "--import-dir --stdout: usage error"
run fetch-candles --home dirhome --import-dir no-such-dir
is "$rc" 1 "--import-dir of a missing directory: exit 1"

done_testing
