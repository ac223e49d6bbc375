/* writeall.h — all of a buffer written to a descriptor. */
#ifndef CT_WRITEALL_H
#define CT_WRITEALL_H

#include <stddef.h>

/* Write the n bytes of buf to fd, going on after a short write or an
 * interrupted one.  0, or -1 with errno: write(2)'s (ENOSPC, EDQUOT,
 * EFBIG, ...), EIO when a write took nothing without saying why.  A short
 * write sets no errno: going on is what finds the reason. */
int ct_write_all(int fd, const void *buf, size_t n);

#endif
