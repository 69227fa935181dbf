/* ONNX's activations, elementary functions and normalizations that are not
 * Relu or Clip (docs/onnx.md), each a few IR ops made of the IR's combines
 * and epilogues, so that every backend computes them the same way:
 *
 *   LeakyRelu, PRelu  relu(x) + slope · min(x, 0), min(x, 0) = −relu(−x)
 *                     (one of the two terms is 0, so the sum is exact)
 *   Exp, Log, Sqrt    a copy with the exp (log, sqrt) epilogue
 *   Pow               x · x, x or sqrt(x) for the constant exponents 2, 1, 0.5
 *   Sigmoid           1 / (1 + exp(−x))
 *   Softmax           e = exp(x − max(x)), e / sum(e), along the axis
 *   LogSoftmax        d = x − max(x), d − log(sum(exp(d)))
 *   LayerNormalization  d = x − mean(x), d / sqrt(mean(d · d) + epsilon) ·
 *                     scale + B, as the reference rounds it
 *   Tanh, Erf         a copy with the tanh (erf) epilogue
 *   HardSigmoid       min(relu(alpha · x + beta), 1)
 *   HardSwish         x · HardSigmoid(x), alpha 1/6, beta 1/2
 *   Softplus          log(exp(x) + 1)
 *   Elu, Selu         relu(x) + alpha · (exp(min(x, 0)) − 1) (Selu: both
 *                     terms times gamma)
 *   Abs, Neg          relu(x) + relu(−x); a copy times −1
 *   Reciprocal        1 / x
 *
 * Intermediate values are fp32 (an fp16 input's are exact in it). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "onnx_int.h"
#include "base/value.h"

static struct ir_graph *graph(struct ox *X) { return &X->w->g; }


/* A copy of tensor t with epilogues e, as dtype dt: its output, or -1. */
static int copy_with(struct ox *X, int t, const struct ir_epilogue *e, int n, enum dtype dt, const char *name)
{
	const struct ir_tensor *x = &graph(X)->tensor[t];
	int64_t shape[IR_MAX_RANK];
	memcpy(shape, x->shape, sizeof shape);
	int op = ox_reshape_op(X, t, x->rank, shape, name, name);
	for (int i = 0; op >= 0 && i < n; i++)
		if (ir_add_epilogue(graph(X), op, &e[i], X->err))
			return -1;
	if (op < 0)
		return -1;
	int o = graph(X)->op[op].out.tensor;
	graph(X)->tensor[o].dtype = dt;
	return o;
}

/* A float constant of one value, shape [1]. */
static int scalar(struct ox *X, const char *name, double v)
{
	uint8_t *data;
	int t = ox_new_constant(X, name, DT_FP32, 1, (int64_t[]){1}, &data);
	if (t >= 0)
		val_put_float(data, DT_FP32, 0, v);
	return t;
}

static int input_float(struct ox *X, int k)
{
	int x = ox_input(X, k);
	if (x >= 0 && !dtype_float(graph(X)->tensor[x].dtype))
		return ox_node_error(X, "input '%s' is %s; float16 or float is supported", graph(X)->tensor[x].name,
				     dtype_name(graph(X)->tensor[x].dtype));
	return x;
}

/* relu(x) + slope · min(x, 0), slope broadcast against x */
static int leaky(struct ox *X, int x, int slope)
{
	char base[IR_NAME_MAX], pos[IR_NAME_MAX], neg[IR_NAME_MAX], scaled[IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", ox_output_name(X, 0));
	ox_name_of(pos, base, "positive");
	ox_name_of(neg, base, "negative");
	ox_name_of(scaled, base, "scaled");
	enum dtype dt = graph(X)->tensor[x].dtype;
	struct ir_epilogue relu = {.kind = IR_EP_RELU}, flip = {.kind = IR_EP_MUL, .imm = -1};
	int p = copy_with(X, x, &relu, 1, DT_FP32, pos);
	int m = p < 0 ? -1 : copy_with(X, x, (struct ir_epilogue[]){flip, relu, flip}, 3, DT_FP32, neg);
	int s = m < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_MUL, m, slope, scaled, scaled, DT_FP32);
	if (s < 0)
		return -1;
	int y = ox_broadcast_op(X, IR_COMBINE_ADD, p, graph(X)->op[s].out.tensor, X->node_name, base, dt);
	return y < 0 ? -1 : ox_bind_output(X, 0, graph(X)->op[y].out.tensor);
}

