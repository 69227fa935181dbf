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
	"  - {name: x6, shape: [64, 32], dtype: int8}\n"
	"  - {name: w6, shape: [32, 32], dtype: int8}\n"
	"ops:\n"
	"  - {name: dram_op, op: dense, input: x, weight: w}\n"
	"  - {name: alu_op, op: dense, input: x2, weight: w2, dtype: int8, epilogue: [{add: 3}, {shr: 2}, {clip: [0, 100]}]}\n"
	"  - {name: mac_op, op: matmul, a: a3, b: b3, dtype: int8, epilogue: [{shr: 12}]}\n"
	"  - {name: pool, op: max_pool, input: img, window: 2, stride: 2}\n"
	"  - {name: padded, op: dense, input: x5, weight: w5}\n"
	"  - {name: fused, op: dense, input: x2, weight: w2, dtype: int8,\n"
	"     epilogue: [{bias: b8}, {shr: 4}, {clip: [-128, 127]}]}\n"
	"  - {name: shared, op: dense, input: x6, weight: w6, dtype: int8, epilogue: [{shr: 3}]}\n";

struct want {
	const char *op;
	double mac, alu, dram;
	enum cc_resource binding;
};

/* By hand:
 * dram_op: 4x8x16 = 512 MACs / 64 = 8; bytes 64 + 128 in, 4x8 int32 = 128
 *   out: 320 / 4 = 80; no epilogue, but the int32 outputs leave the int8
 *   output buffer in four byte planes, the accumulator shifted between
 *   them: 3 shifts of 32 outputs / 4 lanes = 24.
 * alu_op: 64x8x8 = 4096 MACs / 64 = 64; bytes 512 + 64 + 512 = 1088 / 4 =
 *   272; ALU: add, then shr and a clip to [0, 100]: edge-tiny's `requant`
 *   shifts and clips to int8's range, and [0, 100] is narrower, so a `max`
 *   and a `min` follow = 4 operations on each of 512 outputs = 2048 / 4
 *   lanes = 512.
 * mac_op: 128x128x256 = 4194304 MACs / 64 = 65536; bytes 32768 + 32768 +
 *   16384 = 81920 / 4 = 20480; ALU: one shr on 16384 outputs / 4 = 4096.
 * pool: max pooling on the ALU: no MACs; 4x4x8 = 128 outputs of a 2x2
 *   window: 3 max each = 384 / 4 = 96; bytes 512 + 128 = 640 / 4 = 160.
 * padded: 4x8x12 = 384 MACs; k = 12 fills two tiles of 8, so its one
 *   binding does 384 / (12/16) = 512 MACs: 512 / 64 = 8; bytes: x5's 48
 *   (it moves by DMA in its layout, the direct form), w5 packed into its
 *   two 8x8 tiles 128, the output 128: 304 / 4 = 76; ALU: the planes' 3
 *   shifts of 32 int32 outputs / 4 = 24.
 * fused: as alu_op, 64 MACs a cycle; bytes 512 + 64 + 8x4 bias + 512 = 1120 /
 *   4 = 280; ALU: the shift and the clip to int8's range are one `requant`:
 *   512 / 4 lanes = 128; the sum starts from the bias, which reaches each
 *   of the 512 outputs the cheapest way of three: an `add` pass (512 / 4 =
 *   128), the accumulator's DMA (512 x 4 bytes at DRAM's 4 a cycle, under
 *   the accumulator port's 32: 512) or one intrinsic beat per output tile
 *   of 8 values (512 / 8 = 64: b8's default range, +-65536, is within the
 *   +-113030 eight int8 digits hold): 128 + 64 = 192.
 * shared: 64x32x32 = 65536 MACs / 64 = 1024; bytes 2048 + 1024 + 2048 =
 *   5120 / 4 = 1280; ALU: one shr on 2048 outputs / 4 = 512.  Each alone is
 *   under DRAM's 1280, but the GEMM and the ALU take turns on the compute
 *   module: 1536 cycles, bound by the MACs. */
static const struct want wants[] = {
	{"dram_op", 8, 24, 80, CC_RES_DRAM},
	{"alu_op", 64, 512, 272, CC_RES_ALU},
	{"mac_op", 65536, 4096, 20480, CC_RES_MAC},
	{"pool", 0, 96, 160, CC_RES_DRAM},
	{"padded", 8, 24, 76, CC_RES_DRAM},
	{"fused", 64, 192, 280, CC_RES_DRAM},
	{"shared", 1024, 512, 1280, CC_RES_MAC},
};

static bool near(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1, fabs(b)); }

/* The bound of the one op of workload `yaml` on example description
 * `hw_name`, planned by default, printed, and checked against the needs
 * worked out by hand: mac, alu, dram, load, store, then the cycles. */
