/* quant's parts (quant/quantize.h): the model read with protobuf-c, the
 * host running a model's bytes on samples, calibration, the QDQ rewrite
 * and the comparison. */
#ifndef TESSEL_QUANT_INT_H
#define TESSEL_QUANT_INT_H

#include <stddef.h>

#include "onnx.pb-c.h"
#include "quantize.h"
#include "base/npy.h"
#include "compiler/host.h"
#include "ir/workload.h"

/* ---- the model (quant/model.c) ---- */

struct qz_model {
	const char *path;
	uint8_t *bytes;
	size_t len;
	Onnx__ModelProto *m;
	Onnx__GraphProto *g;
	const Onnx__ValueInfoProto *input; /* the graph's one input that is not an initializer */
};

/* Reads and unpacks PATH: an opset 13 or later model (DequantizeLinear
 * per channel) with one graph input.  0, or -1 with an error. */
int qz_model_read(const char *path, struct qz_model *m, struct diags *err);
/* The same from bytes (malloc'd; the model owns them from here on). */
int qz_model_parse(uint8_t *bytes, size_t len, const char *path, struct qz_model *m, struct diags *err);
void qz_model_free(struct qz_model *m);
/* The model's bytes with graph g in place of its own, and the opset
 * import `extra` beside its own (NULL: none, or one it has already); NULL
 * when out of memory (an error). */
uint8_t *qz_model_pack(const struct qz_model *m, Onnx__GraphProto *g, const Onnx__OperatorSetIdProto *extra,
		       size_t *len, struct diags *err);
/* The version of the default domain the model imports. */
int64_t qz_model_opset(const struct qz_model *m);
/* Node n's attribute `name`, or NULL. */
const Onnx__AttributeProto *qz_attr(const Onnx__NodeProto *n, const char *name);
/* Value k of n's integer or integer-list attribute `name`, or dflt when
 * it has none. */
int64_t qz_attr_int(const Onnx__NodeProto *n, const char *name, size_t k, int64_t dflt);
/* A Conv's groups (its `group`, 1 without it). */
int64_t qz_conv_groups(const Onnx__NodeProto *n);
/* The initializer named `name`, or NULL. */
const Onnx__TensorProto *qz_initializer(const struct qz_model *m, const char *name);
/* A float initializer's values (n of them), held in the model or a copy
 * the caller frees (*owned); NULL when it is not float32 data in the model. */
const float *qz_floats(const Onnx__TensorProto *t, int64_t *n, float **owned);
/* Reads calibration file `file` (float32, the graph input's rank and
 * fixed sizes) and writes into dims the sizes its shape gives the input's
 * symbolic dimensions ("NAME=N,...", "" when none).  0, or -1 with an error
 * naming the file. */
int qz_sample_read(const struct qz_model *m, const char *file, struct npy *x, char *dims, size_t ndims,
		   struct diags *err);

/* Whether node n is one quantize rewrites: a Conv with a constant float
 * weight (and constant bias), or a MatMul by a constant 2-D float matrix,
 * reading a value that is not a constant.  *w and *b (NULL: none) its
 * weight and bias. */
bool qz_quantizable(const struct qz_model *m, const Onnx__NodeProto *n, const Onnx__TensorProto **w,
		    const Onnx__TensorProto **b);

/* ---- a model's bytes run on the host (quant/run.c) ---- */

struct qz_run {
	struct wl_workload w;
	uint8_t **t; /* per tensor of w.g */
	struct host_jit *j;
	char dims[256];
	bool open;
};

/* Loads the model (path names it in errors), allocates its tensors and
 * compiles its ops; a run already open with the same dims is kept. */
int qz_run_open(struct qz_run *r, const uint8_t *bytes, size_t len, const char *path, const char *dims,
		struct diags *err);
/* Runs every op on sample x given to graph input `input`. */
int qz_run_sample(struct qz_run *r, const char *input, const struct npy *x, struct diags *err);
/* The values of fp32 tensor `name` after a sample (n of them); NULL when
 * the workload has no such fp32 tensor. */
