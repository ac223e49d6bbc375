/* dataset.c — labelled rows in memory or streamed into a mapped file.
 *
 * Streaming reads the store in blocks into a window that keeps the
 * warmup and horizon candles around the rows being computed; the
 * features are fixed-window (features.h), so a row computed in a window
 * equals the row computed from the whole series.  The spread estimate a
 * label's cost depends on is known only after the last candle: the first
 * pass stores each row's volatility in the cost column and a second pass
 * over the file turns it into the cost and the label. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dataset.h"
#include "err.h"
#include "features.h"
#include "merge.h"
#include "storescan.h"
#include "timefmt.h"

#define TAIL_KEEP	200	/* candles after the warmup kept for the checks */
#define PATCH_ROWS	65536	/* rows per read of the cost pass */

/* Standard deviation of one-candle log returns over the 48 candles up to
 * i >= 48 (the volatility the slippage cost scales with); lr[j - lo]: the
 * log return of candle j, lo <= i - 47. */
static double
sigma48(const double *lr, size_t lo, size_t i)
{
	const double *r = lr + (i - lo);
	double m = 0, v = 0;

	for (int k = 0; k < 48; k++)
		m += r[-k];
	m /= 48;
	for (int k = 0; k < 48; k++)
		v += (r[-k] - m) * (r[-k] - m);
	return sqrt(v / 48);
}

/* Rows for candles [from,to) of s: features by fn into x, and per row the
 * forward return, sigma48, log close and open time.  Returns -1 when fn
 * fails or memory runs out (errno), else the index of the first row with
 * an infinite feature plus one, or 0. */
static long
fill(const struct ct_series *s, size_t from, size_t to, int horizon, ct_feat_fn fn,
    float *x, double *fwd, double *sig, double *lc, int64_t *t)
{
	size_t nf = ct_feat_count(), lo = from > 48 ? from - 47 : 1;
	double *lr;

	if (fn(s, from, to, x) != 0)
		return -1;
	/* Each candle's log return once, not once for each of the 48
	 * windows it is in. */
	if ((lr = malloc((to > lo ? to - lo : 1) * sizeof *lr)) == NULL)
		return -1;
	for (size_t j = lo; j < to; j++)
		lr[j - lo] = log(s->c[j].c / s->c[j - 1].c);
	for (size_t i = from; i < to; i++) {
		size_t r = i - from;

		lc[r] = log(s->c[i].c);
		fwd[r] = (log(s->c[i + (size_t)horizon].c) - lc[r]) * 1e4;
		sig[r] = i < 48 ? NAN : sigma48(lr, lo, i);
		t[r] = s->c[i].t;
	}
	free(lr);
	/* XGBoost takes NAN for missing but refuses infinities; they come
	 * from prices or volumes so large the sums overflow. */
	for (size_t k = 0; k < (to - from) * nf; k++)
		if (isinf(x[k]))
			return (long)(k / nf) + 1;
	return 0;
}

static void
label(const struct ct_costs *costs, const double *fwd, double *cost, float *y, size_t n)
{
	for (size_t r = 0; r < n; r++) {
		cost[r] = ct_cost_rt_bps(costs, cost[r]);
		y[r] = fwd[r] > cost[r];
	}
}

static void
init(struct ct_dataset *d, size_t n, int horizon, int64_t tf_ms)
{
	memset(d, 0, sizeof *d);
	d->n = n;
	d->nfeat = ct_feat_count();
	d->first = ct_feat_warmup();
	d->horizon = horizon;
	d->tf_ms = tf_ms;
}

void
ct_dataset_gaps(const struct ct_dataset *d, const char *sym, const char *what,
    struct ct_gap_stats *g)
{
	char a[CT_ISO_LEN], b[CT_ISO_LEN];

	memset(g, 0, sizeof *g);
	for (size_t r = 0; r < d->n; r++)
		ct_gap_add(g, &(struct ct_candle){ .t = d->t[r], .v = 1 }, d->tf_ms);
	if (g->gaps > 0)
		ct_warn("%s: %zu gap%s in the candles %s, %zu candles missing (the longest %zu, "
		    "%s to %s): features and labels span them as if the candles were adjacent",
		    sym, g->gaps, g->gaps == 1 ? "" : "s", what, g->missing, g->longest,
		    ct_iso8601(g->longest_from, a), ct_iso8601(g->longest_to, b));
}

void
ct_dataset_free(struct ct_dataset *d)
{
	if (d->map) {
		munmap(d->map, d->maplen);
	} else {
		free(d->x);
		free(d->y);
		free(d->fwd_bps);
		free(d->cost_bps);
		free(d->lc);
		free(d->t);
	}
	memset(d, 0, sizeof *d);
}

