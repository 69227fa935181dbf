/* tensorize/pool: max pooling on the vector ALU.
 *
 * An op `out[...] max= in[...]` (no multiply, so no intrinsic) runs on the
 * ALU over accumulator elements: the values of one element are lanes along
 * an output iterator (the one indexing the output's innermost dimension, a
 * channel), the other spatial iterators are output pixels, the reduction
 * iterators the window.  The host packs, for each lane tile, pixel and
 * window position, one accumulator element (the input widened to the
 * accumulator's type, the lowest value outside the input as docs/ir.md
 * says for max=); the ALU moves the first window position into the output
 * and takes the max with the others; the output buffer narrows it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/value.h"
#include "tensorize.h"

static bool uses(const struct ir_access *a, int it)
{
	for (int d = 0; d < IR_MAX_RANK; d++)
		if (a->index[d].coef[it])
			return true;
	return false;
}

int tz_pool_match(const struct hw *hw, const struct ir_graph *g, int op, struct tz_pool *p, char why[256])
{
	const struct ir_op *o = &g->op[op];
	memset(p, 0, sizeof *p);
	why[0] = 0;
	if (o->nin != 1 || o->combine != IR_COMBINE_COPY || o->reduce != IR_REDUCE_MAX) {
		snprintf(why, 256, "not a max reduction of one input");
		return -1;
	}
	const struct hw_level *acc = &hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]];
	const struct hw_level *ob = &hw->level[hw->role_level[HW_ROLE_OUTPUT]];
	enum dtype in = g->tensor[o->in[0].tensor].dtype, out = g->tensor[o->out.tensor].dtype;
	if (o->nepilogues)
		snprintf(why, 256, "max pooling on the ALU takes no epilogues");
	else if (!(hw->alu.ops & (1u << HW_ALU_MAX)) || !(hw->alu.ops & (1u << HW_ALU_MOV)))
		snprintf(why, 256, "max pooling needs the ALU ops 'max' and 'mov'");
	else if (dtype_float(in) != dtype_float(acc->dtype) || dtype_bytes(in) > dtype_bytes(acc->dtype))
		snprintf(why, 256, "'%s' is %s but accumulator '%s' holds %s: expected the same kind of number, no wider",
			 g->tensor[o->in[0].tensor].name, dtype_name(in), acc->name, dtype_name(acc->dtype));
	else if (out != ob->dtype && !(!dtype_float(out) && dtype_bytes(out) <= dtype_bytes(ob->dtype)))
		snprintf(why, 256, "the output is %s but output buffer '%s' holds %s", dtype_name(out), ob->name,
			 dtype_name(ob->dtype));
	if (*why)
		return -1;
	/* lanes: the spatial iterator indexing the output's innermost dimension alone */
	const struct ir_tensor *t = &g->tensor[o->out.tensor];
	const struct ir_affine *last = &o->out.index[t->rank - 1];
	p->lane_iter = -1;
	for (int it = 0; it < o->niters; it++)
		if (!o->iter[it].reduction && last->coef[it] == 1 && uses(&o->in[0], it))
			p->lane_iter = it;
	if (p->lane_iter < 0) {
		snprintf(why, 256, "no iterator indexes the output's innermost dimension and the input together");
		return -1;
	}
	p->lanes = acc->elem_bytes / dtype_bytes(acc->dtype);
	p->tiles = (o->iter[p->lane_iter].extent + p->lanes - 1) / p->lanes;
	p->pixels = p->window = 1;
	for (int it = 0; it < o->niters; it++)
		if (it != p->lane_iter)
			*(o->iter[it].reduction ? &p->window : &p->pixels) *= o->iter[it].extent;
	return 0;
}

/* Sets the iterators for pixel px, window position w and lane value c. */
static void point(const struct ir_op *o, const struct tz_pool *p, int64_t px, int64_t w, int64_t c, int64_t *it)
{
	for (int i = o->niters - 1; i >= 0; i--) {
		if (i == p->lane_iter)
			it[i] = c;
		else if (o->iter[i].reduction)
			it[i] = w % o->iter[i].extent, w /= o->iter[i].extent;
		else
			it[i] = px % o->iter[i].extent, px /= o->iter[i].extent;
	}
}

static int64_t offset(const struct ir_graph *g, const struct ir_op *o, const struct ir_access *a, const int64_t *it)
{
	const struct ir_tensor *t = &g->tensor[a->tensor];
	int64_t off = 0;
	for (int d = 0; d < t->rank; d++) {
		int64_t x = a->index[d].offset;
		for (int i = 0; i < o->niters; i++)
			x += a->index[d].coef[i] * it[i];
		if (x < 0 || x >= t->shape[d])
			return -1;
		off = off * t->shape[d] + x;
	}
	return off;
}

uint64_t tz_pool_packed_bytes(const struct hw *hw, const struct tz_pool *p)
{
	return (uint64_t)(p->tiles * p->pixels * p->window) * hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].elem_bytes;
}

void tz_pool_pack(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_pool *p,
		  const uint8_t *const *data, uint8_t *out)
{
	const struct ir_op *o = &g->op[op];
	enum dtype at = hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].dtype, in = g->tensor[o->in[0].tensor].dtype;
	bool flt = dtype_float(at);
	double lowest = flt ? -INFINITY : (double)INT32_MIN;
	uint64_t k = 0;
	int64_t it[IR_MAX_ITERS] = {0};
	for (int64_t ct = 0; ct < p->tiles; ct++)
		for (int64_t px = 0; px < p->pixels; px++)
			for (int64_t w = 0; w < p->window; w++)
				for (int64_t v = 0; v < p->lanes; v++, k++) {
					int64_t c = ct * p->lanes + v, e = -1;
					if (c < o->iter[p->lane_iter].extent) {
						point(o, p, px, w, c, it);
						e = offset(g, o, &o->in[0], it);
					}
					double x = e < 0 ? lowest : val_get_float(data[o->in[0].tensor], in, (uint64_t)e);
					if (flt)
						val_put_float(out, at, k, x);
					else
						val_put_int(out, at, k, e < 0 ? INT32_MIN : val_get_int(data[o->in[0].tensor], in, (uint64_t)e));
				}
}

void tz_pool_unpack(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_pool *p,
		    const uint8_t *packed, uint8_t *tensor)
{
	const struct ir_op *o = &g->op[op];
	enum dtype ob = hw->level[hw->role_level[HW_ROLE_OUTPUT]].dtype, out = g->tensor[o->out.tensor].dtype;
	int64_t it[IR_MAX_ITERS] = {0};
	uint64_t k = 0;
	for (int64_t ct = 0; ct < p->tiles; ct++)
		for (int64_t px = 0; px < p->pixels; px++)
			for (int64_t v = 0; v < p->lanes; v++, k++) {
				int64_t c = ct * p->lanes + v;
				if (c >= o->iter[p->lane_iter].extent)
					continue;
				point(o, p, px, 0, c, it);
				int64_t e = offset(g, o, &o->out, it);
				if (dtype_float(out))
					val_put_float(tensor, out, (uint64_t)e, val_get_float(packed, ob, k));
				else
					val_put_int(tensor, out, (uint64_t)e, val_get_int(packed, ob, k));
			}
}
