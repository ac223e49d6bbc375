/* parse.c — strict number parsing: a bad number is a usage error, never a 0. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exitcode.h"
#include "home.h"
#include "parse.h"
#include "text.h"

int
ct_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || !(isdigit((unsigned char)*s) || *s == '-' || *s == '+'))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

long
ct_opt_long(const char *opt, const char *s, long min, long max, void (*usage)(FILE *))
{
	long v;

	if (ct_parse_long(s, min, max, &v) != 0) {
		ct_warn("%s: not a number in [%ld,%ld]: \"%s\"", opt, min, max, s);
		usage(stderr);
		exit(CT_EXIT_USAGE);
	}
	return v;
}

int
ct_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE && fabs(v) > 1.0)
		return -1;
	if (end == s || *end != '\0' || !isfinite(v))
		return -1;
	/* strtod also takes "inf", "nan" and hex; only decimal numbers here. */
	for (const char *p = s; *p; p++)
		if (!(isdigit((unsigned char)*p) || strchr("+-.eE", *p)))
			return -1;
	*out = v;
	return 0;
}

int
ct_parse_double_n(const char *s, size_t n, double *out)
{
	char buf[64];

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return ct_parse_double(buf, out);
}

int
ct_parse_int64_n(const char *s, size_t n, int64_t *out)
{
	char buf[32], *end;
	long long v;

	if (n == 0 || n >= sizeof buf || !isdigit((unsigned char)s[0]))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int
ct_parse_dur(const char *s, int64_t *secs)
{
	char *end;
	long long v;
	int64_t unit;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (*end) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return -1;
	}
	if (v > INT64_MAX / unit / 1000)
		return -1;
	*secs = v * unit;
	return 0;
}

/* More candles than this would not fit in memory on the machines we aim
 * at; the ceiling holds for a count and for a duration alike. */
#define LOOKBACK_MAX 100000000

static const struct {
	const char *name;
	int64_t ms;
} tfs[] = {
	{ "1m", 60000 }, { "5m", 300000 }, { "15m", 900000 }, { "30m", 1800000 },
	{ "1h", 3600000 }, { "4h", 14400000 }, { "1d", 86400000 },
};

int64_t
ct_tf_ms(const char *tf)
{
	for (size_t i = 0; tf && i < sizeof tfs / sizeof tfs[0]; i++)
		if (strcmp(tf, tfs[i].name) == 0)
			return tfs[i].ms;
	return -1;
}

int
ct_tf_check(const char *tf)
{
	if (ct_tf_ms(tf) >= 0)
		return 0;
	ct_warn("--timeframe: not one of 1m 5m 15m 30m 1h 4h 1d: \"%s\"", tf ? tf : "");
	return -1;
}

int
ct_parse_lookback(const char *s, const char *tf, long *candles)
{
	int64_t secs, ms = ct_tf_ms(tf);

	if (ct_parse_long(s, 1, LOOKBACK_MAX, candles) == 0)
		return 0;
	if (ms <= 0 || ct_parse_dur(s, &secs) != 0 || secs * 1000 < ms ||
	    secs * 1000 / ms > LOOKBACK_MAX)
		return -1;
	*candles = (long)(secs * 1000 / ms);
	return 0;
}

/* s (n bytes) as it may be shown into buf, at most max bytes of text and
 * a NUL; returns how many bytes of s that took.  buf may be s: a shown
 * character is never longer than its bytes. */
static size_t
shown_copy(const char *s, size_t n, char *buf, size_t max)
{
	size_t i = 0, o = 0, adv, keep;

	while (i < n && (adv = ct_shown_next(s + i, n - i, &keep)) > 0 &&
	    o + (keep ? keep : 1) <= max) {
		if (keep)
			memmove(buf + o, s + i, keep);
		else
			buf[o] = '?';
		o += keep ? keep : 1;
		i += adv;
	}
	buf[o] = '\0';
	return i;
}

/* How many bytes s (n bytes) takes shown. */
static size_t
shown_len(const char *s, size_t n)
{
	size_t i = 0, o = 0, adv, keep;

	for (; i < n && (adv = ct_shown_next(s + i, n - i, &keep)) > 0; i += adv)
		o += keep ? keep : 1;
	return o;
}

const char *
ct_excerpt(const char *s, size_t len, char buf[CT_EXCERPT_LEN])
{
	/* A field with an unclosed quote runs to the end of the file: an
	 * error message must not print the file. */
	if (shown_copy(s, len, buf, 40) < len)
		strcat(buf, "...");
	return buf;
}

const char *
ct_printable(const char *s, char *buf, size_t size)
{
	size_t n = strlen(s);

	if (shown_len(s, n) < size || size <= 4) {
		shown_copy(s, n, buf, size - 1);
	} else {
		shown_copy(s, n, buf, size - 4);
		strcat(buf, "...");
	}
	return buf;
}

int
ct_coin_args(const char *sym, const char *tf, const char *lookback, long *candles)
{
	if (!ct_symbol_ok(sym)) {
		ct_warn("--symbol: not a symbol ([A-Z0-9][A-Z0-9._-]{0,31}): \"%s\"", sym ? sym : "");
		return -1;
	}
	if (ct_tf_check(tf) != 0)
		return -1;
	/* A duration is converted with the timeframe, whatever the order of
	 * the options. */
	if (lookback && (ct_parse_lookback(lookback, tf, candles) != 0 || *candles < 1)) {
		ct_warn("--lookback: not a number of candles or a duration: \"%s\"", lookback);
		return -2;
	}
	return 0;
}

int
ct_coin_required(int argc, char **argv, int optind, const char *sym, const char *tf)
{
	char ex[CT_EXCERPT_LEN];

	if (optind < argc) {
		ct_warn("unexpected operand \"%s\" (options only)",
		    ct_excerpt(argv[optind], strlen(argv[optind]), ex));
		return -1;
	}
	if (sym == NULL || tf == NULL) {
		ct_warn("%s is required", sym == NULL ? "--symbol" : "--timeframe");
		return -1;
	}
	return 0;
}
