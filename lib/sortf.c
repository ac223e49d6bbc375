/* sortf.c — floats sorted by their bits, three passes of 11 bits (LSD
 * radix), not by a comparison call per pair (sortf.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sortf.h"

#define DIGIT_BITS	11
#define DIGITS		(1u << DIGIT_BITS)
#define SMALL		64	/* fewer values: qsort */

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* A float's bits as a key that sorts as the float does: negatives
 * flipped whole (larger magnitude, smaller key), positives above them. */
static uint32_t
key_of(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof u);
	return u & 0x80000000u ? ~u : u | 0x80000000u;
}

static float
float_of(uint32_t k)
{
	uint32_t u = k & 0x80000000u ? k & 0x7fffffffu : ~k;
	float f;

	memcpy(&f, &u, sizeof f);
	return f;
}

/* One stable pass on the digit at shift: from src to dst.  0 when every
 * key has the same digit there (nothing moved). */
static int
pass(const uint32_t *src, uint32_t *dst, size_t n, unsigned shift)
{
	size_t count[DIGITS] = { 0 }, sum = 0;

	for (size_t i = 0; i < n; i++)
		count[(src[i] >> shift) & (DIGITS - 1)]++;
	if (count[(src[0] >> shift) & (DIGITS - 1)] == n)
		return 0;
	for (size_t d = 0; d < DIGITS; d++) {
		size_t c = count[d];

		count[d] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++)
		dst[count[(src[i] >> shift) & (DIGITS - 1)]++] = src[i];
	return 1;
}

int
ct_sort_floats(float *v, size_t n)
{
	uint32_t *a, *b;

	if (n < SMALL) {
		qsort(v, n, sizeof *v, cmp_float);
		return 0;
	}
	if ((a = malloc(2 * n * sizeof *a)) == NULL) {
		qsort(v, n, sizeof *v, cmp_float);
		return -1;
	}
	b = a + n;
	for (size_t i = 0; i < n; i++)
		a[i] = key_of(v[i]);
	for (unsigned shift = 0; shift < 32; shift += DIGIT_BITS) {
		if (pass(a, b, n, shift)) {
			uint32_t *t = a;

			a = b;
			b = t;
		}
	}
	for (size_t i = 0; i < n; i++)
		v[i] = float_of(a[i]);
	free(a < b ? a : b);
	return 0;
}
