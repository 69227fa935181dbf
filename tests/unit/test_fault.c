/* Fault injection (base/fault.h, docs/testing.md): for N = 1, 2, ... until an
 * operation finishes without the fault firing, fail the Nth allocation (then,
 * separately, the Nth file operation) and require a clean error that names
 * what failed, and — in the sanitizer build, through LeakSanitizer — no leak.
 * Once the operation runs through, its result must equal the unfaulted run's. */
#include "base/alloc.h"
#include "base/fault.h"
#include "compiler/compile.h"
#include "compiler/tune.h"
#include "base/file.h"
#include "device/cosim.h"
#include "hwdesc/hw.h"
#include "ir/workload.h"
#include "isa/program.h"
#include "sim/simulator.h"
#include "test.h"

#include <unistd.h>
#include <xxhash.h>

static char *hw_text, *asm_text;
static char hw_path[512], wl_path[512], tsp_path[512];
static struct hw vta;
/* vta-default with 16 MiB of DRAM instead of 1 GiB, for the operations that
 * open simulators in every faulted run: opening one allocates all of its
 * DRAM, which takes about a second in the sanitizer build at 1 GiB. */
static struct hw vta_small;

/* Each operation returns 0 or -1 and, on success, a digest of its result. */
typedef int operation(struct diags *err, uint64_t *digest);

/* A program an operation made, digested once the hook is disarmed (the
 * digest encodes it, which allocates). */
static struct isa_program made;
static bool have_made;

static uint64_t program_digest(const struct isa_program *p)
{
	size_t len;
	uint8_t *b = isa_tsp_encode(p, &len);
	uint64_t h = b ? XXH64(b, len, 0) : 0;
	free(b);
	return h;
}

static int op_hw_string(struct diags *err, uint64_t *digest)
{
	struct hw hw;
	if (hw_load_string(hw_text, "vta-default.yaml", &hw, err))
		return -1;
	*digest = hw_fingerprint(&hw);
	return 0;
}

/* A description with an energy section, and its canonical form (which
 * writes the section out). */
static int op_hw_energy(struct diags *err, uint64_t *digest)
{
	static const char section[] = "energy:\n  mac: {int8*int8: 0.25}\n  levels: {inp: {read: 3, leakage: 0.5}}\n"
				      "  dram: {write: 200}\n  alu: {mul: 2}\n";
	size_t n = strlen(hw_text);
	char *text = malloc(n + sizeof section);
	if (!text)
		return diag_nomem(err, NULL, n + sizeof section, "the description");
	memcpy(text, hw_text, n);
	memcpy(text + n, section, sizeof section);
	struct hw hw;
	int rc = hw_load_string(text, "energy.yaml", &hw, err);
	free(text);
	if (rc)
		return -1;
	char *c = hw_canonical(&hw);
	if (!c)
		return diag_nomem(err, NULL, 0, "the canonical form");
	*digest = hw_fingerprint(&hw) ^ XXH64(c, strlen(c), 0);
	free(c);
	return 0;
}

static int op_hw_file(struct diags *err, uint64_t *digest)
{
	struct hw hw;
	if (hw_load_file(hw_path, &hw, err))
		return -1;
	*digest = hw_fingerprint(&hw);
	return 0;
}

static int op_workload_at(const char *path, struct diags *err, uint64_t *digest)
{
	struct wl_workload w;
	if (wl_load_file(path, &w, err))
		return -1;
	XXH64_state_t *st = XXH64_createState();
	XXH64_reset(st, 0);
	XXH64_update(st, &w.g.ntensors, sizeof w.g.ntensors);
	XXH64_update(st, &w.g.nops, sizeof w.g.nops);
	for (int i = 0; i < w.g.ntensors; i++) {
		XXH64_update(st, w.g.tensor[i].name, strlen(w.g.tensor[i].name));
		if (w.data[i])
			XXH64_update(st, w.data[i], wl_tensor_bytes(&w, i));
	}
	for (int i = 0; i < w.g.nops; i++)
		XXH64_update(st, w.g.op[i].name, strlen(w.g.op[i].name));
	*digest = XXH64_digest(st);
	XXH64_freeState(st);
	wl_free(&w);
	return 0;
}

static int op_workload(struct diags *err, uint64_t *digest) { return op_workload_at(wl_path, err, digest); }

/* An ONNX model with a constant, a weight, a fused Relu and a reshape
 * (tests/corpus/fuzz/onnx/cnn_fp32.onnx: tests/onnx/make_models.py's). */
