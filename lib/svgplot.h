/* svgplot.h — line charts as inline SVG with labelled axes: dated when x
 * is a time, so a page needs nothing but a browser to show them. */
#ifndef CT_SVGPLOT_H
#define CT_SVGPLOT_H

#include <stddef.h>
#include <stdio.h>

/* One line: n points (x[i], y[i]), x ascending; a point with a coordinate
 * beyond +-1e15 is left out (no bps or ms of ours is that large). */
struct ct_line {
	const double *x, *y;
	size_t n;
	const char *label;	/* the legend's words */
	const char *color;	/* a CSS colour */
	int dashed;
};

struct ct_chart {
	const char *title;	/* the chart's accessible name */
	const char *xlabel, *ylabel;
	int xdates;		/* x is Unix ms: ticks are UTC dates */
	int zero;		/* keep y = 0 in range and draw it */
	const char *empty;	/* the sentence shown when there is no point */
};

/* The chart of ns lines as one <svg> element on fp; without any point,
 * the chart's empty sentence instead. */
void ct_svg_chart(FILE *fp, const struct ct_chart *c, const struct ct_line *s, size_t ns);
/* Text for HTML: < > & " escaped, control characters as '?' (text from
 * the data files must not drive the terminal a page is read on). */
void ct_html_esc(FILE *fp, const char *s);

#endif
