/* ONNX nodes as IR ops (docs/onnx.md): one converter per op_type, in one
 * table.  Each reads the node's inputs and attributes as the ONNX operator
 * specification defines them, builds the op with the IR's constructors (or
 * as a loop nest of its own: MatMul, broadcasting elementwise ops), and
 * binds the node's output; Conv and the pools are in ir/onnx_windows.c,
 * the nodes that only move data in ir/onnx_moves.c.  Relu and Clip become
 * the epilogue of the op before them when nothing else reads its result. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"
#include "base/alloc.h"
#include "base/value.h"

static struct ir_graph *graph(struct ox *X) { return &X->w->g; }


/* ---- MatMul and Gemm: one loop nest ---- */

int ox_matmul_op(struct ox *X, int a, int b, bool ta, bool tb, const char *out_name, enum dtype out_dtype)
{
	const struct ir_tensor *A = &graph(X)->tensor[a], *B = &graph(X)->tensor[b];
	if (A->rank < 2 || B->rank < 2)
		return ox_node_error(X, "rank-%d and rank-%d operands; at least 2 each supported", A->rank, B->rank);
	int nb = A->rank - 2;
	if (B->rank != 2 && B->rank != A->rank)
		return ox_node_error(X, "operands of ranks %d and %d: the second must be 2-D or have the first's batch dimensions",
				     A->rank, B->rank);
	int64_t M = A->shape[nb + (ta ? 1 : 0)], K = A->shape[nb + (ta ? 0 : 1)];
	int nbb = B->rank - 2;
	int64_t KB = B->shape[nbb + (tb ? 1 : 0)], N = B->shape[nbb + (tb ? 0 : 1)];
	if (K != KB)
		return ox_node_error(X, "inner dimensions %" PRId64 " and %" PRId64 " differ", K, KB);
	for (int d = 0; d < nbb; d++)
		if (B->shape[d] != A->shape[d])
			return ox_node_error(X, "batch dimension %d is %" PRId64 " and %" PRId64 "; broadcasting is not supported", d,
					     A->shape[d], B->shape[d]);
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", X->node_name);
	snprintf(op.kind, sizeof op.kind, "matmul");
	int64_t shape[IR_MAX_RANK];
	for (int d = 0; d < nb; d++) {
		snprintf(op.iter[d].name, sizeof op.iter[d].name, "b%d", d);
		op.iter[d].extent = shape[d] = A->shape[d];
		op.out.index[d].coef[d] = 1, op.in[0].index[d].coef[d] = 1;
		if (nbb)
			op.in[1].index[d].coef[d] = 1;
	}
	int i = nb, j = nb + 1, k = nb + 2;
	op.niters = nb + 3;
	snprintf(op.iter[i].name, sizeof op.iter[i].name, "i");
	snprintf(op.iter[j].name, sizeof op.iter[j].name, "j");
	snprintf(op.iter[k].name, sizeof op.iter[k].name, "k");
	op.iter[i].extent = shape[nb] = M, op.iter[j].extent = shape[nb + 1] = N, op.iter[k].extent = K;
	op.iter[k].reduction = true;
	op.out.index[nb].coef[i] = 1, op.out.index[nb + 1].coef[j] = 1;
	op.in[0].index[nb + (ta ? 1 : 0)].coef[i] = 1, op.in[0].index[nb + (ta ? 0 : 1)].coef[k] = 1;
	op.in[1].index[nbb + (tb ? 1 : 0)].coef[k] = 1, op.in[1].index[nbb + (tb ? 0 : 1)].coef[j] = 1;
	op.nin = 2;
	op.in[0].tensor = a, op.in[1].tensor = b;
	op.reduce = IR_REDUCE_SUM, op.combine = IR_COMBINE_MUL;
	op.acc = dtype_float(A->dtype) ? DT_FP32 : DT_INT32;
	if (dtype_float(A->dtype) != dtype_float(B->dtype))
		return ox_node_error(X, "a %s and a %s operand; expected both integer or both floating point",
				     dtype_name(A->dtype), dtype_name(B->dtype));
	return ox_add_op(X, &op, out_name, out_dtype, nb + 2, shape);
}

static int matmul_op(struct ox *X, int a, int b, bool ta, bool tb)
{
	return ox_matmul_op(X, a, b, ta, tb, ox_output_name(X, 0), graph(X)->tensor[a].dtype);
}

static int matmul(struct ox *X)
{
	int a = ox_input(X, 0), b = a < 0 ? -1 : ox_input(X, 1);
	return b < 0 ? -1 : ox_bind_op(X, matmul_op(X, a, b, false, false));
}

