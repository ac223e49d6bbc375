/* train.c — datasets, purged walk-forward, XGBoost training, evaluation.
 *
 * Honesty rules this file keeps: a training row's label never overlaps a
 * validation row (purge gap of horizon+1 rows); early stopping watches a
 * block of the training window, never the validation block whose scores
 * get reported (stopping on it would pick the rounds that flatter it); a
 * fold's trading threshold comes from earlier folds' out-of-sample
 * predictions only, never from the block it is scored on. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xgboost/c_api.h>

#include "atomic.h"
#include "err.h"
#include "features.h"
#include "model.h"
#include "train.h"

#define MIN_TRADES	10	/* a threshold needs this many trades to be chosen */
#define EQUITY_MAX	200	/* points kept of the equity curve */
#define LOG_EVERY	10	/* rounds between progress events */

double
ct_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}


/* Every XGBoost call goes through XGB() so the time spent inside the
 * library can be told apart from ours (bench/20-train.sh reports both). */
#define XGB(o, call) ((o)->xgb_t0 = ct_mono_s(), xgb_timed((o), (call)))

static int
xgb_timed(struct ct_train_opts *o, int rc)
{
	o->xgb_seconds += ct_mono_s() - o->xgb_t0;
	return rc;
}

static int
xgb_err(const char *what)
{
	ct_warn("xgboost: %s: %s", what, XGBGetLastError());
	return -1;
}

void
ct_train_defaults(struct ct_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->horizon = 12;
	o->folds = 4;
	o->rounds = 300;
	o->early_stop = 20;
	o->threads = 0;
	o->eta = 0.05;
	o->max_depth = 3;
}

void
ct_dataset_free(struct ct_dataset *d)
{
	free(d->x);
	free(d->y);
	free(d->fwd_bps);
	free(d->cost_bps);
	free(d->lc);
	free(d->t);
	memset(d, 0, sizeof *d);
}

/* Standard deviation of one-candle log returns over the 48 candles up to i
 * (the volatility the slippage cost scales with). */
static double
sigma48(const struct ct_series *s, size_t i)
{
	double r[48], m = 0, v = 0;

	if (i < 48)
		return NAN;
	for (int k = 0; k < 48; k++) {
		r[k] = log(s->c[i - k].c / s->c[i - k - 1].c);
		m += r[k];
	}
	m /= 48;
	for (int k = 0; k < 48; k++)
		v += (r[k] - m) * (r[k] - m);
	return sqrt(v / 48);
}

