#!/bin/sh
# 52-model-backup.t — archive the current models, rotate, restore; a
# restore verifies every model, takes train-coin's lock, switches current
# atomically, drops the coins' cached predictions, cleans up after itself;
# a bad or hostile archive restores nothing and leaves nothing.
. "$CT_TOP/test/lib.sh"
H=$COINTRAIN_HOME
FILES='features.csv split_indices.json training_log.json model.ubj config.json metrics.json costs.json'
# mkmodel DIR TEXT — a model directory whose sha256.txt verifies, of the
# coin DIR is filed under (its config.json's symbol).
mkmodel() {
	mkdir -p "$1"
	for f in $FILES; do echo "$2 $f" >"$1/$f"; done
	printf '{"symbol": "%s", "note": "%s"}\n' "$(basename "$(dirname "$1")")" "$2" >"$1/config.json"
	(cd "$1" && sha256sum $FILES >sha256.txt)
}
# leftovers DIR — staging directories and temporaries under DIR.
leftovers() {
	find "$1" \( -name '.restore-*' -o -name '*.restore' -o -name '.current.*' -o -name '*.tmp*' \) 2>/dev/null | wc -l
}
for s in AAAUSDT BBBUSDT; do
	mkmodel "$H/models/$s/20251109_020000Z" "$s new"
	mkmodel "$H/models/$s/20251102_020000Z" "$s old"
	ln -s 20251109_020000Z "$H/models/$s/current"
done
mkdir -p "$H/models/CCCUSDT/20251109_020000Z"	# no current: not archived

run model-backup
is "$rc:$err" "0:" "backup exits 0"
like "$out" "^$H/backups/models-[0-9]{8}_[0-9]{6}Z\\.tar\\.gz$" "prints the archive"
a=$out
is "$(tar tzf "$a" | grep -c AAAUSDT/20251109_020000Z/):$(tar tzf "$a" | grep -c /current)" "8:2" \
	"holds the current model of each coin (7 files and sha256.txt) and its link"
is "$(tar tzf "$a" | grep -c -e 20251102 -e CCCUSDT)" 0 "nothing else"

# Restore into an empty home; not into one that is not there (a
# mistyped --home would look restored).
run model-backup --home "$T/other" --restore "$a"
is "$rc:$err" "1:model-backup: $T/other: No such file or directory" "restore into a --home that is not there: an error"
ok "$(test ! -e "$T/other"; echo $?)" "... which makes nothing"
mkdir "$T/other"
run model-backup --home "$T/other" --restore "$a"
# The homes restored into below, there as that needs.
mkdir "$T/h3" "$T/h4" "$T/h5" "$T/h6" "$T/h7" "$T/h8" "$T/h9" "$T/other2" "$T/dmg2" "$T/bigto"
is "$rc:$out:$err" "0:$a: 2 models restored, 0 already in place; current switched for 2 coins:" \
	"restore counts the models it unpacked and the coins it switched"
(cd "$T/other/models/AAAUSDT/current" && sha256sum -c --quiet sha256.txt)
ok $? "restored model verifies"
is "$(readlink "$T/other/models/BBBUSDT/current")" 20251109_020000Z "current restored as a link"
is "$(leftovers "$T/other")" 0 "no staging directory or temporary left"
# Restore over a home whose current moved on: current switches back.
ln -sfn 20251102_020000Z "$H/models/AAAUSDT/current"
run model-backup --restore "$a"
is "$rc:$out" "0:$a: 0 models restored, 2 already in place; current switched for 2 coins" \
	"restore over existing models: none unpacked"
is "$(readlink "$H/models/AAAUSDT/current")" "20251109_020000Z" "restore switches current back"
is "$(cat "$H/models/AAAUSDT/20251102_020000Z/model.ubj")" "AAAUSDT old model.ubj" "other models untouched"

# Only the coins named; their cached predictions go, the others' stay.
ln -sfn 20251102_020000Z "$H/models/AAAUSDT/current"
ln -sfn 20251102_020000Z "$H/models/BBBUSDT/current"
for s in AAAUSDT BBBUSDT; do
	printf '{"symbol":"%s","timeframe":"1h","open_time":"2021-03-01T10:00:00Z","prob_up":0.5,"signal":"flat"}\n' $s
