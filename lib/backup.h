/* backup.h — archives of the serving models (models/<SYM>/current and the
 * directory it points to) as backups/models-<STAMP>.tar.gz, through
 * libarchive; rotation; restore. */
#ifndef CT_BACKUP_H
#define CT_BACKUP_H

#include <stddef.h>

/* Archive every models/<SYM>/current into out (atomically; NULL: the
 * default name under backups/), store its path in made.  The number of
 * models archived, or -1 with a diagnostic. */
long ct_backup_models(const char *home, const char *out, char *made, size_t n);
/* Keep the newest keep archives backups/models-*.tar.gz; delete older. */
int ct_backup_rotate(const char *home, long keep);
/* Extract an archive made by ct_backup_models into home: each model
 * directory that does not exist yet is unpacked beside its final name and
 * renamed into place; then current is switched atomically.  Entries
 * outside models/<SYM>/ are refused.  Number of models, or -1. */
long ct_backup_restore(const char *home, const char *archive);

#endif
