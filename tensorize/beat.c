/* tensorize/beat: the bias as each output tile's first intrinsic beat
 * (docs/compiler.md, "Lowering").
 *
 * An integer intrinsic computes acc[j] (+)= sum_k a[k] * b[j][k].  Take for
 * a a constant tile of place values p = [P, ..., P, 1] (P the largest value
 * of a's dtype) and for b a tile whose row j holds digits d of bias[j],
 * bias = P * (d_0 + ... + d_{K-2}) + d_{K-1}: one beat with `reset` starts
 * each output tile from its bias, exactly, and the ALU's `add` pass over
 * the block is gone.  Where the ALU takes longer over an accumulator
 * element than the intrinsic over a beat (edge-tiny: 4 lanes for 8 values,
 * 2 cycles against 1) that is cheaper.  The digits are the bias's, so the
 * bias must be a constant whose range (ir_tensor.lo, hi) they can hold:
 * about +-113 000 for 8 lanes of int8. */
#include <string.h>

#include "base/value.h"
#include "isa/isa.h"
#include "tensorize.h"

/* Digits of one value at most: a reduction dimension's lanes. */
enum { BEAT_MAX_K = 256 };

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The K digits of v in [dlo, dhi] over place values [p, ..., p, 1]; false
 * when they cannot hold it.  The quotient is v / p to the nearest, within
 * what the first K - 1 digits sum to, the last digit the rest: every value
 * from (K - 1) * dlo * p + dlo to (K - 1) * dhi * p + dhi, the ends of the
 * sum, where the rest of a quotient to the nearest fits a digit
 * (beat_digits_fit). */
static bool digits(int64_t v, int k, int64_t p, int64_t dlo, int64_t dhi, int64_t *d)
{
	if (k == 1) {
		d[0] = v;
		return v >= dlo && v <= dhi;
	}
	int64_t q = floor_div(v + p / 2, p), qlo = (k - 1) * dlo, qhi = (k - 1) * dhi;
	q = q < qlo ? qlo : q > qhi ? qhi : q;
	int64_t last = v - q * p;
	if (last < dlo || last > dhi)
		return false;
	d[k - 1] = last;
	for (int i = 0; i < k - 1; i++) {
		d[i] = q < dlo ? dlo : q > dhi ? dhi : q;
		q -= d[i];
	}
	return true;
}

/* Whether the rest of v over p to the nearest, from -(p / 2) to
 * p - 1 - p / 2, is a digit: then the values the digits hold have no gaps,
 * and a range's ends decide whether they hold it. */
static bool beat_digits_fit(int64_t p, int64_t dlo, int64_t dhi)
{
	return -(p / 2) >= dlo && p - 1 - p / 2 <= dhi;
}

/* The intrinsic's shape for a beat: one reduction dimension (kd, its lanes),
 * A a single row along it, B rows along the output lanes (jd, or none), the
 * output one row; every operand one element a tile.  b_lane_k: B's values
 * run along kd within a row. */
struct beat_shape {
	int kd, jd;
	bool b_lane_k;
};

static bool beat_shape(const struct tz_geometry *geo, struct beat_shape *s)
{
	const struct hw_intrinsic *in = &geo->hw->intrinsic[geo->b.intrinsic];
	if (geo->ea != 1 || geo->eb != 1 || geo->eo != 1)
		return false;
	s->kd = tz_operand_lane(in, &in->a);
	if (s->kd < 0 || !in->dim_reduction[s->kd] || tz_operand_rows(in, &in->a) >= 0 || tz_operand_rows(in, &in->out) >= 0)
		return false;
	for (int d = 0; d < in->ndims; d++)
		if (d != s->kd && in->dim_reduction[d] && in->dim_size[d] > 1)
			return false;
	s->jd = tz_operand_lane(in, &in->out);
	int bl = tz_operand_lane(in, &in->b), br = tz_operand_rows(in, &in->b);
	s->b_lane_k = bl == s->kd;
	uint32_t k = in->dim_size[s->kd], j = s->jd >= 0 ? in->dim_size[s->jd] : 1;
	/* the elements hold exactly their tile's values, as the packing writes them */
	if (geo->bytes_a != k * dtype_bytes(in->a.dtype) || geo->bytes_b != k * j * dtype_bytes(in->b.dtype) ||
	    geo->bytes_acc != j * dtype_bytes(in->out.dtype) || in->out.dtype != geo->g->op[geo->op].acc)
		return false;
	if (s->jd < 0)
		return bl == s->kd && br < 0;
	return (bl == s->kd && br == s->jd) || (bl == s->jd && br == s->kd);
}

