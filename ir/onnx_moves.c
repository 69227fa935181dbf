/* ir/onnx_moves: the ONNX nodes that move data without computing — Reshape,
 * Flatten, Squeeze, Unsqueeze, Transpose, Pad, Identity, Concat — as copies
 * whose affine accesses do the moving, and Constant (docs/onnx.md). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "onnx_int.h"
#include "base/value.h"

static struct ir_graph *graph(struct ox *X) { return &X->w->g; }


/* ---- data movement: reshapes and transposes as copies ---- */

/* out (shape T, rank q) = in (shape S, rank r) in row-major order, when
 * every group of dimensions whose sizes multiply alike is one dimension on
 * one side (a merge or a split: an affine copy).  Dimensions of size 1 are
 * index 0 and take no part. */
int ox_reshape_op(struct ox *X, int in, int q, const int64_t *shape, const char *op_name, const char *out_name)
{
	int64_t T[IR_MAX_RANK]; /* shape may be a tensor's, which adding the output can move */
	memcpy(T, shape, (size_t)q * sizeof *T);
	const struct ir_tensor *t = &graph(X)->tensor[in];
	int r = t->rank;
	const int64_t *S = t->shape;
	int sd[IR_MAX_RANK], td[IR_MAX_RANK], ns = 0, nt = 0; /* the dimensions larger than 1 */
	for (int d = 0; d < r; d++)
		if (S[d] > 1)
			sd[ns++] = d;
	for (int d = 0; d < q; d++)
		if (T[d] > 1)
			td[nt++] = d;
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", op_name);
	snprintf(op.kind, sizeof op.kind, "%s", q == r && !memcmp(S, T, (size_t)q * sizeof *T) ? "copy" : "reshape");
	int i = 0, j = 0;
	while (i < ns || j < nt) {
		int i0 = i, j0 = j;
		if (i == ns || j == nt)
			return ox_node_error(X, "shape mismatch");
		int64_t ps = S[sd[i++]], pt = T[td[j++]];
		while (ps != pt) {
			if (ps < pt && i < ns)
				ps *= S[sd[i++]];
			else if (pt < ps && j < nt)
				pt *= T[td[j++]];
			else
				return ox_node_error(X, "shape mismatch");
		}
		bool fine_in = i - i0 >= j - j0; /* iterate over the side with more dimensions */
		if ((i - i0 > 1 && j - j0 > 1) || op.niters + (fine_in ? i - i0 : j - j0) > IR_MAX_ITERS)
			return ox_node_error(X, "a reshape of dimensions %d..%d into %d..%d is neither a merge nor a split",
					     sd[i0], sd[i - 1], td[j0], td[j - 1]);
		int lo = fine_in ? i0 : j0, hi = fine_in ? i : j, first = op.niters;
		const int64_t *fine = fine_in ? S : T;
		const int *fd = fine_in ? sd : td;
		struct ir_access *fa = fine_in ? &op.in[0] : &op.out, *ca = fine_in ? &op.out : &op.in[0];
		int coarse = fine_in ? td[j0] : sd[i0];
		int64_t stride = 1;
		for (int k = hi - 1; k >= lo; k--) {
			int it = first + (k - lo);
			snprintf(op.iter[it].name, sizeof op.iter[it].name, "d%d", it);
			op.iter[it].extent = fine[fd[k]];
			fa->index[fd[k]].coef[it] = 1;
			ca->index[coarse].coef[it] = stride;
			stride *= fine[fd[k]];
		}
		op.niters += hi - lo;
	}
	if (!op.niters) { /* one element */
		snprintf(op.iter[0].name, sizeof op.iter[0].name, "one");
		op.iter[0].extent = 1, op.niters = 1;
	}
	op.nin = 1, op.in[0].tensor = in;
	op.reduce = IR_REDUCE_ASSIGN, op.combine = IR_COMBINE_COPY;
	op.acc = dtype_float(t->dtype) ? DT_FP32 : DT_INT32;
	return ox_add_op(X, &op, out_name, t->dtype, q, T);
}

