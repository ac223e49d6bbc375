/* fuzz_klines.c — an exchange's answer to GET /api/v3/klines as
 * fetch-candles takes it (ct_klines_page, without the network): the input
 * is the body of every page of a fetch of 1h candles from 2024-01-30
 * 16:00 to 2024-02-01 00:00 UTC, three rows a page, merged into a new
 * store and written out.  A page that asks for another must move the
 * next startTime forward (else fetch-candles would ask for ever).
 * Seeds: test/fuzz/klines/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "exchange.h"
#include "merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PAGES 8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	const struct ct_klines q = { "http://127.0.0.1:1", "BTCUSDT", "1h", 3600000,
	    1706630400000, 1706745600000, 3 };
	struct ct_series page = { 0 };
	struct ct_merger m;
	int64_t cur = q.start, was;
	int last = 0, rc = 0;

	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
		abort();
	if (ct_merger_open(&m, "/nonexistent/candles/BTCUSDT/1h.csv", "1h", 0, 0) != 0 ||
	    ct_merger_source(&m, q.base) != 0 || ct_merger_run(&m, q.base) != 0)
		abort();
	for (int i = 0; i < PAGES && !last && rc == 0; i++) {
		was = cur;
		rc = ct_klines_page(&q, (const char *)data, size, "http://127.0.0.1:1/api/v3/klines",
		    &cur, &last, &page, &m);
		if (rc == 0 && !last && cur <= was)
			abort();
	}
	if (rc == 0 && ct_merger_end(&m, 0) == 0)
		ct_merger_write(&m, null);
	ct_series_free(&page);
	ct_merger_free(&m);
	return 0;
}
