/* tensorize/direct: tensors in DRAM in the order of their scratchpad's
 * element, and the direct form, in which a binding's input in `a` and its
 * output move between those layouts and the scratchpads by DMA alone
 * (docs/tensorize.md, "The direct form").
 *
 * Everything is read off the op's affine accesses: which iterator runs
 * along an element's values, which dimensions of the input a block's box
 * covers (its rows and columns, with the halo the windows add and the
 * padding past the tensor's edges, which the DMA writes as zeros), and the
 * step, in elements of the box, of every iterator — what micro-ops and the
 * instruction's loops index with.  No operator is named here: a 1x3 or
 * dilated window, a strided or grouped convolution and a dense layer differ
 * only in their coefficients. */
#include <stdio.h>
#include <string.h>

#include "base/value.h"
#include "isa/isa.h"
#include "tensorize.h"

/* ---- the direct form of a binding ---- */

static int64_t gcd64(int64_t a, int64_t b)
{
	a = a < 0 ? -a : a, b = b < 0 ? -b : b;
	while (b) {
		int64_t t = a % b;
		a = b, b = t;
	}
	return a;
}

#define FAIL(...)                                              \
	do {                                                   \
		snprintf(d->why, sizeof d->why, __VA_ARGS__);  \
		return;                                        \
	} while (0)

/* The tensor dimension iterator `it` runs along with coefficient 1, alone
 * with the iterators in `others` (multiples of `lanes`, as the offset), or
 * -1. */
static int lane_of_access(const struct ir_graph *g, const struct ir_access *a, int it, uint32_t lanes,
			  const bool *stepped, int niters)
{
	int found = -1;
	for (int dd = 0; dd < g->tensor[a->tensor].rank; dd++) {
		const struct ir_affine *x = &a->index[dd];
		if (!x->coef[it])
			continue;
		if (found >= 0 || x->coef[it] != 1 || x->offset % lanes)
			return -1;
		for (int j = 0; j < niters; j++)
			if (j != it && x->coef[j] && (!stepped[j] || x->coef[j] % lanes))
				return -1;
		found = dd;
	}
	return found;
}

/* The least and greatest value of an index over every iterator value. */
static void index_range(const struct ir_op *op, const struct ir_affine *x, int64_t *lo, int64_t *hi)
{
	*lo = *hi = x->offset;
	for (int it = 0; it < op->niters; it++) {
		int64_t v = x->coef[it] * (op->iter[it].extent - 1);
		*lo += v < 0 ? v : 0;
		*hi += v > 0 ? v : 0;
	}
}

/* The a-side checks: rows and columns the box covers, their steps and the
 * padding the DMA must write. */
static void derive_a(const struct tz_geometry *geo, struct tz_direct *d, const bool *ranging, const bool *stepped)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	const struct ir_access *x = &op->in[geo->b.input_a];
	const struct ir_tensor *t = &geo->g->tensor[x->tensor];
	const struct hw *hw = geo->hw;
	int last[2] = {-1, -1}; /* the two innermost dimensions other than the lane */
	for (int dd = 0; dd < t->rank; dd++)
		if (dd != d->a.lane_dim && dd != d->a.rows_dim)
			last[0] = last[1], last[1] = dd;
	d->a_col = last[1], d->a_row = last[0];
	if (d->a_col < 0)
		FAIL("'%s' has no dimension besides its elements' values", t->name);
	for (int dd = 0; dd < t->rank; dd++) { /* the steps first: the padding's checks need both */
		if (dd == d->a.lane_dim || dd == d->a.rows_dim)
			continue;
		const struct ir_affine *ix = &x->index[dd];
		int64_t step = 0;
		for (int it = 0; it < op->niters; it++) {
			if (!ix->coef[it] || stepped[it])
				continue;
			if (dd != d->a_row && dd != d->a_col)
				FAIL("'%s' runs along dimension %d of '%s', outside the two a 2D transfer moves", op->iter[it].name,
				     dd, t->name);
			if (ix->coef[it] < 0)
				FAIL("'%s' runs backwards along dimension %d of '%s'", op->iter[it].name, dd, t->name);
			if (ranging[it])
				step = gcd64(step, ix->coef[it]);
		}
		d->a_step[dd] = step ? step : 1;
	}
	for (int dd = 0; dd < t->rank; dd++) {
		if (dd == d->a.lane_dim || dd == d->a.rows_dim)
			continue;
		const struct ir_affine *ix = &x->index[dd];
		int64_t lo, hi;
		index_range(op, ix, &lo, &hi);
		int64_t before = lo < 0 ? (-lo + d->a_step[dd] - 1) / d->a_step[dd] : 0;
		int64_t after = hi >= t->shape[dd] ? (hi - t->shape[dd] + d->a_step[dd]) / d->a_step[dd] : 0;
		if (dd != d->a_row && dd != d->a_col && (before || after))
			FAIL("dimension %d of '%s' is read outside the tensor", dd, t->name);
		int64_t wide = dd == d->a_col && d->a_step[dd] == 1 ? d->a.group : 1; /* columns of `group` elements */
		if (before * wide > (int64_t)hw->dma.max_pad || after * wide > (int64_t)hw->dma.max_pad)
			FAIL("the padding of '%s' along dimension %d (%lld elements) is more than the DMA writes (dma.max_pad %u)",
			     t->name, dd, (long long)((before > after ? before : after) * wide), hw->dma.max_pad);
		if (dd == d->a_row && (before || after) && d->a_col >= 0 && d->a_step[d->a_col] > 1)
			FAIL("'%s' is read every %lld columns with padded rows", t->name, (long long)d->a_step[d->a_col]);
		/* the fewest rows a box reads: the windows' */
		int64_t win = 0;
		for (int i = 0; i < d->nwin; i++)
			win += ix->coef[d->win[i]] * (op->iter[d->win[i]].extent - 1);
		if (before > win / d->a_step[dd] || after > win / d->a_step[dd])
			FAIL("a box of '%s' may lie wholly in its padding along dimension %d", t->name, dd);
	}
	if (d->box_row >= 0 && x->index[d->a_col].coef[d->box_row])
		FAIL("'%s' runs along the columns of '%s'", op->iter[d->box_row].name, t->name);
}

