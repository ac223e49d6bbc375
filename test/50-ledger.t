#!/bin/sh
# 50-ledger.t — ledger: init, set, todo, claim, show, event; refused names;
# a corrupt status.json or record is an error that changes nothing; many
# concurrent writers lose no update; a change writes one record; a ledger
# of the first layout (all records in status.json) reads and resumes.
. "$CT_TOP/test/lib.sh"
R=20251112T0600Z-full
S=$COINTRAIN_HOME/runs/$R/status.json
C=$COINTRAIN_HOME/runs/$R/coins
# field SYM KEY [RUN] — one field of one symbol as ledger show prints it.
field() {
	ledger show "${3:-$R}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["symbols"][sys.argv[1]][sys.argv[2]])' "$1" "$2"
}

run ledger init $R BTCUSDT ETHUSDT
is "$rc:$out:$err" "0::" "init creates the run"
is "$(ledger todo $R | tr '\n' ' ')" "BTCUSDT ETHUSDT " "both symbols are to do"
run ledger init 2025-bad BTCUSDT
is "$rc:$err" "2:ledger: 2025-bad: bad run name (want YYYYMMDDTHHMMZ-cycle, latest or latest-CYCLE)" "bad run name: usage error"
run ledger init 20251399T0600Z-full </dev/null
is "$rc" 2 "a run name whose time cannot be (month 13, day 99): usage error"
run ledger init $R 'bad/sym'
is "$rc:$err" "2:ledger: bad/sym: not a symbol ([A-Z0-9][A-Z0-9._-]{0,31})" "bad symbol: usage error"
run ledger set $R "$(printf 'X\033]0;pwned\007')" running
is "$rc:$err" "2:ledger: X?]0;pwned?: not a symbol ([A-Z0-9][A-Z0-9._-]{0,31})" "control bytes of an argument are not sent to the terminal"
printf 'OKUSDT\n\033[2J\n' >syms.txt
run ledger init 20251112T0500Z-full <syms.txt
is "$rc:$err" "2:ledger: <stdin>:2: invalid symbol \"?[2J\"" "a bad symbol on stdin: line named, control bytes escaped, exit 2 as in every tool"
ok "$(test ! -e "$COINTRAIN_HOME/runs/20251112T0500Z-full"; echo $?)" "and no run is made"
# A tool's message in a legacy encoding, or cut inside a character, is
# still recorded (jansson refuses bytes that are not UTF-8): such bytes
# become '?', and a C1 control (U+009B, CSI) is not sent to a terminal.
U=20251112T0400Z-full E=$T/enc
ledger --home "$E" init $U LATUSDT
run ledger --home "$E" set $U LATUSDT failed --error "$(printf 'LATUSDT.csv:3: bad number "caf\351" \303\251\302\233[2J')"
is "$rc:$(COINTRAIN_HOME=$E field LATUSDT error $U)" "0:LATUSDT.csv:3: bad number \"caf?\" $(printf '\303\251\302\233')[2J" \
	"an error with a byte that is not UTF-8 is kept, that byte as '?'"
like "$(ledger --home "$E" show --table $U | grep LATUSDT)" "caf\\?\" $(printf '\303\251')\\?\\[2J" "the table shows the C1 control as '?'"
run ledger --home "$E" event $U coin_failed symbol=LATUSDT "error=$(printf 'caf\351')"
is "$rc:$(tail -n 1 "$E/logs/$U/engine.log" | sed 's/.*"error"://')" '0:"caf?"}' \
	"an event field that is not UTF-8 is logged, not refused"
