/* check-drift — for each coin, how far its newest candles have moved from
 * what its current model was trained on: the population stability index
 * (PSI) of every feature and of the predictions against the model's
 * drift.json, and the shift of the label base rate.  Exit status 7 when
 * some coin drifted.  The work is in lib/drift.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "drift.h"
#include "err.h"
#include "exitcode.h"
#include "model.h"
#include "symbols.h"
#include "home.h"
#include "parse.h"

static const char usage_text[] =
    "usage: check-drift [--timeframe TF] [--window N|DUR] [--psi-max X] [--json]\n"
    "                   [--home DIR] [SYM ...]\n"
    "       check-drift -h | --version\n";

static _Noreturn void
usage(int rc)
{
	fputs(usage_text, rc ? stderr : stdout);
	exit(ct_finish(rc));
}

static const char *
str(const json_t *l, const char *key)
{
	const char *s = json_string_value(json_object_get(l, key));

	return s ? s : "-";
}

/* "BTCUSDT 1h drifted psi 0.412 vol_12 over 0.25: vol_12 atr_14 base rate 0.31 -> 0.12
 * unseen 640/1500" */
static void
print_text(const json_t *l)
{
	const json_t *over = json_object_get(l, "over"), *v;
	size_t i;

	printf("%s", str(l, "symbol"));
	if (json_object_get(l, "max_psi") == NULL) {
		printf(" %s\n", str(l, "status"));
		return;
	}
	printf(" %s %s psi %.3f %s", str(l, "timeframe"), str(l, "status"),
	    json_number_value(json_object_get(l, "max_psi")), str(l, "max_psi_feature"));
	if (json_array_size(over) > 0) {
		printf(" over %g:", json_number_value(json_object_get(l, "psi_max")));
		json_array_foreach(over, i, v)
			printf(" %s", json_string_value(v));
	}
	if (json_object_get(l, "base_rate"))
		printf(" base rate %.3f -> %.3f",
		    json_number_value(json_object_get(l, "base_rate_ref")),
		    json_number_value(json_object_get(l, "base_rate")));
	if (json_is_integer(json_object_get(l, "unseen")))
		printf(" unseen %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(l, "unseen")),
		    json_integer_value(json_object_get(l, "window")));
	putchar('\n');
}

static int as_json;	/* --json */

static int
check(const char *sym, void *o)
{
	json_t *line;
	int rc = ct_drift_check(o, sym, &line);

	if (line == NULL)
		ct_die(CT_EXIT_FAIL, "out of memory");
	if (as_json) {
		json_dumpf(line, stdout, JSON_COMPACT | JSON_REAL_PRECISION(6));
		putchar('\n');
	} else {
		print_text(line);
	}
	/* A line at a time: a batch script may act on one before the rest. */
	fflush(stdout);
	json_decref(line);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "home", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "psi-max", required_argument, NULL, 'p' },
		{ "timeframe", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "window", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct ct_drift_opts o = { .psi_max = CT_DRIFT_PSI_MAX };
	const char *home_opt = NULL;
	int c, rc;
	long n;

	ct_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "hjt:Vw:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(CT_EXIT_OK);
		case 'H':
			home_opt = optarg;
			break;
		case 'j':
			as_json = 1;
			break;
		case 'p':
			if (ct_parse_double(optarg, &o.psi_max) != 0 || !(o.psi_max > 0)) {
				ct_warn("--psi-max: not a positive number: \"%s\"", optarg);
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
		case 'w':
			/* A duration is turned into candles per coin, with
			 * its model's timeframe; 1m takes any duration. */
			if (ct_parse_lookback(optarg, "1m", &n) != 0) {
				ct_warn("--window: not a count of candles or a duration: \"%s\"", optarg);
				usage(CT_EXIT_USAGE);
			}
			/* As 1m candles, the most any timeframe gives. */
			if (n < CT_DRIFT_MIN_ROWS) {
				ct_warn("--window: %s is fewer than the %d candles the check needs",
				    optarg, CT_DRIFT_MIN_ROWS);
				usage(CT_EXIT_USAGE);
			}
			o.window = optarg;
			break;
		default:
			usage(CT_EXIT_USAGE);
		}
	}
	if (ct_symbols_check(argv + optind, argc - optind) != CT_EXIT_OK)
		usage(CT_EXIT_USAGE);
	o.home = ct_home(home_opt);
	/* A mistyped --home is no home of coins without models ("no drift"). */
	if (ct_dir_check(o.home) != 0)
		return ct_finish(CT_EXIT_FAIL);
	/* At a terminal with no symbol: every coin with a model (it waited
	 * for symbols on a terminal, silently). */
	if (optind == argc && isatty(0))
		rc = ct_each_model(o.home, check, &o);
	else
		rc = ct_symbols_each(argv + optind, argc - optind, check, &o);
	return ct_finish(rc);
}
