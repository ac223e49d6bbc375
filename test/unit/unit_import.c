/* unit_import.c — cmocka tests of the candle readers (lib/import.c), the
 * store reader (lib/candles.c) and of the merge and its figures
 * (lib/merge.c). */
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
#include "tmpdir.h"

static char path[600];

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
		"[[1637971200000,1,2,0.5,1.5,1],",		/* unclosed after a comma */
		"[[1637971200000,1,2,0.5,1.5,1],\n ",
		"[",
		"[ \n",
		"[[1637971200000,1,2,0.5,1.5,1]] x",		/* trailing data */
		"[[1637971200000.5,1,2,0.5,1.5,1]]",		/* fractional ms */
		"[[1637971200000,true,2,0.5,1.5,1]]",		/* not a number */
		"{\"a\":1}",					/* not an array */
		"[[1600000000000,1e308,1e308,1e308,1e308,1]]",	/* features not finite */
		"1600000000000,1,2,0.5,1.5,1e300\n",		/* volume past the limit */
		"1600000000000,1e13,1e13,1e13,1e13,1\n",	/* price past the limit */
		"[[1e19,1,2,0.5,1.5,3]]",			/* time past int64 */
		"[[-1e300,1,2,0.5,1.5,3]]",
		"[[1600000000000,\"1\\u0000 0.5\",2,0.5,1.5,3]]",	/* NUL in a string */
		"1600000000000,1,2,0.5,1.5,1\r\nfoo\x1b[31m,1,2,0.5,1.5,1\n",
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
	/* "1\0 0.5" would read as 1.  (Its length is the array's: 36 read
	 * past the literal's end.) */
	static const char nul[] = "1600000000000,1\0 0.5,2,0.5,1.5,1\n";
	assert_int_equal(ct_import_buf(nul, sizeof nul - 1, "t", &s), -1);
	fclose(stderr);
	stderr = saved;
}

/* Control bytes of the input never reach the terminal. */
static void
test_escape(void **state)
{
	struct ct_series s = { 0 };
	char err[512] = "";
	FILE *saved = stderr;

	(void)state;
	stderr = fmemopen(err, sizeof err, "w");
	assert_int_equal(parse("[[1600000000000,1,2,0.5,1.5,1]\x1b[2J", &s), -1);
	ct_series_free(&s);
	assert_int_equal(parse("1600000000000,\x1b[31m,2,0.5,1.5,1\n", &s), -1);
	fclose(stderr);
	stderr = saved;
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "t:1: open: not a number: \"?[31m\""));
	ct_series_free(&s);
}

