/* fuzz_storestats.c — the pass over a candle store's open times that
 * coin-status makes, and the dashboard's close of a row, from memory.
 * The text is not NUL-terminated, as a mapped file is not.
 * Seeds: test/fuzz/storestats/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storestats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The dashboard reads each row's close. */
static int
row(int64_t t, const char *text, size_t len, void *arg)
{
	double c;

	(void)t;
	(void)arg;
	(void)ct_row_close(text, len, &c);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], *buf = malloc(size ? size : 1);

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	ct_store_scan_buf("fuzz", buf, size, row, NULL, err, sizeof err);
	free(buf);
	return 0;
}
