/* compiler/host: the LLVM JIT agrees bit for bit with the reference
 * interpreter (ir_interp.h) on random small ops of every kind (conv2d with odd
 * sizes, strides, dilation, asymmetric padding and groups; depthwise; dense;
 * matmul; batched matmul; max and average pooling; elementwise add, sub, mul,
 * max, min, div, copy, the comparisons and pick, their operands often equal
 * or zero) in every dtype, with random epilogues (exp, log and sqrt among
 * them); fp16 loads and stores are
 * checked exhaustively over all 65536 bit patterns; the cache recompiles when
 * an op's shapes change; bad op indices are refused with an error.
 *
 * Where the interpreter leaves docs/ir.md (it keeps an elementwise int32
 * result unwrapped in int64, and INT32_MIN / -1 unwrapped), the random values
 * stay clear of the difference: elementwise int32 operands lie in ±2^15 and
 * `div` never divides by -1.  docs/host.md says why. */
#include <inttypes.h>

#include "compiler/host.h"
#include "ir_interp.h"
#include "test.h"

static uint64_t rng = 0x7e55e1;
static int64_t rnd(int64_t lo, int64_t hi)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return lo + (int64_t)(rng % (uint64_t)(hi - lo + 1));
}

static double half_value(uint16_t bits)
{
	return half_to_double(bits);
}

/* A random value of dtype t, held both ways: as the interpreter's number and
 * as raw bytes. */
static void random_value(enum dtype t, bool small, int64_t *iv, double *fv)
{
	switch (t) {
	case DT_INT8: *iv = rnd(-128, 127); break;
	case DT_UINT8: *iv = rnd(0, 255); break;
	case DT_INT16: *iv = rnd(INT16_MIN, INT16_MAX); break;
	case DT_INT32: *iv = small ? rnd(-32768, 32768) : rnd(INT32_MIN, INT32_MAX); break;
	case DT_FP16: { /* any finite half, subnormals and zeros of both signs included */
		uint16_t b;
		do
			b = (uint16_t)rnd(0, 0xffff);
		while ((b & 0x7c00) == 0x7c00 || (b & 0x7fff) > 0x6000); /* |x| <= 512 */
		*fv = half_value(b);
		break;
	}
	default: /* fp32 with random low bits, moderate exponents */
		*fv = (double)(float)ldexp((double)rnd(-(1 << 24), 1 << 24), (int)rnd(-30, -14));
		break;
	}
}

static void store_raw(enum dtype t, void *p, int64_t i, int64_t iv, double fv)
{
	switch (t) {
	case DT_INT8: case DT_UINT8: ((uint8_t *)p)[i] = (uint8_t)iv; break;
	case DT_INT16: { uint16_t u = (uint16_t)iv; memcpy((char *)p + 2 * i, &u, 2); break; }
	case DT_INT32: { uint32_t u = (uint32_t)iv; memcpy((char *)p + 4 * i, &u, 4); break; }
	case DT_FP16: { half16 h = half_from_double(fv); memcpy((char *)p + 2 * i, &h, 2); break; }
	default: { float f = (float)fv; memcpy((char *)p + 4 * i, &f, 4); break; }
	}
}

struct run {
	struct ir_graph g;
	struct diags err;
	struct interp_tensor v[8];
	void *raw[8];
};

/* Fills every tensor without a producer with random values, both ways. */
static void fill(struct run *r, bool small)
{
	for (int t = 0; t < r->g.ntensors; t++) {
		const struct ir_tensor *ts = &r->g.tensor[t];
		int64_t n = ir_tensor_elems(ts);
		bool flt = dtype_float(ts->dtype);
		r->v[t].i = flt ? NULL : xcalloc((size_t)n, sizeof(int64_t));
		r->v[t].f = flt ? xcalloc((size_t)n, sizeof(double)) : NULL;
		r->raw[t] = xcalloc((size_t)n, dtype_bytes(ts->dtype));
		if (ts->producer >= 0) {
			memset(r->raw[t], 0xa5, (size_t)n * dtype_bytes(ts->dtype)); /* every byte must be written */
			continue;
		}
		for (int64_t i = 0; i < n; i++) {
			int64_t iv = 0;
			double fv = 0;
			random_value(ts->dtype, small, &iv, &fv);
			if (flt)
				r->v[t].f[i] = fv;
			else
				r->v[t].i[i] = iv;
			store_raw(ts->dtype, r->raw[t], i, iv, fv);
		}
	}
}

