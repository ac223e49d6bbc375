/* dataset.h — the labelled rows training works on: features, label, and
 * the return, cost, log close and time behind each label.  Built in memory
 * from a series (the honesty tests feed it their own feature function), or
 * streamed from the store into a file that is mapped read-only, so a store
 * of any length costs a bounded amount of memory: the pages a phase has
 * read are released when it is done (ct_dataset_release), and the kernel
 * can drop them under pressure anyway.  Both give the same values, bit for
 * bit. */
#ifndef CT_DATASET_H
#define CT_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "candles.h"
#include "costs.h"

/* Same contract as ct_features(). */
typedef int (*ct_feat_fn)(const struct ct_series *s, size_t from, size_t to, float *out);

/* Rows are the candles i of a series with full features and a known label:
 * ct_feat_warmup() <= i < n - horizon.  Row r is candle first + r. */
struct ct_dataset {
	size_t n, nfeat, first;
	int horizon;
	int64_t tf_ms;
	float *x;		/* n*nfeat features */
	float *y;		/* 1 when fwd_bps > cost_bps */
	double *fwd_bps;	/* log return from close[i] to close[i+horizon], bps */
	double *cost_bps;	/* round-trip cost of a trade entered at close[i] */
	double *lc;		/* log close of the row's candle */
	int64_t *t;		/* open time of the row's candle, ms */
	void *map;		/* the file's mapping when streamed, else NULL */
	size_t maplen;
	int keep;		/* 1: ct_dataset_release gives nothing back */
};

/* In memory.  fn NULL means ct_features.  costs->spread_bps must be set.
 * 0 or -1 (error printed; a feature that is infinite is an error: prices
 * or volumes too large for the arithmetic). */
int ct_dataset_build(struct ct_dataset *d, const struct ct_series *s, int horizon,
    int64_t tf_ms, const struct ct_costs *costs, ct_feat_fn fn);

/* What streaming learnt about the store besides the rows. */
struct ct_stream_info {
	size_t candles;		/* candles read */
	char sha256[65];	/* of the bytes of their lines */
	size_t later;		/* candles after until, not read */
	struct ct_series tail;	/* the newest min(candles, warmup + 200) of them */
};

/* The newest rows candles of the store at path (all: 0) of open time <=
 * until (CT_SCAN_ALL: every one), streamed into
 * the file at file (created or replaced, and unlinked at once: a scratch
 * file no kill leaves behind) and mapped.  A NAN spread in
 * costs is estimated from the candles (Corwin-Schultz) and set there.
 * Errors name the store's file and line.  0 or -1. */
int ct_dataset_stream(struct ct_dataset *d, const char *path, size_t rows, int64_t until,
    int horizon, int64_t tf_ms, struct ct_costs *costs, const char *file,
    struct ct_stream_info *info);

/* Give back the memory holding rows [lo,hi) of a streamed dataset (they
 * are read again from the file when next used); nothing in memory. */
void ct_dataset_release(const struct ct_dataset *d, size_t lo, size_t hi);
void ct_dataset_free(struct ct_dataset *d);
/* The gaps in the candles of d's rows into g, said once on stderr when
 * there are any ("SYM: N gaps in the candles WHAT, ..."): a feature or
 * label across one spans far-apart candles as if they were adjacent. */
struct ct_gap_stats;
void ct_dataset_gaps(const struct ct_dataset *d, const char *sym, const char *what,
    struct ct_gap_stats *g);
/* Rows [lo,hi) as CSV (open_time, the features, label, fwd_bps,
 * cost_bps), atomically to path.  0 or -1 (error printed). */
int ct_dataset_csv(const char *path, const struct ct_dataset *d, size_t lo, size_t hi);

/* 0 when the rows <= t of fn's features do not change when every candle
 * after t is altered (prices scaled, volumes changed), for several t;
 * -1 when some feature looks into the future (a message in why). */
int ct_feat_causal_check(const struct ct_series *s, ct_feat_fn fn, char *why, size_t n);

#endif
