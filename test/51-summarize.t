#!/bin/sh
# 51-summarize.t — summarize: the figures of a hand-made run, defensive
# reading of metrics.json; the HTML page; the dashboard's health rules
# (every coin's model, the newest run of every cycle, every candle store,
# every cache entry) and its exit status.
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
echo '{"threshold": 0.6}' >"$H/models/AAAUSDT/20251109_020600Z/config.json"
# whole DIR — the model files DIR lacks ({}, model.ubj empty) and its
# sha256.txt: a model coin-status finds whole.
whole() {
	for f in config.json metrics.json split_indices.json training_log.json costs.json; do
		[ -e "$1/$f" ] || echo '{}' >"$1/$f"
	done
	: >"$1/model.ubj"
	(cd "$1" && sha256sum $(ls | grep -v '^sha256.txt$') >sha256.txt)
}
whole "$H/models/AAAUSDT/20251109_020600Z"
whole "$H/models/BBBUSDT/20251109_020800Z"
ln -s 20251109_020600Z "$H/models/AAAUSDT/current"
ln -s 20251109_020800Z "$H/models/BBBUSDT/current"

mkdir -p "$H/models/CCCUSDT/20251109_021800Z"	# a model without its metrics.json
run summarize $R
is "$rc:$err" "1:summarize: $H/models/CCCUSDT/20251109_021800Z/metrics.json: No such file or directory" \
	"a success whose metrics cannot be read: said, exit 1"
cmp -s "$T/.out" "$H/summary/$R/engine_summary.json"
ok $? "prints what it writes to summary/<RUN>/engine_summary.json"
py() { printf '%s' "$out" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
is "$(py 'd["total_symbols"], d["succeeded"], d["failed"], d["skipped"]')" "5 3 1 1" "counts"
is "$(py 'd["avg_train_minutes"], d["median_train_minutes"], d["total_wall_minutes"]')" "6.0 6.0 20.0" \
	"average and median train minutes of the successes, wall minutes of the run"
# From the run's first start: a retried coin's "started" is its last
# attempt's, the ledger's "created" the run's.
sed 's/{"run": "20251109T0200Z-full",/{"run": "20251109T0200Z-full", "created": "2025-11-09T01:50:00Z",/' \
	"$H/runs/$R/status.json" >created.json && cp "$H/runs/$R/status.json" status.keep &&
	cp created.json "$H/runs/$R/status.json"
is "$(summarize $R 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_wall_minutes"])')" 30.0 \
	"total_wall_minutes from the ledger's creation (retries and fetching included)"
cp status.keep "$H/runs/$R/status.json"
is "$(py 'd["by_symbol"]["AAAUSDT"]["net_bps_after_costs"], d["by_symbol"]["AAAUSDT"]["auc"], d["by_symbol"]["AAAUSDT"]["metrics"]')" \
	"12.5 0.55 $H/models/AAAUSDT/20251109_020600Z/metrics.json" "metrics of a model"
is "$(py 'd["by_symbol"]["AAAUSDT"]["threshold"], d["by_symbol"]["AAAUSDT"]["never_trades"]')" "0.6 False" \
	"the model's threshold, and whether it never trades"
c=$H/models/AAAUSDT/20251109_020600Z/config.json
cp "$c" config.keep
echo '{"threshold": 1.0}' >"$c"
summarize $R >never.json 2>/dev/null
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["by_symbol"]["AAAUSDT"]; print(d["threshold"], d["never_trades"], d["net_bps_after_costs"], d["trades"], d["auc"])' never.json)" \
	"1.0 True None 0 0.55" "a model that never trades: no net bps per trade (not its folds' 12.5), 0 trades (as coin-status), its AUC"
cp config.keep "$c"
is "$(py 'd["by_symbol"]["BBBUSDT"]["net_bps_after_costs"], d["by_symbol"]["BBBUSDT"]["auc"]')" "None None" \
	"missing or odd metrics fields are null"
