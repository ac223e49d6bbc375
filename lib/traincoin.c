/* traincoin.c — one coin from candle store to published model directory.
 *
 * Order matters for the operator: the store and cost table are checked
 * before the lock is taken; the store is streamed into the dataset file
 * (bounded memory, dataset.h); partial outputs (split_indices.json,
 * training_log.json, features.csv with --keep-features) are written
 * before the long training so a batch run can report progress; each
 * finished fold is checkpointed (checkpoint.h); the final artifacts
 * follow, then checksums, verification, and only then the switch of
 * `current`.  A model whose self-check fails is never published. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xgboost/c_api.h>

#include "atomic.h"
#include "candles.h"
#include "checkpoint.h"
#include "costs.h"
#include "drift.h"
#include "err.h"
#include "evlog.h"
#include "exitcode.h"
#include "features.h"
#include "jsonfile.h"
#include "merge.h"
#include "model.h"
#include "modeldir.h"
#include "parse.h"
#include "search.h"
#include "storescan.h"
#include "timefmt.h"
#include "traincoin.h"

#define SELFCHECK_N	20	/* newest candles whose prediction config.json keeps */
#define DEFAULT_LOOKBACK 50000
#define CKPT_FORMAT	4	/* bumped when a checkpoint's meaning changes (2: shared bins, 3: chained
			 * folds, 4: early stopping on the stepped rows) */
#define DRIFT_CHUNK	8192	/* rows read at a time for drift.json */

struct job {
	struct ct_traincoin *tc;
	struct ct_costs costs;
	struct ct_dataset d;
	struct ct_series tail;	/* the newest candles: look-ahead check, self-check */
	size_t candles;		/* candles the dataset was made of */
	char sha256[65];	/* of their lines in the store */
	struct ct_mdir md;
	struct ct_ckpt ck;
	json_t *log;		/* training_log.json */
	double t0;
	int64_t tf_ms;
	const char *mode;	/* "fresh" or "incremental" */
	const char *params_src;	/* "default", "tuned" or "file" */
	char params_path[CT_PATH_MAX];	/* where tuned or file parameters came from */
	int64_t searched_to;	/* tuned: the search scored candles before this (0: none) */
	void *booster;		/* what publish writes */
	json_t *config, *metrics;
	json_t *drift;		/* drift.json: what check-drift compares against */
};