static char onnx_path[512];
static int op_onnx(struct diags *err, uint64_t *digest) { return op_workload_at(onnx_path, err, digest); }

static int op_assemble(struct diags *err, uint64_t *digest)
{
	if (isa_assemble(asm_text, "vta-gemm.s", &vta, &made, err))
		return -1;
	have_made = true;
	*digest = 1;
	return 0;
}

static int op_tsp_read(struct diags *err, uint64_t *digest)
{
	if (isa_tsp_read(tsp_path, &made, err))
		return -1;
	have_made = true;
	*digest = 2;
	return 0;
}

/* Adds the digest of the program OP made, if any, to *DIGEST. */
static void take_made(uint64_t *digest)
{
	if (!have_made)
		return;
	*digest ^= program_digest(&made);
	isa_program_free(&made);
	have_made = false;
}

static int op_sim_open(struct diags *err, uint64_t *digest)
{
	struct device *d = dev_sim.open(&vta_small, err);
	if (!d)
		return -1;
	uint8_t b[16] = {0};
	int rc = dev_sim.read(d, 0, b, sizeof b, err);
	dev_sim.close(d);
	*digest = XXH64(b, sizeof b, 0);
	return rc;
}

/* A workload compiled as `tessel compile` does (plans, cc_build), run on the
 * simulator; its tensors are made once, outside the loop (the packed
 * inputs; the one tensor an op reads from another comes by a gather between
 * runs, made at compile time).  gemm.yaml's ops, at sizes that keep every
 * faulted run short under the sanitizers: a requantized GEMM with odd
 * extents, a batched one, and a GEMM of the first one's result. */
static const char small_workload[] =
	"name: small\n"
	"seed: 7\n"
	"tensors:\n"
	"  - {name: a, shape: [20, 40], dtype: int8}\n"
	"  - {name: b, shape: [40, 24], dtype: int8}\n"
	"  - {name: a_batch, shape: [2, 9, 20], dtype: int8}\n"
	"  - {name: b_batch, shape: [2, 20, 5], dtype: int8}\n"
	"  - {name: b2, shape: [24, 8], dtype: int8}\n"
	"ops:\n"
	"  - {name: rect, op: matmul, a: a, b: b, dtype: int8, epilogue: [{shr: 4}, {clip: [-128, 127]}]}\n"
	"  - {name: batched, op: batch_matmul, a: a_batch, b: b_batch}\n"
	"  - {name: chained, op: matmul, a: rect, b: b2, dtype: int8, epilogue: [{shr: 5}, {clip: [-128, 127]}]}\n";
static struct wl_workload small;
static uint8_t **small_tensors;
enum { MAX_OPS = 16 };

static void digest_stats(XXH64_state_t *h, const struct dev_stats *st)
{
	XXH64_update(h, &st->cycles, sizeof st->cycles);
	XXH64_update(h, st->busy, sizeof st->busy);
	XXH64_update(h, st->stall, sizeof st->stall);
	XXH64_update(h, &st->dram_read, sizeof st->dram_read);
	XXH64_update(h, &st->dram_written, sizeof st->dram_written);
	XXH64_update(h, &st->dram_busy, sizeof st->dram_busy);
	XXH64_update(h, st->insns, sizeof st->insns);
	XXH64_update(h, &st->insns_total, sizeof st->insns_total);
	XXH64_update(h, &st->macs, sizeof st->macs);
}

static int op_compile_run(struct diags *err, uint64_t *digest)
{
	static struct cc_plan plans[MAX_OPS];
	ASSERT(small.g.nops <= MAX_OPS);
	if (cc_plan_ops(&vta_small, &small.g, plans, err))
		return -1;
	struct cc_request rq = {.name = small.name, .g = &small.g, .plans = plans,
				.data = (const uint8_t *const *)small_tensors};
	struct cc_program prog;
	if (cc_build(&vta_small, &rq, &prog, err))
		return -1;
	struct device *d = dev_sim.open(&vta_small, err);
	struct dev_stats st;
	int rc = d ? dev_run_program(&dev_sim, d, &prog.p, NULL, &st, err) : -1;
	XXH64_state_t *h = XXH64_createState();
	XXH64_reset(h, 0);
	if (!rc)
		digest_stats(h, &st);
	for (int i = 0; i < prog.nops && !rc; i++) { /* every output as the device holds it */
		const struct isa_segment *s = &prog.p.seg[prog.op[i].out_segment];
		uint8_t *b = malloc(s->size);
		rc = dev_sim.read(d, s->addr, b, s->size, err);
		XXH64_update(h, b, s->size);
		free(b);
	}
	*digest = XXH64_digest(h);
	XXH64_freeState(h);
	if (d)
		dev_sim.close(d);
	made = prog.p; /* the program, digested once the hook is disarmed */
	have_made = true;
	memset(&prog.p, 0, sizeof prog.p);
	cc_program_free(&prog);
	return rc;
}

