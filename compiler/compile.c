/* compiler/compile: planning every op of a workload, and the pipeline that
 * builds a program from the plans — a flat list of passes, each run over
 * the program under construction and each one's result printable. */
#include <math.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "lower.h"
#include "base/alloc.h"
#include "tensorize/search.h"

const char *cc_kind_name(enum cc_kind k)
{
	static const char *const names[] = {
#define X(id, name) name,
		CC_KINDS(X)
#undef X
	};
	return names[k];
}

/* ---- plans ---- */

/* How much faster (estimated) the GEMM form must be, at equal DRAM reads,
 * to be chosen over a form that streams its operands: the estimate's own
 * error, and what the cycles do not show (the host packing the GEMM form's
 * operands before every run). */
#define CC_GEMM_MARGIN 1.1
/* How much less a less efficient binding's default must cost (estimated)
 * to be chosen over the most efficient one's: near ties are the estimate's
 * error, and the most efficient binding pads the least. */
#define CC_BINDING_MARGIN 1.05

double cc_plan_cost(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *p)
{
	if (p->kind == CC_POOL)
		return tz_pool_cost(hw, &p->pool);
	if (p->kind != CC_GEMM)
		return INFINITY;
	struct tz_geometry geo;
	tz_geometry_init(&geo, hw, g, op, &p->map.b);
	return tz_estimate_cost(&geo, &p->map) * (p->map.direct ? 1 : CC_GEMM_MARGIN);
}

/* Joins the rejections into one readable reason. */
static void why_host(const struct hw *hw, const struct tz_match *m, char *why, size_t n)
{
	size_t k = 0;
	why[0] = 0;
	for (int i = 0; i < m->nrejects && k + 1 < n; i++) {
		const struct tz_reject *r = &m->reject[i];
		int w = snprintf(why + k, n - k, "%s%s%s%s", i ? "; " : "", r->intrinsic >= 0 ? hw->intrinsic[r->intrinsic].name : "",
				 r->intrinsic >= 0 ? " " : "", r->why);
		k += w > 0 ? (size_t)w : 0;
	}
	if (!m->nrejects)
		snprintf(why, n, "no binding of the op's iterators fits an intrinsic");
}

/* What a layout op of cc_rewrite does, for the op after it. */
static void layout_why(const struct ir_graph *g, const struct ir_op *o, char *why, size_t n)
{
	const char *in = g->tensor[o->in[0].tensor].name;
	int added = g->tensor[o->out.tensor].rank - g->tensor[o->in[0].tensor].rank; /* a band split's rows */
	snprintf(why, n, "a layout change: '%s' %s", in,
		 !strcmp(o->kind, "phases") ? "with its stride phases in its channels, for the next op"
		 : added > 0 ? "in bands, one per row of the elements, each with its windows' halo, for the next op"
		 : added < 0 ? "back from its bands"
			     : "without the points past the extent that its last band pads");
}

/* Of the candidate bindings (tz_space_candidates), the GEMM form's least
 * costly default mapping in p->map and the least costly direct one in
 * p->direct (cc_plan_cost: cycles, with DRAM reads weighed in). */
static void plan_candidates(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *m,
			    struct cc_plan *p, char why[256])
{
	char dwhy[256];
	struct tz_geometry geo;
	int idx[TZ_SPACE_CANDIDATES], n = tz_space_candidates(hw, g, op, m, idx);
	double cost = INFINITY, direct_cost = INFINITY, c;
	for (int i = 0; i < n; i++) {
		tz_geometry_init(&geo, hw, g, op, &m->binding[idx[i]]);
		struct cc_plan d = {.kind = CC_GEMM};
		double margin = i ? CC_BINDING_MARGIN : 1;
		if (!tz_default_mapping(&geo, &d.map, p->kind == CC_HOST ? why : dwhy) &&
		    (c = cc_plan_cost(hw, g, op, &d) * margin) < cost)
			cost = c, p->kind = CC_GEMM, p->map = d.map;
		if (geo.dir.ok && !tz_default_direct(&geo, &d.map, dwhy) &&
		    (c = cc_plan_cost(hw, g, op, &d) * margin) < direct_cost)
			direct_cost = c, p->has_direct = true, p->direct = d.map;
	}
}