done | cache-put -q --top 5
run model-backup --restore "$a" AAAUSDT
is "$rc:$out" "0:$a: 0 models restored, 1 already in place; current switched for 1 coin" "restore of one coin"
is "$(readlink "$H/models/AAAUSDT/current"):$(readlink "$H/models/BBBUSDT/current")" \
	"20251109_020000Z:20251102_020000Z" "... switches only that coin"
run cache-get AAAUSDT
is "$rc" 3 "... and its cached prediction is gone"
run cache-get --top
is "$rc:$(printf '%s\n' "$out" | grep -c BBBUSDT):$(printf '%s\n' "$out" | grep -c AAAUSDT)" "0:1:0" \
	"... from the top list too; the other coin's stays"
# A restore killed as it switches current (gdb kills it at its first
# symlink(2), the new current's): the coin's cached prediction, of the
# model it was replacing, is gone already.
ln -sfn 20251102_020000Z "$H/models/AAAUSDT/current"
printf '{"symbol":"AAAUSDT","timeframe":"1h","open_time":"2021-03-01T10:00:00Z","prob_up":0.5,"signal":"flat"}\n' |
	cache-put -q
if gdb -q -batch -ex run --args /bin/true >/dev/null 2>&1; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	gdb -q -batch -ex 'break symlink' -ex run -ex kill \
	    --args "$(command -v model-backup)" --restore "$a" AAAUSDT >gdb.out 2>&1
	is "$(readlink "$H/models/AAAUSDT/current")" 20251102_020000Z "killed before its switch: current not switched"
	run cache-get AAAUSDT
	is "$rc" 3 "... and the coin's cached prediction dropped already (none of a replaced model is served)"
else
	skip 2 "gdb cannot trace a process here"
fi
run model-backup --restore "$a" 'a/b'
is "$rc:$err" "2:model-backup: a/b: invalid symbol" "a bad symbol is a usage error"
run model-backup --restore "$a" DDDUSDT
is "$rc:$out:$err" "1::model-backup: DDDUSDT: not in $a" "a coin not in the archive: named, exit 1"
ln -sfn 20251102_020000Z "$H/models/AAAUSDT/current"
run model-backup --restore "$a" AAAUSDT DOGEUSDT DOGEUSDT
is "$rc:$out:$err" "1:$a: 0 models restored, 1 already in place; current switched for 1 coin:model-backup: DOGEUSDT: not in $a" \
	"... named once among coins that are: those restored all the same, exit 1"
is "$(readlink "$H/models/AAAUSDT/current")" 20251109_020000Z "... the coin in the archive switched"

# A model that does not verify is never switched in, and nothing is left.
mkdir -p bad/models/AAAUSDT && cp -R "$H/models/AAAUSDT/20251109_020000Z" bad/models/AAAUSDT/
ln -s 20251109_020000Z bad/models/AAAUSDT/current
echo tampered >bad/models/AAAUSDT/20251109_020000Z/model.ubj
tar czf bad.tar.gz -C bad models
run model-backup --home "$T/h4" --restore bad.tar.gz
is "$rc" 1 "a model whose checksum fails: exit 1"
like "$err" "model.ubj: checksum mismatch" "... says which file"
like "$err" "bad.tar.gz: models/AAAUSDT/20251109_020000Z: does not verify; refused$" "... and that it refused"
ok "$(test ! -e "$T/h4/models"; echo $?)" "... and leaves no models/ (no empty models/SYM)"
rm -rf "$T/h4/models"
ln -sfn 20251102_020000Z "$H/models/AAAUSDT/current"
run model-backup --restore bad.tar.gz
is "$rc:$(readlink "$H/models/AAAUSDT/current")" "1:20251102_020000Z" "... nor is current switched in a home that has the coin"
is "$(leftovers "$H")" 0 "... and no staging directory is left"

