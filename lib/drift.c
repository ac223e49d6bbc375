/* drift.c — the training reference (drift.json) and the drift check.
 *
 * The reference is cut from a bounded, pseudo-random sample of the
 * training rows, so its cost does not grow with the lookback; a sample of
 * 4096 to 8192 rows puts a decile's share within about 0.005 of the whole
 * set's, far below any PSI limit worth using.  Edges are rounded to the 6
 * significant digits drift.json keeps before the shares are counted, so
 * the file and the counts agree exactly. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <xgboost/c_api.h>

#include "candles.h"
#include "costs.h"
#include "digest.h"
#include "drift.h"
#include "err.h"
#include "exitcode.h"
#include "features.h"
#include "home.h"
#include "jsonfile.h"
#include "model.h"
#include "parse.h"
#include "sortf.h"
#include "timefmt.h"
#include "train.h"

#define NEDGE	(CT_DRIFT_BINS - 1)

/* OpenMP's own setter, present when libxgboost brought libgomp in; weak so
 * that nothing here links against libgomp itself. */
extern void omp_set_num_threads(int) __attribute__((weak));

/* Features that are functions of the open time alone. */
static const char *const clock_features[] = { "tod_sin", "tod_cos", "dow_sin", "dow_cos", NULL };

static int
is_clock(const char *name)
{
	for (size_t i = 0; clock_features[i]; i++)
		if (strcmp(name, clock_features[i]) == 0)
			return 1;
	return 0;
}

static int
sample_init(struct ct_drift_sample *s, size_t width)
{
	memset(s, 0, sizeof *s);
	s->cap = CT_DRIFT_SAMPLE;
	s->width = width;
	s->rate = 1;
	s->v = malloc(s->cap * width * sizeof *s->v);
	s->idx = malloc(s->cap * sizeof *s->idx);
	return s->v && s->idx ? 0 : -1;
}

/* Item g is kept while the low bits of its hash (splitmix64's finaliser)
 * are 0 below the rate: a pseudo-random choice, the same on every run
 * and for every split into chunks.  Every k-th item instead would beat
 * with the daily cycle (every 8th 1h candle is 3 hours of the day). */
static int
keep(uint64_t g, uint64_t rate)
{
	g = (g ^ (g >> 30)) * 0xbf58476d1ce4e5b9ULL;
	g = (g ^ (g >> 27)) * 0x94d049bb133111ebULL;
	return ((g ^ (g >> 31)) & (rate - 1)) == 0;
}

static void
sample_push(struct ct_drift_sample *s, const float *item)
{
	size_t w = s->width, g = s->seen++, m;

	if (!keep(g, s->rate))
		return;
	while (s->n == s->cap) {
		/* Full: halve the rate, drop the items it no longer keeps. */
		s->rate *= 2;
		m = 0;
		for (size_t k = 0; k < s->n; k++)
			if (keep(s->idx[k], s->rate)) {
				memmove(s->v + m * w, s->v + k * w, w * sizeof *s->v);
				s->idx[m++] = s->idx[k];
			}
		s->n = m;
		if (!keep(g, s->rate))
			return;
	}
	memcpy(s->v + s->n * w, item, w * sizeof *s->v);
	s->idx[s->n++] = g;
}

int
ct_drift_begin(struct ct_drift_builder *b, size_t nfeat)
{
	memset(b, 0, sizeof *b);
	b->nfeat = nfeat;
	if (sample_init(&b->rows, nfeat) != 0) {
		ct_drift_free(b);
		return -1;
	}
	return 0;
}

void
ct_drift_free(struct ct_drift_builder *b)
{
	free(b->rows.v);
	free(b->rows.idx);
	memset(b, 0, sizeof *b);
}

void
ct_drift_add_rows(struct ct_drift_builder *b, const float *x, const float *y, size_t rows)
{
	for (size_t r = 0; r < rows; r++) {
		sample_push(&b->rows, x + r * b->nfeat);
		if (y && !isnan(y[r])) {
			b->labelled++;
			b->positive += y[r] > 0.5f;
		}
	}
}

/* v to the 6 significant digits drift.json is written with. */
static double
round6(double v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%.6g", v);
	return strtod(buf, NULL);
}