/* Where no candidate has a GEMM-form (direct) default that fits, the most
 * efficient binding further down that has one. */
static void plan_first_fit(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *m,
			   struct cc_plan *p, char why[256])
{
	char dwhy[256];
	struct tz_geometry geo;
	for (int i = 0; i < m->nbindings && (p->kind == CC_HOST || !p->has_direct); i++) {
		tz_geometry_init(&geo, hw, g, op, &m->binding[i]);
		struct tz_mapping d;
		if (p->kind == CC_HOST && !tz_default_mapping(&geo, &d, why))
			p->kind = CC_GEMM, p->map = d;
		if (!p->has_direct && geo.dir.ok && !tz_default_direct(&geo, &d, dwhy))
			p->has_direct = true, p->direct = d;
	}
}

/* Max pooling the ALU can run goes there; otherwise the best binding that
 * has a default mapping that fits; otherwise the host, saying why. */
int cc_plan_op(const struct hw *hw, const struct ir_graph *g, int op, struct cc_plan *p, struct diags *err)
{
	memset(p, 0, sizeof *p);
	const struct ir_op *o = &g->op[op];
	if (cc_layout_op(o)) { /* cc_rewrite's: no intrinsic copies, and the DMA moves whole elements */
		p->kind = CC_HOST;
		layout_why(g, o, p->why, sizeof p->why);
		return 0;
	}
	struct tz_pool pool;
	char pwhy[256];
	if (!tz_pool_match(hw, g, op, &pool, pwhy)) {
		p->kind = CC_POOL;
		p->pool = pool;
		return 0;
	}
	struct tz_match m;
	if (tz_match_op(hw, g, op, &m))
		return diag_nomem(err, NULL, TZ_MATCH_BINDINGS_BYTES, "the bindings of op '%s'", g->op[op].name);
	p->nbindings = m.nbindings;
	p->kind = CC_HOST;
	char why[256] = "";
	plan_candidates(hw, g, op, &m, p, why);
	if (p->kind == CC_HOST || !p->has_direct)
		plan_first_fit(hw, g, op, &m, p, why);
	if (p->has_direct && cc_plan_cost(hw, g, op, &(struct cc_plan){.kind = CC_GEMM, .map = p->direct}) <=
				     cc_plan_cost(hw, g, op, p))
		p->kind = CC_GEMM, p->map = p->direct, p->has_direct = false;
	if (p->kind == CC_HOST && m.nbindings)
		snprintf(p->why, sizeof p->why, "no binding has a mapping that fits: %s", why);
	else if (p->kind == CC_HOST)
		why_host(hw, &m, p->why, sizeof p->why);
	if (p->kind == CC_HOST && g->op[op].reduce == IR_REDUCE_MAX && g->op[op].nin == 1) /* why the ALU cannot either */
		snprintf(p->why, sizeof p->why, "the vector ALU cannot run it: %s", pwhy);
	tz_match_free(&m);
	return 0;
}

/* Op op's GEMM-form plan, when its direct mapping would read what a direct
 * producer stored: the GEMM form needs a gather besides, the host reading
 * the producer's output and writing the packed operand — DRAM traffic the
 * estimate of the op does not see.  Weighed in cc_plan_cost's terms, the
 * direct mapping is taken where it costs less than that and reads no more
 * itself. */
static void keep_chain(const struct hw *hw, const struct ir_graph *g, struct cc_plan *plans, int op)
{
	struct cc_plan *p = &plans[op];
	if (p->kind != CC_GEMM || p->map.direct || !p->has_direct)
		return;
	struct tz_geometry dg, pg, gg;
	tz_geometry_init(&dg, hw, g, op, &p->direct.b);
	int j = g->tensor[dg.dir.a.tensor].producer;
	if (j < 0 || j >= op || plans[j].kind != CC_GEMM || !plans[j].map.direct || plans[j].map.b.planes != 1)
		return;
	tz_geometry_init(&pg, hw, g, j, &plans[j].map.b);
	if (!tz_layout_same(&pg.dir.out, &dg.dir.a))
		return;
	tz_geometry_init(&gg, hw, g, op, &p->map.b);
	double dram = tz_estimate_dram_read(&gg, &p->map);
	double gather = (double)tz_layout_bytes(&pg.dir.out) + (double)tz_packed_a_bytes(&gg);
	struct cc_plan d = {.kind = CC_GEMM, .map = p->direct};
	/* never where the direct mapping reads more itself: the accelerator's own traffic does not rise for it (a
	 * default reading more, as one block of output channels at a time re-reads the weights on a machine of
	 * small buffers, gives way to the fastest that reads no more) */
	if (dram < 1 || (tz_estimate_dram_read(&dg, &d.map) > dram && tz_direct_reading_at_most(&dg, dram, &d.map)))
		return;
	if (cc_plan_cost(hw, g, op, &d) <= cc_plan_cost(hw, g, op, p) * pow((dram + gather) / dram, TZ_DRAM_EXPONENT))
		p->map = d.map;
}

