/* bench_sim: how fast the simulator runs, in simulated cycles per second and
 * MACs per second: a GEMM-bound and a DMA-bound program on vta-default (int8),
 * and the same GEMM-bound program on mma-fp16 (fp16 operands, fp32
 * accumulator) and on mma-fp16 with every fp16 made fp32 (an fp32 MMA).
 * Prints the median of several runs of each, all in one process, and the
 * float programs' simulated cycles per second against int8's.  A benchmark,
 * not a test:
 *   TESSEL_SOURCE_DIR=. build/tests/bench/bench_sim [RUNS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strbuf.h"
#include "device/device.h"
#include "sim/simulator.h"
#include "tests/unit/test.h"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* 16 micro-ops walking 16 accumulator rows; each intrinsic instruction runs
 * them over a 64 x 16 loop: 16384 beats, one per cycle.  The input and
 * weight buffers are named `inp` and `wgt` on vta-default, `abuf` and
 * `bbuf` on the MMAs; the intrinsic is `gemm` or `mma`. */
static char *gemm_bound(const struct hw *hw, int gemms)
{
	const char *inp = hw->level[hw->role_level[HW_ROLE_INPUT]].name;
	const char *wgt = hw->level[hw->role_level[HW_ROLE_WEIGHT]].name;
	struct strbuf sb = {0};
	sb_puts(&sb, ".segment x input size=65536\n.segment w weight size=65536\n");
	for (int u = 0; u < 16; u++)
		sb_printf(&sb, ".uop dst=%d src=%d wgt=%d\n", u, u, u);
	sb_printf(&sb,
		  "load buf=uop idx=0 addr=@uops ysize=1 xsize=16 xstride=16\n"
		  "load buf=%s idx=0 addr=@x ysize=1 xsize=1024 xstride=1024\n"
		  "load buf=%s idx=0 addr=@w ysize=1 xsize=256 xstride=256 push_next\n",
		  inp, wgt);
	for (int g = 0; g < gemms; g++)
		sb_printf(&sb, "%s uop_begin=0 uop_end=16 iter_out=64 iter_in=16 dst_out=16 src_out=16 wgt_in=16%s\n",
			  hw->intrinsic[0].name, g ? "" : " pop_prev");
	sb_puts(&sb, "finish\n");
	return sb_take(&sb);
}

/* Tiles streamed in and out: loads of 64 rows and stores of 64 rows,
 * alternating with tokens, so DRAM is the bottleneck. */
static char *dma_bound(int tiles)
{
	struct strbuf sb = {0};
	sb_puts(&sb, ".segment x input size=65536\n.segment y output size=65536\n");
	for (int t = 0; t < tiles; t++)
		sb_printf(&sb, "load buf=inp idx=0 addr=@x ysize=64 xsize=16 xstride=32\n"
			       "store buf=out idx=0 addr=@y ysize=64 xsize=16 xstride=32\n");
	sb_puts(&sb, "finish\n");
	return sb_take(&sb);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Runs the program `runs` times; prints its line and returns the median
 * simulated cycles per second (0 on error).  The segments hold zeros: the
 * figures do not depend on values except through NaNs and subnormals,
 * which zeros avoid as well as any other values would. */
static double bench(const char *name, const struct hw *hw, const char *src, int runs)
{
	struct diags err = {0};
	struct isa_program p;
	if (isa_assemble(src, name, hw, &p, &err)) {
		diag_print(&err, stderr);
		return 0;
	}
	struct device *d = dev_sim.open(&p.hw, &err);
	double *secs = calloc((size_t)runs, sizeof *secs);
	struct dev_stats st;
	for (int i = 0; d && secs && i < runs; i++) {
		double t0 = now_seconds();
		if (dev_run_program(&dev_sim, d, &p, NULL, &st, &err)) {
			diag_print(&err, stderr);
			return 0;
		}
		secs[i] = now_seconds() - t0;
	}
	if (!d || !secs) {
		diag_print(&err, stderr);
		return 0;
	}
	qsort(secs, (size_t)runs, sizeof *secs, cmp_double);
	double med = secs[runs / 2];
	printf("%-16s %12llu cycles %12llu MACs  median %8.4f s  %8.2f M cycles/s  %8.3f G MACs/s  utilization %5.1f%%\n",
	       name, (unsigned long long)st.cycles, (unsigned long long)st.macs, med, (double)st.cycles / med / 1e6,
	       (double)st.macs / med / 1e9, 100.0 * (double)st.macs / ((double)st.cycles * st.peak_macs_per_cycle));
	free(secs);
	dev_sim.close(d);
	isa_program_free(&p);
	return (double)st.cycles / med;
}

/* mma-fp16's description, and the same with fp32 operands and output
 * buffers (twice the capacity, so the buffers hold as many elements). */
static int load_mmas(struct hw *f16, struct hw *f32, struct diags *err)
{
	char *text = test_example_text("mma-fp16");
	char *t1 = test_replace(text, "fp16", "fp32"), *t2 = test_replace(t1, "capacity: 32 KiB", "capacity: 64 KiB");
	int rc = hw_load_string(text, "mma-fp16", f16, err) ||
		 hw_load_string(t2, "mma-fp32 (mma-fp16 with fp32 operands)", f32, err);
	free(text), free(t1), free(t2);
	return rc;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	if (runs < 1) {
		fprintf(stderr, "usage: bench_sim [RUNS]\n");
		return 2;
	}
	struct hw vta, f16, f32;
	struct diags err = {0};
	if (hw_load_default(&vta, &err) || load_mmas(&f16, &f32, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	char *g8 = gemm_bound(&vta, 64), *m = dma_bound(400), *g16 = gemm_bound(&f16, 64), *g32 = gemm_bound(&f32, 64);
	double i8 = bench("gemm-bound int8", &vta, g8, runs);
	double dma = bench("dma-bound int8", &vta, m, runs);
	double h = bench("gemm-bound fp16", &f16, g16, runs);
	double s = bench("gemm-bound fp32", &f32, g32, runs);
	free(g8), free(m), free(g16), free(g32);
	if (!i8 || !dma || !h || !s)
		return 1;
	printf("simulated cycles/s against int8's: fp16 %.2fx slower, fp32 %.2fx slower\n", i8 / h, i8 / s);
	return 0;
}