int ox_leaky_relu(struct ox *X)
{
	int x = input_float(X, 0);
	char name[IR_NAME_MAX];
	ox_name_of(name, ox_output_name(X, 0), "alpha");
	int a = x < 0 ? -1 : scalar(X, name, (float)ox_attr_float(X, "alpha", 0.01));
	return a < 0 ? -1 : leaky(X, x, a);
}

int ox_prelu(struct ox *X)
{
	int x = input_float(X, 0), s = x < 0 ? -1 : input_float(X, 1);
	return s < 0 ? -1 : leaky(X, x, s);
}

/* A copy of tensor x with epilogues e, this node's op and output. */
static int with_epilogues(struct ox *X, int x, const struct ir_epilogue *e, int n)
{
	int y = x < 0 ? -1 : copy_with(X, x, e, n, graph(X)->tensor[x].dtype, ox_output_name(X, 0));
	if (y >= 0) /* the copy is this node's op */
		snprintf(graph(X)->op[graph(X)->tensor[y].producer].name, IR_NAME_MAX, "%s", X->node_name);
	return y < 0 ? -1 : ox_bind_output(X, 0, y);
}

static int with_epilogue(struct ox *X, int x, enum ir_epilogue_kind kind)
{
	return with_epilogues(X, x, &(struct ir_epilogue){.kind = kind}, 1);
}

int ox_exp(struct ox *X) { return with_epilogue(X, input_float(X, 0), IR_EP_EXP); }
int ox_tanh(struct ox *X) { return with_epilogue(X, input_float(X, 0), IR_EP_TANH); }
int ox_erf(struct ox *X) { return with_epilogue(X, input_float(X, 0), IR_EP_ERF); }
int ox_log(struct ox *X) { return with_epilogue(X, input_float(X, 0), IR_EP_LOG); }
int ox_sqrt(struct ox *X) { return with_epilogue(X, input_float(X, 0), IR_EP_SQRT); }

/* Pow with a constant exponent of one value: 2 is x · x, 1 a copy, 0.5 the
 * square root (others are refused). */
int ox_pow(struct ox *X)
{
	const struct ox_value *e = ox_const_input(X, 1, false);
	int x = e ? ox_input(X, 0) : -1;
	if (x < 0)
		return -1;
	if (ox_value_elems(e) != 1)
		return ox_node_error(X, "exponent '%s' has %" PRId64 " values; a constant exponent of one value is supported",
				     e->name, ox_value_elems(e));
	double p;
	int64_t ip;
	int n = 0;
	if (e->is_int64 ? !ox_const_ints(X, e, &ip, 1, &n) : ox_const_scalar(X, e, &p))
		return -1;
	if (e->is_int64)
		p = (double)ip;
	const struct ir_tensor *t = &graph(X)->tensor[x];
	if (p == 2)
		return ox_bind_op(X, ir_elementwise(graph(X), X->node_name, IR_COMBINE_MUL, x, x, ox_output_name(X, 0),
						    t->dtype, X->err));
	if (p == 1)
		return ox_identity(X);
	if (p == 0.5)
		return with_epilogue(X, input_float(X, 0), IR_EP_SQRT);
	return ox_node_error(X, "exponent %g; the supported constant exponents are 2, 1 and 0.5", p);
}

int ox_sigmoid(struct ox *X)
{
	int x = input_float(X, 0);
	if (x < 0)
		return -1;
	char base[IR_NAME_MAX], den[IR_NAME_MAX], one[IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", ox_output_name(X, 0));
	ox_name_of(den, base, "denominator");
	ox_name_of(one, base, "one");
	enum dtype dt = graph(X)->tensor[x].dtype;
	struct ir_epilogue e[] = {{.kind = IR_EP_MUL, .imm = -1}, {.kind = IR_EP_EXP}, {.kind = IR_EP_ADD, .imm = 1}};
	int d = copy_with(X, x, e, 3, DT_FP32, den), c = d < 0 ? -1 : scalar(X, one, 1);
	int y = c < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_DIV, c, d, X->node_name, base, dt);
	return y < 0 ? -1 : ox_bind_output(X, 0, graph(X)->op[y].out.tensor);
}

