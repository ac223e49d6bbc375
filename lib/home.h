/* home.h — the data home, symbol checks and paths inside it. */
#ifndef CT_HOME_H
#define CT_HOME_H

#include <stddef.h>
#include <sys/types.h>

#define CT_PATH_MAX 4096

/* --home DIR, else $COINTRAIN_HOME, else ".".  An empty --home is a
 * usage error (exit 2, said). */
const char *ct_home(const char *opt);
/* 0 when dir is a directory, else -1 with "prog: dir: reason" printed (a
 * mistyped --home is not an empty data home). */
int ct_dir_check(const char *dir);
/* 1 when s matches [A-Z0-9][A-Z0-9._-]{0,31} (and is not "." or ".."). */
int ct_symbol_ok(const char *s);
/* 1 when s matches YYYYMMDDTHHMMZ-<cycle> with a [a-z]+ cycle and a time
 * that exists (UTC). */
int ct_run_ok(const char *s);
/* snprintf into buf; -1 (errno ENAMETOOLONG) when it does not fit. */
int ct_path(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* mkdir -p; 0 or -1 with errno. */
int ct_mkdirs(const char *dir, mode_t mode);
/* mkdir -p of the directory part of path. */
int ct_mkparent(const char *path);
/* candles/<sym>/<tf>.csv under home. */
int ct_store_path(char *buf, size_t n, const char *home, const char *sym, const char *tf);

#endif