static void
test_names(void **state)
{
	char sym[40], tf[8];

	(void)state;
	assert_int_equal(ct_freqtrade_name("BTC_USDT-5m.json", sym, sizeof sym, tf, sizeof tf), 0);
	assert_string_equal(sym, "BTCUSDT");
	assert_string_equal(tf, "5m");
	assert_int_equal(ct_freqtrade_name("1000SHIB_USDT-1h.json.gz", sym, sizeof sym, tf, sizeof tf), 0);
	assert_string_equal(sym, "1000SHIBUSDT");
	assert_int_equal(ct_freqtrade_name("ETH_BTC-4h.feather", sym, sizeof sym, tf, sizeof tf), 0);
	assert_int_equal(ct_freqtrade_name("BTC_USDT-3m.json", sym, sizeof sym, tf, sizeof tf), -1);
	assert_int_equal(ct_freqtrade_name("BTC_USDT_USDT-1h-futures.json", sym, sizeof sym, tf, sizeof tf), -1);
	/* share/sample's names: SYMBOL-TF.json.xz */
	assert_int_equal(ct_freqtrade_name("BTCUSDT-1h.json.xz", sym, sizeof sym, tf, sizeof tf), 0);
	assert_string_equal(sym, "BTCUSDT");
	assert_int_equal(ct_freqtrade_name("BTCUSDT-1h.json.lz", sym, sizeof sym, tf, sizeof tf), -1);
	assert_int_equal(ct_freqtrade_name("btc_usdt-1h.json", sym, sizeof sym, tf, sizeof tf), -1);
	assert_int_equal(ct_freqtrade_name("BTC_USDT-1h.csv", sym, sizeof sym, tf, sizeof tf), -1);
	/* A name that says another coin or timeframe is refused (said on
	 * stderr); one of neither form is not judged. */
	assert_int_equal(ct_import_name_check("d/ADABTC-1m-2021-11-27.csv", "ADABTC", "1m"), 0);
	assert_int_equal(ct_import_name_check("ADABTC-1m-2021-11.zip", "ADABTC", "1m"), 0);
	assert_int_equal(ct_import_name_check("d/ADABTC-1m-2021-11-27.csv", "BTCUSDT", "1m"), -1);
	assert_int_equal(ct_import_name_check("ADABTC-1m-2021-11.zip", "ADABTC", "5m"), -1);
	/* A download gzipped again is checked as the .csv is. */
	assert_int_equal(ct_import_name_check("ETHUSDT-1m-2021-11-27.csv.gz", "ADABTC", "1m"), -1);
	assert_int_equal(ct_import_name_check("ETHUSDT-1m-2021-11.csv.xz", "ETHUSDT", "5m"), -1);
	assert_int_equal(ct_import_name_check("ETHUSDT-1m-2021-11-27.csv.zst", "ETHUSDT", "1m"), 0);
	assert_int_equal(ct_import_name_check("ETHUSDT-1m-2021-11-27.zip.gz", "X", "1h"), 0);
	assert_int_equal(ct_import_name_check("ETH_USDT-1h.json.gz", "BTCUSDT", "1h"), -1);
	assert_int_equal(ct_import_name_check("ETH_USDT-1h.json.gz", "ETHUSDT", "1h"), 0);
	assert_int_equal(ct_import_name_check("ADABTC-1m-2021-11-27.csv.bak", "X", "1h"), 0);
	assert_int_equal(ct_import_name_check("ADABTC-1m-21-11-27.csv", "X", "1h"), 0);
	assert_int_equal(ct_import_name_check("ADABTC-1m-2021x11-27.csv", "X", "1h"), 0);
	assert_int_equal(ct_import_name_check("my-export-2021-11.csv", "X", "1h"), 0);
	assert_int_equal(ct_import_name_check("-", "X", "1h"), 0);
}

/* A store at path holding hours h[0..n) (volume v), and a merger on it. */
static void
store_of(const char *path, const int *h, size_t n, double v)
{
	struct ct_series s = { 0 };
	struct ct_candle c = { 0, 1, 2, 0.5, 1.5, 10 };

	for (size_t i = 0; i < n; i++) {
		c.t = 3600000LL * h[i];
		c.v = v;
		ct_series_push(&s, &c);
	}
	assert_int_equal(ct_store_save(path, &s), 0);
	ct_series_free(&s);
}

static void
put_hours(struct ct_merger *m, const char *label, const int *h, size_t n, double v, int new_source)
{
	struct ct_candle c = { 0, 1, 2, 0.5, 1.5, 10 };

	if (new_source)
		assert_int_equal(ct_merger_source(m, label), 0);
	assert_int_equal(ct_merger_run(m, label), 0);
	for (size_t i = 0; i < n; i++) {
		c.t = 3600000LL * h[i];
		c.v = h[i] == 6 ? v : 10;
		assert_int_equal(ct_merger_put(m, &c), 0);
	}
}

/* The rows of the store at path. */
static void
load(const char *path, struct ct_series *s)
{
	int exists;

	memset(s, 0, sizeof *s);
	assert_int_equal(ct_store_load(path, s, &exists), 0);
	assert_int_equal(exists, 1);
}

