/* import.h — candles from files in the formats exchanges and tools write:
 * Binance kline CSV (no header or a header line; open time in ms or µs),
 * our store CSV, Binance REST JSON arrays, freqtrade JSON; plain, as the
 * members of a .zip, or compressed (.gz .xz .bz2 .zst ...).  Read as a
 * stream: memory does not grow with the file. */
#ifndef CT_IMPORT_H
#define CT_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "candles.h"
#include "merge.h"

/* Bytes of one file or archive member after decompression: past it the
 * input is refused (a gzip bomb costs disk and time, never memory). */
#define CT_IMPORT_MAX ((int64_t)4 << 30)
#define CT_IMPORT_MAX_TEXT "4 GiB"

/* Read every candle of path ("-" = stdin) into m as one source (each zip
 * member a run of it), sorted and unique within each member.  The format
 * is told from the content.  Errors go to stderr as
 * "prog: FILE:LINE: reason"; returns 0 or -1. */
int ct_import_file(const char *path, struct ct_merger *m);
/* The same for text already in memory, appended to s (which the rows must
 * continue); name is used in diagnostics.  No rows is no error here. */
int ct_import_buf(const char *buf, size_t len, const char *name, struct ct_series *s);
/* Open time as read (ms with 13 digits, µs with 16) to ms; -1 when it is
 * neither. */
int ct_time_to_ms(int64_t raw, int64_t *ms);
/* A freqtrade data file name, "BTC_USDT-5m.json" or ".json.gz", to the
 * symbol (BTCUSDT) and timeframe (5m).  0, or -1 when it is not one. */
int ct_freqtrade_name(const char *name, char *sym, size_t symlen, char *tf, size_t tflen);
/* 0 unless path's file name is one that names a symbol and timeframe
 * (Binance's SYM-TF-YYYY-MM[-DD].zip or .csv, freqtrade's
 * BASE_QUOTE-TF.json) other than sym and tf: -1, said.  Other names
 * are not judged. */
int ct_import_name_check(const char *path, const char *sym, const char *tf);

#endif
