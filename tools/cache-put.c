/* cache-put — store predict's JSON lines in the prediction cache, each
 * with an expiry; --top N also keeps cache/top.json; --clear invalidates
 * entries.  Stored entries are echoed on stdout (unless -q), and a
 * prediction the cache cannot take as it came, so the fallback
 * `cache-get SYM || predict SYM | cache-put` prints a line either way. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "cache.h"
#include "err.h"
#include "exitcode.h"
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
	exit(ct_finish(rc));
}

#define LINE_MAX_B	65536	/* a prediction line is some 300 bytes */

/* The good lines of stdin, in order, into preds; 0, or 1 when any line
 * was bad (said).  Read before the cache is locked: a producer that is
 * slow or stalls must not hold up every other cache writer. */
static int
read_lines(json_t *preds)
{
	char *line = NULL, why[96], ex[CT_EXCERPT_LEN];
	size_t cap = 0, lineno = 0;
	const char *bad;
	json_error_t jerr;
	json_t *pred;
	ssize_t len;
	int rc = CT_EXIT_OK;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;	/* blank lines carry nothing */
		/* No prediction comes near; one that did would be read again by
		 * every top-list merge and cache-get --top. */
		if (len - (line[len - 1] == '\n') > LINE_MAX_B || memchr(line, '\0', (size_t)len) != NULL) {
			if (len - (line[len - 1] == '\n') > LINE_MAX_B)
				ct_warn("<stdin>:%zu: line longer than %d bytes", lineno, LINE_MAX_B);
			else
				ct_warn("<stdin>:%zu: a NUL byte in the line", lineno);
			rc = CT_EXIT_FAIL;
			continue;
		}
		if ((pred = json_loadb(line, (size_t)len, 0, &jerr)) == NULL) {
			ct_warn("<stdin>:%zu: invalid JSON: %s", lineno,
			    ct_excerpt(jerr.text, strlen(jerr.text), ex));
			rc = CT_EXIT_FAIL;
		} else if ((bad = ct_cache_invalid(pred, why, sizeof why)) != NULL) {
			ct_warn("<stdin>:%zu: %s", lineno, bad);
			json_decref(pred);
			rc = CT_EXIT_FAIL;
		} else {
			json_array_append_new(preds, pred);
		}
	}
	if (ferror(stdin)) {
		ct_warn("<stdin>: %s", strerror(errno));
		rc = CT_EXIT_FAIL;
	}
	free(line);
	return rc;
}

/* Store preds under the shared lock (put gets the stored entries); 0, or
 * 1 when any could not be.  A prediction the cache could not take (a
 * full disk) is still printed as predict made it, so the fallback
 * pipeline prints one; one of a replaced model is not. */
static int
put_all(const char *home, int64_t ttl, int quiet, json_t *preds, json_t *put)
{
	size_t i;
	json_t *pred, *e;
	const char *sym;
	int rc = CT_EXIT_OK;

	json_array_foreach(preds, i, pred) {
		sym = json_string_value(json_object_get(pred, "symbol"));
		if (ct_cache_served(home, sym, pred) != 0) {
			rc = CT_EXIT_FAIL;
		} else if ((e = ct_cache_newer(home, sym, pred, ct_now_ms())) != NULL) {
			/* The newer answer is what the pipeline prints. */
			if (!quiet)
				ct_cache_print(e);
			json_decref(e);
		} else if ((e = ct_cache_put(home, pred, ct_now_ms(), ttl)) == NULL) {
			rc = CT_EXIT_FAIL;
			if (!quiet)
				ct_cache_print(pred);
		} else {
			if (!quiet)
				ct_cache_print(e);
			json_object_set_new(put, sym, e);
		}
	}
	return rc;
}

/* A time to live from text: a duration whose expiry fits the cache's
 * times (four-digit years).  Exits 2 with a diagnostic naming what. */
