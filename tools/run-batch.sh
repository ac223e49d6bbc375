#!/bin/sh
# run-batch — one cycle (full, incremental, tune, predict) over many coins:
# new candles first, then training (or tuning) of each coin in its own
# process under a timeout with retries, each new model's prediction cached
# as soon as it is published, then the summary.  Resumable through the
# run's ledger; one batch per data home at a time.  See run-batch(1).
#
# Map of this script:
#   1. helpers
#   2. the per-coin step (run-batch __coin SYM): one attempt of one coin,
#      the same whichever engine runs it
#   3. options
#   4. configuration: KEY=VALUE files and the environment, known names only
#   5. the plan: symbols, workers x threads, which run; --dry-run, --show-config
#   6. the batch lock, the ledger, the run's temporary directory
#   7. phases: pre-cache, backup, fetch, drift, train or tune (rounds of
#      attempts through the engine), cache, summary
# Engines (share/engine/NAME.sh) decide only where each coin's step runs:
# local (workers on this machine) or slurm (a job array).
#
# Reads: the variables of KNOWN below, from --config FILE, else
# $COINTRAIN_CONFIG, else $COINTRAIN_HOME/cointrain.conf, else the
# installed share/cointrain.conf; the environment overrides the file and
# options override both.
set -u
prog=run-batch
VERSION=@VERSION@
SELF=$0
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
here=$(cd "$here" && pwd)
# Where this script really is, when $0 is a symbolic link (a bin/ of
# links to an installed PREFIX/bin): its share/ is found from there.
# Our own tools first: the ones beside this script (beside the link,
# then beside what it points to).  A coin's step has the batch's PATH.
if [ "${1:-}" != __coin ]; then
	real=$(readlink -f "$0" 2>/dev/null) && real=$(cd "${real%/*}" && pwd) || real=$here
	PATH=$here:$real:$PATH
	export PATH
fi

# Exit statuses: the table of lib/exitcode.h and cointrain(7).
EX_FAIL=1 EX_USAGE=2 EX_TEMPFAIL=5 EX_LOCKED=6 EX_DRIFT=7

usage() {
	cat <<'EOF'
usage: run-batch [--home DIR] [--config FILE] full|incremental|tune|predict
                 [--engine local|slurm] [--mode sequential|parallel|hybrid]
                 [--max-concurrent N] [--symbols topN|A,B,C|FILE]
                 [--timeout-minutes N] [--retries N] [--retry-all] [--force]
                 [--dry-run] [--show-config] [--wait] [--no-wait] [--run RUN]
       run-batch -h | -V
EOF
}

# ---- 1. helpers ----
warn() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { code=$1; shift; warn "$*"; exit "$code"; }
bad() { warn "$*"; usage >&2; exit "$EX_USAGE"; }
# put TEXT — TEXT and a newline on standard output.  A write error (a full
# disk, a closed descriptor) is a failure, as ct_finish makes it in the C
# tools; cat(1) says which error, where the shell's echo says only "I/O
# error".
put() {
	e=''
	{ e=$(printf '%s\n' "$1" | cat 2>&1 >&3 3>&-); } 2>/dev/null 3>&1 && return 0
	st=$?
	# No message: fd 1 is not open (the 3>&1 failed), or a pipe's
	# reader left (cat died of SIGPIPE).
	[ -n "$e" ] || { [ "$st" -gt 128 ] && e='Broken pipe' || e='Bad file descriptor'; }
	die "$EX_FAIL" "stdout: ${e##*: }"
}
nl='
'
isnum() { case $1 in '' | *[!0-9]*) return 1 ;; esac; }
now_iso() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# dur_v DUR — dur set to the seconds of a duration "90s 45m 6h 7d 2w";
# 1 when it is none.  dur_s DUR prints them.
dur_v() {
	dn=${1%?} dur=''
	isnum "$dn" && [ "${#dn}" -le 12 ] || return 1
	case ${1#"$dn"} in
	s) dur=$dn ;; m) dur=$((dn * 60)) ;; h) dur=$((dn * 3600)) ;;
	d) dur=$((dn * 86400)) ;; w) dur=$((dn * 604800)) ;; *) return 1 ;;
	esac
}
dur_s() { dur_v "$1" && echo "$dur"; }
# fmt_s SECONDS — "1m20s", "2h05m", "9s".
fmt_s() {
	s=$1
	if [ "$s" -ge 3600 ]; then printf '%dh%02dm' $((s / 3600)) $((s % 3600 / 60))
	elif [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60))
	else printf '%ds' "$s"; fi
}
# event NAME KEY=VALUE... — one line in logs/<RUN>/engine.log; start,
# finish and failure events (a failed backup too) also go to NOTIFY_CMD (coin_failed not while
# quiet is set: a refused array's coins are notified as one jobs_refused;
# a predict cycle's start and finish only when it did not succeed).
event() {
	line=$(ledger event "$run" "$@") || { warn "$run: cannot log event $1"; return 0; }
	case $1 in
	coin_failed) [ -n "${quiet:-}" ] || notify "$line" "$1" ;;
	# The hourly predict cycle says nothing while it succeeds.
	job_started) [ "$cycle" = predict ] || notify "$line" "$1" ;;
	job_completed) [ "$cycle" = predict ] && [ -z "${unwell:-}" ] || notify "$line" "$1" ;;
	job_failed | jobs_refused | backup_failed) notify "$line" "$1" ;;
	esac
}
# notify LINE EVENT — NOTIFY_CMD gets the event's line, in the data home
# (as every hook, whichever engine runs the step), without the batch lock
# (fd 9: a hook that leaves a process behind must not hold it); its
# errors go to the run's notify.log.
notify() {
	[ -n "$NOTIFY_CMD" ] || return 0
	nlog=/dev/null
	[ -n "${log:-}" ] && [ -d "$log" ] && nlog=$log/notify.log
	printf '%s\n' "$1" | { cd "$home" && exec timeout -k 5 60 sh -c "$NOTIFY_CMD"; } >/dev/null 2>>"$nlog" 9>&-
	st=$?
	[ "$st" -eq 0 ] || warn "NOTIFY_CMD failed for a $2 event (status $st$([ "$st" -eq 124 ] && echo ', timed out')$([ "$nlog" != /dev/null ] && echo "; see $nlog"))"
}
# never_trades CONFIG — whether a model's config.json sets threshold 1
# (train-coin's "never trade").
never_trades() {
	grep -Eq '"threshold": *1(\.0*)?([eE][+-]?0+)? *[,}]?$' "$1" 2>/dev/null
}
# metrics FILE [OBJECT] — $auc and $net from the OBJECT ("aggregate") of
# a metrics.json, or the "heldout" of a params.json (a figure it lacks, or
# a file missing: empty), and what they are in $what (its "evaluation",
# else walk-forward, or held-out after search for a params.json); one
# process for all.
metrics() {
	# One line, without the layout's blanks (train-coin writes a member
	# a line), not those inside strings ("held-out after search").
	m=$(sed -n 's/^[[:space:]]*//; s/" *: */":/g; H; ${ x; s/\n//g; p; }' 2>/dev/null <"$1")
	s=${2:-aggregate} what=walk-forward
	[ "$s" = aggregate ] || what='held-out after search'
	case $m in *'"evaluation":"'*) what=${m#*\"evaluation\":\"} what=${what%%\"*} ;; esac
	case $m in *"\"$s\":{"*) m=${m#*\"$s\":\{} m=${m%%\}*} ;; *) m='' ;; esac
	field auc auc
	field net net_bps_after_costs
	field trades trades
	field se net_bps_2se
	noise=''
	case $m in *'"beyond_noise":false'*) noise=1 ;; esac
}
# field VAR KEY — VAR set to the number KEY has in $m, or empty (null,
# absent); in the shell, not a process per figure.
field() {
	f=''
	case $m in *"\"$2\":"*) f=${m#*\"$2\":} f=${f%%[!0-9.e+-]*} ;; esac
	eval "$1=\$f"
}
# trades_said — "N trades, net X bps/trade" of metrics' figures; a
# search's held-out block not beyond noise says so, with the noise.
trades_said() {
	case $trades in 0) echo 'no trades'; return ;; esac
	printf '%snet %s bps/trade' "${trades:+$trades trades, }" "$(fmt_num "$net" 1)"
	# train-coin's rule: at least 10 trades, mean net above 2 s.e.
	if [ -n "$noise" ] && [ "${trades:-0}" -lt 10 ]; then
		printf ', not beyond noise (fewer than 10 trades; 2 s.e. %s)' "$(fmt_num "$se" 1)"
	elif [ -n "$noise" ]; then
		printf ', not beyond noise (2 s.e. %s)' "$(fmt_num "$se" 1)"
	fi
	echo
}

# outcome_unsaid SYM — the attempt's outcome could not be written for
# the batch: said (the ledger has it; the batch takes the coin as lost).
outcome_unsaid() {
	warn "$1: $CT_TMP/outcome/$1: cannot write the attempt's outcome (is the data home's disk full?)"
}
# reason LOG — why a tool failed, for the ledger and the event log: the
# last line its latest start ("== TIME RUN ..." and our command line)
# wrote, but not the usage a usage error ends with, nor fetch-candles'
# "store left unchanged" after the cause, which say nothing of it.
reason() {
	rs=$(awk -v p="$prog: " '
	/^== [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T/ { r = ""; cmd = 1; next }
	cmd && index($0, p) == 1 { cmd = 0; next }
	{ cmd = 0 }
	/^usage: / { u = 1; next }
	u && /^[ \t]/ { next }
	/^fetch-candles: [^ ]+ [^ ]+: (nothing printed, )?store left unchanged$/ { next }
	{ u = 0; r = $0 }
	END { print r }' "$1" 2>/dev/null)
	# A log that ends mid-line was not written to its end (a full disk):
	# its last words are not the cause.
	[ -z "$rs" ] || [ "$(tail -c 1 "$1" 2>/dev/null | wc -l)" -ne 0 ] ||
		rs="$rs... (the log ends mid-line: it could not be written to its end; is the disk full?)"
	printf '%s\n' "$rs"
}
# why_of LOG — reason LOG, else that there is none (and that the disk is
# full, when it is: a log that could not be written).
why_of() {
	reason "$1" | grep . ||
		echo "no reason logged in ${1#"$home"/}$(disk_full && echo ': the disk is full')"
}

# stale_said FILE — predictions of FILE made from stale candles (predict's
# "stale":true, its exit 4) are cached all the same, and said: a warning
# and a predictions_stale event.
stale_said() {
	grep -q '"stale":true' "$1" || return 0
	st=$(grep '"stale":true' "$1" | sed 's/^{"symbol":"\([^"]*\)".*/\1/' | tr '\n' ' ')
	[ -n "$st" ] || return 0
	st=${st% }
	warn "$run: $(echo $st | wc -w) of $(grep -c . "$1") predictions made from stale candles (cached, marked \"stale\":true): $st"
	event predictions_stale count:="$(echo $st | wc -w)" symbols="$st"
}

# has_model SYM — whether SYM has a current model: a link to one, or to
# one gone (predict says what is wrong with it).
has_model() { [ -e "$home/models/$1/current" ] || [ -L "$home/models/$1/current" ]; }
# cache_coins FILE TTL [TOP [TEMP]] — predict the coins listed in FILE
# that have a current model and cache the lines; TEMP, a file, removed
# with its own temporaries.  Appends the cached lines to
# $tmp/cached; returns 1 when predict or cache-put failed (the reason is
# in logs/<RUN>/predict.log).  With $predicted set (a file), the coins
# predict made a line for are appended to it.
cache_coins() {
	have=$tmp/have.$$
	want=''
	while read -r cs; do has_model "$cs" && want=$want${want:+$nl}$cs; done <"$1"
	[ -n "$want" ] || { rm -f ${4:+"$4"}; return 0; }
	# Not a silent success on a full disk: a list that cannot be written
	# caches nothing.
	if ! printf '%s\n' "$want" 2>/dev/null >"$have"; then
		echo "$prog: $have: cannot write (is the data home's disk full?)" >>"$log/predict.log" 2>/dev/null
		rm -f "$have" ${4:+"$4"}
		return 1
	fi
	ma='' crc=0
	[ -z "$PREDICT_MAX_AGE" ] || ma="--max-age $PREDICT_MAX_AGE"
	# shellcheck disable=SC2086
	predict --timeframe "$TIMEFRAME" $ma <"$have" >"$have.pred" 2>>"$log/predict.log"
	case $? in 0 | 4) ;; *) crc=1 ;; esac
	stale_said "$have.pred"
	[ -z "${predicted:-}" ] || sed -n 's/^{"symbol": *"\([^"]*\)".*/\1/p' "$have.pred" >>"$predicted" 2>/dev/null
	if [ -s "$have.pred" ]; then
		cache-put --ttl "$2" ${3:+--top "$3"} <"$have.pred" >"$have.put" 2>>"$log/predict.log" || crc=1
		# Stored entries only: a prediction the cache could not take
		# comes back as it went in, without the cache's expires_at.
		if [ "$want" = "${want%[!A-Z0-9._-]*}" ]; then
			# One coin (a step's): its line read by the shell.
			lines_match "$have.put" '*"expires_at":*' && printf '%s\n' "$l" >>"$tmp/cached"
		else
			grep '"expires_at":' "$have.put" >>"$tmp/cached"
		fi
	fi
	rm -f "$have" "$have.pred" "$have.put" ${4:+"$4"}
	return "$crc"
}

