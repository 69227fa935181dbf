/* compiler/host: the LLVM-C host backend (docs/host.md).
 *
 * An op becomes one function `void f(i8 **tensors)`: a loop nest over the
 * spatial iterators (in the op's order), and for each output point the
 * accumulator, a loop nest over the reduction iterators (row-major, so float
 * sums are added in the order docs/ir.md fixes), the epilogues and the cast.
 *
 * - Linear offsets are affine in the iterators; each loop adds its own term
 *   to the sums of the loops around it, so nothing is recomputed inside.
 * - Only an index that can leave its dimension (worked out from the iterator
 *   extents) is checked.  Where a read outside gives the identity of the
 *   reduction whatever the other operand (integer sums of products, sums and
 *   maxima of copies), the check skips the iterations of the innermost loop
 *   the index depends on, so the innermost loop stays free of checks and
 *   vectorises; otherwise (e.g. float products, where 0 * inf is NaN) the
 *   read is predicated: a select of the address and of the value.
 * - Integers are i32 with wrapping arithmetic; floats accumulate in fp32 with
 *   no fast-math flags (LLVM never contracts without them) and the epilogues
 *   run in double rounded to fp32 after each step, as the reference does. */
#include "host.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "base/alloc.h"
#include "base/half.h"

#include "host_int.h"

/* ---- fp16 output: the one conversion done by a call (once per output) ---- */

static uint16_t host_f64_to_f16(double d)
{
	return half_from_double(d); /* round to nearest even, one rounding */
}

/* ---- the cache key ---- */

static void key_put(int64_t *k, int *n, int64_t v)
{
	if (*n < KEY_MAX)
		k[*n] = v;
	(*n)++;
}

static void key_tensor(int64_t *k, int *n, const struct ir_tensor *t)
{
	key_put(k, n, t->dtype);
	key_put(k, n, t->rank);
	for (int d = 0; d < t->rank; d++)
		key_put(k, n, t->shape[d]);
}

static int make_key(const struct ir_graph *g, const struct ir_op *op, int64_t *k)
{
	int n = 0;
	key_put(k, &n, op->niters);
	for (int i = 0; i < op->niters; i++)
		key_put(k, &n, op->iter[i].extent), key_put(k, &n, op->iter[i].reduction);
	key_put(k, &n, op->nin);
	for (int a = 0; a <= op->nin; a++) {
		const struct ir_access *ac = a ? &op->in[a - 1] : &op->out;
		const struct ir_tensor *t = &g->tensor[ac->tensor];
		key_put(k, &n, ac->tensor); /* which argument the code reads: y + y is not a + y */
		key_tensor(k, &n, t);
		for (int d = 0; d < t->rank; d++) {
			key_put(k, &n, ac->index[d].offset);
			for (int i = 0; i < op->niters; i++)
				key_put(k, &n, ac->index[d].coef[i]);
		}
	}
	key_put(k, &n, op->reduce);
	key_put(k, &n, op->combine);
	key_put(k, &n, op->acc);
	key_put(k, &n, op->nepilogues);
	for (int e = 0; e < op->nepilogues; e++) {
		const struct ir_epilogue *ep = &op->epilogue[e];
		key_put(k, &n, ep->kind);
		if (ep->kind == IR_EP_BIAS)
			key_put(k, &n, ep->dim), key_put(k, &n, ep->tensor), key_tensor(k, &n, &g->tensor[ep->tensor]);
		key_put(k, &n, ep->imm);
		key_put(k, &n, ep->lo);
		key_put(k, &n, ep->hi);
	}
	return n;
}

/* ---- code generation ---- */

enum { NACC = IR_MAX_INPUTS + 1, NBASE = IR_MAX_INPUTS + 1 + IR_MAX_EPILOGUES };

struct gen {
	LLVMContextRef cx;
	LLVMModuleRef m;
	LLVMBuilderRef b;
	LLVMValueRef fn, args, acc;
	const struct ir_graph *g;
	const struct ir_op *op;
	bool flt, skip;
	int nsp, nrd, order[IR_MAX_ITERS], pos[IR_MAX_ITERS];
	LLVMTypeRef i1, i8, i16, i32, i64, f32, f64;
	/* access 0 is the output, 1..nin the inputs */
	int64_t lin[NACC][IR_MAX_ITERS], lin0[NACC];
	bool check[NACC][IR_MAX_RANK];
	int checkpos[NACC][IR_MAX_RANK]; /* skip mode: the loop position of the check */
	LLVMValueRef base[NBASE];        /* typed base pointers: accesses, then biases by epilogue */
};

struct state {
	LLVMValueRef it[IR_MAX_ITERS];
	LLVMValueRef lin[NACC];
	LLVMValueRef idx[NACC][IR_MAX_RANK];
};

