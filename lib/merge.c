/* merge.c — one sorted merge for every source; the stored row wins a
 * disagreement unless the operator says --replace, because a store that
 * silently changes its past makes yesterday's model irreproducible. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "merge.h"
#include "timefmt.h"

static int
same(const struct ct_candle *a, const struct ct_candle *b)
{
	return a->o == b->o && a->h == b->h && a->l == b->l && a->c == b->c && a->v == b->v;
}

int
ct_merge(struct ct_series *store, const struct ct_series *in, int replace,
    struct ct_merge_stats *st)
{
	struct ct_series out = { 0 };
	size_t i = 0, j = 0;

	st->read += in->n;
	/* The common incremental case: everything new lies after the store. */
	if (store->n == 0 || in->n == 0 || in->c[0].t > store->c[store->n - 1].t) {
		if (ct_series_reserve(store, store->n + in->n) != 0)
			return -1;
		if (in->n)
			memcpy(store->c + store->n, in->c, in->n * sizeof *in->c);
		store->n += in->n;
		st->added += in->n;
		return 0;
	}
	if (ct_series_reserve(&out, store->n + in->n) != 0)
		return -1;
	while (i < store->n || j < in->n) {
		const struct ct_candle *a = i < store->n ? &store->c[i] : NULL;
		const struct ct_candle *b = j < in->n ? &in->c[j] : NULL;

		if (b == NULL || (a && a->t < b->t)) {
			out.c[out.n++] = *a;
			i++;
		} else if (a == NULL || b->t < a->t) {
			out.c[out.n++] = *b;
			st->added++;
			j++;
		} else {
			if (same(a, b)) {
				st->present++;
			} else {
				if (st->conflicts < CT_MERGE_SHOW)
					st->conflict_t[st->conflicts] = a->t;
				st->conflicts++;
				st->replaced += replace != 0;
			}
			out.c[out.n++] = replace ? *b : *a;
			i++;
			j++;
		}
	}
	ct_series_free(store);
	*store = out;
	return 0;
}

void
ct_gaps(const struct ct_series *s, int64_t tf_ms, struct ct_gap_stats *g)
{
	memset(g, 0, sizeof *g);
	for (size_t i = 0; i < s->n; i++) {
		g->zero_volume += s->c[i].v == 0;
		g->off_grid += s->c[i].t % tf_ms != 0;
		if (i == 0)
			continue;
		/* Whole candles that fit strictly between the two open times;
		 * a step of 1.5 candles (rows shifted off the grid) is none. */
		int64_t step = s->c[i].t - s->c[i - 1].t;
		size_t miss = (size_t)(step / tf_ms) - (step >= tf_ms);

		if (step < tf_ms || miss == 0)
			continue;
		g->gaps++;
		g->missing += miss;
		if (miss > g->longest) {
			g->longest = miss;
			g->longest_from = s->c[i - 1].t;
			g->longest_to = s->c[i].t;
		}
	}
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
ct_fits_timeframe(const struct ct_series *s, int64_t tf_ms, int64_t *step)
{
	int64_t *d;
	size_t n = s->n ? s->n - 1 : 0;

	if (n == 0)
		return 0;
	if ((d = malloc(n * sizeof *d)) == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		d[i] = s->c[i + 1].t - s->c[i].t;
	/* The median step: outages and shifted rows cannot move it. */
	qsort(d, n, sizeof *d, cmp64);
	*step = d[n / 2];
	free(d);
	return *step < tf_ms ? -1 : 0;
}

void
ct_merge_report(FILE *fp, const char *label, const struct ct_merge_stats *st,
    const struct ct_series *res, int64_t tf_ms, int replace)
{
	struct ct_gap_stats g;
	char a[CT_ISO_LEN], b[CT_ISO_LEN];

	fprintf(fp, "%s: %s: %zu rows read: %zu added, %zu already present, %zu conflicting (%s)\n",
	    ct_prog, label, st->read, st->added, st->present, st->conflicts,
	    replace ? "replaced by the new rows" : "stored rows kept; --replace takes the new ones");
	for (size_t k = 0; k < st->conflicts && k < CT_MERGE_SHOW; k++)
		fprintf(fp, "%s: %s: conflict at %s\n", ct_prog, label, ct_iso8601(st->conflict_t[k], a));
	if (res->n == 0) {
		fprintf(fp, "%s: %s: no candles stored\n", ct_prog, label);
		return;
	}
	ct_gaps(res, tf_ms, &g);
	fprintf(fp, "%s: %s: %zu candles from %s to %s\n", ct_prog, label, res->n,
	    ct_iso8601(res->c[0].t, a), ct_iso8601(res->c[res->n - 1].t, b));
	if (g.gaps)
		fprintf(fp, "%s: %s: %zu gap%s, %zu candle%s missing; longest %zu missing between %s and %s\n",
		    ct_prog, label, g.gaps, g.gaps == 1 ? "" : "s", g.missing, g.missing == 1 ? "" : "s",
		    g.longest, ct_iso8601(g.longest_from, a), ct_iso8601(g.longest_to, b));
	else
		fprintf(fp, "%s: %s: no gaps\n", ct_prog, label);
	fprintf(fp, "%s: %s: %zu zero-volume candle%s\n", ct_prog, label, g.zero_volume,
	    g.zero_volume == 1 ? "" : "s");
	if (g.off_grid)
		fprintf(fp, "%s: %s: %zu candle%s off the timeframe grid\n", ct_prog, label,
		    g.off_grid, g.off_grid == 1 ? "" : "s");
}
