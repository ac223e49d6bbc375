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

# coin-status: the check was of the model the retrain replaced, so it
# says nothing of the new one (no drifted flag) until the next check.
run coin-status --json SHIFTED
is "$(printf '%s' "$out" | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(r["drift"]["stale"], r["drift"]["drifted"], "drifted" in r["flags"])')" \
	"True True False" "coin-status: the check before the retrain is stale, no drifted flag"
run coin-status SHIFTED
like "$out" "SHIFTED .* unchecked" "the table says the new model is unchecked"

# The next cycle, with no new candle: the retrained coin still drifts
# (its lookback holds both markets, the window only the new one), but the
# window holds no candle its training did not: a second retrain would see
# the same candles.  It is updated instead, and the event says so.
R2=20251112T0700Z-incremental
run run-batch incremental --symbols STABLE,SHIFTED --run $R2
is "$rc" 0 "the next incremental cycle"
ev=$(grep '"event":"coin_drift"' "$H/logs/$R2/engine.log")
like "$ev" '"symbol":"SHIFTED"' "the coin is still found drifted"
like "$ev" '"unseen":[0-9]+,"window":1500,"retrain":false' "with the window's unseen candles, and no retrain"
like "$(cat "$H/models/SHIFTED/last-drift.json")" '"reference":"models/SHIFTED/[0-9_Z]+","trained_to":"[0-9TZ:-]+","unseen":[0-9]+' \
	"check-drift names the reference, its newest training candle and the unseen candles"
like "$(grep train-coin "$H/logs/$R2/SHIFTED/training.log")" "--incremental" "train-coin --incremental ran for it"
like "$err" "drifted within their training candles, not retrained \\(an update was tried\\): SHIFTED" "the closing line says why"
unlike "$err" "retrained fresh" "no coin retrained fresh"
run coin-status --json SHIFTED
is "$(printf '%s' "$out" | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(r["drift"]["stale"], "drifted" in r["flags"], r["drift"]["unseen"] < 300)')" \
	"False True True" "coin-status: checked against the serving model's reference: drifted, few unseen candles"

# DRIFT_ENABLED=0: no check, every coin updated.
for s in STABLE SHIFTED; do fetch-candles -s $s -t 1h --generate --lookback 6100 --kind $([ $s = STABLE ] && echo walk || echo regime) 2>/dev/null; done
DRIFT_ENABLED=0 run run-batch incremental --symbols STABLE,SHIFTED --run 20251112T1200Z-incremental
is "$rc:$(grep -c coin_drift "$H/logs/20251112T1200Z-incremental/engine.log")" "0:0" "DRIFT_ENABLED=0: no drift check"

# A damaged reference (drift.json edited, its checksum no longer holds):
# the check fails for that coin, which is retrained from scratch (a new
# reference) instead of updated (which carried the damaged one on), said,
# and the cycle exits 1.
echo '{}' >>"$H/models/STABLE/current/drift.json"
for s in STABLE SHIFTED; do fetch-candles -s $s -t 1h --generate --lookback 6200 --kind $([ $s = STABLE ] && echo walk || echo regime) 2>/dev/null; done
R3=20251112T1800Z-incremental
run run-batch incremental --symbols STABLE,SHIFTED --run $R3
is "$rc" 1 "a failed drift check: the cycle exits 1"
like "$err" "drift check FAILED, retrained fresh: STABLE" "the closing line says so"
is "$(mode STABLE)" fresh "the coin is retrained from scratch"
ok "$(cd "$H/models/STABLE/current" && sha256sum -c --quiet sha256.txt >/dev/null 2>&1; echo $?)" \
    "its new model verifies, drift.json included"
like "$(grep '"event":"coin_drift"' "$H/logs/$R3/engine.log")" '"symbol":"STABLE".*"error":"its drift check failed' \
    "a coin_drift event with the error"
# The failed check named the model it could not check: the new model is
# unchecked, not in error.
is "$(coin-status -o drift STABLE | sed -n 2p)" unchecked "coin-status: the new model's drift is unchecked (not error)"
like "$(summarize --dashboard --no-cache-check 2>/dev/null | grep '^drift')" "[1-9][0-9]* unchecked since a retrain" \
    "the dashboard counts it unchecked"
done_testing
