/* modeldir.h — building a model directory safely: per-symbol lock, a
 * temporary directory models/<SYM>/.tmp-<STAMP>-<pid>, checksums and
 * verification, rename into place, atomic switch of `current`, pruning
 * of old models. */
#ifndef CT_MODELDIR_H
#define CT_MODELDIR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "home.h"

/* The checkpoint of a training, inside the temporary directory. */
#define CT_MDIR_CKPT	"work/checkpoint"

struct ct_mdir {
	char symdir[CT_PATH_MAX];	/* home/models/<SYM> */
	char tmp[CT_PATH_MAX];		/* the directory being built */
	char work[CT_PATH_MAX];		/* tmp/work: scratch, never published */
	char ckpt[CT_PATH_MAX];		/* tmp/CT_MDIR_CKPT */
	int lockfd;
	int locked;			/* begin failed: another run holds the lock */
};

/* Take the lock of a coin's models (symdir = home/models/<SYM>): create
 * symdir and symdir/.lock (never through a symlink) and flock it without
 * waiting.  The descriptor (close it to release), or -1 with a diagnostic
 * and errno (EWOULDBLOCK: "locked by another train-coin"). */
int ct_mdir_lock(const char *symdir);
/* Create models/<sym>, take its lock (flock on models/<sym>/.lock; when
 * another process holds it: error "locked by another train-coin", locked
 * set, -1), create the temporary directory and its work directory, move
 * into it the newest checkpoint left by a killed run, and remove the rest
 * of what killed runs left (.tmp-*, and .partial-* of older versions).
 * 0 or -1 (error printed). */
int ct_mdir_begin(struct ct_mdir *m, const char *home, const char *sym);
/* Remove the work directory, write sha256.txt, verify it, rename the directory to models/<sym>/<STAMP>,
 * point `current` at it (new symlink renamed over the old), then keep the
 * keep newest model directories (never the current one).  The final path
 * goes to out.  0 or -1 (error printed; current untouched). */
int ct_mdir_commit(struct ct_mdir *m, int keep, char *out, size_t n);
/* Remove the temporary directory (after a failure). */
void ct_mdir_abort(struct ct_mdir *m);
/* Release the lock. */
void ct_mdir_end(struct ct_mdir *m);
/* rm -r path (no symlinks followed).  0 or -1. */
int ct_rmtree(const char *path);
/* ct_rmtree, but path is first renamed to a hidden ".NAME-gone" beside
 * it, so a kill while removing never leaves part of it under its name.
 * 0, or -1 (printed). */
int ct_rmtree_atomic(const char *path);
/* 1 when name is a model stamp YYYYMMDD_HHMMSSZ. */
int ct_stamp_ok(const char *name);
/* A stamp as Unix ms; 0, or -1 when it is no stamp. */
int ct_stamp_ms(const char *stamp, int64_t *ms);
/* The stamp of the fresh training a model descends from: config.json's
 * "fresh_stamp" (an incremental update's, carried from parent to child),
 * else the model's own stamp (a fresh model, or an update made before
 * updates recorded it). */
const char *ct_fresh_stamp(const json_t *config, const char *stamp);

#endif
