/* compiler/lower: a mapping of one op becomes DMA loads, intrinsic and ALU
 * instructions over micro-op kernels, stores and tokens (docs/compiler.md).
 *
 * The op is in its GEMM form (tensorize/geometry.c): out[b][m][n] +=
 * A[b][m][k] * B[b][n][k] in tiles.  A step computes one block: bm x bn
 * output tiles from bm x bk tiles of A and bn x bk of B.  Each operand has a
 * ring of 1 or 2 buffers in its scratchpad; a block already in one is not
 * loaded again, so the loop order decides which operand stays. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "stream.h"

/* ---- the scratchpads and DRAM ---- */

enum { MAX_RING = 2 };

struct slot {
	int64_t key;     /* block held, -1 none */
	int loaded_by;   /* last instruction filling it */
	int last_reader; /* last instruction reading it */
	int64_t used;    /* step that last used it, for replacement */
};

struct ring {
	int n;
	struct slot s[MAX_RING];
};

/* Everything lowering one op needs. */
struct low {
	struct lw_builder *b;
	struct lw_stream *s;
	const struct hw *hw;
	const struct isa_layout *lay;
	const struct tz_geometry *geo;
	const struct tz_mapping *m;
	const struct ir_op *op;
	int lv_a, lv_b, lv_acc, lv_out, lv_uop;
	uint64_t seg_a, seg_b, seg_bias, seg_out; /* DRAM byte addresses */
	uint64_t plane_bytes;
	/* scratchpad layout, in elements */
	uint64_t slot_a, slot_b, slot_acc, bias_off;
	/* micro-op kernels: indices into the micro-op buffer */
	uint32_t k_gemm[MAX_RING][MAX_RING][MAX_RING], k_imm[MAX_RING], k_bias[MAX_RING];
	int bias_res;          /* group the whole bias stays along (tz_bias_resident), or -1 */
	uint64_t keep_off[2];  /* kept A and B in the shared level (byte offsets) */
	uint64_t bias_res_base; /* its accumulator element */
	int64_t bias_res_tiles, bias_res_blocks;
	uint32_t nuops;
	uint32_t uop_rel;      /* first micro-op of this op in the program's micro-op region */
	/* staging in the shared levels: byte offset per purpose and level */
	uint64_t stage_a[HW_MAX_LEVELS], stage_b[HW_MAX_LEVELS], stage_out[HW_MAX_LEVELS],
		stage_uop[HW_MAX_LEVELS], stage_bias[MAX_RING][HW_MAX_LEVELS];
	struct ring ra, rb, racc, rbias;
	int first_load;       /* the op's first load-module instruction, for the barrier */
	bool barrier_done;
	int acc_writer_need;  /* store instruction the first acc write waits for */
};