int ox_reduce_op(struct ox *X, int in, unsigned mask, bool keep, enum ir_reduce r, const char *op_name,
		 const char *out_name, enum dtype out_dtype)
{
	const struct ir_tensor *x = &graph(X)->tensor[in];
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", op_name);
	snprintf(op.kind, sizeof op.kind, "reduce");
	int64_t shape[IR_MAX_RANK];
	int rank = 0;
	for (int d = 0; d < x->rank; d++) {
		bool reduced = mask >> d & 1;
		snprintf(op.iter[d].name, sizeof op.iter[d].name, "d%d", d);
		op.iter[d].extent = x->shape[d];
		op.iter[d].reduction = reduced;
		op.in[0].index[d].coef[d] = 1;
		if (!reduced)
			op.out.index[rank].coef[d] = 1;
		if (!reduced || keep)
			shape[rank++] = reduced ? 1 : x->shape[d];
	}
	if (!rank) /* every dimension reduced away: one value */
		shape[rank++] = 1;
	op.niters = x->rank, op.nin = 1, op.in[0].tensor = in;
	op.reduce = r, op.combine = IR_COMBINE_COPY, op.acc = dtype_float(x->dtype) ? DT_FP32 : DT_INT32;
	int o = ox_add_op(X, &op, out_name, out_dtype, rank, shape);
	return o < 0 ? -1 : graph(X)->op[o].out.tensor;
}

/* out[...] reduce= in[...] over dimensions from .. to − 1, which the
 * output keeps as 1 */
static int reduce_dims(struct ox *X, int in, int from, int to, enum ir_reduce r, const char *name)
{
	unsigned mask = 0;
	for (int d = from; d < to; d++)
		mask |= 1u << d;
	return ox_reduce_op(X, in, mask, true, r, name, name, DT_FP32);
}

/* Softmax's (LogSoftmax's) dimensions: `axis` (opset 13 on, default -1),
 * or every dimension from `axis` on (before 13, default 1: the input seen
 * as 2-D), as [*from, *to); 0, or -1 with an error. */
static int softmax_dims(struct ox *X, int x, int *from, int *to)
{
	int rank = graph(X)->tensor[x].rank;
	int64_t axis = ox_attr_int(X, "axis", X->opset >= 13 ? -1 : 1);
	if (axis < -rank || axis >= rank)
		return ox_node_error(X, "axis %" PRId64 " of a rank-%d input", axis, rank);
	*from = (int)(axis < 0 ? axis + rank : axis);
	*to = X->opset >= 13 ? *from + 1 : rank;
	return 0;
}

/* LogSoftmax as ONNX's reference: d = x − max(x), d − log(sum(exp(d))) */
int ox_log_softmax(struct ox *X)
{
	int x = input_float(X, 0), from, to;
	if (x < 0 || softmax_dims(X, x, &from, &to))
		return -1;
	char base[IR_NAME_MAX], mx[IR_NAME_MAX], diff[IR_NAME_MAX], ex[IR_NAME_MAX], sum[IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", ox_output_name(X, 0));
	ox_name_of(mx, base, "max");
	ox_name_of(diff, base, "shifted");
	ox_name_of(ex, base, "exp");
	ox_name_of(sum, base, "logsum");
	struct ir_epilogue exp_e = {.kind = IR_EP_EXP}, log_e = {.kind = IR_EP_LOG};
	int m = reduce_dims(X, x, from, to, IR_REDUCE_MAX, mx);
	int d = m < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_SUB, x, m, diff, diff, DT_FP32);
	int e = d < 0 ? -1 : copy_with(X, graph(X)->op[d].out.tensor, &exp_e, 1, DT_FP32, ex);
	int s = e < 0 ? -1 : reduce_dims(X, e, from, to, IR_REDUCE_SUM, sum);
	if (s < 0 || ir_add_epilogue(graph(X), graph(X)->tensor[s].producer, &log_e, X->err))
		return -1;
	int y = ox_broadcast_op(X, IR_COMBINE_SUB, graph(X)->op[d].out.tensor, s, X->node_name, base,
				graph(X)->tensor[x].dtype);
	return y < 0 ? -1 : ox_bind_output(X, 0, graph(X)->op[y].out.tensor);
}

