/* compiler/lower_gemm: an op in its GEMM form on an intrinsic — a mapping
 * becomes DMA loads, intrinsic and ALU instructions over micro-op kernels,
 * and stores, each with what it waits for (docs/compiler.md, "Lowering").
 * The direct form (tensorize/direct.c) runs the same steps and rings with
 * its own loads (an input box with its halo and padding), kernels (window
 * positions as micro-op offsets), accumulator order ([tile][point]) and
 * stores (into the output's layout).
 *
 * The op is out[b][m][n] += A[b][m][k] * B[b][n][k] in tiles
 * (tensorize/geometry.c).  A step computes one block: bm x bn output tiles
 * from bm x bk tiles of A and bn x bk of B.  Each operand has a ring of 1 or
 * 2 buffers in its scratchpad; a block already in one is not loaded again,
 * so the loop order decides which operand stays. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lower_gemm.h"
#include "base/alloc.h"

/* ---- rings of buffers ---- */

static void ring_init(struct ring *r, int n)
{
	r->n = n;
	for (int i = 0; i < TZ_MAX_RING; i++)
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

static int64_t m_blocks(const struct gemm_lowering *gl)
{
	return gl->m->direct ? gl->db.stepped * gl->db.row_blocks * gl->db.col_blocks
			     : blocks(gl->geo->count[TZ_G_M], gl->m->bm);
}

static int64_t k_blocks(const struct gemm_lowering *gl)
{
	return blocks(gl->m->direct ? gl->db.kt : gl->geo->count[TZ_G_K], gl->m->bk);
}

/* Output block o of the loop nest: batch, then panels of the inner
 * loop's blocks (one panel of all of them without panels), the outer loop,
 * the inner loop within the panel. */
static void block_at(const struct gemm_lowering *gl, int64_t o, int64_t *bb, int64_t *outer, int64_t *inner)
{
	const struct tz_mapping *m = gl->m;
	int64_t Mb = m_blocks(gl), Nb = blocks(gl->geo->count[TZ_G_N], m->bn);
	int64_t ni = m->n_outer ? Mb : Nb, no = m->n_outer ? Nb : Mb;
	int64_t P = m->panel ? m->panel : ni, full = ni / P;
	*bb = o / (ni * no);
	int64_t r = o % (ni * no);
	if (r < full * P * no) { /* a whole panel */
		*outer = r % (P * no) / P, *inner = r / (P * no) * P + r % P;
		return;
	}
	int64_t last = ni - full * P; /* the last one, smaller */
	r -= full * P * no;
	*outer = r / last, *inner = full * P + r % last;
}

/* Step number `i` of the loop nest. */
static struct step step_at(const struct gemm_lowering *gl, int64_t i)
{
	const struct tz_geometry *geo = gl->geo;
	const struct tz_mapping *m = gl->m;
	int64_t Kb = k_blocks(gl);
	struct step s = {0};
	int64_t o = i / Kb, j = i % Kb;
	s.ko = gl->serpentine && o % 2 ? Kb - 1 - j : j;
	s.out_block = o;
	int64_t inner, outer;
	block_at(gl, o, &s.bb, &outer, &inner);
	s.mo = m->n_outer ? inner : outer;
	s.no = m->n_outer ? outer : inner;
	s.bm = edge(geo->count[TZ_G_M], m->bm, s.mo);
	s.bn = edge(geo->count[TZ_G_N], m->bn, s.no);
	s.bk = edge(m->direct ? gl->db.kt : geo->count[TZ_G_K], m->bk, s.ko);
	s.first_k = j == 0, s.last_k = j == Kb - 1;
	if (m->direct)
		lw_direct_box(gl, &s);
	return s;
}

static int64_t total_steps(const struct gemm_lowering *gl)
{
	const struct tz_geometry *geo = gl->geo;
	return geo->count[TZ_G_BATCH] * m_blocks(gl) * blocks(geo->count[TZ_G_N], gl->m->bn) * k_blocks(gl);
}

static int64_t key_a(const struct gemm_lowering *gl, const struct step *s)
{
	return (s->bb * m_blocks(gl) + (gl->m->direct ? s->group : s->mo)) * k_blocks(gl) + s->ko;
}

static int64_t key_b(const struct gemm_lowering *gl, const struct step *s)
{
	return (s->bb * blocks(gl->geo->count[TZ_G_N], gl->m->bn) + s->no) * k_blocks(gl) + s->ko;
}

static void load_kept(struct gemm_lowering *gl, int which, uint64_t dram, uint64_t bytes);

/* Where the block at byte `off` of kept operand `which` (0: A, 1: B) is in
 * the shared level: in the whole operand, or in the panel the level holds
 * (tz_mapping's `panel`), which is loaded from DRAM first when it is
 * another: the first block of a panel in the loop nest's order. */
static uint64_t kept_at(struct gemm_lowering *gl, const struct step *st, int which, uint64_t off)
{
	const struct tz_geometry *geo = gl->geo;
	const struct tz_mapping *m = gl->m;
	if (!tz_in_panels(m, which))
		return gl->keep_off[which] + off;
	int64_t rows = geo->count[which ? TZ_G_N : TZ_G_M], size = (which ? m->bn : m->bm) * m->panel;
	int64_t p = (which ? st->no : st->mo) * (which ? m->bn : m->bm) / size, first = p * size;
	uint64_t tile = which ? geo->eb * geo->bytes_b : geo->ea * geo->bytes_a;
	uint64_t base = (uint64_t)((st->bb * rows + first) * geo->count[TZ_G_K]) * tile;
	int64_t key = st->bb * tz_panels(geo, m) + p;
	if (gl->panel_in != key) {
		uint64_t bytes = (uint64_t)((rows - first < size ? rows - first : size) * geo->count[TZ_G_K]) * tile;
		load_kept(gl, which, (which ? gl->seg_b : gl->seg_a) + base, bytes);
		gl->panel_in = key;
	}
	return gl->keep_off[which] + off - base;
}

/* The digits an output block starts from, into a digit buffer unless one
 * holds them (TZ_BEAT_PER_BLOCK). */
static void load_digits(struct gemm_lowering *gl, struct step *st, int64_t i)
{
	const struct tz_geometry *geo = gl->geo;
	bool along_n = geo->beat_group == TZ_G_N;
	int64_t key = along_n ? st->no : st->bb, per = tz_beat_block_tiles(geo, gl->m);
	int sd = ring_find(&gl->rdig, key);
	if (sd < 0) {
		sd = ring_victim(&gl->rdig, -1);
		struct slot *sl = &gl->rdig.s[sd];
		sl->loaded_by = lw_load_block(&gl->lo, gl->lv_b, gl->beat_digit + (uint64_t)(sd * per) * geo->eb,
					      gl->seg_digit + (uint64_t)(key * per) * geo->eb * geo->bytes_b, 1,
					      (uint64_t)(along_n ? st->bn : 1) * geo->eb, 0, gl->stage_b, sl->last_reader);
		sl->key = key, sl->last_reader = -1;
	}
	gl->rdig.s[sd].used = i;
	st->sd = sd;
}

/* A block of B from DRAM: bn rows of `tiles` tiles from tile k0 along K
 * (the direct form's are bk lane tiles by every window position); its last
 * row of tiles along N by a narrow load when it is the operand's and DRAM
 * holds only its elements' first values, or only its tiles' first
 * elements (tz_geometry's b_narrow). */
static int load_b(struct gemm_lowering *gl, const struct step *st, uint64_t idx, int64_t k0, int64_t tiles, int wait)
{
	const struct tz_geometry *geo = gl->geo;
	if (geo->b_diag)
		return lw_direct_load_b_diagonal(gl, st, idx, k0, tiles, wait);
	int64_t Kt = geo->count[TZ_G_K], n0 = st->no * gl->m->bn, last = geo->count[TZ_G_N] - 1, full = st->bn;
	uint64_t cols = (uint64_t)(tiles * geo->eb);
	if (geo->b_narrow && n0 + st->bn - 1 == last)
		full--;
	uint64_t from = gl->seg_b + tz_gemm_b_offset(geo, st->bb, n0, k0);
	int f = !full ? -1
		: geo->b_kvals ? lw_load_narrow_block(&gl->lo, gl->lv_b, idx, from, (uint64_t)full, cols,
						      (uint64_t)(Kt * geo->eb) * geo->b_kvals, geo->b_kvals, wait)
			       : lw_load_block(&gl->lo, gl->lv_b, idx, from, (uint64_t)full, cols, (uint64_t)(Kt * geo->eb),
					       gl->stage_b, wait);
	if (full == st->bn)
		return f;
	uint64_t at = gl->seg_b + tz_gemm_b_offset(geo, st->bb, last, k0);
	if (geo->eb > 1) /* its first elements, the rest padded */
		return lw_load_tile_prefixes(&gl->lo, gl->lv_b, idx + (uint64_t)full * cols, at, (uint64_t)tiles, geo->eb,
					     tz_gemm_b_tile_bytes(geo, last) / tz_gemm_b_elem_bytes(geo), geo->b_kvals, wait);
	if (gl->lo.hw->level[gl->lv_b].parent >= 0) /* padded in the shared level */
		return lw_load_parts(&gl->lo, gl->lv_b, idx + (uint64_t)full * cols, at, cols, tz_gemm_b_tile_bytes(geo, last),
				     gl->stage_b, wait);
	return lw_load_narrow(&gl->lo, gl->lv_b, idx + (uint64_t)full * cols, at, cols, geo->b_narrow, wait);
}

/* A for step `i` unless resident, never into `pin_a`; returns its slot. */
static int emit_load_a(struct gemm_lowering *gl, const struct step *st, int64_t i, int pin_a)
{
	const struct tz_geometry *geo = gl->geo;
	struct lw_op *lo = &gl->lo;
	int64_t Kt = geo->count[TZ_G_K];
	int64_t ka = key_a(gl, st);
	int sa = ring_find(&gl->ra, ka);
	if (sa < 0 && gl->m->direct) {
		sa = ring_victim(&gl->ra, pin_a);
		struct slot *sl = &gl->ra.s[sa];
		st_need(lo->s, lw_direct_load(gl, st, (uint64_t)sa * gl->slot_a), sl->last_reader);
		sl->loaded_by = lo->s->n - 1;
		sl->key = ka, sl->last_reader = -1;
	} else if (sa < 0) {
		sa = ring_victim(&gl->ra, pin_a);
		struct slot *sl = &gl->ra.s[sa];
		uint64_t off = (uint64_t)(((st->bb * geo->count[TZ_G_M] + st->mo * gl->m->bm) * Kt + st->ko * gl->m->bk) * geo->ea) *
			       geo->bytes_a;
		sl->loaded_by = gl->m->keep_a ? lw_load_from_kept(lo, gl->lv_a, (uint64_t)sa * gl->slot_a, kept_at(gl, st, 0, off),
								  (uint64_t)st->bm, (uint64_t)(st->bk * geo->ea),
								  (uint64_t)(Kt * geo->ea), sl->last_reader)
					      : lw_load_block(lo, gl->lv_a, (uint64_t)sa * gl->slot_a, gl->seg_a + off,
							      (uint64_t)st->bm, (uint64_t)(st->bk * geo->ea), (uint64_t)(Kt * geo->ea),
							      gl->stage_a, sl->last_reader);
		sl->key = ka, sl->last_reader = -1;
	}
	gl->ra.s[sa].used = i;
	return sa;
}

/* Loads A and B for step `i` (those not resident), never into `pin_a` /
 * `pin_b` (the slots the step before it computes from). */
static void emit_loads(struct gemm_lowering *gl, struct step *st, int64_t i, int pin_a, int pin_b)
{
	const struct tz_geometry *geo = gl->geo;
	struct lw_op *lo = &gl->lo;
	int64_t Kt = geo->count[TZ_G_K];
	int64_t kb = key_b(gl, st);
	int sa = emit_load_a(gl, st, i, pin_a);
	if (gl->beat_mode == TZ_BEAT_PER_BLOCK && st->first_k)
		load_digits(gl, st, i);
	int sb = ring_find(&gl->rb, kb);
	if (sb < 0 && gl->m->direct) { /* [Bt][Nt][lane tiles][window] tiles: bn rows of bk·window tiles */
		sb = ring_victim(&gl->rb, pin_b);
		struct slot *sl = &gl->rb.s[sb];
		int64_t W = geo->dir.win_points;
		sl->loaded_by = load_b(gl, st, (uint64_t)sb * gl->slot_b, st->ko * gl->m->bk * W, st->bk * W, sl->last_reader);
		sl->key = kb, sl->last_reader = -1;
	} else if (sb < 0) {
		sb = ring_victim(&gl->rb, pin_b);
		struct slot *sl = &gl->rb.s[sb];
		uint64_t off = tz_gemm_b_offset(geo, st->bb, st->no * gl->m->bn, st->ko * gl->m->bk);
		sl->loaded_by = gl->m->keep_b ? lw_load_from_kept(lo, gl->lv_b, (uint64_t)sb * gl->slot_b, kept_at(gl, st, 1, off),
								  (uint64_t)st->bn, (uint64_t)(st->bk * geo->eb),
								  (uint64_t)(Kt * geo->eb), sl->last_reader)
					      : load_b(gl, st, (uint64_t)sb * gl->slot_b, st->ko * gl->m->bk, st->bk, sl->last_reader);
		sl->key = kb, sl->last_reader = -1;
	}
	gl->rb.s[sb].used = i;
	st->sa = sa, st->sb = sb;
}

/* A loop over the output block: [bm][bn] tiles, or, in the direct form,
 * [bn][bm] (each output tile's points in a row, as they are stored). */
static struct isa_insn loop_insn(const struct gemm_lowering *gl, int kind, uint32_t ubegin, uint32_t uend,
				 const struct step *st)
{
	struct isa_insn in = {.kind = kind};
	in.f[ISA_F_UOP_BEGIN] = ubegin;
	in.f[ISA_F_UOP_END] = uend;
	if (gl->m->direct) {
		in.f[ISA_F_ITER_OUT] = st->bn;
		in.f[ISA_F_ITER_IN] = st->bm;
		in.f[ISA_F_DST_OUT] = gl->m->bm;
		in.f[ISA_F_DST_IN] = 1;
		return in;
	}
	in.f[ISA_F_ITER_OUT] = st->bm;
	in.f[ISA_F_ITER_IN] = st->bn;
	in.f[ISA_F_DST_OUT] = st->bn * gl->geo->eo;
	in.f[ISA_F_DST_IN] = gl->geo->eo;
	return in;
}

/* The intrinsic for one step; returns the last instruction. */
static int emit_gemm(struct gemm_lowering *gl, const struct step *st, int q)
{
	const struct tz_geometry *geo = gl->geo;
	struct lw_stream *s = gl->lo.s;
	int kind = -1;
	for (int k = 0; k < gl->lo.lay->nkinds; k++)
		if (gl->lo.lay->kind[k].cls == ISA_CLASS_GEMM && gl->lo.lay->kind[k].intrinsic == geo->b.intrinsic)
			kind = k;
	uint32_t u0 = gl->k_gemm[st->sa][st->sb][q], u1 = u0 + (uint32_t)st->bk, reset_uops = 1;
	if (gl->m->direct) /* its kernel among those of the blocks sharing the box */
		u0 += (uint32_t)(st->sub * geo->dir.win_points * gl->m->bk * gl->m->bn);
	struct isa_insn in = loop_insn(gl, kind, u0, u1, st);
	in.f[ISA_F_SRC_OUT] = st->bk * geo->ea;
	in.f[ISA_F_WGT_IN] = st->bk * geo->eb;
	if (gl->m->direct) { /* the box's rows and columns; micro-ops: window, lane tile, output tile */
		const struct tz_direct *d = &geo->dir;
		in = (struct isa_insn){.kind = kind};
		in.f[ISA_F_UOP_BEGIN] = u0;
		in.f[ISA_F_UOP_END] = u0 + (uint32_t)(d->win_points * gl->m->bk * gl->m->bn);
		in.f[ISA_F_ITER_OUT] = st->nr;
		in.f[ISA_F_ITER_IN] = st->nc;
		in.f[ISA_F_DST_OUT] = gl->db.box_cols;
		in.f[ISA_F_DST_IN] = 1;
		in.f[ISA_F_SRC_OUT] = d->box_row >= 0 ? lw_direct_box_step(gl, d->box_row) : 0;
		in.f[ISA_F_SRC_IN] = lw_direct_box_step(gl, d->box_col);
		reset_uops = (uint32_t)gl->m->bn;
	}
	int first = -1, last = -1;
	if (st->first_k && gl->bias_beat) { /* each tile starts from its bias: place values times digits */
		struct isa_insn r = in;
		r.f[ISA_F_RESET] = 1;
		uint32_t per = (uint32_t)tz_beat_kernel_uops(gl->m);
		bool along_n = geo->beat_group == TZ_G_N;
		int64_t kernel = gl->beat_mode == TZ_BEAT_PER_BLOCK ? st->sd : along_n ? st->no : st->bb;
		r.f[ISA_F_UOP_BEGIN] = gl->k_beat[q] + (uint32_t)kernel * per;
		r.f[ISA_F_UOP_END] = r.f[ISA_F_UOP_BEGIN] + per;
		r.f[ISA_F_SRC_OUT] = r.f[ISA_F_SRC_IN] = r.f[ISA_F_WGT_OUT] = 0;
		r.f[ISA_F_WGT_IN] = !gl->m->direct && along_n ? geo->eb : 0; /* the block's next tile's digits */
		first = last = st_emit(s, &r);
		st_need(s, first, gl->beat_loaded[0]);
		st_need(s, first, gl->beat_mode == TZ_BEAT_PER_BLOCK ? gl->rdig.s[st->sd].loaded_by : gl->beat_loaded[1]);
		if (gl->beat_mode == TZ_BEAT_PER_BLOCK)
			gl->rdig.s[st->sd].last_reader = first;
	} else if (st->first_k && !gl->bias_init) { /* the first reduction tile starts the block from zero */
		struct isa_insn r = in;
		r.f[ISA_F_RESET] = 1;
		r.f[ISA_F_UOP_END] = u0 + reset_uops;
		first = last = st_emit(s, &r);
		in.f[ISA_F_UOP_BEGIN] = u0 + reset_uops;
	}
	if (in.f[ISA_F_UOP_BEGIN] < in.f[ISA_F_UOP_END]) {
		last = st_emit(s, &in);
		if (first < 0)
			first = last;
	}
	for (int i = first; i <= last; i++) {
		st_need(s, i, gl->ra.s[st->sa].loaded_by);
		st_need(s, i, gl->rb.s[st->sb].loaded_by);
	}
	if (st->first_k)
		st_need(s, first, gl->acc_writer_need);
	gl->ra.s[st->sa].last_reader = last;
	gl->rb.s[st->sb].last_reader = last;
	return last;
}

static int alu_imm(struct gemm_lowering *gl, const struct step *st, int q, enum hw_alu_op op, int64_t imm)
{
	struct isa_insn in = loop_insn(gl, isa_kind_of_class(gl->lo.lay, ISA_CLASS_ALU), gl->k_imm[q],
				       gl->k_imm[q] + gl->geo->eo, st);
	in.f[ISA_F_SRC_OUT] = in.f[ISA_F_DST_OUT];
	in.f[ISA_F_SRC_IN] = in.f[ISA_F_DST_IN];
	in.f[ISA_F_ALU_OP] = op;
	in.f[ISA_F_USE_IMM] = 1;
	in.f[ISA_F_IMM] = imm;
	return st_emit(gl->lo.s, &in);
}

/* The block of the resident bias a step's output takes its part from. */
static int64_t bias_res_block(const struct gemm_lowering *gl, const struct step *st)
{
	int gr = gl->bias_res.group;
	return gr == TZ_G_M ? st->mo : gr == TZ_G_N ? st->no : st->bb;
}

static int alu_bias(struct gemm_lowering *gl, const struct step *st, int q)
{
	const struct tz_geometry *geo = gl->geo;
	bool dm = geo->bias_on[TZ_G_M], dn = geo->bias_on[TZ_G_N];
	uint32_t k = gl->k_bias[q];
	if (gl->bias_res.group >= 0) { /* the kernel of this block's part of the whole bias */
		int64_t batch = gl->bias_res.batches > 1 ? st->bb : 0;
		k += (uint32_t)((batch * gl->bias_res.blocks + bias_res_block(gl, st)) * (int64_t)geo->eo);
	}
	struct isa_insn in = loop_insn(gl, isa_kind_of_class(gl->lo.lay, ISA_CLASS_ALU), k, k + geo->eo, st);
	in.f[ISA_F_SRC_OUT] = dm ? (dn ? st->bn : 1) * geo->eo : 0;
	in.f[ISA_F_SRC_IN] = dn ? geo->eo : 0;
	if (gl->m->direct) /* one bias value per output tile, for all its points */
		in.f[ISA_F_SRC_OUT] = dn, in.f[ISA_F_SRC_IN] = 0;
	in.f[ISA_F_ALU_OP] = HW_ALU_ADD;
	return st_emit(gl->lo.s, &in);
}

/* The epilogue of a finished output block, then its stores. */
/* Byte plane p of an output block, from accumulator slot q, once `wait`
 * (the instruction that wrote it) is done; the store's index. */
static int store_plane(struct gemm_lowering *gl, const struct step *st, int q, int p, int wait)
{
	const struct tz_geometry *geo = gl->geo;
	int store;
	if (gl->m->direct)
		store = lw_direct_store(gl, st, q, gl->seg_out + (uint64_t)p * gl->plane_bytes, wait);
	else {
		uint64_t Nt = (uint64_t)geo->count[TZ_G_N];
		uint64_t first = ((uint64_t)(st->bb * geo->count[TZ_G_M] + st->mo * gl->m->bm) * Nt +
				  (uint64_t)(st->no * gl->m->bn)) * geo->eo;
		store = lw_store_block(&gl->lo, (uint64_t)q * gl->slot_acc,
				       gl->seg_out + (uint64_t)p * gl->plane_bytes + first * geo->bytes_out, (uint64_t)st->bm,
				       (uint64_t)st->bn * geo->eo, Nt * geo->eo, wait, 0);
	}
	gl->racc.s[q].last_reader = store;
	gl->lo.prog->last_store = store;
	return store;
}

/* The pending block's next byte plane: the accumulator shifted once the
 * store has read the last plane, then stored. */
static void next_plane(struct gemm_lowering *gl)
{
	uint32_t ob = dtype_bytes(gl->lo.hw->level[gl->lo.lv_out].dtype);
	int shift = alu_imm(gl, &gl->pending.st, gl->pending.q, HW_ALU_SHR, 8 * ob);
	st_need(gl->lo.s, shift, gl->pending.store);
	gl->pending.store = store_plane(gl, &gl->pending.st, gl->pending.q, gl->pending.plane, shift);
	if (++gl->pending.plane == gl->geo->b.planes)
		gl->pending.plane = 0;
}

static void drain_planes(struct gemm_lowering *gl)
{
	while (gl->pending.plane)
		next_plane(gl);
}

/* The epilogue's passes and the first byte plane's store; the other
 * planes are left pending (gl->pending). */
static void finish_block(struct gemm_lowering *gl, const struct step *st, int q, int last)
{
	const struct ir_op *op = gl->lo.op;
	struct tz_pass passes[TZ_MAX_PASSES];
	int n = tz_epilogue_passes(gl->lo.hw, op, gl->bias_init || gl->bias_beat, passes);
	if (n < 0)
		die("lower: op '%s' has an epilogue the ALU cannot do; matching refuses those", op->name);
	for (int i = 0; i < n; i++)
		last = passes[i].bias ? alu_bias(gl, st, q) : alu_imm(gl, st, q, passes[i].op, passes[i].imm);
	drain_planes(gl);
	int store = store_plane(gl, st, q, 0, last);
	if (gl->geo->b.planes > 1) {
		gl->pending.st = *st, gl->pending.q = q;
		gl->pending.plane = 1, gl->pending.store = store;
	}
}

/* One step's compute: bias, intrinsic, and after its last reduction step
 * the epilogue and stores. */
static void emit_compute(struct gemm_lowering *gl, const struct step *st)
{
	int q = (int)(st->out_block % gl->racc.n);
	if (st->first_k && gl->pending.plane && gl->pending.q == q) /* its slot again: every plane stored first */
		drain_planes(gl);
	if (st->first_k) {
		gl->acc_writer_need = gl->racc.s[q].last_reader;
		if (gl->geo->bias >= 0 && gl->bias_res.group < 0 && !gl->bias_beat) {
			int lb = gl->bias_init ? lw_load_bias_init(gl, st, q) : lw_load_bias(gl, st, q);
			st_need(gl->lo.s, lb, gl->acc_writer_need);
		}
	}
	int last = emit_gemm(gl, st, q);
	if (gl->pending.plane) /* a plane of the block before, while its store runs */
		next_plane(gl);
	if (st->last_k)
		finish_block(gl, st, q, last);
	lw_note_last_compute(&gl->lo);
}

/* Blocks sharing a box (tz_mapping's share): the next box, loaded while
 * the first step reading the current one computes, into the other buffer
 * (the one the box before freed), so that its load overlaps the compute of
 * all the blocks sharing this one, not of the last alone. */
static void load_next_box(struct gemm_lowering *gl, const struct step *cur, int64_t i, int64_t n)
{
	int64_t key = key_a(gl, cur);
	for (int64_t j = i + 1; j < n; j++) {
		struct step s = step_at(gl, j);
		if (key_a(gl, &s) != key) {
			emit_load_a(gl, &s, i, cur->sa);
			return;
		}
	}
}

/* With two buffers for A and B (or one for an operand loaded once) the next
 * step's loads go into the buffers this step does not read, so they
 * overlap with its compute.  They come after it in program order: fetch
 * dispatches in order, and a full load queue would hold back the compute
 * that frees the buffer after next. */
static void emit_steps(struct gemm_lowering *gl)
{
	int64_t n = total_steps(gl), box = -1;
	bool prefetch = tz_prefetches(gl->geo, gl->m), ahead = prefetch && gl->m->direct && gl->db.share > 1 && gl->m->ring_a > 1;
	struct step cur = step_at(gl, 0), next;
	emit_loads(gl, &cur, 0, -1, -1);
	for (int64_t i = 0; i < n; i++) {
		emit_compute(gl, &cur);
		if (prefetch && i + 1 < n) {
			next = step_at(gl, i + 1);
			emit_loads(gl, &next, i + 1, cur.sa, cur.sb);
		}
		if (ahead && key_a(gl, &cur) != box) { /* the first step on this box */
			box = key_a(gl, &cur);
			load_next_box(gl, &cur, i, n);
		}
		if (i + 1 < n) {
			if (!prefetch) {
				next = step_at(gl, i + 1);
				emit_loads(gl, &next, i + 1, -1, -1);
			}
			cur = next;
		}
	}
	drain_planes(gl);
}

/* ---- micro-op kernels, scratchpads, staging and segments ---- */

/* The beat's kernels for accumulator buffer q: per block of output tiles
 * (or batch index) with every digit resident, else per digit buffer: its
 * tiles' accumulators, the place values, their digits. */
static void beat_kernels(struct gemm_lowering *gl, int q)
{
	const struct tz_geometry *geo = gl->geo;
	const struct tz_mapping *m = gl->m;
	bool along_n = geo->beat_group == TZ_G_N;
	int64_t per = tz_beat_block_tiles(geo, m);
	for (int64_t blk = 0, nb = tz_beat_kernels(geo, m, gl->beat_mode); blk < nb; blk++)
		for (int64_t n = 0; n < tz_beat_kernel_uops(m); n++)
			lw_add_uop(&gl->lo, (uint32_t)(q * gl->slot_acc + (uint64_t)(n * m->bm)), (uint32_t)gl->beat_place,
				   (uint32_t)(gl->beat_digit + (uint64_t)(blk * per + (along_n ? n : 0)) * geo->eb));
}

/* One kernel per combination of buffers for the intrinsic; per output
 * buffer one for immediates and one for the bias. */
static void build_kernels(struct gemm_lowering *gl)
{
	const struct tz_geometry *geo = gl->geo;
	const struct tz_mapping *m = gl->m;
	struct lw_op *lo = &gl->lo;
	lw_pad_uops(lo);
	lo->uop_rel = (uint32_t)lo->prog->p.nuop;
	lo->nuops = 0;
	for (int a = 0; a < m->ring_a; a++)
		for (int b = 0; b < m->ring_b; b++)
			for (int q = 0; q < m->ring_acc; q++) {
				gl->k_gemm[a][b][q] = lo->nuops;
				if (m->direct) {
					lw_direct_kernel(gl, (uint32_t)(a * gl->slot_a), (uint32_t)(b * gl->slot_b),
						      (uint32_t)(q * gl->slot_acc));
					continue;
				}
				for (int64_t k = 0; k < m->bk; k++)
					lw_add_uop(lo, (uint32_t)(q * gl->slot_acc), (uint32_t)(a * gl->slot_a + k * geo->ea),
						   (uint32_t)(b * gl->slot_b + k * geo->eb));
			}
	for (int q = 0; q < m->ring_acc; q++) {
		gl->k_imm[q] = lo->nuops;
		for (uint32_t e = 0; e < geo->eo; e++)
			lw_add_uop(lo, (uint32_t)(q * gl->slot_acc) + e, (uint32_t)(q * gl->slot_acc) + e, 0);
		gl->k_bias[q] = gl->k_beat[q] = lo->nuops;
		if (gl->bias_beat)
			beat_kernels(gl, q);
		else if (gl->bias_res.group >= 0) { /* one kernel per block of the whole bias, per batch index */
			const struct tz_bias_home *h = &gl->bias_res;
			int64_t per = h->per, tiles = h->tiles / h->batches;
			for (int64_t bb = 0; bb < h->batches; bb++)
				for (int64_t blk = 0; blk < h->blocks; blk++)
					for (uint32_t e = 0; e < geo->eo; e++)
						lw_add_uop(lo, (uint32_t)(q * gl->slot_acc) + e,
							   (uint32_t)(gl->bias_res_base + (uint64_t)(bb * tiles + blk * per) * geo->eo) + e, 0);
		} else if (geo->bias >= 0) {
			for (uint32_t e = 0; e < geo->eo; e++)
				lw_add_uop(lo, (uint32_t)(q * gl->slot_acc) + e, (uint32_t)(q * gl->slot_acc + gl->bias_off) + e,
					   0);
		}
	}
	lw_pad_uops(lo);
}

/* Staging areas in each shared level, one after another (tz_shared_areas). */
static int plan_staging(struct gemm_lowering *gl, char *why)
{
	const struct hw *hw = gl->lo.hw;
	uint64_t size[TZ_SHARED_AREAS], keep[2][HW_MAX_LEVELS] = {{0}}, need;
	tz_shared_areas(gl->geo, gl->m, (uint64_t)gl->lo.nuops, size);
	uint64_t *const at[TZ_SHARED_AREAS] = {gl->stage_a,	    gl->stage_b,	 gl->lo.stage_out, gl->lo.stage_uop,
					       gl->stage_bias[0], gl->stage_bias[1], keep[0],	       keep[1]};
	int s = tz_stage_areas(hw, size, TZ_SHARED_AREAS, tz_shared_align(hw), at, &need);
	if (s >= 0) {
		snprintf(why, 256, "staging the blocks through shared level '%s' needs %" PRIu64 " bytes; it has %" PRIu64,
			 hw->level[s].name, need, hw->level[s].capacity);
		return -1;
	}
	int sh = tz_shared_level(hw); /* operands are kept only with one shared level */
	gl->keep_off[0] = sh >= 0 ? keep[0][sh] : 0, gl->keep_off[1] = sh >= 0 ? keep[1][sh] : 0;
	return 0;
}

/* The whole packed A or B (or a panel of it) from DRAM into its area of
 * the shared level. */
static void load_kept(struct gemm_lowering *gl, int which, uint64_t dram, uint64_t bytes)
{
	int s = tz_shared_level(gl->lo.hw);
	uint32_t e = gl->lo.hw->level[s].elem_bytes;
	int f = lw_transfer(&gl->lo, ISA_CLASS_LOAD, s, lw_elems(gl->keep_off[which], e), lw_elems(dram, e), 1,
			    (bytes + e - 1) / e, 0, 0, 0);
	lw_barrier(&gl->lo, f);
}

/* Packs A, B and the bias (data NULL: zeros, as when only timing matters)
 * and places the output. */
static void make_segments(struct gemm_lowering *gl, const uint8_t *const *data)
{
	const struct tz_geometry *geo = gl->geo;
	struct lw_op *lo = &gl->lo;
	uint8_t *a = NULL, *bb = NULL, *bias = NULL;
	if (gl->m->direct) {
		lw_direct_segments(gl, data);
		return;
	}
	/* an operand an earlier op stored as this op packs it is read where it is */
	int i = (int)(lo->rec - lo->prog->op);
	int sa = lw_stored_as_packed(lo->prog, i, lo->op->in[geo->b.input_a].tensor),
	    sb = lw_stored_as_packed(lo->prog, i, lo->op->in[geo->b.input_b].tensor);
	if (data && sa < 0) {
		if ((a = try_malloc(tz_packed_a_bytes(geo) + 1)))
			tz_pack_a(geo, data, a);
		else
			lw_nomem(lo->prog, tz_packed_a_bytes(geo) + 1, "the packed A operand");
	}
	if (data && sb < 0) {
		if ((bb = try_malloc(tz_gemm_b_bytes(geo) + 1)))
			tz_pack_b(geo, data, bb);
		else
			lw_nomem(lo->prog, tz_gemm_b_bytes(geo) + 1, "the packed B operand");
	}
	gl->seg_a = sa >= 0 ? lo->prog->p.seg[sa].addr
			    : lw_add_segment(lo, "a", lw_segment_kind(lo->g, lo->op->in[geo->b.input_a].tensor),
					     tz_packed_a_bytes(geo), a);
	gl->seg_b = sb >= 0 ? lo->prog->p.seg[sb].addr
			    : lw_add_segment(lo, "b", lw_segment_kind(lo->g, lo->op->in[geo->b.input_b].tensor),
					     tz_gemm_b_bytes(geo), bb);
	if (geo->bias >= 0) {
		if (data && (bias = try_malloc(tz_packed_bias_bytes(geo) + 1)))
			tz_pack_bias(geo, data, bias);
		else if (data)
			lw_nomem(lo->prog, tz_packed_bias_bytes(geo) + 1, "the packed bias");
		if (gl->bias_beat)
			lw_beat_segments(gl, bias);
		else
			gl->seg_bias = lw_add_segment(lo, "bias", ISA_SEG_WEIGHT, tz_packed_bias_bytes(geo), bias);
	}
	gl->plane_bytes = tz_packed_out_bytes(geo);
	gl->seg_out = lw_add_segment(lo, "out", ISA_SEG_OUTPUT, gl->plane_bytes * (uint64_t)geo->b.planes, NULL);
	lo->rec->out_segment = lo->prog->p.nseg - 1;
}

void lw_beat_segments(struct gemm_lowering *gl, uint8_t *bias)
{
	const struct tz_geometry *geo = gl->geo;
	uint8_t *place = NULL, *digit = NULL;
	if (bias) {
		place = try_malloc(geo->bytes_a), digit = try_malloc(tz_beat_digit_bytes(geo));
		if (!place || !digit) {
			free(place), free(digit);
			place = digit = NULL;
			lw_nomem(gl->lo.prog, geo->bytes_a + tz_beat_digit_bytes(geo), "the bias's digits");
		} else if (!tz_pack_beat(geo, bias, place, digit) && !gl->lo.prog->refused) {
			gl->lo.prog->refused = "a bias value outside the range its tensor was given (ir_tensor.lo, hi), "
					       "which the digits its sum starts from were chosen for";
		}
		free(bias);
	}
	gl->seg_place = lw_add_segment(&gl->lo, "bias_place", ISA_SEG_WEIGHT, geo->bytes_a, place);
	gl->seg_digit = lw_add_segment(&gl->lo, "bias_digits", ISA_SEG_WEIGHT, tz_beat_digit_bytes(geo), digit);
}

static void layout_scratchpads(struct gemm_lowering *gl)
{
	const struct tz_geometry *geo = gl->geo;
	const struct tz_mapping *m = gl->m;
	tz_bias_home(geo, m, &gl->bias_res);
	gl->bias_init = tz_bias_init(geo, m);
	gl->beat_mode = tz_beat_mode(geo, m);
	gl->bias_beat = gl->beat_mode != TZ_BEAT_NONE;
	if (m->direct) {
		tz_direct_block(geo, m, &gl->db);
		gl->slot_a = gl->db.slot_a, gl->slot_b = gl->db.slot_b, gl->slot_acc = gl->db.slot_acc;
		gl->bias_off = gl->db.bias_off;
	} else {
		gl->slot_a = (uint64_t)(m->bm * m->bk) * geo->ea;
		gl->slot_b = (uint64_t)(m->bn * m->bk) * geo->eb;
		gl->bias_off = (uint64_t)(m->bm * m->bn) * geo->eo;
		uint64_t bias = geo->bias < 0 || gl->bias_res.group >= 0 || gl->bias_beat ? 0 :
				(uint64_t)((geo->bias_on[TZ_G_M] ? m->bm : 1) * (geo->bias_on[TZ_G_N] ? m->bn : 1)) * geo->eo;
		gl->slot_acc = gl->bias_off + bias;
	}
	gl->beat_place = (uint64_t)m->ring_a * gl->slot_a, gl->beat_digit = (uint64_t)m->ring_b * gl->slot_b;
	if (gl->bias_res.group >= 0) /* after the output blocks */
		gl->bias_res_base = (uint64_t)m->ring_acc * gl->slot_acc;
}

static void init_gemm(struct gemm_lowering *gl, struct cc_program *prog, struct cc_op *rec)
{
	memset(gl, 0, sizeof *gl);
	lw_op_init(&gl->lo, prog, rec);
	gl->geo = &rec->plan.geo, gl->m = &rec->plan.map;
	const struct hw_intrinsic *in = &gl->lo.hw->intrinsic[gl->m->b.intrinsic];
	gl->lv_a = in->a.level, gl->lv_b = in->b.level, gl->lo.lv_acc = in->out.level;
	ring_init(&gl->ra, gl->m->ring_a);
	ring_init(&gl->rb, gl->m->ring_b);
	ring_init(&gl->racc, gl->m->ring_acc);
	ring_init(&gl->rbias, LW_MAX_RING);
	ring_init(&gl->rdig, TZ_BEAT_BUFFERS);
	gl->acc_writer_need = -1;
	gl->serpentine = tz_serpentine(gl->geo, gl->m);
	layout_scratchpads(gl);
}

/* ---- the kind's entries ---- */

/* The binding derived (a tuner's or a record's may lack the derived
 * fields), the geometry it gives and the mapping checked against it. */
int lw_settle_gemm(struct cc_program *prog, struct cc_op *rec, struct diags *err)
{
	const struct ir_graph *g = prog->g;
	struct cc_plan *plan = &rec->plan;
	char why[256];
	struct tz_binding bind = plan->map.b;
	if (tz_binding_derive(&prog->p.hw, g, rec->op, &bind, why)) {
		diag_add(err, NULL, 0, 0, "op '%s': the binding is not legal: %s", g->op[rec->op].name, why);
		return -1;
	}
	plan->map.b = bind;
	tz_geometry_init(&plan->geo, &prog->p.hw, g, rec->op, &bind);
	if (plan->map.keep_b) /* B kept whole in the shared level, as DRAM holds it: whole tiles */
		plan->geo.b_narrow = 0, plan->geo.b_kvals = 0, plan->geo.b_diag = 0;
	if (tz_mapping_check(&plan->geo, &plan->map, why)) {
		diag_add(err, NULL, 0, 0, "op '%s': the mapping cannot be lowered: %s", g->op[rec->op].name, why);
		return -1;
	}
	return 0;
}

int lw_lower_gemm(struct cc_program *prog, struct cc_op *rec, struct diags *err)
{
	struct gemm_lowering gl;
	init_gemm(&gl, prog, rec);
	char why[256];
	build_kernels(&gl);
	if (plan_staging(&gl, why)) {
		diag_add(err, NULL, 0, 0, "op '%s': %s", gl.lo.op->name, why);
		return -1;
	}
	make_segments(&gl, prog->rq->data);
	/* the output buffers are free once the previous op's stores read them */
	gl.racc.s[0].last_reader = gl.racc.s[1 % LW_MAX_RING].last_reader = prog->last_store;
	lw_load_kernels(&gl.lo);
	if (gl.bias_beat) { /* the place values and the digits, once */
		gl.beat_loaded[0] = lw_load_block(&gl.lo, gl.lv_a, gl.beat_place, gl.seg_place, 1, 1, 0, gl.stage_a, -1);
		gl.beat_loaded[1] = gl.beat_mode != TZ_BEAT_RESIDENT ? -1 : lw_load_block(&gl.lo, gl.lv_b, gl.beat_digit, gl.seg_digit, 1,
					       (uint64_t)gl.geo->count[gl.geo->beat_group] * gl.geo->eb, 0, gl.stage_b, -1);
	}
	if (gl.bias_res.group >= 0) /* the whole bias, once */
		lw_load_block(&gl.lo, gl.lo.lv_acc, gl.bias_res_base, gl.seg_bias, 1, (uint64_t)gl.bias_res.tiles * gl.geo->eo,
			      0, gl.stage_bias[0], -1);
	/* whole kept operands first; panels as their first blocks need them */
	gl.panel_in = -1;
	if (gl.m->keep_a && !tz_in_panels(gl.m, 0))
		load_kept(&gl, 0, gl.seg_a, tz_packed_a_bytes(gl.geo));
	if (gl.m->keep_b && !tz_in_panels(gl.m, 1))
		load_kept(&gl, 1, gl.seg_b, tz_gemm_b_bytes(gl.geo));
	emit_steps(&gl);
	return 0;
}

void lw_unpack_gemm(const struct cc_program *prog, const struct cc_op *rec, const uint8_t *packed, uint8_t *tensor)
{
	(void)prog;
	if (rec->plan.map.direct)
		tz_layout_unpack(prog->g, &rec->plan.geo.dir.out, rec->plan.geo.b.planes, packed, tensor);
	else
		tz_unpack_out(&rec->plan.geo, packed, tensor);
}
