/* Property test of tensorization and lowering: random conv2d, depthwise,
 * dense, matmul and batched matmul ops (odd sizes, strides, dilation,
 * asymmetric padding, sizes below the intrinsic, random epilogues, int8 and
 * wide outputs) on every example configuration, each compiled with a random
 * legal binding and either the default or a random legal mapping (for
 * two in three, where the op has one, a binding in the direct form: its
 * input streamed from its DRAM layout), run on the simulator, and compared with the reference interpreter
 * (tests/unit/ir_interp.h), which shares no code with either. */
#include "opcase.h"

/* A random mapping that fits, or the default. */
static struct tz_mapping pick_mapping(const struct tz_geometry *geo, bool random)
{
	struct tz_mapping m;
	char why[256];
	for (int tries = 0; random && tries < 200; tries++) {
		m = (struct tz_mapping){geo->b, rnd(1, geo->count[TZ_G_M]), rnd(1, geo->count[TZ_G_N]),
					rnd(1, geo->count[TZ_G_K]), rnd(0, 1), (int)rnd(1, 2), (int)rnd(1, 2), (int)rnd(1, 2),
					rnd(0, 1), rnd(0, 1), false};
		if (!tz_mapping_check(geo, &m, why))
			return m;
	}
	ASSERT_EQ(tz_default_mapping(geo, &m, why), 0);
	return m;
}

/* A random direct mapping that fits, or the default direct one. */
static struct tz_mapping pick_direct(const struct tz_geometry *geo, bool random)
{
	struct tz_mapping m;
	char why[256];
	int64_t bm[96], bn[96], bk[96];
	int nm, nn, nk;
	ASSERT_EQ(tz_direct_candidates(geo, bm, &nm, bn, &nn, bk, &nk), 0);
	for (int tries = 0; random && tries < 200; tries++) {
		m = (struct tz_mapping){geo->b, bm[rnd(0, nm - 1)], bn[rnd(0, nn - 1)], bk[rnd(0, nk - 1)], rnd(0, 1),
					(int)rnd(1, 2), (int)rnd(1, 2), (int)rnd(1, 2), false, false, true};
		if (!tz_mapping_check(geo, &m, why))
			return m;
	}
	ASSERT_EQ(tz_default_direct(geo, &m, why), 0);
	return m;
}

/* A random binding of m with a direct form, or -1. */
static int direct_binding(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *m)
{
	int ok[TZ_MAX_BINDINGS], n = 0;
	for (int i = 0; i < m->nbindings; i++) {
		struct tz_geometry geo;
		tz_geometry_init(&geo, hw, g, op, &m->binding[i]);
		struct tz_mapping d;
		char why[256];
		if (geo.dir.ok && !tz_default_direct(&geo, &d, why))
			ok[n++] = i;
	}
	return n ? ok[rnd(0, n - 1)] : -1;
}

static int verified, cases, direct_cases;

/* Compiles op with a random binding and mapping, runs it, compares. */
static void check_case(const struct hw *hw, struct opcase *r, int op, const char *what)
{
	if (r->g.op[op].reduce == IR_REDUCE_MAX) { /* max pooling: on the ALU */
		struct tz_pool p;
		char why[256];
		ASSERT_EQ(tz_pool_match(hw, &r->g, op, &p, why), 0);
		cases++;
		verified += opcase_verify(hw, r, op, NULL, what);
		return;
	}
	struct tz_match m;
	tz_match_op(hw, &r->g, op, &m);
	ASSERT(m.nbindings > 0);
	if (!m.nbindings) {
		fprintf(stderr, "%s: no binding: %s\n", what, m.nrejects ? m.reject[0].why : "");
		return;
	}
	struct tz_geometry geo;
	int direct = rnd(0, 2) ? direct_binding(hw, &r->g, op, &m) : -1;
	tz_geometry_init(&geo, hw, &r->g, op, &m.binding[direct >= 0 ? direct : rnd(0, 1) ? 0 : rnd(0, m.nbindings - 1)]);
	if (direct < 0 && tz_diagonal(&geo.b) >= 0) /* a diagonal binding: the direct form only */
		direct = 0;
	struct tz_mapping map = direct >= 0 ? pick_direct(&geo, rnd(0, 1)) : pick_mapping(&geo, rnd(0, 1));
	direct_cases += direct >= 0;
	tz_match_free(&m);
	cases++;
	verified += opcase_verify(hw, r, op, &map, what);
}

int main(void)
{
	const char *src = getenv("TESSEL_SOURCE_DIR");
	static const char *const configs[] = {"vta-default", "edge-tiny", "server-wide", "dot-i8", "mma-fp16"};
	enum { NCONFIGS = sizeof configs / sizeof *configs, PER_CONFIG = 60 };
	for (int c = 0; c < NCONFIGS; c++) {
		char path[512];
		snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", src ? src : ".", configs[c]);
		struct hw hw;
		struct diags err = {0};
		ASSERT_EQ(hw_load_file(path, &hw, &err), 0);
		diag_free(&err);
		bool flt = hw.intrinsic[0].a.dtype == DT_FP16;
		for (int i = 0; i < PER_CONFIG; i++) {
			struct opcase r = {0};
			int k = (int)rnd(0, 5);
			enum dtype dt = flt ? DT_FP16 : DT_INT8, od = flt ? DT_FP16 : rnd(0, 3) ? DT_INT8 : DT_INT32;
			int op = random_op(&r, k, dt, od);
			if (k != 5)
				random_epilogues(&r, op, flt);
			fill(&r);
			char what[128];
			snprintf(what, sizeof what, "%s case %d: %s -> %s", configs[c], i, kinds[k], dtype_name(od));
			check_case(&hw, &r, op, what);
			run_free(&r);
		}
	}
	printf("%d of %d random ops verified, %d of them in the direct form\n", verified, cases, direct_cases);
	ASSERT(verified >= 200);
	ASSERT(direct_cases >= 40);
	ASSERT_EQ(verified, cases);
	opcase_close_device();
	return test_done("lower_property");
}
