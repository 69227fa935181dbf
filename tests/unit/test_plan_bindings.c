/* The default plan chooses among bindings by the estimate, not by
 * efficiency alone.  Efficiency counts the padding a binding computes for
 * nothing; two bindings of alike efficiency can differ many times in
 * cycles.  On vector-mac (a 1x32x32 GEMM beside a 32-lane vector MAC) a
 * grouped 1x1 layer of 4 groups of one channel, each making 32 outputs, has
 * the vector MAC over the 4 groups (4 of its 32 lanes, with the 32 outputs
 * of a group as a loop around it and each output's lanes 32 channels apart)
 * as its most efficient binding (12.5%), and the GEMM over a group's 32
 * outputs (one reduction value of 32: 3.1%) as a less efficient one.
 *
 * Both defaults run on the simulator, the plan's verified against the
 * reference interpreter: the plan must take at most half the cycles of the
 * most efficient binding's default (before, the plan was that default:
 * 354 410 cycles, int32 out; the GEMM's 54 070). */
#include "opcase.h"
#include "compiler/tune.h"

/* Cycles of the most efficient binding's default mapping (the GEMM form's,
 * or the direct form's where that costs less, as the plan once chose). */
static uint64_t most_efficient_cycles(const struct hw *hw, struct opcase *r, int op)
{
	struct tz_match m;
	ASSERT_EQ(tz_match_op(hw, &r->g, op, &m), 0);
	ASSERT(m.nbindings > 0);
	struct tz_geometry geo;
	tz_geometry_init(&geo, hw, &r->g, op, &m.binding[0]);
	struct tz_mapping def;
	char why[256];
	ASSERT_EQ(tz_default_mapping(&geo, &def, why), 0);
	printf("most efficient binding: %s (%.1f%%)\n", hw->intrinsic[m.binding[0].intrinsic].name,
	       100 * m.binding[0].efficiency);
	tz_match_free(&m);
	uint64_t cycles = tn_measure(hw, &r->g, op, &def, NULL, NULL, &r->err);
	ASSERT(cycles > 0);
	return cycles;
}

int main(void)
{
	struct hw hw;
	test_load_example("vector-mac", &hw);
	struct opcase r = {0};
	struct ir_conv2d_attrs a = {{1, 1}, {0, 0, 0, 0}, {1, 1}, 4, false};
	int x = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){1, 28, 11, 4}, "NHWC", &r.err);
	int w = ir_add_tensor(&r.g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){128, 1, 1, 1}, "OHWI", &r.err);
	int op = ir_conv2d(&r.g, "g", x, w, &a, "y", DT_INT32, &r.err);
	ASSERT(op >= 0);
	fill(&r);
	interp_op(&r.g, op, r.v);
	uint64_t first = most_efficient_cycles(&hw, &r, op);
	struct cc_plan p;
	ASSERT_EQ(cc_plan_op(&hw, &r.g, op, &p, &r.err), 0);
	ASSERT_EQ(p.kind, CC_GEMM);
	uint64_t planned = tn_measure(&hw, &r.g, op, &p.map, NULL, NULL, &r.err);
	ASSERT(opcase_verify(&hw, &r, op, &p.map, "the plan's mapping"));
	printf("4 groups of 1 channel to 32 outputs on vector-mac: the plan (%s) %llu cycles, the most efficient "
	       "binding's default %llu\n",
	       hw.intrinsic[p.map.b.intrinsic].name, (unsigned long long)planned, (unsigned long long)first);
	ASSERT(planned > 0 && 2 * planned <= first);
	run_free(&r);
	opcase_close_device();
	return test_done("plan_bindings");
}