static int
save_json(const char *dir, const char *name, json_t *j)
{
	char path[CT_PATH_MAX];

	if (ct_path(path, sizeof path, "%s/%s", dir, name) != 0) {
		ct_warn("%s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	return ct_json_save(path, j, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
}

static json_t *
range(const struct ct_dataset *d, size_t lo, size_t hi)
{
	return json_pack("{s:[I,I], s:o, s:o}", "rows", (json_int_t)lo, (json_int_t)hi,
	    "from", ct_iso8601_json(d->t[lo]), "to", ct_iso8601_json(d->t[hi - 1]));
}

/* The final model's P(up) for the newest candles of the store, computed the
 * way predict computes it (predict's tests compare against this).  NULL
 * when the model cannot predict them: such a model is not published. */
static json_t *
selfcheck(void *booster, const struct ct_series *s)
{
	size_t nf = ct_feat_count(), k = s->n < SELFCHECK_N ? s->n : SELFCHECK_N;
	struct ct_model m = { 0 };
	float *x = malloc((k ? k : 1) * nf * sizeof *x), p[SELFCHECK_N];
	json_t *a = NULL;

	m.booster = booster;
	m.nfeat = nf;
	snprintf(m.dir, sizeof m.dir, "self-check");
	if (x == NULL || ct_features(s, s->n - k, s->n, x) != 0)
		ct_warn("self-check: features: %s", strerror(errno ? errno : ENOMEM));
	else if (ct_model_predict(&m, x, k, p) == 0) {
		a = json_array();
		for (size_t i = 0; i < k; i++)
			json_array_append_new(a, json_pack("[I,f]", (json_int_t)s->c[s->n - k + i].t,
			    (double)p[i]));
	}
	free(x);
	return a;
}

static void
event_partial(const char *sym, const char *dir)
{
	const char *log = getenv("COINTRAIN_EVENT_LOG"), *run = getenv("COINTRAIN_RUN");

	if (log && *log && run && *run &&
	    ct_evlog(log, run, "coin_partial_saved", json_pack("{s:s, s:s}", "symbol", sym,
	    "dir", dir)) != 0)
		ct_warn("%s: %s", log, strerror(errno));
}

/* The cost table and the store, before the lock is taken. */
static int
check_inputs(struct job *j, char *store, size_t n)
{
	struct ct_traincoin *tc = j->tc;
	char path[CT_PATH_MAX];

	if (ct_costs_load(ct_costs_path(tc->costs, path, sizeof path), tc->sym, &j->costs) != 0)
		return -1;
	if (ct_store_path(store, n, tc->home, tc->sym, tc->tf) != 0) {
		ct_warn("%s: %s", tc->sym, strerror(errno));
		return -1;
	}
	if (access(store, F_OK) != 0) {
		ct_warn("%s: %s (fetch candles first: fetch-candles --symbol %s --timeframe %s)",
		    store, strerror(errno), tc->sym, tc->tf);
		return -1;
	}
	return 0;
}

/* Enough candles, and features that do not look ahead: checked on every
 * run, a few milliseconds for the one property no metric can show. */
static int
check_data(struct job *j, const char *store)
{
	size_t w = ct_feat_warmup(), h = (size_t)j->tc->o.horizon;
	char why[256];

	if (j->candles < w + h + 1) {
		ct_warn("%s: %zu candles: too few to train (need well over %zu)", store, j->candles,
		    w + h);
		return -1;
	}
	if (j->tail.n >= w + 4 && ct_feat_causal_check(&j->tail, ct_features, why, sizeof why) != 0) {
		ct_warn("features: %s", why);
		return -1;
	}
	return 0;
}

/* A fresh model's rows: the store streamed into the work directory. */
static int
load_stream(struct job *j, const char *store, size_t rows)
{
	char file[CT_PATH_MAX];
	struct ct_stream_info info;

	if (ct_path(file, sizeof file, "%s/rows.bin", j->md.work) != 0) {
		ct_warn("%s/rows.bin: %s", j->md.work, strerror(errno));
		return -1;
	}
	if (ct_dataset_stream(&j->d, store, rows, CT_SCAN_ALL, j->tc->o.horizon, j->tf_ms, &j->costs, file,
	    &info) != 0)
		return -1;
	/* Every fold and the final fit read the rows again: given back after
	 * each step, they were mapped afresh page by page (52000 candles:
	 * 1.03 -> 0.98 s).  Kept while they take an eighth of the memory
	 * budget (15 MB, some 115,000 candles, by default); past that,
	 * memory matters more (235000 candles kept: 3.49 -> 3.34 s, but a
	 * peak of 47 -> 71 MB). */
	j->d.keep = j->d.maplen <= (size_t)(j->tc->memory_mb ? j->tc->memory_mb : CT_MEMORY_MB) *
	    (1u << 20) / 8;
	j->tail = info.tail;
	j->candles = info.candles;
	snprintf(j->sha256, sizeof j->sha256, "%s", info.sha256);
	return check_data(j, store);
}

/* An update's few thousand rows, in memory. */
static int
load_memory(struct job *j, const char *store, size_t rows)
{
	if (ct_scan_load_tf(store, rows, j->tf_ms, &j->tail) != 0)
		return -1;
	j->candles = j->tail.n;
	if (check_data(j, store) != 0)
		return -1;
	if (isnan(j->costs.spread_bps)) {
		j->costs.spread_bps = ct_spread_cs(&j->tail, 0, j->tail.n);
		j->costs.spread_estimated = 1;
	}
	return ct_dataset_build(&j->d, &j->tail, j->tc->o.horizon, j->tf_ms, &j->costs, NULL);
}

/* Gaps in the candles of the rows trained on are said once (stderr and
 * a "gaps" event): a feature or label across one spans far-apart candles
 * as if they were adjacent.  fetch-candles fills what the exchange has. */
static void
gaps_said(struct job *j)
{
	struct ct_gap_stats g;

	ct_dataset_gaps(&j->d, j->tc->sym, "trained on", &g);
	if (g.gaps == 0)
		return;
	json_array_append_new(j->log, json_pack("{s:s, s:I, s:I, s:I}", "event", "gaps",
	    "gaps", (json_int_t)g.gaps, "missing", (json_int_t)g.missing, "longest",
	    (json_int_t)g.longest));
}

/* training_log.json; "run" is the batch run that trained the model
 * (COINTRAIN_RUN, set by run-batch(1)), absent outside one. */
static json_t *
log_json(struct job *j)
{
	const char *run = getenv("COINTRAIN_RUN");

	return json_pack("{s:s, s:s, s:s, s:s*, s:o, s:i, s:f, s:f, s:I, s:O}",
	    "symbol", j->tc->sym, "timeframe", j->tc->tf, "mode", j->mode,
	    "run", run && *run ? run : NULL,
	    "started", ct_iso8601_json(ct_now_ms() - (int64_t)((ct_mono_s() - j->t0) * 1000)),
	    "threads", j->tc->o.threads,
	    "wall_seconds", ct_mono_s() - j->t0, "xgb_seconds", j->tc->o.xgb_seconds,
	    "rounds_trained", (json_int_t)j->tc->o.rounds_trained, "events", j->log);
}

/* config.json, or NULL when the self-check fails. */
static json_t *
config_json(struct job *j, int rounds, int max_rounds, double thr, const char *thr_src,
    size_t lo, size_t hi)
{
	const struct ct_traincoin *tc = j->tc;
	char ver[32];
	json_t *check = selfcheck(j->booster, &j->tail);

	if (check == NULL) {
		ct_warn("%s: the model fails its self-check on the newest candles; not published",
		    tc->sym);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:s, s:i, s:f, s:s, s:s, s:o, s:i, s:i, s:i, s:o, s:s, s:o,"
	    " s:{s:o, s:o, s:I, s:I}, s:I, s:I, s:o, s:s, s:s, s:o}",
	    "symbol", tc->sym, "timeframe", tc->tf, "mode", j->mode,
	    "horizon", tc->o.horizon, "threshold", thr, "threshold_source", thr_src,
	    "label", "1 when the log return from close[t] to close[t+horizon] exceeds the "
	    "round-trip cost (costs.json)",
	    "features", ct_feat_config(), "warmup", (int)ct_feat_warmup(),
	    "rounds", rounds, "max_rounds", max_rounds, "params", ct_train_params_json(&tc->o),
	    "params_source", j->params_src,
	    "params_file", *j->params_path ? json_string(j->params_path) : json_null(),
	    "trained", "from", ct_iso8601_json(j->d.t[lo]), "to", ct_iso8601_json(j->d.t[hi - 1]),
	    "from_ms", (json_int_t)j->d.t[lo], "to_ms", (json_int_t)j->d.t[hi - 1],
	    "candles_used", (json_int_t)j->candles, "rows", (json_int_t)(hi - lo),
	    "created", ct_iso8601_json(ct_now_ms()), "xgboost_version", ct_xgb_version(ver, sizeof ver),
	    "cointrain_version", CT_VERSION, "selfcheck", check);
}

/* "evaluation" says what the figures are: the walk-forward's
 * out-of-sample folds, or an update's held-out candles. */
static json_t *
metrics_json(struct job *j, const char *evaluation, json_t *folds, const struct ct_eval *agg,
    json_t *equity)
{
	json_t *a = ct_eval_json(agg);

	return json_pack("{s:s, s:s, s:i, s:s, s:o, s:o, s:O, s:{s:f, s:f}}",
	    "symbol", j->tc->sym, "timeframe", j->tc->tf, "horizon", j->tc->o.horizon,
	    "evaluation", evaluation, "folds", folds, "aggregate", a, "equity_curve", equity,
	    "baselines", "buy_hold_bps", agg->buy_hold_bps, "never_trade_bps", 0.0);
}

/* The final artifacts, in the order they are written.  Another artifact
 * of a model directory is one more row: sha256.txt lists every file. */
static int
art_model(struct job *j, const char *path)
{
	return ct_booster_save(j->booster, path, &j->tc->o);
}

static int
art_config(struct job *j, const char *path)
{
	return ct_json_save(path, j->config, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
}

static int
art_metrics(struct job *j, const char *path)
{
	return ct_json_save(path, j->metrics, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
}

static int
art_costs(struct job *j, const char *path)
{
	json_t *c = ct_costs_json(&j->costs);
	int rc = ct_json_save(path, c, JSON_INDENT(1) | JSON_REAL_PRECISION(17));

	json_decref(c);
	return rc;
}

static int
art_log(struct job *j, const char *path)
{
	json_t *lj;
	int rc;

	json_array_append_new(j->log, json_pack("{s:s, s:f}", "event", "done",
	    "elapsed_s", ct_mono_s() - j->t0));
	lj = log_json(j);
	rc = ct_json_save(path, lj, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
	json_decref(lj);
	return rc;
}

static int
art_drift(struct job *j, const char *path)
{
	(void)path;
	return ct_drift_save(j->md.tmp, j->drift);
}

static const struct artifact {
	const char *name;
	int (*write)(struct job *j, const char *path);
} artifacts[] = {
	{ "model.ubj", art_model },
	{ "config.json", art_config },
	{ "metrics.json", art_metrics },
	{ "costs.json", art_costs },
	{ "drift.json", art_drift },
	{ "training_log.json", art_log },
};

/* Write the final artifacts into the temporary directory and publish it. */
static int
publish(struct job *j)
{
	char path[CT_PATH_MAX], out[CT_PATH_MAX];

	if (j->config == NULL || j->metrics == NULL)
		return -1;
	for (size_t i = 0; i < sizeof artifacts / sizeof artifacts[0]; i++) {
		if (ct_path(path, sizeof path, "%s/%s", j->md.tmp, artifacts[i].name) != 0) {
			ct_warn("%s/%s: %s", j->md.tmp, artifacts[i].name, strerror(errno));
			return -1;
		}
		if (artifacts[i].write(j, path) != 0)
			return -1;
	}
	if (ct_mdir_commit(&j->md, j->tc->keep, out, sizeof out) != 0)
		return -1;
	printf("%s\n", out);
	return 0;
}

/* The partial outputs.  They are written by a second thread while the
 * walk-forward runs (features.csv of --keep-features takes a good part
 * of a second per 50000 candles, time XGBoost need not wait for); it
 * touches only its own JSON and the read-only dataset. */
struct partial {
	struct job *j;
	json_t *splits, *log;	/* owned */
	size_t lo, hi;
	int rc;
};

static void *
partial_write(void *arg)
{
	struct partial *p = arg;
	struct job *j = p->j;
	char path[CT_PATH_MAX];

	p->rc = -1;
	if (j->tc->keep_features &&
	    (ct_path(path, sizeof path, "%s/features.csv", j->md.tmp) != 0 ||
	    ct_dataset_csv(path, &j->d, p->lo, p->hi) != 0))
		goto out;
	if (save_json(j->md.tmp, "split_indices.json", p->splits) == 0 &&
	    save_json(j->md.tmp, "training_log.json", p->log) == 0) {
		event_partial(j->tc->sym, j->md.tmp);
		p->rc = 0;
	}
out:
	json_decref(p->splits);
	json_decref(p->log);
	return NULL;
}

static void
partial_init(struct partial *p, struct job *j, json_t *splits, size_t lo, size_t hi)
{
	json_t *lj = log_json(j);

	p->j = j;
	p->splits = splits;
	p->log = json_deep_copy(lj);
	json_decref(lj);
	p->lo = lo;
	p->hi = hi;
}

/* What a checkpoint must match to be resumed: the data, every option
 * that changes the model, and the versions of the code. */
static json_t *
identity(struct job *j)
{
	char ver[32];

	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:o, s:o}",
	    "format", CKPT_FORMAT, "cointrain", CT_VERSION, "xgboost", ct_xgb_version(ver, sizeof ver),
	    "symbol", j->tc->sym, "timeframe", j->tc->tf, "store_sha256", j->sha256,
	    "candles", (json_int_t)j->candles, "features", CT_FEAT_VERSION,
	    "horizon", j->tc->o.horizon, "params", ct_train_params_json(&j->tc->o),
	    "costs", ct_costs_json(&j->costs));
}

static int
resume(struct job *j)
{
	struct ct_traincoin *tc = j->tc;
	json_t *id = identity(j);
	int rc = ct_ckpt_open(&j->ck, j->md.ckpt, id);

	json_decref(id);
	if (rc != 0)
		return -1;
	tc->o.ckpt = &j->ck;
	if (j->ck.folds == 0)
		return 0;
	json_array_append_new(j->log, json_pack("{s:s, s:i, s:b, s:f}", "event", "resumed",
	    "folds_done", j->ck.folds, "final_done", j->ck.final, "elapsed_s", ct_mono_s() - j->t0));
	if (tc->o.progress && j->ck.folds < tc->o.folds)
		fprintf(stderr, "%s: %s: resuming at fold %d of %d\n", ct_prog, tc->sym,
		    j->ck.folds + 1, tc->o.folds);
	else if (tc->o.progress)
		fprintf(stderr, "%s: %s: resuming after fold %d of %d%s\n", ct_prog, tc->sym,
		    tc->o.folds, tc->o.folds, j->ck.final ? " and the final model" : "");
	return 0;
}

/* What a model's figures are: a tuned model's are those of the folds its
 * search never scored (ct_walkforward narrowed them), "held-out after
 * search"; with none such, its walk-forward is the search's own, said
 * so.  Else "walk-forward". */
static const char *
evaluation_of(const struct ct_wf *w)
{
	if (w->searched == 0)
		return "walk-forward";
	if (w->searched == w->nfolds)
		return "optimistic: every fold scored by the parameter search";
	return "held-out after search";
}

static void
summary_fresh(const struct job *j, const struct ct_wf *w)
{
	const struct ct_eval *a = &w->agg;
	/* The folds the figures are of: after those a search scored. */
	int k0 = w->searched < w->nfolds ? w->searched : 0, n = w->nfolds - k0;

	if (!j->tc->o.progress)
		return;
	fprintf(stderr, "%s: %s: %s AUC %.4f over %d fold%s", ct_prog, j->tc->sym,
	    evaluation_of(w), a->auc, n, n == 1 ? "" : "s");
	if (k0 > 0 && n == 1)
		fprintf(stderr, " (fold %d; the parameter search scored the %d before)", w->nfolds, k0);
	else if (k0 > 0)
		fprintf(stderr, " (folds %d to %d; the parameter search scored the %d before)", k0 + 1,
		    w->nfolds, k0);
	fprintf(stderr, ", %ld trades, net %.1f bps/trade (%.0f bps in all) vs buy-and-hold %.0f bps; ",
	    a->trades, a->net_bps, a->total_net_bps, a->buy_hold_bps);
	if (w->threshold < 1)
		fprintf(stderr, "threshold %.3f\n", w->threshold);
	else
		fprintf(stderr, "this model never trades\n");
}

static json_t *
splits_json(const struct job *j, const struct ct_fold *f, int folds)
{
	json_t *s = json_pack("{s:I, s:i, s:i, s:[], s:o}", "rows", (json_int_t)j->d.n,
	    "horizon", j->tc->o.horizon, "gap", j->tc->o.horizon + 1, "folds",
	    "final", range(&j->d, 0, j->d.n));

	for (int k = 0; k < folds; k++)
		json_array_append_new(json_object_get(s, "folds"), json_pack("{s:i, s:o, s:o, s:o}",
		    "fold", k + 1, "train", range(&j->d, f[k].train_lo, f[k].train_hi),
		    "early_stop", range(&j->d, f[k].stop_lo, f[k].stop_hi),
		    "val", range(&j->d, f[k].val_lo, f[k].val_hi)));
	return s;
}

static json_t *
folds_json(const struct job *j, const struct ct_wf *w)
{
	json_t *folds = json_array();

	for (int k = 0; k < w->nfolds; k++) {
		json_t *e = ct_eval_json(&w->f[k].ev);

		json_object_set_new(e, "fold", json_integer(k + 1));
		json_object_set_new(e, "best_rounds", json_integer(w->f[k].best_rounds));
		json_object_set_new(e, "train", range(&j->d, w->f[k].train_lo, w->f[k].train_hi));
		json_object_set_new(e, "early_stop", range(&j->d, w->f[k].stop_lo, w->f[k].stop_hi));
		json_object_set_new(e, "val", range(&j->d, w->f[k].val_lo, w->f[k].val_hi));
		if (k < w->searched)
			json_object_set_new(e, "searched", json_true());
		json_array_append_new(folds, e);
	}
	return folds;
}

/* What the model was trained on, for check-drift: a sample of all rows,
 * read DRIFT_CHUNK rows at a time and each chunk's pages given back (a
 * mapped dataset of 2000000 rows is 170 MB: reading it whole would make
 * this the peak of the training). */
static json_t *
drift_reference(const struct ct_dataset *d, void *booster)
{
	struct ct_drift_builder b;
	json_t *ref = NULL;

	if (ct_drift_begin(&b, d->nfeat) == 0) {
		for (size_t lo = 0, hi; lo < d->n; lo = hi) {
			hi = d->n - lo < DRIFT_CHUNK ? d->n : lo + DRIFT_CHUNK;
			ct_drift_add_rows(&b, d->x + lo * d->nfeat, d->y + lo, hi - lo);
			ct_dataset_release(d, lo, hi);
		}
		ref = ct_drift_end(&b, booster);
	}
	if (ref == NULL)
		ct_warn("%s: cannot make the reference", CT_DRIFT_FILE);
	else if (d->n > 0)
		/* Its newest training candle: check-drift counts the window's
		 * candles after it (an update carries it forward). */
		json_object_set_new(ref, "trained_to_ms", json_integer(d->t[d->n - 1]));
	return ref;
}

/* Why a fresh model trades at its threshold, or never does.  A tuned
 * model's evidence is the folds its parameter search did not score. */
static const char *
threshold_source(const struct ct_wf *w)
{
	if (w->threshold < 1)
		return w->searched > 0 ? "best total net bps after costs over all folds' out-of-sample "
		    "predictions (traded: the folds the parameter search did not score made money "
		    "beyond noise)" : "best total net bps after costs over all folds' out-of-sample "
		    "predictions";
	if (w->nfolds == 1)
		return "one fold: no threshold can be tried out of sample: never trade";
	if (w->searched >= w->nfolds)
		return "every fold was scored by the parameter search: no out-of-sample evidence "
		    "to trade on: never trade";
	return w->searched > 0 ? "no threshold made money out of sample (or the folds the "
	    "parameter search did not score, trading at thresholds picked on earlier folds, did "
	    "not beyond noise: at least 10 trades, their mean net over twice its standard error): "
	    "never trade" : "no threshold made money out of sample (or the folds trading at "
	    "thresholds picked on earlier folds did not beyond noise: at least 10 trades, "
	    "their mean net over twice its standard error): never trade";
}

static int
fresh(struct job *j)
{
	struct ct_traincoin *tc = j->tc;
	struct ct_fold *f;
	struct ct_wf w;
	struct partial part;
	pthread_t th;
	int rc, joined = 1;

	if ((f = calloc((size_t)tc->o.folds, sizeof *f)) == NULL)
		return -1;
	if (ct_folds(j->d.n, tc->o.folds, tc->o.horizon, f) != 0) {
		ct_warn("%s: %zu labelled candles are too few for %d folds", tc->sym, j->d.n,
		    tc->o.folds);
		free(f);
		return -1;
	}
	if (ct_folds_stepped(&j->d, &tc->o, f, tc->sym) != 0) {
		free(f);
		return -1;
	}
	partial_init(&part, j, splits_json(j, f, tc->o.folds), 0, j->d.n);
	free(f);
	if (resume(j) != 0) {
		json_decref(part.splits);
		json_decref(part.log);
		return -1;
	}
	if ((errno = pthread_create(&th, NULL, partial_write, &part)) != 0) {
		ct_warn("thread: %s", strerror(errno));
		partial_write(&part);
	} else
		joined = 0;
	/* One set of bins for the folds and the final fit (train.h). */
	tc->o.searched_to = j->searched_to;
	rc = (tc->o.bins = ct_bins_new(&j->d, 0, &tc->o)) ? ct_walkforward(&j->d, &tc->o, &w) : -1;
	/* The folds are scored: their predictions need not wait in memory
	 * while the final model trains. */
	if (rc == 0) {
		free(w.oos);
		w.oos = NULL;
	}
	if (rc == 0 && (rc = ct_train_final(&j->d, w.final_lo, j->d.n, w.last, w.add, &tc->o, &j->booster)) != 0)
		ct_wf_free(&w);
	ct_bins_free(tc->o.bins);
	tc->o.bins = NULL;
	if (!joined)
		pthread_join(th, NULL);
	if (rc != 0 || part.rc != 0) {
		if (rc == 0)
			ct_wf_free(&w);
		return -1;
	}
	j->drift = drift_reference(&j->d, j->booster);
	j->metrics = metrics_json(j, evaluation_of(&w), folds_json(j, &w), &w.agg, w.equity);
	j->config = config_json(j, w.rounds, w.rounds + CT_INCR_GROWTH, w.threshold,
	    threshold_source(&w), 0, j->d.n);
	rc = publish(j);
	if (rc == 0)
		summary_fresh(j, &w);
	ct_wf_free(&w);
	return rc;
}

static int
prob(void *b, const struct ct_dataset *d, size_t lo, size_t hi, float **p,
    struct ct_train_opts *o)
{
	if ((*p = calloc(d->n, sizeof **p)) == NULL)
		return -1;
	return ct_booster_predict(b, d, lo, hi, *p + lo, o);
}

static void
summary_update(const struct job *j, const struct ct_eval *cur, const struct ct_eval *cand,
    int promoted)
{
	if (!j->tc->o.progress)
		return;
	fprintf(stderr, "%s: %s: held-out logloss %.5f (current model %.5f), AUC %.4f, %ld trades, "
	    "net %.1f bps/trade (%.0f bps in all) vs buy-and-hold %.0f bps; %s; ", ct_prog,
	    j->tc->sym, cand->logloss, cur->logloss, cand->auc, cand->trades, cand->net_bps,
	    cand->total_net_bps, cand->buy_hold_bps, promoted ? "promoted" : "current model kept");
	if (cand->threshold < 1)
		fprintf(stderr, "threshold %.3f\n", cand->threshold);
	else
		fprintf(stderr, "this model never trades\n");
}

/* Held-out verdict when the update is not promoted: stderr and
 * models/<SYM>/last-incremental.json; the current model is untouched. */
static int
keep_current(struct job *j, const char *curdir, json_t *verdict)
{
	char path[CT_PATH_MAX];
	int rc;

	json_object_set_new(verdict, "kept", json_string(curdir));
	json_object_set_new(verdict, "events", json_deep_copy(j->log));
	rc = ct_path(path, sizeof path, "%s", j->md.symdir) == 0 ?
	    save_json(path, "last-incremental.json", verdict) : -1;
	if (rc == 0)
		printf("%s\n", curdir);
	return rc;
}

/* Rows seen by the current model (or its ancestors) among rows [lo,n). */
static size_t
seen_rows(const struct ct_dataset *d, size_t lo, int64_t trained_to)
{
	size_t seen = 0;

	for (size_t r = lo; r < d->n; r++)
		seen += d->t[r] <= trained_to;
	return seen;
}

static int64_t
trained_to(const struct ct_model *cur)
{
	int64_t t = json_integer_value(json_object_get(json_object_get(cur->config, "trained"),
	    "to_ms"));

	/* An updated model also carries what its ancestors trained on. */
	if (json_integer_value(json_object_get(cur->config, "seen_to_ms")) > t)
		t = json_integer_value(json_object_get(cur->config, "seen_to_ms"));
	return t;
}

/* An incremental update: rows [ulo,uhi) update the current model's
 * trees, the newest ho rows judge it, and what both models score there. */
struct incr {
	size_t ulo, uhi, ho;
	size_t new_rows;	/* labelled rows after seen_to */
	int rounds, max_rounds, add;
	const char *method;
	int64_t seen_to;
	struct ct_eval ecur, ecand;
	json_t *equity;		/* the candidate's, on the held-out rows */
};

/* The first of the held-out rows: past the purge gap after the newest
 * row the current model (or an ancestor) trained on, so neither model has
 * seen them or a label overlapping theirs; at most the newest quarter. */
static size_t
incr_heldout_lo(const struct ct_dataset *d, int64_t seen_to, size_t gap)
{
	size_t first = d->n;

	while (first > 0 && d->t[first - 1] > seen_to)
		first--;
	return first + gap > d->n - d->n / 4 ? first + gap : d->n - d->n / 4;
}

/* The update's rows and rounds; the partial record written.  0, 1 when
 * too few new candles could judge an update (new_rows set), or -1
 * (printed). */
static int
incr_plan(struct job *j, const struct ct_model *cur, struct incr *in)
{
	struct ct_traincoin *tc = j->tc;
	const struct ct_dataset *d = &j->d;
	size_t gap = (size_t)tc->o.horizon + 1, lo;
	struct partial part;

	memset(in, 0, sizeof *in);
	in->rounds = cur->rounds;
	in->max_rounds = (int)json_integer_value(json_object_get(cur->config, "max_rounds"));
	if (in->max_rounds <= 0)
		in->max_rounds = in->rounds + CT_INCR_GROWTH;
	in->seen_to = trained_to(cur);
	if (d->n / 4 < CT_INCR_MIN_HELDOUT || d->n - d->n / 4 < 200 + gap) {
		ct_warn("%s: %zu labelled candles are too few for an incremental update", tc->sym, d->n);
		return -1;
	}
	lo = incr_heldout_lo(d, in->seen_to, gap);
	in->new_rows = d->n - seen_rows(d, 0, in->seen_to);
	in->ho = lo < d->n ? d->n - lo : 0;
	if (in->ho < CT_INCR_MIN_HELDOUT)
		return 1;
	in->uhi = lo - gap;	/* lo >= n - n/4 >= 200 + gap, checked above */
	in->add = in->rounds + CT_INCR_ADD <= in->max_rounds ? CT_INCR_ADD : 0;
	in->method = in->add ? "added rounds at a small learning rate" : "refreshed leaf values";
	partial_init(&part, j, json_pack("{s:I, s:i, s:i, s:o, s:o}", "rows", (json_int_t)d->n,
	    "horizon", tc->o.horizon, "gap", (int)gap, "update", range(d, in->ulo, in->uhi),
	    "heldout", range(d, d->n - in->ho, d->n)), in->ulo, d->n);
	partial_write(&part);
	return part.rc != 0 ? -1 : 0;
}

/* Update a candidate on the update rows and score it beside the current
 * model on the held-out rows: the verdict event (promoted still to be
 * said), or NULL on error (printed). */
static json_t *
incr_compare(struct job *j, const struct ct_model *cur, struct incr *in)
{
	struct ct_traincoin *tc = j->tc;
	const struct ct_dataset *d = &j->d;
	size_t lo = d->n - in->ho;
	float *pcur = NULL, *pcand = NULL;
	void *cand = NULL;
	json_t *verdict = NULL;
	int after = -1;
	double cum = 0;

	if (ct_booster_update(cur->booster, d, in->ulo, in->uhi, in->add, CT_INCR_ETA, &tc->o,
	    &cand) != 0 || prob(cur->booster, d, lo, d->n, &pcur, &tc->o) != 0 ||
	    prob(cand, d, lo, d->n, &pcand, &tc->o) != 0)
		goto out;
	if ((after = ct_booster_rounds(cand)) < 0) {
		ct_warn("xgboost: rounds: %s", ct_xgb_error());
		goto out;
	}
	ct_evaluate(d, pcur, lo, d->n, cur->threshold, &in->ecur, NULL, NULL);
	in->equity = json_array();
	ct_evaluate(d, pcand, lo, d->n, cur->threshold, &in->ecand, in->equity, &cum);
	/* Neither model (nor an ancestor) trained on the held-out rows:
	 * the count of seen ones says so, for the record. */
	verdict = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:i, s:i, s:o, s:I, s:o, s:o}",
	    "event", "verdict", "symbol", tc->sym, "timeframe", tc->tf, "at", ct_iso8601_json(ct_now_ms()),
	    "evaluation", "held-out", "method", in->method, "rounds_before", in->rounds,
	    "rounds_after", after, "heldout", range(d, lo, d->n),
	    "heldout_rows_seen_by_current", (json_int_t)seen_rows(d, lo, in->seen_to),
	    "current", ct_eval_json(&in->ecur), "candidate", ct_eval_json(&in->ecand));
	json_array_append_new(j->log, json_pack("{s:s, s:f, s:f, s:f}", "event", "compared",
	    "current_logloss", in->ecur.logloss, "candidate_logloss", in->ecand.logloss,
	    "elapsed_s", ct_mono_s() - j->t0));
out:
	free(pcur);
	free(pcand);
	if (cand)
		XGBoosterFree(cand);
	return verdict;
}

/* The candidate scored worse than the current model: keep that. */
static int
incr_keep(struct job *j, const struct ct_model *cur, struct incr *in, json_t *verdict)
{
	int rc;

	ct_warn("%s: incremental update not promoted: held-out logloss %.5f > current %.5f;"
	    " keeping %s", j->tc->sym, in->ecand.logloss, in->ecur.logloss, cur->dir);
	json_object_set_new(verdict, "promoted", json_false());
	if ((rc = keep_current(j, cur->dir, verdict)) == 0)
		summary_update(j, &in->ecur, &in->ecand, 0);
	json_decref(verdict);
	ct_mdir_abort(&j->md);
	return rc;
}

/* Too few candles the current model has not seen to judge an update:
 * it stays, and says why (stderr, last-incremental.json). */
static int
incr_too_new(struct job *j, const struct ct_model *cur, struct incr *in)
{
	size_t gap = (size_t)j->tc->o.horizon + 1;
	char iso[CT_ISO_LEN];
	json_t *verdict;
	int rc;

	ct_warn("%s: incremental update not tried: %zu labelled candles since the model's newest (%s),"
	    " %zu needed to judge one (%d held out past a purge gap of %zu); keeping %s", j->tc->sym,
	    in->new_rows, ct_iso8601(in->seen_to, iso), (size_t)CT_INCR_MIN_HELDOUT + gap,
	    CT_INCR_MIN_HELDOUT, gap, cur->dir);
	verdict = json_pack("{s:s, s:s, s:s, s:o, s:s, s:b, s:I, s:I, s:o}", "event", "verdict",
	    "symbol", j->tc->sym, "timeframe", j->tc->tf, "at", ct_iso8601_json(ct_now_ms()),
	    "reason", "too few new candles", "promoted", 0, "new_rows", (json_int_t)in->new_rows,
	    "needed", (json_int_t)(CT_INCR_MIN_HELDOUT + gap), "seen_to", ct_iso8601_json(in->seen_to));
	rc = verdict ? keep_current(j, cur->dir, verdict) : -1;
	json_decref(verdict);
	ct_mdir_abort(&j->md);
	return rc;
}

/* The stamp of the fresh model the model in dir (its config) descends
 * from: its fresh_stamp, itself when fresh, else (an update made before
 * updates recorded fresh_stamp) its parents' config.json followed back
 * while their directories are kept.  0, or -1 when it cannot be told. */
static int
fresh_of(const char *dir, const json_t *config, char *out, size_t n)
{
	char symdir[CT_PATH_MAX], path[CT_PATH_MAX], stamp[32];
	const char *slash = strrchr(dir, '/');
	json_t *c = json_deep_copy(config);
	int rc = -1;

	snprintf(symdir, sizeof symdir, "%.*s", slash ? (int)(slash - dir) : 1, slash ? dir : ".");
	snprintf(stamp, sizeof stamp, "%.31s", slash ? slash + 1 : dir);
	for (int hop = 0; c != NULL && hop < 10000; hop++) {
		const char *f = json_string_value(json_object_get(c, "fresh_stamp"));
		const char *mode = json_string_value(json_object_get(c, "mode"));
		const char *parent = json_string_value(json_object_get(c, "parent"));

		if ((f && ct_stamp_ok(f)) || (mode && strcmp(mode, "fresh") == 0 && ct_stamp_ok(stamp))) {
			snprintf(out, n, "%s", f && ct_stamp_ok(f) ? f : stamp);
			rc = 0;
			break;
		}
		if (parent == NULL || !ct_stamp_ok(parent) ||
		    ct_path(path, sizeof path, "%s/%s/config.json", symdir, parent) != 0)
			break;
		snprintf(stamp, sizeof stamp, "%.31s", parent);
		json_decref(c);
		c = json_load_file(path, 0, NULL);
	}
	json_decref(c);
	return rc;
}

/* The update passed on candles it had not seen.  Like a fresh model,
 * which is refitted on all data once the folds have scored the
 * procedure, the promoted model is the same update run once more over
 * every recent labelled candle, the held-out ones included: otherwise it
 * would never learn the newest market.  Published. */
static int
incr_promote(struct job *j, const struct ct_model *cur, struct incr *in, json_t *verdict)
{
	const struct ct_dataset *d = &j->d;
	size_t ulo = in->ulo, uhi = d->n;
	void *cand = NULL;
	json_t *folds;
	const char *src;
	int after, rc;

	if (ct_booster_update(cur->booster, d, ulo, uhi, in->add, CT_INCR_ETA, &j->tc->o,
	    &cand) != 0 || (after = ct_booster_rounds(cand)) < 0) {
		if (cand) {
			ct_warn("xgboost: rounds: %s", ct_xgb_error());
			XGBoosterFree(cand);
		}
		json_decref(verdict);
		return -1;
	}
	json_object_set_new(verdict, "promoted", json_true());
	json_object_set_new(verdict, "refit", range(d, ulo, uhi));
	json_array_append_new(j->log, verdict);
	folds = json_pack("[o]", ct_eval_json(&in->ecand));
	json_object_set_new(json_array_get(folds, 0), "val", range(d, d->n - in->ho, d->n));
	json_object_set_new(json_array_get(folds, 0), "heldout", json_true());
	j->metrics = metrics_json(j, "held-out", folds, &in->ecand, in->equity);
	j->booster = cand;
	j->drift = ct_drift_carry(cur->dir, cand, d->x + ulo * d->nfeat, uhi - ulo, d->nfeat);
	if (j->drift == NULL && errno == ENOENT) {
		/* A model without a reference (it still serves): the update
		 * makes one of the candles it read, so drift is checked again. */
		ct_warn("%s: %s: no drift reference: a new one of the %zu candles read", j->tc->sym,
		    cur->dir, d->n);
		j->drift = drift_reference(d, cand);
	}
	src = json_string_value(json_object_get(cur->config, "threshold_source"));
	j->config = config_json(j, after, in->max_rounds, cur->threshold, src ? src : "kept", ulo, uhi);
	if (j->config) {
		const char *pstamp = strrchr(cur->dir, '/') ? strrchr(cur->dir, '/') + 1 : cur->dir;

		char fresh[32];

		json_object_set_new(j->config, "parent", json_string(pstamp));
		/* The fresh training it descends from (the health check judges
		 * the weekly retrain by it). */
		if (fresh_of(cur->dir, cur->config, fresh, sizeof fresh) == 0)
			json_object_set_new(j->config, "fresh_stamp", json_string(fresh));
		json_object_set_new(j->config, "incremental_method", json_string(in->method));
		json_object_set_new(j->config, "seen_to_ms", json_integer(in->seen_to > d->t[uhi - 1] ?
		    in->seen_to : d->t[uhi - 1]));
	}
	if ((rc = publish(j)) == 0)
		summary_update(j, &in->ecur, &in->ecand, 1);
	return rc;
}

static int
incremental(struct job *j, struct ct_model *cur)
{
	struct incr in;
	json_t *verdict;
	int rc = -1;

	switch (incr_plan(j, cur, &in)) {
	case 0:
		if ((verdict = incr_compare(j, cur, &in)) != NULL)
			rc = in.ecand.logloss <= in.ecur.logloss ? incr_promote(j, cur, &in, verdict) :
			    incr_keep(j, cur, &in, verdict);
		break;
	case 1:
		rc = incr_too_new(j, cur, &in);
		break;
	}
	json_decref(in.equity);
	return rc;
}

/* The row step a search's result p was tuned with: 1 when it records
 * none, -1 when what it records is no step. */
static int
tuned_step(const json_t *p)
{
	const json_t *v = json_object_get(p, "row_step");

	if (v == NULL)
		return 1;
	return json_is_integer(v) && json_integer_value(v) >= 1 &&
	    json_integer_value(v) <= CT_ROW_STEP_MAX ? (int)json_integer_value(v) : -1;
}

/* What a search's result p says of the training it tuned for that this
 * one is not: another coin or timeframe (a search of 5m candles says
 * nothing of 1h ones), another label horizon, round budget or early
 * stop (parameters chosen for a 12-candle label or 40 rounds say nothing
 * of a 24-candle label or 300 rounds), another --row-step given (a
 * min_child_weight tuned on every third row is three times one tuned on
 * all).  1 with it in why, else 0 (what p does not record is taken as
 * this training's, but a row step: a search that recorded none trained
 * on every row). */
static int
tuned_elsewhere(const struct ct_traincoin *tc, const json_t *p, char *why, size_t n)
{
	static const struct {
		const char *key, *opt;
		size_t off;
	} opt[] = {
		{ "horizon", "--horizon", offsetof(struct ct_train_opts, horizon) },
		{ "rounds_max", "--rounds", offsetof(struct ct_train_opts, rounds) },
		{ "early_stop", "--early-stop", offsetof(struct ct_train_opts, early_stop) },
	};
	const char *sym = json_string_value(json_object_get(p, "symbol"));
	const char *tf = json_string_value(json_object_get(p, "timeframe"));

	if ((sym && strcmp(sym, tc->sym) != 0) || (tf && strcmp(tf, tc->tf) != 0)) {
		snprintf(why, n, "tuned for %s %s, not %s %s", sym ? sym : tc->sym, tf ? tf : tc->tf,
		    tc->sym, tc->tf);
		return 1;
	}
	for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++) {
		const json_t *v = json_object_get(p, opt[i].key);
		int here = *(const int *)(const void *)((const char *)&tc->o + opt[i].off);

		if (json_is_integer(v) && json_integer_value(v) != here) {
			snprintf(why, n, "tuned with %s %lld, not %d", opt[i].opt,
			    (long long)json_integer_value(v), here);
			return 1;
		}
	}
	if (tc->o.row_step > 0 && tuned_step(p) > 0 && tuned_step(p) != tc->o.row_step) {
		snprintf(why, n, "tuned with --row-step %d, not %d", tuned_step(p), tc->o.row_step);
		return 1;
	}
	return 0;
}

