/* search.c — tunable parameters, search spaces, reproducible draws. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonfile.h"
#include "search.h"

/* The parameters a search may set: name, whole number or not, the range
 * XGBoost and this code accept, and the field it sets. */
static const struct param {
	const char *name;
	int integer;
	double min, max;
	size_t off;
} tab[] = {
	{ "colsample_bytree", 0, 0.01, 1, offsetof(struct ct_train_opts, colsample_bytree) },
	{ "eta", 0, 1e-4, 1, offsetof(struct ct_train_opts, eta) },
	{ "lambda", 0, 0, 1e4, offsetof(struct ct_train_opts, lambda) },
	{ "max_bin", 1, 2, 1024, offsetof(struct ct_train_opts, max_bin) },
	{ "max_depth", 1, 1, 16, offsetof(struct ct_train_opts, max_depth) },
	{ "min_child_weight", 0, 0, 1e4, offsetof(struct ct_train_opts, min_child_weight) },
	{ "subsample", 0, 0.01, 1, offsetof(struct ct_train_opts, subsample) },
};
#define NTAB (sizeof tab / sizeof tab[0])

/* What train-coin records in config.json's params beside the tunable
 * ones: fixed by the code, or options of their own. */
static const char *const other[] = {
	"validate_parameters", "objective", "eval_metric", "tree_method", "seed", "nthread",
	"predictor",
	"rounds_max", "early_stop", "folds", "row_step",
};

