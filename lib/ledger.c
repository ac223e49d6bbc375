/* ledger.c — runs/<RUN>/status.json under a file lock, replaced atomically. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "err.h"
#include "jsonfile.h"
#include "ledger.h"
#include "parse.h"
#include "timefmt.h"

const char *const ct_ledger_statuses[5] = {
	"pending", "running", "success", "failed", "skipped",
};

int
ct_ledger_status_ok(const char *s)
{
	for (size_t i = 0; i < 5; i++)
		if (strcmp(s, ct_ledger_statuses[i]) == 0)
			return 1;
	return 0;
}

static const char *
str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Attempts beyond this are a damaged file, and counting on stays defined. */
#define MAX_ATTEMPTS 1000000000

/* The schema check: a file we cannot trust is an error, never a reset. */
static int
check(const char *path, json_t *root)
{
	char ex[CT_EXCERPT_LEN];
	const char *sym;
	json_t *syms, *e, *a;

	if (!json_is_object(root) || !json_is_object(syms = json_object_get(root, "symbols"))) {
		ct_warn("%s: not a ledger (no \"symbols\" object)", path);
		return -1;
	}
	json_object_foreach(syms, sym, e) {
		if (!ct_symbol_ok(sym)) {
			ct_warn("%s: symbols: %s: bad symbol", path, ct_excerpt(sym, strlen(sym), ex));
			return -1;
		}
		if (!json_is_object(e) || str(e, "status") == NULL ||
		    !ct_ledger_status_ok(str(e, "status"))) {
			ct_warn("%s: symbols.%s: missing or unknown status", path, sym);
			return -1;
		}
		a = json_object_get(e, "attempts");
		if (!json_is_integer(a) || json_integer_value(a) < 0 ||
		    json_integer_value(a) > MAX_ATTEMPTS) {
			ct_warn("%s: symbols.%s: attempts is not an integer in [0, %d]", path, sym,
			    MAX_ATTEMPTS);
			return -1;
		}
	}
	return 0;
}

int
ct_ledger_read(const char *path, json_t **root)
{
	char ex[CT_EXCERPT_LEN];
	json_error_t je;

	*root = json_load_file(path, 0, &je);
	if (*root == NULL) {
		if (je.line < 0)	/* could not open: errno is still set */
			ct_warn("%s: %s", path, strerror(errno));
		else
			ct_warn("%s: %d:%d: %s", path, je.line, je.column,
			    ct_excerpt(je.text, strlen(je.text), ex));
		return -1;
	}
	if (check(path, *root) != 0) {
		json_decref(*root);
		*root = NULL;
		return -1;
	}
	return 0;
}

json_t *
ct_ledger_peek(const char *home, const char *run)
{
	char path[CT_PATH_MAX];
	json_t *root;

	if (ct_path(path, sizeof path, "%s/runs/%s/status.json", home, run) != 0) {
		ct_warn("%s/runs/%s: %s", home, run, strerror(errno));
		return NULL;
	}
	return ct_ledger_read(path, &root) == 0 ? root : NULL;
}

/* Remove temporaries of status.json left by a writer killed with SIGKILL
 * (no handler runs then).  Only called under the run's lock, when no
 * writer can be between creating and renaming one. */
