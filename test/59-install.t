#!/bin/sh
# 59-install.t — the programs find share/ (cost table, configuration,
# symbol lists, engines) wherever they are: in the build tree, and after
# `make install PREFIX=/opt/x DESTDIR=...` into a staging directory,
# without COINTRAIN_SHARE and without a rebuild.  Installed modes do not
# follow the umask; a PREFIX with a space works; configuration files an
# operator edited survive an install (FILE.new beside) and an uninstall;
# uninstall warns when the crontab still runs the programs it removes.
. "$CT_TOP/test/lib.sh"
unset COINTRAIN_SHARE
# The make this test runs is its own, not a job of make check's -j.
unset MAKEFLAGS MFLAGS MAKELEVEL
# make uninstall reads the crontab: a fake one, never the user's.
mkdir fakebin
cat >fakebin/crontab <<'SH'
#!/bin/sh
case $1 in
-l) [ -f "$FAKE_CRONTAB" ] || { echo "no crontab" >&2; exit 1; }; cat "$FAKE_CRONTAB" ;;
*) cp "$1" "$FAKE_CRONTAB" ;;
esac
SH
chmod +x fakebin/crontab
FAKE_CRONTAB=$T/table PATH=$T/fakebin:$PATH
export FAKE_CRONTAB PATH
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
ok "$(test -f "$S/share/cointrain/engine/local.sh" && test -f "$S/share/man/man1/run-batch.1" &&
	test -f "$S/share/man/man8/cointrain-cron.8"; echo $?)" "share/ and man pages installed, cointrain-cron(8) too"
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

# Modes are explicit: under umask 077, 755 for directories and programs
# (and share/'s executables), 644 for the rest.
run sh -c 'umask 077 && exec make -s -C "$1" install B="$2" DESTDIR="$3" PREFIX=/usr/local' sh "$TOP" "$B" "$T/s077"
is "$rc" 0 "make install under umask 077"
S=$T/s077/usr/local
is "$(find "$T/s077" -type d ! -perm 755 | wc -l)" 0 "every directory 755"
is "$(find "$S/bin" -type f ! -perm 755 | wc -l):$(find "$S/bin" -type f | wc -l)" "0:$(ls "$CT_BIN" | wc -l)" "every program 755"
is "$(stat -c %a "$S/share/man/man1/run-batch.1" "$S/share/cointrain/cointrain.conf" \
	"$S/share/cointrain/engine/local.sh" "$S/share/cointrain/notify/telegram" \
	"$S/share/cointrain/upload/rsync" "$S/share/cointrain/cron/install" "$S/share/cointrain/cron/cointrain.crontab" |
	tr '\n' ' ')" "644 644 644 755 755 755 644 " "man pages and data 644, share's scripts 755"
is "$(find "$S" -type f ! -perm 755 ! -perm 644 | wc -l)" 0 "no other mode"

# A PREFIX with a space: quoted everywhere; uninstall removes no split part.
P="$T/p q"
mkdir "$T/p" && : >"$T/p/keep"
run make -s -C "$TOP" install B="$B" PREFIX="$P"
is "$rc:$err" "0:" "make install PREFIX='$P'"
ok "$(test -x "$P/bin/run-batch" && test -f "$P/share/cointrain/cointrain.conf" &&
	test -f "$P/share/man/man7/cointrain.7" && test ! -e "$TOP/q" && test ! -e "$T/p/bin"; echo $?)" \
	"installed under it, nothing beside it"
run env PATH="$P/bin:/usr/bin:/bin" run-batch --show-config
like "$out" "^# share: +$P/share/cointrain$" "the installed run-batch finds its share/"
# A crontab block that runs the programs uninstall removes: said, not edited.
"$P/share/cointrain/cron/install" --home "$T/h" 2>/dev/null
cp table table.before
run make -s -C "$TOP" uninstall B="$B" PREFIX="$P"
is "$rc:$(find "$P" ! -type d | wc -l):$(ls "$T/p")" "0:0:keep" "make uninstall PREFIX='$P' removes its files only"
is "$err" "uninstall: your crontab's cointrain block still runs programs from $P/bin, removed now; take it out with $TOP/cron/install --uninstall" \
	"and warns that the crontab's block runs them"
ok "$(cmp -s table table.before; echo $?)" "the crontab is not edited"

