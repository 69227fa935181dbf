/* A workload's op phase-split (ir/phase.c): the graph rewritten, the new
 * weight's values made from the old one's (a constant, so once, here), and
 * the per-tensor and per-op records kept in step with the graph. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload_int.h"
#include "base/alloc.h"

int wl_grow_records(struct wl_workload *w, int ntensors, int nops)
{
	int old = w->g.ntensors;
	if (try_resize(&w->init, (size_t)ntensors, sizeof *w->init) ||
	    try_resize(&w->data, (size_t)ntensors, sizeof *w->data) ||
	    try_resize(&w->tensor_at, (size_t)ntensors, sizeof *w->tensor_at) ||
	    try_resize(&w->op_at, (size_t)nops, sizeof *w->op_at))
		return -1;
	for (int i = old; i < ntensors; i++) {
		w->init[i] = (struct wl_init){.kind = WL_INIT_NONE};
		w->data[i] = NULL;
	}
	return 0;
}

/* The split weight's bytes from the weight's. */
static uint8_t *split_weight(const struct wl_workload *w, const struct ir_phase_split *ps, int b, int b2)
{
	const struct ir_tensor *tb = &w->g.tensor[b], *tb2 = &w->g.tensor[b2];
	size_t esz = dtype_bytes(tb->dtype);
	uint8_t *src = try_malloc(wl_tensor_bytes(w, b)), *dst = try_calloc(wl_tensor_bytes(w, b2), 1);
	if (!src || !dst || !wl_tensor_fill(w, b, src)) {
		free(src);
		free(dst);
		return NULL;
	}
	int64_t n = ir_tensor_elems(tb2);
	for (int64_t i = 0; i < n; i++) {
		int64_t s = ir_phase_split_source(ps, tb, tb2, i);
		if (s >= 0)
			memcpy(dst + (size_t)i * esz, src + (size_t)s * esz, esz);
	}
	free(src);
	return dst;
}

int wl_phase_split(struct wl_workload *w, const struct ir_phase_split *ps, struct diags *err)
{
	struct ir_graph *g = &w->g;
	const struct ir_op *o = &g->op[ps->op];
	int b = o->in[ps->b].tensor;
	char a_name[IR_NAME_MAX], b_name[IR_NAME_MAX];
	snprintf(a_name, sizeof a_name, "%.40s.phases", o->name);
	snprintf(b_name, sizeof b_name, "%.40s.weights", o->name);
	if (ir_tensor_lookup(g, a_name) >= 0 || ir_tensor_lookup(g, b_name) >= 0)
		return 1;
	for (int i = 0; i < g->nops; i++)
		if (!strcmp(g->op[i].name, a_name))
			return 1;
	struct wl_loc at = w->op_at[ps->op];
	if (wl_grow_records(w, g->ntensors + 2, g->nops + 1))
		return diag_nomem(err, NULL, (size_t)(g->ntensors + 2) * sizeof *w->data, "the tensors of workload '%s'", w->name);
	int nt = g->ntensors;
	if (ir_phase_split_apply(g, ps, a_name, b_name, err) < 0)
		return -1;
	memmove(&w->op_at[ps->op + 1], &w->op_at[ps->op], (size_t)(g->nops - 1 - ps->op) * sizeof *w->op_at);
	w->op_at[ps->op] = at;
	for (int t = nt; t < g->ntensors; t++)
		w->tensor_at[t] = at;
	int b2 = ir_tensor_lookup(g, b_name);
	if (!(w->data[b2] = split_weight(w, ps, b, b2)))
		return diag_nomem(err, NULL, wl_tensor_bytes(w, b2), "the weights '%s'", b_name);
	w->init[b2].kind = WL_INIT_FILE;
	return 0;
}