/* Bin of v: the number of edges below it, so bin k is (edge[k-1],
 * edge[k]]; NAN is bin ne+1, the missing values. */
static size_t
bin_of(float v, const double *edge, size_t ne)
{
	size_t lo = 0, hi = ne;

	if (isnan(v))
		return ne + 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (edge[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* {"edges": [...], "p": [...], "missing": share} of n values v[i*stride]:
 * decile edges of the values that are not NAN, ties merged. */
static json_t *
hist_json(const float *v, size_t n, size_t stride, float *tmp)
{
	double edge[NEDGE], cnt[CT_DRIFT_BINS + 1] = { 0 };
	size_t m = 0, ne = 0;
	json_t *je = json_array(), *jp = json_array();

	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i * stride]))
			tmp[m++] = v[i * stride];
	ct_sort_floats(tmp, m);
	for (size_t k = 1; m > 0 && k < CT_DRIFT_BINS; k++) {
		double e = round6(tmp[k * m / CT_DRIFT_BINS]);

		if (ne == 0 || e > edge[ne - 1])
			edge[ne++] = e;
	}
	for (size_t i = 0; i < n; i++)
		cnt[bin_of(v[i * stride], edge, ne)]++;
	for (size_t k = 0; k < ne; k++)
		json_array_append_new(je, json_real(edge[k]));
	for (size_t k = 0; k <= ne + 1; k++)
		cnt[k] = round(cnt[k] / (double)(n ? n : 1) / CT_DRIFT_FLOOR) * CT_DRIFT_FLOOR;
	for (size_t k = 0; k <= ne; k++)
		json_array_append_new(jp, json_real(cnt[k]));
	return json_pack("{s:o, s:o, s:f}", "edges", je, "p", jp, "missing", cnt[ne + 1]);
}

/* The "prediction" entry: the booster's P(up) over the rows sampled.
 * The model itself, not the walk-forward folds' out-of-sample
 * predictions: the folds' models are other models, and on stationary
 * random walks their predictions sat so far from the final model's that
 * the PSI between them was 0.4 to 4 (check-drift(1)).  A fixed model's
 * predictions are a function of the features, so over rows it trained on
 * they are distributed as over new rows from the same market. */
static json_t *
pred_json(struct ct_drift_builder *b, void *booster, float *tmp)
{
	struct ct_model m = { 0 };
	float *p = malloc((b->rows.n ? b->rows.n : 1) * sizeof *p);
	json_t *h = NULL;

	m.booster = booster;
	m.nfeat = b->nfeat;
	snprintf(m.dir, sizeof m.dir, "%s", CT_DRIFT_FILE);
	if (p && ct_model_predict(&m, b->rows.v, b->rows.n, p) == 0) {
		h = hist_json(p, b->rows.n, 1, tmp);
		json_object_set_new(h, "rows", json_integer((json_int_t)b->rows.seen));
	}
	free(p);
	return h;
}

json_t *
ct_drift_end(struct ct_drift_builder *b, void *booster)
{
	struct ct_drift_sample *r = &b->rows;
	float *tmp = malloc((r->n ? r->n : 1) * sizeof *tmp);
	json_t *ref = NULL, *feat, *pred;

	if (tmp == NULL)
		goto out;
	ref = json_pack("{s:i, s:i, s:I, s:I, s:I, s:o, s:{}}",
	    "version", CT_DRIFT_VERSION, "bins", CT_DRIFT_BINS,
	    "rows", (json_int_t)r->seen, "sampled", (json_int_t)r->n,
	    "labelled", (json_int_t)b->labelled,
	    "base_rate", b->labelled ? json_real((double)b->positive / b->labelled) : json_null(),
	    "features");
	feat = json_object_get(ref, "features");
	for (size_t j = 0; j < b->nfeat; j++)
		json_object_set_new(feat, ct_feat_name(j), is_clock(ct_feat_name(j)) ?
		    json_pack("{s:b}", "clock", 1) : hist_json(r->v + j, r->n, b->nfeat, tmp));
	if ((pred = pred_json(b, booster, tmp)) == NULL) {
		json_decref(ref);
		ref = NULL;
	} else {
		json_object_set_new(ref, "prediction", pred);
	}
out:
	free(tmp);
	ct_drift_free(b);
	return ref;
}