void tz_beat_derive(struct tz_geometry *geo)
{
	const struct hw *hw = geo->hw;
	const struct ir_op *op = &geo->g->op[geo->op];
	const struct hw_intrinsic *in = &hw->intrinsic[geo->b.intrinsic];
	geo->bias_beat = false;
	/* along N (output channels), or the batch alone (a diagonal binding's channel tiles) */
	geo->beat_group = geo->bias_on[TZ_G_N] ? TZ_G_N : TZ_G_BATCH;
	if (geo->bias != 0 || dtype_float(op->acc) || op->reduce != IR_REDUCE_SUM || op->combine != IR_COMBINE_MUL ||
	    geo->bias_on[TZ_G_M] || geo->bias_on[TZ_G_N] == geo->bias_on[TZ_G_BATCH] || dtype_float(in->a.dtype) || dtype_float(in->b.dtype) || dtype_float(in->out.dtype) ||
	    hw->level[in->a.level].parent >= 0 || hw->level[in->b.level].parent >= 0)
		return;
	/* cheaper than the pass it replaces: a beat per element against the ALU's beats over it */
	if ((uint64_t)isa_alu_passes(hw) * hw->alu.initiation_interval <= in->initiation_interval)
		return;
	struct beat_shape s;
	const struct ir_tensor *t = &geo->g->tensor[op->epilogue[0].tensor];
	if (!beat_shape(geo, &s) || !t->bounded)
		return;
	int64_t alo, ahi, dlo, dhi, d[BEAT_MAX_K];
	dtype_int_range(in->a.dtype, &alo, &ahi);
	dtype_int_range(in->b.dtype, &dlo, &dhi);
	int k = (int)in->dim_size[s.kd];
	if (k > BEAT_MAX_K || ahi < 1 || !beat_digits_fit(ahi, dlo, dhi))
		return;
	geo->bias_beat = digits(t->lo, k, ahi, dlo, dhi, d) && digits(t->hi, k, ahi, dlo, dhi, d);
}

uint64_t tz_beat_digit_bytes(const struct tz_geometry *geo)
{
	return (uint64_t)geo->count[geo->beat_group] * geo->bytes_b;
}

/* Digit tiles per output block: its tiles along N, or its batch index's one. */
int64_t tz_beat_block_tiles(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	return geo->beat_group == TZ_G_N ? m->bn : 1;
}

int64_t tz_beat_kernel_uops(const struct tz_mapping *m)
{
	return m->direct ? m->bn : 1;
}

int64_t tz_beat_kernels(const struct tz_geometry *geo, const struct tz_mapping *m, enum tz_beat mode)
{
	if (mode == TZ_BEAT_PER_BLOCK)
		return TZ_BEAT_BUFFERS;
	return geo->beat_group == TZ_G_N ? (geo->count[TZ_G_N] + m->bn - 1) / m->bn : geo->count[TZ_G_BATCH];
}

uint64_t tz_beat_uops(const struct tz_geometry *geo, const struct tz_mapping *m, enum tz_beat mode)
{
	return (uint64_t)m->ring_acc * (uint64_t)tz_beat_kernels(geo, m, mode) * (uint64_t)tz_beat_kernel_uops(m);
}

