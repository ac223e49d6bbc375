/* share.c — find the share directory relative to the program.
 *
 * A compiled-in path alone breaks `make install PREFIX=/opt/x` after a
 * build with another PREFIX, and the tools in build/bin; the executable's
 * own location (/proc/self/exe) says which layout we are in. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "home.h"
#include "share.h"

/* 1 when dir/file exists. */
static int
has(const char *dir, const char *file)
{
	char p[CT_PATH_MAX];

	return ct_path(p, sizeof p, "%s/%s", dir, file) == 0 && access(p, F_OK) == 0;
}

/* Walk up from the executable's directory (at most four levels: build/
 * asan/bin is three below the source tree) looking for an installed
 * share/cointrain or the source tree's share/. */
static int
from_exe(char *buf, size_t n)
{
	char exe[CT_PATH_MAX], *slash;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (len <= 0)
		return -1;
	exe[len] = '\0';
	for (int up = 0; up < 4 && (slash = strrchr(exe, '/')) != NULL && slash != exe; up++) {
		*slash = '\0';
		if (ct_path(buf, n, "%s/share/cointrain", exe) == 0 && has(buf, "costs.csv"))
			return 0;
		if (ct_path(buf, n, "%s/share", exe) == 0 && has(buf, "costs.csv") &&
		    has(buf, "engine/local.sh"))
			return 0;
	}
	return -1;
}

const char *
ct_share_dir(char *buf, size_t n)
{
	const char *env = getenv("COINTRAIN_SHARE");

	if (env && *env)
		snprintf(buf, n, "%s", env);
	else if (from_exe(buf, n) != 0)
		snprintf(buf, n, "%s", CT_DATADIR);
	return buf;
}