int
ct_dataset_build(struct ct_dataset *d, const struct ct_series *s, int horizon,
    int64_t tf_ms, const struct ct_costs *costs, ct_feat_fn fn)
{
	size_t w = ct_feat_warmup(), nf = ct_feat_count(), n;

	memset(d, 0, sizeof *d);
	if (fn == NULL)
		fn = ct_features;
	n = s->n > w + (size_t)horizon ? s->n - w - (size_t)horizon : 0;
	d->n = n;
	d->nfeat = nf;
	d->first = w;
	d->horizon = horizon;
	d->tf_ms = tf_ms;
	if (n == 0)
		return 0;
	d->x = malloc(n * nf * sizeof *d->x);
	d->y = malloc(n * sizeof *d->y);
	d->fwd_bps = malloc(n * sizeof *d->fwd_bps);
	d->cost_bps = malloc(n * sizeof *d->cost_bps);
	d->lc = malloc(n * sizeof *d->lc);
	d->t = malloc(n * sizeof *d->t);
	if (!d->x || !d->y || !d->fwd_bps || !d->cost_bps || !d->lc || !d->t ||
	    fn(s, w, w + n, d->x) != 0) {
		ct_warn("features: %s", strerror(errno ? errno : ENOMEM));
		ct_dataset_free(d);
		return -1;
	}
	for (size_t r = 0; r < n; r++) {
		size_t i = w + r;

		d->lc[r] = log(s->c[i].c);
		d->fwd_bps[r] = (log(s->c[i + horizon].c) - d->lc[r]) * 1e4;
		d->cost_bps[r] = ct_cost_rt_bps(costs, sigma48(s, i));
		d->y[r] = d->fwd_bps[r] > d->cost_bps[r];
		d->t[r] = s->c[i].t;
	}
	return 0;
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

int
ct_folds(size_t n, int k, int horizon, struct ct_fold *f)
{
	size_t block, win, gap = (size_t)horizon + 1;

	if (k < 1)
		return -1;
	block = n / (size_t)(k + 1);
	/* The first fold's window (the smallest) must hold an early-stopping
	 * block of 50 rows and, after the second purge, 50 training rows. */
	if (block <= gap)
		return -1;
	win = block - gap;
	if (win / 5 < 50 || win - win / 5 < gap + 50)
		return -1;
	for (int i = 0; i < k; i++) {
		memset(&f[i], 0, sizeof f[i]);
		f[i].val_lo = block * (size_t)(i + 1);
		f[i].val_hi = i == k - 1 ? n : block * (size_t)(i + 2);
		f[i].stop_hi = f[i].val_lo - gap;
		f[i].stop_lo = f[i].stop_hi - f[i].stop_hi / 5;
		f[i].train_lo = 0;
		f[i].train_hi = f[i].stop_lo - gap;
	}
	return 0;
}

static DMatrixHandle
dmatrix(const struct ct_dataset *d, size_t lo, size_t hi, struct ct_train_opts *o)
{
	DMatrixHandle m = NULL;

	if (XGB(o, XGDMatrixCreateFromMat(d->x + lo * d->nfeat, hi - lo, d->nfeat, NAN, &m)) != 0) {
		xgb_err("matrix");
		return NULL;
	}
	if (XGB(o, XGDMatrixSetFloatInfo(m, "label", d->y + lo, hi - lo)) != 0) {
		xgb_err("labels");
		XGDMatrixFree(m);
		return NULL;
	}
	return m;
}

/* The booster parameters, as XGBoost takes them and as config.json
 * records them (one table, so the two cannot drift apart). */
#define NPARAMS 13

static void
params(const struct ct_train_opts *o, char val[NPARAMS][32], const char *kv[NPARAMS][2])
{
	static const char *const fixed[NPARAMS][2] = {
		{ "validate_parameters", "1" },
		{ "objective", "binary:logistic" },
		{ "eval_metric", "logloss" },
		{ "tree_method", "hist" },
		{ "max_bin", "128" },
		{ "eta", NULL },
		{ "max_depth", NULL },
		{ "min_child_weight", "20" },
		{ "subsample", "0.8" },
		{ "colsample_bytree", "0.8" },
		{ "lambda", "1" },
		{ "seed", "1" },
		{ "nthread", NULL },
	};

	snprintf(val[5], sizeof val[5], "%g", o->eta);
	snprintf(val[6], sizeof val[6], "%d", o->max_depth);
	snprintf(val[12], sizeof val[12], "%d", o->threads);
	for (int i = 0; i < NPARAMS; i++) {
		kv[i][0] = fixed[i][0];
		kv[i][1] = fixed[i][1] ? fixed[i][1] : val[i];
	}
}

static int
set_params(BoosterHandle b, const struct ct_train_opts *o)
{
	char val[NPARAMS][32];
	const char *kv[NPARAMS][2];

	params(o, val, kv);
	for (int i = 0; i < NPARAMS; i++)
		if (XGBoosterSetParam(b, kv[i][0], kv[i][1]) != 0)
			return xgb_err(kv[i][0]);
	return 0;
}

json_t *
ct_train_params_json(const struct ct_train_opts *o)
{
	char val[NPARAMS][32];
	const char *kv[NPARAMS][2];
	json_t *j = json_object();

	params(o, val, kv);
	for (int i = 0; i < NPARAMS; i++)
		json_object_set_new(j, kv[i][0], json_string(kv[i][1]));
	json_object_set_new(j, "rounds_max", json_integer(o->rounds));
	json_object_set_new(j, "early_stop", json_integer(o->early_stop));
	json_object_set_new(j, "folds", json_integer(o->folds));
	return j;
}

static void
event(struct ct_train_opts *o, json_t *ev, double t0)
{
	if (o->log == NULL) {
		json_decref(ev);
		return;
	}
	if (o->t0 > 0)
		t0 = o->t0;
	json_object_set_new(ev, "elapsed_s", json_real(round((ct_mono_s() - t0) * 1000) / 1000));
	json_array_append_new(o->log, ev);
}

/* Progress shared by a walk-forward: rounds done and planned, for ETA. */
struct prog {
	double t0;
	long done, planned;
};

static void
progress(struct ct_train_opts *o, struct prog *p, int fold, int nfolds, int round,
    double val, int best)
{
	double el = ct_mono_s() - p->t0, eta = p->done ? el / p->done * (p->planned - p->done) : 0;
	char what[64];

	if (fold > 0)
		snprintf(what, sizeof what, "fold %d/%d", fold, nfolds);
	else
		snprintf(what, sizeof what, "final model");
	event(o, json_pack("{s:s, s:i, s:i, s:f, s:i}", "event", "round", "fold", fold,
	    "round", round, "stop_logloss", isfinite(val) ? val : -1.0, "best_round", best), p->t0);
	if (!o->progress)
		return;
	fprintf(stderr, "%s: %s%s%s round %d", ct_prog, o->label ? o->label : "",
	    o->label ? ": " : "", what, round);
	if (fold > 0)
		fprintf(stderr, ", stop-logloss %.5f", val);
	fprintf(stderr, ", ETA %.0fs\n", eta);
}

/* Train on [lo,hi); with a validation block [vlo,vhi) stop when its logloss
 * has not improved for early_stop rounds and report the best round count. */
static int
train(const struct ct_dataset *d, size_t lo, size_t hi, size_t vlo, size_t vhi,
    int rounds, struct ct_train_opts *o, struct prog *p, int fold, int nfolds,
    BoosterHandle *out, int *best_rounds)
{
	DMatrixHandle dt, dv = NULL;
	BoosterHandle b = NULL;
	double best = INFINITY;
	int bestr = rounds, rc = -1;

	*out = NULL;
	if ((dt = dmatrix(d, lo, hi, o)) == NULL)
		return -1;
	if (vhi > vlo && (dv = dmatrix(d, vlo, vhi, o)) == NULL)
		goto out;
	{
		DMatrixHandle cache[2] = { dt, dv };

		if (XGB(o, XGBoosterCreate(cache, dv ? 2 : 1, &b)) != 0) {
			xgb_err("booster");
			goto out;
		}
	}
	if (set_params(b, o) != 0)
		goto out;
	for (int r = 0; r < rounds; r++) {
		double v = NAN;

		if (XGB(o, XGBoosterUpdateOneIter(b, r, dt)) != 0) {
			xgb_err("training");
			goto out;
		}
		p->done++;
		if (dv) {
			const char *res, *colon;
			const char *name = "val";

			if (XGB(o, XGBoosterEvalOneIter(b, r, &dv, &name, 1, &res)) != 0) {
				xgb_err("evaluation");
				goto out;
			}
			colon = strrchr(res, ':');
			v = colon ? strtod(colon + 1, NULL) : NAN;
			if (v < best) {
				best = v;
				bestr = r + 1;
			} else if (r + 1 - bestr >= o->early_stop) {
				p->planned -= rounds - r - 1;
				if (r % LOG_EVERY != 0)
					progress(o, p, fold, nfolds, r + 1, v, bestr);
				break;
			}
		}
		if (r % LOG_EVERY == 0 || r == rounds - 1)
			progress(o, p, fold, nfolds, r + 1, v, bestr);
	}
	*best_rounds = bestr;
	*out = b;
	b = NULL;
	rc = 0;
out:
	if (b)
		XGBoosterFree(b);
	XGDMatrixFree(dt);
	if (dv)
		XGDMatrixFree(dv);
	return rc;
}

static int
predict_rounds(BoosterHandle b, const struct ct_dataset *d, size_t lo, size_t hi,
    int rounds, float *prob, struct ct_train_opts *o)
{
	char conf[160];
	DMatrixHandle m;
	const bst_ulong *shape;
	bst_ulong dim;
	const float *res;
	int rc = 0;

	if (hi <= lo)
		return 0;
	snprintf(conf, sizeof conf, "{\"type\":0,\"training\":false,\"iteration_begin\":0,"
	    "\"iteration_end\":%d,\"strict_shape\":false}", rounds);
	if (XGB(o, XGDMatrixCreateFromMat(d->x + lo * d->nfeat, hi - lo, d->nfeat, NAN, &m)) != 0)
		return xgb_err("matrix");
	if (XGB(o, XGBoosterPredictFromDMatrix(b, m, conf, &shape, &dim, &res)) != 0)
		rc = xgb_err("predict");
	else
		memcpy(prob, res, (hi - lo) * sizeof *prob);
	XGDMatrixFree(m);
	return rc;
}

int
ct_booster_predict(void *booster, const struct ct_dataset *d, size_t lo, size_t hi,
    float *prob, struct ct_train_opts *o)
{
	return predict_rounds(booster, d, lo, hi, 0, prob, o);
}

int
ct_train_final(const struct ct_dataset *d, size_t lo, size_t hi, int rounds,
    struct ct_train_opts *o, void **booster)
{
	struct prog p = { ct_mono_s(), 0, rounds };
	int best;

	ct_xgb_quiet();
	event(o, json_pack("{s:s, s:i, s:I, s:I}", "event", "final_started", "rounds", rounds,
	    "rows_lo", (json_int_t)lo, "rows_hi", (json_int_t)hi), p.t0);
	if (train(d, lo, hi, 0, 0, rounds, o, &p, 0, 0, (BoosterHandle *)booster, &best) != 0)
		return -1;
	event(o, json_pack("{s:s, s:i}", "event", "final_done", "rounds", rounds), p.t0);
	return 0;
}

struct ranked {
	float p;
	float y;
};

static int
cmp_ranked(const void *a, const void *b)
{
	float x = ((const struct ranked *)a)->p, y = ((const struct ranked *)b)->p;

	return (x > y) - (x < y);
}

double
ct_auc(const float *p, const float *y, size_t n)
{
	struct ranked *v;
	double pos = 0, neg = 0, rsum = 0;

	if (n == 0 || (v = malloc(n * sizeof *v)) == NULL)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		v[i].p = p[i];
		v[i].y = y[i];
		pos += y[i] > 0.5f;
	}
	neg = (double)n - pos;
	qsort(v, n, sizeof *v, cmp_ranked);
	/* Mann-Whitney U: sum of the positives' ranks, ties sharing their
	 * average rank. */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double npos = 0;

		while (j < n && v[j].p == v[i].p)
			npos += v[j++].y > 0.5f;
		rsum += npos * ((double)(i + 1 + j) / 2);
		i = j;
	}
	free(v);
	if (pos == 0 || neg == 0)
		return NAN;
	return (rsum - pos * (pos + 1) / 2) / (pos * neg);
}

