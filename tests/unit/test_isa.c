/* The derived instruction layout: fields tile each kind without overlap,
 * encodings round-trip at their extremes, opcodes are distinct, and the
 * layout of VTA's default configuration matches widths worked out by hand. */
#include "isa/isa.h"
#include "test.h"

/* xorshift64: reproducible pseudo-random bits. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int bit(const uint8_t *b, unsigned i) { return (b[i / 8] >> (i % 8)) & 1; }

/* Every field of every kind lies inside the instruction, and no two fields of
 * a kind share a bit: mark each field's bits and count. */
static void test_fields_disjoint(const struct isa_layout *lay)
{
	for (int k = 0; k < lay->nkinds; k++) {
		unsigned char owner[256] = {0};
		unsigned total = 0;
		for (int f = 0; f < ISA_F_COUNT; f++) {
			struct isa_slot s = lay->kind[k].slot[f];
			for (unsigned b = s.offset; b < (unsigned)s.offset + s.width; b++) {
				ASSERT(b < lay->insn_bits);
				ASSERT(owner[b] == 0);
				owner[b] = (unsigned char)(f + 1);
			}
			total += s.width;
		}
		ASSERT_EQ(total, lay->kind[k].bits_used);
		ASSERT(lay->kind[k].bits_used <= lay->insn_bits);
		/* the opcode sits at bit 0 with the same width in every kind */
		ASSERT_EQ(lay->kind[k].slot[ISA_F_OPCODE].offset, 0);
		ASSERT_EQ(lay->kind[k].slot[ISA_F_OPCODE].width, lay->width[ISA_W_OPCODE]);
		ASSERT_EQ(lay->kind[k].opcode, (unsigned)k);
	}
}

static void fill(const struct isa_layout *lay, int kind, struct isa_insn *in, int extreme)
{
	memset(in, 0, sizeof *in);
	in->kind = kind;
	for (int f = 1; f < ISA_F_COUNT; f++)
		if (isa_has_field(lay, kind, f))
			in->f[f] = extreme > 0 ? isa_field_max(lay, kind, f) : isa_field_min(lay, kind, f);
}

/* Setting one field to all ones sets exactly its own bits plus the opcode. */
static void test_single_field_bits(const struct isa_layout *lay)
{
	for (int k = 0; k < lay->nkinds; k++)
		for (int f = 1; f < ISA_F_COUNT; f++) {
			struct isa_slot s = lay->kind[k].slot[f];
			if (!s.width)
				continue;
			struct isa_insn in = {.kind = k};
			in.f[f] = isa_field_value(f) == ISA_V_SINT ? -1 : isa_field_max(lay, k, f);
			uint8_t buf[ISA_MAX_INSN_BYTES];
			isa_encode(lay, &in, buf);
			for (unsigned b = lay->width[ISA_W_OPCODE]; b < lay->insn_bits; b++)
				ASSERT_EQ(bit(buf, b), b >= s.offset && b < (unsigned)s.offset + s.width);
			struct isa_insn out;
			char why[256];
			ASSERT_EQ(isa_decode(lay, buf, &out, why), 0);
			ASSERT_EQ(out.kind, k);
			for (int g = 0; g < ISA_F_COUNT; g++)
				if (g != ISA_F_OPCODE)
					ASSERT_EQ(out.f[g], g == f ? in.f[f] : 0);
		}
}

static void test_extremes(const struct isa_layout *lay)
{
	for (int k = 0; k < lay->nkinds; k++)
		for (int extreme = -1; extreme <= 1; extreme += 2) {
			struct isa_insn in, out;
			fill(lay, k, &in, extreme);
			uint8_t buf[ISA_MAX_INSN_BYTES];
			char why[256];
			isa_encode(lay, &in, buf);
			ASSERT_EQ(isa_decode(lay, buf, &out, why), 0);
			ASSERT_EQ(out.kind, k);
			for (int f = 1; f < ISA_F_COUNT; f++)
				ASSERT_EQ(out.f[f], in.f[f]);
		}
}

/* Random bit strings with a valid opcode and zero reserved bits decode and
 * re-encode to the same bits: the fields cover every used bit. */
