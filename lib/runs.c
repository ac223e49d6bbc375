/* runs.c — finding and describing the runs of a data home. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "home.h"
#include "ledger.h"
#include "parse.h"
#include "runs.h"
#include "timefmt.h"

static int
isrun(const struct dirent *d)
{
	return ct_run_ok(d->d_name);
}

char **
ct_runs_list(const char *home, size_t *n)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX], **v;
	struct dirent **list = NULL;
	int k, err = 0;

	*n = 0;
	if (ct_path(dir, sizeof dir, "%s/runs", home) != 0) {
		ct_warn("%s/runs: %s", home, strerror(errno));
		return NULL;
	}
	if ((k = scandir(dir, &list, isrun, alphasort)) < 0) {
		if (errno == ENOENT)
			return calloc(1, sizeof *v);
		ct_warn("%s: %s", dir, strerror(errno));
		return NULL;
	}
	v = calloc((size_t)k + 1, sizeof *v);
	for (int i = 0; i < k; i++) {
		/* A run killed before its ledger was written never began. */
		if (ct_path(path, sizeof path, "%s/%s/status.json", dir, list[i]->d_name) == 0 &&
		    access(path, F_OK) == 0) {
			if (v && (v[*n] = strdup(list[i]->d_name)) != NULL)
				++*n;
			else
				err = 1;
		}
		free(list[i]);
	}
	free(list);
	if (v == NULL || err) {
		ct_warn("%s: out of memory", dir);
		ct_runs_free(v, *n);
		return NULL;
	}
	return v;
}

void
ct_runs_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

const char *
ct_run_cycle(const char *run)
{
	const char *p = strchr(run, '-');

	return p ? p + 1 : "";
}

/* "latest-CYCLE": the cycle, [a-z]+; "latest": "" ; else NULL. */
static const char *
latest_cycle(const char *name)
{
	size_t i;

	if (strcmp(name, "latest") == 0)
		return "";
	if (strncmp(name, "latest-", 7) != 0)
		return NULL;
	for (i = 7; name[i] >= 'a' && name[i] <= 'z'; i++)
		;
	return i > 7 && name[i] == '\0' ? name + 7 : NULL;
}

int
ct_run_ref_ok(const char *name)
{
	return ct_run_ok(name) || latest_cycle(name) != NULL;
}

int
ct_run_resolve(const char *home, const char *name, char *out, size_t n)
{
	char ex[CT_EXCERPT_LEN];
	const char *cycle;
	size_t nv, i;
	char **v;

	if (ct_run_ok(name))
		return ct_path(out, n, "%s", name) == 0 ? 0 : -1;
	if ((cycle = latest_cycle(name)) == NULL) {
		ct_warn("%s: bad run name (want YYYYMMDDTHHMMZ-cycle, latest or latest-CYCLE)",
		    ct_excerpt(name, strlen(name), ex));
		return -1;
	}
	if ((v = ct_runs_list(home, &nv)) == NULL)
		return -1;
	for (i = nv; i-- > 0;)
		if (*cycle == '\0' || strcmp(ct_run_cycle(v[i]), cycle) == 0)
			break;
	if (i != (size_t)-1)
		ct_path(out, n, "%s", v[i]);
	else
		ct_warn("%s: no %s%srun in %s/runs", name, cycle, *cycle ? " " : "", home);
	ct_runs_free(v, nv);
	return i != (size_t)-1 ? 0 : -1;
}

const char *
ct_run_state(json_t *ledger)
{
	int running = 0, left = 0, failed = 0;
	const char *sym, *st;
	json_t *e;

	json_object_foreach(json_object_get(ledger, "symbols"), sym, e) {
		st = json_string_value(json_object_get(e, "status"));
		/* A worker this host cannot judge (another host's, a Slurm
		 * task) may be at work: running, as coin-status says. */
		if (strcmp(st, "running") == 0 && ct_ledger_worker_alive(e) != 0)
			running = 1;
		else if (strcmp(st, "running") == 0 || strcmp(st, "pending") == 0 ||
		    strcmp(st, "damaged") == 0)
			left = 1;	/* a damaged record's coin: once more */
		else if (strcmp(st, "failed") == 0)
			failed = 1;
	}
	return running ? "running" : left ? "unfinished" : failed ? "failed" : "finished";
}

/* When the run began: its ledger's "created", else the stamp of its name. */
static json_t *
started(const char *run, json_t *ledger)
{
	const char *c = json_string_value(json_object_get(ledger, "created"));
	char iso[CT_ISO_LEN];

	if (c)
		return json_string(c);
	snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:00Z", run, run + 4, run + 6,
	    run + 9, run + 11);
	return json_string(iso);
}

json_t *
ct_run_info_of(const char *run, json_t *root)
{
	json_t *o = json_pack("{s:s, s:s}", "run", run, "cycle", ct_run_cycle(run));
	long n[5];

	if (root == NULL) {
		json_object_set_new(o, "error", json_string("ledger unreadable"));
		return o;
	}
	json_object_set_new(o, "started", started(run, root));
	ct_ledger_counts(root, n);
	json_object_set_new(o, "total",
	    json_integer((json_int_t)json_object_size(json_object_get(root, "symbols"))));
	for (int i = 0; i < 5; i++)
		json_object_set_new(o, ct_ledger_statuses[i], json_integer(n[i]));
	json_object_set_new(o, "damaged", json_integer(ct_ledger_damaged(root)));
	json_object_set_new(o, "state", json_string(ct_run_state(root)));
	return o;
}

json_t *
ct_run_info(const char *home, const char *run)
{
	json_t *root = ct_ledger_peek(home, run), *o = ct_run_info_of(run, root);

	json_decref(root);
	return o;
}

/* The run named by the batch lock's first line (fd, held), into run. */
static void
held_for(int fd, int held, char *run, size_t n)
{
	ssize_t got = held ? read(fd, run, n - 1) : 0;

	run[got > 0 ? got : 0] = '\0';
	run[strcspn(run, "\n")] = '\0';
	if (!ct_run_ok(run))
		run[0] = '\0';
}

int
ct_batch_running(const char *home, char *run, size_t n)
{
	char path[CT_PATH_MAX];
	struct stat st;
	int fd, held = 0;

	/* Never a wait: a FIFO in the lock's place would block the open
	 * (and the hourly health check with it). */
	if (ct_path(path, sizeof path, "%s/runs/.batch.lock", home) != 0 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ct_warn("%s: not a regular file: no batch is taken to hold it", path);
		close(fd);
		return 0;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		held = errno == EWOULDBLOCK;
	if (run != NULL && n > 0)
		held_for(fd, held, run, n);
	close(fd);
	return held;
}

int
ct_run_has_arrays(const char *home, const char *run)
{
	char path[CT_PATH_MAX];

	return ct_path(path, sizeof path, "%s/runs/%s/engine.jobs", home, run) == 0 &&
	    access(path, F_OK) == 0;
}

/* Whether a run after runs[i] is of its cycle: a start made it anew
 * (runs[i] too old to resume), and no start will collect runs[i]'s
 * arrays unless asked by hand. */
static int
superseded(char **runs, size_t n, size_t i)
{
	for (size_t j = i + 1; j < n; j++)
		if (strcmp(ct_run_cycle(runs[j]), ct_run_cycle(runs[i])) == 0)
			return 1;
	return 0;
}

const char *
ct_batch_submitted(const char *home, char **runs, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (ct_run_has_arrays(home, runs[i]) && !superseded(runs, n, i))
			return runs[i];
	return NULL;
}