/* A document that came from a search (tune-coin's params.json): it says
 * how the search went and which block it held out. */
static int
from_search(const json_t *doc)
{
	return json_object_get(doc, "search") != NULL || json_object_get(doc, "heldout") != NULL;
}

/* A search's result holds all seven parameters (else the defaults would
 * train as if tuned) and where its held-out block began: the folds
 * before it are the search's own, and train-coin reports only the later
 * ones (evaluation_of).  Its search scored this coin's candles unless it
 * names another coin.  0, or -1 after "path:LINE: why". */
static int
search_result(struct job *j, const char *path, const json_t *doc)
{
	const json_t *p = json_object_get(doc, "params");
	const char *sym = json_string_value(json_object_get(doc, "symbol"));
	const char *from = json_string_value(json_object_get(json_object_get(doc, "heldout"), "from"));
	const char *miss = json_is_object(p) ? ct_params_missing(p) : NULL;
	char why[256];

	if (!json_is_object(p) || miss) {
		snprintf(why, sizeof why, "params: %s%s (a search's result names all seven "
		    "parameters)", miss ? miss : "no object of parameters", miss ? " missing" : "");
		ct_json_member_warn(path, NULL, p ? "params" : NULL, why);
		return -1;
	}
	if (from == NULL || ct_parse_iso8601(from, &j->searched_to) != 0) {
		ct_json_member_warn(path, from ? "heldout" : NULL, from ? "from" : "heldout",
		    "heldout.from: missing or not a time: which folds the search scored is unknown");
		return -1;
	}
	if (tuned_step(doc) < 0) {
		snprintf(why, sizeof why, "row_step: not a whole number from 1 to %d (the rows the "
		    "search trained on)", CT_ROW_STEP_MAX);
		ct_json_member_warn(path, NULL, "row_step", why);
		return -1;
	}
	if (sym && strcmp(sym, j->tc->sym) != 0)
		j->searched_to = 0;
	/* Without --row-step, the rows its parameters were tuned on. */
	if (j->tc->o.row_step == 0)
		j->tc->o.row_step = tuned_step(doc);
	return 0;
}

