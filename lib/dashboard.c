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
#include "regfile.h"
#include "runs.h"
#include "text.h"
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

/* The coins of a run's ledger in status st, or in st2 (NULL: none). */
static json_t *
coins_in(json_t *root, const char *st, const char *st2)
{
	json_t *out = json_array(), *e;
	const char *sym, *s;

	json_object_foreach(json_object_get(root, "symbols"), sym, e)
		if ((s = str(e, "status")) && (strcmp(s, st) == 0 || (st2 && strcmp(s, st2) == 0)))
			json_array_append_new(out, json_string(sym));
	return out;
}

/* The coins a start of run left pending by TRAIN_BATCH_SIZE, for the
 * next start (runs/RUN/deferred, which run-batch writes when those are
 * all it left); 0 when none. */
static long
deferred_of(const char *home, const char *run)
{
	char path[CT_PATH_MAX];
	long n = 0;
	FILE *fp;

	if (ct_path(path, sizeof path, "%s/runs/%s/deferred", home, run) != 0 ||
	    (fp = ct_fopen_regular(path)) == NULL)
		return 0;
	if (fscanf(fp, "%ld", &n) != 1 || n < 0)
		n = 0;
	fclose(fp);
	return n;
}

/* A run at a glance (ct_run_info_of) with the coins a check names: those
 * that failed, and of a run left unfinished those not done (pending, or
 * running for a worker that is gone: the run is unfinished only when no
 * worker of it is alive), and how many a start left for the next (deferred). */
static json_t *
judged(const char *home, const char *run, json_t *root)
{
	json_t *r = ct_run_info_of(run, root);
	const char *st = str(r, "state");

	json_object_set_new(r, "failed_coins", coins_in(root, "failed", NULL));
	json_object_set_new(r, "damaged_coins", coins_in(root, "damaged", NULL));
	json_object_set_new(r, "unfinished_coins", st && strcmp(st, "unfinished") == 0 ?
	    coins_in(root, "pending", "running") : json_array());
	json_object_set_new(r, "deferred", json_integer(deferred_of(home, run)));
	return r;
}

/* A ledger as ct_status_runs holds it, or NULL for its {"run", "error"}. */
static json_t *
ledger_of(json_t *lg)
{
	return json_object_get(lg, "symbols") ? lg : NULL;
}

/* The batch holding the lock: whether one does, and the run it holds it
 * for ("" when it has not said). */
struct holder {
	int running;
	char run[64];
};

/* Whether the outcome of run (its ledger root) is to be judged: not while
 * a worker of it is alive, nor, left unfinished, while a batch that may
 * be at its coins holds the lock: one of this run, or of a later run of
 * its cycle (which takes the coins a run too old to resume left first),
 * or one that has not named its run yet.  A batch of another cycle does
 * not resume it. */
static int
settled(const char *run, json_t *root, const struct holder *b)
{
	const char *st;

	if (root == NULL)
		return 1;
	st = ct_run_state(root);
	if (strcmp(st, "running") == 0)
		return 0;
	return !(strcmp(st, "unfinished") == 0 && b->running && (b->run[0] == '\0' ||
	    (strcmp(ct_run_cycle(b->run), ct_run_cycle(run)) == 0 && strcmp(b->run, run) >= 0)));
}

/* The run of a cycle whose outcome counts: its newest (lg, read already),
 * unless a batch is still working on it, or left job arrays of it for
 * its next start to collect; then the one before, from the runs of the
 * home (none: null). */
static json_t *
cycle_run(const char *home, json_t *lg, char **runs, size_t n, const struct holder *b)
{
	const char *newest = str(lg, "run"), *cycle = ct_run_cycle(newest);
	json_t *root, *r;

	if (settled(newest, ledger_of(lg), b) && !ct_run_has_arrays(home, newest))
		return judged(home, newest, ledger_of(lg));
	for (size_t i = n; i-- > 0;) {
		if (strcmp(runs[i], newest) >= 0 || strcmp(ct_run_cycle(runs[i]), cycle) != 0)
			continue;
		root = ct_ledger_peek(home, runs[i]);
		if (settled(runs[i], root, b) && !ct_run_has_arrays(home, runs[i])) {
			r = judged(home, runs[i], root);
			json_decref(root);
			return r;
		}
		json_decref(root);
	}
	return json_null();
}