/* Convolutions on elements of four rows (server-wide), a strided stem of
 * three channels (split into phases, cut into bands, both: each planned on
 * a copy) and a 3x3 layer: rewritten by cc_rewrite (the second cut into
 * bands), planned and built as `tessel compile` does, the band ops as
 * gathers; its tensors made in the operation, after the rewrite. */
static struct hw wide;
static const char band_workload[] =
	"name: banded\n"
	"seed: 5\n"
	"tensors:\n"
	"  - {name: x, shape: [1, 32, 32, 3], dtype: int8}\n"
	"  - {name: w0, shape: [32, 3, 3, 3], dtype: int8, kind: weight}\n"
	"  - {name: w, shape: [32, 3, 3, 32], dtype: int8, kind: weight}\n"
	"ops:\n"
	"  - {name: s, op: conv2d, input: x, weight: w0, stride: 2, pad: 1, dtype: int8, epilogue: [{shr: 5}, {clip: [-128, 127]}]}\n"
	"  - {name: c, op: conv2d, input: s, weight: w, pad: 1, dtype: int8, epilogue: [{shr: 6}, {clip: [-128, 127]}]}\n";

static int op_band_compile(struct diags *err, uint64_t *digest)
{
	static struct cc_plan plans[MAX_OPS];
	struct wl_workload w;
	if (wl_load_string(band_workload, "banded.yaml", &w, err))
		return -1;
	uint8_t **t = NULL;
	int rc = cc_rewrite(&wide, &w, err);
	ASSERT(rc || w.g.nops <= MAX_OPS);
	if (!rc)
		rc = cc_plan_ops(&wide, &w.g, plans, err);
	if (!rc && !(t = rt_tensor_buffers(&w, err)))
		rc = -1;
	struct cc_request rq = {.name = w.name, .g = &w.g, .plans = plans, .data = (const uint8_t *const *)t};
	struct cc_program prog;
	if (!rc && !(rc = cc_build(&wide, &rq, &prog, err))) {
		made = prog.p; /* the program, digested once the hook is disarmed */
		have_made = true;
		memset(&prog.p, 0, sizeof prog.p);
		cc_program_free(&prog);
		*digest = (uint64_t)w.g.nops;
		ASSERT_EQ(w.g.nops, 4); /* the stem, and the layer with its band ops */
	}
	if (t)
		rt_free_buffers(&w, t);
	wl_free(&w);
	return rc;
}

/* The assembled example on vta_small; its listing (a strbuf user without
 * an error list: NULL is its only report). */
static struct isa_program example;

static int op_disassemble(struct diags *err, uint64_t *digest)
{
	char *text = isa_disassemble(&example);
	if (!text)
		return diag_nomem(err, NULL, 0, "the listing (isa_disassemble returned NULL)");
	*digest = XXH64(text, strlen(text), 0);
	free(text);
	return 0;
}

static int op_randprog(struct diags *err, uint64_t *digest)
{
	char *text = isa_randprog(&vta_small, &example.layout, 11, 3, err);
	if (!text)
		return -1;
	*digest = XXH64(text, strlen(text), 0);
	free(text);
	return 0;
}

/* Co-simulation against a simulator that is off by one cycle (the
 * difference is described from both traces) or that changes a DRAM byte
 * after the run (described from the program's segments and stores). */
static bool skew_dram;
static uint64_t skew_addr;

static int skewed_run(struct device *d, uint64_t code_addr, uint32_t ninsn, const struct dev_run_opts *opts,
		      struct dev_stats *st, struct diags *err)
{
	if (dev_sim.run(d, code_addr, ninsn, opts, st, err))
		return -1;
	if (!skew_dram) {
		st->cycles++;
		return 0;
	}
	uint8_t b;
	if (dev_sim.read(d, skew_addr, &b, 1, err))
		return -1;
	b ^= 0x5a;
	return dev_sim.write(d, skew_addr, &b, 1, err);
}

