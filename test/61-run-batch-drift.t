#!/bin/sh
# 61-run-batch-drift.t — with the real tools: in the incremental cycle a
# coin whose market left its model (a regime change: volatility x3, edge
# reversed) is retrained from scratch, with a coin_drift event, while a
# stable coin is updated incrementally.
. "$CT_TOP/test/lib.sh"
H=$COINTRAIN_HOME
COINTRAIN_SHARE=$CT_SHARE FETCH_ENABLED=0 BACKUP_ENABLED=0 PREDICT_MAX_AGE=off
TRAIN_LOOKBACK=4000 TRAIN_ROUNDS=20 RESUME_MAX_AGE=off RUNS_KEEP_DAYS=0
export COINTRAIN_SHARE FETCH_ENABLED BACKUP_ENABLED PREDICT_MAX_AGE TRAIN_LOOKBACK TRAIN_ROUNDS \
	RESUME_MAX_AGE RUNS_KEEP_DAYS

# Both coins' models are trained on candles before the change (4600 of
# 6000; the regime series changes at candle 4500); then the rest arrives.
fetch-candles -s STABLE -t 1h --generate --lookback 6000 2>/dev/null
fetch-candles -s SHIFTED -t 1h --generate --kind regime --lookback 6000 2>/dev/null
for s in STABLE SHIFTED; do
	cp "$H/candles/$s/1h.csv" "$s.all"
	head -n 4601 "$s.all" >"$H/candles/$s/1h.csv"
done
run run-batch full --symbols STABLE,SHIFTED --run 20251112T0000Z-full
is "$rc" 0 "the first models"
for s in STABLE SHIFTED; do cp "$s.all" "$H/candles/$s/1h.csv"; done

R=20251112T0600Z-incremental
run run-batch incremental --symbols STABLE,SHIFTED --run $R
is "$rc" 0 "the incremental cycle"
mode() { sed -n 's/^ *"mode": *"\([a-z]*\)".*/\1/p' "$H/models/$1/current/config.json"; }
is "$(mode SHIFTED)" fresh "the drifted coin was retrained from scratch"
is "$(mode STABLE)" incremental "the stable coin was updated incrementally"
ev=$(grep '"event":"coin_drift"' "$H/logs/$R/engine.log")
like "$ev" '"symbol":"SHIFTED"' "a coin_drift event names the coin"
like "$ev" '"max_psi":[0-9.]+' "with its largest PSI"
like "$ev" '"features":".*atr_14' "and the features over the limit"
is "$(grep -c '"event":"coin_drift"' "$H/logs/$R/engine.log")" 1 "only the drifted coin"
like "$err" "drifted, retrained fresh: SHIFTED" "the closing line names it"
like "$(cat "$H/logs/$R/SHIFTED/training.log")" "train-coin .*--fresh" "train-coin --fresh ran for it"
like "$(cat "$H/models/SHIFTED/last-drift.json")" '"drifted":true' "the coin's latest check is kept for coin-status"
sum=$(tr -d ' \n' <"$H/summary/$R/engine_summary.json")
like "$sum" '"drifted":\[\{"symbol":"SHIFTED","max_psi":[0-9.]+' "the run summary lists the drifted coin"
like "$sum" '"SHIFTED":\{[^}]*"evaluation":"walk-forward"' "its new model's figures are walk-forward"
like "$sum" '"STABLE":\{[^}]*"evaluation":"held-out"' "the updated coin's are held-out"

# DRIFT_ENABLED=0: no check, every coin updated.
for s in STABLE SHIFTED; do fetch-candles -s $s -t 1h --generate --lookback 6100 --kind $([ $s = STABLE ] && echo walk || echo regime) 2>/dev/null; done
DRIFT_ENABLED=0 run run-batch incremental --symbols STABLE,SHIFTED --run 20251112T1200Z-incremental
is "$rc:$(grep -c coin_drift "$H/logs/20251112T1200Z-incremental/engine.log")" "0:0" "DRIFT_ENABLED=0: no drift check"
done_testing
