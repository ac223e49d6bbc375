#!/bin/sh
# 50-ledger.t — ledger: init, set, todo, claim, show, event; refused names;
# a corrupt status.json is an error that changes nothing; many concurrent
# writers lose no update.
. "$CT_TOP/test/lib.sh"
R=20251112T0600Z-full
S=$COINTRAIN_HOME/runs/$R/status.json
# field SYM KEY — one field of one symbol, through python3's json.
field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["symbols"][sys.argv[2]][sys.argv[3]])' "$S" "$1" "$2"
}

run ledger init $R BTCUSDT ETHUSDT
is "$rc:$out:$err" "0::" "init creates the run"
is "$(ledger todo $R | tr '\n' ' ')" "BTCUSDT ETHUSDT " "both symbols are to do"
run ledger init 2025-bad BTCUSDT
is "$rc:$err" "1:ledger: 2025-bad: bad run name (want YYYYMMDDTHHMMZ-cycle)" "bad run name refused"
run ledger init $R 'bad/sym'
is "$rc:$err" "1:ledger: bad/sym: bad symbol" "bad symbol refused"
run ledger set $R BTCUSDT done
is "$rc:$err" "2:ledger: done: unknown status (pending running success failed skipped)" "unknown status is a usage error"
run ledger set $R DOGEUSDT running
is "$rc:$err" "1:ledger: $S: DOGEUSDT: not in this run" "set of a symbol not in the run fails"
run ledger set 20251112T0600Z-other BTCUSDT running
is "$rc" 1 "set on a missing run fails"
ok "$(test ! -e "$COINTRAIN_HOME/runs/20251112T0600Z-other"; echo $?)" "and creates nothing"

ledger set $R BTCUSDT running --pid $$
is "$(field BTCUSDT attempts):$(field BTCUSDT pid)" "1:$$" "running counts an attempt and records the pid"
is "$(ledger todo $R)" "ETHUSDT" "a running symbol with a live worker is not to do"
ledger set $R BTCUSDT success --model models/BTCUSDT/20251112_060000Z
is "$(field BTCUSDT status):$(field BTCUSDT model):$(field BTCUSDT pid)" \
	"success:models/BTCUSDT/20251112_060000Z:None" "success records the model"
like "$(field BTCUSDT finished)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "finished is an ISO time"
like "$(field BTCUSDT duration_seconds)" "^[0-9]+\.[0-9]+$" "duration in seconds, to the millisecond"

# A running entry whose worker died is to do again.
sh -c 'exit 0' & dead=$!
wait $dead
ledger set $R ETHUSDT running --pid $dead
is "$(ledger todo $R)" "ETHUSDT" "running with a dead worker is to do"
ledger set $R ETHUSDT failed --error "boom" --error-type error
is "$(ledger todo $R)" "ETHUSDT" "failed after 1 attempt is under the default limit of 2 retries"
is "$(ledger todo $R --retries 0)" "" "but not under --retries 0"
is "$(ledger todo $R --force | tr '\n' ' ')" "BTCUSDT ETHUSDT " "--force: everything"
is "$(field ETHUSDT error):$(field ETHUSDT error_type)" "boom:error" "error and its type recorded"

# init again keeps the state and adds new symbols (from stdin too).
printf 'ETHUSDT\n# comment\nXRPUSDT\n' | ledger init $R
is "$(field BTCUSDT status):$(field ETHUSDT status):$(field XRPUSDT status)" "success:failed:pending" \
	"init of an existing run keeps its state and adds symbols"

# claim hands out pending work only, once.
is "$(ledger claim $R --pid $$)" "XRPUSDT" "claim takes the pending symbol"
is "$(ledger claim $R --pid $$)" "" "nothing more to claim (failed ones are requeued by the batch)"
is "$(field XRPUSDT status)" "running" "claimed symbol is running"

run ledger show $R --table
like "$out" "^SYMBOL +STATUS +ATTEMPTS" "show --table has a header"
like "$out" "# $R: 0 pending, 1 running, 1 success, 1 failed, 0 skipped" "show --table counts"
run ledger show $R
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["symbols"]))')" 3 "show prints the JSON"

run ledger event $R coin_failed symbol=ETHUSDT attempt:=2 final:=true error="x y"
like "$out" '^\{"ts":"[0-9T:Z-]+","event":"coin_failed","run":"'$R'","symbol":"ETHUSDT","attempt":2,"final":true,"error":"x y"\}$' \
	"event prints the line"
is "$(cat "$COINTRAIN_HOME/logs/$R/engine.log")" "$out" "and appends it to engine.log"
run ledger event $R Bad-Event
is "$rc" 1 "bad event name refused"
run ledger event $R x attempt:=nojson
is "$rc" 1 "bad JSON value refused"

# Corrupt file: a clear error, nothing changed, never reset.
cp "$S" good.json
printf '{"run": "x", "symbols": {\n  "BTCUSDT": {"status": "success",, }\n}\n' >"$S"
cp "$S" corrupt.json
run ledger set $R BTCUSDT failed
is "$rc:$err" "1:ledger: $S: 2:35: string or '}' expected near ','" "corrupt status.json: file:line:col: reason"
cmp -s "$S" corrupt.json
ok $? "the corrupt file is left as it was"
run ledger init $R BTCUSDT
is "$rc" 1 "init does not reset a corrupt ledger"
printf '{"symbols": {"BTCUSDT": {"status": "weird", "attempts": 0}}}\n' >"$S"
run ledger todo $R
is "$rc:$err" "1:ledger: $S: symbols.BTCUSDT: missing or unknown status" "unknown status in the file is an error"
cp good.json "$S"

# Concurrency: 40 writers at once, each its own symbol, plus claims.
R2=20251112T0700Z-incremental
i=0 syms=''
while [ $i -lt 40 ]; do syms="$syms C${i}USDT"; i=$((i + 1)); done
ledger init $R2 $syms
for s in $syms; do
	( ledger set $R2 "$s" running --pid $$ && ledger set $R2 "$s" success --model "m/$s" ) &
done
wait
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["symbols"]; print(sum(1 for e in d.values() if e["status"]=="success" and e["attempts"]==1 and e["model"]))' \
	"$COINTRAIN_HOME/runs/$R2/status.json")
is "$n" 40 "40 concurrent writers: every update kept, file valid"
ledger init $R2 X1USDT X2USDT X3USDT X4USDT X5USDT X6USDT
for i in 1 2 3 4 5 6 7 8; do ledger claim $R2 --pid $$ >"claim.$i" & done
wait
is "$(cat claim.* | sort | tr '\n' ' ')" "X1USDT X2USDT X3USDT X4USDT X5USDT X6USDT " "8 concurrent claims: each symbol handed out once"
is "$(find "$COINTRAIN_HOME" -name '*.tmp*' | wc -l)" 0 "no temporary files left"
done_testing
