/* import.c — readers for the candle formats found in the wild.
 *
 * Everything goes through libarchive, so one code path reads a plain file,
 * the members of a Binance .zip dump and any compressed single file
 * (raw format + filters), from a path or from stdin.  The text is read a
 * block at a time and the rows go to the merger as they are parsed, so
 * memory does not grow with the input: one CSV row or JSON element may
 * take at most CT_ROW_MAX bytes, one member CT_IMPORT_MAX.  Nothing is
 * stored before the whole input has been read, and a member that fails
 * its CRC or length check is reported as damaged even when its damage
 * made a row unreadable first.  The format is told from the content: '['
 * starts JSON, anything else is CSV. */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvin.h"
#include "err.h"
#include "home.h"
#include "import.h"
#include "parse.h"
#include "timefmt.h"

#define BLOCK (64 * 1024)

/* ---- where the text comes from --------------------------------------- */

/* libarchive's message, which may quote a member's name: printable. */
static const char *
aerr(struct archive *a, const char *dflt)
{
	static char buf[512];

	return ct_printable(archive_error_string(a) ? archive_error_string(a) : dflt, buf, sizeof buf);
}

struct src {
	struct archive *a;	/* NULL: buf below, handed out once */
	const char *buf;
	size_t len;
	const char *name;
	int64_t total;
	int failed;		/* an error was printed */
};

/* Whether s is a file or pipe read as is: no archive, no compression,
 * nothing to tell a text cut short. */
static int
plain(struct src *s)
{
	return s->a && archive_format(s->a) == ARCHIVE_FORMAT_RAW &&
	    archive_filter_code(s->a, 0) == ARCHIVE_FILTER_NONE;
}

/* The next piece of text: 1 with *p and *n, 0 at the end, -1 (reported). */
static int
src_next(struct src *s, const char **p, size_t *n)
{
	la_int64_t off;
	int r;

	if (s->a == NULL) {
		*p = s->buf;
		*n = s->len;
		s->len = 0;
		return *n > 0;
	}
	do
		r = archive_read_data_block(s->a, (const void **)p, n, &off);
	while (r == ARCHIVE_OK && *n == 0);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK) {
		ct_warn("%s: %s", s->name, aerr(s->a, "read error"));
		s->failed = 1;
		return -1;
	}
	if ((s->total += (int64_t)*n) > CT_IMPORT_MAX) {
		ct_warn("%s: more than %s after decompression: refused", s->name, CT_IMPORT_MAX_TEXT);
		s->failed = 1;
		return -1;
	}
	return 1;
}

/* ---- rows ------------------------------------------------------------ */

/* Where a reader is, for diagnostics, and where its rows go.  A failure
 * is kept, to be printed once it is known the archive is not damaged. */
struct rd {
	const char *name;
	long line;
	long elem;		/* 1-based JSON array element, 0 for CSV */
	int failed;
	char msg[CT_PATH_MAX + 256];
	int have_prev;
	int64_t prev;
	int (*put)(void *arg, const struct ct_candle *c, long line, long elem);
	void *arg;
	/* Candles of tf_ms (0: not checked) whose close time is past now_ms
	 * are still open: the newest is left out, and told (open_*); a
	 * candle opening after now_ms is refused. */
	int64_t tf_ms, now_ms, open_t;
	long open_line, open_elem;
};

static void __attribute__((format(printf, 2, 3)))
fail(struct rd *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->failed)
		return;
	r->failed = 1;
	n = snprintf(r->msg, sizeof r->msg, "%s:%ld: ", r->name, r->line);
	if (r->elem > 0)
		n += snprintf(r->msg + n, sizeof r->msg - (size_t)n, "element %ld: ", r->elem);
	va_start(ap, fmt);
	vsnprintf(r->msg + n, sizeof r->msg - (size_t)n, fmt, ap);
	va_end(ap);
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

