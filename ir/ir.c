/* The tensor IR: tensors, ops as loop nests, and the constructors that build
 * every operator as one of them. */
#include "ir.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

static const char *const tensor_kind_names[] = {
#define X(id, name) name,
	IR_TENSOR_KINDS(X)
#undef X
};
static const char *const reduce_names[] = {
#define X(id, name) name,
	IR_REDUCES(X)
#undef X
};
static const struct {
	const char *prefix, *infix, *suffix;
	int inputs;
} combines[] = {
#define X(id, pre, in, suf, n) {pre, in, suf, n},
	IR_COMBINES(X)
#undef X
};
static const char *const epilogue_names[] = {
#define X(id, name, t) name,
	IR_EPILOGUES(X)
#undef X
};

const char *ir_epilogue_name(enum ir_epilogue_kind k)
{
	return epilogue_names[k];
}

bool ir_epilogue_float_only(enum ir_epilogue_kind k)
{
	return k == IR_EP_EXP || k == IR_EP_LOG || k == IR_EP_SQRT || k == IR_EP_TANH || k == IR_EP_ERF;
}

const char *ir_tensor_kind_name(enum ir_tensor_kind k) { return tensor_kind_names[k]; }

void ir_graph_free(struct ir_graph *g)
{
	free(g->tensor);
	free(g->op);
	memset(g, 0, sizeof *g);
}

int ir_tensor_lookup(const struct ir_graph *g, const char *name)
{
	for (int i = 0; i < g->ntensors; i++)
		if (!strcmp(g->tensor[i].name, name))
			return i;
	return -1;
}

int64_t ir_tensor_elems(const struct ir_tensor *t)
{
	int64_t n = 1;
	for (int d = 0; d < t->rank; d++)
		n *= t->shape[d];
	return n;
}

int ir_add_tensor(struct ir_graph *g, const char *name, enum ir_tensor_kind kind, enum dtype dtype, int rank,
		  const int64_t *shape, const char *layout, struct diags *err)
{
	if (!*name || strlen(name) >= IR_NAME_MAX || ir_tensor_lookup(g, name) >= 0) {
		diag_add(err, NULL, 0, 0, "tensor '%s': %s", name,
			 *name ? (strlen(name) >= IR_NAME_MAX ? "name too long" : "defined twice") : "empty name");
		return -1;
	}
	if (rank < 1 || rank > IR_MAX_RANK) {
		diag_add(err, NULL, 0, 0, "tensor '%s': rank %d; expected 1 to %d", name, rank, IR_MAX_RANK);
		return -1;
	}
	int64_t elems = 1;
	for (int d = 0; d < rank; d++) {
		if (shape[d] < 1 || shape[d] > (int64_t)1 << 31 || elems > ((int64_t)1 << 40) / shape[d]) {
			diag_add(err, NULL, 0, 0, "tensor '%s': dimension %d is %" PRId64 "; expected 1 or more, and at most 2^40 elements in all",
				 name, d, shape[d]);
			return -1;
		}
		elems *= shape[d];
	}
	if (g->ntensors == g->tensor_cap) {
		int cap = g->tensor_cap ? 2 * g->tensor_cap : 16;
		if (try_resize(&g->tensor, (size_t)cap, sizeof *g->tensor))
			return diag_nomem(err, NULL, (size_t)cap * sizeof *g->tensor, "the tensors of the graph (tensor '%s')", name);
		g->tensor_cap = cap;
	}
	struct ir_tensor *t = &g->tensor[g->ntensors];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	t->kind = kind;
	t->dtype = dtype;
	t->rank = rank;
	memcpy(t->shape, shape, (size_t)rank * sizeof *shape);
	for (int d = 0; d < rank; d++)
		t->layout[d] = layout && (int)strlen(layout) == rank ? layout[d] : (char)('a' + d);
	t->producer = -1;
	return g->ntensors++;
}

/* ---- building ops ---- */

