/* coinstatus.c — one coin described from what its files say.  Reads
 * only: the candle store (one pass over its open times), the current
 * model's config.json and metrics.json, the cache entry, the latest drift
 * check and the newest ledger of each cycle.  Kept free of XGBoost so
 * coin-status starts fast. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "coinstatus.h"
#include "err.h"
#include "home.h"
#include "jsonfile.h"
#include "ledger.h"
#include "model.h"
#include "modeldir.h"
#include "parse.h"
#include "runs.h"
#include "storestats.h"
#include "timefmt.h"

/* Timeframes in the order a coin's default store is chosen. */
static const char *const tfs[] = { "1m", "5m", "15m", "30m", "1h", "4h", "1d" };
#define NTF (sizeof tfs / sizeof tfs[0])

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A number as the row holds it, null when absent or not a number. */
static json_t *
num(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return json_integer(json_integer_value(v));
	return json_is_number(v) ? json_real(json_number_value(v)) : json_null();
}

static json_t *
jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* Load path; NULL and *err unset when it does not exist, NULL and *err
 * set to an {"error"} object when it cannot be read ("path:line: text",
 * told on stderr too). */
static json_t *
load(const char *path, json_t **err, int *bad)
{
	char msg[CT_PATH_MAX + JSON_ERROR_TEXT_LENGTH + 16];
	int missing;
	json_t *j;

	*err = NULL;
	if ((j = ct_json_read(path, 0, &missing, msg, sizeof msg)) != NULL || missing)
		return j;
	ct_warn("%s", msg);
	*bad = 1;
	*err = json_pack("{s:s}", "error", msg);
	return NULL;
}

