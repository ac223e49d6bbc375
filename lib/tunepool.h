/* tunepool.h — the worker processes of a search.  Each worker is a fork
 * of the search taken before it touches XGBoost (OpenMP does not survive
 * a fork), so it shares the mapped dataset and the trials' parameters and
 * keeps its own quantised matrices.  Fits go to the workers through one
 * pipe, results come back through another: fixed-size records, each
 * written whole (below PIPE_BUF), so any idle worker takes the next fit.
 * A worker dies with the search (PR_SET_PDEATHSIG), kill -9 included. */
#ifndef CT_TUNEPOOL_H
#define CT_TUNEPOOL_H

#include <stdint.h>
#include <sys/types.h>

/* One fit: fold `fold` (0-based) of trial `trial`. */
struct ct_fit {
	int32_t trial, fold;
};

struct ct_fit_result {
	int32_t trial, fold;
	int32_t status;			/* 0, or -1 (the worker printed why) */
	int32_t best_rounds, trained;
	double logloss, auc, seconds;
};

/* Runs in a worker: fit f, fill r (trial and fold are set). */
typedef void (*ct_fit_fn)(void *arg, const struct ct_fit *f, struct ct_fit_result *r);

struct ct_pool {
	int task_w, res_r;
	int n;
	pid_t *pid;
	int pending;		/* fits submitted, not yet returned */
	int killed;		/* a worker died of a signal (the OOM killer, kill) */
	const char *label;	/* named first in its messages (the coin), or NULL */
};

/* Fork n workers running fn(arg, ...) on each fit (p's label kept, the
 * rest set anew).  0 or -1 (printed). */
int ct_pool_start(struct ct_pool *p, int n, ct_fit_fn fn, void *arg);
int ct_pool_submit(struct ct_pool *p, const struct ct_fit *f);
/* Wait for the next result: 0, or -1 when a worker died or the pipe
 * failed (printed). */
int ct_pool_next(struct ct_pool *p, struct ct_fit_result *r);
/* End the workers: let them finish their fit (kill_them 0) or kill
 * them; wait for them.  A worker found killed then (while it waited
 * for a fit, so no fit was lost) is told on stderr. */
void ct_pool_stop(struct ct_pool *p, int kill_them);

#endif
