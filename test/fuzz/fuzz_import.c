/* fuzz_import.c — candle import as fetch-candles --import --stdout does it:
 * the input as a file through libarchive (zip, gzip, xz, ... or plain),
 * every format import.c tells from the content (Binance CSV in ms or µs,
 * store CSV, REST and freqtrade JSON), then the merge.  Seeds:
 * test/fuzz/import/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"
#include "merge.h"

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
	static FILE *null;
	struct ct_merger m;
	FILE *fp;

	if (path[0] == '\0') {
		int fd;

		snprintf(path, sizeof path, "/tmp/fuzz-import-XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
		atexit(cleanup);
		null = fopen("/dev/null", "w");
	}
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
	/* A store that does not exist: the rows merge with nothing. */
	if (ct_merger_open(&m, "/nonexistent/candles/A/1m.csv", "1m", 0, 0) != 0)
		abort();
	if (ct_import_file(path, &m) == 0)
		ct_merger_write(&m, null);
	ct_merger_free(&m);
	return 0;
}
