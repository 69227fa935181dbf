/* Whole compiled programs (what `tessel compile` writes): every
 * accelerator op of a workload lowered into one program, run on the
 * simulator at several DRAM latencies, and every op's output segment
 * compared with the host backend's result.  Timing must never change the
 * data: a missing dependency between ops shows up as a difference at some
 * latency (regression: the staging areas of one op's stores were
 * overwritten by the next op's loads at DRAM latency 150 on server-wide). */
#include <inttypes.h>

#include "compiler/compile.h"
#include "test.h"
#include "sim/simulator.h"

static void check_workload(const char *src, const char *wl_name, const char *hw_name, uint32_t latency)
{
	char path[512];
	struct diags err = {0};
	struct hw hw;
	snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", src, hw_name);
	ASSERT_EQ(hw_load_file(path, &hw, &err), 0);
	hw.dram.latency = latency;
	struct wl_workload w;
	snprintf(path, sizeof path, "%s/examples/workloads/%s.yaml", src, wl_name);
	ASSERT_EQ(wl_load_file(path, &w, &err), 0);
	struct cc_plan *plans = xcalloc((size_t)w.g.nops, sizeof *plans);
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, plans, &err), 0);
	int nops = 0;
	for (int op = 0; op < w.g.nops; op++)
		nops += plans[op].kind != CC_HOST;
	ASSERT_EQ(nops, w.g.nops);
	uint8_t **ref = rt_tensor_buffers(&w);
	ASSERT_EQ(rt_host_all(&w, ref, &err), 0);
	struct cc_request rq = {.name = wl_name, .g = &w.g, .plans = plans, .data = (const uint8_t *const *)ref};
	struct cc_program prog;
	ASSERT_EQ(cc_build(&hw, &rq, &prog, &err), 0);
	struct device *d = dev_sim.open(&prog.p.hw, &err);
	struct dev_stats st;
	ASSERT(d != NULL);
	ASSERT_EQ(dev_run_program(&dev_sim, d, &prog.p, NULL, &st, &err), 0);
	diag_print(&err, stderr);
	for (int i = 0; i < prog.nops && d; i++) {
		const struct isa_segment *s = &prog.p.seg[prog.op[i].out_segment];
		int out = w.g.op[prog.op[i].op].out.tensor;
		size_t bytes = wl_tensor_bytes(&w, out);
		uint8_t *packed = xmalloc(s->size), *got = xcalloc(bytes, 1);
		ASSERT_EQ(dev_sim.read(d, s->addr, packed, s->size, &err), 0);
		cc_unpack(&prog, i, packed, got);
		bool same = !memcmp(got, ref[out], bytes);
		ASSERT(same);
		if (!same)
			fprintf(stderr, "%s on %s at DRAM latency %u: op %s differs\n", wl_name, hw_name, latency,
				w.g.op[prog.op[i].op].name);
		free(packed);
		free(got);
	}
	if (d)
		dev_sim.close(d);
	cc_program_free(&prog);
	rt_free_buffers(&w, ref);
	free(plans);
	wl_free(&w);
	diag_free(&err);
}

int main(void)
{
	const char *src = getenv("TESSEL_SOURCE_DIR");
	src = src ? src : ".";
	static const uint32_t latencies[] = {0, 37, 150, 400};
	for (size_t i = 0; i < sizeof latencies / sizeof *latencies; i++) {
		check_workload(src, "mobilenet-dw", "server-wide", latencies[i]);
		check_workload(src, "mobilenet-dw", "edge-tiny", latencies[i]);
	}
	check_workload(src, "gemm", "dot-i8", 24);
	return test_done("compile_program");
}