is "$(py 'd["by_symbol"]["CCCUSDT"]["net_bps_after_costs"], d["by_symbol"]["CCCUSDT"]["metrics_error"], d["metrics_unreadable"], d["by_symbol"]["DDDUSDT"]["error"], d["by_symbol"]["DDDUSDT"]["metrics"]')" \
	"None $H/models/CCCUSDT/20251109_021800Z/metrics.json: No such file or directory ['CCCUSDT'] not enough candles None" \
	"a missing metrics file is reported in the summary; a failure's error"
# The ledger holds the paths train-coin printed: absolute, in the home of
# then.  Moved, the models are found in the home they are in now; copied,
# the copy reads its own, never the other home's.
mkdir -p "$H/models/CCCUSDT/20251109_021800Z"
echo '{"aggregate": {"auc": 0.7}}' >"$H/models/CCCUSDT/20251109_021800Z/metrics.json"
sed -i "s|\"models/AAAUSDT|\"/old/home/models/AAAUSDT|" "$H/runs/$R/status.json"
cp -a "$H" "$T/copy"
echo '{"aggregate": {"auc": 0.9}}' >"$T/copy/models/AAAUSDT/20251109_020600Z/metrics.json"
run summarize $R
is "$rc:$err:$(py 'd["by_symbol"]["AAAUSDT"]["auc"], d["by_symbol"]["AAAUSDT"]["metrics"]')" \
	"0::0.55 $H/models/AAAUSDT/20251109_020600Z/metrics.json" "a model recorded in another home: read in this one"
run summarize --home "$T/copy" $R
is "$rc:$(py 'd["by_symbol"]["AAAUSDT"]["auc"], d["by_symbol"]["CCCUSDT"]["auc"]')" "0:0.9 0.7" \
	"a copied home reads its own models"
sed -i "s|\"models/BBBUSDT/20251109_020800Z|\"/elsewhere/x/y|" "$H/runs/$R/status.json"
run summarize $R
is "$rc:$err" "1:summarize: BBBUSDT: /elsewhere/x/y: not a model of BBBUSDT in $H/models" \
	"a recorded path that names no model of the coin is not followed"
cp "$T/copy/runs/$R/status.json" "$H/runs/$R/status.json"
# A model directory that is gone was pruned by later trainings (--keep):
# an old run's summary says so, and that is no fault.
sed -i "s|/old/home/models/AAAUSDT/20251109_020600Z|models/AAAUSDT/20251101_000000Z|" "$H/runs/$R/status.json"
run summarize $R
is "$rc:$err:$(py 'd["by_symbol"]["AAAUSDT"]["model_pruned"], d["by_symbol"]["AAAUSDT"]["metrics"], d["by_symbol"]["AAAUSDT"]["auc"], d["metrics_unreadable"]')" \
	"0::True None None []" "a pruned model: model_pruned, null figures, exit 0"
# Not the coin's current model, gone: --keep never removes it; damage.
c=$(readlink "$H/models/AAAUSDT/current")
ln -sfn 20251101_000000Z "$H/models/AAAUSDT/current"
run summarize $R
like "$rc:$err:$(py 'd["by_symbol"]["AAAUSDT"].get("model_pruned"), d["metrics_unreadable"]')" \
	"^1:summarize: .*models/AAAUSDT/20251101_000000Z/metrics.json: No such file or directory:None \\['AAAUSDT'\\]$" \
	"the current model's directory gone: not pruned, unreadable, exit 1"
ln -sfn "$c" "$H/models/AAAUSDT/current"
cp "$T/copy/runs/$R/status.json" "$H/runs/$R/status.json"
run summarize 20251109T0300Z-full
like "$rc:$err" "^1:summarize: .*runs/20251109T0300Z-full/status.json: " "a missing run is an error"
ok "$(test ! -e "$H/summary/20251109T0300Z-full"; echo $?)" "and writes nothing"
run summarize not-a-run
is "$rc" 2 "bad run name: usage error"
run summarize latest-full
is "$rc:$(py 'd["run"]')" "0:$R" "latest-full names the newest full run"
run summarize latest-incremental
is "$rc:$err" "1:summarize: latest-incremental: no incremental run in $H/runs" "latest-CYCLE without such a run"
rm -r "$H/models/CCCUSDT"

