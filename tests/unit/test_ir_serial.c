/* ir/serial.c: one op as bytes.  Every op of every example workload
 * encodes and decodes to the same op and tensors field by field, and
 * re-encodes to the same bytes; the host backend computes the same bytes
 * from a decoded op as from the original (a padded conv2d with a bias, max
 * and average pooling, a dense layer); every prefix of an encoding is
 * refused, and thousands of single-byte corruptions are either refused with
 * one error or decode to an op that re-encodes to those bytes, some of
 * which the host backend runs between guard pages without touching them;
 * specific corruptions give their specific message; x * x carries x once;
 * memory running out at any allocation is a clean error. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <dirent.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fault.h"
#include "compiler/host.h"
#include "ir/workload.h"
#include "test.h"

static const char *const WHAT = "host op 't'";

static uint64_t rng = 0x5e71a1;
static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng % n;
}

static uint8_t *encode(const struct ir_graph *g, int op, size_t *len)
{
	uint8_t *b = ir_op_encode(g, op, len);
	ASSERT(b != NULL);
	if (!b)
		exit(1);
	return b;
}

static bool graph_empty(const struct ir_graph *g)
{
	static const struct ir_graph zero;
	return !memcmp(g, &zero, sizeof zero);
}

/* Decoding must fail with exactly one error, leaving g empty; the error. */
static char *refused(const uint8_t *b, size_t len)
{
	struct ir_graph g;
	struct diags err = {0};
	int rc = ir_op_decode(b, len, WHAT, &g, &err);
	ASSERT_EQ(rc, -1);
	ASSERT_EQ(err.n, 1);
	ASSERT(graph_empty(&g));
	char *msg = err.n ? xstrdup(err.v[0].msg) : xstrdup("");
	diag_free(&err);
	if (!rc)
		ir_graph_free(&g);
	return msg;
}

/* ---- round trip ---- */

static void same_tensor(const struct ir_tensor *a, const struct ir_tensor *b)
{
	ASSERT_STR(a->name, b->name);
	ASSERT_EQ(a->dtype, b->dtype);
	ASSERT_EQ(a->rank, b->rank);
	for (int d = 0; d < a->rank && d < b->rank; d++)
		ASSERT_EQ(a->shape[d], b->shape[d]);
	ASSERT_STR(a->layout, b->layout);
}

static void same_access(const struct ir_op *a, const struct ir_access *x, const struct ir_access *y, int tensor, int rank)
{
	ASSERT_EQ(y->tensor, tensor);
	for (int d = 0; d < rank; d++) {
		ASSERT_EQ(x->index[d].offset, y->index[d].offset);
		for (int k = 0; k < a->niters; k++)
			ASSERT_EQ(x->index[d].coef[k], y->index[d].coef[k]);
	}
}

static int local(const int *t, int n, int tensor)
{
	for (int i = 0; i < n; i++)
		if (t[i] == tensor)
			return i;
	return -2;
}

static void same_op(const struct ir_graph *g, const struct ir_op *a, const struct ir_op *b, const int *t, int n)
{
	ASSERT_STR(a->name, b->name);
	ASSERT_STR(a->kind, b->kind);
	ASSERT_EQ(a->niters, b->niters);
	for (int k = 0; k < a->niters && k < b->niters; k++) {
		ASSERT_STR(a->iter[k].name, b->iter[k].name);
		ASSERT_EQ(a->iter[k].extent, b->iter[k].extent);
		ASSERT_EQ(a->iter[k].reduction, b->iter[k].reduction);
	}
	ASSERT_EQ(a->reduce, b->reduce);
	ASSERT_EQ(a->combine, b->combine);
	ASSERT_EQ(a->acc, b->acc);
	same_access(a, &a->out, &b->out, n, g->tensor[a->out.tensor].rank);
	ASSERT_EQ(a->nin, b->nin);
	for (int i = 0; i < a->nin && i < b->nin; i++)
		same_access(a, &a->in[i], &b->in[i], local(t, n, a->in[i].tensor), g->tensor[a->in[i].tensor].rank);
	ASSERT_EQ(a->nepilogues, b->nepilogues);
	for (int e = 0; e < a->nepilogues && e < b->nepilogues; e++) {
		const struct ir_epilogue *x = &a->epilogue[e], *y = &b->epilogue[e];
		ASSERT_EQ(x->kind, y->kind);
		ASSERT_EQ(y->tensor, x->kind == IR_EP_BIAS ? local(t, n, x->tensor) : -1);
		ASSERT_EQ(x->dim, y->dim);
		ASSERT_EQ(x->imm, y->imm);
		ASSERT_EQ(x->lo, y->lo);
		ASSERT_EQ(x->hi, y->hi);
	}
}

