/* fuzz_modelsum.c — a model directory's sha256.txt as predict and
 * check-drift check it: the input is written as the sha256.txt of a model
 * directory holding every model file and a drift.json, then checked in
 * full (ct_model_verify) and for drift.json only (check-drift's call).  A
 * check may pass only if the input has the right line for every file it
 * hashes.  Seeds: test/fuzz/modelsum/ (the files hold their own name and
 * a newline, so their sums are fixed). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "home.h"
#include "model.h"
#include "modeldir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = CT_MODEL_FILES;
static char dir[256];

static void
cleanup(void)
{
	ct_rmtree(dir);
}

/* The model directory, made once: each file holds its name. */
static void
setup(void)
{
	char path[CT_PATH_MAX];
	FILE *fp;

	snprintf(dir, sizeof dir, "%s/ct-fuzz-modelsum-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		const char *name = files[i] ? files[i] : "drift.json";

		if (ct_path(path, sizeof path, "%s/%s", dir, name) != 0 ||
		    (fp = fopen(path, "w")) == NULL || fprintf(fp, "%s\n", name) < 0 ||
		    fclose(fp) != 0)
			abort();
	}
}

/* The input has "SUM  name" as a whole line, SUM name's right sum. */
static int
has_line(const uint8_t *data, size_t size, const char *name)
{
	char path[CT_PATH_MAX], hex[CT_SHA256_HEX], line[CT_PATH_MAX + 80];
	size_t n;

	if (ct_path(path, sizeof path, "%s/%s", dir, name) != 0 || ct_sha256_file(path, hex) != 0)
		abort();
	n = (size_t)snprintf(line, sizeof line, "%s  %s", hex, name);
	for (size_t at = 0; at + n <= size; at++)
		if ((at == 0 || data[at - 1] == '\n') && memcmp(data + at, line, n) == 0 &&
		    (at + n == size || data[at + n] == '\n'))
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const drift[] = { "drift.json", NULL };
	char path[CT_PATH_MAX];
	FILE *fp;

	if (dir[0] == '\0')
		setup();
	if (ct_path(path, sizeof path, "%s/sha256.txt", dir) != 0 || (fp = fopen(path, "w")) == NULL ||
	    fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	if (ct_model_verify(dir) == 0)
		for (size_t i = 0; files[i]; i++)
			if (!has_line(data, size, files[i]))
				abort();
	if (ct_model_verify_files(dir, drift) == 0 && !has_line(data, size, "drift.json"))
		abort();
	return 0;
}
