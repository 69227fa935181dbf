/* ir/workload: workload files -> an IR graph with initial data.  The YAML
 * is read into base/ytree.h's located node tree, whose value checks report
 * errors at the node, as for hardware descriptions; this file is the schema
 * of docs/workloads.md. */
#include "workload_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"

/* Initial data of one tensor is at most this many bytes. */
/* All tensors of a workload, declared and computed, at most this many. */
/* Strides, padding, dilation, windows and groups are at most this (as
 * dimensions are), so that the IR's extent arithmetic cannot overflow. */
#define WL_MAX_ATTR ((int64_t)1 << 31)

static const char *const top_keys[] = {"name", "seed", "tensors", "ops"};
enum { TOP_NAME, TOP_SEED, TOP_TENSORS, TOP_OPS, TOP_N };

static const char *const tensor_keys[] = {"name", "shape", "dtype", "kind", "layout", "data", "range"};
enum { T_NAME, T_SHAPE, T_DTYPE, T_KIND, T_LAYOUT, T_DATA, T_RANGE, T_N };

static const char *const op_keys[] = {"name",   "op",  "out",      "dtype",  "input",  "weight", "a",
				      "b",      "stride", "pad", "dilation", "groups", "window", "epilogue", "expr"};
enum { O_NAME, O_OP, O_OUT, O_DTYPE, O_INPUT, O_WEIGHT, O_A, O_B, O_STRIDE, O_PAD, O_DILATION, O_GROUPS, O_WINDOW,
       O_EPILOGUE, O_EXPR, O_N };

#define K(x) (1u << O_##x)
enum { COMMON = K(NAME) | K(OP) | K(OUT) | K(EPILOGUE) };
enum op_kind { CONV2D, DEPTHWISE, DENSE, MATMUL, BATCH_MATMUL, MAX_POOL, AVG_POOL, ADD, SUB, MUL, MAX, COPY, EINSUM, NKINDS };
static const struct {
	const char *name;
	unsigned keys; /* besides COMMON */
	enum ir_combine combine; /* elementwise kinds */
} kinds[] = {
	[CONV2D] = {"conv2d", K(INPUT) | K(WEIGHT) | K(DTYPE) | K(STRIDE) | K(PAD) | K(DILATION) | K(GROUPS), 0},
	[DEPTHWISE] = {"depthwise", K(INPUT) | K(WEIGHT) | K(DTYPE) | K(STRIDE) | K(PAD) | K(DILATION), 0},
	[DENSE] = {"dense", K(INPUT) | K(WEIGHT) | K(DTYPE), 0},
	[MATMUL] = {"matmul", K(A) | K(B) | K(DTYPE), 0},
	[BATCH_MATMUL] = {"batch_matmul", K(A) | K(B) | K(DTYPE), 0},
	[MAX_POOL] = {"max_pool", K(INPUT) | K(WINDOW) | K(STRIDE) | K(PAD), 0},
	[AVG_POOL] = {"avg_pool", K(INPUT) | K(WINDOW) | K(STRIDE) | K(PAD), 0},
	[ADD] = {"add", K(A) | K(B) | K(DTYPE), IR_COMBINE_ADD},
	[SUB] = {"sub", K(A) | K(B) | K(DTYPE), IR_COMBINE_SUB},
	[MUL] = {"mul", K(A) | K(B) | K(DTYPE), IR_COMBINE_MUL},
	[MAX] = {"max", K(A) | K(B) | K(DTYPE), IR_COMBINE_MAX},
	[COPY] = {"copy", K(A) | K(DTYPE), IR_COMBINE_COPY},
	[EINSUM] = {"einsum", K(EXPR) | K(DTYPE), 0},
};
#undef K

static const char *const epilogue_words[] = {"bias", "shr", "clip", "relu", "add", "mul", "div"};
static const enum ir_epilogue_kind epilogue_kinds[] = {IR_EP_BIAS, IR_EP_SHR, IR_EP_CLIP, IR_EP_RELU,
						       IR_EP_ADD,  IR_EP_MUL, IR_EP_DIV};
enum { NEPILOGUE_WORDS = 7 };

/* ---- values ------------------------------------------------------------- */

static bool is_key(const struct ynode *k, const char *s)
{
	return k->kind == YN_SCALAR && k->len == strlen(s) && !memcmp(k->str, s, k->len);
}

/* An integer: optional '-', then decimal digits; plain, fits 64 bits. */
static bool parse_i64(const struct ynode *n, int64_t *out)
{
	if (n->kind != YN_SCALAR || !n->plain)
		return false;
	const char *s = n->str;
	size_t len = n->len;
	bool neg = len > 0 && s[0] == '-';
	uint64_t u;
	if (yt_parse_u64(s + neg, len - neg, &u) || u > (uint64_t)INT64_MAX + neg)
		return false;
	*out = !neg ? (int64_t)u : u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	return true;
}