/* The output side: a block's box is a box of the output tensor. */
static void derive_out(const struct tz_geometry *geo, struct tz_direct *d)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	const struct ir_tensor *t = &geo->g->tensor[op->out.tensor];
	d->out_row = d->out_col = -1;
	int innermost = -1;
	for (int dd = 0; dd < t->rank; dd++)
		if (dd != d->out.lane_dim && dd != d->out.rows_dim)
			innermost = dd;
	for (int dd = 0; dd < t->rank; dd++) {
		const struct ir_affine *ix = &op->out.index[dd];
		for (int k = 0; k < 2; k++) {
			int it = k ? d->box_row : d->box_col;
			if (it < 0 || !ix->coef[it])
				continue;
			if (ix->coef[it] != 1 || dd == d->out.lane_dim || dd == d->out.rows_dim || (k ? d->out_row : d->out_col) >= 0)
				FAIL("the output '%s' is not a box of '%s' and '%s'", t->name, op->iter[d->box_col].name,
				     d->box_row >= 0 ? op->iter[d->box_row].name : "-");
			*(k ? &d->out_row : &d->out_col) = dd;
		}
	}
	if (d->out_col != innermost || (d->box_row >= 0 && (d->out_row < 0 || d->out_row == d->out_col)))
		FAIL("'%s' does not run along the innermost dimension of the output '%s'", op->iter[d->box_col].name, t->name);
}

/* The iterators fused onto each dimension: one along each lane, one
 * along the rows of elements of several rows (dr), none elsewhere (the
 * rest are loops).  Where a's lanes are the output's (da == dj: a vector
 * MAC, acc[p, c] += inp[p, c] * wgt[c]), one iterator runs along both. */
static bool fusion_direct(const struct tz_geometry *geo, int da, int dj, int dr, struct tz_direct *d)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	int diag = tz_diagonal(&geo->b);
	d->lane_a = d->lane_out = diag, d->row_it = -1;
	for (int it = 0; it < op->niters; it++) {
		int dim = geo->b.dim_of[it];
		if (dim < 0 || it == diag)
			continue;
		if (dim == da && da == dj && diag < 0 && d->lane_a < 0) {
			d->lane_a = d->lane_out = it, d->lanewise = true;
			continue;
		}
		int *lane = dim == dr ? &d->row_it : diag >= 0 ? NULL : dim == da ? &d->lane_a : dim == dj ? &d->lane_out : NULL;
		if (!lane || *lane >= 0)
			return false;
		*lane = it;
	}
	d->lanewise |= diag >= 0;
	return d->lane_a >= 0 && d->lane_out >= 0 && (dr < 0 || d->row_it >= 0);
}

/* The dimension of access x iterator `it` indexes alone, with coefficient
 * 1 and no offset, found in no other dimension; -1 otherwise. */