int cc_plan_ops(const struct hw *hw, const struct ir_graph *g, struct cc_plan *plans, struct diags *err)
{
	for (int op = 0; op < g->nops; op++) {
		if (cc_plan_op(hw, g, op, &plans[op], err))
			return -1;
		keep_chain(hw, g, plans, op);
	}
	return 0;
}

void cc_plan_mapping(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_mapping *m,
		     struct cc_plan *plan)
{
	memset(plan, 0, sizeof *plan);
	if (m) {
		plan->kind = CC_GEMM;
		plan->map = *m;
		return;
	}
	char why[256];
	plan->kind = tz_pool_match(hw, g, op, &plan->pool, why) ? CC_HOST : CC_POOL;
	if (plan->kind == CC_HOST)
		snprintf(plan->why, sizeof plan->why, "the vector ALU cannot run it: %s", why);
}

/* Bytes of the elements access a touches: what the op must move at least once. */
static double footprint_bytes(const struct ir_graph *g, const struct ir_op *o, const struct ir_access *a)
{
	const struct ir_tensor *t = &g->tensor[a->tensor];
	return (double)ir_access_footprint(o, a, t) * dtype_bytes(t->dtype);
}

double cc_compulsory_bytes(const struct ir_graph *g, int op)
{
	const struct ir_op *o = &g->op[op];
	return footprint_bytes(g, o, &o->out) + cc_compulsory_read_bytes(g, op);
}

double cc_compulsory_read_bytes(const struct ir_graph *g, int op)
{
	const struct ir_op *o = &g->op[op];
	double bytes = 0;
	for (int i = 0; i < o->nin; i++)
		bytes += footprint_bytes(g, o, &o->in[i]);
	for (int e = 0; e < o->nepilogues; e++)
		if (o->epilogue[e].kind == IR_EP_BIAS) /* indexed by an output dimension: all of it */
			bytes += (double)(ir_tensor_elems(&g->tensor[o->epilogue[e].tensor]) *
					  dtype_bytes(g->tensor[o->epilogue[e].tensor].dtype));
	return bytes;
}

double cc_roofline_cycles(const struct hw *hw, const struct ir_graph *g, int op)
{
	double compute = (double)ir_op_macs(&g->op[op]) / hw_peak_macs_per_cycle(hw),
	       memory = cc_compulsory_bytes(g, op) / hw->dram.bandwidth;
	return compute > memory ? compute : memory;
}

const char *cc_resource_name(enum cc_resource r)
{
	static const char *const names[] = {
#define X(e, name) name,
		CC_BOUND_RESOURCES(X)
#undef X
	};
	return (unsigned)r < CC_RES_COUNT ? names[r] : "?";
}

static double op_outputs(const struct ir_graph *g, int op)
{
	const struct ir_op *o = &g->op[op];
	return (double)ir_access_footprint(o, &o->out, &g->tensor[o->out.tensor]);
}

/* Whether op `op`'s sum can start from its bias instead of adding it in an
 * ALU pass: an integer sum whose first epilogue is the bias. */
static bool bias_first(const struct ir_op *o)
{
	return !dtype_float(o->acc) && o->reduce == IR_REDUCE_SUM && o->nepilogues && o->epilogue[0].kind == IR_EP_BIAS;
}

/* Vector-ALU operations (one value each) op `op` takes at least with
 * `planes` output planes, but a bias the sum starts from (bias_cycles). */