static void
test_merge(void **state)
{
	static const int st_h[] = { 0, 2, 4, 6, 8 }, in_h[] = { 0, 3, 6, 9 };
	struct ct_merger m;
	struct ct_series s;

	(void)state;
	snprintf(path, sizeof path, "%s/1h.csv", tmpdir);
	store_of(path, st_h, 5, 10);
	assert_int_equal(ct_merger_open(&m, path, "1h", 0, 0), 0);
	put_hours(&m, "in", in_h, 4, 11, 1);	/* 6h disagrees */
	assert_int_equal(ct_merger_end(&m, 0), 0);
	assert_int_equal(ct_merger_save(&m), 0);
	assert_int_equal(m.st.read, 4);
	assert_int_equal(m.st.added, 2);
	assert_int_equal(m.st.present, 1);
	assert_int_equal(m.st.conflicts, 1);
	assert_int_equal(m.st.replaced, 0);
	assert_true(m.st.conflict_t[0] == 6 * 3600000LL);
	ct_merger_free(&m);
	load(path, &s);
	assert_int_equal(s.n, 7);
	assert_true(s.c[4].t == 6 * 3600000LL && s.c[4].v == 10);
	ct_series_free(&s);
	assert_int_equal(ct_merger_open(&m, path, "1h", 1, 0), 0);
	put_hours(&m, "in", in_h, 4, 11, 1);
	assert_int_equal(ct_merger_save(&m), 0);
	assert_int_equal(m.st.replaced, 1);
	ct_merger_free(&m);
	load(path, &s);
	assert_true(s.c[4].v == 11);
	for (size_t i = 1; i < s.n; i++)
		assert_true(s.c[i].t > s.c[i - 1].t);
	ct_series_free(&s);
}

/* Two sources at one open time: the second is compared with what the
 * first left, as if merged one after the other; members of one source
 * that agree count once, members that disagree are an error. */
static void
test_sources(void **state)
{
	static const int a[] = { 6, 7 }, b[] = { 5, 6 };
	struct ct_merger m;
	FILE *saved = stderr;

	(void)state;
	snprintf(path, sizeof path, "%s/1h.csv", tmpdir);
	assert_int_equal(ct_merger_open(&m, path, "1h", 0, 0), 0);
	put_hours(&m, "one", a, 2, 10, 1);
	put_hours(&m, "two", b, 2, 11, 1);
	assert_int_equal(ct_merger_save(&m), 0);
	assert_int_equal(m.st.read, 4);
	assert_int_equal(m.st.added, 3);
	assert_int_equal(m.st.conflicts, 1);
	assert_int_equal(m.out_n, 3);
	ct_merger_free(&m);
	unlink(path);
	assert_int_equal(ct_merger_open(&m, path, "1h", 0, 0), 0);
	put_hours(&m, "z(a)", a, 2, 10, 1);
	put_hours(&m, "z(b)", b, 2, 10, 0);	/* in any order, agreeing */
	assert_int_equal(ct_merger_end(&m, 1), 0);
	assert_int_equal(ct_merger_save(&m), 0);
	assert_int_equal(m.st.read, 3);
	assert_int_equal(m.st.added, 3);
	ct_merger_free(&m);
	unlink(path);
	assert_int_equal(ct_merger_open(&m, path, "1h", 0, 0), 0);
	put_hours(&m, "z(a)", a, 2, 10, 1);
	put_hours(&m, "z(b)", b, 2, 11, 0);
	stderr = fopen("/dev/null", "w");
	assert_int_equal(ct_merger_end(&m, 1), -1);
	fclose(stderr);
	stderr = saved;
	ct_merger_free(&m);
}

