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
	uint8_t **ref = rt_tensor_buffers(&w, &err);
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
	uint8_t **t = rt_tensor_buffers(&w, &err); /* the compiled-in data: nothing computed */
	struct cc_request rq = {.name = wl_name, .g = &w.g, .plans = plans, .data = (const uint8_t *const *)t};
	struct cc_program prog;
	ASSERT_EQ(cc_build(&hw, &rq, &prog, &err), 0);
	/* another input, and the host's answer for it */
	const struct cc_plan *first = &prog.op[0].plan;
	const struct ir_op *op0 = &w.g.op[prog.op[0].op];
	int in = first->map.direct ? first->geo.dir.a.tensor : op0->in[0].tensor;
	if (w.g.tensor[in].kind == IR_TENSOR_WEIGHT)
		in = op0->in[1].tensor;
	bool in_a = first->map.direct || op0->in[first->map.b.input_a].tensor == in;
	size_t in_bytes = wl_tensor_bytes(&w, in);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < in_bytes; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		t[in][i] = (uint8_t)(x >> 24);
	}
	ASSERT_EQ(rt_host_all(&w, t, &err), 0);
	char seg_name[160];
	snprintf(seg_name, sizeof seg_name, "%s.%s", op0->name, in_a ? "a" : "b");
	const struct isa_segment *a = isa_program_segment(&prog.p, seg_name);
	ASSERT(a != NULL);
	uint64_t laid_bytes = a ? a->size : 1;
	uint8_t *laid = xcalloc(laid_bytes + 1, 1);
	if (first->map.direct)
		tz_layout_pack(&w.g, &first->geo.dir.a, t[in], laid);
	else if (in_a)
		tz_pack_a(&first->geo, (const uint8_t *const *)t, laid);
	else
		tz_pack_b(&first->geo, (const uint8_t *const *)t, laid);
	struct device *d = dev_sim.open(&prog.p.hw, &err);
	struct dev_stats st;
	ASSERT(d && a);
	if (d && a) {
		ASSERT_EQ(dev_load_program(&dev_sim, d, &prog.p, &err), 0);
		ASSERT_EQ(dev_sim.write(d, a->addr, laid, laid_bytes, &err), 0);
		ASSERT_EQ(dev_run_loaded(&dev_sim, d, &prog.p, NULL, &st, &err), 0);
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
	free(plans);
	wl_free(&w);
	diag_free(&err);
}

/* A program of several runs through a .tsp and back: the same steps; and
 * a gather that reads past its segment is refused, naming the step. */
static void check_steps(const char *src)
{
	char path[512];
	struct diags err = {0};
	struct hw hw;
	struct wl_workload w;
	/* a chain on server-wide, whose elements hold four rows: its tensors change layout between ops by gathers */
	snprintf(path, sizeof path, "%s/examples/hw/server-wide.yaml", src);
	ASSERT_EQ(hw_load_file(path, &hw, &err), 0);
	snprintf(path, sizeof path, "%s/examples/workloads/mobilenet-dw.yaml", src);
	ASSERT_EQ(wl_load_file(path, &w, &err), 0);
	struct cc_plan *plans = xcalloc((size_t)w.g.nops, sizeof *plans);
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, plans, &err), 0);
	uint8_t **t = rt_tensor_buffers(&w, &err);
	struct cc_request rq = {.name = "mobilenet-dw", .g = &w.g, .plans = plans, .data = (const uint8_t *const *)t};
	struct cc_program prog;
	ASSERT_EQ(cc_build(&hw, &rq, &prog, &err), 0);
	ASSERT(prog.p.nstep >= 3);
	size_t len = 0;
	uint8_t *bytes = isa_tsp_encode(&prog.p, &len);
	struct isa_program back;
	ASSERT(bytes && !isa_tsp_decode(bytes, len, "back.tsp", &back, &err));
	ASSERT_EQ(back.nstep, prog.p.nstep);
	for (int i = 0; i < back.nstep && i < prog.p.nstep; i++) {
		const struct isa_step *a = &prog.p.step[i], *b = &back.step[i];
		ASSERT(a->kind == b->kind && a->first == b->first && a->count == b->count && a->src == b->src &&
		       a->dst == b->dst && a->n == b->n);
		if (a->kind == ISA_STEP_GATHER)
			ASSERT(!memcmp(a->from, b->from, a->n * sizeof *a->from));
	}
	int g = back.nstep > 1 && back.step[1].kind == ISA_STEP_GATHER ? 1 : -1;
	ASSERT(g == 1);
	if (g == 1) {
		back.step[g].from[0] = 1u << 30; /* past every segment */
		free(bytes);
		bytes = isa_tsp_encode(&back, &len);
		struct isa_program bad;
		diag_free(&err);
		memset(&err, 0, sizeof err);
		ASSERT_EQ(isa_tsp_decode(bytes, len, "bad.tsp", &bad, &err), -1);
		ASSERT(err.n == 1 && strstr(err.v[0].msg, "corrupt: step 1 reads outside every segment"));
	}
	free(bytes);
	isa_program_free(&back);
	cc_program_free(&prog);
	rt_free_buffers(&w, t);
	free(plans);
	wl_free(&w);
	diag_free(&err);
}

