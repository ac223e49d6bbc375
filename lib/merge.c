/* merge.c — one sorted merge for every source; the stored row wins a
 * disagreement unless the operator says --replace, because a store that
 * silently changes its past makes yesterday's model irreproducible.
 *
 * Incoming rows are kept as sorted runs (spool.h).  Writing the new store
 * is one pass: the stored rows, read a block at a time, merged with the
 * runs read back in order.  When every incoming row lies after the stored ones (the
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

#define BLOCK		(64 * 1024)

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
	if ((m->lockfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		ct_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (flock(m->lockfd, LOCK_EX | LOCK_NB) != 0) {
		ct_warn("%s: waiting for another run on this store", m->path);
		while (flock(m->lockfd, LOCK_EX) != 0)
			if (errno != EINTR) {
				ct_warn("%s: lock: %s", dir, strerror(errno));
				return -1;
			}
	}
	/* Every writer holds the lock: a temporary left is a killed one's. */
	ct_afile_sweep(m->path);
	return 0;
}

/* Rows of the store: its lines that are not blank (the readers skip
 * those), less the header; and where its last such line ends. */
static int
count_rows(struct ct_merger *m)
{
	char buf[BLOCK];
	size_t lines = 0;
	off_t at = 0;
	ssize_t n;
	int fd, text = 0;

	if ((fd = open(m->path, O_RDONLY | O_CLOEXEC)) < 0) {
		ct_warn("%s: %s", m->path, strerror(errno));
		return -1;
	}
	m->text_end = 0;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				lines += text;
				text = 0;
			} else if (memchr(" \t\r", buf[i], 3) == NULL) {
				text = 1;
				m->text_end = at + i + 1;
			}
		}
		at += n;
	}
	if (n < 0)
		ct_warn("%s: %s", m->path, strerror(errno));
	close(fd);
	lines += text;
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
	m->in.near = path;
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

int
ct_merger_source(struct ct_merger *m, const char *label)
{
	m->nsrc++;
	m->src_run = m->in.nrun;
	m->src_rows = 0;
	memset(&m->steps, 0, sizeof m->steps);
	free(m->short_at);
	m->short_at = NULL;
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
	m->at_line = m->at_elem = 0;
	return ct_spool_new(&m->in, label, m->nsrc);
}

void
ct_merger_at(struct ct_merger *m, long line, long elem)
{
	m->at_line = line;
	m->at_elem = elem;
}

/* "LABEL:LINE: element N" of the row being put, as much as is known. */
static const char *
where(const struct ct_merger *m, char *buf, size_t len)
{
	const char *label = m->in.run[m->in.nrun - 1].label;
	int n = snprintf(buf, len, "%s", label);

	if (n >= 0 && (size_t)n < len && m->at_line > 0)
		n += snprintf(buf + n, len - (size_t)n, ":%ld", m->at_line);
	if (n >= 0 && (size_t)n < len && m->at_elem > 0)
		snprintf(buf + n, len - (size_t)n, ": element %ld", m->at_elem);
	return buf;
}

/* "90 s", or "3599999 ms" where seconds would round it away. */
static const char *
span(int64_t ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%lld s", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lld ms", (long long)ms);
	return buf;
}

/* The step from a to b (a < b) takes an off-grid row back to the grid,
 * as short_step allows within a file: so too beside a stored row. */
static int
realign(const struct ct_merger *m, int64_t a, int64_t b)
{
	return a % m->tf_ms != 0 && b % m->tf_ms == 0;
}

/* The stored row at another open time less than one candle from t, in
 * *s: 1, 0 when there is none, -1 (said).  The rows of a run come in
 * order, so a reader of the store follows them; a run reaching back (the
 * next zip member) opens it again.  Rows after the store (an incremental
 * update) or before it need no reading. */