static void
test_gaps(void **state)
{
	static const int64_t h[] = { 0, 1, 2, 5, 6, 8, 9 };	/* hours: gaps of 2 and 1 */
	struct ct_candle c = { 0, 1, 2, 0.5, 1.5, 0 };
	struct ct_gap_stats g = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
		c.t = h[i] * 3600000;
		c.v = i % 2;
		ct_gap_add(&g, &c, 3600000);
	}
	/* an off-grid row 28 min past the hour, as after a Binance outage */
	c.t = 10 * 3600000 + 28 * 60000;
	ct_gap_add(&g, &c, 3600000);
	assert_int_equal(g.gaps, 2);
	assert_int_equal(g.missing, 3);
	assert_int_equal(g.longest, 2);
	assert_true(g.longest_from == 2 * 3600000 && g.longest_to == 5 * 3600000);
	assert_int_equal(g.zero_volume, 5);
	assert_int_equal(g.off_grid, 1);
}

/* Steps of rows against a timeframe: mostly closer, or mostly a whole
 * multiple apart, is another timeframe; mostly one candle, with outages,
 * fits. */
/* Nine steps of one hour and one of three, against timeframe tf_ms. */
static enum ct_tf_verdict
hourly(int64_t tf_ms, int64_t *typ)
{
	struct ct_steps s;

	memset(&s, 0, sizeof s);
	for (int i = 0; i < 10; i++)
		ct_steps_add(&s, i == 3 ? 3 * 3600000 : 3600000, tf_ms);
	return ct_steps_verdict(&s, tf_ms, typ);
}

static void
test_steps(void **state)
{
	struct ct_steps s;
	int64_t typ;

	(void)state;
	assert_int_equal(hourly(3600000, &typ), CT_TF_FITS);
	assert_true(typ == 3600000);
	assert_int_equal(hourly(4 * 3600000, &typ), CT_TF_SMALLER);
	assert_int_equal(hourly(300000, &typ), CT_TF_LARGER);
	memset(&s, 0, sizeof s);
	for (int i = 0; i < 10; i++)
		ct_steps_add(&s, 90000, 60000);
	assert_int_equal(ct_steps_verdict(&s, 60000, &typ), CT_TF_SPARSE);
	assert_true(typ == 90000);
	memset(&s, 0, sizeof s);
	assert_int_equal(ct_steps_verdict(&s, 60000, &typ), CT_TF_FITS);
}

/* The merger appends without parsing the store, merges when a row
 * reaches back, and writes the same bytes either way; beyond what it
 * spools in memory it spools on disk with the same result. */
static void
test_merger(void **state)
{
	static const int a[] = { 0, 1, 2 }, b[] = { 3, 4, 5 }, all[] = { 0, 1, 2, 3, 4, 5 };
	struct ct_merger m;
	struct ct_series s;
	char other[600], *buf = NULL;
	size_t len = 0;
	int64_t last;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof path, "%s/1h.csv", tmpdir);
	snprintf(other, sizeof other, "%s/all.csv", tmpdir);
	store_of(path, a, 3, 10);
	store_of(other, all, 6, 10);
	assert_int_equal(ct_merger_open(&m, path, "1h", 0, 0), 0);
	assert_int_equal(m.stored, 3);
	assert_int_equal(ct_merger_last(&m, &last), 1);
	assert_true(last == 2 * 3600000LL);
	put_hours(&m, "b", b, 3, 10, 1);
	assert_int_equal(ct_merger_save(&m), 0);
	assert_int_equal(m.st.added, 3);
	assert_int_equal(m.gaps.rows, 4);	/* the stored row before, and the three */
	ct_merger_free(&m);
	load(path, &s);
	assert_int_equal(s.n, 6);
	ct_series_free(&s);
	/* A row reaching back: the whole store is read and written. */
	assert_int_equal(ct_merger_open(&m, path, "1h", 0, 0), 0);
	put_hours(&m, "b", b, 3, 10, 1);
	fp = open_memstream(&buf, &len);
	assert_int_equal(ct_merger_write(&m, fp), 0);
	fclose(fp);
	assert_int_equal(m.st.present, 3);
	assert_int_equal(m.st.added, 0);
	ct_merger_free(&m);
	load(other, &s);
	fp = fopen(other, "r");
	{
		char want[4096];
		size_t n = fread(want, 1, sizeof want, fp);

		assert_int_equal(n, len);
		assert_memory_equal(want, buf, len);
	}
	fclose(fp);
	free(buf);
	ct_series_free(&s);
}

