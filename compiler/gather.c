/* compiler/gather: whole graphs whose tensors change layout between ops.
 *
 * When an op reads a tensor an earlier op of the program computed, but in
 * another layout than the one it was stored in (a consumer in the GEMM
 * form, whose operands are packed tiles; a direct consumer with other
 * elements; a host op's result, row major), the program is cut there: the
 * run so far ends with `finish`, and a *gather* step — done by whoever
 * drives the accelerator, between runs — rewrites the producer's output
 * segment into the consumer's input segment, byte by byte, by a table made
 * at compile time: the producer's unpacking then the consumer's packing
 * (compiler/tables.c).  Where the consumer's packing changes values (the
 * ALU's max pooling widens its input), a host step computes the packed
 * operand instead (host_ops.c).  So nothing of the workload runs on the
 * host when it is compiled, and the program runs on any input. */
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "base/alloc.h"

int *lw_program_ops(struct cc_program *prog)
{
	int *ops = try_calloc((size_t)prog->nops + 1, sizeof *ops);
	if (!ops)
		lw_nomem(prog, ((size_t)prog->nops + 1) * sizeof *ops, "the ops of the program");
	for (int k = 0; ops && k < prog->nops; k++)
		ops[k] = prog->op[k].op;
	return ops;
}

/* A whole workload's program: every op, host steps where needed. */
static bool has_steps(const struct cc_program *prog)
{
	return !prog->rq->ops;
}

/* The input tensors of op i that come from a step (at most two), each once,
 * with their sources. */
static int stepped_inputs(struct cc_program *prog, int i, int *t, enum cc_source *src)
{
	int *ops = lw_program_ops(prog), n = 0;
	if (!ops)
		return 0;
	const struct ir_op *o = &prog->g->op[prog->op[i].op];
	for (int k = 0; k < o->nin; k++) {
		enum cc_source s = cc_input_source(&prog->p.hw, prog->g, prog->rq->plans, ops, i, o->in[k].tensor,
						   has_steps(prog));
		if ((s == CC_FROM_GATHER || s == CC_FROM_HOST_STEP) && (n == 0 || t[0] != o->in[k].tensor) &&
		    !(s == CC_FROM_GATHER && lw_stored_as_packed(prog, i, o->in[k].tensor) >= 0))
			t[n] = o->in[k].tensor, src[n++] = s;
	}
	free(ops);
	return n;
}

void lw_add_pending(struct cc_program *prog, const struct isa_step *st)
{
	if (prog->npending == prog->pending_cap) {
		int cap = prog->pending_cap ? 2 * prog->pending_cap : 8;
		if (try_resize(&prog->pending, (size_t)cap, sizeof *prog->pending)) {
			free(st->from);
			lw_nomem(prog, (size_t)cap * sizeof *prog->pending, "the steps of the program");
			return;
		}
		prog->pending_cap = cap;
	}
	prog->pending[prog->npending++] = *st;
}

void lw_cut_before(struct cc_program *prog, int i)
{
	int t[IR_MAX_INPUTS];
	enum cc_source src[IR_MAX_INPUTS];
	if (prog->stream->n == prog->cut_at ||
	    (prog->op[i].plan.kind != CC_HOST && !stepped_inputs(prog, i, t, src)))
		return;
	struct isa_insn fin = {.kind = isa_kind_of_class(&prog->p.layout, ISA_CLASS_FINISH)};
	prog->stream->tag = -1;
	int f = st_emit(prog->stream, &fin);
	st_need(prog->stream, f, prog->last_store);
	lw_add_pending(prog, &(struct isa_step){.kind = ISA_STEP_RUN, .first = (uint32_t)f});
	prog->cut_at = prog->stream->n;
	/* the next run starts afresh: nothing in it waits for this one's instructions */
	prog->last_store = prog->last_compute = -1;
}

int lw_pack_input(const struct cc_program *prog, int i, int tensor, const uint8_t *values, uint8_t *out)
{
	const struct cc_plan *plan = &prog->op[i].plan;
	const struct ir_op *o = &prog->g->op[prog->op[i].op];
	if ((plan->kind == CC_GEMM && plan->map.direct) || (plan->kind == CC_POOL && plan->pool.box.ok)) {
		tz_layout_pack(prog->g, plan->kind == CC_POOL ? &plan->pool.box.in : &plan->geo.dir.a, values, out);
		return 0;
	}
	const uint8_t **data = try_calloc((size_t)prog->g->ntensors + 1, sizeof *data);
	if (!data)
		return -1;
	data[tensor] = values;
	if (plan->kind == CC_POOL)
		tz_pool_pack(&prog->p.hw, prog->g, prog->op[i].op, &plan->pool, data, out);
	else if (o->in[plan->map.b.input_a].tensor == tensor)
		tz_pack_a(&plan->geo, data, out);
	else
		tz_pack_b(&plan->geo, data, out);
	free(data);
	return 0;
}

/* The segment op i reads input t from ("conv2.a"). */
static const struct isa_segment *input_segment(struct cc_program *prog, int i, int t)
{
	const struct cc_plan *plan = &prog->op[i].plan;
	const struct ir_op *o = &prog->g->op[prog->op[i].op];
	bool is_a = plan->kind == CC_POOL || plan->map.direct || o->in[plan->map.b.input_a].tensor == t;
	char name[2 * IR_NAME_MAX + 16];
	snprintf(name, sizeof name, "%s.%s", o->name, lw_pool_windows(plan) ? "windows" : is_a ? "a" : "b");
	return isa_program_segment(&prog->p, name);
}

/* The latest op before i computing tensor t. */
static int producer_before(const struct cc_program *prog, int i, int t)
{
	int j = i - 1;
	while (j >= 0 && prog->g->op[prog->op[j].op].out.tensor != t)
		j--;
	return j;
}

