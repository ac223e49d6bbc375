/* features.c — the feature set (see features.h for the fixed-window rule).
 *
 * Moving averages here are plain windowed means, and the EMAs of MACD are
 * truncated to 3 spans with normalised weights: a recursive EMA seeded at
 * the start of the series would make a row's value depend on how much
 * history was loaded, i.e. differ between training (whole store) and
 * serving (tail of the store).  Everything is computed in double from
 * scratch for each row (no running sums, whose rounding depends on where
 * they started) and stored as float. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "features.h"

#define MACD_FAST	12
#define MACD_SLOW	26
#define MACD_SIG	9
#define EMA_SPANS	3	/* an EMA is truncated to EMA_SPANS*span candles */
#define RSI_N		14
#define ATR_N		14
#define BB_N		20
#define BB_K		2.0
#define VOLZ_N		48
#define HL_N		12
static const int sma_wins[] = { 12, 24, 48 };
#define WFAST		(EMA_SPANS * MACD_FAST)
#define WSLOW		(EMA_SPANS * MACD_SLOW)
#define WSIG		(EMA_SPANS * MACD_SIG)
/* macd_hist at i needs the MACD line back to i-(WSIG-1), each of which
 * needs closes back WSLOW-1 further. */
#define WARMUP		((WSLOW - 1) + (WSIG - 1))

static const int ret_lags[] = { 1, 3, 6, 12, 24, 48 };
static const int vol_wins[] = { 12, 48 };

enum {
	F_RET1, F_RET3, F_RET6, F_RET12, F_RET24, F_RET48,
	F_VOL12, F_VOL48, F_RSI, F_MACD, F_MACDH, F_ATR, F_BBPCT, F_BBW,
	F_VOLZ, F_HL, F_HL12, F_CLOC, F_SMAD12, F_SMAD24, F_SMAD, F_TODS, F_TODC, F_DOWS, F_DOWC,
	NFEAT
};

static const char *const names[NFEAT] = {
	"ret_1", "ret_3", "ret_6", "ret_12", "ret_24", "ret_48",
	"vol_12", "vol_48", "rsi_14", "macd", "macd_hist", "atr_14",
	"bb_pctb_20", "bb_width_20", "volume_z_48", "hl_range",
	"hl_range_12", "close_loc", "sma_dist_12", "sma_dist_24", "sma_dist_48",
	"tod_sin", "tod_cos", "dow_sin", "dow_cos",
};

size_t
ct_feat_count(void)
{
	return NFEAT;
}

const char *
ct_feat_name(size_t j)
{
	return j < NFEAT ? names[j] : NULL;
}

size_t
ct_feat_warmup(void)
{
	return WARMUP;
}

/* A truncated EMA's weights (1-a)^k, k < w, and their sum. */
struct ema {
	double wt[WSLOW], den;
	int w;
};

static void
ema_init(struct ema *e, int span, int w)
{
	double q = 1.0 - 2.0 / (span + 1.0), wk = 1.0;

	e->w = w;
	e->den = 0;
	for (int k = 0; k < w; k++) {
		e->wt[k] = wk;
		e->den += wk;
		wk *= q;
	}
}

/* Truncated EMA of v[i-w+1..i], the weights normalised to 1. */
static double
ema_trunc(const double *v, long i, const struct ema *e)
{
	double num = 0;

	for (int k = 0; k < e->w; k++)
		num += e->wt[k] * v[i - k];
	return num / e->den;
}

static double
mean(const double *v, long i, int w)
{
	double s = 0;

	for (int k = w - 1; k >= 0; k--)
		s += v[i - k];
	return s / w;
}

/* Population standard deviation about the mean m of the window, two
 * passes. */
static double
stdev_m(const double *v, long i, int w, double m)
{
	double s = 0;

	for (int k = w - 1; k >= 0; k--)
		s += (v[i - k] - m) * (v[i - k] - m);
	return sqrt(s / w);
}

static double
stdev(const double *v, long i, int w)
{
	return stdev_m(v, i, w, mean(v, i, w));
}

