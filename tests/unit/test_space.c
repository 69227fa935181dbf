/* The derived space of mappings, the search and the tuning records:
 * - every mapping sampled from the space of random ops on every example
 *   configuration lowers, runs and verifies against the reference
 *   interpreter (the space never yields an illegal mapping);
 * - the search is deterministic for a seed, finds the optimum of a space it
 *   measures whole, and never does worse than the default mapping it
 *   measures first;
 * - the analytical model ranks sampled mappings like the simulator (its
 *   rank correlation is printed and must be clearly positive);
 * - a second tune of an op takes its best record without measuring, and an
 *   op's records are offered to other ops for transfer. */
#include <sqlite3.h>
#include <unistd.h>
#include "compiler/tune.h"
#include "opcase.h"
#include "sim/simulator.h"

static struct device *sim; /* reused: opening one allocates all of DRAM */

static uint64_t measure(void *ctx, const struct tz_geometry *geo, const struct tz_mapping *m, struct diags *err)
{
	const struct opcase *r = ctx;
	if (!sim)
		sim = dev_sim.open(geo->hw, err);
	return tn_measure(geo->hw, &r->g, geo->op, m, NULL, sim, err);
}

static void test_sampled_mappings_verify(const char *src)
{
	static const char *const configs[] = {"vta-default", "edge-tiny", "server-wide", "dot-i8", "mma-fp16"};
	int verified = 0, sampled = 0;
	for (size_t c = 0; c < sizeof configs / sizeof *configs; c++) {
		char path[512];
		snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", src, configs[c]);
		struct hw hw;
		struct diags err = {0};
		ASSERT_EQ(hw_load_file(path, &hw, &err), 0);
		bool flt = hw.intrinsic[0].a.dtype == DT_FP16;
		for (int i = 0; i < 6; i++) {
			struct opcase r = {0};
			int op = random_op(&r, (int)rnd(0, 4), flt ? DT_FP16 : DT_INT8, flt ? DT_FP16 : DT_INT8);
			random_epilogues(&r, op, flt);
			fill(&r);
			struct tz_match m;
			tz_match_op(&hw, &r.g, op, &m);
			struct tz_space s;
			ASSERT_EQ(tz_space_build(&hw, &r.g, op, &m, &s, &err), 0);
			ASSERT(s.n > 0);
			for (int k = 0; k < 5 && s.n; k++) {
				int64_t j = rnd(0, s.n - 1);
				char what[96];
				snprintf(what, sizeof what, "%s op %d, space entry %" PRId64 " of %" PRId64, configs[c], i, j, s.n);
				sampled++;
				verified += opcase_verify(&hw, &r, op, &s.m[j], what);
			}
			tz_space_free(&s);
			tz_match_free(&m);
			run_free(&r);
		}
	}
	printf("%d of %d mappings sampled from the spaces verified\n", verified, sampled);
	ASSERT_EQ(verified, sampled);
	ASSERT(sampled >= 150);
}

/* A 20x40 x 40x30 matmul with bias and requantization on vta-default. */
static int small_matmul(struct opcase *r, struct hw *hw)
{
	struct diags err = {0};
	test_load_default(hw);
	int a = ir_add_tensor(&r->g, "a", IR_TENSOR_INPUT, DT_INT8, 2, (int64_t[]){20, 40}, NULL, &err);
	int b = ir_add_tensor(&r->g, "b", IR_TENSOR_WEIGHT, DT_INT8, 2, (int64_t[]){40, 30}, NULL, &err);
	int op = ir_matmul(&r->g, "mm", a, b, "y", DT_INT8, &err);
	struct ir_epilogue sh = {.kind = IR_EP_SHR, .imm = 6}, cl = {.kind = IR_EP_CLIP, .lo = -128, .hi = 127};
	ASSERT_EQ(ir_add_epilogue(&r->g, op, &sh, &err), 0);
	ASSERT_EQ(ir_add_epilogue(&r->g, op, &cl, &err), 0);
	fill(r);
	return op;
}