static void
sweep(const char *dir)
{
	char pat[CT_PATH_MAX];
	glob_t g;

	if (ct_path(pat, sizeof pat, "%s/.status.json.tmp.*", dir) != 0 ||
	    glob(pat, GLOB_NOSORT, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		unlink(g.gl_pathv[i]);
	globfree(&g);
}

int
ct_ledger_open(struct ct_ledger *lg, const char *home, const char *run, int create)
{
	char dir[CT_PATH_MAX], lock[CT_PATH_MAX], ts[CT_ISO_LEN], ex[CT_EXCERPT_LEN];

	memset(lg, 0, sizeof *lg);
	lg->lockfd = -1;
	if (!ct_run_ok(run)) {
		ct_warn("%s: bad run name (want YYYYMMDDTHHMMZ-cycle)",
		    ct_excerpt(run, strlen(run), ex));
		return -1;
	}
	snprintf(lg->run, sizeof lg->run, "%s", run);
	if (ct_path(dir, sizeof dir, "%s/runs/%s", home, run) != 0 ||
	    ct_path(lock, sizeof lock, "%s/.lock", dir) != 0 ||
	    ct_path(lg->path, sizeof lg->path, "%s/status.json", dir) != 0) {
		ct_warn("%s/runs/%s: %s", home, run, strerror(errno));
		return -1;
	}
	if (create && ct_mkdirs(dir, 0777) != 0) {
		ct_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (access(dir, F_OK) != 0) {
		ct_warn("%s: no such run", dir);
		return -1;
	}
	/* O_NOFOLLOW: a symlink planted as the lock must not make us create
	 * or lock whatever it names. */
	if ((lg->lockfd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666)) < 0 ||
	    flock(lg->lockfd, LOCK_EX) != 0) {
		ct_warn("%s: %s", lock, strerror(errno));
		ct_ledger_close(lg);
		return -1;
	}
	sweep(dir);
	if (access(lg->path, F_OK) != 0 && errno == ENOENT) {
		if (!create) {
			ct_warn("%s: no such run", lg->path);
			ct_ledger_close(lg);
			return -1;
		}
		lg->root = json_pack("{s:s, s:s, s:s, s:{}}", "run", run,
		    "created", ct_iso8601(ct_now_ms(), ts), "updated", ts, "symbols");
		return lg->root ? 0 : -1;
	}
	if (ct_ledger_read(lg->path, &lg->root) != 0) {
		ct_ledger_close(lg);
		return -1;
	}
	return 0;
}

int
ct_ledger_commit(struct ct_ledger *lg)
{
	char ts[CT_ISO_LEN];

	json_object_set_new(lg->root, "updated", json_string(ct_iso8601(ct_now_ms(), ts)));
	return ct_json_save(lg->path, lg->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(9));
}

void
ct_ledger_close(struct ct_ledger *lg)
{
	json_decref(lg->root);
	lg->root = NULL;
	if (lg->lockfd >= 0)
		close(lg->lockfd);	/* drops the flock */
	lg->lockfd = -1;
}

int
ct_ledger_add(struct ct_ledger *lg, const char *sym)
{
	json_t *syms = json_object_get(lg->root, "symbols");

	if (json_object_get(syms, sym))
		return 0;
	return json_object_set_new(syms, sym, json_pack("{s:s, s:i, s:n, s:n, s:n, s:n, s:n, s:n, s:n}",
	    "status", "pending", "attempts", 0, "started", "finished",
	    "duration_seconds", "error", "error_type", "model", "pid"));
}

static void
setstr(json_t *e, const char *key, const char *v)
{
	json_object_set_new(e, key, v ? json_string(v) : json_null());
}

/* The identity of a worker process of this host: "HOST:PID:START", so that
 * a ledger on a shared file system tells this host's workers from another's. */
static void
local_worker(json_t *e, pid_t pid, long long start)
{
	char host[256], id[320];

	if (pid <= 0 || gethostname(host, sizeof host) != 0) {
		json_object_del(e, "worker");
		return;
	}
	host[sizeof host - 1] = '\0';
	snprintf(id, sizeof id, "%s:%ld:%lld", host, (long)pid, start);
	json_object_set_new(e, "worker", json_string(id));
}

int
ct_ledger_worker_ok(const char *id)
{
	size_t n = 0;

	for (; id[n]; n++)
		if ((unsigned char)id[n] <= ' ' || id[n] == 0x7f)
			return 0;
	return n >= 1 && n <= 255;
}

int
ct_ledger_set_worker(struct ct_ledger *lg, const char *sym, const char *worker)
{
	json_t *e = json_object_get(json_object_get(lg->root, "symbols"), sym);

	if (e == NULL || strcmp(str(e, "status"), "running") != 0) {
		ct_warn("%s: %s: %s", lg->path, sym, e ? "not running" : "not in this run");
		return -1;
	}
	return json_object_set_new(e, "worker", json_string(worker));
}

/* running: one more attempt, its start and its worker. */
static void
set_running(json_t *e, const char *ts, int64_t now, pid_t pid)
{
	long long pst = pid > 0 ? ct_pid_start(pid) : -1;

	json_object_set_new(e, "attempts",
	    json_integer(json_integer_value(json_object_get(e, "attempts")) + 1));
	setstr(e, "started", ts);
	/* ISO times are whole seconds; durations want better. */
	json_object_set_new(e, "started_ms", json_integer(now));
	setstr(e, "finished", NULL);
	json_object_set_new(e, "duration_seconds", json_null());
	json_object_set_new(e, "pid", pid > 0 ? json_integer(pid) : json_null());
	json_object_set_new(e, "pid_start", pst >= 0 ? json_integer(pst) : json_null());
	local_worker(e, pid, pst);
}

/* success, failed, skipped: the finish and the duration of the attempt. */
static void
set_finished(json_t *e, const char *ts, int64_t now)
{
	int64_t start;

	setstr(e, "finished", ts);
	json_object_set_new(e, "pid", json_null());
	json_object_del(e, "pid_start");
	json_object_del(e, "worker");
	if (json_is_integer(json_object_get(e, "started_ms")))
		start = json_integer_value(json_object_get(e, "started_ms"));
	else if (!str(e, "started") || ct_parse_iso8601(str(e, "started"), &start) != 0)
		start = -1;
	if (start >= 0)
		json_object_set_new(e, "duration_seconds", json_real((double)(now - start) / 1000.0));
}

int
ct_ledger_set(struct ct_ledger *lg, const char *sym, const char *status,
    const struct ct_ledger_upd *u)
{
	json_t *e = json_object_get(json_object_get(lg->root, "symbols"), sym);
	char ts[CT_ISO_LEN];
	int64_t now = ct_now_ms();

	if (e == NULL) {
		ct_warn("%s: %s: not in this run", lg->path, sym);
		return -1;
	}
	if (strcmp(status, "running") == 0 &&
	    json_integer_value(json_object_get(e, "attempts")) >= MAX_ATTEMPTS) {
		ct_warn("%s: %s: %d attempts; no more", lg->path, sym, MAX_ATTEMPTS);
		return -1;
	}
	ct_iso8601(now, ts);
	json_object_set_new(e, "status", json_string(status));
	if (strcmp(status, "running") == 0) {
		set_running(e, ts, now, u->pid);
	} else if (strcmp(status, "pending") == 0) {
		setstr(e, "started", NULL);
		json_object_del(e, "started_ms");
		setstr(e, "finished", NULL);
		json_object_set_new(e, "duration_seconds", json_null());
		json_object_set_new(e, "pid", json_null());
		json_object_del(e, "pid_start");
		json_object_del(e, "worker");
	} else {
		set_finished(e, ts, now);
	}
	/* A success clears the error of an earlier attempt; a new error
	 * replaces it. */
	if (strcmp(status, "success") == 0) {
		setstr(e, "error", NULL);
		setstr(e, "error_type", NULL);
	}
	if (u->error)
		setstr(e, "error", u->error);
	if (u->error_type)
		setstr(e, "error_type", u->error_type);
	if (u->model)
		setstr(e, "model", u->model);
	return 0;
}

int
ct_ledger_claim(struct ct_ledger *lg, const struct ct_ledger_upd *u, const char **sym)
{
	const char *s;
	json_t *e;

	*sym = NULL;
	json_object_foreach(json_object_get(lg->root, "symbols"), s, e) {
		/* Only fresh work: failures are requeued (set pending) by the
		 * batch, not retried behind its back. */
		if (strcmp(str(e, "status"), "failed") == 0 || !ct_ledger_needs(e, 0, 0))
			continue;
		if (ct_ledger_set(lg, s, "running", u) != 0)
			return -1;
		*sym = s;
		return 0;
	}
	return 0;
}

/* State letter and start time (clock ticks since boot) of pid from
 * /proc/PID/stat; -1 when unknown. */
static long long
procstat(long pid, char *state)
{
	char path[64], buf[1024], *p;
	FILE *fp;
	size_t n;
	int field;

	*state = '?';
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: count fields
	 * after the last ')'.  State is field 3, starttime field 22. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return -1;
	*state = p[2];
	for (field = 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	return field == 22 ? strtoll(p, NULL, 10) : -1;
}

long long
ct_pid_start(long pid)
{
	char state;

	return procstat(pid, &state);
}

int
ct_pid_alive(long pid, long long start)
{
	long long now;
	char state;

	if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH))
		return 0;
	now = procstat(pid, &state);
	/* A zombie has finished (its parent died before reaping it); the
	 * same pid with another start time is another process. */
	if (state == 'Z' || state == 'X')
		return 0;
	return !(start >= 0 && now >= 0 && now != start);
}

int
ct_ledger_worker_alive(json_t *e)
{
	const char *w = str(e, "worker"), *c1, *c2;
	json_t *ps = json_object_get(e, "pid_start");
	char host[256], *end;
	long pid;
	long long start;

	/* A ledger of before worker identities: a pid of this host. */
	if (w == NULL)
		return ct_pid_alive((long)json_integer_value(json_object_get(e, "pid")),
		    json_is_integer(ps) ? json_integer_value(ps) : -1);
	/* "HOST:PID:START" of this host, else only its engine knows. */
	if ((c2 = strrchr(w, ':')) == NULL || c2 == w)
		return -1;
	for (c1 = c2 - 1; c1 > w && *c1 != ':'; c1--)
		;
	if (*c1 != ':' || gethostname(host, sizeof host) != 0)
		return -1;
	host[sizeof host - 1] = '\0';
	if (strlen(host) != (size_t)(c1 - w) || strncmp(host, w, (size_t)(c1 - w)) != 0)
		return -1;
	errno = 0;
	pid = strtol(c1 + 1, &end, 10);
	if (end != c2 || errno != 0)
		return -1;
	start = strtoll(c2 + 1, &end, 10);
	if (*end != '\0' || errno != 0)
		return -1;
	return ct_pid_alive(pid, start);
}

int
ct_ledger_needs(json_t *e, int force, long retries)
{
	const char *s = str(e, "status");

	if (force || strcmp(s, "pending") == 0)
		return 1;
	if (strcmp(s, "failed") == 0)
		return json_integer_value(json_object_get(e, "attempts")) <= retries;
	if (strcmp(s, "running") == 0)
		return ct_ledger_worker_alive(e) == 0;
	return 0;
}

void
ct_ledger_counts(json_t *root, long n[5])
{
	const char *sym;
	json_t *e;

	memset(n, 0, 5 * sizeof n[0]);
	json_object_foreach(json_object_get(root, "symbols"), sym, e)
		for (size_t i = 0; i < 5; i++)
			if (str(e, "status") && strcmp(str(e, "status"), ct_ledger_statuses[i]) == 0)
				n[i]++;
}

/* Text from the ledger for a terminal, left-aligned in width columns:
 * control bytes as '?', so an error message cannot move the cursor or
 * retitle the window.  NULL prints as "-". */
static void
cell(FILE *fp, const char *s, int width)
{
	int n = 0;

	for (s = s ? s : "-"; *s; s++, n++)
		fputc(iscntrl((unsigned char)*s) ? '?' : *s, fp);
	fprintf(fp, "%*s", n < width ? width - n : 0, "");
}

void
ct_ledger_table(json_t *root, FILE *fp)
{
	const char *sym, *v;
	json_t *e, *d;
	long n[5];

	fprintf(fp, "%-14s %-8s %8s %9s  %-20s  %-20s  %s\n", "SYMBOL", "STATUS", "ATTEMPTS",
	    "SECONDS", "STARTED", "FINISHED", "ERROR/MODEL");
	json_object_foreach(json_object_get(root, "symbols"), sym, e) {
		d = json_object_get(e, "duration_seconds");
		v = str(e, "error") ? str(e, "error") : str(e, "model");
		fprintf(fp, "%-14s %-8s %8lld ", sym, str(e, "status"),
		    (long long)json_integer_value(json_object_get(e, "attempts")));
		if (json_is_number(d))
			fprintf(fp, "%9.1f  ", json_number_value(d));
		else
			fprintf(fp, "%9s  ", "-");
		cell(fp, str(e, "started"), 22);
		cell(fp, str(e, "finished"), 22);
		cell(fp, v, 0);
		fputc('\n', fp);
	}
	ct_ledger_counts(root, n);
	fputs("# ", fp);
	cell(fp, str(root, "run") ? str(root, "run") : "?", 0);
	fprintf(fp, ": %ld pending, %ld running, %ld success, %ld failed, %ld skipped\n",
	    n[0], n[1], n[2], n[3], n[4]);
}
