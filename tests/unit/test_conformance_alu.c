/* ISA conformance: every ALU operation, and narrowing into the output
 * buffer.  Each test runs a program on dev_sim and compares with values
 * computed here with plain C loops (conformance.h). */
#include "conformance.h"
#include "sim/simulator.h"

/* ======================================================================
 * The vector ALU
 * ====================================================================== */

/* requant only where the description lists it */
static bool alu_has(const struct env *e, enum alu_op op)
{
	int k = hw_alu_op_lookup(op_name[op]);
	return k >= 0 && (e->hw.alu.ops & (1u << k));
}

/* The second operand of OP with a source: values that reach the edges. */
static int32_t rnd_y_int(enum alu_op op)
{
	static const int32_t shifts[] = {0, 1, 7, 8, 31, 32, 33, 63, -1, -7, -31, -32, -33, INT32_MAX, INT32_MIN};
	static const int32_t clips[] = {0, 1, 127, 255, 32767, -1, -2, INT32_MAX, INT32_MIN};
	switch (op) {
	case OP_SHR:
	case OP_REQUANT: return rnd() % 3 ? rnd_in(-40, 40) : shifts[rnd() % (sizeof shifts / sizeof shifts[0])];
	case OP_CLIP: return rnd() % 3 ? rnd_in(0, 300) : clips[rnd() % (sizeof clips / sizeof clips[0])];
	default: return rnd_i32();
	}
}

/* One ALU operation on int32 accumulators: with a second accumulator
 * operand (use_imm=0), or with several immediates on as many regions. */
enum alu_mode { AM_SRC, AM_IMM, AM_SELF };
static const char *const alu_mode_name[] = {"src", "imm", "self"};

/* ALU operations [op0, op1) on int32 accumulators, each on its own
 * regions: with a second accumulator operand, with several immediates, or
 * with the destination as its own source. */
static void test_alu_int(const struct cfg *c, enum alu_op op0, enum alu_op op1, enum alu_mode mode)
{
	static const int32_t imms[OP_COUNT][6] = {
		[OP_MIN] = {0, -5, 32767, -32768, 1, -1},     [OP_MAX] = {0, -5, 32767, -32768, 1, -1},
		[OP_ADD] = {1, -1, 32767, -32768, 0, 100},    [OP_SHR] = {0, 5, 31, 32767, -4, -32768},
		[OP_MUL] = {-1, 2, 32767, -32768, 0, 3},      [OP_CLIP] = {127, 0, 1, 32767, -1, -32768},
		[OP_MOV] = {-32768, 32767, 0, -1, 1, 12345},  [OP_REQUANT] = {0, 5, 8, 31, -4, -32768},
	};
	char name[96];
	snprintf(name, sizeof name, "alu/%s/%s/%s", c->hw, op1 - op0 == 1 ? op_name[op0] : "every-op", alu_mode_name[mode]);
	cur_test = name;
	struct env e;
	env_init(&e, c);
	seed(100u + 3u * op0 + 30u * op1 + mode);
	const uint32_t n = 3, nreg = mode == AM_IMM ? 6 : mode == AM_SRC ? 2 : 1, va = e.va, per_op = n * nreg;
	const uint32_t total = per_op * (uint32_t)(op1 - op0);
	int32_t *x = xmalloc(total * va * 4), *expect = xmalloc(total * va * 4), *got = xmalloc(total * va * 4);
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "x", "input", (uint64_t)total * e.Ea);
	pb_load1(&b, "acc", 0, "x", total);
	for (enum alu_op op = op0; op < op1; op++) {
		uint32_t base = per_op * (uint32_t)(op - op0);
		int32_t *xo = x + (size_t)base * va, *eo = expect + (size_t)base * va;
		for (uint32_t i = 0; i < per_op * va; i++)
			xo[i] = mode != AM_SRC || i < n * va ? rnd_i32() : rnd_y_int(op);
		memcpy(eo, xo, (size_t)per_op * va * 4);
		if (!alu_has(&e, op)) /* its regions stay as loaded */
			continue;
		if (mode == AM_IMM) {
			for (uint32_t r = 0; r < nreg; r++) {
				pb_alu_n(&b, op_name[op], base + r * n, base + r * n, n, true, imms[op][r], "");
				for (uint32_t i = 0; i < n * va; i++)
					eo[r * n * va + i] = ref_alu_int(op, xo[r * n * va + i], imms[op][r]);
			}
		} else if (mode == AM_SRC) {
			pb_alu_n(&b, op_name[op], base, base + n, n, false, 0, "");
			for (uint32_t i = 0; i < n * va; i++)
				eo[i] = ref_alu_int(op, xo[i], xo[n * va + i]);
		} else { /* the source is the destination */
			pb_alu_n(&b, op_name[op], base, base, n, false, 0, "");
			for (uint32_t i = 0; i < n * va; i++)
				eo[i] = ref_alu_int(op, xo[i], xo[i]);
		}
	}
	pb_dump_int(&b, 0, total, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "x", 0, x, (size_t)total * va * 4);
		mach_run(&m);
		read_dump_int(&m, "d", total, got);
		for (enum alu_op op = op0; op < op1; op++) {
			size_t base = (size_t)per_op * (size_t)(op - op0) * va;
			char what[64];
			if (mode == AM_IMM) {
				for (uint32_t r = 0; r < nreg; r++) {
					snprintf(what, sizeof what, "%s imm=%d", op_name[op], imms[op][r]);
					check_i32(what, got + base + r * n * va, expect + base + r * n * va, (size_t)n * va);
				}
			} else if (mode == AM_SRC) {
				snprintf(what, sizeof what, "%s: x op y", op_name[op]);
				check_i32(what, got + base, expect + base, (size_t)n * va);
				snprintf(what, sizeof what, "%s: the source operand is unchanged", op_name[op]);
				check_i32(what, got + base + n * va, expect + base + n * va, (size_t)n * va);
			} else {
				snprintf(what, sizeof what, "%s: x op x", op_name[op]);
				check_i32(what, got + base, expect + base, (size_t)n * va);
			}
		}
	}
	mach_end(&m);
	pb_free(&b);
	free(x), free(expect), free(got);
}

