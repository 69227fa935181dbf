/* quant/fit: int8 weights fitted to what the quantized model feeds them
 * (`--weights fit`, docs/quantize.md).  Layer by layer, in the graph's
 * order, each quantized Conv and MatMul takes
 *
 *   W' = argmin |W' X_q + b' − Y|² + λ |W' − W|²
 *
 * X_q: its input as the quantized model computes it, the layers before it
 * already fitted; Y = W X + b: the float layer's output on the float
 * model's input; λ: 0.01 of the mean of diag(X_q X_qᵀ).  W' is then rounded
 * to nearest on its own per-channel scale, and b' refitted to the rounded
 * weights (the mean residual).  Each layer so takes back the error of the
 * quantized layers before it, which bias correction only does on average.
 *
 * Both models run op by op over the calibration files, each file's live
 * tensors kept between layers, so that every op runs once per file.  The
 * normal equations are accumulated with BLAS (X_qᵀX_q by dsyrk, YᵀX_q by
 * dgemm) and solved by LAPACK's Cholesky (dposv). */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant_int.h"
#include "base/alloc.h"
#include "base/value.h"
#include "compiler/compile.h"

enum {
	FIT_MAX_SHAPES = 4,                     /* distinct calibration shapes, each with its own runs */
	FIT_ROWS = 1024,                        /* positions per BLAS update */
};
#define FIT_MAX_GRAM_BYTES ((size_t)2 << 30)  /* the normal equations of every layer, at most */
#define FIT_MAX_SAVED_BYTES ((size_t)4 << 30) /* the calibration files' live tensors, kept between layers */

/* One quantized node and its normal equations, per group:
 * h (K+1)² = Σ x̃ x̃ᵀ (x̃ = [x_q, 1]), c og × (K+1) = Σ y x̃ᵀ. */
struct layer {
	size_t node;
	const Onnx__TensorProto *w, *b;
	bool conv;
	int64_t out, groups, k;                  /* output channels, groups, taps of an output channel */
	int64_t kh, kw, sh, sw, dh, dw, pt, pl;  /* a Conv's window (1-D: kh = 1) */
	char *xq;                                /* "X/q": its input in the quantized model */
	const char *y;                           /* its output in the float model */
	struct qz_act xa;
	double *h, *c;
	float *wfit, *bfit;
	bool windowed;                           /* a Conv's window worked out (from the first file's shapes) */
	bool fitted;
};

/* Where each tensor of a run's graph lives: its first writer (-1: a graph
 * input; the op count: none) and its last reader (-1: none). */
struct spans {
	int *first_write, *last_read;
};

/* The two models' runs for one calibration shape. */
struct runs {
	char dims[256];
	struct qz_run q, f;
	struct spans sq, sf;
	int owner_q, owner_f; /* the file whose tensors the buffers hold, or -1 */
};

/* A calibration file, with the ops each model has run on it and the
 * tensors that are live there (per tensor, or NULL). */
struct file {
	struct npy x;
	struct runs *r;
	int at_q, at_f;
	uint8_t **saved_q, **saved_f;
};

struct fit {
	const struct qz_model *m;
	const struct qz_options *o;
	const struct qz_range *ranges;
	int nranges;
	struct layer *l;
	int nl;
	struct runs runs[FIT_MAX_SHAPES];
	int nruns;
	struct file *files;
	struct qz_fitted *fitted;
	uint8_t *fbytes;
	size_t flen;
	size_t saved_bytes;
	struct diags *err;
};

/* ---- the layers ---- */

/* A 1-D or 2-D Conv's window from its attributes and its input and output
 * heights and widths (auto_pad's padding is worked out from them); false
 * when a stride or dilation is not positive. */