json_t *
ct_drift_reference(const float *x, const float *y, size_t n, size_t nfeat, void *booster)
{
	struct ct_drift_builder b;
	json_t *ref = NULL;

	if (ct_drift_begin(&b, nfeat) == 0) {
		ct_drift_add_rows(&b, x, y, n);
		ref = ct_drift_end(&b, booster);
	}
	if (ref == NULL)
		ct_warn("%s: cannot make the reference", CT_DRIFT_FILE);
	return ref;
}

int
ct_drift_save(const char *dir, const json_t *ref)
{
	char path[CT_PATH_MAX];

	if (ref == NULL)
		return -1;
	if (ct_path(path, sizeof path, "%s/%s", dir, CT_DRIFT_FILE) != 0) {
		ct_warn("%s/%s: %s", dir, CT_DRIFT_FILE, strerror(errno));
		return -1;
	}
	return ct_json_save(path, ref, JSON_COMPACT | JSON_REAL_PRECISION(6));
}

/* dir/drift.json parsed; NULL with errno ENOENT when there is none, else
 * NULL with the error printed. */
static json_t *
ref_load(const char *dir)
{
	char path[CT_PATH_MAX];
	json_error_t je;
	json_t *ref;

	if (ct_path(path, sizeof path, "%s/%s", dir, CT_DRIFT_FILE) != 0) {
		ct_warn("%s/%s: %s", dir, CT_DRIFT_FILE, strerror(errno));
		errno = EINVAL;
		return NULL;
	}
	if ((ref = json_load_file(path, 0, &je)) == NULL) {
		if (je.position == 0 && access(path, F_OK) != 0 && errno == ENOENT)
			return NULL;
		ct_warn("%s:%d: %s", path, je.line, je.text);
		errno = EINVAL;
	}
	return ref;
}

json_t *
ct_drift_carry(const char *parent_dir, void *booster, const float *x, size_t n, size_t nfeat)
{
	static const char *const mine[] = { CT_DRIFT_FILE, NULL };
	const char *stamp = strrchr(parent_dir, '/') ? strrchr(parent_dir, '/') + 1 : parent_dir;
	json_t *ref, *now;

	char path[CT_PATH_MAX];

	/* None (a model that still serves without): the caller's to make. */
	if (ct_path(path, sizeof path, "%s/%s", parent_dir, CT_DRIFT_FILE) == 0 &&
	    access(path, F_OK) != 0 && errno == ENOENT)
		return NULL;
	/* A reference edited since (its checksum no longer holds) is not
	 * carried on into a model whose sha256.txt would vouch for it. */
	if (ct_model_verify_files(parent_dir, mine) != 0) {
		errno = EINVAL;
		return NULL;
	}
	if ((ref = ref_load(parent_dir)) == NULL)
		return NULL;
	if ((now = ct_drift_reference(x, NULL, n, nfeat, booster)) == NULL) {
		json_decref(ref);
		return NULL;
	}
	if (json_object_get(ref, "carried_from") == NULL)
		json_object_set_new(ref, "carried_from", json_string(stamp));
	json_object_set(ref, "prediction", json_object_get(now, "prediction"));
	json_decref(now);
	return ref;
}

double
ct_psi(const double *a, const double *e, size_t n)
{
	double psi = 0;

	for (size_t k = 0; k < n; k++) {
		double x = fmax(a[k], CT_DRIFT_FLOOR), y = fmax(e[k], CT_DRIFT_FLOOR);

		psi += (x - y) * log(x / y);
	}
	return psi;
}

/* The check. */

/* A feature's (or the prediction's) entry of drift.json into h.  0, or -1
 * when malformed. */
static int
hist_parse(const json_t *o, struct ct_drift_hist *h)
{
	const json_t *je = json_object_get(o, "edges"), *jp = json_object_get(o, "p");
	const json_t *jm = json_object_get(o, "missing");

	memset(h, 0, sizeof *h);
	if (json_is_true(json_object_get(o, "clock")))
		return 0;
	if (!json_is_array(je) || !json_is_array(jp) || !json_is_number(jm) ||
	    (h->ne = json_array_size(je)) > NEDGE || json_array_size(jp) != h->ne + 1)
		return -1;
	for (size_t k = 0; k < h->ne; k++) {
		const json_t *v = json_array_get(je, k);

		h->edge[k] = json_number_value(v);
		if (!json_is_number(v) || !isfinite(h->edge[k]) || (k && h->edge[k] <= h->edge[k - 1]))
			return -1;
	}
	for (size_t k = 0; k <= h->ne + 1; k++) {
		const json_t *v = k <= h->ne ? json_array_get(jp, k) : jm;

		h->p[k] = json_number_value(v);
		if (!json_is_number(v) || !(h->p[k] >= 0 && h->p[k] <= 1))
			return -1;
	}
	h->use = 1;
	return 0;
}

