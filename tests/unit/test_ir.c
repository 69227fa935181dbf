/* The tensor IR: constructors build the loop nests their operators mean.
 * Each constructor's op, run by the plain interpreter (ir_interp.h), agrees
 * with the operator written directly as nested loops here, on random small
 * shapes (odd sizes, strides, dilation, asymmetric padding, groups, depthwise);
 * output shapes are checked against values worked out by hand; bad operands
 * are refused with errors naming the op. */
#include "ir_interp.h"
#include "test.h"

static uint64_t rng = 12345;
static int64_t rnd(int64_t lo, int64_t hi)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return lo + (int64_t)(rng % (uint64_t)(hi - lo + 1));
}

static int64_t *random_values(int64_t n, int64_t lo, int64_t hi)
{
	int64_t *v = xmalloc((size_t)n * sizeof *v);
	for (int64_t i = 0; i < n; i++)
		v[i] = rnd(lo, hi);
	return v;
}

/* conv2d on NHWC input, OHWI weight, int32 accumulation, written out. */
static void direct_conv(const int64_t *in, const int64_t *w, int64_t *out, int64_t N, int64_t H, int64_t W, int64_t C,
			int64_t O, int64_t KH, int64_t KW, int64_t G, const struct ir_conv2d_attrs *a, int64_t OH, int64_t OW)
{
	int64_t I = C / G, OG = O / G;
	for (int64_t n = 0; n < N; n++)
		for (int64_t y = 0; y < OH; y++)
			for (int64_t x = 0; x < OW; x++)
				for (int64_t o = 0; o < O; o++) {
					int64_t s = 0, g = o / OG;
					for (int64_t ky = 0; ky < KH; ky++)
						for (int64_t kx = 0; kx < KW; kx++)
							for (int64_t i = 0; i < I; i++) {
								int64_t h = y * a->stride[0] + ky * a->dilation[0] - a->pad[0];
								int64_t ww = x * a->stride[1] + kx * a->dilation[1] - a->pad[1];
								if (h < 0 || h >= H || ww < 0 || ww >= W)
									continue;
								s += in[((n * H + h) * W + ww) * C + g * I + i] *
								     w[((o * KH + ky) * KW + kx) * I + i];
							}
					out[((n * OH + y) * OW + x) * O + o] = (int32_t)(uint32_t)s;
				}
}

static void test_conv_random(void)
{
	for (int trial = 0; trial < 150; trial++) {
		struct ir_graph g = {0};
		struct diags err = {0};
		int64_t G = trial % 5 == 0 ? rnd(2, 3) : 1;
		bool depthwise = trial % 7 == 3;
		int64_t C = depthwise ? rnd(1, 5) : G * rnd(1, 3), O = depthwise ? C : G * rnd(1, 3);
		if (depthwise)
			G = C;
		int64_t N = rnd(1, 2), H = rnd(1, 9), W = rnd(1, 9), KH = rnd(1, 3), KW = rnd(1, 3);
		struct ir_conv2d_attrs a = {{rnd(1, 3), rnd(1, 3)}, {rnd(0, 2), rnd(0, 2), rnd(0, 2), rnd(0, 2)}, {rnd(1, 2), rnd(1, 2)}, G, false};
		int in = ir_add_tensor(&g, "in", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){N, H, W, C}, "NHWC", &err);
		int wt = ir_add_tensor(&g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){O, KH, KW, C / G}, "OHWI", &err);
		int op = ir_conv2d(&g, "conv", in, wt, &a, "out", DT_INT32, &err);
		int64_t OH = (H + a.pad[0] + a.pad[2] - a.dilation[0] * (KH - 1) - 1), OW = (W + a.pad[1] + a.pad[3] - a.dilation[1] * (KW - 1) - 1);
		if (OH < 0 || OW < 0) {
			ASSERT_EQ(op, -1); /* the window does not fit */
			ASSERT(err.n == 1 && strstr(err.v[0].msg, "does not fit"));
			ir_graph_free(&g);
			diag_free(&err);
			continue;
		}
		OH = OH / a.stride[0] + 1, OW = OW / a.stride[1] + 1;
		ASSERT_EQ(op, 0);
		if (op < 0) {
			diag_print(&err, stderr);
			continue;
		}
		const struct ir_tensor *ot = &g.tensor[g.op[op].out.tensor];
		ASSERT(ot->shape[0] == N && ot->shape[1] == OH && ot->shape[2] == OW && ot->shape[3] == O);
		struct interp_tensor v[3] = {{random_values(N * H * W * C, -128, 127), NULL},
					      {random_values(O * KH * KW * (C / G), -128, 127), NULL},
					      {xcalloc((size_t)(N * OH * OW * O), sizeof(int64_t)), NULL}};
		int64_t *want = xcalloc((size_t)(N * OH * OW * O), sizeof *want);
		interp_op(&g, op, v);
		direct_conv(v[0].i, v[1].i, want, N, H, W, C, O, KH, KW, G, &a, OH, OW);
		ASSERT(memcmp(want, v[2].i, (size_t)(N * OH * OW * O) * sizeof *want) == 0);
		ASSERT_EQ(ir_op_macs(&g.op[op]), N * OH * OW * O * KH * KW * (C / G));
		for (int i = 0; i < 3; i++)
			free(v[i].i);
		free(want);
		ir_graph_free(&g);
		diag_free(&err);
	}
}

