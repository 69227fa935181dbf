/* Phase splitting (space to depth): a strided window over an operand whose
 * channels fill little of what is read per position becomes a unit-stride
 * window over an operand with the stride's phases folded into its
 * channels.  Read off the op's affine accesses, not its kind: any
 * dimension indexed s·x + k + c (s > 1, the window k also indexing one
 * dimension of the weight) splits, so conv1d, asymmetric strides and
 * batches follow without their own code. */
#include "ir.h"

#include <string.h>

static int iters_used(const struct ir_affine *a, int niters, int *only)
{
	int n = 0;
	for (int i = 0; i < niters; i++)
		if (a->coef[i])
			n++, *only = i;
	return n;
}

/* The one dimension of access x indexed by iterator it, or -1 (also when it
 * shares a dimension or is not there alone with coefficient 1 and no offset). */
static int alone_in(const struct ir_access *x, int rank, int niters, int it)
{
	int dim = -1;
	for (int d = 0; d < rank; d++) {
		if (!x->index[d].coef[it])
			continue;
		int only;
		if (dim >= 0 || iters_used(&x->index[d], niters, &only) != 1 || x->index[d].coef[it] != 1 ||
		    x->index[d].offset)
			return -1;
		dim = d;
	}
	return dim;
}

/* a's channel dimension: its last, indexed by one reduction iterator alone
 * that also indexes one dimension of b alone (or the constant 0 of a single
 * channel, as b's last dimension). */
static bool find_lane(const struct ir_graph *g, const struct ir_op *o, struct ir_phase_split *ps)
{
	const struct ir_access *a = &o->in[ps->a], *b = &o->in[ps->b];
	const struct ir_tensor *ta = &g->tensor[a->tensor], *tb = &g->tensor[b->tensor];
	int lane = ta->rank - 1, it;
	int used = iters_used(&a->index[lane], o->niters, &it);
	ps->lane = lane;
	if (used == 0) {
		int bit;
		if (ta->shape[lane] != 1 || a->index[lane].offset || iters_used(&b->index[tb->rank - 1], o->niters, &bit) ||
		    b->index[tb->rank - 1].offset || tb->shape[tb->rank - 1] != 1 || o->niters == IR_MAX_ITERS)
			return false;
		ps->lane_iter = -1, ps->b_lane = tb->rank - 1, ps->channels = 1;
		return true;
	}
	if (used != 1 || !o->iter[it].reduction || alone_in(a, ta->rank, o->niters, it) != lane ||
	    o->iter[it].extent != ta->shape[lane])
		return false;
	ps->lane_iter = it;
	ps->b_lane = alone_in(b, tb->rank, o->niters, it);
	ps->channels = ta->shape[lane];
	return ps->b_lane >= 0 && tb->shape[ps->b_lane] == ps->channels;
}

/* Dimension d of a as s·x + k + c: x spatial, k a reduction iterator with
 * coefficient 1 found nowhere else in a and alone in one dimension of b. */
static bool find_split(const struct ir_graph *g, const struct ir_op *o, const struct ir_phase_split *ps, int d,
		       struct ir_phase_dim *sd)
{
	const struct ir_access *a = &o->in[ps->a], *b = &o->in[ps->b];
	const struct ir_affine *ix = &a->index[d];
	int x = -1, k = -1;
	for (int i = 0; i < o->niters; i++) {
		if (!ix->coef[i])
			continue;
		if (o->iter[i].reduction && ix->coef[i] == 1 && k < 0)
			k = i;
		else if (!o->iter[i].reduction && ix->coef[i] > 1 && x < 0)
			x = i;
		else
			return false;
	}
	if (x < 0 || k < 0 || k == ps->lane_iter || ir_access_uses_elsewhere(a, g->tensor[a->tensor].rank, d, k) ||
	    ir_access_uses_elsewhere(a, g->tensor[a->tensor].rank, d, x))
		return false;
	int bd = alone_in(b, g->tensor[b->tensor].rank, o->niters, k);
	if (bd < 0 || g->tensor[b->tensor].shape[bd] != o->iter[k].extent || o->iter[k].extent < ix->coef[x])
		return false;
	*sd = (struct ir_phase_dim){.dim = d, .x = x, .k = k, .b_dim = bd, .stride = ix->coef[x],
				    .window = o->iter[k].extent, .offset = ix->offset};
	return true;
}