int
ct_drift_parse(const json_t *ref, size_t nfeat, struct ct_drift_hist *h, char *why, size_t n)
{
	const json_t *feat = json_object_get(ref, "features"), *pred;

	memset(h, 0, (nfeat + 1) * sizeof *h);
	if (json_integer_value(json_object_get(ref, "version")) != CT_DRIFT_VERSION) {
		snprintf(why, n, "not version %d", CT_DRIFT_VERSION);
		return -1;
	}
	for (size_t j = 0; j < nfeat; j++) {
		int bad = hist_parse(json_object_get(feat, ct_feat_name(j)), &h[j]) != 0;

		/* Only a clock feature goes unchecked: marking another one
		 * so would leave it out of every check. */
		if (bad || h[j].use == is_clock(ct_feat_name(j))) {
			snprintf(why, n, "features.%s: %s", ct_feat_name(j), bad ? "missing or malformed" :
			    h[j].use ? "a clock feature with a histogram" :
			    "marked a clock feature, which it is not");
			return -1;
		}
	}
	if ((pred = json_object_get(ref, "prediction")) != NULL &&
	    (hist_parse(pred, &h[nfeat]) != 0 || !h[nfeat].use)) {
		snprintf(why, n, "prediction: malformed");
		return -1;
	}
	pred = json_object_get(ref, "base_rate");
	if (pred && !json_is_null(pred) && !(json_is_number(pred) && json_number_value(pred) >= 0 &&
	    json_number_value(pred) <= 1)) {
		snprintf(why, n, "base_rate: not a share from 0 to 1, nor null");
		return -1;
	}
	return 0;
}

double
ct_drift_psi(const struct ct_drift_hist *h, const float *v, size_t n, size_t stride)
{
	double a[CT_DRIFT_BINS + 1] = { 0 };

	for (size_t i = 0; i < n; i++)
		a[bin_of(v[i * stride], h->edge, h->ne)]++;
	for (size_t k = 0; k < h->ne + 2; k++)
		a[k] /= (double)(n ? n : 1);
	return ct_psi(a, h->p, h->ne + 2);
}

/* The model's round-trip costs (costs.json), for the labels. */
static int
costs_load(const char *dir, struct ct_costs *c)
{
	char path[CT_PATH_MAX];
	json_error_t je;
	json_t *j;
	int rc;

	memset(c, 0, sizeof *c);
	if (ct_path(path, sizeof path, "%s/costs.json", dir) != 0)
		return -1;
	if ((j = ct_json_load(path, 0)) == NULL)
		return -1;
	rc = json_unpack_ex(j, &je, 0, "{s:F, s:F, s:F, s:F}", "taker_fee_bps", &c->taker_bps,
	    "maker_fee_bps", &c->maker_bps, "median_spread_bps", &c->spread_bps,
	    "slippage_bps_per_sigma", &c->slip_bps_per_sigma);
	if (rc != 0)
		ct_warn("%s: %s", path, je.text);
	json_decref(j);
	return rc;
}

/* train-coin's labels come from ct_dataset_build; check-drift computes
 * the features itself, so the dataset's are skipped. */
static int
no_features(const struct ct_series *s, size_t from, size_t to, float *out)
{
	(void)s;
	memset(out, 0, (to - from) * ct_feat_count() * sizeof *out);
	return 0;
}

/* Everything one coin's check works with. */
struct coin {
	const struct ct_drift_opts *o;
	struct ct_model m;
	json_t *ref, *line;
	struct ct_drift_hist *h;	/* per feature, then the prediction */
	struct ct_series s;	/* the window and its warmup */
	float *x, *prob;	/* rows x features, rows */
	size_t rows;
	int64_t tf_ms;
};

