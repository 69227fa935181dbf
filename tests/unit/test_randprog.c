/* Random programs: for every example configuration, 200 seeds each assemble,
 * run to completion on the simulator (so none deadlocks, leaves a buffer or
 * misses finish: the simulator reports each of those as an error), and
 * together exercise every instruction class, padding, narrow (and diagonal) loads and
 * stores (where the configuration has them) and tokens; the same
 * seed gives the same program, and each program survives the .tsp round
 * trip. */
#include "device/device.h"
#include "test.h"
#include "sim/simulator.h"

enum { SEEDS = 200, KNOB_SEEDS_MIN = 6, KNOB_SEEDS_MAX = 40 };

static void test_config(const char *name)
{
	struct hw hw;
	struct isa_layout lay;
	struct diags err = {0};
	test_load_example(name, &hw);
	ASSERT_EQ(isa_derive(&hw, &lay, &err), 0);
	struct device *d = dev_sim.open(&hw, &err);
	uint64_t kinds[ISA_MAX_KINDS] = {0}, padded = 0, popped = 0, narrow[ISA_CLASS_COUNT] = {0}, diag = 0;
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
			narrow[lay.kind[p.insn[i].kind].cls] += f[ISA_F_VALUES] != 0;
			diag += f[ISA_F_DIAG] != 0;
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
	/* narrow transfers wherever the buffers loaded (input, accumulator) and stored (output) have them */
	ASSERT((narrow[ISA_CLASS_LOAD] > 0) == (isa_narrow_values(&hw, hw.role_level[HW_ROLE_INPUT]) > 1 ||
						isa_narrow_values(&hw, hw.role_level[HW_ROLE_ACCUMULATOR]) > 1));
	ASSERT((narrow[ISA_CLASS_STORE] > 0) == (isa_narrow_values(&hw, hw.role_level[HW_ROLE_OUTPUT]) > 1));
	/* diagonal loads wherever the weight scratchpad has them */
	ASSERT((diag > 0) == (isa_diagonal_blocks(&hw, hw.role_level[HW_ROLE_WEIGHT]) > 0));
	dev_sim.close(d);
	diag_free(&err);
}

/* With every knob (docs/randprog.md, "Knobs"): seeds assemble and run until
 * together they have what each knob promises, read off the programs (at
 * least KNOB_SEEDS_MIN of them, at most KNOB_SEEDS_MAX: a program with every
 * knob runs up to a million cycles, which under the sanitizers is minutes):
 * loops at the ISA's maximum extent, an input load padded on every side by
 * the most that fits its buffer, every ALU operation of the hardware, an
 * immediate at an end of its field, a compute phase of more loops than the
 * three of plain programs (every example's queues hold at least 8), and
 * more loads in a row sending tokens than a token queue holds. */
static void test_knobs(const char *name)
{
	struct hw hw;
	struct isa_layout lay;
	struct diags err = {0};
	test_load_example(name, &hw);
	ASSERT_EQ(isa_derive(&hw, &lay, &err), 0);
	struct device *d = dev_sim.open(&hw, &err);
	const struct hw_level *inp = &hw.level[hw.role_level[HW_ROLE_INPUT]];
	int64_t pad = hw.dma.max_pad;
	while (pad > 0 && (1 + 2 * pad) * (1 + 2 * pad) > (int64_t)inp->depth)
		pad--;
	int64_t imm_hi = ((int64_t)1 << (hw.alu.imm_bits - 1)) - 1;
	bool longest = false, padded = false, extreme = false, op_seen[HW_ALU_OP_COUNT] = {false};
	int run = 0, longest_run = 0, pushes = 0;
	bool burst = false;
	bool all_seen = false;
	for (uint64_t seed = 1; seed <= KNOB_SEEDS_MAX && !(all_seen && seed > KNOB_SEEDS_MIN); seed++) {
		char *text = isa_randprog_knobs(&hw, &lay, seed, 2, (1u << ISA_KNOB_COUNT) - 1, &err);
		struct isa_program p;
		struct dev_stats st;
		ASSERT(text != NULL);
		if (!text || isa_assemble(text, "random.s", &hw, &p, &err)) {
			diag_print(&err, stderr);
			ASSERT(!"a random program with knobs assembles");
			free(text);
			break;
		}
		if (dev_run_program(&dev_sim, d, &p, NULL, &st, &err)) {
			fprintf(stderr, "%s seed %llu with knobs:\n", name, (unsigned long long)seed);
			diag_print(&err, stderr);
			ASSERT(!"a random program with knobs runs");
		}
		for (int i = 0; i < p.ninsn; i++) {
			const int64_t *f = p.insn[i].f;
			enum isa_class c = lay.kind[p.insn[i].kind].cls;
			longest |= (c == ISA_CLASS_ALU || c == ISA_CLASS_GEMM) &&
				   (f[ISA_F_ITER_OUT] == hw.isa.max_loop_extent || f[ISA_F_ITER_IN] == hw.isa.max_loop_extent);
			padded |= c == ISA_CLASS_LOAD && f[ISA_F_BUF] == hw.role_level[HW_ROLE_INPUT] && pad > 0 &&
				  f[ISA_F_YPAD0] == pad && f[ISA_F_YPAD1] == pad && f[ISA_F_XPAD0] == pad && f[ISA_F_XPAD1] == pad;
			extreme |= c == ISA_CLASS_ALU && f[ISA_F_USE_IMM] && (f[ISA_F_IMM] == imm_hi || f[ISA_F_IMM] == -imm_hi - 1);
			pushes = c == ISA_CLASS_LOAD && f[ISA_F_PUSH_NEXT] ? pushes + 1 : 0;
			burst |= pushes > (int)hw.queues.token;
			run = c == ISA_CLASS_ALU || c == ISA_CLASS_GEMM ? run + 1 : 0;
			longest_run = run > longest_run ? run : longest_run;
		}
		char *dis = isa_disassemble(&p);
		for (int op = 0; op < HW_ALU_OP_COUNT && dis; op++) {
			char word[32];
			snprintf(word, sizeof word, "op=%s ", hw_alu_op_name((enum hw_alu_op)op));
			op_seen[op] |= strstr(dis, word) != NULL;
		}
		free(dis);
		isa_program_free(&p);
		free(text);
		diag_free(&err);
		all_seen = longest && (pad == 0 || padded) && extreme && longest_run > 3 && burst;
		for (int op = 0; op < HW_ALU_OP_COUNT; op++)
			all_seen &= !(hw.alu.ops & (1u << op)) || op_seen[op];
		if (all_seen && seed >= KNOB_SEEDS_MIN)
			fprintf(stderr, "%s: every knob's property seen in %llu programs\n", name, (unsigned long long)seed);
	}
	ASSERT(longest);
	ASSERT(pad == 0 || padded);
	ASSERT(extreme);
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		if (hw.alu.ops & (1u << op)) {
			if (!op_seen[op])
				fprintf(stderr, "%s: no alu op=%s\n", name, hw_alu_op_name((enum hw_alu_op)op));
			ASSERT(op_seen[op]);
		}
	ASSERT(longest_run > 3); /* a plain compute phase has at most three loops */
	ASSERT(burst);
	dev_sim.close(d);
	diag_free(&err);
}

