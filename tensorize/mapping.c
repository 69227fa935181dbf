/* tensorize/mapping: which mappings fit the hardware, what they should cost,
 * and the default mapping every op gets without a search.
 *
 * The estimate follows docs/microarch.md at the level of whole
 * instructions: the intrinsic's beats and latency per instruction, each DMA
 * instruction paying its memory latency once plus its bytes over the slower
 * of the channel and the scratchpad port, and with double buffering the
 * three modules overlapping (the slowest one sets the pace). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "isa/isa.h"
#include "tensorize.h"

int tz_epilogue_alu(const struct hw *hw, enum dtype acc, const struct ir_epilogue *ep, enum hw_alu_op op[2],
		    int64_t imm[2])
{
	switch (ep->kind) {
	case IR_EP_BIAS: op[0] = HW_ALU_ADD, imm[0] = 0; return 1;
	case IR_EP_ADD: op[0] = HW_ALU_ADD, imm[0] = ep->imm; return 1;
	case IR_EP_MUL: op[0] = HW_ALU_MUL, imm[0] = ep->imm; return 1;
	case IR_EP_SHR: op[0] = HW_ALU_SHR, imm[0] = ep->imm; return 1;
	case IR_EP_RELU: op[0] = HW_ALU_MAX, imm[0] = 0; return 1;
	case IR_EP_DIV: return -1;
	case IR_EP_ROUND: return dtype_float(acc) ? -1 : 0; /* an integer is one already */
	case IR_EP_EXP: case IR_EP_LOG: case IR_EP_SQRT: case IR_EP_TANH: case IR_EP_ERF: return -1;
	case IR_EP_CLIP: {
		/* the ALU's clip is symmetric: [-y-1, y] for integers, [-y, y] for
		 * floats, with y > 0 (clip [0, 0] is +0 for a negative value, y = 0
		 * would give -0) */
		bool symmetric = dtype_float(acc) ? ep->lo == -ep->hi && ep->hi > 0 : ep->lo == -ep->hi - 1;
		if (symmetric && (hw->alu.ops & (1u << HW_ALU_CLIP))) {
			op[0] = HW_ALU_CLIP, imm[0] = ep->hi;
			return 1;
		}
		op[0] = HW_ALU_MAX, imm[0] = ep->lo, op[1] = HW_ALU_MIN, imm[1] = ep->hi;
		return 2;
	}
	}
	return -1;
}

/* Micro-ops the mapping's kernels take (compiler/lower_gemm.c: build_kernels), before padding. */
static uint64_t kernel_uops(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	uint64_t bias = 0;
	struct tz_bias_home home;
	tz_bias_home(geo, m, &home);
	enum tz_beat beat = tz_beat_mode(geo, m);
	if (beat != TZ_BEAT_NONE)
		bias = tz_beat_uops(geo, m, beat);
	else if (home.group >= 0) /* a kernel per block of the whole bias, per batch index */
		bias = (uint64_t)m->ring_acc * geo->eo * (uint64_t)(home.blocks * home.batches);
	else if (geo->bias >= 0)
		bias = (uint64_t)m->ring_acc * geo->eo;
	return (uint64_t)(m->ring_a * m->ring_b * m->ring_acc) * (uint64_t)m->bk + (uint64_t)m->ring_acc * geo->eo + bias;
}

