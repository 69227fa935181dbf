/* tensorize/geometry: the batched-GEMM form of a binding and the host-side
 * packing into it (docs/tensorize.md).
 *
 * Packing evaluates the op's own accesses: for every tile position it works
 * out the op iterators' values, reads the tensor there (zero outside it: the
 * convolution's padding) and writes the value in the scratchpad's dtype.  So
 * any affine access — strides, dilation, windows, transposes — becomes
 * plain row-major tiles, at the price of the copies the binding implies
 * (an input read through a 3x3 window is packed once per window position). */
#include <stdlib.h>
#include <string.h>

#include "base/value.h"
#include "isa/isa.h"
#include "tensorize.h"

static enum tz_group group_of(unsigned mask, bool reduction)
{
	if (reduction)
		return TZ_G_K;
	if ((mask & (TZ_IN_A | TZ_IN_B)) == (TZ_IN_A | TZ_IN_B))
		return TZ_G_BATCH;
	if (mask & TZ_IN_B)
		return TZ_G_N;
	return TZ_G_M; /* indexes a, or only the output */
}

static unsigned op_mask(const struct ir_op *op, const struct tz_binding *b, int it)
{
	unsigned m = 0;
	for (int d = 0; d < IR_MAX_RANK; d++) {
		m |= op->in[b->input_a].index[d].coef[it] ? TZ_IN_A : 0;
		m |= op->in[b->input_b].index[d].coef[it] ? TZ_IN_B : 0;
		m |= op->out.index[d].coef[it] ? TZ_IN_OUT : 0;
	}
	return m;
}

static unsigned intrinsic_mask(const struct hw_intrinsic *in, int d)
{
	unsigned m = 0;
	for (int i = 0; i < in->a.rank; i++)
		m |= in->a.dim[i] == d ? TZ_IN_A : 0;
	for (int i = 0; i < in->b.rank; i++)
		m |= in->b.dim[i] == d ? TZ_IN_B : 0;
	for (int i = 0; i < in->out.rank; i++)
		m |= in->out.dim[i] == d ? TZ_IN_OUT : 0;
	return m;
}

/* The dimensions of operand o larger than one: the last (its element's
 * values) and the one before (its rows), or -1 each; false for more. */
static bool operand_dims(const struct hw_intrinsic *in, const struct hw_operand *o, int *lane, int *rows)
{
	*lane = *rows = -1;
	for (int i = 0; i < o->rank; i++) {
		if (in->dim_size[o->dim[i]] <= 1)
			continue;
		if (*rows >= 0)
			return *lane = *rows = -1, false;
		*rows = *lane, *lane = o->dim[i];
	}
	return true;
}

int tz_operand_lane(const struct hw_intrinsic *in, const struct hw_operand *o)
{
	int lane, rows;
	operand_dims(in, o, &lane, &rows);
	return lane;
}

int tz_operand_rows(const struct hw_intrinsic *in, const struct hw_operand *o)
{
	int lane, rows;
	operand_dims(in, o, &lane, &rows);
	return rows;
}

static void add_axis(struct tz_geometry *geo, enum tz_group gr, struct tz_axis ax)
{
	int n = geo->naxes[gr]++;
	/* ordered by the op's iterator order, so reductions run in its order */
	while (n > 0 && geo->axis[gr][n - 1].first_iter > ax.first_iter) {
		geo->axis[gr][n] = geo->axis[gr][n - 1];
		n--;
	}
	geo->axis[gr][n] = ax;
}

static bool access_uses(const struct ir_affine *a, const struct ir_op *op, const struct tz_binding *b,
			const struct tz_axis *ax)
{
	if (!ax->is_dim)
		return a->coef[ax->index] != 0;
	for (int it = 0; it < op->niters; it++)
		if (b->dim_of[it] == ax->index && a->coef[it])
			return true;
	return false;
}

