/* Band splitting (ir/band.c): random convolutions (conv1d and 2D, NHWC and
 * NCHW, strides, padding, asymmetric kernels, dilation, groups, depthwise,
 * batches, int8 and fp16, a bias along any dimension), dense ops, matmuls,
 * pools and hand-made ops are found exactly where ir/ir.h's rules say, as
 * worked out here; the banded graph is valid (ir_op_decode's checks) and
 * gives the op's output value for value by the reference interpreter
 * (tests/unit/ir_interp.h).  Then wl_band_split on a chain, and names taken. */
/* opcase.h's random ops and values, not its runs on the simulator */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "opcase.h"
#pragma GCC diagnostic pop
#include "ir/workload.h"

static int cases, found, sliced, strided, nchw_found, shifted_bias, pools;

/* What find should say about one candidate output dimension. */
struct band_want {
	int out_dim, a_dim;
	int64_t stride, span, offset, extent;
};

static int bias_dim(const struct ir_op *o)
{
	for (int e = 0; e < o->nepilogues; e++)
		if (o->epilogue[e].kind == IR_EP_BIAS)
			return o->epilogue[e].dim;
	return -1;
}

/* Of n candidates (innermost last) with two points or more and no bias
 * along it: the innermost with two points a band or more, else the
 * longest (the innermost of equals); -1 for none. */
static int pick(const struct band_want *c, int n, int bias, int rows)
{
	int best = -1;
	for (int i = n - 1; i >= 0; i--) {
		if (c[i].extent < 2 || c[i].out_dim == bias)
			continue;
		if (c[i].extent >= 2 * (int64_t)rows)
			return i;
		if (best < 0 || c[i].extent > c[best].extent)
			best = i;
	}
	return best;
}

/* A random convolution and its candidates: the batch, then H and W
 * (where the channels are not last, W is the output's last dimension). */
static int random_conv(struct opcase *r, enum dtype dt, struct band_want *c, int *nc)
{
	int op = -1;
	while (op < 0) {
		run_free(r);
		bool one_d = rnd(0, 3) == 0, nchw = rnd(0, 5) == 0;
		int64_t kind = rnd(0, 2), Cg = rnd(1, 4), G = kind == 0 ? 1 : kind == 1 ? 2 : rnd(1, 6);
		int64_t C = G * (kind == 2 ? 1 : Cg), O = kind == 2 ? C : G * rnd(1, 3);
		int64_t N = rnd(1, 2), H = one_d ? 1 : rnd(1, 20), W = rnd(1, 20), KH = one_d ? 1 : rnd(1, 7), KW = rnd(1, 7);
		struct ir_conv2d_attrs a = {{rnd(1, 3), rnd(1, 3)},
					    {one_d ? 0 : rnd(0, 3), rnd(0, 3), one_d ? 0 : rnd(0, 3), rnd(0, 3)},
					    {rnd(1, 2), rnd(1, 2)}, G, nchw};
		int64_t xs[4] = {N, H, W, C}, ws[4] = {O, KH, KW, C / G};
		if (nchw)
			xs[1] = C, xs[2] = H, xs[3] = W, ws[1] = C / G, ws[2] = KH, ws[3] = KW;
		int in = ir_add_tensor(&r->g, "x", IR_TENSOR_INPUT, dt, 4, xs, nchw ? "NCHW" : "NHWC", &r->err);
		int w = ir_add_tensor(&r->g, "w", IR_TENSOR_WEIGHT, dt, 4, ws, nchw ? "OIHW" : "OHWI", &r->err);
		op = ir_conv2d(&r->g, "conv", in, w, &a, "y", rnd(0, 1) ? dt : dt == DT_INT8 ? DT_INT32 : DT_FP32, &r->err);
		c[0] = (struct band_want){0, 0, 1, 0, 0, N};
		for (int s = 0, d = nchw ? 2 : 1; s < 2; s++, d++) {
			int64_t len = s ? W : H, k = s ? KW : KH, span = a.dilation[s] * (k - 1);
			int64_t extent = (len + a.pad[s] + a.pad[s + 2] - span - 1) / a.stride[s] + 1;
			c[1 + s] = (struct band_want){d, d, a.stride[s], span, -a.pad[s], extent};
		}
		*nc = nchw ? 2 : 3; /* NCHW: W is last */
	}
	return op;
}

