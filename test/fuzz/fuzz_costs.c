/* fuzz_costs.c — a cost table (costs.csv, train-coin --costs FILE) as
 * train-coin reads it for one coin: the input is written to a temporary
 * file and loaded for BTCUSDT.  A table that loads gives fees and
 * slippage that are finite and not negative, a spread that is too or
 * missing (estimated later), from the coin's own row or the "*" row, on
 * a line after the header.  Seeds: test/fuzz/costs/. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "costs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
amount(double v)
{
	return isfinite(v) && v >= 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[256];
	struct ct_costs c;
	FILE *fp;
	int fd;

	snprintf(path, sizeof path, "%s/ct-fuzz-costs-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	memset(&c, 0, sizeof c);
	if (ct_costs_load(path, "BTCUSDT", &c) == 0 &&
	    (!amount(c.taker_bps) || !amount(c.maker_bps) || !amount(c.slip_bps_per_sigma) ||
	    !(isnan(c.spread_bps) || amount(c.spread_bps)) || c.line < 2 ||
	    (strcmp(c.row, "BTCUSDT") != 0 && strcmp(c.row, "*") != 0)))
		abort();
	unlink(path);
	return 0;
}