run ledger --home "$E" event $U coin_failed "$(printf 'caf\351')=x"
is "$rc:$err" "2:ledger: caf?=x: the key is not UTF-8" "a key that is not UTF-8: refused, and said"
printf 'CRUSDT\r\nLFUSDT\r\n' >syms.txt
run ledger --home "$T/crlf" init 20251112T0600Z-full <syms.txt
is "$rc:$(ledger --home "$T/crlf" show 20251112T0600Z-full | grep -c '"CRUSDT": {')" "0:1" \
	"a list with CRLF line ends is read as every tool reads one"
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
run ledger set $R ETHUSDT failed --error "boom" --error-type weird
like "$rc:$err" "^2:ledger: --error-type: weird: want one of error, timeout, killed, transient, lost
usage: " "an unknown --error-type: usage error, the kinds listed"
ledger set $R ETHUSDT failed --error "boom" --error-type error
is "$(ledger todo $R)" "ETHUSDT" "failed after 1 attempt is under the default limit of 2 retries"
is "$(ledger todo $R --retries 0)" "" "but not under --retries 0"
run ledger todo $R --retries x
like "$rc:$err" "^2:ledger: --retries: x: want a number from 0 to 1000
usage: " "a bad --retries: usage error, says why"
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
like "$out" "^SYMBOL +STATUS +ATTEMPTS +SECONDS +STARTED +FINISHED +ERROR/MODEL" "show --table has a header"
like "$out" "^XRPUSDT +running +1 +- +20[0-9-]+T[0-9:]+Z +- +-$" "show --table: a running coin's start time"
like "$out" "# $R: 0 pending, 1 running, 1 success, 1 failed, 0 skipped" "show --table counts"
run ledger show $R
is "$(printf '%s' "$out" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["symbols"]))')" 3 "show prints the JSON"

run ledger event $R coin_failed symbol=ETHUSDT attempt:=2 final:=true error="x y"
like "$out" '^\{"ts":"[0-9T:Z-]+","event":"coin_failed","run":"'$R'","symbol":"ETHUSDT","attempt":2,"final":true,"error":"x y"\}$' \
	"event prints the line"
is "$(cat "$COINTRAIN_HOME/logs/$R/engine.log")" "$out" "and appends it to engine.log"
run ledger event $R Bad-Event
is "$rc" 2 "bad event name refused"
run ledger set $R BTCUSDT running --pid abc
is "$rc:$(printf '%s\n' "$err" | head -n 1)" '2:ledger: --pid: not a process id: "abc"' "a bad --pid: usage error, said"
run ledger event $R x attempt:=nojson
is "$rc" 2 "bad JSON value refused"
n=$(wc -l <"$COINTRAIN_HOME/logs/$R/engine.log")
for kv in event=job_completed run=other ts=x 'run:="o"'; do
	run ledger event $R coin_started "$kv"
	is "$rc" 2 "a field may not replace the line's own: $kv"
done
like "$err" "ledger: run:=\"o\": run is the log's own field" "said so"
is "$(wc -l <"$COINTRAIN_HOME/logs/$R/engine.log")" "$n" "and nothing was logged"
cp "$COINTRAIN_HOME/logs/$R/engine.log" "$T/log.before"
run ledger event $R coin_started runner=x events:=1
like "$out" '"event":"coin_started","run":"'$R'","runner":"x","events":1\}$' \
	"keys that only begin like them are fields"
mv "$T/log.before" "$COINTRAIN_HOME/logs/$R/engine.log"

# Corrupt status.json: a clear error, nothing changed, never reset.
cp "$S" good.json
printf '{"run": "x", "symbols": {\n  "BTCUSDT": {"status": "success",, }\n}\n' >"$S"
cp "$S" corrupt.json
run ledger todo $R
is "$rc:$err" "1:ledger: $S:2:35: string or '}' expected near ','" "corrupt status.json: file:line:col: reason"
run ledger set $R DOGEUSDT failed
is "$rc:$err" "1:ledger: $S:2:35: string or '}' expected near ','" "a change that needs the list of symbols says so too"
run ledger init $R BTCUSDT
is "$rc" 1 "init does not reset a corrupt ledger"
cmp -s "$S" corrupt.json
ok $? "the corrupt file is left as it was"
printf '{"symbols": {"BTCUSDT": {"status": "weird", "attempts": 0}}}\n' >"$S"
run ledger todo $R
is "$rc:$err" "1:ledger: $S: symbols.BTCUSDT: missing or unknown status" "unknown status in the file is an error"
printf '{"symbols": ["BTCUSDT", "BTCUSDT"]}\n' >"$S"
run ledger show $R
is "$rc:$err" "1:ledger: $S: symbols: BTCUSDT: listed twice" "a symbol listed twice is an error"
cp good.json "$S"

