/* halving.c — successive halving without a barrier (halving.h). */
#include <stdlib.h>
#include <string.h>

#include "halving.h"

int
ct_halving_kept(int halving, int n)
{
	return halving < 2 ? n : (n + halving - 1) / halving;
}

int
ct_halving_init(struct ct_halving *h, int trials, int rungs, int halving)
{
	size_t cells = (size_t)trials * (size_t)rungs;

	memset(h, 0, sizeof *h);
	h->trials = trials;
	h->rungs = rungs;
	h->halving = halving;
	h->size = calloc((size_t)rungs, sizeof *h->size);
	h->level = calloc((size_t)trials, sizeof *h->level);
	h->done = calloc(cells, sizeof *h->done);
	h->ll = calloc(cells, sizeof *h->ll);
	if (!h->size || !h->level || !h->done || !h->ll) {
		ct_halving_free(h);
		return -1;
	}
	h->size[0] = trials;
	for (int r = 1; r < rungs; r++)
		h->size[r] = ct_halving_kept(halving, h->size[r - 1]);
	return 0;
}

void
ct_halving_free(struct ct_halving *h)
{
	free(h->size);
	free(h->level);
	free(h->done);
	free(h->ll);
	memset(h, 0, sizeof *h);
}

/* Summed in fold order, as the barrier's ranking sums them. */
double
ct_halving_score(const struct ct_halving *h, int k, int n)
{
	double ll = 0;

	for (int f = 0; f < n; f++)
		ll += h->ll[k * h->rungs + f];
	return ll / n;
}

/* x ranks before y on folds 0..n-1: the lower score, ties to the lower
 * trial (the barrier's order). */
static int
before(const struct ct_halving *h, int x, int y, int n)
{
	double sx = ct_halving_score(h, x, n), sy = ct_halving_score(h, y, n);

	return sx != sy ? sx < sy : x < y;
}

/* Trial x is known in rung r with fold r known, as is y. */
static int
known(const struct ct_halving *h, int x, int r)
{
	return h->level[x] >= r && h->done[x * h->rungs + r];
}

/* Trial x's place in rung r is certain to be kept: at least n_r - kept
 * known trials of the rung rank after it, whatever the others score. */
static int
certain(const struct ct_halving *h, int x, int r)
{
	int after = 0;

	for (int y = 0; y < h->trials; y++)
		if (y != x && known(h, y, r) && before(h, x, y, r + 1))
			after++;
	return after >= h->size[r] - h->size[r + 1];
}

void
ct_halving_record(struct ct_halving *h, int k, int r, double logloss)
{
	h->done[k * h->rungs + r] = 1;
	h->ll[k * h->rungs + r] = logloss;
	/* Rung by rung: a trial promoted into rung r may be known there
	 * already (resumed records) and go on at once. */
	for (r = 0; r + 1 < h->rungs; r++)
		for (int x = 0; x < h->trials; x++)
			if (h->level[x] == r && h->done[x * h->rungs + r] && certain(h, x, r))
				h->level[x] = r + 1;
}

int
ct_halving_next(const struct ct_halving *h, int k)
{
	return h->done[k * h->rungs + h->level[k]] ? -1 : h->level[k];
}

int
ct_halving_rung_done(const struct ct_halving *h, int r)
{
	int n = 0;

	for (int k = 0; k < h->trials; k++)
		n += known(h, k, r);
	return n == h->size[r];
}

int
ct_halving_winner(const struct ct_halving *h)
{
	int last = h->rungs - 1, win = -1;

	if (!ct_halving_rung_done(h, last))
		return -1;
	for (int k = 0; k < h->trials; k++)
		if (known(h, k, last) && (win < 0 || before(h, k, win, h->rungs)))
			win = k;
	return win;
}