/* --params FILE: any file of parameters.  One that came from a search is
 * held to the honesty rule of the coin's params.json, and used (said)
 * even when tuned for another training. */
static int
file_params(struct job *j)
{
	struct ct_traincoin *tc = j->tc;
	const char *path = tc->params_file;
	json_t *doc = ct_json_load(path, JSON_REJECT_DUPLICATES);
	char why[256];
	int rc = doc ? 0 : -1;

	j->params_src = "file";
	/* Absolute, so config.json says which file wherever it ran. */
	if (realpath(path, j->params_path) == NULL)
		snprintf(j->params_path, sizeof j->params_path, "%s", path);
	if (rc == 0 && from_search(doc)) {
		if (tuned_elsewhere(tc, doc, why, sizeof why))
			ct_warn("%s: %s: its parameters are used all the same (--params)", path, why);
		rc = search_result(j, path, doc);
	} else if (rc == 0 && !json_is_object(json_object_get(doc, "params") ?
	    json_object_get(doc, "params") : doc)) {
		ct_json_member_warn(path, NULL, json_object_get(doc, "params") ? "params" : NULL,
		    "not a JSON object of parameters");
		rc = -1;
	} else if (rc == 0 && json_object_size(json_object_get(doc, "params") ?
	    json_object_get(doc, "params") : doc) == 0) {
		ct_json_member_warn(path, NULL, json_object_get(doc, "params") ? "params" : NULL,
		    "no parameters (--default-params trains the defaults)");
		rc = -1;
	}
	if (rc == 0)
		rc = ct_params_doc(path, doc, &tc->o);
	json_decref(doc);
	return rc;
}

