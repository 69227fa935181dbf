/* Serpentine order (tz_serpentine): an integer op's output blocks run
 * their reduction blocks forward, then backward, then forward, so that a
 * block starts from the reduction blocks the one before ended with.  For
 * GEMM-form mappings of the space whose operands do not stay in their
 * buffers, on vta-default and edge-tiny, the program's load instructions
 * into each operand's scratchpad (one per block, counted here) are what
 * the order gives, worked out from the blocking alone: the outer block
 * loop's operand loads every reduction block of its first inner block and
 * then all but a buffer ring's worth for each next inner block; the inner
 * loop's operand loads every step, but where the inner loop has one block
 * (then consecutive blocks share it: a ring's worth fewer per outer
 * block).  The analytical estimate of DRAM reads counts the same, and an
 * fp16 op keeps the forward order (its sums would round differently). */
#include <inttypes.h>

#include "build_alone.h"
#include "tensorize/search.h"
#include "ir/workload.h"
#include "test.h"

static const char workload[] = "name: serpentine\n"
			       "tensors:\n"
			       "  - {name: a, shape: [96, 512], dtype: int8}\n"
			       "  - {name: b, shape: [512, 200], dtype: int8}\n"
			       "  - {name: c, shape: [16, 384], dtype: int8}\n"
			       "  - {name: d, shape: [384, 512], dtype: int8}\n"
			       "ops:\n"
			       "  - {name: mm, op: matmul, a: a, b: b, dtype: int8, epilogue: [{shr: 9}]}\n"
			       "  - {name: thin, op: matmul, a: c, b: d, dtype: int8, epilogue: [{shr: 8}]}\n";

static int64_t ceil_div(int64_t n, int64_t d) { return (n + d - 1) / d; }

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Loads into A's and B's scratchpads by the order's definition, or false
 * where an operand's blocks of a pass all stay in its buffers (then the
 * order changes nothing). */
static bool defined_loads(const struct tz_geometry *geo, const struct tz_mapping *m, int64_t *la, int64_t *lb)
{
	int64_t Mb = ceil_div(geo->count[TZ_G_M], m->bm), Nb = ceil_div(geo->count[TZ_G_N], m->bn);
	int64_t Kb = ceil_div(geo->count[TZ_G_K], m->bk), Bt = geo->count[TZ_G_BATCH];
	int64_t outer = m->n_outer ? Nb : Mb, inner = m->n_outer ? Mb : Nb;
	int64_t ring_outer = m->n_outer ? m->ring_b : m->ring_a, ring_inner = m->n_outer ? m->ring_a : m->ring_b;
	if (m->keep_a || m->keep_b || m->panel || Kb <= ring_outer || inner * Kb <= ring_inner)
		return false;
	int64_t lo = Bt * outer * (Kb + (inner - 1) * (Kb - min64(ring_outer, Kb)));
	int64_t li = inner == 1 ? Bt * (Kb + (outer - 1) * (Kb - min64(ring_inner, Kb))) : Bt * outer * inner * Kb;
	*la = m->n_outer ? li : lo;
	*lb = m->n_outer ? lo : li;
	return true;
}

static bool is_load_into(const struct isa_program *p, int i, int level)
{
	return p->layout.kind[p->insn[i].kind].cls == ISA_CLASS_LOAD && (int)p->insn[i].f[ISA_F_BUF] == level;
}

/* The program's block loads into scratchpad `level`: its load instructions,
 * but a narrow one right after a whole one into the same level finishes
 * that one's block (B's last row of tiles, tz_geometry's b_narrow). */
static int64_t loads_into(const struct isa_program *p, int level)
{
	int64_t n = 0;
	for (int i = 0; i < p->ninsn; i++)
		n += is_load_into(p, i, level) && !(p->insn[i].f[ISA_F_VALUES] && i > 0 && is_load_into(p, i - 1, level) &&
						     !p->insn[i - 1].f[ISA_F_VALUES]);
	return n;
}

