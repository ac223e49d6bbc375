#!/bin/sh
# predict on models trained by the real train-coin: no train/serve skew,
# tampered and missing models, staleness, symbols on stdin or every coin at
# a terminal, mixed good and bad symbols, errors inside XGBoost as one
# line, history ranges, and the pre-generation pipeline into the cache.
. "$CT_TOP/test/lib.sh"

costs=$TOP/share/costs.csv
# BTCUSDT: synthetic 2024 candles, long stale.  ETHUSDT: ends an hour ago.
fetch-candles --symbol BTCUSDT --timeframe 1h --generate --kind edge --seed 3 --start 2024-01-01 \
    --lookback 1500 2>/dev/null
now=$(date -u +%s)
start=$(date -u -d "@$(( (now / 3600 - 1500) * 3600 ))" +%Y-%m-%dT%H:%M:%SZ)
fetch-candles --symbol ETHUSDT --timeframe 1h --generate --kind edge --seed 4 \
    --lookback 1500 --start "$start" 2>/dev/null
for s in BTCUSDT ETHUSDT; do
	train-coin --symbol $s --timeframe 1h --fresh --rounds 30 --folds 2 \
	    --costs "$costs" >/dev/null 2>train-$s.err ||
	    { echo "Bail out! train-coin $s failed: $(cat train-$s.err)"; exit 1; }
done
btcdir=$COINTRAIN_HOME/models/BTCUSDT/$(readlink home/models/BTCUSDT/current)
stamp=$(readlink home/models/BTCUSDT/current)
# Candles of history the feature set needs before a row (config.json).
warmup=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["features"]["warmup"])' "$btcdir/config.json")
first=$(sed -n "$((warmup + 2))p" home/candles/BTCUSDT/1h.csv | cut -d, -f1)
first=$(date -u -d "@$((first / 1000))" +%Y-%m-%dT%H:%M:%SZ)

# No skew: the last 20 candles' probabilities equal train-coin's selfcheck
# (the final model on the same rows inside training), as float32, exactly.
run predict --max-age off --history 20 --csv BTCUSDT
is "$rc/$err" "0/" "--history 20 --csv succeeds"
printf '%s\n' "$out" > hist.csv
run python3 - "$btcdir/config.json" hist.csv <<'PY'
import csv, json, struct, sys
f32 = lambda x: struct.unpack("f", struct.pack("f", float(x)))[0]
check = json.load(open(sys.argv[1]))["selfcheck"]
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(check) == 20 and len(rows) == 20, (len(check), len(rows))
for (t, p), r in zip(check, rows):
    assert int(r["open_time_ms"]) == t, (r, t)
    assert f32(r["prob_up"]) == f32(p), (r["prob_up"], p)
print("same")
PY
is "$rc/$out/$err" "0/same/" "predict --history 20 equals train-coin's selfcheck exactly"
is "$(head -1 hist.csv)" "symbol,timeframe,open_time,open_time_ms,prob_up,signal" "CSV header"

run predict --max-age off --history 20 BTCUSDT
is "$(printf '%s\n' "$out" | sed 's/.*"prob_up":\([^,]*\),.*/\1/')" \
    "$(sed 1d hist.csv | cut -d, -f5)" "JSON and CSV history agree"
run predict --max-age off BTCUSDT
is "$rc/$err" "0/" "latest prediction with --max-age off: exit 0"
last=$(tail -1 hist.csv)
exp_time=$(echo "$last" | cut -d, -f3)
exp_ms=$(echo "$last" | cut -d, -f4)
exp_p=$(echo "$last" | cut -d, -f5)
exp_sig=$(echo "$last" | cut -d, -f6)
like "$out" "^\{\"symbol\":\"BTCUSDT\",\"timeframe\":\"1h\",\"open_time\":\"$exp_time\",\"open_time_ms\":$exp_ms,\"prob_up\":$exp_p,\"signal\":\"$exp_sig\",\"threshold\":[0-9.]+,\"horizon\":12,\"model\":\"models/BTCUSDT/$stamp\",\"generated_at\":\"[0-9T:-]+Z\",\"age_seconds\":[0-9]+,\"stale\":false\}$" \
    "latest line: the newest candle, every field in order"
thr=$(printf '%s' "$out" | sed 's/.*"threshold":\([^,]*\),.*/\1/')
run python3 -c "import sys; p, t, s = $exp_p, $thr, '$exp_sig'; sys.exit(not (s == ('long' if p > t else 'flat')))"
is "$rc" 0 "signal is long exactly when prob_up > threshold"

