/* report.c — the dashboard as one self-contained HTML page, the one an
 * operator opens every morning: when it was made, the health checks with
 * the coins they name, the coin table (lib/coinstatus.c's, as coin-status
 * prints it), the newest run of each cycle with its failures, and per coin
 * the folds, the after-cost equity curve beside buy and hold, and the
 * training curves.  Inline CSS and SVG only; a Content-Security-Policy
 * forbids the page to load anything, so a browser shows it offline and a
 * stray external reference is an error a test can see. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "coinstatus.h"
#include "err.h"
#include "home.h"
#include "dashboard.h"
#include "jsonfile.h"
#include "ledger.h"
#include "storestats.h"
#include "summary.h"
#include "svgplot.h"
#include "timefmt.h"

static const char style[] =
    "body{font:14px/1.4 sans-serif;margin:1em 2em;color:#222}"
    "h1{margin-bottom:0}h2{border-bottom:1px solid #ccc;margin-top:2em}"
    "table{border-collapse:collapse;font:12px monospace}"
    "th,td{border:1px solid #ddd;padding:2px 6px;text-align:right;white-space:nowrap}"
    "th{background:#f0f0f0}td.l,th.l{text-align:left}"
    "tr.warn td.flags{color:#b03020;font-weight:bold}"
    ".ok{color:#1e7b34}.bad{color:#b03020;font-weight:bold}.none{color:#777}"
    "svg.chart{font:11px sans-serif;margin:0 1em 1em 0}"
    "svg .frame{fill:#fcfcfc;stroke:#bbb}svg .grid{stroke:#e4e4e4}"
    "svg .zero{stroke:#888;stroke-dasharray:2 2}"
    ".wide{overflow-x:auto}section.coin{margin-bottom:2em}"
    ".charts{display:flex;flex-wrap:wrap;align-items:flex-start}"
    "details pre{background:#f4f4f4;padding:1em}tr.searched td{color:#777;font-style:italic}";

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static double
dbl(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void
head(FILE *fp, const json_t *d)
{
	char now[CT_ISO_LEN];
	const char *gen = str(d, "generated");

	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'\">\n<title>cointrain dashboard</title>\n"
	    "<style>%s</style></head><body>\n<h1>cointrain dashboard</h1>\n<p>Generated ", style);
	ct_html_esc(fp, gen ? gen : ct_iso8601(ct_now_ms(), now));
	fputs(" for the data home <code>", fp);
	ct_html_esc(fp, str(d, "home"));
	fputs("</code>.</p>\n", fp);
}

/* The names a check gives for what failed: strings, or objects with a
 * "symbol" (the health check names failing coins per check). */
static void
named(FILE *fp, const json_t *ck)
{
	const char *key;
	json_t *v, *e;
	size_t i;

	json_object_foreach((json_t *)ck, key, v) {
		if (!json_is_array(v) || json_array_size(v) == 0)
			continue;
		fputs("<br><span class=\"bad\">", fp);
		ct_html_esc(fp, key);
		fputs(":</span>", fp);
		json_array_foreach(v, i, e) {
			fputc(' ', fp);
			ct_html_esc(fp, json_is_string(e) ? json_string_value(e) : str(e, "symbol"));
		}
	}
}

