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
#include <inttypes.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/value.h"
#include "isa/isa.h"
#include "tensorize.h"

static bool uses(const struct ir_access *a, int it)
{
	for (int d = 0; d < IR_MAX_RANK; d++)
		if (a->index[d].coef[it])
			return true;
	return false;
}

/* ---- the direct form (struct tz_pool_box) ---- */

#define BOX_FAIL(...)                                             \
	do {                                                      \
		snprintf(b->why, sizeof b->why, __VA_ARGS__);     \
		return;                                           \
	} while (0)

/* The rows of the tiles of x's a and output, one to one (the same
 * dimension of x), or 1; 0 when they differ. */
static uint32_t tile_rows(const struct hw_intrinsic *x)
{
	int ra = tz_operand_rows(x, &x->a), ro = tz_operand_rows(x, &x->out);
	if (ra != ro)
		return 0;
	return ra < 0 ? 1 : (uint32_t)x->dim_size[ra];
}

/* An intrinsic whose B tiles, parts of the identity, copy a's values into
 * the output's, row by row: one element per tile each, of R rows (tile_rows)
 * of values, the output's the accumulator's lanes L (L / R a row) and a's
 * a part of a row (groups = L / R / a's per row: a grouped layout, as
 * dot-i8's 4 of 16), a in `in`'s type, B an element over a's and the
 * output's value dimensions (a GEMM's tile: the identity matrix), or over
 * their one dimension (a vector MAC, a and the output lane by lane: a row of
 * ones).  -1: none. */
static int identity_intrinsic(const struct hw *hw, enum dtype in, int64_t lanes)
{
	for (int k = 0; k < hw->nintrinsics; k++) {
		const struct hw_intrinsic *x = &hw->intrinsic[k];
		int da = tz_operand_lane(x, &x->a), dj = tz_operand_lane(x, &x->out), spans = 0;
		for (int r = 0; r < x->b.rank; r++)
			spans += x->dim_size[x->b.dim[r]] > 1 && (x->b.dim[r] == da || x->b.dim[r] == dj);
		const struct hw_level *la = &hw->level[x->a.level], *lb = &hw->level[x->b.level];
		uint32_t rows = tile_rows(x);
		if (!rows || lanes % rows || x->a.tile_elems % rows || da < 0 || dj < 0)
			continue;
		uint32_t a = x->a.tile_elems / rows;
		int64_t row = lanes / rows, b_values = da == dj ? a : row * a;
		if (spans == (da == dj ? 1 : 2) && row % a == 0 && (da != dj || row == a) && x->out.tile_elems == lanes &&
		    x->b.tile_elems == b_values && x->a.elems_per_tile == 1 && x->b.elems_per_tile == 1 &&
		    x->out.elems_per_tile == 1 && x->a.dtype == in && !dtype_float(x->b.dtype) &&
		    la->elem_bytes == x->a.tile_elems * dtype_bytes(in) && lb->elem_bytes == b_values * dtype_bytes(x->b.dtype) &&
		    x->out.level == hw->role_level[HW_ROLE_ACCUMULATOR])
			return k;
	}
	return -1;
}

/* The dimension of access x that iterator `it` indexes alone, with
 * coefficient 1 and no offset; -1 when none (or it shares one). */
static int alone(const struct ir_access *x, int rank, int it, int niters)
{
	for (int d = 0; d < rank; d++) {
		if (!x->index[d].coef[it])
			continue;
		for (int i = 0; i < niters; i++)
			if (i != it && x->index[d].coef[i])
				return -1;
		return x->index[d].coef[it] == 1 && !x->index[d].offset ? d : -1;
	}
	return -1;
}

/* The innermost dimensions of a tensor but `lane` and `rows` (the rows of
 * its elements, or -1): last[1] the innermost, last[0] the one before (-1
 * when there is none). */
static void innermost(int rank, int lane, int rows, int last[2])
{
	last[0] = last[1] = -1;
	for (int d = rank - 1; d >= 0 && last[0] < 0; d--)
		if (d != lane && d != rows)
			*(last[1] < 0 ? &last[1] : &last[0]) = d;
}

