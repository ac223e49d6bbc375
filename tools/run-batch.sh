#!/bin/sh
# run-batch — one cycle (full, incremental, predict) over many coins:
# fetch candles, train each coin in its own process under a timeout with
# retries, refresh the prediction cache, summarize.  Resumable through the
# run's ledger; one batch per data home at a time.  See run-batch(1).
set -u
prog=run-batch
VERSION=@VERSION@
SELF=$0
here=$(cd "$(dirname "$0")" && pwd)
# Our own tools first: the ones installed beside this script.
PATH=$here:$PATH
export PATH

usage() {
	cat <<'EOF'
usage: run-batch [--home DIR] [--config FILE] full|incremental|predict
                 [--mode sequential|parallel|hybrid] [--max-concurrent N]
                 [--symbols topN|A,B,C|FILE] [--timeout-minutes N] [--retries N]
                 [--retry-all] [--force] [--dry-run] [--wait] [--run RUN]
EOF
}

warn() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { code=$1; shift; warn "$*"; exit "$code"; }
bad() { warn "$*"; usage >&2; exit 2; }
isnum() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }

# ---- the per-coin step, run by a worker under timeout(1) as a fresh
# process: fetch, then train; prints the new model directory. ----
if [ "${1:-}" = __coin ]; then
	sym=$2
	if [ "$FETCH_ENABLED" = 1 ]; then
		echo "$prog: fetch-candles --symbol $sym --timeframe $TIMEFRAME --lookback $CT_FETCH" >&2
		fetch-candles --symbol "$sym" --timeframe "$TIMEFRAME" --lookback "$CT_FETCH" || exit
	fi
	# shellcheck disable=SC2086 # TRAIN_ARGS and CT_TRAINOPTS are option lists
	set -- --symbol "$sym" --timeframe "$TIMEFRAME" "--$CT_KIND" --threads "$CT_THREADS" \
		$CT_TRAINOPTS $TRAIN_ARGS
	echo "$prog: train-coin $*" >&2
	exec train-coin "$@"
fi

# ---- options ----
home=${COINTRAIN_HOME:-.}
config=${COINTRAIN_CONFIG:-}
cycle='' o_mode='' o_max='' o_symbols='' o_timeout='' o_retries='' o_retry_all=''
force=0 dry=0 wait_lock=0 run=''
need() { [ $# -ge 2 ] || bad "$1: needs an argument"; }
while [ $# -gt 0 ]; do
	case $1 in
	--home) need "$@"; home=$2; shift ;;
	--home=*) home=${1#*=} ;;
	--config) need "$@"; config=$2; shift ;;
	--mode) need "$@"; o_mode=$2; shift ;;
	--max-concurrent) need "$@"; o_max=$2; shift ;;
	--symbols) need "$@"; o_symbols=$2; shift ;;
	--timeout-minutes) need "$@"; o_timeout=$2; shift ;;
	--retries) need "$@"; o_retries=$2; shift ;;
	--retry-all) o_retry_all=1 ;;
	--force) force=1 ;;
	--dry-run | -n) dry=1 ;;
	--wait) wait_lock=1 ;;
	--run) need "$@"; run=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	--version) echo "$prog $VERSION"; exit 0 ;;
	full | incremental | predict) [ -z "$cycle" ] || bad "one cycle only"; cycle=$1 ;;
	*) bad "$1: unknown argument" ;;
	esac
	shift
done
[ -n "$cycle" ] || bad "which cycle: full, incremental or predict?"
[ -d "$home" ] || mkdir -p "$home" || die 1 "$home: cannot create the data home"
home=$(cd "$home" && pwd)
COINTRAIN_HOME=$home
export COINTRAIN_HOME

# share/: the installed one, else the source tree's when run from build/bin.
SHARE=${COINTRAIN_SHARE:-@DATADIR@}
[ -d "$SHARE" ] || SHARE=$(cd "$here/../../share" 2>/dev/null && pwd) || SHARE=@DATADIR@
COINTRAIN_SHARE=$SHARE
export COINTRAIN_SHARE

