/* ONNX's shape arithmetic, folded at import (docs/onnx.md, "Shapes
 * computed in the graph").  Every tensor's shape is known when the model is
 * read (symbolic dimensions are sized by --dims), so Shape and Size are
 * constants, and so is whatever a model computes from them alone: the
 * Gather, Slice, Concat, Unsqueeze, Squeeze, Add, Sub, Mul, Div, Cast,
 * Range and ConstantOfShape that exporters emit between a Shape and the
 * Reshape, Expand or ConstantOfShape that reads it.  A node is folded when
 * it is Shape or Size, or when every input it has is an int64 constant; its
 * outputs become constants as an initializer's would, and no IR op is
 * made.  These vectors are short: at most OX_FOLD_MAX values. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"
#include "base/alloc.h"
#include "base/value.h"

enum { OX_FOLD_MAX = 4096 };

/* A folded vector: its values and shape. */
struct ints {
	int64_t v[OX_FOLD_MAX];
	int rank;
	int64_t shape[IR_MAX_RANK];
	int64_t n;
};

static const struct ox_value *input_value(struct ox *X, int k)
{
	return (size_t)k < X->node->n_input && X->node->input[k][0] ? ox_value(X, X->node->input[k]) : NULL;
}

static bool is_int64_constant(const struct ox_value *v) { return v && v->tensor < 0 && v->is_int64; }

/* Input k's values (an int64 constant of at most OX_FOLD_MAX); false with an error. */
static bool read_ints(struct ox *X, int k, struct ints *out)
{
	const struct ox_value *v = input_value(X, k);
	if (!is_int64_constant(v) || ox_value_elems(v) > OX_FOLD_MAX) {
		ox_node_error(X, "input %d: expected a constant of at most %d int64 values", k, OX_FOLD_MAX);
		return false;
	}
	int n = 0;
	if (!ox_const_ints(X, v, out->v, OX_FOLD_MAX, &n))
		return false;
	out->n = n, out->rank = v->rank;
	memcpy(out->shape, v->shape, sizeof out->shape);
	return true;
}

/* Output k as an int64 constant of r's values; 0, or -1 with an error. */
static int put_ints(struct ox *X, int k, const struct ints *r)
{
	uint8_t *bytes = try_malloc(r->n ? (size_t)r->n * 8 : 1);
	struct ox_value *v = bytes ? ox_new_value(X, ox_onnx_output(X, k)) : NULL;
	if (!v) {
		free(bytes);
		return bytes ? -1 : diag_nomem(X->err, X->file, (size_t)r->n * 8, "a constant of node '%s'", X->node_name);
	}
	for (int64_t i = 0; i < r->n; i++)
		for (int b = 0; b < 8; b++)
			bytes[8 * i + b] = (uint8_t)((uint64_t)r->v[i] >> (8 * b));
	v->is_int64 = true, v->dtype = DT_INT32, v->rank = r->rank, v->bytes = bytes;
	memcpy(v->shape, r->shape, sizeof v->shape);
	return 0;
}

static void vector_of(struct ints *r, int64_t n)
{
	r->rank = 1, r->shape[0] = n, r->n = n;
}

/* Shape (start and end, opset 15) and Size of any value whose shape is known. */
static int fold_shape(struct ox *X, bool size, struct ints *r)
{
	const struct ox_value *v = input_value(X, 0);
	if (!v)
		return ox_node_error(X, "input 0 is missing or not produced before it");
	int rank = v->tensor >= 0 ? X->w->g.tensor[v->tensor].rank : v->rank;
	const int64_t *shape = v->tensor >= 0 ? X->w->g.tensor[v->tensor].shape : v->shape;
	if (size) {
		r->rank = 0, r->n = 1, r->v[0] = 1;
		for (int d = 0; d < rank; d++)
			r->v[0] *= shape[d];
		return put_ints(X, 0, r);
	}
	int64_t start = ox_attr_int(X, "start", 0), end = ox_attr_int(X, "end", rank);
	start = start < 0 ? start + rank : start, end = end < 0 ? end + rank : end;
	start = start < 0 ? 0 : start > rank ? rank : start, end = end < start ? start : end > rank ? rank : end;
	vector_of(r, end - start);
	for (int64_t d = start; d < end; d++)
		r->v[d - start] = shape[d];
	return put_ints(X, 0, r);
}