struct loop {
	LLVMBasicBlockRef pre, body, latch, exit;
	LLVMValueRef phi;
	int64_t n;
};

static const struct ir_access *access_of(const struct gen *G, int a)
{
	return a ? &G->op->in[a - 1] : &G->op->out;
}

static LLVMValueRef ci64(struct gen *G, int64_t v) { return LLVMConstInt(G->i64, (unsigned long long)v, 1); }
static LLVMValueRef ci32(struct gen *G, int64_t v) { return LLVMConstInt(G->i32, (unsigned long long)(uint32_t)v, 0); }
static LLVMValueRef cf64(struct gen *G, double v) { return LLVMConstReal(G->f64, v); }

static LLVMTypeRef elem_type(struct gen *G, enum dtype t)
{
	switch (t) {
	case DT_INT8: case DT_UINT8: return G->i8;
	case DT_INT16: case DT_FP16: return G->i16;
	case DT_FP32: return G->f32;
	default: return G->i32;
	}
}

static LLVMBasicBlockRef block(struct gen *G, const char *name)
{
	return LLVMAppendBasicBlockInContext(G->cx, G->fn, name);
}

/* for (i = 0; i < n; i++) — n >= 1, so the body runs first */
static LLVMValueRef loop_begin(struct gen *G, struct loop *L, int64_t n, const char *name)
{
	L->n = n;
	L->pre = LLVMGetInsertBlock(G->b);
	L->body = block(G, name);
	L->latch = block(G, "latch");
	L->exit = block(G, "exit");
	LLVMBuildBr(G->b, L->body);
	LLVMPositionBuilderAtEnd(G->b, L->body);
	L->phi = LLVMBuildPhi(G->b, G->i64, name);
	return L->phi;
}

static void loop_end(struct gen *G, struct loop *L)
{
	LLVMBuildBr(G->b, L->latch);
	LLVMPositionBuilderAtEnd(G->b, L->latch);
	LLVMValueRef next = LLVMBuildNUWAdd(G->b, L->phi, ci64(G, 1), "next");
	LLVMBuildCondBr(G->b, LLVMBuildICmp(G->b, LLVMIntULT, next, ci64(G, L->n), "more"), L->body, L->exit);
	LLVMValueRef vals[2] = {ci64(G, 0), next};
	LLVMBasicBlockRef from[2] = {L->pre, L->latch};
	LLVMAddIncoming(L->phi, vals, from, 2);
	LLVMPositionBuilderAtEnd(G->b, L->exit);
}

/* v + c * x, leaving out what is zero */
static LLVMValueRef add_term(struct gen *G, LLVMValueRef v, int64_t c, LLVMValueRef x)
{
	if (!c)
		return v;
	LLVMValueRef t = c == 1 ? x : LLVMBuildMul(G->b, x, ci64(G, c), "");
	return LLVMBuildAdd(G->b, v, t, "");
}

/* Enter the loop at nest position p with iterator value v. */
static void advance(struct gen *G, struct state *s, int p, LLVMValueRef v)
{
	int k = G->order[p];
	s->it[k] = v;
	for (int a = 0; a <= G->op->nin; a++) {
		s->lin[a] = add_term(G, s->lin[a], G->lin[a][k], v);
		const struct ir_access *ac = access_of(G, a);
		for (int d = 0; d < G->g->tensor[ac->tensor].rank; d++)
			if (G->check[a][d])
				s->idx[a][d] = add_term(G, s->idx[a][d], ac->index[d].coef[k], v);
	}
}

/* i1: every checked index of access a (those with checkpos == p) is inside */
static LLVMValueRef inside(struct gen *G, const struct state *s, int a, int p)
{
	const struct ir_access *ac = access_of(G, a);
	const struct ir_tensor *t = &G->g->tensor[ac->tensor];
	LLVMValueRef ok = NULL;
	for (int d = 0; d < t->rank; d++) {
		if (!G->check[a][d] || G->checkpos[a][d] != p)
			continue;
		LLVMValueRef c = LLVMBuildICmp(G->b, LLVMIntULT, s->idx[a][d], ci64(G, t->shape[d]), "in");
		ok = ok ? LLVMBuildAnd(G->b, ok, c, "") : c;
	}
	return ok;
}

/* An element of tensor `tensor` at linear offset `off`, in the accumulator
 * type (i32, or float). */
