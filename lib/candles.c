/* candles.c — the candle store: parsed with libcsv a block at a time (memory
 * does not grow with the file), written atomically. */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "candles.h"
#include "csvin.h"
#include "err.h"
#include "parse.h"
#include "regfile.h"

int
ct_series_reserve(struct ct_series *s, size_t n)
{
	struct ct_candle *p;

	if (n <= s->cap)
		return 0;
	p = realloc(s->c, n * sizeof *p);
	if (p == NULL)
		return -1;
	s->c = p;
	s->cap = n;
	return 0;
}

int
ct_series_push(struct ct_series *s, const struct ct_candle *c)
{
	if (s->n == s->cap && ct_series_reserve(s, s->cap ? s->cap * 2 : 1024) != 0)
		return -1;
	s->c[s->n++] = *c;
	return 0;
}

void
ct_series_free(struct ct_series *s)
{
	free(s->c);
	memset(s, 0, sizeof *s);
}

const char *
ct_candle_invalid(const struct ct_candle *c)
{
	if (!(c->o > 0 && c->h > 0 && c->l > 0 && c->c > 0) ||
	    !isfinite(c->o) || !isfinite(c->h) || !isfinite(c->l) || !isfinite(c->c))
		return "price is not a positive number";
	if (c->l < CT_PRICE_MIN || c->h > CT_PRICE_MAX)
		return "price outside " CT_PRICE_RANGE " (features would not be finite)";
	if (!(c->v >= 0) || !isfinite(c->v))
		return "volume is not a non-negative number";
	if (c->v > CT_VOLUME_MAX)
		return "volume above " CT_VOLUME_RANGE " (features would not be finite)";
	if (c->h < c->l)
		return "high is below low";
	if (c->h < c->o || c->h < c->c || c->l > c->o || c->l > c->c)
		return "open or close outside the high-low range";
	return NULL;
}

/* State of one parse of store text, fed in pieces.  A failure is kept
 * (line and reason) for the caller to print: the tail of a store learns
 * the real line number only after the fact. */
struct parse {
	struct ct_csvin in;
	int field;
	int header;		/* 1 while the header row is expected */
	int failed;
	long line;		/* of the failure, counted from the text fed */
	char msg[160];
	struct ct_candle cur;
	int have_prev;
	int64_t prev;		/* open time of the last row taken */
	struct ct_series *s;	/* rows are appended here */
	char last;		/* the last byte fed ('\n' before any) */
};

static const char *const hdr[] = { "open_time", "open", "high", "low", "close", "volume" };

static void __attribute__((format(printf, 2, 3)))
fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	p->line = ct_csvin_line(&p->in);
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof p->msg, fmt, ap);
	va_end(ap);
}

static void
on_field(void *data, size_t len, void *vp)
{
	struct parse *p = vp;
	const char *f = data ? data : "";
	int i = p->field++;
	double *dst[] = { NULL, &p->cur.o, &p->cur.h, &p->cur.l, &p->cur.c, &p->cur.v };
	char ex[CT_EXCERPT_LEN];

	if (p->failed || i >= 6)
		return;
	if (p->header) {
		if (len != strlen(hdr[i]) || memcmp(f, hdr[i], len) != 0)
			fail(p, "bad header: expected \"%s\"", CT_STORE_HEADER);
		return;
	}
	if (i == 0) {
		if (ct_parse_int64_n(f, len, &p->cur.t) != 0)
			fail(p, "open_time: not a whole number of milliseconds: \"%s\"",
			    ct_excerpt(f, len, ex));
	} else if (ct_parse_double_n(f, len, dst[i]) != 0) {
		fail(p, "%s: not a number: \"%s\"", hdr[i], ct_excerpt(f, len, ex));
	}
}