/* Gather along axis 0 of a vector (or a scalar's one value), by int64 indices of rank 0 or 1. */
static int fold_gather(struct ox *X, struct ints *data, struct ints *r)
{
	if (!read_ints(X, 1, r))
		return -1;
	if (data->rank != 1 || r->rank > 1 || ox_attr_int(X, "axis", 0) != 0)
		return ox_node_error(X, "folding a Gather of shapes: expected a vector gathered along axis 0 by a scalar "
				     "or a vector of indices");
	for (int64_t i = 0; i < r->n; i++) {
		int64_t j = r->v[i] < 0 ? r->v[i] + data->n : r->v[i];
		if (j < 0 || j >= data->n)
			return ox_node_error(X, "index %" PRId64 " of a vector of %" PRId64, r->v[i], data->n);
		r->v[i] = data->v[j];
	}
	return put_ints(X, 0, r);
}

/* Slice of a vector: starts, ends, axes (only 0) and steps as inputs (as attributes before opset 10). */
static int fold_slice(struct ox *X, struct ints *data, struct ints *r)
{
	int64_t start, end, step = 1;
	struct ints *p = r; /* reused for each parameter */
	if (X->opset < 10) {
		int n = 0;
		int64_t s[1], e[1];
		if (!ox_attr_ints(X, "starts", s, 1, &n) || n != 1 || !ox_attr_ints(X, "ends", e, 1, &n) || n != 1)
			return ox_node_error(X, "folding a Slice of shapes: expected one start and one end");
		start = s[0], end = e[0];
	} else {
		if (!read_ints(X, 1, p) || p->n != 1 || ((start = p->v[0]), !read_ints(X, 2, p)) || p->n != 1)
			return X->err->n ? -1 : ox_node_error(X, "folding a Slice of shapes: expected one start and one end");
		end = p->v[0];
		if (input_value(X, 3) && (!read_ints(X, 3, p) || p->n != 1 || p->v[0] != 0))
			return X->err->n ? -1 : ox_node_error(X, "folding a Slice of shapes: expected axis 0");
		if (input_value(X, 4) && (!read_ints(X, 4, p) || p->n != 1 || p->v[0] == 0))
			return X->err->n ? -1 : ox_node_error(X, "folding a Slice of shapes: expected one nonzero step");
		step = input_value(X, 4) ? p->v[0] : 1;
	}
	if (data->rank != 1)
		return ox_node_error(X, "folding a Slice of shapes: expected a vector");
	int64_t n = data->n;
	/* ONNX's clamping: into [0, n] forward, [-1, n - 1] backward */
	start = start < 0 ? start + n : start, end = end < 0 ? end + n : end;
	start = step > 0 ? (start < 0 ? 0 : start > n ? n : start) : (start < 0 ? -1 : start > n - 1 ? n - 1 : start);
	end = step > 0 ? (end < 0 ? 0 : end > n ? n : end) : (end < -1 ? -1 : end > n - 1 ? n - 1 : end);
	/* a step past the vector takes at most its first value (and never overflows i) */
	step = step > n + 1 ? n + 1 : step < -(n + 1) ? -(n + 1) : step;
	int64_t k = 0;
	for (int64_t i = start; step > 0 ? i < end : i > end; i += step)
		r->v[k++] = data->v[i];
	vector_of(r, k);
	return put_ints(X, 0, r);
}