static void test_random_reencode(const struct isa_layout *lay)
{
	for (int trial = 0; trial < 2000; trial++) {
		uint8_t buf[ISA_MAX_INSN_BYTES] = {0}, again[ISA_MAX_INSN_BYTES];
		for (unsigned i = 0; i < lay->insn_bytes; i++)
			buf[i] = (uint8_t)next_random();
		int k = (int)(next_random() % (uint64_t)lay->nkinds);
		unsigned ow = lay->width[ISA_W_OPCODE];
		for (unsigned b = 0; b < lay->insn_bits; b++) {
			int v = b < ow ? (k >> b) & 1 : b < lay->kind[k].bits_used ? bit(buf, b) : 0;
			buf[b / 8] = (uint8_t)((buf[b / 8] & ~(1u << (b % 8))) | ((unsigned)v << (b % 8)));
		}
		struct isa_insn in;
		char why[256];
		ASSERT_EQ(isa_decode(lay, buf, &in, why), 0);
		ASSERT_EQ(in.kind, k);
		isa_encode(lay, &in, again);
		ASSERT(memcmp(buf, again, lay->insn_bytes) == 0);
	}
}

static void test_decode_rejects(const struct isa_layout *lay)
{
	uint8_t buf[ISA_MAX_INSN_BYTES] = {0};
	struct isa_insn in;
	char why[256];
	unsigned ow = lay->width[ISA_W_OPCODE];
	if ((1u << ow) > (unsigned)lay->nkinds) {
		buf[0] = (uint8_t)((1u << ow) - 1); /* the largest opcode is unused */
		ASSERT_EQ(isa_decode(lay, buf, &in, why), -1);
		ASSERT(strstr(why, "illegal opcode") != NULL);
	}
	for (int k = 0; k < lay->nkinds; k++) {
		if (lay->kind[k].bits_used == lay->insn_bits)
			continue;
		memset(buf, 0, sizeof buf);
		buf[0] = (uint8_t)k;
		unsigned b = lay->insn_bits - 1;
		buf[b / 8] |= (uint8_t)(1u << (b % 8));
		ASSERT_EQ(isa_decode(lay, buf, &in, why), -1);
		ASSERT(strstr(why, "reserved bit") != NULL);
	}
}

static void test_uops(const struct isa_layout *lay)
{
	ASSERT((uint32_t)(lay->uop_dst.width + lay->uop_src.width + lay->uop_wgt.width) <= lay->uop_bits);
	ASSERT_EQ(lay->uop_src.offset, lay->uop_dst.width);
	ASSERT_EQ(lay->uop_wgt.offset, lay->uop_dst.width + lay->uop_src.width);
	for (int trial = 0; trial < 500; trial++) {
		struct isa_uop u = {(uint32_t)next_random() & ((1u << lay->uop_dst.width) - 1),
				    (uint32_t)next_random() & ((1u << lay->uop_src.width) - 1),
				    (uint32_t)next_random() & ((1u << lay->uop_wgt.width) - 1)}, v;
		uint8_t buf[8];
		char why[256];
		isa_encode_uop(lay, &u, buf);
		ASSERT_EQ(isa_decode_uop(lay, buf, &v, why), 0);
		ASSERT(u.dst == v.dst && u.src == v.src && u.wgt == v.wgt);
		ASSERT_EQ(isa_check_uop(lay, &u, why), 0);
	}
	struct isa_uop big = {1u << lay->uop_dst.width, 0, 0};
	char why[256];
	ASSERT_EQ(isa_check_uop(lay, &big, why), -1);
}

/* VTA's default worked out by hand from examples/hw/vta-default.yaml:
 * 6 kinds -> 3 opcode bits; inp 32 KiB / 16 B = 2048 (11 bits), wgt
 * 256 KiB / 256 B = 1024 (10), acc 128 KiB / 64 B = 2048 (11), out 2048,
 * uop 32 KiB / 4 B = 8192 (13 bits, end 14); 5 levels -> 3 bits. */
