/* Assembly and program files: asm -> .tsp -> disasm -> asm is the identity
 * on every example configuration; addresses are placed and resolved as
 * documented; damaged files are refused with the right reason. */
#include "isa/program.h"
#include "test.h"

#include <xxhash.h>

/* A program using every instruction class, segments with data, micro-ops
 * and symbolic addresses, written with this hardware's names. */
static char *program_for(const struct hw *hw, const struct isa_layout *lay)
{
	const char *inp = hw->level[hw->role_level[HW_ROLE_INPUT]].name;
	const char *wgt = hw->level[hw->role_level[HW_ROLE_WEIGHT]].name;
	const char *acc = hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].name;
	const char *out = hw->level[hw->role_level[HW_ROLE_OUTPUT]].name;
	const char *uop = hw->level[hw->role_level[HW_ROLE_UOP]].name;
	const char *gemm = lay->kind[isa_kind_of_class(lay, ISA_CLASS_GEMM)].mnemonic;
	return xasprintf("; every instruction class\n"
			 ".segment x input size=64\n"
			 ".data 1 2 3 -4 0xff\n"
			 ".i16 -300 7\n"
			 ".segment w weight size=4096 align=4096\n"
			 ".i32 -1 2147483647\n"
			 ".f32 1.5 -0.25\n"
			 ".segment y output size=256\n"
			 ".uop dst=0 src=0 wgt=0\n"
			 ".uop dst=1 src=2 wgt=3   # comment\n"
			 "load buf=%s idx=0 addr=@uops xsize=2 ysize=1 xstride=2\n"
			 "load buf=%s idx=0 addr=@x ysize=1 xsize=1 xstride=1 ypad0=1 xpad1=2 push_next\n"
			 "load buf=%s idx=0 addr=@w+1 ysize=1 xsize=1 xstride=1 push_next\n"
			 "sync queue=compute pop_prev\n"
			 "%s uop_begin=0 uop_end=2 iter_out=1 iter_in=3 reset=1 dst_in=1 src_in=1 wgt_in=1\n"
			 "alu op=add uop_begin=0 uop_end=1 iter_out=2 iter_in=1 use_imm=1 imm=-5 dst_out=1 push_next\n"
			 "alu op=shr uop_begin=1 uop_end=2 iter_out=1 iter_in=1 src_out=3\n"
			 "store buf=%s idx=0 addr=@y ysize=1 xsize=1 xstride=1 pop_prev\n"
			 "sync queue=load\n"
			 "finish\n",
			 uop, inp, wgt, gemm, out);
	(void)acc;
}

static void test_round_trip(const char *name)
{
	struct hw hw;
	struct isa_layout lay;
	struct diags err = {0};
	test_load_example(name, &hw);
	ASSERT_EQ(isa_derive(&hw, &lay, &err), 0);
	char *src = program_for(&hw, &lay);
	struct isa_program p1, p2, p3;
	ASSERT_EQ(isa_assemble(src, "t.s", &hw, &p1, &err), 0);
	diag_print(&err, stderr);
	if (err.n) {
		free(src);
		diag_free(&err);
		return;
	}
	ASSERT_EQ(p1.ninsn, 10);
	ASSERT_EQ(p1.nuop, 2);
	ASSERT_EQ(p1.nseg, 3);
	size_t len1, len2;
	uint8_t *bin1 = isa_tsp_encode(&p1, &len1);
	ASSERT_EQ(isa_tsp_decode(bin1, len1, "t.tsp", &p2, &err), 0);
	char *text1 = isa_disassemble(&p2);
	ASSERT_EQ(isa_assemble(text1, "t2.s", &hw, &p3, &err), 0);
	diag_print(&err, stderr);
	uint8_t *bin2 = isa_tsp_encode(&p3, &len2);
	ASSERT_EQ(len1, len2);
	ASSERT(len1 == len2 && memcmp(bin1, bin2, len1) == 0);
	char *text2 = isa_disassemble(&p3);
	ASSERT_STR(text2, text1);

	/* Placement, worked out by hand: code at 0; micro-ops after the ten
	 * instructions, on a 64-byte boundary; x on the default alignment
	 * (64 or the largest element), w on 4096, y after w. */
	uint64_t code_end = 10ull * lay.insn_bytes, uops = (code_end + 63) / 64 * 64;
	uint64_t align = 64;
	for (int i = 0; i < hw.nlevels; i++)
		while (align < hw.level[i].elem_bytes)
			align *= 2;
	uint64_t x = (uops + 2ull * lay.uop_bytes + align - 1) / align * align;
	uint64_t w = (x + 64 + 4095) / 4096 * 4096;
	ASSERT_EQ(p1.code_addr, 0);
	ASSERT_EQ(p1.uop_addr, uops);
	ASSERT_EQ(p1.seg[0].addr, x);
	ASSERT_EQ(p1.seg[1].addr, w);
	ASSERT_EQ(p1.seg[2].addr, (w + 4096 + align - 1) / align * align);
	/* data: bytes, then little-endian int16 -300 = 0xfed4 */
	ASSERT_EQ(p1.seg[0].data_len, 9);
	ASSERT_EQ(p1.seg[0].data[3], 0xfc);
	ASSERT_EQ(p1.seg[0].data[5], 0xd4);
	ASSERT_EQ(p1.seg[0].data[6], 0xfe);
	ASSERT_EQ(p1.seg[1].data_len, 16);
	/* @w+1 in weight elements */
	uint32_t welem = hw.level[hw.role_level[HW_ROLE_WEIGHT]].elem_bytes;
	if (w % welem == 0)
		ASSERT_EQ(p1.insn[2].f[ISA_F_ADDR], (int64_t)(w / welem + 1));
	ASSERT_EQ(p1.insn[5].f[ISA_F_IMM], -5);

	free(bin1);
	free(bin2);
	free(text1);
	free(text2);
	free(src);
	isa_program_free(&p1);
	isa_program_free(&p2);
	isa_program_free(&p3);
	diag_free(&err);
}

