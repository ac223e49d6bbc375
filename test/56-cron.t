#!/bin/sh
# 56-cron.t — cron/install against a fake crontab(1) that keeps the table
# in a file: the block goes in with absolute paths, a second install
# replaces it (idempotent), other lines are kept, --uninstall removes it;
# markers that do not pair are refused; the programs wired are the ones
# beside cron/install before the first on PATH.
. "$CT_TOP/test/lib.sh"
mkdir fakebin
cat >fakebin/crontab <<'SH'
#!/bin/sh
f=$FAKE_CRONTAB
case $1 in
-l) [ -f "$f" ] || { echo "no crontab for $(id -un)" >&2; exit 1; }; cat "$f" ;;
-) cat >"$f" ;;
*) cp "$1" "$f" ;;
esac
SH
chmod +x fakebin/crontab
FAKE_CRONTAB=$T/table
PATH=$T/fakebin:$PATH
export FAKE_CRONTAB PATH
I=$TOP/cron/install
# The build under test, whichever build/ is beside cron/install.
inst() { "$I" --bin "$CT_BIN" "$@"; }

run "$I" --bin "$T/nonexist" --home "$T/data" --dry-run
is "$rc:$err" "1:cron/install: $T/nonexist: no such directory" "a --bin that is not there: exit 1, said"
run "$I" --bogus
like "$rc:$err" "^2:cron/install: --bogus: unknown option
usage: " "an unknown option: named, with the usage"
run inst --home "$T/data"
is "$rc:$err" "0:cron/install: programs from $CT_BIN (--bin), data home $T/data" "install into an empty crontab, says what"
is "$(grep -c '^# BEGIN cointrain' table):$(grep -c '^# END cointrain' table)" "1:1" "one marked block"
like "$(cat table)" "^0 2 \\* \\* 0	COINTRAIN_HOME=$T/data $CT_BIN/run-batch full --wait" "Sunday 02:00 full retrain with absolute paths"
is "$(grep -v '^#' table | grep -c 'PREDICTION_CACHE_TTL')" 0 "no line overrides the operator's PREDICTION_CACHE_TTL"
like "$(cat table)" "^0 0,6,12,18 \\* \\* 1-6	.*run-batch incremental" "six-hourly incremental, Monday to Saturday"
like "$(cat table)" "^5 \\* \\* \\* \\*	.*run-batch predict" "hourly prediction refresh"
like "$(cat table)" "^30 \\* \\* \\* \\*	.*summarize --dashboard" "hourly health check"
ok "$(grep -v '^#' table | grep -q '@'; echo $((! $?)))" "no placeholder left in the lines"
first=$(cat table)
run inst --home "$T/data"
is "$(cat table)" "$first" "second install: the same crontab (idempotent)"

{ echo 'MAILTO=ops@example.org'; echo '15 3 * * * /usr/bin/true'; cat table; echo '# mine'; } >t2 && cp t2 table
run inst --home "$T/data2"
is "$(grep -c '^# BEGIN cointrain' table)" 1 "reinstall with another home: still one block"
like "$(cat table)" "COINTRAIN_HOME=$T/data2 " "with the new home"
ok "$(grep -q "COINTRAIN_HOME=$T/data " table; echo $((! $?)))" "the old block is gone"
is "$(grep -c -e '^MAILTO=ops@example.org$' -e '^15 3 \* \* \* /usr/bin/true$' -e '^# mine$' table)" 3 "other lines kept"
run "$I" --uninstall
is "$rc" 0 "--uninstall"
is "$(cat table)" "$(printf 'MAILTO=ops@example.org\n15 3 * * * /usr/bin/true\n# mine')" "only the user's lines remain"
run inst --home "$T/data" --dry-run
like "$out" "^# BEGIN cointrain" "--dry-run prints the crontab"
is "$(grep -c BEGIN table)" 0 "and installs nothing"
# From the source tree, run-batch not on PATH: the one beside it is found;
# a dry run makes no data home.
run env PATH=/usr/bin:/bin "$I" --home "$T/not-yet" --dry-run
like "$rc:$(printf '%s\n' "$out" | grep '^0 2 ')" "^0:0 2 \\* \\* 0	COINTRAIN_HOME=$T/not-yet /[^ ]*/run-batch full --wait" \
	"run-batch found beside cron/install, off PATH"
