/* tune.c — tune-coin: a checkpointed, parallel random search that cannot
 * fool itself (tune.h).
 *
 * Honesty rules: the search scores trials on folds 1..K-1 only; fold K's
 * validation block, the newest candles, is seen once, by the winner,
 * after the search ended (a search that looked at it would pick the draw
 * that flatters it).  That figure is reported as "held-out after search"
 * beside the search score, which is biased upwards by the choice itself.
 *
 * Order of work: inputs checked, the coin's search locked, the store
 * streamed into a mapped file (unlinked at once: a kill leaves nothing),
 * the records of an interrupted search of the same identity read back,
 * the fits left done by worker processes rung by rung, each recorded as
 * it returns; then the held-out fit and params.json. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <xgboost/c_api.h>

#include "checkpoint.h"
#include "cores.h"
#include "costs.h"
#include "dataset.h"
#include "merge.h"
#include "err.h"
#include "evlog.h"
#include "exitcode.h"
#include "features.h"
#include "halving.h"
#include "matrix.h"
#include "home.h"
#include "jsonfile.h"
#include "model.h"
#include "modeldir.h"
#include "parse.h"
#include "search.h"
#include "storescan.h"
#include "timefmt.h"
#include "trialrec.h"
#include "tune.h"
#include "tunepool.h"

#define DEFAULT_LOOKBACK 50000
#define SEARCH_FORMAT	4	/* bumped when a record's meaning changes (4: early stopping on the
				 * stepped rows) */
#define BIN_SETS	4	/* bin counts a worker keeps matrices for */
#define PIN_LATER_PCT	1	/* candles fetched since, resumed on the old ones */
#define KEEP_MAPPED	(32u << 20)	/* rows this small stay mapped */

struct trial {
	json_t *params;
	struct ct_train_opts o;	/* t->o with the trial's parameters */
	struct ct_trial_fold *f;	/* the search folds */
	int ahead;		/* its held-out fold trained ahead: AHEAD_* */
	double began;		/* when its fit in flight began, else 0 */
};

/* A held-out fold trained ahead of the winner's choice (ahead()). */
enum { AHEAD_NONE, AHEAD_RUNNING, AHEAD_ENDED };

struct search {
	struct ct_tune *t;
	struct ct_costs costs;
	struct ct_dataset d;
	size_t candles;
	char sha256[65];
	int64_t data_to;	/* open time of the newest candle read */
	int64_t pin;		/* an interrupted search's data_to, else CT_SCAN_ALL */
	size_t later;		/* candles after the pin, left for the next search */
	char store[CT_PATH_MAX], symdir[CT_PATH_MAX], dir[CT_PATH_MAX], work[CT_PATH_MAX];
	int lockfd;
	int nsf;		/* search folds: all but the newest */
	struct trial *tr;
	struct ct_halving h;	/* who trains which fold */
	size_t *rows;		/* training rows of each search fold */
	struct ct_fold *folds;	/* the walk-forward's folds */
	/* A worker's bins, one set per bin count (after the fork). */
	struct ct_bins *bins[BIN_SETS];
	/* Progress. */
	double t0, fold_s[64];
	int fold_n[64], fits, fits_resumed;
	int killed;		/* a worker was killed: exit CT_EXIT_TEMPFAIL */
	const char *evlog, *run;
};

static void
event(struct search *s, const char *name, json_t *fields)
{
	if (s->evlog == NULL) {
		json_decref(fields);
		return;
	}
	json_object_set_new(fields, "symbol", json_string(s->t->sym));
	if (ct_evlog(s->evlog, s->run, name, fields) != 0)
		ct_warn("%s: %s", s->evlog, strerror(errno));
}

/* A figure that may be undefined (AUC with one class): null in JSON. */
static json_t *
real(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* ---- the coin: inputs, lock, data ---- */

static int
lock_search(struct search *s)
{
	char path[CT_PATH_MAX];

	if (ct_mkdirs(s->dir, 0777) != 0 || ct_path(path, sizeof path, "%s/.lock", s->dir) != 0 ||
	    (s->lockfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666)) < 0) {
		ct_warn("%s: %s", s->dir, strerror(errno));
		return CT_EXIT_FAIL;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			ct_warn("%s: locked by another tune-coin", s->dir);
			return CT_EXIT_LOCKED;
		}
		ct_warn("%s: %s", path, strerror(errno));
		return CT_EXIT_FAIL;
	}
	return CT_EXIT_OK;
}

static int
load_data(struct search *s)
{
	struct ct_tune *t = s->t;
	struct ct_stream_info info;
	struct ct_gap_stats gaps;
	char file[CT_PATH_MAX], why[256];
	size_t rows = t->lookback > 0 ? (size_t)t->lookback : DEFAULT_LOOKBACK;
	int rc;

	if (ct_path(file, sizeof file, "%s/.rows.bin", s->dir) != 0) {
		ct_warn("%s/.rows.bin: %s", s->dir, strerror(errno));
		return -1;
	}
	/* Unlinked as soon as it is created: a kill leaves nothing. */
	rc = ct_dataset_stream(&s->d, s->store, rows, s->pin, t->o.horizon, ct_tf_ms(t->tf),
	    &s->costs, file, &info);
	if (rc != 0)
		return -1;
	t->o.row_step = t->row_step;
	t->o.row_step = ct_row_step(&t->o, s->d.n);
	/* Given back after each fit, the next fit mapped them again (page
	 * faults and TLB flushes, some 3% of a 40-trial search at 52000
	 * candles). */
	s->d.keep = s->d.maplen <= KEEP_MAPPED;
	s->candles = info.candles;
	/* As train-coin says them: the search learns across them too. */
	ct_dataset_gaps(&s->d, t->sym, "searched on", &gaps);
	snprintf(s->sha256, sizeof s->sha256, "%s", info.sha256);
	s->data_to = info.tail.n ? info.tail.c[info.tail.n - 1].t : 0;
	s->later = info.later;
	rc = info.tail.n >= ct_feat_warmup() + 4 &&
	    ct_feat_causal_check(&info.tail, ct_features, why, sizeof why) != 0;
	ct_series_free(&info.tail);
	if (rc) {
		ct_warn("features: %s", why);
		return -1;
	}
	return 0;
}