static void check_one(const char *hw_name, const char *yaml, const double want[CC_RES_COUNT + 1],
		      enum cc_resource binding, struct diags *err, struct cc_bound *b)
{
	struct hw hw;
	test_load_example(hw_name, &hw);
	struct wl_workload w;
	ASSERT_EQ(wl_load_string(yaml, "one.yaml", &w, err), 0);
	struct cc_plan plan;
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, &plan, err), 0);
	cc_machine_bound(&hw, &w.g, 0, &plan, b);
	printf("%s on %s: mac %.1f alu %.1f dram %.1f load %.1f store %.1f -> %s %.1f\n", w.g.op[0].name, hw_name,
	       b->need[CC_RES_MAC], b->need[CC_RES_ALU], b->need[CC_RES_DRAM], b->need[CC_RES_LOAD], b->need[CC_RES_STORE],
	       cc_resource_name(b->binding), b->cycles);
	for (int r = 0; r < CC_RES_COUNT; r++)
		ASSERT(near(b->need[r], want[r]));
	ASSERT_EQ(b->binding, binding);
	ASSERT(near(b->cycles, want[CC_RES_COUNT]));
	wl_free(&w);
}

/* A 3x3 depthwise convolution of 8x8x8 int8 to int32, padded by 1, on
 * edge-tiny: 8x8x8x9 = 4608 MACs, 512 outputs.  No binding fills the 1x8x8
 * GEMM, and the one that fills it most reads the most:
 * - the image as `wgt`, its 64 positions on j and the nine taps on k (9 of
 *   16 in two tiles): mac 4608 / (64 x 9/16) = 128; but its GEMM form packs
 *   the image once per tap: 8 channels x 8 position tiles x 2 tap tiles x
 *   64 bytes = 8192, the weights 8 x 2 x 8 = 128, the output 2048: DRAM
 *   10368 / 4 = 2592 cycles;
 * - the diagonal one, the channels along both j and k, fills one lane of 8:
 *   mac 4608 / 8 = 576; ALU: 3 shifts between the int32 output's byte
 *   planes, 1536 / 4 lanes = 384; the image moves in its layout (512
 *   bytes), the weights are nine 8x8 diagonal tiles, in DRAM as their
 *   diagonals alone (diagonal loads: 9 x 8 = 72 bytes), the output 2048:
 *   DRAM 2632 / 4 = 658; load (512 + 72) / 4 = 146; store 2048 / 4 = 512.
 *   The compute module's 576 + 384 = 960 sets the bound, by the MACs.
 * The peak alone would give 72 MACs' cycles and a bound of DRAM's 658. */
static void depthwise(struct diags *err)
{
	static const char dw[] = "name: dw\n"
				 "tensors:\n"
				 "  - {name: img, shape: [1, 8, 8, 8], dtype: int8}\n"
				 "  - {name: wd, shape: [8, 3, 3, 1], dtype: int8}\n"
				 "ops:\n"
				 "  - {name: dw, op: depthwise, input: img, weight: wd, pad: 1}\n";
	struct cc_bound b;
	check_one("edge-tiny", dw, (const double[]){576, 384, 658, 146, 512, 960}, CC_RES_MAC, err, &b);
	ASSERT(near(b.at_bound, 0.125)); /* the diagonal binding's, not the 9/16 of the one that fills most */
}

/* server-wide: a 4x32x32 GEMM (4096 MACs a cycle), DRAM 64 bytes a cycle,
 * and every scratchpad filled through the shared level gbuf (256 bytes a
 * cycle): inp's port takes 128, wgt's 1024, out's 128.  A matrix-vector
 * product of 4 rows by 256x256 int8 weights, int8 out after a shift:
 *   mac 262144 / 4096 = 64; alu one shr on 1024 outputs / 32 lanes = 32;
 *   dram (1024 + 65536 + 1024) / 64 = 1056;
 *   load: x over DRAM->gbuf at 64 and gbuf->inp at 128, 1024 x (1/64 +
 *   1/128) = 24; w at 64 then 256, 65536 x (1/64 + 1/256) = 1280: 1304;
 *   store: 1024 x (1/128 + 1/64) = 24.
 * The second hop of every weight byte makes the load module, not DRAM,
 * the bound. */
static void server_wide(struct diags *err)
{
	static const char gemv[] = "name: gemv\n"
				   "tensors:\n"
				   "  - {name: x, shape: [4, 256], dtype: int8}\n"
				   "  - {name: w, shape: [256, 256], dtype: int8}\n"
				   "ops:\n"
				   "  - {name: gemv, op: dense, input: x, weight: w, dtype: int8, epilogue: [{shr: 4}]}\n";
	struct cc_bound b;
	check_one("server-wide", gemv, (const double[]){64, 32, 1056, 1304, 24, 1304}, CC_RES_LOAD, err, &b);
}

