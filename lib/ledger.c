/* ledger.c — the resume ledger of one run.  runs/<RUN>/status.json lists
 * the run's symbols (written when symbols are added); each symbol's
 * record is runs/<RUN>/coins/SYM.json, written at its first change and
 * replaced whole (temporary, fsync, rename) at every change, under
 * flock(runs/<RUN>/.lock).  Whole-file rewrites of one status.json cost
 * 274 ms a change at 10,000 coins and serialized a cycle for 91 minutes
 * (bench/60-ledger.sh); a change now reads and writes one small file.
 * Readers take no lock and assemble the whole from the files; a record
 * that cannot be read marks its symbol alone ("damaged"), to be done
 * again, and the next change to it replaces it.  A ledger of
 * the first layout (every record inside status.json) is read the same
 * way: a record in coins/ overrides the one inside. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "err.h"
#include "jsonfile.h"
#include "ledger.h"
#include "parse.h"
#include "regfile.h"
#include "text.h"
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

#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9))

/* A symbol's record before its first change. */
static json_t *
fresh(void)
{
	return json_pack("{s:s, s:i, s:n, s:n, s:n, s:n, s:n, s:n, s:n}",
	    "status", "pending", "attempts", 0, "started", "finished",
	    "duration_seconds", "error", "error_type", "model", "pid");
}

/* The diagnostic of a record that cannot be read, as its entry keeps it. */
#define WHY_LEN (CT_PATH_MAX + 128)

