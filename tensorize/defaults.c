/* tensorize/defaults: a good mapping found without measuring — the block
 * sizes, orders and buffers worth trying (both forms), and of those that
 * fit, the one of the least analytical cost (docs/tuning.md, "Cost
 * models"). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "isa/isa.h"
#include "tensorize.h"

int tz_block_candidates(int64_t n, int64_t *out)
{
	int k = 0;
	for (int64_t p = 1; p < n && k < 24; p *= 2)
		out[k++] = p;
	for (int64_t d = 1; d <= 8 && k < 40; d++) {
		int64_t v = tz_blocks(n, d);
		bool dup = false;
		for (int i = 0; i < k; i++)
			dup |= out[i] == v;
		if (!dup)
			out[k++] = v;
	}
	return k;
}

/* Buffers for A, B and the output block the default mappings try: the GEMM
 * form's first six, and for the direct form the first four and one operand
 * double-buffered while the other stays (a B that fits whole once, its A
 * blocks streaming).  PASS: the GEMM form's inner block loop's operand
 * holding a pass's blocks (tz_pass_ring), the other double-buffered. */
enum { PASS = -1 };
static const int rings[][3] = {{2, 2, 2}, {2, 2, 1}, {1, 1, 2}, {1, 1, 1}, {PASS, PASS, 2}, {PASS, PASS, 1},
			       {2, 1, 2}, {2, 1, 1}, {1, 2, 2}, {1, 2, 1}};
enum { GEMM_RINGS = 6, DIRECT_RINGS = 10 };

/* The mappings a default chooses among: keep x buffers x order x bm x bn
 * x bk (in the direct form, bm with its rows rows[i] and the blocks
 * share[i] sharing a box). */
struct candidates {
	const int64_t *bm, *rows, *share, *bn, *bk;
	int nm, nn, nk, keeps, nrings;
	bool direct;
};

static int candidate_count(const struct candidates *cs)
{
	return cs->keeps * cs->nrings * 2 * cs->nm * cs->nn * cs->nk;
}

static struct tz_mapping candidate(const struct tz_geometry *geo, const struct candidates *cs, int c)
{
	int k = c % cs->nk, j = c / cs->nk % cs->nn, i = c / cs->nk / cs->nn % cs->nm, order = c / cs->nk / cs->nn / cs->nm % 2,
	    r = c / cs->nk / cs->nn / cs->nm / 2 % cs->nrings, keep = c / cs->nk / cs->nn / cs->nm / 2 / cs->nrings;
	struct tz_mapping m = {geo->b,       cs->bm[i],   cs->bn[j],   cs->bk[k],
			       order == 1,   rings[r][0], rings[r][1], rings[r][2],
			       keep & 1,     (keep >> 1) & 1, cs->direct, cs->rows ? cs->rows[i] : 0, 0,
			       cs->share ? cs->share[i] : 0};
	if (m.ring_a == PASS) { /* 0 (no mapping) where two buffers hold the pass already, or too few do */
		int64_t pass = tz_pass_ring(geo, &m);
		int inner = !cs->direct && tz_pass_ring_useful(geo, &m) ? (int)pass : 0;
		m.ring_a = m.n_outer ? inner : 2;
		m.ring_b = m.n_outer ? 2 : inner;
	}
	return m;
}

/* Candidate c, if it fits (keeping its inner operand in panels where whole
 * does not): 0, else -1 with why. */
static int fitting_candidate(const struct tz_geometry *geo, const struct candidates *cs, int c, struct tz_mapping *m,
			     char why[256])
{
	*m = candidate(geo, cs, c);
	if (!tz_direct_share_useful(geo, m)) {
		snprintf(why, 256, "the accumulator holds the points of the blocks sharing a box as one block");
		return -1;
	}
	return tz_mapping_check(geo, m, why) && tz_fit_panel(geo, m) ? -1 : 0;
}

/* Of the candidates estimated within `limit` cycles, the one that reads
 * the least from DRAM (then the fastest). */
static void least_traffic(const struct tz_geometry *geo, const struct candidates *cs, double limit,
			  struct tz_mapping *best)
{
	double best_read = tz_estimate_dram_read(geo, best), best_cost = tz_estimate_cycles(geo, best);
	char why[256];
	for (int c = 0; c < candidate_count(cs); c++) {
		struct tz_mapping m;
		if (fitting_candidate(geo, cs, c, &m, why))
			continue;
		double cost = tz_estimate_cycles(geo, &m), read = tz_estimate_dram_read(geo, &m);
		if (cost > limit)
			continue;
		if (read < best_read * (1 - 1e-9) || (read < best_read * (1 + 1e-9) && cost < best_cost * (1 - 1e-9)))
			best_read = read, best_cost = cost, *best = m;
	}
}

