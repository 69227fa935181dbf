/* ISA conformance: every intrinsic of every configuration against plain
 * loops.  Each test runs a program on dev_sim and compares with values
 * computed here with plain C loops (conformance.h). */
#include "conformance.h"
#include "sim/simulator.h"

/* ======================================================================
 * Intrinsics
 * ====================================================================== */

enum mm_mode {
	MM_INIT,        /* acc starts from loaded values, accumulate */
	MM_RESET,       /* reset on the first k tile, accumulate the rest */
	MM_REQUANT,     /* MM_RESET, then shr imm, clip imm=127: int8 out */
	MM_REQUANT_SRC, /* MM_RESET, then shr by a per-lane vector, clip 127, relu */
};
static const char *const mm_mode_name[] = {"init", "reset", "requant", "requant_src_relu"};

/* Segments a, w and c0 of nI input, nW weight and nA accumulator
 * elements, each loaded whole at index 0 of its level. */
static void load_operands(struct pb *b, const struct cfg *c, uint32_t nI, uint32_t nW, uint32_t nA)
{
	pb_seg(b, "a", "input", (uint64_t)nI * b->e->Ei);
	pb_seg(b, "w", "weight", (uint64_t)nW * b->e->Ew);
	pb_seg(b, "c0", "input", (uint64_t)nA * b->e->Ea);
	pb_load1(b, c->inp, 0, "a", nI);
	pb_load1(b, c->wgt, 0, "w", nW);
	pb_load1(b, "acc", 0, "c0", nA);
}

/* C = A x W over MT x NT output tiles and KT reduction tiles, as a real
 * schedule would issue it: one micro-op per row of tiles, the outer loop
 * over output columns, the inner one over the reduction.  Expected values:
 * a plain triple loop over the matrices. */
