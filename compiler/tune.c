/* compiler/tune: an op's best mapping, measured on the simulator. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tune.h"
#include "base/alloc.h"
#include "sim/simulator.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Without data only the timing is simulated. */
uint64_t tn_measure(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_mapping *m,
		    const uint8_t *const *data, struct device *dev, struct diags *err)
{
	struct cc_plan *plans = try_calloc((size_t)g->nops + 1, sizeof *plans);
	if (!plans) {
		diag_nomem(err, NULL, ((size_t)g->nops + 1) * sizeof *plans, "the plans of a measurement");
		return 0;
	}
	cc_plan_mapping(hw, g, op, m, &plans[op]);
	struct cc_request rq = {.g = g, .plans = plans, .ops = &op, .nops = 1, .data = data};
	struct cc_program prog;
	struct dev_stats st = {0};
	struct device *d = dev;
	int rc = cc_build(hw, &rq, &prog, err);
	if (!rc && !d && !(d = dev_sim.open(&prog.p.hw, err)))
		rc = -1;
	struct dev_run_opts opts = {.timing_only = data == NULL};
	rc = rc || dev_run_program(&dev_sim, d, &prog.p, &opts, &st, err);
	if (d && d != dev)
		dev_sim.close(d);
	cc_program_free(&prog);
	free(plans);
	return rc ? 0 : st.cycles;
}

struct measure_ctx {
	struct device *dev; /* one simulator for every measurement of the op */
	const struct hw *hw;
	const struct ir_graph *g;
	int op;
	const struct tn_opts *o;
	const char *op_key, *hw_key;
};

/* A mapping that does not build or run is the mapping's failure; memory
 * running out, or a record not written, is the tune's, and stops it. */
static uint64_t measure(void *ctx, const struct tz_geometry *geo, const struct tz_mapping *m, struct diags *err)
{
	struct measure_ctx *c = ctx;
	int before = err->n;
	uint64_t cycles = tn_measure(c->hw, c->g, c->op, m, NULL, c->dev, err); /* timing does not depend on values */
	if (!cycles && diag_nomem_since(err, before))
		return TZ_MEASURE_STOP;
	if (cycles && c->o->db &&
	    tz_records_add(c->o->db, c->o->workload, c->op_key, c->hw_key, geo, m, cycles, err))
		return TZ_MEASURE_STOP;
	return cycles;
}

/* A round's mappings measured by the caller's ranks, then recorded here in
 * order; one that failed there is measured here, for its error. */
static void measure_many(void *ctx, const struct tz_geometry *const *geo, const struct tz_mapping *const *m, int n,
			 uint64_t *cycles, struct diags *err)
{
	struct measure_ctx *c = ctx;
	c->o->remote(c->o->remote_ctx, c->g, c->op, m, n, cycles);
	for (int k = 0; k < n; k++) {
		if (!cycles[k])
			cycles[k] = measure(ctx, geo[k], m[k], err);
		else if (c->o->db && tz_records_add(c->o->db, c->o->workload, c->op_key, c->hw_key, geo[k], m[k], cycles[k], err))
			cycles[k] = TZ_MEASURE_STOP;
	}
}

/* The first measurement: the mapping compiling without tuning gives, if it
 * is in the space.  0, or -1 with an error when out of memory. */
static int default_mapping(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_space *space,
			   const struct cc_plan *plans, struct tz_mapping *def, bool *has, struct diags *err)
{
	*has = false;
	struct cc_plan *dp = NULL;
	const struct cc_plan *plan = plans ? &plans[op] : NULL; /* the workload's, chains kept on the device */
	if (!plan) {
		if (!(dp = try_calloc(1, sizeof *dp)))
			return diag_nomem(err, NULL, sizeof *dp, "the default plan of op '%s'", g->op[op].name);
		int before = err->n;
		if (!cc_plan_op(hw, g, op, dp, err))
			plan = dp;
		else if (diag_nomem_since(err, before)) {
			free(dp);
			return -1;
		}
	}
	*has = plan && plan->kind == CC_GEMM && tz_space_find(space, &plan->map) >= 0;
	if (*has)
		*def = plan->map;
	free(dp);
	return 0;
}

