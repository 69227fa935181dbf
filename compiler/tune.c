/* compiler/tune: an op's best mapping, measured on the simulator. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tune.h"
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
	struct isa_program p;
	if (isa_program_init(&p, hw, err))
		return 0;
	struct lw_builder b;
	lw_builder_init(&b, &p);
	struct dev_stats st = {0};
	struct device *d = dev;
	int rc = (m ? lw_lower_op(&b, g, op, m, data, err) : lw_lower_pool(&b, g, op, data, err)) ||
		 lw_builder_finish(&b, g, err);
	if (!rc && !d && !(d = dev_sim.open(&p.hw, err)))
		rc = -1;
	struct dev_run_opts opts = {.timing_only = data == NULL};
	rc = rc || dev_run_program(&dev_sim, d, &p, &opts, &st, err);
	if (d && d != dev)
		dev_sim.close(d);
	lw_builder_free(&b);
	isa_program_free(&p);
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

static uint64_t measure(void *ctx, const struct tz_geometry *geo, const struct tz_mapping *m, struct diags *err)
{
	struct measure_ctx *c = ctx;
	uint64_t cycles = tn_measure(c->hw, c->g, c->op, m, NULL, c->dev, err); /* timing does not depend on values */
	if (cycles && c->o->db)
		tz_records_add(c->o->db, c->o->workload, c->op_key, c->hw_key, geo, m, cycles, err);
	return cycles;
}

int tn_tune_op(const struct hw *hw, const struct ir_graph *g, int op, const struct tn_opts *o, struct tn_result *r,
	       struct diags *err)
{
	memset(r, 0, sizeof *r);
	double t0 = now();
	char op_key[17], hw_key[17];
	tz_op_key(g, op, op_key);
	tz_hw_key(hw, hw_key);
	int count = 0;
	struct tz_pool pool;
	char pwhy[256];
	if (!tz_pool_match(hw, g, op, &pool, pwhy)) { /* on the ALU: nothing to search */
		r->alu_pool = true;
		r->cycles = tn_measure(hw, g, op, NULL, NULL, NULL, err);
		r->measured = 1;
		r->seconds = now() - t0;
		return r->cycles ? 0 : -1;
	}
	if (o->db) {
		int found = tz_records_best(o->db, op_key, hw_key, hw, g, op, &r->best, &r->cycles, &count, err);
		if (found < 0)
			return -1;
		if (found) {
			r->reused = true;
			r->seconds = now() - t0;
			return 0;
		}
	}
	struct tz_match match;
	tz_match_op(hw, g, op, &match);
	struct tz_space space;
	tz_space_build(hw, g, op, &match, &space);
	tz_match_free(&match);
	r->space = space.n;
	if (!space.n) {
		r->on_host = true;
		tz_space_free(&space);
		return 0;
	}
	struct tz_mapping def;
	char why[256];
	bool has_default = !tz_default_mapping(&space.geo[0], &def, why);
	struct tz_sample *transfer = NULL;
	int ntransfer = 0;
	if (o->db && o->transfer && tz_records_transfer(o->db, op_key, hw_key, &transfer, &ntransfer, err)) {
		tz_space_free(&space);
		return -1;
	}
	struct measure_ctx ctx = {dev_sim.open(hw, err), hw, g, op, o, op_key, hw_key};
	struct tz_search_opts so = {o->budget, o->seed, transfer, ntransfer, has_default ? &def : NULL, o->progress,
				    o->progress_ctx};
	struct tz_search_result sr;
	int rc = tz_search(&space, measure, &ctx, &so, &sr, err);
	if (!rc) {
		r->best = space.m[sr.best];
		r->cycles = sr.best_cycles;
		r->default_cycles = sr.first_cycles;
		r->measured = sr.measured;
		r->exhaustive = sr.exhaustive;
		r->order = sr.order, r->trace = sr.cycles;
		sr.order = NULL, sr.cycles = NULL;
	}
	tz_search_result_free(&sr);
	if (ctx.dev)
		dev_sim.close(ctx.dev);
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