static int check_hw(const char *name)
{
	struct hw hw;
	struct wl_workload w;
	struct diags err = {0};
	test_load_example(name, &hw);
	ASSERT_EQ(wl_load_string(workload, "serpentine.yaml", &w, &err), 0);
	struct cc_plan *plans = xcalloc((size_t)w.g.nops, sizeof *plans);
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, plans, &err), 0);
	int checked = 0;
	for (int op = 0; op < w.g.nops; op++) {
		struct tz_match match;
		ASSERT_EQ(tz_match_op(&hw, &w.g, op, &match), 0);
		struct tz_space s;
		ASSERT_EQ(tz_space_build(&hw, &w.g, op, &match, &s, &err), 0);
		int64_t eligible = 0, shown = 0, la, lb;
		for (int64_t i = 0; i < s.n; i++)
			eligible += !s.m[i].direct && defined_loads(&s.geo[s.geo_of[i]], &s.m[i], &la, &lb);
		printf("%s %s: %" PRId64 " GEMM-form mappings of %" PRId64 " whose operands do not stay\n", name,
		       w.g.op[op].name, eligible, s.n);
		ASSERT(eligible > 0);
		for (int64_t i = 0, k = 0; i < s.n; i++) {
			const struct tz_geometry *geo = &s.geo[s.geo_of[i]];
			const struct tz_mapping *m = &s.m[i];
			if (m->direct || !defined_loads(geo, m, &la, &lb) || k++ * 10 / eligible != shown)
				continue;
			shown++;
			ASSERT(tz_serpentine(geo, m));
			struct cc_program prog;
			ASSERT_EQ(test_build_alone(&hw, &w, plans, op, m, NULL, &prog), 0);
			const struct hw_intrinsic *in = &hw.intrinsic[geo->b.intrinsic];
			int64_t ga = loads_into(&prog.p, in->a.level), gb = loads_into(&prog.p, in->b.level);
			cc_program_free(&prog);
			/* the estimate counts the same blocks: their bytes, block by block */
			double est = tz_estimate_dram_read(geo, m);
			double want = (double)la * (double)(m->bm * m->bk * geo->ea * geo->bytes_a) +
				      (double)lb * (double)(m->bn * m->bk * geo->eb * geo->bytes_b);
			struct strbuf f = {0};
			tz_mapping_format(m, &f);
			printf("  %-48s loads A %5" PRId64 " B %5" PRId64 ", by definition %5" PRId64 " %5" PRId64
			       "; estimate %.0f bytes, full blocks %.0f\n", f.s, ga, gb, la, lb, est, want);
			sb_free(&f);
			ASSERT_EQ(ga, la);
			ASSERT_EQ(gb, lb);
			/* edge blocks are smaller than full ones: the estimate, counting full blocks, is at most that */
			ASSERT(est <= want * (1 + 1e-9));
			checked++;
		}
		tz_space_free(&s);
		tz_match_free(&match);
	}
	free(plans);
	wl_free(&w);
	diag_free(&err);
	return checked;
}

/* An fp16 sum keeps the forward order. */
static void float_forward(void)
{
	static const char fp[] = "name: fp\n"
				 "tensors:\n"
				 "  - {name: a, shape: [64, 256], dtype: fp16}\n"
				 "  - {name: b, shape: [256, 64], dtype: fp16}\n"
				 "ops:\n"
				 "  - {name: mm, op: matmul, a: a, b: b, dtype: fp16}\n";
	struct hw hw;
	struct wl_workload w;
	struct diags err = {0};
	test_load_example("mma-fp16", &hw);
	ASSERT_EQ(wl_load_string(fp, "fp.yaml", &w, &err), 0);
	struct tz_match match;
	ASSERT_EQ(tz_match_op(&hw, &w.g, 0, &match), 0);
	struct tz_space s;
	ASSERT_EQ(tz_space_build(&hw, &w.g, 0, &match, &s, &err), 0);
	int64_t several = 0;
	for (int64_t i = 0; i < s.n; i++) {
		const struct tz_geometry *geo = &s.geo[s.geo_of[i]];
		several += !s.m[i].direct && ceil_div(geo->count[TZ_G_K], s.m[i].bk) > 1;
		ASSERT(!tz_serpentine(geo, &s.m[i]));
	}
	printf("mma-fp16 mm: %" PRId64 " mappings with several reduction blocks, all in forward order\n", several);
	ASSERT(several > 0);
	tz_space_free(&s);
	tz_match_free(&match);
	wl_free(&w);
	diag_free(&err);
}

int main(void)
{
	int checked = check_hw("vta-default") + check_hw("edge-tiny");
	ASSERT(checked >= 30);
	float_forward();
	return test_done("test_serpentine");
}
