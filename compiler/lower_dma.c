/* compiler/lower_dma: what every kind of op moves — 2D DMA transfers split
 * to the DMA's limits, blocks staged through the shared levels between DRAM
 * and a scratchpad, the op's DRAM segments, and its micro-op kernels with
 * the transfer that loads them (docs/compiler.md). */
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "base/alloc.h"

uint32_t lw_lcm32(uint32_t a, uint32_t b)
{
	uint32_t x = a, y = b;
	while (y) {
		uint32_t t = x % y;
		x = y, y = t;
	}
	return a / x * b;
}

uint64_t lw_align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

uint64_t lw_elems(uint64_t bytes, uint64_t e)
{
	if (bytes % e)
		die("lower: %llu bytes are not a whole number of %llu-byte elements", (unsigned long long)bytes,
		    (unsigned long long)e);
	return bytes / e;
}

uint64_t lw_segment_align(const struct hw *hw)
{
	uint64_t a = isa_segment_align(hw, 4096);
	if (!a)
		die("lower: no segment alignment for '%s'; cc_build refuses it", hw->name);
	return a;
}

void lw_op_init(struct lw_op *lo, struct cc_program *prog, struct cc_op *rec)
{
	memset(lo, 0, sizeof *lo);
	lo->prog = prog, lo->s = prog->stream, lo->hw = &prog->p.hw, lo->lay = &prog->p.layout;
	lo->g = prog->g, lo->op = &prog->g->op[rec->op], lo->rec = rec;
	lo->lv_acc = lo->hw->role_level[HW_ROLE_ACCUMULATOR], lo->lv_out = lo->hw->role_level[HW_ROLE_OUTPUT];
	lo->lv_uop = lo->hw->role_level[HW_ROLE_UOP];
}

/* The shared levels a transfer into scratchpad `lv` passes through,
 * outermost first; returns how many.  Shared levels come first, outermost
 * first, and every scratchpad's path runs through all of them. */
static int path_of(const struct hw *hw, int lv, int *path)
{
	int n = 0, tmp[HW_MAX_LEVELS];
	for (int p = hw->level[lv].parent; p >= 0; p = hw->level[p].parent)
		tmp[n++] = p;
	for (int i = 0; i < n; i++)
		path[i] = tmp[n - 1 - i];
	return n;
}

static struct isa_insn mem_insn(const struct lw_op *lo, enum isa_class cls, int buf, uint64_t idx, uint64_t addr,
				uint64_t rows, uint64_t cols, uint64_t stride, uint32_t values)
{
	struct isa_insn in = {.kind = isa_kind_of_class(lo->lay, cls)};
	in.f[ISA_F_BUF] = buf;
	in.f[ISA_F_IDX] = (int64_t)idx;
	in.f[ISA_F_ADDR] = (int64_t)addr;
	in.f[ISA_F_YSIZE] = (int64_t)rows;
	in.f[ISA_F_XSIZE] = (int64_t)cols;
	in.f[ISA_F_XSTRIDE] = (int64_t)stride;
	in.f[ISA_F_VALUES] = values;
	return in;
}

/* The on-chip side is contiguous.  Units: elements of `buf`, or a narrow
 * transfer's values (an element `values` of them). */
int lw_transfer(struct lw_op *lo, enum isa_class cls, int buf, uint64_t idx, uint64_t addr, uint64_t rows,
		uint64_t cols, uint64_t stride, uint32_t uop_unit, uint32_t values)
{
	const struct hw_dma *dma = &lo->hw->dma;
	uint64_t step = values ? values : 1; /* units per element */
	int first = -1;
	bool per_row = cols > dma->max_cols || (rows > 1 && stride > dma->max_stride);
	if (rows > 1 && stride == cols * step && rows * cols <= dma->max_cols)
		cols *= rows, rows = 1, per_row = false; /* contiguous: one row */
	uint64_t chunk_rows = per_row ? 1 : dma->max_rows;
	for (uint64_t r = 0; r < rows; r += chunk_rows) {
		uint64_t nr = rows - r < chunk_rows ? rows - r : chunk_rows;
		for (uint64_t c = 0; c < cols; c += dma->max_cols) {
			uint64_t nc = cols - c < dma->max_cols ? cols - c : dma->max_cols;
			struct isa_insn in = mem_insn(lo, cls, buf, idx + r * cols + c, addr + r * stride + c * step, nr, nc,
						      nr > 1 ? stride : nc * step > dma->max_stride ? 0 : nc * step, values);
			int i = st_emit(lo->s, &in);
			lo->s->v[i].uop_unit = uop_unit;
			if (first < 0)
				first = i;
		}
	}
	return first;
}