/* Concat of vectors (axis 0 or -1) */
static int fold_concat(struct ox *X, struct ints *r, struct ints *part)
{
	int64_t axis = ox_attr_int(X, "axis", 0);
	r->n = 0;
	for (size_t k = 0; k < X->node->n_input; k++) {
		if (!read_ints(X, (int)k, part))
			return -1;
		if (part->rank != 1 || (axis != 0 && axis != -1) || r->n + part->n > OX_FOLD_MAX)
			return ox_node_error(X, "folding a Concat of shapes: expected vectors joined along axis 0");
		memcpy(r->v + r->n, part->v, (size_t)part->n * sizeof *part->v);
		r->n += part->n;
	}
	vector_of(r, r->n);
	return put_ints(X, 0, r);
}

/* Unsqueeze and Squeeze: the same values in another shape (axes as input 1 from opset 13, else the attribute) */
static int fold_squeeze(struct ox *X, bool un, struct ints *data, struct ints *axes)
{
	int64_t a[IR_MAX_RANK + 1];
	int n = 0;
	if (X->opset >= 13 && input_value(X, 1)) {
		if (!read_ints(X, 1, axes) || axes->n > IR_MAX_RANK)
			return X->err->n ? -1 : ox_node_error(X, "at most %d axes", IR_MAX_RANK);
		n = (int)axes->n;
		memcpy(a, axes->v, (size_t)n * sizeof *a);
	} else if (X->opset < 13 && !ox_attr_ints(X, "axes", a, IR_MAX_RANK, &n))
		return -1;
	int out_rank = un ? data->rank + n : data->rank;
	if (out_rank > IR_MAX_RANK || (un && !n))
		return ox_node_error(X, "folding an %s of shapes: rank %d", un ? "Unsqueeze" : "Squeeze", out_rank);
	bool pick[IR_MAX_RANK + 1] = {false};
	for (int i = 0; i < n; i++) {
		int64_t d = a[i] < 0 ? a[i] + out_rank : a[i];
		if (d < 0 || d >= out_rank || pick[d] || (!un && data->shape[d] != 1))
			return ox_node_error(X, "axis %" PRId64 " of a rank-%d constant", a[i], data->rank);
		pick[d] = true;
	}
	int64_t shape[IR_MAX_RANK];
	int rank = 0;
	for (int d = 0, from = 0; d < (un ? out_rank : data->rank); d++) {
		if (un)
			shape[rank++] = pick[d] ? 1 : data->shape[from++];
		else if (!(n ? pick[d] : data->shape[d] == 1))
			shape[rank++] = data->shape[d];
	}
	data->rank = rank;
	memcpy(data->shape, shape, (size_t)rank * sizeof *shape);
	return put_ints(X, 0, data);
}

/* Add, Sub, Mul, Div of two int64 constants of one shape, or one of them a single value */
static int fold_arith(struct ox *X, char op, struct ints *a, struct ints *b)
{
	if (!read_ints(X, 1, b))
		return -1;
	if (a->n != b->n && a->n != 1 && b->n != 1)
		return ox_node_error(X, "folding shapes: operands of %" PRId64 " and %" PRId64 " values", a->n, b->n);
	/* the result's shape: numpy's, for a single value against a vector or a scalar against a [1] */
	struct ints *r = a->n != b->n ? (a->n > b->n ? a : b) : a->rank >= b->rank ? a : b;
	int64_t n = r->n;
	for (int64_t i = 0; i < n; i++) {
		int64_t x = a->v[a->n == 1 ? 0 : i], y = b->v[b->n == 1 ? 0 : i];
		if (op == '/' && (y == 0 || (x == INT64_MIN && y == -1)))
			return ox_node_error(X, "folding shapes: %" PRId64 " / %" PRId64, x, y);
		/* in unsigned arithmetic, so an overflow wraps as ONNX's int64 does rather than being undefined */
		uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
		/* Div truncates toward zero, as C's and ONNX's reference (a / b cast back to int64) */
		r->v[i] = op == '+' ? (int64_t)(ux + uy) : op == '-' ? (int64_t)(ux - uy) : op == '*' ? (int64_t)(ux * uy) : x / y;
	}
	if (r != a)
		*a = *r;
	return put_ints(X, 0, a);
}

