/* ir_access_footprint against a count made by walking every point of the
 * domain and marking the elements it touches, on convolutions with random
 * strides, dilations, padding and groups, matmuls, and a transposed and a
 * diagonal access; and a few footprints, and the bytes the roofline counts,
 * worked out by hand. */
#include "compiler/compile.h"
#include "ir/ir.h"
#include "test.h"

/* Elements of tensor t that access a touches: every point of the domain. */
static int64_t walked(const struct ir_op *op, const struct ir_access *a, const struct ir_tensor *t)
{
	int64_t elems = ir_tensor_elems(t), points = 1, count = 0;
	for (int i = 0; i < op->niters; i++)
		points *= op->iter[i].extent;
	unsigned char *seen = calloc((size_t)elems, 1);
	int64_t it[IR_MAX_ITERS];
	for (int64_t p = 0; p < points; p++) {
		int64_t rest = p, flat = 0;
		for (int i = op->niters; i-- > 0;) {
			it[i] = rest % op->iter[i].extent;
			rest /= op->iter[i].extent;
		}
		bool inside = true;
		for (int d = 0; d < t->rank; d++) {
			int64_t v = a->index[d].offset;
			for (int i = 0; i < op->niters; i++)
				v += a->index[d].coef[i] * it[i];
			inside &= v >= 0 && v < t->shape[d];
			flat = flat * t->shape[d] + v;
		}
		if (inside && !seen[flat]) {
			seen[flat] = 1;
			count++;
		}
	}
	free(seen);
	return count;
}

static uint64_t seed = 0x9e3779b97f4a7c15ull;
static int64_t rnd(int64_t lo, int64_t hi)
{
	seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
	return lo + (int64_t)(seed % (uint64_t)(hi - lo + 1));
}

static void check_every_access(const struct ir_graph *g, int op)
{
	const struct ir_op *o = &g->op[op];
	for (int i = 0; i < o->nin; i++)
		ASSERT_EQ(ir_access_footprint(o, &o->in[i], &g->tensor[o->in[i].tensor]),
			  walked(o, &o->in[i], &g->tensor[o->in[i].tensor]));
	ASSERT_EQ(ir_access_footprint(o, &o->out, &g->tensor[o->out.tensor]),
		  walked(o, &o->out, &g->tensor[o->out.tensor]));
}

static void random_convolutions(void)
{
	for (int n = 0; n < 300; n++) {
		struct ir_graph g = {0};
		struct diags err = {0};
		int64_t G = rnd(1, 3), C = G * rnd(1, 3), O = G * rnd(1, 2);
		int64_t x_shape[4] = {rnd(1, 2), rnd(1, 9), rnd(1, 9), C};
		int64_t w_shape[4] = {O, rnd(1, 3), rnd(1, 3), C / G};
		struct ir_conv2d_attrs a = {{rnd(1, 3), rnd(1, 3)}, {rnd(0, 2), rnd(0, 2), rnd(0, 2), rnd(0, 2)},
					    {rnd(1, 3), rnd(1, 3)}, G, false};
		int x = ir_add_tensor(&g, "x", IR_TENSOR_INPUT, DT_INT8, 4, x_shape, "NHWC", &err);
		int w = ir_add_tensor(&g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, w_shape, "OHWI", &err);
		int op = ir_conv2d(&g, "conv", x, w, &a, "y", DT_INT32, &err);
		if (op >= 0) /* shapes whose window does not fit are refused: skip them */
			check_every_access(&g, op);
		diag_free(&err);
		ir_graph_free(&g);
	}
}

static void einsums(void)
{
	const char *exprs[] = {
		"y[i, j] += a[i, k] * b[k, j]",
		"y[i, j] += a[k, i] * b[j, k]",
		"y[i] += a[i, i] * b[i, k]",
		"y[i] max= a[i, k]",
	};
	for (size_t e = 0; e < sizeof exprs / sizeof *exprs; e++) {
		struct ir_graph g = {0};
		struct diags err = {0};
		int64_t s[2] = {6, 6};
		ir_add_tensor(&g, "a", IR_TENSOR_INPUT, DT_INT8, 2, s, NULL, &err);
		ir_add_tensor(&g, "b", IR_TENSOR_INPUT, DT_INT8, 2, s, NULL, &err);
		int op = ir_einsum(&g, "e", exprs[e], "y", DT_INT32, &err);
		ASSERT(op >= 0);
		if (op >= 0)
			check_every_access(&g, op);
		diag_free(&err);
		ir_graph_free(&g);
	}
}

/* Worked by hand: a stride-2 1x1 convolution reads every other row and
 * column; a 3x3 window with padding 1 reads all of its input once; a
 * dilation-2 3x3 window over 5x5 without padding reads rows and columns
 * 0, 2, 4. */
static void by_hand(void)
{
	struct {
		int64_t hw, k, stride, pad, dilation, expect_per_channel;
	} cases[] = {{8, 1, 2, 0, 1, 16}, {7, 3, 1, 1, 1, 49}, {5, 3, 1, 0, 2, 9}, {9, 1, 3, 0, 1, 9}};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		struct ir_graph g = {0};
		struct diags err = {0};
		int64_t xs[4] = {1, cases[c].hw, cases[c].hw, 4}, ws[4] = {8, cases[c].k, cases[c].k, 4};
		int64_t s = cases[c].stride, p = cases[c].pad, d = cases[c].dilation;
		struct ir_conv2d_attrs a = {{s, s}, {p, p, p, p}, {d, d}, 1, false};
		int x = ir_add_tensor(&g, "x", IR_TENSOR_INPUT, DT_INT8, 4, xs, "NHWC", &err);
		int w = ir_add_tensor(&g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, ws, "OHWI", &err);
		int op = ir_conv2d(&g, "conv", x, w, &a, "y", DT_INT32, &err);
		ASSERT(op >= 0);
		if (op >= 0) {
			ASSERT_EQ(ir_access_footprint(&g.op[op], &g.op[op].in[0], &g.tensor[x]),
				  cases[c].expect_per_channel * 4);
			/* the roofline's bytes: that input (int8), all weights (int8), the whole output (int32) */
			int64_t out = ir_tensor_elems(&g.tensor[g.op[op].out.tensor]);
			ASSERT_EQ((int64_t)cc_compulsory_bytes(&g, op),
				  cases[c].expect_per_channel * 4 + 8 * cases[c].k * cases[c].k * 4 + out * 4);
		}
		diag_free(&err);
		ir_graph_free(&g);
	}
}

int main(void)
{
	by_hand();
	einsums();
	random_convolutions();
	return test_done("test_footprint");
}