/* Accumulator elements: the output blocks and the bias (whole, or per block). */
static uint64_t acc_need(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	uint64_t out = (uint64_t)(m->bm * m->bn) * geo->eo;
	struct tz_bias_home home;
	tz_bias_home(geo, m, &home);
	if (home.group >= 0)
		return (uint64_t)m->ring_acc * out + (uint64_t)home.tiles * geo->eo;
	uint64_t bias = geo->bias < 0 || tz_bias_beat(geo, m) ? 0 :
			(uint64_t)((geo->bias_on[TZ_G_M] ? m->bm : 1) * (geo->bias_on[TZ_G_N] ? m->bn : 1)) * geo->eo;
	return (uint64_t)m->ring_acc * (out + bias);
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* The blocks of the inner block loop: n blocks in order mn, m in nm. */
static int64_t inner_blocks(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	return m->n_outer ? tz_blocks(geo->count[TZ_G_M], m->bm) : tz_blocks(geo->count[TZ_G_N], m->bn);
}

static bool keeps_inner(const struct tz_mapping *m)
{
	return m->n_outer ? m->keep_a : m->keep_b;
}

/* The inner loop's blocks in each panel (the last may hold fewer). */
static int64_t panel_blocks(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	return m->panel > 0 ? m->panel : inner_blocks(geo, m);
}

int64_t tz_pass_ring(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	return inner_blocks(geo, m) * tz_blocks(geo->count[TZ_G_K], m->bk);
}

bool tz_pass_ring_useful(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	int64_t pass = tz_pass_ring(geo, m), outer = m->n_outer ? tz_blocks(geo->count[TZ_G_N], m->bn)
								 : tz_blocks(geo->count[TZ_G_M], m->bm);
	return pass > 2 && pass <= TZ_MAX_RING && outer > 1 && geo->count[TZ_G_BATCH] == 1;
}

int64_t tz_panels(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	return tz_blocks(inner_blocks(geo, m), panel_blocks(geo, m));
}

uint64_t tz_kept_bytes(const struct tz_geometry *geo, const struct tz_mapping *m, int which)
{
	if (!(which ? m->keep_b : m->keep_a))
		return 0;
	if (!tz_in_panels(m, which))
		return which ? tz_packed_b_bytes(geo) : tz_packed_a_bytes(geo);
	/* packed [Bt][rows][Kt] tiles: a panel is its blocks' rows by every reduction tile */
	uint64_t tile = which ? geo->eb * geo->bytes_b : geo->ea * geo->bytes_a;
	return (uint64_t)(m->panel * (which ? m->bn : m->bm) * geo->count[TZ_G_K]) * tile;
}

int tz_fit_panel(const struct tz_geometry *geo, struct tz_mapping *m)
{
	char why[256];
	int64_t inner = inner_blocks(geo, m), last = inner;
	if (m->direct || m->panel || !keeps_inner(m))
		return -1;
	for (int64_t d = 2; d <= inner; d *= 2) {
		int64_t p = tz_blocks(inner, d);
		if (p == last)
			continue;
		m->panel = last = p;
		if (!tz_mapping_check(geo, m, why))
			return 0;
	}
	m->panel = 0;
	return -1;
}

void tz_shared_areas(const struct tz_geometry *geo, const struct tz_mapping *m, uint64_t uops,
		     uint64_t size[TZ_SHARED_AREAS])
{
	const struct hw *hw = geo->hw;
	uint64_t a = tz_shared_align(hw);
	uint64_t bias = (uint64_t)(m->bm * m->bn) * geo->eo * geo->bytes_acc;
	struct tz_bias_home home; /* the whole bias, over every batch index it varies along, staged at once */
	tz_bias_home(geo, m, &home);
	if (home.group >= 0 && (uint64_t)home.tiles * geo->eo * geo->bytes_acc > bias)
		bias = (uint64_t)home.tiles * geo->eo * geo->bytes_acc;
	uint64_t blk_a = (uint64_t)(m->bm * m->bk) * geo->ea, blk_b = (uint64_t)(m->bn * m->bk) * geo->eb;
	if (m->direct) { /* a box with its halo, and B's tiles of every window position */
		struct tz_direct_block db;
		tz_direct_block(geo, m, &db);
		blk_a = db.slot_a, blk_b = db.slot_b;
	}
	const uint64_t sizes[TZ_SHARED_AREAS] = {blk_a * geo->bytes_a, blk_b * geo->bytes_b,
						 (uint64_t)(m->bm * m->bn) * geo->eo * geo->bytes_out,
						 uops * hw->level[hw->role_level[HW_ROLE_UOP]].elem_bytes + a, bias, bias,
						 tz_kept_bytes(geo, m, 0), tz_kept_bytes(geo, m, 1)};
	memcpy(size, sizes, sizeof sizes);
}

/* The mapping's staging areas (tz_shared_areas), with the micro-ops its
 * kernels take and room for their padding. */
static void mapping_areas(const struct tz_geometry *geo, const struct tz_mapping *m, uint64_t size[TZ_SHARED_AREAS])
{
	uint64_t uops = kernel_uops(geo, m) + 64;
	if (m->direct) {
		struct tz_direct_block db;
		tz_direct_block(geo, m, &db);
		uops = db.uops + 64;
	}
	tz_shared_areas(geo, m, uops, size);
}

static bool any_shared(const struct hw *hw)
{
	for (int l = 0; l < hw->nlevels; l++)
		if (hw->level[l].role == HW_ROLE_SHARED)
			return true;
	return false;
}

uint64_t tz_shared_bytes(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	const struct hw *hw = geo->hw;
	if (!any_shared(hw))
		return 0;
	uint64_t a = tz_shared_align(hw), size[TZ_SHARED_AREAS], off = 0;
	mapping_areas(geo, m, size);
	for (int i = 0; i < TZ_SHARED_AREAS; i++)
		off = round_up(off + size[i], a);
	return off;
}

int tz_shared_check(const struct tz_geometry *geo, const struct tz_mapping *m, char why[256])
{
	uint64_t size[TZ_SHARED_AREAS];
	mapping_areas(geo, m, size);
	return tz_stage_check(geo->hw, size, TZ_SHARED_AREAS, tz_shared_align(geo->hw),
			      m->keep_a || m->keep_b ? "the staging areas and kept operands" : "the staging areas", why);
}

static int fits(const struct hw *hw, enum hw_role role, uint64_t need, const char *what, char *why)
{
	const struct hw_level *l = &hw->level[hw->role_level[role]];
	if (need <= l->depth)
		return 0;
	snprintf(why, 256, "%s need %" PRIu64 " elements of '%s', which holds %u", what, need, l->name, l->depth);
	return -1;
}

/* Each operand's buffers: 1 or 2, or for the inner block loop's operand
 * the `pass` blocks it has in a pass of the outer loop (0: not possible). */
static int check_buffers(const struct tz_mapping *m, int64_t pass, char why[256])
{
	const int ring[3] = {m->ring_a, m->ring_b, m->ring_acc};
	for (int i = 0; i < 3; i++)
		if (ring[i] < 1 || (ring[i] > 2 && (i != (m->n_outer ? 0 : 1) || ring[i] != pass || pass > TZ_MAX_RING))) {
			if (pass > 2 && pass <= TZ_MAX_RING)
				snprintf(why, 256, "an operand has %d buffers; 1 or 2 are possible, or %" PRId64 " for %s (the blocks of it a pass of the outer block loop has)",
					 ring[i], pass, m->n_outer ? "A" : "B");
			else
				snprintf(why, 256, "an operand has %d buffers; 1 or 2 are possible", ring[i]);
			return -1;
		}
	return 0;
}

int tz_mapping_check(const struct tz_geometry *geo, const struct tz_mapping *m, char why[256])
{
	const struct hw *hw = geo->hw;
	why[0] = 0;
	if (m->direct)
		return check_buffers(m, 0, why) ? -1 : tz_direct_check(geo, m, why);
	if (tz_diagonal(&geo->b) >= 0) {
		snprintf(why, 256, "a diagonal binding runs in the direct form only");
		return -1;
	}
	if (m->box_rows || m->share > 1) {
		snprintf(why, 256, "box_rows=%" PRId64 " and share=%" PRId64 " shape blocks of the direct form only",
			 m->box_rows, m->share);
		return -1;
	}
	const int64_t size[3] = {m->bm, m->bn, m->bk}, count[3] = {geo->count[TZ_G_M], geo->count[TZ_G_N], geo->count[TZ_G_K]};
	const char *names[3] = {"bm", "bn", "bk"};
	for (int i = 0; i < 3; i++)
		if (size[i] < 1 || size[i] > count[i]) {
			snprintf(why, 256, "%s=%" PRId64 " is outside 1 to %" PRId64 " (the tiles there are)", names[i], size[i],
				 count[i]);
			return -1;
		}
	if (check_buffers(m, m->panel ? 0 : tz_pass_ring(geo, m), why))
		return -1;
	for (int i = 0; i < 2; i++)
		if ((uint64_t)size[i] > hw->isa.max_loop_extent) {
			snprintf(why, 256, "%s=%" PRId64 " is more than a loop of the ISA runs (isa.max_loop_extent %u)", names[i],
				 size[i], hw->isa.max_loop_extent);
			return -1;
		}
	const struct hw_intrinsic *in = &hw->intrinsic[geo->b.intrinsic];
	if (fits(hw, hw->level[in->a.level].role, (uint64_t)(m->ring_a * m->bm * m->bk) * geo->ea, "the A blocks", why) ||
	    fits(hw, hw->level[in->b.level].role, (uint64_t)(m->ring_b * m->bn * m->bk) * geo->eb, "the B blocks", why) ||
	    fits(hw, HW_ROLE_ACCUMULATOR, acc_need(geo, m), "the output blocks", why) ||
	    fits(hw, HW_ROLE_UOP, kernel_uops(geo, m) + 64, "the micro-op kernels", why))
		return -1;
	int sh = tz_shared_level(hw);
	if ((m->keep_a || m->keep_b) && sh < 0) {
		snprintf(why, 256, "keeping an operand needs exactly one shared level");
		return -1;
	}
	if (m->panel && (m->panel < 0 || !keeps_inner(m) || m->panel >= inner_blocks(geo, m))) {
		snprintf(why, 256, "panel=%" PRId64 " splits the kept operand of the inner block loop (B in order mn, A in nm) into panels of 1 to %" PRId64 " of its blocks",
			 m->panel, inner_blocks(geo, m) - 1);
		return -1;
	}
	if (tz_shared_check(geo, m, why))
		return -1;
	return 0;
}

/* What the estimate needs of a mapping's blocking, for either form. */
struct blocking {
	double Bt;
	int64_t Mb, Nb, Kb;
	double a_bytes, b_bytes;         /* one block of each */
	double a_dmas, b_dmas;           /* transfers per block */
	double out_dmas;                 /* transfers per output block and plane */
	double gemm_insns_per_out;       /* intrinsic instructions of an output block beyond one per step */
	double a_whole, b_whole;         /* the whole operands (for keep) */
	double a_share;                  /* A's loads per block's (blocks sharing a box: fewer) */
	int64_t panels, panel;           /* panels of the inner loop's blocks, blocks in one */
	bool serpentine;                 /* tz_serpentine */
};

/* Integer sums come out the same in any order (a float sum would not). */
static bool exact_sum(const struct tz_geometry *geo)
{
	return !dtype_float(geo->hw->intrinsic[geo->b.intrinsic].out.dtype);
}

static void gemm_blocking(const struct tz_geometry *geo, const struct tz_mapping *m, struct blocking *b)
{
	b->Bt = (double)geo->count[TZ_G_BATCH];
	b->Mb = tz_blocks(geo->count[TZ_G_M], m->bm), b->Nb = tz_blocks(geo->count[TZ_G_N], m->bn);
	b->Kb = tz_blocks(geo->count[TZ_G_K], m->bk);
	b->a_bytes = (double)(m->bm * m->bk * geo->ea * geo->bytes_a);
	b->b_bytes = (double)(m->bn * m->bk * geo->eb * geo->bytes_b);
	b->a_dmas = b->b_dmas = b->out_dmas = 1;
	b->gemm_insns_per_out = m->bk > 1 ? 1 : 0;
	b->a_whole = (double)tz_packed_a_bytes(geo), b->b_whole = (double)tz_packed_b_bytes(geo);
	b->a_share = 1;
	b->panels = tz_panels(geo, m), b->panel = panel_blocks(geo, m);
}

/* The direct form: a block's input box per lane tile (one transfer each,
 * or one per row when its columns are strided), B blocks of every window
 * position, a store per output tile of the block. */
static void direct_blocking(const struct tz_geometry *geo, const struct tz_mapping *m, struct blocking *b)
{
	struct tz_direct_block db;
	tz_direct_block(geo, m, &db);
	const struct tz_direct *d = &geo->dir;
	b->Bt = (double)geo->count[TZ_G_BATCH];
	b->Mb = db.stepped * db.row_blocks * db.col_blocks, b->Nb = tz_blocks(geo->count[TZ_G_N], m->bn);
	b->Kb = tz_blocks(db.kt, m->bk);
	b->a_bytes = (double)db.slot_a * geo->bytes_a * tz_layout_fill(&d->a); /* a narrow layout's: its values */
	b->b_bytes = (double)db.slot_b * geo->bytes_b;
	b->a_dmas = tz_direct_folds_lanes(geo, m) ? 1 : (double)db.chunks * (d->a_step[d->a_col] > 1 ? (double)db.a_rows : 1);
	b->b_dmas = 1;
	b->out_dmas = tz_direct_folds_outputs(geo, m) ? 1 : (double)m->bn;
	b->gemm_insns_per_out = 1;
	b->a_whole = (double)tz_layout_bytes(&d->a), b->b_whole = (double)tz_packed_b_bytes(geo);
	b->a_share = (double)db.groups / (double)db.row_blocks;
	b->panels = 1, b->panel = m->n_outer ? b->Mb : b->Nb;
}

/* Either form's blocking, and whether it runs in serpentine order. */
static void blocking_of(const struct tz_geometry *geo, const struct tz_mapping *m, struct blocking *b)
{
	if (m->direct)
		direct_blocking(geo, m, b);
	else
		gemm_blocking(geo, m, b);
	/* what B's blocks read as DRAM holds them: its last row narrow (B kept
	 * whole is read as DRAM holds it), its elements' first values along K,
	 * a diagonal binding's tiles as their diagonals alone */
	if ((geo->b_narrow || geo->b_kvals) && !m->keep_b)
		b->b_bytes *= (double)tz_gemm_b_data_bytes(geo) / (double)tz_packed_b_bytes(geo);
	if (geo->b_narrow && !m->keep_b)
		b->b_dmas += m->bn > 1 ? 1 / b->Nb : 0; /* a block holding it and other rows: one more load */
	if (geo->b_diag && !m->keep_b)
		b->b_bytes *= (double)tz_gemm_b_data_bytes(geo) / (double)tz_packed_b_bytes(geo);
	b->serpentine = exact_sum(geo) && b->Kb > 1;
}

bool tz_serpentine(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	struct blocking bl;
	blocking_of(geo, m, &bl);
	return bl.serpentine;
}

/* How many times each operand block is loaded: once per step unless the
 * blocks that recur fit in its buffers, the outer loop's once per panel.
 * In serpentine order an output block starts from the reduction blocks
 * its predecessor ended with: the outer loop's operand saves a buffer
 * ring's worth at each step of the inner loop within a pass, the inner
 * loop's at each step of the outer loop where a panel is one block. */
static void load_counts(const struct blocking *bl, const struct tz_mapping *m, double *na, double *nb)
{
	double Bt = bl->Bt;
	int64_t Mb = bl->Mb, Nb = bl->Nb, Kb = bl->Kb;
	double steps = Bt * (double)(Mb * Nb * Kb);
	/* the operand indexed by the outer block loop stays while the inner one varies */
	int64_t stay_ring = m->n_outer ? m->ring_b : m->ring_a, move_ring = m->n_outer ? m->ring_a : m->ring_b;
	int64_t inner = m->n_outer ? Mb : Nb, outer = m->n_outer ? Nb : Mb;
	double again_stay = bl->serpentine ? Bt * (double)(outer * (inner - bl->panels) * stay_ring) : 0;
	double again_move = bl->serpentine && bl->panel == 1 ? Bt * (double)(inner * (outer - 1) * move_ring) : 0;
	double stay = outer * Kb <= stay_ring ? Bt * (double)(outer * Kb)
		      : Kb <= stay_ring	    ? Bt * (double)(outer * Kb * bl->panels)
					    : steps - again_stay;
	double move = bl->panel * Kb <= move_ring ? Bt * (double)(inner * Kb) : steps - again_move;
	*na = (m->n_outer ? move : stay) * bl->a_share;
	*nb = m->n_outer ? stay : move;
}

double tz_transfer_cycles(const struct hw *hw, int level, double bytes, double count)
{
	double cycles = 0;
	for (int l = level; l >= 0; l = hw->level[l].parent) {
		int p = hw->level[l].parent;
		double from = p >= 0 ? hw->level[p].bandwidth : hw->dram.bandwidth;
		double bw = hw->level[l].bandwidth < from ? hw->level[l].bandwidth : from;
		cycles += bytes / bw + count * (double)(p >= 0 ? hw->level[p].latency : hw->dram.latency);
	}
	return cycles;
}

/* An operand's loads: from DRAM block by block, or, kept in the shared
 * level, from DRAM once (`*whole_cycles`: before any block,
 * compiler/lower_gemm.c: load_kept; in `panels`, the first panel before
 * any block and the others among the blocks' loads) and then block by
 * block from the shared level. */
static double operand_cycles(const struct hw *hw, int level, bool keep, double whole, double panels, double bytes,
			     double count, double *whole_cycles)
{
	if (!keep)
		return tz_transfer_cycles(hw, level, bytes, count);
	const struct hw_level *l = &hw->level[level], *s = &hw->level[tz_shared_level(hw)];
	double bw = l->bandwidth < s->bandwidth ? l->bandwidth : s->bandwidth;
	double panel = whole / panels / hw->dram.bandwidth + hw->dram.latency;
	*whole_cycles += panel;
	return bytes / bw + count * (double)s->latency + (panels - 1) * panel;
}

/* The cycles of a loop whose compute overlaps with its loads (spread
 * evenly over it: `steady` cycles) but for `front`, loads that only its
 * first `share` overlaps with. */
static double overlapped(double steady, double front, double spread, double share)
{
	return fmax(steady * share, front + spread * share) + (1 - share) * steady;
}

/* Compute and loads in step, block by output block: the block's
 * intrinsic instructions overlap with its loads, but the compute module's
 * work between blocks (the epilogue's ALU passes, the bias) hides no more
 * loads than the buffers hold, the next block's first steps. */
static double steady_cycles(const struct tz_mapping *m, double gemm, double between, double spread, double steps,
			    double outs)
{
	double ahead = (double)(m->ring_a < m->ring_b ? m->ring_a : m->ring_b) * spread / steps;
	double hidden = fmin(between / outs, ahead);
	return between + outs * fmax(gemm / outs, (spread - outs * hidden) / outs);
}

/* Compute and block loads overlapped: they keep pace but where the loads
 * cluster (load_counts says which blocks recur).  The inner block loop's
 * operand, when one pass's blocks stay in its buffers, is loaded in the
 * first pass of the outer loop only (`once`), overlapping with that pass's
 * compute alone; the outer loop's, when a pass's blocks stay, at the start
 * of each pass, overlapping with the pass's first inner block only — in
 * every pass when its buffers are full (`per_pass`), else in the first
 * (`first`: after that the next pass's blocks load into a free buffer).
 * The kept operands load before all of it: the first block's loads come
 * after them on the load module, and its compute after those. */
static double pipelined(const struct blocking *bl, const struct tz_mapping *m, double la, double lb, double gemm,
			double compute, double steps, double outs, double kept)
{
	/* passes: an outer block of one panel */
	double outer = (double)(m->n_outer ? bl->Nb : bl->Mb) * (double)bl->panels, inner = (double)bl->panel;
	int stay_ring = m->n_outer ? m->ring_b : m->ring_a;
	double l_inner = m->n_outer ? la : lb, l_outer = m->n_outer ? lb : la;
	bool stays = bl->Kb <= stay_ring, per_pass = stays && bl->Kb == stay_ring;
	double once = inner * (double)bl->Kb <= (m->n_outer ? m->ring_a : m->ring_b) ? l_inner : 0;
	double pass = per_pass ? l_outer : 0, first = stays && !per_pass ? l_outer / outer : 0;
	double spread = la + lb - once - pass - first;
	double paced = overlapped(steady_cycles(m, gemm, compute - gemm, spread, steps, outs), pass, spread, 1 / inner);
	/* the first pass: its first inner block, then the rest */
	double s1 = 1 / (outer * inner), s2 = 1 / outer;
	return kept + fmax(paced * s1, first + once / inner + spread * s1) +
	       fmax(paced * (s2 - s1), once * (1 - 1 / inner) + spread * (s2 - s1)) + (1 - s2) * paced;
}

bool tz_prefetches(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	if (m->ring_a > 1 && m->ring_b > 1)
		return true;
	if (!m->direct)
		return false;
	struct blocking bl;
	blocking_of(geo, m, &bl);
	bool a_once = bl.Bt * (double)(bl.Mb * bl.Kb) == 1, b_once = bl.Bt * (double)(bl.Nb * bl.Kb) == 1;
	return (m->ring_a > 1 || a_once) && (m->ring_b > 1 || b_once);
}

/* The bias's bytes as the lowering loads them (compiler/lower_gemm.c): the
 * whole once where it stays in the accumulator (tz_bias_resident), else its
 * part of every output block, once per block. */
static double bias_read(const struct tz_geometry *geo, const struct tz_mapping *m, const struct blocking *bl)
{
	enum tz_beat beat = tz_beat_mode(geo, m);
	if (beat == TZ_BEAT_RESIDENT) /* the place values and the digits, once */
		return (double)(geo->bytes_a + tz_beat_digit_bytes(geo));
	if (beat == TZ_BEAT_PER_BLOCK) /* a block's digits as often as the buffers miss them */
		return (double)geo->bytes_a +
		       (double)(tz_beat_block_tiles(geo, m) * geo->eb * geo->bytes_b) * tz_beat_loads(geo, m);
	if (geo->bias < 0 || tz_bias_resident(geo, m) >= 0)
		return (double)tz_packed_bias_bytes(geo);
	double rows = geo->bias_on[TZ_G_M] && !m->direct ? (double)m->bm : 1;
	double cols = geo->bias_on[TZ_G_N] ? (double)m->bn : 1;
	const struct hw_level *acc = &geo->hw->level[geo->hw->role_level[HW_ROLE_ACCUMULATOR]];
	if (tz_bias_init(geo, m) && acc->parent < 0) /* its row read from DRAM once per row of the block */
		rows = (double)m->bm;
	return bl->Bt * (double)(bl->Mb * bl->Nb) * rows * cols * geo->eo * geo->bytes_acc;
}

/* DRAM bytes read of a blocking whose blocks load na and nb times. */
static double blocking_read(const struct tz_geometry *geo, const struct tz_mapping *m, const struct blocking *bl,
			    double na, double nb)
{
	return (m->keep_a ? bl->a_whole : na * bl->a_bytes) + (m->keep_b ? bl->b_whole : nb * bl->b_bytes) +
	       bias_read(geo, m, bl);
}

double tz_estimate_dram_read(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	struct blocking bl;
	blocking_of(geo, m, &bl);
	double na, nb;
	load_counts(&bl, m, &na, &nb);
	return blocking_read(geo, m, &bl, na, nb);
}

double tz_estimate_cycles(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	double parts[4];
	tz_estimate_parts(geo, m, parts);
	return parts[3];
}

double tz_estimate_cost(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	return tz_estimate_cycles(geo, m) * pow(fmax(1, tz_estimate_dram_read(geo, m)), TZ_DRAM_EXPONENT);
}

/* A block's cycles on the compute module when its output leaves in
 * several byte planes (compiler/lower_gemm.c: next_plane): each plane's
 * shift of the accumulator waits for the store of the plane before, hidden
 * behind a reduction step of the next block while its steps last, behind
 * the block's epilogue for the first plane drained after them, and not at
 * all after that.  A block's accumulator is free only when its last plane
 * is stored, so the chain of stores and shifts of one block, spread over
 * the ring_acc - 1 blocks computed meanwhile, bounds each block's time too
 * (wake word's int32 convolutions on edge-tiny: 186 097 cycles measured
 * against 112 840 estimated before). */
static double plane_chain(double per_block, double per_step, double block_steps, double epilogue, double shift,
			  double per_plane, int planes, int ring_acc)
{
	double waits = 0, chain = per_plane;
	for (int p = 1; p < planes; p++) {
		double hidden = p <= block_steps ? per_step : p == (int)block_steps + 1 ? epilogue : 0;
		waits += fmax(0, per_plane - hidden);
		chain += fmax(per_plane, hidden) + shift;
	}
	return fmax(per_block + waits, chain / (ring_acc - 1));
}

/* Fetch's cycles for n instructions: chunks of a DRAM burst, each a
 * request's beats and latency. */
static double fetch_cycles(const struct hw *hw, double n)
{
	double bytes = hw->isa.instruction_bits / 8.0, chunk = fmax(1, floor(hw->dram.burst / bytes));
	return ceil(n / chunk) * (ceil(chunk * bytes / hw->dram.bandwidth) + hw->dram.latency);
}

void tz_estimate_parts(const struct tz_geometry *geo, const struct tz_mapping *m, double parts[4])
{
	const struct hw *hw = geo->hw;
	const struct hw_intrinsic *in = &hw->intrinsic[geo->b.intrinsic];
	struct blocking bl;
	blocking_of(geo, m, &bl);
	double Bt = bl.Bt;
	double steps = Bt * (double)(bl.Mb * bl.Nb * bl.Kb), outs = Bt * (double)(bl.Mb * bl.Nb);
	double beats = Bt * (double)geo->count[TZ_G_M] * (double)geo->count[TZ_G_N] * (double)geo->count[TZ_G_K];
	double gemm_insns = steps + outs * bl.gemm_insns_per_out;
	/* the devices' rule for micro-op loops (isa/timing.c), summed over the op's instructions */
	double compute = (double)isa_pipeline_cycles((uint64_t)beats, (uint64_t)gemm_insns, in->initiation_interval,
						     in->latency);
	const struct ir_op *op = &geo->g->op[geo->op];
	struct tz_pass passes[TZ_MAX_PASSES];
	enum tz_beat beat_mode = tz_beat_mode(geo, m);
	bool init = tz_bias_init(geo, m), beat = beat_mode != TZ_BEAT_NONE;
	if (beat) /* a beat more per output tile, in the instruction that started it from zero */
		compute = (double)isa_pipeline_cycles((uint64_t)(beats + Bt * (double)geo->count[TZ_G_M] *
								     (double)geo->count[TZ_G_N]),
						      (uint64_t)gemm_insns, in->initiation_interval, in->latency);
	const double gemm = compute;
	double alu_insns = geo->b.planes - 1 + tz_epilogue_passes(hw, op, init || beat, passes);
	uint64_t alu_beats = (uint64_t)(m->bm * m->bn) * geo->eo * isa_alu_passes(hw);
	/* the same rule, counting one beat more per instruction than the devices take: the margin
	 * the default mappings have been chosen with (without it some of them change) */
	double pass = (double)isa_pipeline_cycles(alu_beats + 1, 1, hw->alu.initiation_interval, hw->alu.latency);
	compute += outs * alu_insns * pass;
	/* the cycles count every step's loads, as if the reduction blocks ran
	 * forward in every output block: the blocks a serpentine order finds in
	 * the buffers shorten the load module's work, but counted here they
	 * made the estimate of mappings whose loads and compute nearly balance
	 * optimistic (edge-tiny's mnv2_b7_project: 86 650 estimated, 112 150
	 * measured), and the defaults slower */
	bl.serpentine = false;
	double na, nb;
	load_counts(&bl, m, &na, &nb);
	double kept = 0; /* the kept operands, before everything else */
	double pa = tz_in_panels(m, 0) ? (double)bl.panels : 1, pb = tz_in_panels(m, 1) ? (double)bl.panels : 1;
	double la = operand_cycles(hw, in->a.level, m->keep_a, bl.a_whole, pa, na * bl.a_bytes, na * bl.a_dmas, &kept);
	double lb = operand_cycles(hw, in->b.level, m->keep_b, bl.b_whole, pb, nb * bl.b_bytes, nb * bl.b_dmas, &kept);
	/* the first step computes once a block of each operand is in: as
	 * large as the mapping's blocks, not the loads' average per step (a B
	 * block of 128 KiB loaded once holds vta-default's 1x1 512-channel
	 * layer 16 k cycles before its first instruction) */
	double first = (na > 0 ? la / na : 0) + (nb > 0 ? lb / nb : 0);
	/* a bias loaded per output block comes through the shared levels, and
	 * the hops into those are the load module's (isa/isa.h ISA_FILLERS):
	 * each pays DRAM's latency there */
	const struct hw_level *acc_level = &hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]];
	bool resident = tz_bias_resident(geo, m) >= 0;
	if (geo->bias >= 0 && !beat && acc_level->parent >= 0 && (init || !resident))
		la += tz_transfer_cycles(hw, acc_level->parent, outs * (double)(m->bn * geo->eo * geo->bytes_acc), outs);
	if (beat) /* the place values and the digits (bias_read's bytes): once, or a block's with its loads */
		la += tz_transfer_cycles(hw, in->a.level, (double)geo->bytes_a, 1) +
		      tz_transfer_cycles(hw, in->b.level, bias_read(geo, m, &bl) - geo->bytes_a,
					 beat_mode == TZ_BEAT_RESIDENT ? 1 : tz_beat_loads(geo, m));
	else
		compute += tz_bias_compute_cycles(geo, m, outs, init, resident);
	double load = kept + la + lb;
	int lv_out = hw->role_level[HW_ROLE_OUTPUT];
	double store = tz_transfer_cycles(hw, lv_out, (double)tz_packed_out_bytes(geo) * geo->b.planes,
				       outs * geo->b.planes * bl.out_dmas);
	/* each plane's store waits on the one DRAM channel behind the rows of
	 * the load in flight: half a load's, as often as the channel carries
	 * loads */
	double load_bus = blocking_read(geo, m, &bl, na, nb) / hw->dram.bandwidth, load_dmas = na * bl.a_dmas + nb * bl.b_dmas;
	double queue = geo->b.planes > 1 ? 0.5 * load_bus / fmax(load_dmas, 1) *
						   fmin(1, load_bus / fmax(compute, fmax(load, store)))
					 : 0;
	/* a bias the compute module loads from DRAM per output block waits on
	 * the one channel behind the loads the block's last step set off (its
	 * buffers freed, the load module loads a step ahead) for what of them
	 * the epilogue before it did not cover (a 64-group 3x3 layer of 512
	 * channels on dot-i8, its bias per block: 151 387 cycles estimated
	 * without it, 174 429 measured); an operand of one buffer loads after
	 * the step, and the compute waits for it anyway */
	/* without prefetching, an operand with two buffers still loads while the
	 * compute module works on the other buffer; one with one buffer waits */
	bool prefetch = tz_prefetches(geo, m), ova = prefetch || m->ring_a > 1, ovb = prefetch || m->ring_b > 1;
	if (geo->bias >= 0 && !beat && acc_level->parent < 0 && (init || !resident)) {
		double step_bus = ((ova && !m->keep_a ? na * bl.a_bytes : 0) + (ovb && !m->keep_b ? nb * bl.b_bytes : 0)) /
				  steps / hw->dram.bandwidth;
		compute += outs * fmax(0, step_bus - alu_insns * pass);
	}
	if (geo->b.planes > 1 && m->ring_acc > 1)
		compute = outs * plane_chain(compute / outs, gemm / steps, steps / outs,
					     (alu_insns - (geo->b.planes - 1)) * pass, pass,
					     store / (outs * geo->b.planes) + queue, geo->b.planes, m->ring_acc);
	double body = pipelined(&bl, m, ova ? la : 0, ovb ? lb : 0, gemm, compute, steps, outs, kept) + (ova ? 0 : la) +
		      (ovb ? 0 : lb);
	body = m->ring_acc > 1 ? fmax(body, store) : body + store + outs * geo->b.planes * queue;
	/* Loads and stores share the one DRAM channel: each module's DMA waits
	 * for the other's bytes on it */
	double store_bus = (double)tz_packed_out_bytes(geo) * geo->b.planes / hw->dram.bandwidth;
	body = fmax(body, fmax(load + store_bus, store + load_bus));
	/* fetch reads the instructions a burst at a time, one request in
	 * flight (docs/microarch.md, "Fetch"): blocks of a tile or two wait
	 * on it, and on the loads' and stores' bytes on the one channel,
	 * queued before its requests as much as it is the bottleneck
	 * (edge-tiny's int32 3x1 convolution in blocks of 1x2 tiles: 572 594
	 * estimated without it, 1 000 534 measured, fetch busy throughout) */
	double insns = gemm_insns + outs * alu_insns + load_dmas + outs * geo->b.planes * bl.out_dmas;
	double fetch = fetch_cycles(hw, insns);
	body = fmax(body, fetch + (load_bus + store_bus) * fmin(1, fetch / body));
	/* the last block's epilogue and last step wait for every load */
	body = fmax(body, load * (1 - 1 / steps) + (compute - gemm) / outs + gemm / steps);
	parts[0] = compute, parts[1] = load, parts[2] = store;
	/* filling and draining the pipeline: the first step's loads and one block's stores */
	parts[3] = body + first + store / outs;
}

