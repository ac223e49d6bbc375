/* replay.c — run a libFuzzer driver without libFuzzer: every file named
 * on the command line (or inside a directory named there) is passed once
 * to LLVMFuzzerTestOneInput.  make check replays the seed corpora this way
 * under every sanitizer build; `make fuzz` links the same drivers with
 * libFuzzer instead. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "candles.h"
#include "err.h"
#include "home.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
one(const char *path)
{
	size_t len;
	int missing;
	char *buf = ct_slurp(path, &len, &missing);

	if (buf == NULL) {
		ct_warn("%s: cannot read", path);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	return 0;
}

static int
walk(const char *path, long *n)
{
	struct stat st;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0) {
		ct_warn("%s: cannot stat", path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		++*n;
		return one(path);
	}
	if ((d = opendir(path)) == NULL)
		return 1;
	while ((e = readdir(d)) != NULL) {
		char sub[CT_PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		if (ct_path(sub, sizeof sub, "%s/%s", path, e->d_name) != 0)
			rc = 1;
		else
			rc |= walk(sub, n);
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	long n = 0;
	int rc = 0;

	ct_setprog(argv[0]);
	for (int i = 1; i < argc; i++)
		rc |= walk(argv[i], &n);
	printf("%ld inputs\n", n);
	return rc;
}