/* A program with host steps (pooling.yaml: a host op between accelerator
 * ops; the ALU's max pools' windows computed on the host where the pool
 * has no direct form, as on server-wide) given a new
 * input through its port: every output is the host backend's for that
 * input.  Without a host backend the run is refused, naming the op. */
static void check_host_steps(const char *src, const char *hw_name)
{
	char path[512];
	struct diags err = {0};
	struct hw hw;
	struct wl_workload w;
	snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", src, hw_name);
	ASSERT_EQ(hw_load_file(path, &hw, &err), 0);
	snprintf(path, sizeof path, "%s/examples/workloads/pooling.yaml", src);
	ASSERT_EQ(wl_load_file(path, &w, &err), 0);
	struct cc_plan *plans = xcalloc((size_t)w.g.nops, sizeof *plans);
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, plans, &err), 0);
	uint8_t **t = rt_tensor_buffers(&w, &err);
	struct cc_request rq = {.name = "pooling", .g = &w.g, .plans = plans, .data = (const uint8_t *const *)t,
				.ports = true};
	struct cc_program prog;
	ASSERT_EQ(cc_build(&hw, &rq, &prog, &err), 0);
	diag_print(&err, stderr);
	int hosts = 0, planned = 0;
	for (int i = 0; i < prog.p.nstep; i++)
		hosts += prog.p.step[i].kind == ISA_STEP_HOST;
	for (int op = 0; op < w.g.nops; op++) /* avg, and the windows of a max pool not in its direct form */
		planned += plans[op].kind == CC_HOST || (plans[op].kind == CC_POOL && !plans[op].pool.box.ok);
	ASSERT_EQ(hosts, planned);
	ASSERT(planned >= 1);
	int x = ir_tensor_lookup(&w.g, "x");
	size_t x_bytes = wl_tensor_bytes(&w, x);
	uint64_t r = 0x2545f4914f6cdd1dull;
	for (size_t i = 0; i < x_bytes; i++) {
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		t[x][i] = (uint8_t)(r >> 24);
	}
	ASSERT_EQ(isa_program_set_input(&prog.p, isa_program_input_port(&prog.p, "x", &err), t[x], &err), 0);
	ASSERT_EQ(rt_host_all(&w, t, &err), 0);
	struct device *d = dev_sim.open(&prog.p.hw, &err);
	ASSERT(d != NULL);
	struct dev_stats st;
	/* no host backend: refused, naming the first host op */
	ASSERT_EQ(dev_run_program(&dev_sim, d, &prog.p, NULL, &st, &err), -1);
	ASSERT(err.n == 1 && strstr(err.v[0].msg, "computes op '") && strstr(err.v[0].msg, "no host backend"));
	diag_free(&err);
	memset(&err, 0, sizeof err);
	struct cc_host_runner host;
	cc_host_runner_init(&host);
	struct dev_run_opts ro = {.host = &host.dev};
	ASSERT_EQ(dev_run_program(&dev_sim, d, &prog.p, &ro, &st, &err), 0);
	diag_print(&err, stderr);
	int outputs = 0;
	for (int k = 0; k < prog.p.nport; k++) {
		const struct isa_port *pt = &prog.p.port[k];
		if (pt->kind != ISA_PORT_OUTPUT)
			continue;
		outputs++;
		ASSERT(pt->why_not == NULL);
		uint8_t *got = xcalloc((size_t)isa_port_bytes(pt) + 1, 1);
		ASSERT_EQ(dev_read_output(&dev_sim, d, &prog.p, k, got, &err), 0);
		int tn = ir_tensor_lookup(&w.g, pt->name);
		bool same = !memcmp(got, t[tn], (size_t)isa_port_bytes(pt));
		ASSERT(same);
		if (!same)
			fprintf(stderr, "pooling on %s: output %s is not the host's for a new input\n", hw_name, pt->name);
		free(got);
	}
	ASSERT_EQ(outputs, 3); /* stem_pool, pool2, head */
	cc_host_runner_close(&host);
	dev_sim.close(d);
	cc_program_free(&prog);
	rt_free_buffers(&w, t);
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
	/* chains whose tensors change layout between ops: gathers between runs */
	check_new_input(src, "mobilenet-dw", "server-wide");
	check_new_input(src, "mobilenet-dw", "dot-i8");
	check_new_input(src, "resblock", "vta-default");
	check_new_input(src, "resblock", "dot-i8");
	check_new_input(src, "resblock", "server-wide");
	check_steps(src);
	check_host_steps(src, "vta-default");
	check_host_steps(src, "edge-tiny");
	check_host_steps(src, "dot-i8");
	check_host_steps(src, "server-wide");
	return test_done("compile_program");
}
