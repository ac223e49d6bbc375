#!/bin/sh
# 62-run-batch-order.t — the order of work inside a cycle: every coin's
# candles before any training, a failed fetch still trains on the stored
# candles, an unreachable exchange stops the fetching, each new model's
# prediction is cached as soon as it is published, a coin removed from the
# list leaves the top list; progress lines on a terminal, silence under
# cron.
. "$CT_TOP/test/lib.sh"
. "$TOP/test/fake/bin.sh"
H=$COINTRAIN_HOME
FETCH_ENABLED=1
export FETCH_ENABLED

# A klines server for BTCUSDT only: other coins fail to fetch (permanently).
python3 "$TOP/test/klines-server.py" "$DATA/candlestick1h.json" --symbol BTCUSDT --interval 1h \
    --log queries >port &
srv=$!
i=0; until [ -s port ] || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
EXCHANGE_URL=http://127.0.0.1:$(cat port)
export EXCHANGE_URL

R=20251111T0000Z-incremental
FAKE_SLEEP=1 run run-batch incremental --symbols BTCUSDT,ETHUSDT,SOLUSDT --run $R --mode sequential
is "$rc" 0 "a cycle with one coin that cannot be fetched still succeeds"
ev=$(events $R)
like "$ev" "^job_started fetch_failed fetch_failed coin_started" "every fetch comes before the first training"
like "$err" "ETHUSDT: fetch failed \\(status 1\\); no candles stored" "a failed fetch is a warning"
like "$(grep '"fetch_failed"' "$H/logs/$R/engine.log" | head -n 1)" '"candle_age_s":-1' "with the candle age (-1: no candles stored)"
fe=$(grep '"fetch_failed"' "$H/logs/$R/engine.log" | head -n 1)
like "$fe" '"error":"fetch-candles: [A-Z]+' "... and the fetch's reason"
unlike "$fe" 'store left unchanged' "... not the line after it that says the store is as it was"
is "$(status $R ETHUSDT)" "success 1 -" "and the coin still trains"
is "$(grep '"fetch_failed"' "$H/logs/$R/engine.log" | grep -c BTCUSDT)" 0 "the reachable coin was fetched"
# hours_back N — how far back the Nth query for BTCUSDT began, in hours.
hours_back() {
	grep 'symbol=BTCUSDT' queries | sed -n "$1s/.*startTime=\([0-9]*\).*/\1/p" |
		awk -v now="$(date +%s)" '{ printf "%d", (now * 1000 - $1) / 3600000 }'
}
# A coin without a model is trained afresh by the incremental cycle: its
# fetch took a full cycle's candles (TRAIN_LOOKBACK, 10000), not 500.
ok "$(test "$(hours_back 1)" -ge 9000; echo $?)" "no model yet: the incremental cycle fetched the full lookback ($(hours_back 1) h)"
nq=$(grep -c 'symbol=BTCUSDT' queries)
FAKE_SLEEP=0 run run-batch incremental --symbols BTCUSDT --run 20251111T0010Z-incremental
ok "$(test "$(hours_back $((nq + 1)))" -le 501; echo $?)" "with a model: the incremental fetch of 500 ($(hours_back $((nq + 1))) h)"

# Each new model is served at once: a coin's prediction is cached before
# the next coin starts training.
like "$(cat "$H/logs/$R/ETHUSDT/training.log")" "cache: BTCUSDT.json" \
	"BTCUSDT's new prediction was in the cache while ETHUSDT trained"
like "$(cat "$H/logs/$R/SOLUSDT/training.log")" "cache: BTCUSDT.json ETHUSDT.json" "and so on"
like "$(grep '"cache_refreshed"' "$H/logs/$R/engine.log")" '"predictions":3}' \
	"the closing refresh counts each of the 3 coins once"

# The hourly predict cycle fetches the new candles of the coins it serves
# first, so that it predicts from the newest closed candle.
n0=$(grep -c 'symbol=BTCUSDT' queries)
# (The server's candles are of 2020: BTCUSDT's store gets one of 3 hours ago.)
mkdir -p "$H/candles/ETHUSDT" "$H/candles/BTCUSDT"
printf 'open_time,open,high,low,close,volume\n%s,1,1,1,1,1\n' $((($(date +%s) / 3600 - 3) * 3600000)) \
    >"$H/candles/BTCUSDT/1h.csv"
