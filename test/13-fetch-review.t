#!/bin/sh
# 13-fetch-review.t — fetch-candles as an operator meets it: a store that
# cannot be read or written, single-row and odd inputs, strict times; each
# failure says what went wrong and leaves the data home as it was.
. "$CT_TOP/test/lib.sh"

H=open_time,open,high,low,close,volume

# A store path that cannot be read is an error, not an empty store.
mkdir -p dirstore/candles/A/1h.csv
run fetch-candles --home dirstore -s A -t 1h --generate --lookback 5
is "$rc:$err" "1:fetch-candles: dirstore/candles/A/1h.csv: Is a directory" \
    "a store that cannot be read is an error"

# One row has no step between rows to judge the timeframe by: no warning
# about one.  A header alone, or blank lines, hold no candle: an error,
# as an empty file is.
printf '%s\n1600000000000,1,2,0.5,1.5,10\n' "$H" >one.csv
run fetch-candles -s A -t 1h -i one.csv --stdout
is "$rc:$(printf '%s\n' "$err" | grep -c 'apart')" "0:0" "one row: no timeframe warning"
printf '%s\n' "$H" >hdr.csv
run fetch-candles -s A -t 1h -i hdr.csv --stdout
is "$rc:$err" "1:fetch-candles: hdr.csv: empty input: no candles
fetch-candles: A 1h: nothing printed, store left unchanged" "header only: an error"
printf '\n \n\n' >blank.txt
run fetch-candles -s A -t 1h -i blank.txt --stdout
is "$rc" 1 "blank lines only: an error"
printf '[]\n' >none.json
run fetch-candles -s A -t 1h -i none.json --stdout
is "$rc:$err" "1:fetch-candles: none.json: empty input: no candles
fetch-candles: A 1h: nothing printed, store left unchanged" "an empty JSON array: an error"

# A store that cannot be written (here a file size limit, as a full disk
# would): no report claiming rows were stored, the old store intact.
fetch-candles --home fz -s A -t 1h -g --lookback 100 2>/dev/null
cp fz/candles/A/1h.csv before.csv
run sh -c 'trap "" XFSZ; ulimit -f 8; exec fetch-candles --home fz -s A -t 1h -g --lookback 200'
is "$rc:$err" "1:fetch-candles: fz/candles/A/1h.csv: File too large
fetch-candles: A 1h: store left unchanged" "a failed save: no report, store left unchanged"
cmp -s before.csv fz/candles/A/1h.csv
ok $? "a failed save leaves the store byte for byte"
is "$(ls -A fz/candles/A)" "1h.csv" "a failed save leaves no temporary file"

# An exchange's error reply saved as a file is refused as JSON.
printf '\n{"code":-1121,"msg":"Invalid symbol."}\n' >refused.json
run fetch-candles -s A -t 1h -i refused.json --stdout
is "$rc:$err" "1:fetch-candles: refused.json:2:1: expected a JSON array of candle rows
fetch-candles: A 1h: nothing printed, store left unchanged" "a JSON object: refused as JSON, with its line and column"
# The array's own syntax is placed by line and column too, as jansson's
# errors inside an element are.
printf '[[1704067200000,"1","2","0.5","1.5","10"]\n [1704070800000,"1","2","0.5","1.5","10"]]\n' >nocomma.json
run fetch-candles -s A -t 1h -i nocomma.json --stdout
like "$rc:$err" "^1:fetch-candles: nocomma.json:2:2: expected ',' or ']' after an array element" "a missing comma: line and column"
printf '[[1704067200000,"1","2","0.5","1.5","10"],' >cut.json
run fetch-candles -s A -t 1h -i cut.json --stdout
like "$rc:$err" "^1:fetch-candles: cut.json:1:43: unexpected end of input: the array is not closed" "cut short: line and column"
printf '[[1704067200000,"1","2","0.5","1.5","10"]] x\n' >after.json
run fetch-candles -s A -t 1h -i after.json --stdout
like "$rc:$err" "^1:fetch-candles: after.json:1:44: data after the end of the JSON array" "data after it: line and column"

# A failed first run into a new data home leaves nothing behind, not even
# an empty candles/ directory.
mkdir fresh
printf 'x\n' | fetch-candles --home fresh -s A -t 1h -i - 2>/dev/null
is "$?:$(ls -A fresh)" "1:" "a failed first run leaves the data home empty"
printf 'x\n' | fetch-candles --home fresh/new/home -s A -t 1h -i - 2>/dev/null
is "$?:$(ls -A fresh)" "1:" "... and makes no data home of its own"