static void test_matmul_int(const struct cfg *c, int MT, int NT, int KT, enum mm_mode mode, int shift)
{
	char name[96];
	snprintf(name, sizeof name, "matmul/%s/%s/%s", c->hw, c->intr, mm_mode_name[mode]);
	cur_test = name;
	struct env e;
	env_init(&e, c);
	seed((uint64_t)(MT * 100 + NT * 10 + KT) + 1000u * mode);
	const int I = c->I, J = c->J, K0 = c->K, M = MT * I, N = NT * J, K = KT * K0;
	const uint32_t ti = e.ti, tw = e.tw, ta = e.ta, vi = e.vi, vw = e.vw, va = e.va;
	const uint32_t nI = (uint32_t)(MT * KT) * ti, nW = (uint32_t)(NT * KT) * tw, nA = (uint32_t)(MT * NT) * ta;
	int32_t *A = xmalloc((size_t)M * K * 4), *Wm = xmalloc((size_t)N * K * 4), *C0 = xmalloc((size_t)M * N * 4);
	int32_t *inp = xcalloc((size_t)nI * vi, 4), *wgt = xcalloc((size_t)nW * vw, 4), *acc0 = xcalloc((size_t)nA * va, 4);
	int32_t *shv = xmalloc(va * 4);
	for (int i = 0; i < M * K; i++)
		A[i] = rnd_in8(&e);
	for (int i = 0; i < N * K; i++)
		Wm[i] = (int32_t)(int8_t)rnd(); /* Wm[n][k] */
	for (int i = 0; i < M * N; i++)
		C0[i] = rnd_i32();
	for (uint32_t l = 0; l < va; l++)
		shv[l] = rnd_in(0, 14);
	/* the largest products: a row of -128 (255 unsigned) against one of
	 * -128, and one of 127 against one of 127 */
	for (int k = 0; k < K; k++) {
		A[k] = e.in_unsigned ? 255 : -128, Wm[k] = -128;
		if (M > 1 && N > 1)
			A[K + k] = 127, Wm[K + k] = 127;
	}
	/* pack into tiles */
	for (int mt = 0; mt < MT; mt++)
		for (int kt = 0; kt < KT; kt++)
			for (int i = 0; i < I; i++)
				for (int k = 0; k < K0; k++)
					inp[((size_t)(mt * KT + kt) * ti) * vi + (size_t)(i * K0 + k)] = A[(mt * I + i) * K + kt * K0 + k];
	for (int nt = 0; nt < NT; nt++)
		for (int kt = 0; kt < KT; kt++)
			for (int j = 0; j < J; j++)
				for (int k = 0; k < K0; k++)
					wgt[((size_t)(nt * KT + kt) * tw) * vw + (size_t)(c->wt ? k * J + j : j * K0 + k)] =
						Wm[(nt * J + j) * K + kt * K0 + k];
#define VIDX(m, n) ((((size_t)((m) / I) * NT + (size_t)((n) / J)) * ta) * va + (size_t)(((m) % I) * J + (n) % J))
	for (int m = 0; m < M; m++)
		for (int n = 0; n < N; n++)
			acc0[VIDX(m, n)] = C0[m * N + n];
	uint8_t *inpb = bytes_of(inp, (size_t)nI * vi), *wgtb = bytes_of(wgt, (size_t)nW * vw);

	struct pb b;
	pb_init(&b, &e);
	load_operands(&b, c, nI, nW, nA);
	pb_seg(&b, "s", "input", e.Ea);
	int u0 = b.nuop;
	for (int mt = 0; mt < MT; mt++)
		pb_uop(&b, (uint32_t)mt * NT * ta, (uint32_t)mt * KT * ti, 0);
	if (mode == MM_INIT) {
		BODY(&b, "%s uop_begin=%d uop_end=%d iter_out=%d iter_in=%d dst_out=%u dst_in=0 src_out=0 src_in=%u wgt_out=%u wgt_in=%u\n",
		     c->intr, u0, u0 + MT, NT, KT, ta, ti, KT * tw, tw);
	} else {
		BODY(&b, "%s reset=1 uop_begin=%d uop_end=%d iter_out=%d iter_in=1 dst_out=%u src_out=0 wgt_out=%u\n", c->intr, u0,
		     u0 + MT, NT, ta, KT * tw);
		int u1 = b.nuop;
		for (int mt = 0; mt < MT; mt++)
			pb_uop(&b, (uint32_t)mt * NT * ta, (uint32_t)mt * KT * ti + ti, tw);
		if (KT > 1)
			BODY(&b, "%s uop_begin=%d uop_end=%d iter_out=%d iter_in=%d dst_out=%u src_in=%u wgt_out=%u wgt_in=%u\n",
			     c->intr, u1, u1 + MT, NT, KT - 1, ta, ti, KT * tw, tw);
	}
	if (mode == MM_INIT || mode == MM_RESET) {
		pb_dump_int(&b, 0, nA, "d");
	} else {
		if (mode == MM_REQUANT) {
			pb_alu_n(&b, "shr", 0, 0, nA, true, shift, "");
		} else {
			pb_load1(&b, "acc", nA, "s", 1);
			int u = pb_uop(&b, 0, nA, 0);
			BODY(&b, "alu op=shr uop_begin=%d uop_end=%d iter_out=%u iter_in=1 dst_out=1 src_out=0\n", u, u + 1, nA);
		}
		pb_alu_n(&b, "clip", 0, 0, nA, true, 127, mode == MM_REQUANT ? "push_next" : "");
		if (mode == MM_REQUANT_SRC)
			pb_alu_n(&b, "max", 0, 0, nA, true, 0, "push_next");
		pb_seg(&b, "q", "output", (uint64_t)nA * e.Eo);
		pb_store_out(&b, 0, nA, "q", 0);
		BODY(&b, "sync queue=compute pop_next\n");
	}
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "a", 0, inpb, (size_t)nI * vi);
		mach_write(&m, "w", 0, wgtb, (size_t)nW * vw);
		mach_write(&m, "c0", 0, acc0, (size_t)nA * va * 4);
		mach_write(&m, "s", 0, shv, va * 4);
		mach_run(&m);
		/* the plain triple loop */
		int32_t *expect = xmalloc((size_t)nA * va * 4), *got = xmalloc((size_t)nA * va * 4);
		for (int mi = 0; mi < M; mi++)
			for (int n = 0; n < N; n++) {
				uint32_t s = mode == MM_INIT ? (uint32_t)C0[mi * N + n] : 0;
				for (int k = 0; k < K; k++)
					s += (uint32_t)(A[mi * K + k] * Wm[n * K + k]);
				expect[VIDX(mi, n)] = (int32_t)s;
			}
		if (mode == MM_INIT || mode == MM_RESET) {
			read_dump_int(&m, "d", nA, got);
			check_i32("C = A x W", got, expect, (size_t)nA * va);
		} else {
			uint8_t *q = xmalloc((size_t)nA * va), *want = xmalloc((size_t)nA * va);
			for (size_t i = 0; i < (size_t)nA * va; i++) {
				int32_t sh = mode == MM_REQUANT ? shift : shv[i % va];
				int32_t v = expect[i] >> sh;
				v = v < -128 ? -128 : v > 127 ? 127 : v;
				if (mode == MM_REQUANT_SRC && v < 0)
					v = 0;
				want[i] = (uint8_t)v;
			}
			mach_read(&m, "q", 0, q, (size_t)nA * va);
			check_u8("requantized int8", q, want, (size_t)nA * va);
			free(q);
			free(want);
		}
		free(expect);
		free(got);
	}
