/* summary.c — figures of a run from its ledger and the models' metrics,
 * and the dashboard's view of the whole data home. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "coinstatus.h"
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

/* The ledger records the directory train-coin printed; relative paths are
 * relative to the data home. */
static void
resolve(char *buf, size_t n, const char *home, const char *dir, const char *file)
{
	if (dir[0] == '/' || strcmp(home, ".") == 0 || access(dir, F_OK) == 0)
		ct_path(buf, n, "%s/%s", dir, file);
	else
		ct_path(buf, n, "%s/%s/%s", home, dir, file);
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

json_t *
ct_summary_build(const char *home, const char *run)
{
	char path[CT_PATH_MAX], mpath[CT_PATH_MAX];
	int64_t t, first = INT64_MAX, last = INT64_MIN;
	json_t *root, *out, *by, *e, *m, *agg, *d, *row;
	double *mins;
	size_t nmin = 0;
	const char *sym;
	long n[5];

	if (ct_path(path, sizeof path, "%s/runs/%s/status.json", home, run) != 0 ||
	    ct_ledger_read(path, &root) != 0)
		return NULL;
	by = json_object();
	mins = calloc(json_object_size(json_object_get(root, "symbols")) + 1, sizeof *mins);
	json_object_foreach(json_object_get(root, "symbols"), sym, e) {
		row = json_object();
		json_object_set_new(row, "status", json_string(str(e, "status")));
		json_object_set_new(row, "model", str(e, "model") ? json_string(str(e, "model")) : json_null());
		m = NULL;
		if (str(e, "model")) {
			resolve(mpath, sizeof mpath, home, str(e, "model"), "metrics.json");
			json_object_set_new(row, "metrics", json_string(mpath));
			m = json_load_file(mpath, 0, NULL);
		} else {
			json_object_set_new(row, "metrics", json_null());
		}
		agg = json_object_get(m, "aggregate");
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

/* Names in dir, sorted; *n set.  NULL when the directory is missing. */
static char **
names(const char *dir, size_t *n)
{
	struct dirent **list;
	char **v;
	int k;

	*n = 0;
	if ((k = scandir(dir, &list, NULL, alphasort)) < 0)
		return NULL;
	v = calloc((size_t)k + 1, sizeof *v);
	for (int i = 0; i < k; i++) {
		if (list[i]->d_name[0] != '.' && v)
			v[(*n)++] = strdup(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return v;
}

static void
freenames(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static json_t *
sysinfo(const char *home)
{
	json_t *o = json_object();
	double l1 = -1, l5 = -1, l15 = -1;
	long long total = -1, avail = -1, v;
	char key[64], line[256];
	struct statvfs sv;
	FILE *fp;

	json_object_set_new(o, "cores", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	if ((fp = fopen("/proc/loadavg", "r"))) {
		if (fscanf(fp, "%lf %lf %lf", &l1, &l5, &l15) != 3)
			l1 = -1;
		fclose(fp);
	}
	if (l1 >= 0)
		json_object_set_new(o, "load", json_pack("[f,f,f]", l1, l5, l15));
	if ((fp = fopen("/proc/meminfo", "r"))) {
		while (fgets(line, sizeof line, fp))
			if (sscanf(line, "%63[^:]: %lld", key, &v) == 2) {
				if (strcmp(key, "MemTotal") == 0)
					total = v;
				else if (strcmp(key, "MemAvailable") == 0)
					avail = v;
			}
		fclose(fp);
	}
	if (total > 0 && avail >= 0) {
		json_object_set_new(o, "mem_total_mb", json_integer(total / 1024));
		json_object_set_new(o, "mem_available_mb", json_integer(avail / 1024));
	}
	if (statvfs(home, &sv) == 0 && sv.f_blocks > 0) {
		json_object_set_new(o, "disk_free_pct",
		    json_real(100.0 * (double)sv.f_bavail / (double)sv.f_blocks));
		json_object_set_new(o, "disk_free_gb",
		    json_real((double)sv.f_bavail * (double)sv.f_frsize / 1e9));
	}
	return o;
}

/* A batch is running while some run-batch holds runs/.batch.lock. */
static int
batch_running(const char *home)
{
	char path[CT_PATH_MAX];
	int fd, held = 0;

	if (ct_path(path, sizeof path, "%s/runs/.batch.lock", home) != 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		held = errno == EWOULDBLOCK;
	close(fd);
	return held;
}

static json_t *
counts(const char *home, const char *run)
{
	char path[CT_PATH_MAX];
	json_t *root, *o;
	long n[5];

	if (ct_path(path, sizeof path, "%s/runs/%s/status.json", home, run) != 0 ||
	    access(path, F_OK) != 0)
		return json_null();
	o = json_object();
	json_object_set_new(o, "run", json_string(run));
	/* A damaged ledger is news for the health check, never a missing run
	 * (ct_ledger_read has said why on stderr). */
	if (ct_ledger_read(path, &root) != 0) {
		json_object_set_new(o, "error", json_string("ledger unreadable"));
		return o;
	}
	ct_ledger_counts(root, n);
	json_object_set_new(o, "total", json_integer((json_int_t)json_object_size(json_object_get(root, "symbols"))));
	for (int i = 0; i < 5; i++)
		json_object_set_new(o, ct_ledger_statuses[i], json_integer(n[i]));
	json_decref(root);
	return o;
}

static json_t *
batchinfo(const char *home)
{
	char dir[CT_PATH_MAX];
	json_t *o = json_object(), *full = json_null();
	size_t n;
	char **v;

	json_object_set_new(o, "running", json_boolean(batch_running(home)));
	ct_path(dir, sizeof dir, "%s/runs", home);
	v = names(dir, &n);
	/* Run names start with their UTC stamp, so name order is time order. */
	json_object_set_new(o, "newest", n ? counts(home, v[n - 1]) : json_null());
	for (size_t i = n; i-- > 0;) {
		size_t l = strlen(v[i]);

		if (l > 5 && strcmp(v[i] + l - 5, "-full") == 0) {
			json_t *c = counts(home, v[i]);

			/* Only a finished full run says how the retrain went;
			 * one whose ledger cannot be read says it went wrong. */
			if (json_is_object(c) && (json_object_get(c, "error") ||
			    (json_integer_value(json_object_get(c, "pending")) == 0 &&
			    json_integer_value(json_object_get(c, "running")) == 0))) {
				full = c;
				break;
			}
			json_decref(c);
		}
	}
	json_object_set_new(o, "last_full", full);
	freenames(v, n);
	return o;
}

static json_t *
modelinfo(const char *home, int64_t now_ms, json_t **list)
{
	char dir[CT_PATH_MAX], link[CT_PATH_MAX], target[256];
	json_t *o = json_object();
	const char *newest = NULL;
	int64_t newest_ms = 0;
	struct stat st;
	size_t n, count = 0;
	ssize_t k;
	char **v;

	*list = json_array();
	ct_path(dir, sizeof dir, "%s/models", home);
	v = names(dir, &n);
	for (size_t i = 0; i < n; i++) {
		if (ct_path(link, sizeof link, "%s/%s/current", dir, v[i]) != 0 ||
		    lstat(link, &st) != 0 || (k = readlink(link, target, sizeof target - 1)) < 0)
			continue;
		target[k] = '\0';
		count++;
		/* The link is replaced when a model is switched in, so its own
		 * mtime is when the coin was last updated. */
		int64_t ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
		json_array_append_new(*list, json_pack("{s:s, s:s, s:I}", "symbol", v[i],
		    "model", target, "updated_ms", (json_int_t)ms));
		if (newest == NULL || ms > newest_ms) {
			newest = v[i];
			newest_ms = ms;
		}
	}
	json_object_set_new(o, "count", json_integer((json_int_t)count));
	if (newest) {
		char iso[CT_ISO_LEN];

		json_object_set_new(o, "newest", json_pack("{s:s, s:s, s:f}", "symbol", newest,
		    "updated", ct_iso8601(newest_ms, iso), "age_hours",
		    (double)(now_ms - newest_ms) / 3.6e6));
	} else {
		json_object_set_new(o, "newest", json_null());
	}
	freenames(v, n);
	return o;
}

static json_t *
cacheinfo(const char *home, int64_t now_ms)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX];
	long entries = 0, expired = 0;
	json_t *o = json_object(), *e;
	int64_t exp;
	size_t n, l;
	char **v;

	ct_path(dir, sizeof dir, "%s/cache/predictions", home);
	v = names(dir, &n);
	for (size_t i = 0; i < n; i++) {
		l = strlen(v[i]);
		if (l < 6 || strcmp(v[i] + l - 5, ".json") != 0 ||
		    ct_path(path, sizeof path, "%s/%s", dir, v[i]) != 0)
			continue;
		entries++;
		e = json_load_file(path, 0, NULL);
		/* An unreadable entry serves nobody: count it as expired. */
		if (!str(e, "expires_at") || ct_parse_iso8601(str(e, "expires_at"), &exp) != 0 ||
		    exp <= now_ms)
			expired++;
		json_decref(e);
	}
	freenames(v, n);
	ct_path(path, sizeof path, "%s/cache/top.json", home);
	json_object_set_new(o, "entries", json_integer(entries));
	json_object_set_new(o, "expired", json_integer(expired));
	json_object_set_new(o, "fresh", json_integer(entries - expired));
	json_object_set_new(o, "top", json_boolean(access(path, F_OK) == 0));
	return o;
}

static void
check(json_t *checks, const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
check(json_t *checks, const char *name, int ok, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	json_array_append_new(checks, json_pack("{s:s, s:b, s:s}", "name", name,
	    "ok", ok, "detail", detail));
}

json_t *
ct_dashboard(const char *home, const struct ct_health *h, int64_t now_ms)
{
	json_t *d = json_object(), *sys, *bat, *mod, *cache, *checks = json_array();
	json_t *full, *list, *newest, *v;
	char iso[CT_ISO_LEN];
	int ok = 1;

	json_object_set_new(d, "generated_at", json_string(ct_iso8601(now_ms, iso)));
	json_object_set_new(d, "home", json_string(home));
	json_object_set_new(d, "system", sys = sysinfo(home));
	json_object_set_new(d, "batch", bat = batchinfo(home));
	json_object_set_new(d, "models", mod = modelinfo(home, now_ms, &list));
	json_object_set_new(d, "model_list", list);
	json_object_set_new(d, "cache", cache = cacheinfo(home, now_ms));

	if (json_is_number(v = json_object_get(sys, "disk_free_pct")))
		check(checks, "disk", json_number_value(v) >= h->min_disk_pct,
		    "%.1f%% free (minimum %.1f%%)", json_number_value(v), h->min_disk_pct);
	full = json_object_get(bat, "last_full");
	if (json_is_object(full) && json_object_get(full, "error")) {
		check(checks, "last_full_run", 0, "%s: %s", str(full, "run"), str(full, "error"));
	} else if (json_is_object(full)) {
		json_int_t tot = json_integer_value(json_object_get(full, "total"));
		json_int_t bad = json_integer_value(json_object_get(full, "failed"));
		double pct = tot ? 100.0 * (double)bad / (double)tot : 0;

		check(checks, "last_full_run", pct <= h->max_failed_pct,
		    "%s: %lld of %lld failed (%.0f%%, maximum %.0f%%)", str(full, "run"),
		    (long long)bad, (long long)tot, pct, h->max_failed_pct);
	}
	newest = json_object_get(mod, "newest");
	if (json_is_object(newest)) {
		double age = json_number_value(json_object_get(newest, "age_hours"));

		check(checks, "models", age * 3600 <= (double)h->max_model_age_s,
		    "%lld models, newest %s updated %.1f h ago (maximum %.1f h)",
		    (long long)json_integer_value(json_object_get(mod, "count")),
		    str(newest, "symbol"), age, (double)h->max_model_age_s / 3600);
	} else {
		check(checks, "models", 0, "no model with a current version");
	}
	if (h->require_cache) {
		json_int_t fresh = json_integer_value(json_object_get(cache, "fresh"));

		check(checks, "cache", fresh > 0, "%lld fresh of %lld entries, top list %s",
		    (long long)fresh, (long long)json_integer_value(json_object_get(cache, "entries")),
		    json_is_true(json_object_get(cache, "top")) ? "present" : "missing");
	}
	for (size_t i = 0; i < json_array_size(checks); i++)
		ok &= json_is_true(json_object_get(json_array_get(checks, i), "ok"));
	json_object_set_new(d, "health", json_pack("{s:b, s:o}", "ok", ok, "checks", checks));
	/* Each coin as coin-status describes it, for the page and for jq. */
	json_object_set_new(d, "coins", ct_status_all(home, NULL, now_ms));
	return d;
}

void
ct_dashboard_text(json_t *d, FILE *fp)
{
	json_t *s = json_object_get(d, "system"), *b = json_object_get(d, "batch");
	json_t *m = json_object_get(d, "models"), *c = json_object_get(d, "cache");
	json_t *h = json_object_get(d, "health"), *nw = json_object_get(b, "newest"), *ck, *ld;
	size_t i;

	fprintf(fp, "cointrain dashboard  %s\n", str(d, "home"));
	ld = json_object_get(s, "load");
	fprintf(fp, "system   %lld cores, load %.2f %.2f %.2f, memory %lld of %lld MB available, "
	    "disk %.1f%% free (%.1f GB)\n",
	    (long long)json_integer_value(json_object_get(s, "cores")),
	    json_number_value(json_array_get(ld, 0)), json_number_value(json_array_get(ld, 1)),
	    json_number_value(json_array_get(ld, 2)),
	    (long long)json_integer_value(json_object_get(s, "mem_available_mb")),
	    (long long)json_integer_value(json_object_get(s, "mem_total_mb")),
	    json_number_value(json_object_get(s, "disk_free_pct")),
	    json_number_value(json_object_get(s, "disk_free_gb")));
	fprintf(fp, "batch    %s", json_is_true(json_object_get(b, "running")) ? "running" : "idle");
	if (json_is_object(nw) && json_object_get(nw, "error"))
		fprintf(fp, "; newest run %s: %s", str(nw, "run"), str(nw, "error"));
	else if (json_is_object(nw))
		fprintf(fp, "; newest run %s: %lld/%lld done (%lld success, %lld failed, %lld skipped, "
		    "%lld running, %lld pending)", str(nw, "run"),
		    (long long)(json_integer_value(json_object_get(nw, "success")) +
		    json_integer_value(json_object_get(nw, "failed")) +
		    json_integer_value(json_object_get(nw, "skipped"))),
		    (long long)json_integer_value(json_object_get(nw, "total")),
		    (long long)json_integer_value(json_object_get(nw, "success")),
		    (long long)json_integer_value(json_object_get(nw, "failed")),
		    (long long)json_integer_value(json_object_get(nw, "skipped")),
		    (long long)json_integer_value(json_object_get(nw, "running")),
		    (long long)json_integer_value(json_object_get(nw, "pending")));
	fputc('\n', fp);
	fprintf(fp, "models   %lld", (long long)json_integer_value(json_object_get(m, "count")));
	if (json_is_object(json_object_get(m, "newest"))) {
		json_t *n = json_object_get(m, "newest");

		fprintf(fp, ", newest %s at %s (%.1f h ago)", str(n, "symbol"), str(n, "updated"),
		    json_number_value(json_object_get(n, "age_hours")));
	}
	fputc('\n', fp);
	fprintf(fp, "cache    %lld entries, %lld expired, top list %s\n",
	    (long long)json_integer_value(json_object_get(c, "entries")),
	    (long long)json_integer_value(json_object_get(c, "expired")),
	    json_is_true(json_object_get(c, "top")) ? "present" : "missing");
	json_array_foreach(json_object_get(h, "checks"), i, ck)
		fprintf(fp, "check    %-4s %-13s %s\n", json_is_true(json_object_get(ck, "ok")) ?
		    "ok" : "FAIL", str(ck, "name"), str(ck, "detail"));
	fprintf(fp, "health   %s\n", json_is_true(json_object_get(h, "ok")) ? "ok" : "UNHEALTHY");
}