static double alu_operations(const struct hw *hw, const struct ir_graph *g, int op, bool pool, int planes)
{
	const struct ir_op *o = &g->op[op];
	double outputs = op_outputs(g, op);
	if (pool) { /* one max per window element but the first */
		double points = 1;
		for (int i = 0; i < o->niters; i++)
			points *= (double)o->iter[i].extent;
		return points > outputs ? points - outputs : 0;
	}
	/* the fewest passes the ALU allows (tz_epilogue_passes) */
	struct tz_pass passes[TZ_MAX_PASSES];
	int n = tz_epilogue_passes(hw, o, bias_first(o), passes);
	double per = n > 0 ? n : 0;
	/* an output wider than the output buffer's elements leaves it in byte
	 * planes, the accumulator shifted between one plane's store and the next */
	per += planes > 1 ? planes - 1 : 0;
	return per * outputs;
}

static double alu_cycles(const struct hw *hw, double operations)
{
	return hw->alu.lanes ? operations * hw->alu.initiation_interval / hw->alu.lanes : 0;
}

/* The compute module's least cycles to give each output of a sum that
 * starts from its bias its bias value: every accumulator value is written
 * once with it, by the cheapest of an ALU `add` pass, the accumulator's DMA
 * (the bias loaded over each output, at the slower of the accumulator's
 * port and its parent's) and, where the geometry has it (tz_beat_derive),
 * one intrinsic beat per output tile (tensorize/beat.c).  Zero where the
 * bias is no such start (its pass, if any, is among the ALU's). */
static double bias_cycles(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_geometry *geo)
{
	const struct ir_op *o = &g->op[op];
	if (!bias_first(o))
		return 0;
	double outputs = op_outputs(g, op), cheapest = alu_cycles(hw, outputs);
	cheapest = fmin(cheapest, outputs * dtype_bytes(o->acc) / tz_bias_fill_bandwidth(hw));
	if (geo && geo->bias_beat) {
		const struct hw_intrinsic *in = &hw->intrinsic[geo->b.intrinsic];
		double tile = (double)geo->bytes_acc / dtype_bytes(o->acc); /* an output tile's values */
		cheapest = fmin(cheapest, outputs / tile * in->initiation_interval);
	}
	return cheapest;
}

/* What binding bd of op `op` needs of each resource at least (cc_bound's
 * terms): its MACs at its intrinsic's peak times its efficiency (padding
 * is MACs done for nothing: a depthwise convolution's diagonal binding
 * fills one lane of a GEMM's element); the ALU's passes with its output
 * planes; DRAM's compulsory bytes, but an operand the binding's GEMM form
 * packs (a window's input once per kernel position, padded to the tiles)
 * at its packed size where the binding has no direct form, and the packed
 * weights; the load and store modules' DMA of those bytes. */
static void binding_needs(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_binding *bd,
			  double need[CC_RES_COUNT])
{
	const struct ir_op *o = &g->op[op];
	const struct hw_intrinsic *in = &hw->intrinsic[bd->intrinsic];
	struct tz_geometry geo;
	tz_geometry_init(&geo, hw, g, op, bd);
	double a = footprint_bytes(g, o, &o->in[bd->input_a]), b = footprint_bytes(g, o, &o->in[bd->input_b]);
	double others = cc_compulsory_bytes(g, op) - a - b;
	if (!geo.dir.ok)
		a = fmax(a, (double)tz_packed_a_bytes(&geo));
	b = fmax(b, (double)tz_gemm_b_data_bytes(&geo));
	double rate = hw_intrinsic_peak_macs(in) * bd->efficiency;
	need[CC_RES_MAC] = rate > 0 ? (double)ir_op_macs(o) / rate : 0;
	need[CC_RES_ALU] = alu_cycles(hw, alu_operations(hw, g, op, false, bd->planes)) + bias_cycles(hw, g, op, &geo);
	need[CC_RES_DRAM] = (others + a + b) / hw->dram.bandwidth;
	need[CC_RES_LOAD] = tz_transfer_cycles(hw, in->a.level, a, 0) + tz_transfer_cycles(hw, in->b.level, b, 0);
	need[CC_RES_STORE] = tz_transfer_cycles(hw, hw->role_level[HW_ROLE_OUTPUT], footprint_bytes(g, o, &o->out), 0);
}