/* Op `op` of g through bytes and back; the decoded graph in *d. */
static void round_trip(const struct ir_graph *g, int op, struct ir_graph *d)
{
	int t[IR_OP_MAX_OPERANDS], n = ir_op_operands(g, op, t);
	size_t len, len2;
	uint8_t *b = encode(g, op, &len);
	struct diags err = {0};
	int rc = ir_op_decode(b, len, WHAT, d, &err);
	ASSERT_EQ(rc, 0);
	if (rc) {
		diag_print(&err, stderr);
		fprintf(stderr, "op '%s' does not decode\n", g->op[op].name);
		diag_free(&err);
		free(b);
		return;
	}
	ASSERT_EQ(err.n, 0);
	ASSERT_EQ(d->ntensors, n + 1);
	ASSERT_EQ(d->nops, 1);
	for (int i = 0; i < n; i++) {
		same_tensor(&g->tensor[t[i]], &d->tensor[i]);
		ASSERT_EQ(d->tensor[i].kind, IR_TENSOR_INPUT);
		ASSERT_EQ(d->tensor[i].producer, -1);
	}
	same_tensor(&g->tensor[g->op[op].out.tensor], &d->tensor[n]);
	ASSERT_EQ(d->tensor[n].kind, IR_TENSOR_OUTPUT);
	ASSERT_EQ(d->tensor[n].producer, 0);
	same_op(g, &g->op[op], &d->op[0], t, n);
	int u[IR_OP_MAX_OPERANDS];
	ASSERT_EQ(ir_op_operands(d, 0, u), n);
	uint8_t *b2 = encode(d, 0, &len2);
	ASSERT(len2 == len && !memcmp(b, b2, len));
	free(b2);
	free(b);
}

static int nworkloads, nops_round_tripped;

static void test_workloads(void)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/examples/workloads", test_source_dir());
	DIR *dp = opendir(dir);
	ASSERT(dp != NULL);
	for (struct dirent *de; dp && (de = readdir(dp));) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
			continue;
		char path[2048];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct wl_workload w;
		struct diags err = {0};
		int rc = wl_load_file(path, &w, &err);
		ASSERT_EQ(rc, 0);
		diag_free(&err);
		if (rc)
			continue;
		for (int op = 0; op < w.g.nops; op++) {
			struct ir_graph d;
			round_trip(&w.g, op, &d);
			ir_graph_free(&d);
			nops_round_tripped++;
		}
		nworkloads++;
		wl_free(&w);
	}
	if (dp)
		closedir(dp);
	ASSERT(nworkloads >= 7);
	ASSERT(nops_round_tripped >= 30);
}

/* ---- a graph of the ops the other tests use ---- */

struct ops {
	struct ir_graph g;
	int conv, maxp, avgp, dense, sq;
};

