#!/bin/sh
# 12-fetch-rest.t — fetch-candles against a real HTTP server on 127.0.0.1
# serving recorded Binance klines (test/klines-server.py): pagination,
# incremental update, the open candle dropped, rate limits, dropped
# connections, 5xx, exit 5 after the retries (the pages before it kept, as
# after a signal), a server that never answers, exit 1 for an unknown
# symbol, a candle closed less than the margin ago.
. "$CT_TOP/test/lib.sh"

COINTRAIN_RETRY_BASE_MS=10
export COINTRAIN_RETRY_BASE_MS
fixture=$DATA/candlestick5m.json	# 04:20..14:15, fetched at about 14:15
END=2020-09-27T14:15:30Z		# so the 14:15 candle is still open
store=$COINTRAIN_HOME/candles/BTCUSDT/5m.csv
spid=
stop_server() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	spid=
}
trap 'stop_server; rm -rf "$T"' EXIT
# start_server [--faults LIST]: serves the fixture, logs queries to log.txt.
start_server() {
	stop_server
	: >port.txt
	: >log.txt
	python3 "$TOP/test/klines-server.py" "$fixture" --interval 5m --log log.txt "$@" >port.txt &
	spid=$!
	i=0
	while [ ! -s port.txt ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	URL=http://127.0.0.1:$(cat port.txt)
}
fetch() { run fetch-candles -s BTCUSDT -t 5m --base-url "$URL" --end "$END" "$@"; }
sum() { sha256sum "$1" | cut -d' ' -f1; }

fetch-candles -s BTCUSDT -t 5m -i "$fixture" --stdout 2>/dev/null | sed '$d' >closed.csv
{ head -1 closed.csv; tail -50 closed.csv; } >last50.csv

start_server
fetch --lookback 50 --limit 7
is "$rc" 0 "lookback fetch: exit 0"
ok "$(cmp -s last50.csv "$store"; echo $?)" "--lookback 50: the last 50 closed candles"
is "$(wc -l <log.txt)" 8 "paginated: 8 requests of 7 rows"
like "$(head -1 log.txt)" "^symbol=BTCUSDT&interval=5m&startTime=1601201100000&endTime=1601216130000&limit=7$" \
    "first request: startTime 50 candles back, endTime --end"
is "$(grep -c '^1601216100000,' "$store")" 0 "the open candle is not stored"
like "$err" "BTCUSDT 5m: 50 rows read: 50 added" "report after a fetch"

rm -f "$store"
fetch --lookback 30 --end 2020-09-27T06:50:00Z
is "$(($(wc -l <"$store") - 1))" 30 "an older range: 30 candles"
last=$(tail -1 "$store" | cut -d, -f1)
: >log.txt
fetch
is "$rc" 0 "incremental fetch: exit 0"
ok "$(cmp -s closed.csv "$store"; echo $?)" "incremental: store now holds every closed candle"
like "$(head -1 log.txt)" "startTime=$((last + 1))&" "incremental: starts after the last stored candle"
like "$err" "89 rows read: 89 added, 0 already present" "incremental: only the new candles"
h=$(sum "$store")
fetch
is "$rc:$(sum "$store")" "0:$h" "nothing new: store unchanged"
like "$err" "0 rows read: 0 added" "nothing new: reported"

rm -f "$store"
fetch --stdout --lookback 3
is "$out" "$(head -1 closed.csv; tail -3 closed.csv)" "--stdout prints the fetched candles"
ok "$([ ! -e "$store" ]; echo $?)" "--stdout: no store written"
fetch
ok "$(cmp -s closed.csv "$store"; echo $?)" "empty store, no --lookback: the last 10000 candles"

COINTRAIN_EXCHANGE_URL=$URL run fetch-candles -s BTCUSDT -t 5m --end "$END" --lookback 3 \
    --stdout --home "$T/other"
is "$rc:$(printf '%s\n' "$out" | wc -l)" "0:4" "COINTRAIN_EXCHANGE_URL names the exchange"

# A server that caps its pages below --limit: a short page is not the end.
rm -f "$store"
start_server --cap 3
fetch --lookback 50 --limit 7
is "$rc" 0 "pages capped at 3 rows: exit 0"
ok "$(cmp -s last50.csv "$store"; echo $?)" "pages capped at 3 rows: all 50 candles"
is "$(wc -l <log.txt)" 17 "pages capped at 3 rows: 17 requests"

# Faults.
rm -f "$store"
start_server --faults 429
fetch --lookback 5
is "$rc" 0 "429 waited out"
like "$err" "rate limited \(HTTP 429\); retrying in 1000 ms \(try 1 of 5\)" "429: Retry-After honoured"
is "$(($(wc -l <"$store") - 1))" 5 "429: then the candles"
start_server --faults drop
fetch --lookback 5 --stdout
is "$rc" 0 "dropped connection retried"
like "$err" "retrying in 10 ms \(try 1 of 5\)" "dropped connection: backoff from COINTRAIN_RETRY_BASE_MS"
start_server --faults 500,500
fetch --lookback 5 --stdout
is "$rc" 0 "HTTP 500 retried"
like "$err" "HTTP 500; retrying in 20 ms \(try 2 of 5\)" "exponential backoff"
h=$(sum "$store")
start_server --faults 500+
fetch --lookback 20
is "$rc" 5 "5xx every time: exit 5 (temporary failure)"
is "$(wc -l <log.txt)" 5 "5 tries"
like "$err" "HTTP 500; giving up after 5 tries" "said so"
is "$(sum "$store")" "$h" "exit 5: store unchanged"
start_server --faults 418
fetch --lookback 20
is "$rc" 5 "418 with a long Retry-After: exit 5 at once"
like "$err" "asks to wait 3600 s" "418: the wait is named"
is "$(wc -l <log.txt)" 1 "418: no pointless retries"
start_server --faults garbage
fetch --lookback 20
is "$rc" 1 "a broken response: exit 1"
like "$err" "127.0.0.1:[0-9]+/api/v3/klines.*:1:[0-9]+: .* expected" "broken response: URL, line, column"
is "$(sum "$store")" "$h" "broken response: store unchanged"
start_server --faults empty
fetch --lookback 20
is "$rc" 1 "an empty response: exit 1"
like "$err" "bad response: not a JSON array of klines" "empty response: said so"
is "$(sum "$store")" "$h" "empty response: store unchanged"
start_server --faults 408+
fetch --lookback 20
is "$rc:$(wc -l <log.txt)" "5:5" "HTTP 408 every time: retried, then exit 5"
is "$(sum "$store")" "$h" "408: store unchanged"
start_server --faults html
fetch --lookback 20
is "$rc" 5 "a 200 HTML maintenance page: exit 5"
like "$err" "bad response: an HTML page, not klines \(maintenance\?\)" "HTML page: said so"
is "$(sum "$store")" "$h" "HTML page: store unchanged"
start_server --faults 301
fetch --lookback 20
is "$rc" 1 "a redirect: exit 1, not followed"
like "$err" "the exchange redirects \(HTTP 301\) to http://127.0.0.1:[0-9]+/moved/api/v3/klines\?symbol=BTCUSDT.*: fix --base-url" \
    "redirect: the target named"
is "$(sum "$store")" "$h" "redirect: store unchanged"
# A fetch that fails for now after good pages keeps their closed candles
# (saved as a whole fetch is), so the next run goes on after them.
cp "$store" kept.csv
rm "$store"
start_server --faults ok,ok,ok,418
fetch --lookback 40 --limit 7
is "$rc" 5 "failure after 3 pages: exit 5"
like "$err" "BTCUSDT 5m: fetch incomplete: the 21 candles fetched before it kept; the next run goes on after them" \
    "failure after 3 pages: the candles kept, said so"
is "$(($(wc -l <"$store") - 1))" 21 "failure after 3 pages: 21 candles stored"
ok "$({ head -1 closed.csv; tail -40 closed.csv | head -21; } | cmp -s - "$store"; echo $?)" \
    "failure after 3 pages: the first 21 of the 40 candles"
ls -a "$COINTRAIN_HOME/candles/BTCUSDT" | grep -q tmp
is "$?" 1 "failure after 3 pages: no temporary left"
: >log.txt
fetch --lookback 40 --limit 7
is "$rc" 0 "the next run: exit 0"
ok "$({ head -1 closed.csv; tail -40 closed.csv; } | cmp -s - "$store"; echo $?)" \
    "the next run: all 40 candles"
like "$err" "40 rows read: 19 added, 21 already present" "the next run: the 19 others added"
# Stopped by a signal while a page hangs: the pages before are kept, and
# the process still dies of the signal (130, 143).
# (A shell's & sets SIGINT to be ignored; python puts it back.)
dfl='import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])'
for s in INT:130 TERM:143; do
	rm -f "$store"
	start_server --faults ok,ok,hang+
	python3 -c "$dfl" fetch-candles -s BTCUSDT -t 5m --base-url "$URL" --end "$END" --lookback 40 --limit 7 \
	    2>sig.err &
	pid=$!
	i=0
	while [ "$(wc -l <log.txt)" -lt 3 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.2
	kill -"${s%:*}" "$pid"
	wait "$pid"
	is "$?" "${s#*:}" "SIG${s%:*} during a fetch: exit ${s#*:}"
	is "$(($(wc -l <"$store") - 1))" 14 "SIG${s%:*} during a fetch: the 2 pages before it stored"
	like "$(cat sig.err)" "BTCUSDT 5m: stopped by SIG${s%:*}: the 14 candles fetched before it kept" \
	    "SIG${s%:*} during a fetch: said so"
done
cp kept.csv "$store"

# A server that accepts and never answers: each try ends after
# COINTRAIN_REQUEST_TIMEOUT_MS (default 20 s), then exit 5 after 5 tries.
# timeout(1) stops a run that would wait longer.
start_server --faults hang+
t0=$(date +%s)
COINTRAIN_REQUEST_TIMEOUT_MS=300 run timeout 30 fetch-candles -s BTCUSDT -t 5m --base-url "$URL" \
    --end "$END" --lookback 20
is "$rc:$(wc -l <log.txt)" "5:5" "no answer: each try times out, exit 5 after 5 tries"
# curl measures the wait itself: 299 ms has been seen for a 300 ms limit.
like "$err" "timed out after (29[0-9]|3[0-9][0-9]) milliseconds.*giving up after 5 tries" "no answer: said so"
ok "$([ $(($(date +%s) - t0)) -lt 10 ]; echo $?)" "no answer: COINTRAIN_REQUEST_TIMEOUT_MS bounds each try"
is "$(sum "$store")" "$h" "no answer: store unchanged"
# Meanwhile a second run on the store waits for the lock, and says so.
: >log.txt
COINTRAIN_REQUEST_TIMEOUT_MS=1000 fetch-candles -s BTCUSDT -t 5m --base-url "$URL" --end "$END" \
    --lookback 20 2>/dev/null &
bg=$!
i=0
while [ ! -s log.txt ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
cp "$store" same.csv
run fetch-candles -s BTCUSDT -t 5m -i same.csv
wait "$bg"
is "$rc:$?" "0:5" "a run on a locked store waits for the other one"
like "$err" "^fetch-candles: .*/candles/BTCUSDT/5m.csv: waiting for another run on this store" \
    "a run on a locked store: said so"

start_server
run fetch-candles -s NOSUCH -t 5m --base-url "$URL"
is "$rc" 1 "unknown symbol: exit 1"
is "$err" "fetch-candles: NOSUCH: the exchange refused the request: Invalid symbol. (HTTP 400, code -1121)
fetch-candles: NOSUCH 5m: store left unchanged" "unknown symbol: the exchange's words"
ok "$([ ! -e "$COINTRAIN_HOME/candles/NOSUCH" ]; echo $?)" "unknown symbol: no store made"
is "$(wc -l <log.txt)" 1 "unknown symbol: not retried"
: >log.txt
h2=$(sum "$store")
run fetch-candles -s BTCUSDT -t 5m --base-url "$URL" --end 2020-09-27T10:00:00Z
is "$rc:$(wc -l <log.txt)" "0:0" "--end before the last stored candle: nothing to fetch, no request"
is "$(sum "$store")" "$h2" "--end before the last stored candle: store unchanged"
run fetch-candles -s BTCUSDT -t 5m --base-url "ftp://127.0.0.1:$(cat port.txt)" --lookback 5
is "$rc" 1 "a base URL of another protocol: exit 1, no retries"
like "$err" "^fetch-candles: ftp://127.0.0.1:[0-9]+/api/v3/klines\?.*: .*(not supported|disabled)" "bad URL: said so"

# A live exchange (klines-server.py --live): the candle open now has volume
# 0.00123.
lstore=$T/live/candles/BTCUSDT/1h.csv
live() { run fetch-candles -s BTCUSDT -t 1h --base-url "$URL" --home "$T/live" "$@"; }
start_server --live --interval 1h
live --lookback 5
live --end 2099-01-01
is "$rc" 0 "--end after now: exit 0"
is "$(grep -c ',0.00123$' "$lstore")" 0 "--end after now: the candle open now is not stored"
e=$(sed -n '$s/.*endTime=\([0-9]*\).*/\1/p' log.txt)
ok "$([ "$e" -le "$(($(date +%s) + 1))000" ]; echo $?)" "--end after now: endTime is now"
rm -f "$lstore"
live --lookback 5 --end 2099-01-01
is "$(($(wc -l <"$lstore") - 1))" 5 "--end after now: --lookback counts back from now"

# The exchange's clock behind ours, a run just after a candle closed (cron
# at the boundary): the candle is not taken until the margin has passed,
# and the run waits that out rather than leave the candle to the next run.
# A run at the boundary is played at any moment r ms into the minute: the
# server's clock r+2 s behind, the margin r+3 s (COINTRAIN_CLOSE_MARGIN_MS).
ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }
r=$(($(ms) % 60000))
if [ "$r" -gt 50000 ]; then
	sleep $(((60000 - r) / 1000 + 1))
	r=$(($(ms) % 60000))
fi
b=$(($(ms) / 60000 * 60000))
start_server --live --interval 1m --skew $((r + 2000))
COINTRAIN_CLOSE_MARGIN_MS=$((r + 3000)) \
    run fetch-candles -s BTCUSDT -t 1m --base-url "$URL" --home "$T/skew" --lookback 3
sstore=$T/skew/candles/BTCUSDT/1m.csv
is "$rc" 0 "exchange clock behind: exit 0"
is "$(grep -c ',0.00123$' "$sstore")" 0 "exchange clock behind: no candle the exchange had open"
is "$(tail -1 "$sstore" | cut -d, -f1)" "$((b - 60000))" "exchange clock behind: the candle just closed, waited for"
ok "$([ "$(ms)" -ge $((b + r + 3000)) ]; echo $?)" "exchange clock behind: the run waited out the margin"

port=$(cat port.txt)
stop_server
run fetch-candles -s BTCUSDT -t 5m --base-url "http://127.0.0.1:$port" --lookback 5
is "$rc" 5 "connection refused: exit 5"
like "$err" "giving up after 5 tries" "connection refused: retried"
is "$(sum "$store")" "$h" "connection refused: store unchanged"
done_testing
