/* summarize — the summary of one batch run (written to
 * summary/<RUN>/engine_summary.json and printed), or the operator's
 * dashboard of the whole data home with a health verdict for cron. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard.h"
#include "envnames.h"
#include "err.h"
#include "exitcode.h"
#include "home.h"
#include "parse.h"
#include "runs.h"
#include "summary.h"
#include "timefmt.h"

static const char usage_text[] =
    "usage: summarize [--home DIR] RUN\n"
    "       summarize [--home DIR] --dashboard [--json] [--html FILE] [--max-failed-pct N]\n"
    "                 [--max-model-age DUR] [--max-candle-age DUR] [--min-disk-pct N]\n"
    "                 [--no-cache-check]\n";

static _Noreturn void
usage(int rc)
{
	fputs(usage_text, rc ? stderr : stdout);
	exit(ct_finish(rc));
}

/* A percentage threshold from text; what names it in the error. */
static double
pct(const char *what, const char *s)
{
	char ex[CT_EXCERPT_LEN];
	double v;

	if (ct_parse_double(s, &v) != 0 || !(v >= 0 && v <= 100))
		ct_die(CT_EXIT_USAGE, "%s: %s: not a percentage in [0,100]", what,
		    ct_excerpt(s, strlen(s), ex));
	return v;
}

/* A switch from text: 0 or 1. */
static int
flag(const char *what, const char *s)
{
	char ex[CT_EXCERPT_LEN];

	if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0)
		ct_die(CT_EXIT_USAGE, "%s: %s: not 0 or 1", what, ct_excerpt(s, strlen(s), ex));
	return *s == '1';
}

/* An age threshold from text: a duration, or "off" (never too old). */
static int64_t
age(const char *what, const char *s)
{
	char ex[CT_EXCERPT_LEN];
	int64_t v;

	if (strcmp(s, "off") == 0)
		return INT64_MAX;
	if (ct_parse_dur(s, &v) != 0)
		ct_die(CT_EXIT_USAGE, "%s: %s: not a duration (or off)", what,
		    ct_excerpt(s, strlen(s), ex));
	return v;
}

/* The thresholds' defaults, and the environment's say over them. */
static void
health_env(struct ct_health *h)
{
	static const char *const known[] = {
		"HEALTH_MAX_FAILED_PCT", "HEALTH_MIN_DISK_PCT", "HEALTH_MAX_MODEL_AGE",
		"HEALTH_MAX_CANDLE_AGE", "HEALTH_REQUIRE_CACHE",
	};
	const char *s;

	h->max_failed_pct = 20;
	h->min_disk_pct = 5;
	h->max_model_age_s = 8 * 86400;
	h->max_candle_age_s = 86400;
	h->require_cache = 1;
	if ((s = getenv("HEALTH_MAX_FAILED_PCT")) && *s)
		h->max_failed_pct = pct("HEALTH_MAX_FAILED_PCT", s);
	if ((s = getenv("HEALTH_MIN_DISK_PCT")) && *s)
		h->min_disk_pct = pct("HEALTH_MIN_DISK_PCT", s);
	if ((s = getenv("HEALTH_MAX_MODEL_AGE")) && *s)
		h->max_model_age_s = age("HEALTH_MAX_MODEL_AGE", s);
	if ((s = getenv("HEALTH_MAX_CANDLE_AGE")) && *s)
		h->max_candle_age_s = age("HEALTH_MAX_CANDLE_AGE", s);
	if ((s = getenv("HEALTH_REQUIRE_CACHE")) && *s)
		h->require_cache = flag("HEALTH_REQUIRE_CACHE", s);
	/* A usage error, as a bad value is: under cron, only a failure of
	 * the health check reaches the operator's mail. */
	if (ct_env_unknown("HEALTH_", known, sizeof known / sizeof known[0], "health setting") > 0)
		exit(ct_finish(CT_EXIT_USAGE));
}

/* The operands left, want of them: one too many or too few is a usage
 * error that says which. */
