/* tessel match: how each op of a workload binds to the intrinsics of a
 * hardware description — every legal binding, best first, and for every
 * intrinsic that cannot run the op, exactly why. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "compiler/compile.h"
#include "ir/workload.h"
#include "tensorize/tensorize.h"
#include "cli.h"

enum { TEXT_BINDINGS = 8 };

static char *binding_text(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_binding *b)
{
	struct strbuf sb = {0};
	tz_binding_format(hw, g, op, b, &sb);
	return sb_take(&sb);
}

static const char *reject_intrinsic(const struct hw *hw, const struct tz_reject *r)
{
	return r->intrinsic >= 0 ? hw->intrinsic[r->intrinsic].name : "";
}

/* A layout of fewer values than lanes in DRAM: all its elements', or its
 * last block's (docs/tensorize.md, the direct form). */
static void print_packed(const struct ir_graph *g, const struct tz_layout *l)
{
	const char *name = g->tensor[l->tensor].name;
	if (tz_layout_narrow_values(l))
		printf("; '%s' lies packed, %" PRIu32 " values an element", name, l->values);
	else if (l->tail)
		printf("; '%s' lies packed in its last block, %" PRIu32 " values an element", name, l->tail);
}

/* Which binding streams its operands through their DRAM layouts (the
 * direct form), or why the best one cannot and the host packs them. */
static void print_direct(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *m)
{
	struct tz_geometry geo;
	for (int i = 0; i < m->nbindings; i++) {
		tz_geometry_init(&geo, hw, g, op, &m->binding[i]);
		if (!geo.dir.ok)
			continue;
		char *s = binding_text(hw, g, op, &m->binding[i]);
		printf("  direct: %5.1f%%  %s: '%s' and '%s' move by DMA in their layouts", 100 * m->binding[i].efficiency, s,
		       g->tensor[geo.dir.a.tensor].name, g->tensor[geo.dir.out.tensor].name);
		print_packed(g, &geo.dir.a);
		print_packed(g, &geo.dir.out);
		const char *b = g->tensor[g->op[op].in[m->binding[i].input_b].tensor].name;
		if (geo.b_diag) /* a diagonal binding's weight tiles: their diagonals alone in DRAM */
			printf("; '%s' lies in DRAM as its tiles' diagonals, put in place by diagonal loads", b);
		if (geo.b_kvals) /* tiles of several elements: each element's values inside the operand */
			printf("; '%s' lies in DRAM as its tiles' elements' first %" PRIu32 " values, moved by narrow loads", b,
			       geo.b_kvals);
		printf("\n");
		free(s);
		return;
	}
	if (!m->nbindings)
		return;
	tz_geometry_init(&geo, hw, g, op, &m->binding[0]);
	printf("  direct: none; the host packs the operands (the best binding: %s)\n", geo.dir.why);
}

static void print_text(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *m)
{
	const struct ir_op *o = &g->op[op];
	printf("%s (%s): %d binding%s%s\n", o->name, o->kind, m->nbindings, m->nbindings == 1 ? "" : "s",
	       m->truncated ? " (listing stopped there)" : "");
	for (int i = 0; i < m->nbindings && i < TEXT_BINDINGS; i++) {
		char *s = binding_text(hw, g, op, &m->binding[i]);
		printf("  %5.1f%%  %s\n", 100 * m->binding[i].efficiency, s);
		free(s);
	}
	if (m->nbindings > TEXT_BINDINGS)
		printf("  ... and %d more (--json lists them all)\n", m->nbindings - TEXT_BINDINGS);
	if (cc_layout_op(o)) { /* made by cc_rewrite for the op after it: on the host by design */
		struct cc_plan *plan = xcalloc(1, sizeof *plan);
		struct diags err = {0};
		if (!cc_plan_op(hw, g, op, plan, &err))
			printf("  on the host: %s\n", plan->why);
		diag_free(&err);
		free(plan);
		return;
	}
	print_direct(hw, g, op, m);
	for (int i = 0; i < m->nrejects; i++)
		printf("  rejected %s%s%s\n", reject_intrinsic(hw, &m->reject[i]), m->reject[i].intrinsic >= 0 ? ": " : "",
		       m->reject[i].why);
	struct tz_pool p;
	char why[256];
	if (!tz_pool_match(hw, g, op, &p, why)) {
		printf("  runs on the vector ALU: max over %" PRId64 " window positions, %" PRId64 " lanes along %s\n", p.window,
		       p.lanes, o->iter[p.lane_iter].name);
		if (p.box.ok)
			printf("  direct: the input moves by DMA in its layout, blocks of %" PRId64 "x%" PRId64
			       " output points, their boxes widened by '%s'\n",
			       p.box.block[0], p.box.block[1], hw->intrinsic[p.box.intrinsic].name);
		else
			printf("  no direct form: %s\n", p.box.why);
	} else if (o->reduce == IR_REDUCE_MAX && o->nin == 1)
		printf("  rejected the vector ALU: %s\n", why);
}