const float *qz_run_values(const struct qz_run *r, const char *name, int64_t *n);
/* The IR tensor named `name`, or NULL. */
const struct ir_tensor *qz_run_tensor(const struct qz_run *r, const char *name);
void qz_run_close(struct qz_run *r);

/* ---- calibration (quant/calibrate.c) ---- */

struct qz_range {
	const char *name; /* a value of the model */
	float lo, hi;
	bool seen;
	int axis;         /* of a quantizable node's input: its channel axis (Conv 1, MatMul the last); -1 */
	int64_t channels; /* the mean of each channel over the samples, for bias correction */
	double *sum;
	double count;     /* values summed per channel */
	double *shift;    /* per channel, the sum of what quantizing the value adds to it */
};

/* A value's scale and zero point as a `bits`-bit integer (8: int8, 16:
 * int16): its range widened to hold 0, in 2^bits − 1 steps (an empty
 * range: 1 and 0). */
struct qz_act {
	float scale;
	int32_t zero;
	int bits;
};
struct qz_act qz_act_params(const struct qz_range *r, int bits);
/* The least and greatest quantized value of a. */
float qz_act_lo(struct qz_act a);
float qz_act_hi(struct qz_act a);
/* What quantizing a value x with a adds to it on average, channel c. */
double qz_range_shift(const struct qz_range *r, int64_t c);

/* The value names quantize needs ranges for: each quantizable node's
 * input and output, once each (free with qz_ranges_free).  n of them, or
 * -1 when out of memory. */
int qz_range_names(const struct qz_model *m, struct qz_range **ranges, struct diags *err);
/* Runs the float model over the calibration files and records each
 * range's minimum and maximum (and, for bias correction, what quantizing
 * to o->activation_bits adds to each channel). */
int qz_calibrate(const struct qz_model *m, const struct qz_options *o, struct qz_range *ranges, int n,
		 struct diags *err);
void qz_ranges_free(struct qz_range *ranges, int n);
/* The model with every range's value an output too (nothing fuses them
 * away), its bytes; NULL with an error. */
uint8_t *qz_calibration_model(const struct qz_model *m, const struct qz_range *ranges, int n, size_t *len,
			      struct diags *err);
/* The mean of channel c of a range's value over the samples (0 unseen). */
double qz_range_mean(const struct qz_range *r, int64_t c);
/* The range of value `name`, or NULL. */
const struct qz_range *qz_range_of(const struct qz_range *ranges, int n, const char *name);

/* ---- the QDQ model (quant/qdq.c) ---- */

/* A node's fitted float weights (the weight's layout) and bias (one per
 * output channel), rounded in place of its own (quant/fit.c); w NULL: none. */
struct qz_fitted {
	float *w, *b;
};

/* The quantized model's bytes, with activations of `bits` bits and the
 * weights in `fitted` (per node of the graph; NULL: none) where given;
 * counts into r.  NULL with an error. */
uint8_t *qz_write_qdq(const struct qz_model *m, const struct qz_range *ranges, int n, int bits,
		      const struct qz_fitted *fitted, struct qz_report *r, size_t *len, struct diags *err);
/* n float weights, `channels` along axis 0 (or axis 1 of a 2-D [n / channels,
 * channels]), as int8 q with a symmetric scale per channel (max |w| / 127),
 * rounded to nearest even. */
void qz_round_weights(const float *v, int64_t n, int64_t channels, int axis, float *ws, int8_t *q);

/* ---- fitted weights (quant/fit.c) ---- */

/* Fits the weights of every quantized node, layer by layer, to what the
 * quantized model feeds it: *fitted per node of the graph (w NULL where
 * not fitted; free with qz_fitted_free), *nfitted the layers fitted.  0,
 * or -1 with an error. */
int qz_fit(const struct qz_model *m, const struct qz_options *o, const struct qz_range *ranges, int n,
	   struct qz_fitted **fitted, int *nfitted, struct diags *err);
void qz_fitted_free(struct qz_fitted *fitted, size_t n);

/* ---- the comparison (quant/compare.c) ---- */

/* Runs both models over the calibration files and fills r's outputs. */
int qz_compare(const struct qz_model *m, const uint8_t *q, size_t qlen, const struct qz_options *o,
	       struct qz_report *r, struct diags *err);

#endif