# ---- 2. the per-coin step: one attempt at one coin.  Engines run
# `run-batch __coin SYM` with the run's settings in the environment
# (CT_*); it records the attempt in the ledger and the event log, runs
# the work (train-coin or tune-coin) under timeout(1) in a fresh process
# group, caches the new model's prediction at once, and leaves its
# outcome in $CT_TMP/outcome/SYM for the batch to decide on retries.
# Every coin pays for the processes this step starts: shell builtins
# where a builtin does. ----
# step_ttl [STEP] — ttl set to the TTL of a coin's prediction cached as
# its new model is published (in STEP, default CT_STEP).  A full cycle lasts as long as it lasts, and the hourly
# predict is locked out meanwhile: the entry keeps the pre-generation's
# longer TTL, which the cycle's closing refresh brings back to
# PREDICTION_CACHE_TTL.  Else PREDICTION_CACHE_TTL.
step_ttl() {
	ttl=$PREDICTION_CACHE_TTL
	[ "${1-${CT_STEP:-}}" = fresh ] && dur_v "$PREGENERATE_TTL" || return 0
	pre=$dur
	dur_v "$PREDICTION_CACHE_TTL" && [ "$pre" -gt "$dur" ] && ttl=$PREGENERATE_TTL
	return 0
}
# coin_record SYM — from SYM's ledger record: rec_att, the attempts the
# ledger counts (each "running" is one), and rec_started, the start of
# the last; empty when it has no record of its own.  Read by the shell:
# a record is a few hundred bytes, a process costs more.
coin_record() {
	rec_att='' rec_started='' rec_model=''
	[ -r "$COINTRAIN_HOME/runs/$run/coins/$1.json" ] || return 0
	while IFS= read -r l || [ -n "$l" ]; do
		case $l in
		*'"attempts":'*) l=${l#*:} l=${l%,} l=${l# }; ! isnum "$l" || rec_att=$l ;;
		*'"started": "'*) l=${l#*: \"} rec_started=${l%%\"*} ;;
		*'"model": "'*) l=${l#*: \"} rec_model=${l%%\"*} ;;
		esac
	done <"$COINTRAIN_HOME/runs/$run/coins/$1.json"
}
# ledger_attempts SYM — coin_record's rec_att, printed.
ledger_attempts() {
	coin_record "$1"
	[ -z "$rec_att" ] || echo "$rec_att"
}
# task_ending — whether this step's Slurm task is being ended (scancel,
# its time limit, preemption: the controller says so before any signal
# is sent; a state of ending, not merely one other than RUNNING).
# Slurm signals each process of the task in no set order, so the work
# may die of it before this shell gets its own; the step then records
# nothing and waits for its signal (at most a minute): the engine takes
# the coin as lost, in Slurm's words (its task output's "CANCELLED AT",
# written once the task is signalled).
task_ending() {
	case ${CT_WORKER:-} in slurm:*) ;; *) return 1 ;; esac
	st=$(squeue -h -j "${CT_WORKER#slurm:}" -o %T 2>/dev/null) || return 1
	case $st in
	*COMPLETING* | *CANCELLED* | *TIMEOUT* | *PREEMPTED* | *NODE_FAIL* | *DEADLINE* | *FAILED* | *OUT_OF_MEMORY*)
		return 0 ;;
	esac
	return 1
}
# now_up — up: whole seconds since boot (/proc/uptime), a clock the
# shell reads without a process.
now_up() {
	up=0
	{ read -r up _ </proc/uptime; } 2>/dev/null
	up=${up%.*}
}
# lines_match FILE GLOB... — whether a line of FILE matches one of the
# GLOBs: grep for a small file (a coin's ledger record), read by the
# shell, without a process.
lines_match() {
	[ -r "$1" ] || return 1
	f=$1
	shift
	while IFS= read -r l || [ -n "$l" ]; do
		for g in "$@"; do
			# shellcheck disable=SC2254 # g is a pattern
			case $l in $g) return 0 ;; esac
		done
	done <"$f"
	return 1
}
coin_step() {
	sym=$1 clog=$log/$1/training.log out=$CT_TMP/$1.out
	[ -d "$log/$sym" ] && [ -d "$CT_TMP/outcome" ] || mkdir -p "$log/$sym" "$CT_TMP/outcome"
	ledger set "$run" "$sym" running --pid "$$" ${CT_WORKER:+--worker "$CT_WORKER"} || return 1
	# The attempt is the ledger's count (cointrain-files(5)), which a
	# restarted batch goes on from; else this run's own.
	coin_record "$sym"
	attempt=$rec_att
	if [ -z "$attempt" ]; then
		[ -r "$CT_TMP/attempts.$sym" ] && read -r attempt <"$CT_TMP/attempts.$sym"
		attempt=$((${attempt:-0} + 1))
	fi
	echo "$attempt" >"$CT_TMP/attempts.$sym"
	event coin_started symbol="$sym" attempt:="$attempt"
	# A lost attempt's model, once its trainer is done (not timed).
	model='' adopted=''
	[ "$CT_STEP" = tune ] || adopt "$sym"
	now_up
	t0=$up
	echo "== ${rec_started:-$(now_iso)} $run attempt $attempt" >>"$clog"
	if [ -n "$model" ]; then
		echo "$prog: $model: published by this run's lost attempt; taken as this attempt's model" >>"$clog"
		rc=0 adopted=1
	else
		work "$sym"
		[ "$rc" -le 128 ] || ! task_ending || { sleep 60; exit "$rc"; }
	fi
	now_up
	secs=$((up - t0))
	if [ "$rc" -eq 0 ] && [ -n "$model" ]; then
		# A tune's result as this run made it, for the run's summary (a
		# later search replaces models/SYM/params.json).
		[ "$CT_STEP" != tune ] || { cp "$model" "$log/$sym/.params.json.tmp" &&
			mv -f "$log/$sym/.params.json.tmp" "$log/$sym/params.json"; } 2>/dev/null ||
			warn "$sym: $log/$sym/params.json: cannot keep the run's result (its summary reads the coin's)"
		ledger set "$run" "$sym" success --model "$model"
		# A tune prints its params.json: the held-out block's figures.
		case $CT_STEP in
		tune) metrics "$model" heldout ;;
		*) metrics "$model/metrics.json" ;;
		esac
		# A model that never trades makes nothing, whatever its folds made.
		nt=''
		[ "$CT_STEP" = tune ] || ! never_trades "$model/config.json" || { net='' nt=1; }
		event coin_succeeded symbol="$sym" model="$model" attempt:="$attempt" seconds:="$secs" \
			${adopted:+adopted:=true}
		if [ "$CT_STEP" != tune ]; then
			# No --top: the entry is merged into the top list (the
			# cycle's last refresh rebuilds it).
			step_ttl
			{ echo "$sym" 2>/dev/null >"$CT_TMP/one.$sym" &&
				cache_coins "$CT_TMP/one.$sym" "$ttl" '' "$CT_TMP/one.$sym"; } ||
				warn "$sym: new model published but its prediction was not cached (see $log/predict.log)"
			# A model this run published only: an update not promoted
			# leaves the coin's model as it was (uploaded by its run).
			[ -z "$UPLOAD_CMD" ] || ! lines_match "$model/training_log.json" "*\"run\": \"$run\"*" ||
				upload "$sym" "$model" "$clog"
		fi
		printf 'success %s %s %s\n' "$secs" "${auc:--}" "${net:--}" 2>/dev/null \
			>"$CT_TMP/outcome/$sym" || outcome_unsaid "$sym"
		! progress_on || progress "$sym" "$(printf '%ss  AUC %s (%s)  %s' "$secs" \
			"$(fmt_num "$auc" 2)" "$what" "$([ -n "$nt" ] && echo 'never trades' || trades_said)")"
		return 0
	fi
	case $rc in
	0) type=error msg="$CT_STEP printed no model directory" ;;
	124) type=timeout msg="timed out after ${CT_TIMEOUT_S}s" ;;
	# timeout(1)'s SIGKILL 10 s after its SIGTERM; before the timeout, a
	# kill from outside: most often the kernel's, out of memory.
	137) if [ "$secs" -ge "$CT_TIMEOUT_S" ]; then
		type=timeout msg="timed out after ${CT_TIMEOUT_S}s"
	else
		type=killed msg="killed by signal 9 after ${secs}s (out of memory? see the kernel log)"
	fi ;;
	129 | 13[0-9] | 14[0-9] | 15[0-9]) type=killed msg="killed by signal $((rc - 128)) after ${secs}s" ;;
	# Locked: another training of the coin (a lost attempt's) is still on.
	"$EX_TEMPFAIL" | "$EX_LOCKED") type=transient msg=$(reason "$clog") ;;
	*) type=error msg=$(reason "$clog") ;;
	esac
	[ -n "$msg" ] || msg="$tool exited with status $rc"
	# A log cut mid-line is ended, so the next attempt's header starts a
	# line of its own; a full disk this attempt met is said at the end.
	case $msg in *'(the log ends mid-line:'*) echo >>"$clog" ;; esac
	awk '/^== [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T/ { f = 0 }
	/No space left on device/ { f = 1 } END { exit !f }' "$clog" 2>/dev/null && : >"$CT_TMP/enospc"
	final=true
	retriable "$type" "$rc" && [ "$attempt" -le "$RETRIES" ] && final=false
	ledger set "$run" "$sym" failed --error "$msg" --error-type "$type"
	event coin_failed symbol="$sym" attempt:="$attempt" status:="$rc" error_type="$type" \
		error="$msg" final:="$final"
	printf '%s %s %s\n' "$type" "$rc" "$secs" 2>/dev/null >"$CT_TMP/outcome/$sym" ||
		outcome_unsaid "$sym"
	! progress_on || progress "$sym" "failed ($type$([ "$final" = false ] && echo ', will retry')): $msg"
	return 1
}
# shared_args — the options of TRAIN_ARGS that tune-coin takes too (the
# labels, folds, rounds and row step a coin is trained with: its tuning
# must use them, or train-coin does not take the tuned parameters).
shared_args() {
	set -f
	# shellcheck disable=SC2086
	set -- $TRAIN_ARGS
	set +f
	while [ $# -gt 0 ]; do
		case ${1%%=*} in
		--horizon | --folds | --rounds | --early-stop | --row-step | --costs)
			case $1 in *=*) printf '%s\n' "$1" ;; *) printf '%s\n%s\n' "$1" "${2-}"; shift ;; esac ;;
		--keep | --memory | --params) case $1 in *=*) ;; *) shift ;; esac ;;
		esac
		shift
	done
}
# work SYM — the coin's work (train-coin or tune-coin) under timeout(1) in
# a process group of its own; sets rc and model (the directory it printed).
work() {
	sym=$1
	# The work: train-coin or tune-coin.
	case $CT_STEP in
	tune)
		# shellcheck disable=SC2086,SC2046 # option lists
		# No --threads: its jobs, one thread each, fill the coin's
		# share of the cores (COINTRAIN_THREADS), the fastest way.
		# The coin's training options first (TUNE_ARGS may override).
		set -- tune-coin --symbol "$sym" --timeframe "$TIMEFRAME" --progress --trials "$TUNE_TRIALS" \
			--lookback "$TRAIN_LOOKBACK" ${TRAIN_ROUNDS:+--rounds "$TRAIN_ROUNDS"} \
			$(shared_args) $TUNE_ARGS ;;
	*)
		kind=$CT_STEP
		{ [ -e "$CT_TMP/drifted" ] || [ -e "$CT_TMP/drift-failed" ]; } &&
			grep -qsx "$sym" "$CT_TMP/drifted" "$CT_TMP/drift-failed" && kind=fresh
		# An update keeps its model's rounds: TRAIN_ROUNDS is for a fresh
		# model (also the one an incremental step trains for a coin
		# without a model).
		rounds=$TRAIN_ROUNDS
		[ "$kind" = fresh ] || [ ! -e "$COINTRAIN_HOME/models/$sym/current" ] || rounds=''
		# shellcheck disable=SC2086 # TRAIN_ARGS is an option list
		set -- train-coin --symbol "$sym" --timeframe "$TIMEFRAME" "--$kind" --progress \
			--threads "$CT_THREADS" --lookback "$TRAIN_LOOKBACK" \
			${rounds:+--rounds "$rounds"} $TRAIN_ARGS ;;
	esac
	tool=$1
	echo "$prog: $*" >>"$clog"
	# train-coin adds its own coin_partial_saved event to the run's log.
	COINTRAIN_EVENT_LOG=$log/engine.log COINTRAIN_RUN=$run \
		timeout -k 10 "$CT_TIMEOUT_S" "$@" >"$out" 2>>"$clog" &
	child=$!
	# The shell says "Terminated" of a child a signal ended (timeout
	# passes one on, and ends of it): the work's end is the step's to say.
	trap 'kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 143' TERM INT HUP
	wait "$child" 2>/dev/null
	rc=$?
	trap - TERM INT HUP
	model=''
	while IFS= read -r l || [ -n "$l" ]; do model=$l; done 2>/dev/null <"$out"
}
# adopt SYM — after a lost attempt (a batch killed with -9 leaves the
# coin's trainer running: it finishes and switches current), or one that
# found the coin locked by it, wait for that trainer (the coin's lock, at
# most the timeout; here a local one also keeps the batch lock it
# inherited, so no restart begins before it ends), then set model to the
# model it published when this run trained it (training_log.json's run), so
# that the coin is not trained twice (coin_record's rec_model: the model
# of the run's earlier success, if any, is not one).
adopt() {
	d=$COINTRAIN_HOME/models/$1
	lines_match "$COINTRAIN_HOME/runs/$run/coins/$1.json" '*"error_type": "lost"*' \
		'*"error": "*locked by another train-coin*' || return 0
	[ -f "$d/.lock" ] && [ ! -L "$d/.lock" ] && flock -w "$CT_TIMEOUT_S" "$d/.lock" true 2>/dev/null
	grep -q "^ *\"run\": *\"$run\"" "$d/current/training_log.json" 2>/dev/null || return 0
	# Not the model an earlier success of the run recorded (--force, then
	# an attempt lost before it published): that one is to be replaced.
	c=$(readlink "$d/current") && [ "$d/$c" != "$rec_model" ] && model=$d/$c
	return 0
}
# disk_full — less than 64 KB free for us in the data home.
disk_full() {
	f=$(space_free "$home")
	[ -n "$f" ] && [ "$f" -lt 64 ]
}
# fmt_num X DIGITS — X rounded to DIGITS decimals; "-" when X is empty.
fmt_num() {
	if [ -n "$1" ]; then printf "%.$2f" "$1" 2>/dev/null || printf '%s' "$1"; else printf -; fi
}
# progress SYM TEXT — on a terminal, one line per finished coin:
# "n/N SYM TEXT  ETA 1m20s"; nothing under cron, nor from a cluster's
# task (its standard error is a file, which would then be kept).
progress_on() { [ "${CT_TTY:-0}" = 1 ] && [ -t 2 ]; }
progress() {
	progress_on || return 0
	n=$(ls "$CT_TMP/outcome" | wc -l)
	el=$(($(date +%s) - CT_T0))
	eta=$((n > 0 && CT_TOTAL > n ? el * (CT_TOTAL - n) / n : 0))
	printf '%d/%d %s %s  ETA %s\n' "$n" "$CT_TOTAL" "$1" "$2" "$(fmt_s "$eta")" >&2
}
# retriable TYPE STATUS — timeouts and temporary failures always; exit
# status 1 only with RETRY_ALL.
retriable() {
	case $1 in
	timeout | transient | lost | killed) return 0 ;;
	error) [ "$RETRY_ALL" = 1 ] && [ "$2" -eq 1 ] ;;
	*) return 1 ;;
	esac
}
# upload_stop SIG — the step was interrupted during the upload: stop it
# (timeout(1) passes the signal on to the hook's process group, and kills
# it 10 seconds later) and record it.  Before the upload has a pid, only
# note the signal, for upload to act on once it has one.
upload_stop() {
	up_sig=$1
	[ -n "$child" ] || return 0
	kill -TERM "$child" 2>/dev/null
	wait "$child"
	event upload_failed symbol="$up_sym" model="$up_model" status:="$?" error="interrupted by SIG$1"
	exit 143
}
# upload SYM MODEL LOG — UPLOAD_CMD MODEL in the data home, without the
# batch lock, stopped after 10 minutes: an upload may not hold the batch
# forever.  It runs in the background so that an interrupt of the step
# (the batch's, a scancel) is handled at once, not when it ends; the
# traps are set before it starts, so none finds it unwatched.  A signal
# that reached the hook before the step (a scancel signals every process
# of the task) is said as such.
upload() {
	child='' up_sig='' up_sym=$1 up_model=$2 up_t0=$(date +%s)
	trap 'upload_stop TERM' TERM
	trap 'upload_stop INT' INT
	trap 'upload_stop HUP' HUP
	{ cd "$home" && exec timeout -k 10 600 sh -c "$UPLOAD_CMD \"\$1\"" upload "$2"; } >>"$3" 2>&1 9>&- &
	child=$!
	[ -z "$up_sig" ] || upload_stop "$up_sig"
	wait "$child"
	st=$?
	trap - TERM INT HUP
	if [ "$st" -eq 0 ]; then
		event upload_succeeded symbol="$1" model="$2"
	elif [ "$st" -eq 124 ] || { [ "$st" -eq 137 ] && [ $(($(date +%s) - up_t0)) -ge 600 ]; }; then
		# timeout(1): 124, or 137 when the hook outlived its SIGTERM.
		event upload_failed symbol="$1" model="$2" status:="$st" error="timed out after 600s"
	elif [ "$st" -gt 128 ]; then
		event upload_failed symbol="$1" model="$2" status:="$st" error="killed by signal $((st - 128))"
	else
		event upload_failed symbol="$1" model="$2" status:="$st"
	fi
}