/* x · v for a float constant v: an op of its own (or x when v is 1). */
static int scale_by(struct ox *X, int x, double v, const char *name)
{
	if (v == 1)
		return x;
	char cname[IR_NAME_MAX];
	snprintf(cname, sizeof cname, "%.50s.factor", name);
	uint8_t *data;
	int c = ox_new_constant(X, cname, DT_FP32, 1, (int64_t[]){1}, &data);
	if (c < 0)
		return -1;
	val_put_float(data, DT_FP32, 0, (float)v);
	int op = ox_broadcast_op(X, IR_COMBINE_MUL, x, c, name, name, graph(X)->tensor[x].dtype);
	return op < 0 ? -1 : graph(X)->op[op].out.tensor;
}

/* Y = alpha · A' B' + beta · C: C a bias per column where it is one (and
 * alpha and beta are 1), else added with numpy's broadcasting. */
static int gemm(struct ox *X)
{
	int a = ox_input(X, 0), b = a < 0 ? -1 : ox_input(X, 1);
	if (b < 0)
		return -1;
	double alpha = ox_attr_float(X, "alpha", 1), beta = ox_attr_float(X, "beta", 1);
	bool has_c = X->node->n_input > 2 && X->node->input[2][0];
	if ((alpha != 1 || (has_c && beta != 1)) && !dtype_float(graph(X)->tensor[a].dtype))
		return ox_node_error(X, "alpha %g and beta %g on integers; only 1 is supported", alpha, beta);
	if (graph(X)->tensor[a].rank != 2 || graph(X)->tensor[b].rank != 2)
		return ox_node_error(X, "operands must be 2-D");
	bool plain = alpha == 1 && beta == 1;
	char product[IR_NAME_MAX], scaled[IR_NAME_MAX], cs[IR_NAME_MAX];
	snprintf(product, sizeof product, "%.50s.product", ox_output_name(X, 0));
	snprintf(scaled, sizeof scaled, "%.50s.scaled", ox_output_name(X, 0));
	snprintf(cs, sizeof cs, "%.50s.c_scaled", ox_output_name(X, 0));
	int op = ox_matmul_op(X, a, b, ox_attr_int(X, "transA", 0) != 0, ox_attr_int(X, "transB", 0) != 0,
			      !has_c && alpha == 1 ? ox_output_name(X, 0) : product, graph(X)->tensor[a].dtype);
	if (op < 0)
		return -1;
	if (!has_c && alpha == 1)
		return ox_bind_op(X, op);
	int y = graph(X)->op[op].out.tensor;
	const struct ir_tensor *o = &graph(X)->tensor[y];
	int64_t M = o->shape[0], N = o->shape[1];
	if (has_c) {
		struct ox_value *v = ox_value(X, X->node->input[2]);
		if (v && v->tensor < 0 && v->rank == 2 && v->shape[0] == 1 && v->shape[1] == N)
			v->rank = 1, v->shape[0] = N; /* a constant row: the same as a vector */
	}
	int c = has_c ? ox_input(X, 2) : -1;
	if (has_c && c < 0)
		return -1;
	const struct ir_tensor *tc = has_c ? &graph(X)->tensor[c] : NULL;
	if (plain && tc && tc->rank == 2 && tc->shape[0] == 1 && tc->shape[1] == N && M > 1) { /* a row computed at run time */
		char name[IR_NAME_MAX], opname[IR_NAME_MAX];
		snprintf(name, sizeof name, "%.50s.row", tc->name);
		snprintf(opname, sizeof opname, "%.50s.c_row", X->node_name);
		int r = ox_reshape_op(X, c, 1, &N, opname, name);
		if (r < 0)
			return -1;
		c = graph(X)->op[r].out.tensor;
		tc = &graph(X)->tensor[c];
		ir_move_last_op(graph(X), op); /* before the product, which reads it */
		op++;
	}
	if (plain && tc && tc->rank == 1 && tc->shape[0] == N && N > 1) { /* C along the columns: each output feature's bias */
		struct ir_epilogue e = {.kind = IR_EP_BIAS, .tensor = c, .dim = 1};
		snprintf(graph(X)->tensor[graph(X)->op[op].out.tensor].name, IR_NAME_MAX, "%s", ox_output_name(X, 0));
		return ir_add_epilogue(graph(X), op, &e, X->err) ? -1 : ox_bind_op(X, op);
	}
	y = scale_by(X, y, alpha, has_c ? scaled : ox_output_name(X, 0));
	if (y < 0 || !has_c)
		return y < 0 ? -1 : ox_bind_output(X, 0, y);
	if ((c = scale_by(X, c, beta, cs)) < 0)
		return -1;
	char add_c[IR_NAME_MAX];
	snprintf(add_c, sizeof add_c, "%.54s.add_c", X->node_name);
	int s = ox_broadcast_op(X, IR_COMBINE_ADD, y, c, add_c, ox_output_name(X, 0), graph(X)->tensor[y].dtype);
	return s < 0 ? -1 : ox_bind_op(X, s);
}

