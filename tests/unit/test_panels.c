/* The shared level as a tiling level (tz_mapping's `panel`):
 * - on server-wide with its 8 MiB gbuf cut to 256 KiB, GEMMs whose
 *   operands do not fit it whole: for mappings of the space that keep the
 *   inner block loop's operand in panels, the program's DRAM reads of data
 *   (its load instructions, counted here) are what the definition says,
 *   worked out from the operands' packed sizes alone: the inner operand
 *   once, panel by panel, and the outer one once per panel (its blocks
 *   stay in their buffers across a panel's inner blocks), or once when it
 *   is kept whole or all its blocks stay;
 * - on server-wide, a 4096x4096x4096 GEMM (16 MiB operands, twice the
 *   gbuf): its default mapping takes panels and reads less than half what
 *   any mapping without them must: one operand at least once per block of
 *   the other that holds all of K in its scratchpad. */
#include <inttypes.h>
#include <math.h>

#include "build_alone.h"
#include "tensorize/search.h"
#include "ir/workload.h"
#include "test.h"

static const char workload[] =
	"name: panels\n"
	"tensors:\n"
	"  - {name: a, shape: [128, 512], dtype: int8}\n"
	"  - {name: b, shape: [512, 1024], dtype: int8}\n"
	"  - {name: x, shape: [1, 8, 8, 512], dtype: int8}\n"
	"  - {name: w, shape: [768, 1, 1, 512], dtype: int8}\n"
	"  - {name: a2, shape: [1024, 512], dtype: int8}\n"
	"  - {name: b2, shape: [512, 1024], dtype: int8}\n"
	"ops:\n"
	"  - {name: mm, op: matmul, a: a, b: b, dtype: int8, epilogue: [{shr: 9}]}\n"
	"  - {name: pw, op: conv2d, input: x, weight: w, dtype: int8, epilogue: [{shr: 9}, relu]}\n"
	"  - {name: both, op: matmul, a: a2, b: b2, dtype: int8, epilogue: [{shr: 9}]}\n";

static int64_t ceil_div(int64_t n, int64_t d) { return (n + d - 1) / d; }

/* DRAM bytes a GEMM-form mapping reads by its definition, or -1 when its
 * outer operand is neither kept nor staying in its buffers. */
static double defined_reads(const struct tz_geometry *geo, const struct tz_mapping *m)
{
	double a = (double)tz_packed_a_bytes(geo), b = (double)tz_packed_b_bytes(geo);
	int64_t Mb = ceil_div(geo->count[TZ_G_M], m->bm), Nb = ceil_div(geo->count[TZ_G_N], m->bn);
	int64_t Kb = ceil_div(geo->count[TZ_G_K], m->bk), inner = m->n_outer ? Mb : Nb;
	double panels = m->panel ? (double)ceil_div(inner, m->panel) : 1;
	bool outer_kept = m->n_outer ? m->keep_b : m->keep_a, inner_kept = m->n_outer ? m->keep_a : m->keep_b;
	int64_t outer_ring = m->n_outer ? m->ring_b : m->ring_a, outer = m->n_outer ? Nb : Mb;
	if (!inner_kept || (!outer_kept && Kb > outer_ring))
		return -1;
	double in = m->n_outer ? a : b, out = m->n_outer ? b : a;
	return in + (outer_kept || outer * Kb <= outer_ring ? out : out * panels);
}

/* Bytes the program's loads read from DRAM, but the micro-op kernels
 * (staged through the shared level too). */
static uint64_t data_reads(const struct isa_program *p)
{
	uint64_t n = 0, uops_end = p->uop_addr + (uint64_t)p->nuop * sizeof(uint32_t);
	for (int i = 0; i < p->ninsn; i++) {
		const struct isa_insn *in = &p->insn[i];
		const struct hw_level *l = &p->hw.level[in->f[ISA_F_BUF]];
		uint64_t at = (uint64_t)in->f[ISA_F_ADDR] * l->elem_bytes;
		if (p->layout.kind[in->kind].cls == ISA_CLASS_LOAD && l->parent < 0 && !(at >= p->uop_addr && at < uops_end))
			n += (uint64_t)(in->f[ISA_F_YSIZE] * in->f[ISA_F_XSIZE]) * l->elem_bytes;
	}
	return n;
}

static uint64_t program_reads(const struct hw *hw, struct wl_workload *w, struct cc_plan *plans, int op,
			      const struct tz_mapping *m)
{
	struct cc_program prog;
	if (test_build_alone(hw, w, plans, op, m, NULL, &prog))
		return 0;
	uint64_t got = data_reads(&prog.p);
	cc_program_free(&prog);
	return got;
}

