/* trialrec.h — a fold of tune-coin's trial record,
 * models/<SYM>/search/trial-NNNN.json: {"trial": K, "params": {...},
 * "folds": [F1, F2, ...]}, one member of "folds" a search fold, null
 * until the trial trained it, else
 *   {"fold": I, "best_rounds": B, "rounds_trained": T,
 *    "logloss": L, "auc": A, "seconds": S}
 * with I its place from 1, L and A null when undefined.  A resumed
 * search takes a fold's figures from here, so one it could not have
 * written is refused and trained again. */
#ifndef CT_TRIALREC_H
#define CT_TRIALREC_H

#include <stddef.h>

#include <jansson.h>

/* How save_trial writes a record (json_dumpf flags): 17 digits give
 * back the very doubles. */
#define CT_TRIAL_JSON_FLAGS (JSON_INDENT(1) | JSON_REAL_PRECISION(17))

/* A fold of a trial: done when its figures are known. */
struct ct_trial_fold {
	int done, best, trained;
	double logloss, auc, seconds;
};

/* Fold i (from 0) of a record, fj, into f, done: NULL when it is one a
 * search could have written (a finite logloss above 0, an AUC undefined
 * or in [0,1], best_rounds >= 1, rounds_trained >= 0, seconds >= 0, its
 * "fold" i + 1); else f zeroed and the reason, a constant string. */
const char *ct_trial_fold_read(const json_t *fj, size_t i, struct ct_trial_fold *f);
/* Fold i (from 0) of a record as written: a new reference, NULL when out
 * of memory (or seconds is not finite).  What ct_trial_fold_read accepted
 * gives it back. */
json_t *ct_trial_fold_json(const struct ct_trial_fold *f, size_t i);

#endif
