/* jsonfile.c — the one way cointrain writes a JSON file. */
#include <errno.h>
#include <string.h>

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