/* A row is read: check it and pass it on. */
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
	} else if (r->have_prev && c.t <= r->prev) {
		fail(r, "open_time %s is not after the previous row's %s (rows must be sorted and unique)",
		    ct_iso8601(c.t, iso), ct_iso8601(r->prev, prev));
	} else if (r->tf_ms && c.t > r->now_ms) {
		fail(r, "open_time %s is in the future", ct_iso8601(c.t, iso));
	} else if (r->tf_ms && c.t + r->tf_ms - 1 > r->now_ms) {
		/* Its close time is still to come: not a candle yet. */
		r->open_t = c.t;
		r->open_line = r->line;
		r->open_elem = r->elem;
		r->have_prev = 1;
		r->prev = c.t;
	} else if (r->put(r->arg, &c, r->line, r->elem) != 0) {
		/* reported by the merger */
		r->failed = 1;
	} else {
		r->have_prev = 1;
		r->prev = c.t;
	}
}

/* ---- CSV: Binance kline dumps (12 columns, optional header) and store CSV */

static const char *const cols[] = { "open_time", "open", "high", "low", "close", "volume" };

struct csvrd {
	struct rd rd;
	struct ct_csvin in;
	int field;
	int first;		/* the first row may be a header */
	int header;		/* the current row is that header */
	int open;		/* the last line read has no newline yet */
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
	p->rd.line = ct_csvin_line(&p->in);
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
	p->rd.line = ct_csvin_line(&p->in);
	if (!p->rd.failed) {
		if (p->field < 6)
			fail(&p->rd, "%d field%s, expected at least 6 (open_time,open,high,low,close,volume)",
			    p->field, p->field == 1 ? "" : "s");
		else if (!p->header)
			take(&p->rd, p->raw, &p->c);
	}
	p->field = 0;
	p->first = p->header = 0;
}

/* Whether text after the last newline so far (open, 0 or 1) holds more
 * than blanks, once buf[0..n) is read too. */
static int
line_open(int open, const char *buf, size_t n)
{
	size_t i = n;

	while (i > 0 && buf[i - 1] != '\n')
		if (!isspace((unsigned char)buf[--i]))
			return 1;
	return i > 0 ? 0 : open;
}

static void
csv_feed(struct csvrd *p, const char *buf, size_t n)
{
	p->open = line_open(p->open, buf, n);
	if (!p->rd.failed && ct_csvin_feed(&p->in, buf, n) != 0) {
		p->rd.line = ct_csvin_line(&p->in);
		fail(&p->rd, "%s", p->in.err);
	}
}

/* head: the blank text before the first data byte; then the piece that
 * holds it; then the rest of s. */
