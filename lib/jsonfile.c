/* jsonfile.c — the one way cointrain writes a JSON file, and reads one a
 * user named. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic.h"
#include "err.h"
#include "home.h"
#include "jsonfile.h"

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
ct_json_load(const char *path, size_t flags)
{
	json_error_t e;
	struct stat st;
	FILE *fp;
	json_t *j;

	if ((fp = fopen(path, "re")) == NULL || fstat(fileno(fp), &st) != 0 ||
	    (S_ISDIR(st.st_mode) && (errno = EISDIR))) {
		ct_warn("%s: %s", path, strerror(errno));
		if (fp)
			fclose(fp);
		return NULL;
	}
	j = json_loadf(fp, flags, &e);
	fclose(fp);
	if (j == NULL)
		ct_warn("%s:%d: %s", path, e.line > 0 ? e.line : 1, e.text);
	return j;
}