#undef VIDX
	mach_end(&m);
	pb_free(&b);
	free(A), free(Wm), free(C0), free(inp), free(wgt), free(acc0), free(shv), free(inpb), free(wgtb);
}

/* The vector MAC, acc[p, c] += inp[p, c] * wgt[c], as a depthwise layer
 * along one axis issues it: for output point p (the outer loop, input
 * elements `stride` apart) and tap t (the inner loop, the next input
 * element and the next weight element), accumulator element p gets input
 * element p * stride + t times weight element t, lane by lane; the first
 * tap resets it when `reset`, else it adds to the loaded values.  Expected:
 * plain loops over the lanes. */
static void test_vector_mac(int P, int T, int stride, bool reset)
{
	const struct cfg *c = &C_VMAC;
	char name[96];
	snprintf(name, sizeof name, "vmac/%s/P%d/T%d/s%d/%s", c->hw, P, T, stride, reset ? "reset" : "init");
	cur_test = name;
	struct env e;
	env_init(&e, c);
	seed((uint64_t)(P * 100 + T * 10 + stride) + (reset ? 7u : 0u));
	const uint32_t L = e.vi, nI = (uint32_t)((P - 1) * stride + T), nW = (uint32_t)T, nA = (uint32_t)P;
	ASSERT_EQ(e.vw, L);
	ASSERT_EQ(e.va, L);
	int32_t *inp = xmalloc((size_t)nI * L * 4), *wgt = xmalloc((size_t)nW * L * 4), *acc0 = xmalloc((size_t)nA * L * 4);
	for (size_t i = 0; i < (size_t)nI * L; i++)
		inp[i] = rnd_in8(&e);
	for (size_t i = 0; i < (size_t)nW * L; i++)
		wgt[i] = (int32_t)(int8_t)rnd();
	for (size_t i = 0; i < (size_t)nA * L; i++)
		acc0[i] = rnd_i32();
	inp[0] = e.in_unsigned ? 255 : -128, wgt[0] = -128; /* the largest product */
	uint8_t *inpb = bytes_of(inp, (size_t)nI * L), *wgtb = bytes_of(wgt, (size_t)nW * L);
	struct pb b;
	pb_init(&b, &e);
	load_operands(&b, c, nI, nW, nA);
	int u0 = pb_uop(&b, 0, 0, 0);
	if (reset) {
		BODY(&b, "%s reset=1 uop_begin=%d uop_end=%d iter_out=%d iter_in=1 dst_out=1 src_out=%d wgt_out=0\n", c->intr, u0,
		     u0 + 1, P, stride);
		int u1 = pb_uop(&b, 0, 1, 1);
		if (T > 1)
			BODY(&b, "%s uop_begin=%d uop_end=%d iter_out=%d iter_in=%d dst_out=1 dst_in=0 src_out=%d src_in=1 wgt_out=0 wgt_in=1\n",
			     c->intr, u1, u1 + 1, P, T - 1, stride);
	} else {
		BODY(&b, "%s uop_begin=%d uop_end=%d iter_out=%d iter_in=%d dst_out=1 dst_in=0 src_out=%d src_in=1 wgt_out=0 wgt_in=1\n",
		     c->intr, u0, u0 + 1, P, T, stride);
	}
	pb_dump_int(&b, 0, nA, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "a", 0, inpb, (size_t)nI * L);
		mach_write(&m, "w", 0, wgtb, (size_t)nW * L);
		mach_write(&m, "c0", 0, acc0, (size_t)nA * L * 4);
		mach_run(&m);
		int32_t *expect = xmalloc((size_t)nA * L * 4), *got = xmalloc((size_t)nA * L * 4);
		for (int p = 0; p < P; p++)
			for (uint32_t l = 0; l < L; l++) {
				uint32_t sum = reset ? 0 : (uint32_t)acc0[(size_t)p * L + l];
				for (int t = 0; t < T; t++)
					sum += (uint32_t)(inp[(size_t)(p * stride + t) * L + l] * wgt[(size_t)t * L + l]);
				expect[(size_t)p * L + l] = (int32_t)sum;
			}
		read_dump_int(&m, "d", nA, got);
		check_i32("acc[p, c] += inp[p*s + t, c] * wgt[t, c]", got, expect, (size_t)nA * L);
		free(expect);
		free(got);
	}
	mach_end(&m);
	pb_free(&b);
	free(inp), free(wgt), free(acc0), free(inpb), free(wgtb);
}