/* The coin's params.json (path): tuned for this training, else the
 * defaults, said. */
static int
tuned_params(struct job *j, const char *path)
{
	struct ct_traincoin *tc = j->tc;
	json_t *doc = ct_json_load(path, JSON_REJECT_DUPLICATES);
	char why[256];
	int rc;

	if (doc && tuned_elsewhere(tc, doc, why, sizeof why)) {
		ct_warn("%s: %s: default parameters (--params %s uses them)", path, why, path);
		json_decref(doc);
		return 0;
	}
	j->params_src = "tuned";
	/* Absolute, as --params FILE's: a relative --home says nothing to
	 * a reader elsewhere. */
	if (realpath(path, j->params_path) == NULL)
		snprintf(j->params_path, sizeof j->params_path, "%s", path);
	rc = doc && search_result(j, path, doc) == 0 ? ct_params_doc(path, doc, &tc->o) : -1;
	json_decref(doc);
	if (rc != 0)
		ct_warn("%s: tuned parameters not used (--default-params trains without them)", path);
	return rc;
}

/* A fresh model's parameters (traincoin.h: params_file, default_params). */
static int
fresh_params(struct job *j)
{
	struct ct_traincoin *tc = j->tc;
	char path[CT_PATH_MAX];

	j->params_src = "default";
	if (tc->default_params)
		return 0;
	if (tc->params_file)
		return file_params(j);
	if (ct_path(path, sizeof path, "%s/models/%s/params.json", tc->home, tc->sym) != 0) {
		ct_warn("%s/models/%s/params.json: %s", tc->home, tc->sym, strerror(errno));
		return -1;
	}
	if (access(path, F_OK) != 0) {
		if (errno == ENOENT)
			return 0;
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	return tuned_params(j, path);
}

/* How the model of config params p was trained beside its parameters
 * (its rounds, early stop and folds), into o: an update trains no folds,
 * and its config.json carries them on, not the options it does not use.
 * Its own row step is 1: it trains on every new candle. */
static void
trained_with(struct ct_train_opts *o, const json_t *p)
{
	static const struct {
		const char *key;
		size_t off;
	} k[] = {
		{ "rounds_max", offsetof(struct ct_train_opts, rounds) },
		{ "early_stop", offsetof(struct ct_train_opts, early_stop) },
		{ "folds", offsetof(struct ct_train_opts, folds) },
	};

	o->row_step = 1;
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		const json_t *v = json_object_get(p, k[i].key);

		if (json_is_integer(v) && json_integer_value(v) >= 1 &&
		    json_integer_value(v) <= INT_MAX)
			*(int *)(void *)((char *)o + k[i].off) = (int)json_integer_value(v);
	}
}

