/* compiler/lower_direct: the direct form's own parts of an op's lowering
 * (docs/compiler.md, "Lowering"; tensorize/direct.c) — where a step's data
 * is in the tensors' DRAM layouts, the input box loaded with its halo and
 * padding, the micro-op kernel of window positions, the stores into the
 * output's layout, and the op's segments.  The steps, rings and the rest
 * are lower_gemm.c's. */
#include <stdlib.h>
#include <string.h>

#include "lower_gemm.h"
#include "base/alloc.h"

/* The direct form's box of block mo. */
void lw_direct_box(const struct gemm_lowering *gl, struct step *s)
{
	const struct tz_direct_block *b = &gl->db;
	int64_t cb = s->mo % b->col_blocks, rb = s->mo / b->col_blocks % b->row_blocks;
	s->sidx = s->mo / b->col_blocks / b->row_blocks;
	s->group = (s->sidx * b->groups + rb / b->share) * b->col_blocks + cb, s->sub = rb % b->share;
	s->r0 = rb * b->box_rows, s->c0 = cb * b->box_cols;
	s->nr = edge(gl->geo->dir.rows, b->box_rows, rb);
	s->nc = edge(gl->geo->dir.cols, b->box_cols, cb); /* short only in a box of one row (tz_direct_block) */
	s->bm = s->nr * s->nc;
}

/* Every op iterator's value at the first point of step st (lane tile ka
 * of a, output tile nt). */
static void step_point(const struct gemm_lowering *gl, const struct step *st, int64_t ka, int64_t nt, int64_t *it)
{
	tz_direct_point(gl->geo, st->bb, st->sidx, st->r0, st->c0, ka, nt, it);
}

/* The element of layout l holding the tensor's value at the access's index. */
static uint64_t layout_element(const struct tz_layout *l, const struct ir_access *a, const int64_t *it, int rank,
			       const int64_t *at)
{
	int64_t x[IR_MAX_RANK];
	for (int dd = 0; dd < rank; dd++)
		x[dd] = at && at[dd] != INT64_MIN ? at[dd] : ir_affine_at(&a->index[dd], it);
	return tz_layout_element(l, rank, x);
}

/* The DMA address of element el of layout l's tensor in the segment at
 * byte seg: in elements of e bytes, or values where its block lies narrow
 * (docs/isa.md, narrow transfers); *unit: what the DMA counts per element
 * there, *values: its transfers' `values`. */
static uint64_t dram_unit_addr(const struct tz_layout *l, uint64_t seg, uint64_t el, uint32_t e, uint64_t *unit,
			       uint32_t *values)
{
	uint64_t off = tz_layout_dma_offset(l, el, unit, values);
	return lw_elems(seg, *values ? dtype_bytes(l->dtype) : e) + off;
}

/* The step of iterator `it` in elements of a's box ([row][column][lane
 * tile of the layout's group]). */
int64_t lw_direct_box_step(const struct gemm_lowering *gl, int it)
{
	const struct tz_direct *d = &gl->geo->dir;
	const struct ir_access *x = &gl->lo.op->in[gl->geo->b.input_a];
	int64_t v = 0;
	if (d->a_col >= 0)
		v += x->index[d->a_col].coef[it] / d->a_step[d->a_col];
	if (d->a_row >= 0)
		v += x->index[d->a_row].coef[it] / d->a_step[d->a_row] * gl->db.a_cols;
	return v * d->a.group;
}

/* Rows (or columns) of a box of n starting at index lo with step s inside
 * 0..size-1: the zeros before, the rows read, the zeros after. */
static void box_pads(int64_t lo, int64_t s, int64_t n, int64_t size, int64_t *before, int64_t *read, int64_t *after)
{
	*before = lo < 0 ? (-lo + s - 1) / s : 0;
	int64_t last = (size - 1 - lo) / s; /* the last box row inside */
	if (last > n - 1)
		last = n - 1;
	*read = last - *before + 1;
	*after = n - 1 - last;
}

/* Step st's input box for lane tiles ko·bk...: per lane tile (per group
 * of them, in a grouped layout: its columns are `group` elements wide) one
 * 2D transfer of its rows and columns with the padding as zeros (per row,
 * its columns as the transfer's rows, when they are strided).  Returns the
 * first instruction. */
