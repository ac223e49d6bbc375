/* checkpoint.c — fold-K.oos (float32 predictions), fold-K.ubj (its best
 * trees) and, written last, fold-K.json (what it found, and the trees'
 * SHA-256); final.ubj and final.json the same way; identity.json first
 * of all. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>


#include "atomic.h"
#include "checkpoint.h"
#include "digest.h"
#include "err.h"
#include "jsonfile.h"
#include "model.h"
#include "modeldir.h"

static int
path(const struct ct_ckpt *c, char *buf, const char *fmt, int k)
{
	char name[64];

	snprintf(name, sizeof name, fmt, k);
	if (ct_path(buf, CT_PATH_MAX, "%s/%s", c->dir, name) != 0) {
		ct_warn("%s/%s: %s", c->dir, name, strerror(errno));
		return -1;
	}
	return 0;
}

/* The object in a file of the checkpoint, or NULL when it is missing or
 * unreadable (a checkpoint that cannot be read is no checkpoint). */
static json_t *
load(const struct ct_ckpt *c, const char *fmt, int k)
{
	char p[CT_PATH_MAX];

	if (path(c, p, fmt, k) != 0)
		return NULL;
	return json_load_file(p, 0, NULL);
}

static int
save_json(const struct ct_ckpt *c, const char *fmt, int k, json_t *j)
{
	char p[CT_PATH_MAX];
	int rc = j && path(c, p, fmt, k) == 0 ? ct_json_save(p, j, JSON_COMPACT) : -1;

	json_decref(j);
	return rc;
}

int
ct_ckpt_open(struct ct_ckpt *c, const char *dir, const json_t *id)
{
	json_t *old;
	int k;

	memset(c, 0, sizeof *c);
	snprintf(c->dir, sizeof c->dir, "%s", dir);
	old = load(c, "identity.json", 0);
	if (old == NULL || !json_equal(old, id)) {
		if (ct_rmtree_atomic(dir) != 0) {
			json_decref(old);
			return -1;
		}
		json_decref(old);
		if (ct_mkdirs(dir, 0777) != 0) {
			ct_warn("%s: %s", dir, strerror(errno));
			return -1;
		}
		return save_json(c, "identity.json", 0, json_deep_copy(id));
	}
	json_decref(old);
	for (k = 1; (old = load(c, "fold-%d.json", k)) != NULL; k++)
		json_decref(old);
	c->folds = k - 1;
	if ((old = load(c, "final.json", 0)) != NULL)
		c->final = 1;
	json_decref(old);
	return 0;
}

/* j's "ubj_sha256" into sum ("" when it has none that looks like one). */
static void
sum_of(const json_t *j, char sum[CT_SHA256_HEX])
{
	const char *s = json_string_value(json_object_get(j, "ubj_sha256"));

	snprintf(sum, CT_SHA256_HEX, "%s", s && strlen(s) == CT_SHA256_HEX - 1 ? s : "");
}

/* The trees at p when their SHA-256 is want (their record's), else NULL
 * with why and again said.  XGBoost's loader is not handed a file cut
 * short or changed: on some such files it reads past their end and the
 * process dies, and so would every resume after it. */
static void *
trees_load(const char *p, const char *want, const char *again)
{
	char got[CT_SHA256_HEX];
	void *b;

	if (*want == '\0')
		ct_warn("%s: its record holds no checksum; %s", p, again);
	else if (ct_sha256_file(p, got) != 0)
		ct_warn("%s: %s; %s", p, strerror(errno), again);
	else if (strcmp(got, want) != 0)
		ct_warn("%s: not the file its record names (cut short or changed); %s", p, again);
	else if ((b = ct_booster_load(p)) != NULL)
		return b;
	else
		ct_warn("%s: %s", p, again);
	return NULL;
}

/* The SHA-256 of the trees just saved at p into j as "ubj_sha256"; j, or
 * NULL (said). */
static json_t *
with_sum(json_t *j, const char *p)
{
	char hex[CT_SHA256_HEX];

	if (ct_sha256_file(p, hex) != 0) {
		ct_warn("%s: %s", p, strerror(errno));
		json_decref(j);
		return NULL;
	}
	json_object_set_new(j, "ubj_sha256", json_string(hex));
	return j;
}

