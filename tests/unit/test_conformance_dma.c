/* ISA conformance: loads and stores, padding, strides, shared levels.  Each
 * test runs a program on dev_sim and compares with values computed here with
 * plain C loops (conformance.h). */
#include "conformance.h"
#include "sim/simulator.h"

/* ======================================================================
 * DMA: loads and stores
 * ====================================================================== */

/* DRAM -> acc (data written with .i32) -> alu -> out -> DRAM: every int32
 * comes back, and its low byte is what the output buffer holds. */
static void test_acc_round_trip(void)
{
	cur_test = "acc_round_trip";
	struct env e;
	env_init(&e, &C_VTA);
	seed(1);
	enum { N = 8, IDX = 3 };
	int32_t v[N * 16];
	for (int i = 0; i < N * 16; i++)
		v[i] = i < NSPECIAL ? special_i32[i] : rnd_i32();
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "x", "input", sizeof v);
	for (int i = 0; i < N * 16; i += 8) {
		sb_puts(&b.segs, ".i32");
		for (int k = 0; k < 8; k++)
			sb_printf(&b.segs, " %" PRId32, v[i + k]);
		sb_puts(&b.segs, "\n");
	}
	BODY(&b, "load buf=acc idx=%d addr=@x ysize=1 xsize=%d xstride=%d\n", IDX, N, N);
	pb_dump_int(&b, IDX, N, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_run(&m);
		int32_t got[N * 16];
		read_dump_int(&m, "d", N, got);
		check_i32("acc through out", got, v, N * 16);
		uint8_t low[N * 16], want[N * 16];
		mach_read(&m, "d", 0, low, sizeof low);
		for (int i = 0; i < N * 16; i++)
			want[i] = (uint8_t)v[i];
		check_u8("out = low byte of acc", low, want, sizeof low);
	}
	mach_end(&m);
	pb_free(&b);
}

/* Strided 2D DMA both ways: rows of 3 of a 7-wide array into acc, then out
 * rows to a 5-wide array whose other bytes must stay as they were. */
static void test_strided_dma(void)
{
	cur_test = "strided_dma";
	struct env e;
	env_init(&e, &C_VTA);
	seed(2);
	enum { ROWS = 4, COLS = 3, SSTRIDE = 7, SOFF = 3, DSTRIDE = 5, DOFF = 1, IDX = 2, V = 16 };
	enum { NX = 35, NY = 24 };
	static int32_t x[NX * V];
	for (int i = 0; i < NX * V; i++)
		x[i] = rnd_i32();
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "x", "input", sizeof x);
	pb_seg(&b, "y", "output", NY * 16);
	BODY(&b, "load buf=acc idx=%d addr=@x+%d ysize=%d xsize=%d xstride=%d\n", IDX, SOFF, ROWS, COLS, SSTRIDE);
	pb_alu_n(&b, "shr", IDX, IDX, ROWS * COLS, true, 0, "push_next");
	BODY(&b, "store buf=out idx=%d addr=@y+%d ysize=%d xsize=%d xstride=%d pop_prev push_prev\n", IDX, DOFF, ROWS, COLS,
	     DSTRIDE);
	BODY(&b, "sync queue=compute pop_next\n");
	pb_dump_int(&b, IDX, ROWS * COLS, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		uint8_t y[NY * 16], want[NY * 16];
		memset(y, 0xa5, sizeof y);
		memcpy(want, y, sizeof y);
		mach_write(&m, "x", 0, x, sizeof x);
		mach_write(&m, "y", 0, y, sizeof y);
		mach_run(&m);
		int32_t expect[ROWS * COLS * V], got[ROWS * COLS * V];
		for (int r = 0; r < ROWS; r++)
			for (int c = 0; c < COLS; c++)
				for (int l = 0; l < V; l++) {
					int32_t val = x[(SOFF + r * SSTRIDE + c) * V + l];
					expect[(r * COLS + c) * V + l] = val;
					want[(DOFF + r * DSTRIDE + c) * 16 + l] = (uint8_t)val;
				}
		read_dump_int(&m, "d", ROWS * COLS, got);
		check_i32("strided load into acc", got, expect, ROWS * COLS * V);
		mach_read(&m, "y", 0, y, sizeof y);
		check_u8("strided store from out", y, want, sizeof y);
	}
	mach_end(&m);
	pb_free(&b);
}