# Killed by the file size limit itself (SIGXFSZ not ignored): the
# temporary goes too.
run sh -c 'ulimit -f 8; exec fetch-candles --home fz -s A -t 1h -g --lookback 200'
ok "$([ "$rc" -gt 128 ]; echo $?)" "over the file size limit: killed by SIGXFSZ"
is "$(ls -A fz/candles/A)" "1h.csv" "killed by SIGXFSZ: no temporary file left"
cmp -s before.csv fz/candles/A/1h.csv
ok $? "killed by SIGXFSZ: the store byte for byte"

# A hangup under nohup (SIGHUP ignored) does not stop the run.
run sh -c 'trap "" HUP; fetch-candles --home hup -s A -t 1m -g --lookback 300000 & p=$!; sleep 0.3; kill -HUP $p; wait $p'
is "$rc:$(ls -A hup/candles/A)" "0:1m.csv" "SIGHUP ignored by the caller stays ignored"

# An unclosed quote swallows the rest of the file into one field: the
# error names the line the row began on and quotes only the start of it.
{ echo "$H"; echo '1600000000000,"1,2,0.5,1.5,10'; i=0
  while [ $i -lt 50 ]; do echo 1600003600000,1,2,0.5,1.5,10; i=$((i + 1)); done; } >quote.csv
run fetch-candles -s A -t 1h -i quote.csv --stdout
is "$rc:$err" "1:fetch-candles: quote.csv:2: open: not a number: \"1,2,0.5,1.5,10?1600003600000,1,2,0.5,1.5...\"
fetch-candles: A 1h: nothing printed, store left unchanged" "unclosed quote: its line, an excerpt"
printf '%s\n\n1600000000000,1,2,0.5,1.5,10\n\n1600003600000,1,2,0.5,1.5,x\n' "$H" >blank.csv
run fetch-candles -s A -t 1h -i blank.csv --stdout
is "$rc:$err" "1:fetch-candles: blank.csv:5: volume: not a number: \"x\"
fetch-candles: A 1h: nothing printed, store left unchanged" "blank lines still counted"

# Hardening (issue 8).  A price whose features cannot be finite is refused
# where it is read, in a file and in a store written by hand.
printf '[[1600000000000,1e308,1e308,1e308,1e308,1]]' >huge.json
run fetch-candles -s A -t 1h -i huge.json --stdout
is "$rc:$err" "1:fetch-candles: huge.json:1: element 1: price outside 1e-12..1e12 (features would not be finite)
fetch-candles: A 1h: nothing printed, store left unchanged" "price 1e308: refused with file and line"
printf '%s\n1600000000000,1,2,0.5,1.5,1e300\n' "$H" >vol.csv
run fetch-candles -s A -t 1h -i vol.csv --stdout
is "$rc:$err" "1:fetch-candles: vol.csv:2: volume above 1e18 (features would not be finite)
fetch-candles: A 1h: nothing printed, store left unchanged" "volume 1e300: refused"
mkdir -p hand/candles/A
printf '%s\n1600000000000,1,2,0.5,1.5,1\n1600003600000,1e308,1e308,1e308,1e308,1\n' "$H" >hand/candles/A/1h.csv
printf '1500000000000,1,2,0.5,1.5,1\n' >early.csv
run fetch-candles --home hand -s A -t 1h -i early.csv
is "$rc:$err" "1:fetch-candles: hand/candles/A/1h.csv:3: price outside 1e-12..1e12 (features would not be finite)" \
    "a store written by hand with 1e308: refused when read"

# A NUL byte inside a field ("1\0 0.5" read as 1) is refused, in a file
# and in the store.
printf '%s\n1600000000000,1\0000.5,2,0.5,1.5,1\n' "$H" >nul.csv
run fetch-candles -s A -t 1h -i nul.csv --stdout
is "$rc:$err" "1:fetch-candles: nul.csv:2: a NUL byte: not text
fetch-candles: A 1h: nothing printed, store left unchanged" "NUL in a CSV field: refused"
printf '%s\n1600000000000,1\0000.5,2,0.5,1.5,1\n' "$H" >hand/candles/A/1h.csv
run fetch-candles --home hand -s A -t 1h -i early.csv
is "$rc:$err" "1:fetch-candles: hand/candles/A/1h.csv:2: a NUL byte: not text" "NUL in the store: refused"
printf '[[1600000000000,"1\\u0000 0.5",2,0.5,1.5,3]]' >nul.json
run fetch-candles -s A -t 1h -i nul.json --stdout
like "$rc:$err" "^1:fetch-candles: nul.json:1:[0-9]+: .*NUL" "NUL in a JSON string: refused"

