/* datasetcsv.c — a dataset as CSV (features.csv of --keep-features): the
 * matrix as the model saw it (float32 values printed to round-trip), the
 * label and the return and cost behind it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "atomic.h"
#include "dataset.h"
#include "err.h"
#include "features.h"

#define RELEASE_ROWS	65536	/* rows written between releases of their pages */

/* A float as text with 9 significant digits, which always reads back as
 * the same float.  By hand because printf's exact decimal conversion made
 * writing features.csv a tenth of a whole training run. */
static int
fmt_float(float f, char *b)
{
	static double p10[100];	/* 10^(k-50) */
	double v = f;
	long long m;
	char dig[10];
	int e, n = 0, nd = 9;

	if (p10[0] == 0)
		for (int k = 0; k < 100; k++)
			p10[k] = pow(10, k - 50);
	if (v == 0)
		return (int)strlen(strcpy(b, "0"));
	/* p10 covers the normal floats; a subnormal would index past it. */
	if (fabs(v) < 1e-30 || fabs(v) > 1e30)
		return sprintf(b, "%.9g", v);
	if (v < 0) {
		b[n++] = '-';
		v = -v;
	}
	e = (int)floor(log10(v));
	m = llround(v * p10[8 - e + 50]);
	if (m >= 1000000000LL)
		m = llround(v * p10[8 - ++e + 50]);
	else if (m < 100000000LL)
		m = llround(v * p10[8 - --e + 50]);
	for (int k = 8; k >= 0; k--, m /= 10)
		dig[k] = (char)('0' + m % 10);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	if (e >= 0 && e < 9) {
		for (int k = 0; k <= e; k++)
			b[n++] = k < nd ? dig[k] : '0';
		if (nd > e + 1) {
			b[n++] = '.';
			for (int k = e + 1; k < nd; k++)
				b[n++] = dig[k];
		}
	} else if (e < 0 && e >= -5) {
		b[n++] = '0';
		b[n++] = '.';
		for (int k = -1; k > e; k--)
			b[n++] = '0';
		for (int k = 0; k < nd; k++)
			b[n++] = dig[k];
	} else {
		b[n++] = dig[0];
		if (nd > 1) {
			b[n++] = '.';
			for (int k = 1; k < nd; k++)
				b[n++] = dig[k];
		}
		n += sprintf(b + n, "e%d", e);
	}
	b[n] = '\0';
	return n;
}

int
ct_dataset_csv(const char *path, const struct ct_dataset *d, size_t lo, size_t hi)
{
	char num[32];
	struct ct_afile af;
	FILE *fp;

	if (ct_afile_open(&af, path) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	fp = af.fp;
	fputs("open_time", fp);
	for (size_t j = 0; j < d->nfeat; j++)
		fprintf(fp, ",%s", ct_feat_name(j));
	fputs(",label,fwd_bps,cost_bps\n", fp);
	for (size_t r = lo; r < hi; r++) {
		fprintf(fp, "%lld", (long long)d->t[r]);
		for (size_t j = 0; j < d->nfeat; j++) {
			float v = d->x[r * d->nfeat + j];

			num[0] = ',';
			if (isnan(v))
				num[1] = '\0';
			else
				fmt_float(v, num + 1);
			fputs(num, fp);
		}
		fprintf(fp, ",%d,%.3f,%.3f\n", d->y[r] > 0.5f, d->fwd_bps[r], d->cost_bps[r]);
		if ((r + 1 - lo) % RELEASE_ROWS == 0)
			ct_dataset_release(d, r + 1 - RELEASE_ROWS, r + 1);
	}
	ct_dataset_release(d, lo, hi);
	if (ct_afile_commit(&af) != 0) {
		ct_warn("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
