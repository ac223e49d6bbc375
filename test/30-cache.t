#!/bin/sh
# cache-put and cache-get: entries, expiry, misses, malformed input, the
# top list, --clear, symbol checks, and readers never seeing a torn file.
. "$CT_TOP/test/lib.sh"

line() {	# line SYM PROB [EXTRA] — a predict line
	printf '{"symbol":"%s","timeframe":"1h","open_time":"2021-03-01T10:00:00Z","open_time_ms":1614592800000,"prob_up":%s,"signal":"flat","horizon":12,"model":"models/%s/20210301_120000Z","generated_at":"2021-03-01T11:00:05Z"%s}\n' "$1" "$2" "$1" "${3:-}"
}
strip() {	# drop the cache's own fields again
	sed 's/,"cached_at":"[^"]*","expires_at":"[^"]*"}$/}/'
}

# cache-get must start fast: nothing of XGBoost, curl or libarchive.
run ldd "$CT_BIN/cache-get"
is "$(printf '%s\n' "$out" | grep -Ec 'xgboost|gomp|curl|archive|crypto')" 0 \
    "cache-get loads no heavy library"

# A data home that is not there is a mistyped --home, not an empty one.
run cache-get BTCUSDT
is "$rc/$out" "1/" "no data home: cache-get fails"
is "$err" "cache-get: $T/home: No such file or directory" "and says why"
run cache-get --top
is "$rc/$out/$err" "1//cache-get: $T/home: No such file or directory" "... also for --top"
ok "$([ ! -e home ] && echo 0 || echo 1)" "cache-get creates nothing"
line BTCUSDT 0.5234123 > btc.json
run cache-put --ttl 1h < btc.json
is "$rc/$(printf '%s\n' "$out" | strip)" "1/$(cat btc.json)" "no data home: cache-put still passes the prediction on, and fails"
is "$err" "cache-put: $T/home: No such file or directory" "and says why"
run cache-put --clear
is "$rc/$err" "1/cache-put: $T/home: No such file or directory" "... also for --clear"
ok "$([ ! -e home ] && echo 0 || echo 1)" "cache-put creates no data home"
run cache-get --home /etc/passwd BTCUSDT
is "$rc/$out/$err" "1//cache-get: /etc/passwd: Not a directory" "a --home that is a file: said"
mkdir home
run cache-get BTCUSDT
is "$rc/$out/$err" "3//" "no cache directory: a quiet miss, exit 3"
ok "$([ ! -e home/cache ] && echo 0 || echo 1)" "cache-get creates nothing"

run cache-put --ttl 1h < btc.json
is "$rc/$err" "0/" "cache-put stores a predict line"
is "$(printf '%s\n' "$out" | strip)" "$(cat btc.json)" "cache-put echoes the entry"
like "$out" '"cached_at":"[0-9T:-]+Z","expires_at":"[0-9T:-]+Z"}$' "entry has cached_at and expires_at"
run cache-put <"$T"
is "$rc:$err" "1:cache-put: <stdin>: Is a directory" "standard input that cannot be read: exit 1, why"
run cache-get BTCUSDT
is "$rc/$(printf '%s\n' "$out" | strip)" "0/$(cat btc.json)" "cache-get serves it unchanged (prob_up text kept)"
cached=$(printf '%s' "$out" | sed 's/.*"cached_at":"\([^"]*\)".*/\1/')
expires=$(printf '%s' "$out" | sed 's/.*"expires_at":"\([^"]*\)".*/\1/')
is "$(($(date -u -d "$expires" +%s) - $(date -u -d "$cached" +%s)))" 3600 "--ttl 1h: expires one hour later"

PREDICTION_CACHE_TTL=2h cache-put -q < btc.json
run cache-get BTCUSDT
cached=$(printf '%s' "$out" | sed 's/.*"cached_at":"\([^"]*\)".*/\1/')
expires=$(printf '%s' "$out" | sed 's/.*"expires_at":"\([^"]*\)".*/\1/')
is "$(($(date -u -d "$expires" +%s) - $(date -u -d "$cached" +%s)))" 7200 "PREDICTION_CACHE_TTL sets the default ttl"
run cache-put -q < /dev/null
is "$rc:$err" "1:cache-put: no prediction on standard input: nothing stored" \
	"empty input (the fallback pipeline's predict failed): exit 1, said"