static void build(struct ops *o)
{
	struct diags err = {0};
	struct ir_graph *g = &o->g;
	memset(o, 0, sizeof *o);
	int x = ir_add_tensor(g, "x", IR_TENSOR_INPUT, DT_INT8, 4, (int64_t[]){1, 7, 6, 3}, "NHWC", &err);
	int w = ir_add_tensor(g, "w", IR_TENSOR_WEIGHT, DT_INT8, 4, (int64_t[]){4, 3, 3, 3}, "OHWI", &err);
	int b = ir_add_tensor(g, "b", IR_TENSOR_WEIGHT, DT_INT32, 1, (int64_t[]){4}, NULL, &err);
	struct ir_conv2d_attrs a = {{2, 1}, {1, 1, 2, 0}, {1, 2}, 1, false};
	o->conv = ir_conv2d(g, "c", x, w, &a, "y", DT_INT8, &err);
	ASSERT_EQ(ir_add_epilogue(g, o->conv, &(struct ir_epilogue){.kind = IR_EP_BIAS, .tensor = b, .dim = 3}, &err), 0);
	ASSERT_EQ(ir_add_epilogue(g, o->conv, &(struct ir_epilogue){.kind = IR_EP_SHR, .imm = 4}, &err), 0);
	ASSERT_EQ(ir_add_epilogue(g, o->conv, &(struct ir_epilogue){.kind = IR_EP_CLIP, .lo = -100, .hi = 90}, &err), 0);
	o->maxp = ir_pool2d(g, "mp", x, true, (int64_t[]){3, 2}, (int64_t[]){2, 2}, (int64_t[]){1, 0, 1, 1}, "m", &err);
	o->avgp = ir_pool2d(g, "ap", x, false, (int64_t[]){2, 3}, (int64_t[]){1, 2}, (int64_t[]){1, 1, 0, 2}, "p", &err);
	int f = ir_add_tensor(g, "f", IR_TENSOR_INPUT, DT_FP32, 2, (int64_t[]){3, 17}, "NC", &err);
	int fw = ir_add_tensor(g, "fw", IR_TENSOR_WEIGHT, DT_FP32, 2, (int64_t[]){5, 17}, "NC", &err);
	o->dense = ir_dense(g, "d", f, fw, "z", DT_FP32, &err);
	o->sq = ir_elementwise(g, "sq", IR_COMBINE_MUL, x, x, "xx", DT_INT32, &err);
	ASSERT_EQ(err.n, 0);
	if (err.n) {
		diag_print(&err, stderr);
		exit(1);
	}
}

/* ---- the host backend on decoded ops ---- */

/* Random contents for n bytes of dtype t: floats finite, in [-4, 4). */
static void randomize(uint8_t *p, int64_t n, enum dtype t)
{
	for (int64_t i = 0; i < n; i++) {
		if (t == DT_FP32) {
			float f = (float)((double)rnd(1 << 24) / (1 << 21) - 4);
			memcpy(p + 4 * i, &f, 4);
		} else if (t == DT_FP16) {
			uint16_t h = (uint16_t)(rnd(2) << 15 | rnd(0x4400)); /* below 2^2 */
			memcpy(p + 2 * i, &h, 2);
		} else {
			for (uint32_t k = 0; k < dtype_bytes(t); k++)
				p[dtype_bytes(t) * i + k] = (uint8_t)rnd(256);
		}
	}
}

static size_t tensor_bytes(const struct ir_tensor *t)
{
	return (size_t)ir_tensor_elems(t) * dtype_bytes(t->dtype);
}

static void host_same(struct host_jit *j1, struct host_jit *j2, const struct ir_graph *g, int op)
{
	void *raw[32] = {0};
	for (int i = 0; i < g->ntensors; i++) {
		raw[i] = xmalloc(tensor_bytes(&g->tensor[i]));
		randomize(raw[i], ir_tensor_elems(&g->tensor[i]), g->tensor[i].dtype);
	}
	struct ir_graph d;
	round_trip(g, op, &d);
	int t[IR_OP_MAX_OPERANDS], n = ir_op_operands(g, op, t), out = g->op[op].out.tensor;
	void *draw[IR_OP_MAX_OPERANDS + 1];
	for (int i = 0; i < n; i++)
		draw[i] = raw[t[i]];
	size_t ob = tensor_bytes(&g->tensor[out]);
	draw[n] = xcalloc(1, ob);
	memset(raw[out], 0x5a, ob);
	struct diags err = {0};
	ASSERT_EQ(host_run_op(j1, g, op, raw, &err), 0);
	ASSERT_EQ(d.nops == 1 ? host_run_op(j2, &d, 0, draw, &err) : -1, 0);
	if (err.n)
		diag_print(&err, stderr);
	ASSERT(!memcmp(raw[out], draw[n], ob));
	diag_free(&err);
	free(draw[n]);
	for (int i = 0; i < g->ntensors; i++)
		free(raw[i]);
	ir_graph_free(&d);
}