/* The strategy alone: "long at close[i] when p > thr, exit horizon
 * candles later, one position at a time".  Fills the trade fields of e. */
static void
trade(const struct ct_dataset *d, const float *p, size_t lo, size_t hi, double thr,
    struct ct_eval *e, json_t *equity, double cum0)
{
	double c = 0, peak = 0, gross = 0;

	for (size_t i = lo; i < hi;) {
		double net;

		if (!(p[i] > thr)) {
			i++;
			continue;
		}
		net = d->fwd_bps[i] - d->cost_bps[i];
		e->trades++;
		e->wins += net > 0;
		gross += d->fwd_bps[i];
		c += net;
		if (c > peak)
			peak = c;
		if (peak - c > e->max_dd_bps)
			e->max_dd_bps = peak - c;
		if (equity)
			json_array_append_new(equity, json_pack("[I,f]",
			    (json_int_t)(d->t[i] + d->horizon * d->tf_ms), cum0 + c));
		/* The next entry can be at the exit candle at the earliest. */
		i += (size_t)d->horizon;
	}
	e->total_net_bps = c;
	e->gross_bps = e->trades ? gross / e->trades : 0;
	e->net_bps = e->trades ? c / e->trades : 0;
}

/* Holding from the first close of rows [lo,hi) to the last row's exit,
 * paying one round trip: the baseline the strategy's net bps must beat. */