# ---- configuration: option > environment > config file > default ----
CONFVARS="TIMEFRAME FETCH_ENABLED FETCH_LOOKBACK INCREMENTAL_FETCH_LOOKBACK EXCHANGE_URL
SYMBOLS MODE MAX_CONCURRENT TRAIN_BATCH_SIZE TRAIN_LOOKBACK TRAIN_ROUNDS TRAIN_ARGS
FULL_RETRAIN_ENABLED INCREMENTAL_ENABLED TIMEOUT_MINUTES RETRIES RETRY_ALL
RETRY_BASE_SECONDS RESUME_MAX_AGE RUNS_KEEP_DAYS PREDICTION_CACHE_TTL PREGENERATE_TTL PREDICT_MAX_AGE TOP_N
BACKUP_ENABLED BACKUP_KEEP NOTIFY_CMD UPLOAD_CMD"
if [ -z "$config" ]; then
	for c in "$home/cointrain.conf" "$SHARE/cointrain.conf"; do
		[ -f "$c" ] && { config=$c; break; }
	done
fi
saved=''
for v in $CONFVARS; do
	eval "[ -n \"\${$v+x}\" ]" && saved="$saved $v" && eval "_env_$v=\$$v"
done
if [ -n "$config" ]; then
	[ -r "$config" ] || die 1 "$config: cannot read the configuration"
	# `.` searches PATH for a name without a slash
	case $config in */*) ;; *) config=./$config ;; esac
	# shellcheck disable=SC1090
	. "$config" || die 1 "$config: error in the configuration"
fi
for v in $saved; do eval "$v=\$_env_$v"; done
: "${TIMEFRAME:=1h}" "${FETCH_ENABLED:=1}" "${FETCH_LOOKBACK:=}" "${INCREMENTAL_FETCH_LOOKBACK:=500}"
: "${EXCHANGE_URL:=}" "${SYMBOLS:=top20}" "${MODE:=hybrid}" "${MAX_CONCURRENT:=}"
: "${TRAIN_BATCH_SIZE:=0}" "${TRAIN_LOOKBACK:=10000}" "${TRAIN_ROUNDS:=}" "${TRAIN_ARGS:=}"
: "${FULL_RETRAIN_ENABLED:=1}" "${INCREMENTAL_ENABLED:=1}" "${TIMEOUT_MINUTES:=45}"
: "${RETRIES:=2}" "${RETRY_ALL:=0}" "${RETRY_BASE_SECONDS:=30}" "${PREDICTION_CACHE_TTL:=1h}"
: "${RESUME_MAX_AGE:=}" "${RUNS_KEEP_DAYS:=30}" "${PREGENERATE_TTL:=24h}" "${PREDICT_MAX_AGE:=}" "${TOP_N:=10}" "${BACKUP_ENABLED:=1}"
: "${BACKUP_KEEP:=4}" "${NOTIFY_CMD:=}" "${UPLOAD_CMD:=}"
[ -n "$o_mode" ] && MODE=$o_mode
[ -n "$o_max" ] && MAX_CONCURRENT=$o_max
[ -n "$o_symbols" ] && SYMBOLS=$o_symbols
[ -n "$o_timeout" ] && TIMEOUT_MINUTES=$o_timeout
[ -n "$o_retries" ] && RETRIES=$o_retries
[ -n "$o_retry_all" ] && RETRY_ALL=1
[ -n "$EXCHANGE_URL" ] && { COINTRAIN_EXCHANGE_URL=$EXCHANGE_URL; export COINTRAIN_EXCHANGE_URL; }

case $MODE in sequential | parallel | hybrid) ;; *) bad "$MODE: mode must be sequential, parallel or hybrid" ;; esac
isnum "$RETRIES" || bad "$RETRIES: retries must be a whole number"
isnum "$RETRY_BASE_SECONDS" || bad "$RETRY_BASE_SECONDS: RETRY_BASE_SECONDS must be a whole number"
isnum "$TRAIN_BATCH_SIZE" || bad "$TRAIN_BATCH_SIZE: TRAIN_BATCH_SIZE must be a whole number"
case $TIMEOUT_MINUTES in
'' | *[!0-9.]* | *.*.* | .) bad "$TIMEOUT_MINUTES: timeout must be a number of minutes" ;;
esac
timeout_s=$(awk -v m="$TIMEOUT_MINUTES" 'BEGIN { s = int(m * 60 + 0.5); print s < 1 ? 1 : s }')
case $run in
'' | [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9]Z-"$cycle") ;;
*) bad "$run: run name must be YYYYMMDDTHHMMZ-$cycle" ;;
esac

# ---- workers and threads: cores minus a reserve for the system,
# max(1, n - max(1, n/8)): 2 -> 1, 4 -> 3, 16 -> 14. ----
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
isnum "$cores" && [ "$cores" -ge 1 ] || cores=1
if [ -z "$MAX_CONCURRENT" ]; then
	r=$((cores / 8)); [ "$r" -ge 1 ] || r=1
	MAX_CONCURRENT=$((cores - r)); [ "$MAX_CONCURRENT" -ge 1 ] || MAX_CONCURRENT=1
fi
isnum "$MAX_CONCURRENT" && [ "$MAX_CONCURRENT" -ge 1 ] || bad "$MAX_CONCURRENT: --max-concurrent must be at least 1"
case $MODE in
sequential) workers=1; threads=$cores ;;
parallel) workers=$MAX_CONCURRENT; threads=1 ;;
hybrid) workers=$MAX_CONCURRENT; threads=$((cores / workers)) ;;
esac
[ "$threads" -ge 1 ] || threads=1
COINTRAIN_THREADS=$threads
export COINTRAIN_THREADS

# ---- symbols ----
symfile=$(mktemp "${TMPDIR:-/tmp}/run-batch.XXXXXX") || die 1 "cannot make a temporary file"
work='' lockpid=''
cleanup() {
	[ -z "$lockpid" ] || kill "$lockpid" 2>/dev/null
	rm -f "$symfile"
	[ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
# Until the workers start, a signal only has temporaries to remove: the
# shell runs no EXIT trap when a signal it does not trap kills it.
trap 'exit 130' INT TERM HUP
# topN: the first N of share/symbols/topN or of top100; a readable file:
# one symbol per line (# comments); else a comma-separated list.
case $SYMBOLS in
top[0-9]*)
	n=${SYMBOLS#top}
	isnum "$n" || bad "$SYMBOLS: want topN"
	list=$SHARE/symbols/$SYMBOLS
	[ -f "$list" ] || list=$SHARE/symbols/top100
	[ "$n" -le "$(grep -c . "$list")" ] || bad "$SYMBOLS: the longest list is top100"
	grep -v '^#' "$list" | grep . | head -n "$n" >"$symfile" ;;
*)
	if [ -f "$SYMBOLS" ]; then
		grep -v '^#' "$SYMBOLS" | tr -d ' \t\r' | grep . >"$symfile"
	else
		case $SYMBOLS in
		*,* | [A-Z0-9]*) printf '%s\n' "$SYMBOLS" | tr ',' '\n' | grep . >"$symfile" ;;
		*) die 1 "$SYMBOLS: cannot read the symbol list" ;;
		esac
	fi ;;
esac
[ -s "$symfile" ] || die 1 "$SYMBOLS: no symbols"
while read -r s; do
	case $s in
	[A-Z0-9]*) case $s in *[!A-Z0-9._-]*) die 1 "$s: bad symbol" ;; esac ;;
	*) die 1 "$s: bad symbol" ;;
	esac
done <"$symfile"
nsyms=$(grep -c . "$symfile")

case $cycle in
full) [ "$FULL_RETRAIN_ENABLED" = 1 ] || { echo "$prog: full retrain disabled (FULL_RETRAIN_ENABLED=$FULL_RETRAIN_ENABLED)"; exit 0; }
	CT_KIND=fresh; CT_FETCH=${FETCH_LOOKBACK:-$TRAIN_LOOKBACK} ;;
incremental) [ "$INCREMENTAL_ENABLED" = 1 ] || { echo "$prog: incremental cycle disabled (INCREMENTAL_ENABLED=$INCREMENTAL_ENABLED)"; exit 0; }
	CT_KIND=incremental; CT_FETCH=$INCREMENTAL_FETCH_LOOKBACK ;;
predict) CT_KIND=''; CT_FETCH='' ;;
esac
CT_TRAINOPTS="--lookback $TRAIN_LOOKBACK"
[ -z "$TRAIN_ROUNDS" ] || CT_TRAINOPTS="$CT_TRAINOPTS --rounds $TRAIN_ROUNDS"
CT_THREADS=$threads
export CT_KIND CT_FETCH CT_TRAINOPTS CT_THREADS TIMEFRAME FETCH_ENABLED TRAIN_ARGS

# run_age RUN — seconds since the run's start, from its name.
run_age() {
	s=${1%%Z-*}
	t=$(date -u -d "$(printf '%.4s-%.2s-%.2s %.2s:%.2s UTC' "$s" "${s#????}" "${s#??????}" \
		"${s#*T}" "${s#*T??}")" +%s 2>/dev/null) || { echo 0; return; }
	echo $(($(date +%s) - t))
}
# dur_s DUR — seconds of a duration "90s 45m 6h 7d 2w".
dur_s() {
	n=${1%?}
	isnum "$n" || return 1
	case ${1#"$n"} in
	s) echo "$n" ;; m) echo $((n * 60)) ;; h) echo $((n * 3600)) ;;
	d) echo $((n * 86400)) ;; w) echo $((n * 604800)) ;; *) return 1 ;;
	esac
}

# prune — remove the ledgers, logs and summaries of this cycle's runs older
# than RUNS_KEEP_DAYS (0: keep all); the hourly predict cycle alone makes
# 24 runs a day.
prune() {
	isnum "$RUNS_KEEP_DAYS" && [ "$RUNS_KEEP_DAYS" -gt 0 ] || return 0
	for d in "$home"/runs/*T*Z-"$cycle"; do
		old=${d##*/}
		[ -d "$d" ] && [ "$old" != "$run" ] || continue
		[ "$(run_age "$old")" -gt $((RUNS_KEEP_DAYS * 86400)) ] || continue
		rm -rf "$home/runs/$old" "$home/logs/$old" "$home/summary/$old"
	done
}

