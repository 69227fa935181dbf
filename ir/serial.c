/* One op as bytes a program carries (docs/ir.md, "One op as bytes"): an op
 * of the IR with its operand tensors and its output tensor, so that whoever
 * runs a program can compute the op on the host without the workload it
 * came from.  Little-endian throughout: u32 counts, lengths and small
 * fields, 64-bit shapes and numbers.
 *
 * Program files are input anyone can write, so the decoder checks every
 * field against what the host backend (compiler/host.c) takes for granted:
 * the op it returns runs on buffers of exactly its tensors' sizes without
 * touching anything outside them, in arithmetic that cannot overflow, and
 * decoding allocates a bounded amount whatever the bytes say. */
#include "ir.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/le.h"
#include "base/strbuf.h"

/* "TOP" (tessel op) in the low three bytes, the format version in the top one. */
enum { MAGIC = 'T' | 'O' << 8 | 'P' << 16, VERSION = 1 };

/* An epilogue's tensor when it has none. */
#define NO_TENSOR UINT32_MAX
/* Limits that keep every index computation of the backend inside int64:
 * coefficients and offsets as read, then sums of their products with
 * extents and strides (see access_fits). */
#define MAX_COEF ((int64_t)1 << 31)
#define MAX_REACH ((uint64_t)1 << 62)
/* A dimension, as ir_add_tensor allows; a tensor's bytes. */
#define MAX_DIM ((int64_t)1 << 31)
#define MAX_TENSOR_BYTES ((uint64_t)1 << 32)
#define MAX_POINTS ((uint64_t)1 << IR_OP_MAX_POINTS_LOG2)
/* A shift further than this either way is no requantization. */
enum { MAX_SHIFT = 63 };

static const int combine_inputs[] = {
#define X(id, pre, in, suf, n) n,
	IR_COMBINES(X)
#undef X
};
static const char *const reduce_names[] = {
#define X(id, name) name,
	IR_REDUCES(X)
#undef X
};
static const bool epilogue_has_tensor[] = {
#define X(id, name, t) t,
	IR_EPILOGUES(X)
#undef X
};
enum {
	NREDUCES = (int)(sizeof reduce_names / sizeof *reduce_names),
	NCOMBINES = (int)(sizeof combine_inputs / sizeof *combine_inputs),
	NEPILOGUES = (int)(sizeof epilogue_has_tensor / sizeof *epilogue_has_tensor),
};

/* ---- operands ---- */

static int add_operand(int *t, int n, int tensor)
{
	for (int i = 0; i < n; i++)
		if (t[i] == tensor)
			return n;
	t[n] = tensor;
	return n + 1;
}

int ir_op_operands(const struct ir_graph *g, int opi, int *t)
{
	const struct ir_op *op = &g->op[opi];
	int n = 0;
	for (int i = 0; i < op->nin; i++)
		n = add_operand(t, n, op->in[i].tensor);
	for (int e = 0; e < op->nepilogues; e++)
		if (op->epilogue[e].kind == IR_EP_BIAS)
			n = add_operand(t, n, op->epilogue[e].tensor);
	return n;
}

/* ---- encoding ---- */

static void put_text(struct strbuf *o, const char *s)
{
	sb_add_le(o, strlen(s), 4);
	sb_add(o, s, strlen(s));
}

static void put_tensor(struct strbuf *o, const struct ir_tensor *t)
{
	put_text(o, t->name);
	put_text(o, dtype_name(t->dtype));
	sb_add_le(o, (uint64_t)t->rank, 4);
	for (int d = 0; d < t->rank; d++)
		sb_add_le(o, (uint64_t)t->shape[d], 8);
	sb_add(o, t->layout, (size_t)t->rank);
}

/* Position of graph tensor `tensor` in the operand list t (n long), or n:
 * the output, which follows the operands. */
static uint32_t local_of(const int *t, int n, int tensor)
{
	int i = 0;
	while (i < n && t[i] != tensor)
		i++;
	return (uint32_t)i;
}