/* Fold ranges: the search folds' training rows (for the time left). */
static int
plan_folds(struct search *s)
{
	struct ct_tune *t = s->t;
	struct ct_fold *f = calloc((size_t)t->o.folds, sizeof *f);

	s->nsf = t->o.folds - 1;
	s->rows = calloc((size_t)t->o.folds, sizeof *s->rows);
	if (f == NULL || s->rows == NULL || ct_folds(s->d.n, t->o.folds, t->o.horizon, f) != 0) {
		ct_warn("%s: %zu labelled candles are too few for %d folds", t->sym, s->d.n, t->o.folds);
		free(f);
		return -1;
	}
	if (ct_folds_stepped(&s->d, &t->o, f, t->sym) != 0) {
		free(f);
		return -1;
	}
	for (int k = 0; k < t->o.folds; k++)
		s->rows[k] = f[k].train_hi - f[k].train_lo;
	s->folds = f;
	return 0;
}

/* Of every step-th row of [lo,hi) (ct_step_rows), those labelled 1. */
static size_t
ups(const struct ct_dataset *d, size_t lo, size_t hi, size_t step)
{
	size_t n = 0;

	for (size_t r = ct_step_first(d, lo, step); r < hi; r += step)
		n += d->y[r] > 0.5f;
	return n;
}

/* Every fold's training and validation candles hold both labels.  A
 * block where no return beats the costs (a constant price, a halted
 * market, a stablecoin), or every one does, gives every trial a logloss
 * near 0 and no AUC: nothing to rank trials by, and a "winner" that
 * would replace the coin's params.json.  0, or -1 (said). */
static int
check_labels(const struct search *s)
{
	static const char *const what[] = { "training", "validation" };
	size_t step = (size_t)s->t->o.row_step;

	for (int k = 0; k < s->t->o.folds; k++) {
		const struct ct_fold *f = &s->folds[k];
		size_t lo[2] = { f->train_lo, f->val_lo }, hi[2] = { f->train_hi, f->val_hi };

		/* The training candles its trials train on: every step-th. */
		for (int b = 0; b < 2; b++) {
			size_t st = b == 0 ? step : 1, n = ct_step_rows(&s->d, lo[b], hi[b], st);
			size_t up = ups(&s->d, lo[b], hi[b], st);

			if (up > 0 && up < n)
				continue;
			ct_warn("%s: fold %d%s: all %zu %s candles%s are labelled %d (%s return over %d"
			    " candles beats the round-trip cost): nothing to rank trials by; no search,"
			    " params.json left as it was", s->t->sym, k + 1,
			    k == s->nsf ? " (the held-out block)" : "", n, what[b],
			    st > 1 ? " trained on (every --row-step-th)" : "", up > 0,
			    up > 0 ? "every" : "no", s->t->o.horizon);
			return -1;
		}
	}
	return 0;
}

/* ---- trials and their records ---- */

static int
draw_trials(struct search *s)
{
	struct ct_tune *t = s->t;
	char why[256];

	if ((s->tr = calloc((size_t)t->trials, sizeof *s->tr)) == NULL ||
	    ct_halving_init(&s->h, t->trials, s->nsf, t->halving) != 0)
		return -1;
	for (int k = 0; k < t->trials; k++) {
		struct trial *tr = &s->tr[k];

		tr->params = ct_space_draw(t->space, t->seed, k);
		tr->f = calloc((size_t)s->nsf, sizeof *tr->f);
		tr->o = t->o;
		tr->o.progress = 0;
		tr->o.log = NULL;
		if (tr->params == NULL || tr->f == NULL ||
		    ct_params_set(&tr->o, tr->params, 0, why, sizeof why) != 0) {
			ct_warn("trial %d: %s", k, tr->params ? why : strerror(ENOMEM));
			return -1;
		}
	}
	return 0;
}

/* What a record must match to be resumed: the data, the space and seed,
 * every option that changes a fit, the versions of the code. */
static json_t *
identity(struct search *s)
{
	struct ct_tune *t = s->t;
	json_t *costs = ct_costs_json(&s->costs);
	char ver[32];

	/* The costs' figures, not where they were read: the same table named
	 * another way (./costs.csv), or a row moved, is the same search. */
	json_object_del(costs, "table");
	json_object_del(costs, "line");
	json_object_del(costs, "row");
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:i, s:i, s:i, s:i, s:i,"
	    " s:i, s:i, s:I, s:i, s:O, s:o}",
	    "format", SEARCH_FORMAT, "cointrain", CT_VERSION, "xgboost", ct_xgb_version(ver, sizeof ver),
	    "symbol", t->sym, "timeframe", t->tf, "store_sha256", s->sha256,
	    "candles", (json_int_t)s->candles, "data_to", (json_int_t)s->data_to,
	    "rows", (json_int_t)s->d.n,
	    "features", CT_FEAT_VERSION, "horizon", t->o.horizon, "folds", t->o.folds,
	    "rounds", t->o.rounds, "early_stop", t->o.early_stop, "row_step", t->o.row_step,
	    "threads", t->o.threads, "seed", (json_int_t)t->seed, "halving", t->halving < 2 ? 1 : t->halving,
	    "space", t->space, "costs", costs);
}

/* Trial k's file of the search's directory: trial-NNNN and suffix.
 * Its record is ".json"; "-folds" is its folds as train-coin checkpoints
 * them (ct_walkforward): predictions and best trees, which its next
 * chained fold starts from and the winner's held-out walk-forward
 * resumes. */
static int
trial_path(const struct search *s, int k, const char *suffix, char *buf, size_t n)
{
	if (ct_path(buf, n, "%s/trial-%04d%s", s->dir, k, suffix) == 0)
		return 0;
	ct_warn("%s/trial-%04d%s: %s", s->dir, k, suffix, strerror(errno));
	return -1;
}

/* Open trial k's folds directory as c; its path in dir. */
static int
folds_open(const struct search *s, int k, struct ct_ckpt *c, char dir[CT_PATH_MAX])
{
	json_t *id;
	int rc;

	if (trial_path(s, k, "-folds", dir, CT_PATH_MAX) != 0)
		return -1;
	id = json_pack("{s:i, s:O}", "trial", k, "params", s->tr[k].params);
	rc = id ? ct_ckpt_open(c, dir, id) : -1;
	json_decref(id);
	return rc;
}

