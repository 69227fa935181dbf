/* Blocks as deep as their buffers, on edge-tiny (an accumulator and a
 * weight scratchpad of 128 elements each, index fields of 7 bits): one row
 * of 128 output tiles, a reduction block of 128 weight tiles for one
 * output tile, and 128 points of one output tile in the direct form each
 * step by 128 along a loop that runs once.  Such a step is never taken,
 * and 128 is one past what its field holds; the mappings fit, so they must
 * compile and give the reference interpreter's output. */
#include <string.h>

#include "opcase.h"

struct deep_case {
	const char *what;
	int64_t n, k, m; /* dense [n, k] x [m, k]; or a 1x1 convolution of n rows of 16 points, k to m channels */
	bool conv;
	int64_t bm, bn, bk;
};

static int build_op(struct opcase *r, const struct deep_case *c)
{
	if (!c->conv) {
		int x = ir_add_tensor(&r->g, "x", IR_TENSOR_INPUT, DT_INT8, 2, (int64_t[]){c->n, c->k}, NULL, &r->err);
		int w = ir_add_tensor(&r->g, "w", IR_TENSOR_WEIGHT, DT_INT8, 2, (int64_t[]){c->m, c->k}, NULL, &r->err);
		return ir_dense(&r->g, "dense", x, w, "y", DT_INT32, &r->err);
	}
	struct ir_conv2d_attrs a = {{1, 1}, {0, 0, 0, 0}, {1, 1}, 1, false};
	int x = ir_add_tensor(&r->g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){1, c->n, 16, c->k}, "NHWC", &r->err);
	int w = ir_add_tensor(&r->g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){c->m, 1, 1, c->k}, "OHWI", &r->err);
	return ir_conv2d(&r->g, "conv", x, w, &a, "y", DT_INT32, &r->err);
}

/* The case's mapping on the op's first binding (in the direct form, the
 * first that has one), one buffer each; false when the binding refuses it. */
static bool deep_mapping(const struct hw *hw, struct opcase *r, int op, const struct deep_case *c,
			 struct tz_mapping *map)
{
	struct tz_match mt;
	tz_match_op(hw, &r->g, op, &mt);
	ASSERT(mt.nbindings > 0);
	if (mt.nbindings == 0)
		return false;
	struct tz_geometry geo;
	for (int b = 0; b < mt.nbindings; b++) {
		tz_geometry_init(&geo, hw, &r->g, op, &mt.binding[b]);
		if (!c->conv || geo.dir.ok)
			break;
	}
	tz_match_free(&mt);
	char why[256] = "";
	int rc = c->conv ? tz_default_direct(&geo, map, why) : tz_default_mapping(&geo, map, why);
	if (rc == 0) {
		map->bm = c->bm, map->bn = c->bn, map->bk = c->bk, map->box_rows = 0, map->panel = 0;
		map->ring_a = map->ring_b = map->ring_acc = 1, map->keep_a = map->keep_b = false;
		rc = tz_mapping_check(&geo, map, why);
	}
	if (rc)
		fprintf(stderr, "%s: %s\n", c->what, why);
	return rc == 0;
}

int main(void)
{
	struct hw hw;
	test_load_example("edge-tiny", &hw);
	uint32_t acc = hw.level[hw.role_level[HW_ROLE_ACCUMULATOR]].depth,
		 wgt = hw.level[hw.role_level[HW_ROLE_WEIGHT]].depth;
	ASSERT(acc == 128 && wgt == 128);

	const struct deep_case cases[] = {
		/* the output block's outer loop (bm = 1) would step by its 128 tiles */
		{"a row of 128 output tiles", 1, 16, 8 * 128, false, 1, 128, 1},
		/* the weight's inner loop (bn = 1) would step by the block's 128 reduction tiles */
		{"128 reduction tiles of one output tile", 1, 8 * 128, 8, false, 1, 1, 128},
		/* the direct form's outer loop over output tiles (bn = 1) would step by its 128 points */
		{"128 points of one output tile, direct", 8, 8, 8, true, 128, 1, 1},
	};
	int verified = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct opcase r = {0};
		int op = build_op(&r, &cases[i]);
		ASSERT(op >= 0);
		fill(&r);
		struct tz_mapping map;
		bool fits = op >= 0 && deep_mapping(&hw, &r, op, &cases[i], &map);
		ASSERT(fits);
		if (fits && opcase_verify(&hw, &r, op, &map, cases[i].what))
			verified++;
		run_free(&r);
	}
	printf("%d of 3 mappings of blocks as deep as their buffers verified\n", verified);
	ASSERT_EQ(verified, 3);
	opcase_close_device();
	return test_done("deep_blocks");
}
