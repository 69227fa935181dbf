/* compiler/rewrite: graph rewrites that depend on the machine, before
 * planning, each kept only where the rewritten op costs less (cc_plan_cost)
 * than the op as it is:
 * - a strided window whose channels fill little of the machine's elements
 *   is split into phases (ir/phase.c);
 * - on a machine whose elements hold several rows, a window's output is
 *   cut into bands (ir/band.c), one per row, so that the window slides by
 *   whole elements and the op runs in the direct form. */
#include <math.h>
#include <string.h>

#include "compile.h"
#include "base/alloc.h"

bool cc_layout_op(const struct ir_op *o)
{
	return !strcmp(o->kind, "phases") || !strcmp(o->kind, "bands");
}

/* A rewrite of g as `how` says: the rewritten op's new index, or -1. */
typedef int (*rewrite_fn)(struct ir_graph *g, const void *how, struct diags *err);

/* The cost of the op `apply` rewrites in a copy of g, planned on its own:
 * INFINITY when it cannot be rewritten, or needs `direct` and has no
 * direct form. */
static int rewritten_cost(const struct hw *hw, const struct ir_graph *g, rewrite_fn apply, const void *how,
			  bool direct, double *cost, struct diags *err)
{
	struct ir_graph copy;
	if (ir_graph_copy(&copy, g))
		return diag_nomem(err, NULL, (size_t)g->ntensors * sizeof *g->tensor, "a copy of the graph");
	struct diags quiet = {0};
	struct cc_plan plan;
	int rc = 0, at = apply(&copy, how, &quiet);
	*cost = INFINITY;
	if (at < 0 && diag_nomem_since(&quiet, 0)) { /* out of memory, not a rewrite that cannot be */
		diag_append(err, &quiet);
		rc = -1;
	}
	if (at >= 0 && !(rc = cc_plan_op(hw, &copy, at, &plan, err)) &&
	    (!direct || plan.map.direct || (plan.kind == CC_POOL && plan.pool.box.ok)))
		*cost = cc_plan_cost(hw, &copy, at, &plan);
	diag_free(&quiet);
	ir_graph_free(&copy);
	return rc;
}

/* Where op `op` of g can be cut into bands of `rows` (0: the machine's
 * elements are one row): without a window or a stride, rows of
 * consecutive points are whole elements already. */
static bool find_bands(const struct ir_graph *g, int op, int rows, struct ir_band_split *bs)
{
	return rows >= 2 && ir_band_split_find(g, op, rows, bs) && (bs->span > 0 || bs->stride > 1);
}

/* The rewrites tried on an op, each with the rewritten op's index. */
struct how {
	struct ir_phase_split ps;
	struct ir_band_split bs;
	int rows;
};

static int apply_phases(struct ir_graph *g, const void *how, struct diags *err)
{
	const struct how *h = how;
	return ir_phase_split_apply(g, &h->ps, "~phases", "~weights", err) < 0 ? -1 : h->ps.op + 1;
}

static int band(struct ir_graph *g, const struct ir_band_split *bs, struct diags *err)
{
	return ir_band_split_apply(g, bs, "~bands", "~banded", "~wide", err) < 0 ? -1 : bs->op + 1;
}

static int apply_bands(struct ir_graph *g, const void *how, struct diags *err)
{
	return band(g, &((const struct how *)how)->bs, err);
}

/* Phases, then bands of the split op (a stem: its few channels folded
 * with their phases, its rows cut into bands). */
static int apply_both(struct ir_graph *g, const void *how, struct diags *err)
{
	const struct how *h = how;
	struct ir_band_split bs;
	int at = apply_phases(g, how, err);
	return at < 0 || !find_bands(g, at, h->rows, &bs) ? -1 : band(g, &bs, err);
}

/* The rows of the machine's tiles of A, when they are whole elements of
 * its scratchpad (an intrinsic's), or 0. */
static int element_rows(const struct hw *hw)
{
	for (int i = 0; i < hw->nintrinsics; i++) {
		const struct hw_intrinsic *in = &hw->intrinsic[i];
		int rows = tz_operand_rows(in, &in->a);
		if (rows >= 0 && in->a.elems_per_tile == 1)
			return (int)in->dim_size[rows];
	}
	return 0;
}

enum { AS_IS, PHASES, BANDS, BOTH, NCHOICES };

/* Of op `op` as it is and the rewrites it has (bands only in the direct
 * form), the one that costs least. */
static int cheapest(const struct hw *hw, const struct ir_graph *g, int op, const struct how *h, bool phases,
		    bool bands, int *choice, struct diags *err)
{
	static const rewrite_fn apply[NCHOICES] = {NULL, apply_phases, apply_bands, apply_both};
	const bool tried[NCHOICES] = {true, phases, bands, phases && h->rows >= 2};
	double cost[NCHOICES];
	struct cc_plan plan;
	if (cc_plan_op(hw, g, op, &plan, err))
		return -1;
	cost[AS_IS] = cc_plan_cost(hw, g, op, &plan);
	*choice = AS_IS;
	for (int c = PHASES; c < NCHOICES; c++) {
		cost[c] = INFINITY;
		if (tried[c] && rewritten_cost(hw, g, apply[c], h, c != PHASES, &cost[c], err))
			return -1;
		if (cost[c] < cost[*choice])
			*choice = c;
	}
	return 0;
}

int cc_rewrite(const struct hw *hw, struct wl_workload *w, struct diags *err)
{
	struct how h = {.rows = element_rows(hw)};
	for (int op = 0; op < w->g.nops; op++) {
		bool phases = ir_phase_split_find(&w->g, op, &h.ps), bands = find_bands(&w->g, op, h.rows, &h.bs);
		int choice, rc = 1;
		if (!phases && !bands)
			continue;
		if (cheapest(hw, &w->g, op, &h, phases, bands, &choice, err))
			return -1;
		if (choice == PHASES || choice == BOTH) {
			if ((rc = wl_phase_split(w, &h.ps, err)) < 0)
				return -1;
			op += rc == 0; /* past the layout op to the split op, which has no stride left */
		}
		if ((choice == BANDS || (choice == BOTH && rc == 0)) && find_bands(&w->g, op, h.rows, &h.bs)) {
			if ((rc = wl_band_split(w, &h.bs, err)) < 0)
				return -1;
			if (rc == 0) /* past the ops the split made */
				op = h.bs.op + 2 + (h.bs.q * h.bs.rows > h.bs.extent);
		}
	}
	return 0;
}
