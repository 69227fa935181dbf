/* ONNX's windowed ops as IR ops (docs/onnx.md): Conv and the pools, over
 * one, two or three spatial dimensions.  The 2-D ones are built by the
 * IR's constructors (ir_conv2d, ir_pool2d_dilated, over NCHW); 1-D and 3-D
 * are the same loop nest over their dimensions. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"
#include "base/alloc.h"
#include "base/value.h"

static struct ir_graph *graph(struct ox *X) { return &X->w->g; }


/* ---- window attributes: kernel, strides, pads (auto_pad), dilations ---- */

enum { OX_MAX_SPATIAL = 3 };

/* A window over S spatial dimensions; pads are ONNX's [x1_begin, ..,
 * xS_begin, x1_end, .., xS_end] (for S = 2 the IR's [top, left, bottom,
 * right]). */
struct window {
	int S;
	int64_t kernel[OX_MAX_SPATIAL], stride[OX_MAX_SPATIAL], pad[2 * OX_MAX_SPATIAL], dilation[OX_MAX_SPATIAL];
};

/* Strides, dilations and pads of a window whose S and kernel are set;
 * auto_pad SAME_* pads so that the output is ceil(in / stride), the odd
 * one at the end (UPPER) or the beginning (LOWER). */
static int window_attrs(struct ox *X, const int64_t *in, struct window *w)
{
	int n, S = w->S;
	for (int d = 0; d < S; d++)
		w->stride[d] = 1, w->dilation[d] = 1;
	memset(w->pad, 0, sizeof w->pad);
	if (!ox_attr_ints(X, "strides", w->stride, S, &n) || (n && n != S) ||
	    !ox_attr_ints(X, "dilations", w->dilation, S, &n) || (n && n != S))
		return ox_node_error(X, "strides and dilations must have %d values (a %d-D window)", S, S);
	if (!ox_attr_ints(X, "pads", w->pad, 2 * S, &n) || (n && n != 2 * S))
		return ox_node_error(X, "pads must have %d values (a %d-D window)", 2 * S, S);
	for (int d = 0; d < S; d++)
		if (w->stride[d] < 1 || w->dilation[d] < 1)
			return ox_node_error(X, "strides and dilations must be positive");
	for (int d = 0; d < 2 * S; d++)
		if (w->pad[d] < 0)
			return ox_node_error(X, "pads must be non-negative");
	const char *ap = ox_attr_string(X, "auto_pad", "NOTSET");
	if (!strcmp(ap, "VALID"))
		memset(w->pad, 0, sizeof w->pad);
	else if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
		for (int d = 0; d < S; d++) {
			int64_t out = (in[d] + w->stride[d] - 1) / w->stride[d];
			int64_t need = (out - 1) * w->stride[d] + (w->kernel[d] - 1) * w->dilation[d] + 1 - in[d];
			if (need < 0)
				need = 0;
			bool upper = !strcmp(ap, "SAME_UPPER");
			w->pad[d] = upper ? need / 2 : need - need / 2;
			w->pad[d + S] = need - w->pad[d];
		}
	} else if (strcmp(ap, "NOTSET"))
		return ox_node_error(X, "auto_pad '%s'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID", ap);
	return 0;
}

static int64_t window_out(const struct window *w, int d, int64_t in)
{
	int64_t span = (w->kernel[d] - 1) * w->dilation[d] + 1, padded = in + w->pad[d] + w->pad[d + w->S];
	return padded < span ? 0 : (padded - span) / w->stride[d] + 1;
}

/* ---- Conv ---- */