# A corrupt record is named by its own file and marks its symbol alone:
# readers show it "damaged" and the others as they are (exit 1); todo
# lists it to be done again, so a batch resumes the run; claim passes it
# over; a change starts it anew and keeps the damaged file beside it.
cp "$C/ETHUSDT.json" good.json
printf '{"status": "failed",\n "attempts": 1,, }\n' >"$C/ETHUSDT.json"
cp "$C/ETHUSDT.json" corrupt.json
D="ledger: $C/ETHUSDT.json:2:16: string or '}' expected near ','"
run ledger show $R --table
is "$rc:$err" "1:$D" "corrupt record: file:line:col: reason, exit 1"
like "$(printf '%s\n' "$out" | grep '^BTCUSDT')" '^BTCUSDT +success +1 ' "the other symbols as they are"
like "$(printf '%s\n' "$out" | grep '^ETHUSDT')" "^ETHUSDT +damaged +- .*ETHUSDT.json:2:16: " "the damaged one shown as such, with why"
like "$(printf '%s\n' "$out" | tail -n 1)" ", 1 damaged$" "and counted"
run ledger show $R
is "$rc:$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["symbols"]; print(d["BTCUSDT"]["status"], d["ETHUSDT"]["status"], d["ETHUSDT"]["attempts"], d["ETHUSDT"]["error_type"])')" \
	"1:success damaged None damaged" "show: JSON with the damaged symbol's status \"damaged\""
run ledger todo $R --retries 0
is "$rc:$out:$err" "1:ETHUSDT:$D" "todo lists it to do again (even with no retries: its state is not known)"
run ledger todo $R --lost
is "$rc:$out" "1:" "... but not as a lost worker"
run ledger list
like "$(printf '%s\n' "$out" | grep "^$R ")" " 3 +1 +0 +0 +0 +1 +running$" "list: the run's other coins counted"
is "$rc" 1 "list exits 1"
cmp -s "$C/ETHUSDT.json" corrupt.json
ok $? "readers leave the corrupt record as it was"
run ledger init $R BTCUSDT ETHUSDT
is "$rc:$(cmp -s "$C/ETHUSDT.json" corrupt.json && echo same)" "0:same" "init keeps it too"
rm -f "$COINTRAIN_HOME/runs/$R/claim.next"	# a new pass
run ledger claim $R --pid $$
is "$rc:$out:$err" "0::$D
ledger: $C/ETHUSDT.json: damaged: not claimed (set it pending to do it again)" "claim passes it over, saying why"
run sh -c "echo ETHUSDT | ledger set $R - pending"
is "$rc:$err" "0:$D
ledger: $C/ETHUSDT.json: damaged record replaced (the old one kept as ETHUSDT.json.damaged)" \
	"set (the batch requeues what todo listed): replaced, said"
cmp -s "$C/ETHUSDT.json.damaged" corrupt.json
ok $? "the damaged record is kept beside it"
run ledger show $R --table
is "$rc:$err:$(printf '%s\n' "$out" | grep '^ETHUSDT' | awk '{print $2, $3}')" "0::pending 0" \
	"the symbol is pending again, its attempts counted anew"
