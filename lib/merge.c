/* merge.c — one sorted merge for every source; the stored row wins a
 * disagreement unless the operator says --replace, because a store that
 * silently changes its past makes yesterday's model irreproducible.
 *
 * Incoming rows are kept as sorted runs in a spool: an array while small,
 * an unlinked temporary file beside the store beyond SPOOL_MEM rows (so a
 * killed run leaves nothing behind).  Writing the new store is one pass:
 * the stored rows, read a block at a time, merged with a heap over the
 * runs.  When every incoming row lies after the stored ones (the
 * incremental case) the store's bytes are copied as they are, not parsed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "home.h"
#include "merge.h"
#include "parse.h"
#include "timefmt.h"

#define SPOOL_MEM	(1 << 17)	/* rows spooled in memory (6 MB) */
#define READ_ROWS	(1 << 16)	/* rows buffered for reading all runs back */
#define BLOCK		(64 * 1024)

struct ct_run {
	size_t off, n;		/* rows [off, off+n) of the spool */
	int src;
	char *label;
};

static int
same(const struct ct_candle *a, const struct ct_candle *b)
{
	return a->o == b->o && a->h == b->h && a->l == b->l && a->c == b->c && a->v == b->v;
}

void
ct_gap_add(struct ct_gap_stats *g, const struct ct_candle *c, int64_t tf_ms)
{
	int64_t step = c->t - g->prev;
	size_t miss;

	g->zero_volume += c->v == 0;
	g->off_grid += c->t % tf_ms != 0;
	/* Whole candles that fit strictly between the two open times; a
	 * step of 1.5 candles (rows shifted off the grid) is none. */
	if (g->rows++ > 0 && step >= tf_ms && (miss = (size_t)(step / tf_ms) - 1) > 0) {
		g->gaps++;
		g->missing += miss;
		if (miss > g->longest) {
			g->longest = miss;
			g->longest_from = g->prev;
			g->longest_to = c->t;
		}
	}
	g->prev = c->t;
}

void
ct_steps_add(struct ct_steps *s, int64_t step, int64_t tf_ms)
{
	int i;

	s->n++;
	s->shorter += step < tf_ms;
	s->longer += step > tf_ms;
	s->multiple += step > tf_ms && step % tf_ms == 0;
	for (i = 0; i < s->nval && s->val[i] != step; i++)
		;
	if (i == s->nval && i < CT_STEPS_KEEP) {
		s->val[s->nval++] = step;
		s->cnt[i] = 0;
	}
	if (i < s->nval)
		s->cnt[i]++;
}

enum ct_tf_verdict
ct_steps_verdict(const struct ct_steps *s, int64_t tf_ms, int64_t *typical)
{
	size_t best = 0;

	*typical = tf_ms;
	for (int i = 0; i < s->nval; i++)
		if (s->cnt[i] > best) {
			best = s->cnt[i];
			*typical = s->val[i];
		}
	/* "Mostly": more than half the steps, so outages and shifted rows
	 * cannot decide it. */
	if (s->shorter > s->n / 2)
		return CT_TF_SMALLER;
	if (s->multiple > s->n / 2)
		return CT_TF_LARGER;
	return s->longer > s->n / 2 ? CT_TF_SPARSE : CT_TF_FITS;
}

/* ---- the store ------------------------------------------------------- */

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

/* Rows of the store: its lines, less the header. */
static int
count_rows(struct ct_merger *m)
{
	char buf[BLOCK];
	size_t lines = 0;
	ssize_t n;
	int fd, last = '\n';

	if ((fd = open(m->path, O_RDONLY | O_CLOEXEC)) < 0) {
		ct_warn("%s: %s", m->path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))) != NULL; p++)
			lines++;
		last = buf[n - 1];
	}
	if (n < 0)
		ct_warn("%s: %s", m->path, strerror(errno));
	close(fd);
	lines += last != '\n';
	m->stored = lines ? lines - 1 : 0;
	return n < 0 ? -1 : 0;
}

