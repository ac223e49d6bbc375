/* train.c — purged walk-forward and XGBoost training.
 *
 * Honesty rules this file keeps: a training row's label never overlaps a
 * validation row (purge gap of horizon+1 rows); early stopping watches a
 * block of the training window, never the validation block whose scores
 * get reported (stopping on it would pick the rounds that flatter it); a
 * fold's trading threshold comes from earlier folds' out-of-sample
 * predictions only, never from the block it is scored on.
 *
 * The matrices it trains on come from matrix.c (shared bins, in memory or
 * paged); predictions are made PRED_ROWS rows at a time. */
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <xgboost/c_api.h>

#include "atomic.h"
#include "checkpoint.h"
#include "err.h"
#include "features.h"
#include "matrix.h"
#include "model.h"
#include "train.h"

#define LOG_EVERY	10	/* rounds between progress events */
#define PRED_ROWS	16384	/* rows per prediction call */
#define TRIM_BYTES	(16u << 20)	/* freed heap given back before a fit */

int
ct_fit_threads(const struct ct_train_opts *o, size_t rows)
{
	size_t n = 1 + rows / CT_THREAD_ROWS;

	return n < (size_t)o->threads ? (int)n : o->threads;
}

int
ct_row_step(const struct ct_train_opts *o, size_t rows)
{
	size_t step = (size_t)o->horizon / 3;

	if (o->row_step > 0)
		return o->row_step;
	if (step > rows / CT_ROW_STEP_ROWS)
		step = rows / CT_ROW_STEP_ROWS;
	return step > 1 ? (int)step : 1;
}

double
ct_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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
	o->min_child_weight = 20;
	o->subsample = 0.8;
	o->colsample_bytree = 0.8;
	o->lambda = 1;
	o->max_bin = 128;
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
	if (win / 5 < CT_FOLD_MIN_ROWS || win - win / 5 < gap + CT_FOLD_MIN_ROWS)
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

int
ct_folds_stepped(const struct ct_dataset *d, const struct ct_train_opts *o,
    const struct ct_fold *f, const char *sym)
{
	int step = ct_row_step(o, d->n);
	size_t rows = ct_step_rows(d, f[0].train_lo, f[0].train_hi, (size_t)step);
	size_t stop = ct_step_rows(d, f[0].stop_lo, f[0].stop_hi, (size_t)step);

	if (rows >= CT_FOLD_MIN_ROWS && stop >= CT_FOLD_MIN_ROWS)
		return 0;
	if (rows < CT_FOLD_MIN_ROWS)
		ct_warn("%s: a row step of %d leaves fold 1 %zu of its %zu training candles (%d at "
		    "least: a smaller --row-step or a longer --lookback)", sym, step, rows,
		    f[0].train_hi - f[0].train_lo, CT_FOLD_MIN_ROWS);
	else
		ct_warn("%s: a row step of %d leaves fold 1 %zu of its %zu early-stopping candles (%d "
		    "at least: a smaller --row-step or a longer --lookback)", sym, step, stop,
		    f[0].stop_hi - f[0].stop_lo, CT_FOLD_MIN_ROWS);
	return -1;
}

int
ct_fold_chained(const struct ct_train_opts *o, const struct ct_fold *f, int k)
{
	return k > 0 && f[k].train_hi - f[k].train_lo > (o->chain_rows ? o->chain_rows :
	    CT_CHAIN_ROWS);
}

/* The booster parameters, as XGBoost takes them and as config.json
 * records them (one table, so the two cannot drift apart). */
#define NPARAMS 14