static struct ir_op *new_op(struct ir_graph *g, const char *name, const char *kind, struct diags *err)
{
	if (g->nops == g->op_cap) {
		int cap = g->op_cap ? 2 * g->op_cap : 16;
		if (try_resize(&g->op, (size_t)cap, sizeof *g->op)) {
			diag_nomem(err, NULL, (size_t)cap * sizeof *g->op, "the ops of the graph (op '%s')", name);
			return NULL;
		}
		g->op_cap = cap;
	}
	struct ir_op *op = &g->op[g->nops];
	memset(op, 0, sizeof *op);
	snprintf(op->name, sizeof op->name, "%s", name);
	snprintf(op->kind, sizeof op->kind, "%s", kind);
	return op;
}

static int iter(struct ir_op *op, const char *name, int64_t extent, bool reduction)
{
	struct ir_iter *it = &op->iter[op->niters];
	snprintf(it->name, sizeof it->name, "%s", name);
	it->extent = extent;
	it->reduction = reduction;
	return op->niters++;
}

/* index = sum of (coef, iterator) pairs + offset; pairs end at iterator -1 */
static struct ir_affine affine(int64_t offset, int n, const int *iters, const int64_t *coefs)
{
	struct ir_affine a = {.offset = offset};
	for (int i = 0; i < n; i++)
		a.coef[iters[i]] += coefs[i];
	return a;
}

static struct ir_affine var(int it) { return affine(0, 1, (int[]){it}, (int64_t[]){1}); }

static enum dtype acc_for(enum dtype t)
{
	return dtype_float(t) ? DT_FP32 : DT_INT32;
}

static int finish_op(struct ir_graph *g, struct ir_op *op, const char *out_name, enum dtype out_dtype, int rank,
		     const int64_t *shape, const char *layout, struct diags *err)
{
	if (op->combine == IR_COMBINE_DIV && !dtype_float(op->acc)) {
		diag_add(err, NULL, 0, 0, "op '%s': division is floating point only; it accumulates in %s", op->name,
			 dtype_name(op->acc));
		return -1;
	}
	int t = ir_add_tensor(g, out_name, IR_TENSOR_OUTPUT, out_dtype, rank, shape, layout, err);
	if (t < 0)
		return -1;
	op->out.tensor = t;
	for (int i = 0; i < op->nin; i++)
		if (g->tensor[op->in[i].tensor].kind == IR_TENSOR_OUTPUT && g->tensor[op->in[i].tensor].producer >= 0)
			g->tensor[op->in[i].tensor].kind = IR_TENSOR_INTERMEDIATE;
	g->tensor[t].producer = g->nops;
	return g->nops++;
}

static bool check_rank(const struct ir_graph *g, const char *op, int t, int rank, const char *what, struct diags *err)
{
	if (t < 0 || t >= g->ntensors) {
		diag_add(err, NULL, 0, 0, "op '%s': no %s tensor", op, what);
		return false;
	}
	if (g->tensor[t].rank != rank) {
		diag_add(err, NULL, 0, 0, "op '%s': %s '%s' has rank %d; expected %d", op, what, g->tensor[t].name,
			 g->tensor[t].rank, rank);
		return false;
	}
	return true;
}

static bool same_kind(const struct ir_graph *g, const char *op, int a, int b, struct diags *err)
{
	if (dtype_float(g->tensor[a].dtype) != dtype_float(g->tensor[b].dtype)) {
		diag_add(err, NULL, 0, 0, "op '%s': '%s' is %s but '%s' is %s; expected both integer or both floating point",
			 op, g->tensor[a].name, dtype_name(g->tensor[a].dtype), g->tensor[b].name,
			 dtype_name(g->tensor[b].dtype));
		return false;
	}
	return true;
}

static bool positive(const char *op, const char *what, const int64_t *v, int n, int64_t min, struct diags *err)
{
	for (int i = 0; i < n; i++)
		if (v[i] < min) {
			diag_add(err, NULL, 0, 0, "op '%s': %s %" PRId64 "; expected at least %" PRId64, op, what, v[i], min);
			return false;
		}
	return true;
}

