/* quant/qdq: the quantized model in the QDQ form.  For each quantizable
 * node with calibrated ranges:
 *
 *   X ─ QuantizeLinear ─ X/q ─ DequantizeLinear ─┐      (X/q shared, a DQ per reader)
 *   W/q (int8, a scale per output channel) ─ DQ ─┼─ Conv ─ Y/float ─ Q ─ Y/q ─ DQ ─ Y
 *   B/q (int32, scale x_scale·w_scale)     ─ DQ ─┘
 *
 * so every reader of Y, and the graph's outputs, see the dequantized
 * value, and a quantized node reading Y gets its own DequantizeLinear of
 * Y/q.  Activations are int8 with a zero point (the calibrated range
 * widened to hold 0, split into 255 steps); weights are symmetric int8
 * (max |w| / 127 per output channel: axis 0 of a Conv's weight, axis 1 of a
 * MatMul's); values round to nearest, ties to even, as onnxruntime's own
 * quantizer rounds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant_int.h"
#include "base/alloc.h"

/* Everything the new graph's messages point into, freed together. */
struct pool {
	void **p;
	size_t n;
	bool failed;
};

static void *pool_add(struct pool *P, void *p)
{
	if (!p || try_resize(&P->p, P->n + 1, sizeof *P->p)) {
		free(p);
		P->failed = true;
		return NULL;
	}
	return P->p[P->n++] = p;
}

static void *pool_calloc(struct pool *P, size_t n, size_t size)
{
	return pool_add(P, try_calloc(n ? n : 1, size));
}

static char *pool_name(struct pool *P, const char *a, const char *b)
{
	return pool_add(P, try_asprintf("%s%s", a, b));
}

static void pool_free(struct pool *P)
{
	for (size_t i = 0; i < P->n; i++)
		free(P->p[i]);
	free(P->p);
}

struct qdq {
	const struct qz_model *m;
	const struct qz_range *ranges;
	int nranges;
	int bits;                /* of the activations: 8 or 16 */
	const char *act_domain;  /* of their Q/DQ nodes: onnxruntime's com.microsoft for 16 bits before opset 21 */
	struct pool P;
	Onnx__NodeProto **node;
	size_t nnode, node_cap;
	Onnx__TensorProto **init;
	size_t ninit, init_cap;
	const struct qz_fitted *fitted; /* per node of the graph, or NULL */
	const char **quantized; /* values whose "/q" exists */
	size_t nquantized, quantized_cap;
	bool *rewritten;        /* per node of the graph */
};

static bool add_ptr(struct qdq *Q, void ***v, size_t *n, size_t *cap, void *p)
{
	if (!p)
		return false;
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		if (try_resize(v, c, sizeof **v)) {
			Q->P.failed = true;
			return false;
		}
		*cap = c;
	}
	(*v)[(*n)++] = p;
	return true;
}

static bool emit(struct qdq *Q, Onnx__NodeProto *n)
{
	return add_ptr(Q, (void ***)&Q->node, &Q->nnode, &Q->node_cap, n);
}

/* An initializer of `dtype` and shape, its bytes copied. */
static bool initializer(struct qdq *Q, const char *name, int32_t dtype, size_t rank, const int64_t *dims,
			const void *data, size_t bytes)
{
	Onnx__TensorProto *t = pool_calloc(&Q->P, 1, sizeof *t);
	int64_t *d = pool_calloc(&Q->P, rank, sizeof *d);
	uint8_t *b = pool_calloc(&Q->P, bytes, 1);
	if (!t || !d || !b)
		return false;
	*t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
	t->name = (char *)name;
	t->has_data_type = true, t->data_type = dtype;
	if (rank)
		memcpy(d, dims, rank * sizeof *d);
	t->n_dims = rank, t->dims = d;
	memcpy(b, data, bytes);
	t->has_raw_data = true, t->raw_data = (ProtobufCBinaryData){bytes, b};
	return add_ptr(Q, (void ***)&Q->init, &Q->ninit, &Q->init_cap, t);
}

/* A QuantizeLinear or DequantizeLinear node (axis >= 0: per channel) of
 * `domain` (NULL: the default). */
