/* A grouped layer's whole bias kept in the accumulator per group, on
 * server-wide: in the GEMM form the groups are the batch, and the bias the
 * lowering loads once is every group's, staged whole through the shared
 * level.  The staging area (tz_shared_areas), the accumulator's need and the
 * micro-op kernels once counted one group's alone: the staged bias ran past
 * its area into the next ones, which the load module refills while the
 * compute module still reads the bias from there.
 *
 * For every GEMM-form mapping of the layer's space that keeps the bias
 * whole across its groups: its staging area holds the whole bias, counted
 * here from the layer's shape (16 groups of 24 channels: one 32-lane output
 * tile of 4 x 32 int32 a group); a spread of them runs on the simulator and
 * matches the reference interpreter. */
#include "opcase.h"
#include "tensorize/search.h"

enum { GROUPS = 16, PER_GROUP = 24, LANES = 32 };

int main(void)
{
	struct hw hw;
	test_load_example("server-wide", &hw);
	const struct hw_level *acc = &hw.level[hw.role_level[HW_ROLE_ACCUMULATOR]];
	ASSERT_EQ(hw.intrinsic[0].dim_size[1], LANES); /* j: the output tile's channels */
	struct opcase r = {0};
	struct ir_conv2d_attrs a = {{1, 1}, {1, 1, 1, 1}, {1, 1}, GROUPS, false};
	int x = ir_add_tensor(&r.g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){1, 10, 12, GROUPS * 8}, "NHWC", &r.err);
	int w = ir_add_tensor(&r.g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){GROUPS * PER_GROUP, 3, 3, 8}, "OHWI",
			      &r.err);
	int op = ir_conv2d(&r.g, "g", x, w, &a, "y", DT_INT32, &r.err);
	ASSERT(op >= 0);
	struct ir_epilogue ep = {.kind = IR_EP_BIAS, .dim = 3};
	ep.tensor = ir_add_tensor(&r.g, "bias", IR_TENSOR_WEIGHT, DT_INT32, 1, (int64_t[]){GROUPS * PER_GROUP}, NULL, &r.err);
	ASSERT(ir_add_epilogue(&r.g, op, &ep, &r.err) >= 0);
	fill(&r);
	interp_op(&r.g, op, r.v);
	/* the whole bias: per group its channels in whole output tiles, one accumulator element each */
	uint64_t whole = (uint64_t)GROUPS * ((PER_GROUP + LANES - 1) / LANES) * acc->elem_bytes;
	struct tz_match m;
	ASSERT_EQ(tz_match_op(&hw, &r.g, op, &m), 0);
	struct tz_space s;
	ASSERT_EQ(tz_space_build(&hw, &r.g, op, &m, &s, &r.err), 0);
	int kept = 0, verified = 0;
	for (int64_t i = 0; i < s.n; i++) {
		const struct tz_geometry *geo = &s.geo[s.geo_of[i]];
		struct tz_bias_home home;
		tz_bias_home(geo, &s.m[i], &home);
		if (s.m[i].direct || home.group < 0 || home.batches < 2)
			continue;
		uint64_t size[TZ_SHARED_AREAS];
		tz_shared_areas(geo, &s.m[i], 0, size);
		ASSERT(size[4] >= whole); /* the first bias area: where the whole bias is staged */
		if (kept++ % 500)
			continue;
		char what[64];
		snprintf(what, sizeof what, "grouped layer, mapping %" PRId64, i);
		verified += opcase_verify(&hw, &r, op, &s.m[i], what);
	}
	printf("%d GEMM-form mappings keeping the bias of %d groups whole (%" PRIu64 " bytes staged), %d run and "
	       "verified\n", kept, GROUPS, whole, verified);
	ASSERT(kept >= 5000);
	ASSERT_EQ(verified, (kept + 499) / 500);
	tz_space_free(&s);
	tz_match_free(&m);
	run_free(&r);
	opcase_close_device();
	return test_done("bias_areas");
}
