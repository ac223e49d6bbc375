#!/bin/sh
# 20-train-coin.t — train-coin as an operator runs it: the model directory
# and its checksums, `current`, --keep, the per-symbol lock, failures and
# signals that must leave `current` alone, a model failing its self-check
# never published, incremental promotion with a bounded model size, the
# batch event, and usage errors.
. "$CT_TOP/test/lib.sh"

COSTS=$T/costs.csv
cat >"$COSTS" <<'END'
symbol,taker_fee_bps,maker_fee_bps,median_spread_bps,slippage_bps_per_sigma
*,10,10,2,1
END
TC="train-coin --costs $COSTS --threads 1 --rounds 20"
M=$COINTRAIN_HOME/models/WALK

# Stamp directories of a symbol, one per line.
stamps() { ls "$1" | grep -E '^[0-9]{8}_[0-9]{6}Z$'; }
# Anything else that is not .lock, current or a stamp (temporaries).
strays() { ls -A "$1" | grep -Ev '^([0-9]{8}_[0-9]{6}Z|current|\.lock|last-incremental\.json)$'; }

fetch-candles --symbol WALK --timeframe 5m --generate --kind walk --seed 1 --lookback 5000 2>/dev/null
ok $? "generate 5000 candles"

run $TC --symbol WALK --timeframe 5m
is "$rc" 0 "fresh training exits 0"
is "$err" "" "nothing on stderr when it is not a terminal"
cur=$(readlink "$M/current")
is "$out" "$M/$cur" "stdout is the new model directory"
for f in split_indices.json training_log.json model.ubj config.json \
    metrics.json costs.json drift.json sha256.txt; do
	[ -s "$out/$f" ]
	ok $? "model directory has $f"
done
is "$(ls "$out" | tr '\n' ' ')" "config.json costs.json drift.json metrics.json model.ubj sha256.txt split_indices.json training_log.json " \
    "and nothing else (no features.csv, no work files)"
(cd "$out" && sha256sum -c --quiet sha256.txt)
ok $? "sha256sum -c sha256.txt passes in the model directory"
is "$(wc -l <"$out/sha256.txt" | tr -d ' ')" 7 "sha256.txt lists the seven files"
is "$(strays "$M")" "" "no temporaries left"

# On more than one thread, train-coin executes itself again to set
# OMP_WAIT_POLICY: ps, top and pgrep still know it by its name.
# (Between the exec and its first steps the kernel's name, exe, shows:
# what counts is the name it runs under.)
env -u OMP_WAIT_POLICY $TC --threads 2 --symbol WALK --timeframe 5m --rounds 300 >/dev/null 2>&1 &
pid=$!
name='' i=0
while [ $i -lt 500 ] && [ "$name" != train-coin ] && kill -0 $pid 2>/dev/null; do
	tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx 'OMP_WAIT_POLICY=passive' &&
		name=$(cat "/proc/$pid/comm" 2>/dev/null)
	i=$((i + 1))
	sleep 0.01
done
wait $pid
is "$name" train-coin "executed again, the process is still named train-coin (not exe)"
python3 - "$out" <<'END'
import json, sys
d = sys.argv[1]
c = json.load(open(d + "/config.json"))
m = json.load(open(d + "/metrics.json"))
k = json.load(open(d + "/costs.json"))
assert c["symbol"] == "WALK" and c["timeframe"] == "5m" and c["horizon"] == 12
assert 0.5 <= c["threshold"] <= 1 and c["rounds"] >= 1 and c["max_rounds"] > c["rounds"]
assert c["features"]["version"] == 1 and c["warmup"] == c["features"]["warmup"]
assert len(c["selfcheck"]) == 20 and c["candles_used"] == 5000
assert len(m["folds"]) == 4 and m["evaluation"] == "walk-forward"
for key in ("auc", "logloss", "trades", "hit_rate", "gross_bps_per_trade",
            "net_bps_after_costs", "total_net_bps", "max_drawdown_bps", "buy_hold_bps"):
    assert key in m["aggregate"], key
