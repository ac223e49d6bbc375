/* report.c — the dashboard as one self-contained HTML page: the text view,
 * a bar per coin of after-cost net bps, and each coin's after-cost equity
 * curve, drawn as inline SVG so the page needs nothing but a browser. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "err.h"
#include "home.h"
#include "dashboard.h"

/* Equity curves are thinned to this many points: enough for a 300 px plot. */
#define CURVE_POINTS 300

static void
esc(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", fp);
		else if (*s == '>')
			fputs("&gt;", fp);
		else if (*s == '&')
			fputs("&amp;", fp);
		else
			fputc(*s, fp);
	}
}

struct coin {
	const char *sym;
	json_t *metrics;	/* owned */
	double bps;		/* NAN when unknown */
};

static void
bars(FILE *fp, struct coin *c, size_t n)
{
	double max = 0, w = 360, x0 = 120 + w / 2, len;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!isnan(c[i].bps) && fabs(c[i].bps) > max)
			max = fabs(c[i].bps);
	if (max == 0)
		max = 1;
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%zu\" "
	    "font-family=\"monospace\" font-size=\"12\">\n", 120 + w + 90, 20 * n + 10);
	fprintf(fp, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%zu\" stroke=\"#888\"/>\n",
	    x0, x0, 20 * n + 10);
	for (i = 0; i < n; i++, k++) {
		double y = 5 + 20.0 * (double)k;

		fprintf(fp, "<text x=\"0\" y=\"%.1f\">%s</text>\n", y + 13, c[i].sym);
		if (isnan(c[i].bps)) {
			fprintf(fp, "<text x=\"%.1f\" y=\"%.1f\">no metrics</text>\n", x0 + 4, y + 13);
			continue;
		}
		len = fabs(c[i].bps) / max * (w / 2);
		fprintf(fp, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\" fill=\"%s\"/>"
		    "<text x=\"%.1f\" y=\"%.1f\">%.1f</text>\n",
		    c[i].bps < 0 ? x0 - len : x0, y, len, c[i].bps < 0 ? "#c0392b" : "#27ae60",
		    120 + w + 4, y + 13, c[i].bps);
	}
	fputs("</svg>\n", fp);
}

static void
curve(FILE *fp, const char *sym, json_t *eq)
{
	size_t n = json_array_size(eq), step, i;
	double lo = 0, hi = 0, t0, t1, v, t, W = 300, H = 100;

	fprintf(fp, "<figure><figcaption>%s</figcaption>\n", sym);
	if (n < 2) {
		fputs("<p>no equity curve</p></figure>\n", fp);
		return;
	}
	t0 = json_number_value(json_array_get(json_array_get(eq, 0), 0));
	t1 = json_number_value(json_array_get(json_array_get(eq, n - 1), 0));
	for (i = 0; i < n; i++) {
		v = json_number_value(json_array_get(json_array_get(eq, i), 1));
		lo = v < lo ? v : lo;
		hi = v > hi ? v : hi;
	}
	if (hi == lo)
		hi = lo + 1;
	if (t1 <= t0)
		t1 = t0 + 1;
	fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\">\n"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n"
	    "<line x1=\"0\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#aaa\" stroke-dasharray=\"3\"/>\n"
	    "<polyline fill=\"none\" stroke=\"#2c3e50\" points=\"", W, H, W,
	    H - (0 - lo) / (hi - lo) * H, H - (0 - lo) / (hi - lo) * H);
	step = n > CURVE_POINTS ? n / CURVE_POINTS : 1;
	for (i = 0; i < n; i += step) {
		t = json_number_value(json_array_get(json_array_get(eq, i), 0));
		v = json_number_value(json_array_get(json_array_get(eq, i), 1));
		fprintf(fp, "%.1f,%.1f ", (t - t0) / (t1 - t0) * W, H - (v - lo) / (hi - lo) * H);
	}
	v = json_number_value(json_array_get(json_array_get(eq, n - 1), 1));
	fprintf(fp, "%.1f,%.1f\"/>\n</svg><figcaption>%.0f bps (range %.0f to %.0f)"
	    "</figcaption></figure>\n", W, H - (v - lo) / (hi - lo) * H, v, lo, hi);
}

int
ct_dashboard_html(const char *home, json_t *d, const char *path)
{
	json_t *list = json_object_get(d, "model_list"), *m, *agg, *v;
	char mpath[CT_PATH_MAX], *text = NULL;
	size_t tlen = 0, n = json_array_size(list), i;
	struct coin *c = calloc(n + 1, sizeof *c);
	struct ct_afile af;
	FILE *mem;
	int rc = -1;

	if (c == NULL || (mem = open_memstream(&text, &tlen)) == NULL)
		goto out;
	ct_dashboard_text(d, mem);
	fclose(mem);
	n = 0;
	json_array_foreach(list, i, m) {
		if (!json_is_string(json_object_get(m, "model")))
			continue;	/* a coin without a current model has no figures */
		c[n].sym = json_string_value(json_object_get(m, "symbol"));
		c[n].bps = NAN;
		if (ct_path(mpath, sizeof mpath, "%s/models/%s/current/metrics.json", home, c[n].sym) == 0)
			c[n].metrics = json_load_file(mpath, 0, NULL);
		agg = json_object_get(c[n].metrics, "aggregate");
		if (json_is_number(v = json_object_get(agg, "net_bps_after_costs")))
			c[n].bps = json_number_value(v);
		n++;
	}
	if (ct_afile_open(&af, path) != 0)
		goto out;
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>cointrain dashboard</title>\n"
	    "<style>body{font-family:sans-serif;margin:1em 2em}pre{background:#f4f4f4;padding:1em}"
	    "figure{display:inline-block;margin:0 1em 1em 0}figcaption{font:12px monospace}"
	    ".bad{color:#c0392b}</style></head><body>\n<h1>cointrain dashboard</h1>\n", af.fp);
	fprintf(af.fp, "<p class=\"%s\">health: %s</p>\n<pre>",
	    json_is_true(json_object_get(json_object_get(d, "health"), "ok")) ? "ok" : "bad",
	    json_is_true(json_object_get(json_object_get(d, "health"), "ok")) ? "ok" : "UNHEALTHY");
	esc(af.fp, text ? text : "");
	fputs("</pre>\n<h2>Net bps after costs, per coin (current model, walk-forward test)</h2>\n", af.fp);
	bars(af.fp, c, n);
	fputs("<h2>After-cost equity curves (cumulative net bps)</h2>\n", af.fp);
	for (i = 0; i < n; i++)
		curve(af.fp, c[i].sym, json_object_get(c[i].metrics, "equity_curve"));
	fputs("</body></html>\n", af.fp);
	if (ferror(af.fp)) {
		ct_afile_abort(&af);
		errno = EIO;
		goto out;
	}
	rc = ct_afile_commit(&af);
out:
	if (rc != 0)
		ct_warn("%s: %s", path, strerror(errno ? errno : ENOMEM));
	for (i = 0; c && i < n; i++)
		json_decref(c[i].metrics);
	free(c);
	free(text);
	return rc;
}
