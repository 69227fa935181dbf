/* bench_dram: what the compiled programs read from DRAM against what their
 * ops must read, for every example workload on every example configuration.
 *
 * Per op (compiled alone, as `tessel exec` runs it): DRAM bytes read, of
 * them the program's own (its instructions' fetch and its micro-ops:
 * isa_program_code_bytes), the compulsory reads (the elements its inputs'
 * accesses touch and its bias, each once: cc_compulsory_read_bytes), the
 * ratio of the data read (the rest) to them and of all read, cycles against the
 * roofline, and the form (direct: operands streamed from their DRAM
 * layouts; gemm: packed by the host).  Per workload: the same summed (the
 * whole compiled program reads the same: an op reading what an earlier op
 * stored reads it once either way).  Then where `tessel exec`'s time goes per workload: building each
 * op's program (packing its operands and lowering) against simulating it.
 * Last, the time `tessel compile` takes for a 1024x4800x1600 dense layer.
 *
 *   bench_dram [SOURCE_DIR]   (default: the current directory) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler/compile.h"
#include "cli/xalloc.h"
#include "sim/simulator.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct totals {
	double read, compulsory, build_s, sim_s;
	uint64_t cycles;
	double code;                 /* of read: the programs' instructions and micro-ops */
	int budget_ops, over_ops;    /* ops whose input or weights fit; of those, read more than 1.5x data */
	int over_with_code;          /* ... more than 1.5x with the program's own bytes */
};

/* One program of the given ops; its DRAM reads and cycles. */
static int run_ops(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans, const int *ops,
		   int nops, uint8_t **t, struct dev_stats *st, uint64_t *code, double *build_s, double *sim_s)
{
	struct diags err = {0};
	struct cc_request rq = {.name = w->name, .g = &w->g, .plans = plans, .ops = ops, .nops = nops,
				.data = (const uint8_t *const *)t};
	struct cc_program prog;
	double t0 = now();
	int rc = cc_build(hw, &rq, &prog, &err);
	double t1 = now();
	struct device *d = rc ? NULL : dev_sim.open(&prog.p.hw, &err);
	rc = rc || !d || dev_run_program(&dev_sim, d, &prog.p, NULL, st, &err);
	double t2 = now();
	*code = rc ? 0 : isa_program_code_bytes(&prog.p);
	if (d)
		dev_sim.close(d);
	*build_s += t1 - t0, *sim_s += t2 - t1;
	if (rc)
		diag_print(&err, stderr);
	cc_program_free(&prog);
	diag_free(&err);
	return rc;
}

/* Whether op's operand `in` fits the scratchpad of `role` whole (the 1.5x
 * budget of docs/performance.md holds for an op whose input or weights do). */
static bool fits(const struct hw *hw, const struct ir_graph *g, int op, int in, enum hw_role role)
{
	const struct ir_tensor *t = &g->tensor[g->op[op].in[in].tensor];
	return (uint64_t)ir_tensor_elems(t) * dtype_bytes(t->dtype) <= hw->level[hw->role_level[role]].capacity;
}

static int bench_workload(const char *src, const char *wl, const char *hwname, struct totals *tot)
{
	char path[512];
	struct diags err = {0};
	struct hw hw;
	struct wl_workload w;
	snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", src, hwname);
	if (hw_load_file(path, &hw, &err))
		return diag_print(&err, stderr), -1;
	snprintf(path, sizeof path, "%s/examples/workloads/%s.yaml", src, wl);
	/* compiled as `tessel exec` compiles it (with the machine's rewrites);
	 * the compulsory reads are the workload's own ops' */
	struct wl_workload w0;
	if (wl_load_file(path, &w0, &err) || wl_load_file(path, &w, &err) || cc_rewrite(&hw, &w, &err))
		return diag_print(&err, stderr), -1;
	memset(tot, 0, sizeof *tot);
	struct cc_plan *plans = xcalloc((size_t)w.g.nops + 1, sizeof *plans);
	int rc = cc_plan_ops(&hw, &w.g, plans, &err);
	uint8_t **t = rt_tensor_buffers(&w, &err); /* DRAM traffic does not depend on the values */
	for (int op = 0; op < w.g.nops && !rc; op++) {
		if (plans[op].kind == CC_HOST)
			continue;
		struct dev_stats st;
		uint64_t code;
		rc = run_ops(&hw, &w, plans, &op, 1, t, &st, &code, &tot->build_s, &tot->sim_s);
		uint64_t data = st.dram_read - code;
		int op0 = 0;
		while (strcmp(w0.g.op[op0].name, w.g.op[op].name))
			op0++;
		double need = cc_compulsory_read_bytes(&w0.g, op0);
		struct strbuf b = {0}, m = {0};
		cc_plan_format(&hw, &w.g, op, &plans[op], &b, &m);
		char *bs = sb_take(&b), *ms = sb_take(&m);
		const struct tz_binding *tb = &plans[op].map.b;
		bool budget = (plans[op].kind == CC_GEMM && (fits(&hw, &w.g, op, tb->input_a, HW_ROLE_INPUT) ||
							     fits(&hw, &w.g, op, tb->input_b, HW_ROLE_WEIGHT))) ||
			      (plans[op].kind == CC_POOL && fits(&hw, &w.g, op, 0, HW_ROLE_INPUT));
		bool over = budget && (double)data > 1.5 * need;
		printf("  %-12s %-12s %-8s %12" PRIu64 " %10" PRIu64 " %12.0f %6.2fx%s %6.2fx %10" PRIu64 " %6.1f%%  %s\n",
		       hwname, w.g.op[op].name, plans[op].kind == CC_POOL ? "alu" : plans[op].map.direct ? "direct" : "gemm",
		       st.dram_read, code, need, (double)data / need, over ? "!" : budget ? "*" : " ",
		       (double)st.dram_read / need, st.cycles, 100 * cc_roofline_cycles(&hw, &w0.g, op0) / (double)st.cycles, bs);
		tot->budget_ops += budget, tot->over_ops += over;
		tot->over_with_code += budget && (double)st.dram_read > 1.5 * need;
		free(bs);
		free(ms);
		tot->read += (double)st.dram_read, tot->code += (double)code, tot->compulsory += need, tot->cycles += st.cycles;
	}
	rt_free_buffers(&w, t);
	free(plans);
	wl_free(&w);
	wl_free(&w0);
	diag_free(&err);
	return rc;
}

