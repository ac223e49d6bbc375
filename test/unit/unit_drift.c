/* unit_drift.c — cmocka tests of the drift reference and its parts: PSI,
 * the bounded sample (the same whatever the chunks the rows come in), the
 * deciles of plain, constant and missing features, the carried reference
 * of an incremental update, and the regime-change generator. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <xgboost/c_api.h>

#include "tmpdir.h"

#include "digest.h"
#include "drift.h"
#include "features.h"
#include "synth.h"

#define N	20000

/* A booster of one round on rows x (nf features) with labels y. */
static void *
booster(const float *x, const float *y, size_t n, size_t nf)
{
	DMatrixHandle d;
	BoosterHandle b;

	assert_int_equal(XGDMatrixCreateFromMat(x, n, nf, NAN, &d), 0);
	assert_int_equal(XGDMatrixSetFloatInfo(d, "label", y, n), 0);
	assert_int_equal(XGBoosterCreate(&d, 1, &b), 0);
	assert_int_equal(XGBoosterSetParam(b, "objective", "binary:logistic"), 0);
	assert_int_equal(XGBoosterSetParam(b, "nthread", "1"), 0);
	assert_int_equal(XGBoosterUpdateOneIter(b, 0, d), 0);
	XGDMatrixFree(d);
	return b;
}

/* N rows: ret_1 uniform on [0,1), ret_3 constant, ret_6 missing, ret_12
 * missing every other row, the rest uniform; y = 1 on a quarter. */
static void
rows(float **x, float **y)
{
	size_t nf = ct_feat_count();

	*x = malloc(N * nf * sizeof **x);
	*y = malloc(N * sizeof **y);
	assert_non_null(*x);
	assert_non_null(*y);
	for (size_t r = 0; r < N; r++) {
		float u = (float)((r * 7919) % N) / N;

		for (size_t j = 0; j < nf; j++)
			(*x)[r * nf + j] = u;
		(*x)[r * nf + 1] = 7;
		(*x)[r * nf + 2] = NAN;
		(*x)[r * nf + 3] = r % 2 ? NAN : u;
		(*y)[r] = r % 4 == 0;
	}
}

static void
test_psi(void **state)
{
	double a[] = { 0.5, 0.5 }, e[] = { 0.25, 0.75 }, one[] = { 1, 0 }, half[] = { 0.5, 0.5 };

	(void)state;
	assert_true(ct_psi(a, a, 2) == 0);
	assert_true(fabs(ct_psi(a, e, 2) - (0.25 * log(2) + 0.25 * log(1.5))) < 1e-12);
	assert_true(fabs(ct_psi(a, e, 2) - ct_psi(e, a, 2)) < 1e-12);
	/* An empty bin counts as 0.0001, not as log(0). */
	assert_true(fabs(ct_psi(one, half, 2) - (0.5 * log(2) + 0.4999 * log(0.5 / 1e-4))) < 1e-12);
}

/* At most CT_DRIFT_SAMPLE rows, about 1 in rate of them, the same whatever
 * the chunks, and no beat with a daily cycle of 24 rows. */
static void
test_sample(void **state)
{
	size_t chunks[] = { 100000, 1, 7, 1000 }, hours[24] = { 0 }, n0 = 0;
	float *x = malloc(100000 * sizeof *x), *first = malloc(CT_DRIFT_SAMPLE * sizeof *first);

	(void)state;
	for (size_t r = 0; r < 100000; r++)
		x[r] = (float)r;
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		struct ct_drift_builder b;
		uint64_t rate;

		assert_int_equal(ct_drift_begin(&b, 1), 0);
		for (size_t r = 0; r < 100000; r += chunks[c])
			ct_drift_add_rows(&b, x + r, NULL, 100000 - r < chunks[c] ? 100000 - r : chunks[c]);
		rate = b.rows.rate;
		assert_int_equal(rate & (rate - 1), 0);
		assert_int_equal(b.rows.seen, 100000);
		assert_true(b.rows.n <= CT_DRIFT_SAMPLE && b.rows.n >= CT_DRIFT_SAMPLE / 3);
		assert_true(fabs((double)b.rows.n * rate / 100000 - 1) < 0.1);
		for (size_t k = 1; k < b.rows.n; k++)
			assert_true(b.rows.v[k] > b.rows.v[k - 1]);
		if (c == 0) {
			n0 = b.rows.n;
			memcpy(first, b.rows.v, n0 * sizeof *first);
			for (size_t k = 0; k < n0; k++)
				hours[(size_t)b.rows.v[k] % 24]++;
		} else {
			assert_int_equal(b.rows.n, n0);
			assert_memory_equal(b.rows.v, first, n0 * sizeof *first);
		}
		ct_drift_free(&b);
	}
	for (size_t h = 0; h < 24; h++)
		assert_true(fabs(hours[h] * 24.0 / (double)n0 - 1) < 0.25);
	free(x);
	free(first);
}

