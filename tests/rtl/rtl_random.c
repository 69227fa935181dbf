/* rtl_random HW.yaml FIRST_SEED COUNT ITERATIONS [KNOBS]: COUNT random programs
 * (tessel randprog, seeds FIRST_SEED..., with --knobs KNOBS) co-simulated on the C simulator and
 * the RTL, in one process so the model is loaded once.  Every program must
 * agree byte for byte on DRAM and on every statistic, cycles first. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "isa/program.h"
#include "device/cosim.h"
#include "sim/simulator.h"
#include "rtl/rtl.h"

int main(int argc, char **argv)
{
	unsigned knobs = 0;
	char why[256];
	if (argc < 5 || argc > 6 || (argc == 6 && isa_randprog_parse_knobs(argv[5], &knobs, why, sizeof why))) {
		fprintf(stderr, "usage: rtl_random HW.yaml FIRST_SEED COUNT ITERATIONS [KNOBS]%s%s\n", argc == 6 ? ": " : "",
			argc == 6 ? why : "");
		return 2;
	}
	struct hw hw;
	struct isa_layout lay;
	struct diags err = {0};
	if (hw_load_file(argv[1], &hw, &err) || isa_derive(&hw, &lay, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	uint64_t first = strtoull(argv[2], NULL, 10), count = strtoull(argv[3], NULL, 10);
	int iterations = atoi(argv[4]);
	uint64_t cycles = 0, insns = 0, bytes = 0, failed = 0;
	uint64_t narrow[2] = {0}, diag[2] = {0}; /* narrow and diagonal transfers with DRAM, with a shared level */
	for (uint64_t seed = first; seed < first + count; seed++) {
		char *text = isa_randprog_knobs(&hw, &lay, seed, iterations, knobs, &err);
		struct isa_program p;
		if (!text || isa_assemble(text, "(random program)", &hw, &p, &err)) {
			diag_print(&err, stderr);
			return 1;
		}
		free(text);
		for (int i = 0; i < p.ninsn; i++) {
			const struct isa_insn *in = &p.insn[i];
			int cls = p.layout.kind[in->kind].cls;
			if ((cls == ISA_CLASS_LOAD || cls == ISA_CLASS_STORE) && in->f[ISA_F_VALUES]) {
				int shared = hw.level[in->f[ISA_F_BUF]].parent >= 0;
				narrow[shared]++;
				diag[shared] += in->f[ISA_F_DIAG] != 0;
			}
		}
		struct cosim_result res;
		int rc = cosim_program(&p, &dev_sim, &dev_rtl, &res, &err);
		if (rc) {
			failed++;
			printf("seed %" PRIu64 ": %s\n", seed, rc > 0 ? res.what : "cannot run");
			diag_print(&err, stdout);
			diag_free(&err);
			err = (struct diags){0};
		}
		cycles += res.ref.cycles;
		insns += res.ref.insns_total;
		bytes += res.bytes_compared;
		isa_program_free(&p);
	}
	printf("%s: %" PRIu64 " random programs (seeds %" PRIu64 "..%" PRIu64 ", %d iterations%s%s): %" PRIu64
	       " mismatches; %" PRIu64 " cycles, %" PRIu64 " instructions, %" PRIu64 " bytes of DRAM compared; "
	       "narrow transfers: %" PRIu64 " with DRAM (%" PRIu64 " diagonal), %" PRIu64 " with a shared level (%" PRIu64
	       " diagonal)\n",
	       hw.name, count, first, first + count - 1, iterations, argc == 6 ? ", knobs " : "", argc == 6 ? argv[5] : "",
	       failed, cycles, insns, bytes, narrow[0], diag[0], narrow[1], diag[1]);
	return failed ? 1 : 0;
}