assert len(m["equity_curve"]) <= 200
assert k["median_spread_bps"] == 2 and k["row"] == "*"
END
ok $? "config.json, metrics.json and costs.json carry the documented fields"

# The cost table: built-in lookup through COINTRAIN_SHARE; a missing
# spread is estimated and costs.json says so.
COINTRAIN_SHARE=$CT_SHARE run train-coin --threads 1 --rounds 5 --symbol WALK --timeframe 5m
is "$rc" 0 "default cost table from \$COINTRAIN_SHARE"
like "$(cat "$out/costs.json")" "Corwin-Schultz" "estimated spread is noted in costs.json"

# --keep-features: features.csv too, one row per labelled candle, in sha256.txt.
run $TC --keep-features --symbol WALK --timeframe 5m
is "$rc:$(wc -l <"$out/features.csv" | tr -d ' ')" "0:$((5000 - 103 - 12 + 1))" "--keep-features writes features.csv"
grep -q '  features.csv$' "$out/sha256.txt"
ok $? "and lists it in sha256.txt"
(cd "$out" && sha256sum -c --quiet sha256.txt)
ok $? "which sha256sum -c still passes"

# --memory: a small budget sends the larger matrices to XGBoost's
# external memory, which trains the very same model.
fetch-candles --symbol BIG --timeframe 5m --generate --kind edge --seed 8 --lookback 20000 2>/dev/null
a=$($TC --symbol BIG --timeframe 5m)
b=$($TC --memory 32 --symbol BIG --timeframe 5m)
is "$(sha256sum <"$b/model.ubj"):$(sha256sum <"$b/metrics.json")" \
    "$(sha256sum <"$a/model.ubj"):$(sha256sum <"$a/metrics.json")" "--memory 32 (external memory): the same model and metrics"
run $TC --memory 31 --symbol BIG --timeframe 5m
is "$rc" 2 "--memory below 32 is a usage error"
# --threads is a ceiling: a coin of 20000 rows trains on one thread,
# the very model --threads 1 trains.
c=$(train-coin --costs "$COSTS" --threads 4 --rounds 20 --symbol BIG --timeframe 5m)
is "$(jget "$c/training_log.json" 'j["threads"]'):$(jget "$c/config.json" 'j["params"]["nthread"]')" '1:"1"' \
    "--threads 4 on 20000 rows: one thread used, and recorded"
is "$(sha256sum <"$c/model.ubj")" "$(sha256sum <"$a/model.ubj")" "--threads 4 on 20000 rows: the model of --threads 1"
# --row-step: every Nth candle of each training window; without it,
# 20000 candles are too few for a step (every candle, 1).
is "$(jget "$c/config.json" 'j["params"]["row_step"]')" 1 "config.json records the row step: 1 for a short lookback"
run $TC --symbol BIG --timeframe 5m --row-step 2
is "$rc:$(jget "$out/config.json" 'j["params"]["row_step"]')" 0:2 "--row-step 2: recorded in config.json"
is "$(jget "$out/training_log.json" '[e["train_rows"] - (e["train"][1] - e["train"][0] + 1) // 2 in (0, -1, 1) and e["train_rows"] < e["train"][1] - e["train"][0] for e in j["events"] if e["event"] == "fold_started"]')" \
    "[true, true, true, true]" "... each fold trains on every other row of its window"
is "$(jget "$out/metrics.json" 'j["aggregate"]["rows"]')" "$(jget "$c/metrics.json" 'j["aggregate"]["rows"]')" \
    "... and is scored on every row of its validation blocks"
# (Against the plain build only, for make check's time: unit_train
# checks the same under the sanitizers.)
if [ -n "${CT_SANITIZER:-}" ]; then
	skip 1 "external memory, stepped: unit_train under a sanitizer"
