/* tensorize/search: measuring the mappings most likely to be best.
 *
 * A space no larger than the budget is measured whole.  Otherwise each
 * round scores a pool of candidates — random mappings of the space and
 * neighbours (one field changed) of the best measured so far — by the
 * analytical estimate corrected by the learned model, and measures the best
 * scored few not yet measured; the model is refitted on every measurement
 * (and on other ops' records, for transfer).  The simulator is the judge:
 * the result is the best *measured* mapping.  Everything random comes from
 * one xorshift generator seeded by the caller. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"

enum { POOL = 384, BATCH = 4 };

struct searcher {
	const struct tz_space *s;
	tz_measure_fn measure;
	void *ctx;
	const struct tz_search_opts *o;
	struct tz_search_result *r;
	struct tz_model *model;
	uint64_t rng;
	uint8_t *seen;      /* per space index: measured */
	float *x;           /* training features: transfer samples, then ours */
	double *y;
	int n, cap;
	struct diags *err;
	int failures;
	int fitted;         /* samples at the last fit */
};

static uint64_t next(struct searcher *S)
{
	S->rng ^= S->rng << 13, S->rng ^= S->rng >> 7, S->rng ^= S->rng << 17;
	return S->rng;
}

static void add_sample(struct searcher *S, const float *f, double estimate, uint64_t cycles)
{
	if (S->n == S->cap) {
		S->cap = S->cap ? 2 * S->cap : 256;
		S->x = xrealloc(S->x, (size_t)S->cap * TZ_FEATURES * sizeof *S->x);
		S->y = xrealloc(S->y, (size_t)S->cap * sizeof *S->y);
	}
	memcpy(S->x + (size_t)S->n * TZ_FEATURES, f, TZ_FEATURES * sizeof *f);
	S->y[S->n++] = log((double)cycles / fmax(estimate, 1));
}

/* Measures space entry i; false when the budget is spent. */
static bool measure(struct searcher *S, int64_t i)
{
	if (S->r->measured >= S->o->budget || S->seen[i])
		return S->r->measured < S->o->budget;
	S->seen[i] = 1;
	const struct tz_geometry *geo = &S->s->geo[S->s->geo_of[i]];
	uint64_t c = S->measure(S->ctx, geo, &S->s->m[i], S->err);
	int k = S->r->measured++;
	S->r->order[k] = i;
	S->r->cycles[k] = c;
	if (!c) {
		S->failures++;
		return true;
	}
	float f[TZ_FEATURES];
	tz_features(geo, &S->s->m[i], f);
	add_sample(S, f, tz_estimate_cycles(geo, &S->s->m[i]), c);
	if (!S->r->best_cycles || c < S->r->best_cycles)
		S->r->best_cycles = c, S->r->best = i;
	if (S->o->progress)
		S->o->progress(S->o->progress_ctx, S->r->measured, S->o->budget);
	return true;
}

static double score(const struct searcher *S, int64_t i)
{
	const struct tz_geometry *geo = &S->s->geo[S->s->geo_of[i]];
	float f[TZ_FEATURES];
	tz_features(geo, &S->s->m[i], f);
	return log(fmax(tz_estimate_cycles(geo, &S->s->m[i]), 1)) + tz_model_predict(S->model, f);
}

/* A neighbour of entry i: the nearest entry differing in one field. */
static int64_t neighbour(struct searcher *S, int64_t i)
{
	const struct tz_mapping *m = &S->s->m[i];
	int field = (int)(next(S) % 7);
	int64_t best = -1;
	double best_d = INFINITY;
	for (int tries = 0; tries < 32; tries++) {
		int64_t j = (int64_t)(next(S) % (uint64_t)S->s->n);
		const struct tz_mapping *x = &S->s->m[j];
		if (S->s->geo_of[j] != S->s->geo_of[i] || j == i)
			continue;
		/* distance in the other fields (log block sizes), which should stay */
		double d = 0;
		d += field == 0 ? 0 : fabs(log2((double)x->bm) - log2((double)m->bm));
		d += field == 1 ? 0 : fabs(log2((double)x->bn) - log2((double)m->bn));
		d += field == 2 ? 0 : fabs(log2((double)x->bk) - log2((double)m->bk));
		d += field == 3 ? 0 : (x->n_outer != m->n_outer);
		d += field == 4 ? 0 : (x->ring_a != m->ring_a);
		d += field == 5 ? 0 : (x->ring_b != m->ring_b);
		d += field == 6 ? 0 : (x->ring_acc != m->ring_acc);
		if (d < best_d)
			best_d = d, best = j;
	}
	return best >= 0 ? best : (int64_t)(next(S) % (uint64_t)S->s->n);
}

