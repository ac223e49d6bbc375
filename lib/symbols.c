/* symbols.c — operands, else lines of stdin, for every tool that takes
 * symbols; one place trims, skips comments and names bad lines. */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "err.h"
#include "exitcode.h"
#include "home.h"
#include "parse.h"
#include "symbols.h"

int
ct_exit_worst(int a, int b)
{
	static const int order[] = { CT_EXIT_USAGE, CT_EXIT_FAIL, CT_EXIT_TEMPFAIL,
		CT_EXIT_LOCKED, CT_EXIT_DRIFT, CT_EXIT_STALE, CT_EXIT_MISS };

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (a == order[i] || b == order[i])
			return order[i];
	return a != CT_EXIT_OK ? a : b;
}

int
ct_symbols_check(char **syms, int n)
{
	char ex[CT_EXCERPT_LEN];

	for (int i = 0; i < n; i++)
		if (!ct_symbol_ok(syms[i])) {
			ct_warn("%s: not a symbol ([A-Z0-9][A-Z0-9._-]{0,31})",
			    ct_excerpt(syms[i], strlen(syms[i]), ex));
			return CT_EXIT_USAGE;
		}
	return CT_EXIT_OK;
}

/* The line without blanks around it (a \r counts as one). */
static char *
trim(char *s)
{
	char *e;

	for (; *s == ' ' || *s == '\t'; s++)
		;
	for (e = s + strlen(s); e > s && strchr(" \t\r\n", e[-1]); e--)
		;
	*e = '\0';
	return s;
}

static int
from_stdin(int (*fn)(const char *, void *), void *arg)
{
	char *line = NULL, *s, ex[CT_EXCERPT_LEN];
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc = CT_EXIT_OK;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		lineno++;
		/* A NUL would cut "SYM\0junk" to a good symbol. */
		if (memchr(line, '\0', (size_t)len) != NULL) {
			ct_warn("<stdin>:%zu: a NUL byte in the line", lineno);
			rc = ct_exit_worst(rc, CT_EXIT_USAGE);
			continue;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (!ct_symbol_ok(s)) {
			ct_warn("<stdin>:%zu: invalid symbol \"%s\"", lineno,
			    ct_excerpt(s, strlen(s), ex));
			rc = ct_exit_worst(rc, CT_EXIT_USAGE);
			continue;
		}
		rc = ct_exit_worst(rc, fn(s, arg));
	}
	if (ferror(stdin)) {
		ct_warn("<stdin>: %s", strerror(errno));
		rc = ct_exit_worst(rc, CT_EXIT_FAIL);
	}
	free(line);
	return rc;
}

int
ct_symbols_each(char **syms, int n, int (*fn)(const char *sym, void *arg), void *arg)
{
	int rc = CT_EXIT_OK;

	if (n == 0)
		return from_stdin(fn, arg);
	for (int i = 0; i < n; i++)
		rc = ct_exit_worst(rc, fn(syms[i], arg));
	return rc;
}