# Staleness: BTCUSDT ends in 2024.
run predict BTCUSDT
is "$rc" 4 "stale candles: exit 4"
like "$out" '"age_seconds":[0-9]+,"stale":true}$' "... the line says stale"
like "$err" "^predict: BTCUSDT: newest candle $exp_time closed [0-9]+s ago, more than the 7200s allowed; prediction marked stale$" \
    "... and a warning names it"
run predict --csv BTCUSDT
is "$rc:$(printf '%s\n' "$out" | sed 1d | cut -d, -f1,3)" "4:BTCUSDT,$exp_time" "--csv: the same line, and exit 4 for stale candles"
like "$err" "^predict: BTCUSDT: newest candle $exp_time closed [0-9]+s ago, .*prediction marked stale$" "... said as well"
COINTRAIN_MAX_AGE=off run predict BTCUSDT
is "$rc/$err" "0/" "COINTRAIN_MAX_AGE=off"
COINTRAIN_MAX_AGE=5 run predict BTCUSDT
is "$rc" 2 "bad COINTRAIN_MAX_AGE is a usage error"
COINTRAIN_MAX_AGE=5 run predict --max-age off BTCUSDT
is "$rc" 0 "--max-age given: a bad COINTRAIN_MAX_AGE (the default it replaces) is not read"
run predict ETHUSDT
is "$rc/$err" "0/" "recent candles: not stale under the default (2 x timeframe)"
like "$out" '"stale":false}$' "... stale:false"
run predict --max-age 1s ETHUSDT
is "$rc" 4 "--max-age 1s makes it stale"
run predict BTCUSDT ETHUSDT
is "$rc/$(printf '%s\n' "$out" | wc -l)" "4/2" "one stale of two: both printed, exit 4"