static void
health(FILE *fp, const json_t *d)
{
	const json_t *h = json_object_get(d, "health"), *ck;
	int ok = json_is_true(json_object_get(h, "ok"));
	size_t i;

	fprintf(fp, "<h2 id=\"health\">Health: <span class=\"%s\">%s</span></h2>\n"
	    "<table><tr><th class=\"l\">check</th><th class=\"l\">result</th>"
	    "<th class=\"l\">detail</th></tr>\n", ok ? "ok" : "bad", ok ? "ok" : "UNHEALTHY");
	json_array_foreach(json_object_get(h, "checks"), i, ck) {
		ok = json_is_true(json_object_get(ck, "ok"));
		fputs("<tr><td class=\"l\">", fp);
		ct_html_esc(fp, str(ck, "name"));
		fprintf(fp, "</td><td class=\"l %s\">%s</td><td class=\"l\">", ok ? "ok" : "bad",
		    ok ? "ok" : "FAIL");
		ct_html_esc(fp, str(ck, "detail"));
		named(fp, ck);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

/* The coin table, cell for cell what coin-status prints. */
static void
coin_table(FILE *fp, const json_t *coins)
{
	char cell[256];
	json_t *row;
	size_t i, c;

	fputs("<h2 id=\"coins\">Coins</h2>\n<p>Figures are of the serving model: "
	    "<em>walk-forward</em> for a fresh model, <em>held-out</em> for an incremental "
	    "update, <em>held-out after search</em> for a tuned model (the folds its parameter "
	    "search never scored), <em>optimistic</em> when the search scored every fold "
	    "(column FIGURES, with the rows when fewer than 1000: an update's held-out block "
	    "may be a few dozen candles); net and totals after costs, in bps.</p>\n"
	    "<div class=\"wide\"><table id=\"coin-table\"><thead><tr>", fp);
	for (c = 0; c < ct_status_ncols; c++)
		fprintf(fp, "<th%s>%s</th>", ct_status_cols[c].right ? "" : " class=\"l\"",
		    ct_status_cols[c].name);
	fputs("</tr></thead><tbody>\n", fp);
	json_array_foreach(coins, i, row) {
		fprintf(fp, "<tr class=\"coin%s\">", json_array_size(json_object_get(row, "flags")) ?
		    " warn" : "");
		for (c = 0; c < ct_status_ncols; c++) {
			ct_status_cell(&ct_status_cols[c], row, cell, sizeof cell);
			fprintf(fp, "<td class=\"%s%s\">", ct_status_cols[c].right ? "" : "l",
			    c + 1 == ct_status_ncols ? " flags" : "");
			if (c == 0)
				fprintf(fp, "<a href=\"#coin-%s\">", cell);
			ct_html_esc(fp, cell);
			fputs(c == 0 ? "</a></td>" : "</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table></div>\n", fp);
}

static void
run_failures(FILE *fp, const json_t *lg)
{
	const char *sym, *st;
	json_t *e;

	json_object_foreach(json_object_get(lg, "symbols"), sym, e) {
		if ((st = str(e, "status")) == NULL ||
		    (strcmp(st, "failed") != 0 && strcmp(st, "damaged") != 0))
			continue;
		fputs("<li class=\"bad\">", fp);
		ct_html_esc(fp, sym);
		fputs(": ", fp);
		if (strcmp(st, "damaged") == 0)
			fputs("record damaged: ", fp);
		ct_html_esc(fp, str(e, "error") ? str(e, "error") : "failed (no error recorded)");
		fputs("</li>\n", fp);
	}
}

/* The newest run of each cycle: the ledgers the dashboard read (its
 * "runs"). */
static void
runs(FILE *fp, const json_t *d)
{
	json_t *all = json_incref(json_object_get(d, "runs")), *lg;
	long n[5];
	const char *cycle;

	fputs("<h2 id=\"runs\">Newest run of each cycle</h2>\n", fp);
	if (json_object_size(all) == 0)
		fputs("<p class=\"none\">No runs yet.</p>\n", fp);
	json_object_foreach(all, cycle, lg) {
		fputs("<h3>", fp);
		ct_html_esc(fp, str(lg, "run"));
		fputs("</h3>\n<ul>\n", fp);
		if (str(lg, "error")) {
			fputs("<li class=\"bad\">", fp);
			ct_html_esc(fp, str(lg, "error"));
			fputs("</li></ul>\n", fp);
			continue;
		}
		ct_ledger_counts(lg, n);
		fprintf(fp, "<li>%zu coins: %ld success, %ld failed, %ld skipped, %ld running, "
		    "%ld pending", json_object_size(json_object_get(lg, "symbols")),
		    n[2], n[3], n[4], n[1], n[0]);
		if (ct_ledger_damaged(lg) > 0)
			fprintf(fp, ", %ld damaged", ct_ledger_damaged(lg));
		fputs("</li>\n", fp);
		run_failures(fp, lg);
		fputs("</ul>\n", fp);
	}
	json_decref(all);
}

static json_t *
model_file(const char *home, const char *sym, const char *file)
{
	char path[CT_PATH_MAX], err[64];
	int missing;

	if (ct_path(path, sizeof path, "%s/models/%s/current/%s", home, sym, file) != 0)
		return NULL;
	/* Silent: the coin table says what is wrong with the model. */
	return ct_json_read(path, 0, &missing, err, sizeof err);
}

/* The number of the n-th fold (from 0) the search scored, or 0 when
 * there is none such. */
static int
searched_fold(const json_t *metrics, size_t n)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(metrics, "folds"), i, f)
		if (json_is_true(json_object_get(f, "searched")) &&
		    json_is_integer(json_object_get(f, "fold")) && n-- == 0)
			return (int)json_integer_value(json_object_get(f, "fold"));
	return 0;
}

static void
num_cell(FILE *fp, const json_t *o, const char *key, int decimals)
{
	double v = dbl(o, key);

	if (isnan(v))
		fputs("<td>-</td>", fp);
	else
		fprintf(fp, "<td>%.*f</td>", decimals, v);
}

/* The folds of metrics.json; of a tuned model, those its search scored
 * are marked: in-sample to the search, they are not its figures. */
static void
folds_table(FILE *fp, const json_t *metrics)
{
	json_t *f;
	size_t i;
	int searched;

	if (searched_fold(metrics, 0) > 0)
		fputs("<p>Folds marked <em>searched</em> were scored by the parameter search, "
		    "which chose the parameters on them: they are in-sample to it, and the "
		    "model's figures leave them out.</p>\n", fp);

	fputs("<table class=\"folds\"><tr><th>fold</th><th>rows</th><th>AUC</th>"
	    "<th>logloss</th><th>trades</th><th>net bps/trade</th><th>total net bps</th>"
	    "<th>threshold</th></tr>\n", fp);
	json_array_foreach(json_object_get(metrics, "folds"), i, f) {
		searched = json_is_true(json_object_get(f, "searched"));
		fputs(searched ? "<tr class=\"searched\">" : "<tr>", fp);
		if (json_is_true(json_object_get(f, "heldout")))
			fputs("<td>held-out</td>", fp);
		else if (searched && json_is_number(json_object_get(f, "fold")))
			fprintf(fp, "<td>%.0f, searched</td>", dbl(f, "fold"));
		else
			num_cell(fp, f, "fold", 0);
		num_cell(fp, f, "rows", 0);
		num_cell(fp, f, "auc", 3);
		num_cell(fp, f, "logloss", 4);
		num_cell(fp, f, "trades", 0);
		num_cell(fp, f, "net_bps_after_costs", 1);
		num_cell(fp, f, "total_net_bps", 0);
		num_cell(fp, f, "threshold", 3);
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

/* ---- the equity chart: the model after costs beside buy and hold ---- */

struct pts {
	double *x, *y;
	size_t n, cap;
};

static int
push(struct pts *p, double x, double y)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		double *nx = realloc(p->x, cap * sizeof *nx), *ny;

		if (nx == NULL)
			return -1;
		p->x = nx;
		if ((ny = realloc(p->y, cap * sizeof *ny)) == NULL)
			return -1;
		p->y = ny;
		p->cap = cap;
	}
	p->x[p->n] = x;
	p->y[p->n++] = y;
	return 0;
}

struct hold {
	struct pts p;
	int64_t from, to;
	double c0;
};

/* Buy and hold from the first close at or after from: log return in bps. */
static int
take_close(int64_t t, const char *row, size_t len, void *arg)
{
	struct hold *h = arg;
	double c;

	if (t > h->to)
		return 1;
	if (t < h->from || ct_row_close(row, len, &c) != 0 || !(c > 0))
		return 0;
	if (h->p.n == 0)
		h->c0 = c;
	return push(&h->p, (double)t, 1e4 * log(c / h->c0));
}

/* Open times past the year 9999 are no candle's (and no time_t). */
#define MAX_MS 253402300799999.0

/* The span the figures cover, as whole ms: from the first validation row
 * to the last one, or the curve's own ends [t0, t1]. */
static void
span(const json_t *metrics, double t0, double t1, int64_t *from, int64_t *to)
{
	const json_t *folds = json_object_get(metrics, "folds");
	size_t k0 = 0;
	const json_t *v0, *v1;
	int64_t t;

	/* A tuned model's figures leave out the folds its search scored. */
	while (k0 + 1 < json_array_size(folds) &&
	    json_is_true(json_object_get(json_array_get(folds, k0), "searched")))
		k0++;
	v0 = json_object_get(json_array_get(folds, k0), "val");
	v1 = json_object_get(json_array_get(folds, json_array_size(folds) - 1), "val");

	*from = (int64_t)t0;
	*to = (int64_t)t1;
	if (str(v0, "from") && ct_parse_iso8601(str(v0, "from"), &t) == 0 && t < *from)
		*from = t;
	if (str(v1, "to") && ct_parse_iso8601(str(v1, "to"), &t) == 0 && t > *to)
		*to = t;
}

/* The curve's points with a time from 1970 to 9999, after a first one at
 * 0 bps whose time span() sets. */
static void
curve_points(const json_t *eq, struct pts *m)
{
	const json_t *pt;
	double t, v;
	size_t i;

	push(m, 0, 0);
	json_array_foreach(eq, i, pt) {
		t = json_number_value(json_array_get(pt, 0));
		v = json_number_value(json_array_get(pt, 1));
		if (t >= 0 && t <= MAX_MS && (m->n == 1 || t >= m->x[m->n - 1]))
			push(m, t, v);
	}
	if (m->n == 1)
		m->n = 0;
}

static void
hold_curve(const char *home, const json_t *row, struct hold *h)
{
	char path[CT_PATH_MAX], err[CT_PATH_MAX + 100];
	const char *tf = str(row, "timeframe");

	/* A damaged store is said once, by the coin table's row. */
	if (tf && ct_store_path(path, sizeof path, home, str(row, "symbol"), tf) == 0 &&
	    ct_store_scan(path, take_close, h, err, sizeof err) != 0 &&
	    !json_object_get(json_object_get(row, "candles"), "error"))
		ct_warn("%s", err);
}

/* A figure in words: "-136 bps", or "an unknown number of bps". */
static void
fig(FILE *fp, double v, const char *unit)
{
	if (isnan(v))
		fprintf(fp, "an unknown number of %s", unit);
	else
		fprintf(fp, "%.0f %s", v, unit);
}

/* Why a model never trades, and what its chart's model line is then,
 * by what its figures are (metrics.json's evaluation). */
static const char *
never_why(const char *ev)
{
	if (ev && strcmp(ev, "held-out") == 0)
		return "<strong>never trades</strong> (an update keeps its fresh model's threshold, "
		    "and that model's later folds did not make money beyond noise); the chart's "
		    "model line is the held-out block's trades at that threshold: ";
	if (ev && strcmp(ev, "held-out after search") == 0)
		return "<strong>never trades</strong> (the folds its parameter search did not score "
		    "did not make money beyond noise); the chart's model line is those folds' "
		    "trades, each at a threshold picked on the folds before it: ";
	if (ev && strncmp(ev, "optimistic", 10) == 0)
		return "<strong>never trades</strong> (its parameter search scored every fold: no "
		    "out-of-sample evidence to trade on); the chart's model line is its folds' "
		    "trades, each at a threshold picked on the folds before it: ";
	/* The chart's line is its folds', each at its own threshold. */
	return "<strong>never trades</strong> (its folds after the first did not make "
	    "money beyond noise); the chart's model line is its folds' trades, each fold at "
	    "a threshold picked on the folds before it (the first at 0.5): ";
}

static void
equity_caption(FILE *fp, const json_t *row, const json_t *metrics)
{
	const json_t *m = json_object_get(row, "model"), *agg = json_object_get(metrics, "aggregate");

	fputs("<p>Model after costs (", fp);
	ct_html_esc(fp, str(m, "evaluation") ? str(m, "evaluation") : "?");
	fputs("): ", fp);
	if (json_is_true(json_object_get(m, "never_trades"))) {
		fputs(never_why(str(m, "evaluation")), fp);
		fig(fp, dbl(agg, "total_net_bps"), "bps");
		fputs(" in total over ", fp);
		fig(fp, dbl(agg, "trades"), "trades");
	} else {
		fig(fp, dbl(m, "total_net_bps"), "bps");
		fputs(" in total over ", fp);
		fig(fp, dbl(m, "trades"), "trades");
	}
	fputs("; buy and hold over the same rows: ", fp);
	fig(fp, dbl(m, "buy_hold_bps"), "bps");
	fputs(" after one round trip of costs (its line in the chart is before costs).</p>\n", fp);
}

static void
equity(FILE *fp, const char *home, const json_t *row, const json_t *metrics)
{
	const json_t *eq = json_object_get(metrics, "equity_curve");
	struct hold h = { .p = { 0 } };
	struct pts m = { 0 };
	struct ct_line s[2];
	struct ct_chart c = { "equity after costs and buy and hold", "UTC", "cumulative bps", 1, 1,
	    "No equity curve in metrics.json." };

	curve_points(eq, &m);
	if (m.n > 0) {
		span(metrics, m.x[1], m.x[m.n - 1], &h.from, &h.to);
		m.x[0] = (double)h.from;
		/* No trade after the last exit: the equity stays where it is. */
		if ((double)h.to > m.x[m.n - 1])
			push(&m, (double)h.to, m.y[m.n - 1]);
		hold_curve(home, row, &h);
	} else if (span(metrics, MAX_MS, 0, &h.from, &h.to), h.from < h.to &&
	    json_is_array(eq)) {
		/* It never traded over the rows scored: flat at 0, beside
		 * what holding would have made. */
		push(&m, (double)h.from, 0);
		push(&m, (double)h.to, 0);
		hold_curve(home, row, &h);
	}
	s[0] = (struct ct_line){ m.x, m.y, m.n, "model, after costs", "#1f5fa8", 0 };
	s[1] = (struct ct_line){ h.p.x, h.p.y, h.p.n, "buy and hold, before costs", "#999", 1 };
	ct_svg_chart(fp, &c, s, 2);
	free(m.x);
	free(m.y);
	free(h.p.x);
	free(h.p.y);
}

/* ---- training curves: the early-stopping logloss of each fold ---- */

#define MAXFOLDS 8

/* An incremental update adds rounds without folds: its curve is the one
 * comparison that decided it.  1 when there was one. */
static int
compared(FILE *fp, const json_t *log)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(log, "events"), i, e) {
		if (str(e, "event") == NULL || strcmp(str(e, "event"), "compared") != 0)
			continue;
		fprintf(fp, "<p>Incremental update: held-out logloss %.4f, against %.4f for the "
		    "model it replaced.</p>\n", dbl(e, "candidate_logloss"), dbl(e, "current_logloss"));
		return 1;
	}
	return 0;
}

