/* dashboard.h — the operator's view of a whole data home: system
 * resources, runs, models, candle stores, the prediction cache, and a
 * health verdict whose every failing check names the coins at fault. */
#ifndef CT_DASHBOARD_H
#define CT_DASHBOARD_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* Thresholds of the health check (summarize(1) documents the rules). */
struct ct_health {
	double max_failed_pct;	/* newest run of each cycle: failed share */
	int64_t max_model_age_s;	/* every coin's current model (INT64_MAX: off) */
	int64_t max_candle_age_s;	/* every store's newest candle, beyond 2 candles */
	double min_disk_pct;	/* free space of the data home */
	int require_cache;	/* every coin with a model has a fresh, unstale entry */
};

/* Gather the dashboard as JSON: "home", "generated", "system", "batch",
 * "models", "model_list", "candles", "cache", and "health" ({"ok": bool,
 * "checks": [{"name", "ok", "detail", "coins": [SYM...]}]}). */
json_t *ct_dashboard(const char *home, const struct ct_health *h, int64_t now_ms);
/* The dashboard as text for a terminal or cron mail. */
void ct_dashboard_text(json_t *d, FILE *fp);
/* The dashboard as a self-contained HTML page with inline SVG charts
 * (per-coin net bps bars, after-cost equity curves), written atomically. */
int ct_dashboard_html(const char *home, json_t *d, const char *path);

#endif