# Symbols on stdin; bad and good mixed.
printf 'BTCUSDT\n\n# a comment\n  ETHUSDT  \nbad/sym\n' > syms
run predict --max-age off < syms
is "$rc/$err" '2/predict: <stdin>:5: invalid symbol "bad/sym"' "stdin: bad line named, exit 2 (a bad symbol)"
is "$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/' | tr '\n' ' ')" "BTCUSDT ETHUSDT " "stdin: both good symbols predicted"
printf 'ETHUSDT\000junk\n' > nul.syms
run predict --max-age off < nul.syms
is "$rc/$out/$err" '2//predict: <stdin>:1: a NUL byte in the line' "a NUL in a line: refused by line, not cut to ETHUSDT"
# No symbol at a terminal: every coin with a model, in order.
run script -qec "predict --max-age off" /dev/null
is "$rc/$(printf '%s\n' "$out" | tr -d '\r' | sed 's/^{"symbol":"\([^"]*\)".*/\1/' | tr '\n' ' ')" "0/BTCUSDT ETHUSDT " \
    "no symbol at a terminal: every coin with a model"
run predict --max-age off </dev/null
is "$rc/$out" "0/" "no symbol, stdin not a terminal: the symbols on stdin (none)"
run predict --max-age off BTCUSDT ../x ETHUSDT
is "$rc/$out/$err" "2//predict: ../x: not a symbol ([A-Z0-9][A-Z0-9._-]{0,31})" \
    "a bad symbol operand: usage error (exit 2) before anything is predicted"
run predict --max-age off BTCUSDT NOSUCHUSDT ETHUSDT
is "$rc" 1 "a coin without a model among good ones: exit 1"
is "$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/' | tr '\n' ' ')" "BTCUSDT ETHUSDT " "... good ones still printed"
is "$err" "predict: NOSUCHUSDT: no current model ($COINTRAIN_HOME/models/NOSUCHUSDT/current)" "... the failure named"

# Tampered or incomplete models are refused; the other symbol still works.
cp "$btcdir/model.ubj" model.ubj.orig
perl -e 'open F, "+<", $ARGV[0] or die; seek F, 200, 0; read F, $c, 1; seek F, 200, 0; print F chr(ord($c) ^ 1); close F' "$btcdir/model.ubj"
run predict --max-age off BTCUSDT ETHUSDT
is "$rc" 1 "one byte of model.ubj changed: exit 1"
is "$err" "predict: BTCUSDT: model $btcdir refused: $btcdir/model.ubj: checksum mismatch" \
	"... refused in one line, the coin first, with the file named"
is "$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/')" "ETHUSDT" "... only the other symbol printed"
cp model.ubj.orig "$btcdir/model.ubj"
cp "$btcdir/config.json" config.json.orig
sed 's/"threshold": *[0-9.]*/"threshold": 0.01/' config.json.orig > "$btcdir/config.json"
run predict --max-age off BTCUSDT
is "$rc/$out" "1/" "edited config.json (threshold): refused"
like "$err" "config.json: checksum mismatch" "... checksum mismatch named"
# A bad value in a config.json that sha256.txt vouches for (re-hashed by
# hand) is named with its member's line.
cp "$btcdir/sha256.txt" sha256.txt.orig
sed 's/"horizon": *[0-9]*/"horizon": "x"/' config.json.orig > "$btcdir/config.json"
sed -i "s/^[0-9a-f]*  config.json\$/$(sha256sum <"$btcdir/config.json" | cut -d' ' -f1)  config.json/" "$btcdir/sha256.txt"
run predict --max-age off BTCUSDT
line=$(grep -n '"horizon"' "$btcdir/config.json" | head -n 1 | cut -d: -f1)
like "$rc:$err" "^1:predict: BTCUSDT: model $btcdir refused: $btcdir/config.json:$line: Expected integer, got string" \
	"a bad member of config.json: refused, named with its line"
# So is a horizon or a round count no train-coin writes (check-drift
# would label rows with it, an update add rounds past INT_MAX).
for bad in '"horizon": -100/horizon: -100 is outside \[1,10000\]' \
    '"rounds": 2147483647/rounds: 2147483647 is outside \[1,100050\]'; do
	member=${bad%%:*}
	sed "s/$member: *[0-9]*/${bad%%/*}/" config.json.orig > "$btcdir/config.json"
	sed -i "s/^[0-9a-f]*  config.json\$/$(sha256sum <"$btcdir/config.json" | cut -d' ' -f1)  config.json/" "$btcdir/sha256.txt"
	run predict --max-age off BTCUSDT
	line=$(grep -n "$member" "$btcdir/config.json" | head -n 1 | cut -d: -f1)
	is "$rc/$out" "1/" "config.json with ${bad%%/*}: refused"
	like "$err" "^predict: BTCUSDT: model $btcdir refused: $btcdir/config.json:$line: ${bad#*/}" "... named with its line"
done
cp config.json.orig "$btcdir/config.json"
cp sha256.txt.orig "$btcdir/sha256.txt"
# The last newline of sha256.txt turned to NUL bytes (a crash can
# zero-fill a file's tail): a damaged line, not a name that ends early.
{ sed '$d' sha256.txt.orig; tail -n 1 sha256.txt.orig | tr -d '\n'; printf '\0\0\0\0'; } > "$btcdir/sha256.txt"
run predict --max-age off BTCUSDT
is "$rc/$out" "1/" "sha256.txt ending in NUL bytes: refused"
is "$err" "predict: BTCUSDT: model $btcdir refused: $btcdir/sha256.txt:7: malformed line; $btcdir/training_log.json: not listed in sha256.txt" "... the line named"
cp sha256.txt.orig "$btcdir/sha256.txt"
mv "$btcdir/metrics.json" metrics.json.orig
run predict --max-age off BTCUSDT
is "$rc/$out" "1/" "model missing a file: refused"
like "$err" "metrics.json: No such file or directory" "... the missing file named"
mv metrics.json.orig "$btcdir/metrics.json"
run predict --max-age off BTCUSDT
is "$rc/$err" "0/" "restored model predicts again"

# A model directory of another coin, or of another timeframe.
mkdir -p home/models/XRPUSDT
cp -R "$btcdir" home/models/XRPUSDT/
ln -s "$stamp" home/models/XRPUSDT/current
run predict --max-age off XRPUSDT
is "$rc/$out/$err" "1//predict: XRPUSDT: model $COINTRAIN_HOME/models/XRPUSDT/$stamp is for BTCUSDT" "model of another coin refused"
run predict --max-age off --timeframe 4h BTCUSDT
is "$rc/$out/$err" "1//predict: BTCUSDT: current model $btcdir is for timeframe 1h, not 4h" "--timeframe mismatch refused"
run predict --max-age off --timeframe 1h BTCUSDT
is "$rc" 0 "--timeframe matching the model"
run predict --max-age off -t 1h BTCUSDT
is "$rc" 0 "-t for --timeframe"
run predict -V
like "$rc:$out" "^0:predict .*[0-9]+\.[0-9]+" "-V prints the version"

# History ranges.  From here on predict must write nothing.
touch marker
run predict --csv --from 2024-02-01T00:00:00Z --to 2024-02-01T05:00:00Z BTCUSDT
is "$rc/$(printf '%s\n' "$out" | sed 1d | cut -d, -f3 | tr '\n' ' ')" \
    "0/2024-02-01T00:00:00Z 2024-02-01T01:00:00Z 2024-02-01T02:00:00Z 2024-02-01T03:00:00Z 2024-02-01T04:00:00Z 2024-02-01T05:00:00Z " \
    "--from/--to: every candle of the range, inclusive"
run predict --csv --from 2024-02-01 --to 2024-02-01T05:00:00Z BTCUSDT
is "$(printf '%s\n' "$out" | sed 1d | wc -l)" 6 "--from takes a date"
run predict --csv --to 2024-03-01 BTCUSDT
is "$rc/$(printf '%s\n' "$out" | sed -n 2p | cut -d, -f3)" "0/$first" "--to alone starts at the first row with full feature history"
like "$err" "^predict: BTCUSDT: predicting from $first on: the features need $warmup candles before a row$" "... and says so"
run predict --from 2024-02-01T05:00:00Z --to 2024-02-01T00:00:00Z BTCUSDT
is "$rc/$out/$(printf '%s\n' "$err" | head -n 1)" "2//predict: --from is after --to" \
    "a reversed range: a usage error, said"
run predict --from 2030-01-01 BTCUSDT
is "$rc/$out" "1/" "empty range is an error"
is "$err" "predict: BTCUSDT: no candle with enough history from 2030-01-01T00:00:00Z" \
    "... naming the range as given (no end time made up)"
run predict --to 2000-01-01 BTCUSDT
is "$rc:$err" "1:predict: BTCUSDT: no candle with enough history up to 2000-01-01T00:00:00Z" \
    "--to alone before the store: the same"
run predict --from 2030-01-01 --to 2030-02-01 BTCUSDT
like "$err" "between 2030-01-01T00:00:00Z and 2030-02-01T00:00:00Z\$" "both ends: between"
run predict --history 2000 --csv BTCUSDT
is "$rc/$(printf '%s\n' "$out" | sed 1d | wc -l)" "0/$((1500 - warmup))" "--history beyond the store: the rows that can be predicted"
like "$err" "only $((1500 - warmup)) of 2000 candles" "... with a warning"
cmp_from=$(sed -n 2p hist.csv | cut -d, -f3)
run predict --csv --from "$cmp_from" BTCUSDT
is "$out" "$(cat hist.csv)" "--from over the whole store equals --history from the tail"

for bad in "--history 0" "--history x" "--max-age 5" "--max-age -1h" "--from yesterday" "--timeframe 2h" "--history 3 --from 2024-01-01"; do
	# shellcheck disable=SC2086
	run predict $bad BTCUSDT
	is "$rc/$out" "2/" "usage error: $bad"
done
ok "$([ -z "$(find home -newer marker)" ] && echo 0 || echo 1)" "predict wrote nothing in the data home"

# A model file XGBoost cannot read, with checksums that match: one line
# naming the coin and the reason, no stack trace; the other coin served.
ethdir=$COINTRAIN_HOME/models/ETHUSDT/$(readlink home/models/ETHUSDT/current)
cp "$ethdir/model.ubj" eth.ubj
cp "$ethdir/sha256.txt" eth.sums
printf 'not a model' >"$ethdir/model.ubj"
(cd "$ethdir" && sha256sum $(awk '{ print $2 }' sha256.txt) >sha256.txt)
run predict --max-age off BTCUSDT ETHUSDT
is "$rc/$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/')" "1/BTCUSDT" "unreadable model.ubj: exit 1, the other coin printed"
is "$(printf '%s\n' "$err" | grep -c .)" 1 "one line on stderr"
like "$err" "^predict: ETHUSDT: model $ethdir refused: $ethdir: model.ubj: [^[]" "the coin, then the file and XGBoost's reason"
cp eth.ubj "$ethdir/model.ubj"
cp eth.sums "$ethdir/sha256.txt"
# Prices so large the newest candle's features overflow (once imported
# unchecked): the coin named with the reason, the other coin served.
cp home/candles/ETHUSDT/1h.csv eth.csv
last=$(tail -1 eth.csv | cut -d, -f1)
echo "$((last + 3600000)),1e308,1e308,1e308,1e308,1" >>home/candles/ETHUSDT/1h.csv
run predict --max-age off BTCUSDT ETHUSDT
is "$rc/$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/')" "1/BTCUSDT" "infinite features: exit 1, the other coin printed"
is "$(printf '%s\n' "$err" | grep -c .)" 1 "one line on stderr"
like "$err" "^predict: ETHUSDT: [^ ]*/candles/ETHUSDT/1h.csv:[0-9]+: price outside 1e-12..1e12 \\(features would not be finite\\)$" \
    "one line: the coin and the reason"
# A store cut short (its last row without a newline, its volume cut):
# refused, not predicted from the cut row.
head -c -4 eth.csv >home/candles/ETHUSDT/1h.csv
run predict --max-age off ETHUSDT
is "$rc:$out" "1:" "a store cut short: no prediction, exit 1"
like "$err" "^predict: ETHUSDT: [^ ]*/candles/ETHUSDT/1h.csv:[0-9]+: no newline at the end: the store is cut short$" \
    "said as one line, with the file and line"
cp eth.csv home/candles/ETHUSDT/1h.csv

# Pre-generation into the cache, and the fallback pipeline.
run sh -c 'predict --max-age off BTCUSDT ETHUSDT | cache-put -q --ttl 24h'
is "$rc/$err" "0/" "predict | cache-put --ttl 24h"
predict --max-age off BTCUSDT ETHUSDT > direct.json
run cache-get BTCUSDT ETHUSDT
is "$rc" 0 "cache-get serves both"
# generated_at and age_seconds move with the clock between the two runs.
is "$(printf '%s\n' "$out" | sed 's/,"generated_at":"[^"]*"//; s/"age_seconds":[0-9]*/"age_seconds":N/; s/,"cached_at":"[^"]*","expires_at":"[^"]*"}$/}/')" \
    "$(sed 's/,"generated_at":"[^"]*"//; s/"age_seconds":[0-9]*/"age_seconds":N/' direct.json)" "... the lines predict printed"
exp=$(printf '%s\n' "$out" | head -1 | sed 's/.*"cached_at":"\([^"]*\)","expires_at":"\([^"]*\)".*/\1 \2/')
is "$(( $(date -u -d "${exp#* }" +%s) - $(date -u -d "${exp% *}" +%s) ))" 86400 "... for 24 hours"
cache-put --clear
fallback='cache-get ETHUSDT || predict ETHUSDT | cache-put --ttl 1h'
run sh -c "$fallback"
is "$rc/$err/$(printf '%s\n' "$out" | wc -l)" "0//1" "fallback on a miss: predicted, cached, one line"
like "$out" '^\{"symbol":"ETHUSDT".*"stale":false,"cached_at"' "... the prediction with its cache fields"
cached_line=$out
run sh -c "$fallback"
is "$rc/$out" "0/$cached_line" "fallback on a hit: the same line from the cache"

# A model replaced and pruned (train-coin --keep) while predict loads it:
# predict loads the new current and says nothing of the lost load.  gdb
# stops predict as it starts loading the old model; meanwhile current
# moves on and the old directory goes, as a prune does it (renamed away,
# then removed).
sym=home/models/BTCUSDT
cp -a "$sym/$stamp" "$sym/1999-01-01T000000Z"
cp -a "$sym/$stamp" "$sym/1999-01-02T000000Z"
ln -s 1999-01-01T000000Z "$sym/.cur" && mv -T "$sym/.cur" "$sym/current"
cat >prune.sh <<EOF
ln -s 1999-01-02T000000Z $sym/.cur && mv -T $sym/.cur $sym/current
mv $sym/1999-01-01T000000Z $sym/.1999-01-01T000000Z-gone && rm -r $sym/.1999-01-01T000000Z-gone
EOF
# LeakSanitizer cannot run under ptrace: off for this one run.
if gdb -q -batch -ex run --args /bin/true >/dev/null 2>&1; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	gdb -q -batch -ex 'set breakpoint pending on' -ex 'break ct_model_load' -ex run \
	    -ex 'shell sh prune.sh' -ex 'delete' -ex continue \
	    --args "$(command -v predict)" --max-age off BTCUSDT >gdb.out 2>pruned.err
	like "$(cat gdb.out)" '"model":"models/BTCUSDT/1999-01-02T000000Z"' \
	    "a model pruned while predict loads it: the new current's prediction"
	like "$(cat gdb.out)" 'exited normally' "... exit 0"
	is "$(grep '^predict:' pruned.err)" "" "... and nothing said of the lost load"
else
	skip 3 "gdb cannot trace a process here"
fi
rm -rf "$sym/1999-01-02T000000Z"
ln -s "$stamp" "$sym/.cur" && mv -T "$sym/.cur" "$sym/current"

done_testing
