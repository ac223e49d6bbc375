/* unit_batch.c — cmocka tests of the ledger (needs-doing rules, worker
 * liveness, set/commit round trip, corrupt files, the claim pass, the
 * layout of records and the first layout) and the run summary. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "atomic.h"
#include "ledger.h"
#include "runs.h"
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

/* latest and latest-CYCLE name the newest run (of that cycle). */
static void
test_runs(void **state)
{
	static const char *const runs[] = { "20251109T0200Z-full", "20251112T0600Z-incremental",
		"20251112T0700Z-predict", "20251110T0600Z-incremental" };
	char path[512], run[80];
	size_t n;
	char **v;

	(void)state;
	assert_int_equal(ct_run_resolve(tmpdir, "latest", run, sizeof run), -1);	/* no runs/ */
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/runs/%s", tmpdir, runs[i]);
		assert_int_equal(ct_mkdirs(path, 0777), 0);
		snprintf(path, sizeof path, "%s/runs/%s/status.json", tmpdir, runs[i]);
		assert_int_equal(ct_write_atomic(path, "{}", 2), 0);
	}
	/* Neither a run name nor a run with a ledger is a run. */
	snprintf(path, sizeof path, "%s/runs/not-a-run", tmpdir);
	assert_int_equal(ct_mkdirs(path, 0777), 0);
	snprintf(path, sizeof path, "%s/runs/20251113T0000Z-full", tmpdir);
	assert_int_equal(ct_mkdirs(path, 0777), 0);
	v = ct_runs_list(tmpdir, &n);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "20251109T0200Z-full");
	assert_string_equal(v[3], "20251112T0700Z-predict");
	ct_runs_free(v, n);
	assert_int_equal(ct_run_resolve(tmpdir, "latest", run, sizeof run), 0);
	assert_string_equal(run, "20251112T0700Z-predict");
	assert_int_equal(ct_run_resolve(tmpdir, "latest-incremental", run, sizeof run), 0);
	assert_string_equal(run, "20251112T0600Z-incremental");
	assert_int_equal(ct_run_resolve(tmpdir, "latest-full", run, sizeof run), 0);
	assert_string_equal(run, "20251109T0200Z-full");
	assert_int_equal(ct_run_resolve(tmpdir, "latest-tune", run, sizeof run), -1);
	assert_int_equal(ct_run_resolve(tmpdir, "20201010T0000Z-x", run, sizeof run), 0);
	assert_false(ct_run_ref_ok("latest-"));
	assert_false(ct_run_ref_ok("latest-Full"));
	assert_false(ct_run_ref_ok("latest-full/.."));
	assert_false(ct_run_ref_ok("newest"));
	assert_true(ct_run_ref_ok("latest-predict"));
	assert_string_equal(ct_run_cycle("20251112T0600Z-incremental"), "incremental");
}

/* The state of the run as a reader sees it once lg is committed. */
static const char *
state(struct ct_ledger *lg)
{
	const char *st;
	json_t *root;

	assert_int_equal(ct_ledger_commit(lg), 0);
	assert_non_null(root = ct_ledger_peek(tmpdir, lg->run));
	st = ct_run_state(root);
	json_decref(root);
	return st;
}

/* The claim rule: pending first come, failed never, once each. */
static void
test_claim_state(void **state_)
{
	struct ct_ledger_upd u = { NULL, NULL, NULL, getpid() };
	struct ct_ledger lg;
	const char *sym;

	(void)state_;
	assert_int_equal(ct_ledger_open(&lg, tmpdir, "20251112T0600Z-full", 1), 0);
	ct_ledger_add(&lg, "A");
	ct_ledger_add(&lg, "B");
	ct_ledger_add(&lg, "C");
	assert_string_equal(state(&lg), "unfinished");
	assert_int_equal(ct_ledger_set(&lg, "A", "failed", &u), 0);
	assert_int_equal(ct_ledger_claim(&lg, &u, &sym), 0);
	assert_string_equal(sym, "B");
	assert_string_equal(state(&lg), "running");
	assert_int_equal(ct_ledger_claim(&lg, &u, &sym), 0);
	assert_string_equal(sym, "C");
	assert_int_equal(ct_ledger_claim(&lg, &u, &sym), 0);
	assert_null(sym);
	assert_int_equal(ct_ledger_set(&lg, "B", "success", &u), 0);
	assert_int_equal(ct_ledger_set(&lg, "C", "skipped", &u), 0);
	assert_string_equal(state(&lg), "failed");
	assert_int_equal(ct_ledger_set(&lg, "A", "success", &u), 0);
	assert_string_equal(state(&lg), "finished");
	ct_ledger_close(&lg);
}

/* Claims go on where the last one stopped, also in another process;
 * setting a symbol pending starts a new pass that finds it. */
