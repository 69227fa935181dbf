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
	if (at >= 0 && !(rc = cc_plan_op(hw, &copy, at, &plan, err)) && (!direct || plan.map.direct))
		*cost = cc_plan_cost(hw, &copy, at, &plan);
	diag_free(&quiet);
	ir_graph_free(&copy);
	return rc;
}

static int apply_phases(struct ir_graph *g, const void *how, struct diags *err)
{
	const struct ir_phase_split *ps = how;
	return ir_phase_split_apply(g, ps, "~phases", "~weights", err) < 0 ? -1 : ps->op + 1;
}

static int apply_bands(struct ir_graph *g, const void *how, struct diags *err)
{
	const struct ir_band_split *bs = how;
	return ir_band_split_apply(g, bs, "~bands", "~banded", "~wide", err) < 0 ? -1 : bs->op + 1;
}

/* Whether op `op` costs less rewritten. */
static int pays(const struct hw *hw, const struct ir_graph *g, int op, rewrite_fn apply, const void *how, bool direct,
		bool *yes, struct diags *err)
{
	struct cc_plan plan;
	double before, after = INFINITY;
	if (cc_plan_op(hw, g, op, &plan, err) || rewritten_cost(hw, g, apply, how, direct, &after, err))
		return -1;
	before = cc_plan_cost(hw, g, op, &plan);
	*yes = after < before;
	return 0;
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

int cc_rewrite(const struct hw *hw, struct wl_workload *w, struct diags *err)
{
	int rows = element_rows(hw);
	for (int op = 0; op < w->g.nops; op++) {
		struct ir_phase_split ps;
		struct ir_band_split bs;
		bool yes;
		if (ir_phase_split_find(&w->g, op, &ps)) {
			if (pays(hw, &w->g, op, apply_phases, &ps, false, &yes, err))
				return -1;
			int rc = yes ? wl_phase_split(w, &ps, err) : 1;
			if (rc < 0)
				return -1;
			op += rc == 0; /* past the layout op to the split op, which has no stride left */
		}
		/* (without a window or a stride, rows of consecutive points are whole elements already) */
		if (rows < 2 || !ir_band_split_find(&w->g, op, rows, &bs) || (bs.span == 0 && bs.stride == 1))
			continue;
		if (pays(hw, &w->g, op, apply_bands, &bs, true, &yes, err))
			return -1;
		int rc = yes ? wl_band_split(w, &bs, err) : 1;
		if (rc < 0)
			return -1;
		if (rc == 0) /* past the ops the split made */
			op = bs.op + 2 + (bs.q * bs.rows > bs.extent);
	}
	return 0;
}
