/* atomic.c — the one helper every output file goes through. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "atomic.h"
#include "regfile.h"
#include "err.h"

/* Open temporaries, so a signal handler can unlink them (unlink is
 * async-signal-safe).  The list is relinked with signals blocked and
 * under list_lock: a tool may write from two threads (train-coin's
 * partial outputs beside its checkpoints).  Each relink is one pointer
 * store, so a handler running in another thread sees a whole list. */
static struct ct_afile *volatile open_list;
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static mode_t file_mode;	/* 0666 less the umask, */
static int mode_read;		/* read once */

static void
block(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
	pthread_mutex_lock(&list_lock);
}

static void
unblock(const sigset_t *old)
{
	pthread_mutex_unlock(&list_lock);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

static void
unregister(struct ct_afile *af)
{
	sigset_t old;
	struct ct_afile **pp;

	block(&old);
	for (pp = (struct ct_afile **)&open_list; *pp; pp = &(*pp)->next)
		if (*pp == af) {
			*pp = af->next;
			break;
		}
	unblock(&old);
}

/* 0 when path may be replaced by rename: it is a regular file or does
 * not exist.  A device, FIFO, socket, symbolic link or directory in its
 * place is refused (EISDIR for a directory, else EEXIST): rename would
 * put a file where a device was (as root, --output /dev/null would be
 * gone) or replace a link with a copy instead of writing where it
 * points. */
static int
replaceable(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISREG(st.st_mode))
		return 0;
	errno = S_ISDIR(st.st_mode) ? EISDIR : EEXIST;
	return -1;
}

const char *
ct_afile_strerror(int e)
{
	return ct_file_strerror(e);
}

int
ct_sweep(const char *dir, int (*match)(const char *name, const void *arg), const void *arg)
{
	char path[CT_PATH_MAX];
	struct dirent *e;
	DIR *dp = opendir(dir);
	int n = 0;

	while (dp && (e = readdir(dp)) != NULL) {
		if (!match(e->d_name, arg) || ct_path(path, sizeof path, "%s/%s", dir, e->d_name) != 0)
			continue;
		if (unlink(path) == 0)
			n++;
		else if (errno != ENOENT)
			ct_warn("%s: %s", path, strerror(errno));
	}
	if (dp)
		closedir(dp);
	return n;
}