/* A random max pool (NHWC or NCHW, strides, dilation, padding up to the
 * window's span, windows along one dimension) and its candidates, as a
 * convolution's: the batch, then H and W; NCHW: the batch, the channels
 * (no weight reads them) and H. */
static int random_pool(struct opcase *r, enum dtype dt, struct band_want *c, int *nc)
{
	int op = -1;
	while (op < 0) {
		run_free(r);
		bool nchw = rnd(0, 4) == 0;
		struct ir_pool2d_attrs a = {{rnd(1, 4), rnd(1, 4)}, {rnd(1, 3), rnd(1, 3)}, {0}, {rnd(1, 2), rnd(1, 2)}, nchw};
		for (int s = 0; s < 2; s++) {
			int64_t span = (a.window[s] - 1) * a.dilation[s];
			a.pad[s] = rnd(0, span), a.pad[s + 2] = rnd(0, span);
		}
		int64_t N = rnd(1, 2), H = rnd(1, 20), W = rnd(1, 20), C = rnd(1, 40);
		int64_t xs[4] = {N, H, W, C};
		if (nchw)
			xs[1] = C, xs[2] = H, xs[3] = W;
		int in = ir_add_tensor(&r->g, "x", IR_TENSOR_INPUT, dt, 4, xs, nchw ? "NCHW" : "NHWC", &r->err);
		op = ir_pool2d_dilated(&r->g, "pool", in, true, &a, "y", &r->err);
		c[0] = (struct band_want){0, 0, 1, 0, 0, N};
		for (int s = 0, d = nchw ? 2 : 1; s < 2; s++, d++) {
			int64_t len = s ? W : H, span = a.dilation[s] * (a.window[s] - 1);
			int64_t extent = (len + a.pad[s] + a.pad[s + 2] - span - 1) / a.stride[s] + 1;
			c[1 + s] = (struct band_want){d, d, a.stride[s], span, -a.pad[s], extent};
		}
		*nc = 3;
		if (nchw) /* the channels, read alone like the batch, before H (W is last) */
			c[2] = c[1], c[1] = (struct band_want){1, 1, 1, 0, 0, C};
	}
	return op;
}

/* A dense op, a matmul or a batched one: the candidates are the rows of a,
 * not the batch, which the weight shares. */
static int random_other(struct opcase *r, enum dtype dt, struct band_want *c, int *nc)
{
	int k = (int)rnd(2, 4);
	int op = random_op(r, k, dt, dt == DT_INT8 ? DT_INT32 : DT_FP32);
	const struct ir_tensor *a = &r->g.tensor[r->g.op[op].in[0].tensor];
	c[0] = (struct band_want){k == 4, k == 4, 1, 0, 0, a->shape[k == 4]};
	*nc = k < 5;
	return op;
}

/* Every op writes its own output once, after the producers of its inputs,
 * and passes ir_op_decode's checks. */
static bool check_valid(const struct ir_graph *g)
{
	int failures = test_failures;
	for (int i = 0; i < g->nops; i++) {
		const struct ir_op *o = &g->op[i];
		ASSERT_EQ(g->tensor[o->out.tensor].producer, i);
		for (int n = 0; n < o->nin; n++)
			ASSERT(g->tensor[o->in[n].tensor].producer < i);
		for (int j = 0; j < i; j++)
			ASSERT(strcmp(g->op[j].name, o->name) != 0);
		size_t len;
		uint8_t *b = ir_op_encode(g, i, &len);
		struct ir_graph one;
		struct diags err = {0};
		ASSERT(b && ir_op_decode(b, len, o->name, &one, &err) == 0);
		diag_print(&err, stderr);
		diag_free(&err);
		ir_graph_free(&one);
		free(b);
	}
	return test_failures == failures;
}

/* The banded op reads the new dimension of the banded input with "r" alone
 * and its window without the offset, which the layout op took. */
