/* backup.c — model archives with libarchive (tar.gz). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "backup.h"
#include "err.h"
#include "home.h"
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

static int
addfile(struct archive *a, const char *out, const char *src, const char *name)
{
	struct archive_entry *e;
	char buf[65536];
	struct stat st;
	ssize_t k;
	int fd, rc = 0;

	/* A model directory holds regular files; a link in it would carry
	 * whatever it names into the archive. */
	if ((fd = open(src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ct_warn("%s: %s", src, fd < 0 || errno == ELOOP ? strerror(errno) :
		    "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
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

/* One coin: its current link and the files of the directory it names. */
static int
addmodel(struct archive *a, const char *out, const char *home, const char *sym, int *added)
{
	char link[CT_PATH_MAX], target[256], dir[CT_PATH_MAX], src[CT_PATH_MAX], name[CT_PATH_MAX];
	char ex[CT_EXCERPT_LEN];
	struct dirent **list;
	ssize_t k;
	int n, rc = 0;

	*added = 0;
	if ((k = current(home, sym, link, target, sizeof target)) < 0)
		return 0;	/* a coin without a serving model has nothing to keep */
	/* Only what a restore accepts: a link to a stamp directory beside it. */
	if (!ct_stamp_ok(target)) {
		ct_warn("%s: unexpected link target %s; skipped", link,
		    ct_excerpt(target, (size_t)k, ex));
		return 0;
	}
	ct_path(dir, sizeof dir, "%s/models/%s/%s", home, sym, target);
	if ((n = scandir(dir, &list, NULL, alphasort)) < 0) {
		ct_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		/* Temporaries of a writer are not part of the model. */
		if (rc == 0 && list[i]->d_name[0] != '.' &&
		    ct_path(src, sizeof src, "%s/%s", dir, list[i]->d_name) == 0 &&
		    ct_path(name, sizeof name, "models/%s/%s/%s", sym, target, list[i]->d_name) == 0)
			rc = addfile(a, out, src, name);
		free(list[i]);
	}
	free(list);
	ct_path(name, sizeof name, "models/%s/current", sym);
	if (rc == 0)
		rc = addlink(a, out, name, target);
	*added = rc == 0;
	return rc;
}

long
ct_backup_models(const char *home, const char *out, char *made, size_t mn)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX], stamp[CT_ISO_LEN];
	struct dirent **list = NULL;
	struct archive *a;
	struct ct_afile af;
	long count = 0;
	int n, rc = 0, added;

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
	if (out)
		rc = ct_path(path, sizeof path, "%s", out);
	else
		rc = ct_path(path, sizeof path, "%s/backups/models-%s.tar.gz", home,
		    ct_stamp(ct_now_ms(), stamp));
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
	if (archive_write_open_FILE(a, af.fp) != ARCHIVE_OK) {
		ct_warn("%s: %s", path, why(a));
		rc = -1;
	}
	for (int i = 0; i < n && rc == 0; i++)
		if (ct_symbol_ok(list[i]->d_name)) {
			rc = addmodel(a, path, home, list[i]->d_name, &added);
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

static int
isbackup(const struct dirent *d)
{
	size_t l = strlen(d->d_name);

	return strncmp(d->d_name, "models-", 7) == 0 && l > 14 &&
	    strcmp(d->d_name + l - 7, ".tar.gz") == 0;
}

int
ct_backup_rotate(const char *home, long keep)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX];
	struct dirent **list;
	int n, rc = 0;

	ct_path(dir, sizeof dir, "%s/backups", home);
	if ((n = scandir(dir, &list, isbackup, alphasort)) < 0)
		return errno == ENOENT ? 0 : -1;
	/* Stamps sort by time, so the oldest come first. */
	for (int i = 0; i < n; i++) {
		if (i < n - keep && ct_path(path, sizeof path, "%s/%s", dir, list[i]->d_name) == 0 &&
		    unlink(path) != 0) {
			ct_warn("%s: %s", path, strerror(errno));
			rc = -1;
		}
		free(list[i]);
	}
	free(list);
	return rc;
}