static float
ratio(double num, double den)
{
	return den > 0 ? (float)(num / den) : NAN;
}

/* The working arrays over candles [base, base+m): the rows asked for and
 * the warmup before them.  lc: log close; r: one-candle log return; lv:
 * log1p volume; hl: log high/low; tr: true range; ml: the MACD line,
 * (EMA_fast - EMA_slow)/close, where defined; px: close. */
struct work {
	const struct ct_candle *c;
	size_t base;
	double *lc, *r, *lv, *hl, *tr, *ml, *px;
	struct ema fast, slow, sig;	/* the MACD's */
};

static int
work_fill(struct work *w, const struct ct_candle *c, size_t base, size_t m)
{
	if ((w->lc = malloc(7 * m * sizeof *w->lc)) == NULL)
		return -1;
	w->c = c;
	w->base = base;
	ema_init(&w->fast, MACD_FAST, WFAST);
	ema_init(&w->slow, MACD_SLOW, WSLOW);
	ema_init(&w->sig, MACD_SIG, WSIG);
	w->r = w->lc + m;
	w->lv = w->r + m;
	w->hl = w->lv + m;
	w->tr = w->hl + m;
	w->ml = w->tr + m;
	w->px = w->ml + m;
	c += base;
	for (size_t k = 0; k < m; k++) {
		w->lc[k] = log(c[k].c);
		w->lv[k] = log1p(c[k].v);
		w->hl[k] = log(c[k].h / c[k].l);
		w->r[k] = k > 0 ? w->lc[k] - w->lc[k - 1] : NAN;
		w->tr[k] = k > 0 ? fmax(c[k].h, c[k - 1].c) - fmin(c[k].l, c[k - 1].c) : NAN;
		w->px[k] = c[k].c;
	}
	for (size_t k = 0; k < m; k++)
		w->ml[k] = k + 1 >= WSLOW ? (ema_trunc(w->px, (long)k, &w->fast) -
		    ema_trunc(w->px, (long)k, &w->slow)) / w->px[k] : NAN;
	return 0;
}

/* Times: fraction of the UTC day and of the week (Monday 0). */
static void
time_features(int64_t t, float *f)
{
	int64_t d = t >= 0 ? t / 86400000 : (t - 86399999) / 86400000;
	double day = (double)(((t % 86400000) + 86400000) % 86400000) / 86400000.0;
	double dow = (double)(((d + 3) % 7 + 7) % 7) + day;

	f[F_TODS] = (float)sin(2 * M_PI * day);
	f[F_TODC] = (float)cos(2 * M_PI * day);
	f[F_DOWS] = (float)sin(2 * M_PI * dow / 7);
	f[F_DOWC] = (float)cos(2 * M_PI * dow / 7);
}

/* Sum of the closes of candles i-n+1..i, oldest first. */
static double
close_sum(const struct ct_candle *c, size_t i, int n)
{
	double s = 0;

	for (int j = n - 1; j >= 0; j--)
		s += c[i - j].c;
	return s;
}

