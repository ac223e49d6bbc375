/* candles.h — OHLCV candles in memory and the canonical candle store
 * (candles/<SYMBOL>/<TF>.csv: header open_time,open,high,low,close,volume;
 * ms UTC, sorted, unique). */
#ifndef CT_CANDLES_H
#define CT_CANDLES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CT_STORE_HEADER "open_time,open,high,low,close,volume"

/* What a candle may hold: within these bounds every feature (lib/features.c,
 * the training self-check's prices x1.5 and volume x3 included) stays
 * finite in float; 1e308 would poison a model.  Real prices span about
 * 1e-10 (memecoins in BTC) to 1e9 (BTC in IDR). */
#define CT_PRICE_MIN	1e-12
#define CT_PRICE_MAX	1e12
#define CT_PRICE_RANGE	"1e-12..1e12"
#define CT_VOLUME_MAX	1e18
#define CT_VOLUME_RANGE	"1e18"

struct ct_candle {
	int64_t t;		/* open time, Unix ms UTC */
	double o, h, l, c, v;
};

struct ct_series {
	struct ct_candle *c;
	size_t n, cap;
};

int ct_series_push(struct ct_series *s, const struct ct_candle *c);
int ct_series_reserve(struct ct_series *s, size_t n);
void ct_series_free(struct ct_series *s);

/* NULL when the candle is sane, else the reason (prices in
 * [CT_PRICE_MIN, CT_PRICE_MAX], volume in [0, CT_VOLUME_MAX],
 * low <= open,close <= high). */
const char *ct_candle_invalid(const struct ct_candle *c);

/* Load a whole store file.  A missing file is an empty series (*exists
 * set to 0).  Errors name file and line on stderr; returns 0 or -1. */
int ct_store_load(const char *path, struct ct_series *s, int *exists);
/* Load only the last n rows, reading the file from its end (an error
 * names the file's real line). */
int ct_store_tail(const char *path, size_t n, struct ct_series *s);
/* Parse store-format CSV text (header first); name and line for errors. */
int ct_store_parse(const char *buf, size_t len, const char *name, struct ct_series *s);
/* A store read row by row, a block at a time: memory does not grow with
 * the file.  ct_store_open: NULL with *missing set when the file does not
 * exist, NULL with a diagnostic on other errors.  ct_store_next: 1 with
 * the next row in *c, 0 at the end, -1 on bad data (FILE:LINE printed). */
struct ct_store_rd;
struct ct_store_rd *ct_store_open(const char *path, int *missing);
int ct_store_next(struct ct_store_rd *r, struct ct_candle *c);
void ct_store_close(struct ct_store_rd *r);
/* Rows only (no header), the first at line first_line of name; appended to
 * s, each after s's last candle. */
int ct_store_parse_rows(const char *buf, size_t len, const char *name, long first_line,
    struct ct_series *s);
/* Write the series atomically to path (directories created). */
int ct_store_save(const char *path, const struct ct_series *s);
/* Write rows as store CSV (with header) to fp. 0 or -1. */
int ct_store_write(FILE *fp, const struct ct_series *s);
/* One row as store CSV. 0 or -1. */
int ct_store_write_row(FILE *fp, const struct ct_candle *c);
/* The whole file, NUL-terminated (malloc'd; length in *len), or NULL with
 * errno and *missing set when it does not exist. */
char *ct_slurp(const char *path, size_t *len, int *missing);
/* Shortest text that reads back as exactly v. */
char *ct_fmt_double(double v, char buf[32]);

#endif