/* The iterator of a banded op's rows (ir/band.c): `rows` points along the
 * dimension before the lanes' (la, lo) in both the input and the output,
 * alone there; -1 when there is none. */
static int rows_iter(const struct ir_graph *g, const struct ir_op *o, int la, int lo, uint32_t rows)
{
	const struct ir_tensor *ti = &g->tensor[o->in[0].tensor], *to = &g->tensor[o->out.tensor];
	if (la < 1 || lo < 1)
		return -1;
	for (int it = 0; it < o->niters; it++)
		if (!o->iter[it].reduction && o->iter[it].extent == rows && alone(&o->in[0], ti->rank, it, o->niters) == la - 1 &&
		    alone(&o->out, to->rank, it, o->niters) == lo - 1)
			return it;
	return -1;
}

/* Input dimension d as stride·x + dilation·k + offset (x an output point's
 * iterator, k a window's); slot k of b, which of rows or columns. */
static bool windowed(const struct ir_op *o, const struct ir_affine *ix, struct tz_pool_box *b, int k)
{
	b->iter[k] = b->win[k] = -1;
	for (int i = 0; i < o->niters; i++) {
		if (!ix->coef[i])
			continue;
		if (ix->coef[i] < 0)
			return false;
		int *slot = o->iter[i].reduction ? &b->win[k] : &b->iter[k];
		if (*slot >= 0)
			return false;
		*slot = i;
	}
	if (b->iter[k] < 0)
		return false;
	b->stride[k] = ix->coef[b->iter[k]], b->offset[k] = ix->offset;
	b->dilation[k] = b->win[k] >= 0 ? ix->coef[b->win[k]] : 1;
	b->window[k] = b->win[k] >= 0 ? o->iter[b->win[k]].extent : 1;
	b->extent[k] = o->iter[b->iter[k]].extent;
	return true;
}

/* Every iterator is the lane, an output point's along one output dimension
 * (in the input alone, or with a window along one of its two innermost
 * dimensions), or a window's. */
static bool iterators_fit(const struct ir_graph *g, const struct ir_op *o, const struct tz_pool *p,
			  struct tz_pool_box *b)
{
	const struct ir_tensor *ti = &g->tensor[o->in[0].tensor], *to = &g->tensor[o->out.tensor];
	for (int it = 0; it < o->niters; it++) {
		bool framed = it == b->iter[0] || it == b->iter[1] || it == b->win[0] || it == b->win[1] || it == b->row_iter;
		if (it == p->lane_iter || framed)
			continue;
		if (o->iter[it].reduction || alone(&o->in[0], ti->rank, it, o->niters) < 0 ||
		    alone(&o->out, to->rank, it, o->niters) < 0)
			return false;
	}
	for (int k = 0; k < 2; k++)
		if (b->iter[k] >= 0 && (b->out_dim[k] = alone(&o->out, to->rank, b->iter[k], o->niters)) < 0)
			return false;
	int last[2];
	innermost(to->rank, b->out.lane_dim, b->out.rows_dim, last);
	return b->out_dim[1] == last[1] && (b->iter[0] < 0 || b->out_dim[0] == last[0]);
}

enum { BLOCK_SIDES = 48, BLOCK_CANDIDATES = BLOCK_SIDES + 64 };

/* The largest divisors of n that are at most `most` (a block's points fit
 * the accumulator), largest first, at most BLOCK_SIDES of them: found in
 * sqrt(n) steps, so no extent makes choosing slow. */
static int divisors_at_most(int64_t n, int64_t most, int64_t *out)
{
	int k = 0;
	for (int64_t v = 1; v <= n / v; v++) {
		if (n % v)
			continue;
		int64_t pair[2] = {v, n / v};
		for (int e = 0; e < 2 - (pair[0] == pair[1]); e++) {
			int64_t d = pair[e];
			if (d > most)
				continue;
			int at = k < BLOCK_SIDES ? k++ : BLOCK_SIDES; /* keep the largest: insert in order */
			while (at > 0 && out[at - 1] < d) {
				if (at < BLOCK_SIDES)
					out[at] = out[at - 1];
				at--;
			}
			if (at < BLOCK_SIDES)
				out[at] = d;
		}
	}
	return k;
}