int
ct_dataset_build(struct ct_dataset *d, const struct ct_series *s, int horizon,
    int64_t tf_ms, const struct ct_costs *costs, ct_feat_fn fn)
{
	size_t w = ct_feat_warmup(), n;
	long bad;

	n = s->n > w + (size_t)horizon ? s->n - w - (size_t)horizon : 0;
	init(d, n, horizon, tf_ms);
	if (n == 0)
		return 0;
	d->x = malloc(n * d->nfeat * sizeof *d->x);
	d->y = malloc(n * sizeof *d->y);
	d->fwd_bps = malloc(n * sizeof *d->fwd_bps);
	d->cost_bps = malloc(n * sizeof *d->cost_bps);
	d->lc = malloc(n * sizeof *d->lc);
	d->t = malloc(n * sizeof *d->t);
	if (!d->x || !d->y || !d->fwd_bps || !d->cost_bps || !d->lc || !d->t ||
	    (bad = fill(s, w, w + n, horizon, fn ? fn : ct_features, d->x, d->fwd_bps,
	    d->cost_bps, d->lc, d->t)) < 0) {
		ct_warn("features: %s", strerror(errno ? errno : ENOMEM));
		ct_dataset_free(d);
		return -1;
	}
	if (bad > 0) {
		ct_warn("features: candle %zu: not finite (prices or volumes too large)",
		    w + (size_t)bad - 1);
		ct_dataset_free(d);
		return -1;
	}
	label(costs, d->fwd_bps, d->cost_bps, d->y, n);
	return 0;
}

/* Byte offsets of the columns in a file of cap rows; x first, then the
 * 4-byte y, then the 8-byte columns (aligned: cap*(nf+1)*4 is a multiple
 * of 8 because nf+1 is even). */
struct layout {
	size_t x, y, fwd, cost, lc, t, len;
};

static struct layout
layout(size_t cap, size_t nf)
{
	struct layout l;

	l.x = 0;
	l.y = cap * nf * sizeof(float);
	l.fwd = l.y + cap * sizeof(float);
	l.fwd += l.fwd % 8;
	l.cost = l.fwd + cap * sizeof(double);
	l.lc = l.cost + cap * sizeof(double);
	l.t = l.lc + cap * sizeof(double);
	l.len = l.t + cap * sizeof(int64_t);
	return l;
}

static int
pwrite_all(int fd, const void *buf, size_t len, size_t off)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t r = pwrite(fd, p, len, (off_t)off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		len -= (size_t)r;
		off += (size_t)r;
	}
	return 0;
}

/* One streaming pass: state and buffers. */
struct stream {
	struct ct_scan sc;
	struct ct_series win;	/* candles [base, base + win.n) */
	size_t base, next;	/* candle index of win.c[0]; of the next row */
	long line0;		/* file line of candle 0 */
	struct ct_spread spread;
	int fd;
	struct layout l;
	float *x;
	double *fwd, *sig, *lc;
	int64_t *t;
	size_t cap;		/* rows the buffers hold */
	const char *file;
};

static int
grow(struct stream *st, size_t rows)
{
	size_t nf = ct_feat_count();

	if (rows <= st->cap)
		return 0;
	free(st->x);
	free(st->fwd);
	st->x = malloc(rows * nf * sizeof *st->x);
	/* fwd, sig, lc and t in one block of 4 * rows 8-byte values. */
	st->fwd = malloc(rows * 4 * sizeof *st->fwd);
	if (!st->x || !st->fwd)
		return -1;
	st->sig = st->fwd + rows;
	st->lc = st->sig + rows;
	st->t = (int64_t *)(st->lc + rows);
	st->cap = rows;
	return 0;
}

/* Rows whose label candle is in the window: compute and write them. */
static int
rows_out(struct stream *st, size_t end, int horizon, size_t r0)
{
	size_t nf = ct_feat_count(), from = st->next, to = end, cnt, r;
	long bad;

	if (to <= from)
		return 0;
	cnt = to - from;
	r = from - r0;
	if (grow(st, cnt) != 0) {
		ct_warn("%s: %s", st->file, strerror(ENOMEM));
		return -1;
	}
	bad = fill(&st->win, from - st->base, to - st->base, horizon, ct_features, st->x,
	    st->fwd, st->sig, st->lc, st->t);
	if (bad != 0) {
		if (bad < 0)
			ct_warn("%s: features: %s", st->sc.path, strerror(errno));
		else
			ct_warn("%s:%ld: features of this candle are not finite (prices or volumes "
			    "too large)", st->sc.path, st->line0 + (long)(from + (size_t)bad - 1));
		return -1;
	}
	if (pwrite_all(st->fd, st->x, cnt * nf * sizeof *st->x, st->l.x + r * nf * sizeof(float)) ||
	    pwrite_all(st->fd, st->fwd, cnt * sizeof(double), st->l.fwd + r * sizeof(double)) ||
	    pwrite_all(st->fd, st->sig, cnt * sizeof(double), st->l.cost + r * sizeof(double)) ||
	    pwrite_all(st->fd, st->lc, cnt * sizeof(double), st->l.lc + r * sizeof(double)) ||
	    pwrite_all(st->fd, st->t, cnt * sizeof(int64_t), st->l.t + r * sizeof(int64_t))) {
		ct_warn("%s: %s", st->file, strerror(errno));
		return -1;
	}
	st->next = to;
	return 0;
}

