/* predict.h — serving: a coin's current model (models/<SYM>/current)
 * applied to the tail of its candle store, with the feature code training
 * uses, printed as JSON lines or CSV rows. */
#ifndef CT_PREDICT_H
#define CT_PREDICT_H

#include <stdint.h>
#include <stdio.h>

/* --max-age off */
#define CT_MAX_AGE_OFF (-1)

struct ct_predict_opts {
	const char *home;
	const char *timeframe;	/* NULL: the model's own; else refuse any other */
	int64_t max_age_s;	/* newest candle closed longer ago is stale;
				 * 0: twice the timeframe; CT_MAX_AGE_OFF: never */
	long history;		/* > 0: the last N candles, not just the newest */
	int range;		/* candles opened in [from_ms, to_ms] instead */
	int64_t from_ms, to_ms;
	int csv;		/* CSV rows (ct_predict_csv_header) instead of JSON */
	int64_t now_ms;		/* generated_at, and the clock for staleness */
};

/* Predict sym and print its line(s) on out.  Returns CT_EXIT_OK,
 * CT_EXIT_FAIL (diagnostic "prog: SYM: reason" printed, nothing printed
 * on out; an error inside XGBoost included), or CT_EXIT_STALE (line
 * printed, marked "stale":true, and a warning). */
int ct_predict(const struct ct_predict_opts *o, const char *sym, FILE *out);
/* The CSV header line matching ct_predict's rows. */
void ct_predict_csv_header(FILE *out);
/* Shortest decimal text that reads back as exactly the float f. */
char *ct_fmt_float(float f, char buf[32]);

#endif