/* Several intrinsic instructions with random two-level loops (overlapping
 * destinations, reset or not) on one accumulator region: the order of the
 * loop nest and reset per tile are visible in the result. */
static void test_loops_int(const struct cfg *c, uint64_t sd, int ninsn)
{
	char name[96];
	snprintf(name, sizeof name, "gemm_loops/%s/%s/%" PRIu64, c->hw, c->intr, sd);
	cur_test = name;
	struct env e;
	env_init(&e, c);
	seed(sd);
	struct loopgen g[4];
	uint64_t nA = 0, nI = 0, nW = 0;
	for (int k = 0; k < ninsn; k++) {
		/* steps of whole tiles or of single elements, at random */
		bool whole = rnd() & 1;
		gen_loop(&g[k], whole ? e.ta : 1, whole ? e.ti : 1, whole ? e.tw : 1);
		uint64_t a = loop_max(&g[k], 0) + e.ta, i = loop_max(&g[k], 1) + e.ti, w = loop_max(&g[k], 2) + e.tw;
		nA = a > nA ? a : nA, nI = i > nI ? i : nI, nW = w > nW ? w : nW;
	}
	int32_t *inp = xmalloc(nI * e.vi * 4), *wgt = xmalloc(nW * e.vw * 4), *acc = xmalloc(nA * e.va * 4);
	int32_t *got = xmalloc(nA * e.va * 4);
	for (uint64_t i = 0; i < nI * e.vi; i++)
		inp[i] = rnd_in8(&e);
	for (uint64_t i = 0; i < nW * e.vw; i++)
		wgt[i] = (int32_t)(int8_t)rnd();
	for (uint64_t i = 0; i < nA * e.va; i++)
		acc[i] = rnd_i32();
	uint8_t *inpb = bytes_of(inp, nI * e.vi), *wgtb = bytes_of(wgt, nW * e.vw);
	struct pb b;
	pb_init(&b, &e);
	/* round the gbuf stagings up to whole 64-byte elements */
	pb_seg(&b, "a", "input", (nI * e.Ei + 63) / 64 * 64);
	pb_seg(&b, "w", "weight", nW * e.Ew);
	pb_seg(&b, "c0", "input", nA * e.Ea);
	pb_load1(&b, c->inp, 0, "a", (uint32_t)nI);
	pb_load1(&b, c->wgt, 0, "w", (uint32_t)nW);
	pb_load1(&b, "acc", 0, "c0", (uint32_t)nA);
	for (int k = 0; k < ninsn; k++)
		emit_loop(&b, c->intr, &g[k], false);
	pb_dump_int(&b, 0, (uint32_t)nA, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "a", 0, inpb, nI * e.vi);
		mach_write(&m, "w", 0, wgtb, nW * e.vw);
		mach_write(&m, "c0", 0, acc, nA * e.va * 4);
		mach_run(&m);
		for (int k = 0; k < ninsn; k++)
			FOR_LOOP(&g[k], dst, src, w)
				ref_tile_int(&e, acc, inp, wgt, dst, src, w, g[k].reset);
		read_dump_int(&m, "d", (uint32_t)nA, got);
		check_i32("accumulator after the loops", got, acc, nA * e.va);
	}
	mach_end(&m);
	pb_free(&b);
	free(inp), free(wgt), free(acc), free(got), free(inpb), free(wgtb);
}

