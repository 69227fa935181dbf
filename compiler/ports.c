/* compiler/ports: the program's inputs and outputs (isa/program.h).
 *
 * A whole workload's program gets one port per input tensor of the
 * workload it reads, and one per output tensor.  An input is packed into
 * every segment an op packs it into from its data, and into its row-major
 * copy when host steps read it; an output is read back from the segment of
 * the op that computes it (a host op's: its row-major copy).  The tables
 * are compiler/tables.c's; where packing changes values instead of moving
 * them, the port says why it cannot be used instead of being wrong. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "base/alloc.h"

static int set_why_not(struct cc_program *prog, struct isa_port *pt, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_why_not(struct cc_program *prog, struct isa_port *pt, const char *fmt, ...)
{
	if (pt->why_not)
		return 0;
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (!(pt->why_not = try_strdup(why))) {
		lw_nomem(prog, 256, "why a port cannot be used");
		return -1;
	}
	return 0;
}

static struct isa_port *add_port(struct cc_program *prog, int t, enum isa_port_kind kind)
{
	const struct ir_tensor *tt = &prog->g->tensor[t];
	struct isa_port *pt = isa_program_add_port(&prog->p, tt->name, kind, tt->dtype, tt->rank, tt->shape, tt->layout);
	if (!pt)
		lw_nomem(prog, sizeof *pt, "the ports of the program");
	return pt;
}

/* ---- inputs ---- */

/* The segment op i packs input `tensor` into ("conv1.a"), or NULL when it
 * reads it otherwise (both operands, a bias). */
static const struct isa_segment *input_segment(const struct cc_program *prog, int i, int tensor)
{
	const struct cc_plan *plan = &prog->op[i].plan;
	const struct ir_op *o = &prog->g->op[prog->op[i].op];
	int uses = 0;
	for (int k = 0; k < o->nin; k++)
		uses += o->in[k].tensor == tensor;
	for (int e = 0; e < o->nepilogues; e++)
		uses += o->epilogue[e].kind == IR_EP_BIAS && o->epilogue[e].tensor == tensor ? 2 : 0;
	if (uses != 1)
		return NULL;
	const char *suffix = lw_pool_windows(plan)    ? "windows"
			     : plan->kind == CC_POOL ? "a"
			     : plan->map.direct      ? (plan->geo.dir.a.tensor == tensor ? "a" : "b")
			     : o->in[plan->map.b.input_a].tensor == tensor ? "a" : "b";
	char name[2 * IR_NAME_MAX + 16];
	snprintf(name, sizeof name, "%s.%s", o->name, suffix);
	return isa_program_segment(&prog->p, name);
}

static int add_place(struct cc_program *prog, struct isa_port *pt, uint64_t addr, uint64_t n, uint32_t *from)
{
	if (isa_port_add_place(pt, addr, n, from)) {
		lw_nomem(prog, sizeof *pt->place, "the places of a program's input or output");
		return -1;
	}
	return 0;
}

static int add_input_place(struct cc_program *prog, struct isa_port *pt, int i, int t)
{
	const struct ir_op *o = &prog->g->op[prog->op[i].op];
	const struct isa_segment *s = input_segment(prog, i, t);
	if (!s)
		return set_why_not(prog, pt, "op '%s' reads it as both operands or as a bias", o->name);
	bool bad;
	uint32_t *from = lw_pack_table(prog, i, t, s->size, &bad);
	if (!from)
		return bad ? set_why_not(prog, pt, "op '%s' reads it in a layout that changes its values (widened, or padded with other than zeros), not only their places",
					 o->name)
			   : -1;
	return add_place(prog, pt, s->addr, s->size, from);
}

/* The row-major copy host steps read, when there is one. */
static int add_host_place(struct cc_program *prog, struct isa_port *pt, int t)
{
	if (prog->host_seg[t] < 0)
		return 0;
	const struct isa_segment *s = &prog->p.seg[prog->host_seg[t]];
	uint32_t *from = lw_identity_table(prog, s->size);
	return from ? add_place(prog, pt, s->addr, s->size, from) : -1;
}

static bool reads(const struct ir_op *o, int t)
{
	bool r = false;
	for (int k = 0; k < o->nin; k++)
		r |= o->in[k].tensor == t;
	for (int e = 0; e < o->nepilogues; e++)
		r |= o->epilogue[e].kind == IR_EP_BIAS && o->epilogue[e].tensor == t;
	return r;
}

static int add_inputs(struct cc_program *prog, const int *ops)
{
	const struct ir_graph *g = prog->g;
	for (int t = 0; t < g->ntensors; t++) {
		if (g->tensor[t].kind != IR_TENSOR_INPUT)
			continue;
		struct isa_port *pt = NULL;
		for (int i = 0; i < prog->nops; i++) {
			const struct ir_op *o = &g->op[prog->op[i].op];
			if (!reads(o, t) || (!pt && !(pt = add_port(prog, t, ISA_PORT_INPUT))))
				continue;
			if (prog->op[i].plan.kind != CC_HOST &&
			    cc_input_source(&prog->p.hw, g, prog->rq->plans, ops, i, t, true) == CC_FROM_DATA &&
			    add_input_place(prog, pt, i, t))
				return -1;
		}
		if ((pt && add_host_place(prog, pt, t)) || prog->nomem)
			return -1;
	}
	return 0;
}

/* ---- outputs ---- */

static int add_outputs(struct cc_program *prog)
{
	const struct ir_graph *g = prog->g;
	for (int i = 0; i < prog->nops; i++) {
		int t = g->op[prog->op[i].op].out.tensor;
		if (g->tensor[t].kind != IR_TENSOR_OUTPUT)
			continue;
		struct isa_port *pt = add_port(prog, t, ISA_PORT_OUTPUT);
		if (!pt)
			return -1;
		if (prog->op[i].plan.kind == CC_HOST) {
			if (add_host_place(prog, pt, t))
				return -1;
			continue;
		}
		const struct isa_segment *s = &prog->p.seg[prog->op[i].out_segment];
		bool bad;
		uint32_t *from = lw_unpack_table(prog, i, s->size, &bad);
		if (from && add_place(prog, pt, s->addr, (uint64_t)ir_tensor_elems(&g->tensor[t]) * dtype_bytes(g->tensor[t].dtype), from))
			return -1;
		if (!from && (prog->nomem || set_why_not(prog, pt, "op '%s' stores it in a layout that changes its values, not only their places",
							g->op[prog->op[i].op].name)))
			return -1;
	}
	return 0;
}

int lw_pass_ports(struct cc_program *prog, struct diags *err)
{
	if (!prog->rq->ports || !prog->rq->data || prog->rq->ops)
		return 0;
	int *ops = try_calloc((size_t)prog->nops + 1, sizeof *ops);
	for (int i = 0; ops && i < prog->nops; i++)
		ops[i] = prog->op[i].op;
	int rc = ops ? add_inputs(prog, ops) : -1;
	if (!rc)
		rc = add_outputs(prog);
	free(ops);
	if (rc || prog->nomem)
		return diag_nomem(err, NULL, prog->nomem ? prog->nomem : sizeof *ops, "%s",
				  prog->nomem_what ? prog->nomem_what : "the ports of the program");
	return isa_program_check_ports(&prog->p, NULL, err);
}
