/* ledger — the resume ledger of one batch run (runs/<RUN>/status.json and
 * a record per symbol in runs/<RUN>/coins/):
 * create it, record each symbol's status, list what still needs doing,
 * hand symbols to workers one at a time, show it, list the runs, and
 * append events to the run's JSON event log. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "evlog.h"
#include "exitcode.h"
#include "home.h"
#include "ledger.h"
#include "parse.h"
#include "runs.h"
#include "symbols.h"
#include "text.h"

static const char usage_text[] =
    "usage: ledger [--home DIR] init RUN [SYM ...]\n"
    "       ledger [--home DIR] set RUN SYM|- STATUS [--error MSG] [--error-type TYPE]\n"
    "              [--model DIR] [--pid PID] [--worker ID]\n"
    "       ledger [--home DIR] todo RUN [--force] [--retries N] [--unknown | --lost]\n"
    "       ledger [--home DIR] claim RUN [--pid PID] [--worker ID]\n"
    "       ledger [--home DIR] show RUN [--table]\n"
    "       ledger [--home DIR] list [--json]\n"
    "       ledger [--home DIR] event RUN EVENT [FIELD ...]\n";

static _Noreturn void
usage(int rc)
{
	fputs(usage_text, rc ? stderr : stdout);
	exit(ct_finish(rc));
}

/* What the options set, for every command. */
struct opts {
	const char *home;
	struct ct_ledger_upd upd;
	const char *worker;	/* --worker: an engine's name for its worker */
	long retries;
	int force, table, json, unknown, lost;
};

/* A command-line argument in a diagnostic: control bytes shown as '?'. */
static const char *
arg(const char *s)
{
	static char buf[4][CT_EXCERPT_LEN];
	static int k;

	k = (k + 1) % 4;
	return ct_excerpt(s, strlen(s), buf[k]);
}

/* The symbols read so far (NULL-terminated, room for one more). */
struct syms {
	char **v;
	int n;
};

static int
collect(const char *sym, void *arg)
{
	struct syms *l = arg;
	char **nv = realloc(l->v, (size_t)(l->n + 2) * sizeof *nv);

	if (nv == NULL || (nv[l->n] = strdup(sym)) == NULL) {
		if (nv)
			l->v = nv;
		ct_warn("<stdin>: %s", strerror(ENOMEM));
		return CT_EXIT_FAIL;
	}
	l->v = nv;
	l->v[++l->n] = NULL;
	return CT_EXIT_OK;
}

