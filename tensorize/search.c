/* tensorize/search: measuring the mappings most likely to be best.
 *
 * A space no larger than the budget is measured whole.  Otherwise each
 * round scores a pool of candidates — random mappings of the space and
 * neighbours (one field changed) of the best measured so far — by the
 * analytical estimate corrected by the learned model, and measures the best
 * scored few not yet measured; the model is refitted on every measurement
 * (and on other ops' records, for transfer).  The simulator is the judge:
 * the result is the best *measured* mapping.  Measurements of an earlier
 * search (the records, for --retune) are taken as this one's first, never
 * measured again.  Everything random comes from one xorshift generator
 * seeded by the caller. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "search.h"

enum { POOL = 384, BATCH = 4, BATCH_MAX = 64 /* entries of one measure_all */ };

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
	bool stopped;       /* out of memory, or a measurement said stop: the search fails */
};

static uint64_t next(struct searcher *S)
{
	S->rng ^= S->rng << 13, S->rng ^= S->rng >> 7, S->rng ^= S->rng << 17;
	return S->rng;
}

/* Stops the search for want of N bytes for WHAT; false, for `return`. */
static bool nomem(struct searcher *S, size_t n, const char *what)
{
	diag_nomem(S->err, NULL, n, "%s", what);
	S->stopped = true;
	return false;
}

static bool add_sample(struct searcher *S, const float *f, double estimate, uint64_t cycles)
{
	if (S->n == S->cap) {
		int cap = S->cap ? 2 * S->cap : 256;
		/* both grown before cap moves: a failure leaves cap right for both */
		if (try_resize(&S->x, (size_t)cap * TZ_FEATURES, sizeof *S->x) || try_resize(&S->y, (size_t)cap, sizeof *S->y))
			return nomem(S, (size_t)cap * (TZ_FEATURES * sizeof *S->x + sizeof *S->y), "the search's samples");
		S->cap = cap;
	}
	memcpy(S->x + (size_t)S->n * TZ_FEATURES, f, TZ_FEATURES * sizeof *f);
	S->y[S->n++] = log((double)cycles / fmax(estimate, 1));
	return true;
}

static bool fit(struct searcher *S)
{
	if (tz_model_fit(S->model, S->x, S->y, S->n))
		return nomem(S, (size_t)S->n * (sizeof(double) + sizeof(int)), "fitting the cost model");
	S->fitted = S->n;
	return true;
}

/* Takes measurement c of space entry i into the results and the model;
 * false when the search stopped. */
static bool account(struct searcher *S, int64_t i, uint64_t c)
{
	const struct tz_geometry *geo = &S->s->geo[S->s->geo_of[i]];
	if (c == TZ_MEASURE_STOP) {
		S->stopped = true;
		return false;
	}
	int k = S->r->measured++;
	S->r->order[k] = i;
	S->r->cycles[k] = c;
	if (!c) {
		S->failures++;
		return true;
	}
	float f[TZ_FEATURES];
	tz_features(geo, &S->s->m[i], f);
	if (!add_sample(S, f, tz_estimate_cycles(geo, &S->s->m[i]), c))
		return false;
	if (!S->r->best_cycles || c < S->r->best_cycles)
		S->r->best_cycles = c, S->r->best = i;
	if (S->o->progress)
		S->o->progress(S->o->progress_ctx, S->r->measured, S->o->budget);
	return true;
}

/* Measures space entry i; false when the budget is spent or the search
 * stopped. */
static bool measure(struct searcher *S, int64_t i)
{
	if (S->stopped)
		return false;
	if (S->r->measured >= S->o->budget || S->seen[i])
		return S->r->measured < S->o->budget;
	S->seen[i] = 1;
	return account(S, i, S->measure(S->ctx, &S->s->geo[S->s->geo_of[i]], &S->s->m[i], S->err));
}

/* Measures the entries idx[0..n) not measured yet, as many as the budget
 * allows, in order: one by one, or all at once through measure_many (the
 * same entries, the same order of accounting).  False as measure. */