# The step and the work run from the settings the batch exported.
case ${1:-} in
__coin)
	run=$CT_RUN home=$COINTRAIN_HOME log=$CT_LOG tmp=$CT_TMP
	coin_step "$2"
	exit
	;;
esac

# ---- 3. options ----
home=${COINTRAIN_HOME:-.}
config=${COINTRAIN_CONFIG:-}
cycle='' force=0 dry=0 show=0 wait_lock=0 nowait=0 run=''
# Options are kept as o_NAME and applied after the configuration.
o_ENGINE='' o_MODE='' o_MAX_CONCURRENT='' o_SYMBOLS='' o_TIMEOUT_MINUTES='' o_RETRIES='' o_RETRY_ALL=''
need() { [ $# -ge 2 ] || bad "$1: needs an argument"; }
while [ $# -gt 0 ]; do
	# --opt=VALUE is --opt VALUE, as getopt_long has it in the C tools.
	case $1 in
	--*=*)
		a=${1%%=*} v=${1#*=}
		shift
		set -- "$a" "$v" "$@"
		case $a in
		--home | --config | --engine | --mode | --max-concurrent | --symbols | \
			--timeout-minutes | --retries | --run) ;;
		--retry-all | --force | --dry-run | --show-config | --wait | --no-wait | --help | --version)
			bad "$a: takes no value" ;;
		*) bad "$a: unknown argument" ;;
		esac ;;
	esac
	case $1 in
	--home) need "$@"; home=$2; shift; [ -n "$home" ] || bad "--home: empty" ;;
	--config) need "$@"; config=$2; shift ;;
	--engine) need "$@"; o_ENGINE=$2; shift ;;
	--mode) need "$@"; o_MODE=$2; shift ;;
	--max-concurrent) need "$@"; o_MAX_CONCURRENT=$2; shift ;;
	--symbols) need "$@"; o_SYMBOLS=$2; shift ;;
	--timeout-minutes) need "$@"; o_TIMEOUT_MINUTES=$2; shift ;;
	--retries) need "$@"; o_RETRIES=$2; shift ;;
	--retry-all) o_RETRY_ALL=1 ;;
	--force) force=1 ;;
	--dry-run | -n) dry=1 ;;
	--show-config) show=1 ;;
	--wait) wait_lock=1 ;;
	--no-wait) nowait=1 ;;
	--run) need "$@"; run=$2; shift ;;
	-h | --help) put "$(usage)"; exit 0 ;;
	-V | --version) put "$prog (cointrain) $VERSION"; exit 0 ;;
	full | incremental | tune | predict) [ -z "$cycle" ] || bad "one cycle only"; cycle=$1 ;;
	*) bad "$1: unknown argument" ;;
	esac
	shift
done
[ -n "$cycle" ] || [ "$show" = 1 ] || bad "which cycle: full, incremental, tune or predict?"

# share/: $COINTRAIN_SHARE, else found from where this script is: the
# installed layout (PREFIX/bin -> PREFIX/share/cointrain) or the source
# tree (build/bin -> share), else the configured DATADIR.
find_share() {
	[ -n "${COINTRAIN_SHARE:-}" ] && { echo "$COINTRAIN_SHARE"; return; }
	for d in "$real" "$here"; do
		for _ in 1 2 3 4; do
			d=$(dirname "$d")
			[ -f "$d/share/cointrain/cointrain.conf" ] && { echo "$d/share/cointrain"; return; }
			[ -f "$d/share/cointrain.conf" ] && [ -d "$d/share/engine" ] && { echo "$d/share"; return; }
		done
	done
	echo "@DATADIR@"
}
SHARE=$(find_share)
COINTRAIN_SHARE=$SHARE
export COINTRAIN_SHARE

# ---- 4. configuration: option > environment > file > default.  The
# file is data: KEY=VALUE lines (values may be quoted; # comments), and
# only the names below are read; it never runs as shell code. ----
KNOWN="ENGINE TIMEFRAME FETCH_ENABLED FETCH_LOOKBACK INCREMENTAL_FETCH_LOOKBACK EXCHANGE_URL
FETCH_OFFLINE_AFTER SYMBOLS MODE MAX_CONCURRENT TRAIN_BATCH_SIZE TRAIN_LOOKBACK TRAIN_ROUNDS
TRAIN_ARGS FULL_RETRAIN_ENABLED INCREMENTAL_ENABLED DRIFT_ENABLED DRIFT_PSI_MAX DRIFT_WINDOW
TUNE_ENABLED TUNE_TRIALS TUNE_ARGS TIMEOUT_MINUTES RETRIES RETRY_ALL RETRY_BASE_SECONDS
RESUME_MAX_AGE RUNS_KEEP_DAYS PREDICTION_CACHE_TTL PREGENERATE_TTL PREDICT_MAX_AGE TOP_N
BACKUP_ENABLED BACKUP_KEEP NOTIFY_CMD UPLOAD_CMD SLURM_SBATCH_ARGS"
DEFAULTS='ENGINE=local TIMEFRAME=1h FETCH_ENABLED=1 FETCH_LOOKBACK= INCREMENTAL_FETCH_LOOKBACK=500
EXCHANGE_URL= FETCH_OFFLINE_AFTER=3 SYMBOLS=top20 MODE=hybrid MAX_CONCURRENT= TRAIN_BATCH_SIZE=0
TRAIN_LOOKBACK=10000 TRAIN_ROUNDS= TRAIN_ARGS= FULL_RETRAIN_ENABLED=1 INCREMENTAL_ENABLED=1
DRIFT_ENABLED=1 DRIFT_PSI_MAX=0.25 DRIFT_WINDOW= TUNE_ENABLED=0 TUNE_TRIALS=40 TUNE_ARGS=
TIMEOUT_MINUTES=45 RETRIES=2 RETRY_ALL=0 RETRY_BASE_SECONDS=30 RESUME_MAX_AGE= RUNS_KEEP_DAYS=30
PREDICTION_CACHE_TTL=65m PREGENERATE_TTL=24h PREDICT_MAX_AGE= TOP_N=10 BACKUP_ENABLED=1
BACKUP_KEEP=4 NOTIFY_CMD= UPLOAD_CMD= SLURM_SBATCH_ARGS='
known_list=" $(echo $KNOWN) "
known() { case $known_list in *" $1 "*) return 0 ;; esac; return 1; }
# near_names — "NAME KNOWN" for each name of standard input that is at
# most two edits from a known setting (a misspelt TUNE_ENABLE).
near_names() {
	awk -v known="$(echo $KNOWN)" '
	# The edit distance of a and b when it is 2 at most, else 3: the
	# cells within 2 of the diagonal only, given up once a row is all
	# beyond 2 (a start scans every name of the environment).
	function dist(a, b,   i, j, la, lb, d, c, lo, hi, m) {
		la = length(a); lb = length(b)
		if (la - lb > 2 || lb - la > 2) return 3
		for (j = 0; j <= lb && j <= 2; j++) d[0, j] = j
		for (i = 1; i <= la; i++) {
			lo = i > 2 ? i - 2 : 0; hi = i + 2 < lb ? i + 2 : lb; m = 3
			for (j = lo; j <= hi; j++) {
				if (j == 0) c = i
				else {
					c = d[i - 1, j - 1] + (substr(a, i, 1) != substr(b, j, 1))
					if (j <= i + 1 && d[i - 1, j] + 1 < c) c = d[i - 1, j] + 1
					if (j > lo && d[i, j - 1] + 1 < c) c = d[i, j - 1] + 1
				}
				d[i, j] = c
				if (c < m) m = c
			}
			if (m > 2) return 3
		}
		return d[la, lb] > 2 ? 3 : d[la, lb]
	}
	BEGIN { nk = split(known, K, " "); for (i = 1; i <= nk; i++) isk[K[i]] = 1 }
	{
		u = toupper($0)
		if (u in isk) { print $0, u; next }
		best = ""
		for (i = 1; i <= nk; i++)
			if ((k = dist(u, K[i])) <= 2 && (best == "" || k < bk)) { best = K[i]; bk = k }
		if (best != "") print $0, best
	}'
}
# nearest NAME — ", did you mean KNOWN?" for the known setting nearest
# NAME, else nothing.
nearest() {
	b=$(printf '%s\n' "$1" | near_names | cut -d ' ' -f 2)
	[ -z "$b" ] || printf ', did you mean %s?' "$b"
}
# env_typos — a setting misspelt in the environment (a crontab line) would
# be ignored without a word: names of eight characters or more with an
# underscore, near a known setting and not one, are said.
env_typos() {
	export -p | sed -n 's/^export \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' |
		awk 'length($0) >= 8 && /_/' | near_names | while read -r n b; do
			[ "$n" = "$b" ] || warn "environment: $n: not a run-batch setting, ignored; did you mean $b?"
		done
}
# setv NAME VALUE ORIGIN
setv() { eval "$1=\$2; origin_$1=\$3"; }
for v in $KNOWN; do eval "[ -z \"\${$v+x}\" ] || { inenv_$v=1; env_$v=\$$v; }"; done
for kv in $DEFAULTS; do setv "${kv%%=*}" "${kv#*=}" default; done

if [ -z "$config" ]; then
	# A data home this user cannot search may hold a cointrain.conf:
	# not read silently past (the installed defaults would run instead).
	[ ! -d "$home" ] || [ -x "$home" ] ||
		die "$EX_USAGE" "$home: cannot search the data home for its cointrain.conf (its permissions: run as its owner)"
	for c in "$home/cointrain.conf" "$SHARE/cointrain.conf"; do
		[ -f "$c" ] && { config=$c; break; }
	done
fi
# conf_lines FILE — "LINE<tab>KEY<tab>VALUE" for each setting of FILE;
# "LINE<tab>!<tab>TEXT" for a line that is not one.
conf_lines() {
	awk '
	{ line = $0; sub(/\r$/, "", line) }
	line ~ /^[ \t]*(#|$)/ { next }
	{
		if (!match(line, /^[ \t]*[A-Za-z_][A-Za-z0-9_]*=/)) { print NR "\t!\t" line; next }
		key = substr(line, 1, RLENGTH - 1); sub(/^[ \t]*/, "", key)
		rest = substr(line, RLENGTH + 1)
		q = substr(rest, 1, 1)
		if (q == "\"" || q == "'\''") {
			end = index(substr(rest, 2), q)
			if (end == 0) { print NR "\t!\t" line; next }
			val = substr(rest, 2, end - 1); rest = substr(rest, end + 2)
		} else {
			val = rest; sub(/[ \t].*/, "", val); rest = substr(rest, length(val) + 1)
		}
		if (rest !~ /^[ \t]*(#.*)?$/) { print NR "\t!\t" line; next }
		print NR "\t" key "\t" val
	}' "$1"
}
if [ -n "$config" ]; then
	if [ ! -e "$config" ]; then why='no such file'
	elif [ ! -f "$config" ]; then why='not a regular file'
	else why='permission denied'; fi
	[ -r "$config" ] && [ -f "$config" ] || die "$EX_USAGE" "$config: cannot read the configuration: $why"
	tab=$(printf '\t')
	conf=$(conf_lines "$config") || die "$EX_FAIL" "$config: cannot read the configuration"
	while IFS=$tab read -r ln key val; do
		[ -n "$ln" ] || continue
		if [ "$key" = '!' ]; then
			case $val in
			*=*[!\ ]\ *[!\ ]*) die "$EX_USAGE" "$config:$ln: not a KEY=VALUE setting: $val (a value with blanks goes in quotes: KEY=\"A B\")" ;;
			*) die "$EX_USAGE" "$config:$ln: not a KEY=VALUE setting: $val" ;;
			esac
		fi
		if ! known "$key"; then
			case $key in
			HEALTH_* | DASHBOARD_HTML | TELEGRAM_* | UPLOAD_DEST | COINTRAIN_* | SLURM_CONF)
				warn "$config:$ln: $key: not a run-batch setting, ignored: set it in the environment (a crontab line above the cointrain block: cointrain-cron(8))" ;;
			*)
				# --show-config lists the known names: it must still run.
				m="$config:$ln: $key: unknown setting$(nearest "$key")"
				if [ "$show" = 1 ]; then warn "$m"
				else die "$EX_USAGE" "$m (run-batch --show-config lists the settings)"; fi ;;
			esac
		else
			# A second line for a setting wins, said: the first would
			# otherwise be dropped unseen (a line appended to the
			# shipped file, which sets every name).
			eval "first=\${line_$key:-}"
			[ -z "$first" ] || warn "$config:$ln: $key: set again (first on line $first): this line wins"
			eval "line_$key=\$ln"
			# empty means the default
			[ -z "$val" ] || setv "$key" "$val" "file $config:$ln"
		fi
	done <<EOF