/* Output shape by hand: H 7 + pads 1 + 2 = 10, window 3 (dilation 1),
 * stride 2: (10 - 3) / 2 + 1 = 4; W 6 + 0 + 1 = 7, window 2 dilated by 2
 * spans 3: 7 - 3 + 1 = 5. */
static void test_conv_shape_and_dump(void)
{
	struct ir_graph g = {0};
	struct diags err = {0};
	int in = ir_add_tensor(&g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){1, 7, 6, 4}, "NHWC", &err);
	int wt = ir_add_tensor(&g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){6, 3, 2, 2}, "OHWI", &err);
	struct ir_conv2d_attrs a = {{2, 1}, {1, 0, 2, 1}, {1, 2}, 2, false};
	int op = ir_conv2d(&g, "c1", in, wt, &a, "y", DT_INT8, &err);
	ASSERT_EQ(op, 0);
	const struct ir_tensor *y = &g.tensor[ir_tensor_lookup(&g, "y")];
	ASSERT(y->shape[1] == 4 && y->shape[2] == 5 && y->shape[3] == 6);
	int bias = ir_add_tensor(&g, "b", IR_TENSOR_WEIGHT, DT_INT32, 1, (int64_t[]){6}, NULL, &err);
	ASSERT_EQ(ir_add_epilogue(&g, op, &(struct ir_epilogue){.kind = IR_EP_BIAS, .tensor = bias, .dim = 3}, &err), 0);
	ASSERT_EQ(ir_add_epilogue(&g, op, &(struct ir_epilogue){.kind = IR_EP_SHR, .imm = 8}, &err), 0);
	ASSERT_EQ(ir_add_epilogue(&g, op, &(struct ir_epilogue){.kind = IR_EP_CLIP, .lo = -128, .hi = 127}, &err), 0);
	struct strbuf sb = {0};
	ir_dump(&g, &sb);
	char *s = sb_take(&sb);
	ASSERT(strstr(s, "tensor y output int8 [1, 4, 5, 6] NHWC") != NULL);
	ASSERT(strstr(s, "for n < 1, oh < 4, ow < 5, g < 2, o < 3, kh < 3 (reduction), kw < 2 (reduction), i < 2 (reduction):") != NULL);
	ASSERT(strstr(s, "y[n, oh, ow, 3*g + o] += x[n, 2*oh + kh - 1, ow + 2*kw, 2*g + i] * w[3*g + o, kh, kw, i]") != NULL);
	ASSERT(strstr(s, "then bias b along dimension 3\n  then shr 8\n  then clip -128 127") != NULL);
	if (!strstr(s, "3*g + o] += x"))
		fputs(s, stderr);
	free(s);
	/* an unusable bias, an empty clip, mismatched channels */
	int badb = ir_add_tensor(&g, "b5", IR_TENSOR_WEIGHT, DT_INT32, 1, (int64_t[]){5}, NULL, &err);
	ASSERT_EQ(ir_add_epilogue(&g, op, &(struct ir_epilogue){.kind = IR_EP_BIAS, .tensor = badb, .dim = 3}, &err), -1);
	ASSERT_EQ(ir_add_epilogue(&g, op, &(struct ir_epilogue){.kind = IR_EP_CLIP, .lo = 1, .hi = 0}, &err), -1);
	int w3 = ir_add_tensor(&g, "w3", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){6, 3, 3, 3}, NULL, &err);
	ASSERT_EQ(ir_conv2d(&g, "c2", in, w3, &(struct ir_conv2d_attrs){{1, 1}, {0, 0, 0, 0}, {1, 1}, 1, false}, "z", DT_INT8, &err), -1);
	ASSERT_EQ(err.n, 3);
	if (err.n == 3)
		ASSERT_STR(err.v[2].msg, "op 'c2': input has 4 channels and weight 3 inputs; with 1 groups expected 4 weight "
					 "inputs (the channels of one group)");
	ir_graph_free(&g);
	diag_free(&err);
}

