/* compiler/gather: whole graphs whose tensors change layout between ops.
 *
 * When an op reads a tensor an earlier op of the program computed, but in
 * another layout than the one it was stored in (a consumer in the GEMM
 * form, whose operands are packed tiles; a direct consumer with other
 * elements), the program is cut there: the run so far ends with `finish`,
 * and a *gather* step — done by whoever drives the accelerator, between
 * runs — rewrites the producer's output segment into the consumer's input
 * segment, byte by byte, by a table made at compile time.  So nothing of
 * the workload runs on the host when it is compiled, and the program runs
 * on any input.
 *
 * The table comes from the packing code itself, run on probes: the
 * consumer's packing of a tensor whose element e holds byte k of e + 1
 * gives, over the four bytes, which element each packed byte holds (0: a
 * zero of the padding), and the producer's unpacking of a segment whose
 * byte p holds byte k of p + 1 gives where each element was stored.  That
 * needs one byte per value all along (cc_input_source). */
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "base/alloc.h"

/* The graph ops of the program, in order. */
static int *program_ops(struct cc_program *prog)
{
	int *ops = try_calloc((size_t)prog->nops + 1, sizeof *ops);
	for (int k = 0; ops && k < prog->nops; k++)
		ops[k] = prog->op[k].op;
	return ops;
}

/* The input tensors of op i that come from a gather (at most two), or -1s. */
static int gathered_inputs(struct cc_program *prog, int i, int *t)
{
	int *ops = program_ops(prog), n = 0;
	if (!ops) {
		lw_nomem(prog, ((size_t)prog->nops + 1) * sizeof *ops, "the ops of the program");
		return 0;
	}
	const struct ir_op *o = &prog->g->op[prog->op[i].op];
	for (int k = 0; k < o->nin; k++)
		if (cc_input_source(&prog->p.hw, prog->g, prog->rq->plans, ops, i, o->in[k].tensor) == CC_FROM_GATHER &&
		    (n == 0 || t[0] != o->in[k].tensor))
			t[n++] = o->in[k].tensor;
	free(ops);
	return n;
}

static void add_pending(struct cc_program *prog, const struct isa_step *st)
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
	if (i == 0 || !gathered_inputs(prog, i, t))
		return;
	struct isa_insn fin = {.kind = isa_kind_of_class(&prog->p.layout, ISA_CLASS_FINISH)};
	prog->stream->tag = -1;
	int f = st_emit(prog->stream, &fin);
	st_need(prog->stream, f, prog->last_store);
	add_pending(prog, &(struct isa_step){.kind = ISA_STEP_RUN, .first = (uint32_t)f});
	/* the next run starts afresh: nothing in it waits for this one's instructions */
	prog->last_store = prog->last_compute = -1;
}

int lw_pack_input(const struct cc_program *prog, int i, int tensor, const uint8_t *values, uint8_t *out)
{
	const struct cc_plan *plan = &prog->op[i].plan;
	const struct ir_op *o = &prog->g->op[prog->op[i].op];
	if (plan->kind == CC_GEMM && plan->map.direct) {
		tz_layout_pack(prog->g, &plan->geo.dir.a, values, out);
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

/* Which byte of the producer's segment each byte of the consumer's holds. */
static uint32_t *table(struct cc_program *prog, int j, int i, int tensor, uint64_t dst_size, uint64_t src_size)
{
	uint64_t elems = (uint64_t)ir_tensor_elems(&prog->g->tensor[tensor]);
	uint32_t *holds = try_calloc((size_t)dst_size + 1, sizeof *holds), *at = try_calloc((size_t)elems + 1, sizeof *at);
	uint8_t *probe = try_malloc((size_t)(elems > src_size ? elems : src_size) + 1);
	uint8_t *packed = try_malloc((size_t)dst_size + 1), *unpacked = try_malloc((size_t)elems + 1);
	bool ok = holds && at && probe && packed && unpacked;
	for (int k = 0; ok && k < 4; k++) {
		for (uint64_t e = 0; e < elems; e++)
			probe[e] = (uint8_t)((e + 1) >> (8 * k));
		memset(packed, 0, (size_t)dst_size);
		if (lw_pack_input(prog, i, tensor, probe, packed)) {
			ok = false;
			break;
		}
		for (uint64_t q = 0; q < dst_size; q++)
			holds[q] |= (uint32_t)packed[q] << (8 * k);
		for (uint64_t p = 0; p < src_size; p++)
			probe[p] = (uint8_t)((p + 1) >> (8 * k));
		memset(unpacked, 0, (size_t)elems);
		cc_unpack(prog, j, probe, unpacked);
		for (uint64_t e = 0; e < elems; e++)
			at[e] |= (uint32_t)unpacked[e] << (8 * k);
	}
	for (uint64_t q = 0; ok && q < dst_size; q++)
		holds[q] = holds[q] && holds[q] <= elems && at[holds[q] - 1] ? at[holds[q] - 1] - 1 : ISA_GATHER_ZERO;
	free(at);
	free(probe);
	free(packed);
	free(unpacked);
	if (!ok) {
		free(holds);
		lw_nomem(prog, (size_t)(dst_size * 5 + elems * 6), "the table of a gather");
		return NULL;
	}
	return holds;
}

void lw_add_gathers(struct cc_program *prog, int i)
{
	int t[IR_MAX_INPUTS], n = i ? gathered_inputs(prog, i, t) : 0;
	const struct ir_op *o = &prog->g->op[prog->op[i].op];
	for (int k = 0; k < n; k++) {
		int j = i - 1;
		while (prog->g->op[prog->op[j].op].out.tensor != t[k])
			j--;
		const struct cc_plan *plan = &prog->op[i].plan;
		bool is_a = plan->map.direct || o->in[plan->map.b.input_a].tensor == t[k];
		char name[160];
		snprintf(name, sizeof name, "%s.%s", o->name, is_a ? "a" : "b");
		const struct isa_segment *dst = isa_program_segment(&prog->p, name),
					 *src = &prog->p.seg[prog->op[j].out_segment];
		if (!dst || !prog->rq->data) /* timing only: nothing to move */
			continue;
		if (dst->size >= ISA_GATHER_ZERO || src->size >= ISA_GATHER_ZERO) {
			lw_nomem(prog, (size_t)dst->size, "a gather of more than 4 GiB");
			continue;
		}
		uint32_t *from = table(prog, j, i, t[k], dst->size, src->size);
		if (from)
			add_pending(prog, &(struct isa_step){.kind = ISA_STEP_GATHER, .src = src->addr, .dst = dst->addr,
							     .n = dst->size, .from = from});
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
	if (prog->npending &&
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
