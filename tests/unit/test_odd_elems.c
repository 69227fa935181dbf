/* Descriptions whose element sizes do not divide 4096
 * (tests/regress/odd-elems/hw/: elements of 21, 35, 60 and 15 bytes; a
 * shared level of 12-byte elements).  DMA addresses count elements of the
 * buffer involved, so a segment must start on a whole element of every
 * level that addresses it.  Random programs (plain and with every knob)
 * assemble, their segments and micro-ops placed by the assembler's
 * defaults, and run; a compiled matmul's and max pool's segments and
 * micro-ops start on whole elements of every level, and what
 * they compute is what the host does (tests/CMakeLists.txt also runs them
 * with exec --verify). */
#include "compiler/compile.h"
#include "device/device.h"
#include "test.h"
#include "sim/simulator.h"

static const char *const odd_hw[] = {"odd357", "odd-shared"};
enum { NODD = 2, SEEDS = 6 };

static void load_odd(const char *name, struct hw *hw)
{
	test_load_hw("tests/regress/odd-elems/hw/%s.yaml", name, hw);
}

/* Every level, under DRAM (dram_only) or any, addresses `a` in whole
 * elements. */
static bool whole_for_all(const struct hw *hw, uint64_t a, bool dram_only)
{
	for (int l = 0; l < hw->nlevels; l++)
		if ((!dram_only || hw->level[l].parent < 0) && a % hw->level[l].elem_bytes)
			return false;
	return true;
}

/* Random programs assemble (the assembler places their segments) and run. */
static void test_randprogs(const char *name, const struct hw *hw)
{
	struct isa_layout lay;
	struct diags err = {0};
	ASSERT_EQ(isa_derive(hw, &lay, &err), 0);
	struct device *d = dev_sim.open(hw, &err);
	ASSERT(d != NULL);
	for (uint64_t seed = 1; seed <= SEEDS && d; seed++) {
		unsigned knobs = seed % 2 ? 0 : (1u << ISA_KNOB_COUNT) - 1;
		char *text = isa_randprog_knobs(hw, &lay, seed, 1 + (int)(seed % 3), knobs, &err);
		struct isa_program p;
		struct dev_stats st;
		if (!text || isa_assemble(text, "random.s", hw, &p, &err)) {
			fprintf(stderr, "%s seed %llu:\n", name, (unsigned long long)seed);
			diag_print(&err, stderr);
			ASSERT(!"a random program assembles");
			free(text);
			diag_free(&err);
			continue;
		}
		if (dev_run_program(&dev_sim, d, &p, NULL, &st, &err)) {
			fprintf(stderr, "%s seed %llu:\n", name, (unsigned long long)seed);
			diag_print(&err, stderr);
			ASSERT(!"a random program runs");
		}
		for (int i = 0; i < p.nseg; i++)
			ASSERT(whole_for_all(hw, p.seg[i].addr, false));
		isa_program_free(&p);
		free(text);
		diag_free(&err);
	}
	if (d)
		dev_sim.close(d);
}

/* A workload compiled for hw: its segments and micro-op region start on
 * whole elements of every level; run op by op (rt_exec, which has the host
 * steps a max pool's layout change needs), every op computes what the host
 * does. */
static void test_compiled(const char *hw_name, const struct hw *hw, const char *wl_name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/regress/odd-elems/%s.yaml", test_source_dir(), wl_name);
	struct diags err = {0};
	struct wl_workload w;
	ASSERT_EQ(wl_load_file(path, &w, &err), 0);
	struct cc_plan *plans = xcalloc((size_t)w.g.nops, sizeof *plans);
	ASSERT_EQ(cc_plan_ops(hw, &w.g, plans, &err), 0);
	uint8_t **t = rt_tensor_buffers(&w, &err);
	struct cc_request rq = {.name = wl_name, .g = &w.g, .plans = plans, .data = (const uint8_t *const *)t};
	struct cc_program prog;
	ASSERT_EQ(cc_build(hw, &rq, &prog, &err), 0);
	diag_print(&err, stderr);
	for (int i = 0; i < prog.p.nseg; i++)
		ASSERT(whole_for_all(hw, prog.p.seg[i].addr, false));
	ASSERT(whole_for_all(hw, prog.p.uop_addr, false));
	cc_program_free(&prog);
	struct rt_result *res = xcalloc((size_t)w.g.nops, sizeof *res);
	ASSERT_EQ(rt_exec(hw, &w, plans, &dev_sim, NULL, true, t, res, &err), 0);
	diag_print(&err, stderr);
	for (int i = 0; i < w.g.nops; i++) {
		if (!res[i].verified)
			fprintf(stderr, "%s on %s: op %s: %s\n", wl_name, hw_name, w.g.op[i].name, res[i].mismatch);
		ASSERT(res[i].verified);
	}
	free(res);
	rt_free_buffers(&w, t);
	free(plans);
	wl_free(&w);
	diag_free(&err);
}

/* Where no common multiple of 4096 and the elements fits DRAM (odd357's,
 * 430080 bytes, past 256 KiB), compiling is refused at the description,
 * not placed wrong. */
static void test_refused(void)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/tests/regress/odd-elems/hw/odd357.yaml", test_source_dir());
	struct diags err = {0};
	char *text = file_read_text(path, FILE_HWDESC, &err);
	ASSERT(text != NULL);
	char *small = test_replace(text, "capacity: 1 GiB", "capacity: 256 KiB");
	char *small18 = test_replace(small, "address_bits: 32", "address_bits: 18");
	struct hw hw;
	ASSERT_EQ(hw_load_string(small18, "small.yaml", &hw, &err), 0);
	snprintf(path, sizeof path, "%s/tests/regress/odd-elems/matmul.yaml", test_source_dir());
	struct wl_workload w;
	ASSERT_EQ(wl_load_file(path, &w, &err), 0);
	struct cc_plan *plans = xcalloc((size_t)w.g.nops, sizeof *plans);
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, plans, &err), 0);
	struct cc_request rq = {.name = "matmul", .g = &w.g, .plans = plans};
	struct cc_program prog;
	ASSERT_EQ(cc_build(&hw, &rq, &prog, &err), -1);
	ASSERT(err.n == 1 && strstr(err.v[0].msg, "the least one passes DRAM's 262144 bytes"));
	free(plans);
	wl_free(&w);
	diag_free(&err);
	free(text), free(small), free(small18);
}

int main(void)
{
	for (int i = 0; i < NODD; i++) {
		struct hw hw;
		load_odd(odd_hw[i], &hw);
		test_randprogs(odd_hw[i], &hw);
		test_compiled(odd_hw[i], &hw, "matmul");
		test_compiled(odd_hw[i], &hw, "max_pool");
	}
	test_refused();
	return test_done("test_odd_elems");
}