static void
operands(int n, char **v, int want)
{
	char ex[CT_EXCERPT_LEN];

	if (n > want)
		ct_warn("%s: unexpected argument", ct_excerpt(v[want], strlen(v[want]), ex));
	else if (n < want)
		ct_warn("which run? (a run name, latest or latest-CYCLE; or --dashboard)");
	if (n != want)
		usage(CT_EXIT_USAGE);
}

static int
dashboard(const char *home, const struct ct_health *h, int json, const char *html)
{
	json_t *out;
	int rc;

	ct_warn_once();
	out = ct_dashboard(home, h, ct_now_ms());
	rc = json_is_true(json_object_get(json_object_get(out, "health"), "ok")) ?
	    CT_EXIT_OK : CT_EXIT_FAIL;
	if (html && ct_dashboard_html(home, out, html) != 0)
		rc = CT_EXIT_FAIL;
	if (json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		putchar('\n');
	} else {
		ct_dashboard_text(out, stdout);
	}
	json_decref(out);
	return rc;
}

static int
summary(const char *home, const char *name)
{
	char run[80], ex[CT_EXCERPT_LEN];
	json_t *out;
	int rc;

	if (!ct_run_ref_ok(name))
		ct_die(CT_EXIT_USAGE, "%s: bad run name (want YYYYMMDDTHHMMZ-cycle, latest or "
		    "latest-CYCLE)", ct_excerpt(name, strlen(name), ex));
	if (ct_run_resolve(home, name, run, sizeof run) != 0 ||
	    (out = ct_summary_build(home, run)) == NULL)
		return CT_EXIT_FAIL;
	/* A success whose figures cannot be read is no silent null, nor a
	 * coin whose record is damaged a run that went well. */
	rc = ct_summary_save(home, run, out) == 0 &&
	    json_array_size(json_object_get(out, "metrics_unreadable")) == 0 &&
	    json_integer_value(json_object_get(out, "damaged")) == 0 ?
	    CT_EXIT_OK : CT_EXIT_FAIL;
	json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	putchar('\n');
	json_decref(out);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "dashboard", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "html", required_argument, NULL, 'o' },
		{ "max-failed-pct", required_argument, NULL, 'f' },
		{ "max-model-age", required_argument, NULL, 'a' },
		{ "max-candle-age", required_argument, NULL, 'A' },
		{ "min-disk-pct", required_argument, NULL, 'k' },
		{ "no-cache-check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ct_health h;
	const char *home = NULL, *html = NULL, *s, *dopt = NULL;
	int c, li, dash = 0, json = 0;

	ct_setprog(argv[0]);
	health_env(&h);
	while ((li = -1, c = getopt_long(argc, argv, "hV", lopts, &li)) != -1) {
		switch (c) {
		case 'H': home = optarg; break;
		case 'd': dash = 1; break;
		case 'j': json = 1; break;
		case 'o': html = optarg; break;
		case 'f': h.max_failed_pct = pct("--max-failed-pct", optarg); break;
		case 'a': h.max_model_age_s = age("--max-model-age", optarg); break;
		case 'A': h.max_candle_age_s = age("--max-candle-age", optarg); break;
		case 'k': h.min_disk_pct = pct("--min-disk-pct", optarg); break;
		case 'c': h.require_cache = 0; break;
		case 'h': usage(CT_EXIT_OK);
		case 'V': ct_version(); return ct_finish(CT_EXIT_OK);
		default: usage(CT_EXIT_USAGE);
		}
		if (strchr("jofaAkc", c) && li >= 0 && dopt == NULL)
			dopt = lopts[li].name;
	}
	/* The dashboard's options mean nothing to a run's summary. */
	if (!dash && dopt) {
		ct_warn("--%s: an option of --dashboard", dopt);
		usage(CT_EXIT_USAGE);
	}
	home = ct_home(home);
	/* The page cron regenerates beside the hourly health check. */
	if (dash && html == NULL && (s = getenv("DASHBOARD_HTML")) && *s)
		html = s;
	operands(argc - optind, argv + optind, dash ? 0 : 1);
	/* A mistyped --home is not an empty data home. */
	if (ct_dir_check(home) != 0)
		return ct_finish(CT_EXIT_FAIL);
	if (dash)
		return ct_finish(dashboard(home, &h, json, html));
	return ct_finish(summary(home, argv[optind]));
}