printf 'open_time,open,high,low,close,volume\n1700000000000,1,1,1,1,1\n' >"$H/candles/ETHUSDT/1h.csv"
run run-batch predict --symbols BTCUSDT,ETHUSDT,NEWUSDT --run 20251111T0030Z-predict
is "$rc" 0 "a predict cycle with one coin that cannot be fetched succeeds"
ok "$(test "$(grep -c 'symbol=BTCUSDT' queries)" -gt "$n0"; echo $?)" "BTCUSDT's candles were fetched"
last=$(tail -n 1 "$H/candles/BTCUSDT/1h.csv" | cut -d, -f1)
like "$(grep 'symbol=BTCUSDT' queries | tail -n 1)" "startTime=$((last + 1))" "... those after its newest stored candle"
like "$err" "ETHUSDT: fetch failed \\(status 1\\); predicting from the stored candles \\(newest [0-9]+h" "a failed fetch is a warning"
like "$(events 20251111T0030Z-predict)" "^job_started fetch_failed cache_refreshed" "fetches come before the predictions"
is "$(grep -c 'symbol=NEWUSDT' queries)" 0 "a coin without a model is not fetched"
# A resumed tune run does not fetch: a coin's search resumes only on the
# candles it began with.
TUNE_ENABLED=1 run run-batch tune --symbols BTCUSDT --retries 0 --run 20251111T0050Z-tune
n1=$(grep -c 'symbol=BTCUSDT' queries)
TUNE_ENABLED=1 run run-batch tune --symbols BTCUSDT --retries 0 --force --run 20251111T0050Z-tune
is "$(grep -c 'symbol=BTCUSDT' queries)" "$n1" "a resumed tune run does not fetch again a coin it fetched"
like "$(events 20251111T0050Z-tune)" "fetch_skipped" "... and says why in its log"
# A coin its earlier start did not fetch (it failed, or came later) is.
n2=$(grep -c 'symbol=XRPUSDT' queries)
TUNE_ENABLED=1 run run-batch tune --symbols BTCUSDT,XRPUSDT --retries 0 --force --run 20251111T0050Z-tune
is "$(grep -c 'symbol=BTCUSDT' queries):$(test "$(grep -c 'symbol=XRPUSDT' queries)" -gt "$n2" && echo fetched)" \
    "$n1:fetched" "... but one its earlier starts did not fetch, it does"
FETCH_ENABLED=0 run run-batch predict --symbols BTCUSDT --run 20251111T0040Z-predict --dry-run
unlike "$out" "fetch" "FETCH_ENABLED=0: the plan fetches nothing"
run run-batch predict --symbols BTCUSDT --run 20251111T0040Z-predict --dry-run
like "$out" "steps: +fetch the candles after each served coin's newest first; predict \\| cache-put --ttl 65m" "the plan says so"
kill $srv; wait $srv 2>/dev/null

# The exchange is unreachable: after FETCH_OFFLINE_AFTER temporary
# failures in a row the cycle stops fetching.
EXCHANGE_URL=http://127.0.0.1:9 COINTRAIN_RETRY_BASE_MS=1 FETCH_OFFLINE_AFTER=2 \
	run run-batch incremental --symbols AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT --run 20251111T0100Z-incremental
is "$rc" 0 "offline: the coins still train on their stored candles"
is "$(grep -c '"fetch_failed"' "$H/logs/20251111T0100Z-incremental/engine.log")" 2 "only two fetches were tried"
like "$err" "the exchange looks unreachable \\(2 temporary failures in a row\\): not fetching 2 more coins" "and it says so"
like "$(events 20251111T0100Z-incremental)" "exchange_unreachable" "an exchange_unreachable event"

# A coin removed from the list leaves the cache and the top list.
FETCH_ENABLED=0
SYMBOLS=BTCUSDT,ETHUSDT,SOLUSDT run run-batch predict --run 20251111T0200Z-predict
like "$(cat "$H/cache/top.json")" "SOLUSDT" "SOLUSDT is in the top list"
# A one-off --symbols is not the list: it retires no other coin.
SYMBOLS=BTCUSDT,ETHUSDT,SOLUSDT run run-batch predict --symbols BTCUSDT --run 20251111T0210Z-predict
is "$rc:$(ls "$H/cache/predictions" | tr '\n' ' ')" "0:BTCUSDT.json ETHUSDT.json SOLUSDT.json " \
	"an ad-hoc --symbols run keeps the other coins of SYMBOLS in the cache"
ok "$(grep -q coins_retired "$H/logs/20251111T0210Z-predict/engine.log"; echo $((! $?)))" "and retires none"
SYMBOLS=BTCUSDT,ETHUSDT run run-batch predict --symbols BTCUSDT --run 20251111T0220Z-predict
is "$(grep -o '"event":"coins_retired".*' "$H/logs/20251111T0220Z-predict/engine.log")" \
	'"event":"coins_retired","run":"20251111T0220Z-predict","symbols":"SOLUSDT"}' \
	"with --symbols, a coin SYMBOLS dropped is retired, and only that one"
