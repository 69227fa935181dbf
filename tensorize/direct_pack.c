/* tensorize/direct_pack: the direct form's operands packed once, at
 * compile time: B in tile order (a diagonal binding's weights on the
 * diagonal of their tiles), the bias per output tile, and the iterators'
 * values at a block's first point (docs/tensorize.md, "The direct form"). */
#include <stdio.h>
#include <string.h>

#include "base/value.h"
#include "isa/isa.h"
#include "tensorize.h"

uint64_t tz_direct_b_bytes(const struct tz_geometry *geo)
{
	return tz_gemm_b_bytes(geo);
}

/* The value of access a at iterators it, or 0 outside its tensor, as a double. */
static double value_at(const struct ir_graph *g, const struct ir_access *a, const int64_t *it, const uint8_t *data)
{
	const struct ir_tensor *t = &g->tensor[a->tensor];
	int64_t off = 0;
	for (int dd = 0; dd < t->rank; dd++) {
		int64_t x = a->index[dd].offset;
		for (int i = 0; i < IR_MAX_ITERS; i++)
			x += a->index[dd].coef[i] * it[i];
		if (x < 0 || x >= t->shape[dd])
			return 0;
		off = off * t->shape[dd] + x;
	}
	return dtype_float(t->dtype) ? val_get_float(data, t->dtype, (uint64_t)off) : (double)val_get_int(data, t->dtype, (uint64_t)off);
}

static void put_value(uint8_t *dst, enum dtype dt, uint64_t i, double v)
{
	if (dtype_float(dt))
		val_put_float(dst, dt, i, v);
	else
		val_put_int(dst, dt, i, (int64_t)v);
}

/* The value index in b's tile of the value at a's lane index `ia` and the
 * output's lane index `ij` (b's tile row major in its expression's order). */
static uint64_t diagonal_value(const struct hw_intrinsic *in, int da, int dj, int64_t ia, int64_t ij)
{
	uint64_t v = 0;
	for (int i = 0; i < in->b.rank; i++) {
		int dim = in->b.dim[i];
		v = v * in->dim_size[dim] + (uint64_t)(dim == da ? ia : dim == dj ? ij : 0);
	}
	return v;
}

uint32_t tz_diag_block(const struct tz_geometry *geo, int64_t k)
{
	const struct hw_intrinsic *in = &geo->hw->intrinsic[geo->b.intrinsic];
	int lv = in->b.level, da = tz_operand_lane(in, &in->a), dj = tz_operand_lane(in, &in->out);
	uint32_t blocks = isa_diagonal_blocks(geo->hw, lv), lanes = in->dim_size[da];
	for (uint32_t d = 1; d <= blocks; d++) {
		uint32_t t = 0;
		if (isa_diagonal_room(geo->hw, lv, d) < lanes)
			continue;
		while (t < lanes && k * lanes + t < in->dim_size[dj] &&
		       diagonal_value(in, da, dj, t, k * lanes + t) == isa_diagonal_position(geo->hw, lv, d, t))
			t++;
		if (t == lanes)
			return d;
	}
	return 0;
}

/* A diagonal binding's B: per block of the diagonal iterator, lane tile of
 * a in it (one, unless the output's elements are wider) and window position
 * one tile, its values on the diagonal: a's lane t of tile k feeds output
 * lane k·(a's lanes) + t. */
static void pack_diagonal_b(const struct tz_geometry *geo, const uint8_t *const *data, uint8_t *out)
{
	const struct tz_direct *d = &geo->dir;
	const struct ir_op *op = &geo->g->op[geo->op];
	const struct ir_access *b = &op->in[geo->b.input_b];
	const struct hw_intrinsic *in = &geo->hw->intrinsic[geo->b.intrinsic];
	int da = tz_operand_lane(in, &in->a), dj = tz_operand_lane(in, &in->out);
	int64_t lanes = in->dim_size[da], kt = geo->count[TZ_G_K] / d->win_points;
	memset(out, 0, tz_direct_b_bytes(geo));
	for (int64_t bb = 0; bb < geo->count[TZ_G_BATCH]; bb++)
		for (int64_t k = 0; k < kt; k++)
			for (int64_t w = 0; w < d->win_points; w++) {
				int64_t it[IR_MAX_ITERS];
				tz_direct_point(geo, bb, 0, 0, 0, k, 0, it);
				for (int64_t r = w, i = d->nwin - 1; i >= 0; i--) {
					it[d->win[i]] = r % op->iter[d->win[i]].extent;
					r /= op->iter[d->win[i]].extent;
				}
				int64_t base = it[d->lane_a];
				/* its diagonal alone (b_diag), or the whole tile, where the GEMM form's layout puts it */
				uint64_t tile = tz_gemm_b_offset(geo, bb, 0, k * d->win_points + w) / dtype_bytes(in->b.dtype);
				for (int64_t t = 0; t < lanes && base + t < op->iter[d->lane_a].extent; t++) {
					it[d->lane_a] = base + t;
					put_value(out, in->b.dtype,
						  tile + (geo->b_diag ? (uint64_t)t : diagonal_value(in, da, dj, t, k * lanes + t)),
						  value_at(geo->g, b, it, data[b->tensor]));
				}
			}
}