# An existing directory that current would name must verify too: its
# coin is refused, the others restored.
ln -sfn 20251102_020000Z "$H/models/BBBUSDT/current"
echo tampered >"$H/models/BBBUSDT/20251109_020000Z/costs.json"
run model-backup --restore "$a"
is "$rc:$out:$(readlink "$H/models/AAAUSDT/current"):$(readlink "$H/models/BBBUSDT/current")" \
	"1:$a: 0 models restored, 1 already in place; current switched for 1 coin:20251109_020000Z:20251102_020000Z" \
	"an existing model that fails: its coin not switched, the other is; exit 1"
like "$err" "BBBUSDT/20251109_020000Z: does not verify; refused \\(move it away, e.g. to .*BBBUSDT/20251109_020000Z.damaged, and restore again: the archive's copy goes in its place\\)$" \
	"... named, with what to do"
echo "BBBUSDT new costs.json" >"$H/models/BBBUSDT/20251109_020000Z/costs.json"

# An archive with one damaged coin restores the others (a disaster
# recovery wants every coin it can have) and names the one it refused.
mkdir -p part/models && cp -R "$H/models/AAAUSDT" "$H/models/BBBUSDT" part/models/
ln -sfn 20251109_020000Z part/models/AAAUSDT/current
ln -sfn 20251109_020000Z part/models/BBBUSDT/current
echo tampered >part/models/BBBUSDT/20251109_020000Z/model.ubj
rm -rf part/models/*/20251102_020000Z part/models/*/.lock
tar czf part.tar.gz -C part models
run model-backup --home "$T/h6" --restore part.tar.gz
is "$rc:$out" "1:part.tar.gz: 1 model restored, 0 already in place; current switched for 1 coin" \
	"one coin of two damaged: the other restored, exit 1"
is "$(printf '%s\n' "$err" | sed 's|/\.restore-[^/]*/|/STAGE/|')" "model-backup: $T/h6/models/STAGE/BBBUSDT/20251109_020000Z/model.ubj: checksum mismatch
model-backup: part.tar.gz: models/BBBUSDT/20251109_020000Z: does not verify; refused" "... the damaged one named"
is "$(readlink h6/models/AAAUSDT/current):$(test -e h6/models/BBBUSDT/current; echo $?):$(leftovers "$T/h6")" \
	"20251109_020000Z:1:0" "... its current not made; no staging left"

# A model filed under another coin's name (config.json's symbol) is
# refused: predict would refuse it ("is for ...").  The backup leaves it
# out likewise.
mkdir -p swap/models/ETHUSDT && cp -R "$H/models/AAAUSDT/20251109_020000Z" swap/models/ETHUSDT/
ln -s 20251109_020000Z swap/models/ETHUSDT/current
tar czf swap.tar.gz -C swap models
run model-backup --home "$T/h7" --restore swap.tar.gz
is "$rc:$(printf '%s\n' "$err" | sed 's|/\.restore-[^/]*/|/STAGE/|')" "1:model-backup: $T/h7/models/STAGE/ETHUSDT/20251109_020000Z/config.json: the model is for AAAUSDT, not ETHUSDT
model-backup: swap.tar.gz: models/ETHUSDT/20251109_020000Z: does not verify; refused" \
	"another coin's model under ETHUSDT: refused, said why"
ok "$(test ! -e "$T/h7/models/ETHUSDT/current"; echo $?)" "... and not switched in"
run model-backup --home "$T/swap" --output "$T/swap2.tar.gz"
is "$rc:$err" "1:model-backup: $T/swap/models/ETHUSDT/20251109_020000Z/config.json: the model is for AAAUSDT, not ETHUSDT
model-backup: $T/swap/models/ETHUSDT/current -> 20251109_020000Z: does not verify; left out
model-backup: $T/swap/models: no model to back up" \
	"... and not archived"

# Links that are not a stamp directory: current -> current, ../, absolute.
for t in current ../x /tmp .; do
	rm -rf loop && mkdir -p loop/models/AAAUSDT && ln -s "$t" loop/models/AAAUSDT/current
	tar czf loop.tar.gz -C loop models
	run model-backup --home "$T/h5" --restore loop.tar.gz
	is "$rc:$err" "1:model-backup: loop.tar.gz: models/AAAUSDT/current: not a link to a model directory (-> $t); refused" \
		"current -> $t refused"
