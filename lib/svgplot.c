/* svgplot.c — a line chart drawn in the page's own coordinates: a frame,
 * ticks at round values (1, 2 or 5 times a power of ten; whole hours,
 * days or weeks for times), the lines thinned to what a 640-pixel chart
 * can show, and a legend. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "parse.h"
#include "svgplot.h"
#include "text.h"

#define W 640.0			/* the chart */
#define H 230.0
#define ML 64.0			/* margins: y labels left, x labels below, legend above */
#define MR 14.0
#define MT 24.0
#define MB 34.0
#define MAXPTS 400		/* a line is thinned to about this many points (fewer than 2 x MAXPTS) */
#define MAXTICKS 12		/* on one axis, whatever the range */
#define LIMIT 1e15		/* points beyond are not drawn (ms up to the year 9999 are below) */

struct frame {
	double x0, x1, y0, y1;
};

void
ct_html_esc(FILE *fp, const char *s)
{
	size_t adv, keep;

	for (; s && *s; s += adv) {
		adv = ct_shown_next(s, SIZE_MAX, &keep);
		switch (keep == 1 ? *s : 0) {
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '&': fputs("&amp;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default:
			if (keep)
				fwrite(s, 1, keep, fp);
			else
				fputc('?', fp);
		}
	}
}

static double
px(const struct frame *f, double x)
{
	return ML + (x - f->x0) / (f->x1 - f->x0) * (W - ML - MR);
}

static double
py(const struct frame *f, double y)
{
	return MT + (f->y1 - y) / (f->y1 - f->y0) * (H - MT - MB);
}

static int
drawable(const struct ct_line *s, size_t i)
{
	return fabs(s->x[i]) <= LIMIT && fabs(s->y[i]) <= LIMIT;
}

/* The ranges of every point (and of 0 with zero); never empty. */
static void
extent(const struct ct_chart *c, const struct ct_line *s, size_t ns, struct frame *f)
{
	f->x0 = f->y0 = INFINITY;
	f->x1 = f->y1 = -INFINITY;
	for (size_t k = 0; k < ns; k++)
		for (size_t i = 0; i < s[k].n; i++) {
			if (!drawable(&s[k], i))
				continue;
			f->x0 = fmin(f->x0, s[k].x[i]);
			f->x1 = fmax(f->x1, s[k].x[i]);
			f->y0 = fmin(f->y0, s[k].y[i]);
			f->y1 = fmax(f->y1, s[k].y[i]);
		}
	if (c->zero) {
		f->y0 = fmin(f->y0, 0);
		f->y1 = fmax(f->y1, 0);
	}
	/* A range too small to be told from its values is widened. */
	if (!(f->x1 - f->x0 > fabs(f->x0) * 1e-9))
		f->x1 = f->x0 + fmax(1, fabs(f->x0) * 1e-6);
	if (!(f->y1 - f->y0 > fabs(f->y0) * 1e-9))
		f->y1 = f->y0 + fmax(1, fabs(f->y0) * 1e-6);
}

/* A round step giving about n ticks over range. */
static double
nice_step(double range, int n)
{
	double raw = range / n, mag = pow(10, floor(log10(raw))), r = raw / mag;

	return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

/* A step of whole hours, days or weeks giving at most 6 ticks. */
static double
date_step(double range)
{
	static const double hours[] = { 1, 3, 6, 12, 24, 48, 168, 336, 672, 1344, 2688, 8760 };
	size_t i;

	for (i = 0; i < sizeof hours / sizeof hours[0] - 1; i++)
		if (range / (hours[i] * 3.6e6) <= 6)
			break;
	return hours[i] * 3.6e6;
}

static void
date_label(char *buf, size_t n, double ms, double step)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, step >= 86400e3 ? "%Y-%m-%d" : "%m-%d %H:%M", &tm);
}