static void test_search(void)
{
	struct opcase r = {0};
	struct hw hw;
	int op = small_matmul(&r, &hw);
	struct tz_match m;
	tz_match_op(&hw, &r.g, op, &m);
	struct tz_space s;
	struct diags err = {0};
	ASSERT_EQ(tz_space_build(&hw, &r.g, op, &m, &s, &err), 0);
	/* the whole space: its optimum is the minimum of every measurement */
	struct tz_search_opts all = {.budget = (int)s.n, .seed = 1, .transfer = NULL, .ntransfer = 0, .first = NULL};
	struct tz_search_result ex;
	ASSERT_EQ(tz_search(&s, measure, &r, &all, &ex, &err), 0);
	ASSERT(ex.exhaustive);
	ASSERT_EQ(ex.measured, s.n);
	uint64_t min = UINT64_MAX;
	for (int k = 0; k < ex.measured; k++)
		if (ex.cycles[k] && ex.cycles[k] < min)
			min = ex.cycles[k];
	ASSERT_EQ(ex.best_cycles, min);
	ASSERT_EQ(ex.best_cycles, tn_measure(&hw, &r.g, op, &s.m[ex.best], NULL, NULL, &err));
	/* deterministic for a seed; the default mapping measured first bounds it */
	struct tz_geometry geo;
	tz_geometry_init(&geo, &hw, &r.g, op, &m.binding[0]);
	struct tz_mapping def;
	char why[256];
	ASSERT_EQ(tz_default_mapping(&geo, &def, why), 0);
	struct tz_search_opts o = {.budget = 20, .seed = 5, .transfer = NULL, .ntransfer = 0, .first = &def};
	struct tz_search_result a, b;
	ASSERT_EQ(tz_search(&s, measure, &r, &o, &a, &err), 0);
	ASSERT_EQ(tz_search(&s, measure, &r, &o, &b, &err), 0);
	ASSERT_EQ(a.measured, 20);
	ASSERT(a.measured == b.measured && !memcmp(a.order, b.order, (size_t)a.measured * sizeof *a.order));
	ASSERT_EQ(a.best_cycles, b.best_cycles);
	ASSERT_EQ(a.first_cycles, tn_measure(&hw, &r.g, op, &def, NULL, NULL, &err));
	ASSERT(a.best_cycles <= a.first_cycles);
	ASSERT(a.best_cycles >= ex.best_cycles);
	printf("space %" PRId64 ": optimum %" PRIu64 ", search with 20 measurements %" PRIu64 ", default %" PRIu64 "\n", s.n,
	       ex.best_cycles, a.best_cycles, a.first_cycles);
	/* the analytical model against the simulator on the whole space */
	double *est = xmalloc((size_t)ex.measured * sizeof *est), *got = xmalloc((size_t)ex.measured * sizeof *got);
	for (int k = 0; k < ex.measured; k++) {
		int64_t i = ex.order[k];
		est[k] = tz_estimate_cycles(&s.geo[s.geo_of[i]], &s.m[i]);
		got[k] = (double)ex.cycles[k];
	}
	double rho = tz_rank_correlation(est, got, ex.measured);
	printf("analytical model: rank correlation %.3f with the simulator over %d mappings\n", rho, ex.measured);
	ASSERT(rho > 0.7);
	/* the rank correlation itself, on series whose answer is known */
	double up[5] = {1, 2, 3, 4, 5}, down[5] = {50, 40, 30, 20, 10}, sq[5] = {1, 4, 9, 16, 25};
	ASSERT(fabs(tz_rank_correlation(up, sq, 5) - 1) < 1e-12);
	ASSERT(fabs(tz_rank_correlation(up, down, 5) + 1) < 1e-12);
	free(est);
	free(got);
	dev_sim.close(sim);
	sim = NULL;
	tz_search_result_free(&ex);
	tz_search_result_free(&a);
	tz_search_result_free(&b);
	tz_space_free(&s);
	tz_match_free(&m);
	run_free(&r);
	diag_free(&err);
}