static bool conv_window(struct layer *L, const Onnx__NodeProto *n, int64_t ih, int64_t iw, int64_t oh, int64_t ow)
{
	const Onnx__TensorProto *w = L->w;
	bool one = w->n_dims == 3; /* 1-D: the height is 1 */
	L->kh = one ? 1 : w->dims[2], L->kw = w->dims[one ? 2 : 3];
	L->sh = one ? 1 : qz_attr_int(n, "strides", 0, 1), L->sw = qz_attr_int(n, "strides", one ? 0 : 1, 1);
	L->dh = one ? 1 : qz_attr_int(n, "dilations", 0, 1), L->dw = qz_attr_int(n, "dilations", one ? 0 : 1, 1);
	L->pt = one ? 0 : qz_attr_int(n, "pads", 0, 0), L->pl = qz_attr_int(n, "pads", one ? 0 : 1, 0);
	const Onnx__AttributeProto *ap = qz_attr(n, "auto_pad");
	const char *mode = ap && ap->s.len ? (const char *)ap->s.data : "NOTSET";
	size_t len = ap ? ap->s.len : 6;
	if (!strncmp(mode, "SAME_UPPER", len) || !strncmp(mode, "SAME_LOWER", len)) {
		int64_t th = (oh - 1) * L->sh + (L->kh - 1) * L->dh + 1 - ih, tw = (ow - 1) * L->sw + (L->kw - 1) * L->dw + 1 - iw;
		th = th > 0 ? th : 0, tw = tw > 0 ? tw : 0;
		bool upper = !strncmp(mode, "SAME_UPPER", len);
		L->pt = upper ? th / 2 : th - th / 2, L->pl = upper ? tw / 2 : tw - tw / 2;
	} else if (!strncmp(mode, "VALID", len))
		L->pt = L->pl = 0;
	return L->sh > 0 && L->sw > 0 && L->dh > 0 && L->dw > 0;
}

/* The quantized nodes (both values calibrated), in the graph's order. */
static int find_layers(struct fit *F)
{
	const Onnx__GraphProto *g = F->m->g;
	if (!(F->l = try_calloc(g->n_node + 1, sizeof *F->l)))
		return diag_nomem(F->err, F->m->path, g->n_node * sizeof *F->l, "the layers to fit");
	for (size_t k = 0; k < g->n_node; k++) {
		const Onnx__NodeProto *n = g->node[k];
		struct layer L = {.node = k};
		const struct qz_range *x, *y;
		if (!qz_quantizable(F->m, n, &L.w, &L.b) || !(x = qz_range_of(F->ranges, F->nranges, n->input[0])) ||
		    !(y = qz_range_of(F->ranges, F->nranges, n->output[0])) || !x->seen || !y->seen)
			continue;
		L.conv = !strcmp(n->op_type, "Conv");
		if (L.conv && L.w->n_dims != 3 && L.w->n_dims != 4)
			continue; /* 3-D: rounded as without the fit */
		L.groups = L.conv ? qz_conv_groups(n) : 1;
		L.out = L.w->dims[L.conv ? 0 : 1];
		int64_t n_w = 1;
		for (size_t d = 0; d < L.w->n_dims; d++)
			n_w *= L.w->dims[d];
		L.k = n_w / L.out;
		if (L.groups < 1 || L.out % L.groups)
			continue;
		L.y = n->output[0];
		L.xa = qz_act_params(x, F->o->activation_bits);
		if (!(L.xq = try_asprintf("%s/q", n->input[0])))
			return diag_nomem(F->err, F->m->path, 0, "a value's name");
		F->l[F->nl++] = L;
	}
	return 0;
}

/* The normal equations of every layer, or an error when they would take
 * more than FIT_MAX_GRAM_BYTES. */