cp good.json "$C/ETHUSDT.json"
rm "$C/ETHUSDT.json.damaged"
# A record that cannot be read (here: not a regular file; on a cluster
# home, EIO or ESTALE) says nothing of its content: a change is refused,
# not a reset of the record (its attempts and its model would go).
mv "$C/ETHUSDT.json" good.json.kept
mkdir "$C/ETHUSDT.json"
run ledger set $R ETHUSDT running --pid $$
is "$rc:$err:$(ls -d "$C"/ETHUSDT.json* | wc -l)" "1:ledger: $C/ETHUSDT.json: Is a directory:1" \
	"a record that cannot be read: the change refused, nothing replaced"
rmdir "$C/ETHUSDT.json"
mv good.json.kept "$C/ETHUSDT.json"

# A change rewrites its symbol's record alone; setting a fresh symbol
# pending writes nothing.
R5=20251112T0500Z-predict
ledger init $R5 AUSDT BUSDT CUSDT
cp "$COINTRAIN_HOME/runs/$R5/status.json" list.json
printf 'AUSDT\nBUSDT\nCUSDT\n' | ledger set $R5 - pending
is "$(ls "$COINTRAIN_HOME/runs/$R5/coins" 2>/dev/null | wc -l)" 0 "set - pending of fresh symbols writes no record"
ledger set $R5 BUSDT running --pid $$
is "$(ls "$COINTRAIN_HOME/runs/$R5/coins" | tr '\n' ' ')" "BUSDT.json " "a change writes its symbol's record"
cmp -s "$COINTRAIN_HOME/runs/$R5/status.json" list.json
ok $? "... and leaves status.json as it was"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["symbols"])' list.json)" \
	"['AUSDT', 'BUSDT', 'CUSDT']" "status.json lists the symbols in order"
is "$(field BUSDT status $R5):$(field AUSDT status $R5):$(ledger todo $R5 | tr '\n' ' ')" "running:pending:AUSDT CUSDT " \
	"readers see every symbol, with its record or as added"

# Claims make one pass in ledger order, in any process; a symbol set
# pending behind the pass starts a new one.
is "$(ledger claim $R5 --pid $$)" "AUSDT" "claim: the first pending"
ledger set $R5 AUSDT success
is "$(ledger claim $R5 --pid $$)" "CUSDT" "the next claim goes on from there"
ledger set $R5 AUSDT pending
is "$(ledger claim $R5 --pid $$):$(ledger claim $R5 --pid $$)" "AUSDT:" "a symbol set pending is claimed again, once"
rm -rf "$COINTRAIN_HOME/runs/$R5"

# Concurrency: 40 writers at once, each its own symbol, plus claims.
R2=20251112T0700Z-incremental
i=0 syms=''
while [ $i -lt 40 ]; do syms="$syms C${i}USDT"; i=$((i + 1)); done
ledger init $R2 $syms
for s in $syms; do
	( ledger set $R2 "$s" running --pid $$ && ledger set $R2 "$s" success --model "m/$s" ) &
done
wait
n=$(ledger show $R2 | python3 -c 'import json,sys; d=json.load(sys.stdin)["symbols"]; print(sum(1 for e in d.values() if e["status"]=="success" and e["attempts"]==1 and e["model"]))')
is "$n" 40 "40 concurrent writers: every update kept, file valid"
ledger init $R2 X1USDT X2USDT X3USDT X4USDT X5USDT X6USDT
for i in 1 2 3 4 5 6 7 8; do ledger claim $R2 --pid $$ >"claim.$i" & done
wait
is "$(cat claim.* | sort | tr '\n' ' ')" "X1USDT X2USDT X3USDT X4USDT X5USDT X6USDT " "8 concurrent claims: each symbol handed out once"
is "$(find "$COINTRAIN_HOME" -name '*.tmp*' | wc -l)" 0 "no temporary files left"
: >"$COINTRAIN_HOME/runs/$R2/coins/.C1USDT.json.tmp.x1Y2z3"
: >"$COINTRAIN_HOME/runs/$R2/.status.json.tmp.x1Y2z3"
ledger init $R2
is "$(find "$COINTRAIN_HOME" -name '*.tmp*' | wc -l)" 0 "init removes the temporaries of writers killed with SIGKILL"