int lw_direct_load(struct gemm_lowering *gl, const struct step *st, uint64_t idx)
{
	const struct tz_geometry *geo = gl->geo;
	const struct tz_direct *d = &geo->dir;
	const struct ir_access *x = &gl->lo.op->in[geo->b.input_a];
	const struct ir_tensor *t = &gl->lo.g->tensor[x->tensor];
	uint32_t e = gl->lo.hw->level[gl->lv_a].elem_bytes;
	int64_t it[IR_MAX_ITERS], at[IR_MAX_RANK];
	struct step group = *st; /* the box of the blocks sharing it: from the first one's rows */
	group.r0 -= st->sub * gl->db.box_rows;
	group.nr = gl->db.share * gl->db.box_rows;
	if (group.nr > gl->geo->dir.rows - group.r0)
		group.nr = gl->geo->dir.rows - group.r0;
	st = &group;
	/* the box of its rows (a last row block of fewer rows: a shorter one) */
	int64_t nrows = tz_direct_box_extent(geo, d->a_row, st->nr, gl->db.box_cols);
	/* a last column block with fewer columns reads fewer; its rows keep
	 * the slot's width, the columns past what it reads as zeros (which
	 * tz_direct_check holds to dma.max_pad) */
	int64_t ncols = tz_direct_box_extent(gl->geo, d->a_col, gl->db.box_rows, st->nc);
	int first = -1;
	/* a box of one row: its lane tiles are the rows of one transfer */
	bool fold = tz_direct_folds_lanes(gl->geo, gl->m);
	int64_t g = d->a.group;
	uint64_t u; /* what the DMA's addresses and strides count per element of the lane tile's block */
	uint32_t values;
	for (int64_t k = 0; k < st->bk; k += fold ? st->bk : g) {
		step_point(gl, st, st->ko * gl->m->bk + k, 0, it);
		for (int dd = 0; dd < t->rank; dd++)
			at[dd] = INT64_MIN;
		int64_t rlo = d->a_row >= 0 ? ir_affine_at(&x->index[d->a_row], it) : 0, clo = ir_affine_at(&x->index[d->a_col], it);
		int64_t rs = d->a_row >= 0 ? d->a_step[d->a_row] : 1, cs = d->a_step[d->a_col];
		int64_t r0, rn, r1, c0, cn, c1;
		box_pads(rlo, rs, nrows, d->a_row >= 0 ? t->shape[d->a_row] : 1, &r0, &rn, &r1);
		box_pads(clo, cs, ncols, t->shape[d->a_col], &c0, &cn, &c1);
		if (cs == 1) /* strided columns: a transfer per row, each at its row's place */
			c1 += gl->db.a_cols - ncols;
		uint64_t sram = idx + (uint64_t)(k / g) * gl->db.box;
		uint64_t stage[HW_MAX_LEVELS]; /* the box's place in the staging areas: as in its slot */
		for (int l = 0; l < gl->lo.hw->nlevels; l++)
			stage[l] = gl->stage_a[l] + sram % gl->slot_a * e;
		if (cs == 1) {
			if (d->a_row >= 0)
				at[d->a_row] = rlo + r0 * rs;
			at[d->a_col] = clo + c0;
			uint64_t addr = dram_unit_addr(&d->a, gl->seg_a, layout_element(&d->a, x, it, t->rank, at), e, &u,
						       &values);
			int64_t pad[4] = {r0, r1, c0 * g, c1 * g};
			int i = fold ? lw_load_padded(&gl->lo, gl->lv_a, sram, addr, st->bk, cn,
						   (uint64_t)d->a.stride[d->a.lane_dim] * u, (int64_t[4]){0, 0, c0, c1}, stage,
						   values)
				     : lw_load_padded(&gl->lo, gl->lv_a, sram, addr, rn, cn * g,
						   (uint64_t)(rs * (d->a_row >= 0 ? d->a.stride[d->a_row] : 0)) * u, pad, stage,
						   values);
			first = first < 0 ? i : first;
			continue;
		}
		for (int64_t r = 0; r < nrows; r++) { /* strided columns: a row at a time, columns as rows */
			if (d->a_row >= 0)
				at[d->a_row] = rlo + r * rs;
			at[d->a_col] = clo + c0 * cs;
			uint64_t addr = dram_unit_addr(&d->a, gl->seg_a, layout_element(&d->a, x, it, t->rank, at), e, &u,
						       &values);
			int64_t pad[4] = {c0, c1, 0, 0};
			uint64_t row_stage[HW_MAX_LEVELS];
			for (int l = 0; l < gl->lo.hw->nlevels; l++)
				row_stage[l] = stage[l] + (uint64_t)(r * gl->db.a_cols * g) * e;
			int i = lw_load_padded(&gl->lo, gl->lv_a, sram + (uint64_t)(r * gl->db.a_cols * g), addr, cn, g,
					    (uint64_t)(cs * g) * u, pad, row_stage, values);
			first = first < 0 ? i : first;
		}
	}
	return first;
}