static bool get_int(struct wl_state *S, const struct ynode *n, const char *key, const char *ctx, int64_t min,
		    int64_t max, int64_t *out)
{
	if (parse_i64(n, out) && *out >= min && *out <= max)
		return true;
	char want[96], b[80], huge[64] = "";
	bool large = max >= WL_MAX_ATTR; /* a limit only against overflow: said only when hit */
	if (min == 1 && large)
		snprintf(want, sizeof want, "a positive integer");
	else if (min == 0 && large)
		snprintf(want, sizeof want, "a non-negative integer");
	else if (min == INT64_MIN && max == INT64_MAX)
		snprintf(want, sizeof want, "an integer");
	else
		snprintf(want, sizeof want, "an integer from %" PRId64 " to %" PRId64, min, max);
	if (large && parse_i64(n, out) && *out > max)
		snprintf(huge, sizeof huge, " (too large: at most %" PRId64 ")", max);
	yt_error(&S->yt, n, "expected %s for '%s' in %s, got %s%s", want, key, ctx, yt_show(n, b, sizeof b), huge);
	return false;
}

/* An integer, or a sequence of integers whose length is in COUNTS (a bit
 * per length); EXPECT describes the forms for the message. */
static bool get_ints(struct wl_state *S, const struct ynode *n, const char *key, const char *ctx, int64_t min,
		     int64_t max, unsigned counts, const char *expect, int64_t *out, int *count)
{
	if (n->kind == YN_SCALAR && !(n->plain && n->len == 0) && parse_i64(n, out)) {
		*count = 1;
		return get_int(S, n, key, ctx, min, max, out);
	}
	char b[80];
	if (n->kind != YN_SEQ || n->n > 6 || !(counts & (1u << n->n))) {
		if (n->kind == YN_SEQ)
			yt_error(&S->yt, n, "expected %s for '%s' in %s, got a sequence of %d", expect, key, ctx, n->n);
		else
			yt_error(&S->yt, n, "expected %s for '%s' in %s, got %s", expect, key, ctx,
				  yt_show(n, b, sizeof b));
		return false;
	}
	for (int i = 0; i < n->n; i++)
		if (!get_int(S, n->kid[i], key, ctx, min, max, &out[i]))
			return false;
	*count = n->n;
	return true;
}

/* [h, w] from one value or two. */
static bool get_pair(struct wl_state *S, const struct ynode *n, const char *key, const char *ctx, int64_t min,
		     int64_t out[2])
{
	int64_t v[6];
	int c;
	char expect[96];
	snprintf(expect, sizeof expect, "%s or a sequence [h, w] of them",
		 min ? "a positive integer" : "a non-negative integer");
	if (!get_ints(S, n, key, ctx, min, WL_MAX_ATTR, 1u << 2, expect, v, &c))
		return false;
	out[0] = v[0];
	out[1] = c == 2 ? v[1] : v[0];
	return true;
}

/* Padding [top, left, bottom, right]: from one value, [h, w] or all four. */
static bool get_pad(struct wl_state *S, const struct ynode *n, const char *ctx, int64_t out[4])
{
	int64_t v[6];
	int c;
	if (!get_ints(S, n, "pad", ctx, 0, WL_MAX_ATTR, 1u << 2 | 1u << 4,
		      "a non-negative integer, [h, w] or [top, left, bottom, right]", v, &c))
		return false;
	if (c == 4)
		memcpy(out, v, 4 * sizeof *v);
	else
		out[0] = out[2] = v[0], out[1] = out[3] = c == 2 ? v[1] : v[0];
	return true;
}

/* ---- bookkeeping -------------------------------------------------------- */

/* An allocation for WHAT failed: reported once at AT, and the load stops. */
static void nomem(struct wl_state *S, const struct ynode *at, size_t n, const char *what, const char *name)
{
	yt_error(&S->yt, at, "cannot allocate %zu bytes for %s '%s'", n, what, name);
	S->nomem = true;
}

static bool grow_tensors(struct wl_state *S, const struct ynode *at)
{
	struct wl_workload *w = S->w;
	int n = w->g.ntensors;
	if (n <= S->tensor_cap)
		return true;
	int cap = S->tensor_cap ? S->tensor_cap : 16;
	while (cap < n)
		cap *= 2;
	if (try_resize(&w->data, (size_t)cap, sizeof *w->data) ||
	    try_resize(&w->init, (size_t)cap, sizeof *w->init) ||
	    try_resize(&w->tensor_at, (size_t)cap, sizeof *w->tensor_at) ||
	    try_resize(&S->given, (size_t)cap, sizeof *S->given) ||
	    try_resize(&S->used_as_weight, (size_t)cap, sizeof *S->used_as_weight)) {
		/* w->data may be shorter than the graph now: free it here, as
		 * wl_free would read it to the graph's length. */
		for (int i = 0; w->data && i < S->tensor_cap; i++)
			free(w->data[i]);
		free(w->data);
		w->data = NULL;
		nomem(S, at, (size_t)cap * sizeof *w->data, "the tensor table at tensor", w->g.tensor[n - 1].name);
		return false;
	}
	for (int i = S->tensor_cap; i < cap; i++) {
		w->data[i] = NULL;
		w->init[i] = (struct wl_init){WL_INIT_NONE, 0, 0};
		w->tensor_at[i] = (struct wl_loc){0, 0};
		S->given[i] = 0;
		S->used_as_weight[i] = false;
	}
	S->tensor_cap = cap;
	return true;
}