static void
parse_csv(struct rd *r, struct src *s, const char *head, size_t hn, const char *p, size_t n)
{
	struct csvrd c = { .rd = *r, .first = 1 };
	int k = 1;

	if (ct_csvin_init(&c.in, csv_field, csv_row, &c) != 0) {
		fail(r, "%s", strerror(ENOMEM));
		return;
	}
	csv_feed(&c, head, hn);
	csv_feed(&c, p, n);
	while (!c.rd.failed && (k = src_next(s, &p, &n)) > 0)
		csv_feed(&c, p, n);
	/* As a store's, a last line without its newline may be cut short
	 * (a copy or download that stopped): 522 for 5226.95.  A zip or a
	 * compressed stream says so itself (Binance's dumps may end
	 * without one).  A header alone has no candles to cut: that is
	 * said instead. */
	if (!c.rd.failed && k == 0 && c.open && plain(s) && !(c.first && c.header)) {
		c.rd.line = ct_csvin_line(&c.in);
		fail(&c.rd, "no newline at the end: the last line may be cut short "
		    "(end the file with a newline if it is whole)");
	}
	if (!c.rd.failed && k == 0 && ct_csvin_fini(&c.in) != 0) {
		c.rd.line = ct_csvin_line(&c.in);
		fail(&c.rd, "%s", c.in.err);
	}
	ct_csvin_free(&c.in);
	*r = c.rd;
	r->failed |= k < 0;
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
		/* Out of range, the cast would be undefined. */
		if (!(fabs(d) < 9e18) || d != (double)(int64_t)d)
			return -1;
		*out = (int64_t)d;
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	return ct_parse_int64_n(s, json_string_length(v), out);
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

/* A window on the text: bytes [off, len) of w are read, not yet taken;
 * pend is what the source gave that does not fit yet. */
struct jrd {
	struct rd *rd;
	struct src *s;
	char w[2 * CT_ROW_MAX];
	size_t off, len;
	const char *pend;
	size_t npend;
	long col;		/* bytes since the last newline, at w + off */
	int eof;
};

/* More text into the window: 1, 0 at the end, -1. */
static int
jfill(struct jrd *j)
{
	size_t n;
	int k;

	if (j->off > 0) {
		memmove(j->w, j->w + j->off, j->len - j->off);
		j->len -= j->off;
		j->off = 0;
	}
	if (j->npend == 0) {
		if ((k = src_next(j->s, &j->pend, &j->npend)) <= 0) {
			j->eof = k == 0;
			return k;
		}
	}
	n = j->npend < sizeof j->w - j->len ? j->npend : sizeof j->w - j->len;
	memcpy(j->w + j->len, j->pend, n);
	j->len += n;
	j->pend += n;
	j->npend -= n;
	return 1;
}

/* Take n bytes, counting lines. */
static void
jtake(struct jrd *j, size_t n)
{
	for (size_t k = j->off; k < j->off + n; k++) {
		if (j->w[k] == '\n') {
			j->rd->line++;
			j->col = 0;
		} else {
			j->col++;
		}
	}
	j->off += n;
}

/* Skip white space: 1 at the next byte, 0 at the end, -1. */
static int
jskip(struct jrd *j)
{
	int k;

	for (;;) {
		while (j->off < j->len) {
			char c = j->w[j->off];

			if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
				return 1;
			jtake(j, 1);
		}
		if ((k = jfill(j)) <= 0)
			return k;
	}
}

/* jansson's error at byte at of the window, as FILE:LINE:COLUMN. */
static void
jerror(struct jrd *j, const json_error_t *je)
{
	size_t at = j->off + (size_t)(je->position > 0 ? je->position : 0), bol = at;
	long col;
	char text[sizeof je->text];

	while (bol > j->off && j->w[bol - 1] != '\n')
		bol--;
	col = (long)(at - bol) + (bol == j->off ? j->col : 0);
	j->rd->line += je->line - 1;
	j->rd->elem = 0;
	snprintf(j->rd->msg, sizeof j->rd->msg, "%s:%ld:%ld: %s", j->rd->name, j->rd->line,
	    col + (col == 0), ct_printable(je->text, text, sizeof text));
	j->rd->failed = 1;
}

/* msg at the next byte, as FILE:LINE:COLUMN, as jansson's errors. */
static void
jfail(struct jrd *j, const char *msg)
{
	struct rd *r = j->rd;

	if (r->failed)
		return;
	r->failed = 1;
	snprintf(r->msg, sizeof r->msg, "%s:%ld:%ld: %s", r->name, r->line, j->col + 1, msg);
}

/* One array element, decoded by jansson on its own (JSON_DISABLE_EOF_CHECK
 * stops after it and reports how far it read).  Text that ends inside it
 * is topped up and tried again; 0 or -1. */
static int
jelement(struct jrd *j)
{
	json_error_t je;
	json_t *row;
	size_t avail;
	int k;

	for (;;) {
		avail = j->len - j->off;
		row = json_loadb(j->w + j->off, avail, JSON_DISABLE_EOF_CHECK, &je);
		if (j->eof || avail >= CT_ROW_MAX || (row != NULL && (size_t)je.position < avail))
			break;
		json_decref(row);
		if ((k = jfill(j)) < 0)
			return -1;
	}
	if (!j->eof && avail >= CT_ROW_MAX && (row == NULL ? json_error_code(&je) ==
	    json_error_premature_end_of_input : (size_t)je.position >= avail)) {
		json_decref(row);
		fail(j->rd, "array element longer than %d bytes", CT_ROW_MAX);
		return -1;
	}
	if (row == NULL) {
		jerror(j, &je);
		return -1;
	}
	json_row(j->rd, row);
	json_decref(row);
	jtake(j, (size_t)je.position);
	return j->rd->failed ? -1 : 0;
}

/* After '[': elements up to ']'.  1 when closed, 0 when not (said). */
static int
walk_elements(struct jrd *j)
{
	struct rd *r = j->rd;
	int k = jskip(j);

	if (k > 0 && j->w[j->off] == ']')
		return 1;
	while (k > 0) {
		r->elem++;
		if (jelement(j) != 0 || (k = jskip(j)) < 0)
			return 0;
		if (k > 0 && j->w[j->off] == ',') {
			jtake(j, 1);
			k = jskip(j);
			continue;
		}
		r->elem = 0;
		if (k > 0 && j->w[j->off] == ']')
			return 1;
		break;
	}
	r->elem = 0;
	if (k >= 0)
		jfail(j, k > 0 ? "expected ',' or ']' after an array element" :
		    "unexpected end of input: the array is not closed");
	return 0;
}

static void
walk_json(struct jrd *j)
{
	int k;

	if ((k = jskip(j)) <= 0 || j->w[j->off] != '[') {
		if (k >= 0)
			jfail(j, "expected a JSON array of candle rows");
		return;
	}
	jtake(j, 1);
	if (!walk_elements(j))
		return;
	jtake(j, 1);
	if (jskip(j) > 0)
		jfail(j, "data after the end of the JSON array");
}

/* The outer array is walked here and each row decoded on its own: a file
 * costs the size of one row, not a tree of jansson values, and every row
 * knows its line. */
static void
parse_json(struct rd *r, struct src *s, const char *p, size_t n, long col)
{
	struct jrd *j = calloc(1, sizeof *j);

	if (j == NULL) {
		fail(r, "%s", strerror(ENOMEM));
		return;
	}
	j->rd = r;
	j->s = s;
	j->pend = p;
	j->npend = n;
	j->col = col;
	walk_json(j);
	free(j);
}

/* ---- one member: tell the format, read it ---------------------------- */

/* freqtrade's other formats are binary: say what to do with them. */
static const char *
binary_format(const char *p, size_t n)
{
	if ((n >= 6 && memcmp(p, "ARROW1", 6) == 0) || (n >= 4 && memcmp(p, "FEA1", 4) == 0))
		return "feather";
	if (n >= 4 && memcmp(p, "PAR1", 4) == 0)
		return "parquet";
	return NULL;
}

static void
parse_text(struct rd *r, struct src *s)
{
	char head[CT_ROW_MAX];	/* the blank text before the data */
	const char *p, *fmt;
	size_t n, hn = 0, i;
	long col = 0;
	int k, first = 1;

	r->line = 1;
	while ((k = src_next(s, &p, &n)) > 0) {
		/* A UTF-8 byte order mark is noise some Windows tools add. */
		if (first && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 3;
			n -= 3;
		}
		if (first && (fmt = binary_format(p, n)) != NULL) {
			fail(r, "unsupported format (%s): convert to JSON with `freqtrade convert-data "
			    "--format-from %s --format-to json`", fmt, fmt);
			return;
		}
		first = 0;
		for (i = 0; i < n && p[i] && strchr(" \t\r\n", p[i]); i++)
			col = p[i] == '\n' ? (r->line++, 0) : col + 1;
		/* A JSON object (an exchange's error reply saved to a file,
		 * say) is told apart too, to be refused as JSON rather than
		 * as broken CSV. */
		if (i < n && (p[i] == '[' || p[i] == '{')) {
			parse_json(r, s, p + i, n - i, col);
			return;
		}
		if (i < n) {
			r->line = 1;
			parse_csv(r, s, head, hn, p, n);
			return;
		}
		if (hn + n > sizeof head) {
			fail(r, "more than %zu bytes of blank space before the data", sizeof head);
			return;
		}
		memcpy(head + hn, p, n);
		hn += n;
	}
	r->failed |= k < 0;
}

static int
put_series(void *arg, const struct ct_candle *c, long line, long elem)
{
	(void)line;
	(void)elem;
	if (ct_series_push(arg, c) != 0) {
		ct_warn("%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

int
ct_import_buf(const char *buf, size_t len, const char *name, struct ct_series *s)
{
	struct src in = { .buf = buf, .len = len, .name = name };
	struct rd r = { .name = name, .put = put_series, .arg = s };

	if (s->n) {
		r.have_prev = 1;
		r.prev = s->c[s->n - 1].t;
	}
	parse_text(&r, &in);
	if (r.failed && !in.failed && r.msg[0])
		fprintf(stderr, "%s: %s\n", ct_prog, r.msg);
	return r.failed ? -1 : 0;
}

/* ---- files, archives, compressed streams ----------------------------- */

/* The file as libarchive reads it, counted: what a compressed stream
 * leaves unread after its end is garbage to refuse, not to ignore. */
struct file {
	int fd;
	int seekable;		/* a regular file, its zip read by its central directory */
	int64_t handed;
	char buf[BLOCK];
};

static la_ssize_t
file_read(struct archive *a, void *vp, const void **buf)
{
	struct file *f = vp;
	ssize_t n;

	do
		n = read(f->fd, f->buf, sizeof f->buf);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	*buf = f->buf;
	f->handed += n;
	return n;
}

static la_int64_t
file_seek(struct archive *a, void *vp, la_int64_t off, int whence)
{
	struct file *f = vp;
	off_t r = lseek(f->fd, (off_t)off, whence);

	(void)a;
	if (r >= 0)
		f->handed = r;
	return r < 0 ? ARCHIVE_FATAL : r;
}

/* After the end of a compressed stream: anything left? */
static int
trailing(struct archive *a, struct file *f)
{
	int last = archive_filter_count(a) - 1;
	ssize_t n;

	if (last < 1 || archive_format(a) != ARCHIVE_FORMAT_RAW)
		return 0;
	if (f->handed > archive_filter_bytes(a, last))
		return 1;
	do
		n = read(f->fd, f->buf, sizeof f->buf);
	while (n < 0 && errno == EINTR);
	return n > 0;
}

static int
put_merger(void *arg, const struct ct_candle *c, long line, long elem)
{
	ct_merger_at(arg, line, elem);
	return ct_merger_put(arg, c);
}

/* Read the member's text as far as it goes: a damaged archive says so
 * (CRC, length) only at its end.  0, or -1 when it is damaged (said). */
static int
drain(struct src *s)
{
	const char *p;
	size_t n;
	int k;

	while ((k = src_next(s, &p, &n)) > 0)
		;
	return k;
}

static int name_says_other(const char *path, const char *sym, const char *tf, char *s, char *t);

/* An archive member whose name says another coin or timeframe than m's
 * (one of a zip's days packed with another coin's): -1, said. */
static int
member_other(const char *label, const char *member, const struct ct_merger *m)
{
	char s[64], t[16];

	if (m->sym == NULL || !name_says_other(member, m->sym, m->tf, s, t))
		return 0;
	ct_warn("%s: its name says %s %s, not %s %s: not imported (the archive holds other "
	    "candles)", label, s, t, m->sym, m->tf);
	return -1;
}

/* One member of an archive, or the one stream of anything else. */
static int
read_member(struct archive *a, struct archive_entry *e, const char *name, struct ct_merger *m,
    struct file *f)
{
	char label[CT_PATH_MAX + 256], mem[CT_PATH_MAX], iso[CT_ISO_LEN], at[32] = "";
	struct src s = { .a = a, .name = label };
	struct rd r = { .put = put_merger, .arg = m, .name = label, .tf_ms = m->tf_ms,
	    .now_ms = ct_now_ms() };

	snprintf(label, sizeof label, "%s", name);
	if (archive_format(a) != ARCHIVE_FORMAT_RAW) {
		snprintf(label, sizeof label, "%s(%s)", name,
		    ct_printable(archive_entry_pathname(e) ? archive_entry_pathname(e) : "", mem, sizeof mem));
		if (member_other(label, mem, m) != 0)
			return -1;
	}
	if (ct_merger_run(m, label) != 0)
		return -1;
	parse_text(&r, &s);
	if (r.failed && !s.failed && archive_filter_count(a) + (archive_format(a) != ARCHIVE_FORMAT_RAW) > 1 &&
	    drain(&s) < 0)
		return -1;
	if (r.failed) {
		if (r.msg[0])
			fprintf(stderr, "%s: %s\n", ct_prog, r.msg);
		return -1;
	}
	if (trailing(a, f)) {
		ct_warn("%s: data after the end of the compressed stream", name);
		return -1;
	}
	if (r.open_line > 0) {
		if (r.open_elem > 0)
			snprintf(at, sizeof at, " element %ld:", r.open_elem);
		ct_warn("%s:%ld:%s the candle at %s is still open: left out", label, r.open_line, at,
		    ct_iso8601(r.open_t, iso));
	}
	return 0;
}

/* How the file begins, when it is read as raw data: 1 as a zip's member
 * (its central directory, which a file's zip is read by, is not at its
 * end), 2 as an empty zip (its end record alone), else 0. */
static int
zip_magic(int fd)
{
	char b[4];

	if (pread(fd, b, sizeof b, 0) != (ssize_t)sizeof b)
		return 0;
	return memcmp(b, "PK\003\004", 4) == 0 ? 1 : memcmp(b, "PK\005\006", 4) == 0 ? 2 : 0;
}

static int
read_archive(struct archive *a, const char *name, struct ct_merger *m, struct file *f)
{
	struct archive_entry *e;
	int r, k;

	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		if (archive_format(a) == ARCHIVE_FORMAT_RAW && archive_filter_count(a) == 1 &&
		    f->seekable && (k = zip_magic(f->fd)) != 0) {
			if (k == 2)
				ct_warn("%s: empty input: no candles (an empty zip)", name);
			else
				ct_warn("%s: a zip whose central directory (its index, at its end) "
				    "cannot be read: cut short or damaged", name);
			return -1;
		}
		if (archive_format(a) != ARCHIVE_FORMAT_RAW && archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (read_member(a, e, name, m, f) != 0)
			return -1;
	}
	if (r != ARCHIVE_EOF) {
		ct_warn("%s: %s", name, aerr(a, "read error"));
		return -1;
	}
	return 0;
}

int
ct_import_file(const char *path, struct ct_merger *m)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	int is_stdin = strcmp(path, "-") == 0, rc = -1;
	struct file *f = malloc(sizeof *f);
	struct archive *a = archive_read_new();
	struct stat st;

	if (f == NULL || a == NULL) {
		ct_warn("%s: %s", name, strerror(ENOMEM));
		free(f);
		archive_read_free(a);
		return -1;
	}
	f->handed = 0;
	f->seekable = 0;
	if ((f->fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		ct_warn("%s: %s", name, strerror(errno));
		goto out;
	}
	/* raw bids lowest, so a zip is still read as a zip, and anything
	 * else (CSV, JSON) becomes one entry, decompressed if need be.  A
	 * zip in a file is read by its central directory (seek), so one cut
	 * short is found; standard input's member by member. */
	archive_read_support_filter_all(a);
	if (!is_stdin && fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode)) {
		f->seekable = 1;
		archive_read_support_format_zip_seekable(a);
		archive_read_set_seek_callback(a, file_seek);
	} else {
		archive_read_support_format_zip_streamable(a);
	}
	archive_read_support_format_raw(a);
	archive_read_support_format_empty(a);
	archive_read_set_read_callback(a, file_read);
	archive_read_set_callback_data(a, f);
	if (ct_merger_source(m, name) != 0)
		goto out;
	if (archive_read_open1(a) != ARCHIVE_OK)
		ct_warn("%s: %s", name, aerr(a, "cannot read"));
	else if (read_archive(a, name, m, f) == 0)
		rc = ct_merger_end(m, 1);
out:
	archive_read_free(a);
	if (f->fd >= 0 && !is_stdin)
		close(f->fd);
	free(f);
	return rc;
}

int
ct_freqtrade_name(const char *name, char *sym, size_t symlen, char *tf, size_t tflen)
{
	static const char *const ext[] = { ".json", ".json.gz", ".json.xz", ".json.bz2",
		".json.zst", ".feather", ".parquet" };
	const char *dash = strrchr(name, '-'), *dot;
	size_t n = 0, e = 0;

	/* BASE_QUOTE-TF.json: freqtrade's spot data (SYMBOL-TF.json too, as
	 * share/sample names its files), compressed or not; its binary
	 * formats are taken too, to be refused with the command that
	 * converts them. */
	if (dash == NULL || (dot = strchr(dash, '.')) == NULL || (size_t)(dot - dash - 1) >= tflen)
		return -1;
	while (e < sizeof ext / sizeof ext[0] && strcmp(dot, ext[e]) != 0)
		e++;
	if (e == sizeof ext / sizeof ext[0])
		return -1;
	memcpy(tf, dash + 1, (size_t)(dot - dash - 1));
	tf[dot - dash - 1] = '\0';
	for (const char *p = name; p < dash; p++) {
		if (*p == '_')
			continue;
		if (n + 1 >= symlen)
			return -1;
		sym[n++] = *p;
	}
	sym[n] = '\0';
	return ct_tf_ms(tf) > 0 && ct_symbol_ok(sym) ? 0 : -1;
}

/* The date of a Binance public data name after its second '-': YYYY-MM
 * or YYYY-MM-DD, its length (7 or 10), or 0. */
static size_t
vision_date(const char *d)
{
	size_t n = 0;

	while (n < 10 && (n == 4 || n == 7 ? d[n] == '-' : isdigit((unsigned char)d[n])))
		n++;
	return n == 10 || (n >= 7 && d[7] != '-') ? (n == 10 ? 10 : 7) : 0;
}

/* SYM-TF-YYYY-MM[-DD].zip or .csv, the .csv compressed too (a download
 * gzipped again): Binance's public data (data.binance.vision). */
static int
vision_name(const char *name, char *sym, size_t symlen, char *tf, size_t tflen)
{
	static const char *const ext[] = { ".zip", ".csv", ".csv.gz", ".csv.xz", ".csv.bz2",
		".csv.zst", ".csv.lz4" };
	const char *d1 = strchr(name, '-'), *d2 = d1 ? strchr(d1 + 1, '-') : NULL;
	size_t n, e = 0;

	if (d1 == NULL || d2 == NULL || (n = vision_date(d2 + 1)) == 0)
		return -1;
	while (e < sizeof ext / sizeof ext[0] && strcmp(d2 + 1 + n, ext[e]) != 0)
		e++;
	if (e == sizeof ext / sizeof ext[0])
		return -1;
	if ((size_t)(d1 - name) >= symlen || (size_t)(d2 - d1 - 1) >= tflen)
		return -1;
	snprintf(sym, symlen, "%.*s", (int)(d1 - name), name);
	snprintf(tf, tflen, "%.*s", (int)(d2 - d1 - 1), d1 + 1);
	return ct_symbol_ok(sym) && ct_tf_ms(tf) > 0 ? 0 : -1;
}

/* Whether the file name at the end of path names a symbol and
 * timeframe other than sym and tf: what it says into s and t. */
static int
name_says_other(const char *path, const char *sym, const char *tf, char *s, char *t)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (vision_name(base, s, 64, t, 16) != 0 && ct_freqtrade_name(base, s, 64, t, 16) != 0)
		return 0;
	return strcmp(s, sym) != 0 || strcmp(t, tf) != 0;
}

int
ct_import_name_check(const char *path, const char *sym, const char *tf)
{
	char s[64], t[16];

	if (!name_says_other(path, sym, tf, s, t))
		return 0;
	ct_warn("%s: its name says %s %s, not %s %s: not imported (rename the file if its "
	    "candles are %s %s's)", path, s, t, sym, tf, sym, tf);
	return -1;
}
