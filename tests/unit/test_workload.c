/* Workload files: the examples load with the shapes and MAC counts worked out
 * by hand; random data follows the generator of docs/workloads.md exactly
 * and is deterministic per seed; raw and .npy files are read and checked;
 * mistakes are refused with the exact message at the exact place. */
#include <math.h>
#include <stdint.h>
#include <unistd.h>

#include "ir/workload.h"
#include "test.h"

/* Random and zero data are made only where needed: put every declared
 * tensor's bytes, as the runtime gets them, in w->data for the checks. */
static void materialize(struct wl_workload *w)
{
	for (int i = 0; i < w->g.ntensors; i++)
		if (!w->data[i] && wl_tensor_declared(w, i)) {
			uint8_t *b = xmalloc(wl_tensor_bytes(w, i) + 1);
			ASSERT(wl_tensor_fill(w, i, b));
			w->data[i] = b;
		}
}

static void load_example(const char *name, struct wl_workload *w)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/examples/workloads/%s.yaml", test_source_dir(), name);
	struct diags err = {0};
	int rc = wl_load_file(path, w, &err);
	ASSERT_EQ(rc, 0);
	if (rc) {
		diag_print(&err, stderr);
		exit(1);
	}
	diag_free(&err);
	materialize(w);
}

static int op_index(const struct wl_workload *w, const char *name)
{
	for (int i = 0; i < w->g.nops; i++)
		if (!strcmp(w->g.op[i].name, name))
			return i;
	fprintf(stderr, "no op '%s'\n", name);
	exit(1);
}

static const struct ir_tensor *out_of(const struct wl_workload *w, const char *op)
{
	return &w->g.tensor[w->g.op[op_index(w, op)].out.tensor];
}

static void check_shape(const struct ir_tensor *t, int rank, int64_t a, int64_t b, int64_t c, int64_t d)
{
	int64_t want[4] = {a, b, c, d};
	ASSERT_EQ(t->rank, rank);
	for (int i = 0; i < rank && i < 4; i++)
		ASSERT_EQ(t->shape[i], want[i]);
}

/* VTA's ResNet-18 layers: output side and MACs = OH*OW*O*KH*KW*C. */
static void test_resnet(void)
{
	struct wl_workload w;
	load_example("resnet18", &w);
	static const struct {
		const char *op;
		int64_t oh, o, k, c;
	} l[] = {
		{"c1", 112, 64, 7, 3},   {"c2", 56, 64, 3, 64},   {"c3", 28, 128, 3, 64},  {"c4", 28, 128, 1, 64},
		{"c5", 28, 128, 3, 128}, {"c6", 14, 256, 3, 128}, {"c7", 14, 256, 1, 128}, {"c8", 14, 256, 3, 256},
		{"c9", 7, 512, 3, 256},  {"c10", 7, 512, 1, 256}, {"c11", 7, 512, 3, 512},
	};
	ASSERT_EQ(w.g.nops, 11);
	ASSERT_EQ(w.g.ntensors, 44);
	for (int i = 0; i < 11; i++) {
		const struct ir_op *op = &w.g.op[op_index(&w, l[i].op)];
		check_shape(&w.g.tensor[op->out.tensor], 4, 1, l[i].oh, l[i].oh, l[i].o);
		ASSERT_EQ(ir_op_macs(op), l[i].oh * l[i].oh * l[i].o * l[i].k * l[i].k * l[i].c);
		ASSERT_EQ(w.g.tensor[op->out.tensor].dtype, DT_INT8);
		ASSERT_EQ(op->nepilogues, 3);
		ASSERT(op->epilogue[0].kind == IR_EP_BIAS && op->epilogue[1].kind == IR_EP_SHR &&
		       op->epilogue[2].kind == IR_EP_CLIP && op->epilogue[2].lo == -128 && op->epilogue[2].hi == 127);
	}
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "c2")]), 56 * 56 * 64 * 64 * 9);
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "c1")]), 118013952);
	/* declared tensors have data, computed ones none; kinds and layouts */
	int x1 = ir_tensor_lookup(&w.g, "x1"), w1 = ir_tensor_lookup(&w.g, "w1"), b1 = ir_tensor_lookup(&w.g, "b1");
	ASSERT(w.data[x1] && w.data[w1] && w.data[b1]);
	ASSERT(w.data[w.g.op[0].out.tensor] == NULL);
	ASSERT_EQ(w.g.tensor[x1].kind, IR_TENSOR_INPUT);
	ASSERT_EQ(w.g.tensor[w1].kind, IR_TENSOR_WEIGHT);
	ASSERT_STR(w.g.tensor[x1].layout, "NHWC");
	ASSERT_STR(w.g.tensor[w1].layout, "OHWI");
	ASSERT_EQ(wl_tensor_bytes(&w, x1), 224 * 224 * 3);
	ASSERT_EQ(wl_tensor_bytes(&w, b1), 64 * 4);
	/* the bias range [-1024, 1023] holds */
	bool in_range = true;
	for (int i = 0; i < 64; i++) {
		int32_t v;
		memcpy(&v, w.data[b1] + 4 * i, 4);
		in_range = in_range && v >= -1024 && v <= 1023;
	}
	ASSERT(in_range);
	ASSERT_EQ(w.tensor_at[x1].line, 9);
	ASSERT_EQ(w.tensor_at[x1].col, 5);
	ASSERT_EQ(w.op_at[0].line, 43);
	ASSERT_EQ(w.op_at[0].col, 5);
	wl_free(&w);
}