static void mark_broken(struct wl_state *S, const char *name)
{
	/* Out of memory, the name is not remembered: at worst a reference to it
	 * is reported again. */
	if (try_resize(&S->broken, (size_t)S->nbroken + 1, sizeof *S->broken))
		return;
	snprintf(S->broken[S->nbroken++], IR_NAME_MAX, "%s", name);
}

static bool is_broken(const struct wl_state *S, const char *name)
{
	for (int i = 0; i < S->nbroken; i++)
		if (!strcmp(S->broken[i], name))
			return true;
	return false;
}

/* Whether tensor name NAME (written at AT) is still free; else an error.
 * OP_CTX: the op it is the output of, or NULL for a declared tensor. */
static bool name_free(struct wl_state *S, const char *name, const struct ynode *at, const char *op_ctx)
{
	int t = ir_tensor_lookup(&S->w->g, name);
	if (t < 0 && !is_broken(S, name))
		return true;
	char first[48] = "";
	if (t >= 0)
		snprintf(first, sizeof first, "; the first is at line %d", S->w->tensor_at[t].line);
	if (op_ctx)
		yt_error(&S->yt, at, "the output tensor '%s' of %s is defined twice%s", name, op_ctx, first);
	else
		yt_error(&S->yt, at, "tensor '%s' is defined twice%s", name, first);
	return false;
}

/* The errors a constructor added to TMP (which have no place), at AT. */
static void relocate(struct wl_state *S, struct diags *tmp, const struct ynode *at)
{
	for (int i = 0; i < tmp->n; i++)
		yt_error(&S->yt, at, "%s", tmp->v[i].msg);
	diag_free(tmp);
}

/* A tensor named by the value N of KEY: its index; -1 after an error, or -2
 * (silently) when it names a declaration that already failed. */
static int tensor_ref(struct wl_state *S, const struct ynode *n, const char *key, const char *ctx)
{
	char name[IR_NAME_MAX];
	if (!yt_name(&S->yt, n, key, ctx, false, sizeof name, name))
		return -1;
	int t = ir_tensor_lookup(&S->w->g, name);
	if (t >= 0)
		return t;
	if (is_broken(S, name))
		return -2;
	yt_error(&S->yt, n,
		  "undefined tensor '%s' for '%s' in %s; expected a tensor from 'tensors' or the output of an earlier op",
		  name, key, ctx);
	return -1;
}

/* ---- tensors ------------------------------------------------------------ */