/* Where compiling puts the op (cc_plan_op) and, on the host, why: match
 * lists what could bind, the plan says what is chosen. */
static void print_json_placement(const struct hw *hw, const struct ir_graph *g, int op)
{
	struct cc_plan *plan = xcalloc(1, sizeof *plan);
	struct diags err = {0};
	bool planned = !cc_plan_op(hw, g, op, plan, &err);
	printf(",\"placement\":");
	cli_json_string(stdout, !planned ? NULL : plan->kind == CC_HOST ? "host" : "accelerator");
	printf(",\"why\":");
	cli_json_string(stdout, !planned ? (err.n ? err.v[0].msg : "") : plan->kind == CC_HOST ? plan->why : NULL);
	diag_free(&err);
	free(plan);
}

static void print_json(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *m)
{
	printf("%s{\"name\":", op ? "," : "");
	cli_json_string(stdout, g->op[op].name);
	printf(",\"kind\":");
	cli_json_string(stdout, g->op[op].kind);
	print_json_placement(hw, g, op);
	printf(",\"bindings\":[");
	for (int i = 0; i < m->nbindings; i++) {
		char *s = binding_text(hw, g, op, &m->binding[i]);
		printf("%s{\"binding\":", i ? "," : "");
		cli_json_string(stdout, s);
		free(s);
		struct strbuf sb = {0};
		tz_binding_json(hw, g, op, &m->binding[i], &sb);
		s = sb_take(&sb);
		printf(",\"binding_fields\":%s", s);
		free(s);
		struct tz_geometry geo;
		tz_geometry_init(&geo, hw, g, op, &m->binding[i]);
		printf(",\"efficiency\":%.6f,\"direct\":%s,\"diagonal_loads\":%s,\"weight_values\":", m->binding[i].efficiency,
		       geo.dir.ok ? "true" : "false", geo.b_diag ? "true" : "false");
		if (geo.b_kvals)
			printf("%" PRIu32, geo.b_kvals);
		else
			printf("null");
		printf(",\"host_packs\":");
		cli_json_string(stdout, geo.dir.ok ? NULL : geo.dir.why);
		printf("}");
	}
	printf("],\"truncated\":%s,\"rejected\":[", m->truncated ? "true" : "false");
	for (int i = 0; i < m->nrejects; i++) {
		printf("%s{\"intrinsic\":", i ? "," : "");
		cli_json_string(stdout, m->reject[i].intrinsic >= 0 ? reject_intrinsic(hw, &m->reject[i]) : NULL);
		printf(",\"why\":");
		cli_json_string(stdout, m->reject[i].why);
		printf("}");
	}
	struct tz_pool p;
	char why[256];
	bool alu = !tz_pool_match(hw, g, op, &p, why);
	printf("],\"alu\":%s,\"alu_direct\":", alu ? "true" : "false");
	if (alu && p.box.ok) {
		printf("{\"block\":[%" PRId64 ",%" PRId64 "],\"intrinsic\":", p.box.block[0], p.box.block[1]);
		cli_json_string(stdout, hw->intrinsic[p.box.intrinsic].name);
		printf("}");
	} else {
		printf("null");
	}
	printf(",\"alu_host_packs\":");
	cli_json_string(stdout, alu && !p.box.ok ? p.box.why : NULL);
	printf("}");
}

int cli_match(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("match", argc, argv, CLI_OPT_HW | CLI_OPT_JSON | CLI_OPT_DIMS, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	struct hw hw;
	struct wl_workload w;
	if (cli_load_hw_workload(o.hw, o.pos[0], o.dims, &hw, &w))
		return CLI_BAD_INPUT;
	if (o.json)
	{
		cli_json_begin(stdout, "match");
		printf(",\"workload\":");
		cli_json_string(stdout, w.name);
		printf(",\"hardware\":");
		cli_json_string(stdout, hw.name);
		printf(",\"ops\":[");
	}
	for (int op = 0; op < w.g.nops; op++) {
		struct tz_match m;
		tz_match_op(&hw, &w.g, op, &m);
		if (o.json)
			print_json(&hw, &w.g, op, &m);
		else
			print_text(&hw, &w.g, op, &m);
		tz_match_free(&m);
	}
	if (o.json)
		printf("]}\n");
	wl_free(&w);
	return CLI_OK;
}