/* The previous op's compute may still read the buffers this op's loads
 * overwrite. */
void lw_barrier(struct lw_op *lo, int first)
{
	if (lo->barrier_done || lo->s->v[first].q == ISA_Q_COMPUTE)
		return;
	lo->barrier_done = true;
	st_need(lo->s, first, lo->prog->last_compute);
}

/* The last hop of a load: n elements from addr (in elements of lv) as
 * `groups` groups of n / groups, group g written `repeat` times one after
 * the other (a row stride of 0) from element idx + g * pitch of lv. */
static int last_hop(struct lw_op *lo, int lv, uint64_t idx, uint64_t pitch, uint64_t addr, uint64_t n, uint64_t groups,
		    uint64_t repeat)
{
	int first = -1;
	for (uint64_t g = 0, w = n / groups; g < groups; g++) {
		int f = lw_transfer(lo, ISA_CLASS_LOAD, lv, idx + g * pitch, addr + g * w, repeat, w, 0, 0, 0);
		first = first < 0 ? f : first;
	}
	return first;
}

/* DRAM rows are dram_stride elements of lv apart; the block goes into lv
 * as last_hop lays it out (groups > 1 and repeat > 1 for a single row). */
static int load_into(struct lw_op *lo, int lv, uint64_t idx, uint64_t pitch, uint64_t dram, uint64_t rows,
		     uint64_t cols, uint64_t dram_stride, uint64_t groups, uint64_t repeat, const uint64_t *stage, int wait)
{
	int path[HW_MAX_LEVELS], np = path_of(lo->hw, lv, path);
	uint32_t e = lo->hw->level[lv].elem_bytes;
	if (!np) {
		uint64_t at = lw_elems(dram, e);
		int f = groups > 1 || repeat > 1 ? last_hop(lo, lv, idx, pitch, at, rows * cols, groups, repeat)
						 : lw_transfer(lo, ISA_CLASS_LOAD, lv, idx, at, rows, cols, dram_stride, 0, 0);
		st_need(lo->s, f, wait);
		lw_barrier(lo, f);
		return lo->s->n - 1;
	}
	/* DRAM into the outermost shared level, row by row as in DRAM; then
	 * contiguously level to level. */
	uint32_t e0 = lo->hw->level[path[0]].elem_bytes;
	int f = lw_transfer(lo, ISA_CLASS_LOAD, path[0], lw_elems(stage[0], e0), lw_elems(dram, e0), rows,
			    lw_elems(cols * e, e0), lw_elems(dram_stride * e, e0), 0, 0);
	lw_barrier(lo, f);
	for (int i = 1; i < np; i++) {
		uint32_t ei = lo->hw->level[path[i]].elem_bytes;
		lw_transfer(lo, ISA_CLASS_LOAD, path[i], lw_elems(stage[i], ei), lw_elems(stage[i - 1], ei), 1,
			    lw_elems(rows * cols * e, ei), 0, 0, 0);
	}
	int last_stage = lo->s->n - 1, first_stage = f;
	f = last_hop(lo, lv, idx, pitch, lw_elems(stage[np - 1], e), rows * cols, groups, repeat);
	st_need(lo->s, f, wait);
	st_need(lo->s, f, last_stage);
	/* A last hop on another module than the staging transfers (the
	 * accumulator's loads are the compute module's) leaves nothing ordering
	 * the staging area's refill after its previous reader: `wait`, that
	 * module's previous hop from it.  The refill waits for it. */
	if (lo->s->v[f].q != lo->s->v[first_stage].q)
		st_need(lo->s, first_stage, wait);
	lw_barrier(lo, f);
	return lo->s->n - 1;
}

int lw_load_block(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t rows, uint64_t cols,
		  uint64_t dram_stride, const uint64_t *stage, int wait)
{
	return load_into(lo, lv, idx, 0, dram, rows, cols, dram_stride, 1, 1, stage, wait);
}

/* A narrow load whose values go on diagonal block `block` (0: the first
 * values of each element).  Under shared levels the packed values are
 * staged first: whole elements of each level around their bytes (a packed
 * run starts anywhere in an element), from `stage` in each, then the
 * narrow load from the innermost level's copy, addressed in values. */
