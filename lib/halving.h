/* halving.h — successive halving over folds without a barrier between
 * the rungs, and with the very decisions of the barrier.
 *
 * The barrier rule: rung 0 holds every trial; rung r+1 the first
 * ceil(n_r / halving) of rung r's n_r trials, ranked by the mean logloss
 * of folds 0..r (ties to the lower trial); the winner is the first of
 * the last rung.  Without the barrier, a trial enters rung r+1 as soon
 * as its place in rung r's ranking is certain to be a kept one however
 * the fits still unknown turn out: when at least n_r - kept of rung r's
 * trials are known and ranked after it (its worst place is then above
 * the cut).  So a trial never trains a fold the barrier would not train,
 * and every rung ends with the barrier's set.  No trial's place can be
 * certain while a fit of its rung is unknown that might beat it, so the
 * winner is known when the last rung has ended, not before. */
#ifndef CT_HALVING_H
#define CT_HALVING_H

struct ct_halving {
	int trials, rungs, halving;
	int *size;		/* size[r]: trials in rung r */
	int *level;		/* level[k]: the last rung trial k is known to be in */
	int *done;		/* done[k * rungs + r]: fold r of trial k is known */
	double *ll;		/* ll[k * rungs + r]: its logloss */
};

/* trials trials over rungs folds, keeping 1 in halving (< 2: all).
 * 0 or -1 (out of memory). */
int ct_halving_init(struct ct_halving *h, int trials, int rungs, int halving);
void ct_halving_free(struct ct_halving *h);
/* How many of n trials go on to the next rung. */
int ct_halving_kept(int halving, int n);
/* Fold r of trial k is known: its logloss.  Then every place that has
 * become certain is taken (trials enter the next rungs). */
void ct_halving_record(struct ct_halving *h, int k, int r, double logloss);
/* The fold trial k must train next: -1 when it has none (not yet
 * promoted, cut, or done). */
int ct_halving_next(const struct ct_halving *h, int k);
/* Mean logloss of trial k's folds 0..n-1 (all known). */
double ct_halving_score(const struct ct_halving *h, int k, int n);
/* Fits of rung r known. */
int ct_halving_rung_done(const struct ct_halving *h, int r);
/* The winner once the last rung has ended, else -1. */
int ct_halving_winner(const struct ct_halving *h);

#endif