static int compared, mismatched_ops;

/* Runs op on both and compares the output bytes. */
static void check(struct host_jit *j, struct run *r, int op, const char *what)
{
	struct diags err = {0};
	int rc = host_run_op(j, &r->g, op, r->raw, &err);
	ASSERT_EQ(rc, 0);
	if (rc) {
		diag_print(&err, stderr);
		diag_free(&err);
		return;
	}
	interp_op(&r->g, op, r->v);
	int ot = r->g.op[op].out.tensor;
	const struct ir_tensor *t = &r->g.tensor[ot];
	size_t sz = dtype_bytes(t->dtype);
	int64_t n = ir_tensor_elems(t), bad = 0, first = -1;
	char *want = xcalloc((size_t)n, sz);
	for (int64_t i = 0; i < n; i++) {
		store_raw(t->dtype, want, i, r->v[ot].i ? r->v[ot].i[i] : 0, r->v[ot].f ? r->v[ot].f[i] : 0);
		if (memcmp(want + i * (int64_t)sz, (char *)r->raw[ot] + i * (int64_t)sz, sz) && !(r->v[ot].f && isnan(r->v[ot].f[i]))) {
			if (first < 0)
				first = i;
			bad++;
		}
	}
	compared++;
	ASSERT_EQ(bad, 0);
	if (bad) {
		mismatched_ops++;
		struct strbuf sb = {0};
		ir_dump(&r->g, &sb);
		char *s = sb_take(&sb);
		fprintf(stderr, "%s: %" PRId64 " of %" PRId64 " elements differ; first at %" PRId64 "\n%s", what, bad, n, first, s);
		free(s);
	}
	free(want);
}

static void run_free(struct run *r)
{
	for (int t = 0; t < r->g.ntensors; t++) {
		free(r->v[t].i);
		free(r->v[t].f);
		free(r->raw[t]);
	}
	ir_graph_free(&r->g);
	diag_free(&r->err);
}

static const enum dtype dtypes[] = {DT_INT8, DT_UINT8, DT_INT16, DT_INT32, DT_FP16, DT_FP32};

static void random_epilogues(struct run *r, int op)
{
	bool flt = dtype_float(r->g.op[op].acc);
	const struct ir_tensor *out = &r->g.tensor[r->g.op[op].out.tensor];
	int n = (int)rnd(0, 4);
	for (int e = 0; e < n; e++) {
		struct ir_epilogue ep = {.kind = (enum ir_epilogue_kind)rnd(IR_EP_BIAS, IR_EP_ERF)};
		if (ir_epilogue_float_only(ep.kind) && !flt)
			ep.kind = IR_EP_ROUND; /* exp, log, sqrt, tanh and erf are floating point only */
		switch (ep.kind) {
		case IR_EP_BIAS: {
			char name[16];
			snprintf(name, sizeof name, "bias%d", e);
			ep.dim = (int)rnd(0, out->rank - 1);
			enum dtype bt = flt ? dtypes[rnd(4, 5)] : dtypes[rnd(0, 3)];
			ep.tensor = ir_add_tensor(&r->g, name, IR_TENSOR_WEIGHT, bt, 1, (int64_t[]){out->shape[ep.dim]}, NULL, &r->err);
			break;
		}
		case IR_EP_ADD: ep.imm = rnd(-1000, 1000); break;
		case IR_EP_MUL: ep.imm = rnd(-50, 50); break;
		case IR_EP_SHR: ep.imm = flt || rnd(0, 2) ? rnd(-6, 12) : rnd(-32, 40); break; /* past 31 on integers */
		case IR_EP_DIV: ep.imm = rnd(0, 1) ? rnd(1, 9) : rnd(-7, -2); break;
		case IR_EP_CLIP: ep.lo = rnd(-300, 100), ep.hi = ep.lo + rnd(0, 400); break;
		case IR_EP_RELU: case IR_EP_ROUND: case IR_EP_EXP: case IR_EP_LOG: case IR_EP_SQRT: case IR_EP_TANH:
		case IR_EP_ERF: break;
		}
		ASSERT_EQ(ir_add_epilogue(&r->g, op, &ep, &r->err), 0);
	}
}