static void test_host(void)
{
	struct diags err = {0};
	struct host_jit *j1 = host_jit_open(&err), *j2 = host_jit_open(&err);
	ASSERT(j1 && j2);
	if (!j1 || !j2) {
		diag_print(&err, stderr);
		exit(1);
	}
	struct ops o;
	build(&o);
	int ops[] = {o.conv, o.maxp, o.avgp, o.dense};
	for (int i = 0; i < 4; i++)
		host_same(j1, j2, &o.g, ops[i]);
	ir_graph_free(&o.g);
	host_jit_close(j1);
	host_jit_close(j2);
	diag_free(&err);
}

/* ---- truncation and corruption ---- */

static void test_truncation(void)
{
	struct ops o;
	build(&o);
	int ops[] = {o.conv, o.avgp};
	for (int i = 0; i < 2; i++) {
		size_t len;
		uint8_t *b = encode(&o.g, ops[i], &len);
		for (size_t l = 0; l < len; l++) {
			uint8_t *p = xmalloc(l + 1); /* exactly l bytes for the decoder */
			memcpy(p, b, l);
			char *msg = refused(p, l);
			ASSERT(strstr(msg, "corrupt: truncated: ") != NULL);
			if (!strstr(msg, "corrupt: truncated: "))
				fprintf(stderr, "prefix of %zu bytes: %s\n", l, msg);
			free(msg);
			free(p);
		}
		free(b);
	}
	ir_graph_free(&o.g);
}

/* n bytes between two pages nobody may touch, against the lower one or
 * the upper one: a read or write just outside faults. */
struct guarded {
	uint8_t *map, *p;
	size_t maplen;
};

static uint8_t *guard_alloc(struct guarded *gd, size_t n, bool low)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), body = (n + pg - 1) / pg * pg;
	gd->maplen = body + 2 * pg;
	gd->map = mmap(NULL, gd->maplen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gd->map == MAP_FAILED || mprotect(gd->map + pg, body, PROT_READ | PROT_WRITE)) {
		perror("mmap");
		exit(1);
	}
	gd->p = low ? gd->map + pg : gd->map + pg + body - n;
	return gd->p;
}

/* Runs decoded op d on buffers of exactly its tensors' sizes, each against
 * a guard page below, then above. */
static void run_guarded(struct host_jit *j, const struct ir_graph *d)
{
	for (int low = 0; low < 2; low++) {
		struct guarded gd[IR_OP_MAX_OPERANDS + 1];
		void *p[IR_OP_MAX_OPERANDS + 1];
		for (int i = 0; i < d->ntensors; i++) {
			p[i] = guard_alloc(&gd[i], tensor_bytes(&d->tensor[i]), low);
			randomize(p[i], ir_tensor_elems(&d->tensor[i]), d->tensor[i].dtype);
		}
		struct diags err = {0};
		ASSERT_EQ(host_run_op(j, d, 0, p, &err), 0);
		diag_free(&err);
		for (int i = 0; i < d->ntensors; i++)
			munmap(gd[i].map, gd[i].maplen);
	}
}

static bool small(const struct ir_graph *d)
{
	uint64_t points = 1, bytes = 0;
	for (int k = 0; k < d->op[0].niters; k++)
		points *= (uint64_t)d->op[0].iter[k].extent;
	for (int i = 0; i < d->ntensors; i++)
		bytes += tensor_bytes(&d->tensor[i]);
	return points <= 1 << 16 && bytes <= 1 << 20;
}

static int refused_n, accepted_n, ran_n;