static int alone_dim(const struct ir_graph *g, const struct ir_access *x, int it, int niters)
{
	int found = -1;
	for (int dd = 0; dd < g->tensor[x->tensor].rank; dd++) {
		const struct ir_affine *ix = &x->index[dd];
		if (!ix->coef[it])
			continue;
		for (int j = 0; j < niters; j++)
			if (j != it && ix->coef[j])
				return -1;
		if (found >= 0 || ix->coef[it] != 1 || ix->offset)
			return -1;
		found = dd;
	}
	return found;
}

/* The loop axes by their part: stepped, the box, windows. */
static void classify_axes(const struct tz_geometry *geo, struct tz_direct *d, bool *ranging, bool *stepped)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	int m[TZ_MAX_AXES], nm = 0;
	for (int it = 0; it < op->niters; it++) /* one value: as good as stepped */
		stepped[it] = op->iter[it].extent == 1 && geo->b.dim_of[it] < 0;
	for (int gr = 0; gr < TZ_G_COUNT; gr++)
		for (int i = 0; i < geo->naxes[gr]; i++) {
			const struct tz_axis *ax = &geo->axis[gr][i];
			if (ax->is_dim || ax->extent == 1)
				continue;
			if (gr == TZ_G_N)
				FAIL("'%s' is a loop over the output's tiles", op->iter[ax->index].name);
			if (gr == TZ_G_BATCH)
				stepped[ax->index] = true;
			else if (gr == TZ_G_M)
				m[nm++] = ax->index;
			else
				d->win[d->nwin++] = ax->index, ranging[ax->index] = true;
		}
	for (int i = 0; i < geo->naxes[TZ_G_M]; i++)
		if (geo->axis[TZ_G_M][i].is_dim && geo->axis[TZ_G_M][i].extent > 1)
			FAIL("iterators are fused onto a dimension of one row");
	if (!nm)
		FAIL("no loop of output points to block");
	d->box_col = m[nm - 1], d->cols = op->iter[d->box_col].extent, ranging[d->box_col] = true;
	d->box_row = nm > 1 ? m[nm - 2] : -1, d->rows = nm > 1 ? op->iter[d->box_row].extent : 1;
	if (d->box_row >= 0)
		ranging[d->box_row] = true;
	for (int i = 0; i < nm - 2; i++)
		stepped[m[i]] = true;
	d->win_points = 1;
	for (int i = 0; i < d->nwin; i++)
		d->win_points *= op->iter[d->win[i]].extent;
}

/* A tensor an op computes is stored in elements of the output buffer's
 * width (its producer's layout).  A consumer whose input elements are a
 * part of those reads it as stored, `group` of its elements to one of the
 * producer's — so no layout change sits between them — as long as what
 * steps along its lane (the offset, a group's channels) moves by whole
 * stored elements and they pad it no more.  1 otherwise (a graph input,
 * packed by the host in the consumer's own layout). */
static uint32_t a_group(const struct tz_geometry *geo, const struct tz_direct *d, int la, const bool *stepped)
{
	const struct hw *hw = geo->hw;
	const struct ir_graph *g = geo->g;
	const struct ir_op *op = &g->op[geo->op];
	const struct hw_intrinsic *in = &hw->intrinsic[geo->b.intrinsic];
	const struct hw_level *ob = &hw->level[hw->role_level[HW_ROLE_OUTPUT]];
	const struct ir_access *x = &op->in[geo->b.input_a];
	uint32_t wide = in->out.tile_elems, lanes = in->a.tile_elems;
	int64_t values = (g->tensor[x->tensor].shape[la] + lanes - 1) / lanes * lanes;
	/* (where the wider elements would pad more, as 12 channels padded to 16 instead of 12, the consumer's
	 * own layout reads less, and its producer's output is rearranged into it) */
	if (g->tensor[x->tensor].producer < 0 || ob->dtype != in->a.dtype || wide <= lanes || wide % lanes || values % wide ||
	    lane_of_access(g, x, d->lane_a, wide, stepped, op->niters) < 0)
		return 1;
	return wide / lanes;
}

#define ROWS_WHY                                                                                             \
	"elements of %u rows: no iterator runs alone along %u rows of '%.40s' and of the output (the DMA moves whole " \
	"elements, so a window sliding by one point needs a band split)"

/* Elements of several rows: the iterator along them runs alone along one
 * dimension of a and of the output, as long as the rows (the dimension
 * then held by whole elements, as lanes are). */