done
# A model directory without a current link, a second stamp, a hard link.
rm -rf x && mkdir -p x/models/AAAUSDT && cp -R "$H/models/AAAUSDT/20251109_020000Z" x/models/AAAUSDT/
tar czf nolink.tar.gz -C x models
run model-backup --home "$T/h5" --restore nolink.tar.gz
is "$rc:$err" "1:model-backup: nolink.tar.gz: models/AAAUSDT: no current link in the archive; refused" "a model without its current link"
ln -s 20251109_020000Z x/models/AAAUSDT/current
cp -R "$H/models/AAAUSDT/20251102_020000Z" x/models/AAAUSDT/
tar czf two.tar.gz -C x models
run model-backup --home "$T/h5" --restore two.tar.gz
is "$rc:$err" "1:model-backup: two.tar.gz: models/AAAUSDT/20251102_020000Z: not the current model; refused" "a second model directory"
rm -rf x/models/AAAUSDT/20251102_020000Z
ln x/models/AAAUSDT/20251109_020000Z/model.ubj x/models/AAAUSDT/20251109_020000Z/copy
tar czf hard.tar.gz -C x models
run model-backup --home "$T/h5" --restore hard.tar.gz
like "$rc:$err" "^1:model-backup: hard.tar.gz: models/AAAUSDT/20251109_020000Z/(copy|model.ubj): a hard link, not a model file; refused$" "a hard link: said"
is "$(find "$T/h5" -type f 2>/dev/null | wc -l):$(leftovers "$T/h5")" "0:0" "refused archives leave nothing behind"

# A hostile archive: nothing outside models/<SYM>/ is written.
mkdir -p evil/models/AAAUSDT/X && echo x >evil/models/AAAUSDT/X/f && echo y >evil/escape
tar czf evil.tar.gz -C evil models/AAAUSDT/X/f escape
run model-backup --home "$T/h3" --restore evil.tar.gz
is "$rc:$err" "1:model-backup: evil.tar.gz: models/AAAUSDT/X/f: not a name of models/SYM/STAMP/FILE; refused" "entries outside models/SYM/STAMP/ refused"
is "$(find "$T/h3" -type f 2>/dev/null | wc -l)" 0 "and nothing is left behind"
python3 -c 'import tarfile,io,sys; t=tarfile.open(sys.argv[1],"w:gz"); i=tarfile.TarInfo("models/\033[2J/x"); i.size=1; t.addfile(i, io.BytesIO(b"x")); t.close()' ctl.tar.gz
run model-backup --home "$T/h3" --restore ctl.tar.gz
is "$rc:$err" "1:model-backup: ctl.tar.gz: models/?[2J/x: not a name of models/SYM/STAMP/FILE; refused" "control bytes of entry names are escaped"
echo 'not an archive' >junk.tar.gz
run model-backup --restore junk.tar.gz
is "$rc:$err" "1:model-backup: junk.tar.gz: not a tar archive, or one damaged or cut short" "a file that is no archive fails, said"
# Not the errno libarchive files an unknown format under ("Invalid or
# incomplete multibyte or wide character").
: >empty.tar.gz
echo 'text' | gzip >text.gz
echo 'text' | xz >text.xz 2>/dev/null || : >text.xz
python3 -c 'import zipfile,sys; zipfile.ZipFile(sys.argv[1], "w").writestr("models/x", "x")' a.zip
for f in empty.tar.gz text.gz text.xz a.zip; do
	run model-backup --home "$T/h8" --restore $f
	is "$rc:$err" "1:model-backup: $f: not a tar archive, or one damaged or cut short" "$f: not a tar archive"
done
head -c 100 "$a" >cut.tar.gz
run model-backup --home "$T/h8" --restore cut.tar.gz
is "$rc:$err" "1:model-backup: cut.tar.gz: truncated gzip input" "a truncated archive: libarchive's word"