static int alloc_grams(struct fit *F)
{
	size_t total = 0;
	for (int i = 0; i < F->nl; i++) {
		const struct layer *L = &F->l[i];
		size_t k1 = (size_t)L->k + 1;
		total += ((size_t)L->groups * k1 * k1 + (size_t)L->out * k1) * sizeof(double);
	}
	if (total > FIT_MAX_GRAM_BYTES) {
		diag_add(F->err, F->m->path, 0, 0, "fitting the weights needs %.1f GiB for the layers' normal equations; at most "
			 "%.0f GiB is supported (quantize without --weights fit)", (double)total / (1 << 30),
			 (double)FIT_MAX_GRAM_BYTES / (1 << 30));
		return -1;
	}
	for (int i = 0; i < F->nl; i++) {
		struct layer *L = &F->l[i];
		size_t k1 = (size_t)L->k + 1;
		if (!(L->h = try_calloc((size_t)L->groups * k1 * k1, sizeof *L->h)) ||
		    !(L->c = try_calloc((size_t)L->out * k1, sizeof *L->c)))
			return diag_nomem(F->err, F->m->path, k1 * k1 * sizeof *L->h, "the normal equations");
	}
	return 0;
}

/* ---- running the models op by op ---- */

/* Run r's spans (struct spans); 0, or -1 when they cannot be allocated. */
static int spans_init(struct fit *F, const struct qz_run *r, struct spans *s)
{
	const struct ir_graph *g = &r->w.g;
	size_t n = (size_t)g->ntensors + 1;
	if (!(s->first_write = try_malloc(n * sizeof *s->first_write)) || !(s->last_read = try_malloc(n * sizeof *s->last_read)))
		return diag_nomem(F->err, F->m->path, 2 * n * sizeof *s->first_write, "the tensors' spans");
	for (int t = 0; t < g->ntensors; t++)
		s->first_write[t] = g->tensor[t].kind == IR_TENSOR_INPUT ? -1 : g->nops, s->last_read[t] = -1;
	for (int op = 0; op < g->nops; op++) {
		const struct ir_op *o = &g->op[op];
		if (s->first_write[o->out.tensor] > op)
			s->first_write[o->out.tensor] = op;
		for (int i = 0; i < o->nin; i++)
			s->last_read[o->in[i].tensor] = op;
		for (int e = 0; e < o->nepilogues; e++)
			if (o->epilogue[e].kind == IR_EP_BIAS)
				s->last_read[o->epilogue[e].tensor] = op;
	}
	return 0;
}

static void spans_free(struct spans *s)
{
	free(s->first_write);
	free(s->last_read);
	*s = (struct spans){0};
}

/* Whether tensor t of run r holds a value at op `at` (a graph input, or
 * written by an op before) that an op at `at` or after reads: one to keep.
 * Constants stay in the buffers. */
static bool live(const struct qz_run *r, const struct spans *s, int t, int at)
{
	return r->w.g.tensor[t].kind != IR_TENSOR_WEIGHT && s->first_write[t] < at && s->last_read[t] >= at;
}

static void drop_saved(struct fit *F, const struct qz_run *r, uint8_t **saved)
{
	for (int t = 0; saved && t < r->w.g.ntensors; t++) {
		if (saved[t])
			F->saved_bytes -= wl_tensor_bytes(&r->w, t);
		free(saved[t]);
		saved[t] = NULL;
	}
}

/* Runs ops [*at, to) of run r on file f (index fi), its live tensors
 * brought back first when another file ran since, and kept after. */
