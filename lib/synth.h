/* synth.h — deterministic synthetic candles for demos, honesty tests and
 * benchmarks. */
#ifndef CT_SYNTH_H
#define CT_SYNTH_H

#include <stdint.h>

#include "candles.h"

enum ct_synth_kind {
	CT_SYNTH_WALK,		/* pure random walk: nothing to predict */
	CT_SYNTH_EDGE,		/* random walk plus a weak, planted mean reversion */
};

/* Append n candles of timeframe tf_ms starting at open time start_ms.
 * The same (kind, seed, n, tf_ms, start_ms) always gives the same candles.
 * 0, or -1 when out of memory. */
int ct_synth(struct ct_series *s, enum ct_synth_kind kind, uint64_t seed,
    size_t n, int64_t tf_ms, int64_t start_ms);
/* Name of a kind ("walk", "edge") to kind; -1 when unknown. */
int ct_synth_kind(const char *name);

#endif
