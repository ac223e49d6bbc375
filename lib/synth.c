/* synth.c — synthetic OHLCV.
 *
 * Log returns are i.i.d. normal with constant volatility for the walk, so
 * no feature can predict the sign of a forward return (and, volatility
 * being constant, not even whether it clears a cost threshold).  The edge
 * series adds a planted mean reversion: each candle's expected return is
 * -CT_SYNTH_EDGE_B/H of the log move over the previous H candles, so roughly
 * a fraction CT_SYNTH_EDGE_B of every H-candle move is given back over the
 * next H.  The sum of the AR coefficients stays below 1: stationary.
 * The regime series is the edge series until a known candle, then three
 * times as volatile with the edge reversed (momentum): what a drift
 * monitor must notice, at a place the tests know.
 * Volume is lognormal with a daily cycle and rises with |return|; highs
 * and lows extend beyond open/close by a half-normal intrabar excursion. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#define SIGMA	0.004		/* per-candle log-return volatility */

/* xoshiro256** seeded by splitmix64: fast, and the same on every machine. */
struct rng {
	uint64_t s[4];
};

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

static double
uniform(struct rng *r)
{
	return ((next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double
normal(struct rng *r)
{
	/* Box-Muller; one of the pair is dropped to keep the stream simple. */
	return sqrt(-2.0 * log(uniform(r))) * cos(2.0 * M_PI * uniform(r));
}

int
ct_synth_kind(const char *name)
{
	if (strcmp(name, "walk") == 0)
		return CT_SYNTH_WALK;
	if (strcmp(name, "edge") == 0)
		return CT_SYNTH_EDGE;
	if (strcmp(name, "regime") == 0)
		return CT_SYNTH_REGIME;
	return -1;
}

int
ct_synth(struct ct_series *s, enum ct_synth_kind kind, uint64_t seed,
    size_t n, int64_t tf_ms, int64_t start_ms)
{
	struct rng r;
	double logp = log(100.0), hist[CT_SYNTH_EDGE_H + 1];
	/* A regime series shares the edge series' stream: the same candles
	 * up to the change. */
	uint64_t x = seed ^ (kind != CT_SYNTH_WALK ? 0x5eedULL : 0);
	size_t change = kind == CT_SYNTH_REGIME ? CT_SYNTH_REGIME_AT(n) : n;

	for (int i = 0; i < 4; i++)
		r.s[i] = splitmix(&x);
	for (int i = 0; i <= CT_SYNTH_EDGE_H; i++)
		hist[i] = logp;
	if (ct_series_reserve(s, s->n + n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct ct_candle c;
		double sigma = i < change ? SIGMA : SIGMA * CT_SYNTH_REGIME_VOL;
		double b = i < change ? -CT_SYNTH_EDGE_B : CT_SYNTH_EDGE_B;
		double eps = normal(&r), ret = sigma * eps, open = logp, close, hi, lo;
		double hour = fmod((double)(start_ms + (int64_t)i * tf_ms) / 3600000.0, 24.0);

		if (kind != CT_SYNTH_WALK)
			ret += b / CT_SYNTH_EDGE_H * (hist[CT_SYNTH_EDGE_H] - hist[0]);
		close = open + ret;
		hi = fmax(open, close) + fabs(normal(&r)) * sigma * 0.5;
		lo = fmin(open, close) - fabs(normal(&r)) * sigma * 0.5;
		c.t = start_ms + (int64_t)i * tf_ms;
		c.o = exp(open);
		c.c = exp(close);
		c.h = fmax(exp(hi), fmax(c.o, c.c));
		c.l = fmin(exp(lo), fmin(c.o, c.c));
		/* Busier in the (UTC) afternoon and on big moves. */
		c.v = 50.0 * exp(0.5 * normal(&r) + 0.3 * sin(2.0 * M_PI * (hour - 9.0) / 24.0) +
		    0.5 * fabs(eps));
		s->c[s->n++] = c;
		memmove(hist, hist + 1, CT_SYNTH_EDGE_H * sizeof hist[0]);
		hist[CT_SYNTH_EDGE_H] = close;
		logp = close;
	}
	return 0;
}