static int advance(struct fit *F, struct qz_run *r, const struct spans *s, int *owner, int fi, int *at,
		   uint8_t ***saved, int to)
{
	const struct file *f = &F->files[fi];
	const struct ir_graph *g = &r->w.g;
	if (to <= *at && *owner == fi)
		return 0;
	if (!*saved && !(*saved = try_calloc((size_t)g->ntensors + 1, sizeof **saved)))
		return diag_nomem(F->err, F->m->path, (size_t)g->ntensors * sizeof **saved, "the live tensors");
	if (*owner != fi)
		for (int t = 0; t < g->ntensors; t++)
			if ((*saved)[t])
				memcpy(r->t[t], (*saved)[t], wl_tensor_bytes(&r->w, t));
	*owner = fi;
	if (*at == 0) {
		int t = ir_tensor_lookup(g, F->m->input->name);
		if (t < 0 || wl_tensor_bytes(&r->w, t) != f->x.bytes)
			return diag_add(F->err, F->m->path, 0, 0, "graph input '%s' does not take a calibration sample's bytes",
					F->m->input->name), -1;
		memcpy(r->t[t], f->x.data, f->x.bytes);
	}
	for (; *at < to; (*at)++)
		if (host_run_op(r->j, g, *at, (void *const *)r->t, F->err))
			return -1;
	drop_saved(F, r, *saved);
	for (int t = 0; F->o->ncalibrate > 1 && t < g->ntensors; t++) /* one file: its tensors stay in the buffers */
		if (live(r, s, t, *at)) {
			size_t n = wl_tensor_bytes(&r->w, t);
			if ((F->saved_bytes += n) > FIT_MAX_SAVED_BYTES) {
				diag_add(F->err, F->m->path, 0, 0, "fitting the weights keeps every calibration file's live tensors "
					 "between layers: more than %.0f GiB for these %d files; give fewer or smaller files",
					 (double)FIT_MAX_SAVED_BYTES / (1 << 30), F->o->ncalibrate);
				F->saved_bytes -= n;
				return -1;
			}
			if (!((*saved)[t] = try_malloc(n ? n : 1))) {
				F->saved_bytes -= n;
				return diag_nomem(F->err, F->m->path, n, "a live tensor");
			}
			memcpy((*saved)[t], r->t[t], n);
		}
	return 0;
}

/* The op after the last that writes tensor `name` of run r, or -1. */
static int after_writer(const struct qz_run *r, const char *name)
{
	int t = ir_tensor_lookup(&r->w.g, name), at = -1;
	for (int op = 0; t >= 0 && op < r->w.g.nops; op++)
		if (r->w.g.op[op].out.tensor == t)
			at = op + 1;
	return at;
}

/* ---- the normal equations ---- */

/* Row p of a Conv's taps for group g at output (n, oy, ox) of X_q (NCHW,
 * dequantized), then 1. */
static void conv_row(const struct layer *L, const struct ir_tensor *xt, const uint8_t *xq, int64_t n, int64_t g,
		     int64_t oy, int64_t ox, double *row)
{
	int64_t C = xt->shape[1], H = xt->rank == 4 ? xt->shape[2] : 1, W = xt->shape[xt->rank - 1], cg = C / L->groups;
	int64_t k = 0;
	for (int64_t i = 0; i < cg; i++)
		for (int64_t a = 0; a < L->kh; a++)
			for (int64_t b = 0; b < L->kw; b++, k++) {
				int64_t y = oy * L->sh + a * L->dh - L->pt, x = ox * L->sw + b * L->dw - L->pl;
				double v = 0.0; /* padding: x − z is 0 */
				if (y >= 0 && y < H && x >= 0 && x < W) {
					int64_t at = ((n * C + g * cg + i) * H + y) * W + x;
					v = ((double)val_get_int(xq, xt->dtype, (uint64_t)at) - L->xa.zero) * L->xa.scale;
				}
				row[k] = v;
			}
	row[k] = 1.0;
}

/* Adds `rows` rows of x̃ (rows × (K+1)) and y (rows × og) to group g's equations. */
static void add_rows(struct layer *L, int64_t g, const double *x, const double *y, int rows)
{
	int k1 = (int)L->k + 1, og = (int)(L->out / L->groups);
	cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, k1, rows, 1.0, x, k1, 1.0, L->h + (size_t)g * k1 * k1, k1);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, og, k1, rows, 1.0, y, og, x, k1, 1.0,
		    L->c + (size_t)g * og * k1, k1);
}

/* A Conv's rows, group by group: X_q's taps at each output position and
 * y (N, O, (OH,) OW) there. */
