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
/* 0 when the rows of s can be candles of tf_ms; else -1 and *step is the
 * typical distance between them (most rows closer than one candle means
 * the file holds a smaller timeframe). */
int ct_fits_timeframe(const struct ct_series *s, int64_t tf_ms, int64_t *step);
/* The merge report, one "prog: label: ..." line per topic, on fp. */
void ct_merge_report(FILE *fp, const char *label, const struct ct_merge_stats *st,
    const struct ct_series *result, int64_t tf_ms, int replace);

#endif