SYMBOLS=BTCUSDT,ETHUSDT,SOLUSDT run run-batch predict --run 20251111T0230Z-predict
SYMBOLS=BTCUSDT,ETHUSDT run run-batch predict --run 20251111T0300Z-predict
is "$rc" 0 "the next cycle without SOLUSDT"
ok "$(grep -q SOLUSDT "$H/cache/top.json"; echo $((! $?)))" "SOLUSDT is gone from the top list"
ok "$(test ! -e "$H/cache/predictions/SOLUSDT.json"; echo $?)" "and from the cache"
like "$(events 20251111T0300Z-predict)" "coins_retired" "a coins_retired event"
# A file of the cache directory that is no coin's (notes.json) does not
# keep the dropped coins in the cache: cache-put would refuse the whole
# clear for it.
SYMBOLS=BTCUSDT,ETHUSDT,SOLUSDT run run-batch predict --run 20251111T0310Z-predict
echo '{}' >"$H/cache/predictions/notes.json"
SYMBOLS=BTCUSDT,ETHUSDT run run-batch predict --run 20251111T0320Z-predict
is "$rc:$(ls "$H/cache/predictions" | tr '\n' ' ')" "0:BTCUSDT.json ETHUSDT.json notes.json " \
	"a stray notes.json: SOLUSDT retired all the same, the stray file left alone"
rm "$H/cache/predictions/notes.json"
# The predict cycle submits nothing to a cluster: ENGINE=slurm with its
# controller out of reach (a bogus SLURM_CONF) still predicts.
SYMBOLS=BTCUSDT,ETHUSDT ENGINE=slurm SLURM_CONF=$T/no-such-slurm.conf run run-batch predict --run 20251111T0325Z-predict
is "$rc" 0 "ENGINE=slurm, no controller: the predict cycle still runs"
unlike "$err" "slurm engine: scontrol" "and asks the controller nothing"
# Predictions made from stale candles are cached (marked), and said.
SYMBOLS=BTCUSDT,ETHUSDT FAKE_PREDICT_STALE=ETHUSDT run run-batch predict --run 20251111T0330Z-predict
is "$rc" 0 "stale candles: the cycle still caches the coins"
like "$err" "1 of 2 predictions made from stale candles \\(cached, marked \"stale\":true\\): ETHUSDT" "and says which were stale"
like "$(events 20251111T0330Z-predict)" "predictions_stale" "a predictions_stale event"

# Progress: a line per finished coin on a terminal, nothing under cron.
run script -qec "run-batch incremental --symbols AAAUSDT,BBBUSDT --run 20251111T0400Z-incremental" /dev/null
is "$rc" 0 "a cycle on a terminal"
like "$out" "1/2 (AAAUSDT|BBBUSDT) [0-9]+s  AUC 0.52 \\(walk-forward\\)  net [0-9.]+ bps/trade  ETA" "a progress line per coin"
like "$out" "2/2 " "up to the last"
run script -qec "FAKE_NEVER=1 run-batch incremental --symbols AAAUSDT --run 20251111T0405Z-incremental" /dev/null
like "$out" "1/1 AAAUSDT [0-9]+s  AUC 0.52 \\(walk-forward\\)  never trades" \
	"a model that never trades: said so, not its folds' net bps"
run script -qec "FAKE_EVALUATION='held-out after search' run-batch full --symbols AAAUSDT --run 20251111T0410Z-full" /dev/null
like "$out" "1/1 AAAUSDT [0-9]+s  AUC 0.52 \\(held-out after search\\)  net -3.2 bps/trade" \
	"the label as metrics.json says it, figures rounded"
run script -qec "FAKE_FAIL=BBBUSDT run-batch incremental --symbols BBBUSDT --retries 0 --run 20251111T0415Z-incremental" /dev/null
like "$out" "1/1 BBBUSDT failed \\(error\\): train-coin: BBBUSDT: not enough candles" \
	"a failed coin's line gives the reason"
run run-batch incremental --symbols AAAUSDT,BBBUSDT --run 20251111T0500Z-incremental
is "$(printf '%s\n' "$err" | grep -c .)" 2 "not a terminal: only the start and the closing line"

# A SIGTERM while a fetch waits on the exchange (a server that takes the
# connection and never answers) stops the batch at once, the fetch too.
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True); time.sleep(300)' >mute.port &
mute=$!
i=0; until [ -s mute.port ] || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
R=20251111T0600Z-predict
EXCHANGE_URL=http://127.0.0.1:$(cat mute.port) FETCH_ENABLED=1 \
	run-batch predict --symbols AAAUSDT --run $R >/dev/null 2>&1 &
pid=$!
await " fetch$" "$H/logs/$R/AAAUSDT/training.log"
sleep 0.5
t0=$(date +%s)
kill -TERM $pid
wait $pid
is "$?" 130 "SIGTERM during a fetch: exit 130"
ok "$([ $(($(date +%s) - t0)) -le 5 ]; echo $?)" "... within seconds, not once the fetch's tries end"
is "$(leftovers "fetch-candles --symbol AAAUSDT")" 0 "... and no fetch left running"
kill $mute; wait $mute 2>/dev/null
done_testing