static void
syms_free(struct syms *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* init's and set -'s symbols from stdin, one per line, as every tool
 * reads them (lib/symbols.c), all read and checked before the ledger is
 * touched.  0, or the exit status (a bad line named) with nothing kept. */
static int
read_syms(struct syms *l)
{
	int rc;

	l->v = NULL;
	l->n = 0;
	rc = ct_symbols_each(NULL, 0, collect, l);
	if (rc == CT_EXIT_OK && l->v == NULL && (l->v = calloc(1, sizeof *l->v)) == NULL)
		rc = CT_EXIT_FAIL;
	if (rc != CT_EXIT_OK) {
		syms_free(l);
		l->v = NULL;
		l->n = 0;
	}
	return rc;
}

enum op { OP_INIT, OP_SET, OP_CLAIM };

/* The change a command makes to the open ledger; 0 or -1. */
static int
change(struct ct_ledger *lg, const struct opts *o, enum op op, char **av, int ac,
    const char **claimed)
{
	switch (op) {
	case OP_INIT:
		for (int i = 0; i < ac; i++)
			if (ct_ledger_add(lg, av[i]) != 0)
				return -1;
		return 0;
	case OP_SET:
		/* av: the symbols, then the status */
		for (int i = 0; i + 1 < ac; i++)
			if (ct_ledger_set(lg, av[i], av[ac - 1], &o->upd) != 0 ||
			    (o->worker && ct_ledger_set_worker(lg, av[i], o->worker) != 0))
				return -1;
		return 0;
	case OP_CLAIM:
		if (ct_ledger_claim(lg, &o->upd, claimed) != 0)
			return -1;
		return *claimed && o->worker ? ct_ledger_set_worker(lg, *claimed, o->worker) : 0;
	}
	return -1;
}

/* Lock the ledger, change it, write what changed. */
static int
update(const struct opts *o, const char *run, enum op op, char **av, int ac)
{
	const char *claimed = NULL;
	struct ct_ledger lg;
	int rc = CT_EXIT_FAIL;

	if (ct_ledger_open(&lg, o->home, run, op == OP_INIT) != 0)
		return CT_EXIT_FAIL;
	if (change(&lg, o, op, av, ac, &claimed) == 0 && ct_ledger_commit(&lg) == 0) {
		rc = CT_EXIT_OK;
		if (claimed)	/* handed out only once it is recorded */
			puts(claimed);
	}
	ct_ledger_close(&lg);
	return rc;
}

static int
cmd_init(const struct opts *o, const char *run, char **av, int ac)
{
	struct syms l;
	int rc;

	if (ac > 0)
		return (rc = ct_symbols_check(av, ac)) != 0 ? rc : update(o, run, OP_INIT, av, ac);
	if ((rc = read_syms(&l)) != CT_EXIT_OK)
		return rc;
	rc = update(o, run, OP_INIT, l.v, l.n);
	syms_free(&l);
	return rc;
}

/* set RUN - STATUS takes the symbols from stdin, one per line, under one
 * lock (a batch of 10,000 coins would otherwise start 10,000 processes);
 * any bad or unknown symbol changes nothing. */
static int
cmd_set(const struct opts *o, const char *run, char **av, int ac)
{
	struct syms l;
	int rc;

	(void)ac;
	if (!ct_ledger_status_ok(av[1])) {
		ct_warn("%s: unknown status (pending running success failed skipped)", arg(av[1]));
		return CT_EXIT_USAGE;
	}
	if (strcmp(av[0], "-") != 0)
		return (rc = ct_symbols_check(av, 1)) != 0 ? rc : update(o, run, OP_SET, av, 2);
	if ((rc = read_syms(&l)) != CT_EXIT_OK)
		return rc;
	l.v[l.n] = av[1];	/* read_syms leaves room for its NULL */
	rc = update(o, run, OP_SET, l.v, l.n + 1);
	l.v[l.n] = NULL;
	syms_free(&l);
	return rc;
}

static int
cmd_claim(const struct opts *o, const char *run, char **av, int ac)
{
	return update(o, run, OP_CLAIM, av, ac);
}

/* todo reads without the lock, so a read-only home can still say what a
 * rerun would do. */
static int
cmd_todo(const struct opts *o, const char *run, char **av, int ac)
{
	json_t *root, *e;
	const char *sym;
	int rc;

	(void)av;
	(void)ac;
	if ((root = ct_ledger_peek(o->home, run)) == NULL)
		return CT_EXIT_FAIL;
	json_object_foreach(json_object_get(root, "symbols"), sym, e) {
		int running = strcmp(json_string_value(json_object_get(e, "status")), "running") == 0;

		if (o->unknown) {
			/* "SYM WORKER" of a running symbol whose worker this host
			 * cannot judge: run-batch asks its engine. */
			if (running && ct_ledger_worker_alive(e) < 0)
				printf("%s %s\n", sym, json_string_value(json_object_get(e, "worker")));
		} else if (o->lost) {
			/* A running symbol whose worker is gone: its attempt was
			 * lost (a killed batch), for run-batch to record. */
			if (running && ct_ledger_worker_alive(e) == 0)
				puts(sym);
		} else if (ct_ledger_needs(e, o->force, o->retries)) {
			puts(sym);
		}
	}
	/* A damaged record was said, and its symbol listed as to do. */
	rc = ct_ledger_damaged(root) ? CT_EXIT_FAIL : CT_EXIT_OK;
	json_decref(root);
	return rc;
}

static int
cmd_show(const struct opts *o, const char *run, char **av, int ac)
{
	json_t *root;
	int rc;

	(void)av;
	(void)ac;
	if ((root = ct_ledger_peek(o->home, run)) == NULL)
		return CT_EXIT_FAIL;
	if (o->table)
		ct_ledger_table(root, stdout);
	else if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(9)) == 0)
		putchar('\n');
	rc = ct_ledger_damaged(root) ? CT_EXIT_FAIL : CT_EXIT_OK;
	json_decref(root);
	return rc;
}