# ---- which run: --run, else the newest unfinished run of this cycle
# younger than RESUME_MAX_AGE, else a new one.  A run is unfinished while
# it has pending symbols or running ones whose worker died.  The age limit
# keeps a full retrain that died last week from turning this week's into
# the leftovers of that one. ----
if [ -z "$RESUME_MAX_AGE" ]; then
	case $cycle in full) RESUME_MAX_AGE=6d ;; incremental) RESUME_MAX_AGE=5h ;; *) RESUME_MAX_AGE=50m ;; esac
fi
if [ "$RESUME_MAX_AGE" = off ]; then
	resume_max=''
else
	resume_max=$(dur_s "$RESUME_MAX_AGE") || bad "RESUME_MAX_AGE: not a duration or off: $RESUME_MAX_AGE"
fi
resumed=0
if [ -z "$run" ]; then
	last=''
	for d in "$home"/runs/*T*Z-"$cycle"; do [ -f "$d/status.json" ] && last=${d##*/}; done
	if [ -n "$last" ] && [ -n "$resume_max" ] && [ "$(run_age "$last")" -gt "$resume_max" ]; then
		warn "$last: unfinished but older than RESUME_MAX_AGE ($RESUME_MAX_AGE): starting a new run"
		last=''
	fi
	if [ -n "$last" ] && [ -n "$(ledger todo "$last" --retries 0 2>/dev/null)" ]; then
		run=$last; resumed=1
	else
		run=$(date -u +%Y%m%dT%H%MZ)-$cycle
	fi