static int load_values(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t cols, uint32_t values,
		       uint32_t block, const uint64_t *stage, int wait)
{
	int path[HW_MAX_LEVELS], np = path_of(lo->hw, lv, path);
	uint64_t unit = dtype_bytes(lo->hw->level[lv].dtype), from = lw_elems(dram, unit);
	int first_stage = -1, last_stage = -1;
	if (np) {
		if (!stage)
			die("lower: a narrow load into '%s' through a shared level without a staging area", lo->hw->level[lv].name);
		uint64_t a = tz_stage_unit(lo->hw, lv), lead = dram % a;
		uint64_t span = lw_align_up(lead + cols * values * unit, a);
		for (int i = 0; i < np; i++) {
			uint32_t ei = lo->hw->level[path[i]].elem_bytes;
			int f = lw_transfer(lo, ISA_CLASS_LOAD, path[i], lw_elems(stage[path[i]], ei),
					    i ? lw_elems(stage[path[i - 1]], ei) : lw_elems(dram - lead, ei), 1, span / ei, 0, 0, 0);
			first_stage = first_stage < 0 ? f : first_stage;
		}
		last_stage = lo->s->n - 1;
		lw_barrier(lo, first_stage);
		from = lw_elems(stage[path[np - 1]] + lead, unit);
	}
	int f = lw_transfer(lo, ISA_CLASS_LOAD, lv, idx, from, 1, cols, cols * values, 0, values);
	for (int i = f; i < lo->s->n; i++)
		lo->s->v[i].in.f[ISA_F_DIAG] = block;
	st_need(lo->s, f, wait);
	if (np) {
		st_need(lo->s, f, last_stage);
		if (lo->s->v[f].q != lo->s->v[first_stage].q) /* as load_into: the staging area's refill after its last reader */
			st_need(lo->s, first_stage, wait);
	}
	lw_barrier(lo, f);
	return lo->s->n - 1;
}

int lw_load_narrow(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t cols, uint32_t values, int wait)
{
	return load_values(lo, lv, idx, dram, cols, values, 0, NULL, wait);
}

int lw_load_narrow_block(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t rows, uint64_t cols,
			 uint64_t dram_stride, uint32_t values, int wait)
{
	uint64_t unit = dtype_bytes(lo->hw->level[lv].dtype);
	int f = lw_transfer(lo, ISA_CLASS_LOAD, lv, idx, lw_elems(dram, unit), rows, cols, dram_stride, 0, values);
	st_need(lo->s, f, wait);
	lw_barrier(lo, f);
	return lo->s->n - 1;
}

int lw_load_diagonal(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t cols, uint32_t values,
		     uint32_t block, const uint64_t *stage, int wait)
{
	return load_values(lo, lv, idx, dram, cols, values, block, stage, wait);
}

int lw_load_repeated(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t cols, uint64_t times,
		     const uint64_t *stage, int wait)
{
	return load_into(lo, lv, idx, 0, dram, 1, cols, cols, 1, times, stage, wait);
}

int lw_load_spread(struct lw_op *lo, int lv, uint64_t idx, uint64_t pitch, uint64_t dram, uint64_t cols, uint64_t times,
		   const uint64_t *stage, int wait)
{
	return load_into(lo, lv, idx, pitch, dram, 1, cols, cols, cols, times, stage, wait);
}

int lw_store_block(struct lw_op *lo, uint64_t idx, uint64_t dram, uint64_t rows, uint64_t cols, uint64_t dram_stride,
		   int wait, uint32_t values)
{
	int path[HW_MAX_LEVELS], np = path_of(lo->hw, lo->lv_out, path);
	const struct hw_level *out = &lo->hw->level[lo->lv_out];
	uint32_t e = out->elem_bytes;
	if (values) { /* in values of the output's: isa_narrow_values says there is no shared level */
		uint32_t v = dtype_bytes(out->dtype);
		int f = lw_transfer(lo, ISA_CLASS_STORE, lo->lv_out, idx, lw_elems(dram, v), rows, cols, dram_stride * values,
				    0, values);
		st_need(lo->s, f, wait);
		return lo->s->n - 1;
	}
	if (!np) {
		int f = lw_transfer(lo, ISA_CLASS_STORE, lo->lv_out, idx, lw_elems(dram, e), rows, cols, dram_stride, 0, 0);
		st_need(lo->s, f, wait);
		return lo->s->n - 1;
	}
	int f = lw_transfer(lo, ISA_CLASS_STORE, lo->lv_out, idx, lw_elems(lo->stage_out[np - 1], e), 1, rows * cols, 0,
			    0, 0);
	st_need(lo->s, f, wait);
	for (int i = np - 1; i > 0; i--) {
		uint32_t ei = lo->hw->level[path[i]].elem_bytes;
		lw_transfer(lo, ISA_CLASS_STORE, path[i], lw_elems(lo->stage_out[i], ei), lw_elems(lo->stage_out[i - 1], ei),
			    1, lw_elems(rows * cols * e, ei), 0, 0, 0);
	}
	uint32_t e0 = lo->hw->level[path[0]].elem_bytes;
	lw_transfer(lo, ISA_CLASS_STORE, path[0], lw_elems(lo->stage_out[0], e0), lw_elems(dram, e0), rows,
		    lw_elems(cols * e, e0), lw_elems(dram_stride * e, e0), 0, 0);
	return lo->s->n - 1;
}