static int64_t box_span(const struct tz_pool_box *b, int k, int64_t points)
{
	return b->iter[k] < 0 ? 1 : (points - 1) * b->stride[k] + (b->window[k] - 1) * b->dilation[k] + 1;
}

static uint64_t lcm(uint64_t a, uint64_t b)
{
	uint64_t x = a, y = b;
	while (y) {
		uint64_t t = x % y;
		x = y, y = t;
	}
	return a / x * b;
}

uint64_t tz_pool_box_uops(const struct tz_pool_box *b)
{
	return 2 * ((uint64_t)b->groups + 1 + (uint64_t)(b->pad[1] + b->pad[3]) + (uint64_t)(b->window[0] * b->window[1]));
}

uint64_t tz_pool_box_areas(const struct hw *hw, const struct tz_pool_box *b, int64_t r, int64_t c, uint64_t uops,
			   uint64_t size[TZ_POOL_BOX_AREAS])
{
	const struct hw_intrinsic *x = &hw->intrinsic[b->intrinsic];
	uint64_t ei = hw->level[x->a.level].elem_bytes, ew = hw->level[x->b.level].elem_bytes;
	uint64_t eo = hw->level[hw->role_level[HW_ROLE_OUTPUT]].elem_bytes, eu = hw->level[hw->role_level[HW_ROLE_UOP]].elem_bytes;
	uint64_t box = (uint64_t)(box_span(b, 0, r) * box_span(b, 1, c)) * b->groups * ei;
	const uint64_t sizes[TZ_POOL_BOX_AREAS] = {box, box, b->groups * ew, uops * eu, (uint64_t)(r * c) * eo};
	memcpy(size, sizes, sizeof sizes);
	return lcm(lcm(lcm(ei, ew), lcm(eo, eu)), 64);
}

/* Whether the staging areas of a block of r x c output points fit every
 * shared level: lowering it would fail otherwise. */
static bool box_staged(const struct hw *hw, const struct tz_pool_box *b, int64_t r, int64_t c)
{
	uint64_t size[TZ_POOL_BOX_AREAS], need;
	uint64_t align = tz_pool_box_areas(hw, b, r, c, tz_pool_box_uops(b), size);
	return tz_stage_areas(hw, size, TZ_POOL_BOX_AREAS, align, NULL, &need) < 0;
}

/* Whether a block of r x c output points fits: two buffers of its box in
 * the input buffer, of it and its box in the accumulator, the loops, the
 * DMA, the micro-ops, the staging areas in the shared levels. */
static bool block_fits(const struct hw *hw, const struct tz_pool_box *b, int64_t r, int64_t c, uint64_t window)
{
	uint64_t br = (uint64_t)box_span(b, 0, r), bc = (uint64_t)box_span(b, 1, c), box = br * bc;
	uint64_t row = bc * b->groups; /* a row's elements in the input buffer, as the DMA moves them */
	const struct hw_level *in = &hw->level[hw->intrinsic[b->intrinsic].a.level];
	const struct hw_level *acc = &hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]];
	const struct hw_level *out = &hw->level[hw->role_level[HW_ROLE_OUTPUT]];
	const struct hw_level *uop = &hw->level[hw->role_level[HW_ROLE_UOP]];
	uint64_t most = hw->isa.max_loop_extent;
	return 2 * box * b->groups <= in->depth && 2 * ((uint64_t)(r * c) + box) <= acc->depth &&
	       2 * (uint64_t)(r * c) <= out->depth && 2 * (window + b->groups + 6) + 64 <= uop->depth && br <= most && bc <= most && br <= hw->dma.max_rows &&
	       row <= hw->dma.max_cols && box_staged(hw, b, r, c);
}

/* Block sides worth trying along an extent n: its largest divisors up to
 * `most`, the powers of two below both, and the larger of them. */