static void check_banded(const struct ir_graph *g, const struct ir_band_split *bs, uint64_t macs)
{
	const struct ir_op *o = &g->op[bs->op + 1];
	const struct ir_access *a = &o->in[bs->a];
	int rows = g->tensor[a->tensor].rank - 2, r = bs->x + 1;
	ASSERT_STR(o->iter[r].name, "r");
	ASSERT(!o->iter[r].reduction && o->iter[r].extent == bs->rows && o->iter[bs->x].extent == bs->q);
	for (int i = 0; i < o->niters; i++)
		ASSERT_EQ(a->index[rows].coef[i], i == r);
	ASSERT(a->index[rows].offset == 0 && a->index[bs->a_dim].offset == 0);
	ASSERT_EQ(a->index[bs->a_dim].coef[bs->x], bs->stride);
	ASSERT(ir_op_macs(o) == macs && !strcmp(g->op[bs->op].kind, "bands"));
}

/* Every tensor of g, the declared ones' values copied from src; then every
 * op run in order. */
static void run_graph(const struct ir_graph *g, const struct interp_tensor *src, int nsrc, struct interp_tensor *v)
{
	for (int t = 0; t < g->ntensors; t++) {
		size_t n = (size_t)ir_tensor_elems(&g->tensor[t]);
		bool flt = dtype_float(g->tensor[t].dtype);
		v[t].i = flt ? NULL : xcalloc(n, sizeof(int64_t));
		v[t].f = flt ? xcalloc(n, sizeof(double)) : NULL;
		if (t < nsrc && g->tensor[t].producer < 0)
			memcpy(flt ? (void *)v[t].f : (void *)v[t].i, flt ? (void *)src[t].f : (void *)src[t].i,
			       n * (flt ? sizeof(double) : sizeof(int64_t)));
	}
	for (int i = 0; i < g->nops; i++)
		interp_op(g, i, v);
}

static int64_t differ(const struct ir_tensor *t, const struct interp_tensor *a, const struct interp_tensor *b)
{
	int64_t bad = 0;
	for (int64_t k = 0; k < ir_tensor_elems(t); k++)
		bad += dtype_float(t->dtype) ? memcmp(&a->f[k], &b->f[k], sizeof(double)) != 0 : a->i[k] != b->i[k];
	return bad;
}

static void free_values(struct interp_tensor *v, int n)
{
	for (int t = 0; t < n; t++)
		free(v[t].i), free(v[t].f);
}

/* The op banded on a copy of r's graph: valid, the op read as bs says,
 * and its output the same, value for value. */
static void check_apply(struct opcase *r, const struct ir_band_split *bs, const char *what)
{
	int op = bs->op, y = r->g.op[op].out.tensor, bias = bias_dim(&r->g.op[op]);
	bool wide = bs->q * bs->rows > bs->extent;
	sliced += wide, strided += bs->stride > 1, nchw_found += !strcmp(r->g.tensor[y].layout, "NCHW");
	pools += r->g.op[op].reduce == IR_REDUCE_MAX;
	struct ir_graph g2;
	struct diags err = {0};
	ASSERT_EQ(ir_graph_copy(&g2, &r->g), 0);
	ASSERT_EQ(ir_band_split_apply(&g2, bs, "x.bands", "y.banded", "y.wide", &err), op + 1);
	diag_print(&err, stderr);
	diag_free(&err);
	ASSERT(g2.nops == r->g.nops + 2 + wide && g2.ntensors == r->g.ntensors + 2 + wide);
	ASSERT(!strcmp(g2.op[op + 1].name, r->g.op[op].name) && !strcmp(g2.op[g2.nops - 1].name, "y.unbands") &&
	       ir_tensor_lookup(&g2, "y") == y);
	if (bias >= 0 && bias == r->g.tensor[y].rank - 1) { /* the last dimension, one later */
		shifted_bias++;
		ASSERT_EQ(bias_dim(&g2.op[op + 1]), bias + 1);
	}
	check_banded(&g2, bs, ir_op_macs(&r->g.op[op]));
	if (check_valid(&g2)) {
		interp_op(&r->g, op, r->v);
		struct interp_tensor v2[8] = {0};
		run_graph(&g2, r->v, r->g.ntensors, v2);
		int64_t bad = differ(&r->g.tensor[y], &r->v[y], &v2[y]);
		ASSERT_EQ(bad, 0);
		if (bad)
			fprintf(stderr, "%s, %d rows: %" PRId64 " values differ\n", what, bs->rows, bad);
		free_values(v2, g2.ntensors);
	}
	ir_graph_free(&g2);
}

/* Found exactly when one of the candidates should be, with its figures;
 * then banded. */
