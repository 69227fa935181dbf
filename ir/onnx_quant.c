/* ONNX's integer and quantization ops as IR ops (docs/onnx.md,
 * "Quantized ops").
 *
 * An integer product (ConvInteger, MatMulInteger, and the accumulation of
 * QLinearConv and QLinearMatMul) is Σ (a − za)(b − zb) over uint8 or int8
 * operands.  Accelerators multiply int8 by int8, so each operand X with
 * zero point z is written X − z = X' + c with X' int8:
 *   - a constant whose X − z fits int8 is X' itself (c = 0): symmetric int8
 *     weights, or uint8 ones around 128;
 *   - otherwise X' = X − s (s = 128 for uint8, 0 for int8) and c = s − z.
 * Then Σ (a' + ca)(b' + cb) = Σ a'b' + Σ a'·cb + ca·Σ (b' + cb): the first
 * term is the op on int8 operands, which a binding can run; the others are
 * ops of their own (the host runs them), present only where a c is not 0.
 * ca·Σ b' counts every tap of the window, so where a convolution is padded
 * and ca ≠ 0 the padding is written out first, with the value that stands
 * for a − za = 0 (a' = −ca), and the convolution reads no padding.
 *
 * A 16-bit activation A (int16, the QDQ form's 16-bit activations) is two
 * int8 planes, H = A >> 8 and L = (A & 255) − 128, so A − za = 256·H + L
 * + ca with ca = 128 − za.  The planes are stacked along the batch (a
 * convolution) or the rows (a matrix product), the op runs once on int8
 * operands over both, and a small op after it sums 256 times the first
 * plane's result and the second's: the product is exact in int32, and an
 * accelerator that multiplies int8 by int8 runs its MACs.
 *
 * Scales are floats: QLinear requantization multiplies the int32 result by
 * (a_scale·b_scale)/y_scale in fp32, rounds to nearest even, adds the
 * output zero point and saturates, as onnxruntime does; Quantize and
 * DequantizeLinear follow the operator specification. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"
#include "base/alloc.h"
#include "base/value.h"

static struct ir_graph *graph(struct ox *X) { return &X->w->g; }

int ox_new_constant(struct ox *X, const char *name, enum dtype dt, int rank, const int64_t *shape, uint8_t **data)
{
	uint64_t elems = 1;
	for (int d = 0; d < rank; d++)
		elems = shape[d] > 0 && elems <= ((uint64_t)1 << 40) ? elems * (uint64_t)shape[d] : ((uint64_t)1 << 62);
	uint64_t bytes = elems * dtype_bytes(dt);
	if (bytes > OX_MAX_MADE_BYTES || bytes + X->made_bytes > 4 * (uint64_t)OX_MAX_MADE_BYTES)
		return ox_node_error(X, "the constant '%s' it needs would take %" PRIu64 " bytes; at most %d MiB each and %d MiB "
				     "in all are supported", name, bytes, OX_MAX_MADE_BYTES >> 20, 4 * (OX_MAX_MADE_BYTES >> 20));
	X->made_bytes += bytes;
	int t = ir_add_tensor(graph(X), name, IR_TENSOR_WEIGHT, dt, rank, shape, NULL, X->err);
	if (t < 0 || !ox_grow(X))
		return -1;
	size_t n = (size_t)ir_tensor_elems(&graph(X)->tensor[t]);
	if (!(X->w->data[t] = try_calloc(n, dtype_bytes(dt))))
		return diag_nomem(X->err, X->file, n * dtype_bytes(dt), "constant '%s'", name);
	X->w->init[t].kind = WL_INIT_FILE;
	*data = X->w->data[t];
	return t;
}

/* ---- constants: zero points and scales ---- */

/* A constant's values along one dimension: n = 1 (one for all) or the
 * extent it must have. */
struct qconst {
	int n;
	int64_t *i; /* integers (zero points) */
	double *f;  /* floats (scales) */
	enum dtype dtype;
};

static void qconst_free(struct qconst *q)
{
	free(q->i);
	free(q->f);
	memset(q, 0, sizeof *q);
}

/* Input k of the node as a constant of 1 or `extent` values (extent 0: one
 * only); absent and optional: one 0 of dtype dflt. */
static int read_qconst(struct ox *X, int k, int64_t extent, bool optional, enum dtype dflt, struct qconst *q)
{
	memset(q, 0, sizeof *q);
	bool absent = (size_t)k >= X->node->n_input || !X->node->input[k][0];
	const struct ox_value *v = absent && optional ? NULL : ox_const_input(X, k, false);
	if (!v && !(absent && optional))
		return -1;
	int64_t n = v ? ox_value_elems(v) : 1;
	if (v && (v->is_int64 || (n != 1 && n != extent)))
		return ox_node_error(X, "'%s' has %" PRId64 " values%s; expected 1%s", v->name, n,
				     v->is_int64 ? " of int64" : "", extent > 1 ? " or one per channel" : "");
	q->n = (int)n, q->dtype = v ? v->dtype : dflt;
	if (!(q->i = try_calloc((size_t)n, sizeof *q->i)) || !(q->f = try_calloc((size_t)n, sizeof *q->f))) {
		qconst_free(q);
		return diag_nomem(X->err, X->file, (size_t)n * 16, "the values of '%s'", v ? v->name : "a zero point");
	}
	for (int64_t i = 0; v && i < n; i++) {
		if (dtype_float(v->dtype))
			q->f[i] = val_get_float(v->bytes, v->dtype, (uint64_t)i);
		else
			q->i[i] = val_get_int(v->bytes, v->dtype, (uint64_t)i);
	}
	return 0;
}