/* Whether the search scored fold f (metrics.json's folds). */
static int
was_searched(const json_t *metrics, int f)
{
	int k;

	for (size_t n = 0; (k = searched_fold(metrics, n)) != 0; n++)
		if (k == f)
			return 1;
	return 0;
}

static void
training(FILE *fp, const json_t *log, const json_t *metrics)
{
	static const char *const color[MAXFOLDS] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
	    "#9467bd", "#8c564b", "#e377c2", "#17becf" };
	struct ct_chart c = { "training curves", "boosting round", "early-stopping logloss", 0, 0,
	    "No training curves in training_log.json." };
	struct pts p[MAXFOLDS] = { { 0 } };
	struct ct_line s[MAXFOLDS];
	char label[MAXFOLDS][32];
	const json_t *e;
	size_t i, ns = 0;
	int f;

	json_array_foreach(json_object_get(log, "events"), i, e) {
		f = json_is_integer(json_object_get(e, "fold")) ?
		    (int)(json_integer_value(json_object_get(e, "fold")) % 1000) : 0;
		/* Fold 0 is the final model: it has no stopping block. */
		if (str(e, "event") && strcmp(str(e, "event"), "round") == 0 && f >= 1 &&
		    f <= MAXFOLDS && dbl(e, "stop_logloss") >= 0 && !isnan(dbl(e, "round")))
			push(&p[f - 1], dbl(e, "round"), dbl(e, "stop_logloss"));
	}
	for (f = 0; f < MAXFOLDS; f++) {
		if (p[f].n == 0)
			continue;
		snprintf(label[ns], sizeof label[ns], "fold %d%s", f + 1,
		    was_searched(metrics, f + 1) ? ", searched" : "");
		s[ns] = (struct ct_line){ p[f].x, p[f].y, p[f].n, label[ns], color[f], 0 };
		ns++;
	}
	if (ns > 0 || !compared(fp, log))
		ct_svg_chart(fp, &c, s, ns);
	for (f = 0; f < MAXFOLDS; f++) {
		free(p[f].x);
		free(p[f].y);
	}
}

