/* merge.h — merging new candles into the candle store, and the report an
 * operator reads after every merge.
 *
 * Memory does not grow with the store or the input: incoming rows wait as
 * sorted runs, one per file or zip member (spool.h: in memory up to a few
 * MB, then in an unlinked temporary file beside the store), and the new
 * store is written in one pass that merges the stored rows, read a block
 * at a time, with every run. */
#ifndef CT_MERGE_H
#define CT_MERGE_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "atomic.h"
#include "candles.h"
#include "spool.h"

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
	size_t rows;
	int64_t prev;		/* open time of the last row added */
	size_t gaps;		/* steps longer than one candle */
	size_t missing;		/* whole candles missing in them */
	size_t longest;		/* missing candles in the longest gap */
	int64_t longest_from, longest_to;	/* open times on either side of it */
	size_t zero_volume;
	size_t off_grid;	/* open times not a multiple of the timeframe */
};

/* Add the next row of a sorted series of timeframe tf_ms to g (zeroed
 * first): gaps, zero-volume and off-grid candles. */
void ct_gap_add(struct ct_gap_stats *g, const struct ct_candle *c, int64_t tf_ms);

/* The steps between the rows of one source, to tell whether they are
 * candles of the store's timeframe. */
#define CT_STEPS_KEEP 16
struct ct_steps {
	size_t n, shorter, multiple, longer;	/* than one candle; multiple: k >= 2 whole candles */
	int nval;
	int64_t val[CT_STEPS_KEEP];		/* the first distinct steps seen */
	size_t cnt[CT_STEPS_KEEP];
};
enum ct_tf_verdict {
	CT_TF_FITS,		/* mostly one candle apart (or too few rows to tell) */
	CT_TF_SPARSE,		/* mostly further apart, not whole candles: a warning */
	CT_TF_SMALLER,		/* mostly closer than one candle: refused */
	CT_TF_LARGER,		/* mostly a whole multiple > 1 of a candle: refused */
};
void ct_steps_add(struct ct_steps *s, int64_t step, int64_t tf_ms);
/* The verdict, and the most common step in *typical (tf_ms without steps). */
enum ct_tf_verdict ct_steps_verdict(const struct ct_steps *s, int64_t tf_ms, int64_t *typical);

/* A store being merged into. */
struct ct_merger {
	const char *path, *tf;
	const char *sym;	/* the coin, when known (set after open): an
				 * archive member whose name says another
				 * coin or timeframe is refused */
	int64_t tf_ms;
	int replace;
	int lockfd;		/* the store's directory, flock'ed; -1 if none */
	int made_dir;		/* levels of it we created: removed again if left empty */
	/* the store as found */
	int exists;
	size_t stored;		/* rows */
	struct ct_candle first, last;	/* when stored > 0 */
	off_t text_end;		/* the end of its last row (blank lines may follow) */
	struct ct_spool in;	/* incoming rows */
	size_t src_run;		/* the current source's first run */
	int nsrc;
	char *src_label;
	size_t src_rows;
	int64_t prev_t;		/* the last row put */
	long at_line, at_elem;	/* where the reader is (ct_merger_at) */
	/* the stored rows either side of the last row put (a reader moving
	 * forward with the incoming rows, opened when they reach into the
	 * store) */
	struct ct_store_rd *cur;
	struct ct_candle cur_prev, cur_next;
	int cur_have_prev, cur_have_next;
	int64_t cur_t;
	struct ct_steps steps;	/* of the current source */
	char *short_at;		/* where its first step shorter than a candle ends */
	int64_t short_t, short_step;
	int64_t from, to;	/* span of the incoming rows, when nin */
	struct ct_merge_stats st;
	/* the merged store, once written */
	int emitted;
	size_t out_n;
	int64_t out_first, out_last;
	struct ct_candle out_prev;
	const char *out_prev_src;	/* the label it came from; NULL: the store */
	int out_prev_srcno;		/* its source; -1: the store */
	struct ct_gap_stats gaps;	/* of the span read and the row before it */
	int werr;		/* errno of the first failed write */
	int printed;		/* written by ct_merger_write, not saved */
	struct ct_afile af;
};

/* Open the store at path, of timeframe tf (missing: empty).  With lock,
 * the store's directory is created if need be and locked (flock) until
 * ct_merger_free, so concurrent runs on one store cannot lose each
 * other's rows.  0, or -1 with a diagnostic. */
int ct_merger_open(struct ct_merger *m, const char *path, const char *tf, int replace, int lock);
/* Open time of the last stored row; 0 when the store is empty. */
int ct_merger_last(const struct ct_merger *m, int64_t *t);
/* A source of rows (a file, a fetch) begins; label names it in diagnostics.
 * Its rows come in one or more runs (ct_merger_run; the members of a zip,
 * label "ZIP(MEMBER)"), each by ct_merger_put, sorted and unique; runs may
 * come in any order but must agree where they overlap.  A row less than
 * one candle from a stored row at another open time is refused (the same
 * candles keyed by close time would double the store).  Each 0, or -1
 * with a diagnostic. */
int ct_merger_source(struct ct_merger *m, const char *label);
int ct_merger_run(struct ct_merger *m, const char *label);
int ct_merger_put(struct ct_merger *m, const struct ct_candle *c);
/* The row next put is at line of the current run (and JSON array
 * element elem when > 0; line 0: not known): ct_merger_put's diagnostics
 * name it. */
void ct_merger_at(struct ct_merger *m, long line, long elem);
/* The source ends: its runs must agree; with strict (files), it must
 * hold rows and fit the timeframe (refused when the rows are mostly
 * closer than one candle, or a whole multiple > 1 apart, or when any two
 * are closer than one candle, except an off-grid row followed by one on
 * the grid, as Binance re-aligns after an outage; a warning when they
 * are mostly further apart).  0, or -1 with a diagnostic. */
int ct_merger_end(struct ct_merger *m, int strict);
/* Print the merged store as CSV on fp: nothing unless all of it can be.
 * 0, or -1 with a diagnostic. */
int ct_merger_write(struct ct_merger *m, FILE *fp);
/* Replace the store atomically when anything changed.  0, or -1 with a
 * diagnostic. */
int ct_merger_save(struct ct_merger *m);
/* The report an operator reads, "prog: label: ..." lines on fp: rows read,
 * added, already present, conflicting (the first few by time); the store's
 * size and span; gaps, zero-volume and off-grid candles in the span of the
 * rows read (with the stored candle before it). */
void ct_merger_report(const struct ct_merger *m, FILE *fp, const char *label);
void ct_merger_free(struct ct_merger *m);

#endif
