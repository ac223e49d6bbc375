/* fuzz_ledger.c — the ledger reader: the input as runs/<RUN>/status.json
 * of a temporary data home, then as the record runs/<RUN>/coins/SYM.json
 * of a symbol it lists, read by ct_ledger_peek (ct_ledger_read's schema
 * checks), then everything that trusts a ledger it accepted: the
 * counts, the needs-doing rule, the run's state and description, the
 * table.  Seeds: test/fuzz/ledger/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Write len bytes of data to rel under the run's directory. */
static void
put(const char *rel, const void *data, size_t len)
{
	char path[CT_PATH_MAX];
	FILE *fp;

	if (ct_path(path, sizeof path, "%s/runs/" RUN "/%s", home(), rel) != 0 ||
	    ct_mkparent(path) != 0 || (fp = fopen(path, "w")) == NULL)
		abort();
	if (fwrite(data, 1, len, fp) != len || fclose(fp) != 0)
		abort();
}

/* Everything that trusts a ledger the reader accepted. */
static void
use(void)
{
	json_t *root, *e, *info;
	const char *sym;
	long n[5];
	FILE *fp;

	if ((root = ct_ledger_peek(home(), RUN)) == NULL)
		return;
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
}

/* The input as status.json, then as the record of the one symbol of a
 * run whose status.json lists it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char list[] = "{\"symbols\": [\"BTCUSDT\"]}";
	char path[CT_PATH_MAX];

	put("status.json", data, size);
	use();
	put("status.json", list, sizeof list - 1);
	put("coins/BTCUSDT.json", data, size);
	use();
	/* The next input's status.json is read alone. */
	if (ct_path(path, sizeof path, "%s/runs/" RUN "/coins/BTCUSDT.json", home()) != 0 ||
	    unlink(path) != 0)
		abort();
	return 0;
}