static int reshape_to(struct ox *X, int in, int q, const int64_t *T)
{
	return ox_bind_op(X, ox_reshape_op(X, in, q, T, X->node_name, ox_output_name(X, 0)));
}

/* Elements of a shape; -1 past 2^40 (more than a tensor may hold). */
static int64_t count(const int64_t *s, int n)
{
	const int64_t most = (int64_t)1 << 40;
	int64_t c = 1;
	for (int d = 0; d < n; d++) {
		if (s[d] < 0 || (s[d] && c > most / s[d]))
			return -1;
		c *= s[d];
	}
	return c;
}

int ox_reshape(struct ox *X)
{
	int in = ox_input(X, 0);
	if (in < 0)
		return -1;
	const struct ir_tensor *t = &graph(X)->tensor[in];
	int64_t T[IR_MAX_RANK];
	int q;
	if (X->opset < 5) {
		if (!ox_attr_ints(X, "shape", T, IR_MAX_RANK, &q))
			return -1;
	} else {
		const struct ox_value *v = ox_const_input(X, 1, false);
		if (!v || !ox_const_ints(X, v, T, IR_MAX_RANK, &q))
			return -1;
	}
	int infer = -1;
	for (int d = 0; d < q; d++) {
		if (T[d] == 0 && !ox_attr_int(X, "allowzero", 0))
			T[d] = d < t->rank ? t->shape[d] : 0;
		if (T[d] == -1 && infer < 0)
			infer = d, T[d] = 1;
		else if (T[d] < 1 || T[d] > ((int64_t)1 << 31))
			return ox_node_error(X, "shape value %" PRId64 " at %d; expected 1 to 2^31, 0 or -1", T[d], d);
	}
	int64_t have = count(t->shape, t->rank), got = count(T, q);
	if (infer >= 0 && got > 0 && have % got == 0)
		T[infer] = have / got, got = have;
	if (got != have || q < 1)
		return ox_node_error(X, "a shape of %" PRId64 " elements for an input of %" PRId64, got, have);
	return reshape_to(X, in, q, T);
}

int ox_flatten(struct ox *X)
{
	int in = ox_input(X, 0);
	if (in < 0)
		return -1;
	const struct ir_tensor *t = &graph(X)->tensor[in];
	int64_t axis = ox_attr_int(X, "axis", 1);
	if (axis < 0)
		axis += t->rank;
	if (axis < 0 || axis > t->rank)
		return ox_node_error(X, "axis %" PRId64 " for a rank-%d input", ox_attr_int(X, "axis", 1), t->rank);
	int64_t T[2] = {count(t->shape, (int)axis), count(t->shape + axis, t->rank - (int)axis)};
	return reshape_to(X, in, 2, T);
}

/* Squeeze and Unsqueeze: the axes from the attribute (before opset 13) or
 * input 1. */
static int axes_of(struct ox *X, int64_t *axes, int *n)
{
	if (X->opset < 13)
		return ox_attr_ints(X, "axes", axes, IR_MAX_RANK, n) ? 0 : -1;
	*n = 0;
	const struct ox_value *v = ox_const_input(X, 1, true);
	if (!v)
		return (size_t)1 < X->node->n_input && X->node->input[1][0] ? -1 : 0;
	return ox_const_ints(X, v, axes, IR_MAX_RANK, n) ? 0 : -1;
}

int ox_squeeze(struct ox *X)
{
	int in = ox_input(X, 0);
	int64_t axes[IR_MAX_RANK];
	int n;
	if (in < 0 || axes_of(X, axes, &n))
		return -1;
	const struct ir_tensor *t = &graph(X)->tensor[in];
	bool drop[IR_MAX_RANK] = {false};
	for (int k = 0; k < n; k++) {
		int64_t a = axes[k] < 0 ? axes[k] + t->rank : axes[k];
		if (a < 0 || a >= t->rank || t->shape[a] != 1)
			return ox_node_error(X, "axis %" PRId64 " is not a dimension of size 1", axes[k]);
		drop[a] = true;
	}
	int64_t T[IR_MAX_RANK];
	int q = 0;
	for (int d = 0; d < t->rank; d++)
		if (!(n ? drop[d] : t->shape[d] == 1))
			T[q++] = t->shape[d];
	if (!q)
		T[q++] = 1; /* the IR has no rank-0 tensors */
	return reshape_to(X, in, q, T);
}

