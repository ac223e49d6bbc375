/* envnames.c — misspelt settings in the environment, said. */
#include <string.h>

#include "envnames.h"
#include "err.h"

extern char **environ;

/* Edit distance of a and b (lengths up to 63), capped at 3. */
static int
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64], prev, cur;

	if (la > 63 || lb > 63)
		return 3;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			cur = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (cur + 1 < row[j])
				row[j] = cur + 1;
			prev = cur;
		}
	}
	return row[lb] < 3 ? row[lb] : 3;
}

/* The known name nearest to name, two edits at most; NULL when none. */
static const char *
nearest(const char *name, const char *const *known, size_t n)
{
	const char *best = NULL;
	int bd = 3, d;

	for (size_t i = 0; i < n; i++)
		if ((d = distance(name, known[i])) < bd) {
			bd = d;
			best = known[i];
		}
	return best;
}

int
ct_env_unknown(const char *prefix, const char *const *known, size_t n, const char *what)
{
	char name[64];
	const char *near;
	size_t len, plen = strlen(prefix), i;
	int count = 0;

	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, prefix, plen) != 0 || (len = strcspn(*e, "=")) >= sizeof name)
			continue;
		memcpy(name, *e, len);
		name[len] = '\0';
		for (i = 0; i < n && strcmp(name, known[i]) != 0; i++)
			;
		if (i < n)
			continue;
		near = nearest(name, known, n);
		ct_warn("environment: %s: not a %s%s%s%s", name, what,
		    near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
		count++;
	}
	return count;
}
