/* cache.c — the prediction cache (see cache.h for the layout). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "atomic.h"
#include "cache.h"
#include "err.h"
#include "home.h"
#include "jsonfile.h"
#include "parse.h"
#include "regfile.h"
#include "timefmt.h"

/* 15 significant digits reproduce every decimal of up to 15 digits exactly
 * (jansson's default of 17 turns predict's 0.5234123 into
 * 0.52341230000000001). */
#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

const char *
ct_cache_invalid(const json_t *pred, char *buf, size_t n)
{
	const char *sym, *tf, *ot, *sig;
	char ex[CT_EXCERPT_LEN];
	json_t *p;
	int64_t ms;
	double v;

	if (!json_is_object(pred))
		return "not a JSON object";
	if ((sym = json_string_value(json_object_get(pred, "symbol"))) == NULL)
		return "symbol: missing or not a string";
	if (!ct_symbol_ok(sym)) {
		snprintf(buf, n, "symbol: invalid \"%s\"", ct_excerpt(sym, strlen(sym), ex));
		return buf;
	}
	if ((tf = json_string_value(json_object_get(pred, "timeframe"))) == NULL)
		return "timeframe: missing or not a string";
	if (ct_tf_ms(tf) < 0) {
		snprintf(buf, n, "timeframe: unknown \"%s\"", ct_excerpt(tf, strlen(tf), ex));
		return buf;
	}
	if ((ot = json_string_value(json_object_get(pred, "open_time"))) == NULL ||
	    ct_parse_iso8601(ot, &ms) != 0)
		return "open_time: missing or not ISO-8601 UTC";
	p = json_object_get(pred, "prob_up");
	v = json_number_value(p);
	if (!json_is_number(p) || !(v >= 0 && v <= 1))
		return "prob_up: missing or not a number in [0,1]";
	if ((sig = json_string_value(json_object_get(pred, "signal"))) == NULL ||
	    (strcmp(sig, "long") != 0 && strcmp(sig, "flat") != 0))
		return "signal: missing or not \"long\" or \"flat\"";
	return NULL;
}

int
ct_cache_expiry(int64_t now_ms, int64_t ttl_s, int64_t *exp)
{
	if (ttl_s < 0 || now_ms > CT_CACHE_MAX_EXPIRY_MS ||
	    ttl_s > (CT_CACHE_MAX_EXPIRY_MS - now_ms) / 1000)
		return -1;
	*exp = now_ms + ttl_s * 1000;
	return 0;
}

/* 1 for a temporary of an atomic write (".NAME.json.tmp.XXXXXX"). */
static int
is_tmp(const char *name, const void *arg)
{
	(void)arg;
	return name[0] == '.' && strstr(name, ".json.tmp.") != NULL;
}