static bool qdq_node(struct qdq *Q, const char *op, const char *x, const char *scale, const char *zero, const char *y,
		     int64_t axis, const char *domain)
{
	Onnx__NodeProto *n = pool_calloc(&Q->P, 1, sizeof *n);
	char **in = pool_calloc(&Q->P, 3, sizeof *in), **out = pool_calloc(&Q->P, 1, sizeof *out);
	Onnx__AttributeProto *a = pool_calloc(&Q->P, 1, sizeof *a), **as = pool_calloc(&Q->P, 1, sizeof *as);
	char *name = pool_name(&Q->P, y, !strcmp(op, "QuantizeLinear") ? "/quantize" : "/dequantize");
	if (!n || !in || !out || !a || !as || !name)
		return false;
	*n = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
	n->op_type = (char *)op, n->name = name, n->domain = (char *)domain;
	in[0] = (char *)x, in[1] = (char *)scale, in[2] = (char *)zero;
	out[0] = (char *)y;
	n->n_input = 3, n->input = in, n->n_output = 1, n->output = out;
	if (axis >= 0) {
		*a = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
		a->name = "axis", a->has_type = true, a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
		a->has_i = true, a->i = axis;
		as[0] = a;
		n->n_attribute = 1, n->attribute = as;
	}
	return emit(Q, n);
}

/* ---- activations ---- */

static bool is_quantized(const struct qdq *Q, const char *v)
{
	for (size_t i = 0; i < Q->nquantized; i++)
		if (!strcmp(Q->quantized[i], v))
			return true;
	return false;
}

/* V/q, V's scale V/scale and zero point V/zero_point, once per value. */
static bool quantize_value(struct qdq *Q, const char *v, const char *from)
{
	if (is_quantized(Q, v))
		return true;
	struct qz_act a = qz_act_params(qz_range_of(Q->ranges, Q->nranges, v), Q->bits);
	char *s = pool_name(&Q->P, v, "/scale"), *z = pool_name(&Q->P, v, "/zero_point"), *q = pool_name(&Q->P, v, "/q");
	int8_t z8 = (int8_t)a.zero;
	int16_t z16 = (int16_t)a.zero;
	bool wide = Q->bits == 16;
	if (!s || !z || !q || !initializer(Q, s, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL, &a.scale, 4) ||
	    !initializer(Q, z, wide ? ONNX__TENSOR_PROTO__DATA_TYPE__INT16 : ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 0, NULL,
			 wide ? (const void *)&z16 : (const void *)&z8, wide ? 2 : 1) ||
	    !qdq_node(Q, "QuantizeLinear", from, s, z, q, -1, Q->act_domain) ||
	    !add_ptr(Q, (void ***)&Q->quantized, &Q->nquantized, &Q->quantized_cap, (void *)v))
		return false;
	return true;
}

/* A DequantizeLinear of V/q named `out`. */
static bool dequantize_value(struct qdq *Q, const char *v, const char *out)
{
	char *s = pool_name(&Q->P, v, "/scale"), *z = pool_name(&Q->P, v, "/zero_point"), *q = pool_name(&Q->P, v, "/q");
	return s && z && q && qdq_node(Q, "DequantizeLinear", q, s, z, out, -1, Q->act_domain);
}

/* ---- weights and biases ---- */

/* Bias correction (after Nagel et al., "Data-Free Quantization Through
 * Weight Equalization and Bias Correction", 2019): rounding the weights
 * and the input of output channel o moves its mean output by
 * sum (w_q - w) E[x] + w_q E[x_q - x] over the taps; the calibration
 * samples give each input channel's E[x] and E[x_q - x], and the bias takes
 * the shift back.  A Conv's weight [O, I/groups, taps...]. */
