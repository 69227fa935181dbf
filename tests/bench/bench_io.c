/* bench_io: the host's share of running a compiled model on new data.
 *
 * For each workload, compiled whole as `tessel compile` compiles it: the
 * time the runtime takes to put every input into the DRAM layouts the
 * program reads (isa_program_set_input, by the tables of its ports) and to
 * take every output out of DRAM (isa_port_take_output), against the time
 * the accelerator takes to run the program at its description's clock
 * (the simulated cycles / clock).  Medians of 31 repetitions; and the wall
 * time of the program's steps on the host (gathers, host ops: the
 * device's host_seconds), the median of 5 runs after a first that also
 * starts the JIT, which is printed apart.
 *
 *   bench_io [SOURCE_DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler/compile.h"
#include "sim/simulator.h"
#include "compiler/runner.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

enum { REPS = 31, STEP_REPS = 6 };

static int bench(const char *src, const char *wl_name, const char *hw_name)
{
	char path[512];
	struct diags err = {0};
	struct hw hw;
	struct wl_workload w;
	snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", src, hw_name);
	if (hw_load_file(path, &hw, &err))
		return diag_print(&err, stderr), 1;
	snprintf(path, sizeof path, "%s/examples/workloads/%s.yaml", src, wl_name);
	if (wl_load_file(path, &w, &err) || cc_rewrite(&hw, &w, &err)) /* as `tessel compile` */
		return diag_print(&err, stderr), 1;
	struct cc_plan *plans = calloc((size_t)w.g.nops, sizeof *plans);
	uint8_t **t = rt_tensor_buffers(&w, &err);
	struct cc_request rq = {.name = wl_name, .g = &w.g, .plans = plans, .data = (const uint8_t *const *)t,
				.ports = true};
	struct cc_program prog;
	if (cc_plan_ops(&hw, &w.g, plans, &err) || cc_build(&hw, &rq, &prog, &err))
		return diag_print(&err, stderr), 1;
	struct device *d = dev_sim.open(&prog.p.hw, &err);
	struct dev_stats st;
	/* the program's steps on the host (gathers, host ops): a median over
	 * runs after the first, which also opens the JIT and compiles the ops */
	struct cc_host_runner runner;
	cc_host_runner_init(&runner);
	struct dev_run_opts ro = {.host = &runner.dev};
	double steps_s[STEP_REPS];
	for (int r = 0; r < STEP_REPS; r++) {
		if (!d || dev_run_program(&dev_sim, d, &prog.p, &ro, &st, &err))
			return diag_print(&err, stderr), 1;
		steps_s[r] = st.host_seconds;
	}
	cc_host_runner_close(&runner);
	double first_s = steps_s[0];
	qsort(steps_s + 1, STEP_REPS - 1, sizeof *steps_s, cmp_double);
	/* the DRAM image the outputs are taken from, once */
	uint64_t dram_end = isa_program_dram_end(&prog.p);
	uint8_t *dram = malloc(dram_end + 1);
	dev_sim.read(d, 0, dram, dram_end, &err);
	dev_sim.close(d);
	double in_s[REPS], out_s[REPS];
	uint64_t in_bytes = 0, out_bytes = 0;
	for (int r = 0; r < REPS; r++) {
		double t0 = now();
		for (int i = 0; i < prog.p.nport; i++) {
			const struct isa_port *pt = &prog.p.port[i];
			if (pt->kind == ISA_PORT_INPUT && !pt->why_not)
				isa_program_set_input(&prog.p, i, t[ir_tensor_lookup(&w.g, pt->name)], &err);
		}
		double t1 = now();
		for (int i = 0; i < prog.p.nport; i++) {
			const struct isa_port *pt = &prog.p.port[i];
			if (pt->kind == ISA_PORT_OUTPUT && !pt->why_not)
				isa_port_take_output(pt, dram + pt->place[0].addr, t[ir_tensor_lookup(&w.g, pt->name)]);
		}
		double t2 = now();
		in_s[r] = t1 - t0, out_s[r] = t2 - t1;
	}
	for (int i = 0; i < prog.p.nport; i++)
		*(prog.p.port[i].kind == ISA_PORT_INPUT ? &in_bytes : &out_bytes) += isa_port_bytes(&prog.p.port[i]);
	qsort(in_s, REPS, sizeof *in_s, cmp_double);
	qsort(out_s, REPS, sizeof *out_s, cmp_double);
	double steps = steps_s[1 + (STEP_REPS - 1) / 2];
	double sim_s = (double)st.cycles / (hw.clock_mhz * 1e6), host = in_s[REPS / 2] + out_s[REPS / 2] + steps;
	printf("%-13s %-12s %10.3f ms %9.3f ms %9.3f ms %9.3f ms %12.3f ms %8.2f%%   %llu B in, %llu B out; first steps %.3f ms\n",
	       wl_name, hw_name, 1e3 * in_s[REPS / 2], 1e3 * out_s[REPS / 2], 1e3 * steps, 1e3 * host, 1e3 * sim_s,
	       100 * host / sim_s, (unsigned long long)in_bytes, (unsigned long long)out_bytes, 1e3 * first_s);
	free(dram);
	cc_program_free(&prog);
	rt_free_buffers(&w, t);
	free(plans);
	wl_free(&w);
	diag_free(&err);
	return 0;
}

int main(int argc, char **argv)
{
	const char *src = argc > 1 ? argv[1] : ".";
	printf("host-side cost per inference: inputs into their DRAM layouts, outputs out (medians of %d)\n", REPS);
	printf("%-13s %-12s %13s %12s %12s %12s %15s %9s\n", "workload", "hardware", "layout in", "out", "steps", "host",
	       "accelerator", "host/acc");
	const char *wls[] = {"mobilenet-dw", "resnet18", "bert-ffn"}, *hws[] = {"vta-default", "edge-tiny"};
	int rc = 0;
	for (size_t h = 0; h < 2; h++)
		for (size_t i = 0; i < 3; i++)
			rc |= bench(src, wls[i], hws[h]);
	return rc;
}
