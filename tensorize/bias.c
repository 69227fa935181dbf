/* tensorize/bias: where an op's bias is while its output accumulates, and
 * what that costs the compute module (the bias beat is tensorize/beat.c):
 *  - the first value of each output block, loaded into it over the
 *    accumulator's DMA (tz_bias_init);
 *  - whole in the accumulator for the op, loaded once (tz_bias_resident);
 *  - or a block's, loaded per output block; the last two added by an ALU
 *    pass after the block's reduction. */
#include "isa/isa.h"
#include "tensorize.h"

/* Cycles of one load of an output block's bias into the block: over the
 * slower of the accumulator's port and its parent's (a shared level, or
 * DRAM), whose latency it pays once per load (the direct form's: one per
 * output tile, lw_load_spread). */
double tz_bias_fill_bandwidth(const struct hw *hw)
{
	const struct hw_level *acc = &hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]];
	double from = acc->parent >= 0 ? hw->level[acc->parent].bandwidth : hw->dram.bandwidth;
	return acc->bandwidth < from ? acc->bandwidth : from;
}

static double bias_fill_cycles(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	const struct hw *hw = geo->hw;
	const struct hw_level *acc = &hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]];
	double lat = acc->parent >= 0 ? hw->level[acc->parent].latency : hw->dram.latency;
	return (double)(m->bm * m->bn) * geo->eo * geo->bytes_acc / tz_bias_fill_bandwidth(hw) +
	       lat * (double)(m->direct ? m->bn : 1);
}

bool tz_bias_init(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	/* integers only: a float sum started from the bias rounds differently */
	if (geo->bias < 0 || dtype_float(op->acc) || op->reduce != IR_REDUCE_SUM || !op->nepilogues ||
	    op->epilogue[0].kind != IR_EP_BIAS || geo->bias_on[TZ_G_BATCH] || !geo->bias_on[TZ_G_N] ||
	    (m->direct && geo->eo != 1) || tz_bias_beat(geo, m))
		return false;
	/* the block's bias over the DMA against one ALU pass over the block */
	const struct hw *hw = geo->hw;
	uint64_t beats = (uint64_t)(m->bm * m->bn) * geo->eo * isa_alu_passes(hw);
	return bias_fill_cycles(geo, m) < (double)isa_pipeline_cycles(beats, 1, hw->alu.initiation_interval, hw->alu.latency);
}

/* A bias kept whole along group gr: its tiles per block along gr, and the
 * batch indices it varies along besides (the GEMM form's grouped layers:
 * the DRAM bias's order, [batch][M][N] tiles, one group's after another). */
static void home_along(const struct tz_geometry *geo, const struct tz_mapping *m, int gr, struct tz_bias_home *h)
{
	h->group = gr;
	h->per = gr == TZ_G_M ? m->bm : gr == TZ_G_N ? m->bn : 1;
	h->batches = !m->direct && gr != TZ_G_BATCH ? tz_bias_count(geo, TZ_G_BATCH) : 1;
	int64_t along = tz_bias_count(geo, (enum tz_group)gr);
	h->tiles = along * h->batches;
	h->blocks = tz_blocks(along, h->per);
}

int tz_bias_resident(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	if (tz_bias_init(geo, m) || tz_bias_beat(geo, m))
		return -1;
	if (m->direct) { /* along the output's tiles, or a diagonal binding's channel tiles (the batch group) */
		struct tz_direct_block db;
		tz_direct_block(geo, m, &db);
		return !db.bias_resident ? -1 : geo->bias_on[TZ_G_BATCH] ? TZ_G_BATCH : TZ_G_N;
	}
	if (geo->bias < 0 || (geo->bias_on[TZ_G_M] && geo->bias_on[TZ_G_N]))
		return -1;
	/* along M or N, each batch index's after the other's where it varies
	 * along the batch too (a grouped convolution's channels of each group) */
	struct tz_bias_home h;
	home_along(geo, m,
		   geo->bias_on[TZ_G_M]			     ? TZ_G_M
		   : geo->bias_on[TZ_G_N] || !geo->bias_on[TZ_G_BATCH] ? TZ_G_N
								     : TZ_G_BATCH,
		   &h);
	const struct hw *hw = geo->hw;
	uint64_t acc = (uint64_t)m->ring_acc * (uint64_t)(m->bm * m->bn) * geo->eo + (uint64_t)h.tiles * geo->eo;
	uint64_t uops = (uint64_t)(m->ring_a * m->ring_b * m->ring_acc) * (uint64_t)m->bk +
			(uint64_t)m->ring_acc * geo->eo * (1 + (uint64_t)(h.blocks * h.batches)) + 64;
	if (acc > hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].depth || uops > hw->level[hw->role_level[HW_ROLE_UOP]].depth)
		return -1;
	return h.group;
}

void tz_bias_home(const struct tz_geometry *geo, const struct tz_mapping *m, struct tz_bias_home *h)
{
	int gr = tz_bias_resident(geo, m);
	if (gr >= 0)
		home_along(geo, m, gr, h);
	else
		*h = (struct tz_bias_home){.group = -1};
}

/* The bias's cycles on the compute module when no beat starts the tiles
 * from it: each block's repeated over its rows, the whole once, or a
 * block's per output block */
double tz_bias_compute_cycles(const struct tz_geometry *geo, const struct tz_mapping *m, double outs, bool init,
			     bool resident)
{
	const struct hw *hw = geo->hw;
	int lv = hw->intrinsic[geo->b.intrinsic].out.level;
	if (init)
		return outs * bias_fill_cycles(geo, m);
	if (geo->bias < 0)
		return 0;
	if (resident)
		return tz_transfer_cycles(hw, lv, (double)tz_packed_bias_bytes(geo), 1);
	if (m->direct)
		return tz_transfer_cycles(hw, lv, outs * (double)(m->bn * geo->eo * geo->bytes_acc), outs);
	/* the GEMM form's block of the bias, over the tiles it varies along */
	double tiles = (double)(tz_bias_count(geo, TZ_G_BATCH) * tz_bias_count(geo, TZ_G_M) * tz_bias_count(geo, TZ_G_N));
	return tz_transfer_cycles(hw, lv, (double)tz_packed_bias_bytes(geo) * outs / tiles, outs);
}