static bool measure_all(struct searcher *S, const int64_t *idx, int n)
{
	if (!S->o->measure_many) {
		for (int k = 0; k < n; k++)
			if (!measure(S, idx[k]))
				return false;
		return true;
	}
	const struct tz_geometry *geo[BATCH_MAX];
	const struct tz_mapping *m[BATCH_MAX];
	int64_t take[BATCH_MAX];
	uint64_t cycles[BATCH_MAX];
	int t = 0;
	for (int k = 0; k < n && !S->stopped && S->r->measured + t < S->o->budget; k++)
		if (!S->seen[idx[k]]) {
			S->seen[idx[k]] = 1;
			take[t] = idx[k], geo[t] = &S->s->geo[S->s->geo_of[idx[k]]], m[t] = &S->s->m[idx[k]], t++;
		}
	if (t)
		S->o->measure_many(S->ctx, geo, m, t, cycles, S->err);
	for (int k = 0; k < t; k++)
		if (!account(S, take[k], cycles[k]))
			return false;
	return !S->stopped && S->r->measured < S->o->budget;
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

/* The best (at most 8) measured so far (ties: the earlier), for neighbours:
 * their number, or -1 when out of memory. */
static int best_measured(struct searcher *S, int64_t best[8])
{
	double (*ranked)[2] = try_calloc((size_t)S->r->measured + 1, sizeof *ranked);
	if (!ranked)
		return nomem(S, ((size_t)S->r->measured + 1) * sizeof *ranked, "ranking the measurements"), -1;
	int nr = 0;
	for (int k = 0; k < S->r->measured; k++)
		if (S->r->cycles[k])
			ranked[nr][0] = (double)S->r->cycles[k], ranked[nr][1] = k, nr++;
	qsort(ranked, (size_t)nr, sizeof *ranked, by_score);
	int nb = 0;
	for (; nb < 8 && nb < nr; nb++)
		best[nb] = S->r->order[(int)ranked[nb][1]];
	free(ranked);
	return nb;
}

/* One round: score a pool, measure the best BATCH unmeasured. */
static void round_(struct searcher *S)
{
	int64_t best[8];
	int nb = best_measured(S, best);
	double (*pool)[2] = nb < 0 ? NULL : try_calloc(POOL, sizeof *pool);
	if (!pool) {
		if (nb >= 0)
			nomem(S, POOL * sizeof *pool, "the pool of candidates");
		return;
	}
	int np = 0;
	for (int attempts = 0; np < POOL && attempts < 16 * POOL; attempts++) {
		int64_t i = nb && (next(S) & 1) ? neighbour(S, best[next(S) % (uint64_t)nb]) : (int64_t)(next(S) % (uint64_t)S->s->n);
		if (!S->seen[i])
			pool[np][0] = score(S, i), pool[np][1] = (double)i, np++;
	}
	qsort(pool, (size_t)np, sizeof *pool, by_score);
	int64_t batch[BATCH];
	int taken = 0;
	for (int k = 0; k < np && taken < BATCH; k++) { /* the best BATCH distinct entries not measured */
		int64_t i = (int64_t)pool[k][1];
		bool dup = S->seen[i];
		for (int j = 0; j < taken && !dup; j++)
			dup = batch[j] == i;
		if (!dup)
			batch[taken++] = i;
	}
	measure_all(S, batch, taken);
	free(pool);
	/* refit as the samples grow by a tenth (every round while they are few):
	 * fitting costs more than a measurement once there are thousands */
	if (!S->stopped && S->n >= S->fitted + 1 + S->fitted / 10)
		fit(S);
}

/* The earlier measurements of the op, taken as this search's first ones
 * (once each: records of two tunes may repeat a mapping); false when the
 * search stopped. */
static bool take_prior(struct searcher *S)
{
	for (int k = 0; k < S->o->nprior; k++) {
		int64_t i = tz_space_find(S->s, &S->o->prior[k].m);
		if (i < 0 || S->seen[i] || !S->o->prior[k].cycles)
			continue;
		S->seen[i] = 1;
		if (!account(S, i, S->o->prior[k].cycles))
			return false;
		S->r->prior++;
	}
	return true;
}

/* The searcher's and the result's memory, and the model trained on the
 * transfer samples; false when out of memory. */
static bool start(struct searcher *S, int budget)
{
	const struct tz_space *s = S->s;
	struct tz_search_result *r = S->r;
	size_t entries = (size_t)(budget > S->o->nprior ? budget : S->o->nprior) + 1;
	size_t lists = entries * (sizeof *r->order + sizeof *r->cycles);
	if (!(S->model = tz_model_new()) || !(S->seen = try_calloc((size_t)s->n, 1)))
		return nomem(S, (size_t)s->n, "the search's state");
	if (!(r->order = try_calloc(entries, sizeof *r->order)) || !(r->cycles = try_calloc(entries, sizeof *r->cycles)))
		return nomem(S, lists, "the search's measurements");
	for (int i = 0; i < S->o->ntransfer; i++)
		if (!add_sample(S, S->o->transfer[i].f, S->o->transfer[i].estimate, S->o->transfer[i].cycles))
			return false;
	return take_prior(S) && fit(S);
}

/* Measures the space (whole, or round by round); 0, or -1 with an error. */
static int run(struct searcher *S, int budget)
{
	const struct tz_space *s = S->s;
	const struct tz_search_opts *o = S->o;
	struct tz_search_result *r = S->r;
	if (s->n <= budget) {
		r->exhaustive = true;
		int64_t chunk[BATCH_MAX];
		for (int64_t i = 0; i < s->n && !S->stopped; i += BATCH_MAX) {
			int n = 0;
			for (int64_t j = i; j < s->n && n < BATCH_MAX; j++)
				chunk[n++] = j;
			measure_all(S, chunk, n);
		}
	} else {
		if (o->first) {
			int64_t f = tz_space_find(s, o->first);
			if (f >= 0)
				measure(S, f);
		}
		int stuck = 0;
		while (r->measured < budget && stuck < 8 && !S->stopped) {
			int before = r->measured;
			round_(S);
			stuck = r->measured == before ? stuck + 1 : 0;
		}
	}
	if (S->stopped)
		return -1;
	if (o->first) {
		int64_t f = tz_space_find(s, o->first);
		for (int k = 0; k < r->measured; k++)
			if (r->order[k] == f)
				r->first_cycles = r->cycles[k];
	}
	if (!r->best_cycles) {
		diag_add(S->err, NULL, 0, 0, "none of the %d mappings measured ran", r->measured);
		return -1;
	}
	return 0;
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
	struct searcher S = {s, fn, ctx, &opts, r, NULL, o->seed * 2654435761u + 0x9e3779b97f4a7c15ull,
			     NULL, NULL, NULL, 0, 0, err, 0, 0, false};
	int rc = start(&S, budget) ? run(&S, budget) : -1;
	tz_model_free(S.model);
	free(S.seen);
	free(S.x);
	free(S.y);
	return rc;
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

/* Ranks (average ranks for ties) of a series; -1 when out of memory. */
static int ranks(const double *v, int n, double *rank)
{
	double (*p)[2] = try_calloc((size_t)n, sizeof *p);
	if (!p)
		return -1;
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
	return 0;
}

double tz_rank_correlation(const double *a, const double *b, int n)
{
	if (n < 2)
		return 0;
	double *ra = try_calloc((size_t)n, sizeof *ra), *rb = try_calloc((size_t)n, sizeof *rb);
	if (!ra || !rb || ranks(a, n, ra) || ranks(b, n, rb)) {
		free(ra);
		free(rb);
		return NAN;
	}
	double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
	for (int i = 0; i < n; i++)
		ma += ra[i] / n, mb += rb[i] / n;
	for (int i = 0; i < n; i++)
		sab += (ra[i] - ma) * (rb[i] - mb), saa += (ra[i] - ma) * (ra[i] - ma), sbb += (rb[i] - mb) * (rb[i] - mb);
	free(ra);
	free(rb);
	return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0;
}
