#!/bin/sh
# drift-measure.sh — the measurements behind check-drift's defaults, run
# by test/60-check-drift.t (which asserts them) and bench/50-drift.sh
# (which prints them).  Works in $COINTRAIN_HOME with the programs on PATH;
# every series is 1h synthetic candles, trained with --lookback 4000
# --rounds 50 (the 1h candles and small models keep it fast; the delays are
# counted in candles and do not depend on the timeframe).
#
#   drift-measure.sh detect SEED...
#	A regime-change series per seed: 8000 candles, the change at candle
#	6000 (fetch-candles --kind regime).  The model is trained on the
#	candles before 5500, so at the change the window holds 500 candles it
#	never saw.  Then the store grows candle by candle past the change
#	(bisected): the number of candles since the change when check-drift
#	first flags the coin.  Prints "SEED DELAY FEATURE"; DELAY is "before"
#	when the coin is flagged already at the change, "never" when not
#	within 1500 candles.
#   drift-measure.sh walk SEED...
#	A stationary random walk per seed: trained on 4000 candles, then
#	checked over the next window of candles, none seen in training.
#	Prints "SEED drifted|stable MAX_PSI FEATURE".
#
# $DRIFT_WINDOW (default: check-drift's own, 1500) is the window; for walk
# it is also the number of new candles.
set -eu
N=8000 CHANGE=6000 TRAINED=5500 LOOKBACK=4000 MAXWAIT=1500
W=${DRIFT_WINDOW:-1500}
home=${COINTRAIN_HOME:?}
costs=$home/costs.csv
mkdir -p "$home"
printf 'symbol,taker_fee_bps,maker_fee_bps,median_spread_bps,slippage_bps_per_sigma\n*,10,10,2,1\n' \
    >"$costs"

# prepare SYM KIND SEED CANDLES TRAINED: generate into $home/SYM.all,
# store the first TRAINED candles, train.
prepare() {
	fetch-candles -s "$1" -t 1h --generate --kind "$2" --seed "$3" --lookback "$4" \
	    --stdout >"$home/$1.all" 2>/dev/null
	mkdir -p "$home/candles/$1"
	head -n $(($5 + 1)) "$home/$1.all" >"$home/candles/$1/1h.csv"
	train-coin -s "$1" -t 1h --costs "$costs" --threads 1 --rounds 50 \
	    --lookback "$LOOKBACK" >/dev/null
}

# upto SYM N: the store holds the first N candles.
upto() {
	head -n $(($2 + 1)) "$home/$1.all" >"$home/candles/$1/1h.csv"
}

# flagged SYM: check-drift's verdict (exit 0 or 7; anything else aborts).
flagged() {
	rc=0
	check-drift --window "$W" "$1" >/dev/null || rc=$?
	case $rc in
	0) return 1 ;;
	7) return 0 ;;
	*) echo "drift-measure: check-drift $1 exited $rc" >&2; exit 1 ;;
	esac
}

detect() {
	sym=R$1
	prepare "$sym" regime "$1" "$N" "$TRAINED"
	upto "$sym" "$CHANGE"
	if flagged "$sym"; then
		echo "$1 before -"
		return
	fi
	upto "$sym" $((CHANGE + MAXWAIT))
	if ! flagged "$sym"; then
		echo "$1 never -"
		return
	fi
	# Not flagged with lo candles after the change, flagged with hi.
	lo=0 hi=$MAXWAIT
	while [ $((hi - lo)) -gt 1 ]; do
		mid=$(((lo + hi) / 2))
		upto "$sym" $((CHANGE + mid))
		if flagged "$sym"; then hi=$mid; else lo=$mid; fi
	done
	upto "$sym" $((CHANGE + hi))
	echo "$1 $hi $(check-drift --json --window "$W" "$sym" | sed 's/.*"max_psi_feature":"\([^"]*\)".*/\1/')"
}

walk() {
	sym=W$1
	prepare "$sym" walk "$1" $((LOOKBACK + W)) "$LOOKBACK"
	upto "$sym" $((LOOKBACK + W))
	check-drift --window "$W" --json "$sym" |
	    sed 's/.*"status":"\([a-z]*\)".*"max_psi":\([0-9.e-]*\),"max_psi_feature":"\([^"]*\)".*/\1 \2 \3/' |
	    sed "s/^/$1 /"
}

mode=$1
shift
for seed in "$@"; do
	"$mode" "$seed"
done
