/* fuzz_ledger.c — the ledger reader: the input as runs/<RUN>/status.json
 * of a temporary data home, read by ct_ledger_peek (ct_ledger_read's
 * schema check), then everything that trusts a ledger it accepted: the
 * counts, the needs-doing rule, the run's state and description, the
 * table.  Seeds: test/fuzz/ledger/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "home.h"
#include "modeldir.h"
#include "ledger.h"
#include "runs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RUN "20251112T0600Z-full"

static char dir[256];

static void
cleanup(void)
{
	ct_rmtree(dir);
}

/* One data home for the whole session, removed at exit. */
static const char *
home(void)
{
	char sub[CT_PATH_MAX];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof dir, "%s/ct-fuzz-ledger-XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(dir) == NULL || ct_path(sub, sizeof sub, "%s/runs/" RUN, dir) != 0 ||
		    ct_mkdirs(sub, 0777) != 0)
			abort();
		atexit(cleanup);
	}
	return dir;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[CT_PATH_MAX];
	json_t *root, *e, *info;
	const char *sym;
	long n[5];
	FILE *fp;

	if (ct_path(path, sizeof path, "%s/runs/" RUN "/status.json", home()) != 0 ||
	    (fp = fopen(path, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	if ((root = ct_ledger_peek(home(), RUN)) == NULL)
		return 0;
	ct_ledger_counts(root, n);
	json_object_foreach(json_object_get(root, "symbols"), sym, e)
		ct_ledger_needs(e, 0, 2);
	ct_run_state(root);
	info = ct_run_info(home(), RUN);
	json_decref(info);
	if ((fp = fopen("/dev/null", "w")) != NULL) {
		ct_ledger_table(root, fp);
		fclose(fp);
	}
	json_decref(root);
	return 0;
}