static int
save_trial(const struct search *s, int k)
{
	const struct trial *tr = &s->tr[k];
	char path[CT_PATH_MAX];
	json_t *folds = json_array(), *j;
	int rc;

	if (trial_path(s, k, ".json", path, sizeof path) != 0)
		return -1;
	for (int f = 0; f < s->nsf; f++)
		json_array_append_new(folds, !tr->f[f].done ? json_null() :
		    ct_trial_fold_json(&tr->f[f], (size_t)f));
	j = json_pack("{s:i, s:O, s:o}", "trial", k, "params", tr->params, "folds", folds);
	rc = ct_json_save(path, j, CT_TRIAL_JSON_FLAGS);
	json_decref(j);
	return rc;
}

/* Trial k's record, when there is one for the same draw: its folds are
 * done.  A record that does not parse, or is not of this draw, is a fit
 * to do again, said; so is a fold whose figures this search could not
 * have written, and the folds after it (it said which trials went on). */
static void
load_trial(struct search *s, int k)
{
	struct trial *tr = &s->tr[k];
	char path[CT_PATH_MAX], err[CT_PATH_MAX + 256];
	json_t *j, *fj;
	size_t i;
	int missing;

	if (trial_path(s, k, ".json", path, sizeof path) != 0)
		return;
	if ((j = ct_json_read(path, JSON_REJECT_DUPLICATES, &missing, err, sizeof err)) == NULL) {
		if (!missing)
			ct_warn("%s; trained again", err);
		return;
	}
	if (!json_equal(json_object_get(j, "params"), tr->params) ||
	    json_array_size(json_object_get(j, "folds")) != (size_t)s->nsf) {
		ct_warn("%s: not a record of trial %d's draw; trained again", path, k);
		json_decref(j);
		return;
	}
	json_array_foreach(json_object_get(j, "folds"), i, fj) {
		struct ct_trial_fold *f = &tr->f[i];
		const char *why;

		if (json_is_null(fj))
			break;
		if ((why = ct_trial_fold_read(fj, i, f)) != NULL) {
			ct_warn("%s: fold %zu: %s; trained again", path, i + 1, why);
			break;
		}
		ct_halving_record(&s->h, k, (int)i, f->logloss);
		s->fits_resumed++;
		s->fold_s[i] += f->seconds;
		s->fold_n[i]++;
	}
	json_decref(j);
}

/* Why records of identity old are not this search's (identity id). */
static const char *
differs(const json_t *old, const json_t *id)
{
	/* Options before the candles: another --horizon changes the rows
	 * too, and is the reason. */
	static const char *const why[][2] = {
		{ "timeframe", "a search of another timeframe" },
		{ "horizon", "another --horizon" }, { "folds", "other --folds" },
		{ "rounds", "other --rounds" }, { "seed", "another --seed" },
		{ "halving", "another --halving" }, { "space", "another search space" },
		{ "cointrain", "another version of cointrain" }, { "xgboost", "another XGBoost" },
		{ "format", "another version of cointrain" }, { "features", "other features" },
		{ "store_sha256", "the candles changed" }, { "candles", "the candles changed" },
		{ "data_to", "the candles changed" }, { "rows", "the candles changed" },
		/* After the candles too: the default step goes with the rows. */
		{ "row_step", "another --row-step" },
		/* After the candles: a spread estimated from them changes with
		 * them. */
		{ "costs", "other costs" },
	};

	if (!json_is_integer(json_object_get(old, "format")))
		return "a damaged identity.json";
	for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
		if (!json_equal(json_object_get(old, why[i][0]), json_object_get(id, why[i][0])))
			return why[i][1];
	return "other options";
}

/* Remove the trial records of the search's directory; how many there
 * were (their .json files). */
static int
drop_records(struct search *s)
{
	char path[CT_PATH_MAX];
	DIR *dp = opendir(s->dir);
	struct dirent *e;
	int n = 0;

	/* Also what a kill left of a removal (".trial-*-gone"). */
	while (dp && (e = readdir(dp)) != NULL)
		if ((strncmp(e->d_name, "trial-", 6) == 0 || strncmp(e->d_name, ".trial-", 7) == 0) &&
		    ct_path(path, sizeof path, "%s/%s", s->dir, e->d_name) == 0) {
			n += e->d_name[0] != '.' && strstr(e->d_name, ".json") != NULL;
			ct_rmtree(path);
		}
	if (dp)
		closedir(dp);
	return n;
}

/* Whether identity old (as read from identity.json, finished or not) is
 * id's. */
static int
same_search(const json_t *old, const json_t *id)
{
	json_t *o = old ? json_deep_copy(old) : NULL;
	int same;

	json_object_del(o, "finished");
	same = o && json_equal(o, id);
	json_decref(o);
	return same;
}

/* The identity.json of the search's directory, else NULL with *why
 * saying there is none or it does not parse (said). */
static json_t *
read_identity(const struct search *s, const char **why)
{
	char path[CT_PATH_MAX], err[CT_PATH_MAX + 256];
	json_t *id = NULL;
	int missing = 1;

	if (ct_path(path, sizeof path, "%s/identity.json", s->dir) == 0 &&
	    (id = ct_json_read(path, 0, &missing, err, sizeof err)) == NULL && !missing)
		ct_warn("%s", err);
	*why = missing ? "no identity.json" : "a damaged identity.json";
	/* A search from before identity.json recorded --halving ran with
	 * the default, 2. */
	if (json_is_object(id) && json_object_get(id, "halving") == NULL)
		json_object_set_new(id, "halving", json_integer(2));
	/* One from before --row-step trained on every row. */
	if (json_is_object(id) && json_object_get(id, "row_step") == NULL)
		json_object_set_new(id, "row_step", json_integer(1));
	return id;
}

/* Save the search's identity, finished or not.  0 or -1 (printed). */
static int
save_identity(const struct search *s, int finished)
{
	char path[CT_PATH_MAX];
	json_t *id = identity((struct search *)s);
	int rc;

	if (finished)
		json_object_set_new(id, "finished", json_true());
	rc = ct_path(path, sizeof path, "%s/identity.json", s->dir) == 0 ?
	    ct_json_save(path, id, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) : -1;
	if (rc != 0)
		ct_warn("%s/identity.json: %s", s->dir, strerror(errno));
	json_decref(id);
	return rc;
}

