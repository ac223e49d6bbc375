#!/bin/sh
# 63-coin-status.t — coin-status on a hand-made data home: every column
# (candles with a gap, a fresh and an old model, tuned and default
# parameters, walk-forward and held-out figures, a model that never
# trades, fresh and expired cache entries, drift checks, the newest run of
# each cycle), every flag, --json, the aligned table, --timeframe, a named
# coin without data, damaged files, bad symbols and timeframes.
. "$CT_TOP/test/lib.sh"
H=$COINTRAIN_HOME
now=$(date +%s)
hour=3600000

# store SYM TF FIRST_MS STEP_MS N [SKIP] — N candles from FIRST_MS, the
# SKIPth to SKIP+1th left out (a gap of two candles).
store() {
	mkdir -p "$H/candles/$1"
	{
		echo "open_time,open,high,low,close,volume"
		i=0
		while [ "$i" -lt "$5" ]; do
			if [ "$i" != "${6:--1}" ] && [ "$i" != "$((${6:--9} + 1))" ]; then
				echo "$(($3 + i * $4)),100,101,99,$((100 + i)),5"
			fi
			i=$((i + 1))
		done
	} >"$H/candles/$1/$2.csv"
}

# sums DIR — DIR/sha256.txt as train-coin writes it.
sums() { (cd "$1" && sha256sum $(ls | grep -v '^sha256.txt$') >sha256.txt); }
# model SYM STAMP MODE THRESHOLD [PARAMS_SOURCE] — a model directory with
# config.json and metrics.json (the other files empty), its sha256.txt,
# made current.
model() {
	d=$H/models/$1/$2
	mkdir -p "$d"
	cat >"$d/config.json" <<JSON
{"symbol": "$1", "timeframe": "1h", "mode": "$3", "threshold": $4, "params_source": "${5:-default}",
 "trained": {"from": "2026-01-01T00:00:00Z", "to": "2026-02-03T04:00:00Z"}}
JSON
	cat >"$d/metrics.json" <<JSON
{"folds": [{"fold": 1, "rows": 500, "auc": 0.61}],
 "aggregate": {"auc": 0.6125, "trades": 42, "net_bps_after_costs": 3.25, "total_net_bps": 136.75,
  "buy_hold_bps": -250.4}}
JSON
	for f in split_indices.json training_log.json model.ubj costs.json; do : >"$d/$f"; done
	sums "$d"
	ln -sfn "$2" "$H/models/$1/current"
}

stamp_ago() { date -u -d "@$((now - $1))" +%Y%m%d_%H%M%SZ; }
iso_at() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# AAAUSDT: all well.  Ten 1h candles, the newest closed one to two
# hours ago, candles 3 and 4 missing.
first=$(( (now / 3600 - 11) * 3600 * 1000 ))
store AAAUSDT 1h $first $hour 10 3
SA=$(stamp_ago 7200)
model AAAUSDT "$SA" fresh 0.6 tuned
echo '{"eta": "0.1"}' >"$H/models/AAAUSDT/params.json"
mkdir -p "$H/cache/predictions"
echo "{\"symbol\":\"AAAUSDT\",\"timeframe\":\"1h\",\"model\":\"models/AAAUSDT/$SA\",\"prob_up\":0.7125,\"signal\":\"long\",\"open_time\":\"$(iso_at $((now - 7200)))\",\"stale\":false,\"cached_at\":\"$(iso_at $((now - 600)))\",\"expires_at\":\"$(iso_at $((now + 3000)))\"}" \
	>"$H/cache/predictions/AAAUSDT.json"
echo "{\"symbol\":\"AAAUSDT\",\"status\":\"stable\",\"drifted\":false,\"max_psi\":0.081,\"max_psi_feature\":\"vol_12\",\"checked_at\":\"$(iso_at $((now - 900)))\"}" \
	>"$H/models/AAAUSDT/last-drift.json"

# BBBUSDT: everything wrong.  Old candles, a ten-day-old incremental
# update that never trades, an expired cache entry, drift, and a failure
# in the newest full run (an older one went well).
store BBBUSDT 1h 1704067200000 $hour 5
model BBBUSDT "$(stamp_ago 864000)" incremental 1 tuned
echo '{"symbol":"BBBUSDT","timeframe":"1h","prob_up":0.25,"signal":"flat","open_time":"2024-01-01T04:00:00Z","stale":true,"cached_at":"2024-01-01T05:00:00Z","expires_at":"2024-01-01T06:00:00Z"}' \
	>"$H/cache/predictions/BBBUSDT.json"
echo '{"symbol":"BBBUSDT","status":"drifted","drifted":true,"max_psi":0.4125,"max_psi_feature":"ret_48"}' \
	>"$H/models/BBBUSDT/last-drift.json"
touch -d '2026-01-02 03:04:05 UTC' "$H/models/BBBUSDT/last-drift.json"
ledger init 20260101T0200Z-full AAAUSDT BBBUSDT && ledger set 20260101T0200Z-full BBBUSDT success &&
	ledger init 20260108T0200Z-full AAAUSDT BBBUSDT &&
	ledger set 20260108T0200Z-full AAAUSDT success &&
	ledger set 20260108T0200Z-full BBBUSDT failed --error "not enough candles" &&
	ledger init 20260108T0600Z-incremental AAAUSDT && ledger set 20260108T0600Z-incremental AAAUSDT success
ok $? "runs made"

