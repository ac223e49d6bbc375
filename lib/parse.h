/* parse.h — strict parsing of numbers, durations, timeframes and lookbacks. */
#ifndef CT_PARSE_H
#define CT_PARSE_H

#include <stdint.h>
#include <stdio.h>

/* Whole decimal number in [min,max], nothing else around it. 0 or -1. */
int ct_parse_long(const char *s, long min, long max, long *out);
/* Option opt's value s as ct_parse_long reads it; else
 * "prog: OPT: not a number in [MIN,MAX]: "S"", usage(stderr) and exit 2. */
long ct_opt_long(const char *opt, const char *s, long min, long max, void (*usage)(FILE *));
/* Finite decimal number (exponent allowed), nothing around it. 0 or -1. */
int ct_parse_double(const char *s, double *out);
/* Same, for a field of given length that is not NUL-terminated. */
int ct_parse_double_n(const char *s, size_t n, double *out);
int ct_parse_int64_n(const char *s, size_t n, int64_t *out);
/* Duration "90s", "45m", "6h", "7d", "2w" to seconds. 0 or -1. */
int ct_parse_dur(const char *s, int64_t *secs);
/* Timeframe "1m 5m 15m 30m 1h 4h 1d" to milliseconds; -1 when unknown. */
int64_t ct_tf_ms(const char *tf);
/* --timeframe's argument tf: 0, or -1 with one message for every tool
 * ("--timeframe: not one of ...: \"tf\""). */
int ct_tf_check(const char *tf);
/* Lookback: a count of candles, or a duration converted to candles of tf. */
int ct_parse_lookback(const char *s, const char *tf, long *candles);
/* A coin's command line, checked as every training tool checks it: sym
 * a symbol, tf a timeframe, and lookback (when not NULL: a count of
 * candles or a duration of tf) into *candles.  0; -1 (bad symbol or
 * timeframe) or -2 (bad lookback, worth a usage) with the reason printed. */
int ct_coin_args(const char *sym, const char *tf, const char *lookback, long *candles);
/* The command line of a one-coin tool after its options: no operand
 * left (argv[optind]), --symbol and --timeframe given.  0, or -1 with the
 * reason printed. */
int ct_coin_required(int argc, char **argv, int optind, const char *sym, const char *tf);
/* The field s[0..len) fit to quote in a diagnostic: at most 40 bytes
 * (then "..."), control characters and bytes that are not UTF-8 as '?'
 * (ct_shown_next, text.h).  Returns buf. */
#define CT_EXCERPT_LEN 48
const char *ct_excerpt(const char *s, size_t len, char buf[CT_EXCERPT_LEN]);
/* s with control characters and bytes that are not UTF-8 as '?', cut to
 * size bytes (then "...", never inside a character; buf may be s): text
 * from input (a zip member's name, an exchange's message) must not drive
 * the terminal a diagnostic is read on.  Returns buf. */
const char *ct_printable(const char *s, char *buf, size_t size);

#endif