/* The records of this search's identity (old: identity.json's), else
 * none: a search of other data, space or options starts over, and says
 * so when it drops records (an event; a line with --progress). */
static int
open_records(struct search *s, const json_t *old, const char *none)
{
	json_t *id = identity(s);
	int n;

	if (same_search(old, id)) {
		json_decref(id);
		for (int k = 0; k < s->t->trials; k++)
			load_trial(s, k);
		return 0;
	}
	if ((n = drop_records(s)) > 0) {
		const char *why = old ? differs(old, id) : none;

		event(s, "records_discarded", json_pack("{s:i, s:s}", "trials", n, "reason", why));
		ct_warn("%s: starting over: %d trial record%s of an earlier search discarded (%s)",
		    s->t->sym, n, n == 1 ? "" : "s", why);
	}
	json_decref(id);
	return save_identity(s, 0);
}

/* ---- scores ---- */

static double
score(const struct search *s, int k, int n)
{
	return ct_halving_score(&s->h, k, n);
}

static double
mean_auc(const struct search *s, int k, int n)
{
	double a = 0;

	for (int f = 0; f < n; f++)
		a += s->tr[k].f[f].auc;
	return a / n;
}

/* ---- the workers ---- */

/* In a worker: the bins of o's bin count, with the matrices built so
 * far (the default space has 4 bin counts); past BIN_SETS, the oldest
 * set makes room.  Each set keeps a BIN_SETS-th of the rows a worker may
 * hold in memory, so a worker's memory is bounded at any lookback.  NULL
 * on error. */
static struct ct_bins *
worker_bins(struct search *s, const struct ct_train_opts *o)
{
	int i;

	for (i = 0; i < BIN_SETS && s->bins[i]; i++)
		if (ct_bins_max_bin(s->bins[i]) == o->max_bin)
			return s->bins[i];
	if (i == BIN_SETS) {
		ct_bins_free(s->bins[0]);
		memmove(s->bins, s->bins + 1, (BIN_SETS - 1) * sizeof *s->bins);
		i = BIN_SETS - 1;
	}
	return s->bins[i] = ct_bins_new(&s->d, o->incore_rows / BIN_SETS, o);
}

/* One fold of one trial, recorded in the trial's folds directory
 * (folds_open) before the parent records the fit: a fit on record has
 * it.  A chained fold (ct_fold_chained: long lookbacks) starts from the
 * trees the fold before left there.  0 or -1. */
static int
chain_fit(struct search *s, const struct ct_fit *f, struct ct_train_opts *o,
    struct ct_fold *fo)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX];
	struct ct_ckpt ck;
	void *start = NULL;
	int rc;

	if (folds_open(s, f->trial, &ck, dir) != 0)
		return -1;
	if (ct_fold_chained(o, s->folds, f->fold) &&
	    (ct_path(path, sizeof path, "%s/fold-%d.ubj", dir, f->fold) != 0 ||
	    (start = ct_booster_load(path)) == NULL))
		return -1;
	o->ckpt = &ck;
	rc = ct_fold_score(&s->d, o, f->fold, start, fo, NULL);
	o->ckpt = NULL;
	ct_booster_free(start);
	return rc;
}

/* In a worker: one fold of one trial. */
static void
fit(void *arg, const struct ct_fit *f, struct ct_fit_result *r)
{
	struct search *s = arg;
	struct ct_train_opts o = s->tr[f->trial].o;
	struct ct_fold fo;
	double t0 = ct_mono_s();
	char dir[CT_PATH_MAX];

	ct_xgb_quiet();
	/* Windows past the memory budget go to external memory, pages in
	 * the worker's own directory (removed with the search's). */
	if (ct_path(dir, sizeof dir, "%s/w%ld", s->work, (long)getpid()) != 0 ||
	    ct_mkdirs(dir, 0777) != 0) {
		ct_warn("%s: %s", dir, strerror(errno));
		return;
	}
	o.cache_dir = dir;
	o.incore_rows = ct_incore_rows(CT_MEMORY_MB);
	if ((o.bins = worker_bins(s, &o)) == NULL || chain_fit(s, f, &o, &fo) != 0)
		return;
	r->status = 0;
	/* A held-out fold trained ahead: its figures stay in its
	 * checkpoint, which only the winner's walk-forward reads. */
	if (f->fold == s->nsf)
		return;
	r->best_rounds = fo.best_rounds;
	r->trained = fo.trained;
	r->logloss = fo.ev.logloss;
	r->auc = fo.ev.auc;
	r->seconds = ct_mono_s() - t0;
}

/* The likely longest fits first (deep trees, small learning rates: many
 * rounds), so that the last fits do not keep the others waiting. */
static double
cost(const struct trial *tr)
{
	return tr->o.max_depth / tr->o.eta;
}

/* The trial whose fit goes next, -1 when none can: the furthest rung
 * first (its fits are the longest, and the last rung ends the search),
 * then the likely longest. */
static int
pick(const struct search *s, const char *busy)
{
	int best = -1, best_r = -1;

	for (int k = 0; k < s->t->trials; k++) {
		int r = busy[k] ? -1 : ct_halving_next(&s->h, k);

		if (r > best_r || (r == best_r && r >= 0 && cost(&s->tr[k]) > cost(&s->tr[best])))
			best = k, best_r = r;
	}
	return best_r >= 0 ? best : -1;
}

/* Seconds trial k's fit of fold f will take: its own time on the fold
 * before, scaled by rows (deep trees and small learning rates take
 * longer on every fold), else the mean of fold f so far. */
static double
fit_cost(const struct search *s, int k, int f, double mean)
{
	const struct ct_trial_fold *p = f > 0 ? &s->tr[k].f[f - 1] : NULL;

	return p && p->done ? p->seconds * (double)s->rows[f] / (double)s->rows[f - 1] : mean;
}

/* Seconds of work the search fits left would take, those in flight less
 * the time they have run: each known one at fit_cost(), the others at
 * their fold's mean so far, else scaled by its rows from a fold that has
 * a mean. */
