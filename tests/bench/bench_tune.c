/* bench_tune: the tuner's figures for docs/performance.md.
 *
 *   bench_tune [BUDGET]
 *
 * 1. ResNet-18 C2-C11 on vta-default, tuned in order with transfer (as
 *    `tessel tune` does): cycles, the roofline bound, the fraction of it
 *    reached, the default mapping's cycles, measurements and time per layer.
 * 2. Small ops whose whole space can be measured: the search with 5% of the
 *    space as its budget against the exhaustive optimum (three seeds).
 * 3. Transfer: measurements until within 5% of the best known, per layer,
 *    with the model warm-started from the other layers' records and without.
 * 4. The analytical model's rank correlation with the simulator on 200
 *    mappings sampled from each layer's space. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler/tune.h"
#include "sim/simulator.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct ctx {
	const struct hw *hw;
	const struct ir_graph *g;
	int op;
	struct device *dev;
};

static uint64_t measure(void *c, const struct tz_geometry *geo, const struct tz_mapping *m, struct diags *err)
{
	struct ctx *x = c;
	(void)geo;
	if (!x->dev)
		x->dev = dev_sim.open(x->hw, err);
	return tn_measure(x->hw, x->g, x->op, m, NULL, x->dev, err);
}

static void load(const char *src, const char *what, const char *name, struct hw *hw, struct wl_workload *w)
{
	char path[512];
	struct diags err = {0};
	snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", src, what);
	if (hw_load_file(path, hw, &err))
		diag_print(&err, stderr), exit(1);
	snprintf(path, sizeof path, "%s/examples/workloads/%s.yaml", src, name);
	if (wl_load_file(path, w, &err))
		diag_print(&err, stderr), exit(1);
}

static int op_index(const struct wl_workload *w, const char *name)
{
	for (int i = 0; i < w->g.nops; i++)
		if (!strcmp(w->g.op[i].name, name))
			return i;
	fprintf(stderr, "no op %s\n", name);
	exit(1);
}

/* Index of the first measurement within 5% of best (1-based). */
static int reach(const struct tz_search_result *r, uint64_t best)
{
	for (int k = 0; k < r->measured; k++)
		if (r->cycles[k] && (double)r->cycles[k] <= 1.05 * (double)best)
			return k + 1;
	return r->measured + 1;
}

static void roofline(const struct hw *hw, const struct wl_workload *w, int budget, struct tz_records *db,
		     uint64_t *best)
{
	printf("1. ResNet-18 C2-C11 on %s, budget %d measurements per layer, transfer in layer order\n", hw->name, budget);
	printf("   %-5s %10s %10s %8s %10s %8s %9s %8s\n", "layer", "cycles", "roofline", "of roof", "default", "speedup",
	       "measured", "seconds");
	double sum = 0, speed = 1;
	int n = 0;
	for (int op = 1; op < w->g.nops; op++) {
		struct tn_opts o = {.budget = budget, .seed = 1, .transfer = true, .db = db, .workload = w->name, .plans = NULL};
		struct tn_result r;
		struct diags err = {0};
		if (tn_tune_op(hw, &w->g, op, &o, &r, &err))
			diag_print(&err, stderr), exit(1);
		double roof = cc_roofline_cycles(hw, &w->g, op), frac = roof / (double)r.cycles;
		printf("   %-5s %10" PRIu64 " %10.0f %7.1f%% %10" PRIu64 " %7.2fx %9d %8.2f\n", w->g.op[op].name, r.cycles, roof,
		       100 * frac, r.default_cycles, (double)r.default_cycles / (double)r.cycles, r.measured, r.seconds);
		best[op] = r.cycles;
		sum += frac, n++;
		speed *= (double)r.default_cycles / (double)r.cycles;
		tn_result_free(&r);
		diag_free(&err);
	}
	printf("   average fraction of the roofline: %.1f%%; geometric-mean speedup over the default mapping: %.3fx\n\n",
	       100 * sum / n, pow(speed, 1.0 / n));
}

static void exhaustive(const char *src)
{
	static const struct {
		const char *hw, *workload, *op;
	} cases[] = {{"vta-default", "gemm", "odd"}, {"vta-default", "gemm", "thin"}, {"vta-default", "gemm", "batched"},
		     {"edge-tiny", "mobilenet-dw", "pw2"}, {"dot-i8", "gemm", "odd"}};
	printf("2. search with 5%% of the space against the exhaustive optimum (seeds 1-3)\n");
	printf("   %-24s %7s %10s %9s %10s %10s %10s %8s\n", "op", "space", "optimum", "budget", "seed 1", "seed 2", "seed 3",
	       "worst");
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		struct hw hw;
		struct wl_workload w;
		load(src, cases[c].hw, cases[c].workload, &hw, &w);
		int op = op_index(&w, cases[c].op);
		struct tz_match m;
		tz_match_op(&hw, &w.g, op, &m);
		struct tz_space s;
		struct diags err = {0};
		if (tz_space_build(&hw, &w.g, op, &m, &s, &err)) {
			diag_print(&err, stderr);
			return;
		}
		struct ctx x = {&hw, &w.g, op, NULL};
		struct tz_search_opts all = {.budget = (int)s.n, .seed = 1, .transfer = NULL, .ntransfer = 0, .first = NULL};
		struct tz_search_result ex;
		if (tz_search(&s, measure, &x, &all, &ex, &err))
			diag_print(&err, stderr), exit(1);
		int budget = (int)(s.n / 20);
		double worst = 0;
		uint64_t got[3];
		for (int seed = 1; seed <= 3; seed++) {
			struct tz_search_opts o = {.budget = budget, .seed = (uint64_t)seed, .transfer = NULL, .ntransfer = 0, .first = NULL};
			struct tz_search_result r;
			if (tz_search(&s, measure, &x, &o, &r, &err))
				diag_print(&err, stderr), exit(1);
			got[seed - 1] = r.best_cycles;
			worst = fmax(worst, (double)r.best_cycles / (double)ex.best_cycles - 1);
			tz_search_result_free(&r);
		}
		char name[64];
		snprintf(name, sizeof name, "%s %s.%s", cases[c].hw, cases[c].workload, cases[c].op);
		printf("   %-24s %7" PRId64 " %10" PRIu64 " %9d %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %+7.2f%%\n", name, s.n,
		       ex.best_cycles, budget, got[0], got[1], got[2], 100 * worst);
		tz_search_result_free(&ex);
		tz_space_free(&s);
		tz_match_free(&m);
		wl_free(&w);
		diag_free(&err);
	}
	printf("\n");
}