/* The line of a coin without figures; status and drifted come first in
 * every line, for the reader. */
static json_t *
bare(const char *sym, const char *status)
{
	return json_pack("{s:s, s:s, s:b}", "symbol", sym, "status", status, "drifted", 0);
}

/* The line of a check of the model in dir that failed: the model named
 * (which one failed; a retrain after it makes the line an old one). */
static json_t *
failed(const char *sym, const char *dir)
{
	json_t *l = bare(sym, "error");

	json_object_set_new(l, "model", json_pack("s+++", "models/", sym, "/", strrchr(dir, '/') + 1));
	return l;
}

/* The reference's histograms into c->h; 0 or -1 (error printed). */
static int
parse_ref(struct coin *c)
{
	char why[128];

	if ((c->h = calloc(c->m.nfeat + 1, sizeof *c->h)) == NULL) {
		ct_warn("%s: out of memory", c->m.symbol);
		return -1;
	}
	if (ct_drift_parse(c->ref, c->m.nfeat, c->h, why, sizeof why) != 0) {
		ct_warn("%s/%s: %s", c->m.dir, CT_DRIFT_FILE, why);
		return -1;
	}
	return 0;
}

/* A short window was said (once a process). */
static int warned_few;

/* The window's candles (with the warmup before them), features and
 * predictions.  0 or -1 (error printed). */
static int
load_window(struct coin *c)
{
	const char *sym = c->m.symbol;
	char path[CT_PATH_MAX];
	size_t w = c->m.warmup;
	long want = CT_DRIFT_WINDOW;

	if (c->o->window && ct_parse_lookback(c->o->window, c->m.timeframe, &want) != 0) {
		ct_warn("%s: --window %s: less than one %s candle", sym, c->o->window, c->m.timeframe);
		return -1;
	}
	if (want < CT_DRIFT_MIN_ROWS) {
		ct_warn("%s: a window of %ld candles is less than the %d the check needs", sym,
		    want, CT_DRIFT_MIN_ROWS);
		return -1;
	}
	/* Said once a run: the PSI of so few candles is mostly noise. */
	if (want < CT_DRIFT_FEW_ROWS && !warned_few) {
		ct_warn("--window %s: %ld %s candles, fewer than %d: stationary random walks are "
		    "found drifted over so few (check-drift(1), CHOICE OF WINDOW AND LIMIT)",
		    c->o->window, want, c->m.timeframe, CT_DRIFT_FEW_ROWS);
		warned_few = 1;
	}
	if (ct_store_path(path, sizeof path, c->o->home, sym, c->m.timeframe) != 0) {
		ct_warn("%s: %s", sym, strerror(errno));
		return -1;
	}
	/* ct_store_tail names the file and line of what it refuses. */
	if (ct_store_tail(path, w + (size_t)want, &c->s) != 0)
		return -1;
	if (c->s.n < w + CT_DRIFT_MIN_ROWS) {
		ct_warn("%s: %zu candles, the check needs %zu", path, c->s.n, w + CT_DRIFT_MIN_ROWS);
		return -1;
	}
	c->rows = c->s.n - w;
	if ((c->x = malloc(c->rows * c->m.nfeat * sizeof *c->x)) == NULL ||
	    (c->prob = malloc(c->rows * sizeof *c->prob)) == NULL) {
		ct_warn("%s: out of memory", sym);
		return -1;
	}
	if (ct_features(&c->s, w, c->s.n, c->x) != 0) {
		ct_warn("%s: features: %s", sym, strerror(errno));
		return -1;
	}
	/* A few hundred rows: starting threads costs more than it saves. */
	if (XGBoosterSetParam(c->m.booster, "nthread", "1") != 0) {
		ct_warn("%s: %s: %s", sym, c->m.dir, XGBGetLastError());
		return -1;
	}
	return ct_model_predict(&c->m, c->x, c->rows, c->prob);
}