/* Softmax over softmax_dims */
int ox_softmax(struct ox *X)
{
	int x = input_float(X, 0), from, to;
	if (x < 0 || softmax_dims(X, x, &from, &to))
		return -1;
	enum dtype dt = graph(X)->tensor[x].dtype;
	char base[IR_NAME_MAX], mx[IR_NAME_MAX], ex[IR_NAME_MAX], sum[IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", ox_output_name(X, 0));
	ox_name_of(mx, base, "max");
	ox_name_of(ex, base, "exp");
	ox_name_of(sum, base, "sum");
	int m = reduce_dims(X, x, from, to, IR_REDUCE_MAX, mx);
	int e = m < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_SUB, x, m, ex, ex, DT_FP32);
	struct ir_epilogue exp_e = {.kind = IR_EP_EXP};
	if (e < 0 || ir_add_epilogue(graph(X), e, &exp_e, X->err))
		return -1;
	int et = graph(X)->op[e].out.tensor;
	int s = reduce_dims(X, et, from, to, IR_REDUCE_SUM, sum);
	int y = s < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_DIV, et, s, X->node_name, base, dt);
	return y < 0 ? -1 : ox_bind_output(X, 0, graph(X)->op[y].out.tensor);
}

/* ---- piecewise activations, as ONNX's reference computes them ---- */

/* out = a OP (a float constant of one value), named BASE.WHAT (op and tensor) */
static int with_scalar(struct ox *X, enum ir_combine c, int a, double v, const char *base, const char *what)
{
	char name[IR_NAME_MAX], cname[IR_NAME_MAX];
	ox_name_of(name, base, what);
	ox_name_of(cname, name, "value");
	int k = scalar(X, cname, (float)v);
	int op = k < 0 ? -1 : ox_broadcast_op(X, c, a, k, name, name, DT_FP32);
	return op < 0 ? -1 : graph(X)->op[op].out.tensor;
}

/* relu(alpha · x + beta), clipped to 1 by the op named `op_name` into `out_name` of dtype dt: HardSigmoid */
static int hard_sigmoid(struct ox *X, int x, double alpha, double beta, const char *op_name, const char *out_name,
			enum dtype dt)
{
	char base[IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", ox_output_name(X, 0));
	int s = with_scalar(X, IR_COMBINE_MUL, x, alpha, base, "scaled");
	int t = s < 0 ? -1 : with_scalar(X, IR_COMBINE_ADD, s, beta, base, "shifted");
	struct ir_epilogue relu = {.kind = IR_EP_RELU};
	char one[IR_NAME_MAX];
	ox_name_of(one, base, "one");
	int c = t < 0 || ir_add_epilogue(graph(X), graph(X)->tensor[t].producer, &relu, X->err) ? -1 : scalar(X, one, 1);
	int y = c < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_MIN, t, c, op_name, out_name, dt);
	return y < 0 ? -1 : graph(X)->op[y].out.tensor;
}

int ox_hard_sigmoid(struct ox *X)
{
	int x = input_float(X, 0);
	double alpha = (float)ox_attr_float(X, "alpha", 0.2), beta = (float)ox_attr_float(X, "beta", 0.5);
	int y = x < 0 ? -1 : hard_sigmoid(X, x, alpha, beta, X->node_name, ox_output_name(X, 0), graph(X)->tensor[x].dtype);
	return y < 0 ? -1 : ox_bind_output(X, 0, y);
}

int ox_hard_swish(struct ox *X)
{
	int x = input_float(X, 0);
	char gate[IR_NAME_MAX];
	ox_name_of(gate, ox_output_name(X, 0), "gate");
	int h = x < 0 ? -1 : hard_sigmoid(X, x, (float)(1.0 / 6), 0.5, gate, gate, DT_FP32);
	int y = h < 0 ? -1
		      : ox_broadcast_op(X, IR_COMBINE_MUL, x, h, X->node_name, ox_output_name(X, 0), graph(X)->tensor[x].dtype);
	return y < 0 ? -1 : ox_bind_output(X, 0, graph(X)->op[y].out.tensor);
}

int ox_softplus(struct ox *X)
{
	int x = input_float(X, 0);
	struct ir_epilogue e[] = {{.kind = IR_EP_EXP}, {.kind = IR_EP_ADD, .imm = 1}, {.kind = IR_EP_LOG}};
	return with_epilogues(X, x, e, 3);
}

