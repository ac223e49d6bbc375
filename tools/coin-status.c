/* coin-status — the operator's view of each coin: its candles, its serving
 * model and how good it is (walk-forward or held-out, against buy and
 * hold), its cached prediction, its latest drift check, how it fared in
 * the newest run of each cycle, and flags naming what is wrong.  A table,
 * or one JSON object per coin.  The description is lib/coinstatus.c's,
 * shared with the dashboard. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "coinstatus.h"
#include "err.h"
#include "exitcode.h"
#include "home.h"
#include "parse.h"
#include "timefmt.h"

static const char usage_text[] =
    "usage: coin-status [--json | -o COLUMNS] [--timeframe TF] [--home DIR] [SYM ...]\n";

static _Noreturn void
usage(int rc)
{
	fputs(usage_text, rc ? stderr : stdout);
	exit(ct_finish(rc));
}

/* -o named a column that is none, or one twice: said with the names. */
static _Noreturn void
bad_column(const char *name)
{
	char all[512];
	size_t i, len = 0;
	int known = 0;

	for (i = 0; i < ct_status_ncols && len < sizeof all; i++) {
		len += (size_t)snprintf(all + len, sizeof all - len, "%s%s", i ? "," : "",
		    ct_status_cols[i].name);
		known |= strcasecmp(name, ct_status_cols[i].name) == 0;
	}
	ct_warn("-o: \"%s\": %s (the columns: %s)", name,
	    known ? "named twice" : *name ? "no such column" : "an empty name", all);
	usage(CT_EXIT_USAGE);
}

/* Describe syms (every coin of the home when n is 0) into a JSON array;
 * *bad set when a file could not be read. */
static json_t *
describe(const char *home, const char *tf, char **syms, size_t n, int *bad)
{
	struct ct_status_ctx ctx;
	json_t *rows = json_array(), *r;
	char **all = NULL;

	if (n == 0 && (syms = all = ct_status_coins(home, &n)) == NULL)
		ct_die(CT_EXIT_FAIL, "out of memory");
	if (ct_status_begin(&ctx, home, tf, ct_now_ms()) != 0)
		ct_die(CT_EXIT_FAIL, "out of memory");
	*bad |= ctx.runs_bad;
	for (size_t i = 0; i < n; i++) {
		if ((r = ct_status_coin(&ctx, syms[i], bad)) == NULL)
			ct_die(CT_EXIT_FAIL, "out of memory");
		json_array_append_new(rows, r);
	}
	ct_status_end(&ctx);
	ct_status_free_coins(all, all ? n : 0);
	return rows;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "home", required_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "output", required_argument, NULL, 'o' },
		{ "timeframe", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *home_opt = NULL, *tf = NULL, *cols = NULL, *badcol;
	int c, as_json = 0, bad = 0;
	size_t pick[64], npick = 0, i;
	json_t *rows, *r;

	ct_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "hjo:t:V", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(CT_EXIT_OK);
		case 'H':
			home_opt = optarg;
			break;
		case 'j':
			as_json = 1;
			break;
		case 'o':
			cols = optarg;
			break;
		case 't':
			if (ct_tf_check(optarg) != 0)
				usage(CT_EXIT_USAGE);
			tf = optarg;
			break;
		case 'V':
			ct_version();
			return ct_finish(CT_EXIT_OK);
		default:
			usage(CT_EXIT_USAGE);
		}
	}
	if (cols && as_json) {
		ct_warn("-o chooses the table's columns; --json prints every field");
		usage(CT_EXIT_USAGE);
	}
	if (cols && (npick = ct_status_pick(cols, pick, &badcol)) == 0)
		bad_column(badcol);
	for (int k = optind; k < argc; k++)
		if (!ct_symbol_ok(argv[k])) {
			ct_warn("invalid symbol \"%.40s\"", argv[k]);
			usage(CT_EXIT_USAGE);
		}
	if (ct_dir_check(ct_home(home_opt)) != 0)
		return ct_finish(CT_EXIT_FAIL);
	rows = describe(ct_home(home_opt), tf, argv + optind, (size_t)(argc - optind), &bad);
	if (as_json) {
		json_array_foreach(rows, i, r) {
			json_dumpf(r, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
			putchar('\n');
		}
	} else if (ct_status_table(rows, cols ? pick : NULL, npick, stdout) != 0) {
		ct_die(CT_EXIT_FAIL, "out of memory");
	}
	json_decref(rows);
	return ct_finish(bad ? CT_EXIT_FAIL : CT_EXIT_OK);
}
