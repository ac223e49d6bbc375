/* matrix.c — the matrices a coin's training hands XGBoost (matrix.h).
 *
 * Memory rules: no matrix of all rows is ever copied.  XGBoost reads the
 * rows CHUNK_ROWS at a time through its data iterators and keeps them
 * quantised, in memory up to incore_rows rows, else paged to cache_dir
 * (its external memory); the two give the same trees.
 *
 * Bin rules: every matrix of one coin's training shares one set of
 * histogram bins, taken from the first fold's training window (struct
 * ct_bins, below). */
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <xgboost/c_api.h>

#include "err.h"
#include "matrix.h"
#include "model.h"
#include "sortf.h"

#define CHUNK_ROWS	8192	/* rows per batch (and per external-memory page) */
#define BINS_CACHE	16	/* matrices a struct ct_bins keeps for reuse */

int
ct_xgb_timed(struct ct_train_opts *o, int rc)
{
	o->xgb_seconds += ct_mono_s() - o->xgb_t0;
	return rc;
}

int
ct_xgb_fail(const char *what)
{
	ct_warn("xgboost: %s: %s", what, ct_xgb_error());
	return -1;
}

void
ct_array_iface(char *buf, size_t size, const float *x, size_t rows, size_t cols)
{
	const union { uint16_t u; char c[2]; } endian = { 1 };

	snprintf(buf, size, "{\"data\":[%ju,true],\"shape\":[%zu,%zu],"
	    "\"typestr\":\"%cf4\",\"version\":3}", (uintmax_t)(uintptr_t)x,
	    rows, cols, endian.c[0] ? '<' : '>');
}

/* Rows [lo,hi) of a dataset handed to XGBoost a chunk at a time.  The
 * chunk handed out last stays valid until the next call (XGBoost's rule);
 * then its pages are released. */
struct feed {
	const struct ct_dataset *d;
	const struct ct_bins *snap;	/* values snapped to these bins, or raw (NULL) */
	float *buf;			/* the chunk: snapped, or every step-th row */
	float *label;			/* its labels (step > 1) */
	size_t lo, hi, pos, last, step;
	DMatrixHandle proxy;
	int failed;
	char iface[256];
};

static void snap_rows(const struct ct_bins *b, const float *x, size_t rows, float *out);

/* The next chunk of every step-th row (from pos) into f's buffers; its
 * row count. */
static size_t
gather(struct feed *f)
{
	size_t nf = f->d->nfeat, k = 0;

	for (; f->pos < f->hi && k < CHUNK_ROWS; f->pos += f->step, k++) {
		const float *x = f->d->x + f->pos * nf;

		if (f->snap)
			snap_rows(f->snap, x, 1, f->buf + k * nf);
		else
			memcpy(f->buf + k * nf, x, nf * sizeof *x);
		f->label[k] = f->d->y[f->pos];
	}
	if (f->pos > f->hi)
		f->pos = f->hi;
	return k;
}

size_t
ct_step_rows(const struct ct_dataset *d, size_t lo, size_t hi, size_t step)
{
	size_t first = ct_step_first(d, lo, step ? step : 1);

	return first < hi ? (hi - first - 1) / (step ? step : 1) + 1 : 0;
}

/* The first of every step-th row from lo: the rows a step apart from
 * the dataset's newest, so every window takes the same rows where windows
 * overlap (the first fold's, whence the bins, is within every later one). */
size_t
ct_step_first(const struct ct_dataset *d, size_t lo, size_t step)
{
	return d->n > lo ? lo + (d->n - 1 - lo) % step : lo;
}

static int
feed_next(DataIterHandle h)
{
	struct feed *f = h;
	size_t n, nf = f->d->nfeat;
	const float *x, *y;

	ct_dataset_release(f->d, f->last, f->pos);
	f->last = f->pos;
	if (f->pos >= f->hi || f->failed)
		return 0;
	if (f->step > 1) {
		n = gather(f);
		x = f->buf;
		y = f->label;
	} else {
		n = f->hi - f->pos < CHUNK_ROWS ? f->hi - f->pos : CHUNK_ROWS;
		x = f->d->x + f->pos * nf;
		y = f->d->y + f->pos;
		f->pos += n;
		if (f->snap) {
			snap_rows(f->snap, x, n, f->buf);
			x = f->buf;
		}
	}
	ct_array_iface(f->iface, sizeof f->iface, x, n, nf);
	if (XGProxyDMatrixSetDataDense(f->proxy, f->iface) != 0 ||
	    XGDMatrixSetDenseInfo(f->proxy, "label", y, n, 1) != 0) {
		/* An iterator cannot fail: end the data and say so after. */
		ct_xgb_fail("batch");
		f->failed = 1;
		return 0;
	}
	return 1;
}