/* About half of tensor `to`'s elements made tensor `from`'s (-1: zeros of
 * either sign), both ways; the two of one dtype and shape. */
static void share_some(struct run *r, int from, int to)
{
	const struct ir_tensor *t = &r->g.tensor[to];
	bool flt = dtype_float(t->dtype);
	for (int64_t i = 0; i < ir_tensor_elems(t); i++) {
		if (rnd(0, 1))
			continue;
		int64_t iv = from < 0 ? 0 : flt ? 0 : r->v[from].i[i];
		double fv = from < 0 ? (rnd(0, 1) ? 0.0 : -0.0) : flt ? r->v[from].f[i] : 0;
		if (flt)
			r->v[to].f[i] = fv;
		else
			r->v[to].i[i] = iv;
		store_raw(t->dtype, r->raw[to], i, iv, fv);
	}
}

static const char *const kinds[] = {"conv2d", "depthwise", "dense", "matmul", "batch_matmul", "max_pool", "avg_pool", "elementwise"};

/* One random op of kind k with input dtype dt. */
static void random_op(struct host_jit *j, int k, enum dtype dt)
{
	struct run r;
	memset(&r, 0, sizeof r);
	enum dtype od = dtypes[rnd(0, 5)];
	enum ir_combine c = IR_COMBINE_COPY;
	int op = -1;
	bool small = false;
	while (op < 0) {
		run_free(&r);
		memset(&r, 0, sizeof r);
		if (k <= 1) { /* conv2d, depthwise */
			int64_t G = k == 1 ? rnd(2, 5) : rnd(0, 2) ? 1 : rnd(2, 3);
			int64_t C = k == 1 ? G : G * rnd(1, 3), O = k == 1 ? G : G * rnd(1, 3);
			int64_t N = rnd(1, 2), H = rnd(1, 9), W = rnd(1, 9), KH = rnd(1, 3), KW = rnd(1, 3);
			struct ir_conv2d_attrs a = {{rnd(1, 3), rnd(1, 3)}, {rnd(0, 2), rnd(0, 2), rnd(0, 2), rnd(0, 2)}, {rnd(1, 2), rnd(1, 2)}, G, false};
			int in = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, dt, 4, (int64_t[]){N, H, W, C}, "NHWC", &r.err);
			int w = ir_add_tensor(&r.g, "w", IR_TENSOR_WEIGHT, dt, 4, (int64_t[]){O, KH, KW, C / G}, "OHWI", &r.err);
			op = ir_conv2d(&r.g, "conv", in, w, &a, "y", od, &r.err);
		} else if (k == 2) {
			int64_t N = rnd(1, 5), K = rnd(1, 40), M = rnd(1, 9);
			int in = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, dt, 2, (int64_t[]){N, K}, NULL, &r.err);
			int w = ir_add_tensor(&r.g, "w", IR_TENSOR_WEIGHT, dt, 2, (int64_t[]){M, K}, NULL, &r.err);
			op = ir_dense(&r.g, "dense", in, w, "y", od, &r.err);
		} else if (k <= 4) {
			int64_t B = rnd(1, 3), M = rnd(1, 7), K = rnd(1, 20), N = rnd(1, 7);
			int rank = k == 3 ? 2 : 3;
			int64_t as[3] = {B, M, K}, bs[3] = {B, K, N};
			int a = ir_add_tensor(&r.g, "a", IR_TENSOR_INPUT, dt, rank, as + 3 - rank, NULL, &r.err);
			int b = ir_add_tensor(&r.g, "b", IR_TENSOR_WEIGHT, dt, rank, bs + 3 - rank, NULL, &r.err);
			op = ir_matmul(&r.g, "mm", a, b, "y", od, &r.err);
		} else if (k <= 6) {
			int64_t win[2] = {rnd(1, 3), rnd(1, 3)}, st[2] = {rnd(1, 3), rnd(1, 3)};
			int64_t pad[4] = {rnd(0, 2), rnd(0, 2), rnd(0, 2), rnd(0, 2)};
			int in = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, dt, 4, (int64_t[]){rnd(1, 2), rnd(1, 8), rnd(1, 8), rnd(1, 5)}, "NHWC", &r.err);
			op = ir_pool2d(&r.g, "pool", in, k == 5, win, st, pad, "y", &r.err);
		} else {
			static const enum ir_combine cb[] = {IR_COMBINE_ADD, IR_COMBINE_SUB, IR_COMBINE_MUL, IR_COMBINE_MAX,
							     IR_COMBINE_MIN, IR_COMBINE_DIV, IR_COMBINE_COPY, IR_COMBINE_GE,
							     IR_COMBINE_GT, IR_COMBINE_EQ, IR_COMBINE_PICK};
			c = cb[rnd(0, 10)];
			int rank = (int)rnd(1, 4);
			int64_t shape[4] = {rnd(1, 4), rnd(1, 5), rnd(1, 6), rnd(1, 17)};
			int a = ir_add_tensor(&r.g, "a", IR_TENSOR_INPUT, dt, rank, shape, NULL, &r.err);
			int b = ir_add_tensor(&r.g, "b", IR_TENSOR_INPUT, dt, rank, shape, NULL, &r.err);
			op = ir_elementwise(&r.g, "ew", c, a, c == IR_COMBINE_COPY ? -1 : b, "y", od, &r.err);
			small = dt == DT_INT32; /* see the top of the file */
		}
	}
	random_epilogues(&r, op);
	fill(&r, small);
	if (c == IR_COMBINE_GE || c == IR_COMBINE_GT || c == IR_COMBINE_EQ)
		share_some(&r, 0, 1); /* equal operands, often */
	if (c == IR_COMBINE_PICK)
		share_some(&r, -1, 0); /* conditions 0 (and -0), often */
	char what[64];
	snprintf(what, sizeof what, "%s %s -> %s", kinds[k], dtype_name(dt), dtype_name(r.g.tensor[r.g.op[op].out.tensor].dtype));
	check(j, &r, op, what);
	run_free(&r);
}

