/* unit_tune.c — cmocka tests of search spaces, draws and parameters
 * (lib/search.c), of one trial's fold (ct_fold_score) against the
 * walk-forward it must reproduce, of halving without a barrier
 * (lib/halving.c) against the barrier's decisions, and of a fold of a
 * trial record read and written (lib/trialrec.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "costs.h"
#include "dataset.h"
#include "halving.h"
#include "jsonfile.h"
#include "search.h"
#include "synth.h"
#include "train.h"
#include "trialrec.h"
#include "tmpdir.h"

static json_t *
parse(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	assert_non_null(j);
	return j;
}

static void
space_bad(const char *s, const char *why_part)
{
	json_t *j = parse(s);
	char why[256] = "";

	assert_int_equal(ct_space_check(j, why, sizeof why), -1);
	if (strstr(why, why_part) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", s, why, why_part);
	json_decref(j);
}

static void
test_space_check(void **state)
{
	json_t *d = ct_space_default(), *j;
	char why[256];

	(void)state;
	assert_int_equal(ct_space_check(d, why, sizeof why), 0);
	json_decref(d);
	j = parse("{\"eta\": {\"log\": [0.02, 0.2]}, \"max_bin\": 64, \"max_depth\": {\"choice\": [2, 4]}}");
	assert_int_equal(ct_space_check(j, why, sizeof why), 0);
	json_decref(j);
	space_bad("{}", "empty space names no parameter");
	space_bad("[1]", "JSON object");
	space_bad("{\"depth\": 3}", "not a parameter");
	space_bad("{\"eta\": {\"log\": [0, 0.3]}}", "outside");
	space_bad("{\"eta\": {\"log\": [0.3, 0.01]}}", "low must be below high");
	space_bad("{\"eta\": {\"uniform\": [0.1]}}", "[low, high]");
	space_bad("{\"eta\": {\"int\": [0.1, 0.5]}}", "real parameter");
	space_bad("{\"max_depth\": {\"uniform\": [2.5, 4]}}", "not a whole number");
	space_bad("{\"max_depth\": {\"choice\": []}}", "at least one value");
	space_bad("{\"eta\": {\"gauss\": [0, 1]}}", "want a number");
	space_bad("{\"eta\": \"0.1\"}", "want a number");
}

/* Same seed and trial: the same draw; every draw inside the space; trial
 * 0 the defaults; trial k's draw independent of how many trials. */
static void
test_draws(void **state)
{
	json_t *sp = ct_space_default(), *a, *b, *t0;
	struct ct_train_opts o, def;
	char why[256];
	int differ = 0;

	(void)state;
	ct_train_defaults(&def);
	t0 = ct_space_draw(sp, 5, 0);
	b = ct_params_json(&def);
	assert_true(json_equal(t0, b));
	json_decref(b);
	for (int k = 1; k < 200; k++) {
		a = ct_space_draw(sp, 5, k);
		b = ct_space_draw(sp, 5, k);
		assert_true(json_equal(a, b));
		ct_train_defaults(&o);
		assert_int_equal(ct_params_set(&o, a, 0, why, sizeof why), 0);
		assert_true(o.max_depth >= 2 && o.max_depth <= 8);
		assert_true(o.eta >= 0.01 && o.eta <= 0.3);
		assert_true(o.min_child_weight >= 1 && o.min_child_weight <= 100);
		assert_true(o.subsample >= 0.5 && o.subsample <= 1);
		assert_true(o.colsample_bytree >= 0.5 && o.colsample_bytree <= 1);
		assert_true(o.lambda >= 0.1 && o.lambda <= 10);
		assert_true(o.max_bin == 32 || o.max_bin == 64 || o.max_bin == 128 || o.max_bin == 256);
		/* Three significant digits. */
		assert_true(fabs(o.eta * pow(10, 2 - floor(log10(o.eta))) -
		    round(o.eta * pow(10, 2 - floor(log10(o.eta))))) < 1e-6);
		json_decref(b);
		b = ct_space_draw(sp, 6, k);
		differ += !json_equal(a, b);
		json_decref(a);
		json_decref(b);
	}
	assert_true(differ > 190);
	json_decref(t0);
	json_decref(sp);
	/* A space of the user's binds trial 0 too: fixed values set, the
	 * defaults clamped into ranges, the nearest choice. */
	sp = parse("{\"max_bin\": 32, \"max_depth\": {\"int\": [6, 8]}, \"eta\": {\"log\": [0.2, 0.3]},"
	    " \"min_child_weight\": 1, \"lambda\": {\"choice\": [0.5, 3]},"
	    " \"subsample\": {\"uniform\": [0.1, 0.5]}}");
	t0 = ct_space_draw(sp, 5, 0);
	ct_train_defaults(&o);
	assert_int_equal(ct_params_set(&o, t0, 0, why, sizeof why), 0);
	assert_int_equal(o.max_bin, 32);
	assert_int_equal(o.max_depth, 6);
	assert_true(o.eta == 0.2 && o.min_child_weight == 1 && o.lambda == 0.5 && o.subsample == 0.5);
	assert_true(o.colsample_bytree == def.colsample_bytree);
	json_decref(t0);
	json_decref(sp);
}