static int
has_prefix(const char *name, const void *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

int
ct_afile_sweep(const char *path)
{
	const char *base = strrchr(path, '/');
	char dir[CT_PATH_MAX], prefix[CT_PATH_MAX];

	if (ct_path(dir, sizeof dir, "%.*s", base ? (int)(base - path) : 1, base ? path : ".") != 0 ||
	    ct_path(prefix, sizeof prefix, ".%s.tmp.", base ? base + 1 : path) != 0)
		return 0;
	return ct_sweep(base == path ? "/" : dir, has_prefix, prefix);
}

int
ct_afile_open(struct ct_afile *af, const char *path)
{
	const char *base = strrchr(path, '/');
	int dirlen = base ? (int)(base - path + 1) : 0;
	sigset_t old;
	int fd;

	memset(af, 0, sizeof *af);
	base = base ? base + 1 : path;
	if (ct_path(af->path, sizeof af->path, "%s", path) != 0 ||
	    ct_path(af->tmp, sizeof af->tmp, "%.*s.%s.tmp.XXXXXX", dirlen, path, base) != 0 ||
	    replaceable(path) != 0)
		return -1;
	block(&old);
	/* umask can only be read by setting it: once, under the lock, so
	 * that no other thread creates a file meanwhile with umask 0. */
	if (!mode_read) {
		mode_t um = umask(0);

		umask(um);
		file_mode = 0666 & ~um;
		mode_read = 1;
	}
	fd = mkstemp(af->tmp);
	if (fd >= 0) {
		af->next = open_list;
		open_list = af;
	}
	unblock(&old);
	if (fd < 0)
		return -1;
	if (fchmod(fd, file_mode) != 0 || (af->fp = fdopen(fd, "w")) == NULL) {
		int e = errno;

		close(fd);
		unlink(af->tmp);
		unregister(af);
		errno = e;
		return -1;
	}
	return 0;
}

void
ct_afile_abort(struct ct_afile *af)
{
	int e = errno;

	if (af->fp)
		fclose(af->fp);
	af->fp = NULL;
	unlink(af->tmp);
	unregister(af);
	errno = e;
}

int
ct_fsync_dir(const char *path)
{
	char dir[CT_PATH_MAX];
	struct stat st;
	char *s;
	int fd, r;

	if (ct_path(dir, sizeof dir, "%s", path) != 0)
		return -1;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		s = strrchr(dir, '/');
		if (s == NULL)
			strcpy(dir, ".");
		else if (s == dir)
			dir[1] = '\0';
		else
			*s = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int
ct_afile_commit(struct ct_afile *af)
{
	FILE *fp = af->fp;
	int e;

	af->fp = NULL;
	if (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0) {
		e = errno ? errno : EIO;
		fclose(fp);
		goto fail;
	}
	/* Checked again: something may have taken the name meanwhile. */
	if (fclose(fp) != 0 || replaceable(af->path) != 0 || rename(af->tmp, af->path) != 0) {
		e = errno;
		goto fail;
	}
	unregister(af);
	/* The rename is durable only once the directory is synced. */
	ct_fsync_dir(af->path);
	return 0;
fail:
	unlink(af->tmp);
	unregister(af);
	errno = e;
	return -1;
}

int
ct_write_atomic(const char *path, const void *buf, size_t len)
{
	struct ct_afile af;

	if (ct_afile_open(&af, path) != 0)
		return -1;
	if (len && fwrite(buf, 1, len, af.fp) != len) {
		ct_afile_abort(&af);
		return -1;
	}
	return ct_afile_commit(&af);
}

int
ct_afile_tmpdir(struct ct_afile *af, const char *dir)
{
	sigset_t old;

	memset(af, 0, sizeof *af);
	if (ct_path(af->tmp, sizeof af->tmp, "%s", dir) != 0)
		return -1;
	af->isdir = 1;
	block(&old);
	af->next = open_list;
	open_list = af;
	unblock(&old);
	return 0;
}

void
ct_afile_tmpdir_done(struct ct_afile *af)
{
	unregister(af);
}

/* What getdents64(2) returns: the kernel's record, not glibc's dirent. */
struct kdirent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* rm -r of what the directory dfd holds, in a signal handler:
 * opendir/readdir (and nftw) allocate, so the kernel's getdents64 and
 * the *at calls instead, with a buffer on the stack.  Each pass over the
 * directory removes what it can; passes go on while one removes
 * something (removing while reading may skip an entry).  Depth is
 * bounded: a staging directory is three deep. */
static void
rm_contents(int dfd, int depth)
{
	char buf[2048];
	long n;
	int removed = 1, fd;

	while (removed) {
		removed = 0;
		lseek(dfd, 0, SEEK_SET);
		while ((n = syscall(SYS_getdents64, dfd, buf, sizeof buf)) > 0)
			for (long at = 0; at < n; at += ((struct kdirent *)(buf + at))->reclen) {
				struct kdirent *d = (struct kdirent *)(buf + at);

				if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0)
					continue;
				if (unlinkat(dfd, d->name, 0) == 0) {
					removed = 1;
					continue;
				}
				if (depth == 0 || (fd = openat(dfd, d->name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
					continue;
				rm_contents(fd, depth - 1);
				close(fd);
				removed |= unlinkat(dfd, d->name, AT_REMOVEDIR) == 0;
			}
	}
}

static void
on_signal(int sig)
{
	struct ct_afile *af;
	int fd;

	for (af = open_list; af; af = af->next)
		if (!af->isdir) {
			unlink(af->tmp);
		} else if ((fd = open(af->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
			rm_contents(fd, 8);
			close(fd);
			rmdir(af->tmp);
		}
	signal(sig, SIG_DFL);
	raise(sig);
}

void
ct_cleanup_on_signals(void)
{
	/* SIGXFSZ: a file size limit (ulimit -f) kills in the middle of a write. */
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGXFSZ };
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	/* A signal the caller ignores (nohup's SIGHUP, a shell's trap "")
	 * stays ignored: it would not have killed us. */
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}