# train-coin's lock: a restore waits for no one, exits 6 and changes nothing.
ln -sfn 20251102_020000Z "$H/models/AAAUSDT/current"
flock "$H/models/BBBUSDT/.lock" sleep 1.5 &
held "$H/models/BBBUSDT/.lock"
run model-backup --restore "$a"
is "$rc:$err" "6:model-backup: $H/models/BBBUSDT: locked by another train-coin" "a coin being trained: exit 6"
is "$(readlink "$H/models/AAAUSDT/current")" 20251102_020000Z "... and no coin is switched"
wait

# Orphans of killed restores (this version's staging, an older one's
# hidden directories) are swept; a live restore's staging is not.
mkdir -p "$H/models/.restore-dead01/AAAUSDT" "$H/models/AAAUSDT/.20251109_020000Z.restore" \
	"$H/models/.restore-live01"
: >"$H/models/AAAUSDT/.current.restore"
flock "$H/models/.restore-live01" sleep 1.5 &
held "$H/models/.restore-live01"
run model-backup --restore "$a"
is "$rc" 0 "restore with orphans around"
ok "$(test ! -e "$H/models/.restore-dead01" && test ! -e "$H/models/AAAUSDT/.20251109_020000Z.restore" &&
	test ! -e "$H/models/AAAUSDT/.current.restore"; echo $?)" "dead restores' leftovers are swept"
ok "$(test -d "$H/models/.restore-live01"; echo $?)" "a live restore's staging is left alone"
wait
rmdir "$H/models/.restore-live01"