static void
feed_reset(DataIterHandle h)
{
	struct feed *f = h;

	ct_dataset_release(f->d, f->last, f->pos);
	f->pos = f->last = ct_step_first(f->d, f->lo, f->step);
}

/* A feed of every step-th row of [lo,hi) (ct_step_first); 0, or -1
 * (said) when its buffers cannot be had. */
static int
feed_init(struct feed *f, const struct ct_dataset *d, size_t lo, size_t hi, size_t step,
    const struct ct_bins *snap)
{
	*f = (struct feed){ .d = d, .snap = snap, .lo = lo, .hi = hi, .step = step ? step : 1 };
	f->pos = f->last = ct_step_first(f->d, f->lo, f->step);
	if ((snap || f->step > 1) &&
	    (f->buf = malloc(CHUNK_ROWS * d->nfeat * sizeof *f->buf)) == NULL)
		goto fail;
	if (f->step > 1 && (f->label = malloc(CHUNK_ROWS * sizeof *f->label)) == NULL)
		goto fail;
	return 0;
fail:
	free(f->buf);
	ct_warn("matrix: %s", strerror(ENOMEM));
	return -1;
}

/* A matrix of every step-th row of [lo,hi) built from the feed:
 * quantised in memory (quantile; with the cuts of ref when not NULL, else
 * sketched), else paged to external memory.  snap: the values fed are
 * snapped to these bins (else raw).  NULL on error. */
static DMatrixHandle
fed_matrix(const struct ct_dataset *d, size_t lo, size_t hi, size_t step, int quantile,
    const struct ct_bins *snap, DMatrixHandle ref, struct ct_train_opts *o)
{
	struct feed f;
	DMatrixHandle m = NULL;
	char *prefix = NULL, conf[2 * CT_PATH_MAX + 128];
	int rc;

	if (feed_init(&f, d, lo, hi, step, snap) != 0)
		return NULL;
	if (XGProxyDMatrixCreate(&f.proxy) != 0) {
		free(f.buf);
		free(f.label);
		ct_xgb_fail("matrix");
		return NULL;
	}
	if (quantile) {
		snprintf(conf, sizeof conf, "{\"missing\":NaN,\"nthread\":%d,\"max_bin\":%d}",
		    o->threads, o->max_bin);
		rc = XGB(o, XGQuantileDMatrixCreateFromCallback(&f, f.proxy, ref, feed_reset,
		    feed_next, conf, &m));
	} else {
		char path[CT_PATH_MAX];
		json_t *p;

		/* XGBoost names its page files PREFIX-<address>.*.page. */
		snprintf(path, sizeof path, "%s/xgb", o->cache_dir);
		p = json_string(path);
		prefix = p ? json_dumps(p, JSON_ENCODE_ANY) : NULL;
		json_decref(p);
		snprintf(conf, sizeof conf, "{\"missing\":NaN,\"nthread\":%d,\"cache_prefix\":%s}",
		    o->threads, prefix ? prefix : "\"\"");
		rc = prefix ? XGB(o, XGDMatrixCreateFromCallback(&f, f.proxy, feed_reset, feed_next,
		    conf, &m)) : -1;
		free(prefix);
	}
	ct_dataset_release(d, f.last, f.pos);
	XGDMatrixFree(f.proxy);
	free(f.buf);
	free(f.label);
	if (rc != 0 || f.failed) {
		if (rc != 0)
			ct_xgb_fail("matrix");
		if (m)
			XGDMatrixFree(m);
		return NULL;
	}
	return m;
}

