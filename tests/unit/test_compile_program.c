/* Whole compiled programs (what `tessel compile` writes): every
 * accelerator op of a workload lowered into one program, run on the
 * simulator at several DRAM latencies, and every op's output segment
 * compared with the host backend's result.  Timing must never change the
 * data: a missing dependency between ops shows up as a difference at some
 * latency (regression: the staging areas of one op's stores were
 * overwritten by the next op's loads at DRAM latency 150 on server-wide).
 * And compiled chains that run wholly on the device given a new input. */
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

/* A workload compiled with nothing run on the host (every intermediate
 * tensor read from the segment its producer stored), then run on an input
 * other than the one it was compiled with: written into the first op's
 * input segment in its layout, the last op's output must be the host's for
 * that input. */
static void check_new_input(const char *src, const char *wl_name, const char *hw_name)
{
	char path[512];
	struct diags err = {0};
	struct hw hw;
	snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", src, hw_name);
	ASSERT_EQ(hw_load_file(path, &hw, &err), 0);
	struct wl_workload w;
	snprintf(path, sizeof path, "%s/examples/workloads/%s.yaml", src, wl_name);
	ASSERT_EQ(wl_load_file(path, &w, &err), 0);
	struct cc_plan *plans = xcalloc((size_t)w.g.nops, sizeof *plans);
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, plans, &err), 0);
	bool *need = xcalloc((size_t)w.g.ntensors, sizeof *need);
	ASSERT_EQ(cc_host_values(&hw, &w.g, plans, need), 0);
	uint8_t **t = rt_tensor_buffers(&w); /* the compiled-in data: nothing computed */
	struct cc_request rq = {.name = wl_name, .g = &w.g, .plans = plans, .data = (const uint8_t *const *)t};
	struct cc_program prog;
	ASSERT_EQ(cc_build(&hw, &rq, &prog, &err), 0);
	/* another input, and the host's answer for it */
	const struct cc_plan *first = &prog.op[0].plan;
	ASSERT(first->map.direct);
	int in = first->geo.dir.a.tensor;
	size_t in_bytes = wl_tensor_bytes(&w, in);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < in_bytes; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		t[in][i] = (uint8_t)(x >> 24);
	}
	ASSERT_EQ(rt_host_all(&w, t, &err), 0);
	uint8_t *laid = xcalloc(tz_layout_bytes(&first->geo.dir.a) + 1, 1);
	tz_layout_pack(&w.g, &first->geo.dir.a, t[in], laid);
	char seg_name[160];
	snprintf(seg_name, sizeof seg_name, "%s.a", w.g.op[prog.op[0].op].name);
	const struct isa_segment *a = isa_program_segment(&prog.p, seg_name);
	ASSERT(a != NULL);
	struct device *d = dev_sim.open(&prog.p.hw, &err);
	struct dev_stats st;
	ASSERT(d && a);
	if (d && a) {
		ASSERT_EQ(dev_load_program(&dev_sim, d, &prog.p, &err), 0);
		ASSERT_EQ(dev_sim.write(d, a->addr, laid, tz_layout_bytes(&first->geo.dir.a), &err), 0);
		ASSERT_EQ(dev_sim.run(d, prog.p.code_addr, (uint32_t)prog.p.ninsn, NULL, &st, &err), 0);
		int last = prog.nops - 1, out = w.g.op[prog.op[last].op].out.tensor;
		const struct isa_segment *s = &prog.p.seg[prog.op[last].out_segment];
		size_t bytes = wl_tensor_bytes(&w, out);
		uint8_t *packed = xmalloc(s->size), *got = xcalloc(bytes, 1);
		ASSERT_EQ(dev_sim.read(d, s->addr, packed, s->size, &err), 0);
		cc_unpack(&prog, last, packed, got);
		bool same = !memcmp(got, t[out], bytes);
		ASSERT(same);
		if (!same)
			fprintf(stderr, "%s on %s: a new input does not give the host's %s\n", wl_name, hw_name, w.g.tensor[out].name);
		free(packed);
		free(got);
		dev_sim.close(d);
	}
	diag_print(&err, stderr);
	free(laid);
	cc_program_free(&prog);
	rt_free_buffers(&w, t);
	free(need);
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
	for (size_t i = 0; i < sizeof latencies / sizeof *latencies; i++)
		check_workload(src, "resblock", "vta-default", latencies[i]);
	check_workload(src, "bert-ffn", "vta-default", 32);
	check_new_input(src, "resblock", "edge-tiny");
	check_new_input(src, "bert-ffn", "vta-default");
	check_new_input(src, "mobilenet-dw", "vta-default");
	check_new_input(src, "mobilenet-dw", "edge-tiny");
	return test_done("compile_program");
}
