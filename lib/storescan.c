/* storescan.c — a store read in blocks of whole lines.  Finding the last
 * n rows costs one pass of memchr over the file (no parsing), with the
 * offset of every SNAP_ROWS-th row remembered so the start is found again
 * without a second pass over the whole file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "err.h"
#include "regfile.h"
#include "storescan.h"
#include "timefmt.h"

#define BLOCK		(1 << 20)	/* bytes parsed at a time */
#define LINE_MAX_B	(1 << 20)	/* no store row comes near this */
#define SNAP_ROWS	65536

/* Newlines in b[0,n). */
static size_t
count_nl(const char *b, size_t n)
{
	const char *p = b, *e = b + n;
	size_t k = 0;

	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

static int
fail(struct ct_scan *sc, const char *what)
{
	ct_warn("%s: %s", sc->path, what ? what : strerror(errno));
	return -1;
}

/* The header line: the store reader's own check of it.  Sets sc->pos
 * after it. */
static int
header(struct ct_scan *sc)
{
	char b[256], *nl;
	struct ct_series none = { 0 };
	ssize_t r = pread(sc->fd, b, sizeof b, 0);
	int rc;

	if (r < 0)
		return fail(sc, NULL);
	nl = memchr(b, '\n', (size_t)r);
	/* Anything longer than a header is no header: the parser says so. */
	rc = ct_store_parse(b, nl ? (size_t)(nl - b + 1) : (size_t)r, sc->path, &none);
	ct_series_free(&none);
	if (rc != 0)
		return -1;
	sc->pos = nl ? nl - b + 1 : r;
	/* Columns past the six are the parser's to ignore, however long:
	 * the rest of a header line longer than b is no row. */
	while (nl == NULL && r == (ssize_t)sizeof b) {
		if ((r = pread(sc->fd, b, sizeof b, sc->pos)) < 0)
			return fail(sc, NULL);
		nl = memchr(b, '\n', (size_t)r);
		sc->pos += nl ? nl - b + 1 : r;
	}
	sc->line = 2;
	return 0;
}

/* Count the rows after the header; remember where every SNAP_ROWS-th
 * starts.  Then move sc->pos to the first of the last n rows. */
static int
seek_last(struct ct_scan *sc, size_t n)
{
	off_t *snap = NULL, off = sc->pos;
	size_t nsnap = 0, rows = 0, skip, k;
	char last = '\n';
	ssize_t r = 0;
	int rc = -1;

	while (off < sc->end &&
	    (r = pread(sc->fd, sc->buf, sc->end - off < BLOCK ? (size_t)(sc->end - off) : BLOCK,
	    off)) > 0) {
		const char *p = sc->buf, *e = sc->buf + r;

		while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
			p++;
			if (++rows % SNAP_ROWS == 0) {
				off_t *t = realloc(snap, (nsnap + 1) * sizeof *t);

				if (t == NULL)
					goto out;
				snap = t;
				snap[nsnap++] = off + (p - sc->buf);
			}
		}
		last = sc->buf[r - 1];
		off += r;
	}
	if (off < sc->end && r <= 0) {
		fail(sc, r < 0 ? NULL : "changed while being read");
		goto out;
	}
	rows += last != '\n';
	skip = n > 0 && rows > n ? rows - n : 0;
	k = skip / SNAP_ROWS;
	off = k ? snap[k - 1] : sc->pos;
	/* From the snapshot, the remaining rows to skip are whole lines. */
	for (size_t left = skip - k * SNAP_ROWS; left > 0;) {
		const char *p;

		if ((r = pread(sc->fd, sc->buf, BLOCK, off)) <= 0) {
			fail(sc, r < 0 ? NULL : "changed while being read");
			goto out;
		}
		/* p ends one past the newline of the last row skipped. */
		for (p = sc->buf; left > 0 && (p = memchr(p, '\n', (size_t)(sc->buf + r - p))); p++)
			left--;
		off += p ? p - sc->buf : r;
	}
	sc->pos = off;
	sc->line = 2 + (long)skip;
	sc->rows = rows - skip;
	rc = 0;
out:
	free(snap);
	return rc;
}

/* Move sc->end back over the rows of open time > until, and blank lines,
 * from the end: a line at a time, so the cost is that of the rows cut.
 * A line that does not start with a time ends the cut (it is the
 * parser's to report). */
static int
cut_after(struct ct_scan *sc, int64_t until)
{
	char b[4096 + 1], *q, *ln;	/* a line, and a NUL for strtoll */

	while (sc->end > sc->pos) {
		off_t lo = sc->end - (off_t)(sizeof b - 1) > sc->pos ? sc->end - (off_t)(sizeof b - 1) :
		    sc->pos;
		ssize_t r = pread(sc->fd, b, (size_t)(sc->end - lo), lo), i;
		long long t;

		if (r != sc->end - lo)
			return fail(sc, r < 0 ? NULL : "changed while being read");
		b[r] = '\0';
		i = r - 1 - (b[r - 1] == '\n');
		while (i >= 0 && b[i] != '\n')
			i--;
		if (i < 0 && lo > sc->pos)
			return 0;
		ln = b + (i + 1);	/* the last line's start (i is -1 at b's) */
		errno = 0;
		t = strtoll(ln, &q, 10);
		if (*ln != '\n' && *ln != '\r') {
			if (q == ln || errno || t <= until)
				return 0;
			sc->later++;
		}
		sc->end = lo + (ln - b);
	}
	return 0;
}

int
ct_scan_open(struct ct_scan *sc, const char *path, size_t n)
{
	return ct_scan_open_until(sc, path, n, CT_SCAN_ALL);
}

