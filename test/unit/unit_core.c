/* unit_core.c — cmocka tests of parsing, paths, atomic writes, times and
 * the candle store. */
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
#include <sys/sysmacros.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "atomic.h"
#include "candles.h"
#include "coinstatus.h"
#include "evlog.h"
#include "home.h"
#include "parse.h"
#include "sortf.h"
#include "storescan.h"
#include "text.h"
#include "timefmt.h"


static void
test_parse_long(void **state)
{
	long v;

	(void)state;
	assert_int_equal(ct_parse_long("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(ct_parse_long("", 0, 100, &v), -1);
	assert_int_equal(ct_parse_long("4x", 0, 100, &v), -1);
	assert_int_equal(ct_parse_long(" 4", 0, 100, &v), -1);
	assert_int_equal(ct_parse_long("101", 0, 100, &v), -1);
	assert_int_equal(ct_parse_long("99999999999999999999999", 0, 100, &v), -1);
}

static void
test_parse_double(void **state)
{
	double d;

	(void)state;
	assert_int_equal(ct_parse_double("9.601e-05", &d), 0);
	assert_true(d == 9.601e-05);
	assert_int_equal(ct_parse_double("nan", &d), -1);
	assert_int_equal(ct_parse_double("inf", &d), -1);
	assert_int_equal(ct_parse_double("0x10", &d), -1);
	assert_int_equal(ct_parse_double("1.5 ", &d), -1);
	assert_int_equal(ct_parse_double("1e999", &d), -1);
}

static void
test_durations(void **state)
{
	int64_t s;
	long n;

	(void)state;
	assert_int_equal(ct_parse_dur("90s", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(ct_parse_dur("6h", &s), 0);
	assert_int_equal(s, 21600);
	assert_int_equal(ct_parse_dur("7d", &s), 0);
	assert_int_equal(s, 604800);
	assert_int_equal(ct_parse_dur("7", &s), -1);
	assert_int_equal(ct_parse_dur("7dd", &s), -1);
	assert_int_equal(ct_parse_dur("-1h", &s), -1);
	assert_int_equal(ct_tf_ms("5m"), 300000);
	assert_int_equal(ct_tf_ms("2m"), -1);
	assert_int_equal(ct_parse_lookback("180d", "5m", &n), 0);
	assert_int_equal(n, 180 * 288);
	assert_int_equal(ct_parse_lookback("10000", "1h", &n), 0);
	assert_int_equal(n, 10000);
	assert_int_equal(ct_parse_lookback("1m", "1h", &n), -1);
	/* A duration has the same ceiling as a count. */
	assert_int_equal(ct_parse_lookback("100000001", "1m", &n), -1);
	assert_int_equal(ct_parse_lookback("2000000w", "1m", &n), -1);
}

static void
test_symbols(void **state)
{
	(void)state;
	assert_true(ct_symbol_ok("BTCUSDT"));
	assert_true(ct_symbol_ok("1INCH-USD.P_2"));
	assert_false(ct_symbol_ok("btcusdt"));
	assert_false(ct_symbol_ok("../etc"));
	assert_false(ct_symbol_ok(".HIDDEN"));
	assert_false(ct_symbol_ok("A/B"));
	assert_false(ct_symbol_ok(""));
	assert_true(ct_symbol_ok("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"));
	assert_false(ct_symbol_ok("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"));
	assert_true(ct_run_ok("20251112T0600Z-incremental"));
	assert_false(ct_run_ok("20251112T0600Z-"));
	assert_false(ct_run_ok("2025111T0600Z-full"));
	assert_false(ct_run_ok("20251112T0600Z-full/../x"));
	/* The time must exist: it orders the runs. */
	assert_true(ct_run_ok("20240229T2359Z-full"));
	assert_false(ct_run_ok("20230229T0600Z-full"));
	assert_false(ct_run_ok("20251399T0600Z-full"));
	assert_false(ct_run_ok("20251100T0600Z-full"));
	assert_false(ct_run_ok("20251112T2400Z-full"));
	assert_false(ct_run_ok("20251112T0660Z-full"));
}

static void
test_times(void **state)
{
	char b[CT_ISO_LEN];
	int64_t ms;

	(void)state;
	assert_string_equal(ct_iso8601(1762927200000LL, b), "2025-11-12T06:00:00Z");
	assert_string_equal(ct_stamp(1762927200000LL, b), "20251112_060000Z");
	assert_string_equal(ct_run_stamp(1762927200000LL, b), "20251112T0600Z");
	assert_int_equal(ct_parse_iso8601("2025-11-12T06:00:00Z", &ms), 0);
	assert_int_equal(ms, 1762927200000LL);
	assert_int_equal(ct_parse_iso8601("2024-02-29", &ms), 0);
	assert_int_equal(ms, 1709164800000LL);
	assert_int_equal(ct_parse_iso8601("2025-13-01", &ms), -1);
	assert_int_equal(ct_parse_iso8601("2025-11-12 06:00:00", &ms), -1);
	/* Days a month does not have, and digits sscanf alone would let by. */
	assert_int_equal(ct_parse_iso8601("2023-02-29", &ms), -1);
	assert_int_equal(ct_parse_iso8601("2025-04-31", &ms), -1);
	assert_int_equal(ct_parse_iso8601("2025- 1-12", &ms), -1);
	assert_int_equal(ct_parse_iso8601("+025-11-12", &ms), -1);
	assert_int_equal(ct_parse_iso8601("2025-11-12T-6:00:00Z", &ms), -1);
	assert_int_equal(ct_parse_iso8601("2025-12-31T23:59:59Z", &ms), 0);
	assert_int_equal(ms, 1767225599000LL);
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' || strncmp(e->d_name, ".f.", 3) == 0)
			n++;
	closedir(d);
	return n;
}

static void
test_atomic(void **state)
{
	char path[512], buf[64];
	struct ct_afile af;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof path, "%s/f", tmpdir);
	assert_int_equal(ct_write_atomic(path, "old\n", 4), 0);
	/* An aborted write leaves the old file and no temporary. */
	assert_int_equal(ct_afile_open(&af, path), 0);
	fputs("new\n", af.fp);
	ct_afile_abort(&af);
	assert_int_equal(count_entries(tmpdir), 1);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof buf, fp));
	fclose(fp);
	assert_string_equal(buf, "old\n");
	/* A write into a missing directory fails and creates nothing. */
	snprintf(path, sizeof path, "%s/nodir/f", tmpdir);
	assert_int_equal(ct_write_atomic(path, "x", 1), -1);
	assert_int_equal(errno, ENOENT);
}

/* path must still be of type fmt (S_IFIFO...) after a refused write. */
static void
assert_refused(const char *path, int err, mode_t fmt)
{
	struct stat st;

	errno = 0;
	assert_int_equal(ct_write_atomic(path, "x", 1), -1);
	assert_int_equal(errno, err);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & S_IFMT, fmt);
}

