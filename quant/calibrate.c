/* quant/calibrate: the ranges the values around each quantizable node
 * take over the calibration samples.  Those values are made outputs of a
 * copy of the graph, so the importer keeps each one as a tensor (nothing
 * fuses it away), and the copy runs on the host once per sample. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quant_int.h"
#include "base/alloc.h"

const struct qz_range *qz_range_of(const struct qz_range *ranges, int n, const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (!strcmp(ranges[i].name, name))
			return &ranges[i];
	return NULL;
}

static int add_name(struct qz_range **v, int *n, const char *name, int axis, struct diags *err)
{
	struct qz_range *r = (struct qz_range *)qz_range_of(*v, *n, name);
	if (r) {
		r->axis = r->axis < 0 ? axis : r->axis;
		return 0;
	}
	if (try_resize(v, (size_t)*n + 1, sizeof **v))
		return diag_nomem(err, NULL, (size_t)(*n + 1) * sizeof **v, "the calibration ranges");
	(*v)[(*n)++] = (struct qz_range){.name = name, .lo = INFINITY, .hi = -INFINITY, .axis = axis};
	return 0;
}

void qz_ranges_free(struct qz_range *ranges, int n)
{
	for (int i = 0; i < n; i++) {
		free(ranges[i].sum);
		free(ranges[i].shift);
	}
	free(ranges);
}

float qz_act_lo(struct qz_act a) { return a.bits == 16 ? -32768.0f : -128.0f; }
float qz_act_hi(struct qz_act a) { return a.bits == 16 ? 32767.0f : 127.0f; }

struct qz_act qz_act_params(const struct qz_range *r, int bits)
{
	struct qz_act a = {1.0f, 0, bits};
	float lo = fminf(r->lo, 0.0f), hi = fmaxf(r->hi, 0.0f);
	float s = (hi - lo) / (qz_act_hi(a) - qz_act_lo(a));
	if (!(s > 0.0f) || !isfinite(s))
		return a;
	float z = rintf(qz_act_lo(a) - lo / s);
	a.scale = s, a.zero = (int32_t)fmaxf(qz_act_lo(a), fminf(qz_act_hi(a), z));
	return a;
}

double qz_range_shift(const struct qz_range *r, int64_t c)
{
	return r->shift && c >= 0 && c < r->channels && r->count > 0 ? r->shift[c] / r->count : 0.0;
}

/* x quantized as QuantizeLinear and back as DequantizeLinear do it. */
static float fake_quantize(float x, struct qz_act a)
{
	float q = fmaxf(qz_act_lo(a), fminf(qz_act_hi(a), rintf(x / a.scale) + (float)a.zero));
	return (q - (float)a.zero) * a.scale;
}

double qz_range_mean(const struct qz_range *r, int64_t c)
{
	return r->sum && c >= 0 && c < r->channels && r->count > 0 ? r->sum[c] / r->count : 0.0;
}

int qz_range_names(const struct qz_model *m, struct qz_range **ranges, struct diags *err)
{
	*ranges = NULL;
	int n = 0;
	for (size_t k = 0; k < m->g->n_node; k++) {
		const Onnx__NodeProto *node = m->g->node[k];
		const Onnx__TensorProto *w, *b;
		bool conv = node->op_type && !strcmp(node->op_type, "Conv");
		if (qz_quantizable(m, node, &w, &b) &&
		    (add_name(ranges, &n, node->input[0], conv ? 1 : INT32_MAX, err) ||
		     add_name(ranges, &n, node->output[0], -1, err))) {
			free(*ranges);
			*ranges = NULL;
			return -1;
		}
	}
	return n;
}

static bool is_graph_output(const Onnx__GraphProto *g, const char *name)
{
	for (size_t i = 0; i < g->n_output; i++)
		if (g->output[i]->name && !strcmp(g->output[i]->name, name))
			return true;
	return false;
}

uint8_t *qz_calibration_model(const struct qz_model *m, const struct qz_range *ranges, int n, size_t *len,
			      struct diags *err)
{
	Onnx__ValueInfoProto *info = try_calloc((size_t)n + 1, sizeof *info);
	Onnx__ValueInfoProto **outs = try_calloc(m->g->n_output + (size_t)n + 1, sizeof *outs);
	uint8_t *b = NULL;
	if (!info || !outs)
		diag_nomem(err, m->path, (size_t)n * sizeof *info, "the calibration outputs");
	else {
		Onnx__GraphProto g = *m->g;
		memcpy(outs, m->g->output, m->g->n_output * sizeof *outs);
		g.output = outs;
		for (int i = 0; i < n; i++) {
			if (is_graph_output(m->g, ranges[i].name) || !strcmp(ranges[i].name, m->input->name))
				continue;
			info[i] = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
			info[i].name = (char *)ranges[i].name;
			outs[g.n_output++] = &info[i];
		}
		b = qz_model_pack(m, &g, NULL, len, err);
	}
	free(info);
	free(outs);
	return b;
}

