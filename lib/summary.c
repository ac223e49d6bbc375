/* summary.c — figures of a run from its ledger and the models' metrics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "home.h"
#include "jsonfile.h"
#include "ledger.h"
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

/* The ledger records the path train-coin or tune-coin printed; relative
 * paths are relative to the data home.  file (NULL: none) is in it. */
static void
resolve(char *buf, size_t n, const char *home, const char *made, const char *file)
{
	const char *sep = file ? "/" : "";

	if (made[0] == '/' || strcmp(home, ".") == 0 || access(made, F_OK) == 0)
		ct_path(buf, n, "%s%s%s", made, sep, file ? file : "");
	else
		ct_path(buf, n, "%s/%s%s%s", home, made, sep, file ? file : "");
}

/* The figures of what a coin's run made (the ledger's model): a model
 * directory's metrics.json (its aggregate), or the params.json a tune
 * cycle made (its held-out block, scored once after the search).  The
 * file loaded (NULL when there is none) with its path in path, the
 * figures in *agg and what they are in *ev (NULL when unsaid). */
static json_t *
figures(const char *home, const char *made, char *path, size_t n, json_t **agg,
    const char **ev)
{
	size_t len = made ? strlen(made) : 0;
	int tune = len >= 11 && strcmp(made + len - 11, "params.json") == 0;
	json_t *m;

	*agg = NULL;
	*ev = NULL;
	if (made == NULL)
		return NULL;
	resolve(path, n, home, made, tune ? NULL : "metrics.json");
	if ((m = json_load_file(path, 0, NULL)) == NULL)
		return NULL;
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
	    (fp = fopen(path, "r")) == NULL)
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

json_t *
ct_summary_build(const char *home, const char *run)
{
	char mpath[CT_PATH_MAX];
	int64_t t, first = INT64_MAX, last = INT64_MIN;
	json_t *root, *out, *by, *e, *m, *agg, *d, *row;
	const char *ev;
	double *mins;
	size_t nmin = 0;
	const char *sym;
	long n[5];

	if ((root = ct_ledger_peek(home, run)) == NULL)
		return NULL;
	by = json_object();
	mins = calloc(json_object_size(json_object_get(root, "symbols")) + 1, sizeof *mins);
	json_object_foreach(json_object_get(root, "symbols"), sym, e) {
		row = json_object();
		json_object_set_new(row, "status", json_string(str(e, "status")));
		json_object_set_new(row, "model", str(e, "model") ? json_string(str(e, "model")) : json_null());
		m = figures(home, str(e, "model"), mpath, sizeof mpath, &agg, &ev);
		json_object_set_new(row, "metrics", str(e, "model") ? json_string(mpath) : json_null());
		/* What the figures are: walk-forward (a fresh model), held-out
		 * (an incremental update) or held-out after search (tune-coin);
		 * never in-sample. */
		json_object_set_new(row, "evaluation", ev ? json_string(ev) : json_null());
		json_object_set_new(row, "net_bps_after_costs", num(agg, "net_bps_after_costs"));
		json_object_set_new(row, "auc", num(agg, "auc"));
		json_decref(m);
		d = json_object_get(e, "duration_seconds");
		if (json_is_number(d) && strcmp(str(e, "status"), "success") == 0) {
			mins[nmin] = json_number_value(d) / 60.0;
			json_object_set_new(row, "train_minutes", json_real(mins[nmin++]));
		} else {
			json_object_set_new(row, "train_minutes", json_null());
		}
		json_object_set_new(row, "error", str(e, "error") ? json_string(str(e, "error")) : json_null());
		json_object_set_new(by, sym, row);
		if (str(e, "started") && ct_parse_iso8601(str(e, "started"), &t) == 0 && t < first)
			first = t;
		if (str(e, "finished") && ct_parse_iso8601(str(e, "finished"), &t) == 0 && t > last)
			last = t;
	}
	ct_ledger_counts(root, n);
	qsort(mins, nmin, sizeof *mins, cmpd);
	out = json_object();
	json_object_set_new(out, "run", json_string(run));
	json_object_set_new(out, "total_symbols", json_integer((json_int_t)json_object_size(by)));
	json_object_set_new(out, "succeeded", json_integer(n[2]));
	json_object_set_new(out, "failed", json_integer(n[3]));
	json_object_set_new(out, "skipped", json_integer(n[4]));
	json_object_set_new(out, "pending", json_integer(n[0] + n[1]));
	if (nmin) {
		double sum = 0;

		for (size_t i = 0; i < nmin; i++)
			sum += mins[i];
		json_object_set_new(out, "avg_train_minutes", json_real(sum / (double)nmin));
		json_object_set_new(out, "median_train_minutes", json_real(nmin % 2 ? mins[nmin / 2] :
		    (mins[nmin / 2 - 1] + mins[nmin / 2]) / 2));
	} else {
		json_object_set_new(out, "avg_train_minutes", json_null());
		json_object_set_new(out, "median_train_minutes", json_null());
	}
	json_object_set_new(out, "total_wall_minutes", last >= first ?
	    json_real((double)(last - first) / 60000.0) : json_null());
	json_object_set_new(out, "drifted", drifted(home, run));
	json_object_set_new(out, "by_symbol", by);
	free(mins);
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
