/* summary.c — figures of a run from its ledger and the models' metrics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "err.h"
#include "home.h"
#include "jsonfile.h"
#include "ledger.h"
#include "modeldir.h"
#include "regfile.h"
#include "summary.h"
#include "timefmt.h"

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A number from metrics.json, or JSON null when absent or not a number:
 * the summary must survive models of older or newer trainers. */
static json_t *
num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_real(json_number_value(v)) : json_null();
}

/* What the coin's run made, inside this data home: the ledger records
 * the path train-coin or tune-coin printed, which names the home of
 * then (moved or copied since, it may be gone or another's).  Its last
 * two components, SYM/STAMP (a model directory) or SYM/params.json (a
 * tune), are looked up under home/models; anything else is no model of
 * sym's.  The file of the figures goes to path; 1 for a tune, 0 for a
 * model, -1 when made names none. */
static int
resolve(char *path, size_t n, const char *home, const char *run, const char *sym,
    const char *made)
{
	const char *last = strrchr(made, '/'), *dir;
	size_t len;
	int tune;

	if (last == NULL || last == made)
		return -1;
	for (dir = last - 1; dir > made && dir[-1] != '/'; dir--)
		;
	len = (size_t)(last - dir);
	tune = strcmp(last + 1, "params.json") == 0;
	if (len != strlen(sym) || strncmp(dir, sym, len) != 0 || !(tune || ct_stamp_ok(last + 1)))
		return -1;
	/* A tune's own result, kept by run-batch beside its log: a later
	 * search replaces models/SYM/params.json. */
	if (tune && ct_path(path, n, "%s/logs/%s/%s/params.json", home, run, sym) == 0 &&
	    access(path, F_OK) == 0)
		return tune;
	if (tune ? ct_path(path, n, "%s/models/%s/params.json", home, sym) :
	    ct_path(path, n, "%s/models/%s/%s/metrics.json", home, sym, last + 1))
		return -1;
	return tune;
}

/* 1 when the model directory of path (its metrics.json) is gone:
 * pruned by a later training's --keep, which is no fault.  Not when it
 * is the one the coin's current names: --keep never removes that, so it
 * is damage. */
static int
pruned(const char *path)
{
	char dir[CT_PATH_MAX], cur[CT_PATH_MAX], to[CT_PATH_MAX];
	const char *slash = strrchr(path, '/'), *stamp;
	ssize_t n;

	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 0, path);
	if (access(dir, F_OK) == 0 || errno != ENOENT || (stamp = strrchr(dir, '/')) == NULL)
		return 0;
	snprintf(cur, sizeof cur, "%.*s/current", (int)(stamp - dir), dir);
	n = readlink(cur, to, sizeof to - 1);
	return n < 0 || (size_t)n != strlen(stamp + 1) || memcmp(to, stamp + 1, (size_t)n) != 0;
}

/* The figures of what a coin's run made (the ledger's model): a model
 * directory's metrics.json (its aggregate), or the params.json a tune
 * cycle made (its held-out block, scored once after the search).  The
 * file loaded with its path in path, the figures in *agg and what they
 * are in *ev (NULL when unsaid).  NULL when there is none: the reason in
 * *why when it cannot be read (said on stderr), or *gone set when the
 * model has since been pruned. */
static json_t *
figures(const char *home, const char *run, const char *sym, const char *made, char *path,
    size_t n, json_t **agg, const char **ev, json_t **why, int *gone)
{
	char err[CT_PATH_MAX + 256];
	json_t *m;
	int tune, missing;

	*agg = NULL;
	*ev = NULL;
	path[0] = '\0';
	if ((tune = resolve(path, n, home, run, sym, made)) < 0) {
		ct_warn("%s: %s: not a model of %s in %s/models", sym, made, sym, home);
		*why = json_sprintf("%s: not a model of %s in this data home", made, sym);
		return NULL;
	}
	if ((m = ct_json_read(path, 0, &missing, err, sizeof err)) == NULL) {
		if (missing && !tune && (*gone = pruned(path)))
			return NULL;
		ct_warn("%s", err);
		*why = json_string(err);
		return NULL;
	}
	*agg = json_object_get(m, tune ? "heldout" : "aggregate");
	*ev = tune ? "held-out after search" : str(m, "evaluation");
	return m;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The coins the run's drift check found drifted (logs/<RUN>/drift.json,
 * check-drift's JSON lines, written by run-batch's incremental cycle):
 * [{"symbol","max_psi","over"}]; empty when there was no check. */