/* Output extent of a window sliding with padding, stride and dilation. */
static int64_t out_extent(int64_t in, int64_t pad0, int64_t pad1, int64_t k, int64_t stride, int64_t dil)
{
	int64_t span = dil * (k - 1) + 1, padded = in + pad0 + pad1;
	return padded < span ? 0 : (padded - span) / stride + 1;
}

int ir_conv2d(struct ir_graph *g, const char *name, int input, int weight, const struct ir_conv2d_attrs *a,
	      const char *out_name, enum dtype out_dtype, struct diags *err)
{
	if (!check_rank(g, name, input, 4, "input", err) || !check_rank(g, name, weight, 4, "weight", err) ||
	    !same_kind(g, name, input, weight, err) || !positive(name, "stride", a->stride, 2, 1, err) ||
	    !positive(name, "dilation", a->dilation, 2, 1, err) || !positive(name, "padding", a->pad, 4, 0, err) ||
	    !positive(name, "groups", &a->groups, 1, 1, err))
		return -1;
	/* where N, H, W, C sit in the input and output and O, KH, KW, I in the weight */
	const int X_H = a->nchw ? 2 : 1, X_W = a->nchw ? 3 : 2, X_C = a->nchw ? 1 : 3;
	const int64_t *is = g->tensor[input].shape, *ws = g->tensor[weight].shape;
	int64_t N = is[0], H = is[X_H], W = is[X_W], C = is[X_C], O = ws[0], KH = ws[X_H], KW = ws[X_W], I = ws[X_C],
		G = a->groups;
	if (C % G || O % G) {
		diag_add(err, NULL, 0, 0,
			 "op '%s': input has %" PRId64 " channels and weight %" PRId64 " outputs; with %" PRId64
			 " groups expected both divisible by the groups",
			 name, C, O, G);
		return -1;
	}
	if (I != C / G) {
		diag_add(err, NULL, 0, 0,
			 "op '%s': input has %" PRId64 " channels and weight %" PRId64 " inputs; with %" PRId64
			 " groups expected %" PRId64 " weight inputs (the channels of one group)",
			 name, C, I, G, C / G);
		return -1;
	}
	int64_t OH = out_extent(H, a->pad[0], a->pad[2], KH, a->stride[0], a->dilation[0]);
	int64_t OW = out_extent(W, a->pad[1], a->pad[3], KW, a->stride[1], a->dilation[1]);
	if (OH < 1 || OW < 1) {
		diag_add(err, NULL, 0, 0, "op '%s': the %" PRId64 "x%" PRId64 " window does not fit the padded %" PRId64 "x%" PRId64 " input",
			 name, KH, KW, H + a->pad[0] + a->pad[2], W + a->pad[1] + a->pad[3]);
		return -1;
	}
	bool depthwise = G > 1 && G == C && O == C;
	struct ir_op *op = new_op(g, name, depthwise ? "depthwise" : "conv2d", err);
	if (!op)
		return -1;
	int n = iter(op, "n", N, false), oh = iter(op, "oh", OH, false), ow = iter(op, "ow", OW, false);
	int gi = G > 1 ? iter(op, "g", G, false) : -1, og = O / G > 1 || G == 1 ? iter(op, "o", O / G, false) : -1;
	int kh = iter(op, "kh", KH, true), kw = iter(op, "kw", KW, true), ci = I > 1 ? iter(op, "i", I, true) : -1;
	/* out[n, oh, ow, g * O/G + o] += in[n, oh*s + kh*d - p, ow*s + kw*d - p, g*I + i] * w[g*O/G + o, kh, kw, i] */
	struct ir_affine och = {0}, ich = {0}, wi = {0};
	if (gi >= 0)
		och.coef[gi] = O / G, ich.coef[gi] = I;
	if (og >= 0)
		och.coef[og] = 1;
	if (ci >= 0)
		ich.coef[ci] = 1, wi.coef[ci] = 1;
	op->out.index[0] = var(n);
	op->out.index[X_H] = var(oh);
	op->out.index[X_W] = var(ow);
	op->out.index[X_C] = och;
	op->nin = 2;
	op->in[0].tensor = input;
	op->in[0].index[0] = var(n);
	op->in[0].index[X_H] = affine(-a->pad[0], 2, (int[]){oh, kh}, (int64_t[]){a->stride[0], a->dilation[0]});
	op->in[0].index[X_W] = affine(-a->pad[1], 2, (int[]){ow, kw}, (int64_t[]){a->stride[1], a->dilation[1]});
	op->in[0].index[X_C] = ich;
	op->in[1].tensor = weight;
	op->in[1].index[0] = och;
	op->in[1].index[X_H] = var(kh);
	op->in[1].index[X_W] = var(kw);
	op->in[1].index[X_C] = wi;
	op->reduce = IR_REDUCE_SUM;
	op->combine = IR_COMBINE_MUL;
	op->acc = acc_for(g->tensor[input].dtype);
	int64_t os[4];
	os[0] = N, os[X_H] = OH, os[X_W] = OW, os[X_C] = O;
	return finish_op(g, op, out_name, out_dtype, 4, os, a->nchw ? "NCHW" : "NHWC", err);
}

