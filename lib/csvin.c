/* csvin.c — see csvin.h.  The text is fed to libcsv a line at a time, so
 * the callbacks know the line they are on even where blank lines are
 * skipped; a row that spans lines (a quoted newline, an unclosed quote)
 * is told by the line it began on. */
#include <stdio.h>
#include <string.h>

#include "csvin.h"

/* libcsv calls this at the end of each row: the next one has not begun. */
static void
on_row(int c, void *vp)
{
	struct ct_csvin *in = vp;

	in->row(c, in->arg);
	in->row_line = 0;
	in->row_bytes = 0;
}

static void
on_field(void *data, size_t len, void *vp)
{
	struct ct_csvin *in = vp;

	in->field(data, len, in->arg);
}

int
ct_csvin_init(struct ct_csvin *in, void (*field)(void *, size_t, void *),
    void (*row)(int, void *), void *arg)
{
	memset(in, 0, sizeof *in);
	in->field = field;
	in->row = row;
	in->arg = arg;
	in->bol = 1;
	return csv_init(&in->cp, CSV_STRICT | CSV_APPEND_NULL) == 0 ? 0 : -1;
}

long
ct_csvin_line(const struct ct_csvin *in)
{
	return in->row_line ? in->row_line : in->line;
}

/* One piece of one line (its newline included, if it has one). */
static int
piece(struct ct_csvin *in, const char *p, size_t n)
{
	size_t k = 0;

	if (in->bol)
		in->line++;
	in->bol = p[n - 1] == '\n';
	while (k < n && (p[k] == '\r' || p[k] == '\n'))
		k++;
	if (in->row_line == 0 && k < n)
		in->row_line = in->line;
	if (memchr(p, '\0', n) != NULL) {
		snprintf(in->err, sizeof in->err, "a NUL byte: not text");
		return -1;
	}
	if (in->row_line && (in->row_bytes += n) > CT_ROW_MAX) {
		snprintf(in->err, sizeof in->err, "row longer than %d bytes%s", CT_ROW_MAX,
		    in->row_line != in->line ? " (an unclosed quote?)" : "");
		return -1;
	}
	if (csv_parse(&in->cp, p, n, on_field, on_row, in) != n) {
		snprintf(in->err, sizeof in->err, "malformed CSV: %s", csv_strerror(csv_error(&in->cp)));
		return -1;
	}
	return 0;
}

int
ct_csvin_feed(struct ct_csvin *in, const char *buf, size_t n)
{
	const char *end = buf + n, *nl;

	while (buf < end) {
		nl = memchr(buf, '\n', (size_t)(end - buf));
		n = nl ? (size_t)(nl - buf) + 1 : (size_t)(end - buf);
		if (piece(in, buf, n) != 0)
			return -1;
		buf += n;
	}
	return 0;
}

int
ct_csvin_fini(struct ct_csvin *in)
{
	if (csv_fini(&in->cp, on_field, on_row, in) != 0) {
		snprintf(in->err, sizeof in->err, "malformed CSV: %s", csv_strerror(csv_error(&in->cp)));
		return -1;
	}
	return 0;
}

void
ct_csvin_free(struct ct_csvin *in)
{
	csv_free(&in->cp);
}