static void find_bias(struct tz_geometry *geo)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	geo->bias = -1;
	for (int e = 0; e < op->nepilogues; e++)
		if (op->epilogue[e].kind == IR_EP_BIAS)
			geo->bias = e;
	if (geo->bias < 0)
		return;
	const struct ir_affine *x = &op->out.index[op->epilogue[geo->bias].dim];
	for (int gr = 0; gr < TZ_G_K; gr++)
		for (int i = 0; i < geo->naxes[gr]; i++)
			geo->bias_on[gr] |= access_uses(x, op, &geo->b, &geo->axis[gr][i]);
}

static uint32_t narrow_b(const struct tz_geometry *geo);
static uint32_t kvals_b(const struct tz_geometry *geo);
static uint32_t diag_b(const struct tz_geometry *geo);

void tz_geometry_init(struct tz_geometry *geo, const struct hw *hw, const struct ir_graph *g, int op,
		      const struct tz_binding *b)
{
	memset(geo, 0, sizeof *geo);
	geo->hw = hw, geo->g = g, geo->op = op, geo->b = *b;
	const struct ir_op *o = &g->op[op];
	const struct hw_intrinsic *in = &hw->intrinsic[b->intrinsic];
	int diag = tz_diagonal(b);
	int64_t lanes = diag >= 0 && tz_operand_lane(in, &in->out) >= 0 ? in->dim_size[tz_operand_lane(in, &in->out)] : 1;
	for (int it = 0; it < o->niters; it++)
		if (b->dim_of[it] < 0 && it != diag)
			add_axis(geo, group_of(op_mask(o, b, it), o->iter[it].reduction),
				 (struct tz_axis){false, it, o->iter[it].extent, it, 1});
	if (diag >= 0) /* its blocks */
		add_axis(geo, TZ_G_BATCH, (struct tz_axis){false, diag, (o->iter[diag].extent + lanes - 1) / lanes, diag, lanes});
	for (int d = 0; d < in->ndims; d++) {
		int first = IR_MAX_ITERS + d;
		for (int it = o->niters - 1; it >= 0; it--)
			if (b->dim_of[it] == d)
				first = it;
		add_axis(geo, group_of(intrinsic_mask(in, d), in->dim_reduction[d]),
			 (struct tz_axis){true, d, b->tiles[d], first, 1});
	}
	for (int gr = 0; gr < TZ_G_COUNT; gr++) {
		geo->count[gr] = 1;
		for (int i = 0; i < geo->naxes[gr]; i++)
			geo->count[gr] *= geo->axis[gr][i].extent;
	}
	geo->ea = in->a.elems_per_tile, geo->eb = in->b.elems_per_tile, geo->eo = in->out.elems_per_tile;
	geo->bytes_a = hw->level[in->a.level].elem_bytes, geo->bytes_b = hw->level[in->b.level].elem_bytes;
	geo->bytes_acc = hw->level[in->out.level].elem_bytes;
	geo->bytes_out = hw->level[hw->role_level[HW_ROLE_OUTPUT]].elem_bytes;
	find_bias(geo);
	geo->b_narrow = narrow_b(geo);
	geo->b_diag = diag_b(geo);
	geo->b_kvals = kvals_b(geo);
	tz_beat_derive(geo);
	tz_direct_derive(geo, &geo->dir);
}

uint64_t tz_packed_a_bytes(const struct tz_geometry *geo)
{
	return (uint64_t)(geo->count[TZ_G_BATCH] * geo->count[TZ_G_M] * geo->count[TZ_G_K]) * geo->ea * geo->bytes_a;
}

uint64_t tz_packed_b_bytes(const struct tz_geometry *geo)
{
	return (uint64_t)(geo->count[TZ_G_BATCH] * geo->count[TZ_G_N] * geo->count[TZ_G_K]) * geo->eb * geo->bytes_b;
}