static uint32_t lcm32(uint32_t a, uint32_t b)
{
	uint32_t x = a, y = b;
	while (y) {
		uint32_t t = x % y;
		x = y, y = t;
	}
	return a / x * b;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* The shared levels a transfer into scratchpad `lv` passes through,
 * outermost first; returns how many. */
static int path_of(const struct hw *hw, int lv, int *path)
{
	int n = 0, tmp[HW_MAX_LEVELS];
	for (int p = hw->level[lv].parent; p >= 0; p = hw->level[p].parent)
		tmp[n++] = p;
	for (int i = 0; i < n; i++)
		path[i] = tmp[n - 1 - i];
	return n;
}

static struct isa_insn mem_insn(const struct low *L, enum isa_class cls, int buf, uint64_t idx, uint64_t addr,
				uint64_t rows, uint64_t cols, uint64_t stride)
{
	struct isa_insn in = {.kind = isa_kind_of_class(L->lay, cls)};
	in.f[ISA_F_BUF] = buf;
	in.f[ISA_F_IDX] = (int64_t)idx;
	in.f[ISA_F_ADDR] = (int64_t)addr;
	in.f[ISA_F_YSIZE] = (int64_t)rows;
	in.f[ISA_F_XSIZE] = (int64_t)cols;
	in.f[ISA_F_XSTRIDE] = (int64_t)stride;
	return in;
}

/* One 2D transfer, split to fit the DMA's rows, columns and stride; the
 * on-chip side is contiguous.  Units: elements of `buf`.  Returns the
 * first instruction (the last is s->n - 1). */
static int transfer(struct low *L, enum isa_class cls, int buf, uint64_t idx, uint64_t addr, uint64_t rows,
		    uint64_t cols, uint64_t stride, uint32_t uop_unit)
{
	const struct hw_dma *dma = &L->hw->dma;
	int first = -1;
	bool per_row = cols > dma->max_cols || (rows > 1 && stride > dma->max_stride);
	if (rows > 1 && stride == cols && rows * cols <= dma->max_cols)
		cols *= rows, rows = 1, per_row = false; /* contiguous: one row */
	uint64_t chunk_rows = per_row ? 1 : dma->max_rows;
	for (uint64_t r = 0; r < rows; r += chunk_rows) {
		uint64_t nr = rows - r < chunk_rows ? rows - r : chunk_rows;
		for (uint64_t c = 0; c < cols; c += dma->max_cols) {
			uint64_t nc = cols - c < dma->max_cols ? cols - c : dma->max_cols;
			struct isa_insn in = mem_insn(L, cls, buf, idx + r * cols + c, addr + r * stride + c, nr, nc,
						      nr > 1 ? stride : nc > dma->max_stride ? 0 : nc);
			int i = st_emit(L->s, &in);
			L->s->v[i].uop_unit = uop_unit;
			if (first < 0)
				first = i;
		}
	}
	return first;
}

/* Makes the op's first load-module instruction wait for the previous op's
 * compute (the buffers it overwrites). */
static void barrier(struct low *L, int first)
{
	if (L->barrier_done || L->s->v[first].q == ISA_Q_COMPUTE)
		return;
	L->barrier_done = true;
	st_need(L->s, first, L->b->last_compute);
}

/* A block from DRAM (bytes at dram, rows x cols elements of scratchpad lv,
 * rows dram_stride elements apart) into lv at element idx, through every
 * shared level; stage[] gives its staging offset per shared level.  `wait`
 * is an instruction the first write into a staging area or lv waits for.
 * Returns the last instruction. */
static int load_block(struct low *L, int lv, uint64_t idx, uint64_t dram, uint64_t rows, uint64_t cols,
		      uint64_t dram_stride, const uint64_t *stage, int wait)
{
	int path[HW_MAX_LEVELS], np = path_of(L->hw, lv, path);
	uint32_t e = L->hw->level[lv].elem_bytes;
	if (!np) {
		int f = transfer(L, ISA_CLASS_LOAD, lv, idx, dram / e, rows, cols, dram_stride, 0);
		st_need(L->s, f, wait);
		barrier(L, f);
		return L->s->n - 1;
	}
	/* DRAM into the outermost shared level, row by row as in DRAM; then
	 * contiguously level to level. */
	uint32_t e0 = L->hw->level[path[0]].elem_bytes;
	int f = transfer(L, ISA_CLASS_LOAD, path[0], stage[0] / e0, dram / e0, rows, cols * e / e0,
			 dram_stride * e / e0, 0);
	barrier(L, f);
	for (int i = 1; i < np; i++) {
		uint32_t ei = L->hw->level[path[i]].elem_bytes;
		transfer(L, ISA_CLASS_LOAD, path[i], stage[i] / ei, stage[i - 1] / ei, 1, rows * cols * e / ei, 0, 0);
	}
	int last_stage = L->s->n - 1;
	f = transfer(L, ISA_CLASS_LOAD, lv, idx, stage[np - 1] / e, 1, rows * cols, 0, 0);
	st_need(L->s, f, wait);
	st_need(L->s, f, last_stage);
	barrier(L, f);
	return L->s->n - 1;
}

/* The output block at out-buffer element idx to DRAM, through the shared
 * levels. */
static int store_block(struct low *L, uint64_t idx, uint64_t dram, uint64_t rows, uint64_t cols,
		       uint64_t dram_stride, int wait)
{
	int path[HW_MAX_LEVELS], np = path_of(L->hw, L->lv_out, path);
	uint32_t e = L->hw->level[L->lv_out].elem_bytes;
	if (!np) {
		int f = transfer(L, ISA_CLASS_STORE, L->lv_out, idx, dram / e, rows, cols, dram_stride, 0);
		st_need(L->s, f, wait);
		return L->s->n - 1;
	}
	int f = transfer(L, ISA_CLASS_STORE, L->lv_out, idx, L->stage_out[np - 1] / e, 1, rows * cols, 0, 0);
	st_need(L->s, f, wait);
	for (int i = np - 1; i > 0; i--) {
		uint32_t ei = L->hw->level[path[i]].elem_bytes;
		transfer(L, ISA_CLASS_STORE, path[i], L->stage_out[i] / ei, L->stage_out[i - 1] / ei, 1,
			 rows * cols * e / ei, 0, 0);
	}
	uint32_t e0 = L->hw->level[path[0]].elem_bytes;
	transfer(L, ISA_CLASS_STORE, path[0], L->stage_out[0] / e0, dram / e0, rows, cols * e / e0,
		 dram_stride * e / e0, 0);
	return L->s->n - 1;
}

/* A block of a kept operand from the shared level (byte offset `at`, rows
 * `stride` elements of lv apart) into lv; returns the last instruction. */
static int load_from_kept(struct low *L, int lv, uint64_t idx, uint64_t at, uint64_t rows, uint64_t cols,
			  uint64_t stride, int wait)
{
	uint32_t e = L->hw->level[lv].elem_bytes;
	int f = transfer(L, ISA_CLASS_LOAD, lv, idx, at / e, rows, cols, stride, 0);
	st_need(L->s, f, wait);
	barrier(L, f);
	return L->s->n - 1;
}

/* ---- rings of buffers ---- */

static void ring_init(struct ring *r, int n)
{
	r->n = n;
	for (int i = 0; i < MAX_RING; i++)
		r->s[i] = (struct slot){-1, -1, -1, -1};
}

/* The slot holding `key`, or -1. */
static int ring_find(const struct ring *r, int64_t key)
{
	for (int i = 0; i < r->n; i++)
		if (r->s[i].key == key)
			return i;
	return -1;
}

/* The slot to load into: least recently used, never `pinned`. */
static int ring_victim(const struct ring *r, int pinned)
{
	int best = -1;
	for (int i = 0; i < r->n; i++)
		if (i != pinned && (best < 0 || r->s[i].used < r->s[best].used))
			best = i;
	return best < 0 ? 0 : best;
}

/* ---- the steps ---- */

struct step {
	int64_t bb, mo, no, ko;     /* block coordinates */
	int64_t bm, bn, bk;         /* this block's sizes (smaller at the edges) */
	int64_t out_block;          /* index of its output block */
	bool first_k, last_k;
	int sa, sb;                 /* slots chosen when its loads were emitted */
};

static int64_t blocks(int64_t n, int64_t b)
{
	return (n + b - 1) / b;
}

static int64_t edge(int64_t n, int64_t b, int64_t i)
{
	return n - i * b < b ? n - i * b : b;
}

/* Step number `i` of the loop nest. */
static struct step step_at(const struct low *L, int64_t i)
{
	const struct tz_geometry *g = L->geo;
	const struct tz_mapping *m = L->m;
	int64_t Mb = blocks(g->count[TZ_G_M], m->bm), Nb = blocks(g->count[TZ_G_N], m->bn),
		Kb = blocks(g->count[TZ_G_K], m->bk);
	struct step s = {0};
	s.ko = i % Kb;
	int64_t o = i / Kb;
	s.out_block = o;
	int64_t inner = o % (m->n_outer ? Mb : Nb), outer = (o / (m->n_outer ? Mb : Nb));
	s.bb = outer / (m->n_outer ? Nb : Mb);
	outer %= m->n_outer ? Nb : Mb;
	s.mo = m->n_outer ? inner : outer;
	s.no = m->n_outer ? outer : inner;
	s.bm = edge(g->count[TZ_G_M], m->bm, s.mo);
	s.bn = edge(g->count[TZ_G_N], m->bn, s.no);
	s.bk = edge(g->count[TZ_G_K], m->bk, s.ko);
	s.first_k = s.ko == 0, s.last_k = s.ko == Kb - 1;
	return s;
}

static int64_t total_steps(const struct low *L)
{
	const struct tz_geometry *g = L->geo;
	return g->count[TZ_G_BATCH] * blocks(g->count[TZ_G_M], L->m->bm) * blocks(g->count[TZ_G_N], L->m->bn) *
	       blocks(g->count[TZ_G_K], L->m->bk);
}

static int64_t key_a(const struct low *L, const struct step *s)
{
	return (s->bb * blocks(L->geo->count[TZ_G_M], L->m->bm) + s->mo) * blocks(L->geo->count[TZ_G_K], L->m->bk) + s->ko;
}

static int64_t key_b(const struct low *L, const struct step *s)
{
	return (s->bb * blocks(L->geo->count[TZ_G_N], L->m->bn) + s->no) * blocks(L->geo->count[TZ_G_K], L->m->bk) + s->ko;
}

/* Loads A and B for step `i` (those not resident), never into `pin_a` /
 * `pin_b` (the slots the step before it computes from). */
static void emit_loads(struct low *L, struct step *st, int64_t i, int pin_a, int pin_b)
{
	const struct tz_geometry *g = L->geo;
	int64_t Kt = g->count[TZ_G_K];
	int64_t ka = key_a(L, st), kb = key_b(L, st);
	int sa = ring_find(&L->ra, ka);
	if (sa < 0) {
		sa = ring_victim(&L->ra, pin_a);
		struct slot *sl = &L->ra.s[sa];
		uint64_t off = (uint64_t)(((st->bb * g->count[TZ_G_M] + st->mo * L->m->bm) * Kt + st->ko * L->m->bk) * g->ea) *
			       g->bytes_a;
		sl->loaded_by = L->m->keep_a ? load_from_kept(L, L->lv_a, (uint64_t)sa * L->slot_a, L->keep_off[0] + off,
							      (uint64_t)st->bm, (uint64_t)(st->bk * g->ea), (uint64_t)(Kt * g->ea),
							      sl->last_reader)
					     : load_block(L, L->lv_a, (uint64_t)sa * L->slot_a, L->seg_a + off, (uint64_t)st->bm,
							  (uint64_t)(st->bk * g->ea), (uint64_t)(Kt * g->ea), L->stage_a, sl->last_reader);
		sl->key = ka, sl->last_reader = -1;
	}
	L->ra.s[sa].used = i;
	int sb = ring_find(&L->rb, kb);
	if (sb < 0) {
		sb = ring_victim(&L->rb, pin_b);
		struct slot *sl = &L->rb.s[sb];
		uint64_t off = (uint64_t)(((st->bb * g->count[TZ_G_N] + st->no * L->m->bn) * Kt + st->ko * L->m->bk) * g->eb) *
			       g->bytes_b;
		sl->loaded_by = L->m->keep_b ? load_from_kept(L, L->lv_b, (uint64_t)sb * L->slot_b, L->keep_off[1] + off,
							      (uint64_t)st->bn, (uint64_t)(st->bk * g->eb), (uint64_t)(Kt * g->eb),
							      sl->last_reader)
					     : load_block(L, L->lv_b, (uint64_t)sb * L->slot_b, L->seg_b + off, (uint64_t)st->bn,
							  (uint64_t)(st->bk * g->eb), (uint64_t)(Kt * g->eb), L->stage_b, sl->last_reader);
		sl->key = kb, sl->last_reader = -1;
	}
	L->rb.s[sb].used = i;
	st->sa = sa, st->sb = sb;
}

static struct isa_insn loop_insn(const struct low *L, int kind, uint32_t ubegin, uint32_t uend, const struct step *st)
{
	const struct tz_geometry *g = L->geo;
	struct isa_insn in = {.kind = kind};
	in.f[ISA_F_UOP_BEGIN] = ubegin;
	in.f[ISA_F_UOP_END] = uend;
	in.f[ISA_F_ITER_OUT] = st->bm;
	in.f[ISA_F_ITER_IN] = st->bn;
	in.f[ISA_F_DST_OUT] = st->bn * g->eo;
	in.f[ISA_F_DST_IN] = g->eo;
	return in;
}

/* The bias block of an output block into the accumulator slot. */
static int load_bias(struct low *L, const struct step *st, int q)
{
	const struct tz_geometry *g = L->geo;
	int64_t Mb = tz_bias_count(g, TZ_G_M), Nb = tz_bias_count(g, TZ_G_N);
	bool dm = g->bias_on[TZ_G_M], dn = g->bias_on[TZ_G_N];
	int64_t b0 = g->bias_on[TZ_G_BATCH] ? st->bb : 0, m0 = dm ? st->mo * L->m->bm : 0, n0 = dn ? st->no * L->m->bn : 0;
	uint64_t dram = L->seg_bias + (uint64_t)(((b0 * Mb + m0) * Nb + n0) * g->eo) * g->bytes_acc;
	uint64_t rows = (uint64_t)(dm ? st->bm : 1), cols = (uint64_t)((dn ? st->bn : 1) * g->eo);
	int bs = (int)(st->out_block % L->rbias.n);
	struct slot *sl = &L->rbias.s[bs];
	int last = load_block(L, L->lv_acc, (uint64_t)q * L->slot_acc + L->bias_off, dram, rows, cols,
			      (uint64_t)(Nb * g->eo), L->stage_bias[bs], sl->last_reader);
	sl->last_reader = last; /* the accumulator load is the staging area's last reader */
	return last;
}

/* The intrinsic for one step; returns the last instruction. */
static int emit_gemm(struct low *L, const struct step *st, int q)
{
	const struct tz_geometry *g = L->geo;
	int kind = -1;
	for (int k = 0; k < L->lay->nkinds; k++)
		if (L->lay->kind[k].cls == ISA_CLASS_GEMM && L->lay->kind[k].intrinsic == g->b.intrinsic)
			kind = k;
	uint32_t u0 = L->k_gemm[st->sa][st->sb][q], u1 = u0 + (uint32_t)st->bk;
	struct isa_insn in = loop_insn(L, kind, u0, u1, st);
	in.f[ISA_F_SRC_OUT] = st->bk * g->ea;
	in.f[ISA_F_WGT_IN] = st->bk * g->eb;
	int first = -1, last = -1;
	if (st->first_k) { /* the first reduction tile starts the block from zero */
		struct isa_insn r = in;
		r.f[ISA_F_RESET] = 1;
		r.f[ISA_F_UOP_END] = u0 + 1;
		first = last = st_emit(L->s, &r);
		in.f[ISA_F_UOP_BEGIN] = u0 + 1;
	}
	if (in.f[ISA_F_UOP_BEGIN] < in.f[ISA_F_UOP_END]) {
		last = st_emit(L->s, &in);
		if (first < 0)
			first = last;
	}
	for (int i = first; i <= last; i++) {
		st_need(L->s, i, L->ra.s[st->sa].loaded_by);
		st_need(L->s, i, L->rb.s[st->sb].loaded_by);
	}
	if (st->first_k)
		st_need(L->s, first, L->acc_writer_need);
	L->ra.s[st->sa].last_reader = last;
	L->rb.s[st->sb].last_reader = last;
	return last;
}

static int alu_imm(struct low *L, const struct step *st, int q, enum hw_alu_op op, int64_t imm)
{
	struct isa_insn in = loop_insn(L, isa_kind_of_class(L->lay, ISA_CLASS_ALU), L->k_imm[q],
				       L->k_imm[q] + L->geo->eo, st);
	in.f[ISA_F_SRC_OUT] = in.f[ISA_F_DST_OUT];
	in.f[ISA_F_SRC_IN] = in.f[ISA_F_DST_IN];
	in.f[ISA_F_ALU_OP] = op;
	in.f[ISA_F_USE_IMM] = 1;
	in.f[ISA_F_IMM] = imm;
	return st_emit(L->s, &in);
}

static int alu_bias(struct low *L, const struct step *st, int q)
{
	const struct tz_geometry *g = L->geo;
	bool dm = g->bias_on[TZ_G_M], dn = g->bias_on[TZ_G_N];
	uint32_t k = L->k_bias[q];
	if (L->bias_res >= 0) /* the kernel of this block's part of the whole bias */
		k += (uint32_t)((L->bias_res == TZ_G_M ? st->mo : st->no) * (int64_t)g->eo);
	struct isa_insn in = loop_insn(L, isa_kind_of_class(L->lay, ISA_CLASS_ALU), k, k + g->eo, st);
	in.f[ISA_F_SRC_OUT] = dm ? (dn ? st->bn : 1) * g->eo : 0;
	in.f[ISA_F_SRC_IN] = dn ? g->eo : 0;
	in.f[ISA_F_ALU_OP] = HW_ALU_ADD;
	return st_emit(L->s, &in);
}

/* The epilogue of a finished output block, then its stores. */
static void finish_block(struct low *L, const struct step *st, int q, int last)
{
	const struct tz_geometry *g = L->geo;
	for (int e = 0; e < L->op->nepilogues; e++) {
		const struct ir_epilogue *ep = &L->op->epilogue[e];
		enum hw_alu_op ops[2];
		int64_t imm[2];
		int n = tz_epilogue_alu(L->hw, L->op->acc, ep, ops, imm);
		if (n < 0)
			die("lower: op '%s' has an epilogue the ALU cannot do; matching refuses those", L->op->name);
		for (int i = 0; i < n; i++)
			last = ep->kind == IR_EP_BIAS ? alu_bias(L, st, q) : alu_imm(L, st, q, ops[i], imm[i]);
	}
	uint64_t Nt = (uint64_t)g->count[TZ_G_N];
	uint64_t first = ((uint64_t)(st->bb * g->count[TZ_G_M] + st->mo * L->m->bm) * Nt + (uint64_t)(st->no * L->m->bn)) * g->eo;
	uint32_t ob = dtype_bytes(L->hw->level[L->lv_out].dtype);
	int store = -1;
	for (int p = 0; p < g->b.planes; p++) {
		if (p) { /* the next byte plane: shift the accumulator once the store has read the last */
			last = alu_imm(L, st, q, HW_ALU_SHR, 8 * ob);
			st_need(L->s, last, store);
		}
		store = store_block(L, (uint64_t)q * L->slot_acc, L->seg_out + (uint64_t)p * L->plane_bytes + first * g->bytes_out,
				    (uint64_t)st->bm, (uint64_t)st->bn * g->eo, Nt * g->eo, last);
	}
	L->racc.s[q].last_reader = store;
	L->b->last_store = store;
}

/* One step's compute: bias, intrinsic, and after its last reduction step
 * the epilogue and stores. */
static void emit_compute(struct low *L, const struct step *st)
{
	int q = (int)(st->out_block % L->racc.n);
	if (st->first_k) {
		L->acc_writer_need = L->racc.s[q].last_reader;
		if (L->geo->bias >= 0 && L->bias_res < 0) {
			int lb = load_bias(L, st, q);
			st_need(L->s, lb, L->acc_writer_need);
		}
	}
	int last = emit_gemm(L, st, q);
	if (st->last_k)
		finish_block(L, st, q, last);
	for (int i = L->s->n - 1; i >= 0; i--)
		if (L->s->v[i].q == ISA_Q_COMPUTE) {
			L->b->last_compute = i;
			break;
		}
}

/* ---- micro-op kernels and the op's set-up ---- */

static void add_uop(struct low *L, uint32_t dst, uint32_t src, uint32_t wgt)
{
	struct isa_uop u = {dst, src, wgt};
	isa_program_add_uop(L->b->p, &u);
	L->nuops++;
}

/* Staged micro-ops start and end on whole shared elements: pads with zeros. */
static void pad_uops(struct low *L)
{
	uint32_t pad = 1;
	int path[HW_MAX_LEVELS], np = path_of(L->hw, L->lv_uop, path);
	for (int i = 0; i < np; i++)
		pad = lcm32(pad, L->hw->level[path[i]].elem_bytes / L->hw->level[L->lv_uop].elem_bytes);
	while (L->b->p->nuop % pad)
		isa_program_add_uop(L->b->p, &(struct isa_uop){0, 0, 0});
}

static void build_kernels(struct low *L)
{
	const struct tz_geometry *g = L->geo;
	const struct tz_mapping *m = L->m;
	pad_uops(L);
	L->uop_rel = (uint32_t)L->b->p->nuop;
	L->nuops = 0;
	for (int a = 0; a < m->ring_a; a++)
		for (int b = 0; b < m->ring_b; b++)
			for (int q = 0; q < m->ring_acc; q++) {
				L->k_gemm[a][b][q] = L->nuops;
				for (int64_t k = 0; k < m->bk; k++)
					add_uop(L, (uint32_t)(q * L->slot_acc), (uint32_t)(a * L->slot_a + k * g->ea),
						(uint32_t)(b * L->slot_b + k * g->eb));
			}
	for (int q = 0; q < m->ring_acc; q++) {
		L->k_imm[q] = L->nuops;
		for (uint32_t e = 0; e < g->eo; e++)
			add_uop(L, (uint32_t)(q * L->slot_acc) + e, (uint32_t)(q * L->slot_acc) + e, 0);
		L->k_bias[q] = L->nuops;
		if (L->bias_res >= 0) { /* one kernel per block of the whole bias */
			int64_t per = L->bias_res == TZ_G_M ? m->bm : m->bn;
			for (int64_t blk = 0; blk < L->bias_res_blocks; blk++)
				for (uint32_t e = 0; e < g->eo; e++)
					add_uop(L, (uint32_t)(q * L->slot_acc) + e,
						(uint32_t)(L->bias_res_base + (uint64_t)(blk * per) * g->eo) + e, 0);
		} else if (g->bias >= 0) {
			for (uint32_t e = 0; e < g->eo; e++)
				add_uop(L, (uint32_t)(q * L->slot_acc) + e, (uint32_t)(q * L->slot_acc + L->bias_off) + e, 0);
		}
	}
	pad_uops(L);
}

static void load_kernels(struct low *L)
{
	uint32_t ub = L->hw->level[L->lv_uop].elem_bytes;
	uint32_t n = (uint32_t)(L->b->p->nuop - L->uop_rel);
	int path[HW_MAX_LEVELS], np = path_of(L->hw, L->lv_uop, path);
	if (!np) {
		int f = transfer(L, ISA_CLASS_LOAD, L->lv_uop, 0, L->uop_rel, 1, n, 0, ub);
		(void)f;
		return;
	}
	/* staged: addresses relative to the micro-op region are fixed up once
	 * the DRAM layout is known */
	uint32_t e0 = L->hw->level[path[0]].elem_bytes;
	int f = transfer(L, ISA_CLASS_LOAD, path[0], L->stage_uop[0] / e0, (uint64_t)L->uop_rel * ub / e0, 1,
			 (uint64_t)n * ub / e0, 0, e0);
	barrier(L, f);
	for (int i = 1; i < np; i++) {
		uint32_t ei = L->hw->level[path[i]].elem_bytes;
		transfer(L, ISA_CLASS_LOAD, path[i], L->stage_uop[i] / ei, L->stage_uop[i - 1] / ei, 1, (uint64_t)n * ub / ei,
			 0, 0);
	}
	int staged = L->s->n - 1;
	f = transfer(L, ISA_CLASS_LOAD, L->lv_uop, 0, L->stage_uop[np - 1] / ub, 1, n, 0, 0);
	st_need(L->s, f, staged);
}

/* Staging areas in each shared level, one after another. */
static int plan_staging(struct low *L, char *why)
{
	const struct tz_geometry *g = L->geo;
	const struct tz_mapping *m = L->m;
	uint64_t a = tz_shared_align(L->hw);
	uint64_t bias_stage = (uint64_t)(m->bm * m->bn) * g->eo * g->bytes_acc;
	if (L->bias_res >= 0 && (uint64_t)L->bias_res_tiles * g->eo * g->bytes_acc > bias_stage)
		bias_stage = (uint64_t)L->bias_res_tiles * g->eo * g->bytes_acc;
	for (int s = 0; s < L->hw->nlevels; s++) {
		if (L->hw->level[s].role != HW_ROLE_SHARED)
			continue;
		uint64_t off = 0, keep[2];
		uint64_t sizes[] = {(uint64_t)(m->bm * m->bk) * g->ea * g->bytes_a, (uint64_t)(m->bn * m->bk) * g->eb * g->bytes_b,
				    (uint64_t)(m->bm * m->bn) * g->eo * g->bytes_out,
				    (uint64_t)L->nuops * L->hw->level[L->lv_uop].elem_bytes + a, bias_stage, bias_stage,
				    m->keep_a ? tz_packed_a_bytes(g) : 0, m->keep_b ? tz_packed_b_bytes(g) : 0};
		uint64_t *dst[] = {&L->stage_a[s], &L->stage_b[s], &L->stage_out[s], &L->stage_uop[s], &L->stage_bias[0][s],
				   &L->stage_bias[1][s], &keep[0], &keep[1]};
		for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
			*dst[i] = off;
			off = align_up(off + sizes[i], a);
		}
		L->keep_off[0] = keep[0], L->keep_off[1] = keep[1];
		if (off > L->hw->level[s].capacity) {
			snprintf(why, 256, "staging the blocks through shared level '%s' needs %" PRIu64 " bytes; it has %" PRIu64,
				 L->hw->level[s].name, off, L->hw->level[s].capacity);
			return -1;
		}
	}
	/* shared levels come first, outermost first, and every scratchpad's
	 * path runs through all of them: position on the path = level index */
	return 0;
}