out=$(cache-get NOSUCHUSDT 2>/dev/null || predict NOSUCHUSDT 2>/dev/null | cache-put --ttl 1h 2>/dev/null)
is "$?:$out" "1:" "the fallback pipeline of a coin that cannot be predicted exits 1, not 0"
run cache-put -q --top 3 < /dev/null
is "$rc" 0 "--top with empty input rebuilds the list: fine"
mkdir nothome
cache-put -q --home nothome --top 3 </dev/null
run cache-get --home nothome --top
is "$rc:$out:$(jget nothome/cache/top.json 'j["predictions"]')" "3::[]" "an empty top list (no model trades) is a miss, even without N"
python3 -c 'import json; print(json.dumps({"symbol": "BIGUSDT", "timeframe": "1h", "open_time": "2021-03-01T10:00:00Z", "prob_up": 0.9, "signal": "long", "note": "x" * 70000}))' >big.json
run cache-put -q < big.json
is "$rc:$err" "1:cache-put: <stdin>:1: line longer than 65536 bytes" "a line over 64 KiB is refused by line"
run cache-get BIGUSDT
is "$rc" 3 "and not stored"
run cache-get --top 3 BTCUSDT
is "$rc:$(printf '%s\n' "$err" | head -1)" '2:cache-get: --top takes one count, not symbols: "BTCUSDT"' \
	"a usage error says what is wrong before the usage"
run cache-get
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:cache-get: no symbol (or --top)" "... also with no operand"
printf '{"symbol":"BTCUSDT"\000}\n' >nul.json
run cache-put -q < nul.json
is "$rc:$err" "1:cache-put: <stdin>:1: a NUL byte in the line" "a NUL in a line: said as such"
PREDICTION_CACHE_TTL=soon run cache-put < btc.json
is "$rc/$err" '2/cache-put: PREDICTION_CACHE_TTL: bad duration "soon"' "bad PREDICTION_CACHE_TTL is a usage error"
PREDICTION_CACHE_TTL=65 run cache-put -q --ttl 1h < btc.json
is "$rc" 0 "--ttl given: a bad PREDICTION_CACHE_TTL (the default it replaces) is not read"
PREDICTION_CACHE_TTL=65 run cache-put -h
is "$rc" 0 "nor by --help"
run cache-put --ttl 0s < btc.json
is "$rc" 2 "--ttl 0s is a usage error"
run cache-put --ttl 5 < btc.json
is "$rc" 2 "--ttl without unit is a usage error"
run cache-put --ttl 9223372036854775s < btc.json
is "$rc/$out/$err" "2//cache-put: --ttl: 9223372036854775s: would expire after 9999-12-31" \
    "a ttl that overflows is a usage error (no signed overflow)"
run cache-put --ttl 417000w < btc.json
is "$rc/$err" "2/cache-put: --ttl: 417000w: would expire after 9999-12-31" "an expiry with a five-digit year is refused"
PREDICTION_CACHE_TTL=9223372036854775s run cache-put < btc.json
is "$rc" 2 "... also from PREDICTION_CACHE_TTL"
run cache-get BTCUSDT
like "$out" '"expires_at":"[0-9]{4}-' "and the entry stored before is untouched"
run cache-put --top x < btc.json
is "$rc" 2 "--top x is a usage error"
run cache-put ETHUSDT < btc.json
is "$rc" 2 "symbols without --clear are a usage error"
like "$err" "^cache-put: unexpected operand \"ETHUSDT\"" "saying why"
run cache-get
is "$rc" 2 "cache-get without symbols is a usage error"