static int
near_stored(struct ct_merger *m, int64_t t, int64_t *s)
{
	int missing;

	if (m->stored == 0 || t == m->first.t || t == m->last.t)
		return 0;
	if (t > m->last.t || t < m->first.t) {
		*s = t > m->last.t ? m->last.t : m->first.t;
		return llabs(t - *s) < m->tf_ms &&
		    !(t > *s ? realign(m, *s, t) : realign(m, t, *s));
	}
	if (m->cur == NULL || t < m->cur_t) {
		ct_store_close(m->cur);
		if ((m->cur = ct_store_open(m->path, &missing)) == NULL) {
			if (missing)
				ct_warn("%s: %s", m->path, strerror(ENOENT));
			return -1;
		}
		m->cur_have_prev = 0;
		if ((m->cur_have_next = ct_store_next(m->cur, &m->cur_next)) < 0)
			return -1;
	}
	m->cur_t = t;
	while (m->cur_have_next && m->cur_next.t < t) {
		m->cur_prev = m->cur_next;
		m->cur_have_prev = 1;
		if ((m->cur_have_next = ct_store_next(m->cur, &m->cur_next)) < 0)
			return -1;
	}
	if (m->cur_have_next && m->cur_next.t == t)
		return 0;	/* present or a conflict: not a new row */
	if (m->cur_have_prev && t - m->cur_prev.t < m->tf_ms && !realign(m, m->cur_prev.t, t)) {
		*s = m->cur_prev.t;
		return 1;
	}
	if (m->cur_have_next && m->cur_next.t - t < m->tf_ms && !realign(m, t, m->cur_next.t)) {
		*s = m->cur_next.t;
		return 1;
	}
	return 0;
}

/* The first step from a to b shorter than one candle is kept, to be
 * refused at the end of the source (at: where b was read), unless it
 * takes an off-grid row back to the grid: Binance's rows shift off the
 * grid after some outages, and come back to it by one short step.  A
 * file of two timeframes (two exports run through cat) has a row on the
 * grid before its first short step.  0, or -1 (out of memory, said). */
static int
short_step(struct ct_merger *m, int64_t a, int64_t b, const char *at)
{
	if (b - a >= m->tf_ms || m->short_at != NULL || (a % m->tf_ms != 0 && b % m->tf_ms == 0))
		return 0;
	if ((m->short_at = strdup(at)) == NULL) {
		ct_warn("%s", strerror(ENOMEM));
		return -1;
	}
	m->short_t = b;
	m->short_step = b - a;
	return 0;
}

int
ct_merger_put(struct ct_merger *m, const struct ct_candle *c)
{
	struct ct_run *r = &m->in.run[m->in.nrun - 1];
	char at[CT_PATH_MAX + 64], iso[CT_ISO_LEN], iso2[CT_ISO_LEN], d[32];
	int64_t s;
	int k;

	if (r->n > 0) {
		/* The readers check the order with FILE:LINE; this holds it
		 * for every source. */
		if (c->t <= m->prev_t) {
			ct_warn("%s: open_time %s is not after the previous row's", where(m, at, sizeof at),
			    ct_iso8601(c->t, iso));
			return -1;
		}
		ct_steps_add(&m->steps, c->t - m->prev_t, m->tf_ms);
		if (short_step(m, m->prev_t, c->t, where(m, at, sizeof at)) != 0)
			return -1;
	}
	if ((k = near_stored(m, c->t, &s)) != 0) {
		if (k > 0)
			ct_warn("%s: open_time %s is %s from the stored candle at %s: closer than one %s candle%s",
			    where(m, at, sizeof at), ct_iso8601(c->t, iso), span(llabs(c->t - s), d, sizeof d),
			    ct_iso8601(s, iso2), m->tf,
			    c->t - s == m->tf_ms - 1 ? " (rows keyed by close time, not open time?)" : "");
		return -1;
	}
	if (m->in.n == 0 || c->t < m->from)
		m->from = c->t;
	if (m->in.n == 0 || c->t > m->to)
		m->to = c->t;
	if (ct_spool_put(&m->in, c) != 0)
		return -1;
	m->prev_t = c->t;
	m->src_rows++;
	return 0;
}

/* The runs of the current source in order: they must agree where they
 * overlap, and their steps are measured in merged order. */
