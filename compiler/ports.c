/* compiler/ports: the program's inputs and outputs (isa/program.h).
 *
 * A whole workload's program gets one port per input tensor its ops pack
 * from the workload's data, and one per tensor its ops compute that the
 * caller may want back: the workload's outputs, and what host ops read.
 * Their tables come, like the gathers' (gather.c), from the packing and
 * unpacking code itself, run on probes: byte b of a probe holds eight bits
 * of b + 1, and four runs give each packed byte the index of the byte it
 * holds.  Floats made of arbitrary bytes could be NaNs, which conversions
 * do not keep: for them a probe byte holds six bits, and only the bytes at
 * one offset modulo 4 are non-zero in a run, so that every probe value is a
 * small finite number (4 offsets x 6 runs).  A table is then checked on random values against the packing
 * code: where packing does more than move bytes (widening, a padding other
 * than zero), the port says why it cannot be used instead of being wrong. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "base/alloc.h"

/* One way across: op i's packing of input `tensor` (nin tensor bytes into
 * nout segment bytes), or its unpacking of its output (segment to tensor). */
struct crossing {
	const struct cc_program *prog;
	int i, tensor;
	bool output;
	uint64_t nin, nout;
	bool float_values; /* the tensor's dtype: random probes stay finite */
};

static int cross(const struct crossing *c, const uint8_t *in, uint8_t *out)
{
	memset(out, 0, (size_t)c->nout);
	if (c->output) {
		cc_unpack(c->prog, c->i, in, out);
		return 0;
	}
	return lw_pack_input(c->prog, c->i, c->tensor, in, out);
}

/* The table by probes: 0, -1 out of memory, 1 not a rearrangement. */
static int probe(const struct crossing *c, uint8_t *in, uint8_t *out, uint32_t *from)
{
	uint64_t *holds = try_calloc((size_t)c->nout + 1, sizeof *holds);
	if (!holds)
		return -1;
	int bits = c->float_values ? 6 : 8, runs = c->float_values ? 6 : 4, offsets = c->float_values ? 4 : 1, rc = 0;
	uint8_t mask = (uint8_t)((1u << bits) - 1);
	for (int off = 0; off < offsets && !rc; off++)
		for (int k = 0; k < runs && !rc; k++) {
			for (uint64_t b = 0; b < c->nin; b++)
				in[b] = b % (uint64_t)offsets == (uint64_t)off ? (uint8_t)(((b + 1) >> (bits * k)) & mask) : 0;
			if ((rc = cross(c, in, out)))
				break;
			for (uint64_t q = 0; q < c->nout; q++) {
				if (out[q] > mask)
					rc = 1;
				holds[q] |= (uint64_t)out[q] << (bits * k);
			}
		}
	for (uint64_t q = 0; q < c->nout && !rc; q++) {
		if (holds[q] > c->nin)
			rc = 1;
		from[q] = holds[q] ? (uint32_t)(holds[q] - 1) : ISA_GATHER_ZERO;
	}
	free(holds);
	return rc;
}

/* Whether the table does what the packing code does on random values. */
static int check(const struct crossing *c, uint8_t *in, uint8_t *out, const uint32_t *from)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (uint64_t b = 0; b < c->nin; b++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		in[b] = (uint8_t)(c->float_values ? x & 63 : x);
	}
	if (cross(c, in, out))
		return -1;
	for (uint64_t q = 0; q < c->nout; q++)
		if (out[q] != (from[q] == ISA_GATHER_ZERO ? 0 : in[from[q]]))
			return 1;
	return 0;
}

/* The table of a crossing, or NULL: *bad set when it is not a table's work,
 * else out of memory (recorded in prog). */
static uint32_t *table(struct cc_program *prog, const struct crossing *c, bool *bad)
{
	*bad = false;
	uint8_t *in = try_malloc((size_t)c->nin + 1), *out = try_malloc((size_t)c->nout + 1);
	uint32_t *from = try_malloc(((size_t)c->nout + 1) * sizeof *from);
	int rc = in && out && from ? probe(c, in, out, from) : -1;
	if (!rc)
		rc = check(c, in, out, from);
	free(in);
	free(out);
	if (!rc)
		return from;
	free(from);
	if (rc > 0)
		*bad = true;
	else
		lw_nomem(prog, (size_t)(c->nin + c->nout * 13), "the table of a program's input or output");
	return NULL;
}

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
	const char *suffix = plan->kind == CC_POOL ? "windows"
			     : plan->map.direct  ? (plan->geo.dir.a.tensor == tensor ? "a" : "b")
			     : o->in[plan->map.b.input_a].tensor == tensor ? "a" : "b";
	char name[2 * IR_NAME_MAX + 16];
	snprintf(name, sizeof name, "%s.%s", o->name, suffix);
	return isa_program_segment(&prog->p, name);
}

static int add_input_place(struct cc_program *prog, struct isa_port *pt, int i, int t)
{
	const struct ir_op *o = &prog->g->op[prog->op[i].op];
	const struct isa_segment *s = input_segment(prog, i, t);
	if (!s)
		return set_why_not(prog, pt, "op '%s' reads it as both operands or as a bias", o->name);
	const struct ir_tensor *tt = &prog->g->tensor[t];
	struct crossing c = {prog, i, t, false, (uint64_t)ir_tensor_elems(tt) * dtype_bytes(tt->dtype), s->size,
			     dtype_float(tt->dtype)};
	if (c.nout >= ISA_GATHER_ZERO)
		return set_why_not(prog, pt, "op '%s' packs it into more than 4 GiB", o->name);
	bool bad;
	uint32_t *from = table(prog, &c, &bad);
	if (!from)
		return bad ? set_why_not(prog, pt, "op '%s' reads it in a layout that changes its values (widened, or padded with other than zeros), not only their places",
					 o->name)
			   : -1;
	if (isa_port_add_place(pt, s->addr, s->size, from)) {
		lw_nomem(prog, sizeof *pt->place, "the places of an input");
		return -1;
	}
	return 0;
}

