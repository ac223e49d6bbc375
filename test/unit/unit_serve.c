/* unit_serve.c — cmocka tests of the prediction cache (lib/cache) and of
 * predict's number formatting (lib/predict). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "cache.h"
#include "predict.h"
#include "timefmt.h"


static const char *
why(const char *text)
{
	static char buf[96];
	json_t *j = json_loads(text, 0, NULL);
	const char *r;

	assert_non_null(j);
	r = ct_cache_invalid(j, buf, sizeof buf);
	json_decref(j);
	return r;
}

#define GOOD "\"symbol\":\"BTCUSDT\",\"timeframe\":\"1h\",\"open_time\":\"2021-01-01T00:00:00Z\""

static void
test_invalid(void **state)
{
	(void)state;
	assert_null(why("{" GOOD ",\"prob_up\":0.5,\"signal\":\"long\"}"));
	assert_null(why("{" GOOD ",\"prob_up\":0,\"signal\":\"flat\"}"));
	assert_null(why("{" GOOD ",\"prob_up\":1,\"signal\":\"flat\",\"x\":[1]}"));
	assert_string_equal(why("[1]"), "not a JSON object");
	assert_string_equal(why("{\"symbol\":\"btc\"}"), "symbol: invalid \"btc\"");
	assert_string_equal(why("{\"symbol\":1}"), "symbol: missing or not a string");
	assert_string_equal(why("{\"symbol\":\"A\",\"timeframe\":\"2h\"}"), "timeframe: unknown \"2h\"");
	assert_string_equal(why("{\"symbol\":\"A\",\"timeframe\":\"1h\",\"open_time\":\"2021-13-01\"}"),
	    "open_time: missing or not ISO-8601 UTC");
	assert_string_equal(why("{" GOOD ",\"prob_up\":-0.1,\"signal\":\"long\"}"),
	    "prob_up: missing or not a number in [0,1]");
	assert_string_equal(why("{" GOOD ",\"prob_up\":\"0.5\",\"signal\":\"long\"}"),
	    "prob_up: missing or not a number in [0,1]");
	assert_string_equal(why("{" GOOD ",\"prob_up\":0.5,\"signal\":\"LONG\"}"),
	    "signal: missing or not \"long\" or \"flat\"");
}

/* What ct_cache_judge says of entry text judged at now as BTCUSDT's. */
static enum ct_cache_state
judge(const char *text, int64_t now, char *why, size_t n)
{
	json_t *j = json_loads(text, 0, NULL);
	enum ct_cache_state st;

	assert_non_null(j);
	why[0] = '\0';
	st = ct_cache_judge("e.json", "BTCUSDT", j, now, why, n);
	json_decref(j);
	return st;
}

#define EXP ",\"expires_at\":\"2023-11-14T22:14:20Z\""

static void
test_judge(void **state)
{
	int64_t now = 1700000000000;
	char w[128];

	(void)state;
	assert_int_equal(judge("{" GOOD ",\"prob_up\":0.5,\"signal\":\"long\"" EXP "}", now, w,
	    sizeof w), CT_CACHE_FRESH);
	assert_string_equal(w, "");
	assert_int_equal(judge("{" GOOD ",\"prob_up\":0.5,\"signal\":\"long\"" EXP "}",
	    now + 60000, w, sizeof w), CT_CACHE_EXPIRED);
	assert_int_equal(judge("{" GOOD ",\"prob_up\":0.5,\"signal\":\"long\"}", now, w, sizeof w),
	    CT_CACHE_BAD);
	assert_string_equal(w, "e.json: not a cache entry (no valid expires_at)");
	assert_int_equal(judge("{" GOOD ",\"prob_up\":\"high\",\"signal\":\"long\"" EXP "}", now,
	    w, sizeof w), CT_CACHE_BAD);
	assert_string_equal(w, "e.json: not a prediction: prob_up: missing or not a number in [0,1]");
	assert_int_equal(judge("{\"symbol\":\"ETHUSDT\",\"timeframe\":\"1h\","
	    "\"open_time\":\"2021-01-01T00:00:00Z\",\"prob_up\":0.5,\"signal\":\"long\"" EXP "}",
	    now, w, sizeof w), CT_CACHE_BAD);
	assert_string_equal(w, "e.json: the entry of ETHUSDT, not BTCUSDT");
}

static void
test_put_get_clear(void **state)
{
	json_t *pred = json_loads("{" GOOD ",\"prob_up\":0.25,\"signal\":\"flat\"}", 0, NULL);
	int64_t now = 1700000000000;
	json_t *e, *got;
	char *sym[] = { "BTCUSDT" };

	(void)state;
	assert_int_equal(ct_cache_get(tmpdir, "BTCUSDT", now, &got), CT_CACHE_MISSING);
	assert_null(got);
	e = ct_cache_put(tmpdir, pred, now, 60);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "cached_at")), "2023-11-14T22:13:20Z");
	assert_string_equal(json_string_value(json_object_get(e, "expires_at")), "2023-11-14T22:14:20Z");
	assert_int_equal(ct_cache_get(tmpdir, "BTCUSDT", now + 59000, &got), CT_CACHE_FRESH);
	assert_true(json_equal(e, got));
	json_decref(got);
	assert_int_equal(ct_cache_get(tmpdir, "BTCUSDT", now + 60000, &got), CT_CACHE_EXPIRED);
	assert_non_null(got);
	json_decref(got);
	assert_int_equal(ct_cache_entry_state(pred, now), CT_CACHE_BAD);
	assert_int_equal(ct_cache_get(tmpdir, "../x", now, &got), CT_CACHE_BAD);
	assert_int_equal(ct_cache_clear(tmpdir, sym, 1, 0), 0);
	assert_int_equal(ct_cache_get(tmpdir, "BTCUSDT", now, &got), CT_CACHE_MISSING);
	assert_int_equal(ct_cache_clear(tmpdir, sym, 1, 0), 0);
	json_decref(e);
	json_decref(pred);
}