static void check_find(struct opcase *r, int op, const struct band_want *c, int nc, const char *what)
{
	int rows = (int)rnd(2, 4), want = pick(c, nc, bias_dim(&r->g.op[op]), rows);
	struct ir_band_split bs;
	bool got = ir_band_split_find(&r->g, op, rows, &bs);
	cases++;
	ASSERT_EQ(got ? bs.out_dim : -1, want >= 0 ? c[want].out_dim : -1);
	if (got != (want >= 0))
		fprintf(stderr, "%s: %s\n", what, got ? "found" : "not found");
	if (!got || want < 0)
		return;
	const struct band_want *e = &c[want];
	ASSERT(bs.op == op && bs.a == 0 && bs.b == (r->g.op[op].nin == 2 ? 1 : -1) && bs.rows == rows &&
	       bs.a_dim == e->a_dim);
	ASSERT(bs.stride == e->stride && bs.span == e->span && bs.offset == e->offset && bs.extent == e->extent);
	ASSERT_EQ(bs.q, (e->extent + rows - 1) / rows);
	found++;
	check_apply(r, &bs, what);
}

static void check_random(int i)
{
	struct opcase r = {0};
	struct band_want c[3];
	int nc;
	enum dtype dt = rnd(0, 7) ? DT_INT8 : DT_FP16;
	int op = i % 8 == 7 ? random_other(&r, dt, c, &nc) : i % 8 == 6 ? random_pool(&r, dt, c, &nc)
								   : random_conv(&r, dt, c, &nc);
	random_epilogues(&r, op, dtype_float(dt));
	fill(&r);
	char what[32];
	snprintf(what, sizeof what, "random op %d", i);
	check_find(&r, op, c, nc, what);
	run_free(&r);
}

/* What the rules leave out that no constructor makes: y += a * f over x < 5,
 * c < 3 (spatial), k < 3, j < 2, each index a row of coefficients of x, c, k,
 * j and an offset, each dimension as long as its index reaches. */
static const struct hand {
	const char *what;
	int rank[3]; /* y, a, f */
	int64_t ix[3][3][5];
	struct band_want want; /* out_dim -1: none */
} hands[] = {
	{"the spatial dimension last", {2, 2, 1}, {{{0, 1}, {1}}, {{1, 0, 1, 0, -1}, {0, 1}}, {{0, 0, 1}}}, {.out_dim = -1}},
	{"the window in a's last dimension", {2, 2, 1}, {{{1}, {0, 1}}, {{0, 1}, {1, 0, 1}}, {{0, 0, 1}}}, {.out_dim = -1}},
	{"x in the weight", {2, 2, 2}, {{{1}, {0, 1}}, {{1, 0, 1}, {0, 1}}, {{1}, {0, 0, 1}}}, {.out_dim = -1}},
	{"a tap backwards", {2, 2, 1}, {{{1}, {0, 1}}, {{3, 0, 0, -1, 1}, {0, 1}}, {{0, 0, 1}}}, {.out_dim = -1}},
	{"x beside a spatial iterator", {2, 2, 1}, {{{1}, {0, 1}}, {{1, 1}, {0, 0, 1}}, {{0, 0, 1}}}, {.out_dim = -1}},
	{"x moved in the output", {2, 2, 1}, {{{1, 0, 0, 0, 1}, {0, 1}}, {{1, 0, 1}, {0, 1}}, {{0, 0, 1}}}, {.out_dim = -1}},
	{"x twice in the output", {3, 2, 1}, {{{1}, {1}, {0, 1}}, {{1, 0, 1}, {0, 1}}, {{0, 0, 1}}}, {.out_dim = -1}},
	{"two windows, stride 3", {2, 2, 2}, {{{1}, {0, 1}}, {{3, 0, 1, 2, -2}, {0, 1}}, {{0, 0, 1}, {0, 0, 0, 1}}},
	 {0, 0, 3, 4, -2, 5}},
};

