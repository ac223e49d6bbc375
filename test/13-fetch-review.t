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

done_testing