elif [ -f "$home/runs/$run/status.json" ]; then
	resumed=1
fi
log=$home/logs/$run

if [ "$dry" = 1 ]; then
	echo "run:      $run ($([ "$resumed" = 1 ] && echo resumed || echo new))"
	echo "cycle:    $cycle; timeframe $TIMEFRAME; mode $MODE: $workers worker(s) x $threads thread(s) on $cores core(s)"
	echo "per coin: timeout ${timeout_s}s, $RETRIES retries$([ "$RETRY_ALL" = 1 ] && echo ' (all failures)'), backoff base ${RETRY_BASE_SECONDS}s"
	case $cycle in
	full) steps="pre-generate predictions (ttl $PREGENERATE_TTL); back up models (keep $BACKUP_KEEP); per coin: $([ "$FETCH_ENABLED" = 1 ] && echo "fetch $CT_FETCH candles, ")train-coin --fresh; predict | cache-put --ttl $PREDICTION_CACHE_TTL; summarize" ;;
	incremental) steps="per coin: $([ "$FETCH_ENABLED" = 1 ] && echo "fetch $CT_FETCH candles, ")train-coin --incremental; predict | cache-put --ttl $PREDICTION_CACHE_TTL; summarize" ;;
	predict) steps="predict | cache-put --ttl $PREDICTION_CACHE_TTL --top $TOP_N; summarize" ;;
	esac
	echo "steps:    $steps"
	if [ "$resumed" = 1 ]; then
		# what the ledger still needs, plus symbols of the list it lacks
		ledger todo "$run" --force >"$symfile.all"
		if [ "$force" = 1 ]; then cp "$symfile.all" "$symfile.todo"; else ledger todo "$run" --retries "$RETRIES" >"$symfile.todo"; fi
		grep -vxF -f "$symfile.all" "$symfile" >>"$symfile.todo"
		todo=$(cat "$symfile.todo")
		rm -f "$symfile.all" "$symfile.todo"
	else
		todo=$(cat "$symfile")
	fi
	echo "symbols:  $(printf '%s\n' "$todo" | grep -c .) to do:" $todo
	exit 0