/* Marks the workload inputs tensor t is computed from on the host. */
static void mark_sources(const struct ir_graph *g, int t, int from_t, int *source_of)
{
	if (source_of[t] >= 0)
		return;
	source_of[t] = from_t;
	int op = g->tensor[t].producer;
	for (int k = 0; op >= 0 && k < g->op[op].nin; k++)
		mark_sources(g, g->op[op].in[k].tensor, from_t, source_of);
}

/* The inputs whose values went into host values at compile time: for each
 * tensor, the host value it feeds (-1: none).  NULL when out of memory. */
static int *host_sources(struct cc_program *prog)
{
	const struct ir_graph *g = prog->g;
	bool *need = try_calloc((size_t)g->ntensors + 1, sizeof *need);
	int *source_of = try_malloc(((size_t)g->ntensors + 1) * sizeof *source_of);
	if (!need || !source_of || cc_host_values(&prog->p.hw, g, prog->rq->plans, need) < 0) {
		free(need);
		free(source_of);
		lw_nomem(prog, (size_t)g->ntensors * 5, "the tensors of the program");
		return NULL;
	}
	for (int t = 0; t < g->ntensors; t++)
		source_of[t] = -1;
	for (int t = 0; t < g->ntensors; t++)
		if (need[t])
			mark_sources(g, t, t, source_of);
	free(need);
	return source_of;
}

static int add_inputs(struct cc_program *prog, const int *ops, const int *source_of)
{
	const struct ir_graph *g = prog->g;
	for (int t = 0; t < g->ntensors; t++) {
		if (g->tensor[t].kind != IR_TENSOR_INPUT)
			continue;
		struct isa_port *pt = NULL;
		for (int i = 0; i < prog->nops; i++) {
			const struct ir_op *o = &g->op[prog->op[i].op];
			bool reads = false;
			for (int k = 0; k < o->nin; k++)
				reads |= o->in[k].tensor == t;
			for (int e = 0; e < o->nepilogues; e++)
				reads |= o->epilogue[e].kind == IR_EP_BIAS && o->epilogue[e].tensor == t;
			if (!reads || (!pt && !(pt = add_port(prog, t, ISA_PORT_INPUT))))
				continue;
			if (cc_input_source(&prog->p.hw, g, prog->rq->plans, ops, i, t) == CC_FROM_DATA &&
			    add_input_place(prog, pt, i, t))
				return -1;
		}
		if (source_of[t] >= 0 && !pt && !(pt = add_port(prog, t, ISA_PORT_INPUT)))
			return -1;
		if (source_of[t] >= 0 &&
		    set_why_not(prog, pt, "tensor '%s', which is computed from it, was computed on the host at compile time and packed into the program",
				g->tensor[source_of[t]].name))
			return -1;
		if (prog->nomem)
			return -1;
	}
	return 0;
}

/* ---- outputs ---- */

/* Whether the caller may want tensor t back: a workload output, or what a
 * host op reads. */
static bool wanted(const struct ir_graph *g, const struct cc_plan *plans, int t)
{
	if (g->tensor[t].kind == IR_TENSOR_OUTPUT)
		return true;
	for (int op = 0; op < g->nops; op++)
		for (int k = 0; plans[op].kind == CC_HOST && k < g->op[op].nin; k++)
			if (g->op[op].in[k].tensor == t)
				return true;
	return false;
}

static int add_outputs(struct cc_program *prog)
{
	const struct ir_graph *g = prog->g;
	for (int i = 0; i < prog->nops; i++) {
		int t = g->op[prog->op[i].op].out.tensor;
		if (!wanted(g, prog->rq->plans, t))
			continue;
		struct isa_port *pt = add_port(prog, t, ISA_PORT_OUTPUT);
		if (!pt)
			return -1;
		const struct isa_segment *s = &prog->p.seg[prog->op[i].out_segment];
		const struct ir_tensor *tt = &g->tensor[t];
		struct crossing c = {prog, i, t, true, s->size, (uint64_t)ir_tensor_elems(tt) * dtype_bytes(tt->dtype),
				     dtype_float(tt->dtype)};
		bool bad;
		uint32_t *from = c.nin < ISA_GATHER_ZERO && c.nout < ISA_GATHER_ZERO ? table(prog, &c, &bad) : NULL;
		if (from && isa_port_add_place(pt, s->addr, c.nout, from))
			lw_nomem(prog, sizeof *pt->place, "the place of an output");
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
	int *source_of = ops ? host_sources(prog) : NULL;
	for (int i = 0; ops && i < prog->nops; i++)
		ops[i] = prog->op[i].op;
	int rc = source_of ? add_inputs(prog, ops, source_of) : -1;
	if (!rc)
		rc = add_outputs(prog);
	free(ops);
	free(source_of);
	if (rc || prog->nomem)
		return diag_nomem(err, NULL, prog->nomem ? prog->nomem : sizeof *ops, "%s",
				  prog->nomem_what ? prog->nomem_what : "the ports of the program");
	return isa_program_check_ports(&prog->p, NULL, err);
}