run summarize --dashboard --html "$T/dash.html" --max-model-age off --max-candle-age off --no-cache-check
is "$rc" 0 "--html exits 0"
is "$(grep -c '<svg' "$T/dash.html")" 1 "an equity curve for the model that has one"
grep -q '<polyline' "$T/dash.html"
ok $? "the curve is drawn"
grep -q 'No equity curve' "$T/dash.html"
ok $? "a model without a curve says so"
run summarize --dashboard --html "$T/nodir/dash.html"
is "$rc" 1 "--html into a missing directory fails"
is "$(ls -a "$T" | grep -c 'dash.html.tmp')" 0 "no temporary left"
# The page never replaces what is not a regular file: a FIFO (never
# opened, so nothing can block), a link, a device (as root only).
mkfifo "$T/fifo"
ln -s dash.html "$T/link"
mknod "$T/null" c 1 3 2>/dev/null
for f in fifo link null; do
	[ -e "$T/$f" ] || [ -L "$T/$f" ] || { ok 0 "# SKIP no mknod here"; ok 0 "# SKIP"; continue; }
	type=$(stat -c %F "$T/$f")
	run timeout 10 summarize --dashboard --html "$T/$f" --max-model-age off --max-candle-age off --no-cache-check
	is "$rc:$(printf '%s\n' "$err" | tail -n 1)" "1:summarize: $T/$f: not a regular file" "--html onto a $type fails, saying why"
	is "$(stat -c %F "$T/$f")" "$type" "... and leaves it as it was"
done
is "$(ls -a "$T" | grep -c '\.tmp\.')" 0 "no temporary left"
# A full disk: said as such (not "Input/output error"), the old page kept.
mkdir -p "$T/small"
run unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$1" 2>/dev/null || exit 77
	echo old >"$1/dash.html"
	dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null
	summarize --dashboard --html "$1/dash.html" --max-model-age off --max-candle-age off --no-cache-check >/dev/null
	echo "$? $(cat "$1/dash.html")"' sh "$T/small"
if [ "$rc" -eq 0 ]; then
	is "$out:$(printf '%s\n' "$err" | tail -n 1)" "1 old:summarize: $T/small/dash.html: No space left on device" \
		"--html on a full disk (64k tmpfs): exit 1, said as such, the old page kept"
else
	ok 0 "# SKIP no tmpfs mount here ($rc: $err)"
fi
# Nor does a FIFO where a run's drift check, its list of coins or a
# model file belongs make summarize wait for a writer.
tl=$H/models/AAAUSDT/20251109_020600Z/training_log.json
mv "$tl" "$T/training_log.json"
mkdir -p "$H/logs/$R" && mkfifo "$H/logs/$R/drift.json" "$H/runs/$R/listed" "$tl"
run timeout 10 summarize $R
ok "$(test "$rc" != 124; echo $?)" "summarize RUN with a FIFO as the run's drift.json: no hang"
run timeout 10 summarize --dashboard --html "$T/dash-fifo.html" --max-model-age off --max-candle-age off --no-cache-check
ok "$(test "$rc" != 124; echo $?)" "the page with FIFOs as the run's list of coins and a model's training_log.json: no hang"
rm -f "$H/logs/$R/drift.json" "$H/runs/$R/listed" "$tl"
mv "$T/training_log.json" "$tl"