static bool is_8bit(enum dtype dt) { return dt == DT_INT8 || dt == DT_UINT8; }

/* The dtypes a quantized activation may have: 8 bits, or int16. */
static bool is_quantized_dtype(enum dtype dt) { return is_8bit(dt) || dt == DT_INT16; }

/* The saturation bounds of an integer dtype. */
static void int_bounds(enum dtype dt, int64_t *lo, int64_t *hi)
{
	*lo = dt == DT_UINT8 ? 0 : dt == DT_INT16 ? INT16_MIN : INT8_MIN;
	*hi = dt == DT_UINT8 ? UINT8_MAX : dt == DT_INT16 ? INT16_MAX : INT8_MAX;
}

/* ---- an operand of an integer product ---- */

struct qoperand {
	int t;        /* its int8 tensor X' (wide: the int16 tensor X) */
	bool wide;    /* X is int16: X − z = 256·H + L + c, two int8 planes */
	int n;        /* 1, or the channels of dimension `dim` */
	int dim;      /* the dimension c varies along (when n > 1) */
	int64_t *c;   /* X − z = X' + c */
	bool any_c;
	bool constant; /* X' is a constant made at import */
};


/* X' = X − 128 (uint8 to int8), an op of its own: its output. */
static int shift_op(struct ox *X, int t, const char *name)
{
	char out[IR_NAME_MAX];
	ox_name_of(out, name, "s8");
	const struct ir_tensor *x = &graph(X)->tensor[t];
	int op = ox_reshape_op(X, t, x->rank, x->shape, out, out);
	struct ir_epilogue e = {.kind = IR_EP_ADD, .imm = -128};
	if (op < 0 || ir_add_epilogue(graph(X), op, &e, X->err))
		return -1;
	graph(X)->tensor[graph(X)->op[op].out.tensor].dtype = DT_INT8;
	return graph(X)->op[op].out.tensor;
}

/* Operand k of the node with zero point zk (one, or one per channel of
 * dimension `dim`, counted from the end when negative).  A constant is
 * rewritten here, once; a tensor computed at run time gets an op, or,
 * int16 where `may_be_wide`, is split into planes by the product. */
static int qoperand(struct ox *X, int k, int zk, int dim, bool may_be_wide, struct qoperand *q)
{
	memset(q, 0, sizeof *q);
	if ((size_t)k >= X->node->n_input || !X->node->input[k][0])
		return ox_node_error(X, "input %d is missing", k);
	const struct ox_value *v = ox_value(X, X->node->input[k]);
	bool constant = v && v->tensor < 0 && v->bytes && !v->is_int64;
	int t = constant ? -1 : ox_input(X, k);
	if (!constant && t < 0)
		return -1;
	const struct ir_tensor *x = constant ? NULL : &graph(X)->tensor[t];
	enum dtype dt = constant ? v->dtype : x->dtype;
	int rank = constant ? (v->rank ? v->rank : 1) : x->rank;
	int64_t shape[IR_MAX_RANK] = {1};
	memcpy(shape, constant ? v->shape : x->shape, (size_t)(constant ? v->rank : x->rank) * sizeof *shape);
	const char *name = constant ? v->name : x->name;
	q->wide = may_be_wide && !constant && dt == DT_INT16;
	if (!is_8bit(dt) && !q->wide)
		return ox_node_error(X, "'%s' is %s; int8 or uint8 expected%s", name, dtype_name(dt),
				     may_be_wide ? " (or int16, computed by the model)" : "");
	q->dim = dim < 0 ? rank + dim : dim;
	struct qconst z;
	if (read_qconst(X, zk, shape[q->dim], true, dt, &z))
		return -1;
	int rc = 0;
	if (z.dtype != dt)
		rc = ox_node_error(X, "the zero point of '%s' is %s; it must be %s like the operand", name,
				   dtype_name(z.dtype), dtype_name(dt));
	q->n = z.n;
	if (!rc && !(q->c = try_calloc((size_t)z.n, sizeof *q->c)))
		rc = diag_nomem(X->err, X->file, (size_t)z.n * sizeof *q->c, "zero points");
	int64_t s = dt == DT_UINT8 || q->wide ? 128 : 0, inner = 1, elems = 1;
	for (int d = 0; d < rank; d++)
		elems *= shape[d], inner *= d > q->dim ? shape[d] : 1;
	bool fits = constant;
	for (int64_t i = 0; fits && i < elems; i++) {
		int64_t d = val_get_int(v->bytes, dt, (uint64_t)i) - z.i[z.n == 1 ? 0 : (i / inner) % z.n];
		fits = d >= -128 && d <= 127;
	}
	q->constant = constant;
	if (!rc && constant) { /* X − z where that fits int8, else X − s */
		char cname[IR_NAME_MAX];
		ox_name_of(cname, name, fits ? "centered" : "s8");
		uint8_t *data;
		if ((q->t = ox_new_constant(X, cname, DT_INT8, rank, shape, &data)) < 0)
			rc = -1;
		for (int64_t i = 0; !rc && i < elems; i++)
			val_put_int(data, DT_INT8, (uint64_t)i,
				    val_get_int(v->bytes, dt, (uint64_t)i) - (fits ? z.i[z.n == 1 ? 0 : (i / inner) % z.n] : s));
	} else if (!rc)
		q->t = s && !q->wide ? shift_op(X, t, name) : t;
	for (int i = 0; !rc && i < z.n; i++)
		q->c[i] = fits ? 0 : s - z.i[i], q->any_c |= q->c[i] != 0;
	qconst_free(&z);
	return rc || q->t < 0 ? -1 : 0;
}