/* Random ALU instructions with two-level loops, sources and destinations
 * overlapping, so that the order of the loop nest shows. */
static void test_alu_loops_int(const struct cfg *c, uint64_t sd)
{
	char name[96];
	snprintf(name, sizeof name, "alu_loops/%s/%" PRIu64, c->hw, sd);
	cur_test = name;
	struct env e;
	env_init(&e, c);
	seed(sd);
	enum { NI = 4 };
	struct loopgen g[NI];
	uint64_t nA = 0;
	for (int k = 0; k < NI; k++) {
		gen_loop(&g[k], 1, 1, 0);
		do
			g[k].op = (enum alu_op)(rnd() % OP_COUNT);
		while (!alu_has(&e, g[k].op));
		g[k].use_imm = (int)(rnd() % 3 == 0);
		g[k].imm = rnd_in(-40, 40);
		uint64_t a = loop_max(&g[k], 0) + 1, s = loop_max(&g[k], 1) + 1;
		nA = a > nA ? a : nA;
		nA = s > nA ? s : nA;
	}
	const uint32_t va = e.va;
	int32_t *acc = xmalloc(nA * va * 4), *acc0 = xmalloc(nA * va * 4), *got = xmalloc(nA * va * 4);
	for (uint64_t i = 0; i < nA * va; i++)
		acc0[i] = acc[i] = rnd() & 1 ? rnd_i32() : rnd_in(-40, 40);
	for (int k = 0; k < NI; k++)
		FOR_LOOP(&g[k], dst, src, w_) {
			(void)w_;
			for (uint32_t v = 0; v < va; v++) {
				int32_t y = g[k].use_imm ? g[k].imm : acc[src * va + v];
				acc[dst * va + v] = ref_alu_int(g[k].op, acc[dst * va + v], y);
			}
		}
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "c0", "input", nA * e.Ea);
	pb_load1(&b, "acc", 0, "c0", (uint32_t)nA);
	for (int k = 0; k < NI; k++)
		emit_loop(&b, "alu", &g[k], true);
	pb_dump_int(&b, 0, (uint32_t)nA, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "c0", 0, acc0, nA * va * 4);
		mach_run(&m);
		read_dump_int(&m, "d", (uint32_t)nA, got);
		check_i32("accumulator after the ALU loops", got, acc, nA * va);
	}
	mach_end(&m);
	pb_free(&b);
	free(acc), free(acc0), free(got);
}

