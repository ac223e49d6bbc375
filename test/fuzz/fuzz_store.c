/* fuzz_store.c — the candle store reader (lib/candles.c): a store parsed
 * from memory, and read from its end as train-coin and predict read it.
 * Seeds: test/fuzz/store/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "candles.h"

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
	ct_store_tail(path, 3, &s);
	ct_series_free(&s);
	return 0;
}