static void
test_atomic_special(void **state)
{
	char path[512], dir[512], buf[512];
	struct ct_afile af;
	struct stat st;

	(void)state;
	/* Nothing but a regular file is replaced: not a FIFO (lstat never
	 * opens it, so nothing blocks), a link, a directory, a device. */
	snprintf(path, sizeof path, "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_refused(path, EEXIST, S_IFIFO);
	assert_string_equal(ct_afile_strerror(EEXIST), "not a regular file");
	snprintf(path, sizeof path, "%s/link", tmpdir);
	assert_int_equal(symlink("f", path), 0);
	assert_refused(path, EEXIST, S_IFLNK);
	snprintf(buf, sizeof buf, "%s/f", tmpdir);
	assert_int_equal(stat(buf, &st), -1);	/* nor was its target made */
	snprintf(path, sizeof path, "%s/dir", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_refused(path, EISDIR, S_IFDIR);
	snprintf(path, sizeof path, "%s/null", tmpdir);
	if (mknod(path, S_IFCHR | 0600, makedev(1, 3)) == 0)	/* as root */
		assert_refused(path, EEXIST, S_IFCHR);
	/* A FIFO that takes the name while the temporary is written. */
	snprintf(path, sizeof path, "%s/late", tmpdir);
	assert_int_equal(ct_afile_open(&af, path), 0);
	fputs("new\n", af.fp);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(ct_afile_commit(&af), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	/* Links above the file (a data home on another disk) are followed. */
	snprintf(dir, sizeof dir, "%s/dir", tmpdir);
	snprintf(path, sizeof path, "%s/home", tmpdir);
	assert_int_equal(symlink(dir, path), 0);
	snprintf(path, sizeof path, "%s/home/f", tmpdir);
	assert_int_equal(ct_write_atomic(path, "x", 1), 0);
	snprintf(path, sizeof path, "%s/dir/f", tmpdir);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(count_entries(tmpdir), 6);	/* no temporary left */
}

/* Insert text before the row k rows from the end of the file at path. */
static void
blank_lines_before_row(const char *path, int k, const char *text)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long len, at;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	for (at = len - 1; at > 0 && k >= 0; at--)
		if (buf[at - 1] == '\n')
			k--;
	fp = fopen(path, "wb");
	assert_non_null(fp);
	fwrite(buf, 1, (size_t)at + 1, fp);
	fputs(text, fp);
	fwrite(buf + at + 1, 1, (size_t)(len - at - 1), fp);
	fclose(fp);
	free(buf);
}

static void
test_store_roundtrip(void **state)
{
	struct ct_series s = { 0 }, back = { 0 }, tail = { 0 };
	char path[512];
	int exists = 1;

	(void)state;
	snprintf(path, sizeof path, "%s/candles/BTCUSDT/5m.csv", tmpdir);
	assert_int_equal(ct_store_load(path, &s, &exists), 0);
	assert_int_equal(exists, 0);
	for (int i = 0; i < 5000; i++) {
		struct ct_candle c = { 1600000000000LL + i * 300000LL, 100.1 + i * 0.01,
			101.3 + i * 0.01, 99.7 + i * 0.01, 100.9 + i * 0.01, 0.1 * i };
		assert_int_equal(ct_series_push(&s, &c), 0);
	}
	assert_int_equal(ct_store_save(path, &s), 0);
	assert_int_equal(ct_store_load(path, &back, &exists), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(back.n, s.n);
	assert_memory_equal(back.c, s.c, s.n * sizeof *s.c);
	assert_int_equal(ct_store_tail(path, 300, &tail), 0);
	assert_int_equal(tail.n, 300);
	assert_memory_equal(tail.c, s.c + s.n - 300, 300 * sizeof *s.c);
	ct_series_free(&tail);
	/* Asking for more rows than there are gives them all. */
	assert_int_equal(ct_store_tail(path, 9000, &tail), 0);
	assert_int_equal(tail.n, s.n);
	ct_series_free(&tail);
	/* Empty lines among the last rows (a hand edit) hold none: the tail
	 * still has the rows asked for. */
	blank_lines_before_row(path, 100, "\n\n\r\n");
	assert_int_equal(ct_store_tail(path, 300, &tail), 0);
	assert_int_equal(tail.n, 300);
	assert_memory_equal(tail.c, s.c + s.n - 300, 300 * sizeof *s.c);
	ct_series_free(&tail);
	ct_series_free(&back);
	ct_series_free(&s);
}

static void
test_store_errors(void **state)
{
	struct ct_series s = { 0 };
	static const char *bad[] = {
		"open_time,open,high,low,close\n1,1,1,1,1\n",
		"open_time,open,high,low,close,volume\n1,1,1,1,1,1\n1,1,1,1,1,1\n",
		"open_time,open,high,low,close,volume\n1,1,0.5,1,1,1\n",
		"open_time,open,high,low,close,volume\n1,-1,1,-1,1,1\n",
		"open_time,open,high,low,close,volume\n1,1,1,1,1,abc\n",
		"open_time,open,high,low,close,volume\n1,1,1,1\n",
		"",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(ct_store_parse(bad[i], strlen(bad[i]), "t.csv", &s), -1);
		ct_series_free(&s);
	}
	assert_int_equal(ct_store_parse("open_time,open,high,low,close,volume,trades\n5,1,2,0.5,1.5,3,7\n",
	    62, "t.csv", &s), 0);
	assert_int_equal(s.n, 1);
	assert_true(s.c[0].h == 2 && s.c[0].v == 3);
	ct_series_free(&s);
}

static void
test_fmt_double(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(ct_fmt_double(19695.87, b), "19695.87");
	assert_string_equal(ct_fmt_double(9.601e-05, b), "9.601e-05");
	assert_string_equal(ct_fmt_double(0.1, b), "0.1");
	assert_true(strtod(ct_fmt_double(7267451.9000000004, b), NULL) == 7267451.9000000004);
}

static void
test_evlog(void **state)
{
	char path[512], line[512];
	json_t *o;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof path, "%s/logs/R/engine.log", tmpdir);
	assert_int_equal(ct_evlog(path, "R", "job_started", json_pack("{s:i}", "coins", 3)), 0);
	assert_int_equal(ct_evlog(path, "R", "job_completed", NULL), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof line, fp));
	o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "event")), "job_started");
	assert_int_equal(json_integer_value(json_object_get(o, "coins")), 3);
	json_decref(o);
	assert_non_null(fgets(line, sizeof line, fp));
	assert_null(fgets(line, sizeof line, fp));
	fclose(fp);
}