/* Read the store block by block, writing rows as their labels become
 * known; keep keep candles of context in the window. */
static int
stream_rows(struct stream *st, int horizon, size_t keep, size_t nrows)
{
	size_t w = ct_feat_warmup();
	long k;

	st->next = w;
	while ((k = ct_scan_next(&st->sc, &st->win)) > 0) {
		size_t n0 = st->win.n - (size_t)k, end;

		for (size_t i = n0 ? n0 : 1; i < st->win.n; i++)
			ct_spread_add(&st->spread, &st->win.c[i - 1], &st->win.c[i]);
		end = st->base + st->win.n > (size_t)horizon ? st->base + st->win.n - (size_t)horizon : 0;
		if (end > w + nrows)
			end = w + nrows;
		if (rows_out(st, end, horizon, w) != 0)
			return -1;
		if (st->win.n > keep) {
			size_t drop = st->win.n - keep;

			memmove(st->win.c, st->win.c + drop, keep * sizeof *st->win.c);
			st->win.n = keep;
			st->base += drop;
		}
	}
	return k < 0 ? -1 : 0;
}

/* Second pass: the cost column holds sigma; make it the cost, and the
 * label from it. */
static int
patch_costs(struct stream *st, const struct ct_costs *costs, size_t n)
{
	float y[PATCH_ROWS];
	double fwd[PATCH_ROWS], cost[PATCH_ROWS];

	for (size_t r = 0; r < n; r += PATCH_ROWS) {
		size_t cnt = n - r < PATCH_ROWS ? n - r : PATCH_ROWS;

		if (pread(st->fd, fwd, cnt * sizeof *fwd, (off_t)(st->l.fwd + r * sizeof *fwd)) !=
		    (ssize_t)(cnt * sizeof *fwd) ||
		    pread(st->fd, cost, cnt * sizeof *cost, (off_t)(st->l.cost + r * sizeof *cost)) !=
		    (ssize_t)(cnt * sizeof *cost)) {
			ct_warn("%s: %s", st->file, errno ? strerror(errno) : "short read");
			return -1;
		}
		label(costs, fwd, cost, y, cnt);
		if (pwrite_all(st->fd, cost, cnt * sizeof *cost, st->l.cost + r * sizeof *cost) ||
		    pwrite_all(st->fd, y, cnt * sizeof *y, st->l.y + r * sizeof *y)) {
			ct_warn("%s: %s", st->file, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
map_file(struct ct_dataset *d, struct stream *st)
{
	char *m;

	if (d->n == 0)
		return 0;
	m = mmap(NULL, st->l.len, PROT_READ, MAP_SHARED, st->fd, 0);
	if (m == MAP_FAILED) {
		ct_warn("%s: %s", st->file, strerror(errno));
		return -1;
	}
	d->map = m;
	d->maplen = st->l.len;
	d->x = (float *)(m + st->l.x);
	d->y = (float *)(m + st->l.y);
	d->fwd_bps = (double *)(m + st->l.fwd);
	d->cost_bps = (double *)(m + st->l.cost);
	d->lc = (double *)(m + st->l.lc);
	d->t = (int64_t *)(m + st->l.t);
	return 0;
}

int
ct_dataset_stream(struct ct_dataset *d, const char *path, size_t rows, int64_t until,
    int horizon, int64_t tf_ms, struct ct_costs *costs, const char *file,
    struct ct_stream_info *info)
{
	struct stream st;
	size_t w = ct_feat_warmup(), n, keep = w + ((size_t)horizon > TAIL_KEEP ?
	    (size_t)horizon : TAIL_KEEP) + 1;
	int rc = -1;

	memset(&st, 0, sizeof st);
	memset(info, 0, sizeof *info);
	init(d, 0, horizon, tf_ms);
	st.fd = -1;
	st.file = file;
	if (ct_scan_open_until(&st.sc, path, rows, until) != 0)
		return -1;
	st.sc.tf_ms = tf_ms;
	st.line0 = st.sc.line;
	n = st.sc.rows > w + (size_t)horizon ? st.sc.rows - w - (size_t)horizon : 0;
	st.l = layout(n, d->nfeat);
	/* Unlinked at once: written and mapped through the descriptor, it
	 * goes with the process, however it ends (a kill while the store is
	 * read left 136 bytes a candle behind). */
	if ((st.fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0 ||
	    unlink(file) != 0 || ftruncate(st.fd, (off_t)st.l.len) != 0) {
		ct_warn("%s: %s", file, strerror(errno));
		goto out;
	}
	if (stream_rows(&st, horizon, keep, n) != 0)
		goto out;
	info->candles = st.base + st.win.n;
	info->later = st.sc.later;
	ct_scan_digest(&st.sc, info->sha256);
	{
		size_t k = st.win.n < w + TAIL_KEEP ? st.win.n : w + TAIL_KEEP;

		if (ct_series_reserve(&info->tail, k ? k : 1) != 0)
			goto out;
		memcpy(info->tail.c, st.win.c + st.win.n - k, k * sizeof *st.win.c);
		info->tail.n = k;
	}
	if (isnan(costs->spread_bps)) {
		costs->spread_bps = ct_spread_bps(&st.spread);
		costs->spread_estimated = 1;
	}
	/* Blank lines would make fewer rows than lines were counted. */
	d->n = st.next > w ? st.next - w : 0;
	if (patch_costs(&st, costs, d->n) != 0 || map_file(d, &st) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		ct_series_free(&info->tail);
		ct_dataset_free(d);
	}
	if (st.fd >= 0)
		close(st.fd);
	ct_scan_close(&st.sc);
	ct_series_free(&st.win);
	free(st.x);
	free(st.fwd);
	return rc;
}

/* MADV_DONTNEED on a shared file mapping only unmaps the pages: the next
 * read faults them in again from the page cache or the file. */
static void
drop(const void *p, size_t len)
{
	static long page;
	uintptr_t a = (uintptr_t)p, e = a + len;

	if (page == 0)
		page = sysconf(_SC_PAGESIZE);
	a -= a % (uintptr_t)page;
	if (e > a)
		madvise((void *)a, e - a, MADV_DONTNEED);
}

void
ct_dataset_release(const struct ct_dataset *d, size_t lo, size_t hi)
{
	if (d->map == NULL || hi <= lo || d->keep)
		return;
	drop(d->x + lo * d->nfeat, (hi - lo) * d->nfeat * sizeof *d->x);
	drop(d->y + lo, (hi - lo) * sizeof *d->y);
	drop(d->fwd_bps + lo, (hi - lo) * sizeof *d->fwd_bps);
	drop(d->cost_bps + lo, (hi - lo) * sizeof *d->cost_bps);
	drop(d->lc + lo, (hi - lo) * sizeof *d->lc);
	drop(d->t + lo, (hi - lo) * sizeof *d->t);
}

int
ct_feat_causal_check(const struct ct_series *s, ct_feat_fn fn, char *why, size_t whylen)
{
	size_t nf = ct_feat_count(), w = ct_feat_warmup();
	struct ct_series alt = { 0 };
	float *a = NULL, *b = NULL;
	int rc = -1;

	if (s->n < w + 4) {
		snprintf(why, whylen, "too few candles (%zu) to check", s->n);
		return -1;
	}
	if ((a = malloc(s->n * nf * sizeof *a)) == NULL ||
	    (b = malloc(s->n * nf * sizeof *b)) == NULL ||
	    ct_series_reserve(&alt, s->n) != 0 || fn(s, 0, s->n, a) != 0) {
		snprintf(why, whylen, "%s", strerror(errno ? errno : ENOMEM));
		goto out;
	}
	/* Cut at a few points; everything after the cut becomes a different,
	 * still valid market (prices x1.5 then /1.5 alternating, volume x3). */
	for (size_t cut = w; cut < s->n - 1; cut += (s->n - w) / 3 + 1) {
		memcpy(alt.c, s->c, s->n * sizeof *s->c);
		alt.n = s->n;
		for (size_t i = cut + 1; i < s->n; i++) {
			double f = (i - cut) % 2 ? 1.5 : 1 / 1.5;

			alt.c[i].o *= f;
			alt.c[i].h *= f;
			alt.c[i].l *= f;
			alt.c[i].c *= f;
			alt.c[i].v = alt.c[i].v * 3 + 1;
		}
		if (fn(&alt, 0, s->n, b) != 0) {
			snprintf(why, whylen, "%s", strerror(errno));
			goto out;
		}
		for (size_t i = 0; i <= cut; i++)
			for (size_t j = 0; j < nf; j++) {
				float x = a[i * nf + j], y = b[i * nf + j];

				if (memcmp(&x, &y, sizeof x) != 0) {
					snprintf(why, whylen, "feature %s of candle %zu changes when "
					    "candles after %zu change", ct_feat_name(j), i, cut);
					goto out;
				}
			}
	}
	rc = 0;
out:
	free(a);
	free(b);
	ct_series_free(&alt);
	return rc;
}