static int block_sides(int64_t n, int64_t most, int64_t *out)
{
	int k = divisors_at_most(n, most, out);
	int64_t top = n < most ? n : most;
	for (int64_t p = 2; p < top && k < BLOCK_CANDIDATES - 1; p *= 2)
		out[k++] = p;
	out[k++] = top;
	return k;
}

/* The block (output rows x columns) that fits and reads the least per
 * output point (its boxes over the points: the halo read again by the next
 * block, and a last block that does not end at the extent starting earlier,
 * over points the one before computed), the larger of two alike (fewer
 * instructions). */
static void choose_block(const struct hw *hw, struct tz_pool_box *b, uint64_t window)
{
	b->block[0] = b->block[1] = 0;
	double best = INFINITY;
	int64_t most = hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].depth, rows[BLOCK_CANDIDATES], cols[BLOCK_CANDIDATES];
	int nr = block_sides(b->extent[0], most, rows), nc = block_sides(b->extent[1], most, cols);
	for (int i = 0; i < nr; i++)
		for (int j = 0; j < nc; j++) {
			int64_t r = rows[i], c = cols[j];
			double per = (double)(tz_blocks(b->extent[0], r) * box_span(b, 0, r)) *
				     (double)(tz_blocks(b->extent[1], c) * box_span(b, 1, c)) / (double)(b->extent[0] * b->extent[1]);
			bool better = per < best * (1 - 1e-9) || (per < best * (1 + 1e-9) && r * c > b->block[0] * b->block[1]);
			if (better && block_fits(hw, b, r, c, window))
				best = per, b->block[0] = r, b->block[1] = c;
		}
	b->box[0] = box_span(b, 0, b->block[0]), b->box[1] = box_span(b, 1, b->block[1]);
}

/* The padding along k: before the first window, after the last. */
static bool pads_fit(const struct hw *hw, struct tz_pool_box *b, int k)
{
	if (b->iter[k] < 0)
		return true;
	int64_t first_last = b->offset[k] + (b->window[k] - 1) * b->dilation[k];
	int64_t last_first = (b->extent[k] - 1) * b->stride[k] + b->offset[k];
	b->pad[2 * k] = b->offset[k] < 0 ? -b->offset[k] : 0;
	b->pad[2 * k + 1] = last_first + (b->window[k] - 1) * b->dilation[k] + 1 - b->size[k];
	if (b->pad[2 * k + 1] < 0)
		b->pad[2 * k + 1] = 0;
	/* every window takes a value inside the input, so the least value written over the padding never wins */
	return first_last >= 0 && last_first <= b->size[k] - 1 && b->pad[2 * k] <= hw->dma.max_pad &&
	       b->pad[2 * k + 1] <= hw->dma.max_pad;
}

/* Whether the elements of levels[0..n) pass whole through the shared
 * levels (the boxes, the identity and the output blocks, or the windows and
 * the outputs, are staged there): 0, or -1 with why. */
static int staged_whole(const struct hw *hw, const int *levels, int n, char why[256])
{
	for (int i = 0; i < n; i++)
		if (tz_staged_whole(hw, levels[i], why))
			return -1;
	return 0;
}

