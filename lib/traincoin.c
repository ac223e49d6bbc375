/* traincoin.c — one coin from candle store to published model directory.
 *
 * Order matters for the operator: inputs are checked before the lock is
 * taken; partial outputs (features.csv, split_indices.json,
 * training_log.json) are written before the long training so a batch run
 * can report progress; final artifacts follow, then checksums,
 * verification, and only then the switch of `current`. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xgboost/c_api.h>

#include "atomic.h"
#include "candles.h"
#include "costs.h"
#include "drift.h"
#include "err.h"
#include "evlog.h"
#include "features.h"
#include "jsonfile.h"
#include "model.h"
#include "modeldir.h"
#include "parse.h"
#include "timefmt.h"
#include "traincoin.h"

#define SELFCHECK_N	20	/* newest candles whose prediction config.json keeps */
#define DEFAULT_LOOKBACK 50000


static json_t *
iso(int64_t ms)
{
	char b[CT_ISO_LEN];

	return json_string(ct_iso8601(ms, b));
}

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

/* A float as text with 9 significant digits, which always reads back as
 * the same float.  By hand because printf's exact decimal conversion made
 * writing features.csv a tenth of a whole training run. */
static int
fmt_float(float f, char *b)
{
	static double p10[100];	/* 10^(k-50) */
	double v = f;
	long long m;
	char dig[10];
	int e, n = 0, nd = 9;

	if (p10[0] == 0)
		for (int k = 0; k < 100; k++)
			p10[k] = pow(10, k - 50);
	if (v == 0)
		return (int)strlen(strcpy(b, "0"));
	/* p10 covers the normal floats; a subnormal would index past it. */
	if (fabs(v) < 1e-30 || fabs(v) > 1e30)
		return sprintf(b, "%.9g", v);
	if (v < 0) {
		b[n++] = '-';
		v = -v;
	}
	e = (int)floor(log10(v));
	m = llround(v * p10[8 - e + 50]);
	if (m >= 1000000000LL)
		m = llround(v * p10[8 - ++e + 50]);
	else if (m < 100000000LL)
		m = llround(v * p10[8 - --e + 50]);
	for (int k = 8; k >= 0; k--, m /= 10)
		dig[k] = (char)('0' + m % 10);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	if (e >= 0 && e < 9) {
		for (int k = 0; k <= e; k++)
			b[n++] = k < nd ? dig[k] : '0';
		if (nd > e + 1) {
			b[n++] = '.';
			for (int k = e + 1; k < nd; k++)
				b[n++] = dig[k];
		}
	} else if (e < 0 && e >= -5) {
		b[n++] = '0';
		b[n++] = '.';
		for (int k = -1; k > e; k--)
			b[n++] = '0';
		for (int k = 0; k < nd; k++)
			b[n++] = dig[k];
	} else {
		b[n++] = dig[0];
		if (nd > 1) {
			b[n++] = '.';
			for (int k = 1; k < nd; k++)
				b[n++] = dig[k];
		}
		n += sprintf(b + n, "e%d", e);
	}
	b[n] = '\0';
	return n;
}

/* features.csv: the training matrix as the model saw it (float32 values
 * printed to round-trip), its label and the return and cost behind it. */