static void check_hand(const struct hand *h)
{
	struct opcase r = {0};
	struct ir_op o = {.name = "hand", .kind = "einsum", .niters = 4, .nin = 2, .reduce = IR_REDUCE_SUM,
			  .combine = IR_COMBINE_MUL, .acc = DT_INT32};
	static const int64_t extent[4] = {5, 3, 3, 2};
	for (int i = 0; i < 4; i++) {
		o.iter[i] = (struct ir_iter){.extent = extent[i], .reduction = i >= 2};
		snprintf(o.iter[i].name, sizeof o.iter[i].name, "%s", (const char *[]){"x", "c", "k", "j"}[i]);
	}
	struct ir_access *acc[3] = {&o.out, &o.in[0], &o.in[1]};
	int64_t shape[3][IR_MAX_RANK];
	for (int n = 0; n < 3; n++)
		for (int d = 0; d < h->rank[n]; d++) {
			memcpy(acc[n]->index[d].coef, h->ix[n][d], 4 * sizeof(int64_t));
			acc[n]->index[d].offset = shape[n][d] = h->ix[n][d][4];
			for (int i = 0; i < 4; i++) /* the greatest index, + 1 */
				shape[n][d] += h->ix[n][d][i] > 0 ? h->ix[n][d][i] * (extent[i] - 1) : 0;
			shape[n][d]++;
		}
	o.in[0].tensor = ir_add_tensor(&r.g, "a", IR_TENSOR_INPUT, DT_INT8, h->rank[1], shape[1], NULL, &r.err);
	o.in[1].tensor = ir_add_tensor(&r.g, "f", IR_TENSOR_WEIGHT, DT_INT8, h->rank[2], shape[2], NULL, &r.err);
	int op = ir_add_op(&r.g, &o, "y", DT_INT32, h->rank[0], shape[0], &r.err);
	ASSERT_EQ(op, 0);
	fill(&r);
	check_find(&r, op, &h->want, h->want.out_dim >= 0, h->what);
	run_free(&r);
}

static void load(struct wl_workload *w, const char *yaml)
{
	struct diags err = {0};
	ASSERT_EQ(wl_load_string(yaml, "bands.yaml", w, &err), 0);
	diag_print(&err, stderr);
	diag_free(&err);
}

/* Values of every tensor of w, the declared ones from their data. */
static void run_workload(const struct wl_workload *w, struct interp_tensor *v)
{
	struct interp_tensor src[16] = {0};
	for (int t = 0; t < w->g.ntensors && t < 16; t++) {
		if (!wl_tensor_declared(w, t))
			continue;
		int64_t n = ir_tensor_elems(&w->g.tensor[t]);
		uint8_t *b = xmalloc(wl_tensor_bytes(w, t));
		ASSERT(wl_tensor_fill(w, t, b));
		src[t].i = xcalloc((size_t)n, sizeof(int64_t));
		for (int64_t k = 0; k < n; k++)
			src[t].i[k] = val_get_int(b, w->g.tensor[t].dtype, (uint64_t)k);
		free(b);
	}
	run_graph(&w->g, src, w->g.ntensors, v);
	free_values(src, 16);
}

static const char chain_tensors[] = "name: bands\ntensors:\n"
				    "  - {name: x, shape: [1, 7, 10, 4], dtype: int8}\n"
				    "  - {name: w, shape: [6, 3, 3, 4], dtype: int8, kind: weight}\n"
				    "  - {name: w2, shape: [5, 1, 3, 6], dtype: int8, kind: weight}\n";
static const char chain_ops[] = "ops:\n"
				"  - {name: c, op: conv2d, input: x, weight: w, out: y, pad: 1, dtype: int8}\n"
				"  - {name: d, op: conv2d, input: y, weight: w2, stride: 2, dtype: int32}\n";

/* A chain banded op by op as a caller would, stepping past what each
 * split makes. */