/* relu(x) · gamma + (exp(min(x, 0)) − 1) · alpha · gamma (gamma 1: Elu) */
static int elu(struct ox *X, double alpha, double gamma)
{
	int x = input_float(X, 0);
	if (x < 0)
		return -1;
	char base[IR_NAME_MAX], pos[IR_NAME_MAX], neg[IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", ox_output_name(X, 0));
	ox_name_of(pos, base, "positive");
	ox_name_of(neg, base, "negative");
	struct ir_epilogue relu = {.kind = IR_EP_RELU}, flip = {.kind = IR_EP_MUL, .imm = -1};
	struct ir_epilogue expm1[] = {flip, relu, flip, {.kind = IR_EP_EXP}, {.kind = IR_EP_ADD, .imm = -1}};
	int p = copy_with(X, x, &relu, 1, DT_FP32, pos);
	int m = p < 0 ? -1 : copy_with(X, x, expm1, 5, DT_FP32, neg);
	int s = m < 0 ? -1 : with_scalar(X, IR_COMBINE_MUL, m, alpha, base, "alpha");
	if (s >= 0 && gamma != 1) {
		p = with_scalar(X, IR_COMBINE_MUL, p, gamma, base, "gamma");
		s = p < 0 ? -1 : with_scalar(X, IR_COMBINE_MUL, s, gamma, base, "alpha_gamma");
	}
	int y = s < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_ADD, p, s, X->node_name, base, graph(X)->tensor[x].dtype);
	return y < 0 ? -1 : ox_bind_output(X, 0, graph(X)->op[y].out.tensor);
}

int ox_elu(struct ox *X) { return elu(X, (float)ox_attr_float(X, "alpha", 1.0), 1); }

int ox_selu(struct ox *X)
{
	return elu(X, (float)ox_attr_float(X, "alpha", 1.67326319217681884765625),
		   (float)ox_attr_float(X, "gamma", 1.05070102214813232421875));
}