/* The candidate of the least cost (tz_estimate_cost: DRAM reads weigh as
 * they do between forms, so that a mapping 7% slower that reads a third
 * of the bytes is taken within a form as it would be across); then, of
 * those as fast within 2% in the direct form and 1% in the GEMM form, the
 * one reading the least from DRAM (DRAM traffic is energy, and bandwidth
 * that the other ops of a program share).  The GEMM form's margin is narrower: its estimate of
 * DRAM bytes ranks mappings less well (at 2% it cut the bytes of some ops
 * of the examples, raised them on others, and slowed most of those it
 * changed); at 1% it breaks near-ties, e.g. edge-tiny's ResNet-18 C4, whose
 * estimates of a mapping reading 1.0x and one reading 3.6x its compulsory
 * bytes differed by 0.3%. */
static int least_estimate(const struct tz_geometry *geo, const struct candidates *cs, struct tz_mapping *best,
			  char why[256])
{
	double best_cost = INFINITY;
	char last[256] = "";
	for (int c = 0; c < candidate_count(cs); c++) {
		struct tz_mapping m;
		if (fitting_candidate(geo, cs, c, &m, last))
			continue;
		double cost = tz_estimate_cost(geo, &m);
		if (cost < best_cost * (1 - 1e-9)) {
			best_cost = cost;
			*best = m;
		}
	}
	if (best_cost == INFINITY) {
		struct tz_mapping one = {geo->b, 1, 1, 1, false, 1, 1, 1, false, false, cs->direct, 0, 0, 0};
		tz_mapping_check(geo, &one, last);
		snprintf(why, 256, "no blocking fits, not even one tile per block: %.200s", last);
		return -1;
	}
	least_traffic(geo, cs, tz_estimate_cycles(geo, best) * (cs->direct ? 1.02 : 1.01), best);
	return 0;
}

int tz_default_mapping(const struct tz_geometry *geo, struct tz_mapping *best, char why[256])
{
	int64_t cm[48], cn[48], ck[48];
	struct candidates cs = {cm, NULL, NULL, cn, ck, tz_block_candidates(geo->count[TZ_G_M], cm),
				tz_block_candidates(geo->count[TZ_G_N], cn), tz_block_candidates(geo->count[TZ_G_K], ck),
				tz_shared_level(geo->hw) >= 0 ? 4 : 1, GEMM_RINGS, false};
	return least_estimate(geo, &cs, best, why);
}

int tz_default_direct(const struct tz_geometry *geo, struct tz_mapping *best, char why[256])
{
	int64_t cm[TZ_DIRECT_CANDIDATES], crows[TZ_DIRECT_CANDIDATES], cshare[TZ_DIRECT_CANDIDATES],
		cn[TZ_DIRECT_CANDIDATES], ck[TZ_DIRECT_CANDIDATES];
	struct candidates cs = {cm, crows, cshare, cn, ck, 0, 0, 0, 1, DIRECT_RINGS, true};
	if (tz_direct_candidates(geo, cm, crows, cshare, &cs.nm, cn, &cs.nn, ck, &cs.nk)) {
		snprintf(why, 256, "no direct form: %.200s", geo->dir.why);
		return -1;
	}
	return least_estimate(geo, &cs, best, why);
}

int tz_direct_reading_at_most(const struct tz_geometry *geo, double bytes, struct tz_mapping *m)
{
	int64_t cm[TZ_DIRECT_CANDIDATES], crows[TZ_DIRECT_CANDIDATES], cshare[TZ_DIRECT_CANDIDATES],
		cn[TZ_DIRECT_CANDIDATES], ck[TZ_DIRECT_CANDIDATES];
	struct candidates cs = {cm, crows, cshare, cn, ck, 0, 0, 0, 1, DIRECT_RINGS, true};
	if (tz_direct_candidates(geo, cm, crows, cshare, &cs.nm, cn, &cs.nn, ck, &cs.nk))
		return -1;
	double best_cost = INFINITY;
	char why[256];
	for (int c = 0; c < candidate_count(&cs); c++) {
		struct tz_mapping k = candidate(geo, &cs, c);
		if (!tz_direct_share_useful(geo, &k) || tz_mapping_check(geo, &k, why) ||
		    tz_estimate_dram_read(geo, &k) > bytes * (1 + 1e-9))
			continue;
		double cost = tz_estimate_cycles(geo, &k);
		if (cost < best_cost * (1 - 1e-9))
			best_cost = cost, *m = k;
	}
	return best_cost == INFINITY ? -1 : 0;
}