/* ---- the product and its zero-point terms ---- */

/* A rank-1 int32 constant of an operand's c, and its index in op `o`: the
 * operand's own index along its channel dimension (or 0 for one value). */
static int c_constant(struct ox *X, const struct qoperand *q, const char *name, const struct ir_access *by,
		      struct ir_access *at)
{
	uint8_t *data;
	struct ir_affine ix = by->index[q->dim]; /* `at` may be `by` */
	int t = ox_new_constant(X, name, DT_INT32, 1, (int64_t[]){q->n}, &data);
	if (t < 0)
		return -1;
	for (int i = 0; i < q->n; i++)
		val_put_int(data, DT_INT32, (uint64_t)i, q->c[i]);
	memset(at, 0, sizeof *at);
	at->tensor = t;
	if (q->n > 1)
		at->index[0] = ix;
	return t;
}

/* Σ a'·cb: the product's loop nest with b replaced by its c. */
static int a_term(struct ox *X, int g, const struct qoperand *b, const char *base)
{
	char name[IR_NAME_MAX], cname[IR_NAME_MAX];
	ox_name_of(name, base, "a_zero");
	ox_name_of(cname, base, "b_shift");
	struct ir_op op = graph(X)->op[g];
	if (c_constant(X, b, cname, &op.in[1], &op.in[1]) < 0)
		return -1;
	snprintf(op.name, sizeof op.name, "%s", name);
	snprintf(op.kind, sizeof op.kind, "zero_point");
	op.nepilogues = 0, op.macs = 0;
	const struct ir_tensor *o = &graph(X)->tensor[op.out.tensor];
	int64_t shape[IR_MAX_RANK];
	memcpy(shape, o->shape, sizeof shape);
	return ox_add_op(X, &op, name, DT_INT32, o->rank, shape);
}

/* ca·Σ (b' + cb): over the iterators b's access uses, the output keeping
 * the dimensions those index (1 for the others). */
static int b_term(struct ox *X, int g, const struct qoperand *a, const struct qoperand *b, const char *base)
{
	const struct ir_op *p = &graph(X)->op[g];
	const struct ir_tensor *o = &graph(X)->tensor[p->out.tensor];
	int rank = o->rank; /* (new tensors may move o) */
	int map[IR_MAX_ITERS], n = 0;
	struct ir_op op = {0};
	for (int k = 0; k < p->niters; k++) {
		bool used = false;
		for (int d = 0; d < graph(X)->tensor[p->in[1].tensor].rank; d++)
			used |= p->in[1].index[d].coef[k] != 0;
		map[k] = used ? n : -1;
		if (used)
			op.iter[n] = p->iter[k], op.iter[n++].reduction = true;
	}
	op.niters = n;
	struct ir_affine zero = {0};
	int64_t shape[IR_MAX_RANK];
	for (int d = 0; d < o->rank; d++) {
		int kept = 0, other = 0;
		struct ir_affine ix = {.offset = p->out.index[d].offset};
		for (int k = 0; k < p->niters; k++)
			if (p->out.index[d].coef[k]) {
				if (map[k] < 0)
					other++;
				else
					kept++, ix.coef[map[k]] = p->out.index[d].coef[k], op.iter[map[k]].reduction = false;
			}
		if (kept && other)
			return ox_node_error(X, "output dimension %d mixes the operands' iterators; zero points are not supported here", d);
		op.out.index[d] = kept ? ix : zero;
		shape[d] = kept ? o->shape[d] : 1;
	}
	for (int k = 0; k < p->niters; k++)
		if (map[k] >= 0)
			for (int d = 0; d < IR_MAX_RANK; d++)
				op.in[0].index[d].coef[map[k]] = p->in[1].index[d].coef[k];
	for (int d = 0; d < IR_MAX_RANK; d++)
		op.in[0].index[d].offset = p->in[1].index[d].offset;
	op.in[0].tensor = p->in[1].tensor;
	op.nin = 1, op.combine = IR_COMBINE_COPY;
	char name[IR_NAME_MAX], cname[IR_NAME_MAX];
	ox_name_of(name, base, "b_zero");
	ox_name_of(cname, base, "b_shift_sum");
	if (b->any_c) {
		op.nin = 2, op.combine = IR_COMBINE_ADD;
		if (c_constant(X, b, cname, &op.in[0], &op.in[1]) < 0)
			return -1;
	}
	snprintf(op.name, sizeof op.name, "%s", name);
	snprintf(op.kind, sizeof op.kind, "zero_point");
	op.reduce = IR_REDUCE_SUM, op.acc = DT_INT32;
	op.nepilogues = 1, op.epilogue[0] = (struct ir_epilogue){.kind = IR_EP_MUL, .imm = a->c[0]};
	return ox_add_op(X, &op, name, DT_INT32, rank, shape);
}