/* Range(start, limit, delta) of int64 scalars */
static int fold_range(struct ox *X, struct ints *r, struct ints *p)
{
	int64_t s[3];
	for (int k = 0; k < 3; k++) {
		if (!read_ints(X, k, p) || p->n != 1)
			return X->err->n ? -1 : ox_node_error(X, "input %d: expected one value", k);
		s[k] = p->v[0];
	}
	if (!s[2])
		return ox_node_error(X, "a delta of 0");
	int64_t n = 0;
	for (int64_t x = s[0]; s[2] > 0 ? x < s[1] : x > s[1];) {
		if (n == OX_FOLD_MAX)
			return ox_node_error(X, "a range of more than %d values", OX_FOLD_MAX);
		r->v[n++] = x;
		int64_t next = (int64_t)((uint64_t)x + (uint64_t)s[2]);
		if (s[2] > 0 ? next <= x : next >= x) /* past int64's end: the range ends there */
			break;
		x = next;
	}
	vector_of(r, n);
	return put_ints(X, 0, r);
}

/* ConstantOfShape: an int64 constant, or a weight of the value's dtype (default a float 0) */
static int fold_constant_of_shape(struct ox *X, struct ints *shape)
{
	if (shape->rank != 1 || shape->n > IR_MAX_RANK)
		return ox_node_error(X, "the shape: expected a vector of at most %d dimensions", IR_MAX_RANK);
	for (int64_t d = 0; d < shape->n; d++)
		if (shape->v[d] < 1 || shape->v[d] > ((int64_t)1 << 31))
			return ox_node_error(X, "dimension %" PRId64 " is %" PRId64 "; expected 1 to 2^31", d, shape->v[d]);
	const Onnx__AttributeProto *a = ox_attr(X, "value");
	enum dtype dt = DT_FP32;
	bool is64 = false;
	if (a && (!a->t || !a->t->has_data_type || !ox_onnx_dtype(a->t->data_type, &dt, &is64)))
		return ox_node_error(X, "attribute 'value': expected a tensor of one value of a supported dtype");
	double value = 0;
	int64_t ivalue = 0;
	if (a) { /* the value as a constant of its own, read back */
		char name[IR_NAME_MAX];
		ox_name_of(name, ox_output_name(X, 0), "value");
		const struct ox_value *v = ox_constant_value(X, a->t, name) ? NULL : ox_value(X, name);
		int n = 0;
		if (!v)
			return -1;
		if (ox_value_elems(v) != 1 ||
		    (is64 || !dtype_float(dt) ? !ox_const_ints(X, v, &ivalue, 1, &n) : ox_const_scalar(X, v, &value)))
			return X->err->n ? -1 : ox_node_error(X, "attribute 'value': expected one value");
	}
	int64_t n = 1;
	for (int64_t d = 0; d < shape->n; d++) {
		n *= shape->v[d];
		if (n > ((int64_t)1 << 40))
			return ox_node_error(X, "a constant of more than 2^40 values");
	}
	if (is64) {
		if (n > OX_FOLD_MAX)
			return ox_node_error(X, "an int64 constant of %" PRId64 " values; at most %d", n, OX_FOLD_MAX);
		int64_t dims[IR_MAX_RANK];
		memcpy(dims, shape->v, (size_t)shape->n * sizeof *dims);
		shape->rank = (int)shape->n, shape->n = n;
		memcpy(shape->shape, dims, sizeof dims);
		for (int64_t i = 0; i < n; i++)
			shape->v[i] = ivalue;
		return put_ints(X, 0, shape);
	}
	uint8_t *data;
	int t = ox_new_constant(X, ox_output_name(X, 0), dt, (int)shape->n, shape->v, &data);
	for (int64_t i = 0; t >= 0 && i < n; i++)
		dtype_float(dt) ? val_put_float(data, dt, (uint64_t)i, value) : val_put_int(data, dt, (uint64_t)i, ivalue);
	return t < 0 ? -1 : ox_bind_output(X, 0, t);
}

