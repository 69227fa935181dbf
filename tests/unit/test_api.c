/* The public API (api/tessel.h): a model compiled here runs through it on
 * new inputs and gives what the host backend computes on them, 1000 times
 * over with a load, a run and a close each time (the sanitizer build checks
 * that nothing leaks); misuse — NULL handles, calls in the wrong order,
 * unknown names, wrong dtypes, shapes and sizes, a model for other hardware,
 * a file that is not a model — returns an error with a message, never a
 * crash. */
#include <math.h>
#include <pthread.h>
#include <unistd.h>

#include "api/tessel.h"
#include "compiler/compile.h"
#include "test.h"

static const char *workload =
	"name: tiny\n"
	"seed: 5\n"
	"tensors:\n"
	"  - {name: a, shape: [24, 40], dtype: int8}\n"
	"  - {name: b, shape: [40, 20], dtype: int8, kind: weight}\n"
	"ops:\n"
	"  - {name: mm, op: matmul, a: a, b: b, dtype: int8, epilogue: [{shr: 6}, {clip: [-128, 127]}]}\n";

static char model_path[64];

/* Compiles the workload for the built-in hardware, but with 16 MiB of DRAM
 * instead of 1 GiB (a device allocates its DRAM when opened, which the
 * sanitizers make slow), into model_path. */
static void compile_model(struct wl_workload *w)
{
	struct diags err = {0};
	struct hw hw;
	ASSERT_EQ(hw_load_default(&hw, &err), 0);
	hw.dram.capacity = 16 << 20;
	ASSERT_EQ(wl_load_string(workload, "tiny.yaml", w, &err), 0);
	struct cc_plan plans[1];
	ASSERT_EQ(cc_plan_ops(&hw, &w->g, plans, &err), 0);
	uint8_t **t = rt_tensor_buffers(w, &err);
	struct cc_request rq = {.name = "tiny", .g = &w->g, .plans = plans, .data = (const uint8_t *const *)t,
				.ports = true};
	struct cc_program prog;
	ASSERT_EQ(cc_build(&hw, &rq, &prog, &err), 0);
	ASSERT_EQ(isa_tsp_write(&prog.p, model_path, &err), 0);
	diag_print(&err, stderr);
	cc_program_free(&prog);
	rt_free_buffers(w, t);
	diag_free(&err);
}

/* The host backend's mm on input a (the weights as the workload makes them). */
static void host_reference(const struct wl_workload *w, const int8_t *a, uint8_t *out)
{
	struct diags err = {0};
	uint8_t **t = rt_tensor_buffers(w, &err);
	memcpy(t[ir_tensor_lookup(&w->g, "a")], a, 24 * 40);
	ASSERT_EQ(rt_host_all(w, t, &err), 0);
	memcpy(out, t[ir_tensor_lookup(&w->g, "mm")], 24 * 20);
	rt_free_buffers(w, t);
	diag_free(&err);
}

/* The energy is its parts, and its DRAM part the bytes moved at the
 * default 1.95 nJ per 64 bits (docs/energy.md). */
static bool energy_adds_up(const tessel_stats *st)
{
	double parts = st->energy_mac_pj + st->energy_onchip_pj + st->energy_dram_pj + st->energy_alu_pj +
		       st->energy_leakage_pj;
	double dram = (double)(st->dram_read + st->dram_written) * 1950.0 / 8;
	return st->energy_pj > 0 && st->energy_mac_pj > 0 && fabs(st->energy_pj - parts) <= 1e-9 * st->energy_pj &&
	       fabs(st->energy_dram_pj - dram) <= 1e-9 * dram;
}