static void derive_rows(const struct tz_geometry *geo, struct tz_direct *d, uint32_t rows, int *ra, int *ro)
{
	const struct ir_op *op = &geo->g->op[geo->op];
	*ra = *ro = -1;
	if (d->row_it < 0)
		return;
	*ra = alone_dim(geo->g, &op->in[geo->b.input_a], d->row_it, op->niters);
	*ro = alone_dim(geo->g, &op->out, d->row_it, op->niters);
	if (*ra < 0 || *ro < 0 || op->iter[d->row_it].extent != rows ||
	    geo->g->tensor[op->in[geo->b.input_a].tensor].shape[*ra] != rows ||
	    geo->g->tensor[op->out.tensor].shape[*ro] != rows)
		FAIL(ROWS_WHY, rows, rows, geo->g->tensor[op->in[geo->b.input_a].tensor].name);
}

void tz_direct_derive(const struct tz_geometry *geo, struct tz_direct *d)
{
	memset(d, 0, sizeof *d);
	const struct hw *hw = geo->hw;
	const struct ir_graph *g = geo->g;
	const struct ir_op *op = &g->op[geo->op];
	const struct hw_intrinsic *in = &hw->intrinsic[geo->b.intrinsic];
	const struct hw_level *ob = &hw->level[hw->role_level[HW_ROLE_OUTPUT]];
	int da = tz_operand_lane(in, &in->a), dr = tz_operand_rows(in, &in->a), dj = tz_operand_lane(in, &in->out);
	bool one_tile = da >= 0 && dj >= 0 && dr == tz_operand_rows(in, &in->out) &&
			geo->ea == 1 && geo->eo == 1 && ob->elem_bytes / dtype_bytes(ob->dtype) == in->out.tile_elems;
	if (!one_tile)
		FAIL("the elements of '%.24s' or '%.24s' are not one tile of the intrinsic, of one row or of the rows "
		     "they share", in->a.name, in->out.name);
	for (int p = hw->level[in->a.level].parent; p >= 0; p = hw->level[p].parent)
		if (hw->level[in->a.level].elem_bytes % hw->level[p].elem_bytes)
			FAIL("an element of '%.24s' is not whole elements of the shared level '%.24s' the box passes through",
			     hw->level[in->a.level].name, hw->level[p].name);
	if (g->tensor[op->in[geo->b.input_b].tensor].kind != IR_TENSOR_WEIGHT)
		FAIL("'%s' in '%s' is not a weight, packed once", g->tensor[op->in[geo->b.input_b].tensor].name, in->b.name);
	uint32_t rows = dr >= 0 ? in->dim_size[dr] : 1, lanes_a = in->dim_size[da], lanes_out = in->dim_size[dj];
	bool fused = fusion_direct(geo, da, dj, dr, d);
	if (!fused && dr >= 0)
		FAIL(ROWS_WHY, rows, rows, g->tensor[op->in[geo->b.input_a].tensor].name);
	if (!fused)
		FAIL("the fused iterators are not one along the values of each element");
	int ra, ro;
	derive_rows(geo, d, rows, &ra, &ro);
	if (d->why[0])
		return;
	bool ranging[IR_MAX_ITERS] = {false}, stepped[IR_MAX_ITERS] = {false};
	classify_axes(geo, d, ranging, stepped);
	if (d->why[0])
		return;
	if (geo->bias >= 0 && geo->bias_on[TZ_G_M])
		FAIL("the bias varies along the output points");
	int la = lane_of_access(g, &op->in[geo->b.input_a], d->lane_a, lanes_a, stepped, op->niters);
	int lo = lane_of_access(g, &op->out, d->lane_out, lanes_out, stepped, op->niters);
	if (la < 0 || lo < 0)
		FAIL("'%s' or '%s' is not a whole dimension of elements", op->iter[d->lane_a].name,
		     op->iter[d->lane_out].name);
	uint32_t group = rows > 1 ? 1 : a_group(geo, d, la, stepped);
	tz_layout_init_rows(&d->a, g, op->in[geo->b.input_a].tensor, la, lanes_a, ra, rows, in->a.dtype);
	if (group > 1)
		tz_layout_init(&d->a, g, op->in[geo->b.input_a].tensor, la, lanes_a, group, in->a.dtype);
	tz_layout_init_rows(&d->out, g, op->out.tensor, lo, lanes_out, ro, rows, ob->dtype);
	derive_a(geo, d, ranging, stepped);
	if (d->why[0] && group > 1) { /* the grouped layout's padding is wider: read it as packed for this op */
		d->why[0] = 0;
		tz_layout_init(&d->a, g, op->in[geo->b.input_a].tensor, la, lanes_a, 1, in->a.dtype);
		derive_a(geo, d, ranging, stepped);
	}
	if (!d->why[0])
		derive_out(geo, d);
	/* fewer channels than lanes lie packed in DRAM, moved by narrow transfers */
	tz_layout_narrow(&d->a, g, tz_narrow_values(hw, in->a.level));
	tz_layout_narrow(&d->out, g, tz_narrow_values(hw, hw->role_level[HW_ROLE_OUTPUT]));
	d->ok = !d->why[0];
}