/* Cast of an int64 constant: to int64 the same values; to another dtype a
 * weight holding them */
static int fold_cast(struct ox *X, struct ints *r)
{
	enum dtype dt;
	bool is64;
	int64_t to = ox_attr_int(X, "to", 0);
	if (!ox_onnx_dtype((int32_t)to, &dt, &is64))
		return ox_node_error(X, "'to' is %s; supported: bool, int8, uint8, int16, int32, int64, float16, float",
				     ox_onnx_dtype_name((int32_t)to));
	if (is64)
		return put_ints(X, 0, r);
	uint8_t *data;
	int t = ox_new_constant(X, ox_output_name(X, 0), dt, r->rank ? r->rank : 1, r->rank ? r->shape : (int64_t[]){1},
				&data);
	for (int64_t i = 0; t >= 0 && i < r->n; i++)
		dtype_float(dt) ? val_put_float(data, dt, (uint64_t)i, (double)r->v[i])
				: val_put_int(data, dt, (uint64_t)i, r->v[i]);
	return t < 0 ? -1 : ox_bind_output(X, 0, t);
}

/* Whether every input the node has is an int64 constant. */
static bool all_int64(struct ox *X)
{
	bool any = false;
	for (size_t k = 0; k < X->node->n_input; k++) {
		if (!X->node->input[k][0])
			continue;
		if (!is_int64_constant(input_value(X, (int)k)))
			return false;
		any = true;
	}
	return any;
}

static int fold(struct ox *X, const char *op, struct ints *a, struct ints *b)
{
	if (!strcmp(op, "Shape") || !strcmp(op, "Size"))
		return fold_shape(X, op[1] == 'i', a);
	if (!all_int64(X))
		return 1; /* not folded */
	if (!strcmp(op, "Range"))
		return fold_range(X, a, b);
	if (!strcmp(op, "Concat"))
		return fold_concat(X, a, b);
	if (!read_ints(X, 0, a))
		return -1;
	static const char *const arith[] = {"Add", "Sub", "Mul", "Div"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(op, arith[i]))
			return fold_arith(X, "+-*/"[i], a, b);
	if (!strcmp(op, "Gather"))
		return fold_gather(X, a, b);
	if (!strcmp(op, "Slice"))
		return fold_slice(X, a, b);
	if (!strcmp(op, "Unsqueeze") || !strcmp(op, "Squeeze"))
		return fold_squeeze(X, op[0] == 'U', a, b);
	if (!strcmp(op, "ConstantOfShape"))
		return fold_constant_of_shape(X, a);
	if (!strcmp(op, "Cast"))
		return fold_cast(X, a);
	if (!strcmp(op, "Identity"))
		return put_ints(X, 0, a);
	if (!strcmp(op, "Neg")) {
		for (int64_t i = 0; i < a->n; i++)
			a->v[i] = (int64_t)(0 - (uint64_t)a->v[i]);
		return put_ints(X, 0, a);
	}
	return 1;
}

int ox_fold(struct ox *X)
{
	if (!X->node->op_type || !X->node->n_output)
		return 0;
	struct ints *w = try_malloc(2 * sizeof *w);
	if (!w) {
		X->nomem = true;
		return diag_nomem(X->err, X->file, 2 * sizeof *w, "folding node '%s'", X->node_name);
	}
	int rc = fold(X, X->node->op_type, &w[0], &w[1]);
	free(w);
	return rc < 0 ? -1 : rc == 0; /* fold's 0: folded */
}

int ox_fold_only(struct ox *X)
{
	return ox_node_error(X, "only of constants: a shape and what is computed from shapes alone is folded at import; "
			     "of a tensor computed at run time it is not supported");
}