# A float open time beyond int64 (undefined behaviour to cast) is refused.
printf '[[1e19,1,2,0.5,1.5,3]]' >big.json
run fetch-candles -s A -t 1h -i big.json --stdout
is "$rc:$err" "1:fetch-candles: big.json:1: element 1: open_time: not a whole number
fetch-candles: A 1h: nothing printed, store left unchanged" "open time 1e19: refused"

# What one line or one file may cost is bounded: a clear error, no swap.
awk 'BEGIN { s = "1"; while (length(s) < 200000) s = s s; print s }' >long.csv
run fetch-candles -s A -t 1h -i long.csv --stdout
is "$rc:$err" "1:fetch-candles: long.csv:1: row longer than 65536 bytes
fetch-candles: A 1h: nothing printed, store left unchanged" "a line past 64 KiB: refused"
{ echo "$H"; echo '1600000000000,"1,2'; awk 'BEGIN { for (i = 0; i < 5000; i++) print "1600003600000,1,2,0.5,1.5,10" }'; } >quote2.csv
run fetch-candles -s A -t 1h -i quote2.csv --stdout
is "$rc:$err" "1:fetch-candles: quote2.csv:2: row longer than 65536 bytes (an unclosed quote?)
fetch-candles: A 1h: nothing printed, store left unchanged" "an unclosed quote over 64 KiB: refused at its line"
awk 'BEGIN { s = "1,"; while (length(s) < 100000) s = s s; print "[[1600000000000,1,2,0.5,1.5,1," s "1]]" }' >long.json
run fetch-candles -s A -t 1h -i long.json --stdout
is "$rc:$err" "1:fetch-candles: long.json:1: element 1: array element longer than 65536 bytes
fetch-candles: A 1h: nothing printed, store left unchanged" "a JSON element past 64 KiB: refused"
head -c 300000000 /dev/zero | gzip -1 >bomb.gz
run fetch-candles -s A -t 1h -i bomb.gz --stdout
is "$rc:$err" "1:fetch-candles: bomb.gz:1: a NUL byte: not text
fetch-candles: A 1h: nothing printed, store left unchanged" "a gzip bomb of zeros: refused at once"

# Trailing garbage after a compressed stream is refused, not ignored.
gzip -c one.csv >one.csv.gz
{ cat one.csv.gz; echo garbage; } >tail.gz
run fetch-candles -s A -t 1h -i tail.gz --stdout
is "$rc:$err" "1:fetch-candles: tail.gz: data after the end of the compressed stream
fetch-candles: A 1h: nothing printed, store left unchanged" "garbage after a gzip stream: refused"
run fetch-candles -s A -t 1h -i - --stdout <tail.gz
is "$rc" 1 "garbage after a gzip stream on stdin: refused"
printf '1600003600000,1,2,0.5,1.5,10\n' | gzip -c >next.gz
cat one.csv.gz next.gz >two.gz
run fetch-candles -s A -t 1h -i two.gz --stdout
is "$rc" 0 "two gzip members (valid gzip): read"
bzip2 -c one.csv >one.bz2
{ cat one.bz2; echo garbage; } >tail.bz2
run fetch-candles -s A -t 1h -i tail.bz2 --stdout
is "$rc" 1 "garbage after a bzip2 stream: refused"

# Raw control bytes of the input never reach the terminal.
printf '%s\n1600000000000,\033[2J,2,0.5,1.5,1\n' "$H" >esc.csv
run fetch-candles -s A -t 1h -i esc.csv --stdout
is "$rc:$err" "1:fetch-candles: esc.csv:2: open: not a number: \"?[2J\"
fetch-candles: A 1h: nothing printed, store left unchanged" "an escape in a field: shown as ?"
printf '[[1600000000000,1,2,0.5,1.5,1] \033]0;x\007' >esc.json
run fetch-candles -s A -t 1h -i esc.json --stdout
is "$(printf '%s' "$err" | tr -d '\n' | tr -dc '\000-\037' | wc -c)" 0 "JSON after the array: no control byte printed"
python3 - <<'PY'
import zipfile
with zipfile.ZipFile("esc.zip", "w") as z:
    z.writestr("a\x1b[31m.csv", "1600000000000,1,2,0.5,1.5,1\n1600000000000,1,2,0.5,1.5,1\n")