/* The window of a Conv: input [N, C, x1..xS], weight [O, C/group, k1..kS]. */
static int conv_window(struct ox *X, const struct ir_tensor *tx, const struct ir_tensor *tw, struct window *w)
{
	if (tx->rank < 3 || tx->rank > 2 + OX_MAX_SPATIAL || tw->rank != tx->rank)
		return ox_node_error(X, "a rank-%d input and a rank-%d weight; 1-D, 2-D and 3-D convolutions (NC..., OI...) "
					"are supported", tx->rank, tw->rank);
	w->S = tx->rank - 2;
	int64_t ks[OX_MAX_SPATIAL];
	int n;
	for (int d = 0; d < w->S; d++)
		w->kernel[d] = tw->shape[2 + d];
	bool same = ox_attr_ints(X, "kernel_shape", ks, w->S, &n);
	for (int d = 0; same && n && d < w->S; d++)
		same = n == w->S && ks[d] == w->kernel[d];
	if (!same)
		return ox_node_error(X, "kernel_shape does not match the weight's");
	return window_attrs(X, tx->shape + 2, w);
}

int ox_conv_attrs(struct ox *X, const struct ir_tensor *tx, const struct ir_tensor *tw, struct ir_conv2d_attrs *a)
{
	struct window w;
	if (conv_window(X, tx, tw, &w))
		return -1;
	if (w.S != 2)
		return ox_node_error(X, "a %d-D window; the integer convolutions are 2-D", w.S);
	*a = (struct ir_conv2d_attrs){{w.stride[0], w.stride[1]},
				      {w.pad[0], w.pad[1], w.pad[2], w.pad[3]},
				      {w.dilation[0], w.dilation[1]},
				      ox_attr_int(X, "group", 1),
				      true};
	return 0;
}

/* A 1-D or 3-D convolution, the loop nest ir_conv2d builds for 2-D:
 * out[n, g·OG + o, s..] += x[n, g·IG + i, s·stride + k·dilation − pad..] ·
 * w[g·OG + o, i, k..] */
static int conv_nd(struct ox *X, int x, int wt, const struct window *w, const char *out_name)
{
	const struct ir_tensor *tx = &graph(X)->tensor[x], *tw = &graph(X)->tensor[wt];
	int64_t G = ox_attr_int(X, "group", 1), C = tx->shape[1], O = tw->shape[0];
	if (G < 1 || C % G || O % G || tw->shape[1] != C / G)
		return ox_node_error(X, "group %" PRId64 " with %" PRId64 " input and %" PRId64 " output channels and a weight of %"
				     PRId64 " per group", G, C, O, tw->shape[1]);
	if (dtype_float(tx->dtype) != dtype_float(tw->dtype))
		return ox_node_error(X, "a %s input and a %s weight", dtype_name(tx->dtype), dtype_name(tw->dtype));
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", X->node_name);
	snprintf(op.kind, sizeof op.kind, "conv%dd", w->S);
	int S = w->S, it = 0;
	int64_t shape[IR_MAX_RANK] = {tx->shape[0], O};
#define ITER(nm, ext, red) (snprintf(op.iter[it].name, sizeof op.iter[it].name, "%s", nm), op.iter[it].extent = ext, \
			    op.iter[it].reduction = red, it++)
	int n = ITER("n", tx->shape[0], false), g = G > 1 ? ITER("g", G, false) : -1, o = ITER("o", O / G, false);
	int sp[OX_MAX_SPATIAL], ks[OX_MAX_SPATIAL];
	for (int d = 0; d < S; d++) {
		char nm[16];
		snprintf(nm, sizeof nm, "o%d", d);
		shape[2 + d] = window_out(w, d, tx->shape[2 + d]);
		if (shape[2 + d] < 1)
			return ox_node_error(X, "the window does not fit the padded input in dimension %d", 2 + d);
		sp[d] = ITER(nm, shape[2 + d], false);
	}
	int i = ITER("i", C / G, true);
	for (int d = 0; d < S; d++) {
		char nm[16];
		snprintf(nm, sizeof nm, "k%d", d);
		ks[d] = ITER(nm, w->kernel[d], true);
	}
