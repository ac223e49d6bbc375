/* regfile.h — a file of the data home opened to be read.  Only a regular
 * file is taken, and nothing is waited on: a FIFO, a device or a socket
 * where a candle store or a JSON file belongs is refused at once, so it
 * cannot hang coin-status, the dashboard or a batch. */
#ifndef CT_REGFILE_H
#define CT_REGFILE_H

#include <stdio.h>
#include <sys/stat.h>

/* Open path (relative to dfd as openat(2) takes it; AT_FDCWD) read-only
 * and, when st is not NULL, fstat it there.  The descriptor, or -1 with
 * errno: open's or fstat's (ENOENT: there is none), EISDIR for a
 * directory, EEXIST for any other file that is not regular. */
int ct_open_regular(int dfd, const char *path, struct stat *st);
/* The same as a stream ("r"); NULL with errno as ct_open_regular. */
FILE *ct_fopen_regular(const char *path);
/* The reason for errno e after the functions above (and ct_afile_open),
 * for a diagnostic: "not a regular file" for EEXIST, else strerror(e). */
const char *ct_file_strerror(int e);

#endif
