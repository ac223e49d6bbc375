/* synth.h — deterministic synthetic candles for demos, honesty tests and
 * benchmarks. */
#ifndef CT_SYNTH_H
#define CT_SYNTH_H

#include <stdint.h>

#include "candles.h"

/* The planted edge: each candle's expected log return is -B/H times the log
 * move over the previous H candles.  B is strong enough that the best
 * possible forecast of a 12-candle return scores an AUC near 0.65. */
#define CT_SYNTH_EDGE_B	0.8
#define CT_SYNTH_EDGE_H	12

/* The regime change: the edge series until candle n*3/4 (the same candles
 * as "edge" with the same seed), then volatility times CT_SYNTH_REGIME_VOL
 * and the planted edge reversed: the same coefficient with the opposite
 * sign, momentum instead of mean reversion (still stationary). */
#define CT_SYNTH_REGIME_VOL	3.0
#define CT_SYNTH_REGIME_AT(n)	((n) * 3 / 4)

enum ct_synth_kind {
	CT_SYNTH_WALK,		/* pure random walk: nothing to predict */
	CT_SYNTH_EDGE,		/* random walk plus a weak, planted mean reversion */
	CT_SYNTH_REGIME,	/* the edge, then a change of volatility and edge */
};

/* A generator: the candles one at a time, in constant memory. */
struct ct_synth {
	uint64_t rng[4];
	double logp, hist[CT_SYNTH_EDGE_H + 1];
	size_t i, n, change;
	enum ct_synth_kind kind;
	int64_t tf_ms, start_ms;
};

/* The generator of the n candles ct_synth() would append. */
void ct_synth_begin(struct ct_synth *g, enum ct_synth_kind kind, uint64_t seed, size_t n,
    int64_t tf_ms, int64_t start_ms);
/* The next candle into *c: 1, or 0 after the n-th. */
int ct_synth_next(struct ct_synth *g, struct ct_candle *c);
/* Append n candles of timeframe tf_ms starting at open time start_ms.
 * The same (kind, seed, n, tf_ms, start_ms) always gives the same candles.
 * 0, or -1 when out of memory. */
int ct_synth(struct ct_series *s, enum ct_synth_kind kind, uint64_t seed,
    size_t n, int64_t tf_ms, int64_t start_ms);
/* Name of a kind ("walk", "edge", "regime") to kind; -1 when unknown. */
int ct_synth_kind(const char *name);

#endif