/* ca·Σ (b' + cb) folded into the product's bias, where b is a constant
 * whose channel is the output's dimension `dim` (a convolution's weights,
 * a 2-D B) and any bias is a constant too: then the accelerator adds it
 * with the bias.  1 when folded, 0 when not, -1 on an error. */
static int fold_b_term(struct ox *X, int g, const struct qoperand *a, const struct qoperand *b, int dim)
{
	struct ir_op *p = &graph(X)->op[g];
	const struct ir_tensor *bt = &graph(X)->tensor[b->t];
	int64_t channels = graph(X)->tensor[p->out.tensor].shape[dim];
	int old = p->nepilogues ? p->epilogue[0].tensor : -1;
	if (!b->constant || (bt->rank != 4 && bt->rank != 2) || (b->dim != 0 && b->dim != bt->rank - 1) ||
	    bt->shape[b->dim] != channels || (old >= 0 && !X->w->data[old]))
		return 0;
	int64_t elems = ir_tensor_elems(bt), inner = 1, *sum = try_calloc((size_t)channels, sizeof *sum);
	if (!sum)
		return diag_nomem(X->err, X->file, (size_t)channels * sizeof *sum, "a bias");
	for (int d = b->dim + 1; d < bt->rank; d++)
		inner *= bt->shape[d];
	for (int64_t i = 0; i < elems; i++) {
		int64_t c = (i / inner) % channels;
		sum[c] += val_get_int(X->w->data[b->t], DT_INT8, (uint64_t)i) + b->c[b->n == 1 ? 0 : c];
	}
	bool fits = true;
	for (int64_t c = 0; c < channels; c++) {
		sum[c] = sum[c] * a->c[0] + (old >= 0 ? val_get_int(X->w->data[old], DT_INT32, (uint64_t)c) : 0);
		fits &= sum[c] >= INT32_MIN && sum[c] <= INT32_MAX;
	}
	char name[IR_NAME_MAX];
	ox_name_of(name, graph(X)->tensor[p->out.tensor].name, "bias");
	uint8_t *data;
	int t = fits ? ox_new_constant(X, name, DT_INT32, 1, &channels, &data) : -1;
	for (int64_t c = 0; t >= 0 && c < channels; c++)
		val_put_int(data, DT_INT32, (uint64_t)c, sum[c]);
	free(sum);
	if (!fits)
		return 0;
	if (t < 0)
		return -1;
	p = &graph(X)->op[g];
	if (old >= 0)
		p->epilogue[0].tensor = t;
	else {
		struct ir_epilogue e = {.kind = IR_EP_BIAS, .tensor = t, .dim = dim};
		if (ir_add_epilogue(graph(X), g, &e, X->err))
			return -1;
	}
	return 1;
}

/* Tensor t (NCHW) written out with its padding: t[n, c, h − top, w − left]
 * + m[h, w], m 0 inside and `value` in the padding: for an int8 a' the
 * value −ca, for a wide operand its zero point (where a − za is 0). */
static int pad_op(struct ox *X, int t, int64_t value, const int64_t pad[4], const char *base)
{
	const struct ir_tensor *x = &graph(X)->tensor[t];
	enum dtype dt = x->dtype;
	int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
	int64_t Hp = H + pad[0] + pad[2], Wp = W + pad[1] + pad[3];
	char name[IR_NAME_MAX], mname[IR_NAME_MAX];
	ox_name_of(name, base, "padded");
	ox_name_of(mname, base, "pad_value");
	uint8_t *m;
	int mt = ox_new_constant(X, mname, dt, 2, (int64_t[]){Hp, Wp}, &m);
	if (mt < 0)
		return -1;
	for (int64_t h = 0; h < Hp; h++)
		for (int64_t w = 0; w < Wp; w++)
			if (h < pad[0] || h >= pad[0] + H || w < pad[1] || w >= pad[1] + W)
				val_put_int(m, dt, (uint64_t)(h * Wp + w), value);
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", name);
	snprintf(op.kind, sizeof op.kind, "pad");
	const char *it[4] = {"n", "c", "h", "w"};
	int64_t shape[4] = {N, C, Hp, Wp};
	for (int d = 0; d < 4; d++) {
		snprintf(op.iter[d].name, sizeof op.iter[d].name, "%s", it[d]);
		op.iter[d].extent = shape[d];
		op.out.index[d].coef[d] = 1, op.in[0].index[d].coef[d] = 1;
	}
	op.in[0].index[2].offset = -pad[0], op.in[0].index[3].offset = -pad[1];
	op.in[1].index[0].coef[2] = 1, op.in[1].index[1].coef[3] = 1;
	op.niters = 4, op.nin = 2;
	op.in[0].tensor = t, op.in[1].tensor = mt;
	op.reduce = IR_REDUCE_ASSIGN, op.combine = IR_COMBINE_ADD, op.acc = DT_INT32;
	int o = ox_add_op(X, &op, name, dt, 4, shape);
	return o < 0 ? -1 : graph(X)->op[o].out.tensor;
}