/* ---- elementwise ---- */

int ox_broadcast_op(struct ox *X, enum ir_combine c, int a, int b, const char *op_name, const char *out_name,
		    enum dtype out_dtype)
{
	const struct ir_tensor *A = &graph(X)->tensor[a], *B = &graph(X)->tensor[b];
	if (dtype_float(A->dtype) != dtype_float(B->dtype))
		return ox_node_error(X, "operands of %s and %s; expected both integer or both floating point",
				     dtype_name(A->dtype), dtype_name(B->dtype));
	int r = A->rank > B->rank ? A->rank : B->rank;
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", op_name);
	snprintf(op.kind, sizeof op.kind, "elementwise");
	int64_t T[IR_MAX_RANK];
	for (int d = 0; d < r; d++) {
		int da = d - (r - A->rank), db = d - (r - B->rank);
		int64_t ea = da >= 0 ? A->shape[da] : 1, eb = db >= 0 ? B->shape[db] : 1;
		if (ea != eb && ea != 1 && eb != 1)
			return ox_node_error(X, "operands '%s' and '%s' do not broadcast: dimension %d is %" PRId64 " and %" PRId64,
					     A->name, B->name, d, ea, eb);
		T[d] = ea > eb ? ea : eb;
		snprintf(op.iter[d].name, sizeof op.iter[d].name, "d%d", d);
		op.iter[d].extent = T[d];
		op.out.index[d].coef[d] = 1;
		if (da >= 0 && ea == T[d])
			op.in[0].index[da].coef[d] = 1;
		if (db >= 0 && eb == T[d])
			op.in[1].index[db].coef[d] = 1;
	}
	op.niters = r;
	op.nin = 2, op.in[0].tensor = a, op.in[1].tensor = b;
	op.reduce = IR_REDUCE_ASSIGN, op.combine = c;
	op.acc = dtype_float(A->dtype) ? DT_FP32 : DT_INT32;
	return ox_add_op(X, &op, out_name, out_dtype, r, T);
}

/* out = a OP b with numpy's broadcasting (ONNX's multidirectional). */
static int elementwise(struct ox *X, enum ir_combine c)
{
	int a = ox_input(X, 0), b = a < 0 ? -1 : ox_input(X, 1);
	if (b < 0)
		return -1;
	const struct ir_tensor *A = &graph(X)->tensor[a], *B = &graph(X)->tensor[b];
	if (A->rank == B->rank && !memcmp(A->shape, B->shape, (size_t)A->rank * sizeof *A->shape))
		return ox_bind_op(X, ir_elementwise(graph(X), X->node_name, c, a, b, ox_output_name(X, 0), A->dtype, X->err));
	if (A->dtype != B->dtype)
		return ox_node_error(X, "operands of %s and %s; expected one dtype", dtype_name(A->dtype), dtype_name(B->dtype));
	return ox_bind_op(X, ox_broadcast_op(X, c, a, b, X->node_name, ox_output_name(X, 0), A->dtype));
}

static int add(struct ox *X) { return elementwise(X, IR_COMBINE_ADD); }
static int sub(struct ox *X) { return elementwise(X, IR_COMBINE_SUB); }
static int mul(struct ox *X) { return elementwise(X, IR_COMBINE_MUL); }

/* Div: floating point only (an integer division could divide by zero) */
static int div_(struct ox *X)
{
	int a = ox_input(X, 0);
	if (a >= 0 && !dtype_float(graph(X)->tensor[a].dtype))
		return ox_node_error(X, "input '%s' is %s; division is supported on floating point only",
				     graph(X)->tensor[a].name, dtype_name(graph(X)->tensor[a].dtype));
	return a < 0 ? -1 : elementwise(X, IR_COMBINE_DIV);
}

/* Max, Min or Sum of any number of inputs into the value named `out`: a
 * chain of two-input ops, each step a node of its own with the first
 * operand the last step's result (one input: a copy). */
static int variadic_to(struct ox *X, enum ir_combine c, char *out)
{
	const Onnx__NodeProto *node = X->node;
	size_t n = node->n_input;
	char prev[IR_NAME_MAX], name[IR_NAME_MAX], saved[IR_NAME_MAX];
	char *ins[2] = {node->input[0], NULL}, *outs[1] = {out};
	Onnx__NodeProto step = *node;
	step.n_input = n == 1 ? 1 : 2, step.input = ins, step.n_output = 1, step.output = outs;
	snprintf(saved, sizeof saved, "%s", X->node_name);
	X->node = &step;
	int rc = n == 1 ? ox_identity(X) : 0;
	for (size_t k = 1; k < n && !rc; k++) {
		ins[1] = node->input[k];
		outs[0] = k == n - 1 ? out : name;
		if (k < n - 1)
			snprintf(name, sizeof name, "%.40s.%s%d", out, c == IR_COMBINE_MAX ? "max" : c == IR_COMBINE_MIN ? "min" : "sum",
				 (int)k),
				snprintf(X->node_name, sizeof X->node_name, "%.40s.%d", saved, (int)k);
		else
			snprintf(X->node_name, sizeof X->node_name, "%s", saved);
		rc = elementwise(X, c);
		snprintf(prev, sizeof prev, "%s", name);
		ins[0] = prev;
	}
	X->node = node;
	snprintf(X->node_name, sizeof X->node_name, "%s", saved);
	return rc;
}

