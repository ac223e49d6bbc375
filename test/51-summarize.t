#!/bin/sh
# 51-summarize.t — summarize: the figures of a hand-made run, defensive
# reading of metrics.json; the dashboard's health rules and exit status;
# the HTML page.
. "$CT_TOP/test/lib.sh"
H=$COINTRAIN_HOME
R=20251109T0200Z-full
mkdir -p "$H/runs/$R" "$H/models/AAAUSDT/20251109_020600Z" "$H/models/BBBUSDT/20251109_020800Z"
cat >"$H/runs/$R/status.json" <<'JSON'
{"run": "20251109T0200Z-full", "symbols": {
 "AAAUSDT": {"status": "success", "attempts": 1, "started": "2025-11-09T02:00:00Z", "finished": "2025-11-09T02:06:00Z", "duration_seconds": 360, "error": null, "model": "models/AAAUSDT/20251109_020600Z"},
 "BBBUSDT": {"status": "success", "attempts": 2, "started": "2025-11-09T02:06:00Z", "finished": "2025-11-09T02:08:00Z", "duration_seconds": 120, "error": null, "model": "models/BBBUSDT/20251109_020800Z"},
 "CCCUSDT": {"status": "success", "attempts": 1, "started": "2025-11-09T02:08:00Z", "finished": "2025-11-09T02:18:00Z", "duration_seconds": 600, "error": null, "model": "models/CCCUSDT/20251109_021800Z"},
 "DDDUSDT": {"status": "failed", "attempts": 3, "started": "2025-11-09T02:18:00Z", "finished": "2025-11-09T02:20:00Z", "duration_seconds": 120, "error": "not enough candles", "model": null},
 "EEEUSDT": {"status": "skipped", "attempts": 0, "started": null, "finished": null, "duration_seconds": null, "error": null, "model": null}
}}
JSON
cat >"$H/models/AAAUSDT/20251109_020600Z/metrics.json" <<'JSON'
{"aggregate": {"auc": 0.55, "net_bps_after_costs": 12.5, "trades": 40},
 "equity_curve": [[1000, 0], [2000, 5.5], [3000, -2], [4000, 12.5]]}
JSON
echo '{"aggregate": {"auc": "n/a"}}' >"$H/models/BBBUSDT/20251109_020800Z/metrics.json"
ln -s 20251109_020600Z "$H/models/AAAUSDT/current"
ln -s 20251109_020800Z "$H/models/BBBUSDT/current"