/* relu(x) + relu(−x), in the accumulator's type (an int8 −128 wraps back, as numpy's abs does) */
int ox_abs(struct ox *X)
{
	int x = ox_input(X, 0);
	if (x < 0)
		return -1;
	enum dtype dt = graph(X)->tensor[x].dtype, acc = dtype_float(dt) ? DT_FP32 : DT_INT32;
	char base[IR_NAME_MAX], pos[IR_NAME_MAX], neg[IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", ox_output_name(X, 0));
	ox_name_of(pos, base, "positive");
	ox_name_of(neg, base, "negative");
	struct ir_epilogue relu = {.kind = IR_EP_RELU}, flip = {.kind = IR_EP_MUL, .imm = -1};
	int p = copy_with(X, x, &relu, 1, acc, pos);
	int m = p < 0 ? -1 : copy_with(X, x, (struct ir_epilogue[]){flip, relu}, 2, acc, neg);
	return m < 0 ? -1 : ox_bind_op(X, ir_elementwise(graph(X), X->node_name, IR_COMBINE_ADD, p, m, base, dt, X->err));
}

/* 1 / x */
int ox_reciprocal(struct ox *X)
{
	int x = input_float(X, 0);
	char one[IR_NAME_MAX];
	ox_name_of(one, ox_output_name(X, 0), "one");
	int c = x < 0 ? -1 : scalar(X, one, 1);
	int y = c < 0 ? -1
		      : ox_broadcast_op(X, IR_COMBINE_DIV, c, x, X->node_name, ox_output_name(X, 0), graph(X)->tensor[x].dtype);
	return y < 0 ? -1 : ox_bind_output(X, 0, graph(X)->op[y].out.tensor);
}

int ox_neg(struct ox *X)
{
	int x = ox_input(X, 0);
	return with_epilogues(X, x, &(struct ir_epilogue){.kind = IR_EP_MUL, .imm = -1}, 1);
}

/* Inference: a copy.  Training (a true training_mode, before opset 7 is_test
 * 0) and the mask output are refused rather than ignored. */
int ox_dropout(struct ox *X)
{
	if (X->node->n_output > 1 && X->node->output[1][0])
		return ox_node_error(X, "the mask output is not supported (inference only)");
	const struct ox_value *t = X->node->n_input > 2 && X->node->input[2][0] ? ox_const_input(X, 2, false) : NULL;
	double training = 0;
	if (X->node->n_input > 2 && X->node->input[2][0] && (!t || ox_const_scalar(X, t, &training)))
		return -1;
	if (training != 0 || (X->opset < 7 && !ox_attr_int(X, "is_test", 0)))
		return ox_node_error(X, "training mode is not supported (inference only)");
	return ox_identity(X);
}

/* ---- LayerNormalization ---- */

/* The sum over dimensions from .. rank − 1 (kept as 1) divided by their
 * count: their mean, as the reference's sum / count */
static int mean_over(struct ox *X, int in, int from, const char *name)
{
	const struct ir_tensor *t = &graph(X)->tensor[in];
	int64_t count = 1;
	for (int d = from; d < t->rank; d++)
		count *= t->shape[d];
	struct ir_epilogue div = {.kind = IR_EP_DIV, .imm = count};
	int s = reduce_dims(X, in, from, t->rank, IR_REDUCE_SUM, name);
	return s < 0 || ir_add_epilogue(graph(X), graph(X)->tensor[s].producer, &div, X->err) ? -1 : s;
}

/* As ONNX's reference: d = x − mean(x), inv = 1 / sqrt(mean(d · d) +
 * epsilon), y = d · inv · scale + B over the dimensions from `axis` on;
 * the Mean and InvStdDev outputs where the node names them. */
int ox_layer_normalization(struct ox *X)
{
	int x = input_float(X, 0), w = x < 0 ? -1 : input_float(X, 1);
	int b = w >= 0 && X->node->n_input > 2 && X->node->input[2][0] ? input_float(X, 2) : -2;
	if (w < 0 || b == -1)
		return -1;
	int rank = graph(X)->tensor[x].rank;
	int64_t axis = ox_attr_int(X, "axis", -1);
	if (axis < -rank || axis >= rank)
		return ox_node_error(X, "axis %" PRId64 " of a rank-%d input", axis, rank);
	int from = (int)(axis < 0 ? axis + rank : axis);
	char base[IR_NAME_MAX], n[6][IR_NAME_MAX];
	snprintf(base, sizeof base, "%s", ox_output_name(X, 0));
	const char *what[] = {"centred", "squared", "variance", "eps", "one", "normalized"};
	for (int i = 0; i < 6; i++)
		ox_name_of(n[i], base, what[i]);
	char mean_name[IR_NAME_MAX], inv_name[IR_NAME_MAX];
	bool has_mean = X->node->n_output > 1 && X->node->output[1][0];
	bool has_inv = X->node->n_output > 2 && X->node->output[2][0];
	snprintf(mean_name, sizeof mean_name, "%s", has_mean ? ox_output_name(X, 1) : "");
	if (!has_mean)
		ox_name_of(mean_name, base, "mean");
	snprintf(inv_name, sizeof inv_name, "%s", has_inv ? ox_output_name(X, 2) : "");
	if (!has_inv)
		ox_name_of(inv_name, base, "inv_std_dev");
	int m = mean_over(X, x, from, mean_name);
	int d = m < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_SUB, x, m, n[0], n[0], DT_FP32);
	int dt = d < 0 ? -1 : graph(X)->op[d].out.tensor;
	int sq = dt < 0 ? -1 : ir_elementwise(graph(X), n[1], IR_COMBINE_MUL, dt, dt, n[1], DT_FP32, X->err);
	int v = sq < 0 || !ox_grow(X) ? -1 : mean_over(X, graph(X)->op[sq].out.tensor, from, n[2]);
	int ve = v < 0 ? -1 : with_scalar(X, IR_COMBINE_ADD, v, (float)ox_attr_float(X, "epsilon", 1e-5), base, what[3]);
	struct ir_epilogue root = {.kind = IR_EP_SQRT};
	int one = ve < 0 || ir_add_epilogue(graph(X), graph(X)->tensor[ve].producer, &root, X->err) ? -1 : scalar(X, n[4], 1);
	int inv = one < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_DIV, one, ve, inv_name, inv_name, DT_FP32);
	int y = inv < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_MUL, dt, graph(X)->op[inv].out.tensor, n[5], n[5], DT_FP32);
	enum dtype out = graph(X)->tensor[x].dtype;
	char scaled[IR_NAME_MAX];
	ox_name_of(scaled, base, "scaled");
	if (y >= 0) /* times the scale: the result, or before the bias */
		y = ox_broadcast_op(X, IR_COMBINE_MUL, graph(X)->op[y].out.tensor, w, b < 0 ? X->node_name : scaled,
				    b < 0 ? base : scaled, b < 0 ? out : DT_FP32);
	if (y >= 0 && b >= 0)
		y = ox_broadcast_op(X, IR_COMBINE_ADD, graph(X)->op[y].out.tensor, b, X->node_name, base, out);
	if (y < 0 || ox_bind_output(X, 0, graph(X)->op[y].out.tensor))
		return -1;
	if (has_mean && ox_bind_output(X, 1, m))
		return -1;
	return has_inv ? ox_bind_output(X, 2, graph(X)->op[inv].out.tensor) : 0;
}
