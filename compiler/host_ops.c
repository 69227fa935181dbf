/* compiler/host_ops: the ops of a whole workload that run on the host, as
 * steps of its program (docs/compiler.md, "Host steps").
 *
 * A host step reads its operands row major from DRAM, computes one IR op
 * and writes its result row major to DRAM (isa_host_op).  So a tensor a
 * host step reads or writes has a segment holding it row major, "T.host":
 * a workload input's is one more place its port packs it into, a weight's
 * holds its data, an accelerator op's result is copied into it by a gather
 * (the op's unpacking as a table), a host op's is written by its step.
 * Accelerator ops read a host op's result from there through gathers, like
 * any other tensor (gather.c).
 *
 * One packing is not a table's work: the ALU's max pooling reads its input
 * widened to the accumulator's type, its windows laid out one accumulator
 * element per pixel and window position, padded with the least value
 * (tensorize/pool.c).  For it a host step computes that packed operand
 * with an IR op made here, `windows[...] max= input[...]` with one flat
 * output index: a max over nothing but the one value, so out of the input
 * it is the least value, as the packing wants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "lower.h"
#include "base/alloc.h"

/* ---- tensors row major ---- */

static enum isa_segment_kind host_segment_kind(const struct ir_tensor *t)
{
	switch (t->kind) {
	case IR_TENSOR_INPUT: return ISA_SEG_INPUT;
	case IR_TENSOR_WEIGHT: return ISA_SEG_WEIGHT;
	case IR_TENSOR_OUTPUT: return ISA_SEG_OUTPUT;
	default: return ISA_SEG_SCRATCH;
	}
}

/* The op of the program computing tensor t (its latest), or -1. */
static int producer_of(const struct cc_program *prog, int t)
{
	int j = -1;
	for (int k = 0; k < prog->nops; k++)
		if (prog->g->op[prog->op[k].op].out.tensor == t)
			j = k;
	return j;
}

/* An accelerator op's result copied into its row-major segment. */
static void gather_row_major(struct cc_program *prog, int j, int seg)
{
	const struct isa_segment *src = &prog->p.seg[prog->op[j].out_segment];
	uint64_t addr = prog->p.seg[seg].addr, n = prog->p.seg[seg].size;
	bool bad;
	uint32_t *from = lw_unpack_table(prog, j, src->size, &bad);
	if (!from) {
		if (bad) /* every example's output buffer holds the tensor's dtype */
			prog->refused = "a result stored with other values than the tensor's (an output buffer of another "
					"dtype) cannot be read by a later op";
		return;
	}
	lw_add_pending(prog, &(struct isa_step){.kind = ISA_STEP_GATHER, .src = src->addr, .dst = addr, .n = n,
					       .from = from});
}

int lw_host_segment(struct cc_program *prog, int t)
{
	if (prog->host_seg[t] >= 0)
		return prog->host_seg[t];
	const struct ir_tensor *tt = &prog->g->tensor[t];
	uint64_t bytes = (uint64_t)ir_tensor_elems(tt) * dtype_bytes(tt->dtype);
	int j = producer_of(prog, t);
	uint8_t *data = NULL;
	if (j < 0 && prog->rq->data && prog->rq->data[t]) {
		if (!(data = try_malloc((size_t)bytes + 1))) {
			lw_nomem(prog, (size_t)bytes, "the row-major copy of a tensor");
			return -1;
		}
		memcpy(data, prog->rq->data[t], (size_t)bytes);
	}
	char name[IR_NAME_MAX + 8];
	snprintf(name, sizeof name, "%s.host", tt->name);
	int seg = lw_add_named_segment(prog, name, host_segment_kind(tt), bytes, data);
	if (seg < 0)
		return -1;
	prog->host_seg[t] = seg;
	if (j >= 0 && prog->op[j].plan.kind != CC_HOST && prog->rq->data)
		gather_row_major(prog, j, seg);
	return seg;
}

/* ---- host ops ---- */

/* A host op of the program: bytes of its IR op, operands and result by
 * segment; its step after what is pending. */
static int add_host_step(struct cc_program *prog, const char *name, uint8_t *ir, size_t len, int nin,
			 const int *in_seg, uint64_t out_addr, uint64_t out_bytes)
{
	struct isa_host_op h = {.name = try_strdup(name), .ir = ir, .ir_len = len, .nin = nin,
				.out_addr = out_addr, .out_bytes = out_bytes};
	for (int k = 0; k < nin; k++)
		h.in_addr[k] = prog->p.seg[in_seg[k]].addr, h.in_bytes[k] = prog->p.seg[in_seg[k]].size;
	if (!h.name) {
		free(ir);
		lw_nomem(prog, strlen(name) + 1, "the host ops of the program");
		return -1;
	}
	int index = isa_program_add_host_op(&prog->p, &h);
	if (index < 0) {
		lw_nomem(prog, sizeof h, "the host ops of the program");
		return -1;
	}
	lw_add_pending(prog, &(struct isa_step){.kind = ISA_STEP_HOST, .host = (uint32_t)index});
	return 0;
}

