/* storestats.h — one fast pass over the rows of a candle store by their
 * open times, prices left unparsed: how many rows, their span and gaps
 * for coin-status, a row's close on demand for the dashboard's
 * buy-and-hold curve.  A 50000-row store (5.5 MB) takes about 3 ms. */
#ifndef CT_STORESTATS_H
#define CT_STORESTATS_H

#include <stddef.h>
#include <stdint.h>

struct ct_scan_stats {
	size_t rows;
	int64_t first, last;	/* open times, when rows > 0 */
	size_t gaps, missing;	/* as ct_gaps counts them */
};

/* Called for each data row with its open time and its text (without the
 * newline); a non-zero return stops the pass. */
typedef int (*ct_scan_fn)(int64_t t, const char *row, size_t len, void *arg);

/* Pass over the store at path.  0, or -1 with "path:line: reason" (or
 * "path: reason") in err: an open time that is not Unix ms (1970 to 9999) or not
 * after the previous row's, or the file cannot be read. */
int ct_store_scan(const char *path, ct_scan_fn fn, void *arg, char *err, size_t errn);
/* The same over len bytes of store text in memory, named path. */
int ct_store_scan_buf(const char *path, const char *buf, size_t len, ct_scan_fn fn, void *arg,
    char *err, size_t errn);
/* The figures of a store of timeframe tf_ms.  0 or -1 as ct_store_scan. */
int ct_store_stats(const char *path, int64_t tf_ms, struct ct_scan_stats *st, char *err,
    size_t errn);
/* The close (fifth field) of a row's text.  0, or -1 when it is missing
 * or not a number. */
int ct_row_close(const char *row, size_t len, double *close);

#endif
