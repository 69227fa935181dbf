/* tessel compile: a workload's accelerator ops lowered into one program.
 * Ops run one after another; each reads its inputs from its own segments,
 * packed at compile time (for tensors other ops compute, from the host
 * backend's values), and writes its output segment.  Ops no intrinsic can
 * run are listed and left to the host (tessel exec runs them there). */
#include <stdio.h>
#include <stdlib.h>

#include "../compiler/compile.h"
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
	if (cli_load_hw(o.hw, &hw))
		return CLI_BAD_INPUT;
	struct wl_workload w;
	struct diags err = {0};
	if (wl_load_file(o.pos[0], &w, &err)) {
		cli_print_errors(&err, o.pos[0]);
		diag_free(&err);
		return CLI_BAD_INPUT;
	}
	struct cc_plan *plans = xcalloc((size_t)w.g.nops + 1, sizeof *plans);
	cc_plan_ops(&hw, &w.g, plans);
	int *ops = xcalloc((size_t)w.g.nops + 1, sizeof *ops), nops = 0;
	for (int op = 0; op < w.g.nops; op++)
		if (!plans[op].on_host)
			ops[nops++] = op;
	uint8_t **t = rt_tensor_buffers(&w);
	struct isa_program p;
	struct lw_builder b = {0};
	rc = CLI_BAD_INPUT;
	if (!nops)
		diag_add(&err, NULL, 0, 0, "no op of workload '%s' runs on '%s' (tessel match says why)", w.name, hw.name);
	else if (!rt_host_all(&w, t, &err) && !isa_program_init(&p, &hw, &err)) {
		lw_builder_init(&b, &p);
		if (!cc_build(&w.g, plans, ops, nops, (const uint8_t *const *)t, &b, &err) && !isa_tsp_write(&p, o.out, &err)) {
			if (!o.json)
				printf("%s for %s: %d of %d ops on the accelerator, %d instructions, %d micro-ops -> %s\n", w.name,
				       hw.name, nops, w.g.nops, p.ninsn, p.nuop, o.out);
			print_plan(&hw, &w, plans, o.json);
			rc = CLI_OK;
		}
		lw_builder_free(&b);
		isa_program_free(&p);
	}
	cli_print_errors(&err, o.pos[0]);
	diag_free(&err);
	rt_free_buffers(&w, t);
	free(ops);
	free(plans);
	wl_free(&w);
	return rc;
}
