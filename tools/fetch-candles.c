/* fetch-candles — get OHLCV candles from an exchange REST API, from files
 * (Binance dumps, freqtrade JSON, store CSV; zipped or compressed; a
 * freqtrade data directory) or from a generator, and merge them into
 * candles/<SYM>/<TF>.csv. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "candles.h"
#include "err.h"
#include "exchange.h"
#include "exitcode.h"
#include "home.h"
#include "import.h"
#include "merge.h"
#include "parse.h"
#include "synth.h"
#include "timefmt.h"

#define DEFAULT_LOOKBACK 10000
#define DEFAULT_START "2024-01-01T00:00:00Z"

static void
usage(FILE *fp)
{
	fputs("usage: fetch-candles --symbol SYM --timeframe TF [--lookback N|DUR] [--end TIME]\n"
	    "           [--base-url URL] [--limit N] [--replace] [--stdout] [--home DIR]\n"
	    "       fetch-candles --symbol SYM --timeframe TF --import [--replace] [--stdout]\n"
	    "           [--home DIR] [FILE ...]\n"
	    "       fetch-candles --import-dir DIR [--symbol SYM] [--timeframe TF] [--replace]\n"
	    "           [--home DIR]\n"
	    "       fetch-candles --symbol SYM --timeframe TF --generate [--kind walk|edge|regime]\n"
	    "           [--seed N] [--lookback N|DUR] [--start TIME] [--replace] [--stdout]\n"
	    "           [--home DIR]\n"
	    "       fetch-candles -h | -V | --version\n", fp);
}

static _Noreturn void
bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", ct_prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	exit(CT_EXIT_USAGE);
}

/* What the command line asks for. */
struct opts {
	const char *sym, *tf, *lookback, *end, *base, *home, *kind, *start, *dir;
	int imp, gen, replace, to_stdout;
	long limit, seed, n;
	int64_t end_ms, start_ms;
	char **files;
	int nfiles;
};

enum { O_BASE = 256, O_LIMIT, O_KIND, O_SEED, O_START, O_STDOUT, O_HOME, O_DIR };

static const struct option longopts[] = {
	{ "symbol", required_argument, NULL, 's' },
	{ "timeframe", required_argument, NULL, 't' },
	{ "lookback", required_argument, NULL, 'n' },
	{ "end", required_argument, NULL, 'e' },
	{ "base-url", required_argument, NULL, O_BASE },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "import", no_argument, NULL, 'i' },
	{ "import-dir", required_argument, NULL, O_DIR },
	{ "generate", no_argument, NULL, 'g' },
	{ "kind", required_argument, NULL, O_KIND },
	{ "seed", required_argument, NULL, O_SEED },
	{ "start", required_argument, NULL, O_START },
	{ "replace", no_argument, NULL, 'r' },
	{ "stdout", no_argument, NULL, O_STDOUT },
	{ "home", required_argument, NULL, O_HOME },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	const char *seedarg = NULL, *limitarg = NULL;
	int64_t end;
	int ch;

	while ((ch = getopt_long(argc, argv, "s:t:n:e:igrhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': o->sym = optarg; break;
		case 't': o->tf = optarg; break;
		case 'n': o->lookback = optarg; break;
		case 'e': o->end = optarg; break;
		case 'i': o->imp = 1; break;
		case 'g': o->gen = 1; break;
		case 'r': o->replace = 1; break;
		case O_DIR: o->dir = optarg; break;
		case O_BASE: o->base = optarg; break;
		case O_KIND: o->kind = optarg; break;
		case O_START: o->start = optarg; break;
		case O_STDOUT: o->to_stdout = 1; break;
		case O_HOME: o->home = optarg; break;
		case O_LIMIT:
			limitarg = optarg;
			if (ct_parse_long(optarg, 1, CT_KLINES_LIMIT, &o->limit) != 0)
				bad("--limit: not a number from 1 to 1000: \"%s\"", optarg);
			break;
		case O_SEED:
			seedarg = optarg;
			if (ct_parse_long(optarg, 0, 0x7fffffffL, &o->seed) != 0)
				bad("--seed: not a whole number from 0 to 2147483647: \"%s\"", optarg);
			break;
		case 'h': usage(stdout); exit(ct_finish(CT_EXIT_OK));
		case 'V': ct_version(); exit(ct_finish(CT_EXIT_OK));
		default: usage(stderr); exit(CT_EXIT_USAGE);
		}
	}
	o->files = argv + optind;
	o->nfiles = argc - optind;
	if (o->sym && !ct_symbol_ok(o->sym))
		bad("--symbol: not a symbol ([A-Z0-9][A-Z0-9._-]{0,31}): \"%s\"", o->sym);
	if (o->tf && ct_tf_check(o->tf) != 0) {
		usage(stderr);
		exit(CT_EXIT_USAGE);
	}
	if (o->dir && (o->imp || o->gen || o->to_stdout || o->nfiles || o->lookback || o->end ||
	    o->base || limitarg || o->kind || seedarg || o->start))
		bad("%s", "--import-dir takes only --symbol, --timeframe, --replace and --home");
	if (!o->dir && (o->sym == NULL || o->tf == NULL))
		bad("%s", "--symbol and --timeframe are required");
	if (o->imp && o->gen)
		bad("%s", "--import and --generate exclude each other");
	if (o->nfiles > 0 && !o->imp)
		bad("unexpected operand \"%s\" (files need --import)", o->files[0]);
	if (o->lookback && ct_parse_lookback(o->lookback, o->tf, &o->n) != 0)
		bad("--lookback: not a count of candles or a duration: \"%s\"", o->lookback);
	if (o->imp && o->lookback)
		bad("%s", "--lookback does not apply to --import");
	if ((o->end || o->base || limitarg) && (o->gen || o->imp))
		bad("%s", "--end, --base-url and --limit apply to the exchange only");
	if ((o->kind || seedarg || o->start) && !o->gen)
		bad("%s", "--kind, --seed and --start apply to --generate only");
	o->kind = o->kind ? o->kind : "walk";
	o->start = o->start ? o->start : DEFAULT_START;
	if (o->end && ct_parse_iso8601(o->end, &end) != 0)
		bad("--end: not an ISO-8601 UTC time: \"%s\"", o->end);
	/* o->end_ms holds now: a later --end counts as now, for --lookback
	 * too (candles closing after now are not there yet). */
	if (o->end && end < o->end_ms)
		o->end_ms = end;
	if (ct_parse_iso8601(o->start, &o->start_ms) != 0)
		bad("--start: not an ISO-8601 UTC time: \"%s\"", o->start);
	if (ct_synth_kind(o->kind) < 0)
		bad("--kind: not walk, edge or regime: \"%s\"", o->kind);
	/* Generated open times stay in the 13-digit milliseconds an import
	 * takes (2001-09-09 to 2286-11-20), so a store can be read back. */
	if (o->gen && o->tf && (o->start_ms < 1000000000000LL || o->start_ms +
	    (int64_t)((o->lookback ? o->n : DEFAULT_LOOKBACK) - 1) * ct_tf_ms(o->tf) >= 10000000000000LL))
		bad("--start: \"%s\": the candles would open outside 2001-09-09 to 2286-11-20", o->start);
}

