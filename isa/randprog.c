/* Random legal programs, in the spirit of riscv-dv: each is a pipeline of
 * iterations in which the load module stages input and weight tiles, the
 * compute module runs micro-op loops of the intrinsics and the ALU on them,
 * and the store module writes results back, synchronised with tokens so that
 * no module touches data another is still using.  The choices (padding,
 * strides, loop extents and factors, ALU operations, which intrinsic) are
 * random; the structure is what makes every program finish:
 *
 *  - every queue holds at most one token at a time (capacity is at least 1);
 *  - compute i waits for load i and store i-1, load i+1 for compute i;
 *  - instructions appear in the order load i, compute i, store i, so fetch,
 *    which dispatches in order, never waits behind an instruction that waits
 *    for one not yet dispatched, and no phase is longer than its queue;
 *  - every index is chosen inside its buffer and every DRAM row inside its
 *    segment. */
#include "program.h"

#include <string.h>

struct gen {
	const struct hw *hw;
	const struct isa_layout *lay;
	uint64_t rng;
	struct strbuf s;
	int shared;          /* the level the scratchpads load from, or -1 (DRAM) */
	uint64_t window;     /* bytes of each staging window */
	int iterations, uops_per_iteration;
	uint32_t max_phase;  /* instructions one phase may have (queue depths) */
	unsigned knobs;      /* 1 << ISA_KNOB_... */
	uint32_t burst;      /* token-bursts: loads each pushing a token this iteration (0: as plain) */
	int alu_turn;        /* ALU loops so far (every-alu-op) */
	/* the largest value of each micro-op field: 3, or less where its
	 * field or the buffers it indexes are smaller (a tile from it fits);
	 * of a loop's index steps: 2, or less where the field is smaller */
	uint64_t ucap[ISA_U_COUNT], ustep[ISA_U_COUNT];
};

const char *isa_randprog_knob_name(enum isa_randprog_knob k)
{
	static const char *const names[] = {
#define X(id, name, what) name,
		ISA_RANDPROG_KNOBS(X)
#undef X
	};
	return names[k];
}

int isa_randprog_parse_knobs(const char *list, unsigned *knobs, char *why, size_t n)
{
	*knobs = 0;
	if (!strcmp(list, "all")) {
		*knobs = (1u << ISA_KNOB_COUNT) - 1;
		return 0;
	}
	for (const char *p = list;; p++) {
		size_t len = strcspn(p, ",");
		int k = 0;
		while (k < ISA_KNOB_COUNT && (strlen(isa_randprog_knob_name((enum isa_randprog_knob)k)) != len ||
					      strncmp(p, isa_randprog_knob_name((enum isa_randprog_knob)k), len)))
			k++;
		if (k == ISA_KNOB_COUNT) {
			int w = snprintf(why, n, "unknown knob '%.*s' in --knobs; expected", (int)(len < 64 ? len : 64), p);
			for (int i = 0; i < ISA_KNOB_COUNT && w > 0 && (size_t)w < n; i++)
				w += snprintf(why + w, n - (size_t)w, " %s,", isa_randprog_knob_name((enum isa_randprog_knob)i));
			if (w > 0 && (size_t)w < n)
				snprintf(why + w, n - (size_t)w, " or all");
			return -1;
		}
		*knobs |= 1u << k;
		p += len;
		if (!*p)
			return 0;
	}
}

static bool knob(const struct gen *g, enum isa_randprog_knob k)
{
	return g->knobs & (1u << k);
}