# Expiry: a tiny ttl, and an entry whose expires_at is in the past.
line ETHUSDT 0.61 | cache-put -q --ttl 1s
sleep 2
run cache-get ETHUSDT
is "$rc/$out/$err" "3//" "entry past its 1s ttl is a miss"
run cache-get BTCUSDT ETHUSDT
is "$rc/$(printf '%s\n' "$out" | strip)" "3/$(cat btc.json)" "fresh ones are printed, exit 3 for the expired"
run cache-get --stale-ok ETHUSDT
like "$out" '"symbol":"ETHUSDT".*"expired":true}$' "--stale-ok serves it marked expired"
unlike "$out" '"stale"' "... not stale: that is predict's flag, for old candles"
is "$rc" 0 "--stale-ok: exit 0"
line XRPUSDT 0.4 ',"cached_at":"2020-01-01T00:00:00Z","expires_at":"2020-01-01T01:00:00Z"' > home/cache/predictions/XRPUSDT.json
run cache-get XRPUSDT
is "$rc/$out" "3/" "entry with a past expires_at is a miss"
run cache-get --stale-ok XRPUSDT DOGEUSDT
is "$rc" 3 "--stale-ok still misses a missing entry"
like "$out" '^\{"symbol":"XRPUSDT".*"expired":true' "... and serves the expired one"
run cache-get --stale-ok ETHUSDT ETHUSDT
is "$(printf '%s\n' "$out" | wc -l)" 2 "one line per symbol asked"
# Another coin's entry under this coin's name is not this coin's.
cp home/cache/predictions/BTCUSDT.json home/cache/predictions/ADAUSDT.json
run cache-get ADAUSDT
is "$rc/$out" "3/" "an entry of another symbol is not served: exit 3"
is "$err" "cache-get: $COINTRAIN_HOME/cache/predictions/ADAUSDT.json: the entry of BTCUSDT, not ADAUSDT" "... and said"
rm home/cache/predictions/ADAUSDT.json
mkdir home/cache/predictions/ADAUSDT.json
run cache-get ADAUSDT
is "$rc/$out/$err" "3//cache-get: $COINTRAIN_HOME/cache/predictions/ADAUSDT.json: Is a directory" \
	"an entry that is a directory: a miss, said as such (not as bad JSON)"
rmdir home/cache/predictions/ADAUSDT.json
run cache-get --stale-ok ETHUSDT
printf '%s\n' "$out" | cache-put -q --ttl 1h
run cache-get ETHUSDT
is "$rc" 0 "a stale-ok line fed back is cached again"
case $out in *expired* | *stale*) ok 1 "... fresh: neither expired nor stale";; *) ok 0 "... fresh: neither expired nor stale";; esac
# predict's own flag goes through the round trip.
line STLUSDT 0.7 ',"stale":true' | cache-put -q --ttl 1s
sleep 1.1
cache-get --stale-ok STLUSDT | cache-put -q --ttl 1h
like "$(cache-get STLUSDT)" '"stale":true' "a line predicted from old candles keeps predict's stale flag through --stale-ok"

# Malformed lines: reported with their line number, skipped; good ones land.
{
	line ADAUSDT 0.3
	echo 'not json'
	echo
	echo '[1,2]'
	line '../../etc' 0.5
	echo '{"symbol":"SOLUSDT","timeframe":"1h","open_time":"2021-03-01T10:00:00Z","prob_up":1.5,"signal":"long"}'
	echo '{"symbol":"SOLUSDT","timeframe":"7h","open_time":"2021-03-01T10:00:00Z","prob_up":0.5,"signal":"long"}'
	echo '{"symbol":"SOLUSDT","timeframe":"1h","open_time":"yesterday","prob_up":0.5,"signal":"long"}'
	echo '{"symbol":"SOLUSDT","timeframe":"1h","open_time":"2021-03-01T10:00:00Z","prob_up":0.5,"signal":"short"}'
	echo '{"symbol":"SOLUSDT","timeframe":"1h","open_time":"2021-03-01T10:00:00Z","prob_up":0.5,"signal":"long"} x'
	line DOTUSDT 0.2
} > mixed.json
run cache-put -q < mixed.json
is "$rc" 1 "malformed lines: exit 1"
is "$err" "cache-put: <stdin>:2: invalid JSON: '[' or '{' expected near 'not'
cache-put: <stdin>:4: not a JSON object
cache-put: <stdin>:5: symbol: invalid \"../../etc\"
cache-put: <stdin>:6: prob_up: missing or not a number in [0,1]
cache-put: <stdin>:7: timeframe: unknown \"7h\"
cache-put: <stdin>:8: open_time: missing or not ISO-8601 UTC
cache-put: <stdin>:9: signal: missing or not \"long\" or \"flat\"
cache-put: <stdin>:10: invalid JSON: end of file expected near 'x'" "each bad line named on stderr"
run cache-get ADAUSDT DOTUSDT
is "$rc/$(printf '%s\n' "$out" | wc -l)" "0/2" "good lines around them landed"
run cache-get SOLUSDT
is "$rc" 3 "no entry for the bad lines"
ok "$([ ! -e etc ] && [ ! -e home/etc ] && [ ! -e home/cache/etc.json ] && echo 0 || echo 1)" "bad symbol wrote nothing outside"
run cache-get '../../etc' BTCUSDT
is "$rc/$out/$err" "2//cache-get: ../../etc: invalid symbol" "cache-get refuses a bad symbol: usage error, nothing served"
run cache-get "$(printf 'A\033]0;x\007')"
is "$rc/$err" "2/cache-get: A?]0;x?: invalid symbol" "... its control bytes escaped"
run cache-put --clear 'a/b'
is "$rc/$err" "2/cache-put: a/b: invalid symbol" "cache-put --clear refuses a bad symbol: usage error"
for o in "--ttl 1h" "--top 3"; do
	run cache-put --clear $o BTCUSDT
	is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:cache-put: --clear takes no ${o% *}" \
		"--clear with $o: a usage error, said (it would be ignored)"