/* Generated candles, as one source, one at a time. */
static int
generate(const struct opts *o, struct ct_merger *m)
{
	struct ct_synth g;
	struct ct_candle c;
	int more = 1;

	ct_synth_begin(&g, (enum ct_synth_kind)ct_synth_kind(o->kind), (uint64_t)o->seed,
	    (size_t)(o->lookback ? o->n : DEFAULT_LOOKBACK), m->tf_ms, o->start_ms);
	if (ct_merger_source(m, "generator") != 0 || ct_merger_run(m, "generator") != 0)
		return CT_EXIT_FAIL;
	while ((more = ct_synth_next(&g, &c)) == 1 && ct_merger_put(m, &c) == 0)
		;
	return more == 0 && ct_merger_end(m, 0) == 0 ? CT_EXIT_OK : CT_EXIT_FAIL;
}

static int
fetch(const struct opts *o, struct ct_merger *m, int *sig)
{
	struct ct_klines q = { ct_exchange_url(o->base), o->sym, o->tf, m->tf_ms, 0, o->end_ms, (int)o->limit };
	int64_t last;

	/* Incremental from the last stored candle; --lookback (or an empty
	 * store) counts back from the candle open at the end. */
	if (!o->lookback && ct_merger_last(m, &last))
		q.start = last + 1;
	else
		q.start = o->end_ms / m->tf_ms * m->tf_ms - (int64_t)(o->lookback ? o->n : DEFAULT_LOOKBACK) * m->tf_ms;
	return ct_klines_fetch(&q, m, sig);
}

/* A fetch stopped by a temporary failure or a signal (sig): the closed
 * candles of its pages so far are saved as by a whole fetch, so a long
 * back-fill that keeps hitting a rate limit still gets on.  Its status
 * stays, unless the store cannot be written. */
