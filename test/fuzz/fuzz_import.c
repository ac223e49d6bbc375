/* fuzz_import.c — candle import (every format import.c tells from the
 * content: Binance CSV, store CSV, REST and freqtrade JSON) from memory.
 * Seeds: test/fuzz/import/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candles.h"
#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_series s = { 0 };
	char *buf = malloc(size + 1);

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	ct_import_buf(buf, size, "fuzz", &s);
	ct_series_free(&s);
	free(buf);
	return 0;
}