static int variadic(struct ox *X, enum ir_combine c)
{
	if (X->node->n_input == 0 || X->node->n_output == 0)
		return ox_node_error(X, "no inputs or no output");
	return variadic_to(X, c, X->node->output[0]);
}

static int max(struct ox *X) { return variadic(X, IR_COMBINE_MAX); }
static int min(struct ox *X) { return variadic(X, IR_COMBINE_MIN); }
static int sum(struct ox *X) { return variadic(X, IR_COMBINE_ADD); }

/* Mean: the Sum of the inputs divided by their count (floating point) */
static int mean(struct ox *X)
{
	int x = X->node->n_input && X->node->n_output ? ox_input(X, 0) : ox_node_error(X, "no inputs or no output");
	if (x >= 0 && !dtype_float(graph(X)->tensor[x].dtype))
		return ox_node_error(X, "input '%s' is %s; Mean is supported on floating point only", graph(X)->tensor[x].name,
				     dtype_name(graph(X)->tensor[x].dtype));
	char total[IR_NAME_MAX];
	ox_name_of(total, ox_output_name(X, 0), "sum");
	if (x < 0 || variadic_to(X, IR_COMBINE_ADD, total))
		return -1;
	const struct ox_value *v = ox_value(X, total);
	int s = v ? v->tensor : -1;
	int c = s < 0 ? -1 : ox_scalar(X, ox_output_name(X, 0), "count", graph(X)->tensor[s].dtype, (double)X->node->n_input);
	return c < 0 ? -1
		     : ox_bind_op(X, ox_broadcast_op(X, IR_COMBINE_DIV, s, c, X->node_name, ox_output_name(X, 0),
						     graph(X)->tensor[s].dtype));
}

/* ---- reductions ---- */

/* ReduceMax, ReduceSum, ReduceMean, ReduceSumSquare over `axes` (an
 * attribute; ReduceSum's input 1 from opset 13), keepdims; no axes: every
 * dimension, or none with noop_with_empty_axes. */
static int reduction(struct ox *X, enum ir_reduce r, bool mean, bool square)
{
	int x = ox_input(X, 0);
	if (x < 0)
		return -1;
	const struct ir_tensor *t = &graph(X)->tensor[x];
	int rank = t->rank, n = 0;
	int64_t axes[IR_MAX_RANK + 1];
	bool from_input = X->opset >= 13 && !strcmp(X->node->op_type, "ReduceSum");
	if (from_input && (size_t)1 < X->node->n_input && X->node->input[1][0]) {
		const struct ox_value *v = ox_const_input(X, 1, false);
		if (!v || !ox_const_ints(X, v, axes, IR_MAX_RANK, &n))
			return -1;
	} else if (!from_input && !ox_attr_ints(X, "axes", axes, IR_MAX_RANK + 1, &n))
		return -1;
	if ((mean || square) && !dtype_float(t->dtype))
		return ox_node_error(X, "input '%s' is %s; floating point is supported", t->name, dtype_name(t->dtype));
	if (!n && ox_attr_int(X, "noop_with_empty_axes", 0))
		return ox_identity(X);
	unsigned mask = n ? 0 : (1u << rank) - 1;
	for (int i = 0; i < n; i++) {
		if (axes[i] < -rank || axes[i] >= rank)
			return ox_node_error(X, "axis %" PRId64 " of a rank-%d input", axes[i], rank);
		mask |= 1u << (axes[i] < 0 ? axes[i] + rank : axes[i]);
	}
	int64_t count = 1;
	for (int d = 0; d < rank; d++)
		count *= mask >> d & 1 ? t->shape[d] : 1;
	enum dtype dt = t->dtype;
	int y = ox_reduce_op(X, x, mask, ox_attr_int(X, "keepdims", 1) != 0, r, X->node_name, ox_output_name(X, 0), dt);
	if (y < 0)
		return -1;
	struct ir_op *op = &graph(X)->op[graph(X)->tensor[y].producer];
	if (square) /* x · x, summed */
		op->nin = 2, op->in[1] = op->in[0], op->combine = IR_COMBINE_MUL;
	struct ir_epilogue e = {.kind = IR_EP_DIV, .imm = count};
	if (mean && ir_add_epilogue(graph(X), graph(X)->tensor[y].producer, &e, X->err))
		return -1;
	return ox_bind_output(X, 0, y);
}