static const struct param *
find(const char *name)
{
	for (size_t i = 0; i < NTAB; i++)
		if (strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

static int
is_other(const char *name)
{
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
		if (strcmp(other[i], name) == 0)
			return 1;
	return 0;
}

static double
get(const struct ct_train_opts *o, const struct param *p)
{
	const char *base = (const char *)o + p->off;

	return p->integer ? *(const int *)(const void *)base : *(const double *)(const void *)base;
}

static void
set(struct ct_train_opts *o, const struct param *p, double v)
{
	char *base = (char *)o + p->off;

	if (p->integer)
		*(int *)(void *)base = (int)v;
	else
		*(double *)(void *)base = v;
}

/* A value of p: in range, whole when it must be.  0 or -1 (why). */
static int
value_ok(const struct param *p, double v, char *why, size_t n)
{
	if (!isfinite(v) || v < p->min || v > p->max) {
		snprintf(why, n, "%s: %g is outside [%g,%g]", p->name, v, p->min, p->max);
		return -1;
	}
	if (p->integer && v != floor(v)) {
		snprintf(why, n, "%s: %g is not a whole number", p->name, v);
		return -1;
	}
	return 0;
}

/* A number, or a string holding one (config.json's params). */
static int
number(const json_t *j, double *v)
{
	char *end;

	if (json_is_number(j)) {
		*v = json_number_value(j);
		return 0;
	}
	if (!json_is_string(j))
		return -1;
	errno = 0;
	*v = strtod(json_string_value(j), &end);
	return errno || end == json_string_value(j) || *end ? -1 : 0;
}

/* ct_params_set, naming in *bad the member at fault (NULL: none). */
static int
params_set(struct ct_train_opts *o, const json_t *params, int ignore_other,
    char *why, size_t n, const char **bad)
{
	const char *k;
	json_t *v;

	*bad = NULL;

	if (!json_is_object(params)) {
		snprintf(why, n, "parameters: not a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)params, k, v) {
		const struct param *p = find(k);
		double x;

		*bad = k;
		if (p == NULL) {
			if (ignore_other && is_other(k))
				continue;
			snprintf(why, n, "%s: not a parameter tune-coin or train-coin sets", k);
			return -1;
		}
		if (number(v, &x) != 0) {
			snprintf(why, n, "%s: not a number", k);
			return -1;
		}
		if (value_ok(p, x, why, n) != 0)
			return -1;
		set(o, p, x);
	}
	*bad = NULL;
	return 0;
}

int
ct_params_set(struct ct_train_opts *o, const json_t *params, int ignore_other,
    char *why, size_t n)
{
	const char *bad;

	return params_set(o, params, ignore_other, why, n, &bad);
}

json_t *
ct_params_json(const struct ct_train_opts *o)
{
	json_t *j = json_object();

	for (size_t i = 0; i < NTAB; i++)
		json_object_set_new(j, tab[i].name, tab[i].integer ?
		    json_integer((json_int_t)get(o, &tab[i])) : json_real(get(o, &tab[i])));
	return j;
}

int
ct_params_load(const char *path, struct ct_train_opts *o)
{
	json_t *j = ct_json_load(path, JSON_REJECT_DUPLICATES);
	int rc = j ? ct_params_doc(path, j, o) : -1;

	json_decref(j);
	return rc;
}

int
ct_params_doc(const char *path, const json_t *doc, struct ct_train_opts *o)
{
	const char *within = json_object_get(doc, "params") ? "params" : NULL, *bad;
	char why[256];
	int rc;

	if ((rc = params_set(o, within ? json_object_get(doc, within) : doc, 0, why, sizeof why,
	    &bad)) != 0)
		ct_json_member_warn(path, within, bad, why);
	return rc;
}

const char *
ct_params_missing(const json_t *params)
{
	for (size_t i = 0; i < NTAB; i++)
		if (json_object_get(params, tab[i].name) == NULL)
			return tab[i].name;
	return NULL;
}

json_t *
ct_space_default(void)
{
	return json_pack("{s:{s:[i,i]}, s:{s:[f,f]}, s:{s:[f,f]}, s:{s:[f,f]}, s:{s:[f,f]},"
	    " s:{s:[f,f]}, s:{s:[i,i,i,i]}}",
	    "max_depth", "int", 2, 8,
	    "eta", "log", 0.01, 0.3,
	    "min_child_weight", "log", 1.0, 100.0,
	    "subsample", "uniform", 0.5, 1.0,
	    "colsample_bytree", "uniform", 0.5, 1.0,
	    "lambda", "log", 0.1, 10.0,
	    "max_bin", "choice", 32, 64, 128, 256);
}

/* The kind of a member's spec and its list of numbers (NULL: fixed). */
static const char *
spec(const json_t *s, const json_t **list)
{
	static const char *const kinds[] = { "uniform", "log", "int", "choice" };

	*list = NULL;
	if (json_is_number(s))
		return "fixed";
	if (!json_is_object(s) || json_object_size(s) != 1)
		return NULL;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if ((*list = json_object_get(s, kinds[i])) != NULL)
			return json_is_array(*list) ? kinds[i] : NULL;
	return NULL;
}

static int
check_member(const char *name, const json_t *s, char *why, size_t n)
{
	const struct param *p = find(name);
	const json_t *list, *v;
	const char *kind = spec(s, &list);
	size_t i;

	if (p == NULL) {
		snprintf(why, n, "%s: not a parameter tune-coin can tune", name);
		return -1;
	}
	if (kind == NULL) {
		snprintf(why, n, "%s: want a number or one of {\"uniform\"|\"log\"|\"int\"|\"choice\": [...]}",
		    name);
		return -1;
	}
	if (list == NULL)
		return value_ok(p, json_number_value(s), why, n);
	if (json_array_size(list) < (strcmp(kind, "choice") == 0 ? 1u : 2u) ||
	    (strcmp(kind, "choice") != 0 && json_array_size(list) != 2)) {
		snprintf(why, n, "%s: %s wants %s", name, kind,
		    strcmp(kind, "choice") == 0 ? "at least one value" : "[low, high]");
		return -1;
	}
	json_array_foreach(list, i, v) {
		if (!json_is_number(v)) {
			snprintf(why, n, "%s: %s: not a number", name, kind);
			return -1;
		}
		if (value_ok(p, json_number_value(v), why, n) != 0)
			return -1;
	}
	if (strcmp(kind, "choice") != 0 &&
	    !(json_number_value(json_array_get(list, 0)) < json_number_value(json_array_get(list, 1)))) {
		snprintf(why, n, "%s: %s: low must be below high", name, kind);
		return -1;
	}
	if (strcmp(kind, "log") == 0 && json_number_value(json_array_get(list, 0)) <= 0) {
		snprintf(why, n, "%s: log: low must be above 0", name);
		return -1;
	}
	if (strcmp(kind, "int") == 0 && !p->integer) {
		snprintf(why, n, "%s: int: a real parameter (uniform or log)", name);
		return -1;
	}
	return 0;
}

/* ct_space_check, naming in *bad the member at fault (NULL: none). */
static int
space_check(const json_t *space, char *why, size_t n, const char **bad)
{
	const char *k;
	json_t *v;

	*bad = NULL;
	if (!json_is_object(space)) {
		snprintf(why, n, "a space is a JSON object of parameters");
		return -1;
	}
	if (json_object_size(space) == 0) {
		snprintf(why, n, "an empty space names no parameter to search "
		    "(without --space, the default space)");
		return -1;
	}
	json_object_foreach((json_t *)space, k, v)
		if (check_member(k, v, why, n) != 0) {
			*bad = k;
			return -1;
		}
	return 0;
}

int
ct_space_check(const json_t *space, char *why, size_t n)
{
	const char *bad;

	return space_check(space, why, n, &bad);
}

/* Whether a checked space fixes every parameter: numbers, or choices of
 * one value (however often listed). */
static int
all_fixed(const json_t *space)
{
	const json_t *list, *v;
	const char *k, *kind;
	json_t *m;
	size_t i;

	json_object_foreach((json_t *)space, k, m) {
		if ((kind = spec(m, &list)) == NULL || list == NULL)
			continue;
		if (strcmp(kind, "choice") != 0)
			return 0;
		json_array_foreach(list, i, v)
			if (json_number_value(v) != json_number_value(json_array_get(list, 0)))
				return 0;
	}
	return 1;
}

json_t *
ct_space_load(const char *path)
{
	json_t *j = ct_json_load(path, JSON_REJECT_DUPLICATES);
	const char *bad;
	char why[256];

	if (j && space_check(j, why, sizeof why, &bad) != 0) {
		ct_json_member_warn(path, NULL, bad, why);
		json_decref(j);
		return NULL;
	}
	return j;
}

void
ct_space_warn_fixed(const char *path, const json_t *space)
{
	if (all_fixed(space))
		ct_warn("%s: every parameter is fixed: the trials after trial 0 are one parameter "
		    "set, trained again and again (a range or a choice of values makes a search)", path);
}

/* splitmix64: a stream of 64-bit draws from any seed. */
static uint64_t
next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
unit(uint64_t *s)
{
	return (double)(next(s) >> 11) * 0x1.0p-53;
}

/* 3 significant digits: params.json reads 0.0312, not 0.031234567. */
static double
sig3(double x)
{
	double p;

	if (x == 0)
		return 0;
	p = pow(10, floor(log10(fabs(x))) - 2);
	return round(x / p) * p;
}

static double
draw_one(const struct param *p, const json_t *s, uint64_t *st)
{
	const json_t *list;
	const char *kind = spec(s, &list);
	double lo, hi, v;

	if (list == NULL)
		return json_number_value(s);
	if (strcmp(kind, "choice") == 0)
		return json_number_value(json_array_get(list,
		    (size_t)(unit(st) * (double)json_array_size(list))));
	lo = json_number_value(json_array_get(list, 0));
	hi = json_number_value(json_array_get(list, 1));
	if (strcmp(kind, "int") == 0)
		return floor(lo + unit(st) * (hi - lo + 1));
	v = strcmp(kind, "log") == 0 ? exp(log(lo) + unit(st) * (log(hi) - log(lo))) :
	    lo + unit(st) * (hi - lo);
	v = p->integer ? round(v) : sig3(v);
	return fmin(fmax(v, lo), hi);
}

/* Trial 0's value of a parameter whose default is v: inside spec s, so
 * that no trial, the baseline included, lies outside the user's space.
 * Fixed: its value; a range: v clamped into it; a choice: the nearest
 * (the first of two as near). */
static double
bound_one(const json_t *s, double v)
{
	const json_t *list, *x;
	const char *kind = spec(s, &list);
	double best;
	size_t i;

	if (list == NULL)
		return json_number_value(s);
	if (strcmp(kind, "choice") != 0)
		return fmin(fmax(v, json_number_value(json_array_get(list, 0))),
		    json_number_value(json_array_get(list, 1)));
	best = json_number_value(json_array_get(list, 0));
	json_array_foreach(list, i, x)
		if (fabs(json_number_value(x) - v) < fabs(best - v))
			best = json_number_value(x);
	return best;
}

json_t *
ct_space_draw(const json_t *space, uint64_t seed, int k)
{
	struct ct_train_opts o;
	/* Trial k's own stream: the seed mixed with k. */
	uint64_t st = seed ^ (0xd1b54a32d192ed03ULL * (uint64_t)(k + 1));

	ct_train_defaults(&o);
	next(&st);
	/* In the table's (alphabetical) order, whatever the file's order. */
	for (size_t i = 0; i < NTAB; i++) {
		const json_t *s = json_object_get(space, tab[i].name);

		if (s)
			set(&o, &tab[i], k > 0 ? draw_one(&tab[i], s, &st) :
			    bound_one(s, get(&o, &tab[i])));
	}
	return ct_params_json(&o);
}