$conf
EOF
fi
for v in $KNOWN; do
	eval "[ -z \"\${inenv_$v:-}\" ] || [ -z \"\$env_$v\" ] || setv $v \"\$env_$v\" environment"
done
env_typos
listed_SYMBOLS=$SYMBOLS listed_origin=$origin_SYMBOLS
for v in ENGINE MODE MAX_CONCURRENT SYMBOLS TIMEOUT_MINUTES RETRIES RETRY_ALL; do
	eval "o=\$o_$v"
	[ -z "$o" ] || setv "$v" "$o" option
done
[ -z "$EXCHANGE_URL" ] || { COINTRAIN_EXCHANGE_URL=$EXCHANGE_URL; export COINTRAIN_EXCHANGE_URL; }

# Every value is checked before anything runs: a bad one is a usage error
# that names the setting and where it came from.
# A value of the file is named by its file and line, as a bad line is;
# one of the environment by that; only an option's adds the usage.
# bad_from ORIGIN TEXT — the usage error TEXT about a value of ORIGIN.
bad_from() {
	case $1 in
	'file '*) die "$EX_USAGE" "${1#file }: $2" ;;
	option) bad "$2 (from $1)" ;;
	*) die "$EX_USAGE" "$2 (from $1)" ;;
	esac
}
badv() { eval "o=\$origin_$1"; bad_from "$o" "$1=$2: $3"; }
show_config() {
	echo "# run-batch $VERSION: configuration"
	echo "# data home:  $home"
	echo "# share:      $SHARE"
	echo "# file read:  ${config:-none}"
	for v in $KNOWN; do
		eval "printf '%-28s # %s\n' \"$v=\$$v\" \"\$origin_$v\""
	done
}
check_settings() {
	case $ENGINE in local | slurm) ;; *) badv ENGINE "$ENGINE" "engine must be local or slurm" ;; esac
	[ "$nowait" = 0 ] || [ "$ENGINE" != local ] ||
		badv ENGINE "$ENGINE" "--no-wait needs an engine that leaves its work running (slurm)"
	case $MODE in sequential | parallel | hybrid) ;; *) badv MODE "$MODE" "mode must be sequential, parallel or hybrid" ;; esac
	case $TIMEFRAME in 1m | 5m | 15m | 30m | 1h | 4h | 1d) ;; *) badv TIMEFRAME "$TIMEFRAME" "not a timeframe (1m 5m 15m 30m 1h 4h 1d)" ;; esac
	# Ranges: run-batch's own, else those of the tool the value goes to
	# (its man page), so that no coin fails on a setting.
	for v in RETRIES RETRY_BASE_SECONDS TRAIN_BATCH_SIZE RUNS_KEEP_DAYS FETCH_OFFLINE_AFTER; do
		eval "whole $v \"\$$v\" 0 999999999"
	done
	whole TOP_N "$TOP_N" 1 100000
	whole BACKUP_KEEP "$BACKUP_KEEP" 1 100000
	whole TUNE_TRIALS "$TUNE_TRIALS" 1 100000
	[ -z "$TRAIN_ROUNDS" ] || whole TRAIN_ROUNDS "$TRAIN_ROUNDS" 1 100000
	[ -z "$MAX_CONCURRENT" ] || whole MAX_CONCURRENT "$MAX_CONCURRENT" 1 999999999
	for v in TRAIN_LOOKBACK FETCH_LOOKBACK INCREMENTAL_FETCH_LOOKBACK; do
		eval "x=\$$v"
		[ -z "$x" ] || [ "$(candles "$x")" -ge 1 ] ||
			badv "$v" "$x" "not a number of candles (1 to 100000000) or a duration of at least one $TIMEFRAME candle"
	done
	[ -z "$DRIFT_WINDOW" ] || [ "$(candles "$DRIFT_WINDOW")" -ge 100 ] ||
		badv DRIFT_WINDOW "$DRIFT_WINDOW" "must be at least 100 candles (a count, or a duration of $TIMEFRAME candles)"
	for v in FETCH_ENABLED FULL_RETRAIN_ENABLED INCREMENTAL_ENABLED DRIFT_ENABLED TUNE_ENABLED \
		BACKUP_ENABLED RETRY_ALL; do
		eval "x=\$$v"
		case $x in 0 | 1) ;; *) badv "$v" "$x" "must be 0 or 1" ;; esac
	done
	for v in PREDICTION_CACHE_TTL PREGENERATE_TTL; do
		eval "x=\$$v"
		s=$(dur_s "$x") && [ "$s" -ge 1 ] && [ "$s" -le 31622400 ] ||
			badv "$v" "$x" "not a duration between 1s and 366d (90s 45m 6h 7d 2w)"
	done
	case $PREDICT_MAX_AGE in '' | off) ;; *) s=$(dur_s "$PREDICT_MAX_AGE") && [ "$s" -ge 1 ] ||
		badv PREDICT_MAX_AGE "$PREDICT_MAX_AGE" "not a duration or off" ;; esac
	case $RESUME_MAX_AGE in '' | off) ;; *) dur_s "$RESUME_MAX_AGE" >/dev/null ||
		badv RESUME_MAX_AGE "$RESUME_MAX_AGE" "not a duration or off" ;; esac
	case $TIMEOUT_MINUTES in
	'' | *[!0-9.]* | *.*.* | .) badv TIMEOUT_MINUTES "$TIMEOUT_MINUTES" "timeout must be a number of minutes" ;;
	esac
	awk -v m="$TIMEOUT_MINUTES" 'BEGIN { exit !(m * 60 >= 1) }' >/dev/null ||
		badv TIMEOUT_MINUTES "$TIMEOUT_MINUTES" "timeout must be at least a second (0.02 minutes)"
	# Its seconds are shell arithmetic (and Slurm's --time) further on.
	awk -v m="$TIMEOUT_MINUTES" 'BEGIN { exit !(m <= 525600) }' >/dev/null ||
		badv TIMEOUT_MINUTES "$TIMEOUT_MINUTES" "timeout must be at most a year (525600 minutes)"
	opts_ok TRAIN_ARGS "--horizon --folds --rounds --early-stop --row-step --costs --keep --memory --params" \
		"--keep-features --default-params" --threads
	opts_ok TUNE_ARGS "--jobs --seed --space --threads --halving" ""
	# shellcheck disable=SC2086 # option lists
	values_ok TRAIN_ARGS train-coin $TRAIN_ARGS
	# shellcheck disable=SC2086
	[ "$cycle" != tune ] || values_ok TUNE_ARGS tune-coin $TUNE_ARGS
	case $DRIFT_PSI_MAX in
	'' | *[!0-9.]* | *.*.* | .) badv DRIFT_PSI_MAX "$DRIFT_PSI_MAX" "must be a positive decimal number, such as 0.25" ;;
	*[1-9]*) ;;
	*) badv DRIFT_PSI_MAX "$DRIFT_PSI_MAX" "must be a positive decimal number, such as 0.25" ;;
	esac
}
# opts_ok NAME VALUED FLAGS [OWN] — the words of setting NAME are options of
# the lists VALUED (each with its value: --opt V or --opt=V) and FLAGS;
# the options run-batch sets itself (and OWN, for this tool) are refused,
# with the setting to use.
opts_ok() {
	n=$1 vo=" $2 " fo=" $3 " own=" --symbol --timeframe -s -t --home --fresh --incremental --progress ${4-} "
	eval "set -f; set -- \$$1; set +f"
	while [ $# -gt 0 ]; do
		o=${1%%=*}
		case $own in *" $o "*) badv "$n" "$*" "$o: run-batch gives it" ;; esac
		case $o in
		--lookback) badv "$n" "$*" "$o: set TRAIN_LOOKBACK" ;;
		--trials) badv "$n" "$*" "$o: set TUNE_TRIALS" ;;
		--horizon | --folds | --rounds | --early-stop | --row-step | --costs)
			# A search with other labels, folds or rounds than the
			# coin's training: its params.json would go unused.
			[ "$n" != TUNE_ARGS ] ||
				badv "$n" "$*" "$o: set it in TRAIN_ARGS$([ "$o" != --rounds ] || echo ' (or TRAIN_ROUNDS)'): a coin is tuned with its training's options, and train-coin does not take parameters tuned with others" ;;
		esac
		case $vo in *" $o "*)
			if [ "$o" = "$1" ]; then
				case ${2-} in '' | --*) badv "$n" "$1" "$1 wants a value" ;; esac
				shift
			fi
			shift; continue ;;
		esac
		case $fo in *" $1 "*) shift; continue ;; esac
		badv "$n" "$1" "not an option run-batch can pass on (see run-batch(1))"
	done
}
# collect_cmd — the command that collects this run's arrays: its cycle,
# engine and run, and its one-off --symbols (without, a start would add
# the configured coins the run does not list).
collect_cmd() {
	q=$o_SYMBOLS
	case $q in *[!A-Za-z0-9,._/-]*) q="'$q'" ;; esac
	echo "run-batch $cycle --engine slurm --run $run${o_SYMBOLS:+ --symbols $q}"
}
# tune_cores_ok — a search's fits share its coin's cores (COINTRAIN_THREADS,
# which tune-coin holds them to): TUNE_ARGS' --jobs (at least 1) times
# --threads past that share is a usage error, found before the run
# rather than in every coin's step.
tune_cores_ok() {
	[ "$cycle" = tune ] || return 0
	# shellcheck disable=SC2086 # an option list
	tj=$(opt_value --jobs $TUNE_ARGS) tt=$(opt_value --threads $TUNE_ARGS)
	[ $((${tj:-1} * ${tt:-1})) -le "$threads" ] ||
		badv TUNE_ARGS "$TUNE_ARGS" "--jobs ${tj:-1} x --threads ${tt:-1}: more than the $threads core(s) each coin has ($workers worker(s), $threads thread(s) each): lower them, or MAX_CONCURRENT"
}
# opt_value OPT WORD... — the value OPT is given among WORDS (--opt V or
# --opt=V; the last one), or nothing.
opt_value() {
	o=$1 v=''
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		"$o") v=${2-} ;;
		"$o"=*) v=${1#*=} ;;
		esac
		shift
	done
	echo "$v"
}
# values_ok NAME TOOL OPTION... — each option's value in its range, as
# the tool itself judges it: it parses its options in order and refuses
# a bad value (exit 2) before it reaches a last --help, which ends it
# (exit 0) with nothing done.  Its reason, naming the setting, exit 2.
values_ok() {
	n=$1 t=$2
	shift 2
	[ $# -gt 0 ] || return 0
	e=$("$t" --symbol CHECK --timeframe "$TIMEFRAME" "$@" --help 2>&1 >/dev/null) && return 0
	badv "$n" "$*" "$(printf '%s\n' "$e" | sed -n "1s/^$t: //p")"
}
# whole NAME VALUE MIN MAX — VALUE a whole number from MIN to MAX.
whole() {
	isnum "$2" || badv "$1" "$2" "must be a whole number"
	[ "${#2}" -le 9 ] && [ "$2" -le "$4" ] || badv "$1" "$2" "must be at most $4"
	[ "$2" -ge "$3" ] || badv "$1" "$2" "must be at least $3"
}
# candles N|DUR — how many TIMEFRAME candles a count or a duration is, as
# train-coin, fetch-candles and check-drift reckon it; 0 when it is none.
candles() {
	if isnum "$1"; then
		[ "${#1}" -le 9 ] && [ "$1" -le 100000000 ] && echo "$1" || echo 0
	elif c=$(dur_s "$1") && c=$((c / $(dur_s "$TIMEFRAME"))) && [ "$c" -le 100000000 ]; then
		echo "$c"
	else
		echo 0
	fi
}
# --show-config lists the values first, then says which are bad (exit 2).
if [ "$show" = 1 ]; then
	put "$(show_config)"
	check_settings
	exit 0
fi
check_settings
case $run in
'' | [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9]Z-"$cycle") ;;
*) bad "$run: run name must be YYYYMMDDTHHMMZ-$cycle" ;;
esac
# A time that exists (the ledger refuses 20261399T0000Z-...), and has
# come: a run named for the future would be the newest of its cycle for
# years, resumed by every start and judged by the health check instead
# of the runs that really ran.
if [ -n "$run" ]; then
	r=${run%%Z-*}
	r_at=$(echo "$r" | sed 's/^\(....\)\(..\)\(..\)T\(..\)\(..\)$/\1-\2-\3 \4:\5/')
	[ "$(date -u -d "$r_at" +%Y%m%dT%H%M 2>/dev/null)" = "$r" ] ||
		bad "$run: run name must be YYYYMMDDTHHMMZ-$cycle, a time that exists"
	[ "${r%T*}${r#*T}" -le "$(date -u +%Y%m%d%H%M)" ] ||
		bad "$run: a run is named for when it began: that time is still to come"
fi
timeout_s=$(awk -v m="$TIMEOUT_MINUTES" 'BEGIN { print int(m * 60 + 0.5) }')

