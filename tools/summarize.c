/* summarize — the summary of one batch run (written to
 * summary/<RUN>/engine_summary.json and printed), or the operator's
 * dashboard of the whole data home with a health verdict for cron. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "home.h"
#include "parse.h"
#include "summary.h"
#include "timefmt.h"

static void
usage(FILE *fp, int rc)
{
	fputs("usage: summarize [--home DIR] RUN\n"
	    "       summarize [--home DIR] --dashboard [--json] [--html FILE] [--max-failed-pct N]\n"
	    "                 [--max-model-age DUR] [--min-disk-pct N] [--no-cache-check]\n", fp);
	exit(rc);
}

/* A threshold from the environment, else its default; bad text is a
 * usage error like a bad option. */
static double
envnum(const char *name, double def)
{
	const char *s = getenv(name);
	double v;

	if (s == NULL || *s == '\0')
		return def;
	if (ct_parse_double(s, &v) != 0 || v < 0)
		ct_die(2, "%s: %s: not a number", name, s);
	return v;
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
		{ "min-disk-pct", required_argument, NULL, 'k' },
		{ "no-cache-check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ct_health h;
	const char *home = NULL, *html = NULL, *s;
	int c, dash = 0, json = 0, rc;
	json_t *out;

	ct_setprog(argv[0]);
	h.max_failed_pct = envnum("HEALTH_MAX_FAILED_PCT", 20);
	h.min_disk_pct = envnum("HEALTH_MIN_DISK_PCT", 5);
	h.max_model_age_s = 8 * 86400;
	if ((s = getenv("HEALTH_MAX_MODEL_AGE")) && *s && ct_parse_dur(s, &h.max_model_age_s) != 0)
		ct_die(2, "HEALTH_MAX_MODEL_AGE: %s: not a duration", s);
	h.require_cache = envnum("HEALTH_REQUIRE_CACHE", 1) != 0;
	while ((c = getopt_long(argc, argv, "hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'H': home = optarg; break;
		case 'd': dash = 1; break;
		case 'j': json = 1; break;
		case 'o': html = optarg; break;
		case 'f':
			if (ct_parse_double(optarg, &h.max_failed_pct) != 0 || h.max_failed_pct < 0)
				usage(stderr, 2);
			break;
		case 'a':
			if (ct_parse_dur(optarg, &h.max_model_age_s) != 0)
				usage(stderr, 2);
			break;
		case 'k':
			if (ct_parse_double(optarg, &h.min_disk_pct) != 0 || h.min_disk_pct < 0)
				usage(stderr, 2);
			break;
		case 'c': h.require_cache = 0; break;
		case 'h': usage(stdout, 0); break;
		case 'V': ct_version(); return ct_finish(0);
		default: usage(stderr, 2);
		}
	}
	home = ct_home(home);
	if (dash || html) {
		if (optind != argc)
			usage(stderr, 2);
		out = ct_dashboard(home, &h, ct_now_ms());
		rc = json_is_true(json_object_get(json_object_get(out, "health"), "ok")) ? 0 : 1;
		if (html && ct_dashboard_html(home, out, html) != 0)
			rc = 1;
		if (json) {
			json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
			putchar('\n');
		} else {
			ct_dashboard_text(out, stdout);
		}
		json_decref(out);
		return ct_finish(rc);
	}
	if (optind != argc - 1)
		usage(stderr, 2);
	if (!ct_run_ok(argv[optind]))
		ct_die(1, "%s: bad run name (want YYYYMMDDTHHMMZ-cycle)", argv[optind]);
	if ((out = ct_summary_build(home, argv[optind])) == NULL)
		return ct_finish(1);
	rc = ct_summary_save(home, argv[optind], out) == 0 ? 0 : 1;
	json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	putchar('\n');
	json_decref(out);
	return ct_finish(rc);
}
