/* spool.c — see spool.h.  The spool is an array while small; beyond
 * SPOOL_MEM rows, an unlinked temporary file (so a killed run leaves
 * nothing behind): in TMPDIR when the operator set it, else beside the
 * store, on the disk the store is on rather than in a tmpfs that would
 * cost memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "home.h"
#include "spool.h"

#define SPOOL_MEM	(1 << 17)	/* rows spooled in memory (6 MB) */
/* Why a write to a temporary failed. */
#define tmp_why() ct_tmpfile_why(errno ? errno : EIO)
#define READ_ROWS	(1 << 16)	/* rows buffered for reading all runs back */

static int
writable_dir(const char *d)
{
	struct stat st;

	return stat(d, &st) == 0 && S_ISDIR(st.st_mode) && access(d, W_OK | X_OK) == 0;
}

const char *
ct_tmpfile_why(int e)
{
	static char buf[160];

	if (e != ENOSPC && e != EDQUOT)
		return strerror(e);
	snprintf(buf, sizeof buf, "%s (TMPDIR sets where temporaries go)", strerror(e));
	return buf;
}

FILE *
ct_tmpfile(const char *near, char *where, size_t n)
{
	char t[CT_PATH_MAX], *s;
	const char *dir = getenv("TMPDIR");
	int fd;
	FILE *fp;

	/* The operator's TMPDIR first (the way out of a full store disk),
	 * when it is a directory that can be written; else beside the store,
	 * else /tmp. */
	if (dir && *dir && writable_dir(dir))
		ct_path(t, sizeof t, "%s", dir);
	else {
		ct_path(t, sizeof t, "%s", near);
		if ((s = strrchr(t, '/')) != NULL)
			*s = '\0';
		else
			strcpy(t, ".");
		if (!writable_dir(t))
			strcpy(t, "/tmp");
	}
	snprintf(where, n, "%s", t);
	if (ct_path(t + strlen(t), sizeof t - strlen(t), "/.spool.XXXXXX") != 0 ||
	    (fd = mkstemp(t)) < 0) {
		ct_warn("%s: temporary file: %s", where, strerror(errno));
		return NULL;
	}
	unlink(t);
	if ((fp = fdopen(fd, "w+")) == NULL) {
		ct_warn("%s: temporary file: %s", where, strerror(errno));
		close(fd);
	}
	return fp;
}

int
ct_spool_put(struct ct_spool *r, const struct ct_candle *c)
{
	if (r->spool == NULL && r->mem.n < SPOOL_MEM) {
		if (ct_series_push(&r->mem, c) != 0) {
			ct_warn("%s", strerror(ENOMEM));
			return -1;
		}
	} else {
		if (r->spool == NULL) {
			if ((r->spool = ct_tmpfile(r->near, r->where, sizeof r->where)) == NULL)
				return -1;
			if (fwrite(r->mem.c, sizeof *c, r->mem.n, r->spool) != r->mem.n) {
				ct_warn("%s: temporary file: %s", r->where, tmp_why());
				return -1;
			}
			ct_series_free(&r->mem);
		}
		if (fwrite(c, sizeof *c, 1, r->spool) != 1) {
			ct_warn("%s: temporary file: %s", r->where, tmp_why());
			return -1;
		}
	}
	r->n++;
	r->run[r->nrun - 1].n++;
	return 0;
}

/* Rows [i, i+n) of the spool into dst.  0 or -1. */
static int
get(const struct ct_spool *r, size_t i, size_t n, struct ct_candle *dst)
{
	size_t len = n * sizeof *dst, got = 0;
	ssize_t k;

	if (r->spool == NULL) {
		memcpy(dst, r->mem.c + i, len);
		return 0;
	}
	while (got < len) {
		k = pread(fileno(r->spool), (char *)dst + got, len - got, (off_t)(i * sizeof *dst + got));
		if (k <= 0) {
			ct_warn("%s: temporary file: %s", r->where, k < 0 ? strerror(errno) : "short read");
			return -1;
		}
		got += (size_t)k;
	}
	return 0;
}

int
ct_spool_new(struct ct_spool *r, const char *label, int src)
{
	struct ct_run *p;

	if (r->nrun == CT_SPOOL_RUNS_MAX) {
		ct_warn("%s: more than %d files and archive members in one run", label, CT_SPOOL_RUNS_MAX);
		return -1;
	}
	if (r->nrun == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;

		if ((p = realloc(r->run, cap * sizeof *p)) == NULL) {
			ct_warn("%s", strerror(ENOMEM));
			return -1;
		}
		r->run = p;
		r->cap = cap;
	}
	p = &r->run[r->nrun];
	if ((p->label = strdup(label)) == NULL) {
		ct_warn("%s", strerror(ENOMEM));
		return -1;
	}
	p->off = r->n;
	p->n = 0;
	p->src = src;
	r->nrun++;
	return 0;
}

void
ct_spool_free(struct ct_spool *r)
{
	ct_series_free(&r->mem);
	if (r->spool)
		fclose(r->spool);
	r->spool = NULL;
	for (size_t i = 0; i < r->nrun; i++)
		free(r->run[i].label);
	free(r->run);
	r->run = NULL;
	r->nrun = r->cap = r->n = 0;
}

/* ---- reading back: a heap by (open time, run) ------------------------ */

static int
before(const struct ct_kway *k, size_t a, size_t b)
{
	const struct ct_cursor *x = &k->c[a], *y = &k->c[b];
	int64_t tx = x->buf[x->bi].t, ty = y->buf[y->bi].t;

	return tx < ty || (tx == ty && x->run < y->run);
}

static void
sift_down(struct ct_kway *k, size_t i)
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
load(const struct ct_spool *m, struct ct_cursor *c)
{
	if (c->bi < c->bn)
		return 1;
	if (c->pos == c->end)
		return 0;
	c->bn = c->end - c->pos < c->cap ? c->end - c->pos : c->cap;
	c->bi = 0;
	if (get(m, c->pos, c->bn, c->buf) != 0)
		return -1;
	c->pos += c->bn;
	return 1;
}

void
ct_kway_free(struct ct_kway *k)
{
	free(k->c);
	free(k->heap);
	free(k->mem);
}

int
ct_kway_open(struct ct_kway *k, const struct ct_spool *m, size_t lo, size_t hi)
{
	size_t n = hi - lo, per = n ? READ_ROWS / n : 0;

	memset(k, 0, sizeof *k);
	k->m = m;
	per = per ? per : 1;
	if (m->spool && fflush(m->spool) != 0) {
		ct_warn("%s: temporary file: %s", m->where, tmp_why());
		return -1;
	}
	if ((k->c = calloc(n + 1, sizeof *k->c)) == NULL || (k->heap = calloc(n + 1, sizeof *k->heap)) == NULL ||
	    (k->mem = calloc(n * per + 1, sizeof *k->mem)) == NULL) {
		ct_warn("%s", strerror(ENOMEM));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct ct_cursor *c = &k->c[i];
		int r;

		c->run = lo + i;
		c->pos = m->run[lo + i].off;
		c->end = c->pos + m->run[lo + i].n;
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

int
ct_kway_next(struct ct_kway *k, struct ct_candle *out, size_t *run)
{
	struct ct_cursor *c;
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

const struct ct_candle *
ct_kway_peek(const struct ct_kway *k, size_t *run)
{
	const struct ct_cursor *c;

	if (k->n == 0)
		return NULL;
	c = &k->c[k->heap[0]];
	*run = c->run;
	return &c->buf[c->bi];
}