size_t
ct_incore_rows(long mb)
{
	return mb > 30 ? (size_t)(mb - 30) * 1024 * 1024 / 180 : 0;
}

static int
incore(const struct ct_train_opts *o, size_t rows)
{
	return o->cache_dir == NULL ||
	    rows <= (o->incore_rows ? o->incore_rows : ct_incore_rows(CT_MEMORY_MB));
}

/* Histogram bins.  XGBoost sketches the quantiles of every matrix it
 * quantises: each fold's, the final fit's, each fold's of every trial of a
 * search -- 0.25 s of a 1.25 s coin at 52000 rows, and each fold's bins
 * shaped by its own rows.  Instead a coin's matrices share one set of
 * bins: per feature, quantile edges of the first fold's training window
 * (its rows a training takes: every step-th, ct_row_step).
 * Every fold and the final fit train on those rows, so no fold's bins are
 * shaped by data after it (edges from all rows would be a mild
 * look-ahead).  In memory, the matrix of that window, fed its values
 * snapped to the lower edge of their bin, is the reference every other
 * matrix takes its cuts from (raw values binned, no sketch); the first
 * fold trains on it as it is.  XGBoost's external memory takes no
 * reference: fed the same snapped values, its own sketch finds exactly
 * those cuts (no more distinct values than bins), so a matrix paged to
 * disk still trains the same trees as one in memory, bit for bit.  Up to
 * keep_rows rows of matrices built in memory are kept for the next
 * training (a search's trials share them); past that, and the
 * external-memory ones, are freed after use. */
struct ct_bins {
	size_t lo, hi;		/* the rows the edges come from */
	size_t step;		/* every step-th of them, and of each training window */
	size_t nfeat;
	size_t keep_rows, kept;	/* rows of matrices to keep at most; kept, but the reference */
	int max_bin;
	float *edge;		/* feature j: edge[j * max_bin + i], i < nedge[j], ascending */
	int *nedge;
	int ncache;
	struct cached {
		size_t lo, hi;
		int eval;	/* early-stopping matrix (raw values) */
		DMatrixHandle m;
	} cache[BINS_CACHE];
};

/* The rows the bins come from: the first fold's training window (all
 * rows when the walk-forward has no folds for them). */
static void
bins_window(const struct ct_dataset *d, const struct ct_train_opts *o, size_t *lo, size_t *hi)
{
	struct ct_fold *f = calloc(o->folds > 0 ? (size_t)o->folds : 1, sizeof *f);

	*lo = 0;
	*hi = d->n;
	if (f && ct_folds(d->n, o->folds, o->horizon, f) == 0) {
		*lo = f[0].train_lo;
		*hi = f[0].train_hi;
	}
	free(f);
}

/* Feature j's edges: the smallest value, then the value at each
 * i/max_bin quantile that is larger than the edge before it. */
static void
bins_feature(struct ct_bins *b, const struct ct_dataset *d, size_t j, float *v)
{
	size_t m = 0;
	float *e = b->edge + j * (size_t)b->max_bin;

	for (size_t r = ct_step_first(d, b->lo, b->step); r < b->hi; r += b->step)
		if (!isnan(d->x[r * d->nfeat + j]))
			v[m++] = d->x[r * d->nfeat + j];
	b->nedge[j] = 0;
	if (m == 0)
		return;
	ct_sort_floats(v, m);
	e[b->nedge[j]++] = v[0];
	for (int i = 1; i < b->max_bin; i++) {
		float q = v[(size_t)i * m / (size_t)b->max_bin];

		if (q > e[b->nedge[j] - 1])
			e[b->nedge[j]++] = q;
	}
}

struct ct_bins *
ct_bins_new(const struct ct_dataset *d, size_t keep_rows, const struct ct_train_opts *o)
{
	struct ct_bins *b = calloc(1, sizeof *b);
	float *v = NULL;

	if (b == NULL)
		goto fail;
	bins_window(d, o, &b->lo, &b->hi);
	b->step = (size_t)ct_row_step(o, d->n);
	b->nfeat = d->nfeat;
	b->max_bin = o->max_bin;
	b->keep_rows = keep_rows;
	b->edge = malloc(d->nfeat * (size_t)o->max_bin * sizeof *b->edge);
	b->nedge = malloc(d->nfeat * sizeof *b->nedge);
	v = malloc((b->hi - b->lo ? b->hi - b->lo : 1) * sizeof *v);
	if (!b->edge || !b->nedge || !v)
		goto fail;
	for (size_t j = 0; j < d->nfeat; j++)
		bins_feature(b, d, j, v);
	free(v);
	ct_dataset_release(d, b->lo, b->hi);
	return b;
fail:
	ct_warn("bins: %s", strerror(ENOMEM));
	free(v);
	ct_bins_free(b);
	return NULL;
}