# A bad line on stdin: nothing is created.
ok "$(test ! -e "$COINTRAIN_HOME/runs/20251112T0500Z-full"; echo $?)" "init with a bad line on stdin creates nothing"

# Runs are easy to find: ledger list; latest and latest-CYCLE for a RUN.
R3=20251113T0600Z-predict R4=20251113T0500Z-incremental
ledger init $R3 AUSDT && ledger set $R3 AUSDT success
ledger init $R4 AUSDT BUSDT && ledger set $R4 AUSDT failed --error x
run ledger list
is "$rc:$err" "0:" "list exits 0"
like "$out" "^RUN +CYCLE +STARTED +TOTAL +SUCCESS +FAILED +SKIPPED +PENDING +RUNNING +STATE$" "list: header"
like "$out" "^$R +full +20[0-9-]{8}T[0-9:]{8}Z +3 +1 +1 +0 +0 +1 +running$" "list: a run with a live worker is running"
like "$out" "^$R3 +predict +.* 1 +1 +0 +0 +0 +0 +finished$" "list: a run with all done is finished"
like "$out" "^$R4 +incremental +.* 2 +0 +1 +0 +1 +0 +unfinished$" "list: a run with coins pending is unfinished"
# A worker this host cannot judge (a Slurm task) may be at work: running.
ledger set $R4 BUSDT running --worker slurm:42_1
like "$(ledger list | grep "^$R4")" " running$" "list: a run with a Slurm task's coin running is running"
ledger set $R4 BUSDT skipped
like "$(ledger list | grep "^$R4")" " failed$" "list: a run done with a failure failed"
is "$(ledger list --json | sed -n 1p | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d["run"], d["cycle"], d["total"], d["state"])')" \
	"$R full 3 running" "list --json: one object per run"
is "$(ledger list | sed 1d | cut -d' ' -f1 | tr '\n' ' ')" "$R $R2 $R4 $R3 " "list: oldest first"
# An old run's damaged status.json (kept until pruned): that run listed
# as unreadable, named on stderr, exit 1; every other run listed as it is.
S2=$COINTRAIN_HOME/runs/$R2/status.json
cp "$S2" good.json && truncate -s 30 "$S2"
run ledger list
is "$rc:$(printf '%s\n' "$err" | sed 's/:[0-9]*:[0-9]*: .*//')" "1:ledger: $S2" "a damaged old run: exit 1, its file named"
is "$(printf '%s\n' "$out" | sed 1d | awk '{print $1, $NF}' | tr '\n' ' ')" \
	"$R running $R2 unreadable $R4 failed $R3 finished " "... and every other run listed all the same"
cp good.json "$S2"
is "$(ledger show latest --table | tail -n 1)" "# $R3: 0 pending, 0 running, 1 success, 0 failed, 0 skipped" "latest: the newest run"
is "$(ledger todo latest-full --force | tr '\n' ' ')" "BTCUSDT ETHUSDT XRPUSDT " "latest-full: the newest full run"
ledger set latest-incremental BUSDT pending
is "$(ledger show latest-incremental --table | grep BUSDT | awk '{print $2}')" "pending" "latest-incremental for set and show"
run ledger todo latest-tune
is "$rc:$err" "1:ledger: latest-tune: no tune run in $COINTRAIN_HOME/runs" "latest-CYCLE without such a run: exit 1"
run ledger todo latest-Full
is "$rc" 2 "latest-CYCLE with a bad cycle: usage error"
mkdir "$T/empty"
run ledger --home "$T/empty" list
is "$rc:$(printf '%s\n' "$out" | wc -l)" "0:1" "list of a home without runs: the header alone"
# A mistyped --home is not an empty data home.
run ledger --home "$T/no-such-home" list
is "$rc:$out:$err" "1::ledger: $T/no-such-home: No such file or directory" "list of a missing home: exit 1, named"
run ledger list extra
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:ledger: list: unexpected argument: extra" \
	"an argument too many: usage error, the reason before the usage"
