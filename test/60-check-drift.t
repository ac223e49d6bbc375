#!/bin/sh
# 60-check-drift.t — the training reference (drift.json) and check-drift as
# an operator runs them: the reference's shape and checksum, stable and
# drifted coins, coins without a model or a reference, a tampered
# reference, symbols from stdin, usage errors, an incremental update that
# carries its parent's reference; then the measurements the defaults rest
# on (test/drift-measure.sh): every one of 10 regime changes flagged within
# 400 candles and never before, at most 1 of 20 stationary random walks
# flagged.
. "$CT_TOP/test/lib.sh"

COSTS=$T/costs.csv
cat >"$COSTS" <<'END'
symbol,taker_fee_bps,maker_fee_bps,median_spread_bps,slippage_bps_per_sigma
*,10,10,2,1
END
TC="train-coin --costs $COSTS --threads 1 --rounds 50 --timeframe 1h"
M=$COINTRAIN_HOME/models

# store SYM N FILE: the store of SYM holds the first N candles of FILE.
store() {
	mkdir -p "$COINTRAIN_HOME/candles/$1"
	head -n $(($2 + 1)) "$3" >"$COINTRAIN_HOME/candles/$1/1h.csv"
}
# field NAME: the value of a scalar field of the JSON line in $out.
field() {
	printf '%s\n' "$out" | sed -n "s/.*\"$1\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" | tr -d '"'
}

fetch-candles -s WALK -t 1h --generate --kind walk --seed 5 --lookback 6000 --stdout \
    >walk.csv 2>walk.err || { echo "# fetch-candles failed: $?"; sed 's/^/# /' walk.err; } >&2
store WALK 4000 walk.csv
$TC --symbol WALK --lookback 4000 >/dev/null
ok $? "train a model on a random walk"
d=$M/WALK/$(readlink "$M/WALK/current")

# The reference.
grep -q '  drift.json$' "$d/sha256.txt"
ok $? "drift.json is listed in sha256.txt"
(cd "$d" && sha256sum -c --quiet sha256.txt)
ok $? "sha256sum -c passes with it"
ok "$(test "$(wc -c <"$d/drift.json")" -lt 8192; echo $?)" "drift.json is a few KB"
python3 - "$d/drift.json" <<'END'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["version"] == 1 and r["bins"] == 10
assert r["rows"] == r["labelled"] > 3800 and r["sampled"] == r["rows"]
assert 0 < r["base_rate"] < 1
f = r["features"]
assert len(f) == 25
for name in ("tod_sin", "tod_cos", "dow_sin", "dow_cos"):
    assert f[name] == {"clock": True}, name
for name, h in f.items():
    if "clock" in h:
        continue
    assert len(h["edges"]) == 9 and h["edges"] == sorted(set(h["edges"])), name
    assert len(h["p"]) == 10 and abs(sum(h["p"]) + h["missing"] - 1) < 1e-3, name
    assert all(0.095 < p < 0.105 for p in h["p"]), name
p = r["prediction"]
assert len(p["edges"]) == 9 and len(p["p"]) == 10 and p["rows"] == r["rows"]
assert all(0 < e < 1 for e in p["edges"])
END
ok $? "drift.json: deciles of 21 features and of the predictions, clock features marked, base rate"

# A stable coin: the model's own training candles.
run check-drift --json WALK
is "$rc" 0 "a stable coin exits 0"
# (Failed twice under make check, once empty output: say why then.)
[ "$rc" = 0 ] || { printf 'stdout: %s\nstderr: %s\n' "$out" "$err"; ls -la "$M/WALK" "$d"; } 2>&1 | sed 's/^/# /' >&2
is "$err" "" "nothing on stderr"
is "$(field status):$(field drifted):$(field window):$(field timeframe)" "stable:false:1500:1h" \
    "status stable, drifted false, the default window of 1500 candles"
python3 - "$out" <<'END'
import json, sys
l = json.loads(sys.argv[1])
keys = ["symbol", "status", "drifted", "timeframe", "model", "window", "from", "to", "psi_max",
        "max_psi", "max_psi_feature", "over", "psi", "reference", "trained_to", "unseen",
        "labelled", "base_rate", "base_rate_ref", "base_rate_shift"]
