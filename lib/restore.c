/* restore.c — putting the models of an archive back into service.
 *
 * The archive is unpacked into a private staging directory,
 * models/.restore-XXXXXX, which nobody else looks at.  An entry that is
 * no model file refuses the whole archive: it was not made by us.  Then
 * each coin on its own: a model that does not verify against its
 * sha256.txt, or is another coin's, is refused and named, and the coins
 * that verify are locked (the lock train-coin takes), their new model
 * directories renamed into place and each current switched.  One damaged
 * coin thus keeps no other from service (a disaster recovery wants every
 * coin it can have), a refused coin changes nothing, and a killed restore
 * leaves only its staging directory, which the next restore sweeps (its
 * flock tells a live one from a dead one). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "backup.h"
#include "cache.h"
#include "candles.h"
#include "err.h"
#include "home.h"
#include "model.h"
#include "modeldir.h"
#include "parse.h"
#include "writeall.h"

#define STAGE_PREFIX ".restore-"

struct coin {
	char sym[40];
	char target[40];	/* what the archive's current names; "" if none */
	int lockfd;
	int refused;		/* said; not restored */
	int made;		/* models/SYM made for its lock, empty till installed */
};

struct restore {
	const char *home, *archive;
	char *const *only;	/* restore these coins only (nonly > 0) */
	size_t nonly;
	char models[CT_PATH_MAX];	/* home/models */
	char stage[CT_PATH_MAX];	/* home/models/.restore-XXXXXX */
	int stagefd;		/* flock'ed while we live */
	struct ct_afile stage_reg;	/* stage is removed on a signal */
	int made_models;	/* models/ did not exist before */
	struct coin *coins;
	size_t n;
};

/* A name from the archive in a diagnostic: whole up to 200 bytes (a
 * model file's path, models/SYM/STAMP/FILE, fits). */
static const char *
quote(const char *s)
{
	static char buf[200];

	return ct_printable(s, buf, sizeof buf);
}

/* Why entry e (k: split's verdict on its name) is no model file. */
static const char *
not_model_file(struct archive_entry *e, int k)
{
	if (k < 0)
		return "not a name of models/SYM/STAMP/FILE";
	if (archive_entry_hardlink(e) != NULL)
		return "a hard link, not a model file";
	switch (archive_entry_filetype(e)) {
	case AE_IFLNK:
		return "a symbolic link, not a model file";
	case AE_IFDIR:
		return "a directory, not a model file";
	default:
		return "a device or special file, not a model file";
	}
}

/* A file name inside a model directory: [A-Za-z0-9._-], not hidden. */
static int
fileok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return i > 0 && i < 128 && s[0] != '.';
}

/* Split "models/SYM/STAMP/FILE" (1) or "models/SYM/current" (0); -1 for
 * anything else. */
static int
split(const char *name, char sym[40], char stamp[40], char file[128])
{
	char buf[256], *p, *q, *r;

	if (strncmp(name, "models/", 7) != 0 || ct_path(buf, sizeof buf, "%s", name + 7) != 0 ||
	    (q = strchr(buf, '/')) == NULL)
		return -1;
	*q++ = '\0';
	if (!ct_symbol_ok(buf))
		return -1;
	strcpy(sym, buf);
	if (strcmp(q, "current") == 0)
		return 0;
	if ((r = strchr(q, '/')) == NULL)
		return -1;
	*r++ = '\0';
	p = strchr(r, '/');
	if (!ct_stamp_ok(q) || p != NULL || !fileok(r))
		return -1;
	strcpy(stamp, q);
	strcpy(file, r);
	return 1;
}