static int64_t
ttl_arg(const char *what, const char *s)
{
	char ex[CT_EXCERPT_LEN];
	int64_t ttl, exp;

	if (ct_parse_dur(s, &ttl) != 0 || ttl <= 0)
		ct_die(CT_EXIT_USAGE, "%s: bad duration \"%s\"", what, ct_excerpt(s, strlen(s), ex));
	if (ct_cache_expiry(ct_now_ms(), ttl, &exp) != 0)
		ct_die(CT_EXIT_USAGE, "%s: %s: would expire after 9999-12-31", what, s);
	return ttl;
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
	char ex[CT_EXCERPT_LEN];
	int64_t ttl = 3600;
	long top = 0;
	int c, clear = 0, quiet = 0, ttl_given = 0, lock, rc;
	json_t *put, *preds;

	ct_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "hqV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			clear = 1;
			break;
		case 'h':
			usage(CT_EXIT_OK);
		case 'H':
			home_opt = optarg;
			break;
		case 'n':
			if (ct_parse_long(optarg, 1, 100000, &top) != 0) {
				ct_warn("--top: bad count \"%s\"", ct_excerpt(optarg, strlen(optarg), ex));
				usage(CT_EXIT_USAGE);
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 't':
			ttl = ttl_arg("--ttl", optarg);
			ttl_given = 1;
			break;
		case 'V':
			ct_version();
			return ct_finish(CT_EXIT_OK);
		default:
			usage(CT_EXIT_USAGE);
		}
	}
	if (optind < argc && !clear) {
		ct_warn("unexpected operand \"%s\" (symbols go with --clear; lines come on stdin)",
		    ct_excerpt(argv[optind], strlen(argv[optind]), ex));
		usage(CT_EXIT_USAGE);
	}
	/* --clear puts nothing: a time to live or a top list would be ignored. */
	if (clear && (ttl_given || top)) {
		ct_warn("--clear takes no %s", ttl_given ? "--ttl" : "--top");
		usage(CT_EXIT_USAGE);
	}
	/* The default, read only where it is one: a bad value of it stops
	 * no --help, --clear or --ttl. */
	if (!ttl_given && !clear && (env = getenv("PREDICTION_CACHE_TTL")) != NULL && *env)
		ttl = ttl_arg("PREDICTION_CACHE_TTL", env);
	for (int i = optind; i < argc; i++)
		if (!ct_symbol_ok(argv[i]))
			ct_die(CT_EXIT_USAGE, "%s: invalid symbol",
			    ct_excerpt(argv[i], strlen(argv[i]), ex));
	home = ct_home(home_opt);
	ct_cleanup_on_signals();
	/* Storing is the job, the echo an extra: a reader of it that left
	 * (| head -3) does not cut the entries and top.json short; the
	 * broken pipe is said at the end, exit 1. */
	signal(SIGPIPE, SIG_IGN);
	/* A mistyped --home is no new data home: nothing is created there. */
	if (clear)
		return ct_finish(ct_dir_check(home) == 0 &&
		    ct_cache_forget(home, argv + optind, (size_t)(argc - optind), 1) == 0 ?
		    CT_EXIT_OK : CT_EXIT_FAIL);

	/* Entries are written under the shared lock (no writer waits for
	 * another; the sweep of killed writers' temporaries waits for them
	 * all); the exclusive lock orders the rebuilds of top.json so the
	 * last one sees every entry written before it. */
	/* --top rebuilds top.json from every entry; without, the entries
	 * just stored are merged into it (one coin's refresh need not read
	 * 10,000 entries). */
	if ((put = json_object()) == NULL || (preds = json_array()) == NULL)
		ct_die(CT_EXIT_FAIL, "%s", strerror(ENOMEM));
	rc = read_lines(preds);
	/* The fallback pipeline's predict failed: nothing to print or store
	 * is no success (--top with no input rebuilds the list, and is). */
	if (rc == CT_EXIT_OK && json_array_size(preds) == 0 && !top) {
		ct_warn("no prediction on standard input: nothing stored");
		rc = CT_EXIT_FAIL;
	}
	if (ct_dir_check(home) != 0 || (lock = ct_cache_lock_shared(home)) < 0) {
		/* A missing, read-only or full data home: the predictions
		 * still go on to whoever asked for them. */
		for (size_t i = 0; !quiet && i < json_array_size(preds); i++)
			ct_cache_print(json_array_get(preds, i));
		rc = CT_EXIT_FAIL;
	} else {
		if (put_all(home, ttl, quiet, preds, put) != 0)
			rc = CT_EXIT_FAIL;
		if (ct_cache_lock_upgrade(lock, home) != 0 ||
		    (top ? ct_cache_top_rebuild(home, top, ct_now_ms()) :
		    ct_cache_top_update(home, put, ct_now_ms())) != 0)
			rc = CT_EXIT_FAIL;
		close(lock);
	}
	json_decref(preds);
	json_decref(put);
	return ct_finish(rc);
}
