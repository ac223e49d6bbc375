#!/bin/sh
# 60-ledger.sh — what decides 10,000 coins on a cluster, measured on this
# box: the ledger (status.json listing the symbols, one record file per
# coin rewritten under the run's lock at every change) at 1,000 and 10,000
# coins: one change, CLAIMERS (100) concurrent claimers for BENCH_SECONDS
# (20), a batch of every coin (set RUN -), and the readers (ledger show,
# todo, summarize) of the whole run; the files and bytes a coin leaves in
# the data home; and, when a test cluster can start here (root, Slurm
# packages), the cost of submitting one array of 1,000 and of 10,000
# tasks.  cointrain(7), RUNNING ON A CLUSTER, extrapolates from these.
# LEDGER_COINS ("1000 10000") and LEDGER_ONLY=1 (skip the rest) shorten it.
set -eu
: "${CT_BIN:?run through make bench}"
CLAIMERS=${CLAIMERS:-100} SECS=${BENCH_SECONDS:-20}
here=$(cd "$(dirname "$0")" && pwd)
PATH=$CT_BIN:$PATH
B=$(mktemp -d "${TMPDIR:-/tmp}/ct-bench-ledger.XXXXXX")
COINTRAIN_HOME=$B/home
export PATH COINTRAIN_HOME
trap '"$here/../test/slurm/stop" "$B/cluster" 2>/dev/null; rm -rf "$B"' EXIT
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# per N SECONDS — milliseconds each of N in SECONDS.
per() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", s * 1000 / n }'; }

# claimer RUN I — claim and finish coins until the deadline; one line per claim.
claimer() {
	while [ "$(date +%s)" -lt "$deadline" ]; do
		s=$(ledger claim "$1" --worker "bench:$2") || break
		[ -n "$s" ] || break
		ledger set "$1" "$s" success
		echo "$s"
	done >"$B/claims.$2"
}

for n in ${LEDGER_COINS:-1000 10000}; do
	R=20251112T0600Z-full
	rm -rf "$COINTRAIN_HOME"
	t=$(now)
	seq -f 'C%05.0fUSDT' 1 "$n" | ledger init "$R"
	echo "ledger $n coins: init $(since "$t") s, status.json $(($(wc -c <"$COINTRAIN_HOME/runs/$R/status.json") / 1024)) KB"
	# One change as a coin's step makes it: running, then its end.
	t=$(now)
	i=0
	while [ $i -lt 10 ]; do
		ledger set "$R" C00001USDT running
		ledger set "$R" C00001USDT failed --error x
		i=$((i + 1))
	done
	one=$(per 20 "$(since "$t")")
	f=$COINTRAIN_HOME/runs/$R/coins/C00001USDT.json
	[ -e "$f" ] || f=$COINTRAIN_HOME/runs/$R/status.json	# the first layout
	rec=$(wc -c <"$f")
	echo "ledger $n coins: one change $one ms, writing $rec bytes; a cycle's $((2 * n)) changes $(awk -v m="$one" -v n="$n" 'BEGIN { printf "%.0f", m * 2 * n / 1000 }') s on the lock, $(awk -v r="$rec" -v n="$n" 'BEGIN { printf "%.1f", r * 2 * n / 1e6 }') MB written"
	t=$(now)
	seq -f 'C%05.0fUSDT' 1 "$n" | ledger set "$R" - pending
	echo "ledger $n coins: all $n set pending at once (set RUN -) $(since "$t") s"
	deadline=$(($(date +%s) + SECS))
	t=$(now)
	i=1
	while [ $i -le "$CLAIMERS" ]; do claimer "$R" $i & i=$((i + 1)); done
	wait
	w=$(since "$t")
	c=$(cat "$B"/claims.* | wc -l)
	d=$(cat "$B"/claims.* | sort | uniq -d | wc -l)
	echo "ledger $n coins, $CLAIMERS claimers: $c claims in $w s = $(awk -v c="$c" -v w="$w" 'BEGIN { printf "%.1f", c / w }') claims/s, $(awk -v c="$c" -v w="$w" 'BEGIN { printf "%.1f", 2 * c / w }') changes/s (claim + set success each), $d claimed twice (target 0)"
	rm -f "$B"/claims.*
	t=$(now)
	seq -f 'C%05.0fUSDT' 1 "$n" | ledger set "$R" - failed --error x
	echo "ledger $n coins: all $n set failed at once (set RUN -, every record changes) $(since "$t") s"
	t=$(now) && ledger show "$R" >/dev/null && a=$(since "$t")
	t=$(now) && ledger todo "$R" >/dev/null && b=$(since "$t")
	t=$(now) && summarize "$R" >/dev/null && c=$(since "$t")
	echo "ledger $n coins: readers of the whole run: ledger show $a s, ledger todo $b s, summarize $c s; the run holds $(find "$COINTRAIN_HOME/runs/$R" -type f | wc -l) files, $(du -sk "$COINTRAIN_HOME/runs/$R" | cut -f1) KB"
done
[ "${LEDGER_ONLY:-0}" = 1 ] && exit 0

# What one coin leaves in the data home: a real model of 52,000 5m
# candles, its candles, its logs.
t=$(now)
fetch-candles --symbol BTCUSDT --timeframe 5m --generate --kind edge --seed 1 --lookback 52000 2>/dev/null
m=$(COINTRAIN_THREADS=2 train-coin --symbol BTCUSDT --timeframe 5m --fresh --lookback 52000 2>/dev/null)
echo "one coin (52,000 5m candles): trained in $(since "$t") s; model directory $(find "$m" -type f | wc -l) files, $(du -sk "$m" | cut -f1) KB; candles $(find "$COINTRAIN_HOME/candles/BTCUSDT" -type f | wc -l) file, $(du -sk "$COINTRAIN_HOME/candles/BTCUSDT" | cut -f1) KB"
echo "per coin per run besides: logs/RUN/SYM/training.log, runs/RUN/tmp/{attempts.SYM,outcome/SYM} while it runs, cache/predictions/SYM.json, a slurm-JOB_TASK.out only when not empty"

# The Slurm side, on a one-node test cluster: arrays of held tasks at the
# default MaxJobCount (10,000: every array task counts), submitted and
# cancelled; then the pace of the scheduler on empty tasks.
if "$here/../test/slurm/start" "$B/cluster" 2>"$B/start.err"; then
	. "$B/cluster/env"
	echo MaxArraySize=10001 >>"$B/cluster/slurm.conf"
	scontrol reconfigure
	sleep 1
	for n in 1001 2002 10000; do
		t=$(now)
		if j=$(timeout 60 sbatch --parsable --hold --array=0-$((n - 1))%400 --time=47 \
			--output=/dev/null --wrap=true 2>"$B/sbatch.err"); then
			echo "slurm: an array of $n held tasks submitted in $(since "$t") s"
			scancel "$j"
		else
			echo "slurm: an array of $n tasks refused after $(since "$t") s: $(tail -n 1 "$B/sbatch.err")"
		fi
	done
	sleep 6	# MinJobAge: the cancelled ones leave the controller
	t=$(now)
	j=$(sbatch --parsable --array=0-199%8 --time=2 --output=/dev/null --wrap=true)
	while [ -n "$(squeue -h -j "$j" -o %i 2>/dev/null)" ]; do sleep 0.2; done
	s=$(since "$t")
	echo "slurm: 200 empty tasks, 8 at a time, on one node: $s s ($(awk -v s="$s" 'BEGIN { printf "%.1f", 200 / s }') tasks/s)"
else
	echo "slurm: skipped ($(cat "$B/start.err"))"
fi