# CCCUSDT: candles of two timeframes, no model.  DDDUSDT: a model and no
# candles; its metrics are held-out although config.json says fresh, and
# it says tuned but has no params.json.
store CCCUSDT 1h 1704067200000 $hour 4
store CCCUSDT 5m 1704067200000 300000 6
model DDDUSDT "$(stamp_ago 60)" fresh 0.55 tuned
sed -i 's/"fold": 1,/"heldout": true,/' "$H/models/DDDUSDT/$(readlink "$H/models/DDDUSDT/current")/metrics.json"
sums "$H/models/DDDUSDT/$(readlink "$H/models/DDDUSDT/current")"

py() { python3 -c "import json,sys
for l in sys.stdin: d=json.loads(l); print($1)"; }

run coin-status --json
is "$rc:$err" "0:" "--json exits 0, nothing on stderr"
is "$(printf '%s\n' "$out" | wc -l)" 4 "one line per coin with a store or a model"
is "$(printf '%s\n' "$out" | py 'd["symbol"]' | tr '\n' ' ')" "AAAUSDT BBBUSDT CCCUSDT DDDUSDT " "in symbol order"
A=$(printf '%s\n' "$out" | grep '"AAAUSDT"')
B=$(printf '%s\n' "$out" | grep '"BBBUSDT"')
C=$(printf '%s\n' "$out" | grep '"CCCUSDT"')
D=$(printf '%s\n' "$out" | grep '"DDDUSDT"')

# Candles.
is "$(echo "$A" | py 'd["timeframe"], d["timeframes"], d["candles"]["rows"], d["candles"]["gaps"], d["candles"]["missing"]')" \
	"1h ['1h'] 8 1 2" "candles: timeframe, rows, one gap of two candles"
is "$(echo "$A" | py 'd["candles"]["first"], d["candles"]["last"]')" \
	"$(iso_at $((first / 1000))) $(iso_at $((first / 1000 + 9 * 3600)))" "first and last candle"
age=$(echo "$A" | py 'd["candles"]["age_s"]')
ok "$(test "$age" -ge 3600 && test "$age" -le 7300; echo $?)" "age since the newest candle closed ($age s)"
is "$(echo "$C" | py 'd["timeframe"], d["timeframes"], d["candles"]["rows"]')" "5m ['5m', '1h'] 6" \
	"without a model the shortest timeframe stored is described"
is "$(echo "$D" | py 'd["timeframe"], d["candles"]')" "1h None" "a model without candles: the model's timeframe, no candles"

# Model.
is "$(echo "$A" | py 'd["model"]["stamp"], d["model"]["mode"], d["model"]["params"], d["model"]["evaluation"], d["model"]["trained_to"]')" \
	"$(readlink "$H/models/AAAUSDT/current") fresh tuned walk-forward 2026-02-03T04:00:00Z" \
	"model: stamp, mode, tuned parameters, walk-forward, trained to"
is "$(echo "$A" | py 'd["model"]["auc"], d["model"]["trades"], d["model"]["threshold"], d["model"]["never_trades"], d["model"]["net_bps_per_trade"], d["model"]["total_net_bps"], d["model"]["buy_hold_bps"]')" \
	"0.6125 42 0.6 False 3.25 136.75 -250.4" "figures: AUC, trades, threshold, net per trade, total, buy and hold"
mage=$(echo "$A" | py 'd["model"]["age_s"]')
ok "$(test "$mage" -ge 7200 && test "$mage" -le 7300; echo $?)" "model age from its stamp ($mage s)"
is "$(echo "$B" | py 'd["model"]["evaluation"], d["model"]["never_trades"], d["model"]["params"]')" "held-out True tuned, params.json gone" \
	"an incremental update is held-out; threshold 1 never trades; tuned, its params.json since gone: said"
is "$(echo "$D" | py 'd["model"]["evaluation"], d["model"]["params"]')" "held-out tuned, params.json gone" \
	"metrics with a held-out fold are held-out"

# Cache, drift, runs.
is "$(echo "$A" | py 'd["cache"]["signal"], d["cache"]["prob_up"], d["cache"]["expired"], 2900 < d["cache"]["expires_in_s"] <= 3000')" \
	"long 0.7125 False True" "cache: signal, prob_up, time to expiry"
is "$(echo "$B" | py 'd["cache"]["expired"], d["cache"]["stale"], d["cache"]["expires_in_s"] < 0')" "True True True" "an expired entry"
is "$(echo "$A" | py 'd["drift"]["status"], d["drift"]["drifted"], d["drift"]["max_psi"], d["drift"]["max_psi_feature"]')" \
	"stable False 0.081 vol_12" "drift: the latest check"
is "$(echo "$B" | py 'd["drift"]["drifted"], d["drift"]["checked_at"]')" "True 2026-01-02T03:04:05Z" \
	"a check without its time is as old as the file"
is "$(echo "$C" | py 'd["drift"], d["cache"], d["model"]')" "None None None" "nothing of a section is null"
is "$(echo "$A" | py 'sorted((k, v["run"], v["status"]) for k, v in d["last_run"].items())')" \
	"[('full', '20260108T0200Z-full', 'success'), ('incremental', '20260108T0600Z-incremental', 'success')]" \
	"last run: the newest run of each cycle"
is "$(echo "$B" | py 'd["last_run"]["full"]["status"], d["last_run"]["full"]["error"], "incremental" in d["last_run"]')" \
	"failed not enough candles False" "the newest full run's failure, not the older success; no incremental run of it"

# Flags.
is "$(echo "$A" | py 'd["flags"]')" "[]" "nothing wrong with AAAUSDT"
cp "$H/cache/predictions/AAAUSDT.json" entry.keep
sed -i "s|models/AAAUSDT/$SA|models/AAAUSDT/20200101_000000Z|" "$H/cache/predictions/AAAUSDT.json"
is "$(coin-status --json AAAUSDT | py 'd["cache"]["model"], d["cache"]["replaced_model"], ",".join(d["flags"])')" \
	"models/AAAUSDT/20200101_000000Z True replaced-cache" \
	"a fresh cached signal of a model no longer serving (a train-coin by hand since): replaced-cache"
# What cache-get would not serve is no fresh prediction of the coin:
# another coin's entry copied over it, a prob_up that is not one.
cp "$H/cache/predictions/BBBUSDT.json" "$H/cache/predictions/AAAUSDT.json"
run coin-status --json AAAUSDT
is "$rc" 1 "another coin's entry as AAAUSDT's: exit 1"
is "$(echo "$out" | py 'd["cache"]["error"], ",".join(d["flags"])')" \
	"$H/cache/predictions/AAAUSDT.json: the entry of BBBUSDT, not AAAUSDT expired-cache" \
	"another coin's entry: an error in the row, flagged expired-cache, not shown as AAAUSDT's"
like "$err" "^coin-status: $H/cache/predictions/AAAUSDT.json: the entry of BBBUSDT, not AAAUSDT$" \
	"the reason on stderr, as cache-get says it"
sed 's/"prob_up":[0-9.e-]*/"prob_up":"high"/' entry.keep >"$H/cache/predictions/AAAUSDT.json"
run coin-status -o symbol,prob_up,flags AAAUSDT
is "$rc" 1 "a prob_up of \"high\": exit 1"
like "$out" "AAAUSDT +- +.*expired-cache" "a prob_up of \"high\": no prob_up shown, flagged expired-cache"
like "$err" "AAAUSDT.json: not a prediction: prob_up: missing or not a number in \\[0,1\\]" \
	"a prob_up of \"high\": the reason on stderr"
cp entry.keep "$H/cache/predictions/AAAUSDT.json"
# Nor is another coin's drift check (a file copied by hand) this coin's,
# nor one whose figures are none.
cp "$H/models/AAAUSDT/last-drift.json" drift.keep
cp "$H/models/BBBUSDT/last-drift.json" "$H/models/AAAUSDT/last-drift.json"
run coin-status -o symbol,drift,flags AAAUSDT
is "$rc" 1 "another coin's drift check as AAAUSDT's: exit 1"
like "$out" "AAAUSDT +unreadable +-$" "... shown unreadable, not drifted"
like "$err" "^coin-status: $H/models/AAAUSDT/last-drift.json: the check of BBBUSDT, not of AAAUSDT$" \
	"... the reason on stderr"
sed 's/"max_psi":0.081/"max_psi":"big"/' drift.keep >"$H/models/AAAUSDT/last-drift.json"
run coin-status --json AAAUSDT
is "$rc:$(echo "$out" | py 'd["drift"]["error"]')" "1:$H/models/AAAUSDT/last-drift.json: max_psi: not a number" \
	"a max_psi that is no number: an error"
cp drift.keep "$H/models/AAAUSDT/last-drift.json"
# The text dashboard says the drift checks too (the page and coin-status did).
run summarize --dashboard
like "$out" "
drift +2 checked, 1 drifted: BBBUSDT; 0 unchecked since a retrain
" "summarize --dashboard: a drift line, naming the drifted coin"
is "$(summarize --dashboard --json 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["drift"])')" \
	"{'checked': 2, 'drifted': ['BBBUSDT'], 'unchecked': 0}" "... and its figures in --json"
is "$(echo "$B" | py '",".join(d["flags"])')" "stale-data,old-model,never-trades,failed-run,expired-cache,drifted" \
	"every flag of BBBUSDT"
is "$(echo "$C" | py '",".join(d["flags"])')" "stale-data,no-model" "a store and no model"
is "$(echo "$D" | py '",".join(d["flags"])')" "no-candles" "a model and no candles"

# The table.
run coin-status
is "$rc:$err" "0:" "the table exits 0"
is "$(printf '%s\n' "$out" | wc -l)" 5 "a header and a line per coin"
like "$(printf '%s\n' "$out" | head -n 1)" "^SYMBOL +TF +ROWS +FIRST +LAST +CANDLE_AGE +GAPS +MODEL +MODEL_AGE +TRAINED_TO +PARAMS +FIGURES +AUC +TRADES +THRESHOLD +NET_BPS/TRADE +TOTAL_BPS +BUY_HOLD_BPS +SIGNAL +PROB_UP +EXPIRES_IN +DRIFT +LAST_RUN +FLAGS$" \
	"the header"
# Columns line up: each header word starts where its column does.
col=$(printf '%s\n' "$out" | head -n 1 | awk '{ print index($0, "PARAMS") }')
is "$(printf '%s\n' "$out" | cut -c"$col"- | awk '{ print $1 }' | tr '\n' ' ')" "PARAMS tuned tuned, - tuned, " \
	"aligned columns"
line() { printf '%s\n' "$out" | grep "^$1 "; }
like "$(line AAAUSDT)" "^AAAUSDT +1h +8 +[0-9-]+T[0-9:]+Z +[0-9-]+T[0-9:]+Z +([6-8][0-9]m|1\.[0-9]h|2\.0h) +1 +[0-9_]+Z +(2\.0h|120m|2\.1h) +2026-02-03T04:00Z +tuned +walk-forward +0\.613 +42 +0\.600 +3\.2 +137 +-250 +long +0\.7125 +(49|50)m +stable:0\.081 +full:success,incremental:success +-$" \
	"AAAUSDT's row"
like "$(line BBBUSDT)" " 1h +5 .* held-out +0\.613 +0 +never trades +- +0 +-250 +flat +0\.2500 +expired +drifted:0\.412 +full:failed +stale-data,old-model,never-trades,failed-run,expired-cache,drifted$" \
	"BBBUSDT's row: a model that never trades makes 0 trades, 0 bps (not its folds' 42 trades)"
is "$(echo "$B" | py 'd["model"]["trades"], d["model"]["net_bps_per_trade"], d["model"]["total_net_bps"]')" \
	"0 None 0.0" "--json: never trades, so 0 trades, no net per trade, 0 bps"
like "$(line CCCUSDT)" "^CCCUSDT +5m +6 +2024-01-01T00:00Z +2024-01-01T00:25Z .* +- +- +- +stale-data,no-model$" "CCCUSDT's row"

# -o: the columns asked for, in that order, aligned as in the whole table.
run coin-status -o symbol,AUC,net_bps/trade,Flags
is "$rc:$err" "0:" "-o exits 0"
is "$(printf '%s\n' "$out" | head -n 1)" "SYMBOL     AUC  NET_BPS/TRADE  FLAGS" "-o: its header, in the order given"
is "$(printf '%s\n' "$out" | sed -n 2p)" "AAAUSDT  0.613            3.2  -" "-o: a row of those cells, numbers right-aligned"
is "$(printf '%s\n' "$out" | grep '^BBBUSDT' | awk '{ print $4 }')" \
	"$(coin-status | grep '^BBBUSDT' | awk '{ print $NF }')" "-o: the same cells as the whole table"
run coin-status -o symbol,nope
is "$rc:$out" "2:" "-o with a column that is none: a usage error"
like "$err" '^coin-status: -o: "nope": no such column \(the columns: SYMBOL,TF,.*,FLAGS\)' "that lists the columns"
run coin-status -o auc,AUC
like "$rc:$err" '^2:coin-status: -o: "AUC": named twice' "a column named twice: said"
run coin-status -o symbol,,auc
like "$rc:$err" '^2:coin-status: -o: "": an empty name' "an empty name: said"
run coin-status -o symbol --json
like "$rc:$err" "^2:coin-status: -o chooses the table's columns; --json prints every field" "-o with --json: a usage error"

# Text from the files reaches a terminal without its control characters:
# an OSC title sequence in a cached signal, an escape in a drift status.
mkdir -p "$T/ctl/cache/predictions" "$T/ctl/models/CTLUSDT"
printf '{"symbol":"CTLUSDT","prob_up":0.5,"signal":"\\u001b]0;owned\\u0007BUY","expires_at":"2024-01-01T00:00:00Z"}\n' \
	>"$T/ctl/cache/predictions/CTLUSDT.json"
printf '{"status":"\\u001b[2Jstable","drifted":false,"max_psi":0.1}\n' >"$T/ctl/models/CTLUSDT/last-drift.json"
run coin-status --home "$T/ctl"
is "$(printf '%s\n' "$out" | tr -d '\n' | tr -d '[:print:]' | wc -c)" 0 "no control character in the table"
like "$(printf '%s\n' "$out" | grep '^CTLUSDT')" "  -  .* \?\[2Jstable:0\.100 .*expired-cache$" \
	"shown as '?'; a signal that is neither long nor flat is no prediction: not shown"
# A C1 control (U+009B, CSI) too, and text with multi-byte characters
# keeps the columns (widths in characters).
mkdir -p "$T/ctl/models/CIXUSDT"
printf '{"status":"\\u009b\\u00e9\\u00e9-ok","drifted":false,"max_psi":0.1}\n' >"$T/ctl/models/CIXUSDT/last-drift.json"
run coin-status --home "$T/ctl"
like "$(printf '%s\n' "$out" | grep '^CIXUSDT')" " \?$(printf '\303\251\303\251')-ok:0\.100 " "a C1 control shown as '?', other characters kept"
is "$(printf '%s\n' "$out" | python3 -c 'import re, sys
ls = sys.stdin.read().splitlines()
h = ls[0].index("LAST_RUN")
print(",".join(str(re.search(r":0\.100 +", l).end() == h) for l in ls[1:]))')" "True,True" "LAST_RUN starts in the same column in every row"

# --timeframe, named coins, a coin without anything.
run coin-status --json -t 1h CCCUSDT
is "$(echo "$out" | py 'd["timeframe"], d["candles"]["rows"]')" "1h 4" "-t picks the store"
run coin-status --timeframe 4h --json CCCUSDT
is "$(echo "$out" | py 'd["timeframe"], d["candles"], ",".join(d["flags"])')" "4h None no-candles,no-model" \
	"a timeframe not stored: no candles"
run coin-status --json ZZZUSDT AAAUSDT
is "$rc:$err" "0:" "a named coin without data is no error"
is "$(echo "$out" | py 'd["symbol"], ",".join(d["flags"]) or "-"' | tr '\n' ' ')" "ZZZUSDT no-candles,no-model AAAUSDT - " \
	"named coins in the order named, one without data flagged"

# A data home that is not there is an error, not an empty table.
run coin-status --home "$T/no-such-home"
is "$rc:$out:$err" "1::coin-status: $T/no-such-home: No such file or directory" \
	"a missing --home: exit 1, nothing printed, named"
run coin-status --home /etc/passwd
is "$rc:$out:$err" "1::coin-status: /etc/passwd: Not a directory" "a file as --home: the same"
mkdir "$T/empty-home"
run coin-status --home "$T/empty-home" --json
is "$rc:$out:$err" "0::" "an empty data home is no error: nothing to describe"
# A runs/ that cannot be read: the coins are described, the error said.
mkdir -p "$T/runs-home/candles/AAAUSDT"
cp "$H/candles/AAAUSDT/1h.csv" "$T/runs-home/candles/AAAUSDT/"
: >"$T/runs-home/runs"
run coin-status --home "$T/runs-home" --json
is "$rc:$err" "1:coin-status: $T/runs-home/runs: Not a directory" "runs/ not a directory: exit 1, named"
is "$(echo "$out" | py 'd["symbol"], d["last_run"]')" "AAAUSDT {}" "the coin still described, without a last run"

# A damaged record in the newest run of a cycle marks its coin alone:
# exit 1, said once, that coin's cycle shown as damaged and flagged
# damaged-run; the run's other coins as they are.  A status.json that
# cannot be read: the cycle unreadable for every coin.
L=$T/ledger-home
mkdir -p "$L/candles/AAAUSDT" "$L/candles/BBBUSDT" && cp "$H/candles/AAAUSDT/1h.csv" "$L/candles/AAAUSDT/" &&
	cp "$H/candles/AAAUSDT/1h.csv" "$L/candles/BBBUSDT/"
ledger --home "$L" init 20260101T0200Z-full AAAUSDT && ledger --home "$L" set 20260101T0200Z-full AAAUSDT success &&
	ledger --home "$L" init 20260102T0600Z-incremental AAAUSDT BBBUSDT &&
	ledger --home "$L" set 20260102T0600Z-incremental AAAUSDT failed --error boom &&
	ledger --home "$L" set 20260102T0600Z-incremental BBBUSDT failed --error bang
ok $? "runs of the ledger home made"
rec=$L/runs/20260102T0600Z-incremental/coins/AAAUSDT.json
cp "$rec" good.json && cp "${rec%/coins/*}/status.json" good-status.json && echo garbage >"$rec"
run coin-status --home "$L" --json
is "$rc:$err" "1:coin-status: $rec:1:7: '[' or '{' expected near 'garbage'" "a damaged record: exit 1, said once"
is "$(echo "$out" | sed -n 1p | py 'd["last_run"]["incremental"]["status"], d["last_run"]["incremental"]["error"], d["last_run"]["full"]["status"], ",".join(d["flags"])')" \
	"damaged $rec:1:7: '[' or '{' expected near 'garbage' success no-model,damaged-run" \
	"its coin: damaged, with why, flagged damaged-run; the other cycle as it is"
is "$(echo "$out" | sed -n 2p | py 'd["symbol"], d["last_run"]["incremental"]["status"], d["last_run"]["incremental"]["error"], ",".join(d["flags"])')" \
	"BBBUSDT failed bang no-model,failed-run" "the run's other coin as it is"
run coin-status --home "$L"
like "$(printf '%s\n' "$out" | grep '^AAAUSDT')" " full:success,incremental:damaged +no-model,damaged-run$" "the table says damaged"
like "$(printf '%s\n' "$out" | grep '^BBBUSDT')" " incremental:failed +no-model,failed-run$" "... for that coin alone"
is "$rc" 1 "the table exits 1 too"
printf '{' >"$L/runs/20260102T0600Z-incremental/status.json"
run coin-status --home "$L" --json
is "$rc:$(echo "$out" | py 'd["last_run"]["incremental"]["error"]' | sort -u)" "1:ledger unreadable" "a damaged status.json: the cycle unreadable for every coin"
cp good.json "$rec" && cp good-status.json "${rec%/coins/*}/status.json"
rm -r "$L/candles/BBBUSDT"
# A worker gone while its ledger says running (a batch killed with -9):
# lost, as ledger list says unfinished; the newest run of the cycle is
# the verdict, so the older run's failure gives way to it.
ledger --home "$L" init 20260103T0600Z-incremental AAAUSDT
sh -c 'exit 0' & dp=$!
wait $dp
ledger --home "$L" set 20260103T0600Z-incremental AAAUSDT running --pid $dp
run coin-status --home "$L" --json
is "$rc:$(echo "$out" | py 'd["last_run"]["incremental"]["status"], ",".join(d["flags"])')" "0:lost no-model,lost-run" \
	"a dead worker: lost, flagged lost-run"
run coin-status --home "$L"
like "$(printf '%s\n' "$out" | grep '^AAAUSDT')" " full:success,incremental:lost +no-model,lost-run$" "the table: incremental:lost"
sleep 60 & sp=$!
ledger --home "$L" set 20260103T0600Z-incremental AAAUSDT running --pid $sp
run coin-status --home "$L" --json
is "$(echo "$out" | py 'd["last_run"]["incremental"]["status"], ",".join(d["flags"])')" "running no-model" "a live worker: running, no flag"
kill $sp
ledger --home "$L" set 20260103T0600Z-incremental AAAUSDT running --pid $dp --worker slurm:42_1
run coin-status --home "$L" --json
is "$(echo "$out" | py 'd["last_run"]["incremental"]["status"], ",".join(d["flags"])')" "running no-model" \
	"a worker this host cannot judge (Slurm) is running, not lost"

# Bad usage.
run coin-status 'bad/sym'
is "$rc:$out" "2:" "a bad symbol: exit 2, nothing printed"
like "$err" "^coin-status: invalid symbol \"bad/sym\"" "and says so"
run coin-status --json AAAUSDT ../x
is "$rc:$out" "2:" "a bad symbol among good ones: exit 2 before any output"
run coin-status -t 2h
is "$rc" 2 "an unknown timeframe: exit 2"
like "$err" "2h" "and names it"
mkdir "$T/nowhere"
run coin-status --home "$T/nowhere"
is "$rc:$(printf '%s\n' "$out" | wc -l):$err" "0:1:" "an empty home: exit 0, the header only"

# Damaged files: the coin is described with the error, exit 1.
store EEEUSDT 1h 1704067200000 $hour 3
sed -i '3s/^[0-9]*/17040x/' "$H/candles/EEEUSDT/1h.csv"
run coin-status --json EEEUSDT
is "$rc" 1 "a damaged store: exit 1"
is "$err" "coin-status: $H/candles/EEEUSDT/1h.csv:3: bad open_time (want Unix ms, 1970 to 9999)" "file and line on stderr"
is "$(echo "$out" | py 'd["candles"]["error"] == "'"$H"'/candles/EEEUSDT/1h.csv:3: bad open_time (want Unix ms, 1970 to 9999)", ",".join(d["flags"])')" \
	"True bad-store,no-model" "the row has the error and the flag"
# A word or a field left out among the prices: what train-coin refuses.
store GGGUSDT 1h 1704067200000 $hour 4
sed -i '3s/^\([0-9]*\),[^,]*/\1,abc/' "$H/candles/GGGUSDT/1h.csv"
run coin-status --json GGGUSDT
is "$rc:$err" "1:coin-status: $H/candles/GGGUSDT/1h.csv:3: open, high, low, close, volume: a field missing or not a number" \
	"a price that is a word: exit 1, by file and line"
like "$(echo "$out" | py '",".join(d["flags"])')" "bad-store" "flagged bad-store"
store GGGUSDT 1h 1704067200000 $hour 4
sed -i '4s/^\([0-9]*\),.*/\1,1,2,3/' "$H/candles/GGGUSDT/1h.csv"
run coin-status --json GGGUSDT
like "$rc:$err" "^1:coin-status: $H/candles/GGGUSDT/1h.csv:4: open, high, low, close, volume: a field missing" \
	"a row of 4 fields: by file and line"
# Blanks and quotes around a price (a hand-edited row): the CSV reader
# takes them, so the store is not flagged.
store GGGUSDT 1h 1704067200000 $hour 4
sed -i -e '3s/^\([0-9]*\),\([^,]*\)/\1,"\2"/' -e '4s/^\([0-9]*\),\([^,]*\)/\1, \2/' "$H/candles/GGGUSDT/1h.csv"
run coin-status --json GGGUSDT
is "$rc:$(echo "$out" | py '"bad-store" in d["flags"]')" "0:False" "quotes and blanks around a price: not a bad store"
# ... but a blank within a number, or within its quotes, is refused by
# the reader (ct_parse_double): flagged.
for edit in '3s/^\([0-9]*\),\([0-9]\)/\1,\2 /' '3s/^\([0-9]*\),\([^,]*\)/\1," \2"/'; do
	store GGGUSDT 1h 1704067200000 $hour 4
	sed -i "$edit" "$H/candles/GGGUSDT/1h.csv"
	run coin-status --json GGGUSDT
	is "$rc:$(echo "$out" | py '"bad-store" in d["flags"]')" "1:True" "a blank within a price ($(sed -n 3p "$H/candles/GGGUSDT/1h.csv" | cut -d, -f2)): a bad store"
done
rm -r "$H/candles/GGGUSDT"
# A store cut short in its last row; a store that is a directory.
store FFFUSDT 1h 1704067200000 $hour 3
head -c -4 "$H/candles/FFFUSDT/1h.csv" >cut && mv cut "$H/candles/FFFUSDT/1h.csv"
run coin-status --json FFFUSDT
is "$rc:$err" "1:coin-status: $H/candles/FFFUSDT/1h.csv:4: no newline at the end: the store is cut short" \
	"a store cut short: exit 1, by file and line"
like "$(echo "$out" | py '",".join(d["flags"])')" "bad-store" "flagged bad-store"
rm "$H/candles/FFFUSDT/1h.csv" && mkdir "$H/candles/FFFUSDT/1h.csv"
run coin-status --json --timeframe 1h FFFUSDT
is "$rc:$err" "1:coin-status: $H/candles/FFFUSDT/1h.csv: Is a directory" "a store that is a directory: said so"
rm -r "$H/candles/FFFUSDT"
# A FIFO where a store or the cached prediction belongs is refused at
# once, never waited on for a writer (coin-status and the dashboard hung).
mkdir -p "$H/candles/PIPEUSDT" && mkfifo "$H/candles/PIPEUSDT/1h.csv" "$H/cache/predictions/PIPEUSDT.json"
run timeout 20 coin-status --json PIPEUSDT
is "$rc" 1 "a FIFO as the store and the cache entry: exit 1, not a hang"
is "$err" "coin-status: $H/candles/PIPEUSDT/1h.csv: not a regular file
coin-status: $H/cache/predictions/PIPEUSDT.json: not a regular file" "both named on stderr"
is "$(echo "$out" | py 'd["candles"]["error"], ",".join(d["flags"])')" \
	"$H/candles/PIPEUSDT/1h.csv: not a regular file bad-store,no-model,expired-cache" "flagged bad-store, the reason in the row"
run timeout 20 summarize --dashboard --json
is "$rc" 1 "the dashboard, which scans the same stores, does not hang either"
like "$err" "PIPEUSDT/1h.csv: not a regular file" "and says why"
rm -r "$H/candles/PIPEUSDT" "$H/cache/predictions/PIPEUSDT.json"
# A socket cannot even be opened: not a regular file either.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$H/cache/predictions/SOCKUSDT.json"
run cache-get SOCKUSDT
like "$err" "cache/predictions/SOCKUSDT.json: not a regular file" "a socket as a cache entry: not a regular file"
rm -f "$H/cache/predictions/SOCKUSDT.json"
# A model file that no longer matches sha256.txt (predict refuses it).
a=$H/models/AAAUSDT/$(readlink "$H/models/AAAUSDT/current")
# A model stamped ahead of the clock: its age would be a lie.
cp -R "$a" "$H/models/AAAUSDT/20991231_000000Z"
ln -sfn 20991231_000000Z "$H/models/AAAUSDT/current"
run coin-status --json AAAUSDT
is "$(echo "$out" | py 'd["model"]["error"], "bad-model" in d["flags"]')" \
	"trained in the future (its stamp is ahead of the clock) True" "a model stamped in the future: bad-model"
ln -sfn "$(basename "$a")" "$H/models/AAAUSDT/current"
rm -r "$H/models/AAAUSDT/20991231_000000Z"
# A file left out of sha256.txt could change unseen: bad-model too.
echo '{}' >"$a/drift.json"
run coin-status --json AAAUSDT
is "$rc:$err" "1:coin-status: $a/drift.json: not listed in sha256.txt" "a file sha256.txt does not list: exit 1, named"
like "$(echo "$out" | py '",".join(d["flags"])')" "bad-model" "flagged bad-model"
rm "$a/drift.json"
echo x >>"$a/model.ubj"
run coin-status --json AAAUSDT
is "$rc:$err" "1:coin-status: $a/model.ubj: checksum mismatch" "a model file changed since training: exit 1, named"
is "$(echo "$out" | py 'd["model"]["error"], ",".join(d["flags"])')" \
	"sha256.txt: a file does not match (see standard error) bad-model" "flagged bad-model"
: >"$a/model.ubj"
printf '{"symbol": ' >"$H/models/DDDUSDT/current/config.json"
run coin-status --json DDDUSDT
is "$rc" 1 "a damaged config.json: exit 1"
like "$err" "^coin-status: $H/models/DDDUSDT/current/config.json:1: |^coin-status: $H/models/DDDUSDT/[0-9_]+Z/config.json:1: " \
	"its file and line on stderr"
is "$(echo "$out" | py '",".join(d["flags"])')" "no-candles,bad-model" "flagged bad-model"
ln -sfn ../AAAUSDT/current "$H/models/DDDUSDT/current"
run coin-status --json DDDUSDT
is "$rc:$err" "1:coin-status: $H/models/DDDUSDT/current -> ../AAAUSDT/current: not a link to a model directory of the coin (train-coin links it to a bare STAMP)" \
	"current pointing outside the coin's directory: exit 1, said as predict says it"
is "$(echo "$out" | py 'd["model"]["error"], ",".join(d["flags"])')" "current: not a link to a model directory of the coin (train-coin links it to a bare STAMP) no-candles,bad-model" \
	"flagged bad-model"
# Linked by its absolute path to the coin's own model: bad-model, not
# also rolled back (a path has no stamp order).
ln -sfn "$H/models/AAAUSDT/$(readlink "$H/models/AAAUSDT/current")" "$H/models/DDDUSDT/current"
run coin-status --json DDDUSDT
is "$(echo "$out" | py '",".join(d["flags"])')" "no-candles,bad-model" "current by an absolute path: bad-model alone"

# A restore brought an older model back: the newest full run published a
# newer one, and its ledger still says success.
model ROLUSDT "$(stamp_ago 86400)" fresh 0.6
old=$(readlink "$H/models/ROLUSDT/current")
model ROLUSDT "$(stamp_ago 3600)" fresh 0.6
new=$(readlink "$H/models/ROLUSDT/current")
ledger init 20260115T0200Z-full ROLUSDT && ledger set 20260115T0200Z-full ROLUSDT success --model "$H/models/ROLUSDT/$new"
run coin-status --json ROLUSDT
is "$(echo "$out" | py '",".join(d["flags"])')" "no-candles" "the model the run published is served: not rolled back"
ln -sfn "$old" "$H/models/ROLUSDT/current"
run coin-status --json ROLUSDT
is "$(echo "$out" | py '",".join(d["flags"]), d["last_run"]["full"]["model"].split("/")[-1] == d["model"]["stamp"]')" \
	"no-candles,rolled-back False" "an older model served than the run published: rolled-back"

# That newest full run lists ROLUSDT alone (a one-off --symbols): BBBUSDT
# is judged by the newest full run that lists it, where it failed, not
# by none.
run coin-status --json BBBUSDT
is "$(echo "$out" | py 'd["last_run"]["full"]["run"], d["last_run"]["full"]["status"], "failed-run" in d["flags"]')" \
	"20260108T0200Z-full failed True" "a run of other coins does not clear a coin's failed run"
run summarize --dashboard --max-candle-age off --no-cache-check
like "$out" "FAIL last_full_run +20260115T0200Z-full: 0 of 1 failed; with the 2 kept coins it does not list, by their newest full run: 1 of 3 failed \\(33%, maximum 20%\\): BBBUSDT \\(failed in 20260108T0200Z-full\\)" \
	"the health check judges it by its newest run, names it and the run it failed in"
run summarize --dashboard --max-candle-age off --no-cache-check --max-failed-pct 50
like "$out" "check +ok +last_full_run +20260115T0200Z-full: 0 of 1 failed; with the 2 kept coins" \
	"... with the same limit as any run's (1 of 3 is within 50%)"

# Flags of what no column shows at a glance: candles after now (a wrong
# clock, generated candles), a model of another timeframe than the
# candles described (-t), a fresh cached prediction made from stale
# candles.
mkdir -p "$H/candles/FUTUSDT"
for i in 0 1 2 3; do echo "$(( (now / 3600 + 3 + i) * 3600 * 1000 )),100,101,99,100,5"; done |
	sed '1i open_time,open,high,low,close,volume' >"$H/candles/FUTUSDT/1h.csv"
run coin-status --json FUTUSDT
is "$(echo "$out" | py '",".join(d["flags"])')" "future-data,no-model" "candles after now: future-data"
run summarize --dashboard --no-cache-check
like "$out" "FAIL candles .*with candles after now \\(a wrong clock, generated candles\\): FUTUSDT 1h" \
	"the health check's candles fail on them, naming the store"
store TFXUSDT 1h $(( (now / 3600 - 5) * 3600 * 1000 )) $hour 4
store TFXUSDT 5m $(( (now / 300 - 5) * 300 * 1000 )) 300000 4
model TFXUSDT "$(stamp_ago 600)" fresh 0.6
run coin-status --json -t 5m TFXUSDT
is "$(echo "$out" | py 'd["timeframe"], d["model"]["timeframe"], "other-tf-model" in d["flags"]')" "5m 1h True" \
	"-t 5m with a 1h model: other-tf-model"
run coin-status --json TFXUSDT
is "$(echo "$out" | py 'd["timeframe"], "other-tf-model" in d["flags"]')" "1h False" "without -t: the model's own timeframe, no flag"
echo "{\"symbol\":\"TFXUSDT\",\"timeframe\":\"1h\",\"prob_up\":0.5,\"signal\":\"flat\",\"open_time\":\"$(iso_at $((now - 7200)))\",\"stale\":true,\"cached_at\":\"$(iso_at $((now - 600)))\",\"expires_at\":\"$(iso_at $((now + 3000)))\"}" \
	>"$H/cache/predictions/TFXUSDT.json"
run coin-status --json TFXUSDT
is "$(echo "$out" | py '",".join(d["flags"])')" "stale-cache" "a fresh entry predicted from stale candles: stale-cache"

# An incremental update every six hours keeps a model's stamp young; the
# weekly retrain is judged by the fresh training it descends from
# (config.json's fresh_stamp): updated an hour ago from a model trained
# afresh eleven days ago is old-model, in coin-status and the health check.
store UPDUSDT 1h $first $hour 10
model UPDUSDT "$(stamp_ago 3600)" incremental 0.6
u=$H/models/UPDUSDT/$(readlink "$H/models/UPDUSDT/current")
sed -i "s/\"mode\": \"incremental\",/\"mode\": \"incremental\", \"fresh_stamp\": \"$(stamp_ago 950400)\",/" "$u/config.json"
sums "$u"
run coin-status --json UPDUSDT
is "$(echo "$out" | py 'd["model"]["age_s"] < 7200, d["model"]["fresh_age_s"] >= 950400, "old-model" in d["flags"]')" \
    "True True True" "an update of a fresh model eleven days old: old-model, by its fresh_age_s"
run summarize --dashboard --no-cache-check --max-candle-age off
like "$out" "FAIL models .*oldest UPDUSDT trained from scratch 2[4-9][0-9]\.[0-9] h ago .*UPDUSDT" \
    "the health check names it, with the age of its fresh training"
sed -i "s/\"fresh_stamp\": \"[0-9_Z]*\"/\"fresh_stamp\": \"$(stamp_ago 7200)\"/" "$u/config.json"
sums "$u"
run coin-status --json UPDUSDT
is "$(echo "$out" | py '"old-model" in d["flags"]')" "False" "one descending from a fresh model of two hours ago: not old"
# An update's figures are of its held-out candles, a few dozen perhaps:
# the table says how many when fewer than 1000.
sed -i 's/"aggregate": {"auc": 0.6125,/"aggregate": {"auc": 0.866, "rows": 59,/' "$u/metrics.json"
sums "$u"
run coin-status -o symbol,figures,auc UPDUSDT
is "$(printf '%s\n' "$out" | sed -n 2p)" "UPDUSDT  held-out, 59 rows  0.866" "figures of 59 rows: said with their count"
is "$(coin-status --json UPDUSDT | py 'd["model"]["rows"]')" 59 "--json: the rows"

# A model directory this user may not search: its current link cannot be
# read, which is an error of the model, not "no model" (predict says it
# too).  Root reads anything: the check runs as nobody, where it can.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	chmod 755 "$T"
	chmod 700 "$H/models/UPDUSDT"
	as_nobody() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"; }
	run as_nobody coin-status --json UPDUSDT
	is "$rc:$(echo "$out" | py 'd["model"]["error"], "no-model" in d["flags"], "bad-model" in d["flags"]')" \
	    "1:current: Permission denied False True" "an unreadable current link: bad-model, with why, not no-model"
	like "$err" "models/UPDUSDT/current: Permission denied" "... said on stderr"
	run as_nobody summarize --dashboard --no-cache-check --max-candle-age off
	like "$out" "FAIL models .*bad model: .*UPDUSDT" "the health check calls it a bad model"
	chmod 755 "$H/models/UPDUSDT"
	chmod 700 "$T"
else
	for i in 1 2 3; do ok 0 "# SKIP not root: the check of an unreadable model runs as nobody"; done
fi
done_testing