/* Every prefix of a valid file is refused as truncated (or as no program at
 * all, when even the magic is cut), and any flipped byte is caught. */
static void test_damaged_files(void)
{
	struct hw hw;
	struct isa_layout lay;
	struct diags err = {0};
	test_load_example("vta-default", &hw);
	isa_derive(&hw, &lay, &err);
	char *src = program_for(&hw, &lay);
	struct isa_program p, q;
	ASSERT_EQ(isa_assemble(src, "t.s", &hw, &p, &err), 0);
	size_t len;
	uint8_t *bin = isa_tsp_encode(&p, &len);
	for (size_t cut = 0; cut < len; cut += (cut < 80 ? 1 : 37)) {
		struct diags e = {0};
		ASSERT_EQ(isa_tsp_decode(bin, cut, "cut.tsp", &q, &e), -1);
		ASSERT(e.n == 1);
		if (e.n)
			ASSERT(strstr(e.v[0].msg, cut < 8 ? "not a tessel program" : "truncated") != NULL);
		diag_free(&e);
	}
	for (size_t at = 8; at < len; at += 13) {
		struct diags e = {0};
		bin[at] ^= 0x20;
		ASSERT_EQ(isa_tsp_decode(bin, len, "flip.tsp", &q, &e), -1);
		ASSERT(e.n >= 1);
		bin[at] ^= 0x20;
		diag_free(&e);
	}
	/* Forged files: damage then re-seal with a valid checksum, so the
	 * structure itself is what must be checked. */
	for (size_t at = 8; at < len - 8; at += (at < 96 ? 1 : 11)) {
		for (int v = 0; v < 3; v++) {
			uint8_t *f = xmalloc(len);
			memcpy(f, bin, len);
			f[at] = v == 0 ? 0xff : v == 1 ? 0x00 : (uint8_t)(f[at] + 1);
			uint64_t h = XXH64(f, len - 8, 0);
			for (int k = 0; k < 8; k++)
				f[len - 8 + k] = (uint8_t)(h >> (8 * k));
			struct diags e = {0};
			int rc = isa_tsp_decode(f, len, "forged.tsp", &q, &e);
			ASSERT(rc == 0 ? e.n == 0 : e.n > 0);
			if (rc == 0)
				isa_program_free(&q);
			diag_free(&e);
			free(f);
		}
	}
	ASSERT_EQ(isa_tsp_decode(bin, len, "ok.tsp", &q, &err), 0);
	isa_program_free(&q);
	free(bin);
	free(src);
	isa_program_free(&p);
	diag_free(&err);
}

static void expect_asm_error(const char *src, int line, int col, const char *fragment)
{
	struct hw hw;
	struct diags err = {0};
	struct isa_program p;
	test_load_default(&hw);
	ASSERT_EQ(isa_assemble(src, "e.s", &hw, &p, &err), -1);
	ASSERT(err.n >= 1);
	if (err.n) {
		ASSERT_EQ(err.v[0].line, line);
		ASSERT_EQ(err.v[0].col, col);
		if (!strstr(err.v[0].msg, fragment))
			fprintf(stderr, "message was: %s\n", err.v[0].msg);
		ASSERT(strstr(err.v[0].msg, fragment) != NULL);
	}
	diag_free(&err);
}

