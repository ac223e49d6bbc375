/* sortf.h — sorting floats in linear time, for the quantiles of a
 * training's bins and its drift reference (tens of thousands of values a
 * feature, where qsort's comparison calls showed in a coin's profile). */
#ifndef CT_SORTF_H
#define CT_SORTF_H

#include <stddef.h>

/* Sort v[0..n) ascending (no NAN among them; -0 before +0).  0, or -1
 * when out of memory (v then sorted by qsort). */
int ct_sort_floats(float *v, size_t n);

#endif