# The health check, in a home of its own whose times are relative to now.
D=$T/dash
export COINTRAIN_HOME=$D
ago() { date -u -d "now - $1" "+$2"; }
stamp() { ago "$1" %Y%m%d_%H%M%SZ; }
runname() { echo "$(ago "$1" %Y%m%dT%H%MZ)-$2"; }
# model SYM AGE — a current model trained AGE ago
model() {
	d=$D/models/$1/$(stamp "$2")
	mkdir -p "$d" && whole "$d" && ln -sfn "$(basename "$d")" "$D/models/$1/current"
}
# store SYM AGE — a 1h candle store whose newest candle opened AGE ago
store() {
	mkdir -p "$D/candles/$1"
	printf 'open_time,open,high,low,close,volume\n%s000,1,2,0.5,1.5,10\n' "$(ago "$2" %s)" >"$D/candles/$1/1h.csv"
}
# entry SYM EXPIRES [EXTRA] — a cache entry
entry() {
	mkdir -p "$D/cache/predictions"
	printf '{"symbol":"%s","timeframe":"1h","open_time":"2025-01-01T00:00:00Z","prob_up":0.5,"signal":"flat","expires_at":"%s"%s}\n' \
		"$1" "$2" "${3:-}" >"$D/cache/predictions/$1.json"
}
# ledger RUN SYM:STATUS... — a run's ledger, each coin in its status
ledger_of() {
	r=$1; shift
	ledger init "$r" $(for x in "$@"; do echo "${x%%:*}"; done)
	for x in "$@"; do ledger set "$r" "${x%%:*}" "${x#*:}" --pid $$; done
}
check_line() { printf '%s\n' "$out" | grep "^check .* $1 "; }
for s in AAAUSDT BBBUSDT CCCUSDT DDDUSDT EEEUSDT; do
	model $s '2 hours'
	store $s '1 hour'
	entry $s 2999-01-01T00:00:00Z
done
ledger_of "$(runname '5 days' full)" AAAUSDT:success BBBUSDT:success CCCUSDT:success DDDUSDT:success EEEUSDT:success
ledger_of "$(runname '3 hours' incremental)" AAAUSDT:success BBBUSDT:success CCCUSDT:success DDDUSDT:success EEEUSDT:success
ledger_of "$(runname '1 hour' predict)" AAAUSDT:success BBBUSDT:success CCCUSDT:success DDDUSDT:success EEEUSDT:success
run summarize --dashboard
is "$rc" 0 "a healthy home: exit 0"
like "$out" "^system +[0-9]+ cores, load [0-9.]+ [0-9.]+ [0-9.]+, memory [0-9]+ of [0-9]+ MB available, disk [0-9.]+% free" "system line"
like "$out" "^batch +idle; newest run [0-9T]+Z-predict finished: 5/5 done \\(5 success, 0 failed, 0 skipped, 0 running, 0 pending\\)" "batch line"
like "$out" "^models +5, newest [A-Z]+USDT trained .*h ago\\)" "models line"
like "$out" "^candles +5 stores$" "candles line"
like "$out" "^cache +5 entries, 0 expired, 0 stale, top list missing" "cache line"
for c in disk last_full_run last_incremental_run last_predict_run models candles cache; do
	like "$(check_line $c)" "^check +ok " "check $c: ok"
done
like "$out" "^health +ok$" "health ok"

# Every coin's model: four of five a month old is unhealthy.
for s in BBBUSDT CCCUSDT DDDUSDT EEEUSDT; do model $s '30 days'; done
run summarize --dashboard
is "$rc" 1 "four old models of five (the newest is fresh): exit 1"
like "$(check_line models)" "FAIL models +5 models, oldest [A-Z]+USDT trained 7[0-9]{2}\\.[0-9] h ago \\(maximum 192\\.0 h\\); 4 older: BBBUSDT, CCCUSDT, DDDUSDT, EEEUSDT$" \
	"the models check names them"
is "$(summarize --dashboard --json | python3 -c 'import json,sys; print(*[c["coins"] for c in json.load(sys.stdin)["health"]["checks"] if c["name"]=="models"])')" \
	"['BBBUSDT', 'CCCUSDT', 'DDDUSDT', 'EEEUSDT']" "--json: the coins of the failing check"
HEALTH_MAX_MODEL_AGE=40d run summarize --dashboard
is "$rc" 0 "HEALTH_MAX_MODEL_AGE raises the limit"
run summarize --dashboard --max-model-age off
is "$rc" 0 "--max-model-age off"
for s in BBBUSDT CCCUSDT DDDUSDT EEEUSDT; do model $s '1 hour'; done
mkdir -p "$D/models/FFFUSDT"
run summarize --dashboard
like "$rc:$(check_line models)" "^1:.*FAIL models .* 0 older; no current model: FFFUSDT$" "a coin without a current model is named"
rm -r "$D/models/FFFUSDT"
# A serving model predict refuses is no model: damaged (a file that no
# longer matches sha256.txt), current dangling, a stamp in the future.
# Each is named, and no age is made up for it.
good=$(readlink "$D/models/BBBUSDT/current")
echo damage >>"$D/models/BBBUSDT/$good/model.ubj"
ln -sfn 20200101_000000Z "$D/models/CCCUSDT/current"
mkdir -p "$D/models/DDDUSDT/20991231_000000Z"
whole "$D/models/DDDUSDT/20991231_000000Z"
ln -sfn 20991231_000000Z "$D/models/DDDUSDT/current"
run summarize --dashboard
like "$rc:$(check_line models)" "^1:check +FAIL models +2 models, oldest [A-Z]+USDT trained [0-9.]+ h ago \(maximum 192\.0 h\); 0 older; bad model: BBBUSDT, CCCUSDT, DDDUSDT$" \
	"a damaged model, a dangling current and a stamp in the future: the models check fails naming them"
