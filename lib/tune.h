/* tune.h — tune-coin's whole job for one coin: a random search of the
 * booster's parameters (search.h) scored by the purged walk-forward of
 * train-coin on every fold but the newest, whose validation block the
 * search never sees; the winner scored once on that block; the result in
 * models/<SYM>/params.json.
 *
 * A trial is one draw of parameters; its score is the mean logloss of
 * its folds' validation blocks.  Successive halving over folds cuts the
 * clearly losing ones: every trial trains the first fold, the better
 * 1/halving of them (by mean logloss so far) the second, and so on to the
 * last search fold; the winner is the best of those that trained them all.
 * Each fold a trial trains is recorded at once, atomically, in
 * models/<SYM>/search/, so a search killed at any moment resumes where it
 * was and ends with the same winner. */
#ifndef CT_TUNE_H
#define CT_TUNE_H

#include <stdint.h>

#include <jansson.h>

#include "train.h"

struct ct_tune {
	const char *home, *sym, *tf;
	const char *costs;	/* --costs FILE or NULL */
	json_t *space;		/* borrowed; checked by ct_space_check() */
	long lookback;		/* candles; 0: 50000 */
	int trials;		/* trial 0 is the default parameters */
	int jobs;		/* trials trained at once, each in a process */
	int halving;		/* keep 1/halving of the trials at each fold; < 2: none */
	uint64_t seed;
	int row_step;		/* --row-step; 0: ct_row_step's choice for the rows */
	struct ct_train_opts o;	/* horizon, folds, rounds, early_stop, threads, progress */
};

/* Jobs and threads of t: the cores this coin may use are avail
 * (run-batch's share), else (0) the machine's less a reserve for the
 * system, max(1, n - max(1, n/8)) as run-batch counts; one thread a job
 * unless told (threads 0), as many jobs as fit unless told (jobs 0).
 * -1 with the reason printed when jobs x threads exceed the cores. */
int ct_tune_cores(struct ct_tune *t, int jobs, int threads, long avail);
/* Search, score the winner on the held-out block, write params.json and
 * print its path on stdout.  The exit status: CT_EXIT_OK, CT_EXIT_FAIL,
 * CT_EXIT_USAGE (an unknown timeframe) or CT_EXIT_LOCKED (another
 * tune-coin holds the coin); errors printed. */
int ct_tune_coin(struct ct_tune *t);

#endif