/* The direct form's output block into the output's layout: per output
 * tile its box of points, rows and columns.  Returns the last store. */
int lw_direct_store(struct gemm_lowering *gl, const struct step *st, int q, uint64_t seg, int wait)
{
	const struct tz_direct *d = &gl->geo->dir;
	const struct ir_access *y = &gl->lo.op->out;
	int rank = gl->lo.g->tensor[y->tensor].rank;
	int64_t it[IR_MAX_ITERS];
	int last = -1;
	if (tz_direct_folds_outputs(gl->geo, gl->m) && st->nc == gl->db.box_cols) { /* one row per output tile: one transfer */
		step_point(gl, st, 0, st->no * gl->m->bn, it);
		uint64_t el = layout_element(&d->out, y, it, rank, NULL);
		return lw_store_block(&gl->lo, (uint64_t)q * gl->slot_acc, seg + tz_layout_byte_offset(&d->out, el),
				      (uint64_t)st->bn, (uint64_t)gl->db.box_cols, (uint64_t)d->out.stride[d->out.lane_dim],
				      wait, tz_layout_narrow_values(&d->out));
	}
	for (int64_t n = 0; n < st->bn; n++) {
		step_point(gl, st, 0, st->no * gl->m->bn + n, it);
		uint64_t el = layout_element(&d->out, y, it, rank, NULL), addr = seg + tz_layout_byte_offset(&d->out, el);
		uint32_t values = tz_layout_block_values(&d->out, tz_layout_block_of(&d->out, el));
		last = lw_store_block(&gl->lo, (uint64_t)q * gl->slot_acc + (uint64_t)(n * gl->m->bm), addr, (uint64_t)st->nr,
				      (uint64_t)st->nc, d->out_row >= 0 ? (uint64_t)d->out.stride[d->out_row] : 0,
				      wait, values);
	}
	return last;
}

/* One block's kernel, its box's rows from element a: for every window
 * position and lane tile, one micro-op per output tile (so that the first
 * bn start the block). */
static void direct_kernel_at(struct gemm_lowering *gl, uint32_t a, uint32_t b, uint32_t acc)
{
	const struct tz_direct *d = &gl->geo->dir;
	const struct ir_op *op = gl->lo.op;
	const struct tz_mapping *m = gl->m;
	for (int64_t w = 0; w < d->win_points; w++) {
		int64_t src = 0, r = w;
		for (int i = d->nwin - 1; i >= 0; i--) {
			int64_t v = r % op->iter[d->win[i]].extent;
			r /= op->iter[d->win[i]].extent;
			src += v * lw_direct_box_step(gl, d->win[i]);
		}
		for (int64_t k = 0; k < m->bk; k++)
			for (int64_t n = 0; n < m->bn; n++)
				lw_add_uop(&gl->lo, acc + (uint32_t)(n * m->bm),
					   a + (uint32_t)(k / d->a.group * (int64_t)gl->db.box + k % d->a.group + src),
					   b + (uint32_t)(((n * m->bk + k) * d->win_points + w) * gl->geo->eb));
	}
}

/* The direct form's kernels for a combination of buffers: one per block
 * sharing the box (tz_mapping's share), each from its rows in it. */
void lw_direct_kernel(struct gemm_lowering *gl, uint32_t a, uint32_t b, uint32_t acc)
{
	int64_t rows = gl->geo->dir.box_row >= 0 ? gl->db.box_rows * lw_direct_box_step(gl, gl->geo->dir.box_row) : 0;
	for (int64_t sub = 0; sub < gl->db.share; sub++)
		direct_kernel_at(gl, a + (uint32_t)(sub * rows), b, acc);
}

