/* evlog.h — the JSON-lines event log (logs/<RUN>/engine.log). */
#ifndef CT_EVLOG_H
#define CT_EVLOG_H

#include <jansson.h>

/* Append {"ts","event","run",...fields} as one line to path with a single
 * O_APPEND write, so concurrent writers never interleave.  fields is
 * consumed (may be NULL).  Creates missing directories.  0 or -1/errno. */
int ct_evlog(const char *path, const char *run, const char *event, json_t *fields);

/* The same line, not yet written: malloc'd, ends in a newline and is not
 * NUL-terminated; length in *len.  fields is consumed.  NULL when out of memory. */
char *ct_evline(const char *run, const char *event, json_t *fields, size_t *len);
/* Append one line with a single O_APPEND write under flock(2) of the log,
 * never through a symlink.  A write that fails part-way (full disk, file
 * size limit) is taken back (ftruncate), so the log never holds half a
 * line; errno then says why (ENOSPC, EFBIG).  0 or -1/errno. */
int ct_evlog_write(const char *path, const char *line, size_t len);

#endif