int ir_dense(struct ir_graph *g, const char *name, int input, int weight, const char *out_name,
	     enum dtype out_dtype, struct diags *err)
{
	if (!check_rank(g, name, input, 2, "input", err) || !check_rank(g, name, weight, 2, "weight", err) ||
	    !same_kind(g, name, input, weight, err))
		return -1;
	int64_t N = g->tensor[input].shape[0], K = g->tensor[input].shape[1], M = g->tensor[weight].shape[0];
	if (g->tensor[weight].shape[1] != K) {
		diag_add(err, NULL, 0, 0, "op '%s': input has %" PRId64 " features but weight '%s' expects %" PRId64, name, K,
			 g->tensor[weight].name, g->tensor[weight].shape[1]);
		return -1;
	}
	struct ir_op *op = new_op(g, name, "dense", err);
	if (!op)
		return -1;
	int n = iter(op, "n", N, false), m = iter(op, "m", M, false), k = iter(op, "k", K, true);
	op->out.index[0] = var(n), op->out.index[1] = var(m);
	op->nin = 2;
	op->in[0] = (struct ir_access){.tensor = input, .index = {var(n), var(k)}};
	op->in[1] = (struct ir_access){.tensor = weight, .index = {var(m), var(k)}};
	op->reduce = IR_REDUCE_SUM;
	op->combine = IR_COMBINE_MUL;
	op->acc = acc_for(g->tensor[input].dtype);
	return finish_op(g, op, out_name, out_dtype, 2, (int64_t[]){N, M}, "NC", err);
}

int ir_matmul(struct ir_graph *g, const char *name, int a, int b, const char *out_name, enum dtype out_dtype,
	      struct diags *err)
{
	int rank = a >= 0 && a < g->ntensors ? g->tensor[a].rank : 0;
	if (rank != 2 && rank != 3) {
		diag_add(err, NULL, 0, 0, "op '%s': a must have rank 2 [M, K] or 3 [B, M, K]", name);
		return -1;
	}
	if (!check_rank(g, name, b, rank, "b", err) || !same_kind(g, name, a, b, err))
		return -1;
	const int64_t *as = g->tensor[a].shape, *bs = g->tensor[b].shape;
	int o = rank - 2;
	if (as[o + 1] != bs[o] || (rank == 3 && as[0] != bs[0])) {
		diag_add(err, NULL, 0, 0, "op '%s': shapes do not chain: a is ...x%" PRId64 "x%" PRId64 ", b is ...x%" PRId64 "x%" PRId64 "%s",
			 name, as[o], as[o + 1], bs[o], bs[o + 1], rank == 3 && as[0] != bs[0] ? " (and the batches differ)" : "");
		return -1;
	}
	struct ir_op *op = new_op(g, name, rank == 3 ? "batch_matmul" : "matmul", err);
	if (!op)
		return -1;
	int bt = rank == 3 ? iter(op, "b", as[0], false) : -1;
	int i = iter(op, "i", as[o], false), j = iter(op, "j", bs[o + 1], false), k = iter(op, "k", as[o + 1], true);
	int d = 0;
	if (bt >= 0) {
		op->out.index[0] = op->in[0].index[0] = op->in[1].index[0] = var(bt);
		d = 1;
	}
	op->out.index[d] = var(i), op->out.index[d + 1] = var(j);
	op->in[0].index[d] = var(i), op->in[0].index[d + 1] = var(k);
	op->in[1].index[d] = var(k), op->in[1].index[d + 1] = var(j);
	op->nin = 2;
	op->in[0].tensor = a;
	op->in[1].tensor = b;
	op->reduce = IR_REDUCE_SUM;
	op->combine = IR_COMBINE_MUL;
	op->acc = acc_for(g->tensor[a].dtype);
	int64_t shape[3] = {as[0], as[o], bs[o + 1]};
	if (rank == 2)
		shape[0] = as[0], shape[1] = bs[1];
	return finish_op(g, op, out_name, out_dtype, rank, shape, rank == 3 ? "BMN" : "MN", err);
}