/* The whole packed A or B from DRAM into the shared level, once. */
static void load_kept(struct low *L, int which, uint64_t dram, uint64_t bytes)
{
	int s = tz_shared_level(L->hw);
	uint32_t e = L->hw->level[s].elem_bytes;
	int f = transfer(L, ISA_CLASS_LOAD, s, L->keep_off[which] / e, dram / e, 1, (bytes + e - 1) / e, 0, 0);
	barrier(L, f);
}

/* A DRAM segment for the op, packed on the host. */
static uint64_t add_segment(struct low *L, const char *suffix, enum isa_segment_kind kind, uint64_t size,
			    uint8_t *data)
{
	struct lw_builder *b = L->b;
	uint64_t align = 4096;
	b->dram_next = align_up(b->dram_next, align);
	char *name = xasprintf("%s.%s", L->op->name, suffix);
	struct isa_segment *s = isa_program_add_segment(b->p, name, kind, b->dram_next, size ? size : 1);
	free(name);
	s->data = data;
	s->data_len = data ? size : 0;
	uint64_t at = b->dram_next;
	b->dram_next += size ? size : 1;
	return at;
}

static enum isa_segment_kind kind_of(const struct ir_graph *g, int tensor)
{
	return g->tensor[tensor].kind == IR_TENSOR_WEIGHT ? ISA_SEG_WEIGHT : ISA_SEG_INPUT;
}