static void
test_params_set(void **state)
{
	struct ct_train_opts o;
	char why[256];
	json_t *j;

	(void)state;
	ct_train_defaults(&o);
	/* config.json's strings, and what train-coin records beside them. */
	j = parse("{\"eta\": \"0.125\", \"max_depth\": \"4\", \"objective\": \"binary:logistic\","
	    " \"rounds_max\": 300}");
	assert_int_equal(ct_params_set(&o, j, 1, why, sizeof why), 0);
	assert_true(o.eta == 0.125 && o.max_depth == 4);
	assert_int_equal(ct_params_set(&o, j, 0, why, sizeof why), -1);
	json_decref(j);
	j = parse("{\"max_depth\": 2.5}");
	assert_int_equal(ct_params_set(&o, j, 0, why, sizeof why), -1);
	json_decref(j);
	j = parse("{\"subsample\": 0}");
	assert_int_equal(ct_params_set(&o, j, 0, why, sizeof why), -1);
	json_decref(j);
	j = ct_params_json(&o);
	assert_int_equal(json_object_size(j), 7);
	/* A search's result names all seven. */
	assert_null(ct_params_missing(j));
	json_object_del(j, "lambda");
	assert_string_equal(ct_params_missing(j), "lambda");
	json_decref(j);
	j = parse("{}");
	assert_string_equal(ct_params_missing(j), "colsample_bytree");
	json_decref(j);
}

/* A trial's fold is the walk-forward's fold: the same rounds, the same
 * out-of-sample logloss and AUC, with bins of its own or shared ones. */
static void
test_fold_score(void **state)
{
	struct ct_series s = { 0 };
	struct ct_costs c = { .taker_bps = 10, .maker_bps = 10, .spread_bps = 2, .slip_bps_per_sigma = 1 };
	struct ct_dataset d;
	struct ct_train_opts o;
	struct ct_wf w;
	struct ct_fold f;
	struct ct_bins *b;

	(void)state;
	assert_int_equal(ct_synth(&s, CT_SYNTH_EDGE, 3, 6000, 300000, 1700000000000LL), 0);
	assert_int_equal(ct_dataset_build(&d, &s, 12, 300000, &c, NULL), 0);
	ct_train_defaults(&o);
	o.threads = 1;
	o.rounds = 80;
	o.max_depth = 4;
	b = ct_bins_new(&d, SIZE_MAX, &o);
	assert_non_null(b);
	/* Folds refit (6000 rows are far below CT_CHAIN_ROWS), then chained
	 * (each from the trees the one before left), fold by fold. */
	for (int chain = 0; chain < 2; chain++) {
		o.chain_rows = chain ? 1 : 0;
		o.bins = NULL;
		assert_int_equal(ct_walkforward(&d, &o, &w), 0);
		assert_int_equal(w.last != NULL, chain);
		for (int shared = 0; shared < 2; shared++) {
			void *prev = NULL, *trees = NULL;

			for (int k = 0; k < o.folds; k++) {
				o.bins = shared ? b : NULL;
				assert_int_equal(ct_fold_chained(&o, w.f, k), chain && k > 0);
				assert_int_equal(ct_fold_score(&d, &o, k, chain ? prev : NULL, &f,
				    &trees), 0);
				assert_int_equal(f.best_rounds, w.f[k].best_rounds);
				assert_int_equal(ct_booster_rounds(trees), f.best_rounds);
				assert_int_equal(f.val_lo, w.f[k].val_lo);
				assert_true(f.ev.auc == w.f[k].ev.auc);
				assert_true(f.ev.logloss == w.f[k].ev.logloss);
				ct_booster_free(prev);
				prev = trees;
			}
			ct_booster_free(prev);
		}
		if (chain) {
			/* A chained fold needs the trees of the one before. */
			o.bins = NULL;
			assert_int_equal(ct_fold_score(&d, &o, 1, NULL, &f, NULL), -1);
		}
		ct_wf_free(&w);
	}
	o.chain_rows = 0;
	o.bins = NULL;
	assert_int_equal(ct_fold_score(&d, &o, o.folds, NULL, &f, NULL), -1);
	ct_bins_free(b);
	ct_dataset_free(&d);
	ct_series_free(&s);
}