/* Per byte of a move op's result, the byte of its input it is (a zero
 * where it reads outside): its accesses over its domain. */
static uint32_t *move_table(struct cc_program *prog, int op, uint64_t in_bytes, uint64_t out_bytes)
{
	const struct ir_graph *g = prog->g;
	const struct ir_op *o = &g->op[op];
	uint32_t esz = dtype_bytes(g->tensor[o->out.tensor].dtype);
	uint32_t *from = out_bytes < ISA_GATHER_ZERO && in_bytes < ISA_GATHER_ZERO
				 ? try_malloc(((size_t)out_bytes + 1) * sizeof *from) : NULL;
	if (!from) {
		lw_nomem(prog, ((size_t)out_bytes + 1) * sizeof *from, "the table of a move");
		return NULL;
	}
	for (uint64_t q = 0; q < out_bytes; q++)
		from[q] = ISA_GATHER_ZERO;
	int64_t it[IR_MAX_ITERS] = {0};
	for (;;) { /* every point of the domain, the last iterator fastest */
		int64_t dst = ir_access_element(g, &o->out, it), src = ir_access_element(g, &o->in[0], it);
		for (uint32_t b = 0; dst >= 0 && src >= 0 && b < esz; b++)
			from[(uint64_t)dst * esz + b] = (uint32_t)((uint64_t)src * esz + b);
		int k = o->niters - 1;
		while (k >= 0 && ++it[k] == o->iter[k].extent)
			it[k--] = 0;
		if (k < 0)
			break;
	}
	return from;
}

/* A move op: a gather from its input's row-major segment into its own,
 * not a step of the host backend. */
static void lower_move(struct cc_program *prog, struct cc_op *rec, int in_seg, int out_seg)
{
	const struct isa_segment *src = &prog->p.seg[in_seg], *dst = &prog->p.seg[out_seg];
	uint32_t *from = move_table(prog, rec->op, src->size, dst->size);
	if (from)
		lw_add_pending(prog, &(struct isa_step){.kind = ISA_STEP_GATHER, .src = src->addr, .dst = dst->addr,
						       .n = dst->size, .from = from});
}

int lw_lower_host(struct cc_program *prog, struct cc_op *rec, struct diags *err)
{
	(void)err; /* failures are recorded (lw_nomem) and reported after the op */
	const struct ir_graph *g = prog->g;
	int operand[IR_OP_MAX_OPERANDS], seg[IR_OP_MAX_OPERANDS];
	int n = ir_op_operands(g, rec->op, operand);
	for (int k = 0; k < n; k++)
		if ((seg[k] = lw_host_segment(prog, operand[k])) < 0)
			return 0;
	int out = g->op[rec->op].out.tensor;
	int out_seg = lw_host_segment(prog, out);
	if (out_seg < 0)
		return 0;
	if (ir_op_is_move(g, rec->op)) {
		rec->out_segment = out_seg;
		if (prog->rq->data) /* (timing only: nothing to move) */
			lower_move(prog, rec, seg[0], out_seg);
		return 0;
	}
	size_t len;
	uint8_t *ir = ir_op_encode(g, rec->op, &len);
	if (!ir) {
		lw_nomem(prog, 4096, "the encoding of a host op");
		return 0;
	}
	rec->out_segment = out_seg;
	add_host_step(prog, g->op[rec->op].name, ir, len, n, seg, prog->p.seg[out_seg].addr, prog->p.seg[out_seg].size);
	return 0;
}

/* ---- the ALU's max pooling: its windows computed on the host ---- */

/* The pool op's packed input as an IR op of its own graph w: tensor 0 the
 * input, the packed elements [tiles][pixels][window][lanes] as one flat
 * output.  -1 when its iterators do not fit an op. */