static void weight_shift(const Onnx__TensorProto *w, const float *v, const int8_t *q, const float *ws,
			 const struct qz_range *x, int64_t groups, double *delta)
{
	int64_t out = w->dims[0], per_group = w->dims[1], taps = 1;
	for (size_t d = 2; d < w->n_dims; d++)
		taps *= w->dims[d];
	if (!x || !x->sum || groups < 1 || out % groups || x->channels != per_group * groups)
		return;
	for (int64_t o = 0; o < out; o++) {
		int64_t first = o / (out / groups) * per_group;
		for (int64_t i = 0; i < per_group; i++)
			for (int64_t t = 0; t < taps; t++) {
				int64_t at = (o * per_group + i) * taps + t;
				double wq = (double)q[at] * ws[o];
				delta[o] += (wq - v[at]) * qz_range_mean(x, first + i) + wq * qz_range_shift(x, first + i);
			}
	}
}

void qz_round_weights(const float *v, int64_t n, int64_t channels, int axis, float *ws, int8_t *q)
{
	int64_t inner = axis == 0 ? n / (channels ? channels : 1) : 1, outer = axis == 0 ? 1 : n / (channels ? channels : 1);
	for (int64_t c = 0; c < channels; c++) {
		float mx = 0.0f;
		for (int64_t o = 0; o < outer; o++)
			for (int64_t i = 0; i < inner; i++)
				mx = fmaxf(mx, fabsf(v[axis == 0 ? c * inner + i : o * channels + c]));
		ws[c] = mx > 0.0f ? mx / 127.0f : 1.0f;
		for (int64_t o = 0; o < outer; o++)
			for (int64_t i = 0; i < inner; i++) {
				int64_t at = axis == 0 ? c * inner + i : o * channels + c;
				q[at] = (int8_t)fmaxf(-127.0f, fminf(127.0f, rintf(v[at] / ws[c])));
			}
	}
}

/* W/q and its scales (per output channel: `axis` 0 or 1 of W), then a
 * DequantizeLinear into `out`; the scales in ws (one per channel), and
 * for a Conv (axis 0) the shift of each channel's mean in delta.  fit:
 * the fitted weights to round in W's place (NULL: W's own), which need
 * no bias correction. */
static bool weight(struct qdq *Q, const Onnx__TensorProto *w, int axis, const char *out, float *ws,
		   const struct qz_range *x, int64_t groups, double *delta, const float *fit)
{
	int64_t n;
	float *owned;
	const float *v = qz_floats(w, &n, &owned);
	v = fit ? fit : v;
	int64_t channels = w->dims[axis];
	int8_t *q = try_malloc((size_t)n + 1);
	int8_t *zeros = try_calloc((size_t)channels + 1, 1);
	bool ok = v && q && zeros;
	if (ok)
		qz_round_weights(v, n, channels, axis, ws, q);
	if (ok && axis == 0 && !fit)
		weight_shift(w, v, q, ws, x, groups, delta);
	char *qn = pool_name(&Q->P, out, "/q"), *sn = pool_name(&Q->P, out, "/scale"), *zn = pool_name(&Q->P, out, "/zero_point");
	ok = ok && qn && sn && zn &&
	     initializer(Q, qn, ONNX__TENSOR_PROTO__DATA_TYPE__INT8, w->n_dims, w->dims, q, (size_t)n) &&
	     initializer(Q, sn, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, &channels, ws, (size_t)channels * 4) &&
	     initializer(Q, zn, ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 1, &channels, zeros, (size_t)channels) &&
	     qdq_node(Q, "DequantizeLinear", qn, sn, zn, out, axis, NULL);
	free(owned);
	free(q);
	free(zeros);
	return ok;
}

/* B/q (int32 at scale x_scale · w_scale[c]) of the bias b (NULL: zeros;
 * fit: the fitted bias in its place) less the weights' shift delta, and
 * its DequantizeLinear. */
