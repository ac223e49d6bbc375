/* predict — the latest prediction of each coin's current model, as JSON
 * lines: verify the model, read the tail of the candle store, compute the
 * features train-coin uses, predict.  --history/--from/--to predict every
 * candle of a past range instead.  The coins: the operands, else the lines
 * of standard input, else (standard input a terminal) every coin with a
 * model. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "exitcode.h"
#include "symbols.h"
#include "home.h"
#include "model.h"
#include "parse.h"
#include "predict.h"
#include "timefmt.h"

static const char usage_text[] =
    "usage: predict [--csv] [--home DIR] [--max-age DUR|off] [--timeframe TF]\n"
    "               [--history N] [--from TIME] [--to TIME] [SYM ...]\n"
    "       predict -h | -V | --version\n";

static _Noreturn void
usage(int rc)
{
	fputs(usage_text, rc ? stderr : stdout);
	exit(ct_finish(rc));
}

static int
parse_max_age(const char *s, int64_t *secs)
{
	if (strcmp(s, "off") == 0) {
		*secs = CT_MAX_AGE_OFF;
		return 0;
	}
	return ct_parse_dur(s, secs) == 0 && *secs > 0 ? 0 : -1;
}

static int
one(const char *sym, void *o)
{
	return ct_predict(o, sym, stdout);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "history", required_argument, NULL, 'n' },
		{ "home", required_argument, NULL, 'H' },
		{ "max-age", required_argument, NULL, 'a' },
		{ "timeframe", required_argument, NULL, 't' },
		{ "to", required_argument, NULL, 'T' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ct_predict_opts o = { .from_ms = INT64_MIN, .to_ms = INT64_MAX };
	const char *home_opt = NULL, *env;
	int c, rc = CT_EXIT_OK, age_given = 0;

	ct_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "hVt:", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (parse_max_age(optarg, &o.max_age_s) != 0) {
				ct_warn("--max-age: bad duration \"%s\"", optarg);
				usage(CT_EXIT_USAGE);
			}
			age_given = 1;
			break;
		case 'c':
			o.csv = 1;
			break;
		case 'f':
		case 'T':
			if (ct_parse_iso8601(optarg, c == 'f' ? &o.from_ms : &o.to_ms) != 0) {
				ct_warn("--%s: bad time \"%s\"", c == 'f' ? "from" : "to", optarg);
				usage(CT_EXIT_USAGE);
			}
			o.range = 1;
			break;
		case 'h':
			usage(CT_EXIT_OK);
		case 'H':
			home_opt = optarg;
			break;
		case 'n':
			if (ct_parse_long(optarg, 1, 10000000, &o.history) != 0) {
				ct_warn("--history: bad count \"%s\"", optarg);
				usage(CT_EXIT_USAGE);
			}
			break;
		case 't':
			if (ct_tf_check(optarg) != 0)
				usage(CT_EXIT_USAGE);
			o.timeframe = optarg;
			break;
		case 'V':
			ct_version();
			return ct_finish(CT_EXIT_OK);
		default:
			usage(CT_EXIT_USAGE);
		}
	}
	/* The default, read only where it is one: a bad value of it stops
	 * no --help or --max-age. */
	if (!age_given && (env = getenv("COINTRAIN_MAX_AGE")) != NULL && *env &&
	    parse_max_age(env, &o.max_age_s) != 0)
		ct_die(CT_EXIT_USAGE, "COINTRAIN_MAX_AGE: bad duration \"%s\"", env);
	if (o.range && o.history > 0) {
		ct_warn("--history and --from/--to exclude each other");
		usage(CT_EXIT_USAGE);
	}
	if (o.from_ms > o.to_ms) {
		ct_warn("--from is after --to");
		usage(CT_EXIT_USAGE);
	}
	/* Operands are checked before anything is printed: a bad symbol is a
	 * usage error, as in every tool. */
	if ((rc = ct_symbols_check(argv + optind, argc - optind)) != CT_EXIT_OK)
		return rc;
	o.home = ct_home(home_opt);
	o.now_ms = ct_now_ms();
	if (o.csv)
		ct_predict_csv_header(stdout);
	/* At a terminal with no symbol: every coin with a model. */
	if (optind == argc && isatty(0))
		rc = ct_each_model(o.home, one, &o);
	else
		rc = ct_symbols_each(argv + optind, argc - optind, one, &o);
	return ct_finish(rc);
}