static double
work_left(const struct search *s)
{
	double per_row = 0, left = 0, now = ct_mono_s();

	for (int f = 0; f < s->nsf; f++)
		if (s->fold_n[f] > 0 && per_row == 0)
			per_row = s->fold_s[f] / s->fold_n[f] / (double)s->rows[f];
	for (int f = 0; f < s->nsf; f++) {
		double mean = s->fold_n[f] ? s->fold_s[f] / s->fold_n[f] : per_row * (double)s->rows[f];
		int members = 0;

		for (int k = 0; k < s->t->trials; k++) {
			const struct trial *tr = &s->tr[k];
			double c;

			if (s->h.level[k] < f)
				continue;
			members++;
			if (tr->f[f].done)
				continue;
			c = fit_cost(s, k, f, mean);
			if (tr->began > 0 && ct_halving_next(&s->h, k) == f)
				c = c > now - tr->began ? c - (now - tr->began) : 0;
			left += c;
		}
		left += (s->h.size[f] - members) * mean;
	}
	return left;
}

/* The best trial on folds 0..r so far, -1 if none. */
static int
best_so_far(const struct search *s, int r)
{
	int best = -1;

	for (int k = 0; k < s->t->trials; k++)
		if (s->tr[k].f[r].done && (best < 0 || score(s, k, r + 1) < score(s, best, r + 1)))
			best = k;
	return best;
}

/* Seconds left, the work spread over the jobs: the search fits and the
 * held-out fit of the trial leading the last fold, unless it has ended. */
static double
eta(const struct search *s)
{
	int k = best_so_far(s, s->nsf - 1);
	double held = k >= 0 && s->tr[k].ahead != AHEAD_ENDED ? fit_cost(s, k, s->nsf, 0) : 0;

	return (work_left(s) + held) / s->t->jobs;
}

static void
progress(struct search *s, const struct ct_fit_result *r)
{
	int best = best_so_far(s, r->fold);

	if (!s->t->o.progress)
		return;
	fprintf(stderr, "%s: %s: trial %d fold %d/%d: logloss %.5f, AUC %.4f, %d rounds"
	    " (best so far: trial %d, %.5f), ETA %.0fs\n", ct_prog, s->t->sym, r->trial,
	    r->fold + 1, s->nsf, r->logloss, r->auc, r->best_rounds, best,
	    score(s, best, r->fold + 1), eta(s));
}

/* A fit returned: recorded at once. */
static int
record(struct search *s, const struct ct_fit_result *r)
{
	struct ct_trial_fold *f = &s->tr[r->trial].f[r->fold];

	if (r->status != 0) {
		ct_warn("%s: trial %d fold %d failed", s->t->sym, r->trial, r->fold + 1);
		return -1;
	}
	*f = (struct ct_trial_fold){ .done = 1, .best = r->best_rounds, .trained = r->trained,
	    .logloss = r->logloss, .auc = r->auc, .seconds = r->seconds };
	s->fold_s[r->fold] += r->seconds;
	s->fold_n[r->fold]++;
	s->fits++;
	ct_halving_record(&s->h, r->trial, r->fold, r->logloss);
	if (save_trial(s, r->trial) != 0)
		return -1;
	progress(s, r);
	return 0;
}

/* The held-out fit of the trial leading the last rung is trained ahead
 * of the winner's choice.  The winner is certain only when the last fit
 * has ended, and its held-out fit, the longest of all (the most rows),
 * would then run alone while the other workers wait.  So it starts once
 * the other workers have only as much search work left as it will take
 * (fit_cost()), or at once when a worker would be idle.  If another
 * trial takes the lead after all, that work is lost, and the new
 * leader's starts when a worker is free.  What such a fit scored stays
 * in its checkpoint, which only the winner's walk-forward (finish())
 * reads: no other trial's held-out figure reaches the search.  Each
 * trial's at most once; a second one at a time only when a worker would
 * be idle.  1 when a fit was submitted, 0 when none was due, -1 on
 * error. */
static int
ahead(struct search *s, struct ct_pool *pool, int idle, int early)
{
	int k = best_so_far(s, s->nsf - 1);
	struct ct_fit f1 = { .trial = k, .fold = s->nsf };

	if (k < 0 || pool->n == 0 || s->tr[k].ahead != AHEAD_NONE)
		return 0;
	if (!idle && (early > 0 || work_left(s) > (s->t->jobs - 1) * fit_cost(s, k, s->nsf, 0)))
		return 0;
	if (ct_pool_submit(pool, &f1) != 0)
		return -1;
	s->tr[k].ahead = AHEAD_RUNNING;
	if (s->t->o.progress)
		fprintf(stderr, "%s: %s: trial %d leads fold %d: its held-out fold trains ahead"
		    " (read only if it wins)\n", ct_prog, s->t->sym, k, s->nsf);
	return 1;
}

/* The search is over when no search fit is left, and the winner's
 * held-out fit is not running ahead. */
static int
over(const struct search *s, int inflight)
{
	int win = ct_halving_winner(&s->h);

	return inflight == 0 && (win < 0 || s->tr[win].ahead != AHEAD_RUNNING);
}

/* Every fold of every trial that goes that far, with no barrier between
 * the rungs (halving.h): the workers (started on first need) are kept
 * busy while a fit is waiting, with one more queued so that a worker
 * does not wait for the record of the last, and a held-out fold is
 * trained ahead.  busy[k]: trial k has a search fit in flight.  On
 * return, the pool may still run held-out fits that nothing waits for. */