/* mma-fp16's fp32 ALU: each operation with a source and two immediates. */
static void test_alu_f32(enum alu_op op)
{
	static const int32_t imms[OP_COUNT][2] = {
		[OP_MIN] = {-3, 2}, [OP_MAX] = {0, -5},  [OP_ADD] = {7, -1000}, [OP_SHR] = {-5, 3},
		[OP_MUL] = {-3, 1000}, [OP_CLIP] = {1, 100}, [OP_MOV] = {-12345, 77},
	};
	char name[64];
	snprintf(name, sizeof name, "alu/mma-fp16/%s", op_name[op]);
	cur_test = name;
	struct env e;
	env_init(&e, &C_MMA);
	seed(200u + op);
	enum { N = 3, NREG = 4, V = 16 };
	static float x[N * NREG * V], expect[N * NREG * V];
	for (int i = 0; i < N * NREG * V; i++)
		x[i] = rnd_f32(-6, 8);
	for (int i = N * V; i < 2 * N * V; i++) { /* y */
		if (op == OP_SHR)
			x[i] = (float)rnd_in(-12, 12);
		else if (op == OP_CLIP)
			x[i] = fabsf(rnd_f32(-3, 5));
		else if (rnd() % 8 == 0)
			x[i] = x[i - N * V]; /* y == x */
		else
			x[i] = rnd_f32(-4, 6);
	}
	memcpy(expect, x, sizeof x);
	for (int i = 0; i < N * V; i++) {
		expect[i] = ref_alu_f32(op, x[i], x[N * V + i]);
		for (int r = 0; r < 2; r++)
			expect[(2 + r) * N * V + i] = ref_alu_f32(op, x[(2 + r) * N * V + i], (float)imms[op][r]);
	}
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "x", "input", sizeof x);
	pb_load1(&b, "acc", 0, "x", N * NREG);
	pb_alu_n(&b, op_name[op], 0, N, N, false, 0, "");
	for (int r = 0; r < 2; r++)
		pb_alu_n(&b, op_name[op], (2 + r) * N, (2 + r) * N, N, true, imms[op][r], "");
	pb_dump_f32(&b, 0, N * NREG, N * NREG, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "x", 0, x, sizeof x);
		write_negref(&m, "d", expect, N * NREG * V);
		mach_run(&m);
		check_dump_f32(&m, "fp32 ALU: x op y, y unchanged, x op imm (two imms)", "d", N * NREG, expect);
	}
	mach_end(&m);
	pb_free(&b);
}

static void test_alu_loops_f32(uint64_t sd)
{
	char name[64];
	snprintf(name, sizeof name, "alu_loops/mma-fp16/%" PRIu64, sd);
	cur_test = name;
	struct env e;
	env_init(&e, &C_MMA);
	seed(sd);
	enum { NI = 4 };
	static const enum alu_op ops[] = {OP_MIN, OP_MAX, OP_ADD, OP_MOV, OP_SHR, OP_MUL, OP_CLIP};
	struct loopgen g[NI];
	uint64_t nA = 0;
	for (int k = 0; k < NI; k++) {
		gen_loop(&g[k], 1, 1, 0);
		g[k].op = ops[rnd() % 7];
		/* shr, mul and clip with small immediates only, so nothing overflows */
		g[k].use_imm = g[k].op >= OP_SHR || rnd() % 3 == 0;
		g[k].imm = g[k].op == OP_MUL ? rnd_in(-2, 2) : g[k].op == OP_CLIP ? rnd_in(1, 50) : rnd_in(-3, 3);
		uint64_t a = loop_max(&g[k], 0) + 1, s = loop_max(&g[k], 1) + 1;
		nA = a > nA ? a : nA;
		nA = s > nA ? s : nA;
	}
	float *acc = xmalloc(nA * 64), *acc0 = xmalloc(nA * 64);
	for (uint64_t i = 0; i < nA * 16; i++)
		acc0[i] = acc[i] = rnd_f32(-4, 4);
	for (int k = 0; k < NI; k++)
		FOR_LOOP(&g[k], dst, src, w_) {
			(void)w_;
			for (uint32_t v = 0; v < 16; v++) {
				float y = g[k].use_imm ? (float)g[k].imm : acc[src * 16 + v];
				acc[dst * 16 + v] = ref_alu_f32(g[k].op, acc[dst * 16 + v], y);
			}
		}
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "c0", "input", nA * 64);
	pb_load1(&b, "acc", 0, "c0", (uint32_t)nA);
	for (int k = 0; k < NI; k++)
		emit_loop(&b, "alu", &g[k], true);
	pb_dump_f32(&b, 0, (uint32_t)nA, (uint32_t)nA, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "c0", 0, acc0, nA * 64);
		write_negref(&m, "d", acc, nA * 16);
		mach_run(&m);
		check_dump_f32(&m, "accumulator after the ALU loops", "d", (uint32_t)nA, acc);
	}
	mach_end(&m);
	pb_free(&b);
	free(acc), free(acc0);
}