int64_t tz_bias_count(const struct tz_geometry *geo, enum tz_group gr)
{
	return geo->bias_on[gr] ? geo->count[gr] : 1;
}

uint64_t tz_packed_bias_bytes(const struct tz_geometry *geo)
{
	if (geo->bias < 0)
		return 0;
	return (uint64_t)(tz_bias_count(geo, TZ_G_BATCH) * tz_bias_count(geo, TZ_G_M) * tz_bias_count(geo, TZ_G_N)) *
	       geo->eo * geo->bytes_acc;
}

uint64_t tz_packed_out_bytes(const struct tz_geometry *geo)
{
	return (uint64_t)(geo->count[TZ_G_BATCH] * geo->count[TZ_G_M] * geo->count[TZ_G_N]) * geo->eo * geo->bytes_out;
}

/* Iterator values at one tile position: it[] for the loops outside the
 * intrinsic, tile[] for the intrinsic's dimensions. */
struct point {
	int64_t it[IR_MAX_ITERS];
	int64_t tile[HW_MAX_DIMS];
};

/* Sets the axes of group gr from the flat coordinate c (row-major). */
static void set_group(const struct tz_geometry *geo, enum tz_group gr, int64_t c, struct point *p)
{
	for (int i = geo->naxes[gr] - 1; i >= 0; i--) {
		const struct tz_axis *ax = &geo->axis[gr][i];
		int64_t v = c % ax->extent;
		c /= ax->extent;
		if (ax->is_dim)
			p->tile[ax->index] = v;
		else
			p->it[ax->index] = v * ax->step;
	}
}

/* Fills the iterators fused onto dimension d from its position s inside the
 * tile; false in the padding. */
static bool set_dim(const struct tz_geometry *geo, int d, int64_t s, struct point *p)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	int64_t f = p->tile[d] * geo->hw->intrinsic[geo->b.intrinsic].dim_size[d] + s;
	if (f >= geo->b.fused[d])
		return false;
	for (int it = op->niters - 1; it >= 0; it--)
		if (geo->b.dim_of[it] == d) {
			p->it[it] = f % op->iter[it].extent;
			f /= op->iter[it].extent;
		}
	return true;
}

/* Sets the dims of operand o from value v of its tile (row-major in the
 * operand's index order); false in the padding. */
static bool set_tile_value(const struct tz_geometry *geo, const struct hw_operand *o, uint32_t v, struct point *p)
{
	const struct hw_intrinsic *in = &geo->hw->intrinsic[geo->b.intrinsic];
	for (int i = o->rank - 1; i >= 0; i--) {
		uint32_t size = in->dim_size[o->dim[i]];
		if (!set_dim(geo, o->dim[i], v % size, p))
			return false;
		v /= size;
	}
	return true;
}

/* The element offset of an access at p, or -1 outside the tensor. */
static int64_t element_at(const struct ir_graph *g, const struct ir_access *a, const struct point *p, int niters)
{
	const struct ir_tensor *t = &g->tensor[a->tensor];
	int64_t off = 0;
	for (int d = 0; d < t->rank; d++) {
		int64_t x = a->index[d].offset;
		for (int it = 0; it < niters; it++)
			x += a->index[d].coef[it] * p->it[it];
		if (x < 0 || x >= t->shape[d])
			return -1;
		off = off * t->shape[d] + x;
	}
	return off;
}

static void copy_value(const uint8_t *src, enum dtype st, int64_t si, uint8_t *dst, enum dtype dt, uint64_t di)
{
	if (dtype_float(dt))
		val_put_float(dst, dt, di, val_get_float(src, st, (uint64_t)si));
	else
		val_put_int(dst, dt, di, val_get_int(src, st, (uint64_t)si));
}

/* Whether scratchpad l is under one shared level right under DRAM, whose
 * elements are a whole number of l's values, `unit` of them, and a whole
 * part of l's element: a load from DRAM into it can pad each of l's
 * elements (then moved whole to l) from its first values. */