static int
fits_run(struct search *s, struct ct_pool *pool, char *busy)
{
	int inflight = 0, early = 0, reported = 0, k, n;

	for (;;) {
		struct ct_fit_result r;

		/* Before the fits queued below, when it is due. */
		if ((n = ahead(s, pool, pick(s, busy) < 0 && inflight + early < s->t->jobs,
		    early)) != 0) {
			if (n < 0)
				return -1;
			early++;
		}
		while (inflight <= s->t->jobs && (k = pick(s, busy)) >= 0) {
			struct ct_fit fit1 = { .trial = k, .fold = ct_halving_next(&s->h, k) };

			pool->label = s->t->sym;
			if ((pool->n == 0 && ct_pool_start(pool, s->t->jobs, fit, s) != 0) ||
			    ct_pool_submit(pool, &fit1) != 0)
				return -1;
			busy[k] = 1;
			s->tr[k].began = ct_mono_s();
			inflight++;
		}
		for (; reported < s->nsf && ct_halving_rung_done(&s->h, reported); reported++)
			event(s, "tune_fold_done", json_pack("{s:i, s:i}", "fold", reported + 1,
			    "trials", s->h.size[reported]));
		if (over(s, inflight))
			return 0;
		if (ct_pool_next(pool, &r) != 0)
			return -1;
		if (r.fold == s->nsf) {
			/* A failed one is trained again by finish(). */
			s->tr[r.trial].ahead = AHEAD_ENDED;
			early--;
			continue;
		}
		if (record(s, &r) != 0)
			return -1;
		busy[r.trial] = 0;
		s->tr[r.trial].began = 0;
		inflight--;
	}
}

/* Every rung; the winner's index, or -1. */
static int
search_run(struct search *s, int *cut)
{
	struct ct_pool pool = { .task_w = -1, .res_r = -1 };
	char *busy = calloc((size_t)s->t->trials, 1);
	int win = -1;

	if (busy == NULL || fits_run(s, &pool, busy) != 0) {
		/* Killed from outside (the OOM killer): worth a retry, which
		 * resumes from the records. */
		if (pool.killed) {
			ct_warn("%s: a worker was killed; the fits done are kept, and a run with the"
			    " same arguments resumes them", s->t->sym);
			s->killed = 1;
		}
		ct_pool_stop(&pool, 1);
		free(busy);
		return -1;
	}
	/* Held-out fits ahead for trials that did not win: not needed. */
	ct_pool_stop(&pool, pool.pending > 0);
	if ((win = ct_halving_winner(&s->h)) < 0)
		ct_warn("%s: the search ended without a winner", s->t->sym);
	*cut = s->t->trials - s->h.size[s->nsf - 1];
	free(busy);
	return win;
}

/* ---- the result ---- */

/* The noise the held-out block's mean net must beat (ct_net_2se). */
static double
heldout_2se(const struct search *s, const struct ct_wf *w)
{
	const struct ct_fold *f = &w->f[w->nfolds - 1];

	return ct_net_2se(&s->d, f->val_lo, f->val_hi, f->ev.trades);
}

static json_t *
heldout_json(const struct search *s, const struct ct_wf *w)
{
	const struct ct_fold *f = &w->f[w->nfolds - 1];
	const struct ct_eval *e = &f->ev;
	json_t *j = ct_eval_json(e);

	json_object_set_new(j, "fold", json_integer(w->nfolds));
	json_object_set_new(j, "from", ct_iso8601_json(s->d.t[f->val_lo]));
	json_object_set_new(j, "to", ct_iso8601_json(s->d.t[f->val_hi - 1]));
	json_object_set_new(j, "rows", json_pack("[I,I]", (json_int_t)f->val_lo,
	    (json_int_t)f->val_hi));
	json_object_set_new(j, "best_rounds", json_integer(f->best_rounds));
	json_object_set_new(j, "net_bps_2se", json_real(heldout_2se(s, w)));
	json_object_set_new(j, "beyond_noise", json_boolean(ct_beyond_noise(e->trades, e->net_bps,
	    heldout_2se(s, w))));
	return j;
}

static json_t *
search_json(const struct search *s, int k, int folds)
{
	json_t *per = json_array();

	for (int f = 0; f < folds; f++)
		json_array_append_new(per, json_pack("{s:i, s:o, s:o, s:i}", "fold", f + 1,
		    "logloss", real(s->tr[k].f[f].logloss), "auc", real(s->tr[k].f[f].auc),
		    "best_rounds", s->tr[k].f[f].best));
	return json_pack("{s:i, s:i, s:o, s:o, s:o}", "trial", k, "folds", folds,
	    "logloss", real(score(s, k, folds)), "auc", real(mean_auc(s, k, folds)), "per_fold", per);
}

/* Folds trial k trained in a row from the first (trial 0, the
 * defaults, may have been cut). */
static int
folds_done(const struct search *s, int k)
{
	int n = 0;

	while (n < s->nsf && s->tr[k].f[n].done)
		n++;
	return n;
}

/* Trial 0's search score beside the winner's on the very folds trial 0
 * trained: halving may have cut it after fold 1, and the winner's mean
 * over all the search folds is no measure of what tuning gained. */
static json_t *
default_json(const struct search *s, int win)
{
	int n = folds_done(s, 0);
	json_t *j = search_json(s, 0, n);

	json_object_set_new(j, "winner_logloss", real(score(s, win, n)));
	json_object_set_new(j, "winner_auc", real(mean_auc(s, win, n)));
	json_object_set_new(j, "logloss_gained", real(score(s, 0, n) - score(s, win, n)));
	return j;
}

static json_t *
params_json(struct search *s, int win, int cut, const struct ct_wf *w)
{
	struct ct_tune *t = s->t;
	char ver[32];

	return json_pack("{s:s, s:s, s:O, s:o, s:o, s:o, s:s, s:I, s:O, s:i, s:i, s:i, s:i,"
	    " s:i, s:i, s:i, s:i, s:{s:o, s:o, s:I, s:I, s:s}, s:o, s:f, s:s, s:s}",
	    "symbol", t->sym, "timeframe", t->tf, "params", s->tr[win].params,
	    "search", search_json(s, win, s->nsf), "heldout", heldout_json(s, w),
	    "default", default_json(s, win),
	    "score", "mean logloss of the validation blocks of folds 1 to K-1; "
	    "the held-out block (fold K) seen only by the winner, after the search",
	    "seed", (json_int_t)t->seed, "space", t->space, "trials", t->trials,
	    "trials_cut", cut, "halving", t->halving < 2 ? 1 : t->halving,
	    "horizon", t->o.horizon, "folds", t->o.folds, "rounds_max", t->o.rounds,
	    "early_stop", t->o.early_stop, "row_step", t->o.row_step,
	    "data", "from", ct_iso8601_json(s->d.t[0]), "to", ct_iso8601_json(s->d.t[s->d.n - 1]),
	    "candles", (json_int_t)s->candles, "rows", (json_int_t)s->d.n, "store_sha256", s->sha256,
	    "created", ct_iso8601_json(ct_now_ms()), "seconds", ct_mono_s() - s->t0,
	    "cointrain_version", CT_VERSION, "xgboost_version", ct_xgb_version(ver, sizeof ver));
}