unlike "$out" "h ago \(-|DDDUSDT trained" "no age of a model from the future"
is "$(summarize --dashboard --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(*[c["coins"] for c in d["health"]["checks"] if c["name"]=="models"], *[m.get("error") for m in d["model_list"] if m["symbol"] in ("CCCUSDT", "DDDUSDT")], [m.get("age_hours") for m in d["model_list"] if m["symbol"] == "CCCUSDT"])')" \
	"['BBBUSDT', 'CCCUSDT', 'DDDUSDT'] current: no such model directory trained in the future [None]" \
	"--json: their coins, and why"
like "$err" "BBBUSDT/$good/model.ubj: checksum mismatch" "the damage said on stderr"
is "$(printf '%s\n' "$err" | sort | uniq -d)" "" "each diagnostic once"
for s in BBBUSDT CCCUSDT DDDUSDT; do model $s '1 hour'; done
rm -r "$D/models/DDDUSDT/20991231_000000Z"

# The newest run of every cycle: an incremental run whose coins all failed.
I=$(runname '1 hour' incremental)
ledger_of "$I" AAAUSDT:failed BBBUSDT:failed CCCUSDT:success
run summarize --dashboard
is "$rc" 1 "a failed incremental run after a good full run: exit 1"
like "$(check_line last_incremental_run)" "FAIL last_incremental_run +$I: 2 of 3 failed \\(67%, maximum 20%\\): AAAUSDT, BBBUSDT$" \
	"the check names the run and its failed coins"
like "$(check_line last_full_run)" "^check +ok " "the full run is still fine"
ledger set "$I" BBBUSDT pending
run summarize --dashboard
like "$rc:$(check_line last_incremental_run)" "^1:.*FAIL last_incremental_run +$I: unfinished, 1 of 3 coins not done and no batch resuming it: BBBUSDT; failed: AAAUSDT$" \
	"a run left unfinished with no batch at it fails, naming the coins not done"
# A killed batch: one coin failed, one pending, one left running by a
# worker that is gone.  Every coin not done is named, in the text and the
# check's coins.
true & dead=$!
wait $dead
ledger set "$I" CCCUSDT running --pid $dead
run summarize --dashboard --json
is "$rc:$(py '[c["coins"] for c in d["health"]["checks"] if c["name"] == "last_incremental_run"][0]')" \
	"1:['AAAUSDT', 'BBBUSDT', 'CCCUSDT']" "a killed run: its failed, pending and lost coins are the check's coins"
run summarize --dashboard
like "$(check_line last_incremental_run)" ": unfinished, 2 of 3 coins not done and no batch resuming it: BBBUSDT, CCCUSDT; failed: AAAUSDT$" \
	"... and its text"
ledger set "$I" CCCUSDT success
flock "$D/runs/.batch.lock" sleep 1.5 &
held "$D/runs/.batch.lock"
run summarize --dashboard
like "$out" "^batch +running" "a held batch lock is a running batch"
like "$(check_line last_incremental_run)" "^check +ok +last_incremental_run +[0-9T]+Z-incremental: 0 of 5 failed" \
	"while a batch works on it, the run before counts"