static LLVMValueRef load_value(struct gen *G, int baseix, enum dtype dt, LLVMValueRef off)
{
	LLVMTypeRef et = elem_type(G, dt);
	LLVMValueRef p = LLVMBuildInBoundsGEP2(G->b, et, G->base[baseix], &off, 1, "");
	LLVMValueRef v = LLVMBuildLoad2(G->b, et, p, "");
	LLVMSetAlignment(v, 1);
	switch (dt) {
	case DT_INT8: case DT_INT16: return LLVMBuildSExt(G->b, v, G->i32, "");
	case DT_UINT8: return LLVMBuildZExt(G->b, v, G->i32, "");
	case DT_INT32: case DT_FP32: return v;
	case DT_FP16: {
		/* exact: (h & 0x7fff) << 13 read as a float, times 2^112, covers
		 * normals, subnormals and zero; exponent 31 is inf or NaN */
		LLVMValueRef h = LLVMBuildZExt(G->b, v, G->i32, "");
		LLVMValueRef mag = LLVMBuildShl(G->b, LLVMBuildAnd(G->b, h, ci32(G, 0x7fff), ""), ci32(G, 13), "");
		LLVMValueRef fin = LLVMBuildFMul(G->b, LLVMBuildBitCast(G->b, mag, G->f32, ""),
						 LLVMConstReal(G->f32, 0x1p112), "");
		LLVMValueRef finb = LLVMBuildBitCast(G->b, fin, G->i32, "");
		LLVMValueRef infb = LLVMBuildOr(G->b, mag, ci32(G, 0x7f800000), "");
		LLVMValueRef big = LLVMBuildICmp(G->b, LLVMIntUGE, mag, ci32(G, 0x7c00 << 13), "");
		LLVMValueRef bits = LLVMBuildSelect(G->b, big, infb, finb, "");
		LLVMValueRef sign = LLVMBuildShl(G->b, LLVMBuildAnd(G->b, h, ci32(G, 0x8000), ""), ci32(G, 16), "");
		return LLVMBuildBitCast(G->b, LLVMBuildOr(G->b, bits, sign, ""), G->f32, "");
	}
	default: break;
	}
	/* every dtype has a case above: a new one must get its own */
	die("host: dtype %d", (int)dt);
}

static LLVMValueRef pad_value(struct gen *G)
{
	bool mx = G->op->reduce == IR_REDUCE_MAX;
	return G->flt ? LLVMConstReal(G->f32, mx ? -INFINITY : 0.0) : ci32(G, mx ? INT32_MIN : 0);
}

static LLVMValueRef vmax(struct gen *G, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef gt = G->flt ? LLVMBuildFCmp(G->b, LLVMRealOGT, a, b, "") : LLVMBuildICmp(G->b, LLVMIntSGT, a, b, "");
	return LLVMBuildSelect(G->b, gt, a, b, "");
}

static LLVMValueRef vmin(struct gen *G, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef lt = G->flt ? LLVMBuildFCmp(G->b, LLVMRealOLT, a, b, "") : LLVMBuildICmp(G->b, LLVMIntSLT, a, b, "");
	return LLVMBuildSelect(G->b, lt, a, b, "");
}

/* 1 where a `fp` (`ip` for integers) b holds, else 0, in the accumulator's type */
static LLVMValueRef compare(struct gen *G, LLVMRealPredicate fp, LLVMIntPredicate ip, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef t = G->flt ? LLVMBuildFCmp(G->b, fp, a, b, "") : LLVMBuildICmp(G->b, ip, a, b, "");
	return G->flt ? LLVMBuildUIToFP(G->b, t, G->f32, "") : LLVMBuildZExt(G->b, t, G->i32, "");
}

/* The device takes a window's first point with `mov` and the others with a
 * `max` that keeps its destination where the comparison is unordered: a NaN
 * at the first point stays, a NaN after it is passed over.  Floats follow the
 * same rule here: the point where every reduction iterator is 0 (unless it
 * lies in the padding, which the device fills with -inf) is taken as it is. */
static LLVMValueRef reduce_max(struct gen *G, const struct state *s, LLVMValueRef c, LLVMValueRef acc)
{
	if (!G->flt)
		return vmax(G, c, acc);
	LLVMValueRef first = LLVMConstInt(G->i1, 1, 0);
	for (int p = G->nsp; p < G->nsp + G->nrd; p++)
		first = LLVMBuildAnd(G->b, first, LLVMBuildICmp(G->b, LLVMIntEQ, s->it[G->order[p]], ci64(G, 0), ""), "");
	LLVMValueRef take = LLVMBuildOr(G->b, first, LLVMBuildFCmp(G->b, LLVMRealOGT, c, acc, ""), "");
	return LLVMBuildSelect(G->b, take, c, acc, "");
}

