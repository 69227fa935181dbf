/* Random ops for the tests of tensorization and lowering: conv2d,
 * depthwise, dense, matmul and batched matmul with odd sizes, strides,
 * dilation, asymmetric padding and random epilogues, and a check that runs
 * one with a given mapping on the simulator against the reference
 * interpreter (tests/unit/ir_interp.h), which shares no code with either. */
#ifndef TESSEL_OPCASE_H
#define TESSEL_OPCASE_H

#include <inttypes.h>
#include <math.h>
#include <stdint.h>

#include "base/value.h"
#include "compiler/compile.h"
#include "ir_interp.h"
#include "test.h"
#include "sim/simulator.h"

static uint64_t rng = 0x5eed1e55;

/* A second sequence, for the values of constants of known range, so that
 * the cases the first one draws do not depend on them. */
static uint64_t rng_bounded = 0xb0a2d5;

static int64_t rnd_from(uint64_t *state, int64_t lo, int64_t hi)
{
	*state ^= *state << 13, *state ^= *state >> 7, *state ^= *state << 17;
	return lo + (int64_t)(*state % (uint64_t)(hi - lo + 1));
}

static int64_t rnd(int64_t lo, int64_t hi)
{
	return rnd_from(&rng, lo, hi);}

struct opcase {
	struct ir_graph g;
	struct diags err;
	struct interp_tensor v[8];
	uint8_t *raw[8];
};

static void fill(struct opcase *r)
{
	for (int t = 0; t < r->g.ntensors; t++) {
		const struct ir_tensor *ts = &r->g.tensor[t];
		int64_t n = ir_tensor_elems(ts);
		bool flt = dtype_float(ts->dtype);
		r->v[t].i = flt ? NULL : xcalloc((size_t)n, sizeof(int64_t));
		r->v[t].f = flt ? xcalloc((size_t)n, sizeof(double)) : NULL;
		r->raw[t] = xcalloc((size_t)n, dtype_bytes(ts->dtype));
		if (ts->producer >= 0)
			continue;
		for (int64_t i = 0; i < n; i++) {
			int64_t iv = ts->dtype == DT_INT32 ? rnd(-5000, 5000) : rnd(-128, 127);
			if (ts->bounded) /* anywhere in its bounds, and at their ends */
				iv = rnd_from(&rng_bounded, 0, 7) == 0	? ts->lo
				     : rnd_from(&rng_bounded, 0, 7) == 0 ? ts->hi
									: rnd_from(&rng_bounded, ts->lo, ts->hi);
			double fv = half_round((double)rnd(-1024, 1023) / 1024.0);
			if (flt)
				r->v[t].f[i] = fv;
			else
				r->v[t].i[i] = iv;
			if (flt)
				val_put_float(r->raw[t], ts->dtype, (uint64_t)i, fv);
			else
				val_put_int(r->raw[t], ts->dtype, (uint64_t)i, iv);
		}
	}
}

static void run_free(struct opcase *r)
{
	for (int t = 0; t < r->g.ntensors; t++) {
		free(r->v[t].i);
		free(r->v[t].f);
		free(r->raw[t]);
	}
	ir_graph_free(&r->g);
	diag_free(&r->err);
	memset(r, 0, sizeof *r);
}

