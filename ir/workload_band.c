/* A workload's op band-split (ir/band.c): the graph rewritten and the
 * per-tensor and per-op records kept in step with it.  The new tensors are
 * all computed by the new ops, so no data is made here. */
#include <stdio.h>
#include <string.h>

#include "workload_int.h"
#include "base/alloc.h"

static bool taken(const struct ir_graph *g, const char *name)
{
	if (ir_tensor_lookup(g, name) >= 0)
		return true;
	for (int i = 0; i < g->nops; i++)
		if (!strcmp(g->op[i].name, name))
			return true;
	return false;
}

int wl_band_split(struct wl_workload *w, const struct ir_band_split *bs, struct diags *err)
{
	struct ir_graph *g = &w->g;
	const struct ir_op *o = &g->op[bs->op];
	bool wide = bs->q * bs->rows > bs->extent;
	char a_name[IR_NAME_MAX], out_name[IR_NAME_MAX], wide_name[IR_NAME_MAX], unbands[IR_NAME_MAX];
	snprintf(a_name, sizeof a_name, "%.40s.bands", o->name);
	snprintf(out_name, sizeof out_name, "%.40s.banded", o->name);
	snprintf(wide_name, sizeof wide_name, "%.40s.wide", o->name);
	snprintf(unbands, sizeof unbands, "%.55s.unbands", g->tensor[o->out.tensor].name); /* ir_band_split_apply's */
	if (taken(g, a_name) || taken(g, out_name) || taken(g, unbands) || (wide && taken(g, wide_name)))
		return 1;
	int made = 2 + wide, old_nops = g->nops, nt = g->ntensors;
	struct wl_loc at = w->op_at[bs->op];
	if (wl_grow_records(w, g->ntensors + made, g->nops + made))
		return diag_nomem(err, NULL, (size_t)(g->ntensors + made) * sizeof *w->data, "the tensors of workload '%s'",
				  w->name);
	if (ir_band_split_apply(g, bs, a_name, out_name, wide_name, err) < 0)
		return -1;
	/* the layout op before the op, its copies back after it: all declared where the op was */
	memmove(&w->op_at[bs->op + made + 1], &w->op_at[bs->op + 1], (size_t)(old_nops - 1 - bs->op) * sizeof *w->op_at);
	for (int i = bs->op; i <= bs->op + made; i++)
		w->op_at[i] = at;
	for (int t = nt; t < g->ntensors; t++)
		w->tensor_at[t] = at;
	return 0;
}
