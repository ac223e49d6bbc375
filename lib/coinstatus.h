/* coinstatus.h — the one description of a coin that coin-status prints
 * and the dashboard shows: its candles, its serving model and what that
 * model's figures are (walk-forward or held-out), its cached prediction,
 * its latest drift check, its status in the newest run of each cycle, and
 * flags naming what is wrong.
 *
 * A coin's row is a JSON object (coin-status --json prints it as it is):
 *   {"symbol", "timeframe", "timeframes", "candles", "model", "cache",
 *    "drift", "last_run", "flags"}
 * where a section is null when there is nothing of it; see coin-status(1). */
#ifndef CT_COINSTATUS_H
#define CT_COINSTATUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* The newest candle is stale when it closed more than twice the timeframe
 * plus this long ago.  run-batch fetches in every cycle, at most eight
 * hours apart (Saturday 18:00 to the Sunday 02:00 retrain), so one missed
 * cycle shows and a normal wait does not. */
#define CT_STATUS_STALE_MARGIN_S (8 * 3600)
/* A serving model older than this is old: the weekly retrain missed it
 * (the default of summarize's HEALTH_MAX_MODEL_AGE). */
#define CT_STATUS_OLD_MODEL_S (8 * 86400)
/* Figures of fewer rows are said with their count (FIGURES). */
#define CT_STATUS_FEW_ROWS	1000
/* The latest drift check of a coin, models/<SYM>/last-drift.json: the
 * line check-drift --json printed for it, as run-batch saves it; checked
 * at its "checked_at", else at the file's modification time. */
#define CT_STATUS_DRIFT_FILE "last-drift.json"
/* A model stamped this far ahead of the clock is no slip of the clocks of
 * hosts that share a home: its age would be a lie, and it is a bad model. */
#define CT_STATUS_FUTURE_SLACK_MS (10 * 60 * 1000)

/* What is read once for every coin described. */
struct ct_status_ctx {
	const char *home;
	const char *tf;		/* NULL: the model's timeframe, else the shortest stored */
	int64_t now_ms;
	json_t *runs;		/* {cycle: ledger of its newest run}, see ct_status_runs */
	int runs_bad;		/* runs/ or a ledger could not be read (told on stderr) */
	/* A coin the newest run of a cycle does not list (a one-off
	 * --symbols run of others) is judged by the newest run that does:
	 * every run (ct_runs_list) and the older runs' symbols read so far,
	 * {run: status.json's "symbols", or null when unreadable}.  See
	 * ct_status_history. */
	char **hist;
	size_t nhist;
	json_t *older;
};

/* Prepare ctx (reads the newest run of each cycle; ctx->runs_bad set
 * when runs/ or one of those ledgers cannot be read).  0, or -1 when out
 * of memory. */
int ct_status_begin(struct ct_status_ctx *ctx, const char *home, const char *tf, int64_t now_ms);
void ct_status_end(struct ct_status_ctx *ctx);
/* The runs of ctx's home for the older runs a coin is judged by (set up
 * by ct_status_begin; a ctx made by hand calls it, and
 * ct_status_history_free after). */
void ct_status_history(struct ct_status_ctx *ctx);
void ct_status_history_free(struct ct_status_ctx *ctx);

/* The symbols with a candle store or a model directory, sorted; *n set.
 * Free with ct_status_free_coins.  NULL when out of memory. */
char **ct_status_coins(const char *home, size_t *n);
void ct_status_free_coins(char **v, size_t n);

/* The row of one coin.  A damaged file is described in the row ("error")
 * and told on stderr; *bad is set to 1 then.  NULL when out of memory. */
json_t *ct_status_coin(const struct ct_status_ctx *ctx, const char *sym, int *bad);
/* Rows of every coin of ct_status_coins, as an array.  NULL when out of
 * memory. */
json_t *ct_status_all(const char *home, const char *tf, int64_t now_ms);

/* The newest run of each cycle under home/runs: {cycle: ledger}, cycles
 * in name order, the ledger as runs/<RUN>/status.json holds it with "run"
 * set, or {"run", "error"} when it cannot be read (the reason told on
 * stderr, *bad set to 1).  When runs/ itself cannot be read (not a
 * directory, no permission) that is told on stderr, *bad set to 1 and no
 * run returned.  bad may be NULL. */
json_t *ct_status_runs(const char *home, int *bad);

/* The columns of the table view (coin-status, the dashboard): a header,
 * and where the cell comes from, row[sect][key] (row[key] without sect)
 * shown as its kind says, or by a function of the whole row. */
enum ct_col_kind { CT_COL_TEXT, CT_COL_NUM, CT_COL_TIME, CT_COL_AGE, CT_COL_FN };
struct ct_status_col {
	const char *name;
	const char *sect, *key;
	enum ct_col_kind kind;
	int decimals;		/* CT_COL_NUM */
	void (*fn)(const json_t *row, char *buf, size_t n);	/* CT_COL_FN */
	int right;		/* right-aligned */
};
extern const struct ct_status_col ct_status_cols[];
extern const size_t ct_status_ncols;
/* The text of a cell ("-" when there is nothing to show), control
 * characters as '?'. */
void ct_status_cell(const struct ct_status_col *c, const json_t *row, char *buf, size_t n);

/* The columns named in list ("symbol,auc,flags": names of
 * ct_status_cols, any case, in the order given, each once) as indexes
 * into pick (room for ct_status_ncols).  Their count, or 0 with *bad
 * the first name that is none (an empty one included). */
size_t ct_status_pick(const char *list, size_t *pick, const char **bad);
/* The rows as an aligned table with a header line, of the npick columns
 * in pick (every column when pick is NULL).  0, or -1 when out of
 * memory. */
int ct_status_table(json_t *rows, const size_t *pick, size_t npick, FILE *fp);
/* A duration as people read it: "45s", "12m", "3.5h", "6.0d". */
char *ct_status_age(int64_t s, char *buf, size_t n);

#endif