/* A torn last line (left by an older writer, or one whose ftruncate
 * failed) stays a line of its own: the next event starts on a new line. */
static void
test_evlog_torn(void **state)
{
	char path[512], line[512];
	json_t *o;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof path, "%s/engine.log", tmpdir);
	fp = fopen(path, "w");
	fputs("{\"ts\":\"2025-11-12T06:00:00Z\",\"ev", fp);
	fclose(fp);
	assert_int_equal(ct_evlog(path, "R", "job_completed", NULL), 0);
	fp = fopen(path, "r");
	assert_non_null(fgets(line, sizeof line, fp));
	assert_string_equal(line, "{\"ts\":\"2025-11-12T06:00:00Z\",\"ev\n");
	assert_non_null(fgets(line, sizeof line, fp));
	o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "event")), "job_completed");
	json_decref(o);
	fclose(fp);
	/* never through a symlink */
	snprintf(line, sizeof line, "%s/link.log", tmpdir);
	assert_int_equal(symlink(path, line), 0);
	assert_int_equal(ct_evlog(line, "R", "x", NULL), -1);
	assert_int_equal(errno, ELOOP);
}

/* The scanner's window of the last n rows equals the same rows of the
 * whole store, at every kind of offset: within the first block of
 * snapshots, exactly on one, and past one. */