static void
summary(const struct search *s, int win, int cut, const struct ct_wf *w)
{
	const struct ct_eval *h = &w->f[w->nfolds - 1].ev;
	char folds[32], dfolds[32], net[128];
	int n0 = folds_done(s, 0);
	double se = heldout_2se(s, w);

	if (!s->t->o.progress)
		return;
	snprintf(folds, sizeof folds, s->nsf > 1 ? "folds 1-%d" : "fold %d", s->nsf);
	snprintf(dfolds, sizeof dfolds, n0 > 1 ? "folds 1-%d" : "fold %d", n0);
	if (h->trades == 0)
		snprintf(net, sizeof net, "no trades");
	else if (h->trades < CT_MIN_TRADES)
		snprintf(net, sizeof net, "%ld trades, net %.1f bps/trade, not beyond noise (fewer "
		    "than %d trades; 2 s.e. %.1f)", h->trades, h->net_bps, CT_MIN_TRADES, se);
	else
		snprintf(net, sizeof net, "%ld trades, net %.1f bps/trade, %s (2 s.e. %.1f)", h->trades,
		    h->net_bps, ct_beyond_noise(h->trades, h->net_bps, se) ? "beyond noise" :
		    "not beyond noise", se);
	fprintf(stderr, "%s: %s: %d trials (%d cut early), %d fits (%d resumed); winner trial %d: "
	    "search logloss %.5f, AUC %.4f (%s); the defaults' logloss %.5f against the winner's "
	    "%.5f (%s); held-out after search: AUC %.4f, logloss %.5f, %s (fold %d)\n", ct_prog,
	    s->t->sym, s->t->trials, cut, s->fits + s->fits_resumed, s->fits_resumed, win,
	    score(s, win, s->nsf), mean_auc(s, win, s->nsf), folds, score(s, 0, n0),
	    score(s, win, n0), dfolds, h->auc, h->logloss, net, w->nfolds);
}

/* A trial's folds directory (trial-NNNN-folds), or what a kill left of
 * its removal when its checkpoint was replaced (.trial-NNNN-folds-gone). */
static int
is_folds(const char *name)
{
	size_t n = strlen(name);

	return (strncmp(name, "trial-", 6) == 0 && n > 12 && strcmp(name + n - 6, "-folds") == 0) ||
	    (strncmp(name, ".trial-", 7) == 0 && n > 18 && strcmp(name + n - 11, "-folds-gone") == 0);
}

/* The trials' folds directories: only the search needs them.  Every one
 * in the directory, those of trials past --trials too (an earlier search
 * of more trials, killed, left them). */
static void
drop_folds(const struct search *s)
{
	char path[CT_PATH_MAX];
	DIR *dp = opendir(s->dir);
	struct dirent *e;

	while (dp && (e = readdir(dp)) != NULL)
		if (is_folds(e->d_name) && ct_path(path, sizeof path, "%s/%s", s->dir, e->d_name) == 0)
			ct_rmtree(path);
	if (dp)
		closedir(dp);
}

/* The winner's walk-forward over every fold: fold K is the held-out
 * block, its threshold chosen on the earlier folds as train-coin does. */
