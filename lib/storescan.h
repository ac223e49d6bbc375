/* storescan.h — the newest rows of a candle store read front to back in
 * blocks, so a store of any length is parsed in bounded memory; errors
 * name the file and its true line numbers, and the bytes read are hashed
 * (what a training checkpoint is keyed on). */
#ifndef CT_STORESCAN_H
#define CT_STORESCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "candles.h"
#include "home.h"

struct ct_scan {
	char path[CT_PATH_MAX];
	int fd;
	off_t pos, end;		/* next byte to parse; end of the file */
	long line;		/* file line number of the row at pos */
	size_t rows;		/* rows from the first one read to the end */
	char *buf;
	size_t cap;
	int have_last;
	int64_t last_t;		/* open time of the last candle read */
	int64_t tf_ms;		/* set after open, when known: each row a whole
				 * number of candles after the one before */
	size_t later;		/* rows after the until of ct_scan_open_until */
	EVP_MD_CTX *md;		/* SHA-256 of the bytes parsed so far */
};

/* Open the store at path, check its header and position the scan at its
 * last n rows (all of them when n is 0 or the store has fewer).  0 or -1
 * (error printed). */
int ct_scan_open(struct ct_scan *sc, const char *path, size_t n);
/* The same, as if the store ended at its last row of open time <= until
 * (what a resumed search reads: the rows it began on, not the candles
 * fetched since).  CT_SCAN_ALL reads to the end. */
#define CT_SCAN_ALL INT64_MAX
int ct_scan_open_until(struct ct_scan *sc, const char *path, size_t n, int64_t until);
/* Append the next block of candles to s: each is checked as the store
 * reader checks it, and must come after the candle before it.  Returns
 * the number appended, 0 at the end, -1 on error (printed). */
long ct_scan_next(struct ct_scan *sc, struct ct_series *s);
/* The SHA-256 (hex) of the bytes of every row read so far. */
void ct_scan_digest(struct ct_scan *sc, char hex[65]);
void ct_scan_close(struct ct_scan *sc);
/* The last n rows of the store at path into s (0: all).  0 or -1. */
int ct_scan_load(const char *path, size_t n, struct ct_series *s);
/* The same, each row checked to be on the grid of timeframe tf_ms. */
int ct_scan_load_tf(const char *path, size_t n, int64_t tf_ms, struct ct_series *s);

#endif