static void derive_box(const struct hw *hw, const struct ir_graph *g, int op, struct tz_pool *p)
{
	const struct ir_op *o = &g->op[op];
	struct tz_pool_box *b = &p->box;
	memset(b, 0, sizeof *b);
	const struct ir_tensor *ti = &g->tensor[o->in[0].tensor], *to = &g->tensor[o->out.tensor];
	const struct hw_level *acc = &hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]];
	const struct hw_level *ob = &hw->level[hw->role_level[HW_ROLE_OUTPUT]];
	if (dtype_float(ti->dtype) || dtype_float(acc->dtype) || dtype_bytes(acc->dtype) > 4)
		BOX_FAIL("its windows are packed by the host: the direct form fills the padding with an integer immediate");
	if ((b->intrinsic = identity_intrinsic(hw, ti->dtype, p->lanes)) < 0)
		BOX_FAIL("its windows are packed by the host: no intrinsic widens %s rows of %lld values into the "
			 "accumulator's by an identity tile", dtype_name(ti->dtype), (long long)p->lanes);
	int la = alone(&o->in[0], ti->rank, p->lane_iter, o->niters), lo = alone(&o->out, to->rank, p->lane_iter, o->niters);
	if (la < 0 || lo < 0)
		BOX_FAIL("its windows are packed by the host: '%s' is not a whole dimension of the input and the output",
			 o->iter[p->lane_iter].name);
	/* An element of several rows holds a banded op's rows (each a band's
	 * point with its lanes), or else lanes all: the identity takes each
	 * value of a's element to the same place in the accumulator's. */
	const struct hw_intrinsic *x = &hw->intrinsic[b->intrinsic];
	char whole[256];
	if (staged_whole(hw, (const int[3]){x->a.level, x->b.level, hw->role_level[HW_ROLE_OUTPUT]}, 3, whole))
		BOX_FAIL("its windows are packed by the host: %.160s", whole);
	uint32_t rows = tile_rows(x);
	b->row_iter = rows > 1 ? rows_iter(g, o, la, lo, rows) : -1;
	b->rows = b->row_iter >= 0 ? rows : 1;
	uint32_t a_lanes = x->a.tile_elems / b->rows, lanes = (uint32_t)p->lanes / b->rows;
	b->groups = lanes / a_lanes;
	if (rows > 1 && b->groups > 1)
		BOX_FAIL("its windows are packed by the host: the identity of '%s' puts a's rows of %u values among "
			 "the accumulator's of %u", x->name, a_lanes, lanes);
	if (b->rows > 1) {
		tz_layout_init_rows(&b->in, g, o->in[0].tensor, la, a_lanes, la - 1, b->rows, ti->dtype);
		tz_layout_init_rows(&b->out, g, o->out.tensor, lo, lanes, lo - 1, b->rows, ob->dtype);
	} else {
		tz_layout_init(&b->in, g, o->in[0].tensor, la, a_lanes, b->groups, ti->dtype);
		tz_layout_init(&b->out, g, o->out.tensor, lo, lanes, 1, ob->dtype);
		/* fewer channels than lanes, or a last block of fewer, lie packed
		 * in DRAM as a convolution's do (tensorize/direct.c) */
		tz_layout_narrow(&b->in, g, tz_narrow_values(hw, x->a.level));
		tz_layout_narrow(&b->out, g, tz_narrow_values(hw, hw->role_level[HW_ROLE_OUTPUT]));
	}
	innermost(ti->rank, la, b->in.rows_dim, b->in_dim);
	b->iter[0] = b->iter[1] = b->win[0] = b->win[1] = -1;
	b->out_dim[0] = b->out_dim[1] = -1;
	for (int k = 1; k >= 0; k--) {
		int d = b->in_dim[k];
		if (d < 0 || !windowed(o, &o->in[0].index[d], b, k)) {
			b->iter[k] = b->win[k] = -1;
			if (k == 1)
				BOX_FAIL("its windows are packed by the host: the input's innermost dimension but the lane is "
					 "not read as stride x point + window");
			b->in_dim[0] = -1; /* one row */
			continue;
		}
		b->size[k] = ti->shape[d];
	}
	if (!iterators_fit(g, o, p, b))
		BOX_FAIL("its windows are packed by the host: the windows do not run along the input's and the "
			 "output's two innermost dimensions, each output point's iterator alone elsewhere");
	if (!pads_fit(hw, b, 0) || !pads_fit(hw, b, 1) || b->pad[2] * b->groups > hw->dma.max_pad ||
	    b->pad[3] * b->groups > hw->dma.max_pad)
		BOX_FAIL("its windows are packed by the host: a window lies wholly in the padding, or the padding is more "
			 "than dma.max_pad (%u)", hw->dma.max_pad);
	int64_t least, most;
	dtype_int_range(ti->dtype, &least, &most);
	b->fill = hw->alu.imm_bits >= 33 ? INT32_MIN : -((int64_t)1 << (hw->alu.imm_bits - 1));
	if (b->fill > least)
		BOX_FAIL("its windows are packed by the host: the ALU's immediate (%u bits) cannot hold a value below %s's",
			 hw->alu.imm_bits, dtype_name(ti->dtype));
	/* (a box or a block of one row has no stride between rows) */
	/* in the DMA's units: elements, or a narrow layout's values */
	if (b->iter[0] >= 0 && box_span(b, 0, b->extent[0]) > 1 &&
	    (uint64_t)b->in.stride[b->in_dim[0]] * tz_layout_dma_step(&b->in) > hw->dma.max_stride)
		BOX_FAIL("its windows are packed by the host: the input's rows are more than dma.max_stride apart");
	if (b->iter[0] >= 0 && b->extent[0] > 1 &&
	    (uint64_t)b->out.stride[b->out_dim[0]] * tz_layout_dma_step(&b->out) > hw->dma.max_stride)
		BOX_FAIL("its windows are packed by the host: the output's rows are more than dma.max_stride apart");
	if (b->iter[0] < 0)
		b->extent[0] = b->window[0] = 1;
	choose_block(hw, b, (uint64_t)p->window);
	if (!b->block[0])
		BOX_FAIL("its windows are packed by the host: not even one output point's box fits the buffers twice "
			 "and its staging areas the shared levels");
	b->ok = true;
}