wait
# The lock names the run it is held for (run-batch writes it): a batch of
# another run does not resume this one, which is judged.
ledger set "$I" CCCUSDT running --pid $dead
other=$(runname '10 minutes' predict)
echo "$other" >"$D/runs/.batch.lock"
flock "$D/runs/.batch.lock" sleep 1.5 &
held "$D/runs/.batch.lock"
run summarize --dashboard
like "$out" "^batch +running $other" "the batch line names the run the lock is held for"
like "$(check_line last_incremental_run)" "FAIL last_incremental_run +$I: unfinished, 2 of 3 coins not done and no batch resuming it: BBBUSDT, CCCUSDT" \
	"a run left unfinished while a batch of another run holds the lock: judged"
wait
echo "$I" >"$D/runs/.batch.lock"
flock "$D/runs/.batch.lock" sleep 1.5 &
held "$D/runs/.batch.lock"
run summarize --dashboard
like "$(check_line last_incremental_run)" "^check +ok .*: 0 of 5 failed" "held for that run: not judged yet"
wait
# A later run of its cycle takes the coins of a run too old to resume
# first: while it holds the lock, the older run is not judged either.
runname '1 minute' incremental >"$D/runs/.batch.lock"
flock "$D/runs/.batch.lock" sleep 1.5 &
held "$D/runs/.batch.lock"
run summarize --dashboard
like "$(check_line last_incremental_run)" "^check +ok .*: 0 of 5 failed" "held for a later run of its cycle: not judged yet"
wait
ledger set "$I" CCCUSDT success
# A FIFO in the lock's place: said, never a wait (the hourly check would
# hang, and cron mail nothing).
mv "$D/runs/.batch.lock" lock.keep
mkfifo "$D/runs/.batch.lock"
run timeout 20 summarize --dashboard
like "$rc:$err" "^[01]:summarize: $D/runs/.batch.lock: not a regular file" "a FIFO for the batch lock: named, no wait"
rm "$D/runs/.batch.lock"
mv lock.keep "$D/runs/.batch.lock"
# Job arrays left on a cluster (run-batch --no-wait): submitted, not
# idle, and the run is not judged until a start collects them.
echo "slurm 4242" >"$D/runs/$I/engine.jobs"
run summarize --dashboard
like "$out" "^batch +submitted \\($I's job arrays were left on the cluster for its next start to collect\\)" \
	"arrays left by --no-wait: the batch is submitted, not idle"
like "$(check_line last_incremental_run)" "^check +ok .*: 0 of 5 failed" "... and their run is not judged yet"
run summarize --dashboard --json
is "$(py 'd["batch"]["running"], d["batch"]["submitted"]')" "False $I" "the JSON says submitted, naming the run"
# A later run of its cycle, made anew (the run too old to resume): no
# start will collect those arrays unasked; the batch is not "submitted".
J=$(runname '30 minutes' incremental)
ledger_of "$J" AAAUSDT:success
run summarize --dashboard
like "$out" "^batch +idle" "arrays of a run a later run of its cycle superseded: not 'submitted' for ever"
rm -r "$D/runs/$J"
rm "$D/runs/$I/engine.jobs"
ledger set "$I" BBBUSDT running --pid $$
run summarize --dashboard
like "$(check_line last_incremental_run)" "^check +ok .*: 0 of 5 failed" "a run with a live worker is not judged yet"
rm -r "$D/runs/$I"

# Every cached prediction: stale, expired, missing, unreadable.
entry AAAUSDT 2999-01-01T00:00:00Z ',"stale":true'
entry BBBUSDT 2001-01-01T00:00:00Z
rm "$D/cache/predictions/CCCUSDT.json"
echo '{"symbol": ' >"$D/cache/predictions/DDDUSDT.json"
run summarize --dashboard
is "$rc" 1 "stale, expired, missing and unreadable entries: exit 1"
like "$(check_line cache)" "FAIL cache +1 fresh of 4 entries, top list missing; expired: BBBUSDT; predicted from stale candles: AAAUSDT; unreadable: DDDUSDT; no entry: CCCUSDT$" \
	"the cache check names each coin and what is wrong"