/* Where the bias is cheapest to start a sum from.  The same product with an
 * int32 bias first:
 * - on server-wide, the accumulator's DMA: 1024 outputs x 4 bytes over the
 *   gbuf's 256 bytes a cycle (under the accumulator port's 512) = 16,
 *   against an `add` pass's 1024 / 32 lanes = 32 (no beat: the operands
 *   pass a shared level): alu 32 + 16 = 48; dram 1056 + 1024 / 64 = 1072;
 * - on vta-default, 16 rows by 16x16 weights (4096 MACs / 256 = 16): the
 *   `add` pass, 256 outputs / 16 lanes = 16, against the DMA's 256 x 4
 *   bytes at DRAM's 8 a cycle = 128 (and no beat: the ALU takes one cycle
 *   an accumulator element, as a beat does): alu 16 + 16 = 32; dram
 *   (256 + 256 + 64 + 256) / 8 = 104; load x and w at DRAM's 8: 64; store
 *   256 / 8 = 32. */
static void bias_ways(struct diags *err)
{
	static const char gemv[] = "name: gemv\n"
				   "tensors:\n"
				   "  - {name: x, shape: [4, 256], dtype: int8}\n"
				   "  - {name: w, shape: [256, 256], dtype: int8}\n"
				   "  - {name: b, shape: [256], dtype: int32}\n"
				   "ops:\n"
				   "  - {name: gemv, op: dense, input: x, weight: w, dtype: int8,\n"
				   "     epilogue: [{bias: b}, {shr: 4}]}\n";
	static const char small[] = "name: small\n"
				    "tensors:\n"
				    "  - {name: x, shape: [16, 16], dtype: int8}\n"
				    "  - {name: w, shape: [16, 16], dtype: int8}\n"
				    "  - {name: b, shape: [16], dtype: int32}\n"
				    "ops:\n"
				    "  - {name: small, op: dense, input: x, weight: w, dtype: int8,\n"
				    "     epilogue: [{bias: b}, {shr: 4}]}\n";
	struct cc_bound b;
	check_one("server-wide", gemv, (const double[]){64, 48, 1072, 1304, 24, 1304}, CC_RES_LOAD, err, &b);
	check_one("vta-default", small, (const double[]){16, 32, 104, 64, 32, 104}, CC_RES_DRAM, err, &b);
}

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
		/* the intrinsic and the ALU share the compute module: their cycles add */
		ASSERT(near(b.cycles, fmax(x->mac + x->alu, x->dram)));
		/* the roofline is the bound without the ALU, the padding and the
		 * packing (max pooling's MACs aside): padded's 384 MACs / 64 = 6
		 * and its 48 + 96 + 128 compulsory bytes / 4 = 68 */
		if (op == 4)
			ASSERT(near(cc_roofline_cycles(&hw, &w.g, op), 68));
		else if (op != 3)
			ASSERT(near(cc_roofline_cycles(&hw, &w.g, op), fmax(x->mac, x->dram)));
	}
	/* efficiency: k = 12 of the intrinsic's 8 fills two tiles, 12/16;
	 * the 8 outputs fill j, the one row i: 0.75 in all */
	struct cc_bound b;
	cc_machine_bound(&hw, &w.g, 4, &plans[4], &b);
	ASSERT(near(b.efficiency, 0.75));
	cc_machine_bound(&hw, &w.g, 0, &plans[0], &b);
	ASSERT(near(b.efficiency, 1.0));
	cc_machine_bound(&hw, &w.g, 3, &plans[3], &b);
	ASSERT(b.efficiency < 0 && b.at_bound < 0);
	ASSERT_STR(cc_resource_name(CC_RES_ALU), "alu");
	/* edge-tiny has no shared level and its ports are at least DRAM's 4
	 * bytes a cycle: the load module moves the two inputs at DRAM's pace,
	 * the store module the output */
	{
		double in_bytes[] = {64 + 128, 512 + 64, 32768 + 32768, 0, 48 + 128, 512 + 64, 2048 + 1024};
		double out_bytes[] = {128, 512, 16384, 0, 128, 512, 2048};
		for (int op = 0; op < w.g.nops; op++) {
			if (op == 3) /* the pool: no intrinsic, no inputs of one */
				continue;
			cc_machine_bound(&hw, &w.g, op, &plans[op], &b);
			ASSERT(near(b.need[CC_RES_LOAD], in_bytes[op] / 4));
			ASSERT(near(b.need[CC_RES_STORE], out_bytes[op] / 4));
		}
	}
	free(plans);
	wl_free(&w);
	server_wide(&err);
	bias_ways(&err);
	depthwise(&err);
	diag_free(&err);
	return test_done("test_bound");
}
