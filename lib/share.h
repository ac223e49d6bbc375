/* share.h — where the share directory is (cost table, configuration,
 * symbol lists, engines), so that the tools work from any PREFIX, from a
 * DESTDIR staging and from the build tree without rebuilding. */
#ifndef CT_SHARE_H
#define CT_SHARE_H

#include <stddef.h>

/* $COINTRAIN_SHARE, else the directory found from the running program:
 * DIR/share/cointrain for an installed PREFIX/bin/TOOL, or the source
 * tree's share/ for build/.../bin/TOOL; else the compiled-in DATADIR.
 * Returns buf. */
const char *ct_share_dir(char *buf, size_t n);

#endif