void tz_direct_pack_b(const struct tz_geometry *geo, const uint8_t *const *data, uint8_t *out, uint8_t *scratch)
{
	if (tz_diagonal(&geo->b) >= 0) {
		pack_diagonal_b(geo, data, out);
		return;
	}
	tz_pack_b(geo, data, scratch);
	const struct tz_direct *d = &geo->dir;
	int lane_dim = geo->b.dim_of[d->lane_a], kp = -1, nk = geo->naxes[TZ_G_K];
	for (int i = 0; i < nk; i++)
		if (geo->axis[TZ_G_K][i].is_dim && geo->axis[TZ_G_K][i].index == lane_dim)
			kp = i;
	int64_t Kt = geo->count[TZ_G_K], Nt = geo->count[TZ_G_N], rows = geo->count[TZ_G_BATCH] * Nt;
	memset(out, 0, tz_direct_b_bytes(geo));
	for (int64_t k = 0; k < Kt; k++) {
		int64_t r = k, lane = 0, win = 0, scale = 1;
		for (int i = nk - 1; i >= 0; i--) { /* the window index: the other axes, row-major */
			int64_t v = r % geo->axis[TZ_G_K][i].extent;
			r /= geo->axis[TZ_G_K][i].extent;
			if (i == kp)
				lane = v;
			else
				win += v * scale, scale *= geo->axis[TZ_G_K][i].extent;
		}
		int64_t to = lane * d->win_points + win;
		for (int64_t row = 0; row < rows; row++) /* in the GEMM form's rows of tiles (its last row narrow) */
			memcpy(out + tz_gemm_b_offset(geo, row / Nt, row % Nt, to),
			       scratch + tz_gemm_b_offset(geo, row / Nt, row % Nt, k), tz_gemm_b_tile_bytes(geo, row % Nt));
	}
}

void tz_direct_point(const struct tz_geometry *geo, int64_t bb, int64_t sidx, int64_t r0, int64_t c0, int64_t ka,
		     int64_t nt, int64_t *it)
{
	const struct tz_direct *d = &geo->dir;
	const struct hw_intrinsic *in = &geo->hw->intrinsic[geo->b.intrinsic];
	memset(it, 0, IR_MAX_ITERS * sizeof *it);
	for (int i = geo->naxes[TZ_G_BATCH] - 1; i >= 0; i--) {
		const struct tz_axis *ax = &geo->axis[TZ_G_BATCH][i];
		if (!ax->is_dim)
			it[ax->index] = bb % ax->extent * ax->step;
		else if (d->lanewise && ax->index == geo->b.dim_of[d->lane_a]) /* a vector MAC's lanes: a block each */
			it[d->lane_a] = bb % ax->extent * in->dim_size[ax->index];
		bb /= ax->extent;
	}
	for (int i = geo->naxes[TZ_G_M] - 1; i >= 0; i--) {
		const struct tz_axis *ax = &geo->axis[TZ_G_M][i];
		if (ax->is_dim || ax->index == d->box_col || ax->index == d->box_row)
			continue;
		it[ax->index] = sidx % ax->extent;
		sidx /= ax->extent;
	}
	it[d->box_col] = c0;
	if (d->box_row >= 0)
		it[d->box_row] = r0;
	if (d->lanewise) { /* the lanes are the diagonal's or vector MAC's iterator's, set by its block, and a's tile */
		it[d->lane_a] += ka * d->a.lanes;
		return;
	}
	it[d->lane_a] = ka * in->dim_size[geo->b.dim_of[d->lane_a]];
	it[d->lane_out] = nt * in->dim_size[geo->b.dim_of[d->lane_out]];
}

uint64_t tz_direct_bias_bytes(const struct tz_geometry *geo)
{
	return tz_packed_bias_bytes(geo);
}

void tz_direct_pack_bias(const struct tz_geometry *geo, const uint8_t *const *data, uint8_t *out)
{
	const struct tz_direct *d = &geo->dir;
	const struct ir_op *op = &geo->g->op[geo->op];
	memset(out, 0, tz_packed_bias_bytes(geo));
	if (geo->bias < 0)
		return;
	const struct ir_epilogue *ep = &op->epilogue[geo->bias];
	const struct ir_tensor *t = &geo->g->tensor[ep->tensor];
	int64_t nb = tz_bias_count(geo, TZ_G_BATCH), nn = tz_bias_count(geo, TZ_G_N);
	for (int64_t bb = 0; bb < nb; bb++)
		for (int64_t nt = 0; nt < nn; nt++) {
			int64_t it[IR_MAX_ITERS];
			tz_direct_point(geo, bb, 0, 0, 0, 0, nt, it);
			int64_t base = it[d->lane_out];
			uint64_t tile = (uint64_t)(bb * nn + nt) * d->out.rows * d->out.lanes;
			for (uint32_t l = 0; l < d->out.lanes; l++) {
				it[d->lane_out] = base + l;
				int64_t i = ir_affine_at(&op->out.index[ep->dim], it);
				if (it[d->lane_out] >= op->iter[d->lane_out].extent || i < 0 || i >= t->shape[0])
					continue;
				double v = dtype_float(t->dtype) ? val_get_float(data[ep->tensor], t->dtype, (uint64_t)i)
								 : (double)val_get_int(data[ep->tensor], t->dtype, (uint64_t)i);
				for (uint32_t r = 0; r < d->out.rows; r++) /* every row of the element: one point each */
					put_value(out, op->acc, tile + r * d->out.lanes + l, v);
			}
		}
}
