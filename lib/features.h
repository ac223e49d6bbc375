/* features.h — the one feature module, shared by train-coin and predict.
 *
 * Every feature of row i is a function of a FIXED window of candles
 * i-ct_feat_warmup() .. i (never of later candles, never of the start of
 * the series), computed by the same arithmetic in the same order whatever
 * the series' length: features of the last k rows computed from only the
 * last ct_feat_warmup()+k candles equal those from the whole store, bit for
 * bit.  That is what keeps training and serving free of skew. */
#ifndef CT_FEATURES_H
#define CT_FEATURES_H

#include <stddef.h>

#include <jansson.h>

#include "candles.h"

/* Bumped whenever a feature's definition changes; saved in config.json so
 * predict can refuse a model built from another feature set. */
#define CT_FEAT_VERSION 1

/* Number of features per row (columns of the matrix). */
size_t ct_feat_count(void);
/* Name of feature j ("ret_12", "rsi_14", ...); NULL when j is out of range. */
const char *ct_feat_name(size_t j);
/* Candles of history a row needs before it: row i has all features
 * defined exactly when i >= ct_feat_warmup(). */
size_t ct_feat_warmup(void);
/* Fill out[(i-from)*ct_feat_count()+j] for rows i in [from,to) of s, as
 * float32.  Rows before the warmup are all NAN; a feature undefined on a
 * degenerate window (zero range, zero variance) is NAN, which XGBoost
 * treats as missing.  0, or -1 (errno EINVAL) when to > s->n or from > to. */
int ct_features(const struct ct_series *s, size_t from, size_t to, float *out);
/* {"version":N,"warmup":W,"names":[...],"params":{...}} for config.json. */
json_t *ct_feat_config(void);
/* 0 when cfg (as saved by ct_feat_config) describes this build's feature
 * set; else -1 with a reason in why. */
int ct_feat_check(const json_t *cfg, const char **why);

#endif