/* Packs A, B and the bias (data NULL: zeros, as when only timing matters)
 * and places the output. */
static void make_segments(struct low *L, const struct ir_graph *g, const uint8_t *const *data)
{
	const struct tz_geometry *geo = L->geo;
	uint8_t *a = NULL, *bb = NULL, *bias = NULL;
	if (data) {
		a = xmalloc(tz_packed_a_bytes(geo) + 1), bb = xmalloc(tz_packed_b_bytes(geo) + 1);
		tz_pack_a(geo, data, a);
		tz_pack_b(geo, data, bb);
	}
	L->seg_a = add_segment(L, "a", kind_of(g, L->op->in[geo->b.input_a].tensor), tz_packed_a_bytes(geo), a);
	L->seg_b = add_segment(L, "b", kind_of(g, L->op->in[geo->b.input_b].tensor), tz_packed_b_bytes(geo), bb);
	if (geo->bias >= 0) {
		if (data) {
			bias = xmalloc(tz_packed_bias_bytes(geo) + 1);
			tz_pack_bias(geo, data, bias);
		}
		L->seg_bias = add_segment(L, "bias", ISA_SEG_WEIGHT, tz_packed_bias_bytes(geo), bias);
	}
	L->plane_bytes = tz_packed_out_bytes(geo);
	L->seg_out = add_segment(L, "out", ISA_SEG_OUTPUT, L->plane_bytes * (uint64_t)geo->b.planes, NULL);
}

