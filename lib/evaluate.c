/* evaluate.c — scoring out-of-sample predictions: AUC, logloss, and the
 * long-only strategy after costs with its threshold and baselines. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"

#define EQUITY_MAX	200	/* points kept of the equity curve */

struct ranked {
	float p;
	float y;
};

static int
cmp_ranked(const void *a, const void *b)
{
	float x = ((const struct ranked *)a)->p, y = ((const struct ranked *)b)->p;

	return (x > y) - (x < y);
}

double
ct_auc(const float *p, const float *y, size_t n)
{
	struct ranked *v;
	double pos = 0, neg = 0, rsum = 0;

	if (n == 0 || (v = malloc(n * sizeof *v)) == NULL)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		/* A score that is not a number has no rank (and would
		 * never equal itself in the tie loop below). */
		if (!isfinite(p[i])) {
			free(v);
			return NAN;
		}
		v[i].p = p[i];
		v[i].y = y[i];
		pos += y[i] > 0.5f;
	}
	neg = (double)n - pos;
	qsort(v, n, sizeof *v, cmp_ranked);
	/* Mann-Whitney U: sum of the positives' ranks, ties sharing their
	 * average rank. */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double npos = 0;

		while (j < n && v[j].p == v[i].p)
			npos += v[j++].y > 0.5f;
		rsum += npos * ((double)(i + 1 + j) / 2);
		i = j;
	}
	free(v);
	if (pos == 0 || neg == 0)
		return NAN;
	return (rsum - pos * (pos + 1) / 2) / (pos * neg);
}

/* The strategy alone: "long at close[i] when p > thr, exit horizon
 * candles later, one position at a time".  Fills the trade fields of e. */
static void
trade(const struct ct_dataset *d, const float *p, size_t lo, size_t hi, double thr,
    struct ct_eval *e, json_t *equity, double cum0)
{
	double c = 0, peak = 0, gross = 0;

	for (size_t i = lo; i < hi;) {
		double net;

		if (!(p[i] > thr)) {
			i++;
			continue;
		}
		net = d->fwd_bps[i] - d->cost_bps[i];
		e->trades++;
		e->wins += net > 0;
		gross += d->fwd_bps[i];
		c += net;
		if (c > peak)
			peak = c;
		if (peak - c > e->max_dd_bps)
			e->max_dd_bps = peak - c;
		if (equity)
			json_array_append_new(equity, json_pack("[I,f]",
			    (json_int_t)(d->t[i] + d->horizon * d->tf_ms), cum0 + c));
		/* The next entry can be at the exit candle at the earliest. */
		i += (size_t)d->horizon;
	}
	e->total_net_bps = c;
	e->gross_bps = e->trades ? gross / e->trades : 0;
	e->net_bps = e->trades ? c / e->trades : 0;
}

double
ct_net_2se(const struct ct_dataset *d, size_t lo, size_t hi, long trades)
{
	double m = 0, v = 0;

	if (trades < 2 || hi <= lo + 1)
		return 0;
	for (size_t i = lo; i < hi; i++)
		m += d->fwd_bps[i];
	m /= (double)(hi - lo);
	for (size_t i = lo; i < hi; i++)
		v += (d->fwd_bps[i] - m) * (d->fwd_bps[i] - m);
	return 2 * sqrt(v / (double)(hi - lo - 1) / (double)trades);
}

double
ct_buy_hold(const struct ct_dataset *d, size_t lo, size_t hi)
{
	return (d->lc[hi - 1] - d->lc[lo]) * 1e4 + d->fwd_bps[hi - 1] - d->cost_bps[lo];
}

void
ct_evaluate(const struct ct_dataset *d, const float *p, size_t lo, size_t hi,
    double thr, struct ct_eval *e, json_t *equity, double *cum)
{
	double ll = 0;

	memset(e, 0, sizeof *e);
	e->threshold = thr;
	e->rows = (long)(hi - lo);
	if (hi <= lo)
		return;
	e->auc = ct_auc(p + lo, d->y + lo, hi - lo);
	for (size_t i = lo; i < hi; i++) {
		double q = fmin(fmax(p[i], 1e-7), 1 - 1e-7);

		ll -= d->y[i] > 0.5f ? log(q) : log(1 - q);
	}
	e->logloss = ll / (double)(hi - lo);
	trade(d, p, lo, hi, thr, e, equity, cum ? *cum : 0);
	if (cum)
		*cum += e->total_net_bps;
	e->buy_hold_bps = ct_buy_hold(d, lo, hi);
}

double
ct_pick_threshold(const struct ct_dataset *d, const float *p,
    const struct ct_fold *ranges, int nranges)
{
	double best = 1, besttot = 0;

	for (int k = 0; k <= 16; k++) {
		double thr = 0.5 + 0.025 * k, tot = 0;
		long trades = 0;

		for (int i = 0; i < nranges; i++) {
			struct ct_eval e = { 0 };
			size_t hi = ranges[i].val_hi;

			/* Only trades that have exited by the range's end: a later
			 * exit is a price from the block the threshold will be
			 * scored on. */
			hi = hi > ranges[i].val_lo + (size_t)d->horizon ? hi - (size_t)d->horizon :
			    ranges[i].val_lo;
			trade(d, p, ranges[i].val_lo, hi, thr, &e, NULL, 0);
			tot += e.total_net_bps;
			trades += e.trades;
		}
		if (trades >= CT_MIN_TRADES && tot > besttot) {
			besttot = tot;
			best = thr;
		}
	}
	return best;
}

int
ct_beyond_noise(long trades, double net, double two_se)
{
	return trades >= CT_MIN_TRADES && net > two_se;
}

/* No trade has no mean: its gross and net per trade are null. */
json_t *
ct_eval_json(const struct ct_eval *e)
{
	return json_pack("{s:o, s:o, s:I, s:f, s:I, s:o, s:o, s:o, s:f, s:f, s:f, s:f}",
	    "auc", isfinite(e->auc) ? json_real(e->auc) : json_null(),
	    "logloss", isfinite(e->logloss) ? json_real(e->logloss) : json_null(),
	    "rows", (json_int_t)e->rows, "threshold", e->threshold,
	    "trades", (json_int_t)e->trades,
	    "hit_rate", e->trades ? json_real((double)e->wins / e->trades) : json_null(),
	    "gross_bps_per_trade", e->trades ? json_real(e->gross_bps) : json_null(),
	    "net_bps_after_costs", e->trades ? json_real(e->net_bps) : json_null(),
	    "total_net_bps", e->total_net_bps, "max_drawdown_bps", e->max_dd_bps,
	    "buy_hold_bps", e->buy_hold_bps, "never_trade_bps", 0.0);
}

void
ct_equity_thin(json_t **eq)
{
	size_t n = json_array_size(*eq);
	json_t *t;

	if (n <= EQUITY_MAX)
		return;
	t = json_array();
	for (size_t k = 0; k < EQUITY_MAX; k++)
		json_array_append(t, json_array_get(*eq, (k + 1) * n / EQUITY_MAX - 1));
	json_decref(*eq);
	*eq = t;
}