static void
test_claim_pass(void **state_)
{
	struct ct_ledger_upd u = { NULL, NULL, NULL, getpid() };
	struct ct_ledger lg;
	const char *sym;
	char run[] = "20251112T0600Z-full";

	(void)state_;
	assert_int_equal(ct_ledger_open(&lg, tmpdir, run, 1), 0);
	ct_ledger_add(&lg, "A");
	ct_ledger_add(&lg, "B");
	ct_ledger_add(&lg, "C");
	assert_int_equal(ct_ledger_claim(&lg, &u, &sym), 0);
	assert_string_equal(sym, "A");
	assert_int_equal(ct_ledger_commit(&lg), 0);
	ct_ledger_close(&lg);
	assert_int_equal(ct_ledger_open(&lg, tmpdir, run, 0), 0);
	assert_int_equal(ct_ledger_set(&lg, "A", "success", &u), 0);
	assert_int_equal(ct_ledger_claim(&lg, &u, &sym), 0);
	assert_string_equal(sym, "B");
	assert_int_equal(ct_ledger_set(&lg, "A", "pending", &u), 0);
	assert_int_equal(ct_ledger_commit(&lg), 0);
	ct_ledger_close(&lg);
	assert_int_equal(ct_ledger_open(&lg, tmpdir, run, 0), 0);
	assert_int_equal(ct_ledger_claim(&lg, &u, &sym), 0);
	assert_string_equal(sym, "A");
	assert_int_equal(ct_ledger_claim(&lg, &u, &sym), 0);
	assert_string_equal(sym, "C");
	assert_int_equal(ct_ledger_claim(&lg, &u, &sym), 0);
	assert_null(sym);
	ct_ledger_close(&lg);
}

static void
put(const char *rel, const char *text)
{
	char path[512];

	snprintf(path, sizeof path, "%s/runs/20251112T0600Z-full/%s", tmpdir, rel);
	assert_int_equal(ct_mkparent(path), 0);
	assert_int_equal(ct_write_atomic(path, text, strlen(text)), 0);
}

static const char *
field(json_t *root, const char *sym, const char *key)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(root, "symbols"),
	    sym), key));
}

/* The layout: status.json lists the symbols; a change writes only the
 * record of its symbol; a symbol never changed has none. */
static void
test_layout(void **state_)
{
	struct ct_ledger_upd none = { NULL, NULL, NULL, 0 }, u = { NULL, NULL, "m/B", 0 };
	struct timeval tv[2];
	struct ct_ledger lg;
	char path[512];
	json_t *root;

	(void)state_;
	assert_int_equal(ct_ledger_open(&lg, tmpdir, "20251112T0600Z-full", 1), 0);
	ct_ledger_add(&lg, "A");
	ct_ledger_add(&lg, "B");
	assert_int_equal(ct_ledger_set(&lg, "A", "pending", &none), 0);	/* no change */
	assert_int_equal(ct_ledger_set(&lg, "B", "success", &u), 0);
	assert_int_equal(ct_ledger_commit(&lg), 0);
	ct_ledger_close(&lg);
	snprintf(path, sizeof path, "%s/runs/20251112T0600Z-full/status.json", tmpdir);
	assert_non_null(root = json_load_file(path, 0, NULL));
	assert_int_equal(json_array_size(json_object_get(root, "symbols")), 2);
	json_decref(root);
	snprintf(path, sizeof path, "%s/runs/20251112T0600Z-full/coins/A.json", tmpdir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof path, "%s/runs/20251112T0600Z-full/coins/B.json", tmpdir);
	assert_non_null(root = json_load_file(path, 0, NULL));
	assert_string_equal(json_string_value(json_object_get(root, "model")), "m/B");
	json_decref(root);
	assert_non_null(root = ct_ledger_peek(tmpdir, "20251112T0600Z-full"));
	assert_string_equal(field(root, "A", "status"), "pending");
	assert_string_equal(field(root, "B", "status"), "success");
	json_decref(root);
	/* "updated": the newest change, that of a record's file */
	tv[0].tv_sec = tv[1].tv_sec = 1893456000;	/* 2030-01-01 */
	tv[0].tv_usec = tv[1].tv_usec = 0;
	assert_int_equal(utimes(path, tv), 0);
	assert_non_null(root = ct_ledger_peek(tmpdir, "20251112T0600Z-full"));
	assert_string_equal(json_string_value(json_object_get(root, "updated")), "2030-01-01T00:00:00Z");
	json_decref(root);
}

/* A ledger of the first layout (every record inside status.json) reads
 * and resumes: a record in coins/ overrides the one inside, init adds to
 * it in its own layout. */
