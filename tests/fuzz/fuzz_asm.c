/* fuzz_asm: the assembler (isa_assemble), with the round trip as an
 * invariant: a program that assembles must encode, decode to the same
 * instructions and micro-ops, disassemble, and assemble again to the same
 * bytes and the same text.
 *
 * The hardware is the built-in default, or the example description named by
 * a first line `; hw: NAME` (examples/hw/NAME.yaml, read once). */
#include "fuzz.h"
#include "hwdesc/hw.h"
#include "isa/program.h"

#ifndef TESSEL_SOURCE_DIR
#error "TESSEL_SOURCE_DIR must name the source tree (for examples/hw)"
#endif

static const char *const hw_names[] = {"vta-default", "mma-fp16", "dot-i8", "edge-tiny", "server-wide"};
enum { NHW = sizeof hw_names / sizeof *hw_names };

static const struct hw *pick_hw(const char *text)
{
	static struct hw hw[NHW];
	static int loaded[NHW];
	int k = 0;
	if (!strncmp(text, "; hw: ", 6))
		for (int i = 0; i < NHW; i++) {
			size_t n = strlen(hw_names[i]);
			if (!strncmp(text + 6, hw_names[i], n) && (text[6 + n] == '\n' || !text[6 + n]))
				k = i;
		}
	if (!loaded[k]) {
		char path[4096];
		snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", TESSEL_SOURCE_DIR, hw_names[k]);
		struct diags err = {0};
		if (hw_load_file(path, &hw[k], &err)) {
			diag_print(&err, stderr);
			abort();
		}
		diag_free(&err);
		loaded[k] = 1;
	}
	return &hw[k];
}

/* The same instruction.  The opcode field is the kind's opcode; the
 * assembler leaves it 0 (the kind says it), the decoder fills it in. */
static int same_insn(const struct isa_layout *lay, const struct isa_insn *a, const struct isa_insn *b)
{
	if (a->kind != b->kind)
		return 0;
	for (int f = 0; f < ISA_F_COUNT; f++) {
		if (f == ISA_F_OPCODE) {
			uint32_t op = lay->kind[a->kind].opcode;
			if ((a->f[f] && a->f[f] != op) || (b->f[f] && b->f[f] != op))
				return 0;
		} else if (a->f[f] != b->f[f])
			return 0;
	}
	return 1;
}

static void same_program(const struct isa_program *a, const struct isa_program *b)
{
	FUZZ_CHECK(a->ninsn == b->ninsn && a->nuop == b->nuop && a->nseg == b->nseg);
	FUZZ_CHECK(a->code_addr == b->code_addr && a->uop_addr == b->uop_addr);
	for (int i = 0; i < a->ninsn; i++)
		FUZZ_CHECK(same_insn(&a->layout, &a->insn[i], &b->insn[i]));
	for (int i = 0; i < a->nuop; i++)
		FUZZ_CHECK(!memcmp(&a->uop[i], &b->uop[i], sizeof a->uop[i]));
	for (int i = 0; i < a->nseg; i++) {
		const struct isa_segment *s = &a->seg[i], *t = &b->seg[i];
		FUZZ_CHECK(!strcmp(s->name, t->name) && s->kind == t->kind && s->addr == t->addr && s->size == t->size);
		/* data may differ only in trailing zeros (zeros beyond data_len are implied) */
		uint64_t n = s->data_len < t->data_len ? s->data_len : t->data_len;
		FUZZ_CHECK(n == 0 || !memcmp(s->data, t->data, n));
		for (uint64_t j = n; j < s->data_len; j++)
			FUZZ_CHECK(s->data[j] == 0);
		for (uint64_t j = n; j < t->data_len; j++)
			FUZZ_CHECK(t->data[j] == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	const struct hw *hw = pick_hw(text);
	struct isa_program p1, p2, p3;
	struct diags err = {0};
	int rc = isa_assemble(text, "fuzz.s", hw, &p1, &err);
	FUZZ_CHECK(rc == 0 ? err.n == 0 : err.n > 0);
	diag_free(&err);
	if (rc) {
		free(text);
		return 0;
	}
	/* Each instruction and micro-op through the encoder and decoder. */
	for (int i = 0; i < p1.ninsn; i++) {
		uint8_t bits[ISA_MAX_INSN_BYTES] = {0};
		struct isa_insn back;
		char why[256];
		isa_encode(&p1.layout, &p1.insn[i], bits);
		FUZZ_CHECK(isa_decode(&p1.layout, bits, &back, why) == 0);
		FUZZ_CHECK(same_insn(&p1.layout, &back, &p1.insn[i]));
	}
	for (int i = 0; i < p1.nuop; i++) {
		uint8_t *bits = calloc(1, p1.layout.uop_bytes);
		struct isa_uop back;
		char why[256];
		isa_encode_uop(&p1.layout, &p1.uop[i], bits);
		FUZZ_CHECK(isa_decode_uop(&p1.layout, bits, &back, why) == 0);
		FUZZ_CHECK(!memcmp(&back, &p1.uop[i], sizeof back));
		free(bits);
	}
	/* The program through .tsp, the disassembler and the assembler again. */
	size_t len1, len2;
	uint8_t *bin1 = isa_tsp_encode(&p1, &len1);
	rc = isa_tsp_decode(bin1, len1, "fuzz.tsp", &p2, &err);
	if (rc)
		diag_print(&err, stderr);
	FUZZ_CHECK(rc == 0);
	same_program(&p1, &p2);
	char *text1 = isa_disassemble(&p2);
	rc = isa_assemble(text1, "disasm.s", hw, &p3, &err);
	if (rc) {
		diag_print(&err, stderr);
		fprintf(stderr, "--- disassembly ---\n%s", text1);
	}
	FUZZ_CHECK(rc == 0);
	same_program(&p1, &p3);
	uint8_t *bin2 = isa_tsp_encode(&p3, &len2);
	FUZZ_CHECK(len1 == len2 && !memcmp(bin1, bin2, len1));
	char *text2 = isa_disassemble(&p3);
	FUZZ_CHECK(!strcmp(text1, text2));
	free(text2);
	free(bin2);
	isa_program_free(&p3);
	free(text1);
	isa_program_free(&p2);
	free(bin1);
	isa_program_free(&p1);
	diag_free(&err);
	free(text);
	return 0;
}
