/* text.c — UTF-8 as it may be shown or stored in JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Continuation bytes of a sequence whose lead is c, and the range the
 * first continuation byte must be in (no overlong, surrogate or beyond
 * U+10FFFF form); -1 for a byte that cannot lead. */
static int
lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80, *hi = 0xBF;
	if (c < 0x80)
		return 0;
	if (c >= 0xC2 && c <= 0xDF)
		return 1;
	if (c >= 0xE0 && c <= 0xEF) {
		*lo = c == 0xE0 ? 0xA0 : 0x80, *hi = c == 0xED ? 0x9F : 0xBF;
		return 2;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		*lo = c == 0xF0 ? 0x90 : 0x80, *hi = c == 0xF4 ? 0x8F : 0xBF;
		return 3;
	}
	return -1;
}

size_t
ct_utf8_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo, hi;
	int k;

	if (n == 0 || (k = lead(u[0], &lo, &hi)) < 0 || (size_t)k >= n)
		return 0;
	/* A NUL fails the range test: a cut string ends the sequence. */
	for (int i = 1; i <= k; i++)
		if (u[i] < (i == 1 ? lo : 0x80) || u[i] > (i == 1 ? hi : 0xBF))
			return 0;
	return (size_t)k + 1;
}

size_t
ct_shown_next(const char *s, size_t n, size_t *keep)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;

	*keep = 0;
	if (n == 0)
		return 0;
	if ((len = ct_utf8_len(s, n)) == 0)
		return 1;
	if ((len == 1 && (u[0] < 0x20 || u[0] == 0x7F)) ||
	    (len == 2 && u[0] == 0xC2 && u[1] < 0xA0))
		return len;
	*keep = len;
	return len;
}

size_t
ct_utf8_chars(const char *s)
{
	size_t n = 0, len;

	for (; *s; s += len ? len : 1, n++)
		len = ct_utf8_len(s, SIZE_MAX);
	return n;
}

json_t *
ct_json_text(const char *s)
{
	json_t *j;
	char *t;
	size_t i, len;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL || (t = strdup(s)) == NULL)
		return j;
	for (i = 0; t[i]; i += len)
		if ((len = ct_utf8_len(t + i, SIZE_MAX)) == 0)
			t[i] = '?', len = 1;
	j = json_string(t);
	free(t);
	return j;
}
