/* compiler/lower: the passes over a program after planning, and the one
 * table that says, per kind of op, how it is settled, lowered and read back
 * (docs/compiler.md).  Each pass takes the program under construction; the
 * pipeline (compiler/compile.c) runs them in order. */
#include <stdlib.h>
#include <string.h>

#include <inttypes.h>

#include "lower.h"
#include "base/alloc.h"

/* An op the plans left on the host is a host step of a whole workload's
 * program; in a program of chosen ops, being asked for one is the caller's
 * mistake, reported as such. */
static int settle_host(struct cc_program *prog, struct cc_op *rec, struct diags *err)
{
	if (!prog->rq->ops)
		return 0;
	diag_add(err, NULL, 0, 0, "op '%s' does not run on the accelerator: %s", prog->g->op[rec->op].name,
		 rec->plan.why[0] ? rec->plan.why : "its plan sends it to the host");
	return -1;
}

static void format_host(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan,
			struct strbuf *binding, struct strbuf *mapping)
{
	(void)hw, (void)g, (void)op, (void)plan, (void)mapping;
	sb_puts(binding, "host");
}

/* A host op's result is its row-major segment. */
static void unpack_host(const struct cc_program *prog, const struct cc_op *rec, const uint8_t *packed, uint8_t *tensor)
{
	const struct ir_tensor *t = &prog->g->tensor[prog->g->op[rec->op].out.tensor];
	memcpy(tensor, packed, (size_t)ir_tensor_elems(t) * dtype_bytes(t->dtype));
}

static void format_gemm(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan,
			struct strbuf *binding, struct strbuf *mapping)
{
	tz_binding_format(hw, g, op, &plan->map.b, binding);
	tz_mapping_format(&plan->map, mapping);
}

static void format_pool(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan,
			struct strbuf *binding, struct strbuf *mapping)
{
	(void)g, (void)op;
	const struct tz_pool_box *b = &plan->pool.box;
	if (!b->ok) {
		sb_puts(binding, "alu: max pooling");
		sb_puts(mapping, "alu");
		return;
	}
	sb_printf(binding, "alu: max pooling, direct (boxes widened by '%s')", hw->intrinsic[b->intrinsic].name);
	sb_printf(mapping, "alu direct block=%" PRId64 "x%" PRId64, b->block[0], b->block[1]);
}

/* How each kind of op is described, settled, lowered and read back; the
 * only place that tells the kinds apart. */
static const struct op_lowering {
	/* the plan in words: binding and mapping */
	void (*format)(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan,
		       struct strbuf *binding, struct strbuf *mapping);
	/* the plan pass: what the kind computes from its plan before lowering */
	int (*settle)(struct cc_program *prog, struct cc_op *rec, struct diags *err);
	/* the lower pass: segments, micro-ops and instructions */
	int (*lower)(struct cc_program *prog, struct cc_op *rec, struct diags *err);
	/* the output segment as read from the device into the output tensor */
	void (*unpack)(const struct cc_program *prog, const struct cc_op *rec, const uint8_t *packed, uint8_t *tensor);
} lowering[CC_NKINDS] = {
	[CC_HOST] = {format_host, settle_host, lw_lower_host, unpack_host},
	[CC_GEMM] = {format_gemm, lw_settle_gemm, lw_lower_gemm, lw_unpack_gemm},
	[CC_POOL] = {format_pool, lw_settle_pool, lw_lower_pool, lw_unpack_pool},
};

void cc_plan_format(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan,
		    struct strbuf *binding, struct strbuf *mapping)
{
	lowering[plan->kind].format(hw, g, op, plan, binding, mapping);
}

/* ---- plan: the ops of the program, each plan settled ---- */

/* The requested ops, or every op of the graph (those on the host as host
 * steps); and no tensor held row major yet. */
