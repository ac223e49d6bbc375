/* import.h — candles from files in the formats exchanges and tools write:
 * Binance kline CSV (no header or a header line; open time in ms or µs),
 * our store CSV, Binance REST JSON arrays, freqtrade JSON; plain, as the
 * members of a .zip, or compressed (.gz .xz .bz2 .zst ...). */
#ifndef CT_IMPORT_H
#define CT_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "candles.h"

/* Read every candle of path ("-" = stdin) and append them to s, which the
 * rows must continue in strictly increasing open time (the members of a
 * zip may come in any order, but must agree where they overlap).  The format is told
 * from the content.  Errors go to stderr as "prog: FILE:LINE: reason";
 * returns 0 or -1. */
int ct_import_file(const char *path, struct ct_series *s);
/* The same for text already in memory; name is used in diagnostics. */
int ct_import_buf(const char *buf, size_t len, const char *name, struct ct_series *s);
/* Open time as read (ms with 13 digits, µs with 16) to ms; -1 when it is
 * neither. */
int ct_time_to_ms(int64_t raw, int64_t *ms);

#endif
