#ifndef CT_ENVNAMES_H
#define CT_ENVNAMES_H
#include <stddef.h>

/* Say each variable of the environment whose name starts with prefix
 * and is none of known[0..n-1] (a misspelt setting would silently not
 * apply): "environment: NAME: not a SETTING", with the known
 * name at most two edits from it when there is one.  what names the
 * settings ("health setting").  Returns how many were warned of. */
int ct_env_unknown(const char *prefix, const char *const *known, size_t n, const char *what);

#endif
