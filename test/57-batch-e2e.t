#!/bin/sh
# 57-batch-e2e.t — run-batch with the real tools on small synthetic data:
# a full cycle, predictions served from the cache, the summary; then a
# kill -9 in the middle of an incremental cycle and its resume.
. "$CT_TOP/test/lib.sh"
H=$COINTRAIN_HOME
# Planted edges long enough to trade (a model trades only on evidence
# beyond noise: 2500 1h candles of one are too few).
COINTRAIN_SHARE=$CT_SHARE FETCH_ENABLED=0 RETRY_BASE_SECONDS=0 PREDICT_MAX_AGE=off TRAIN_LOOKBACK=11500
RESUME_MAX_AGE=off RUNS_KEEP_DAYS=0	# the runs are named after fixed past dates
TIMEFRAME=5m
export COINTRAIN_SHARE FETCH_ENABLED RETRY_BASE_SECONDS PREDICT_MAX_AGE TRAIN_LOOKBACK RESUME_MAX_AGE RUNS_KEEP_DAYS
export TIMEFRAME
seed=0
for s in AAAUSDT BBBUSDT CCCUSDT DDDUSDT; do
	seed=$((seed + 1))
	fetch-candles --symbol $s --timeframe 5m --generate --kind edge --seed $seed --lookback 12000 2>/dev/null
done
verify() {
	for c in "$H"/models/*/current; do
		(cd "$c" && sha256sum -c --quiet sha256.txt) || return 1
	done
}
R=20251109T0200Z-full
run run-batch full --symbols AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT --run $R
is "$rc" 0 "full cycle with the real tools"
verify
ok $? "every current model verifies"
is "$(jget "$H/models/CCCUSDT/current/training_log.json" 'j["run"]')" "\"$R\"" \
	"training_log.json names the run that trained the model"
run cache-get AAAUSDT BBBUSDT CCCUSDT DDDUSDT
is "$rc:$(printf '%s\n' "$out" | grep -c '"prob_up"')" "0:4" "all four served from the cache"
run cache-get --top 2
is "$rc" 0 "top list served"
like "$(cat "$H/summary/$R/engine_summary.json")" '"net_bps_after_costs": -?[0-9]' "summary has the models' net bps"
for e in job_started coin_started coin_partial_saved coin_succeeded job_completed; do
	n=$(grep -c "\"event\":\"$e\"" "$H/logs/$R/engine.log")
	ok $([ "$n" -ge 1 ] && echo 0 || echo 1) "engine.log has $e"
done
is "$(grep -c '"event":"coin_partial_saved"' "$H/logs/$R/engine.log")" 4 "one coin_partial_saved per coin"
like "$(grep '"event":"backup_' "$H/logs/$R/engine.log")" '"event":"backup_skipped".*"reason":"no model yet"' \
    "no model before the first retrain: no backup, said"

# kill -9 of the whole batch in the middle of the incremental cycle.
R2=20251109T0600Z-incremental
python3 -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \
	run-batch incremental --symbols AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT --run $R2 >/dev/null 2>&1 &
pid=$!
sleep 0.4
kill -KILL -$pid
wait $pid 2>/dev/null
flock "$H/runs/.batch.lock" true
verify
ok $? "after kill -9: every current model verifies"
left=$(ledger todo $R2 --retries 0 2>/dev/null)
run run-batch incremental --symbols AAAUSDT,BBBUSDT,CCCUSDT,DDDUSDT
# (Failed once in about a hundred runs, under prove -j2: say why then.)
[ "$rc" = 0 ] || { printf '%s\n' "$err"; ledger show latest-incremental --table; } 2>&1 | sed 's/^/# /'
is "$rc" 0 "the next start finishes"
if [ -n "$left" ]; then
	like "$err" "$R2: incremental cycle, 4 symbols, .*resumed" "it resumed the killed run"
else
	# killed before the ledger existed or after every coin was done
	unlike=$(printf '%s' "$err" | grep -c "$R2")
	is "$unlike" 0 "nothing to resume: a new run"
fi
is "$(ledger todo $R2 --retries 0)" "" "nothing left to do"
verify
ok $? "every current model verifies"
is "$(find "$H" -name '*.tmp*' -o -name '*.partial*' | wc -l)" 0 "no temporary files left"

# A coin retired as cointrain(7) says (dropped from SYMBOLS) leaves the
# cache, and the health check: its model and candles age, and that is
# not a fault.
# The newest run (the resumed incremental one may be a new run of today).
RP=$(date -u +%Y%m%dT%H%MZ)-predict
SYMBOLS=AAAUSDT,BBBUSDT,CCCUSDT run run-batch predict --run $RP
is "$rc" 0 "a predict cycle with DDDUSDT dropped from SYMBOLS"
is "$(cat "$H/runs/$RP/listed" | tr '\n' ' ')" "AAAUSDT BBBUSDT CCCUSDT " \
	"the run records the coins it keeps"
run summarize --dashboard --max-candle-age off
is "$rc" 0 "the retired coin does not make the home unhealthy"
like "$out" "^retired +DDDUSDT " "the dashboard says it is retired"
unlike "$(printf '%s\n' "$out" | grep '^check')" "DDDUSDT" "no check names it"
# A damaged ledger of another run does not undo it.
cp "$H/runs/20251109T0200Z-full/status.json" full-status.json
echo '{' >"$H/runs/20251109T0200Z-full/status.json"
run summarize --dashboard --max-candle-age off
like "$out" "^retired +DDDUSDT " "with a damaged ledger, the retired coin is still retired"
unlike "$(printf '%s\n' "$out" | grep '^check.*cache')" "DDDUSDT" "and the cache check does not name it"
cp full-status.json "$H/runs/20251109T0200Z-full/status.json"

# Coins the predict cycle cannot serve: each failed with its own reason,
# a current link to a model gone too (not skipped as a coin without one).
rm -rf "$H/models/AAAUSDT/$(readlink "$H/models/AAAUSDT/current")"
head -c 100 "$H/models/BBBUSDT/current/model.ubj" >cut.ubj && cat cut.ubj >"$H/models/BBBUSDT/current/model.ubj"
RQ=$(date -u -d "-1 hour" +%Y%m%dT%H%MZ)-predict
SYMBOLS=AAAUSDT,BBBUSDT,CCCUSDT run run-batch predict --run $RQ
is "$rc" 1 "a predict cycle with two damaged models: exit 1"
ledger show $RQ >rq.json
is "$(jget rq.json '[j["symbols"][s]["status"] for s in ("AAAUSDT", "BBBUSDT", "CCCUSDT")]')" \
	'["failed", "failed", "success"]' "the two failed (the one whose model is gone too), the third cached"
like "$(jget rq.json 'j["symbols"]["AAAUSDT"]["error"]')" "^\"not cached: predict: AAAUSDT: model .*/models/AAAUSDT/" \
	"the coin whose model is gone: its own reason"
like "$(jget rq.json 'j["symbols"]["BBBUSDT"]["error"]')" "^\"not cached: predict: BBBUSDT: .*model.ubj: checksum mismatch" \
	"the coin whose model is cut: its own reason (not the other's)"
done_testing