/* ---- halving without a barrier ---- */

static const double *bar_ll;
static int bar_rungs, bar_n;

static double
bar_score(int k, int n)
{
	double ll = 0;

	for (int f = 0; f < n; f++)
		ll += bar_ll[k * bar_rungs + f];
	return ll / n;
}

static int
bar_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	double sx = bar_score(x, bar_n), sy = bar_score(y, bar_n);

	if (sx != sy)
		return sx < sy ? -1 : 1;
	return (x > y) - (x < y);
}

/* The barrier: every fit of rung r, rank, keep, next rung.  in[k *
 * rungs + r] for the fits it trains; the winner. */
static int
barrier(const double *ll, int trials, int rungs, int halving, int *in)
{
	int *cand = malloc((size_t)trials * sizeof *cand), n = trials, win;

	assert_non_null(cand);
	bar_ll = ll;
	bar_rungs = rungs;
	for (int k = 0; k < trials; k++)
		cand[k] = k;
	for (int r = 0; r < rungs; r++) {
		if (r > 0) {
			bar_n = r;
			qsort(cand, (size_t)n, sizeof *cand, bar_cmp);
			n = ct_halving_kept(halving, n);
		}
		for (int i = 0; i < n; i++)
			in[cand[i] * rungs + r] = 1;
	}
	bar_n = rungs;
	qsort(cand, (size_t)n, sizeof *cand, bar_cmp);
	win = cand[0];
	free(cand);
	return win;
}

/* Workers finishing fits in random order, some fits resumed from
 * records: exactly the barrier's fits are trained, each once, and the
 * barrier's winner wins; no winner before the last fit. */
static void
halving_case(unsigned seed, int trials, int rungs, int halving, int jobs)
{
	size_t cells = (size_t)trials * (size_t)rungs;
	double *ll = malloc(cells * sizeof *ll);
	int *in = calloc(cells, sizeof *in), *fits = calloc(cells, sizeof *fits);
	int *busy = calloc((size_t)trials, sizeof *busy), nbusy = 0, win;
	struct ct_halving h;

	assert_true(ll && in && fits && busy);
	srand(seed);
	/* Few distinct values: ties, which rank to the lower trial. */
	for (size_t i = 0; i < cells; i++)
		ll[i] = 0.6 + 0.01 * (rand() % 7);
	win = barrier(ll, trials, rungs, halving, in);
	assert_int_equal(ct_halving_init(&h, trials, rungs, halving), 0);
	for (int k = 0; k < trials; k++)
		for (int r = 0; r < rungs; r++)
			if (in[k * rungs + r] && rand() % 4 == 0) {
				ct_halving_record(&h, k, r, ll[k * rungs + r]);
				fits[k * rungs + r]++;
			}
	for (;;) {
		int k, r;

		for (int tries = 0; nbusy < jobs && tries < 4 * trials; tries++) {
			k = rand() % trials;
			if (!busy[k] && ct_halving_next(&h, k) >= 0) {
				busy[k] = 1;
				nbusy++;
			}
		}
		for (k = 0; nbusy < jobs && k < trials; k++)
			if (!busy[k] && ct_halving_next(&h, k) >= 0) {
				busy[k] = 1;
				nbusy++;
			}
		if (nbusy == 0)
			break;
		assert_int_equal(ct_halving_winner(&h), -1);
		do
			k = rand() % trials;
		while (!busy[k]);
		busy[k] = 0;
		nbusy--;
		r = ct_halving_next(&h, k);
		if (!in[k * rungs + r])
			fail_msg("seed %u: trial %d fold %d is not one the barrier trains", seed, k, r);
		fits[k * rungs + r]++;
		ct_halving_record(&h, k, r, ll[k * rungs + r]);
	}
	for (size_t i = 0; i < cells; i++)
		assert_int_equal(fits[i], in[i]);
	for (int r = 0; r < rungs; r++)
		assert_true(ct_halving_rung_done(&h, r));
	assert_int_equal(ct_halving_winner(&h), win);
	ct_halving_free(&h);
	free(ll);
	free(in);
	free(fits);
	free(busy);
}