# A restore stopped by a signal removes its staging directory (env
# restores SIGINT, which sh has a background job ignore).
for sig in TERM:143 HUP:129 INT:130; do
	code=${sig#*:} sig=${sig%:*}
	{ head -c 300 "$a"; sleep 2; tail -c +301 "$a"; } |
	    env --default-signal=INT model-backup --home "$T/h9" --restore /dev/stdin 2>/dev/null &
	pid=$!
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		staged=$(leftovers "$T/h9")
		[ "$staged" -eq 0 ] || break
		sleep 0.1
	done
	sleep 0.2	# into the unpacking, the first entries staged
	kill -$sig $pid
	{ wait $pid; } 2>/dev/null
	is "$?:$staged:$(leftovers "$T/h9"):$(test -e "$T/h9/models/AAAUSDT/current"; echo $?)" \
		"$code:1:0:1" "SIG$sig while unpacking: the staging directory is gone, nothing switched"
done

# Two backups within one second: the second takes the next second's name,
# never the first's (which may hold the one archive of a model since
# damaged).
mkdir -p twice && cp -R "$H/models" twice/
a1=$(model-backup --home "$T/twice") && a2=$(model-backup --home "$T/twice")
is "$?:$(ls twice/backups | wc -l)" "0:2" "two backups at once: two archives"
ok "$(test "$a1" != "$a2" && test -s "$a1" && test -s "$a2"; echo $?)" "... of two names, both whole"

# The archive ends with its gzip stream (no zero padding gzip -l chokes
# on); one cut short in its last bytes is refused, saying so.
is "$(gzip -lq "$a1" >/dev/null 2>&1; echo $?)" 0 "gzip -l reads the archive"
head -c $(($(stat -c %s "$a1") - 4)) "$a1" >cut.tar.gz
run model-backup --home "$T/twice" --restore cut.tar.gz
like "$rc:$err" "^1:.*cut.tar.gz: .*damaged or cut short" "an archive cut in its gzip trailer: refused, said"

# Rotation keeps the newest N.
for d in 01 02 03 04 05; do : >"$H/backups/models-202001${d}_000000Z.tar.gz"; done
run model-backup --keep 3
is "$rc" 0 "backup with --keep 3"
is "$(ls "$H/backups" | wc -l)" 3 "three archives kept"
ls "$H/backups" | grep -q 'models-2020010[123]'
ok $((!$?)) "the oldest went"
run model-backup --keep 0
is "$rc" 2 "--keep 0 is a usage error"
run model-backup --output -
like "$rc:$err" "^2:model-backup: --output -: the archive goes to a file" "--output -: usage error, not a tar.gz on standard output"
run model-backup --output "$T/junk.tar.gz/x.tar.gz"
is "$rc" 1 "unwritable output fails"
# --output replaces a regular file only: never a device (as root,
# /dev/null would be gone), a FIFO (never opened, so nothing can block),
# a link (nor where it points), or a directory.
mknod dev c 1 3 2>/dev/null
mkfifo fifo
ln -s target link
mkdir dir
for f in dev fifo link dir; do
	[ -e $f ] || [ -L $f ] || { ok 0 "# SKIP no mknod here"; ok 0 "# SKIP"; continue; }
	type=$(stat -c %F $f)
	reason="not a regular file"
	[ $f = dir ] && reason="Is a directory"
	run timeout 10 model-backup --output $f
	is "$rc:$out:$err" "1::model-backup: $f: $reason" "--output onto a $type: refused"
	is "$(stat -c %F $f)" "$type" "... and left as it was"
done
ok "$(test ! -e target; echo $?)" "nothing written where the link points"
# Only backups/ under the data home is made: the directory of --output
# must exist.
run model-backup --output "$T/nodir/x.tar.gz"
is "$rc:$out:$err" "1::model-backup: $T/nodir: No such file or directory" "--output into a missing directory: named"
ok "$(test ! -e "$T/nodir"; echo $?)" "... and not made"

# Rotation: only backups/models-STAMP.tar.gz names count, the archive
# just made is never deleted (not by one dated after now, the clock set
# back), and a backup killed with -9 leaves no temporary for good.
mkdir -p rot && cp -R "$H/models" rot/ && mkdir rot/backups
for n in models-20200101_000000Z.tar.gz models-20200102_000000Z.tar.gz models-20990101_000000Z.tar.gz \
    models-before-upgrade.tar.gz .models-20200103_000000Z.tar.gz.tmp.Ab12Cd \
    .models-before-upgrade.tar.gz.tmp.Zz99Yy; do
	echo x >"rot/backups/$n"
done
run model-backup --home "$T/rot" --keep 2
new=${out##*/}
is "$rc:$(LC_ALL=C ls -A rot/backups | tr '\n' ' ')" \
    "0:.models-before-upgrade.tar.gz.tmp.Zz99Yy $new models-20990101_000000Z.tar.gz models-before-upgrade.tar.gz " \
    "--keep 2: the new archive and the newest other; another name untouched; a killed backup's temporary gone, an --output's in progress kept"
rm rot/backups/.models-before-upgrade.tar.gz.tmp.Zz99Yy
run model-backup --home "$T/rot" --keep 1
is "$rc:$(ls -A rot/backups | grep -c '^models-2')" "0:1" "--keep 1: the new archive alone, whatever stamp is newer"
test -s "$out"
ok $? "... the archive printed is there"
run model-backup --keep 0
is "$rc:$(printf '%s\n' "$err" | head -n 1)" '2:model-backup: --keep: not a whole number from 1 to 100000: "0"' \
    "--keep 0: a usage error that says why"

# What a restore accepts is archived; the rest is left out, said: a link
# or a directory in a model directory.  A current naming no model
# directory is damage: exit 1, and no older archive is rotated out (the
# coin's model may be in it alone).
ln -s model.ubj "rot/models/BBBUSDT/20251109_020000Z/alias"
mkdir "rot/models/BBBUSDT/20251109_020000Z/sub"
ln -sfn 20991231_000000Z rot/models/AAAUSDT/current
nold=$(ls rot/backups | grep -c '^models-2')
run model-backup --home "$T/rot" --keep 1
is "$rc:$(tar tzf "$out" | grep -c BBBUSDT/20251109_020000Z/):$(tar tzf "$out" | grep -c AAAUSDT)" "1:8:0" \
    "odd entries left out, the other coin archived: exit 1 for the dangling current"
like "$err" "rot/models/AAAUSDT/current -> 20991231_000000Z: not a model directory; left out" "a dangling current: said"
is "$(ls rot/backups | grep -c '^models-2')" $((nold + 1)) "... and no older archive rotated out"
like "$err" "BBBUSDT/20251109_020000Z/alias: a symbolic link; left out" "a link: said"
like "$err" "BBBUSDT/20251109_020000Z/sub: not a regular file; left out" "a directory: said"
run model-backup --home "$T/other2" --restore "$out"
is "$rc" 0 "... and the archive restores"
for odd in dir file name; do
	rm -rf rot/models/AAAUSDT/current
	case $odd in
	dir) mkdir rot/models/AAAUSDT/current; why='not a symbolic link' ;;
	file) : >rot/models/AAAUSDT/current; why='not a symbolic link' ;;
	name) ln -s .hidden rot/models/AAAUSDT/current; why='unexpected link target .hidden' ;;
	esac
	nold=$(ls rot/backups | grep -c '^models-2')
	run model-backup --home "$T/rot" --keep 1
	is "$rc:$(printf '%s\n' "$err" | grep -c "rot/models/AAAUSDT/current: $why; left out"):$(ls rot/backups | grep -c '^models-2')" \
	    "1:1:$((nold + 1))" "a current that is a $odd: damage, said; nothing rotated out"
