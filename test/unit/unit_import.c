/* unit_import.c — cmocka tests of the candle readers (lib/import.c) and
 * of the merge and its figures (lib/merge.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "candles.h"
#include "import.h"
#include "merge.h"

/* Parse text; returns the parser's result, rows in *s. */
static int
parse(const char *text, struct ct_series *s)
{
	memset(s, 0, sizeof *s);
	return ct_import_buf(text, strlen(text), "t", s);
}

static void
test_time_units(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(ct_time_to_ms(1637971200000LL, &ms), 0);
	assert_true(ms == 1637971200000LL);
	assert_int_equal(ct_time_to_ms(1735689600000000LL, &ms), 0);
	assert_true(ms == 1735689600000LL);
	assert_int_equal(ct_time_to_ms(1637971200LL, &ms), -1);	/* seconds */
	assert_int_equal(ct_time_to_ms(163797120000000LL, &ms), -1);	/* 15 digits */
	assert_int_equal(ct_time_to_ms(-1, &ms), -1);
}

static void
test_csv(void **state)
{
	struct ct_series s;

	(void)state;
	/* Binance dump rows: 12 columns, ms then µs, CRLF, no final newline. */
	assert_int_equal(parse("1637971200000,2.853e-05,2.854e-05,2.851e-05,2.854e-05,36304.2,1637971259999,1,79,1,1,0\r\n"
	    "1637971260000000,0.00002854,0.0000286,0.00002854,0.00002859,89196.6,1637971319999999,2,98,5,1,0", &s), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.c[1].t == 1637971260000LL);
	assert_true(s.c[1].h == 0.0000286);
	assert_true(s.c[0].v == 36304.2);
	ct_series_free(&s);
	/* Store CSV with its header and blank lines. */
	assert_int_equal(parse("open_time,open,high,low,close,volume\n\n1637971200000,1,2,0.5,1.5,0\n", &s), 0);
	assert_int_equal(s.n, 1);
	assert_true(s.c[0].l == 0.5 && s.c[0].v == 0);
	ct_series_free(&s);
	/* Header only: no rows, no error. */
	assert_int_equal(parse("Open time,Open,High,Low,Close,Volume\n", &s), 0);
	assert_int_equal(s.n, 0);
	ct_series_free(&s);
}

static void
test_json(void **state)
{
	struct ct_series s;

	(void)state;
	assert_int_equal(parse("[[1706630400000,\"43519.34\",\"43936.0\",\"43171.0\",\"43488.71\",\"20.55\",1706633999999,\"1\",3743,\"1\",\"1\",\"0\"]]", &s), 0);
	assert_int_equal(s.n, 1);
	assert_true(s.c[0].c == 43488.71);
	ct_series_free(&s);
	assert_int_equal(parse(" \n[ [1515568200000, 0.00010063, 0.00010124, 9.601e-05, 9.64e-05, 311618.2],\n"
	    "  [1515568500000, 9.64e-05, 9.7e-05, 9.6e-05, 9.65e-05, 0] ]\n", &s), 0);
	assert_int_equal(s.n, 2);
	assert_true(s.c[0].l == 9.601e-05);
	assert_true(s.c[1].v == 0);
	ct_series_free(&s);
	assert_int_equal(parse("[]", &s), 0);
	assert_int_equal(s.n, 0);
	ct_series_free(&s);
}

static void
test_bad(void **state)
{
	static const char *const bad[] = {
		"1637971200000,1,2,0.5,1.5\n",			/* 5 fields */
		"1637971200000,1,x,0.5,1.5,1\n",		/* not a number */
		"1637971200000,1,2,0.5,1.5,1\n1637971200000,1,2,0.5,1.5,1\n",	/* repeated */
		"1637971260000,1,2,0.5,1.5,1\n1637971200000,1,2,0.5,1.5,1\n",	/* descending */
		"1637971200000,-1,2,0.5,1.5,1\n",		/* negative */
		"1637971200000,1,0.4,0.5,0.45,1\n",		/* high < low */
		"1637971200000,1,2,0.5,1.5,-1\n",		/* negative volume */
		"1637971200000,nan,2,0.5,1.5,1\n",		/* nan */
		"1637971200,1,2,0.5,1.5,1\n",			/* seconds */
		"time,o,h,l,c,v\n",				/* unknown header */
		"[[1637971200000,1,2,0.5,1.5]]",		/* short JSON row */
		"[[1637971200000,1,2,0.5,1.5,1],]",		/* trailing comma */
		"[[1637971200000,1,2,0.5,1.5,1]",		/* unclosed */
		"[[1637971200000,1,2,0.5,1.5,1]] x",		/* trailing data */
		"[[1637971200000.5,1,2,0.5,1.5,1]]",		/* fractional ms */
		"[[1637971200000,true,2,0.5,1.5,1]]",		/* not a number */
		"{\"a\":1}",					/* not an array */
	};
	struct ct_series s;
	FILE *saved = stderr;

	(void)state;
	stderr = fopen("/dev/null", "w");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = parse(bad[i], &s);

		ct_series_free(&s);
		if (r != -1) {
			fclose(stderr);
			stderr = saved;
			fail_msg("accepted: %s", bad[i]);
		}
	}
	fclose(stderr);
	stderr = saved;
}

