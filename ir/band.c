/* Band splitting: a window sliding one position at a time over an operand
 * whose scratchpad elements hold R rows would need its rows shifted inside
 * an element, which a DMA moving whole elements cannot do.  Cutting the
 * output's spatial extent E into R bands of Q = ceil(E / R) points, point
 * r·Q + c, and laying the input out so that an element's R rows are the R
 * bands' rows at the same c, turns every window shift into a whole-element
 * shift.  Read off the op's affine accesses, like ir/phase.c: any
 * dimension indexed s·x + (window) + offset bands, so conv1d, strides,
 * dilation, depthwise and batches need no code of their own. */
#include "ir.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"

/* ir_add_tensor's bounds: 2^31 per dimension, 2^40 elements in all; the
 * banded input, copied on the host, holds at most 2^31 elements. */
#define DIM_MAX ((int64_t)1 << 31)
#define ELEMS_MAX ((int64_t)1 << 40)

/* The iterator indexing x alone with coefficient 1 and no offset, or -1. */
static int alone(const struct ir_op *o, const struct ir_affine *x)
{
	int it = -1;
	if (x->offset)
		return -1;
	for (int i = 0; i < o->niters; i++) {
		if (!x->coef[i])
			continue;
		if (it >= 0 || x->coef[i] != 1)
			return -1;
		it = i;
	}
	return it;
}

/* A bias is read along its output dimension: one along od would need its
 * values banded too. */
static bool bias_along(const struct ir_op *o, int dim)
{
	for (int e = 0; e < o->nepilogues; e++)
		if (o->epilogue[e].kind == IR_EP_BIAS && o->epilogue[e].dim == dim)
			return true;
	return false;
}

/* Where x is in a: one dimension (not the channels) indexed s·x plus a
 * window of reduction iterators with positive coefficients and any offset
 * (padding).  Bounded so that the banded extent cannot overflow. */
static bool find_window(const struct ir_graph *g, const struct ir_op *o, struct ir_band_split *bs)
{
	const struct ir_access *a = &o->in[bs->a];
	int rank = g->tensor[a->tensor].rank;
	bs->a_dim = -1;
	for (int d = 0; d < rank; d++)
		if (a->index[d].coef[bs->x]) {
			if (bs->a_dim >= 0)
				return false;
			bs->a_dim = d;
		}
	if (bs->a_dim < 0 || bs->a_dim == rank - 1)
		return false;
	const struct ir_affine *ix = &a->index[bs->a_dim];
	bs->stride = ix->coef[bs->x], bs->offset = ix->offset, bs->span = 0;
	if (bs->stride < 1 || bs->stride > DIM_MAX)
		return false;
	for (int i = 0; i < o->niters; i++) {
		if (i == bs->x || !ix->coef[i])
			continue;
		if (!o->iter[i].reduction || ix->coef[i] < 0 || ix->coef[i] > DIM_MAX || o->iter[i].extent > DIM_MAX)
			return false;
		bs->span += ix->coef[i] * (o->iter[i].extent - 1);
		if (bs->span > DIM_MAX)
			return false;
	}
	return true;
}

/* Elements of a shape, or -1 when a dimension or the whole passes the
 * bounds above. */
static int64_t elems(const int64_t *shape, int rank)
{
	int64_t n = 1;
	for (int d = 0; d < rank; d++) {
		if (shape[d] < 1 || shape[d] > DIM_MAX || n > ELEMS_MAX / shape[d])
			return -1;
		n *= shape[d];
	}
	return n;
}

/* A shape with `extent` at dimension dim and `rows` inserted before the
 * last dimension; rank + 1 dimensions. */
static void with_rows(const int64_t *shape, int rank, int dim, int64_t extent, int64_t rows, int64_t *out)
{
	memcpy(out, shape, (size_t)rank * sizeof *out);
	out[dim] = extent;
	out[rank] = out[rank - 1];
	out[rank - 1] = rows;
}

/* The banded input XB, the banded output YB and the wide output W (the
 * output with dimension od q·R long). */
