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
#include "timefmt.h"

static int
addfile(struct archive *a, const char *src, const char *name)
{
	struct archive_entry *e;
	char buf[65536];
	struct stat st;
	ssize_t k;
	int fd, rc = 0;

	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		ct_warn("%s: %s", src, strerror(errno));
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
	if (rc != 0)
		ct_warn("%s: %s", name, archive_error_string(a));
	archive_entry_free(e);
	close(fd);
	return rc;
}

static int
addlink(struct archive *a, const char *name, const char *target)
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
		ct_warn("%s: %s", name, archive_error_string(a));
	archive_entry_free(e);
	return rc;
}

/* One coin: its current link and the files of the directory it names. */
static int
addmodel(struct archive *a, const char *home, const char *sym, int *added)
{
	char link[CT_PATH_MAX], target[256], dir[CT_PATH_MAX], src[CT_PATH_MAX], name[CT_PATH_MAX];
	struct dirent **list;
	ssize_t k;
	int n, rc = 0;

	*added = 0;
	if (ct_path(link, sizeof link, "%s/models/%s/current", home, sym) != 0 ||
	    (k = readlink(link, target, sizeof target - 1)) < 0)
		return 0;	/* a coin without a serving model has nothing to keep */
	target[k] = '\0';
	if (strchr(target, '/') || target[0] == '.') {
		ct_warn("%s: unexpected link target %s; skipped", link, target);
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
			rc = addfile(a, src, name);
		free(list[i]);
	}
	free(list);
	ct_path(name, sizeof name, "models/%s/current", sym);
	if (rc == 0)
		rc = addlink(a, name, target);
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

	if (out)
		rc = ct_path(path, sizeof path, "%s", out);
	else
		rc = ct_path(path, sizeof path, "%s/backups/models-%s.tar.gz", home,
		    ct_stamp(ct_now_ms(), stamp));
	if (rc != 0 || ct_mkparent(path) != 0 || ct_afile_open(&af, path) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	if (archive_write_open_FILE(a, af.fp) != ARCHIVE_OK) {
		ct_warn("%s: %s", path, archive_error_string(a));
		rc = -1;
	}
	ct_path(dir, sizeof dir, "%s/models", home);
	n = rc == 0 ? scandir(dir, &list, NULL, alphasort) : 0;
	for (int i = 0; i < n; i++) {
		if (rc == 0 && ct_symbol_ok(list[i]->d_name)) {
			rc = addmodel(a, home, list[i]->d_name, &added);
			count += added;
		}
		free(list[i]);
	}
	free(list);
	if (archive_write_close(a) != ARCHIVE_OK && rc == 0) {
		ct_warn("%s: %s", path, archive_error_string(a));
		rc = -1;
	}
	archive_write_free(a);
	if (rc != 0) {
		ct_afile_abort(&af);
		return -1;
	}
	if (ct_afile_commit(&af) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	if (made)
		ct_path(made, mn, "%s", path);
	return count;
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

/* Split "models/SYM/STAMP/FILE" or "models/SYM/current"; -1 when the
 * name is anything else. */
static int
split(const char *name, char *sym, char *stamp, char *file)
{
	const char *p, *q, *r;

	if (strncmp(name, "models/", 7) != 0)
		return -1;
	p = name + 7;
	if ((q = strchr(p, '/')) == NULL || q - p > 32)
		return -1;
	memcpy(sym, p, (size_t)(q - p));
	sym[q - p] = '\0';
	if (!ct_symbol_ok(sym))
		return -1;
	q++;
	if ((r = strchr(q, '/')) == NULL) {
		if (strcmp(q, "current") != 0)
			return -1;
		strcpy(stamp, "current");
		*file = '\0';
		return 0;
	}
	if (r - q > 63 || r == q || *q == '.' || strlen(r + 1) > 127 || r[1] == '.' ||
	    r[1] == '\0' || strchr(r + 1, '/'))
		return -1;
	memcpy(stamp, q, (size_t)(r - q));
	stamp[r - q] = '\0';
	strcpy(file, r + 1);
	return 0;
}

/* The directories a restore is unpacking: op 0 records one, 1 removes
 * them all (a failed restore leaves nothing behind), 2 forgets them. */
static void
unpacked(const char *home, const char *sym, const char *stamp, int op)
{
	static char **dirs;
	static size_t n;
	char dir[CT_PATH_MAX], path[CT_PATH_MAX];
	struct dirent *d;
	size_t i;
	DIR *dp;
	void *nv;

	if (op == 0) {
		if (ct_path(dir, sizeof dir, "%s/models/%s/.%s.restore", home, sym, stamp) != 0)
			return;
		for (i = 0; i < n; i++)
			if (strcmp(dirs[i], dir) == 0)
				return;
		if ((nv = realloc(dirs, (n + 1) * sizeof *dirs)) == NULL)
			return;
		dirs = nv;
		dirs[n++] = strdup(dir);
		return;
	}
	for (i = 0; i < n; i++) {
		if (op == 1 && dirs[i] && (dp = opendir(dirs[i]))) {
			while ((d = readdir(dp)))
				if (d->d_name[0] != '.' || (d->d_name[1] && strcmp(d->d_name, "..")))
					if (ct_path(path, sizeof path, "%s/%s", dirs[i], d->d_name) == 0)
						unlink(path);
			closedir(dp);
			rmdir(dirs[i]);
		}
		free(dirs[i]);
	}
	free(dirs);
	dirs = NULL;
	n = 0;
}

/* Rename each unpacked model directory into place, then switch current. */
static int
finish(const char *home, char (*links)[2][128], size_t nl)
{
	char tmpdir[CT_PATH_MAX], dst[CT_PATH_MAX], ltmp[CT_PATH_MAX], link[CT_PATH_MAX];
	int rc = 0;

	for (size_t i = 0; i < nl; i++) {
		ct_path(tmpdir, sizeof tmpdir, "%s/models/%s/.%s.restore", home, links[i][0], links[i][1]);
		ct_path(dst, sizeof dst, "%s/models/%s/%s", home, links[i][0], links[i][1]);
		if (access(tmpdir, F_OK) == 0 && rename(tmpdir, dst) != 0) {
			ct_warn("%s: %s", dst, strerror(errno));
			rc = -1;
			continue;
		}
		if (access(dst, F_OK) != 0)
			continue;
		ct_path(ltmp, sizeof ltmp, "%s/models/%s/.current.restore", home, links[i][0]);
		ct_path(link, sizeof link, "%s/models/%s/current", home, links[i][0]);
		unlink(ltmp);
		if (symlink(links[i][1], ltmp) != 0 || rename(ltmp, link) != 0) {
			ct_warn("%s: %s", link, strerror(errno));
			unlink(ltmp);
			rc = -1;
		}
		ct_fsync_dir(link);
	}
	return rc;
}

long
ct_backup_restore(const char *home, const char *archive)
{
	char sym[40], stamp[64], file[128], dir[CT_PATH_MAX], path[CT_PATH_MAX], final[CT_PATH_MAX];
	char (*links)[2][128] = NULL;
	size_t nl = 0;
	struct archive_entry *e;
	struct archive *a = archive_read_new();
	struct ct_afile af;
	const void *buf;
	size_t len;
	int64_t off;
	int r, rc = 0;

	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, archive, 65536) != ARCHIVE_OK) {
		ct_warn("%s: %s", archive, archive_error_string(a));
		archive_read_free(a);
		return -1;
	}
	while (rc == 0 && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (split(name, sym, stamp, file) != 0) {
			ct_warn("%s: %s: not a model file; refused", archive, name);
			rc = -1;
			break;
		}
		if (strcmp(stamp, "current") == 0) {
			const char *t = archive_entry_symlink(e);
			void *nv;

			if (t == NULL || strchr(t, '/') || t[0] == '.' || strlen(t) > 127 ||
			    (nv = realloc(links, (nl + 1) * sizeof *links)) == NULL) {
				ct_warn("%s: %s: bad current link", archive, name);
				rc = -1;
				break;
			}
			links = nv;
			snprintf(links[nl][0], 128, "%s", sym);
			snprintf(links[nl][1], 128, "%s", t);
			nl++;
			continue;
		}
		ct_path(final, sizeof final, "%s/models/%s/%s", home, sym, stamp);
		if (access(final, F_OK) == 0)
			continue;	/* never overwrite a model that exists */
		ct_path(dir, sizeof dir, "%s/models/%s/.%s.restore", home, sym, stamp);
		unpacked(home, sym, stamp, 0);
		if (ct_mkdirs(dir, 0777) != 0 || ct_path(path, sizeof path, "%s/%s", dir, file) != 0 ||
		    ct_afile_open(&af, path) != 0) {
			ct_warn("%s: %s", dir, strerror(errno));
			rc = -1;
			break;
		}
		while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
			if (fwrite(buf, 1, len, af.fp) != len)
				break;
		if (r != ARCHIVE_EOF || ct_afile_commit(&af) != 0) {
			if (r != ARCHIVE_EOF) {
				ct_warn("%s: %s: %s", archive, name, archive_error_string(a));
				ct_afile_abort(&af);
			} else {
				ct_warn("%s: %s", path, strerror(errno));
			}
			rc = -1;
		}
	}
	if (rc == 0 && r != ARCHIVE_EOF) {
		ct_warn("%s: %s", archive, archive_error_string(a));
		rc = -1;
	}
	archive_read_free(a);
	if (rc == 0)
		rc = finish(home, links, nl);
	else
		unpacked(home, NULL, NULL, 1);
	unpacked(home, NULL, NULL, 2);
	free(links);
	return rc == 0 ? (long)nl : -1;
}
