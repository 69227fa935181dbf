/* compiler/lower_pool: max pooling on the vector ALU (tensorize/pool.c,
 * docs/tensorize.md).  Blocks of pixels' windows are loaded into the
 * accumulator, `mov` takes the first window position and `max` the others
 * into the output block, which is stored; two buffers let one block load
 * while the other computes and stores.  In the direct form a block's box
 * of the input comes by DMA in the input's layout and the intrinsic widens
 * it into the accumulator, where the windows are micro-op offsets. */
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
	int store = lw_store_block(lo, out, pl->seg_out + first * eo, 1, (uint64_t)pixels, 0, last, 0);
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
 * and the outputs (tz_pool_windows_areas; the block was chosen to fit). */
static int plan_staging(struct pool_lowering *pl, struct diags *err)
{
	struct lw_op *lo = &pl->lo;
	const struct hw *hw = lo->hw;
	uint64_t size[TZ_POOL_WINDOWS_AREAS], need;
	uint64_t align = tz_pool_windows_areas(hw, pl->pool, pl->block, size);
	uint64_t *const at[TZ_POOL_WINDOWS_AREAS] = {pl->stage_windows[0], pl->stage_windows[1], lo->stage_uop,
						     lo->stage_out};
	int s = tz_stage_areas(hw, size, TZ_POOL_WINDOWS_AREAS, align, at, &need);
	if (s >= 0) {
		diag_add(err, NULL, 0, 0, "op '%s': staging the windows through '%s' needs %" PRIu64 " bytes; it has %" PRIu64,
			 lo->op->name, hw->level[s].name, need, hw->level[s].capacity);
		return -1;
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

/* ---- the direct form (tensorize/pool.c: struct tz_pool_box) ---- */

struct box_lowering {
	struct lw_op lo;
	const struct tz_pool *pool;
	const struct tz_pool_box *b;
	int lv_in, lv_wgt, gemm_kind, alu_kind;
	uint64_t out_slot, box_slot;       /* accumulator elements per buffer: output blocks first, then the boxes */
	uint64_t in_slot;                  /* input-buffer elements per buffer: the box, `groups` per point */
	uint32_t k_gemm[POOL_RING], k_mov[POOL_RING], k_fill[POOL_RING]; /* micro-op kernels per buffer */
	int in_reader[POOL_RING], out_reader[POOL_RING];
	int eye, first_wait;               /* the identity's load; what the first write of the output buffer waits for */
	uint64_t stage_box[POOL_RING][HW_MAX_LEVELS], stage_eye[HW_MAX_LEVELS]; /* in the shared levels */
	uint64_t seg_in, seg_eye, seg_out;
};

static uint64_t out_base(const struct box_lowering *bl, int q)
{
	return (uint64_t)q * bl->out_slot;
}

static uint64_t box_base(const struct box_lowering *bl, int q)
{
	return (uint64_t)POOL_RING * bl->out_slot + (uint64_t)q * bl->box_slot;
}

/* Per buffer: the identity's product over the box; the padding's fills (at
 * the box, then each row and column the padding after may start at); mov
 * from the first window position, max from the others (tz_pool_box_uops
 * counts them: the block was chosen for its staging areas to fit). */
static void box_kernels(struct box_lowering *bl)
{
	struct lw_op *lo = &bl->lo;
	const struct tz_pool_box *b = bl->b;
	lw_pad_uops(lo);
	lo->uop_rel = (uint32_t)lo->prog->p.nuop;
	for (int q = 0; q < POOL_RING; q++) {
		uint32_t box = (uint32_t)box_base(bl, q), out = (uint32_t)out_base(bl, q);
		bl->k_gemm[q] = lo->nuops; /* group g of a point's elements through identity tile g */
		for (uint32_t g = 0; g < b->groups; g++)
			lw_add_uop(lo, box, (uint32_t)((uint64_t)q * bl->in_slot) + g, g);
		bl->k_fill[q] = lo->nuops;
		lw_add_uop(lo, box, box, 0);
		for (int64_t j = 1; j <= b->pad[1]; j++) /* the last j rows */
			lw_add_uop(lo, box + (uint32_t)((b->box[0] - j) * b->box[1]), 0, 0);
		for (int64_t j = 1; j <= b->pad[3]; j++) /* the last j columns */
			lw_add_uop(lo, box + (uint32_t)(b->box[1] - j), 0, 0);
		bl->k_mov[q] = lo->nuops;
		for (int64_t r = 0; r < b->window[0]; r++)
			for (int64_t c = 0; c < b->window[1]; c++)
				lw_add_uop(lo, out, box + (uint32_t)(r * b->dilation[0] * b->box[1] + c * b->dilation[1]), 0);
	}
	lw_pad_uops(lo);
}

/* An ALU or intrinsic instruction over rows x cols, micro-ops [u, u + n). */
static struct isa_insn box_loop(int kind, uint32_t u, uint32_t n, int64_t rows, int64_t cols, int64_t dst_row)
{
	struct isa_insn in = {.kind = kind};
	in.f[ISA_F_UOP_BEGIN] = u;
	in.f[ISA_F_UOP_END] = u + n;
	in.f[ISA_F_ITER_OUT] = rows;
	in.f[ISA_F_ITER_IN] = cols;
	in.f[ISA_F_DST_OUT] = dst_row;
	in.f[ISA_F_DST_IN] = 1;
	return in;
}

static int fill(struct box_lowering *bl, uint32_t u, int64_t rows, int64_t cols)
{
	struct isa_insn in = box_loop(bl->alu_kind, u, 1, rows, cols, bl->b->box[1]);
	in.f[ISA_F_ALU_OP] = HW_ALU_MOV;
	in.f[ISA_F_USE_IMM] = 1;
	in.f[ISA_F_IMM] = bl->b->fill;
	return st_emit(bl->lo.s, &in);
}

/* The padding of the box of buffer q: what the DMA zeroed, the least value
 * instead (rows before and after, then columns). */
static void fill_padding(struct box_lowering *bl, int q, const int64_t pad[4])
{
	const struct tz_pool_box *b = bl->b;
	uint32_t k = bl->k_fill[q];
	if (pad[0])
		fill(bl, k, pad[0], b->box[1]);
	if (pad[1])
		fill(bl, k + (uint32_t)pad[1], pad[1], b->box[1]);
	if (pad[2])
		fill(bl, k, b->box[0], pad[2]);
	if (pad[3])
		fill(bl, k + (uint32_t)(b->pad[1] + pad[3]), b->box[0], pad[3]);
}

/* The op's iterators at the first point of block `blk` of lane tile ct:
 * the other output points' iterators by `blk`'s leading part, row major,
 * then the row and column blocks. */
static void block_point(const struct box_lowering *bl, int64_t ct, int64_t blk, int64_t *it)
{
	const struct ir_op *o = bl->lo.op;
	const struct tz_pool_box *b = bl->b;
	memset(it, 0, IR_MAX_ITERS * sizeof *it);
	int64_t cols = tz_pool_box_blocks(b, 1), rows = tz_pool_box_blocks(b, 0);
	it[b->iter[1]] = tz_pool_block_start(b, 1, blk % cols), blk /= cols;
	if (b->iter[0] >= 0)
		it[b->iter[0]] = tz_pool_block_start(b, 0, blk % rows);
	blk /= rows;
	for (int i = o->niters - 1; i >= 0; i--)
		if (i != bl->pool->lane_iter && i != b->iter[0] && i != b->iter[1] && i != b->row_iter && !o->iter[i].reduction)
			it[i] = blk % o->iter[i].extent, blk /= o->iter[i].extent;
	it[bl->pool->lane_iter] = ct * bl->pool->lanes;
}

/* The tensor index access x reads at the iterators' values it. */
static void access_at(const struct ir_access *x, int rank, const int64_t *it, int64_t *at)
{
	for (int d = 0; d < rank; d++)
		at[d] = ir_affine_at(&x->index[d], it);
}

/* Rows (k = 0) or columns (1) of block's box from index lo: zeros before,
 * read, zeros after. */
static void box_part(const struct tz_pool_box *b, int k, int64_t lo, int64_t *pad0, int64_t *read, int64_t *pad1)
{
	if (b->iter[k] < 0) {
		*pad0 = *pad1 = 0, *read = 1;
		return;
	}
	int64_t first = lo < 0 ? 0 : lo, end = lo + b->box[k] < b->size[k] ? lo + b->box[k] : b->size[k];
	*pad0 = first - lo, *read = end - first, *pad1 = b->box[k] - *pad0 - *read;
}

/* The box of the block at `it` into buffer q, once the buffer's last reader is
 * done; pad: its padding.  Returns its last transfer. */
static int load_box(struct box_lowering *bl, const int64_t *it, int q, int64_t pad[4])
{
	const struct tz_pool_box *b = bl->b;
	const struct ir_access *x = &bl->lo.op->in[0];
	int rank = bl->lo.g->tensor[x->tensor].rank;
	int64_t at[IR_MAX_RANK], rows, cols;
	access_at(x, rank, it, at);
	if (b->iter[0] >= 0)
		box_part(b, 0, at[b->in_dim[0]], &pad[0], &rows, &pad[1]), at[b->in_dim[0]] += pad[0];
	else
		pad[0] = pad[1] = 0, rows = 1;
	box_part(b, 1, at[b->in_dim[1]], &pad[2], &cols, &pad[3]);
	at[b->in_dim[1]] += pad[2];
	uint32_t e = bl->lo.hw->level[bl->lv_in].elem_bytes, values;
	uint64_t unit, off = tz_layout_dma_offset(&b->in, tz_layout_element(&b->in, rank, at), &unit, &values);
	uint64_t addr = lw_elems(bl->seg_in, values ? dtype_bytes(b->in.dtype) : e) + off;
	uint64_t stride = b->iter[0] >= 0 ? (uint64_t)b->in.stride[b->in_dim[0]] * unit : 0;
	int64_t g = b->groups, dma_pad[4] = {pad[0], pad[1], pad[2] * g, pad[3] * g};
	int i = lw_load_padded(&bl->lo, bl->lv_in, (uint64_t)q * bl->in_slot, addr, rows, cols * g, stride, dma_pad,
			       bl->stage_box[q], values);
	st_need(bl->lo.s, i, bl->in_reader[q]);
	return bl->lo.s->n - 1; /* through a shared level, its last hop: what the intrinsic reads */
}

static int store_block(struct box_lowering *bl, const int64_t *it, int q, int wait)
{
	const struct tz_pool_box *b = bl->b;
	const struct ir_access *x = &bl->lo.op->out;
	int rank = bl->lo.g->tensor[x->tensor].rank;
	int64_t at[IR_MAX_RANK];
	access_at(x, rank, it, at);
	uint64_t stride = b->out_dim[0] >= 0 ? (uint64_t)b->out.stride[b->out_dim[0]] : 0;
	uint64_t el = tz_layout_element(&b->out, rank, at);
	return lw_store_block(&bl->lo, out_base(bl, q), bl->seg_out + tz_layout_byte_offset(&b->out, el),
			      (uint64_t)b->block[0], (uint64_t)b->block[1], stride, wait,
			      tz_layout_block_values(&b->out, tz_layout_block_of(&b->out, el)));
}

/* Block `blk` of lane tile ct through buffer q: the box in, widened, its
 * padding filled, the windows' max, the block out. */
static void box_block(struct box_lowering *bl, int64_t ct, int64_t blk, int q)
{
	const struct tz_pool_box *b = bl->b;
	struct lw_stream *s = bl->lo.s;
	int64_t it[IR_MAX_ITERS], pad[4];
	block_point(bl, ct, blk, it);
	int load = load_box(bl, it, q, pad);
	/* the first group from zero, the others added: each its lanes of the accumulator's */
	struct isa_insn g = box_loop(bl->gemm_kind, bl->k_gemm[q], 1, b->box[0], b->box[1], b->box[1]);
	g.f[ISA_F_RESET] = 1;
	g.f[ISA_F_SRC_OUT] = b->box[1] * (int64_t)b->groups, g.f[ISA_F_SRC_IN] = b->groups;
	int gi = st_emit(s, &g);
	st_need(s, gi, load);
	st_need(s, gi, bl->eye);
	st_need(s, gi, bl->first_wait); /* it writes the output buffer too, narrowed */
	if (b->groups > 1) {
		g.f[ISA_F_RESET] = 0;
		g.f[ISA_F_UOP_BEGIN] = bl->k_gemm[q] + 1, g.f[ISA_F_UOP_END] = bl->k_gemm[q] + b->groups;
		gi = st_emit(s, &g);
	}
	bl->in_reader[q] = gi;
	fill_padding(bl, q, pad);
	int64_t taps = b->window[0] * b->window[1];
	struct isa_insn a = box_loop(bl->alu_kind, bl->k_mov[q], 1, b->block[0], b->block[1], b->block[1]);
	a.f[ISA_F_SRC_OUT] = b->stride[0] * b->box[1], a.f[ISA_F_SRC_IN] = b->stride[1];
	a.f[ISA_F_ALU_OP] = HW_ALU_MOV;
	int last = st_emit(s, &a);
	st_need(s, last, bl->out_reader[q]); /* the output block is free again */
	if (taps > 1) {
		a.f[ISA_F_UOP_BEGIN] = bl->k_mov[q] + 1, a.f[ISA_F_UOP_END] = bl->k_mov[q] + (uint32_t)taps;
		a.f[ISA_F_ALU_OP] = HW_ALU_MAX;
		last = st_emit(s, &a);
	}
	int store = store_block(bl, it, q, last);
	bl->out_reader[q] = store;
	bl->lo.prog->last_store = store;
	lw_note_last_compute(&bl->lo);
}

static void box_segments(struct box_lowering *bl, const uint8_t *const *data)
{
	struct lw_op *lo = &bl->lo;
	const struct tz_pool_box *b = bl->b;
	bl->seg_in = lw_stored_segment(lo, b->in.tensor);
	if (bl->seg_in == UINT64_MAX) {
		uint8_t *in = NULL;
		if (data && (in = try_malloc(tz_layout_bytes(&b->in) + 1)))
			tz_layout_pack(lo->g, &b->in, data[b->in.tensor], in);
		else if (data)
			lw_nomem(lo->prog, tz_layout_bytes(&b->in) + 1, "the input in its layout");
		bl->seg_in = lw_add_segment(lo, "a", lw_segment_kind(lo->g, b->in.tensor), tz_layout_bytes(&b->in), in);
	}
	uint64_t eb = lo->hw->level[bl->lv_wgt].elem_bytes * (uint64_t)b->groups;
	uint8_t *eye = try_malloc(eb);
	if (eye)
		tz_pool_identity(lo->hw, b, eye);
	else
		lw_nomem(lo->prog, eb, "the identity tile");
	bl->seg_eye = lw_add_segment(lo, "identity", ISA_SEG_WEIGHT, eb, eye);
	bl->seg_out = lw_add_segment(lo, "out", ISA_SEG_OUTPUT, tz_layout_bytes(&b->out), NULL);
	lo->rec->out_segment = lo->prog->p.nseg - 1;
}

/* Staging through the shared levels: the two boxes, the identity, the
 * micro-ops and an output block (tz_pool_box_areas; the block was chosen
 * to fit). */
static int plan_box_staging(struct box_lowering *bl, struct diags *err)
{
	struct lw_op *lo = &bl->lo;
	const struct hw *hw = lo->hw;
	uint64_t size[TZ_POOL_BOX_AREAS], need;
	uint64_t align = tz_pool_box_areas(hw, bl->b, bl->b->block[0], bl->b->block[1], (uint64_t)lo->nuops, size);
	uint64_t *const at[TZ_POOL_BOX_AREAS] = {bl->stage_box[0], bl->stage_box[1], bl->stage_eye, lo->stage_uop,
						 lo->stage_out};
	int s = tz_stage_areas(hw, size, TZ_POOL_BOX_AREAS, align, at, &need);
	if (s >= 0) {
		diag_add(err, NULL, 0, 0, "op '%s': staging the boxes through '%s' needs %" PRIu64 " bytes; it has %" PRIu64,
			 lo->op->name, hw->level[s].name, need, hw->level[s].capacity);
		return -1;
	}
	return 0;
}

static int lower_box(struct cc_program *prog, struct cc_op *rec, struct diags *err)
{
	struct box_lowering bl;
	memset(&bl, 0, sizeof bl);
	lw_op_init(&bl.lo, prog, rec);
	bl.pool = &rec->plan.pool, bl.b = &rec->plan.pool.box;
	const struct hw_intrinsic *x = &prog->p.hw.intrinsic[bl.b->intrinsic];
	bl.lv_in = x->a.level, bl.lv_wgt = x->b.level;
	for (int k = 0; k < bl.lo.lay->nkinds; k++)
		if (bl.lo.lay->kind[k].cls == ISA_CLASS_GEMM && bl.lo.lay->kind[k].intrinsic == bl.b->intrinsic)
			bl.gemm_kind = k;
	bl.alu_kind = isa_kind_of_class(bl.lo.lay, ISA_CLASS_ALU);
	bl.out_slot = (uint64_t)(bl.b->block[0] * bl.b->block[1]), bl.box_slot = tz_pool_box_acc(bl.b);
	bl.in_slot = bl.box_slot * bl.b->groups;
	bl.in_reader[0] = bl.in_reader[1] = -1;
	/* the output buffers are free once the previous op's stores read them */
	bl.out_reader[0] = bl.out_reader[1] = bl.first_wait = prog->last_store;
	box_kernels(&bl);
	if (plan_box_staging(&bl, err))
		return -1;
	box_segments(&bl, prog->rq->data);
	bl.eye = lw_load_block(&bl.lo, bl.lv_wgt, 0, bl.seg_eye, 1, bl.b->groups, 0, bl.stage_eye, -1);
	lw_load_kernels(&bl.lo);
	int64_t blocks = bl.pool->pixels / (bl.b->extent[0] * bl.b->extent[1]) * tz_pool_box_blocks(bl.b, 0) *
			 tz_pool_box_blocks(bl.b, 1),
		o = 0;
	for (int64_t ct = 0; ct < bl.pool->tiles; ct++)
		for (int64_t blk = 0; blk < blocks; blk++, o++)
			box_block(&bl, ct, blk, (int)(o % POOL_RING));
	return 0;
}

/* ---- the kind's entries ---- */

/* The pool descriptor came from matching at plan time; what is left is
 * whether one pixel's window fits. */
int lw_settle_pool(struct cc_program *prog, struct cc_op *rec, struct diags *err)
{
	struct cc_plan *plan = &rec->plan;
	if (plan->pool.box.ok)
		return 0;
	plan->pool_block = tz_pool_windows_block(&prog->p.hw, &plan->pool);
	if (plan->pool_block < 1) {
		diag_add(err, NULL, 0, 0, "op '%s': one pixel's window (%" PRId64 " elements) does not fit the accumulator twice",
			 prog->g->op[rec->op].name, plan->pool.window + 1);
		return -1;
	}
	return 0;
}

int lw_lower_pool(struct cc_program *prog, struct cc_op *rec, struct diags *err)
{
	if (rec->plan.pool.box.ok)
		return lower_box(prog, rec, err);
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
	if (rec->plan.pool.box.ok)
		tz_layout_unpack(prog->g, &rec->plan.pool.box.out, 1, packed, tensor);
	else
		tz_pool_unpack(&prog->p.hw, prog->g, rec->op, &rec->plan.pool, packed, tensor);
}
