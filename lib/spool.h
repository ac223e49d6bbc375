/* spool.h — candles waiting to be merged, as sorted runs (a file, a zip
 * member, a fetch each) in a spool that costs memory only while small,
 * and read back in order of open time across runs. */
#ifndef CT_SPOOL_H
#define CT_SPOOL_H

#include <stddef.h>
#include <stdio.h>

#include "candles.h"

#define CT_SPOOL_RUNS_MAX 10000	/* files and zip members in one merge */

struct ct_run {
	size_t off, n;		/* rows [off, off+n) of the spool */
	int src;		/* the source it belongs to */
	char *label;		/* for diagnostics */
};

struct ct_spool {
	const char *near;	/* a path: temporaries go in its directory */
	char where[4096];	/* the directory of the spool's temporary */
	struct ct_series mem;	/* the rows, while few */
	FILE *spool;		/* the rows, once many */
	size_t n;
	struct ct_run *run;
	size_t nrun, cap;
};

/* Start a run; its rows follow by ct_spool_put (sorted: the caller's
 * duty).  Each 0, or -1 with a diagnostic. */
int ct_spool_new(struct ct_spool *r, const char *label, int src);
int ct_spool_put(struct ct_spool *r, const struct ct_candle *c);
void ct_spool_free(struct ct_spool *r);

/* Runs [lo, hi) read back in order of open time; at one open time in the
 * order of the runs.  Memory is a fixed buffer shared by the runs.
 * ct_kway_next: 1 with the row and its run, 0 at the end, -1 (said). */
struct ct_cursor {
	size_t run, pos, end;	/* rows [pos, end) of the spool are still to come */
	struct ct_candle *buf;
	size_t bi, bn, cap;
};
struct ct_kway {
	const struct ct_spool *m;
	struct ct_cursor *c;
	size_t *heap, n;
	struct ct_candle *mem;
};
int ct_kway_open(struct ct_kway *k, const struct ct_spool *r, size_t lo, size_t hi);
int ct_kway_next(struct ct_kway *k, struct ct_candle *c, size_t *run);
/* The next row without taking it; NULL at the end. */
const struct ct_candle *ct_kway_peek(const struct ct_kway *k, size_t *run);
void ct_kway_free(struct ct_kway *k);

/* An unlinked temporary file, for reading and writing: in $TMPDIR when
 * set, else in near's directory when it can be written, else in /tmp;
 * where (n bytes) names the directory.  NULL with a diagnostic. */
FILE *ct_tmpfile(const char *near, char *where, size_t n);
/* strerror(e), for a full disk with what to do about it. */
const char *ct_tmpfile_why(int e);

#endif