uint64_t lw_stored_segment(struct lw_op *lo, int tensor)
{
	struct cc_program *prog = lo->prog;
	int i = (int)(lo->rec - prog->op), *ops = try_calloc((size_t)i + 1, sizeof *ops), j = -1;
	if (!ops) {
		lw_nomem(prog, ((size_t)i + 1) * sizeof *ops, "the ops of the program");
		return UINT64_MAX;
	}
	for (int k = 0; k <= i; k++)
		ops[k] = prog->op[k].op;
	j = cc_stored_by(&prog->p.hw, prog->g, prog->rq->plans, ops, i, tensor);
	free(ops);
	return j >= 0 ? prog->p.seg[prog->op[j].out_segment].addr : UINT64_MAX;
}

/* The direct form's segments: A in its layout (or the segment an earlier op
 * of the program stores it into), B packed once in tile order, the bias,
 * and the output in its layout, one per plane. */
void lw_direct_segments(struct gemm_lowering *gl, const uint8_t *const *data)
{
	const struct tz_geometry *geo = gl->geo;
	const struct tz_direct *d = &geo->dir;
	struct lw_op *lo = &gl->lo;
	uint8_t *a = NULL, *bb = NULL, *bias = NULL, *scratch = NULL;
	gl->seg_a = lw_stored_segment(lo, d->a.tensor);
	if (gl->seg_a == UINT64_MAX) {
		if (data && (a = try_malloc(tz_layout_bytes(&d->a) + 1)))
			tz_layout_pack(lo->g, &d->a, data[d->a.tensor], a);
		else if (data)
			lw_nomem(lo->prog, tz_layout_bytes(&d->a) + 1, "the input in its layout");
		gl->seg_a = lw_add_segment(lo, "a", lw_segment_kind(lo->g, d->a.tensor), tz_layout_bytes(&d->a), a);
	}
	if (data) {
		bb = try_malloc(tz_direct_b_bytes(geo) + 1), scratch = try_malloc(tz_direct_b_bytes(geo) + 1);
		if (bb && scratch)
			tz_direct_pack_b(geo, data, bb, scratch);
		else
			lw_nomem(lo->prog, 2 * tz_direct_b_bytes(geo) + 2, "the packed B operand");
		free(scratch);
	}
	gl->seg_b = lw_add_segment(lo, "b", ISA_SEG_WEIGHT, tz_direct_b_bytes(geo), bb);
	if (geo->bias >= 0) {
		if (data && (bias = try_malloc(tz_direct_bias_bytes(geo) + 1)))
			tz_direct_pack_bias(geo, data, bias);
		else if (data)
			lw_nomem(lo->prog, tz_direct_bias_bytes(geo) + 1, "the packed bias");
		if (gl->bias_beat)
			lw_beat_segments(gl, bias);
		else
			gl->seg_bias = lw_add_segment(lo, "bias", ISA_SEG_WEIGHT, tz_direct_bias_bytes(geo), bias);
	}
	gl->plane_bytes = tz_layout_bytes(&d->out);
	gl->seg_out = lw_add_segment(lo, "out", ISA_SEG_OUTPUT, gl->plane_bytes * (uint64_t)geo->b.planes, NULL);
	lo->rec->out_segment = lo->prog->p.nseg - 1;
}

int lw_direct_load_b_diagonal(struct gemm_lowering *gl, const struct step *st, uint64_t idx, int64_t k0, int64_t tiles,
			       int wait)
{
	const struct tz_geometry *geo = gl->geo;
	int64_t W = geo->dir.win_points, n0 = st->no * gl->m->bn;
	int f = -1;
	uint64_t e = gl->lo.hw->level[gl->lv_b].elem_bytes, unit = tz_stage_unit(geo->hw, gl->lv_b);
	for (int64_t r = 0; r < st->bn; r++)
		for (int64_t k = k0; k < k0 + tiles;) {
			int64_t end = (k / W + 1) * W < k0 + tiles ? (k / W + 1) * W : k0 + tiles;
			/* staged where its tiles' slot lies in the block's area (tz_geometry's b_diag leaves room) */
			uint64_t stage[HW_MAX_LEVELS], at = (uint64_t)(r * tiles + k - k0) * e / unit * unit;
			for (int l = 0; l < gl->lo.hw->nlevels; l++)
				stage[l] = gl->stage_b[l] + at;
			f = lw_load_diagonal(&gl->lo, gl->lv_b, idx + (uint64_t)(r * tiles + k - k0),
					     gl->seg_b + tz_gemm_b_offset(geo, st->bb, n0 + r, k), (uint64_t)(end - k), geo->b_diag,
					     tz_diag_block(geo, k / W), stage, wait);
			k = end;
		}
	return f;
}