static int random_bias(struct opcase *r, int op, bool flt)
{
	const struct ir_tensor *out = &r->g.tensor[r->g.op[op].out.tensor];
	/* half of them along the channels, the bias the direct form takes */
	struct ir_epilogue ep = {.kind = IR_EP_BIAS, .dim = rnd(0, 1) ? out->rank - 1 : (int)rnd(0, out->rank - 1)};
	ep.tensor = ir_add_tensor(&r->g, "bias", IR_TENSOR_WEIGHT, flt ? DT_FP16 : DT_INT32, 1,
				  (int64_t[]){out->shape[ep.dim]}, NULL, &r->err);
	/* half of the integer ones a constant of known range (fill keeps to it),
	 * which the lowering may start the sum from as digits (tz_bias_beat):
	 * small, the ends of what eight int8 digits sum to over place values
	 * seven times 127 and once 1, one past them, or wider */
	static const int64_t ranges[4][2] = {{-5000, 5000}, {-113920, 113030}, {-113920, 113031}, {-300000, 300000}};
	if (ep.tensor >= 0 && !flt && rnd_from(&rng_bounded, 0, 1)) {
		int k = (int)rnd_from(&rng_bounded, 0, 3);
		r->g.tensor[ep.tensor].bounded = true;
		r->g.tensor[ep.tensor].lo = ranges[k][0], r->g.tensor[ep.tensor].hi = ranges[k][1];
	}
	return ir_add_epilogue(&r->g, op, &ep, &r->err);
}

/* An integer requantization: a bias or not, a shift, and a clip inside
 * int8's range (its whole range, a part of it, or from 0), a relu before or
 * after it or none -- the chains the lowering fuses (tz_epilogue_passes). */
static void random_requant(struct opcase *r, int op)
{
	if (rnd(0, 1))
		ASSERT_EQ(random_bias(r, op, false), 0);
	struct ir_epilogue shr = {.kind = IR_EP_SHR, .imm = rnd(-2, 12)}, relu = {.kind = IR_EP_RELU},
			   clip = {.kind = IR_EP_CLIP, .lo = -128, .hi = 127};
	ASSERT_EQ(ir_add_epilogue(&r->g, op, &shr, &r->err), 0);
	int how = (int)rnd(0, 3), where = (int)rnd(0, 2);
	if (how == 1)
		clip.lo = 0;
	else if (how == 2)
		clip.lo = rnd(-128, 100), clip.hi = clip.lo + rnd(0, 127 - clip.lo);
	else if (how == 3)
		clip.lo = rnd(-300, 0), clip.hi = rnd(0, 300); /* beyond int8: not requant's */
	if (where == 0)
		ASSERT_EQ(ir_add_epilogue(&r->g, op, &relu, &r->err), 0);
	ASSERT_EQ(ir_add_epilogue(&r->g, op, &clip, &r->err), 0);
	if (where == 1)
		ASSERT_EQ(ir_add_epilogue(&r->g, op, &relu, &r->err), 0);
}

static inline void random_epilogues(struct opcase *r, int op, bool flt)
{
	if (!flt && rnd(0, 2) == 0) {
		random_requant(r, op);
		return;
	}
	int n = (int)rnd(0, 4);
	bool bias = false;
	for (int e = 0; e < n; e++) {
		static const enum ir_epilogue_kind kinds[] = {IR_EP_BIAS, IR_EP_ADD, IR_EP_MUL, IR_EP_SHR, IR_EP_CLIP, IR_EP_RELU};
		struct ir_epilogue ep = {.kind = kinds[rnd(0, 5)]};
		switch (ep.kind) {
		case IR_EP_BIAS:
			if (bias)
				continue;
			bias = true;
			ASSERT_EQ(random_bias(r, op, flt), 0);
			continue;
		case IR_EP_ADD: ep.imm = rnd(-1000, 1000); break;
		case IR_EP_MUL: ep.imm = rnd(-20, 20); break;
		case IR_EP_SHR: ep.imm = rnd(-3, 12); break;
		case IR_EP_CLIP:
			ep.lo = rnd(-300, 100), ep.hi = ep.lo + rnd(0, 400);
			if (rnd(0, 1)) /* symmetric: the ALU's own clip */
				ep.hi = rnd(0, 300), ep.lo = flt ? -ep.hi : -ep.hi - 1;
			break;
		default: break;
		}
		ASSERT_EQ(ir_add_epilogue(&r->g, op, &ep, &r->err), 0);
	}
}

static const char *const kinds[] = {"conv2d", "depthwise", "dense", "matmul", "batch_matmul", "max_pool"};

