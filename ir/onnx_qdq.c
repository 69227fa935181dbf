/* QDQ: a float Conv or MatMul between DequantizeLinear and QuantizeLinear
 * nodes, the form quantization tools write by default, imported as the
 * QLinearConv or QLinearMatMul it stands for (docs/onnx.md, "QDQ"), so
 * that its integer product runs on an int8 accelerator:
 *
 *   DequantizeLinear(x_q) ─┐
 *   DequantizeLinear(w_q) ─┼─ Conv ─ [Relu] ─ QuantizeLinear ─ y_q
 *   DequantizeLinear(b_q) ─┘
 *
 * becomes QLinearConv(x_q, w_q, y scale and zero point, b_q), a Relu a
 * clip at y's zero point.  The product is then exact in integers and
 * requantized once, as onnxruntime runs such a graph once it has fused it.
 * The pattern holds only where every scale and zero point is a constant,
 * the dequantized values and the float result are read by nothing else,
 * and a bias is int32 with zero point 0 and the scale x_scale · w_scale;
 * elsewhere the nodes are imported as they are. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"
#include "base/alloc.h"
#include "base/value.h"

/* Names with a node, sorted by name: every output with the node that
 * produces it, every input with a node that reads it. */
struct producer {
	const char *name;
	size_t node;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct producer *)a)->name, ((const struct producer *)b)->name);
}

static long produced_by(const struct producer *p, size_t n, const char *name)
{
	struct producer key = {name, 0};
	const struct producer *f = name && name[0] ? bsearch(&key, p, n, sizeof *p, by_name) : NULL;
	return f ? (long)f->node : -1;
}

static bool is_op(const Onnx__NodeProto *n, const char *op_type)
{
	return n->op_type && !strcmp(n->op_type, op_type) && ox_known_domain(n);
}

static const char *input(const Onnx__NodeProto *n, size_t k)
{
	return k < n->n_input && n->input[k] && n->input[k][0] ? n->input[k] : NULL;
}

/* The constant named `name` (NULL when it is not one). */
static const struct ox_value *constant(struct ox *X, const char *name)
{
	const struct ox_value *v = name ? ox_value(X, name) : NULL;
	return v && v->tensor < 0 && v->bytes && !v->is_int64 ? v : NULL;
}

/* The dtype of what a DequantizeLinear node reads, where it is known
 * before the nodes are imported: its zero point's, or a constant's or
 * graph input's own. */
static enum dtype dequantized_dtype(struct ox *X, const Onnx__NodeProto *n)
{
	const struct ox_value *z = input(n, 2) ? constant(X, input(n, 2)) : NULL, *v = ox_value(X, input(n, 0));
	return z ? z->dtype : v && v->tensor >= 0 ? X->w->g.tensor[v->tensor].dtype : v && !v->is_int64 ? v->dtype : DT_FP32;
}

/* What a DequantizeLinear may read: any integer (a bias), 8 bits (a
 * weight) or 8 or 16 bits (an activation, 16 bits as int16 planes). */
enum width { ANY_WIDTH, BITS_8, BITS_8_OR_16 };

static bool width_fits(enum dtype dt, enum width w)
{
	return w == ANY_WIDTH || dt == DT_INT8 || dt == DT_UINT8 || (w == BITS_8_OR_16 && dt == DT_INT16);
}

/* A DequantizeLinear node whose output one node reads, with constant
 * scale and zero point, of axis `axis` when its scale has several values
 * (or only one value when axis is -1), of an input of width w. */
