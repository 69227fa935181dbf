/* bench_sim: how fast the simulator runs, in simulated cycles per second and
 * MACs per second, on a GEMM-bound and a DMA-bound program on vta-default.
 * Prints the median of several runs of each.  A benchmark, not a test:
 *   build/tests/bench/bench_sim [RUNS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strbuf.h"
#include "device/device.h"
#include "sim/simulator.h"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* 16 micro-ops walking 16 accumulator rows; each gemm runs them over a
 * 64 x 16 loop: 16384 beats of a 1x16x16 tile, one per cycle. */
static char *gemm_bound(int gemms)
{
	struct strbuf sb = {0};
	sb_puts(&sb, ".segment x input size=16384\n.segment w weight size=65536\n");
	for (int u = 0; u < 16; u++)
		sb_printf(&sb, ".uop dst=%d src=%d wgt=%d\n", u, u, u);
	sb_puts(&sb, "load buf=uop idx=0 addr=@uops ysize=1 xsize=16 xstride=16\n"
		     "load buf=inp idx=0 addr=@x ysize=1 xsize=1024 xstride=1024\n"
		     "load buf=wgt idx=0 addr=@w ysize=1 xsize=256 xstride=256 push_next\n");
	for (int g = 0; g < gemms; g++)
		sb_printf(&sb, "gemm uop_begin=0 uop_end=16 iter_out=64 iter_in=16 dst_out=16 src_out=16 wgt_in=16%s\n",
			  g ? "" : " pop_prev");
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

static int bench(const char *name, const char *src, int runs)
{
	struct hw hw;
	struct diags err = {0};
	struct isa_program p;
	if (hw_load_default(&hw, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	if (isa_assemble(src, name, &hw, &p, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	struct device *d = dev_sim.open(&p.hw, &err);
	double *secs = calloc((size_t)runs, sizeof *secs);
	struct dev_stats st;
	for (int i = 0; i < runs; i++) {
		double t0 = now_seconds();
		if (dev_run_program(&dev_sim, d, &p, NULL, &st, &err)) {
			diag_print(&err, stderr);
			return 1;
		}
		secs[i] = now_seconds() - t0;
	}
	qsort(secs, (size_t)runs, sizeof *secs, cmp_double);
	double med = secs[runs / 2];
	printf("%-10s %12llu cycles %12llu MACs  median %8.4f s  %8.2f M cycles/s  %8.3f G MACs/s  utilization %5.1f%%\n",
	       name, (unsigned long long)st.cycles, (unsigned long long)st.macs, med, (double)st.cycles / med / 1e6,
	       (double)st.macs / med / 1e9, 100.0 * (double)st.macs / ((double)st.cycles * st.peak_macs_per_cycle));
	free(secs);
	dev_sim.close(d);
	isa_program_free(&p);
	return 0;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	if (runs < 1) {
		fprintf(stderr, "usage: bench_sim [RUNS]\n");
		return 2;
	}
	char *g = gemm_bound(64), *m = dma_bound(400);
	int rc = bench("gemm-bound", g, runs) || bench("dma-bound", m, runs);
	free(g);
	free(m);
	return rc;
}