static void test_runs(const struct wl_workload *w)
{
	int8_t a[24 * 40];
	for (int i = 0; i < 24 * 40; i++)
		a[i] = (int8_t)((i * 37) % 251 - 125);
	uint8_t want[24 * 20], got[24 * 20];
	host_reference(w, a, want);
	const int64_t shape_a[2] = {24, 40};
	int runs_equal = 0;
	for (int k = 0; k < 1000; k++) {
		tessel_error err;
		tessel_model *m = NULL;
		tessel_device *d = NULL;
		tessel_stats st;
		memset(got, 0, sizeof got);
		int bad = tessel_model_load(model_path, NULL, &m, &err) ||
			  tessel_device_open("sim", tessel_model_hw(m), &d, &err) ||
			  tessel_model_set_input(m, "a", TESSEL_INT8, 2, shape_a, a, sizeof a, &err) ||
			  tessel_run(d, m, NULL, &st, &err) || tessel_get_output(d, m, "mm", got, sizeof got, &err);
		if (bad && k == 0)
			fprintf(stderr, "run: %s\n", err.message);
		runs_equal += !bad && !memcmp(got, want, sizeof got) && st.cycles > 0 && st.macs >= 24 * 40 * 20 && /* tiles count their padding */
			      st.host_seconds == 0 && /* one run: no steps on the host */
			      energy_adds_up(&st);
		tessel_device_close(d);
		tessel_model_free(m);
	}
	ASSERT_EQ(runs_equal, 1000);
}

/* Separate handles from separate threads at once: each thread its own
 * input, model and device, many times over; every result the host's. */
enum { THREADS = 4, THREAD_RUNS = 25 };

struct worker {
	int8_t a[24 * 40];
	uint8_t want[24 * 20];
	int equal;
};

static void *work(void *arg)
{
	struct worker *wk = arg;
	const int64_t shape_a[2] = {24, 40};
	for (int k = 0; k < THREAD_RUNS; k++) {
		tessel_error err;
		tessel_model *m = NULL;
		tessel_device *d = NULL;
		uint8_t got[24 * 20] = {0};
		int bad = tessel_model_load(model_path, NULL, &m, &err) ||
			  tessel_device_open("sim", tessel_model_hw(m), &d, &err) ||
			  tessel_model_set_input(m, "a", TESSEL_INT8, 2, shape_a, wk->a, sizeof wk->a, &err) ||
			  tessel_run(d, m, NULL, NULL, &err) || tessel_get_output(d, m, "mm", got, sizeof got, &err);
		wk->equal += !bad && !memcmp(got, wk->want, sizeof got);
		tessel_device_close(d);
		tessel_model_free(m);
	}
	return NULL;
}