static void layout_scratchpads(struct low *L)
{
	const struct tz_geometry *g = L->geo;
	const struct tz_mapping *m = L->m;
	L->slot_a = (uint64_t)(m->bm * m->bk) * g->ea;
	L->slot_b = (uint64_t)(m->bn * m->bk) * g->eb;
	L->bias_off = (uint64_t)(m->bm * m->bn) * g->eo;
	L->bias_res = tz_bias_resident(g, m);
	uint64_t bias = g->bias < 0 || L->bias_res >= 0 ? 0 :
			(uint64_t)((g->bias_on[TZ_G_M] ? m->bm : 1) * (g->bias_on[TZ_G_N] ? m->bn : 1)) * g->eo;
	L->slot_acc = L->bias_off + bias;
	if (L->bias_res >= 0) { /* after the output blocks */
		L->bias_res_base = (uint64_t)m->ring_acc * L->slot_acc;
		L->bias_res_tiles = tz_bias_count(g, (enum tz_group)L->bias_res);
		L->bias_res_blocks = blocks(L->bias_res_tiles, L->bias_res == TZ_G_M ? m->bm : m->bn);
	}
}

static void init_low(struct low *L, struct lw_builder *b, const struct ir_graph *g, int op,
		     const struct tz_geometry *geo, const struct tz_mapping *m)
{
	memset(L, 0, sizeof *L);
	L->b = b, L->s = b->s, L->hw = &b->p->hw, L->lay = &b->p->layout, L->geo = geo, L->m = m, L->op = &g->op[op];
	const struct hw_intrinsic *in = &L->hw->intrinsic[m->b.intrinsic];
	L->lv_a = in->a.level, L->lv_b = in->b.level, L->lv_acc = in->out.level;
	L->lv_out = L->hw->role_level[HW_ROLE_OUTPUT], L->lv_uop = L->hw->role_level[HW_ROLE_UOP];
	ring_init(&L->ra, m->ring_a);
	ring_init(&L->rb, m->ring_b);
	ring_init(&L->racc, m->ring_acc);
	ring_init(&L->rbias, MAX_RING);
	L->acc_writer_need = -1;
	layout_scratchpads(L);
}

