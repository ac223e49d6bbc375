/* runs.h — the batch runs of a data home (runs/<RUN>/status.json): which
 * there are, which one "latest" or "latest-CYCLE" names, and what state
 * each is in.  The one place that knows run-batch's lock runs/.batch.lock. */
#ifndef CT_RUNS_H
#define CT_RUNS_H

#include <stddef.h>
#include <jansson.h>

/* The runs under home/runs that have a ledger, oldest first (a run name
 * starts with its UTC stamp, so name order is time order).  A missing
 * runs/ is an empty list.  Free with ct_runs_free(); NULL (diagnostic printed) on a read
 * error or when out of memory. */
char **ct_runs_list(const char *home, size_t *n);
void ct_runs_free(char **v, size_t n);
/* The cycle of a run name: what follows the stamp's '-'. */
const char *ct_run_cycle(const char *run);
/* name as a run: a run name is taken as it is; "latest" is the newest run,
 * "latest-CYCLE" (latest-full, latest-incremental, latest-predict, ...)
 * the newest run of that cycle.  The run name goes to out.  0, or -1 with
 * a diagnostic (bad name, no such run). */
int ct_run_resolve(const char *home, const char *name, char *out, size_t n);
/* 1 when name is a run name, "latest" or "latest-CYCLE" (cycle [a-z]+). */
int ct_run_ref_ok(const char *name);
/* The state of a run from its ledger: "running" while a worker of one of
 * its coins is alive; else "unfinished" when a coin is pending or its
 * worker died; else "failed" when a coin failed; else "finished". */
const char *ct_run_state(json_t *ledger);
/* One run at a glance: {"run","cycle","started","total","pending",
 * "running","success","failed","skipped","state"}, or {"run","cycle",
 * "error"} when its ledger cannot be read (the reason printed). */
json_t *ct_run_info(const char *home, const char *run);
/* The same from its ledger, read already (NULL: unreadable). */
json_t *ct_run_info_of(const char *run, json_t *ledger);
/* 1 while some run-batch holds runs/.batch.lock; then, when run is not
 * NULL, the run it holds it for into run (of size n; "" when it has not
 * said yet, or said no run name). */
int ct_batch_running(const char *home, char *run, size_t n);
/* 1 when run-batch left job arrays of run on a cluster for a later
 * start of the run to collect (runs/RUN/engine.jobs: --no-wait, or a
 * start killed while they ran); they may have ended since. */
int ct_run_has_arrays(const char *home, const char *run);
/* The newest of runs (ct_runs_list()) with such arrays; NULL when none. */
const char *ct_batch_submitted(const char *home, char **runs, size_t n);

#endif