static int padded_insn(struct lw_op *lo, int lv, uint64_t idx, uint64_t addr, int64_t rows, int64_t cols,
		       uint64_t stride, const int64_t pad[4], uint32_t values)
{
	struct isa_insn in = {.kind = isa_kind_of_class(lo->lay, ISA_CLASS_LOAD)};
	in.f[ISA_F_BUF] = lv;
	in.f[ISA_F_IDX] = (int64_t)idx;
	in.f[ISA_F_ADDR] = (int64_t)addr;
	in.f[ISA_F_YSIZE] = rows;
	in.f[ISA_F_XSIZE] = cols;
	in.f[ISA_F_XSTRIDE] = rows > 1 ? (int64_t)stride : cols * (values ? values : 1);
	in.f[ISA_F_VALUES] = values;
	in.f[ISA_F_YPAD0] = pad[0], in.f[ISA_F_YPAD1] = pad[1], in.f[ISA_F_XPAD0] = pad[2], in.f[ISA_F_XPAD1] = pad[3];
	int i = st_emit(lo->s, &in);
	lw_barrier(lo, i);
	return i;
}

/* Rows of `per_tile` elements of lv from idx, each only its first `held`
 * elements in DRAM, packed from `dram` (in elements of lv's size, or with
 * `values` > 0 in values, each element its first `values`), the rest the
 * DMA's zero padding; a transfer per dma.max_rows of them.  Returns the
 * first. */
static int prefix_rows(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t rows, uint64_t per_tile,
		       uint64_t held, uint32_t values)
{
	int first = -1;
	uint64_t row = held * (values ? values : 1);
	for (uint64_t r = 0; r < rows; r += lo->hw->dma.max_rows) {
		uint64_t nr = rows - r < lo->hw->dma.max_rows ? rows - r : lo->hw->dma.max_rows;
		int f = padded_insn(lo, lv, idx + r * per_tile, dram + r * row, (int64_t)nr, (int64_t)held, row,
				    (int64_t[4]){0, 0, 0, (int64_t)(per_tile - held)}, values);
		first = first < 0 ? f : first;
	}
	return first;
}

int lw_load_tile_prefixes(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t tiles, uint64_t per_tile,
			  uint64_t held, uint32_t values, int wait)
{
	const struct hw_level *l = &lo->hw->level[lv];
	int first = prefix_rows(lo, lv, idx, lw_elems(dram, values ? dtype_bytes(l->dtype) : l->elem_bytes), tiles,
				per_tile, held, values); /* a tile a row */
	st_need(lo->s, first, wait);
	return lo->s->n - 1;
}

int lw_load_parts(struct lw_op *lo, int lv, uint64_t idx, uint64_t dram, uint64_t n, uint64_t part, const uint64_t *stage,
		  int wait)
{
	int path[HW_MAX_LEVELS] = {0}, np = path_of(lo->hw, lv, path);
	uint32_t e = lo->hw->level[lv].elem_bytes, e0 = lo->hw->level[path[0]].elem_bytes;
	/* each element a row of the shared level's elements */
	int first = prefix_rows(lo, path[0], lw_elems(stage[0], e0), lw_elems(dram, e0), n, lw_elems(e, e0),
				lw_elems(part, e0), 0);
	for (int i = 1; i < np; i++) {
		uint32_t ei = lo->hw->level[path[i]].elem_bytes;
		lw_transfer(lo, ISA_CLASS_LOAD, path[i], lw_elems(stage[i], ei), lw_elems(stage[i - 1], ei), 1,
			    lw_elems(n * e, ei), 0, 0, 0);
	}
	int last_stage = lo->s->n - 1;
	int f = lw_transfer(lo, ISA_CLASS_LOAD, lv, idx, lw_elems(stage[np - 1], e), 1, n, 0, 0, 0);
	st_need(lo->s, f, wait);
	st_need(lo->s, f, last_stage);
	if (lo->s->v[f].q != lo->s->v[first].q) /* as load_into: the staging area's refill after its last reader */
		st_need(lo->s, first, wait);
	lw_barrier(lo, f);
	return lo->s->n - 1;
}

