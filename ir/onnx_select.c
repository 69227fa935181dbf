/* ONNX's comparisons and selections (docs/onnx.md), made of the IR's
 * comparison combines and pick:
 *
 *   Equal, Greater, GreaterOrEqual   a == b, a > b, a >= b (numpy's broadcasting)
 *   Less, LessOrEqual                b > a, b >= a
 *   Not                              x == 0
 *   Where(c, x, y)                   pick(c, x) + pick(c == 0, y): one of the
 *                                    terms is -0 (integers: 0), so the sum
 *                                    is x or y bit for bit
 *   Cast                             a copy with the IR's cast; to bool pick(x, 1)
 *   If(c)                            both branches imported (ir/onnx_if.c),
 *                                    each output Where(c, then, else)
 *
 * A bool is a uint8 holding 0 or 1. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "onnx_int.h"
#include "base/value.h"

static struct ir_graph *graph(struct ox *X) { return &X->w->g; }

int ox_scalar(struct ox *X, const char *base, const char *what, enum dtype dt, double v)
{
	char name[IR_NAME_MAX];
	ox_name_of(name, base, what);
	uint8_t *data;
	int t = ox_new_constant(X, name, dt, 1, (int64_t[]){1}, &data);
	if (t >= 0 && dtype_float(dt))
		val_put_float(data, dt, 0, v);
	else if (t >= 0)
		val_put_int(data, dt, 0, (int64_t)v);
	return t;
}

/* a OP b (swapped: b OP a) as a bool */
static int compare(struct ox *X, enum ir_combine c, bool swap)
{
	int a = ox_input(X, 0), b = a < 0 ? -1 : ox_input(X, 1);
	if (b < 0)
		return -1;
	return ox_bind_op(X, ox_broadcast_op(X, c, swap ? b : a, swap ? a : b, X->node_name, ox_output_name(X, 0), DT_UINT8));
}

int ox_equal(struct ox *X) { return compare(X, IR_COMBINE_EQ, false); }
int ox_greater(struct ox *X) { return compare(X, IR_COMBINE_GT, false); }
int ox_greater_or_equal(struct ox *X) { return compare(X, IR_COMBINE_GE, false); }
int ox_less(struct ox *X) { return compare(X, IR_COMBINE_GT, true); }
int ox_less_or_equal(struct ox *X) { return compare(X, IR_COMBINE_GE, true); }

int ox_not(struct ox *X)
{
	int x = ox_input(X, 0);
	if (x < 0)
		return -1;
	const struct ir_tensor *t = &graph(X)->tensor[x];
	if (dtype_float(t->dtype))
		return ox_node_error(X, "input '%s' is %s; expected bool", t->name, dtype_name(t->dtype));
	int z = ox_scalar(X, ox_output_name(X, 0), "zero", t->dtype, 0);
	return z < 0 ? -1 : ox_bind_op(X, ox_broadcast_op(X, IR_COMBINE_EQ, x, z, X->node_name, ox_output_name(X, 0), DT_UINT8));
}

int ox_where_op(struct ox *X, int c, int x, int y, const char *op_name, const char *out_name)
{
	struct ir_graph *g = graph(X);
	enum dtype dt = g->tensor[x].dtype;
	bool flt = dtype_float(dt);
	if (flt != dtype_float(g->tensor[y].dtype))
		return ox_node_error(X, "'%s' is %s and '%s' is %s; expected both integer or both floating point",
				     g->tensor[x].name, dtype_name(dt), g->tensor[y].name, dtype_name(g->tensor[y].dtype));
	char cn[IR_NAME_MAX], nn[IR_NAME_MAX], an[IR_NAME_MAX], bn[IR_NAME_MAX];
	ox_name_of(cn, out_name, "cond");
	ox_name_of(nn, out_name, "not");
	ox_name_of(an, out_name, "then");
	ox_name_of(bn, out_name, "else");
	if (dtype_float(g->tensor[c].dtype) != flt) { /* the condition as the values' kind of number */
		int op = ir_elementwise(g, cn, IR_COMBINE_COPY, c, -1, cn, flt ? DT_FP32 : DT_INT32, X->err);
		if (op < 0 || !ox_grow(X))
			return -1;
		c = g->op[op].out.tensor;
	}
	int z = ox_scalar(X, out_name, "zero", g->tensor[c].dtype, 0);
	int n = z < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_EQ, c, z, nn, nn, g->tensor[c].dtype);
	int p = n < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_PICK, c, x, an, an, dt);
	int q = p < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_PICK, g->op[n].out.tensor, y, bn, bn, dt);
	return q < 0 ? -1 : ox_broadcast_op(X, IR_COMBINE_ADD, g->op[p].out.tensor, g->op[q].out.tensor, op_name, out_name, dt);
}

int ox_where(struct ox *X)
{
	int c = ox_input(X, 0), x = c < 0 ? -1 : ox_input(X, 1), y = x < 0 ? -1 : ox_input(X, 2);
	if (y >= 0 && dtype_float(graph(X)->tensor[c].dtype))
		return ox_node_error(X, "condition '%s' is %s; expected bool", graph(X)->tensor[c].name,
				     dtype_name(graph(X)->tensor[c].dtype));
	return y < 0 ? -1 : ox_bind_op(X, ox_where_op(X, c, x, y, X->node_name, ox_output_name(X, 0)));
}

/* The IR's cast is ONNX's for every value ONNX defines: integers keep their
 * low bits, floats round to nearest even, a float to an integer goes toward
 * zero (out of the integer's range ONNX leaves undefined). */
int ox_cast(struct ox *X)
{
	int x = ox_input(X, 0);
	if (x < 0)
		return -1;
	int32_t to = (int32_t)ox_attr_int(X, "to", 0);
	enum dtype dt;
	bool is64;
	if (!ox_onnx_dtype(to, &dt, &is64) || is64)
		return ox_node_error(X, "'to' is %s; supported: bool, int8, uint8, int16, int32, float16, float",
				     ox_onnx_dtype_name(to));
	if (to == ONNX__TENSOR_PROTO__DATA_TYPE__BOOL) { /* 1 where x is not 0 */
		int one = ox_scalar(X, ox_output_name(X, 0), "one", graph(X)->tensor[x].dtype, 1);
		return one < 0 ? -1 : ox_bind_op(X, ox_broadcast_op(X, IR_COMBINE_PICK, x, one, X->node_name,
								    ox_output_name(X, 0), DT_UINT8));
	}
	return ox_bind_op(X, ir_elementwise(graph(X), X->node_name, IR_COMBINE_COPY, x, -1, ox_output_name(X, 0), dt, X->err));
}