static void conv_rows(struct layer *L, const struct ir_tensor *xt, const uint8_t *xq, const struct ir_tensor *yt,
		      const float *y, double *x, double *yr)
{
	int k1 = (int)L->k + 1, og = (int)(L->out / L->groups);
	int64_t N = yt->shape[0], OH = yt->rank == 4 ? yt->shape[2] : 1, OW = yt->shape[yt->rank - 1];
	for (int64_t g = 0; g < L->groups; g++) {
		int rows = 0;
		for (int64_t n = 0; n < N; n++)
			for (int64_t oy = 0; oy < OH; oy++)
				for (int64_t ox = 0; ox < OW; ox++) {
					conv_row(L, xt, xq, n, g, oy, ox, x + (size_t)rows * k1);
					for (int o = 0; o < og; o++)
						yr[(size_t)rows * og + o] = y[((n * L->out + g * og + o) * OH + oy) * OW + ox];
					if (++rows == FIT_ROWS)
						add_rows(L, g, x, yr, rows), rows = 0;
				}
		if (rows)
			add_rows(L, g, x, yr, rows);
	}
}

/* A MatMul's rows: x [.., K] and y [.., N] (ny values) row by row. */
static void matmul_rows(struct layer *L, const struct ir_tensor *xt, const uint8_t *xq, const float *y, int64_t ny,
			double *x, double *yr)
{
	int k1 = (int)L->k + 1, rows = 0;
	for (int64_t r = 0; r < ny / L->out; r++) {
		for (int64_t k = 0; k < L->k; k++)
			x[(size_t)rows * k1 + k] =
				((double)val_get_int(xq, xt->dtype, (uint64_t)(r * L->k + k)) - L->xa.zero) * L->xa.scale;
		x[(size_t)rows * k1 + L->k] = 1.0;
		for (int64_t o = 0; o < L->out; o++)
			yr[(size_t)rows * L->out + o] = y[r * L->out + o];
		if (++rows == FIT_ROWS)
			add_rows(L, 0, x, yr, rows), rows = 0;
	}
	if (rows)
		add_rows(L, 0, x, yr, rows);
}

/* A Conv's window, from the first file's X_q and Y: 0, or -1 with an error. */
static int find_window(struct fit *F, struct layer *L, const struct ir_tensor *xt, const struct ir_tensor *yt)
{
	if (!L->conv || L->windowed)
		return 0;
	if (xt->rank != yt->rank || (xt->rank != 3 && xt->rank != 4) ||
	    !conv_window(L, F->m->g->node[L->node], xt->rank == 4 ? xt->shape[2] : 1, xt->shape[xt->rank - 1],
			 yt->rank == 4 ? yt->shape[2] : 1, yt->shape[yt->rank - 1])) {
		diag_add(F->err, F->m->path, 0, 0, "node '%s': its window is not one fitting reads", F->m->g->node[L->node]->name);
		return -1;
	}
	L->windowed = true;
	return 0;
}

/* One file's X_q (run q) and Y (run f) into layer L's equations. */
static int accumulate(struct fit *F, struct layer *L, const struct qz_run *q, const struct qz_run *f)
{
	const struct ir_tensor *xt = qz_run_tensor(q, L->xq), *yt = qz_run_tensor(f, L->y);
	int64_t ny;
	const float *y = qz_run_values(f, L->y, &ny);
	if (!xt || !yt || !y || (xt->dtype != DT_INT8 && xt->dtype != DT_UINT8 && xt->dtype != DT_INT16)) {
		diag_add(F->err, F->m->path, 0, 0, "the values '%s' and '%s' of node '%s' are not what fitting reads", L->xq,
			 L->y, F->m->g->node[L->node]->name);
		return -1;
	}
	if (find_window(F, L, xt, yt))
		return -1;
	const uint8_t *xq = q->t[ir_tensor_lookup(&q->w.g, L->xq)];
	int k1 = (int)L->k + 1, og = (int)(L->out / L->groups);
	double *x = try_calloc((size_t)FIT_ROWS * k1, sizeof *x), *yr = try_calloc((size_t)FIT_ROWS * og, sizeof *yr);
	int rc = x && yr ? 0 : diag_nomem(F->err, F->m->path, (size_t)FIT_ROWS * k1 * sizeof *x, "the rows to fit");
	if (!rc && L->conv)
		conv_rows(L, xt, xq, yt, y, x, yr);
	else if (!rc)
		matmul_rows(L, xt, xq, y, ny, x, yr);
	free(x);
	free(yr);
	return rc;
}

