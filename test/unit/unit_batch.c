/* unit_batch.c — cmocka tests of the ledger (needs-doing rules, worker
 * liveness, set/commit round trip, corrupt files) and the run summary. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "ledger.h"
#include "summary.h"


static json_t *
entry(const char *status, int attempts, long pid)
{
	return json_pack("{s:s, s:i, s:I}", "status", status, "attempts", attempts,
	    "pid", (json_int_t)pid);
}

static void
test_needs(void **state)
{
	pid_t dead;
	json_t *e;

	(void)state;
	if ((dead = fork()) == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	e = entry("pending", 0, 0);
	assert_int_equal(ct_ledger_needs(e, 0, 2), 1);
	json_decref(e);
	e = entry("success", 1, 0);
	assert_int_equal(ct_ledger_needs(e, 0, 2), 0);
	assert_int_equal(ct_ledger_needs(e, 1, 2), 1);	/* --force */
	json_decref(e);
	e = entry("failed", 2, 0);
	assert_int_equal(ct_ledger_needs(e, 0, 2), 1);
	assert_int_equal(ct_ledger_needs(e, 0, 1), 0);
	json_decref(e);
	e = entry("skipped", 0, 0);
	assert_int_equal(ct_ledger_needs(e, 0, 2), 0);
	json_decref(e);
	e = entry("running", 1, getpid());
	assert_int_equal(ct_ledger_needs(e, 0, 2), 0);	/* worker alive */
	json_decref(e);
	e = entry("running", 1, dead);
	assert_int_equal(ct_ledger_needs(e, 0, 2), 1);	/* worker gone */
	json_decref(e);
}

static void
test_pid_alive(void **state)
{
	long long start = ct_pid_start(getpid());
	pid_t child;

	(void)state;
	assert_true(start > 0);
	assert_int_equal(ct_pid_alive(getpid(), start), 1);
	assert_int_equal(ct_pid_alive(getpid(), -1), 1);
	/* our pid with another start time: a reused pid, not our worker */
	assert_int_equal(ct_pid_alive(getpid(), start + 1), 0);
	assert_int_equal(ct_pid_alive(0, -1), 0);
	/* an unreaped child is a zombie: finished */
	if ((child = fork()) == 0)
		_exit(0);
	usleep(100000);
	assert_int_equal(ct_pid_alive(child, -1), 0);
	waitpid(child, NULL, 0);
}

static void
test_roundtrip(void **state)
{
	struct ct_ledger_upd u = { "boom", "timeout", NULL, 0 };
	struct ct_ledger lg;
	json_t *root, *e;
	long n[5];
	char path[512];
	FILE *fp;

	(void)state;
	assert_int_equal(ct_ledger_open(&lg, tmpdir, "not-a-run", 1), -1);
	assert_int_equal(ct_ledger_open(&lg, tmpdir, "20251112T0600Z-full", 0), -1);
	assert_int_equal(ct_ledger_open(&lg, tmpdir, "20251112T0600Z-full", 1), 0);
	assert_int_equal(ct_ledger_add(&lg, "BTCUSDT"), 0);
	assert_int_equal(ct_ledger_add(&lg, "ETHUSDT"), 0);
	assert_int_equal(ct_ledger_add(&lg, "BTCUSDT"), 0);	/* kept, not doubled */
	u.pid = getpid();
	assert_int_equal(ct_ledger_set(&lg, "ETHUSDT", "running", &u), 0);
	assert_int_equal(ct_ledger_set(&lg, "ETHUSDT", "failed", &u), 0);
	assert_int_equal(ct_ledger_set(&lg, "XRPUSDT", "failed", &u), -1);
	assert_int_equal(ct_ledger_commit(&lg), 0);
	ct_ledger_close(&lg);

	snprintf(path, sizeof path, "%s/runs/20251112T0600Z-full/status.json", tmpdir);
	assert_int_equal(ct_ledger_read(path, &root), 0);
	ct_ledger_counts(root, n);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[3], 1);
	e = json_object_get(json_object_get(root, "symbols"), "ETHUSDT");
	assert_int_equal(json_integer_value(json_object_get(e, "attempts")), 1);
	assert_string_equal(json_string_value(json_object_get(e, "error")), "boom");
	assert_string_equal(json_string_value(json_object_get(e, "error_type")), "timeout");
	assert_true(json_is_real(json_object_get(e, "duration_seconds")));
	assert_true(json_is_null(json_object_get(e, "pid")));
	json_decref(root);

	/* truncated file: an error, and open refuses to go on */
	fp = fopen(path, "w");
	fputs("{\"symbols\": {", fp);
	fclose(fp);
	assert_int_equal(ct_ledger_read(path, &root), -1);
	assert_int_equal(ct_ledger_open(&lg, tmpdir, "20251112T0600Z-full", 1), -1);
}

static void
test_summary_median(void **state)
{
	char path[512];
	json_t *s;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof path, "%s/runs/20251112T0600Z-incremental", tmpdir);
	assert_int_equal(ct_mkdirs(path, 0777), 0);
	snprintf(path, sizeof path, "%s/runs/20251112T0600Z-incremental/status.json", tmpdir);
	fp = fopen(path, "w");
	fputs("{\"symbols\": {"
	    "\"A\": {\"status\": \"success\", \"attempts\": 1, \"duration_seconds\": 60},"
	    "\"B\": {\"status\": \"success\", \"attempts\": 1, \"duration_seconds\": 180},"
	    "\"C\": {\"status\": \"success\", \"attempts\": 1, \"duration_seconds\": 120},"
	    "\"D\": {\"status\": \"success\", \"attempts\": 1, \"duration_seconds\": 600},"
	    "\"E\": {\"status\": \"failed\", \"attempts\": 1, \"duration_seconds\": 6000}}}", fp);
	fclose(fp);
	s = ct_summary_build(tmpdir, "20251112T0600Z-incremental");
	assert_non_null(s);
	/* successes only: 1, 2, 3, 10 minutes */
	assert_true(json_real_value(json_object_get(s, "avg_train_minutes")) == 4.0);
	assert_true(json_real_value(json_object_get(s, "median_train_minutes")) == 2.5);
	assert_true(json_is_null(json_object_get(s, "total_wall_minutes")));
	assert_int_equal(json_integer_value(json_object_get(s, "failed")), 1);
	json_decref(s);
	assert_null(ct_summary_build(tmpdir, "20251112T0700Z-incremental"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_needs),
		cmocka_unit_test(test_pid_alive),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_median, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