/* Narrow transfers (`values`): a load into acc of rows of 5 int32 values
 * per element, packed in DRAM and addressed in values, with a zero column
 * before each row, the elements' other lanes zero; then a store of the
 * first 3 values of each element into rows of a byte array whose other
 * bytes stay as they were. */
static void test_narrow_dma(void)
{
	cur_test = "narrow_dma";
	struct env e;
	env_init(&e, &C_VTA);
	seed(9);
	enum { ROWS = 3, COLS = 4, LV = 5, SSTRIDE = 23, SOFF = 7, SV = 3, DSTRIDE = 17, DOFF = 5, IDX = 2, V = 16 };
	enum { XB = COLS + 1, NB = ROWS * XB, NX = SOFF + (ROWS - 1) * SSTRIDE + COLS * LV };
	enum { NY = DOFF + (ROWS - 1) * DSTRIDE + XB * SV + 4 }; /* the stored rows, and bytes past them that stay */
	static int32_t x[NX], expect[NB * V], got[NB * V];
	for (int i = 0; i < NX; i++)
		x[i] = rnd_i32();
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "x", "input", sizeof x);
	pb_seg(&b, "y", "output", NY);
	BODY(&b, "load buf=acc idx=%d addr=@x+%d ysize=%d xsize=%d xstride=%d xpad0=1 values=%d\n", IDX, SOFF, ROWS, COLS,
	     SSTRIDE, LV);
	pb_alu_n(&b, "shr", IDX, IDX, NB, true, 0, "push_next");
	BODY(&b, "store buf=out idx=%d addr=@y+%d ysize=%d xsize=%d xstride=%d values=%d pop_prev push_prev\n", IDX, DOFF,
	     ROWS, XB, DSTRIDE, SV);
	BODY(&b, "sync queue=compute pop_next\n");
	pb_dump_int(&b, IDX, NB, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		uint8_t y[NY], want[NY];
		memset(y, 0x5a, sizeof y);
		memcpy(want, y, sizeof y);
		mach_write(&m, "x", 0, x, sizeof x);
		mach_write(&m, "y", 0, y, sizeof y);
		mach_run(&m);
		for (int r = 0; r < ROWS; r++)
			for (int c = 0; c < XB; c++)
				for (int l = 0; l < V; l++) {
					int32_t v = c > 0 && l < LV ? x[SOFF + r * SSTRIDE + (c - 1) * LV + l] : 0;
					expect[(r * XB + c) * V + l] = v;
					if (l < SV)
						want[DOFF + r * DSTRIDE + c * SV + l] = (uint8_t)v;
				}
		read_dump_int(&m, "d", NB, got);
		check_i32("narrow load into acc", got, expect, NB * V);
		mach_read(&m, "y", 0, y, sizeof y);
		check_u8("narrow store from out", y, want, sizeof y);
	}
	mach_end(&m);
	pb_free(&b);
}

/* A narrow store whose packed rows (1000 elements of 5 values: 5000 bytes)
 * are longer than what the simulator packs at a time (4096 bytes), and a
 * second row after a gap: every element's first values land in order, the
 * bytes between and after the rows stay as they were. */
static void test_narrow_store_long_row(void)
{
	cur_test = "narrow_store_long_row";
	struct env e;
	env_init(&e, &C_VTA);
	seed(11);
	enum { ROWS = 2, X = 1000, SV = 5, DSTRIDE = X * SV + 9, DOFF = 3, V = 16, NB = ROWS * X };
	enum { NY = DOFF + (ROWS - 1) * DSTRIDE + X * SV + 5 };
	static int32_t x[NB * V];
	static uint8_t y[NY], want[NY];
	for (int i = 0; i < NB * V; i++)
		x[i] = rnd_i32();
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "x", "input", sizeof x);
	pb_seg(&b, "y", "output", NY);
	pb_load1(&b, "acc", 0, "x", NB);
	pb_alu_n(&b, "shr", 0, 0, NB, true, 0, "push_next");
	BODY(&b, "store buf=out idx=0 addr=@y+%d ysize=%d xsize=%d xstride=%d values=%d pop_prev push_prev\n", DOFF, ROWS,
	     X, DSTRIDE, SV);
	BODY(&b, "sync queue=compute pop_next\n");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		memset(y, 0xa5, sizeof y);
		memcpy(want, y, sizeof y);
		mach_write(&m, "x", 0, x, sizeof x);
		mach_write(&m, "y", 0, y, sizeof y);
		mach_run(&m);
		for (int r = 0; r < ROWS; r++)
			for (int c = 0; c < X; c++)
				for (int l = 0; l < SV; l++)
					want[DOFF + r * DSTRIDE + c * SV + l] = (uint8_t)x[(r * X + c) * V + l];
		mach_read(&m, "y", 0, y, sizeof y);
		check_u8("narrow store of long rows", y, want, sizeof y);
	}
	mach_end(&m);
	pb_free(&b);
}