PY
run fetch-candles -s A -t 1h -i esc.zip --stdout
like "$err" "^fetch-candles: esc.zip\(a\?\[31m.csv\):2: open_time" "an escape in a zip member's name: shown as ?"

# freqtrade's feather and parquet files: what to run instead.
printf 'ARROW1\000\000\377\377\377\377' >BTC_USDT-5m.feather
run fetch-candles -s BTCUSDT -t 5m -i BTC_USDT-5m.feather --stdout
is "$rc:$err" "1:fetch-candles: BTC_USDT-5m.feather:1: unsupported format (feather): convert to JSON with \`freqtrade convert-data --format-from feather --format-to json\`
fetch-candles: BTCUSDT 5m: nothing printed, store left unchanged" "feather: refused with the command that converts it"

# -V is --version; -t is --timeframe; a bad symbol is a usage error.
run fetch-candles -V
like "$rc:$out" "^0:fetch-candles .*[0-9]+\.[0-9]+" "-V prints the version"
run fetch-candles -s A -t 1h -i one.csv --stdout
is "$rc" 0 "-s and -t"
run fetch-candles -s 'a b' -t 1h -i one.csv
is "$rc" 2 "a bad symbol: exit 2"

# A bad row in the part of a store train-coin reads (its tail) is named by
# the file's own line, not by its line in the tail.
fetch-candles --home tl -s A -t 1h -g --lookback 3000 2>/dev/null
sed '2990s/,[^,]*$/,x/' tl/candles/A/1h.csv >bad.csv && mv bad.csv tl/candles/A/1h.csv
COINTRAIN_SHARE=$CT_SHARE run train-coin --home tl -s A -t 1h --lookback 1000
is "$rc:$err" "1:train-coin: tl/candles/A/1h.csv:2990: volume: not a number: \"x\"" \
    "an error in the tail of the store: the file's line number"

# Candles not closed yet: one opening in the future is refused by file
# and line; the newest, still open, is left out and said (its values
# would change, and the next fetch starts after it).
hour=$(( $(date -u +%s) / 3600 * 3600 ))
printf '[[%d000,1,2,0.5,1.5,10,%d999],[%d000,1,2,0.5,1.5,10,%d999]]\n' $((hour - 3600)) $((hour - 1)) \
    $hour $((hour + 3599)) >live.json
run fetch-candles --home fut -s A -t 1h -i live.json
like "$rc:$err" "^0:fetch-candles: live.json:1: element 2: the candle at $(date -u -d @$hour +%Y-%m-%dT%H):00:00Z is still open: left out" \
    "a candle still open: left out, said"
is "$(tail -n +2 fut/candles/A/1h.csv | cut -d, -f1)" "$((hour - 3600))000" "the closed one is stored"
printf '[[4102444800000,52.9,53.1,52.8,53.0,100]]\n' >future.json
cp fut/candles/A/1h.csv before.csv
run fetch-candles --home fut -s A -t 1h -i future.json
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "1:fetch-candles: future.json:1: element 1: open_time 2100-01-01T00:00:00Z is in the future" \
    "a candle in the future: refused, by file and element"
cmp -s before.csv fut/candles/A/1h.csv
ok $? "the store is left as it was"

# Generated open times stay where an import reads them back.
run fetch-candles -s OLD -t 1h --generate --start 1970-01-01 --lookback 500 --stdout
is "$rc:$(printf '%s\n' "$err" | head -n 1)" \
    '2:fetch-candles: --start: "1970-01-01": the candles would open outside 2001-09-09 to 2286-11-20' \
    "--start before 13-digit milliseconds: a usage error"
run fetch-candles -s OLD -t 1h --generate --start 2286-11-01 --lookback 500 --stdout
is "$rc" 2 "--start whose candles would end past 2286-11-20: a usage error"

# --stdout: the report says the candles were printed, and a full disk is
# known before it says so.
run fetch-candles -s OLD -t 1h --generate --lookback 3 --stdout
like "$err" "OLD 1h: 3 candles printed \\(the store is left as it was\\)" "--stdout: printed, not stored"
fetch-candles -s OLD -t 1h --generate --lookback 3 --stdout >/dev/full 2>full.err
is "$?:$(grep -c 'candles printed' full.err)" "1:0" "stdout full: exit 1, nothing said to be printed"

