/* ledger — the resume ledger of one batch run (runs/<RUN>/status.json):
 * create it, record each symbol's status, list what still needs doing,
 * hand symbols to workers one at a time, show it, and append events to the
 * run's JSON event log. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "evlog.h"
#include "home.h"
#include "ledger.h"
#include "parse.h"

static void
usage(FILE *fp, int rc)
{
	fputs("usage: ledger [--home DIR] init RUN [SYM ...]\n"
	    "       ledger [--home DIR] set RUN SYM|- STATUS [--error MSG] [--error-type TYPE]\n"
	    "              [--model DIR] [--pid PID] [--worker ID]\n"
	    "       ledger [--home DIR] todo RUN [--force] [--retries N] [--unknown]\n"
	    "       ledger [--home DIR] claim RUN [--pid PID] [--worker ID]\n"
	    "       ledger [--home DIR] show RUN [--table]\n"
	    "       ledger [--home DIR] event RUN EVENT [FIELD ...]\n", fp);
	exit(rc);
}

/* init: symbols from the arguments, else one per line on stdin. */
static int
cmd_init(struct ct_ledger *lg, char **syms, int n)
{
	char *line = NULL, *nl;
	size_t cap = 0;
	int i, rc = 0;

	for (i = 0; i < n; i++)
		if (!ct_symbol_ok(syms[i])) {
			ct_warn("%s: bad symbol", syms[i]);
			return 1;
		}
	for (i = 0; i < n; i++)
		ct_ledger_add(lg, syms[i]);
	for (i = 1; n == 0 && getline(&line, &cap, stdin) > 0; i++) {
		if ((nl = strchr(line, '\n')))
			*nl = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if (!ct_symbol_ok(line)) {
			ct_warn("<stdin>:%d: %s: bad symbol", i, line);
			rc = 1;
			break;
		}
		ct_ledger_add(lg, line);
	}
	free(line);
	return rc;
}

static int
cmd_event(const char *home, const char *run, const char *event, char **kv, int n)
{
	char path[CT_PATH_MAX], *eq, *line;
	json_t *f = json_object(), *v;
	json_error_t je;
	size_t len;
	int i;

	for (i = 0; event[i]; i++)
		if (!((event[i] >= 'a' && event[i] <= 'z') || event[i] == '_'))
			break;
	if (i == 0 || event[i]) {
		ct_warn("%s: bad event name (want [a-z_]+)", event);
		json_decref(f);
		return 2;
	}
	for (i = 0; i < n; i++) {
		if ((eq = strchr(kv[i], '=')) == NULL || eq == kv[i]) {
			ct_warn("%s: want KEY=VALUE or KEY:=JSON", kv[i]);
			json_decref(f);
			return 2;
		}
		if (eq[-1] == ':') {
			v = json_loads(eq + 1, JSON_DECODE_ANY, &je);
			if (v == NULL) {
				ct_warn("%s: %s", kv[i], je.text);
				json_decref(f);
				return 2;
			}
			json_object_setn_new(f, kv[i], (size_t)(eq - 1 - kv[i]), v);
		} else {
			json_object_setn_new(f, kv[i], (size_t)(eq - kv[i]), json_string(eq + 1));
		}
	}
	if (ct_path(path, sizeof path, "%s/logs/%s/engine.log", home, run) != 0 ||
	    (line = ct_evline(run, event, f, &len)) == NULL) {
		ct_warn("%s/logs/%s: %s", home, run, strerror(errno));
		return 1;
	}
	if (ct_evlog_write(path, line, len) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		free(line);
		return 1;
	}
	fwrite(line, 1, len, stdout);
	free(line);
	return 0;
}

/* set RUN - STATUS: every symbol on stdin, one per line, in one rewrite of
 * the ledger (a batch of 10,000 coins would otherwise rewrite it 10,000
 * times); any bad or unknown symbol changes nothing. */
static int
set_stdin(struct ct_ledger *lg, const char *status, const struct ct_ledger_upd *u)
{
	char *line = NULL, *nl;
	size_t cap = 0;
	int i, rc = 0;

	for (i = 1; rc == 0 && getline(&line, &cap, stdin) > 0; i++) {
		if ((nl = strchr(line, '\n')))
			*nl = '\0';
		if (*line == '\0')
			continue;
		if (!ct_symbol_ok(line)) {
			ct_warn("<stdin>:%d: %s: bad symbol", i, line);
			rc = 1;
		} else if (ct_ledger_set(lg, line, status, u) != 0) {
			rc = 1;
		}
	}
	free(line);
	return rc;
}

/* todo --unknown: "SYM WORKER" of a running symbol whose worker this host
 * cannot judge (another host's, a Slurm task): run-batch asks its engine. */