static void band_shapes(const struct ir_graph *g, const struct ir_band_split *bs, int64_t *xb, int64_t *yb,
			int64_t *w)
{
	const struct ir_op *o = &g->op[bs->op];
	const struct ir_tensor *ta = &g->tensor[o->in[bs->a].tensor], *ty = &g->tensor[o->out.tensor];
	with_rows(ta->shape, ta->rank, bs->a_dim, bs->stride * (bs->q - 1) + bs->span + 1, bs->rows, xb);
	with_rows(ty->shape, ty->rank, bs->out_dim, bs->q, bs->rows, yb);
	memcpy(w, ty->shape, (size_t)ty->rank * sizeof *w);
	w[bs->out_dim] = bs->q * bs->rows;
}

/* Output dimension bs->out_dim as a band: x alone there and nowhere else
 * in the output or the weight, its window in a, the tensors within bounds. */
static bool band_fits(const struct ir_graph *g, const struct ir_op *o, struct ir_band_split *bs)
{
	const struct ir_tensor *ta = &g->tensor[o->in[bs->a].tensor], *ty = &g->tensor[o->out.tensor];
	bs->x = alone(o, &o->out.index[bs->out_dim]);
	if (bs->x < 0 || o->iter[bs->x].reduction || o->iter[bs->x].extent < 2 ||
	    o->iter[bs->x].extent != ty->shape[bs->out_dim] || ir_access_uses_elsewhere(&o->out, ty->rank, bs->out_dim, bs->x) ||
	    (bs->b >= 0 && ir_access_uses_elsewhere(&o->in[bs->b], g->tensor[o->in[bs->b].tensor].rank, -1, bs->x)) ||
	    bias_along(o, bs->out_dim) || !find_window(g, o, bs))
		return false;
	bs->extent = o->iter[bs->x].extent;
	/* a max over a window wholly in the padding is the empty max (the
	 * accumulator's start, cast); in bands it would be the padding's lowest
	 * value, which only stands for nothing beside a value of the input */
	if (o->reduce == IR_REDUCE_MAX &&
	    (bs->offset + bs->span < 0 || bs->stride * (bs->extent - 1) + bs->offset >= ta->shape[bs->a_dim]))
		return false;
	bs->q = (bs->extent + bs->rows - 1) / bs->rows;
	int64_t xb[IR_MAX_RANK], yb[IR_MAX_RANK], w[IR_MAX_RANK];
	band_shapes(g, bs, xb, yb, w);
	int64_t n = elems(xb, ta->rank + 1);
	return n >= 0 && n <= DIM_MAX && elems(yb, ty->rank + 1) >= 0 && elems(w, ty->rank) >= 0;
}

/* A sum of products of an input and a weight, or a max over one input (a
 * max pool): the ones a band split serves. */
static bool bandable(const struct ir_op *o)
{
	return (o->nin == 2 && o->combine == IR_COMBINE_MUL && o->reduce == IR_REDUCE_SUM) ||
	       (o->nin == 1 && o->combine == IR_COMBINE_COPY && o->reduce == IR_REDUCE_MAX);
}

bool ir_band_split_find(const struct ir_graph *g, int op, int rows, struct ir_band_split *bs)
{
	const struct ir_op *o = &g->op[op];
	memset(bs, 0, sizeof *bs);
	bs->op = op, bs->rows = rows;
	const struct ir_tensor *ty = &g->tensor[o->out.tensor];
	if (rows < 2 || !bandable(o) || o->niters >= IR_MAX_ITERS || ty->rank >= IR_MAX_RANK)
		return false;
	for (bs->a = 0; bs->a < o->nin; bs->a++) {
		bs->b = o->nin == 2 ? 1 - bs->a : -1;
		const struct ir_tensor *ta = &g->tensor[o->in[bs->a].tensor];
		if ((bs->b >= 0 && g->tensor[o->in[bs->b].tensor].kind != IR_TENSOR_WEIGHT) || ta->kind == IR_TENSOR_WEIGHT ||
		    ta->rank >= IR_MAX_RANK)
			continue;
		/* the innermost, where neighbouring points would share an element,
		 * of those at least two points a band; else the longest */
		int best = -1;
		int64_t longest = 0;
		for (bs->out_dim = ty->rank - 2; bs->out_dim >= 0; bs->out_dim--) {
			if (!band_fits(g, o, bs))
				continue;
			if (bs->extent >= 2 * (int64_t)rows)
				return true;
			if (bs->extent > longest)
				best = bs->out_dim, longest = bs->extent;
		}
		if (best >= 0) {
			bs->out_dim = best;
			return band_fits(g, o, bs);
		}
	}
	return false;
}