#undef ITER
	op.niters = it;
	op.out.index[0].coef[n] = 1, op.out.index[1].coef[o] = 1;
	op.in[0].index[0].coef[n] = 1, op.in[0].index[1].coef[i] = 1;
	op.in[1].index[0].coef[o] = 1, op.in[1].index[1].coef[i] = 1;
	if (g >= 0)
		op.out.index[1].coef[g] = O / G, op.in[0].index[1].coef[g] = C / G, op.in[1].index[0].coef[g] = O / G;
	for (int d = 0; d < S; d++) {
		op.out.index[2 + d].coef[sp[d]] = 1;
		op.in[0].index[2 + d].coef[sp[d]] = w->stride[d], op.in[0].index[2 + d].coef[ks[d]] = w->dilation[d];
		op.in[0].index[2 + d].offset = -w->pad[d];
		op.in[1].index[2 + d].coef[ks[d]] = 1;
	}
	op.nin = 2, op.in[0].tensor = x, op.in[1].tensor = wt;
	op.reduce = IR_REDUCE_SUM, op.combine = IR_COMBINE_MUL;
	op.acc = dtype_float(tx->dtype) ? DT_FP32 : DT_INT32;
	return ox_add_op(X, &op, out_name, tx->dtype, tx->rank, shape);
}

int ox_conv(struct ox *X)
{
	int x = ox_input(X, 0), wt = x < 0 ? -1 : ox_input(X, 1);
	if (wt < 0)
		return -1;
	const struct ir_tensor *tx = &graph(X)->tensor[x], *tw = &graph(X)->tensor[wt];
	struct window w;
	if (conv_window(X, tx, tw, &w))
		return -1;
	int op;
	if (w.S == 2) {
		struct ir_conv2d_attrs a;
		if (ox_conv_attrs(X, tx, tw, &a))
			return -1;
		op = ir_conv2d(graph(X), X->node_name, x, wt, &a, ox_output_name(X, 0), tx->dtype, X->err);
	} else
		op = conv_nd(X, x, wt, &w, ox_output_name(X, 0));
	if (op < 0 || !ox_grow(X))
		return -1;
	if (X->node->n_input > 2 && X->node->input[2][0]) {
		int b = ox_input(X, 2);
		struct ir_epilogue e = {.kind = IR_EP_BIAS, .tensor = b, .dim = 1};
		if (b < 0 || ir_add_epilogue(graph(X), op, &e, X->err))
			return -1;
	}
	return ox_bind_op(X, op);
}

/* ---- pools ---- */

static int64_t floor_div(int64_t a, int64_t b) /* b > 0 */
{
	return a / b - (a % b < 0);
}

/* Taps of a window inside [lo, hi) at each output position along one
 * dimension: the taps t in [0, k) with lo <= o·s + t·d - pad < hi, counted
 * from the ends of that range (a window of a billion taps costs no more
 * than one of three). */
static void inside_taps(int64_t *count, int64_t out, int64_t k, int64_t s, int64_t d, int64_t pad, int64_t lo, int64_t hi)
{
	for (int64_t o = 0; o < out; o++) {
		int64_t at = o * s - pad;
		int64_t first = -floor_div(at - lo, d); /* ceil((lo - at) / d) */
		int64_t last = floor_div(hi - 1 - at, d);
		first = first > 0 ? first : 0, last = last < k - 1 ? last : k - 1;
		count[o] = last >= first ? last - first + 1 : 0;
	}
}

/* An average pool whose divisor is not the whole window at every position
 * (count_include_pad 0 with padding, or ceil_mode's last windows): the sum
 * of the taps divided by how many of them are inside the input (with its
 * declared pads when count_include_pad), a constant of the output's
 * spatial shape. */