static void put_access(struct strbuf *o, const struct ir_op *op, const struct ir_access *a, uint32_t local, int rank)
{
	sb_add_le(o, local, 4);
	for (int d = 0; d < rank; d++) {
		for (int k = 0; k < op->niters; k++)
			sb_add_le(o, (uint64_t)a->index[d].coef[k], 8);
		sb_add_le(o, (uint64_t)a->index[d].offset, 8);
	}
}

static void put_epilogue(struct strbuf *o, const struct ir_epilogue *e, const int *t, int n)
{
	bool bias = e->kind == IR_EP_BIAS;
	sb_add_le(o, (uint64_t)e->kind, 4);
	sb_add_le(o, bias ? local_of(t, n, e->tensor) : NO_TENSOR, 4);
	sb_add_le(o, bias ? (uint64_t)e->dim : 0, 4);
	sb_add_le(o, (uint64_t)e->imm, 8);
	sb_add_le(o, (uint64_t)e->lo, 8);
	sb_add_le(o, (uint64_t)e->hi, 8);
}

static void put_op(struct strbuf *o, const struct ir_graph *g, const struct ir_op *op, const int *t, int n)
{
	put_text(o, op->name);
	put_text(o, op->kind);
	sb_add_le(o, (uint64_t)op->niters, 4);
	for (int k = 0; k < op->niters; k++) {
		put_text(o, op->iter[k].name);
		sb_add_le(o, (uint64_t)op->iter[k].extent, 8);
		sb_add_le(o, op->iter[k].reduction, 4);
	}
	sb_add_le(o, (uint64_t)op->reduce, 4);
	sb_add_le(o, (uint64_t)op->combine, 4);
	put_text(o, dtype_name(op->acc));
	put_access(o, op, &op->out, (uint32_t)n, g->tensor[op->out.tensor].rank);
	sb_add_le(o, (uint64_t)op->nin, 4);
	for (int i = 0; i < op->nin; i++)
		put_access(o, op, &op->in[i], local_of(t, n, op->in[i].tensor), g->tensor[op->in[i].tensor].rank);
	sb_add_le(o, (uint64_t)op->nepilogues, 4);
	for (int e = 0; e < op->nepilogues; e++)
		put_epilogue(o, &op->epilogue[e], t, n);
}

uint8_t *ir_op_encode(const struct ir_graph *g, int opi, size_t *len)
{
	const struct ir_op *op = &g->op[opi];
	int t[IR_OP_MAX_OPERANDS], n = ir_op_operands(g, opi, t);
	struct strbuf o = {0};
	sb_add_le(&o, MAGIC | (uint32_t)VERSION << 24, 4);
	sb_add_le(&o, (uint64_t)n, 4);
	for (int i = 0; i < n; i++)
		put_tensor(&o, &g->tensor[t[i]]);
	put_tensor(&o, &g->tensor[op->out.tensor]);
	put_op(&o, g, op, t, n);
	if (o.oom) {
		sb_free(&o);
		return NULL;
	}
	*len = o.len;
	return (uint8_t *)o.s;
}

/* ---- decoding: reading fields ---- */

/* A cursor over untrusted bytes.  The first error is the one reported;
 * after it every read gives 0 and the callers unwind. */
struct rd {
	const uint8_t *b;
	size_t len, pos;
	const char *what;
	struct diags *err;
	char in[32]; /* the part being read, for messages: "operand 2", "iterator 3", ... */
	bool bad;
};

