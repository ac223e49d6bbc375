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

/* xoshiro256** (state: 4 words) seeded by splitmix64: fast, and the same
 * on every machine. */

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
next(uint64_t *s)
{
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

static double
uniform(uint64_t *r)
{
	return ((next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double
normal(uint64_t *r)
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

void
ct_synth_begin(struct ct_synth *g, enum ct_synth_kind kind, uint64_t seed, size_t n,
    int64_t tf_ms, int64_t start_ms)
{
	/* A regime series shares the edge series' stream: the same candles
	 * up to the change. */
	uint64_t x = seed ^ (kind != CT_SYNTH_WALK ? 0x5eedULL : 0);

	memset(g, 0, sizeof *g);
	g->kind = kind;
	g->n = n;
	g->change = kind == CT_SYNTH_REGIME ? CT_SYNTH_REGIME_AT(n) : n;
	g->tf_ms = tf_ms;
	g->start_ms = start_ms;
	g->logp = log(100.0);
	for (int i = 0; i < 4; i++)
		g->rng[i] = splitmix(&x);
	for (int i = 0; i <= CT_SYNTH_EDGE_H; i++)
		g->hist[i] = g->logp;
}

int
ct_synth_next(struct ct_synth *g, struct ct_candle *c)
{
	uint64_t *r = g->rng;
	size_t i = g->i;
	double sigma = i < g->change ? SIGMA : SIGMA * CT_SYNTH_REGIME_VOL;
	double b = i < g->change ? -CT_SYNTH_EDGE_B : CT_SYNTH_EDGE_B;
	double eps, ret, open = g->logp, close, hi, lo, hour;

	if (i >= g->n)
		return 0;
	eps = normal(r);
	ret = sigma * eps;
	hour = fmod((double)(g->start_ms + (int64_t)i * g->tf_ms) / 3600000.0, 24.0);
	if (g->kind != CT_SYNTH_WALK)
		ret += b / CT_SYNTH_EDGE_H * (g->hist[CT_SYNTH_EDGE_H] - g->hist[0]);
	close = open + ret;
	hi = fmax(open, close) + fabs(normal(r)) * sigma * 0.5;
	lo = fmin(open, close) - fabs(normal(r)) * sigma * 0.5;
	c->t = g->start_ms + (int64_t)i * g->tf_ms;
	c->o = exp(open);
	c->c = exp(close);
	c->h = fmax(exp(hi), fmax(c->o, c->c));
	c->l = fmin(exp(lo), fmin(c->o, c->c));
	/* Busier in the (UTC) afternoon and on big moves. */
	c->v = 50.0 * exp(0.5 * normal(r) + 0.3 * sin(2.0 * M_PI * (hour - 9.0) / 24.0) +
	    0.5 * fabs(eps));
	memmove(g->hist, g->hist + 1, CT_SYNTH_EDGE_H * sizeof g->hist[0]);
	g->hist[CT_SYNTH_EDGE_H] = close;
	g->logp = close;
	g->i++;
	return 1;
}

int
ct_synth(struct ct_series *s, enum ct_synth_kind kind, uint64_t seed,
    size_t n, int64_t tf_ms, int64_t start_ms)
{
	struct ct_synth g;

	if (ct_series_reserve(s, s->n + n) != 0)
		return -1;
	ct_synth_begin(&g, kind, seed, n, tf_ms, start_ms);
	while (ct_synth_next(&g, &s->c[s->n]))
		s->n++;
	return 0;
}
