/* csvin.h — libcsv fed as a stream, with what the candle readers need on
 * top: the line a row began on, and bounds that keep bad input from
 * costing memory (a row may not exceed CT_ROW_MAX bytes, an unclosed quote
 * included) or passing as text (a NUL byte is refused: "1\0 0.5" must not
 * read as 1). */
#ifndef CT_CSVIN_H
#define CT_CSVIN_H

#include <csv.h>
#include <stddef.h>

#define CT_ROW_MAX (64 * 1024)	/* bytes of one row (or line), documented in fetch-candles(1) */

struct ct_csvin {
	struct csv_parser cp;
	void (*field)(void *data, size_t len, void *arg);
	void (*row)(int c, void *arg);
	void *arg;
	long line;		/* lines begun so far */
	long row_line;		/* line the current row began on; 0 between rows */
	size_t row_bytes;	/* bytes fed since the current row began */
	int bol;		/* the next byte begins a line */
	char err[80];		/* why feeding stopped */
};

/* 0, or -1 when out of memory. */
int ct_csvin_init(struct ct_csvin *in, void (*field)(void *, size_t, void *),
    void (*row)(int, void *), void *arg);
/* Feed the next n bytes (any split of the text).  0, or -1 with in->err
 * set (malformed CSV, a NUL byte, a row too long); the callbacks run
 * inside and may read ct_csvin_line. */
int ct_csvin_feed(struct ct_csvin *in, const char *buf, size_t n);
/* The end of the text: the last row without a newline. 0 or -1 (in->err). */
int ct_csvin_fini(struct ct_csvin *in);
/* The line to name in a diagnostic: where the current row began. */
long ct_csvin_line(const struct ct_csvin *in);
void ct_csvin_free(struct ct_csvin *in);

#endif