run summarize $R
is "$rc:$err" "0:" "summarize exits 0"
cmp -s "$T/.out" "$H/summary/$R/engine_summary.json"
ok $? "prints what it writes to summary/<RUN>/engine_summary.json"
py() { printf '%s' "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
is "$(py 'd["total_symbols"], d["succeeded"], d["failed"], d["skipped"]')" "5 3 1 1" "counts"
is "$(py 'd["avg_train_minutes"], d["median_train_minutes"], d["total_wall_minutes"]')" "6.0 6.0 20.0" \
	"average and median train minutes of the successes, wall minutes of the run"
is "$(py 'd["by_symbol"]["AAAUSDT"]["net_bps_after_costs"], d["by_symbol"]["AAAUSDT"]["auc"], d["by_symbol"]["AAAUSDT"]["metrics"]')" \
	"12.5 0.55 $H/models/AAAUSDT/20251109_020600Z/metrics.json" "metrics of a model"
is "$(py 'd["by_symbol"]["BBBUSDT"]["net_bps_after_costs"], d["by_symbol"]["BBBUSDT"]["auc"]')" "None None" \
	"missing or odd metrics fields are null"
is "$(py 'd["by_symbol"]["CCCUSDT"]["net_bps_after_costs"], d["by_symbol"]["DDDUSDT"]["error"], d["by_symbol"]["DDDUSDT"]["metrics"]')" \
	"None not enough candles None" "a missing metrics file, a failure's error"
run summarize 20251109T0300Z-full
like "$rc:$err" "^1:summarize: .*runs/20251109T0300Z-full/status.json: " "a missing run is an error"
ok "$(test ! -e "$H/summary/20251109T0300Z-full"; echo $?)" "and writes nothing"
run summarize not-a-run
is "$rc" 1 "bad run name refused"

# Dashboard.  A fresh cache entry makes the home healthy: DDDUSDT's one
# failure of five is 20%, the default limit.
mkdir -p "$H/cache/predictions"
echo '{"symbol":"AAAUSDT","expires_at":"2999-01-01T00:00:00Z"}' >"$H/cache/predictions/AAAUSDT.json"
echo '{"symbol":"BBBUSDT","expires_at":"2001-01-01T00:00:00Z"}' >"$H/cache/predictions/BBBUSDT.json"
run summarize --dashboard
is "$rc" 0 "healthy home: exit 0"
like "$out" "^system +[0-9]+ cores, load [0-9.]+ [0-9.]+ [0-9.]+, memory [0-9]+ of [0-9]+ MB available, disk [0-9.]+% free" "system line"
like "$out" "^batch +idle; newest run $R: 5/5 done \\(3 success, 1 failed, 1 skipped, 0 running, 0 pending\\)" "batch line"
like "$out" "^models +2, newest [A-Z]+USDT at .*h ago\\)" "models line"
like "$out" "^cache +2 entries, 1 expired, top list missing" "cache line"
like "$out" "^health +ok$" "health ok"
HEALTH_MAX_FAILED_PCT=10 run summarize --dashboard
is "$rc" 1 "too many failures in the last full run: exit 1"
like "$out" "check +FAIL last_full_run +$R: 1 of 5 failed \\(20%, maximum 10%\\)" "says why"
run summarize --dashboard --min-disk-pct 100.5
is "$rc" 1 "disk below the minimum: exit 1"
touch -h -d '2025-01-01 00:00:00' "$H/models/AAAUSDT/current" "$H/models/BBBUSDT/current"
run summarize --dashboard
is "$rc" 1 "no model updated in 8 days: exit 1"
like "$out" "check +FAIL models " "models check fails"
run summarize --dashboard --max-model-age 1000d
is "$rc" 0 "threshold as an option"
rm "$H/cache/predictions/AAAUSDT.json"
run summarize --dashboard --max-model-age 1000d
is "$rc" 1 "no fresh cache entry: exit 1"
HEALTH_REQUIRE_CACHE=0 run summarize --dashboard --max-model-age 1000d
is "$rc" 0 "cache check can be turned off"
run summarize --dashboard --max-model-age soon
is "$rc" 2 "bad threshold: usage error"
HEALTH_MAX_FAILED_PCT=lots run summarize --dashboard
is "$rc" 2 "bad threshold in the environment: usage error"

# A damaged ledger of the newest full run is a failed check, not a run
# that never happened (the older, good run must not vouch for it).
R2=20251116T0200Z-full
mkdir -p "$H/runs/$R2"
printf '{"symbols": {"AAAUSDT": ' >"$H/runs/$R2/status.json"
run summarize --dashboard --max-model-age 1000d --no-cache-check
is "$rc" 1 "a damaged ledger of the last full run: exit 1"
like "$out" "^batch +idle; newest run $R2: ledger unreadable$" "the batch line says so"
like "$out" "check +FAIL last_full_run +$R2: ledger unreadable" "the check says which run"
like "$err" "^summarize: $H/runs/$R2/status.json: 1:" "the reason on stderr"
rm -r "$H/runs/$R2"

# A batch holding the lock shows as running.
flock "$H/runs/.batch.lock" sleep 3 &
sleep 0.3
run summarize --dashboard --no-cache-check --max-model-age 1000d
like "$out" "^batch +running" "a held batch lock is a running batch"
kill $! 2>/dev/null
wait

run summarize --dashboard --json --max-model-age 1000d --no-cache-check
is "$(py 'd["health"]["ok"], d["models"]["count"], d["cache"]["expired"]')" "True 2 1" "--json"

run summarize --dashboard --html "$T/dash.html" --max-model-age 1000d --no-cache-check
is "$rc" 0 "--html exits 0"
is "$(grep -c '<svg' "$T/dash.html")" 1 "an equity curve for the model that has one"
grep -q '<polyline' "$T/dash.html"
ok $? "the curve is drawn"
grep -q 'No equity curve' "$T/dash.html"
ok $? "a model without a curve says so"
run summarize --dashboard --html "$T/nodir/dash.html"
is "$rc" 1 "--html into a missing directory fails"
is "$(ls -a "$T" | grep -c 'dash.html.tmp')" 0 "no temporary left"
done_testing