enum tz_beat tz_beat_fits(const struct tz_geometry *geo, const struct tz_mapping *m, uint64_t slot_a, uint64_t slot_b,
			  uint64_t uops)
{
	if (!geo->bias_beat)
		return TZ_BEAT_NONE;
	const struct hw *hw = geo->hw;
	const struct hw_intrinsic *in = &hw->intrinsic[geo->b.intrinsic];
	uint64_t depth_b = hw->level[in->b.level].depth, depth_u = hw->level[hw->role_level[HW_ROLE_UOP]].depth;
	/* the place values after A's buffers; every digit tile after B's, or a block's in each of two buffers */
	if ((uint64_t)m->ring_a * slot_a + 1 > hw->level[in->a.level].depth)
		return TZ_BEAT_NONE;
	if ((uint64_t)m->ring_b * slot_b + (uint64_t)geo->count[geo->beat_group] <= depth_b &&
	    uops + tz_beat_uops(geo, m, TZ_BEAT_RESIDENT) + 64 <= depth_u)
		return TZ_BEAT_RESIDENT;
	if ((uint64_t)m->ring_b * slot_b + TZ_BEAT_BUFFERS * (uint64_t)tz_beat_block_tiles(geo, m) <= depth_b &&
	    uops + tz_beat_uops(geo, m, TZ_BEAT_PER_BLOCK) + 64 <= depth_u)
		return TZ_BEAT_PER_BLOCK;
	return TZ_BEAT_NONE;
}

bool tz_pack_beat(const struct tz_geometry *geo, const uint8_t *bias, uint8_t *place, uint8_t *digit)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	const struct hw_intrinsic *in = &geo->hw->intrinsic[geo->b.intrinsic];
	struct beat_shape s;
	beat_shape(geo, &s);
	int64_t alo, ahi, dlo, dhi, d[BEAT_MAX_K];
	dtype_int_range(in->a.dtype, &alo, &ahi);
	dtype_int_range(in->b.dtype, &dlo, &dhi);
	int k = (int)in->dim_size[s.kd], lanes = s.jd >= 0 ? (int)in->dim_size[s.jd] : 1;
	uint64_t per_acc = geo->bytes_acc / dtype_bytes(op->acc), per_b = geo->bytes_b / dtype_bytes(in->b.dtype);
	memset(place, 0, geo->bytes_a);
	for (int i = 0; i < k; i++)
		val_put_int(place, in->a.dtype, (uint64_t)i, i == k - 1 ? 1 : ahi);
	memset(digit, 0, tz_beat_digit_bytes(geo));
	for (int64_t n = 0; n < geo->count[geo->beat_group]; n++)
		for (int j = 0; j < lanes; j++) {
			int64_t v = val_get_int(bias, op->acc, (uint64_t)n * per_acc + (uint64_t)j);
			if (!digits(v, k, ahi, dlo, dhi, d)) /* data other than what the bounds were taken from */
				return false;
			for (int i = 0; i < k; i++)
				val_put_int(digit, in->b.dtype,
					    (uint64_t)n * per_b + (uint64_t)(s.b_lane_k ? j * k + i : i * lanes + j), d[i]);
		}
	return true;
}

bool tz_bias_beat(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	return tz_beat_mode(geo, m) != TZ_BEAT_NONE;
}

enum tz_beat tz_beat_mode(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	if (!geo->bias_beat)
		return TZ_BEAT_NONE;
	if (m->direct) {
		struct tz_direct_block db;
		tz_direct_block(geo, m, &db);
		return (enum tz_beat)db.beat;
	}
	/* beside the GEMM form's buffers and its kernels of the intrinsic and the immediates */
	return tz_beat_fits(geo, m, (uint64_t)(m->bm * m->bk) * geo->ea, (uint64_t)(m->bn * m->bk) * geo->eb,
			    (uint64_t)(m->ring_a * m->ring_b * m->ring_acc) * (uint64_t)m->bk + (uint64_t)m->ring_acc * geo->eo);
}

double tz_beat_loads(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	if (tz_beat_mode(geo, m) != TZ_BEAT_PER_BLOCK)
		return 0;
	double Bt = (double)geo->count[TZ_G_BATCH];
	if (geo->beat_group == TZ_G_BATCH) /* the batch loop is outermost */
		return Bt;
	int64_t Nb = (geo->count[TZ_G_N] + m->bn - 1) / m->bn;
	int64_t Mb = m->direct ? tz_direct_mblocks(geo, m) : (geo->count[TZ_G_M] + m->bm - 1) / m->bm;
	if (Nb <= TZ_BEAT_BUFFERS) /* every block's digits stay */
		return (double)Nb;
	return m->n_outer ? Bt * (double)Nb : Bt * (double)(Nb * Mb);
}
