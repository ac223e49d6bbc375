/* fuzz_report.c — a serving model's config.json, metrics.json and
 * training_log.json as coin-status and summarize --dashboard --html read
 * them: the input is written as all three files (their members do not
 * overlap) of the current model of a temporary data home, then the
 * coin's row is made (ct_status_all), printed as coin-status's table, and
 * the dashboard page written (ct_dashboard_html: the folds table, the
 * equity and training-curve charts).  Whatever the files hold, the page
 * is written.  Seeds: test/fuzz/report/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "coinstatus.h"
#include "dashboard.h"
#include "home.h"
#include "modeldir.h"
#include "timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char home[CT_PATH_MAX], dir[CT_PATH_MAX];
static const char *const files[] = { "config.json", "metrics.json", "training_log.json" };

static void
cleanup(void)
{
	ct_rmtree(home);
}

/* A day of candles of timeframe tf (minutes), the close drifting up. */
static void
store(const char *tf, int minutes)
{
	char p[CT_PATH_MAX];
	FILE *fp;

	if (ct_path(p, sizeof p, "%s/candles/ODDUSDT/%s.csv", home, tf) != 0 || ct_mkparent(p) != 0 ||
	    (fp = fopen(p, "w")) == NULL)
		abort();
	fputs("open_time,open,high,low,close,volume\n", fp);
	for (int i = 0; i < 24 * 60 / minutes; i++)
		fprintf(fp, "%lld,%d,%d,%d,%d.5,10\n", 1704326400000LL + i * minutes * 60000LL,
		    100 + i, 102 + i, 99 + i, 100 + i);
	if (fclose(fp) != 0)
		abort();
}

static void
setup(void)
{
	char p[CT_PATH_MAX];
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	if (ct_path(home, sizeof home, "%s/ct-fuzz-report-XXXXXX", tmp) != 0 || mkdtemp(home) == NULL ||
	    ct_path(dir, sizeof dir, "%s/models/ODDUSDT/20260101_000000Z", home) != 0 ||
	    ct_mkdirs(dir, 0777) != 0 ||
	    ct_path(p, sizeof p, "%s/models/ODDUSDT/current", home) != 0 ||
	    symlink("20260101_000000Z", p) != 0)
		abort();
	store("5m", 5);
	store("1h", 60);
	atexit(cleanup);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	char p[CT_PATH_MAX], page[CT_PATH_MAX];
	json_t *rows, *d;
	FILE *fp;

	if (home[0] == '\0') {
		setup();
		null = fopen("/dev/null", "w");
	}
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (ct_path(p, sizeof p, "%s/%s", dir, files[i]) != 0 || (fp = fopen(p, "w")) == NULL)
			abort();
		if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
			abort();
	}
	if ((rows = ct_status_all(home, NULL, ct_now_ms())) == NULL)
		abort();
	ct_status_table(rows, NULL, 0, null);
	json_decref(rows);
	/* The page makes the rows itself when the dashboard has none. */
	if (ct_path(page, sizeof page, "%s/page.html", home) != 0 || (d = json_object()) == NULL ||
	    ct_dashboard_html(home, d, page) != 0)
		abort();
	json_decref(d);
	unlink(page);
	return 0;
}
