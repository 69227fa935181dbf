/* tensorize/layout: tensors in DRAM in the order of their scratchpad's
 * element (struct tz_layout, docs/tensorize.md "The direct form"): the
 * element holding a value, and a tensor packed into its layout and back. */
#include <string.h>

#include "base/value.h"
#include "isa/isa.h"
#include "tensorize.h"

static void layout_init(struct tz_layout *l, const struct ir_graph *g, int tensor, int lane_dim, uint32_t lanes,
			uint32_t group, int rows_dim, uint32_t rows, enum dtype dtype)
{
	const struct ir_tensor *t = &g->tensor[tensor];
	memset(l, 0, sizeof *l);
	l->tensor = tensor, l->lane_dim = lane_dim, l->lanes = lanes, l->values = lanes, l->group = group, l->dtype = dtype;
	l->rows_dim = rows_dim, l->rows = rows;
	l->blocks = (t->shape[lane_dim] + lanes - 1) / lanes;
	int64_t s = group;
	for (int d = t->rank - 1; d >= 0; d--)
		if (d != lane_dim && d != rows_dim) {
			l->stride[d] = s;
			s *= t->shape[d];
		}
	l->stride[lane_dim] = s;
	l->elems = (uint64_t)(s * ((l->blocks + group - 1) / group));
}

void tz_layout_init(struct tz_layout *l, const struct ir_graph *g, int tensor, int lane_dim, uint32_t lanes,
		    uint32_t group, enum dtype dtype)
{
	layout_init(l, g, tensor, lane_dim, lanes, group, -1, 1, dtype);
}

void tz_layout_init_rows(struct tz_layout *l, const struct ir_graph *g, int tensor, int lane_dim, uint32_t lanes,
			 int rows_dim, uint32_t rows, enum dtype dtype)
{
	layout_init(l, g, tensor, lane_dim, lanes, 1, rows_dim, rows, dtype);
}

void tz_layout_narrow(struct tz_layout *l, const struct ir_graph *g, uint32_t narrow_lanes)
{
	int64_t n = g->tensor[l->tensor].shape[l->lane_dim];
	if (narrow_lanes != l->lanes || l->rows != 1 || l->group != 1)
		return;
	if (n < (int64_t)l->lanes)
		l->values = (uint32_t)n;
	else if (n % (int64_t)l->lanes)
		l->tail = (uint32_t)(n % (int64_t)l->lanes);
}

uint32_t tz_narrow_values(const struct hw *hw, int l)
{
	return hw->level[l].parent < 0 ? isa_narrow_values(hw, l) : 0;
}

/* The elements of a block: the layout's lane_dim stride (group 1). */
static uint64_t block_elems(const struct tz_layout *l)
{
	return (uint64_t)l->stride[l->lane_dim];
}

int64_t tz_layout_block_of(const struct tz_layout *l, uint64_t el)
{
	return (int64_t)(el / block_elems(l)) * l->group;
}

uint32_t tz_layout_block_values(const struct tz_layout *l, int64_t blk)
{
	if (l->tail && blk == l->blocks - 1)
		return l->tail;
	return tz_layout_narrow_values(l);
}

/* Where element el's values start, counted in values: a narrow last
 * block's elements hold `tail` each. */
static uint64_t value_offset(const struct tz_layout *l, uint64_t el)
{
	uint64_t per = (uint64_t)l->rows * l->values, full = (uint64_t)(l->blocks - 1) * block_elems(l);
	if (!l->tail || el < full)
		return el * per;
	return full * per + (el - full) * l->tail;
}

uint64_t tz_layout_dma_offset(const struct tz_layout *l, uint64_t el, uint64_t *unit, uint32_t *values)
{
	*values = tz_layout_block_values(l, tz_layout_block_of(l, el));
	*unit = *values ? *values : 1;
	return *values ? value_offset(l, el) : el;
}

uint64_t tz_layout_elem_bytes(const struct tz_layout *l)
{
	return (uint64_t)l->rows * l->values * dtype_bytes(l->dtype);
}

uint64_t tz_layout_element(const struct tz_layout *l, int rank, const int64_t *x)
{
	int64_t e = 0;
	for (int d = 0; d < rank; d++) {
		int64_t b = x[d] / (int64_t)l->lanes;
		if (d != l->rows_dim)
			e += d == l->lane_dim ? b / l->group * l->stride[d] + b % l->group : x[d] * l->stride[d];
	}
	return (uint64_t)e;
}