/* ---- the rewrite ---- */

/* A layout with 'R' for the rows before its last letter; an empty (or
 * malformed) one stays empty. */
static void layout_rows(const char *layout, int rank, char *out)
{
	out[0] = 0;
	if ((int)strlen(layout) != rank)
		return;
	memcpy(out, layout, (size_t)rank - 1);
	out[rank - 1] = 'R';
	out[rank] = layout[rank - 1];
	out[rank + 1] = 0;
}

/* A copy op of `rank` iterators, iterator d running over dimension d of
 * the shape; the caller fills its accesses. */
static void copy_op(const char *name, const int64_t *shape, int rank, enum dtype dt, struct ir_op *l)
{
	memset(l, 0, sizeof *l);
	snprintf(l->name, sizeof l->name, "%s", name);
	snprintf(l->kind, sizeof l->kind, "bands");
	l->nin = 1;
	l->reduce = IR_REDUCE_ASSIGN;
	l->combine = IR_COMBINE_COPY;
	l->acc = dtype_float(dt) ? DT_FP32 : DT_INT32;
	l->niters = rank;
	for (int d = 0; d < rank; d++) {
		snprintf(l->iter[d].name, sizeof l->iter[d].name, "d%d", d);
		l->iter[d].extent = shape[d];
	}
}

/* Dimension d of an access of rank + 1 over a banded tensor's iterators
 * (copy_op's): its iterator, the rows' (rank - 1) skipped. */
static int banded_iter(int rank, int d) { return d == rank - 1 ? rank : d; }

/* XB[.., c', .., r, ch] = a[.., s·q·r + c' + offset, .., ch]: zero
 * outside a, or for a max pool the lowest value (a max of the one value
 * read, the lowest outside, clipped to a's type so that it stays the
 * lowest there: docs/ir.md), which never wins a window. */
static void bands_op(const struct ir_graph *g, const struct ir_band_split *bs, const char *name, const int64_t *shape,
		     struct ir_op *l)
{
	const struct ir_access *a = &g->op[bs->op].in[bs->a];
	const struct ir_tensor *ta = &g->tensor[a->tensor];
	int rank = ta->rank;
	copy_op(name, shape, rank + 1, ta->dtype, l);
	if (g->op[bs->op].reduce == IR_REDUCE_MAX) {
		l->reduce = IR_REDUCE_MAX;
		if (!dtype_float(ta->dtype)) {
			struct ir_epilogue *e = &l->epilogue[l->nepilogues++];
			e->kind = IR_EP_CLIP;
			dtype_int_range(ta->dtype, &e->lo, &e->hi);
		}
	}
	snprintf(l->iter[rank - 1].name, sizeof l->iter[rank - 1].name, "r");
	l->in[0].tensor = a->tensor;
	for (int d = 0; d <= rank; d++)
		l->out.index[d].coef[d] = 1;
	for (int d = 0; d < rank; d++)
		l->in[0].index[d].coef[banded_iter(rank, d)] = 1;
	l->in[0].index[bs->a_dim].coef[rank - 1] = bs->stride * bs->q;
	l->in[0].index[bs->a_dim].offset = bs->offset;
}

/* Y[.., r·q + c, .., o] = YB[.., c, .., r, o]: over YB, into Y or W. */
static void unbands_op(const struct ir_band_split *bs, const char *name, const int64_t *shape, int rank, enum dtype dt,
		       int yb, struct ir_op *l)
{
	copy_op(name, shape, rank + 1, dt, l);
	snprintf(l->iter[rank - 1].name, sizeof l->iter[rank - 1].name, "r");
	l->in[0].tensor = yb;
	for (int d = 0; d <= rank; d++)
		l->in[0].index[d].coef[d] = 1;
	for (int d = 0; d < rank; d++)
		l->out.index[d].coef[banded_iter(rank, d)] = 1;
	l->out.index[bs->out_dim].coef[rank - 1] = bs->q;
}

