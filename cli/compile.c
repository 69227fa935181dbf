/* tessel compile: a workload lowered into one program.  Ops run one after
 * another; an op in the direct form reads a tensor an earlier op stored
 * from that op's segment, other inputs come from gathers between runs or
 * from its own segments (the workload's inputs and weights, packed at
 * compile time), and each op writes its output segment.  Ops no intrinsic
 * can run are host steps between runs.  Nothing runs on the host at compile
 * time.  --dump-after PASS prints the program after that pass of the
 * pipeline instead of the summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "compiler/compile.h"
#include "cli.h"

/* JSON: the host steps, the runs and the gathers. */
static void print_json_program(const struct isa_program *p)
{
	printf("\"host_steps\":[");
	const char *sep = "";
	for (int i = 0; i < p->nstep; i++) {
		if (p->step[i].kind != ISA_STEP_HOST)
			continue;
		const struct isa_host_op *h = &p->host[p->step[i].host];
		printf("%s{\"op\":", sep);
		sep = ",";
		cli_json_string(stdout, h->name);
		printf(",\"operands\":[");
		for (int k = 0; k < h->nin; k++) {
			printf("%s", k ? "," : "");
			cli_json_string(stdout, isa_program_segment_at(p, h->in_addr[k]));
		}
		printf("],\"result\":");
		cli_json_string(stdout, isa_program_segment_at(p, h->out_addr));
		printf("}");
	}
	printf("],");
	int runs = p->nstep ? 0 : 1;
	sep = "";
	printf("\"gathers\":[");
	for (int i = 0; i < p->nstep; i++) {
		const struct isa_step *st = &p->step[i];
		runs += st->kind == ISA_STEP_RUN;
		if (st->kind != ISA_STEP_GATHER)
			continue;
		printf("%s{\"from\":", sep);
		sep = ",";
		cli_json_string(stdout, isa_program_segment_at(p, st->src));
		printf(",\"to\":");
		cli_json_string(stdout, isa_program_segment_at(p, st->dst));
		printf(",\"bytes\":%llu}", (unsigned long long)st->n);
	}
	printf("],\"runs\":%d,\"instructions\":%d,\"micro_ops\":%d,\"tensors\":[", runs, p->ninsn, p->nuop);
	for (int i = 0; i < p->nport; i++) {
		const struct isa_port *pt = &p->port[i];
		printf("%s{\"name\":", i ? "," : "");
		cli_json_string(stdout, pt->name);
		printf(",\"role\":\"%s\",\"dtype\":\"%s\",\"shape\":[", isa_port_kind_name(pt->kind), dtype_name(pt->dtype));
		for (int d = 0; d < pt->rank; d++)
			printf("%s%lld", d ? "," : "", (long long)pt->shape[d]);
		printf("],\"layout\":");
		cli_json_string(stdout, pt->layout);
		printf(",\"segments\":[");
		for (int k = 0; k < pt->nplace; k++) {
			printf("%s", k ? "," : "");
			cli_json_string(stdout, isa_program_segment_at(p, pt->place[k].addr));
		}
		printf("],\"why_not\":");
		if (pt->why_not)
			cli_json_string(stdout, pt->why_not);
		else
			printf("null");
		printf("}");
	}
	printf("],");
}

/* "  inputs: image int8 (1, 56, 56, 32) NHWC; outputs: ..." and those that
 * cannot be used, with why. */
static void print_tensors(const struct isa_program *p)
{
	for (int kind = 0; kind < ISA_PORT_KIND_COUNT; kind++) {
		const char *sep = "";
		for (int i = 0; i < p->nport; i++)
			if (p->port[i].kind == (enum isa_port_kind)kind && !p->port[i].why_not) {
				printf("%s%s", *sep ? sep : kind == ISA_PORT_INPUT ? "  inputs (run --input NAME=FILE.npy): "
										  : "  outputs (run --output NAME=FILE.npy): ",
				       p->port[i].name);
				sep = ", ";
			}
		if (*sep)
			printf("\n");
	}
	for (int i = 0; i < p->nport; i++)
		if (p->port[i].why_not)
			printf("  %s %s cannot be %s: %s\n", isa_port_kind_name(p->port[i].kind), p->port[i].name,
			       p->port[i].kind == ISA_PORT_INPUT ? "given" : "read back", p->port[i].why_not);
}

static void print_plan(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans, bool json,
		       const struct isa_program *p)
{
	const struct ir_graph *g = &w->g;
	if (json) {
		cli_json_begin(stdout, "compile");
		printf(",\"workload\":");
		cli_json_string(stdout, w->name);
		printf(",\"hardware\":");
		cli_json_string(stdout, hw->name);
		printf(",");
		print_json_program(p);
		printf("\"ops\":[");
	}
	for (int op = 0; op < g->nops; op++) {
		bool on_host = plans[op].kind == CC_HOST;
		struct strbuf sb = {0}, mapping = {0};
		if (!on_host) {
			cc_plan_format(hw, g, op, &plans[op], &sb, &mapping);
			sb_puts(&sb, " | ");
			char *m = sb_take(&mapping);
			sb_puts(&sb, m);
			free(m);
		}
		char *s = sb_take(&sb);
		if (json) {
			printf("%s{\"name\":", op ? "," : "");
			cli_json_string(stdout, g->op[op].name);
			printf(",\"kind\":");
			cli_json_string(stdout, g->op[op].kind);
			cli_json_plan(stdout, hw, g, op, &plans[op]);
			printf("}");
		} else if (on_host) {
			printf("  %-16s host: %s\n", g->op[op].name, plans[op].why);
		} else {
			printf("  %-16s %s\n", g->op[op].name, s);
		}
		free(s);
	}
	if (json)
		printf("]}\n");
}