else
	b=$($TC --memory 32 --symbol BIG --timeframe 5m --row-step 2)
	is "$(sha256sum <"$b/model.ubj"):$(sha256sum <"$b/metrics.json")" \
	    "$(sha256sum <"$out/model.ubj"):$(sha256sum <"$out/metrics.json")" "... in external memory too: the same model and metrics"
fi
run $TC --symbol BIG --timeframe 5m --row-step 0
is "$rc" 2 "--row-step 0 is a usage error"
before=$(readlink "$COINTRAIN_HOME/models/BIG/current")
run $TC --symbol BIG --timeframe 5m --row-step 80
is "$rc:$(readlink "$COINTRAIN_HOME/models/BIG/current")" "1:$before" "a step that leaves fold 1 too few rows: exit 1, nothing published"
like "$err" "^train-coin: BIG: a row step of 80 leaves fold 1 [0-9]+ of its [0-9]+ training candles \\(50 at least: a smaller --row-step or a longer --lookback\\)$" \
    "... saying so (not XGBoost's words)"
# The early-stopping block takes the step too: one left fewer than 50 rows
# to stop on is refused as well (fold 1's 3000-odd training candles keep
# 79 at a step of 40, its 792 early-stopping candles 19).
run $TC --symbol BIG --timeframe 5m --row-step 40
is "$rc:$(readlink "$COINTRAIN_HOME/models/BIG/current")" "1:$before" "a step that leaves fold 1's early stopping too few rows: exit 1, nothing published"
like "$err" "^train-coin: BIG: a row step of 40 leaves fold 1 [0-9]+ of its [0-9]+ early-stopping candles \\(50 at least: a smaller --row-step or a longer --lookback\\)$" \
    "... saying so"

# A random walk never trades: on 10 walks of 10000 candles none gets a
# threshold (seed 9's best threshold over all folds' predictions was
# positive, while its folds, each at a threshold picked on the folds
# before, lost money or never traded).
traded='' n=$(replicates 10)
for s in $(seq 1 "$n"); do
	fetch-candles --symbol RW$s --timeframe 5m --generate --kind walk --seed $s --lookback 12000 2>/dev/null
	d=$(train-coin --costs "$COSTS" --threads 1 --symbol RW$s --timeframe 5m --lookback 10000 2>/dev/null)
	[ "$(jget "$d/config.json" 'j["threshold"]')" = 1.0 ] || traded="$traded RW$s"
done
is "$traded" "" "$n random walks: no model trades"
# Nor on a few trades: these walks of 3000 1h candles (of 120, the three
# that did) traded on their later folds' 2, 9 and 16 trades for a few
# bps in all; such a result is noise, not evidence.
traded=''
for s in 32 59 116; do
	fetch-candles --symbol C$s --timeframe 1h --generate --kind walk --seed $s \
	    --start 2026-07-28T19:00:00Z --lookback 3000 2>/dev/null
	d=$(train-coin --threads 1 --symbol C$s --timeframe 1h 2>/dev/null)
	[ "$(jget "$d/config.json" 'j["threshold"]')" = 1.0 ] || traded="$traded C$s"
done
is "$traded" "" "3 random walks whose later folds made money on a few trades: no model trades"
like "$(jget "$d/config.json" 'j["threshold_source"]')" "beyond noise: at least 10 trades" \
    "config.json says what the later folds must show"
d=$(train-coin --costs "$COSTS" --threads 1 --symbol RW1 --timeframe 5m --lookback 10000 --folds 1 2>/dev/null)
like "$(jget "$d/config.json" '[j["threshold"], j["threshold_source"]]')" '^\[1.0, "one fold: ' \
    "one fold: never trades, and says it is for want of a fold to try a threshold on"
like "$(jget "$d/config.json" 'j["threshold_source"]')" "never trade" "... and config.json says why"