/* One point of the domain: read, combine, reduce into the accumulator. */
static void gen_body(struct gen *G, const struct state *s)
{
	LLVMValueRef v[IR_MAX_INPUTS];
	for (int a = 1; a <= G->op->nin; a++) {
		const struct ir_tensor *t = &G->g->tensor[G->op->in[a - 1].tensor];
		LLVMValueRef ok = G->skip ? NULL : inside(G, s, a, -1);
		LLVMValueRef off = ok ? LLVMBuildSelect(G->b, ok, s->lin[a], ci64(G, 0), "") : s->lin[a];
		v[a - 1] = load_value(G, a, t->dtype, off);
		if (ok)
			v[a - 1] = LLVMBuildSelect(G->b, ok, v[a - 1], pad_value(G), "");
	}
	LLVMValueRef c = v[0];
	switch (G->op->combine) {
	case IR_COMBINE_COPY: break;
	case IR_COMBINE_MUL: c = G->flt ? LLVMBuildFMul(G->b, v[0], v[1], "") : LLVMBuildMul(G->b, v[0], v[1], ""); break;
	case IR_COMBINE_ADD: c = G->flt ? LLVMBuildFAdd(G->b, v[0], v[1], "") : LLVMBuildAdd(G->b, v[0], v[1], ""); break;
	case IR_COMBINE_SUB: c = G->flt ? LLVMBuildFSub(G->b, v[0], v[1], "") : LLVMBuildSub(G->b, v[0], v[1], ""); break;
	case IR_COMBINE_MAX: c = vmax(G, v[0], v[1]); break;
	case IR_COMBINE_MIN: c = vmin(G, v[0], v[1]); break;
	case IR_COMBINE_DIV: c = LLVMBuildFDiv(G->b, v[0], v[1], ""); break; /* floats only (ir_add_op) */
	case IR_COMBINE_GE: c = compare(G, LLVMRealOGE, LLVMIntSGE, v[0], v[1]); break;
	case IR_COMBINE_GT: c = compare(G, LLVMRealOGT, LLVMIntSGT, v[0], v[1]); break;
	case IR_COMBINE_EQ: c = compare(G, LLVMRealOEQ, LLVMIntEQ, v[0], v[1]); break;
	case IR_COMBINE_PICK: { /* b where a is not 0 (a NaN is not), else 0 (floats: -0) */
		LLVMValueRef nz = G->flt ? LLVMBuildFCmp(G->b, LLVMRealUNE, v[0], LLVMConstReal(G->f32, 0), "")
					 : LLVMBuildICmp(G->b, LLVMIntNE, v[0], ci32(G, 0), "");
		c = LLVMBuildSelect(G->b, nz, v[1], G->flt ? LLVMConstReal(G->f32, -0.0) : ci32(G, 0), "");
		break;
	}
	}
	LLVMTypeRef at = G->flt ? G->f32 : G->i32;
	LLVMValueRef acc = LLVMBuildLoad2(G->b, at, G->acc, "acc");
	switch (G->op->reduce) {
	case IR_REDUCE_ASSIGN: acc = c; break;
	case IR_REDUCE_SUM: acc = G->flt ? LLVMBuildFAdd(G->b, acc, c, "") : LLVMBuildAdd(G->b, acc, c, ""); break;
	case IR_REDUCE_MAX: acc = reduce_max(G, s, c, acc); break;
	}
	LLVMBuildStore(G->b, acc, G->acc);
}

/* The reduction loops from nest position p inwards. */
static void gen_reduce(struct gen *G, const struct state *outer, int p)
{
	if (p == G->nsp + G->nrd) {
		gen_body(G, outer);
		return;
	}
	struct state s = *outer;
	struct loop L;
	int k = G->order[p];
	advance(G, &s, p, loop_begin(G, &L, G->op->iter[k].extent, G->op->iter[k].name));
	LLVMValueRef ok = NULL;
	for (int a = 1; G->skip && a <= G->op->nin; a++) {
		LLVMValueRef c = inside(G, &s, a, p);
		if (c)
			ok = ok ? LLVMBuildAnd(G->b, ok, c, "") : c;
	}
	if (ok) { /* a read outside adds nothing: skip to the next iteration */
		LLVMBasicBlockRef go = block(G, "inside");
		LLVMBuildCondBr(G->b, ok, go, L.latch);
		LLVMPositionBuilderAtEnd(G->b, go);
	}
	gen_reduce(G, &s, p + 1);
	loop_end(G, &L);
}

static LLVMValueRef round32(struct gen *G, LLVMValueRef d)
{
	return LLVMBuildFPExt(G->b, LLVMBuildFPTrunc(G->b, d, G->f32, ""), G->f64, "");
}

static LLVMValueRef clamp_i32(struct gen *G, int64_t v)
{
	return ci32(G, v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v);
}