/* The op's space of mappings; 0, or -1 with an error. */
static int op_space(const struct hw *hw, const struct ir_graph *g, int op, struct tz_space *space, struct diags *err)
{
	struct tz_match match;
	if (tz_match_op(hw, g, op, &match)) {
		tz_match_free(&match);
		memset(space, 0, sizeof *space);
		return diag_nomem(err, NULL, TZ_MATCH_BINDINGS_BYTES, "the bindings of op '%s'", g->op[op].name);
	}
	int rc = tz_space_build(hw, g, op, &match, space, err);
	tz_match_free(&match);
	return rc;
}

int tn_tune_op(const struct hw *hw, const struct ir_graph *g, int op, const struct tn_opts *o, struct tn_result *r,
	       struct diags *err)
{
	memset(r, 0, sizeof *r);
	double t0 = now();
	char op_key[17], hw_key[17];
	tz_op_key(g, op, op_key);
	if (tz_hw_key(hw, hw_key, err))
		return -1;
	int count = 0;
	struct cc_plan pool;
	cc_plan_mapping(hw, g, op, NULL, &pool);
	if (pool.kind == CC_POOL) { /* on the ALU: nothing to search */
		r->plan = pool;
		r->cycles = tn_measure(hw, g, op, NULL, NULL, NULL, err);
		r->measured = 1;
		r->seconds = now() - t0;
		return r->cycles ? 0 : -1;
	}
	if (o->db && !o->retune) {
		int found = tz_records_best(o->db, op_key, hw_key, hw, g, op, &r->best, &r->cycles, &count, err);
		if (found < 0)
			return -1;
		if (found) {
			cc_plan_mapping(hw, g, op, &r->best, &r->plan);
			r->reused = true;
			r->recorded = count;
			r->seconds = now() - t0;
			return 0;
		}
	}
	struct tz_space space;
	if (op_space(hw, g, op, &space, err))
		return -1;
	r->space = space.n;
	if (!space.n) {
		r->plan.kind = CC_HOST;
		tz_space_free(&space);
		return 0;
	}
	struct tz_mapping def;
	bool has_default;
	struct tz_sample *transfer = NULL;
	int ntransfer = 0;
	struct tz_prior *prior = NULL;
	int nprior = 0;
	if (default_mapping(hw, g, op, &space, o->plans, &def, &has_default, err) ||
	    (o->db && o->transfer && tz_records_transfer(o->db, op_key, hw_key, &transfer, &ntransfer, err)) ||
	    (o->db && o->retune && tz_records_op(o->db, op_key, hw_key, hw, g, op, &prior, &nprior, err))) {
		free(transfer);
		tz_space_free(&space);
		return -1;
	}
	struct measure_ctx ctx = {dev_sim.open(hw, err), hw, g, op, o, op_key, hw_key};
	if (!ctx.dev) {
		free(prior);
		free(transfer);
		tz_space_free(&space);
		return -1;
	}
	struct tz_search_opts so = {o->budget, o->seed, transfer, ntransfer, has_default ? &def : NULL, o->progress,
				    o->progress_ctx, o->remote ? measure_many : NULL, prior, nprior};
	struct tz_search_result sr;
	int rc = tz_search(&space, measure, &ctx, &so, &sr, err);
	if (!rc) {
		r->best = space.m[sr.best];
		cc_plan_mapping(hw, g, op, &r->best, &r->plan);
		r->cycles = sr.best_cycles;
		r->default_cycles = sr.first_cycles;
		r->measured = sr.measured - sr.prior;
		r->recorded = sr.prior;
		r->exhaustive = sr.exhaustive;
		r->order = sr.order, r->trace = sr.cycles;
		sr.order = NULL, sr.cycles = NULL;
	}
	tz_search_result_free(&sr);
	if (ctx.dev)
		dev_sim.close(ctx.dev);
	free(prior);
	free(transfer);
	tz_space_free(&space);
	r->seconds = now() - t0;
	return rc;
}

void tn_result_free(struct tn_result *r)
{
	free(r->order);
	free(r->trace);
	memset(r, 0, sizeof *r);
}
