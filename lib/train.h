/* train.h — purged walk-forward training with XGBoost and after-cost
 * evaluation of a labelled dataset (dataset.h).  Everything takes a
 * dataset, so the honesty tests run the very code train-coin runs (and can
 * feed it a deliberately leaky feature function to see the harness catch
 * it).
 *
 * Memory: XGBoost gets the rows in chunks through its data iterators
 * (never one copy of the whole matrix); a matrix of up to incore_rows rows
 * is quantised in memory (QuantileDMatrix), a larger one goes to external
 * memory, pages in cache_dir.  Both give the same model, bit for bit.
 *
 * Bins: every matrix of one coin's training takes its histogram bins from
 * the first fold's training window (struct ct_bins), so XGBoost sketches
 * no quantiles per matrix and no fold's bins come from later rows. */
#ifndef CT_TRAIN_H
#define CT_TRAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "candles.h"
#include "costs.h"
#include "dataset.h"

struct ct_ckpt;
struct ct_bins;

struct ct_train_opts {
	int horizon, folds, rounds, early_stop, threads;
	/* The booster's parameters (ct_train_defaults; tune-coin's search
	 * space; params.json). */
	double eta;
	int max_depth;
	double min_child_weight, subsample, colsample_bytree, lambda;
	int max_bin;
	int row_step;		/* train on every row_step-th row (0: ct_row_step's choice) */
	int progress;		/* progress lines on stderr */
	const char *label;	/* their prefix, e.g. the symbol */
	json_t *log;		/* training events are appended here (may be NULL) */
	double xgb_seconds;	/* out: wall time spent inside XGBoost calls */
	double xgb_t0;		/* internal: start of the current call */
	double t0;		/* ct_mono_s() at the start of the job, for events */
	size_t incore_rows;	/* 0: ct_incore_rows(CT_MEMORY_MB) */
	size_t chain_rows;	/* 0: CT_CHAIN_ROWS */
	const char *cache_dir;	/* external-memory pages; NULL: always in memory */
	struct ct_ckpt *ckpt;	/* finished folds kept here and resumed (may be NULL) */
	struct ct_bins *bins;	/* histogram bins shared by every matrix (NULL: made per call) */
	int64_t searched_to;	/* a tuned model's search scored the candles before this (ms; 0: none) */
	long rounds_trained;	/* out: boosting rounds run, for the work done */
};

/* The largest --horizon and --rounds train-coin and tune-coin take. */
#define CT_HORIZON_MAX	10000
#define CT_ROUNDS_MAX	100000

/* Peak memory train-coin aims at by default, in MB.  A training matrix
 * costs about 130 bytes a row in memory (quantised), its early-stopping
 * block (a quarter as many rows, raw) 210, so about 180 bytes a training
 * row, beyond some 30 MB of everything else; a matrix of more rows goes
 * to external memory (pages in cache_dir), several times slower. */
#define CT_MEMORY_MB	120
/* Training rows kept in memory within mb megabytes. */
size_t ct_incore_rows(long mb);
/* A fold whose training window holds more rows than this is chained
 * (ct_walkforward): refit from scratch, XGBoost's own state of its rows
 * (gradients, predictions, labels, row partitions: some 60 bytes a row,
 * paged or not) would outgrow CT_MEMORY_MB at long lookbacks.  Below it
 * each fold is refit from scratch, which on a few thousand rows scores
 * better and catches a leak more surely than a chain of small blocks. */
#define CT_CHAIN_ROWS	262144

/* XGBoost's threads for a dataset of rows rows: one per CT_THREAD_ROWS
 * rows begun, at most o->threads.  Its threads wait passively (they
 * sleep, so two coins can share two cores), and waking them costs more
 * than they save on small matrices: on the 2-core box 52000 5m candles
 * took 0.95 s at one thread and 1.21 s at two, 150000 rows broke even,
 * 250000 and 500000 gained 8-10% at two. */
#define CT_THREAD_ROWS	200000
int ct_fit_threads(const struct ct_train_opts *o, size_t rows);

/* The rows a training matrix takes: every step-th row of its window,
 * counted back from the dataset's newest (windows that overlap take the
 * same rows; the final fit, the newest).  A label looks horizon candles ahead, so neighbours'
 * labels share all but one of their candles: they are nearly the same
 * sample, and XGBoost's time goes with the rows it is given.  The choice
 * (o->row_step 0): horizon/3, at most rows/CT_ROW_STEP_ROWS (a smaller
 * dataset keeps its rows), at least 1.  On 13 real coins of 5m and 1h
 * candles (16,000 to 52,000 each) it gave the mean walk-forward AUC of a
 * step of 1 (0.5524 against 0.5521) in 56% of the time; on the bench's
 * synthetic coins 0.0021 below the peer's (every row).  Early-stopping
 * blocks take the step too (their logloss only says when to stop: the
 * same AUCs, a tenth less time); validation blocks keep every row, so
 * every walk-forward figure is of all candles. */