/* A load into acc with all four paddings over a block that held other
 * data: the padding is written as zeros. */
static void test_padded_acc_load(void)
{
	cur_test = "padded_acc_load";
	struct env e;
	env_init(&e, &C_VTA);
	seed(3);
	enum { Y = 3, X = 4, S = 6, OFF = 1, YP0 = 2, YP1 = 1, XP0 = 1, XP1 = 3, V = 16 };
	enum { YB = Y + YP0 + YP1, XB = X + XP0 + XP1, NB = YB * XB, NX = OFF + (Y - 1) * S + X };
	static int32_t x[NX * V], fill[NB * V], expect[NB * V], got[NB * V];
	for (int i = 0; i < NX * V; i++)
		x[i] = rnd_i32();
	for (int i = 0; i < NB * V; i++)
		fill[i] = (int32_t)(rnd() | 1);
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "x", "input", sizeof x);
	pb_seg(&b, "fill", "input", sizeof fill);
	pb_load1(&b, "acc", 0, "fill", NB);
	pb_load(&b, "acc", 0, "x", OFF, Y, X, S, YP0, YP1, XP0, XP1);
	pb_dump_int(&b, 0, NB, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "x", 0, x, sizeof x);
		mach_write(&m, "fill", 0, fill, sizeof fill);
		mach_run(&m);
		for (int yy = 0; yy < YB; yy++)
			for (int xx = 0; xx < XB; xx++)
				for (int l = 0; l < V; l++) {
					int r = yy - YP0, c = xx - XP0;
					bool in = r >= 0 && r < Y && c >= 0 && c < X;
					expect[(yy * XB + xx) * V + l] = in ? x[(OFF + r * S + c) * V + l] : 0;
				}
		read_dump_int(&m, "d", NB, got);
		check_i32("padded block", got, expect, NB * V);
	}
	mach_end(&m);
	pb_free(&b);
}

/* A load into the accumulator leaves the output buffer alone: out still
 * holds what the ALU last narrowed into it. */
static void test_acc_load_keeps_out(void)
{
	cur_test = "acc_load_keeps_out";
	struct env e;
	env_init(&e, &C_VTA);
	seed(4);
	enum { N = 4, V = 16 };
	int32_t a[N * V], bv[N * V], got[N * V];
	for (int i = 0; i < N * V; i++)
		a[i] = rnd_i32(), bv[i] = rnd_i32();
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "a", "input", sizeof a);
	pb_seg(&b, "b", "input", sizeof bv);
	pb_seg(&b, "y", "output", N * 16);
	pb_load1(&b, "acc", 0, "a", N);
	pb_alu_n(&b, "add", 0, 0, N, true, 0, "");
	BODY(&b, "load buf=acc idx=0 addr=@b ysize=1 xsize=%d xstride=%d push_next\n", N, N);
	pb_store_out(&b, 0, N, "y", 0);
	BODY(&b, "sync queue=compute pop_next\n");
	pb_dump_int(&b, 0, N, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "a", 0, a, sizeof a);
		mach_write(&m, "b", 0, bv, sizeof bv);
		mach_run(&m);
		uint8_t y[N * 16], want[N * 16];
		for (int i = 0; i < N * V; i++)
			want[i] = (uint8_t)a[i];
		mach_read(&m, "y", 0, y, sizeof y);
		check_u8("out after a later acc load", y, want, sizeof y);
		read_dump_int(&m, "d", N, got);
		check_i32("acc after the second load", got, bv, N * V);
	}
	mach_end(&m);
	pb_free(&b);
}

/* Padded, strided loads into the input and weight buffers, read back
 * through GEMMs with an identity weight (acc = inp) and with the all-zero
 * padding weights (acc unchanged, out = its narrowing). */
