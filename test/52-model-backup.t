#!/bin/sh
# 52-model-backup.t — archive the current models, rotate, restore; a bad
# archive restores nothing.
. "$CT_TOP/test/lib.sh"
H=$COINTRAIN_HOME
for s in AAAUSDT BBBUSDT; do
	mkdir -p "$H/models/$s/20251109_020000Z" "$H/models/$s/20251102_020000Z"
	echo "$s new" >"$H/models/$s/20251109_020000Z/model.ubj"
	echo "$s old" >"$H/models/$s/20251102_020000Z/model.ubj"
	(cd "$H/models/$s/20251109_020000Z" && sha256sum model.ubj >sha256.txt)
	ln -s 20251109_020000Z "$H/models/$s/current"
done
mkdir -p "$H/models/CCCUSDT/20251109_020000Z"	# no current: not archived

run model-backup
is "$rc:$err" "0:" "backup exits 0"
like "$out" "^$H/backups/models-[0-9]{8}_[0-9]{6}Z\\.tar\\.gz$" "prints the archive"
a=$out
is "$(tar tzf "$a" | sort | tr '\n' ' ')" \
	"models/AAAUSDT/20251109_020000Z/model.ubj models/AAAUSDT/20251109_020000Z/sha256.txt models/AAAUSDT/current models/BBBUSDT/20251109_020000Z/model.ubj models/BBBUSDT/20251109_020000Z/sha256.txt models/BBBUSDT/current " \
	"holds the current model of each coin and its link, nothing else"

# Restore into an empty home.
run model-backup --home "$T/other" --restore "$a"
is "$rc:$out" "0:2 models restored from $a" "restore"
(cd "$T/other/models/AAAUSDT/current" && sha256sum -c --quiet sha256.txt)
ok $? "restored model verifies"
is "$(readlink "$T/other/models/BBBUSDT/current")" 20251109_020000Z "current restored as a link"
# Restore over a home whose current moved on: current switches back.
ln -sfn 20251102_020000Z "$H/models/AAAUSDT/current"
run model-backup --restore "$a"
is "$rc:$(readlink "$H/models/AAAUSDT/current")" "0:20251109_020000Z" "restore switches current back"
is "$(cat "$H/models/AAAUSDT/20251102_020000Z/model.ubj")" "AAAUSDT old" "other models untouched"

# A hostile archive: nothing outside models/<SYM>/ is written.
mkdir -p evil/models/AAAUSDT/X && echo x >evil/models/AAAUSDT/X/f && echo y >evil/escape
tar czf evil.tar.gz -C evil models/AAAUSDT/X/f escape
run model-backup --home "$T/h3" --restore evil.tar.gz
is "$rc:$err" "1:model-backup: evil.tar.gz: escape: not a model file; refused" "entries outside models/ refused"
is "$(find "$T/h3" -type f 2>/dev/null | wc -l)" 0 "and nothing is left behind"
echo 'not an archive' >junk.tar.gz
run model-backup --restore junk.tar.gz
is "$rc" 1 "a file that is no archive fails"

# Rotation keeps the newest N.
for d in 01 02 03 04 05; do : >"$H/backups/models-202001${d}_000000Z.tar.gz"; done
run model-backup --keep 3
is "$rc" 0 "backup with --keep 3"
is "$(ls "$H/backups" | wc -l)" 3 "three archives kept"
ls "$H/backups" | grep -q 'models-2020010[123]'
ok $((!$?)) "the oldest went"
run model-backup --keep 0
is "$rc" 2 "--keep 0 is a usage error"
run model-backup --output "$T/junk.tar.gz/x.tar.gz"
is "$rc" 1 "unwritable output fails"
is "$(find "$H" "$T" -name '*.tmp*' | wc -l)" 0 "no temporary files left"
done_testing