int ox_unsqueeze(struct ox *X)
{
	int in = ox_input(X, 0);
	int64_t axes[IR_MAX_RANK];
	int n;
	if (in < 0 || axes_of(X, axes, &n))
		return -1;
	const struct ir_tensor *t = &graph(X)->tensor[in];
	int q = t->rank + n;
	if (q > IR_MAX_RANK)
		return ox_node_error(X, "rank %d; at most %d supported", q, IR_MAX_RANK);
	bool ins[IR_MAX_RANK] = {false};
	for (int k = 0; k < n; k++) {
		int64_t a = axes[k] < 0 ? axes[k] + q : axes[k];
		if (a < 0 || a >= q || ins[a])
			return ox_node_error(X, "axis %" PRId64 " is out of range or repeated", axes[k]);
		ins[a] = true;
	}
	int64_t T[IR_MAX_RANK];
	for (int d = 0, s = 0; d < q; d++)
		T[d] = ins[d] ? 1 : t->shape[s++];
	return reshape_to(X, in, q, T);
}

int ox_transpose(struct ox *X)
{
	int in = ox_input(X, 0);
	if (in < 0)
		return -1;
	const struct ir_tensor *t = &graph(X)->tensor[in];
	int64_t perm[IR_MAX_RANK];
	int n;
	if (!ox_attr_ints(X, "perm", perm, IR_MAX_RANK, &n))
		return -1;
	if (!n)
		for (int d = 0; d < t->rank; d++) /* the default reverses the dimensions */
			perm[d] = t->rank - 1 - d, n = t->rank;
	bool seen[IR_MAX_RANK] = {false};
	if (n != t->rank)
		return ox_node_error(X, "perm has %d values for a rank-%d input", n, t->rank);
	for (int d = 0; d < n; d++) {
		if (perm[d] < 0 || perm[d] >= n || seen[perm[d]])
			return ox_node_error(X, "perm is not a permutation of 0..%d", n - 1);
		seen[perm[d]] = true;
	}
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", X->node_name);
	snprintf(op.kind, sizeof op.kind, "transpose");
	op.niters = t->rank;
	int64_t T[IR_MAX_RANK];
	for (int d = 0; d < t->rank; d++) {
		snprintf(op.iter[d].name, sizeof op.iter[d].name, "d%d", d);
		op.iter[d].extent = t->shape[d];
		op.in[0].index[d].coef[d] = 1;
	}
	for (int d = 0; d < n; d++) {
		op.out.index[d].coef[perm[d]] = 1;
		T[d] = t->shape[perm[d]];
	}
	op.nin = 1, op.in[0].tensor = in;
	op.reduce = IR_REDUCE_ASSIGN, op.combine = IR_COMBINE_COPY;
	op.acc = dtype_float(t->dtype) ? DT_FP32 : DT_INT32;
	return ox_bind_op(X, ox_add_op(X, &op, ox_output_name(X, 0), t->dtype, n, T));
}

/* Pad (constant mode, zeros): a copy whose reads start `begin` before the
 * output; reads outside the input give 0 (docs/ir.md), and negative pads
 * crop. */
/* A padding value v other than 0: the copy adds a constant of the
 * output's shape, v in the padding and 0 inside (the copy's reads outside
 * give 0, its reads inside plus 0 are themselves). */