static void
test_first_layout(void **state_)
{
	struct ct_ledger_upd u = { NULL, NULL, NULL, 0 };
	struct ct_ledger lg;
	const char *sym;
	json_t *root;

	(void)state_;
	put("status.json", "{\"run\": \"20251112T0600Z-full\", \"symbols\": {"
	    "\"A\": {\"status\": \"success\", \"attempts\": 1, \"model\": \"m/A\"},"
	    "\"B\": {\"status\": \"failed\", \"attempts\": 2, \"error\": \"boom\"},"
	    "\"C\": {\"status\": \"pending\", \"attempts\": 0}}}\n");
	assert_int_equal(ct_ledger_open(&lg, tmpdir, "20251112T0600Z-full", 0), 0);
	assert_int_equal(ct_ledger_set(&lg, "B", "pending", &u), 0);
	assert_int_equal(ct_ledger_claim(&lg, &u, &sym), 0);
	assert_string_equal(sym, "B");
	assert_int_equal(ct_ledger_commit(&lg), 0);
	ct_ledger_close(&lg);
	assert_int_equal(ct_ledger_open(&lg, tmpdir, "20251112T0600Z-full", 1), 0);
	assert_int_equal(ct_ledger_add(&lg, "D"), 0);
	assert_int_equal(ct_ledger_commit(&lg), 0);
	ct_ledger_close(&lg);
	assert_non_null(root = ct_ledger_peek(tmpdir, "20251112T0600Z-full"));
	assert_int_equal(json_object_size(json_object_get(root, "symbols")), 4);
	assert_string_equal(field(root, "A", "model"), "m/A");
	assert_string_equal(field(root, "B", "status"), "running");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(root,
	    "symbols"), "B"), "attempts")), 3);
	assert_string_equal(field(root, "C", "status"), "pending");
	assert_string_equal(field(root, "D", "status"), "pending");
	json_decref(root);
}

/* A damaged record is said (file, line and column) and marks its symbol
 * alone: readers see it "damaged" beside the others as they are, to be
 * done again; a change to it starts it anew and keeps the damaged file. */
static void
test_damaged_record(void **state_)
{
	struct ct_ledger_upd u = { NULL, NULL, NULL, 0 };
	struct ct_ledger lg;
	char path[512];
	const char *sym;
	json_t *root, *e;

	(void)state_;
	put("status.json", "{\"run\": \"20251112T0600Z-full\", \"symbols\": [\"A\", \"B\"]}\n");
	put("coins/A.json", "{\"status\": \"success\",, }\n");
	put("coins/B.json", "{\"status\": \"success\", \"attempts\": 1}\n");
	snprintf(path, sizeof path, "%s/runs/20251112T0600Z-full/status.json", tmpdir);
	assert_int_equal(ct_ledger_read(path, &root), 1);
	e = json_object_get(json_object_get(root, "symbols"), "A");
	assert_string_equal(json_string_value(json_object_get(e, "status")), "damaged");
	assert_non_null(strstr(json_string_value(json_object_get(e, "error")), "coins/A.json:1:22: "));
	assert_true(ct_ledger_needs(e, 0, 0));
	e = json_object_get(json_object_get(root, "symbols"), "B");
	assert_string_equal(json_string_value(json_object_get(e, "status")), "success");
	assert_int_equal(ct_ledger_damaged(root), 1);
	assert_string_equal(ct_run_state(root), "unfinished");
	json_decref(root);

	/* A claim passes it over; a change replaces it. */
	assert_int_equal(ct_ledger_open(&lg, tmpdir, "20251112T0600Z-full", 0), 0);
	assert_int_equal(ct_ledger_claim(&lg, &u, &sym), 0);
	assert_null(sym);
	assert_int_equal(ct_ledger_set(&lg, "A", "pending", &u), 0);
	assert_int_equal(ct_ledger_commit(&lg), 0);
	ct_ledger_close(&lg);
	assert_non_null(root = ct_ledger_peek(tmpdir, "20251112T0600Z-full"));
	assert_int_equal(ct_ledger_damaged(root), 0);
	e = json_object_get(json_object_get(root, "symbols"), "A");
	assert_string_equal(json_string_value(json_object_get(e, "status")), "pending");
	json_decref(root);
	snprintf(path, sizeof path, "%s/runs/20251112T0600Z-full/coins/A.json.damaged", tmpdir);
	assert_null(root = json_load_file(path, 0, NULL));
	assert_int_equal(access(path, F_OK), 0);

	put("status.json", "{\"run\": \"20251112T0600Z-full\", \"symbols\": [\"A\", \"A\"]}\n");
	assert_null(ct_ledger_peek(tmpdir, "20251112T0600Z-full"));
	put("status.json", "{\"run\": \"20251112T0600Z-full\", \"symbols\": [\"A\", 7]}\n");
	assert_null(ct_ledger_peek(tmpdir, "20251112T0600Z-full"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_needs),
		cmocka_unit_test(test_pid_alive),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_median, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_record, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