ok "$(test ! -e "$T/not-yet"; echo $?)" "--dry-run creates no data home"
# A data home with a space (and a sed metacharacter): quoted, and the
# lines work as cron's sh runs them.
mkdir -p "$T/my data&co/logs"
run inst --home "$T/my data&co" --dry-run
is "$rc" 0 "a home with a space installs"
like "$out" "^0 2 \\* \\* 0	COINTRAIN_HOME='$T/my data&co' $CT_BIN/run-batch full --wait >>'$T/my data&co'/logs/cron.log 2>&1 \\|\\| \\[ \\$\\? -ne 2 \\] \\|\\| tail -n 1 '$T/my data&co'/logs/cron.log$" \
	"the path is quoted for sh"
line=$(printf '%s\n' "$out" | grep '^30 ' | cut -f 2-)
sh -c "$line" >/dev/null 2>&1
ok "$([ -s "$T/my data&co/logs/dashboard.txt" ] && echo 0 || echo 1)" "the health check line runs"
is "$(printf '%s\n' "$out" | grep -c '^#.*@BIN@')" 1 "comments keep their placeholders"
run "$I" --home "$T/100%" --dry-run
is "$rc:$err" "1:cron/install: a path with ', % or \\ cannot go into a crontab" "a % in a path is refused"

run env -u COINTRAIN_HOME "$I"
is "$rc" 2 "no data home: usage error"

# Without crontab(1) it says what to install.
mkdir nocron
for p in sh awk sed mktemp dirname cat rm mkdir; do ln -s "$(command -v $p)" nocron/; done
run env PATH="$T/nocron" "$I" --home "$T/data"
is "$rc:$err" "1:cron/install: crontab(1) not found: install cron first (Debian: apt-get install cron)" \
	"no crontab: says which package"

# The monthly tune runs on the first Saturday only; cron ORs day-of-month
# and day-of-week, so the date test is in the command.
run "$I" --home "$T/data" --dry-run
tune=$(printf '%s\n' "$out" | grep 'run-batch tune')
like "$tune" "^0 20 \\* \\* 6	.*-le 7 .*run-batch tune" "a tune line on Saturdays 20:00, first week only"
html=$(printf '%s\n' "$out" | grep -- 'DASHBOARD_HTML=')
like "$html" "^30 .*DASHBOARD_HTML=$T/data/dashboard.html .*summarize --dashboard" "the dashboard page is regenerated hourly"
line=$(printf '%s\n' "$html" | cut -f 2-)
sh -c "$line" >/dev/null 2>&1
ok "$(test -s "$T/data/dashboard.html"; echo $?)" "and the line writes it"
# A batch line that refuses its configuration (exit 2) prints the reason,
# so cron mails it; one that runs prints nothing.
mkdir -p "$T/data/logs"
pl=$(printf '%s\n' "$out" | grep 'run-batch predict' | cut -f 2-)
printf 'SYMBOLS=AAAUSDT\nFETCH_ENABLED=0\nTOPN=3\n' >"$T/data/cointrain.conf"
run env -i HOME="$T" PATH=/usr/bin:/bin sh -c "$pl"
is "$rc:$out" "0:run-batch: $T/data/cointrain.conf:3: TOPN: unknown setting, did you mean TOP_N? (run-batch --show-config lists the settings)" \
	"a refused predict cycle: its reason on stdout, for cron's mail"
