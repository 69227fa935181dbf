/* bench_host: the LLVM host JIT against the reference interpreter on
 * ResNet-18 layer C2: input 1x56x56x64 int8 NHWC, weight 64x3x3x64 OHWI,
 * stride 1, padding 1, int8 output after bias, shr and clip.  Prints the
 * compile time, the median wall time of each (over the runs asked for) and
 * the ratio, and checks that both give the same bytes.
 *
 *   bench_host [JIT_RUNS [INTERP_RUNS]]   (default 7 and 3) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler/host.h"
#include "tests/unit/ir_interp.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int jit_runs = argc > 1 ? atoi(argv[1]) : 7, interp_runs = argc > 2 ? atoi(argv[2]) : 3;
	if (jit_runs < 1 || jit_runs > 1000 || interp_runs < 1 || interp_runs > 100) {
		fprintf(stderr, "usage: bench_host [JIT_RUNS [INTERP_RUNS]]\n");
		return 2;
	}
	struct ir_graph g = {0};
	struct diags err = {0};
	int x = ir_add_tensor(&g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){1, 56, 56, 64}, "NHWC", &err);
	int w = ir_add_tensor(&g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){64, 3, 3, 64}, "OHWI", &err);
	int b = ir_add_tensor(&g, "b", IR_TENSOR_WEIGHT, DT_INT32, 1, (int64_t[]){64}, NULL, &err);
	struct ir_conv2d_attrs a = {{1, 1}, {1, 1, 1, 1}, {1, 1}, 1, false};
	int op = ir_conv2d(&g, "c2", x, w, &a, "y", DT_INT8, &err);
	if (op < 0 || ir_add_epilogue(&g, op, &(struct ir_epilogue){.kind = IR_EP_BIAS, .tensor = b, .dim = 3}, &err) ||
	    ir_add_epilogue(&g, op, &(struct ir_epilogue){.kind = IR_EP_SHR, .imm = 8}, &err) ||
	    ir_add_epilogue(&g, op, &(struct ir_epilogue){.kind = IR_EP_CLIP, .lo = -128, .hi = 127}, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	int y = g.op[op].out.tensor;
	struct interp_tensor v[4] = {{0}};
	void *raw[4] = {0};
	uint64_t s = 88172645463325252ull;
	for (int t = 0; t < g.ntensors; t++) {
		int64_t n = ir_tensor_elems(&g.tensor[t]);
		uint32_t sz = dtype_bytes(g.tensor[t].dtype);
		v[t].i = xcalloc((size_t)n, sizeof(int64_t));
		raw[t] = xcalloc((size_t)n, sz);
		if (t == y)
			continue;
		for (int64_t i = 0; i < n; i++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			int64_t val = t == b ? (int64_t)(s % 4001) - 2000 : (int64_t)(s % 256) - 128;
			v[t].i[i] = val;
			if (sz == 1)
				((int8_t *)raw[t])[i] = (int8_t)val;
			else
				((int32_t *)raw[t])[i] = (int32_t)val;
		}
	}
	struct host_jit *j = host_jit_open(&err);
	if (!j) {
		diag_print(&err, stderr);
		return 1;
	}
	double t0 = now();
	if (host_compile(j, &g, op, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	double compile = now() - t0;
	double *tj = xcalloc((size_t)jit_runs, sizeof *tj), *ti = xcalloc((size_t)interp_runs, sizeof *ti);
	for (int r = 0; r < jit_runs; r++) {
		t0 = now();
		host_run_op(j, &g, op, raw, &err);
		tj[r] = now() - t0;
	}
	for (int r = 0; r < interp_runs; r++) {
		t0 = now();
		interp_op(&g, op, v);
		ti[r] = now() - t0;
	}
	int64_t n = ir_tensor_elems(&g.tensor[y]), bad = 0;
	for (int64_t i = 0; i < n; i++)
		bad += ((int8_t *)raw[y])[i] != (int8_t)v[y].i[i];
	double mj = median(tj, jit_runs), mi = median(ti, interp_runs);
	printf("ResNet-18 C2 conv2d 1x56x56x64 * 64x3x3x64 int8, %llu MACs\n", (unsigned long long)ir_op_macs(&g.op[op]));
	printf("  JIT compile      %.4f s\n", compile);
	printf("  JIT run          %.5f s (median of %d)  %.2f GMAC/s\n", mj, jit_runs, (double)ir_op_macs(&g.op[op]) / mj * 1e-9);
	printf("  interpreter run  %.4f s (median of %d)\n", mi, interp_runs);
	printf("  speed-up         %.1fx\n", mi / mj);
	printf("  outputs          %s\n", bad ? "DIFFER" : "identical");
	host_jit_close(j);
	for (int t = 0; t < g.ntensors; t++)
		free(v[t].i), free(raw[t]);
	free(tj);
	free(ti);
	ir_graph_free(&g);
	diag_free(&err);
	return bad ? 1 : 0;
}
