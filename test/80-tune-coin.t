#!/bin/sh
# 80-tune-coin.t — tune-coin as an operator runs it: reproducible draws
# and winner, resume after kill -9 with the same winner, the held-out
# honesty check on random walks, the planted edge found, params.json
# picked up by train-coin, the lock, usage errors, and run-batch's tune
# cycle with the real tools.
. "$CT_TOP/test/lib.sh"

COSTS=$T/costs.csv
cat >"$COSTS" <<'END'
symbol,taker_fee_bps,maker_fee_bps,median_spread_bps,slippage_bps_per_sigma
*,10,10,2,1
END
TUNE="tune-coin --costs $COSTS --timeframe 5m --threads 1"
M=$COINTRAIN_HOME/models

# draws SYM — the parameters of every trial record, in trial order.
draws() { for f in "$M/$1"/search/trial-*.json; do jget "$f" 'j["params"]'; done; }
# barrier SYM — the fits a search with a barrier between its rungs would
# have trained, from the records' scores (rank by mean logloss of the folds
# so far, ties to the lower trial, keep the better half), the fits the
# records hold, and the winner of each: "same" when they agree.
barrier() {
	python3 - "$M/$1" <<'PY'
import glob, json, math, sys
recs = [json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/search/trial-*.json"))]
p = json.load(open(sys.argv[1] + "/params.json"))
nsf = len(recs[0]["folds"])
def score(t, n):
    s = 0.0
    for f in range(n):
        s += recs[t]["folds"][f]["logloss"]
    return s / n
cand, want = list(range(len(recs))), set()
for r in range(nsf):
    if r > 0:
        cand = sorted(cand, key=lambda t: (score(t, r), t))[:math.ceil(len(cand) / 2)]
    want |= {(t, r) for t in cand}
win = sorted(cand, key=lambda t: (score(t, nsf), t))[0]
got = {(t, r) for t in range(len(recs)) for r in range(nsf) if recs[t]["folds"][r]}
print("same" if got == want and win == p["search"]["trial"] else
      "differ: fits %s, winner %d vs %d" % (sorted(got ^ want), win, p["search"]["trial"]))
PY
}

fetch-candles --symbol EDGE --timeframe 5m --generate --kind edge --seed 3 --lookback 6000 2>/dev/null
ok $? "generate a planted-edge series"

# ---- reproducibility ----
run $TUNE --symbol EDGE --trials 8 --jobs 2 --seed 5 --lookback 6000
is "$rc:$err" "0:" "a search exits 0, nothing on stderr off a terminal"
is "$out" "$M/EDGE/params.json" "stdout is the path of params.json"
cp "$M/EDGE/params.json" ref.json
is "$(barrier EDGE)" same "no barrier between the rungs: the barrier's very fits and winner (2 jobs)"
draws EDGE >draws1
is "$(grep -c . draws1)" 8 "8 trial records"
is "$(sed -n 1p draws1)" '{"colsample_bytree": 0.8, "eta": 0.05, "lambda": 1.0, "max_bin": 128, "max_depth": 3, "min_child_weight": 20.0, "subsample": 0.8}' \
    "trial 0 is the default parameters"
is "$(sort -u draws1 | grep -c .)" 8 "the other draws differ"
rm -rf "$M/EDGE/search" "$M/EDGE/params.json"
run $TUNE --symbol EDGE --trials 8 --jobs 1 --seed 5 --lookback 6000
draws EDGE >draws2
is "$(cat draws2)" "$(cat draws1)" "the same seed draws the same parameters (with 1 job as with 2)"
is "$(jget "$M/EDGE/params.json" '[j["params"], j["search"], j["heldout"]]')" \
    "$(jget ref.json '[j["params"], j["search"], j["heldout"]]')" \
    "the same seed gives the same winner, search score and held-out score"
is "$(barrier EDGE)" same "no barrier between the rungs: the barrier's very fits and winner (1 job)"
# The records of seed 5 are not this search's: dropped, and said.
run $TUNE --symbol EDGE --trials 8 --seed 6 --lookback 6000 --progress
like "$err" "tune-coin: EDGE: starting over: 8 trial records of an earlier search discarded \\(another --seed\\)" \
    "another seed: the earlier search's records are dropped, and that is said"
draws EDGE >draws3
is "$(sed -n 1p draws3)" "$(sed -n 1p draws1)" "another seed: trial 0 is still the defaults"
[ "$(sed -n 2,8p draws3)" != "$(sed -n 2,8p draws1)" ]
ok $? "another seed draws other parameters"
is "$(jget "$M/EDGE/params.json" 'j["seed"]')" 6 "params.json records the seed"

# ---- what params.json holds ----
P=$M/EDGE/params.json
is "$(jget "$P" 'sorted(j)')" \
    '["cointrain_version", "created", "data", "default", "early_stop", "folds", "halving", "heldout", "horizon", "params", "rounds_max", "row_step", "score", "search", "seconds", "seed", "space", "symbol", "timeframe", "trials", "trials_cut", "xgboost_version"]' \
    "params.json: winner, scores, search settings, data range"
is "$(jget "$P" '[j["heldout"]["fold"], j["search"]["folds"], j["trials"], j["trials_cut"]]')" \
    "[4, 3, 8, 6]" "held-out fold 4, search folds 1-3, 8 trials of which 6 cut by halving"
is "$(jget "$P" 'j["heldout"]["from"] > j["data"]["from"] and j["heldout"]["to"] == j["data"]["to"]')" \
    true "the held-out block is the newest candles"
# The defaults (trial 0) may be cut after fold 1: the winner's score
# beside theirs is over the very folds they trained.
is "$(jget "$P" '[[abs(d["winner_logloss"] - sum(w) / len(w)) < 1e-9, abs(d["logloss_gained"] - (d["logloss"] - d["winner_logloss"])) < 1e-9] for d in [j["default"]] for w in [[f["logloss"] for f in j["search"]["per_fold"][:d["folds"]]]]][0]')" \
    "[true, true]" "params.json: the defaults' score beside the winner's on the same folds"

# ---- resume after kill -9 ----
# await_records N RE — wait (30 s at most) until EDGE's search holds N
# entries whose names match RE.
await_records() {
	i=0
	while [ "$(ls "$M/EDGE/search" 2>/dev/null | grep -c "$2")" -lt "$1" ] && [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}
# killed_search N PATTERN — EDGE's 12-trial search (seed 9), killed with
# -9 once N entries of its search/ match PATTERN.
killed_search() {
	$TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000 >/dev/null 2>&1 &
	pid=$!
	await_records "$1" "$2"
	kill -9 $pid
	wait $pid 2>/dev/null
	flock "$M/EDGE/search/.lock" true
}
rm -rf "$M/EDGE/search" "$M/EDGE/params.json"
run $TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000
cp "$M/EDGE/params.json" ref12.json
rm -rf "$M/EDGE/search" "$M/EDGE/params.json"
killed_search 5 '^trial-'
done1=$(ls "$M/EDGE/search" | grep -c '^trial-')
[ "$done1" -ge 5 ] && [ ! -e "$M/EDGE/params.json" ]
ok $? "killed with -9 after $done1 trial records, before params.json"
# (This test's own: make check runs it against three builds at once.)
ours=0
for p in $(pgrep -f "tune-coin.*--seed 9"); do
	tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "COINTRAIN_HOME=$COINTRAIN_HOME" &&
		ours=$((ours + 1))
done
is "$ours" 0 "no worker outlives the killed search"
run $TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000 --progress
is "$rc" 0 "the search started again exits 0"
like "$err" "resuming: [0-9]+ fits recorded" "it resumes from the records"
is "$(jget "$M/EDGE/params.json" '[j["params"], j["search"], j["heldout"]]')" \
    "$(jget ref12.json '[j["params"], j["search"], j["heldout"]]')" \
    "resumed after kill -9: the same winner as an uninterrupted search"
is "$(barrier EDGE)" same "no barrier between the rungs: the barrier's very fits and winner (2 jobs, resumed)"
run $TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000 --progress
like "$err" "12 trials \(9 cut early\), 21 fits \(21 resumed\)" "a finished search run again fits nothing (12 + 6 + 3 fits)"
# Records with figures the search could not have written are fits to do
# again, not a winner (a negative logloss) or a search without one (null).
python3 -c 'import json, sys
for k, ll in ((3, -5), (5, None), (7, 0)):
    p = "%s/trial-%04d.json" % (sys.argv[1], k)
    j = json.load(open(p))
    j["folds"][0]["logloss"] = ll
    json.dump(j, open(p, "w"))' "$M/EDGE/search"
# A record cut short (a disk that filled, a copy), and one of another draw.
head -c 200 "$M/EDGE/search/trial-0009.json" >cut.json && mv cut.json "$M/EDGE/search/trial-0009.json"
python3 -c 'import json, sys
j = json.load(open(sys.argv[1])); j["params"]["eta"] = 0.99; json.dump(j, open(sys.argv[1], "w"))' \
    "$M/EDGE/search/trial-0010.json"
run $TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000
like "$err" "trial-0003.json: fold 1: logloss not a positive number; trained again" \
    "a negative logloss in a record: named, trained again"
like "$err" "trial-0005.json: fold 1: logloss not a positive number; trained again" "so is a null one"
like "$err" "trial-0007.json: fold 1: logloss not a positive number; trained again" "and a logloss of 0"
like "$err" "trial-0009.json:[0-9]+: .*; trained again" "a record cut short: named, trained again"
like "$err" "trial-0010.json: not a record of trial 10's draw; trained again" "a record of another draw: said"
is "$rc:$(jget "$M/EDGE/params.json" '[j["params"], j["search"], j["heldout"]]')" \
    "0:$(jget ref12.json '[j["params"], j["search"], j["heldout"]]')" \
    "and the search ends with the winner of an untouched one"

# A worker killed from outside (the OOM killer): exit 5, worth a retry,
# which resumes.
# A worker that is fitting (running), as the OOM killer picks a busy one:
# one killed while it waits for a fit loses nothing, and the search ends
# (a worker seen running may have finished its fit by the kill: then the
# trial is made again, three times at most).
for try in 1 2 3; do
	rm -rf "$M/EDGE/search" "$M/EDGE/params.json"
	$TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000 >/dev/null 2>killed.err &
	pid=$!
	await_records 3 '^trial-.*json$'
	i=0 w=''
	while [ -z "$w" ] && [ $i -lt 200 ]; do
		w=$(ps -o pid=,stat= --ppid $pid | awk '$2 ~ /^R/ { print $1; exit }')
		i=$((i + 1))
	done
	[ -n "$w" ] && kill -9 $w
	wait $pid
	rc=$?
	grep -q 'while idle' killed.err || break
done
is "$rc" 5 "a worker killed by a signal: exit 5 (temporary: run-batch retries)"
like "$(cat killed.err)" "EDGE: worker [0-9] died of signal 9 \\(Killed\\)" "the worker's death is said, with the coin"
like "$(cat killed.err)" "EDGE: a worker was killed; the fits done are kept" "with the coin, and what to do"
run $TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000
is "$rc:$(jget "$M/EDGE/params.json" '[j["params"], j["search"], j["heldout"]]')" \
    "0:$(jget ref12.json '[j["params"], j["search"], j["heldout"]]')" \
    "run again: the search resumes to the same winner"

# ---- a search resumed after new candles came ----
# An interrupted search resumes on the candles it began with while those
# fetched since are few (1% of those it reads: the hourly cycle's while
# it was paused); a finished one, or one with more new candles, starts
# over on the store as it is.
S=$COINTRAIN_HOME/candles/EDGE/5m.csv
cp "$S" edge.orig
# more_candles N — N candles after the store's newest, imported.
more_candles() {
	tail -n 1 "$S" | awk -F, -v n="$1" 'BEGIN { OFS = "," } { print "open_time,open,high,low,close,volume"
		for (i = 1; i <= n; i++) print sprintf("%.0f", $1 + i * 300000), $2, $3, $4, $5, $6 }' >more.csv
	fetch-candles --symbol EDGE --timeframe 5m --import more.csv 2>/dev/null
}
# newer — whether params.json's data range ends after ref12.json's.
newer() { jget "$M/EDGE/params.json" "j['data']['to'] > $(jget ref12.json 'j["data"]["to"]')"; }
rm -rf "$M/EDGE/search" "$M/EDGE/params.json"
killed_search 5 '^trial-'
more_candles 20
is "$(($(wc -l <"$S") - $(wc -l <edge.orig)))" 20 "20 candles came after the search was killed"
run $TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000 --progress
like "$err" "EDGE: resuming the search on the candles it began with \\(to 2024-01-21T19:55:00Z\\); the 20 fetched since are left for the next search" \
    "killed, 20 new candles: the search resumes on the candles it began with, and says so"
unlike "$err" "starting over" "no record is dropped"
is "$rc:$(jget "$M/EDGE/params.json" '[j["params"], j["search"], j["heldout"], j["data"]]')" \
    "0:$(jget ref12.json '[j["params"], j["search"], j["heldout"], j["data"]]')" \
    "the same winner, scores and data range as the search uninterrupted on those candles"
run $TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000 --progress
like "$err" "EDGE: starting over: 12 trial records of an earlier search discarded \\(the candles changed\\)" \
    "a finished search run again after new candles starts over"
is "$(newer)" true "on the store as it is (its data range ends later)"
rm -rf "$M/EDGE/search" "$M/EDGE/params.json"
cp edge.orig "$S"
killed_search 5 '^trial-'
more_candles 200
run $TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000 --progress
like "$err" "EDGE: starting over: [0-9]+ trial records? of an earlier search discarded \\(the candles changed\\)" \
    "killed, 200 new candles (over 1% of 6000): the search starts over"
is "$(newer)" true "on the store as it is (its data range ends later)"
cp edge.orig "$S"
# Another --horizon changes the rows too; the option is the reason said.
run $TUNE --symbol EDGE --trials 2 --jobs 1 --seed 9 --lookback 6000 --horizon 6 --rounds 5 --progress
like "$err" "EDGE: starting over: [0-9]+ trial records? of an earlier search discarded \\(another --horizon\\)" \
    "a search with another --horizon: said so (not 'the candles changed')"
# Its costs are their figures, not where they were read: the same table
# named another way is the same search.
H6="--timeframe 5m --threads 1 --symbol EDGE --trials 2 --jobs 1 --seed 9 --lookback 6000 --horizon 6 --rounds 5"
run tune-coin --costs "$T/./costs.csv" $H6 --progress
is "$rc" 0 "the cost table named another way: exit 0"
unlike "$err" "starting over" "... the same search: resumed, no record discarded"
# A spread estimated from the candles changes with them: when new candles
# come, they are the reason said, not the costs.
printf 'symbol,taker_fee_bps,maker_fee_bps,median_spread_bps,slippage_bps_per_sigma\n*,10,10,,1\n' >"$T/est.csv"
run tune-coin --costs "$T/est.csv" $H6
like "$err" "discarded \\(other costs\\)" "another cost table: 'other costs'"
more_candles 200
run tune-coin --costs "$T/est.csv" $H6
like "$err" "discarded \\(the candles changed\\)" \
    "a spread estimated from the candles, new candles: 'the candles changed', not 'other costs'"
cp edge.orig "$S"
# An identity.json cut short: named, and the reason said.
head -c 100 "$M/EDGE/search/identity.json" >id.cut && cat id.cut >"$M/EDGE/search/identity.json"
run tune-coin --costs "$T/est.csv" $H6
like "$err" "search/identity.json:[0-9]+: .*
.*discarded \\(a damaged identity.json\\)" "a damaged identity.json: named, and the reason (not 'no identity.json')"
# Another --halving starts over too: it decides which fits are made, and the
# defaults' figures beside the winner's.
run tune-coin --costs "$T/est.csv" $H6 --halving 1
like "$err" "EDGE: starting over: [0-9]+ trial records? of an earlier search discarded \\(another --halving\\)" \
    "a search with another --halving: said so"
# And another --row-step: its trials trained on other rows.  Without the
# option, 6000 candles are too few for a step: every row (1).
is "$(jget "$M/EDGE/params.json" 'j["row_step"]')" 1 "params.json records the row step (6000 candles: every row)"
run tune-coin --costs "$T/est.csv" $H6 --halving 1 --row-step 2
like "$err" "EDGE: starting over: [0-9]+ trial records? of an earlier search discarded \\(another --row-step\\)" \
    "a search with another --row-step: said so"
is "$(jget "$M/EDGE/params.json" 'j["row_step"]')" 2 "... and params.json records it"
cp "$M/EDGE/params.json" p.before
run tune-coin --costs "$T/est.csv" $H6 --halving 1 --row-step 200
like "$rc:$err" "^1:tune-coin: EDGE: a row step of 200 leaves fold 1 [0-9]+ of its [0-9]+ training candles" \
    "a step that leaves fold 1 too few rows: exit 1 before any trial, said"
cmp -s p.before "$M/EDGE/params.json"
ok $? "... params.json as it was"

# ---- the held-out fold trained ahead ----
# A worker trains the held-out fold of the trial leading the last rung
# before the search ends; only the winner's is read.  Its figures are
# train-coin's own walk-forward fold 4 with the winner's parameters.
rm -rf "$M/EDGE/search" "$M/EDGE/params.json"
run $TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000 --progress
like "$err" "trial [0-9]+ leads fold 3: its held-out fold trains ahead \(read only if it wins\)" \
    "--progress: a held-out fold trains ahead"
is "$(jget "$M/EDGE/params.json" '[j["params"], j["search"], j["heldout"]]')" \
    "$(jget ref12.json '[j["params"], j["search"], j["heldout"]]')" \
    "trained ahead: the same winner and held-out figures"
is "$(jget "$M/EDGE/search/identity.json" 'j["folds"]'):$(ls "$M/EDGE/search" | grep -c -- '-folds$')" "4:0" \
    "the trials' folds directories are gone when the search ends"
# Those of trials past --trials too: a search of 12 killed, then one of 4.
rm -rf "$M/EDGE/search" "$M/EDGE/params.json"
killed_search 8 '^trial-.*-folds$'
run $TUNE --symbol EDGE --trials 4 --jobs 2 --seed 9 --lookback 6000
is "$rc:$(ls "$M/EDGE/search" | grep -c -- '-folds$')" "0:0" \
    "a search of fewer trials than the killed one: every folds directory gone when it ends"
# Killed with -9 while a held-out fold trains ahead: resumed, the same.
rm -rf "$M/EDGE/search" "$M/EDGE/params.json"
$TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000 --progress >/dev/null 2>ahead.err &
pid=$!
i=0
while ! grep -q 'trains ahead' ahead.err && kill -0 $pid 2>/dev/null && [ $i -lt 1000 ]; do
	sleep 0.01
	i=$((i + 1))
done
kill -9 $pid
wait $pid 2>/dev/null
# Its workers end as they find it gone (under ASan, a moment later):
# until then the search is locked, exit 6.
flock "$M/EDGE/search/.lock" true
grep -q 'trains ahead' ahead.err && [ ! -e "$M/EDGE/params.json" ]
ok $? "killed with -9 while a held-out fold trained ahead, before params.json"
run $TUNE --symbol EDGE --trials 12 --jobs 2 --seed 9 --lookback 6000
is "$(jget "$M/EDGE/params.json" '[j["params"], j["search"], j["heldout"]]')" \
    "$(jget ref12.json '[j["params"], j["search"], j["heldout"]]')" \
    "resumed: the same winner and held-out figures"
run train-coin --costs $COSTS --threads 1 --lookback 6000 --symbol EDGE --timeframe 5m --fresh
# (params.json keeps ten digits.)
is "$(jget "$out/metrics.json" '["%.9g" % j["folds"][3][k] for k in ("auc", "logloss", "trades", "net_bps_after_costs", "best_rounds")]')" \
    "$(jget "$M/EDGE/params.json" '["%.9g" % j["heldout"][k] for k in ("auc", "logloss", "trades", "net_bps_after_costs", "best_rounds")]')" \
    "held-out after search: train-coin's own fold 4 with the winner's parameters"

# ---- params.json picked up by train-coin ----
# The search's rounds (300, the default): its parameters are for those.
TT="train-coin --costs $COSTS --threads 1 --lookback 6000 --symbol EDGE --timeframe 5m"
TC="$TT --rounds 40"
run $TT --fresh --progress
is "$rc" 0 "train-coin --fresh with a params.json"
like "$err" "fold 1/4 done: [0-9]+ rounds, searched \\(in-sample to the search\\) AUC " \
    "--progress: a fold the search scored is said to be searched"
like "$err" "fold 4/4 done: [0-9]+ rounds, walk-forward AUC " "the held-out fold, walk-forward"
is "$(jget "$out/config.json" '[j["params_source"], j["params_file"]]')" "[\"tuned\", \"$M/EDGE/params.json\"]" \
    "config.json: tuned parameters, from params.json"
o2=$(cd "$COINTRAIN_HOME" && $TT --fresh --home . 2>/dev/null)
is "$(cd "$COINTRAIN_HOME" && jget "$o2/config.json" 'j["params_file"]')" "\"$M/EDGE/params.json\"" \
    "with a relative --home too: params.json by its absolute path"
is "$(jget "$out/config.json" '[float(j["params"][k]) for k in sorted(j["params"]) if k in ("eta","max_depth","min_child_weight","subsample","colsample_bytree","lambda","max_bin")]')" \
    "$(jget "$P" '[float(v) for k, v in sorted(j["params"].items())]')" \
    "config.json: the parameters are params.json's"
# Its figures are of the folds the search never scored: on the searched
# candles, fold 4 alone, the search's own held-out figure.
is "$(jget "$out/metrics.json" '[j["evaluation"], [f.get("searched", False) for f in j["folds"]]]')" \
    '["held-out after search", [true, true, true, false]]' \
    "a tuned model's metrics.json: held-out after search, the searched folds marked"
fold4=$(jget "$out/metrics.json" 'j["folds"][3]["auc"]')
ho=$(jget "$P" 'j["heldout"]["rows"][1] - j["heldout"]["rows"][0]')
is "$(jget "$out/metrics.json" '[j["aggregate"]["auc"], j["aggregate"]["rows"]]')" "[$fold4, $ho]" \
    "... its AUC and rows are fold 4's, the rows the search held out"
like "$(coin-status --json EDGE)" '"evaluation":"held-out after search"' "coin-status says so"
is "$(jget "$out/metrics.json" '[abs(round(j["equity_curve"][-1][1] - j["aggregate"]["total_net_bps"], 6)) if j["equity_curve"] else 0, all(p[0] >= 0 for p in j["equity_curve"])]')" \
    "[0.0, true]" "... its equity curve ends at its total (the searched folds' trades left out)"
# The same file given with --params is the same search: the same honesty.
cp "$P" tuned-copy.json
run $TT --fresh --params tuned-copy.json
is "$rc:$err:$(jget "$out/config.json" '[j["params_source"], j["params"]["max_depth"]]')" \
    "0::[\"file\", \"$(jget "$P" 'j["params"]["max_depth"]')\"]" "--params with a copy of params.json: its parameters"
like "$(coin-status --json EDGE)" '"params":"file"' "coin-status: the parameters came from a file (was 'default')"
is "$(jget "$out/metrics.json" '[j["evaluation"], [f.get("searched", False) for f in j["folds"]], j["aggregate"]["auc"] == j["folds"][3]["auc"]]')" \
    '["held-out after search", [true, true, true, false], true]' \
    "... and its figures held-out after search, the searched folds marked, not a walk-forward"
python3 -c 'import json, sys
j = json.load(open(sys.argv[1])); j["timeframe"] = "1h"; json.dump(j, open("tf.json", "w"))
j["timeframe"] = "5m"; j["symbol"] = "BTCUSDT"; json.dump(j, open("sym.json", "w"))' "$P"
run $TT --fresh --params tf.json
is "$rc:$err" "0:train-coin: tf.json: tuned for EDGE 1h, not EDGE 5m: its parameters are used all the same (--params)" \
    "--params tuned for another timeframe: said, and used"
is "$(jget "$out/metrics.json" 'j["evaluation"]')" '"held-out after search"' \
    "... the search scored this coin's candles all the same: held-out after search"
run $TT --fresh --params sym.json
is "$rc:$err" "0:train-coin: sym.json: tuned for BTCUSDT 5m, not EDGE 5m: its parameters are used all the same (--params)" \
    "--params tuned for another coin: said, and used"
is "$(jget "$out/metrics.json" 'j["evaluation"]')" '"walk-forward"' "... its search never scored this coin's candles: walk-forward"
# A search that scored every fold (its held-out block after all of them:
# a model trained on more candles than the search read): optimistic, said.
python3 -c 'import json, sys
j = json.load(open(sys.argv[1])); j["heldout"]["from"] = "2099-01-01T00:00:00Z"; json.dump(j, open("late.json", "w"))' "$P"
run $TT --fresh --params late.json
is "$rc:$(jget "$out/metrics.json" 'j["evaluation"]')" '0:"optimistic: every fold scored by the parameter search"' \
    "a search that scored every fold: its figures are called optimistic"
like "$(coin-status --json EDGE)" '"evaluation":"optimistic: every fold scored by the parameter search"' "coin-status says so"
# A search's result names all seven parameters and its held-out block,
# else the defaults would train as "tuned", every fold would count as
# searched.
cp "$P" tuned-ref.json
python3 -c 'import json, sys
j = json.load(open(sys.argv[1])); j["params"] = {}; json.dump(j, open(sys.argv[2], "w"), indent=1)' tuned-ref.json "$P"
run $TT --fresh
is "$rc:$err" "1:train-coin: $P:4: params: colsample_bytree missing (a search's result names all seven parameters)
train-coin: $P: tuned parameters not used (--default-params trains without them)" \
    "params.json with \"params\": {}: refused, named by file and line"
python3 -c 'import json, sys
j = json.load(open(sys.argv[1])); del j["params"]["lambda"]; json.dump(j, open(sys.argv[2], "w"), indent=1)' tuned-ref.json tuned-copy.json
run $TT --fresh --params tuned-copy.json
is "$rc:$err" "1:train-coin: tuned-copy.json:4: params: lambda missing (a search's result names all seven parameters)" \
    "--params with a search's result missing a parameter: refused"
python3 -c 'import json, sys
j = json.load(open(sys.argv[1])); del j["heldout"]["from"]; json.dump(j, open(sys.argv[2], "w"), indent=1)' tuned-ref.json "$P"
run $TT --fresh
like "$rc:$err" "^1:train-coin: $P:[0-9]+: heldout.from: missing or not a time: which folds the search scored is unknown" \
    "params.json without heldout.from: refused, not every fold silently searched"
printf '{"params": {}}\n' >empty.json
run $TT --fresh --params empty.json
is "$rc:$err" "1:train-coin: empty.json:1: no parameters (--default-params trains the defaults)" \
    "--params with no parameters: refused"
printf '[1, 2]\n' >array.json
run $TT --fresh --params array.json
is "$rc:$err" "1:train-coin: array.json: not a JSON object of parameters" "--params with a JSON array: said so"
cp tuned-ref.json "$P"
run $TC --fresh --default-params
is "$(jget "$out/config.json" '[j["params_source"], j["params_file"], j["params"]["eta"]]')" '["default", null, "0.05"]' \
    "--default-params ignores params.json"
# Parameters tuned on 5m candles say nothing of 1h ones.
fetch-candles --symbol EDGE --timeframe 1h --generate --kind edge --seed 3 --lookback 3000 2>/dev/null
run train-coin --costs $COSTS --threads 1 --rounds 40 --symbol EDGE --timeframe 1h --fresh
is "$rc:$(jget "$out/config.json" 'j["params_source"]')" '0:"default"' \
    "params.json of another timeframe: the defaults"
like "$err" "train-coin: EDGE: the current model is for timeframe 5m: this 1h model replaces it \\(a coin has one model\\)" \
    "a fresh model of another timeframe replacing the coin's: said"
like "$err" "params.json: tuned for EDGE 5m, not EDGE 1h: default parameters \\(--params .* uses them\\)" \
    "with a warning that names the file and both"
# Nor do parameters tuned for a 12-candle label, or for 300 rounds, say
# anything of a 24-candle label or of 40 rounds.
run $TT --fresh --horizon 24
is "$rc:$(jget "$out/config.json" '[j["params_source"], j["horizon"]]')" '0:["default", 24]' \
    "params.json tuned for another horizon: the defaults"
like "$err" "params.json: tuned with --horizon 12, not 24: default parameters \\(--params .* uses them\\)" \
    "with a warning that names the file and both horizons"
run $TC --fresh
is "$rc:$(jget "$out/config.json" 'j["params_source"]')" '0:"default"' "params.json tuned for other rounds: the defaults"
like "$err" "params.json: tuned with --rounds 300, not 40: default parameters" "with a warning"
# Nor for another row step: a min_child_weight tuned on every row weighs a
# third of the candles on every third.  Without --row-step, a fresh model
# trains on the rows its parameters were tuned on.
run $TT --fresh --row-step 3
is "$rc:$(jget "$out/config.json" '[j["params_source"], j["params"]["row_step"]]')" '0:["default", 3]' \
    "params.json tuned on every row, --row-step 3: the defaults"
like "$err" "params.json: tuned with --row-step 1, not 3: default parameters" "with a warning"
python3 - "$M/EDGE/params.json" <<'END'
import json, sys
j = json.load(open(sys.argv[1]))
j["row_step"] = 3
json.dump(j, open(sys.argv[1], "w"))
END
run $TT --fresh
is "$rc:$(jget "$out/config.json" '[j["params_source"], j["params"]["row_step"]]')" '0:["tuned", 3]' \
    "params.json tuned on every third row: so is the model, though its 6000 candles are too few for a step of its own"
is "$(jget "$out/training_log.json" '[abs(e["train_rows"] * 3 - (e["train"][1] - e["train"][0])) < 3 for e in j["events"] if e["event"] == "fold_started"]')" \
    "[true, true, true, true]" "training_log.json: each fold trained on every third row of its window"
cp "$M/EDGE/params.json" p.three
python3 - "$M/EDGE/params.json" <<'END'
import json, sys
j = json.load(open(sys.argv[1]))
j["row_step"] = 0
json.dump(j, open(sys.argv[1], "w"), indent=1)
END
run $TT --fresh
like "$rc:$err" "^1:train-coin: $M/EDGE/params.json:[0-9]+: row_step: not a whole number from 1 to 1000" \
    "a row_step in params.json that is no step: exit 1, named by file and line (not taken as every row)"
python3 - p.three "$M/EDGE/params.json" <<'END'
import json, sys
j = json.load(open(sys.argv[1]))
j["row_step"] = 1
json.dump(j, open(sys.argv[2], "w"))
END
# A learning rate so small the model barely moves from 0.5: the update
# (10 rounds at 0.02) beats it on the held-out candles and is promoted.
printf '{"eta": 0.0001, "max_depth": 2}\n' >mine.json
run $TC --params mine.json
is "$(jget "$out/config.json" '[j["params_source"], j["params"]["eta"], j["params"]["max_depth"], j["params"]["subsample"]]')" \
    "[\"file\", \"0.0001\", \"2\", \"0.8\"]" "--params FILE overrides; the rest keep their defaults"
is "$(jget "$out/config.json" 'j["params_file"]')" "\"$T/mine.json\"" "config.json names the file by its absolute path"
# New candles to judge an update on (without them none is tried).
fetch-candles --symbol EDGE --timeframe 5m --generate --kind edge --seed 3 --lookback 6300 2>/dev/null
run $TC --incremental --params mine.json --rounds 41 --row-step 2
is "$(jget "$out/config.json" '[j["mode"], j["params_source"], j["params"]["eta"], j["params"]["max_depth"]]')" \
    '["incremental", "file", "0.0001", "2"]' "an update keeps its model's parameters"
is "$(jget "$out/config.json" '[j["params"][k] for k in ("rounds_max", "early_stop", "folds", "row_step")]')" \
    "[40, 20, 4, 1]" "... and records how its model was trained, not the options it does not use (--rounds 41 --row-step 2)"
like "$err" "EDGE: an update keeps its model's parameters: --params not used \\(--fresh uses it\\)" \
    "--params with an update: said, not silently dropped"
printf '{"eta": 2}\n' >bad.json
run $TC --params bad.json
is "$rc:$err" "1:train-coin: bad.json:1: eta: 2 is outside [0.0001,1]" "a parameter out of range: exit 1, named by file and line"
# A params.json's "params" is searched, not its search space before it.
printf '{"space": {"eta": 0.1},\n "params": {"max_depth": 3,\n   "eta": 2}}\n' >bad.json
run $TC --params bad.json
is "$rc:$err" "1:train-coin: bad.json:3: eta: 2 is outside [0.0001,1]" "in params.json: the line of its params member"
run $TC --params mine.json --default-params
is "$rc" 2 "--params with --default-params is a usage error"
like "$err" "^train-coin: --params and --default-params exclude each other" "saying why"
run train-coin --symbol EDGE
is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:train-coin: --timeframe is required" "a missing --timeframe: said"
run $TUNE --symbol EDGE stray
is "$rc:$(printf '%s\n' "$err" | head -n 1)" '2:tune-coin: unexpected operand "stray" (options only)' "a stray operand: said"

# ---- honesty: random walks, and the planted edge ----
# Horizon 1: labels that do not overlap, so the held-out block of 6000
# candles measures AUC to about 0.01 (one standard error) and 0.5 +- 0.03
# is a fair band; with a 12-candle horizon it holds some 500 independent
# labels and 0.03 is barely one standard error.
n=$(replicates 5)
for s in $(seq 1 "$n"); do
	fetch-candles --symbol W$s --timeframe 5m --generate --kind walk --seed $s --lookback 30000 2>/dev/null
	$TUNE --symbol W$s --trials 8 --jobs 2 --seed 1 --lookback 30000 --horizon 1 >/dev/null 2>&1 ||
		echo "# W$s: tune-coin failed"
	jget "$M/W$s/params.json" '"%s %.4f %.4f %.4f %.1f %.1f %d %s" % (j["symbol"], j["search"]["auc"], j["heldout"]["auc"], j["search"]["logloss"], j["heldout"]["net_bps_after_costs"] or 0, j["heldout"]["net_bps_2se"], j["heldout"]["trades"], j["heldout"]["beyond_noise"])' |
		tr -d '"' >>walks
done
while read -r sym sauc hauc sll net se trades beyond; do
	echo "# $sym: search AUC $sauc (logloss $sll), held-out after search AUC $hauc, $trades trades, net $net bps/trade (2 s.e. $se), beyond noise: $beyond"
done <walks
is "$(wc -l <walks)" "$n" "$n random walks searched"
is "$(awk '{ print $8 }' walks | sort -u)" "False" "$n random walks: params.json says no held-out net is beyond noise"
is "$(awk '$3 < 0.47 || $3 > 0.53' walks)" "" "$n random walks: every winner's held-out AUC within 0.5 +- 0.03"
is "$(awk '$7 > 0 && $5 > $6' walks)" "" "$n random walks: no held-out net after costs positive beyond 2 standard errors"

fetch-candles --symbol PLANT --timeframe 5m --generate --kind edge --seed 1 --lookback 20000 2>/dev/null
run $TUNE --symbol PLANT --trials 8 --jobs 2 --seed 1 --lookback 20000
h=$(jget "$M/PLANT/params.json" '"%.4f %.4f" % (j["heldout"]["auc"], j["search"]["auc"])' | tr -d '"')
echo "# planted edge: held-out AUC ${h% *}, search AUC ${h#* }"
ok "$(awk -v a="${h% *}" 'BEGIN { print !(a >= 0.62) }')" "the planted edge is found: held-out AUC ${h% *} >= 0.62"
# A tuned model trades on the evidence of the folds its search did not
# score: here (the costs of share/costs.csv) the searched folds made
# money and the held-out one not beyond noise, as params.json says; the
# model never trades (it traded at 0.6 when every later fold counted).
fetch-candles --symbol SRCH --timeframe 1h --generate --kind edge --seed 16 --lookback 6000 2>/dev/null
tune-coin --costs "$CT_SHARE/costs.csv" --threads 1 --symbol SRCH --timeframe 1h --trials 8 >/dev/null 2>&1
d=$(train-coin --costs "$CT_SHARE/costs.csv" --threads 1 --symbol SRCH --timeframe 1h 2>/dev/null)
is "$(jget "$M/SRCH/params.json" '[j["heldout"]["beyond_noise"], j["heldout"]["trades"] >= 10]'):$(jget "$d/config.json" 'j["threshold"]')" \
    "[false, true]:1.0" "a search's held-out fold not beyond noise: the tuned model never trades"
like "$(jget "$d/config.json" 'j["threshold_source"]')" "the folds the parameter search did not score" \
    "config.json says whose evidence that is"

# ---- events under run-batch, the lock, usage ----
run env COINTRAIN_EVENT_LOG=$T/engine.log COINTRAIN_RUN=20260101T0000Z-tune $TUNE --symbol EDGE \
    --trials 4 --lookback 6000 --seed 9
is "$(sed 's/.*"event":"\([a-z_]*\)".*/\1/' engine.log | tr '\n' ' ')" \
    "records_discarded tune_started tune_fold_done tune_fold_done tune_fold_done tune_done " \
    "events in the run's engine.log (the records of the earlier search dropped first)"
like "$(grep records_discarded engine.log)" '"trials":[0-9]+,"reason":"the candles changed"' "the drop says how many and why (new candles came since)"
flock "$M/EDGE/search/.lock" sleep 3 &
sleep 0.3
run $TUNE --symbol EDGE --trials 4 --lookback 6000
is "$rc:$err" "6:tune-coin: $M/EDGE/search: locked by another tune-coin" "a coin being tuned: exit 6"
wait
run $TUNE --symbol 'bad/sym' --trials 4
is "$rc" 2 "a bad symbol: exit 2"
run $TUNE --symbol EDGE --folds 1
is "$rc" 2 "one fold leaves nothing to hold out: exit 2"
rm -rf "$M/EDGE/search"
run $TUNE --symbol EDGE --folds 2 --trials 2 --rounds 5 --lookback 6000 --progress
like "$(printf '%s\n' "$err" | tail -n 1)" "AUC [0-9.]+ \\(fold 1\\); the defaults' logloss [0-9.]+ against the winner's [0-9.]+ \\(fold 1\\); held-out after search: .*\\(fold 2\\)$" \
    "two folds: one search fold, named as one (the defaults' score beside the winner's on it)"
run $TUNE --symbol EDGE --jobs 1024 --threads 1024
like "$rc:$err" "^2:tune-coin: --jobs 1024 x --threads 1024: more than the [0-9]+ cores" "jobs x threads over the cores: exit 2"
# The cores are those this process may use (taskset, a Slurm cpuset).
run taskset -c 0 $TUNE --symbol EDGE --jobs 2 --trials 2
like "$rc:$err" "^2:tune-coin: --jobs 2 x --threads 1: more than the 1 cores" "under taskset -c 0, two jobs are too many"
# run-batch's share of the cores bounds the fits too (its other workers
# have the rest).
run env COINTRAIN_THREADS=1 $TUNE --symbol EDGE --jobs 2 --trials 2
like "$rc:$err" "^2:tune-coin: --jobs 2 x --threads 1: more than the 1 cores this coin has \\(COINTRAIN_THREADS\\)" \
    "COINTRAIN_THREADS=1: two jobs are too many"
# A share from run-batch larger than the cores here is the cores here.
rm -rf "$M/EDGE/search"
run env COINTRAIN_THREADS=64 taskset -c 0 $TUNE --symbol EDGE --trials 2 --rounds 5 --lookback 6000
is "$rc" 0 "COINTRAIN_THREADS over the cores: the search runs"
# The user's space binds trial 0 (the defaults) too: fixed values set,
# the defaults clamped into ranges, so no winner lies outside the space.
printf '{"max_bin": 32, "max_depth": {"int": [6, 8]}, "eta": {"log": [0.2, 0.3]}, "min_child_weight": 1}\n' >space.json
rm -rf "$M/EDGE/search"
run $TUNE --symbol EDGE --trials 3 --rounds 5 --lookback 6000 --space space.json
is "$rc:$(jget "$M/EDGE/search/trial-0000.json" 'j["params"]')" \
    '0:{"colsample_bytree": 0.8, "eta": 0.2, "lambda": 1.0, "max_bin": 32, "max_depth": 6, "min_child_weight": 1.0, "subsample": 0.8}' \
    "a space with fixed values and ranges: trial 0 is the defaults inside it"
is "$(jget "$M/EDGE/params.json" '[j["params"]["max_bin"], 6 <= j["params"]["max_depth"] <= 8, 0.2 <= j["params"]["eta"] <= 0.3, j["params"]["min_child_weight"]]')" \
    "[32, true, true, 1.0]" "... and the winner is inside the space"
unlike "$err" "every parameter is fixed" "a space with ranges: no word on fixed parameters"
printf '{"max_bin": 32, "eta": {"choice": [0.2, 0.2]}}\n' >space.json
rm -rf "$M/EDGE/search"
run $TUNE --symbol EDGE --trials 2 --rounds 5 --lookback 6000 --space space.json
like "$rc:$err" "^0:tune-coin: space.json: every parameter is fixed: the trials after trial 0 are one parameter set" \
    "a space that fixes every parameter: said (its trials are one set)"
is "$(printf '%s\n' "$err" | grep -c 'every parameter is fixed')" 1 "... once"
printf '{"eta": {"log": [0, 1]}}\n' >space.json
run $TUNE --symbol EDGE --space space.json
is "$rc:$err" "1:tune-coin: space.json:1: eta: 0 is outside [0.0001,1]" "a bad space: exit 1, named by file and line"
printf '{\n  "eta": {"log": [0.01, 0.3]},\n\n  "depth":\n    3\n}\n' >space.json
run $TUNE --symbol EDGE --space space.json
is "$rc:$err" "1:tune-coin: space.json:4: depth: not a parameter tune-coin can tune" \
    "an unknown parameter in the space: the line of its name"
printf '{"eta": {"log": [0.01, 0.3]},\n "max_bin": {"choice": []}}\n' >space.json
run $TUNE --symbol EDGE --space space.json
is "$rc:$err" "1:tune-coin: space.json:2: max_bin: choice wants at least one value" "an empty choice: its line"
printf '[1, 2]\n' >space.json
run $TUNE --symbol EDGE --space space.json
is "$rc:$err" "1:tune-coin: space.json: a space is a JSON object of parameters" "not an object: no line to give"
printf '{ }\n' >space.json
run $TUNE --symbol EDGE --space space.json
is "$rc:$err" "1:tune-coin: space.json: an empty space names no parameter to search (without --space, the default space)" \
    "an empty space: refused, said why"
run $TUNE --symbol EDGE --space nothere.json
is "$rc:$err" "1:tune-coin: nothere.json: No such file or directory" "a missing space file: said once"
mkdir adir
run $TUNE --symbol EDGE --space adir
is "$rc:$err" "1:tune-coin: adir: Is a directory" "a directory as the space: said so"
run train-coin --symbol EDGE --timeframe 5m --params adir
is "$rc:$err" "1:train-coin: adir: Is a directory" "a directory as --params: said so"
# A constant price: no return beats the costs, every label is 0.  Nothing
# to rank trials by: refused, the coin's params.json kept.
mkdir -p "$COINTRAIN_HOME/candles/FLAT" "$M/FLAT"
python3 -c 'print("open_time,open,high,low,close,volume")
for i in range(12000): print("%d,100,100,100,100,5" % (1704067200000 + i * 300000))' \
    >"$COINTRAIN_HOME/candles/FLAT/5m.csv"
cp "$M/EDGE/params.json" "$M/FLAT/params.json"
cp "$M/FLAT/params.json" flat-before.json
run $TUNE --symbol FLAT --trials 3 --lookback 6000
like "$rc:$err" "^1:tune-coin: FLAT: fold 1: all [0-9]+ training candles are labelled 0 \\(no return over 12 candles beats the round-trip cost\\): nothing to rank trials by; no search, params.json left as it was$" \
    "a coin whose labels are all one class: exit 1, said"
cmp -s flat-before.json "$M/FLAT/params.json"
ok $? "... and its params.json left as it was"
# The same of the candles a step trains on: a one-candle spike every 250
# candles labels one row in 250, every one on rows --row-step 2 skips.
mkdir -p "$COINTRAIN_HOME/candles/SPIKE"
python3 -c 'print("open_time,open,high,low,close,volume")
for i in range(12000):
	c = 110 if i >= 600 and (i - 600) % 250 == 0 else 100
	print("%d,100,%d,100,%d,5" % (1704067200000 + i * 300000, c, c))' \
    >"$COINTRAIN_HOME/candles/SPIKE/5m.csv"
run $TUNE --symbol SPIKE --trials 2 --lookback 12000 --row-step 2
like "$rc:$err" "^1:tune-coin: SPIKE: fold 1: all [0-9]+ training candles trained on \\(every --row-step-th\\) are labelled 0 " \
    "labels all one class on the rows a step trains on: exit 1, said"
ok "$(test ! -e "$M/SPIKE/params.json"; echo $?)" "... no params.json written"
# (A search: against the plain build only, for make check's time.)
if [ -n "${CT_SANITIZER:-}" ]; then
	skip 1 "a search of 12000 candles under a sanitizer"
else
	run $TUNE --symbol SPIKE --trials 2 --lookback 12000 --row-step 1
	is "$rc" 0 "... on every row the same candles hold both labels: searched"
fi
# Killed while it reads the store: the rows file it streams into goes
# with it (it is unlinked as soon as it is created).
fetch-candles --symbol BIG --timeframe 1m --generate --kind walk --lookback 300000 2>/dev/null
tune-coin --costs $COSTS --threads 1 --symbol BIG --timeframe 1m --trials 2 --lookback 300000 \
    >/dev/null 2>&1 &
pid=$!
i=0
while ! ls -l /proc/$pid/fd 2>/dev/null | grep -q 'rows\.bin' && [ $i -lt 1000 ]; do
	sleep 0.01
	i=$((i + 1))
done
kill -TERM $pid
wait $pid 2>/dev/null
is "$(ls -A "$M/BIG/search" | grep -c rows)" 0 "killed while reading the store: no rows file left"
run $TUNE --symbol NONE --trials 2
like "$rc:$err" "^1:tune-coin: .*candles/NONE/5m.csv: No such file" "no candles: exit 1"
# Its path not printed (stdout full): exit 1, and params.json, written,
# said to be.
tune-coin --costs "$CT_SHARE/costs.csv" --threads 1 --symbol SRCH --timeframe 1h --trials 2 \
    >/dev/full 2>full.err
is "$?:$(tail -n 2 full.err)" "1:tune-coin: SRCH: params.json is written (train-coin uses it), but its path could not be printed
tune-coin: stdout: No space left on device" "stdout full: exit 1, and params.json said to be written"
is "$(jget "$M/SRCH/params.json" 'j["trials"]')" 2 "... as it is"

# ---- run-batch's tune cycle, then the full retrain, real tools ----
for s in TA TB; do
	fetch-candles --symbol $s --timeframe 5m --generate --kind edge --seed 4 --lookback 6000 2>/dev/null
done
cp "$COSTS" "$COINTRAIN_HOME/costs.csv"
run env TUNE_ENABLED=1 TUNE_TRIALS=4 TRAIN_LOOKBACK=6000 \
    TRAIN_ARGS="--rounds 40 --costs $COSTS" FETCH_ENABLED=0 TIMEFRAME=5m BACKUP_ENABLED=0 \
    PREDICT_MAX_AGE=off run-batch tune --symbols TA,TB --mode hybrid --max-concurrent 1
is "$rc" 0 "run-batch tune exits 0"
[ -s "$M/TA/params.json" ] && [ -s "$M/TB/params.json" ]
ok $? "run-batch tune: each coin has its params.json"
r=$(ls "$COINTRAIN_HOME/runs" | grep -- '-tune$')
ledger show "$r" >ledger.json
is "$(jget ledger.json '[j["symbols"][s]["status"] for s in ("TA","TB")]')" \
    '["success", "success"]' "the ledger: both coins succeeded"
is "$(grep -c '"event":"tune_done"' "$COINTRAIN_HOME/logs/$r/engine.log")" 2 "engine.log: tune_done for both"
is "$(printf '%s\n' "$err" | grep -c 'metrics.json\|cannot open')" 0 "params.json is not taken for a model directory"
want=$(python3 -c 'import json, sys
print(json.dumps([["held-out after search", round(json.load(open(p))["heldout"]["auc"], 6)] for p in sys.argv[1:]]))' \
    "$M/TA/params.json" "$M/TB/params.json")
is "$(jget "$COINTRAIN_HOME/summary/$r/engine_summary.json" '[[c["evaluation"], round(c["auc"], 6)] for c in (j["by_symbol"][s] for s in ("TA", "TB"))]')" \
    "$want" "engine_summary.json: each coin's held-out AUC after search, said to be that"
grep '"event":"tune_started"' "$COINTRAIN_HOME/logs/$r/engine.log" | head -1 >started.json
is "$(jget started.json '[j["jobs"], j["threads"]]')" "[$(nproc), 1]" \
    "one coin at a time on every core: a job a core, one thread each (run-batch passes no --threads)"
# A later search of the coin replaces models/SYM/params.json: the run's
# summary, made again, still gives the run's own result (kept beside its
# log), not the later search's.
first=$(jget "$COINTRAIN_HOME/summary/$r/engine_summary.json" 'round(j["by_symbol"]["TA"]["auc"], 6)')
run env TUNE_ENABLED=1 TUNE_TRIALS=4 TUNE_ARGS="--seed 77" TRAIN_LOOKBACK=6000 \
    TRAIN_ARGS="--rounds 40 --costs $COSTS" FETCH_ENABLED=0 TIMEFRAME=5m BACKUP_ENABLED=0 \
    PREDICT_MAX_AGE=off run-batch tune --symbols TA --run 20250101T0000Z-tune
is "$rc" 0 "a later search of TA (another seed)"
is "$(summarize "$r" | jget /dev/stdin '[round(j["by_symbol"]["TA"]["auc"], 6), j["by_symbol"]["TA"]["metrics"]]')" \
    "[$first, \"$COINTRAIN_HOME/logs/$r/TA/params.json\"]" \
    "summarize of the earlier run gives its own result, from the copy the run kept"
ok "$(test -s "$COINTRAIN_HOME/logs/$r/TA/params.json"; echo $?)" "kept as logs/RUN/SYM/params.json"
run env TUNE_ENABLED=1 run-batch tune --symbols TA,TB --dry-run
like "$out" "tune-coin --trials 40" "run-batch tune --dry-run names tune-coin"
run env TRAIN_LOOKBACK=6000 TRAIN_ARGS="--rounds 40 --costs $COSTS" FETCH_ENABLED=0 TIMEFRAME=5m \
    BACKUP_ENABLED=0 PREDICT_MAX_AGE=off run-batch full --symbols TA,TB --mode parallel
is "$rc" 0 "then run-batch full exits 0"
is "$(jget "$M/TA/current/config.json" 'j["params_source"]'):$(jget "$M/TB/current/config.json" 'j["params_source"]')" \
    '"tuned":"tuned"' "the weekly retrain trains with the tuned parameters"
# A coin has one search too: a search of another timeframe replaces the
# coin's records, and says so, also off a terminal.
run tune-coin --costs $COSTS --threads 1 --symbol EDGE --timeframe 1h --trials 2 --lookback 3000
like "$rc:$err" "^0:tune-coin: EDGE: starting over: [0-9]+ trial records? of an earlier search discarded \\(a search of another timeframe\\)" \
    "a search of another timeframe: the coin's records dropped, said without --progress"
# Gaps in the candles searched on are said, as train-coin says them.
sed -i '1500,1502d' "$T/home/candles/EDGE/1h.csv"
run tune-coin --costs $COSTS --threads 1 --symbol EDGE --timeframe 1h --trials 2 --lookback 3000
like "$rc:$err" "^0:.*tune-coin: EDGE: 1 gap in the candles searched on, 3 candles missing \\(the longest 3, " \
    "a gap in the candles searched on: said"

done_testing