static bool dequantize(struct ox *X, long d, int64_t axis, enum width w)
{
	if (d < 0)
		return false;
	const Onnx__NodeProto *n = X->graph->node[d];
	if (!is_op(n, "DequantizeLinear") || n->n_output != 1 || ox_uses(X, n->output[0]) != 1 || !constant(X, input(n, 1)) ||
	    (input(n, 2) && !constant(X, input(n, 2))) || !width_fits(dequantized_dtype(X, n), w))
		return false;
	const struct ox_value *s = constant(X, input(n, 1)), *z = input(n, 2) ? constant(X, input(n, 2)) : NULL;
	if (ox_value_elems(s) == 1 && (!z || ox_value_elems(z) == 1))
		return true;
	if (axis < 0)
		return false;
	for (size_t a = 0; a < n->n_attribute; a++)
		if (n->attribute[a]->name && !strcmp(n->attribute[a]->name, "axis")) /* protobuf-c: NULL when missing */
			return n->attribute[a]->i == axis;
	return axis == 1;
}

/* The bias's scale is x_scale · w_scale (per channel) and its zero point 0. */
static bool bias_scale_fits(struct ox *X, const Onnx__NodeProto *db, const Onnx__NodeProto *dx, const Onnx__NodeProto *dw)
{
	const struct ox_value *sb = constant(X, input(db, 1)), *sx = constant(X, input(dx, 1)), *sw = constant(X, input(dw, 1));
	const struct ox_value *zb = input(db, 2) ? constant(X, input(db, 2)) : NULL;
	if (!sb || !sx || !sw || ox_value_elems(sx) != 1 || !dtype_float(sb->dtype) || !dtype_float(sx->dtype) ||
	    !dtype_float(sw->dtype))
		return false;
	int64_t n = ox_value_elems(sb), m = ox_value_elems(sw);
	for (int64_t i = 0; zb && i < ox_value_elems(zb); i++)
		if (dtype_float(zb->dtype) || val_get_int(zb->bytes, zb->dtype, (uint64_t)i))
			return false;
	if (n != m && n != 1)
		return false;
	float x = (float)val_get_float(sx->bytes, sx->dtype, 0);
	for (int64_t i = 0; i < (n > m ? n : m); i++) {
		float w = (float)val_get_float(sw->bytes, sw->dtype, (uint64_t)(m == 1 ? 0 : i));
		float b = (float)val_get_float(sb->bytes, sb->dtype, (uint64_t)(n == 1 ? 0 : i));
		if (fabsf(b - x * w) > 1e-6f * fabsf(x * w))
			return false;
	}
	return true;
}

/* Node k's pattern, if it is one: its QDQ record filled.  p: producers,
 * r: readers (np and nr of them). */
static bool pattern(struct ox *X, const struct producer *p, size_t np, const struct producer *rd, size_t nr, size_t k,
		    struct ox_qdq *q)
{
	const Onnx__NodeProto *n = X->graph->node[k];
	bool conv = is_op(n, "Conv");
	if ((!conv && !is_op(n, "MatMul")) || n->n_output != 1 || n->n_input < 2 || n->n_input > (conv ? 3u : 2u))
		return false;
	q->dx = produced_by(p, np, input(n, 0));
	q->dw = produced_by(p, np, input(n, 1));
	q->db = input(n, 2) ? produced_by(p, np, input(n, 2)) : -1;
	if (!dequantize(X, q->dx, -1, BITS_8_OR_16) || !dequantize(X, q->dw, conv ? 0 : 1, BITS_8) ||
	    (input(n, 2) && !dequantize(X, q->db, 0, ANY_WIDTH)))
		return false;
	const Onnx__NodeProto *dx = X->graph->node[q->dx], *dw = X->graph->node[q->dw];
	if (q->db >= 0 && !bias_scale_fits(X, X->graph->node[q->db], dx, dw))
		return false;
	/* the integer convolution is 2-D: a 1-D or 3-D one imports node by
	 * node, its float Conv between the DequantizeLinear and QuantizeLinear */
	const struct ox_value *w = constant(X, input(dw, 0));
	if (conv && (!w || w->rank != 4))
		return false;
	/* the result read by one QuantizeLinear, or by one Relu read by one */
	const char *out = n->output[0];
	q->relu = -1;
	for (int hop = 0; hop < 2; hop++) {
		long r = ox_uses(X, out) == 1 ? produced_by(rd, nr, out) : -1; /* its one reader */
		if (r < 0)
			return false;
		const Onnx__NodeProto *rn = X->graph->node[r];
		if (is_op(rn, "QuantizeLinear") && rn->n_output == 1 && constant(X, input(rn, 1)) &&
		    ox_value_elems(constant(X, input(rn, 1))) == 1 && (!input(rn, 2) || constant(X, input(rn, 2)))) {
			q->q = r;
			return true;
		}
		if (hop || !is_op(rn, "Relu") || rn->n_output != 1)
			return false;
		q->relu = r, out = rn->output[0];
	}
	return false;
}