static bool bias(struct qdq *Q, const Onnx__TensorProto *b, int64_t n, float xs, const float *ws, const double *delta,
		 const char *out, const float *fit)
{
	int64_t nb = n;
	float *owned = NULL;
	const float *v = fit ? fit : b ? qz_floats(b, &nb, &owned) : NULL;
	int32_t *q = try_calloc((size_t)n + 1, sizeof *q), *zeros = try_calloc((size_t)n + 1, sizeof *zeros);
	float *bs = try_calloc((size_t)n + 1, sizeof *bs);
	bool ok = (!b || (v && nb == n)) && q && zeros && bs;
	for (int64_t c = 0; ok && c < n; c++) {
		bs[c] = xs * ws[c];
		double r = rint(((v ? (double)v[c] : 0.0) - delta[c]) / (double)bs[c]);
		q[c] = (int32_t)fmax(-2147483648.0, fmin(2147483647.0, r));
	}
	char *qn = pool_name(&Q->P, out, "/q"), *sn = pool_name(&Q->P, out, "/scale"), *zn = pool_name(&Q->P, out, "/zero_point");
	ok = ok && qn && sn && zn &&
	     initializer(Q, qn, ONNX__TENSOR_PROTO__DATA_TYPE__INT32, 1, &n, q, (size_t)n * 4) &&
	     initializer(Q, sn, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, &n, bs, (size_t)n * 4) &&
	     initializer(Q, zn, ONNX__TENSOR_PROTO__DATA_TYPE__INT32, 1, &n, zeros, (size_t)n * 4) &&
	     qdq_node(Q, "DequantizeLinear", qn, sn, zn, out, 0, NULL);
	free(owned);
	free(q);
	free(zeros);
	free(bs);
	return ok;
}

/* ---- nodes ---- */

/* Whether anything but a node quantize rewrites (or a graph output) reads v. */
static bool read_as_float(const struct qdq *Q, const char *v)
{
	const Onnx__GraphProto *g = Q->m->g;
	if (!v)
		return true; /* nothing to tell it by: kept as it is */
	for (size_t i = 0; i < g->n_output; i++)
		if (!strcmp(g->output[i]->name, v))
			return true;
	for (size_t k = 0; k < g->n_node; k++) {
		const Onnx__NodeProto *n = g->node[k];
		for (size_t i = 0; i < n->n_input; i++)
			if (n->input[i] && !strcmp(n->input[i], v) && !Q->rewritten[k])
				return true;
		for (size_t a = 0; a < n->n_attribute; a++)
			if (n->attribute[a]->g || n->attribute[a]->n_graphs)
				return true; /* a subgraph may read it by name */
	}
	return false;
}

static bool rewrite_node(struct qdq *Q, size_t k, const Onnx__TensorProto *w, const Onnx__TensorProto *b)
{
	const Onnx__NodeProto *n = Q->m->g->node[k];
	const char *x = n->input[0], *y = n->output[0];
	bool conv = !strcmp(n->op_type, "Conv");
	int64_t channels = w->dims[conv ? 0 : 1];
	char tag[32];
	snprintf(tag, sizeof tag, "/dq%zu", k);
	char *xd = pool_name(&Q->P, x, tag), *wd = pool_name(&Q->P, n->input[1], tag);
	/* a Conv always gets a bias: its bias correction goes there */
	char *bd = conv ? pool_name(&Q->P, b ? n->input[2] : y, b ? tag : "/bias") : NULL, *yf = pool_name(&Q->P, y, "/float");
	float *ws = pool_calloc(&Q->P, (size_t)channels, sizeof *ws);
	double *delta = pool_calloc(&Q->P, (size_t)channels, sizeof *delta);
	Onnx__NodeProto *c = pool_calloc(&Q->P, 1, sizeof *c);
	char **in = pool_calloc(&Q->P, 3, sizeof *in), **out = pool_calloc(&Q->P, 1, sizeof *out);
	if (!xd || !wd || (conv && !bd) || !yf || !ws || !delta || !c || !in || !out)
		return false;
	const struct qz_range *xr = qz_range_of(Q->ranges, Q->nranges, x);
	struct qz_act xa = qz_act_params(xr, Q->bits);
	const struct qz_fitted *f = Q->fitted && Q->fitted[k].w ? &Q->fitted[k] : NULL;
	if (!quantize_value(Q, x, x) || !dequantize_value(Q, x, xd) ||
	    !weight(Q, w, conv ? 0 : 1, wd, ws, xr, qz_conv_groups(n), delta, f ? f->w : NULL) ||
	    (conv && !bias(Q, b, channels, xa.scale, ws, delta, bd, f ? f->b : NULL)))
		return false;
	*c = *n;
	in[0] = xd, in[1] = wd, in[2] = bd;
	out[0] = yf;
	c->n_input = conv ? 3 : 2;
	c->input = in, c->output = out;
	return emit(Q, c) && quantize_value(Q, y, yf) && (!read_as_float(Q, y) || dequantize_value(Q, y, (char *)y));
}