fi

# ---- one batch per data home ----
mkdir -p "$home/runs" || die 1 "$home/runs: cannot create"
exec 9>>"$home/runs/.batch.lock"
if ! flock -n 9; then
	if [ "$wait_lock" = 1 ]; then
		warn "another batch is running in $home; waiting"
		# In the background, so that a signal is handled while we wait
		# (the shell defers traps until a foreground child ends); the
		# lock belongs to the descriptor flock shares with us.
		flock 9 &
		lockpid=$!
		wait "$lockpid" || die 1 "$home/runs/.batch.lock: cannot lock"
		lockpid=''
	else
		warn "another batch is running in $home; not starting (use --wait to wait)"
		exit 4
	fi
fi

# Temporaries of our own writers killed with SIGKILL (no handler ran):
# under the batch lock no batch writer is between create and rename.
find "$home/summary" "$home/backups" -name '.*.tmp.*' -type f -exec rm -f {} + 2>/dev/null
ledger init "$run" <"$symfile" || die 1 "$run: cannot initialize the ledger"
mkdir -p "$log" || die 1 "$log: cannot create"
work=$(mktemp -d "${TMPDIR:-/tmp}/run-batch.XXXXXX") || die 1 "cannot make a temporary directory"

notify() {
	[ -n "$NOTIFY_CMD" ] || return 0
	printf '%s\n' "$1" | timeout -k 5 60 sh -c "$NOTIFY_CMD" >/dev/null 2>&1 ||
		warn "NOTIFY_CMD failed for a $2 event"
}
# event NAME KEY=VALUE... — one line in logs/<RUN>/engine.log; start,
# finish and failure events also go to NOTIFY_CMD.
event() {
	line=$(ledger event "$run" "$@") || { warn "$run: cannot log event $1"; return 0; }
	case $1 in job_started | job_completed | coin_failed) notify "$line" "$1" ;; esac
}

started_s=$(date +%s)
event job_started cycle="$cycle" symbols:="$nsyms" mode="$MODE" workers:="$workers" \
	threads:="$threads" resumed:="$([ "$resumed" = 1 ] && echo true || echo false)" pid:=$$
echo "$prog: $run: $cycle cycle, $nsyms symbols, $workers worker(s) x $threads thread(s)$([ "$resumed" = 1 ] && echo ', resumed')" >&2

# predict_cache TTL [TOP] — the latest prediction of every symbol of the
# run with a current model into the cache.  Prints how many were cached.
predict_cache() {
	: >"$work/have"
	while read -r s; do
		[ -e "$home/models/$s/current" ] && echo "$s" >>"$work/have"
	done <"$symfile"
	[ -s "$work/have" ] || { echo 0; return 0; }
	set -- --ttl "$1" ${2:+--top "$2"}
	ma=''
	[ -z "$PREDICT_MAX_AGE" ] || ma="--max-age $PREDICT_MAX_AGE"
	# shellcheck disable=SC2086
	predict --timeframe "$TIMEFRAME" $ma <"$work/have" >"$work/pred" 2>>"$log/predict.log" ||
		warn "predict failed for some symbols (see $log/predict.log)"
	if [ -s "$work/pred" ]; then
		cache-put "$@" <"$work/pred" >/dev/null 2>>"$log/predict.log" ||
			warn "cache-put failed (see $log/predict.log)"
	fi
	grep -c . "$work/pred"
}