# Progress: on stderr with --progress, and as events in training_log.json;
# the last line sums the model up, saying what its figures are.
run $TC --progress --symbol WALK --timeframe 5m
like "$err" "^train-coin: WALK: fold 1/4 round 1, stop-logloss 0\.[0-9]+, ETA [0-9]+s" "--progress reports fold, round, metric and ETA"
like "$err" "fold 4/4 done: [0-9]+ rounds, walk-forward AUC 0\.[0-9]+" "and each fold's result"
like "$(printf '%s\n' "$err" | tail -1)" "^train-coin: WALK: walk-forward AUC 0\.[0-9]+ over 4 folds, [0-9]+ trades, net -?[0-9.]+ bps/trade \(-?[0-9]+ bps in all\) vs buy-and-hold -?[0-9]+ bps; (threshold 0\.[0-9]+|this model never trades)$" \
    "and ends with one summary line"
python3 - "$out" <<'END'
import json, sys
ev = [e["event"] for e in json.load(open(sys.argv[1] + "/training_log.json"))["events"]]
assert ev.count("fold_started") == 4 and ev.count("fold_done") == 4, ev
assert "round" in ev and "final_done" in ev and ev[-1] == "done", ev
END
ok $? "training_log.json holds the same events"

# --keep: three more runs with --keep 2 leave two directories, current newest.
for i in 1 2 3; do $TC --keep 2 --symbol WALK --timeframe 5m >/dev/null || echo fail; done
is "$(stamps "$M" | wc -l | tr -d ' ')" 2 "--keep 2 keeps two model directories"
is "$(readlink "$M/current")" "$(stamps "$M" | tail -1)" "current is the newest"

# A failure after the lock is taken (too many folds for the data): exit 1,
# current untouched, nothing left behind.
before=$(readlink "$M/current")
list=$(ls -A "$M")
run $TC --folds 50 --horizon 100 --symbol WALK --timeframe 5m
is "$rc" 1 "failed training exits 1"
like "$err" "too few for 50 folds" "and says why"
is "$out" "" "prints no model directory"
is "$(readlink "$M/current")" "$before" "current is untouched by a failure"
is "$(ls -A "$M")" "$list" "a failure leaves no directory behind"

# The per-symbol lock: a second train-coin of the same coin refuses.
flock "$M/.lock" sh -c "$TC --symbol WALK --timeframe 5m >'$T/o' 2>'$T/e'; echo \$? >'$T/rc'"
is "$(cat "$T/rc")" 6 "a locked symbol exits 6 (locked)"
is "$(cat "$T/e")" "train-coin: $M: locked by another train-coin" "with a clear message"

# A signal mid-training: current untouched, no new stamp; the temporary
# directory keeps its checkpoint for the next run, which resumes and
# leaves nothing behind.
fetch-candles --symbol SLOW --timeframe 5m --generate --kind edge --seed 2 --lookback 10000 2>/dev/null
$TC --symbol SLOW --timeframe 5m >/dev/null
S=$COINTRAIN_HOME/models/SLOW
before=$(readlink "$S/current")
env -u OMP_WAIT_POLICY train-coin --costs "$COSTS" --threads 1 --rounds 100000 \
    --early-stop 100000 --symbol SLOW --timeframe 5m >"$T/o" 2>"$T/e" &
pid=$!
i=0
while [ $i -lt 200 ] && ! ls "$S"/.tmp-*/training_log.json >/dev/null 2>&1; do
	sleep 0.05
	i=$((i + 1))
done
# It is training: any execution of itself again is behind it.
is "$(tr '\0' '\n' <"/proc/$pid/environ" | grep -c '^OMP_WAIT_POLICY='):$(cat "/proc/$pid/comm")" \
    "0:train-coin" "on one thread train-coin does not execute itself again"