void tz_mapping_format(const struct tz_mapping *m, struct strbuf *out)
{
	sb_printf(out, "bm=%" PRId64 " bn=%" PRId64 " bk=%" PRId64 " order=%s buffers=%d/%d/%d", m->bm, m->bn, m->bk,
		  m->n_outer ? "nm" : "mn", m->ring_a, m->ring_b, m->ring_acc);
	if (m->keep_a || m->keep_b)
		sb_printf(out, " keep=%s%s%s", m->keep_a ? "a" : "", m->keep_a && m->keep_b ? "," : "", m->keep_b ? "b" : "");
	if (m->panel)
		sb_printf(out, " panel=%" PRId64, m->panel);
	if (m->direct)
		sb_printf(out, " direct");
	if (m->box_rows)
		sb_printf(out, " rows=%" PRId64, m->box_rows);
	if (m->share > 1)
		sb_printf(out, " share=%" PRId64, m->share);
}

void tz_mapping_json(const struct tz_mapping *m, struct strbuf *out)
{
	static const char *const tf[2] = {"false", "true"};
	sb_printf(out,
		  "{\"bm\":%" PRId64 ",\"bn\":%" PRId64 ",\"bk\":%" PRId64 ",\"order\":\"%s\","
		  "\"buffers\":{\"a\":%d,\"b\":%d,\"acc\":%d},\"keep\":{\"a\":%s,\"b\":%s},\"direct\":%s,"
		  "\"box_rows\":%" PRId64 ",\"panel\":%" PRId64 ",\"share\":%" PRId64 "}",
		  m->bm, m->bn, m->bk, m->n_outer ? "nm" : "mn", m->ring_a, m->ring_b, m->ring_acc, tf[m->keep_a], tf[m->keep_b],
		  tf[m->direct], m->box_rows, m->panel, m->share > 1 ? m->share : 1);
}