/* Print a diagnostic, and keep it in why[WHY_LEN] unless why is NULL. */
static void __attribute__((format(printf, 2, 3)))
say(char *why, const char *fmt, ...)
{
	char buf[WHY_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ct_warn("%s", buf);
	if (why)
		memcpy(why, buf, sizeof buf);
}

/* What readers see of a symbol whose record cannot be read: its status is
 * not known ("damaged"), and "error" says why.  No file holds it. */
static json_t *
damaged(const char *why)
{
	return json_pack("{s:s, s:n, s:n, s:n, s:n, s:o, s:s, s:n, s:n}",
	    "status", "damaged", "attempts", "started", "finished", "duration_seconds",
	    "error", ct_json_text(why), "error_type", "damaged", "model", "pid");
}

/* The schema of one record; ctx names it in a diagnostic (kept in why as
 * say does).  A record we cannot trust is an error, never read as some
 * other state. */
static int
check_record(const char *ctx, json_t *e, char *why)
{
	json_t *a;

	if (!json_is_object(e) || str(e, "status") == NULL || !ct_ledger_status_ok(str(e, "status"))) {
		say(why, "%s: missing or unknown status", ctx);
		return -1;
	}
	a = json_object_get(e, "attempts");
	if (!json_is_integer(a) || json_integer_value(a) < 0 || json_integer_value(a) > MAX_ATTEMPTS) {
		say(why, "%s: attempts is not an integer in [0, %d]", ctx, MAX_ATTEMPTS);
		return -1;
	}
	return 0;
}

/* A symbol of status.json: -1 with a diagnostic when it is not one, or,
 * with index, when it comes twice (else it goes into index). */
static int
check_name(const char *path, json_t *index, const char *sym)
{
	char ex[CT_EXCERPT_LEN];

	if (!ct_symbol_ok(sym)) {
		ct_warn("%s: symbols: %s: bad symbol", path, ct_excerpt(sym, strlen(sym), ex));
		return -1;
	}
	if (index == NULL)
		return 0;
	if (json_object_get(index, sym)) {
		ct_warn("%s: symbols: %s: listed twice", path, sym);
		return -1;
	}
	return json_object_set_new(index, sym, json_integer((json_int_t)json_object_size(index)));
}

/* The symbols of the first layout's object, in order, checked with their
 * records; NULL with a diagnostic. */
static json_t *
check_records(const char *path, json_t *syms, json_t *index)
{
	char ctx[CT_PATH_MAX + 64];
	json_t *names = json_array(), *e;
	const char *sym;

	json_object_foreach(syms, sym, e) {
		snprintf(ctx, sizeof ctx, "%s: symbols.%s", path, sym);
		if (check_name(path, index, sym) != 0 || check_record(ctx, e, NULL) != 0 ||
		    json_array_append_new(names, json_string(sym)) != 0) {
			json_decref(names);
			return NULL;
		}
	}
	return names;
}

/* Check status.json: "symbols" is the list of the run's symbols, or, in a
 * ledger of the first layout, an object with each symbol's record.  Its
 * symbols in ledger order into *names; with index, {SYM: position} into
 * it, and a symbol listed twice is an error (a writer, which needs no
 * more than the list, does not pay for the check).  0, or -1 with a
 * diagnostic. */
static int
check_head(const char *path, json_t *root, json_t **names, json_t *index)
{
	json_t *syms = json_object_get(root, "symbols"), *e;
	size_t i;

	*names = NULL;
	if (json_is_object(syms))
		return (*names = check_records(path, syms, index)) ? 0 : -1;
	if (!json_is_object(root) || !json_is_array(syms)) {
		ct_warn("%s: not a ledger (no \"symbols\" object or list)", path);
		return -1;
	}
	json_array_foreach(syms, i, e) {
		if (!json_is_string(e)) {
			ct_warn("%s: symbols[%zu]: not a string", path, i);
			return -1;
		}
		if (check_name(path, index, json_string_value(e)) != 0)
			return -1;
	}
	*names = json_incref(syms);
	return 0;
}

/* Parse the JSON file fp (named path) into *j, and its modification time
 * (Unix ms) into *mtime when not NULL; fp is closed.  0, or with a
 * diagnostic (kept in why as say does): -1 when the content does not
 * parse ("path: line:col: reason"), 1 when reading failed. */
static int
parse(const char *path, FILE *fp, json_t **j, int64_t *mtime, char *why)
{
	char ex[CT_EXCERPT_LEN];
	json_error_t je;
	struct stat st;

	int e;

	*j = json_loadf(fp, 0, &je);
	e = ferror(fp) ? errno : 0;
	if (*j && mtime)
		*mtime = fstat(fileno(fp), &st) == 0 ?
		    (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000 : 0;
	fclose(fp);
	if (*j == NULL && e) {
		say(why, "%s: %s", path, strerror(e));
		return 1;
	}
	if (*j == NULL) {
		say(why, "%s:%d:%d: %s", path, je.line, je.column,
		    ct_excerpt(je.text, strlen(je.text), ex));
		return -1;
	}
	return 0;
}

/* Parse the JSON file at path; 0 or -1 with a diagnostic. */
static int
load(const char *path, json_t **j)
{
	FILE *fp;

	*j = NULL;
	if ((fp = ct_fopen_regular(path)) == NULL) {
		ct_warn("%s: %s", path, ct_file_strerror(errno));
		return -1;
	}
	return parse(path, fp, j, NULL, NULL);
}

/* The directory of the records, runs/<RUN>/coins/, opened under dir (the
 * run's): -1 with errno ENOENT when the run has none yet.  Opening each
 * directory makes an NFS client ask the server whether it changed since
 * it last looked (close-to-open), and so forget the names it had found
 * missing: a record another host has just written for the first time. */
static int
open_coins(const char *dir)
{
	int dfd, cfd, e;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	cfd = openat(dfd, "coins", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	e = errno;
	close(dfd);
	errno = e;
	return cfd;
}

/* The record of sym in coins/ (cfd; -1: there is none), checked: 0; 1
 * when sym has none (it was not changed since it was added); with a
 * diagnostic, kept in why (WHY_LEN) when it is not NULL: -2 when its
 * content is damaged (it does not parse, or is not a record), -1 when it
 * cannot be read (a file system's error says nothing of the record). */
static int
coin(int cfd, const char *dir, const char *sym, json_t **e, int64_t *mtime, char *why)
{
	char path[CT_PATH_MAX], name[64];
	FILE *fp = NULL;
	int fd, r;

	*e = NULL;
	if (cfd < 0)
		return 1;
	snprintf(name, sizeof name, "%s.json", sym);
	if ((fd = ct_open_regular(cfd, name, NULL)) < 0 && errno == ENOENT)
		return 1;
	snprintf(path, sizeof path, "%s/coins/%s", dir, name);
	if (fd < 0 || (fp = fdopen(fd, "r")) == NULL) {
		say(why, "%s: %s", path, ct_file_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((r = parse(path, fp, e, mtime, why)) != 0)
		return r > 0 ? -1 : -2;
	if (check_record(path, *e, why) != 0) {
		json_decref(*e);
		*e = NULL;
		return -2;
	}
	return 0;
}

/* The record of sym that status.json holds: its entry in a ledger of the
 * first layout, else a fresh one.  A record in coins/ overrides it. */
static json_t *
base(json_t *head, const char *sym)
{
	json_t *e = json_object_get(json_object_get(head, "symbols"), sym);

	return e ? json_deep_copy(e) : fresh();
}

/* The directory that holds path. */
static void
dir_of(const char *path, char dir[CT_PATH_MAX])
{
	const char *s = strrchr(path, '/');

	if (s == NULL)
		snprintf(dir, CT_PATH_MAX, ".");
	else
		snprintf(dir, CT_PATH_MAX, "%.*s", s == path ? 1 : (int)(s - path), path);
}

/* The symbols of head with their records, each from coins/ where it has
 * one; *newest: the latest change of those.  A record that cannot be read
 * is said, shown as damaged and counted in *bad: the others are as they
 * are (one damaged file must not hide a run's other coins). */
static json_t *
assemble(const char *dir, json_t *head, json_t *names, int64_t *newest, int *bad)
{
	char why[WHY_LEN];
	json_t *syms = json_object(), *v, *e;
	const char *sym;
	int64_t t;
	size_t i;
	int r, cfd;

	if ((cfd = open_coins(dir)) < 0 && errno != ENOENT) {
		ct_warn("%s/coins: %s", dir, strerror(errno));
		json_decref(syms);
		return NULL;
	}
	json_array_foreach(names, i, v) {
		sym = json_string_value(v);
		if ((r = coin(cfd, dir, sym, &e, &t, why)) < 0) {
			e = damaged(why);
			(*bad)++;
		} else if (r == 1)
			e = base(head, sym);
		else if (t > *newest)
			*newest = t;
		json_object_set_new(syms, sym, e);
	}
	if (cfd >= 0)
		close(cfd);
	return syms;
}

int
ct_ledger_read(const char *path, json_t **root)
{
	char dir[CT_PATH_MAX], ts[CT_ISO_LEN];
	json_t *names, *index = json_object(), *syms = NULL;
	int64_t newest = 0, updated;
	int bad = 0;

	if (load(path, root) != 0) {
		json_decref(index);
		return -1;
	}
	dir_of(path, dir);
	if (check_head(path, *root, &names, index) == 0)
		syms = assemble(dir, *root, names, &newest, &bad);
	json_decref(names);
	json_decref(index);
	if (syms == NULL) {
		json_decref(*root);
		*root = NULL;
		return -1;
	}
	json_object_set_new(*root, "symbols", syms);
	/* status.json's "updated" is when symbols were last added; a
	 * record's change is the time of its file. */
	if (newest > 0 && (!str(*root, "updated") ||
	    ct_parse_iso8601(str(*root, "updated"), &updated) != 0 || newest / 1000 > updated / 1000))
		json_object_set_new(*root, "updated", json_string(ct_iso8601(newest, ts)));
	return bad > 0;
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
	return ct_ledger_read(path, &root) >= 0 ? root : NULL;
}

/* Remove the temporaries matching pattern (under dir) left by a writer
 * killed with SIGKILL (no handler runs then).  Only called under the
 * run's lock, when no writer can be between creating and renaming one. */
static void
sweep(const char *dir, const char *pattern)
{
	char pat[CT_PATH_MAX];
	glob_t g;

	if (ct_path(pat, sizeof pat, "%s/%s", dir, pattern) != 0 ||
	    glob(pat, GLOB_NOSORT, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		unlink(g.gl_pathv[i]);
	globfree(&g);
}

/* Read status.json, once; 0 or -1 with a diagnostic. */
static int
load_head(struct ct_ledger *lg)
{
	if (lg->head)
		return 0;
	if (load(lg->path, &lg->head) != 0)
		return -1;
	if (check_head(lg->path, lg->head, &lg->names, NULL) != 0) {
		json_decref(lg->head);
		lg->head = NULL;
		return -1;
	}
	return 0;
}

/* A new run: status.json with no symbols yet, to be written. */
static int
new_head(struct ct_ledger *lg)
{
	char ts[CT_ISO_LEN];

	lg->head = json_pack("{s:s, s:s, s:s, s:[]}", "run", lg->run,
	    "created", ct_iso8601(ct_now_ms(), ts), "updated", ts, "symbols");
	lg->names = json_incref(json_object_get(lg->head, "symbols"));
	lg->head_dirty = 1;
	return lg->names ? 0 : -1;
}

/* Lock the run's directory: flock of runs/<RUN>/.lock. */
static int
lock(struct ct_ledger *lg)
{
	char path[CT_PATH_MAX];

	/* O_NOFOLLOW: a symlink planted as the lock must not make us create
	 * or lock whatever it names. */
	if (ct_path(path, sizeof path, "%s/.lock", lg->dir) != 0 ||
	    (lg->lockfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666)) < 0 ||
	    flock(lg->lockfd, LOCK_EX) != 0) {
		ct_warn("%s/.lock: %s", lg->dir, strerror(errno));
		return -1;
	}
	sweep(lg->dir, ".status.json.tmp.*");
	sweep(lg->dir, ".claim.next.tmp.*");
	return 0;
}

/* Under the lock: the records' directory (made by init, with the
 * temporaries of killed writers removed: a look through coins/ costs as
 * much as the run has symbols), and status.json, read now by init (which
 * needs all of it) or a new one; a change reads it only if it must.  0 or
 * -1 with a diagnostic. */
static int
begin(struct ct_ledger *lg, int create)
{
	char coins[CT_PATH_MAX];

	if (create && (ct_path(coins, sizeof coins, "%s/coins", lg->dir) != 0 ||
	    ct_mkdirs(coins, 0777) != 0)) {
		ct_warn("%s/coins: %s", lg->dir, strerror(errno));
		return -1;
	}
	if (create)
		sweep(lg->dir, "coins/.*.json.tmp.*");
	if ((lg->coinsfd = open_coins(lg->dir)) < 0 && errno != ENOENT) {
		ct_warn("%s/coins: %s", lg->dir, strerror(errno));
		return -1;
	}
	if (access(lg->path, F_OK) == 0)
		return create ? load_head(lg) : 0;
	if (errno != ENOENT)
		ct_warn("%s: %s", lg->path, strerror(errno));
	else if (!create)
		ct_warn("%s: no such run", lg->path);
	else
		return new_head(lg);
	return -1;
}

int
ct_ledger_open(struct ct_ledger *lg, const char *home, const char *run, int create)
{
	char ex[CT_EXCERPT_LEN];

	memset(lg, 0, sizeof *lg);
	lg->lockfd = lg->coinsfd = -1;
	lg->next = -1;
	if (!ct_run_ok(run)) {
		ct_warn("%s: bad run name (want YYYYMMDDTHHMMZ-cycle)",
		    ct_excerpt(run, strlen(run), ex));
		return -1;
	}
	snprintf(lg->run, sizeof lg->run, "%s", run);
	if (ct_path(lg->dir, sizeof lg->dir, "%s/runs/%s", home, run) != 0 ||
	    ct_path(lg->path, sizeof lg->path, "%s/status.json", lg->dir) != 0) {
		ct_warn("%s/runs/%s: %s", home, run, strerror(errno));
		return -1;
	}
	if (create && ct_mkdirs(lg->dir, 0777) != 0) {
		ct_warn("%s: %s", lg->dir, strerror(errno));
		return -1;
	}
	if (access(lg->dir, F_OK) != 0) {
		ct_warn("%s: no such run", lg->dir);
		return -1;
	}
	lg->recs = json_object();
	lg->dirty = json_object();
	lg->damaged = json_object();
	if (lock(lg) != 0 || begin(lg, create) != 0) {
		ct_ledger_close(lg);
		return -1;
	}
	return 0;
}

/* The claim pass's position, runs/<RUN>/claim.next: 0 when there is
 * none (a new pass) or it is not a number. */
static long
read_next(struct ct_ledger *lg)
{
	char path[CT_PATH_MAX], buf[32];
	ssize_t n = -1;
	long v;
	int fd;

	if (ct_path(path, sizeof path, "%s/claim.next", lg->dir) == 0 &&
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
	}
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return ct_parse_long(buf, 0, LONG_MAX, &v) == 0 ? v : 0;
}

/* Write (or, at 0, remove) claim.next; 0 or -1 with a diagnostic. */
static int
save_next(struct ct_ledger *lg)
{
	char path[CT_PATH_MAX], buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", lg->next);

	if (ct_path(path, sizeof path, "%s/claim.next", lg->dir) != 0 ||
	    (lg->next == 0 ? unlink(path) != 0 && errno != ENOENT :
	    ct_write_atomic(path, buf, (size_t)n) != 0)) {
		ct_warn("%s/claim.next: %s", lg->dir, strerror(errno));
		return -1;
	}
	lg->next_dirty = 0;
	return 0;
}

/* Move the damaged record at path aside, to path.damaged (the last one
 * replaced), for whoever looks into why; 0 or -1 with a diagnostic. */
static int
keep_damaged(const char *path)
{
	char aside[CT_PATH_MAX];

	if (ct_path(aside, sizeof aside, "%s.damaged", path) != 0 ||
	    (rename(path, aside) != 0 && errno != ENOENT)) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
ct_ledger_commit(struct ct_ledger *lg)
{
	char path[CT_PATH_MAX], ts[CT_ISO_LEN];
	const char *sym;
	json_t *v;

	/* A new pass starts before a symbol is set pending, and a pass goes
	 * on only once its claim is recorded: a crash in between leaves a
	 * pass that looks again, never one that skips a symbol. */
	if (lg->next_dirty && lg->next == 0 && save_next(lg) != 0)
		return -1;
	/* New symbols are listed before any record of them is written. */
	if (lg->head_dirty) {
		json_object_set_new(lg->head, "updated", json_string(ct_iso8601(ct_now_ms(), ts)));
		if (ct_json_save(lg->path, lg->head, JSON_FLAGS) != 0)
			return -1;
		lg->head_dirty = 0;
	}
	json_object_foreach(lg->dirty, sym, v) {
		if (ct_path(path, sizeof path, "%s/coins/%s.json", lg->dir, sym) != 0) {
			ct_warn("%s/coins/%s.json: %s", lg->dir, sym, strerror(errno));
			return -1;
		}
		if (json_object_get(lg->damaged, sym) && keep_damaged(path) != 0)
			return -1;
		if (ct_json_save(path, json_object_get(lg->recs, sym), JSON_FLAGS) != 0)
			return -1;
		if (json_object_get(lg->damaged, sym))
			ct_warn("%s: damaged record replaced (the old one kept as %s.json.damaged)",
			    path, sym);
	}
	json_object_clear(lg->dirty);
	json_object_clear(lg->damaged);
	return lg->next_dirty ? save_next(lg) : 0;
}

void
ct_ledger_close(struct ct_ledger *lg)
{
	json_decref(lg->head);
	json_decref(lg->names);
	json_decref(lg->index);
	json_decref(lg->recs);
	json_decref(lg->dirty);
	json_decref(lg->damaged);
	lg->head = lg->names = lg->index = lg->recs = lg->dirty = lg->damaged = NULL;
	if (lg->coinsfd >= 0)
		close(lg->coinsfd);
	if (lg->lockfd >= 0)
		close(lg->lockfd);	/* drops the flock */
	lg->lockfd = lg->coinsfd = -1;
}

/* 1 when sym is in the run, 0 when not, -1 with a diagnostic.  The index
 * of the symbols is made on first use: a change to a symbol that has a
 * record of its own needs neither it nor status.json. */
static int
listed(struct ct_ledger *lg, const char *sym)
{
	json_t *v;
	size_t i;

	if (load_head(lg) != 0)
		return -1;
	if (lg->index == NULL) {
		lg->index = json_object();
		json_array_foreach(lg->names, i, v)
			json_object_set_new(lg->index, json_string_value(v), json_integer((json_int_t)i));
	}
	return json_object_get(lg->index, sym) != NULL;
}

/* sym's record, read on first use into lg->recs: 0; 1 when sym is not in
 * the run; 2 when its file is damaged (said); -1 with a diagnostic (also
 * when the file cannot be read: a writer must not replace a record it
 * could not read). */
static int
record(struct ct_ledger *lg, const char *sym, json_t **e)
{
	int r;

	if ((*e = json_object_get(lg->recs, sym)) != NULL)
		return 0;
	if (!ct_symbol_ok(sym))
		return 1;
	if ((r = coin(lg->coinsfd, lg->dir, sym, e, NULL, NULL)) < 0)
		return r == -2 ? 2 : -1;
	if (r == 1) {
		/* No record of its own yet: is it in the run? */
		if ((r = listed(lg, sym)) != 1)
			return r < 0 ? -1 : 1;
		*e = base(lg->head, sym);
	}
	return json_object_set_new(lg->recs, sym, *e);
}

/* The record of sym for a change: NULL with a diagnostic when it cannot be
 * read or sym is not in the run.  A change says what the symbol's state is
 * now, so a damaged record (said already) gives way to the one status.json
 * holds of sym (a fresh record, but in a ledger of the first layout), with
 * the change applied; commit keeps the damaged file beside it. */
static json_t *
get(struct ct_ledger *lg, const char *sym)
{
	json_t *e;
	int r;

	switch (record(lg, sym, &e)) {
	case 0:
		return e;
	case 1:
		ct_warn("%s: %s: not in this run", lg->path, sym);
		break;
	case 2:
		if ((r = listed(lg, sym)) == 0)
			ct_warn("%s: %s: not in this run", lg->path, sym);
		if (r != 1 || json_object_set_new(lg->recs, sym, e = base(lg->head, sym)) != 0 ||
		    json_object_set_new(lg->damaged, sym, json_true()) != 0 ||
		    json_object_set_new(lg->dirty, sym, json_true()) != 0)
			break;
		return e;
	}
	return NULL;
}

/* Mark sym's record to be written when it differs from before (consumed). */
static void
touch(struct ct_ledger *lg, const char *sym, json_t *before)
{
	if (!json_equal(before, json_object_get(lg->recs, sym)))
		json_object_set_new(lg->dirty, sym, json_true());
	json_decref(before);
}

int
ct_ledger_add(struct ct_ledger *lg, const char *sym)
{
	json_t *syms;
	int r;

	if ((r = listed(lg, sym)) != 0)
		return r < 0 ? -1 : 0;
	if (check_name(lg->path, lg->index, sym) != 0)
		return -1;
	syms = json_object_get(lg->head, "symbols");
	lg->head_dirty = 1;
	if (json_is_array(syms))	/* lg->names */
		return json_array_append_new(syms, json_string(sym));
	/* A ledger of the first layout keeps it: its records stay inside. */
	return json_array_append_new(lg->names, json_string(sym)) != 0 ? -1 :
	    json_object_set_new(syms, sym, fresh());
}

static void
setstr(json_t *e, const char *key, const char *v)
{
	json_object_set_new(e, key, ct_json_text(v));
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
ct_ledger_error_type_ok(const char *type)
{
	static const char *const types[] = { "error", "timeout", "killed", "transient", "lost" };

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(type, types[i]) == 0)
			return 1;
	return 0;
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
	json_t *e = get(lg, sym);

	if (e == NULL)
		return -1;
	if (strcmp(str(e, "status"), "running") != 0) {
		ct_warn("%s: %s: not running", lg->path, sym);
		return -1;
	}
	if (str(e, "worker") && strcmp(str(e, "worker"), worker) == 0)
		return 0;
	json_object_set_new(lg->dirty, sym, json_true());
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

/* The change of status to status, with u's details, on record e. */
static void
apply(json_t *e, const char *status, const struct ct_ledger_upd *u)
{
	char ts[CT_ISO_LEN];
	int64_t now = ct_now_ms();
	int was_running = str(e, "status") && strcmp(str(e, "status"), "running") == 0;
	json_int_t att = json_integer_value(json_object_get(e, "attempts"));

	ct_iso8601(now, ts);
	json_object_set_new(e, "status", json_string(status));
	if (strcmp(status, "running") == 0) {
		set_running(e, ts, now, u->pid);
	} else if (strcmp(status, "pending") == 0) {
		/* A running attempt set back to pending was interrupted (a
		 * batch's Ctrl-C): it did not end, and uses up no retry. */
		if (was_running && att > 0)
			json_object_set_new(e, "attempts", json_integer(att - 1));
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
}

int
ct_ledger_set(struct ct_ledger *lg, const char *sym, const char *status,
    const struct ct_ledger_upd *u)
{
	json_t *e = get(lg, sym), *before;

	if (e == NULL)
		return -1;
	if (strcmp(status, "running") == 0 &&
	    json_integer_value(json_object_get(e, "attempts")) >= MAX_ATTEMPTS) {
		ct_warn("%s: %s: %d attempts; no more", lg->path, sym, MAX_ATTEMPTS);
		return -1;
	}
	/* A symbol set pending may lie behind the claim pass: start anew. */
	if (strcmp(status, "pending") == 0) {
		lg->next = 0;
		lg->next_dirty = 1;
	}
	before = json_deep_copy(e);
	apply(e, status, u);
	/* Setting a fresh symbol pending (every symbol, at a run's start)
	 * changes nothing and writes nothing. */
	touch(lg, sym, before);
	return 0;
}

int
ct_ledger_claim(struct ct_ledger *lg, const struct ct_ledger_upd *u, const char **sym)
{
	size_t n;
	json_t *e;
	int r;

	*sym = NULL;
	if (load_head(lg) != 0)
		return -1;
	n = json_array_size(lg->names);
	if (lg->next < 0)
		lg->next = read_next(lg);
	/* Every symbol before the pass's position was taken or not to be
	 * taken when the pass went by; a symbol set pending since then
	 * started a new pass. */
	for (; (size_t)lg->next < n; lg->next++) {
		*sym = json_string_value(json_array_get(lg->names, (size_t)lg->next));
		/* A damaged record's state is not known (its worker may be
		 * at work): the batch requeues it (ledger todo lists it). */
		if ((r = record(lg, *sym, &e)) == 2) {
			ct_warn("%s/coins/%s.json: damaged: not claimed (set it pending to do it again)",
			    lg->dir, *sym);
			continue;
		}
		if (r != 0) {
			*sym = NULL;
			return r < 0 ? -1 : 0;
		}
		/* Only fresh work: failures are requeued (set pending) by the
		 * batch, not retried behind its back. */
		if (strcmp(str(e, "status"), "failed") != 0 && ct_ledger_needs(e, 0, 0))
			break;
	}
	lg->next_dirty = 1;
	if ((size_t)lg->next >= n) {
		*sym = NULL;
		return 0;
	}
	lg->next++;
	return ct_ledger_set(lg, *sym, "running", u);
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

	/* A damaged record's coin may or may not be done: once more. */
	if (force || strcmp(s, "pending") == 0 || strcmp(s, "damaged") == 0)
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

long
ct_ledger_damaged(json_t *root)
{
	const char *sym;
	json_t *e;
	long n = 0;

	json_object_foreach(json_object_get(root, "symbols"), sym, e)
		n += str(e, "status") && strcmp(str(e, "status"), "damaged") == 0;
	return n;
}

/* Text from the ledger for a terminal, left-aligned in width columns (a
 * character a column): control characters as '?', so an error message
 * cannot move the cursor or retitle the window.  NULL prints as "-". */
static void
cell(FILE *fp, const char *s, int width)
{
	size_t adv, keep;
	int n = 0;

	for (s = s ? s : "-"; *s; s += adv, n++) {
		adv = ct_shown_next(s, SIZE_MAX, &keep);
		if (keep)
			fwrite(s, 1, keep, fp);
		else
			fputc('?', fp);
	}
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
		fprintf(fp, "%-14s %-8s ", sym, str(e, "status"));
		if (json_is_integer(json_object_get(e, "attempts")))
			fprintf(fp, "%8lld ", (long long)json_integer_value(json_object_get(e, "attempts")));
		else
			fprintf(fp, "%8s ", "-");
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
	fprintf(fp, ": %ld pending, %ld running, %ld success, %ld failed, %ld skipped",
	    n[0], n[1], n[2], n[3], n[4]);
	if (ct_ledger_damaged(root) > 0)
		fprintf(fp, ", %ld damaged", ct_ledger_damaged(root));
	fputc('\n', fp);
}