static void test_padded_inp_identity(const struct cfg *c)
{
	char name[64];
	snprintf(name, sizeof name, "padded_inp_identity/%s", c->hw);
	cur_test = name;
	struct env e;
	env_init(&e, c);
	seed(5);
	const uint32_t Y = 3, X = 2, S = 4, OFF = 1, YP0 = 1, YP1 = 2, XP0 = 1, XP1 = 1;
	const uint32_t XB = X + XP0 + XP1, NB = (Y + YP0 + YP1) * XB, NX = OFF + (Y - 1) * S + X;
	const uint32_t vi = e.vi, va = e.va, vw = e.vw, J = (uint32_t)c->J;
	/* inp element = I rows of K, acc element = I rows of J, J == K */
	int32_t *x = xmalloc(NX * vi * 4), *pre = xmalloc(NB * vi * 4), *w = xmalloc(2 * vw * 4);
	int32_t *acc0 = xmalloc(3 * NB * va * 4), *expect = xmalloc(3 * NB * va * 4), *got = xmalloc(3 * NB * va * 4);
	for (uint32_t i = 0; i < NX * vi; i++)
		x[i] = rnd_in8(&e);
	for (uint32_t i = 0; i < NB * vi; i++)
		pre[i] = (int32_t)(rnd() % 100 + 1);
	for (uint32_t i = 0; i < 2 * vw; i++)
		w[i] = (int32_t)(int8_t)(rnd() | 1);
	for (uint32_t i = 0; i < 3 * NB * va; i++)
		acc0[i] = rnd_i32();
	/* wgt: element 0 random (then padded to zero), element 1 the identity */
	uint8_t *wb = xcalloc(vw, 1); /* the identity, [j][k] */
	for (uint32_t j = 0; j < J; j++)
		wb[j * J + j] = 1;
	uint8_t *xb = bytes_of(x, NX * vi), *preb = bytes_of(pre, NB * vi), *wrb = bytes_of(w, 2 * vw);
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "x", "input", NX * e.Ei);
	pb_seg(&b, "pre", "input", NB * e.Ei);
	pb_seg(&b, "wr", "weight", 2 * e.Ew);
	pb_seg(&b, "w", "weight", 1 * e.Ew);
	pb_seg(&b, "acc0", "input", 3ull * NB * e.Ea);
	pb_load1(&b, c->inp, 0, "pre", NB);
	pb_load(&b, c->inp, 0, "x", OFF, Y, X, S, YP0, YP1, XP0, XP1);
	pb_load1(&b, c->wgt, 0, "wr", 2);
	pb_load(&b, c->wgt, 0, "w", 0, 1, 1, 1, 0, 0, 1, 1); /* zeros, w, zeros */
	pb_load1(&b, "acc", 0, "acc0", 3 * NB);
	int u = pb_uop(&b, 0, 0, 1);
	BODY(&b, "%s reset=1 uop_begin=%d uop_end=%d iter_out=%u iter_in=1 dst_out=1 src_out=1\n", c->intr, u, u + 1, NB);
	u = pb_uop(&b, NB, 0, 0);
	BODY(&b, "%s uop_begin=%d uop_end=%d iter_out=%u iter_in=1 dst_out=1 src_out=1\n", c->intr, u, u + 1, NB);
	u = pb_uop(&b, 2 * NB, 0, 2);
	BODY(&b, "%s uop_begin=%d uop_end=%d iter_out=%u iter_in=1 dst_out=1 src_out=1\n", c->intr, u, u + 1, NB);
	/* out now holds every narrowed acc element: check it before the dump */
	BODY(&b, "sync queue=compute push_next\n");
	pb_seg(&b, "o", "output", 3ull * NB * e.Eo);
	pb_store_out(&b, 0, 3 * NB, "o", 0);
	BODY(&b, "sync queue=compute pop_next\n");
	pb_dump_int(&b, 0, 3 * NB, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "x", 0, xb, NX * vi);
		mach_write(&m, "pre", 0, preb, NB * vi);
		mach_write(&m, "wr", 0, wrb, 2 * vw);
		mach_write(&m, "w", 0, wb, vw);
		mach_write(&m, "acc0", 0, acc0, 3ull * NB * va * 4);
		mach_run(&m);
		for (uint32_t yy = 0; yy < Y + YP0 + YP1; yy++)
			for (uint32_t xx = 0; xx < XB; xx++)
				for (uint32_t l = 0; l < va; l++) {
					int32_t r = (int32_t)yy - (int32_t)YP0, cc = (int32_t)xx - (int32_t)XP0;
					bool in = r >= 0 && r < (int32_t)Y && cc >= 0 && cc < (int32_t)X;
					uint32_t el = yy * XB + xx;
					expect[el * va + l] = in ? x[(OFF + (uint32_t)r * S + (uint32_t)cc) * vi + l] : 0;
				}
		memcpy(expect + NB * va, acc0 + NB * va, 2ull * NB * va * 4);
		uint8_t *o = xmalloc(3ull * NB * va), *want = bytes_of(expect, 3ull * NB * va);
		mach_read(&m, "o", 0, o, 3ull * NB * va);
		check_u8("out after the GEMMs", o, want, 3ull * NB * va);
		read_dump_int(&m, "d", 3 * NB, got);
		check_i32("identity GEMM of the padded input", got, expect, NB * va);
		check_i32("GEMM with the zero padding of the weights", got + NB * va, expect + NB * va, 2ull * NB * va);
		free(o);
		free(want);
	}
	mach_end(&m);
	pb_free(&b);
	free(x), free(pre), free(w), free(acc0), free(expect), free(got), free(wb), free(xb), free(preb), free(wrb);
}