# Configuration files: an edited cointrain.conf and symbol list stay, the
# new ones go beside them; an unedited one is updated.
P=$T/pc D=$T/pc/share/cointrain
make -s -C "$TOP" install B="$B" PREFIX="$P"
echo 'SYMBOLS=BTCUSDT,ETHUSDT # operator edit' >>"$D/cointrain.conf"
echo PEPEUSDT >>"$D/symbols/top20"
# top100 as an earlier version shipped it: different, but recorded.
echo OLDUSDT >"$D/symbols/top100"
sed -i "s|^[0-9a-f]*  symbols/top100\$|$(sha256sum <"$D/symbols/top100" | cut -d ' ' -f 1)  symbols/top100|" "$D/installed.sha256"
: >"$D/symbols/mine"
run make -s -C "$TOP" install B="$B" PREFIX="$P"
is "$rc" 0 "make install over an edited configuration"
is "$(tail -n 1 "$D/cointrain.conf"):$(tail -n 1 "$D/symbols/top20")" "SYMBOLS=BTCUSDT,ETHUSDT # operator edit:PEPEUSDT" \
	"the edited cointrain.conf and symbols/top20 are kept"
ok "$(cmp -s "$D/cointrain.conf.new" "$TOP/share/cointrain.conf" && cmp -s "$D/symbols/top20.new" "$TOP/share/symbols/top20"; echo $?)" \
	"the new ones are beside them as FILE.new"
is "$err" "install: $D/cointrain.conf: edited since it was installed: kept; the new one is beside it, cointrain.conf.new
install: $D/symbols/top20: edited since it was installed: kept; the new one is beside it, top20.new" "and install says so"
ok "$(cmp -s "$D/symbols/top100" "$TOP/share/symbols/top100" && test ! -e "$D/symbols/top100.new"; echo $?)" \
	"a configuration file as an earlier install wrote it is updated"
ok "$(cmp -s "$D/costs.csv" "$TOP/share/costs.csv" && test ! -e "$D/costs.csv.new"; echo $?)" "an unedited one is left as shipped"
mv "$D/symbols/top20.new" "$D/symbols/top20"
run make -s -C "$TOP" install B="$B" PREFIX="$P"
is "$rc:$(ls "$D/symbols" | tr '\n' ' ')" "0:mine top100 top20 " "once FILE.new is taken as it is, it is no longer edited"
"$D/cron/install" --home "$T/h" 2>/dev/null
run make -s -C "$TOP" uninstall B="$B" PREFIX="$P"
is "$rc:$(cd "$D" && find . ! -type d | sort | tr '\n' ' ')" "0:./cointrain.conf ./symbols/mine " \
	"make uninstall keeps the edited cointrain.conf and the operator's own file"
is "$err" "uninstall: $D/cointrain.conf: edited since it was installed: kept
uninstall: $D/symbols/mine: not installed by make install: kept
uninstall: your crontab's cointrain block still runs programs from $P/bin, removed now; take it out with $TOP/cron/install --uninstall" \
	"and says so"
"$TOP/cron/install" --uninstall
run make -s -C "$TOP" uninstall B="$B" PREFIX="$P"
is "$rc:$err" "0:uninstall: $D/cointrain.conf: edited since it was installed: kept
uninstall: $D/symbols/mine: not installed by make install: kept" "no block, no warning"
# An install from before the record: a file not as shipped counts as edited.
make -s -C "$TOP" install B="$B" PREFIX="$P" 2>/dev/null
rm "$D/installed.sha256" "$D/cointrain.conf.new"
run make -s -C "$TOP" install B="$B" PREFIX="$P"
like "$rc:$err" "^0:install: $D/cointrain.conf: not as shipped, and no record of what install wrote: kept" \
	"without a record, a configuration file not as shipped is kept"
# ... but one as an earlier version shipped it (an operator who never
# edited it) is updated (test/data/cointrain.conf.old: b53ecad's, its
# PREDICTION_CACHE_TTL 1h).
rm "$D/installed.sha256" "$D/cointrain.conf.new"
cp "$DATA/cointrain.conf.old" "$D/cointrain.conf"
run make -s -C "$TOP" install B="$B" PREFIX="$P"
is "$rc:$err:$(cmp -s "$D/cointrain.conf" "$TOP/share/cointrain.conf" && echo updated)" "0::updated" \
	"without a record, a configuration file as an earlier install shipped it is updated"
done_testing