static void
test_scan_window(void **state)
{
	static const size_t want[] = { 1, 999, 65535, 65536, 65537, 69999, 70000, 0 };
	struct ct_series s = { 0 }, got = { 0 };
	char path[512];

	(void)state;
	snprintf(path, sizeof path, "%s/candles/SCAN/1m.csv", tmpdir);
	for (int i = 0; i < 70000; i++) {
		struct ct_candle c = { 1600000000000LL + i * 60000LL, 100.5, 101.5, 99.5, 100.75,
			(double)i };
		assert_int_equal(ct_series_push(&s, &c), 0);
	}
	assert_int_equal(ct_store_save(path, &s), 0);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		size_t n = want[i] ? want[i] : s.n;

		assert_int_equal(ct_scan_load(path, want[i], &got), 0);
		assert_int_equal(got.n, n);
		assert_memory_equal(got.c, s.c + s.n - n, n * sizeof *s.c);
		ct_series_free(&got);
	}
	ct_series_free(&s);
}

/* Reading up to a time: the last n rows of those <= until, as if the
 * store ended there; the rows after it counted, blank lines not;
 * the digest that of the rows read. */
static void
test_scan_until(void **state)
{
	struct ct_series s = { 0 }, got = { 0 };
	struct ct_scan sc;
	char path[512], d1[65], d2[65];
	const int64_t t0 = 1600000000000LL;
	FILE *f;

	(void)state;
	snprintf(path, sizeof path, "%s/candles/UNTIL/1m.csv", tmpdir);
	for (int i = 0; i < 3000; i++) {
		struct ct_candle c = { t0 + i * 60000LL, 100.5, 101.5, 99.5, 100.75, (double)i };

		assert_int_equal(ct_series_push(&s, &c), 0);
	}
	s.n = 2000;
	assert_int_equal(ct_store_save(path, &s), 0);
	assert_int_equal(ct_scan_open(&sc, path, 500), 0);
	while (ct_scan_next(&sc, &got) > 0)
		;
	ct_scan_digest(&sc, d1);
	ct_scan_close(&sc);
	ct_series_free(&got);
	/* 1000 candles later, and blank lines at the end. */
	s.n = 3000;
	assert_int_equal(ct_store_save(path, &s), 0);
	assert_non_null(f = fopen(path, "a"));
	fputs("\n\n", f);
	fclose(f);
	assert_int_equal(ct_scan_open_until(&sc, path, 500, t0 + 1999 * 60000LL), 0);
	assert_int_equal(sc.later, 1000);
	assert_int_equal(sc.rows, 500);
	while (ct_scan_next(&sc, &got) > 0)
		;
	ct_scan_digest(&sc, d2);
	ct_scan_close(&sc);
	assert_int_equal(got.n, 500);
	assert_memory_equal(got.c, s.c + 1500, 500 * sizeof *s.c);
	assert_string_equal(d1, d2);
	ct_series_free(&got);
	/* Between two candles: the one before; before the first: none. */
	assert_int_equal(ct_scan_open_until(&sc, path, 0, t0 + 10 * 60000LL + 1), 0);
	while (ct_scan_next(&sc, &got) > 0)
		;
	ct_scan_close(&sc);
	assert_int_equal(got.n, 11);
	ct_series_free(&got);
	assert_int_equal(ct_scan_open_until(&sc, path, 0, t0 - 1), 0);
	assert_int_equal(ct_scan_next(&sc, &got), 0);
	assert_int_equal(sc.later, 3000);
	ct_scan_close(&sc);
	ct_series_free(&got);
	ct_series_free(&s);
}