static int reduce_max(struct ox *X) { return reduction(X, IR_REDUCE_MAX, false, false); }
static int reduce_sum(struct ox *X) { return reduction(X, IR_REDUCE_SUM, false, false); }
static int reduce_mean(struct ox *X) { return reduction(X, IR_REDUCE_SUM, true, false); }
static int reduce_sum_square(struct ox *X) { return reduction(X, IR_REDUCE_SUM, false, true); }

/* ---- Relu, Clip: an epilogue of the op before, or a copy ---- */

static int unary(struct ox *X, const struct ir_epilogue *e, int n)
{
	int in = ox_input(X, 0);
	if (in < 0)
		return -1;
	struct ir_graph *g = graph(X);
	struct ox_value *v = ox_value(X, X->node->input[0]);
	struct ir_tensor *t = &g->tensor[in];
	int p = t->producer;
	/* fused where the value is read by this node alone and the cast after
	 * the epilogues cannot tell: the producer's output is its accumulator's
	 * type, or floating point (rounding is monotone and keeps 0 and the
	 * integer bounds of a clip) */
	if (p >= 0 && v->uses == 1 && g->op[p].nepilogues + n <= IR_MAX_EPILOGUES &&
	    (t->dtype == g->op[p].acc || dtype_float(t->dtype))) {
		for (int i = 0; i < n; i++)
			if (ir_add_epilogue(g, p, &e[i], X->err))
				return -1;
		snprintf(t->name, sizeof t->name, "%s", ox_output_name(X, 0));
		return ox_bind_output(X, 0, in);
	}
	int op = ox_reshape_op(X, in, t->rank, t->shape, X->node_name, ox_output_name(X, 0)); /* a copy */
	for (int i = 0; i < n && op >= 0; i++)
		if (ir_add_epilogue(graph(X), op, &e[i], X->err))
			return -1;
	return ox_bind_op(X, op);
}

static int relu(struct ox *X)
{
	struct ir_epilogue e = {.kind = IR_EP_RELU};
	return unary(X, &e, 1);
}

/* One bound of Clip: an attribute before opset 11, an input from it: a
 * constant (*out), or a tensor computed at run time (*t, else -1). */
static int clip_bound(struct ox *X, int k, const char *attr, double dflt, double *out, int *t)
{
	*out = dflt, *t = -1;
	if (X->opset < 11) {
		*out = ox_attr_float(X, attr, dflt);
		return 0;
	}
	if ((size_t)k >= X->node->n_input || !X->node->input[k][0])
		return 0;
	const struct ox_value *v = ox_value(X, X->node->input[k]);
	if (v && v->tensor < 0)
		return ox_const_scalar(X, v, out);
	if ((*t = ox_input(X, k)) >= 0 && ir_tensor_elems(&graph(X)->tensor[*t]) != 1)
		return ox_node_error(X, "bound '%s' has %" PRId64 " elements; expected one", graph(X)->tensor[*t].name,
				     ir_tensor_elems(&graph(X)->tensor[*t]));
	return *t < 0 ? -1 : 0;
}

/* A bound the clip epilogue can take: infinite (none), or an integer. */
static bool whole(double v)
{
	return !isfinite(v) || (v == floor(v) && fabs(v) <= 0x1p31);
}

/* min(max(lo, x), hi) as broadcasting ops (the bound first: a NaN x stays
 * one); an infinite constant bound is none. */
static int clip_ops(struct ox *X, double lo, double hi, int tl, int th)
{
	int x = ox_input(X, 0);
	if (x < 0)
		return -1;
	enum dtype dt = graph(X)->tensor[x].dtype;
	bool has_lo = tl >= 0 || lo > -INFINITY, has_hi = th >= 0 || hi < INFINITY;
	if (!has_lo && !has_hi)
		return ox_identity(X);
	char mid[IR_NAME_MAX];
	ox_name_of(mid, ox_output_name(X, 0), "lower");
	if (has_lo) {
		if (tl < 0 && (tl = ox_scalar(X, ox_output_name(X, 0), "min", dt, lo)) < 0)
			return -1;
		int op = ox_broadcast_op(X, IR_COMBINE_MAX, tl, x, has_hi ? mid : X->node_name, has_hi ? mid : ox_output_name(X, 0), dt);
		if (op < 0)
			return -1;
		x = graph(X)->op[op].out.tensor;
	}
	if (has_hi) {
		if (th < 0 && (th = ox_scalar(X, ox_output_name(X, 0), "max", dt, hi)) < 0)
			return -1;
		int op = ox_broadcast_op(X, IR_COMBINE_MIN, th, x, X->node_name, ox_output_name(X, 0), dt);
		if (op < 0)
			return -1;
		x = graph(X)->op[op].out.tensor;
	}
	return ox_bind_output(X, 0, x);
}