/* ---- direct mappings ---- */

int64_t tz_direct_box_extent(const struct tz_geometry *geo, int dd, int64_t r, int64_t c)
{
	const struct tz_direct *d = &geo->dir;
	if (dd < 0)
		return 1;
	const struct ir_op *op = &geo->g->op[geo->op];
	const struct ir_affine *ix = &op->in[geo->b.input_a].index[dd];
	int64_t span = ix->coef[d->box_col] * (c - 1) + (d->box_row >= 0 ? ix->coef[d->box_row] * (r - 1) : 0);
	for (int i = 0; i < d->nwin; i++)
		span += ix->coef[d->win[i]] * (op->iter[d->win[i]].extent - 1);
	return span / d->a_step[dd] + 1;
}

void tz_direct_block(const struct tz_geometry *geo, const struct tz_mapping *m, struct tz_direct_block *b)
{
	const struct tz_direct *d = &geo->dir;
	memset(b, 0, sizeof *b);
	if (m->box_rows > 0) { /* rows of a part of each row */
		b->box_rows = m->box_rows, b->box_cols = m->bm / m->box_rows;
		b->col_blocks = tz_blocks(d->cols, b->box_cols), b->row_blocks = tz_blocks(d->rows, b->box_rows);
	} else if (m->bm <= d->cols) {
		b->box_cols = m->bm, b->box_rows = 1;
		b->col_blocks = tz_blocks(d->cols, m->bm), b->row_blocks = d->rows;
	} else {
		b->box_cols = d->cols, b->box_rows = m->bm / d->cols;
		b->col_blocks = 1, b->row_blocks = tz_blocks(d->rows, b->box_rows);
	}
	b->stepped = geo->count[TZ_G_M] / (d->rows * d->cols);
	b->share = m->share > 1 ? m->share : 1, b->groups = tz_blocks(b->row_blocks, b->share);
	int64_t group_rows = b->share * b->box_rows < d->rows ? b->share * b->box_rows : d->rows;
	b->a_rows = tz_direct_box_extent(geo, d->a_row, group_rows, b->box_cols);
	b->a_cols = tz_direct_box_extent(geo, d->a_col, b->box_rows, b->box_cols);
	b->kt = geo->count[TZ_G_K] / d->win_points;
	/* a grouped layout's box holds the group's lane tiles innermost: [chunk][row][column][lane tile] */
	b->chunks = tz_blocks(m->bk, d->a.group);
	b->box = (uint64_t)(b->a_rows * b->a_cols) * d->a.group;
	b->slot_a = (uint64_t)b->chunks * b->box;
	b->slot_b = (uint64_t)(m->bn * m->bk * d->win_points) * geo->eb;
	b->bias_off = (uint64_t)(m->bn * m->bm);
	b->slot_acc = b->bias_off + (geo->bias >= 0 ? (uint64_t)m->bn : 0);
	b->uops = (uint64_t)(m->ring_a * b->share * m->ring_b * m->ring_acc) * (uint64_t)(d->win_points * m->bk * m->bn) +
		  2 * (uint64_t)m->ring_acc;
	b->bias_resident = 0, b->beat = TZ_BEAT_NONE;
	if (geo->bias < 0 || (geo->bias_on[TZ_G_BATCH] && geo->bias_on[TZ_G_N]))
		return;
	/* the beat's kernels instead of the bias's */
	if ((b->beat = tz_beat_fits(geo, m, b->slot_a, b->slot_b, b->uops - (uint64_t)m->ring_acc)) != TZ_BEAT_NONE) {
		b->slot_acc = b->bias_off;
		b->uops += tz_beat_uops(geo, m, (enum tz_beat)b->beat) - (uint64_t)m->ring_acc;
		return;
	}
	/* the whole bias once, after the buffers, where it fits: a kernel per
	 * block of output tiles adds its part, or, where the bias varies along
	 * the batch group alone (a diagonal binding's channel tiles), a kernel
	 * per batch index */
	const struct hw *hw = geo->hw;
	bool batch = geo->bias_on[TZ_G_BATCH];
	int64_t tiles = tz_bias_count(geo, batch ? TZ_G_BATCH : TZ_G_N), kernels = batch ? tiles : tz_blocks(tiles, m->bn);
	uint64_t uops = b->uops + (uint64_t)(m->ring_acc * (kernels - 1));
	if ((uint64_t)m->ring_acc * b->bias_off + (uint64_t)tiles <= hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].depth &&
	    uops + 64 <= hw->level[hw->role_level[HW_ROLE_UOP]].depth)
		b->bias_resident = tiles, b->slot_acc = b->bias_off, b->uops = uops;
}