run ledger show
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:ledger: show: missing RUN" "a RUN missing: said"
run ledger set 20260101T0000Z-full BTCUSDT
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:ledger: set: missing argument" "an argument missing: said"

# A read-only home still says what a rerun would do (reading needs no lock).
run unshare -m sh -c '{ mount --bind "$1" "$1" && mount -o remount,ro,bind "$1"; } 2>/dev/null || exit 77
	ledger todo "$2" --force && ledger show "$2" --table >/dev/null && ledger list >/dev/null' \
	sh "$COINTRAIN_HOME" $R
if [ "$rc" -ne 77 ] && unshare -m true 2>/dev/null; then
	is "$rc:$(printf '%s' "$out" | tr '\n' ' '):$err" "0:BTCUSDT ETHUSDT XRPUSDT:" "todo, show and list on a read-only home"
else
	ok 0 "# SKIP no mount namespace for a read-only home"
fi

# The attempts counter cannot overflow: a huge count is a damaged file,
# which a change replaces.
B=$C/BTCUSDT.json
cp "$B" good.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["attempts"]=9223372036854775807; json.dump(d, open(sys.argv[1], "w"))' "$B"
run ledger set $R BTCUSDT running
is "$rc:$err:$(field BTCUSDT attempts)" "0:ledger: $B: attempts is not an integer in [0, 1000000000]
ledger: $B: damaged record replaced (the old one kept as BTCUSDT.json.damaged):1" \
	"attempts near INT64_MAX: damaged, no overflow; a change counts anew"
rm "$B.damaged"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["attempts"]=1000000000; json.dump(d, open(sys.argv[1], "w"))' "$B"
run ledger set $R BTCUSDT running
is "$rc:$err" "1:ledger: $S: BTCUSDT: 1000000000 attempts; no more" "the last attempt is not counted past the limit"
cp good.json "$B"

# A ledger of the first layout (every record inside status.json, as
# written before records had files of their own) reads and resumes; a
# record in coins/ overrides the one inside.
R6=20251101T0600Z-full
mkdir -p "$COINTRAIN_HOME/runs/$R6"
cat >"$COINTRAIN_HOME/runs/$R6/status.json" <<'JSON'
{
  "run": "20251101T0600Z-full",
  "created": "2025-11-01T06:00:00Z",
  "updated": "2025-11-01T06:09:00Z",
  "symbols": {
    "AUSDT": {"status": "success", "attempts": 1, "started": "2025-11-01T06:00:01Z",
      "finished": "2025-11-01T06:04:01Z", "duration_seconds": 240.0, "error": null,
      "error_type": null, "model": "models/AUSDT/20251101_060401Z", "pid": null},
    "BUSDT": {"status": "failed", "attempts": 1, "started": "2025-11-01T06:04:01Z",
      "finished": "2025-11-01T06:09:00Z", "duration_seconds": 299.0, "error": "boom",
      "error_type": "timeout", "model": null, "pid": null},
    "CUSDT": {"status": "pending", "attempts": 0, "started": null, "finished": null,
      "duration_seconds": null, "error": null, "error_type": null, "model": null, "pid": null}
  }
}
JSON
is "$(ledger todo $R6 | tr '\n' ' ')" "BUSDT CUSDT " "first layout: todo"
printf 'BUSDT\n' | ledger set $R6 - pending
is "$(ledger claim $R6 --pid $$):$(ledger claim $R6 --pid $$)" "BUSDT:CUSDT" "first layout: set pending and claim"
ledger init $R6 AUSDT DUSDT
is "$(ledger show $R6 --table | tail -n 1)" "# $R6: 1 pending, 2 running, 1 success, 0 failed, 0 skipped" \
	"first layout: init adds, every record kept"
