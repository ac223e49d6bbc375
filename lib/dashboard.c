/* dashboard.c — the state of a data home, and the health check cron runs.
 *
 * Every check looks at every coin, not at a sample: the newest model says
 * nothing of the other coins' models, a full run nothing of the
 * incremental runs after it, a present cache entry nothing of whether it
 * was predicted from old candles.  A failing check names its coins. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cache.h"
#include "candles.h"
#include "coinstatus.h"
#include "cores.h"
#include "dashboard.h"
#include "err.h"
#include "home.h"
#include "ledger.h"
#include "modeldir.h"
#include "parse.h"
#include "runs.h"
#include "timefmt.h"

/* Coins named in a check's detail; the rest are counted ("and 3 more"),
 * all of them are in its "coins" array. */
#define NAMED 8

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_int_t
num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Names in dir that pass ok (NULL: any not hidden), sorted; *n set.  NULL
 * when the directory cannot be read (a missing one is empty). */
static char **
names(const char *dir, int (*ok)(const char *), size_t *n)
{
	struct dirent **list;
	char **v;
	int k;

	*n = 0;
	if ((k = scandir(dir, &list, NULL, alphasort)) < 0)
		return errno == ENOENT ? calloc(1, sizeof *v) : NULL;
	v = calloc((size_t)k + 1, sizeof *v);
	for (int i = 0; i < k; i++) {
		if (v && (ok ? ok(list[i]->d_name) : list[i]->d_name[0] != '.'))
			v[(*n)++] = strdup(list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return v;
}

static void
freenames(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
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

	json_object_set_new(o, "cores", json_integer(ct_cores()));
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

/* The coins of a run's ledger that failed, as an array of names. */
static json_t *
failed_coins(json_t *root)
{
	json_t *out = json_array(), *e;
	const char *sym;

	json_object_foreach(json_object_get(root, "symbols"), sym, e)
		if (strcmp(str(e, "status"), "failed") == 0)
			json_array_append_new(out, json_string(sym));
	return out;
}

/* The run of a cycle whose outcome counts: the newest, unless a batch is
 * still working on it; then the one before (none: null). */
static json_t *
cycle_run(const char *home, char **runs, size_t newest, int batch)
{
	const char *cycle = ct_run_cycle(runs[newest]);
	json_t *r, *root;

	for (size_t i = newest + 1; i-- > 0;) {
		if (strcmp(ct_run_cycle(runs[i]), cycle) != 0)
			continue;
		/* One read of the ledger for both. */
		root = ct_ledger_peek(home, runs[i]);
		r = ct_run_info_of(runs[i], root);
		if (root && (strcmp(str(r, "state"), "running") == 0 ||
		    (batch && strcmp(str(r, "state"), "unfinished") == 0))) {
			json_decref(root);
			json_decref(r);
			continue;
		}
		json_object_set_new(r, "failed_coins", failed_coins(root));
		json_decref(root);
		return r;
	}
	return json_null();
}

/* "batch": whether one runs, the newest run, and per cycle the run whose
 * outcome the health check judges. */
static json_t *
batchinfo(const char *home)
{
	json_t *o = json_object(), *cycles = json_object();
	int batch = ct_batch_running(home);
	size_t n;
	char **v = ct_runs_list(home, &n);

	json_object_set_new(o, "running", json_boolean(batch));
	json_object_set_new(o, "newest", n ? ct_run_info(home, v[n - 1]) : json_null());
	/* Newest first, so the first run seen of a cycle is its newest. */
	for (size_t i = n; i-- > 0;)
		if (json_object_get(cycles, ct_run_cycle(v[i])) == NULL)
			json_object_set_new(cycles, ct_run_cycle(v[i]), cycle_run(home, v, i, batch));
	json_object_set_new(o, "cycles", cycles);
	ct_runs_free(v, n);
	return o;
}

/* When a model was trained: its stamp; else when current was switched. */
static int64_t
trained_ms(const char *stamp, const struct stat *link)
{
	char iso[CT_ISO_LEN];
	int64_t ms;

	if (ct_stamp_ok(stamp)) {
		snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", stamp, stamp + 4,
		    stamp + 6, stamp + 9, stamp + 11, stamp + 13);
		if (ct_parse_iso8601(iso, &ms) == 0)
			return ms;
	}
	return (int64_t)link->st_mtim.tv_sec * 1000 + link->st_mtim.tv_nsec / 1000000;
}

static int
symdir(const char *name)
{
	return ct_symbol_ok(name);
}

/* One entry per directory in models/: its current model and how old it
 * is, or "model": null when it has none. */
static json_t *
modellist(const char *home, int64_t now_ms)
{
	char dir[CT_PATH_MAX], link[CT_PATH_MAX], target[256], iso[CT_ISO_LEN];
	json_t *list = json_array();
	struct stat st;
	int64_t ms;
	ssize_t k;
	size_t n;
	char **v;

	ct_path(dir, sizeof dir, "%s/models", home);
	v = names(dir, symdir, &n);
	for (size_t i = 0; i < n; i++) {
		if (ct_path(link, sizeof link, "%s/%s/current", dir, v[i]) != 0 ||
		    lstat(link, &st) != 0 || (k = readlink(link, target, sizeof target - 1)) < 0) {
			json_array_append_new(list, json_pack("{s:s, s:n}", "symbol", v[i], "model"));
			continue;
		}
		target[k] = '\0';
		ms = trained_ms(target, &st);
		json_array_append_new(list, json_pack("{s:s, s:s%, s:s, s:f}", "symbol", v[i],
		    "model", target, (size_t)k, "trained", ct_iso8601(ms, iso),
		    "age_hours", (double)(now_ms - ms) / 3.6e6));
	}
	freenames(v, n);
	return list;
}

static json_t *
modelinfo(json_t *list)
{
	json_t *newest = NULL, *m;
	size_t i, count = 0;

	json_array_foreach(list, i, m) {
		if (!json_is_string(json_object_get(m, "model")))
			continue;
		count++;
		if (newest == NULL || strcmp(str(m, "trained"), str(newest, "trained")) > 0)
			newest = m;
	}
	return json_pack("{s:I, s:O?}", "count", (json_int_t)count, "newest", newest);
}

static int
storefile(const char *name)
{
	char tf[8];
	size_t l = strlen(name);

	if (l < 6 || l > 7 || strcmp(name + l - 4, ".csv") != 0)
		return 0;
	memcpy(tf, name, l - 4);
	tf[l - 4] = '\0';
	return ct_tf_ms(tf) > 0;
}

/* One store: its newest candle and how far behind it is, beyond the two
 * candles a healthy store may lag (the one forming, the one just closed). */
static json_t *
store(const char *home, const char *sym, const char *file, int64_t now_ms)
{
	char path[CT_PATH_MAX], tf[8], iso[CT_ISO_LEN];
	struct ct_series s = { 0 };
	json_t *o;
	int64_t last;
	int rc;

	snprintf(tf, sizeof tf, "%.*s", (int)(strlen(file) - 4), file);
	o = json_pack("{s:s, s:s}", "symbol", sym, "timeframe", tf);
	rc = ct_path(path, sizeof path, "%s/candles/%s/%s", home, sym, file) != 0 ||
	    ct_store_tail(path, 1, &s) != 0;
	if (rc || s.n == 0) {
		json_object_set_new(o, "error", json_string(rc ? "unreadable" : "no candle"));
		ct_series_free(&s);
		return o;
	}
	last = s.c[s.n - 1].t;
	ct_series_free(&s);
	json_object_set_new(o, "last", json_string(ct_iso8601(last, iso)));
	json_object_set_new(o, "age_hours", json_real((double)(now_ms - last) / 3.6e6));
	json_object_set_new(o, "lag_s", json_integer((now_ms - last - 2 * ct_tf_ms(tf)) / 1000));
	return o;
}

static json_t *
candleinfo(const char *home, int64_t now_ms)
{
	char dir[CT_PATH_MAX], sub[CT_PATH_MAX];
	json_t *list = json_array();
	size_t n, nf;
	char **v, **f;

	ct_path(dir, sizeof dir, "%s/candles", home);
	v = names(dir, symdir, &n);
	for (size_t i = 0; i < n; i++) {
		ct_path(sub, sizeof sub, "%s/%s", dir, v[i]);
		f = names(sub, storefile, &nf);
		for (size_t j = 0; j < nf; j++)
			json_array_append_new(list, store(home, v[i], f[j], now_ms));
		freenames(f, nf);
	}
	freenames(v, n);
	return list;
}

/* "cache": the counts, and the coins of each kind of problem: entries
 * expired, predicted from stale candles, unreadable, and coins with a
 * model but no entry. */
static json_t *
cacheinfo(const char *home, json_t *models, int64_t now_ms)
{
	char path[CT_PATH_MAX];
	json_t *st = ct_cache_states(home, now_ms), *o, *e, *m;
	json_t *expired = json_array(), *stale = json_array(), *bad = json_array(),
	    *missing = json_array();
	const char *sym;
	size_t i, fresh = 0;

	json_object_foreach(st, sym, e) {
		if (strcmp(str(e, "state"), "fresh") == 0 && !json_is_true(json_object_get(e, "stale")))
			fresh++;
		if (strcmp(str(e, "state"), "expired") == 0)
			json_array_append_new(expired, json_string(sym));
		else if (strcmp(str(e, "state"), "fresh") != 0)
			json_array_append_new(bad, json_string(sym));
		if (json_is_true(json_object_get(e, "stale")))
			json_array_append_new(stale, json_string(sym));
	}
	json_array_foreach(models, i, m)
		if (json_is_string(json_object_get(m, "model")) &&
		    json_object_get(st, str(m, "symbol")) == NULL)
			json_array_append_new(missing, json_string(str(m, "symbol")));
	ct_path(path, sizeof path, "%s/cache/top.json", home);
	o = json_pack("{s:I, s:I, s:I, s:b, s:o, s:o, s:o, s:o}",
	    "entries", (json_int_t)json_object_size(st), "fresh", (json_int_t)fresh,
	    "expired", (json_int_t)json_array_size(expired), "top", access(path, F_OK) == 0,
	    "expired_coins", expired, "stale_coins", stale, "bad_coins", bad,
	    "missing_coins", missing);
	json_object_set_new(o, "stale", json_integer((json_int_t)json_array_size(stale)));
	json_object_set_new(o, "error", json_boolean(st == NULL));
	json_decref(st);
	return o;
}

/* "A, B, C and 2 more" from coins into buf. */
static const char *
named(json_t *coins, char *buf, size_t n)
{
	size_t i, len = 0, k = json_array_size(coins);
	json_t *c;

	buf[0] = '\0';
	json_array_foreach(coins, i, c) {
		if (i == NAMED) {
			snprintf(buf + len, n - len, " and %zu more", k - NAMED);
			break;
		}
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", json_string_value(c));
		if (len >= n)
			break;
	}
	return buf;
}

static void
check(json_t *checks, const char *name, int ok, json_t *coins, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
check(json_t *checks, const char *name, int ok, json_t *coins, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	json_array_append_new(checks, json_pack("{s:s, s:b, s:s, s:o}", "name", name, "ok", ok,
	    "detail", detail, "coins", coins ? coins : json_array()));
}

static void
check_runs(json_t *checks, json_t *bat, const struct ct_health *h)
{
	char name[80], list[512];
	const char *cycle;
	json_int_t tot, bad;
	json_t *r, *coins;
	double pct;

	json_object_foreach(json_object_get(bat, "cycles"), cycle, r) {
		if (!json_is_object(r))
			continue;
		snprintf(name, sizeof name, "last_%s_run", cycle);
		if (json_object_get(r, "error")) {
			check(checks, name, 0, NULL, "%s: %s", str(r, "run"), str(r, "error"));
			continue;
		}
		tot = num(r, "total");
		bad = num(r, "failed");
		pct = tot ? 100.0 * (double)bad / (double)tot : 0;
		coins = json_deep_copy(json_object_get(r, "failed_coins"));
		named(coins, list, sizeof list);
		/* Left unfinished with no batch at it: it died, and until a
		 * run of its cycle resumes it, its coins are not done. */
		if (strcmp(str(r, "state"), "unfinished") == 0)
			check(checks, name, 0, coins, "%s: unfinished, %lld of %lld coins not done and "
			    "no batch running%s%s", str(r, "run"), (long long)(num(r, "pending") +
			    num(r, "running")), (long long)tot, bad ? "; failed: " : "", list);
		else
			check(checks, name, pct <= h->max_failed_pct, coins,
			    "%s: %lld of %lld failed (%.0f%%, maximum %.0f%%)%s%s", str(r, "run"),
			    (long long)bad, (long long)tot, pct, h->max_failed_pct, bad ? ": " : "", list);
	}
}

/* A limit of seconds as hours, or "off". */
static const char *
hours(int64_t s, char *buf, size_t size)
{
	if (s == INT64_MAX)
		return "off";
	snprintf(buf, size, "%.1f h", (double)s / 3600);
	return buf;
}

static void
check_models(json_t *checks, json_t *list, const struct ct_health *h)
{
	json_t *old = json_array(), *none = json_array(), *coins = json_array(), *m, *oldest = NULL;
	char l1[512], l2[512], l3[32];
	size_t i, count = 0;

	json_array_foreach(list, i, m) {
		if (!json_is_string(json_object_get(m, "model"))) {
			json_array_append_new(none, json_string(str(m, "symbol")));
			continue;
		}
		count++;
		if (oldest == NULL || strcmp(str(m, "trained"), str(oldest, "trained")) < 0)
			oldest = m;
		if (h->max_model_age_s != INT64_MAX &&
		    json_number_value(json_object_get(m, "age_hours")) * 3600 > (double)h->max_model_age_s)
			json_array_append_new(old, json_string(str(m, "symbol")));
	}
	json_array_extend(coins, old);
	json_array_extend(coins, none);
	if (count == 0)
		check(checks, "models", 0, coins, "no model with a current version%s%s",
		    json_array_size(none) ? ": " : "", named(none, l2, sizeof l2));
	else
		check(checks, "models", json_array_size(coins) == 0, coins,
		    "%zu models, oldest %s trained %.1f h ago (maximum %s); %zu older%s%s%s%s",
		    count, str(oldest, "symbol"), json_number_value(json_object_get(oldest, "age_hours")),
		    hours(h->max_model_age_s, l3, sizeof l3), json_array_size(old),
		    json_array_size(old) ? ": " : "", named(old, l1, sizeof l1),
		    json_array_size(none) ? "; no current model: " : "", named(none, l2, sizeof l2));
	json_decref(old);
	json_decref(none);
}

/* Whether the coin table (rows as coin-status describes them) found the
 * store of sym and tf damaged: it reads every row, the check only the
 * newest. */
static int
table_bad(json_t *rows, const char *sym, const char *tf)
{
	json_t *r;
	size_t i;

	json_array_foreach(rows, i, r)
		if (strcmp(str(r, "symbol"), sym) == 0 && str(r, "timeframe") &&
		    strcmp(str(r, "timeframe"), tf) == 0 &&
		    json_object_get(json_object_get(r, "candles"), "error"))
			return 1;
	return 0;
}

static void
check_candles(json_t *checks, json_t *stores, json_t *rows, const struct ct_health *h)
{
	json_t *behind = json_array(), *bad = json_array(), *coins = json_array(), *s;
	char label[48], l1[512], l2[512], l3[32];
	size_t i;

	json_array_foreach(stores, i, s) {
		snprintf(label, sizeof label, "%s %s", str(s, "symbol"), str(s, "timeframe"));
		if (json_object_get(s, "error") || table_bad(rows, str(s, "symbol"), str(s, "timeframe")))
			json_array_append_new(bad, json_string(label));
		else if (num(s, "lag_s") > h->max_candle_age_s)
			json_array_append_new(behind, json_string(label));
		else
			continue;
		json_array_append_new(coins, json_string(str(s, "symbol")));
	}
	check(checks, "candles", json_array_size(coins) == 0, coins,
	    "%zu stores; %zu behind by more than %s%s%s%s%s", json_array_size(stores),
	    json_array_size(behind), hours(h->max_candle_age_s, l3, sizeof l3),
	    json_array_size(behind) ? ": " : "", named(behind, l1, sizeof l1),
	    json_array_size(bad) ? "; unreadable or empty: " : "", named(bad, l2, sizeof l2));
	json_decref(behind);
	json_decref(bad);
}

static void
check_cache(json_t *checks, json_t *c)
{
	static const char *const kinds[][2] = {
		{ "expired_coins", "expired" }, { "stale_coins", "predicted from stale candles" },
		{ "bad_coins", "unreadable" }, { "missing_coins", "no entry" },
	};
	json_t *coins = json_array(), *k;
	char detail[1024], list[512];
	size_t len;

	len = (size_t)snprintf(detail, sizeof detail, "%lld fresh of %lld entries, top list %s",
	    (long long)num(c, "fresh"), (long long)num(c, "entries"),
	    json_is_true(json_object_get(c, "top")) ? "present" : "missing");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		k = json_object_get(c, kinds[i][0]);
		if (json_array_size(k) == 0 || len >= sizeof detail)
			continue;
		json_array_extend(coins, k);
		len += (size_t)snprintf(detail + len, sizeof detail - len, "; %s: %s", kinds[i][1],
		    named(k, list, sizeof list));
	}
	check(checks, "cache", json_array_size(coins) == 0 && num(c, "fresh") > 0 &&
	    !json_is_true(json_object_get(c, "error")), coins, "%s", detail);
}

json_t *
ct_dashboard(const char *home, const struct ct_health *h, int64_t now_ms)
{
	json_t *d = json_object(), *sys, *bat, *list, *stores, *cache, *rows, *checks = json_array(), *v;
	char iso[CT_ISO_LEN];
	size_t i;
	int ok = 1;

	json_object_set_new(d, "home", json_string(home));
	json_object_set_new(d, "generated", json_string(ct_iso8601(now_ms, iso)));
	json_object_set_new(d, "system", sys = sysinfo(home));
	json_object_set_new(d, "batch", bat = batchinfo(home));
	list = modellist(home, now_ms);
	json_object_set_new(d, "models", modelinfo(list));
	json_object_set_new(d, "model_list", list);
	json_object_set_new(d, "candles", stores = candleinfo(home, now_ms));
	json_object_set_new(d, "cache", cache = cacheinfo(home, list, now_ms));
	/* Every coin as coin-status describes it: the page's table. */
	json_object_set_new(d, "coins", rows = ct_status_all(home, NULL, now_ms));

	if (json_is_number(v = json_object_get(sys, "disk_free_pct")))
		check(checks, "disk", json_number_value(v) >= h->min_disk_pct, NULL,
		    "%.1f%% free (minimum %.1f%%)", json_number_value(v), h->min_disk_pct);
	check_runs(checks, bat, h);
	check_models(checks, list, h);
	if (h->max_candle_age_s != INT64_MAX)
		check_candles(checks, stores, rows, h);
	if (h->require_cache)
		check_cache(checks, cache);
	json_array_foreach(checks, i, v)
		ok &= json_is_true(json_object_get(v, "ok"));
	json_object_set_new(d, "health", json_pack("{s:b, s:o}", "ok", ok, "checks", checks));
	return d;
}

static void
text_batch(json_t *b, FILE *fp)
{
	json_t *nw = json_object_get(b, "newest");

	fprintf(fp, "batch    %s", json_is_true(json_object_get(b, "running")) ? "running" : "idle");
	if (json_is_object(nw) && json_object_get(nw, "error"))
		fprintf(fp, "; newest run %s: %s", str(nw, "run"), str(nw, "error"));
	else if (json_is_object(nw))
		fprintf(fp, "; newest run %s %s: %lld/%lld done (%lld success, %lld failed, "
		    "%lld skipped, %lld running, %lld pending)", str(nw, "run"), str(nw, "state"),
		    (long long)(num(nw, "success") + num(nw, "failed") + num(nw, "skipped")),
		    (long long)num(nw, "total"), (long long)num(nw, "success"),
		    (long long)num(nw, "failed"), (long long)num(nw, "skipped"),
		    (long long)num(nw, "running"), (long long)num(nw, "pending"));
	fputc('\n', fp);
}

void
ct_dashboard_text(json_t *d, FILE *fp)
{
	json_t *s = json_object_get(d, "system"), *m = json_object_get(d, "models");
	json_t *c = json_object_get(d, "cache"), *h = json_object_get(d, "health"), *ck, *ld, *n;
	size_t i;

	fprintf(fp, "cointrain dashboard  %s  %s\n", str(d, "home"), str(d, "generated"));
	ld = json_object_get(s, "load");
	fprintf(fp, "system   %lld cores, load %.2f %.2f %.2f, memory %lld of %lld MB available, "
	    "disk %.1f%% free (%.1f GB)\n", (long long)num(s, "cores"),
	    json_number_value(json_array_get(ld, 0)), json_number_value(json_array_get(ld, 1)),
	    json_number_value(json_array_get(ld, 2)), (long long)num(s, "mem_available_mb"),
	    (long long)num(s, "mem_total_mb"), json_number_value(json_object_get(s, "disk_free_pct")),
	    json_number_value(json_object_get(s, "disk_free_gb")));
	text_batch(json_object_get(d, "batch"), fp);
	fprintf(fp, "models   %lld", (long long)num(m, "count"));
	if (json_is_object(n = json_object_get(m, "newest")))
		fprintf(fp, ", newest %s trained %s (%.1f h ago)", str(n, "symbol"), str(n, "trained"),
		    json_number_value(json_object_get(n, "age_hours")));
	fprintf(fp, "\ncandles  %zu stores\n", json_array_size(json_object_get(d, "candles")));
	fprintf(fp, "cache    %lld entries, %lld expired, %lld stale, top list %s\n",
	    (long long)num(c, "entries"), (long long)num(c, "expired"), (long long)num(c, "stale"),
	    json_is_true(json_object_get(c, "top")) ? "present" : "missing");
	json_array_foreach(json_object_get(h, "checks"), i, ck)
		fprintf(fp, "check    %-4s %-20s %s\n", json_is_true(json_object_get(ck, "ok")) ?
		    "ok" : "FAIL", str(ck, "name"), str(ck, "detail"));
	fprintf(fp, "health   %s\n", json_is_true(json_object_get(h, "ok")) ? "ok" : "UNHEALTHY");
}