/* KEY=VALUE (a string) or KEY:=JSON into f; -1 with a diagnostic. */
static int
field(json_t *f, const char *kv)
{
	const char *eq = strchr(kv, '=');
	json_error_t je;
	json_t *v;

	size_t klen;

	if (eq == NULL || eq == kv || (eq[-1] == ':' && eq - 1 == kv)) {
		ct_warn("%s: want KEY=VALUE or KEY:=JSON", arg(kv));
		return -1;
	}
	klen = (size_t)(eq - kv) - (eq[-1] == ':');
	if ((klen == 2 && strncmp(kv, "ts", 2) == 0) || (klen == 3 && strncmp(kv, "run", 3) == 0) ||
	    (klen == 5 && strncmp(kv, "event", 5) == 0)) {
		ct_warn("%s: %.*s is the log's own field", arg(kv), (int)klen, kv);
		return -1;
	}
	if (eq[-1] != ':')
		v = ct_json_text(eq + 1);
	else if ((v = json_loads(eq + 1, JSON_DECODE_ANY, &je)) == NULL) {
		ct_warn("%s: %s", arg(kv), je.text);
		return -1;
	}
	if (json_object_setn_new(f, kv, klen, v) != 0) {
		ct_warn("%s: the key is not UTF-8", arg(kv));
		return -1;
	}
	return 0;
}

static int
cmd_event(const struct opts *o, const char *run, char **av, int ac)
{
	char path[CT_PATH_MAX], *line;
	const char *event = av[0];
	json_t *f = json_object();
	size_t len, i;

	for (i = 0; (event[i] >= 'a' && event[i] <= 'z') || event[i] == '_'; i++)
		;
	if (i == 0 || event[i]) {
		ct_warn("%s: bad event name (want [a-z_]+)", arg(event));
		json_decref(f);
		return CT_EXIT_USAGE;
	}
	for (int k = 1; k < ac; k++)
		if (field(f, av[k]) != 0) {
			json_decref(f);
			return CT_EXIT_USAGE;
		}
	if (ct_path(path, sizeof path, "%s/logs/%s/engine.log", o->home, run) != 0 ||
	    (line = ct_evline(run, event, f, &len)) == NULL) {
		ct_warn("%s/logs/%s: %s", o->home, run, strerror(errno));
		return CT_EXIT_FAIL;
	}
	if (ct_evlog_write(path, line, len) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		free(line);
		return CT_EXIT_FAIL;
	}
	fwrite(line, 1, len, stdout);
	free(line);
	return CT_EXIT_OK;
}

static void
list_row(json_t *r)
{
	static const char *const cols[] = { "total", "success", "failed", "skipped",
		"pending", "running" };

	printf("%-32s %-12s %-20s", json_string_value(json_object_get(r, "run")),
	    json_string_value(json_object_get(r, "cycle")),
	    json_object_get(r, "error") ? "-" : json_string_value(json_object_get(r, "started")));
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		if (json_object_get(r, "error"))
			printf(" %7s", "-");
		else
			printf(" %7lld", (long long)json_integer_value(json_object_get(r, cols[i])));
	printf("  %s\n", json_object_get(r, "error") ? "unreadable" :
	    json_string_value(json_object_get(r, "state")));
}