/* fp32 -> fp16 narrowing into the output buffer: ties to even, overflow to
 * infinity, subnormals, signed zeros; some values from .f32 directives. */
static void test_f16_narrowing(void)
{
	cur_test = "f16_narrowing";
	struct env e;
	env_init(&e, &C_MMA);
	seed(300);
	enum { N = 4, V = 16 };
	static const char *const direct[] = {"1.5", "-2.25", "65504", "0.0009765625", "-0.0", "3.0517578125e-05"};
	static const float direct_v[] = {1.5f, -2.25f, 65504.0f, 0.0009765625f, -0.0f, 3.0517578125e-05f};
	const float specials[] = {
		1.0f, -1.0f, 0.0f, 65519.99f, 65520.0f, 1e6f, -1e6f, INFINITY, -INFINITY,
		1.0f + 0x1p-11f,                       /* tie -> 1.0 */
		1.0f + 3 * 0x1p-11f,                   /* tie -> 1 + 2^-9 */
		1.0f + 0x1p-11f + 0x1p-20f,            /* above the tie */
		-(1.0f + 0x1p-11f),                    /* negative tie */
		0x1p-24f, 0x1p-25f, 0x1p-25f + 0x1p-40f, 3 * 0x1p-25f, 0x1p-14f, 0x1p-14f - 0x1p-25f,
		-0x1p-24f, 1e-30f, 2049.0f, 2051.0f, 4097.0f, 0.1f, -0.3f,
	};
	enum { NSPEC = sizeof specials / sizeof specials[0], NDIR = sizeof direct / sizeof direct[0] };
	static float x[N * V];
	for (int i = 0; i < N * V; i++)
		x[i] = i < NDIR ? direct_v[i] : i - NDIR < NSPEC ? specials[i - NDIR] : rnd_f32(-20, 15);
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "x", "input", sizeof x);
	sb_puts(&b.segs, ".f32");
	for (int i = 0; i < NDIR; i++)
		sb_printf(&b.segs, " %s", direct[i]);
	sb_puts(&b.segs, "\n");
	pb_seg(&b, "y", "output", N * V * 2);
	pb_load1(&b, "acc", 0, "x", N);
	pb_alu_n(&b, "mov", 0, 0, N, false, 0, "push_next");
	pb_store_out(&b, 0, N, "y", 0);
	BODY(&b, "sync queue=compute pop_next\n");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "x", NDIR * 4, x + NDIR, (N * V - NDIR) * 4);
		mach_run(&m);
		uint16_t y[N * V];
		mach_read(&m, "y", 0, y, sizeof y);
		size_t bad = 0;
		for (int i = 0; i < N * V; i++)
			if (y[i] != f16_bits(x[i]) && bad++ < 6)
				fprintf(stderr, "%s: %a: expected fp16 0x%04x, got 0x%04x\n", cur_test, (double)x[i], f16_bits(x[i]), y[i]);
		ASSERT_EQ(bad, 0);
	}
	mach_end(&m);
	pb_free(&b);
}

int main(void)
{
	/* the ALU */
	/* one program per operation and operand kind; on server-wide (whose
	 * 4 GiB of DRAM is slow to map under the sanitizers) one per kind */
	for (int i = 0; i < N_INT_CFGS; i++)
		for (int mode = AM_SRC; mode <= AM_SELF; mode++) {
			if (int_cfgs[i] == &C_SRV) {
				test_alu_int(int_cfgs[i], OP_MIN, OP_COUNT, (enum alu_mode)mode);
				continue;
			}
			for (int op = 0; op < OP_COUNT; op++)
				test_alu_int(int_cfgs[i], (enum alu_op)op, (enum alu_op)(op + 1), (enum alu_mode)mode);
		}
	for (int i = 0; i < N_INT_CFGS; i++)
		test_alu_loops_int(int_cfgs[i], 40u + (uint64_t)i);
	for (int op = 0; op < OP_REQUANT; op++) /* (requant needs an integer accumulator) */
		test_alu_f32((enum alu_op)op);
	test_alu_loops_f32(50);
	test_alu_loops_f32(51);
	test_f16_narrowing();

	return test_done("test_conformance_alu");
}