static int
finish(struct search *s, int win, int cut)
{
	struct ct_train_opts o = s->tr[win].o;
	struct ct_ckpt ck;
	struct ct_wf w;
	char path[CT_PATH_MAX];
	json_t *j;
	int rc;

	o.cache_dir = s->work;
	o.incore_rows = ct_incore_rows(CT_MEMORY_MB);
	/* A trial's threads, not every job's: on a coin's rows the threads'
	 * overhead outweighs their help (52000 5m candles, 4 folds of depth
	 * 2: 1.4 s with one thread, 2.0 s with two; the same figures). */
	if (s->t->o.progress)
		fprintf(stderr, "%s: %s: scoring trial %d once on the held-out block\n", ct_prog,
		    s->t->sym, win);
	if (ct_mkdirs(s->work, 0777) != 0) {
		ct_warn("%s: %s", s->work, strerror(errno));
		return -1;
	}
	/* The search trained the winner's earlier folds: they are resumed,
	 * only the held-out fold is trained. */
	if (folds_open(s, win, &ck, path) != 0)
		return -1;
	o.ckpt = &ck;
	rc = ct_walkforward(&s->d, &o, &w);
	ct_rmtree(s->work);
	drop_folds(s);
	if (rc != 0)
		return -1;
	j = params_json(s, win, cut, &w);
	/* Ten digits: the draws read as drawn (0.8, not 0.80000000000000004). */
	rc = ct_path(path, sizeof path, "%s/params.json", s->symdir) != 0 ? -1 :
	    ct_json_save(path, j, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
	/* A search run again on the same candles re-reads its records; one
	 * on newer candles starts over (pin_of). */
	if (rc == 0)
		save_identity(s, 1);
	if (rc == 0) {
		const struct ct_eval *h = &w.f[w.nfolds - 1].ev;

		event(s, "tune_done", json_pack("{s:i, s:o, s:o, s:o, s:I, s:o, s:o, s:b, s:s}",
		    "winner", win, "search_logloss", real(score(s, win, s->nsf)),
		    "search_auc", real(mean_auc(s, win, s->nsf)), "heldout_auc", real(h->auc),
		    "heldout_trades", (json_int_t)h->trades,
		    "heldout_net_bps", h->trades ? real(h->net_bps) : json_null(),
		    "heldout_net_bps_2se", real(heldout_2se(s, &w)),
		    "heldout_beyond_noise", ct_beyond_noise(h->trades, h->net_bps, heldout_2se(s, &w)),
		    "params", path));
		summary(s, win, cut, &w);
		printf("%s\n", path);
	}
	json_decref(j);
	ct_wf_free(&w);
	return rc;
}

/* ---- the job ---- */

/* The candles an interrupted search (identity.json not finished) began
 * on: its data_to; else CT_SCAN_ALL. */
static int64_t
pin_of(const json_t *old)
{
	json_t *to = json_object_get(old, "data_to");

	if (old == NULL || json_is_true(json_object_get(old, "finished")) || !json_is_integer(to))
		return CT_SCAN_ALL;
	return json_integer_value(to);
}

/* Load the coin's rows.  An interrupted search (old: its identity)
 * resumes on the candles it began with, while those fetched since are
 * few (at most PIN_LATER_PCT % of those it reads: the hourly cycle's
 * while a search was paused); else the search is of the store as it
 * is, and open_records starts it over. */
static int
load_pinned(struct search *s, const json_t *old)
{
	struct ct_costs c0 = s->costs;
	json_t *id;
	char when[CT_ISO_LEN];
	int same, rc;

	if ((s->pin = pin_of(old)) == CT_SCAN_ALL)
		return load_data(s);
	/* What a pinned load finds wrong is said only if it is the search's. */
	ct_warn_hold();
	rc = load_data(s);
	id = rc == 0 && s->d.n ? identity(s) : NULL;
	same = id && same_search(old, id) && s->later * 100 <= s->candles * PIN_LATER_PCT;
	json_decref(id);
	ct_warn_release(same);
	if (same) {
		if (s->later > 0) {
			ct_iso8601(s->data_to, when);
			ct_warn("%s: resuming the search on the candles it began with (to %s); the %zu "
			    "fetched since are left for the next search", s->t->sym, when, s->later);
			event(s, "search_pinned", json_pack("{s:s, s:I}", "data_to", when,
			    "later", (json_int_t)s->later));
		}
		return 0;
	}
	ct_dataset_free(&s->d);
	s->costs = c0;
	s->pin = CT_SCAN_ALL;
	return load_data(s);
}

static int
prepare(struct search *s)
{
	struct ct_tune *t = s->t;
	char path[CT_PATH_MAX];
	const char *none;
	json_t *old;
	int rc;

	if (ct_costs_load(ct_costs_path(t->costs, path, sizeof path), t->sym, &s->costs) != 0)
		return CT_EXIT_FAIL;
	if (ct_store_path(s->store, sizeof s->store, t->home, t->sym, t->tf) != 0 ||
	    ct_path(s->symdir, sizeof s->symdir, "%s/models/%s", t->home, t->sym) != 0 ||
	    ct_path(s->dir, sizeof s->dir, "%s/search", s->symdir) != 0 ||
	    ct_path(s->work, sizeof s->work, "%s/.work", s->dir) != 0) {
		ct_warn("%s: %s", t->sym, strerror(errno));
		return CT_EXIT_FAIL;
	}
	if (access(s->store, F_OK) != 0) {
		ct_warn("%s: %s (fetch candles first: fetch-candles --symbol %s --timeframe %s)",
		    s->store, strerror(errno), t->sym, t->tf);
		return CT_EXIT_FAIL;
	}
	if ((rc = lock_search(s)) != CT_EXIT_OK)
		return rc;
	/* What a killed search left: its external-memory pages. */
	ct_rmtree(s->work);
	old = read_identity(s, &none);
	rc = load_pinned(s, old) != 0 || plan_folds(s) != 0 || check_labels(s) != 0 ||
	    draw_trials(s) != 0 || open_records(s, old, none) != 0 ? CT_EXIT_FAIL : CT_EXIT_OK;
	json_decref(old);
	return rc;
}

int
ct_tune_cores(struct ct_tune *t, int jobs, int threads, long avail)
{
	long cores = ct_cores(), limit;

	/* run-batch's share (COINTRAIN_THREADS) is never more than here,
	 * and bounds the fits as the cores do: other coins' workers have
	 * the rest. */
	if (avail > cores)
		avail = cores;
	limit = avail > 0 ? avail : cores;
	if (avail < 1)
		avail = cores - (cores / 8 > 1 ? cores / 8 : 1);
	if (avail < 1)
		avail = 1;
	t->o.threads = threads ? threads : 1;
	t->jobs = jobs ? jobs : (int)(avail / t->o.threads > 1 ? avail / t->o.threads : 1);
	if ((long)t->jobs * t->o.threads > limit) {
		ct_warn("--jobs %d x --threads %d: more than the %ld cores%s", t->jobs, t->o.threads,
		    limit, limit < cores ? " this coin has (COINTRAIN_THREADS)" : "");
		return -1;
	}
	return 0;
}

int
ct_tune_coin(struct ct_tune *t)
{
	struct search s;
	int rc, win, cut = 0;

	memset(&s, 0, sizeof s);
	s.t = t;
	s.t0 = ct_mono_s();
	s.lockfd = -1;
	s.evlog = getenv("COINTRAIN_EVENT_LOG");
	s.run = getenv("COINTRAIN_RUN");
	if (!s.evlog || !*s.evlog || !s.run || !*s.run)
		s.evlog = NULL;
	if (ct_tf_ms(t->tf) <= 0) {
		ct_warn("%s: unknown timeframe", t->tf);
		return CT_EXIT_USAGE;
	}
	if ((rc = prepare(&s)) == CT_EXIT_OK) {
		event(&s, "tune_started", json_pack("{s:i, s:i, s:i, s:i, s:I}", "trials", t->trials,
		    "fits_resumed", s.fits_resumed, "jobs", t->jobs, "threads", t->o.threads,
		    "seed", (json_int_t)t->seed));
		if (t->o.progress && s.fits_resumed)
			fprintf(stderr, "%s: %s: resuming: %d fits recorded\n", ct_prog, t->sym,
			    s.fits_resumed);
		win = search_run(&s, &cut);
		rc = win >= 0 && finish(&s, win, cut) == 0 ? CT_EXIT_OK :
		    s.killed ? CT_EXIT_TEMPFAIL : CT_EXIT_FAIL;
	}
	for (int k = 0; s.tr && k < t->trials; k++) {
		json_decref(s.tr[k].params);
		free(s.tr[k].f);
	}
	free(s.tr);
	ct_halving_free(&s.h);
	free(s.rows);
	free(s.folds);
	ct_dataset_free(&s.d);
	if (s.lockfd >= 0)
		close(s.lockfd);
	return rc;
}