static void test_vta_by_hand(void)
{
	struct hw hw;
	struct isa_layout lay;
	struct diags err = {0};
	test_load_example("vta-default", &hw);
	ASSERT_EQ(isa_derive(&hw, &lay, &err), 0);
	ASSERT_EQ(lay.nkinds, 6);
	ASSERT_EQ(lay.width[ISA_W_OPCODE], 3);
	ASSERT_EQ(lay.width[ISA_W_BUFFER], 3);
	ASSERT_EQ(lay.width[ISA_W_INDEX], 13);
	ASSERT_EQ(lay.width[ISA_W_DST], 11);
	ASSERT_EQ(lay.width[ISA_W_SRC], 11);
	ASSERT_EQ(lay.width[ISA_W_WGT], 10);
	ASSERT_EQ(lay.width[ISA_W_LOOP], 14);
	ASSERT_EQ(lay.width[ISA_W_PAD], 4);
	ASSERT_EQ(lay.width[ISA_W_VALUES], 8); /* 1 to 255 of the weight element's 16 x 16 values */
	ASSERT_EQ(lay.width[ISA_W_DIAG], 1); /* the 16 x 16 weight element's one diagonal block */
	int load = isa_kind_lookup(&lay, "load"), gemm = isa_kind_lookup(&lay, "gemm"), alu = isa_kind_lookup(&lay, "alu");
	/* 3 + 4 tokens + buf 3 + idx 13 + addr 32 + 3 x 16 + 4 x 4 pads + values 8 + diag 1 */
	ASSERT_EQ(lay.kind[load].bits_used, 128);
	/* 3 + 4 + reset 1 + uop 13 + 14 + iter 2 x 14 + dst 2 x 11 + src 2 x 11 + wgt 2 x 10 */
	ASSERT_EQ(lay.kind[gemm].bits_used, 127);
	/* 3 + 4 + uop 13 + 14 + iter 28 + dst 22 + src 22 + op 3 + use_imm 1 + imm 16 */
	ASSERT_EQ(lay.kind[alu].bits_used, 126);
	ASSERT_EQ(lay.kind[load].slot[ISA_F_BUF].offset, 7);
	ASSERT_EQ(lay.kind[load].slot[ISA_F_ADDR].offset, 23);
	ASSERT_EQ(lay.kind[gemm].opcode, 5);
	ASSERT_EQ(lay.uop_bits, 32);
	ASSERT_EQ(isa_field_min(&lay, alu, ISA_F_IMM), -32768);
	ASSERT_EQ(isa_field_max(&lay, alu, ISA_F_IMM), 32767);
	diag_free(&err);
}

/* A configuration whose fields cannot fit says which instruction and where. */
static void test_too_wide(void)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/examples/hw/vta-default.yaml", test_source_dir());
	struct diags err = {0};
	struct hw hw;
	test_load_example("vta-default", &hw);
	hw.isa.instruction_bits = 64;
	struct isa_layout lay;
	ASSERT_EQ(isa_derive(&hw, &lay, &err), -1);
	ASSERT(err.n >= 1);
	if (err.n) {
		ASSERT(strstr(err.v[0].msg, "needs") && strstr(err.v[0].msg, "instruction_bits is 64"));
		ASSERT_EQ(err.v[0].line, hw.isa.instruction_bits_loc.line);
	}
	diag_free(&err);
}

static void test_checks_semantics(const struct hw *hw, const struct isa_layout *lay)
{
	enum isa_field bad;
	char why[256];
	struct isa_insn in = {.kind = isa_kind_of_class(lay, ISA_CLASS_LOAD)};
	in.f[ISA_F_BUF] = hw->role_level[HW_ROLE_INPUT];
	in.f[ISA_F_XSIZE] = in.f[ISA_F_YSIZE] = 1;
	ASSERT_EQ(isa_check_insn(lay, &in, &bad, why), 0);
	in.f[ISA_F_POP_PREV] = 1; /* the load module has no previous module */
	ASSERT_EQ(isa_check_insn(lay, &in, &bad, why), -1);
	ASSERT_EQ(bad, ISA_F_POP_PREV);
	in.f[ISA_F_POP_PREV] = 0;
	in.f[ISA_F_BUF] = hw->role_level[HW_ROLE_OUTPUT];
	ASSERT_EQ(isa_check_insn(lay, &in, &bad, why), -1);
	ASSERT_EQ(bad, ISA_F_BUF);
	in.f[ISA_F_BUF] = hw->role_level[HW_ROLE_ACCUMULATOR];
	ASSERT_EQ(isa_queue_of(lay, &in), ISA_Q_COMPUTE);
	in.f[ISA_F_POP_PREV] = 1; /* fine on compute */
	ASSERT_EQ(isa_check_insn(lay, &in, &bad, why), 0);
}

int main(void)
{
	for (int i = 0; i < TEST_NEXAMPLES; i++) {
		struct hw hw;
		struct isa_layout lay;
		struct diags err = {0};
		test_load_example(test_examples[i], &hw);
		ASSERT_EQ(isa_derive(&hw, &lay, &err), 0);
		diag_print(&err, stderr);
		diag_free(&err);
		ASSERT_EQ(lay.nkinds, 5 + hw.nintrinsics);
		test_fields_disjoint(&lay);
		test_single_field_bits(&lay);
		test_extremes(&lay);
		test_random_reencode(&lay);
		test_decode_rejects(&lay);
		test_uops(&lay);
		test_checks_semantics(&hw, &lay);
	}
	test_vta_by_hand();
	test_too_wide();
	return test_done("test_isa");
}
