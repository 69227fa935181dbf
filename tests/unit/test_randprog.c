/* Random programs: for every example configuration, 200 seeds each assemble,
 * run to completion on the simulator (so none deadlocks, leaves a buffer or
 * misses finish: the simulator reports each of those as an error), and
 * together exercise every instruction class, padding and tokens; the same
 * seed gives the same program, and each program survives the .tsp round
 * trip. */
#include "device/device.h"
#include "test.h"
#include "sim/simulator.h"

enum { SEEDS = 200 };

static void test_config(const char *name)
{
	struct hw hw;
	struct isa_layout lay;
	struct diags err = {0};
	test_load_example(name, &hw);
	ASSERT_EQ(isa_derive(&hw, &lay, &err), 0);
	struct device *d = dev_sim.open(&hw, &err);
	uint64_t kinds[ISA_MAX_KINDS] = {0}, padded = 0, popped = 0;
	int failed = 0;
	for (uint64_t seed = 1; seed <= SEEDS && failed < 3; seed++) {
		int iterations = 1 + (int)(seed % 5);
		char *text = isa_randprog(&hw, &lay, seed, iterations, &err), *again = isa_randprog(&hw, &lay, seed, iterations, &err);
		ASSERT(text && again && !strcmp(text, again));
		struct isa_program p;
		struct dev_stats st;
		if (!text || isa_assemble(text, "random.s", &hw, &p, &err)) {
			diag_print(&err, stderr);
			ASSERT(!"random program assembles");
			failed++;
			free(text), free(again);
			diag_free(&err);
			continue;
		}
		if (dev_run_program(&dev_sim, d, &p, NULL, &st, &err)) {
			fprintf(stderr, "%s seed %llu:\n", name, (unsigned long long)seed);
			diag_print(&err, stderr);
			ASSERT(!"random program runs");
			failed++;
		}
		for (int k = 0; k < lay.nkinds; k++)
			kinds[k] += st.insns[k];
		for (int i = 0; i < p.ninsn; i++) {
			const int64_t *f = p.insn[i].f;
			padded += lay.kind[p.insn[i].kind].cls == ISA_CLASS_LOAD && (f[ISA_F_YPAD0] || f[ISA_F_XPAD1]);
			popped += f[ISA_F_POP_PREV] + f[ISA_F_POP_NEXT];
		}
		size_t len;
		uint8_t *bin = isa_tsp_encode(&p, &len);
		struct isa_program q;
		ASSERT_EQ(isa_tsp_decode(bin, len, "random.tsp", &q, &err), 0);
		ASSERT_EQ(q.ninsn, p.ninsn);
		isa_program_free(&q);
		free(bin);
		isa_program_free(&p);
		free(text), free(again);
		diag_free(&err);
	}
	for (int c = 0; c < ISA_CLASS_COUNT; c++) {
		if (c == ISA_CLASS_SYNC)
			continue; /* the generator synchronises through the instructions themselves */
		uint64_t n = 0;
		for (int k = 0; k < lay.nkinds; k++)
			if (lay.kind[k].cls == (enum isa_class)c)
				n += kinds[k];
		if (!n)
			fprintf(stderr, "%s: no %s executed\n", name, isa_class_name(c));
		ASSERT(n > 0);
	}
	ASSERT(padded > 0);
	ASSERT(popped > 0);
	dev_sim.close(d);
	diag_free(&err);
}

int main(void)
{
	for (int i = 0; i < TEST_NEXAMPLES; i++)
		test_config(test_examples[i]);
	return test_done("test_randprog");
}