# ---- 5. the plan ----
# Workers and threads: cores minus a reserve for the system,
# max(1, n - max(1, n/8)): 2 -> 1, 4 -> 3, 16 -> 14.
# nproc counts the cores this process may use (taskset, a Slurm cpuset).
cores=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
isnum "$cores" && [ "$cores" -ge 1 ] || cores=1
if [ -z "$MAX_CONCURRENT" ]; then
	r=$((cores / 8)); [ "$r" -ge 1 ] || r=1
	MAX_CONCURRENT=$((cores - r)); [ "$MAX_CONCURRENT" -ge 1 ] || MAX_CONCURRENT=1
fi
# Here, more workers than cores would only slow each other (and the
# box); a cluster's engine runs them elsewhere.
if [ "$ENGINE" = local ] && [ "$MODE" != sequential ] && [ "$MAX_CONCURRENT" -gt "$cores" ]; then
	warn "MAX_CONCURRENT=$MAX_CONCURRENT: more workers than the $cores cores here; $cores workers (from $origin_MAX_CONCURRENT)"
	MAX_CONCURRENT=$cores
fi
case $MODE in
sequential) workers=1; threads=$cores ;;
parallel) workers=$MAX_CONCURRENT; threads=1 ;;
hybrid) workers=$MAX_CONCURRENT; threads=$((cores / workers)) ;;
esac
[ "$threads" -ge 1 ] || threads=1

# Symbols: topN is the first N of share/symbols/topN (or top100); a
# readable file holds one symbol per line (# comments); else A,B,C.
symbols=''
# add_sym SYM PREFIX [SUFFIX] — SYM into $symbols; a bad one is a usage
# error, said between PREFIX (where it was read) and SUFFIX.
add_sym() {
	case $1 in
	[A-Z0-9]*) case $1 in *[!A-Z0-9._-]*) die "$EX_USAGE" "$2$1: bad symbol${3-}" ;; esac ;;
	*) die "$EX_USAGE" "$2$1: bad symbol${3-}" ;;
	esac
	[ "${#1}" -le 32 ] || die "$EX_USAGE" "$2$1: bad symbol (longer than 32)${3-}"
	case " $symbols " in *" $1 "*) ;; *) symbols="$symbols $1" ;; esac
}
# trim TEXT — TEXT without its outer blanks, in $l.
trim() { l=$1; l=${l#"${l%%[![:space:]]*}"} l=${l%"${l##*[![:space:]]}"}; }
read_list() {
	n=0 cr=$(printf '\r')
	while IFS= read -r l || [ -n "$l" ]; do
		n=$((n + 1))
		l=${l%%#*}
		# Without its carriage returns and outer blanks, by the shell: a
		# process or three a line cost a top100 list a second.
		while case $l in *"$cr"*) ;; *) false ;; esac; do l=${l%%"$cr"*}${l#*"$cr"}; done
		trim "$l"
		[ -n "$l" ] && add_sym "$l" "$1:$n: "
	done <"$1"
}
# symbol_list VALUE ORIGIN — the symbols of a SYMBOLS value into $symbols.
# A file named in the configuration file without a leading / is that
# file's neighbour (cron starts run-batch in $HOME, not the data home);
# one named by an option or the environment is found from the current
# directory.
symbol_list() {
	trim "$1"
	sv=$l so=$2 symbols='' sf=$l
	case $sv in /*) ;; *)
		case $so in 'file '*/*) sf=${so#file } sf=${sf%:*} sf=${sf%/*}/$sv ;; esac ;;
	esac
	case $so in 'file '*) sp="${so#file }: SYMBOLS=$sv: " ss='' ;; *) sp="SYMBOLS=$sv: " ss=" (from $so)" ;; esac
	case $sv in
	top[0-9]*)
		n=${sv#top}
		isnum "$n" && [ "$n" -ge 1 ] || bad_from "$so" "SYMBOLS=$sv: want topN, N at least 1"
		list=$SHARE/symbols/$sv
		[ -f "$list" ] || list=$SHARE/symbols/top100
		[ -f "$list" ] || die "$EX_FAIL" "$list: no symbol list"
		[ "$n" -le "$(grep -c '^[A-Z0-9]' "$list")" ] || bad_from "$so" "SYMBOLS=$sv: the longest list is top100"
		for s in $(grep '^[A-Z0-9]' "$list" | head -n "$n"); do add_sym "$s" ''; done ;;
	*,* | [A-Z0-9]*)
		# A file of that name here, not beside the configuration: said,
		# not taken for a coin of that name.
		[ "$sf" = "$sv" ] || [ -e "$sf" ] || [ ! -f "$sv" ] ||
			bad_from "$so" "SYMBOLS=$sv: no file $sf beside the configuration (the $sv here is not read: give its path)"
		if [ -f "$sf" ]; then
			read_list "$sf"
		else
			old_ifs=$IFS IFS=,
			set -f
			# shellcheck disable=SC2086
			set -- $sv
			set +f
			IFS=$old_ifs
			for s in "$@"; do trim "$s"; [ -z "$l" ] || add_sym "$l" "$sp" "$ss"; done
			[ -n "$symbols" ] || bad_from "$so" "SYMBOLS=$sv: no symbol in the list"
		fi ;;
	*)
		nf=''
		[ "$sf" = "$sv" ] || [ -e "$sf" ] || nf=" (no file $sf)"
		[ -f "$sf" ] && [ -r "$sf" ] ||
			bad_from "$so" "SYMBOLS=$sv: not topN, A,B,C or a readable file of symbols$nf"
		read_list "$sf" ;;
	esac
	[ -n "$symbols" ] || die "$EX_FAIL" "$sf: no symbols"
}
# The coins the cache keeps (see retire): those of the configured list,
# never of a one-off --symbols, and those of this run.
symbol_list "$listed_SYMBOLS" "$listed_origin"
listed=$symbols
[ "$origin_SYMBOLS" != option ] || symbol_list "$SYMBOLS" option
# shellcheck disable=SC2086
nsyms=$(echo $symbols | wc -w)

case $cycle in
full)
	[ "$FULL_RETRAIN_ENABLED" = 1 ] || { put "$prog: full retrain disabled (FULL_RETRAIN_ENABLED=$FULL_RETRAIN_ENABLED)"; exit 0; }
	step=fresh fetch_n=${FETCH_LOOKBACK:-$TRAIN_LOOKBACK} ;;
incremental)
	[ "$INCREMENTAL_ENABLED" = 1 ] || { put "$prog: incremental cycle disabled (INCREMENTAL_ENABLED=$INCREMENTAL_ENABLED)"; exit 0; }
	step=incremental fetch_n=$INCREMENTAL_FETCH_LOOKBACK ;;
tune)
	[ "$TUNE_ENABLED" = 1 ] || { put "$prog: tune cycle disabled (TUNE_ENABLED=$TUNE_ENABLED)"; exit 0; }
	step=tune fetch_n=${FETCH_LOOKBACK:-$TRAIN_LOOKBACK} ;;
predict) step='' fetch_n=$INCREMENTAL_FETCH_LOOKBACK ;;
esac

# run_age RUN — seconds since the run's start, from its name.
run_age() {
	s=${1%%Z-*}
	t=$(date -u -d "$(printf '%.4s-%.2s-%.2s %.2s:%.2s UTC' "$s" "${s#????}" "${s#??????}" \
		"${s#*T}" "${s#*T??}")" +%s 2>/dev/null) || { echo 0; return; }
	echo $(($(date +%s) - t))
}

# Which run: --run, else the newest unfinished run of this cycle younger
# than RESUME_MAX_AGE, else a new one.  A run is unfinished while it has
# pending symbols or running ones whose worker died.  The age limit keeps
# a full retrain that died last week from turning this week's into the
# leftovers of that one.
if [ -z "$RESUME_MAX_AGE" ]; then
	case $cycle in full | tune) RESUME_MAX_AGE=6d ;; incremental) RESUME_MAX_AGE=5h ;; *) RESUME_MAX_AGE=50m ;; esac
fi
resume_max=''
[ "$RESUME_MAX_AGE" = off ] || resume_max=$(dur_s "$RESUME_MAX_AGE")
resumed=0 same_minute=0 left=''
# unfinished RUN — work to do, work an engine still holds (runs/RUN/
# engine.jobs: a --no-wait or killed start's arrays), or a coin running
# under a worker only its engine can judge.
unfinished() {
	[ -e "$home/runs/$1/engine.jobs" ] ||
		[ -n "$(ledger --home "$home" todo "$1" --retries 0 2>/dev/null)" ] ||
		[ -n "$(ledger --home "$home" todo "$1" --unknown 2>/dev/null)" ]
}
if [ -z "$run" ]; then
	last=''
	for d in "$home"/runs/*T*Z-"$cycle"; do [ -f "$d/status.json" ] && last=${d##*/}; done
	[ -n "$last" ] && ! unfinished "$last" && last=''
	if [ -n "$last" ] && [ -n "$resume_max" ] && [ "$(run_age "$last")" -gt "$resume_max" ]; then
		warn "$last: unfinished but older than RESUME_MAX_AGE ($RESUME_MAX_AGE): starting a new run, the coins it left first"
		# Its arrays ran its coins, but only a start of it collects
		# them (their outcomes, its summary).
		[ ! -e "$home/runs/$last/engine.jobs" ] ||
			warn "$last: its Slurm arrays were never collected (no summary): \`run-batch $cycle --engine slurm --run $last' collects them, and resumes that run"
		left=$last last=''
	fi
	if [ -n "$last" ]; then
		run=$last; resumed=1
	else
		run=$(date -u +%Y%m%dT%H%MZ)-$cycle
		# A second start in the same minute names the same run, finished
		# or not: it goes on from its ledger rather than redo its coins.
		[ ! -f "$home/runs/$run/status.json" ] || resumed=1 same_minute=1
	fi
elif [ -f "$home/runs/$run/status.json" ]; then
	resumed=1
fi

# todo_list — the symbols this start works on, one per line: what the
# ledger still needs (all of it with --force) and symbols of the list the
# ledger lacks; a new run: the whole list.
todo_list() {
	if [ "$resumed" = 1 ]; then
		all=$(ledger --home "$home" todo "$run" --force)
		if [ "$force" = 1 ]; then echo "$all"; else ledger --home "$home" todo "$run" --retries "$RETRIES"; fi
		for s in $symbols; do printf '%s\n' "$all" | grep -qx "$s" || echo "$s"; done
	else
		# After a run left unfinished (older than RESUME_MAX_AGE), the
		# coins it did not do go first: else a start of TRAIN_BATCH_SIZE
		# coins a cron interval longer than that age would redo the
		# same coins for ever.
		{ [ -z "$left" ] || ledger --home "$home" todo "$left" --retries 1000 2>/dev/null
			for s in $symbols; do echo "$s"; done; } |
			awk -v syms=" $symbols " 'index(syms, " " $0 " ") && !seen[$0]++'
	fi | grep .
}

