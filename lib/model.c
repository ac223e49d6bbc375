/* model.c — a model with XGBoost: loading, prediction, XGBoost's settings
 * and errors.  Its files (checksums, current) are modelfiles.c's. */
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

#include <xgboost/c_api.h>

#include "err.h"
#include "features.h"
#include "jsonfile.h"
#include "model.h"
#include "traincoin.h"

static void
xgb_log(const char *msg)
{
	/* Verbosity 1: only warnings (validate_parameters reports unknown
	 * parameters as one) and errors reach us; an operator should see
	 * those, in our format. */
	ct_warn("xgboost: %s", msg);
}

void
ct_xgb_env(char **argv, int threads)
{
	/* XGBoost's page-prefetch threads would each get a malloc arena of
	 * their own, holding memory the main one could have reused: one
	 * arena took a tenth off train-coin's peak at a million rows. */
	mallopt(M_ARENA_MAX, 1);
	if (threads <= 1)
		return;
	if (getenv("OMP_WAIT_POLICY") != NULL) {
		/* Executed as /proc/self/exe, the kernel names the process
		 * "exe": ps, top and pgrep would not find train-coin. */
		const char *base = strrchr(argv[0], '/');

		prctl(PR_SET_NAME, base ? base + 1 : argv[0], 0, 0, 0);
		return;
	}
	if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0)
		return;
	execv("/proc/self/exe", argv);
	/* No /proc: carry on with spinning threads rather than fail. */
}

const char *
ct_xgb_version(char *buf, size_t n)
{
	int maj, min, pat;

	XGBoostVersion(&maj, &min, &pat);
	snprintf(buf, n, "%d.%d.%d", maj, min, pat);
	return buf;
}

const char *
ct_xgb_error(void)
{
	static char buf[512];
	const char *e = XGBGetLastError(), *p;
	size_t len;

	/* "[12:00:00] ./src/data/data.cc:1104: Check failed: valid: Input
	 * data contains `inf` or `nan`\nStack trace: ..." -> the reason. */
	if (e[0] == '[' && (p = strstr(e, "] ")) != NULL)
		e = p + 2;
	if ((p = strstr(e, ": ")) != NULL) {
		const char *q = p;

		while (q > e && q[-1] >= '0' && q[-1] <= '9')
			q--;
		if (q < p && q > e && q[-1] == ':')
			e = p + 2;
	}
	/* "Check failed: COND: reason": the reason, when there is one. */
	if (strncmp(e, "Check failed: ", 14) == 0 && (p = strstr(e + 14, ": ")) != NULL &&
	    p[2] != '\0' && p[2] != '\n')
		e = p + 2;
	len = strcspn(e, "\n");
	while (len > 0 && strchr(" :\r", e[len - 1]) != NULL)
		len--;
	snprintf(buf, sizeof buf, "%.*s", (int)len, e);
	return buf;
}

void
ct_xgb_quiet(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	/* Not fatal: at worst XGBoost's own log lines reach stderr as is. */
	if (XGBSetGlobalConfig("{\"verbosity\":1}") != 0 ||
	    XGBRegisterLogCallback(xgb_log) != 0)
		ct_warn("xgboost: log settings: %s", ct_xgb_error());
}


static int
xgb_fail(const char *dir, const char *what)
{
	ct_warn("%s: %s: %s", dir, what, ct_xgb_error());
	return -1;
}

/* A member of config.json that must lie in [lo,hi]: NULL, or its name
 * and why not (into why). */
static const char *
in_range(const char *name, double v, double lo, double hi, char *why, size_t n)
{
	if (v >= lo && v <= hi)
		return NULL;
	snprintf(why, n, "%s: %.17g is outside [%g,%g]", name, v, lo, hi);
	return name;
}