/* The header and first row, the last row, the count: all we read. */
static int
survey(struct ct_merger *m)
{
	struct ct_series t = { 0 };
	struct ct_store_rd *r;
	int missing, k;

	if ((r = ct_store_open(m->path, &missing)) == NULL)
		return missing ? 0 : -1;
	m->exists = 1;
	k = ct_store_next(r, &m->first);
	ct_store_close(r);
	if (k <= 0)
		return k;
	if (ct_store_tail(m->path, 1, &t) != 0 || t.n != 1 || count_rows(m) != 0) {
		ct_series_free(&t);
		return -1;
	}
	m->last = t.c[0];
	ct_series_free(&t);
	return 0;
}

int
ct_merger_open(struct ct_merger *m, const char *path, const char *tf, int replace, int lock)
{
	memset(m, 0, sizeof *m);
	m->path = path;
	m->tf = tf;
	m->tf_ms = ct_tf_ms(tf);
	m->replace = replace;
	m->lockfd = -1;
	if ((lock && lock_dir(m) != 0) || survey(m) != 0) {
		ct_merger_free(m);
		return -1;
	}
	return 0;
}

int
ct_merger_last(const struct ct_merger *m, int64_t *t)
{
	if (m->stored == 0)
		return 0;
	*t = m->last.t;
	return 1;
}

/* ---- the spool ------------------------------------------------------- */

/* An unlinked temporary in the store's directory (else $TMPDIR): on the
 * disk the store is on, not in a tmpfs that would cost memory. */
static FILE *
tmp_file(const struct ct_merger *m)
{
	char t[CT_PATH_MAX], *s;
	const char *dir = getenv("TMPDIR");
	struct stat st;
	int fd;
	FILE *fp;

	ct_path(t, sizeof t, "%s", m->path);
	if ((s = strrchr(t, '/')) != NULL)
		*s = '\0';
	else
		strcpy(t, ".");
	if (stat(t, &st) != 0 || !S_ISDIR(st.st_mode) || access(t, W_OK) != 0)
		ct_path(t, sizeof t, "%s", dir && *dir ? dir : "/tmp");
	if (ct_path(t + strlen(t), sizeof t - strlen(t), "/.spool.XXXXXX") != 0 ||
	    (fd = mkstemp(t)) < 0) {
		ct_warn("%s: temporary file: %s", t, strerror(errno));
		return NULL;
	}
	unlink(t);
	if ((fp = fdopen(fd, "w+")) == NULL) {
		ct_warn("%s: temporary file: %s", t, strerror(errno));
		close(fd);
	}
	return fp;
}

