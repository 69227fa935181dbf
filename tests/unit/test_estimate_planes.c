/* The analytical estimate of ops whose int32 output leaves through an int8
 * output buffer in four byte planes, on edge-tiny (the wake word's
 * convolutions, whose requantization runs on the host, are such ops).
 *
 * Each plane's `shr` of the accumulator waits for the store of the plane
 * before (compiler/lower_gemm.c: next_plane), and a block's accumulator
 * buffer is free only once its last plane is stored.  Counting the stores
 * as if they overlapped the compute, the estimate put mappings of one or
 * two reduction steps a block at 0.6 of what they measure (a 3x1
 * convolution of 24 channels over 72x32 points: 112 840 estimated, 186 097
 * measured), 30 mappings spread over each op's space as low as 0.72,
 * and the default mappings ran 1.13x slower than the fastest of them.  Now
 * no mapping measured here is estimated under 0.8 of its cycles, and the
 * default is within 5% of the fastest.  (Some mappings of one buffer are
 * estimated well above what they measure, up to 2.9x; the defaults never
 * take those.)
 *
 * Blocks of a tile or two are fetch's: 13 instructions a block, fetched two
 * at a time with one DRAM request in flight.  Without fetch in the
 * estimate, blocks of 1x2 tiles were estimated at 0.57 of their 1 000 534
 * cycles; and with one accumulator buffer each plane's store waits behind
 * the load on the DRAM channel (0.67 without that). */
#include <inttypes.h>

#include "compiler/tune.h"
#include "sim/simulator.h"
#include "ir/workload.h"
#include "test.h"

static const char workload[] =
	"name: planes\n"
	"tensors:\n"
	"  - {name: x, shape: [1, 74, 32, 24], dtype: int8}\n"
	"  - {name: w, shape: [24, 3, 1, 24], dtype: int8, kind: weight}\n"
	"  - {name: b, shape: [24], dtype: int32, kind: weight, range: [-4263, 17809]}\n"
	"  - {name: v, shape: [96, 200], dtype: int8}\n"
	"  - {name: wv, shape: [72, 200], dtype: int8, kind: weight}\n"
	"ops:\n"
	"  - {name: conv, op: conv2d, input: x, weight: w, dtype: int32, epilogue: [{bias: b}]}\n"
	"  - {name: dense, op: dense, input: v, weight: wv, dtype: int32}\n";

/* Mappings of the convolution (op 0) the space may not sample: blocks of
 * one or two tiles, and one accumulator buffer; each estimated within 0.8
 * to 1.5 of what it measures. */
static void small_blocks(const struct hw *hw, const struct ir_graph *g, struct device *sim)
{
	static const int64_t shapes[][7] = { /* bm bn bk nm ring_a ring_b ring_acc */
		{1, 1, 1, 1, 2, 2, 2}, {1, 2, 8, 1, 2, 2, 2}, {2, 2, 8, 1, 2, 2, 2}, {16, 1, 9, 0, 2, 2, 1}};
	struct diags err = {0};
	struct cc_plan plan;
	ASSERT_EQ(cc_plan_op(hw, g, 0, &plan, &err), 0);
	struct tz_geometry geo;
	tz_geometry_init(&geo, hw, g, 0, &plan.map.b);
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		const int64_t *s = shapes[i];
		struct tz_mapping m = {plan.map.b, s[0], s[1], s[2], s[3] == 1, (int)s[4], (int)s[5], (int)s[6],
				       false, false, false, 0, 0, 0};
		char why[256];
		ASSERT_EQ(tz_mapping_check(&geo, &m, why), 0);
		uint64_t cycles = tn_measure(hw, g, 0, &m, NULL, sim, &err);
		ASSERT(cycles > 0);
		double ratio = tz_estimate_cycles(&geo, &m) / (double)cycles;
		struct strbuf f = {0};
		tz_mapping_format(&m, &f);
		printf("conv %s: estimate %.0f, measured %" PRIu64 " (%.2f)\n", f.s, tz_estimate_cycles(&geo, &m), cycles,
		       ratio);
		sb_free(&f);
		ASSERT(ratio >= 0.8 && ratio <= 1.5);
	}
	diag_free(&err);
}

int main(void)
{
	struct hw hw;
	struct wl_workload w;
	struct diags err = {0};
	test_load_example("edge-tiny", &hw);
	ASSERT_EQ(wl_load_string(workload, "planes.yaml", &w, &err), 0);
	struct device *sim = dev_sim.open(&hw, &err);
	ASSERT(sim);
	int measured = 0;
	double low = 1, high = 1;
	for (int op = 0; op < w.g.nops; op++) {
		struct tz_match match;
		ASSERT_EQ(tz_match_op(&hw, &w.g, op, &match), 0);
		struct tz_space s;
		ASSERT_EQ(tz_space_build(&hw, &w.g, op, &match, &s, &err), 0);
		/* the default (as compiling plans it), then 30 spread over the space */
		struct cc_plan plan;
		ASSERT_EQ(cc_plan_op(&hw, &w.g, op, &plan, &err), 0);
		ASSERT(plan.kind == CC_GEMM);
		uint64_t def = tn_measure(&hw, &w.g, op, &plan.map, NULL, sim, &err), best = def;
		ASSERT(def > 0);
		for (int64_t i = 0, shown = 0; i < s.n; i++) {
			if (i * 30 / s.n != shown)
				continue;
			shown++;
			const struct tz_geometry *geo = &s.geo[s.geo_of[i]];
			ASSERT(geo->b.planes == 4);
			uint64_t cycles = tn_measure(&hw, &w.g, op, &s.m[i], NULL, sim, &err);
			ASSERT(cycles > 0);
			double ratio = tz_estimate_cycles(geo, &s.m[i]) / (double)cycles;
			low = ratio < low ? ratio : low, high = ratio > high ? ratio : high;
			if (ratio < 0.8) {
				struct strbuf f = {0};
				tz_mapping_format(&s.m[i], &f);
				printf("%s %s: estimate %.0f, measured %" PRIu64 "\n", w.g.op[op].name, f.s,
				       tz_estimate_cycles(geo, &s.m[i]), cycles);
				sb_free(&f);
			}
			ASSERT(ratio >= 0.8);
			best = cycles < best ? cycles : best;
			measured++;
		}
		printf("%s: default %" PRIu64 " cycles, fastest of those measured %" PRIu64 " (%.3fx)\n", w.g.op[op].name,
		       def, best, (double)def / (double)best);
		ASSERT((double)def <= 1.05 * (double)best);
		tz_space_free(&s);
		tz_match_free(&match);
	}
	small_blocks(&hw, &w.g, sim);
	printf("%d mappings of four-plane outputs estimated at %.2f to %.2f of their measured cycles\n", measured, low,
	       high);
	ASSERT(measured >= 50);
	dev_sim.close(sim);
	wl_free(&w);
	diag_free(&err);
	return test_done("estimate_planes");
}