like "$out" "^cache +4 entries, 1 expired, 1 stale, top list missing" "the cache line counts them"
like "$err" "DDDUSDT.json:" "the unreadable entry's reason on stderr"
for s in AAAUSDT BBBUSDT CCCUSDT DDDUSDT; do entry $s 2999-01-01T00:00:00Z ',"stale":true'; done
run summarize --dashboard
like "$rc:$(check_line cache)" "^1:.*FAIL cache +1 fresh of 5 entries" "four of five predicted from stale candles: unhealthy"
HEALTH_REQUIRE_CACHE=0 run summarize --dashboard
is "$rc" 0 "HEALTH_REQUIRE_CACHE=0 turns the cache check off"
HEALTH_REQUIRE_CACHE=maybe run summarize --dashboard
is "$rc:$err" "2:summarize: HEALTH_REQUIRE_CACHE: maybe: not 0 or 1" "HEALTH_REQUIRE_CACHE is a switch: 0 or 1"
run summarize --dashboard --no-cache-check
is "$rc" 0 "... as does --no-cache-check"
# A misspelt health setting would silently not apply: said, with the
# name meant; one far from all is said too (HEALTH_ names are ours).
HEALTH_REQUIRE_CACH=0 HEALTH_COLOUR=red run summarize --dashboard --no-cache-check
is "$rc:$(printf '%s\n' "$err" | sort)" "2:summarize: environment: HEALTH_COLOUR: not a health setting
summarize: environment: HEALTH_REQUIRE_CACH: not a health setting; did you mean HEALTH_REQUIRE_CACHE?" \
	"unknown HEALTH_ names in the environment: a usage error (cron mails it), the nearest setting named"
for s in AAAUSDT BBBUSDT CCCUSDT DDDUSDT; do entry $s 2999-01-01T00:00:00Z; done

# Every candle store: one five days behind.
store CCCUSDT '5 days'
run summarize --dashboard
is "$rc" 1 "a candle store five days behind: exit 1"
like "$(check_line candles)" "FAIL candles +5 stores; 1 behind by more than 24\\.0 h: CCCUSDT 1h$" "named with its timeframe"
run summarize --dashboard --max-candle-age 6d
is "$rc" 0 "--max-candle-age"
HEALTH_MAX_CANDLE_AGE=off run summarize --dashboard
like "$rc:$(check_line candles)" "^0:check +ok +candles +[0-9]+ stores; age not checked$" \
	"HEALTH_MAX_CANDLE_AGE=off: the candles' age not checked"
: >"$D/candles/CCCUSDT/1h.csv"
run summarize --dashboard
like "$rc:$(check_line candles)" "^1:.*unreadable or empty: CCCUSDT 1h$" "an empty store"
HEALTH_MAX_CANDLE_AGE=off run summarize --dashboard
like "$rc:$(check_line candles)" "^1:.*age not checked; unreadable or empty: CCCUSDT 1h$" \
	"... also with the age check off"
# Damage before the newest row, or a store cut short: unreadable, as the
# coin table says, not "behind".
store CCCUSDT '1 hour'
sed -i '1a abc,1,2,0.5,1.5,10' "$D/candles/CCCUSDT/1h.csv"
run summarize --dashboard
like "$rc:$(check_line candles)" "^1:.*; 0 behind by more than 24\\.0 h; unreadable or empty: CCCUSDT 1h$" \
	"a bad row before the newest: unreadable"
like "$err" "CCCUSDT/1h.csv:2: bad open_time" "... its file and line said"
store CCCUSDT '1 hour'
printf '%s000,1,2' "$(ago '1 hour' %s)" >>"$D/candles/CCCUSDT/1h.csv"
run summarize --dashboard
like "$rc:$(check_line candles)" "^1:.*unreadable or empty: CCCUSDT 1h$" "a store cut short: unreadable"
store CCCUSDT '1 hour'

