/* bench_layers: mapping quality on layer shapes the mappings were not
 * developed on (examples/workloads/bench-layers.yaml: MobileNet-v1/v2,
 * ResNet-50, BERT-base, GPT-2), for docs/bench-layers.md.
 *
 *   bench_layers [--budget N] [--hw NAME,...] [WORKLOAD.yaml]
 *
 * For every description in examples/hw (or those named) and every op it runs on
 * the accelerator: the default mapping's cycles, the cycles of the mapping
 * tuned with N measurements (default 16; each op on its own, no records),
 * the fraction of the roofline and of the machine's bound (cc_machine_bound)
 * each reaches, and default / tuned; the roofline's fraction a mapping
 * running at the machine's bound would reach (the ceiling: what the
 * description's resources allow); then the means per description.  Both
 * mappings of every op run with their data and are compared bit for bit
 * with the host backend (rt_exec with verify): a wrong result, tuned
 * cycles that differ from what the tuner measured, or cycles under the
 * machine's bound fail the benchmark
 * (exit status 1).  The tables are markdown.  With BL_DEBUG=1 in the
 * environment, each mapping's estimate against its measurement on stderr. */
#include <glob.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/xalloc.h"
#include "compiler/tune.h"
#include "sim/simulator.h"
#include "base/strbuf.h"


static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Per description: the sums behind its means. */
struct sums {
	int ops, failures;
	double roof[2], bound[2], ceiling, log_speedup;
	int binding[CC_RES_COUNT];
};

/* Runs every op of w with plans, verified against the host; -1 with an
 * error when it cannot run. */
static int run_verified(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
			struct rt_result *res, struct diags *err)
{
	uint8_t **t = rt_tensor_buffers(w, err);
	if (!t)
		return -1;
	int rc = rt_exec(hw, w, plans, &dev_sim, NULL, true, t, res, err);
	rt_free_buffers(w, t);
	return rc;
}

/* The tuned plan of every accelerator op (each on its own, budget
 * measurements, the default first); the others keep theirs. */
static int tune_ops(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *defaults, int budget,
		    struct cc_plan *tuned, uint64_t *measured_cycles, struct diags *err)
{
	for (int op = 0; op < w->g.nops; op++) {
		tuned[op] = defaults[op];
		measured_cycles[op] = 0;
		if (defaults[op].kind == CC_HOST)
			continue;
		struct tn_opts o = {.budget = budget, .seed = 1, .transfer = false, .db = NULL, .workload = w->name,
				    .plans = defaults};
		struct tn_result r;
		if (tn_tune_op(hw, &w->g, op, &o, &r, err))
			return -1;
		if (r.plan.kind != CC_HOST)
			tuned[op] = r.plan, measured_cycles[op] = r.cycles;
		tn_result_free(&r);
	}
	return 0;
}

static bool verified(const struct rt_result *r, const char *hw, const char *op, const char *which)
{
	if (r->verified && !r->st.limit)
		return true;
	fprintf(stderr, "FAIL: %s %s, %s mapping: %s\n", hw, op, which, r->st.limit ? "stopped" : r->mismatch);
	return false;
}

/* One description: its table, its sums; -1 when it could not be run. */
/* BL_DEBUG=1: what the analytical model expects of a mapping against what
 * the simulator measured, on stderr: the estimate's parts, the DRAM bytes
 * it expects, and each module's busy and stalled cycles. */
static void print_estimate(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan,
			   const struct dev_stats *st, const char *which)
{
	if (plan->kind != CC_GEMM) /* pooling's one lowering has no mapping to estimate */
		return;
	struct tz_geometry geo;
	tz_geometry_init(&geo, hw, g, op, &plan->map.b);
	double parts[4];
	tz_estimate_parts(&geo, &plan->map, parts);
	struct strbuf sb = {0};
	tz_mapping_format(&plan->map, &sb);
	fprintf(stderr, "%s %s: measured %" PRIu64 " cycles, %" PRIu64 " bytes read; estimated %.0f (compute %.0f, load %.0f, store %.0f), %.0f bytes read | %s\n",
		g->op[op].name, which, st->cycles, st->dram_read, parts[3], parts[0], parts[1], parts[2],
		tz_estimate_dram_read(&geo, &plan->map), sb.s);
	sb_free(&sb);
	for (int q = 0; q < DEV_MODULE_COUNT; q++)
		fprintf(stderr, "  %-8s busy %" PRIu64 " stalled %" PRIu64 "\n", dev_module_name((enum dev_module)q), st->busy[q],
			st->stall[q]);
}

