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
is "$rc:$err" "1:fetch-candles: refused.json:2: expected a JSON array of candle rows
fetch-candles: A 1h: nothing printed, store left unchanged" "a JSON object: refused as JSON, with its line"

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

done_testing
