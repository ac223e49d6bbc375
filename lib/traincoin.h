/* traincoin.h — train-coin's whole job for one coin, so the tool stays a
 * page of option parsing. */
#ifndef CT_TRAINCOIN_H
#define CT_TRAINCOIN_H

#include "train.h"

/* Labelled rows the incremental update looks at: the newest of them that
 * the current model never trained on (at most a quarter) are held out for
 * the promotion check, the rest updates the model. */
#define CT_INCR_ROWS	8000
/* Held-out rows an update needs: fewer new candles than this (past the
 * purge gap) leave the current model as it is, since nothing unseen
 * could judge the update (a 5m coin has 59 after 6 hours). */
#define CT_INCR_MIN_HELDOUT	48
/* Rounds one incremental update adds, their learning rate, and how many
 * rounds a model may gain over its fresh size before updates only
 * refresh leaf values (so the model stays bounded). */
#define CT_INCR_ADD	10
#define CT_INCR_ETA	0.02
#define CT_INCR_GROWTH	50

struct ct_traincoin {
	const char *home, *sym, *tf;
	const char *costs;	/* --costs FILE or NULL */
	long lookback;		/* candles; 0: 50000 */
	int incremental;
	int keep;		/* model directories kept (default 3) */
	int keep_features;	/* write features.csv into the model directory */
	long memory_mb;		/* --memory; 0: CT_MEMORY_MB */
	/* A fresh model's booster parameters: the defaults with
	 * default_params, else params_file's (--params), else those of the
	 * coin's params.json (tune-coin) when there is one, else the
	 * defaults.  An update keeps its model's. */
	const char *params_file;
	int default_params;
	/* The options given that only a fresh model uses (--horizon,
	 * --folds, --rounds, --early-stop), for an update to say so; NULL
	 * when none. */
	const char *fresh_only;
	struct ct_train_opts o;
};

/* Train (fresh or incremental) and publish; prints the model directory on
 * stdout.  Returns the exit status (CT_EXIT_OK, CT_EXIT_FAIL, or
 * CT_EXIT_LOCKED when another run holds the coin); errors printed. */
int ct_train_coin(struct ct_traincoin *tc);

#endif