/* The original initializers but the float weights and biases only
 * rewritten nodes read. */
static bool keep_initializers(struct qdq *Q)
{
	const Onnx__GraphProto *g = Q->m->g;
	for (size_t i = 0; i < g->n_initializer; i++)
		if (read_as_float(Q, g->initializer[i]->name) &&
		    !add_ptr(Q, (void ***)&Q->init, &Q->ninit, &Q->init_cap, g->initializer[i]))
			return false;
	return true;
}

/* A quantizable node is rewritten where both its values took a range. */
static bool is_rewritten(const struct qdq *Q, const Onnx__NodeProto *n, const Onnx__TensorProto **w,
			 const Onnx__TensorProto **b)
{
	return qz_quantizable(Q->m, n, w, b) && qz_range_of(Q->ranges, Q->nranges, n->input[0])->seen &&
	       qz_range_of(Q->ranges, Q->nranges, n->output[0])->seen;
}

static bool rewrite(struct qdq *Q, struct qz_report *r)
{
	const Onnx__GraphProto *g = Q->m->g;
	const Onnx__TensorProto *w, *b;
	if (!(Q->rewritten = pool_calloc(&Q->P, g->n_node, sizeof *Q->rewritten)))
		return false;
	for (size_t k = 0; k < g->n_node; k++)
		Q->rewritten[k] = is_rewritten(Q, g->node[k], &w, &b);
	if (!keep_initializers(Q))
		return false;
	for (size_t k = 0; k < g->n_node; k++) {
		const Onnx__NodeProto *n = g->node[k];
		if (Q->rewritten[k]) {
			qz_quantizable(Q->m, n, &w, &b);
			if (!rewrite_node(Q, k, w, b))
				return false;
			r->quantized++;
			continue;
		}
		if (n->op_type && (!strcmp(n->op_type, "Conv") || !strcmp(n->op_type, "MatMul")))
			r->skipped++;
		if (!emit(Q, (Onnx__NodeProto *)n))
			return false;
	}
	r->activations = (int)Q->nquantized;
	return true;
}

uint8_t *qz_write_qdq(const struct qz_model *m, const struct qz_range *ranges, int n, int bits,
		      const struct qz_fitted *fitted, struct qz_report *r, size_t *len, struct diags *err)
{
	struct qdq Q = {.m = m, .ranges = ranges, .nranges = n, .bits = bits, .fitted = fitted};
	Onnx__OperatorSetIdProto ms = ONNX__OPERATOR_SET_ID_PROTO__INIT;
	ms.domain = "com.microsoft", ms.has_version = true, ms.version = 1;
	bool contrib = bits == 16 && qz_model_opset(m) < 21; /* opset 21 has int16 in its own Q/DQ */
	Q.act_domain = contrib ? ms.domain : NULL;
	uint8_t *bytes = NULL;
	if (!rewrite(&Q, r) || Q.P.failed)
		diag_nomem(err, m->path, 0, "the quantized graph");
	else {
		Onnx__GraphProto g = *m->g;
		g.node = Q.node, g.n_node = Q.nnode;
		g.initializer = Q.init, g.n_initializer = Q.ninit;
		/* graph inputs that name a dropped initializer (models before IR 4 list them) go too */
		Onnx__ValueInfoProto **in = pool_calloc(&Q.P, m->g->n_input, sizeof *in);
		g.input = in, g.n_input = 0;
		for (size_t i = 0; in && i < m->g->n_input; i++)
			if (!qz_initializer(m, m->g->input[i]->name) || read_as_float(&Q, m->g->input[i]->name))
				in[g.n_input++] = m->g->input[i];
		bytes = in ? qz_model_pack(m, &g, contrib ? &ms : NULL, len, err) : NULL;
		if (!in)
			diag_nomem(err, m->path, m->g->n_input * sizeof *in, "the graph's inputs");
	}
	pool_free(&Q.P);
	free(Q.node);
	free(Q.init);
	free(Q.quantized);
	return bytes;
}