static bool staged_unit(const struct hw *hw, int l, uint32_t *unit)
{
	const struct hw_level *L = &hw->level[l];
	if (L->parent < 0 || hw->level[L->parent].parent >= 0)
		return false;
	uint32_t e0 = hw->level[L->parent].elem_bytes, vb = dtype_bytes(L->dtype);
	if (e0 % vb || L->elem_bytes % e0)
		return false;
	*unit = e0 / vb;
	return true;
}

/* The prefix of B's last tile along N that holds values inside the
 * operand (along N, and along K in its first and last tile: in between K
 * is whole), among its first `values` values. */
static uint32_t last_tile_prefix(const struct tz_geometry *geo, const struct hw_operand *o, uint32_t values)
{
	uint32_t prefix = 0;
	int64_t ks[2] = {0, geo->count[TZ_G_K] - 1};
	for (int i = 0; i < 2; i++) {
		struct point p = {0};
		set_group(geo, TZ_G_N, geo->count[TZ_G_N] - 1, &p);
		set_group(geo, TZ_G_K, ks[i], &p);
		for (uint32_t v = prefix; v < values; v++)
			if (set_tile_value(geo, o, v, &p))
				prefix = v + 1;
	}
	return prefix;
}

/* The values of B's last tile along N up to its last one inside the
 * operand, when DRAM can hold only those: B's tile is one element of a
 * scratchpad under DRAM that a narrow transfer moves, or under a shared
 * level whose DMA pads it (staged_unit: whole elements of the shared level
 * then); or several elements under DRAM (vector-mac's: 32 rows of 32
 * values), its whole elements up to the last that holds a value, the rest
 * the DMA's zero padding.  Not a diagonal binding's, whose values lie on the
 * diagonal.  0 when they are all of it. */
static uint32_t narrow_b(const struct tz_geometry *geo)
{
	const struct hw *hw = geo->hw;
	const struct hw_operand *o = &hw->intrinsic[geo->b.intrinsic].b;
	uint32_t values = o->tile_elems, unit = 1; /* unit: values a transfer moves whole, the rest its padding */
	bool padded = true;
	if (tz_diagonal(&geo->b) >= 0)
		return 0;
	if (geo->eb > 1) { /* whole elements of B's level */
		if (hw->level[o->level].parent >= 0 || values % geo->eb)
			return 0;
		unit = values / geo->eb;
	} else if (!(values = tz_narrow_values(hw, o->level))) { /* whole elements of the shared level */
		if (!staged_unit(hw, o->level, &unit))
			return 0;
		values = o->tile_elems;
	} else { /* a narrow transfer: the values themselves, the rest zero */
		padded = false;
	}
	if (values < 2 || o->tile_elems != values)
		return 0;
	uint32_t prefix = (last_tile_prefix(geo, o, values) + unit - 1) / unit * unit;
	if (padded && (values - prefix) / unit > hw->dma.max_pad)
		prefix = values - hw->dma.max_pad * unit;
	return prefix < values ? prefix : 0;
}

/* A diagonal binding's B tiles as their diagonals alone (b_diag): where B's
 * tile is one element of a level with diagonal loads and every lane tile
 * of an output tile lies on one of its diagonal blocks. */
static uint32_t diag_b(const struct tz_geometry *geo)
{
	const struct hw_intrinsic *in = &geo->hw->intrinsic[geo->b.intrinsic];
	int da = tz_operand_lane(in, &in->a), dj = tz_operand_lane(in, &in->out);
	if (tz_diagonal(&geo->b) < 0 || geo->eb != 1 || da < 0 || dj < 0 || !isa_diagonal_blocks(geo->hw, in->b.level))
		return 0;
	int64_t lanes = in->dim_size[da];
	for (int64_t k = 0; k * lanes < in->dim_size[dj]; k++)
		if (!tz_diag_block(geo, k))
			return 0;
	/* under shared levels each run of diagonals is staged in its tiles'
	 * place of B's staging area (lw_direct_load_b_diagonal): from a whole
	 * unit at or below it, rounded out to units, before the next run's */
	const struct hw_level *b = &geo->hw->level[in->b.level];
	uint64_t unit = tz_stage_unit(geo->hw, in->b.level);
	if (b->parent >= 0 && (uint64_t)lanes * dtype_bytes(b->dtype) + 3 * unit > b->elem_bytes)
		return 0;
	return (uint32_t)lanes;
}