kill -TERM $pid
{ wait $pid; } 2>/dev/null
is "$?" 143 "killed by SIGTERM"
is "$(readlink "$S/current")" "$before" "current is untouched by a signal"
is "$(stamps "$S")" "$before" "no new stamp directory"
like "$(ls -A "$S")" "^\.tmp-" "the temporary directory stays"
[ -s "$(ls -d "$S"/.tmp-*/work/checkpoint | head -1)/identity.json" ]
ok $? "with its checkpoint"
is "$(cat "$T/o")" "" "nothing on stdout"
run $TC --symbol SLOW --timeframe 5m
is "$rc" 0 "the next run (other options) trains"
is "$(strays "$S")" "" "and leaves no temporary directory"

# A price so large that the newest candles' features overflow: the model
# fails its self-check and is not published (it was, and predict died).
fetch-candles --symbol HUGE --timeframe 5m --generate --kind walk --seed 6 --lookback 3000 2>/dev/null
$TC --symbol HUGE --timeframe 5m >/dev/null
H=$COINTRAIN_HOME/models/HUGE
before=$(readlink "$H/current")
last=$(tail -1 "$COINTRAIN_HOME/candles/HUGE/5m.csv" | cut -d, -f1)
cp "$COINTRAIN_HOME/candles/HUGE/5m.csv" "$T/huge.orig"
for i in 1 2 3 4 5; do
	echo "$((last + i * 300000)),1e308,1e308,1e308,1e308,1"
done >>"$COINTRAIN_HOME/candles/HUGE/5m.csv"
run $TC --symbol HUGE --timeframe 5m
is "$rc" 1 "a model failing its self-check: exit 1"
# The store reader refuses the rows first (the self-check and the feature
# check behind it are the next lines of defence, tested in unit_train).
like "$err" "candles/HUGE/5m.csv:3002: price outside 1e-12..1e12 \\(features would not be finite\\)" "says so, by file and line"
is "$(readlink "$H/current")" "$before" "current untouched"
is "$out:$(strays "$H")" ":" "nothing published, nothing left behind"
# In the middle of the store: the rows are refused, by file and line.
{ sed -n '1,2001p' "$T/huge.orig"
  sed -n '2002p' "$T/huge.orig" | awk -F, '{ print $1 ",1e308,1e308,1e308,1e308,1" }'
  sed -n '2003,$p' "$T/huge.orig"; } >"$COINTRAIN_HOME/candles/HUGE/5m.csv"
run $TC --symbol HUGE --timeframe 5m
is "$rc" 1 "huge prices inside the training rows: exit 1"
like "$err" "candles/HUGE/5m.csv:2002: price outside 1e-12..1e12 \\(features would not be finite\\)" \
    "named by file and line"
is "$(readlink "$H/current")" "$before" "current untouched"

# Batch event once the partial outputs exist.
COINTRAIN_EVENT_LOG=$T/engine.log COINTRAIN_RUN=20251112T0600Z-full \
    $TC --symbol WALK --timeframe 5m >/dev/null
like "$(cat "$T/engine.log")" '"event": ?"coin_partial_saved".*"run": ?"20251112T0600Z-full"|"run": ?"20251112T0600Z-full".*"coin_partial_saved"' \
    "coin_partial_saved is logged"

# Incremental updates on a growing store: each exits 0, prints the serving
# model, and the model never outgrows its cap.
fetch-candles --symbol INC --timeframe 5m --generate --kind edge --seed 3 --lookback 6000 2>/dev/null
$TC --symbol INC --timeframe 5m >/dev/null
I=$COINTRAIN_HOME/models/INC
promoted=0 kept=0 bad=0 refit=0
for n in 1 2 3 4 5 6 7 8 9 10; do
	fetch-candles --symbol INC --timeframe 5m --generate --kind edge --seed 3 \
	    --lookback $((6000 + 300 * n)) 2>/dev/null
	prev=$(readlink "$I/current")
	$TC --incremental --symbol INC --timeframe 5m >"$T/o" 2>"$T/e" || bad=$((bad + 1))
	now=$(readlink "$I/current")
	if [ $n = 1 ]; then
		cp "$I/current/training_log.json" "$T/first-log.json"
		cp "$I/last-incremental.json" "$T/first-kept.json" 2>/dev/null
	fi
	[ "$(cat "$T/o")" = "$I/$now" ] || bad=$((bad + 1))
	(cd "$I/current" && sha256sum -c --quiet sha256.txt) || bad=$((bad + 1))
	if [ "$now" = "$prev" ]; then
		kept=$((kept + 1))
		grep -q "not promoted" "$T/e" || bad=$((bad + 1))
	else
		promoted=$((promoted + 1))
		# A promoted update has learnt the held-out candles too.
		python3 -c "