static void test_threads(const struct wl_workload *w)
{
	static struct worker wk[THREADS];
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++) {
		for (int j = 0; j < 24 * 40; j++)
			wk[i].a[j] = (int8_t)((j * (11 + 2 * i)) % 253 - 126);
		host_reference(w, wk[i].a, wk[i].want);
		ASSERT_EQ(pthread_create(&th[i], NULL, work, &wk[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		ASSERT_EQ(wk[i].equal, THREAD_RUNS);
	}
	ASSERT(memcmp(wk[0].want, wk[1].want, sizeof wk[0].want)); /* the inputs made a difference */
}

/* status and a message containing `want` */
static void expect(tessel_status got, const tessel_error *err, tessel_status status, const char *want)
{
	ASSERT_EQ(got, status);
	ASSERT_EQ(err->status, status);
	if (!strstr(err->message, want))
		fprintf(stderr, "  message '%s' lacks '%s'\n", err->message, want);
	ASSERT(strstr(err->message, want) != NULL);
}

static void test_misuse(void)
{
	tessel_error err;
	tessel_model *m = NULL;
	tessel_device *d = NULL;
	tessel_hw *hw = NULL;
	int8_t a[24 * 40] = {0};
	uint8_t out[24 * 20];
	const int64_t shape_a[2] = {24, 40}, wrong[2] = {40, 24};
	expect(tessel_model_load(NULL, NULL, &m, &err), &err, TESSEL_BAD_USAGE, "path is NULL");
	expect(tessel_model_load(model_path, NULL, NULL, &err), &err, TESSEL_BAD_USAGE, "out is NULL");
	expect(tessel_model_load("/nonexistent/m.tsp", NULL, &m, &err), &err, TESSEL_BAD_INPUT, "m.tsp");
	ASSERT(m == NULL);
	char path[512];
	snprintf(path, sizeof path, "%s/examples/hw/vta-default.yaml", test_source_dir());
	expect(tessel_model_load(path, NULL, &m, &err), &err, TESSEL_BAD_INPUT, "vta-default.yaml");
	snprintf(path, sizeof path, "%s/examples/hw/edge-tiny.yaml", test_source_dir());
	ASSERT_EQ(tessel_hw_load(path, &hw, &err), TESSEL_OK);
	ASSERT_STR(tessel_hw_name(hw), "edge-tiny");
	expect(tessel_model_load(model_path, hw, &m, &err), &err, TESSEL_BAD_INPUT, "compiled for hardware 'vta-default', not for 'edge-tiny'");
	tessel_hw_free(hw);
	expect(tessel_hw_load("/nonexistent/hw.yaml", &hw, &err), &err, TESSEL_BAD_INPUT, "hw.yaml");
	ASSERT(hw == NULL);
	expect(tessel_device_open("fpga", NULL, &d, &err), &err, TESSEL_BAD_USAGE, "unknown device 'fpga'");
	ASSERT_EQ(tessel_model_load(model_path, NULL, &m, &err), TESSEL_OK);
	/* a device for other hardware */
	tessel_hw *tiny = NULL;
	ASSERT_EQ(tessel_hw_load(path, &tiny, &err), TESSEL_OK);
	ASSERT_EQ(tessel_device_open("sim", tiny, &d, &err), TESSEL_OK);
	expect(tessel_run(d, m, NULL, NULL, &err), &err, TESSEL_BAD_INPUT, "the device is for 'edge-tiny'");
	tessel_device_close(d);
	tessel_hw_free(tiny);
	ASSERT_EQ(tessel_device_open("sim", tessel_model_hw(m), &d, &err), TESSEL_OK);
	/* the wrong order: an output before a run */
	expect(tessel_get_output(d, m, "mm", out, sizeof out, &err), &err, TESSEL_BAD_USAGE, "has not finished a run");
	/* inputs: names, dtypes, shapes, sizes */
	expect(tessel_model_set_input(m, "x", TESSEL_INT8, 2, shape_a, a, sizeof a, &err), &err, TESSEL_BAD_INPUT,
	       "tensor 'x' is not an input of the program; its inputs: a");
	expect(tessel_model_set_input(m, "mm", TESSEL_INT8, 2, shape_a, a, sizeof a, &err), &err, TESSEL_BAD_INPUT,
	       "(it is an output)");
	expect(tessel_model_set_input(m, "a", TESSEL_INT16, 2, shape_a, a, sizeof a, &err), &err, TESSEL_BAD_INPUT,
	       "tensor 'a' is int8 (24, 40) ab; the array given is int16 (24, 40)");
	ASSERT(!strncmp(err.message, "tensor 'a'", 10)); /* no file, no "tessel: error: " before it */
	expect(tessel_model_set_input(m, "a", TESSEL_INT8, 2, wrong, a, sizeof a, &err), &err, TESSEL_BAD_INPUT,
	       "the array given is int8 (40, 24)");
	expect(tessel_model_set_input(m, "a", TESSEL_INT8, 2, shape_a, a, 10, &err), &err, TESSEL_BAD_INPUT,
	       "is 960 bytes; 10 were given");
	expect(tessel_model_set_input(m, "a", (tessel_dtype)77, 2, shape_a, a, sizeof a, &err), &err, TESSEL_BAD_INPUT,
	       "not one of tessel's");
	expect(tessel_model_set_input(NULL, "a", TESSEL_INT8, 2, shape_a, a, sizeof a, &err), &err, TESSEL_BAD_USAGE,
	       "NULL");
	expect(tessel_run(NULL, m, NULL, NULL, &err), &err, TESSEL_BAD_USAGE, "NULL");
	/* a run stopped at its limit says so, with what it did */
	tessel_run_options ro = {.max_cycles = 10};
	tessel_stats st;
	expect(tessel_run(d, m, &ro, &st, &err), &err, TESSEL_RUN_FAILED, "cycle limit");
	ASSERT(st.cycles <= 10);
	expect(tessel_get_output(d, m, "mm", out, sizeof out, &err), &err, TESSEL_BAD_USAGE, "has not finished a run");
	ASSERT_EQ(tessel_run(d, m, NULL, &st, &err), TESSEL_OK);
	ASSERT_EQ(err.status, TESSEL_OK);
	expect(tessel_get_output(d, m, "mm", out, 5, &err), &err, TESSEL_BAD_INPUT, "room for 5 was given");
	expect(tessel_get_output(d, m, "a", out, sizeof out, &err), &err, TESSEL_BAD_INPUT, "(it is an input)");
	/* another model on the same device has not run there */
	tessel_model *m2 = NULL;
	ASSERT_EQ(tessel_model_load(model_path, NULL, &m2, &err), TESSEL_OK);
	expect(tessel_get_output(d, m2, "mm", out, sizeof out, &err), &err, TESSEL_BAD_USAGE, "has not finished a run");
	/* the tensors as listed */
	ASSERT_EQ(tessel_model_tensor_count(m), 2);
	tessel_tensor_info info;
	ASSERT_EQ(tessel_model_tensor(m, tessel_model_find(m, "mm"), &info, &err), TESSEL_OK);
	ASSERT_STR(info.name, "mm");
	ASSERT_EQ(info.role, TESSEL_OUTPUT);
	ASSERT_EQ(info.bytes, 480);
	ASSERT(info.why_not == NULL);
	expect(tessel_model_tensor(m, 2, &info, &err), &err, TESSEL_BAD_USAGE, "index 2; the model has 2 tensors");
	ASSERT_EQ(tessel_model_find(m, "nothing"), -1);
	ASSERT_STR(tessel_dtype_name(TESSEL_FP16), "fp16");
	ASSERT(tessel_dtype_name((tessel_dtype)9) == NULL);
	ASSERT_EQ(tessel_dtype_size(TESSEL_INT32), 4);
	/* freeing NULL is nothing, as free() */
	tessel_model_free(NULL);
	tessel_device_close(NULL);
	tessel_hw_free(NULL);
	tessel_model_free(m2);
	tessel_model_free(m);
	tessel_device_close(d);
	/* errors may be ignored: err NULL */
	ASSERT_EQ(tessel_model_load(NULL, NULL, &m, NULL), TESSEL_BAD_USAGE);
}

/* A model with a host op between accelerator ops (an elementwise add,
 * which no intrinsic computes) runs through the API on a new input: the
 * device's host backend computes its host step, and the result is the
 * host's. */
static const char *chained =
	"name: chained\n"
	"seed: 9\n"
	"tensors:\n"
	"  - {name: a, shape: [24, 40], dtype: int8}\n"
	"  - {name: b, shape: [40, 20], dtype: int8, kind: weight}\n"
	"  - {name: c, shape: [20, 16], dtype: int8, kind: weight}\n"
	"ops:\n"
	"  - {name: mm, op: matmul, a: a, b: b, dtype: int8, epilogue: [{shr: 6}, {clip: [-128, 127]}]}\n"
	"  - {name: twice, op: add, a: mm, b: mm, epilogue: [{clip: [-128, 127]}]}\n"
	"  - {name: mm2, op: matmul, a: twice, b: c, dtype: int8, epilogue: [{shr: 5}, {clip: [-128, 127]}]}\n";

static void test_host_steps(void)
{
	struct diags err = {0};
	struct hw hw;
	struct wl_workload w;
	ASSERT_EQ(hw_load_default(&hw, &err), 0);
	hw.dram.capacity = 16 << 20;
	ASSERT_EQ(wl_load_string(chained, "chained.yaml", &w, &err), 0);
	struct cc_plan plans[3];
	ASSERT_EQ(cc_plan_ops(&hw, &w.g, plans, &err), 0);
	ASSERT(plans[1].kind == CC_HOST && plans[0].kind != CC_HOST && plans[2].kind != CC_HOST);
	uint8_t **t = rt_tensor_buffers(&w, &err);
	struct cc_request rq = {.name = "chained", .g = &w.g, .plans = plans, .data = (const uint8_t *const *)t,
				.ports = true};
	struct cc_program prog;
	ASSERT_EQ(cc_build(&hw, &rq, &prog, &err), 0);
	ASSERT_EQ(prog.p.nhost, 1);
	char path[80];
	snprintf(path, sizeof path, "/tmp/tessel-api-chained-%d.tsp", (int)getpid());
	ASSERT_EQ(isa_tsp_write(&prog.p, path, &err), 0);
	cc_program_free(&prog);
	int a = ir_tensor_lookup(&w.g, "a"), out = ir_tensor_lookup(&w.g, "mm2");
	for (size_t i = 0; i < 24 * 40; i++)
		t[a][i] = (uint8_t)(i * 37 + 11);
	ASSERT_EQ(rt_host_all(&w, t, &err), 0);
	tessel_error e;
	tessel_model *m = NULL;
	tessel_device *d = NULL;
	uint8_t got[24 * 16];
	tessel_stats st = {0};
	int bad = tessel_model_load(path, NULL, &m, &e) || tessel_device_open("sim", m ? tessel_model_hw(m) : NULL, &d, &e) ||
		  tessel_model_set_input(m, "a", TESSEL_INT8, 2, (const int64_t[]){24, 40}, t[a], 24 * 40, &e) || tessel_run(d, m, NULL, &st, &e) ||
		  tessel_get_output(d, m, "mm2", got, sizeof got, &e);
	ASSERT(!bad);
	ASSERT(st.host_seconds > 0); /* the host op's time, which no cycle counts */
	if (bad)
		fprintf(stderr, "chained: %s\n", e.message);
	else
		ASSERT(!memcmp(got, t[out], sizeof got));
	tessel_device_close(d);
	tessel_model_free(m);
	unlink(path);
	rt_free_buffers(&w, t);
	wl_free(&w);
	diag_free(&err);
}

/* The library says nothing on the program's stderr, not even that it builds
 * an RTL model: a build made to fail at once (TESSEL_VERILATOR=/bin/false,
 * in a new cache) is an error returned, and stderr stays empty. */
static void test_quiet(void)
{
	char cache[] = "/tmp/tessel-api-cache-XXXXXX", log[64];
	ASSERT(mkdtemp(cache) != NULL);
	snprintf(log, sizeof log, "/tmp/tessel-api-stderr-%d", (int)getpid());
	setenv("XDG_CACHE_HOME", cache, 1);
	setenv("TESSEL_VERILATOR", "/bin/false", 1);
	fflush(stderr);
	int saved = dup(2);
	ASSERT(saved >= 0 && freopen(log, "w", stderr) != NULL);
	tessel_device *d = NULL;
	tessel_error err;
	tessel_status st = tessel_device_open("rtl", NULL, &d, &err);
	fflush(stderr);
	ASSERT(dup2(saved, 2) == 2);
	close(saved);
	unsetenv("TESSEL_VERILATOR");
	FILE *f = fopen(log, "r");
	ASSERT(f != NULL);
	char got[512];
	size_t n = fread(got, 1, sizeof got - 1, f);
	got[n] = 0;
	fclose(f);
	unlink(log);
	if (n)
		fprintf(stderr, "  the library printed: %s\n", got);
	ASSERT_EQ(n, 0);
	ASSERT_EQ(st, TESSEL_BAD_INPUT);
	ASSERT(strstr(err.message, "building the RTL model of 'vta-default' failed") != NULL);
	char rm[128];
	snprintf(rm, sizeof rm, "rm -rf '%s'", cache);
	ASSERT_EQ(system(rm), 0);
}

int main(void)
{
	snprintf(model_path, sizeof model_path, "/tmp/tessel-api-%d.tsp", (int)getpid());
	struct wl_workload w;
	compile_model(&w);
	test_runs(&w);
	test_threads(&w);
	test_misuse();
	test_host_steps();
	test_quiet();
	wl_free(&w);
	unlink(model_path);
	return test_done("test_api");
}