bool ir_phase_split_find(const struct ir_graph *g, int op, struct ir_phase_split *ps)
{
	const struct ir_op *o = &g->op[op];
	memset(ps, 0, sizeof *ps);
	ps->op = op;
	if (o->nin != 2 || o->combine != IR_COMBINE_MUL || o->reduce != IR_REDUCE_SUM)
		return false;
	for (ps->a = 0; ps->a < 2; ps->a++) {
		ps->b = 1 - ps->a;
		const struct ir_tensor *ta = &g->tensor[o->in[ps->a].tensor], *tb = &g->tensor[o->in[ps->b].tensor];
		if (tb->kind != IR_TENSOR_WEIGHT || ta->kind == IR_TENSOR_WEIGHT || !find_lane(g, o, ps))
			continue;
		ps->nsplit = 0, ps->phases = 1;
		for (int d = 0; d < ta->rank - 1; d++)
			if (find_split(g, o, ps, d, &ps->split[ps->nsplit]))
				ps->phases *= ps->split[ps->nsplit++].stride;
		if (ps->nsplit && ps->channels * ps->phases <= (int64_t)1 << 20)
			return true;
	}
	return false;
}

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* What the split makes of dimension d: its window's positions and the
 * split operand's extent along it. */
static int64_t split_window(const struct ir_phase_dim *sd) { return ceil_div(sd->window, sd->stride); }

static int64_t split_extent(const struct ir_op *o, const struct ir_phase_dim *sd)
{
	return o->iter[sd->x].extent + split_window(sd) - 1;
}

void ir_phase_split_shapes(const struct ir_graph *g, const struct ir_phase_split *ps, int64_t *a_shape,
			   int64_t *b_shape)
{
	const struct ir_op *o = &g->op[ps->op];
	const struct ir_tensor *ta = &g->tensor[o->in[ps->a].tensor], *tb = &g->tensor[o->in[ps->b].tensor];
	memcpy(a_shape, ta->shape, (size_t)ta->rank * sizeof *a_shape);
	memcpy(b_shape, tb->shape, (size_t)tb->rank * sizeof *b_shape);
	for (int s = 0; s < ps->nsplit; s++) {
		a_shape[ps->split[s].dim] = split_extent(o, &ps->split[s]);
		b_shape[ps->split[s].b_dim] = split_window(&ps->split[s]);
	}
	a_shape[ps->lane] = b_shape[ps->b_lane] = ps->channels * ps->phases;
}

/* The layout op: a'[.., h', .., (p_1·s_2 + p_2)·C + c] = a[.., s·h' + p + off, .., c]. */
static void layout_op(const struct ir_graph *g, const struct ir_phase_split *ps, const char *name, struct ir_op *l)
{
	const struct ir_op *o = &g->op[ps->op];
	const struct ir_tensor *ta = &g->tensor[o->in[ps->a].tensor];
	memset(l, 0, sizeof *l);
	snprintf(l->name, sizeof l->name, "%s", name);
	snprintf(l->kind, sizeof l->kind, "phases");
	l->nin = 1;
	l->in[0].tensor = o->in[ps->a].tensor;
	l->reduce = IR_REDUCE_ASSIGN;
	l->combine = IR_COMBINE_COPY;
	l->acc = dtype_float(ta->dtype) ? DT_FP32 : DT_INT32;
	int64_t a2[IR_MAX_RANK], b2[IR_MAX_RANK];
	ir_phase_split_shapes(g, ps, a2, b2);
	for (int d = 0; d < ta->rank; d++) {
		if (d == ps->lane)
			continue;
		int it = l->niters++;
		snprintf(l->iter[it].name, sizeof l->iter[it].name, "d%d", d);
		l->iter[it].extent = a2[d];
		l->out.index[d].coef[it] = 1;
		l->in[0].index[d].coef[it] = 1;
	}
	int64_t scale = ps->channels;
	for (int s = ps->nsplit - 1; s >= 0; s--) { /* the last split's phase varies fastest */
		const struct ir_phase_dim *sd = &ps->split[s];
		int it = l->niters++;
		snprintf(l->iter[it].name, sizeof l->iter[it].name, "p%d", sd->dim);
		l->iter[it].extent = sd->stride;
		l->out.index[ps->lane].coef[it] = scale;
		scale *= sd->stride;
		int h = sd->dim; /* the iterator made above for the dimension: the lane is the last */
		l->in[0].index[sd->dim].coef[h] = sd->stride;
		l->in[0].index[sd->dim].coef[it] = 1;
		l->in[0].index[sd->dim].offset = sd->offset;
	}
	int c = l->niters++;
	snprintf(l->iter[c].name, sizeof l->iter[c].name, "c");
	l->iter[c].extent = ps->channels;
	l->out.index[ps->lane].coef[c] = 1;
	if (ps->lane_iter >= 0)
		l->in[0].index[ps->lane].coef[c] = 1;
}