assert list(l) == keys, list(l)
# A fresh model is its own reference; the window's newest 12 candles (the
# horizon, without a label) are the only ones it did not train on.
assert l["reference"] == l["model"] and l["unseen"] == 12, (l["reference"], l["unseen"])
assert l["trained_to"] < l["to"]
assert l["model"].startswith("models/WALK/") and l["psi_max"] == 0.25
assert len(l["psi"]) == 22 and "prediction" in l["psi"] and "tod_sin" not in l["psi"]
assert l["max_psi"] == max(l["psi"].values()) < 0.25 and l["over"] == []
assert l["labelled"] == 1500 - 12
assert abs(l["base_rate"] - l["base_rate_ref"] - l["base_rate_shift"]) < 1e-5
END
ok $? "the JSON line carries the documented fields, in order"
run check-drift WALK
like "$out" '^WALK 1h stable psi 0\.[0-9]{3} [a-z_0-9]+ base rate 0\.[0-9]+ -> 0\.[0-9]+ unseen 12/1500$' \
    "the text line: symbol, timeframe, status, largest PSI and its feature, base rates, unseen candles"

# Symbols from stdin; a coin without a model is reported, not an error.
run sh -c 'printf "WALK\n\n# a comment\n  NOPE \r\n" | check-drift --json'
is "$rc" 0 "stdin: exit 0 when nothing drifted"
is "$(printf '%s\n' "$out" | sed 's/,"timeframe".*//')" \
    '{"symbol":"WALK","status":"stable","drifted":false
{"symbol":"NOPE","status":"no_model","drifted":false}' "a line per symbol; no model is a status"
# No symbol at a terminal: every coin with a model (it waited on the
# terminal for symbols, silently).
run script -qec "check-drift" /dev/null
is "$rc/$(printf '%s\n' "$out" | tr -d '\r' | cut -d' ' -f1 | tr '\n' ' ')" "0/WALK " \
    "no symbol at a terminal: every coin with a model"
run check-drift NOPE
is "$rc:$out" "0:NOPE no_model" "the text line of a coin without a model"
run check-drift --home "$T/no-such-home" NOPE
is "$rc:$out:$err" "1::check-drift: $T/no-such-home: No such file or directory" \
    "a data home that is not there: said, exit 1 (not 'no_model', no drift)"

# A model from before drift.json: no reference, not an error.
mkdir -p "$M/OLD" && cp -R "$d" "$M/OLD/" && ln -s "$(basename "$d")" "$M/OLD/current"
o=$M/OLD/$(basename "$d")
sed -i 's/"symbol": *"WALK"/"symbol": "OLD"/' "$o/config.json"
rm "$o/drift.json"
(cd "$o" && sha256sum split_indices.json training_log.json model.ubj config.json \
    metrics.json costs.json >sha256.txt)
store OLD 4000 walk.csv
run check-drift --json OLD
is "$rc:$out" '0:{"symbol":"OLD","status":"no_reference","drifted":false}' \
    "a model without drift.json is reported as no_reference"
# A current link to a directory that is not there is broken: an error.
ln -sfn NOPE "$M/OLD/current"
run check-drift --json OLD
is "$rc:$out" '1:{"symbol":"OLD","status":"error","drifted":false,"model":"models/OLD/NOPE"}' \
    "a dangling current link is an error, not no_reference (the model it names said)"
like "$err" "check-drift: OLD: .*/models/OLD/current -> NOPE: No such file or directory" \
    "named, with the reason"
# One that is not a bare STAMP (made by hand, not by train-coin): said so.
ln -sfn "$d" "$M/OLD/current"
run check-drift --json OLD
is "$rc:$out" '1:{"symbol":"OLD","status":"error","drifted":false}' "current as an absolute link: an error"
like "$err" "check-drift: OLD: .*/models/OLD/current: not a link to a model directory of the coin \\(train-coin links it to a bare STAMP\\)" \
    "... saying what is wrong with it, not \"Invalid argument\""
ln -sfn "$(basename "$d")" "$M/OLD/current"
# A drift.json that sha256.txt lists but that is gone is damage, not an
# old model.
rm -rf "$T/saved" && cp -R "$d" "$T/saved"
rm "$d/drift.json"
run check-drift --json WALK
is "$rc:$out" "1:{\"symbol\":\"WALK\",\"status\":\"error\",\"drifted\":false,\"model\":\"models/WALK/$(basename "$d")\"}" \
    "a listed drift.json that is gone: error, exit 1, the model named"
like "$err" "check-drift: $d/drift.json: " "named"
rm -rf "$d" && cp -R "$T/saved" "$d"

