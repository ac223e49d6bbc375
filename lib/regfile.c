/* regfile.c — opening with O_NONBLOCK, then looking at what was opened:
 * open(2) of a FIFO without a writer returns at once instead of waiting
 * for one, and fstat of the descriptor (not a stat of the name before)
 * judges the very file that will be read. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "regfile.h"

int
ct_open_regular(int dfd, const char *path, struct stat *st)
{
	struct stat own;
	int fd, e;

	st = st ? st : &own;
	if ((fd = openat(dfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
		/* A socket (or a device without its driver) cannot be opened
		 * at all: it is not a regular file either. */
		if (errno == ENXIO)
			errno = EEXIST;
		return -1;
	}
	if (fstat(fd, st) != 0)
		e = errno;
	else if (S_ISREG(st->st_mode))
		return fd;	/* O_NONBLOCK does nothing to a regular file */
	else
		e = S_ISDIR(st->st_mode) ? EISDIR : EEXIST;
	close(fd);
	errno = e;
	return -1;
}

FILE *
ct_fopen_regular(const char *path)
{
	int fd = ct_open_regular(AT_FDCWD, path, NULL), e;
	FILE *fp;

	if (fd < 0)
		return NULL;
	if ((fp = fdopen(fd, "r")) != NULL)
		return fp;
	e = errno;
	close(fd);
	errno = e;
	return NULL;
}

const char *
ct_file_strerror(int e)
{
	return e == EEXIST ? "not a regular file" : strerror(e);
}