/* tensor := {name, shape, dtype, [kind], [layout], [data], [range]} */
static void load_tensor(struct wl_state *S, const struct ynode *m, int nth)
{
	char name[IR_NAME_MAX], ctx[96], b[80];
	if (yt_peek_name(m, sizeof name, name))
		snprintf(ctx, sizeof ctx, "tensor '%s'", name);
	else
		snprintf(ctx, sizeof ctx, "tensor #%d", nth);
	const struct ynode *v[T_N], *k[T_N];
	if (!yt_fields(&S->yt, m, "a tensor", ctx, tensor_keys, T_N, NULL, v, k))
		return;
	bool ok = yt_require(&S->yt, m, v[T_NAME], "name", ctx) &&
		  yt_name(&S->yt, v[T_NAME], "name", ctx, false, sizeof name, name);
	if (ok && !name_free(S, name, v[T_NAME], NULL)) {
		return; /* the first declaration stands */
	}
	int64_t shape[IR_MAX_RANK];
	int rank = 0;
	if (!yt_require(&S->yt, m, v[T_SHAPE], "shape", ctx)) {
		ok = false;
	} else if (v[T_SHAPE]->kind != YN_SEQ || v[T_SHAPE]->n < 1 || v[T_SHAPE]->n > IR_MAX_RANK) {
		yt_error(&S->yt, v[T_SHAPE], "expected a sequence of 1 to %d positive integers for 'shape' in %s, got %s",
			  IR_MAX_RANK, ctx,
			  v[T_SHAPE]->kind == YN_SEQ ? (v[T_SHAPE]->n ? "too many" : "an empty sequence")
						     : yt_show(v[T_SHAPE], b, sizeof b));
		ok = false;
	} else {
		rank = v[T_SHAPE]->n;
		for (int d = 0; d < rank; d++)
			if (!get_int(S, v[T_SHAPE]->kid[d], "shape", ctx, 1, INT64_MAX, &shape[d]))
				ok = false;
	}
	enum dtype dtype = DT_INT8;
	if (!yt_require(&S->yt, m, v[T_DTYPE], "dtype", ctx) || !yt_dtype(&S->yt, v[T_DTYPE], "dtype", ctx, &dtype))
		ok = false;
	static const char *const kind_words[] = {"input", "weight"};
	int kind = 0;
	if (v[T_KIND] && !yt_enum(&S->yt, v[T_KIND], "tensor kind", "kind", ctx, kind_words, 2, &kind))
		ok = false;
	char layout[IR_MAX_RANK + 1] = "";
	if (v[T_LAYOUT]) {
		const struct ynode *l = v[T_LAYOUT];
		bool good = l->kind == YN_SCALAR && rank && l->len == (size_t)rank;
		for (size_t i = 0; good && i < l->len; i++)
			good = l->str[i] >= 'A' && l->str[i] <= 'Z';
		if (good)
			memcpy(layout, l->str, l->len + 1);
		else if (rank) {
			yt_error(&S->yt, l, "expected %d capital letters (one per dimension) for 'layout' in %s, got %s", rank,
				  ctx, yt_show(l, b, sizeof b));
			ok = false;
		}
	}
	/* data := random | zeros | {raw: PATH} | {npy: PATH} */
	enum { D_RANDOM, D_ZEROS, D_RAW, D_NPY } data = D_RANDOM;
	const struct ynode *path = NULL, *d = v[T_DATA];
	if (d && d->kind == YN_SCALAR && is_key(d, "zeros")) {
		data = D_ZEROS;
	} else if (d && d->kind == YN_MAP && d->n == 2 && (is_key(d->kid[0], "raw") || is_key(d->kid[0], "npy"))) {
		data = is_key(d->kid[0], "raw") ? D_RAW : D_NPY;
		path = d->kid[1];
		if (path->kind != YN_SCALAR || path->len == 0 || memchr(path->str, 0, path->len)) {
			yt_error(&S->yt, path, "expected a file path for '%s' in %s, got %s", data == D_RAW ? "raw" : "npy",
				  ctx, yt_show(path, b, sizeof b));
			ok = false;
		}
	} else if (d && !(d->kind == YN_SCALAR && is_key(d, "random"))) {
		yt_error(&S->yt, d, "expected random, zeros, {raw: FILE} or {npy: FILE} for 'data' in %s, got %s", ctx,
			  d->kind == YN_MAP && d->n ? "another mapping" : yt_show(d, b, sizeof b));
		ok = false;
	}
	int64_t lo = 0, hi = 0;
	if (ok)
		wl_default_range(dtype, &lo, &hi);
	if (ok && v[T_RANGE]) {
		int64_t r[6], dlo, dhi;
		int c;
		wl_default_range(dtype, &dlo, &dhi);
		if (dtype_float(dtype) || data != D_RANDOM) {
			yt_error(&S->yt, k[T_RANGE], "'range' in %s applies only to random integer data", ctx);
			ok = false;
		} else if (!get_ints(S, v[T_RANGE], "range", ctx, INT64_MIN, INT64_MAX, 1u << 2, "a sequence [lo, hi] of integers",
				     r, &c)) {
			ok = false;
		} else if (c != 2 || r[0] > r[1] || r[0] < (dtype == DT_INT32 ? INT32_MIN : dlo) ||
			   r[1] > (dtype == DT_INT32 ? INT32_MAX : dhi)) {
			yt_error(&S->yt, v[T_RANGE], "expected a sequence [lo, hi] with lo <= hi, within %s, for 'range' in %s",
				  dtype_name(dtype), ctx);
			ok = false;
		} else {
			lo = r[0], hi = r[1];
		}
	}
	if (!ok) {
		if (v[T_NAME] && yt_is_name(v[T_NAME]->str, v[T_NAME]->len, false) && v[T_NAME]->len < IR_NAME_MAX)
			mark_broken(S, v[T_NAME]->str);
		return;
	}
	struct diags tmp = {0};
	int t = ir_add_tensor(&S->w->g, name, kind ? IR_TENSOR_WEIGHT : IR_TENSOR_INPUT, dtype, rank, shape,
			      layout[0] ? layout : NULL, &tmp);
	if (t < 0) {
		relocate(S, &tmp, v[T_SHAPE]);
		mark_broken(S, name);
		return;
	}
	if (!grow_tensors(S, m))
		return;
	S->w->tensor_at[t] = (struct wl_loc){m->line, m->col};
	S->given[t] = (v[T_KIND] ? GIVEN_KIND : 0) | (v[T_LAYOUT] ? GIVEN_LAYOUT : 0);
	struct ir_tensor *ts = &S->w->g.tensor[t];
	if (!v[T_LAYOUT] && rank == 4)
		memcpy(ts->layout, kind ? "OHWI" : "NHWC", 5);
	else if (!v[T_LAYOUT] && rank == 1)
		memcpy(ts->layout, "C", 2);
	int64_t bytes = ir_tensor_elems(ts) * (int64_t)dtype_bytes(dtype);
	if (bytes > WL_MAX_DATA_BYTES) {
		yt_error(&S->yt, v[T_SHAPE], "tensor '%s' would hold %" PRId64 " bytes of data; at most %" PRId64 " (1 GiB)",
			  name, bytes, WL_MAX_DATA_BYTES);
		return;
	}
	/* Random and zero data are made when needed (wl_tensor_fill). */
	S->w->init[t] = (struct wl_init){data == D_RANDOM ? WL_INIT_RANDOM : data == D_ZEROS ? WL_INIT_ZEROS
					 : WL_INIT_FILE, lo, hi};
	if (data == D_RAW || data == D_NPY)
		S->w->data[t] = wl_read_data(S, path, data == D_NPY, ts);
}