/* Take fd's lock (LOCK_SH or LOCK_EX), waiting; 0 or -1 (diagnostic). */
static int
lock_as(int fd, int how, const char *path)
{
	while (flock(fd, how) != 0) {
		if (errno == EINTR)
			continue;
		ct_warn("%s: lock: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Exclusively: every entry writer (a shared holder) has renamed its
 * temporary, so a temporary left is a killed writer's. */
static void
sweep_all(const char *home)
{
	char path[CT_PATH_MAX];

	if (ct_path(path, sizeof path, "%s/cache", home) == 0)
		ct_sweep(path, is_tmp, NULL);
	if (ct_path(path, sizeof path, "%s/cache/predictions", home) == 0)
		ct_sweep(path, is_tmp, NULL);
}

int
ct_cache_lock_upgrade(int fd, const char *home)
{
	if (lock_as(fd, LOCK_EX, "cache/.lock") != 0)
		return -1;
	sweep_all(home);
	return 0;
}

int
ct_cache_lock(const char *home)
{
	int fd = ct_cache_lock_shared(home);

	if (fd >= 0 && ct_cache_lock_upgrade(fd, home) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
ct_cache_lock_shared(const char *home)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX];
	int fd;

	if (ct_path(dir, sizeof dir, "%s/cache", home) != 0 ||
	    ct_path(path, sizeof path, "%s/.lock", dir) != 0) {
		ct_warn("%s/cache: %s", home, strerror(errno));
		return -1;
	}
	if (ct_mkdirs(dir, 0777) != 0) {
		ct_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	/* O_NOFOLLOW: a symlink planted as the lock must not make us create
	 * or lock whatever it names. */
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666)) < 0) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	if (lock_as(fd, LOCK_SH, path) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Parse a JSON file; MISSING when it (or its directory) does not exist,
 * BAD with a diagnostic when it cannot be read or parsed, else FRESH. */
static enum ct_cache_state
load_file(const char *path, json_t **out)
{
	char ex[CT_EXCERPT_LEN];
	json_error_t jerr;
	FILE *fp;

	*out = NULL;
	if ((fp = ct_fopen_regular(path)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return CT_CACHE_MISSING;
		ct_warn("%s: %s", path, ct_file_strerror(errno));
		return CT_CACHE_BAD;
	}
	*out = json_loadf(fp, 0, &jerr);
	fclose(fp);
	if (*out == NULL) {
		ct_warn("%s:%d: %s", path, jerr.line, ct_excerpt(jerr.text, strlen(jerr.text), ex));
		return CT_CACHE_BAD;
	}
	return CT_CACHE_FRESH;
}

/* Parse a JSON file without a word: 0, or -1 (missing, unreadable,
 * damaged: a writer over it need not say so). */
static int
quiet_load(const char *path, json_t **out)
{
	FILE *fp = ct_fopen_regular(path);

	*out = fp ? json_loadf(fp, 0, NULL) : NULL;
	if (fp)
		fclose(fp);
	return *out ? 0 : -1;
}

/* The top list at path into *old: 1; 0 when none is kept; -1 when it is
 * damaged (said, with the way to rebuild it: its length is lost too). */
static int
load_top(const char *path, json_t **old)
{
	switch (load_file(path, old)) {
	case CT_CACHE_FRESH:
		return 1;
	case CT_CACHE_MISSING:
		return 0;
	default:
		ct_warn("%s: the top list is damaged: rebuild it with cache-put --top N", path);
		return -1;
	}
}

static int
entry_path(char *buf, size_t n, const char *home, const char *sym)
{
	char ex[CT_EXCERPT_LEN];

	if (!ct_symbol_ok(sym)) {
		ct_warn("%s: invalid symbol", sym ? ct_excerpt(sym, strlen(sym), ex) : "(none)");
		return -1;
	}
	if (ct_path(buf, n, "%s/cache/predictions/%s.json", home, sym) != 0) {
		ct_warn("%s/cache/predictions/%s.json: %s", home, sym, strerror(errno));
		return -1;
	}
	return 0;
}

int
ct_cache_served(const char *home, const char *sym, const json_t *pred)
{
	const char *m = json_string_value(json_object_get(pred, "model")), *stamp;
	char path[CT_PATH_MAX], cur[CT_PATH_MAX], ex[CT_EXCERPT_LEN];
	ssize_t n;

	if (m == NULL || ct_path(path, sizeof path, "%s/models/%s/current", home, sym) != 0 ||
	    (n = readlink(path, cur, sizeof cur - 1)) < 0)
		return 0;
	cur[n] = '\0';
	stamp = strrchr(m, '/') ? strrchr(m, '/') + 1 : m;
	if (strcmp(stamp, cur) == 0)
		return 0;
	ct_warn("%s: predicted by %s, which is no longer its current model (%s): not cached",
	    sym, ct_excerpt(m, strlen(m), ex), cur);
	return -1;
}

/* Both NULL, or the same text. */
static int
same_text(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

json_t *
ct_cache_newer(const char *home, const char *sym, const json_t *pred, int64_t now_ms)
{
	char path[CT_PATH_MAX], why[96];
	const char *t = json_string_value(json_object_get(pred, "open_time")), *ot;
	json_t *old = NULL;
	int64_t tms, otms;

	if (t == NULL || ct_parse_iso8601(t, &tms) != 0 ||
	    entry_path(path, sizeof path, home, sym) != 0 || quiet_load(path, &old) != 0)
		return NULL;
	ot = json_string_value(json_object_get(old, "open_time"));
	/* Only a fresh entry is worth keeping; another model's (a retrain
	 * since) is replaced whatever its time. */
	if (ct_cache_invalid(old, why, sizeof why) != NULL ||
	    ct_cache_entry_state(old, now_ms) != CT_CACHE_FRESH || ot == NULL ||
	    ct_parse_iso8601(ot, &otms) != 0 || otms <= tms ||
	    !same_text(json_string_value(json_object_get(pred, "model")),
	    json_string_value(json_object_get(old, "model")))) {
		json_decref(old);
		return NULL;
	}
	ct_warn("%s: predicted for the candle of %s, older than the cached entry's (%s): "
	    "that one is kept", sym, t, ot);
	return old;
}

json_t *
ct_cache_put(const char *home, const json_t *pred, int64_t now_ms, int64_t ttl_s)
{
	char path[CT_PATH_MAX], iso[CT_ISO_LEN];
	const char *sym = json_string_value(json_object_get(pred, "symbol"));
	int64_t exp;
	json_t *e;

	if (entry_path(path, sizeof path, home, sym) != 0)
		return NULL;
	if (ct_cache_expiry(now_ms, ttl_s, &exp) != 0) {
		ct_warn("%s: a time to live of %lld s expires after 9999-12-31", sym, (long long)ttl_s);
		return NULL;
	}
	if ((e = json_deep_copy(pred)) == NULL) {
		ct_warn("%s: out of memory", sym);
		return NULL;
	}
	/* A line from `cache-get --stale-ok` fed back in is fresh again. */
	json_object_del(e, "expired");
	if (json_object_set_new(e, "cached_at", json_string(ct_iso8601(now_ms, iso))) != 0 ||
	    json_object_set_new(e, "expires_at",
	    json_string(ct_iso8601(exp, iso))) != 0 ||
	    ct_json_save(path, e, DUMP_FLAGS) != 0) {
		json_decref(e);
		return NULL;
	}
	return e;
}

enum ct_cache_state
ct_cache_entry_state(const json_t *entry, int64_t now_ms)
{
	const char *s = json_string_value(json_object_get(entry, "expires_at"));
	const char *c = json_string_value(json_object_get(entry, "cached_at"));
	int64_t exp, at;

	if (s == NULL || ct_parse_iso8601(s, &exp) != 0)
		return CT_CACHE_BAD;
	/* Cached by a clock that was ahead: its expiry is as far ahead, so
	 * it would outlive its time to live. */
	if (c && ct_parse_iso8601(c, &at) == 0 && at > now_ms + CT_CACHE_CLOCK_SKEW_MS)
		return CT_CACHE_EXPIRED;
	return now_ms < exp ? CT_CACHE_FRESH : CT_CACHE_EXPIRED;
}

enum ct_cache_state
ct_cache_judge(const char *path, const char *sym, const json_t *e, int64_t now_ms, char *why,
    size_t n)
{
	char ex[CT_EXCERPT_LEN], inv[96];
	enum ct_cache_state st;
	const char *other, *bad;

	if ((st = ct_cache_entry_state(e, now_ms)) == CT_CACHE_BAD) {
		snprintf(why, n, "%s: not a cache entry (no valid expires_at)", path);
		return st;
	}
	/* What cache-put would not have stored (a prob_up of "high", a file
	 * edited by hand) is served to no one. */
	if ((bad = ct_cache_invalid(e, inv, sizeof inv)) != NULL) {
		snprintf(why, n, "%s: not a prediction: %s", path, bad);
		return CT_CACHE_BAD;
	}
	/* Another coin's prediction (a file copied or renamed by hand) is
	 * not this coin's. */
	if ((other = json_string_value(json_object_get(e, "symbol"))) == NULL ||
	    strcmp(other, sym) != 0) {
		snprintf(why, n, "%s: the entry of %s, not %s", path,
		    other ? ct_excerpt(other, strlen(other), ex) : "no symbol", sym);
		return CT_CACHE_BAD;
	}
	return st;
}

enum ct_cache_state
ct_cache_get(const char *home, const char *sym, int64_t now_ms, json_t **entry)
{
	char path[CT_PATH_MAX], why[CT_PATH_MAX + 160];
	enum ct_cache_state st;
	json_t *e;

	*entry = NULL;
	if (entry_path(path, sizeof path, home, sym) != 0)
		return CT_CACHE_BAD;
	if ((st = load_file(path, &e)) != CT_CACHE_FRESH)
		return st;
	if ((st = ct_cache_judge(path, sym, e, now_ms, why, sizeof why)) == CT_CACHE_BAD) {
		ct_warn("%s", why);
		json_decref(e);
		return st;
	}
	*entry = e;
	return st;
}

/* An entry file name: "<SYMBOL>.json". */
static int
entry_name(const char *name, char sym[64])
{
	size_t len = strlen(name);

	if (len <= 5 || len - 5 >= 64 || strcmp(name + len - 5, ".json") != 0)
		return 0;
	memcpy(sym, name, len - 5);
	sym[len - 5] = '\0';
	return ct_symbol_ok(sym);
}

/* 1 when path was removed, 0 when there was none, -1 (diagnostic). */
static int
remove_file(const char *path)
{
	if (unlink(path) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	ct_warn("%s: %s", path, strerror(errno));
	return -1;
}

/* Every entry, and temporaries left by a writer that was killed; the
 * number of entries removed, or -1. */
static long
clear_all(const char *dir)
{
	char path[CT_PATH_MAX], sym[64];
	struct dirent *d;
	long n = 0;
	int r, rc = 0;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		ct_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((d = readdir(dp)) != NULL) {
		int entry = entry_name(d->d_name, sym);

		if (!entry && !is_tmp(d->d_name, NULL))
			continue;
		if (ct_path(path, sizeof path, "%s/%s", dir, d->d_name) != 0 ||
		    (r = remove_file(path)) < 0)
			rc = -1;
		else
			n += entry && r;
	}
	closedir(dp);
	return rc ? -1 : n;
}

int
ct_cache_clear(const char *home, char *const syms[], size_t nsyms, int say)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX];
	long n;
	int r, rc = 0;

	if (ct_path(dir, sizeof dir, "%s/cache/predictions", home) != 0) {
		ct_warn("%s/cache/predictions: %s", home, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < nsyms; i++) {
		if (entry_path(path, sizeof path, home, syms[i]) != 0 || (r = remove_file(path)) < 0)
			rc = -1;
		else if (say)
			ct_warn("%s: %s", syms[i], r ? "entry removed" : "no entry");
	}
	if (nsyms == 0) {
		if ((n = clear_all(dir)) < 0)
			rc = -1;
		else if (say)
			ct_warn("%ld entr%s removed", n, n == 1 ? "y" : "ies");
	}
	if (ct_fsync_dir(dir) != 0 && errno != ENOENT)
		ct_warn("%s: %s", dir, strerror(errno));
	return rc;
}

int
ct_cache_forget(const char *home, char *const syms[], size_t nsyms, int say)
{
	int lock, rc;

	if ((lock = ct_cache_lock(home)) < 0)
		return -1;
	rc = ct_cache_clear(home, syms, nsyms, say);
	if (ct_cache_top_rebuild(home, nsyms ? 0 : -1, ct_now_ms()) != 0)
		rc = -1;
	close(lock);
	return rc;
}

static int
by_prob_desc(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	double px = json_number_value(json_object_get(x, "prob_up"));
	double py = json_number_value(json_object_get(y, "prob_up"));

	if (px != py)
		return px > py ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x, "symbol")),
	    json_string_value(json_object_get(y, "symbol")));
}

int
ct_never_trades(const json_t *o)
{
	const json_t *t = json_object_get(o, "threshold");

	return json_is_number(t) && json_number_value(t) >= 1;
}

/* Every fresh, well-formed entry of a model that trades; NULL only on a
 * read error of dir. */
static json_t **
fresh_entries(const char *home, int64_t now_ms, size_t *np)
{
	char dir[CT_PATH_MAX], sym[64], why[96];
	json_t **v = NULL, **nv, *e;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dp;

	*np = 0;
	if (ct_path(dir, sizeof dir, "%s/cache/predictions", home) != 0 ||
	    (dp = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return calloc(1, sizeof *v);
		ct_warn("%s/cache/predictions: %s", home, strerror(errno));
		return NULL;
	}
	while ((d = readdir(dp)) != NULL) {
		if (!entry_name(d->d_name, sym))
			continue;
		/* Only coins whose served model trades are ranked: a model
		 * with threshold 1 never goes long, whatever its prob_up. */
		if (ct_cache_get(home, sym, now_ms, &e) != CT_CACHE_FRESH ||
		    ct_cache_invalid(e, why, sizeof why) != NULL || ct_never_trades(e)) {
			json_decref(e);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof *v)) == NULL) {
				json_decref(e);
				break;
			}
			v = nv;
		}
		v[n++] = e;
	}
	closedir(dp);
	if (v == NULL)
		v = calloc(1, sizeof *v);
	*np = n;
	return v;
}

