/* summary.h — the run summary (summary/<RUN>/engine_summary.json) and the
 * operator's dashboard: system resources, batch progress, models, the
 * prediction cache and a health verdict. */
#ifndef CT_SUMMARY_H
#define CT_SUMMARY_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* Build the summary of run from its ledger and the models' metrics.json.
 * NULL with a diagnostic printed when the ledger cannot be read. */
json_t *ct_summary_build(const char *home, const char *run);
/* Write it to summary/<RUN>/engine_summary.json atomically; 0 or -1. */
int ct_summary_save(const char *home, const char *run, json_t *summary);

/* Thresholds of the health check. */
struct ct_health {
	double max_failed_pct;	/* newest finished full run: failed share */
	int64_t max_model_age_s;	/* newest model older than this */
	double min_disk_pct;	/* free space of the data home */
	int require_cache;	/* no fresh cache entry is unhealthy */
};

/* Gather the dashboard as JSON: "generated_at", "system", "batch", "models",
 * "cache", "health" ({"ok": bool, "checks": [{"name","ok","detail"}]}) and
 * "coins" (each coin as coin-status describes it, lib/coinstatus.h). */
json_t *ct_dashboard(const char *home, const struct ct_health *h, int64_t now_ms);
/* The dashboard as text for a terminal or cron mail. */
void ct_dashboard_text(json_t *d, FILE *fp);
/* The dashboard as a self-contained HTML page (lib/report.c): health, the
 * coin table, the newest runs, per coin its folds, after-cost equity beside
 * buy and hold, and training curves as inline SVG; written atomically. */
int ct_dashboard_html(const char *home, json_t *d, const char *path);

#endif