static int bench_hw(const char *path, const char *name, const char *workload, int budget, struct sums *s)
{
	struct hw hw;
	struct wl_workload w;
	struct diags err = {0};
	memset(s, 0, sizeof *s);
	/* the rewrites that depend on the machine (phases, bands) add layout ops first */
	if (hw_load_file(path, &hw, &err) || wl_load_file(workload, &w, &err) || cc_rewrite(&hw, &w, &err)) {
		diag_print(&err, stderr);
		diag_free(&err);
		s->failures = 1;
		return -1;
	}
	int n = w.g.nops;
	struct cc_plan *plans[2] = {xcalloc((size_t)n + 1, sizeof **plans), xcalloc((size_t)n + 1, sizeof **plans)};
	struct rt_result *res[2] = {xcalloc((size_t)n + 1, sizeof **res), xcalloc((size_t)n + 1, sizeof **res)};
	uint64_t *tuner = xcalloc((size_t)n + 1, sizeof *tuner);
	double t0 = now();
	int rc = cc_plan_ops(&hw, &w.g, plans[0], &err) || run_verified(&hw, &w, plans[0], res[0], &err) ||
		 tune_ops(&hw, &w, plans[0], budget, plans[1], tuner, &err) || run_verified(&hw, &w, plans[1], res[1], &err);
	if (rc) {
		diag_print(&err, stderr);
		fprintf(stderr, "FAIL: %s: the benchmark did not run\n", name);
		s->failures++;
	}
	int accelerated = 0;
	for (int op = 0; op < n && !rc; op++)
		accelerated += !res[0][op].on_host && !res[1][op].on_host;
	printf("\n### %s (budget %d)\n\n", name, budget);
	if (!accelerated)
		printf("%s\n", rc ? "Not run." : "No op runs on the accelerator.");
	else
		printf("| op | by | eff | default | tuned | default/tuned | of roof: default | tuned | of bound: default | tuned | of roof at the bound |\n"
		       "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (int op = 0; op < n && !rc; op++) {
		const struct rt_result *d = &res[0][op], *t = &res[1][op];
		if (d->on_host || t->on_host)
			continue;
		const char *opname = w.g.op[op].name;
		s->failures += !verified(d, name, opname, "default") + !verified(t, name, opname, "tuned");
		if (tuner[op] && tuner[op] != t->st.cycles) {
			fprintf(stderr, "FAIL: %s %s: the tuner measured %" PRIu64 " cycles, the verified run took %" PRIu64 "\n",
				name, opname, tuner[op], t->st.cycles);
			s->failures++;
		}
		struct cc_bound bd, bt;
		cc_machine_bound(&hw, &w.g, op, &plans[0][op], &bd);
		cc_machine_bound(&hw, &w.g, op, &plans[1][op], &bt);
		double dc = (double)d->st.cycles, tc = (double)t->st.cycles, roof = cc_roofline_cycles(&hw, &w.g, op);
		if (dc < bd.cycles * (1 - 1e-9) || tc < bt.cycles * (1 - 1e-9)) { /* the bound is the least any program needs */
			fprintf(stderr, "FAIL: %s %s: %.0f / %.0f cycles, under the machine's bound %.0f / %.0f\n", name,
				opname, dc, tc, bd.cycles, bt.cycles);
			s->failures++;
		}
		char eff[16] = "-";
		if (bt.efficiency >= 0)
			snprintf(eff, sizeof eff, "%.0f%%", 100 * bt.efficiency);
		printf("| %s | %s | %s | %.0f | %.0f | %.2fx | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% |\n", opname,
		       cc_resource_name(bt.binding), eff, dc, tc, dc / tc, 100 * roof / dc, 100 * roof / tc,
		       100 * bd.cycles / dc, 100 * bt.cycles / tc, 100 * roof / bt.cycles);
		if (getenv("BL_DEBUG"))
			for (int k = 0; k < 2; k++)
				print_estimate(&hw, &w.g, op, &plans[k][op], &res[k][op].st, k ? "tuned" : "default");
		s->ops++;
		s->roof[0] += roof / dc, s->roof[1] += roof / tc;
		s->bound[0] += bd.cycles / dc, s->bound[1] += bt.cycles / tc;
		s->ceiling += roof / bt.cycles;
		s->log_speedup += log(dc / tc);
		s->binding[bt.binding]++;
	}
	if (s->ops)
		printf("| **mean of %d ops** | | | | | %.3fx | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% |\n", s->ops,
		       exp(s->log_speedup / s->ops), 100 * s->roof[0] / s->ops, 100 * s->roof[1] / s->ops,
		       100 * s->bound[0] / s->ops, 100 * s->bound[1] / s->ops, 100 * s->ceiling / s->ops);
	printf("\n%s: %d ops on the accelerator, each verified bit for bit with both mappings (%d failures), %.0f s\n", name,
	       s->ops, s->failures, now() - t0);
	fflush(stdout);
	for (int k = 0; k < 2; k++)
		free(plans[k]), free(res[k]);
	free(tuner);
	wl_free(&w);
	diag_free(&err);
	return rc;
}