static int windows_op(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_pool *p,
		      struct ir_graph *w, struct diags *err)
{
	const struct ir_op *o = &g->op[op];
	const struct ir_tensor *in = &g->tensor[o->in[0].tensor];
	enum dtype acc = hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].dtype;
	if (o->niters + 1 > IR_MAX_ITERS ||
	    ir_add_tensor(w, in->name, IR_TENSOR_INPUT, in->dtype, in->rank, in->shape, in->layout, err) < 0)
		return -1;
	struct ir_op x = {.reduce = IR_REDUCE_MAX, .combine = IR_COMBINE_COPY, .acc = acc, .nin = 1};
	snprintf(x.name, sizeof x.name, "%s", o->name);
	snprintf(x.kind, sizeof x.kind, "windows");
	/* iterators: the lane tile, the op's others in order, the lane */
	int ct = x.niters++, map[IR_MAX_ITERS];
	x.iter[ct] = (struct ir_iter){"tile", p->tiles, false};
	for (int it = 0; it < o->niters; it++)
		if (it != p->lane_iter) {
			map[it] = x.niters;
			x.iter[x.niters] = o->iter[it];
			x.iter[x.niters++].reduction = false;
		}
	int v = x.niters++;
	map[p->lane_iter] = v;
	x.iter[v] = (struct ir_iter){"lane", p->lanes, false};
	/* the flat index: pixels and window positions row major in the op's order, as tz_pool_pack */
	struct ir_affine *flat = &x.out.index[0];
	int64_t stride_px = p->window * p->lanes, stride_w = p->lanes;
	for (int it = o->niters - 1; it >= 0; it--) {
		if (it == p->lane_iter)
			continue;
		int64_t *s = o->iter[it].reduction ? &stride_w : &stride_px;
		flat->coef[map[it]] = *s;
		*s *= o->iter[it].extent;
	}
	flat->coef[ct] = p->pixels * p->window * p->lanes;
	flat->coef[v] = 1;
	x.in[0].tensor = 0;
	for (int d = 0; d < in->rank; d++) {
		const struct ir_affine *a = &o->in[0].index[d];
		struct ir_affine *b = &x.in[0].index[d];
		b->offset = a->offset;
		for (int it = 0; it < o->niters; it++)
			b->coef[map[it]] += a->coef[it];
		/* the lane's value is tile * lanes + lane */
		b->coef[ct] += a->coef[p->lane_iter] * p->lanes;
	}
	int64_t elems = p->tiles * p->pixels * p->window * p->lanes;
	char out_name[IR_NAME_MAX];
	snprintf(out_name, sizeof out_name, "%.50s.windows", o->name);
	return ir_add_op(w, &x, out_name, acc, 1, &elems, err) < 0 ? -1 : 0;
}

void lw_add_host_packing(struct cc_program *prog, int i, int tensor)
{
	const struct cc_op *rec = &prog->op[i];
	char name[2 * IR_NAME_MAX + 16];
	snprintf(name, sizeof name, "%s.windows", prog->g->op[rec->op].name);
	const struct isa_segment *dst = isa_program_segment(&prog->p, name);
	int src = lw_host_segment(prog, tensor);
	if (!dst || src < 0)
		return;
	uint64_t dst_addr = dst->addr, dst_size = dst->size;
	struct ir_graph w = {0};
	struct diags e = {0};
	size_t len = 0;
	uint8_t *ir = NULL;
	if (!windows_op(&prog->p.hw, prog->g, rec->op, &rec->plan.pool, &w, &e))
		ir = ir_op_encode(&w, 0, &len);
	ir_graph_free(&w);
	diag_free(&e);
	if (!ir) {
		lw_nomem(prog, 4096, "the host op packing the windows of a max pooling");
		return;
	}
	add_host_step(prog, name, ir, len, 1, &src, dst_addr, dst_size);
}

/* ---- running them: the device's host backend ---- */

static int run_host_op(void *ctx, const struct isa_host_op *h, const uint8_t *const *ins, uint8_t *out,
		       struct diags *err)
{
	struct cc_host_runner *r = ctx;
	char what[96];
	snprintf(what, sizeof what, "host op '%.60s'", h->name);
	struct ir_graph g = {0};
	if (ir_op_decode(h->ir, (size_t)h->ir_len, what, &g, err))
		return -1;
	int rc = 0;
	if (g.ntensors != h->nin + 1)
		rc = -1;
	void *tensors[IR_OP_MAX_OPERANDS + 1];
	for (int k = 0; !rc && k < g.ntensors; k++) {
		uint64_t bytes = (uint64_t)ir_tensor_elems(&g.tensor[k]) * dtype_bytes(g.tensor[k].dtype);
		if (bytes != (k < h->nin ? h->in_bytes[k] : h->out_bytes))
			rc = -1;
		tensors[k] = k < h->nin ? (void *)ins[k] : out; /* the backend writes only the output */
	}
	if (rc)
		diag_add(err, NULL, 0, 0, "corrupt: %s has %d operands of other sizes than its op's tensors", what, h->nin);
	if (!rc && !r->jit && !(r->jit = host_jit_open(err)))
		rc = -1;
	if (!rc)
		rc = host_run_op(r->jit, &g, 0, tensors, err);
	ir_graph_free(&g);
	return rc;
}

void cc_host_runner_init(struct cc_host_runner *r)
{
	memset(r, 0, sizeof *r);
	r->dev.run = run_host_op;
	r->dev.ctx = r;
}

void cc_host_runner_close(struct cc_host_runner *r)
{
	if (r->jit)
		host_jit_close(r->jit);
	r->jit = NULL;
}