static int average_by_count(struct ox *X, int op, const struct window *w, const int64_t *in, bool include_pad,
			    const int64_t *declared_end)
{
	struct ir_graph *g = graph(X);
	g->op[op].nepilogues = 0; /* the sum: no division by the window */
	struct ir_tensor *o = &g->tensor[g->op[op].out.tensor];
	int S = w->S;
	int64_t out[OX_MAX_SPATIAL], total = 0, elems = 1;
	for (int d = 0; d < S; d++)
		out[d] = o->shape[2 + d], total += out[d], elems *= out[d];
	char sum[IR_NAME_MAX], cname[IR_NAME_MAX];
	snprintf(sum, sizeof sum, "%.50s.sum", ox_output_name(X, 0));
	snprintf(cname, sizeof cname, "%.50s.count", ox_output_name(X, 0));
	snprintf(o->name, sizeof o->name, "%s", sum);
	snprintf(g->op[op].name, sizeof g->op[op].name, "%s", sum);
	/* the constant first: its size limit bounds the counts' work too */
	uint8_t *data;
	int ct = ox_new_constant(X, cname, DT_FP32, S, out, &data);
	if (ct < 0)
		return -1;
	int64_t *counts = try_calloc((size_t)total, sizeof *counts), *c[OX_MAX_SPATIAL];
	if (!counts)
		return diag_nomem(X->err, X->file, (size_t)total * sizeof *counts, "the window counts of '%s'", X->node_name);
	for (int d = 0, at = 0; d < S; at += (int)out[d], d++) {
		c[d] = counts + at;
		inside_taps(c[d], out[d], w->kernel[d], w->stride[d], w->dilation[d], w->pad[d], include_pad ? -w->pad[d] : 0,
			    in[d] + (include_pad ? declared_end[d] : 0));
	}
	for (int64_t i = 0; i < elems; i++) {
		double n = 1;
		for (int64_t d = S - 1, r = i; d >= 0; r /= out[d], d--)
			n *= (double)c[d][r % out[d]];
		val_put_float(data, DT_FP32, (uint64_t)i, n);
	}
	free(counts);
	int st = graph(X)->op[op].out.tensor;
	return ox_broadcast_op(X, IR_COMBINE_DIV, st, ct, X->node_name, ox_output_name(X, 0), graph(X)->tensor[st].dtype);
}

/* A 1-D or 3-D pool, the loop nest ir_pool2d builds for 2-D:
 * out[n, c, s..] max= (or +=, then / window) x[n, c, s·stride + k·dilation − pad..] */
static int pool_nd(struct ox *X, int x, bool max, const struct window *w, const char *out_name)
{
	const struct ir_tensor *tx = &graph(X)->tensor[x];
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", X->node_name);
	snprintf(op.kind, sizeof op.kind, max ? "max_pool" : "avg_pool");
	int S = w->S, it = 0;
	int64_t shape[IR_MAX_RANK] = {tx->shape[0], tx->shape[1]}, taps = 1;
	const char *names[] = {"n", "c", "o0", "o1", "o2", "k0", "k1", "k2"};
	for (int d = 0; d < 2 + S; d++) {
		if (d >= 2 && (shape[d] = window_out(w, d - 2, tx->shape[d])) < 1)
			return ox_node_error(X, "the window does not fit the padded input in dimension %d", d);
		snprintf(op.iter[it].name, sizeof op.iter[it].name, "%s", names[d]);
		op.iter[it].extent = shape[d];
		op.out.index[d].coef[it] = 1;
		op.in[0].index[d].coef[it] = d < 2 ? 1 : w->stride[d - 2];
		it++;
	}
	for (int d = 0; d < S; d++) {
		snprintf(op.iter[it].name, sizeof op.iter[it].name, "%s", names[5 + d]);
		op.iter[it].extent = w->kernel[d], op.iter[it].reduction = true;
		op.in[0].index[2 + d].coef[it] = w->dilation[d], op.in[0].index[2 + d].offset = -w->pad[d];
		taps *= w->kernel[d];
		it++;
	}
	op.niters = it, op.nin = 1, op.in[0].tensor = x;
	op.reduce = max ? IR_REDUCE_MAX : IR_REDUCE_SUM, op.combine = IR_COMBINE_COPY;
	op.acc = dtype_float(tx->dtype) ? DT_FP32 : DT_INT32;
	if (!max)
		op.nepilogues = 1, op.epilogue[0] = (struct ir_epilogue){.kind = IR_EP_DIV, .imm = taps};
	return ox_add_op(X, &op, out_name, tx->dtype, tx->rank, shape);
}

