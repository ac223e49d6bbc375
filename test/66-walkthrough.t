#!/bin/sh
# 66-walkthrough.t — the questions of a new operator's first week, each
# answered by one command (cointrain(7) EXAMPLES, README), on a data home
# built with the real tools.
. "$CT_TOP/test/lib.sh"
H=$COINTRAIN_HOME
COINTRAIN_SHARE=$CT_SHARE FETCH_ENABLED=0 BACKUP_ENABLED=1 PREDICT_MAX_AGE=off
TRAIN_LOOKBACK=3000 TRAIN_ROUNDS=15 RESUME_MAX_AGE=off RUNS_KEEP_DAYS=0 TIMEFRAME=1h
export COINTRAIN_SHARE FETCH_ENABLED BACKUP_ENABLED PREDICT_MAX_AGE TRAIN_LOOKBACK TRAIN_ROUNDS \
	RESUME_MAX_AGE RUNS_KEEP_DAYS TIMEFRAME
for s in AAAUSDT BBBUSDT; do
	fetch-candles -s $s -t 1h --generate --kind edge --seed ${#s} --lookback 3000 2>/dev/null
done
fetch-candles -s CCCUSDT -t 1h --generate --lookback 50 2>/dev/null	# too few candles: fails
mkdir -p "$H" && printf 'AAAUSDT\nBBBUSDT\nCCCUSDT\n' >"$H/symbols"
SYMBOLS=$H/symbols
export SYMBOLS
run run-batch full --run 20251109T0200Z-full
is "$rc" 1 "a first full cycle (one coin cannot train)"

# Which coins have a model, and how old?
run coin-status
is "$rc" 0 "coin-status"
like "$out" "AAAUSDT .*walk-forward" "AAAUSDT's model, its figures labelled walk-forward"
like "$(printf '%s\n' "$out" | grep CCCUSDT)" "no-model" "CCCUSDT has none, and says so"

# Which coin failed in the last run, and why?
run ledger show latest --table
like "$out" "CCCUSDT +failed .*too few" "ledger show latest --table: the coin and its error"

# What would the next run do?
run run-batch incremental --dry-run
like "$out" "symbols: +3 to do: AAAUSDT BBBUSDT CCCUSDT" "run-batch --dry-run: the plan"

# How do I add or retire a coin?  Edit the list SYMBOLS names.
run run-batch --show-config
like "$out" "^SYMBOLS=$H/symbols +# environment" "run-batch --show-config says which list"
sed -i '/^BBBUSDT$/d' "$H/symbols"
run run-batch predict --run 20251109T0300Z-predict
ok "$(test ! -e "$H/cache/predictions/BBBUSDT.json"; echo $?)" "a retired coin leaves the cache at the next cycle"
# ... and cointrain(7)'s recipe for a list of one's own, in a data home
# with the shipped configuration: the current list, plus a coin.
mkdir "$T/own"
run env -u SYMBOLS COINTRAIN_HOME="$T/own" sh -c '
	run-batch full --dry-run | sed -n "s/^coins: *[0-9]* in the run: //p" |
	    tr " " "\n" >$COINTRAIN_HOME/symbols
	echo "SYMBOLS=$COINTRAIN_HOME/symbols" >>$COINTRAIN_HOME/cointrain.conf
	echo PEPEUSDT >>$COINTRAIN_HOME/symbols
	run-batch full --dry-run'
like "$rc:$(printf '%s\n' "$out" | grep '^symbols')" "^0:symbols: +21 to do: BTCUSDT .* PEPEUSDT$" \
	"cointrain(7): top20 written to a file, a coin added to it"

# How do I clear one coin's cache?
run cache-put --clear AAAUSDT
is "$rc" 0 "cache-put --clear AAAUSDT"
like "$err" "AAAUSDT" "says what it removed"
run cache-get AAAUSDT
is "$rc" 3 "the entry is gone (a miss)"

# How do I restore last week's models?
old=$(readlink "$H/models/AAAUSDT/current")
sleep 1
run run-batch full --run 20251110T0200Z-full --symbols AAAUSDT
ok "$(test "$(readlink "$H/models/AAAUSDT/current")" != "$old"; echo $?)" "a newer model"
archive=$(ls "$H"/backups/models-*.tar.gz | tail -n 1)
run model-backup --restore "$archive" AAAUSDT
is "$rc" 0 "model-backup --restore ARCHIVE AAAUSDT"
is "$(readlink "$H/models/AAAUSDT/current")" "$old" "the model from before the retrain serves again"

# How do I watch a running batch?
run ledger list
like "$out" "20251110T0200Z-full +full" "ledger list: every run with its state"
like "$(ledger show latest-full --table)" "STARTED" "ledger show latest-full --table: start times of running coins"

# How good is coin X's model against buy and hold?
run coin-status --json AAAUSDT
like "$out" '"buy_hold_bps"' "coin-status --json AAAUSDT: net after costs against buy and hold"
done_testing