int
ct_scan_open_until(struct ct_scan *sc, const char *path, size_t n, int64_t until)
{
	struct stat st;

	memset(sc, 0, sizeof *sc);
	snprintf(sc->path, sizeof sc->path, "%s", path);
	sc->cap = BLOCK;
	if ((sc->fd = ct_open_regular(AT_FDCWD, path, &st)) < 0) {
		fail(sc, ct_file_strerror(errno));
		ct_scan_close(sc);
		return -1;
	}
	if ((sc->buf = malloc(sc->cap)) == NULL ||
	    (sc->md = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex(sc->md, EVP_sha256(), NULL)) {
		fail(sc, NULL);
		ct_scan_close(sc);
		return -1;
	}
	sc->end = st.st_size;
	if (header(sc) != 0 || (until != CT_SCAN_ALL && cut_after(sc, until) != 0) ||
	    seek_last(sc, n) != 0) {
		ct_scan_close(sc);
		return -1;
	}
	return 0;
}

/* The file line of the k-th row (from 0) of the block buf[0, cut) at
 * sc->pos: blank lines, which a store may hold, are no rows. */
static long
row_line(const struct ct_scan *sc, size_t cut, size_t k)
{
	long line = sc->line;

	for (const char *p = sc->buf, *end = sc->buf + cut, *nl; p < end; p = nl + 1, line++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl > p && !(nl - p == 1 && *p == '\r') && k-- == 0)
			return line;
	}
	return line;
}

/* Each row from n0 a whole number of candles after the one before: else
 * the store is of another timeframe, or its open times are not in
 * milliseconds (features of the time of day would be noise).  0, or -1
 * said with the file and line. */
static int
off_grid(const struct ct_scan *sc, const struct ct_series *s, size_t n0, size_t cut)
{
	char iso[CT_ISO_LEN];
	int64_t prev = sc->last_t;
	int have = sc->have_last;

	for (size_t i = n0; i < s->n; prev = s->c[i++].t, have = 1) {
		if (!have || (s->c[i].t - prev) % sc->tf_ms == 0)
			continue;
		ct_warn("%s:%ld: open time %s is %lld ms after the row before: not a whole number "
		    "of candles of %lld ms (a store of another timeframe, or times not in "
		    "milliseconds)", sc->path, row_line(sc, cut, i - n0),
		    ct_iso8601(s->c[i].t, iso), (long long)(s->c[i].t - prev), (long long)sc->tf_ms);
		return -1;
	}
	return 0;
}

long
ct_scan_next(struct ct_scan *sc, struct ct_series *s)
{
	size_t len = 0, cut, n0 = s->n;
	ssize_t r;

	if (sc->pos >= sc->end)
		return 0;
	/* Whole lines only: grow the block until it ends in one (or the
	 * file does). */
	for (;;) {
		if ((r = pread(sc->fd, sc->buf + len, sc->cap - len, sc->pos + (off_t)len)) < 0)
			return fail(sc, NULL);
		len += (size_t)r;
		if (sc->pos + (off_t)len >= sc->end || r == 0) {
			/* Not past the end: rows after it were cut (cut_after). */
			if (sc->pos + (off_t)len > sc->end)
				len = (size_t)(sc->end - sc->pos);
			cut = len;
			break;
		}
		for (cut = len; cut > 0 && sc->buf[cut - 1] != '\n'; cut--)
			;
		if (cut > 0)
			break;
		if (sc->cap >= LINE_MAX_B) {
			ct_warn("%s:%ld: line longer than %d bytes", sc->path, sc->line, LINE_MAX_B);
			return -1;
		}
		{
			char *t = realloc(sc->buf, sc->cap * 2);

			if (t == NULL)
				return fail(sc, NULL);
			sc->buf = t;
			sc->cap *= 2;
		}
	}
	if (cut == 0)
		return 0;
	if (ct_store_parse_rows(sc->buf, cut, sc->path, sc->line, s) != 0)
		return -1;
	if (s->n > n0 && sc->have_last && s->c[n0].t <= sc->last_t) {
		ct_warn("%s:%ld: open_time not after the previous row (store must be sorted, unique)",
		    sc->path, sc->line);
		return -1;
	}
	if (sc->tf_ms > 0 && off_grid(sc, s, n0, cut) != 0)
		return -1;
	EVP_DigestUpdate(sc->md, sc->buf, cut);
	sc->line += (long)count_nl(sc->buf, cut);
	sc->pos += (off_t)cut;
	if (s->n > n0) {
		sc->have_last = 1;
		sc->last_t = s->c[s->n - 1].t;
	}
	return (long)(s->n - n0);
}

void
ct_scan_digest(struct ct_scan *sc, char hex[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	/* On a copy: the scan may go on. */
	hex[0] = '\0';
	if (c && EVP_MD_CTX_copy_ex(c, sc->md) && EVP_DigestFinal_ex(c, d, &len))
		for (unsigned int i = 0; i < len && i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", d[i]);
	EVP_MD_CTX_free(c);
}

void
ct_scan_close(struct ct_scan *sc)
{
	if (sc->fd >= 0)
		close(sc->fd);
	free(sc->buf);
	EVP_MD_CTX_free(sc->md);
	sc->fd = -1;
	sc->buf = NULL;
	sc->md = NULL;
}

int
ct_scan_load(const char *path, size_t n, struct ct_series *s)
{
	return ct_scan_load_tf(path, n, 0, s);
}

int
ct_scan_load_tf(const char *path, size_t n, int64_t tf_ms, struct ct_series *s)
{
	struct ct_scan sc;
	long r;

	if (ct_scan_open(&sc, path, n) != 0)
		return -1;
	sc.tf_ms = tf_ms;
	while ((r = ct_scan_next(&sc, s)) > 0)
		;
	ct_scan_close(&sc);
	return r < 0 ? -1 : 0;
}
