/* tessel compile: a workload's accelerator ops lowered into one program.
 * Ops run one after another; each reads its inputs from its own segments,
 * packed at compile time (for tensors other ops compute, from the host
 * backend's values), and writes its output segment.  Ops no intrinsic can
 * run are listed and left to the host (tessel exec runs them there). */
#include <stdio.h>
#include <stdlib.h>

#include "compiler/compile.h"
#include "cli.h"

static void print_plan(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans, bool json)
{
	const struct ir_graph *g = &w->g;
	if (json)
		printf("{\"workload\":\"%s\",\"hardware\":\"%s\",\"ops\":[", w->name, hw->name);
	for (int op = 0; op < g->nops; op++) {
		struct strbuf sb = {0};
		if (!plans[op].on_host) {
			tz_binding_format(hw, g, op, &plans[op].map.b, &sb);
			sb_puts(&sb, " | ");
			tz_mapping_format(&plans[op].map, &sb);
		}
		char *s = sb_take(&sb);
		if (json) {
			printf("%s{\"name\":", op ? "," : "");
			cli_json_string(stdout, g->op[op].name);
			printf(",\"device\":\"%s\",\"%s\":", plans[op].on_host ? "host" : "accelerator",
			       plans[op].on_host ? "why" : "mapping");
			cli_json_string(stdout, plans[op].on_host ? plans[op].why : s);
			printf("}");
		} else if (plans[op].on_host) {
			printf("  %-16s host: %s\n", g->op[op].name, plans[op].why);
		} else {
			printf("  %-16s %s\n", g->op[op].name, s);
		}
		free(s);
	}
	if (json)
		printf("]}\n");
}

int cli_compile(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("compile", argc, argv, CLI_OPT_HW | CLI_OPT_OUT | CLI_OPT_JSON, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	if (!o.out) {
		cli_usage_error("compile", "missing -o OUT.tsp");
		return CLI_USAGE;
	}
	struct hw hw;
	struct wl_workload w;
	if (cli_load_hw_workload(o.hw, o.pos[0], &hw, &w))
		return CLI_BAD_INPUT;
	struct diags err = {0};
	struct cc_plan *plans = xcalloc((size_t)w.g.nops + 1, sizeof *plans);
	cc_plan_ops(&hw, &w.g, plans);
	struct isa_program p;
	int nops;
	rc = CLI_BAD_INPUT;
	if (!rt_compile_program(&hw, &w, plans, &p, &nops, &err)) {
		if (!isa_tsp_write(&p, o.out, &err)) {
			if (!o.json)
				printf("%s for %s: %d of %d ops on the accelerator, %d instructions, %d micro-ops -> %s\n", w.name,
				       hw.name, nops, w.g.nops, p.ninsn, p.nuop, o.out);
			print_plan(&hw, &w, plans, o.json);
			rc = CLI_OK;
		}
		isa_program_free(&p);
	}
	cli_print_errors(&err, o.pos[0]);
	diag_free(&err);
	free(plans);
	wl_free(&w);
	return rc;
}