static const char prefill[] = "name: prefill\n"
			      "tensors:\n"
			      "  - {name: x, shape: [4096, 4096], dtype: int8}\n"
			      "  - {name: w, shape: [4096, 4096], dtype: int8}\n"
			      "ops:\n"
			      "  - {name: proj, op: matmul, a: x, b: w, dtype: int8, epilogue: [{shr: 12}]}\n";

/* Part two: the default mapping of a GEMM larger than the shared level. */
static void large_gemm(void)
{
	struct hw hw;
	struct wl_workload w;
	struct diags err = {0};
	test_load_example("server-wide", &hw);
	ASSERT_EQ(wl_load_string(prefill, "prefill.yaml", &w, &err), 0);
	struct cc_plan plan;
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, &plan, &err), 0);
	struct tz_geometry geo;
	tz_geometry_init(&geo, &hw, &w.g, 0, &plan.map.b);
	const struct hw_intrinsic *in = &hw.intrinsic[geo.b.intrinsic];
	double a = (double)tz_packed_a_bytes(&geo), b = (double)tz_packed_b_bytes(&geo);
	uint64_t gbuf = hw.level[tz_shared_level(&hw)].capacity;
	ASSERT(a > (double)gbuf && b > (double)gbuf);
	/* without panels neither is kept: one is read once per block of the
	 * other, whose blocks hold at most the tiles with all of K that fit
	 * its scratchpad */
	double tiles_a = floor((double)hw.level[in->a.level].capacity / (a / (double)geo.count[TZ_G_M]));
	double tiles_b = floor((double)hw.level[in->b.level].capacity / (b / (double)geo.count[TZ_G_N]));
	double least = fmin(a + b * ceil((double)geo.count[TZ_G_M] / tiles_a),
			    b + a * ceil((double)geo.count[TZ_G_N] / tiles_b));
	uint64_t got = program_reads(&hw, &w, &plan, 0, &plan.map);
	struct strbuf f = {0};
	tz_mapping_format(&plan.map, &f);
	printf("proj 4096x4096x4096: the default %s reads %" PRIu64 " bytes; without panels at least %.0f\n", f.s, got,
	       least);
	sb_free(&f);
	ASSERT(plan.map.panel > 0);
	ASSERT((double)got < least / 2);
	wl_free(&w);
	diag_free(&err);
}

int main(void)
{
	char *text = test_example_text("server-wide");
	char *small = test_replace(text, "capacity: 8 MiB", "capacity: 256 KiB");
	struct hw hw;
	struct wl_workload w;
	struct diags err = {0};
	ASSERT_EQ(hw_load_string(small, "server-wide-256k.yaml", &hw, &err), 0);
	ASSERT_EQ(wl_load_string(workload, "panels.yaml", &w, &err), 0);
	struct cc_plan *plans = xcalloc((size_t)w.g.nops, sizeof *plans);
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, plans, &err), 0);
	int checked = 0;
	for (int op = 0; op < w.g.nops; op++) {
		struct tz_match match;
		ASSERT_EQ(tz_match_op(&hw, &w.g, op, &match), 0);
		struct tz_space s;
		ASSERT_EQ(tz_space_build(&hw, &w.g, op, &match, &s, &err), 0);
		int64_t with = 0, shown = 0;
		for (int64_t i = 0; i < s.n; i++)
			with += s.m[i].panel > 0 && defined_reads(&s.geo[s.geo_of[i]], &s.m[i]) >= 0;
		printf("%s: %" PRId64 " mappings of %" PRId64 " keep panels\n", w.g.op[op].name, with, s.n);
		ASSERT(with > 0);
		for (int64_t i = 0, k = 0; i < s.n; i++) {
			const struct tz_geometry *geo = &s.geo[s.geo_of[i]];
			double want = defined_reads(geo, &s.m[i]);
			if (!s.m[i].panel || want < 0 || k++ * 8 / with != shown)
				continue;
			shown++;
			uint64_t got = program_reads(&hw, &w, plans, op, &s.m[i]);
			struct strbuf f = {0};
			tz_mapping_format(&s.m[i], &f);
			printf("  %-60s reads %9" PRIu64 ", by definition %9.0f\n", f.s, got, want);
			sb_free(&f);
			ASSERT_EQ((double)got, want);
			checked++;
		}
		tz_space_free(&s);
		tz_match_free(&match);
	}
	ASSERT(checked >= 20);
	free(plans);
	wl_free(&w);
	free(small);
	free(text);
	diag_free(&err);
	large_gemm();
	return test_done("test_panels");
}