static void
test_reference(void **state)
{
	size_t nf = ct_feat_count();
	float *x, *y;
	void *b;
	json_t *ref, *f, *h;

	(void)state;
	rows(&x, &y);
	b = booster(x, y, N, nf);
	ref = ct_drift_reference(x, y, N, nf, b);
	assert_non_null(ref);
	assert_int_equal(json_integer_value(json_object_get(ref, "rows")), N);
	assert_true(json_integer_value(json_object_get(ref, "sampled")) <= CT_DRIFT_SAMPLE);
	assert_true(json_real_value(json_object_get(ref, "base_rate")) == 0.25);
	f = json_object_get(ref, "features");
	assert_int_equal(json_object_size(f), nf);
	/* Uniform: edges at the deciles, a tenth in each bin. */
	h = json_object_get(f, ct_feat_name(0));
	assert_int_equal(json_array_size(json_object_get(h, "edges")), 9);
	for (size_t k = 0; k < 9; k++)
		assert_true(fabs(json_real_value(json_array_get(json_object_get(h, "edges"), k)) -
		    (k + 1) / 10.0) < 0.01);
	for (size_t k = 0; k < 10; k++)
		assert_true(fabs(json_real_value(json_array_get(json_object_get(h, "p"), k)) - 0.1) < 0.01);
	/* Constant: one edge, everything in the bin at or below it. */
	h = json_object_get(f, ct_feat_name(1));
	assert_int_equal(json_array_size(json_object_get(h, "edges")), 1);
	assert_true(json_real_value(json_array_get(json_object_get(h, "p"), 0)) == 1);
	/* Missing: no edges; half missing: half the rows in the bins. */
	h = json_object_get(f, ct_feat_name(2));
	assert_int_equal(json_array_size(json_object_get(h, "edges")), 0);
	assert_true(json_real_value(json_object_get(h, "missing")) == 1);
	h = json_object_get(f, ct_feat_name(3));
	assert_true(fabs(json_real_value(json_object_get(h, "missing")) - 0.5) < 0.02);
	assert_true(json_is_true(json_object_get(json_object_get(f, "dow_sin"), "clock")));
	h = json_object_get(ref, "prediction");
	assert_int_equal(json_integer_value(json_object_get(h, "rows")), N);
	assert_true(json_array_size(json_object_get(h, "edges")) >= 1);
	json_decref(ref);
	XGBoosterFree(b);
	free(x);
	free(y);
}

/* The reference read back: PSI near 0 for the training rows, large for
 * the same rows moved up; malformed references refused. */