# space_need — the KB a training cycle needs, estimated on the generous
# side from the coins this start does (TRAIN_BATCH_SIZE at most): each
# new model as big as its current one plus 256 KB; a full cycle's backup
# as big as every current model; per worker a model's work files (136
# bytes a candle trained on) and a store rewritten by the fetch (the
# largest); 100 bytes a candle fetched into each store not there yet
# (a full cycle's candles for a coin the incremental cycle trains afresh);
# 1 MB for ledgers, logs and summaries.  0 for the predict cycle.
space_need() {
	[ "$cycle" != predict ] || { echo 0; return; }
	todo=$(todo_list)
	[ "$TRAIN_BATCH_SIZE" -eq 0 ] || todo=$(printf '%s\n' "$todo" | head -n "$TRAIN_BATCH_SIZE")
	n=0 fresh=0 whole=0
	for s in $todo; do
		n=$((n + 1))
		[ ! -f "$home/candles/$s/$TIMEFRAME.csv" ] || continue
		if [ "$cycle" = incremental ] && ! has_model "$s"; then whole=$((whole + 1))
		else fresh=$((fresh + 1)); fi
	done
	models=$(for s in $todo; do echo "$home/models/$s/current/"; done | kb_of sum)
	backup=0
	[ "$cycle" != full ] || [ "$BACKUP_ENABLED" != 1 ] ||
		backup=$(ls -d "$home"/models/*/current/ 2>/dev/null | kb_of sum)
	store=$(for s in $todo; do echo "$home/candles/$s/$TIMEFRAME.csv"; done | kb_of max)
	rows=$(candles "$TRAIN_LOOKBACK")
	fetched=0 all=0
	[ "$FETCH_ENABLED" != 1 ] || fetched=$(candles "${fetch_n:-0}") all=$(candles "${FETCH_LOOKBACK:-$TRAIN_LOOKBACK}")
	awk -v n="$n" -v m="$models" -v b="$backup" -v w="$workers" -v st="$store" -v r="$rows" \
		-v f="$fresh" -v c="$fetched" -v fa="$whole" -v ca="$all" 'BEGIN {
		printf "%d\n", m + 256 * n + b + w * (r * 136 / 1024 + st) + (f * c + fa * ca) * 100 / 1024 + 1024 }'
}
# kb_of sum|max — the sum or the largest of the sizes in KB of the paths
# on standard input (one a line) that are there.
kb_of() {
	while IFS= read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done |
		xargs -r -d '\n' du -skL 2>/dev/null |
		awk -v how="$1" '{ s += $1; if ($1 > m) m = $1 } END { print (how == "max" ? m : s) + 0 }'
}
# space_free DIR — the KB free to us on DIR's file system; nothing when
# df cannot tell.
space_free() {
	f=$(df -k --output=avail "$1" 2>/dev/null | tail -n 1 | tr -d ' ')
	case $f in '' | *[!0-9]*) ;; *) echo "$f" ;; esac
}
# mb KB — "1.5 MB".
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }

# engine_load — share/engine/ENGINE.sh sourced.
engine_load() {
	efile=$SHARE/engine/$ENGINE.sh
	[ -r "$efile" ] || die "$EX_USAGE" "$efile: no such engine"
	# An engine that cannot say why a worker was lost need not define it.
	engine_why() { :; }
	engine_busy() { :; }
	# shellcheck disable=SC1090
	. "$efile"
}
# lost_why SYM WORKER — "worker lost (WORKER: reason)": the worker when
# the ledger has it, the engine's reason when it has one (a Slurm task's
# time limit, an out-of-memory kill, scancel).
lost_why() {
	r=$(engine_why "$1" "$2" 2>/dev/null | head -n 1)
	r=$2${2:+${r:+: }}$r
	echo "worker lost${r:+ ($r)}"
}
# last_try ATTEMPT — a coin_failed's final: "true" when no retry follows
# a retriable failure at ATTEMPT.
last_try() { [ "$1" -le "$RETRIES" ] && echo false || echo true; }
# lost_now SYM WORKER — SYM, left running by WORKER of an earlier start
# that is gone, lost that attempt: recorded, so that its retries count it.
lost_now() {
	why=$(lost_why "$1" "$2")
	ledger set "$run" "$1" failed --error "$why" --error-type lost || return
	coin_record "$1"
	event coin_failed symbol="$1" ${rec_att:+attempt:="$rec_att"} status:=null error_type=lost \
		error="$why" final:="$(last_try "${rec_att:-0}")"
}

# dry_plan — what --dry-run prints: the run, the engine's plan, the
# steps, the run's coins, those still to do.
dry_plan() {
	echo "run:      $run ($([ "$resumed" = 1 ] && echo resumed || echo new))"
	echo "cycle:    $cycle; timeframe $TIMEFRAME; engine $plan"
	echo "per coin: timeout ${timeout_s}s, $RETRIES retries$([ "$RETRY_ALL" = 1 ] && echo ' (all failures)'), backoff base ${RETRY_BASE_SECONDS}s"
	f=''
	[ "$FETCH_ENABLED" = 1 ] && [ -n "$fetch_n" ] && f="fetch $fetch_n candles of every coin first; "
	[ "$FETCH_ENABLED" = 1 ] && [ "$cycle" = incremental ] &&
		f="fetch $fetch_n candles of every coin first (${FETCH_LOOKBACK:-$TRAIN_LOOKBACK} of a coin without a model, trained afresh); "
	[ "$FETCH_ENABLED" = 1 ] && [ "$cycle" = predict ] &&
		f="fetch the candles after each served coin's newest first; "
	step_ttl "$step"
	c="each new model's prediction cached at once (ttl $ttl)"
	b="back up models (keep $BACKUP_KEEP); "
	[ "$BACKUP_ENABLED" = 1 ] || b=''
	el=$home/logs/$run/engine.log
	if [ -n "$b" ] && grep -q '"event":"backup_succeeded"' "$el" 2>/dev/null; then
		b="models backed up by this run already; "
	elif [ -n "$b" ] && grep -q '"event":"backup_skipped"' "$el" 2>/dev/null; then
		b="no backup (no model when this run began); "
	fi
	case $cycle in
	full) steps="pre-generate predictions (ttl $PREGENERATE_TTL); ${b}${f}train-coin --fresh; $c; summarize" ;;
	incremental) d=''
		[ "$DRIFT_ENABLED" = 1 ] && d="check-drift (PSI >= $DRIFT_PSI_MAX: --fresh); "
		steps="${f}${d}train-coin --incremental; $c; summarize" ;;
	tune) steps="${f}tune-coin --trials $TUNE_TRIALS${TUNE_ARGS:+ $TUNE_ARGS} (models/SYM/params.json); summarize" ;;
	predict) steps="${f}predict | cache-put --ttl $PREDICTION_CACHE_TTL --top $TOP_N; summarize" ;;
	esac
	echo "steps:    $steps"
	d=$home
	[ -d "$d" ] || d=$(dirname "$home")
	f=$(space_free "$d")
	f=${f:+$(mb "$f") free}
	if [ "$cycle" = predict ]; then echo "disk:     ${f:-free space unknown}"
	else echo "disk:     ${f:-free space unknown}; the cycle needs about $(mb "$(space_need)")"; fi
	# shellcheck disable=SC2086
	echo "coins:    $nsyms in the run:" $symbols
	todo=$(todo_list)
	echo "symbols:  $(printf '%s\n' "$todo" | grep -c .) to do:" $todo
	# A batch holding the lock now: a real start would wait or be refused
	# (after the moment a start gives a health check holding it).
	# Or work of another run the engine still has out (Slurm arrays).
	l=$home/runs/.batch.lock h=''
	if [ -f "$l" ] && [ ! -L "$l" ] && ! flock -w 0.2 "$l" true 2>/dev/null; then
		h=$(head -n 1 "$l" 2>/dev/null)
		h=${h:- }
	else
		h=$(engine_busy)
	fi
	[ -z "$h" ] || echo "batch:    another batch is running$([ "$h" = ' ' ] || echo " ($h)"): a start now waits with --wait, else is refused (exit $EX_LOCKED)"
}
if [ "$dry" = 1 ]; then
	[ -d "$home" ] || warn "$home: no data home there; a run would make a new one"
	engine_load
	# A usage error the engine finds (SLURM_SBATCH_ARGS) keeps its status.
	# Run here, not in $(...): what it sets (the Slurm task's threads)
	# is what tune_cores_ok judges, as in a real start.
	pf=$(mktemp "${TMPDIR:-/tmp}/run-batch-plan.XXXXXX") || die "$EX_FAIL" "cannot make a temporary file"
	# A usage error of the engine exits from inside it.
	trap 'rm -f "$pf"' EXIT
	engine_plan >"$pf"
	st=$?
	plan=$(cat "$pf")
	rm -f "$pf"
	trap - EXIT
	[ "$st" = 0 ] || exit "$st"
	tune_cores_ok
	put "$(dry_plan)"
	exit 0
fi

# ---- 6. one batch per data home; the ledger; temporaries ----
# A new data home is made, and said (a mistyped COINTRAIN_HOME would
# otherwise fill a second home while the real one goes stale).
if [ ! -d "$home" ]; then
	mkdir -p "$home" 2>/dev/null || die "$EX_FAIL" "$home: cannot create the data home"
	warn "$home: no data home there; a new one was made"
fi
h0=$home
home=$(cd "$h0" 2>/dev/null && pwd) || die "$EX_USAGE" "$h0: cannot enter the data home (its permissions: run as its owner)"
COINTRAIN_HOME=$home
export COINTRAIN_HOME
# writable DIR — creates DIR or says why the data home cannot be written.
writable() {
	e=$(mkdir -p "$1" 2>&1 && : 2>&1 >>"$1/.probe" && rm -f "$1/.probe") && return 0
	die "$EX_FAIL" "$1: cannot write in the data home: ${e##*: }"
}
writable "$home/runs"
# The shell's >> follows a symbolic link: one planted as the lock must not
# make us open whatever it names.
[ ! -L "$home/runs/.batch.lock" ] || die "$EX_FAIL" "$home/runs/.batch.lock: a symbolic link; refusing it"
# A FIFO there would hold the open below for ever (and every later start).
[ ! -e "$home/runs/.batch.lock" ] || [ -f "$home/runs/.batch.lock" ] ||
	die "$EX_FAIL" "$home/runs/.batch.lock: not a regular file; refusing it"
exec 9>>"$home/runs/.batch.lock" || die "$EX_FAIL" "$home/runs/.batch.lock: cannot open"
lockpid=''
# Readers that ask whether a batch runs (summarize's health check,
# coin-status) hold the lock for an instant: a moment's wait tells them
# from a batch, so an hourly check never turns away the hourly cycle.
if ! flock -w 0.2 9; then
	if [ "$wait_lock" = 1 ]; then
		warn "another batch is running in $home; waiting"
		# In the background, so that a signal is handled while we wait
		# (the shell defers traps until a foreground child ends); the
		# lock belongs to the descriptor flock shares with us.
		trap '[ -z "$lockpid" ] || kill "$lockpid" 2>/dev/null; exit 130' INT TERM HUP
		flock 9 &
		lockpid=$!
		wait "$lockpid" || die "$EX_FAIL" "$home/runs/.batch.lock: cannot lock"
		lockpid=''
		trap - INT TERM HUP
	else
		warn "another batch is running in $home; not starting (use --wait to wait)"
		exit "$EX_LOCKED"
	fi
fi
# The lock names the run it is held for (the health check judges a run
# left unfinished while a batch of another run holds it).
# Advisory: a disk too full for it stops nothing here (the ledger says so).
{ printf '%s\n' "$run" >"$home/runs/.batch.lock"; } 2>/dev/null ||
	warn "$home/runs/.batch.lock: cannot write the run's name in it"

# Engine: share/engine/ENGINE.sh defines engine_check, engine_plan
# (--dry-run), engine_run LIST, engine_stop and engine_alive WORKER, and
# may define engine_submit LIST
# (--no-wait); see run-batch(1), ENGINES.  Its check comes first: an
# engine that left work of earlier starts running (a cluster's job
# arrays) waits for it or refuses to start here.
engine_load
# An interrupt from here on, while the engine waits for an earlier
# start's work too: the engine stops what this start began, the run (once
# it has a ledger) logs job_interrupted, exit 130.
on_signal() {
	trap '' INT TERM HUP
	warn "$run: interrupted by SIG$1"
	[ -z "${backoff_sleep:-}" ] || kill "$backoff_sleep" 2>/dev/null
	# A fetch under way: stopped (its store is written whole or not at
	# all), and waited for, so that nothing of this run outlives it.
	[ -z "${fetch_pid:-}" ] || { kill -TERM "$fetch_pid" 2>/dev/null; wait "$fetch_pid"; }
	engine_stop
	[ ! -f "$home/runs/$run/status.json" ] || event job_interrupted signal="$1"
	exit 130
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP
engine_check || exit "$EX_FAIL"
tune_cores_ok

# Temporaries of our own writers killed with SIGKILL (no handler ran):
# under the batch lock no batch writer is between create and rename, and
# no step of an earlier run is alive -- but the tasks of a run whose Slurm
# arrays no start has collected (engine.jobs) may still read its tmp/.
find "$home/summary" "$home/backups" -name '.*.tmp.*' -type f -exec rm -f {} + 2>/dev/null
for d in "$home"/runs/*/tmp; do
	[ -d "$d" ] && [ ! -e "${d%/tmp}/engine.jobs" ] && rm -rf "$d"
done
# A ledger's own (runs/RUN/.status.json.tmp.*): the ledger sweeps them
# when it next locks its run, but a run killed before its first
# status.json is never locked again.  (Its coin records' temporaries are
# swept when a start initializes the run; one a killed hand-made change
# left in a run no start resumes goes when the run is pruned.)
find "$home/runs" -mindepth 2 -maxdepth 2 -name '.*.tmp.*' -type f 2>/dev/null |
	while IFS= read -r f; do
		d=${f%/*}
		[ -e "$d/engine.jobs" ] || rm -f "$f"
	done
# A training cycle does not start on a disk it would fill (the leftovers
# of killed runs swept first): the coins would fail one by one, the
# ledger and the summary half-written.
need=$(space_need) free=$(space_free "$home")
[ -z "$free" ] || [ "$free" -ge "$need" ] ||
	die "$EX_FAIL" "$run: the data home's disk has $(mb "$free") free; this $cycle cycle needs about $(mb "$need") (new models, their work files, the fetched candles, a backup): not started"
printf '%s\n' $symbols | ledger init "$run" || die "$EX_FAIL" "$run: cannot initialize the ledger"
# What an earlier start left for this one (TRAIN_BATCH_SIZE) is this one's now.
rm -f "$home/runs/$run/deferred"
log=$home/logs/$run
tmp=$home/runs/$run/tmp
writable "$log"
writable "$tmp"
: >"$tmp/cached"
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' $symbols >"$tmp/symbols"
# shellcheck disable=SC2086
printf '%s\n' $listed $symbols >"$tmp/listed"
# The coins kept, beside the ledger: summarize's health check looks at
# those of the newest run only (a retired coin's model and candles age).
sort -u "$tmp/listed" >"$tmp/listed.sorted" &&
	mv -f "$tmp/listed.sorted" "$home/runs/$run/listed" || die "$EX_FAIL" "$run: cannot write runs/$run/listed"

# A coin left running by a worker the ledger cannot judge from here (a
# Slurm task, another host's process) is asked about to the engine; one
# that is gone was lost, and is retried like any lost worker.
ledger todo "$run" --unknown | while read -r s w; do
	engine_alive "$w"
	[ $? -ne 1 ] || lost_now "$s" "$w"
done
# One left running by a worker of this host that is gone (a batch killed
# with -9 while the coin trained) lost that attempt: recorded as such,
# so its retries count it.
ledger todo "$run" --lost | while read -r s; do
	ledger set "$run" "$s" failed --error "worker lost (its batch was killed)" --error-type lost &&
		event coin_failed symbol="$s" status:=137 error_type=lost \
			error="worker lost (its batch was killed)" final:=false
done

# What every step needs, for the steps the engine starts (an engine
# names its own workers with CT_WORKER).
unset CT_WORKER
CT_RUN=$run CT_LOG=$log CT_TMP=$tmp CT_STEP=$step CT_TIMEOUT_S=$timeout_s CT_THREADS=$threads
COINTRAIN_THREADS=$threads
# train-coin and tune-coin set OMP_WAIT_POLICY=passive, unless it is set,
# and execute themselves again: set once here, a process a coin less
# (every child gets it; only OpenMP's users read it).
: "${OMP_WAIT_POLICY:=passive}"
# shellcheck disable=SC2086
export $KNOWN CT_RUN CT_LOG CT_TMP CT_STEP CT_TIMEOUT_S CT_THREADS COINTRAIN_THREADS OMP_WAIT_POLICY

started_s=$(date +%s) batchpid=$$
event job_started cycle="$cycle" symbols:="$nsyms" engine="$ENGINE" mode="$MODE" workers:="$workers" \
	threads:="$threads" resumed:="$([ "$resumed" = 1 ] && echo true || echo false)" pid:=$$
# On a cluster without a % limit, the cluster decides how many run.
par="$workers worker(s) x $threads thread(s)"
[ "$ENGINE" != slurm ] || [ "$origin_MAX_CONCURRENT" != default ] || [ "$MODE" = sequential ] ||
	par="Slurm tasks of $threads thread(s), as many at a time as the cluster runs"
echo "$prog: $run: $cycle cycle, $nsyms symbols, $par$([ "$resumed" = 1 ] && echo ', resumed')" >&2

# counts NAME — a count from the run's summary (summarize prints one
# top-level field per line), else from the ledger's closing line
# ("# RUN: 0 pending, 1 running, 2 success, 3 failed, 0 skipped").
counts() {
	c=$(printf '%s\n' "$sumout" | sed -n "s/^  \"$1\": \([0-9]*\),*$/\1/p")
	[ -n "$c" ] || case $1 in
	succeeded) c=$(ledger_count success) ;;
	pending)
		p=$(ledger_count pending) r=$(ledger_count running)
		[ -z "$p$r" ] || c=$((${p:-0} + ${r:-0})) ;;
	*) c=$(ledger_count "$1") ;;
	esac
	echo "$c"
}
ledger_count() {
	ledger show "$run" --table 2>/dev/null | tail -n 1 | sed -n "s/.* \([0-9][0-9]*\) $1[,]*\( .*\)*$/\1/p"
}

# finish — summary, the closing event, pruning, the exit status: 0 only
# when every coin succeeded (or was skipped) and the cache was written.
finish() {
	sumrc=0
	# A run we cannot summarize (say, its ledger was damaged) did not succeed.
	# In memory: a full disk must not cost the counts too.
	: >"$tmp/summarize.start" 2>/dev/null
	sumout=$(summarize "$run") || { warn "$run: summarize failed"; sumrc=1; }
	ok=$(counts succeeded) failed=$(counts failed) pending=$(counts pending)
	failed_syms=$(sort -u "$tmp/failed" 2>/dev/null | tr '\n' ' ')
	# Coins left by TRAIN_BATCH_SIZE, and only those, are no fault of
	# this start: the run says so (runs/RUN/deferred, for the health
	# check) until a later start of the run, which clears it as it begins.
	undone=${pending:-0}
	if [ -s "$tmp/deferred" ]; then
		left=$(ledger --home "$home" todo "$run" --retries 0 2>/dev/null)
		if [ -n "$left" ] && [ -z "$(printf '%s\n' "$left" | grep -vxF -f "$tmp/deferred")" ]; then
			printf '%s\n' "$left" | grep -c . >"$home/runs/$run/deferred" 2>/dev/null && undone=0
		fi
	fi
	unwell=''
	[ "$sumrc" -eq 0 ] && [ "${failed:-0}" -eq 0 ] && [ "$undone" -eq 0 ] &&
		[ ! -e "$tmp/cache_failed" ] && [ ! -s "$tmp/drift-failed" ] && [ ! -e "$tmp/backup_failed" ] ||
		unwell=1
	event job_completed cycle="$cycle" succeeded:="${ok:-0}" failed:="${failed:-0}" \
		pending:="${pending:-0}" cache_ok:="$([ -e "$tmp/cache_failed" ] && echo false || echo true)" \
		seconds:=$(($(date +%s) - started_s))
	prune
	if [ -z "$ok$failed$pending" ]; then msg="counts unknown (the ledger cannot be read)"
	else msg="${ok:-0} succeeded, ${failed:-0} failed, ${pending:-0} left"; fi
	[ ! -f "$home/runs/$run/deferred" ] ||
		msg="$msg (for the next start: TRAIN_BATCH_SIZE=$TRAIN_BATCH_SIZE)"
	[ -z "$failed_syms" ] || msg="$msg (failed: ${failed_syms% })"
	[ ! -s "$tmp/drift-failed" ] ||
		msg="$msg; drift check FAILED, retrained fresh: $(tr '\n' ' ' <"$tmp/drift-failed" | sed 's/ $//')"
	[ ! -s "$tmp/drifted" ] || msg="$msg; drifted, retrained fresh: $(tr '\n' ' ' <"$tmp/drifted" | sed 's/ $//')"
	[ ! -s "$tmp/drift-updated" ] ||
		msg="$msg; drifted within their training candles, not retrained (an update was tried): $(tr '\n' ' ' <"$tmp/drift-updated" | sed 's/ $//')"
	[ ! -e "$tmp/cache_failed" ] || msg="$msg; the prediction cache was NOT refreshed"
	[ ! -e "$tmp/backup_failed" ] || msg="$msg; the model backup FAILED (see $log/backup.log)"
	if disk_full; then
		msg="$msg; the data home's disk is full"
	elif [ -e "$tmp/enospc" ]; then
		msg="$msg; a disk filled during this start (No space left on device: see the failed coins' training.log)"
	fi
	# summarize writes the summary before it judges the run (exit 1 for
	# unreadable figures, say): the file says whether there is one; one
	# older than this summarize is an earlier start's.
	sf=$home/summary/$run/engine_summary.json
	if [ -f "$sf" ] && { [ "$sumrc" -eq 0 ] || [ "$sf" -nt "$tmp/summarize.start" ]; }; then
		msg="$msg; summary in $sf"
	elif [ -f "$sf" ]; then
		msg="$msg; no summary written (the one in $sf is an earlier start's)"
	else
		msg="$msg; no summary written"
	fi
	echo "$prog: $run: $msg" >&2
	[ -z "$unwell" ]
	exit
}
# prune — remove the ledgers, logs and summaries of runs older than
# RUNS_KEEP_DAYS (0: keep all), those of predict runs (24 a day, one
# record per coin each) older than two days at most; also logs and
# summaries whose ledger is gone.  Runs of every cycle, so that a cycle
# no longer run (TUNE_ENABLED=0) does not keep its runs for ever; but
# another cycle's run only once it ended (its summary written) and no
# job array of it is out: its own cycle's next start may resume it
# (RESUME_MAX_AGE=off) or collect its arrays.  Run names sort by time:
# one cutoff name a cycle, not a clock reading per run.
prune() {
	[ "$RUNS_KEEP_DAYS" -gt 0 ] || return 0
	now=$(date +%s) days=$RUNS_KEEP_DAYS
	[ "$days" -le 2 ] || days=2
	cutoff=$(date -u -d "@$((now - RUNS_KEEP_DAYS * 86400))" +%Y%m%dT%H%MZ) &&
		pcutoff=$(date -u -d "@$((now - days * 86400))" +%Y%m%dT%H%MZ) || return 0
	for d in "$home"/runs/*T*Z-* "$home"/logs/*T*Z-* "$home"/summary/*T*Z-*; do
		[ -d "$d" ] && echo "${d##*/}"
	done | sort -u | awk -v c="$cutoff" -v p="$pcutoff" -v r="$run" '
		/^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9]Z-[a-z]+$/ &&
		$0 != r && substr($0, 1, 14) < (substr($0, 16) == "predict" ? p : c)' |
		while read -r old; do
			[ "${old#*Z-}" = "$cycle" ] || [ ! -d "$home/runs/$old" ] ||
				{ [ -f "$home/summary/$old/engine_summary.json" ] &&
				[ ! -e "$home/runs/$old/engine.jobs" ]; } || continue
			rm -rf "$home/runs/$old" "$home/logs/$old" "$home/summary/$old"
		done
}
# retire — a coin no longer in the configured symbol list (SYMBOLS, not
# a one-off --symbols: that would retire every other coin) leaves the
# cache (and so the top list) at the next cycle.
retire() {
	# A file whose name is no symbol is not the cache's (cache-put would
	# refuse the whole --clear for it): left alone.
	for f in "$home"/cache/predictions/*.json; do
		[ -e "$f" ] || continue
		s=${f##*/}; echo "${s%.json}"
	done | grep -E '^[A-Z0-9][A-Z0-9._-]{0,31}$' | grep -vFx -f "$tmp/listed" >"$tmp/retired"
	[ -s "$tmp/retired" ] || return 0
	# shellcheck disable=SC2046
	if cache-put --clear $(cat "$tmp/retired") 2>>"$log/predict.log"; then
		event coins_retired symbols="$(tr '\n' ' ' <"$tmp/retired" | sed 's/ $//')"
	else
		warn "$run: coins no longer in SYMBOLS were not cleared from the cache: $(why_of "$log/predict.log")"
		: >"$tmp/cache_failed"
	fi
}
# refresh TTL — every coin's prediction into the cache; a cache that was
# not written fails the cycle.  $tmp/cached then holds the refresh's
# lines only (not also those the coins' steps cached as they went).
refresh() {
	: >"$tmp/cached"
	# Where this refresh's lines begin in the log, and the coins predict
	# made a line for: each failed coin's own reason (failed_why).
	pfrom=$({ wc -c <"$log/predict.log"; } 2>/dev/null) || pfrom=0
	predicted=$tmp/predicted
	: >"$predicted"
	cache_coins "$tmp/symbols" "$1" "$TOP_N" && { predicted=''; return 0; }
	predicted=
	: >"$tmp/cache_failed"
	warn "$run: the prediction cache was not (fully) refreshed: $(why_of "$log/predict.log")"
	event job_failed step=cache error="$(why_of "$log/predict.log")"
	return 1
}