static int op_cosim(struct diags *err, uint64_t *digest)
{
	struct dev_ops skewed = dev_sim;
	skewed.name = "skewed";
	skewed.run = skewed_run;
	struct cosim_result res;
	int rc = cosim_program(&example, &dev_sim, &skewed, &res, err);
	if (rc < 0)
		return -1;
	ASSERT(rc == 1 && res.mismatch);
	*digest = XXH64(res.what, strlen(res.what), 0);
	return 0;
}

static int op_cosim_cycles(struct diags *err, uint64_t *digest)
{
	skew_dram = false;
	return op_cosim(err, digest);
}

static int op_cosim_dram(struct diags *err, uint64_t *digest)
{
	skew_dram = true;
	return op_cosim(err, digest);
}

/* Tuning one op of the small workload with a small budget: the space, the
 * search's rounds and model, and the records (an in-memory database, new
 * each time, so that nothing is reused). */
static int op_tune(struct diags *err, uint64_t *digest)
{
	struct tz_records *db = tz_records_open(":memory:", err);
	if (!db)
		return -1;
	struct tn_opts o = {.budget = 5, .seed = 3, .transfer = true, .db = db, .workload = "small"};
	struct tn_result r;
	int rc = tn_tune_op(&vta_small, &small.g, 0, &o, &r, err);
	if (!rc) {
		uint64_t v[4] = {r.cycles, (uint64_t)r.measured, (uint64_t)r.space, (uint64_t)r.best.bm};
		*digest = XXH64(v, sizeof v, 0) ^ XXH64(r.order, (size_t)r.measured * sizeof *r.order, 0);
		ASSERT(!r.exhaustive && r.measured == 5);
	}
	tn_result_free(&r);
	tz_records_close(db);
	return rc;
}

/* Tuning it with budget 3, then --retune with budget 6: the records read
 * back as the search's first measurements (tz_records_op, the prior). */
static int op_retune(struct diags *err, uint64_t *digest)
{
	struct tz_records *db = tz_records_open(":memory:", err);
	if (!db)
		return -1;
	struct tn_opts o = {.budget = 3, .seed = 3, .transfer = true, .db = db, .workload = "small"};
	struct tn_result r;
	int rc = tn_tune_op(&vta_small, &small.g, 0, &o, &r, err);
	tn_result_free(&r);
	o.budget = 6, o.retune = true;
	if (!rc && !(rc = tn_tune_op(&vta_small, &small.g, 0, &o, &r, err))) {
		uint64_t v[4] = {r.cycles, (uint64_t)r.measured, (uint64_t)r.recorded, (uint64_t)r.best.bm};
		*digest = XXH64(v, sizeof v, 0) ^ XXH64(r.order, 6 * sizeof *r.order, 0);
		ASSERT(r.measured == 3 && r.recorded == 3);
	}
	tn_result_free(&r);
	tz_records_close(db);
	return rc;
}

static bool any_message_has(const struct diags *err, const char *what)
{
	for (int i = 0; i < err->n; i++)
		if (strstr(err->v[i].msg, what))
			return true;
	return false;
}

/* Runs OP once unfaulted, then with the Nth operation of KIND failing for
 * every N; returns the number of injection points. */
static long loop(const char *name, operation *op, enum fault_kind kind)
{
	struct diags err = {0};
	uint64_t want = 0, got = 0;
	int rc = op(&err, &want);
	take_made(&want);
	ASSERT_EQ(rc, 0);
	if (rc) {
		diag_print(&err, stderr);
		diag_free(&err);
		return 0;
	}
	diag_free(&err);
	long n;
	for (n = 1;; n++) {
		fault_arm(kind, n);
		got = 0;
		rc = op(&err, &got);
		bool fired = fault_fired(kind);
		fault_arm(kind, 0);
		take_made(&got);
		if (!fired) {
			ASSERT_EQ(rc, 0);
			ASSERT(got == want);
			diag_free(&err);
			break;
		}
		if (kind == FAULT_ALLOC || rc) {
			/* A failed allocation is always an error; a failed file
			 * operation may be harmless (closing a file that was read). */
			bool named = kind == FAULT_ALLOC ? any_message_has(&err, "cannot allocate")
							 : any_message_has(&err, "Input/output error");
			ASSERT(rc != 0);
			ASSERT(named);
			if (rc == 0 || !named) {
				fprintf(stderr, "%s: %s fault %ld: rc %d\n", name, kind == FAULT_ALLOC ? "allocation" : "file", n, rc);
				diag_print(&err, stderr);
			}
		} else {
			ASSERT(got == want);
		}
		diag_free(&err);
	}
	printf("%s: %ld %s injection points\n", name, n - 1, kind == FAULT_ALLOC ? "allocation" : "file");
	fflush(stdout); /* progress, when the sanitizer build is slow */
	return n - 1;
}