import json, sys
c = json.load(open('$I/current/config.json'))
s = json.load(open('$I/current/split_indices.json'))
sys.exit(c['trained']['to'] != s['heldout']['to'])" || refit=$((refit + 1))
		# Its log counts the rounds it ran (it said 0).
		python3 -c "
import json, sys
sys.exit(json.load(open('$I/current/training_log.json'))['rounds_trained'] <= 0)" || bad=$((bad + 1))
	fi
	python3 -c "
import json, sys
c = json.load(open('$I/current/config.json'))
sys.exit(not (c['rounds'] <= c['max_rounds'] <= c['rounds'] + 60))" || bad=$((bad + 1))
done
is "$bad" 0 "10 incremental updates: exit 0, stdout = current, verified, rounds <= max_rounds, rounds_trained counted"
echo "# incremental: $promoted promoted, $kept kept"
ok $((promoted == 0)) "some incremental updates are promoted"
is "$refit" 0 "every promoted update was refitted over the held-out candles too"
python3 -c "
import json, sys
m = json.load(open('$I/current/metrics.json'))
sys.exit(m['evaluation'] != 'held-out')"
ok $? "an update's metrics.json says its figures are held-out"
python3 -c "
import json, sys
ev = json.load(open('$T/first-log.json'))['events']
try:
    ev.append(json.load(open('$T/first-kept.json')))
except OSError:
    pass
v = [e for e in ev if 'heldout_rows_seen_by_current' in e]
# 300 labelled rows the model never saw (the 12 unlabelled at its
# training are labelled now, the newest 12 not yet), less the purge gap
# of 13: 287 held out.
sys.exit(not v or v[0]['heldout_rows_seen_by_current'] != 0 or
         v[0]['heldout']['rows'][1] - v[0]['heldout']['rows'][0] != 287)"
ok $? "the first update is judged on the new candles alone, past the purge gap: none seen by the model"
# No new candle: nothing unseen could judge an update, so none is tried.
prev=$(readlink "$I/current")
run $TC --incremental --symbol INC --timeframe 5m
is "$rc:$out:$(readlink "$I/current")" "0:$I/$prev:$prev" "no new candles: exit 0, the current model kept"
like "$err" "INC: incremental update not tried: 0 labelled candles since the model's newest \\([0-9T:-]+Z\\), 61 needed to judge one" \
    "... saying why"
is "$(jget "$I/last-incremental.json" '[j["reason"], j["promoted"], j["new_rows"]]')" '["too few new candles", false, 0]' \
    "... and recorded in last-incremental.json"
[ $kept -eq 0 ] || [ -s "$I/last-incremental.json" ]
ok $? "a kept update is recorded in last-incremental.json"

# Options only a fresh model uses are said to go unused by an update.
run $TC --incremental --symbol INC --timeframe 5m --folds 2 --horizon 6
like "$err" "INC: an update keeps its model's horizon and trains no folds: --rounds, --folds, --horizon not used \\(--fresh uses it\\)" \
    "--rounds, --folds and --horizon with an update: said, not silently dropped"
run $TC --incremental --symbol INC --timeframe 5m --row-step 2
like "$err" "INC: an update keeps its model's horizon and trains no folds: --rounds, --row-step not used \\(--fresh uses it\\)" \
    "--row-step with an update (it trains on all its new candles): said"
