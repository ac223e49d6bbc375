/* fuzz_store.c — the candle store reader (lib/candles.c): a store parsed
 * from memory, read from its end as predict reads it, and scanned front
 * to back from its last rows as train-coin reads it (lib/storescan.c):
 * where both readers take the store, they must give the same rows.
 * Seeds: test/fuzz/store/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candles.h"
#include "storescan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];		/* the input as a file */

static void
cleanup(void)
{
	unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_series s = { 0 };
	FILE *fp;

	if (path[0] == '\0') {
		int fd;

		snprintf(path, sizeof path, "/tmp/fuzz-store-XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
		atexit(cleanup);
	}
	ct_store_parse((const char *)data, size, "fuzz", &s);
	ct_series_free(&s);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
	for (size_t n = 1; n <= 3; n += 2) {
		struct ct_series t = { 0 };
		int a = ct_store_tail(path, n, &s), b = ct_scan_load(path, n, &t);

		/* Both may take the store and give no row (and no array). */
		if (a == 0 && b == 0 && (s.n != t.n || (s.n > 0 && memcmp(s.c, t.c, s.n * sizeof *s.c) != 0)))
			abort();
		ct_series_free(&s);
		ct_series_free(&t);
	}
	return 0;
}