# A tampered reference is refused; the other coins are still checked.
rm -rf "$T/saved" && cp -R "$d" "$T/saved"
sed -i 's/"bins":10/"bins":11/' "$d/drift.json"
run check-drift --json WALK NOPE
is "$rc" 1 "a tampered drift.json: exit 1"
like "$err" "drift.json: checksum mismatch" "and a diagnostic naming the file"
is "$(printf '%s\n' "$out" | sed -n 1p)" "{\"symbol\":\"WALK\",\"status\":\"error\",\"drifted\":false,\"model\":\"models/WALK/$(basename "$d")\"}" \
    "its line says error, and of which model (coin-status tells a retrain after it)"
like "$(printf '%s\n' "$out" | sed -n 2p)" '"NOPE","status":"no_model"' "the next coin is still checked"
rm -rf "$d" && cp -R "$T/saved" "$d"
# So is a reference or a costs.json that sha256.txt does not vouch for.
for f in drift.json costs.json; do
	sed -i "/  $f\$/d" "$d/sha256.txt"
	run check-drift --json WALK
	is "$rc:$err" "1:check-drift: $d/$f: not listed in sha256.txt" "$f not in sha256.txt: refused, named"
	rm -rf "$d" && cp -R "$T/saved" "$d"
done

# Options and usage errors.
run check-drift --window 90d --psi-max 0.5 -t 1h --json WALK
is "$rc:$(field window):$(field psi_max)" "0:2160:0.5" "--window 90d is 2160 1h candles; --psi-max"
run check-drift --window 7d --json WALK
is "$(field window)" 168 "--window 7d of a 1h coin: 168 candles, checked"
like "$err" "^check-drift: --window 7d: 168 1h candles, fewer than 1000: stationary random walks are found drifted over so few" \
    "and said to be too few to tell a change from noise"
store WALK 1000 walk.csv
run check-drift --json WALK
is "$rc:$(field window)" "0:897" "a store shorter than the window: all its candles but the 103 of warmup"
store WALK 4000 walk.csv
run check-drift --json --window 2d WALK
is "$rc:$out" "1:{\"symbol\":\"WALK\",\"status\":\"error\",\"drifted\":false,\"model\":\"models/WALK/$(basename "$d")\"}" \
    "a window under 100 candles of the coin's timeframe (2d of 1h) is an error for the coin, its line without figures"
like "$err" "less than the 100" "saying why"
run check-drift --json --window 99 WALK
is "$rc:$out" "2:" "a window of fewer than 100 candles at any timeframe is a usage error"
like "$err" "^check-drift: --window: 99 is fewer than the 100 candles the check needs" "saying why"
run check-drift --timeframe 5m WALK
is "$rc" 1 "a model of another timeframe than --timeframe: exit 1"
like "$err" "is for timeframe 1h, not 5m" "saying so"
for bad in "--psi-max x" "--psi-max 0" "--window 0" "--window 3q" "-t 7m" "--json a/b" \
    "--bogus"; do
	run check-drift $bad WALK
	is "$rc" 2 "check-drift $bad: exit 2"
done
like "$err" "^usage: check-drift" "a usage error prints the usage"
run sh -c 'echo "bad/sym" | check-drift'
is "$rc" 2 "an invalid symbol on stdin: exit 2"

# A regime change: the coin drifts, exit 7, the text line lists features.
fetch-candles -s REG -t 1h --generate --kind regime --seed 2 --lookback 8000 --stdout \
    >reg.csv 2>/dev/null
store REG 6000 reg.csv
$TC --symbol REG --lookback 4000 >/dev/null
store REG 8000 reg.csv
run check-drift REG WALK
is "$rc" 7 "a drifted coin: exit 7"
like "$(printf '%s\n' "$out" | sed -n 1p)" '^REG 1h drifted psi [0-9.]+ [a-z_0-9]+ over 0\.25: ([a-z_0-9]+ ){2,}' \
    "its text line lists the features over the limit"
run check-drift --json REG
is "$(field drifted)" true "drifted true in the JSON line"
# Output that cannot be written is a failure, not "drift found".
run sh -c 'check-drift REG >/dev/full'
is "$rc:$err" "1:check-drift: stdout: No space left on device" "check-drift REG >/dev/full: exit 1, said"

# An incremental update keeps the fresh model's reference of the features
# and recomputes only the prediction part with the updated model.
fetch-candles -s INC -t 1h --generate --kind edge --seed 3 --lookback 6000 --stdout \
    >inc.csv 2>/dev/null