/* Every fp16 bit pattern through a copy to fp32 and to fp16. */
static void test_fp16_exhaustive(struct host_jit *j)
{
	struct run r;
	memset(&r, 0, sizeof r);
	int a = ir_add_tensor(&r.g, "h", IR_TENSOR_INPUT, DT_FP16, 1, (int64_t[]){65536}, NULL, &r.err);
	int o32 = ir_elementwise(&r.g, "to32", IR_COMBINE_COPY, a, -1, "f", DT_FP32, &r.err);
	int o16 = ir_elementwise(&r.g, "to16", IR_COMBINE_COPY, a, -1, "g", DT_FP16, &r.err);
	ASSERT(o32 >= 0 && o16 >= 0);
	fill(&r, false);
	for (int i = 0; i < 65536; i++) {
		uint16_t b = (uint16_t)i;
		memcpy((char *)r.raw[a] + 2 * i, &b, 2);
		r.v[a].f[i] = half_value(b);
	}
	check(j, &r, o32, "fp16 -> fp32, all bit patterns");
	check(j, &r, o16, "fp16 -> fp16, all bit patterns");
	int bad = 0;
	for (int i = 0; i < 65536; i++) {
		uint16_t b;
		memcpy(&b, (char *)r.raw[r.g.op[o16].out.tensor] + 2 * i, 2);
		bad += (i & 0x7c00) != 0x7c00 || !(i & 0x3ff) ? b != i : (b & 0x7c00) != 0x7c00 || !(b & 0x3ff);
	}
	ASSERT_EQ(bad, 0);
	run_free(&r);
}