/* The segment op j stored tensor t in (a host op's: its row-major copy). */
static int stored_segment(const struct cc_program *prog, int j, int t)
{
	return prog->op[j].plan.kind == CC_HOST ? prog->host_seg[t] : prog->op[j].out_segment;
}

/* Per byte of the dst_size bytes op i reads input t from, the byte of op
 * j's stored segment it is: op i's packing composed with op j's unpacking
 * (a host op's result is row major: no unpacking).  NULL with *bad when it
 * is not a rearrangement, else out of memory (recorded). */
static uint32_t *gather_table(struct cc_program *prog, int j, int i, int t, uint64_t dst_size, bool *bad)
{
	bool host = prog->op[j].plan.kind == CC_HOST;
	uint64_t src_size = prog->p.seg[stored_segment(prog, j, t)].size;
	uint32_t *from = lw_pack_table(prog, i, t, dst_size, bad), *at = NULL;
	if (from && !host && !(at = lw_unpack_table(prog, j, src_size, bad))) {
		free(from);
		return NULL;
	}
	for (uint64_t q = 0; from && at && q < dst_size; q++)
		if (from[q] != ISA_GATHER_ZERO)
			from[q] = at[from[q]];
	free(at);
	return from;
}

/* Whether op i's packing of input t (k: which input) is, byte for byte,
 * the segment its producer stored t in: that segment, or -1. */
static int find_as_packed(struct cc_program *prog, int i, int t, int k)
{
	const struct cc_plan *plan = &prog->op[i].plan;
	int j = producer_before(prog, i, t);
	int seg = j >= 0 ? stored_segment(prog, j, t) : -1;
	uint64_t size = k == plan->map.b.input_a ? tz_packed_a_bytes(&plan->geo) : tz_gemm_b_bytes(&plan->geo);
	if (seg < 0 || (prog->op[j].plan.kind != CC_HOST && prog->op[j].plan.map.b.planes != 1) ||
	    size > prog->p.seg[seg].size)
		return -1;
	bool bad;
	uint32_t *from = gather_table(prog, j, i, t, size, &bad);
	uint64_t q = 0;
	while (from && q < size && from[q] == q)
		q++;
	bool same = from && q == size;
	free(from);
	return same ? seg : -1;
}

int lw_stored_as_packed(struct cc_program *prog, int i, int t)
{
	const struct cc_plan *plan = &prog->op[i].plan;
	const struct ir_op *o = &prog->g->op[prog->op[i].op];
	int k = o->in[0].tensor == t ? 0 : o->nin > 1 && o->in[1].tensor == t ? 1 : -1;
	if (k < 0 || o->nin != 2 || plan->kind != CC_GEMM || plan->map.direct || o->in[1 - k].tensor == t)
		return -1;
	if (!prog->op[i].as_packed[k]) {
		int seg = find_as_packed(prog, i, t, k);
		prog->op[i].as_packed[k] = seg >= 0 ? seg + 1 : -1;
	}
	return prog->op[i].as_packed[k] > 0 ? prog->op[i].as_packed[k] - 1 : -1;
}

/* Op i's input t from op j's output, by the table of gather_table. */
static void add_gather(struct cc_program *prog, int j, int i, int t)
{
	const struct isa_segment *dst = input_segment(prog, i, t);
	int src_seg = stored_segment(prog, j, t);
	if (!dst || src_seg < 0)
		return;
	uint64_t src_addr = prog->p.seg[src_seg].addr;
	bool bad = false;
	uint32_t *from = gather_table(prog, j, i, t, dst->size, &bad);
	if (!from) {
		if (bad)
			prog->refused = "an input packed with other values than its producer stored (a dtype conversion) "
					"cannot be carried between ops";
		return;
	}
	lw_add_pending(prog, &(struct isa_step){.kind = ISA_STEP_GATHER, .src = src_addr, .dst = dst->addr,
					       .n = dst->size, .from = from});
}

void lw_add_gathers(struct cc_program *prog, int i)
{
	int t[IR_MAX_INPUTS];
	enum cc_source src[IR_MAX_INPUTS];
	if (prog->op[i].plan.kind == CC_HOST || !prog->rq->data) /* timing only: nothing to move */
		return;
	int n = stepped_inputs(prog, i, t, src);
	for (int k = 0; k < n; k++) {
		if (src[k] == CC_FROM_HOST_STEP)
			lw_add_host_packing(prog, i, t[k]);
		else
			add_gather(prog, producer_before(prog, i, t[k]), i, t[k]);
	}
}

int lw_steps_into_program(struct cc_program *prog, struct diags *err)
{
	uint32_t start = 0;
	for (int k = 0; k < prog->npending; k++) {
		struct isa_step st = prog->pending[k];
		prog->pending[k].from = NULL; /* the program's from now on */
		if (st.kind == ISA_STEP_RUN) {
			uint32_t f = (uint32_t)prog->insn_of_stream[st.first];
			st.first = start, st.count = f - start + 1, start = f + 1;
		}
		if (isa_program_add_step(&prog->p, &st))
			return diag_nomem(err, NULL, sizeof st, "the steps of the program");
	}
	if (prog->npending && start < (uint32_t)prog->p.ninsn &&
	    isa_program_add_step(&prog->p, &(struct isa_step){.kind = ISA_STEP_RUN, .first = start,
							      .count = (uint32_t)prog->p.ninsn - start}))
		return diag_nomem(err, NULL, sizeof(struct isa_step), "the steps of the program");
	return 0;
}

void lw_free_pending(struct cc_program *prog)
{
	for (int k = 0; k < prog->npending; k++)
		free(prog->pending[k].from);
	free(prog->pending);
	prog->pending = NULL, prog->npending = prog->pending_cap = 0;
}