/* Epilogue e on an integer accumulator (i32, wrapping). */
static LLVMValueRef epilogue_int(struct gen *G, const struct ir_epilogue *ep, LLVMValueRef x, LLVMValueRef bias)
{
	LLVMBuilderRef b = G->b;
	int64_t n = ep->imm;
	switch (ep->kind) {
	case IR_EP_BIAS: return LLVMBuildAdd(b, x, bias, "");
	case IR_EP_ADD: return LLVMBuildAdd(b, x, ci32(G, n), "");
	case IR_EP_MUL: return LLVMBuildMul(b, x, ci32(G, n), "");
	case IR_EP_SHR:
		if (n >= 0)
			return LLVMBuildAShr(b, x, ci32(G, n > 31 ? 31 : n), "");
		return n < -31 ? ci32(G, 0) : LLVMBuildShl(b, x, ci32(G, -n), "");
	case IR_EP_DIV:
		if (n == -1)
			return LLVMBuildSub(b, ci32(G, 0), x, ""); /* INT32_MIN / -1 wraps */
		if (n == (int64_t)1 << 31) /* only INT32_MIN reaches -1 */
			return LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntEQ, x, ci32(G, INT32_MIN), ""), ci32(G, -1), ci32(G, 0), "");
		if (n > INT32_MAX || n < INT32_MIN)
			return ci32(G, 0);
		return LLVMBuildSDiv(b, x, ci32(G, n), "");
	case IR_EP_CLIP: {
		LLVMValueRef lo = clamp_i32(G, ep->lo), hi = clamp_i32(G, ep->hi);
		x = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, x, lo, ""), lo, x, "");
		return LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSGT, x, hi, ""), hi, x, "");
	}
	case IR_EP_RELU:
		return LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, x, ci32(G, 0), ""), ci32(G, 0), x, "");
	case IR_EP_ROUND: return x; /* already an integer */
	case IR_EP_EXP: case IR_EP_LOG: case IR_EP_SQRT: case IR_EP_TANH: case IR_EP_ERF:
		return x; /* floats only (ir_add_epilogue, the decoder) */
	}
	return x;
}

/* libm's f(x) on a double, called by address (the host's own libm) */
static LLVMValueRef libm(struct gen *G, double (*f)(double), LLVMValueRef x)
{
	LLVMTypeRef ft = LLVMFunctionType(G->f64, &G->f64, 1, 0);
	LLVMValueRef fp = LLVMConstIntToPtr(LLVMConstInt(G->i64, (unsigned long long)(uintptr_t)f, 0), LLVMPointerType(ft, 0));
	return LLVMBuildCall2(G->b, ft, fp, &x, 1, "");
}

/* Epilogue e on a float value carried as double, rounded to fp32 after each
 * arithmetic step (clip and relu only choose). */
static LLVMValueRef epilogue_float(struct gen *G, const struct ir_epilogue *ep, LLVMValueRef x, LLVMValueRef bias)
{
	LLVMBuilderRef b = G->b;
	switch (ep->kind) {
	case IR_EP_BIAS: return round32(G, LLVMBuildFAdd(b, x, LLVMBuildFPExt(b, bias, G->f64, ""), ""));
	case IR_EP_ADD: return round32(G, LLVMBuildFAdd(b, x, cf64(G, (double)ep->imm), ""));
	case IR_EP_MUL: return round32(G, LLVMBuildFMul(b, x, cf64(G, (double)ep->imm), ""));
	case IR_EP_SHR: {
		/* x * 2^-n, in steps whose factors are normal doubles */
		int64_t k = ep->imm > 4000 ? 4000 : ep->imm < -4000 ? -4000 : ep->imm;
		while (k) {
			int64_t st = k > 1000 ? 1000 : k < -1000 ? -1000 : k;
			x = LLVMBuildFMul(b, x, cf64(G, ldexp(1.0, (int)-st)), "");
			k -= st;
		}
		return round32(G, x);
	}
	case IR_EP_DIV: return round32(G, LLVMBuildFDiv(b, x, cf64(G, (double)ep->imm), ""));
	case IR_EP_CLIP: {
		LLVMValueRef lo = cf64(G, (double)ep->lo), hi = cf64(G, (double)ep->hi);
		x = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, x, lo, ""), lo, x, "");
		return LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, x, hi, ""), hi, x, "");
	}
	case IR_EP_RELU:
		return LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, x, cf64(G, 0), ""), cf64(G, 0), x, "");
	case IR_EP_ROUND: {
		/* below 2^52, adding and taking away 2^52 rounds to an integer, ties
		 * to even (the default rounding); from 2^52 every double is one.  The
		 * sign is the sign bit's, so that -0 and what rounds to it stay -0. */
		LLVMValueRef big = cf64(G, 0x1p52);
		LLVMValueRef neg = LLVMBuildICmp(b, LLVMIntSLT, LLVMBuildBitCast(b, x, G->i64, ""), ci64(G, 0), "");
		LLVMValueRef ax = LLVMBuildSelect(b, neg, LLVMBuildFNeg(b, x, ""), x, "");
		LLVMValueRef t = LLVMBuildFSub(b, LLVMBuildFAdd(b, ax, big, ""), big, "");
		LLVMValueRef r = LLVMBuildSelect(b, neg, LLVMBuildFNeg(b, t, ""), t, "");
		return LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, ax, big, ""), r, x, "");
	}
	case IR_EP_EXP: return round32(G, libm(G, exp, x));
	case IR_EP_LOG: return round32(G, libm(G, log, x));
	case IR_EP_TANH: return round32(G, libm(G, tanh, x));
	case IR_EP_ERF: return round32(G, libm(G, erf, x));
	case IR_EP_SQRT: { /* correctly rounded, as libm's sqrt */
		unsigned id = LLVMLookupIntrinsicID("llvm.sqrt", strlen("llvm.sqrt"));
		LLVMValueRef f = LLVMGetIntrinsicDeclaration(G->m, id, &G->f64, 1);
		return round32(G, LLVMBuildCall2(b, LLVMIntrinsicGetType(G->cx, id, &G->f64, 1), f, &x, 1, ""));
	}
	}
	return x;
}