/* Diagonal loads (`diag`): every diagonal block of the weight element, each
 * a load of two elements after a zero one (xpad0) over weights loaded
 * random before (the rest of each element becomes zero), its `values`
 * packed in DRAM; read back through GEMMs of an input of distinct values
 * (acc[j] = sum over k of inp[k] * wgt[j][k]: each row holds at most one
 * value, at its column). */
static void test_diagonal_load(const struct cfg *c)
{
	char name[64];
	snprintf(name, sizeof name, "diagonal_load/%s", c->hw);
	cur_test = name;
	struct env e;
	env_init(&e, c);
	seed(11);
	const struct hw_level *wl = level(&e, c->wgt);
	int wi = (int)(wl - e.hw.level);
	uint32_t blocks = isa_diagonal_blocks(&e.hw, wi), J = (uint32_t)c->J, K = (uint32_t)c->K;
	ASSERT(blocks > 0 && e.tw == 1 && c->I == 1);
	enum { X = 2, XB = X + 1 };
	uint32_t NW = blocks * XB, vw = e.vw;
	uint32_t *n = xmalloc(blocks * sizeof *n);
	int8_t *w = xmalloc((size_t)blocks * X * K), *pre = xmalloc((size_t)NW * vw);
	uint8_t inp[64];
	ASSERT(K <= sizeof inp && e.vi == K);
	for (uint32_t k = 0; k < K; k++)
		inp[k] = (uint8_t)(k + 1);
	for (uint32_t i = 0; i < blocks * X * K; i++)
		w[i] = (int8_t)(rnd() | 1);
	for (uint32_t i = 0; i < NW * vw; i++)
		pre[i] = (int8_t)(rnd() | 1);
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "inp", "input", e.Ei);
	pb_seg(&b, "pre", "weight", (uint64_t)NW * e.Ew);
	pb_seg(&b, "w", "weight", (uint64_t)blocks * X * K);
	pb_load1(&b, c->inp, 0, "inp", 1);
	pb_load1(&b, c->wgt, 0, "pre", NW);
	for (uint32_t d = 1; d <= blocks; d++) { /* block d's X elements of n[d-1] values at value (d-1)*X*K of w */
		n[d - 1] = isa_diagonal_room(&e.hw, wi, d);
		if (d == 1 && n[0] > 1)
			n[0]--; /* fewer than the block holds */
		pb_ld(&b, "load buf=%s idx=%u addr=@w+%u ysize=1 xsize=%d xstride=%d xpad0=1 values=%u diag=%u", c->wgt,
		      (d - 1) * XB, (d - 1) * X * K, X, X, n[d - 1], d);
	}
	int u = pb_uop(&b, 0, 0, 0);
	BODY(&b, "%s reset=1 uop_begin=%d uop_end=%d iter_out=%u iter_in=1 dst_out=1 wgt_out=1\n", c->intr, u, u + 1, NW);
	pb_dump_int(&b, 0, NW, "d");
	struct mach m;
	int32_t *expect = xcalloc((size_t)NW * J, 4), *got = xmalloc((size_t)NW * J * 4);
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "inp", 0, inp, K);
		mach_write(&m, "pre", 0, pre, (size_t)NW * vw);
		mach_write(&m, "w", 0, w, (size_t)blocks * X * K);
		mach_run(&m);
		for (uint32_t d = 1; d <= blocks; d++)
			for (uint32_t x = 0; x < X; x++)
				for (uint32_t i = 0; i < n[d - 1]; i++) {
					/* block d: rows (d-1)*K + i, column i (J >= K), or column (d-1)*J + i of row i */
					uint32_t row = J >= K ? (d - 1) * K + i : i, col = J >= K ? i : (d - 1) * J + i;
					int8_t v = w[(d - 1) * X * K + x * n[d - 1] + i];
					expect[((d - 1) * XB + 1 + x) * J + row] += (int32_t)inp[col] * v;
				}
		read_dump_int(&m, "d", NW, got);
		check_i32("GEMMs over diagonal loads", got, expect, NW * J);
	}
	mach_end(&m);
	pb_free(&b);
	free(n), free(w), free(pre), free(expect), free(got);
}