int cli_build_workload(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
		       const char *dump_after, struct cc_program *prog, struct diags *err)
{
	uint8_t **t = rt_tensor_buffers(w, err);
	if (!t) {
		memset(prog, 0, sizeof *prog);
		return -1;
	}
	struct cc_request rq = {.name = w->name, .g = &w->g, .plans = plans, .data = (const uint8_t *const *)t, .ports = true,
				.dump_after = dump_after, .dump = stdout};
	int rc = cc_build(hw, &rq, prog, err);
	rt_free_buffers(w, t);
	return rc;
}

/* --dump-after names a pass of the pipeline. */
static bool known_pass(const char *name)
{
	if (cc_pass_lookup(name) >= 0)
		return true;
	struct strbuf sb = {0};
	for (int i = 0; i < CC_NPASSES; i++)
		sb_printf(&sb, "%s%s", i ? ", " : "", cc_pass_name((enum cc_pass)i));
	char *names = sb_take(&sb);
	cli_usage_error("compile", "unknown pass '%s'; the passes are: %s", name, names);
	free(names);
	return false;
}

/* " conv1.out -> conv2.a, ..." */
static void print_gathers(const struct isa_program *p)
{
	const char *sep = " ";
	for (int i = 0; i < p->nstep; i++)
		if (p->step[i].kind == ISA_STEP_GATHER) {
			printf("%s%s -> %s", sep, isa_program_segment_at(p, p->step[i].src), isa_program_segment_at(p, p->step[i].dst));
			sep = ", ";
		}
	printf("\n");
}

/* " avg (x.host -> avg.host), ..." */
static void print_host_steps(const struct isa_program *p)
{
	const char *sep = " ";
	for (int i = 0; i < p->nstep; i++) {
		if (p->step[i].kind != ISA_STEP_HOST)
			continue;
		const struct isa_host_op *h = &p->host[p->step[i].host];
		printf("%s%s (", sep, h->name);
		for (int k = 0; k < h->nin; k++)
			printf("%s%s", k ? ", " : "", isa_program_segment_at(p, h->in_addr[k]));
		printf(" -> %s)", isa_program_segment_at(p, h->out_addr));
		sep = ", ";
	}
	printf("\n");
}

int cli_compile(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("compile", argc, argv, CLI_OPT_HW | CLI_OPT_OUT | CLI_OPT_JSON | CLI_OPT_DUMP_AFTER | CLI_OPT_DIMS, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	if (o.dump_after && !known_pass(o.dump_after))
		return CLI_USAGE;
	if (!o.out && !o.dump_after) {
		cli_usage_error("compile", "missing -o OUT.tsp");
		return CLI_USAGE;
	}
	if (cli_check_outputs("compile", &o))
		return CLI_USAGE;
	struct hw hw;
	struct wl_workload w;
	if (cli_load_hw_workload(o.hw, o.pos[0], o.dims, &hw, &w))
		return CLI_BAD_INPUT;
	if (cli_check_workload_outputs("compile", &o, NULL, &w)) {
		wl_free(&w);
		return CLI_USAGE;
	}
	struct diags err = {0};
	struct cc_plan *plans = xcalloc((size_t)w.g.nops + 1, sizeof *plans);
	struct cc_program prog = {0};
	rc = CLI_BAD_INPUT;
	if (!cc_plan_ops(&hw, &w.g, plans, &err) && !cli_build_workload(&hw, &w, plans, o.dump_after, &prog, &err) &&
	    (!o.out || !cli_write_program(&prog.p, o.out, &err))) {
		if (!o.dump_after && !o.json) {
			int steps[ISA_STEP_KIND_COUNT] = {0}, on_host = 0;
			for (int i = 0; i < prog.p.nstep; i++)
				steps[prog.p.step[i].kind]++;
			for (int op = 0; op < w.g.nops; op++)
				on_host += plans[op].kind == CC_HOST;
			printf("%s for %s: %d of %d ops on the accelerator, %d instructions, %d micro-ops -> %s\n", w.name, hw.name,
			       w.g.nops - on_host, w.g.nops, prog.p.ninsn, prog.p.nuop, o.out);
			printf("  nothing ran on the host at compile time\n");
			if (steps[ISA_STEP_GATHER]) {
				printf("  %d runs; between them %d gathers rearrange tensors into the layout their next op reads:",
				       steps[ISA_STEP_RUN], steps[ISA_STEP_GATHER]);
				print_gathers(&prog.p);
			} else {
				printf("  every intermediate tensor stays in DRAM in the layout its next op reads\n");
			}
			if (steps[ISA_STEP_HOST]) {
				printf("  %d host steps compute on the host between runs, from and into DRAM:", steps[ISA_STEP_HOST]);
				print_host_steps(&prog.p);
			}
			print_tensors(&prog.p);
		}
		if (!o.dump_after)
			print_plan(&hw, &w, plans, o.json, &prog.p);
		rc = CLI_OK;
	}
	cc_program_free(&prog);
	cli_print_errors(&err, o.pos[0]);
	diag_free(&err);
	free(plans);
	wl_free(&w);
	return rc;
}
