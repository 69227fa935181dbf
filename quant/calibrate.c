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

static int add_name(struct qz_range **v, int *n, const char *name, struct diags *err)
{
	if (qz_range_of(*v, *n, name))
		return 0;
	if (try_resize(v, (size_t)*n + 1, sizeof **v))
		return diag_nomem(err, NULL, (size_t)(*n + 1) * sizeof **v, "the calibration ranges");
	(*v)[(*n)++] = (struct qz_range){.name = name, .lo = INFINITY, .hi = -INFINITY};
	return 0;
}

int qz_range_names(const struct qz_model *m, struct qz_range **ranges, struct diags *err)
{
	*ranges = NULL;
	int n = 0;
	for (size_t k = 0; k < m->g->n_node; k++) {
		const Onnx__NodeProto *node = m->g->node[k];
		const Onnx__TensorProto *w, *b;
		if (qz_quantizable(m, node, &w, &b) &&
		    (add_name(ranges, &n, node->input[0], err) || add_name(ranges, &n, node->output[0], err))) {
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

/* The model with every range's value an output too. */
static uint8_t *calibration_model(const struct qz_model *m, const struct qz_range *ranges, int n, size_t *len,
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
		b = qz_model_pack(m, &g, len, err);
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

static int record(const struct qz_model *m, const struct qz_run *run, const struct npy *x, struct qz_range *ranges,
		  int n, struct diags *err)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(ranges[i].name, m->input->name)) {
			widen(&ranges[i], (const float *)x->data, (int64_t)(x->bytes / sizeof(float)));
			continue;
		}
		int64_t k;
		const float *v = qz_run_values(run, ranges[i].name, &k);
		if (!v) {
			diag_add(err, m->path, 0, 0, "value '%s' is not a float32 tensor once imported; quantize cannot calibrate it",
				 ranges[i].name);
			return -1;
		}
		widen(&ranges[i], v, k);
	}
	return 0;
}

int qz_calibrate(const struct qz_model *m, const struct qz_options *o, struct qz_range *ranges, int n,
		 struct diags *err)
{
	size_t len;
	uint8_t *bytes = calibration_model(m, ranges, n, &len, err);
	if (!bytes)
		return -1;
	struct qz_run run = {0};
	int rc = 0;
	for (int s = 0; s < o->ncalibrate && !rc; s++) {
		struct npy x;
		char dims[256];
		if ((rc = qz_sample_read(m, o->calibrate[s], &x, dims, sizeof dims, err)))
			break;
		rc = qz_run_open(&run, bytes, len, m->path, dims, err) || qz_run_sample(&run, m->input->name, &x, err) ||
		     record(m, &run, &x, ranges, n, err);
		npy_free(&x);
	}
	qz_run_close(&run);
	free(bytes);
	return rc ? -1 : 0;
}
