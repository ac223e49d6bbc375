/* fuzz_space.c — a search space (tune-coin --space FILE) and a parameter
 * file (train-coin --params FILE) as JSON: a space the check accepts must
 * only ever give draws the parameter check accepts, the same draws for the
 * same seed; an accepted parameter object must give options that round
 * trip through params.json's form.  The text is also scanned for the line
 * of each member, as an error in a space or parameter file is reported
 * (ct_json_member_line): a line within the text, or 0; and read as the
 * file itself, as train-coin reads --params FILE or a coin's params.json
 * (ct_params_load: its "params" when it has them, no other member
 * allowed).  Seeds: test/fuzz/space/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "jsonfile.h"
#include "search.h"
#include "train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Trial k's draw from space, which must pass the parameter check. */
static void
draw_ok(const json_t *space, uint64_t seed, int k)
{
	struct ct_train_opts o;
	json_t *a = ct_space_draw(space, seed, k), *b = ct_space_draw(space, seed, k);
	char why[256];

	ct_train_defaults(&o);
	if (a == NULL || b == NULL || !json_equal(a, b) || ct_params_set(&o, a, 0, why, sizeof why) != 0)
		abort();
	json_decref(a);
	json_decref(b);
}

/* Accepted parameters, written out as params.json holds them and read
 * back, give the very same options. */
static void
params_round_trip(const json_t *p)
{
	struct ct_train_opts o, back;
	json_t *a, *b;
	char why[256];

	ct_train_defaults(&o);
	if (ct_params_set(&o, p, 1, why, sizeof why) != 0)
		return;
	a = ct_params_json(&o);
	ct_train_defaults(&back);
	if (a == NULL || ct_params_set(&back, a, 0, why, sizeof why) != 0)
		abort();
	b = ct_params_json(&back);
	if (!json_equal(a, b))
		abort();
	json_decref(a);
	json_decref(b);
}

/* The line found for each member of j (and of its "params") lies within
 * the text, which a file holds; that file read as a parameter file. */
static void
member_lines(const uint8_t *data, size_t size, json_t *j)
{
	struct ct_train_opts o;
	char path[64];
	const char *k;
	json_t *v;
	size_t lines = 1;
	FILE *fp;
	int fd;

	snprintf(path, sizeof path, "%s/fuzz-space-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	json_object_foreach(j, k, v) {
		int a = ct_json_member_line(path, NULL, k), b = ct_json_member_line(path, "params", k);

		if (a < 0 || (size_t)a > lines || b < 0 || (size_t)b > lines)
			abort();
	}
	ct_train_defaults(&o);
	ct_params_load(path, &o);
	unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	char why[256];

	if (j == NULL)
		return 0;
	if (json_is_object(j))
		member_lines(data, size, j);
	if (ct_space_check(j, why, sizeof why) == 0)
		for (int k = 0; k < 8; k++)
			draw_ok(j, (uint64_t)size * 2654435761u, k);
	params_round_trip(j);
	json_decref(j);
	return 0;
}