/* The op's first compute instructions wait for the previous op's stores
 * (they overwrite the output buffer those read). */
static void emit_steps(struct low *L)
{
	int64_t n = total_steps(L);
	bool prefetch = L->m->ring_a > 1 && L->m->ring_b > 1;
	struct step cur = step_at(L, 0), next;
	emit_loads(L, &cur, 0, -1, -1);
	for (int64_t i = 0; i < n; i++) {
		if (prefetch && i + 1 < n) {
			next = step_at(L, i + 1);
			emit_loads(L, &next, i + 1, cur.sa, cur.sb);
		}
		emit_compute(L, &cur);
		if (i + 1 < n) {
			if (!prefetch) {
				next = step_at(L, i + 1);
				emit_loads(L, &next, i + 1, -1, -1);
			}
			cur = next;
		}
	}
}

int lw_lower_op(struct lw_builder *b, const struct ir_graph *g, int op, const struct tz_mapping *m,
		const uint8_t *const *data, struct diags *err)
{
	struct tz_binding bind = m->b;
	char why[256];
	if (tz_binding_derive(&b->p->hw, g, op, &bind, why)) {
		diag_add(err, NULL, 0, 0, "op '%s': the binding is not legal: %s", g->op[op].name, why);
		return -1;
	}
	struct tz_mapping mm = *m;
	mm.b = bind;
	struct lw_op_record *rec;
	b->ops = xrealloc(b->ops, (size_t)(b->nops + 1) * sizeof *b->ops);
	rec = &b->ops[b->nops];
	memset(rec, 0, sizeof *rec);
	rec->op = op;
	tz_geometry_init(&rec->geo, &b->p->hw, g, op, &bind);
	if (tz_mapping_check(&rec->geo, &mm, why)) {
		diag_add(err, NULL, 0, 0, "op '%s': the mapping cannot be lowered: %s", g->op[op].name, why);
		return -1;
	}
	struct low L;
	init_low(&L, b, g, op, &rec->geo, &mm);
	b->s->tag = b->nops;
	build_kernels(&L);
	if (plan_staging(&L, why)) {
		diag_add(err, NULL, 0, 0, "op '%s': %s", g->op[op].name, why);
		return -1;
	}
	make_segments(&L, g, data);
	rec->out_segment = b->p->nseg - 1;
	/* Between ops: the previous op's stores may still read staging areas
	 * this op's loads will write (each op lays out its own), so a compute
	 * sync waits for them and this op's first load for that sync. */
	if (b->last_store >= 0) {
		struct isa_insn sy = {.kind = isa_kind_of_class(&b->p->layout, ISA_CLASS_SYNC)};
		sy.f[ISA_F_QUEUE] = ISA_Q_COMPUTE;
		b->last_compute = st_emit(b->s, &sy);
		st_need(b->s, b->last_compute, b->last_store);
	}
	L.racc.s[0].last_reader = L.racc.s[1 % MAX_RING].last_reader = b->last_store;
	load_kernels(&L);
	if (L.bias_res >= 0) /* the whole bias, once */
		load_block(&L, L.lv_acc, L.bias_res_base, L.seg_bias, 1, (uint64_t)L.bias_res_tiles * rec->geo.eo, 0,
			   L.stage_bias[0], -1);
	if (mm.keep_a)
		load_kept(&L, 0, L.seg_a, tz_packed_a_bytes(&rec->geo));
	if (mm.keep_b)
		load_kept(&L, 1, L.seg_b, tz_packed_b_bytes(&rec->geo));
	emit_steps(&L);
	b->nops++;
	return 0;
}