static int
cmd_list(const struct opts *o, const char *run, char **av, int ac)
{
	int rc = CT_EXIT_OK;
	size_t n;
	char **v;
	json_t *r;

	(void)run;
	(void)av;
	(void)ac;
	/* A home without runs/ yet has none; a home that is not there is a
	 * mistake (a mistyped --home). */
	if (ct_dir_check(o->home) != 0 || (v = ct_runs_list(o->home, &n)) == NULL)
		return CT_EXIT_FAIL;
	if (!o->json)
		printf("%-32s %-12s %-20s %7s %7s %7s %7s %7s %7s  %s\n", "RUN", "CYCLE", "STARTED",
		    "TOTAL", "SUCCESS", "FAILED", "SKIPPED", "PENDING", "RUNNING", "STATE");
	for (size_t i = 0; i < n; i++) {
		r = ct_run_info(o->home, v[i]);
		/* Listed all the same; the reason is on stderr. */
		if (json_object_get(r, "error") || json_integer_value(json_object_get(r, "damaged")) > 0)
			rc = CT_EXIT_FAIL;
		if (o->json) {
			json_dumpf(r, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
			putchar('\n');
		} else {
			list_row(r);
		}
		json_decref(r);
	}
	ct_runs_free(v, n);
	return rc;
}

static const struct {
	const char *name;
	int run, min, max;	/* takes a RUN; arguments after it */
	int (*fn)(const struct opts *, const char *, char **, int);
} cmds[] = {
	{ "init", 1, 0, -1, cmd_init },
	{ "set", 1, 2, 2, cmd_set },
	{ "todo", 1, 0, 0, cmd_todo },
	{ "claim", 1, 0, 0, cmd_claim },
	{ "show", 1, 0, 0, cmd_show },
	{ "list", 0, 0, 0, cmd_list },
	{ "event", 1, 1, -1, cmd_event },
};

static int
dispatch(const struct opts *o, char **av, int ac)
{
	char run[80];
	size_t i;
	int k;

	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(av[0], cmds[i].name) == 0)
			break;
	if (i == sizeof cmds / sizeof cmds[0]) {
		ct_warn("%s: unknown command", arg(av[0]));
		usage(CT_EXIT_USAGE);
	}
	k = ac - 1 - cmds[i].run;
	if (k < 0)
		ct_warn("%s: missing RUN", cmds[i].name);
	else if (k < cmds[i].min)
		ct_warn("%s: missing argument", cmds[i].name);
	else if (cmds[i].max >= 0 && k > cmds[i].max)
		ct_warn("%s: unexpected argument: %s", cmds[i].name,
		    arg(av[1 + cmds[i].run + cmds[i].max]));
	if (k < cmds[i].min || (cmds[i].max >= 0 && k > cmds[i].max))
		usage(CT_EXIT_USAGE);
	if (!cmds[i].run)
		return cmds[i].fn(o, NULL, av + 1, k);
	/* A bad name is a usage error; a "latest" with no such run a failure. */
	if (!ct_run_ref_ok(av[1])) {
		ct_warn("%s: bad run name (want YYYYMMDDTHHMMZ-cycle, latest or latest-CYCLE)",
		    arg(av[1]));
		return CT_EXIT_USAGE;
	}
	if (ct_run_resolve(o->home, av[1], run, sizeof run) != 0)
		return CT_EXIT_FAIL;
	return cmds[i].fn(o, run, av + 2, k);
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "error", required_argument, NULL, 'e' },
		{ "error-type", required_argument, NULL, 'E' },
		{ "model", required_argument, NULL, 'm' },
		{ "pid", required_argument, NULL, 'p' },
		{ "worker", required_argument, NULL, 'w' },
		{ "unknown", no_argument, NULL, 'u' },
		{ "lost", no_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'f' },
		{ "retries", required_argument, NULL, 'r' },
		{ "table", no_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .retries = 2 };
	long pid = -1;
	int c;

	ct_setprog(argv[0]);
	while ((c = getopt_long(argc, argv, "hV", lopts, NULL)) != -1) {
		switch (c) {
		case 'H': o.home = optarg; break;
		case 'e': o.upd.error = optarg; break;
		case 'E':
			if (!ct_ledger_error_type_ok(optarg)) {
				ct_warn("--error-type: %s: want one of %s", arg(optarg), CT_ERROR_TYPES);
				usage(CT_EXIT_USAGE);
			}
			o.upd.error_type = optarg;
			break;
		case 'm': o.upd.model = optarg; break;
		case 'p':
			if (ct_parse_long(optarg, 1, 0x7fffffff, &pid) != 0) {
				ct_warn("--pid: not a process id: \"%s\"", arg(optarg));
				usage(CT_EXIT_USAGE);
			}
			break;
		case 'w':
			if (!ct_ledger_worker_ok(optarg)) {
				ct_warn("%s: bad worker identity (1 to 255 printable bytes, no blank)",
				    arg(optarg));
				usage(CT_EXIT_USAGE);
			}
			o.worker = optarg;
			break;
		case 'u': o.unknown = 1; break;
		case 'l': o.lost = 1; break;
		case 'f': o.force = 1; break;
		case 'r':
			if (ct_parse_long(optarg, 0, 1000, &o.retries) != 0) {
				ct_warn("--retries: %s: want a number from 0 to 1000", arg(optarg));
				usage(CT_EXIT_USAGE);
			}
			break;
		case 'T': o.table = 1; break;
		case 'j': o.json = 1; break;
		case 'h': usage(CT_EXIT_OK);
		case 'V': ct_version(); return ct_finish(CT_EXIT_OK);
		default: usage(CT_EXIT_USAGE);
		}
	}
	if (optind == argc)
		usage(CT_EXIT_USAGE);
	if (o.unknown && o.lost) {
		ct_warn("--unknown and --lost exclude each other");
		usage(CT_EXIT_USAGE);
	}
	o.home = ct_home(o.home);
	/* The worker that runs a symbol is, by default, whoever called us. */
	o.upd.pid = pid > 0 ? (pid_t)pid : getppid();
	return ct_finish(dispatch(&o, argv + optind, argc - optind));
}