#define CT_ROW_STEP_ROWS	12288
#define CT_ROW_STEP_MAX		1000	/* the largest --row-step */
int ct_row_step(const struct ct_train_opts *o, size_t rows);

/* Monotonic clock in seconds. */
double ct_mono_s(void);
/* Defaults for every field but log and label. */
void ct_train_defaults(struct ct_train_opts *o);
/* The XGBoost parameters o stands for, as config.json records them. */
json_t *ct_train_params_json(const struct ct_train_opts *o);

struct ct_eval {
	double auc, logloss, gross_bps, net_bps, total_net_bps, max_dd_bps, buy_hold_bps;
	long rows, trades, wins;
	double threshold;
};

struct ct_fold {
	size_t train_lo, train_hi, val_lo, val_hi;	/* row ranges [lo,hi) */
	size_t stop_lo, stop_hi;	/* early-stopping rows, between the two */
	int best_rounds;
	int trained;		/* rounds run (best plus those early stopping waited) */
	int resumed;		/* taken from a checkpoint */
	size_t eq_lo;		/* its first point in the walk-forward's equity */
	struct ct_eval ev;
};

struct ct_wf {
	int nfolds;
	struct ct_fold *f;
	float *oos;		/* out-of-sample P(up) per row; NAN outside validation */
	struct ct_eval agg;
	int rounds;		/* the final model's trees: last's and add */
	void *last;		/* the last fold's best trees (a booster), or NULL */
	int add;		/* rounds the final fit adds to last, */
	size_t final_lo;	/* on rows [final_lo, n) */
	double threshold;	/* for the final model: chosen on all folds' OOS */
	json_t *equity;		/* [[open_time_ms, cumulative net bps], ...] */
	int searched;		/* folds whose validation began before o->searched_to: agg
				 * and equity are of the others alone */
};

/* The histogram bins of d's matrices for o (o->max_bin bins per feature,
 * edges from the first fold's training window of o->folds folds).  Up to
 * keep_rows rows of the matrices built in memory with them are kept for
 * the next training with these bins (a search's trials reuse them).  Give them to ct_walkforward,
 * ct_train_final and ct_fold_score through o->bins; without, each call
 * makes its own (the same).  NULL on error (printed). */
struct ct_bins *ct_bins_new(const struct ct_dataset *d, size_t keep_rows,
    const struct ct_train_opts *o);
int ct_bins_max_bin(const struct ct_bins *b);
void ct_bins_free(struct ct_bins *b);

/* Split n rows into k expanding folds: the labelled rows are cut into
 * k+1 blocks; fold i validates on block i.  Blocks 0..i-1 less the last
 * horizon+1 rows (the purge gap: no earlier label overlaps a validation
 * row) are its window: the last fifth of the window is the early-stopping
 * block, the rest less another purge gap the training rows.  So the
 * number of rounds is chosen without the validation block that scores
 * the fold.  -1 when n is too small. */
int ct_folds(size_t n, int k, int horizon, struct ct_fold *f);
/* The fewest rows a fold may train and stop on: ct_folds' window and
 * early-stopping block, and the rows of each a row step leaves. */
#define CT_FOLD_MIN_ROWS	50
/* 0 when fold 1 of f (the smallest) keeps CT_FOLD_MIN_ROWS rows of its
 * training window and of its early-stopping block at o's row step, else
 * -1 with "sym: a row step of N leaves ..." said. */
int ct_folds_stepped(const struct ct_dataset *d, const struct ct_train_opts *o,
    const struct ct_fold *f, const char *sym);
/* 1 when fold k of f (k > 0) starts from fold k-1's trees. */
int ct_fold_chained(const struct ct_train_opts *o, const struct ct_fold *f, int k);
/* Walk forward over d: train each fold with early stopping on its
 * early-stopping block, predict its validation block, evaluate after costs with a threshold
 * chosen on earlier folds only.  Each fold after the first whose window
 * is past o->chain_rows (ct_fold_chained) starts from the best trees of
 * the one before (trained on rows before its own
 * training rows end, so nothing of its early-stopping or validation
 * block reaches it) and adds rounds trained on the rows its window adds
 * (from the end of the previous fold's training rows) while its
 * early-stopping logloss improves: each fold does the work of the rows
 * it adds, not of all its rows again, and no training holds more than
 * the first fold's rows or one block; the others train from scratch on
 * their whole window.  A fold found in o->ckpt is not trained again;
 * each fold trained is saved there.  w->last, w->add and w->final_lo
 * are the final fit's start, rounds and first row.  0 or -1 (error
 * printed). */