/* mma-fp16: C = A x B with A, B fp16 and C fp32, tiles of 4x4x4. */
static void test_matmul_f32(int MT, int NT, int KT, enum mm_mode mode)
{
	char name[96];
	snprintf(name, sizeof name, "matmul/mma-fp16/%s", mm_mode_name[mode]);
	cur_test = name;
	struct env e;
	env_init(&e, &C_MMA);
	seed((uint64_t)(MT * 100 + NT * 10 + KT) + 77u * mode);
	const int M = MT * 4, N = NT * 4, K = KT * 4;
	const uint32_t nI = (uint32_t)(MT * KT), nW = (uint32_t)(NT * KT), nA = (uint32_t)(MT * NT);
	half16 *A = xmalloc((size_t)M * K * 2), *B = xmalloc((size_t)K * N * 2);
	half16 *inp = xmalloc((size_t)nI * 32), *wgt = xmalloc((size_t)nW * 32);
	float *C0 = xmalloc((size_t)M * N * 4), *acc0 = xmalloc((size_t)nA * 64), *expect = xmalloc((size_t)nA * 64);
	for (int i = 0; i < M * K; i++)
		A[i] = rnd_f16();
	for (int i = 0; i < K * N; i++)
		B[i] = rnd_f16();
	for (int i = 0; i < M * N; i++)
		C0[i] = rnd_f32(-4, 10);
	for (int mt = 0; mt < MT; mt++)
		for (int kt = 0; kt < KT; kt++)
			for (int i = 0; i < 4; i++)
				for (int k = 0; k < 4; k++)
					inp[(size_t)(mt * KT + kt) * 16 + (size_t)(i * 4 + k)] = A[(mt * 4 + i) * K + kt * 4 + k];
	for (int nt = 0; nt < NT; nt++)
		for (int kt = 0; kt < KT; kt++)
			for (int k = 0; k < 4; k++)
				for (int j = 0; j < 4; j++)
					wgt[(size_t)(nt * KT + kt) * 16 + (size_t)(k * 4 + j)] = B[(kt * 4 + k) * N + nt * 4 + j];
#define FIDX(m, n) (((size_t)((m) / 4) * NT + (size_t)((n) / 4)) * 16 + (size_t)(((m) % 4) * 4 + (n) % 4))
	for (int m = 0; m < M; m++)
		for (int n = 0; n < N; n++) {
			acc0[FIDX(m, n)] = C0[m * N + n];
			float s = mode == MM_INIT ? C0[m * N + n] : 0.0f;
			for (int k = 0; k < K; k++) {
				float p = half_to_float(A[m * K + k]) * half_to_float(B[k * N + n]);
				s = s + p;
			}
			expect[FIDX(m, n)] = s;
		}
#undef FIDX
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "a", "input", (uint64_t)nI * 32);
	pb_seg(&b, "b", "weight", (uint64_t)nW * 32);
	pb_seg(&b, "c0", "input", (uint64_t)nA * 64);
	pb_load1(&b, "abuf", 0, "a", nI);
	pb_load1(&b, "bbuf", 0, "b", nW);
	pb_load1(&b, "acc", 0, "c0", nA);
	int u0 = b.nuop;
	for (int mt = 0; mt < MT; mt++)
		pb_uop(&b, (uint32_t)(mt * NT), (uint32_t)(mt * KT), 0);
	if (mode == MM_INIT) {
		BODY(&b, "mma uop_begin=%d uop_end=%d iter_out=%d iter_in=%d dst_out=1 src_in=1 wgt_out=%d wgt_in=1\n", u0, u0 + MT,
		     NT, KT, KT);
	} else {
		BODY(&b, "mma reset=1 uop_begin=%d uop_end=%d iter_out=%d iter_in=1 dst_out=1 wgt_out=%d\n", u0, u0 + MT, NT, KT);
		int u1 = b.nuop;
		for (int mt = 0; mt < MT; mt++)
			pb_uop(&b, (uint32_t)(mt * NT), (uint32_t)(mt * KT + 1), 1);
		BODY(&b, "mma uop_begin=%d uop_end=%d iter_out=%d iter_in=%d dst_out=1 src_in=1 wgt_out=%d wgt_in=1\n", u1, u1 + MT,
		     NT, KT - 1, KT);
	}
	pb_dump_f32(&b, 0, nA, nA, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "a", 0, inp, (size_t)nI * 32);
		mach_write(&m, "b", 0, wgt, (size_t)nW * 32);
		mach_write(&m, "c0", 0, acc0, (size_t)nA * 64);
		write_negref(&m, "d", expect, (size_t)nA * 16);
		mach_run(&m);
		check_dump_f32(&m, "C = A x B in fp32", "d", nA, expect);
	}
	mach_end(&m);
	pb_free(&b);
	free(A), free(B), free(inp), free(wgt), free(C0), free(acc0), free(expect);
}

