/* costs.h — trading costs per symbol (the cost table, CSV) and the
 * Corwin–Schultz high–low spread estimate used where no spread is given.
 *
 * Table: header symbol,taker_fee_bps,maker_fee_bps,median_spread_bps,
 * slippage_bps_per_sigma; one row per symbol, "*" for every other symbol;
 * an empty median_spread_bps means "estimate it from the candles".  A
 * round trip costs 2*taker + spread + 2*slippage, where slippage per fill
 * is slippage_bps_per_sigma times sigma, the standard deviation of
 * one-candle log returns over the last 48 candles in percent. */
#ifndef CT_COSTS_H
#define CT_COSTS_H

#include <stddef.h>

#include <jansson.h>

#include "candles.h"
#include "home.h"

/* No field of the table is more than the whole price. */
#define CT_COST_MAX_BPS 10000

struct ct_costs {
	double taker_bps, maker_bps, spread_bps, slip_bps_per_sigma;
	int spread_estimated;	/* spread_bps came from ct_spread_cs() */
	char file[CT_PATH_MAX];	/* the table it came from */
	char row[64];		/* the symbol or "*" that matched */
	long line;		/* its line in file */
};

/* The table to use: opt (--costs), else costs.csv of the share directory
 * (ct_share_dir).  Returns buf. */
const char *ct_costs_path(const char *opt, char *buf, size_t n);
/* Read the row for sym (exact, else "*").  spread_bps is NAN when the
 * table leaves it empty.  Errors as file:line on stderr; 0 or -1. */
int ct_costs_load(const char *path, const char *sym, struct ct_costs *c);
/* Whether the table at path reads, with a row: ct_costs_load of any
 * symbol's, which --costs checks as soon as it is given (so a last
 * --help, by which run-batch checks TRAIN_ARGS, stops on it).  0 or -1
 * (said). */
int ct_costs_check(const char *path);
/* Corwin & Schultz (2012) spread estimate over candles [from,to), in bps:
 * the mean over adjacent pairs, negative estimates set to 0. */
double ct_spread_cs(const struct ct_series *s, size_t from, size_t to);
/* The same estimate a pair of adjacent candles at a time (a store read in
 * blocks): ct_spread_bps of the pairs added equals ct_spread_cs over them. */
struct ct_spread {
	double sum;
	size_t n;
};
void ct_spread_add(struct ct_spread *sp, const struct ct_candle *a, const struct ct_candle *b);
double ct_spread_bps(const struct ct_spread *sp);
/* Round-trip cost in bps for an entry when volatility is sigma (fraction
 * per candle, e.g. 0.004). */
double ct_cost_rt_bps(const struct ct_costs *c, double sigma);
/* costs.json */
json_t *ct_costs_json(const struct ct_costs *c);

#endif