static void
on_row(int c, void *vp)
{
	struct parse *p = vp;
	const char *why;

	(void)c;
	if (p->failed)
		return;
	if (p->field < 6) {
		fail(p, "%s", p->header ? "bad header: expected \"" CT_STORE_HEADER "\"" :
		    "too few fields: expected open_time,open,high,low,close,volume");
	} else if (p->header) {
		p->header = 0;
	} else if ((why = ct_candle_invalid(&p->cur)) != NULL) {
		fail(p, "%s", why);
	} else if (p->have_prev && p->cur.t <= p->prev) {
		fail(p, "%s", "open_time not after the previous row (store must be sorted, unique)");
	} else if (ct_series_push(p->s, &p->cur) != 0) {
		fail(p, "%s", strerror(ENOMEM));
	} else {
		p->have_prev = 1;
		p->prev = p->cur.t;
	}
	p->field = 0;
}

static int
parse_init(struct parse *p, int header, struct ct_series *s)
{
	memset(p, 0, sizeof *p);
	p->header = header;
	p->s = s;
	p->last = '\n';
	if (ct_csvin_init(&p->in, on_field, on_row, p) != 0) {
		p->failed = 1;
		snprintf(p->msg, sizeof p->msg, "%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

static int
parse_feed(struct parse *p, const char *buf, size_t len)
{
	if (!p->failed && ct_csvin_feed(&p->in, buf, len) != 0)
		fail(p, "%s", p->in.err);
	if (len > 0)
		p->last = buf[len - 1];
	return p->failed ? -1 : 0;
}

/* The end of the text. */
static int
parse_end(struct parse *p)
{
	/* Every store line ends with one (written whole, renamed): a last
	 * row without is a store cut short (copied half, edited, a full
	 * disk elsewhere), its last value perhaps cut too. */
	if (!p->failed && p->last != '\n' && !p->header)
		fail(p, "no newline at the end: the store is cut short");
	if (!p->failed && ct_csvin_fini(&p->in) != 0)
		fail(p, "%s", p->in.err);
	if (!p->failed && p->header) {
		p->failed = 1;
		p->line = 1;
		snprintf(p->msg, sizeof p->msg, "%s", "empty file: no header");
	}
	return p->failed ? -1 : 0;
}

static void
parse_report(const struct parse *p, const char *name, long first_line)
{
	/* ct_warn: held back with the rest of a coin's diagnostics (predict
	 * says each coin's failure as one line). */
	ct_warn("%s:%ld: %s", name, first_line - 1 + p->line, p->msg);
}

int
ct_store_parse(const char *buf, size_t len, const char *name, struct ct_series *s)
{
	struct parse p;
	int rc;

	rc = parse_init(&p, 1, s) != 0 || parse_feed(&p, buf, len) != 0 || parse_end(&p) != 0;
	if (rc)
		parse_report(&p, name, 1);
	ct_csvin_free(&p.in);
	return rc ? -1 : 0;
}

int
ct_store_parse_rows(const char *buf, size_t len, const char *name, long first_line,
    struct ct_series *s)
{
	struct parse p;
	int rc;

	rc = parse_init(&p, 0, s) != 0;
	/* Each row after s's last candle, as each after the one before it. */
	if (!rc && s->n > 0) {
		p.have_prev = 1;
		p.prev = s->c[s->n - 1].t;
	}
	rc = rc || parse_feed(&p, buf, len) != 0 || parse_end(&p) != 0;
	if (rc)
		parse_report(&p, name, first_line);
	ct_csvin_free(&p.in);
	return rc ? -1 : 0;
}

char *
ct_slurp(const char *path, size_t *len, int *missing)
{
	struct stat st;
	char *buf;
	ssize_t r;
	size_t got = 0;
	int fd;

	*missing = 0;
	if ((fd = ct_open_regular(AT_FDCWD, path, &st)) < 0) {
		*missing = errno == ENOENT;
		return NULL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	/* A read error must not pass for the end of the file: a store read
	 * short would be saved back short. */
	while (got < (size_t)st.st_size && (r = read(fd, buf + got, (size_t)st.st_size - got)) != 0) {
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* ---- reading a store block by block ---------------------------------- */

#define BLOCK (64 * 1024)

struct ct_store_rd {
	int fd;
	int eof;
	char *path;
	struct parse p;
	struct ct_series batch;	/* rows parsed, not yet handed out */
	size_t next;
	char buf[BLOCK];
};

struct ct_store_rd *
ct_store_open(const char *path, int *missing)
{
	struct ct_store_rd *r;
	int fd;

	*missing = 0;
	if ((fd = ct_open_regular(AT_FDCWD, path, NULL)) < 0) {
		*missing = errno == ENOENT;
		if (!*missing)
			ct_warn("%s: %s", path, ct_file_strerror(errno));
		return NULL;
	}
	if ((r = calloc(1, sizeof *r)) == NULL) {
		ct_warn("%s: %s", path, strerror(ENOMEM));
		close(fd);
		return NULL;
	}
	r->fd = fd;
	if ((r->path = strdup(path)) == NULL || parse_init(&r->p, 1, &r->batch) != 0) {
		ct_warn("%s: %s", path, strerror(ENOMEM));
		ct_store_close(r);
		return NULL;
	}
	return r;
}

/* Parse the next block; 0, or -1 (reported). */
static int
refill(struct ct_store_rd *r)
{
	ssize_t n;

	r->batch.n = r->next = 0;
	do
		n = read(r->fd, r->buf, sizeof r->buf);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* A read error must not pass for the end of the file: a
		 * store read short would be saved back short. */
		ct_warn("%s: %s", r->path, strerror(errno));
		return -1;
	}
	if (n == 0) {
		r->eof = 1;
		if (parse_end(&r->p) != 0) {
			parse_report(&r->p, r->path, 1);
			return -1;
		}
	} else if (parse_feed(&r->p, r->buf, (size_t)n) != 0) {
		parse_report(&r->p, r->path, 1);
		return -1;
	}
	return 0;
}

int
ct_store_next(struct ct_store_rd *r, struct ct_candle *c)
{
	while (r->next == r->batch.n) {
		if (r->eof)
			return 0;
		if (refill(r) != 0)
			return -1;
	}
	*c = r->batch.c[r->next++];
	return 1;
}

void
ct_store_close(struct ct_store_rd *r)
{
	if (r == NULL)
		return;
	close(r->fd);
	ct_csvin_free(&r->p.in);
	ct_series_free(&r->batch);
	free(r->path);
	free(r);
}

int
ct_store_load(const char *path, struct ct_series *s, int *exists)
{
	struct ct_store_rd *r;
	struct ct_candle c;
	int missing, k;

	r = ct_store_open(path, &missing);
	if (exists)
		*exists = r != NULL;
	if (r == NULL)
		return missing ? 0 : -1;
	while ((k = ct_store_next(r, &c)) > 0)
		if (ct_series_push(s, &c) != 0) {
			ct_warn("%s: %s", path, strerror(ENOMEM));
			k = -1;
			break;
		}
	ct_store_close(r);
	return k;
}

/* Lines before byte off of the file: the real line number of an error in
 * its tail is found only when there is one. */
static long
lines_before(int fd, off_t off)
{
	char buf[BLOCK];
	long lines = 0;
	off_t at = 0;
	ssize_t n;

	while (at < off && (n = pread(fd, buf, (size_t)(off - at < BLOCK ? off - at : BLOCK), at)) > 0) {
		for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++)
			lines++;
		at += n;
	}
	return lines;
}

int
ct_store_tail(const char *path, size_t n, struct ct_series *s)
{
	struct stat st;
	struct parse p;
	size_t chunk = (n + 2) * 96, nl;
	off_t off;
	char *buf = NULL, *q;
	ssize_t r;
	int fd, rc = -1;

	if ((fd = ct_open_regular(AT_FDCWD, path, &st)) < 0) {
		ct_warn("%s: %s", path, ct_file_strerror(errno));
		return -1;
	}
	/* Read a block from the end, doubling it until it holds n full rows
	 * or the whole file. */
	for (;;) {
		size_t end;

		if ((off_t)chunk > st.st_size)
			chunk = (size_t)st.st_size;
		off = st.st_size - (off_t)chunk;
		free(buf);
		if ((buf = malloc(chunk + 1)) == NULL)
			goto out;
		if ((r = pread(fd, buf, chunk, off)) != (ssize_t)chunk) {
			ct_warn("%s: %s", path, r < 0 ? strerror(errno) : "short read");
			goto out;
		}
		buf[chunk] = '\0';
		/* Trailing blank lines (or lines of blanks) hold no row: the
		 * parser skips them, and so does this count. */
		for (end = chunk; end > 0 && memchr(" \t\r\n", buf[end - 1], 4) != NULL; end--)
			;
		/* Rows, not lines: an empty line among them holds none. */
		for (nl = 0, q = buf + end; q > buf; q--)
			if (q[-1] == '\n' && *q != '\n' && !(q[0] == '\r' && q[1] == '\n') && ++nl == n)
				break;
		if (nl == n && n > 0)
			break;
		if (off == 0) {
			q = buf;
			break;
		}
		chunk *= 2;
	}
	/* From the file's start the header comes first; else the rows. */
	if (parse_init(&p, q == buf && off == 0, s) == 0 &&
	    parse_feed(&p, q, (size_t)(buf + chunk - q)) == 0 && parse_end(&p) == 0)
		rc = 0;
	else
		parse_report(&p, path, 1 + lines_before(fd, off + (q - buf)));
	ct_csvin_free(&p.in);
out:
	free(buf);
	close(fd);
	return rc;
}

/* Exchange prices and volumes have at most 8 decimals.  Such a value is
 * printed here by integer arithmetic, to the very text %.15g gives (and
 * that reads back exactly); the general path below costs ten times more
 * and dominated writing a 65k-row store.  -1 when v is not such a value. */
static int
fmt_dec8(double v, char buf[32])
{
	double a = fabs(v);
	long long n;
	char dig[24], *p = buf;
	int nd, z, e;

	if (!(a * 1e8 >= 1 && a * 1e8 < 1e15))
		return -1;
	n = llround(a * 1e8);
	/* n / 1e8 is the double nearest the decimal n * 10^-8, as strtod
	 * would read it; equal to a, that decimal is a's shortest text. */
	if ((double)n / 1e8 != a)
		return -1;
	nd = snprintf(dig, sizeof dig, "%lld", n);
	for (z = nd; z > 1 && dig[z - 1] == '0'; z--)
		;
	e = nd - 9;		/* decimal exponent of the first digit */
	if (v < 0)
		*p++ = '-';
	if (e < -4) {		/* %g's exponent form */
		*p++ = dig[0];
		if (z > 1) {
			*p++ = '.';
			memcpy(p, dig + 1, (size_t)z - 1);
			p += z - 1;
		}
		snprintf(p, 8, "e-%02d", -e);
		return 0;
	}
	if (e >= 0) {
		memcpy(p, dig, (size_t)e + 1);
		p += e + 1;
		if (z > e + 1) {
			*p++ = '.';
			memcpy(p, dig + e + 1, (size_t)(z - e - 1));
			p += z - e - 1;
		}
	} else {
		*p++ = '0';
		*p++ = '.';
		for (int i = e; i < -1; i++)
			*p++ = '0';
		memcpy(p, dig, (size_t)z);
		p += z;
	}
	*p = '\0';
	return 0;
}

char *
ct_fmt_double(double v, char buf[32])
{
	if (fmt_dec8(v, buf) == 0)
		return buf;
	/* Most prices round-trip at 15 digits; fall back to 17, which always does. */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

int
ct_store_write(FILE *fp, const struct ct_series *s)
{
	fputs(CT_STORE_HEADER "\n", fp);
	for (size_t i = 0; i < s->n; i++)
		ct_store_write_row(fp, &s->c[i]);
	return ferror(fp) ? -1 : 0;
}

int
ct_store_write_row(FILE *fp, const struct ct_candle *k)
{
	char a[32], b[32], c[32], d[32], e[32];

	return fprintf(fp, "%lld,%s,%s,%s,%s,%s\n", (long long)k->t,
	    ct_fmt_double(k->o, a), ct_fmt_double(k->h, b), ct_fmt_double(k->l, c),
	    ct_fmt_double(k->c, d), ct_fmt_double(k->v, e)) < 0 ? -1 : 0;
}

int
ct_store_save(const char *path, const struct ct_series *s)
{
	struct ct_afile af;

	if (ct_mkparent(path) != 0 || ct_afile_open(&af, path) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	if (ct_store_write(af.fp, s) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		ct_afile_abort(&af);
		return -1;
	}
	if (ct_afile_commit(&af) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
