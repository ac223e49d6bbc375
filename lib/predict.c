/* predict.c — one coin's prediction from its current model.  Reads only
 * the rows the features need from the end of the candle store, so the cost
 * does not grow with the store. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <xgboost/c_api.h>

#include "candles.h"
#include "err.h"
#include "exitcode.h"
#include "features.h"
#include "home.h"
#include "model.h"
#include "parse.h"
#include "predict.h"
#include "timefmt.h"

/* OpenMP's own setter, present when libxgboost brought libgomp in; weak so
 * that nothing here links against libgomp itself. */
extern void omp_set_num_threads(int) __attribute__((weak));

char *
ct_fmt_float(float f, char buf[32])
{
	/* 9 significant digits always read back as the same float. */
	for (int p = 1; p <= 9; p++) {
		snprintf(buf, 32, "%.*g", p, (double)f);
		if (strtof(buf, NULL) == f)
			break;
	}
	return buf;
}

void
ct_predict_csv_header(FILE *out)
{
	fputs("symbol,timeframe,open_time,open_time_ms,prob_up,signal\n", out);
}

/* What was held back (ct_warn_hold) said as one line for the coin, as
 * every failure of one is: "predict: SYM: reason". */
static void
said_for(const char *sym)
{
	char why[1024];

	ct_warn_take(why, sizeof why);
	ct_warn("%s: %s", sym, *why ? why : "failed");
}

/* The candles for the rows asked for, with the warmup before them; rows
 * [*from, *to) of s are to be predicted.  0 or -1 (diagnostic printed). */
static int
load_rows(const struct ct_predict_opts *o, const char *sym, const struct ct_model *m,
    struct ct_series *s, size_t *from, size_t *to)
{
	char path[CT_PATH_MAX], a[CT_ISO_LEN], b[CT_ISO_LEN];
	size_t w = m->warmup, want = o->history > 0 ? (size_t)o->history : 1;
	int exists;

	if (ct_store_path(path, sizeof path, o->home, sym, m->timeframe) != 0) {
		ct_warn("%s: %s", sym, strerror(errno));
		return -1;
	}
	if (o->range) {
		ct_warn_hold();
		if (ct_store_load(path, s, &exists) != 0) {
			said_for(sym);
			return -1;
		}
		ct_warn_release(1);
		if (!exists) {
			ct_warn("%s: %s: %s", sym, path, strerror(ENOENT));
			return -1;
		}
		for (*from = 0; *from < s->n && s->c[*from].t < o->from_ms; ++*from)
			;
		for (*to = *from; *to < s->n && s->c[*to].t <= o->to_ms; ++*to)
			;
		if (*from < w && *to > w)
			ct_warn("%s: predicting from %s on: the features need %zu candles before a row",
			    sym, ct_iso8601(s->c[w].t, a), w);
		if (*from < w)
			*from = w;
		if (*from >= *to) {
			/* An open end of the range (no --from or --to) has no time to name. */
			ct_warn("%s: no candle with enough history %s %s%s%s", sym,
			    o->to_ms == INT64_MAX ? "from" : o->from_ms == INT64_MIN ? "up to" : "between",
			    o->from_ms == INT64_MIN ? "" : ct_iso8601(o->from_ms, a),
			    o->from_ms == INT64_MIN || o->to_ms == INT64_MAX ? "" : " and ",
			    o->to_ms == INT64_MAX ? "" : ct_iso8601(o->to_ms, b));
			return -1;
		}
		return 0;
	}
	ct_warn_hold();
	if (ct_store_tail(path, w + want, s) != 0) {
		said_for(sym);
		return -1;
	}
	ct_warn_release(1);
	if (s->n <= w) {
		ct_warn("%s: %s: %zu candles, the features need %zu", sym, path, s->n, w + 1);
		return -1;
	}
	*to = s->n;
	*from = s->n - (s->n - w < want ? s->n - w : want);
	if (*to - *from < want)
		ct_warn("%s: only %zu of %zu candles have the %zu candles of history the features need",
		    sym, *to - *from, want, w);
	return 0;
}

