/* The machine's bound of an op (cc_machine_bound) against figures worked
 * out by hand from edge-tiny's description: a 1x8x8 int8 GEMM (64 MACs a
 * cycle), 4 DRAM bytes a cycle, a vector ALU of 4 lanes with an initiation
 * interval of 1.  One small op bound by each resource, and the binding's
 * efficiency of a shape the intrinsic does not fill. */
#include <math.h>

#include "compiler/compile.h"
#include "ir/workload.h"
#include "test.h"

static const char workload[] =
	"name: bounds\n"
	"tensors:\n"
	"  - {name: x, shape: [4, 16], dtype: int8}\n"
	"  - {name: w, shape: [8, 16], dtype: int8}\n"
	"  - {name: x2, shape: [64, 8], dtype: int8}\n"
	"  - {name: w2, shape: [8, 8], dtype: int8}\n"
	"  - {name: a3, shape: [128, 256], dtype: int8}\n"
	"  - {name: b3, shape: [256, 128], dtype: int8}\n"
	"  - {name: img, shape: [1, 8, 8, 8], dtype: int8}\n"
	"  - {name: x5, shape: [4, 12], dtype: int8}\n"
	"  - {name: w5, shape: [8, 12], dtype: int8}\n"
	"  - {name: b8, shape: [8], dtype: int32}\n"
	"ops:\n"
	"  - {name: dram_op, op: dense, input: x, weight: w}\n"
	"  - {name: alu_op, op: dense, input: x2, weight: w2, dtype: int8, epilogue: [{add: 3}, {shr: 2}, {clip: [0, 100]}]}\n"
	"  - {name: mac_op, op: matmul, a: a3, b: b3, dtype: int8, epilogue: [{shr: 12}]}\n"
	"  - {name: pool, op: max_pool, input: img, window: 2, stride: 2}\n"
	"  - {name: padded, op: dense, input: x5, weight: w5}\n"
	"  - {name: fused, op: dense, input: x2, weight: w2, dtype: int8,\n"
	"     epilogue: [{bias: b8}, {shr: 4}, {clip: [-128, 127]}]}\n";

struct want {
	const char *op;
	double mac, alu, dram;
	enum cc_resource binding;
};

/* By hand:
 * dram_op: 4x8x16 = 512 MACs / 64 = 8; bytes 64 + 128 in, 4x8 int32 = 128
 *   out: 320 / 4 = 80; no epilogue: no ALU.
 * alu_op: 64x8x8 = 4096 MACs / 64 = 64; bytes 512 + 64 + 512 = 1088 / 4 =
 *   272; ALU: add, then shr and a clip to [0, 100]: edge-tiny's `requant`
 *   shifts and clips to int8's range, and [0, 100] is narrower, so a `max`
 *   and a `min` follow = 4 operations on each of 512 outputs = 2048 / 4
 *   lanes = 512.
 * mac_op: 128x128x256 = 4194304 MACs / 64 = 65536; bytes 32768 + 32768 +
 *   16384 = 81920 / 4 = 20480; ALU: one shr on 16384 outputs / 4 = 4096.
 * pool: max pooling on the ALU: no MACs; 4x4x8 = 128 outputs of a 2x2
 *   window: 3 max each = 384 / 4 = 96; bytes 512 + 128 = 640 / 4 = 160.
 * padded: 4x8x12 = 384 MACs / 64 = 6; bytes 48 + 96 + 128 = 272 / 4 = 68.
 * fused: as alu_op, 64 MACs a cycle; bytes 512 + 64 + 8x4 bias + 512 = 1120 /
 *   4 = 280; ALU: the sum starts from the bias (no pass), and the shift and
 *   the clip to int8's range are one `requant`: 512 / 4 lanes = 128. */
static const struct want wants[] = {
	{"dram_op", 8, 0, 80, CC_RES_DRAM},
	{"alu_op", 64, 512, 272, CC_RES_ALU},
	{"mac_op", 65536, 4096, 20480, CC_RES_MAC},
	{"pool", 0, 96, 160, CC_RES_DRAM},
	{"padded", 6, 0, 68, CC_RES_DRAM},
	{"fused", 64, 128, 280, CC_RES_DRAM},
};

static bool near(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1, fabs(b)); }

int main(void)
{
	struct hw hw;
	test_load_example("edge-tiny", &hw);
	struct wl_workload w;
	struct diags err = {0};
	ASSERT_EQ(wl_load_string(workload, "bounds.yaml", &w, &err), 0);
	diag_print(&err, stderr);
	struct cc_plan *plans = xcalloc((size_t)w.g.nops, sizeof *plans);
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, plans, &err), 0);
	for (int op = 0; op < w.g.nops; op++) {
		const struct want *x = &wants[op];
		ASSERT_STR(w.g.op[op].name, x->op);
		ASSERT(plans[op].kind == (op == 3 ? CC_POOL : CC_GEMM));
		struct cc_bound b;
		cc_machine_bound(&hw, &w.g, op, &plans[op], &b);
		printf("%-8s mac %8.1f alu %7.1f dram %8.1f -> %s %.1f, efficiency %.3f\n", x->op, b.need[CC_RES_MAC],
		       b.need[CC_RES_ALU], b.need[CC_RES_DRAM], cc_resource_name(b.binding), b.cycles, b.efficiency);
		ASSERT(near(b.need[CC_RES_MAC], x->mac));
		ASSERT(near(b.need[CC_RES_ALU], x->alu));
		ASSERT(near(b.need[CC_RES_DRAM], x->dram));
		ASSERT_EQ(b.binding, x->binding);
		ASSERT(near(b.cycles, fmax(x->mac, fmax(x->alu, x->dram))));
		/* the roofline is the bound without the ALU (max pooling's MACs aside) */
		if (op != 3)
			ASSERT(near(cc_roofline_cycles(&hw, &w.g, op), fmax(x->mac, x->dram)));
	}
	/* efficiency: k = 12 of the intrinsic's 8 fills two tiles of 16, 12/16;
	 * the 8 outputs fill j, the one row i: 0.75 in all */
	struct cc_bound b;
	cc_machine_bound(&hw, &w.g, 4, &plans[4], &b);
	ASSERT(near(b.efficiency, 0.75));
	cc_machine_bound(&hw, &w.g, 0, &plans[0], &b);
	ASSERT(near(b.efficiency, 1.0));
	cc_machine_bound(&hw, &w.g, 3, &plans[3], &b);
	ASSERT(b.efficiency < 0);
	ASSERT_STR(cc_resource_name(CC_RES_ALU), "alu");
	free(plans);
	wl_free(&w);
	diag_free(&err);
	return test_done("test_bound");
}
