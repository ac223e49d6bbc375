/* backup.h — archives of the serving models (models/<SYM>/current and the
 * directory it points to) as backups/models-<STAMP>.tar.gz, through
 * libarchive; rotation; restore. */
#ifndef CT_BACKUP_H
#define CT_BACKUP_H

#include <stddef.h>

/* Archive every models/<SYM>/current into out (atomically; NULL: the
 * default name under backups/, made when missing; out's directory must
 * exist), store its path in made.  A current model that does not verify
 * (ct_model_verify_coin: what a restore would refuse) is left out with a
 * diagnostic naming it, and counted in *damaged.  The number of models archived, or -1 with a diagnostic;
 * no model to archive is an error, and nothing is written. */
long ct_backup_models(const char *home, const char *out, char *made, size_t n, long *damaged);
/* The default backup: under backups/'s lock (one at a time), remove the
 * temporaries of backups killed with -9, archive as ct_backup_models
 * does into backups/models-<STAMP>.tar.gz, then keep that archive and
 * the newest keep - 1 other backups/models-<STAMP>.tar.gz; delete the
 * older (other names are not touched); none when a coin was left out as
 * damaged (*damaged > 0): the older archives may hold its last good
 * model.  As ct_backup_models. */
long ct_backup_rotated(const char *home, long keep, char *made, size_t mn, long *damaged);
/* What a restore did. */
struct ct_restored {
	long models;	/* model directories unpacked into place */
	long present;	/* ... already there (verified, kept as they were) */
	long switched;	/* coins whose current now names the archived model */
	long refused;	/* coins not restored (said): not in the archive, or
			 * their model does not verify or is another coin's */
};

/* Put the models of an archive made by ct_backup_models (tar, gzip'ed or
 * not) back into service in home, for the coins in only (all when nonly
 * is 0).  Every entry must be models/<SYM>/current, a link to a stamp
 * directory, or a regular file models/<SYM>/<STAMP>/<FILE> of that
 * directory; else nothing is restored.  Then each coin on its own: its
 * model must verify against its sha256.txt and name the coin in its
 * config.json (ct_model_verify_coin), and so must a model directory of
 * that name already in place (never overwritten); else the coin is
 * refused, named.  Holding the train-coin lock of every coin to restore,
 * new model directories are renamed into place, each current is switched
 * atomically, and the coins' cache entries are removed.  Staging happens
 * in models/.restore-XXXXXX, removed at the end; those of killed restores
 * are swept.  0 when every coin (every one named) was restored, else -1
 * with diagnostics, res telling what was done all the same (errno
 * EWOULDBLOCK when a coin is locked by a running train-coin: nothing
 * was). */
int ct_backup_restore(const char *home, const char *archive, char *const only[], size_t nonly,
    struct ct_restored *res);

#endif
