/* jsonfile.c — the one way cointrain writes a JSON file, and reads one a
 * user named. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "atomic.h"
#include "err.h"
#include "home.h"
#include "jsonfile.h"
#include "regfile.h"

int
ct_json_save(const char *path, const json_t *j, size_t flags)
{
	struct ct_afile af;

	errno = 0;
	if (ct_mkparent(path) != 0 || ct_afile_open(&af, path) != 0)
		goto fail;
	if (json_dumpf(j, af.fp, flags) != 0 || fputc('\n', af.fp) == EOF) {
		ct_afile_abort(&af);
		goto fail;
	}
	if (ct_afile_commit(&af) == 0)
		return 0;
fail:
	ct_warn("%s: %s", path, ct_afile_strerror(errno ? errno : EIO));
	return -1;
}

json_t *
ct_json_read(const char *path, size_t flags, int *missing, char *err, size_t errn)
{
	json_error_t e;
	FILE *fp;
	json_t *j;

	*missing = 0;
	if ((fp = ct_fopen_regular(path)) == NULL) {
		*missing = errno == ENOENT;
		snprintf(err, errn, "%s: %s", path, ct_file_strerror(errno));
		return NULL;
	}
	j = json_loadf(fp, flags, &e);
	fclose(fp);
	if (j == NULL)
		snprintf(err, errn, "%s:%d: %s", path, e.line > 0 ? e.line : 1, e.text);
	return j;
}

json_t *
ct_json_load(const char *path, size_t flags)
{
	char err[CT_PATH_MAX + JSON_ERROR_TEXT_LENGTH + 16];
	int missing;
	json_t *j = ct_json_read(path, flags, &missing, err, sizeof err);

	if (j == NULL)
		ct_warn("%s", err);
	return j;
}

/* The end of member "key": at s (s points at a quote not escaped), else
 * NULL. */
static const char *
member_at(const char *start, const char *s, const char *key)
{
	size_t n = strlen(key);

	if (s > start && s[-1] == '\\')
		return NULL;
	if (strncmp(s + 1, key, n) != 0 || s[n + 1] != '"')
		return NULL;
	for (s += n + 2; isspace((unsigned char)*s); s++)
		;
	return *s == ':' ? s + 1 : NULL;
}

/* The first member key at or after s in text, or NULL. */
static const char *
member_find(const char *text, const char *s, const char *key)
{
	for (; s && (s = strchr(s, '"')) != NULL; s++)
		if (member_at(text, s, key) != NULL)
			return s;
	return NULL;
}

int
ct_json_member_line(const char *path, const char *within, const char *key)
{
	FILE *fp = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;
	const char *at;
	int line = 0;

	if (fp == NULL)
		return 0;
	/* A document a user wrote: read whole (a stream holds it). */
	if (getdelim(&text, &len, '\0', fp) >= 0) {
		at = within ? member_find(text, text, within) : text;
		if (at && (at = member_find(text, at, key)) != NULL) {
			line = 1;
			for (const char *c = text; c < at; c++)
				line += *c == '\n';
		}
	}
	free(text);
	fclose(fp);
	return line;
}

void
ct_json_member_warn(const char *path, const char *within, const char *key, const char *why)
{
	int line = key ? ct_json_member_line(path, within, key) : 0;

	if (line > 0)
		ct_warn("%s:%d: %s", path, line, why);
	else
		ct_warn("%s: %s", path, why);
}
