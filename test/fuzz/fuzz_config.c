/* fuzz_config.c — a model directory's config.json as predict,
 * check-drift and train-coin's update read it when they load the model
 * (ct_model_config, ct_model_load without the booster): the input is
 * written to a temporary file and read.  A config it accepts names a
 * symbol and a timeframe, a horizon and a round count in the ranges
 * train-coin writes and a threshold in [0,1] (these size the rows
 * check-drift labels and the rounds an update adds); the parameters it
 * records are then taken as an update takes them.  Seeds:
 * test/fuzz/config/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "model.h"
#include "search.h"
#include "train.h"
#include "traincoin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[256], why[256];
	struct ct_train_opts o;
	struct ct_model m;
	json_t *cfg;
	FILE *fp;
	int fd;

	snprintf(path, sizeof path, "%s/ct-fuzz-config-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	memset(&m, 0, sizeof m);
	if (ct_model_config(&m, path, &cfg) == 0) {
		if (m.horizon < 1 || m.horizon > CT_HORIZON_MAX || m.rounds < 1 ||
		    m.rounds > CT_ROUNDS_MAX + CT_INCR_GROWTH || !(m.threshold >= 0 && m.threshold <= 1) ||
		    memchr(m.symbol, '\0', sizeof m.symbol) == NULL ||
		    memchr(m.timeframe, '\0', sizeof m.timeframe) == NULL || !json_is_object(cfg))
			abort();
		/* An update keeps the model's parameters (traincoin.c). */
		ct_train_defaults(&o);
		if (json_object_get(cfg, "params"))
			ct_params_set(&o, json_object_get(cfg, "params"), 1, why, sizeof why);
		json_decref(cfg);
	} else if (cfg != NULL)
		abort();
	unlink(path);
	return 0;
}