/* ---- ops ---------------------------------------------------------------- */

/* epilogue := relu | {bias: TENSOR} | {shr: N} | {clip: [LO, HI]} | {add: N} | {mul: N} | {div: N} */
static void load_epilogues(struct wl_state *S, const struct ynode *seq, int op, const char *ctx)
{
	char b[80];
	if (seq->kind != YN_SEQ) {
		yt_error(&S->yt, seq, "expected a sequence of epilogues for 'epilogue' in %s, got %s", ctx,
			  yt_show(seq, b, sizeof b));
		return;
	}
	for (int i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->kid[i], *word = it, *arg = NULL;
		if (it->kind == YN_MAP && it->n == 2) {
			word = it->kid[0];
			arg = it->kid[1];
		} else if (it->kind != YN_SCALAR) {
			yt_error(&S->yt, it,
				  "expected an epilogue (relu, or a mapping with one key: bias, shr, clip, add, mul, div) in %s, got %s",
				  ctx, it->kind == YN_MAP ? "a mapping with several keys" : yt_show(it, b, sizeof b));
			continue;
		}
		int w;
		if (!yt_enum(&S->yt, word, "epilogue", "epilogue", ctx, epilogue_words, NEPILOGUE_WORDS, &w))
			continue;
		struct ir_epilogue e = {.kind = epilogue_kinds[w], .tensor = -1};
		const char *key = epilogue_words[w];
		if (e.kind == IR_EP_RELU && arg) {
			yt_error(&S->yt, word, "epilogue 'relu' in %s takes no value; write '- relu'", ctx);
			continue;
		}
		if (e.kind != IR_EP_RELU && !arg) {
			yt_error(&S->yt, word, "epilogue '%s' in %s needs a value; write '- %s: VALUE'", key, ctx, key);
			continue;
		}
		int64_t v[6];
		int c;
		const struct ir_tensor *out = &S->w->g.tensor[S->w->g.op[op].out.tensor];
		switch (e.kind) {
		case IR_EP_BIAS:
			e.tensor = tensor_ref(S, arg, "bias", ctx);
			if (e.tensor < 0)
				continue;
			e.dim = out->rank - 1;
			S->used_as_weight[e.tensor] = true;
			break;
		case IR_EP_SHR:
			if (!get_int(S, arg, key, ctx, -31, 31, &e.imm))
				continue;
			break;
		case IR_EP_CLIP:
			if (!get_ints(S, arg, key, ctx, INT64_MIN, INT64_MAX, 1u << 2, "a sequence [lo, hi] of integers", v, &c))
				continue;
			if (c != 2) {
				yt_error(&S->yt, arg, "expected a sequence [lo, hi] of integers for 'clip' in %s, got %s", ctx,
					  yt_show(arg, b, sizeof b));
				continue;
			}
			e.lo = v[0], e.hi = v[1];
			break;
		case IR_EP_ADD:
		case IR_EP_MUL:
		case IR_EP_DIV:
			if (!get_int(S, arg, key, ctx, INT32_MIN, INT32_MAX, &e.imm))
				continue;
			break;
		default:
			break;
		}
		struct diags tmp = {0};
		if (ir_add_epilogue(&S->w->g, op, &e, &tmp))
			relocate(S, &tmp, arg ? arg : word);
	}
}

static int peek_kind(const struct ynode *m)
{
	if (m->kind != YN_MAP)
		return -1;
	for (int i = 0; i + 1 < m->n; i += 2)
		if (is_key(m->kid[i], "op"))
			for (int k = 0; k < NKINDS; k++)
				if (is_key(m->kid[i + 1], kinds[k].name))
					return k;
	return -1;
}

/* A convolution's or pool's declared operand t (its key at n) in the layout
 * the op reads (want: NHWC, OHWI); a tensor declared in another (NCHW, say)
 * would be read as if it were in this one, so it is an error at the op.
 * (An einsum names its indices and takes any layout.) */
static bool window_layout_ok(struct wl_state *S, int kind, const char *name, int t, const struct ynode *n,
			     const char *want)
{
	if (t < 0 || !(kind == CONV2D || kind == DEPTHWISE || kind == MAX_POOL || kind == AVG_POOL))
		return true;
	const struct ir_tensor *ts = &S->w->g.tensor[t];
	bool declared = ts->kind == IR_TENSOR_INPUT || ts->kind == IR_TENSOR_WEIGHT;
	if (!declared || ts->rank != 4 || !(S->given[t] & GIVEN_LAYOUT) || !strcmp(ts->layout, want))
		return true;
	yt_error(&S->yt, n, "op '%s': tensor '%s' is declared %s; a %s reads it as %s (an einsum takes any layout)", name,
		 ts->name, ts->layout, kinds[kind].name, want);
	return false;
}

