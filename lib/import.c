/* import.c — readers for the candle formats found in the wild.
 *
 * Everything goes through libarchive, so one code path reads a plain file,
 * the members of a Binance .zip dump and any compressed single file
 * (raw format + filters), from a path or from stdin.  Each member is read
 * whole before it is parsed: a damaged archive fails its CRC or length
 * check before any of its rows is believed.  The format is told from the
 * content: '[' starts JSON, anything else is CSV. */
#include <archive.h>
#include <archive_entry.h>
#include <csv.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "home.h"
#include "import.h"
#include "merge.h"
#include "parse.h"
#include "timefmt.h"

/* Where a reader is, for diagnostics. */
struct rd {
	const char *name;
	long line;
	long elem;		/* 1-based JSON array element, 0 for CSV */
	int failed;
	struct ct_series *s;
};

static void __attribute__((format(printf, 2, 3)))
fail(struct rd *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return;
	r->failed = 1;
	fprintf(stderr, "%s: %s:%ld: ", ct_prog, r->name, r->line);
	if (r->elem > 0)
		fprintf(stderr, "element %ld: ", r->elem);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
ct_time_to_ms(int64_t raw, int64_t *ms)
{
	/* 13 digits are milliseconds (2001..2286); Binance spot dumps since
	 * 2025 use microseconds, 16 digits.  Anything else (seconds, say)
	 * would land in the wrong decade, so it is refused. */
	if (raw >= 1000000000000LL && raw < 10000000000000LL)
		*ms = raw;
	else if (raw >= 1000000000000000LL && raw < 10000000000000000LL)
		*ms = raw / 1000;
	else
		return -1;
	return 0;
}

/* A row is read: check it and append it. */
static void
take(struct rd *r, int64_t raw, const struct ct_candle *in)
{
	struct ct_candle c = *in;
	const char *why;
	char iso[CT_ISO_LEN], prev[CT_ISO_LEN];

	if (ct_time_to_ms(raw, &c.t) != 0) {
		fail(r, "open_time %lld is neither milliseconds (13 digits) nor microseconds (16 digits)",
		    (long long)raw);
	} else if ((why = ct_candle_invalid(&c)) != NULL) {
		fail(r, "%s", why);
	} else if (r->s->n && c.t <= r->s->c[r->s->n - 1].t) {
		fail(r, "open_time %s is not after the previous row's %s (rows must be sorted and unique)",
		    ct_iso8601(c.t, iso), ct_iso8601(r->s->c[r->s->n - 1].t, prev));
	} else if (ct_series_push(r->s, &c) != 0) {
		fail(r, "%s", strerror(ENOMEM));
	}
}

/* ---- CSV: Binance kline dumps (12 columns, optional header) and store CSV */

static const char *const cols[] = { "open_time", "open", "high", "low", "close", "volume" };

struct csvrd {
	struct rd rd;
	int field;
	int first;		/* the first row may be a header */
	int header;		/* the current row is that header */
	long row;		/* line the current row began on, 0 between rows */
	int64_t raw;
	struct ct_candle c;
};

static void
csv_field(void *data, size_t len, void *vp)
{
	struct csvrd *p = vp;
	const char *f = data ? data : "";
	double *dst[] = { NULL, &p->c.o, &p->c.h, &p->c.l, &p->c.c, &p->c.v };
	int i = p->field++;
	char ex[CT_EXCERPT_LEN];

	if (p->rd.failed || i >= 6)
		return;
	if (i == 0 && p->first)
		p->header = !(len > 0 && f[0] >= '0' && f[0] <= '9');
	if (p->header) {
		/* Column 1 goes by many names ("open_time", "Open time",
		 * "timestamp"); the price columns must be where we expect. */
		if (i > 0 && (len != strlen(cols[i]) || strncasecmp(f, cols[i], len) != 0))
			fail(&p->rd, "header: column %d is \"%s\", expected \"%s\"", i + 1,
			    ct_excerpt(f, len, ex), cols[i]);
		return;
	}
	if (i == 0) {
		if (ct_parse_int64_n(f, len, &p->raw) != 0)
			fail(&p->rd, "open_time: not a whole number: \"%s\"", ct_excerpt(f, len, ex));
	} else if (ct_parse_double_n(f, len, dst[i]) != 0) {
		fail(&p->rd, "%s: not a number: \"%s\"", cols[i], ct_excerpt(f, len, ex));
	}
}

static void
csv_row(int c, void *vp)
{
	struct csvrd *p = vp;

	(void)c;
	if (!p->rd.failed) {
		if (p->field < 6)
			fail(&p->rd, "%d field%s, expected at least 6 (open_time,open,high,low,close,volume)",
			    p->field, p->field == 1 ? "" : "s");
		else if (!p->header)
			take(&p->rd, p->raw, &p->c);
	}
	p->field = 0;
	p->first = p->header = 0;
	p->row = 0;
}

static int
parse_csv(const char *buf, size_t len, const char *name, struct ct_series *s)
{
	struct csv_parser cp;
	struct csvrd p = { .rd = { .name = name, .s = s }, .first = 1 };
	const char *q = buf, *end = buf + len, *nl;
	long line = 0;

	if (csv_init(&cp, CSV_STRICT | CSV_APPEND_NULL) != 0) {
		ct_warn("%s: %s", name, strerror(ENOMEM));
		return -1;
	}
	/* Fed a line at a time, so the row callback knows its line number
	 * even when blank lines are skipped; a row that spans lines (an
	 * unclosed quote) is told by the line it began on. */
	while (q < end && !p.rd.failed) {
		size_t n, k = 0;

		nl = memchr(q, '\n', (size_t)(end - q));
		n = nl ? (size_t)(nl - q) + 1 : (size_t)(end - q);
		line++;
		while (k < n && (q[k] == '\r' || q[k] == '\n'))
			k++;
		if (p.row == 0 && k < n)
			p.row = line;
		p.rd.line = p.row ? p.row : line;
		if (csv_parse(&cp, q, n, csv_field, csv_row, &p) != n)
			fail(&p.rd, "malformed CSV: %s", csv_strerror(csv_error(&cp)));
		q += n;
	}
	if (!p.rd.failed)
		csv_fini(&cp, csv_field, csv_row, &p);
	csv_free(&cp);
	return p.rd.failed ? -1 : 0;
}

/* ---- JSON: Binance REST klines and freqtrade files ------------------- */

/* Prices are JSON numbers (freqtrade) or decimal strings (Binance). */
static int
json_num(const json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	return json_is_string(v) ? ct_parse_double(json_string_value(v), out) : -1;
}

static int
json_time(const json_t *v, int64_t *out)
{
	const char *s;
	double d;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		d = json_real_value(v);
		if (d != (double)(int64_t)d)
			return -1;
		*out = (int64_t)d;
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	return ct_parse_int64_n(s, strlen(s), out);
}

static void
json_row(struct rd *r, const json_t *row)
{
	static const char *const what[] = { "open", "high", "low", "close", "volume" };
	struct ct_candle c;
	double *dst[] = { &c.o, &c.h, &c.l, &c.c, &c.v };
	int64_t raw;

	if (!json_is_array(row) || json_array_size(row) < 6) {
		fail(r, "%s", "expected an array [open_time, open, high, low, close, volume, ...]");
		return;
	}
	if (json_time(json_array_get(row, 0), &raw) != 0) {
		fail(r, "%s", "open_time: not a whole number");
		return;
	}
	for (int i = 0; i < 5; i++)
		if (json_num(json_array_get(row, (size_t)i + 1), dst[i]) != 0) {
			fail(r, "%s: not a number", what[i]);
			return;
		}
	take(r, raw, &c);
}

/* Skip white space, counting lines. */
static size_t
skip_ws(const char *buf, size_t len, size_t i, long *line)
{
	for (; i < len; i++) {
		if (buf[i] == '\n')
			++*line;
		else if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r')
			break;
	}
	return i;
}

/* The outer array is walked here and each row decoded by jansson on its
 * own (JSON_DISABLE_EOF_CHECK stops after the row and reports how far it
 * read): a 65k-row file then costs the size of one row, not a tree of
 * half a million jansson values, and every row knows its line. */
static int
parse_json(const char *buf, size_t len, const char *name, struct ct_series *s)
{
	struct rd r = { .name = name, .line = 1, .s = s };
	json_error_t je;
	json_t *row;
	size_t i;

	i = skip_ws(buf, len, 0, &r.line);
	if (i == len || buf[i] != '[') {
		fail(&r, "%s", "expected a JSON array of candle rows");
		return -1;
	}
	i = skip_ws(buf, len, i + 1, &r.line);
	if (i < len && buf[i] == ']')
		i++;
	else
		for (;;) {
			long line = r.line;

			r.elem++;
			if ((row = json_loadb(buf + i, len - i, JSON_DISABLE_EOF_CHECK, &je)) == NULL) {
				/* FILE:LINE:COLUMN, from the byte jansson stopped at. */
				size_t at = i + (size_t)(je.position > 0 ? je.position : 0), bol = at;

				while (bol > 0 && buf[bol - 1] != '\n')
					bol--;
				fprintf(stderr, "%s: %s:%ld:%zu: %s\n", ct_prog, name,
				    line + je.line - 1, at - bol + (at == bol), je.text);
				return -1;
			}
			json_row(&r, row);
			json_decref(row);
			if (r.failed)
				return -1;
			for (size_t k = i; k < i + (size_t)je.position; k++)
				r.line += buf[k] == '\n';
			i = skip_ws(buf, len, i + (size_t)je.position, &r.line);
			if (i < len && buf[i] == ',') {
				i = skip_ws(buf, len, i + 1, &r.line);
				continue;
			}
			if (i < len && buf[i] == ']') {
				i++;
				break;
			}
			r.elem = 0;
			fail(&r, "%s", i < len ? "expected ',' or ']' after an array element" :
			    "unexpected end of input: the array is not closed");
			return -1;
		}
	r.elem = 0;
	if (skip_ws(buf, len, i, &r.line) != len) {
		fail(&r, "%s", "data after the end of the JSON array");
		return -1;
	}
	return 0;
}

int
ct_import_buf(const char *buf, size_t len, const char *name, struct ct_series *s)
{
	size_t i = 0;
	long line = 1;

	/* A UTF-8 byte order mark is noise some Windows tools add. */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	/* A JSON object (an exchange's error reply saved to a file, say) is
	 * told apart too, to be refused as JSON rather than as broken CSV. */
	i = skip_ws(buf, len, 0, &line);
	if (i < len && (buf[i] == '[' || buf[i] == '{'))
		return parse_json(buf, len, name, s);
	return parse_csv(buf, len, name, s);
}

/* ---- files, archives, compressed streams ----------------------------- */

/* Read the current archive entry whole.  NULL on error (reported). */
static char *
read_entry(struct archive *a, const char *name, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap), *p;
	la_ssize_t r;

	for (;;) {
		if (buf == NULL) {
			ct_warn("%s: %s", name, strerror(ENOMEM));
			return NULL;
		}
		if (n == cap) {
			p = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
			if (p == NULL)
				free(buf);
			buf = p;
			cap *= 2;
			continue;
		}
		if ((r = archive_read_data(a, buf + n, cap - n)) == 0)
			break;
		if (r < 0) {
			ct_warn("%s: %s", name, archive_error_string(a) ?
			    archive_error_string(a) : "read error");
			free(buf);
			return NULL;
		}
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

int
ct_import_file(const char *path, struct ct_series *s)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	char mname[CT_PATH_MAX + 256];
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct ct_series one = { 0 };
	char iso[CT_ISO_LEN];
	int r, rc = -1, members = 0;

	if (a == NULL) {
		ct_warn("%s: %s", name, strerror(ENOMEM));
		return -1;
	}
	/* raw bids lowest, so a zip is still read as a zip, and anything
	 * else (CSV, JSON) becomes one entry, decompressed if need be. */
	archive_read_support_filter_all(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_raw(a);
	archive_read_support_format_empty(a);
	r = strcmp(path, "-") == 0 ? archive_read_open_fd(a, 0, 1 << 16) :
	    archive_read_open_filename(a, path, 1 << 16);
	if (r != ARCHIVE_OK) {
		ct_warn("%s: %s", name, archive_error_string(a) ? archive_error_string(a) : strerror(errno));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *label = name;
		size_t len;
		char *buf;

		if (archive_format(a) != ARCHIVE_FORMAT_RAW) {
			if (archive_entry_filetype(e) != AE_IFREG)
				continue;
			snprintf(mname, sizeof mname, "%s(%s)", name, archive_entry_pathname(e));
			label = mname;
		}
		if ((buf = read_entry(a, label, &len)) == NULL)
			goto out;
		/* Members (days zipped together, say) come in any order:
		 * each is read on its own and merged; they must agree. */
		one.n = 0;
		r = ct_import_buf(buf, len, label, members ? &one : s);
		free(buf);
		if (r != 0)
			goto out;
		if (members && one.n) {
			struct ct_merge_stats st = { 0 };

			if (ct_merge(s, &one, 0, &st) != 0) {
				ct_warn("%s: %s", label, strerror(ENOMEM));
				goto out;
			}
			if (st.conflicts) {
				ct_warn("%s: the candle at %s differs from another member's", label,
				    ct_iso8601(st.conflict_t[0], iso));
				goto out;
			}
		}
		members++;
	}
	if (r != ARCHIVE_EOF) {
		ct_warn("%s: %s", name, archive_error_string(a) ? archive_error_string(a) : "read error");
		goto out;
	}
	if (members == 0) {
		ct_warn("%s: %s", name, "empty input: no candles");
		goto out;
	}
	rc = 0;
out:
	ct_series_free(&one);
	archive_read_free(a);
	return rc;
}