static void test_dense_matmul_pool_elementwise(void)
{
	for (int trial = 0; trial < 60; trial++) {
		struct ir_graph g = {0};
		struct diags err = {0};
		int64_t B = rnd(1, 3), M = rnd(1, 7), K = rnd(1, 9), N = rnd(1, 7);
		int a = ir_add_tensor(&g, "a", IR_TENSOR_INPUT, DT_INT8, 3, (int64_t[]){B, M, K}, NULL, &err);
		int b = ir_add_tensor(&g, "b", IR_TENSOR_WEIGHT, DT_INT8, 3, (int64_t[]){B, K, N}, NULL, &err);
		int d = ir_add_tensor(&g, "d", IR_TENSOR_INPUT, DT_INT8, 2, (int64_t[]){M, K}, NULL, &err);
		int e = ir_add_tensor(&g, "e", IR_TENSOR_WEIGHT, DT_INT8, 2, (int64_t[]){N, K}, NULL, &err);
		int p = ir_add_tensor(&g, "p", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){1, M + 2, N + 2, 3}, NULL, &err);
		int mm = ir_matmul(&g, "mm", a, b, "c", DT_INT32, &err), dn = ir_dense(&g, "dn", d, e, "f", DT_INT32, &err);
		int64_t win[2] = {rnd(1, 3), rnd(1, 3)}, st[2] = {rnd(1, 2), rnd(1, 2)}, pad[4] = {rnd(0, 1), rnd(0, 1), rnd(0, 1), rnd(0, 1)};
		int mx = ir_pool2d(&g, "mx", p, true, win, st, pad, "q", &err), av = ir_pool2d(&g, "av", p, false, win, st, pad, "r", &err);
		int ew = ir_elementwise(&g, "add", IR_COMBINE_ADD, d, d, "s", DT_INT8, &err);
		ASSERT(mm >= 0 && dn >= 0 && mx >= 0 && av >= 0 && ew >= 0);
		if (err.n) {
			diag_print(&err, stderr);
			continue;
		}
		struct interp_tensor v[16] = {{0}};
		for (int t = 0; t < g.ntensors; t++)
			v[t].i = g.tensor[t].producer < 0 ? random_values(ir_tensor_elems(&g.tensor[t]), -128, 127)
							  : xcalloc((size_t)ir_tensor_elems(&g.tensor[t]), sizeof(int64_t));
		for (int o = 0; o < g.nops; o++)
			interp_op(&g, o, v);
		int bad = 0;
		const int64_t *A = v[a].i, *Bm = v[b].i, *D = v[d].i, *E = v[e].i, *P = v[p].i;
		for (int64_t bb = 0; bb < B; bb++)
			for (int64_t i = 0; i < M; i++)
				for (int64_t j = 0; j < N; j++) {
					int64_t s = 0;
					for (int64_t k = 0; k < K; k++)
						s += A[(bb * M + i) * K + k] * Bm[(bb * K + k) * N + j];
					bad += v[ir_tensor_lookup(&g, "c")].i[(bb * M + i) * N + j] != s;
				}
		for (int64_t i = 0; i < M; i++)
			for (int64_t j = 0; j < N; j++) {
				int64_t s = 0;
				for (int64_t k = 0; k < K; k++)
					s += D[i * K + k] * E[j * K + k];
				bad += v[ir_tensor_lookup(&g, "f")].i[i * N + j] != s;
				bad += v[ir_tensor_lookup(&g, "s")].i[i * K] != (int8_t)(uint8_t)(2 * D[i * K]);
			}
		const struct ir_tensor *qt = &g.tensor[ir_tensor_lookup(&g, "q")];
		int64_t H = M + 2, W = N + 2;
		for (int64_t y = 0; y < qt->shape[1]; y++)
			for (int64_t x = 0; x < qt->shape[2]; x++)
				for (int64_t c = 0; c < 3; c++) {
					int64_t mxv = INT32_MIN, sum = 0;
					for (int64_t ky = 0; ky < win[0]; ky++)
						for (int64_t kx = 0; kx < win[1]; kx++) {
							int64_t h = y * st[0] + ky - pad[0], w = x * st[1] + kx - pad[1];
							int64_t val = h < 0 || h >= H || w < 0 || w >= W ? 0 : P[(h * W + w) * 3 + c];
							if (!(h < 0 || h >= H || w < 0 || w >= W) && val > mxv)
								mxv = val;
							sum += val;
						}
					int64_t o = (y * qt->shape[2] + x) * 3 + c;
					bad += v[ir_tensor_lookup(&g, "q")].i[o] != (int8_t)(uint8_t)mxv;
					bad += v[ir_tensor_lookup(&g, "r")].i[o] != (int8_t)(uint8_t)(sum / (win[0] * win[1]));
				}
		ASSERT_EQ(bad, 0);
		for (int t = 0; t < g.ntensors; t++)
			free(v[t].i);
		ir_graph_free(&g);
		diag_free(&err);
	}
}

/* Raw einsums: a matmul, a row sum and a column max, against loops; and
 * the errors of a bad expression. */