static void test_other_examples(void)
{
	struct wl_workload w;
	load_example("gemm", &w);
	ASSERT_EQ(w.g.nops, 6);
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "odd_einsum")]), 100 * 70 * 45);
	ASSERT_STR(w.g.op[op_index(&w, "odd_einsum")].kind, "einsum");
	check_shape(out_of(&w, "odd_einsum"), 2, 100, 45, 0, 0);
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "square")]), 256 * 256 * 256);
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "rect")]), 64 * 1024 * 32);
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "odd")]), 100 * 70 * 45);
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "thin")]), 513 * 17);
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "batched")]), 4 * 33 * 48 * 20);
	check_shape(out_of(&w, "odd"), 2, 100, 45, 0, 0);
	check_shape(out_of(&w, "batched"), 3, 4, 33, 20, 0);
	ASSERT_EQ(out_of(&w, "square")->dtype, DT_INT32);
	ASSERT_EQ(out_of(&w, "rect")->dtype, DT_INT8);
	ASSERT_STR(w.g.op[op_index(&w, "batched")].kind, "batch_matmul");
	wl_free(&w);

	load_example("mobilenet-dw", &w);
	ASSERT_EQ(w.g.nops, 4);
	ASSERT_STR(w.g.op[op_index(&w, "dw1")].kind, "depthwise");
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "dw1")]), 56 * 56 * 32 * 9);
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "pw1")]), 56 * 56 * 64 * 32);
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "dw2")]), 28 * 28 * 64 * 9);
	ASSERT_EQ(ir_op_macs(&w.g.op[op_index(&w, "pw2")]), 28 * 28 * 128 * 64);
	check_shape(out_of(&w, "dw2"), 4, 1, 28, 28, 64);
	check_shape(out_of(&w, "pw2"), 4, 1, 28, 28, 128);
	/* chained: pw1 reads dw1's output, which is now intermediate */
	ASSERT_EQ(w.g.op[op_index(&w, "pw1")].in[0].tensor, w.g.op[op_index(&w, "dw1")].out.tensor);
	ASSERT_EQ(out_of(&w, "dw1")->kind, IR_TENSOR_INTERMEDIATE);
	ASSERT_EQ(out_of(&w, "pw2")->kind, IR_TENSOR_OUTPUT);
	ASSERT_EQ(w.g.op[op_index(&w, "pw2")].epilogue[3].kind, IR_EP_RELU);
	wl_free(&w);

	load_example("bert-ffn", &w);
	ASSERT_EQ(w.g.nops, 2);
	ASSERT_EQ(ir_op_macs(&w.g.op[0]), 128 * 768 * 3072);
	ASSERT_EQ(ir_op_macs(&w.g.op[1]), 128 * 3072 * 768);
	check_shape(out_of(&w, "ffn_in"), 2, 128, 3072, 0, 0);
	check_shape(out_of(&w, "ffn_out"), 2, 128, 768, 0, 0);
	ASSERT_EQ(w.g.op[1].in[0].tensor, w.g.op[0].out.tensor);
	ASSERT_EQ(w.g.tensor[ir_tensor_lookup(&w.g, "w_in")].kind, IR_TENSOR_WEIGHT);
	ASSERT_EQ(w.g.op[0].nepilogues, 4);
	wl_free(&w);
}

