/* rtl_diag HW.yaml [-o PROG.s]: diagonal loads (docs/isa.md, "A diagonal
 * load") on the RTL against the simulator.  Random programs rarely compute
 * with the weights they load, so this program puts weights where the
 * intrinsic reads them: random whole weight elements first, then over
 * them, for every diagonal block of the weight element, loads of the most
 * values the block holds, of one value and of one less than the most, each
 * two rows of two elements with a padding row and column, their values
 * packed and random; one intrinsic beat per weight element on a random
 * input element, every result stored.  The simulator and the RTL must
 * agree on every byte of DRAM and every statistic (cosim_program).  With
 * -o, the program is written to PROG.s instead (for the SystemC model,
 * tests/systemc). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "device/cosim.h"
#include "isa/program.h"
#include "rtl/rtl.h"
#include "sim/simulator.h"

enum { ROWS = 2, COLS = 2, PER_LOAD = (ROWS + 1) * (COLS + 1), MAX_LOADS = 64 };

static uint64_t state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	state ^= state << 13, state ^= state >> 7, state ^= state << 17;
	return (uint32_t)(state >> 16);
}

/* n random values of type t as .data lines: nonzero, and finite numbers in
 * [1, 2) for a floating type, so that every value placed shows in a sum. */
static void random_data(struct strbuf *s, enum dtype t, uint64_t n)
{
	uint32_t vb = dtype_bytes(t);
	uint64_t at = 0;
	for (uint64_t v = 0; v < n; v++) {
		uint32_t x = rnd() | 1;
		if (dtype_float(t))
			x = vb == 2 ? 0x3c00u | (x & 0x3ffu) : 0x3f800000u | (x & 0x7fffffu);
		for (uint32_t b = 0; b < vb; b++, at++)
			sb_printf(s, "%s%u", at % 16 ? " " : at ? "\n.data " : ".data ", (x >> (8 * b)) & 0xffu);
	}
	if (at)
		sb_puts(s, "\n");
}

int main(int argc, char **argv)
{
	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "-o"))) {
		fprintf(stderr, "usage: rtl_diag HW.yaml [-o PROG.s]\n");
		return 2;
	}
	struct hw hw;
	struct isa_layout lay;
	struct diags err = {0};
	if (hw_load_file(argv[1], &hw, &err) || isa_derive(&hw, &lay, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	int wi = hw.role_level[HW_ROLE_WEIGHT];
	const struct hw_level *in = &hw.level[hw.role_level[HW_ROLE_INPUT]], *w = &hw.level[wi];
	const struct hw_level *out = &hw.level[hw.role_level[HW_ROLE_OUTPUT]];
	uint32_t blocks = isa_diagonal_blocks(&hw, wi);
	if (!blocks) {
		fprintf(stderr, "rtl_diag: '%s' has no diagonal loads; expected a description whose weight scratchpad "
				"'%s' is under DRAM with elements of several rows and columns\n",
			hw.name, w->name);
		return 1;
	}
	/* the loads: block, values, packed values before them */
	uint32_t block[MAX_LOADS], values[MAX_LOADS], nloads = 0;
	uint64_t first[MAX_LOADS], packed = 0;
	for (uint32_t d = 1; d <= blocks; d++) {
		uint32_t room = isa_diagonal_room(&hw, wi, d), n[3] = {room, 1, room - 1};
		for (int k = 0; k < 3 && nloads < MAX_LOADS; k++) {
			if (!n[k] || (k && n[k] == room) || (k == 2 && n[k] == 1))
				continue;
			block[nloads] = d, values[nloads] = n[k], first[nloads] = packed;
			packed += (ROWS - 1) * (COLS * n[k] + 1) + COLS * n[k]; /* a value between rows */
			nloads++;
		}
	}
	uint32_t nw = nloads * PER_LOAD;
	int gemm = isa_kind_of_class(&lay, ISA_CLASS_GEMM);
	const char *uop = hw.level[hw.role_level[HW_ROLE_UOP]].name;
	struct strbuf s = {0};
	sb_printf(&s, "; diagonal loads on '%s'\n.segment a input size=%u\n", hw.name, in->elem_bytes);
	random_data(&s, in->dtype, in->elem_bytes / dtype_bytes(in->dtype));
	sb_printf(&s, ".segment pre weight size=%" PRIu64 "\n", (uint64_t)nw * w->elem_bytes);
	random_data(&s, w->dtype, (uint64_t)nw * (w->elem_bytes / dtype_bytes(w->dtype)));
	sb_printf(&s, ".segment w weight size=%" PRIu64 "\n", packed * dtype_bytes(w->dtype));
	random_data(&s, w->dtype, packed);
	sb_printf(&s, ".segment y output size=%" PRIu64 "\n.uop dst=0 src=0 wgt=0\n", (uint64_t)nw * out->elem_bytes);
	sb_printf(&s, "load buf=%s idx=0 addr=@uops ysize=1 xsize=1 xstride=1\n", uop);
	sb_printf(&s, "load buf=%s idx=0 addr=@a ysize=1 xsize=1 xstride=1\n", in->name);
	sb_printf(&s, "load buf=%s idx=0 addr=@pre ysize=%u xsize=%d xstride=%d\n", w->name, nloads, PER_LOAD, PER_LOAD);
	for (uint32_t l = 0; l < nloads; l++)
		sb_printf(&s,
			  "load buf=%s idx=%u addr=@w+%" PRIu64 " ysize=%d xsize=%d xstride=%u ypad1=1 xpad0=1 values=%u "
			  "diag=%u%s\n",
			  w->name, l * PER_LOAD, first[l], ROWS, COLS, COLS * values[l] + 1, values[l], block[l],
			  l + 1 == nloads ? " push_next" : "");
	sb_printf(&s,
		  "%s reset=1 uop_begin=0 uop_end=1 iter_out=%u iter_in=%d dst_out=%d dst_in=1 wgt_out=%d wgt_in=1 "
		  "pop_prev push_next\n",
		  lay.kind[gemm].mnemonic, nloads, PER_LOAD, PER_LOAD, PER_LOAD);
	sb_printf(&s, "store buf=%s idx=0 addr=@y ysize=%u xsize=%d xstride=%d pop_prev push_prev\nfinish pop_next\n",
		  out->name, nloads, PER_LOAD, PER_LOAD);
	char *text = sb_take(&s);
	if (argc == 4) {
		FILE *f = text ? fopen(argv[3], "w") : NULL;
		bool bad = !f || fputs(text, f) < 0;
		if ((f && fclose(f)) || bad) {
			fprintf(stderr, "rtl_diag: cannot write the program to '%s'; expected a writable path\n", argv[3]);
			return 1;
		}
		free(text);
		return 0;
	}
	struct isa_program p;
	if (!text || isa_assemble(text, "(diagonal loads)", &hw, &p, &err)) {
		diag_print(&err, stderr);
		fprintf(stderr, "%s", text ? text : "");
		return 1;
	}
	free(text);
	struct cosim_result res;
	int rc = cosim_program(&p, &dev_sim, &dev_rtl, &res, &err);
	if (rc)
		printf("%s: %s\n", hw.name, rc > 0 ? res.what : "cannot run");
	diag_print(&err, stdout);
	printf("%s: %u diagonal loads (blocks 1 to %u) under %u intrinsic beats: %s; %" PRIu64 " cycles, %" PRIu64
	       " bytes of DRAM compared\n",
	       hw.name, nloads, blocks, nw, rc ? "mismatch" : "sim and rtl agree", res.ref.cycles, res.bytes_compared);
	isa_program_free(&p);
	diag_free(&err);
	return rc ? 1 : 0;
}
