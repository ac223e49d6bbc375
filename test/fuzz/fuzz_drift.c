/* fuzz_drift.c — a model's drift reference (drift.json) as check-drift
 * reads it: parsed and checked, then every distribution that passed is
 * used to bin values, missing and infinite ones included.
 * Seeds: test/fuzz/drift/. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "drift.h"
#include "features.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const float v[] = { -1e30f, -1, -0.001f, 0, 1e-7f, 0.3f, 0.5f, 1, 7, 1e30f,
	    NAN, INFINITY, -INFINITY };
	size_t nf = ct_feat_count();
	struct ct_drift_hist *h = calloc(nf + 1, sizeof *h);
	json_t *ref = json_loadb((const char *)data, size, 0, NULL);
	char why[128];

	if (h && ref && ct_drift_parse(ref, nf, h, why, sizeof why) == 0)
		for (size_t j = 0; j <= nf; j++)
			if (h[j].use && !(ct_drift_psi(&h[j], v, sizeof v / sizeof v[0], 1) >= 0))
				abort();
	json_decref(ref);
	free(h);
	return 0;
}
