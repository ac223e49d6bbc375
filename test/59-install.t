#!/bin/sh
# 59-install.t — the programs find share/ (cost table, configuration,
# symbol lists, engines) wherever they are: in the build tree, and after
# `make install PREFIX=/opt/x DESTDIR=...` into a staging directory,
# without COINTRAIN_SHARE and without a rebuild.
. "$CT_TOP/test/lib.sh"
unset COINTRAIN_SHARE
B=${CT_BIN%/bin}
fetch-candles --symbol SYN --timeframe 1h --generate --lookback 3000 2>/dev/null

# costs_of MODELDIR — the cost table a model was trained with.
costs_of() { sed -n 's/.*"table": *"\([^"]*\)".*/\1/p' "$1/costs.json"; }

run train-coin --symbol SYN --timeframe 1h --rounds 5 --lookback 3000
is "$rc" 0 "train-coin from the build tree, no COINTRAIN_SHARE"
is "$(costs_of "$out")" "$TOP/share/costs.csv" "it used the source tree's share/costs.csv"
run run-batch --show-config
like "$out" "^# share: +$TOP/share$" "run-batch from the build tree finds share/"

run make -s -C "$TOP" install B="$B" DESTDIR="$T/stage" PREFIX=/opt/x
is "$rc" 0 "make install PREFIX=/opt/x DESTDIR=stage"
S=$T/stage/opt/x
ok "$(test -f "$S/share/cointrain/engine/local.sh" && test -f "$S/share/man/man1/run-batch.1"; echo $?)" \
	"share/ and man pages installed"
run env PATH="$S/bin:/usr/bin:/bin" train-coin --symbol SYN --timeframe 1h --rounds 5 --lookback 3000
is "$rc" 0 "the staged train-coin runs"
is "$(costs_of "$out")" "$S/share/cointrain/costs.csv" "and reads the staged share/cointrain/costs.csv"
run env PATH="$S/bin:/usr/bin:/bin" run-batch --show-config
like "$out" "^# share: +$S/share/cointrain$" "the staged run-batch finds its share/"
run env PATH="$S/bin:/usr/bin:/bin" FETCH_ENABLED=0 TRAIN_LOOKBACK=3000 TRAIN_ROUNDS=5 BACKUP_ENABLED=0 \
	PREDICT_MAX_AGE=off run-batch full --symbols SYN
is "$rc" 0 "a full cycle with the staged tools"
like "$(cat "$COINTRAIN_HOME/logs/"*-full/SYN/training.log)" "^run-batch: train-coin --symbol SYN" \
	"it ran train-coin"
run make -s -C "$TOP" uninstall B="$B" DESTDIR="$T/stage" PREFIX=/opt/x
is "$rc:$(find "$T/stage" ! -type d | wc -l)" "0:0" "make uninstall removes every file install put there"
mkdir -p "$T/keep" && : >"$T/keep/mine"
run make -s -C "$TOP" uninstall B="$B" DATADIR="$T/keep"
is "$rc:$(ls "$T/keep")" "2:mine" "make uninstall refuses a DATADIR that is not a cointrain directory"
done_testing