/* 300,000 rows spill the spool to disk; merged into a store they reach
 * back into, the result is every row once, sorted. */
static void
test_spill(void **state)
{
	struct ct_series st = { 0 }, s;
	struct ct_candle c = { 0, 1, 2, 0.5, 1.5, 10 };
	struct ct_merger m;

	(void)state;
	snprintf(path, sizeof path, "%s/1m.csv", tmpdir);
	for (int i = 0; i < 1000; i++) {
		c.t = 1600000000000LL + 60000LL * (i * 2);
		ct_series_push(&st, &c);
	}
	assert_int_equal(ct_store_save(path, &st), 0);
	assert_int_equal(ct_merger_open(&m, path, "1m", 0, 0), 0);
	assert_int_equal(ct_merger_source(&m, "big"), 0);
	assert_int_equal(ct_merger_run(&m, "big"), 0);
	for (int i = 0; i < 300000; i++) {
		c.t = 1600000000000LL + 60000LL * i;
		assert_int_equal(ct_merger_put(&m, &c), 0);
	}
	assert_non_null(m.in.spool);
	assert_int_equal(ct_merger_end(&m, 1), 0);
	assert_int_equal(ct_merger_save(&m), 0);
	assert_int_equal(m.st.added, 299000);
	assert_int_equal(m.st.present, 1000);
	ct_merger_free(&m);
	load(path, &s);
	assert_int_equal(s.n, 300000);
	for (size_t i = 1; i < s.n; i++)
		assert_true(s.c[i].t == s.c[i - 1].t + 60000);
	ct_series_free(&s);
	ct_series_free(&st);
}

/* The store reader: a NUL byte, a price past the limit, and an error in
 * the tail named by the file's own line number. */
static void
test_store(void **state)
{
	static const char nul[] = "open_time,open,high,low,close,volume\n1,1\0 0.5,2,0.5,1.5,1\n";
	static const char *const bad[] = {
		"open_time,open,high,low,close,volume\n1,1e308,1e308,1e308,1e308,1\n",
		"open_time,open,high,low,close,volume\n1,1,2,1e-13,1.5,1\n",
		"open_time,open,high,low,close,volume\n1,1,2,0.5,1.5,1e19\n",
	};
	struct ct_series s = { 0 };
	char err[512] = "";
	FILE *saved = stderr, *fp;

	(void)state;
	stderr = fopen("/dev/null", "w");
	assert_int_equal(ct_store_parse(nul, sizeof nul - 1, "t.csv", &s), -1);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(ct_store_parse(bad[i], strlen(bad[i]), "t.csv", &s), -1);
	fclose(stderr);
	assert_int_equal(s.n, 0);
	snprintf(path, sizeof path, "%s/tail.csv", tmpdir);
	fp = fopen(path, "w");
	fputs(CT_STORE_HEADER "\n", fp);
	for (int i = 0; i < 1000; i++)
		fprintf(fp, "%d,1,2,0.5,1.5,%s\n", 1000 + i, i == 995 ? "x" : "1");
	fclose(fp);
	stderr = fmemopen(err, sizeof err, "w");
	assert_int_equal(ct_store_tail(path, 10, &s), -1);
	fclose(stderr);
	stderr = saved;
	assert_non_null(strstr(err, "tail.csv:997: volume: not a number"));
	ct_series_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_units),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_escape),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sources, setup, teardown),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_steps),
		cmocka_unit_test_setup_teardown(test_merger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store, setup, teardown),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
