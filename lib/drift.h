/* drift.h — how far a coin's newest candles have moved from what its model
 * was trained on.
 *
 * train-coin saves a reference in every model directory (drift.json): for
 * each feature the decile edges over the training rows and the share of
 * rows in each bin (and the share of missing values), the same for the
 * model's predictions over those rows, and the label base rate.
 * check-drift bins the newest candles with the reference's edges and
 * compares the shares by the population stability index,
 *	PSI = sum over bins of (a - e) * ln(a / e),
 * e the reference's share, a the window's, both at least CT_DRIFT_FLOOR.
 * Features that are a function of the clock alone (time of day, day of
 * week) are kept out: a window shorter than a week sees only some days,
 * which says nothing about the market. */
#ifndef CT_DRIFT_H
#define CT_DRIFT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CT_DRIFT_FILE	"drift.json"
#define CT_DRIFT_VERSION 1
#define CT_DRIFT_BINS	10	/* deciles; fewer where values tie */
#define CT_DRIFT_SAMPLE	8192	/* rows the reference is cut from, at most */
#define CT_DRIFT_FLOOR	1e-4	/* an empty bin counts as this share */
#define CT_DRIFT_PSI_MAX 0.25	/* check-drift's default limit */
#define CT_DRIFT_WINDOW	1500	/* check-drift's default window, candles */
/* A coin has drifted when the prediction's PSI reaches the limit, or the
 * PSI of at least CT_DRIFT_MIN_OVER features does.  One feature alone is
 * listed but is not drift: a slow feature (48-candle return or volatility)
 * over a window of some thousand candles crosses 0.25 on its own in about
 * one stationary random walk in seven, while a real change of the market
 * moves several features at once (see check-drift(1) for the figures). */
#define CT_DRIFT_MIN_OVER 2
#define CT_DRIFT_MIN_ROWS 100	/* fewer rows in the window is an error */
#define CT_DRIFT_FEW_ROWS 1000	/* fewer is said: 3 of 40 walks drift at 1000 */

/* A sample of a stream, 1 item in `rate` kept, `rate` doubling whenever
 * the buffer fills: at most cap items spread over the whole stream, in
 * bounded memory and without knowing its length in advance. */
struct ct_drift_sample {
	float *v;		/* n items of width floats */
	uint64_t *idx;		/* their positions in the stream */
	size_t n, cap, width, seen;
	uint64_t rate;		/* a power of two */
};

/* The reference of a model, built from rows added chunk by chunk, so a
 * training set that never sits in memory whole can feed it. */
struct ct_drift_builder {
	size_t nfeat;
	struct ct_drift_sample rows;
	size_t labelled, positive;
};

/* 0, or -1 when out of memory. */
int ct_drift_begin(struct ct_drift_builder *b, size_t nfeat);
/* rows training rows: x[r*nfeat + j] (ct_feat_name order; NAN: missing),
 * labels y[r] (0/1; y may be NULL). */
void ct_drift_add_rows(struct ct_drift_builder *b, const float *x, const float *y, size_t rows);
/* The reference as drift.json holds it, the prediction histogram being
 * booster's (an XGBoost BoosterHandle) over the rows sampled; b freed.
 * NULL when out of memory or XGBoost failed (error printed). */
json_t *ct_drift_end(struct ct_drift_builder *b, void *booster);
void ct_drift_free(struct ct_drift_builder *b);

/* The same for n rows in one piece.  NULL on failure (error printed). */
json_t *ct_drift_reference(const float *x, const float *y, size_t n, size_t nfeat,
    void *booster);

/* An incremental update keeps its parent's reference of the features and
 * the base rate: the trees it nudges were grown on the parent's training
 * rows, and a reference that followed every update would let a market
 * move away a little at a time without ever being flagged.  Only the
 * prediction histogram is the updated booster's own, over the n rows x it
 * was updated on.  The result has "carried_from" set to the stamp of the
 * fresh model the features describe; NULL (error printed) when the
 * parent's drift.json cannot be read or does not match its sha256.txt,
 * NULL with errno ENOENT (nothing printed) when the parent has none. */
json_t *ct_drift_carry(const char *parent_dir, void *booster, const float *x, size_t n,
    size_t nfeat);

/* Save ref as dir/drift.json, atomically.  0 or -1 (error printed; a NULL
 * ref is -1, its error printed when it was made). */
int ct_drift_save(const char *dir, const json_t *ref);

/* PSI of proportions a against e over n bins (each floored at
 * CT_DRIFT_FLOOR). */
double ct_psi(const double *a, const double *e, size_t n);

/* One distribution of a reference: bin k of ne+1 is (edge[k-1], edge[k]],
 * with share p[k]; p[ne+1] is the share of missing values. */
struct ct_drift_hist {
	int use;		/* 0: a clock feature, or no prediction entry */
	size_t ne;
	double edge[CT_DRIFT_BINS - 1];
	double p[CT_DRIFT_BINS + 1];
};

/* A reference (drift.json as parsed by jansson) into h[j] for the nfeat
 * features (ct_feat_name order) and h[nfeat] for the prediction.  0, or
 * -1 with what is malformed in why. */
int ct_drift_parse(const json_t *ref, size_t nfeat, struct ct_drift_hist *h, char *why,
    size_t n);
/* PSI of the n values v[i*stride] (NAN: missing) against h. */
double ct_drift_psi(const struct ct_drift_hist *h, const float *v, size_t n, size_t stride);

struct ct_drift_opts {
	const char *home;
	const char *timeframe;	/* NULL: the model's; else refuse any other */
	const char *window;	/* N|DUR, NULL: CT_DRIFT_WINDOW candles */
	double psi_max;		/* drifted when the prediction's PSI, or that of
				 * CT_DRIFT_MIN_OVER features, is >= psi_max */
};

/* Check one coin.  *line is set to the report (the caller prints and
 * frees it; NULL only when out of memory): {"symbol", "status":
 * "stable"|"drifted"|"no_model"|"no_reference"|"error", "drifted", and
 * for a stable or drifted coin the figures check-drift(1) lists}.
 * Returns 0 (stable, or nothing to check), CT_EXIT_DRIFT, CT_EXIT_FAIL
 * (error printed), or CT_EXIT_USAGE for an invalid symbol. */
int ct_drift_check(const struct ct_drift_opts *o, const char *sym, json_t **line);

#endif