/* An update grows its model with the parameters the model was trained
 * with, and says where they came from. */
static int
model_params(struct job *j, const struct ct_model *cur)
{
	json_t *c = cur->config;
	const char *src = json_string_value(json_object_get(c, "params_source"));
	const char *file = json_string_value(json_object_get(c, "params_file"));
	char why[256];

	if (j->tc->params_file || j->tc->default_params)
		ct_warn("%s: an update keeps its model's parameters: %s not used (--fresh uses it)",
		    j->tc->sym, j->tc->params_file ? "--params" : "--default-params");
	if (j->tc->fresh_only)
		ct_warn("%s: an update keeps its model's horizon and trains no folds: %s not used "
		    "(--fresh uses it)", j->tc->sym, j->tc->fresh_only);
	j->params_src = src && strcmp(src, "tuned") == 0 ? "tuned" :
	    src && strcmp(src, "file") == 0 ? "file" : "default";
	snprintf(j->params_path, sizeof j->params_path, "%s", file ? file : "");
	if (json_object_get(c, "params") &&
	    ct_params_set(&j->tc->o, json_object_get(c, "params"), 1, why, sizeof why) != 0) {
		ct_warn("%s/config.json: params: %s", cur->dir, why);
		return -1;
	}
	trained_with(&j->tc->o, json_object_get(c, "params"));
	return 0;
}

