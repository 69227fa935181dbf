/* compiler/compile: planning and lowering a whole workload. */
#include <stdio.h>
#include <string.h>

#include "compile.h"

/* Joins the rejections into one readable reason. */
static void why_host(const struct hw *hw, const struct tz_match *m, char *why, size_t n)
{
	size_t k = 0;
	why[0] = 0;
	for (int i = 0; i < m->nrejects && k + 1 < n; i++) {
		const struct tz_reject *r = &m->reject[i];
		int w = snprintf(why + k, n - k, "%s%s%s%s", i ? "; " : "", r->intrinsic >= 0 ? hw->intrinsic[r->intrinsic].name : "",
				 r->intrinsic >= 0 ? " " : "", r->why);
		k += w > 0 ? (size_t)w : 0;
	}
	if (!m->nrejects)
		snprintf(why, n, "no binding of the op's iterators fits an intrinsic");
}

void cc_plan_ops(const struct hw *hw, const struct ir_graph *g, struct cc_plan *plans)
{
	for (int op = 0; op < g->nops; op++) {
		struct cc_plan *p = &plans[op];
		memset(p, 0, sizeof *p);
		struct tz_pool pool;
		char pwhy[256];
		if (!tz_pool_match(hw, g, op, &pool, pwhy)) {
			p->alu_pool = true;
			continue;
		}
		struct tz_match m;
		tz_match_op(hw, g, op, &m);
		p->nbindings = m.nbindings;
		p->on_host = true;
		char why[256] = "";
		/* the best binding that has a mapping that fits */
		for (int i = 0; i < m.nbindings && p->on_host; i++) {
			struct tz_geometry geo;
			tz_geometry_init(&geo, hw, g, op, &m.binding[i]);
			if (!tz_default_mapping(&geo, &p->map, why))
				p->on_host = false;
		}
		if (p->on_host && m.nbindings)
			snprintf(p->why, sizeof p->why, "no binding has a mapping that fits: %s", why);
		else if (p->on_host)
			why_host(hw, &m, p->why, sizeof p->why);
		if (p->on_host && g->op[op].reduce == IR_REDUCE_MAX && g->op[op].nin == 1) /* why the ALU cannot either */
			snprintf(p->why, sizeof p->why, "the vector ALU cannot run it: %s", pwhy);
		tz_match_free(&m);
	}
}

int cc_build(const struct ir_graph *g, const struct cc_plan *plans, const int *ops, int nops,
	     const uint8_t *const *data, struct lw_builder *b, struct diags *err)
{
	for (int i = 0; i < nops; i++)
		if (plans[ops[i]].alu_pool ? lw_lower_pool(b, g, ops[i], data, err)
					   : lw_lower_op(b, g, ops[i], &plans[ops[i]].map, data, err))
			return -1;
	return lw_builder_finish(b, g, err);
}

double cc_roofline_cycles(const struct hw *hw, const struct ir_graph *g, int op)
{
	const struct ir_op *o = &g->op[op];
	double bytes = (double)(ir_tensor_elems(&g->tensor[o->out.tensor]) * dtype_bytes(g->tensor[o->out.tensor].dtype));
	for (int i = 0; i < o->nin; i++)
		bytes += (double)(ir_tensor_elems(&g->tensor[o->in[i].tensor]) * dtype_bytes(g->tensor[o->in[i].tensor].dtype));
	for (int e = 0; e < o->nepilogues; e++)
		if (o->epilogue[e].kind == IR_EP_BIAS)
			bytes += (double)(ir_tensor_elems(&g->tensor[o->epilogue[e].tensor]) *
					  dtype_bytes(g->tensor[o->epilogue[e].tensor].dtype));
	double compute = (double)ir_op_macs(o) / hw_peak_macs_per_cycle(hw), memory = bytes / hw->dram.bandwidth;
	return compute > memory ? compute : memory;
}