static json_t *
drifted(const char *home, const char *run)
{
	char path[CT_PATH_MAX], *line = NULL;
	size_t cap = 0;
	json_t *out = json_array(), *j;
	FILE *fp;

	if (ct_path(path, sizeof path, "%s/logs/%s/drift.json", home, run) != 0 ||
	    (fp = ct_fopen_regular(path)) == NULL)
		return out;
	while (getline(&line, &cap, fp) > 0) {
		if ((j = json_loads(line, 0, NULL)) != NULL && json_is_true(json_object_get(j, "drifted")))
			json_array_append_new(out, json_pack("{s:O?, s:O?, s:O?}",
			    "symbol", json_object_get(j, "symbol"), "max_psi",
			    json_object_get(j, "max_psi"), "over", json_object_get(j, "over")));
		json_decref(j);
	}
	free(line);
	fclose(fp);
	return out;
}

/* The model's threshold (its config.json beside metrics.json at mpath; a tune
 * cycle's row has none), whether it never trades, its net bps per trade
 * and its trades: none for one that never trades, whatever its folds made
 * each at its own threshold. */
static void
never_trades(const char *mpath, const json_t *m, json_t *agg, json_t *row)
{
	char path[CT_PATH_MAX];
	const char *slash = strrchr(mpath, '/');
	json_t *c = NULL, *thr;
	int never;

	if (m && json_object_get(m, "aggregate") && slash &&
	    ct_path(path, sizeof path, "%.*s/config.json", (int)(slash - mpath), mpath) == 0)
		c = json_load_file(path, 0, NULL);
	thr = json_object_get(c, "threshold");
	never = ct_never_trades(c);
	json_object_set_new(row, "threshold", json_is_number(thr) ? json_copy(thr) : json_null());
	json_object_set_new(row, "never_trades", json_is_number(thr) ? json_boolean(never) :
	    json_null());
	json_object_set_new(row, "net_bps_after_costs", never ? json_null() :
	    num(agg, "net_bps_after_costs"));
	/* As coin-status counts them: a model that never trades makes none,
	 * whatever its folds traded. */
	json_object_set_new(row, "trades", never ? json_integer(0) :
	    json_is_integer(json_object_get(agg, "trades")) ?
	    json_copy(json_object_get(agg, "trades")) : json_null());
	json_decref(c);
}

/* The rows figures are of: a count, or a search's held-out [lo, hi). */
static json_t *
rows_of(const json_t *agg)
{
	const json_t *r = json_object_get(agg, "rows");

	if (json_is_integer(r))
		return json_copy((json_t *)r);
	if (json_array_size(r) == 2 && json_is_integer(json_array_get(r, 0)) &&
	    json_is_integer(json_array_get(r, 1)))
		return json_integer(json_integer_value(json_array_get(r, 1)) -
		    json_integer_value(json_array_get(r, 0)));
	return json_null();
}

/* The row of one coin of the ledger (entry e); its figures' file, when
 * it cannot be read, goes to unread. */
static json_t *
coin_row(const char *home, const char *run, const char *sym, json_t *e, json_t *unread)
{
	char mpath[CT_PATH_MAX] = "";
	const char *made = str(e, "model"), *ev = NULL;
	json_t *row = json_object(), *m = NULL, *agg = NULL, *why = NULL, *d;
	int gone = 0;

	json_object_set_new(row, "status", json_string(str(e, "status")));
	json_object_set_new(row, "model", made ? json_string(made) : json_null());
	if (made)
		m = figures(home, run, sym, made, mpath, sizeof mpath, &agg, &ev, &why, &gone);
	json_object_set_new(row, "metrics", mpath[0] && !gone ? json_string(mpath) : json_null());
	if (gone)
		json_object_set_new(row, "model_pruned", json_true());
	/* What the figures are: walk-forward (a fresh model), held-out (an
	 * incremental update) or held-out after search (tune-coin); never
	 * in-sample. */
	json_object_set_new(row, "evaluation", ev ? json_string(ev) : json_null());
	never_trades(mpath, m, agg, row);
	json_object_set_new(row, "auc", num(agg, "auc"));
	json_object_set_new(row, "rows", rows_of(agg));
	/* A search's held-out block: whether its net is money beyond noise
	 * (a random walk's may show +70 bps over 3 trades). */
	if (json_object_get(agg, "net_bps_2se")) {
		json_object_set_new(row, "net_bps_2se", num(agg, "net_bps_2se"));
		json_object_set(row, "beyond_noise", json_is_boolean(json_object_get(agg,
		    "beyond_noise")) ? json_object_get(agg, "beyond_noise") : json_null());
	}
	json_decref(m);
	d = json_object_get(e, "duration_seconds");
	json_object_set_new(row, "train_minutes", json_is_number(d) &&
	    strcmp(str(e, "status"), "success") == 0 ? json_real(json_number_value(d) / 60.0) :
	    json_null());
	json_object_set_new(row, "error", str(e, "error") ? json_string(str(e, "error")) : json_null());
	if (why) {
		json_object_set_new(row, "metrics_error", why);
		json_array_append_new(unread, json_string(sym));
	}
	return row;
}