# counts NAME — a count from the run's summary (summarize prints one
# top-level field per line).
counts() { sed -n "s/^  \"$1\": \([0-9]*\),*$/\1/p" "$work/summary"; }

on_signal() {
	trap '' INT TERM HUP
	warn "$run: interrupted; stopping the workers"
	for p in $wpids; do kill -TERM "$p" 2>/dev/null; done
	wait
	event job_interrupted signal="$1"
	exit 130
}
wpids='' sumrc=0
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# ---- the predict cycle: no training ----
if [ "$cycle" = predict ]; then
	n=$(predict_cache "$PREDICTION_CACHE_TTL" "$TOP_N")
	while read -r s; do
		if grep -q "\"symbol\": *\"$s\"" "$work/pred" 2>/dev/null; then
			ledger set "$run" "$s" success
		elif [ -e "$home/models/$s/current" ]; then
			ledger set "$run" "$s" failed --error "no prediction (see $log/predict.log)" --error-type error
		else
			ledger set "$run" "$s" skipped --error "no current model"
		fi
	done <"$symfile"
	event cache_refreshed ttl="$PREDICTION_CACHE_TTL" predictions:="$n"
	summarize "$run" >"$work/summary" || { warn "$run: summarize failed"; sumrc=1; }
	failed=$(counts failed)
	event job_completed cycle="$cycle" failed:="${failed:-0}" predictions:="$n" \
		seconds:=$(($(date +%s) - started_s))
	prune
	[ "$sumrc" -eq 0 ] && [ "${failed:-0}" -eq 0 ]
	exit
fi

# ---- full: safety net first ----
if [ "$cycle" = full ]; then
	n=$(predict_cache "$PREGENERATE_TTL")
	event cache_pregenerated ttl="$PREGENERATE_TTL" predictions:="$n"
	# One backup per run: the one taken before its first coin was
	# retrained.  A resume backing up again would archive half-retrained
	# models and, after BACKUP_KEEP resumes, rotate the good one away.
	if [ "$BACKUP_ENABLED" = 1 ] && grep -q '"event":"backup_succeeded"' "$log/engine.log" 2>/dev/null; then
		echo "$prog: $run: models already backed up by this run" >&2
	elif [ "$BACKUP_ENABLED" = 1 ]; then
		if b=$(model-backup --keep "$BACKUP_KEEP" 2>>"$log/backup.log"); then
			event backup_succeeded archive="$b"
		else
			event backup_failed error="$(tail -n 1 "$log/backup.log")"
			warn "model backup failed (see $log/backup.log); retraining anyway"
		fi
	fi
fi

# Failed symbols under the retry limit, workers that died, or everything
# with --force go back to pending; then the workers claim them one by one.
if [ "$force" = 1 ]; then
	ledger todo "$run" --force
else
	ledger todo "$run" --retries "$RETRIES"
fi | while read -r s; do ledger set "$run" "$s" pending; done

# backoff ATTEMPT — sleep base * 2^(attempt-1), jittered to [d/2, d], so
# workers that failed together do not retry together.
backoff() {
	rnd=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	d=$(awk -v b="$RETRY_BASE_SECONDS" -v a="$1" -v r="${rnd:-0}" \
		'BEGIN { d = b * 2 ^ (a - 1); printf "%.2f", d / 2 + d / 2 * r / 65535 }')
	sleep "$d" &
	child=$!
	wait "$child"
	child=''
}