static int pool(struct ox *X, bool max, bool global)
{
	int x = ox_input(X, 0);
	if (x < 0)
		return -1;
	const struct ir_tensor *tx = &graph(X)->tensor[x];
	if (tx->rank < 3 || tx->rank > 2 + OX_MAX_SPATIAL)
		return ox_node_error(X, "a rank-%d input; 1-D, 2-D and 3-D pools (NC...) are supported", tx->rank);
	if (X->node->n_output > 1 && X->node->output[1][0])
		return ox_node_error(X, "the Indices output is not supported");
	struct window w = {.S = tx->rank - 2};
	int64_t in[OX_MAX_SPATIAL], declared_end[OX_MAX_SPATIAL];
	for (int d = 0; d < w.S; d++)
		in[d] = tx->shape[2 + d];
	int n;
	bool by_count = false, include_pad = false;
	if (global) {
		for (int d = 0; d < w.S; d++)
			w.kernel[d] = in[d], w.stride[d] = 1, w.dilation[d] = 1, w.pad[d] = w.pad[d + w.S] = 0;
	} else {
		if (!ox_attr_ints(X, "kernel_shape", w.kernel, w.S, &n) || n != w.S)
			return ox_node_error(X, "kernel_shape must have %d values (a %d-D window)", w.S, w.S);
		if (window_attrs(X, in, &w))
			return -1;
		for (int d = 0; d < 2 * w.S; d++) /* else windows wholly in the padding: nothing to take the max or mean of */
			if (w.pad[d] >= w.kernel[d % w.S])
				return ox_node_error(X, "pads[%d] is %" PRId64 ", not smaller than the kernel's %" PRId64
						     " (a window wholly in the padding)", d, w.pad[d], w.kernel[d % w.S]);
		if (ox_attr_int(X, "storage_order", 0))
			return ox_node_error(X, "storage_order 1 is not supported");
		include_pad = ox_attr_int(X, "count_include_pad", 0) != 0;
		for (int d = 0; d < 2 * w.S; d++)
			by_count |= !max && !include_pad && w.pad[d];
		for (int d = 0; d < w.S; d++)
			declared_end[d] = w.pad[d + w.S];
		for (int d = 0; ox_attr_int(X, "ceil_mode", 0) && d < w.S; d++) {
			/* the output rounds up: the last windows reach past the end
			 * padding, into more of it (which a max never takes, and an
			 * average does not count); but not a last window that would
			 * start in the end padding (ONNX's reference, onnxruntime) */
			int64_t span = (w.kernel[d] - 1) * w.dilation[d] + 1, padded = in[d] + w.pad[d] + w.pad[d + w.S];
			int64_t out = padded < span ? 0 : (padded - span + w.stride[d] - 1) / w.stride[d] + 1;
			if (out > 1 && (out - 1) * w.stride[d] >= in[d] + w.pad[d])
				out--;
			int64_t extra = (out - 1) * w.stride[d] + span - padded;
			if (out > 0 && extra > 0)
				w.pad[d + w.S] += extra, by_count |= !max;
		}
	}
	int op;
	if (w.S == 2) {
		struct ir_pool2d_attrs a = {{w.kernel[0], w.kernel[1]}, {w.stride[0], w.stride[1]},
					    {w.pad[0], w.pad[1], w.pad[2], w.pad[3]}, {w.dilation[0], w.dilation[1]}, true};
		op = ir_pool2d_dilated(graph(X), X->node_name, x, max, &a, ox_output_name(X, 0), X->err);
	} else
		op = pool_nd(X, x, max, &w, ox_output_name(X, 0));
	if (op < 0 || !ox_grow(X))
		return -1;
	if (by_count)
		op = average_by_count(X, op, &w, in, include_pad, declared_end);
	return ox_bind_op(X, op);
}

int ox_max_pool(struct ox *X) { return pool(X, true, false); }
int ox_average_pool(struct ox *X) { return pool(X, false, false); }
int ox_global_average_pool(struct ox *X) { return pool(X, false, true); }
int ox_global_max_pool(struct ox *X) { return pool(X, true, true); }

