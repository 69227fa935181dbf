/* Tensors whose channels fill some blocks of lanes and not the last (40
 * channels in elements of 32: 32 + 8) lie in DRAM with that last block
 * packed, its elements holding only their channels, moved by narrow loads
 * and stores (tz_layout's `tail`).  Random convolutions in the direct form
 * and max pools on the vector ALU, their input and output channels a
 * number of blocks and a part, on every description whose scratchpads under
 * DRAM have narrow transfers, run on the simulator and compared with the
 * reference interpreter (tests/unit/ir_interp.h); DRAM holds each input
 * as its points times its channels, to the end of a whole element. */
#include "opcase.h"

static int verified, tails_in, tails_out, pools;

/* A random convolution or max pool of c input channels and o outputs. */
static int tail_op(struct opcase *r, bool pool, int64_t c, int64_t o)
{
	int op = -1;
	while (op < 0) {
		run_free(r);
		int64_t N = rnd(1, 2), H = rnd(1, 10), W = rnd(1, 10), KH = rnd(1, 3), KW = rnd(1, 3);
		int in = ir_add_tensor(&r->g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){N, H, W, c}, "NHWC", &r->err);
		if (pool) {
			int64_t win[2] = {KH, KW}, st[2] = {rnd(1, 2), rnd(1, 2)};
			int64_t pad[4] = {rnd(0, KH - 1), rnd(0, KW - 1), rnd(0, KH - 1), rnd(0, KW - 1)};
			op = ir_pool2d(&r->g, "pool", in, true, win, st, pad, "y", &r->err);
			continue;
		}
		struct ir_conv2d_attrs a = {{rnd(1, 2), 1}, {rnd(0, 1), rnd(0, 1), rnd(0, 1), rnd(0, 1)}, {1, 1}, 1, false};
		int w = ir_add_tensor(&r->g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){o, KH, KW, c}, "OHWI", &r->err);
		op = ir_conv2d(&r->g, "conv", in, w, &a, "y", DT_INT8, &r->err);
	}
	return op;
}

/* The first binding of the op with a direct form, its default direct mapping. */
static bool direct_mapping(const struct hw *hw, const struct ir_graph *g, int op, struct tz_geometry *geo,
			   struct tz_mapping *map)
{
	struct tz_match m;
	tz_match_op(hw, g, op, &m);
	bool found = false;
	char why[256];
	for (int b = 0; b < m.nbindings && !found; b++) {
		tz_geometry_init(geo, hw, g, op, &m.binding[b]);
		found = geo->dir.ok && !tz_default_direct(geo, map, why);
	}
	tz_match_free(&m);
	return found;
}

static void check_config(const char *config, int n)
{
	struct hw hw;
	test_load_example(config, &hw);
	uint32_t lanes = isa_narrow_values(&hw, hw.role_level[HW_ROLE_INPUT]);
	ASSERT(lanes > 1);
	for (int i = 0; i < n; i++) {
		struct opcase r = {0};
		bool pool = rnd(0, 2) == 0;
		int64_t c = (int64_t)lanes * rnd(1, 2) + rnd(1, (int64_t)lanes - 1);
		int64_t o = (int64_t)lanes * rnd(1, 2) + rnd(1, (int64_t)lanes - 1);
		int op = tail_op(&r, pool, c, o);
		if (!pool)
			random_epilogues(&r, op, false);
		fill(&r);
		char what[160];
		snprintf(what, sizeof what, "%s case %d: %s of %lld channels", config, i, pool ? "max pool" : "conv2d",
			 (long long)c);
		struct diags err = {0};
		struct cc_plan plan;
		ASSERT_EQ(cc_plan_op(&hw, &r.g, op, &plan, &err), 0);
		diag_free(&err);
		const struct tz_layout *in = NULL, *out = NULL;
		struct tz_geometry geo;
		struct tz_mapping map;
		if (pool) {
			ASSERT(plan.kind == CC_POOL);
			if (plan.kind != CC_POOL || !plan.pool.box.ok) {
				run_free(&r);
				continue;
			}
			in = &plan.pool.box.in, out = &plan.pool.box.out;
		} else if (!direct_mapping(&hw, &r.g, op, &geo, &map)) {
			run_free(&r);
			continue;
		} else {
			in = &geo.dir.a, out = &geo.dir.out;
		}
		uint64_t read = 0;
		bool ok = opcase_verify_reads(&hw, &r, op, pool ? NULL : &map, what, &read);
		verified += ok, pools += ok && pool;
		tails_in += ok && in->tail == (uint32_t)(c % lanes);
		tails_out += ok && out->tail > 0;
		/* DRAM holds the input's values and nothing past its channels: its
		 * points times its channels, to the end of a whole element (but in
		 * a layout of groups of elements: dot-i8's max pools widen four
		 * 4-value elements into one of the accumulator's 16 lanes) */
		const struct ir_tensor *x = &r.g.tensor[r.g.op[op].in[0].tensor];
		uint64_t points = (uint64_t)(x->shape[0] * x->shape[1] * x->shape[2]);
		if (in->group == 1)
			ASSERT_EQ(tz_layout_bytes(in), (points * (uint64_t)c + lanes - 1) / lanes * lanes);
		ASSERT(read > 0);
		run_free(&r);
	}
	opcase_close_device();
}

int main(void)
{
	check_config("vta-default", 80);
	check_config("edge-tiny", 80);
	check_config("dot-i8", 80);
	check_config("vector-mac", 80);
	printf("%d convolutions and max pools of a last block of fewer channels verified (%d max pools); %d read "
	       "their input's last block packed, %d wrote their output's so\n", verified, pools, tails_in, tails_out);
	ASSERT(verified >= 150);
	ASSERT(pools >= 60);
	ASSERT(verified - pools >= 50);
	ASSERT(tails_in >= 120);
	ASSERT(tails_out >= 100);
	return test_done("narrow_tail");
}