/* ---- the generator, written again from the documentation ---- */

static uint64_t doc_state(uint64_t seed, const char *name)
{
	uint64_t h = 14695981039346656037u;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	uint64_t z = (seed ^ h) + 0x9E3779B97F4A7C15u;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	z ^= z >> 31;
	return z ? z : 0x9E3779B97F4A7C15u;
}

static uint64_t doc_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static const char *small =
	"name: small\n"
	"seed: %d\n"
	"tensors:\n"
	"  - {name: x, shape: [2, 5], dtype: int8}\n"
	"  - {name: f, shape: [7], dtype: fp32}\n"
	"  - {name: h, shape: [7], dtype: fp16}\n"
	"  - {name: r, shape: [100], dtype: int32, range: [-3, 4]}\n"
	"  - {name: z, shape: [3], dtype: uint8, data: zeros}\n"
	"ops:\n"
	"  - {name: y, op: copy, a: x}\n";

static void load_small(int seed, struct wl_workload *w)
{
	char text[1024];
	snprintf(text, sizeof text, small, seed);
	struct diags err = {0};
	ASSERT_EQ(wl_load_string(text, "small.yaml", w, &err), 0);
	diag_print(&err, stderr);
	diag_free(&err);
	materialize(w);
}

static void test_random(void)
{
	struct wl_workload a, b, c;
	load_small(1, &a);
	load_small(1, &b);
	load_small(2, &c);
	for (int t = 0; t < 5; t++) {
		size_t n = wl_tensor_bytes(&a, t);
		ASSERT(a.data[t] && b.data[t] && c.data[t]);
		ASSERT(!memcmp(a.data[t], b.data[t], n));
		if (t != 4)
			ASSERT(memcmp(a.data[t], c.data[t], n));
	}
	/* x and y of the same workload differ (the name seeds the stream) */
	ASSERT_EQ(a.seed, 1);
	/* int8: lo + r % 256 of the documented stream */
	uint64_t s = doc_state(1, "x");
	bool same = true;
	for (int i = 0; i < 10; i++)
		same = same && (int8_t)a.data[0][i] == (int8_t)(-128 + (int64_t)(doc_next(&s) % 256));
	ASSERT(same);
	/* fp32: 2 * (r >> 11) * 2^-53 - 1, rounded to float */
	s = doc_state(1, "f");
	same = true;
	for (int i = 0; i < 7; i++) {
		float want = (float)(2.0 * ((double)(doc_next(&s) >> 11) * 0x1p-53) - 1.0), got;
		memcpy(&got, a.data[1] + 4 * i, 4);
		same = same && got == want && got >= -1 && got < 1;
	}
	ASSERT(same);
	s = doc_state(1, "h");
	same = true;
	for (int i = 0; i < 7; i++) {
		uint16_t want = wl_fp16_from_double(2.0 * ((double)(doc_next(&s) >> 11) * 0x1p-53) - 1.0);
		same = same && (a.data[2][2 * i] | a.data[2][2 * i + 1] << 8) == want;
	}
	ASSERT(same);
	/* range [-3, 4] on int32, and every value of it appears in 100 draws */
	int seen = 0;
	same = true;
	for (int i = 0; i < 100; i++) {
		int32_t v;
		memcpy(&v, a.data[3] + 4 * i, 4);
		same = same && v >= -3 && v <= 4;
		if (v >= -3 && v <= 4)
			seen |= 1 << (v + 3);
	}
	ASSERT(same);
	ASSERT_EQ(seen, 0xff);
	ASSERT(a.data[4][0] == 0 && a.data[4][1] == 0 && a.data[4][2] == 0);
	ASSERT(a.data[ir_tensor_lookup(&a.g, "y")] == NULL);
	wl_free(&a);
	wl_free(&b);
	wl_free(&c);

	ASSERT_EQ(wl_fp16_from_double(1.0), 0x3c00);
	ASSERT_EQ(wl_fp16_from_double(-0.5), 0xb800);
	ASSERT_EQ(wl_fp16_from_double(65504.0), 0x7bff);
	ASSERT_EQ(wl_fp16_from_double(0x1p-24), 0x0001);
	ASSERT_EQ(wl_fp16_from_double(1.0 + 0x1p-11), 0x3c00);     /* tie: to even */
	ASSERT_EQ(wl_fp16_from_double(1.0 + 3 * 0x1p-11), 0x3c02); /* tie: to even, up */
	ASSERT_EQ(wl_fp16_from_double(-0.0), 0x8000);
	int64_t lo, hi;
	wl_default_range(DT_UINT8, &lo, &hi);
	ASSERT(lo == 0 && hi == 255);
}

