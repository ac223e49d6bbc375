/* fuzz_ckpt.c — the records of a training's checkpoint (fold-K.json,
 * final.json) as train-coin and tune-coin resume them: the input is
 * written as fold-1.json and final.json of a checkpoint directory whose
 * identity.json matches, beside fold-1.oos (four predictions of 0.5 for
 * validation rows [10,14)) and no trees.  The directory is opened
 * (ct_ckpt_open counts the folds), fold 1 and the final model of 20
 * rounds are read back: without trees neither may be taken as found.
 * Seeds: test/fuzz/ckpt/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checkpoint.h"
#include "home.h"
#include "modeldir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[CT_PATH_MAX];

static void
cleanup(void)
{
	ct_rmtree(dir);
}

static void
put(const char *name, const void *data, size_t size)
{
	char p[CT_PATH_MAX];
	FILE *fp;

	if (ct_path(p, sizeof p, "%s/%s", dir, name) != 0 || (fp = fopen(p, "w")) == NULL ||
	    fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const float oos[4] = { 0.5f, 0.5f, 0.5f, 0.5f };
	static const char id[] = "{\"trial\": 1}";
	struct ct_fold f = { .val_lo = 10, .val_hi = 14 };
	struct ct_ckpt c;
	float back[4];
	void *trees = NULL;
	json_t *j;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof dir, "%s/ct-fuzz-ckpt-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(cleanup);
		put("identity.json", id, sizeof id - 1);
		put("fold-1.oos", oos, sizeof oos);
	}
	put("fold-1.json", data, size);
	put("final.json", data, size);
	if ((j = json_loads(id, 0, NULL)) == NULL || ct_ckpt_open(&c, dir, j) != 0)
		abort();
	json_decref(j);
	if (c.folds > 1 || ct_ckpt_fold_load(&c, 1, &f, back, &trees) != 0 || trees != NULL ||
	    ct_ckpt_final_load(&c, 20, &trees) != 0 || trees != NULL)
		abort();
	return 0;
}