static double
buy_hold(const struct ct_dataset *d, size_t lo, size_t hi)
{
	return (d->lc[hi - 1] - d->lc[lo]) * 1e4 + d->fwd_bps[hi - 1] - d->cost_bps[lo];
}

void
ct_evaluate(const struct ct_dataset *d, const float *p, size_t lo, size_t hi,
    double thr, struct ct_eval *e, json_t *equity, double *cum)
{
	double ll = 0;

	memset(e, 0, sizeof *e);
	e->threshold = thr;
	e->rows = (long)(hi - lo);
	if (hi <= lo)
		return;
	e->auc = ct_auc(p + lo, d->y + lo, hi - lo);
	for (size_t i = lo; i < hi; i++) {
		double q = fmin(fmax(p[i], 1e-7), 1 - 1e-7);

		ll -= d->y[i] > 0.5f ? log(q) : log(1 - q);
	}
	e->logloss = ll / (double)(hi - lo);
	trade(d, p, lo, hi, thr, e, equity, cum ? *cum : 0);
	if (cum)
		*cum += e->total_net_bps;
	e->buy_hold_bps = buy_hold(d, lo, hi);
}

double
ct_pick_threshold(const struct ct_dataset *d, const float *p,
    const struct ct_fold *ranges, int nranges)
{
	double best = 1, besttot = 0;

	for (int k = 0; k <= 16; k++) {
		double thr = 0.5 + 0.025 * k, tot = 0;
		long trades = 0;

		for (int i = 0; i < nranges; i++) {
			struct ct_eval e = { 0 };
			size_t hi = ranges[i].val_hi;

			/* Only trades that have exited by the range's end: a later
			 * exit is a price from the block the threshold will be
			 * scored on. */
			hi = hi > ranges[i].val_lo + (size_t)d->horizon ? hi - (size_t)d->horizon :
			    ranges[i].val_lo;
			trade(d, p, ranges[i].val_lo, hi, thr, &e, NULL, 0);
			tot += e.total_net_bps;
			trades += e.trades;
		}
		if (trades >= MIN_TRADES && tot > besttot) {
			besttot = tot;
			best = thr;
		}
	}
	return best;
}

