/* backup.c — model archives with libarchive (tar.gz). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "backup.h"
#include "err.h"
#include "home.h"
#include "model.h"
#include "modeldir.h"
#include "parse.h"
#include "timefmt.h"

/* Why a write to the archive failed: the system's word for it (ENOSPC:
 * "No space left on device") when there is one. */
static const char *
why(struct archive *a)
{
	return archive_errno(a) > 0 ? strerror(archive_errno(a)) : archive_error_string(a);
}

/* src into a as name: 0, 1 when it is left out (not a regular file:
 * said), -1 when the archive failed, -2 when src could not be read
 * (said). */
static int
addfile(struct archive *a, const char *out, const char *src, const char *name)
{
	struct archive_entry *e;
	char buf[65536];
	struct stat st;
	ssize_t k;
	int fd, rc = 0;

	/* A model directory holds regular files; a link in it would carry
	 * whatever it names into the archive: left out, as anything else
	 * that is not a regular file. */
	if ((fd = open(src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 && errno == ELOOP) {
		ct_warn("%s: a symbolic link; left out", src);
		return 1;
	}
	if (fd < 0 || fstat(fd, &st) != 0) {
		ct_warn("%s: %s", src, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		ct_warn("%s: not a regular file; left out", src);
		close(fd);
		return 1;
	}
	e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, name);
	if (archive_write_header(a, e) != ARCHIVE_OK)
		rc = -1;
	while (rc == 0 && (k = read(fd, buf, sizeof buf)) > 0)
		if (archive_write_data(a, buf, (size_t)k) != k)
			rc = -1;
	if (rc == 0 && k < 0) {
		ct_warn("%s: %s", src, strerror(errno));
		rc = -2;	/* said already, not the archive's fault */
	}
	if (rc == -1)
		ct_warn("%s: %s: %s", out, name, why(a));
	archive_entry_free(e);
	close(fd);
	return rc;
}

static int
addlink(struct archive *a, const char *out, const char *name, const char *target)
{
	struct archive_entry *e = archive_entry_new();
	int rc;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFLNK);
	archive_entry_set_perm(e, 0777);
	archive_entry_set_symlink(e, target);
	archive_entry_set_mtime(e, time(NULL), 0);
	rc = archive_write_header(a, e) == ARCHIVE_OK ? 0 : -1;
	if (rc != 0)
		ct_warn("%s: %s: %s", out, name, why(a));
	archive_entry_free(e);
	return rc;
}

/* Where models/<sym>/current points (in target, with its length), or -1:
 * no such link. */
static ssize_t
current(const char *home, const char *sym, char *link, char *target, size_t n)
{
	ssize_t k;

	if (ct_path(link, CT_PATH_MAX, "%s/models/%s/current", home, sym) != 0 ||
	    (k = readlink(link, target, n - 1)) < 0)
		return -1;
	target[k] = '\0';
	return k;
}

/* Whether some coin of list has a serving model; an archive of none would
 * be no backup, and rotating it in would push real ones out. */
static int
anymodel(const char *home, struct dirent **list, int n)
{
	char link[CT_PATH_MAX], target[256];

	for (int i = 0; i < n; i++)
		if (ct_symbol_ok(list[i]->d_name) &&
		    current(home, list[i]->d_name, link, target, sizeof target) >= 0 &&
		    ct_stamp_ok(target))
			return 1;
	return 0;
}

/* Whether home has a coin with a serving model (a models/ that cannot
 * be read: ct_backup_models says why). */
static int
home_has_model(const char *home)
{
	char dir[CT_PATH_MAX];
	struct dirent **list;
	int n, any;

	if (ct_path(dir, sizeof dir, "%s/models", home) != 0 || (n = scandir(dir, &list, NULL, NULL)) < 0)
		return errno != ENOENT;
	any = anymodel(home, list, n);
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return any;
}

/* A --output FILE goes into a directory that exists: only backups/ under
 * the data home is made.  0, or -1 with a diagnostic naming the
 * directory. */
static int
outdir(const char *path)
{
	char dir[CT_PATH_MAX];
	char *s;

	if (ct_path(dir, sizeof dir, "%s", path) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	if ((s = strrchr(dir, '/')) == NULL)
		return 0;
	s[s == dir] = '\0';	/* "/x" is in "/" */
	return ct_dir_check(dir);
}

/* One coin: its current link and the files of the directory it names;
 * a model that does not verify is left out, said, and counted in
 * *damaged: archived, it would restore as nothing, and rotation would
 * push out the older archives that hold the coin whole. */
static int
addmodel(struct archive *a, const char *out, const char *home, const char *sym, int *added,
    long *damaged)
{
	char link[CT_PATH_MAX], target[256], dir[CT_PATH_MAX], src[CT_PATH_MAX], name[CT_PATH_MAX];
	char ex[CT_EXCERPT_LEN];
	struct dirent **list;
	ssize_t k;
	int n, rc = 0, bad;

	*added = 0;
	if ((k = current(home, sym, link, target, sizeof target)) < 0) {
		/* A coin without a serving model has nothing to keep; a
		 * current that is no link serves nothing restorable. */
		if (errno == ENOENT)
			return 0;
		ct_warn("%s: %s; left out", link, errno == EINVAL ? "not a symbolic link" :
		    strerror(errno));
		(*damaged)++;
		return 0;
	}
	/* Only what a restore accepts: a link to a stamp directory beside it.
	 * Anything else is damage: the older archives may hold the coin. */
	if (!ct_stamp_ok(target)) {
		ct_warn("%s: unexpected link target %s; left out", link,
		    ct_excerpt(target, (size_t)k, ex));
		(*damaged)++;
		return 0;
	}
	ct_path(dir, sizeof dir, "%s/models/%s/%s", home, sym, target);
	if ((n = scandir(dir, &list, NULL, alphasort)) < 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			ct_warn("%s: %s", dir, strerror(errno));
			return -1;
		}
		ct_warn("%s -> %s: not a model directory; left out", link, target);
		(*damaged)++;
		return 0;
	}
	if ((bad = ct_model_verify_coin(dir, sym) != 0)) {
		ct_warn("%s -> %s: does not verify; left out", link, target);
		(*damaged)++;
	}
	for (int i = 0; i < n; i++) {
		/* Temporaries of a writer are not part of the model. */
		if (rc == 0 && !bad && list[i]->d_name[0] != '.' &&
		    ct_path(src, sizeof src, "%s/%s", dir, list[i]->d_name) == 0 &&
		    ct_path(name, sizeof name, "models/%s/%s/%s", sym, target, list[i]->d_name) == 0 &&
		    (rc = addfile(a, out, src, name)) > 0)
			rc = 0;		/* left out, said */
		free(list[i]);
	}
	free(list);
	if (bad)
		return 0;
	ct_path(name, sizeof name, "models/%s/current", sym);
	if (rc == 0)
		rc = addlink(a, out, name, target);
	*added = rc == 0;
	return rc;
}

/* backups/models-STAMP.tar.gz of a second no archive has the name of:
 * a second backup within the second of another would replace it, and
 * with it perhaps the one archive of a coin the second left out (its
 * model damaged since).  0, or -1 (errno). */
static int
default_name(char *path, size_t n, const char *home)
{
	char stamp[CT_ISO_LEN];
	int64_t now = ct_now_ms();

	for (int tries = 0; tries < 3; tries++) {
		if (ct_path(path, n, "%s/backups/models-%s.tar.gz", home, ct_stamp(now, stamp)) != 0)
			return -1;
		if (access(path, F_OK) != 0)
			return 0;
		/* Into the next second. */
		usleep((useconds_t)(1000 - now % 1000) * 1000 + 1000);
		now = ct_now_ms();
	}
	errno = EEXIST;
	return -1;
}

long
ct_backup_models(const char *home, const char *out, char *made, size_t mn, long *damaged)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX];
	struct dirent **list = NULL;
	struct archive *a;
	struct ct_afile af;
	long count = 0;
	int n, rc = 0, added;

	*damaged = 0;
	if (out && outdir(out) != 0)
		return -1;
	if (ct_path(dir, sizeof dir, "%s/models", home) != 0 ||
	    ((n = scandir(dir, &list, NULL, alphasort)) < 0 && errno != ENOENT)) {
		ct_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	n = n < 0 ? 0 : n;
	if (!anymodel(home, list, n)) {
		ct_warn("%s: no model to back up", dir);
		rc = -1;
		goto out;
	}
	rc = out ? ct_path(path, sizeof path, "%s", out) : default_name(path, sizeof path, home);
	if (rc != 0 || (out == NULL && ct_mkparent(path) != 0)) {
		ct_warn("%s: %s", path, strerror(errno));
		rc = -1;
		goto out;
	}
	if (ct_afile_open(&af, path) != 0) {
		ct_warn("%s: %s", path, ct_afile_strerror(errno));
		rc = -1;
		goto out;
	}
	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	/* No zero padding after the gzip stream: gzip -l reads it then. */
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_FILE(a, af.fp) != ARCHIVE_OK) {
		ct_warn("%s: %s", path, why(a));
		rc = -1;
	}
	for (int i = 0; i < n && rc == 0; i++)
		if (ct_symbol_ok(list[i]->d_name)) {
			rc = addmodel(a, path, home, list[i]->d_name, &added, damaged);
			count += added;
		}
	if (archive_write_close(a) != ARCHIVE_OK && rc == 0) {
		ct_warn("%s: %s", path, why(a));
		rc = -1;
	}
	archive_write_free(a);
	/* The models may have gone since they were counted. */
	if (rc == 0 && count == 0) {
		ct_warn("%s: no model to back up", dir);
		rc = -1;
	}
	if (rc != 0)
		ct_afile_abort(&af);
	else if ((rc = ct_afile_commit(&af)) != 0)
		ct_warn("%s: %s", path, ct_afile_strerror(errno));
	else if (made)
		ct_path(made, mn, "%s", path);