static void
test_halving_exact(void **state)
{
	static const int trials[] = { 1, 2, 3, 7, 12, 40 };

	(void)state;
	for (unsigned seed = 1; seed <= 40; seed++)
		for (size_t t = 0; t < sizeof trials / sizeof *trials; t++)
			for (int rungs = 1; rungs <= 4; rungs++)
				for (int halving = 1; halving <= 3; halving++)
					halving_case(seed, trials[t], rungs, halving, 1 + (int)seed % 4);
}

/* The line of member key (after within) in a file holding text. */
static int
member_line(const char *text, const char *within, const char *key)
{
	char path[300];
	FILE *fp;

	snprintf(path, sizeof path, "%s/doc.json", tmpdir);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	return ct_json_member_line(path, within, key);
}

/* Where a member is written: its name then a colon, not the same text
 * as a value or inside a string, and after within when asked. */
static void
test_member_line(void **state)
{
	(void)state;
	assert_int_equal(member_line("{\"eta\": 1}", NULL, "eta"), 1);
	assert_int_equal(member_line("{\n\n  \"eta\"\n  :\n 1}", NULL, "eta"), 3);
	assert_int_equal(member_line("{\"a\": \"eta\",\n \"eta\": 1}", NULL, "eta"), 2);
	assert_int_equal(member_line("{\"a\": \"x\\\"eta\\\": y\",\n \"eta\": 1}", NULL, "eta"), 2);
	assert_int_equal(member_line("{\"etab\": 1,\n\"eta\": 2}", NULL, "eta"), 2);
	assert_int_equal(member_line("{\"s\": {\"eta\": 1},\n \"params\":\n {\"eta\": 2}}", "params",
	    "eta"), 3);
	assert_int_equal(member_line("{\"s\": {\"eta\": 1}}", "params", "eta"), 0);
	assert_int_equal(member_line("{\"e\\u0074a\": 1}", NULL, "eta"), 0);
	assert_int_equal(member_line("", NULL, "eta"), 0);
	assert_int_equal(ct_json_member_line("/nonexistent/doc.json", NULL, "eta"), 0);
}

/* Fold i of a record, s, refused for why: f zeroed. */
static void
fold_bad(const char *s, size_t i, const char *why)
{
	json_t *j = parse(s);
	struct ct_trial_fold f = { .done = 1, .best = 7, .logloss = 1 };
	const char *got = ct_trial_fold_read(j, i, &f);

	if (got == NULL || strcmp(got, why) != 0)
		fail_msg("%s: \"%s\", not \"%s\"", s, got ? got : "accepted", why);
	assert_int_equal(f.done + f.best + f.trained, 0);
	assert_true(f.logloss == 0 && f.auc == 0 && f.seconds == 0);
	json_decref(j);
}

/* A fold as tune-coin writes it is read back; one it could not have
 * written is refused with the reason the warning gives. */