int ir_pool2d(struct ir_graph *g, const char *name, int input, bool max, const int64_t window[2],
	      const int64_t stride[2], const int64_t pad[4], const char *out_name, struct diags *err)
{
	return ir_pool2d_layout(g, name, input, max, window, stride, pad, false, out_name, err);
}

int ir_pool2d_layout(struct ir_graph *g, const char *name, int input, bool max, const int64_t window[2],
		     const int64_t stride[2], const int64_t pad[4], bool nchw, const char *out_name, struct diags *err)
{
	struct ir_pool2d_attrs a = {{window[0], window[1]}, {stride[0], stride[1]}, {pad[0], pad[1], pad[2], pad[3]}, {1, 1}, nchw};
	return ir_pool2d_dilated(g, name, input, max, &a, out_name, err);
}

int ir_pool2d_dilated(struct ir_graph *g, const char *name, int input, bool max, const struct ir_pool2d_attrs *a,
		      const char *out_name, struct diags *err)
{
	const int64_t *window = a->window, *stride = a->stride, *pad = a->pad, *dil = a->dilation;
	bool nchw = a->nchw;
	if (!check_rank(g, name, input, 4, "input", err) || !positive(name, "window", window, 2, 1, err) ||
	    !positive(name, "stride", stride, 2, 1, err) || !positive(name, "padding", pad, 4, 0, err) ||
	    !positive(name, "dilation", dil, 2, 1, err))
		return -1;
	const int X_H = nchw ? 2 : 1, X_W = nchw ? 3 : 2, X_C = nchw ? 1 : 3;
	const int64_t *is = g->tensor[input].shape;
	int64_t OH = out_extent(is[X_H], pad[0], pad[2], window[0], stride[0], dil[0]);
	int64_t OW = out_extent(is[X_W], pad[1], pad[3], window[1], stride[1], dil[1]);
	if (OH < 1 || OW < 1) {
		diag_add(err, NULL, 0, 0, "op '%s': the %" PRId64 "x%" PRId64 " window does not fit the padded input", name,
			 window[0], window[1]);
		return -1;
	}
	struct ir_op *op = new_op(g, name, max ? "max_pool" : "avg_pool", err);
	if (!op)
		return -1;
	int n = iter(op, "n", is[0], false), oh = iter(op, "oh", OH, false), ow = iter(op, "ow", OW, false);
	int c = iter(op, "c", is[X_C], false), kh = iter(op, "kh", window[0], true), kw = iter(op, "kw", window[1], true);
	op->out.index[0] = var(n), op->out.index[X_H] = var(oh), op->out.index[X_W] = var(ow), op->out.index[X_C] = var(c);
	op->nin = 1;
	op->in[0].tensor = input;
	op->in[0].index[0] = var(n);
	op->in[0].index[X_H] = affine(-pad[0], 2, (int[]){oh, kh}, (int64_t[]){stride[0], dil[0]});
	op->in[0].index[X_W] = affine(-pad[1], 2, (int[]){ow, kw}, (int64_t[]){stride[1], dil[1]});
	op->in[0].index[X_C] = var(c);
	op->reduce = max ? IR_REDUCE_MAX : IR_REDUCE_SUM;
	op->combine = IR_COMBINE_COPY;
	op->acc = acc_for(g->tensor[input].dtype);
	if (!max)
		op->epilogue[op->nepilogues++] = (struct ir_epilogue){.kind = IR_EP_DIV, .imm = window[0] * window[1]};
	int64_t os[4];
	os[0] = is[0], os[X_H] = OH, os[X_W] = OW, os[X_C] = is[X_C];
	return finish_op(g, op, out_name, g->tensor[input].dtype, 4, os, nchw ? "NCHW" : "NHWC", err);
}