/* Y[i] = W[i]: the points of the bands past the extent left out. */
static void slice_op(const char *name, const int64_t *shape, int rank, enum dtype dt, int w, struct ir_op *l)
{
	copy_op(name, shape, rank, dt, l);
	l->in[0].tensor = w;
	for (int d = 0; d < rank; d++)
		l->in[0].index[d].coef[d] = l->out.index[d].coef[d] = 1;
}

/* Iterator `at` made room for, every coefficient after it one later. */
static void insert_iter(struct ir_op *o, int at)
{
	struct ir_access *acc[1 + IR_MAX_INPUTS] = {&o->out, &o->in[0], &o->in[1]};
	memmove(&o->iter[at + 1], &o->iter[at], (size_t)(o->niters - at) * sizeof *o->iter);
	for (int n = 0; n < 1 + o->nin; n++)
		for (int d = 0; d < IR_MAX_RANK; d++) {
			int64_t *c = acc[n]->index[d].coef;
			memmove(&c[at + 1], &c[at], (size_t)(o->niters - at) * sizeof *c);
			c[at] = 0;
		}
	o->niters++;
}

/* A dimension inserted before the last of an access of rank `rank`,
 * indexed by iterator it alone: the rows. */
static void insert_dim(struct ir_access *x, int rank, int it)
{
	x->index[rank] = x->index[rank - 1];
	memset(&x->index[rank - 1], 0, sizeof x->index[rank - 1]);
	x->index[rank - 1].coef[it] = 1;
}

/* The op over the bands: x runs over q points, r over the bands; it reads
 * XB at s·x + window and writes YB.  Its products that count stay those of
 * the op: the points past the extent are padding. */
static void band_op(const struct ir_graph *g, const struct ir_band_split *bs, int xb, int yb, struct ir_op *o)
{
	int ra = g->tensor[o->in[bs->a].tensor].rank, ry = g->tensor[o->out.tensor].rank, r = bs->x + 1;
	o->macs = ir_op_macs(o);
	insert_iter(o, r);
	o->iter[bs->x].extent = bs->q;
	memset(&o->iter[r], 0, sizeof o->iter[r]);
	snprintf(o->iter[r].name, sizeof o->iter[r].name, "r");
	o->iter[r].extent = bs->rows;
	struct ir_access *a = &o->in[bs->a];
	a->index[bs->a_dim].offset = 0;
	insert_dim(a, ra, r);
	a->tensor = xb;
	insert_dim(&o->out, ry, r);
	o->out.tensor = yb;
	for (int e = 0; e < o->nepilogues; e++)
		if (o->epilogue[e].kind == IR_EP_BIAS && o->epilogue[e].dim >= ry - 1)
			o->epilogue[e].dim++;
}

static bool op_named(const struct ir_graph *g, const char *name)
{
	for (int i = 0; i < g->nops; i++)
		if (!strcmp(g->op[i].name, name))
			return true;
	return false;
}

/* Every name the rewrite gives is new and fits, checked before anything
 * changes: tensors t[0 .. nt-1], ops o[0 .. no-1]. */
static bool names_free(const struct ir_graph *g, const char *op, const char *const *t, int nt, const char *const *o,
		       int no, struct diags *err)
{
	for (int i = 0; i < nt + no; i++) {
		const char *s = i < nt ? t[i] : o[i - nt];
		bool taken = i < nt ? ir_tensor_lookup(g, s) >= 0 : op_named(g, s);
		for (int j = i < nt ? 0 : nt; j < i; j++)
			taken |= !strcmp(s, j < nt ? t[j] : o[j - nt]);
		if (!*s || strlen(s) >= IR_NAME_MAX || taken) {
			diag_add(err, NULL, 0, 0, "band split of op '%s': the name '%s' is %s", op, s,
				 !*s ? "empty" : taken ? "taken" : "too long");
			return false;
		}
	}
	return true;
}

