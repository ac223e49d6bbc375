/* jsonfile.h — a JSON document saved atomically as a file, and one read
 * from a file the user named. */
#ifndef CT_JSONFILE_H
#define CT_JSONFILE_H

#include <stddef.h>

#include <jansson.h>

/* Write j (json_dumpf flags) and a newline to path through ct_afile,
 * creating missing directories.  On failure prints "prog: path: reason",
 * leaves any previous file as it was, and returns -1. */
int ct_json_save(const char *path, const json_t *j, size_t flags);
/* The document in path (json_load_file flags), or NULL after
 * "prog: path:LINE: reason" for bad JSON, "prog: path: reason" for a file
 * that cannot be read (a directory: "Is a directory"; a FIFO or a device,
 * never waited on: "not a regular file"). */
json_t *ct_json_load(const char *path, size_t flags);
/* The same, silent: NULL with *missing set when path does not exist, and
 * the diagnostic ("path:LINE: reason", "path: reason") in err. */
json_t *ct_json_read(const char *path, size_t flags, int *missing, char *err, size_t errn);
/* The line of path on which member key ("key" then a colon) is written:
 * the first after member within when within is not NULL.  jansson keeps
 * no positions for what it read, so an error in a value found after
 * reading (out of range, wrong kind) finds its line here.  0 when path
 * cannot be read or the member is not written that way (escapes in its
 * name). */
int ct_json_member_line(const char *path, const char *within, const char *key);
/* "prog: path:LINE: why", with the line of member key (as
 * ct_json_member_line), or "prog: path: why" when it has none. */
void ct_json_member_warn(const char *path, const char *within, const char *key,
    const char *why);

#endif