int ir_elementwise(struct ir_graph *g, const char *name, enum ir_combine combine, int a, int b, const char *out_name,
		   enum dtype out_dtype, struct diags *err)
{
	if (a < 0 || a >= g->ntensors || (combines[combine].inputs == 2 && (b < 0 || b >= g->ntensors))) {
		diag_add(err, NULL, 0, 0, "op '%s': missing an operand", name);
		return -1;
	}
	const struct ir_tensor *ta = &g->tensor[a];
	if (combines[combine].inputs == 2) {
		const struct ir_tensor *tb = &g->tensor[b];
		if (tb->rank != ta->rank || memcmp(tb->shape, ta->shape, (size_t)ta->rank * sizeof ta->shape[0]) ||
		    !same_kind(g, name, a, b, err)) {
			if (!err->n || strstr(err->v[err->n - 1].msg, name) == NULL)
				diag_add(err, NULL, 0, 0, "op '%s': '%s' and '%s' differ in shape", name, ta->name, tb->name);
			return -1;
		}
	}
	struct ir_op *op = new_op(g, name, "elementwise", err);
	if (!op)
		return -1;
	for (int d = 0; d < ta->rank; d++) {
		char nm[16];
		snprintf(nm, sizeof nm, "d%d", d);
		int it = iter(op, nm, ta->shape[d], false);
		op->out.index[d] = op->in[0].index[d] = op->in[1].index[d] = var(it);
	}
	op->nin = combines[combine].inputs;
	op->in[0].tensor = a;
	op->in[1].tensor = op->nin == 2 ? b : 0;
	op->reduce = IR_REDUCE_ASSIGN;
	op->combine = combine;
	op->acc = acc_for(ta->dtype);
	/* copies: finish_op's new tensor may move the tensors ta points into */
	int64_t shape[IR_MAX_RANK];
	char layout[sizeof ta->layout];
	int rank = ta->rank;
	memcpy(shape, ta->shape, sizeof shape);
	memcpy(layout, ta->layout, sizeof layout);
	return finish_op(g, op, out_name, out_dtype, rank, shape, layout, err);
}

int ir_add_op(struct ir_graph *g, const struct ir_op *src, const char *out_name, enum dtype out_dtype, int rank,
	      const int64_t *shape, struct diags *err)
{
	struct ir_op *op = new_op(g, src->name, src->kind, err);
	if (!op)
		return -1;
	*op = *src;
	return finish_op(g, op, out_name, out_dtype, rank, shape, NULL, err);
}

int ir_graph_copy(struct ir_graph *dst, const struct ir_graph *src)
{
	memset(dst, 0, sizeof *dst);
	dst->tensor = try_calloc((size_t)src->ntensors + 4, sizeof *dst->tensor);
	dst->op = try_calloc((size_t)src->nops + 2, sizeof *dst->op);
	if (!dst->tensor || !dst->op) {
		ir_graph_free(dst);
		return -1;
	}
	memcpy(dst->tensor, src->tensor, (size_t)src->ntensors * sizeof *dst->tensor);
	memcpy(dst->op, src->op, (size_t)src->nops * sizeof *dst->op);
	dst->ntensors = src->ntensors, dst->tensor_cap = src->ntensors + 4;
	dst->nops = src->nops, dst->op_cap = src->nops + 2;
	return 0;
}