int lw_load_padded(struct lw_op *lo, int lv, uint64_t idx, uint64_t addr, int64_t rows, int64_t cols, uint64_t stride,
		   const int64_t pad[4], const uint64_t *stage, uint32_t values)
{
	int path[HW_MAX_LEVELS], np = path_of(lo->hw, lv, path);
	if (!np || values)
		return padded_insn(lo, lv, idx, addr, rows, cols, stride, pad, values);
	/* padded into the outermost shared level (the box with its zeros, in
	 * its elements: `x` to one of lv), then whole from level to level */
	uint32_t e = lo->hw->level[lv].elem_bytes, e0 = lo->hw->level[path[0]].elem_bytes, x = (uint32_t)lw_elems(e, e0);
	uint64_t n = (uint64_t)((rows + pad[0] + pad[1]) * (cols + pad[2] + pad[3])) * e;
	int first = padded_insn(lo, path[0], lw_elems(stage[path[0]], e0), addr * x, rows, cols * x, stride * x,
				(int64_t[4]){pad[0], pad[1], pad[2] * x, pad[3] * x}, 0);
	for (int i = 1; i < np; i++) {
		uint32_t ei = lo->hw->level[path[i]].elem_bytes;
		lw_transfer(lo, ISA_CLASS_LOAD, path[i], lw_elems(stage[path[i]], ei), lw_elems(stage[path[i - 1]], ei), 1,
			    lw_elems(n, ei), 0, 0, 0);
	}
	lw_transfer(lo, ISA_CLASS_LOAD, lv, idx, lw_elems(stage[path[np - 1]], e), 1, lw_elems(n, e), 0, 0, 0);
	return first;
}

/* `at`: byte offset in the shared level; rows `stride` elements of lv apart. */
int lw_load_from_kept(struct lw_op *lo, int lv, uint64_t idx, uint64_t at, uint64_t rows, uint64_t cols,
		      uint64_t stride, int wait)
{
	uint32_t e = lo->hw->level[lv].elem_bytes;
	int f = lw_transfer(lo, ISA_CLASS_LOAD, lv, idx, lw_elems(at, e), rows, cols, stride, 0, 0);
	st_need(lo->s, f, wait);
	lw_barrier(lo, f);
	return lo->s->n - 1;
}

void lw_nomem(struct cc_program *prog, size_t n, const char *what)
{
	if (!prog->nomem)
		prog->nomem = n, prog->nomem_what = what;
}

/* Segments are placed as they are made: the instructions address them. */
int lw_add_named_segment(struct cc_program *prog, const char *name, enum isa_segment_kind kind, uint64_t size,
			 uint8_t *data)
{
	prog->dram_next = lw_align_up(prog->dram_next, lw_segment_align(&prog->p.hw));
	/* a name of other characters is written with '_' for them: two names
	 * that differ only there would be one segment */
	const struct isa_segment *same = isa_program_segment(&prog->p, name);
	if (same && strcmp(same->name, name) && !prog->refused)
		prog->refused = "two tensor or op names that differ only in characters a segment's name writes as '_' "
				"(a segment's name is " ISA_SEGMENT_NAME_RULE ")";
	struct isa_segment *s = isa_program_add_segment(&prog->p, name, kind, prog->dram_next, size ? size : 1);
	if (!s) {
		free(data);
		lw_nomem(prog, (size_t)(prog->p.seg_cap ? 2 * prog->p.seg_cap : 16) * sizeof *prog->p.seg, "the segments");
	} else {
		s->data = data;
		s->data_len = data ? size : 0;
	}
	prog->dram_next += size ? size : 1;
	return s ? prog->p.nseg - 1 : -1;
}

