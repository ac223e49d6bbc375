/* ledger.h — the resume ledger of one batch run: per symbol status,
 * attempts, times, error and model directory.  runs/<RUN>/status.json
 * names the run and its symbols; each symbol's record is
 * runs/<RUN>/coins/SYM.json.  Every change happens under
 * flock(runs/<RUN>/.lock) and replaces only the records it changes, each
 * atomically, so concurrent workers never lose each other's updates and a
 * change costs the same at 10 coins as at 10,000. */
#ifndef CT_LEDGER_H
#define CT_LEDGER_H

#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>

#include "home.h"

/* An open ledger: status.json and the records are read as needed. */
struct ct_ledger {
	char path[CT_PATH_MAX];	/* runs/<RUN>/status.json */
	char dir[CT_PATH_MAX];	/* runs/<RUN> */
	char run[80];
	int lockfd;
	int coinsfd;		/* runs/<RUN>/coins/, opened under the lock; -1: none */
	json_t *head;		/* status.json; NULL until needed */
	json_t *names;		/* its symbols in ledger order */
	json_t *index;		/* {SYM: position in names} */
	json_t *recs;		/* {SYM: record} read or changed so far */
	json_t *dirty;		/* {SYM: true} records to write */
	json_t *damaged;	/* {SYM: true} of those, replacing a damaged one */
	int head_dirty;		/* status.json to write (symbols added) */
	long next;		/* claim: where the next pass goes on; -1 unread */
	int next_dirty;
};

/* What `set` changes besides the status; NULL members are left alone. */
struct ct_ledger_upd {
	const char *error;
	const char *error_type;
	const char *model;
	pid_t pid;		/* worker of a `running` entry; 0: none */
};

/* 1 when s is one of pending running success failed skipped. */
int ct_ledger_status_ok(const char *s);
/* Lock the run.  create: make runs/<RUN>/ and accept a missing
 * status.json as an empty ledger, and read it now; else a missing run is
 * an error, and the files are read when a change needs them.
 * Diagnostics are printed ("file:line:col: reason" for a corrupt file);
 * returns 0 or -1. */
int ct_ledger_open(struct ct_ledger *lg, const char *home, const char *run, int create);
/* The whole ledger {"run","created","updated","symbols":{SYM:{...}}} from
 * its status.json at path and the records beside it, without the lock
 * (every file is replaced whole, so each record is one complete version
 * of it); "updated" is the newest change.  0; 1 when a record cannot be
 * read: said ("file: line:col: reason"), and its symbol's entry is
 * {"status": "damaged", "error": that diagnostic, the rest null}, the
 * others as they are; -1 with a diagnostic naming the file when
 * status.json cannot be read (then there is no ledger). */
int ct_ledger_read(const char *path, json_t **root);
/* The ledger of run read without the lock, for readers, as
 * ct_ledger_read reads it: NULL with a diagnostic when it is missing or
 * its status.json is damaged.  Needs no write access. */
json_t *ct_ledger_peek(const char *home, const char *run);
/* Write what changed: status.json when symbols were added, then each
 * changed record, each atomically.  0 or -1 with a diagnostic. */
int ct_ledger_commit(struct ct_ledger *lg);
/* Release the lock and free. */
void ct_ledger_close(struct ct_ledger *lg);

/* Add sym as pending unless it is already there (its state is kept). */
int ct_ledger_add(struct ct_ledger *lg, const char *sym);
/* Change sym's status: `running` counts an attempt and records the start,
 * the worker pid and the worker's identity on this host ("HOST:PID:START");
 * success, failed and skipped record the finish time and duration
 * (seconds, to the millisecond).  -1 with a diagnostic when sym is not in
 * the run or has used up its attempts (10^9; a file with more is
 * damaged).  A damaged record (said) gives way to what status.json holds
 * of sym, changed; commit keeps the damaged file as coins/SYM.json.damaged. */
int ct_ledger_set(struct ct_ledger *lg, const char *sym, const char *status,
    const struct ct_ledger_upd *u);
/* Record the identity of the worker of sym's `running` attempt when it is
 * not a process of this host: opaque, named by the engine that runs it
 * ("slurm:JOBID_TASKID").  -1 with a diagnostic when sym is not in the run
 * or not running. */
int ct_ledger_set_worker(struct ct_ledger *lg, const char *sym, const char *worker);
/* The kinds of a failure run-batch and its engines record (plus
 * "damaged", which the ledger itself writes), and whether type is one. */
#define CT_ERROR_TYPES "error, timeout, killed, transient, lost"
int ct_ledger_error_type_ok(const char *type);
/* 1 when id can be a worker identity: 1 to 255 printable bytes, no blank. */
int ct_ledger_worker_ok(const char *id);
/* The worker of a `running` entry: 1 alive, 0 gone, -1 unknown here (a
 * worker of another host, or of an engine such as Slurm: only its engine
 * can tell). */
int ct_ledger_worker_alive(json_t *entry);
/* Hand one symbol to the worker u->pid: the next, in ledger order, that
 * is pending or running with its worker gone (failed and damaged ones are
 * for the batch to requeue) is set running and its name stored in *sym (valid
 * until the ledger is closed); *sym is NULL when none is left.  Claims
 * make one pass over the run, each going on where the last one stopped
 * (runs/<RUN>/claim.next); setting a symbol pending starts a new pass.
 * 0, or -1 with a diagnostic. */
int ct_ledger_claim(struct ct_ledger *lg, const struct ct_ledger_upd *u, const char **sym);
/* 1 when sym still needs doing: pending; damaged; failed with attempts <= retries;
 * running whose worker is gone (not one whose liveness is unknown here).
 * force: everything. */
int ct_ledger_needs(json_t *entry, int force, long retries);
/* 1 when the process pid recorded with start time start is still alive. */
int ct_pid_alive(long pid, long long start);
/* Start time of pid (clock ticks since boot, /proc/PID/stat), -1 unknown. */
long long ct_pid_start(long pid);
/* Counts of each status into n[5] in the order of ct_ledger_statuses. */
void ct_ledger_counts(json_t *root, long n[5]);
/* The number of symbols whose record is damaged (not counted above). */
long ct_ledger_damaged(json_t *root);
extern const char *const ct_ledger_statuses[5];

/* Print the ledger as an aligned table for people: per symbol status,
 * attempts, seconds, start and finish of the last attempt, error or model;
 * control bytes from the file shown as '?'. */
void ct_ledger_table(json_t *root, FILE *fp);

#endif