/* The op reads a' and b' with unit-stride windows of ceil(K/s) positions. */
static void split_op(const struct ir_phase_split *ps, int a2, int b2, struct ir_op *o)
{
	o->macs = ir_op_macs(o);
	int lane = ps->lane_iter;
	if (lane < 0) {
		lane = o->niters++;
		snprintf(o->iter[lane].name, sizeof o->iter[lane].name, "i");
		o->iter[lane].reduction = true;
	}
	o->iter[lane].extent = ps->channels * ps->phases;
	for (int s = 0; s < ps->nsplit; s++) {
		const struct ir_phase_dim *sd = &ps->split[s];
		o->iter[sd->k].extent = split_window(sd);
		struct ir_affine *ix = &o->in[ps->a].index[sd->dim];
		memset(ix, 0, sizeof *ix);
		ix->coef[sd->x] = 1, ix->coef[sd->k] = 1;
	}
	memset(&o->in[ps->a].index[ps->lane], 0, sizeof o->in[ps->a].index[ps->lane]);
	memset(&o->in[ps->b].index[ps->b_lane], 0, sizeof o->in[ps->b].index[ps->b_lane]);
	o->in[ps->a].index[ps->lane].coef[lane] = 1;
	o->in[ps->b].index[ps->b_lane].coef[lane] = 1;
	o->in[ps->a].tensor = a2;
	o->in[ps->b].tensor = b2;
}

int ir_phase_split_apply(struct ir_graph *g, const struct ir_phase_split *ps, const char *a_name, const char *b_name,
			 struct diags *err)
{
	const struct ir_op *o = &g->op[ps->op];
	const struct ir_tensor *ta = &g->tensor[o->in[ps->a].tensor], *tb = &g->tensor[o->in[ps->b].tensor];
	int64_t a2[IR_MAX_RANK], b2[IR_MAX_RANK];
	ir_phase_split_shapes(g, ps, a2, b2);
	int bt = ir_add_tensor(g, b_name, IR_TENSOR_WEIGHT, tb->dtype, tb->rank, b2, tb->layout, err);
	if (bt < 0)
		return -1;
	ta = &g->tensor[g->op[ps->op].in[ps->a].tensor];
	struct ir_op l;
	layout_op(g, ps, a_name, &l);
	char layout[IR_MAX_RANK + 1];
	snprintf(layout, sizeof layout, "%s", ta->layout);
	if (ir_add_op(g, &l, a_name, ta->dtype, ta->rank, a2, err) < 0)
		return -1;
	int at = g->op[g->nops - 1].out.tensor;
	memcpy(g->tensor[at].layout, layout, sizeof layout);
	ir_move_last_op(g, ps->op);
	split_op(ps, at, bt, &g->op[ps->op + 1]);
	g->tensor[at].kind = IR_TENSOR_INTERMEDIATE;
	return ps->op;
}

int64_t ir_phase_split_source(const struct ir_phase_split *ps, const struct ir_tensor *b, const struct ir_tensor *b2,
			      int64_t i)
{
	int64_t idx[IR_MAX_RANK];
	for (int d = b2->rank - 1; d >= 0; d--)
		idx[d] = i % b2->shape[d], i /= b2->shape[d];
	int64_t c = idx[ps->b_lane] % ps->channels, phase = idx[ps->b_lane] / ps->channels;
	idx[ps->b_lane] = c;
	for (int s = ps->nsplit - 1; s >= 0; s--) {
		const struct ir_phase_dim *sd = &ps->split[s];
		int64_t k = idx[sd->b_dim] * sd->stride + phase % sd->stride;
		phase /= sd->stride;
		if (k >= sd->window)
			return -1;
		idx[sd->b_dim] = k;
	}
	int64_t at = 0;
	for (int d = 0; d < b->rank; d++)
		at = at * b->shape[d] + idx[d];
	return at;
}
