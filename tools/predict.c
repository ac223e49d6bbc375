/* predict — the latest prediction of each coin's current model, as JSON
 * lines: verify the model, read the tail of the candle store, compute the
 * features train-coin uses, predict.  --history/--from/--to predict every
 * candle of a past range instead. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "home.h"
#include "parse.h"
#include "predict.h"
#include "timefmt.h"

static const char usage_text[] =
    "usage: predict [--csv] [--home DIR] [--max-age DUR|off] [--timeframe TF]\n"
    "               [--history N] [--from TIME] [--to TIME] [SYM ...]\n";

static _Noreturn void
usage(int rc)
{
	fputs(usage_text, rc ? stderr : stdout);
	exit(rc);
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

/* Worst of two results: failure, then stale, then success. */
static int
worst(int a, int b)
{
	if (a == 1 || b == 1)
		return 1;
	return a ? a : b;
}

/* Symbols one per line on stdin; blank lines and #comments are skipped. */
static int
from_stdin(const struct ct_predict_opts *o)
{
	char *line = NULL, *s, *e;
	size_t cap = 0, lineno = 0;
	int rc = 0;

	while (getline(&line, &cap, stdin) >= 0) {
		lineno++;
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		for (e = s + strlen(s); e > s && strchr(" \t\r\n", e[-1]); e--)
			;
		*e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (!ct_symbol_ok(s)) {
			ct_warn("<stdin>:%zu: invalid symbol \"%.40s\"", lineno, s);
			rc = 1;
			continue;
		}
		rc = worst(rc, ct_predict(o, s, stdout));
	}
	if (ferror(stdin)) {
		ct_warn("<stdin>: read error");
		rc = 1;
	}
	free(line);
	return rc;
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
	int c, rc = 0;

	ct_setprog(argv[0]);
	if ((env = getenv("COINTRAIN_MAX_AGE")) != NULL && *env &&
	    parse_max_age(env, &o.max_age_s) != 0)
		ct_die(2, "COINTRAIN_MAX_AGE: bad duration \"%s\"", env);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (parse_max_age(optarg, &o.max_age_s) != 0) {
				ct_warn("--max-age: bad duration \"%s\"", optarg);
				usage(2);
			}
			break;
		case 'c':
			o.csv = 1;
			break;
		case 'f':
		case 'T':
			if (ct_parse_iso8601(optarg, c == 'f' ? &o.from_ms : &o.to_ms) != 0) {
				ct_warn("--%s: bad time \"%s\"", c == 'f' ? "from" : "to", optarg);
				usage(2);
			}
			o.range = 1;
			break;
		case 'h':
			usage(0);
		case 'H':
			home_opt = optarg;
			break;
		case 'n':
			if (ct_parse_long(optarg, 1, 10000000, &o.history) != 0) {
				ct_warn("--history: bad count \"%s\"", optarg);
				usage(2);
			}
			break;
		case 't':
			if (ct_tf_ms(optarg) < 0) {
				ct_warn("--timeframe: unknown \"%s\"", optarg);
				usage(2);
			}
			o.timeframe = optarg;
			break;
		case 'V':
			ct_version();
			return ct_finish(0);
		default:
			usage(2);
		}
	}
	if (o.range && o.history > 0) {
		ct_warn("--history and --from/--to exclude each other");
		usage(2);
	}
	o.home = ct_home(home_opt);
	o.now_ms = ct_now_ms();
	if (o.csv)
		ct_predict_csv_header(stdout);
	if (optind == argc)
		rc = from_stdin(&o);
	for (int i = optind; i < argc; i++)
		rc = worst(rc, ct_predict(&o, argv[i], stdout));
	return ct_finish(rc);
}