/* double -> fp16 bits, through host_f64_to_f16 called by address */
static LLVMValueRef to_f16(struct gen *G, LLVMValueRef d)
{
	LLVMTypeRef ft = LLVMFunctionType(G->i16, &G->f64, 1, 0);
	LLVMValueRef fp = LLVMConstIntToPtr(LLVMConstInt(G->i64, (unsigned long long)(uintptr_t)host_f64_to_f16, 0),
					    LLVMPointerType(ft, 0));
	return LLVMBuildCall2(G->b, ft, fp, &d, 1, "");
}

/* One output point: initial value, reduction, epilogues, cast, store. */
static void gen_point(struct gen *G, const struct state *s)
{
	const struct ir_op *op = G->op;
	LLVMBuilderRef b = G->b;
	LLVMBuildStore(b, op->reduce == IR_REDUCE_MAX ? pad_value(G) : G->flt ? LLVMConstReal(G->f32, 0) : ci32(G, 0),
		       G->acc);
	gen_reduce(G, s, G->nsp);
	LLVMValueRef x = LLVMBuildLoad2(b, G->flt ? G->f32 : G->i32, G->acc, "acc");
	if (G->flt)
		x = LLVMBuildFPExt(b, x, G->f64, "");
	for (int e = 0; e < op->nepilogues; e++) {
		const struct ir_epilogue *ep = &op->epilogue[e];
		LLVMValueRef bias = NULL;
		if (ep->kind == IR_EP_BIAS) {
			const struct ir_affine *ix = &op->out.index[ep->dim];
			LLVMValueRef i = ci64(G, ix->offset);
			for (int k = 0; k < op->niters; k++)
				if (s->it[k])
					i = add_term(G, i, ix->coef[k], s->it[k]);
			bias = load_value(G, NACC + e, G->g->tensor[ep->tensor].dtype, i);
		}
		x = G->flt ? epilogue_float(G, ep, x, bias) : epilogue_int(G, ep, x, bias);
	}
	enum dtype od = G->g->tensor[op->out.tensor].dtype;
	LLVMValueRef y;
	if (od == DT_FP32)
		y = G->flt ? LLVMBuildFPTrunc(b, x, G->f32, "") : LLVMBuildSIToFP(b, x, G->f32, "");
	else if (od == DT_FP16)
		y = to_f16(G, G->flt ? x : LLVMBuildSIToFP(b, x, G->f64, ""));
	else {
		if (G->flt) { /* toward zero; saturating so that no input is undefined */
			LLVMTypeRef tys[2] = {G->i64, G->f64};
			unsigned id = LLVMLookupIntrinsicID("llvm.fptosi.sat", strlen("llvm.fptosi.sat"));
			LLVMValueRef f = LLVMGetIntrinsicDeclaration(G->m, id, tys, 2);
			x = LLVMBuildCall2(b, LLVMIntrinsicGetType(G->cx, id, tys, 2), f, &x, 1, "");
		}
		y = LLVMBuildTrunc(b, x, elem_type(G, od), ""); /* keep the low bits (no-op for i32) */
	}
	LLVMValueRef off = s->lin[0];
	LLVMValueRef p = LLVMBuildInBoundsGEP2(b, elem_type(G, od), G->base[0], &off, 1, "");
	LLVMSetAlignment(LLVMBuildStore(b, y, p), 1);
}

static void gen_spatial(struct gen *G, const struct state *outer, int p)
{
	if (p == G->nsp) {
		gen_point(G, outer);
		return;
	}
	struct state s = *outer;
	struct loop L;
	int k = G->order[p];
	advance(G, &s, p, loop_begin(G, &L, G->op->iter[k].extent, G->op->iter[k].name));
	gen_spatial(G, &s, p + 1);
	loop_end(G, &L);
}

/* Work out, per access, the linear coefficient of each iterator and which
 * indices can leave their dimension. */
