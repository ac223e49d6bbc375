/* modeldir.c — the life of a model directory, from temporary to current.
 *
 * A killed run leaves its temporary directory as it was (no handler runs
 * on kill -9, so none is relied on); the next run of the coin takes the
 * checkpoint out of it and removes the rest.
 *
 * `current` only ever points at a complete directory whose sha256.txt has
 * just been verified; it is switched with rename(2) of a fresh symlink, so
 * a reader sees the old model or the new one, never neither. */
/* nftw(3) with FTW_PHYS is XSI. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "err.h"
#include "model.h"
#include "modeldir.h"
#include "timefmt.h"

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

int
ct_rmtree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
ct_stamp_ok(const char *s)
{
	static const char pat[] = "dddddddd_ddddddZ";

	if (strlen(s) != sizeof pat - 1)
		return 0;
	for (size_t i = 0; pat[i]; i++)
		if (pat[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pat[i])
			return 0;
	return 1;
}

int
ct_stamp_ms(const char *s, int64_t *ms)
{
	char iso[CT_ISO_LEN];

	if (!ct_stamp_ok(s))
		return -1;
	snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", s, s + 4, s + 6, s + 9,
	    s + 11, s + 13);
	return ct_parse_iso8601(iso, ms);
}

const char *
ct_fresh_stamp(const json_t *config, const char *stamp)
{
	const char *f = json_string_value(json_object_get(config, "fresh_stamp"));

	return f && ct_stamp_ok(f) ? f : stamp;
}

/* ".NAME-gone": what ct_rmtree_atomic was removing when it was killed. */
static int
gone_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' && n > 6 && strcmp(name + n - 5, "-gone") == 0;
}

/* Leftovers of killed runs: we hold the lock, so nobody is using them.
 * The newest checkpoint among them moves into our directory (whether it
 * fits this training is for the trainer to say); the rest goes. */
static void
clean_stale(struct ct_mdir *m)
{
	char path[CT_PATH_MAX], best[CT_PATH_MAX] = "";
	struct timespec bt = { 0, 0 };
	struct dirent *e;
	struct stat st;
	DIR *d;

	if ((d = opendir(m->symdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, ".tmp-", 5) != 0 && strncmp(e->d_name, ".partial-", 9) != 0)
			continue;
		if (ct_path(path, sizeof path, "%s/%s/%s", m->symdir, e->d_name, CT_MDIR_CKPT) == 0 &&
		    stat(path, &st) == 0 && (st.st_mtim.tv_sec > bt.tv_sec ||
		    (st.st_mtim.tv_sec == bt.tv_sec && st.st_mtim.tv_nsec > bt.tv_nsec))) {
			bt = st.st_mtim;
			snprintf(best, sizeof best, "%s", path);
		}
	}
	if (best[0] && ct_mkdirs(m->work, 0777) == 0 && rename(best, m->ckpt) != 0)
		ct_warn("%s: %s", best, strerror(errno));
	rewinddir(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, ".tmp-", 5) == 0 || strncmp(e->d_name, ".partial-", 9) == 0 ||
		    strncmp(e->d_name, ".current.", 9) == 0 || gone_name(e->d_name))
			if (ct_path(path, sizeof path, "%s/%s", m->symdir, e->d_name) == 0 &&
			    strcmp(path, m->tmp) != 0)
				ct_rmtree(path);
	closedir(d);
}