/* The run's model backup: its last backup_* event in logs/<RUN>/engine.log
 * (run-batch's full cycle backs up before it trains), or null. */
/* Whether a run's backup archive (its path as recorded) is gone: a later
 * backup's rotation (model-backup --keep) removed it.  Not when it cannot
 * be looked at, nor when the data home has moved (the archive of that
 * name is in its backups/). */
static int
archive_gone(const char *home, const char *archive)
{
	const char *base = archive ? strrchr(archive, '/') : NULL;
	char path[CT_PATH_MAX];

	if (archive == NULL || access(archive, F_OK) == 0 || errno != ENOENT)
		return 0;
	return base && ct_path(path, sizeof path, "%s/backups%s", home, base) == 0 &&
	    access(path, F_OK) != 0 && errno == ENOENT;
}

static json_t *
backup_of(const char *home, const char *run)
{
	char path[CT_PATH_MAX], *line = NULL;
	size_t cap = 0;
	json_t *last = json_null(), *j;
	FILE *fp;

	if (run == NULL || ct_path(path, sizeof path, "%s/logs/%s/engine.log", home, run) != 0 ||
	    (fp = ct_fopen_regular(path)) == NULL)
		return last;
	while (getline(&line, &cap, fp) > 0) {
		if (strstr(line, "\"event\":\"backup_") == NULL ||
		    (j = json_loads(line, 0, NULL)) == NULL)
			continue;
		json_decref(last);
		last = j;
	}
	free(line);
	fclose(fp);
	if (archive_gone(home, str(last, "archive")))
		json_object_set_new(last, "archive_gone", json_true());
	return last;
}

/* "batch": whether one runs, the newest run whose job arrays a start
 * left for the next to collect (no batch running), the newest run, and
 * per cycle the run whose outcome the health check judges.  ledgers: the
 * newest run of each cycle, read once for the whole dashboard; runs:
 * every run. */
static json_t *
batchinfo(const char *home, json_t *ledgers, char **runs, size_t n)
{
	json_t *o = json_object(), *cycles = json_object(), *lg, *newest = NULL;
	struct holder b;
	const char *cycle, *sub = ct_batch_submitted(home, runs, n);

	b.running = ct_batch_running(home, b.run, sizeof b.run);
	json_object_set_new(o, "running", json_boolean(b.running));
	json_object_set_new(o, "run", b.running && b.run[0] ? json_string(b.run) : json_null());
	json_object_set_new(o, "submitted", sub && !b.running ? json_string(sub) : json_null());
	json_object_foreach(ledgers, cycle, lg) {
		if (newest == NULL || strcmp(str(lg, "run"), str(newest, "run")) > 0)
			newest = lg;
		json_object_set_new(cycles, cycle, cycle_run(home, lg, runs, n, &b));
	}
	if (json_is_object(lg = json_object_get(cycles, "full")))
		json_object_set_new(lg, "backup", backup_of(home, str(lg, "run")));
	json_object_set_new(o, "newest", newest ?
	    ct_run_info_of(str(newest, "run"), ledger_of(newest)) : json_null());
	json_object_set_new(o, "cycles", cycles);
	return o;
}

/* The coins run-batch keeps (runs/<RUN>/listed of the newest run that
 * has one: its configured SYMBOLS and that run's own coins) as an object
 * {SYM: true}; NULL when no run says (then every coin is kept).  A coin
 * dropped from SYMBOLS is retired: run-batch clears its cache entry, and
 * its model and candles, left as they were, age without being wrong. */