/* Output channel o's weights (K of them) in W's layout: a Conv's are
 * contiguous, a MatMul's [K, N] a column. */
static float *weight_at(const struct layer *L, float *w, int64_t o, int64_t k)
{
	return L->conv ? &w[o * L->k + k] : &w[k * L->out + o];
}

/* Group g's weights solved from its equations into L->wfit (w: the float
 * weights the ridge pulls towards; a, rhs: scratch); false, the weights
 * left as they are, when it has no data or the solution is singular or
 * not finite (from values that are not). */
static bool solve_group(struct layer *L, int64_t g, const float *w, double *a, double *rhs)
{
	int k1 = (int)L->k + 1, og = (int)(L->out / L->groups);
	const double *h = L->h + (size_t)g * k1 * k1, *c = L->c + (size_t)g * og * k1;
	if (!(h[(size_t)(k1 - 1) * k1 + k1 - 1] > 0.0))
		return false;
	double mean = 0.0;
	for (int k = 0; k < k1 - 1; k++)
		mean += h[(size_t)k * k1 + k] / (k1 - 1);
	double lambda = 0.01 * mean;
	memcpy(a, h, (size_t)k1 * k1 * sizeof *a);
	for (int k = 0; k < k1 - 1; k++)
		a[(size_t)k * k1 + k] += lambda;
	for (int k = 0; k < k1; k++)
		for (int o = 0; o < og; o++)
			rhs[(size_t)k * og + o] =
				c[(size_t)o * k1 + k] + (k < k1 - 1 ? lambda * *weight_at(L, (float *)w, g * og + o, k) : 0.0);
	if (LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', k1, og, a, k1, rhs, og) != 0)
		return false;
	for (size_t i = 0; i < (size_t)k1 * og; i++)
		if (!isfinite(rhs[i]) || fabs(rhs[i]) >= 1e30)
			return false;
	for (int k = 0; k < k1 - 1; k++)
		for (int o = 0; o < og; o++)
			*weight_at(L, L->wfit, g * og + o, k) = (float)rhs[(size_t)k * og + o];
	return true;
}

/* Group g's bias refitted to the rounded weights q·ws: the mean residual
 * (b, the float bias, where the group has no data). */
static void refit_bias(struct layer *L, int64_t g, const int8_t *q, const float *ws, const float *b)
{
	int k1 = (int)L->k + 1, og = (int)(L->out / L->groups);
	const double *h = L->h + (size_t)g * k1 * k1, *c = L->c + (size_t)g * og * k1;
	double count = h[(size_t)(k1 - 1) * k1 + k1 - 1];
	for (int o = 0; o < og; o++) {
		int64_t oc = g * og + o;
		double s = c[(size_t)o * k1 + k1 - 1];
		for (int k = 0; k < k1 - 1; k++)
			s -= (double)q[weight_at(L, L->wfit, oc, k) - L->wfit] * ws[oc] * h[(size_t)k * k1 + k1 - 1];
		L->bfit[oc] = count > 0.0 ? (float)(s / count) : b ? b[oc] : 0.0f;
	}
}

/* Solves layer L's equations, rounds, refits the bias: L->wfit, L->bfit.
 * A group that cannot be solved keeps its weights (fitted false). */
static int solve(struct fit *F, struct layer *L)
{
	int64_t nw, nb = L->out;
	float *owned_w = NULL, *owned_b = NULL;
	const float *w = qz_floats(L->w, &nw, &owned_w);
	const float *b = L->b ? qz_floats(L->b, &nb, &owned_b) : NULL;
	int k1 = (int)L->k + 1, og = (int)(L->out / L->groups);
	double *a = try_malloc((size_t)k1 * k1 * sizeof *a), *rhs = try_malloc((size_t)k1 * og * sizeof *rhs);
	float *ws = try_calloc((size_t)L->out + 1, sizeof *ws);
	int8_t *q = try_malloc((size_t)nw + 1);
	L->wfit = try_malloc((size_t)nw * sizeof *L->wfit + 1), L->bfit = try_calloc((size_t)L->out + 1, sizeof *L->bfit);
	int rc = 0;
	if (!w || (L->b && !b) || !a || !rhs || !ws || !q || !L->wfit || !L->bfit)
		rc = diag_nomem(F->err, F->m->path, (size_t)k1 * k1 * sizeof *a, "the fit of node '%s'", F->m->g->node[L->node]->name);
	if (!rc) {
		memcpy(L->wfit, w, (size_t)nw * sizeof *w);
		L->fitted = true;
		for (int64_t g = 0; g < L->groups; g++)
			L->fitted &= solve_group(L, g, w, a, rhs);
		qz_round_weights(L->wfit, nw, L->out, L->conv ? 0 : 1, ws, q);
		for (int64_t g = 0; g < L->groups; g++)
			refit_bias(L, g, q, ws, b);
	}
	free(owned_w);
	free(owned_b);
	free(a);
	free(rhs);
	free(ws);
	free(q);
	return rc;
}

/* ---- the pipeline ---- */

/* The runs of a calibration shape (opened once). */
static struct runs *runs_for(struct fit *F, const char *dims, const uint8_t *qbytes, size_t qlen)
{
	for (int i = 0; i < F->nruns; i++)
		if (!strcmp(F->runs[i].dims, dims))
			return &F->runs[i];
	if (F->nruns == FIT_MAX_SHAPES) {
		diag_add(F->err, F->m->path, 0, 0, "the calibration files have more than %d shapes; fitting the weights takes at "
			 "most %d", FIT_MAX_SHAPES, FIT_MAX_SHAPES);
		return NULL;
	}
	struct runs *r = &F->runs[F->nruns++];
	snprintf(r->dims, sizeof r->dims, "%s", dims);
	r->owner_q = r->owner_f = -1;
	if (qz_run_open(&r->q, qbytes, qlen, F->m->path, dims, F->err) ||
	    qz_run_open(&r->f, F->fbytes, F->flen, F->m->path, dims, F->err) || spans_init(F, &r->q, &r->sq) ||
	    spans_init(F, &r->f, &r->sf))
		return NULL;
	return r;
}

/* The quantized model's constants made again from the weights fitted so
 * far, into every run's buffers (its ops and other tensors stay). */
static int refresh_constants(struct fit *F)
{
	struct qz_report scratch = {0};
	size_t len;
	uint8_t *bytes = qz_write_qdq(F->m, F->ranges, F->nranges, F->o->activation_bits, F->fitted, &scratch, &len, F->err);
	int rc = bytes ? 0 : -1;
	for (int i = 0; !rc && i < F->nruns; i++) {
		struct qz_run *r = &F->runs[i].q;
		struct wl_workload w;
		if (wl_load_onnx_bytes(bytes, len, F->m->path, F->runs[i].dims[0] ? F->runs[i].dims : NULL, &w, F->err)) {
			rc = -1;
			break;
		}
		if (w.g.ntensors != r->w.g.ntensors) {
			diag_add(F->err, F->m->path, 0, 0, "internal error: the refitted model imports to another graph");
			rc = -1;
		}
		for (int t = 0; !rc && t < w.g.ntensors; t++)
			if (w.g.tensor[t].kind == IR_TENSOR_WEIGHT && wl_tensor_bytes(&w, t) == wl_tensor_bytes(&r->w, t))
				wl_tensor_fill(&w, t, r->t[t]);
		wl_free(&w);
	}
	free(bytes);
	return rc;
}

/* Layer i: every file's X_q and Y into its equations, then its fit. */
static int fit_layer(struct fit *F, int i)
{
	struct layer *L = &F->l[i];
	for (int fi = 0; fi < F->o->ncalibrate; fi++) {
		struct file *f = &F->files[fi];
		struct runs *r = f->r;
		int cq = after_writer(&r->q, L->xq), cf = after_writer(&r->f, L->y);
		if (cq < 0 || cf < 0)
			return diag_add(F->err, F->m->path, 0, 0, "node '%s': its values '%s' and '%s' are not in the models",
					F->m->g->node[L->node]->name, L->xq, L->y), -1;
		if (advance(F, &r->q, &r->sq, &r->owner_q, fi, &f->at_q, &f->saved_q, cq) ||
		    advance(F, &r->f, &r->sf, &r->owner_f, fi, &f->at_f, &f->saved_f, cf) || accumulate(F, L, &r->q, &r->f))
			return -1;
	}
	if (solve(F, L))
		return -1;
	F->fitted[L->node] = (struct qz_fitted){L->wfit, L->bfit};
	return refresh_constants(F);
}

static void fit_free(struct fit *F)
{
	for (int fi = 0; F->files && fi < F->o->ncalibrate; fi++) {
		struct file *f = &F->files[fi];
		if (f->r) {
			drop_saved(F, &f->r->q, f->saved_q);
			drop_saved(F, &f->r->f, f->saved_f);
		}
		free(f->saved_q);
		free(f->saved_f);
		npy_free(&f->x);
	}
	free(F->files);
	for (int i = 0; i < F->nruns; i++) {
		qz_run_close(&F->runs[i].q);
		qz_run_close(&F->runs[i].f);
		spans_free(&F->runs[i].sq);
		spans_free(&F->runs[i].sf);
	}
	for (int i = 0; i < F->nl; i++) {
		free(F->l[i].xq);
		free(F->l[i].h);
		free(F->l[i].c);
	}
	free(F->l);
	free(F->fbytes);
}

void qz_fitted_free(struct qz_fitted *fitted, size_t n)
{
	for (size_t k = 0; fitted && k < n; k++) {
		free(fitted[k].w);
		free(fitted[k].b);
	}
	free(fitted);
}

int qz_fit(const struct qz_model *m, const struct qz_options *o, const struct qz_range *ranges, int n,
	   struct qz_fitted **fitted, int *nfitted, struct diags *err)
{
	struct fit F = {.m = m, .o = o, .ranges = ranges, .nranges = n, .err = err};
	*fitted = NULL, *nfitted = 0;
	uint8_t *qbytes = NULL;
	size_t qlen = 0;
	struct qz_report scratch = {0};
	int rc = find_layers(&F) || alloc_grams(&F) ? -1 : 0;
	if (!rc && (!(F.fitted = try_calloc(m->g->n_node + 1, sizeof *F.fitted)) ||
		    !(F.files = try_calloc((size_t)o->ncalibrate + 1, sizeof *F.files))))
		rc = diag_nomem(err, m->path, m->g->n_node * sizeof *F.fitted, "the fitted weights");
	if (!rc && (!(F.fbytes = qz_calibration_model(m, ranges, n, &F.flen, err)) ||
		    !(qbytes = qz_write_qdq(m, ranges, n, o->activation_bits, NULL, &scratch, &qlen, err))))
		rc = -1;
	for (int fi = 0; !rc && fi < o->ncalibrate; fi++) {
		char dims[256];
		struct file *f = &F.files[fi];
		if (qz_sample_read(m, o->calibrate[fi], &f->x, dims, sizeof dims, err) || !(f->r = runs_for(&F, dims, qbytes, qlen)))
			rc = -1;
	}
	for (int i = 0; !rc && i < F.nl; i++)
		rc = fit_layer(&F, i);
	for (int i = 0; !rc && i < F.nl; i++)
		*nfitted += F.l[i].fitted;
	if (rc) {
		for (int i = 0; i < F.nl; i++)
			if (!F.fitted || !F.fitted[F.l[i].node].w) {
				free(F.l[i].wfit);
				free(F.l[i].bfit);
			}
		qz_fitted_free(F.fitted, m->g->n_node);
		F.fitted = NULL;
	}
	*fitted = F.fitted;
	free(qbytes);
	fit_free(&F);
	return rc;
}
