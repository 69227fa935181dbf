/* compiler/rewrite: graph rewrites that depend on the machine, before
 * planning.  Today one: a strided window whose channels fill little of the
 * machine's elements is split into phases (ir/phase.c) where the split op
 * costs less (cc_plan_cost) than the op as it is. */
#include <math.h>

#include "compile.h"
#include "base/alloc.h"

/* Whether op ps->op of w costs less split: both planned, on a copy. */
static int split_pays(const struct hw *hw, const struct ir_graph *g, const struct ir_phase_split *ps, bool *pays,
		      struct diags *err)
{
	struct cc_plan plan;
	if (cc_plan_op(hw, g, ps->op, &plan, err))
		return -1;
	double cost = cc_plan_cost(hw, g, ps->op, &plan);
	struct ir_graph copy;
	if (ir_graph_copy(&copy, g))
		return diag_nomem(err, NULL, (size_t)g->ntensors * sizeof *g->tensor, "a copy of the graph");
	struct diags quiet = {0};
	int rc = 0;
	*pays = false;
	if (ir_phase_split_apply(&copy, ps, "~phases", "~weights", &quiet) >= 0) {
		rc = cc_plan_op(hw, &copy, ps->op + 1, &plan, err);
		*pays = !rc && cc_plan_cost(hw, &copy, ps->op + 1, &plan) < cost;
	}
	diag_free(&quiet);
	ir_graph_free(&copy);
	return rc;
}

int cc_rewrite(const struct hw *hw, struct wl_workload *w, struct diags *err)
{
	for (int op = 0; op < w->g.nops; op++) {
		struct ir_phase_split ps;
		bool pays;
		if (!ir_phase_split_find(&w->g, op, &ps))
			continue;
		if (split_pays(hw, &w->g, &ps, &pays, err))
			return -1;
		int rc = pays ? wl_phase_split(w, &ps, err) : 1;
		if (rc < 0)
			return -1;
		op += rc == 0; /* past the layout op to the split op, which has no stride left */
	}
	return 0;
}