done
rm -rf rot/models/AAAUSDT/current
run model-backup --restore "$T/nothere.tar.gz"
is "$rc:$err" "1:model-backup: $T/nothere.tar.gz: No such file or directory" "a missing archive: the system's reason"

# A restore that fails for one coin says which coins it did switch.
ln -sfn 20251102_020000Z "$H/models/AAAUSDT/current"
mv "$H/models/BBBUSDT/current" bcur && mkdir "$H/models/BBBUSDT/current"
run model-backup --restore "$a"
is "$rc" 1 "a coin that cannot be switched: exit 1"
like "$err" "$a: AAAUSDT: restored all the same \\(current switched\\)" "... and the coin that was switched is named"
rmdir "$H/models/BBBUSDT/current" && mv bcur "$H/models/BBBUSDT/current"

# A current model that does not verify is left out, named, and the
# backup exits 1; the archive of the other coins is kept, and rotation
# pushes out no older archive (it may hold the coin's last good model).
mkdir -p dmg/backups && cp -R "$H/models" dmg/
echo tampered >dmg/models/BBBUSDT/20251109_020000Z/model.ubj
: >dmg/backups/models-20200101_000000Z.tar.gz
run model-backup --home "$T/dmg" --keep 1
is "$rc:$(printf '%s\n' "$err" | tail -n 1)" \
    "1:model-backup: $T/dmg/models/BBBUSDT/current -> 20251109_020000Z: does not verify; left out" \
    "a damaged current model: exit 1, the coin named"
like "$err" "BBBUSDT/20251109_020000Z/model.ubj: checksum mismatch" "... and the file"
is "$(tar tzf "$out" | grep -c AAAUSDT/):$(tar tzf "$out" | grep -c BBBUSDT)" "9:0" \
    "... the archive holds the other coin only"
is "$(ls dmg/backups | wc -l)" 2 "... and no older archive is rotated out"
run model-backup --home "$T/dmg2" --restore "$out"
is "$rc" 0 "... and it restores"
run model-backup --home "$T/dmg" --output "$T/dmg.tar.gz"
is "$rc:$out" "1:$T/dmg.tar.gz" "--output: exit 1 too, the archive made and printed"
echo tampered >dmg/models/AAAUSDT/20251109_020000Z/costs.json
run model-backup --home "$T/dmg" --keep 1
is "$rc:$out:$(ls dmg/backups | wc -l)" "1::2" "every model damaged: no archive, none rotated out"

# Nothing to back up is an error, and nothing is written: an empty
# archive would be no backup, and rotation would push real ones out.
mkdir -p empty lost/models/AAAUSDT lost/backups
run model-backup --home "$T/empty"
is "$rc:$out:$err" "1::model-backup: $T/empty/models: no model to back up" "a home without models: exit 1, said"
is "$(ls -A empty)" "" "... and no backups/ made"
: >lost/backups/models-20200101_000000Z.tar.gz
: >lost/backups/models-20200102_000000Z.tar.gz
run model-backup --home "$T/lost" --keep 1
is "$rc:$err:$(ls lost/backups | wc -l)" "1:model-backup: $T/lost/models: no model to back up:2" \
	"a home whose models are gone: no empty archive, the old ones kept"
