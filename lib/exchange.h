/* exchange.h — candles from a Binance-compatible REST API
 * (GET {base}/api/v3/klines) through libcurl. */
#ifndef CT_EXCHANGE_H
#define CT_EXCHANGE_H

#include <stdint.h>

#include "candles.h"
#include "exitcode.h"
#include "merge.h"

#define CT_EXCHANGE_DEFAULT "https://api.binance.com"
#define CT_KLINES_LIMIT 1000	/* Binance's largest page */

struct ct_klines {
	const char *base;	/* base URL, e.g. https://api.binance.com */
	const char *symbol;
	const char *interval;	/* our timeframe name, which Binance shares */
	int64_t tf_ms;
	int64_t start;		/* first open time wanted, Unix ms */
	int64_t end;		/* keep only candles closed by this time and by now */
	int limit;		/* rows per request, 1..CT_KLINES_LIMIT */
};

/* --base-url, else $COINTRAIN_EXCHANGE_URL, else CT_EXCHANGE_DEFAULT. */
const char *ct_exchange_url(const char *opt);
/* Put every candle with open time in [start, end] closed by min(end, now)
 * into m as one source, page by page.  A candle counts as closed 5 s
 * ($COINTRAIN_CLOSE_MARGIN_MS, 0 to 60000) after its close time: when
 * the newest one wanted closed less than that ago, the rest is waited
 * out first.  Rate limits (429/418 + Retry-After) are waited out, transient
 * failures (connection, dropped reply, no reply within 20 s or
 * $COINTRAIN_REQUEST_TIMEOUT_MS, 408, 5xx) retried with exponential
 * backoff from $COINTRAIN_RETRY_BASE_MS (default 1000) over 5 tries.
 * SIGINT, SIGTERM and SIGHUP (unless ignored) stop the fetch within a
 * second: *sig is set to the signal, else 0.
 * Returns 0, CT_EXIT_FAIL for a permanent failure (unknown symbol, bad
 * response) or CT_EXIT_TEMPFAIL (also when stopped by a signal);
 * diagnostics are printed.  After CT_EXIT_TEMPFAIL m holds, as an ended
 * source, the closed candles of the pages got before: the caller may
 * save them, so that the next run goes on after them. */
int ct_klines_fetch(const struct ct_klines *q, struct ct_merger *m, int *sig);
/* One response body of GET klines (len bytes; url names it in
 * diagnostics) asked from *cur on: its closed candles with open times
 * from *cur to q->end go to m, the page's rows to page (its memory kept
 * for the next page).  0 with *last set when this page was the last
 * (empty, reaching a candle still open, or q->end), else *cur set to the
 * next page's startTime; or CT_EXIT_FAIL after "prog: url: reason" (not
 * a JSON array, a bad row, a page that does not advance), or
 * CT_EXIT_TEMPFAIL for an HTML page (maintenance). */
int ct_klines_page(const struct ct_klines *q, const char *body, size_t len, const char *url,
    int64_t *cur, int *last, struct ct_series *page, struct ct_merger *m);

#endif