static void
test_top(void **state)
{
	static const char *const syms[] = { "AUSDT", "BUSDT", "CUSDT" };
	static const double probs[] = { 0.2, 0.9, 0.5 };
	int64_t now = 1700000000000;
	json_t *top, *e;
	char line[256];

	(void)state;
	assert_int_equal(ct_cache_top(tmpdir, &top), CT_CACHE_MISSING);
	for (int i = 0; i < 3; i++) {
		json_t *p;

		snprintf(line, sizeof line, "{\"symbol\":\"%s\",\"timeframe\":\"1h\","
		    "\"open_time\":\"2021-01-01T00:00:00Z\",\"prob_up\":%g,\"signal\":\"flat\"}",
		    syms[i], probs[i]);
		p = json_loads(line, 0, NULL);
		/* AUSDT expires first: it must drop out of a later rebuild. */
		e = ct_cache_put(tmpdir, p, now, i == 0 ? 10 : 3600);
		assert_non_null(e);
		json_decref(e);
		json_decref(p);
	}
	assert_int_equal(ct_cache_top_rebuild(tmpdir, 0, now), 0);	/* no list kept yet */
	assert_int_equal(ct_cache_top(tmpdir, &top), CT_CACHE_MISSING);
	assert_int_equal(ct_cache_top_rebuild(tmpdir, 2, now), 0);
	assert_int_equal(ct_cache_top(tmpdir, &top), CT_CACHE_FRESH);
	assert_int_equal(json_array_size(top), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(top, 0), "symbol")), "BUSDT");
	assert_string_equal(json_string_value(json_object_get(json_array_get(top, 1), "symbol")), "CUSDT");
	json_decref(top);
	assert_int_equal(ct_cache_top_rebuild(tmpdir, 5, now + 20000), 0);
	assert_int_equal(ct_cache_top(tmpdir, &top), CT_CACHE_FRESH);
	assert_int_equal(json_array_size(top), 2);	/* AUSDT has expired */
	json_decref(top);
	assert_int_equal(ct_cache_clear(tmpdir, NULL, 0, 0), 0);
	assert_int_equal(ct_cache_top_rebuild(tmpdir, -1, now), 0);
	assert_int_equal(ct_cache_top(tmpdir, &top), CT_CACHE_MISSING);
}

/* Expiry arithmetic stays defined and inside four-digit years. */
static void
test_expiry(void **state)
{
	json_t *pred = json_loads("{" GOOD ",\"prob_up\":0.25,\"signal\":\"flat\"}", 0, NULL);
	int64_t now = 1700000000000, exp;

	(void)state;
	assert_int_equal(ct_cache_expiry(now, 60, &exp), 0);
	assert_true(exp == now + 60000);
	assert_int_equal(ct_cache_expiry(now, INT64_MAX / 1000, &exp), -1);
	assert_int_equal(ct_cache_expiry(now, -1, &exp), -1);
	assert_int_equal(ct_cache_expiry(0, CT_CACHE_MAX_EXPIRY_MS / 1000, &exp), 0);
	assert_true(exp == CT_CACHE_MAX_EXPIRY_MS);
	assert_int_equal(ct_cache_expiry(CT_CACHE_MAX_EXPIRY_MS - 1000, 1, &exp), 0);
	assert_int_equal(ct_cache_expiry(CT_CACHE_MAX_EXPIRY_MS - 999, 1, &exp), -1);
	assert_null(ct_cache_put(tmpdir, pred, now, INT64_MAX / 1000));
	assert_null(ct_cache_put(tmpdir, pred, now, 417000LL * 7 * 86400));
	json_decref(pred);
}

static void
test_fmt_float(void **state)
{
	char buf[32];
	uint32_t x = 12345;

	(void)state;
	assert_string_equal(ct_fmt_float(0.1f, buf), "0.1");
	assert_string_equal(ct_fmt_float(0.5234123f, buf), "0.5234123");
	assert_string_equal(ct_fmt_float(1.0f, buf), "1");
	assert_string_equal(ct_fmt_float(0.0f, buf), "0");
	/* Every float in [0,1) reads back exactly from at most 9 digits. */
	for (int i = 0; i < 100000; i++) {
		float f;

		x = x * 1664525u + 1013904223u;
		f = (float)(x >> 8) / 16777216.0f;
		ct_fmt_float(f, buf);
		assert_true(strtof(buf, NULL) == f);
		assert_true(strlen(buf) <= 16);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_judge),
		cmocka_unit_test_setup_teardown(test_put_get_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
		cmocka_unit_test(test_fmt_float),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