/* ---- a coin ---- */

static void
coin(FILE *fp, const char *home, const json_t *row)
{
	const char *sym = str(row, "symbol");
	const json_t *m = json_object_get(row, "model");
	json_t *metrics, *log;

	fprintf(fp, "<section class=\"coin\" id=\"coin-%s\"><h3>%s</h3>\n", sym, sym);
	if (!json_is_object(m)) {
		fputs("<p class=\"none\">No serving model.</p></section>\n", fp);
		return;
	}
	fputs("<p>Serving model ", fp);
	ct_html_esc(fp, str(m, "stamp"));
	fputs(" (", fp);
	ct_html_esc(fp, str(m, "mode") ? str(m, "mode") : "mode unknown");
	fputs(", ", fp);
	ct_html_esc(fp, str(m, "params") ? str(m, "params") : "unknown");
	fputs(" parameters); its figures are ", fp);
	ct_html_esc(fp, str(m, "evaluation") ? str(m, "evaluation") : "missing");
	fputs(".</p>\n", fp);
	if (str(m, "error")) {
		fputs("<p class=\"bad\">", fp);
		ct_html_esc(fp, str(m, "error"));
		fputs("</p>\n", fp);
	}
	metrics = model_file(home, sym, "metrics.json");
	log = model_file(home, sym, "training_log.json");
	folds_table(fp, metrics);
	fputs("<div class=\"charts\">\n", fp);
	equity(fp, home, row, metrics);
	training(fp, log, metrics);
	fputs("</div>\n", fp);
	if (json_is_array(json_object_get(metrics, "equity_curve")))
		equity_caption(fp, row, metrics);
	fputs("</section>\n", fp);
	json_decref(metrics);
	json_decref(log);
}