json_t *
ct_eval_json(const struct ct_eval *e)
{
	return json_pack("{s:o, s:o, s:I, s:f, s:I, s:o, s:f, s:f, s:f, s:f, s:f, s:f}",
	    "auc", isfinite(e->auc) ? json_real(e->auc) : json_null(),
	    "logloss", isfinite(e->logloss) ? json_real(e->logloss) : json_null(),
	    "rows", (json_int_t)e->rows, "threshold", e->threshold,
	    "trades", (json_int_t)e->trades,
	    "hit_rate", e->trades ? json_real((double)e->wins / e->trades) : json_null(),
	    "gross_bps_per_trade", e->gross_bps, "net_bps_after_costs", e->net_bps,
	    "total_net_bps", e->total_net_bps, "max_drawdown_bps", e->max_dd_bps,
	    "buy_hold_bps", e->buy_hold_bps, "never_trade_bps", 0.0);
}

/* Keep at most EQUITY_MAX points, evenly spaced, always the last. */
static void
thin_equity(json_t **eq)
{
	size_t n = json_array_size(*eq);
	json_t *t;

	if (n <= EQUITY_MAX)
		return;
	t = json_array();
	for (size_t k = 0; k < EQUITY_MAX; k++)
		json_array_append(t, json_array_get(*eq, (k + 1) * n / EQUITY_MAX - 1));
	json_decref(*eq);
	*eq = t;
}

void
ct_wf_free(struct ct_wf *w)
{
	free(w->f);
	free(w->oos);
	json_decref(w->equity);
	memset(w, 0, sizeof *w);
}