static void
test_trial_fold(void **state)
{
	struct ct_trial_fold f, back, nan_auc = { .done = 1, .best = 3, .trained = 23,
	    .logloss = 0.6931, .auc = NAN, .seconds = 0 };
	json_t *j = parse("{\"fold\": 2, \"best_rounds\": 31, \"rounds_trained\": 51, "
	    "\"logloss\": 0.67174247871544757, \"auc\": 0.6246377600716313, \"seconds\": 4}"), *w;

	(void)state;
	assert_null(ct_trial_fold_read(j, 1, &f));
	assert_int_equal(f.done, 1);
	assert_int_equal(f.best, 31);
	assert_int_equal(f.trained, 51);
	assert_true(f.logloss == 0.67174247871544757 && f.auc == 0.6246377600716313 && f.seconds == 4);
	assert_non_null(w = ct_trial_fold_json(&f, 1));
	assert_true(json_is_real(json_object_get(w, "seconds")));
	assert_null(ct_trial_fold_read(w, 1, &back));
	assert_memory_equal(&back.logloss, &f.logloss, sizeof f.logloss);
	assert_true(back.best == f.best && back.trained == f.trained && back.auc == f.auc &&
	    back.seconds == f.seconds);
	json_decref(w);
	/* An undefined AUC is null, and read back undefined. */
	assert_non_null(w = ct_trial_fold_json(&nan_auc, 0));
	assert_true(json_is_null(json_object_get(w, "auc")));
	assert_null(ct_trial_fold_read(w, 0, &back));
	assert_true(isnan(back.auc) && back.best == 3 && back.trained == 23);
	json_decref(w);
	fold_bad("[1, 3, 23, 0.6, 0.5, 1]", 0, "not a fold's record");
	fold_bad("{\"fold\": 1, \"best_rounds\": 3, \"rounds_trained\": 23, \"logloss\": 0.6}", 0,
	    "not a fold's record");
	fold_bad("{\"fold\": 1.0, \"best_rounds\": 3, \"rounds_trained\": 23, \"logloss\": 0.6, "
	    "\"seconds\": 1}", 0, "not a fold's record");
	fold_bad("{\"fold\": 1, \"best_rounds\": 3, \"rounds_trained\": 23, \"logloss\": 0.6, "
	    "\"seconds\": 1}", 1, "fold number out of place");
	fold_bad("{\"fold\": 1, \"best_rounds\": 0, \"rounds_trained\": 23, \"logloss\": 0.6, "
	    "\"seconds\": 1}", 0, "round counts or time out of range");
	/* Numbers past an int are refused, not wrapped (4294967297 to 1). */
	fold_bad("{\"fold\": 4294967297, \"best_rounds\": 3, \"rounds_trained\": 23, "
	    "\"logloss\": 0.6, \"seconds\": 1}", 0, "fold number out of place");
	fold_bad("{\"fold\": 1, \"best_rounds\": 4294967297, \"rounds_trained\": 23, "
	    "\"logloss\": 0.6, \"seconds\": 1}", 0, "round counts or time out of range");
	fold_bad("{\"fold\": 1, \"best_rounds\": 3, \"rounds_trained\": 4294967319, "
	    "\"logloss\": 0.6, \"seconds\": 1}", 0, "round counts or time out of range");
	fold_bad("{\"fold\": 1, \"best_rounds\": 3, \"rounds_trained\": -1, \"logloss\": 0.6, "
	    "\"seconds\": 1}", 0, "round counts or time out of range");
	fold_bad("{\"fold\": 1, \"best_rounds\": 3, \"rounds_trained\": 23, \"logloss\": 0.6, "
	    "\"seconds\": -0.5}", 0, "round counts or time out of range");
	fold_bad("{\"fold\": 1, \"best_rounds\": 3, \"rounds_trained\": 23, \"logloss\": -0.6, "
	    "\"seconds\": 1}", 0, "logloss not a positive number");
	fold_bad("{\"fold\": 1, \"best_rounds\": 3, \"rounds_trained\": 23, \"logloss\": 0, "
	    "\"seconds\": 1}", 0, "logloss not a positive number");
	fold_bad("{\"fold\": 1, \"best_rounds\": 3, \"rounds_trained\": 23, \"logloss\": null, "
	    "\"seconds\": 1}", 0, "logloss not a positive number");
	fold_bad("{\"fold\": 1, \"best_rounds\": 3, \"rounds_trained\": 23, \"seconds\": 1}", 0,
	    "logloss not a positive number");
	fold_bad("{\"fold\": 1, \"best_rounds\": 3, \"rounds_trained\": 23, \"logloss\": 0.6, "
	    "\"auc\": 2, \"seconds\": 1}", 0, "auc out of [0,1]");
	fold_bad("{\"fold\": 1, \"best_rounds\": 3, \"rounds_trained\": 23, \"logloss\": 0.6, "
	    "\"auc\": -0.1, \"seconds\": 1}", 0, "auc out of [0,1]");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_space_check),
		cmocka_unit_test(test_draws),
		cmocka_unit_test(test_params_set),
		cmocka_unit_test(test_fold_score),
		cmocka_unit_test(test_halving_exact),
		cmocka_unit_test_setup_teardown(test_member_line, setup, teardown),
		cmocka_unit_test(test_trial_fold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
