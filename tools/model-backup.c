/* model-backup — archive the serving model of every coin
 * (models/<SYM>/current and its directory) into
 * backups/models-<STAMP>.tar.gz, keep the newest N archives, or restore
 * an archive into the data home. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "atomic.h"
#include "backup.h"
#include "err.h"
#include "home.h"
#include "parse.h"

static void
usage(FILE *fp, int rc)
{
	fputs("usage: model-backup [--home DIR] [--keep N] [--output FILE]\n"
	    "       model-backup [--home DIR] --restore ARCHIVE\n", fp);
	exit(rc);
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "keep", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "restore", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *home = NULL, *out = NULL, *restore = NULL;
	char made[CT_PATH_MAX];
	long keep = 4, n;
	int c;

	ct_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'H': home = optarg; break;
		case 'k':
			if (ct_parse_long(optarg, 1, 100000, &keep) != 0)
				usage(stderr, 2);
			break;
		case 'o': out = optarg; break;
		case 'r': restore = optarg; break;
		case 'h': usage(stdout, 0); break;
		case 'V': ct_version(); return ct_finish(0);
		default: usage(stderr, 2);
		}
	}
	if (optind != argc || (restore && out))
		usage(stderr, 2);
	home = ct_home(home);
	ct_cleanup_on_signals();
	if (restore) {
		if ((n = ct_backup_restore(home, restore)) < 0)
			return ct_finish(1);
		printf("%ld models restored from %s\n", n, restore);
		return ct_finish(0);
	}
	if ((n = ct_backup_models(home, out, made, sizeof made)) < 0)
		return ct_finish(1);
	/* Rotation applies to the default archive names only. */
	if (out == NULL && ct_backup_rotate(home, keep) != 0)
		return ct_finish(1);
	printf("%s\n", made);
	return ct_finish(0);
}