static int
check_runs(struct ct_merger *m)
{
	struct ct_kway k;
	struct ct_candle c, prev = { 0 };
	size_t run, prev_run = 0;
	int r, have = 0;
	char iso[CT_ISO_LEN];

	memset(&m->steps, 0, sizeof m->steps);
	if (ct_kway_open(&k, &m->in, m->src_run, m->in.nrun) != 0) {
		ct_kway_free(&k);
		return -1;
	}
	while ((r = ct_kway_next(&k, &c, &run)) > 0) {
		if (have && c.t == prev.t) {
			if (!same(&c, &prev)) {
				ct_warn("%s: the candle at %s differs from %s's", m->in.run[run].label,
				    ct_iso8601(c.t, iso), m->in.run[prev_run].label);
				r = -1;
				break;
			}
			continue;
		}
		if (have) {
			ct_steps_add(&m->steps, c.t - prev.t, m->tf_ms);
			if ((r = short_step(m, prev.t, c.t, m->in.run[run].label)) != 0)
				break;
		}
		prev = c;
		prev_run = run;
		have = 1;
	}
	ct_kway_free(&k);
	return r;
}

int
ct_merger_end(struct ct_merger *m, int strict)
{
	const char *label = m->src_label;
	enum ct_tf_verdict v;
	char iso[CT_ISO_LEN], d[32];
	int64_t step;

	if (m->in.nrun - m->src_run > 1 && check_runs(m) != 0)
		return -1;
	if (!strict)
		return 0;
	if (m->src_rows == 0) {
		ct_warn("%s: empty input: no candles", label);
		return -1;
	}
	v = ct_steps_verdict(&m->steps, m->tf_ms, &step);
	/* Mostly of another timeframe says more than where it begins. */
	if ((v == CT_TF_FITS || v == CT_TF_SPARSE) && m->short_at != NULL) {
		ct_warn("%s: open_time %s is %s after the previous row's: closer than one %s candle",
		    m->short_at, ct_iso8601(m->short_t, iso), span(m->short_step, d, sizeof d), m->tf);
		return -1;
	}
	switch (v) {
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
	if (m->in.n && c->t >= m->from && c->t <= m->to) {
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

/* The stored bytes as they are, to the end of the last row: blank
 * lines after it would come between the old rows and the new. */
static int
copy_store(struct ct_merger *m, FILE *fp)
{
	char buf[BLOCK];
	off_t left = m->text_end;
	ssize_t n = 0;
	int fd;

	if ((fd = open(m->path, O_RDONLY | O_CLOEXEC)) < 0) {
		ct_warn("%s: %s", m->path, strerror(errno));
		return -1;
	}
	while (left > 0 && (n = read(fd, buf, left < BLOCK ? (size_t)left : sizeof buf)) > 0) {
		if (fwrite(buf, 1, (size_t)n, fp) != (size_t)n) {
			m->werr = errno ? errno : EIO;
			close(fd);
			return -1;
		}
		left -= n;
	}
	if (n < 0)
		ct_warn("%s: %s", m->path, strerror(errno));
	else if (left > 0)
		ct_warn("%s: %s", m->path, "the store shrank while it was read");
	close(fd);
	fputc('\n', fp);
	m->out_n = m->stored;
	m->out_first = m->first.t;
	m->out_last = m->last.t;
	m->out_prev = m->last;
	m->out_prev_src = NULL;
	m->out_prev_srcno = -1;
	return n < 0 || left > 0 ? -1 : 0;
}

/* One open time: the stored row (or none), then the rows read at it in
 * source order; each source's row is compared with the one kept so far,
 * as if the sources were merged one after the other. */
static int
merge_one(struct ct_merger *m, FILE *fp, struct ct_kway *k, struct ct_candle *cur, int have)
{
	struct ct_merge_stats *st = &m->st;
	const struct ct_candle *p;
	struct ct_candle c;
	int64_t t = have ? cur->t : 0;
	size_t run;
	int src = -1, stored = have, srcno = -1;
	const char *from = NULL;
	char iso[CT_ISO_LEN], iso2[CT_ISO_LEN], d[32];

	while ((p = ct_kway_peek(k, &run)) != NULL && (!have || p->t == t)) {
		if (ct_kway_next(k, &c, &run) < 0)
			return -1;
		t = c.t;
		if (m->in.run[run].src == src)
			continue;	/* zip members, found equal by check_runs */
		src = m->in.run[run].src;
		st->read++;
		if (!have) {
			*cur = c;
			have = 1;
			from = m->in.run[run].label;
			srcno = src;
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
	/* Each source was held against the store, and its own steps
	 * checked, as it was read; two sources may still lie closer than a
	 * candle apart. */
	if (m->out_n > 0 && srcno != m->out_prev_srcno && cur->t - m->out_prev.t < m->tf_ms &&
	    !realign(m, m->out_prev.t, cur->t)) {
		ct_warn("%s: open_time %s is %s after the candle at %s from %s: closer than one %s candle",
		    stored ? m->path : from, ct_iso8601(cur->t, iso), span(cur->t - m->out_prev.t, d, sizeof d),
		    ct_iso8601(m->out_prev.t, iso2), m->out_prev_src ? m->out_prev_src : m->path, m->tf);
		return -1;
	}
	m->out_prev_src = stored ? NULL : from;
	m->out_prev_srcno = srcno;
	return out_row(m, fp, cur);
}

/* The merged store into fp; a write error is said of wname (the store,
 * or where a temporary is), with tmp for a temporary's reason. */
static int
emit(struct ct_merger *m, FILE *fp, const char *wname, int tmp)
{
	struct ct_store_rd *r = NULL;
	struct ct_candle s, c;
	struct ct_kway k;
	size_t run;
	int rc = -1, have = 0, missing;

	m->out_n = 0;
	m->werr = 0;
	memset(&m->st, 0, sizeof m->st);
	memset(&m->gaps, 0, sizeof m->gaps);
	if (ct_kway_open(&k, &m->in, 0, m->in.nrun) != 0)
		goto out;
	if (m->stored && (m->in.n == 0 || m->from > m->last.t)) {
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
		const struct ct_candle *p = ct_kway_peek(&k, &run);

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
		ct_warn("%s: %s", wname, tmp ? ct_tmpfile_why(m->werr) : strerror(m->werr));
	ct_kway_free(&k);
	ct_store_close(r);
	return rc;
}

int
ct_merger_write(struct ct_merger *m, FILE *fp)
{
	char buf[BLOCK], where[CT_PATH_MAX], wname[CT_PATH_MAX + 32];
	FILE *t;
	size_t n;
	int rc = -1;

	if (m->in.n == 0 && m->stored == 0 && !m->exists)
		return fputs(CT_STORE_HEADER "\n", fp) < 0 ? -1 : 0;
	/* Into a temporary first: a store found bad half-way must not
	 * leave half of it printed. */
	if ((t = ct_tmpfile(m->path, where, sizeof where)) == NULL)
		return -1;
	snprintf(wname, sizeof wname, "%s: temporary file", where);
	if (emit(m, t, wname, 1) == 0 && fseek(t, 0, SEEK_SET) == 0) {
		while ((n = fread(buf, 1, sizeof buf, t)) > 0)
			fwrite(buf, 1, n, fp);
		/* Flushed here, so a full disk is known before the report
		 * says what was printed (the caller's exit says why). */
		rc = ferror(t) || fflush(fp) != 0 || ferror(fp) ? -1 : 0;
		m->printed = rc == 0;
	}
	fclose(t);
	return rc;
}

/* 1 when merging the rows read changes nothing in the store, found by a
 * merge into /dev/null (a store that cannot be written, read-only say,
 * need not be when nothing changes); 0 when it would (or on error). */
static int
unchanged(struct ct_merger *m)
{
	FILE *null = fopen("/dev/null", "w");
	int rc;

	if (null == NULL)
		return 0;
	rc = emit(m, null, "/dev/null", 0);
	fclose(null);
	return rc == 0 && m->st.added == 0 && m->st.replaced == 0;
}

int
ct_merger_save(struct ct_merger *m)
{
	int e;

	if (m->in.n == 0)
		return 0;
	if (ct_afile_open(&m->af, m->path) != 0) {
		e = errno;
		if (unchanged(m))
			return 0;
		ct_warn("%s: %s", m->path, strerror(e));
		return -1;
	}
	if (emit(m, m->af.fp, m->path, 0) != 0) {
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
	fprintf(fp, "%s: %s: %zu candles %s, %s to %s\n", ct_prog, label, n,
	    m->printed ? "printed (the store is left as it was)" : "stored",
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
	ct_store_close(m->cur);
	m->cur = NULL;
	ct_spool_free(&m->in);
	free(m->short_at);
	m->short_at = NULL;
	free(m->src_label);
	m->src_label = NULL;
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