static int
cmp_f(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* ct_sort_floats gives qsort's order: negatives, zeros of both signs,
 * ties, denormals, infinities, short and long arrays. */
static void
test_sort_floats(void **state)
{
	static const size_t sizes[] = { 0, 1, 5, 63, 64, 65, 1000, 50000 };
	float special[] = { -INFINITY, -1e30f, -1.0f, -1e-40f, -0.0f, 0.0f, 1e-40f, 1.0f,
	    3.5f, 1e30f, INFINITY };
	unsigned seed = 7;

	(void)state;
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		size_t n = sizes[s];
		float *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);

		assert_non_null(a);
		assert_non_null(b);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* A third special values, the rest spread over signs and
			 * magnitudes with many ties. */
			a[i] = seed % 3 == 0 ? special[(seed >> 8) % 11] :
			    (float)((int)(seed >> 16) % 2001 - 1000) * ((seed & 4) ? 1e-3f : 7.0f);
		}
		memcpy(b, a, n * sizeof *a);
		assert_int_equal(ct_sort_floats(a, n), 0);
		qsort(b, n, sizeof *b, cmp_f);
		for (size_t i = 0; i < n; i++) {
			/* -0 and +0 are equal as floats: either may come first. */
			assert_true(a[i] == b[i]);
			if (i > 0)
				assert_true(a[i - 1] <= a[i]);
		}
		free(a);
		free(b);
	}
	/* -0 before +0; values alike in their low bits (whole numbers,
	 * powers of two) or all equal, whose sort skips passes. */
	{
		float z[100], p2[100], eq[100];

		for (size_t i = 0; i < 100; i++) {
			z[i] = i % 2 ? -0.0f : 0.0f;
			p2[i] = ldexpf(1.0f, (int)((i * 37) % 50) - 25) * (i % 3 ? 1 : -1);
			eq[i] = 2.5f;
		}
		assert_int_equal(ct_sort_floats(z, 100), 0);
		for (size_t i = 0; i < 100; i++)
			assert_int_equal(signbit(z[i]) != 0, i < 50);
		assert_int_equal(ct_sort_floats(p2, 100), 0);
		for (size_t i = 1; i < 100; i++)
			assert_true(p2[i - 1] <= p2[i]);
		assert_int_equal(ct_sort_floats(eq, 100), 0);
		for (size_t i = 0; i < 100; i++)
			assert_true(eq[i] == 2.5f);
	}
}

