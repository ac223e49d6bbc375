/* model-backup — archive the serving model of every coin
 * (models/<SYM>/current and its directory) into
 * backups/models-<STAMP>.tar.gz, keep the newest N archives, or restore
 * an archive (all coins, or those named) into the data home. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "backup.h"
#include "err.h"
#include "exitcode.h"
#include "home.h"
#include "parse.h"

static const char usage_text[] =
    "usage: model-backup [--home DIR] [--keep N] [--output FILE]\n"
    "       model-backup [--home DIR] --restore ARCHIVE [SYM ...]\n";

static _Noreturn void
usage(int rc)
{
	fputs(usage_text, rc ? stderr : stdout);
	exit(ct_finish(rc));
}

static int
restore(const char *home, const char *archive, char **syms, int n)
{
	struct ct_restored r;
	int rc = CT_EXIT_OK;

	if (ct_backup_restore(home, archive, syms, (size_t)n, &r) != 0) {
		if (errno == EWOULDBLOCK)
			return CT_EXIT_LOCKED;
		rc = CT_EXIT_FAIL;
	}
	/* Coins refused or missing do not undo the others: what is in
	 * service now is told. */
	if (rc == CT_EXIT_OK || r.switched > 0)
		printf("%s: %ld model%s restored, %ld already in place; current switched for %ld coin%s\n",
		    archive, r.models, r.models == 1 ? "" : "s", r.present, r.switched,
		    r.switched == 1 ? "" : "s");
	return rc;
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
	const char *home = NULL, *out = NULL, *archive = NULL;
	char made[CT_PATH_MAX], ex[CT_EXCERPT_LEN];
	long keep = 4, damaged = 0;
	int c;

	ct_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'H': home = optarg; break;
		case 'k':
			if (ct_parse_long(optarg, 1, 100000, &keep) != 0) {
				ct_warn("--keep: not a whole number from 1 to 100000: \"%s\"", optarg);
				usage(CT_EXIT_USAGE);
			}
			break;
		case 'o':
			/* The archive is written whole or not at all (a
			 * temporary renamed into place): a file, not a pipe. */
			if (strcmp(optarg, "-") == 0) {
				ct_warn("--output -: the archive goes to a file (./- names one "
				    "called -)");
				usage(CT_EXIT_USAGE);
			}
			out = optarg;
			break;
		case 'r': archive = optarg; break;
		case 'h': usage(CT_EXIT_OK);
		case 'V': ct_version(); return ct_finish(CT_EXIT_OK);
		default: usage(CT_EXIT_USAGE);
		}
	}
	if ((optind != argc && archive == NULL) || (archive && out))
		usage(CT_EXIT_USAGE);
	home = ct_home(home);
	ct_cleanup_on_signals();
	for (int i = optind; archive && i < argc; i++)
		if (!ct_symbol_ok(argv[i]))
			ct_die(CT_EXIT_USAGE, "%s: invalid symbol", ct_excerpt(argv[i], strlen(argv[i]), ex));
	/* A mistyped --home is no data home to make backups/ in, nor to
	 * restore into: a restore there would look like one done. */
	if (ct_dir_check(home) != 0)
		return ct_finish(CT_EXIT_FAIL);
	if (archive)
		return ct_finish(restore(home, archive, argv + optind, argc - optind));
	if ((out ? ct_backup_models(home, out, made, sizeof made, &damaged) :
	    ct_backup_rotated(home, keep, made, sizeof made, &damaged)) < 0)
		return ct_finish(CT_EXIT_FAIL);
	printf("%s\n", made);
	/* The archive holds the good coins, but not every coin is backed up. */
	return ct_finish(damaged ? CT_EXIT_FAIL : CT_EXIT_OK);
}
