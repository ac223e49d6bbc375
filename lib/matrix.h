/* matrix.h — the matrices a coin's training hands XGBoost, and its
 * calls timed (matrix.c; for train.c). */
#ifndef CT_MATRIX_H
#define CT_MATRIX_H

#include <stddef.h>

#include <xgboost/c_api.h>

#include "dataset.h"
#include "train.h"

/* Every XGBoost call of a training goes through XGB() so the time spent
 * inside the library can be told apart from ours (bench/20-train.sh
 * reports both). */
#define XGB(o, call) ((o)->xgb_t0 = ct_mono_s(), ct_xgb_timed((o), (call)))
int ct_xgb_timed(struct ct_train_opts *o, int rc);
/* Print "xgboost: what: XGBoost's last error"; -1. */
int ct_xgb_fail(const char *what);

/* The matrix a booster trains on, rows [lo,hi) with o->bins' cuts: in
 * memory while it and the bins' reference fit the budget, else external
 * memory.  *own: the caller frees it (else o->bins keeps it).  NULL on
 * error (printed). */
DMatrixHandle ct_train_matrix(const struct ct_dataset *d, size_t lo, size_t hi,
    struct ct_train_opts *o, int *own);
/* The early-stopping block [lo,hi) of a training on [tlo,thi), raw
 * values; *own as above. */
DMatrixHandle ct_eval_matrix(const struct ct_dataset *d, size_t lo, size_t hi, size_t tlo,
    size_t thi, struct ct_train_opts *o, int *own);
/* In buf, the array interface (JSON) of rows x cols floats at x, row
 * after row: XGBoost reads them where they are. */
void ct_array_iface(char *buf, size_t size, const float *x, size_t rows, size_t cols);
/* The rows a training matrix of window [lo,hi) holds: every step-th
 * (ct_row_step), those a multiple of step before d's newest row. */
size_t ct_step_rows(const struct ct_dataset *d, size_t lo, size_t hi, size_t step);
/* The first of those rows (one at hi or beyond when there is none). */
size_t ct_step_first(const struct ct_dataset *d, size_t lo, size_t step);
/* Every step-th row of [lo,hi) (ct_step_first) as one dense in-memory
 * matrix with labels. */
DMatrixHandle ct_dmatrix(const struct ct_dataset *d, size_t lo, size_t hi, size_t step,
    struct ct_train_opts *o);

#endif
