/* home.c — every path a tool touches is built here from checked parts. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "exitcode.h"
#include "home.h"
#include "timefmt.h"

const char *
ct_home(const char *opt)
{
	const char *e;

	/* --home '' (an unset variable in a script) is a mistake, not
	 * "the default home". */
	if (opt && !*opt)
		ct_die(CT_EXIT_USAGE, "--home: empty");
	if (opt)
		return opt;
	e = getenv("COINTRAIN_HOME");
	return e && *e ? e : ".";
}

static int
symch(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '_' || c == '-';
}

int
ct_symbol_ok(const char *s)
{
	size_t i;

	if (s == NULL || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; s[i]; i++)
		if (i > 31 || !symch((unsigned char)s[i]))
			return 0;
	return 1;
}

int
ct_run_ok(const char *s)
{
	static const char shape[] = "DDDDDDDDTDDDDZ-";
	char iso[32];
	int64_t ms;
	size_t i;

	if (s == NULL || strlen(s) < sizeof shape || strlen(s) > 64)
		return 0;
	for (i = 0; i < sizeof shape - 1; i++) {
		if (shape[i] == 'D' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return 0;
	}
	for (; s[i]; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z'))
			return 0;
	/* A time that can be: month 13 or day 99 would sort as the newest. */
	snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:00Z", s, s + 4, s + 6, s + 9, s + 11);
	return ct_parse_iso8601(iso, &ms) == 0;
}

int
ct_path(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
ct_mkdirs(const char *dir, mode_t mode)
{
	char buf[CT_PATH_MAX];
	char *p;

	if (ct_path(buf, sizeof buf, "%s", dir) != 0)
		return -1;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int
ct_mkparent(const char *path)
{
	char buf[CT_PATH_MAX];
	char *s;

	if (ct_path(buf, sizeof buf, "%s", path) != 0)
		return -1;
	s = strrchr(buf, '/');
	if (s == NULL || s == buf)
		return 0;
	*s = '\0';
	return ct_mkdirs(buf, 0777);
}

int
ct_store_path(char *buf, size_t n, const char *home, const char *sym, const char *tf)
{
	if (!ct_symbol_ok(sym)) {
		errno = EINVAL;
		return -1;
	}
	return ct_path(buf, n, "%s/candles/%s/%s.csv", home, sym, tf);
}

int
ct_dir_check(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) != 0) {
		ct_warn("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		ct_warn("%s: %s", dir, strerror(ENOTDIR));
		return -1;
	}
	return 0;
}