void ir_move_last_op(struct ir_graph *g, int to)
{
	struct ir_op last = g->op[g->nops - 1];
	memmove(&g->op[to + 1], &g->op[to], (size_t)(g->nops - 1 - to) * sizeof *g->op);
	g->op[to] = last;
	for (int t = 0; t < g->ntensors; t++)
		if (g->tensor[t].producer == g->nops - 1)
			g->tensor[t].producer = to;
		else if (g->tensor[t].producer >= to)
			g->tensor[t].producer++;
}

int ir_add_epilogue(struct ir_graph *g, int opi, const struct ir_epilogue *e, struct diags *err)
{
	struct ir_op *op = &g->op[opi];
	const struct ir_tensor *out = &g->tensor[op->out.tensor];
	if (op->nepilogues == IR_MAX_EPILOGUES) {
		diag_add(err, NULL, 0, 0, "op '%s': more than %d epilogues", op->name, IR_MAX_EPILOGUES);
		return -1;
	}
	if (e->kind == IR_EP_BIAS) {
		const struct ir_tensor *b = e->tensor >= 0 && e->tensor < g->ntensors ? &g->tensor[e->tensor] : NULL;
		if (!b || e->dim < 0 || e->dim >= out->rank || b->rank != 1 || b->shape[0] != out->shape[e->dim] ||
		    dtype_float(b->dtype) != dtype_float(op->acc)) {
			diag_add(err, NULL, 0, 0,
				 "op '%s': a bias must be a rank-1 tensor of %s numbers as long as output dimension %d (%" PRId64 ")",
				 op->name, dtype_float(op->acc) ? "floating-point" : "integer", e->dim,
				 e->dim >= 0 && e->dim < out->rank ? out->shape[e->dim] : 0);
			return -1;
		}
	}
	if (ir_epilogue_float_only(e->kind) && !dtype_float(op->acc)) {
		diag_add(err, NULL, 0, 0, "op '%s': %s is floating point only; it accumulates in %s", op->name,
			 epilogue_names[e->kind], dtype_name(op->acc));
		return -1;
	}
	if ((e->kind == IR_EP_DIV && e->imm == 0) || (e->kind == IR_EP_CLIP && e->lo > e->hi)) {
		diag_add(err, NULL, 0, 0, "op '%s': %s", op->name,
			 e->kind == IR_EP_DIV ? "division by zero" : "clip range is empty (lo > hi)");
		return -1;
	}
	op->epilogue[op->nepilogues++] = *e;
	return 0;
}

int64_t ir_affine_at(const struct ir_affine *x, const int64_t *it)
{
	int64_t v = x->offset;
	for (int i = 0; i < IR_MAX_ITERS; i++)
		v += x->coef[i] * it[i];
	return v;
}

bool ir_op_is_move(const struct ir_graph *g, int op)
{
	const struct ir_op *o = &g->op[op];
	if (o->nin != 1 || o->combine != IR_COMBINE_COPY || o->reduce != IR_REDUCE_ASSIGN || o->nepilogues ||
	    g->tensor[o->in[0].tensor].dtype != g->tensor[o->out.tensor].dtype)
		return false;
	for (int it = 0; it < o->niters; it++)
		if (o->iter[it].reduction)
			return false;
	return true;
}

bool ir_access_uses_elsewhere(const struct ir_access *x, int rank, int dim, int it)
{
	for (int d = 0; d < rank; d++)
		if (d != dim && x->index[d].coef[it])
			return true;
	return false;
}

int64_t ir_access_element(const struct ir_graph *g, const struct ir_access *a, const int64_t *it)
{
	const struct ir_tensor *t = &g->tensor[a->tensor];
	int64_t e = 0;
	for (int d = 0; d < t->rank; d++) {
		int64_t x = ir_affine_at(&a->index[d], it);
		if (x < 0 || x >= t->shape[d])
			return -1;
		e = e * t->shape[d] + x;
	}
	return e;
}

