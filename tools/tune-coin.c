/* tune-coin — tune one coin's XGBoost parameters: a parallel, checkpointed
 * random search scored by train-coin's purged walk-forward on every fold
 * but the newest, the winner scored once on that held-out block, the
 * result in models/<SYM>/params.json for train-coin --fresh.
 * The work is in lib/tune.c; this file is the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <jansson.h>

#include "atomic.h"
#include "costs.h"
#include "err.h"
#include "jsonfile.h"
#include "exitcode.h"
#include "home.h"
#include "model.h"
#include "parse.h"
#include "search.h"
#include "tune.h"

static void
usage(FILE *fp)
{
	fputs("usage: tune-coin --symbol SYM --timeframe TF [--trials N] [--jobs N]\n"
	    "                 [--seed N] [--space FILE] [--lookback N|DUR] [--horizon N]\n"
	    "                 [--folds K] [--rounds N] [--early-stop N] [--row-step N]\n"
	    "                 [--threads N] [--halving N] [--costs FILE] [--progress]\n"
	    "                 [--home DIR]\n"
	    "       tune-coin -h | -V | --version\n", fp);
}

/* A whole-number option in [min,max], else a usage error. */
static long
num(const char *opt, const char *s, long min, long max)
{
	return ct_opt_long(opt, s, min, max, usage);
}

/* The cores this coin may use: run-batch's share (COINTRAIN_THREADS),
 * else 0 for ct_tune_cores to decide. */
static long
cores_given(void)
{
	const char *env = getenv("COINTRAIN_THREADS");

	return env && *env ? num("COINTRAIN_THREADS", env, 1, 1024) : 0;
}

/* Whether FILE is a search space ct_space_load takes (said when not). */
static int
space_ok(const char *file)
{
	json_t *s = ct_space_load(file);

	json_decref(s);
	return s != NULL;
}

int
main(int argc, char **argv)
{
	enum { O_TRIALS = 256, O_JOBS, O_SEED, O_SPACE, O_LOOKBACK, O_HORIZON, O_FOLDS, O_ROUNDS,
		O_EARLY, O_STEP, O_THREADS, O_HALVING, O_COSTS, O_PROGRESS, O_HOME };
	static const struct option opts[] = {
		{ "symbol", required_argument, NULL, 's' },
		{ "timeframe", required_argument, NULL, 't' },
		{ "trials", required_argument, NULL, O_TRIALS },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "space", required_argument, NULL, O_SPACE },
		{ "lookback", required_argument, NULL, O_LOOKBACK },
		{ "horizon", required_argument, NULL, O_HORIZON },
		{ "folds", required_argument, NULL, O_FOLDS },
		{ "rounds", required_argument, NULL, O_ROUNDS },
		{ "early-stop", required_argument, NULL, O_EARLY },
		{ "row-step", required_argument, NULL, O_STEP },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "halving", required_argument, NULL, O_HALVING },
		{ "costs", required_argument, NULL, O_COSTS },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "home", required_argument, NULL, O_HOME },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ct_tune t = { .trials = 40, .seed = 1, .halving = 2 };
	const char *home = NULL, *lookback = NULL, *space = NULL;
	int c, jobs = 0, threads = 0, rc;

	ct_setprog(argv[0]);
	ct_train_defaults(&t.o);
	t.o.progress = isatty(2);
	while ((c = getopt_long(argc, argv, "s:t:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's': t.sym = optarg; break;
		case 't': t.tf = optarg; break;
		case O_TRIALS: t.trials = (int)num("--trials", optarg, 1, 100000); break;
		case O_JOBS: jobs = (int)num("--jobs", optarg, 1, 1024); break;
		case O_SEED: t.seed = (uint64_t)num("--seed", optarg, 0, 0x7fffffffffffffffL); break;
		/* Read at once: a bad space stops even a last --help, by
		 * which run-batch checks TUNE_ARGS before a run. */
		case O_SPACE: if (!space_ok(space = optarg)) return CT_EXIT_FAIL; break;
		case O_LOOKBACK: lookback = optarg; break;
		case O_HORIZON: t.o.horizon = (int)num("--horizon", optarg, 1, CT_HORIZON_MAX); break;
		/* Two folds at least: one to search on, the newest held out. */
		case O_FOLDS: t.o.folds = (int)num("--folds", optarg, 2, 50); break;
		case O_ROUNDS: t.o.rounds = (int)num("--rounds", optarg, 1, CT_ROUNDS_MAX); break;
		case O_EARLY: t.o.early_stop = (int)num("--early-stop", optarg, 1, 100000); break;
		case O_STEP: t.row_step = (int)num("--row-step", optarg, 1, CT_ROW_STEP_MAX); break;
		case O_THREADS: threads = (int)num("--threads", optarg, 1, 1024); break;
		case O_HALVING: t.halving = (int)num("--halving", optarg, 1, 1000); break;
		case O_COSTS:
			if (ct_costs_check(t.costs = optarg) != 0)
				return CT_EXIT_FAIL;
			break;
		case O_PROGRESS: t.o.progress = 1; break;
		case O_HOME: home = optarg; break;
		case 'h': usage(stdout); return ct_finish(CT_EXIT_OK);
		case 'V': ct_version(); return ct_finish(CT_EXIT_OK);
		default: usage(stderr); return CT_EXIT_USAGE;
		}
	}
	if (ct_coin_required(argc, argv, optind, t.sym, t.tf) != 0) {
		usage(stderr);
		return CT_EXIT_USAGE;
	}
	if ((rc = ct_coin_args(t.sym, t.tf, lookback, &t.lookback)) != 0) {
		if (rc == -2)
			usage(stderr);
		return CT_EXIT_USAGE;
	}
	if (ct_tune_cores(&t, jobs, threads, cores_given()) != 0) {
		usage(stderr);
		return CT_EXIT_USAGE;
	}
	ct_xgb_env(argv, t.o.threads);
	if ((t.space = space ? ct_space_load(space) : ct_space_default()) == NULL)
		return CT_EXIT_FAIL;
	if (space)
		ct_space_warn_fixed(space, t.space);
	t.home = ct_home(home);
	ct_cleanup_on_signals();
	rc = ct_tune_coin(&t);
	json_decref(t.space);
	/* Written, but not printed: said, before ct_finish says why. */
	if (rc == CT_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout)))
		ct_warn("%s: params.json is written (train-coin uses it), but its path could not "
		    "be printed", t.sym);
	return ct_finish(rc);
}