/* Lines of text for a <pre>: each escaped, its newline kept. */
static void
pre_lines(FILE *fp, char *text)
{
	char *line;

	while ((line = strsep(&text, "\n")) != NULL) {
		ct_html_esc(fp, line);
		if (text)
			fputc('\n', fp);
	}
}

static void
page(FILE *fp, const char *home, const json_t *d, const json_t *coins)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *mem;
	json_t *row;

	head(fp, d);
	health(fp, d);
	coin_table(fp, coins);
	runs(fp, d);
	fputs("<h2 id=\"models\">Models</h2>\n", fp);
	json_array_foreach(coins, i, row)
		coin(fp, home, row);
	if ((mem = open_memstream(&text, &len)) != NULL) {
		ct_dashboard_text((json_t *)d, mem);
		fclose(mem);
		fputs("<details><summary>System and the text view</summary><pre>", fp);
		pre_lines(fp, text);
		fputs("</pre></details>\n", fp);
		free(text);
	}
	fputs("</body></html>\n", fp);
}

int
ct_dashboard_html(const char *home, json_t *d, const char *path)
{
	json_t *coins = json_object_get(d, "coins"), *own = NULL;
	struct ct_afile af;
	int rc = -1;

	if (!json_is_array(coins) && (coins = own = ct_status_all(home, NULL, ct_now_ms())) == NULL)
		errno = ENOMEM;
	else if (ct_afile_open(&af, path) == 0) {
		page(af.fp, home, d, coins);
		/* A flush of what is left says why a write failed (a full
		 * disk), where the stream's error flag alone does not. */
		errno = 0;
		if (fflush(af.fp) != 0 || ferror(af.fp)) {
			int e = errno ? errno : EIO;

			ct_afile_abort(&af);
			errno = e;
		} else {
			rc = ct_afile_commit(&af);
		}
	}
	if (rc != 0)
		ct_warn("%s: %s", path, ct_afile_strerror(errno));
	json_decref(own);
	return rc;
}