uint64_t lw_add_segment(struct lw_op *lo, const char *suffix, enum isa_segment_kind kind, uint64_t size,
			uint8_t *data)
{
	struct cc_program *prog = lo->prog;
	char *name = try_asprintf("%s.%s", lo->op->name, suffix);
	if (!name) {
		free(data);
		lw_nomem(prog, strlen(lo->op->name) + strlen(suffix) + 2, "the segment names");
		prog->dram_next = lw_align_up(prog->dram_next, lw_segment_align(&prog->p.hw)) + (size ? size : 1);
		return prog->dram_next - (size ? size : 1);
	}
	lw_add_named_segment(prog, name, kind, size, data);
	free(name);
	return prog->dram_next - (size ? size : 1);
}

enum isa_segment_kind lw_segment_kind(const struct ir_graph *g, int tensor)
{
	return g->tensor[tensor].kind == IR_TENSOR_WEIGHT ? ISA_SEG_WEIGHT : ISA_SEG_INPUT;
}

void lw_add_uop(struct lw_op *lo, uint32_t dst, uint32_t src, uint32_t wgt)
{
	struct isa_uop u = {dst, src, wgt};
	if (isa_program_add_uop(&lo->prog->p, &u))
		lw_nomem(lo->prog, (size_t)(lo->prog->p.uop_cap ? 2 * lo->prog->p.uop_cap : 16) * sizeof *lo->prog->p.uop,
			 "the micro-ops");
	lo->nuops++;
}

/* Staged micro-ops start and end on whole shared elements: a multiple of
 * the micro-ops that fill a whole number of each (a shared element need
 * not be a whole number of micro-ops). */
void lw_pad_uops(struct lw_op *lo)
{
	uint32_t pad = 1, ub = lo->hw->level[lo->lv_uop].elem_bytes;
	int path[HW_MAX_LEVELS], np = path_of(lo->hw, lo->lv_uop, path);
	for (int i = 0; i < np; i++)
		pad = lw_lcm32(pad, lw_lcm32(lo->hw->level[path[i]].elem_bytes, ub) / ub);
	while (lo->prog->p.nuop % pad)
		if (isa_program_add_uop(&lo->prog->p, &(struct isa_uop){0, 0, 0})) {
			lw_nomem(lo->prog, (size_t)(lo->prog->p.uop_cap ? 2 * lo->prog->p.uop_cap : 16) * sizeof *lo->prog->p.uop,
				 "the micro-ops");
			break;
		}
}

/* Addresses in the micro-op region are relative to it (uop_unit): the
 * layout pass places the region. */
void lw_load_kernels(struct lw_op *lo)
{
	uint32_t ub = lo->hw->level[lo->lv_uop].elem_bytes;
	uint32_t n = (uint32_t)(lo->prog->p.nuop - lo->uop_rel);
	int path[HW_MAX_LEVELS], np = path_of(lo->hw, lo->lv_uop, path);
	if (!np) {
		lw_transfer(lo, ISA_CLASS_LOAD, lo->lv_uop, 0, lo->uop_rel, 1, n, 0, ub, 0);
		return;
	}
	uint32_t e0 = lo->hw->level[path[0]].elem_bytes;
	int f = lw_transfer(lo, ISA_CLASS_LOAD, path[0], lw_elems(lo->stage_uop[0], e0),
			    lw_elems((uint64_t)lo->uop_rel * ub, e0), 1, lw_elems((uint64_t)n * ub, e0), 0, e0, 0);
	lw_barrier(lo, f);
	for (int i = 1; i < np; i++) {
		uint32_t ei = lo->hw->level[path[i]].elem_bytes;
		lw_transfer(lo, ISA_CLASS_LOAD, path[i], lw_elems(lo->stage_uop[i], ei), lw_elems(lo->stage_uop[i - 1], ei), 1,
			    lw_elems((uint64_t)n * ub, ei), 0, 0, 0);
	}
	int staged = lo->s->n - 1;
	f = lw_transfer(lo, ISA_CLASS_LOAD, lo->lv_uop, 0, lw_elems(lo->stage_uop[np - 1], ub), 1, n, 0, 0, 0);
	st_need(lo->s, f, staged);
}

void lw_note_last_compute(struct lw_op *lo)
{
	for (int i = lo->s->n - 1; i >= 0; i--)
		if (lo->s->v[i].q == ISA_Q_COMPUTE) {
			lo->prog->last_compute = i;
			return;
		}
}