/* XGBoost refuses infinite values, and they mean prices or volumes too
 * large for the features' arithmetic: say so, by candle. */
static int
finite_rows(const char *sym, const struct ct_series *s, size_t from, size_t to,
    const float *x, size_t nf)
{
	char iso[CT_ISO_LEN];

	for (size_t k = 0; k < (to - from) * nf; k++)
		if (isinf(x[k])) {
			ct_warn("%s: features of the candle of %s are not finite (prices or volumes "
			    "too large)", sym, ct_iso8601(s->c[from + k / nf].t, iso));
			return 0;
		}
	return 1;
}

/* A prediction as a JSON line; latest ones with their age and staleness. */
static void
json_line(const struct ct_predict_opts *o, const struct ct_model *m, const char *model,
    const char *iso, int64_t t, const char *num, const char *sig, int latest, int64_t age,
    int stale, FILE *out)
{
	char gen[CT_ISO_LEN];
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:f, s:s, s:f, s:i, s:s, s:s}",
	    "symbol", m->symbol, "timeframe", m->timeframe, "open_time", iso,
	    "open_time_ms", (json_int_t)t, "prob_up", strtod(num, NULL), "signal", sig,
	    "threshold", m->threshold, "horizon", m->horizon, "model", model,
	    "generated_at", ct_iso8601(o->now_ms, gen));

	if (latest) {
		json_object_set_new(j, "age_seconds", json_integer(age));
		json_object_set_new(j, "stale", json_boolean(stale));
	}
	json_dumpf(j, out, JSON_COMPACT | JSON_REAL_PRECISION(15));
	fputc('\n', out);
	json_decref(j);
}

/* Print row i; returns 1 when it is the newest and stale. */
static int
emit(const struct ct_predict_opts *o, const struct ct_model *m, const char *model,
    const struct ct_candle *c, float p, int latest, int64_t tf_ms, FILE *out)
{
	char iso[CT_ISO_LEN], num[32];
	const char *sig = p > m->threshold ? "long" : "flat";
	int64_t age = 0, max_age = o->max_age_s ? o->max_age_s : 2 * tf_ms / 1000;
	int stale = 0;

	ct_fmt_float(p, num);
	ct_iso8601(c->t, iso);
	if (latest) {
		/* Age since the candle closed; a candle still forming is 0. */
		age = (o->now_ms - (c->t + tf_ms)) / 1000;
		if (age < 0)
			age = 0;
		stale = o->max_age_s != CT_MAX_AGE_OFF && age > max_age;
	}
	/* CSV keeps its columns; the staleness is said, and in the exit status. */
	if (o->csv)
		fprintf(out, "%s,%s,%s,%lld,%s,%s\n", m->symbol, m->timeframe, iso,
		    (long long)c->t, num, sig);
	else
		json_line(o, m, model, iso, c->t, num, sig, latest, age, stale, out);
	if (stale)
		ct_warn("%s: newest candle %s closed %llds ago, more than the %llds allowed; "
		    "prediction marked stale", m->symbol, iso, (long long)age, (long long)max_age);
	return stale;
}

/* sym's current directory into dir; -1 (printed) when there is none. */
static int
current(const struct ct_predict_opts *o, const char *sym, char *dir, size_t len)
{
	if (ct_model_current(dir, len, o->home, sym) == 0)
		return 0;
	if (errno == ENOENT)
		ct_warn("%s: no current model (%s/models/%s/current)", sym, o->home, sym);
	else
		ct_warn("%s: %s/models/%s/current: %s", sym, o->home, sym, ct_model_current_error(errno));
	return -1;
}

/* sym's current model loaded into m, its directory into dir.  A model
 * replaced and pruned (train-coin --keep) between reading current and
 * loading it is gone: the new current is loaded instead, and what the
 * lost load said is dropped.  0, or -1 (printed). */
static int
load_current(const struct ct_predict_opts *o, const char *sym, char *dir, size_t len,
    struct ct_model *m)
{
	char now[CT_PATH_MAX];
	int rc;