enum { PAD_VALUES_MAX = 1 << 24 };
static int pad_values(struct ox *X, struct ir_op *op, int rank, const int64_t *T, const int64_t *pads,
		      const int64_t *shape, double v)
{
	int64_t elems = 1, S[IR_MAX_RANK];
	memcpy(S, shape, (size_t)rank * sizeof *S);
	for (int d = 0; d < rank; d++)
		elems *= T[d];
	if (elems > PAD_VALUES_MAX)
		return ox_node_error(X, "padding with %g an output of %" PRId64 " values; at most %d are supported", v, elems,
				     PAD_VALUES_MAX);
	char name[IR_NAME_MAX];
	snprintf(name, sizeof name, "%.50s.pad_value", ox_output_name(X, 0));
	enum dtype dt = dtype_float(graph(X)->tensor[op->in[0].tensor].dtype) ? DT_FP32 : DT_INT32;
	uint8_t *data;
	int m = ox_new_constant(X, name, dt, rank, T, &data);
	if (m < 0)
		return -1;
	for (int64_t i = 0; i < elems; i++) {
		bool inside = true;
		for (int64_t d = rank - 1, r = i; d >= 0; r /= T[d], d--) {
			int64_t x = r % T[d] - pads[d];
			inside &= x >= 0 && x < S[d];
		}
		if (!inside) {
			if (dt == DT_FP32)
				val_put_float(data, dt, (uint64_t)i, v);
			else
				val_put_int(data, dt, (uint64_t)i, (int64_t)v);
		}
	}
	op->nin = 2, op->combine = IR_COMBINE_ADD;
	op->in[1].tensor = m;
	for (int d = 0; d < rank; d++)
		op->in[1].index[d].coef[d] = 1;
	return 0;
}

int ox_pad(struct ox *X)
{
	int in = ox_input(X, 0);
	if (in < 0)
		return -1;
	const struct ir_tensor *t = &graph(X)->tensor[in];
	if (strcmp(ox_attr_string(X, "mode", "constant"), "constant"))
		return ox_node_error(X, "mode '%s'; only constant is supported", ox_attr_string(X, "mode", "constant"));
	int64_t pads[2 * IR_MAX_RANK];
	int n;
	double value = 0;
	if (X->opset < 11) {
		if (!ox_attr_ints(X, "pads", pads, 2 * IR_MAX_RANK, &n))
			return -1;
		value = ox_attr_float(X, "value", 0);
	} else {
		const struct ox_value *v = ox_const_input(X, 1, false);
		if (!v || !ox_const_ints(X, v, pads, 2 * IR_MAX_RANK, &n))
			return -1;
		const struct ox_value *c = ox_const_input(X, 2, true);
		if (!c && (size_t)2 < X->node->n_input && X->node->input[2][0])
			return -1;
		if (c && ox_const_scalar(X, c, &value))
			return -1;
	}
	if (value != 0 && !dtype_float(t->dtype) && (value != (double)(int64_t)value || value < -2147483648.0 || value > 2147483647.0))
		return ox_node_error(X, "padding %s with %g", dtype_name(t->dtype), value);
	if (n != 2 * t->rank)
		return ox_node_error(X, "%d pads for a rank-%d input; expected %d", n, t->rank, 2 * t->rank);
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", X->node_name);
	snprintf(op.kind, sizeof op.kind, "pad");
	int64_t T[IR_MAX_RANK];
	for (int d = 0; d < t->rank; d++) {
		T[d] = t->shape[d] + pads[d] + pads[d + t->rank];
		if (pads[d] < -t->shape[d] || pads[d + t->rank] < -t->shape[d] || T[d] < 1 || T[d] > ((int64_t)1 << 31))
			return ox_node_error(X, "pads %" PRId64 " and %" PRId64 " leave dimension %d with %" PRId64 " values", pads[d],
					     pads[d + t->rank], d, T[d]);
		snprintf(op.iter[d].name, sizeof op.iter[d].name, "d%d", d);
		op.iter[d].extent = T[d];
		op.out.index[d].coef[d] = 1;
		op.in[0].index[d].coef[d] = 1, op.in[0].index[d].offset = -pads[d];
	}
	op.niters = t->rank;
	op.nin = 1, op.in[0].tensor = in;
	op.reduce = IR_REDUCE_ASSIGN, op.combine = IR_COMBINE_COPY;
	op.acc = dtype_float(t->dtype) ? DT_FP32 : DT_INT32;
	if (value != 0 && pad_values(X, &op, t->rank, T, pads, t->shape, value) < 0)
		return -1;
	return ox_bind_op(X, ox_add_op(X, &op, ox_output_name(X, 0), graph(X)->tensor[in].dtype, op.niters, T));
}

