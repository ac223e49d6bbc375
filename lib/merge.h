/* merge.h — merging new candles into a stored series, and the report an
 * operator reads after every merge. */
#ifndef CT_MERGE_H
#define CT_MERGE_H

#include <stdint.h>
#include <stdio.h>

#include "candles.h"

#define CT_MERGE_SHOW 3		/* conflicting open times remembered */

struct ct_merge_stats {
	size_t read;		/* incoming rows */
	size_t added;		/* rows not in the store before */
	size_t present;		/* rows equal to a stored one */
	size_t conflicts;	/* rows that differ from the stored one */
	size_t replaced;	/* of those, taken instead of the stored one */
	int64_t conflict_t[CT_MERGE_SHOW];
};

struct ct_gap_stats {
	size_t gaps;		/* steps longer than one candle */
	size_t missing;		/* whole candles missing in them */
	size_t longest;		/* missing candles in the longest gap */
	int64_t longest_from, longest_to;	/* open times on either side of it */
	size_t zero_volume;
	size_t off_grid;	/* open times not a multiple of the timeframe */
};

/* Merge in (sorted, unique) into store (sorted, unique), keeping the stored
 * row where they disagree unless replace is set.  Counts are added to st.
 * 0, or -1 when out of memory (store unchanged). */
int ct_merge(struct ct_series *store, const struct ct_series *in, int replace,
    struct ct_merge_stats *st);
/* Gaps, zero-volume and off-grid candles of a series of timeframe tf_ms. */
void ct_gaps(const struct ct_series *s, int64_t tf_ms, struct ct_gap_stats *g);
/* *step is the typical distance between the rows of s (tf_ms for fewer
 * than two rows); -1 when most rows are closer than one candle (the file
 * holds a smaller timeframe), else 0. */
int ct_fits_timeframe(const struct ct_series *s, int64_t tf_ms, int64_t *step);
/* A store being merged into.  While every incoming row lies after the
 * stored ones (the incremental case) the file is not parsed, only copied
 * with the new rows after it; the first merge that reaches back into the
 * stored rows loads them all. */
struct ct_merger {
	const char *path;
	int replace;
	int loaded;		/* s holds every row; else the rows appended */
	char *disk;		/* the store file's bytes while not loaded */
	size_t disklen, disk_rows;
	struct ct_candle first, last;	/* of the stored rows, when disk_rows */
	struct ct_series s;
	int64_t from, to;	/* span of the incoming rows, when st.read */
	struct ct_merge_stats st;
	int lockfd;		/* the store's directory, flock'ed; -1 if none */
	int made_dir;		/* levels of it we created: removed again if left empty */
};

/* Open the store at path (missing: empty).  With lock, the store's
 * directory is created if need be and locked (flock) until
 * ct_merger_free, so concurrent runs on one store cannot lose each
 * other's rows.  0, or -1 with a diagnostic. */
int ct_merger_open(struct ct_merger *m, const char *path, int replace, int lock);
/* Open time of the last stored row; 0 when the store is empty. */
int ct_merger_last(const struct ct_merger *m, int64_t *t);
/* Merge in (sorted, unique).  0, or -1 with a diagnostic. */
int ct_merger_add(struct ct_merger *m, const struct ct_series *in);
/* The report an operator reads, "prog: label: ..." lines on fp: rows read,
 * added, already present, conflicting (the first few by time); the store's
 * size and span; gaps, zero-volume and off-grid candles in the span of the
 * rows read (with the stored candle before it). */
void ct_merger_report(const struct ct_merger *m, FILE *fp, const char *label, int64_t tf_ms);
/* Every row as store CSV on fp. 0 or -1. */
int ct_merger_write(const struct ct_merger *m, FILE *fp);
/* Replace the store atomically when anything changed.  0 or -1. */
int ct_merger_save(const struct ct_merger *m);
void ct_merger_free(struct ct_merger *m);

#endif