/* The windows form's pixels per block in the accumulator: two buffers of
 * (window + 1) elements a pixel. */
static int64_t acc_pixels(const struct hw *hw, const struct tz_pool *p)
{
	return (int64_t)hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].depth / (2 * (p->window + 1));
}

/* Whether the windows form fits: its elements whole through the shared
 * levels, and a block of one pixel in the accumulator and the staging
 * areas; 0, or -1 with why. */
static int windows_form(const struct hw *hw, const struct tz_pool *p, char why[256])
{
	int acc = hw->role_level[HW_ROLE_ACCUMULATOR];
	if (staged_whole(hw, (const int[2]){acc, hw->role_level[HW_ROLE_OUTPUT]}, 2, why))
		return -1;
	if (acc_pixels(hw, p) < 1) {
		snprintf(why, 256, "one pixel's window (%" PRId64 " elements) does not fit the accumulator twice", p->window + 1);
		return -1;
	}
	uint64_t size[TZ_POOL_WINDOWS_AREAS];
	uint64_t align = tz_pool_windows_areas(hw, p, 1, size);
	return tz_stage_check(hw, size, TZ_POOL_WINDOWS_AREAS, align, "the staging areas of one pixel's windows", why);
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
	derive_box(hw, g, op, p);
	if (p->box.ok && p->box.rows > 1) { /* the rows are points too, and a lane tile a row's */
		p->lanes /= p->box.rows;
		p->tiles = (o->iter[p->lane_iter].extent + p->lanes - 1) / p->lanes;
		p->pixels /= p->box.rows;
	}
	char wwhy[256];
	if (!p->box.ok && windows_form(hw, p, wwhy)) {
		snprintf(why, 256, "no direct form (%.100s), and %.132s", p->box.why, wwhy);
		return -1;
	}
	if (!p->box.ok && p->window - 1 > (int64_t)hw->isa.max_loop_extent) { /* the ALU's loop over a window's positions */
		snprintf(why, 256, "no direct form (%.100s), and the ALU's loop over a window's %" PRId64 " positions is longer than the ISA's loops run (isa.max_loop_extent %u)",
			 p->box.why, p->window - 1, hw->isa.max_loop_extent);
		return -1;
	}
	return 0;
}