done
printf '{"symbol":"\\u001b[2J","timeframe":"1h","open_time":"2021-03-01T10:00:00Z","prob_up":0.5,"signal":"long"}\n{"symbol":"\033[2J"}\n' >ctl.json
run cache-put -q <ctl.json
is "$rc/$err" "1/cache-put: <stdin>:1: symbol: invalid \"?[2J\"
cache-put: <stdin>:2: invalid JSON: control character 0x1b near '\"'" "control bytes in a line are not sent to the terminal"

# The top list.
cache-put --clear 2>/dev/null
{ line AAAUSDT 0.9; line BBBUSDT 0.1; line CCCUSDT 0.55; line DDDUSDT 0.55; } |
    cache-put -q --top 3
run cache-get --top
is "$rc/$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/' | tr '\n' ' ')" \
    "0/AAAUSDT CCCUSDT DDDUSDT " "--top: highest prob_up first, ties by symbol, N kept"
run cache-get --top 2
is "$rc/$(printf '%s\n' "$out" | wc -l)" "0/2" "--top 2 prints two"
run cache-get --top=2
is "$rc/$(printf '%s\n' "$out" | wc -l)" "0/2" "--top=2 as well"
run cache-get --top=2 AAAUSDT
is "$rc:$(printf '%s\n' "$err" | head -1)" '2:cache-get: --top takes one count, not symbols: "AAAUSDT"' "--top=2 and an operand: usage error"
run cache-get --top 4
is "$rc/$(printf '%s\n' "$out" | wc -l)" "3/3" "--top 4 of a 3-list: the three, and a miss"
line BBBUSDT 0.95 | cache-put -q
run cache-get --top 1
like "$out" '^\{"symbol":"BBBUSDT","timeframe":"1h","open_time":"2021-03-01T10:00:00Z","open_time_ms":1614592800000,"prob_up":0.95,' "cache-put without --top keeps an existing top list current"
# 3 s: the entry must still be fresh when cache-put merges it into the
# list, also on a loaded machine under ASan (1 s was not, once).
line CCCUSDT 0.7 | cache-put -q --ttl 3s
sleep 4
run cache-get --top
is "$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/' | tr '\n' ' ')" \
    "BBBUSDT AAAUSDT " "expired entries in the list are not printed"
is "$rc" 3 "... and are a miss"
run cache-get --stale-ok --top
is "$rc/$(printf '%s\n' "$out" | wc -l)" "0/3" "--stale-ok --top serves them"
line EEEUSDT 0.2 | cache-put -q
run cache-get --top
is "$rc/$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/' | tr '\n' ' ')" \
    "0/BBBUSDT AAAUSDT DDDUSDT " "a rebuild drops expired entries from the list"
# Without --top the new entries are merged into the list where that is
# exact; a listed coin whose new entry ranks lower makes room for the
# best coin outside the list, which only a rebuild can know.
line GGGUSDT 0.6 | cache-put -q
run cache-get --top
is "$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/' | tr '\n' ' ')" \
    "BBBUSDT AAAUSDT GGGUSDT " "a new coin enters the list in its place"
line AAAUSDT 0.1 | cache-put -q
run cache-get --top
is "$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/' | tr '\n' ' ')" \
    "BBBUSDT GGGUSDT DDDUSDT " "a listed coin that falls makes room for the next best outside the list"
