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
	int isdir;		/* tmp is a directory (ct_afile_tmpdir) */
	struct ct_afile *next;	/* registry of open temporaries, for signals */
};

/* Open a temporary beside path (".NAME.tmp.XXXXXX"); 0 or -1 with errno.
 * Only a regular file is ever replaced: when path is a device, FIFO,
 * socket or symbolic link the call fails with errno EEXIST, when it is a
 * directory with EISDIR, and nothing is created. */
int ct_afile_open(struct ct_afile *af, const char *path);
/* Flush, fsync, close, rename to path, fsync the directory.  On failure the
 * temporary is removed, errno set and -1 returned; also (EEXIST, EISDIR)
 * when path has become something other than a regular file meanwhile. */
int ct_afile_commit(struct ct_afile *af);
/* Close and remove the temporary. */
void ct_afile_abort(struct ct_afile *af);
/* Have the signals of ct_cleanup_on_signals remove the directory dir
 * and all in it (a staging directory) until ct_afile_tmpdir_done; af
 * holds the registration.  0, or -1 (ENAMETOOLONG). */
int ct_afile_tmpdir(struct ct_afile *af, const char *dir);
/* The directory is the caller's again (removed, or put in place). */
void ct_afile_tmpdir_done(struct ct_afile *af);
/* Remove the entries of dir (it may not exist) whose name match(name,
 * arg) accepts: temporaries a writer killed with -9 left.  Only for a
 * caller that holds the lock every such writer holds while it writes.
 * The number removed; a failure to remove one is told on stderr. */
int ct_sweep(const char *dir, int (*match)(const char *name, const void *arg), const void *arg);
/* ct_sweep of the temporaries ct_afile_open made for path (".NAME.tmp.*"
 * beside it). */
int ct_afile_sweep(const char *path);
/* Whole buffer to path, atomically; refused as ct_afile_open refuses. */
int ct_write_atomic(const char *path, const void *buf, size_t len);
/* The reason for errno e after a failure of the functions above, for a
 * diagnostic: "not a regular file" for EEXIST, else strerror(e). */
const char *ct_afile_strerror(int e);
/* fsync the directory that holds path (or path itself if a directory). */
int ct_fsync_dir(const char *path);
/* On SIGINT/TERM/HUP/PIPE/XFSZ remove open temporaries (files, and the
 * directories of ct_afile_tmpdir), then die of the signal; signals the
 * caller ignores (nohup) stay ignored. */
void ct_cleanup_on_signals(void);

#endif
