/* train-coin — train one coin's model: features and labels from its candle
 * store, purged walk-forward folds with XGBoost, evaluation after trading
 * costs, and a verified model directory published as models/<SYM>/current.
 * The work is in lib/traincoin.c; this file is the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "cores.h"
#include "costs.h"
#include "err.h"
#include "exitcode.h"
#include "home.h"
#include "model.h"
#include "parse.h"
#include "traincoin.h"

static void
usage(FILE *fp)
{
	fputs("usage: train-coin --symbol SYM --timeframe TF [--fresh | --incremental]\n"
	    "                  [--lookback N|DUR] [--horizon N] [--folds K] [--rounds N]\n"
	    "                  [--early-stop N] [--row-step N] [--threads N] [--costs FILE]\n"
	    "                  [--keep N] [--keep-features] [--memory MB]\n"
	    "                  [--params FILE | --default-params] [--progress] [--home DIR]\n"
	    "       train-coin -h | -V | --version\n", fp);
}

/* A whole-number option in [min,max], else a usage error. */
static long
num(const char *opt, const char *s, long min, long max)
{
	return ct_opt_long(opt, s, min, max, usage);
}

/* 1, said, when options that exclude each other (what) were both given. */
static int
both(int a, int b, const char *what)
{
	if (a && b)
		ct_warn("%s exclude each other", what);
	return a && b;
}

/* The fresh-only options given so far, with name: "--folds, --rounds". */
static const char *
fresh_opt(const char *name)
{
	static char given[64];

	if (strstr(given, name) == NULL)
		snprintf(given + strlen(given), sizeof given - strlen(given), "%s%s",
		    *given ? ", " : "", name);
	return given;
}

int
main(int argc, char **argv)
{
	enum { O_FRESH = 256, O_INCR, O_LOOKBACK, O_HORIZON, O_FOLDS, O_ROUNDS, O_EARLY,
		O_STEP, O_THREADS, O_COSTS, O_KEEP, O_KEEPFEAT, O_MEMORY, O_PARAMS, O_DEFPARAMS, O_PROGRESS,
		O_HOME };
	static const struct option opts[] = {
		{ "symbol", required_argument, NULL, 's' },
		{ "timeframe", required_argument, NULL, 't' },
		{ "fresh", no_argument, NULL, O_FRESH },
		{ "incremental", no_argument, NULL, O_INCR },
		{ "lookback", required_argument, NULL, O_LOOKBACK },
		{ "horizon", required_argument, NULL, O_HORIZON },
		{ "folds", required_argument, NULL, O_FOLDS },
		{ "rounds", required_argument, NULL, O_ROUNDS },
		{ "early-stop", required_argument, NULL, O_EARLY },
		{ "row-step", required_argument, NULL, O_STEP },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "costs", required_argument, NULL, O_COSTS },
		{ "keep", required_argument, NULL, O_KEEP },
		{ "keep-features", no_argument, NULL, O_KEEPFEAT },
		{ "memory", required_argument, NULL, O_MEMORY },
		{ "params", required_argument, NULL, O_PARAMS },
		{ "default-params", no_argument, NULL, O_DEFPARAMS },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "home", required_argument, NULL, O_HOME },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ct_traincoin tc = { 0 };
	const char *home = NULL, *lookback = NULL, *env;
	int c, fresh = 0, rc;

	ct_setprog(argv[0]);
	ct_train_defaults(&tc.o);
	tc.keep = 3;
	tc.o.progress = isatty(2);
	while ((c = getopt_long(argc, argv, "s:t:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's': tc.sym = optarg; break;
		case 't': tc.tf = optarg; break;
		case O_FRESH: fresh = 1; break;
		case O_INCR: tc.incremental = 1; break;
		case O_LOOKBACK: lookback = optarg; break;
		case O_HORIZON:
			tc.o.horizon = (int)num("--horizon", optarg, 1, CT_HORIZON_MAX);
			tc.fresh_only = fresh_opt("--horizon");
			break;
		case O_FOLDS:
			tc.o.folds = (int)num("--folds", optarg, 1, 50);
			tc.fresh_only = fresh_opt("--folds");
			break;
		case O_ROUNDS:
			tc.o.rounds = (int)num("--rounds", optarg, 1, CT_ROUNDS_MAX);
			tc.fresh_only = fresh_opt("--rounds");
			break;
		case O_EARLY:
			tc.o.early_stop = (int)num("--early-stop", optarg, 1, 100000);
			tc.fresh_only = fresh_opt("--early-stop");
			break;
		case O_STEP:
			tc.o.row_step = (int)num("--row-step", optarg, 1, CT_ROW_STEP_MAX);
			tc.fresh_only = fresh_opt("--row-step");
			break;
		case O_THREADS: tc.o.threads = (int)num("--threads", optarg, 1, 1024); break;
		case O_COSTS:
			if (ct_costs_check(tc.costs = optarg) != 0)
				return CT_EXIT_FAIL;
			break;
		case O_KEEP: tc.keep = (int)num("--keep", optarg, 1, 100000); break;
		case O_KEEPFEAT: tc.keep_features = 1; break;
		case O_MEMORY: tc.memory_mb = num("--memory", optarg, 32, 1048576); break;
		case O_PARAMS: tc.params_file = optarg; break;
		case O_DEFPARAMS: tc.default_params = 1; break;
		case O_PROGRESS: tc.o.progress = 1; break;
		case O_HOME: home = optarg; break;
		case 'h': usage(stdout); return ct_finish(CT_EXIT_OK);
		case 'V': ct_version(); return ct_finish(CT_EXIT_OK);
		default: usage(stderr); return CT_EXIT_USAGE;
		}
	}
	if (ct_coin_required(argc, argv, optind, tc.sym, tc.tf) != 0 ||
	    both(fresh, tc.incremental, "--fresh and --incremental") ||
	    both(tc.params_file != NULL, tc.default_params, "--params and --default-params")) {
		usage(stderr);
		return CT_EXIT_USAGE;
	}
	if ((rc = ct_coin_args(tc.sym, tc.tf, lookback, &tc.lookback)) != 0) {
		if (rc == -2)
			usage(stderr);
		return CT_EXIT_USAGE;
	}
	/* run-batch shares the cores among parallel coins through the
	 * environment; otherwise XGBoost uses all of them. */
	if (tc.o.threads == 0 && (env = getenv("COINTRAIN_THREADS")) && *env)
		tc.o.threads = (int)num("COINTRAIN_THREADS", env, 1, 1024);
	if (tc.o.threads == 0)
		tc.o.threads = (int)ct_cores();
	ct_xgb_env(argv, tc.o.threads);
	tc.home = ct_home(home);
	ct_cleanup_on_signals();
	rc = ct_train_coin(&tc);
	/* Published, but not printed: said, before ct_finish says why. */
	if (rc == CT_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout)))
		ct_warn("%s: the new model is published (current names it), but its directory "
		    "could not be printed", tc.sym);
	return ct_finish(rc);
}