out:
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return rc == 0 ? count : -1;
}

/* A name the default archives take: models-YYYYMMDD_HHMMSSZ.tar.gz
 * (what an operator named otherwise is not rotated). */
static int
isbackup(const struct dirent *d)
{
	char stamp[17];

	if (strlen(d->d_name) != 30 || strncmp(d->d_name, "models-", 7) != 0 ||
	    strcmp(d->d_name + 23, ".tar.gz") != 0)
		return 0;
	memcpy(stamp, d->d_name + 7, 16);
	stamp[16] = '\0';
	return ct_stamp_ok(stamp);
}

/* Keep the archive just made (made, NULL: none) and the newest keep - 1
 * others of backups/; delete the older.  Stamps sort by time; one dated
 * after now (a clock set back) counts as the newest, but never pushes
 * out the archive just made. */
static int
rotate(const char *dir, long keep, const char *made)
{
	const char *base = made ? strrchr(made, '/') : NULL;
	char path[CT_PATH_MAX];
	struct dirent **list;
	int n, rc = 0;
	long kept = 0;

	if ((n = scandir(dir, &list, isbackup, alphasort)) < 0)
		return errno == ENOENT ? 0 : -1;
	base = base ? base + 1 : made;
	for (int i = n - 1; i >= 0; i--) {
		int mine = base && strcmp(list[i]->d_name, base) == 0;

		if (mine || kept < keep - (base != NULL))
			kept += !mine;
		else if (ct_path(path, sizeof path, "%s/%s", dir, list[i]->d_name) == 0 &&
		    unlink(path) != 0) {
			ct_warn("%s: %s", path, strerror(errno));
			rc = -1;
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

/* A temporary of a default backup (".models-STAMP.tar.gz.tmp.*"): an
 * --output of another name into backups/ takes no lock. */
static int
backup_tmp(const char *name, const void *arg)
{
	struct dirent d;

	(void)arg;
	if (strncmp(name, ".models-", 8) != 0 || strlen(name) < 36 || strncmp(name + 31, ".tmp.", 5) != 0)
		return 0;
	snprintf(d.d_name, sizeof d.d_name, "%.30s", name + 1);
	return isbackup(&d);
}

long
ct_backup_rotated(const char *home, long keep, char *made, size_t mn, long *damaged)
{
	char dir[CT_PATH_MAX];
	long count;
	int fd;

	/* One default backup at a time: the sweep must not take another's
	 * archive in progress, nor a rotation the archive it just made.
	 * backups/ is made for a home with a model only. */
	if (!home_has_model(home)) {
		ct_warn("%s/models: no model to back up", home);
		return -1;
	}
	if (ct_path(dir, sizeof dir, "%s/backups", home) != 0 ||
	    (mkdir(dir, 0777) != 0 && errno != EEXIST) ||
	    (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		ct_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			ct_warn("%s: lock: %s", dir, strerror(errno));
			close(fd);
			return -1;
		}
	/* The temporaries of backups killed with -9. */
	ct_sweep(dir, backup_tmp, NULL);
	/* With a coin left out as damaged, the older archives may hold its
	 * last good model: none is rotated out. */
	if ((count = ct_backup_models(home, NULL, made, mn, damaged)) >= 0 && *damaged == 0 &&
	    rotate(dir, keep, made) != 0)
		count = -1;
	close(fd);
	return count;
}