/* A copy of int16 tensor t as int8, its epilogue e applied first (the
 * cast keeps the low bits). */
static int plane_op(struct ox *X, int t, const char *base, const char *suffix, struct ir_epilogue e)
{
	char name[IR_NAME_MAX];
	ox_name_of(name, base, suffix);
	const struct ir_tensor *x = &graph(X)->tensor[t];
	int op = ox_reshape_op(X, t, x->rank, x->shape, name, name);
	if (op < 0 || ir_add_epilogue(graph(X), op, &e, X->err))
		return -1;
	graph(X)->tensor[graph(X)->op[op].out.tensor].dtype = DT_INT8;
	return graph(X)->op[op].out.tensor;
}

/* Int16 tensor t as its two int8 planes stacked along dimension d: H = t
 * >> 8 first, then L = (t & 255) − 128, t's low byte less 128 (so that t =
 * 256·H + L + 128).  The stacked tensor, or -1. */
static int planes_op(struct ox *X, int t, int d, const char *base)
{
	char name[IR_NAME_MAX];
	ox_name_of(name, base, "planes");
	int h = plane_op(X, t, base, "high", (struct ir_epilogue){.kind = IR_EP_SHR, .imm = 8});
	int l = h < 0 ? -1 : plane_op(X, t, base, "low", (struct ir_epilogue){.kind = IR_EP_ADD, .imm = -128});
	int op = l < 0 ? -1 : ox_concat_op(X, h, l, d, name, name);
	return op < 0 ? -1 : graph(X)->op[op].out.tensor;
}

/* The product over the planes (z, its dimension d twice the result's)
 * summed: y = 256·z[.., i, ..] + z[.., i + D, ..], D the result's extent
 * along d.  The op's index, or -1. */
static int planes_sum_op(struct ox *X, int z, int d, const char *name)
{
	char sname[IR_NAME_MAX];
	ox_name_of(sname, name, "plane_weights");
	uint8_t *w;
	int st = ox_new_constant(X, sname, DT_INT32, 1, (int64_t[]){2}, &w);
	if (st < 0)
		return -1;
	val_put_int(w, DT_INT32, 0, 256);
	val_put_int(w, DT_INT32, 1, 1);
	const struct ir_tensor *Z = &graph(X)->tensor[z];
	int rank = Z->rank;
	int64_t shape[IR_MAX_RANK];
	memcpy(shape, Z->shape, (size_t)rank * sizeof *shape);
	shape[d] /= 2;
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", name);
	snprintf(op.kind, sizeof op.kind, "planes_sum");
	for (int k = 0; k < rank; k++) {
		snprintf(op.iter[k].name, sizeof op.iter[k].name, "d%d", k);
		op.iter[k].extent = shape[k];
		op.out.index[k].coef[k] = op.in[0].index[k].coef[k] = 1;
	}
	snprintf(op.iter[rank].name, sizeof op.iter[rank].name, "plane");
	op.iter[rank].extent = 2, op.iter[rank].reduction = true;
	op.in[0].index[d].coef[rank] = shape[d];
	op.in[1].index[0].coef[rank] = 1;
	op.niters = rank + 1, op.nin = 2, op.in[0].tensor = z, op.in[1].tensor = st;
	op.reduce = IR_REDUCE_SUM, op.combine = IR_COMBINE_MUL, op.acc = DT_INT32;
	return ox_add_op(X, &op, name, DT_INT32, rank, shape);
}

/* Σ (a − za)(b − zb) as int32 tensor `out_name`: the op on int8 operands
 * (named after the node, with the bias input kbias as its epilogue) and
 * its zero-point terms.  Conv: a NCHW, b OIHW (zero points per output
 * channel); MatMul: zero points of b per column.  a may be int16 (planes).
 * The result's tensor, or -1 with an error. */
