/* evlog.c — one event, one line, one write(2). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "err.h"
#include "evlog.h"
#include "home.h"
#include "timefmt.h"
#include "writeall.h"

char *
ct_evline(const char *run, const char *event, json_t *fields, size_t *lenp)
{
	char ts[CT_ISO_LEN];
	json_t *o = json_object();
	char *line;
	size_t len;

	if (o == NULL) {
		json_decref(fields);
		errno = ENOMEM;
		return NULL;
	}
	json_object_set_new(o, "ts", json_string(ct_iso8601(ct_now_ms(), ts)));
	json_object_set_new(o, "event", json_string(event));
	json_object_set_new(o, "run", json_string(run ? run : ""));
	/* ts, event and run are the log's own: a field never replaces them. */
	if (fields)
		json_object_update_missing(o, fields);
	json_decref(fields);
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (line == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	len = strlen(line);
	line[len++] = '\n';	/* json_dumps leaves room: we overwrite the NUL */
	*lenp = len;
	return line;
}

/* A short write leaves the reason unsaid.  Writing the rest tells it
 * (ENOSPC, EFBIG) or completes the line; SIGXFSZ is ignored meanwhile so
 * that a file size limit is an error, not death.  0 or an errno. */
static int
write_rest(int fd, const char *p, size_t n)
{
	struct sigaction ign, old;
	int e = 0;

	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGXFSZ, &ign, &old);
	if (ct_write_all(fd, p, n) != 0)
		e = errno;
	sigaction(SIGXFSZ, &old, NULL);
	return e;
}

/* 1 when the log is empty or its last line is whole. */
static int
ends_line(int fd, off_t end)
{
	char c;

	return end == 0 || pread(fd, &c, 1, end - 1) != 1 || c == '\n';
}

/* Append line at the end of the locked fd; 0 or an errno, and then the
 * file is as it was. */
static int
append(const char *path, int fd, const char *line, size_t len)
{
	char *buf = NULL;
	off_t start;
	ssize_t w;
	int e = 0;

	if ((start = lseek(fd, 0, SEEK_END)) < 0)
		return errno;
	/* A torn line we could not take back (below) stays a line of its
	 * own, which readers skip, rather than the head of ours. */
	if (!ends_line(fd, start)) {
		if ((buf = malloc(len + 1)) == NULL)
			return ENOMEM;
		buf[0] = '\n';
		memcpy(buf + 1, line, len++);
		line = buf;
	}
	w = write(fd, line, len);
	if (w < 0)
		e = errno;
	else if ((size_t)w < len)
		e = write_rest(fd, line + w, len - (size_t)w);
	free(buf);
	/* Half a line would glue the next event to it: take it back.  If
	 * that fails too, the write's error is still the one to return. */
	if (e != 0 && ftruncate(fd, start) != 0)
		ct_warn("%s: partial line left: %s", path, strerror(errno));
	return e;
}

int
ct_evlog_write(const char *path, const char *line, size_t len)
{
	int fd, e = 0;

	/* O_NOFOLLOW: a symlink planted as engine.log must not make us append
	 * to whatever it names. */
	if (ct_mkparent(path) != 0 ||
	    (fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666)) < 0)
		return -1;
	/* Writers of one log take turns, so that taking back a torn line
	 * never takes another writer's line with it.  And one host's kernel
	 * appends a write(2) whole, but an NFS client appends at the end it
	 * last saw, so two hosts' lines could land on each other: under the
	 * lock it asks the server, and writes back before the unlock (close).
	 * A lock refused (no lock server) still leaves one host's lines
	 * whole, so the event is written anyway. */
	while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
		;
	e = append(path, fd, line, len);
	if (close(fd) != 0 && e == 0)
		e = errno;
	errno = e;
	return e ? -1 : 0;
}

int
ct_evlog(const char *path, const char *run, const char *event, json_t *fields)
{
	size_t len;
	char *line = ct_evline(run, event, fields, &len);
	int r, e;

	if (line == NULL)
		return -1;
	r = ct_evlog_write(path, line, len);
	e = errno;
	free(line);
	errno = e;
	return r;
}