static int
save_features(const char *dir, const struct ct_dataset *d, size_t lo, size_t hi)
{
	char path[CT_PATH_MAX], num[32];
	struct ct_afile af;
	FILE *fp;

	if (ct_path(path, sizeof path, "%s/features.csv", dir) != 0 ||
	    ct_afile_open(&af, path) != 0) {
		ct_warn("%s/features.csv: %s", dir, strerror(errno));
		return -1;
	}
	fp = af.fp;
	fputs("open_time", fp);
	for (size_t j = 0; j < d->nfeat; j++)
		fprintf(fp, ",%s", ct_feat_name(j));
	fputs(",label,fwd_bps,cost_bps\n", fp);
	for (size_t r = lo; r < hi; r++) {
		fprintf(fp, "%lld", (long long)d->t[r]);
		for (size_t j = 0; j < d->nfeat; j++) {
			float v = d->x[r * d->nfeat + j];

			num[0] = ',';
			if (isnan(v))
				num[1] = '\0';
			else
				fmt_float(v, num + 1);
			fputs(num, fp);
		}
		fprintf(fp, ",%d,%.3f,%.3f\n", d->y[r] > 0.5f, d->fwd_bps[r], d->cost_bps[r]);
	}
	if (ct_afile_commit(&af) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static json_t *
range(const struct ct_dataset *d, size_t lo, size_t hi)
{
	return json_pack("{s:[I,I], s:o, s:o}", "rows", (json_int_t)lo, (json_int_t)hi,
	    "from", iso(d->t[lo]), "to", iso(d->t[hi - 1]));
}

/* The final model's P(up) for the newest candles of the store, computed the
 * way predict computes it: predict's tests compare against this. */
static json_t *
selfcheck(void *booster, const struct ct_series *s)
{
	size_t nf = ct_feat_count(), k = s->n < SELFCHECK_N ? s->n : SELFCHECK_N;
	struct ct_model m = { 0 };
	float *x = malloc((k ? k : 1) * nf * sizeof *x), p[SELFCHECK_N];
	json_t *a = json_array();

	m.booster = booster;
	m.nfeat = nf;
	snprintf(m.dir, sizeof m.dir, "selfcheck");
	if (x && ct_features(s, s->n - k, s->n, x) == 0 && ct_model_predict(&m, x, k, p) == 0)
		for (size_t i = 0; i < k; i++)
			json_array_append_new(a, json_pack("[I,f]", (json_int_t)s->c[s->n - k + i].t,
			    (double)p[i]));
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

struct job {
	struct ct_traincoin *tc;
	struct ct_series s;
	struct ct_costs costs;
	struct ct_dataset d;
	struct ct_mdir md;
	json_t *log;		/* training_log.json */
	json_t *drift;		/* drift.json: what check-drift compares against */
	double t0;
	int64_t tf_ms;
};

static int
load_inputs(struct job *j, size_t rows)
{
	struct ct_traincoin *tc = j->tc;
	char path[CT_PATH_MAX], why[256];
	struct ct_series tail = { 0 };
	size_t w = ct_feat_warmup();

	if (ct_costs_load(ct_costs_path(tc->costs, path, sizeof path), tc->sym, &j->costs) != 0)
		return -1;
	if (ct_store_path(path, sizeof path, tc->home, tc->sym, tc->tf) != 0) {
		ct_warn("%s: %s", tc->sym, strerror(errno));
		return -1;
	}
	if (access(path, F_OK) != 0) {
		ct_warn("%s: %s (fetch candles first: fetch-candles --symbol %s --timeframe %s)",
		    path, strerror(errno), tc->sym, tc->tf);
		return -1;
	}
	if (ct_store_tail(path, rows, &j->s) != 0)
		return -1;
	if (j->s.n < w + (size_t)tc->o.horizon + 1) {
		ct_warn("%s: %zu candles: too few to train (need well over %zu)", path, j->s.n,
		    w + (size_t)tc->o.horizon);
		return -1;
	}
	/* The features are checked for look-ahead on every run: it costs a
	 * few milliseconds and guards the one property no metric can show. */
	tail.c = j->s.c + (j->s.n > w + 200 ? j->s.n - w - 200 : 0);
	tail.n = j->s.n > w + 200 ? w + 200 : j->s.n;
	if (tail.n >= w + 4 && ct_feat_causal_check(&tail, ct_features, why, sizeof why) != 0) {
		ct_warn("features: %s", why);
		return -1;
	}
	if (isnan(j->costs.spread_bps)) {
		j->costs.spread_bps = ct_spread_cs(&j->s, 0, j->s.n);
		j->costs.spread_estimated = 1;
	}
	if (ct_dataset_build(&j->d, &j->s, tc->o.horizon, j->tf_ms, &j->costs, NULL) != 0)
		return -1;
	return 0;
}

static json_t *
log_json(struct job *j, const char *mode)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:i, s:f, s:f, s:O}",
	    "symbol", j->tc->sym, "timeframe", j->tc->tf, "mode", mode,
	    "started", iso(ct_now_ms() - (int64_t)((ct_mono_s() - j->t0) * 1000)),
	    "threads", j->tc->o.threads,
	    "wall_seconds", ct_mono_s() - j->t0, "xgb_seconds", j->tc->o.xgb_seconds,
	    "events", j->log);
}