int
ct_rmtree_atomic(const char *path)
{
	char gone[CT_PATH_MAX];
	const char *base = strrchr(path, '/');

	/* ".NAME-gone" beside it: hidden, so no reader takes it for NAME. */
	if (ct_path(gone, sizeof gone, "%.*s.%s-gone", base ? (int)(base - path + 1) : 0, path,
	    base ? base + 1 : path) != 0 || (rename(path, gone) != 0 && errno != ENOENT) ||
	    (ct_rmtree(gone) != 0 && errno != ENOENT)) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
ct_mdir_lock(const char *symdir)
{
	char lock[CT_PATH_MAX];
	int fd = -1, e;

	/* Twice: a restore refused meanwhile removes a coin's directory it
	 * made for its lock (under that lock) between our mkdir and open. */
	for (int i = 0; i < 2 && fd < 0; i++) {
		if (ct_path(lock, sizeof lock, "%s/.lock", symdir) != 0 || ct_mkdirs(symdir, 0777) != 0)
			break;
		if ((fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666)) < 0 && errno != ENOENT)
			break;
	}
	if (fd < 0) {
		ct_warn("%s: %s", symdir, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		e = errno;
		if (e == EWOULDBLOCK)
			ct_warn("%s: locked by another train-coin", symdir);
		else
			ct_warn("%s: %s", lock, strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
ct_mdir_begin(struct ct_mdir *m, const char *home, const char *sym)
{
	char stamp[CT_ISO_LEN];

	memset(m, 0, sizeof *m);
	m->lockfd = -1;
	ct_stamp(ct_now_ms(), stamp);
	if (ct_path(m->symdir, sizeof m->symdir, "%s/models/%s", home, sym) != 0 ||
	    ct_path(m->tmp, sizeof m->tmp, "%s/.tmp-%s-%ld", m->symdir, stamp, (long)getpid()) != 0 ||
	    ct_path(m->work, sizeof m->work, "%s/work", m->tmp) != 0 ||
	    ct_path(m->ckpt, sizeof m->ckpt, "%s/%s", m->tmp, CT_MDIR_CKPT) != 0) {
		ct_warn("%s/models/%s: %s", home, sym, strerror(errno));
		return -1;
	}
	if ((m->lockfd = ct_mdir_lock(m->symdir)) < 0) {
		m->locked = errno == EWOULDBLOCK;
		return -1;
	}
	if (mkdir(m->tmp, 0777) != 0) {
		ct_warn("%s: %s", m->tmp, strerror(errno));
		ct_mdir_end(m);
		return -1;
	}
	clean_stale(m);
	if (ct_mkdirs(m->work, 0777) != 0) {
		ct_warn("%s: %s", m->work, strerror(errno));
		ct_mdir_abort(m);
		ct_mdir_end(m);
		return -1;
	}
	return 0;
}

void
ct_mdir_abort(struct ct_mdir *m)
{
	if (m->tmp[0] && ct_rmtree(m->tmp) != 0 && errno != ENOENT)
		ct_warn("%s: %s", m->tmp, strerror(errno));
	m->tmp[0] = '\0';
}

void
ct_mdir_end(struct ct_mdir *m)
{
	if (m->lockfd >= 0)
		close(m->lockfd);
	m->lockfd = -1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Remove all but the keep newest stamp directories; never cur. */
static void
prune(const char *symdir, const char *cur, int keep)
{
	char path[CT_PATH_MAX], **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	if ((d = opendir(symdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!ct_stamp_ok(e->d_name))
			continue;
		if (n == cap) {
			char **t = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *t);

			if (t == NULL)
				break;
			names = t;
		}
		if ((names[n] = strdup(e->d_name)) != NULL)
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i + (size_t)keep < n && strcmp(names[i], cur) != 0 &&
		    ct_path(path, sizeof path, "%s/%s", symdir, names[i]) == 0)
			ct_rmtree_atomic(path);	/* gone at once: see predict's load_current */
		free(names[i]);
	}
	free(names);
}

int
ct_mdir_commit(struct ct_mdir *m, int keep, char *out, size_t n)
{
	char stamp[CT_ISO_LEN], final[CT_PATH_MAX], link[CT_PATH_MAX], cur[CT_PATH_MAX];
	struct stat st;

	/* The work (dataset, XGBoost pages, checkpoint) is not the model.
	 * Renamed out of the way first: a run killed while removing it must
	 * not leave half a checkpoint where the next run looks for one. */
	if (ct_rmtree_atomic(m->work) != 0)
		return -1;
	if (ct_model_write_sums(m->tmp) != 0 || ct_model_verify(m->tmp) != 0)
		return -1;
	/* Stamps have whole seconds: a second model within the same second
	 * waits for the next one rather than overwrite or rename a stamp. */
	for (int tries = 0;; tries++) {
		ct_stamp(ct_now_ms(), stamp);
		if (ct_path(final, sizeof final, "%s/%s", m->symdir, stamp) != 0) {
			ct_warn("%s: %s", m->symdir, strerror(errno));
			return -1;
		}
		if (lstat(final, &st) != 0 || tries == 3)
			break;
		usleep(300000);
	}
	if (rename(m->tmp, final) != 0) {
		ct_warn("%s: %s", final, strerror(errno));
		return -1;
	}
	m->tmp[0] = '\0';
	if (ct_path(link, sizeof link, "%s/.current.%ld", m->symdir, (long)getpid()) != 0 ||
	    ct_path(cur, sizeof cur, "%s/current", m->symdir) != 0) {
		ct_warn("%s: %s", m->symdir, strerror(errno));
		ct_rmtree(final);
		return -1;
	}
	unlink(link);
	if (symlink(stamp, link) != 0 || rename(link, cur) != 0) {
		ct_warn("%s: %s", cur, strerror(errno));
		unlink(link);
		ct_rmtree(final);
		return -1;
	}
	ct_fsync_dir(m->symdir);
	prune(m->symdir, stamp, keep);
	snprintf(out, n, "%s", final);
	return 0;
}