/* server-wide: DRAM -> gbuf with stride and all four paddings, gbuf ->
 * acc, and a strided store gbuf -> DRAM. */
static void test_gbuf_dma(void)
{
	cur_test = "gbuf_dma";
	struct env e;
	env_init(&e, &C_SRV);
	seed(6);
	enum { Y = 4, X = 2, S = 5, OFF = 1, YP0 = 1, YP1 = 1, XP0 = 1, XP1 = 1, G = 64 }; /* G: gbuf element index */
	enum { XB = X + XP0 + XP1, NB = (Y + YP0 + YP1) * XB, NX = OFF + (Y - 1) * S + X, W = 16 }; /* W int32 per 64 B */
	enum { NACC = NB * 64 / 512, SY = 3, SX = 4, SS = 7, SOFF = 2, NY = SOFF + (SY - 1) * SS + SX };
	static int32_t x[NX * W], fill[NB * W], expect[NB * W], got[NB * W];
	for (int i = 0; i < NX * W; i++)
		x[i] = rnd_i32();
	for (int i = 0; i < NB * W; i++)
		fill[i] = (int32_t)(rnd() | 0x10000);
	struct pb b;
	pb_init(&b, &e);
	b.gnext = 1024ull * 64; /* the block lives at gbuf element G, below */
	pb_seg(&b, "x", "input", sizeof x);
	pb_seg(&b, "fill", "input", sizeof fill);
	pb_seg(&b, "y", "output", NY * 64);
	pb_ld(&b, "load buf=gbuf idx=%d addr=@fill ysize=1 xsize=%d xstride=%d", G, NB, NB);
	pb_ld(&b, "load buf=gbuf idx=%d addr=@x+%d ysize=%d xsize=%d xstride=%d ypad0=%d ypad1=%d xpad0=%d xpad1=%d", G, OFF, Y,
	      X, S, YP0, YP1, XP0, XP1);
	BODY(&b, "load buf=acc idx=0 addr=%d ysize=1 xsize=%d xstride=%d\n", G * 64 / 512, NACC, NACC);
	BODY(&b, "sync queue=compute push_next\n");
	BODY(&b, "store buf=gbuf idx=%d addr=@y+%d ysize=%d xsize=%d xstride=%d pop_prev push_prev\n", G, SOFF, SY, SX, SS);
	BODY(&b, "sync queue=compute pop_next\n");
	pb_dump_int(&b, 0, NACC, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		static uint8_t y[NY * 64], want[NY * 64];
		memset(y, 0x5a, sizeof y);
		memcpy(want, y, sizeof y);
		mach_write(&m, "x", 0, x, sizeof x);
		mach_write(&m, "fill", 0, fill, sizeof fill);
		mach_write(&m, "y", 0, y, sizeof y);
		mach_run(&m);
		for (int yy = 0; yy < Y + YP0 + YP1; yy++)
			for (int xx = 0; xx < XB; xx++)
				for (int l = 0; l < W; l++) {
					int r = yy - YP0, c = xx - XP0;
					bool in = r >= 0 && r < Y && c >= 0 && c < X;
					expect[(yy * XB + xx) * W + l] = in ? x[(OFF + r * S + c) * W + l] : 0;
				}
		for (int r = 0; r < SY; r++)
			memcpy(want + (SOFF + r * SS) * 64, (const uint8_t *)expect + r * SX * 64, SX * 64);
		read_dump_int(&m, "d", NACC, got);
		check_i32("padded gbuf block through acc", got, expect, NB * W);
		mach_read(&m, "y", 0, y, sizeof y);
		check_u8("strided store from gbuf", y, want, sizeof y);
	}
	mach_end(&m);
	pb_free(&b);
}