cache-put --clear GGGUSDT 2>/dev/null
line AAAUSDT 0.9 | cache-put -q
# Merged or rebuilt, the list is always the one a rebuild from every
# entry gives: 60 random puts (new coins, rises, falls, never-trading
# models, several at once) compared after each with a rebuild in a copy.
mkdir -p merge/cache/predictions
line M00USDT 0.5 | cache-put -q --home merge --top 4
python3 -c '
import random
random.seed(7)
for i in range(60):
    k = random.choice((1, 1, 1, 2, 3))
    print(" ".join("M%02dUSDT:%.3f:%s" % (random.randrange(12), random.random(),
                   random.choice(("0.6", "0.6", "0.6", "1.0"))) for _ in range(k)))' >puts.txt
diffs=0
while read -r batch; do
	for p in $batch; do
		IFS=: read -r s pr th <<EOT
$p
EOT
		line "$s" "$pr" ",\"threshold\":$th"
	done | cache-put -q --home merge
	rm -rf full && cp -r merge full
	cache-put -q --home full --top 4 </dev/null
	[ "$(cache-get --home merge --stale-ok --top)" = "$(cache-get --home full --stale-ok --top)" ] ||
		diffs=$((diffs + 1))
done <puts.txt
is "$diffs" 0 "60 puts without --top: the merged list equals a rebuild after every one"
# A model that never trades (threshold 1) is not ranked, whatever its prob_up.
line FFFUSDT 0.99 | sed 's/}$/,"threshold":1.0}/' | cache-put -q
run cache-get FFFUSDT
is "$rc" 0 "a never-trading coin's prediction is cached and served"
run cache-get --top
is "$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/' | tr '\n' ' ')" \
    "BBBUSDT AAAUSDT DDDUSDT " "... but not ranked in the top list"
cache-put --clear FFFUSDT 2>/dev/null

# A writer killed with SIGKILL leaves its temporary; the next writer,
# under the lock, removes it.
: > home/cache/predictions/.ZZZUSDT.json.tmp.Dead01
: > home/cache/.top.json.tmp.Dead02
line EEEUSDT 0.2 | cache-put -q
is "$(ls -A home/cache/predictions home/cache | grep -c 'tmp\.Dead')" 0 "a dead writer's temporaries are swept by the next one"
# The sweep is safe because entry writers hold the lock shared while they
# write: one that holds it exclusively (a sweeper) keeps them waiting.
flock home/cache/.lock sleep 1 &
holder=$!
held home/cache/.lock
line WAITUSDT 0.3 | cache-put -q &
writer=$!
sleep 0.4
ok "$(test ! -e home/cache/predictions/WAITUSDT.json; echo $?)" "an entry writer waits while the cache is locked exclusively"
wait $holder $writer
ok "$(test -e home/cache/predictions/WAITUSDT.json; echo $?)" "and writes once it is free"
cache-put --clear WAITUSDT 2>/dev/null

