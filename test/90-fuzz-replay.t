#!/bin/sh
# 90-fuzz-replay.t — every fuzz driver (test/fuzz/fuzz_NAME.c) replays its
# seed corpus test/fuzz/NAME/ without a crash, a sanitizer report or a
# leak, under whichever build make check is testing.  `make fuzz` runs
# the same drivers under libFuzzer for new inputs.
. "$CT_TOP/test/lib.sh"
: "${CT_FUZZ:?run through make check}"

n=0
for drv in "$TOP"/test/fuzz/fuzz_*.c; do
	name=$(basename "$drv" .c); name=${name#fuzz_}
	n=$((n + 1))
	ok "$(test -d "$TOP/test/fuzz/$name"; echo $?)" "$name: has a seed corpus test/fuzz/$name/"
	run "$CT_FUZZ/replay_$name" "$TOP/test/fuzz/$name"
	is "$rc" 0 "$name: replays its seeds cleanly"
	like "$out" "^[1-9][0-9]* inputs$" "$name: replayed at least one input"
done
ok "$(test "$n" -ge 1; echo $?)" "at least one fuzz driver"
done_testing
