/* quant/quantize: the pipeline of quant/quantize.h — read the model, find
 * the values to calibrate, run the samples, write the QDQ model, compare. */
#include <stdlib.h>
#include <string.h>

#include "quant_int.h"
#include "base/output.h"

int qz_quantize(const struct qz_options *o, struct qz_report *r, struct diags *err)
{
	memset(r, 0, sizeof *r);
	if (o->ncalibrate < 1) {
		diag_add(err, o->model, 0, 0, "no calibration samples: quantize needs at least one .npy file of the graph's input");
		return -1;
	}
	if (o->activation_bits && o->activation_bits != 8 && o->activation_bits != 16) {
		diag_add(err, o->model, 0, 0, "activations of %d bits; 8 or 16 are supported", o->activation_bits);
		return -1;
	}
	struct qz_options oo = *o; /* 0 bits: the default, 8 */
	oo.activation_bits = o->activation_bits ? o->activation_bits : 8;
	o = &oo;
	struct qz_model m;
	struct qz_range *ranges = NULL;
	uint8_t *q = NULL;
	size_t qlen = 0;
	int n = 0, rc = qz_model_read(o->model, &m, err);
	if (!rc && (n = qz_range_names(&m, &ranges, err)) < 0)
		rc = -1;
	if (!rc && !n) {
		diag_add(err, o->model, 0, 0, "no Conv or MatMul node with a constant float weight: nothing to quantize");
		rc = -1;
	}
	if (!rc)
		rc = qz_calibrate(&m, o, ranges, n, err);
	r->activation_bits = o->activation_bits;
	struct qz_fitted *fitted = NULL;
	if (!rc && o->fit_weights)
		rc = qz_fit(&m, o, ranges, n, &fitted, &r->fitted, err);
	if (!rc && !(q = qz_write_qdq(&m, ranges, n, o->activation_bits, fitted, r, &qlen, err)))
		rc = -1;
	qz_fitted_free(fitted, fitted ? m.g->n_node : 0);
	if (!rc)
		rc = out_write(o->out, q, qlen, err);
	if (!rc)
		rc = qz_compare(&m, q, qlen, o, r, err);
	free(q);
	qz_ranges_free(ranges, n);
	qz_model_free(&m);
	return rc;
}