/* The features of candle i (past the warmup) into f. */
static void
row_features(const struct work *w, size_t i, float *f)
{
	const struct ct_candle *c = w->c, *ci = &c[i];
	long k = (long)(i - w->base);
	double g = 0, l = 0, sma, sd = 0, m;

	for (int j = 0; j < 6; j++)
		f[F_RET1 + j] = (float)(w->lc[k] - w->lc[k - ret_lags[j]]);
	for (int j = 0; j < 2; j++)
		f[F_VOL12 + j] = (float)stdev(w->r, k, vol_wins[j]);
	for (int j = RSI_N - 1; j >= 0; j--) {
		double d = c[i - j].c - c[i - j - 1].c;

		if (d > 0)
			g += d;
		else
			l -= d;
	}
	f[F_RSI] = ratio(g, g + l);
	f[F_MACD] = (float)w->ml[k];
	f[F_MACDH] = (float)(w->ml[k] - ema_trunc(w->ml, k, &w->sig));
	f[F_ATR] = (float)(mean(w->tr, k, ATR_N) / ci->c);
	sma = close_sum(c, i, BB_N) / BB_N;
	for (int j = BB_N - 1; j >= 0; j--)
		sd += (c[i - j].c - sma) * (c[i - j].c - sma);
	sd = sqrt(sd / BB_N);
	f[F_BBPCT] = ratio(ci->c - (sma - BB_K * sd), 2 * BB_K * sd);
	f[F_BBW] = (float)(2 * BB_K * sd / sma);
	m = mean(w->lv, k, VOLZ_N);
	f[F_VOLZ] = ratio(w->lv[k] - m, stdev_m(w->lv, k, VOLZ_N, m));
	f[F_HL] = (float)w->hl[k];
	f[F_HL12] = (float)mean(w->hl, k, HL_N);
	f[F_CLOC] = ratio(ci->c - ci->l, ci->h - ci->l);
	/* Distance from the simple moving averages: close to the
	 * triangular-weighted sum of recent returns that mean reversion acts
	 * on. */
	for (int n = 0; n < 3; n++)
		f[F_SMAD12 + n] = (float)(w->lc[k] - log(close_sum(c, i, sma_wins[n]) / sma_wins[n]));
	time_features(ci->t, f);
}

int
ct_features(const struct ct_series *s, size_t from, size_t to, float *out)
{
	struct work w;
	size_t i;

	if (to > s->n || from > to) {
		errno = EINVAL;
		return -1;
	}
	for (i = from; i < to && i < WARMUP; i++)
		for (size_t j = 0; j < NFEAT; j++)
			out[(i - from) * NFEAT + j] = NAN;
	if (i == to)
		return 0;
	out += (i - from) * NFEAT;
	from = i;
	if (work_fill(&w, s->c, from - WARMUP, to - (from - WARMUP)) != 0)
		return -1;
	for (i = from; i < to; i++)
		row_features(&w, i, &out[(i - from) * NFEAT]);
	free(w.lc);
	return 0;
}

json_t *
ct_feat_config(void)
{
	json_t *n = json_array();

	for (size_t j = 0; j < NFEAT; j++)
		json_array_append_new(n, json_string(names[j]));
	return json_pack("{s:i, s:i, s:o, s:{s:[i,i,i,i,i,i], s:[i,i], s:i, s:{s:i,s:i,s:i,s:i},"
	    " s:i, s:{s:i,s:f}, s:i, s:i, s:[i,i,i], s:s, s:s}}",
	    "version", CT_FEAT_VERSION, "warmup", WARMUP, "names", n, "params",
	    "ret_lags", 1, 3, 6, 12, 24, 48,
	    "vol_windows", 12, 48,
	    "rsi", RSI_N,
	    "macd", "fast", MACD_FAST, "slow", MACD_SLOW, "signal", MACD_SIG,
	    "ema_truncate_spans", EMA_SPANS,
	    "atr", ATR_N,
	    "bollinger", "n", BB_N, "k", BB_K,
	    "volume_z", VOLZ_N,
	    "hl_range_mean", HL_N,
	    "sma_dist", 12, 24, 48,
	    "returns", "log, close to close",
	    "time", "UTC; day and week (Monday 0) as sin/cos");
}

int
ct_feat_check(const json_t *cfg, const char **why)
{
	const json_t *n = json_object_get(cfg, "names");

	if (json_integer_value(json_object_get(cfg, "version")) != CT_FEAT_VERSION) {
		*why = "feature set version differs from this build";
		return -1;
	}
	if (!json_is_array(n) || json_array_size(n) != NFEAT) {
		*why = "feature count differs from this build";
		return -1;
	}
	for (size_t j = 0; j < NFEAT; j++)
		if (!json_is_string(json_array_get(n, j)) ||
		    strcmp(json_string_value(json_array_get(n, j)), names[j]) != 0) {
			*why = "feature names differ from this build";
			return -1;
		}
	if (json_integer_value(json_object_get(cfg, "warmup")) != WARMUP) {
		*why = "feature warmup differs from this build";
		return -1;
	}
	return 0;
}