store INC 5000 inc.csv
train-coin --costs "$COSTS" --threads 1 --rounds 5 -t 1h --symbol INC --lookback 4000 >/dev/null
parent=$(readlink "$M/INC/current")
store INC 5600 inc.csv
run train-coin --costs "$COSTS" --threads 1 -t 1h --symbol INC --incremental
is "$rc" 0 "incremental update"
child=$(readlink "$M/INC/current")
is "$(jget "$M/INC/$child/config.json" 'j.get("fresh_stamp")')" "\"$parent\"" \
    "the update's config.json names the fresh model it descends from (fresh_stamp)"
ok "$(test "$child" != "$parent"; echo $?)" "the update was promoted"
python3 - "$M/INC/$parent/drift.json" "$M/INC/$child/drift.json" "$parent" <<'END'
import json, sys
p, c = (json.load(open(f)) for f in sys.argv[1:3])
assert c["carried_from"] == sys.argv[3]
assert c["features"] == p["features"] and c["base_rate"] == p["base_rate"]
assert c["trained_to_ms"] == p["trained_to_ms"]
assert c["prediction"] != p["prediction"] and c["prediction"]["rows"] > 5000
END
ok $? "the update's drift.json: the parent's features, base rate and newest training candle, carried_from, its own predictions"
# Its check measures the parent's reference: the candles the parent
# never trained on are unseen (those the update added among them).
run check-drift --json INC
is "$(field reference):$(field unseen)" "models/INC/$parent:612" \
    "the update's check names the parent's reference; 600 new candles and the horizon unseen"
(cd "$M/INC/$child" && sha256sum -c --quiet sha256.txt)
ok $? "and it is covered by sha256.txt"
# A reference edited since (its checksum no longer holds) is not carried
# on: the update fails, the serving model stays.
cp "$M/INC/$child/drift.json" inc-drift.json
sed 's/"base_rate": *[0-9.e-]*/"base_rate": 0.999/' inc-drift.json >"$M/INC/$child/drift.json"
store INC 5800 inc.csv
run train-coin --costs "$COSTS" --threads 1 -t 1h --symbol INC --incremental
is "$rc:$(readlink "$M/INC/current")" "1:$child" "an update of a model whose drift.json was edited: refused"
is "$err" "train-coin: $M/INC/$child/drift.json: checksum mismatch" \
    "said, with the file, before the update trains (whether it would be promoted or not)"
# A model without a reference (drift.json gone from it and its
# sha256.txt: it still serves, no_reference) is updated, and the update
# makes a new reference of the candles it read.
rm "$M/INC/$child/drift.json"
# ... and no fresh_stamp either (an update made before updates recorded
# it): the next update finds the fresh model through the parents.
python3 -c 'import json, sys
c = json.load(open(sys.argv[1])); del c["fresh_stamp"]; json.dump(c, open(sys.argv[1], "w"))' "$M/INC/$child/config.json"
(cd "$M/INC/$child" && sha256sum $(ls | grep -v '^sha256.txt$') >sha256.txt)
run check-drift INC
like "$rc:$out" "^0:INC no_reference" "no reference: check-drift says so"
run train-coin --costs "$COSTS" --threads 1 -t 1h --symbol INC --incremental
is "$rc" 0 "the update of a model without a reference succeeds"
like "$err" "INC: [^ ]*/$child: no drift reference: a new one of the [0-9]+ candles read" "said"
run check-drift --json INC
is "$(field status):$(field reference)" "stable:models/INC/$(readlink "$M/INC/current")" \
    "the new model is checked against its own new reference"
is "$(jget "$M/INC/current/config.json" 'j.get("fresh_stamp")')" "\"$parent\"" \
    "its fresh_stamp found through a parent that had none: the fresh model"

# The measurements (check-drift(1), CHOICE OF WINDOW AND LIMIT).
n=$(replicates 10)
COINTRAIN_HOME=$T/measure sh "$TOP/test/drift-measure.sh" detect $(seq 1 "$n") >detect
ok $? "$n regime changes measured"
is "$(awk '$2 !~ /^[0-9]+$/ || $2 > 400' detect)" "" \
    "every regime change flagged, never before it, within 400 candles: $(cut -d' ' -f2 detect | tr '\n' ' ')"
n=$(replicates 20)
COINTRAIN_HOME=$T/measure sh "$TOP/test/drift-measure.sh" walk $(seq 1 "$n") >walks
ok $? "$n stationary random walks measured"
is "$(wc -l <walks | tr -d ' ')" "$n" "a line for each walk"
flagged=$(grep -c ' drifted ' walks)
ok "$(test "$flagged" -le 1; echo $?)" "at most 1 of $n random walks flagged: $flagged"

done_testing