static json_t *
config_json(struct job *j, const char *mode, int rounds, int max_rounds, double thr,
    const char *thr_src, size_t lo, size_t hi, void *booster)
{
	const struct ct_traincoin *tc = j->tc;
	int maj, min, pat;
	char ver[32];

	XGBoostVersion(&maj, &min, &pat);
	snprintf(ver, sizeof ver, "%d.%d.%d", maj, min, pat);
	return json_pack("{s:s, s:s, s:s, s:i, s:f, s:s, s:s, s:o, s:i, s:i, s:i, s:o,"
	    " s:{s:o, s:o, s:I, s:I}, s:I, s:I, s:o, s:s, s:s, s:o}",
	    "symbol", tc->sym, "timeframe", tc->tf, "mode", mode,
	    "horizon", tc->o.horizon, "threshold", thr, "threshold_source", thr_src,
	    "label", "1 when the log return from close[t] to close[t+horizon] exceeds the "
	    "round-trip cost (costs.json)",
	    "features", ct_feat_config(), "warmup", (int)ct_feat_warmup(),
	    "rounds", rounds, "max_rounds", max_rounds, "params", ct_train_params_json(&tc->o),
	    "trained", "from", iso(j->d.t[lo]), "to", iso(j->d.t[hi - 1]),
	    "from_ms", (json_int_t)j->d.t[lo], "to_ms", (json_int_t)j->d.t[hi - 1],
	    "candles_used", (json_int_t)j->s.n, "rows", (json_int_t)(hi - lo),
	    "created", iso(ct_now_ms()), "xgboost_version", ver, "cointrain_version", CT_VERSION,
	    "selfcheck", selfcheck(booster, &j->s));
}

/* Write the final artifacts into the temporary directory and publish it. */
static int
publish(struct job *j, void *booster, json_t *config, json_t *metrics, const char *mode)
{
	char path[CT_PATH_MAX], out[CT_PATH_MAX];
	json_t *lj;
	int rc;

	if (ct_path(path, sizeof path, "%s/model.ubj", j->md.tmp) != 0 ||
	    ct_booster_save(booster, path, &j->tc->o) != 0 ||
	    save_json(j->md.tmp, "config.json", config) != 0 ||
	    save_json(j->md.tmp, "metrics.json", metrics) != 0 ||
	    ct_drift_save(j->md.tmp, j->drift) != 0)
		return -1;
	{
		json_t *c = ct_costs_json(&j->costs);
		int r = save_json(j->md.tmp, "costs.json", c);

		json_decref(c);
		if (r != 0)
			return -1;
	}
	json_array_append_new(j->log, json_pack("{s:s, s:f}", "event", "done",
	    "elapsed_s", ct_mono_s() - j->t0));
	lj = log_json(j, mode);
	rc = save_json(j->md.tmp, "training_log.json", lj);
	json_decref(lj);
	if (rc != 0 || ct_mdir_commit(&j->md, j->tc->keep, out, sizeof out) != 0)
		return -1;
	printf("%s\n", out);
	return 0;
}

/* The partial outputs.  For a fresh model they are written by a second
 * thread while the walk-forward runs (features.csv of 50000 candles takes
 * a good part of a second to write and sync, time XGBoost need not wait
 * for); it touches only its own JSON and the read-only dataset. */
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

	p->rc = -1;
	if (save_features(j->md.tmp, &j->d, p->lo, p->hi) == 0 &&
	    save_json(j->md.tmp, "split_indices.json", p->splits) == 0 &&
	    save_json(j->md.tmp, "training_log.json", p->log) == 0) {
		event_partial(j->tc->sym, j->md.tmp);
		p->rc = 0;
	}
	json_decref(p->splits);
	json_decref(p->log);
	return NULL;
}

static void
partial_init(struct partial *p, struct job *j, json_t *splits, size_t lo, size_t hi,
    const char *mode)
{
	json_t *lj = log_json(j, mode);

	p->j = j;
	p->splits = splits;
	p->log = json_deep_copy(lj);
	json_decref(lj);
	p->lo = lo;
	p->hi = hi;
}

static json_t *
metrics_json(struct job *j, json_t *folds, const struct ct_eval *agg, json_t *equity)
{
	json_t *a = ct_eval_json(agg);

	return json_pack("{s:s, s:s, s:i, s:o, s:o, s:O, s:{s:f, s:f}}",
	    "symbol", j->tc->sym, "timeframe", j->tc->tf, "horizon", j->tc->o.horizon,
	    "folds", folds, "aggregate", a, "equity_curve", equity,
	    "baselines", "buy_hold_bps", agg->buy_hold_bps, "never_trade_bps", 0.0);
}