/* ---- max pooling on the ALU ---- */

/* Pixels per block: two buffers of (window + 1) accumulator elements per
 * pixel, within the accumulator and the ISA's loop extent. */
static int64_t pool_block(const struct hw *hw, const struct tz_pool *p)
{
	int64_t per = p->window + 1, bm = (int64_t)hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].depth / (2 * per);
	bm = bm < p->pixels ? bm : p->pixels;
	return bm < (int64_t)hw->isa.max_loop_extent ? bm : (int64_t)hw->isa.max_loop_extent;
}

static struct isa_insn pool_alu(struct low *L, uint32_t uop, int64_t bm, int64_t window, enum hw_alu_op op)
{
	struct isa_insn in = {.kind = isa_kind_of_class(L->lay, ISA_CLASS_ALU)};
	in.f[ISA_F_UOP_BEGIN] = uop;
	in.f[ISA_F_UOP_END] = uop + 1;
	in.f[ISA_F_ITER_OUT] = bm;
	in.f[ISA_F_ITER_IN] = op == HW_ALU_MOV ? 1 : window - 1;
	in.f[ISA_F_DST_OUT] = 1;
	in.f[ISA_F_SRC_OUT] = window;
	in.f[ISA_F_SRC_IN] = op == HW_ALU_MOV ? 0 : 1;
	in.f[ISA_F_ALU_OP] = op;
	return in;
}

static void emit_pool(struct low *L, const struct tz_pool *p, int64_t bm, uint64_t seg_in, uint64_t seg_out)
{
	uint32_t ea = L->hw->level[L->lv_acc].elem_bytes, eo = L->hw->level[L->lv_out].elem_bytes;
	uint64_t slot = (uint64_t)(bm * (p->window + 1));
	int64_t blocks_px = blocks(p->pixels, bm), o = 0;
	for (int64_t ct = 0; ct < p->tiles; ct++)
		for (int64_t b = 0; b < blocks_px; b++, o++) {
			int q = (int)(o % 2);
			int64_t n = edge(p->pixels, bm, b);
			uint64_t out = (uint64_t)q * slot, in = out + (uint64_t)bm, first = (uint64_t)(ct * p->pixels + b * bm);
			load_block(L, L->lv_acc, in, seg_in + first * (uint64_t)p->window * ea, 1, (uint64_t)(n * p->window), 0,
				   L->stage_bias[q], L->rbias.s[q].last_reader);
			L->rbias.s[q].last_reader = L->s->n - 1;
			struct isa_insn mv = pool_alu(L, L->k_imm[q], n, p->window, HW_ALU_MOV);
			int last = st_emit(L->s, &mv);
			st_need(L->s, last, L->racc.s[q].last_reader); /* the output buffer is free again */
			if (p->window > 1) {
				struct isa_insn mx = pool_alu(L, L->k_bias[q], n, p->window, HW_ALU_MAX);
				last = st_emit(L->s, &mx);
			}
			int store = store_block(L, out, seg_out + first * eo, 1, (uint64_t)n, 0, last);
			L->racc.s[q].last_reader = store;
			L->b->last_store = store;
			for (int i = L->s->n - 1; i >= 0; i--)
				if (L->s->v[i].q == ISA_Q_COMPUTE) {
					L->b->last_compute = i;
					break;
				}
		}
}