/* Integer bounds (or none): the clip epilogue; others, and bounds computed
 * at run time: max and min ops. */
static int clip(struct ox *X)
{
	double lo, hi;
	int tl, th;
	if (clip_bound(X, 1, "min", -INFINITY, &lo, &tl) || clip_bound(X, 2, "max", INFINITY, &hi, &th))
		return -1;
	if (tl >= 0 || th >= 0 || !whole(lo) || !whole(hi) || lo > hi)
		return clip_ops(X, lo, hi, tl, th);
	struct ir_epilogue e = {.kind = IR_EP_CLIP, .lo = isfinite(lo) ? (int64_t)lo : INT32_MIN,
				.hi = isfinite(hi) ? (int64_t)hi : INT32_MAX};
	return unary(X, &e, 1);
}

/* Whether tensor t is read by no op but `op` (as an input or a bias). */
static bool only_reader(const struct ir_graph *g, int t, int op)
{
	for (int i = 0; i < g->nops; i++) {
		if (i == op)
			continue;
		for (int k = 0; k < g->op[i].nin; k++)
			if (g->op[i].in[k].tensor == t)
				return false;
		for (int e = 0; e < g->op[i].nepilogues; e++)
			if (g->op[i].epilogue[e].kind == IR_EP_BIAS && g->op[i].epilogue[e].tensor == t)
				return false;
	}
	return true;
}

/* BatchNormalization on its own: x · f + (B − mean · f) per channel (the
 * input's dimension 1), f = scale / sqrt(var + epsilon), two broadcasting
 * ops with constants made here. */
static int batch_norm_ops(struct ox *X, int in, const struct ox_value *const k[4])
{
	const struct ir_tensor *t = &graph(X)->tensor[in];
	if (!dtype_float(t->dtype) || t->rank < 2)
		return ox_node_error(X, "input '%s' is %s of rank %d; floating point of rank 2 or more is supported", t->name,
				     dtype_name(t->dtype), t->rank);
	int64_t C = t->shape[1], shape[IR_MAX_RANK];
	int r = t->rank - 1;
	for (int d = 0; d < r; d++)
		shape[d] = d ? 1 : C; /* [C, 1, ...]: along dimension 1 */
	for (int i = 0; i < 4; i++)
		if (k[i]->is_int64 || !dtype_float(k[i]->dtype) || ox_value_elems(k[i]) != C)
			return ox_node_error(X, "'%s' must hold %" PRId64 " floating-point values, one per channel", k[i]->name, C);
	char fname[IR_NAME_MAX], bname[IR_NAME_MAX], scaled[IR_NAME_MAX];
	snprintf(fname, sizeof fname, "%.50s.factor", ox_output_name(X, 0));
	snprintf(bname, sizeof bname, "%.50s.shift", ox_output_name(X, 0));
	snprintf(scaled, sizeof scaled, "%.50s.scaled", ox_output_name(X, 0));
	uint8_t *f, *b;
	int ft = ox_new_constant(X, fname, DT_FP32, r, shape, &f), bt = ft < 0 ? -1 : ox_new_constant(X, bname, DT_FP32, r, shape, &b);
	if (bt < 0)
		return -1;
	double eps = ox_attr_float(X, "epsilon", 1e-5);
	for (int64_t c = 0; c < C; c++) {
		float fc = (float)(val_get_float(k[0]->bytes, k[0]->dtype, (uint64_t)c) /
				   sqrt(val_get_float(k[3]->bytes, k[3]->dtype, (uint64_t)c) + eps));
		val_put_float(f, DT_FP32, (uint64_t)c, fc);
		val_put_float(b, DT_FP32, (uint64_t)c,
			      val_get_float(k[1]->bytes, k[1]->dtype, (uint64_t)c) - val_get_float(k[2]->bytes, k[2]->dtype, (uint64_t)c) * fc);
	}
	enum dtype dt = graph(X)->tensor[in].dtype;
	int m = ox_broadcast_op(X, IR_COMBINE_MUL, in, ft, scaled, scaled, DT_FP32);
	int y = m < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_ADD, graph(X)->op[m].out.tensor, bt, X->node_name,
					      ox_output_name(X, 0), dt);
	return y < 0 ? -1 : ox_bind_op(X, y);
}

/* BatchNormalization (inference) folded into the convolution before it:
 * w' = w·f and b' = (b − mean)·f + B per output channel, f = scale /
 * sqrt(var + epsilon).  The weights are constants, so this is done once,
 * here; a BatchNormalization that cannot be folded is not supported. */