/* Descriptions whose fields are narrow (2-bit immediates, loops of one
 * iteration, transfers of one element, buffers of two elements): every
 * random program, plain and with every knob, assembles and runs; and a
 * DRAM too small for its segments is refused, not overrun. */
static void test_narrow_fields(void)
{
	static const struct { const char *from, *to; } variants[] = {
		{"imm_bits: 16", "imm_bits: 2"},
		{"max_loop_extent: 16383", "max_loop_extent: 1"},
		{"max_rows: 65535\n  max_cols: 65535", "max_rows: 1\n  max_cols: 1"},
		{"capacity: 32 KiB\n      elem_shape: [1, 16]\n      dtype: int8\n      port_bits: 128",
		 "capacity: 32\n      elem_shape: [1, 16]\n      dtype: int8\n      port_bits: 128"}, /* inp and out: 2 elements */
	};
	char *base = test_example_text("vta-default");
	for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
		char *one = test_replace(base, variants[v].from, variants[v].to);
		ASSERT(strcmp(one, base)); /* the variant differs */
		/* ... and the accumulator of 2 elements beside them (the output holds as many) */
		char *text = v == 3 ? test_replace(one, "capacity: 128 KiB", "capacity: 128") : one;
		if (text != one)
			free(one);
		struct hw hw;
		struct isa_layout lay;
		struct diags err = {0};
		if (hw_load_string(text, "variant.yaml", &hw, &err) || isa_derive(&hw, &lay, &err)) {
			diag_print(&err, stderr);
			ASSERT(!"the variant loads");
			free(text);
			continue;
		}
		struct device *d = dev_sim.open(&hw, &err);
		for (uint64_t seed = 1; seed <= 12 && d; seed++) {
			unsigned knobs = seed % 2 ? 0 : (1u << ISA_KNOB_COUNT) - 1;
			char *prog = isa_randprog_knobs(&hw, &lay, seed, 1 + (int)(seed % 3), knobs, &err);
			struct isa_program p;
			struct dev_stats st;
			if (!prog || isa_assemble(prog, "random.s", &hw, &p, &err)) {
				fprintf(stderr, "variant '%s' seed %llu:\n", variants[v].to, (unsigned long long)seed);
				diag_print(&err, stderr);
				ASSERT(!"a random program for narrow fields assembles");
				free(prog);
				diag_free(&err);
				break;
			}
			if (dev_run_program(&dev_sim, d, &p, NULL, &st, &err)) {
				diag_print(&err, stderr);
				ASSERT(!"a random program for narrow fields runs");
			}
			isa_program_free(&p);
			free(prog);
			diag_free(&err);
		}
		if (d)
			dev_sim.close(d);
		free(text);
	}
	/* 64 KiB of DRAM under windows of 16 KiB (the DMA-limit knob's) */
	char *small = test_replace(base, "capacity: 1 GiB", "capacity: 64 KiB");
	char *small16 = test_replace(small, "address_bits: 32", "address_bits: 16");
	struct hw hw;
	struct isa_layout lay;
	struct diags err = {0};
	ASSERT_EQ(hw_load_string(small16, "small.yaml", &hw, &err), 0);
	ASSERT_EQ(isa_derive(&hw, &lay, &err), 0);
	char *prog = isa_randprog_knobs(&hw, &lay, 1, 2, (1u << ISA_KNOB_COUNT) - 1, &err);
	ASSERT(!prog);
	ASSERT(err.n == 1 && strstr(err.v[0].msg, "DRAM of 65536 bytes is too small for a random program's"));
	free(prog);
	diag_free(&err);
	free(small), free(small16), free(base);
}

int main(void)
{
	test_narrow_fields();
	for (int i = 0; i < TEST_NEXAMPLES; i++)
		test_knobs(test_examples[i]);
	for (int i = 0; i < TEST_NEXAMPLES; i++)
		test_config(test_examples[i]);
	return test_done("test_randprog");
}