/* op := {name, op, [out], [dtype], operands, attributes, [epilogue]} */
static void load_op(struct wl_state *S, const struct ynode *m, int nth)
{
	char name[IR_NAME_MAX], out[IR_NAME_MAX], ctx[96];
	if (yt_peek_name(m, sizeof name, name))
		snprintf(ctx, sizeof ctx, "op '%s'", name);
	else
		snprintf(ctx, sizeof ctx, "op #%d", nth);
	/* Only the keys of the op's kind are allowed; all are, while the kind is unknown. */
	int kind = peek_kind(m);
	unsigned allowed = kind >= 0 ? COMMON | kinds[kind].keys : ~0u;
	const char *keys[O_N];
	int idx[O_N], n = 0;
	for (int i = 0; i < O_N; i++)
		if (allowed & (1u << i))
			keys[n] = op_keys[i], idx[n++] = i;
	const struct ynode *kv[O_N], *kk[O_N], *v[O_N], *k[O_N];
	if (!yt_fields(&S->yt, m, "an op", ctx, keys, n, NULL, kv, kk))
		return;
	for (int i = 0; i < O_N; i++)
		v[i] = k[i] = NULL;
	for (int i = 0; i < n; i++)
		v[idx[i]] = kv[i], k[idx[i]] = kk[i];

	bool ok = yt_require(&S->yt, m, v[O_NAME], "name", ctx) &&
		  yt_name(&S->yt, v[O_NAME], "name", ctx, false, sizeof name, name);
	if (ok) {
		for (int i = 0; i < S->nops_seen; i++)
			if (!strcmp(S->ops_seen[i].name, name)) {
				yt_error(&S->yt, v[O_NAME], "op '%s' is defined twice; the first is at line %d", name,
					  S->ops_seen[i].line);
				return;
			}
		if (try_resize(&S->ops_seen, (size_t)S->nops_seen + 1, sizeof *S->ops_seen)) {
			nomem(S, v[O_NAME], ((size_t)S->nops_seen + 1) * sizeof *S->ops_seen, "the list of ops at op", name);
			return;
		}
		snprintf(S->ops_seen[S->nops_seen].name, IR_NAME_MAX, "%s", name);
		S->ops_seen[S->nops_seen++].line = v[O_NAME]->line;
	}
	int kw = 0;
	const char *kind_names[NKINDS];
	for (int i = 0; i < NKINDS; i++)
		kind_names[i] = kinds[i].name;
	if (!yt_require(&S->yt, m, v[O_OP], "op", ctx) ||
	    !yt_enum(&S->yt, v[O_OP], "op kind", "op", ctx, kind_names, NKINDS, &kw))
		ok = false;
	const struct ynode *out_at = v[O_OUT] ? v[O_OUT] : v[O_NAME];
	bool out_ok = ok;
	if (v[O_OUT])
		out_ok = yt_name(&S->yt, v[O_OUT], "out", ctx, false, sizeof out, out);
	else if (ok)
		memcpy(out, name, sizeof out);
	if (out_ok && !name_free(S, out, out_at, ctx))
		return;
	if (!out_ok || !ok) {
		if (out_ok)
			mark_broken(S, out);
		return;
	}
	/* operands: every reference is checked, even after one failed */
	int x = -1, y = -1;
	bool skip = false;
	if (kind == EINSUM) {
		/* operands are named inside the expression; the dtype cannot be guessed before it is read */
		if (!yt_require(&S->yt, m, v[O_EXPR], "expr", ctx) || !yt_require(&S->yt, m, v[O_DTYPE], "dtype", ctx))
			skip = true;
		else if (v[O_EXPR]->kind != YN_SCALAR || strlen(v[O_EXPR]->str) != v[O_EXPR]->len) {
			yt_error(&S->yt, v[O_EXPR], "%s: expected an index expression for 'expr', e.g. \"y[i, j] += a[i, k] * b[k, j]\"", ctx);
			skip = true;
		}
	} else if (kinds[kind].keys & (1u << O_INPUT)) {
		if (!yt_require(&S->yt, m, v[O_INPUT], "input", ctx) || (x = tensor_ref(S, v[O_INPUT], "input", ctx)) < 0)
			skip = true;
		if (kinds[kind].keys & (1u << O_WEIGHT)) {
			if (!yt_require(&S->yt, m, v[O_WEIGHT], "weight", ctx) ||
			    (y = tensor_ref(S, v[O_WEIGHT], "weight", ctx)) < 0)
				skip = true;
			else
				S->used_as_weight[y] = true;
		}
	} else {
		if (!yt_require(&S->yt, m, v[O_A], "a", ctx) || (x = tensor_ref(S, v[O_A], "a", ctx)) < 0)
			skip = true;
		if (kinds[kind].keys & (1u << O_B)) {
			if (!yt_require(&S->yt, m, v[O_B], "b", ctx) || (y = tensor_ref(S, v[O_B], "b", ctx)) < 0)
				skip = true;
		}
	}
	/* attributes */
	struct ir_conv2d_attrs a = {{1, 1}, {0, 0, 0, 0}, {1, 1}, 1, false};
	int64_t window[2] = {0, 0};
	if (v[O_STRIDE] && !get_pair(S, v[O_STRIDE], "stride", ctx, 1, a.stride))
		skip = true;
	if (v[O_DILATION] && !get_pair(S, v[O_DILATION], "dilation", ctx, 1, a.dilation))
		skip = true;
	if (v[O_PAD] && !get_pad(S, v[O_PAD], ctx, a.pad))
		skip = true;
	if (v[O_GROUPS] && !get_int(S, v[O_GROUPS], "groups", ctx, 1, WL_MAX_ATTR, &a.groups))
		skip = true;
	if ((kinds[kind].keys & (1u << O_WINDOW)) &&
	    (!yt_require(&S->yt, m, v[O_WINDOW], "window", ctx) || !get_pair(S, v[O_WINDOW], "window", ctx, 1, window)))
		skip = true;
	enum dtype dt = DT_INT32;
	if (v[O_DTYPE] && !yt_dtype(&S->yt, v[O_DTYPE], "dtype", ctx, &dt))
		skip = true;
	if (skip) {
		mark_broken(S, out);
		return;
	}
	struct ir_graph *g = &S->w->g;
	enum dtype in_dt = x >= 0 ? g->tensor[x].dtype : dt;
	if (!v[O_DTYPE])
		dt = kind >= ADD ? in_dt : dtype_float(in_dt) ? DT_FP32 : DT_INT32;
	if (kind == DEPTHWISE && x >= 0) {
		a.groups = g->tensor[x].shape[g->tensor[x].rank - 1];
		if (g->tensor[x].rank != 4)
			a.groups = 1; /* the constructor reports the rank */
	}
	if (kind == BATCH_MATMUL && x >= 0 && g->tensor[x].rank != 3) {
		yt_error(&S->yt, v[O_A], "op '%s': a batch_matmul's a '%s' has rank %d; expected 3 [B, M, K]", name,
			  g->tensor[x].name, g->tensor[x].rank);
		mark_broken(S, out);
		return;
	}
	if (kind == MATMUL && x >= 0 && g->tensor[x].rank != 2) {
		yt_error(&S->yt, v[O_A], "op '%s': a matmul's a '%s' has rank %d; expected 2 [M, K] (batch_matmul for 3)",
			  name, g->tensor[x].name, g->tensor[x].rank);
		mark_broken(S, out);
		return;
	}
	if (!window_layout_ok(S, kind, name, x, v[O_INPUT], "NHWC") || !window_layout_ok(S, kind, name, y, v[O_WEIGHT], "OHWI")) {
		mark_broken(S, out);
		return;
	}
	struct diags tmp = {0};
	int op;
	switch ((enum op_kind)kind) {
	case CONV2D:
	case DEPTHWISE: op = ir_conv2d(g, name, x, y, &a, out, dt, &tmp); break;
	case DENSE: op = ir_dense(g, name, x, y, out, dt, &tmp); break;
	case MATMUL:
	case BATCH_MATMUL: op = ir_matmul(g, name, x, y, out, dt, &tmp); break;
	case MAX_POOL:
	case AVG_POOL: op = ir_pool2d(g, name, x, kind == MAX_POOL, window, a.stride, a.pad, out, &tmp); break;
	case EINSUM: op = ir_einsum(g, name, v[O_EXPR]->str, out, dt, &tmp); break;
	default: op = ir_elementwise(g, name, kinds[kind].combine, x, y, out, dt, &tmp); break;
	}
	if (op < 0) {
		relocate(S, &tmp, m);
		mark_broken(S, out);
		return;
	}
	if (!grow_tensors(S, m))
		return;
	int t = g->op[op].out.tensor;
	S->w->tensor_at[t] = (struct wl_loc){out_at->line, out_at->col};
	S->given[t] = GIVEN_KIND | GIVEN_LAYOUT;
	if (g->nops > S->op_cap) {
		int cap = S->op_cap ? 2 * S->op_cap : 16;
		if (try_resize(&S->w->op_at, (size_t)cap, sizeof *S->w->op_at)) {
			nomem(S, m, (size_t)cap * sizeof *S->w->op_at, "the table of ops at op", name);
			return;
		}
		S->op_cap = cap;
	}
	S->w->op_at[op] = (struct wl_loc){m->line, m->col};
	if (v[O_EPILOGUE])
		load_epilogues(S, v[O_EPILOGUE], op, ctx);
}