uint64_t tz_pool_windows_areas(const struct hw *hw, const struct tz_pool *p, int64_t block,
			       uint64_t size[TZ_POOL_WINDOWS_AREAS])
{
	uint64_t ea = hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].elem_bytes;
	uint64_t eo = hw->level[hw->role_level[HW_ROLE_OUTPUT]].elem_bytes;
	uint64_t align = lcm(lcm(ea, eo), 64), windows = (uint64_t)(block * p->window) * ea;
	/* the micro-ops: two kernels of two, and room for their padding to whole shared elements */
	const uint64_t sizes[TZ_POOL_WINDOWS_AREAS] = {
		windows, windows, 4 * hw->level[hw->role_level[HW_ROLE_UOP]].elem_bytes + align, (uint64_t)block * eo};
	memcpy(size, sizes, sizeof sizes);
	return align;
}

static bool windows_staged(const struct hw *hw, const struct tz_pool *p, int64_t block)
{
	uint64_t size[TZ_POOL_WINDOWS_AREAS], need;
	uint64_t align = tz_pool_windows_areas(hw, p, block, size);
	return tz_stage_areas(hw, size, TZ_POOL_WINDOWS_AREAS, align, NULL, &need) < 0;
}

int64_t tz_pool_windows_block(const struct hw *hw, const struct tz_pool *p)
{
	int64_t bm = acc_pixels(hw, p);
	bm = bm < p->pixels ? bm : p->pixels;
	bm = bm < (int64_t)hw->isa.max_loop_extent ? bm : (int64_t)hw->isa.max_loop_extent;
	if (bm < 1 || windows_staged(hw, p, bm))
		return bm;
	/* the most pixels whose staging areas fit every shared level: they grow with the block */
	int64_t fit = 0, over = bm;
	while (over - fit > 1) {
		int64_t mid = fit + (over - fit) / 2;
		*(windows_staged(hw, p, mid) ? &fit : &over) = mid;
	}
	return fit;
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

int64_t tz_pool_box_blocks(const struct tz_pool_box *b, int k)
{
	return tz_blocks(b->extent[k], b->block[k]);
}

int64_t tz_pool_block_start(const struct tz_pool_box *b, int k, int64_t blk)
{
	return (blk + 1) * b->block[k] <= b->extent[k] ? blk * b->block[k] : b->extent[k] - b->block[k];
}

uint64_t tz_pool_box_acc(const struct tz_pool_box *b)
{
	return (uint64_t)(b->box[0] * b->box[1]);
}

void tz_pool_identity(const struct hw *hw, const struct tz_pool_box *b, uint8_t *out)
{
	const struct hw_intrinsic *x = &hw->intrinsic[b->intrinsic];
	int da = tz_operand_lane(x, &x->a), dj = tz_operand_lane(x, &x->out);
	uint32_t eb = hw->level[x->b.level].elem_bytes, a = x->a.tile_elems / tile_rows(x);
	memset(out, 0, (size_t)eb * b->groups);
	for (uint32_t g = 0; g < b->groups; g++)
		for (uint32_t v = 0; v < a; v++) {
			uint64_t at = 0;
			for (int r = 0; r < x->b.rank; r++) { /* row major over b's dimensions */
				int d = x->b.dim[r];
				at = at * x->dim_size[d] + (d == da ? v : d == dj ? g * a + v : 0);
			}
			val_put_int(out + (size_t)g * eb, x->b.dtype, at, 1);
		}
}

double tz_pool_cost(const struct hw *hw, const struct tz_pool *p)
{
	const struct tz_pool_box *b = &p->box;
	double bytes = (double)tz_pool_packed_bytes(hw, p), elems = (double)(p->tiles * p->pixels * p->window);
	if (b->ok) {
		double boxes = (double)(p->pixels / (b->extent[0] * b->extent[1]) * tz_pool_box_blocks(b, 0) *
					tz_pool_box_blocks(b, 1));
		bytes = (double)p->tiles * boxes * (double)(tz_pool_box_acc(b) * b->groups) *
			hw->level[hw->intrinsic[b->intrinsic].a.level].elem_bytes;
	}
	double cycles = fmax(bytes / hw->dram.bandwidth, elems * hw->alu.initiation_interval / hw->alu.lanes);
	return cycles * pow(fmax(1, bytes), TZ_DRAM_EXPONENT);
}