/* A random op of kind k; returns its index. */
static inline int random_op(struct opcase *r, int k, enum dtype dt, enum dtype od)
{
	int op = -1;
	while (op < 0) {
		run_free(r);
		if (k <= 1) {
			/* convolutions: grouped ones (some with groups a whole number of
			 * elements wide), and one in four a conv1d (H and KH of 1) */
			int64_t G = k == 1 ? rnd(1, 20) : rnd(0, 3) ? 1 : rnd(2, 3);
			int64_t Cg = rnd(0, 1) ? 8 * rnd(1, 2) : rnd(1, 40 / G), Og = rnd(0, 1) ? 8 * rnd(1, 2) : rnd(1, 40 / G);
			int64_t C = k == 1 ? G : G * Cg, O = k == 1 ? G : G * Og;
			bool one_d = rnd(0, 3) == 0;
			int64_t N = rnd(1, 2), H = one_d ? 1 : rnd(1, 12), W = rnd(1, 12), KH = one_d ? 1 : rnd(1, 3), KW = rnd(1, 3);
			struct ir_conv2d_attrs a = {{rnd(1, 3), rnd(1, 3)},
						    {one_d ? 0 : rnd(0, 2), rnd(0, 2), one_d ? 0 : rnd(0, 2), rnd(0, 2)},
						    {rnd(1, 2), rnd(1, 2)}, G, false};
			int in = ir_add_tensor(&r->g, "x", IR_TENSOR_INPUT, dt, 4, (int64_t[]){N, H, W, C}, "NHWC", &r->err);
			int w = ir_add_tensor(&r->g, "w", IR_TENSOR_WEIGHT, dt, 4, (int64_t[]){O, KH, KW, C / G}, "OHWI", &r->err);
			op = ir_conv2d(&r->g, "conv", in, w, &a, "y", od, &r->err);
		} else if (k == 2) {
			int64_t N = rnd(1, 40), K = rnd(1, 80), M = rnd(1, 40);
			int in = ir_add_tensor(&r->g, "x", IR_TENSOR_INPUT, dt, 2, (int64_t[]){N, K}, NULL, &r->err);
			int w = ir_add_tensor(&r->g, "w", IR_TENSOR_WEIGHT, dt, 2, (int64_t[]){M, K}, NULL, &r->err);
			op = ir_dense(&r->g, "dense", in, w, "y", od, &r->err);
		} else if (k == 5) {
			int64_t win[2] = {rnd(1, 3), rnd(1, 3)}, st[2] = {rnd(1, 3), rnd(1, 3)};
			int64_t pad[4] = {rnd(0, win[0] - 1), rnd(0, win[1] - 1), rnd(0, win[0] - 1), rnd(0, win[1] - 1)};
			int64_t shape[4] = {rnd(1, 2), rnd(1, 12), rnd(1, 12), rnd(1, 40)};
			int in = ir_add_tensor(&r->g, "x", IR_TENSOR_INPUT, dt, 4, shape, "NHWC", &r->err);
			op = ir_pool2d(&r->g, "pool", in, true, win, st, pad, "y", &r->err);
		} else {
			int64_t B = rnd(1, 3), M = rnd(1, 40), K = rnd(1, 70), N = rnd(1, 40);
			int rank = k == 3 ? 2 : 3;
			int64_t as[3] = {B, M, K}, bs[3] = {B, K, N};
			int a = ir_add_tensor(&r->g, "a", IR_TENSOR_INPUT, dt, rank, as + 3 - rank, NULL, &r->err);
			int b = ir_add_tensor(&r->g, "b", IR_TENSOR_WEIGHT, dt, rank, bs + 3 - rank, NULL, &r->err);
			op = ir_matmul(&r->g, "mm", a, b, "y", od, &r->err);
		}
	}
	return op;
}

/* One simulator per hardware, reused by the cases (opening one allocates all
 * of DRAM, which is slow under AddressSanitizer). */
static struct device *opcase_dev;
static uint64_t opcase_dev_fp;

