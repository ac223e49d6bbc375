/* fetch-candles — get OHLCV candles from an exchange REST API, from files
 * (Binance dumps, freqtrade JSON, store CSV; zipped or compressed) or from
 * a generator, and merge them into candles/<SYM>/<TF>.csv. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "candles.h"
#include "err.h"
#include "exchange.h"
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
	    "       fetch-candles --symbol SYM --timeframe TF --generate [--kind walk|edge|regime]\n"
	    "           [--seed N] [--lookback N|DUR] [--start TIME] [--replace] [--stdout]\n"
	    "           [--home DIR]\n"
	    "       fetch-candles -h | --version\n", fp);
}

static _Noreturn void
bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", ct_prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	exit(2);
}

enum { O_BASE = 256, O_LIMIT, O_KIND, O_SEED, O_START, O_STDOUT, O_HOME, O_VERSION };

static const struct option longopts[] = {
	{ "symbol", required_argument, NULL, 's' },
	{ "timeframe", required_argument, NULL, 't' },
	{ "lookback", required_argument, NULL, 'n' },
	{ "end", required_argument, NULL, 'e' },
	{ "base-url", required_argument, NULL, O_BASE },
	{ "limit", required_argument, NULL, O_LIMIT },
	{ "import", no_argument, NULL, 'i' },
	{ "generate", no_argument, NULL, 'g' },
	{ "kind", required_argument, NULL, O_KIND },
	{ "seed", required_argument, NULL, O_SEED },
	{ "start", required_argument, NULL, O_START },
	{ "replace", no_argument, NULL, 'r' },
	{ "stdout", no_argument, NULL, O_STDOUT },
	{ "home", required_argument, NULL, O_HOME },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char **argv)
{
	const char *sym = NULL, *tf = NULL, *lookback = NULL, *end = NULL, *base = NULL;
	const char *home = NULL, *kind = NULL, *start = NULL, *seedarg = NULL, *limitarg = NULL;
	int imp = 0, gen = 0, replace = 0, to_stdout = 0, rc = 0, ch;
	long limit = CT_KLINES_LIMIT, seed = 1, n = 0;
	int64_t tf_ms, end_ms, start_ms;
	struct ct_series in = { 0 };
	struct ct_merger m;
	int64_t last;
	char path[CT_PATH_MAX], label[64];

	ct_setprog(argv[0]);
	while ((ch = getopt_long(argc, argv, "s:t:n:e:igrh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': sym = optarg; break;
		case 't': tf = optarg; break;
		case 'n': lookback = optarg; break;
		case 'e': end = optarg; break;
		case 'i': imp = 1; break;
		case 'g': gen = 1; break;
		case 'r': replace = 1; break;
		case O_BASE: base = optarg; break;
		case O_KIND: kind = optarg; break;
		case O_START: start = optarg; break;
		case O_STDOUT: to_stdout = 1; break;
		case O_HOME: home = optarg; break;
		case O_LIMIT:
			limitarg = optarg;
			if (ct_parse_long(optarg, 1, CT_KLINES_LIMIT, &limit) != 0)
				bad("--limit: not a number from 1 to 1000: \"%s\"", optarg);
			break;
		case O_SEED:
			seedarg = optarg;
			if (ct_parse_long(optarg, 0, 0x7fffffffL, &seed) != 0)
				bad("--seed: not a whole number from 0 to 2147483647: \"%s\"", optarg);
			break;
		case 'h': usage(stdout); return ct_finish(0);
		case O_VERSION: ct_version(); return ct_finish(0);
		default: usage(stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (sym == NULL || tf == NULL)
		bad("%s", "--symbol and --timeframe are required");
	if (!ct_symbol_ok(sym))
		bad("--symbol: not a symbol ([A-Z0-9][A-Z0-9._-]{0,31}): \"%s\"", sym);
	if ((tf_ms = ct_tf_ms(tf)) < 0)
		bad("--timeframe: not one of 1m 5m 15m 30m 1h 4h 1d: \"%s\"", tf);
	if (imp && gen)
		bad("%s", "--import and --generate exclude each other");
	if (argc > 0 && !imp)
		bad("unexpected operand \"%s\" (files need --import)", argv[0]);
	if (lookback && ct_parse_lookback(lookback, tf, &n) != 0)
		bad("--lookback: not a count of candles or a duration: \"%s\"", lookback);
	if (imp && lookback)
		bad("%s", "--lookback does not apply to --import");
	if ((end || base || limitarg) && (gen || imp))
		bad("%s", "--end, --base-url and --limit apply to the exchange only");
	if ((kind || seedarg || start) && !gen)
		bad("%s", "--kind, --seed and --start apply to --generate only");
	if (kind == NULL)
		kind = "walk";
	if (start == NULL)
		start = DEFAULT_START;
	end_ms = ct_now_ms();
	if (end && ct_parse_iso8601(end, &end_ms) != 0)
		bad("--end: not an ISO-8601 UTC time: \"%s\"", end);
	if (ct_parse_iso8601(start, &start_ms) != 0)
		bad("--start: not an ISO-8601 UTC time: \"%s\"", start);
	if (ct_synth_kind(kind) < 0)
		bad("--kind: not walk, edge or regime: \"%s\"", kind);

	ct_cleanup_on_signals();
	if (ct_store_path(path, sizeof path, ct_home(home), sym, tf) != 0)
		ct_die(1, "%s: path too long", ct_home(home));
	if (ct_merger_open(&m, path, replace, !to_stdout) != 0)
		return 1;
	snprintf(label, sizeof label, "%s %s", sym, tf);

	if (imp) {
		char *stdin_only[] = { "-" };
		char **files = argc ? argv : stdin_only;
		int nfiles = argc ? argc : 1;
		int64_t step;

		for (int i = 0; i < nfiles && rc == 0; i++) {
			in.n = 0;
			if (ct_import_file(files[i], &in) != 0) {
				rc = 1;
			} else if (ct_fits_timeframe(&in, tf_ms, &step) != 0) {
				ct_warn("%s: rows are typically %lld s apart: not %s candles",
				    strcmp(files[i], "-") ? files[i] : "<stdin>", (long long)step / 1000, tf);
				rc = 1;
			} else if (ct_merger_add(&m, &in) != 0) {
				rc = 1;
			} else if (step > tf_ms) {
				ct_warn("%s: warning: rows are typically %lld s apart, more than one %s candle",
				    strcmp(files[i], "-") ? files[i] : "<stdin>", (long long)step / 1000, tf);
			}
		}
	} else if (gen) {
		if (ct_synth(&in, (enum ct_synth_kind)ct_synth_kind(kind), (uint64_t)seed,
		    (size_t)(lookback ? n : DEFAULT_LOOKBACK), tf_ms, start_ms) != 0) {
			ct_warn("%s", "out of memory");
			rc = 1;
		} else if (ct_merger_add(&m, &in) != 0) {
			rc = 1;
		}
	} else {
		struct ct_klines q = { ct_exchange_url(base), sym, tf, tf_ms, 0, end_ms, (int)limit };

		/* Incremental from the last stored candle; --lookback (or an
		 * empty store) counts back from the candle open at the end. */
		if (!lookback && ct_merger_last(&m, &last))
			q.start = last + 1;
		else
			q.start = end_ms / tf_ms * tf_ms - (int64_t)(lookback ? n : DEFAULT_LOOKBACK) * tf_ms;
		rc = ct_klines_fetch(&q, &in);
		if (rc == 0 && ct_merger_add(&m, &in) != 0)
			rc = 1;
	}

	/* The report says "stored": only once the store is written. */
	if (rc == 0 && (to_stdout ? ct_merger_write(&m, stdout) != 0 : ct_merger_save(&m) != 0))
		rc = 1;
	if (rc != 0)
		ct_warn("%s: %s left unchanged", label, to_stdout ? "nothing printed, store" : "store");
	else
		ct_merger_report(&m, stderr, label, tf_ms);
	ct_merger_free(&m);
	ct_series_free(&in);
	return ct_finish(rc);
}