/* `tessel compile` of one big dense layer: plans, the tensors, the build. */
static void bench_compile(void)
{
	const char *path = "bench_dram_gemm.yaml";
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fputs("name: big\ntensors:\n  - {name: x, shape: [1024, 1600], dtype: int8}\n"
	      "  - {name: w, shape: [4800, 1600], dtype: int8, kind: weight}\n"
	      "ops:\n  - {name: fc, op: dense, input: x, weight: w, dtype: int32}\n",
	      f);
	fclose(f);
	struct diags err = {0};
	struct hw hw;
	struct wl_workload w;
	if (hw_load_file("examples/hw/vta-default.yaml", &hw, &err) || wl_load_file(path, &w, &err)) {
		diag_print(&err, stderr);
		remove(path);
		return;
	}
	double t0 = now();
	struct cc_plan plan;
	cc_plan_ops(&hw, &w.g, &plan, &err);
	uint8_t **t = rt_tensor_buffers(&w, &err);
	struct cc_request rq = {.name = w.name, .g = &w.g, .plans = &plan, .data = (const uint8_t *const *)t};
	struct cc_program prog;
	int rc = t ? cc_build(&hw, &rq, &prog, &err) : -1;
	double t1 = now();
	printf("\ncompile of a 1024x4800x1600 dense layer on vta-default: %.2f s (%s)\n", t1 - t0,
	       plan.map.direct ? "direct" : "gemm form");
	if (!rc)
		cc_program_free(&prog);
	if (t)
		rt_free_buffers(&w, t);
	wl_free(&w);
	diag_free(&err);
	remove(path);
}

int main(int argc, char **argv)
{
	const char *src = argc > 1 ? argv[1] : ".";
	static const char *const hws[] = {"vta-default", "edge-tiny", "dot-i8", "server-wide", "mma-fp16", "vector-mac",
					  "vta-dual"};
	static const char *const wls[] = {"resnet18", "mobilenet-dw", "resblock", "bert-ffn", "gemm", "pooling", "stem", "fp16", "bench-layers", "epilogue"};
	printf("  %-12s %-12s %-8s %12s %10s %12s %7s %7s %10s %7s  %s\n", "hardware", "op", "form", "DRAM read", "program",
	       "compulsory", "data", "all", "cycles", "of roof", "binding");
	struct totals all[sizeof wls / sizeof *wls][sizeof hws / sizeof *hws];
	for (size_t i = 0; i < sizeof wls / sizeof *wls; i++) {
		printf("%s\n", wls[i]);
		for (size_t j = 0; j < sizeof hws / sizeof *hws; j++)
			if (bench_workload(src, wls[i], hws[j], &all[i][j]))
				memset(&all[i][j], 0, sizeof all[i][j]);
	}
	printf("(data: data read / compulsory; all: everything read / compulsory; *: the op's input or weights fit\n"
	       " their scratchpad, budget 1.5x of data; !: over it)\n");
	printf("\n%-14s %-12s %12s %10s %12s %7s %7s %9s %9s %14s\n", "workload", "hardware", "DRAM read", "program",
	       "compulsory", "data", "all", "build s", "sim s", "over 1.5x");
	int budget = 0, over = 0, over_all = 0;
	for (size_t i = 0; i < sizeof wls / sizeof *wls; i++)
		for (size_t j = 0; j < sizeof hws / sizeof *hws; j++) {
			const struct totals *x = &all[i][j];
			if (x->compulsory > 0)
				printf("%-14s %-12s %12.0f %10.0f %12.0f %6.2fx %6.2fx %9.3f %9.3f %6d of %4d\n", wls[i], hws[j],
				       x->read, x->code, x->compulsory, (x->read - x->code) / x->compulsory, x->read / x->compulsory,
				       x->build_s, x->sim_s, x->over_ops, x->budget_ops);
			budget += x->budget_ops, over += x->over_ops, over_all += x->over_with_code;
		}
	printf("ops whose input or weights fit their scratchpad: %d; of them over 1.5x: %d in data read, %d in all read\n",
	       budget, over, over_all);
	bench_compile();
	return 0;
}
