/* quant/compare: the quantized model against the float model on the
 * calibration samples, both run on the host: per graph output the largest
 * absolute difference, the cosine similarity of the two outputs over all
 * samples, and for class scores how often the top class agrees. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "quant_int.h"

struct sums {
	double dot, ff, qq;
};

/* Class scores: a Softmax's (or LogSoftmax's) output, or [N, C] with C >= 2. */
static bool class_output(const struct qz_model *m, const struct ir_tensor *t, const char *name)
{
	for (size_t k = 0; k < m->g->n_node; k++) {
		const Onnx__NodeProto *n = m->g->node[k];
		if (n->n_output && n->output[0] && !strcmp(n->output[0], name) && n->op_type &&
		    (!strcmp(n->op_type, "Softmax") || !strcmp(n->op_type, "LogSoftmax")))
			return t->shape[t->rank - 1] >= 2;
	}
	return t->rank == 2 && t->shape[1] >= 2;
}

static int64_t argmax(const float *v, int64_t n)
{
	int64_t best = 0;
	for (int64_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

static void compare_output(struct qz_output_report *o, struct sums *s, const float *f, const float *q, int64_t n,
			   int64_t classes)
{
	for (int64_t i = 0; i < n; i++) {
		o->max_abs_error = fmax(o->max_abs_error, fabs((double)q[i] - (double)f[i]));
		o->max_abs_float = fmax(o->max_abs_float, fabs((double)f[i]));
		s->dot += (double)f[i] * q[i], s->ff += (double)f[i] * f[i], s->qq += (double)q[i] * q[i];
	}
	o->values += n;
	for (int64_t r = 0; o->is_class && r + classes <= n; r += classes) {
		o->top1_agree += argmax(f + r, classes) == argmax(q + r, classes);
		o->top1_total++;
	}
}

static int compare_sample(const struct qz_model *m, struct qz_run *fr, struct qz_run *qr, struct qz_report *r,
			  struct sums *s, struct diags *err)
{
	for (int i = 0; i < r->noutputs; i++) {
		struct qz_output_report *o = &r->out[i];
		int64_t nf, nq;
		const float *f = qz_run_values(fr, o->name, &nf), *q = qz_run_values(qr, o->name, &nq);
		if (!f || !q || nf != nq) {
			diag_add(err, m->path, 0, 0, "output '%s' is not a float32 tensor of one shape in both models", o->name);
			return -1;
		}
		const struct ir_tensor *t = &fr->w.g.tensor[ir_tensor_lookup(&fr->w.g, o->name)];
		o->is_class = class_output(m, t, o->name);
		compare_output(o, &s[i], f, q, nf, t->shape[t->rank - 1]);
	}
	return 0;
}

int qz_compare(const struct qz_model *m, const uint8_t *q, size_t qlen, const struct qz_options *o,
	       struct qz_report *r, struct diags *err)
{
	r->noutputs = 0;
	for (size_t i = 0; i < m->g->n_output && r->noutputs < QZ_MAX_OUTPUTS; i++)
		snprintf(r->out[r->noutputs++].name, sizeof r->out[0].name, "%s", m->g->output[i]->name);
	struct sums s[QZ_MAX_OUTPUTS] = {{0}};
	struct qz_run fr = {0}, qr = {0};
	int rc = 0;
	for (int k = 0; k < o->ncalibrate && !rc; k++) {
		struct npy x;
		char dims[256];
		if ((rc = qz_sample_read(m, o->calibrate[k], &x, dims, sizeof dims, err)))
			break;
		rc = qz_run_open(&fr, m->bytes, m->len, m->path, dims, err) ||
		     qz_run_open(&qr, q, qlen, o->out, dims, err) || qz_run_sample(&fr, m->input->name, &x, err) ||
		     qz_run_sample(&qr, m->input->name, &x, err) || compare_sample(m, &fr, &qr, r, s, err);
		npy_free(&x);
		r->samples += !rc;
	}
	for (int i = 0; i < r->noutputs; i++)
		r->out[i].cosine = s[i].ff > 0 && s[i].qq > 0 ? s[i].dot / sqrt(s[i].ff * s[i].qq) : s[i].ff == s[i].qq;
	qz_run_close(&fr);
	qz_run_close(&qr);
	return rc ? -1 : 0;
}