static void test_einsum(void)
{
	struct ir_graph g = {0};
	struct diags err = {0};
	int64_t M = 5, K = 7, N = 3;
	int a = ir_add_tensor(&g, "a", IR_TENSOR_INPUT, DT_INT8, 2, (int64_t[]){M, K}, NULL, &err);
	int b = ir_add_tensor(&g, "b", IR_TENSOR_WEIGHT, DT_INT8, 2, (int64_t[]){K, N}, NULL, &err);
	int mm = ir_einsum(&g, "mm", "y[i, j] += a[i, k] * b[k, j]", "y", DT_INT32, &err);
	int rs = ir_einsum(&g, "rs", " s[i] += a[i,k] ", "s", DT_INT32, &err);
	int cm = ir_einsum(&g, "cm", "m[k] max= a[i, k]", "m", DT_INT8, &err);
	ASSERT(mm >= 0 && rs >= 0 && cm >= 0);
	diag_print(&err, stderr);
	ASSERT(!strcmp(g.op[mm].kind, "einsum") && g.op[mm].niters == 3 && g.op[mm].iter[2].reduction &&
	       !strcmp(g.op[mm].iter[1].name, "j"));
	struct interp_tensor v[8] = {{random_values(M * K, -128, 127), NULL}, {random_values(K * N, -128, 127), NULL}};
	for (int t = 2; t < g.ntensors; t++)
		v[t].i = xcalloc((size_t)ir_tensor_elems(&g.tensor[t]), sizeof(int64_t));
	for (int o = 0; o < g.nops; o++)
		interp_op(&g, o, v);
	int bad = 0;
	for (int64_t i = 0; i < M; i++) {
		int64_t sum = 0;
		for (int64_t k = 0; k < K; k++)
			sum += v[a].i[i * K + k];
		bad += v[ir_tensor_lookup(&g, "s")].i[i] != sum;
		for (int64_t j = 0; j < N; j++) {
			int64_t d = 0;
			for (int64_t k = 0; k < K; k++)
				d += v[a].i[i * K + k] * v[b].i[k * N + j];
			bad += v[ir_tensor_lookup(&g, "y")].i[i * N + j] != d;
		}
	}
	for (int64_t k = 0; k < K; k++) {
		int64_t mx = -128;
		for (int64_t i = 0; i < M; i++)
			mx = v[a].i[i * K + k] > mx ? v[a].i[i * K + k] : mx;
		bad += v[ir_tensor_lookup(&g, "m")].i[k] != mx;
	}
	ASSERT_EQ(bad, 0);
	for (int t = 0; t < g.ntensors; t++)
		free(v[t].i);
	static const struct {
		const char *expr, *want;
	} bad_exprs[] = {
		{"z[i, j] += a[i, k] * b[j, k]", "op 'e': index 'k' runs over 7 in one place and 3 in 'b'"},
		{"z[i] += a[i, k] * q[k]", "op 'e': the expression reads 'q', which is not a tensor"},
		{"z[i, k += a[i, k]",
		 "op 'e': expected ',' or ']' after an index, got '+' at column 8 of the expression 'z[i, k += a[i, k]'"},
		{"z[i, x] += a[i, k]", "op 'e': output index 'x' appears in no input"},
		{"z[i] = a[i, k]",
		 "op 'e': expected '+=' or 'max=' after the output operand, got '=' at column 6 of the expression 'z[i] = a[i, k]'"},
		{"z[k] max= a[i, k] *  b[k, i]",
		 "op 'e': a product needs '+=' at column 22 of the expression 'z[k] max= a[i, k] *  b[k, i]'"},
		{"z[i] += a[i, k] b[k]",
		 "op 'e': expected '*' or the end of the expression after the first input operand, got 'b' at column 17 of the "
		 "expression 'z[i] += a[i, k] b[k]'"},
		{"z[i] += a[i, a_very_long_index_name]",
		 "op 'e': name too long at column 14 of the expression 'z[i] += a[i, a_very_long_index_name]'"},
		{"w[i] += a[i, k]", "op 'e': the expression writes 'w' but the op's output is 'z'"},
	};
	for (size_t i = 0; i < sizeof bad_exprs / sizeof bad_exprs[0]; i++) {
		struct diags e = {0};
		ASSERT_EQ(ir_einsum(&g, "e", bad_exprs[i].expr, "z", DT_INT32, &e), -1);
		ASSERT(e.n == 1);
		if (e.n)
			ASSERT_STR(e.v[0].msg, bad_exprs[i].want);
		diag_free(&e);
	}
	ir_graph_free(&g);
	diag_free(&err);
}

int main(void)
{
	test_einsum();
	test_conv_shape_and_dump();
	test_conv_random();
	test_dense_matmul_pool_elementwise();
	return test_done("test_ir");
}
