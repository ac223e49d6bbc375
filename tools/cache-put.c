/* cache-put — store predict's JSON lines in the prediction cache, each
 * with an expiry; --top N also keeps cache/top.json; --clear invalidates
 * entries.  Stored entries are echoed on stdout (unless -q), so the
 * fallback `cache-get SYM || predict SYM | cache-put` prints a line either
 * way. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "cache.h"
#include "err.h"
#include "home.h"
#include "parse.h"
#include "timefmt.h"

static const char usage_text[] =
    "usage: cache-put [-q] [--home DIR] [--ttl DUR] [--top N]\n"
    "       cache-put [--home DIR] --clear [SYM ...]\n";

static _Noreturn void
usage(int rc)
{
	fputs(usage_text, rc ? stderr : stdout);
	exit(rc);
}

/* Store every good line of stdin; 0, or 1 when any line was bad or could
 * not be stored. */
static int
put_lines(const char *home, int64_t ttl, int quiet)
{
	char *line = NULL, why[96];
	size_t cap = 0, lineno = 0;
	const char *bad;
	json_error_t jerr;
	json_t *pred, *e;
	ssize_t len;
	int rc = 0;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;	/* blank lines carry nothing */
		if ((pred = json_loadb(line, (size_t)len, 0, &jerr)) == NULL) {
			ct_warn("<stdin>:%zu: invalid JSON: %s", lineno, jerr.text);
			rc = 1;
			continue;
		}
		if ((bad = ct_cache_invalid(pred, why, sizeof why)) != NULL) {
			ct_warn("<stdin>:%zu: %s", lineno, bad);
			rc = 1;
		} else if ((e = ct_cache_put(home, pred, ct_now_ms(), ttl)) == NULL) {
			rc = 1;
		} else {
			if (!quiet)
				ct_cache_print(e);
			json_decref(e);
		}
		json_decref(pred);
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
		{ "clear", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "home", required_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "top", required_argument, NULL, 'n' },
		{ "ttl", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *home_opt = NULL, *home, *env;
	int64_t ttl = 3600;
	long top = 0;
	int c, clear = 0, quiet = 0, lock, rc = 0;

	ct_setprog(argv[0]);
	if ((env = getenv("PREDICTION_CACHE_TTL")) != NULL && *env &&
	    (ct_parse_dur(env, &ttl) != 0 || ttl <= 0))
		ct_die(2, "PREDICTION_CACHE_TTL: bad duration \"%s\"", env);
	while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			clear = 1;
			break;
		case 'h':
			usage(0);
		case 'H':
			home_opt = optarg;
			break;
		case 'n':
			if (ct_parse_long(optarg, 1, 100000, &top) != 0) {
				ct_warn("--top: bad count \"%s\"", optarg);
				usage(2);
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 't':
			if (ct_parse_dur(optarg, &ttl) != 0 || ttl <= 0) {
				ct_warn("--ttl: bad duration \"%s\"", optarg);
				usage(2);
			}
			break;
		case 'V':
			ct_version();
			return ct_finish(0);
		default:
			usage(2);
		}
	}
	if (optind < argc && !clear)
		usage(2);
	for (int i = optind; i < argc; i++)
		if (!ct_symbol_ok(argv[i]))
			ct_die(1, "%s: invalid symbol", argv[i]);
	home = ct_home(home_opt);
	ct_cleanup_on_signals();

	if (!clear)
		rc = put_lines(home, ttl, quiet);
	/* Entries are single renames and need no lock; the lock orders the
	 * rebuilds of top.json so the last one sees every entry written
	 * before it. */
	if ((lock = ct_cache_lock(home)) < 0)
		return ct_finish(1);
	if (clear && ct_cache_clear(home, argv + optind, (size_t)(argc - optind)) != 0)
		rc = 1;
	if (ct_cache_top_rebuild(home, clear && optind == argc ? -1 : top, ct_now_ms()) != 0)
		rc = 1;
	close(lock);
	return ct_finish(rc);
}
