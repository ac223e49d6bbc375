/* err.h — diagnostics as "prog: context: reason" and the end-of-run stdout check. */
#ifndef CT_ERR_H
#define CT_ERR_H

extern const char *ct_prog;

void ct_setprog(const char *argv0);
/* Print "prog: " fmt "\n" on stderr. */
void ct_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* From now on, a diagnostic said already is not said again: for a tool
 * whose views read one file more than once (summarize's dashboard: the
 * cache check and the coin table both read a cache entry). */
void ct_warn_once(void);
/* Hold diagnostics back from now on, until ct_warn_release prints them
 * (say 1) or drops them (say 0): for a step tried again when its failure
 * had a passing cause (predict loading a model pruned meanwhile). */
void ct_warn_hold(void);
void ct_warn_release(int say);
/* Stop holding; the held diagnostics, without the program's prefix and
 * joined by "; ", into buf (empty when none), for one line of the
 * caller's. */
void ct_warn_take(char *buf, size_t n);
/* ct_warn, then exit(code). */
_Noreturn void ct_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Flush and close stdout; a write error (full disk, closed pipe) is a
 * failure: prints a diagnostic and returns 1 (rc when rc is itself a
 * failure: 1, 2, 5, 6), else returns rc unchanged. */
int ct_finish(int rc);
/* Print the version line for --version. */
void ct_version(void);

#endif