/* Room for n more tensors and ops, so that nothing fails half done. */
static int reserve(struct ir_graph *g, int n, struct diags *err)
{
	if (g->ntensors + n > g->tensor_cap) {
		if (try_resize(&g->tensor, (size_t)g->ntensors + n, sizeof *g->tensor))
			return diag_nomem(err, NULL, ((size_t)g->ntensors + n) * sizeof *g->tensor, "the tensors of the graph");
		g->tensor_cap = g->ntensors + n;
	}
	if (g->nops + n > g->op_cap) {
		if (try_resize(&g->op, (size_t)g->nops + n, sizeof *g->op))
			return diag_nomem(err, NULL, ((size_t)g->nops + n) * sizeof *g->op, "the ops of the graph");
		g->op_cap = g->nops + n;
	}
	return 0;
}

/* Op l, appended, writing tensor t, moved to index `to`. */
static void insert_op(struct ir_graph *g, struct ir_op *l, int t, int to)
{
	l->out.tensor = t;
	g->op[g->nops] = *l;
	g->tensor[t].producer = g->nops++;
	ir_move_last_op(g, to);
}

static int add_tensor(struct ir_graph *g, const char *name, const struct ir_tensor *like, int rank,
		      const int64_t *shape, const char *layout, struct diags *err)
{
	int t = ir_add_tensor(g, name, IR_TENSOR_INTERMEDIATE, like->dtype, rank, shape, layout, err);
	if (t >= 0)
		snprintf(g->tensor[t].layout, sizeof g->tensor[t].layout, "%s", layout);
	return t;
}

int ir_band_split_apply(struct ir_graph *g, const struct ir_band_split *bs, const char *a_name, const char *out_name,
			const char *wide_name, struct diags *err)
{
	int at = bs->op + 1, y = g->op[bs->op].out.tensor, nt = g->ntensors;
	bool wide = bs->q * bs->rows > bs->extent;
	char unbands[IR_NAME_MAX];
	snprintf(unbands, sizeof unbands, "%.55s.unbands", g->tensor[y].name);
	const char *tensors[] = {a_name, out_name, wide_name}, *ops[] = {a_name, unbands, wide_name};
	if (!names_free(g, g->op[bs->op].name, tensors, 2 + wide, ops, 2 + wide, err) || reserve(g, 3, err))
		return -1;
	const struct ir_tensor ta = g->tensor[g->op[bs->op].in[bs->a].tensor], ty = g->tensor[y];
	int64_t xs[IR_MAX_RANK], ys[IR_MAX_RANK], ws[IR_MAX_RANK];
	band_shapes(g, bs, xs, ys, ws);
	char xl[IR_MAX_RANK + 1], yl[IR_MAX_RANK + 1];
	layout_rows(ta.layout, ta.rank, xl);
	layout_rows(ty.layout, ty.rank, yl);
	int xb = add_tensor(g, a_name, &ta, ta.rank + 1, xs, xl, err);
	int yb = xb < 0 ? -1 : add_tensor(g, out_name, &ty, ty.rank + 1, ys, yl, err);
	int w = yb < 0 || !wide ? yb : add_tensor(g, wide_name, &ty, ty.rank, ws, ty.layout, err);
	if (w < 0) { /* only for a bs find did not make: its shapes fit */
		g->ntensors = nt;
		return -1;
	}
	struct ir_op l;
	bands_op(g, bs, a_name, xs, &l);
	insert_op(g, &l, xb, bs->op);
	band_op(g, bs, xb, yb, &g->op[at]);
	g->tensor[yb].producer = at;
	unbands_op(bs, wide ? wide_name : unbands, ys, ty.rank, ty.dtype, yb, &l);
	insert_op(g, &l, wide ? w : y, at + 1);
	if (wide) {
		slice_op(unbands, ty.shape, ty.rank, ty.dtype, w, &l);
		insert_op(g, &l, y, at + 2);
	}
	return at;
}