/* ---- the list of coins ---- */

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append the symbol directories of home/sub to *v. */
static int
add_dirs(const char *home, const char *sub, char ***v, size_t *n, size_t *cap)
{
	char dir[CT_PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (ct_path(dir, sizeof dir, "%s/%s", home, sub) != 0 || (d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!ct_symbol_ok(e->d_name))
			continue;
		if (*n == *cap) {
			char **t = realloc(*v, (*cap = *cap ? 2 * *cap : 64) * sizeof *t);

			if (t == NULL)
				break;
			*v = t;
		}
		if (((*v)[*n] = strdup(e->d_name)) == NULL)
			break;
		(*n)++;
	}
	closedir(d);
	return e == NULL ? 0 : -1;
}

char **
ct_status_coins(const char *home, size_t *n)
{
	size_t cap = 0, k = 0;
	char **v = NULL;

	*n = 0;
	if (add_dirs(home, "candles", &v, n, &cap) != 0 || add_dirs(home, "models", &v, n, &cap) != 0) {
		ct_status_free_coins(v, *n);
		return NULL;
	}
	if (v == NULL)
		return calloc(1, sizeof *v);
	qsort(v, *n, sizeof *v, cmpstr);
	for (size_t i = 0; i < *n; i++) {
		if (k > 0 && strcmp(v[k - 1], v[i]) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	*n = k;
	return v;
}

void
ct_status_free_coins(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- runs ---- */

static json_t *
read_run(const char *home, const char *run, int *bad)
{
	json_t *root;

	if ((root = ct_ledger_peek(home, run)) == NULL) {
		if (bad)
			*bad = 1;
		return json_pack("{s:s, s:s}", "run", run, "error", "ledger unreadable");
	}
	/* A damaged record (said) marks its coin alone. */
	if (bad && ct_ledger_damaged(root) > 0)
		*bad = 1;
	json_object_set_new(root, "run", json_string(run));
	return root;
}

/* o's members in the order of their keys (jansson keeps insertion order). */
static json_t *
sorted(json_t *o)
{
	size_t n = json_object_size(o), i = 0;
	const char **keys = calloc(n + 1, sizeof *keys), *k;
	json_t *out = json_object(), *v;

	if (keys == NULL || out == NULL) {
		free(keys);
		json_decref(out);
		return o;
	}
	json_object_foreach(o, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof *keys, cmpstr);
	for (i = 0; i < n; i++)
		json_object_set(out, keys[i], json_object_get(o, keys[i]));
	free(keys);
	json_decref(o);
	return out;
}

json_t *
ct_status_runs(const char *home, int *bad)
{
	json_t *o = json_object();
	size_t n;
	char **v = ct_runs_list(home, &n);

	if (v == NULL && bad)
		*bad = 1;

	/* Oldest first: the last of a cycle is its newest. */
	for (size_t i = n; v && i-- > 0;)
		if (json_object_get(o, ct_run_cycle(v[i])) == NULL)
			json_object_set_new(o, ct_run_cycle(v[i]), read_run(home, v[i], bad));
	ct_runs_free(v, n);
	return sorted(o);
}

int
ct_status_begin(struct ct_status_ctx *ctx, const char *home, const char *tf, int64_t now_ms)
{
	ctx->home = home;
	ctx->tf = tf;
	ctx->now_ms = now_ms;
	ctx->runs_bad = 0;
	ctx->runs = ct_status_runs(home, &ctx->runs_bad);
	ct_status_history(ctx);
	return ctx->runs ? 0 : -1;
}

void
ct_status_end(struct ct_status_ctx *ctx)
{
	json_decref(ctx->runs);
	ctx->runs = NULL;
	ct_status_history_free(ctx);
}

void
ct_status_history(struct ct_status_ctx *ctx)
{
	/* No run (or an unreadable runs/, said by ct_status_runs): no older
	 * one either, and nothing said twice. */
	ctx->hist = json_object_size(ctx->runs) ? ct_runs_list(ctx->home, &ctx->nhist) : NULL;
	if (ctx->hist == NULL)
		ctx->nhist = 0;
	ctx->older = json_object();
}

void
ct_status_history_free(struct ct_status_ctx *ctx)
{
	ct_runs_free(ctx->hist, ctx->nhist);
	json_decref(ctx->older);
	ctx->hist = NULL;
	ctx->nhist = 0;
	ctx->older = NULL;
}

/* sym's status in a ledger entry, as coin-status shows it: "lost" for
 * "running" when its worker is gone (the ledger's own test; a worker it
 * cannot judge here, on another host or under Slurm, is running). */
static const char *
run_status(json_t *e)
{
	const char *st = str(e, "status");

	if (st && strcmp(st, "running") == 0 && ct_ledger_worker_alive(e) == 0)
		return "lost";
	return st;
}

/* Whether the older run lists sym: its status.json's "symbols" (names,
 * or records in the first layout), read once and kept, and nothing else
 * of it (a home keeps hundreds of runs). */
static int
older_lists(const struct ct_status_ctx *ctx, const char *run, const char *sym)
{
	json_t *idx = json_object_get(ctx->older, run), *st, *v;
	char path[CT_PATH_MAX];
	size_t i;

	if (idx == NULL) {
		st = ct_path(path, sizeof path, "%s/runs/%s/status.json", ctx->home, run) == 0 ?
		    json_load_file(path, 0, NULL) : NULL;
		idx = json_object_get(st, "symbols");
		idx = idx ? json_incref(idx) : json_null();
		json_decref(st);
		json_object_set_new(ctx->older, run, idx);
	}
	if (json_is_object(idx))
		return json_object_get(idx, sym) != NULL;
	json_array_foreach(idx, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), sym) == 0)
			return 1;
	return 0;
}

/* The newest run of cycle older than newest that lists sym: its name,
 * its entry in *e (a reference of the caller's); NULL when none does. */
static const char *
older_run(const struct ct_status_ctx *ctx, const char *cycle, const char *newest,
    const char *sym, json_t **e)
{
	json_t *lg;

	for (size_t i = ctx->nhist; ctx->older && i-- > 0;) {
		if (strcmp(ctx->hist[i], newest) >= 0 || strcmp(ct_run_cycle(ctx->hist[i]), cycle) != 0 ||
		    !older_lists(ctx, ctx->hist[i], sym))
			continue;
		lg = ct_ledger_peek(ctx->home, ctx->hist[i]);
		*e = json_object_get(json_object_get(lg, "symbols"), sym);
		if (*e)
			json_incref(*e);
		json_decref(lg);
		if (*e != NULL)
			return ctx->hist[i];
	}
	return NULL;
}

/* {cycle: {"run", "status", "error"}} for the cycles whose newest run
 * listing sym has it (the newest run of a cycle when it does, or cannot
 * be read: no status then, it may have sym). */
static json_t *
last_run(const struct ct_status_ctx *ctx, const char *sym)
{
	json_t *o = json_object(), *lg, *e, *own;
	const char *cycle, *run;

	json_object_foreach(ctx->runs, cycle, lg) {
		if (str(lg, "error")) {
			json_object_set_new(o, cycle, json_pack("{s:s, s:n, s:s}", "run", str(lg, "run"),
			    "status", "error", str(lg, "error")));
			continue;
		}
		run = str(lg, "run");
		own = NULL;
		if ((e = json_object_get(json_object_get(lg, "symbols"), sym)) == NULL) {
			if ((run = older_run(ctx, cycle, run, sym, &own)) == NULL)
				continue;
			e = own;
		}
		json_object_set_new(o, cycle, json_pack("{s:s, s:s?, s:s?, s:s?}", "run", run,
		    "status", run_status(e), "error", str(e, "error"), "model", str(e, "model")));
		json_decref(own);
	}
	return o;
}

/* ---- candles ---- */

static json_t *
stored_tfs(const char *home, const char *sym)
{
	char path[CT_PATH_MAX];
	json_t *a = json_array();

	for (size_t i = 0; i < NTF; i++)
		if (ct_store_path(path, sizeof path, home, sym, tfs[i]) == 0 && access(path, F_OK) == 0)
			json_array_append_new(a, json_string(tfs[i]));
	return a;
}

static json_t *
candles(const struct ct_status_ctx *ctx, const char *sym, const char *tf, int *bad)
{
	struct ct_scan_stats st;
	char path[CT_PATH_MAX], err[CT_PATH_MAX + 100];
	int64_t tf_ms = ct_tf_ms(tf);
	json_t *o;

	if (ct_store_path(path, sizeof path, ctx->home, sym, tf) != 0 || access(path, F_OK) != 0)
		return json_null();
	if (ct_store_stats(path, tf_ms, &st, err, sizeof err) != 0) {
		ct_warn("%s", err);
		*bad = 1;
		return json_pack("{s:s}", "error", err);
	}
	o = json_pack("{s:I}", "rows", (json_int_t)st.rows);
	if (st.rows == 0)
		return o;
	json_object_set_new(o, "first", ct_iso8601_json(st.first));
	json_object_set_new(o, "last", ct_iso8601_json(st.last));
	/* Age since the newest candle closed, as predict counts it. */
	json_object_set_new(o, "age_s", json_integer((ctx->now_ms - st.last - tf_ms) / 1000));
	json_object_set_new(o, "gaps", json_integer((json_int_t)st.gaps));
	json_object_set_new(o, "missing", json_integer((json_int_t)st.missing));
	return o;
}

/* ---- the serving model ---- */

/* models/<sym>/current's target: 0, -1 when there is no link, 1 when it
 * is not a bare name as train-coin makes it (ct_model_current's rule;
 * the stamp is what this tool shows), -2 (errno set) when it cannot be
 * read (a models/<sym> this user may not search). */
static int
current_stamp(const char *home, const char *sym, char *stamp, size_t n)
{
	char link[CT_PATH_MAX];
	ssize_t len;

	if (ct_path(link, sizeof link, "%s/models/%s/current", home, sym) != 0)
		return -1;
	if ((len = readlink(link, stamp, n - 1)) < 0)
		return errno == ENOENT || errno == ENOTDIR ? -1 : errno == EINVAL ? 1 : -2;
	stamp[len] = '\0';
	return strchr(stamp, '/') || stamp[0] == '.' || stamp[0] == '\0';
}


/* Where the serving model's parameters came from, as its config.json
 * says: tune-coin's params.json ("tuned"; "tuned, params.json gone" when
 * the next fresh training will not find it), a --params file ("file"),
 * else "default". */
static const char *
params_origin(const struct ct_status_ctx *ctx, const char *sym, const json_t *config)
{
	char path[CT_PATH_MAX];
	const char *src = str(config, "params_source");

	if (src && strcmp(src, "tuned") == 0)
		return ct_path(path, sizeof path, "%s/models/%s/params.json", ctx->home, sym) == 0 &&
		    access(path, F_OK) == 0 ? "tuned" : "tuned, params.json gone";
	if (src && strcmp(src, "file") == 0)
		return "file";
	return "default";
}

/* The figures of metrics.json's aggregate, and what they are, as it
 * says: an incremental update is judged on held-out rows, a fresh model
 * on its walk-forward folds, a tuned one on the folds its search never
 * scored ("held-out after search"). */
static void
figures(json_t *o, const json_t *config, const json_t *metrics)
{
	const json_t *agg = json_object_get(metrics, "aggregate");
	const char *mode = str(config, "mode"), *ev = str(metrics, "evaluation");
	int held = (mode && strcmp(mode, "incremental") == 0) ||
	    json_is_true(json_object_get(json_array_get(json_object_get(metrics, "folds"), 0), "heldout"));

	if (ev == NULL)
		ev = held ? "held-out" : "walk-forward";
	json_object_set_new(o, "evaluation", metrics ? json_string(ev) : json_null());
	json_object_set_new(o, "auc", num(agg, "auc"));
	/* The rows the figures are of: an update's held-out block may be a
	 * few dozen candles, whose AUC is noise. */
	json_object_set_new(o, "rows", json_is_integer(json_object_get(agg, "rows")) ?
	    json_copy(json_object_get(agg, "rows")) : json_null());
	json_object_set_new(o, "buy_hold_bps", num(agg, "buy_hold_bps"));
	/* A model that never trades makes nothing, whatever its folds made
	 * each at its own threshold (the first at 0.5): those are
	 * metrics.json's, not what the model serves. */
	if (json_is_true(json_object_get(o, "never_trades")) && agg) {
		json_object_set_new(o, "trades", json_integer(0));
		json_object_set_new(o, "net_bps_per_trade", json_null());
		json_object_set_new(o, "total_net_bps", json_real(0));
		return;
	}
	json_object_set_new(o, "trades", num(agg, "trades"));
	json_object_set_new(o, "net_bps_per_trade", num(agg, "net_bps_after_costs"));
	json_object_set_new(o, "total_net_bps", num(agg, "total_net_bps"));
}

static json_t *
model_row(const struct ct_status_ctx *ctx, const char *sym, const char *stamp,
    const json_t *config, const json_t *metrics)
{
	json_t *o = json_pack("{s:s, s:s?, s:s?}", "stamp", stamp, "timeframe",
	    str(config, "timeframe"), "mode", str(config, "mode"));
	int64_t ms;

	json_object_set_new(o, "age_s", ct_stamp_ms(stamp, &ms) == 0 ?
	    json_integer((ctx->now_ms - ms) / 1000) : json_null());
	/* An update every six hours keeps the stamp young: the weekly
	 * retrain is judged by the fresh training the model descends from. */
	json_object_set_new(o, "fresh_stamp", json_string(ct_fresh_stamp(config, stamp)));
	json_object_set_new(o, "fresh_age_s", ct_stamp_ms(ct_fresh_stamp(config, stamp), &ms) == 0 ?
	    json_integer((ctx->now_ms - ms) / 1000) : json_null());
	json_object_set_new(o, "trained_to", jstr(
	    str(json_object_get(config, "trained"), "to")));
	json_object_set_new(o, "params", json_string(params_origin(ctx, sym, config)));
	json_object_set_new(o, "threshold", num(config, "threshold"));
	/* train-coin sets the threshold to 1 when no threshold made money
	 * out of sample: prob_up never exceeds it. */
	json_object_set_new(o, "never_trades", json_boolean(ct_never_trades(config)));
	figures(o, config, metrics);
	return o;
}

/* One file of the serving model; a missing or damaged one is the model's
 * error (the first one is kept). */
static json_t *
model_json(const struct ct_status_ctx *ctx, const char *sym, const char *stamp,
    const char *file, json_t **error, int *bad)
{
	char path[CT_PATH_MAX];
	json_t *j, *err;

	if (ct_path(path, sizeof path, "%s/models/%s/%s/%s", ctx->home, sym, stamp, file) != 0)
		return NULL;
	if ((j = load(path, &err, bad)) == NULL && err == NULL) {
		ct_warn("%s: missing", path);
		*bad = 1;
		err = json_pack("{s:s++}", "error", path, ": ", "missing");
	}
	if (err && *error == NULL)
		*error = json_incref(json_object_get(err, "error"));
	json_decref(err);
	return j;
}

static json_t *
model(const struct ct_status_ctx *ctx, const char *sym, int *bad)
{
	char stamp[256], dir[CT_PATH_MAX];
	json_t *config, *metrics, *error = NULL, *o;
	int64_t ms;
	int e;

	stamp[0] = '\0';
	switch (current_stamp(ctx->home, sym, stamp, sizeof stamp)) {
	case -1:
		return json_null();
	case -2:
		e = errno;
		ct_warn("%s/models/%s/current: %s", ctx->home, sym, strerror(e));
		*bad = 1;
		return json_pack("{s:n, s:s+}", "stamp", "error", "current: ", strerror(e));
	case 1:
		if (stamp[0] == '\0')
			snprintf(stamp, sizeof stamp, "(not a link)");
		ct_warn("%s/models/%s/current -> %s: %s", ctx->home, sym, stamp,
		    ct_model_current_error(EINVAL));
		*bad = 1;
		return json_pack("{s:s, s:s+}", "stamp", stamp, "error", "current: ",
		    ct_model_current_error(EINVAL));
	}
	config = model_json(ctx, sym, stamp, "config.json", &error, bad);
	metrics = model_json(ctx, sym, stamp, "metrics.json", &error, bad);
	/* A file that no longer matches sha256.txt (a truncated model.ubj, a
	 * tampered drift.json) is a model predict and check-drift refuse. */
	if (error == NULL && ct_path(dir, sizeof dir, "%s/models/%s/%s", ctx->home, sym, stamp) == 0 &&
	    ct_model_verify(dir) != 0) {
		*bad = 1;
		error = json_string("sha256.txt: a file does not match (see standard error)");
	}
	o = model_row(ctx, sym, stamp, config, metrics);
	if (error == NULL && ct_stamp_ms(stamp, &ms) == 0 && ms > ctx->now_ms + CT_STATUS_FUTURE_SLACK_MS)
		error = json_string("trained in the future (its stamp is ahead of the clock)");
	if (error)
		json_object_set_new(o, "error", error);
	json_decref(config);
	json_decref(metrics);
	return o;
}

/* ---- cache and drift ---- */

/* The model the cached prediction e came from ("models/SYM/STAMP") into
 * o, and whether it is no longer the serving one (a train-coin by hand
 * since: the cache serves the replaced model's signal until it expires). */
static void
cache_model(const struct ct_status_ctx *ctx, const char *sym, const json_t *e, json_t *o)
{
	const char *m = str(e, "model"), *slash = m ? strrchr(m, '/') : NULL;
	char cur[CT_PATH_MAX];

	json_object_set_new(o, "model", m ? json_string(m) : json_null());
	if (slash && current_stamp(ctx->home, sym, cur, sizeof cur) == 0)
		json_object_set_new(o, "replaced_model", json_boolean(strcmp(slash + 1, cur) != 0));
}

static json_t *
cache(const struct ct_status_ctx *ctx, const char *sym, int *bad)
{
	char path[CT_PATH_MAX], why[CT_PATH_MAX + 160];
	json_t *e, *err, *o;
	int64_t exp;

	if (ct_path(path, sizeof path, "%s/cache/predictions/%s.json", ctx->home, sym) != 0 ||
	    ((e = load(path, &err, bad)) == NULL && err == NULL))
		return json_null();
	if (err)
		return err;
	/* What cache-get would not serve is no prediction of the coin's. */
	if (ct_cache_judge(path, sym, e, ctx->now_ms, why, sizeof why) == CT_CACHE_BAD) {
		ct_warn("%s", why);
		*bad = 1;
		json_decref(e);
		return json_pack("{s:s}", "error", why);
	}
	o = json_pack("{s:s?, s:o, s:s?, s:s?, s:s?, s:b}", "signal", str(e, "signal"),
	    "prob_up", num(e, "prob_up"), "open_time", str(e, "open_time"),
	    "cached_at", str(e, "cached_at"), "expires_at", str(e, "expires_at"),
	    "stale", json_is_true(json_object_get(e, "stale")));
	if (str(e, "expires_at") && ct_parse_iso8601(str(e, "expires_at"), &exp) == 0)
		json_object_set_new(o, "expires_in_s", json_integer((exp - ctx->now_ms) / 1000));
	json_object_set_new(o, "expired", json_boolean(ct_cache_entry_state(e, ctx->now_ms) !=
	    CT_CACHE_FRESH));
	cache_model(ctx, sym, e, o);
	json_decref(e);
	return o;
}

/* The stamp of the fresh model whose reference the serving model's
 * drift checks use: drift.json's carried_from, else its own; "" when
 * there is no current model. */
static void
reference_stamp(const struct ct_status_ctx *ctx, const char *sym, char *stamp, size_t n)
{
	char path[CT_PATH_MAX], err[CT_PATH_MAX + JSON_ERROR_TEXT_LENGTH + 16];
	json_t *ref;
	int missing;

	/* Unreadable, it is the model's sha256.txt check that says so. */
	if (current_stamp(ctx->home, sym, stamp, n) != 0) {
		stamp[0] = '\0';
		return;
	}
	if (ct_path(path, sizeof path, "%s/models/%s/%s/drift.json", ctx->home, sym, stamp) == 0 &&
	    (ref = ct_json_read(path, 0, &missing, err, sizeof err)) != NULL) {
		if (str(ref, "carried_from"))
			snprintf(stamp, n, "%s", str(ref, "carried_from"));
		json_decref(ref);
	}
}

/* The check was of a model older than the serving model's reference: a
 * retrain from scratch (drift.json anew) came after it.  A check that
 * names no model (one that failed: "status":"error") is judged by its
 * time against the reference's stamp. */
static int
check_stale(const struct ct_status_ctx *ctx, const char *sym, const json_t *d)
{
	char ref[256];
	const char *m = str(d, "model"), *checked = m && strrchr(m, '/') ? strrchr(m, '/') + 1 : m;
	const char *at = str(d, "checked_at");
	int64_t at_ms, ref_ms;

	reference_stamp(ctx, sym, ref, sizeof ref);
	if (checked == NULL)
		return at && ref[0] && ct_parse_iso8601(at, &at_ms) == 0 &&
		    ct_stamp_ms(ref, &ref_ms) == 0 && at_ms < ref_ms;
	return ref[0] && strcmp(ref, checked) > 0;
}

/* {"error": "path: reason"} when the check d, read from path, is not one
 * check-drift made of sym's model (another coin's file copied by hand, a
 * figure that is none), else NULL. */
static json_t *
drift_invalid(const char *path, const char *sym, const json_t *d)
{
	const char *s = str(d, "symbol"), *m = str(d, "model"), *at = str(d, "checked_at");
	const json_t *psi = json_object_get(d, "max_psi");
	size_t n = strlen(sym);
	char why[160];
	int64_t ms;

	if (!json_is_object(d))
		snprintf(why, sizeof why, "not a JSON object");
	else if ((s && strcmp(s, sym) != 0) || (m && (strncmp(m, "models/", 7) != 0 ||
	    strncmp(m + 7, sym, n) != 0 || m[7 + n] != '/')))
		snprintf(why, sizeof why, "the check of %.40s, not of %s", s ? s : m, sym);
	else if (at && ct_parse_iso8601(at, &ms) != 0)
		snprintf(why, sizeof why, "checked_at: not ISO-8601 UTC");
	else if (psi && !json_is_null(psi) && !json_is_number(psi))
		snprintf(why, sizeof why, "max_psi: not a number");
	else
		return NULL;
	return json_pack("{s:s++}", "error", path, ": ", why);
}

static json_t *
drift(const struct ct_status_ctx *ctx, const char *sym, int *bad)
{
	char path[CT_PATH_MAX];
	json_t *d, *err, *o;
	struct stat st;

	if (ct_path(path, sizeof path, "%s/models/%s/%s", ctx->home, sym, CT_STATUS_DRIFT_FILE) != 0 ||
	    ((d = load(path, &err, bad)) == NULL && err == NULL))
		return json_null();
	if (err)
		return err;
	if ((err = drift_invalid(path, sym, d)) != NULL) {
		ct_warn("%s", json_string_value(json_object_get(err, "error")));
		*bad = 1;
		json_decref(d);
		return err;
	}
	o = json_pack("{s:s?, s:s?, s:b, s:o, s:s?, s:s?, s:o, s:b}", "checked_at",
	    str(d, "checked_at"), "status", str(d, "status"),
	    "drifted", json_is_true(json_object_get(d, "drifted")),
	    "max_psi", num(d, "max_psi"), "max_psi_feature", str(d, "max_psi_feature"),
	    "model", str(d, "model"), "unseen", num(d, "unseen"),
	    "stale", check_stale(ctx, sym, d));
	/* A line copied without its time is as old as the file. */
	if (str(d, "checked_at") == NULL && stat(path, &st) == 0)
		json_object_set_new(o, "checked_at", ct_iso8601_json((int64_t)st.st_mtime * 1000));
	json_decref(d);
	return o;
}

/* ---- what is wrong ---- */

static const json_t *
sect(const json_t *row, const char *name)
{
	return json_object_get(row, name);
}

static json_int_t
inum(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static int
no_candles(const json_t *r)
{
	return json_is_null(sect(r, "candles"));
}

static int
bad_store(const json_t *r)
{
	return json_object_get(sect(r, "candles"), "error") != NULL;
}

static int
stale(const json_t *r)
{
	const json_t *c = sect(r, "candles");
	int64_t tf_ms = ct_tf_ms(str(r, "timeframe") ? str(r, "timeframe") : "");

	return json_object_get(c, "age_s") && tf_ms > 0 &&
	    inum(c, "age_s") > 2 * tf_ms / 1000 + CT_STATUS_STALE_MARGIN_S;
}

/* The newest candle closes more than the clocks' slack after now: a
 * generator's or a wrong clock's, which no age can be told of. */
static int
future_data(const json_t *r)
{
	const json_t *c = sect(r, "candles");

	return json_is_integer(json_object_get(c, "age_s")) &&
	    inum(c, "age_s") < -CT_STATUS_FUTURE_SLACK_MS / 1000;
}

static int
no_model(const json_t *r)
{
	return json_is_null(sect(r, "model"));
}

static int
bad_model(const json_t *r)
{
	return json_object_get(sect(r, "model"), "error") != NULL;
}

static int
old_model(const json_t *r)
{
	const json_t *m = sect(r, "model");

	return json_is_integer(json_object_get(m, "fresh_age_s")) &&
	    inum(m, "fresh_age_s") > CT_STATUS_OLD_MODEL_S;
}

/* The model served is of another timeframe than the candles described
 * (coin-status -t): its figures are not of these candles. */
static int
other_tf(const json_t *r)
{
	const char *m = str(sect(r, "model"), "timeframe"), *tf = str(r, "timeframe");

	return m && tf && strcmp(m, tf) != 0;
}

static int
never_trades(const json_t *r)
{
	return json_is_true(json_object_get(sect(r, "model"), "never_trades"));
}

/* 1 when sym's status in the newest run of some cycle is status. */
static int
run_is(const json_t *r, const char *status)
{
	const char *cycle, *st;
	json_t *e;

	json_object_foreach((json_t *)sect(r, "last_run"), cycle, e)
		if ((st = str(e, "status")) && strcmp(st, status) == 0)
			return 1;
	return 0;
}

static int
failed_run(const json_t *r)
{
	return run_is(r, "failed");
}

static int
lost_run(const json_t *r)
{
	return run_is(r, "lost");
}

static int
damaged_run(const json_t *r)
{
	return run_is(r, "damaged");
}

/* The model served is older than one the newest run of a cycle published
 * for the coin: a restore, or current switched back by hand. */
static int
rolled_back(const json_t *r)
{
	const char *cur = str(sect(r, "model"), "stamp"), *cycle, *m;
	json_t *e;

	json_object_foreach((json_t *)sect(r, "last_run"), cycle, e) {
		if ((m = str(e, "model")) == NULL || strcmp(str(e, "status") ? str(e, "status") : "",
		    "success") != 0)
			continue;
		m = strrchr(m, '/') ? strrchr(m, '/') + 1 : m;
		/* Not a bare stamp (current linked by hand by its path): no
		 * order to judge by. */
		if (cur && ct_stamp_ok(cur) && ct_stamp_ok(m) && strcmp(m, cur) > 0)
			return 1;
	}
	return 0;
}

static int
expired_cache(const json_t *r)
{
	const json_t *c = sect(r, "cache");

	return json_is_true(json_object_get(c, "expired")) || json_object_get(c, "error");
}

/* A fresh cached prediction made from stale candles (predict's "stale"). */
static int
stale_cache(const json_t *r)
{
	const json_t *c = sect(r, "cache");

	return json_is_true(json_object_get(c, "stale")) && !expired_cache(r);
}

/* A fresh cached prediction of a model no longer serving. */
static int
replaced_cache(const json_t *r)
{
	return json_is_true(json_object_get(sect(r, "cache"), "replaced_model")) &&
	    !expired_cache(r);
}

static int
drifted(const json_t *r)
{
	return json_is_true(json_object_get(sect(r, "drift"), "drifted")) &&
	    !json_is_true(json_object_get(sect(r, "drift"), "stale"));
}

/* The flags, in the order they are listed; coin-status(1) describes each. */
static const struct {
	const char *name;
	int (*on)(const json_t *row);
} flags[] = {
	{ "no-candles", no_candles },
	{ "bad-store", bad_store },
	{ "stale-data", stale },
	{ "future-data", future_data },
	{ "no-model", no_model },
	{ "bad-model", bad_model },
	{ "old-model", old_model },
	{ "other-tf-model", other_tf },
	{ "never-trades", never_trades },
	{ "failed-run", failed_run },
	{ "lost-run", lost_run },
	{ "damaged-run", damaged_run },
	{ "rolled-back", rolled_back },
	{ "expired-cache", expired_cache },
	{ "stale-cache", stale_cache },
	{ "replaced-cache", replaced_cache },
	{ "drifted", drifted },
};

static json_t *
flag_list(const json_t *row)
{
	json_t *a = json_array();

	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (flags[i].on(row))
			json_array_append_new(a, json_string(flags[i].name));
	return a;
}

/* ---- the row ---- */

/* The store described: the one asked for, else the model's timeframe,
 * else the shortest stored; NULL when there is none. */
static const char *
pick_tf(const struct ct_status_ctx *ctx, const json_t *model, const json_t *stored)
{
	const char *mtf = str(model, "timeframe");

	if (ctx->tf)
		return ctx->tf;
	if (mtf && ct_tf_ms(mtf) > 0)
		return mtf;
	return json_string_value(json_array_get(stored, 0));
}

json_t *
ct_status_coin(const struct ct_status_ctx *ctx, const char *sym, int *bad)
{
	json_t *row = json_pack("{s:s}", "symbol", sym), *m, *stored;
	const char *tf;

	if (row == NULL)
		return NULL;
	m = model(ctx, sym, bad);
	stored = stored_tfs(ctx->home, sym);
	tf = pick_tf(ctx, m, stored);
	json_object_set_new(row, "timeframe", jstr(tf));
	json_object_set_new(row, "timeframes", stored);
	json_object_set_new(row, "candles", tf ? candles(ctx, sym, tf, bad) : json_null());
	json_object_set_new(row, "model", m);
	json_object_set_new(row, "cache", cache(ctx, sym, bad));
	json_object_set_new(row, "drift", drift(ctx, sym, bad));
	json_object_set_new(row, "last_run", last_run(ctx, sym));
	json_object_set_new(row, "flags", flag_list(row));
	return row;
}

json_t *
ct_status_all(const char *home, const char *tf, int64_t now_ms)
{
	struct ct_status_ctx ctx;
	json_t *a = json_array();
	size_t n;
	char **v = ct_status_coins(home, &n);
	int bad = 0;

	if (a == NULL || v == NULL || ct_status_begin(&ctx, home, tf, now_ms) != 0) {
		ct_status_free_coins(v, n);
		json_decref(a);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, ct_status_coin(&ctx, v[i], &bad));
	ct_status_end(&ctx);
	ct_status_free_coins(v, n);
	return a;
}