/* Sets b's cycles and binding resource from its needs: the intrinsics and
 * the ALU are the compute module's, which runs one instruction at a time,
 * so their cycles add; DRAM and the other modules run beside them. */
static void bound_of_needs(struct cc_bound *b)
{
	b->binding = b->need[CC_RES_ALU] > b->need[CC_RES_MAC] ? CC_RES_ALU : CC_RES_MAC;
	b->cycles = b->need[CC_RES_MAC] + b->need[CC_RES_ALU];
	for (int r = CC_RES_DRAM; r < CC_RES_COUNT; r++)
		if (b->need[r] > b->cycles)
			b->binding = (enum cc_resource)r, b->cycles = b->need[r];
}

/* The least bound of any binding of op `op` into b; false when it has none
 * (or they cannot be listed). */
static bool least_binding_bound(const struct hw *hw, const struct ir_graph *g, int op, struct cc_bound *b)
{
	struct tz_match m;
	bool found = false;
	if (!tz_match_op(hw, g, op, &m))
		for (int i = 0; i < m.nbindings; i++) {
			struct cc_bound x = {.at_bound = m.binding[i].efficiency};
			binding_needs(hw, g, op, &m.binding[i], x.need);
			bound_of_needs(&x);
			if (!found || x.cycles < b->cycles)
				*b = x, found = true;
		}
	tz_match_free(&m);
	return found;
}

void cc_machine_bound(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan,
		      struct cc_bound *b)
{
	memset(b, 0, sizeof *b);
	if (plan->kind == CC_POOL || !least_binding_bound(hw, g, op, b)) {
		b->at_bound = -1;
		/* max pooling on the ALU, or an op no intrinsic runs: its
		 * compulsory bytes, and its MACs at the description's peak */
		double peak = hw_peak_macs_per_cycle(hw);
		b->need[CC_RES_MAC] = plan->kind == CC_POOL || peak <= 0 ? 0 : (double)ir_op_macs(&g->op[op]) / peak;
		b->need[CC_RES_ALU] = alu_cycles(hw, alu_operations(hw, g, op, plan->kind == CC_POOL, 1)) +
				      (plan->kind == CC_POOL ? 0 : bias_cycles(hw, g, op, NULL));
		b->need[CC_RES_DRAM] = cc_compulsory_bytes(g, op) / hw->dram.bandwidth;
		bound_of_needs(b);
	}
	b->efficiency = plan->kind == CC_GEMM ? plan->map.b.efficiency : -1;
}

/* ---- whole graphs: which inputs come from the device ---- */

/* The DRAM layout plan p of op `op` reads `tensor` in: the direct form's
 * input, a direct max pool's.  False when it packs it otherwise. */
static bool reads_layout(const struct hw *hw, const struct ir_graph *g, const struct cc_plan *p, int op, int tensor,
			 struct tz_layout *l)
{
	if (p->kind == CC_POOL && p->pool.box.ok) {
		*l = p->pool.box.in;
		return l->tensor == tensor;
	}
	if (p->kind != CC_GEMM || !p->map.direct)
		return false;
	struct tz_geometry geo;
	tz_geometry_init(&geo, hw, g, op, &p->map.b);
	*l = geo.dir.a;
	return geo.dir.ok && l->tensor == tensor;
}

/* The DRAM layout plan p stores its output in, one plane of it. */
static bool stores_layout(const struct hw *hw, const struct ir_graph *g, const struct cc_plan *p, int op,
			  struct tz_layout *l)
{
	if (p->kind == CC_POOL && p->pool.box.ok) {
		*l = p->pool.box.out;
		return true;
	}
	if (p->kind != CC_GEMM || !p->map.direct || p->map.b.planes != 1)
		return false;
	struct tz_geometry geo;
	tz_geometry_init(&geo, hw, g, op, &p->map.b);
	*l = geo.dir.out;
	return true;
}