/* ---- the file ----------------------------------------------------------- */

/* workload := {name, [seed], [tensors], ops} */
static void load_root(struct wl_state *S, const struct ynode *root)
{
	const struct ynode *v[TOP_N], *k[TOP_N];
	char b[80];
	if (!yt_fields(&S->yt, root, "the workload", NULL, top_keys, TOP_N, NULL, v, k))
		return;
	if (yt_require(&S->yt, root, v[TOP_NAME], "name", NULL))
		yt_name(&S->yt, v[TOP_NAME], "name", NULL, false, sizeof S->w->name, S->w->name);
	if (v[TOP_SEED]) {
		const struct ynode *s = v[TOP_SEED];
		if (s->kind != YN_SCALAR || !s->plain || yt_parse_u64(s->str, s->len, &S->w->seed))
			yt_error(&S->yt, s, "expected a non-negative integer below 2^64 for 'seed' in the top-level mapping, got %s",
				  yt_show(s, b, sizeof b));
	}
	const struct ynode *t = v[TOP_TENSORS];
	if (t && t->kind != YN_SEQ)
		yt_error(&S->yt, t, "expected a sequence of tensors for 'tensors' in the top-level mapping, got %s",
			  yt_show(t, b, sizeof b));
	else if (t)
		for (int i = 0; i < t->n && !S->nomem; i++)
			load_tensor(S, t->kid[i], i + 1);
	const struct ynode *o = v[TOP_OPS];
	if (!yt_require(&S->yt, root, o, "ops", NULL))
		return;
	if (o->kind != YN_SEQ || o->n == 0) {
		yt_error(&S->yt, o, "expected a non-empty sequence of ops for 'ops' in the top-level mapping, got %s",
			  o->kind == YN_SEQ ? "an empty sequence" : yt_show(o, b, sizeof b));
		return;
	}
	for (int i = 0; i < o->n && !S->nomem; i++)
		load_op(S, o->kid[i], i + 1);
	if (S->nomem)
		return;
	wl_check_sizes(S);
	/* Declared tensors without a kind are weights when an op uses them so. */
	for (int i = 0; i < S->w->g.ntensors; i++) {
		struct ir_tensor *ts = &S->w->g.tensor[i];
		if (!(S->given[i] & GIVEN_KIND) && S->used_as_weight[i]) {
			ts->kind = IR_TENSOR_WEIGHT;
			if (ts->rank == 4 && !(S->given[i] & GIVEN_LAYOUT))
				memcpy(ts->layout, "OHWI", 5);
		}
	}
}