static void
test_parse_psi(void **state)
{
	size_t nf = ct_feat_count();
	struct ct_drift_hist *h = calloc(nf + 1, sizeof *h);
	char why[128];
	float *x, *y, *up;
	void *b;
	json_t *ref, *bad;

	(void)state;
	rows(&x, &y);
	b = booster(x, y, N, nf);
	ref = ct_drift_reference(x, y, N, nf, b);
	assert_int_equal(ct_drift_parse(ref, nf, h, why, sizeof why), 0);
	assert_true(h[0].use && h[nf].use && !h[nf - 1].use);
	for (size_t j = 0; j < nf; j++)
		if (h[j].use)
			assert_true(ct_drift_psi(&h[j], x + j, N, nf) < 0.01);
	up = malloc(N * sizeof *up);
	for (size_t r = 0; r < N; r++)
		up[r] = x[r * nf] + 0.5f;
	assert_true(ct_drift_psi(&h[0], up, N, 1) > 1);
	/* Half the values missing where none were. */
	for (size_t r = 0; r < N; r++)
		up[r] = r % 2 ? x[r * nf + 4] : NAN;
	assert_true(ct_drift_psi(&h[4], up, N, 1) > 1);

	bad = json_deep_copy(ref);
	json_object_set_new(bad, "version", json_integer(2));
	assert_int_equal(ct_drift_parse(bad, nf, h, why, sizeof why), -1);
	assert_string_equal(why, "not version 1");
	json_decref(bad);
	bad = json_deep_copy(ref);
	json_array_set_new(json_object_get(json_object_get(json_object_get(bad, "features"),
	    "vol_12"), "edges"), 0, json_real(1e9));
	assert_int_equal(ct_drift_parse(bad, nf, h, why, sizeof why), -1);
	assert_string_equal(why, "features.vol_12: missing or malformed");
	json_decref(bad);
	bad = json_deep_copy(ref);
	json_array_append_new(json_object_get(json_object_get(bad, "prediction"), "p"), json_real(0));
	assert_int_equal(ct_drift_parse(bad, nf, h, why, sizeof why), -1);
	assert_string_equal(why, "prediction: malformed");
	json_decref(bad);
	/* A feature marked a clock feature would be left out of the check. */
	bad = json_deep_copy(ref);
	json_object_set_new(json_object_get(bad, "features"), "vol_12", json_pack("{s:b}", "clock", 1));
	assert_int_equal(ct_drift_parse(bad, nf, h, why, sizeof why), -1);
	assert_string_equal(why, "features.vol_12: marked a clock feature, which it is not");
	json_decref(bad);
	bad = json_deep_copy(ref);
	json_object_set_new(bad, "base_rate", json_string("high"));
	assert_int_equal(ct_drift_parse(bad, nf, h, why, sizeof why), -1);
	assert_string_equal(why, "base_rate: not a share from 0 to 1, nor null");
	json_decref(bad);
	bad = json_deep_copy(ref);
	json_object_del(json_object_get(bad, "features"), "rsi_14");
	assert_int_equal(ct_drift_parse(bad, nf, h, why, sizeof why), -1);
	json_decref(bad);

	json_decref(ref);
	XGBoosterFree(b);
	free(h);
	free(up);
	free(x);
	free(y);
}

/* Chunked or in one piece, the same reference. */
static void
test_reference_chunked(void **state)
{
	size_t nf = ct_feat_count();
	struct ct_drift_builder bld;
	float *x, *y;
	void *b;
	json_t *one, *chunked;

	(void)state;
	rows(&x, &y);
	b = booster(x, y, N, nf);
	one = ct_drift_reference(x, y, N, nf, b);
	assert_int_equal(ct_drift_begin(&bld, nf), 0);
	for (size_t r = 0; r < N; r += 333)
		ct_drift_add_rows(&bld, x + r * nf, y + r, N - r < 333 ? N - r : 333);
	chunked = ct_drift_end(&bld, b);
	assert_true(json_equal(one, chunked));
	json_decref(one);
	json_decref(chunked);
	XGBoosterFree(b);
	free(x);
	free(y);
}

/* dir/sha256.txt as train-coin writes it, for drift.json and the other
 * files of a model directory (made empty when missing). */