static void test_loops_f32(uint64_t sd, int ninsn)
{
	char name[96];
	snprintf(name, sizeof name, "gemm_loops/mma-fp16/%" PRIu64, sd);
	cur_test = name;
	struct env e;
	env_init(&e, &C_MMA);
	seed(sd);
	struct loopgen g[4];
	uint64_t nA = 0, nI = 0, nW = 0;
	for (int k = 0; k < ninsn; k++) {
		gen_loop(&g[k], 1, 1, 1);
		uint64_t a = loop_max(&g[k], 0) + 1, i = loop_max(&g[k], 1) + 1, w = loop_max(&g[k], 2) + 1;
		nA = a > nA ? a : nA, nI = i > nI ? i : nI, nW = w > nW ? w : nW;
	}
	half16 *inp = xmalloc(nI * 32), *wgt = xmalloc(nW * 32);
	float *acc = xmalloc(nA * 64), *acc0 = xmalloc(nA * 64);
	for (uint64_t i = 0; i < nI * 16; i++)
		inp[i] = rnd_f16();
	for (uint64_t i = 0; i < nW * 16; i++)
		wgt[i] = rnd_f16();
	for (uint64_t i = 0; i < nA * 16; i++)
		acc0[i] = acc[i] = rnd_f32(-3, 8);
	for (int k = 0; k < ninsn; k++)
		FOR_LOOP(&g[k], dst, src, w)
			ref_tile_f32(acc, inp, wgt, dst, src, w, g[k].reset);
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "a", "input", nI * 32);
	pb_seg(&b, "b", "weight", nW * 32);
	pb_seg(&b, "c0", "input", nA * 64);
	pb_load1(&b, "abuf", 0, "a", (uint32_t)nI);
	pb_load1(&b, "bbuf", 0, "b", (uint32_t)nW);
	pb_load1(&b, "acc", 0, "c0", (uint32_t)nA);
	for (int k = 0; k < ninsn; k++)
		emit_loop(&b, "mma", &g[k], false);
	pb_dump_f32(&b, 0, (uint32_t)nA, (uint32_t)nA, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "a", 0, inp, nI * 32);
		mach_write(&m, "b", 0, wgt, nW * 32);
		mach_write(&m, "c0", 0, acc0, nA * 64);
		write_negref(&m, "d", acc, nA * 16);
		mach_run(&m);
		check_dump_f32(&m, "accumulator after the loops", "d", (uint32_t)nA, acc);
	}
	mach_end(&m);
	pb_free(&b);
	free(inp), free(wgt), free(acc), free(acc0);
}

int main(void)
{
	/* intrinsics: schedules against the plain triple loop */
	test_matmul_int(&C_VTA, 3, 3, 4, MM_INIT, 0);
	test_matmul_int(&C_VTA, 2, 2, 3, MM_RESET, 0);
	test_matmul_int(&C_VTA, 4, 2, 4, MM_REQUANT, 8);
	test_matmul_int(&C_VTA, 3, 2, 2, MM_REQUANT_SRC, 0);
	test_matmul_int(&C_EDGE, 3, 2, 3, MM_INIT, 0);
	test_matmul_int(&C_EDGE, 2, 3, 4, MM_REQUANT, 6);
	test_matmul_int(&C_SRV, 2, 2, 2, MM_INIT, 0);
	test_matmul_int(&C_SRV, 1, 2, 3, MM_RESET, 0);
	test_matmul_int(&C_DOT, 3, 3, 4, MM_INIT, 0);
	test_matmul_int(&C_DOT, 2, 2, 3, MM_RESET, 0);
	test_matmul_int(&C_VMAC_GEMM, 2, 3, 2, MM_INIT, 0); /* a weight tile of 32 elements */
	test_matmul_int(&C_VMAC_GEMM, 2, 2, 3, MM_REQUANT, 7);
	test_vector_mac(5, 3, 1, false);
	test_vector_mac(4, 9, 2, true);
	test_vector_mac(1, 1, 1, true);
	test_matmul_int(&C_MULTI, 2, 2, 3, MM_INIT, 0);
	test_matmul_int(&C_MULTI_T, 2, 2, 2, MM_RESET, 0);
	test_matmul_int(&C_MULTI_T, 2, 1, 3, MM_REQUANT_SRC, 0);
	test_matmul_f32(2, 3, 3, MM_INIT);
	test_matmul_f32(2, 2, 4, MM_RESET);

	/* intrinsics: random two-level loops */
	for (int i = 0; i < N_INT_CFGS; i++)
		test_loops_int(int_cfgs[i], 10u + (uint64_t)i, 3);
	test_loops_int(&C_VTA, 20, 3);
	test_loops_int(&C_MULTI_T, 21, 3);
	test_loops_int(&C_VMAC_GEMM, 22, 3);
	test_loops_f32(30, 3);
	test_loops_f32(31, 3);

	return test_done("test_conformance_intrinsics");
}