static void transfer(const struct hw *hw, const struct wl_workload *w, int budget, struct tz_records *db,
		     const uint64_t *best)
{
	printf("3. measurements until within 5%% of the best known (budget %d), without and with transfer\n", budget);
	printf("   %-5s %10s %8s %8s\n", "layer", "best", "cold", "transfer");
	double cold_sum = 0, warm_sum = 0;
	int n = 0;
	for (int op = 1; op < w->g.nops; op++) {
		struct tz_match m;
		tz_match_op(hw, &w->g, op, &m);
		struct tz_space s;
		struct diags err = {0};
		if (tz_space_build(hw, &w->g, op, &m, &s, &err)) {
			diag_print(&err, stderr);
			return;
		}
		struct ctx x = {hw, &w->g, op, NULL};
		char op_key[17], hw_key[17];
		tz_op_key(&w->g, op, op_key);
		tz_hw_key(hw, hw_key, &err);
		struct tz_sample *samples;
		int ns;
		if (tz_records_transfer(db, op_key, hw_key, &samples, &ns, &err))
			diag_print(&err, stderr), exit(1);
		struct tz_search_opts cold = {.budget = budget, .seed = 7, .transfer = NULL, .ntransfer = 0, .first = NULL}, warm = {.budget = budget, .seed = 7, .transfer = samples, .ntransfer = ns, .first = NULL};
		struct tz_search_result rc, rw;
		if (tz_search(&s, measure, &x, &cold, &rc, &err) || tz_search(&s, measure, &x, &warm, &rw, &err))
			diag_print(&err, stderr), exit(1);
		uint64_t b = best[op];
		b = rc.best_cycles < b ? rc.best_cycles : b;
		b = rw.best_cycles < b ? rw.best_cycles : b;
		int c = reach(&rc, b), t = reach(&rw, b);
		printf("   %-5s %10" PRIu64 " %8d %8d\n", w->g.op[op].name, b, c, t);
		cold_sum += c, warm_sum += t, n++;
		tz_search_result_free(&rc);
		tz_search_result_free(&rw);
		free(samples);
		tz_space_free(&s);
		tz_match_free(&m);
		diag_free(&err);
	}
	printf("   average: %.1f measurements cold, %.1f with transfer (%d+1 means not reached)\n\n", cold_sum / n,
	       warm_sum / n, budget);
}

static void correlation(const struct hw *hw, const struct wl_workload *w)
{
	printf("4. rank correlation (Spearman) of the analytical model with the simulator, 200 sampled mappings\n   ");
	uint64_t rng = 99;
	double sum = 0;
	int n = 0;
	for (int op = 1; op < w->g.nops; op++) {
		struct tz_match m;
		tz_match_op(hw, &w->g, op, &m);
		struct tz_space s;
		struct diags err = {0};
		if (tz_space_build(hw, &w->g, op, &m, &s, &err)) {
			diag_print(&err, stderr);
			return;
		}
		double est[200], got[200];
		for (int k = 0; k < 200; k++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			int64_t i = (int64_t)(rng % (uint64_t)s.n);
			est[k] = tz_estimate_cycles(&s.geo[s.geo_of[i]], &s.m[i]);
			got[k] = (double)tn_measure(hw, &w->g, op, &s.m[i], NULL, NULL, &err);
		}
		double rho = tz_rank_correlation(est, got, 200);
		printf("%s %.2f  ", w->g.op[op].name, rho);
		sum += rho, n++;
		tz_space_free(&s);
		tz_match_free(&m);
		diag_free(&err);
	}
	printf("\n   average %.2f\n", sum / n);
}

int main(int argc, char **argv)
{
	const char *src = getenv("TESSEL_SOURCE_DIR");
	src = src ? src : ".";
	int budget = argc > 1 ? atoi(argv[1]) : 64;
	struct hw hw;
	struct wl_workload w;
	load(src, "vta-default", "resnet18", &hw, &w);
	struct diags err = {0};
	struct tz_records *db = tz_records_open(":memory:", &err);
	if (!db)
		diag_print(&err, stderr), exit(1);
	uint64_t best[16] = {0};
	double t0 = now();
	roofline(&hw, &w, budget, db, best);
	exhaustive(src);
	transfer(&hw, &w, budget, db, best);
	correlation(&hw, &w);
	printf("\n(%.0f s in all)\n", now() - t0);
	tz_records_close(db);
	wl_free(&w);
	return 0;
}