static void
params(const struct ct_train_opts *o, char val[NPARAMS][32], const char *kv[NPARAMS][2])
{
	static const char *const name[NPARAMS] = {
		"validate_parameters", "objective", "eval_metric", "tree_method", "max_bin",
		"eta", "max_depth", "min_child_weight", "subsample", "colsample_bytree",
		"lambda", "seed", "nthread", "predictor",
	};

	snprintf(val[0], sizeof val[0], "1");
	snprintf(val[1], sizeof val[1], "binary:logistic");
	snprintf(val[2], sizeof val[2], "logloss");
	snprintf(val[3], sizeof val[3], "hist");
	snprintf(val[4], sizeof val[4], "%d", o->max_bin);
	snprintf(val[5], sizeof val[5], "%g", o->eta);
	snprintf(val[6], sizeof val[6], "%d", o->max_depth);
	snprintf(val[7], sizeof val[7], "%g", o->min_child_weight);
	snprintf(val[8], sizeof val[8], "%g", o->subsample);
	snprintf(val[9], sizeof val[9], "%g", o->colsample_bytree);
	snprintf(val[10], sizeof val[10], "%g", o->lambda);
	snprintf(val[11], sizeof val[11], "1");
	snprintf(val[12], sizeof val[12], "%d", o->threads);
	/* Named, not "auto": auto looks at the training matrix's first
	 * raw page before every round to rule out a GPU, which for a matrix
	 * paged to disk reads pages back (time, and their memory). */
	snprintf(val[13], sizeof val[13], "cpu_predictor");
	for (int i = 0; i < NPARAMS; i++) {
		kv[i][0] = name[i];
		kv[i][1] = val[i];
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
			return ct_xgb_fail(kv[i][0]);
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
	json_object_set_new(j, "row_step", json_integer(o->row_step > 0 ? o->row_step : 1));
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

/* The work done so far, for an estimate of the time left from the work
 * itself.  A training costs a matrix build (time per row) and its rounds
 * (time per row and round).  Early stopping makes a fold's rounds unknown
 * until it ends: the fold in progress is expected to run early_stop
 * rounds past its best so far, the folds to come as many rounds as the
 * finished ones ran, and the final fit as many as their best. */
struct prog {
	double t0;
	double build_s, build_rows;	/* matrices built so far */
	double round_s, round_rows;	/* rounds run so far, weighted by rows */
	const struct ct_fold *f;	/* the walk-forward's folds, or NULL */
	int nfolds;
	size_t final_rows;		/* 0: no final fit counted */
	double done_trained, done_best;	/* sums over the folds trained */
	int done_n;
};

static double
eta(const struct prog *p, const struct ct_train_opts *o, int fold, size_t rows, int round,
    int best)
{
	double build = p->build_rows > 0 ? p->build_s / p->build_rows : 0;
	double per = p->round_rows > 0 ? p->round_s / p->round_rows : 0;
	double cur = fold > 0 ? fmin(o->rounds, fmax(round, best + o->early_stop)) : round;
	double next = p->done_n ? p->done_trained / p->done_n : cur;
	double final = p->done_n ? p->done_best / p->done_n : fmax(1, cur - o->early_stop);
	double left = (double)rows * fmax(0, cur - round) * per;

	if (fold == 0)
		return 0;
	/* A chained fold trains on the rows its window adds, and so does the
	 * final fit after a chain, on the rows after the last fold's. */
	for (int k = fold; k < p->nfolds; k++) {
		double r = (double)(p->f[k].train_hi - p->f[k].train_lo);

		if (ct_fold_chained(o, p->f, k))
			r = (double)(p->f[k].train_hi - p->f[k - 1].train_hi);
		left += r * build + r * next * per;
	}
	/* p->f is every fold only when there is a final fit to come. */
	if (p->final_rows && ct_fold_chained(o, p->f, p->nfolds - 1))
		left += (double)(p->final_rows - p->f[p->nfolds - 1].train_hi) * (build + next * per);
	else if (p->final_rows)
		left += (double)p->final_rows * (build + final * per);
	return left;
}

static void
progress(struct ct_train_opts *o, struct prog *p, int fold, size_t rows, int round,
    double val, int best, double left)
{
	char what[64];

	if (fold > 0)
		snprintf(what, sizeof what, "fold %d/%d", fold, p->nfolds);
	else
		snprintf(what, sizeof what, "final model");
	event(o, json_pack("{s:s, s:i, s:i, s:f, s:i}", "event", "round", "fold", fold,
	    "round", round, "stop_logloss", isfinite(val) ? val : -1.0, "best_round", best), p->t0);
	if (!o->progress)
		return;
	if (fold > 0)
		left = eta(p, o, fold, rows, round, best);
	fprintf(stderr, "%s: %s%s%s round %d", ct_prog, o->label ? o->label : "",
	    o->label ? ": " : "", what, round);
	if (fold > 0)
		fprintf(stderr, ", stop-logloss %.5f", val);
	fprintf(stderr, ", ETA %.0fs\n", left);
}

/* The logloss in an evaluation line "[r]\tval-logloss:0.69..." as
 * XGBoost prints it (six digits: ties at that precision are no gain). */
static double
stop_logloss(const char *res)
{
	const char *colon = strrchr(res, ':');

	return colon ? strtod(colon + 1, NULL) : NAN;
}

/* A new booster for the cache matrices holding a copy of start's trees
 * (none when start is NULL).  NULL on error (printed). */
static BoosterHandle
booster_new(DMatrixHandle *cache, int n, BoosterHandle start, struct ct_train_opts *o)
{
	BoosterHandle b;
	const char *buf;
	bst_ulong len;

	if (XGB(o, XGBoosterCreate(cache, (bst_ulong)n, &b)) != 0) {
		ct_xgb_fail("booster");
		return NULL;
	}
	if (start && (XGB(o, XGBoosterSaveModelToBuffer(start, "{\"format\":\"ubj\"}", &len,
	    &buf)) != 0 || XGB(o, XGBoosterLoadModelFromBuffer(b, buf, len)) != 0)) {
		ct_xgb_fail("warm start");
		XGBoosterFree(b);
		return NULL;
	}
	return b;
}

/* The logloss of the validation matrix before any round is added to
 * start's trees (the score adding none would keep).  NAN on error. */
static double
start_logloss(BoosterHandle b, DMatrixHandle dv, int base, struct ct_train_opts *o)
{
	const char *res, *name = "val";

	if (XGB(o, XGBoosterEvalOneIter(b, base, &dv, &name, 1, &res)) != 0) {
		ct_xgb_fail("evaluation");
		return NAN;
	}
	return stop_logloss(res);
}

/* Round it (0-based) on dt; with an early-stopping matrix dv its logloss
 * into *v, the best so far into *best and the tree count that scored it
 * into *bestr.  1 when early_stop rounds have passed without a gain, 0
 * to go on, -1 on error (printed). */
static int
one_round(BoosterHandle b, DMatrixHandle dt, DMatrixHandle dv, int it, struct ct_train_opts *o,
    double *v, double *best, int *bestr)
{
	const char *res, *name = "val";

	if (XGB(o, XGBoosterUpdateOneIter(b, it, dt)) != 0) {
		ct_xgb_fail("training");
		return -1;
	}
	o->rounds_trained++;
	if (!dv)
		return 0;
	if (XGB(o, XGBoosterEvalOneIter(b, it, &dv, &name, 1, &res)) != 0) {
		ct_xgb_fail("evaluation");
		return -1;
	}
	*v = stop_logloss(res);
	if (*v < *best) {
		*best = *v;
		*bestr = it + 1;
		return 0;
	}
	return it + 1 - *bestr >= o->early_stop;
}

/* Give back the pages earlier work freed (matrices, predictions,
 * evaluation) when they are many: a training's peak then adds to what is
 * live, not to what was left behind in the heap.  A few megabytes stay:
 * given back before every fit of a search, XGBoost touched them afresh
 * (page faults: a tenth of a 40-trial search's time). */
static void
give_back(void)
{
	if (mallinfo2().fordblks >= TRIM_BYTES)
		malloc_trim(0);
}

/* Train on [lo,hi), adding up to rounds rounds to start's trees (none:
 * from scratch); with a validation block [vlo,vhi) stop when its logloss
 * has not improved for early_stop rounds and report the best tree count
 * (start's included) and the rounds run. */
static int
train(const struct ct_dataset *d, size_t lo, size_t hi, size_t vlo, size_t vhi,
    int rounds, BoosterHandle start, struct ct_train_opts *o, struct prog *p, int fold,
    BoosterHandle *out, int *best_rounds, int *trained)
{
	DMatrixHandle dt, dv = NULL;
	BoosterHandle b = NULL;
	double best = INFINITY, t = ct_mono_s(), tf = 0;
	int base = start ? ct_booster_rounds(start) : 0;
	int bestr = base + rounds, rc = -1, r, own_t, own_v = 0;

	*out = NULL;
	give_back();
	if ((dt = ct_train_matrix(d, lo, hi, o, &own_t)) == NULL)
		return -1;
	if (vhi > vlo && (dv = ct_eval_matrix(d, vlo, vhi, lo, hi, o, &own_v)) == NULL)
		goto out;
	if (base < 0) {
		ct_xgb_fail("rounds");
		goto out;
	}
	{
		DMatrixHandle cache[2] = { dt, dv };

		if ((b = booster_new(cache, dv ? 2 : 1, start, o)) == NULL)
			goto out;
	}
	if (set_params(b, o) != 0)
		goto out;
	if (dv && base > 0) {
		if (isnan(best = start_logloss(b, dv, base, o)))
			goto out;
		bestr = base;
	}
	p->build_s += ct_mono_s() - t;
	p->build_rows += (double)(hi - lo);
	for (r = 0; r < rounds; r++) {
		double v = NAN;
		int stop;

		t = ct_mono_s();
		if ((stop = one_round(b, dt, dv, base + r, o, &v, &best, &bestr)) < 0)
			goto out;
		p->round_s += ct_mono_s() - t;
		p->round_rows += (double)(hi - lo);
		if (r % LOG_EVERY == 0 || r == rounds - 1 || stop) {
			if (fold == 0)
				tf = (double)(rounds - r - 1) * (p->round_s / p->round_rows) * (double)(hi - lo);
			progress(o, p, fold, hi - lo, base + r + 1, v, bestr, tf);
		}
		if (stop) {
			r++;
			break;
		}
	}
	*best_rounds = bestr;
	*trained = r;
	*out = b;
	b = NULL;
	rc = 0;
out:
	if (b)
		XGBoosterFree(b);
	if (own_t)
		XGDMatrixFree(dt);
	if (dv && own_v)
		XGDMatrixFree(dv);
	return rc;
}

int
ct_booster_predict(void *b, const struct ct_dataset *d, size_t lo, size_t hi,
    float *prob, struct ct_train_opts *o)
{
	/* In place: XGBoost reads the rows where they are, no matrix built. */
	static const char conf[] = "{\"type\":0,\"training\":false,\"iteration_begin\":0,"
	    "\"iteration_end\":0,\"strict_shape\":false,\"cache_id\":0,\"missing\":NaN}";
	const bst_ulong *shape;
	bst_ulong dim;
	const float *res;
	char iface[256];

	for (size_t a = lo; a < hi; a += PRED_ROWS) {
		size_t e = hi - a < PRED_ROWS ? hi : a + PRED_ROWS;
		int rc;

		ct_array_iface(iface, sizeof iface, d->x + a * d->nfeat, e - a, d->nfeat);
		rc = XGB(o, XGBoosterPredictFromDense(b, iface, conf, NULL, &shape, &dim, &res));
		if (rc == 0)
			memcpy(prob + (a - lo), res, (e - a) * sizeof *prob);
		ct_dataset_release(d, a, e);
		if (rc != 0)
			return ct_xgb_fail("predict");
	}
	return 0;
}

/* Bins for one call when the caller gave none: 1 made (free them with
 * bins_done), 0 given, -1 error. */
static int
bins_use(const struct ct_dataset *d, struct ct_train_opts *o)
{
	if (o->bins)
		return 0;
	return (o->bins = ct_bins_new(d, 0, o)) ? 1 : -1;
}

static int
bins_done(struct ct_train_opts *o, int made, int rc)
{
	if (made > 0) {
		ct_bins_free(o->bins);
		o->bins = NULL;
	}
	return rc;
}

static int
final_run(const struct ct_dataset *d, size_t lo, size_t hi, void *start, int add,
    struct ct_train_opts *o, void **booster)
{
	struct prog p = { .t0 = ct_mono_s() };
	int best, trained, got, rounds = (start ? ct_booster_rounds(start) : 0) + add;

	if (o->ckpt && (got = ct_ckpt_final_load(o->ckpt, rounds, booster)) != 0) {
		if (got > 0)
			event(o, json_pack("{s:s, s:i, s:i}", "event", "final_resumed", "rounds", rounds,
			    "added", add), p.t0);
		return got > 0 ? 0 : -1;
	}
	event(o, json_pack("{s:s, s:i, s:i, s:I, s:I}", "event", "final_started", "rounds", rounds,
	    "added", add, "rows_lo", (json_int_t)lo, "rows_hi", (json_int_t)hi), p.t0);
	if (train(d, lo, hi, 0, 0, add, start, o, &p, 0, (BoosterHandle *)booster, &best,
	    &trained) != 0)
		return -1;
	if (o->ckpt && ct_ckpt_final_save(o->ckpt, *booster, rounds, o) != 0) {
		XGBoosterFree(*booster);
		*booster = NULL;
		return -1;
	}
	event(o, json_pack("{s:s, s:i, s:i}", "event", "final_done", "rounds", rounds, "added", add),
	    p.t0);
	return 0;
}

int
ct_train_final(const struct ct_dataset *d, size_t lo, size_t hi, void *start, int add,
    struct ct_train_opts *o, void **booster)
{
	int made;

	ct_xgb_quiet();
	if ((made = bins_use(d, o)) < 0)
		return -1;
	return bins_done(o, made, final_run(d, lo, hi, start, add, o, booster));
}

void
ct_wf_free(struct ct_wf *w)
{
	free(w->f);
	free(w->oos);
	ct_booster_free(w->last);
	json_decref(w->equity);
	memset(w, 0, sizeof *w);
}

/* Booster b's first rounds rounds as a booster of their own (b freed):
 * the next fold starts from them.  NULL on error (printed). */
static BoosterHandle
best_trees(BoosterHandle b, int rounds)
{
	BoosterHandle s = NULL;

	if (XGBoosterSlice(b, 0, rounds, 1, &s) != 0)
		ct_xgb_fail("slice");
	XGBoosterFree(b);
	return s;
}

/* Fold k's best round count, out-of-sample predictions and best trees
 * (*chain: in, the previous fold's trees, which it starts from; out,
 * its own): from the checkpoint, else trained (and checkpointed). */
static int
fold_run(const struct ct_dataset *d, struct ct_train_opts *o, struct ct_wf *w, int k,
    struct prog *p, BoosterHandle *chain)
{
	struct ct_fold *f = &w->f[k];
	BoosterHandle b;
	int chained, got = o->ckpt ? ct_ckpt_fold_load(o->ckpt, k + 1, f, w->oos + f->val_lo, &b) : 0;

	if (got != 0) {
		if (got > 0) {
			f->resumed = 1;
			event(o, json_pack("{s:s, s:i, s:i, s:i}", "event", "fold_resumed", "fold", k + 1,
			    "best_rounds", f->best_rounds, "rounds_trained", f->trained), p->t0);
			if (*chain)
				XGBoosterFree(*chain);
			*chain = b;
		}
		return got > 0 ? 0 : -1;
	}
	chained = ct_fold_chained(o, w->f, k);
	event(o, json_pack("{s:s, s:i, s:[I,I], s:I, s:[I,I], s:[I,I]}", "event", "fold_started",
	    "fold", k + 1, "train", (json_int_t)f->train_lo, (json_int_t)f->train_hi,
	    "train_rows", (json_int_t)ct_step_rows(d, chained ? w->f[k - 1].train_hi :
	    f->train_lo, f->train_hi, (size_t)ct_row_step(o, d->n)),
	    "early_stop", (json_int_t)f->stop_lo, (json_int_t)f->stop_hi,
	    "val", (json_int_t)f->val_lo, (json_int_t)f->val_hi), p->t0);
	if (train(d, chained ? w->f[k - 1].train_hi : f->train_lo, f->train_hi, f->stop_lo,
	    f->stop_hi, o->rounds, chained ? *chain : NULL, o, p, k + 1, &b, &f->best_rounds,
	    &f->trained) != 0)
		return -1;
	if (*chain)
		XGBoosterFree(*chain);
	if ((*chain = best_trees(b, f->best_rounds)) == NULL)
		return -1;
	if (ct_booster_predict(*chain, d, f->val_lo, f->val_hi, w->oos + f->val_lo, o) != 0 ||
	    (o->ckpt && ct_ckpt_fold_save(o->ckpt, k + 1, f, w->oos + f->val_lo, *chain, o) != 0))
		return -1;
	p->done_n++;
	p->done_trained += f->trained;
	p->done_best += f->best_rounds;
	return 0;
}

/* Score fold k: threshold from the earlier folds, the strategy on its
 * block, the walk-forward's drawdown across folds. */
static void
fold_score(const struct ct_dataset *d, struct ct_wf *w, int k, double *cum, double *peak)
{
	struct ct_fold *f = &w->f[k];
	/* The first fold has no earlier out-of-sample predictions: it trades
	 * when the model calls beating the costs more likely than not. */
	double thr = k == 0 ? 0.5 : ct_pick_threshold(d, w->oos, w->f, k);
	size_t before = json_array_size(w->equity);

	f->eq_lo = before;

	ct_evaluate(d, w->oos, f->val_lo, f->val_hi, thr, &f->ev, w->equity, cum);
	for (size_t j = before; j < json_array_size(w->equity); j++) {
		double v = json_real_value(json_array_get(json_array_get(w->equity, j), 1));

		if (v > *peak)
			*peak = v;
		if (*peak - v > w->agg.max_dd_bps)
			w->agg.max_dd_bps = *peak - v;
	}
	/* Evaluation read the labels of every block so far. */
	ct_dataset_release(d, 0, f->val_hi);
}

/* Whether the folds traded at a threshold picked out of sample (all but
 * the first, which trades at 0.5) made money beyond noise: at least
 * CT_MIN_TRADES trades whose mean net bps is more than twice its
 * standard error.  Two trades at +7 bps are no evidence (a random walk's
 * folds make such a pair now and then).  Nor are the folds a parameter
 * search scored (w->searched): it picked the parameters that did well on
 * them; only the folds after them count. */
static int
oos_picked_edge(const struct ct_dataset *d, const struct ct_wf *w, int folds)
{
	int k0 = w->searched > 1 ? w->searched : 1;
	double net = 0;
	long trades = 0;

	for (int k = k0; k < folds; k++) {
		net += w->f[k].ev.total_net_bps;
		trades += w->f[k].ev.trades;
	}
	return trades > 0 && ct_beyond_noise(trades, net / (double)trades,
	    ct_net_2se(d, w->f[k0].val_lo, w->f[folds - 1].val_hi, trades));
}

/* The figures of folds [k0, nfolds) in w->agg (its max drawdown and
 * threshold aside): AUC is the mean of the folds' (models differ per
 * fold, so pooling their scores would mix calibrations); the rest is
 * pooled. */
static void
agg_folds(const struct ct_dataset *d, struct ct_wf *w, int k0)
{
	double gross = 0, ll = 0;
	double dd = w->agg.max_dd_bps;

	memset(&w->agg, 0, sizeof w->agg);
	w->agg.max_dd_bps = dd;
	w->agg.threshold = NAN;
	for (int k = k0; k < w->nfolds; k++) {
		const struct ct_eval *e = &w->f[k].ev;

		w->agg.auc += e->auc / (w->nfolds - k0);
		ll += e->logloss * e->rows;
		w->agg.rows += e->rows;
		w->agg.trades += e->trades;
		w->agg.wins += e->wins;
		gross += e->gross_bps * e->trades;
		w->agg.total_net_bps += e->total_net_bps;
	}
	/* Not the sum of the folds': each fold's holding runs horizon candles
	 * into the next fold, so the sum counts those candles twice. */
	w->agg.buy_hold_bps = ct_buy_hold(d, w->f[k0].val_lo, w->f[w->nfolds - 1].val_hi);
	w->agg.logloss = ll / (double)w->agg.rows;
	w->agg.gross_bps = w->agg.trades ? gross / w->agg.trades : 0;
	w->agg.net_bps = w->agg.trades ? w->agg.total_net_bps / w->agg.trades : 0;
}

/* Narrow w's figures to folds k0.. (a tuned model's, whose earlier
 * folds its parameter search scored): their equity from 0, from the
 * first point of fold k0 (each fold's points are in order, the curve
 * not yet thinned), its drawdown, and the aggregate; the threshold
 * stays. */
static void
narrow(const struct ct_dataset *d, struct ct_wf *w, int k0)
{
	double thr = w->agg.threshold, base = 0, peak = 0, dd = 0;
	json_t *eq = json_array(), *pt;
	size_t n = json_array_size(w->equity);

	for (int k = 0; k < k0; k++)
		base += w->f[k].ev.total_net_bps;
	for (size_t i = w->f[k0].eq_lo; i < n; i++) {
		double v = json_number_value(json_array_get(pt = json_array_get(w->equity, i), 1)) - base;

		json_array_append_new(eq, json_pack("[O,f]", json_array_get(pt, 0), v));
		peak = fmax(peak, v);
		dd = fmax(dd, peak - v);
	}
	json_decref(w->equity);
	w->equity = eq;
	w->agg.max_dd_bps = dd;
	agg_folds(d, w, k0);
	w->agg.threshold = thr;
}

static void
aggregate(const struct ct_dataset *d, const struct ct_train_opts *o, struct ct_wf *w)
{
	(void)o;
	agg_folds(d, w, 0);
	w->threshold = ct_pick_threshold(d, w->oos, w->f, o->folds);
	/* A threshold picked on all folds is in-sample to them: it trades
	 * only when picking one out of sample made money beyond noise, as
	 * the folds after the first did (each at a threshold from the folds
	 * before it).  A random walk's best of 17 thresholds is sometimes
	 * positive; its walk-forward is not. */
	if (o->folds < 2 || !oos_picked_edge(d, w, o->folds))
		w->threshold = 1;
	w->agg.threshold = w->threshold;
	ct_dataset_release(d, 0, d->n);
}

/* The final model.  When folds were chained, the chain goes on: the
 * last fold's best trees (chain) grown on the rows after that fold's
 * training rows (its early-stopping and validation blocks: the newest)
 * by as many rounds as the chained folds added on average, at least
 * one.  Else it trains on every row from scratch with the mean of the
 * folds' best round counts. */
static void
final_plan(const struct ct_train_opts *o, struct ct_wf *w, BoosterHandle chain)
{
	double added = 0;
	int n = 0;

	for (int k = 1; k < o->folds; k++)
		if (ct_fold_chained(o, w->f, k)) {
			added += w->f[k].best_rounds - w->f[k - 1].best_rounds;
			n++;
		}
	if (n == 0) {
		double best = 0;

		XGBoosterFree(chain);
		for (int k = 0; k < o->folds; k++)
			best += w->f[k].best_rounds;
		w->final_lo = 0;
		w->add = (int)fmax(1, lround(best / o->folds));
		w->rounds = w->add;
		return;
	}
	w->last = chain;
	w->final_lo = w->f[o->folds - 1].train_hi;
	w->add = (int)fmax(1, lround(added / n));
	w->rounds = w->f[o->folds - 1].best_rounds + w->add;
}

static int
wf_run(const struct ct_dataset *d, struct ct_train_opts *o, struct ct_wf *w)
{
	BoosterHandle chain = NULL;
	struct prog p = { .t0 = ct_mono_s(), .nfolds = o->folds, .final_rows = d->n };
	double cum = 0, peak = 0;

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
	p.f = w->f;
	for (size_t i = 0; i < d->n; i++)
		w->oos[i] = NAN;
	for (int k = 0; k < o->folds; k++) {
		const struct ct_fold *f = &w->f[k];

		if (fold_run(d, o, w, k, &p, &chain) != 0) {
			if (chain)
				XGBoosterFree(chain);
			ct_wf_free(w);
			return -1;
		}
		fold_score(d, w, k, &cum, &peak);
		event(o, json_pack("{s:s, s:i, s:i, s:i, s:b, s:o}", "event", "fold_done", "fold", k + 1,
		    "best_rounds", f->best_rounds, "rounds_trained", f->trained,
		    "resumed", f->resumed, "metrics", ct_eval_json(&f->ev)), p.t0);
		/* A fold the parameter search scored is no walk-forward figure. */
		if (o->progress)
			fprintf(stderr, "%s: %s%sfold %d/%d %s: %d rounds, %s AUC %.4f, "
			    "%ld trades, net %.1f bps/trade\n", ct_prog, o->label ? o->label : "",
			    o->label ? ": " : "", k + 1, o->folds, f->resumed ? "resumed" : "done",
			    f->best_rounds, o->searched_to && d->t[f->val_lo] < o->searched_to ?
			    "searched (in-sample to the search)" : "walk-forward", f->ev.auc, f->ev.trades,
			    f->ev.net_bps);
	}
	while (o->searched_to && w->searched < o->folds && d->t[w->f[w->searched].val_lo] < o->searched_to)
		w->searched++;
	aggregate(d, o, w);
	if (w->searched > 0 && w->searched < o->folds)
		narrow(d, w, w->searched);
	final_plan(o, w, chain);
	ct_equity_thin(&w->equity);
	return 0;
}

int
ct_walkforward(const struct ct_dataset *d, struct ct_train_opts *o, struct ct_wf *w)
{
	int made;

	memset(w, 0, sizeof *w);
	ct_xgb_quiet();
	if ((made = bins_use(d, o)) < 0)
		return -1;
	return bins_done(o, made, wf_run(d, o, w));
}

int
ct_fold_score(const struct ct_dataset *d, struct ct_train_opts *o, int k, void *start,
    struct ct_fold *f, void **trees)
{
	struct ct_fold *all = calloc((size_t)o->folds, sizeof *all);
	/* No folds after this one in its estimate of the time left. */
	struct prog p = { .t0 = ct_mono_s(), .nfolds = k + 1 };
	BoosterHandle b = NULL;
	float *prob = NULL;
	size_t lo;
	int made = 0, rc = -1, chained;

	ct_xgb_quiet();
	if (all == NULL || k < 0 || k >= o->folds) {
		ct_warn("fold %d of %d: %s", k + 1, o->folds, all ? "no such fold" : strerror(ENOMEM));
		free(all);
		return -1;
	}
	if (ct_folds(d->n, o->folds, o->horizon, all) != 0) {
		ct_warn("fold %d of %d: %zu labelled rows are too few", k + 1, o->folds, d->n);
		free(all);
		return -1;
	}
	*f = all[k];
	chained = ct_fold_chained(o, all, k);
	lo = chained ? all[k - 1].train_hi : f->train_lo;
	free(all);
	if (chained != (start != NULL)) {
		ct_warn("fold %d of %d: %s", k + 1, o->folds, chained ? "a chained fold starts "
		    "from the trees of the one before" : "this fold is not chained");
		return -1;
	}
	p.f = f;
	if ((made = bins_use(d, o)) < 0 || (prob = malloc(f->val_hi * sizeof *prob)) == NULL)
		goto out;
	if (trees)
		*trees = NULL;
	if (train(d, lo, f->train_hi, f->stop_lo, f->stop_hi, o->rounds, start, o, &p,
	    k + 1, &b, &f->best_rounds, &f->trained) != 0)
		goto out;
	b = best_trees(b, f->best_rounds);
	if (b == NULL || ct_booster_predict(b, d, f->val_lo, f->val_hi, prob + f->val_lo, o) != 0 ||
	    (o->ckpt && ct_ckpt_fold_save(o->ckpt, k + 1, f, prob + f->val_lo, b, o) != 0))
		goto out;
	if (trees) {
		*trees = b;
		b = NULL;
	}
	ct_evaluate(d, prob, f->val_lo, f->val_hi, 1, &f->ev, NULL, NULL);
	ct_dataset_release(d, 0, f->val_hi);
	rc = 0;
out:
	if (b)
		XGBoosterFree(b);
	free(prob);
	return bins_done(o, made, rc);
}

void
ct_booster_free(void *b)
{
	if (b)
		XGBoosterFree(b);
}

void *
ct_booster_load(const char *path)
{
	BoosterHandle b = NULL;

	if (XGBoosterCreate(NULL, 0, &b) != 0 || XGBoosterLoadModel(b, path) != 0) {
		ct_warn("xgboost: %s: %s", path, ct_xgb_error());
		if (b)
			XGBoosterFree(b);
		return NULL;
	}
	return b;
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
		return ct_xgb_fail(path);
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
	BoosterHandle c = NULL;
	DMatrixHandle m;
	struct ct_train_opts oo = *o;
	int start = ct_booster_rounds(b), rc = -1;

	*out = NULL;
	/* Without its round count a refresh would silently do nothing. */
	if (start < 0)
		return ct_xgb_fail("rounds");
	if ((m = ct_dmatrix(d, lo, hi, 1, o)) == NULL)
		return -1;
	/* A copy: b stays the serving model if the update loses. */
	if ((c = booster_new(&m, 1, b, o)) == NULL)
		goto out;
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
			ct_xgb_fail("refresh");
			goto out;
		}
		if (XGBSetGlobalConfig("{\"verbosity\":0}") != 0) {
			ct_xgb_fail("verbosity");
			goto out;
		}
		for (int r = 0; r < start; r++, o->rounds_trained++)
			if (XGB(o, XGBoosterUpdateOneIter(c, r, m)) != 0) {
				/* The error first: the next call may replace it. */
				ct_xgb_fail("refresh");
				XGBSetGlobalConfig("{\"verbosity\":1}");
				goto out;
			}
		if (XGBSetGlobalConfig("{\"verbosity\":1}") != 0) {
			ct_xgb_fail("verbosity");
			goto out;
		}
	} else {
		for (int r = 0; r < add; r++, o->rounds_trained++)
			if (XGB(o, XGBoosterUpdateOneIter(c, start + r, m)) != 0) {
				ct_xgb_fail("update");
				goto out;
			}
	}
	*out = c;
	c = NULL;
	rc = 0;
out:
	if (c)
		XGBoosterFree(c);
	XGDMatrixFree(m);
	return rc;
}