/* ---- files ---- */

static char tmpdir[] = "/tmp/tessel-wl-XXXXXX";

static void write_file(const char *name, const void *data, size_t n)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	ASSERT(f && fwrite(data, 1, n, f) == n);
	if (f)
		fclose(f);
}

/* A version 1 .npy file with header dict DICT and BODY. */
static void write_npy(const char *name, const char *dict, const void *body, size_t n)
{
	char hdr[256];
	size_t len = strlen(dict), pad = 64 - (10 + len + 1) % 64;
	memcpy(hdr, "\x93NUMPY\x01\x00", 8);
	hdr[8] = (char)((len + pad + 1) & 0xff);
	hdr[9] = (char)((len + pad + 1) >> 8);
	memcpy(hdr + 10, dict, len);
	memset(hdr + 10 + len, ' ', pad);
	hdr[10 + len + pad] = '\n';
	size_t h = 10 + len + pad + 1;
	char *all = xmalloc(h + n);
	memcpy(all, hdr, h);
	memcpy(all + h, body, n);
	write_file(name, all, h + n);
	free(all);
}

/* Loads TEXT as TMPDIR/w.yaml: "" on success, else the first error. */
static char *try_load(const char *text, struct wl_workload *w)
{
	char name[256];
	snprintf(name, sizeof name, "%s/w.yaml", tmpdir);
	struct diags err = {0};
	char *first = NULL;
	if (wl_load_string(text, name, w, &err)) {
		char *s = diag_format(&err.v[0]);
		first = xstrdup(s + strlen(tmpdir) + 1); /* without the directory */
		free(s);
	} else {
		first = xstrdup("");
	}
	diag_free(&err);
	return first;
}

