/* search.h — the booster parameters a search may tune, the space they are
 * drawn from, and the draws.  One table of parameters serves tune-coin's
 * space and draws, params.json and train-coin's --params: a name XGBoost
 * knows, the field of ct_train_opts it sets, and the range it may take.
 *
 * A space is a JSON object, one member per parameter:
 *   "eta": {"log": [0.01, 0.3]}        log-uniform between the two
 *   "subsample": {"uniform": [0.5, 1]} uniform
 *   "max_depth": {"int": [2, 8]}       a whole number, each equally likely
 *   "max_bin": {"choice": [32, 64]}    one of the values
 *   "lambda": 1                        fixed
 * Parameters it leaves out keep train-coin's defaults. */
#ifndef CT_SEARCH_H
#define CT_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "train.h"

/* The default space (tune-coin(1)): max_depth 2-8, eta 0.01-0.3 (log),
 * min_child_weight 1-100 (log), subsample 0.5-1, colsample_bytree 0.5-1,
 * lambda 0.1-10 (log), max_bin 32-256 in powers of two (trials with the
 * same bins share their quantised matrices).  A new reference. */
json_t *ct_space_default(void);
/* 0 when space is a valid space; else -1 and the reason in why. */
int ct_space_check(const json_t *space, char *why, size_t n);
/* The space in path, checked; NULL after "prog: path:LINE: why" (the line
 * of the member at fault, when it has one). */
json_t *ct_space_load(const char *path);
/* A warning when the space loaded from path fixes every parameter (its
 * trials after trial 0 are one parameter set). */
void ct_space_warn_fixed(const char *path, const json_t *space);
/* Trial k's parameters drawn from space with seed: an object of numbers.
 * Each trial has a stream of its own, so trial k's draw depends on
 * (space, seed, k) only; trial 0 is the defaults (the baseline every
 * search scores) kept inside the space: a fixed value replaces its
 * default, a range clamps it, a choice gives its nearest value (the
 * default space holds every default, so there trial 0 is the defaults).
 * Real values keep 3 significant digits.  NULL when out of memory. */
json_t *ct_space_draw(const json_t *space, uint64_t seed, int k);

/* Set the parameters of params (numbers, or numeric strings as
 * config.json records them) in o; members that are no booster parameter
 * XGBoost's defaults cover (objective, seed, nthread, ...) are ignored
 * when ignore_other, else an error.  0, or -1 with the reason in why. */
int ct_params_set(struct ct_train_opts *o, const json_t *params, int ignore_other,
    char *why, size_t n);
/* The tunable parameters of o as an object of numbers. */
json_t *ct_params_json(const struct ct_train_opts *o);
/* The parameters of a file: a params.json (its "params") or an object of
 * parameters, set in o.  0 or -1 (error printed, naming the file). */
int ct_params_load(const char *path, struct ct_train_opts *o);
/* The same for the document doc already read from path. */
int ct_params_doc(const char *path, const json_t *doc, struct ct_train_opts *o);
/* The first tunable parameter (in the table's order) that the object
 * params leaves out, or NULL when it names all seven: a search's result
 * does, and one that does not would train defaults as if tuned. */
const char *ct_params_missing(const json_t *params);

#endif