static void
yticks(FILE *fp, const struct frame *f)
{
	double step = nice_step(f->y1 - f->y0, 4), v = ceil(f->y0 / step) * step;

	for (int k = 0; k < MAXTICKS && v <= f->y1 + step * 1e-9; k++, v += step)
		fprintf(fp, "<line class=\"grid\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>"
		    "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
		    ML, W - MR, py(f, v), py(f, v), ML - 4, py(f, v) + 4, fabs(v) < step / 2 ? 0 : v);
}

static void
xticks(FILE *fp, const struct frame *f, int dates)
{
	double step = dates ? date_step(f->x1 - f->x0) : nice_step(f->x1 - f->x0, 5);
	double v = ceil(f->x0 / step) * step;
	char label[32];

	for (int k = 0; k < MAXTICKS && v <= f->x1; k++, v += step) {
		if (dates)
			date_label(label, sizeof label, v, step);
		else
			snprintf(label, sizeof label, "%g", v);
		fprintf(fp, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\"/>"
		    "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n",
		    px(f, v), px(f, v), MT, H - MB, px(f, v), H - MB + 14, label);
	}
}

static void
axes(FILE *fp, const struct ct_chart *c, const struct frame *f)
{
	fprintf(fp, "<rect class=\"frame\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\"/>\n",
	    ML, MT, W - ML - MR, H - MT - MB);
	yticks(fp, f);
	xticks(fp, f, c->xdates);
	if (c->zero)
		fprintf(fp, "<line class=\"zero\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
		    ML, W - MR, py(f, 0), py(f, 0));
	fprintf(fp, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">", (ML + W - MR) / 2, H - 4);
	ct_html_esc(fp, c->xlabel);
	fprintf(fp, "</text><text transform=\"translate(12,%.0f) rotate(-90)\" text-anchor=\"middle\">",
	    (MT + H - MB) / 2);
	ct_html_esc(fp, c->ylabel);
	fputs("</text>\n", fp);
}

static void
point(FILE *fp, const struct frame *f, const struct ct_line *s, size_t i)
{
	if (drawable(s, i))
		fprintf(fp, "%.1f,%.1f ", px(f, s->x[i]), py(f, s->y[i]));
}

static void
line(FILE *fp, const struct frame *f, const struct ct_line *s)
{
	size_t step = s->n > MAXPTS ? s->n / MAXPTS : 1, i;

	fprintf(fp, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"",
	    s->color, s->dashed ? " stroke-dasharray=\"5 3\"" : "");
	for (i = 0; i < s->n; i += step)
		point(fp, f, s, i);
	if ((s->n - 1) % step != 0)
		point(fp, f, s, s->n - 1);
	fputs("\"/>\n", fp);
}

static void
legend(FILE *fp, const struct ct_line *s, size_t ns)
{
	double x = ML;

	for (size_t k = 0; k < ns; k++) {
		fprintf(fp, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"12\" y2=\"12\" stroke=\"%s\" "
		    "stroke-width=\"2\"%s/><text x=\"%.0f\" y=\"16\">", x, x + 16, s[k].color,
		    s[k].dashed ? " stroke-dasharray=\"5 3\"" : "", x + 20);
		ct_html_esc(fp, s[k].label);
		fputs("</text>\n", fp);
		x += 28 + 6.5 * (double)strlen(s[k].label);
	}
}

void
ct_svg_chart(FILE *fp, const struct ct_chart *c, const struct ct_line *s, size_t ns)
{
	struct frame f;
	size_t k, pts = 0;

	for (k = 0; k < ns; k++)
		for (size_t i = 0; i < s[k].n; i++)
			pts += drawable(&s[k], i);
	if (pts == 0) {
		fputs("<p class=\"none\">", fp);
		ct_html_esc(fp, c->empty);
		fputs("</p>\n", fp);
		return;
	}
	extent(c, s, ns, &f);
	fprintf(fp, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
	    "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"", W, H, W, H);
	ct_html_esc(fp, c->title);
	fputs("\">\n", fp);
	axes(fp, c, &f);
	for (k = 0; k < ns; k++)
		if (s[k].n > 0)
			line(fp, &f, &s[k]);
	legend(fp, s, ns);
	fputs("</svg>\n", fp);
}