static void plan(struct gen *G)
{
	const struct ir_op *op = G->op;
	G->flt = dtype_float(op->acc);
	for (int k = 0; k < op->niters; k++)
		if (!op->iter[k].reduction)
			G->order[G->nsp++] = k;
	for (int k = 0; k < op->niters; k++)
		if (op->iter[k].reduction)
			G->order[G->nsp + G->nrd++] = k;
	for (int p = 0; p < op->niters; p++)
		G->pos[G->order[p]] = p;
	/* skipping a read outside is exact when its contribution is the
	 * identity of the reduction whatever the other operand holds */
	G->skip = G->nrd > 0 && ((op->reduce == IR_REDUCE_SUM && op->combine == IR_COMBINE_MUL && !G->flt) ||
				 ((op->reduce == IR_REDUCE_SUM || op->reduce == IR_REDUCE_MAX) && op->combine == IR_COMBINE_COPY));
	for (int a = 0; a <= op->nin; a++) {
		const struct ir_access *ac = access_of(G, a);
		const struct ir_tensor *t = &G->g->tensor[ac->tensor];
		int64_t stride = 1;
		for (int d = t->rank - 1; d >= 0; d--) {
			const struct ir_affine *x = &ac->index[d];
			int64_t lo = x->offset, hi = x->offset;
			int p = -1;
			G->lin0[a] += x->offset * stride;
			for (int k = 0; k < op->niters; k++) {
				G->lin[a][k] += x->coef[k] * stride;
				int64_t span = x->coef[k] * (op->iter[k].extent - 1);
				if (span < 0)
					lo += span;
				else
					hi += span;
				if (x->coef[k] && G->pos[k] > p)
					p = G->pos[k];
			}
			G->check[a][d] = a > 0 && (lo < 0 || hi >= t->shape[d]);
			G->checkpos[a][d] = !G->skip ? -1 : p < G->nsp ? G->nsp : p;
			stride *= t->shape[d];
		}
	}
}

static LLVMModuleRef generate(struct host_jit *j, const struct ir_graph *g, const struct ir_op *op, const char *name)
{
	struct gen G = {.cx = j->cx, .g = g, .op = op};
	G.i1 = LLVMInt1TypeInContext(G.cx), G.i8 = LLVMInt8TypeInContext(G.cx), G.i16 = LLVMInt16TypeInContext(G.cx);
	G.i32 = LLVMInt32TypeInContext(G.cx), G.i64 = LLVMInt64TypeInContext(G.cx);
	G.f32 = LLVMFloatTypeInContext(G.cx), G.f64 = LLVMDoubleTypeInContext(G.cx);
	plan(&G);
	G.m = LLVMModuleCreateWithNameInContext(name, G.cx);
	LLVMSetTarget(G.m, LLVMOrcLLJITGetTripleString(j->jit));
	LLVMSetDataLayout(G.m, LLVMOrcLLJITGetDataLayoutStr(j->jit));
	LLVMTypeRef i8p = LLVMPointerType(G.i8, 0), i8pp = LLVMPointerType(i8p, 0);
	LLVMTypeRef ft = LLVMFunctionType(LLVMVoidTypeInContext(G.cx), &i8pp, 1, 0);
	G.fn = LLVMAddFunction(G.m, name, ft);
	unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(G.fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(G.cx, nounwind, 0));
	G.args = LLVMGetParam(G.fn, 0);
	G.b = LLVMCreateBuilderInContext(G.cx);
	LLVMPositionBuilderAtEnd(G.b, block(&G, "entry"));
	G.acc = LLVMBuildAlloca(G.b, G.flt ? G.f32 : G.i32, "acc");
	/* typed base pointers of every tensor the op touches */
	for (int i = 0; i < NBASE; i++) {
		int t = i < NACC ? (i <= op->nin ? access_of(&G, i)->tensor : -1)
				 : (op->nepilogues > i - NACC && op->epilogue[i - NACC].kind == IR_EP_BIAS ? op->epilogue[i - NACC].tensor : -1);
		if (t < 0)
			continue;
		LLVMValueRef ix = ci64(&G, t);
		LLVMValueRef p = LLVMBuildLoad2(G.b, i8p, LLVMBuildInBoundsGEP2(G.b, i8p, G.args, &ix, 1, ""), g->tensor[t].name);
		G.base[i] = LLVMBuildBitCast(G.b, p, LLVMPointerType(elem_type(&G, g->tensor[t].dtype), 0), "");
	}
	struct state s;
	memset(&s, 0, sizeof s);
	for (int a = 0; a <= op->nin; a++) {
		s.lin[a] = ci64(&G, G.lin0[a]);
		for (int d = 0; d < IR_MAX_RANK; d++)
			s.idx[a][d] = ci64(&G, access_of(&G, a)->index[d].offset);
	}
	gen_spatial(&G, &s, 0);
	LLVMBuildRetVoid(G.b);
	LLVMDisposeBuilder(G.b);
	return G.m;
}