static void
print_unknown(const char *sym, json_t *e)
{
	if (strcmp(json_string_value(json_object_get(e, "status")), "running") == 0 &&
	    ct_ledger_worker_alive(e) < 0)
		printf("%s %s\n", sym, json_string_value(json_object_get(e, "worker")));
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "error", required_argument, NULL, 'e' },
		{ "error-type", required_argument, NULL, 't' },
		{ "model", required_argument, NULL, 'm' },
		{ "pid", required_argument, NULL, 'p' },
		{ "worker", required_argument, NULL, 'w' },
		{ "unknown", no_argument, NULL, 'u' },
		{ "force", no_argument, NULL, 'f' },
		{ "retries", required_argument, NULL, 'r' },
		{ "table", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ct_ledger_upd upd = { NULL, NULL, NULL, 0 };
	const char *home = NULL, *cmd, *run, *sym, *worker = NULL;
	struct ct_ledger lg;
	long retries = 2, pid = -1;
	int c, force = 0, table = 0, unknown = 0, rc = 0;
	json_t *e;

	ct_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'H': home = optarg; break;
		case 'e': upd.error = optarg; break;
		case 't': upd.error_type = optarg; break;
		case 'm': upd.model = optarg; break;
		case 'p':
			if (ct_parse_long(optarg, 1, 0x7fffffff, &pid) != 0)
				usage(stderr, 2);
			break;
		case 'w':
			if (!ct_ledger_worker_ok(optarg)) {
				ct_warn("%s: bad worker identity (1 to 255 printable bytes, no blank)", optarg);
				usage(stderr, 2);
			}
			worker = optarg;
			break;
		case 'u': unknown = 1; break;
		case 'f': force = 1; break;
		case 'r':
			if (ct_parse_long(optarg, 0, 1000, &retries) != 0)
				usage(stderr, 2);
			break;
		case 'T': table = 1; break;
		case 'h': usage(stdout, 0); break;
		case 'V': ct_version(); return ct_finish(0);
		default: usage(stderr, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage(stderr, 2);
	cmd = argv[0];
	run = argv[1];
	home = ct_home(home);
	/* The worker that runs a symbol is, by default, whoever called us. */
	upd.pid = pid > 0 ? (pid_t)pid : getppid();

	if (strcmp(cmd, "event") == 0) {
		if (argc < 3)
			usage(stderr, 2);
		if (!ct_run_ok(run))
			ct_die(1, "%s: bad run name (want YYYYMMDDTHHMMZ-cycle)", run);
		rc = cmd_event(home, run, argv[2], argv + 3, argc - 3);
		return ct_finish(rc == 2 ? 1 : rc);
	}
	if (strcmp(cmd, "show") == 0) {
		char path[CT_PATH_MAX];
		json_t *root;

		if (argc != 2)
			usage(stderr, 2);
		if (!ct_run_ok(run))
			ct_die(1, "%s: bad run name (want YYYYMMDDTHHMMZ-cycle)", run);
		if (ct_path(path, sizeof path, "%s/runs/%s/status.json", home, run) != 0 ||
		    ct_ledger_read(path, &root) != 0)
			return ct_finish(1);
		if (table)
			ct_ledger_table(root, stdout);
		else
			json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9)), putchar('\n');
		json_decref(root);
		return ct_finish(0);
	}
	if (strcmp(cmd, "init") == 0) {
		if (ct_ledger_open(&lg, home, run, 1) != 0)
			return ct_finish(1);
		rc = cmd_init(&lg, argv + 2, argc - 2);
	} else if (strcmp(cmd, "set") == 0) {
		if (argc != 4)
			usage(stderr, 2);
		if (!ct_ledger_status_ok(argv[3])) {
			ct_warn("%s: unknown status (pending running success failed skipped)", argv[3]);
			return ct_finish(2);
		}
		if (strcmp(argv[2], "-") != 0 && !ct_symbol_ok(argv[2]))
			ct_die(1, "%s: bad symbol", argv[2]);
		if (ct_ledger_open(&lg, home, run, 0) != 0)
			return ct_finish(1);
		if (strcmp(argv[2], "-") == 0)
			rc = set_stdin(&lg, argv[3], &upd);
		else
			rc = ct_ledger_set(&lg, argv[2], argv[3], &upd) == 0 &&
			    (worker == NULL || ct_ledger_set_worker(&lg, argv[2], worker) == 0) ? 0 : 1;
	} else if (strcmp(cmd, "todo") == 0 || strcmp(cmd, "claim") == 0) {
		if (argc != 2)
			usage(stderr, 2);
		if (ct_ledger_open(&lg, home, run, 0) != 0)
			return ct_finish(1);
		json_object_foreach(json_object_get(lg.root, "symbols"), sym, e) {
			if (cmd[0] == 't') {
				if (unknown)
					print_unknown(sym, e);
				else if (ct_ledger_needs(e, force, retries))
					puts(sym);
				continue;
			}
			/* claim hands out only fresh work: failures are requeued
			 * (set pending) by the batch, not retried behind its back. */
			if (strcmp(json_string_value(json_object_get(e, "status")), "failed") != 0 &&
			    ct_ledger_needs(e, 0, 0)) {
				rc = ct_ledger_set(&lg, sym, "running", &upd) == 0 &&
				    (worker == NULL || ct_ledger_set_worker(&lg, sym, worker) == 0) ? 0 : 1;
				if (rc == 0 && ct_ledger_commit(&lg) == 0)
					puts(sym);
				else
					rc = 1;
				break;
			}
		}
		ct_ledger_close(&lg);
		return ct_finish(rc);
	} else {
		ct_warn("%s: unknown command", cmd);
		usage(stderr, 2);
	}
	if (rc == 0 && ct_ledger_commit(&lg) != 0)
		rc = 1;
	ct_ledger_close(&lg);
	return ct_finish(rc);
}