static void corrupt(struct host_jit *j, const struct ir_graph *g, int op, int tries)
{
	size_t len;
	uint8_t *b = encode(g, op, &len), *m = xmalloc(len);
	for (int i = 0; i < tries; i++) {
		memcpy(m, b, len);
		size_t at = rnd(len);
		m[at] = (uint8_t)(m[at] ^ (1 + rnd(255)));
		struct ir_graph d;
		struct diags err = {0};
		if (ir_op_decode(m, len, WHAT, &d, &err)) {
			ASSERT_EQ(err.n, 1);
			ASSERT(graph_empty(&d));
			refused_n++;
		} else {
			size_t len2;
			uint8_t *b2 = encode(&d, 0, &len2);
			ASSERT(len2 == len && !memcmp(b2, m, len));
			free(b2);
			accepted_n++;
			if (ran_n < 60 && small(&d))
				run_guarded(j, &d), ran_n++;
			ir_graph_free(&d);
		}
		diag_free(&err);
	}
	free(m);
	free(b);
}

static void test_corruption(void)
{
	struct diags err = {0};
	struct host_jit *j = host_jit_open(&err);
	ASSERT(j != NULL);
	struct ops o;
	build(&o);
	int ops[] = {o.conv, o.maxp, o.avgp, o.dense};
	for (int i = 0; j && i < 4; i++)
		corrupt(j, &o.g, ops[i], 1500);
	ASSERT(refused_n > 1000);
	ASSERT(accepted_n > 100);
	ASSERT(ran_n > 20);
	ir_graph_free(&o.g);
	host_jit_close(j);
	diag_free(&err);
}

/* ---- specific corruptions ---- */

/* Op `op` of g as edited, refused with a message containing `want`. */
static void expect(const struct ir_graph *g, int op, const char *want)
{
	size_t len;
	uint8_t *b = encode(g, op, &len);
	char *msg = refused(b, len);
	char full[512];
	snprintf(full, sizeof full, "%s: corrupt: %s", WHAT, want);
	if (!strstr(msg, full))
		ASSERT_STR(msg, full);
	free(msg);
	free(b);
}

/* The encoding of `op` with the first "int8" dtype name spelled `name`. */
static void expect_bytes_dtype(const struct ir_graph *g, int op, const char *name, const char *want)
{
	size_t len;
	uint8_t *b = encode(g, op, &len);
	static const uint8_t int8[] = {4, 0, 0, 0, 'i', 'n', 't', '8'};
	uint8_t *p = NULL;
	for (size_t i = 0; !p && i + sizeof int8 <= len; i++)
		if (!memcmp(b + i, int8, sizeof int8))
			p = b + i;
	ASSERT(p != NULL);
	if (p)
		memcpy(p + 4, name, 4);
	char *msg = refused(b, len);
	ASSERT_STR(msg, want);
	free(msg);
	free(b);
}