static int
spool_put(struct ct_merger *m, const struct ct_candle *c)
{
	if (m->spool == NULL && m->mem.n < SPOOL_MEM) {
		if (ct_series_push(&m->mem, c) != 0) {
			ct_warn("%s", strerror(ENOMEM));
			return -1;
		}
		return 0;
	}
	if (m->spool == NULL) {
		if ((m->spool = tmp_file(m)) == NULL)
			return -1;
		if (fwrite(m->mem.c, sizeof *c, m->mem.n, m->spool) != m->mem.n) {
			ct_warn("%s: temporary file: %s", m->path, strerror(errno));
			return -1;
		}
		ct_series_free(&m->mem);
	}
	if (fwrite(c, sizeof *c, 1, m->spool) != 1) {
		ct_warn("%s: temporary file: %s", m->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Rows [i, i+n) of the spool into dst.  0 or -1. */
static int
spool_get(const struct ct_merger *m, size_t i, size_t n, struct ct_candle *dst)
{
	size_t len = n * sizeof *dst, got = 0;
	ssize_t r;

	if (m->spool == NULL) {
		memcpy(dst, m->mem.c + i, len);
		return 0;
	}
	while (got < len) {
		r = pread(fileno(m->spool), (char *)dst + got, len - got, (off_t)(i * sizeof *dst + got));
		if (r <= 0) {
			ct_warn("%s: temporary file: %s", m->path, r < 0 ? strerror(errno) : "short read");
			return -1;
		}
		got += (size_t)r;
	}
	return 0;
}

static int
new_run(struct ct_merger *m, const char *label)
{
	struct ct_run *r;

	if (m->nruns == CT_RUNS_MAX) {
		ct_warn("%s: more than %d files and archive members in one run", label, CT_RUNS_MAX);
		return -1;
	}
	if (m->nruns == m->caprun) {
		size_t cap = m->caprun ? m->caprun * 2 : 8;

		if ((r = realloc(m->runs, cap * sizeof *r)) == NULL) {
			ct_warn("%s", strerror(ENOMEM));
			return -1;
		}
		m->runs = r;
		m->caprun = cap;
	}
	r = &m->runs[m->nruns];
	if ((r->label = strdup(label)) == NULL) {
		ct_warn("%s", strerror(ENOMEM));
		return -1;
	}
	r->off = m->nin;
	r->n = 0;
	r->src = m->nsrc;
	m->nruns++;
	return 0;
}

int
ct_merger_source(struct ct_merger *m, const char *label)
{
	m->nsrc++;
	m->src_run = m->nruns;
	m->src_rows = 0;
	memset(&m->steps, 0, sizeof m->steps);
	free(m->src_label);
	if ((m->src_label = strdup(label)) == NULL) {
		ct_warn("%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

int
ct_merger_run(struct ct_merger *m, const char *label)
{
	return new_run(m, label);
}

int
ct_merger_put(struct ct_merger *m, const struct ct_candle *c)
{
	struct ct_run *r = &m->runs[m->nruns - 1];
	char iso[CT_ISO_LEN];

	if (r->n > 0) {
		/* The readers check the order with FILE:LINE; this holds it
		 * for every source. */
		if (c->t <= m->prev_t) {
			ct_warn("%s: open_time %s is not after the previous row's", r->label,
			    ct_iso8601(c->t, iso));
			return -1;
		}
		ct_steps_add(&m->steps, c->t - m->prev_t, m->tf_ms);
	}
	if (spool_put(m, c) != 0)
		return -1;
	if (m->nin == 0 || c->t < m->from)
		m->from = c->t;
	if (m->nin == 0 || c->t > m->to)
		m->to = c->t;
	m->prev_t = c->t;
	m->nin++;
	r->n++;
	m->src_rows++;
	return 0;
}

/* ---- reading the runs back in order: a heap by (open time, run) ------- */

struct cursor {
	size_t run, pos, end;	/* rows [pos, end) of the spool are still to come */
	struct ct_candle *buf;
	size_t bi, bn, cap;
};

struct kway {
	const struct ct_merger *m;
	struct cursor *c;
	size_t *heap, n;
	struct ct_candle *mem;
};

static int
before(const struct kway *k, size_t a, size_t b)
{
	const struct cursor *x = &k->c[a], *y = &k->c[b];
	int64_t tx = x->buf[x->bi].t, ty = y->buf[y->bi].t;

	return tx < ty || (tx == ty && x->run < y->run);
}

static void
sift_down(struct kway *k, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < k->n && before(k, k->heap[l], k->heap[m]))
			m = l;
		if (r < k->n && before(k, k->heap[r], k->heap[m]))
			m = r;
		if (m == i)
			return;
		t = k->heap[i];
		k->heap[i] = k->heap[m];
		k->heap[m] = t;
		i = m;
	}
}

/* Refill a cursor's buffer; 1 when it has a row, 0 at its end, -1. */
static int
load(const struct ct_merger *m, struct cursor *c)
{
	if (c->bi < c->bn)
		return 1;
	if (c->pos == c->end)
		return 0;
	c->bn = c->end - c->pos < c->cap ? c->end - c->pos : c->cap;
	c->bi = 0;
	if (spool_get(m, c->pos, c->bn, c->buf) != 0)
		return -1;
	c->pos += c->bn;
	return 1;
}

static void
kway_free(struct kway *k)
{
	free(k->c);
	free(k->heap);
	free(k->mem);
}

/* Runs [lo, hi) of the spool. 0 or -1. */
static int
kway_init(struct kway *k, const struct ct_merger *m, size_t lo, size_t hi)
{
	size_t n = hi - lo, per = n ? READ_ROWS / n : 0;

	memset(k, 0, sizeof *k);
	k->m = m;
	per = per ? per : 1;
	if (m->spool && fflush(m->spool) != 0) {
		ct_warn("%s: temporary file: %s", m->path, strerror(errno));
		return -1;
	}
	if ((k->c = calloc(n + 1, sizeof *k->c)) == NULL || (k->heap = calloc(n + 1, sizeof *k->heap)) == NULL ||
	    (k->mem = calloc(n * per + 1, sizeof *k->mem)) == NULL) {
		ct_warn("%s", strerror(ENOMEM));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct cursor *c = &k->c[i];
		int r;

		c->run = lo + i;
		c->pos = m->runs[lo + i].off;
		c->end = c->pos + m->runs[lo + i].n;
		c->buf = k->mem + i * per;
		c->cap = per;
		if ((r = load(m, c)) < 0)
			return -1;
		if (r)
			k->heap[k->n++] = i;
	}
	for (size_t i = k->n; i-- > 0;)
		sift_down(k, i);
	return 0;
}

/* The next row of all runs and its run: 1, 0 at the end, -1. */
static int
kway_next(struct kway *k, struct ct_candle *out, size_t *run)
{
	struct cursor *c;
	int r;

	if (k->n == 0)
		return 0;
	c = &k->c[k->heap[0]];
	*out = c->buf[c->bi++];
	*run = c->run;
	if ((r = load(k->m, c)) < 0)
		return -1;
	if (r == 0)
		k->heap[0] = k->heap[--k->n];
	sift_down(k, 0);
	return 1;
}

/* Peek without taking. */
static const struct ct_candle *
kway_peek(const struct kway *k, size_t *run)
{
	const struct cursor *c;

	if (k->n == 0)
		return NULL;
	c = &k->c[k->heap[0]];
	*run = c->run;
	return &c->buf[c->bi];
}

/* The runs of the current source in order: they must agree where they
 * overlap, and their steps are measured in merged order. */
static int
check_runs(struct ct_merger *m)
{
	struct kway k;
	struct ct_candle c, prev = { 0 };
	size_t run;
	int r, have = 0;
	char iso[CT_ISO_LEN];

	memset(&m->steps, 0, sizeof m->steps);
	if (kway_init(&k, m, m->src_run, m->nruns) != 0) {
		kway_free(&k);
		return -1;
	}
	while ((r = kway_next(&k, &c, &run)) > 0) {
		if (have && c.t == prev.t) {
			if (!same(&c, &prev)) {
				ct_warn("%s: the candle at %s differs from another member's",
				    m->runs[run].label, ct_iso8601(c.t, iso));
				r = -1;
				break;
			}
			continue;
		}
		if (have)
			ct_steps_add(&m->steps, c.t - prev.t, m->tf_ms);
		prev = c;
		have = 1;
	}
	kway_free(&k);
	return r;
}

int
ct_merger_end(struct ct_merger *m, int strict)
{
	const char *label = m->src_label;
	int64_t step;

	if (m->nruns - m->src_run > 1 && check_runs(m) != 0)
		return -1;
	if (!strict)
		return 0;
	if (m->src_rows == 0) {
		ct_warn("%s: empty input: no candles", label);
		return -1;
	}
	switch (ct_steps_verdict(&m->steps, m->tf_ms, &step)) {
	case CT_TF_FITS:
		return 0;
	case CT_TF_SPARSE:
		ct_warn("%s: warning: rows are typically %lld s apart, more than one %s candle",
		    label, (long long)step / 1000, m->tf);
		return 0;
	default:
		ct_warn("%s: rows are typically %lld s apart: not %s candles", label,
		    (long long)step / 1000, m->tf);
		return -1;
	}
}

/* ---- writing the merged store ---------------------------------------- */

static int
out_row(struct ct_merger *m, FILE *fp, const struct ct_candle *c)
{
	/* The span read, with the stored candle before it: a fetch that
	 * resumes after a hole shows the hole. */
	if (m->nin && c->t >= m->from && c->t <= m->to) {
		if (m->gaps.rows == 0 && m->out_n > 0)
			ct_gap_add(&m->gaps, &m->out_prev, m->tf_ms);
		ct_gap_add(&m->gaps, c, m->tf_ms);
	}
	if (m->out_n++ == 0)
		m->out_first = c->t;
	m->out_last = c->t;
	m->out_prev = *c;
	if (ct_store_write_row(fp, c) != 0) {
		m->werr = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/* The stored bytes as they are. */
static int
copy_store(struct ct_merger *m, FILE *fp)
{
	char buf[BLOCK];
	ssize_t n;
	int fd, last = '\n';

	if ((fd = open(m->path, O_RDONLY | O_CLOEXEC)) < 0) {
		ct_warn("%s: %s", m->path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		if (fwrite(buf, 1, (size_t)n, fp) != (size_t)n) {
			m->werr = errno ? errno : EIO;
			close(fd);
			return -1;
		}
		last = buf[n - 1];
	}
	if (n < 0)
		ct_warn("%s: %s", m->path, strerror(errno));
	close(fd);
	if (last != '\n')
		fputc('\n', fp);
	m->out_n = m->stored;
	m->out_first = m->first.t;
	m->out_last = m->last.t;
	m->out_prev = m->last;
	return n < 0 ? -1 : 0;
}

/* One open time: the stored row (or none), then the rows read at it in
 * source order; each source's row is compared with the one kept so far,
 * as if the sources were merged one after the other. */
static int
merge_one(struct ct_merger *m, FILE *fp, struct kway *k, struct ct_candle *cur, int have)
{
	struct ct_merge_stats *st = &m->st;
	const struct ct_candle *p;
	struct ct_candle c;
	int64_t t = have ? cur->t : 0;
	size_t run;
	int src = -1;

	while ((p = kway_peek(k, &run)) != NULL && (!have || p->t == t)) {
		if (kway_next(k, &c, &run) < 0)
			return -1;
		t = c.t;
		if (m->runs[run].src == src)
			continue;	/* zip members, found equal by check_runs */
		src = m->runs[run].src;
		st->read++;
		if (!have) {
			*cur = c;
			have = 1;
			st->added++;
		} else if (same(cur, &c)) {
			st->present++;
		} else {
			if (st->conflicts < CT_MERGE_SHOW)
				st->conflict_t[st->conflicts] = t;
			st->conflicts++;
			if (m->replace) {
				st->replaced++;
				*cur = c;
			}
		}
	}
	return out_row(m, fp, cur);
}

static int
emit(struct ct_merger *m, FILE *fp)
{
	struct ct_store_rd *r = NULL;
	struct ct_candle s, c;
	struct kway k;
	size_t run;
	int rc = -1, have = 0, missing;

	m->out_n = 0;
	m->werr = 0;
	memset(&m->st, 0, sizeof m->st);
	memset(&m->gaps, 0, sizeof m->gaps);
	if (kway_init(&k, m, 0, m->nruns) != 0)
		goto out;
	if (m->stored && (m->nin == 0 || m->from > m->last.t)) {
		if (copy_store(m, fp) != 0)
			goto out;
	} else {
		fputs(CT_STORE_HEADER "\n", fp);
		if (m->exists && (r = ct_store_open(m->path, &missing)) == NULL) {
			if (missing)
				ct_warn("%s: %s", m->path, strerror(ENOENT));
			goto out;
		}
		if (r && (have = ct_store_next(r, &s)) < 0)
			goto out;
	}
	for (;;) {
		const struct ct_candle *p = kway_peek(&k, &run);

		if (have && (p == NULL || s.t <= p->t)) {
			c = s;
			if (merge_one(m, fp, &k, &c, 1) != 0 || (have = ct_store_next(r, &s)) < 0)
				goto out;
		} else if (p != NULL) {
			if (merge_one(m, fp, &k, &c, 0) != 0)
				goto out;
		} else {
			break;
		}
	}
	if ((fflush(fp) != 0 || ferror(fp)) && m->werr == 0)
		m->werr = errno ? errno : EIO;
	if (m->werr == 0) {
		m->emitted = 1;
		rc = 0;
	}
out:
	if (m->werr)
		ct_warn("%s: %s", m->path, strerror(m->werr));
	kway_free(&k);
	ct_store_close(r);
	return rc;
}

int
ct_merger_write(struct ct_merger *m, FILE *fp)
{
	char buf[BLOCK];
	FILE *t;
	size_t n;
	int rc = -1;

	if (m->nin == 0 && m->stored == 0 && !m->exists)
		return fputs(CT_STORE_HEADER "\n", fp) < 0 ? -1 : 0;
	/* Into a temporary first: a store found bad half-way must not
	 * leave half of it printed. */
	if ((t = tmp_file(m)) == NULL)
		return -1;
	if (emit(m, t) == 0 && fseek(t, 0, SEEK_SET) == 0) {
		while ((n = fread(buf, 1, sizeof buf, t)) > 0)
			fwrite(buf, 1, n, fp);
		rc = ferror(t) || ferror(fp) ? -1 : 0;
	}
	fclose(t);
	return rc;
}

int
ct_merger_save(struct ct_merger *m)
{
	if (m->nin == 0)
		return 0;
	if (ct_afile_open(&m->af, m->path) != 0) {
		ct_warn("%s: %s", m->path, strerror(errno));
		return -1;
	}
	if (emit(m, m->af.fp) != 0) {
		ct_afile_abort(&m->af);
		return -1;
	}
	if (m->st.added == 0 && m->st.replaced == 0) {
		ct_afile_abort(&m->af);
		return 0;
	}
	if (ct_afile_commit(&m->af) != 0) {
		ct_warn("%s: %s", m->path, strerror(errno));
		return -1;
	}
	return 0;
}

void
ct_merger_report(const struct ct_merger *m, FILE *fp, const char *label)
{
	const struct ct_merge_stats *st = &m->st;
	const struct ct_gap_stats *g = &m->gaps;
	char a[CT_ISO_LEN], b[CT_ISO_LEN];
	size_t n = m->emitted ? m->out_n : m->stored;

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
	    ct_iso8601(m->emitted ? m->out_first : m->first.t, a),
	    ct_iso8601(m->emitted ? m->out_last : m->last.t, b));
	if (st->read == 0)
		return;
	if (g->gaps)
		fprintf(fp, "%s: %s: %zu gap%s, %zu candle%s missing; longest %zu missing between %s and %s\n",
		    ct_prog, label, g->gaps, g->gaps == 1 ? "" : "s", g->missing, g->missing == 1 ? "" : "s",
		    g->longest, ct_iso8601(g->longest_from, a), ct_iso8601(g->longest_to, b));
	else
		fprintf(fp, "%s: %s: no gaps\n", ct_prog, label);
	fprintf(fp, "%s: %s: %zu zero-volume candle%s\n", ct_prog, label, g->zero_volume,
	    g->zero_volume == 1 ? "" : "s");
	if (g->off_grid)
		fprintf(fp, "%s: %s: %zu candle%s off the timeframe grid\n", ct_prog, label,
		    g->off_grid, g->off_grid == 1 ? "" : "s");
}

void
ct_merger_free(struct ct_merger *m)
{
	ct_series_free(&m->mem);
	if (m->spool)
		fclose(m->spool);
	m->spool = NULL;
	for (size_t i = 0; i < m->nruns; i++)
		free(m->runs[i].label);
	free(m->runs);
	m->runs = NULL;
	free(m->src_label);
	m->src_label = NULL;
	m->nruns = 0;
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