/* "models", "models/SYM" or "models/SYM/STAMP", with a '/' or not. */
static int
dirok(const char *name)
{
	char buf[256], sym[40], stamp[40], file[128];
	size_t l;

	if (ct_path(buf, sizeof buf, "%s", name) != 0)
		return 0;
	if ((l = strlen(buf)) > 0 && buf[l - 1] == '/')
		buf[--l] = '\0';
	if (strcmp(buf, "models") == 0)
		return 1;
	if (strncmp(buf, "models/", 7) != 0)
		return 0;
	if (strchr(buf + 7, '/') == NULL)
		return ct_symbol_ok(buf + 7);
	/* models/SYM/STAMP is what models/SYM/STAMP/x is without the x */
	return ct_path(buf + l, sizeof buf - l, "/x") == 0 && split(buf, sym, stamp, file) == 1;
}

static struct coin *
coin(struct restore *r, const char *sym)
{
	struct coin *c;

	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->coins[i].sym, sym) == 0)
			return &r->coins[i];
	if ((c = realloc(r->coins, (r->n + 1) * sizeof *c)) == NULL)
		return NULL;
	r->coins = c;
	c = &r->coins[r->n++];
	memset(c, 0, sizeof *c);
	snprintf(c->sym, sizeof c->sym, "%s", sym);
	c->lockfd = -1;
	return c;
}

static int
wanted(const struct restore *r, const char *sym)
{
	for (size_t i = 0; i < r->nonly; i++)
		if (strcmp(r->only[i], sym) == 0)
			return 1;
	return r->nonly == 0;
}