static void check_chain(void)
{
	char yaml[1024];
	snprintf(yaml, sizeof yaml, "%s%s", chain_tensors, chain_ops);
	struct wl_workload w;
	load(&w, yaml);
	struct interp_tensor before[16] = {0}, after[16] = {0};
	run_workload(&w, before);
	int nt = w.g.ntensors, out = ir_tensor_lookup(&w.g, "d"), steps = 0;
	int line_c = w.op_at[0].line, line_d = w.op_at[1].line;
	for (int op = 0; op < w.g.nops; op++) {
		struct ir_band_split bs;
		if (!ir_band_split_find(&w.g, op, 4, &bs))
			continue;
		struct diags err = {0};
		ASSERT_EQ(wl_band_split(&w, &bs, &err), 0);
		diag_print(&err, stderr);
		diag_free(&err);
		op = bs.op + 3 + (bs.q * bs.rows > bs.extent) - 1; /* the loop's ++ makes it the next op */
		steps++;
	}
	/* c: 10 wide, 4 bands of 3 (a wider output); d: 4 wide, 4 bands of 1 */
	static const char *const names[] = {"c.bands", "c", "c.wide", "y.unbands", "d.bands", "d", "d.unbands"};
	ASSERT(steps == 2 && w.g.nops == 7);
	for (int i = 0; i < 7 && i < w.g.nops; i++) {
		ASSERT_STR(w.g.op[i].name, names[i]);
		ASSERT_EQ(w.op_at[i].line, i < 4 ? line_c : line_d);
	}
	ASSERT(w.g.ntensors == nt + 5 && ir_tensor_lookup(&w.g, "d") == out);
	int xb = ir_tensor_lookup(&w.g, "c.bands");
	ASSERT(w.g.tensor[xb].shape[2] == 1 * (3 - 1) + 2 + 1 && w.g.tensor[xb].shape[3] == 4); /* s(q - 1) + span + 1 */
	ASSERT_STR(w.g.tensor[xb].layout, "NHWRC");
	ASSERT(w.g.tensor[ir_tensor_lookup(&w.g, "c.wide")].shape[2] == 12 &&
	       w.g.tensor[ir_tensor_lookup(&w.g, "d.banded")].shape[2] == 1);
	check_valid(&w.g);
	for (int t = nt; t < w.g.ntensors; t++)
		ASSERT(w.init[t].kind == WL_INIT_NONE && !w.data[t] && w.tensor_at[t].line > 0);
	run_workload(&w, after);
	ASSERT_EQ(differ(&w.g.tensor[out], &before[out], &after[out]), 0);
	free_values(before, nt);
	free_values(after, w.g.ntensors);
	wl_free(&w);
}

/* Each name the split would give, taken by a tensor (or, the last, by an
 * op): nothing changes. */
static void check_taken(void)
{
	static const char *const taken[] = {"c.bands", "c.banded", "c.wide", "y.unbands"};
	for (int k = 0; k < 4; k++) {
		char yaml[1024], line[128];
		snprintf(line, sizeof line, k < 3 ? "  - {name: %s, shape: [2], dtype: int8}\n" : "  - {name: %s, op: copy, a: d}\n",
			 taken[k]);
		snprintf(yaml, sizeof yaml, "%s%s%s%s", chain_tensors, k < 3 ? line : "", chain_ops, k < 3 ? "" : line);
		struct wl_workload w;
		load(&w, yaml);
		struct ir_band_split bs;
		ASSERT(ir_band_split_find(&w.g, 0, 4, &bs));
		struct ir_graph copy;
		ASSERT_EQ(ir_graph_copy(&copy, &w.g), 0);
		struct diags err = {0};
		ASSERT(wl_band_split(&w, &bs, &err) == 1 && err.n == 0);
		ASSERT(w.g.nops == copy.nops && w.g.ntensors == copy.ntensors &&
		       !memcmp(w.g.op, copy.op, (size_t)copy.nops * sizeof *copy.op) &&
		       !memcmp(w.g.tensor, copy.tensor, (size_t)copy.ntensors * sizeof *copy.tensor));
		/* the graph's own check: an error, and the graph as it was */
		ASSERT_EQ(ir_band_split_apply(&w.g, &bs, "c.bands", "c.banded", "c.wide", &err), -1);
		ASSERT(err.n == 1 && w.g.nops == copy.nops && w.g.ntensors == copy.ntensors);
		diag_free(&err);
		ir_graph_free(&copy);
		wl_free(&w);
	}
}

int main(void)
{
	for (int i = 0; i < 320; i++)
		check_random(i);
	for (size_t i = 0; i < sizeof hands / sizeof *hands; i++)
		check_hand(&hands[i]);
	printf("%d ops, %d banded: %d with a wider output, %d strided, %d NCHW, %d with a bias moved, %d max pools\n",
	       cases, found, sliced, strided, nchw_found, shifted_bias, pools);
	ASSERT(found >= 200 && sliced > 0 && strided > 0 && nchw_found > 0 && shifted_bias > 0 && pools >= 25);
	check_chain();
	check_taken();
	return test_done("band_split");
}
