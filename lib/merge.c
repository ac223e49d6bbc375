/* merge.c — one sorted merge for every source; the stored row wins a
 * disagreement unless the operator says --replace, because a store that
 * silently changes its past makes yesterday's model irreproducible. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "home.h"

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

	/* Fewer than two rows have no step to judge: take them as fitting. */
	*step = tf_ms;
	if (n == 0 || (d = malloc(n * sizeof *d)) == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		d[i] = s->c[i + 1].t - s->c[i].t;
	/* The median step: outages and shifted rows cannot move it. */
	qsort(d, n, sizeof *d, cmp64);
	*step = d[n / 2];
	free(d);
	return *step < tf_ms ? -1 : 0;
}

static int
lock_dir(struct ct_merger *m)
{
	char dir[CT_PATH_MAX], *s;
	struct stat st;

	ct_path(dir, sizeof dir, "%s", m->path);
	if ((s = strrchr(dir, '/')) != NULL)
		*s = '\0';
	else
		strcpy(dir, ".");
	if (stat(dir, &st) != 0) {
		char up[CT_PATH_MAX];

		/* Count the levels about to be made (candles/ and SYM/ on a
		 * first run), to remove them all again if it fails. */
		strcpy(up, dir);
		do
			m->made_dir++;
		while ((s = strrchr(up, '/')) != NULL && s > up && (*s = '\0', stat(up, &st) != 0));
		if (ct_mkdirs(dir, 0777) != 0) {
			ct_warn("%s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if ((m->lockfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		ct_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (flock(m->lockfd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	ct_warn("%s: waiting for another run on this store", m->path);
	while (flock(m->lockfd, LOCK_EX) != 0)
		if (errno != EINTR) {
			ct_warn("%s: lock: %s", dir, strerror(errno));
			return -1;
		}
	return 0;
}

int
ct_merger_open(struct ct_merger *m, const char *path, int replace, int lock)
{
	struct ct_series t = { 0 };
	const char *nl;
	int missing;

	memset(m, 0, sizeof *m);
	m->path = path;
	m->replace = replace;
	m->lockfd = -1;
	if (lock && lock_dir(m) != 0)
		goto fail;
	if ((m->disk = ct_slurp(path, &m->disklen, &missing)) == NULL) {
		if (missing) {
			m->loaded = 1;
			return 0;
		}
		ct_warn("%s: %s", path, strerror(errno));
		goto fail;
	}
	for (const char *p = m->disk; (p = memchr(p, '\n', m->disklen - (size_t)(p - m->disk))); p++)
		m->disk_rows++;
	if (m->disklen && m->disk[m->disklen - 1] != '\n')
		m->disk_rows++;
	m->disk_rows -= m->disk_rows > 0;	/* the header */
	/* The header and first row, and the last row, are all we read. */
	nl = memchr(m->disk, '\n', m->disklen);
	nl = nl ? memchr(nl + 1, '\n', m->disklen - (size_t)(nl + 1 - m->disk)) : NULL;
	if (ct_store_parse(m->disk, nl ? (size_t)(nl - m->disk) + 1 : m->disklen, path, &t) != 0)
		goto fail;
	if (m->disk_rows == 0 || t.n == 0) {
		ct_series_free(&t);
		m->disk_rows = 0;
		return 0;
	}
	m->first = t.c[0];
	t.n = 0;
	if (ct_store_tail(path, 1, &t) != 0 || t.n != 1)
		goto fail;
	m->last = t.c[0];
	ct_series_free(&t);
	return 0;
fail:
	ct_series_free(&t);
	ct_merger_free(m);
	return -1;
}

int
ct_merger_last(const struct ct_merger *m, int64_t *t)
{
	if (m->s.n && (m->loaded || m->s.c[m->s.n - 1].t > m->last.t))
		*t = m->s.c[m->s.n - 1].t;
	else if (!m->loaded && m->disk_rows)
		*t = m->last.t;
	else
		return 0;
	return 1;
}

/* Parse the whole store and put the rows appended so far after it. */
static int
load(struct ct_merger *m)
{
	struct ct_series all = { 0 };

	if (ct_store_parse(m->disk, m->disklen, m->path, &all) != 0 ||
	    ct_series_reserve(&all, all.n + m->s.n) != 0) {
		ct_series_free(&all);
		return -1;
	}
	if (m->s.n)
		memcpy(all.c + all.n, m->s.c, m->s.n * sizeof *m->s.c);
	all.n += m->s.n;
	ct_series_free(&m->s);
	m->s = all;
	free(m->disk);
	m->disk = NULL;
	m->disklen = m->disk_rows = 0;
	m->loaded = 1;
	return 0;
}

int
ct_merger_add(struct ct_merger *m, const struct ct_series *in)
{
	int64_t last;

	if (in->n == 0)
		return 0;
	if (m->st.read == 0 || in->c[0].t < m->from)
		m->from = in->c[0].t;
	if (m->st.read == 0 || in->c[in->n - 1].t > m->to)
		m->to = in->c[in->n - 1].t;
	if (!m->loaded && ct_merger_last(m, &last) && in->c[0].t <= last && load(m) != 0)
		return -1;
	if (ct_merge(&m->s, in, m->replace, &m->st) != 0) {
		ct_warn("%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

static size_t
lower_bound(const struct ct_series *s, int64_t t)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->c[mid].t < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
ct_merger_report(const struct ct_merger *m, FILE *fp, const char *label, int64_t tf_ms)
{
	const struct ct_merge_stats *st = &m->st;
	struct ct_series span = { 0 }, view;
	struct ct_gap_stats g;
	char a[CT_ISO_LEN], b[CT_ISO_LEN];
	size_t n = m->s.n + m->disk_rows, lo, hi;

	fprintf(fp, "%s: %s: %zu rows read: %zu added, %zu already present, %zu conflicting (%s)\n",
	    ct_prog, label, st->read, st->added, st->present, st->conflicts,
	    m->replace ? "replaced by the new rows" : "stored rows kept; --replace takes the new ones");
	for (size_t k = 0; k < st->conflicts && k < CT_MERGE_SHOW; k++)
		fprintf(fp, "%s: %s: conflict at %s\n", ct_prog, label, ct_iso8601(st->conflict_t[k], a));
	if (n == 0) {
		fprintf(fp, "%s: %s: the store is empty\n", ct_prog, label);
		return;
	}
	fprintf(fp, "%s: %s: %zu candles stored, %s to %s\n", ct_prog, label, n,
	    ct_iso8601(m->disk_rows ? m->first.t : m->s.c[0].t, a),
	    ct_iso8601(m->s.n ? m->s.c[m->s.n - 1].t : m->last.t, b));
	if (st->read == 0)
		return;
	/* The span read, with the stored candle before it: a fetch that
	 * resumes after a hole shows the hole. */
	if (m->loaded) {
		lo = lower_bound(&m->s, m->from);
		hi = lower_bound(&m->s, m->to + 1);
		view.c = m->s.c + lo - (lo > 0);
		view.n = hi - lo + (lo > 0);
	} else {
		if (m->disk_rows)
			ct_series_push(&span, &m->last);
		for (size_t i = 0; i < m->s.n; i++)
			ct_series_push(&span, &m->s.c[i]);
		view = span;
	}
	ct_gaps(&view, tf_ms, &g);
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
	ct_series_free(&span);
}

int
ct_merger_write(const struct ct_merger *m, FILE *fp)
{
	if (m->loaded || m->disk_rows == 0)
		return ct_store_write(fp, &m->s);
	/* The stored bytes as they are, then the new rows. */
	fwrite(m->disk, 1, m->disklen, fp);
	if (m->disk[m->disklen - 1] != '\n')
		fputc('\n', fp);
	return ct_store_write_rows(fp, &m->s);
}

int
ct_merger_save(const struct ct_merger *m)
{
	struct ct_afile af;

	if (m->st.added == 0 && m->st.replaced == 0)
		return 0;
	if (m->loaded || m->disk_rows == 0)
		return ct_store_save(m->path, &m->s);
	if (ct_afile_open(&af, m->path) != 0) {
		ct_warn("%s: %s", m->path, strerror(errno));
		return -1;
	}
	if (ct_merger_write(m, af.fp) != 0) {
		ct_warn("%s: %s", m->path, strerror(errno));
		ct_afile_abort(&af);
		return -1;
	}
	if (ct_afile_commit(&af) != 0) {
		ct_warn("%s: %s", m->path, strerror(errno));
		return -1;
	}
	return 0;
}

void
ct_merger_free(struct ct_merger *m)
{
	free(m->disk);
	ct_series_free(&m->s);
	m->disk = NULL;
	if (m->lockfd >= 0) {
		/* A failed first run leaves no empty directory behind; rmdir
		 * stops at the first one that holds anything. */
		if (m->made_dir) {
			char dir[CT_PATH_MAX], *s;

			ct_path(dir, sizeof dir, "%s", m->path);
			for (int k = 0; k < m->made_dir; k++) {
				if ((s = strrchr(dir, '/')) == NULL || s == dir)
					break;
				*s = '\0';
				if (rmdir(dir) != 0)
					break;
			}
		}
		close(m->lockfd);
		m->lockfd = -1;
	}
}