static int integer_product(struct ox *X, bool is_conv, int ka, int kza, int kb, int kzb, int kbias, const char *out_name)
{
	struct qoperand a, b;
	if (qoperand(X, ka, kza, 0, X->qdq_wide, &a))
		return free(a.c), -1;
	int rc = qoperand(X, kb, kzb, is_conv ? 0 : -1, false, &b);
	if (!rc && a.n != 1)
		rc = ox_node_error(X, "the zero point of input %d has %d values; one (per tensor) is supported", ka, a.n);
	int rows = rc ? 0 : is_conv ? 0 : graph(X)->tensor[a.t].rank - 2; /* where the planes stack */
	if (!rc && a.wide && rows < 0)
		rc = ox_node_error(X, "input %d is int16 of rank 1; a 16-bit operand needs rows to stack its planes", ka);
	char base[IR_NAME_MAX], prod[IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", out_name);
	ox_name_of(prod, base, "product");
	int g = -1;
	if (!rc && is_conv) {
		struct ir_conv2d_attrs at;
		rc = ox_conv_attrs(X, &graph(X)->tensor[a.t], &graph(X)->tensor[b.t], &at);
		if (!rc && a.any_c && (at.pad[0] || at.pad[1] || at.pad[2] || at.pad[3])) {
			if ((a.t = pad_op(X, a.t, a.wide ? 128 - a.c[0] : -a.c[0], at.pad, base)) < 0)
				rc = -1;
			memset(at.pad, 0, sizeof at.pad);
		}
		if (!rc && a.wide && (a.t = planes_op(X, a.t, rows, base)) < 0)
			rc = -1;
		if (!rc && (g = ir_conv2d(graph(X), X->node_name, a.t, b.t, &at, prod, DT_INT32, X->err)) < 0)
			rc = -1;
	} else if (!rc) {
		if (a.wide && (a.t = planes_op(X, a.t, rows, base)) < 0)
			rc = -1;
		if (!rc)
			rc = (g = ox_matmul_op(X, a.t, b.t, false, false, prod, DT_INT32)) < 0 ? -1 : 0;
	}
	if (!rc && !ox_grow(X))
		rc = -1;
	int y = rc ? -1 : graph(X)->op[g].out.tensor;
	if (!rc && b.any_c) {
		int t = a_term(X, g, &b, base);
		char sum[IR_NAME_MAX];
		ox_name_of(sum, base, "with_a_zero");
		int s = t < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_ADD, y, graph(X)->op[t].out.tensor, sum, sum, DT_INT32);
		rc = s < 0 ? -1 : 0;
		y = rc ? -1 : graph(X)->op[s].out.tensor;
	}
	int h = g; /* the op whose result is the whole product: the bias is its epilogue */
	if (!rc && a.wide) {
		char sum[IR_NAME_MAX];
		ox_name_of(sum, base, "planes_sum");
		h = planes_sum_op(X, y, is_conv ? 0 : graph(X)->tensor[y].rank - 2, sum);
		rc = h < 0 ? -1 : 0;
		y = rc ? -1 : graph(X)->op[h].out.tensor;
	}
	if (!rc && kbias >= 0 && (size_t)kbias < X->node->n_input && X->node->input[kbias][0]) {
		int bt = ox_input(X, kbias);
		struct ir_epilogue e = {.kind = IR_EP_BIAS, .tensor = bt, .dim = 1};
		rc = bt < 0 || graph(X)->tensor[bt].dtype != DT_INT32 ? ox_node_error(X, "the bias must be int32")
								       : ir_add_epilogue(graph(X), h, &e, X->err);
	}
	int folded = !rc && a.any_c && !b.any_c ? fold_b_term(X, h, &a, &b, is_conv ? 1 : graph(X)->tensor[y].rank - 1) : 0;
	if (folded < 0)
		rc = -1;
	if (!rc && a.any_c && !folded) {
		int t = b_term(X, g, &a, &b, base);
		char sum[IR_NAME_MAX];
		ox_name_of(sum, base, "with_b_zero");
		int s = t < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_ADD, y, graph(X)->op[t].out.tensor, sum, sum, DT_INT32);
		rc = s < 0 ? -1 : 0;
		y = rc ? -1 : graph(X)->op[s].out.tensor;
	}
	if (!rc) /* the last of them is the product */
		snprintf(graph(X)->tensor[y].name, IR_NAME_MAX, "%s", out_name);
	free(a.c);
	free(b.c);
	return rc || !ox_grow(X) ? -1 : y;
}

/* ---- the converters ---- */

static int bind_tensor(struct ox *X, int t)
{
	return t < 0 ? -1 : ox_bind_output(X, 0, t);
}

int ox_conv_integer(struct ox *X)
{
	return bind_tensor(X, integer_product(X, true, 0, 2, 1, 3, -1, ox_output_name(X, 0)));
}

int ox_matmul_integer(struct ox *X)
{
	return bind_tensor(X, integer_product(X, false, 0, 2, 1, 3, -1, ox_output_name(X, 0)));
}

/* A constant of dtype dt shaped to broadcast along dimension `dim` of a
 * rank-r tensor ([n, 1, ..., 1]; [1] for one value), from the values f
 * (floating point) or i (integers). */