int
ct_ckpt_fold_load(struct ct_ckpt *c, int k, struct ct_fold *f, float *oos, void **trees)
{
	char p[CT_PATH_MAX];
	size_t n = f->val_hi - f->val_lo;
	json_int_t lo = -1, hi = -1;
	int best = 0, trained = 0, fd;
	char sum[CT_SHA256_HEX];
	ssize_t r;
	json_t *j = load(c, "fold-%d.json", k);

	if (j == NULL)
		return 0;
	/* A record that does not fit these folds is not this training's. */
	if (json_unpack(j, "{s:i, s:i, s:[I,I]}", "best_rounds", &best, "rounds_trained", &trained,
	    "val", &lo, &hi) != 0 || lo != (json_int_t)f->val_lo || hi != (json_int_t)f->val_hi ||
	    best < 1 || trained < 0) {
		json_decref(j);
		return 0;
	}
	sum_of(j, sum);
	json_decref(j);
	if (path(c, p, "fold-%d.oos", k) != 0)
		return -1;
	/* A checkpoint that cannot be read is no checkpoint: the fold is
	 * trained again (and its files replaced), not every retry failed. */
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0) {
		ct_warn("%s: %s; training the fold again", p, strerror(errno));
		return 0;
	}
	r = read(fd, oos, n * sizeof *oos);
	close(fd);
	if (r != (ssize_t)(n * sizeof *oos)) {
		ct_warn("%s: %s; training the fold again", p, r < 0 ? strerror(errno) : "short file");
		return 0;
	}
	/* Probabilities, so in [0,1]: anything else was not written by us. */
	for (size_t i = 0; i < n; i++)
		if (!(oos[i] >= 0 && oos[i] <= 1)) {
			ct_warn("%s: value number %zu, %g, is not a probability; training the fold again",
			    p, i + 1, (double)oos[i]);
			return 0;
		}
	if (path(c, p, "fold-%d.ubj", k) != 0)
		return -1;
	if ((*trees = trees_load(p, sum, "training the fold again")) == NULL)
		return 0;
	if (ct_booster_rounds(*trees) != best) {
		ct_warn("%s: %d trees, not %d; training the fold again", p, ct_booster_rounds(*trees),
		    best);
		ct_booster_free(*trees);
		*trees = NULL;
		return 0;
	}
	f->best_rounds = best;
	f->trained = trained;
	return 1;
}

int
ct_ckpt_fold_save(struct ct_ckpt *c, int k, const struct ct_fold *f, const float *oos,
    void *trees, struct ct_train_opts *o)
{
	char p[CT_PATH_MAX];

	if (path(c, p, "fold-%d.ubj", k) != 0 || ct_booster_save(trees, p, o) != 0 ||
	    path(c, p, "fold-%d.oos", k) != 0)
		return -1;
	if (ct_write_atomic(p, oos, (f->val_hi - f->val_lo) * sizeof *oos) != 0) {
		ct_warn("%s: %s", p, strerror(errno));
		return -1;
	}
	if (path(c, p, "fold-%d.ubj", k) != 0 ||
	    save_json(c, "fold-%d.json", k, with_sum(json_pack("{s:i, s:i, s:i, s:[I,I]}", "fold", k,
	    "best_rounds", f->best_rounds, "rounds_trained", f->trained, "val",
	    (json_int_t)f->val_lo, (json_int_t)f->val_hi), p)) != 0)
		return -1;
	c->folds = k;
	return 0;
}

int
ct_ckpt_final_load(struct ct_ckpt *c, int rounds, void **booster)
{
	char p[CT_PATH_MAX];
	json_t *j = load(c, "final.json", 0);
	char sum[CT_SHA256_HEX];
	void *b = NULL;
	int r = 0;

	*booster = NULL;
	if (j == NULL)
		return 0;
	json_unpack(j, "{s:i}", "rounds", &r);
	sum_of(j, sum);
	json_decref(j);
	if (r != rounds)
		return 0;
	if (path(c, p, "final.ubj", 0) != 0)
		return -1;
	if ((b = trees_load(p, sum, "training the final model again")) == NULL)
		return 0;
	*booster = b;
	return 1;
}

int
ct_ckpt_final_save(struct ct_ckpt *c, void *booster, int rounds, struct ct_train_opts *o)
{
	char p[CT_PATH_MAX];

	if (path(c, p, "final.ubj", 0) != 0 || ct_booster_save(booster, p, o) != 0 ||
	    save_json(c, "final.json", 0, with_sum(json_pack("{s:i}", "rounds", rounds), p)) != 0)
		return -1;
	c->final = 1;
	return 0;
}