static int batch_norm(struct ox *X)
{
	if (ox_attr_int(X, "training_mode", 0) || (X->node->n_output > 1 && X->node->output[1][0]))
		return ox_node_error(X, "training mode and the running statistics' outputs are not supported");
	const struct ox_value *k[4];
	for (int i = 0; i < 4; i++)
		if (!(k[i] = ox_const_input(X, i + 1, false)))
			return -1;
	int in = ox_input(X, 0);
	if (in < 0)
		return -1;
	struct ir_graph *g = graph(X);
	struct ir_tensor *t = &g->tensor[in];
	struct ox_value *v = ox_value(X, X->node->input[0]);
	int p = t->producer;
	struct ir_op *c = p >= 0 ? &g->op[p] : NULL;
	int bias_e = -1;
	for (int e = 0; c && e < c->nepilogues; e++)
		bias_e = c->epilogue[e].kind == IR_EP_BIAS && e == 0 ? 0 : -2;
	int wt = c ? c->in[1].tensor : -1;
	if (!c || (strcmp(c->kind, "conv2d") && strcmp(c->kind, "depthwise")) || v->uses != 1 || bias_e == -2 ||
	    !dtype_float(t->dtype) || t->rank != 4 || strcmp(t->layout, "NCHW") || !X->w->data[wt] ||
	    !only_reader(g, wt, p))
		return batch_norm_ops(X, in, k);
	int64_t O = t->shape[1];
	for (int i = 0; i < 4; i++)
		if (k[i]->is_int64 || !dtype_float(k[i]->dtype) || ox_value_elems(k[i]) != O)
			return ox_node_error(X, "'%s' must hold %" PRId64 " floating-point values, one per channel", k[i]->name, O);
	double eps = ox_attr_float(X, "epsilon", 1e-5);
	enum dtype wd = g->tensor[wt].dtype;
	int64_t per = ir_tensor_elems(&g->tensor[wt]) / O; /* OIHW: each output channel's weights are contiguous */
	int bt = bias_e == 0 ? c->epilogue[0].tensor : -1;
	if (bt >= 0 && (!X->w->data[bt] || !only_reader(g, bt, p)))
		return ox_node_error(X, "the Conv's bias is not a constant of its own");
	if (bt < 0) { /* a bias of zeros to fold into */
		char name[IR_NAME_MAX];
		snprintf(name, sizeof name, "%.50s.bias", X->node_name);
		bt = ir_add_tensor(g, name, IR_TENSOR_WEIGHT, wd, 1, &O, NULL, X->err);
		if (bt < 0 || !ox_grow(X))
			return -1;
		t = &g->tensor[in]; /* the tensors may have moved */
		if (!(X->w->data[bt] = try_calloc((size_t)O, dtype_bytes(wd))))
			return diag_nomem(X->err, X->file, (size_t)O * dtype_bytes(wd), "the bias of '%s'", X->node_name);
		X->w->init[bt].kind = WL_INIT_FILE;
		c = &g->op[p];
		struct ir_epilogue e = {.kind = IR_EP_BIAS, .tensor = bt, .dim = 1};
		memmove(&c->epilogue[1], &c->epilogue[0], (size_t)c->nepilogues * sizeof *c->epilogue);
		c->epilogue[0] = e, c->nepilogues++;
	}
	enum dtype bd = g->tensor[bt].dtype;
	for (int64_t o = 0; o < O; o++) {
		double f = val_get_float(k[0]->bytes, k[0]->dtype, (uint64_t)o) / sqrt(val_get_float(k[3]->bytes, k[3]->dtype, (uint64_t)o) + eps);
		for (int64_t j = 0; j < per; j++)
			val_put_float(X->w->data[wt], wd, (uint64_t)(o * per + j),
				      val_get_float(X->w->data[wt], wd, (uint64_t)(o * per + j)) * f);
		double b = val_get_float(X->w->data[bt], bd, (uint64_t)o);
		val_put_float(X->w->data[bt], bd, (uint64_t)o, (b - val_get_float(k[2]->bytes, k[2]->dtype, (uint64_t)o)) * f + val_get_float(k[1]->bytes, k[1]->dtype, (uint64_t)o));
	}
	snprintf(t->name, sizeof t->name, "%s", ox_output_name(X, 0));
	return ox_bind_output(X, 0, in);
}

/* ---- the table ---- */

/* X(op_type, converter, parameters): the mask of the input positions read
 * as parameters (scales, zero points, a batch norm's statistics), which a
 * backend test's data set gives as constants (ox_param_input). */