static bool fail(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(struct rd *r, const char *fmt, ...)
{
	if (!r->bad) {
		char msg[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		diag_add(r->err, NULL, 0, 0, "%s: corrupt: %s", r->what, msg);
		r->bad = true;
	}
	return false;
}

/* Names the part read next: WHAT, or WHAT I when I >= 0. */
static void part(struct rd *r, const char *what, int i)
{
	if (i < 0)
		snprintf(r->in, sizeof r->in, "%s", what);
	else
		snprintf(r->in, sizeof r->in, "%s %d", what, i);
}

static const uint8_t *take(struct rd *r, size_t n, const char *field)
{
	if (r->bad)
		return NULL;
	if (n > r->len - r->pos) {
		fail(r, "truncated: %s of %s needs %zu bytes at byte %zu, %zu remain", field, r->in, n, r->pos,
		     r->len - r->pos);
		return NULL;
	}
	const uint8_t *p = r->b + r->pos;
	r->pos += n;
	return p;
}

static uint64_t take_le(struct rd *r, int n, const char *field)
{
	const uint8_t *p = take(r, (size_t)n, field);
	return p ? le_get(p, n) : 0;
}

/* A u32 from lo to hi; -1 (with an error) when it is not. */
static int take_count(struct rd *r, const char *field, int lo, int hi)
{
	uint64_t v = take_le(r, 4, field);
	if (r->bad)
		return -1;
	if (v < (uint64_t)lo || v > (uint64_t)hi) {
		if (lo == hi)
			fail(r, "%s of %s is %" PRIu64 "; expected %d", field, r->in, v, lo);
		else
			fail(r, "%s of %s is %" PRIu64 "; expected %d to %d", field, r->in, v, lo, hi);
		return -1;
	}
	return (int)v;
}

/* An i64 from -MAX_COEF to MAX_COEF. */
static int64_t take_coef(struct rd *r, const char *field, int d)
{
	int64_t v = (int64_t)take_le(r, 8, field);
	if (!r->bad && (v < -MAX_COEF || v > MAX_COEF))
		fail(r, "%s in dimension %d of %s is %" PRId64 "; expected -2^31 to 2^31", field, d, r->in, v);
	return v;
}

/* A counted name: 1 to size - 1 bytes of printable ASCII. */
static bool take_name(struct rd *r, const char *field, char *out, size_t size)
{
	uint64_t n = take_le(r, 4, field);
	if (r->bad)
		return false;
	if (n < 1 || n >= size)
		return fail(r, "%s of %s is %" PRIu64 " bytes long; expected 1 to %zu", field, r->in, n, size - 1);
	const uint8_t *p = take(r, (size_t)n, field);
	if (!p)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return fail(r, "%s of %s holds byte 0x%02x; expected printable ASCII", field, r->in, p[i]);
	memcpy(out, p, (size_t)n);
	out[n] = 0;
	return true;
}

static bool take_dtype(struct rd *r, const char *field, enum dtype *t)
{
	char name[16];
	if (!take_name(r, field, name, sizeof name))
		return false;
	for (int i = 0; i < DTYPE_COUNT; i++)
		if (!strcmp(name, dtype_name((enum dtype)i))) {
			*t = (enum dtype)i;
			return true;
		}
	return fail(r, "%s of %s is '%s', not a dtype", field, r->in, name);
}

/* ---- decoding: the parts ---- */

/* The operand count, after the magic word. */
static int read_header(struct rd *r)
{
	part(r, "the header", -1);
	uint64_t w = take_le(r, 4, "the magic word");
	if (r->bad)
		return -1;
	if ((w & 0xffffff) != MAGIC) {
		fail(r, "no magic word 'TOP' at the start: not an encoded op");
		return -1;
	}
	if (w >> 24 != VERSION) {
		fail(r, "version %" PRIu64 "; this tessel reads version %d", w >> 24, VERSION);
		return -1;
	}
	return take_count(r, "the number of operands", 1, IR_OP_MAX_OPERANDS);
}

static bool read_layout(struct rd *r, struct ir_tensor *t)
{
	const uint8_t *p = take(r, (size_t)t->rank, "the layout");
	for (int d = 0; p && d < t->rank; d++) {
		bool letter = (p[d] >= 'A' && p[d] <= 'Z') || (p[d] >= 'a' && p[d] <= 'z');
		if (!letter)
			return fail(r, "the layout of %s holds byte 0x%02x; expected a letter per dimension", r->in, p[d]);
		t->layout[d] = (char)p[d];
	}
	return p != NULL;
}

/* Tensor i of g: an operand, or the output when i == n. */
static bool read_tensor(struct rd *r, struct ir_graph *g, int i, int n)
{
	struct ir_tensor *t = &g->tensor[i];
	part(r, i < n ? "operand" : "the output", i < n ? i : -1);
	if (!take_name(r, "the name", t->name, sizeof t->name) || !take_dtype(r, "the dtype", &t->dtype))
		return false;
	for (int j = 0; j < i; j++)
		if (!strcmp(g->tensor[j].name, t->name))
			return fail(r, "%s is named '%s' like operand %d", r->in, t->name, j);
	if ((t->rank = take_count(r, "the rank", 1, IR_MAX_RANK)) < 0)
		return false;
	uint64_t bytes = dtype_bytes(t->dtype);
	for (int d = 0; d < t->rank; d++) {
		t->shape[d] = (int64_t)take_le(r, 8, "the shape");
		if (r->bad)
			return false;
		if (t->shape[d] < 1 || t->shape[d] > MAX_DIM)
			return fail(r, "dimension %d of %s '%s' is %" PRId64 "; expected 1 to 2^31", d, r->in, t->name,
				    t->shape[d]);
		bytes *= (uint64_t)t->shape[d]; /* at most 2^32 * 2^31 */
		if (bytes > MAX_TENSOR_BYTES)
			return fail(r, "%s '%s' holds more than 4 GiB", r->in, t->name);
	}
	t->kind = i < n ? IR_TENSOR_INPUT : IR_TENSOR_OUTPUT;
	t->producer = i < n ? -1 : 0;
	return read_layout(r, t);
}

static bool read_iters(struct rd *r, struct ir_op *op)
{
	part(r, "the op", -1);
	if ((op->niters = take_count(r, "the number of iterators", 0, IR_MAX_ITERS)) < 0)
		return false;
	uint64_t points = 1;
	for (int k = 0; k < op->niters; k++) {
		struct ir_iter *it = &op->iter[k];
		part(r, "iterator", k);
		if (!take_name(r, "the name", it->name, sizeof it->name))
			return false;
		it->extent = (int64_t)take_le(r, 8, "the extent");
		if (r->bad)
			return false;
		if (it->extent < 1)
			return fail(r, "iterator %d '%s' has extent %" PRId64, k, it->name, it->extent);
		if ((uint64_t)it->extent > MAX_POINTS / points)
			return fail(r, "iterators 0 to %d make more than 2^%d points", k, IR_OP_MAX_POINTS_LOG2);
		points *= (uint64_t)it->extent;
		int red = take_count(r, "the reduction flag", 0, 1);
		if (red < 0)
			return false;
		it->reduction = red;
	}
	return true;
}

/* An access to one of tensors lo .. hi of g. */
static bool read_access(struct rd *r, const struct ir_graph *g, struct ir_op *op, struct ir_access *a, int lo, int hi)
{
	if ((a->tensor = take_count(r, "the tensor", lo, hi)) < 0)
		return false;
	for (int d = 0; d < g->tensor[a->tensor].rank; d++) {
		for (int k = 0; k < op->niters; k++)
			a->index[d].coef[k] = take_coef(r, "a coefficient", d);
		a->index[d].offset = take_coef(r, "the offset", d);
	}
	return !r->bad;
}

/* What decides whether the epilogue is well formed, and its tensor and
 * dimension in the only form the encoder writes them. */
static bool read_epilogue(struct rd *r, const struct ir_graph *g, int n, struct ir_epilogue *e)
{
	int kind = take_count(r, "the kind", 0, NEPILOGUES - 1);
	uint64_t t = take_le(r, 4, "the tensor"), dim = take_le(r, 4, "the dimension");
	e->imm = (int64_t)take_le(r, 8, "the immediate");
	e->lo = (int64_t)take_le(r, 8, "the lower bound");
	e->hi = (int64_t)take_le(r, 8, "the upper bound");
	if (r->bad)
		return false;
	e->kind = (enum ir_epilogue_kind)kind;
	if (!epilogue_has_tensor[kind])
		e->tensor = -1;
	if (!epilogue_has_tensor[kind] && (t != NO_TENSOR || dim))
		return fail(r, "%s (%s) has tensor %" PRIu64 " and dimension %" PRIu64 "; expected none (0x%x) and 0", r->in,
			    ir_epilogue_name(e->kind), t, dim, NO_TENSOR);
	if (epilogue_has_tensor[kind] && t >= (uint64_t)n)
		return fail(r, "the tensor of %s is %" PRIu64 "; expected an operand, 0 to %d", r->in, t, n - 1);
	if (epilogue_has_tensor[kind] && dim >= (uint64_t)g->tensor[n].rank)
		return fail(r, "%s follows output dimension %" PRIu64 "; the output has %d", r->in, dim, g->tensor[n].rank);
	if (epilogue_has_tensor[kind])
		e->tensor = (int)t, e->dim = (int)dim;
	return true;
}

static bool read_op(struct rd *r, struct ir_graph *g, int n)
{
	struct ir_op *op = &g->op[0];
	part(r, "the op", -1);
	if (!take_name(r, "the name", op->name, sizeof op->name) || !take_name(r, "the kind", op->kind, sizeof op->kind) ||
	    !read_iters(r, op))
		return false;
	part(r, "the op", -1);
	int reduce = take_count(r, "the reduction", 0, NREDUCES - 1);
	int combine = take_count(r, "the combination", 0, NCOMBINES - 1);
	if (!take_dtype(r, "the accumulator dtype", &op->acc))
		return false;
	op->reduce = (enum ir_reduce)reduce;
	op->combine = (enum ir_combine)combine;
	part(r, "the output access", -1);
	if (!read_access(r, g, op, &op->out, n, n))
		return false;
	part(r, "the op", -1);
	if ((op->nin = take_count(r, "the number of inputs", combine_inputs[combine], combine_inputs[combine])) < 0)
		return false;
	for (int i = 0; i < op->nin; i++) {
		part(r, "input access", i);
		if (!read_access(r, g, op, &op->in[i], 0, n - 1))
			return false;
	}
	part(r, "the op", -1);
	if ((op->nepilogues = take_count(r, "the number of epilogues", 0, IR_MAX_EPILOGUES)) < 0)
		return false;
	for (int e = 0; e < op->nepilogues; e++) {
		part(r, "epilogue", e);
		if (!read_epilogue(r, g, n, &op->epilogue[e]))
			return false;
	}
	return true;
}

/* ---- decoding: the op as a whole ---- */

/* Re-encoding gives the same bytes, and nothing the op does not use
 * travels with it. */
static bool check_operands(struct rd *r, const struct ir_graph *g, int n)
{
	int t[IR_OP_MAX_OPERANDS], m = ir_op_operands(g, 0, t);
	for (int i = 0; i < n; i++)
		if (i >= m || t[i] != i)
			return fail(r, "operand %d '%s' is out of place: the operands are the op's inputs, then its biases, each once",
				    i, g->tensor[i].name);
	return true;
}

/* The backend loads integers as i32 and floats as fp32 and combines them in
 * the accumulator's type: a mix is code it cannot generate. */
static bool check_dtypes(struct rd *r, const struct ir_graph *g, const struct ir_op *op)
{
	bool flt = dtype_float(op->acc);
	if (op->acc != (flt ? DT_FP32 : DT_INT32))
		return fail(r, "the op accumulates in %s; expected int32 or fp32", dtype_name(op->acc));
	for (int i = 0; i < op->nin; i++) {
		const struct ir_tensor *t = &g->tensor[op->in[i].tensor];
		if (op->combine == IR_COMBINE_DIV && !flt)
			return fail(r, "the op divides in %s; division is floating point only", dtype_name(op->acc));
		if (dtype_float(t->dtype) != flt)
			return fail(r, "input %d '%s' is %s but the op accumulates in %s", i, t->name, dtype_name(t->dtype),
				    dtype_name(op->acc));
	}
	for (int e = 0; e < op->nepilogues; e++) {
		const struct ir_epilogue *ep = &op->epilogue[e];
		if (ir_epilogue_float_only(ep->kind) && !flt)
			return fail(r, "epilogue %d is %s but the op accumulates in %s; %s is floating point only", e,
				    ir_epilogue_name(ep->kind), dtype_name(op->acc), ir_epilogue_name(ep->kind));
		if (ep->kind == IR_EP_BIAS && dtype_float(g->tensor[ep->tensor].dtype) != flt)
			return fail(r, "bias '%s' is %s but the op accumulates in %s", g->tensor[ep->tensor].name,
				    dtype_name(g->tensor[ep->tensor].dtype), dtype_name(op->acc));
	}
	return true;
}

/* The backend writes each output value once, after the reduction loops,
 * at an offset made of the spatial iterators only: so the spatial iterators
 * are exactly those the output's indices use. */
static bool check_iters(struct rd *r, const struct ir_graph *g, const struct ir_op *op)
{
	int rank = g->tensor[op->out.tensor].rank;
	for (int k = 0; k < op->niters; k++) {
		bool used = false;
		for (int d = 0; d < rank; d++)
			used |= op->out.index[d].coef[k] != 0;
		if (used && op->iter[k].reduction)
			return fail(r, "iterator %d '%s' is a reduction but indexes the output", k, op->iter[k].name);
		if (!used && !op->iter[k].reduction)
			return fail(r, "iterator %d '%s' is spatial but indexes no dimension of the output", k, op->iter[k].name);
	}
	return true;
}

static uint64_t mag(int64_t v) { return v < 0 ? (uint64_t)-v : (uint64_t)v; } /* |v| <= 2^31 here */

/* *sum += a * b, false once the sum would pass MAX_REACH (*sum <= MAX_REACH). */
static bool add_product(uint64_t *sum, uint64_t a, uint64_t b)
{
	if (b && a > (MAX_REACH - *sum) / b) {
		*sum = MAX_REACH;
		return false;
	}
	*sum += a * b;
	return true;
}

/* Whether the backend's int64 arithmetic on access a cannot overflow: each
 * index over the domain (offset plus every coefficient times its extent
 * less one: the bounds it checks against, and the indices it computes at
 * run time), and each iterator's and the offsets' step in elements (the
 * linear offsets it adds up), all within 2^62. */
static bool access_fits(const struct ir_op *op, const struct ir_access *a, const struct ir_tensor *t)
{
	uint64_t stride[IR_MAX_RANK], s = 1, lin0 = 0;
	bool ok = true;
	for (int d = t->rank - 1; d >= 0; d--)
		stride[d] = s, s *= (uint64_t)t->shape[d];
	for (int d = 0; d < t->rank; d++) {
		uint64_t reach = mag(a->index[d].offset);
		for (int k = 0; k < op->niters; k++)
			ok &= add_product(&reach, mag(a->index[d].coef[k]), (uint64_t)op->iter[k].extent - 1);
		ok &= add_product(&lin0, mag(a->index[d].offset), stride[d]);
	}
	for (int k = 0; k < op->niters; k++) {
		uint64_t lin = 0;
		for (int d = 0; d < t->rank; d++)
			ok &= add_product(&lin, mag(a->index[d].coef[k]), stride[d]);
	}
	return ok;
}

/* The least and greatest value of x over the domain (after access_fits). */
static void affine_range(const struct ir_op *op, const struct ir_affine *x, int64_t *lo, int64_t *hi)
{
	*lo = *hi = x->offset;
	for (int k = 0; k < op->niters; k++) {
		int64_t span = x->coef[k] * (op->iter[k].extent - 1);
		*(span < 0 ? lo : hi) += span;
	}
}

/* Reads may leave their tensor (padding: the backend checks those); the
 * write may not (the backend stores unchecked). */
static bool check_accesses(struct rd *r, const struct ir_graph *g, const struct ir_op *op)
{
	for (int a = 0; a <= op->nin; a++) {
		const struct ir_access *ac = a ? &op->in[a - 1] : &op->out;
		if (!access_fits(op, ac, &g->tensor[ac->tensor]))
			return fail(r, "the indices of '%s' reach past 2^62", g->tensor[ac->tensor].name);
	}
	const struct ir_tensor *out = &g->tensor[op->out.tensor];
	for (int d = 0; d < out->rank; d++) {
		int64_t lo, hi;
		affine_range(op, &op->out.index[d], &lo, &hi);
		if (lo < 0 || hi >= out->shape[d])
			return fail(r, "the output index in dimension %d runs from %" PRId64 " to %" PRId64
				       ", outside the output's 0 to %" PRId64,
				    d, lo, hi, out->shape[d] - 1);
	}
	return true;
}

/* A bias is read at the output's index in its dimension, unchecked. */
static bool check_epilogues(struct rd *r, const struct ir_graph *g, const struct ir_op *op)
{
	const struct ir_tensor *out = &g->tensor[op->out.tensor];
	for (int e = 0; e < op->nepilogues; e++) {
		const struct ir_epilogue *ep = &op->epilogue[e];
		const struct ir_tensor *b = ep->kind == IR_EP_BIAS ? &g->tensor[ep->tensor] : NULL;
		if (b && (b->rank != 1 || b->shape[0] != out->shape[ep->dim]))
			return fail(r, "epilogue %d: bias '%s' has rank %d and %" PRId64 " elements; expected rank 1 and %" PRId64
				       " (output dimension %d)",
				    e, b->name, b->rank, ir_tensor_elems(b), out->shape[ep->dim], ep->dim);
		if (ep->kind == IR_EP_DIV && ep->imm == 0)
			return fail(r, "epilogue %d divides by 0", e);
		if (ep->kind == IR_EP_SHR && (ep->imm < -MAX_SHIFT || ep->imm > MAX_SHIFT))
			return fail(r, "epilogue %d shifts by %" PRId64 "; expected -%d to %d", e, ep->imm, MAX_SHIFT, MAX_SHIFT);
		if (ep->kind == IR_EP_CLIP && ep->lo > ep->hi)
			return fail(r, "epilogue %d clips to the empty range %" PRId64 " to %" PRId64, e, ep->lo, ep->hi);
	}
	return true;
}

static int alloc_graph(struct ir_graph *g, int n, const char *what, struct diags *err)
{
	g->tensor = try_calloc((size_t)n + 1, sizeof *g->tensor);
	g->op = try_calloc(1, sizeof *g->op);
	if (!g->tensor || !g->op) {
		ir_graph_free(g);
		return diag_nomem(err, NULL, ((size_t)n + 1) * sizeof *g->tensor + sizeof *g->op, "decoding %s", what);
	}
	g->ntensors = g->tensor_cap = n + 1;
	g->nops = g->op_cap = 1;
	return 0;
}

int ir_op_decode(const uint8_t *b, size_t len, const char *what, struct ir_graph *g, struct diags *err)
{
	memset(g, 0, sizeof *g);
	struct rd r = {.b = b, .len = len, .what = what, .err = err};
	int n = read_header(&r);
	if (n < 0 || alloc_graph(g, n, what, err))
		return -1;
	bool ok = true;
	for (int i = 0; ok && i <= n; i++)
		ok = read_tensor(&r, g, i, n);
	ok = ok && read_op(&r, g, n);
	if (ok && r.pos != r.len)
		ok = fail(&r, "trailing bytes after the op: %zu", r.len - r.pos);
	const struct ir_op *op = &g->op[0];
	ok = ok && check_operands(&r, g, n) && check_dtypes(&r, g, op) && check_iters(&r, g, op) &&
	     check_accesses(&r, g, op) && check_epilogues(&r, g, op);
	if (!ok) {
		ir_graph_free(g);
		return -1;
	}
	return 0;
}