int cc_stored_by(const struct hw *hw, const struct ir_graph *g, const struct cc_plan *plans, const int *ops, int i,
		 int tensor)
{
	struct tz_layout in, out;
	if (!reads_layout(hw, g, &plans[ops[i]], ops[i], tensor, &in))
		return -1;
	for (int j = 0; j < i; j++)
		if (g->op[ops[j]].out.tensor == tensor && stores_layout(hw, g, &plans[ops[j]], ops[j], &out) &&
		    tz_layout_same(&out, &in))
			return j;
	return -1;
}

bool cc_reads_stored(const struct hw *hw, const struct ir_graph *g, const struct cc_plan *plans, const int *ops, int i,
		     int tensor)
{
	return cc_stored_by(hw, g, plans, ops, i, tensor) >= 0;
}

/* Bytes per value of the operand op `op`'s plan packs `tensor` into, or 0. */
static uint32_t packed_bytes(const struct hw *hw, const struct ir_graph *g, const struct cc_plan *p, int op, int tensor)
{
	const struct ir_op *o = &g->op[op];
	const struct hw_intrinsic *in = &hw->intrinsic[p->map.b.intrinsic];
	if (o->in[p->map.b.input_a].tensor == tensor && o->in[p->map.b.input_b].tensor != tensor)
		return dtype_bytes(in->a.dtype);
	if (o->in[p->map.b.input_b].tensor == tensor && o->in[p->map.b.input_a].tensor != tensor)
		return dtype_bytes(in->b.dtype);
	return 0; /* both inputs, or a bias */
}

enum cc_source cc_input_source(const struct hw *hw, const struct ir_graph *g, const struct cc_plan *plans,
			       const int *ops, int i, int tensor, bool steps)
{
	const struct cc_plan *c = &plans[ops[i]];
	bool box = c->kind == CC_POOL && c->pool.box.ok;
	if (steps && c->kind == CC_POOL && !box)
		return CC_FROM_HOST_STEP;
	int j = i - 1;
	while (j >= 0 && g->op[ops[j]].out.tensor != tensor)
		j--;
	if (j < 0)
		return g->tensor[tensor].producer < 0 ? CC_FROM_DATA : CC_FROM_HOST;
	if (cc_reads_stored(hw, g, plans, ops, i, tensor))
		return CC_FROM_STORED;
	if (steps)
		return CC_FROM_GATHER;
	const struct cc_plan *p = &plans[ops[j]];
	const struct hw_level *ob = &hw->level[hw->role_level[HW_ROLE_OUTPUT]];
	bool one_plane = p->kind == CC_POOL || (p->kind == CC_GEMM && p->map.b.planes == 1);
	if ((box || (c->kind == CC_GEMM && packed_bytes(hw, g, c, ops[i], tensor) == 1)) && one_plane &&
	    dtype_bytes(g->tensor[tensor].dtype) == 1 && dtype_bytes(ob->dtype) == 1)
		return CC_FROM_GATHER;
	return CC_FROM_HOST;
}

/* ---- the pipeline ---- */

static const struct pass {
	const char *name;
	int (*run)(struct cc_program *prog, struct diags *err);
} passes[CC_NPASSES] = {
#define X(name, what) {#name, lw_pass_##name},
	CC_PASSES(X)
#undef X
};

int cc_pass_lookup(const char *name)
{
	for (int i = 0; i < CC_NPASSES; i++)
		if (!strcmp(passes[i].name, name))
			return i;
	return -1;
}

const char *cc_pass_name(enum cc_pass pass)
{
	return passes[pass].name;
}

/* Before the tokens pass the instructions are still in the stream: each
 * with what it waits for, by stream index. */
static void dump_stream(const struct cc_program *prog, FILE *f)
{
	const struct lw_stream *s = prog->stream;
	if (!s->n)
		return;
	fprintf(f, "; %d instructions before tokens (#index, waits for module #index)\n", s->n);
	for (int j = 0; j < s->n; j++) {
		struct strbuf sb = {0};
		isa_format_insn(&prog->p.layout, &s->v[j].in, &sb);
		char *text = sb_take(&sb);
		fprintf(f, "; %s  ; #%d", text ? text : "(no memory)", j);
		for (int q = 0; q < ISA_Q_COUNT; q++)
			if (s->v[j].need[q] >= 0)
				fprintf(f, " %s #%d", isa_queue_name((enum isa_queue)q), s->v[j].need[q]);
		fputc('\n', f);
		free(text);
	}
}