/* TEXT with its one FROM replaced by TO. */
static char *replace_once(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	if (!at) {
		fprintf(stderr, "test_fault: no '%s' in the hardware description\n", from);
		exit(1);
	}
	return xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static char *read_or_die(const char *path)
{
	struct diags err = {0};
	char *t = file_read_text(path, FILE_ASM, &err);
	if (!t) {
		diag_print(&err, stderr);
		exit(1);
	}
	return t;
}

int main(void)
{
	const char *src = test_source_dir();
	snprintf(hw_path, sizeof hw_path, "%s/examples/hw/vta-default.yaml", src);
	snprintf(wl_path, sizeof wl_path, "%s/examples/workloads/gemm.yaml", src);
	snprintf(onnx_path, sizeof onnx_path, "%s/tests/corpus/fuzz/onnx/cnn_fp32.onnx", src);
	char asm_path[512];
	snprintf(asm_path, sizeof asm_path, "%s/examples/asm/vta-gemm.s", src);
	/* In the temporary directory: a run killed before its cleanup leaves nothing in the tree. */
	const char *tmp = getenv("TMPDIR");
	snprintf(tsp_path, sizeof tsp_path, "%s/test_fault-%ld.tsp", tmp && *tmp ? tmp : "/tmp", (long)getpid());
	hw_text = read_or_die(hw_path);
	asm_text = read_or_die(asm_path);
	struct diags err = {0};
	if (hw_load_string(hw_text, "vta-default.yaml", &vta, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	struct isa_program p;
	if (isa_assemble(asm_text, "vta-gemm.s", &vta, &p, &err) || isa_tsp_write(&p, tsp_path, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	isa_program_free(&p);
	char *small_text = replace_once(hw_text, "capacity: 1 GiB", "capacity: 16 MiB");
	if (hw_load_string(small_text, "vta-small.yaml", &vta_small, &err) ||
	    isa_assemble(asm_text, "vta-gemm.s", &vta_small, &example, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	free(small_text);
	skew_addr = example.seg[example.nseg - 1].addr;
	char wide_path[512];
	snprintf(wide_path, sizeof wide_path, "%s/examples/hw/server-wide.yaml", src);
	if (hw_load_file(wide_path, &wide, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	if (wl_load_string(small_workload, "small.yaml", &small, &err)) {
		diag_print(&err, stderr);
		return 1;
	}
	if (!(small_tensors = rt_tensor_buffers(&small, &err))) {
		diag_print(&err, stderr);
		return 1;
	}

	static const struct {
		const char *name;
		operation *op;
	} ops[] = {
		{"hw_load_string", op_hw_string}, {"hw_load_string and hw_canonical (an energy section)", op_hw_energy},
		{"hw_load_file", op_hw_file}, {"wl_load_file", op_workload}, {"wl_load_file (ONNX)", op_onnx},
		{"isa_assemble", op_assemble},    {"isa_tsp_read", op_tsp_read}, {"dev_sim.open", op_sim_open},
		{"compile and run (three GEMMs, one by a gather)", op_compile_run},
		{"rewrite and compile (a stem and a convolution cut into bands)", op_band_compile},
		{"isa_disassemble", op_disassemble}, {"isa_randprog", op_randprog},
		{"cosim (a cycle off)", op_cosim_cycles}, {"cosim (a DRAM byte off)", op_cosim_dram},
		{"tn_tune_op (budget 5, records in memory)", op_tune},
		{"tn_tune_op with retune (budget 3, then 6)", op_retune},
	};
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
		long a = loop(ops[i].name, ops[i].op, FAULT_ALLOC);
		ASSERT(a > 0 || !TESSEL_FAULT_INJECTION);
		loop(ops[i].name, ops[i].op, FAULT_FILE);
	}
	unlink(tsp_path);
	isa_program_free(&example);
	rt_free_buffers(&small, small_tensors);
	wl_free(&small);
	free(hw_text);
	free(asm_text);
	return test_done("test_fault");
}