/* ---- compile and run ---- */

static struct host_entry *find(struct host_jit *j, int op, const int64_t *key, int nkey)
{
	for (int i = 0; i < j->nentries; i++) {
		struct host_entry *e = &j->entries[i];
		if (e->op == op && e->nkey == nkey && !memcmp(e->key, key, (size_t)nkey * sizeof *key))
			return e;
	}
	return NULL;
}

static bool check_op(const struct ir_graph *g, int opi, struct diags *err)
{
	if (opi < 0 || opi >= g->nops) {
		diag_add(err, NULL, 0, 0, "host JIT: no op %d (the graph has %d)", opi, g->nops);
		return false;
	}
	const struct ir_op *op = &g->op[opi];
	bool ok = op->niters >= 0 && op->niters <= IR_MAX_ITERS && op->nin >= 1 && op->nin <= IR_MAX_INPUTS &&
		  (op->acc == DT_INT32 || op->acc == DT_FP32);
	for (int k = 0; ok && k < op->niters; k++)
		ok = op->iter[k].extent >= 1;
	if (!ok)
		diag_add(err, NULL, 0, 0, "host JIT: op '%s' is malformed", op->name);
	return ok;
}

static host_fn compile(struct host_jit *j, const struct ir_graph *g, int opi, struct diags *err)
{
	if (!check_op(g, opi, err))
		return NULL;
	int64_t key[KEY_MAX];
	int nkey = make_key(g, &g->op[opi], key);
	if (nkey > KEY_MAX) /* KEY_MAX holds the longest key the IR's limits allow */
		die("host: cache key of op '%s' is too long", g->op[opi].name);
	struct host_entry *hit = find(j, opi, key, nkey);
	if (hit)
		return hit->fn;
	char name[48];
	snprintf(name, sizeof name, "tessel_op%d_%d", opi, j->serial++);
	LLVMModuleRef m = generate(j, g, &g->op[opi], name);
	char *msg = NULL;
	if (LLVMVerifyModule(m, LLVMReturnStatusAction, &msg)) {
		char *ir = LLVMPrintModuleToString(m);
		fprintf(stderr, "%s\n", ir);
		die("host: invalid LLVM IR for op '%s': %s", g->op[opi].name, msg); /* a bug of generate(), not of the op */
	}
	LLVMDisposeMessage(msg);
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMPassBuilderOptionsSetLoopVectorization(po, 1);
	LLVMPassBuilderOptionsSetSLPVectorization(po, 1);
	LLVMPassBuilderOptionsSetLoopUnrolling(po, 1);
	LLVMPassBuilderOptionsSetLoopInterleaving(po, 1);
	LLVMErrorRef e = LLVMRunPasses(m, "default<O3>", j->tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (host_llvm_failed(e, "optimising", err)) {
		LLVMDisposeModule(m);
		return NULL;
	}
	if (j->dump) {
		char *ir = LLVMPrintModuleToString(m);
		fprintf(stderr, "%s\n", ir);
		LLVMDisposeMessage(ir);
	}
	LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(m, j->tsc); /* takes m */
	if (host_llvm_failed(LLVMOrcLLJITAddLLVMIRModule(j->jit, LLVMOrcLLJITGetMainJITDylib(j->jit), tsm), "adding a module", err))
		return NULL; /* the JIT disposed of tsm */
	LLVMOrcJITTargetAddress addr = 0;
	if (host_llvm_failed(LLVMOrcLLJITLookup(j->jit, &addr, name), "compiling", err))
		return NULL;
	if (j->nentries == j->cap) { /* the function stays in the JIT, which owns it, uncached */
		int cap = j->cap ? 2 * j->cap : 8;
		if (try_resize(&j->entries, (size_t)cap, sizeof *j->entries)) {
			diag_nomem(err, NULL, (size_t)cap * sizeof *j->entries, "the host JIT's cache");
			return NULL;
		}
		j->cap = cap;
	}
	struct host_entry *en = &j->entries[j->nentries++];
	en->op = opi;
	en->nkey = nkey;
	memcpy(en->key, key, (size_t)nkey * sizeof *key);
	en->fn = (host_fn)(uintptr_t)addr;
	return en->fn;
}

int host_compile(struct host_jit *j, const struct ir_graph *g, int op, struct diags *err)
{
	return compile(j, g, op, err) ? 0 : -1;
}

int host_run_op(struct host_jit *j, const struct ir_graph *g, int op, void *const *tensors, struct diags *err)
{
	host_fn f = compile(j, g, op, err);
	if (!f)
		return -1;
	f(tensors);
	return 0;
}
