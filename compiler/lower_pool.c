/* compiler/lower_pool: max pooling on the vector ALU (tensorize/pool.c,
 * docs/tensorize.md).  Blocks of pixels' windows are loaded into the
 * accumulator, `mov` takes the first window position and `max` the others
 * into the output block, which is stored; two buffers let one block load
 * while the other computes and stores. */
#include <inttypes.h>
#include <string.h>

#include "lower.h"
#include "base/alloc.h"

enum { POOL_RING = 2 };

struct pool_lowering {
	struct lw_op lo;
	const struct tz_pool *pool;
	int64_t block;                     /* pixels per block */
	uint64_t slot;                     /* accumulator elements per buffer: block outputs, then their windows */
	uint32_t k_mov[POOL_RING], k_max[POOL_RING]; /* micro-op kernels per buffer */
	uint64_t stage_windows[POOL_RING][HW_MAX_LEVELS];
	int windows_reader[POOL_RING];     /* last reader of a buffer's window staging */
	int out_reader[POOL_RING];         /* last reader of a buffer's outputs: its store */
	uint64_t seg_windows, seg_out;
};

/* Pixels per block: two buffers of (window + 1) accumulator elements per
 * pixel, within the accumulator and the ISA's loop extent. */
static int64_t pool_block(const struct hw *hw, const struct tz_pool *p)
{
	int64_t per = p->window + 1, bm = (int64_t)hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].depth / (2 * per);
	bm = bm < p->pixels ? bm : p->pixels;
	return bm < (int64_t)hw->isa.max_loop_extent ? bm : (int64_t)hw->isa.max_loop_extent;
}

static struct isa_insn pool_alu(const struct pool_lowering *pl, uint32_t uop, int64_t pixels, enum hw_alu_op op)
{
	int64_t window = pl->pool->window;
	struct isa_insn in = {.kind = isa_kind_of_class(pl->lo.lay, ISA_CLASS_ALU)};
	in.f[ISA_F_UOP_BEGIN] = uop;
	in.f[ISA_F_UOP_END] = uop + 1;
	in.f[ISA_F_ITER_OUT] = pixels;
	in.f[ISA_F_ITER_IN] = op == HW_ALU_MOV ? 1 : window - 1;
	in.f[ISA_F_DST_OUT] = 1;
	in.f[ISA_F_SRC_OUT] = window;
	in.f[ISA_F_SRC_IN] = op == HW_ALU_MOV ? 0 : 1;
	in.f[ISA_F_ALU_OP] = op;
	return in;
}

/* One block of `pixels` pixels of lane tile `tile` through buffer q. */
static void emit_block(struct pool_lowering *pl, int64_t tile, int64_t first_pixel, int64_t pixels, int q)
{
	struct lw_op *lo = &pl->lo;
	const struct tz_pool *p = pl->pool;
	uint32_t ea = lo->hw->level[lo->lv_acc].elem_bytes, eo = lo->hw->level[lo->lv_out].elem_bytes;
	uint64_t out = (uint64_t)q * pl->slot, in = out + (uint64_t)pl->block,
		 first = (uint64_t)(tile * p->pixels + first_pixel);
	lw_load_block(lo, lo->lv_acc, in, pl->seg_windows + first * (uint64_t)p->window * ea, 1,
		      (uint64_t)(pixels * p->window), 0, pl->stage_windows[q], pl->windows_reader[q]);
	pl->windows_reader[q] = lo->s->n - 1;
	struct isa_insn mv = pool_alu(pl, pl->k_mov[q], pixels, HW_ALU_MOV);
	int last = st_emit(lo->s, &mv);
	st_need(lo->s, last, pl->out_reader[q]); /* the output buffer is free again */
	if (p->window > 1) {
		struct isa_insn mx = pool_alu(pl, pl->k_max[q], pixels, HW_ALU_MAX);
		last = st_emit(lo->s, &mx);
	}
	int store = lw_store_block(lo, out, pl->seg_out + first * eo, 1, (uint64_t)pixels, 0, last);
	pl->out_reader[q] = store;
	lo->prog->last_store = store;
	lw_note_last_compute(lo);
}

static void emit_pool(struct pool_lowering *pl)
{
	const struct tz_pool *p = pl->pool;
	int64_t nblocks = (p->pixels + pl->block - 1) / pl->block, o = 0;
	for (int64_t tile = 0; tile < p->tiles; tile++)
		for (int64_t b = 0; b < nblocks; b++, o++) {
			int64_t first = b * pl->block, left = p->pixels - first;
			emit_block(pl, tile, first, left < pl->block ? left : pl->block, (int)(o % POOL_RING));
		}
}

