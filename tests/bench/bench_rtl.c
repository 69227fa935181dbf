/* bench_rtl [HW.yaml] [SEED] [ITERATIONS]: simulated cycles per second of the
 * RTL (Verilated, --device rtl) and of the C simulator on the same random
 * program (tessel randprog); bench_rtl PROG.tsp: on that program (a compiled
 * workload).  Needs the RTL model (built on first use). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isa/program.h"
#include "rtl/rtl.h"
#include "sim/simulator.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Runs p on ops until at least a second has passed; cycles per second. */
static double measure(const struct dev_ops *ops, const struct isa_program *p, uint64_t *cycles)
{
	struct diags err = {0};
	struct device *d = ops->open(&p->hw, &err);
	if (!d) {
		diag_print(&err, stderr);
		exit(1);
	}
	struct dev_stats st;
	uint64_t total = 0;
	double t0 = now_s(), t;
	do {
		if (dev_run_program(ops, d, p, NULL, &st, &err)) {
			diag_print(&err, stderr);
			exit(1);
		}
		total += st.cycles;
	} while ((t = now_s() - t0) < 1.0);
	ops->close(d);
	*cycles = st.cycles;
	return (double)total / t;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : NULL;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
	int iterations = argc > 3 ? atoi(argv[3]) : 64;
	struct hw hw;
	struct isa_layout lay;
	struct diags err = {0};
	bool tsp = path && strlen(path) > 4 && !strcmp(path + strlen(path) - 4, ".tsp");
	if (tsp ? 0 : path ? hw_load_file(path, &hw, &err) : hw_load_default(&hw, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	struct isa_program p;
	size_t n = path ? strlen(path) : 0;
	if (n > 4 && !strcmp(path + n - 4, ".tsp")) {
		if (isa_tsp_read(path, &p, &err)) {
			diag_print(&err, stderr);
			return 1;
		}
		hw = p.hw;
	} else {
		char *text = isa_derive(&hw, &lay, &err) ? NULL : isa_randprog(&hw, &lay, seed, iterations, &err);
		if (!text || isa_assemble(text, "(random program)", &hw, &p, &err)) {
			diag_print(&err, stderr);
			return 1;
		}
		free(text);
	}
	uint64_t c_rtl, c_sim;
	double rtl = measure(&dev_rtl, &p, &c_rtl), sim = measure(&dev_sim, &p, &c_sim);
	if (tsp)
		printf("%s, %s: %" PRIu64 " cycles, %d instructions\n", hw.name, path, c_sim, p.ninsn);
	else
		printf("%s, randprog seed %" PRIu64 ", %d iterations: %" PRIu64 " cycles, %d instructions\n", hw.name, seed,
		       iterations, c_sim, p.ninsn);
	printf("rtl (Verilator)  %12.0f cycles/s\nsim (C)          %12.0f cycles/s\nsim / rtl        %12.1fx\n", rtl, sim,
	       sim / rtl);
	isa_program_free(&p);
	return c_rtl == c_sim ? 0 : 1;
}