/* The comparisons and pick in every dtype, the output its input's dtype
 * (so that pick's -0 shows), operands often equal or zero. */
static void test_selects(struct host_jit *j)
{
	static const enum ir_combine cb[] = {IR_COMBINE_GE, IR_COMBINE_GT, IR_COMBINE_EQ, IR_COMBINE_PICK};
	for (int i = 0; i < 4 * 6 * 3; i++) {
		struct run r;
		memset(&r, 0, sizeof r);
		enum ir_combine c = cb[i % 4];
		enum dtype dt = dtypes[i / 4 % 6];
		int64_t shape[2] = {rnd(1, 5), rnd(1, 40)};
		int a = ir_add_tensor(&r.g, "a", IR_TENSOR_INPUT, dt, 2, shape, NULL, &r.err);
		int b = ir_add_tensor(&r.g, "b", IR_TENSOR_INPUT, dt, 2, shape, NULL, &r.err);
		int op = ir_elementwise(&r.g, "ew", c, a, b, "y", dt, &r.err);
		ASSERT(op >= 0);
		fill(&r, dt == DT_INT32);
		share_some(&r, c == IR_COMBINE_PICK ? -1 : 0, c == IR_COMBINE_PICK ? 0 : 1);
		char what[64];
		snprintf(what, sizeof what, "elementwise %s, combine %d", dtype_name(dt), (int)c);
		check(j, &r, op, what);
		run_free(&r);
	}
}

/* Same op index, other shapes: compiled again, not served from the cache. */
static void test_cache_and_errors(struct host_jit *j)
{
	for (int n = 3; n <= 5; n += 2) {
		struct run r;
	memset(&r, 0, sizeof r);
		int x = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, DT_INT8, 2, (int64_t[]){2, n}, NULL, &r.err);
		int w = ir_add_tensor(&r.g, "w", IR_TENSOR_WEIGHT, DT_INT8, 2, (int64_t[]){3, n}, NULL, &r.err);
		int op = ir_dense(&r.g, "d", x, w, "y", DT_INT32, &r.err);
		fill(&r, false);
		ASSERT_EQ(host_compile(j, &r.g, op, &r.err), 0);
		check(j, &r, op, "dense, cache");
		check(j, &r, op, "dense, cache (again)");
		struct diags err = {0};
		ASSERT_EQ(host_run_op(j, &r.g, 7, r.raw, &err), -1);
		ASSERT(err.n == 1 && strstr(err.v[0].msg, "no op 7"));
		diag_free(&err);
		run_free(&r);
	}
}

int main(void)
{
	struct diags err = {0};
	struct host_jit *j = host_jit_open(&err);
	ASSERT(j != NULL);
	if (!j) {
		diag_print(&err, stderr);
		return test_done("test_host");
	}
	test_cache_and_errors(j);
	test_fp16_exhaustive(j);
	test_selects(j);
	int per[8] = {0};
	for (int trial = 0; trial < 480; trial++) {
		int k = trial % 8;
		random_op(j, k, dtypes[(trial / 8) % 6]);
		per[k]++;
	}
	printf("test_host: %d ops compared with the interpreter (%d mismatched):", compared, mismatched_ops);
	for (int k = 0; k < 8; k++)
		printf(" %s %d", kinds[k], per[k]);
	printf("\n");
	host_jit_close(j);
	diag_free(&err);
	return test_done("test_host");
}