static int broadcast_constant(struct ox *X, const char *name, enum dtype dt, const double *f, const int64_t *i, int n,
			      int r, int dim)
{
	int64_t shape[IR_MAX_RANK];
	int rank = n == 1 ? 1 : r - dim;
	for (int d = 0; d < rank; d++)
		shape[d] = d ? 1 : n;
	uint8_t *data;
	int t = ox_new_constant(X, name, dt, rank, shape, &data);
	for (int k = 0; t >= 0 && k < n; k++) {
		if (dtype_float(dt))
			val_put_float(data, dt, (uint64_t)k, f[k]);
		else
			val_put_int(data, dt, (uint64_t)k, i[k]);
	}
	return t;
}

/* The integer result y (int32) requantized: y·m in fp32, rounded to
 * nearest even, plus the output zero point, saturated to its dtype. */
static int requantize(struct ox *X, int y, const double *m, int n, int dim, int kzy)
{
	struct qconst zy;
	if (read_qconst(X, kzy, 0, true, DT_UINT8, &zy))
		return -1;
	enum dtype odt = zy.dtype;
	int64_t z = zy.i[0];
	qconst_free(&zy);
	if (!is_8bit(odt) && !(X->qdq_wide && odt == DT_INT16))
		return ox_node_error(X, "the output zero point is %s; int8 or uint8 expected", dtype_name(odt));
	char base[IR_NAME_MAX], real[IR_NAME_MAX], mname[IR_NAME_MAX], opname[IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", ox_output_name(X, 0));
	ox_name_of(real, base, "real");
	ox_name_of(mname, base, "multiplier");
	ox_name_of(opname, X->node_name, "requantize");
	const struct ir_tensor *t = &graph(X)->tensor[y];
	int r = t->rank;
	int c = ox_reshape_op(X, y, t->rank, t->shape, real, real); /* int32 to fp32 */
	if (c < 0)
		return -1;
	int f = graph(X)->op[c].out.tensor;
	graph(X)->tensor[f].dtype = DT_FP32;
	int mt = broadcast_constant(X, mname, DT_FP32, m, NULL, n, r, dim);
	int q = mt < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_MUL, f, mt, opname, base, odt);
	if (q < 0)
		return -1;
	int64_t lo, hi;
	int_bounds(odt, &lo, &hi);
	if (X->relu_floor && z > lo) /* a Relu before the quantization: nothing below the zero point */
		lo = z > hi ? hi : z;
	struct ir_epilogue e[] = {{.kind = IR_EP_ROUND}, {.kind = IR_EP_ADD, .imm = z}, {.kind = IR_EP_CLIP, .lo = lo, .hi = hi}};
	for (size_t i = 0; i < sizeof e / sizeof *e; i++)
		if (ir_add_epilogue(graph(X), q, &e[i], X->err))
			return -1;
	return graph(X)->op[q].out.tensor;
}

/* QLinearConv and QLinearMatMul: inputs a, a_scale, a_zero_point, b,
 * b_scale, b_zero_point, y_scale, y_zero_point (and the conv's bias). */
static int qlinear(struct ox *X, bool is_conv)
{
	char acc[IR_NAME_MAX];
	ox_name_of(acc, ox_output_name(X, 0), "acc");
	struct qconst sa, sb, sy;
	if (read_qconst(X, 1, 0, false, DT_FP32, &sa))
		return -1;
	int y = integer_product(X, is_conv, 0, 2, 3, 5, is_conv ? 8 : -1, acc);
	if (y < 0) {
		qconst_free(&sa);
		return -1;
	}
	const struct ir_tensor *t = &graph(X)->tensor[y];
	int dim = is_conv ? 1 : t->rank - 1;
	int rc = read_qconst(X, 4, t->shape[dim], false, DT_FP32, &sb);
	if (!rc && (rc = read_qconst(X, 6, 0, false, DT_FP32, &sy)))
		qconst_free(&sb);
	if (rc) {
		qconst_free(&sa);
		return -1;
	}
	if (!dtype_float(sa.dtype) || !dtype_float(sb.dtype) || !dtype_float(sy.dtype))
		rc = ox_node_error(X, "scales must be floating point");
	double *m = rc ? NULL : try_calloc((size_t)sb.n, sizeof *m);
	if (!rc && !m)
		rc = diag_nomem(X->err, X->file, (size_t)sb.n * sizeof *m, "the multipliers");
	for (int i = 0; !rc && i < sb.n; i++) /* in fp32, as onnxruntime computes it */
		m[i] = (double)((float)((float)sa.f[0] * (float)sb.f[i]) / (float)sy.f[0]);
	rc = rc ? -1 : bind_tensor(X, requantize(X, y, m, sb.n, dim, 7));
	free(m);
	qconst_free(&sa);
	qconst_free(&sb);
	qconst_free(&sy);
	return rc;
}

int ox_qlinear_conv(struct ox *X) { return qlinear(X, true); }
int ox_qlinear_matmul(struct ox *X) { return qlinear(X, false); }

/* The axis of a per-axis scale (default 1), checked against rank r when
 * the scale (input 1) has more than one value: the axis of one is ignored. */
static int quant_axis(struct ox *X, int r, int *axis)
{
	int64_t a = ox_attr_int(X, "axis", 1);
	const struct ox_value *s = ox_const_input(X, 1, false);
	if (!s)
		return -1;
	if (ox_value_elems(s) == 1) {
		*axis = 0;
		return 0;
	}
	if (a < -r || a >= r)
		return ox_node_error(X, "axis %" PRId64 " of a rank-%d input", a, r);
	*axis = (int)(a < 0 ? a + r : a);
	return 0;
}

