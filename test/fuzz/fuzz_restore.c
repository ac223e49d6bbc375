/* fuzz_restore.c — model-backup --restore of a hostile archive: the input
 * is written as an archive beside a fresh data home in a temporary
 * directory, restored with ct_backup_restore, and then nothing may have
 * escaped: the temporary directory holds only the home and the archive,
 * and every link in the home is a current naming a model directory beside
 * it.  Seeds: test/fuzz/restore/. */
#define _XOPEN_SOURCE 700	/* nftw */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "backup.h"
#include "home.h"
#include "modeldir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every link in the home: named current, naming a stamp beside it. */
static int
link_ok(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char target[256];
	ssize_t k;

	(void)st;
	(void)ftw;
	if (flag != FTW_SL)
		return 0;
	if ((k = readlink(path, target, sizeof target - 1)) < 0)
		abort();
	target[k] = '\0';
	if (strcmp(path + strlen(path) - 8, "/current") != 0 || !ct_stamp_ok(target))
		abort();
	return 0;
}

/* The temporary directory holds "home" (if made) and "a.tar.gz", no more. */
static void
nothing_escaped(const char *top)
{
	struct dirent *d;
	DIR *dp;

	if ((dp = opendir(top)) == NULL)
		abort();
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0 &&
		    strcmp(d->d_name, "home") != 0 && strcmp(d->d_name, "a.tar.gz") != 0)
			abort();
	closedir(dp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char top[256], home[CT_PATH_MAX], archive[CT_PATH_MAX];
	struct ct_restored r;
	FILE *fp;

	snprintf(top, sizeof top, "%s/ct-fuzz-restore-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(top) == NULL || ct_path(home, sizeof home, "%s/home", top) != 0 ||
	    ct_path(archive, sizeof archive, "%s/a.tar.gz", top) != 0 ||
	    (fp = fopen(archive, "w")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	ct_backup_restore(home, archive, NULL, 0, &r);
	nothing_escaped(top);
	if (nftw(home, link_ok, 16, FTW_PHYS) != 0 && access(home, F_OK) == 0)
		abort();
	if (ct_rmtree(top) != 0)
		abort();
	return 0;
}