static int
fresh(struct job *j)
{
	struct ct_traincoin *tc = j->tc;
	struct ct_fold *f;
	struct ct_wf w;
	struct partial part;
	pthread_t th;
	json_t *splits, *folds, *config, *metrics;
	void *b = NULL;
	int rc = -1, joined = 1;

	if ((f = calloc((size_t)tc->o.folds, sizeof *f)) == NULL)
		return -1;
	if (ct_folds(j->d.n, tc->o.folds, tc->o.horizon, f) != 0) {
		ct_warn("%s: %zu labelled candles are too few for %d folds", tc->sym, j->d.n,
		    tc->o.folds);
		free(f);
		return -1;
	}
	splits = json_pack("{s:I, s:i, s:i, s:[], s:o}", "rows", (json_int_t)j->d.n,
	    "horizon", tc->o.horizon, "gap", tc->o.horizon + 1, "folds",
	    "final", range(&j->d, 0, j->d.n));
	for (int k = 0; k < tc->o.folds; k++)
		json_array_append_new(json_object_get(splits, "folds"), json_pack("{s:i, s:o, s:o, s:o}",
		    "fold", k + 1, "train", range(&j->d, f[k].train_lo, f[k].train_hi),
		    "early_stop", range(&j->d, f[k].stop_lo, f[k].stop_hi),
		    "val", range(&j->d, f[k].val_lo, f[k].val_hi)));
	free(f);
	partial_init(&part, j, splits, 0, j->d.n, "fresh");
	if ((errno = pthread_create(&th, NULL, partial_write, &part)) != 0) {
		ct_warn("thread: %s", strerror(errno));
		partial_write(&part);
	} else
		joined = 0;
	rc = ct_walkforward(&j->d, &tc->o, &w);
	if (rc == 0 && (rc = ct_train_final(&j->d, 0, j->d.n, w.rounds, &tc->o, &b)) != 0)
		ct_wf_free(&w);
	if (!joined)
		pthread_join(th, NULL);
	if (rc != 0 || part.rc != 0) {
		if (rc == 0) {
			XGBoosterFree(b);
			ct_wf_free(&w);
		}
		return -1;
	}
	folds = json_array();
	for (int k = 0; k < w.nfolds; k++) {
		json_t *e = ct_eval_json(&w.f[k].ev);

		json_object_set_new(e, "fold", json_integer(k + 1));
		json_object_set_new(e, "best_rounds", json_integer(w.f[k].best_rounds));
		json_object_set_new(e, "train", range(&j->d, w.f[k].train_lo, w.f[k].train_hi));
		json_object_set_new(e, "early_stop", range(&j->d, w.f[k].stop_lo, w.f[k].stop_hi));
		json_object_set_new(e, "val", range(&j->d, w.f[k].val_lo, w.f[k].val_hi));
		json_array_append_new(folds, e);
	}
	metrics = metrics_json(j, folds, &w.agg, w.equity);
	config = config_json(j, "fresh", w.rounds, w.rounds + CT_INCR_GROWTH, w.threshold,
	    w.threshold < 1 ? "best total net bps after costs over all folds' out-of-sample "
	    "predictions" : "no threshold made money out of sample: never trade",
	    0, j->d.n, b);
	j->drift = ct_drift_reference(j->d.x, j->d.y, j->d.n, j->d.nfeat, b);
	rc = publish(j, b, config, metrics, "fresh");
	json_decref(config);
	json_decref(metrics);
	XGBoosterFree(b);
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

static int
incremental(struct job *j, struct ct_model *cur)
{
	struct ct_traincoin *tc = j->tc;
	struct ct_dataset *d = &j->d;
	size_t gap = (size_t)tc->o.horizon + 1, ho = d->n / 4, ulo, uhi, seen = 0;
	int64_t trained_to;
	struct ct_eval ecur, ecand;
	float *pcur = NULL, *pcand = NULL;
	void *cand = NULL;
	int max_rounds, rounds = cur->rounds, add, after, rc = -1;
	json_t *splits, *verdict, *folds, *config, *metrics, *equity;
	double cum = 0;
	const char *method;

	max_rounds = (int)json_integer_value(json_object_get(cur->config, "max_rounds"));
	if (max_rounds <= 0)
		max_rounds = rounds + CT_INCR_GROWTH;
	uhi = d->n - ho > gap ? d->n - ho - gap : 0;
	ulo = 0;
	if (ho < 100 || uhi < 200) {
		ct_warn("%s: %zu labelled candles are too few for an incremental update", tc->sym, d->n);
		return -1;
	}
	splits = json_pack("{s:I, s:i, s:i, s:o, s:o}", "rows", (json_int_t)d->n,
	    "horizon", tc->o.horizon, "gap", (int)gap, "update", range(d, ulo, uhi),
	    "heldout", range(d, d->n - ho, d->n));
	{
		struct partial part;

		partial_init(&part, j, splits, ulo, d->n, "incremental");
		partial_write(&part);
		if (part.rc != 0)
			return -1;
	}
	rc = -1;
	add = rounds + CT_INCR_ADD <= max_rounds ? CT_INCR_ADD : 0;
	method = add ? "added rounds at a small learning rate" : "refreshed leaf values";
	if (ct_booster_update(cur->booster, d, ulo, uhi, add, CT_INCR_ETA, &tc->o, &cand) != 0 ||
	    prob(cur->booster, d, d->n - ho, d->n, &pcur, &tc->o) != 0 ||
	    prob(cand, d, d->n - ho, d->n, &pcand, &tc->o) != 0)
		goto out;
	if ((after = ct_booster_rounds(cand)) < 0) {
		ct_warn("xgboost: rounds: %s", XGBGetLastError());
		goto out;
	}
	ct_evaluate(d, pcur, d->n - ho, d->n, cur->threshold, &ecur, NULL, NULL);
	equity = json_array();
	ct_evaluate(d, pcand, d->n - ho, d->n, cur->threshold, &ecand, equity, &cum);
	/* The held-out rows are new to the candidate's update, but the
	 * current model may have trained on them: say how many, so the
	 * comparison (biased towards keeping the current model) can be read
	 * for what it is. */
	trained_to = json_integer_value(json_object_get(json_object_get(cur->config, "trained"),
	    "to_ms"));
	/* An updated model also carries what its ancestors trained on. */
	if (json_integer_value(json_object_get(cur->config, "seen_to_ms")) > trained_to)
		trained_to = json_integer_value(json_object_get(cur->config, "seen_to_ms"));
	for (size_t r = d->n - ho; r < d->n; r++)
		seen += d->t[r] <= trained_to;
	verdict = json_pack("{s:s, s:s, s:s, s:o, s:s, s:i, s:i, s:o, s:I, s:o, s:o}",
	    "event", "verdict", "symbol", tc->sym, "timeframe", tc->tf, "at", iso(ct_now_ms()), "method", method,
	    "rounds_before", rounds, "rounds_after", after,
	    "heldout", range(d, d->n - ho, d->n),
	    "heldout_rows_seen_by_current", (json_int_t)seen,
	    "current", ct_eval_json(&ecur), "candidate", ct_eval_json(&ecand));
	json_array_append_new(j->log, json_pack("{s:s, s:f, s:f, s:f}", "event", "compared",
	    "current_logloss", ecur.logloss, "candidate_logloss", ecand.logloss,
	    "elapsed_s", ct_mono_s() - j->t0));
	/* "Not worse": logloss on the newest held-out candles, which the
	 * update did not see. */
	if (!(ecand.logloss <= ecur.logloss)) {
		ct_warn("%s: incremental update not promoted: held-out logloss %.5f > current %.5f;"
		    " keeping %s", tc->sym, ecand.logloss, ecur.logloss, cur->dir);
		json_object_set_new(verdict, "promoted", json_false());
		rc = keep_current(j, cur->dir, verdict);
		json_decref(verdict);
		json_decref(equity);
		ct_mdir_abort(&j->md);
		goto out;
	}
	/* The update passed on candles it had not seen.  Like a fresh model,
	 * which is refitted on all data once the folds have scored the
	 * procedure, the promoted model is the same update run once more over
	 * every recent labelled candle, the held-out ones included: otherwise
	 * it would never learn the newest market. */
	XGBoosterFree(cand);
	cand = NULL;
	uhi = d->n;
	if (ct_booster_update(cur->booster, d, ulo, uhi, add, CT_INCR_ETA, &tc->o, &cand) != 0 ||
	    (after = ct_booster_rounds(cand)) < 0) {
		if (cand)
			ct_warn("xgboost: rounds: %s", XGBGetLastError());
		json_decref(verdict);
		json_decref(equity);
		goto out;
	}
	json_object_set_new(verdict, "promoted", json_true());
	json_object_set_new(verdict, "refit", range(d, ulo, uhi));
	json_array_append_new(j->log, verdict);
	folds = json_pack("[o]", ct_eval_json(&ecand));
	json_object_set_new(json_array_get(folds, 0), "val", range(d, d->n - ho, d->n));
	json_object_set_new(json_array_get(folds, 0), "heldout", json_true());
	metrics = metrics_json(j, folds, &ecand, equity);
	json_decref(equity);
	config = config_json(j, "incremental", after, max_rounds,
	    cur->threshold, json_string_value(json_object_get(cur->config, "threshold_source")) ?
	    json_string_value(json_object_get(cur->config, "threshold_source")) : "kept",
	    ulo, uhi, cand);
	json_object_set_new(config, "parent", json_string(strrchr(cur->dir, '/') ?
	    strrchr(cur->dir, '/') + 1 : cur->dir));
	json_object_set_new(config, "incremental_method", json_string(method));
	json_object_set_new(config, "seen_to_ms", json_integer(trained_to > d->t[uhi - 1] ?
	    trained_to : d->t[uhi - 1]));
	j->drift = ct_drift_carry(cur->dir, cand, d->x + ulo * d->nfeat, uhi - ulo, d->nfeat);
	rc = publish(j, cand, config, metrics, "incremental");
	json_decref(config);
	json_decref(metrics);
out:
	free(pcur);
	free(pcand);
	if (cand)
		XGBoosterFree(cand);
	return rc;
}

int
ct_train_coin(struct ct_traincoin *tc)
{
	struct job j;
	struct ct_model cur = { 0 };
	char curdir[CT_PATH_MAX];
	size_t rows;
	int rc = -1, have_cur = 0;

	memset(&j, 0, sizeof j);
	j.tc = tc;
	j.t0 = ct_mono_s();
	j.md.lockfd = -1;
	if ((j.tf_ms = ct_tf_ms(tc->tf)) <= 0) {
		ct_warn("%s: unknown timeframe", tc->tf);
		return 1;
	}
	ct_xgb_quiet();
	if (tc->incremental) {
		if (ct_model_current(curdir, sizeof curdir, tc->home, tc->sym) != 0) {
			if (errno != ENOENT) {
				ct_warn("%s/models/%s/current: %s", tc->home, tc->sym, strerror(errno));
				return 1;
			}
			ct_warn("%s: no current model; training a fresh one", tc->sym);
			tc->incremental = 0;
		} else {
			if (ct_model_load(&cur, curdir) != 0)
				return 1;
			have_cur = 1;
			if (strcmp(cur.timeframe, tc->tf) != 0) {
				ct_warn("%s: current model is for timeframe %s, not %s", curdir,
				    cur.timeframe, tc->tf);
				goto out;
			}
			/* The label is the model's: an update keeps its horizon. */
			tc->o.horizon = cur.horizon;
		}
	}
	rows = tc->lookback > 0 ? (size_t)tc->lookback : DEFAULT_LOOKBACK;
	if (tc->incremental && rows > CT_INCR_ROWS + ct_feat_warmup() + (size_t)tc->o.horizon)
		rows = CT_INCR_ROWS + ct_feat_warmup() + (size_t)tc->o.horizon;
	if (load_inputs(&j, rows) != 0)
		goto out;
	if ((j.log = json_array()) == NULL || ct_mdir_begin(&j.md, tc->home, tc->sym) != 0)
		goto out;
	/* The current model was read before the lock: a train-coin that held
	 * it may have published since, and updating the older model would
	 * replace that newer one. */
	if (have_cur && (ct_model_current(curdir, sizeof curdir, tc->home, tc->sym) != 0 ||
	    strcmp(curdir, cur.dir) != 0)) {
		ct_warn("%s: current model changed while this update was loading; not updating %s",
		    tc->sym, cur.dir);
		ct_mdir_abort(&j.md);
		goto out;
	}
	tc->o.log = j.log;
	tc->o.label = tc->sym;
	tc->o.t0 = j.t0;
	rc = tc->incremental ? incremental(&j, &cur) : fresh(&j);
	if (rc != 0)
		ct_mdir_abort(&j.md);
out:
	ct_mdir_end(&j.md);
	if (have_cur)
		ct_model_free(&cur);
	json_decref(j.log);
	json_decref(j.drift);
	ct_dataset_free(&j.d);
	ct_series_free(&j.s);
	return rc == 0 ? 0 : 1;
}