/* The program as the disassembler prints it; until the tokens pass has
 * filled it in, also each op's plan and the instruction stream, as
 * comments. */
static void dump(const struct cc_program *prog, FILE *f)
{
	char *text = isa_disassemble(&prog->p);
	fputs(text ? text : "; (no memory for the listing)\n", f);
	free(text);
	if (prog->p.ninsn)
		return;
	for (int i = 0; i < prog->nops; i++) {
		const struct cc_op *rec = &prog->op[i];
		struct strbuf binding = {0}, mapping = {0};
		cc_plan_format(&prog->p.hw, prog->g, rec->op, &rec->plan, &binding, &mapping);
		char *b = sb_take(&binding), *m = sb_take(&mapping);
		fprintf(f, "; op %s: %s | %s\n", prog->g->op[rec->op].name, b ? b : "?", m ? m : "?");
		free(b);
		free(m);
	}
	dump_stream(prog, f);
}

/* The workload's tensors, each at least its values' bytes in DRAM, fit
 * DRAM: else an error at the tensor that passes it, before any of them is
 * packed (a bound: layouts pad, and code and micro-ops follow them). */
static int tensors_fit_dram(const struct hw *hw, const struct ir_graph *g, struct diags *err)
{
	uint64_t total = 0;
	for (int t = 0; t < g->ntensors; t++) {
		const struct ir_tensor *x = &g->tensor[t];
		uint64_t n = (uint64_t)ir_tensor_elems(x) * dtype_bytes(x->dtype);
		if (n > hw->dram.capacity - total) {
			diag_add(err, NULL, 0, 0, "tensor '%s' (%" PRIu64 " bytes) brings the workload's tensors past DRAM's %" PRIu64
				 " bytes (dram.capacity of '%s'); a program holds them all in DRAM",
				 x->name, n, hw->dram.capacity, hw->name);
			return -1;
		}
		total += n;
	}
	return 0;
}

/* Levels address a segment in their elements, so segments start at a
 * common multiple of them all and 4096 (lw_segment_align); one past DRAM
 * leaves no room for a second. */
static int segments_placeable(const struct hw *hw, struct diags *err)
{
	if (isa_segment_align(hw, 4096))
		return 0;
	struct strbuf sizes = {0};
	for (int l = 0; l < hw->nlevels; l++)
		sb_printf(&sizes, "%s%s %u", sizes.len ? ", " : "", hw->level[l].name, hw->level[l].elem_bytes);
	char *list = sb_take(&sizes);
	diag_add(err, hw->source, 0, 0, "'%s': segments start at a common multiple of 4096 bytes and of the element of "
		 "every on-chip level (bytes: %s), since transfers count DRAM addresses in elements; the least one "
		 "passes DRAM's %" PRIu64 " bytes, so no program's segments fit", hw->name, list ? list : "?",
		 hw->dram.capacity);
	free(list);
	return -1;
}

int cc_build(const struct hw *hw, const struct cc_request *rq, struct cc_program *prog, struct diags *err)
{
	memset(prog, 0, sizeof *prog);
	if (tensors_fit_dram(hw, rq->g, err) || segments_placeable(hw, err) || isa_program_init(&prog->p, hw, err))
		return -1;
	prog->g = rq->g, prog->rq = rq;
	prog->last_compute = prog->last_store = -1;
	int rc = 0;
	if (!(prog->stream = try_calloc(1, sizeof *prog->stream)))
		rc = diag_nomem(err, NULL, sizeof *prog->stream, "the instruction stream of workload '%s'", rq->name ? rq->name : "?");
	else if (st_init(prog->stream, &prog->p.layout))
		rc = diag_nomem(err, NULL, ST_INIT_BYTES, "the instruction stream of workload '%s'", rq->name ? rq->name : "?");
	for (int i = 0; i < CC_NPASSES && !rc; i++) {
		rc = passes[i].run(prog, err);
		if (!rc && rq->dump_after && !strcmp(rq->dump_after, passes[i].name))
			dump(prog, rq->dump ? rq->dump : stdout);
	}
	prog->rq = NULL;
	if (rc)
		cc_program_free(prog);
	return rc;
}