static void test_errors(void)
{
	expect_asm_error("finish\nfoo x=1\n", 2, 1, "unknown instruction 'foo'");
	expect_asm_error("load buf=inp ysize=1 xsize=70000 xstride=1\n", 1, 28, "does not fit its 16-bit field");
	expect_asm_error("load buf=inp ysize=1 xsize=1 addr=@nope\n", 1, 35, "unknown segment 'nope'");
	/* several errors are all reported */
	struct hw hw;
	struct diags err = {0};
	struct isa_program p;
	test_load_default(&hw);
	ASSERT_EQ(isa_assemble("bogus\nfinish\nalu op=nop\n", "e.s", &hw, &p, &err), -1);
	ASSERT_EQ(err.n, 2);
	diag_free(&err);
	/* ... those found once every segment is placed too: an unknown
	 * segment, a segment outside DRAM, beside a line's error */
	ASSERT_EQ(isa_assemble(".segment f input size=16 addr=0x3fffffff\nload buf=inp idx=0 addr=@nope ysize=1 xsize=1 "
			       "xstride=1\nbogus\nfinish\n", "e.s", &hw, &p, &err), -1);
	ASSERT(err.n == 3 && strstr(err.v[0].msg, "unknown instruction 'bogus'") &&
	       strstr(err.v[1].msg, "unknown segment 'nope'") && strstr(err.v[2].msg, "segment 'f' (0x3fffffff to 0x4000000f) lies outside DRAM"));
	diag_free(&err);
	/* an offset past int64: said so, not wrapped to a negative address */
	expect_asm_error(".segment a input size=16\nload buf=inp idx=0 addr=@a+9223372036854775807 ysize=1 xsize=1 xstride=1\n"
			 "finish\n", 2, 25, "addr=@a+9223372036854775807 is past the largest address");
	/* a narrow transfer of as many values as the element has: dot-i8's
	 * input element has 4, its field reaches 15 (the accumulator's 16) */
	test_load_example("dot-i8", &hw);
	ASSERT_EQ(isa_assemble("load buf=inp ysize=1 xsize=1 xstride=1 values=4\n", "e.s", &hw, &p, &err), -1);
	ASSERT(err.n == 1 && strstr(err.v[0].msg, "values=4 is not fewer than the 4 values of a 'inp' element"));
	diag_free(&err);
	ASSERT_EQ(isa_assemble("load buf=inp ysize=1 xsize=1 xstride=1 values=3\nfinish\n", "e.s", &hw, &p, &err), 0);
	isa_program_free(&p);
}

/* Damaged assembly: every cut, and a character replaced at many places by
 * ones that matter to the lexer, either assembles or fails with errors —
 * never a crash (meaningful under the sanitizers) and never silently. */
static void test_damaged_source(void)
{
	struct hw hw;
	struct isa_layout lay;
	struct diags err = {0};
	test_load_example("vta-default", &hw);
	isa_derive(&hw, &lay, &err);
	char *src = program_for(&hw, &lay);
	size_t n = strlen(src);
	static const char repl[] = "=@+-;#,x0 \n\t.9";
	char *buf = xmalloc(n + 1);
	int failures = 0, runs = 0;
	for (size_t at = 0; at < n; at++) {
		for (size_t r = 0; r < sizeof repl - 1; r += (at % 3) + 1) {
			memcpy(buf, src, n + 1);
			buf[at] = repl[r];
			struct diags e = {0};
			struct isa_program p;
			int rc = isa_assemble(buf, "m.s", &hw, &p, &e);
			ASSERT(rc == 0 ? e.n == 0 : e.n > 0);
			if (rc == 0)
				isa_program_free(&p);
			failures += rc != 0;
			runs++;
			diag_free(&e);
		}
		memcpy(buf, src, at);
		buf[at] = 0;
		struct diags e = {0};
		struct isa_program p;
		int rc = isa_assemble(buf, "cut.s", &hw, &p, &e);
		ASSERT(rc == 0 ? e.n == 0 : e.n > 0);
		if (rc == 0)
			isa_program_free(&p);
		diag_free(&e);
	}
	ASSERT(failures > 0 && failures < runs);
	free(buf);
	free(src);
	diag_free(&err);
}

int main(void)
{
	test_damaged_source();
	for (int i = 0; i < TEST_NEXAMPLES; i++)
		test_round_trip(test_examples[i]);
	test_damaged_files();
	test_errors();
	return test_done("test_asm");
}
