/* storestats.c — the store mapped into memory and walked line by line: the
 * open time is the only field parsed, so a status of a hundred coins of
 * 50000 rows reads as fast as the disk cache serves it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candles.h"
#include "parse.h"
#include "regfile.h"
#include "storestats.h"

/* Open times past the year 9999 are no candle's; refusing them keeps the
 * differences of open times from overflowing. */
#define MAX_OPEN_MS 253402300799999LL

/* The open time at the start of a row: the digits before the first
 * comma (at *comma, or len when there is none).  Parsed by hand, since
 * this is much of the cost of a pass; at most 15 digits cannot overflow,
 * and MAX_OPEN_MS bounds the rest. */
static int
open_time(const char *row, size_t len, int64_t *t, size_t *comma)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < len && row[i] != ','; i++) {
		if (row[i] < '0' || row[i] > '9' || i == 15)
			return -1;
		v = v * 10 + (row[i] - '0');
	}
	*t = v;
	*comma = i;
	return i > 0 && v <= MAX_OPEN_MS ? 0 : -1;
}

/* Whether the five fields after the open time (open, high, low, close,
 * volume) are there and look like numbers: digits, sign, point,
 * exponent, with what a hand-edited row may put around them and the CSV
 * reader takes: blanks before and after, and a pair of quotes (no blank
 * inside them).  A byte test, not a parse: it finds a word, a blank
 * within a number or a field left out at a fraction of strtod's cost;
 * ct_candles_parse judges the rest.  Per field, q: 0 no quote, 1 open,
 * 2 closed; done: the number has ended. */
static int
prices_ok(const char *row, size_t len)
{
	const char *p = memchr(row, ',', len), *end = row + len;
	int field = 0, q = 0, done = 0;
	size_t w = 0;

	for (p = p ? p + 1 : end; p < end && field < 5; p++) {
		if (*p == ',') {
			if (w == 0 || q == 1)
				return 0;
			field++;
			w = 0, q = 0, done = 0;
		} else if ((*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '+' ||
		    *p == 'e' || *p == 'E') {
			if (done)
				return 0;
			w++;
		} else if (*p == '"' && q == 0 && w == 0) {
			q = 1;
		} else if (*p == '"' && q == 1 && w > 0) {
			q = 2, done = 1;
		} else if ((*p == ' ' || *p == '\t') && q != 1) {
			done = w > 0;
		} else {
			return 0;
		}
	}
	return field == 5 || (field == 4 && w > 0 && q != 1);
}

/* prices_ok's answer for a row as fetch-candles writes it, p to end,
 * where a newline (or CR) follows: 1 when it holds only number bytes
 * and four commas, none at an end nor two together; 0 sends the row to
 * prices_ok (blanks, quotes, more columns, or a bad row).  strspn and
 * memchr go many bytes a step: the byte test was most of the cost of a
 * pass over a store. */
static int
prices_quick(const char *p, const char *end)
{
	const char *c;

	if ((size_t)(end - p) != strspn(p, "0123456789.,-+eE"))
		return 0;
	for (int f = 0; f < 4; f++) {
		if ((c = memchr(p, ',', (size_t)(end - p))) == NULL || c == p)
			return 0;
		p = c + 1;
	}
	return p < end && memchr(p, ',', (size_t)(end - p)) == NULL;
}

int
ct_store_scan_buf(const char *path, const char *buf, size_t len, ct_scan_fn fn, void *arg,
    char *err, size_t errn)
{
	const char *p = buf, *end = buf + len, *nl, *why = NULL;
	int64_t t, prev = INT64_MIN;
	size_t line = 0, n, comma;

	for (; p < end; p = nl ? nl + 1 : end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0 || (line == 1 && n >= 9 && memcmp(p, "open_time", 9) == 0))
			continue;
		if (open_time(p, n, &t, &comma) != 0)
			why = "bad open_time (want Unix ms, 1970 to 9999)";
		else if (t <= prev)
			why = "open_time not after the previous row's";
		else if (nl && (comma == n || !prices_quick(p + comma + 1, p + n)) &&
		    !prices_ok(p, n))	/* a last row cut short: said below */
			why = "open, high, low, close, volume: a field missing or not a number";
		if (why) {
			snprintf(err, errn, "%s:%zu: %s", path, line, why);
			return -1;
		}
		prev = t;
		if (fn(t, p, n, arg) != 0)
			break;
	}
	/* fetch-candles ends every row with a newline: a store without one
	 * at its end was cut short (copied half, a full disk elsewhere).
	 * Known only to a pass that went to the end. */
	if (p >= end && len > 0 && buf[len - 1] != '\n') {
		snprintf(err, errn, "%s:%zu: no newline at the end: the store is cut short", path, line);
		return -1;
	}
	return 0;
}

int
ct_store_scan(const char *path, ct_scan_fn fn, void *arg, char *err, size_t errn)
{
	struct stat st;
	void *map;
	int fd, rc;

	if ((fd = ct_open_regular(AT_FDCWD, path, &st)) < 0) {
		snprintf(err, errn, "%s: %s", path, ct_file_strerror(errno));
		return -1;
	}
	if (st.st_size == 0) {
		close(fd);
		return 0;
	}
	/* Every page mapped in one call: taken one fault at a time, the
	 * faults were a quarter of coin-status's time over 100 stores. */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(err, errn, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = ct_store_scan_buf(path, map, (size_t)st.st_size, fn, arg, err, errn);
	munmap(map, (size_t)st.st_size);
	return rc;
}

struct stats_arg {
	struct ct_scan_stats *st;
	int64_t tf_ms;
};

static int
count(int64_t t, const char *row, size_t len, void *arg)
{
	struct stats_arg *a = arg;
	struct ct_scan_stats *st = a->st;
	int64_t step = t - st->last;

	(void)row;
	(void)len;
	/* Whole candles that fit strictly between two open times, as ct_gaps
	 * counts them: a step of 1.5 candles (rows off the grid) is none. */
	if (st->rows++ == 0)
		st->first = t;
	else if (step / a->tf_ms > 1) {
		st->gaps++;
		st->missing += (size_t)(step / a->tf_ms - 1);
	}
	st->last = t;
	return 0;
}

int
ct_store_stats(const char *path, int64_t tf_ms, struct ct_scan_stats *st, char *err, size_t errn)
{
	struct stats_arg a = { st, tf_ms };

	memset(st, 0, sizeof *st);
	return ct_store_scan(path, count, &a, err, errn);
}

int
ct_row_close(const char *row, size_t len, double *close)
{
	const char *p = row, *end = row + len, *c;

	/* open_time,open,high,low,close,... */
	for (int i = 0; i < 4; i++) {
		if ((c = memchr(p, ',', (size_t)(end - p))) == NULL)
			return -1;
		p = c + 1;
	}
	c = memchr(p, ',', (size_t)(end - p));
	return ct_parse_double_n(p, c ? (size_t)(c - p) : (size_t)(end - p), close);
}