static struct device *opcase_device(const struct hw *hw, struct diags *err)
{
	if (opcase_dev && opcase_dev_fp != hw_fingerprint(hw)) {
		dev_sim.close(opcase_dev);
		opcase_dev = NULL;
	}
	if (!opcase_dev) {
		opcase_dev = dev_sim.open(hw, err);
		opcase_dev_fp = hw_fingerprint(hw);
	}
	return opcase_dev;
}

static void opcase_close_device(void)
{
	if (opcase_dev)
		dev_sim.close(opcase_dev);
	opcase_dev = NULL;
}

/* Lowers op with mapping map (NULL: max pooling on the ALU), runs it on the
 * simulator and compares the output with the reference interpreter; true
 * when it verifies.  With `data_read`, the DRAM bytes the run read besides
 * the program's own instructions and micro-ops. */
static inline bool opcase_verify_reads(const struct hw *hw, struct opcase *r, int op, const struct tz_mapping *map,
				const char *what, uint64_t *data_read)
{
	struct diags err = {0};
	const uint8_t *const *data = (const uint8_t *const *)r->raw;
	struct cc_plan *plans = xcalloc((size_t)r->g.nops + 1, sizeof *plans);
	cc_plan_mapping(hw, &r->g, op, map, &plans[op]);
	struct cc_request rq = {.g = &r->g, .plans = plans, .ops = &op, .nops = 1, .data = data};
	struct cc_program prog;
	int rc = cc_build(hw, &rq, &prog, &err);
	struct device *d = rc ? NULL : opcase_device(&prog.p.hw, &err);
	struct dev_stats st;
	rc = rc || !d || dev_run_program(&dev_sim, d, &prog.p, NULL, &st, &err);
	if (!rc && data_read)
		*data_read = st.dram_read - isa_program_code_bytes(&prog.p);
	int ot = r->g.op[op].out.tensor;
	if (!rc) {
		const struct isa_segment *s = &prog.p.seg[prog.op[0].out_segment];
		uint8_t *packed = xmalloc(s->size);
		rc = dev_sim.read(d, s->addr, packed, s->size, &err);
		cc_unpack(&prog, 0, packed, r->raw[ot]);
		free(packed);
	}
	ASSERT_EQ(rc, 0);
	if (rc) {
		struct strbuf sb = {0};
		if (map)
			tz_mapping_format(map, &sb);
		char *s = sb_take(&sb);
		fprintf(stderr, "%s (%s):\n", what, s);
		free(s);
		diag_print(&err, stderr);
	}
	cc_program_free(&prog);
	free(plans);
	diag_free(&err);
	if (rc)
		return false;
	interp_op(&r->g, op, r->v);
	const struct ir_tensor *t = &r->g.tensor[ot];
	int64_t n = ir_tensor_elems(t), bad = 0;
	for (int64_t i = 0; i < n; i++) {
		if (dtype_float(t->dtype)) {
			double dv = val_get_float(r->raw[ot], t->dtype, (uint64_t)i), rv = r->v[ot].f[i];
			bad += fabs(dv - rv) > RT_FLOAT_TOLERANCE * fmax(1.0, fabs(rv));
		} else {
			bad += val_get_int(r->raw[ot], t->dtype, (uint64_t)i) != r->v[ot].i[i];
		}
	}
	ASSERT_EQ(bad, 0);
	if (bad) {
		struct strbuf sb = {0};
		ir_dump(&r->g, &sb);
		if (map)
			tz_mapping_format(map, &sb);
		char *s = sb_take(&sb);
		fprintf(stderr, "%s: %" PRId64 " of %" PRId64 " values differ\n%s\n", what, bad, n, s);
		free(s);
	}
	return bad == 0;
}

static inline bool opcase_verify(const struct hw *hw, struct opcase *r, int op, const struct tz_mapping *map, const char *what)
{
	return opcase_verify_reads(hw, r, op, map, what, NULL);
}

#endif