# fetch_all FILE — the new candles of every coin listed in FILE (before
# training or predicting).
# A failed fetch leaves the coin to train or predict on its stored candles (a warning
# and the age of its newest candle in the event log); after
# FETCH_OFFLINE_AFTER temporary failures in a row the exchange counts as
# unreachable and the rest of the cycle fetches nothing.
# candle_age SYM — seconds since the newest stored candle opened.
candle_age() {
	# The last row's open time (a store may end in blank lines).
	t=$(tail -n 16 "$home/candles/$1/$TIMEFRAME.csv" 2>/dev/null |
		awk -F, '$1 ~ /^[0-9]+$/ { t = $1 } END { print t }')
	isnum "$t" && echo $(($(date +%s) - t / 1000)) || echo -1
}
fetch_all() {
	streak=0 on='training on'
	[ "$cycle" != predict ] || on='predicting from'
	while read -r s; do
		if [ "$streak" -ge "$FETCH_OFFLINE_AFTER" ]; then
			echo "$s" >>"$tmp/unfetched"
			continue
		fi
		mkdir -p "$log/$s"
		echo "== $(now_iso) $run fetch" >>"$log/$s/training.log"
		# The predict cycle fetches only what follows the newest stored
		# candle (hourly: a request, an append), the others the last
		# fetch_n candles (which also fill a gap among them).
		lb=$fetch_n
		[ "$cycle" != predict ] || [ ! -s "$home/candles/$s/$TIMEFRAME.csv" ] || lb=''
		# A coin the incremental cycle trains afresh (no model yet: a
		# new coin, a first install) needs a full cycle's candles.
		[ "$cycle" != incremental ] || has_model "$s" || lb=${FETCH_LOOKBACK:-$TRAIN_LOOKBACK}
		# In the background, so that a signal is acted on at once (its
		# retries may take a minute), not once it ends.
		timeout -k 10 "$timeout_s" fetch-candles --symbol "$s" --timeframe "$TIMEFRAME" \
			${lb:+--lookback "$lb"} >>"$log/$s/training.log" 2>&1 &
		fetch_pid=$!
		wait "$fetch_pid"
		frc=$?
		fetch_pid=''
		if [ "$frc" -eq 0 ]; then
			streak=0
			# A tune run's fetched coins: a resumed start fetches the others.
			[ "$cycle" != tune ] || echo "$s" >>"$home/runs/$run/fetched"
			continue
		fi
		[ "$frc" -eq "$EX_TEMPFAIL" ] || [ "$frc" -ge 124 ] && streak=$((streak + 1)) || streak=0
		age=$(candle_age "$s")
		if [ "$age" -ge 0 ]; then
			warn "$s: fetch failed (status $frc); $on the stored candles (newest $(fmt_s "$age") old)"
		else
			warn "$s: fetch failed (status $frc); no candles stored"
		fi
		event fetch_failed symbol="$s" status:="$frc" candle_age_s:="$age" \
			error="$(reason "$log/$s/training.log")"
	done <"$1"
	if [ -s "$tmp/unfetched" ]; then
		warn "$run: the exchange looks unreachable ($FETCH_OFFLINE_AFTER temporary failures in a row): not fetching $(grep -c . "$tmp/unfetched") more coins"
		event exchange_unreachable skipped:="$(grep -c . "$tmp/unfetched")"
	fi
}

# failed_why — the predict cycle's failed coins ($tmp/failed) into the
# ledger, each with its own reason: predict's last line naming the coin
# ("predict: SYM: ..."), else the log's last line (a cache that could not
# be written fails them all alike).  One ledger change per reason.
failed_why() {
	pl=$log/predict.log tab=$(printf '\t')
	# Only what this cycle's predict said (a resumed run's log holds an
	# earlier start's lines), and only of coins it made no line for: one
	# predicted (from stale candles, say) but not cached failed for the
	# cache's reason, the log's last line.
	tail -c +"$((${pfrom:-0} + 1))" "$pl" >"$tmp/predict.now" 2>/dev/null || : >"$tmp/predict.now"
	: >>"$tmp/predicted"
	FB=$(why_of "$pl") awk '
		FILENAME == ARGV[1] { failed[$0] = 1; next }
		FILENAME == ARGV[2] { made[$0] = 1; next }
		index($0, "predict: ") == 1 {
			r = substr($0, 10); i = index(r, ": "); s = substr(r, 1, i - 1)
			if (i > 1 && (s in failed) && !(s in made)) why[s] = $0
		}
		END { for (s in failed) print s "\t" (s in why ? why[s] : ENVIRON["FB"]) }' \
		"$tmp/failed" "$tmp/predicted" "$tmp/predict.now" | sort -t "$tab" -k 2 >"$tmp/failed.why"
	cut -f 2 "$tmp/failed.why" | uniq | while IFS= read -r why; do
		W=$why awk -F '\t' '$2 == ENVIRON["W"] { print $1 }' "$tmp/failed.why" |
			ledger set "$run" - failed --error-type error --error "not cached: $why"
	done
}

# ---- 7a. the predict cycle: no training ----
if [ "$cycle" = predict ]; then
	# The coins served: those with a model.
	while read -r s; do
		! has_model "$s" || echo "$s"
	done <"$tmp/symbols" >"$tmp/served"
	[ "$FETCH_ENABLED" = 1 ] && [ -s "$tmp/served" ] && fetch_all "$tmp/served"
	retire
	refresh "$PREDICTION_CACHE_TTL"
	# Each coin's outcome, then one ledger change per outcome (a ledger
	# change per coin costs milliseconds a coin at 10,000 coins); the
	# cached coins in one pass, not a grep of the cached lines per coin.
	: >"$tmp/skip"
	sed -n 's/^{"symbol": *"\([^"]*\)".*/\1/p' "$tmp/cached" | sort -u >"$tmp/cached.syms"
	grep -Fxf "$tmp/cached.syms" "$tmp/symbols" >"$tmp/ok"
	grep -vFxf "$tmp/cached.syms" "$tmp/symbols" | while read -r s; do
		if has_model "$s"; then
			echo "$s" >>"$tmp/failed"
		else
			echo "$s" >>"$tmp/skip"
		fi
	done
	[ ! -s "$tmp/ok" ] || ledger set "$run" - success <"$tmp/ok"
	[ ! -s "$tmp/skip" ] || ledger set "$run" - skipped --error "no current model" <"$tmp/skip"
	[ ! -s "$tmp/failed" ] || failed_why
	n=$(grep -c . "$tmp/ok")
	event cache_refreshed ttl="$PREDICTION_CACHE_TTL" predictions:="$n"
	finish