/* B's tile of several elements under DRAM: the first values of each that
 * hold a value of the operand in any tile (tz_geometry's b_kvals).  Tile
 * (0, 0, 0) holds every place any tile does: a tile's value lies inside
 * the operand when it does along each axis, and every axis's first tile
 * is whole, or its only one. */
static uint32_t kvals_b(const struct tz_geometry *geo)
{
	const struct hw *hw = geo->hw;
	const struct hw_operand *o = &hw->intrinsic[geo->b.intrinsic].b;
	uint32_t values = tz_narrow_values(hw, o->level), held = 0;
	if (geo->eb < 2 || !values || tz_diagonal(&geo->b) >= 0 || o->tile_elems != values * geo->eb)
		return 0;
	struct point p = {0};
	for (uint32_t v = 0; v < o->tile_elems; v++)
		if (set_tile_value(geo, o, v, &p) && v % values + 1 > held)
			held = v % values + 1;
	return held < values ? held : 0;
}

uint64_t tz_gemm_b_elem_bytes(const struct tz_geometry *geo)
{
	return geo->b_kvals ? (uint64_t)geo->b_kvals * dtype_bytes(geo->hw->level[geo->hw->intrinsic[geo->b.intrinsic].b.level].dtype)
			    : geo->bytes_b;
}

static uint64_t narrow_b_tile_bytes(const struct tz_geometry *geo)
{
	uint64_t vb = dtype_bytes(geo->hw->level[geo->hw->intrinsic[geo->b.intrinsic].b.level].dtype);
	if (geo->b_kvals) /* whole elements up to the last that holds a value, each its first values */
		return (uint64_t)geo->b_narrow / (geo->bytes_b / vb) * tz_gemm_b_elem_bytes(geo);
	return (uint64_t)geo->b_narrow * vb;
}

/* The bytes of one batch of B that hold data in the GEMM form's DRAM
 * layout, and the batch's bytes: whole elements, so that the next batch's
 * whole tiles lie at whole elements, where loads address them. */
static uint64_t gemm_b_batch_data(const struct tz_geometry *geo)
{
	uint64_t tile = (uint64_t)geo->eb * tz_gemm_b_elem_bytes(geo), Nt = (uint64_t)geo->count[TZ_G_N], Kt = (uint64_t)geo->count[TZ_G_K];
	if (geo->b_diag)
		return Nt * Kt * tz_gemm_b_tile_bytes(geo, 0);
	return geo->b_narrow ? ((Nt - 1) * tile + narrow_b_tile_bytes(geo)) * Kt : Nt * Kt * tile;
}

static uint64_t gemm_b_batch_bytes(const struct tz_geometry *geo)
{
	uint64_t e = geo->bytes_b;
	return (gemm_b_batch_data(geo) + e - 1) / e * e;
}

uint64_t tz_gemm_b_bytes(const struct tz_geometry *geo)
{
	return (uint64_t)geo->count[TZ_G_BATCH] * gemm_b_batch_bytes(geo);
}

uint64_t tz_gemm_b_data_bytes(const struct tz_geometry *geo)
{
	return (uint64_t)geo->count[TZ_G_BATCH] * gemm_b_batch_data(geo);
}