/* The base rate of the window's labelled rows against the reference's. */
static int
base_rate(struct coin *c)
{
	struct ct_costs costs;
	struct ct_dataset d;
	double pos = 0, ref = json_number_value(json_object_get(c->ref, "base_rate"));

	if (costs_load(c->m.dir, &costs) != 0 ||
	    ct_dataset_build(&d, &c->s, c->m.horizon, c->tf_ms, &costs, no_features) != 0)
		return -1;
	for (size_t r = 0; r < d.n; r++)
		pos += d.y[r] > 0.5f;
	json_object_set_new(c->line, "labelled", json_integer((json_int_t)d.n));
	if (d.n > 0 && json_is_number(json_object_get(c->ref, "base_rate"))) {
		json_object_set_new(c->line, "base_rate", json_real(round6(pos / d.n)));
		json_object_set_new(c->line, "base_rate_ref", json_real(round6(ref)));
		json_object_set_new(c->line, "base_rate_shift", json_real(round6(pos / d.n - ref)));
	}
	ct_dataset_free(&d);
	return 0;
}

/* PSI of every feature and of the prediction, the verdict in c->line. */
static int
measure(struct coin *c)
{
	size_t nf = c->m.nfeat, w = c->m.warmup, nover = 0;
	double max = 0;
	const char *arg = NULL;
	json_t *psi = json_object(), *over = json_array();
	char a[CT_ISO_LEN], b[CT_ISO_LEN];
	int drifted = 0;

	for (size_t j = 0; j <= nf; j++) {
		const char *name = j < nf ? ct_feat_name(j) : "prediction";
		double v;

		if (!c->h[j].use)
			continue;
		v = j < nf ? ct_drift_psi(&c->h[j], c->x + j, c->rows, nf) :
		    ct_drift_psi(&c->h[j], c->prob, c->rows, 1);
		json_object_set_new(psi, name, json_real(round(v * 1e4) / 1e4));
		if (v >= c->o->psi_max) {
			json_array_append_new(over, json_string(name));
			/* The prediction alone is enough; features need
			 * company (drift.h). */
			drifted |= j == nf || ++nover >= CT_DRIFT_MIN_OVER;
		}
		if (arg == NULL || v > max) {
			max = v;
			arg = name;
		}
	}
	json_object_update_new(c->line, json_pack("{s:I, s:s, s:s, s:f, s:f, s:s?, s:o}",
	    "window", (json_int_t)c->rows,
	    "from", ct_iso8601(c->s.c[w].t, a), "to", ct_iso8601(c->s.c[c->s.n - 1].t, b),
	    "psi_max", c->o->psi_max, "max_psi", round(max * 1e4) / 1e4, "max_psi_feature", arg,
	    "over", over));
	json_object_set_new(c->line, "psi", psi);
	return drifted ? CT_EXIT_DRIFT : 0;
}

static void
coin_free(struct coin *c)
{
	json_decref(c->ref);
	free(c->h);
	free(c->x);
	free(c->prob);
	ct_series_free(&c->s);
	ct_model_free(&c->m);
}

/* Where the reference comes from: the fresh model it describes (the
 * model itself, or the one an update carried it from), the newest candle
 * that model trained on (drift.json's trained_to_ms; for a reference
 * written before it had one, the fresh model's own config.json), and how
 * many of the window's candles are newer: candles a fresh retrain would
 * add to what the reference saw. */
static void
provenance(struct coin *c, const char *sym, const char *dir)
{
	const char *from = json_string_value(json_object_get(c->ref, "carried_from"));
	const json_t *to = json_object_get(c->ref, "trained_to_ms");
	char ref[CT_PATH_MAX], iso[CT_ISO_LEN];
	size_t unseen = 0;

	if (!json_is_integer(to) && from == NULL)
		to = json_object_get(json_object_get(c->m.config, "trained"), "to_ms");
	snprintf(ref, sizeof ref, "models/%s/%s", sym, from ? from : strrchr(dir, '/') + 1);
	json_object_set_new(c->line, "reference", json_string(ref));
	if (!json_is_integer(to)) {
		json_object_set_new(c->line, "trained_to", json_null());
		json_object_set_new(c->line, "unseen", json_null());
		return;
	}
	for (size_t r = c->m.warmup; r < c->s.n; r++)
		unseen += c->s.c[r].t > json_integer_value(to);
	json_object_set_new(c->line, "trained_to", json_string(ct_iso8601(json_integer_value(to), iso)));
	json_object_set_new(c->line, "unseen", json_integer((json_int_t)unseen));
}