/* The parent's drift.json, when it has one, still what its sha256.txt
 * says: an edited one stops the update before it trains (the update
 * would carry it on).  0, or -1 said. */
static int
drift_edited(const char *dir)
{
	static const char *const ref[] = { CT_DRIFT_FILE, NULL };
	char path[CT_PATH_MAX];

	if (ct_path(path, sizeof path, "%s/%s", dir, CT_DRIFT_FILE) != 0 ||
	    (access(path, F_OK) != 0 && errno == ENOENT))
		return 0;
	return ct_model_verify_files(dir, ref);
}

/* The current model an update starts from, loaded before the lock.
 * 1 loaded, 0 none (train fresh), -1 error. */
static int
load_current(struct ct_traincoin *tc, struct ct_model *cur)
{
	char dir[CT_PATH_MAX];
	const char *sym;

	if (ct_model_current(dir, sizeof dir, tc->home, tc->sym) != 0) {
		if (errno != ENOENT) {
			ct_warn("%s/models/%s/current: %s", tc->home, tc->sym, ct_model_current_error(errno));
			return -1;
		}
		ct_warn("%s: no current model; training a fresh one", tc->sym);
		return 0;
	}
	if (access(dir, F_OK) != 0 && errno == ENOENT) {
		ct_warn("%s/models/%s/current -> %s: the model directory is gone (train-coin --fresh "
		    "makes a new one)", tc->home, tc->sym, strrchr(dir, '/') + 1);
		return -1;
	}
	if (ct_model_load(cur, dir) != 0)
		return -1;
	if (drift_edited(dir) != 0) {
		ct_model_free(cur);
		return -1;
	}
	if (strcmp(cur->timeframe, tc->tf) != 0) {
		ct_warn("%s: current model is for timeframe %s, not %s", dir, cur->timeframe, tc->tf);
		ct_model_free(cur);
		return -1;
	}
	/* A model copied from another coin's directory is not this coin's
	 * (predict and check-drift refuse it too). */
	if ((sym = json_string_value(json_object_get(cur->config, "symbol"))) != NULL &&
	    strcmp(sym, tc->sym) != 0) {
		ct_warn("%s: current model is for %s, not %s", dir, sym, tc->sym);
		ct_model_free(cur);
		return -1;
	}
	/* The label is the model's: an update keeps its horizon. */
	tc->o.horizon = cur->horizon;
	return 1;
}