# A model copied from another coin's directory is not updated as this one's.
cp -a "$I" "$COINTRAIN_HOME/models/CPY" && cp -a "$COINTRAIN_HOME/candles/INC" "$COINTRAIN_HOME/candles/CPY"
run $TC --incremental --symbol CPY --timeframe 5m
like "$rc:$err" "^1:train-coin: $COINTRAIN_HOME/models/CPY/[0-9_]+Z: current model is for INC, not CPY$" \
    "an update of another coin's model: refused, named"

# Gaps in the candles trained on are said (features span them).
fetch-candles --symbol GAP --timeframe 5m --generate --kind edge --seed 3 --lookback 5000 2>/dev/null
awk 'NR == 1 || NR < 2000 || NR > 2300' "$COINTRAIN_HOME/candles/GAP/5m.csv" >gap.csv &&
    mv gap.csv "$COINTRAIN_HOME/candles/GAP/5m.csv"
run $TC --symbol GAP --timeframe 5m
like "$rc:$err" "^0:train-coin: GAP: 1 gap in the candles trained on, 301 candles missing \\(the longest 301, [0-9T:-]+Z to [0-9T:-]+Z\\): features and labels span them" \
    "a gap in the store: trained, and said"
is "$(jget "$out/training_log.json" '[e["missing"] for e in j["events"] if e["event"] == "gaps"]')" "[301]" \
    "... and recorded in training_log.json"

# --incremental without a model trains a fresh one.
fetch-candles --symbol NEW --timeframe 5m --generate --seed 4 --lookback 3000 2>/dev/null
run $TC --incremental --symbol NEW --timeframe 5m
is "$rc" 0 "--incremental without a current model trains fresh"
like "$err" "no current model" "and says so"
c=$(readlink "$COINTRAIN_HOME/models/NEW/current")
# One whose current names a directory gone is a damaged model, not none:
# said so, with what makes a new one.
ln -sfn 20200101_000000Z "$COINTRAIN_HOME/models/NEW/current"
run $TC --incremental --symbol NEW --timeframe 5m
is "$rc:$err" "1:train-coin: $COINTRAIN_HOME/models/NEW/current -> 20200101_000000Z: the model directory is gone (train-coin --fresh makes a new one)" \
    "--incremental with current naming a directory gone: exit 1, said so"
ln -sfn "$c" "$COINTRAIN_HOME/models/NEW/current"

# Usage and input errors.
run train-coin --symbol WALK --timeframe 5m --rounds x
is "$rc" 2 "bad number is a usage error"
run train-coin --symbol walk --timeframe 5m
is "$rc:$err" "2:train-coin: --symbol: not a symbol ([A-Z0-9][A-Z0-9._-]{0,31}): \"walk\"" "bad symbol"
run train-coin --symbol WALK --timeframe 5m --fresh --incremental
is "$rc" 2 "--fresh and --incremental exclude each other"
run train-coin -V
like "$rc:$out" "^0:train-coin .*[0-9]+\.[0-9]+" "-V prints the version"
run $TC --symbol NONE --timeframe 5m
is "$rc" 1 "no candles is a failure"
like "$err" "candles/NONE/5m.csv: No such file" "naming the store"
[ ! -e "$COINTRAIN_HOME/models/NONE" ]
ok $? "and creates no model directory"
# Open times off the timeframe's grid: a store in seconds, a row half a
# candle off (after a blank line, which a store may hold).  Refused by
# file and line; the coin's model kept.
mkdir -p "$COINTRAIN_HOME/candles/SECS" "$COINTRAIN_HOME/candles/OFF"
awk -F, 'BEGIN { OFS = "," } NR > 1 { $1 = int($1 / 1000) } { print }' \
    "$COINTRAIN_HOME/candles/WALK/5m.csv" >"$COINTRAIN_HOME/candles/SECS/5m.csv"
awk -F, 'BEGIN { OFS = "," } NR == 100 { print "" } NR == 1500 { $1 = sprintf("%.0f", $1 + 150000) } { print }' \
    "$COINTRAIN_HOME/candles/WALK/5m.csv" >"$COINTRAIN_HOME/candles/OFF/5m.csv"