static int choose_ops(struct cc_program *prog, struct diags *err)
{
	const struct cc_request *rq = prog->rq;
	size_t n = (size_t)(rq->ops ? rq->nops : prog->g->nops) + 1;
	if (!(prog->op = try_calloc(n, sizeof *prog->op)))
		return diag_nomem(err, NULL, n * sizeof *prog->op, "the op records of workload '%s'", rq->name ? rq->name : "?");
	if (!(prog->host_seg = try_malloc(((size_t)prog->g->ntensors + 1) * sizeof *prog->host_seg)))
		return diag_nomem(err, NULL, ((size_t)prog->g->ntensors + 1) * sizeof *prog->host_seg,
				  "the tensors of workload '%s'", rq->name ? rq->name : "?");
	for (int t = 0; t < prog->g->ntensors; t++)
		prog->host_seg[t] = -1;
	for (int i = 0; i < (rq->ops ? rq->nops : prog->g->nops); i++) {
		int op = rq->ops ? rq->ops[i] : i;
		struct cc_op *rec = &prog->op[prog->nops++];
		rec->op = op;
		rec->plan = rq->plans[op];
		rec->out_segment = rec->first_insn = rec->end_insn = -1;
	}
	return 0;
}

int lw_pass_plan(struct cc_program *prog, struct diags *err)
{
	if (choose_ops(prog, err))
		return -1;
	int on_accelerator = 0;
	for (int i = 0; i < prog->nops; i++)
		on_accelerator += prog->op[i].plan.kind != CC_HOST;
	if (!on_accelerator) {
		diag_add(err, NULL, 0, 0, "no op of workload '%s' runs on '%s' (tessel match says why)",
			 prog->rq->name ? prog->rq->name : "?", prog->p.hw.name);
		return -1;
	}
	for (int i = 0; i < prog->nops; i++)
		if (lowering[prog->op[i].plan.kind].settle(prog, &prog->op[i], err))
			return -1;
	return 0;
}

/* ---- lower: every op into the stream, then FINISH ---- */

/* Between ops: the previous op's stores may still read staging areas this
 * op's loads will write (each op lays out its own), so a compute sync waits
 * for them and this op's first load for that sync. */
static void separate_from_previous(struct cc_program *prog)
{
	if (prog->last_store < 0)
		return;
	struct isa_insn sy = {.kind = isa_kind_of_class(&prog->p.layout, ISA_CLASS_SYNC)};
	sy.f[ISA_F_QUEUE] = ISA_Q_COMPUTE;
	prog->last_compute = st_emit(prog->stream, &sy);
	st_need(prog->stream, prog->last_compute, prog->last_store);
}

/* An allocation that failed while lowering op i (-1: the end), reported. */
static int lowered(struct cc_program *prog, int i, struct diags *err)
{
	if (!prog->nomem && prog->stream->nomem)
		lw_nomem(prog, prog->stream->nomem, "the instruction stream");
	if (prog->refused && i >= 0) {
		diag_add(err, NULL, 0, 0, "op '%s': %s", prog->g->op[prog->op[i].op].name, prog->refused);
		return -1;
	}
	if (!prog->nomem)
		return 0;
	if (i < 0)
		return diag_nomem(err, NULL, prog->nomem, "%s of workload '%s'", prog->nomem_what,
				  prog->rq->name ? prog->rq->name : "?");
	return diag_nomem(err, NULL, prog->nomem, "%s of op '%s'", prog->nomem_what, prog->g->op[prog->op[i].op].name);
}

int lw_pass_lower(struct cc_program *prog, struct diags *err)
{
	for (int i = 0; i < prog->nops; i++) {
		lw_cut_before(prog, i);
		prog->stream->tag = i;
		separate_from_previous(prog);
		if (lowering[prog->op[i].plan.kind].lower(prog, &prog->op[i], err) || lowered(prog, i, err))
			return -1;
		lw_add_gathers(prog, i);
		if (lowered(prog, i, err))
			return -1;
	}
	/* a program ending with host steps ends with the run before them */
	if (prog->stream->n > prog->cut_at || !prog->npending) {
		struct isa_insn fin = {.kind = isa_kind_of_class(&prog->p.layout, ISA_CLASS_FINISH)};
		prog->stream->tag = -1;
		int f = st_emit(prog->stream, &fin);
		st_need(prog->stream, f, prog->last_store);
	}
	return lowered(prog, -1, err);
}

/* ---- tokens: the waits as token bits and syncs, into the program ---- */

/* st_finish copies each stream instruction's tag to the instructions it
 * becomes (its syncs, then itself); tagging with the stream index records
 * where each went, for the layout pass and the op ranges. */