/* Loads whose rows overlap in DRAM: stride 0 repeats one row, a stride
 * below the row length reads elements twice. */
static void test_overlapping_rows(void)
{
	cur_test = "overlapping_rows";
	struct env e;
	env_init(&e, &C_VTA);
	seed(7);
	enum { V = 16, NX = 8, NA = 15 };
	int32_t x[NX * V], expect[NA * V], got[NA * V];
	for (int i = 0; i < NX * V; i++)
		x[i] = rnd_i32();
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "x", "input", sizeof x);
	pb_load(&b, "acc", 0, "x", 2, 3, 2, 0, 0, 0, 0, 0); /* x[2..4) three times */
	pb_load(&b, "acc", 6, "x", 1, 3, 3, 1, 0, 0, 0, 0); /* x[1..4), x[2..5), x[3..6) */
	pb_dump_int(&b, 0, NA, "d");
	for (int r = 0; r < 3; r++)
		for (int l = 0; l < 2 * V; l++)
			expect[r * 2 * V + l] = x[2 * V + l];
	for (int r = 0; r < 3; r++)
		for (int l = 0; l < 3 * V; l++)
			expect[6 * V + r * 3 * V + l] = x[(1 + r) * V + l];
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "x", 0, x, sizeof x);
		mach_run(&m);
		read_dump_int(&m, "d", NA, got);
		check_i32("rows with stride 0 and stride 1", got, expect, NA * V);
	}
	mach_end(&m);
	pb_free(&b);
}

/* Micro-op loads are loads like the others: padding makes zero micro-ops
 * (dst=src=wgt=0), which an ALU loop then runs. */
static void test_uop_load_padding(void)
{
	cur_test = "uop_load_padding";
	struct env e;
	env_init(&e, &C_VTA);
	seed(8);
	enum { V = 16, NA = 8, IMM = 1000 };
	int32_t x[NA * V], expect[NA * V], got[NA * V];
	for (int i = 0; i < NA * V; i++)
		expect[i] = x[i] = rnd_i32();
	struct pb b;
	pb_init(&b, &e);
	pb_seg(&b, "x", "input", sizeof x);
	int ua = pb_uop(&b, 5, 5, 0), ub = pb_uop(&b, 6, 6, 0);
	(void)ub;
	pb_load1(&b, "acc", 0, "x", NA);
	/* buffer [8..12) = zero, A, B, zero; [12..15) = zero, A, B */
	BODY(&b, "load buf=uop idx=8 addr=@uops+%d ysize=1 xsize=2 xstride=2 xpad0=1 xpad1=1\n", ua);
	BODY(&b, "load buf=uop idx=12 addr=@uops+%d ysize=2 xsize=1 xstride=1 ypad0=1\n", ua);
	BODY(&b, "alu op=add uop_begin=8 uop_end=15 iter_out=1 iter_in=1 use_imm=1 imm=%d\n", IMM);
	for (int l = 0; l < V; l++) {
		expect[0 * V + l] = (int32_t)((uint32_t)x[l] + 3u * IMM);
		expect[5 * V + l] = (int32_t)((uint32_t)x[5 * V + l] + 2u * IMM);
		expect[6 * V + l] = (int32_t)((uint32_t)x[6 * V + l] + 2u * IMM);
	}
	pb_dump_int(&b, 0, NA, "d");
	struct mach m;
	if (mach_start(&m, &e, &b)) {
		mach_write(&m, "x", 0, x, sizeof x);
		mach_run(&m);
		read_dump_int(&m, "d", NA, got);
		check_i32("ALU over padded micro-ops", got, expect, NA * V);
	}
	mach_end(&m);
	pb_free(&b);
}

int main(void)
{
	/* DMA */
	test_acc_round_trip();
	test_strided_dma();
	test_narrow_dma();
	test_narrow_store_long_row();
	test_padded_acc_load();
	test_acc_load_keeps_out();
	test_padded_inp_identity(&C_VTA);
	test_padded_inp_identity(&C_EDGE);
	test_padded_inp_identity(&C_SRV);
	test_diagonal_load(&C_VTA);
	test_diagonal_load(&C_EDGE);
	test_diagonal_load(&C_DOT);
	test_gbuf_dma();
	test_overlapping_rows();
	test_uop_load_padding();

	return test_done("test_conformance_dma");
}