#define OX_OPS(X)                                                 \
	X("Conv", ox_conv, 0)                                      \
	X("MatMul", matmul, 0)                                     \
	X("Gemm", gemm, 0)                                         \
	X("Relu", relu, 0)                                         \
	X("Clip", clip, 0)                                         \
	X("Add", add, 0)                                           \
	X("Sub", sub, 0)                                           \
	X("Mul", mul, 0)                                           \
	X("Div", div_, 0)                                          \
	X("Max", max, 0)                                           \
	X("Min", min, 0)                                           \
	X("MaxPool", ox_max_pool, 0)                               \
	X("AveragePool", ox_average_pool, 0)                       \
	X("GlobalAveragePool", ox_global_average_pool, 0)          \
	X("GlobalMaxPool", ox_global_max_pool, 0)                  \
	X("Flatten", ox_flatten, 0)                                \
	X("Reshape", ox_reshape, 0)                                \
	X("Squeeze", ox_squeeze, 0)                                \
	X("Unsqueeze", ox_unsqueeze, 0)                            \
	X("Transpose", ox_transpose, 0)                            \
	X("Identity", ox_identity, 0)                              \
	X("Pad", ox_pad, 0)                                        \
	X("BatchNormalization", batch_norm, 0x1e)                  \
	X("Constant", ox_constant_node, 0)                         \
	X("ConvInteger", ox_conv_integer, 0x0c)                    \
	X("MatMulInteger", ox_matmul_integer, 0x0c)                \
	X("QLinearConv", ox_qlinear_conv, 0xf6)                    \
	X("QLinearMatMul", ox_qlinear_matmul, 0xf6)                \
	X("QuantizeLinear", ox_quantize_linear, 0x06)              \
	X("DequantizeLinear", ox_dequantize_linear, 0x06)          \
	X("LeakyRelu", ox_leaky_relu, 0)                           \
	X("PRelu", ox_prelu, 0)                                    \
	X("Sigmoid", ox_sigmoid, 0)                                \
	X("Exp", ox_exp, 0)                                        \
	X("Softmax", ox_softmax, 0)                                \
	X("Concat", ox_concat, 0)                                  \
	X("ReduceMax", reduce_max, 0)                              \
	X("ReduceSum", reduce_sum, 0)                              \
	X("ReduceMean", reduce_mean, 0)                            \
	X("ReduceSumSquare", reduce_sum_square, 0)                 \
	X("Log", ox_log, 0)                                        \
	X("Sqrt", ox_sqrt, 0)                                      \
	X("Pow", ox_pow, 0x02)                                     \
	X("Equal", ox_equal, 0)                                    \
	X("Greater", ox_greater, 0)                                \
	X("GreaterOrEqual", ox_greater_or_equal, 0)                \
	X("Less", ox_less, 0)                                      \
	X("LessOrEqual", ox_less_or_equal, 0)                      \
	X("Not", ox_not, 0)                                        \
	X("Where", ox_where, 0)                                    \
	X("Cast", ox_cast, 0)                                      \
	X("If", ox_if, 0)                                          \
	X("Sum", sum, 0)                                           \
	X("Mean", mean, 0)                                         \
	X("Tanh", ox_tanh, 0)                                      \
	X("Erf", ox_erf, 0)                                        \
	X("HardSigmoid", ox_hard_sigmoid, 0)                       \
	X("HardSwish", ox_hard_swish, 0)                           \
	X("Softplus", ox_softplus, 0)                              \
	X("Elu", ox_elu, 0)                                        \
	X("Selu", ox_selu, 0)                                      \
	X("Abs", ox_abs, 0)                                        \
	X("Neg", ox_neg, 0)                                        \
	X("Dropout", ox_dropout, 0)                                \
	X("LogSoftmax", ox_log_softmax, 0)                         \
	X("LayerNormalization", ox_layer_normalization, 0)         \
	X("Reciprocal", ox_reciprocal, 0)                          \
	X("Shape", ox_fold_only, 0)                                \
	X("Size", ox_fold_only, 0)                                 \
	X("Gather", ox_fold_only, 0)                               \
	X("Slice", ox_fold_only, 0)                                \
	X("Range", ox_fold_only, 0)                                \
	X("ConstantOfShape", ox_fold_only, 0)

static const struct {
	const char *op_type;
	ox_convert f;
	unsigned params;
} converters[] = {
#define X(name, fn, params) {name, fn, params},
	OX_OPS(X)
#undef X
};

const char ox_supported[] =
#define X(name, fn, params) name " "
	OX_OPS(X)
#undef X
	;

bool ox_param_input(const struct ox *X, const char *name)
{
	for (size_t n = 0; n < X->graph->n_node; n++) {
		const Onnx__NodeProto *node = X->graph->node[n];
		for (size_t c = 0; node->op_type && c < sizeof converters / sizeof *converters; c++)
			if (converters[c].params && !strcmp(node->op_type, converters[c].op_type))
				for (size_t k = 0; k < node->n_input && k < 8; k++)
					if ((converters[c].params >> k & 1) && node->input[k] && !strcmp(node->input[k], name))
						return true;
	}
	return false;
}

ox_convert ox_converter(const char *op_type)
{
	for (size_t i = 0; i < sizeof converters / sizeof *converters; i++)
		if (!strcmp(converters[i].op_type, op_type))
			return converters[i].f;
	return NULL;
}