int ox_identity(struct ox *X)
{
	int in = ox_input(X, 0);
	if (in < 0)
		return -1;
	const struct ir_tensor *t = &graph(X)->tensor[in];
	return reshape_to(X, in, t->rank, t->shape);
}

int ox_constant_node(struct ox *X)
{
	const Onnx__AttributeProto *a = ox_attr(X, "value");
	if (!a || !a->t)
		return ox_node_error(X, "only the 'value' attribute (a tensor) is supported");
	return ox_constant_value(X, a->t, ox_onnx_output(X, 0));
}

/* Concat: a chain of two-input ops, each out[.., i, ..] = a[.., i, ..] +
 * b[.., i − A, ..] along the axis (A: a's extent there).  A read outside a
 * tensor gives 0, so every value is one operand's plus 0: exact. */
int ox_concat_op(struct ox *X, int a, int b, int axis, const char *op_name, const char *out_name)
{
	const struct ir_tensor *A = &graph(X)->tensor[a], *B = &graph(X)->tensor[b];
	if (A->rank != B->rank || A->dtype != B->dtype)
		return ox_node_error(X, "inputs '%s' (%s, rank %d) and '%s' (%s, rank %d) differ in dtype or rank", A->name,
				     dtype_name(A->dtype), A->rank, B->name, dtype_name(B->dtype), B->rank);
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", op_name);
	snprintf(op.kind, sizeof op.kind, "concat");
	int64_t shape[IR_MAX_RANK];
	for (int d = 0; d < A->rank; d++) {
		if (d != axis && A->shape[d] != B->shape[d])
			return ox_node_error(X, "inputs '%s' and '%s' differ in dimension %d (%" PRId64 " and %" PRId64 ")",
					     A->name, B->name, d, A->shape[d], B->shape[d]);
		shape[d] = d == axis ? A->shape[d] + B->shape[d] : A->shape[d];
		snprintf(op.iter[d].name, sizeof op.iter[d].name, "d%d", d);
		op.iter[d].extent = shape[d];
		op.out.index[d].coef[d] = op.in[0].index[d].coef[d] = op.in[1].index[d].coef[d] = 1;
	}
	if (shape[axis] > INT32_MAX)
		return ox_node_error(X, "the output's dimension %d would be %" PRId64, axis, shape[axis]);
	op.in[1].index[axis].offset = -A->shape[axis];
	op.niters = A->rank, op.nin = 2, op.in[0].tensor = a, op.in[1].tensor = b;
	op.reduce = IR_REDUCE_ASSIGN, op.combine = IR_COMBINE_ADD;
	op.acc = dtype_float(A->dtype) ? DT_FP32 : DT_INT32;
	return ox_add_op(X, &op, out_name, A->dtype, A->rank, shape);
}

int ox_concat(struct ox *X)
{
	size_t n = X->node->n_input;
	int y = n ? ox_input(X, 0) : ox_node_error(X, "no inputs");
	if (y < 0)
		return -1;
	int rank = graph(X)->tensor[y].rank;
	int64_t axis = ox_attr_int(X, "axis", INT64_MIN);
	if (axis == INT64_MIN || axis < -rank || axis >= rank)
		return ox_node_error(X, "axis %s of rank-%d inputs", axis == INT64_MIN ? "missing" : "out of range", rank);
	if (axis < 0)
		axis += rank;
	if (n == 1)
		return ox_identity(X);
	for (size_t k = 1; k < n; k++) {
		int b = ox_input(X, (int)k);
		char name[IR_NAME_MAX], opname[IR_NAME_MAX];
		bool last = k == n - 1;
		snprintf(name, sizeof name, "%.40s.concat%d", ox_output_name(X, 0), (int)k);
		snprintf(opname, sizeof opname, "%.40s.%d", X->node_name, (int)k);
		int op = b < 0 ? -1 : ox_concat_op(X, y, b, (int)axis, last ? X->node_name : opname, last ? ox_output_name(X, 0) : name);
		if (op < 0)
			return -1;
		y = graph(X)->op[op].out.tensor;
	}
	return ox_bind_output(X, 0, y);
}
