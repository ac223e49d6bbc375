/* fuzz_cache.c — the cache's readers: the input as one line for
 * cache-put (parsed, checked by ct_cache_invalid, stored when good and
 * read back), and as a stored entry file read by ct_cache_get and
 * ct_cache_states.  Seeds: test/fuzz/cache/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "home.h"
#include "modeldir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed clock: the same input must do the same thing every time. */
#define NOW 1700000000000LL

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
		snprintf(dir, sizeof dir, "%s/ct-fuzz-cache-XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(dir) == NULL ||
		    ct_path(sub, sizeof sub, "%s/cache/predictions", dir) != 0 ||
		    ct_mkdirs(sub, 0777) != 0)
			abort();
		atexit(cleanup);
	}
	return dir;
}

/* As cache-put takes a line. */
static void
as_line(const uint8_t *data, size_t size)
{
	json_t *pred, *e, *got;
	char why[96];

	if ((pred = json_loadb((const char *)data, size, 0, NULL)) == NULL)
		return;
	if (ct_cache_invalid(pred, why, sizeof why) == NULL &&
	    (e = ct_cache_put(home(), pred, NOW, 3600)) != NULL) {
		if (ct_cache_get(home(), json_string_value(json_object_get(pred, "symbol")), NOW,
		    &got) != CT_CACHE_FRESH)
			abort();	/* what was just stored must read back fresh */
		json_decref(got);
		json_decref(e);
	}
	json_decref(pred);
}

/* As an entry someone else (or a damaged disk) left. */
static void
as_entry(const uint8_t *data, size_t size)
{
	char path[CT_PATH_MAX];
	json_t *e, *all;
	FILE *fp;

	if (ct_path(path, sizeof path, "%s/cache/predictions/FUZZUSDT.json", home()) != 0 ||
	    (fp = fopen(path, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	ct_cache_get(home(), "FUZZUSDT", NOW, &e);
	json_decref(e);
	all = ct_cache_states(home(), NOW);
	json_decref(all);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_line(data, size);
	as_entry(data, size);
	ct_cache_clear(home(), NULL, 0, 0);
	return 0;
}
