/* costs.c — the cost table and the high–low spread estimator. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "costs.h"
#include "share.h"
#include "err.h"
#include "parse.h"

#define NCOL 5

static const char *const cols[NCOL] = {
	"symbol", "taker_fee_bps", "maker_fee_bps", "median_spread_bps",
	"slippage_bps_per_sigma",
};

const char *
ct_costs_path(const char *opt, char *buf, size_t n)
{
	char share[CT_PATH_MAX];

	if (opt)
		snprintf(buf, n, "%s", opt);
	else
		snprintf(buf, n, "%s/costs.csv", ct_share_dir(share, sizeof share));
	return buf;
}

struct rd {
	const char *path, *sym;
	struct ct_costs *out;
	char f[NCOL][64];
	int nf, bad, found;	/* found: 2 exact row, 1 "*" row */
	int toolong;		/* 1 + the column of a field too long for f, or 0 */
	long line;
};

static void
on_field(void *s, size_t len, void *ctx)
{
	struct rd *r = ctx;

	if (r->nf < NCOL) {
		snprintf(r->f[r->nf], sizeof r->f[0], "%.*s", (int)(len < 63 ? len : 63), (char *)s);
		if (len > 63 && !r->toolong)
			r->toolong = r->nf + 1;
	}
	r->nf++;
}

static int
num(struct rd *r, int i, double *v, int empty_ok)
{
	if (empty_ok && r->f[i][0] == '\0') {
		*v = NAN;
		return 0;
	}
	if (ct_parse_double(r->f[i], v) != 0 || *v < 0) {
		ct_warn("%s:%ld: %s: not a non-negative number: \"%s\"", r->path, r->line,
		    cols[i], r->f[i]);
		r->bad = 1;
		return -1;
	}
	/* 10000 bps is the whole price: a cost past it is a typo, and one
	 * near DBL_MAX made the round trip infinite (no JSON could hold it). */
	if (*v > CT_COST_MAX_BPS) {
		ct_warn("%s:%ld: %s: %s is more than %d bps (the whole price)", r->path, r->line,
		    cols[i], r->f[i], CT_COST_MAX_BPS);
		r->bad = 1;
		return -1;
	}
	return 0;
}

static void
on_row(int c, void *ctx)
{
	struct rd *r = ctx;
	struct ct_costs k;
	int rank, toolong = r->toolong;

	(void)c;
	r->line++;
	r->toolong = 0;
	if (r->bad)
		return;
	if (r->line == 1) {
		for (int i = 0; i < NCOL; i++)
			if (r->nf != NCOL || strcmp(r->f[i], cols[i]) != 0) {
				ct_warn("%s:1: header must be %s,%s,%s,%s,%s", r->path,
				    cols[0], cols[1], cols[2], cols[3], cols[4]);
				r->bad = 1;
				break;
			}
		r->nf = 0;
		return;
	}
	if (r->nf != NCOL) {
		ct_warn("%s:%ld: expected %d fields, got %d", r->path, r->line, NCOL, r->nf);
		r->bad = 1;
		r->nf = 0;
		return;
	}
	r->nf = 0;
	if (toolong) {
		ct_warn("%s:%ld: %s: longer than 63 characters", r->path, r->line, cols[toolong - 1]);
		r->bad = 1;
		return;
	}
	rank = !r->sym || strcmp(r->f[0], r->sym) == 0 ? 2 : strcmp(r->f[0], "*") == 0 ? 1 : 0;
	memset(&k, 0, sizeof k);
	if (num(r, 1, &k.taker_bps, 0) || num(r, 2, &k.maker_bps, 0) ||
	    num(r, 3, &k.spread_bps, 1) || num(r, 4, &k.slip_bps_per_sigma, 0))
		return;
	/* Two rows for the coin (or two "*"): which one was meant is not
	 * for us to guess. */
	if (r->sym && rank > 0 && rank == r->found) {
		ct_warn("%s:%ld: a second row for %s (the first is line %ld)", r->path, r->line,
		    r->f[0], r->out->line);
		r->bad = 1;
		return;
	}
	if (rank > r->found) {
		r->found = rank;
		snprintf(k.row, sizeof k.row, "%s", r->f[0]);
		k.line = r->line;
		*r->out = k;
	}
}

