/* tensorize/model: the learned cost model — gradient-boosted regression
 * trees written for this purpose (a few hundred samples, a few dozen
 * features: no library needed).  It learns how far the analytical estimate
 * is from the simulator, log(measured / estimated), so with no data it
 * predicts 0 and the ranking is the analytical model's; features are
 * relative (logarithms of block shapes and estimates), so measurements of
 * other ops transfer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "search.h"

enum { DEPTH = 3, ROUNDS = 60, MIN_LEAF = 3, NODES = (1 << (DEPTH + 1)) - 1 };
static const double RATE = 0.2;

struct node {
	int feature; /* -1: a leaf */
	float threshold;
	double value;
};

struct tz_model {
	int ntrees, samples;
	double base;
	struct node tree[ROUNDS][NODES];
};

static double lg(double v)
{
	return log2(v > 1 ? v : 1);
}

void tz_features(const struct tz_geometry *geo, const struct tz_mapping *m, float *f)
{
	double parts[4];
	tz_estimate_parts(geo, m, parts);
	int k = 0;
	f[k++] = (float)lg((double)m->bm);
	f[k++] = (float)lg((double)m->bn);
	f[k++] = (float)lg((double)m->bk);
	f[k++] = (float)m->n_outer;
	f[k++] = (float)m->ring_a;
	f[k++] = (float)m->ring_b;
	f[k++] = (float)m->ring_acc;
	f[k++] = (float)lg((double)geo->count[TZ_G_M] / (double)m->bm);
	f[k++] = (float)lg((double)geo->count[TZ_G_N] / (double)m->bn);
	f[k++] = (float)lg((double)geo->count[TZ_G_K] / (double)m->bk);
	f[k++] = (float)lg(parts[0]);
	f[k++] = (float)lg(parts[1]);
	f[k++] = (float)lg(parts[2]);
	f[k++] = (float)lg(parts[3]);
	f[k++] = (float)(lg(parts[1]) - lg(parts[0]));
	f[k++] = (float)(lg(parts[2]) - lg(parts[0]));
	f[k++] = (float)geo->b.efficiency;
	f[k++] = (float)lg((double)(m->bm * m->bn * m->bk));
	f[k++] = (float)m->direct;
}

struct tz_model *tz_model_new(void)
{
	return try_calloc(1, sizeof(struct tz_model));
}

void tz_model_free(struct tz_model *md)
{
	free(md);
}

int tz_model_samples(const struct tz_model *md)
{
	return md->samples;
}

static double tree_predict(const struct node *t, const float *f)
{
	int i = 0;
	while (t[i].feature >= 0)
		i = 2 * i + 1 + (f[t[i].feature] > t[i].threshold);
	return t[i].value;
}

double tz_model_predict(const struct tz_model *md, const float *f)
{
	double v = md->base;
	for (int t = 0; t < md->ntrees; t++)
		v += RATE * tree_predict(md->tree[t], f);
	return v;
}

struct fit {
	const float *x;
	const double *r; /* residuals */
	int *idx;
};

static int cmp_feature;
static const float *cmp_x;

static int by_feature(const void *a, const void *b)
{
	float u = cmp_x[*(const int *)a * TZ_FEATURES + cmp_feature], v = cmp_x[*(const int *)b * TZ_FEATURES + cmp_feature];
	return u < v ? -1 : u > v ? 1 : *(const int *)a - *(const int *)b;
}

/* The split of idx[0..n) minimising the squared error; false when none. */
static bool best_split(struct fit *F, int *idx, int n, int *feature, float *threshold, int *left)
{
	double total = 0, best = 0;
	for (int i = 0; i < n; i++)
		total += F->r[idx[i]];
	bool found = false;
	for (int f = 0; f < TZ_FEATURES; f++) {
		cmp_feature = f, cmp_x = F->x;
		qsort(idx, (size_t)n, sizeof *idx, by_feature);
		double sum = 0;
		for (int i = 0; i < n - 1; i++) {
			sum += F->r[idx[i]];
			float a = F->x[idx[i] * TZ_FEATURES + f], b = F->x[idx[i + 1] * TZ_FEATURES + f];
			if (a == b || i + 1 < MIN_LEAF || n - i - 1 < MIN_LEAF)
				continue;
			/* gain of the split: sum^2/nl + rest^2/nr - total^2/n */
			double nl = i + 1, nr = n - nl, rest = total - sum;
			double gain = sum * sum / nl + rest * rest / nr - total * total / n;
			if (gain > best + 1e-12) {
				best = gain, found = true;
				*feature = f, *threshold = (a + b) / 2, *left = i + 1;
			}
		}
	}
	if (found) { /* leave idx partitioned by the chosen split */
		cmp_feature = *feature, cmp_x = F->x;
		qsort(idx, (size_t)n, sizeof *idx, by_feature);
	}
	return found;
}

static void grow(struct fit *F, struct node *t, int node, int *idx, int n, int depth)
{
	int feature, left;
	float threshold;
	if (depth < DEPTH && n >= 2 * MIN_LEAF && best_split(F, idx, n, &feature, &threshold, &left)) {
		t[node] = (struct node){feature, threshold, 0};
		grow(F, t, 2 * node + 1, idx, left, depth + 1);
		grow(F, t, 2 * node + 2, idx + left, n - left, depth + 1);
		return;
	}
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += F->r[idx[i]];
	t[node] = (struct node){-1, 0, n ? sum / n : 0};
}

int tz_model_fit(struct tz_model *md, const float *x, const double *y, int n)
{
	memset(md, 0, sizeof *md);
	if (n <= 0)
		return 0;
	double *r = try_calloc((size_t)n, sizeof *r);
	int *idx = r ? try_calloc((size_t)n, sizeof *idx) : NULL;
	if (!idx) {
		free(r);
		return -1;
	}
	md->samples = n;
	double mean = 0;
	for (int i = 0; i < n; i++)
		mean += y[i];
	md->base = mean / n;
	for (int i = 0; i < n; i++)
		r[i] = y[i] - md->base;
	struct fit F = {x, r, idx};
	for (int t = 0; t < ROUNDS && n >= 2 * MIN_LEAF; t++) {
		for (int i = 0; i < n; i++)
			idx[i] = i;
		grow(&F, md->tree[t], 0, idx, n, 0);
		md->ntrees = t + 1;
		for (int i = 0; i < n; i++)
			r[i] -= RATE * tree_predict(md->tree[t], x + (size_t)i * TZ_FEATURES);
	}
	free(r);
	free(idx);
	return 0;
}