int ox_qdq_plan(struct ox *X)
{
	const Onnx__GraphProto *g = X->graph;
	size_t np = 0, nr = 0;
	for (size_t k = 0; k < g->n_node; k++)
		np += g->node[k]->n_output, nr += g->node[k]->n_input;
	struct producer *p = try_calloc(np + nr + 1, sizeof *p), *rd = p ? p + np : NULL;
	if (!(X->qdq = try_calloc(g->n_node + 1, sizeof *X->qdq)) || !p) {
		free(p);
		return diag_nomem(X->err, X->file, (np + nr + g->n_node) * sizeof *p, "the model's nodes");
	}
	np = nr = 0;
	for (size_t k = 0; k < g->n_node; k++) {
		for (size_t o = 0; o < g->node[k]->n_output; o++)
			if (g->node[k]->output[o] && g->node[k]->output[o][0])
				p[np++] = (struct producer){g->node[k]->output[o], k};
		for (size_t i = 0; i < g->node[k]->n_input; i++)
			if (g->node[k]->input[i] && g->node[k]->input[i][0])
				rd[nr++] = (struct producer){g->node[k]->input[i], k};
	}
	qsort(p, np, sizeof *p, by_name);
	qsort(rd, nr, sizeof *rd, by_name);
	for (size_t k = 0; k < g->n_node; k++) {
		struct ox_qdq q;
		if (X->qdq[k].role == OX_QDQ_NONE && pattern(X, p, np, rd, nr, k, &q)) {
			long parts[] = {q.dx, q.dw, q.db, q.relu, q.q};
			bool free_parts = true; /* each node in one pattern only */
			for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
				free_parts &= parts[i] < 0 || X->qdq[parts[i]].role == OX_QDQ_NONE;
			if (!free_parts)
				continue;
			q.role = OX_QDQ_PRODUCT;
			X->qdq[k] = q;
			for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
				if (parts[i] >= 0)
					X->qdq[parts[i]].role = OX_QDQ_FUSED;
		}
	}
	free(p);
	return 0;
}

int ox_qdq_convert(struct ox *X, size_t k)
{
	const struct ox_qdq *q = &X->qdq[k];
	const Onnx__NodeProto *n = X->graph->node[k], *dx = X->graph->node[q->dx], *dw = X->graph->node[q->dw];
	const Onnx__NodeProto *qn = X->graph->node[q->q];
	char none[] = "";
	char *ins[9] = {dx->input[0], input(dx, 1) ? dx->input[1] : none, input(dx, 2) ? dx->input[2] : none,
			dw->input[0], input(dw, 1) ? dw->input[1] : none, input(dw, 2) ? dw->input[2] : none,
			qn->input[1], input(qn, 2) ? qn->input[2] : none, q->db >= 0 ? X->graph->node[q->db]->input[0] : none};
	Onnx__NodeProto fused = *n;
	bool conv = is_op(n, "Conv");
	fused.op_type = conv ? "QLinearConv" : "QLinearMatMul";
	fused.n_input = q->db >= 0 ? 9 : 8, fused.input = ins;
	fused.n_output = 1, fused.output = qn->output;
	X->node = &fused;
	X->relu_floor = q->relu >= 0;
	X->qdq_wide = true;
	int rc = conv ? ox_qlinear_conv(X) : ox_qlinear_matmul(X);
	X->relu_floor = X->qdq_wide = false;
	X->node = n;
	return rc;
}
