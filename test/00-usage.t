#!/bin/sh
# 00-usage.t — every man page is clean under mandoc -Tlint (warnings and
# worse) and under groff -ww (which sees roff escapes mandoc lets pass,
# such as a \n that shows as a number register); every program with a section 1 page: `NAME -h` prints the page's
# SYNOPSIS (compared word for word: line breaks and indentation may differ,
# a leading "usage:" is dropped), --version works, an unknown option is a
# usage error (exit 2) that prints the usage; so does cron/install, whose
# page is cointrain-cron(8).
. "$CT_TOP/test/lib.sh"

# The SYNOPSIS section of a page as one line of words.
synopsis() {
	mandoc -Tascii -O width=1000 "$1" | col -b |
	    awk '/^SYNOPSIS/ { on = 1; next } on && /^[^ \t]/ { exit } on' |
	    tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'
}

# Usage text as one line of words.
words() {
	printf '%s\n' "$1" | tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//; s/^usage: //'
}

for page in "$TOP"/man/*.[1-9]; do
	run mandoc -Tlint -W warning "$page"
	is "$rc:$out$err" "0:" "$(basename "$page"): mandoc -Tlint clean"
	run groff -mandoc -ww -z "$page"
	is "$rc:$out$err" "0:" "$(basename "$page"): groff -ww clean"
done
for page in "$TOP"/man/*.1; do
	name=$(basename "$page" .1)
	[ -x "$CT_BIN/$name" ] || continue
	run "$name" -h
	is "$rc" 0 "$name -h exits 0"
	is "$err" "" "$name -h: nothing on stderr"
	is "$(words "$out")" "$(synopsis "$page")" "$name -h equals the SYNOPSIS of $name.1"
	run "$name" --version
	is "$rc" 0 "$name --version exits 0"
	like "$out" "^$name .*[0-9]+\.[0-9]+" "$name --version prints a version"
	run "$name" -V
	is "$rc:$out" "0:$(MANPAGER=cat "$name" --version)" "$name -V is --version"
	# Help that could not be written is a failure, as any output is.
	run sh -c '"$1" -h >/dev/full' sh "$name"
	is "$rc:$err" "1:$name: stdout: No space left on device" "$name -h >/dev/full: exit 1, said"
	# -t wherever a timeframe is an option.
	# ... and one message for a timeframe that is none, before anything runs.
	case $(synopsis "$page") in *--timeframe*)
		run "$name" -t 1h -h
		is "$rc" 0 "$name takes -t for --timeframe"
		sym=''
		case $(synopsis "$page") in *--symbol*) sym='--symbol BTCUSDT' ;; esac
		# shellcheck disable=SC2086
		run "$name" $sym -t 7m
		is "$rc:$(printf '%s\n' "$err" | head -n 1)" \
		    "2:$name: --timeframe: not one of 1m 5m 15m 30m 1h 4h 1d: \"7m\"" \
		    "$name -t 7m: exit 2, the one message of every tool" ;;
	esac
	run "$name" --no-such-option
	is "$rc" 2 "$name: unknown option exits 2"
	like "$err" "usage:" "$name: unknown option prints the usage on stderr"
done
# cron/install is documented by cointrain-cron(8): its usage is that SYNOPSIS.
run "$TOP/cron/install" -h
is "$rc:$err:$(words "$out")" "0::$(synopsis "$TOP/man/cointrain-cron.8")" "cron/install -h equals the SYNOPSIS of cointrain-cron.8"
run "$TOP/cron/install" --no-such-option
is "$rc:$(printf '%s\n' "$err" | head -n 1):$(words "$(printf '%s\n' "$err" | tail -n +2)")" \
	"2:cron/install: --no-such-option: unknown option:$(synopsis "$TOP/man/cointrain-cron.8")" \
	"cron/install: unknown option exits 2, named, with the usage"
# man/manN/ links every page, so `man -M man NAME` reads it in the source tree.
for page in "$TOP"/man/*.[1578]; do
	base=$(basename "$page")
	is "$(readlink "$TOP/man/man${base##*.}/$base")" "../$base" "man/man${base##*.}/$base links to $base"
done
# A bad symbol is a usage error (exit 2) in every program that takes one.
bad='bad/sym'
while read -r name args; do
	# shellcheck disable=SC2086
	run "$name" $args
	is "$rc" 2 "$name: a bad symbol is exit 2 ($name $args)"
done <<EOF
fetch-candles --symbol $bad --timeframe 1h --generate
train-coin --symbol $bad --timeframe 1h
tune-coin --symbol $bad --timeframe 1h
predict $bad
check-drift $bad
coin-status $bad
cache-get $bad
cache-put --clear $bad
ledger set 20251112T0600Z-full $bad success
model-backup --restore none.tar.gz $bad
run-batch full --symbols $bad --dry-run
EOF
# An empty --home (an unset variable in a script) is a usage error in every
# program, not the default home.
while read -r name args; do
	# shellcheck disable=SC2086
	run "$name" --home '' $args
	is "$rc:$(printf '%s\n' "$err" | head -n 1)" "2:$name: --home: empty" "$name --home '': exit 2, said"
done <<EOF
fetch-candles --symbol BTCUSDT --timeframe 1h --generate
train-coin --symbol BTCUSDT --timeframe 1h
tune-coin --symbol BTCUSDT --timeframe 1h
predict BTCUSDT
check-drift BTCUSDT
coin-status
cache-get BTCUSDT
cache-put --clear
ledger show latest
summarize --dashboard
model-backup
run-batch predict --dry-run
EOF
# `man cointrain` opens the overview, cointrain(7), not a section 5 page.
like "$(MANPAGER=cat man -M "$TOP/man" cointrain 2>/dev/null | head -n 1)" "^COINTRAIN\\(7\\)" \
	"man cointrain opens cointrain(7)"
# Every tool has its page.
for tool in "$TOP"/tools/*.c "$TOP"/tools/*.sh; do
	name=$(basename "$tool"); name=${name%.*}
	ok "$(test -f "$TOP/man/$name.1"; echo $?)" "tools/$(basename "$tool") has man/$name.1"
done
done_testing