uint64_t ir_op_macs(const struct ir_op *op)
{
	if (op->combine != IR_COMBINE_MUL)
		return 0;
	if (op->macs)
		return op->macs;
	uint64_t n = 1;
	for (int i = 0; i < op->niters; i++)
		n *= (uint64_t)op->iter[i].extent;
	return n;
}

/* ---- dump ---- */

static void dump_affine(const struct ir_op *op, const struct ir_affine *a, struct strbuf *out)
{
	bool any = false;
	for (int i = 0; i < op->niters; i++) {
		if (!a->coef[i])
			continue;
		if (any)
			sb_puts(out, a->coef[i] < 0 ? " - " : " + ");
		else if (a->coef[i] < 0)
			sb_puts(out, "-");
		int64_t c = a->coef[i] < 0 ? -a->coef[i] : a->coef[i];
		if (c != 1)
			sb_printf(out, "%" PRId64 "*", c);
		sb_puts(out, op->iter[i].name);
		any = true;
	}
	if (a->offset || !any)
		sb_printf(out, any ? (a->offset < 0 ? " - %" PRId64 : " + %" PRId64) : "%" PRId64,
			  any && a->offset < 0 ? -a->offset : a->offset);
}

static void dump_access(const struct ir_graph *g, const struct ir_op *op, const struct ir_access *a, struct strbuf *out)
{
	const struct ir_tensor *t = &g->tensor[a->tensor];
	sb_printf(out, "%s[", t->name);
	for (int d = 0; d < t->rank; d++) {
		if (d)
			sb_puts(out, ", ");
		dump_affine(op, &a->index[d], out);
	}
	sb_puts(out, "]");
}

static void dump_op(const struct ir_graph *g, int i, struct strbuf *out)
{
	const struct ir_op *op = &g->op[i];
	sb_printf(out, "op %s (%s), accumulating in %s, %" PRIu64 " MACs\n", op->name, op->kind, dtype_name(op->acc),
		  ir_op_macs(op));
	sb_puts(out, "  for");
	for (int k = 0; k < op->niters; k++)
		sb_printf(out, "%s %s < %" PRId64 "%s", k ? "," : "", op->iter[k].name, op->iter[k].extent,
			  op->iter[k].reduction ? " (reduction)" : "");
	sb_puts(out, ":\n    ");
	dump_access(g, op, &op->out, out);
	sb_printf(out, " %s ", reduce_names[op->reduce]);
	sb_puts(out, combines[op->combine].prefix);
	dump_access(g, op, &op->in[0], out);
	if (op->nin == 2) {
		sb_puts(out, combines[op->combine].infix);
		dump_access(g, op, &op->in[1], out);
	}
	sb_printf(out, "%s\n", combines[op->combine].suffix);
	for (int e = 0; e < op->nepilogues; e++) {
		const struct ir_epilogue *ep = &op->epilogue[e];
		sb_printf(out, "  then %s", epilogue_names[ep->kind]);
		if (ep->kind == IR_EP_BIAS)
			sb_printf(out, " %s along dimension %d", g->tensor[ep->tensor].name, ep->dim);
		else if (ep->kind == IR_EP_CLIP)
			sb_printf(out, " %" PRId64 " %" PRId64, ep->lo, ep->hi);
		else if (ep->kind != IR_EP_RELU && ep->kind != IR_EP_ROUND && !ir_epilogue_float_only(ep->kind))
			sb_printf(out, " %" PRId64, ep->imm);
		sb_puts(out, "\n");
	}
}

void ir_dump(const struct ir_graph *g, struct strbuf *out)
{
	for (int i = 0; i < g->ntensors; i++) {
		const struct ir_tensor *t = &g->tensor[i];
		sb_printf(out, "tensor %s %s %s [", t->name, ir_tensor_kind_name(t->kind), dtype_name(t->dtype));
		for (int d = 0; d < t->rank; d++)
			sb_printf(out, "%s%" PRId64, d ? ", " : "", t->shape[d]);
		sb_printf(out, "] %s\n", t->layout);
	}
	for (int i = 0; i < g->nops; i++)
		dump_op(g, i, out);
}
