/* tensorize/space: every mapping of an op that fits the machine.
 *
 * Derived, not written: for each of the op's best bindings, the block sizes
 * along m, n and k (powers of two and even splits), both block orders, one
 * or two buffers for A, B and the output block, and, with a shared level,
 * whether A and B are kept whole in it (the tile size of that level: the
 * whole operand, or one block staged at a time; an inner loop's operand
 * too large to keep whole, in the largest panels that fit); tz_mapping_check keeps
 * those whose blocks fit the scratchpads, whose kernels fit the micro-op
 * buffer and whose loops fit the ISA's fields. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "search.h"

/* 0, or -1 with an error when the space cannot grow. */
static int add(struct tz_space *s, const struct tz_mapping *m, int geo, struct diags *err)
{
	if (s->n == s->cap) {
		int64_t cap = s->cap ? 2 * s->cap : 1024;
		/* both grown before cap moves: a failure leaves cap right for both */
		if (try_resize(&s->m, (size_t)cap, sizeof *s->m) || try_resize(&s->geo_of, (size_t)cap, sizeof *s->geo_of))
			return diag_nomem(err, NULL, (size_t)cap * (sizeof *s->m + sizeof *s->geo_of), "the space of mappings");
		s->cap = cap;
	}
	s->m[s->n] = *m;
	s->geo_of[s->n++] = geo;
	return 0;
}

/* Mapping m with its inner operand's buffers holding a pass's blocks, and
 * the outer operand's and the output's one or two by bits 0 and 1 of
 * `rings`, when that pass is more than two blocks: false when it is not. */
static bool pass_ring(const struct tz_geometry *geo, int rings, struct tz_mapping *m)
{
	int64_t pass = tz_pass_ring(geo, m);
	if (pass <= 2 || pass > TZ_MAX_RING)
		return false;
	*(m->n_outer ? &m->ring_a : &m->ring_b) = (int)pass;
	*(m->n_outer ? &m->ring_b : &m->ring_a) = 1 + (rings & 1);
	m->ring_acc = 1 + ((rings >> 1) & 1);
	return true;
}

static int add_binding(struct tz_space *s, int gi, struct diags *err)
{
	const struct tz_geometry *geo = &s->geo[gi];
	int64_t cm[48], cn[48], ck[48];
	int nm = tz_block_candidates(geo->count[TZ_G_M], cm), nn = tz_block_candidates(geo->count[TZ_G_N], cn),
	    nk = tz_block_candidates(geo->count[TZ_G_K], ck);
	char why[256];
	int keeps = tz_shared_level(geo->hw) >= 0 ? 4 : 1; /* A and/or B kept in the shared level */
	for (int keep = 0; keep < keeps; keep++)
		for (int order = 0; order < 2; order++)
			for (int rings = 0; rings < 12; rings++) /* 8 to 11: the inner operand's pass of blocks stays */
				for (int i = 0; i < nm; i++)
					for (int j = 0; j < nn; j++)
						for (int k = 0; k < nk; k++) {
							struct tz_mapping m = {geo->b, cm[i], cn[j], ck[k], order == 1, 1 + (rings & 1),
									       1 + ((rings >> 1) & 1), 1 + ((rings >> 2) & 1), keep & 1,
									       (keep >> 1) & 1, false, 0, 0, 0};
							if (rings >= 8 && !pass_ring(geo, rings, &m))
								continue;
							/* an inner operand too large to keep whole, in panels */
							bool fit = !tz_mapping_check(geo, &m, why) || (rings < 8 && !tz_fit_panel(geo, &m));
							if (fit && add(s, &m, gi, err))
								return -1;
						}
	int64_t dm[TZ_DIRECT_CANDIDATES], drows[TZ_DIRECT_CANDIDATES], dshare[TZ_DIRECT_CANDIDATES], dn[TZ_DIRECT_CANDIDATES],
		dk[TZ_DIRECT_CANDIDATES];
	if (tz_direct_candidates(geo, dm, drows, dshare, &nm, dn, &nn, dk, &nk))
		return 0;
	for (int order = 0; order < 2; order++)
		for (int rings = 0; rings < 8; rings++)
			for (int i = 0; i < nm; i++)
				for (int j = 0; j < nn; j++)
					for (int k = 0; k < nk; k++) {
						struct tz_mapping m = {geo->b, dm[i], dn[j], dk[k], order == 1, 1 + (rings & 1),
								       1 + ((rings >> 1) & 1), 1 + ((rings >> 2) & 1), false, false, true,
								       drows[i], 0, dshare[i]};
						if (tz_direct_share_useful(geo, &m) && !tz_mapping_check(geo, &m, why) &&
						    add(s, &m, gi, err))
							return -1;
					}
	return 0;
}

int tz_space_candidates(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *match,
			int idx[TZ_SPACE_CANDIDATES])
{
	int n = 0;
	bool direct = false, has_intrinsic[HW_MAX_INTRINSICS] = {false};
	struct tz_geometry geo;
	for (int i = 0; i < match->nbindings; i++) {
		const struct tz_binding *b = &match->binding[i];
		bool top = i < TZ_SPACE_BINDINGS, first_of_intrinsic = !has_intrinsic[b->intrinsic];
		if (!top && !first_of_intrinsic && direct)
			continue;
		tz_geometry_init(&geo, hw, g, op, b);
		if (!top && !first_of_intrinsic && !geo.dir.ok)
			continue;
		idx[n++] = i;
		direct |= geo.dir.ok;
		has_intrinsic[b->intrinsic] = true;
	}
	return n;
}

/* The space's bindings and their mappings; -1 when it cannot grow. */
static int build(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *match,
		 struct tz_space *s, struct diags *err)
{
	int idx[TZ_SPACE_CANDIDATES], n = tz_space_candidates(hw, g, op, match, idx);
	for (int i = 0; i < n; i++) {
		tz_geometry_init(&s->geo[s->nbindings], hw, g, op, &match->binding[idx[i]]);
		if (add_binding(s, s->nbindings++, err))
			return -1;
	}
	return 0;
}

int tz_space_build(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *match,
		   struct tz_space *s, struct diags *err)
{
	memset(s, 0, sizeof *s);
	if (build(hw, g, op, match, s, err)) {
		tz_space_free(s);
		return -1;
	}
	return 0;
}

void tz_space_free(struct tz_space *s)
{
	free(s->m);
	free(s->geo_of);
	memset(s, 0, sizeof *s);
}

static bool same_binding(const struct tz_binding *a, const struct tz_binding *b)
{
	return a->intrinsic == b->intrinsic && a->input_a == b->input_a && a->diagonal == b->diagonal &&
	       !memcmp(a->dim_of, b->dim_of, sizeof a->dim_of);
}

int64_t tz_space_find(const struct tz_space *s, const struct tz_mapping *m)
{
	for (int64_t i = 0; i < s->n; i++) {
		const struct tz_mapping *x = &s->m[i];
		if (x->bm == m->bm && x->bn == m->bn && x->bk == m->bk && x->n_outer == m->n_outer && x->ring_a == m->ring_a &&
		    x->ring_b == m->ring_b && x->ring_acc == m->ring_acc && x->keep_a == m->keep_a && x->keep_b == m->keep_b && x->direct == m->direct &&
		    x->box_rows == m->box_rows && x->panel == m->panel && (x->share > 1 ? x->share : 1) == (m->share > 1 ? m->share : 1) &&
		    same_binding(&x->b, &m->b))
			return i;
	}
	return -1;
}