static bool wanted(const char *list, const char *name)
{
	if (!list)
		return true;
	size_t n = strlen(name);
	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *src = getenv("TESSEL_SOURCE_DIR"), *hws = NULL, *workload = NULL;
	int budget = 16;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--budget") && i + 1 < argc)
			budget = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--hw") && i + 1 < argc)
			hws = argv[++i];
		else if (argv[i][0] != '-' && !workload)
			workload = argv[i];
		else {
			fprintf(stderr, "usage: bench_layers [--budget N] [--hw NAME,...] [WORKLOAD.yaml]\n");
			return 2;
		}
	}
	if (!src || budget < 1) {
		fprintf(stderr, "bench_layers: set TESSEL_SOURCE_DIR; --budget takes a number from 1\n");
		return 2;
	}
	char path[1024];
	snprintf(path, sizeof path, "%s/examples/workloads/bench-layers.yaml", src);
	if (!workload)
		workload = path;
	printf("bench_layers %s, budget %d measurements per op\n", workload, budget);
	/* every example description, by name */
	char pattern[1024];
	snprintf(pattern, sizeof pattern, "%s/examples/hw/*.yaml", src);
	glob_t found;
	if (glob(pattern, 0, NULL, &found) || !found.gl_pathc) {
		fprintf(stderr, "bench_layers: no descriptions match %s\n", pattern);
		return 1;
	}
	int nhw = (int)found.gl_pathc, failures = 0;
	char **names = xcalloc((size_t)nhw, sizeof *names);
	struct sums *all = xcalloc((size_t)nhw, sizeof *all);
	for (int h = 0; h < nhw; h++) {
		const char *base = strrchr(found.gl_pathv[h], '/') + 1;
		names[h] = xstrndup(base, strlen(base) - strlen(".yaml"));
		if (!wanted(hws, names[h]))
			continue;
		bench_hw(found.gl_pathv[h], names[h], workload, budget, &all[h]);
		failures += all[h].failures;
	}
	printf("\n### Means per description\n\n");
	printf("| description | ops | by");
	for (int r = 0; r < CC_RES_COUNT; r++)
		printf("%s%s", r ? " / " : " ", cc_resource_name((enum cc_resource)r));
	printf(" | default/tuned | of roof: default | tuned | of bound: default | tuned | of roof at the bound |\n");
	printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (int h = 0; h < nhw; h++) {
		const struct sums *s = &all[h];
		if (!s->ops)
			continue;
		printf("| %s | %d |", names[h], s->ops);
		for (int r = 0; r < CC_RES_COUNT; r++)
			printf("%s%d", r ? " / " : " ", s->binding[r]);
		printf(" | %.3fx | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% |\n", exp(s->log_speedup / s->ops),
		       100 * s->roof[0] / s->ops, 100 * s->roof[1] / s->ops, 100 * s->bound[0] / s->ops,
		       100 * s->bound[1] / s->ops, 100 * s->ceiling / s->ops);
	}
	printf("\n%d failures\n", failures);
	for (int h = 0; h < nhw; h++)
		free(names[h]);
	free(names);
	free(all);
	globfree(&found);
	return failures ? 1 : 0;
}
