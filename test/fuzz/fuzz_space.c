/* fuzz_space.c — a search space (tune-coin --space FILE) and a parameter
 * file (train-coin --params FILE) as JSON: a space the check accepts must
 * only ever give draws the parameter check accepts, the same draws for the
 * same seed; an accepted parameter object must give options that round
 * trip through params.json's form.  Seeds: test/fuzz/space/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	char why[256];

	if (j == NULL)
		return 0;
	if (ct_space_check(j, why, sizeof why) == 0)
		for (int k = 0; k < 8; k++)
			draw_ok(j, (uint64_t)size * 2654435761u, k);
	params_round_trip(j);
	json_decref(j);
	return 0;
}
