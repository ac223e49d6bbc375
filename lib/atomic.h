/* atomic.h — write a file under a temporary name in the same directory,
 * flush, fsync, rename into place; the old file survives every failure. */
#ifndef CT_ATOMIC_H
#define CT_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

#include "home.h"

struct ct_afile {
	FILE *fp;
	char path[CT_PATH_MAX];
	char tmp[CT_PATH_MAX];
	struct ct_afile *next;	/* registry of open temporaries, for signals */
};

/* Open a temporary beside path (".NAME.tmp.XXXXXX"); 0 or -1 with errno. */
int ct_afile_open(struct ct_afile *af, const char *path);
/* Flush, fsync, close, rename to path, fsync the directory.  On failure the
 * temporary is removed, errno set and -1 returned. */
int ct_afile_commit(struct ct_afile *af);
/* Close and remove the temporary. */
void ct_afile_abort(struct ct_afile *af);
/* Whole buffer to path, atomically. */
int ct_write_atomic(const char *path, const void *buf, size_t len);
/* fsync the directory that holds path (or path itself if a directory). */
int ct_fsync_dir(const char *path);
/* On SIGINT/TERM/HUP/PIPE/XFSZ remove open temporaries, then die of the
 * signal; signals the caller ignores (nohup) stay ignored. */
void ct_cleanup_on_signals(void);

#endif