static uint64_t next(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

/* A uniform pick in [lo, hi] (hi >= lo). */
static uint64_t pick(struct gen *g, uint64_t lo, uint64_t hi)
{
	return lo + next(g) % (hi - lo + 1);
}

static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static const struct hw_level *role(const struct gen *g, enum hw_role r)
{
	return &g->hw->level[g->hw->role_level[r]];
}

/* The parent-level source of a tile, as `addr=` text: a DRAM segment, or the
 * staging window in the shared level (byte offset `base` there). */
static void emit_addr(struct gen *g, const char *segment, uint64_t window_base, uint64_t elem, uint64_t off_elems)
{
	if (g->shared < 0)
		sb_printf(&g->s, " addr=@%s+%llu", segment, (unsigned long long)off_elems);
	else
		sb_printf(&g->s, " addr=%llu", (unsigned long long)(window_base / elem + off_elems));
}

/* One random 2D transfer of level `l` whose rows lie in a window of
 * `window_elems` elements and whose block fits the level. */
struct xfer {
	uint64_t idx, off, y, x, stride, pad[4];
	uint64_t values; /* a narrow transfer's values per element (0: whole elements) */
	uint64_t diag;   /* a diagonal load's block (0: none) */
};

/* A transfer at one of the DMA's limits, as far as the level's depth and
 * the window allow: the most padding on every side, the largest stride, the
 * most rows or the most columns. */
static struct xfer limit_xfer(struct gen *g, const struct hw_level *l, uint64_t window_elems, bool padded)
{
	const struct hw_dma *dma = &g->hw->dma;
	struct xfer t = {.y = 1, .x = 1, .stride = 1};
	uint64_t room = min64(l->depth, window_elems);
	switch (pick(g, 0, padded ? 3 : 2)) {
	case 0: /* rows */
		t.y = min64(dma->max_rows, room);
		break;
	case 1: /* columns */
		t.x = t.stride = min64(dma->max_cols, room);
		break;
	case 2: /* stride: two rows as far apart as the window allows */
		if (window_elems >= 2 && dma->max_rows >= 2) {
			t.y = 2;
			t.stride = min64(dma->max_stride, window_elems - 1);
		}
		break;
	default: /* padding: the most on every side whose block still fits */
		for (uint64_t p = dma->max_pad; p > 0; p--)
			if ((1 + 2 * p) * (1 + 2 * p) <= l->depth) {
				for (int k = 0; k < 4; k++)
					t.pad[k] = p;
				break;
			}
	}
	uint64_t span = (t.y - 1) * t.stride + t.x, block = (t.y + t.pad[0] + t.pad[1]) * (t.x + t.pad[2] + t.pad[3]);
	if (span > window_elems || block > l->depth)
		return (struct xfer){.y = 1, .x = 1, .stride = 1};
	t.off = pick(g, 0, window_elems - span);
	t.idx = pick(g, 0, l->depth - block);
	return t;
}

/* Makes t a narrow transfer now and then, where the level has them: its
 * parent is addressed in values, rows `values` x the elements apart or more
 * (a store's rows do not overlap), inside the same window.  Half of those
 * into a level with diagonal blocks (a weight scratchpad) are diagonal
 * loads, their values on one block. */
static void narrow_xfer(struct gen *g, const struct hw_level *l, uint64_t window_elems, struct xfer *t)
{
	int level = (int)(l - g->hw->level);
	uint32_t values = isa_narrow_values(g->hw, level), blocks = isa_diagonal_blocks(g->hw, level);
	if (values < 2 || pick(g, 0, 3))
		return;
	uint64_t v = pick(g, 1, values - 1), window = window_elems * values, diag = 0;
	if (blocks && pick(g, 0, 1)) {
		diag = pick(g, 1, blocks);
		v = pick(g, 1, isa_diagonal_room(g->hw, level, (uint32_t)diag));
	}
	uint64_t stride = t->x * v + pick(g, 0, 3);
	if (stride > g->hw->dma.max_stride)
		return;
	uint64_t span = (t->y - 1) * stride + t->x * v;
	if (span > window)
		return;
	t->values = v, t->diag = diag, t->stride = stride, t->off = pick(g, 0, window - span);
}

static struct xfer random_xfer(struct gen *g, const struct hw_level *l, uint64_t window_elems, bool padded)
{
	const struct hw_dma *dma = &g->hw->dma;
	if (knob(g, ISA_KNOB_DMA_LIMITS) && pick(g, 0, 1))
		return limit_xfer(g, l, window_elems, padded);
	for (int attempt = 0; attempt < 16; attempt++) {
		struct xfer t = {0};
		t.y = pick(g, 1, min64(dma->max_rows, 4));
		t.x = pick(g, 1, min64(dma->max_cols, 8));
		t.stride = min64(dma->max_stride, t.x + pick(g, 0, 3));
		for (int p = 0; p < 4 && padded; p++)
			t.pad[p] = pick(g, 0, min64(dma->max_pad, 2));
		if (t.stride < t.x)
			t.stride = t.x;
		uint64_t span = (t.y - 1) * t.stride + t.x, block = (t.y + t.pad[0] + t.pad[1]) * (t.x + t.pad[2] + t.pad[3]);
		if (span > window_elems || block > l->depth)
			continue;
		t.off = pick(g, 0, window_elems - span);
		t.idx = pick(g, 0, l->depth - block);
		narrow_xfer(g, l, window_elems, &t);
		return t;
	}
	return (struct xfer){.y = 1, .x = 1, .stride = 1};
}

static void emit_xfer(struct gen *g, const char *op, const struct hw_level *l, const struct xfer *t)
{
	sb_printf(&g->s, "%s buf=%s idx=%llu", op, l->name, (unsigned long long)t->idx);
}

static void emit_sizes(struct gen *g, const struct xfer *t)
{
	sb_printf(&g->s, " ysize=%llu xsize=%llu xstride=%llu", (unsigned long long)t->y, (unsigned long long)t->x,
		  (unsigned long long)t->stride);
	static const char *const pads[4] = {"ypad0", "ypad1", "xpad0", "xpad1"};
	for (int p = 0; p < 4; p++)
		if (t->pad[p])
			sb_printf(&g->s, " %s=%llu", pads[p], (unsigned long long)t->pad[p]);
	if (t->values)
		sb_printf(&g->s, " values=%llu", (unsigned long long)t->values);
	if (t->diag)
		sb_printf(&g->s, " diag=%llu", (unsigned long long)t->diag);
}

/* Staging windows in the shared level: inputs, weights, bias, results, and
 * the micro-ops (which also reach the micro-op buffer through that level). */
enum { WIN_INPUT, WIN_WEIGHT, WIN_BIAS, WIN_RESULT, WIN_UOPS, WIN_COUNT };

static void stage_in(struct gen *g, const char *segment, int window, const char *tokens)
{
	const struct hw_level *sh = &g->hw->level[g->shared];
	uint64_t elems = g->window / sh->elem_bytes;
	sb_printf(&g->s, "load buf=%s idx=%llu addr=@%s ysize=1 xsize=%llu xstride=%llu%s\n", sh->name,
		  (unsigned long long)(window * g->window / sh->elem_bytes), segment, (unsigned long long)elems,
		  (unsigned long long)elems, tokens);
}

/* Instructions a phase draws at most: 3, or with full-queues as many as
 * the queues hold. */
static uint64_t phase_cap(const struct gen *g)
{
	return knob(g, ISA_KNOB_FULL_QUEUES) ? g->max_phase : 3;
}

/* Loads in a burst: one more than the token queue holds (so the load
 * module waits for compute to take one), as far as the phases allow: the
 * loads fit the load phase, and compute's syncs, its micro-op load and one
 * loop the compute phase. */
static uint32_t burst_length(const struct gen *g)
{
	uint32_t staged = g->shared >= 0 ? 4 : 0;
	uint64_t n = min64((uint64_t)g->hw->queues.token + 1, min64(g->max_phase - staged, g->max_phase - 1));
	return n < 2 ? 0 : (uint32_t)n;
}

static void load_phase(struct gen *g, int it)
{
	const char *pop = it ? " pop_next" : "";
	uint32_t staged = 0;
	if (g->shared >= 0) {
		stage_in(g, "in", WIN_INPUT, pop);
		stage_in(g, "w", WIN_WEIGHT, "");
		stage_in(g, "b", WIN_BIAS, "");
		stage_in(g, "uops", WIN_UOPS, "");
		pop = "";
		staged = 4;
	}
	uint32_t n = (uint32_t)pick(g, 1, min64(phase_cap(g), g->max_phase - staged));
	if (g->burst)
		n = g->burst;
	for (uint32_t i = 0; i < n; i++) {
		bool weight = i + 1 == n; /* every phase loads some weights last */
		const struct hw_level *l = role(g, weight ? HW_ROLE_WEIGHT : HW_ROLE_INPUT);
		struct xfer t = random_xfer(g, l, g->window / l->elem_bytes, true);
		emit_xfer(g, "load", l, &t);
		emit_addr(g, weight ? "w" : "in", (weight ? WIN_WEIGHT : WIN_INPUT) * g->window, l->elem_bytes, t.off);
		emit_sizes(g, &t);
		sb_printf(&g->s, "%s%s\n", i == 0 ? pop : "", weight || g->burst ? " push_next" : "");
	}
}

/* Largest index a loop reaches for one micro-op field, plus its tile. */
static bool loop_fits(uint64_t base, uint64_t io, uint64_t fo, uint64_t ii, uint64_t fi, uint64_t tile, uint64_t depth)
{
	return base + (io - 1) * fo + (ii - 1) * fi + tile <= depth;
}

/* An immediate at an end of the field, or around zero; for shr, a shift
 * by the accumulator's width and around it, both ways. */
static int64_t extreme_imm(struct gen *g, int op)
{
	int64_t hi = ((int64_t)1 << (g->hw->alu.imm_bits - 1)) - 1, lo = -hi - 1;
	int64_t bits = 8 * (int64_t)dtype_bytes(role(g, HW_ROLE_ACCUMULATOR)->dtype);
	int64_t any[] = {lo, lo + 1, -1, 0, 1, hi - 1, hi};
	int64_t shift[] = {bits - 1, bits, bits + 1, -(bits - 1), -bits, -(bits + 1), lo, hi};
	bool shifts = op == HW_ALU_SHR || op == HW_ALU_REQUANT;
	int64_t v = shifts ? shift[pick(g, 0, 7)] : any[pick(g, 0, 6)];
	return v < lo ? lo : v > hi ? hi : v;
}

static void emit_loop(struct gen *g, int it, const char *tokens)
{
	const struct hw *hw = g->hw;
	int ops[HW_ALU_OP_COUNT], nops = 0;
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		if (hw->alu.ops & (1u << op))
			ops[nops++] = op;
	bool every = knob(g, ISA_KNOB_EVERY_ALU_OP) && g->alu_turn < nops;
	bool alu = hw->nintrinsics == 0 || every || pick(g, 0, 2) == 0;
	int k = alu ? -1 : (int)pick(g, 0, (uint64_t)hw->nintrinsics - 1);
	uint64_t b = pick(g, 0, (uint64_t)g->uops_per_iteration - 1), e = pick(g, b + 1, (uint64_t)g->uops_per_iteration);
	uint64_t io = pick(g, 1, 3), ii = pick(g, 1, 3), f[6];
	for (int i = 0; i < 6; i++)
		f[i] = min64(pick(g, 0, 2), g->ustep[i / 2]); /* dst, src, wgt: outer and inner */
	/* micro-op fields are at most 3 (see uops()); shrink what does not fit */
	const struct hw_level *acc = role(g, HW_ROLE_ACCUMULATOR), *src = alu ? acc : role(g, HW_ROLE_INPUT),
			      *wgt = role(g, HW_ROLE_WEIGHT);
	uint64_t tile_dst = alu ? 1 : hw->intrinsic[k].out.elems_per_tile, tile_src = alu ? 1 : hw->intrinsic[k].a.elems_per_tile,
		 tile_wgt = alu ? 1 : hw->intrinsic[k].b.elems_per_tile;
	io = min64(io, hw->isa.max_loop_extent), ii = min64(ii, hw->isa.max_loop_extent);
	if (!loop_fits(g->ucap[ISA_U_DST], io, f[0], ii, f[1], tile_dst, acc->depth) ||
	    !loop_fits(g->ucap[ISA_U_SRC], io, f[2], ii, f[3], tile_src, src->depth) ||
	    !loop_fits(g->ucap[ISA_U_WGT], io, f[4], ii, f[5], tile_wgt, wgt->depth)) {
		io = ii = 1;
		memset(f, 0, sizeof f);
	}
	if (knob(g, ISA_KNOB_LONG_LOOPS) && pick(g, 0, 3) == 0) {
		/* one loop at the maximum extent, the other once; the long one
		 * steps no index, so every index stays where it fits */
		bool outer = pick(g, 0, 1);
		io = outer ? hw->isa.max_loop_extent : 1;
		ii = outer ? 1 : hw->isa.max_loop_extent;
		for (int i = outer ? 0 : 1; i < 6; i += 2)
			f[i] = 0;
	}
	uint64_t first = (uint64_t)it * (uint64_t)g->uops_per_iteration;
	if (alu) {
		int op = every ? ops[g->alu_turn] : ops[pick(g, 0, (uint64_t)nops - 1)];
		g->alu_turn++;
		sb_printf(&g->s, "alu op=%s", hw_alu_op_name(op));
		if (pick(g, 0, 1)) {
			bool shifts = op == HW_ALU_SHR || op == HW_ALU_REQUANT;
			int64_t lo = shifts || op == HW_ALU_MUL ? -3 : -100, hi = shifts ? 8 : -lo;
			int64_t imm = lo + (int64_t)pick(g, 0, (uint64_t)(hi - lo));
			if (knob(g, ISA_KNOB_IMM_EXTREMES) && pick(g, 0, 1))
				imm = extreme_imm(g, op);
			int64_t top = ((int64_t)1 << (hw->alu.imm_bits - 1)) - 1; /* within the field */
			imm = imm > top ? top : imm < -top - 1 ? -top - 1 : imm;
			sb_printf(&g->s, " use_imm=1 imm=%lld", (long long)imm);
		}
	} else {
		sb_printf(&g->s, "%s%s", hw->intrinsic[k].name, pick(g, 0, 3) ? "" : " reset=1");
	}
	sb_printf(&g->s, " uop_begin=%llu uop_end=%llu iter_out=%llu iter_in=%llu dst_out=%llu dst_in=%llu src_out=%llu src_in=%llu",
		  (unsigned long long)(first + b), (unsigned long long)(first + e), (unsigned long long)io,
		  (unsigned long long)ii, (unsigned long long)f[0], (unsigned long long)f[1], (unsigned long long)f[2],
		  (unsigned long long)f[3]);
	if (!alu)
		sb_printf(&g->s, " wgt_out=%llu wgt_in=%llu", (unsigned long long)f[4], (unsigned long long)f[5]);
	sb_printf(&g->s, "%s\n", tokens);
}

static void compute_phase(struct gen *g, int it)
{
	const struct hw_level *uop = role(g, HW_ROLE_UOP), *acc = role(g, HW_ROLE_ACCUMULATOR);
	uint64_t first = (uint64_t)it * (uint64_t)g->uops_per_iteration;
	/* this iteration's micro-ops sit at the same indices in the buffer */
	sb_printf(&g->s, "load buf=%s idx=%llu", uop->name, (unsigned long long)first);
	emit_addr(g, "uops", WIN_UOPS * g->window, uop->elem_bytes, first);
	sb_printf(&g->s, " ysize=1 xsize=%d xstride=%d pop_prev%s\n", g->uops_per_iteration, g->uops_per_iteration,
		  it ? " pop_next" : "");
	uint32_t budget = g->max_phase - 1;
	/* the rest of a burst of tokens from the load module, one sync each */
	for (uint32_t i = 1; i < g->burst; i++, budget--)
		sb_puts(&g->s, "sync queue=compute pop_prev\n");
	if (budget > 1 && pick(g, 0, 1)) {
		struct xfer t = random_xfer(g, acc, g->window / acc->elem_bytes, true);
		emit_xfer(g, "load", acc, &t);
		emit_addr(g, "b", WIN_BIAS * g->window, acc->elem_bytes, t.off);
		emit_sizes(g, &t);
		sb_puts(&g->s, "\n");
		budget--;
	}
	uint32_t n = (uint32_t)pick(g, 1, min64(phase_cap(g), budget));
	for (uint32_t i = 0; i < n; i++)
		emit_loop(g, it, i + 1 == n ? " push_next push_prev" : "");
}

static void store_phase(struct gen *g)
{
	const struct hw_level *out = role(g, HW_ROLE_OUTPUT);
	uint32_t n = (uint32_t)pick(g, 1, min64(knob(g, ISA_KNOB_FULL_QUEUES) ? g->max_phase : 2,
					       g->max_phase - (g->shared >= 0 ? 1 : 0)));
	for (uint32_t i = 0; i < n; i++) {
		struct xfer t = random_xfer(g, out, g->window / out->elem_bytes, false);
		emit_xfer(g, "store", out, &t);
		emit_addr(g, "y", WIN_RESULT * g->window, out->elem_bytes, t.off);
		emit_sizes(g, &t);
		sb_printf(&g->s, "%s%s\n", i == 0 ? " pop_prev" : "", i + 1 == n && g->shared < 0 ? " push_prev" : "");
	}
	if (g->shared >= 0) {
		const struct hw_level *sh = &g->hw->level[g->shared];
		uint64_t elems = g->window / sh->elem_bytes;
		sb_printf(&g->s, "store buf=%s idx=%llu addr=@y ysize=1 xsize=%llu xstride=%llu push_prev\n", sh->name,
			  (unsigned long long)(WIN_RESULT * elems), (unsigned long long)elems, (unsigned long long)elems);
	}
}

static void data(struct gen *g, const char *name, const char *kind, uint64_t bytes)
{
	sb_printf(&g->s, ".segment %s %s size=%llu\n", name, kind, (unsigned long long)bytes);
	for (uint64_t i = 0; i < bytes && strcmp(kind, "output"); i += 16) {
		sb_puts(&g->s, ".data");
		for (uint64_t j = i; j < i + 16 && j < bytes; j++)
			sb_printf(&g->s, " %llu", (unsigned long long)(next(g) & 0xff));
		sb_puts(&g->s, "\n");
	}
}

/* Caps each micro-op field's values at its field's largest and at the
 * indices where a tile of its buffer still fits (the ALU's tile: one
 * element; the intrinsics': their operands'). */
static void micro_op_caps(struct gen *g)
{
	const struct hw *hw = g->hw;
	uint64_t tile[ISA_U_COUNT] = {1, 1, 1}, depth[ISA_U_COUNT];
	for (int k = 0; k < hw->nintrinsics; k++) {
		tile[ISA_U_DST] = tile[ISA_U_DST] > hw->intrinsic[k].out.elems_per_tile ? tile[ISA_U_DST] : hw->intrinsic[k].out.elems_per_tile;
		tile[ISA_U_SRC] = tile[ISA_U_SRC] > hw->intrinsic[k].a.elems_per_tile ? tile[ISA_U_SRC] : hw->intrinsic[k].a.elems_per_tile;
		tile[ISA_U_WGT] = tile[ISA_U_WGT] > hw->intrinsic[k].b.elems_per_tile ? tile[ISA_U_WGT] : hw->intrinsic[k].b.elems_per_tile;
	}
	depth[ISA_U_DST] = role(g, HW_ROLE_ACCUMULATOR)->depth;
	depth[ISA_U_SRC] = min64(role(g, HW_ROLE_ACCUMULATOR)->depth, role(g, HW_ROLE_INPUT)->depth); /* the ALU's, the intrinsics' */
	depth[ISA_U_WGT] = role(g, HW_ROLE_WEIGHT)->depth;
	for (int u = 0; u < ISA_U_COUNT; u++) {
		uint32_t w = isa_uop_slot(g->lay, (enum isa_uop_field)u).width;
		uint64_t field = w >= 63 ? UINT64_MAX : ((uint64_t)1 << w) - 1;
		g->ucap[u] = min64(min64(3, field), depth[u] > tile[u] ? depth[u] - tile[u] : 0);
		g->ustep[u] = min64(2, field);
	}
}

static void uops(struct gen *g)
{
	for (int i = 0; i < g->iterations * g->uops_per_iteration; i++) {
		/* drawn last field first: the order in which a seed has always drawn them */
		unsigned long long v[ISA_U_COUNT];
		for (int u = ISA_U_COUNT - 1; u >= 0; u--)
			v[u] = min64(pick(g, 0, 3), g->ucap[u]);
		sb_puts(&g->s, ".uop");
		for (int u = 0; u < ISA_U_COUNT; u++)
			sb_printf(&g->s, " %s=%llu", isa_uop_field_name(u), v[u]);
		sb_puts(&g->s, "\n");
	}
}

static uint32_t min_queue(const struct hw *hw)
{
	uint32_t q = hw->queues.load < hw->queues.compute ? hw->queues.load : hw->queues.compute;
	return q < hw->queues.store ? q : hw->queues.store;
}

char *isa_randprog(const struct hw *hw, const struct isa_layout *lay, uint64_t seed, int iterations, struct diags *err)
{
	return isa_randprog_knobs(hw, lay, seed, iterations, 0, err);
}

char *isa_randprog_knobs(const struct hw *hw, const struct isa_layout *lay, uint64_t seed, int iterations,
			 unsigned knobs, struct diags *err)
{
	struct gen g = {.hw = hw, .lay = lay, .rng = seed * 0x9e3779b97f4a7c15ull + 1, .iterations = iterations,
			.knobs = knobs};
	const struct hw_level *inp = role(&g, HW_ROLE_INPUT);
	g.shared = inp->parent;
	for (int i = 0; i < hw->nlevels; i++)
		if (hw->level[i].role == HW_ROLE_SHARED && i != g.shared) {
			diag_add(err, hw->source, 0, 0, "random programs support at most one shared level; '%s' has %s and more",
				 hw->name, hw->level[i].name);
			return NULL;
		}
	uint64_t largest = 0, whole = isa_segment_align(hw, 1), seg_align = isa_segment_align(hw, 64);
	for (int i = 0; i < hw->nlevels; i++)
		largest = hw->level[i].elem_bytes > largest ? hw->level[i].elem_bytes : largest;
	if (!whole || !seg_align) {
		diag_add(err, hw->source, 0, 0, "DRAM of %llu bytes has no address past 0 that is a whole number of every "
			 "element size of '%s' (their least common multiple is larger)", (unsigned long long)hw->dram.capacity,
			 hw->name);
		return NULL;
	}
	/* room for several elements of the largest kind, and whole elements
	 * of every level (each addresses the windows in its elements) */
	g.window = (16 * largest + whole - 1) / whole * whole;
	if (knob(&g, ISA_KNOB_DMA_LIMITS))
		g.window *= 4; /* and for longer rows and strides */
	uint32_t depth = role(&g, HW_ROLE_UOP)->depth;
	micro_op_caps(&g);
	/* an iteration's micro-ops are one row of one load */
	g.uops_per_iteration = (int)min64(min64(4, depth / (uint64_t)(iterations > 0 ? iterations : 1)),
					  min64(hw->dma.max_cols, hw->dma.max_stride));
	/* the micro-op window holds them all */
	while ((uint64_t)iterations * (uint64_t)g.uops_per_iteration * lay->uop_bytes > g.window)
		g.window *= 2;
	if (g.shared >= 0 && WIN_COUNT * g.window > hw->level[g.shared].capacity) {
		diag_add(err, hw->source, 0, 0, "shared level '%s' is too small for %d staging windows of %llu bytes",
			 hw->level[g.shared].name, WIN_COUNT, (unsigned long long)g.window);
		return NULL;
	}
	/* its segments (the data windows and the micro-ops) lie in DRAM, each
	 * from a 4 KiB boundary or the assembler's alignment, if larger */
	if ((WIN_COUNT + 1) * (g.window + (seg_align > 4096 ? seg_align : 4096)) > hw->dram.capacity) {
		diag_add(err, hw->source, 0, 0, "DRAM of %llu bytes is too small for a random program's %d segments of up to %llu bytes",
			 (unsigned long long)hw->dram.capacity, WIN_COUNT + 1, (unsigned long long)g.window);
		return NULL;
	}
	if (iterations < 1 || g.uops_per_iteration < 1) {
		diag_add(err, NULL, 0, 0, "cannot fit %d iterations of micro-ops in the %u-entry micro-op buffer", iterations,
			 depth);
		return NULL;
	}
	g.max_phase = min_queue(hw) < 6 || knob(&g, ISA_KNOB_FULL_QUEUES) ? min_queue(hw) : 6;
	if (g.max_phase < (g.shared >= 0 ? 5u : 2u)) {
		diag_add(err, NULL, 0, 0, "the instruction queues of '%s' are too shallow for random programs", hw->name);
		return NULL;
	}
	sb_printf(&g.s, "; random program, seed %llu, %d iterations, for '%s'\n", (unsigned long long)seed, iterations,
		  hw->name);
	for (int k = 0; k < ISA_KNOB_COUNT; k++)
		if (knob(&g, (enum isa_randprog_knob)k))
			sb_printf(&g.s, "; knob %s\n", isa_randprog_knob_name((enum isa_randprog_knob)k));
	data(&g, "in", "input", g.window);
	data(&g, "w", "weight", g.window);
	data(&g, "b", "input", g.window);
	data(&g, "y", "output", g.window);
	uops(&g);
	for (int it = 0; it < iterations; it++) {
		g.burst = knob(&g, ISA_KNOB_TOKEN_BURSTS) && pick(&g, 0, 1) ? burst_length(&g) : 0;
		load_phase(&g, it);
		compute_phase(&g, it);
		store_phase(&g);
	}
	sb_puts(&g.s, "finish pop_next\n");
	return sb_take_or_report(&g.s, err, "the text of a random program");
}