int64_t tz_direct_mblocks(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	struct tz_direct_block b;
	tz_direct_block(geo, m, &b);
	return b.stepped * b.row_blocks * b.col_blocks;
}

static bool divides(int64_t d, int64_t n)
{
	return d >= 1 && d <= n && n % d == 0;
}

/* Whether a block of bk lane tiles loads whole groups of a's layout (the
 * micro-op kernel is the same for every block). */
static bool whole_groups(const struct tz_direct *d, int64_t bk, int64_t kt)
{
	return bk % d->a.group == 0 || bk == kt;
}

/* Blocks sharing a box: whole rows of the box's columns (a column block
 * between them would need its own), blocks of all the lane tiles (a box
 * per reduction block would leave the buffers between them), and rows
 * that read rows of the input. */
static int check_share(const struct tz_geometry *geo, const struct tz_mapping *m, int64_t kt, char *why)
{
	const struct tz_direct *d = &geo->dir;
	if (m->share < 0 || (m->share > 1 && (m->box_rows || m->bm % d->cols || m->bk != kt || d->box_row < 0 ||
					       d->a_row < 0 || m->share > tz_blocks(d->rows, m->bm / d->cols)))) {
		snprintf(why, 256,
			 "share=%lld: blocks share a box only as whole rows of the %lld columns, 2 to %lld of them, with all "
			 "%lld lane tiles (bk)",
			 (long long)m->share, (long long)d->cols, (long long)tz_blocks(d->rows, m->bm < d->cols ? 1 : m->bm / d->cols),
			 (long long)kt);
		return -1;
	}
	return 0;
}

bool tz_direct_share_useful(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	const struct hw_level *acc = &geo->hw->level[geo->hw->role_level[HW_ROLE_ACCUMULATOR]];
	uint64_t twice = (uint64_t)(2 * m->bm * m->bn) + (geo->bias >= 0 ? (uint64_t)m->bn : 0);
	return m->share <= 1 || (uint64_t)m->ring_acc * twice > acc->depth;
}

/* 0, or -1 with why: a value of the mapping that the direct form cannot lower. */
static int check_shape(const struct tz_geometry *geo, const struct tz_mapping *m, char *why)
{
	const struct tz_direct *d = &geo->dir;
	int64_t kt = geo->count[TZ_G_K] / d->win_points;
	if (m->box_rows && (m->box_rows < 2 || m->box_rows > d->rows || m->bm < m->box_rows || m->bm % m->box_rows ||
			    !divides(m->bm / m->box_rows, d->cols) || m->bm / m->box_rows == d->cols)) {
		snprintf(why, 256, "box_rows=%lld with bm=%lld is not 2 to %lld rows of a divisor of the %lld columns below them",
			 (long long)m->box_rows, (long long)m->bm, (long long)d->rows, (long long)d->cols);
		return -1;
	}
	if (!m->box_rows && !(m->bm >= 1 && m->bm <= d->cols) &&
	    !(m->bm % d->cols == 0 && m->bm / d->cols >= 1 && m->bm / d->cols <= d->rows)) {
		snprintf(why, 256, "bm=%lld is neither a part of the %lld columns nor whole rows of them (at most %lld)",
			 (long long)m->bm, (long long)d->cols, (long long)d->rows);
		return -1;
	}
	if (!divides(m->bn, geo->count[TZ_G_N]) || !divides(m->bk, kt)) {
		snprintf(why, 256, "bn=%lld and bk=%lld must divide the %lld output tiles and %lld lane tiles",
			 (long long)m->bn, (long long)m->bk, (long long)geo->count[TZ_G_N], (long long)kt);
		return -1;
	}
	if (!whole_groups(d, m->bk, kt)) {
		snprintf(why, 256, "bk=%lld is neither a multiple of the %u lane tiles stored together in '%s' nor all %lld",
			 (long long)m->bk, d->a.group, geo->g->tensor[d->a.tensor].name, (long long)kt);
		return -1;
	}
	if (m->keep_a || m->keep_b || m->panel) {
		snprintf(why, 256, "the direct form keeps nothing in a shared level");
		return -1;
	}
	return check_share(geo, m, kt, why);
}