# coin SYM — every attempt of one coin.  The step runs as a fresh process
# in its own process group (timeout(1)), so a timeout or a stop kills the
# whole group: no zombie, no orphan.
coin() {
	sym=$1 attempt=0
	clog=$log/$sym/training.log
	mkdir -p "$log/$sym"
	while :; do
		attempt=$((attempt + 1))
		if [ "$attempt" -gt 1 ]; then
			ledger set "$run" "$sym" running --pid "$mypid" || return
		fi
		event coin_started symbol="$sym" attempt:="$attempt"
		echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $run attempt $attempt" >>"$clog"
		t0=$(date +%s)
		# train-coin adds its own coin_partial_saved event to the run's log.
		COINTRAIN_EVENT_LOG=$log/engine.log COINTRAIN_RUN=$run \
			timeout -k 10 "$timeout_s" "$SELF" __coin "$sym" >"$work/$sym.out" 2>>"$clog" &
		child=$!
		wait "$child"
		rc=$?
		child=''
		secs=$(($(date +%s) - t0))
		model=$(tail -n 1 "$work/$sym.out" 2>/dev/null)
		if [ "$rc" -eq 0 ] && [ -n "$model" ]; then
			ledger set "$run" "$sym" success --model "$model"
			event coin_succeeded symbol="$sym" model="$model" attempt:="$attempt" seconds:="$secs"
			if [ -n "$UPLOAD_CMD" ]; then
				# An upload may not hold the batch forever.
				if timeout -k 10 600 sh -c "$UPLOAD_CMD \"\$1\"" upload "$model" >>"$clog" 2>&1; then
					event upload_succeeded symbol="$sym" model="$model"
				else
					event upload_failed symbol="$sym" model="$model" status:=$?
				fi
			fi
			return 0
		fi
		case $rc in
		0) type=error msg="train-coin printed no model directory" ;;
		124 | 137) type=timeout msg="timed out after ${timeout_s}s" ;;
		3) type=transient msg=$(tail -n 1 "$clog") ;;
		*) type=error msg=$(tail -n 1 "$clog") ;;
		esac
		retry=0
		if [ "$attempt" -le "$RETRIES" ]; then
			case $type in
			timeout | transient) retry=1 ;;
			error) [ "$RETRY_ALL" = 1 ] && [ "$rc" -eq 1 ] && retry=1 ;;
			esac
		fi
		final=$([ "$retry" = 1 ] && echo false || echo true)
		ledger set "$run" "$sym" failed --error "$msg" --error-type "$type"
		event coin_failed symbol="$sym" attempt:="$attempt" status:="$rc" error_type="$type" \
			error="$msg" final:="$final"
		[ "$retry" = 1 ] || return 1
		# The batch is gone (killed): finish nothing new.
		kill -0 "$mainpid" 2>/dev/null || return 1
		backoff "$attempt"
	done
}

# worker N — claim symbols from the ledger until none is left.
worker() {
	child=''
	trap '[ -z "$child" ] || kill -TERM "$child" 2>/dev/null; [ -z "$child" ] || wait "$child"; exit 143' TERM
	mypid=$(exec sh -c 'echo $PPID')
	while kill -0 "$mainpid" 2>/dev/null; do
		if [ "$TRAIN_BATCH_SIZE" -gt 0 ]; then
			# mkdir is atomic: the first TRAIN_BATCH_SIZE claims win a slot.
			i=1
			while [ "$i" -le "$TRAIN_BATCH_SIZE" ] && ! mkdir "$work/slot.$i" 2>/dev/null; do i=$((i + 1)); done
			[ "$i" -le "$TRAIN_BATCH_SIZE" ] || return 0
		fi
		sym=$(ledger claim "$run" --pid "$mypid") || return 1
		[ -n "$sym" ] || return 0
		coin "$sym"
	done
}

mainpid=$$
i=0
while [ "$i" -lt "$workers" ]; do
	worker "$i" &
	wpids="$wpids $!"
	i=$((i + 1))
done
wait
wpids=''

n=$(predict_cache "$PREDICTION_CACHE_TTL" "$TOP_N")
event cache_refreshed ttl="$PREDICTION_CACHE_TTL" predictions:="$n"
# A run we cannot summarize (say, its ledger was damaged) did not succeed.
summarize "$run" >"$work/summary" || { warn "$run: summarize failed"; sumrc=1; }
ok=$(counts succeeded) failed=$(counts failed) pending=$(counts pending)
event job_completed cycle="$cycle" succeeded:="${ok:-0}" failed:="${failed:-0}" \
	pending:="${pending:-0}" seconds:=$(($(date +%s) - started_s))
prune
echo "$prog: $run: ${ok:-0} succeeded, ${failed:-0} failed, ${pending:-0} left; summary in $home/summary/$run/engine_summary.json" >&2
[ "$sumrc" -eq 0 ] && [ "${failed:-0}" -eq 0 ] && [ "${pending:-0}" -eq 0 ]