static void test_records(void)
{
	struct opcase r = {0};
	struct hw hw;
	int op = small_matmul(&r, &hw);
	struct diags err = {0};
	struct tz_records *db = tz_records_open(":memory:", &err);
	ASSERT(db != NULL);
	struct tn_opts o = {.budget = 12, .seed = 3, .transfer = true, .db = db, .workload = "test", .plans = NULL};
	struct tn_result first, again;
	ASSERT_EQ(tn_tune_op(&hw, &r.g, op, &o, &first, &err), 0);
	ASSERT(!first.reused && first.measured == 12);
	ASSERT_EQ(tn_tune_op(&hw, &r.g, op, &o, &again, &err), 0);
	ASSERT(again.reused && again.measured == 0);
	ASSERT_EQ(again.cycles, first.cycles);
	ASSERT_EQ(tn_measure(&hw, &r.g, op, &again.best, NULL, NULL, &err), first.cycles);
	/* another op sees these 12 measurements for its model; this op does not */
	char key[17], other[17] = "0000000000000000", hwk[17];
	tz_op_key(&r.g, op, key);
	ASSERT_EQ(tz_hw_key(&hw, hwk, &err), 0);
	struct tz_sample *s;
	int n;
	ASSERT_EQ(tz_records_transfer(db, other, hwk, &s, &n, &err), 0);
	ASSERT_EQ(n, 12);
	free(s);
	ASSERT_EQ(tz_records_transfer(db, key, hwk, &s, &n, &err), 0);
	ASSERT_EQ(n, 0);
	free(s);
	/* the model learns from the newest TZ_MAX_TRANSFER of them at most (its
	 * training costs about a millisecond a sample): 12 records and 200
	 * copies of them with other cycles */
	char path[] = "/tmp/test_space_XXXXXX";
	int fd = mkstemp(path);
	ASSERT(fd >= 0);
	close(fd);
	struct tz_records *big = tz_records_open(path, &err);
	ASSERT(big != NULL);
	struct tn_opts ob = o;
	ob.db = big;
	struct tn_result third;
	ASSERT_EQ(tn_tune_op(&hw, &r.g, op, &ob, &third, &err), 0);
	ASSERT_EQ(tz_records_commit(big, &err), 0);
	tn_result_free(&third);
	sqlite3 *raw = NULL;
	ASSERT_EQ(sqlite3_open(path, &raw), SQLITE_OK);
	static const char copies[] =
		"WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 200) INSERT INTO records("
		"workload, op_key, hw_key, intrinsic, input_a, dims, bm, bn, bk, n_outer, ring_a, ring_b, ring_acc, keep_a, keep_b,"
		" direct, box_rows, panel, lowering, share, features, estimate, cycles) SELECT workload, op_key, hw_key, intrinsic,"
		" input_a, dims, bm, bn, bk, n_outer, ring_a, ring_b, ring_acc, keep_a, keep_b, direct, box_rows, panel, lowering,"
		" share, features, estimate, cycles + k.i FROM records, k ORDER BY k.i";
	ASSERT_EQ(sqlite3_exec(raw, copies, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	ASSERT_EQ(tz_records_transfer(big, other, hwk, &s, &n, &err), 0);
	ASSERT_EQ(n, TZ_MAX_TRANSFER);
	free(s);
	tz_records_close(big);
	unlink(path);
	/* a database that cannot be opened is an error naming it */
	struct diags e2 = {0};
	ASSERT(tz_records_open("/nonexistent-dir/tuning.db", &e2) == NULL);
	ASSERT(e2.n == 1 && e2.v[0].file && !strcmp(e2.v[0].file, "/nonexistent-dir/tuning.db"));
	diag_free(&e2);
	tn_result_free(&first);
	tn_result_free(&again);
	tz_records_close(db);
	run_free(&r);
	diag_free(&err);
}

int main(void)
{
	const char *src = getenv("TESSEL_SOURCE_DIR");
	test_sampled_mappings_verify(src ? src : ".");
	test_search();
	test_records();
	opcase_close_device();
	return test_done("space");
}