int
ct_costs_check(const char *path)
{
	struct ct_costs c;

	return ct_costs_load(path, NULL, &c);
}

int
ct_costs_load(const char *path, const char *sym, struct ct_costs *c)
{
	struct csv_parser p;
	struct rd r;
	char buf[4096];
	size_t n;
	FILE *fp;

	memset(&r, 0, sizeof r);
	r.path = path;
	r.sym = sym;
	r.out = c;
	if (*path == '\0') {
		ct_warn("--costs: an empty file name");
		return -1;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	if (csv_init(&p, CSV_APPEND_NULL) != 0) {
		fclose(fp);
		ct_warn("%s: out of memory", path);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		if (csv_parse(&p, buf, n, on_field, on_row, &r) != n) {
			ct_warn("%s:%ld: %s", path, r.line + 1, csv_strerror(csv_error(&p)));
			r.bad = 1;
			break;
		}
	if (!r.bad && ferror(fp)) {
		ct_warn("%s: %s", path, strerror(errno));
		r.bad = 1;
	}
	if (!r.bad)
		csv_fini(&p, on_field, on_row, &r);
	csv_free(&p);
	fclose(fp);
	if (r.bad)
		return -1;
	if (!r.found) {
		if (sym)
			ct_warn("%s: no row for %s and no \"*\" row", path, sym);
		else
			ct_warn("%s: no row (symbol,taker_fee_bps,maker_fee_bps,median_spread_bps,"
			    "slippage_bps_per_sigma)", path);
		return -1;
	}
	snprintf(c->file, sizeof c->file, "%s", path);
	return 0;
}

void
ct_spread_add(struct ct_spread *sp, const struct ct_candle *a, const struct ct_candle *b)
{
	const double k = 3.0 - 2.0 * M_SQRT2;
	double b1 = log(a->h / a->l), b2 = log(b->h / b->l);
	double beta = b1 * b1 + b2 * b2;
	double g = log(fmax(a->h, b->h) / fmin(a->l, b->l)), gamma = g * g;
	double alpha = (sqrt(2 * beta) - sqrt(beta)) / k - sqrt(gamma / k);
	double s = 2 * (exp(alpha) - 1) / (1 + exp(alpha));

	if (!isfinite(s))
		return;
	sp->sum += s > 0 ? s : 0;
	sp->n++;
}

double
ct_spread_bps(const struct ct_spread *sp)
{
	return sp->n ? sp->sum / (double)sp->n * 1e4 : 0;
}

double
ct_spread_cs(const struct ct_series *s, size_t from, size_t to)
{
	struct ct_spread sp = { 0, 0 };

	for (size_t i = from; i + 1 < to; i++)
		ct_spread_add(&sp, &s->c[i], &s->c[i + 1]);
	return ct_spread_bps(&sp);
}

double
ct_cost_rt_bps(const struct ct_costs *c, double sigma)
{
	double slip = c->slip_bps_per_sigma * (isfinite(sigma) ? sigma * 100 : 0);

	return 2 * c->taker_bps + c->spread_bps + 2 * slip;
}

json_t *
ct_costs_json(const struct ct_costs *c)
{
	return json_pack("{s:s, s:s, s:I, s:f, s:f, s:f, s:s, s:f, s:s}",
	    "table", c->file, "row", c->row, "line", (json_int_t)c->line,
	    "taker_fee_bps", c->taker_bps, "maker_fee_bps", c->maker_bps,
	    "median_spread_bps", c->spread_bps,
	    "spread_source", c->spread_estimated ?
	    "estimated from highs and lows (Corwin-Schultz 2012) over the training candles" :
	    "cost table",
	    "slippage_bps_per_sigma", c->slip_bps_per_sigma,
	    "round_trip", "2*taker_fee_bps + median_spread_bps + 2*slippage_bps_per_sigma*sigma;"
	    " sigma = std of one-candle log returns over 48 candles, in percent");
}