run model-backup --home "$T/typo"
is "$rc:$err" "1:model-backup: $T/typo: No such file or directory" "a mistyped --home: named"
ok "$(test ! -e "$T/typo"; echo $?)" "... and not made"
run model-backup AAAUSDT
is "$rc" 2 "symbols without --restore are a usage error"
is "$(find "$H" "$T" -name '*.tmp*' | wc -l)" 0 "no temporary files left"

# A full disk: the archive is named with the reason, and nothing is left.
head -c 300000 /dev/urandom >"$H/models/AAAUSDT/current/features.csv"
(cd "$H/models/AAAUSDT/current" && sha256sum $FILES >sha256.txt)
mkdir -p full
for fill in 0 56; do
	run unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$1" 2>/dev/null || exit 77
		[ "$2" -eq 0 ] || dd if=/dev/zero of="$1/fill" bs=1k count="$2" 2>/dev/null
		model-backup --output "$1/x.tar.gz"; echo "rc=$? $(ls -A "$1" | grep -vc fill)"' sh "$T/full" $fill
	if [ "$rc" -ne 0 ]; then	# 77: no mount; else no unshare
		ok 0 "# SKIP no tmpfs mount here"
		continue
	fi
	is "$out:$err" "rc=1 0:model-backup: $T/full/x.tar.gz: No space left on device" \
		"full disk ($fill k used before): archive named, ENOSPC said, nothing left"
done
# The page renders its defaults and quotes as written (a flag inside .Pq
# made "-default -4"; a quote starting with No lost the word).
page=$(mandoc -T utf8 "$TOP/man/model-backup.1" | col -b | tr -s ' \n' '  ')
like "$page" "\(--keep, default 4\)" "model-backup(1): --keep's default renders"
like "$page" "No space left on device" "model-backup(1): the quoted error renders whole"
# A restore that cannot write a file whole (a file size limit here; a
# full disk likewise) says why, and switches nothing.
B=$T/big
mkmodel "$B/models/BIGUSDT/20251109_020000Z" "BIGUSDT"
head -c 300000 /dev/urandom | od -An -tx1 >"$B/models/BIGUSDT/20251109_020000Z/features.csv"
(cd "$B/models/BIGUSDT/20251109_020000Z" && sha256sum $FILES >sha256.txt)
ln -s 20251109_020000Z "$B/models/BIGUSDT/current"
big=$(model-backup --home "$B")
run sh -c 'trap "" XFSZ; ulimit -f 200; exec model-backup --home "$1" --restore "$2"' sh "$T/bigto" "$big"
like "$rc:$err" "^1:model-backup: .*features\.csv: File too large" \
	"a file cut short by a size limit: exit 1, the reason named (not a stale one)"
ok "$(test ! -e "$T/bigto/models/BIGUSDT/current"; echo $?)" "no current switched"
is "$(leftovers "$T/bigto")" 0 "no staging directory or temporary left"

# A model of the same name in place that is another model (verifying on
# its own: two hosts trained the same second): refused, not taken for
# the archive's.
mkmodel "$T/same/models/AAAUSDT/20251109_020000Z" "AAAUSDT elsewhere"
run model-backup --home "$T/same" --restore "$a" AAAUSDT
is "$rc:$(readlink "$T/same/models/AAAUSDT/current")" "1:" "another model under the archive's name: refused, exit 1, nothing switched"
like "$err" "AAAUSDT/20251109_020000Z: another model of the same name is in place \\(its sha256.txt differs from the archive's\\); refused" "... said"
# A restore refused as a coin is locked (exit 6) leaves no coin it made
# for its lock.
mkdir -p "$T/lk/models/BBBUSDT"
flock "$T/lk/models/BBBUSDT/.lock" sleep 3 &
held "$T/lk/models/BBBUSDT/.lock"
run model-backup --home "$T/lk" --restore "$a"
is "$rc:$(ls "$T/lk/models")" "6:BBBUSDT" "a locked coin: exit 6, and no other coin's directory left behind"
wait
done_testing