printf 'SYMBOLS=AAAUSDT\nFETCH_ENABLED=0\n' >"$T/data/cointrain.conf"
run env -i HOME="$T" PATH=/usr/bin:/bin sh -c "$pl"
is "$out" "" "one that starts: nothing printed (it goes to cron.log)"
rm "$T/data/cointrain.conf"
# A BEGIN whose END was lost (or a second BEGIN, or a stray END): the
# filter would drop the user's lines after it; refused, table untouched.
B='# BEGIN cointrain (managed by cron/install; edits here are replaced)'
printf 'MAILTO=ops@example.com\n%s\n5 * * * * old-line\n17 3 * * * /usr/local/bin/backup-db # mine\n' "$B" >table
cp table lost-end
for a in --uninstall "--home $T/data" "--home $T/data --dry-run"; do
	# shellcheck disable=SC2086
	run inst $a
	is "$rc:$out:$err" "1::cron/install: crontab line 2: \"# BEGIN cointrain\" without \"# END cointrain\": nothing changed; mend the block by hand (crontab -e)" \
		"BEGIN without END: $a refused, said"
	ok "$(cmp -s table lost-end; echo $?)" "the crontab is left as it was"
done
printf '%s\n5 * * * * old\n# mine\n%s\n6 * * * * old\n# END cointrain\n' "$B" "$B" >table
run inst --uninstall
is "$rc:$err" "1:cron/install: crontab line 4: \"# BEGIN cointrain\" again, the one of line 1 has no \"# END cointrain\": nothing changed; mend the block by hand (crontab -e)" \
	"a second BEGIN before an END: refused"
printf '17 3 * * * mine\n# END cointrain\n' >table
run inst --uninstall
is "$rc:$err:$(cat table)" "1:cron/install: crontab line 2: \"# END cointrain\" without \"# BEGIN cointrain\": nothing changed; mend the block by hand (crontab -e):17 3 * * * mine
# END cointrain" "an END without BEGIN: refused, table untouched"
rm table

# Which run-batch: the one installed with cron/install (PREFIX/bin), or
# the source tree's build, before an older one first on PATH; --bin wins.
mkdir -p decoy pre/bin pre/share/cointrain/cron src/cron src/build/bin lone
for d in pre/share/cointrain/cron src/cron lone; do cp "$TOP/cron/install" "$TOP/cron/cointrain.crontab" "$d/"; done
: >src/Makefile
for p in run-batch summarize; do
	ln -s "$CT_BIN/$p" pre/bin/ && ln -s "$CT_BIN/$p" src/build/bin/
	printf '#!/bin/sh\nexit 1\n' >"decoy/$p" && chmod +x "decoy/$p"
done
full() { printf '%s\n' "$out" | grep '^0 2 ' | cut -f 2-; }
run env PATH="$T/decoy:$PATH" "$T/pre/share/cointrain/cron/install" --home "$T/data" --dry-run
refused=" || [ \$? -ne 2 ] || tail -n 1 $T/data/logs/cron.log"
is "$rc:$(full)" "0:COINTRAIN_HOME=$T/data $T/pre/bin/run-batch full --wait >>$T/data/logs/cron.log 2>&1$refused" \
	"installed: PREFIX/bin, not the run-batch first on PATH"
is "$err" "cron/install: programs from $T/pre/bin (installed with cron/install), data home $T/data" "and it says so"
run env PATH="$T/decoy:$PATH" "$T/src/cron/install" --home "$T/data" --dry-run
is "$rc:$(full):$err" "0:COINTRAIN_HOME=$T/data $T/src/build/bin/run-batch full --wait >>$T/data/logs/cron.log 2>&1$refused:cron/install: programs from $T/src/build/bin (the build beside cron/install), data home $T/data" \
	"source tree: its build/bin, not the first on PATH"
run env PATH="$T/decoy:$PATH" "$T/pre/share/cointrain/cron/install" --bin "$T/decoy" --home "$T/data" --dry-run
is "$rc:$(full):$err" "0:COINTRAIN_HOME=$T/data $T/decoy/run-batch full --wait >>$T/data/logs/cron.log 2>&1$refused:cron/install: programs from $T/decoy (--bin), data home $T/data" \
	"--bin overrides"
run env PATH="$T/decoy:$PATH" "$T/lone/install" --home "$T/data" --dry-run
is "$rc:$err" "0:cron/install: programs from $T/decoy (the first on PATH), data home $T/data" "elsewhere: the first on PATH"
run env PATH=/usr/bin:/bin "$T/lone/install" --home "$T/data" --dry-run
is "$rc:$err" "1:cron/install: run-batch is not beside $T/lone, nor on PATH; give --bin" "none: said, exit 1"
done_testing