uint64_t tz_gemm_b_tile_bytes(const struct tz_geometry *geo, int64_t n)
{
	if (geo->b_diag)
		return (uint64_t)geo->b_diag * dtype_bytes(geo->hw->level[geo->hw->intrinsic[geo->b.intrinsic].b.level].dtype);
	return n == geo->count[TZ_G_N] - 1 && geo->b_narrow ? narrow_b_tile_bytes(geo) : (uint64_t)geo->eb * tz_gemm_b_elem_bytes(geo);
}

uint64_t tz_gemm_b_offset(const struct tz_geometry *geo, int64_t bb, int64_t n, int64_t k)
{
	uint64_t tile = geo->b_diag ? tz_gemm_b_tile_bytes(geo, n) : (uint64_t)geo->eb * tz_gemm_b_elem_bytes(geo);
	uint64_t Kt = (uint64_t)geo->count[TZ_G_K];
	return (uint64_t)bb * gemm_b_batch_bytes(geo) + ((uint64_t)n * Kt) * tile + (uint64_t)k * tz_gemm_b_tile_bytes(geo, n);
}

/* One input operand: [Bt][MN][Kt] tiles. */
static void pack_operand(const struct tz_geometry *geo, const struct hw_operand *o, enum tz_group mn, int input,
			 uint32_t elems, uint32_t elem_bytes, const uint8_t *const *data, uint8_t *out)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	const struct ir_access *acc = &op->in[input];
	const uint8_t *src = data[acc->tensor];
	enum dtype st = geo->g->tensor[acc->tensor].dtype;
	uint64_t tile_values = (uint64_t)elems * elem_bytes / dtype_bytes(o->dtype), t = 0;
	for (int64_t bb = 0; bb < geo->count[TZ_G_BATCH]; bb++)
		for (int64_t x = 0; x < geo->count[mn]; x++)
			for (int64_t k = 0; k < geo->count[TZ_G_K]; k++, t++) {
				struct point p = {0};
				set_group(geo, TZ_G_BATCH, bb, &p);
				set_group(geo, mn, x, &p);
				set_group(geo, TZ_G_K, k, &p);
				/* B's tiles where the GEMM form holds them (its last row narrow:
				 * what it leaves out is padding) */
				bool b = mn == TZ_G_N;
				uint64_t first = b ? tz_gemm_b_offset(geo, bb, x, k) / dtype_bytes(o->dtype) : t * tile_values;
				uint32_t n = b && geo->b_narrow && x == geo->count[mn] - 1 ? geo->b_narrow : o->tile_elems;
				uint32_t per = o->tile_elems / elems, held = b && geo->b_kvals ? geo->b_kvals : per;
				for (uint32_t v = 0; v < n; v++) {
					int64_t e = set_tile_value(geo, o, v, &p) ? element_at(geo->g, acc, &p, op->niters) : -1;
					if (e >= 0) /* each element's first `held` values, packed */
						copy_value(src, st, e, out, o->dtype, first + v / per * held + v % per);
				}
			}
}

void tz_pack_a(const struct tz_geometry *geo, const uint8_t *const *data, uint8_t *out)
{
	memset(out, 0, tz_packed_a_bytes(geo));
	pack_operand(geo, &geo->hw->intrinsic[geo->b.intrinsic].a, TZ_G_M, geo->b.input_a, geo->ea, geo->bytes_a, data,
		     out);
}

void tz_pack_b(const struct tz_geometry *geo, const uint8_t *const *data, uint8_t *out)
{
	memset(out, 0, tz_gemm_b_bytes(geo));
	pack_operand(geo, &geo->hw->intrinsic[geo->b.intrinsic].b, TZ_G_N, geo->b.input_b, geo->eb, geo->bytes_b, data,
		     out);
}

/* Calls fn for every value of every output tile of the given extents (the
 * bias uses 1 along the groups it does not vary along). */
typedef void (*out_fn)(const struct tz_geometry *geo, const struct point *p, uint64_t index, void *ctx);