uint64_t tz_layout_bytes(const struct tz_layout *l)
{
	uint64_t bytes = value_offset(l, l->elems) * dtype_bytes(l->dtype), whole = (uint64_t)l->lanes * dtype_bytes(l->dtype);
	/* a narrow last block ends on a whole element, where the next plane of
	 * a wide output starts with its whole ones */
	return l->tail ? (bytes + whole - 1) / whole * whole : bytes;
}

uint32_t tz_layout_narrow_values(const struct tz_layout *l) { return l->values < l->lanes ? l->values : 0; }

uint64_t tz_layout_dma_step(const struct tz_layout *l)
{
	uint32_t v = tz_layout_narrow_values(l);
	return v ? v : l->tail ? l->tail : 1;
}

double tz_layout_fill(const struct tz_layout *l)
{
	return l->elems ? (double)value_offset(l, l->elems) / ((double)l->elems * l->rows * l->lanes) : 1;
}

uint64_t tz_layout_byte_offset(const struct tz_layout *l, uint64_t el)
{
	return value_offset(l, el) * dtype_bytes(l->dtype);
}

bool tz_layout_same(const struct tz_layout *a, const struct tz_layout *b)
{
	return a->tensor == b->tensor && a->lane_dim == b->lane_dim && a->lanes * a->group == b->lanes * b->group &&
	       a->rows_dim == b->rows_dim && a->rows == b->rows && a->dtype == b->dtype &&
	       tz_layout_narrow_values(a) == tz_layout_narrow_values(b) && a->tail == b->tail;
}

/* Calls fn(tensor element, value index in the layout) for every element. */
static void for_each_value(const struct ir_graph *g, const struct tz_layout *l,
			   void (*fn)(uint64_t e, uint64_t v, void *ctx), void *ctx)
{
	const struct ir_tensor *t = &g->tensor[l->tensor];
	int64_t x[IR_MAX_RANK] = {0}, n = 1;
	for (int d = 0; d < t->rank; d++)
		n *= t->shape[d];
	for (int64_t e = 0; e < n; e++) {
		int64_t r = e;
		for (int d = t->rank - 1; d >= 0; d--)
			x[d] = r % t->shape[d], r /= t->shape[d];
		uint64_t el = tz_layout_element(l, t->rank, x), row = l->rows_dim >= 0 ? (uint64_t)x[l->rows_dim] : 0;
		fn((uint64_t)e, value_offset(l, el) + row * l->values + (uint64_t)(x[l->lane_dim] % l->lanes), ctx);
	}
}

struct copy_ctx {
	const uint8_t *src;
	enum dtype st;
	uint8_t *dst;
	enum dtype dt;
	int planes;
	uint64_t plane_values;
};

static void pack_value(uint64_t e, uint64_t v, void *ctx)
{
	struct copy_ctx *c = ctx;
	if (dtype_float(c->dt))
		val_put_float(c->dst, c->dt, v, val_get_float(c->src, c->st, e));
	else
		val_put_int(c->dst, c->dt, v, val_get_int(c->src, c->st, e));
}

void tz_layout_pack(const struct ir_graph *g, const struct tz_layout *l, const uint8_t *tensor, uint8_t *out)
{
	memset(out, 0, tz_layout_bytes(l));
	struct copy_ctx c = {tensor, g->tensor[l->tensor].dtype, out, l->dtype, 1, 0};
	for_each_value(g, l, pack_value, &c);
}

/* Value v reassembled from its planes into tensor element e. */
static void unpack_value(uint64_t e, uint64_t v, void *ctx)
{
	struct copy_ctx *c = ctx;
	if (dtype_float(c->dt)) {
		val_put_float(c->dst, c->dt, e, val_get_float(c->src, c->st, v));
		return;
	}
	uint32_t bits = 8 * dtype_bytes(c->st);
	uint64_t x = 0;
	for (int p = 0; p < c->planes; p++) {
		uint64_t part = (uint64_t)val_get_int(c->src, c->st, (uint64_t)p * c->plane_values + v);
		if (bits < 64)
			part &= ((uint64_t)1 << bits) - 1;
		x |= part << (bits * (uint32_t)p);
	}
	if (c->planes == 1) /* one plane: the value itself, sign and all */
		x = (uint64_t)val_get_int(c->src, c->st, v);
	val_put_int(c->dst, c->dt, e, (int64_t)x);
}

void tz_layout_unpack(const struct ir_graph *g, const struct tz_layout *l, int planes, const uint8_t *packed,
		      uint8_t *tensor)
{
	struct copy_ctx c = {packed, l->dtype, tensor, g->tensor[l->tensor].dtype, planes,
			     tz_layout_bytes(l) / dtype_bytes(l->dtype)};
	for_each_value(g, l, unpack_value, &c);
}