int
ct_walkforward(const struct ct_dataset *d, struct ct_train_opts *o, struct ct_wf *w)
{
	struct prog p = { ct_mono_s(), 0, 0 };
	double cum = 0, peak = 0, gross = 0, ll = 0, sumrounds = 0;
	long wins = 0;

	memset(w, 0, sizeof *w);
	ct_xgb_quiet();
	w->nfolds = o->folds;
	w->f = calloc((size_t)o->folds, sizeof *w->f);
	w->oos = malloc((d->n ? d->n : 1) * sizeof *w->oos);
	w->equity = json_array();
	if (!w->f || !w->oos || !w->equity) {
		ct_warn("walk-forward: %s", strerror(ENOMEM));
		ct_wf_free(w);
		return -1;
	}
	if (ct_folds(d->n, o->folds, o->horizon, w->f) != 0) {
		ct_warn("walk-forward: %zu labelled rows are too few for %d folds with horizon %d",
		    d->n, o->folds, o->horizon);
		ct_wf_free(w);
		return -1;
	}
	for (size_t i = 0; i < d->n; i++)
		w->oos[i] = NAN;
	p.planned = (long)(o->folds + 1) * o->rounds;
	for (int k = 0; k < o->folds; k++) {
		struct ct_fold *f = &w->f[k];
		BoosterHandle b;
		double thr;

		event(o, json_pack("{s:s, s:i, s:[I,I], s:[I,I], s:[I,I]}", "event", "fold_started",
		    "fold", k + 1, "train", (json_int_t)f->train_lo, (json_int_t)f->train_hi,
		    "early_stop", (json_int_t)f->stop_lo, (json_int_t)f->stop_hi,
		    "val", (json_int_t)f->val_lo, (json_int_t)f->val_hi), p.t0);
		if (train(d, f->train_lo, f->train_hi, f->stop_lo, f->stop_hi, o->rounds, o, &p,
		    k + 1, o->folds, &b, &f->best_rounds) != 0) {
			ct_wf_free(w);
			return -1;
		}
		if (predict_rounds(b, d, f->val_lo, f->val_hi, f->best_rounds,
		    w->oos + f->val_lo, o) != 0) {
			XGBoosterFree(b);
			ct_wf_free(w);
			return -1;
		}
		XGBoosterFree(b);
		/* The first fold has no earlier out-of-sample predictions: it
		 * trades when the model calls beating the costs more likely
		 * than not. */
		thr = k == 0 ? 0.5 : ct_pick_threshold(d, w->oos, w->f, k);
		{
			size_t before = json_array_size(w->equity);

			ct_evaluate(d, w->oos, f->val_lo, f->val_hi, thr, &f->ev, w->equity, &cum);
			/* Drawdown over the whole walk-forward, across folds. */
			for (size_t j = before; j < json_array_size(w->equity); j++) {
				double v = json_real_value(json_array_get(json_array_get(w->equity, j), 1));

				if (v > peak)
					peak = v;
				if (peak - v > w->agg.max_dd_bps)
					w->agg.max_dd_bps = peak - v;
			}
		}
		sumrounds += f->best_rounds;
		event(o, json_pack("{s:s, s:i, s:i, s:o}", "event", "fold_done", "fold", k + 1,
		    "best_rounds", f->best_rounds, "metrics", ct_eval_json(&f->ev)), p.t0);
		if (o->progress)
			fprintf(stderr, "%s: %s%sfold %d/%d done: %d rounds, AUC %.4f, %ld trades, "
			    "net %.1f bps/trade\n", ct_prog, o->label ? o->label : "",
			    o->label ? ": " : "", k + 1, o->folds, f->best_rounds, f->ev.auc,
			    f->ev.trades, f->ev.net_bps);
	}
	/* Aggregate: AUC is the mean of the folds' (models differ per fold, so
	 * pooling their scores would mix calibrations); the rest is pooled. */
	w->agg.threshold = NAN;
	for (int k = 0; k < o->folds; k++) {
		const struct ct_eval *e = &w->f[k].ev;

		w->agg.auc += e->auc / o->folds;
		ll += e->logloss * e->rows;
		w->agg.rows += e->rows;
		w->agg.trades += e->trades;
		wins += e->wins;
		gross += e->gross_bps * e->trades;
		w->agg.total_net_bps += e->total_net_bps;
	}
	/* Not the sum of the folds': each fold's holding runs horizon candles
	 * into the next fold, so the sum counts those candles twice. */
	w->agg.buy_hold_bps = buy_hold(d, w->f[0].val_lo, w->f[o->folds - 1].val_hi);
	w->agg.wins = wins;
	w->agg.logloss = ll / (double)w->agg.rows;
	w->agg.gross_bps = w->agg.trades ? gross / w->agg.trades : 0;
	w->agg.net_bps = w->agg.trades ? w->agg.total_net_bps / w->agg.trades : 0;
	w->rounds = (int)lround(sumrounds / o->folds);
	if (w->rounds < 1)
		w->rounds = 1;
	w->threshold = ct_pick_threshold(d, w->oos, w->f, o->folds);
	w->agg.threshold = w->threshold;
	thin_equity(&w->equity);
	return 0;
}