static void test_files(void)
{
	ASSERT(mkdtemp(tmpdir) != NULL);
	int16_t v16[6] = {1, -2, 300, -32768, 32767, 7};
	uint8_t le16[12];
	for (int i = 0; i < 6; i++)
		le16[2 * i] = (uint8_t)(v16[i] & 0xff), le16[2 * i + 1] = (uint8_t)((uint16_t)v16[i] >> 8);
	write_npy("a.npy", "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }", le16, 12);
	write_npy("f.npy", "{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }", le16, 12);
	write_npy("v.npy", "{'descr': '|i1', 'fortran_order': False, 'shape': (4,), }", "\x01\x02\x03\xff", 4);
	write_npy("short.npy", "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }", le16, 11);
	uint8_t raw[16];
	for (int i = 0; i < 16; i++)
		raw[i] = (uint8_t)(i * 17);
	write_file("r.bin", raw, 16);

	struct wl_workload w;
	char *e = try_load("name: f\n"
			   "tensors:\n"
			   "  - {name: a, shape: [2, 3], dtype: int16, data: {npy: a.npy}}\n"
			   "  - {name: v, shape: [4], dtype: int8, data: {npy: v.npy}}\n"
			   "  - {name: r, shape: [2, 2], dtype: int32, data: {raw: r.bin}}\n"
			   "ops:\n"
			   "  - {name: s, op: add, a: a, b: a}\n",
			   &w);
	ASSERT_STR(e, "");
	if (!*e) {
		ASSERT(!memcmp(w.data[0], le16, 12));
		ASSERT(!memcmp(w.data[1], "\x01\x02\x03\xff", 4));
		ASSERT(!memcmp(w.data[2], raw, 16));
		wl_free(&w);
	}
	free(e);

	/* the bounds of integer weights with data (wl_bound_constants), each
	 * worked out here from the bytes written above */
	e = try_load("name: b\n"
		     "tensors:\n"
		     "  - {name: a, shape: [2, 3], dtype: int16, kind: weight, data: {npy: a.npy}}\n"
		     "  - {name: v, shape: [4], dtype: int8, kind: weight, data: {npy: v.npy}}\n"
		     "  - {name: r, shape: [2, 2], dtype: int32, kind: weight, data: {raw: r.bin}}\n"
		     "  - {name: z, shape: [3], dtype: int32, kind: weight, data: zeros}\n"
		     "  - {name: q, shape: [5], dtype: int8, kind: weight, range: [-7, 9]}\n"
		     "  - {name: x, shape: [2, 3], dtype: int16, range: [-3, 3]}\n"
		     "  - {name: h, shape: [2], dtype: fp16, kind: weight}\n"
		     "ops:\n"
		     "  - {name: s, op: add, a: x, b: a}\n",
		     &w);
	ASSERT_STR(e, "");
	if (!*e) {
		int64_t lo16 = v16[0], hi16 = v16[0], lo32 = INT64_MAX, hi32 = INT64_MIN;
		for (int i = 1; i < 6; i++)
			lo16 = v16[i] < lo16 ? v16[i] : lo16, hi16 = v16[i] > hi16 ? v16[i] : hi16;
		for (int i = 0; i < 4; i++) {
			int32_t x = (int32_t)((uint32_t)raw[4 * i] | (uint32_t)raw[4 * i + 1] << 8 | (uint32_t)raw[4 * i + 2] << 16 |
					      (uint32_t)raw[4 * i + 3] << 24);
			lo32 = x < lo32 ? x : lo32, hi32 = x > hi32 ? x : hi32;
		}
		const int64_t want[5][2] = {{lo16, hi16}, {-1, 3}, {lo32, hi32}, {0, 0}, {-7, 9}};
		for (int t = 0; t < 5; t++) {
			ASSERT(w.g.tensor[t].bounded);
			ASSERT_EQ(w.g.tensor[t].lo, want[t][0]);
			ASSERT_EQ(w.g.tensor[t].hi, want[t][1]);
		}
		ASSERT(!w.g.tensor[5].bounded); /* an input: other data may come at run time */
		ASSERT(!w.g.tensor[6].bounded); /* floats */
		wl_free(&w);
	}
	free(e);

	static const struct {
		const char *tensor, *want;
	} bad[] = {
		{"{name: a, shape: [3, 2], dtype: int16, data: {npy: a.npy}}",
		 "w.yaml:3:56: error: 'a.npy' has shape (2, 3); expected (3, 2) for tensor 'a'"},
		{"{name: a, shape: [2, 3], dtype: uint16, data: {npy: a.npy}}",
		 "w.yaml:3:37: error: unknown dtype 'uint16' for 'dtype' in tensor 'a'; expected one of: int8, uint8, int16, int32, fp16, fp32"},
		{"{name: a, shape: [2, 3], dtype: fp16, data: {npy: a.npy}}",
		 "w.yaml:3:55: error: 'a.npy' holds dtype '<i2'; expected '<f2' for tensor 'a' (fp16)"},
		{"{name: a, shape: [2, 3], dtype: int16, data: {npy: f.npy}}",
		 "w.yaml:3:56: error: 'f.npy' for tensor 'a' is in Fortran order; expected C order (fortran_order: False)"},
		{"{name: a, shape: [2, 3], dtype: int16, data: {npy: short.npy}}",
		 "w.yaml:3:56: error: 'short.npy' is truncated: 11 bytes of data; expected 12 for tensor 'a' (int16 [2, 3])"},
		{"{name: a, shape: [2, 3], dtype: int16, data: {npy: r.bin}}",
		 "w.yaml:3:56: error: 'r.bin' for tensor 'a' is not a .npy file (it does not start with \\x93NUMPY)"},
		{"{name: a, shape: [2, 3], dtype: int16, data: {raw: r.bin}}",
		 "w.yaml:3:56: error: 'r.bin' has 16 bytes of data; expected 12 for tensor 'a' (int16 [2, 3])"},
		{"{name: a, shape: [2, 3], dtype: int16, data: {raw: gone.bin}}",
		 "w.yaml:3:56: error: cannot read data file 'gone.bin' for tensor 'a': No such file or directory"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char text[512];
		snprintf(text, sizeof text, "name: f\ntensors:\n  - %s\nops:\n  - {name: s, op: copy, a: a}\n",
			 bad[i].tensor);
		e = try_load(text, &w);
		ASSERT_STR(e, bad[i].want);
		free(e);
	}
	static const char *const names[] = {"a.npy", "f.npy", "v.npy", "short.npy", "r.bin"};
	for (int i = 0; i < 5; i++) {
		char path[256];
		snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

/* ---- graphs and errors ---- */

static char *first_error(const char *text)
{
	struct wl_workload w;
	struct diags err = {0};
	char *s;
	if (wl_load_string(text, "t.yaml", &w, &err)) {
		s = diag_format(&err.v[0]);
		ASSERT(w.data == NULL && w.g.ntensors == 0); /* a failed load leaves nothing */
	} else {
		s = xstrdup("");
		wl_free(&w);
	}
	diag_free(&err);
	return s;
}

static void test_graph(void)
{
	struct wl_workload w;
	struct diags err = {0};
	int rc = wl_load_string("name: g\n"
				"seed: 18446744073709551615\n"
				"tensors:\n"
				"  - {name: x, shape: [1, 9, 9, 4], dtype: int8}\n"
				"  - {name: k, shape: [8, 3, 3, 2], dtype: int8}\n"
				"ops:\n"
				"  - {name: c, op: conv2d, input: x, weight: k, groups: 2, stride: [2, 1], pad: [1, 0, 0, 2], dilation: 2}\n"
				"  - {name: p, op: max_pool, input: c, window: 2, stride: 2}\n"
				"  - {name: q, op: avg_pool, input: c, window: [3, 1], pad: [1, 0]}\n"
				"  - {name: m, op: max, a: c, b: c, out: mo}\n",
				"g.yaml", &w, &err);
	ASSERT_EQ(rc, 0);
	diag_print(&err, stderr);
	diag_free(&err);
	if (rc)
		return;
	ASSERT(w.seed == UINT64_MAX);
	/* conv: OH = (9 + 1 + 0 - (2*2+1)) / 2 + 1 = 3, OW = (9 + 0 + 2 - 5) / 1 + 1 = 7 */
	check_shape(out_of(&w, "c"), 4, 1, 3, 7, 8);
	ASSERT_EQ(ir_op_macs(&w.g.op[0]), 3 * 7 * 8 * 9 * 2);
	ASSERT_EQ(out_of(&w, "c")->dtype, DT_INT32);
	check_shape(out_of(&w, "p"), 4, 1, 1, 3, 8);
	check_shape(out_of(&w, "q"), 4, 1, 3, 7, 8);
	ASSERT_EQ(w.g.op[2].epilogue[0].kind, IR_EP_DIV);
	ASSERT_EQ(w.g.op[2].epilogue[0].imm, 3);
	ASSERT_STR(out_of(&w, "m")->name, "mo");
	ASSERT_EQ(w.op_at[3].line, 10);
	ASSERT_EQ(w.tensor_at[ir_tensor_lookup(&w.g, "mo")].col, 41);
	wl_free(&w);
}

static void test_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"name: t\nops: 3\n", "t.yaml:2:6: error: expected a non-empty sequence of ops for 'ops' in the top-level mapping, got '3'"},
		{"name: t\nseed: -1\nops: [{name: a, op: copy, a: a}]\n",
		 "t.yaml:2:7: error: expected a non-negative integer below 2^64 for 'seed' in the top-level mapping, got '-1'"},
		{"name: t\nops:\n  - {name: a, op: copy, a: nothing}\n",
		 "t.yaml:3:28: error: undefined tensor 'nothing' for 'a' in op 'a'; expected a tensor from 'tensors' or the output of an earlier op"},
		{"name: t\ntensors:\n  - {name: x, shape: [4], dtype: int8}\nops:\n  - {op: copy, a: x}\n",
		 "t.yaml:5:5: error: missing required key 'name' in op #1"},
		{"name: t\ntensors:\n  - {name: x, shape: [4], dtype: int8}\nops:\n  - {name: y, op: copy, a: x, epilogue: [relu: 1]}\n",
		 "t.yaml:5:42: error: epilogue 'relu' in op 'y' takes no value; write '- relu'"},
		{"name: t\ntensors:\n  - {name: x, shape: [4], dtype: int8}\nops:\n  - {name: y, op: copy, a: x, epilogue: [shr]}\n",
		 "t.yaml:5:42: error: epilogue 'shr' in op 'y' needs a value; write '- shr: VALUE'"},
		{"name: t\ntensors:\n  - {name: x, shape: [4], dtype: int8}\nops:\n  - {name: y, op: copy, a: x, epilogue: [shr: 40]}\n",
		 "t.yaml:5:47: error: expected an integer from -31 to 31 for 'shr' in op 'y', got '40'"},
		{"name: t\ntensors:\n  - {name: x, shape: [4, 4], dtype: int8}\nops:\n  - {name: y, op: matmul, a: x, b: x, epilogue: [bias: x]}\n",
		 "t.yaml:5:56: error: op 'y': a bias must be a rank-1 tensor of integer numbers as long as output dimension 1 (4)"},
		{"name: t\ntensors:\n  - {name: x, shape: [4, 4], dtype: fp32}\n  - {name: i, shape: [4, 4], dtype: int8}\nops:\n  - {name: y, op: matmul, a: x, b: i}\n",
		 "t.yaml:6:5: error: op 'y': 'x' is fp32 but 'i' is int8; expected both integer or both floating point"},
		{"name: t\ntensors:\n  - {name: x, shape: [1, 4, 4, 2], dtype: int8}\nops:\n  - {name: y, op: max_pool, input: x}\n",
		 "t.yaml:5:5: error: missing required key 'window' in op 'y'"},
		{"name: t\ntensors:\n  - {name: x, shape: [4, 4], dtype: int8, layout: nc}\nops:\n  - {name: y, op: copy, a: x}\n",
		 "t.yaml:3:51: error: expected 2 capital letters (one per dimension) for 'layout' in tensor 'x', got 'nc'"},
		{"name: t\ntensors:\n  - {name: x, shape: [1, 2, 3, 4, 5, 6, 7], dtype: int8}\nops:\n  - {name: y, op: copy, a: x}\n",
		 "t.yaml:3:22: error: expected a sequence of 1 to 6 positive integers for 'shape' in tensor 'x', got too many"},
		{"name: t\ntensors:\n  - {name: x, shape: [4], dtype: int8, range: [0, 300]}\nops:\n  - {name: y, op: copy, a: x}\n",
		 "t.yaml:3:47: error: expected a sequence [lo, hi] with lo <= hi, within int8, for 'range' in tensor 'x'"},
		{"name: t\ntensors:\n  - {name: x, shape: [4], dtype: int8}\nops:\n  - {name: y, op: copy, a: x, b: x}\n",
		 "t.yaml:5:31: error: unknown key 'b' in op 'y'; expected one of: name, op, out, dtype, a, epilogue"},
		{"name: t\nops:\n  - {name: y, op: copy, a: x}\n---\nname: u\n",
		 "t.yaml:4:1: error: a second YAML document; a workload is exactly one document"},
		{"", "t.yaml:1:1: error: empty file: expected a mapping with the workload (name, seed, tensors, ops)"},
		{"- 1\n", "t.yaml:1:1: error: expected a mapping for the workload, got a sequence"},
		/* a broken declaration is reported once, not again by its users */
		{"name: t\ntensors:\n  - {name: x, shape: [0], dtype: int8}\nops:\n  - {name: y, op: copy, a: x}\n  - {name: z, op: copy, a: y}\n",
		 "t.yaml:3:23: error: expected a positive integer for 'shape' in tensor 'x', got '0'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *got = first_error(cases[i].text);
		ASSERT_STR(got, cases[i].want);
		free(got);
	}
	/* a broken declaration yields exactly one error */
	struct wl_workload w;
	struct diags err = {0};
	ASSERT_EQ(wl_load_string(cases[sizeof cases / sizeof *cases - 1].text, "t.yaml", &w, &err), -1);
	ASSERT_EQ(err.n, 1);
	diag_free(&err);
	/* the place of a missing key is the mapping's start: '{' here */
	/* a missing file */
	ASSERT_EQ(wl_load_file("/nonexistent/w.yaml", &w, &err), -1);
	ASSERT(err.n == 1 && strstr(err.v[0].msg, "cannot open"));
	diag_free(&err);
}

int main(void)
{
	test_resnet();
	test_other_examples();
	test_random();
	test_files();
	test_graph();
	test_errors();
	return test_done("test_workload");
}