/* The zeros (in elements) after the input box of a row's last block where
 * it is shorter than the others (a block of part of one row): the columns
 * it does not read, so that its rows keep the slot's width
 * (compiler/lower_direct.c), and the padding past the tensor's edge; 0
 * when every block is as wide or the columns are strided. */
static int64_t short_box_pad(const struct tz_geometry *geo, const struct tz_direct_block *b)
{
	const struct tz_direct *d = &geo->dir;
	int64_t short_cols = d->cols % b->box_cols;
	if (b->box_rows != 1 || !short_cols || d->a_step[d->a_col] != 1)
		return 0;
	const struct ir_op *op = &geo->g->op[geo->op];
	int64_t lo, hi, shape = geo->g->tensor[op->in[geo->b.input_a].tensor].shape[d->a_col];
	index_range(op, &op->in[geo->b.input_a].index[d->a_col], &lo, &hi);
	int64_t after = hi >= shape ? hi - shape + 1 : 0;
	return (after + b->a_cols - tz_direct_box_extent(geo, d->a_col, 1, short_cols)) * d->a.group;
}

static int check_limit(uint64_t v, uint64_t max, const char *what, const char *field, char *why)
{
	if (v <= max)
		return 0;
	snprintf(why, 256, "%s (%llu) is more than %s (%llu)", what, (unsigned long long)v, field, (unsigned long long)max);
	return -1;
}

int tz_direct_check(const struct tz_geometry *geo, const struct tz_mapping *m, char why[256])
{
	const struct hw *hw = geo->hw;
	const struct tz_direct *d = &geo->dir;
	if (!d->ok) {
		snprintf(why, 256, "no direct form: %.230s", d->why);
		return -1;
	}
	if (check_shape(geo, m, why))
		return -1;
	struct tz_direct_block b;
	tz_direct_block(geo, m, &b);
	const struct hw_intrinsic *in = &hw->intrinsic[geo->b.intrinsic];
	/* in the DMA's units: elements, or a narrow layout's values */
	uint64_t row_stride = d->a_row >= 0 ? (uint64_t)(d->a_step[d->a_row] * d->a.stride[d->a_row]) * tz_layout_dma_step(&d->a) : 0;
	uint64_t out_stride = d->out_row >= 0 ? (uint64_t)d->out.stride[d->out_row] * tz_layout_dma_step(&d->out) : 0;
	const struct hw_level *la = &hw->level[in->a.level], *lb = &hw->level[in->b.level],
			      *lacc = &hw->level[in->out.level], *lu = &hw->level[hw->role_level[HW_ROLE_UOP]];
	return check_limit((uint64_t)m->ring_a * b.slot_a, la->depth, "the input boxes' elements", la->name, why) ||
	       check_limit((uint64_t)m->ring_b * b.slot_b, lb->depth, "the B blocks' elements", lb->name, why) ||
	       check_limit((uint64_t)m->ring_acc * b.slot_acc + (uint64_t)b.bias_resident, lacc->depth,
			   "the output blocks' elements", lacc->name, why) ||
	       check_limit(b.uops + 64, lu->depth, "the micro-op kernels", lu->name, why) ||
	       check_limit((uint64_t)(b.box_rows > b.box_cols ? b.box_rows : b.box_cols), hw->isa.max_loop_extent,
			   "a box side", "isa.max_loop_extent", why) ||
	       check_limit((uint64_t)(m->bm > m->bn ? m->bm : m->bn), hw->isa.max_loop_extent, "bm or bn",
			   "isa.max_loop_extent", why) ||
	       check_limit((uint64_t)b.a_rows, hw->dma.max_rows, "the input box's rows", "dma.max_rows", why) ||
	       check_limit((uint64_t)b.a_cols * d->a.group, hw->dma.max_cols, "the input box's columns", "dma.max_cols",
			   why) ||
	       check_limit(row_stride, hw->dma.max_stride, "the input's row stride", "dma.max_stride", why) ||
	       check_limit(out_stride, hw->dma.max_stride, "the output's row stride", "dma.max_stride", why) ||
	       check_limit((uint64_t)b.box_cols, hw->dma.max_cols, "the output box's columns", "dma.max_cols", why) ||
	       check_limit((uint64_t)b.box_rows, hw->dma.max_rows, "the output box's rows", "dma.max_rows", why) ||
	       check_limit((uint64_t)short_box_pad(geo, &b), hw->dma.max_pad,
			   "the zeros past the input box of a row's last, shorter block", "dma.max_pad", why) ||
	       tz_shared_check(geo, m, why) /* in every shared level the boxes pass through */
		       ? -1
		       : 0;
}