static void for_each_out(const struct tz_geometry *geo, const int64_t count[3], out_fn fn, void *ctx)
{
	const struct hw_operand *o = &geo->hw->intrinsic[geo->b.intrinsic].out;
	uint64_t tile_values = (uint64_t)geo->eo * geo->bytes_acc / dtype_bytes(o->dtype), t = 0;
	for (int64_t bb = 0; bb < count[0]; bb++)
		for (int64_t m = 0; m < count[1]; m++)
			for (int64_t n = 0; n < count[2]; n++, t++) {
				struct point p = {0};
				set_group(geo, TZ_G_BATCH, bb, &p);
				set_group(geo, TZ_G_M, m, &p);
				set_group(geo, TZ_G_N, n, &p);
				for (uint32_t v = 0; v < o->tile_elems; v++)
					if (set_tile_value(geo, o, v, &p))
						fn(geo, &p, t * tile_values + v, ctx);
			}
}

struct out_ctx {
	const uint8_t *src;
	uint8_t *dst;
};

static void bias_value(const struct tz_geometry *geo, const struct point *p, uint64_t index, void *ctx)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	const struct ir_epilogue *ep = &op->epilogue[geo->bias];
	const struct ir_affine *x = &op->out.index[ep->dim];
	int64_t i = x->offset;
	for (int it = 0; it < op->niters; it++)
		i += x->coef[it] * p->it[it];
	const struct ir_tensor *t = &geo->g->tensor[ep->tensor];
	struct out_ctx *c = ctx;
	if (i >= 0 && i < t->shape[0])
		copy_value(c->src, t->dtype, i, c->dst, op->acc, index);
}

void tz_pack_bias(const struct tz_geometry *geo, const uint8_t *const *data, uint8_t *out)
{
	memset(out, 0, tz_packed_bias_bytes(geo));
	if (geo->bias < 0)
		return;
	const int64_t count[3] = {tz_bias_count(geo, TZ_G_BATCH), tz_bias_count(geo, TZ_G_M), tz_bias_count(geo, TZ_G_N)};
	struct out_ctx c = {data[geo->g->op[geo->op].epilogue[geo->bias].tensor], out};
	for_each_out(geo, count, bias_value, &c);
}

/* Value `index` of the output buffer's tiles, reassembled from its planes. */
static void out_value(const struct tz_geometry *geo, const struct point *p, uint64_t index, void *ctx)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	const struct ir_tensor *t = &geo->g->tensor[op->out.tensor];
	const struct hw_level *ob = &geo->hw->level[geo->hw->role_level[HW_ROLE_OUTPUT]];
	struct out_ctx *c = ctx;
	int64_t e = element_at(geo->g, &op->out, p, op->niters);
	if (e < 0)
		return;
	if (dtype_float(t->dtype)) {
		copy_value(c->src, ob->dtype, (int64_t)index, c->dst, t->dtype, (uint64_t)e);
		return;
	}
	uint64_t plane_bytes = tz_packed_out_bytes(geo), v = 0;
	uint32_t bits = 8 * dtype_bytes(ob->dtype);
	for (int pl = 0; pl < geo->b.planes; pl++) {
		uint64_t part = (uint64_t)val_get_int(c->src + (uint64_t)pl * plane_bytes, ob->dtype, index);
		if (bits < 64)
			part &= ((uint64_t)1 << bits) - 1;
		v |= part << (bits * (uint32_t)pl);
	}
	val_put_int(c->dst, t->dtype, (uint64_t)e, (int64_t)v);
}

void tz_unpack_out(const struct tz_geometry *geo, const uint8_t *packed, uint8_t *tensor)
{
	const int64_t count[3] = {geo->count[TZ_G_BATCH], geo->count[TZ_G_M], geo->count[TZ_G_N]};
	struct out_ctx c = {packed, tensor};
	for_each_out(geo, count, out_value, &c);
}
