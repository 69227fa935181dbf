/* quant: post-training static int8 quantization of an ONNX model
 * (docs/quantize.md).  The float model is run on the host (LLVM JIT) over
 * the calibration samples; every Conv and MatMul whose weight is a
 * constant gets int8 weights with one symmetric scale per output channel,
 * an int32 bias at scale x_scale · w_scale, and QuantizeLinear /
 * DequantizeLinear pairs around it with per-tensor int8 scales and zero
 * points from the ranges its input and output took.  The result is a
 * standard ONNX model in the QDQ form (onnxruntime runs it; tessel imports
 * each pattern as the QLinear op it stands for, ir/onnx_qdq.c).  Then both
 * models are run on the samples and their outputs compared. */
#ifndef TESSEL_QUANTIZE_H
#define TESSEL_QUANTIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "ir/ir.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { QZ_MAX_OUTPUTS = 16 };

struct qz_options {
	const char *model;             /* the float model */
	const char *out;               /* the quantized model written */
	const char *const *calibrate;  /* .npy files: each one sample (or a batch) of the graph's input */
	int ncalibrate;
	int activation_bits;           /* 8 (int8, the default) or 16 (int16: W8A16) */
	bool fit_weights;              /* weights fitted layer by layer (quant/fit.c), not only rounded */
};

/* How the quantized model's outputs differ from the float model's over the
 * calibration samples. */
struct qz_output_report {
	char name[IR_NAME_MAX];
	int64_t values;            /* compared, over every sample */
	double max_abs_error;      /* max |quantized - float| */
	double max_abs_float;      /* max |float|, for scale */
	double cosine;             /* of the two outputs as vectors, all samples together */
	bool is_class;             /* [N, C] scores with C >= 2, or a Softmax's: top-1 compared */
	int64_t top1_agree, top1_total;
};

struct qz_report {
	int quantized;             /* Conv and MatMul nodes given int8 weights */
	int activation_bits;       /* of the activations around them: 8 or 16 */
	int fitted;                /* nodes whose weights were fitted (--weights fit) */
	int skipped;               /* Conv and MatMul nodes left in float (weight not a constant, ...) */
	int activations;           /* tensors given a scale and zero point */
	int samples;               /* calibration files run */
	int noutputs;
	struct qz_output_report out[QZ_MAX_OUTPUTS];
};

/* Quantizes o->model into o->out and fills r.  0, or -1 with errors naming
 * the model, the node or the calibration file and what was expected. */
int qz_quantize(const struct qz_options *o, struct qz_report *r, struct diags *err);

#ifdef __cplusplus
}
#endif

#endif