int
ct_bins_max_bin(const struct ct_bins *b)
{
	return b->max_bin;
}

/* Free the matrices b keeps. */
static void
bins_drop(struct ct_bins *b)
{
	for (int i = 0; i < b->ncache; i++)
		XGDMatrixFree(b->cache[i].m);
	b->ncache = 0;
	b->kept = 0;
}

void
ct_bins_free(struct ct_bins *b)
{
	if (b == NULL)
		return;
	bins_drop(b);
	free(b->edge);
	free(b->nedge);
	free(b);
}

/* Rows of x (nfeat values each), every value replaced by the lower edge
 * of its bin (the first edge below the first); NaN stays missing.  A
 * feature with no value in the window is missing everywhere. */
static void
snap_rows(const struct ct_bins *b, const float *x, size_t rows, float *out)
{
	for (size_t r = 0; r < rows; r++)
		for (size_t j = 0; j < b->nfeat; j++) {
			const float *e = b->edge + j * (size_t)b->max_bin;
			float v = x[r * b->nfeat + j];
			int lo = 0, hi = b->nedge[j];

			if (hi == 0 || isnan(v)) {
				out[r * b->nfeat + j] = NAN;
				continue;
			}
			while (hi - lo > 1) {
				int mid = (lo + hi) / 2;

				if (e[mid] <= v)
					lo = mid;
				else
					hi = mid;
			}
			out[r * b->nfeat + j] = e[lo];
		}
}

static DMatrixHandle
bins_cached(const struct ct_bins *b, size_t lo, size_t hi, int eval)
{
	for (int i = 0; i < b->ncache; i++)
		if (b->cache[i].lo == lo && b->cache[i].hi == hi && b->cache[i].eval == eval)
			return b->cache[i].m;
	return NULL;
}

/* Keep m in b's cache; 0, or -1 when it is full or keeping it would pass
 * keep_rows (then the caller owns m).  ref: the reference, always kept. */
static int
bins_keep(struct ct_bins *b, size_t lo, size_t hi, int eval, int ref, DMatrixHandle m)
{
	if (b->ncache == BINS_CACHE || (!ref && b->kept + (hi - lo) > b->keep_rows))
		return -1;
	b->kept += ref ? 0 : hi - lo;
	b->cache[b->ncache++] = (struct cached){ .lo = lo, .hi = hi, .eval = eval, .m = m };
	return 0;
}

/* The reference matrix (in memory, the window's rows snapped), built on
 * first use.  NULL on error. */
static DMatrixHandle
bins_ref(struct ct_bins *b, const struct ct_dataset *d, struct ct_train_opts *o)
{
	DMatrixHandle m = bins_cached(b, b->lo, b->hi, 0);

	if (m == NULL && (m = fed_matrix(d, b->lo, b->hi, b->step, 1, b, NULL, o)) != NULL &&
	    bins_keep(b, b->lo, b->hi, 0, 1, m) != 0) {
		/* Never: the reference is the first matrix kept. */
		XGDMatrixFree(m);
		m = NULL;
	}
	return m;
}

/* 1 when training on rows [lo,hi) goes to external memory: it and the
 * reference would not fit the budget. */
static int
paged(const struct ct_train_opts *o, size_t lo, size_t hi)
{
	const struct ct_bins *b = o->bins;
	size_t refrows = lo == b->lo && hi == b->hi ? 0 : b->hi - b->lo;

	return !incore(o, hi - lo + refrows);
}

/* The matrix a booster trains on, with o->bins' cuts: in memory while
 * it and the reference fit in the budget, else external memory (values
 * snapped).  *own: the caller frees it (else o->bins keeps it). */