int lw_pass_tokens(struct cc_program *prog, struct diags *err)
{
	struct lw_stream *s = prog->stream;
	int *op_tag = try_calloc((size_t)s->n + 1, sizeof *op_tag), *stream_of = NULL;
	if (!op_tag)
		return diag_nomem(err, NULL, ((size_t)s->n + 1) * sizeof *op_tag, "the op tags of %d instructions", s->n);
	for (int j = 0; j < s->n; j++)
		op_tag[j] = s->v[j].tag, s->v[j].tag = j;
	prog->p.uop_addr = 0; /* micro-op addresses stay relative until layout places the region */
	int rc = st_finish(s, &prog->p, &stream_of, err);
	if (!rc && !(prog->op_of_insn = try_calloc((size_t)prog->p.ninsn + 1, sizeof *prog->op_of_insn)))
		rc = diag_nomem(err, NULL, ((size_t)prog->p.ninsn + 1) * sizeof *prog->op_of_insn,
				"the ops of %d instructions", prog->p.ninsn);
	if (!rc && !(prog->insn_of_stream = try_calloc((size_t)s->n + 1, sizeof *prog->insn_of_stream)))
		rc = diag_nomem(err, NULL, ((size_t)s->n + 1) * sizeof *prog->insn_of_stream,
				"the places of %d stream instructions", s->n);
	if (rc) {
		free(stream_of);
		free(op_tag);
		return -1;
	}
	for (int i = 0; i < prog->p.ninsn; i++) {
		int j = stream_of[i], t = op_tag[j];
		prog->insn_of_stream[j] = i; /* the last: the instruction after its syncs */
		prog->op_of_insn[i] = t;
		if (t < 0)
			continue;
		if (prog->op[t].first_insn < 0)
			prog->op[t].first_insn = i;
		prog->op[t].end_insn = i + 1;
	}
	for (int j = 0; j < s->n; j++)
		s->v[j].tag = op_tag[j];
	free(stream_of);
	free(op_tag);
	return lw_steps_into_program(prog, err);
}

/* ---- layout: DRAM holds the segments (placed as lowering made them: the
 * instructions address them), then the micro-ops, then the code ---- */

int lw_pass_layout(struct cc_program *prog, struct diags *err)
{
	(void)err;
	struct isa_program *p = &prog->p;
	const struct lw_stream *s = prog->stream;
	p->uop_addr = lw_align_up(prog->dram_next, lw_segment_align(&p->hw)); /* loads count it in their elements */
	for (int j = 0; j < s->n; j++)
		if (s->v[j].uop_unit)
			p->insn[prog->insn_of_stream[j]].f[ISA_F_ADDR] += (int64_t)lw_elems(p->uop_addr, s->v[j].uop_unit);
	p->code_addr = lw_align_up(p->uop_addr + (uint64_t)p->nuop * p->layout.uop_bytes, 4096);
	return 0;
}

/* ---- verify: the layout and the structural checks, errors naming the op ---- */

int lw_pass_verify(struct cc_program *prog, struct diags *err)
{
	const struct isa_program *p = &prog->p;
	if (isa_program_check_layout(p, NULL, err))
		return -1;
	const char **names = try_calloc((size_t)p->ninsn + 1, sizeof *names);
	if (!names)
		return diag_nomem(err, NULL, ((size_t)p->ninsn + 1) * sizeof *names, "the op names of %d instructions", p->ninsn);
	for (int i = 0; i < p->ninsn; i++)
		names[i] = prog->op_of_insn[i] >= 0 ? prog->g->op[prog->op[prog->op_of_insn[i]].op].name : NULL;
	int rc = lw_check_program(p, names, err);
	free(names);
	return rc;
}

/* ---- the built program ---- */

void cc_unpack(const struct cc_program *prog, int i, const uint8_t *packed, uint8_t *tensor)
{
	const struct cc_op *rec = &prog->op[i];
	lowering[rec->plan.kind].unpack(prog, rec, packed, tensor);
}

void cc_program_free(struct cc_program *prog)
{
	if (prog->stream)
		st_free(prog->stream);
	free(prog->stream);
	free(prog->op);
	free(prog->op_of_insn);
	free(prog->insn_of_stream);
	free(prog->host_seg);
	lw_free_pending(prog);
	isa_program_free(&prog->p);
	memset(prog, 0, sizeof *prog);
}