static json_t *
kept_coins(const char *home, char **runs, size_t n)
{
	char path[CT_PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	json_t *kept;
	FILE *fp = NULL;

	for (size_t i = n; fp == NULL && i-- > 0;)
		if (ct_path(path, sizeof path, "%s/runs/%s/listed", home, runs[i]) == 0)
			fp = ct_fopen_regular(path);
	if (fp == NULL)
		return NULL;
	kept = json_object();
	while ((len = getline(&line, &cap, fp)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (ct_symbol_ok(line))
			json_object_set_new(kept, line, json_true());
	}
	free(line);
	fclose(fp);
	return kept;
}

static int
is_kept(json_t *kept, const char *sym)
{
	return kept == NULL || json_object_get(kept, sym) != NULL;
}

/* The coins of the home that run-batch no longer keeps. */
static json_t *
retired(json_t *rows, json_t *kept)
{
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach(rows, i, r)
		if (!is_kept(kept, str(r, "symbol")))
			json_array_append_new(out, json_string(str(r, "symbol")));
	return out;
}

/* When a model was trained: its stamp; else when current was switched. */
static int64_t
trained_ms(const char *stamp, const struct stat *link)
{
	int64_t ms;

	if (ct_stamp_ms(stamp, &ms) == 0)
		return ms;
	return (int64_t)link->st_mtim.tv_sec * 1000 + link->st_mtim.tv_nsec / 1000000;
}

/* The age of the fresh training the model in link descends from
 * (ct_fresh_stamp), when its config.json names another than its own. */
static void
fresh_entry(json_t *o, const char *link, const char *stamp, int64_t now_ms)
{
	char path[CT_PATH_MAX];
	json_t *c;
	int64_t ms;

	if (ct_path(path, sizeof path, "%s/config.json", link) != 0 ||
	    (c = json_load_file(path, 0, NULL)) == NULL)
		return;
	if (strcmp(ct_fresh_stamp(c, stamp), stamp) != 0 &&
	    ct_stamp_ms(ct_fresh_stamp(c, stamp), &ms) == 0) {
		json_object_set_new(o, "fresh_stamp", json_string(ct_fresh_stamp(c, stamp)));
		json_object_set_new(o, "fresh_age_hours", json_real((double)(now_ms - ms) / 3.6e6));
	}
	json_decref(c);
}

static int
symdir(const char *name)
{
	return ct_symbol_ok(name);
}

/* The entry of sym's current model (readlink'd to target): when it was
 * trained and how old it is; "error" instead of an age when current
 * dangles or its stamp is in the future. */
static json_t *
model_entry(const char *sym, const char *link, const char *target, int64_t now_ms)
{
	char iso[CT_ISO_LEN];
	struct stat st, lst;
	int64_t ms;
	json_t *o = json_pack("{s:s, s:s}", "symbol", sym, "model", target);

	if (lstat(link, &lst) != 0 || stat(link, &st) != 0 || !S_ISDIR(st.st_mode)) {
		json_object_set_new(o, "error", json_string("current: no such model directory"));
		return o;
	}
	ms = trained_ms(target, &lst);
	json_object_set_new(o, "trained", json_string(ct_iso8601(ms, iso)));
	if (ms > now_ms + CT_STATUS_FUTURE_SLACK_MS)
		json_object_set_new(o, "error", json_string("trained in the future"));
	else
		json_object_set_new(o, "age_hours", json_real((double)(now_ms - ms) / 3.6e6));
	fresh_entry(o, link, target, now_ms);
	return o;
}

/* One entry per directory in models/: its current model and how old it
 * is, or "model": null when it has none. */
static json_t *
modellist(const char *home, int64_t now_ms)
{
	char dir[CT_PATH_MAX], link[CT_PATH_MAX], target[256];
	json_t *list = json_array();
	ssize_t k;
	size_t n;
	char **v;

	ct_path(dir, sizeof dir, "%s/models", home);
	v = names(dir, symdir, &n);
	for (size_t i = 0; i < n; i++) {
		if (ct_path(link, sizeof link, "%s/%s/current", dir, v[i]) != 0 ||
		    (k = readlink(link, target, sizeof target - 1)) < 0) {
			json_array_append_new(list, json_pack("{s:s, s:n}", "symbol", v[i], "model"));
			continue;
		}
		target[k] = '\0';
		json_array_append_new(list, model_entry(v[i], link, target, now_ms));
	}
	freenames(v, n);
	return list;
}

/* The errors the coin table found in serving models (a file missing or
 * not matching sha256.txt: coin-status's bad-model, what predict refuses)
 * into their entries of list, unless an entry has one already. */
static void
model_errors(json_t *list, json_t *rows)
{
	json_t *m, *r, *err;
	size_t i, j;

	json_array_foreach(list, i, m)
		json_array_foreach(rows, j, r)
			if (strcmp(str(r, "symbol"), str(m, "symbol")) == 0 &&
			    (err = json_object_get(json_object_get(r, "model"), "error")) &&
			    json_object_get(m, "error") == NULL)
				json_object_set(m, "error", err);
}

/* A usable serving model: one with an age, and no error. */
static int
usable(json_t *m)
{
	return json_is_number(json_object_get(m, "age_hours")) && json_object_get(m, "error") == NULL;
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
		if (usable(m) && (newest == NULL || strcmp(str(m, "trained"), str(newest, "trained")) > 0))
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
 * model but no entry; of the coins kept only. */
static json_t *
cacheinfo(const char *home, json_t *models, json_t *kept, int64_t now_ms)
{
	char path[CT_PATH_MAX];
	json_t *st = ct_cache_states(home, now_ms), *o, *e, *m;
	json_t *expired = json_array(), *stale = json_array(), *bad = json_array(),
	    *missing = json_array();
	const char *sym;
	size_t i, fresh = 0;

	json_object_foreach(st, sym, e) {
		if (!is_kept(kept, sym))
			continue;
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
		if (json_is_string(json_object_get(m, "model")) && is_kept(kept, str(m, "symbol")) &&
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
	char detail[2048];	/* the longest check builds 1024 bytes of coins */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	json_array_append_new(checks, json_pack("{s:s, s:b, s:s, s:o}", "name", name, "ok", ok,
	    "detail", detail, "coins", coins ? coins : json_array()));
}

/* The kept coins (rows) whose newest run of cycle listing them is older
 * than run, the one judged (a later run of the cycle, one-off --symbols
 * of other coins, did not list them), and failed there, or lost its
 * worker, or cannot be read: as a JSON array, their runs named after
 * them in buf.  (A newer run still worked on is not judged yet.) */
static json_t *
failed_earlier(json_t *rows, json_t *kept, const char *cycle, const char *run, char *buf,
    size_t n, long *older)
{
	json_t *out = json_array(), *r, *lr;
	const char *st;
	size_t i, len = 0;

	buf[0] = '\0';
	*older = 0;
	json_array_foreach(rows, i, r) {
		lr = json_object_get(json_object_get(r, "last_run"), cycle);
		st = str(lr, "status");
		if (!is_kept(kept, str(r, "symbol")) || !str(lr, "run") ||
		    strcmp(str(lr, "run"), run) >= 0 || !st)
			continue;
		++*older;
		if (strcmp(st, "failed") != 0 && strcmp(st, "lost") != 0 && strcmp(st, "damaged") != 0)
			continue;
		if (json_array_size(out) < NAMED && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s (%s in %s)", len ? ", " : "",
			    str(r, "symbol"), st, str(lr, "run"));
		json_array_append_new(out, json_string(str(r, "symbol")));
	}
	if (json_array_size(out) > NAMED && len < n)
		snprintf(buf + len, n - len, " and %zu more", json_array_size(out) - NAMED);
	return out;
}

static void
check_runs(json_t *checks, json_t *bat, json_t *rows, json_t *kept, const struct ct_health *h)
{
	char name[80], list[512], left[512], early[768];
	const char *cycle;
	json_int_t tot, bad;
	json_t *r, *coins, *dmg, *ea;
	long older;
	double pct;

	json_object_foreach(json_object_get(bat, "cycles"), cycle, r) {
		ea = NULL;
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
		/* A coin whose record cannot be read: its outcome is not known
		 * (the run's other coins are judged as they are). */
		if (json_array_size(dmg = json_object_get(r, "damaged_coins")) > 0) {
			json_array_extend(coins, dmg);
			check(checks, name, 0, coins, "%s: %zu of %lld coins' records damaged: %s%s%s",
			    str(r, "run"), json_array_size(dmg), (long long)tot,
			    named(dmg, left, sizeof left), bad ? "; failed: " : "", list);
			continue;
		}
		/* Left unfinished by TRAIN_BATCH_SIZE alone: its coins wait
		 * for the next start; the run is judged by those it did. */
		if (strcmp(str(r, "state"), "unfinished") == 0 && num(r, "deferred") > 0 &&
		    num(r, "running") == 0 && num(r, "pending") == num(r, "deferred")) {
			check(checks, name, pct <= h->max_failed_pct, coins, "%s: %lld of %lld failed "
			    "(%.0f%%, maximum %.0f%%)%s%s; %lld left for the next start (TRAIN_BATCH_SIZE)",
			    str(r, "run"), (long long)bad, (long long)tot, pct, h->max_failed_pct,
			    bad ? ": " : "", list, (long long)num(r, "deferred"));
		/* Left unfinished with no batch at it: it died, and until a
		 * run of its cycle resumes it, its coins are not done. */
		} else if (strcmp(str(r, "state"), "unfinished") == 0) {
			json_array_extend(coins, json_object_get(r, "unfinished_coins"));
			check(checks, name, 0, coins, "%s: unfinished, %lld of %lld coins not done and "
			    "no batch resuming it: %s%s%s", str(r, "run"), (long long)(num(r, "pending") +
			    num(r, "running")), (long long)tot, named(json_object_get(r,
			    "unfinished_coins"), left, sizeof left), bad ? "; failed: " : "", list);
		} else if (json_array_size(ea = failed_earlier(rows, kept, cycle, str(r, "run"), early,
		    sizeof early, &older)) > 0) {
			/* A later run of other coins judges nothing of these: each
			 * kept coin by its newest run of the cycle, the same limit. */
			json_array_extend(coins, ea);
			pct = 100.0 * (double)(bad + (json_int_t)json_array_size(ea)) /
			    (double)(tot + older);
			check(checks, name, pct <= h->max_failed_pct, coins, "%s: %lld of %lld failed%s%s; "
			    "with the %ld kept coins it does not list, by their newest %s run: %lld of %lld "
			    "failed (%.0f%%, maximum %.0f%%): %s", str(r, "run"), (long long)bad,
			    (long long)tot, bad ? ": " : "", list, older, cycle,
			    (long long)(bad + (json_int_t)json_array_size(ea)), (long long)(tot + older), pct,
			    h->max_failed_pct, early);
		} else
			check(checks, name, pct <= h->max_failed_pct, coins,
			    "%s: %lld of %lld failed (%.0f%%, maximum %.0f%%)%s%s", str(r, "run"),
			    (long long)bad, (long long)tot, pct, h->max_failed_pct, bad ? ": " : "", list);
		json_decref(ea);
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

/* "what: A, B" onto detail[*len] when coins has any; coins go to all. */
static void
append(char *detail, size_t n, size_t *len, const char *what, json_t *coins, json_t *all)
{
	char list[512];

	if (json_array_size(coins) == 0 || *len >= n)
		return;
	json_array_extend(all, coins);
	*len += (size_t)snprintf(detail + *len, n - *len, "%s: %s", what,
	    named(coins, list, sizeof list));
}

/* Hours since the fresh training a model descends from: an update's
 * stamp is young, and the weekly retrain is judged by that training. */
static double
fresh_age(const json_t *m)
{
	return json_number_value(json_object_get(m, json_object_get(m, "fresh_age_hours") ?
	    "fresh_age_hours" : "age_hours"));
}

/* Every kept coin's serving model: there is one, it is whole (what
 * predict would serve), and it is not older than the limit. */
static void
check_models(json_t *checks, json_t *list, json_t *kept, const struct ct_health *h)
{
	json_t *old = json_array(), *none = json_array(), *bad = json_array(), *coins = json_array();
	json_t *m, *oldest = NULL;
	char detail[1024], l3[32];
	size_t i, len = 0, count = 0;

	json_array_foreach(list, i, m) {
		if (!is_kept(kept, str(m, "symbol")))
			continue;
		/* A current link that cannot be read is a model: a bad one. */
		if (!json_is_string(json_object_get(m, "model")) && json_object_get(m, "error") == NULL)
			json_array_append_new(none, json_string(str(m, "symbol")));
		else if (!usable(m))
			json_array_append_new(bad, json_string(str(m, "symbol")));
		else if (count++, oldest == NULL || fresh_age(m) > fresh_age(oldest))
			oldest = m;
		if (usable(m) && h->max_model_age_s != INT64_MAX &&
		    fresh_age(m) * 3600 > (double)h->max_model_age_s)
			json_array_append_new(old, json_string(str(m, "symbol")));
	}
	if (count == 0)
		len = (size_t)snprintf(detail, sizeof detail, "no usable current model");
	else
		len = (size_t)snprintf(detail, sizeof detail, "%zu models, oldest %s trained %s%.1f h ago "
		    "(maximum %s); %zu older", count, str(oldest, "symbol"),
		    json_object_get(oldest, "fresh_age_hours") ? "from scratch " : "", fresh_age(oldest),
		    hours(h->max_model_age_s, l3, sizeof l3), json_array_size(old));
	append(detail, sizeof detail, &len, "", old, coins);
	append(detail, sizeof detail, &len, "; no current model", none, coins);
	append(detail, sizeof detail, &len, "; bad model", bad, coins);
	check(checks, "models", count > 0 && json_array_size(coins) == 0, coins, "%s", detail);
	json_decref(old);
	json_decref(none);
	json_decref(bad);
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
check_candles(json_t *checks, json_t *stores, json_t *rows, json_t *kept,
    const struct ct_health *h)
{
	json_t *behind = json_array(), *bad = json_array(), *ahead = json_array();
	json_t *coins = json_array(), *s;
	char label[48], detail[1024], l3[32];
	size_t i, len, n = 0;

	json_array_foreach(stores, i, s) {
		if (!is_kept(kept, str(s, "symbol")))
			continue;
		n++;
		snprintf(label, sizeof label, "%s %s", str(s, "symbol"), str(s, "timeframe"));
		if (json_object_get(s, "error") || table_bad(rows, str(s, "symbol"), str(s, "timeframe")))
			json_array_append_new(bad, json_string(label));
		else if (num(s, "lag_s") > h->max_candle_age_s)
			json_array_append_new(behind, json_string(label));
		else if (num(s, "lag_s") * 1000 + ct_tf_ms(str(s, "timeframe")) <
		    -CT_STATUS_FUTURE_SLACK_MS)	/* its newest candle closes after now */
			json_array_append_new(ahead, json_string(label));
	}
	if (h->max_candle_age_s == INT64_MAX)
		len = (size_t)snprintf(detail, sizeof detail, "%zu stores; age not checked", n);
	else
		len = (size_t)snprintf(detail, sizeof detail, "%zu stores; %zu behind by more than %s",
		    n, json_array_size(behind), hours(h->max_candle_age_s, l3, sizeof l3));
	append(detail, sizeof detail, &len, "", behind, coins);
	append(detail, sizeof detail, &len, "; unreadable or empty", bad, coins);
	append(detail, sizeof detail, &len, "; with candles after now (a wrong clock, generated "
	    "candles)", ahead, coins);
	/* The check's coins are symbols, its detail says the timeframes. */
	json_array_foreach(coins, i, s)
		json_array_set_new(coins, i, json_stringn(json_string_value(s),
		    strcspn(json_string_value(s), " ")));
	check(checks, "candles", json_array_size(coins) == 0, coins, "%s", detail);
	json_decref(behind);
	json_decref(bad);
	json_decref(ahead);
}

static void
check_cache(json_t *checks, json_t *c)
{
	static const char *const kinds[][2] = {
		{ "expired_coins", "; expired" }, { "stale_coins", "; predicted from stale candles" },
		{ "bad_coins", "; unreadable" }, { "missing_coins", "; no entry" },
	};
	json_t *coins = json_array();
	char detail[1024];
	size_t len;

	len = (size_t)snprintf(detail, sizeof detail, "%lld fresh of %lld entries, top list %s",
	    (long long)num(c, "fresh"), (long long)num(c, "entries"),
	    json_is_true(json_object_get(c, "top")) ? "present" : "missing");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		append(detail, sizeof detail, &len, kinds[i][1], json_object_get(c, kinds[i][0]), coins);
	check(checks, "cache", json_array_size(coins) == 0 && num(c, "fresh") > 0 &&
	    !json_is_true(json_object_get(c, "error")), coins, "%s", detail);
}

/* Every coin as coin-status describes it (the page's table), from the
 * ledgers read already. */
static json_t *
coin_rows(const char *home, json_t *ledgers, int runs_bad, int64_t now_ms)
{
	struct ct_status_ctx ctx = { home, NULL, now_ms, ledgers, runs_bad, NULL, 0, NULL };
	json_t *rows = json_array();
	size_t n;
	char **v = ct_status_coins(home, &n);
	int bad = 0;

	ct_status_history(&ctx);
	for (size_t i = 0; v && i < n; i++)
		json_array_append_new(rows, ct_status_coin(&ctx, v[i], &bad));
	ct_status_history_free(&ctx);
	ct_status_free_coins(v, n);
	return rows;
}

/* The last full run's model backup failed: the models a restore would
 * need are not in an archive of that week. */
static void
check_backup(json_t *checks, json_t *bat)
{
	json_t *r = json_object_get(json_object_get(bat, "cycles"), "full");
	json_t *b = json_object_get(r, "backup");
	const char *ev = str(b, "event"), *run = str(r, "run");

	if (ev == NULL || run == NULL)
		return;
	if (strcmp(ev, "backup_failed") == 0)
		check(checks, "backup", 0, NULL, "%s: model backup failed: %s", run,
		    str(b, "error") ? str(b, "error") : "no reason logged");
	else
		check(checks, "backup", 1, NULL, "%s: %s%s", run,
		    strcmp(ev, "backup_succeeded") == 0 && str(b, "archive") ? str(b, "archive") :
		    "none needed (no model yet)", json_is_true(json_object_get(b, "archive_gone")) ?
		    " (removed since: rotated by a later backup?)" : "");
}

static void
checks_of(json_t *d, json_t *checks, json_t *kept, const struct ct_health *h)
{
	json_t *v = json_object_get(json_object_get(d, "system"), "disk_free_pct");

	if (json_is_number(v))
		check(checks, "disk", json_number_value(v) >= h->min_disk_pct, NULL,
		    "%.1f%% free (minimum %.1f%%)", json_number_value(v), h->min_disk_pct);
	check_runs(checks, json_object_get(d, "batch"), json_object_get(d, "coins"), kept, h);
	check_backup(checks, json_object_get(d, "batch"));
	check_models(checks, json_object_get(d, "model_list"), kept, h);
	/* An unreadable store is found with the age check off too. */
	check_candles(checks, json_object_get(d, "candles"), json_object_get(d, "coins"), kept, h);
	if (h->require_cache)
		check_cache(checks, json_object_get(d, "cache"));
}

/* "drift": of the coins with a drift check (a row's "drift"), how many
 * were checked since their model's retrain from scratch, which of those
 * drifted, how many were not checked since. */
static json_t *
driftinfo(json_t *rows)
{
	json_t *drifted = json_array(), *r, *dr;
	size_t i, checked = 0, unchecked = 0;

	json_array_foreach(rows, i, r) {
		if (!json_is_object(dr = json_object_get(r, "drift")) || json_object_get(dr, "error"))
			continue;
		if (json_is_true(json_object_get(dr, "stale")))
			unchecked++;
		else
			checked++;
		if (json_is_true(json_object_get(dr, "drifted")) &&
		    !json_is_true(json_object_get(dr, "stale")))
			json_array_append(drifted, json_object_get(r, "symbol"));
	}
	return json_pack("{s:I, s:o, s:I}", "checked", (json_int_t)checked, "drifted", drifted,
	    "unchecked", (json_int_t)unchecked);
}

json_t *
ct_dashboard(const char *home, const struct ct_health *h, int64_t now_ms)
{
	json_t *d = json_object(), *ledgers, *list, *rows, *kept, *checks = json_array(), *v;
	char iso[CT_ISO_LEN], **runs = NULL;
	size_t i, nruns = 0;
	int ok = 1, runs_bad = 0;

	json_object_set_new(d, "home", ct_json_text(home));
	json_object_set_new(d, "generated", json_string(ct_iso8601(now_ms, iso)));
	json_object_set_new(d, "system", sysinfo(home));
	/* Each ledger is read once: its diagnostic is said once, and the
	 * checks, the table and the page judge the same version of it. */
	ledgers = ct_status_runs(home, &runs_bad);
	/* Even when a ledger is damaged: the others, and the coins each run
	 * keeps, still count (an unreadable runs/ gives none, said once). */
	runs = ct_runs_list(home, &nruns);
	kept = kept_coins(home, runs, nruns);
	json_object_set_new(d, "batch", batchinfo(home, ledgers, runs, nruns));
	ct_runs_free(runs, nruns);
	json_object_set_new(d, "runs", ledgers);
	list = modellist(home, now_ms);
	rows = coin_rows(home, ledgers, runs_bad, now_ms);
	model_errors(list, rows);
	json_object_set_new(d, "models", modelinfo(list));
	json_object_set_new(d, "model_list", list);
	json_object_set_new(d, "candles", candleinfo(home, now_ms));
	json_object_set_new(d, "cache", cacheinfo(home, list, kept, now_ms));
	json_object_set_new(d, "drift", driftinfo(rows));
	json_object_set_new(d, "coins", rows);
	json_object_set_new(d, "retired", retired(rows, kept));
	checks_of(d, checks, kept, h);
	json_decref(kept);
	json_array_foreach(checks, i, v)
		ok &= json_is_true(json_object_get(v, "ok"));
	json_object_set_new(d, "health", json_pack("{s:b, s:o}", "ok", ok, "checks", checks));
	return d;
}

static void
text_batch(json_t *b, FILE *fp)
{
	json_t *nw = json_object_get(b, "newest");

	if (json_is_string(json_object_get(b, "submitted")))
		fprintf(fp, "batch    submitted (%s's job arrays were left on the cluster for its "
		    "next start to collect)", str(b, "submitted"));
	else if (json_is_string(json_object_get(b, "run")))
		fprintf(fp, "batch    running %s", str(b, "run"));
	else
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
	if (json_is_object(nw) && num(nw, "damaged") > 0)
		fprintf(fp, "; %lld damaged", (long long)num(nw, "damaged"));
	fputc('\n', fp);
}

/* "drift    N checked, M drifted: A, B; K unchecked": what the hourly
 * text view would otherwise leave to the page. */
static void
text_drift(json_t *dr, FILE *fp)
{
	json_t *drifted = json_object_get(dr, "drifted");
	char list[512];

	if (num(dr, "checked") + num(dr, "unchecked") > 0)
		fprintf(fp, "drift    %lld checked, %zu drifted%s%s; %lld unchecked since a retrain\n",
		    (long long)num(dr, "checked"), json_array_size(drifted),
		    json_array_size(drifted) ? ": " : "", named(drifted, list, sizeof list),
		    (long long)num(dr, "unchecked"));
}

void
ct_dashboard_text(json_t *d, FILE *fp)
{
	json_t *s = json_object_get(d, "system"), *m = json_object_get(d, "models");
	json_t *c = json_object_get(d, "cache"), *h = json_object_get(d, "health"), *ck, *ld, *n;
	char list[512];
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
	if (json_array_size(json_object_get(d, "retired")))
		fprintf(fp, "retired  %s (not in the newest run's SYMBOLS: not checked)\n",
		    named(json_object_get(d, "retired"), list, sizeof list));
	fprintf(fp, "cache    %lld entries, %lld expired, %lld stale, top list %s\n",
	    (long long)num(c, "entries"), (long long)num(c, "expired"), (long long)num(c, "stale"),
	    json_is_true(json_object_get(c, "top")) ? "present" : "missing");
	text_drift(json_object_get(d, "drift"), fp);
	json_array_foreach(json_object_get(h, "checks"), i, ck)
		fprintf(fp, "check    %-4s %-20s %s\n", json_is_true(json_object_get(ck, "ok")) ?
		    "ok" : "FAIL", str(ck, "name"), str(ck, "detail"));
	fprintf(fp, "health   %s\n", json_is_true(json_object_get(h, "ok")) ? "ok" : "UNHEALTHY");
}