static const struct yt_doc workload_doc = {"workload", "name, seed, tensors, ops"};

static int load_text(const char *text, const char *name, struct wl_workload *w, struct diags *err)
{
	memset(w, 0, sizeof *w);
	w->file = try_strdup(name);
	const char *slash = strrchr(name, '/');
	char *dir = !slash ? try_strdup("") : slash == name ? try_strdup("/") : try_strndup(name, (size_t)(slash - name));
	if (!w->file || !dir) {
		free(w->file);
		free(dir);
		w->file = NULL;
		return diag_nomem(err, name, strlen(name) + 1, "the name of the workload '%s'", name);
	}
	const char *saved = err->source;
	int n0 = err->n;
	err->source = text;
	struct ynode *root = yt_parse(text, strlen(text), name, &workload_doc, err);
	struct wl_state S = {.yt = {.err = err, .file = name}, .w = w, .dir = dir};
	if (root) {
		load_root(&S, root);
		yt_free(root);
	}
	err->source = saved;
	free(dir);
	free(S.given);
	free(S.used_as_weight);
	free(S.broken);
	free(S.ops_seen);
	if (err->n != n0) {
		wl_free(w);
		return -1;
	}
	wl_bound_constants(w);
	return 0;
}

int wl_load_string(const char *text, const char *name, struct wl_workload *w, struct diags *err)
{
	return load_text(text, name ? name : "<string>", w, err);
}

int wl_load_file_dims(const char *path, const char *dims, struct wl_workload *w, struct diags *err)
{
	size_t n = strlen(path);
	if (n > 5 && !strcmp(path + n - 5, ".onnx"))
		return wl_load_onnx_dims(path, dims, w, err);
	memset(w, 0, sizeof *w);
	if (dims) {
		diag_add(err, path, 0, 0, "sizes of symbolic dimensions ('%s') are for ONNX models; this is a workload file",
			 dims);
		return -1;
	}
	char *text = file_read_text(path, FILE_WORKLOAD, err);
	if (!text)
		return -1;
	int rc = load_text(text, path, w, err);
	free(text);
	return rc;
}

void wl_free(struct wl_workload *w)
{
	if (w->data)
		for (int i = 0; i < w->g.ntensors; i++)
			free(w->data[i]);
	free(w->data);
	for (int i = 0; i < w->ndata_files; i++)
		free(w->data_files[i]);
	free(w->data_files);
	free(w->init);
	free(w->tensor_at);
	free(w->op_at);
	free(w->node_op_type);
	free(w->file);
	ir_graph_free(&w->g);
	memset(w, 0, sizeof *w);
}

size_t wl_tensor_bytes(const struct wl_workload *w, int i)
{
	return (size_t)ir_tensor_elems(&w->g.tensor[i]) * dtype_bytes(w->g.tensor[i].dtype);
}