# A damaged ledger of the newest run of a cycle is a failed check, not a
# run that never happened (the older, good run must not vouch for it).
R2=$(runname '10 minutes' full)
mkdir -p "$D/runs/$R2"
printf '{"symbols": {"AAAUSDT": ' >"$D/runs/$R2/status.json"
run summarize --dashboard
is "$rc" 1 "a damaged ledger of the last full run: exit 1"
like "$out" "^batch +idle; newest run $R2: ledger unreadable$" "the batch line says so"
like "$out" "check +FAIL last_full_run +$R2: ledger unreadable" "the check says which run"
like "$err" "^summarize: $D/runs/$R2/status.json:1:" "the reason on stderr"
rm -r "$D/runs/$R2"
# One coin's damaged record in the newest full run: that coin alone is
# named (its outcome is not known); the run's other coins are judged.
ledger_of "$R2" AAAUSDT:success BBBUSDT:success CCCUSDT:failed
rec=$D/runs/$R2/coins/BBBUSDT.json
truncate -s 50 "$rec"
run summarize --dashboard
like "$rc:$(check_line last_full_run)" "^1:check +FAIL last_full_run +$R2: 1 of 3 coins' records damaged: BBBUSDT; failed: CCCUSDT$" \
	"a damaged record: the check names its coin, and the run's failure"
like "$out" "^batch +idle; newest run $R2 unfinished: 2/3 done \\(1 success, 1 failed, 0 skipped, 0 running, 0 pending\\); 1 damaged$" \
	"the batch line counts the other coins, and the damaged one"
is "$(printf '%s\n' "$err" | grep -c "^summarize: $rec:[0-9]*:[0-9]*: ")" 1 "the record named once on stderr, file:line:col"
run summarize --dashboard --json
is "$(py '[(c["symbol"], c["last_run"]["full"]["status"], ",".join(c["flags"])) for c in d["coins"] if c["symbol"] in ("AAAUSDT", "BBBUSDT")]')" \
	"[('AAAUSDT', 'success', ''), ('BBBUSDT', 'damaged', 'damaged-run')]" "the coins: the damaged one flagged, the others as they are"
run summarize "$R2"
is "$rc:$(py 'd["succeeded"], d["failed"], d["damaged"], d["by_symbol"]["BBBUSDT"]["status"]')" "1:1 1 1 damaged" \
	"summarize RUN: the damaged coin counted apart, exit 1"
rm -r "$D/runs/$R2" "$D/summary/$R2"

run summarize --dashboard --json
is "$(py 'd["health"]["ok"], d["models"]["count"], d["cache"]["expired"], len(d["candles"]), sorted(d["batch"]["cycles"])')" \
	"True 5 0 5 ['full', 'incremental', 'predict']" "--json"
run summarize --dashboard --min-disk-pct 100
is "$rc" 1 "disk below the minimum: exit 1"
HEALTH_MAX_FAILED_PCT=lots run summarize --dashboard
is "$rc:$err" "2:summarize: HEALTH_MAX_FAILED_PCT: lots: not a percentage in [0,100]" "bad threshold in the environment: usage error"
for o in "--min-disk-pct 200" "--max-failed-pct 101" "--max-failed-pct -1"; do
	run summarize --dashboard $o
	is "$rc" 2 "$o: not a percentage, a usage error"
done
run summarize --dashboard --max-model-age soon
is "$rc:$err" "2:summarize: --max-model-age: soon: not a duration (or off)" "bad threshold: usage error"
run summarize --dashboard --max-candle-age "$(printf '\033[2J')"
is "$rc:$err" "2:summarize: --max-candle-age: ?[2J: not a duration (or off)" "its control bytes escaped"
run summarize --dashboard extra
like "$rc:$err" "^2:summarize: extra: unexpected argument
usage: summarize " "an operand too many: a usage error that names it"
run summarize --max-failed-pct 5 latest-full
like "$rc:$err" "^2:summarize: --max-failed-pct: an option of --dashboard
usage: summarize " "a dashboard option with a run: a usage error that names it"
run summarize --json latest-full
like "$rc:$err" "^2:summarize: --json: an option of --dashboard" "--json with a run too (its summary is JSON)"
run summarize --html "$T/x.html" latest-full
like "$rc:$err" "^2:summarize: --html: an option of --dashboard" "--html with a run too"
run summarize --html "$T/x.html"
ok "$(test "$rc" = 2 && test ! -e "$T/x.html"; echo $?)" "--html without --dashboard: usage error, no page"
run summarize --home "$T/no-such-home" --dashboard
is "$rc:$err:$out" "1:summarize: $T/no-such-home: No such file or directory:" \
	"a missing data home is an error, not an empty home"
done_testing