# Temporaries of a writer killed with -9 are removed by the next writer of
# that store (it holds the store's lock, as every writer does).
fetch-candles --home tmpd -s A -t 1h -g --lookback 10 2>/dev/null
echo partial >tmpd/candles/A/.1h.csv.tmp.Ab12Cd
echo other >tmpd/candles/A/.5m.csv.tmp.Ab12Cd
fetch-candles --home tmpd -s A -t 1h -g --lookback 12 2>/dev/null
is "$(LC_ALL=C ls -A tmpd/candles/A | tr '\n' ' ')" ".5m.csv.tmp.Ab12Cd 1h.csv " \
    "a killed writer's temporary of this store is swept; another store's is its own writer's"

# A read-only store takes a run that brings nothing new (it need not be
# rewritten), and refuses one that does, the store as it was.  A full
# store disk: --stdout's temporary is named, with TMPDIR to move it.
mkdir -p ro full
run unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs "$1" 2>/dev/null || exit 77
	fetch-candles --home "$1/h" -s RO -t 1h -g --lookback 10 2>/dev/null
	mount -o remount,ro "$1" || exit 77
	fetch-candles --home "$1/h" -s RO -t 1h -g --lookback 10 2>/dev/null; echo "same=$?"
	fetch-candles --home "$1/h" -s RO -t 1h -g --lookback 12 2>&1; echo "more=$? $(grep -c . "$1/h/candles/RO/1h.csv")"' \
    sh "$PWD/ro"
if [ "$rc" -eq 77 ]; then
	skip 2 "no mount namespace here"
else
	is "$(printf '%s\n' "$out" | sed -n 1p)" "same=0" "a read-only store, nothing new: exit 0"
	is "$(printf '%s\n' "$out" | sed -n '2,$p')" "fetch-candles: $PWD/ro/h/candles/RO/1h.csv: Read-only file system
fetch-candles: RO 1h: store left unchanged
more=1 11" "a read-only store, new rows: exit 1, said, the store as it was"
fi
run unshare -m sh -c 'mount -t tmpfs -o size=200k tmpfs "$1" 2>/dev/null || exit 77
	fetch-candles --home "$1/h" -s FU -t 1h -g --lookback 1000 2>/dev/null
	dd if=/dev/zero of="$1/fill" bs=1k count=200 2>/dev/null
	env -u TMPDIR fetch-candles --home "$1/h" -s FU -t 1h -g --lookback 10 --stdout 2>&1 >/dev/null
	echo "rc=$?"
	TMPDIR=$2 fetch-candles --home "$1/h" -s FU -t 1h -g --lookback 10 --stdout 2>/dev/null | grep -c .
	echo "rc=$?"' sh "$PWD/full" "$PWD"
if [ "$rc" -eq 77 ]; then
	skip 2 "no mount namespace here"
else
	is "$(printf '%s\n' "$out" | sed -n '1,3p')" "fetch-candles: $PWD/full/h/candles/FU: temporary file: No space left on device (TMPDIR sets where temporaries go)
fetch-candles: FU 1h: nothing printed, store left unchanged
rc=1" "--stdout beside a full store: the temporary's directory named, what to do said"
	is "$(printf '%s\n' "$out" | sed -n '4,5p' | tr '\n' ' ')" "1001 rc=0 " "... and with TMPDIR elsewhere, printed"
fi
# Rows past 131072 wait in TMPDIR: when it fills, it is named (not the
# store); a TMPDIR that is no directory is passed over for the store's.
# (Against the plain build only: the spool's code is the same, and a
# sanitizer's build takes seconds over 140000 rows; make check FULL=1.)
if [ -n "${CT_SANITIZER:-}" ]; then
	skip 2 "140000 rows: against the plain build"
else
fetch-candles -s BIG -t 1m -g --lookback 140000 --stdout >big.csv 2>/dev/null
run unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs "$1" 2>/dev/null || exit 77
	TMPDIR=$1 fetch-candles --home "$2" -s BIG -t 1m -i big.csv 2>&1 >/dev/null | head -n 1' sh "$PWD/full" "$PWD/bigh"
if [ "$rc" -eq 77 ]; then
	skip 1 "no mount namespace here"
else
	is "$out" "fetch-candles: $PWD/full: temporary file: No space left on device (TMPDIR sets where temporaries go)" \
	    "a full TMPDIR: named, not the store"
fi
run env TMPDIR="$PWD/nothere" fetch-candles --home "$PWD/bigh" -s BIG -t 1m -i big.csv
is "$rc:$(grep -c . "$PWD/bigh/candles/BIG/1m.csv")" "0:140001" "a TMPDIR that is not there: the rows wait beside the store"
fi

done_testing
