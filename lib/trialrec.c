/* trialrec.c — a fold of a trial record, read and written (trialrec.h). */
#include <math.h>

#include "trialrec.h"
#include "train.h"

/* A figure that may be undefined (AUC with one class): null in JSON. */
static json_t *
real(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static double
real_value(const json_t *j)
{
	return json_is_number(j) ? json_number_value(j) : NAN;
}

static const char *
check(const json_t *fj, size_t i, struct ct_trial_fold *f)
{
	json_int_t fold = 0, best = 0, trained = 0;

	/* 64-bit, then range-checked: jansson's "i" would wrap 4294967297
	 * to 1. */
	if (json_unpack((json_t *)fj, "{s:I, s:I, s:I, s:F}", "fold", &fold, "best_rounds",
	    &best, "rounds_trained", &trained, "seconds", &f->seconds) != 0)
		return "not a fold's record";
	f->logloss = real_value(json_object_get(fj, "logloss"));
	f->auc = real_value(json_object_get(fj, "auc"));
	if (fold != (json_int_t)i + 1)
		return "fold number out of place";
	if (best < 1 || best > CT_ROUNDS_MAX || trained < 0 || trained > CT_ROUNDS_MAX ||
	    !(f->seconds >= 0))
		return "round counts or time out of range";
	f->best = (int)best;
	f->trained = (int)trained;
	/* A logloss that is not a positive number would win the search
	 * (0 included: no fit of noisy labels scores it). */
	if (!(isfinite(f->logloss) && f->logloss > 0))
		return "logloss not a positive number";
	if (!isnan(f->auc) && !(f->auc >= 0 && f->auc <= 1))
		return "auc out of [0,1]";
	return NULL;
}

const char *
ct_trial_fold_read(const json_t *fj, size_t i, struct ct_trial_fold *f)
{
	const char *why;

	if ((why = check(fj, i, f)) != NULL) {
		*f = (struct ct_trial_fold){ 0 };
		return why;
	}
	f->done = 1;
	return NULL;
}

json_t *
ct_trial_fold_json(const struct ct_trial_fold *f, size_t i)
{
	return json_pack("{s:i, s:i, s:i, s:o, s:o, s:f}", "fold", (int)i + 1,
	    "best_rounds", f->best, "rounds_trained", f->trained,
	    "logloss", real(f->logloss), "auc", real(f->auc), "seconds", f->seconds);
}
