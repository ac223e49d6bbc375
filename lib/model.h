/* model.h — a trained model directory (models/<SYM>/<STAMP>/) as predict
 * and train-coin use it: verify sha256.txt, load model.ubj and config.json,
 * predict probabilities, resolve models/<SYM>/current. */
#ifndef CT_MODEL_H
#define CT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "home.h"

/* The files every complete model directory has.  sha256.txt lists them
 * and every other file of the directory (features.csv with
 * --keep-features, artifacts such as a drift reference), by name. */
#define CT_MODEL_FILES { "split_indices.json", "training_log.json", "model.ubj", \
	"config.json", "metrics.json", "costs.json", NULL }

struct ct_model {
	void *booster;		/* XGBoost BoosterHandle */
	json_t *config;		/* parsed config.json (owned) */
	char dir[CT_PATH_MAX];
	char symbol[40];
	char timeframe[8];
	int horizon;		/* candles a prediction looks ahead */
	double threshold;	/* go long when prob_up > threshold */
	int rounds;		/* boosted rounds in model.ubj */
	size_t nfeat;		/* features per row the model expects */
	size_t warmup;		/* ct_feat_warmup() when it was trained */
};

/* Check every line of dir/sha256.txt against the files (and that the
 * files CT_MODEL_FILES, and every other regular file of dir but hidden
 * ones, are listed).  Errors are printed as
 * "prog: dir/file: reason".  0 when all match, else -1. */
int ct_model_verify(const char *dir);
/* ct_model_verify, and config.json is an object whose symbol is sym:
 * a model filed under another coin's name would be refused by predict
 * ("is for ...").  0, or -1 printed. */
int ct_model_verify_coin(const char *dir, const char *sym);
/* The same check, but only the files named in only (NULL-terminated)
 * are hashed, and each of them must be listed; the others need only be
 * there. */
int ct_model_verify_files(const char *dir, const char *const *only);
/* Verify sha256.txt (well-formed, lists every file, every file present;
 * the checksums of model.ubj and config.json, the files it loads — not of
 * the others, which ct_model_verify checks), then load model.ubj
 * (XGBoosterLoadModel) and config.json, and check the feature set matches
 * this build (CT_FEAT_VERSION, names, warmup).  Errors printed; 0 or -1
 * (m left empty). */
int ct_model_load(struct ct_model *m, const char *dir);
/* Read config.json at path as ct_model_load does, without the booster:
 * symbol, timeframe, horizon (1 to CT_HORIZON_MAX), threshold (0 to 1)
 * and rounds (1 to CT_ROUNDS_MAX + CT_INCR_GROWTH) into m, the feature
 * set checked against this build, the document into *cfg (owned by the
 * caller).  0, or -1 after "prog: path:LINE: reason" (the line of the
 * member at fault, when it has one). */
int ct_model_config(struct ct_model *m, const char *path, json_t **cfg);
/* prob[r] = P(up) for rows x[r*m->nfeat ...], r < rows.  NAN entries are
 * missing values.  0 or -1 (error printed as "prog: SYM: reason", by the
 * model's symbol). */
int ct_model_predict(struct ct_model *m, const float *x, size_t rows, float *prob);
void ct_model_free(struct ct_model *m);
/* Resolve home/models/<sym>/current into the model directory path
 * home/models/<sym>/<STAMP>.  0, or -1 with errno (ENOENT: no current
 * model, EINVAL: bad symbol or link target). */
int ct_model_current(char *buf, size_t n, const char *home, const char *sym);
/* What ct_model_current's errno err means, for a diagnostic. */
const char *ct_model_current_error(int err);

/* The symbols with a models/<SYM>/current, sorted, NULL-ended (free with
 * ct_model_symbols_free); NULL with errno on error. */
char **ct_model_symbols(const char *home);
void ct_model_symbols_free(char **v);
/* fn(sym, arg) for every coin with a current model, in symbol order: what
 * a tool does at a terminal with no symbol given.  The worst exit code;
 * none (said, with how to train one) or an unreadable models/ is 1. */
int ct_each_model(const char *home, int (*fn)(const char *sym, void *arg), void *arg);

/* Write dir/sha256.txt ("HEX  NAME" lines, sha256sum format, names
 * relative to dir, sorted) for every regular file of dir but hidden ones,
 * atomically.  0 or -1 (error printed). */
int ct_model_write_sums(const char *dir);

/* XGBoost's OpenMP threads spin while they wait, which on a small box
 * shared with other coins costs up to ten times the work.  When XGBoost
 * is to run on more than one thread (threads), unless the caller set
 * OMP_WAIT_POLICY, set it to passive and re-execute argv (libgomp reads
 * it only when it is loaded): call it before anything is written.  On
 * one thread, XGBoost starts OpenMP threads only to load a model (one
 * parallel region each), whose spinning costs nothing measurable
 * (tune-coin, 40 trials, --threads 1: the same time with the variable
 * unset as passive): no re-execution, which cost some 20 ms of a 1 s
 * training (loading libxgboost twice).
 * Returns only when no re-execution happened, the process named by
 * argv[0] (not "exe").  Also keeps malloc to one arena (glibc). */
void ct_xgb_env(char **argv, int threads);

/* XGBoost's last error as one line of reason: without its time stamp,
 * source location and stack trace. */
const char *ct_xgb_error(void);
/* XGBoost's version, "1.7.4", into buf. */
const char *ct_xgb_version(char *buf, size_t n);

/* Quiet XGBoost's own logging: global verbosity 1, and its warnings and
 * errors routed to our stderr as "prog: xgboost: ...".  Idempotent. */
void ct_xgb_quiet(void);

#endif