static void test_messages(void)
{
	struct ops o;
	build(&o);
	struct ir_graph *g = &o.g;
	struct ir_op *c = &g->op[o.conv], *d = &g->op[o.dense], *ap = &g->op[o.avgp];
	struct ir_op keep = *c;

	c->out.index[1].offset = 1000;
	expect(g, o.conv, "the output index in dimension 1 runs from 1000 to 1003, outside the output's 0 to 3");
	*c = keep;
	c->out.index[2].offset = -1;
	expect(g, o.conv, "the output index in dimension 2 runs from -1 to 1, outside the output's 0 to 2");
	*c = keep;
	c->iter[3].extent = 0;
	expect(g, o.conv, "iterator 3 'o' has extent 0");
	*c = keep;
	c->iter[4].extent = (int64_t)1 << 40;
	expect(g, o.conv, "iterators 0 to 4 make more than 2^36 points");
	*c = keep;
	int b5 = ir_add_tensor(g, "b5", IR_TENSOR_WEIGHT, DT_INT32, 1, (int64_t[]){5}, NULL, &(struct diags){0});
	c->epilogue[0].tensor = b5;
	expect(g, o.conv, "epilogue 0: bias 'b5' has rank 1 and 5 elements; expected rank 1 and 4 (output dimension 3)");
	*c = keep;
	c->epilogue[0].dim = 2;
	expect(g, o.conv, "epilogue 0: bias 'b' has rank 1 and 4 elements; expected rank 1 and 3 (output dimension 2)");
	*c = keep;
	c->epilogue[1].imm = 64;
	expect(g, o.conv, "epilogue 1 shifts by 64; expected -63 to 63");
	*c = keep;
	c->epilogue[2].lo = 91;
	expect(g, o.conv, "epilogue 2 clips to the empty range 91 to 90");
	*c = keep;
	c->iter[5].reduction = false;
	expect(g, o.conv, "iterator 5 'kw' is spatial but indexes no dimension of the output");
	*c = keep;
	c->iter[0].reduction = true;
	expect(g, o.conv, "iterator 0 'n' is a reduction but indexes the output");
	*c = keep;
	c->in[0].index[1].coef[1] = (int64_t)1 << 32;
	expect(g, o.conv, "a coefficient in dimension 1 of input access 0 is 4294967296; expected -2^31 to 2^31");
	*c = keep;
	c->acc = DT_FP32;
	expect(g, o.conv, "input 0 'x' is int8 but the op accumulates in fp32");
	*c = keep;
	c->acc = DT_INT16;
	expect(g, o.conv, "the op accumulates in int16; expected int32 or fp32");
	*c = keep;
	c->nin = 1;
	expect(g, o.conv, "the number of inputs of the op is 1; expected 2");
	*c = keep;

	ap->epilogue[0].imm = 0;
	expect(g, o.avgp, "epilogue 0 divides by 0");
	ap->epilogue[0].imm = 6;

	/* a stride of 2^32 elements times a coefficient of 2^31 */
	ASSERT(ir_add_tensor(g, "big", IR_TENSOR_INPUT, DT_INT8, 3, (int64_t[]){1, (int64_t)1 << 31, 2}, NULL,
			     &(struct diags){0}) >= 0);
	ASSERT(ir_add_tensor(g, "bw", IR_TENSOR_INPUT, DT_INT8, 1, (int64_t[]){2}, NULL, &(struct diags){0}) >= 0);
	struct diags err = {0};
	int e = ir_einsum(g, "e", "s[i] += big[i, j, k] * bw[k]", "s", DT_INT32, &err);
	ASSERT(e >= 0);
	diag_free(&err);
	keep = g->op[e];
	g->op[e].in[0].index[0].coef[0] = (int64_t)1 << 31;
	expect(g, e, "the indices of 'big' reach past 2^62");
	g->op[e] = keep;

	/* dtypes, names and shapes */
	expect_bytes_dtype(g, o.conv, "int7", "host op 't': corrupt: the dtype of operand 0 is 'int7', not a dtype");
	enum dtype keep_dt = g->tensor[d->in[0].tensor].dtype;
	g->tensor[d->in[0].tensor].dtype = DT_INT8;
	expect(g, o.dense, "input 0 'f' is int8 but the op accumulates in fp32");
	g->tensor[d->in[0].tensor].dtype = keep_dt;
	char keep_name[IR_NAME_MAX];
	memcpy(keep_name, g->tensor[d->in[1].tensor].name, sizeof keep_name);
	memcpy(g->tensor[d->in[1].tensor].name, "f", 2);
	expect(g, o.dense, "operand 1 is named 'f' like operand 0");
	memcpy(g->tensor[d->in[1].tensor].name, "f\tw", 4);
	expect(g, o.dense, "the name of operand 1 holds byte 0x09; expected printable ASCII");
	memcpy(g->tensor[d->in[1].tensor].name, keep_name, sizeof keep_name);
	g->tensor[d->out.tensor].shape[1] = 0;
	expect(g, o.dense, "dimension 1 of the output 'z' is 0; expected 1 to 2^31");
	g->tensor[d->out.tensor].shape[1] = (int64_t)1 << 31;
	g->tensor[d->out.tensor].shape[0] = 1;
	expect(g, o.dense, "the output 'z' holds more than 4 GiB");
	ir_graph_free(g);
}