/* A fresh model of another timeframe replaces the coin's current one (a
 * coin has one model): said before the work, not found out later. */
static void
other_tf_note(const struct ct_traincoin *tc)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX];
	const char *tf;
	json_t *cfg;

	if (ct_model_current(dir, sizeof dir, tc->home, tc->sym) != 0 ||
	    ct_path(path, sizeof path, "%s/config.json", dir) != 0 ||
	    (cfg = json_load_file(path, 0, NULL)) == NULL)
		return;
	if ((tf = json_string_value(json_object_get(cfg, "timeframe"))) != NULL && strcmp(tf, tc->tf) != 0)
		ct_warn("%s: the current model is for timeframe %s: this %s model replaces it "
		    "(a coin has one model)", tc->sym, tf, tc->tf);
	json_decref(cfg);
}

static int
run(struct job *j, struct ct_model *cur, int have_cur, const char *store)
{
	struct ct_traincoin *tc = j->tc;
	char curdir[CT_PATH_MAX];
	size_t rows = tc->lookback > 0 ? (size_t)tc->lookback : DEFAULT_LOOKBACK;

	/* The current model was read before the lock: a train-coin that held
	 * it may have published since, and updating the older model would
	 * replace that newer one. */
	if (have_cur && (ct_model_current(curdir, sizeof curdir, tc->home, tc->sym) != 0 ||
	    strcmp(curdir, cur->dir) != 0)) {
		ct_warn("%s: current model changed while this update was loading; not updating %s",
		    tc->sym, cur->dir);
		return -1;
	}
	tc->o.log = j->log;
	tc->o.label = tc->sym;
	tc->o.t0 = j->t0;
	tc->o.cache_dir = j->md.work;
	tc->o.incore_rows = ct_incore_rows(tc->memory_mb ? tc->memory_mb : CT_MEMORY_MB);
	if (have_cur) {
		if (rows > CT_INCR_ROWS + ct_feat_warmup() + (size_t)tc->o.horizon)
			rows = CT_INCR_ROWS + ct_feat_warmup() + (size_t)tc->o.horizon;
		if (load_memory(j, store, rows) != 0)
			return -1;
		gaps_said(j);
		tc->o.threads = ct_fit_threads(&tc->o, j->d.n);
		return incremental(j, cur);
	}
	if (load_stream(j, store, rows) != 0)
		return -1;
	gaps_said(j);
	/* Threads for the rows XGBoost is given: every row_step-th. */
	tc->o.row_step = ct_row_step(&tc->o, j->d.n);
	tc->o.threads = ct_fit_threads(&tc->o, j->d.n / (size_t)tc->o.row_step);
	return fresh(j);
}

int
ct_train_coin(struct ct_traincoin *tc)
{
	struct job j;
	struct ct_model cur = { 0 };
	char store[CT_PATH_MAX];
	int rc = -1, have_cur = 0;

	memset(&j, 0, sizeof j);
	j.tc = tc;
	j.t0 = ct_mono_s();
	j.md.lockfd = -1;
	if ((j.tf_ms = ct_tf_ms(tc->tf)) <= 0) {
		ct_warn("%s: unknown timeframe", tc->tf);
		return CT_EXIT_USAGE;
	}
	ct_xgb_quiet();
	if (tc->incremental && (have_cur = load_current(tc, &cur)) < 0)
		return CT_EXIT_FAIL;
	j.mode = have_cur ? "incremental" : "fresh";
	if (!tc->incremental)
		other_tf_note(tc);
	if ((have_cur ? model_params(&j, &cur) : fresh_params(&j)) != 0 ||
	    check_inputs(&j, store, sizeof store) != 0)
		goto out;
	if ((j.log = json_array()) == NULL || ct_mdir_begin(&j.md, tc->home, tc->sym) != 0)
		goto out;
	if ((rc = run(&j, &cur, have_cur, store)) != 0)
		ct_mdir_abort(&j.md);
out:
	ct_mdir_end(&j.md);
	if (have_cur)
		ct_model_free(&cur);
	if (j.booster)
		XGBoosterFree(j.booster);
	json_decref(j.config);
	json_decref(j.metrics);
	json_decref(j.drift);
	json_decref(j.log);
	ct_dataset_free(&j.d);
	ct_series_free(&j.tail);
	if (rc == 0)
		return CT_EXIT_OK;
	return j.md.locked ? CT_EXIT_LOCKED : CT_EXIT_FAIL;
}