# --clear
run cache-put --clear AAAUSDT NOSUCHUSDT
is "$rc/$out/$err" "0//cache-put: AAAUSDT: entry removed
cache-put: NOSUCHUSDT: no entry" "--clear SYM says what it removed"
run cache-get AAAUSDT
is "$rc" 3 "--clear SYM removes that entry"
run cache-get --top
is "$(printf '%s\n' "$out" | sed 's/^{"symbol":"\([^"]*\)".*/\1/' | tr '\n' ' ')" \
    "BBBUSDT DDDUSDT EEEUSDT " "... and rebuilds the top list without it"
run cache-get BBBUSDT
is "$rc" 0 "... leaving the others"
: > home/cache/predictions/.BBBUSDT.json.tmp.AbCdEf
run cache-put --clear
is "$rc/$out/$err" "0//cache-put: 4 entries removed" "--clear removes everything and says how many"
is "$(ls -A home/cache/predictions)" "" "no entries or temporaries left"
ok "$([ ! -e home/cache/top.json ] && echo 0 || echo 1)" "top.json removed"
run cache-get --top
is "$rc" 3 "--top after --clear is a miss"

# A cache that cannot be written: the failure is reported, nothing half-done.
line BTCUSDT 0.5 | cache-put -q
if [ "$(id -u)" -ne 0 ]; then
	chmod a-w home/cache/predictions
	run cache-put -q < btc.json
	like "$err" '^cache-put: .*/cache/predictions/BTCUSDT.json: Permission denied$' "unwritable cache: error named"
	is "$rc" 1 "... exit 1"
	chmod u+w home/cache/predictions
else
	ok 0 "# SKIP unwritable directory test as root"
	ok 0 "# SKIP unwritable directory test as root"
fi
is "$(ls -A home/cache/predictions)" "BTCUSDT.json" "no temporaries left"
run cache-get BTCUSDT
like "$out" '"prob_up":0.5,' "the old entry survives"
mv home/cache/predictions home/cache/p && : > home/cache/predictions
run cache-put -q < btc.json
is "$rc/$err" "1/cache-put: $COINTRAIN_HOME/cache/predictions/BTCUSDT.json: Not a directory" "entry that cannot be written: error named, exit 1"
rm home/cache/predictions && mv home/cache/p home/cache/predictions
cache-put --clear BTCUSDT 2>/dev/null

# The writers' lock is never opened through a symlink.
rm -f home/cache/.lock && ln -s "$T/elsewhere" home/cache/.lock
run cache-put -q < btc.json
like "$rc/$err" "^1/cache-put: .*/cache/.lock: " "a symlink as cache/.lock is refused"
ok "$([ ! -e "$T/elsewhere" ] && echo 0 || echo 1)" "... and nothing is created where it points"
rm home/cache/.lock
cache-put --clear BTCUSDT 2>/dev/null

# Readers racing a writer for two seconds: every read is whole.
line RACEUSDT 0.25 > short.json
line RACEUSDT 0.75 ",\"pad\":\"$(printf '%04000d' 0)\"" > long.json
cat short.json | cache-put -q --top 5
end=$(($(date +%s) + 2))
( while [ "$(date +%s)" -lt "$end" ]; do
	cache-put -q --top 5 < long.json; cache-put -q < short.json
done ) &
w1=$!
( while [ "$(date +%s)" -lt "$end" ]; do
	cache-put -q --top 5 < short.json; cache-put -q < long.json
done ) &
w2=$!
reads=0
while [ "$(date +%s)" -lt "$end" ]; do
	cache-get RACEUSDT >> reads.txt || echo MISS >> reads.txt
	cache-get --top 1 >> tops.txt || echo MISS >> tops.txt
	reads=$((reads + 1))
done
wait $w1 $w2
run python3 -c '
import json, sys
n = 0
for f in sys.argv[1:]:
    for l in open(f):
        e = json.loads(l)
        assert e["symbol"] == "RACEUSDT" and e["prob_up"] in (0.25, 0.75), l[:80]
        n += 1
print(n)' reads.txt tops.txt
is "$rc/$err" "0/" "$reads concurrent reads of entry and top list all whole JSON"
is "$out" "$((reads * 2))" "... and none was a miss"
is "$(ls -A home/cache/predictions)" "RACEUSDT.json" "no temporaries left after the race"

# A prediction of a model the coin no longer serves (a restore or a
# training switched current while it was made) is not cached; the coin's
# current model's is.
mkdir -p served/models/RSTUSDT/20210301_110000Z served/models/RSTUSDT/20210301_120000Z
ln -s 20210301_110000Z served/models/RSTUSDT/current
line RSTUSDT 0.6 >rst.json
run cache-put --home served --ttl 1h <rst.json
is "$rc:$err" "1:cache-put: RSTUSDT: predicted by models/RSTUSDT/20210301_120000Z, which is no longer its current model (20210301_110000Z): not cached" \
	"a prediction of a replaced model: refused, said, exit 1"
run cache-get --home served RSTUSDT
is "$rc" 3 "and not served"
ln -sfn 20210301_120000Z served/models/RSTUSDT/current
run cache-put --home served --ttl 1h -q <rst.json
run cache-get --home served RSTUSDT
is "$rc" 0 "the current model's prediction is cached"

# A cache-put whose entry was forgotten while it changed its lock from
# shared to exclusive (a restore or --clear got in between) does not merge
# it into top.json.  Another shared holder keeps cache-put waiting there
# (seen in /proc/locks, not guessed from a sleep: a loaded machine takes
# longer to get there); it is stopped so that the --clear surely goes
# first.
run cache-put --home served --ttl 1h --top 5 -q <rst.json
rm -f held release
flock -s served/cache/.lock sh -c ': >held; until [ -e release ]; do sleep 0.05; done' &
holder=$!
i=0
until [ -e held ] || [ $i -ge 400 ]; do sleep 0.05; i=$((i + 1)); done
cache-put --home served --ttl 1h -q <rst.json &
late=$!
i=0
until grep -q -- "-> FLOCK  *ADVISORY  *WRITE $late " /proc/locks || [ $i -ge 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
ok $([ $i -lt 400 ]; echo $?) "cache-put waits to turn its shared lock exclusive"
kill -STOP $late
cache-put --home served --clear RSTUSDT &
clr=$!
: >release
wait $holder
wait $clr
kill -CONT $late
wait $late
run cache-get --home served --top 5
is "$rc:$(printf '%s\n' "$out" | grep -c RSTUSDT)" "3:0" "an entry forgotten meanwhile is not merged into the top list"

# An entry cached while the clock was set ahead (a day): its expiry is a
# day ahead too, so it counts as expired, not fresh for 25 hours.
ahead=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
later=$(date -u -d '+1 day 1 hour' +%Y-%m-%dT%H:%M:%SZ)
mkdir -p served/cache/predictions
line AHDUSDT 0.6 | sed "s/}\$/,\"cached_at\":\"$ahead\",\"expires_at\":\"$later\"}/" >served/cache/predictions/AHDUSDT.json
run cache-get --home served AHDUSDT
is "$rc:$out" "3:" "an entry cached by a clock a day ahead: expired (exit 3)"
run cache-get --home served --stale-ok AHDUSDT
like "$rc:$out" '^0:.*"expired":true}$' "--stale-ok serves it, marked expired"
# A producer that stalls does not hold the cache: cache-put reads its
# input before it takes the lock, so other writers go on.
mkfifo stall.fifo
cache-put -q --home served <stall.fifo &
stalled=$!
exec 7>stall.fifo
t0=$(date +%s)
run timeout 10 cache-put --home served --clear RSTUSDT
is "$rc:$(($(date +%s) - t0 < 5))" "0:1" "--clear is not held up by a cache-put still reading its input"
cat rst.json >&7
exec 7>&-
wait $stalled
is "$?" 0 "and that cache-put stores once its input ends"

# A data home whose cache cannot be written (read-only, or here a file in
# the way): the prediction still comes out, for the fallback pipeline.
mkdir -p rohome && : >rohome/cache
run cache-put --home rohome --ttl 1h <rst.json
is "$rc:$out" "1:$(cat rst.json)" "a cache that cannot be locked: the prediction printed as it came, exit 1"
like "$err" "^cache-put: rohome/cache" "and why"

# An entry cache-put would not have stored (edited by hand) is served to
# no one: a miss, said.
echo '{"symbol":"ODDUSDT","expires_at":"2099-01-01T00:00:00Z","prob_up":"high","signal":"moon"}' \
	>"$COINTRAIN_HOME/cache/predictions/ODDUSDT.json"
run cache-get ODDUSDT
is "$rc:$out" "3:" "an entry that is no prediction: a miss"
like "$err" "ODDUSDT.json: not a prediction: " "and why"
rm "$COINTRAIN_HOME/cache/predictions/ODDUSDT.json"

# Two cache-puts of one coin at once (the hourly --top refresh and a
# fallback put): the top list ends with the coin's entry as it is, never
# with the one replaced (which it kept until the next rebuild).
export COINTRAIN_HOME=$T/race
mkdir "$COINTRAIN_HOME"
line() { printf '{"symbol":"%s","timeframe":"1h","open_time":"2026-11-30T18:00:00Z","prob_up":%s,"signal":"long","threshold":0.5}\n' "$1" "$2"; }
{ line AAAUSDT 0.9; line BBBUSDT 0.8; line CCCUSDT 0.7; line DDDUSDT 0.6; } | cache-put -q --ttl 2h --top 3
bad=''
for r in 1 2 3 4 5 6 7 8 9 10 11 12; do
	{ line AAAUSDT 0.9; line BBBUSDT 0.8; line CCCUSDT 0.61; line DDDUSDT 0.6; } |
		cache-put -q --ttl 65m --top 3 &
	line CCCUSDT 0.75 | cache-put -q --ttl 1h &
	wait
	e=$(jget "$COINTRAIN_HOME/cache/predictions/CCCUSDT.json" 'j["prob_up"]')
	t=$(jget "$COINTRAIN_HOME/cache/top.json" '[p["prob_up"] for p in j["predictions"] if p["symbol"] == "CCCUSDT"][0]')
	[ -n "$e" ] && [ "$e" = "$t" ] || bad="$bad $r:$e/$t"
done
is "$bad" "" "12 overlapping puts of one coin: the top list holds its entry as it is"

# A reader of the echo that leaves early does not cut the store short:
# every line is stored, top.json written, then the broken pipe said.
for i in $(seq 100 399); do
	# 300 lines of over 300 bytes: more than a pipe holds, so cache-put
	# writes to it after head has left, however late head runs.
	printf '{"symbol":"P%03d","timeframe":"1h","open_time":"2026-12-01T22:00:00Z","prob_up":0.%03d,"signal":"long","threshold":0.5,"note":"%0300d"}\n' "$i" "$i" 0
done >many.jsonl
mkdir pipehome
st=$( { COINTRAIN_HOME=$T/pipehome cache-put --top 5 <many.jsonl 2>pipe.err; echo $? >pipe.rc; } | head -c 1 >/dev/null; cat pipe.rc)
is "$st:$(cat pipe.err)" "1:cache-put: stdout: Broken pipe" "the echo's reader gone: exit 1, said"
is "$(ls pipehome/cache/predictions | wc -l):$(jget pipehome/cache/top.json 'len(j["predictions"])')" "300:5" \
	"... after every entry was stored and top.json written"

# A damaged top list is not kept over in silence: exit 1, how to rebuild
# it; --top N does.
printf '{"generated_at":"x","n":2,"predictions":[\n' >pipehome/cache/top.json
run sh -c "head -n 2 many.jsonl | COINTRAIN_HOME=$T/pipehome cache-put -q"
is "$rc:$(printf '%s\n' "$err" | tail -n 1)" \
	"1:cache-put: $T/pipehome/cache/top.json: the top list is damaged: rebuild it with cache-put --top N" \
	"a damaged top.json: exit 1, and how to rebuild it"
is "$(jget pipehome/cache/predictions/P100.json 'j["symbol"]')" '"P100"' "... the entries are stored all the same"
COINTRAIN_HOME=$T/pipehome cache-put --top 5 </dev/null
is "$?:$(jget pipehome/cache/top.json 'len(j["predictions"])')" "0:5" "--top 5 rebuilds it"

# An older line of the same model (a slow pipeline, predict --history)
# does not replace the newer entry: said, the newer one printed; a line
# of another model (a retrain) replaces it whatever its time.
mkdir oldhome
ol() { printf '{"symbol":"OLDUSDT","timeframe":"1h","open_time":"%s","prob_up":%s,"signal":"long","threshold":0.5,"model":"models/OLDUSDT/%s"}\n' "$@"; }
ol 2026-12-01T22:00:00Z 0.7 20261201_000000Z | cache-put -q --home oldhome --ttl 1h
run sh -c "printf '%s\n' '$(ol 2026-12-01T21:00:00Z 0.2 20261201_000000Z)' | cache-put --home oldhome --ttl 1h"
is "$rc:$err" "0:cache-put: OLDUSDT: predicted for the candle of 2026-12-01T21:00:00Z, older than the cached entry's (2026-12-01T22:00:00Z): that one is kept" \
	"an older line of the same model: kept the newer, said, exit 0"
like "$out" '"open_time":"2026-12-01T22:00:00Z","prob_up":0.7' "... the newer entry is what it prints"
like "$(cache-get --home oldhome OLDUSDT)" '"prob_up":0.7' "... and what is served"
ol 2026-12-01T21:00:00Z 0.3 20261201_120000Z | cache-put -q --home oldhome --ttl 1h
like "$(cache-get --home oldhome OLDUSDT)" '"prob_up":0.3' "a line of another model replaces it whatever its time"
ol 2026-12-01T23:00:00Z 0.8 20261201_120000Z | cache-put -q --home oldhome --ttl 1s
sleep 1.1
run sh -c "printf '%s\n' '$(ol 2026-12-01T22:00:00Z 0.4 20261201_120000Z)' | cache-put --home oldhome --ttl 1h"
is "$rc:$err" "0:" "a newer entry that has expired is not kept: the older line is stored"
like "$(cache-get --home oldhome OLDUSDT)" '"prob_up":0.4' "... and served"

done_testing
