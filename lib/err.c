/* err.c — diagnostics in one shape for every tool. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exitcode.h"

const char *ct_prog = "cointrain";

void
ct_setprog(const char *argv0)
{
	const char *s;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	s = strrchr(argv0, '/');
	ct_prog = s ? s + 1 : argv0;
}

/* The diagnostics said, when each is to be said once. */
static struct said {
	struct said *next;
	char text[];
} *said;
static int once;

/* Diagnostics held back (ct_warn_hold), in the order said. */
static char *held;
static size_t held_len;
static FILE *hold;

void
ct_warn_once(void)
{
	once = 1;
}

/* 1 when text was said already; else it is remembered. */
static int
repeated(const char *text)
{
	struct said *p;
	size_t n = strlen(text) + 1;

	for (p = said; p; p = p->next)
		if (strcmp(p->text, text) == 0)
			return 1;
	if ((p = malloc(sizeof *p + n)) != NULL) {
		memcpy(p->text, text, n);
		p->next = said;
		said = p;
	}
	return 0;
}

void
ct_warn_hold(void)
{
	if (hold == NULL)
		hold = open_memstream(&held, &held_len);
}

void
ct_warn_take(char *buf, size_t n)
{
	size_t plen = strlen(ct_prog) + 2, len = 0;
	char *line, *save = NULL;

	buf[0] = '\0';
	if (hold == NULL)
		return;
	fclose(hold);
	hold = NULL;
	for (line = held ? strtok_r(held, "\n", &save) : NULL; line && len < n;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, ct_prog, plen - 2) == 0 && strncmp(line + plen - 2, ": ", 2) == 0)
			line += plen;
		len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "; " : "", line);
	}
	free(held);
	held = NULL;
	held_len = 0;
}

void
ct_warn_release(int say)
{
	if (hold == NULL)
		return;
	fclose(hold);
	hold = NULL;
	if (say && held_len)
		fwrite(held, 1, held_len, stderr);
	free(held);
	held = NULL;
	held_len = 0;
}

/* A diagnostic; with ct_warn_once and dedupe, not one said already. */
static void
vwarn(int dedupe, const char *fmt, va_list ap)
{
	char text[8192];

	if (hold) {
		fprintf(hold, "%s: ", ct_prog);
		vfprintf(hold, fmt, ap);
		fputc('\n', hold);
		return;
	}
	if (once && dedupe) {
		vsnprintf(text, sizeof text, fmt, ap);
		if (!repeated(text))
			fprintf(stderr, "%s: %s\n", ct_prog, text);
		return;
	}
	fprintf(stderr, "%s: ", ct_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
ct_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(1, fmt, ap);
	va_end(ap);
}

void
ct_die(int code, const char *fmt, ...)
{
	va_list ap;

	/* The last word is always said, even if said before, and with
	 * what was held back before it. */
	ct_warn_release(1);
	va_start(ap, fmt);
	vwarn(0, fmt, ap);
	va_end(ap);
	exit(code);
}

int
ct_finish(int rc)
{
	/* Nothing written and stdout closed (>&-): no output was lost, as
	 * gnulib's close_stdout has it; a change made is not a failure. */
	int quiet = __fpending(stdout) == 0 && !ferror(stdout);
	int bad = fflush(stdout) != 0 || ferror(stdout);

	if (fclose(stdout) != 0 && !(quiet && errno == EBADF))
		bad = 1;
	if (bad) {
		ct_warn("stdout: %s", errno ? strerror(errno) : "write error");
		/* A status that reports a result (a miss, stale input, drift)
		 * would pass off a lost output as that result. */
		return rc == CT_EXIT_OK || rc == CT_EXIT_MISS || rc == CT_EXIT_STALE ||
		    rc == CT_EXIT_DRIFT ? CT_EXIT_FAIL : rc;
	}
	return rc;
}

void
ct_version(void)
{
	printf("%s (cointrain) %s\n", ct_prog, CT_VERSION);
}