int
ct_booster_rounds(void *b)
{
	int n;

	return XGBoosterBoostedRounds(b, &n) == 0 ? n : -1;
}

int
ct_booster_save(void *b, const char *path, struct ct_train_opts *o)
{
	const char *buf;
	bst_ulong len;

	if (XGB(o, XGBoosterSaveModelToBuffer(b, "{\"format\":\"ubj\"}", &len, &buf)) != 0)
		return xgb_err(path);
	if (ct_write_atomic(path, buf, len) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
ct_booster_update(void *b, const struct ct_dataset *d, size_t lo, size_t hi,
    int add, double eta, struct ct_train_opts *o, void **out)
{
	const char *buf;
	bst_ulong len;
	BoosterHandle c = NULL;
	DMatrixHandle m;
	struct ct_train_opts oo = *o;
	int start = ct_booster_rounds(b), rc = -1;
	char *copy = NULL;

	*out = NULL;
	/* Without its round count a refresh would silently do nothing. */
	if (start < 0)
		return xgb_err("rounds");
	if ((m = dmatrix(d, lo, hi, o)) == NULL)
		return -1;
	/* The copy goes through a buffer: the loaded booster must not share
	 * state with b, which stays the serving model if the update loses. */
	if (XGB(o, XGBoosterSaveModelToBuffer(b, "{\"format\":\"ubj\"}", &len, &buf)) != 0) {
		xgb_err("copy");
		goto out;
	}
	if ((copy = malloc(len ? len : 1)) == NULL)
		goto out;
	memcpy(copy, buf, len);
	if (XGB(o, XGBoosterCreate(&m, 1, &c)) != 0 ||
	    XGB(o, XGBoosterLoadModelFromBuffer(c, copy, len)) != 0) {
		xgb_err("copy");
		goto out;
	}
	/* A refresh recomputes leaves at the learning rate the trees were
	 * grown with; only added rounds take the small one. */
	if (add > 0)
		oo.eta = eta;
	if (set_params(c, &oo) != 0)
		goto out;
	if (add == 0) {
		/* process_type=update re-runs the existing trees: the refresh
		 * updater recomputes their statistics and leaf values on the
		 * new rows without adding a tree.  XGBoost warns about any
		 * explicit updater ("DANGER AHEAD"); this one is deliberate,
		 * so warnings are off while it runs. */
		if (XGBoosterSetParam(c, "process_type", "update") != 0 ||
		    XGBoosterSetParam(c, "updater", "refresh") != 0 ||
		    XGBoosterSetParam(c, "refresh_leaf", "1") != 0) {
			xgb_err("refresh");
			goto out;
		}
		if (XGBSetGlobalConfig("{\"verbosity\":0}") != 0) {
			xgb_err("verbosity");
			goto out;
		}
		for (int r = 0; r < start; r++)
			if (XGB(o, XGBoosterUpdateOneIter(c, r, m)) != 0) {
				/* The error first: the next call may replace it. */
				xgb_err("refresh");
				XGBSetGlobalConfig("{\"verbosity\":1}");
				goto out;
			}
		if (XGBSetGlobalConfig("{\"verbosity\":1}") != 0) {
			xgb_err("verbosity");
			goto out;
		}
	} else {
		for (int r = 0; r < add; r++)
			if (XGB(o, XGBoosterUpdateOneIter(c, start + r, m)) != 0) {
				xgb_err("update");
				goto out;
			}
	}
	*out = c;
	c = NULL;
	rc = 0;
out:
	free(copy);
	if (c)
		XGBoosterFree(c);
	XGDMatrixFree(m);
	return rc;
}