/* Per buffer: mov from the first window position, max from the next. */
static void build_kernels(struct pool_lowering *pl)
{
	struct lw_op *lo = &pl->lo;
	uint64_t bm = (uint64_t)pl->block;
	lw_pad_uops(lo);
	lo->uop_rel = (uint32_t)lo->prog->p.nuop;
	for (int q = 0; q < POOL_RING; q++) {
		uint64_t out = (uint64_t)q * pl->slot;
		pl->k_mov[q] = lo->nuops;
		lw_add_uop(lo, (uint32_t)out, (uint32_t)(out + bm), 0);
		pl->k_max[q] = lo->nuops;
		lw_add_uop(lo, (uint32_t)out, (uint32_t)(out + bm + 1), 0);
	}
	lw_pad_uops(lo);
}

/* Staging through the shared levels: the two window buffers, the micro-ops
 * and the outputs. */
static int plan_staging(struct pool_lowering *pl, struct diags *err)
{
	struct lw_op *lo = &pl->lo;
	const struct hw *hw = lo->hw;
	uint32_t ea = hw->level[lo->lv_acc].elem_bytes, align = lw_lcm32(lw_lcm32(ea, hw->level[lo->lv_out].elem_bytes), 64);
	for (int s = 0; s < hw->nlevels; s++) {
		if (hw->level[s].role != HW_ROLE_SHARED)
			continue;
		uint64_t a = lw_lcm32(align, hw->level[s].elem_bytes),
			 in_bytes = lw_align_up((uint64_t)pl->block * (uint64_t)pl->pool->window * ea, a);
		pl->stage_windows[0][s] = 0, pl->stage_windows[1][s] = in_bytes, lo->stage_uop[s] = 2 * in_bytes;
		lo->stage_out[s] = lo->stage_uop[s] + lw_align_up(4 * hw->level[lo->lv_uop].elem_bytes + a, a);
		if (lo->stage_out[s] + lw_align_up((uint64_t)pl->block * hw->level[lo->lv_out].elem_bytes, a) > hw->level[s].capacity) {
			diag_add(err, NULL, 0, 0, "op '%s': staging the windows through '%s' does not fit it", lo->op->name,
				 hw->level[s].name);
			return -1;
		}
	}
	return 0;
}

static void make_segments(struct pool_lowering *pl, const uint8_t *const *data)
{
	struct lw_op *lo = &pl->lo;
	const struct hw *hw = lo->hw;
	uint8_t *packed = NULL;
	if (data && (packed = try_malloc(tz_pool_packed_bytes(hw, pl->pool) + 1)))
		tz_pool_pack(hw, lo->g, lo->rec->op, pl->pool, data, packed);
	else if (data)
		lw_nomem(lo->prog, tz_pool_packed_bytes(hw, pl->pool) + 1, "the packed windows");
	pl->seg_windows = lw_add_segment(lo, "windows", lw_segment_kind(lo->g, lo->op->in[0].tensor),
					 tz_pool_packed_bytes(hw, pl->pool), packed);
	uint64_t out_bytes = (uint64_t)(pl->pool->tiles * pl->pool->pixels) * hw->level[lo->lv_out].elem_bytes;
	pl->seg_out = lw_add_segment(lo, "out", ISA_SEG_OUTPUT, out_bytes, NULL);
	lo->rec->out_segment = lo->prog->p.nseg - 1;
}

/* ---- the kind's entries ---- */

/* The pool descriptor came from matching at plan time; what is left is
 * whether one pixel's window fits. */
int lw_settle_pool(struct cc_program *prog, struct cc_op *rec, struct diags *err)
{
	struct cc_plan *plan = &rec->plan;
	plan->pool_block = pool_block(&prog->p.hw, &plan->pool);
	if (plan->pool_block < 1) {
		diag_add(err, NULL, 0, 0, "op '%s': one pixel's window (%" PRId64 " elements) does not fit the accumulator twice",
			 prog->g->op[rec->op].name, plan->pool.window + 1);
		return -1;
	}
	return 0;
}

int lw_lower_pool(struct cc_program *prog, struct cc_op *rec, struct diags *err)
{
	struct pool_lowering pl;
	memset(&pl, 0, sizeof pl);
	lw_op_init(&pl.lo, prog, rec);
	pl.pool = &rec->plan.pool, pl.block = rec->plan.pool_block;
	pl.slot = (uint64_t)(pl.block * (pl.pool->window + 1));
	pl.windows_reader[0] = pl.windows_reader[1] = -1;
	build_kernels(&pl);
	if (plan_staging(&pl, err))
		return -1;
	make_segments(&pl, prog->rq->data);
	/* the output buffers are free once the previous op's stores read them */
	pl.out_reader[0] = pl.out_reader[1] = prog->last_store;
	lw_load_kernels(&pl.lo);
	emit_pool(&pl);
	return 0;
}

void lw_unpack_pool(const struct cc_program *prog, const struct cc_op *rec, const uint8_t *packed, uint8_t *tensor)
{
	tz_pool_unpack(&prog->p.hw, prog->g, rec->op, &rec->plan.pool, packed, tensor);
}
