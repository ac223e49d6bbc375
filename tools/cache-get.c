/* cache-get — print the cached predictions of the given symbols, or the
 * top list, as JSON lines; exit CT_EXIT_MISS (3) when any is missing or
 * expired, so a shell can fall back to predict. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "err.h"
#include "exitcode.h"
#include "home.h"
#include "parse.h"
#include "timefmt.h"

static const char usage_text[] =
    "usage: cache-get [--stale-ok] [--home DIR] SYM ...\n"
    "       cache-get [--stale-ok] [--home DIR] --top [N]\n";

static _Noreturn void
usage(int rc)
{
	fputs(usage_text, rc ? stderr : stdout);
	exit(ct_finish(rc));
}

/* Print one loaded entry in state st; 1 when it counts as a miss. */
static int
serve(json_t *e, enum ct_cache_state st, int stale_ok)
{
	if (st == CT_CACHE_FRESH) {
		ct_cache_print(e);
		return 0;
	}
	/* "stale" is predict's: the candles were old when it predicted. */
	if (st == CT_CACHE_EXPIRED && stale_ok) {
		json_object_set_new(e, "expired", json_true());
		ct_cache_print(e);
		return 0;
	}
	return 1;
}

static int
get_top(const char *home, const char *arg, int stale_ok, int64_t now)
{
	char ex[CT_EXCERPT_LEN];
	json_t *list;
	size_t i;
	long n = -1;
	int miss = 0;

	if (arg && ct_parse_long(arg, 1, 100000, &n) != 0) {
		ct_warn("--top: bad count \"%s\"", ct_excerpt(arg, strlen(arg), ex));
		usage(CT_EXIT_USAGE);
	}
	if (ct_cache_top(home, &list) != CT_CACHE_FRESH)
		return CT_EXIT_MISS;
	if (n < 0)
		n = (long)json_array_size(list);
	for (i = 0; i < (size_t)n && i < json_array_size(list); i++) {
		json_t *e = json_array_get(list, i);

		miss |= serve(e, ct_cache_entry_state(e, now), stale_ok);
	}
	if (n == 0 || i < (size_t)n)
		miss = 1;
	json_decref(list);
	return miss ? CT_EXIT_MISS : CT_EXIT_OK;
}

/* A miss in a data home that is not there (a mistyped --home) is said
 * and a failure, not an empty cache; a hit costs no check. */
static int
home_said(const char *home, int rc)
{
	return rc == CT_EXIT_MISS && ct_dir_check(home) != 0 ? CT_EXIT_FAIL : rc;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "home", required_argument, NULL, 'H' },
		{ "stale-ok", no_argument, NULL, 's' },
		{ "top", optional_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *home_opt = NULL, *home, *count = NULL;
	char ex[CT_EXCERPT_LEN];
	int c, top = 0, stale_ok = 0, miss = 0;
	int64_t now;

	ct_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(CT_EXIT_OK);
		case 'H':
			home_opt = optarg;
			break;
		case 's':
			stale_ok = 1;
			break;
		case 't':	/* --top=N, or --top N (an operand) */
			top = 1;
			count = optarg;
			break;
		case 'V':
			ct_version();
			return ct_finish(CT_EXIT_OK);
		default:
			usage(CT_EXIT_USAGE);
		}
	}
	if (top ? argc - optind > (count ? 0 : 1) : optind == argc) {
		if (top)
			ct_warn("--top takes one count, not symbols: \"%s\"",
			    ct_excerpt(argv[argc - 1], strlen(argv[argc - 1]), ex));
		else
			ct_warn("no symbol (or --top)");
		usage(CT_EXIT_USAGE);
	}
	home = ct_home(home_opt);
	now = ct_now_ms();
	if (top)
		return ct_finish(home_said(home, get_top(home, count ? count : argv[optind], stale_ok, now)));
	/* Every symbol is checked before any is served: a bad one is a usage
	 * error, not a partial answer. */
	for (int i = optind; i < argc; i++)
		if (!ct_symbol_ok(argv[i]))
			ct_die(CT_EXIT_USAGE, "%s: invalid symbol",
			    ct_excerpt(argv[i], strlen(argv[i]), ex));
	for (int i = optind; i < argc; i++) {
		enum ct_cache_state st;
		json_t *e;

		st = ct_cache_get(home, argv[i], now, &e);
		miss |= serve(e, st, stale_ok);
		json_decref(e);
	}
	return ct_finish(home_said(home, miss ? CT_EXIT_MISS : CT_EXIT_OK));
}