/* Write the n best of the nv entries of v to path as the top list;
 * frees them and v. */
static int
top_write(const char *path, json_t **v, size_t nv, long n, int64_t now_ms)
{
	char iso[CT_ISO_LEN];
	json_t *top = json_object(), *list = json_array();
	int rc;

	qsort(v, nv, sizeof *v, by_prob_desc);
	for (size_t i = 0; i < nv; i++) {
		if (i < (size_t)n)
			json_array_append(list, v[i]);
		json_decref(v[i]);
	}
	free(v);
	json_object_set_new(top, "generated_at", json_string(ct_iso8601(now_ms, iso)));
	json_object_set_new(top, "n", json_integer(n));
	json_object_set_new(top, "predictions", list);
	rc = ct_json_save(path, top, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	json_decref(top);
	return rc;
}

int
ct_cache_top_rebuild(const char *home, long n, int64_t now_ms)
{
	char path[CT_PATH_MAX];
	json_t **v, *old;
	size_t nv;

	if (ct_path(path, sizeof path, "%s/cache/top.json", home) != 0) {
		ct_warn("%s/cache/top.json: %s", home, strerror(errno));
		return -1;
	}
	if (n < 0) {
		if (remove_file(path) < 0)
			return -1;
		if (ct_fsync_dir(path) != 0 && errno != ENOENT)
			ct_warn("%s: %s", path, strerror(errno));
		return 0;
	}
	if (n == 0) {
		if ((n = load_top(path, &old)) <= 0)
			return (int)n;
		n = (long)json_integer_value(json_object_get(old, "n"));
		json_decref(old);
		if (n <= 0)
			return 0;
	}
	if ((v = fresh_entries(home, now_ms, &nv)) == NULL)
		return -1;
	return top_write(path, v, nv, n, now_ms);
}

/* An entry the top list may rank: well-formed, fresh, its model trades. */
static int
rankable(const json_t *e, int64_t now_ms)
{
	char why[96];

	return ct_cache_invalid(e, why, sizeof why) == NULL && !ct_never_trades(e) &&
	    ct_cache_entry_state(e, now_ms) == CT_CACHE_FRESH;
}

/* The old list's entries that stay (coins not in put, still fresh) into
 * v; 1 when one left that the entries of put may not replace: an entry
 * of the list is gone, or its coin's new entry ranks lower or not at
 * all (then a coin outside the list may belong in it). */
static int
top_keep(const json_t *list, const json_t *put, int64_t now_ms, json_t **v, size_t *nv)
{
	const json_t *e, *p;
	size_t i;
	int gone = 0;

	json_array_foreach(list, i, e) {
		const char *sym = json_string_value(json_object_get(e, "symbol"));

		p = sym ? json_object_get(put, sym) : NULL;
		if (p == NULL && ct_cache_entry_state(e, now_ms) == CT_CACHE_FRESH) {
			v[(*nv)++] = json_incref((json_t *)e);
			continue;
		}
		if (p == NULL || !rankable(p, now_ms) || by_prob_desc(&p, &e) > 0)
			gone = 1;
	}
	return gone;
}

/* Merge put, the entries of some coins as they are, into the top list. */
static int
top_merge(const char *home, const json_t *put, int64_t now_ms)
{
	char path[CT_PATH_MAX];
	json_t *old, **v, *list, *p;
	const char *sym;
	size_t nv = 0;
	long n;

	if (ct_path(path, sizeof path, "%s/cache/top.json", home) != 0) {
		ct_warn("%s/cache/top.json: %s", home, strerror(errno));
		return -1;
	}
	if ((n = load_top(path, &old)) <= 0)
		return (int)n;
	n = (long)json_integer_value(json_object_get(old, "n"));
	list = json_object_get(old, "predictions");
	if (n <= 0 || !json_is_array(list) ||
	    (v = calloc(json_array_size(list) + json_object_size(put) + 1, sizeof *v)) == NULL) {
		json_decref(old);
		return n <= 0 ? 0 : ct_cache_top_rebuild(home, n, now_ms);
	}
	/* A full list that lost an entry: its successor is unknown. */
	if (top_keep(list, put, now_ms, v, &nv) && json_array_size(list) >= (size_t)n) {
		while (nv > 0)
			json_decref(v[--nv]);
		free(v);
		json_decref(old);
		return ct_cache_top_rebuild(home, n, now_ms);
	}
	json_decref(old);
	json_object_foreach((json_t *)put, sym, p)
		if (rankable(p, now_ms))
			v[nv++] = json_incref(p);
	return top_write(path, v, nv, n, now_ms);
}

/* What put's coins' entries hold now, under the exclusive lock: another
 * cache-put may have replaced an entry (then its entry is merged, not
 * the one it replaced, which the list would keep until the next
 * rebuild) or forgotten it (a restore replaced its model: none). */
static json_t *
entries_now(const char *home, const json_t *put)
{
	char epath[CT_PATH_MAX];
	json_t *now = json_object(), *p, *cur;
	const char *sym;

	json_object_foreach((json_t *)put, sym, p) {
		if (entry_path(epath, sizeof epath, home, sym) != 0)
			continue;
		/* The file's entry: this writer's, or the one that replaced it. */
		if (load_file(epath, &cur) == CT_CACHE_FRESH)
			json_object_set_new(now, sym, cur);
		else
			json_decref(cur);
	}
	return now;
}

int
ct_cache_top_update(const char *home, const json_t *put, int64_t now_ms)
{
	json_t *now = entries_now(home, put);
	int rc = top_merge(home, now, now_ms);

	json_decref(now);
	return rc;
}

enum ct_cache_state
ct_cache_top(const char *home, json_t **top)
{
	char path[CT_PATH_MAX];
	enum ct_cache_state st;
	json_t *t, *list;

	*top = NULL;
	if (ct_path(path, sizeof path, "%s/cache/top.json", home) != 0) {
		ct_warn("%s/cache/top.json: %s", home, strerror(errno));
		return CT_CACHE_BAD;
	}
	if ((st = load_file(path, &t)) != CT_CACHE_FRESH)
		return st;
	list = json_object_get(t, "predictions");
	if (!json_is_array(list)) {
		ct_warn("%s: no \"predictions\" array", path);
		json_decref(t);
		return CT_CACHE_BAD;
	}
	*top = json_incref(list);
	json_decref(t);
	return CT_CACHE_FRESH;
}

json_t *
ct_cache_states(const char *home, int64_t now_ms)
{
	static const char *const names[] = { "fresh", "expired", "missing", "bad" };
	char dir[CT_PATH_MAX], sym[64];
	enum ct_cache_state st;
	json_t *o, *e;
	struct dirent *d;
	DIR *dp;

	if (ct_path(dir, sizeof dir, "%s/cache/predictions", home) != 0 ||
	    (dp = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return json_object();
		ct_warn("%s/cache/predictions: %s", home, strerror(errno));
		return NULL;
	}
	o = json_object();
	while ((d = readdir(dp)) != NULL) {
		if (!entry_name(d->d_name, sym))
			continue;
		st = ct_cache_get(home, sym, now_ms, &e);
		json_object_set_new(o, sym, json_pack("{s:s, s:b, s:O?}", "state", names[st],
		    "stale", json_is_true(json_object_get(e, "stale")),
		    "expires_at", json_object_get(e, "expires_at")));
		json_decref(e);
	}
	closedir(dp);
	return o;
}

int
ct_cache_print(const json_t *entry)
{
	if (json_dumpf(entry, stdout, DUMP_FLAGS) != 0 || putchar('\n') == EOF)
		return -1;
	return 0;
}