int lw_lower_pool(struct lw_builder *b, const struct ir_graph *g, int op, const uint8_t *const *data,
		  struct diags *err)
{
	const struct hw *hw = &b->p->hw;
	char why[256];
	b->ops = xrealloc(b->ops, (size_t)(b->nops + 1) * sizeof *b->ops);
	struct lw_op_record *rec = &b->ops[b->nops];
	memset(rec, 0, sizeof *rec);
	rec->op = op, rec->pool = true;
	struct tz_pool *p = &rec->pool_desc;
	if (tz_pool_match(hw, g, op, p, why)) {
		diag_add(err, NULL, 0, 0, "op '%s' cannot run on the ALU: %s", g->op[op].name, why);
		return -1;
	}
	int64_t bm = pool_block(hw, p);
	if (bm < 1) {
		diag_add(err, NULL, 0, 0, "op '%s': one pixel's window (%" PRId64 " elements) does not fit the accumulator twice",
			 g->op[op].name, p->window + 1);
		return -1;
	}
	struct low L;
	memset(&L, 0, sizeof L);
	L.b = b, L.s = b->s, L.hw = hw, L.lay = &b->p->layout, L.op = &g->op[op];
	L.lv_acc = hw->role_level[HW_ROLE_ACCUMULATOR], L.lv_out = hw->role_level[HW_ROLE_OUTPUT];
	L.lv_uop = hw->role_level[HW_ROLE_UOP];
	ring_init(&L.racc, 2);
	ring_init(&L.rbias, 2);
	b->s->tag = b->nops;
	/* micro-ops: per buffer, mov from the first window position, max from the next */
	uint64_t slot = (uint64_t)(bm * (p->window + 1));
	pad_uops(&L);
	L.uop_rel = (uint32_t)b->p->nuop;
	for (int q = 0; q < 2; q++) {
		L.k_imm[q] = L.nuops;
		add_uop(&L, (uint32_t)((uint64_t)q * slot), (uint32_t)((uint64_t)q * slot + (uint64_t)bm), 0);
		L.k_bias[q] = L.nuops;
		add_uop(&L, (uint32_t)((uint64_t)q * slot), (uint32_t)((uint64_t)q * slot + (uint64_t)bm + 1), 0);
	}
	pad_uops(&L);
	/* staging through shared levels: the window blocks and the outputs */
	uint32_t ea = hw->level[L.lv_acc].elem_bytes, align = lcm32(lcm32(ea, hw->level[L.lv_out].elem_bytes), 64);
	for (int s = 0; s < hw->nlevels; s++) {
		if (hw->level[s].role != HW_ROLE_SHARED)
			continue;
		uint64_t a = lcm32(align, hw->level[s].elem_bytes), in_bytes = align_up((uint64_t)bm * (uint64_t)p->window * ea, a);
		L.stage_bias[0][s] = 0, L.stage_bias[1][s] = in_bytes, L.stage_uop[s] = 2 * in_bytes;
		L.stage_out[s] = L.stage_uop[s] + align_up(4 * hw->level[L.lv_uop].elem_bytes + a, a);
		if (L.stage_out[s] + align_up((uint64_t)bm * hw->level[L.lv_out].elem_bytes, a) > hw->level[s].capacity) {
			diag_add(err, NULL, 0, 0, "op '%s': staging the windows through '%s' does not fit it", g->op[op].name,
				 hw->level[s].name);
			return -1;
		}
	}
	uint8_t *packed = NULL;
	if (data) {
		packed = xmalloc(tz_pool_packed_bytes(hw, p) + 1);
		tz_pool_pack(hw, g, op, p, data, packed);
	}
	uint64_t seg_in = add_segment(&L, "windows", kind_of(g, L.op->in[0].tensor), tz_pool_packed_bytes(hw, p), packed);
	uint64_t out_bytes = (uint64_t)(p->tiles * p->pixels) * hw->level[L.lv_out].elem_bytes;
	uint64_t seg_out = add_segment(&L, "out", ISA_SEG_OUTPUT, out_bytes, NULL);
	rec->out_segment = b->p->nseg - 1;
	if (b->last_store >= 0) { /* as between GEMM ops (lw_lower_op) */
		struct isa_insn sy = {.kind = isa_kind_of_class(&b->p->layout, ISA_CLASS_SYNC)};
		sy.f[ISA_F_QUEUE] = ISA_Q_COMPUTE;
		b->last_compute = st_emit(b->s, &sy);
		st_need(b->s, b->last_compute, b->last_store);
	}
	L.racc.s[0].last_reader = L.racc.s[1].last_reader = b->last_store;
	load_kernels(&L);
	emit_pool(&L, p, bm, seg_in, seg_out);
	b->nops++;
	return 0;
}

void lw_unpack(const struct lw_builder *b, int i, const struct ir_graph *g, const uint8_t *packed, uint8_t *tensor)
{
	const struct lw_op_record *r = &b->ops[i];
	if (r->pool)
		tz_pool_unpack(&b->p->hw, g, r->op, &r->pool_desc, packed, tensor);
	else
		tz_unpack_out(&r->geo, packed, tensor);
}

/* ---- the program ---- */

void lw_builder_init(struct lw_builder *b, struct isa_program *p)
{
	memset(b, 0, sizeof *b);
	b->p = p;
	b->s = xcalloc(1, sizeof *b->s);
	b->s->lay = &p->layout;
	b->last_compute = b->last_store = -1;
}

void lw_builder_free(struct lw_builder *b)
{
	if (b->s)
		st_free(b->s);
	free(b->s);
	free(b->ops);
	free(b->op_of_insn);
	memset(b, 0, sizeof *b);
}

int lw_builder_finish(struct lw_builder *b, const struct ir_graph *g, struct diags *err)
{
	struct isa_program *p = b->p;
	struct isa_insn fin = {.kind = isa_kind_of_class(&p->layout, ISA_CLASS_FINISH)};
	b->s->tag = -1;
	int f = st_emit(b->s, &fin);
	st_need(b->s, f, b->last_store);
	/* DRAM: the segments, then the micro-ops, then the code */
	p->uop_addr = align_up(b->dram_next, 4096);
	st_finish(b->s, p, &b->op_of_insn);
	p->code_addr = align_up(p->uop_addr + (uint64_t)p->nuop * p->layout.uop_bytes, 4096);
	for (int i = 0; i < b->nops; i++)
		b->ops[i].first_insn = -1;
	for (int i = 0; i < p->ninsn; i++) {
		int t = b->op_of_insn[i];
		if (t < 0)
			continue;
		if (b->ops[t].first_insn < 0)
			b->ops[t].first_insn = i;
		b->ops[t].end_insn = i + 1;
	}
	if (isa_program_check_layout(p, NULL, err))
		return -1;
	const char **names = xcalloc((size_t)p->ninsn + 1, sizeof *names);
	for (int i = 0; i < p->ninsn; i++)
		names[i] = b->op_of_insn[i] >= 0 ? g->op[b->ops[b->op_of_insn[i]].op].name : NULL;
	int rc = lw_check_program(p, names, err);
	free(names);
	return rc;
}
