/* tessel cosim: a program on the simulator and on the RTL; they must agree
 * on every byte of DRAM the program lays out and every statistic. */
#include <inttypes.h>
#include <stdio.h>

#include "../rtl/cosim.h"
#include "cli.h"

int cli_cosim(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("cosim", argc, argv, CLI_OPT_HW, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	struct isa_program p;
	if (cli_load_program(o.pos[0], o.hw, &p))
		return CLI_BAD_INPUT;
	struct diags err = {0};
	struct cosim_result res;
	rc = cosim_program(&p, &dev_sim, &dev_rtl, &res, &err);
	if (rc == 0)
		printf("%s on %s: sim and rtl agree: %" PRIu64 " cycles, %" PRIu64 " instructions, %" PRIu64
		       " bytes of DRAM identical\n",
		       o.pos[0], p.hw.name, res.ref.cycles, res.ref.insns_total, res.bytes_compared);
	else if (rc == 1)
		printf("%s on %s: MISMATCH: %s\n", o.pos[0], p.hw.name, res.what);
	cli_print_errors(&err, o.pos[0]);
	diag_free(&err);
	isa_program_free(&p);
	return rc ? CLI_BAD_INPUT : CLI_OK;
}