static void
sums(const char *dir)
{
	static const char *const files[] = { "config.json", "costs.json", "drift.json",
		"metrics.json", "model.ubj", "split_indices.json", "training_log.json", NULL };
	char path[400], hex[CT_SHA256_HEX];
	FILE *fp, *out;

	snprintf(path, sizeof path, "%s/sha256.txt", dir);
	assert_non_null(out = fopen(path, "w"));
	for (int i = 0; files[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if ((fp = fopen(path, "a")) != NULL)
			fclose(fp);
		assert_int_equal(ct_sha256_file(path, hex), 0);
		fprintf(out, "%s  %s\n", hex, files[i]);
	}
	assert_int_equal(fclose(out), 0);
}

static void
test_carry(void **state)
{
	size_t nf = ct_feat_count();
	char parent[300], path[320];
	float *x, *y;
	void *b;
	json_t *ref, *carried, *again;

	(void)state;
	rows(&x, &y);
	b = booster(x, y, N, nf);
	snprintf(parent, sizeof parent, "%s/20260101_000000Z", tmpdir);
	assert_int_equal(mkdir(parent, 0777), 0);
	/* No reference: NULL, ENOENT (the caller makes one). */
	errno = 0;
	assert_null(ct_drift_carry(parent, b, x, N, nf));
	assert_int_equal(errno, ENOENT);
	ref = ct_drift_reference(x, y, N, nf, b);
	assert_int_equal(ct_drift_save(parent, ref), 0);
	/* Not vouched for by the parent's sha256.txt: not carried. */
	assert_null(ct_drift_carry(parent, b, x, 1000, nf));
	sums(parent);
	/* The update saw only the first 1000 rows. */
	carried = ct_drift_carry(parent, b, x, 1000, nf);
	assert_non_null(carried);
	assert_string_equal(json_string_value(json_object_get(carried, "carried_from")),
	    "20260101_000000Z");
	json_decref(ref);
	snprintf(path, sizeof path, "%s/drift.json", parent);
	assert_non_null(ref = json_load_file(path, 0, NULL));
	assert_true(json_equal(json_object_get(carried, "features"), json_object_get(ref, "features")));
	assert_true(json_equal(json_object_get(carried, "base_rate"), json_object_get(ref, "base_rate")));
	assert_false(json_equal(json_object_get(carried, "prediction"), json_object_get(ref, "prediction")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(carried, "prediction"),
	    "rows")), 1000);
	/* Carried again, it still names the fresh model. */
	assert_int_equal(ct_drift_save(parent, carried), 0);
	sums(parent);
	again = ct_drift_carry(parent, b, x, 1000, nf);
	assert_string_equal(json_string_value(json_object_get(again, "carried_from")),
	    "20260101_000000Z");
	json_decref(ref);
	json_decref(carried);
	json_decref(again);
	XGBoosterFree(b);
	free(x);
	free(y);
}

/* Correlation of each 12-candle log return with the next one, over
 * candles [from, to). */
static double
reversal(const struct ct_series *s, size_t from, size_t to)
{
	double sxy = 0, sxx = 0, syy = 0;

	for (size_t i = from + 12; i + 12 < to; i += 12) {
		double a = log(s->c[i].c / s->c[i - 12].c), b = log(s->c[i + 12].c / s->c[i].c);

		sxy += a * b;
		sxx += a * a;
		syy += b * b;
	}
	return sxy / sqrt(sxx * syy);
}

static double
vol(const struct ct_series *s, size_t from, size_t to)
{
	double v = 0;

	for (size_t i = from + 1; i < to; i++)
		v += pow(log(s->c[i].c / s->c[i - 1].c), 2);
	return sqrt(v / (double)(to - from - 1));
}

/* The regime series is the edge series until candle 3n/4; then three
 * times as volatile, with momentum instead of mean reversion. */
static void
test_synth_regime(void **state)
{
	struct ct_series e = { 0 }, r = { 0 };
	size_t n = 80000, at = CT_SYNTH_REGIME_AT(n);

	(void)state;
	assert_int_equal(ct_synth_kind("regime"), CT_SYNTH_REGIME);
	assert_int_equal(ct_synth(&e, CT_SYNTH_EDGE, 9, n, 3600000, 0), 0);
	assert_int_equal(ct_synth(&r, CT_SYNTH_REGIME, 9, n, 3600000, 0), 0);
	assert_int_equal(at, 60000);
	assert_memory_equal(e.c, r.c, at * sizeof *e.c);
	assert_memory_not_equal(e.c + at, r.c + at, sizeof *e.c);
	assert_true(fabs(vol(&r, at, n) / vol(&r, 0, at) - CT_SYNTH_REGIME_VOL) < 0.3);
	assert_true(reversal(&r, 0, at) < -0.1);
	assert_true(reversal(&r, at, n) > 0.1);
	ct_series_free(&e);
	ct_series_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psi),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_reference_chunked),
		cmocka_unit_test(test_parse_psi),
		cmocka_unit_test_setup_teardown(test_carry, setup, teardown),
		cmocka_unit_test(test_synth_regime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