int
ct_model_config(struct ct_model *m, const char *path, json_t **out)
{
	const char *s, *tf, *bad, *fwhy;
	json_int_t horizon, rounds;
	json_error_t je;
	json_t *cfg;

	*out = NULL;
	if ((cfg = ct_json_load(path, 0)) == NULL)
		return -1;
	/* One member at a time, so that the error names it and its line;
	 * then the ranges train-coin writes: a horizon or a round count
	 * out of them is no model's (a horizon of -100 would have
	 * check-drift read labels before its candles). */
	bad = !json_is_object(cfg) ? "" :
	    json_unpack_ex(cfg, &je, 0, "{s:s}", "symbol", &s) ? "symbol" :
	    json_unpack_ex(cfg, &je, 0, "{s:s}", "timeframe", &tf) ? "timeframe" :
	    json_unpack_ex(cfg, &je, 0, "{s:I}", "horizon", &horizon) ? "horizon" :
	    json_unpack_ex(cfg, &je, 0, "{s:F}", "threshold", &m->threshold) ? "threshold" :
	    json_unpack_ex(cfg, &je, 0, "{s:I}", "rounds", &rounds) ? "rounds" : NULL;
	if (bad == NULL)
		bad = in_range("horizon", (double)horizon, 1, CT_HORIZON_MAX, je.text, sizeof je.text) ?
		    "horizon" : in_range("threshold", m->threshold, 0, 1, je.text, sizeof je.text) ?
		    "threshold" : in_range("rounds", (double)rounds, 1, CT_ROUNDS_MAX + CT_INCR_GROWTH, je.text,
		    sizeof je.text) ? "rounds" : NULL;
	if (bad) {
		if (*bad)
			ct_json_member_warn(path, NULL, bad, je.text);
		else
			ct_warn("%s: not a JSON object", path);
		json_decref(cfg);
		return -1;
	}
	if (ct_feat_check(json_object_get(cfg, "features"), &fwhy) != 0) {
		ct_warn("%s: %s", path, fwhy);
		json_decref(cfg);
		return -1;
	}
	snprintf(m->symbol, sizeof m->symbol, "%s", s);
	snprintf(m->timeframe, sizeof m->timeframe, "%s", tf);
	m->horizon = (int)horizon;
	m->rounds = (int)rounds;
	*out = cfg;
	return 0;
}

int
ct_model_load(struct ct_model *m, const char *dir)
{
	char path[CT_PATH_MAX];
	static const char *const loaded[] = { "model.ubj", "config.json", NULL };
	BoosterHandle b = NULL;
	json_t *cfg;
	bst_ulong nf = 0;

	memset(m, 0, sizeof *m);
	/* The files loaded, not the bulky partial outputs: predict loads
	 * models often, and train-coin verified the whole directory before
	 * it became current. */
	if (ct_model_verify_files(dir, loaded) != 0)
		return -1;
	if (ct_path(path, sizeof path, "%s/config.json", dir) != 0) {
		ct_warn("%s/config.json: %s", dir, strerror(errno));
		return -1;
	}
	if (ct_model_config(m, path, &cfg) != 0)
		return -1;
	ct_xgb_quiet();
	if (ct_path(path, sizeof path, "%s/model.ubj", dir) != 0 ||
	    XGBoosterCreate(NULL, 0, &b) != 0 || XGBoosterLoadModel(b, path) != 0 ||
	    XGBoosterGetNumFeature(b, &nf) != 0) {
		xgb_fail(dir, "model.ubj");
		if (b)
			XGBoosterFree(b);
		json_decref(cfg);
		return -1;
	}
	if (nf != ct_feat_count()) {
		ct_warn("%s/model.ubj: expects %lu features, this build computes %zu",
		    dir, (unsigned long)nf, ct_feat_count());
		XGBoosterFree(b);
		json_decref(cfg);
		return -1;
	}
	m->booster = b;
	m->config = cfg;
	m->nfeat = nf;
	m->warmup = ct_feat_warmup();
	snprintf(m->dir, sizeof m->dir, "%s", dir);
	return 0;
}

int
ct_model_predict(struct ct_model *m, const float *x, size_t rows, float *prob)
{
	static const char conf[] = "{\"type\":0,\"training\":false,\"iteration_begin\":0,"
	    "\"iteration_end\":0,\"strict_shape\":false}";
	DMatrixHandle d;
	const bst_ulong *shape;
	bst_ulong dim;
	const float *res;
	int rc = 0;

	if (rows == 0)
		return 0;
	/* Named by the coin: the operator reads "predict: SYM: reason". */
	if (XGDMatrixCreateFromMat(x, rows, m->nfeat, NAN, &d) != 0) {
		ct_warn("%s: %s", m->symbol[0] ? m->symbol : m->dir, ct_xgb_error());
		return -1;
	}
	if (XGBoosterPredictFromDMatrix(m->booster, d, conf, &shape, &dim, &res) != 0) {
		ct_warn("%s: %s", m->symbol[0] ? m->symbol : m->dir, ct_xgb_error());
		rc = -1;
	}
	else
		memcpy(prob, res, rows * sizeof *prob);
	XGDMatrixFree(d);
	return rc;
}

void
ct_model_free(struct ct_model *m)
{
	if (m->booster)
		XGBoosterFree(m->booster);
	json_decref(m->config);
	memset(m, 0, sizeof *m);
}