/* y = saturate(round(x / scale) + zero_point) */
int ox_quantize_linear(struct ox *X)
{
	int x = ox_input(X, 0);
	if (x < 0)
		return -1;
	const struct ir_tensor *t = &graph(X)->tensor[x];
	int r = t->rank, axis;
	if (!dtype_float(t->dtype))
		return ox_node_error(X, "input '%s' is %s; floating point is supported", t->name, dtype_name(t->dtype));
	if (quant_axis(X, r, &axis))
		return -1;
	int64_t extent = t->shape[axis];
	struct qconst s, z;
	if (read_qconst(X, 1, extent, false, DT_FP32, &s))
		return -1;
	if (read_qconst(X, 2, extent, true, DT_UINT8, &z))
		return qconst_free(&s), -1;
	int rc = 0;
	if (!is_quantized_dtype(z.dtype))
		rc = ox_node_error(X, "the zero point is %s; int8, uint8 or int16 expected", dtype_name(z.dtype));
	int64_t lo, hi;
	int_bounds(z.dtype, &lo, &hi);
	char base[IR_NAME_MAX], sname[IR_NAME_MAX], zname[IR_NAME_MAX], q[IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", ox_output_name(X, 0));
	ox_name_of(sname, base, "scale");
	ox_name_of(zname, base, "zero_point");
	ox_name_of(q, base, "rounded");
	int st = rc ? -1 : broadcast_constant(X, sname, DT_FP32, s.f, NULL, s.n, r, axis);
	/* one zero point: added in the same op; one per channel: an op after */
	int op = st < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_DIV, x, st, z.n == 1 ? X->node_name : q, z.n == 1 ? base : q,
					       z.n == 1 ? z.dtype : DT_INT32);
	struct ir_epilogue round = {.kind = IR_EP_ROUND}, add = {.kind = IR_EP_ADD, .imm = z.i[0]},
			   clip = {.kind = IR_EP_CLIP, .lo = lo, .hi = hi};
	rc = op < 0 || ir_add_epilogue(graph(X), op, &round, X->err) ? -1 : 0;
	if (!rc && z.n == 1)
		rc = ir_add_epilogue(graph(X), op, &add, X->err) || ir_add_epilogue(graph(X), op, &clip, X->err) ? -1 : 0;
	else if (!rc) {
		int zt = broadcast_constant(X, zname, DT_INT32, NULL, z.i, z.n, r, axis);
		int in = graph(X)->op[op].out.tensor;
		op = zt < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_ADD, in, zt, X->node_name, base, z.dtype);
		rc = op < 0 || ir_add_epilogue(graph(X), op, &clip, X->err) ? -1 : 0;
	}
	qconst_free(&s);
	qconst_free(&z);
	return rc ? -1 : bind_tensor(X, graph(X)->op[op].out.tensor);
}

/* y = (x − zero_point) · scale, in fp32 */
int ox_dequantize_linear(struct ox *X)
{
	int x = ox_input(X, 0);
	if (x < 0)
		return -1;
	const struct ir_tensor *t = &graph(X)->tensor[x];
	int r = t->rank, axis;
	if (!is_quantized_dtype(t->dtype) && t->dtype != DT_INT32)
		return ox_node_error(X, "input '%s' is %s; int8, uint8, int16 or int32 is supported", t->name,
				     dtype_name(t->dtype));
	if (quant_axis(X, r, &axis))
		return -1;
	int64_t extent = t->shape[axis];
	enum dtype xd = t->dtype;
	struct qconst s, z;
	if (read_qconst(X, 1, extent, false, DT_FP32, &s))
		return -1;
	if (read_qconst(X, 2, extent, true, xd, &z))
		return qconst_free(&s), -1;
	int rc = 0;
	if (z.dtype != xd)
		rc = ox_node_error(X, "the zero point is %s; it must be %s like the input", dtype_name(z.dtype), dtype_name(xd));
	char base[IR_NAME_MAX], sname[IR_NAME_MAX], zname[IR_NAME_MAX], c[IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", ox_output_name(X, 0));
	ox_name_of(sname, base, "scale");
	ox_name_of(zname, base, "zero_point");
	ox_name_of(c, base, "centered");
	int zt = rc ? -1 : broadcast_constant(X, zname, xd, NULL, z.i, z.n, r, axis);
	int op = zt < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_SUB, x, zt, c, c, DT_FP32);
	int st = op < 0 ? -1 : broadcast_constant(X, sname, DT_FP32, s.f, NULL, s.n, r, axis);
	int in = op < 0 ? -1 : graph(X)->op[op].out.tensor;
	op = st < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_MUL, in, st, X->node_name, base, DT_FP32);
	qconst_free(&s);
	qconst_free(&z);
	return op < 0 ? -1 : bind_tensor(X, graph(X)->op[op].out.tensor);
}
