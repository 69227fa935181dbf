/* The harness shared by the ISA conformance tests (test_conformance_*.c):
 * deterministic data, fp16 reference conversion, the example configurations
 * and one extra description, a small program builder, running on dev_sim
 * and reading results back, and reference tiles computed with plain loops.
 *
 * Every instruction of every example configuration (and of one extra
 * description whose tiles span several buffer elements) computes the data
 * docs/microarch.md ("What instructions compute") says.  Each test
 * writes a program in assembly, runs it on dev_sim, reads DRAM back and
 * compares with values worked out here with plain C loops: nothing expected
 * comes from simulator code.
 *
 * The accumulator cannot be stored directly, so a full int32 accumulator is
 * read back through the output buffer one byte at a time (`alu shr imm=0`,
 * store, `shr imm=8`, store, ...), and a full fp32 one by storing its fp16
 * narrowing and then (acc - expected) * 2^24, which must narrow to zero. */
#ifndef TESSEL_CONFORMANCE_H
#define TESSEL_CONFORMANCE_H

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/half.h"
#include "base/strbuf.h"
#include "isa/program.h"
#include "device/device.h"
#include "test.h"
#include "sim/simulator.h"

static __attribute__((unused)) const char *cur_test = "";

static inline void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void fail(const char *fmt, ...)
{
	va_list ap;
	test_checks++;
	test_failures++;
	fprintf(stderr, "%s: ", cur_test);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- deterministic data: xorshift64 ---- */

static __attribute__((unused)) uint64_t rng_state;

static inline void seed(uint64_t s)
{
	rng_state = s * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
	if (!rng_state)
		rng_state = 1;
}

static inline uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static inline int32_t rnd_in(int32_t lo, int32_t hi)
{
	return (int32_t)((int64_t)lo + (int64_t)(rnd() % (uint32_t)((int64_t)hi - lo + 1)));
}

static __attribute__((unused)) const int32_t special_i32[] = {0,     1,      -1,    2,         -2,        127,           128,
				      -128,  -129,   255,   256,       32767,     -32768,        65536,
				      -65536, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1, 0x7fff8000};
enum { NSPECIAL = sizeof special_i32 / sizeof special_i32[0] };

/* Full-range int32 with the edge cases mixed in. */
static inline int32_t rnd_i32(void)
{
	if (rnd() % 4 == 0)
		return special_i32[rnd() % NSPECIAL];
	return (int32_t)rnd();
}

/* A float with a random mantissa and sign, exponent in [elo, ehi]. */
static inline float rnd_f32(int elo, int ehi)
{
	uint32_t bits = (rnd() & 0x80000000u) | (uint32_t)(127 + rnd_in(elo, ehi)) << 23 | (rnd() & 0x7fffffu);
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

static inline half16 rnd_f16(void)
{
	return (half16)((rnd() & 0x8000u) | (uint32_t)(15 + rnd_in(-6, 6)) << 10 | (rnd() & 0x3ffu));
}

static inline float f16_to_float(uint16_t bits)
{
	return half_to_float(bits);
}

/* fp32 -> fp16, round to nearest even, written out bit by bit so that the
 * expected narrowing does not depend on the compiler's conversion. */
static inline uint16_t f16_bits(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
	int exp = (int)((x >> 23) & 0xff);
	uint32_t man = x & 0x7fffffu;
	if (exp == 0xff)
		return (uint16_t)(sign | 0x7c00u | (man ? 0x200u : 0));
	if (exp == 0)
		return sign; /* below 2^-126: far under half the smallest fp16 */
	uint64_t m = man | 0x800000u;     /* value = m * 2^(exp - 150) */
	int q = exp - 127 < -14 ? -14 : exp - 127;
	q -= 10;                          /* the fp16 quantum is 2^q */
	int s = q - (exp - 150);          /* >= 13 */
	uint64_t r;
	if (s > 40) {
		r = 0;
	} else {
		r = m >> s;
		uint64_t rem = m & ((1ull << s) - 1), half = 1ull << (s - 1);
		if (rem > half || (rem == half && (r & 1)))
			r++;
	}
	if (r >= 2048) {
		r >>= 1;
		q++;
	}
	if (r == 0)
		return sign;
	if (r < 1024)
		return (uint16_t)(sign | r); /* subnormal, q == -24 */
	int ef = q + 25;
	if (ef >= 31)
		return (uint16_t)(sign | 0x7c00u);
	return (uint16_t)(sign | (uint32_t)ef << 10 | (uint32_t)(r - 1024));
}

/* ---- comparisons that say where ---- */

static inline void check_i32(const char *what, const int32_t *got, const int32_t *exp, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		if (got[i] != exp[i] && bad++ < 6)
			fprintf(stderr, "%s: %s: value %zu: expected %" PRId32 " (0x%08" PRIx32 "), got %" PRId32 " (0x%08" PRIx32 ")\n",
				cur_test, what, i, exp[i], (uint32_t)exp[i], got[i], (uint32_t)got[i]);
	test_checks++;
	if (bad) {
		test_failures++;
		fprintf(stderr, "%s: %s: FAILED: %zu of %zu values differ\n", cur_test, what, bad, n);
	}
}

static inline void check_u8(const char *what, const uint8_t *got, const uint8_t *exp, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		if (got[i] != exp[i] && bad++ < 6)
			fprintf(stderr, "%s: %s: byte %zu: expected %d (0x%02x), got %d (0x%02x)\n", cur_test, what, i,
				(int8_t)exp[i], exp[i], (int8_t)got[i], got[i]);
	test_checks++;
	if (bad) {
		test_failures++;
		fprintf(stderr, "%s: %s: FAILED: %zu of %zu bytes differ\n", cur_test, what, bad, n);
	}
}

/* ---- configurations ---- */

/* A description used only here: a uint8 x int8 part with two intrinsics,
 * whose input, weight and accumulator tiles span 2 to 4 buffer elements,
 * one of them with a [k][j] weight. */
static __attribute__((unused)) const char multi_yaml[] =
	"name: multi\n"
	"description: conformance part with tiles of several elements and two intrinsics\n"
	"clock_mhz: 100\n"
	"memory:\n"
	"  dram: {capacity: 16 MiB, port_bits: 64, bandwidth: 8, latency: 10, burst: 64, address_bits: 32}\n"
	"  scratchpads:\n"
	"    - {name: inp, role: input, capacity: 4 KiB, elem_shape: [8], dtype: uint8, port_bits: 64, bandwidth: 8, latency: 1}\n"
	"    - {name: wgt, role: weight, capacity: 8 KiB, elem_shape: [8, 8], dtype: int8, port_bits: 512, bandwidth: 64, latency: 1}\n"
	"    - {name: acc, role: accumulator, capacity: 8 KiB, elem_shape: [8], dtype: int32, port_bits: 256, bandwidth: 32, latency: 1}\n"
	"    - {name: out, role: output, capacity: 2 KiB, elem_shape: [8], dtype: int8, port_bits: 64, bandwidth: 8, latency: 1}\n"
	"    - {name: uop, role: uop, capacity: 2 KiB, elem_bits: 32, port_bits: 32, bandwidth: 4, latency: 1}\n"
	"intrinsics:\n"
	"  - name: gemm2\n"
	"    expr: \"acc[i, j] += inp[i, k] * wgt[j, k]\"\n"
	"    dims: {i: 2, j: 8, k: 8}\n"
	"    operands:\n"
	"      acc: {buffer: acc, dtype: int32}\n"
	"      inp: {buffer: inp, dtype: uint8}\n"
	"      wgt: {buffer: wgt, dtype: int8}\n"
	"    latency: 3\n"
	"    initiation_interval: 1\n"
	"  - name: gemmt\n"
	"    expr: \"acc[i, j] += inp[i, k] * wgt[k, j]\"\n"
	"    dims: {i: 2, j: 8, k: 16}\n"
	"    operands:\n"
	"      acc: {buffer: acc, dtype: int32}\n"
	"      inp: {buffer: inp, dtype: uint8}\n"
	"      wgt: {buffer: wgt, dtype: int8}\n"
	"    latency: 3\n"
	"    initiation_interval: 1\n"
	"alu: {lanes: 4, ops: [min, max, add, shr, mul, clip, mov, requant], imm_bits: 16, latency: 2, initiation_interval: 1}\n"
	"queues: {load: 8, compute: 8, store: 8, token: 4}\n"
	"dma: {max_rows: 4095, max_cols: 4095, max_stride: 65535, max_pad: 7}\n"
	"isa: {instruction_bits: 128, max_loop_extent: 4095}\n";

struct cfg {
	const char *hw;          /* example file name, or "multi" (above) */
	const char *intr;        /* the intrinsic's mnemonic */
	const char *inp, *wgt;   /* levels of its input and weight operands */
	int I, J, K;             /* output tile [i][j], input tile [i][k] */
	bool wt;                 /* weight tile [k][j] instead of [j][k] */
	bool flt;                /* fp16 x fp16 -> fp32 */
};

static __attribute__((unused)) const struct cfg C_VTA = {"vta-default", "gemm", "inp", "wgt", 1, 16, 16, false, false};
static __attribute__((unused)) const struct cfg C_EDGE = {"edge-tiny", "gemm", "inp", "wgt", 1, 8, 8, false, false};
static __attribute__((unused)) const struct cfg C_SRV = {"server-wide", "gemm", "inp", "wgt", 4, 32, 32, false, false};
static __attribute__((unused)) const struct cfg C_DOT = {"dot-i8", "dot", "inp", "wgt", 1, 16, 4, false, false};
static __attribute__((unused)) const struct cfg C_MMA = {"mma-fp16", "mma", "abuf", "bbuf", 4, 4, 4, true, true};
static __attribute__((unused)) const struct cfg C_VMAC_GEMM = {"vector-mac", "gemm", "inp", "wgt", 1, 32, 32, false, false};
static __attribute__((unused)) const struct cfg C_VMAC = {"vector-mac", "vmac", "inp", "wgt", 1, 32, 32, false, false};
static __attribute__((unused)) const struct cfg C_MULTI = {"multi", "gemm2", "inp", "wgt", 2, 8, 8, false, false};
static __attribute__((unused)) const struct cfg C_MULTI_T = {"multi", "gemmt", "inp", "wgt", 2, 8, 16, true, false};

static __attribute__((unused)) const struct cfg *const int_cfgs[] = {&C_VTA, &C_EDGE, &C_SRV, &C_DOT, &C_MULTI};
enum { N_INT_CFGS = sizeof int_cfgs / sizeof int_cfgs[0] };

/* What a test needs to know about the machine, from its description. */
struct env {
	struct hw hw;
	const struct cfg *c;
	uint32_t Ei, Ew, Ea, Eo;   /* element bytes: input, weight, accumulator, output */
	uint32_t vi, vw, va;       /* values per element */
	uint32_t ti, tw, ta;       /* elements per tile */
	bool gbuf;                 /* scratchpads load from and store to the shared level gbuf */
	bool in_unsigned;
	uint32_t gbuf_bytes;
};

static inline const struct hw_level *level(const struct env *e, const char *name)
{
	int i = hw_level_lookup(&e->hw, name);
	if (i < 0) {
		fprintf(stderr, "%s: no level '%s' in %s\n", cur_test, name, e->hw.name);
		exit(1);
	}
	return &e->hw.level[i];
}

static inline void env_init(struct env *e, const struct cfg *c)
{
	memset(e, 0, sizeof *e);
	if (!strcmp(c->hw, "multi")) {
		struct diags err = {0};
		if (hw_load_string(multi_yaml, "multi.yaml", &e->hw, &err)) {
			diag_print(&err, stderr);
			fprintf(stderr, "the conformance description does not load\n");
			exit(1);
		}
		diag_free(&err);
	} else {
		test_load_example(c->hw, &e->hw);
	}
	e->c = c;
	const struct hw_level *li = level(e, c->inp), *lw = level(e, c->wgt), *la = level(e, "acc"),
			      *lo = level(e, "out");
	e->Ei = li->elem_bytes, e->Ew = lw->elem_bytes, e->Ea = la->elem_bytes, e->Eo = lo->elem_bytes;
	e->vi = li->elem_bytes / dtype_bytes(li->dtype);
	e->vw = lw->elem_bytes / dtype_bytes(lw->dtype);
	e->va = la->elem_bytes / dtype_bytes(la->dtype);
	e->ti = (uint32_t)(c->I * c->K) / e->vi;
	e->tw = (uint32_t)(c->J * c->K) / e->vw;
	e->ta = (uint32_t)(c->I * c->J) / e->va;
	e->in_unsigned = li->dtype == DT_UINT8;
	int g = hw_level_lookup(&e->hw, "gbuf");
	e->gbuf = g >= 0;
	e->gbuf_bytes = g >= 0 ? (uint32_t)e->hw.level[g].capacity : 0;
	/* the tables above agree with the description */
	ASSERT_EQ(e->ti * e->vi, (uint32_t)(c->I * c->K));
	ASSERT_EQ(e->ta * e->va, (uint32_t)(c->I * c->J));
	ASSERT_EQ(e->Eo, e->va * (c->flt ? 2 : 1));
	ASSERT(c->flt || lo->dtype == DT_INT8); /* requant's range in ref_alu_int */
}

/* ---- building a program ----
 * Load-module instructions (loads into the input, weight and shared levels)
 * are collected apart: they all come first, the last pushes a token to
 * compute, and the first compute instruction (the micro-op load) pops it. */

struct pb {
	const struct env *e;
	struct strbuf segs, uops, ld, body;
	int nuop;
	uint64_t gnext; /* next free gbuf byte */
};

static inline void pb_init(struct pb *b, const struct env *e)
{
	memset(b, 0, sizeof *b);
	b->e = e;
}

static inline void sb_cat(struct strbuf *t, const struct strbuf *s)
{
	if (s->len)
		sb_add(t, s->s, s->len);
}

static inline void pb_free(struct pb *b)
{
	free(b->segs.s);
	free(b->uops.s);
	free(b->ld.s);
	free(b->body.s);
}

static inline void pb_seg(struct pb *b, const char *name, const char *kind, uint64_t bytes)
{
	sb_printf(&b->segs, ".segment %s %s size=%" PRIu64 "\n", name, kind, bytes);
}

static inline int pb_uop(struct pb *b, uint32_t dst, uint32_t src, uint32_t wgt)
{
	sb_printf(&b->uops, ".uop dst=%u src=%u wgt=%u\n", dst, src, wgt);
	return b->nuop++;
}

static inline void pb_ld(struct pb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void pb_ld(struct pb *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	sb_printf(&b->ld, "%s\n", line);
}

#define BODY(b, ...) sb_printf(&(b)->body, __VA_ARGS__)

static inline uint64_t pb_galloc(struct pb *b, uint64_t bytes)
{
	uint64_t g = b->gnext;
	b->gnext += (bytes + 1023) / 1024 * 1024;
	if (b->gnext > b->e->gbuf_bytes)
		fail("gbuf overflow in the test itself");
	return g;
}

/* load buf=LEVEL idx=IDX from segment SEG at element OFF (of LEVEL), a 2D
 * block with padding.  Through gbuf when the machine has it: the rows'
 * span is copied DRAM -> gbuf first (load module), then gbuf -> LEVEL with
 * the same shape. */
static inline void pb_load(struct pb *b, const char *lname, uint32_t idx, const char *seg, uint64_t off, uint32_t y, uint32_t x,
		    uint32_t stride, uint32_t yp0, uint32_t yp1, uint32_t xp0, uint32_t xp1)
{
	const struct hw_level *l = level(b->e, lname);
	uint64_t E = l->elem_bytes;
	bool compute = l->role == HW_ROLE_ACCUMULATOR || l->role == HW_ROLE_UOP;
	char addr[96];
	if (b->e->gbuf) {
		uint64_t span = ((uint64_t)(y - 1) * stride + x) * E, g = pb_galloc(b, span);
		if (off * E % 64)
			fail("test bug: segment offset not on a gbuf element");
		pb_ld(b, "load buf=gbuf idx=%" PRIu64 " addr=@%s+%" PRIu64 " ysize=1 xsize=%" PRIu64 " xstride=%" PRIu64, g / 64,
		      seg, off * E / 64, (span + 63) / 64, (span + 63) / 64);
		snprintf(addr, sizeof addr, "%" PRIu64, g / E);
	} else {
		snprintf(addr, sizeof addr, "@%s+%" PRIu64, seg, off);
	}
	char line[400];
	snprintf(line, sizeof line, "load buf=%s idx=%u addr=%s ysize=%u xsize=%u xstride=%u ypad0=%u ypad1=%u xpad0=%u xpad1=%u",
		 lname, idx, addr, y, x, stride, yp0, yp1, xp0, xp1);
	if (compute)
		BODY(b, "%s\n", line);
	else
		pb_ld(b, "%s", line);
}

static inline void pb_load1(struct pb *b, const char *lname, uint32_t idx, const char *seg, uint32_t n)
{
	pb_load(b, lname, idx, seg, 0, 1, n, n, 0, 0, 0, 0);
}

/* Stores output elements [idx, idx+n) to SEG from output element OFF: pops
 * the token the last compute instruction pushed, pushes one back. */
static inline void pb_store_out(struct pb *b, uint32_t idx, uint32_t n, const char *seg, uint64_t off)
{
	uint64_t Eo = b->e->Eo;
	if (b->e->gbuf) {
		uint64_t g = pb_galloc(b, n * Eo);
		if ((n * Eo) % 64 || (off * Eo) % 64)
			fail("test bug: output block not whole gbuf elements");
		BODY(b, "store buf=out idx=%u addr=%" PRIu64 " ysize=1 xsize=%u xstride=%u pop_prev\n", idx, g / Eo, n, n);
		BODY(b, "store buf=gbuf idx=%" PRIu64 " addr=@%s+%" PRIu64 " ysize=1 xsize=%" PRIu64 " xstride=%" PRIu64 " push_prev\n",
		     g / 64, seg, off * Eo / 64, n * Eo / 64, n * Eo / 64);
	} else {
		BODY(b, "store buf=out idx=%u addr=@%s+%" PRIu64 " ysize=1 xsize=%u xstride=%u pop_prev push_prev\n", idx, seg, off,
		     n, n);
	}
}

/* An ALU instruction over accumulator elements dst+o, src+o for o < n. */
static inline void pb_alu_n(struct pb *b, const char *op, uint32_t dst, uint32_t src, uint32_t n, bool use_imm, int32_t imm,
		     const char *tokens)
{
	int u = pb_uop(b, dst, src, 0);
	BODY(b, "alu op=%s uop_begin=%d uop_end=%d iter_out=%u iter_in=1 dst_out=1 src_out=1", op, u, u + 1, n);
	if (use_imm)
		BODY(b, " use_imm=1 imm=%d", imm);
	BODY(b, "%s%s\n", *tokens ? " " : "", tokens);
}

/* Reads accumulator elements [a, a+n) (int32) back into segment SEG: byte k
 * of every value lands at output element k*n.  Destroys them. */
static inline void pb_dump_int(struct pb *b, uint32_t a, uint32_t n, const char *seg)
{
	pb_seg(b, seg, "output", 4ull * n * b->e->Eo);
	for (int k = 0; k < 4; k++) {
		pb_alu_n(b, "shr", a, a, n, true, k ? 8 : 0, k ? "pop_next push_next" : "push_next");
		pb_store_out(b, a, n, seg, (uint64_t)k * n);
	}
	BODY(b, "sync queue=compute pop_next\n");
}

struct mach {
	const struct env *e;
	struct isa_program prog;
	struct device *d;
	bool ok;
};

/* Reads accumulator elements [a, a+n) (fp32) back: SEG gets their fp16
 * narrowing at output element 0, and ((acc - expected) * 2^24) narrowed at
 * output element n, which is zero exactly when acc == expected (finite).
 * Uses accumulator elements [t, t+n) as scratch; SEG_neg (an input segment)
 * must be given -expected before the run. */
static inline void pb_dump_f32(struct pb *b, uint32_t a, uint32_t n, uint32_t t, const char *seg)
{
	char neg[64];
	snprintf(neg, sizeof neg, "%s_neg", seg);
	pb_seg(b, seg, "output", 2ull * n * b->e->Eo);
	pb_seg(b, neg, "input", (uint64_t)n * b->e->Ea);
	pb_alu_n(b, "mov", a, a, n, false, 0, "push_next");
	pb_store_out(b, a, n, seg, 0);
	pb_load1(b, "acc", t, neg, n);
	pb_alu_n(b, "add", a, t, n, false, 0, "pop_next");
	pb_alu_n(b, "shr", a, a, n, true, -24, "push_next");
	pb_store_out(b, a, n, seg, n);
	BODY(b, "sync queue=compute pop_next\n");
}

static inline char *pb_text(struct pb *b)
{
	struct strbuf t = {0};
	uint64_t gu = 0;
	if (b->e->gbuf && b->nuop) {
		gu = pb_galloc(b, (uint64_t)b->nuop * 4);
		uint64_t n = ((uint64_t)b->nuop * 4 + 63) / 64;
		pb_ld(b, "load buf=gbuf idx=%" PRIu64 " addr=@uops ysize=1 xsize=%" PRIu64 " xstride=%" PRIu64, gu / 64, n, n);
	}
	sb_cat(&t, &b->segs);
	sb_cat(&t, &b->uops);
	const char *pop = "";
	if (b->ld.len) {
		sb_add(&t, b->ld.s, b->ld.len - 1);
		sb_puts(&t, " push_next\n");
		pop = " pop_prev";
	}
	if (b->nuop) {
		if (b->e->gbuf)
			sb_printf(&t, "load buf=uop idx=0 addr=%" PRIu64 " ysize=1 xsize=%d xstride=%d%s\n", gu / 4, b->nuop, b->nuop,
				  pop);
		else
			sb_printf(&t, "load buf=uop idx=0 addr=@uops ysize=1 xsize=%d xstride=%d%s\n", b->nuop, b->nuop, pop);
	} else if (*pop) {
		sb_puts(&t, "sync queue=compute pop_prev\n");
	}
	sb_cat(&t, &b->body);
	sb_puts(&t, "finish\n");
	return sb_take(&t);
}

/* ---- running ---- */

static inline bool mach_start(struct mach *m, const struct env *e, struct pb *b)
{
	memset(m, 0, sizeof *m);
	m->e = e;
	char *text = pb_text(b);
	struct diags err = {0};
	if (isa_assemble(text, cur_test, &e->hw, &m->prog, &err)) {
		diag_print(&err, stderr);
		fail("the program does not assemble:\n%s", text);
		free(text);
		diag_free(&err);
		return false;
	}
	free(text);
	m->d = dev_sim.open(&m->prog.hw, &err);
	if (!m->d || dev_load_program(&dev_sim, m->d, &m->prog, &err)) {
		diag_print(&err, stderr);
		fail("cannot open the device or load the program");
		if (m->d)
			dev_sim.close(m->d);
		m->d = NULL;
		isa_program_free(&m->prog);
		diag_free(&err);
		return false;
	}
	diag_free(&err);
	m->ok = true;
	return true;
}

static inline const struct isa_segment *mach_seg(struct mach *m, const char *name, uint64_t off, uint64_t n)
{
	const struct isa_segment *s = isa_program_segment(&m->prog, name);
	if (!s || off + n > s->size) {
		fail("test bug: segment '%s' missing or too small", name);
		return NULL;
	}
	return s;
}

static inline void mach_write(struct mach *m, const char *seg, uint64_t off, const void *p, uint64_t n)
{
	if (!m->ok)
		return;
	const struct isa_segment *s = mach_seg(m, seg, off, n);
	struct diags err = {0};
	if (s && dev_sim.write(m->d, s->addr + off, p, n, &err)) {
		diag_print(&err, stderr);
		fail("DRAM write to %s failed", seg);
	}
	diag_free(&err);
}

static inline void mach_read(struct mach *m, const char *seg, uint64_t off, void *p, uint64_t n)
{
	memset(p, 0, n);
	if (!m->ok)
		return;
	const struct isa_segment *s = mach_seg(m, seg, off, n);
	struct diags err = {0};
	if (s && dev_sim.read(m->d, s->addr + off, p, n, &err)) {
		diag_print(&err, stderr);
		fail("DRAM read of %s failed", seg);
	}
	diag_free(&err);
}

static inline void mach_run(struct mach *m)
{
	if (!m->ok)
		return;
	struct dev_stats st;
	struct diags err = {0};
	if (dev_sim.run(m->d, m->prog.code_addr, (uint32_t)m->prog.ninsn, NULL, &st, &err)) {
		diag_print(&err, stderr);
		fail("the run failed");
		m->ok = false;
	}
	diag_free(&err);
}

static inline void mach_end(struct mach *m)
{
	if (m->d)
		dev_sim.close(m->d);
	if (m->d || m->ok)
		isa_program_free(&m->prog);
	m->d = NULL;
	m->ok = false;
}

/* The values of accumulator elements [0, n) saved by pb_dump_int. */
static inline void read_dump_int(struct mach *m, const char *seg, uint32_t n, int32_t *vals)
{
	const struct env *e = m->e;
	size_t bytes = 4ull * n * e->Eo;
	uint8_t *buf = xmalloc(bytes);
	mach_read(m, seg, 0, buf, bytes);
	for (uint32_t el = 0; el < n; el++)
		for (uint32_t l = 0; l < e->va; l++) {
			uint32_t v = 0;
			for (int k = 0; k < 4; k++)
				v |= (uint32_t)buf[((size_t)k * n + el) * e->Eo + l] << (8 * k);
			vals[(size_t)el * e->va + l] = (int32_t)v;
		}
	free(buf);
}

/* Writes -expected for pb_dump_f32 (before the run). */
static inline void write_negref(struct mach *m, const char *seg, const float *ref, size_t nvals)
{
	char neg[64];
	snprintf(neg, sizeof neg, "%s_neg", seg);
	float *v = xmalloc(nvals * sizeof *v);
	for (size_t i = 0; i < nvals; i++)
		v[i] = isfinite(ref[i]) ? -ref[i] : 0.0f;
	mach_write(m, neg, 0, v, nvals * 4);
	free(v);
}

/* Checks what pb_dump_f32 saved against the fp32 values REF. */
static inline void check_dump_f32(struct mach *m, const char *what, const char *seg, uint32_t n, const float *ref)
{
	size_t nv = (size_t)n * m->e->va;
	uint16_t *buf = xmalloc(2 * nv * 2);
	mach_read(m, seg, 0, buf, 2 * nv * 2);
	size_t bad = 0;
	for (size_t i = 0; i < nv; i++) {
		uint16_t want = f16_bits(ref[i]);
		bool same16 = buf[i] == want;
		bool exact = !isfinite(ref[i]) || (buf[nv + i] & 0x7fff) == 0;
		if ((!same16 || !exact) && bad++ < 6)
			fprintf(stderr,
				"%s: %s: value %zu: expected %.9g (fp16 0x%04x), got fp16 0x%04x (%.9g)%s, (got - expected) * 2^24 = %g\n",
				cur_test, what, i, (double)ref[i], want, buf[i], (double)f16_to_float(buf[i]),
				same16 ? "" : " (narrowing differs)", (double)f16_to_float(buf[nv + i]));
	}
	test_checks++;
	if (bad) {
		test_failures++;
		fprintf(stderr, "%s: %s: FAILED: %zu of %zu values differ\n", cur_test, what, bad, nv);
	}
	free(buf);
}

/* ---- reference tiles ---- */

/* One intrinsic step on integer value arrays (element index * values per
 * element = first value). */
static inline void ref_tile_int(const struct env *e, int32_t *acc, const int32_t *inp, const int32_t *wgt, uint64_t dst,
			 uint64_t src, uint64_t w, bool reset)
{
	const struct cfg *c = e->c;
	int32_t *o = acc + dst * e->va;
	const int32_t *a = inp + src * e->vi, *bt = wgt + w * e->vw;
	for (int i = 0; i < c->I; i++)
		for (int j = 0; j < c->J; j++) {
			uint32_t s = reset ? 0 : (uint32_t)o[i * c->J + j];
			for (int k = 0; k < c->K; k++)
				s += (uint32_t)(a[i * c->K + k] * bt[c->wt ? k * c->J + j : j * c->K + k]);
			o[i * c->J + j] = (int32_t)s;
		}
}

/* The same for mma: fp16 x fp16 products added one at a time in fp32. */
static inline void ref_tile_f32(float *acc, const half16 *inp, const half16 *wgt, uint64_t dst, uint64_t src, uint64_t w,
			 bool reset)
{
	float *o = acc + dst * 16;
	const half16 *a = inp + src * 16, *bt = wgt + w * 16;
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			float s = reset ? 0.0f : o[i * 4 + j];
			for (int k = 0; k < 4; k++) {
				float p = half_to_float(a[i * 4 + k]) * half_to_float(bt[k * 4 + j]);
				s = s + p;
			}
			o[i * 4 + j] = s;
		}
}

enum alu_op { OP_MIN, OP_MAX, OP_ADD, OP_SHR, OP_MUL, OP_CLIP, OP_MOV, OP_REQUANT, OP_COUNT };
static __attribute__((unused)) const char *const op_name[OP_COUNT] = {"min", "max", "add", "shr", "mul", "clip", "mov",
								       "requant"};

static inline int32_t ref_alu_int(enum alu_op op, int32_t x, int32_t y)
{
	switch (op) {
	case OP_REQUANT: { /* shr, then the int8 output buffer's range (env_init asserts int8) */
		int32_t s = ref_alu_int(OP_SHR, x, y);
		return s < -128 ? -128 : s > 127 ? 127 : s;
	}
	case OP_MIN: return x < y ? x : y;
	case OP_MAX: return x > y ? x : y;
	case OP_ADD: return (int32_t)((uint32_t)x + (uint32_t)y);
	case OP_MUL: return (int32_t)((uint32_t)x * (uint32_t)y);
	case OP_SHR:
		if (y >= 0)
			return x >> (y > 31 ? 31 : y);
		if (-(int64_t)y >= 32)
			return 0;
		return (int32_t)((uint32_t)x << -y);
	case OP_CLIP: {
		int64_t lo = -(int64_t)y - 1, hi = y;
		return (int32_t)(x < lo ? lo : x > hi ? hi : x);
	}
	case OP_MOV: return y;
	default: return 0;
	}
}

static inline float ref_alu_f32(enum alu_op op, float x, float y)
{
	switch (op) {
	case OP_MIN: return x < y ? x : y;
	case OP_MAX: return x > y ? x : y;
	case OP_ADD: return x + y;
	case OP_MUL: return x * y;
	case OP_SHR: return ldexpf(x, -(int)y); /* y holds whole numbers here */
	case OP_CLIP: return x < -y ? -y : x > y ? y : x;
	case OP_MOV: return y;
	default: return 0;
	}
}

/* int8 / uint8 value of an input operand, as bytes for DRAM. */
static inline int32_t rnd_in8(const struct env *e)
{
	return e->in_unsigned ? (int32_t)(rnd() & 0xff) : (int32_t)(int8_t)rnd();
}

static inline uint8_t *bytes_of(const int32_t *v, size_t n)
{
	uint8_t *b = xmalloc(n ? n : 1);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)v[i];
	return b;
}

/* A loop instruction with random micro-ops, extents and factors. */
struct loopgen {
	int nuop;
	uint32_t ud[3], us[3], uw[3];
	uint32_t io, ii, d_o, d_i, s_o, s_i, w_o, w_i;
	int reset;
	/* ALU only */
	enum alu_op op;
	int use_imm;
	int32_t imm;
};

static inline void gen_loop(struct loopgen *g, uint32_t sd, uint32_t ss, uint32_t sw)
{
	memset(g, 0, sizeof *g);
	g->nuop = rnd_in(1, 3);
	for (int u = 0; u < g->nuop; u++)
		g->ud[u] = (uint32_t)rnd_in(0, 4) * sd, g->us[u] = (uint32_t)rnd_in(0, 4) * ss, g->uw[u] = (uint32_t)rnd_in(0, 3) * sw;
	g->io = (uint32_t)rnd_in(2, 3), g->ii = (uint32_t)rnd_in(2, 3);
	g->d_o = (uint32_t)rnd_in(0, 3) * sd, g->d_i = (uint32_t)rnd_in(0, 2) * sd;
	g->s_o = (uint32_t)rnd_in(0, 3) * ss, g->s_i = (uint32_t)rnd_in(0, 2) * ss;
	g->w_o = (uint32_t)rnd_in(0, 2) * sw, g->w_i = (uint32_t)rnd_in(0, 2) * sw;
	g->reset = (int)(rnd() & 1);
}

static inline uint64_t loop_max(const struct loopgen *g, int which)
{
	uint64_t mx = 0;
	for (int u = 0; u < g->nuop; u++) {
		uint64_t base = which == 0 ? g->ud[u] : which == 1 ? g->us[u] : g->uw[u];
		uint64_t fo = which == 0 ? g->d_o : which == 1 ? g->s_o : g->w_o;
		uint64_t fi = which == 0 ? g->d_i : which == 1 ? g->s_i : g->w_i;
		uint64_t v = base + (g->io - 1) * fo + (g->ii - 1) * fi;
		mx = v > mx ? v : mx;
	}
	return mx;
}

static inline void emit_loop(struct pb *b, const char *mnemonic, const struct loopgen *g, bool alu)
{
	int u0 = b->nuop;
	for (int u = 0; u < g->nuop; u++)
		pb_uop(b, g->ud[u], g->us[u], alu ? 0 : g->uw[u]);
	if (alu) {
		BODY(b, "alu op=%s uop_begin=%d uop_end=%d iter_out=%u iter_in=%u dst_out=%u dst_in=%u src_out=%u src_in=%u",
		     op_name[g->op], u0, u0 + g->nuop, g->io, g->ii, g->d_o, g->d_i, g->s_o, g->s_i);
		if (g->use_imm)
			BODY(b, " use_imm=1 imm=%d", g->imm);
		BODY(b, "\n");
	} else {
		BODY(b, "%s reset=%d uop_begin=%d uop_end=%d iter_out=%u iter_in=%u dst_out=%u dst_in=%u src_out=%u src_in=%u wgt_out=%u wgt_in=%u\n",
		     mnemonic, g->reset, u0, u0 + g->nuop, g->io, g->ii, g->d_o, g->d_i, g->s_o, g->s_i, g->w_o, g->w_i);
	}
}

/* The loop nest of the contract, in its order: o, then i, then micro-op. */
#define FOR_LOOP(g, dst, src, w)                                                                      \
	for (uint32_t o_ = 0; o_ < (g)->io; o_++)                                                    \
		for (uint32_t i_ = 0; i_ < (g)->ii; i_++)                                            \
			for (int u_ = 0; u_ < (g)->nuop; u_++)                                       \
				for (uint64_t dst = (g)->ud[u_] + o_ * (g)->d_o + i_ * (g)->d_i,     \
					      src = (g)->us[u_] + o_ * (g)->s_o + i_ * (g)->s_i,     \
					      w = (g)->uw[u_] + o_ * (g)->w_o + i_ * (g)->w_i, once_ = 1; \
				     once_; once_ = 0)

#endif