is "$(field AUSDT model $R6):$(field BUSDT attempts $R6):$(field BUSDT error $R6)" \
	"models/AUSDT/20251101_060401Z:2:boom" "first layout: a record of coins/ overrides the one inside"
like "$(ledger list | grep "^$R6")" "^$R6 +full +2025-11-01T06:00:00Z +4 +1 +0 +0 +1 +2 +running$" "first layout: list"
rm -rf "$COINTRAIN_HOME/runs/$R6"

# Locks and the event log are never opened through a symlink.
L=$COINTRAIN_HOME/logs/$R/engine.log
rm -f "$COINTRAIN_HOME/runs/$R/.lock"
ln -s "$T/elsewhere.lock" "$COINTRAIN_HOME/runs/$R/.lock"
run ledger set $R BTCUSDT success
like "$rc:$err" "^1:ledger: .*/runs/$R/.lock: " "a symlink as the run's lock is refused"
ok "$(test ! -e "$T/elsewhere.lock"; echo $?)" "... and nothing is created where it points"
rm "$COINTRAIN_HOME/runs/$R/.lock"
mv "$L" "$T/log.saved" && ln -s "$T/elsewhere.log" "$L"
run ledger event $R x
like "$rc:$err" "^1:ledger: $L: " "a symlink as engine.log is refused"
ok "$(test ! -e "$T/elsewhere.log"; echo $?)" "... and nothing is appended where it points"
rm "$L" && mv "$T/log.saved" "$L"

# A full disk or a file size limit: the event is refused whole with the
# reason, and the log stays one whole JSON line per event.
size=$(wc -c <"$L")
pad=$(head -c 100000 /dev/zero | tr '\0' x)
run sh -c 'ulimit -f "$1" && ledger event "$2" big pad="$3"' sh $((size / 512 + 2)) $R "$pad"
is "$rc:$err" "1:ledger: $L: File too large" "file size limit: error named, exit 1"
is "$(wc -c <"$L")" "$size" "... and the half-written line is taken back"
ledger event $R after x=1 >/dev/null
run python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]; print(sum(1 for l in open(sys.argv[1])))' "$L"
is "$rc:$out" "0:2" "the next event is a line of its own"
mkdir -p full
run unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$1" 2>/dev/null || exit 77
	ledger --home "$1/h" event "$2" a x=1 >/dev/null || exit 1
	dd if=/dev/zero of="$1/fill" bs=4k count=14 2>/dev/null
	ledger --home "$1/h" event "$2" big pad="$3" >/dev/null
	echo "$? $(wc -c <"$1/h/logs/$2/engine.log") $(wc -l <"$1/h/logs/$2/engine.log")"' sh "$T/full" $R "$pad"
if [ "$rc" -eq 0 ]; then
	is "$out:$err" "1 $(ledger --home "$T/h5" event $R a x=1 | wc -c) 1:ledger: $T/full/h/logs/$R/engine.log: No space left on device" \
		"a full disk (64k tmpfs): \"No space left on device\", the log as it was"
else
	ok 0 "# SKIP no tmpfs mount here ($rc: $err)"
fi
# A change that prints nothing succeeds with stdout closed (cron may
# leave it so): no output was lost, and a caller that retried on the
# failure would count the attempt twice.  One that prints fails.
R9=20251115T0600Z-full
ledger init $R9 AAAUSDT >&- 2>err9
is "$?:$(cat err9)" "0:" "ledger init with stdout closed: exit 0"
ledger set $R9 AAAUSDT running --pid 1 >&- 2>err9
is "$?:$(cat err9):$(ledger show $R9 --table | awk '$1 == "AAAUSDT" { print $2, $3 }')" "0::running 1" \
	"ledger set with stdout closed: exit 0, the attempt counted once"
ledger show $R9 >&- 2>err9
is "$?:$(cat err9)" "1:ledger: stdout: Bad file descriptor" "ledger show with stdout closed: its output lost, exit 1"

done_testing
