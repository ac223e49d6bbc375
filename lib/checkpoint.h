/* checkpoint.h — the finished parts of one training, kept beside the model
 * being built so that a run killed at any moment (kill -9 included) is
 * resumed by the next run for the same coin, data and options: each
 * finished fold (best round count, rounds run, out-of-sample predictions:
 * all a fold's score needs; and its best trees, which the next fold starts
 * from) and the final model.  Every file is written atomically
 * and a fold counts only once its record is there, so a kill between two
 * writes costs at most the fold in progress.  A checkpoint of another
 * identity (data, options, versions) is discarded. */
#ifndef CT_CHECKPOINT_H
#define CT_CHECKPOINT_H

#include <jansson.h>

#include "home.h"
#include "train.h"

struct ct_ckpt {
	char dir[CT_PATH_MAX];
	int folds;		/* folds 1..folds were found complete */
	int final;		/* the final model was found */
};

/* Use dir for a training identified by id: when dir/identity.json holds
 * an equal object, keep what is there; else empty dir and write id.
 * 0 or -1 (error printed). */
int ct_ckpt_open(struct ct_ckpt *c, const char *dir, const json_t *id);
/* Fold k (1-based) of f's ranges: its best and trained round counts into
 * f, its predictions of rows [f->val_lo, f->val_hi) into oos and its best
 * trees into *trees (a new booster).  1 when found, 0 when not, -1 on
 * error (printed). */
int ct_ckpt_fold_load(struct ct_ckpt *c, int k, struct ct_fold *f, float *oos, void **trees);
int ct_ckpt_fold_save(struct ct_ckpt *c, int k, const struct ct_fold *f, const float *oos,
    void *trees, struct ct_train_opts *o);
/* The final model of rounds rounds as a new booster: 1, 0 (none), -1. */
int ct_ckpt_final_load(struct ct_ckpt *c, int rounds, void **booster);
int ct_ckpt_final_save(struct ct_ckpt *c, void *booster, int rounds, struct ct_train_opts *o);

#endif