static void
test_text(void **state)
{
	char buf[CT_EXCERPT_LEN], small[8];
	json_t *j;

	(void)state;
	assert_int_equal(ct_utf8_len("a", 1), 1);
	assert_int_equal(ct_utf8_len("\xc3\xa9", 2), 2);
	assert_int_equal(ct_utf8_len("\xc3\xa9", 1), 0);		/* cut */
	assert_int_equal(ct_utf8_len("\xe2\x82\xac", SIZE_MAX), 3);
	assert_int_equal(ct_utf8_len("\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(ct_utf8_len("\xc0\xaf", 2), 0);		/* overlong */
	assert_int_equal(ct_utf8_len("\xed\xa0\x80", 3), 0);	/* surrogate */
	assert_int_equal(ct_utf8_len("\xf4\x90\x80\x80", 4), 0);	/* beyond U+10FFFF */
	assert_int_equal(ct_utf8_len("\x9b", 1), 0);			/* stray */
	assert_int_equal(ct_utf8_len("\xe2\x82", SIZE_MAX), 0);	/* NUL ends it */
	/* Shown: controls, C1 and non-UTF-8 as '?', the rest as it is. */
	assert_string_equal(ct_printable("a\x1b[1m\xc2\x9b" "2J\xff \xc3\xa9\t", buf, sizeof buf),
	    "a?[1m?2J? \xc3\xa9?");
	/* Cut never inside a character. */
	assert_string_equal(ct_printable("abc\xe2\x82\xac" "def", small, sizeof small), "abc...");
	assert_string_equal(ct_printable("ab\xe2\x82\xac", small, sizeof small), "ab\xe2\x82\xac");
	assert_string_equal(ct_excerpt("x\0y", 3, buf), "x?y");
	assert_string_equal(ct_excerpt("0123456789012345678901234567890123456789\xc3\xa9", 42, buf),
	    "0123456789012345678901234567890123456789...");
	assert_string_equal(ct_excerpt("012345678901234567890123456789012345678\xc3\xa9", 41, buf),
	    "012345678901234567890123456789012345678...");
	/* In place (coin-status's cells): a C1 control before kept characters. */
	strcpy(buf, "\xc2\x9b\xc3\xa9\xc3\xa9-ok");
	assert_string_equal(ct_printable(buf, buf, sizeof buf), "?\xc3\xa9\xc3\xa9-ok");
	/* JSON: what jansson refuses becomes '?', the rest stays. */
	assert_null(json_string("caf\xe9"));
	j = ct_json_text("caf\xe9 \xc3\xa9\xe2\x82");
	assert_non_null(j);
	assert_string_equal(json_string_value(j), "caf? \xc3\xa9??");
	json_decref(j);
	j = ct_json_text(NULL);
	assert_true(json_is_null(j));
	json_decref(j);
}

/* coin-status -o: names to columns, in order, any case; a name that is
 * none, an empty one or one repeated is refused and named. */
static void
test_status_pick(void **state)
{
	size_t pick[64], n;
	const char *bad = NULL;

	(void)state;
	n = ct_status_pick("flags,Symbol,net_bps/trade", pick, &bad);
	assert_int_equal(n, 3);
	assert_string_equal(ct_status_cols[pick[0]].name, "FLAGS");
	assert_string_equal(ct_status_cols[pick[1]].name, "SYMBOL");
	assert_string_equal(ct_status_cols[pick[2]].name, "NET_BPS/TRADE");
	assert_int_equal(ct_status_pick("auc,nope", pick, &bad), 0);
	assert_string_equal(bad, "nope");
	assert_int_equal(ct_status_pick("auc,", pick, &bad), 0);
	assert_string_equal(bad, "");
	assert_int_equal(ct_status_pick("auc,tf,AUC", pick, &bad), 0);
	assert_string_equal(bad, "AUC");
	assert_int_equal(ct_status_pick("", pick, &bad), 0);
	n = ct_status_pick("symbol,tf,rows,first,last,candle_age,gaps,model,model_age,trained_to,"
	    "params,figures,auc,trades,threshold,net_bps/trade,total_bps,buy_hold_bps,signal,prob_up,"
	    "expires_in,drift,last_run,flags", pick, &bad);
	assert_int_equal(n, ct_status_ncols);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_parse_double),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_times),
		cmocka_unit_test_setup_teardown(test_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_special, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_roundtrip, setup, teardown),
		cmocka_unit_test(test_store_errors),
		cmocka_unit_test_setup_teardown(test_scan_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_until, setup, teardown),
		cmocka_unit_test(test_fmt_double),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_sort_floats),
		cmocka_unit_test(test_status_pick),
		cmocka_unit_test_setup_teardown(test_evlog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evlog_torn, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