static int
keep_part(struct ct_merger *m, const char *label, int rc, int sig)
{
	size_t n = m->in.n;

	if (n == 0 || ct_merger_save(m) != 0) {
		ct_warn("%s: store left unchanged", label);
		return n == 0 ? rc : CT_EXIT_FAIL;
	}
	ct_merger_report(m, stderr, label);
	ct_warn("%s: %s: the %zu candle%s fetched before it kept; the next run goes on after them", label,
	    sig == SIGINT ? "stopped by SIGINT" : sig == SIGTERM ? "stopped by SIGTERM" :
	    sig ? "stopped by SIGHUP" : "fetch incomplete", n, n == 1 ? "" : "s");
	return rc;
}

/* One store: its source(s), merged, saved or printed, reported.  A fetch
 * stopped by a signal returns 128 + the signal. */
static int
one_store(const struct opts *o, const char *sym, const char *tf, char **files, int nfiles)
{
	char path[CT_PATH_MAX], label[64];
	struct ct_merger m;
	int rc = CT_EXIT_OK, sig = 0;

	if (ct_store_path(path, sizeof path, ct_home(o->home), sym, tf) != 0) {
		ct_warn("%s: path too long", ct_home(o->home));
		return CT_EXIT_FAIL;
	}
	if (ct_merger_open(&m, path, tf, o->replace, !o->to_stdout) != 0)
		return CT_EXIT_FAIL;
	m.sym = sym;
	snprintf(label, sizeof label, "%s %s", sym, tf);
	if (o->imp) {
		for (int i = 0; i < nfiles && rc == CT_EXIT_OK; i++)
			if (ct_import_name_check(files[i], sym, tf) != 0 ||
			    ct_import_file(files[i], &m) != 0)
				rc = CT_EXIT_FAIL;
	} else {
		rc = o->gen ? generate(o, &m) : fetch(o, &m, &sig);
	}
	/* The report says "stored": only once the store is written. */
	if (rc == CT_EXIT_OK && (o->to_stdout ? ct_merger_write(&m, stdout) : ct_merger_save(&m)) != 0)
		rc = CT_EXIT_FAIL;
	if (rc == CT_EXIT_TEMPFAIL && !o->to_stdout)
		rc = keep_part(&m, label, rc, sig);
	else if (rc != CT_EXIT_OK)
		ct_warn("%s: %s left unchanged", label, o->to_stdout ? "nothing printed, store" : "store");
	else
		ct_merger_report(&m, stderr, label);
	ct_merger_free(&m);
	return sig ? 128 + sig : rc;
}

/* A freqtrade data directory: each PAIR-TF.json into its own store; a
 * failure does not stop the others. */
static int
import_dir(struct opts *o)
{
	struct dirent **ents;
	char sym[40], tf[8], path[CT_PATH_MAX], first[CT_EXCERPT_LEN] = "";
	int n, done = 0, failed = 0, skipped = 0;

	if ((n = scandir(o->dir, &ents, NULL, alphasort)) < 0) {
		ct_warn("%s: %s", o->dir, strerror(errno));
		return CT_EXIT_FAIL;
	}
	o->imp = 1;
	for (int i = 0; i < n; i++) {
		char *file = path;

		if (ct_freqtrade_name(ents[i]->d_name, sym, sizeof sym, tf, sizeof tf) != 0) {
			if (ents[i]->d_name[0] != '.' && skipped++ == 0)
				ct_excerpt(ents[i]->d_name, strlen(ents[i]->d_name), first);
		} else if ((!o->sym || strcmp(o->sym, sym) == 0) && (!o->tf || strcmp(o->tf, tf) == 0)) {
			if (ct_path(path, sizeof path, "%s/%s", o->dir, ents[i]->d_name) != 0 ||
			    one_store(o, sym, tf, &file, 1) != CT_EXIT_OK)
				failed++;
			else
				done++;
		}
		free(ents[i]);
	}
	free(ents);
	ct_warn("%s: %d file%s imported, %d failed, %d not freqtrade data (PAIR-TF.json)%s%s%s",
	    o->dir, done, done == 1 ? "" : "s", failed, skipped, skipped ? ": " : "", first,
	    skipped > 1 ? ", ..." : "");
	return failed || done == 0 ? CT_EXIT_FAIL : CT_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct opts o = { .limit = CT_KLINES_LIMIT, .seed = 1 };
	char *stdin_only[] = { "-" };
	int rc;

	ct_setprog(argv[0]);
	o.end_ms = ct_now_ms();
	parse_opts(argc, argv, &o);
	ct_cleanup_on_signals();
	if (o.dir)
		return ct_finish(import_dir(&o));
	rc = ct_finish(o.nfiles ? one_store(&o, o.sym, o.tf, o.files, o.nfiles) :
	    one_store(&o, o.sym, o.tf, stdin_only, 1));
	/* Stopped by a signal: die of it, as before the candles were kept. */
	if (rc > 128) {
		signal(rc - 128, SIG_DFL);
		raise(rc - 128);
	}
	return rc;
}