/* Divisors of n, smallest first: all of them, or the 20 smallest and the
 * 20 largest. */
static int divisors(int64_t n, int64_t *out)
{
	int64_t hi[20];
	int k = 0, nh = 0;
	for (int64_t v = 1; v * v <= n; v++)
		if (n % v == 0) {
			if (k < 20)
				out[k++] = v;
			if (v * v != n && nh < 20)
				hi[nh++] = n / v; /* the largest first */
		}
	for (int i = nh - 1; i >= 0; i--)
		out[k++] = hi[i];
	return k;
}

/* Doubled, or all of them once doubling passes them. */
static int64_t next_rows(int64_t r, int64_t rows)
{
	return r < rows && 2 * r > rows ? rows : 2 * r;
}

/* Whole rows r at a time, sharing boxes: 2, 4 and 8 blocks, and all of
 * them (the whole input in one box). */
static int shared_candidates(const struct tz_direct *d, int64_t *bm, int64_t *box_rows, int64_t *share, int n)
{
	for (int64_t r = 1; r <= d->rows && n < TZ_DIRECT_CANDIDATES; r = next_rows(r, d->rows)) {
		int64_t blocks = tz_blocks(d->rows, r), ps[4];
		int np = 0;
		for (int64_t p = 2; p <= 8 && p < blocks; p *= 2)
			ps[np++] = p;
		if (blocks > 1)
			ps[np++] = blocks;
		for (int i = 0; i < np && n < TZ_DIRECT_CANDIDATES; i++)
			bm[n] = r * d->cols, box_rows[n] = 0, share[n++] = ps[i];
	}
	return n;
}

int tz_direct_candidates(const struct tz_geometry *geo, int64_t *bm, int64_t *box_rows, int64_t *share, int *nbm,
			 int64_t *bn, int *nbn, int64_t *bk, int *nbk)
{
	const struct tz_direct *d = &geo->dir;
	if (!d->ok)
		return *nbm = *nbn = *nbk = 0, -1;
	int64_t rows[48], cols[48], parts[48];
	int nc = divisors(d->cols, cols), nr = tz_block_candidates(d->rows, rows), np = tz_block_candidates(d->cols, parts),
	    n = 0;
	for (int i = 0; i < nc; i++) /* a part of one row */
		bm[n] = cols[i], box_rows[n++] = 0;
	for (int i = 0; i < np; i++) /* a part of one row, the row's last block shorter */
		if (d->cols % parts[i])
			bm[n] = parts[i], box_rows[n++] = 0;
	for (int i = 0; i < nr; i++) /* whole rows */
		if (rows[i] > 1)
			bm[n] = rows[i] * d->cols, box_rows[n++] = 0;
	/* rows of a part of each row: the widest parts first, rows by powers
	 * of two and all of them */
	for (int i = nc - 2; i >= 0; i--)
		for (int64_t r = 2; r <= d->rows && n < TZ_DIRECT_CANDIDATES; r = next_rows(r, d->rows))
			bm[n] = r * cols[i], box_rows[n++] = r;
	for (int i = 0; i < n; i++)
		share[i] = 0;
	if (d->box_row >= 0 && d->a_row >= 0)
		n = shared_candidates(d, bm, box_rows, share, n);
	*nbm = n;
	*nbn = divisors(geo->count[TZ_G_N], bn);
	int64_t kt = geo->count[TZ_G_K] / d->win_points;
	*nbk = 0;
	int64_t all[48];
	for (int i = 0, n_all = divisors(kt, all); i < n_all; i++)
		if (whole_groups(d, all[i], kt))
			bk[(*nbk)++] = all[i];
	return 0;
}

bool tz_direct_folds_lanes(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	const struct tz_direct *d = &geo->dir;
	struct tz_direct_block b;
	tz_direct_block(geo, m, &b);
	return b.a_rows == 1 && d->a_step[d->a_col] == 1 && !d->lanewise && m->bk > 1 && d->a.group == 1 && !d->a.tail &&
	       (uint64_t)d->a.stride[d->a.lane_dim] <= geo->hw->dma.max_stride && (uint64_t)m->bk <= geo->hw->dma.max_rows;
}

bool tz_direct_folds_outputs(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	const struct tz_direct *d = &geo->dir;
	struct tz_direct_block b;
	tz_direct_block(geo, m, &b);
	return b.box_rows == 1 && b.box_cols == m->bm && !d->lanewise && m->bn > 1 && !d->out.tail &&
	       (uint64_t)d->out.stride[d->out.lane_dim] <= geo->hw->dma.max_stride && (uint64_t)m->bn <= geo->hw->dma.max_rows;
}