static void
test_merge(void **state)
{
	struct ct_series store = { 0 }, in = { 0 };
	struct ct_merge_stats st = { 0 };
	struct ct_candle c = { 0, 1, 2, 0.5, 1.5, 10 };

	(void)state;
	for (int i = 0; i < 5; i++) {
		c.t = 3600000LL * (i * 2);		/* 0h 2h 4h 6h 8h */
		ct_series_push(&store, &c);
	}
	for (int i = 0; i < 4; i++) {
		c.t = 3600000LL * (i * 3);		/* 0h 3h 6h 9h */
		c.v = i == 2 ? 11 : 10;			/* 6h disagrees */
		ct_series_push(&in, &c);
	}
	assert_int_equal(ct_merge(&store, &in, 0, &st), 0);
	assert_int_equal(store.n, 7);
	assert_int_equal(st.read, 4);
	assert_int_equal(st.added, 2);
	assert_int_equal(st.present, 1);
	assert_int_equal(st.conflicts, 1);
	assert_int_equal(st.replaced, 0);
	assert_true(st.conflict_t[0] == 6 * 3600000LL);
	assert_true(store.c[4].t == 6 * 3600000LL && store.c[4].v == 10);
	memset(&st, 0, sizeof st);
	assert_int_equal(ct_merge(&store, &in, 1, &st), 0);
	assert_int_equal(st.replaced, 1);
	assert_true(store.c[4].v == 11);
	for (size_t i = 1; i < store.n; i++)
		assert_true(store.c[i].t > store.c[i - 1].t);
	ct_series_free(&store);
	ct_series_free(&in);
}

static void
test_gaps(void **state)
{
	static const int64_t h[] = { 0, 1, 2, 5, 6, 8, 9 };	/* hours: gaps of 2 and 1 */
	struct ct_series s = { 0 };
	struct ct_candle c = { 0, 1, 2, 0.5, 1.5, 0 };
	struct ct_gap_stats g;
	int64_t step;

	(void)state;
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
		c.t = h[i] * 3600000;
		c.v = i % 2;
		ct_series_push(&s, &c);
	}
	/* an off-grid row 28 min past the hour, as after a Binance outage */
	c.t = 10 * 3600000 + 28 * 60000;
	ct_series_push(&s, &c);
	ct_gaps(&s, 3600000, &g);
	assert_int_equal(g.gaps, 2);
	assert_int_equal(g.missing, 3);
	assert_int_equal(g.longest, 2);
	assert_true(g.longest_from == 2 * 3600000 && g.longest_to == 5 * 3600000);
	assert_int_equal(g.zero_volume, 5);
	assert_int_equal(g.off_grid, 1);
	assert_int_equal(ct_fits_timeframe(&s, 3600000, &step), 0);
	assert_int_equal(ct_fits_timeframe(&s, 4 * 3600000, &step), -1);
	assert_true(step == 3600000);
	ct_series_free(&s);
}

/* The merger appends without parsing the store, loads it when a row
 * reaches back, and writes the same bytes either way. */
static void
test_merger(void **state)
{
	char path[] = "/tmp/ct-unit-merger-XXXXXX", *buf = NULL;
	struct ct_series a = { 0 }, b = { 0 };
	struct ct_candle c = { 0, 1, 2, 0.5, 1.5, 10 };
	struct ct_merger m;
	size_t len = 0;
	int64_t last;
	FILE *fp;
	int fd;

	(void)state;
	for (int i = 0; i < 6; i++) {
		c.t = 1600000000000LL + 60000LL * i;
		ct_series_push(i < 3 ? &a : &b, &c);
	}
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	assert_int_equal(ct_store_save(path, &a), 0);
	assert_int_equal(ct_merger_open(&m, path, 0, 0), 0);
	assert_int_equal(m.loaded, 0);
	assert_int_equal(m.disk_rows, 3);
	assert_int_equal(ct_merger_last(&m, &last), 1);
	assert_true(last == a.c[2].t);
	assert_int_equal(ct_merger_add(&m, &b), 0);
	assert_int_equal(m.loaded, 0);		/* appended */
	assert_int_equal(ct_merger_save(&m), 0);
	ct_merger_free(&m);
	/* The appended file is what writing all six rows gives. */
	for (size_t i = 0; i < b.n; i++)
		ct_series_push(&a, &b.c[i]);
	fp = open_memstream(&buf, &len);
	assert_int_equal(ct_store_write(fp, &a), 0);
	fclose(fp);
	assert_int_equal(ct_merger_open(&m, path, 0, 0), 0);
	assert_int_equal(m.disk_rows, 6);
	assert_int_equal(m.disklen, len);
	assert_memory_equal(m.disk, buf, len);
	/* A row reaching back loads the store. */
	assert_int_equal(ct_merger_add(&m, &b), 0);
	assert_int_equal(m.loaded, 1);
	assert_int_equal(m.st.read, 3);
	assert_int_equal(m.st.added, 0);
	assert_int_equal(m.st.present, 3);
	assert_int_equal(m.s.n, 6);
	ct_merger_free(&m);
	free(buf);
	unlink(path);
	ct_series_free(&a);
	ct_series_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_units),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_merger),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
