/* fuzz_trial.c — a trial record of tune-coin's search
 * (models/<SYM>/search/trial-NNNN.json) as a resumed search reads it
 * (load_trial in lib/tune.c): the input parsed as ct_json_read parses it,
 * duplicate keys refused, and its "folds" taken in order up to the first
 * null or the first fold refused (ct_trial_fold_read).  An accepted fold
 * must hold figures a search could have written: a finite logloss above
 * 0, an AUC undefined or in [0,1], best_rounds >= 1, rounds_trained >= 0,
 * seconds >= 0; a refused one is zeroed.  The accepted folds, written
 * back as save_trial writes a record (ct_trial_fold_json, the record's
 * dump flags) and read again, must give the very same figures.
 * Seeds: test/fuzz/trial/. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "trialrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same double to the bit (NaN, an undefined AUC, included). */
static int
same(double a, double b)
{
	return memcmp(&a, &b, sizeof a) == 0;
}

static void
check_fold(const struct ct_trial_fold *f)
{
	if (f->done != 1 || !isfinite(f->logloss) || !(f->logloss > 0) ||
	    !(isnan(f->auc) || (f->auc >= 0 && f->auc <= 1)) ||
	    f->best < 1 || f->trained < 0 || !(f->seconds >= 0))
		abort();
}

/* The folds of record j taken as load_trial takes them, into f (room
 * for all): how many. */
static size_t
walk(const json_t *j, struct ct_trial_fold *f)
{
	const json_t *fj;
	size_t i;

	json_array_foreach(json_object_get(j, "folds"), i, fj) {
		const char *why;

		if (json_is_null(fj))
			break;
		if ((why = ct_trial_fold_read(fj, i, &f[i])) != NULL) {
			if (*why == '\0' || f[i].done || f[i].best || f[i].trained ||
			    f[i].logloss != 0 || f[i].auc != 0 || f[i].seconds != 0)
				abort();
			break;
		}
		check_fold(&f[i]);
	}
	return i;
}

/* The n folds of f saved as a record and read back: the same folds. */
static void
round_trip(const struct ct_trial_fold *f, size_t n, size_t total)
{
	struct ct_trial_fold *back = calloc(total + 1, sizeof *back);
	json_t *folds = json_array(), *j, *again;
	char *text;

	if (back == NULL || folds == NULL)
		abort();
	for (size_t i = 0; i < total; i++)
		if (json_array_append_new(folds, i < n ? ct_trial_fold_json(&f[i], i) : json_null()) != 0)
			abort();
	if ((j = json_pack("{s:i, s:{}, s:o}", "trial", 1, "params", "folds", folds)) == NULL ||
	    (text = json_dumps(j, CT_TRIAL_JSON_FLAGS)) == NULL ||
	    (again = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		abort();
	if (walk(again, back) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (back[i].best != f[i].best || back[i].trained != f[i].trained ||
		    !same(back[i].logloss, f[i].logloss) || !same(back[i].auc, f[i].auc) ||
		    !same(back[i].seconds, f[i].seconds))
			abort();
	json_decref(again);
	free(text);
	json_decref(j);
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	struct ct_trial_fold *f;
	size_t total, n;

	if (j == NULL)
		return 0;
	total = json_array_size(json_object_get(j, "folds"));
	if ((f = calloc(total + 1, sizeof *f)) == NULL)
		abort();
	n = walk(j, f);
	round_trip(f, n, total);
	free(f);
	json_decref(j);
	return 0;
}