	if (current(o, sym, dir, len) != 0)
		return -1;
	for (int tries = 0;; tries++) {
		ct_warn_hold();
		rc = ct_model_load(m, dir);
		if (rc == 0 || tries == 3 || access(dir, F_OK) == 0 || errno != ENOENT ||
		    ct_model_current(now, sizeof now, o->home, sym) != 0 || strcmp(now, dir) == 0)
			break;
		ct_warn_release(0);
		snprintf(dir, len, "%s", now);
	}
	if (rc != 0) {
		/* One line for the coin: what the loader found, after it. */
		char why[1024];

		ct_warn_take(why, sizeof why);
		ct_warn("%s: model %s refused%s%s", sym, dir, *why ? ": " : "", why);
	} else {
		ct_warn_release(1);
	}
	return rc;
}

/* sym's current model into m (its directory into dir), checked against
 * the symbol and timeframe asked for, set for a handful of rows; its
 * candle length into *tf_ms.  0, or -1 (printed; m not held). */
static int
open_model(const struct ct_predict_opts *o, const char *sym, char *dir, size_t len,
    struct ct_model *m, int64_t *tf_ms)
{
	if (load_current(o, sym, dir, len, m) != 0)
		return -1;
	if (strcmp(m->symbol, sym) != 0)
		ct_warn("%s: model %s is for %s", sym, dir, m->symbol);
	else if ((*tf_ms = ct_tf_ms(m->timeframe)) < 0)
		ct_warn("%s: %s/config.json: unknown timeframe \"%s\"", sym, dir, m->timeframe);
	else if (o->timeframe && strcmp(o->timeframe, m->timeframe) != 0)
		ct_warn("%s: current model %s is for timeframe %s, not %s", sym, dir,
		    m->timeframe, o->timeframe);
	/* A handful of rows: starting threads would cost more than it saves. */
	else if (XGBoosterSetParam(m->booster, "nthread", "1") != 0)
		ct_warn("%s: %s: %s", sym, dir, ct_xgb_error());
	else
		return 0;
	ct_model_free(m);
	return -1;
}

int
ct_predict(const struct ct_predict_opts *o, const char *sym, FILE *out)
{
	char dir[CT_PATH_MAX], model[CT_PATH_MAX];
	struct ct_series s = { 0 };
	struct ct_model m;
	size_t from, to, i;
	float *x = NULL, *prob = NULL;
	int64_t tf_ms;
	int rc = CT_EXIT_FAIL, stale = 0;
	static int ready;

	if (!ct_symbol_ok(sym)) {
		ct_warn("%s: invalid symbol", sym);
		return CT_EXIT_FAIL;
	}
	if (!ready) {
		/* A handful of rows: starting threads costs more than it saves,
		 * and XGBoost starts them while loading, before any booster
		 * parameter applies. */
		if (omp_set_num_threads)
			omp_set_num_threads(1);
		/* Only SHA-256 is needed: skip reading openssl.cnf (0.5 ms of
		 * a 10 ms budget). */
		OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
		ready = 1;
	}
	if (open_model(o, sym, dir, sizeof dir, &m, &tf_ms) != 0)
		return CT_EXIT_FAIL;
	if (load_rows(o, sym, &m, &s, &from, &to) != 0)
		goto out;
	if ((x = malloc((to - from) * m.nfeat * sizeof *x)) == NULL ||
	    (prob = malloc((to - from) * sizeof *prob)) == NULL) {
		ct_warn("%s: out of memory", sym);
		goto out;
	}
	if (ct_features(&s, from, to, x) != 0) {
		ct_warn("%s: features: %s", sym, strerror(errno));
		goto out;
	}
	if (!finite_rows(sym, &s, from, to, x, m.nfeat) || ct_model_predict(&m, x, to - from, prob) != 0)
		goto out;
	snprintf(model, sizeof model, "models/%s/%s", sym, strrchr(dir, '/') + 1);
	for (i = from; i < to; i++)
		stale |= emit(o, &m, model, &s.c[i], prob[i - from],
		    !o->range && o->history <= 0, tf_ms, out);
	rc = stale ? CT_EXIT_STALE : CT_EXIT_OK;
out:
	free(x);
	free(prob);
	ct_series_free(&s);
	ct_model_free(&m);
	return rc;
}
