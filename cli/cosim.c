/* tessel cosim: a program on the simulator and on the RTL; they must agree
 * on every byte of DRAM the program lays out and every statistic. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compile.h"
#include "device/cosim.h"
#include "cli.h"
#include "hwdesc/energy.h"
#include "sim/simulator.h"
#include "rtl/rtl.h"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* A workload compiled as `tessel compile` does. */
static int compile_workload(const char *path, const char *hw_path, const char *dims, struct isa_program *p)
{
	struct hw hw;
	struct wl_workload w;
	if (cli_load_hw_workload(hw_path, path, dims, &hw, &w))
		return -1;
	struct diags err = {0};
	struct cc_plan *plans = xcalloc((size_t)w.g.nops + 1, sizeof *plans);
	struct cc_program prog = {0};
	int rc = cc_plan_ops(&hw, &w.g, plans, &err) ? -1 : cli_build_workload(&hw, &w, plans, NULL, &prog, &err);
	*p = prog.p; /* the program outlives what built it */
	memset(&prog.p, 0, sizeof prog.p);
	cc_program_free(&prog);
	free(plans);
	wl_free(&w);
	cli_print_errors(&err, path);
	diag_free(&err);
	return rc;
}

int cli_cosim(int argc, char **argv)
{
	struct cli_opts o;
	struct dev_run_opts ro = {0};
	if (cli_take_limits("cosim", &argc, argv, &ro))
		return CLI_USAGE;
	int rc = cli_parse("cosim", argc, argv, CLI_OPT_HW | CLI_OPT_DIMS, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	struct isa_program p;
	struct diags err = {0};
	bool workload = has_suffix(o.pos[0], ".yaml") || has_suffix(o.pos[0], ".onnx");
	if (o.dims && !workload) {
		cli_usage_error("cosim", "--dims sizes an ONNX model's dimensions; '%s' is a program", o.pos[0]);
		return CLI_USAGE;
	}
	if (has_suffix(o.pos[0], ".yaml") || has_suffix(o.pos[0], ".onnx") ? compile_workload(o.pos[0], o.hw, o.dims, &p) : cli_load_program(o.pos[0], o.hw, &p))
		return CLI_BAD_INPUT;
	struct cosim_result res;
	struct cc_host_runner host; /* both devices' host steps */
	cc_host_runner_init(&host);
	ro.host = &host.dev;
	rc = cosim_program_limited(&p, &dev_sim, &dev_rtl, &ro, &res, &err);
	cc_host_runner_close(&host);
	if (rc == 0)
	{
		struct hw_energy_report e;
		char j[32];
		hw_energy_of(&p.hw, &res.ref.act, res.ref.dram_read, res.ref.dram_written, res.ref.cycles, &e);
		printf("%s on %s: sim and rtl agree: %" PRIu64 " cycles, %" PRIu64 " instructions, %" PRIu64
		       " bytes of DRAM identical, the same actions (%s)\n",
		       o.pos[0], p.hw.name, res.ref.cycles, res.ref.insns_total, res.bytes_compared,
		       cli_joules(e.total, j, sizeof j));
	}
	else if (rc == 1)
		printf("%s on %s: MISMATCH: %s\n", o.pos[0], p.hw.name, res.what);
	else if (res.ref.limit)
		printf("%s on %s: stopped on sim at cycle %" PRIu64 " after %" PRIu64 " instructions\n", o.pos[0], p.hw.name,
		       res.ref.cycles, res.ref.insns_total);
	cli_print_errors(&err, o.pos[0]);
	diag_free(&err);
	isa_program_free(&p);
	return rc ? CLI_BAD_INPUT : CLI_OK;
}