/* Load and measure the model in dir; 0, CT_EXIT_DRIFT, or CT_EXIT_FAIL. */
static int
check_model(struct coin *c, const char *sym, const char *dir)
{
	/* The files read here; ct_model_load checks those it loads. */
	static const char *const mine[] = { CT_DRIFT_FILE, "costs.json", NULL };
	char model[CT_PATH_MAX];
	int rc;

	if (ct_model_verify_files(dir, mine) != 0 || (c->ref = ref_load(dir)) == NULL ||
	    ct_model_load(&c->m, dir) != 0)
		return CT_EXIT_FAIL;
	if (strcmp(c->m.symbol, sym) != 0) {
		ct_warn("%s: model %s is for %s", sym, dir, c->m.symbol);
		return CT_EXIT_FAIL;
	}
	if (c->o->timeframe && strcmp(c->o->timeframe, c->m.timeframe) != 0) {
		ct_warn("%s: current model %s is for timeframe %s, not %s", sym, dir,
		    c->m.timeframe, c->o->timeframe);
		return CT_EXIT_FAIL;
	}
	snprintf(model, sizeof model, "models/%s/%s", sym, strrchr(dir, '/') + 1);
	json_object_set_new(c->line, "timeframe", json_string(c->m.timeframe));
	json_object_set_new(c->line, "model", json_string(model));
	if ((c->tf_ms = ct_tf_ms(c->m.timeframe)) < 0 || parse_ref(c) != 0 || load_window(c) != 0)
		return CT_EXIT_FAIL;
	rc = measure(c);
	provenance(c, sym, dir);
	return base_rate(c) != 0 ? CT_EXIT_FAIL : rc;
}

int
ct_drift_check(const struct ct_drift_opts *o, const char *sym, json_t **line)
{
	char dir[CT_PATH_MAX], path[CT_PATH_MAX];
	struct coin c;
	int rc;
	static int ready;

	if (!ready) {
		/* As in predict: a coin's few hundred rows do not pay for
		 * starting threads, nor a check for reading openssl.cnf. */
		if (omp_set_num_threads)
			omp_set_num_threads(1);
		OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
		ready = 1;
	}
	memset(&c, 0, sizeof c);
	c.o = o;
	if (!ct_symbol_ok(sym)) {
		ct_warn("%.40s: invalid symbol", sym);
		*line = bare(sym, "error");
		return CT_EXIT_USAGE;
	}
	if (ct_model_current(dir, sizeof dir, o->home, sym) != 0) {
		if (errno == ENOENT) {
			*line = bare(sym, "no_model");
			return 0;
		}
		ct_warn("%s: %s/models/%s/current: %s", sym, o->home, sym, ct_model_current_error(errno));
		*line = bare(sym, "error");
		return CT_EXIT_FAIL;
	}
	/* A current link to no model is broken, not a model without a
	 * reference: predict and coin-status call it broken too. */
	if (access(dir, F_OK) != 0) {
		ct_warn("%s: %s/models/%s/current -> %s: %s", sym, o->home, sym,
		    strrchr(dir, '/') + 1, strerror(errno));
		*line = failed(sym, dir);
		return CT_EXIT_FAIL;
	}
	/* A model made before train-coin saved references; not one whose
	 * sha256.txt lists a drift.json (or any file) that is gone. */
	if (ct_path(path, sizeof path, "%s/%s", dir, CT_DRIFT_FILE) == 0 &&
	    access(path, F_OK) != 0 && errno == ENOENT) {
		static const char *const none[] = { NULL };

		if (ct_model_verify_files(dir, none) != 0) {
			*line = failed(sym, dir);
			return CT_EXIT_FAIL;
		}
		*line = bare(sym, "no_reference");
		return 0;
	}
	c.line = bare(sym, "stable");
	rc = check_model(&c, sym, dir);
	coin_free(&c);
	if (rc == CT_EXIT_FAIL) {
		/* Figures of a check that failed halfway would mislead. */
		json_decref(c.line);
		*line = failed(sym, dir);
	} else {
		if (rc == CT_EXIT_DRIFT) {
			json_object_set_new(c.line, "status", json_string("drifted"));
			json_object_set_new(c.line, "drifted", json_true());
		}
		*line = c.line;
	}
	return rc;
}