static void widen(struct qz_range *r, const float *v, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if (isfinite(v[i])) {
			r->lo = fminf(r->lo, v[i]);
			r->hi = fmaxf(r->hi, v[i]);
			r->seen = true;
		}
}

/* Sums each channel of a quantizable node's input (axis r->axis of the
 * shape; INT32_MAX: the last), for the mean bias correction needs. */
static int channel_sums(struct qz_range *r, const float *v, int rank, const int64_t *shape, bool shift, int bits,
			struct diags *err)
{
	int axis = r->axis == INT32_MAX ? rank - 1 : r->axis;
	if (axis < 0 || axis >= rank)
		return 0;
	int64_t c = shape[axis], inner = 1, outer = 1;
	for (int d = axis + 1; d < rank; d++)
		inner *= shape[d];
	for (int d = 0; d < axis; d++)
		outer *= shape[d];
	if (!r->sum) {
		if (!(r->sum = try_calloc((size_t)c + 1, sizeof *r->sum)))
			return diag_nomem(err, NULL, (size_t)c * sizeof *r->sum, "the channel means of '%s'", r->name);
		r->channels = c;
	}
	if (r->channels != c)
		return 0; /* a sample of another shape: the means stay those of the first shape */
	if (shift && !r->shift && !(r->shift = try_calloc((size_t)c + 1, sizeof *r->shift)))
		return diag_nomem(err, NULL, (size_t)c * sizeof *r->shift, "the channel shifts of '%s'", r->name);
	struct qz_act a = qz_act_params(r, bits);
	for (int64_t o = 0; o < outer; o++)
		for (int64_t k = 0; k < c; k++)
			for (int64_t i = 0; i < inner; i++) {
				float x = v[(o * c + k) * inner + i];
				if (shift)
					r->shift[k] += (double)fake_quantize(x, a) - x;
				else
					r->sum[k] += x;
			}
	if (!shift)
		r->count += (double)(outer * inner);
	return 0;
}

/* Pass 1 widens each range and sums each channel of the inputs; pass 2,
 * once the ranges (so the scales) are known, sums what quantizing adds. */
static int record(const struct qz_model *m, const struct qz_run *run, const struct npy *x, struct qz_range *ranges,
		  int n, int pass, int bits, struct diags *err)
{
	for (int i = 0; i < n; i++) {
		const float *v;
		int64_t k;
		int rank;
		const int64_t *shape;
		if (!strcmp(ranges[i].name, m->input->name)) {
			v = (const float *)x->data, k = (int64_t)(x->bytes / sizeof(float)), rank = x->rank, shape = x->shape;
		} else {
			const struct ir_tensor *t = qz_run_tensor(run, ranges[i].name);
			if (!(v = qz_run_values(run, ranges[i].name, &k)) || !t) {
				diag_add(err, m->path, 0, 0,
					 "value '%s' is not a float32 tensor once imported; quantize cannot calibrate it",
					 ranges[i].name);
				return -1;
			}
			rank = t->rank, shape = t->shape;
		}
		if (pass == 1)
			widen(&ranges[i], v, k);
		if (ranges[i].axis >= 0 && ranges[i].seen && channel_sums(&ranges[i], v, rank, shape, pass == 2, bits, err))
			return -1;
	}
	return 0;
}

int qz_calibrate(const struct qz_model *m, const struct qz_options *o, struct qz_range *ranges, int n,
		 struct diags *err)
{
	size_t len;
	uint8_t *bytes = qz_calibration_model(m, ranges, n, &len, err);
	if (!bytes)
		return -1;
	struct qz_run run = {0};
	int rc = 0;
	for (int pass = 1; pass <= 2; pass++)
		for (int s = 0; s < o->ncalibrate && !rc; s++) {
			struct npy x;
			char dims[256];
			if ((rc = qz_sample_read(m, o->calibrate[s], &x, dims, sizeof dims, err)))
				break;
			rc = qz_run_open(&run, bytes, len, m->path, dims, err) ||
			     qz_run_sample(&run, m->input->name, &x, err) || record(m, &run, &x, ranges, n, pass, o->activation_bits, err);
			npy_free(&x);
		}
	qz_run_close(&run);
	free(bytes);
	return rc ? -1 : 0;
}