fi

# ---- 7b. full: a safety net first ----
if [ "$cycle" = full ]; then
	: >"$tmp/cached.pre"
	cache_coins "$tmp/symbols" "$PREGENERATE_TTL" || warn "$run: pre-generation incomplete (see $log/predict.log)"
	event cache_pregenerated ttl="$PREGENERATE_TTL" predictions:="$(grep -c . "$tmp/cached")"
	: >"$tmp/cached"
	# One backup per run: the one taken before its first coin was
	# retrained.  A resume backing up again would archive half-retrained
	# models and, after BACKUP_KEEP resumes, rotate the good one away.
	# A data home without a model yet has nothing to back up: said, and
	# it counts as the run's backup (a resume must not archive the
	# models the run has made since).
	if [ "$BACKUP_ENABLED" = 1 ] && grep -q '"event":"backup_succeeded"' "$log/engine.log" 2>/dev/null; then
		echo "$prog: $run: models already backed up by this run" >&2
	elif [ "$BACKUP_ENABLED" = 1 ] && grep -q '"event":"backup_skipped"' "$log/engine.log" 2>/dev/null; then
		echo "$prog: $run: no model to back up when this run began; none now (it would hold the models this run made)" >&2
	elif [ "$BACKUP_ENABLED" = 1 ] && grep -q '"event":"backup_failed"' "$log/engine.log" 2>/dev/null &&
		ledger show "$run" 2>/dev/null | grep -q '"status": "success"'; then
		# An archive now would hold the models this run made, not those
		# they replaced: none is taken, and the failure stands (the
		# health check's backup check fails until a full run backs up).
		warn "$run: this run's model backup failed, and coins it retrained since serve new models: no backup taken now (it would hold those, not the models they replaced); model-backup by hand backs up what is serving"
		: >"$tmp/backup_failed"
	elif [ "$BACKUP_ENABLED" = 1 ] && ! ls -d "$home"/models/*/current >/dev/null 2>&1; then
		event backup_skipped reason="no model yet"
	elif [ "$BACKUP_ENABLED" = 1 ]; then
		if b=$(model-backup --keep "$BACKUP_KEEP" 2>>"$log/backup.log"); then
			event backup_succeeded archive="$b"
		else
			event backup_failed error="$(why_of "$log/backup.log")"
			warn "model backup failed (see $log/backup.log); retraining anyway"
			: >"$tmp/backup_failed"
		fi
	fi
fi

# The coins of this start, in list order; TRAIN_BATCH_SIZE > 0 takes
# only that many (the rest wait for the next start).
todo_list >"$tmp/todo"
# nothing_left — why a resumed run has no coin to do: coins that failed
# with no retries left, or every coin done.
nothing_left() {
	nf=$(ledger todo "$run" --retries 1000 | grep -c .)
	if [ "$nf" -gt 0 ]; then
		echo "$prog: $run: nothing to train: $nf coin(s) failed with no retries left (--retries or --force tries them again)" >&2
	elif [ "$same_minute" = 1 ]; then
		echo "$prog: $run: every coin of this run is done already (a second start within its minute resumes it); nothing to train (--force redoes them)" >&2
	else
		echo "$prog: $run: every coin of this run is done already; nothing to train (--force redoes them)" >&2
	fi
}
# A start that resumes a run with nothing left (named with --run, the
# cycle's newest unfinished one whose arrays it collected, or the run of
# the same minute) says so, rather than end silently.
[ "$resumed" = 1 ] && [ ! -s "$tmp/todo" ] && nothing_left
# The coins a batch of TRAIN_BATCH_SIZE leaves stay pending for the
# next start: counted, so that the run's end (and the health check) can
# tell them from coins a start failed to finish.
rm -f "$tmp/deferred"
if [ "$TRAIN_BATCH_SIZE" -gt 0 ]; then
	tail -n +"$((TRAIN_BATCH_SIZE + 1))" "$tmp/todo" >"$tmp/deferred"
	head -n "$TRAIN_BATCH_SIZE" "$tmp/todo" >"$tmp/todo.n" && mv "$tmp/todo.n" "$tmp/todo"
fi
ledger set "$run" - pending <"$tmp/todo"

# ---- 7c. new data first: every coin's candles, before any training
# (fetch_all, above). ----
# A resumed tune run fetches only the coins its earlier starts did not
# (a batch of TRAIN_BATCH_SIZE, a failed fetch, a start killed while it
# fetched): a search resumes only on the candles it began with.
cp "$tmp/todo" "$tmp/tofetch"
if [ "$cycle" = tune ] && [ "$resumed" = 1 ] && [ -f "$home/runs/$run/fetched" ]; then
	grep -vxF -f "$home/runs/$run/fetched" "$tmp/todo" >"$tmp/tofetch"
	[ -s "$tmp/tofetch" ] || [ "$FETCH_ENABLED" != 1 ] ||
		event fetch_skipped reason="a resumed tune: its searches resume on the candles they began with"
fi
[ "$FETCH_ENABLED" = 1 ] && [ -s "$tmp/tofetch" ] && fetch_all "$tmp/tofetch"

# ---- 7d. drift (incremental): a coin whose market left its model is
# retrained from scratch instead of updated. ----
if [ "$cycle" = incremental ] && [ "$DRIFT_ENABLED" = 1 ] && [ -s "$tmp/todo" ]; then
	# shellcheck disable=SC2086
	check-drift --json --timeframe "$TIMEFRAME" --psi-max "$DRIFT_PSI_MAX" \
		${DRIFT_WINDOW:+--window "$DRIFT_WINDOW"} <"$tmp/todo" >"$tmp/drift" 2>>"$log/drift.log"
	drc=$?
	[ "$drc" -eq 0 ] || [ "$drc" -eq "$EX_DRIFT" ] || warn "$run: check-drift failed (status $drc, see $log/drift.log)"
	# Each coin's latest check, for coin-status and the dashboard.
	while read -r l; do
		s=$(printf '%s' "$l" | sed -n 's/^{"symbol": *"\([^"]*\)".*/\1/p')
		[ -n "$s" ] && [ -d "$home/models/$s" ] || continue
		printf '%s\n' "$l" >"$home/models/$s/.last-drift.json.tmp" &&
			mv "$home/models/$s/.last-drift.json.tmp" "$home/models/$s/last-drift.json"
	done <"$tmp/drift"
	# A drifted coin is retrained from scratch, unless fewer than a fifth
	# of the window's candles are new to its reference's training (the
	# drift is then in candles it trained on: a market that changed
	# within its lookback; a retrain would see the same candles, and the
	# flag would stay): it is updated.
	grep '"drifted": *true' "$tmp/drift" 2>/dev/null | while read -r l; do
		s=$(printf '%s' "$l" | sed -n 's/.*"symbol": *"\([^"]*\)".*/\1/p')
		[ -n "$s" ] || continue
		psi=$(printf '%s' "$l" | sed -n 's/.*"max_psi": *\([0-9.e+-]*\).*/\1/p')
		feats=$(printf '%s' "$l" | sed -n 's/.*"over": *\[\([^]]*\)\].*/\1/p' | tr -d '"')
		unseen=$(printf '%s' "$l" | sed -n 's/.*"unseen": *\([0-9]*\).*/\1/p')
		win=$(printf '%s' "$l" | sed -n 's/.*"window": *\([0-9]*\).*/\1/p')
		retrain=true
		if [ -n "$unseen" ] && [ -n "$win" ] && [ $((unseen * 5)) -lt "$win" ]; then
			retrain=false
			echo "$s" >>"$tmp/drift-updated"
		else
			echo "$s" >>"$tmp/drifted"
		fi
		event coin_drift symbol="$s" max_psi:="${psi:-null}" features="$feats" \
			unseen:="${unseen:-null}" window:="${win:-null}" retrain:="$retrain"
	done
	# A coin whose check failed (a damaged drift.json, a store it cannot
	# read) is retrained from scratch, which makes its reference anew: an
	# update would carry the damaged one on into its new model.  Said,
	# and the cycle exits 1.
	sed -n 's/^{"symbol": *"\([^"]*\)", *"status": *"error".*/\1/p' "$tmp/drift" |
		while read -r s; do
			echo "$s" >>"$tmp/drift-failed"
			event coin_drift symbol="$s" error="its drift check failed (see $log/drift.log)" \
				retrain:=true
		done
	cp "$tmp/drift" "$log/drift.json" 2>/dev/null
fi

# ---- 7e. training (or tuning) in rounds: each round the engine runs one
# attempt of every coin on the list; coins whose attempt failed in a way
# worth retrying (a timeout, a temporary failure, a lost worker; exit 1
# with --retry-all) go into the next round after a jittered backoff. ----
backoff() {
	rnd=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	d=$(awk -v b="$RETRY_BASE_SECONDS" -v a="$1" -v r="${rnd:-0}" \
		'BEGIN { d = b * 2 ^ (a - 1); printf "%.2f", d / 2 + d / 2 * r / 65535 }')
	# In the background, so that a signal is acted on at once; without
	# the batch lock (fd 9), and stopped by on_signal, so that it does
	# not keep the next start out.
	sleep "$d" 9>&- &
	backoff_sleep=$!
	wait "$backoff_sleep"
	backoff_sleep=''
}
# detach LIST — --no-wait: the engine starts the round and we leave it
# running, with the run's temporaries; a later start of the run waits for
# it, retries what failed, and summarizes.  Nothing submitted (the engine
# wrote the coins' outcomes): the round goes on here.
detach() {
	engine_submit "$1"
	[ -e "$home/runs/$run/engine.jobs" ] || return 0
	trap - EXIT
	echo "$prog: $run: submitted to the $ENGINE engine; \`$(collect_cmd)' collects it" >&2
	exit 0
}
# attempts_of SYM — the attempts at SYM so far: its steps' count, but at
# least one a round (a task that died before its step began counts too:
# else it would be retried for ever).
attempts_of() {
	a=0
	{ read -r a <"$tmp/attempts.$1"; } 2>/dev/null
	isnum "$a" && [ "$a" -ge "$round" ] || a=$round
	echo "$a"
}
# no_outcome SYM — the outcome of a step that left none: a success the
# ledger recorded (its outcome file could not be written: a full disk),
# else a lost worker (the step was killed: scancel, a node lost), said as
# such; with the disk full, that is said too.
no_outcome() {
	if grep -q '^ *"status": *"success"' "$home/runs/$run/coins/$1.json" 2>/dev/null; then
		echo "success 0 - -"
		return
	fi
	w=$(sed -n 's/^ *"worker": *"\([^"]*\)".*/\1/p' "$home/runs/$run/coins/$1.json" 2>/dev/null)
	att=$(attempts_of "$1") why=$(lost_why "$1" "$w")
	disk_full && why="worker lost: it left no outcome, and the data home's disk is full"
	# One lost before its step began (a pending task cancelled) counts
	# the attempt in the ledger too, as the retries do.
	[ -f "$home/runs/$run/coins/$1.json" ] &&
		! grep -q '^ *"status": *"pending"' "$home/runs/$run/coins/$1.json" ||
		ledger set "$run" "$1" running --pid "$$"
	ledger set "$run" "$1" failed --error "$why" --error-type lost
	# The attempt is the ledger's count, as a step's is: in a resumed run
	# it goes on from the earlier starts' (this start's round would give
	# the coin more retries than it has).
	coin_record "$1"
	[ -z "$rec_att" ] || att=$rec_att
	echo "$att" >"$tmp/attempts.$1" 2>/dev/null
	event coin_failed symbol="$1" attempt:="$att" status:=null error_type=lost \
		error="$why" final:="$(last_try "$att")"
	echo "lost 137 0" | tee "$tmp/outcome/$1" 2>/dev/null
}

# The coins' log directories, made at once: one process, not one a step.
(cd "$log" && xargs mkdir -p <"$tmp/todo") 2>/dev/null
mkdir -p "$tmp/outcome"
CT_T0=$(date +%s) CT_TOTAL=$(grep -c . "$tmp/todo")
CT_TTY=$([ -t 2 ] && echo 1 || echo 0)
export CT_T0 CT_TOTAL CT_TTY
cp "$tmp/todo" "$tmp/round"
round=1
while [ -s "$tmp/round" ]; do
	[ "$round" -eq 1 ] || { backoff $((round - 1)); ledger set "$run" - pending <"$tmp/round"; }
	if [ "$nowait" = 1 ]; then detach "$tmp/round"; else engine_run "$tmp/round"; fi
	: >"$tmp/next"
	while read -r s; do
		o=''
		{ read -r o <"$tmp/outcome/$s"; } 2>/dev/null
		[ -n "$o" ] || o=$(no_outcome "$s")
		# shellcheck disable=SC2086
		set -- $o
		[ "$1" = success ] && continue
		att=$(attempts_of "$s")
		if retriable "$1" "$2" && [ "$att" -le "$RETRIES" ]; then
			echo "$s" >>"$tmp/next"
		else
			echo "$s" >>"$tmp/failed"
		fi
	done <"$tmp/round"
	while read -r s; do rm -f "$tmp/outcome/$s"; done <"$tmp/next"
	mv "$tmp/next" "$tmp/round"
	round=$((round + 1))
done

# ---- 7f. the cache: every coin (the new models were cached as each was
# published; this serves the others and rebuilds the top list) ----
if [ "$cycle" != tune ]; then
	retire
	refresh "$PREDICTION_CACHE_TTL"
	event cache_refreshed ttl="$PREDICTION_CACHE_TTL" predictions:="$(grep -c . "$tmp/cached")"
fi
finish