/* avg_train_minutes and median_train_minutes of the rows' train_minutes
 * (null when none) into out. */
static void
train_minutes(json_t *out, json_t *by)
{
	double *mins = calloc(json_object_size(by) + 1, sizeof *mins), sum = 0;
	const char *sym;
	size_t n = 0;
	json_t *row;

	json_object_foreach(by, sym, row)
		if (mins && json_is_number(json_object_get(row, "train_minutes")))
			sum += mins[n++] = json_number_value(json_object_get(row, "train_minutes"));
	qsort(mins, n, sizeof *mins, cmpd);
	json_object_set_new(out, "avg_train_minutes", n ? json_real(sum / (double)n) : json_null());
	json_object_set_new(out, "median_train_minutes", n ? json_real(n % 2 ? mins[n / 2] :
	    (mins[n / 2 - 1] + mins[n / 2]) / 2) : json_null());
	free(mins);
}

json_t *
ct_summary_build(const char *home, const char *run)
{
	int64_t t, first = INT64_MAX, last = INT64_MIN;
	json_t *root, *out, *by = json_object(), *e, *unread = json_array();
	const char *sym;
	long n[5];

	if ((root = ct_ledger_peek(home, run)) == NULL) {
		json_decref(by);
		json_decref(unread);
		return NULL;
	}
	/* From the run's first start (its ledger's creation): a coin's
	 * "started" is its latest attempt's, which leaves out its retries. */
	if (str(root, "created") && ct_parse_iso8601(str(root, "created"), &t) == 0)
		first = t;
	json_object_foreach(json_object_get(root, "symbols"), sym, e) {
		json_object_set_new(by, sym, coin_row(home, run, sym, e, unread));
		if (str(e, "started") && ct_parse_iso8601(str(e, "started"), &t) == 0 && t < first)
			first = t;
		if (str(e, "finished") && ct_parse_iso8601(str(e, "finished"), &t) == 0 && t > last)
			last = t;
	}
	ct_ledger_counts(root, n);
	out = json_object();
	json_object_set_new(out, "run", json_string(run));
	json_object_set_new(out, "total_symbols", json_integer((json_int_t)json_object_size(by)));
	json_object_set_new(out, "succeeded", json_integer(n[2]));
	json_object_set_new(out, "failed", json_integer(n[3]));
	json_object_set_new(out, "skipped", json_integer(n[4]));
	json_object_set_new(out, "pending", json_integer(n[0] + n[1]));
	json_object_set_new(out, "damaged", json_integer(ct_ledger_damaged(root)));
	train_minutes(out, by);
	json_object_set_new(out, "total_wall_minutes", last >= first ?
	    json_real((double)(last - first) / 60000.0) : json_null());
	json_object_set_new(out, "drifted", drifted(home, run));
	json_object_set_new(out, "metrics_unreadable", unread);
	json_object_set_new(out, "by_symbol", by);
	json_decref(root);
	return out;
}

int
ct_summary_save(const char *home, const char *run, json_t *summary)
{
	char path[CT_PATH_MAX];

	if (ct_path(path, sizeof path, "%s/summary/%s/engine_summary.json", home, run) != 0) {
		ct_warn("%s/summary/%s: %s", home, run, strerror(errno));
		return -1;
	}
	return ct_json_save(path, summary, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(6));
}