/* Staging directories of restores that died: a live one holds its flock. */
static void
sweep_stages(const char *models)
{
	char path[CT_PATH_MAX];
	struct dirent *d;
	DIR *dp;
	int fd;

	if ((dp = opendir(models)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (strncmp(d->d_name, STAGE_PREFIX, strlen(STAGE_PREFIX)) != 0 ||
		    ct_path(path, sizeof path, "%s/%s", models, d->d_name) != 0 ||
		    (fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			ct_rmtree(path);
		close(fd);
	}
	closedir(dp);
}

/* Leftovers of restores before staging existed: models/SYM/.STAMP.restore
 * and .current.restore.  Called with the coin's lock held. */
static void
sweep_coin(const char *symdir)
{
	char path[CT_PATH_MAX];
	struct dirent *d;
	size_t l;
	DIR *dp;

	if ((dp = opendir(symdir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		l = strlen(d->d_name);
		if (d->d_name[0] == '.' && l > 9 && strcmp(d->d_name + l - 8, ".restore") == 0 &&
		    ct_path(path, sizeof path, "%s/%s", symdir, d->d_name) == 0)
			ct_rmtree(path);
	}
	closedir(dp);
}

static int
make_stage(struct restore *r)
{
	if (ct_path(r->models, sizeof r->models, "%s/models", r->home) != 0 ||
	    ct_path(r->stage, sizeof r->stage, "%s/" STAGE_PREFIX "XXXXXX", r->models) != 0) {
		ct_warn("%s/models: %s", r->home, strerror(errno));
		r->stage[0] = '\0';
		return -1;
	}
	r->made_models = access(r->models, F_OK) != 0;
	if (ct_mkdirs(r->models, 0777) != 0 || mkdtemp(r->stage) == NULL) {
		ct_warn("%s: %s", r->stage, strerror(errno));
		r->stage[0] = '\0';
		return -1;
	}
	/* A restore stopped by a signal leaves no staging directory: the
	 * next one would sweep it, but there may be no next one. */
	if (ct_afile_tmpdir(&r->stage_reg, r->stage) != 0) {
		ct_warn("%s: %s", r->stage, strerror(errno));
		return -1;
	}
	if ((r->stagefd = open(r->stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    flock(r->stagefd, LOCK_EX) != 0) {
		ct_warn("%s: %s", r->stage, strerror(errno));
		return -1;
	}
	return 0;
}

/* Why reading a failed; libarchive gives no text for a gzip stream that
 * ends early (an archive cut short in its last bytes). */
static const char *
read_error(struct archive *a)
{
	const char *e = archive_error_string(a);

	return e ? e : "the archive is damaged or cut short (its data ends early)";
}

/* One file entry into stage/SYM/STAMP/FILE. */
static int
unpack(struct restore *r, struct archive *a, const char *sym, const char *stamp,
    const char *file)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX];
	const void *buf;
	size_t len;
	int64_t off, at = 0;
	int fd, ar, rc = 0;

	if (ct_path(dir, sizeof dir, "%s/%s/%s", r->stage, sym, stamp) != 0 ||
	    ct_path(path, sizeof path, "%s/%s", dir, file) != 0 || ct_mkdirs(dir, 0777) != 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666)) < 0) {
		ct_warn("%s: models/%s/%s/%s: %s", r->archive, sym, stamp, file,
		    errno == EEXIST ? "twice in the archive" : strerror(errno));
		return -1;
	}
	/* Blocks in order and without holes: a sparse entry could claim a
	 * file of any size that costs nothing to send. */
	while (rc == 0 && (ar = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
		if (off != at) {
			ct_warn("%s: models/%s/%s/%s: a sparse file; refused", r->archive, sym, stamp,
			    file);
			rc = -1;
		} else if (ct_write_all(fd, buf, len) != 0) {
			ct_warn("%s: %s", path, strerror(errno));
			rc = -1;
		}
		at += (int64_t)len;
	}
	if (rc == 0 && ar != ARCHIVE_EOF) {
		ct_warn("%s: models/%s/%s/%s: %s", r->archive, sym, stamp, file, read_error(a));
		rc = -1;
	}
	/* Durable before it can become current. */
	if (rc == 0 && fsync(fd) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

/* The current link of a coin: a stamp directory beside it, once. */
static int
link_entry(struct restore *r, struct archive_entry *e, const char *sym)
{
	const char *t = archive_entry_symlink(e);
	struct coin *c;

	if (archive_entry_filetype(e) != AE_IFLNK || t == NULL || !ct_stamp_ok(t)) {
		ct_warn("%s: models/%s/current: not a link to a model directory (-> %s); refused",
		    r->archive, sym, quote(t ? t : "nothing"));
		return -1;
	}
	if ((c = coin(r, sym)) == NULL) {
		ct_warn("%s: out of memory", r->archive);
		return -1;
	}
	if (c->target[0]) {
		ct_warn("%s: models/%s/current: twice in the archive; refused", r->archive, sym);
		return -1;
	}
	snprintf(c->target, sizeof c->target, "%s", t);
	return 0;
}

/* Why an archive could not be opened: the system's word when the file
 * could not be read ("No such file or directory", "Is a directory"), not
 * libarchive's own.  But libarchive files a format it does not know
 * under EILSEQ (its ARCHIVE_ERRNO_FILE_FORMAT on Linux), and a misuse
 * under EINVAL, whose strerror ("Invalid or incomplete multibyte or wide
 * character") would say nothing to the operator. */
static const char *
open_error(struct archive *a)
{
	static char buf[256];
	int e = archive_errno(a);

	if (e == EILSEQ)
		return "not a tar archive, or one damaged or cut short";
	if (e > 0 && e != EINVAL)
		return strerror(e);
	return archive_error_string(a) ? ct_printable(archive_error_string(a), buf, sizeof buf) :
	    "not a tar archive, or one damaged or cut short";
}

/* Every entry of the archive into the staging directory. */
static int
read_archive(struct restore *r)
{
	char sym[40], stamp[40], file[128];
	struct archive_entry *e;
	struct archive *a = archive_read_new();
	int ar, k, rc = 0;

	/* What ct_backup_models writes: tar, gzip'ed or not.  Nothing else,
	 * so no other decoder (or external program) ever sees the input. */
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, r->archive, 65536) != ARCHIVE_OK) {
		ct_warn("%s: %s", r->archive, open_error(a));
		archive_read_free(a);
		return -1;
	}
	while (rc == 0 && (ar = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (name && archive_entry_filetype(e) == AE_IFDIR && dirok(name))
			continue;	/* tar(1) lists the directories too; we make our own */
		k = name ? split(name, sym, stamp, file) : -1;
		if (k < 0 || (k == 1 && (archive_entry_filetype(e) != AE_IFREG ||
		    archive_entry_hardlink(e) != NULL))) {
			ct_warn("%s: %s: %s; refused", r->archive, quote(name ? name : "(no name)"),
			    not_model_file(e, k));
			rc = -1;
		} else if (!wanted(r, sym)) {
			continue;
		} else if (k == 0) {
			rc = link_entry(r, e, sym);
		} else if (coin(r, sym) == NULL) {
			ct_warn("%s: out of memory", r->archive);
			rc = -1;
		} else {
			rc = unpack(r, a, sym, stamp, file);
		}
	}
	if (rc == 0 && ar != ARCHIVE_EOF) {
		ct_warn("%s: %s", r->archive, read_error(a));
		rc = -1;
	}
	archive_read_free(a);
	return rc;
}

/* A staged coin holds one directory, the one its current names, and it
 * verifies; or, when the archive left it out, it is in place already. */
static int
check_coin(struct restore *r, struct coin *c)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX];
	struct dirent *d;
	struct stat st;
	int rc = 0, final, staged;
	DIR *dp;

	if (c->target[0] == '\0') {
		ct_warn("%s: models/%s: no current link in the archive; refused", r->archive, c->sym);
		return -1;
	}
	ct_path(dir, sizeof dir, "%s/%s", r->stage, c->sym);
	if ((dp = opendir(dir)) != NULL) {
		while (rc == 0 && (d = readdir(dp)) != NULL)
			if (d->d_name[0] != '.' && strcmp(d->d_name, c->target) != 0) {
				ct_warn("%s: models/%s/%s: not the current model; refused",
				    r->archive, c->sym, d->d_name);
				rc = -1;
			}
		closedir(dp);
	}
	ct_path(path, sizeof path, "%s/%s/%s", r->models, c->sym, c->target);
	final = lstat(path, &st) == 0;
	if (rc == 0 && final && !S_ISDIR(st.st_mode)) {
		ct_warn("%s: not a model directory", path);
		rc = -1;
	}
	/* A model already in place is never overwritten, and it is the one
	 * current will name, so it must verify too (under the lock, so that
	 * no train-coin prunes it meanwhile).  An archive whose copy does not
	 * verify is refused all the same: it is damaged. */
	ct_path(dir, sizeof dir, "%s/%s/%s", r->stage, c->sym, c->target);
	staged = access(dir, F_OK) == 0;
	if (rc == 0 && !final && !staged) {
		ct_warn("%s: models/%s/current -> %s: not in the archive nor in %s/%s", r->archive,
		    c->sym, c->target, r->models, c->sym);
		rc = -1;
	}
	if (rc == 0 && staged && ct_model_verify_coin(dir, c->sym) != 0) {
		ct_warn("%s: models/%s/%s: does not verify; refused", r->archive, c->sym, c->target);
		rc = -1;
	}
	return rc;
}

/* Every lock let go; a coin's directory made only for its lock, with
 * nothing installed in it, removed (under the lock): a refused restore
 * leaves no coin behind. */
static void
unlock_all(struct restore *r)
{
	char path[CT_PATH_MAX];
	struct coin *c;

	for (size_t i = 0; i < r->n; i++) {
		c = &r->coins[i];
		if (c->made && ct_path(path, sizeof path, "%s/%s/.lock", r->models, c->sym) == 0) {
			unlink(path);
			ct_path(path, sizeof path, "%s/%s", r->models, c->sym);
			rmdir(path);
			c->made = 0;
		}
		if (c->lockfd >= 0) {
			close(c->lockfd);
			c->lockfd = -1;
		}
	}
}

/* Whether the model in place at dir is the archive's of c (their
 * sha256.txt the same bytes); 1 too when the archive's is not staged. */
static int
same_model(const struct restore *r, const struct coin *c, const char *dir)
{
	char path[CT_PATH_MAX];
	char *a, *b;
	size_t la, lb;
	int missing, same;

	if (ct_path(path, sizeof path, "%s/%s/%s/sha256.txt", r->stage, c->sym, c->target) != 0 ||
	    (a = ct_slurp(path, &la, &missing)) == NULL)
		return 1;
	ct_path(path, sizeof path, "%s/sha256.txt", dir);
	b = ct_slurp(path, &lb, &missing);
	same = b && la == lb && memcmp(a, b, la) == 0;
	free(a);
	free(b);
	return same;
}

/* The lock of every coin to restore (any held by a train-coin: -1,
 * nothing restored), and the models already in place verified (one that
 * does not: its coin refused). */
static int
lock_all(struct restore *r, struct ct_restored *res)
{
	char symdir[CT_PATH_MAX], dir[CT_PATH_MAX];
	struct coin *c;

	for (size_t i = 0; i < r->n; i++) {
		c = &r->coins[i];
		if (c->refused)
			continue;
		ct_path(symdir, sizeof symdir, "%s/%s", r->models, c->sym);
		c->made = access(symdir, F_OK) != 0;
		if ((c->lockfd = ct_mdir_lock(symdir)) < 0)
			return -1;
		sweep_coin(symdir);
		ct_path(dir, sizeof dir, "%s/%s", symdir, c->target);
		if (access(dir, F_OK) != 0)
			continue;
		if (ct_model_verify_coin(dir, c->sym) != 0) {
			ct_warn("%s: does not verify; refused (move it away, e.g. to %s.damaged, "
			    "and restore again: the archive's copy goes in its place)", dir, dir);
			c->refused = 1;
			res->refused++;
		} else if (!same_model(r, c, dir)) {
			ct_warn("%s: another model of the same name is in place (its sha256.txt differs "
			    "from the archive's); refused (move it away to restore the archive's)", dir);
			c->refused = 1;
			res->refused++;
		}
	}
	return 0;
}

/* Rename the staged model into place (unless there) and switch current. */
static int
install(struct restore *r, struct coin *c, struct ct_restored *res)
{
	char staged[CT_PATH_MAX], dir[CT_PATH_MAX], tmp[CT_PATH_MAX], cur[CT_PATH_MAX];

	ct_path(staged, sizeof staged, "%s/%s/%s", r->stage, c->sym, c->target);
	ct_path(dir, sizeof dir, "%s/%s/%s", r->models, c->sym, c->target);
	ct_path(cur, sizeof cur, "%s/%s/current", r->models, c->sym);
	/* ".current." is what train-coin sweeps under the same lock. */
	if (ct_path(tmp, sizeof tmp, "%s/%s/.current.%ld", r->models, c->sym, (long)getpid()) != 0)
		return -1;
	if (access(dir, F_OK) != 0) {
		if (rename(staged, dir) != 0) {
			ct_warn("%s: %s", dir, strerror(errno));
			return -1;
		}
		res->models++;
	} else {
		res->present++;
	}
	unlink(tmp);
	if (symlink(c->target, tmp) != 0 || rename(tmp, cur) != 0) {
		ct_warn("%s: %s", cur, strerror(errno));
		unlink(tmp);
		return -1;
	}
	ct_fsync_dir(cur);
	res->switched++;
	return 0;
}

/* The cached predictions of the coins to restore (syms: room for them)
 * go first: a restore killed while it switches leaves no coin served the
 * prediction of a model it replaced.  0, or -1 (said: nothing restored). */
static int
forget_first(struct restore *r, char **syms)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		if (!r->coins[i].refused)
			syms[n++] = r->coins[i].sym;
	if (n == 0 || ct_cache_forget(r->home, syms, n, 0) == 0)
		return 0;
	ct_warn("%s: the cached predictions of the coins to restore cannot be dropped: "
	    "nothing restored", r->archive);
	return -1;
}

/* Put every staged coin into service; cached predictions of the old models
 * are dropped, so nobody is served a prediction the restored model did not
 * make. */
static int
install_all(struct restore *r, struct ct_restored *res)
{
	char **syms = calloc(r->n + 1, sizeof *syms);
	size_t n = 0;
	int rc = 0;

	if (syms == NULL) {
		ct_warn("%s: out of memory", r->archive);
		return -1;
	}
	/* And again after, for one cached meanwhile from a model still
	 * current then. */
	if (forget_first(r, syms) != 0) {
		free(syms);
		return -1;
	}
	for (size_t i = 0; i < r->n; i++) {
		if (r->coins[i].refused)
			continue;
		if (install(r, &r->coins[i], res) != 0) {
			rc = -1;
		} else {
			syms[n++] = r->coins[i].sym;
			r->coins[i].made = 0;
		}
	}
	if (n > 0 && ct_cache_forget(r->home, syms, n, 0) != 0)
		rc = -1;
	/* What is in service now must be known, as a failure stops nothing
	 * already done: each coin's switch is its own. */
	for (size_t i = 0; rc != 0 && i < n; i++)
		ct_warn("%s: %s: restored all the same (current switched)", r->archive, syms[i]);
	free(syms);
	return rc;
}

static void
finish(struct restore *r)
{
	unlock_all(r);
	if (r->stage[0] && ct_rmtree(r->stage) != 0 && errno != ENOENT)
		ct_warn("%s: %s", r->stage, strerror(errno));
	/* Only once it is gone: a signal meanwhile finishes the job. */
	if (r->stage_reg.isdir)
		ct_afile_tmpdir_done(&r->stage_reg);
	if (r->stagefd >= 0)
		close(r->stagefd);
	if (r->made_models)
		rmdir(r->models);	/* only when nothing was restored into it */
	free(r->coins);
}

/* The coins named that the archive does not hold: said, and counted as
 * refused (once each, however often named). */
static void
missing(struct restore *r, struct ct_restored *res)
{
	for (size_t i = 0; i < r->nonly; i++) {
		size_t j = 0, k = 0;

		while (j < i && strcmp(r->only[j], r->only[i]) != 0)
			j++;
		while (k < r->n && strcmp(r->coins[k].sym, r->only[i]) != 0)
			k++;
		if (j == i && k == r->n) {
			ct_warn("%s: not in %s", r->only[i], r->archive);
			res->refused++;
		}
	}
}

int
ct_backup_restore(const char *home, const char *archive, char *const only[], size_t nonly,
    struct ct_restored *res)
{
	struct restore r = { .home = home, .archive = archive, .only = only, .nonly = nonly,
		.stagefd = -1 };
	int rc, e = 0;

	memset(res, 0, sizeof *res);
	if (make_stage(&r) != 0) {
		finish(&r);
		return -1;
	}
	sweep_stages(r.models);
	rc = read_archive(&r);
	if (rc == 0)
		missing(&r, res);
	for (size_t i = 0; rc == 0 && i < r.n; i++)
		if (check_coin(&r, &r.coins[i]) != 0) {
			r.coins[i].refused = 1;
			res->refused++;
		}
	if (rc == 0 && r.n == 0 && nonly == 0) {
		ct_warn("%s: no model to restore", archive);
		rc = -1;
	}
	if (rc == 0 && (rc = lock_all(&r, res)) != 0)
		e = errno;
	if (rc == 0)
		rc = install_all(&r, res);
	finish(&r);
	errno = e;
	return rc == 0 && res->refused == 0 ? 0 : -1;
}