/* The header and the end. */
static void test_envelope(void)
{
	struct ops o;
	build(&o);
	size_t len;
	uint8_t *b = encode(&o.g, o.maxp, &len), *p = xmalloc(len + 1);
	memcpy(p, b, len);
	p[len] = 0;
	char *msg = refused(p, len + 1);
	ASSERT_STR(msg, "host op 't': corrupt: trailing bytes after the op: 1");
	free(msg);
	p[0] = 'X';
	msg = refused(p, len);
	ASSERT_STR(msg, "host op 't': corrupt: no magic word 'TOP' at the start: not an encoded op");
	free(msg);
	p[0] = b[0], p[3] = 2;
	msg = refused(p, len);
	ASSERT_STR(msg, "host op 't': corrupt: version 2; this tessel reads version 1");
	free(msg);
	p[3] = b[3], p[4] = 11;
	msg = refused(p, len);
	ASSERT_STR(msg, "host op 't': corrupt: the number of operands of the header is 11; expected 1 to 10");
	free(msg);
	p[4] = 2; /* the output read as a second operand: what follows no longer fits */
	msg = refused(p, len);
	ASSERT(strstr(msg, "host op 't': corrupt: ") == msg);
	free(msg);
	free(p);
	free(b);
	ir_graph_free(&o.g);
}

/* x * x reads x twice and carries it once. */
static void test_square(void)
{
	struct ops o;
	build(&o);
	int t[IR_OP_MAX_OPERANDS];
	ASSERT_EQ(ir_op_operands(&o.g, o.sq, t), 1);
	ASSERT_EQ(t[0], ir_tensor_lookup(&o.g, "x"));
	ASSERT_EQ(ir_op_operands(&o.g, o.conv, t), 3);
	ASSERT_EQ(t[2], ir_tensor_lookup(&o.g, "b"));
	struct ir_graph d;
	round_trip(&o.g, o.sq, &d);
	ASSERT_EQ(d.ntensors, 2);
	ASSERT_EQ(d.op[0].in[0].tensor, 0);
	ASSERT_EQ(d.op[0].in[1].tensor, 0);
	ir_graph_free(&d);
	ir_graph_free(&o.g);
}

/* Every allocation of encoding and decoding fails in turn, cleanly. */
static void test_nomem(void)
{
	struct ops o;
	build(&o);
	size_t len, l2 = 0;
	uint8_t *b = encode(&o.g, o.conv, &len);
	for (long n = 1;; n++) {
		fault_arm(FAULT_ALLOC, n);
		uint8_t *b2 = ir_op_encode(&o.g, o.conv, &l2);
		bool fired = fault_fired(FAULT_ALLOC);
		fault_arm(FAULT_ALLOC, 0);
		ASSERT(fired == !b2);
		if (!fired) {
			ASSERT(l2 == len && !memcmp(b, b2, len));
			free(b2);
			break;
		}
	}
	for (long n = 1;; n++) {
		struct ir_graph d;
		struct diags err = {0};
		fault_arm(FAULT_ALLOC, n);
		int rc = ir_op_decode(b, len, WHAT, &d, &err);
		bool fired = fault_fired(FAULT_ALLOC);
		fault_arm(FAULT_ALLOC, 0);
		ASSERT_EQ(rc, fired ? -1 : 0);
		if (fired) {
			ASSERT(err.n == 1 && err.v[0].nomem && graph_empty(&d));
			ASSERT(strstr(err.v[0].msg, "for decoding host op 't'") != NULL);
		}
		diag_free(&err);
		if (!fired) {
			ir_graph_free(&d);
			ASSERT(n > 1);
			break;
		}
	}
	free(b);
	ir_graph_free(&o.g);
}

int main(void)
{
	test_workloads();
	test_square();
	test_host();
	test_truncation();
	test_messages();
	test_envelope();
	test_corruption();
	test_nomem();
	printf("%d workloads, %d ops round-tripped; corruptions: %d refused, %d accepted, %d of those run\n", nworkloads,
	       nops_round_tripped, refused_n, accepted_n, ran_n);
	return test_done("test_ir_serial");
}