int ct_walkforward(const struct ct_dataset *d, struct ct_train_opts *o, struct ct_wf *w);
void ct_wf_free(struct ct_wf *w);

/* Fold k (0-based) of the walk-forward alone, trained as ct_walkforward
 * trains it (never resumed) from start, fold k-1's best trees when the
 * fold is chained (else NULL): its ranges, best and trained rounds, and the AUC and
 * logloss of its validation block in f->ev (never trading: threshold 1);
 * when trees is not NULL, *trees is its best trees (a new booster, for
 * fold k+1).  With o->ckpt, the fold is saved there as ct_walkforward
 * saves it (which then resumes it).  A search's trial.  0 or -1 (error
 * printed). */
int ct_fold_score(const struct ct_dataset *d, struct ct_train_opts *o, int k, void *start,
    struct ct_fold *f, void **trees);

/* Add add rounds to start's trees (NULL: from scratch) trained on rows
 * [lo,hi) of d; *booster is a new BoosterHandle (from o->ckpt when it
 * holds a final model of that many trees, and saved there otherwise).
 * 0 or -1 (error printed). */
int ct_train_final(const struct ct_dataset *d, size_t lo, size_t hi, void *start, int add,
    struct ct_train_opts *o, void **booster);
/* prob for rows [lo,hi) of d with booster (all its rounds).  0 or -1. */
int ct_booster_predict(void *booster, const struct ct_dataset *d, size_t lo, size_t hi,
    float *prob, struct ct_train_opts *o);

/* A new booster: a copy of b updated on rows [lo,hi) of d, either by
 * adding add rounds at learning rate eta, or (add == 0) by refreshing the
 * leaf values of its existing trees (the model keeps its size).  0 or -1. */
int ct_booster_update(void *b, const struct ct_dataset *d, size_t lo, size_t hi,
    int add, double eta, struct ct_train_opts *o, void **out);
/* A booster loaded from path, or NULL (error printed). */
void *ct_booster_load(const char *path);
void ct_booster_free(void *b);
/* Boosted rounds in b, or -1. */
int ct_booster_rounds(void *b);
/* Save b as UBJSON to path, atomically.  0 or -1 (error printed). */
int ct_booster_save(void *b, const char *path, struct ct_train_opts *o);

/* Area under the ROC curve of scores p for 0/1 labels y (ties averaged);
 * NAN when one class is missing or a score is not finite. */
double ct_auc(const float *p, const float *y, size_t n);
/* Evaluate the strategy "long at close[i] when p > thr, exit horizon
 * candles later, one trade at a time" on rows [lo,hi), with AUC and logloss.
 * When equity is not NULL, append [exit_time_ms, *cum] points (cum is the
 * running net bps, carried across calls). */
void ct_evaluate(const struct ct_dataset *d, const float *p, size_t lo, size_t hi,
    double thr, struct ct_eval *e, json_t *equity, double *cum);
/* Trades a threshold, or a model's out-of-sample folds, need to count. */
#define CT_MIN_TRADES	10
/* The threshold maximising total net bps of p over the row ranges given
 * (at least CT_MIN_TRADES trades and a positive total), else 1 (never
 * trade).  Only
 * trades entered horizon rows before a range's end count, so no exit
 * price comes from after the range. */
double ct_pick_threshold(const struct ct_dataset *d, const float *p,
    const struct ct_fold *ranges, int nranges);
json_t *ct_eval_json(const struct ct_eval *e);
/* Twice the standard error of the mean net bps of trades trades on rows
 * [lo,hi) of d, from the spread of the rows' horizon returns: the noise a
 * mean net must beat to be evidence. */
double ct_net_2se(const struct ct_dataset *d, size_t lo, size_t hi, long trades);
/* 1 when trades at a mean of net bps are money beyond noise: at least
 * CT_MIN_TRADES of them, and net above two_se (ct_net_2se). */
int ct_beyond_noise(long trades, double net, double two_se);
/* Holding from the first close of rows [lo,hi) to the last row's exit,
 * paying one round trip: the baseline the strategy's net bps must beat. */
double ct_buy_hold(const struct ct_dataset *d, size_t lo, size_t hi);
/* Keep at most 200 points of an equity curve, evenly spaced, always the last. */
void ct_equity_thin(json_t **eq);

#endif