run $TC --symbol SECS --timeframe 5m
like "$rc:$err" "^1:train-coin: [^ ]*candles/SECS/5m.csv:3: open time 1970-[^ ]* is 300 ms after the row before: not a whole number of candles of 300000 ms" \
    "open times in seconds: refused, file and line named"
w=$(readlink "$COINTRAIN_HOME/models/WALK/current")
cp "$COINTRAIN_HOME/candles/WALK/5m.csv" walk-keep.csv
cp "$COINTRAIN_HOME/candles/OFF/5m.csv" "$COINTRAIN_HOME/candles/WALK/5m.csv"
run $TC --symbol WALK --timeframe 5m
like "$rc:$err" "^1:train-coin: [^ ]*candles/WALK/5m.csv:1501: open time .* is 450000 ms after the row before" \
    "a row half a candle off the grid: refused at its line (a blank line before it counted)"
is "$(readlink "$COINTRAIN_HOME/models/WALK/current")" "$w" "... and the coin's model kept"
cp walk-keep.csv "$COINTRAIN_HOME/candles/WALK/5m.csv"
run train-coin --costs "$T/nope.csv" --symbol WALK --timeframe 5m
is "$rc:$err" "1:train-coin: $T/nope.csv: No such file or directory" "missing cost table"
run train-coin --costs '' --symbol SYNTH --timeframe 5m
is "$rc:$err" "1:train-coin: --costs: an empty file name" "an empty --costs: said so (was ': No such file')"
printf 'symbol,taker_fee_bps,maker_fee_bps,median_spread_bps,slippage_bps_per_sigma\n*,10,10,,2\nWALK,10,10,0.%070d1,1\n' 0 >"$T/long.csv"
run train-coin --costs "$T/long.csv" --symbol WALK --timeframe 5m
is "$rc:$err" "1:train-coin: $T/long.csv:3: median_spread_bps: longer than 63 characters" \
    "a cost field too long to read whole: exit 1, file and line named"
printf 'symbol,taker_fee_bps,maker_fee_bps,median_spread_bps,slippage_bps_per_sigma\n*,10,-1,,2\n' >"$T/neg.csv"
run train-coin --costs "$T/neg.csv" --symbol WALK --timeframe 5m
is "$rc:$err" "1:train-coin: $T/neg.csv:2: maker_fee_bps: not a non-negative number: \"-1\"" \
    "a negative fee: exit 1, file, line and column named"
# A cost past the whole price: a typo (1e308 made the round trip
# infinite, and train-coin failed without a word after training).
printf 'symbol,taker_fee_bps,maker_fee_bps,median_spread_bps,slippage_bps_per_sigma\n*,1e308,10,,2\n' >"$T/big.csv"
run train-coin --costs "$T/big.csv" --symbol WALK --timeframe 5m
is "$rc:$err" "1:train-coin: $T/big.csv:2: taker_fee_bps: 1e308 is more than 10000 bps (the whole price)" \
    "a fee of 1e308 bps: exit 1, file, line and field named"

# Published, but its directory could not be printed: exit 1, and said so
# (the exit alone would read as "nothing was published").
if [ -w /dev/full ]; then
	before=$(readlink "$M/current")
	run sh -c '"$@" >/dev/full' sh $TC --symbol WALK --timeframe 5m --fresh
	is "$rc" 1 "stdout full after publishing: exit 1"
	like "$err" "train-coin: WALK: the new model is published \\(current names it\\), but its directory could not be printed
train-coin: stdout: No space left on device" "... saying the model is published, and why it was not printed"
	ok "$([ "$(readlink "$M/current")" != "$before" ]; echo $?)" "... as current says"
else
	ok 0 "# SKIP no /dev/full"; ok 0 "# SKIP"; ok 0 "# SKIP"
fi

done_testing