DMatrixHandle
ct_train_matrix(const struct ct_dataset *d, size_t lo, size_t hi, struct ct_train_opts *o,
    int *own)
{
	struct ct_bins *b = o->bins;
	DMatrixHandle m, ref;

	*own = 0;
	if ((m = bins_cached(b, lo, hi, 0)) != NULL)
		return m;
	if (paged(o, lo, hi)) {
		/* Windows only grow: no later matrix of this training takes
		 * the reference, which need not hold its memory. */
		if (b->keep_rows == 0 && b->ncache) {
			bins_drop(b);
			malloc_trim(0);
		}
		*own = 1;
		return fed_matrix(d, lo, hi, b->step, 0, b, NULL, o);
	}
	if ((ref = bins_ref(b, d, o)) == NULL || (lo == b->lo && hi == b->hi))
		return ref;
	if ((m = fed_matrix(d, lo, hi, b->step, 1, NULL, ref, o)) != NULL)
		*own = bins_keep(b, lo, hi, 0, 0, m) != 0;
	return m;
}

/* Every step-th row of [lo,hi) (ct_step_first) copied into one block,
 * with their labels after: the caller frees it.  NULL when out of memory
 * (said). */
static float *
stepped_copy(const struct ct_dataset *d, size_t lo, size_t hi, size_t step, size_t *rows)
{
	size_t nf = d->nfeat, n = ct_step_rows(d, lo, hi, step), k = 0;
	float *x = malloc((n * (nf + 1) + 1) * sizeof *x);

	if (x == NULL) {
		ct_warn("matrix: %s", strerror(ENOMEM));
		return NULL;
	}
	for (size_t r = ct_step_first(d, lo, step); r < hi; r += step, k++) {
		memcpy(x + k * nf, d->x + r * nf, nf * sizeof *x);
		x[n * nf + k] = d->y[r];
	}
	*rows = n;
	return x;
}

/* Every step-th row of [lo,hi) as one dense matrix with labels, in
 * memory (an incremental update's few thousand rows, an early-stopping
 * block). */
DMatrixHandle
ct_dmatrix(const struct ct_dataset *d, size_t lo, size_t hi, size_t step,
    struct ct_train_opts *o)
{
	DMatrixHandle m = NULL;
	float *own = NULL;
	const float *x = d->x + lo * d->nfeat, *y = d->y + lo;
	size_t n = hi - lo;

	if (step > 1) {
		if ((own = stepped_copy(d, lo, hi, step, &n)) == NULL)
			return NULL;
		x = own;
		y = own + n * d->nfeat;
	}
	if (XGB(o, XGDMatrixCreateFromMat(x, n, d->nfeat, NAN, &m)) != 0) {
		ct_xgb_fail("matrix");
		free(own);
		return NULL;
	}
	ct_dataset_release(d, lo, hi);
	if (XGB(o, XGDMatrixSetFloatInfo(m, "label", y, n)) != 0) {
		ct_xgb_fail("labels");
		XGDMatrixFree(m);
		m = NULL;
	}
	free(own);
	return m;
}

/* The early-stopping block, only ever predicted on, one tree a round.
 * XGBoost predicts from raw values several times faster than from a
 * quantised matrix: in memory as a plain matrix (about 210 bytes a row,
 * a quarter of the training rows) when the training matrix of rows
 * [tlo,thi) is in memory, else paged too.  *own as for train_matrix(). */
DMatrixHandle
ct_eval_matrix(const struct ct_dataset *d, size_t lo, size_t hi, size_t tlo, size_t thi,
    struct ct_train_opts *o, int *own)
{
	struct ct_bins *b = o->bins;
	DMatrixHandle m;

	*own = 1;
	if (paged(o, tlo, thi))
		return fed_matrix(d, lo, hi, b->step, 0, NULL, NULL, o);
	if ((m = bins_cached(b, lo, hi, 1)) != NULL) {
		*own = 0;
		return m;
	}
	if ((m = ct_dmatrix(d, lo, hi, b->step, o)) != NULL)
		*own = bins_keep(b, lo, hi, 1, 0, m) != 0;
	return m;
}

