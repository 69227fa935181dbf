/* DRAM reads against what an op must read (docs/performance.md, "DRAM
 * traffic"): ResNet-18's C2-C11 on vta-default, each compiled as `tessel
 * exec` compiles it and run on the simulator, read at most 1.5 times their
 * compulsory bytes (inputs' touched elements, weights and bias, each once)
 * where the input or the weights fit their scratchpad, and at most 1.3
 * times together.  The simulator counts the bytes; the compulsory bytes are
 * counted from the op's accesses (ir_access_footprint), apart from both. */
#include <inttypes.h>

#include "compiler/compile.h"
#include "sim/simulator.h"
#include "test.h"

/* Bytes of the tensor op input `in` touches, and whether they fit the
 * scratchpad of `role`. */
static bool fits(const struct hw *hw, const struct ir_graph *g, int op, int in, enum hw_role role)
{
	const struct ir_op *o = &g->op[op];
	const struct ir_tensor *t = &g->tensor[o->in[in].tensor];
	return (uint64_t)ir_tensor_elems(t) * dtype_bytes(t->dtype) <= hw->level[hw->role_level[role]].capacity;
}

int main(void)
{
	const char *src = getenv("TESSEL_SOURCE_DIR");
	char path[512];
	struct diags err = {0};
	struct hw hw;
	struct wl_workload w;
	snprintf(path, sizeof path, "%s/examples/hw/vta-default.yaml", src ? src : ".");
	ASSERT_EQ(hw_load_file(path, &hw, &err), 0);
	snprintf(path, sizeof path, "%s/examples/workloads/resnet18.yaml", src ? src : ".");
	ASSERT_EQ(wl_load_file(path, &w, &err), 0);
	struct cc_plan *plans = xcalloc((size_t)w.g.nops, sizeof *plans);
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, plans, &err), 0);
	uint8_t **t = rt_tensor_buffers(&w, &err);
	struct device *d = dev_sim.open(&hw, &err);
	ASSERT(d != NULL);
	double read = 0, need = 0;
	for (int op = 1; op < w.g.nops && d; op++) { /* C2-C11 */
		struct cc_request rq = {.name = w.name, .g = &w.g, .plans = plans, .ops = &op, .nops = 1,
					.data = (const uint8_t *const *)t};
		struct cc_program prog;
		struct dev_stats st;
		ASSERT_EQ(cc_build(&hw, &rq, &prog, &err), 0);
		ASSERT_EQ(dev_run_program(&dev_sim, d, &prog.p, NULL, &st, &err), 0);
		cc_program_free(&prog);
		double c = cc_compulsory_read_bytes(&w.g, op), ratio = (double)st.dram_read / c;
		const struct tz_binding *b = &plans[op].map.b;
		bool budget = fits(&hw, &w.g, op, b->input_a, HW_ROLE_INPUT) || fits(&hw, &w.g, op, b->input_b, HW_ROLE_WEIGHT);
		printf("%-4s read %9" PRIu64 " compulsory %9.0f  %.2fx%s\n", w.g.op[op].name, st.dram_read, c, ratio,
		       budget ? " (budget 1.5x)" : "");
		if (budget)
			ASSERT(ratio <= 1.5);
		read += (double)st.dram_read, need += c;
	}
	printf("C2-C11: %.2fx\n", read / need);
	ASSERT(read / need <= 1.3);
	diag_print(&err, stderr);
	if (d)
		dev_sim.close(d);
	rt_free_buffers(&w, t);
	free(plans);
	wl_free(&w);
	diag_free(&err);
	return test_done("dram_budget");
}
