/* evlog.c — one event, one line, one write(2). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "evlog.h"
#include "home.h"
#include "timefmt.h"

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
	if (fields)
		json_object_update(o, fields);
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

int
ct_evlog_write(const char *path, const char *line, size_t len)
{
	ssize_t w;
	int fd, e = 0;

	if (ct_mkparent(path) != 0 || (fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0666)) < 0)
		return -1;
	/* One host's kernel appends a write(2) whole; an NFS client does
	 * not: it appends at the end it last saw, and two hosts' lines can
	 * land on each other.  Under the lock it asks the server, and writes
	 * back before the unlock (close).  A lock refused (no lock server)
	 * still leaves one host's lines whole. */
	while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
		;
	w = write(fd, line, len);
	if (w < 0 || (size_t)w != len)
		e = w < 0 ? errno : EIO;
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
