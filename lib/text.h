/* text.h — text from input (a file's bytes, a tool's message) made safe to
 * show on a terminal or a page, and to put in JSON. */
#ifndef CT_TEXT_H
#define CT_TEXT_H

#include <stddef.h>
#include <jansson.h>

/* Length of the valid UTF-8 sequence at s, of at most n bytes (a NUL ends
 * it): 1 to 4, or 0 when the bytes there are not UTF-8 (a stray
 * continuation byte, an overlong or surrogate form, a cut sequence). */
size_t ct_utf8_len(const char *s, size_t n);
/* The next character of s (at most n bytes) as it may be shown: returns
 * how many bytes it takes, and *keep is that many when they show as they
 * are, 0 when they show as one '?' — a control character (C0, DEL, or C1
 * as U+0080..U+009F, which can drive a terminal as ESC does) or a byte that
 * is not UTF-8.  A NUL is a control character: a caller that reads a
 * string to its NUL stops there (n may then be SIZE_MAX).  0 when n is 0. */
size_t ct_shown_next(const char *s, size_t n, size_t *keep);
/* The characters of the string s (a byte that is not UTF-8 counts as one):
 * its width in a terminal's columns for the text this project shows. */
size_t ct_utf8_chars(const char *s);
/* s as a JSON string: a byte that is not UTF-8 (jansson refuses those)
 * becomes '?'; NULL as JSON null.  NULL only when out of memory. */
json_t *ct_json_text(const char *s);

#endif