static int by_score(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/* One round: score a pool, measure the best BATCH unmeasured. */
static void round_(struct searcher *S)
{
	double (*pool)[2] = xmalloc(POOL * sizeof *pool);
	int np = 0;
	/* the best 8 measured so far (ties: the earlier), for neighbours */
	double (*ranked)[2] = xmalloc(((size_t)S->r->measured + 1) * sizeof *ranked);
	int nr = 0;
	for (int k = 0; k < S->r->measured; k++)
		if (S->r->cycles[k])
			ranked[nr][0] = (double)S->r->cycles[k], ranked[nr][1] = k, nr++;
	qsort(ranked, (size_t)nr, sizeof *ranked, by_score);
	int64_t best[8];
	int nb = 0;
	for (; nb < 8 && nb < nr; nb++)
		best[nb] = S->r->order[(int)ranked[nb][1]];
	free(ranked);
	for (int attempts = 0; np < POOL && attempts < 16 * POOL; attempts++) {
		int64_t i = nb && (next(S) & 1) ? neighbour(S, best[next(S) % (uint64_t)nb]) : (int64_t)(next(S) % (uint64_t)S->s->n);
		if (!S->seen[i])
			pool[np][0] = score(S, i), pool[np][1] = (double)i, np++;
	}
	qsort(pool, (size_t)np, sizeof *pool, by_score);
	int taken = 0;
	for (int k = 0; k < np && taken < BATCH; k++) {
		int64_t i = (int64_t)pool[k][1];
		if (S->seen[i])
			continue;
		if (!measure(S, i))
			break;
		taken++;
	}
	free(pool);
	/* refit as the samples grow by a tenth (every round while they are few):
	 * fitting costs more than a measurement once there are thousands */
	if (S->n >= S->fitted + 1 + S->fitted / 10) {
		tz_model_fit(S->model, S->x, S->y, S->n);
		S->fitted = S->n;
	}
}

int tz_search(const struct tz_space *s, tz_measure_fn fn, void *ctx, const struct tz_search_opts *o,
	      struct tz_search_result *r, struct diags *err)
{
	memset(r, 0, sizeof *r);
	r->best = -1;
	if (!s->n) {
		diag_add(err, NULL, 0, 0, "the space of mappings is empty");
		return -1;
	}
	int budget = o->budget < 1 ? 1 : o->budget;
	struct tz_search_opts opts = *o;
	opts.budget = budget;
	struct searcher S = {s, fn, ctx, &opts, r, tz_model_new(), o->seed * 2654435761u + 0x9e3779b97f4a7c15ull,
			     xcalloc((size_t)s->n, 1), NULL, NULL, 0, 0, err, 0, 0};
	r->order = xcalloc((size_t)budget + 1, sizeof *r->order);
	r->cycles = xcalloc((size_t)budget + 1, sizeof *r->cycles);
	for (int i = 0; i < o->ntransfer; i++)
		add_sample(&S, o->transfer[i].f, o->transfer[i].estimate, o->transfer[i].cycles);
	tz_model_fit(S.model, S.x, S.y, S.n);
	S.fitted = S.n;
	if (s->n <= budget) {
		r->exhaustive = true;
		for (int64_t i = 0; i < s->n; i++)
			measure(&S, i);
	} else {
		if (o->first) {
			int64_t f = tz_space_find(s, o->first);
			if (f >= 0)
				measure(&S, f);
		}
		int stuck = 0;
		while (r->measured < budget && stuck < 8) {
			int before = r->measured;
			round_(&S);
			stuck = r->measured == before ? stuck + 1 : 0;
		}
	}
	if (o->first) {
		int64_t f = tz_space_find(s, o->first);
		for (int k = 0; k < r->measured; k++)
			if (r->order[k] == f)
				r->first_cycles = r->cycles[k];
	}
	tz_model_free(S.model);
	free(S.seen);
	free(S.x);
	free(S.y);
	if (!r->best_cycles) {
		diag_add(err, NULL, 0, 0, "none of the %d mappings measured ran", r->measured);
		return -1;
	}
	return 0;
}

void tz_search_result_free(struct tz_search_result *r)
{
	free(r->order);
	free(r->cycles);
	memset(r, 0, sizeof *r);
}

static int by_value(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Ranks (average ranks for ties) of a series. */
static void ranks(const double *v, int n, double *rank)
{
	double (*p)[2] = xmalloc((size_t)n * sizeof *p);
	for (int i = 0; i < n; i++)
		p[i][0] = v[i], p[i][1] = i;
	qsort(p, (size_t)n, sizeof *p, by_value);
	for (int i = 0; i < n;) {
		int j = i;
		while (j + 1 < n && p[j + 1][0] == p[i][0])
			j++;
		for (int k = i; k <= j; k++)
			rank[(int)p[k][1]] = (i + j) / 2.0;
		i = j + 1;
	}
	free(p);
}

double tz_rank_correlation(const double *a, const double *b, int n)
{
	if (n < 2)
		return 0;
	double *ra = xmalloc((size_t)n * sizeof *ra), *rb = xmalloc((size_t)n * sizeof *rb);
	ranks(a, n, ra);
	ranks(b, n, rb);
	double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
	for (int i = 0; i < n; i++)
		ma += ra[i] / n, mb += rb[i] / n;
	for (int i = 0; i < n; i++)
		sab += (ra[i] - ma) * (rb[i] - mb), saa += (ra[i] - ma) * (ra[i] - ma), sbb += (rb[i] - mb) * (rb[i] - mb);
	free(ra);
	free(rb);
	return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0;
}
