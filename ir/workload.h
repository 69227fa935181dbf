/* ir/workload: workload files (docs/workloads.md).  A YAML file names
 * tensors and ops; loading it builds an IR graph with the constructors of
 * ir/ir.h and gives every declared tensor its initial data (random from
 * the workload's seed, zeros, or read from a raw binary or .npy file).
 * Errors are FILE:LINE:COL: error: ..., like the hardware description's. */
#ifndef TESSEL_WORKLOAD_H
#define TESSEL_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most bytes a workload's tensors may hold together (running one holds
 * them all at once, compiler/runtime.c). */
#define WL_MAX_TOTAL_BYTES ((uint64_t)4 << 30)

/* Where something was declared in the workload file (1-based; 0 unknown). */
struct wl_loc {
	int line, col;
};

/* How a declared tensor's initial data is made (docs/workloads.md). */
enum wl_init_kind {
	WL_INIT_NONE,   /* none: an op computes the tensor */
	WL_INIT_RANDOM, /* from the seed and the tensor's name, integers in [lo, hi] */
	WL_INIT_ZEROS,
	WL_INIT_FILE,   /* the bytes of a raw or .npy file, in data[] */
};

struct wl_init {
	enum wl_init_kind kind;
	int64_t lo, hi; /* WL_INIT_RANDOM, integer dtypes */
};

struct wl_workload {
	char name[IR_NAME_MAX];
	char *file;              /* the path or name it was loaded from */
	uint64_t seed;
	struct ir_graph g;
	/* Per tensor of g (g.ntensors entries): how its initial data is made.
	 * Random and zero data are not held: wl_tensor_fill makes them where the
	 * bytes are needed, so loading a workload allocates no tensor. */
	struct wl_init *init;
	/* Per tensor: the data read from its raw or .npy file (WL_INIT_FILE),
	 * row-major, little-endian, in its dtype; NULL for every other tensor. */
	uint8_t **data;
	/* The data files it read, as opened: a command's outputs must not be
	 * one of them (they are its inputs). */
	char **data_files;
	int ndata_files;
	struct wl_loc *tensor_at; /* per tensor: its declaration, or its op's; of an ONNX model's
				   * graph input, line = its index among the graph's inputs + 1 */
	struct wl_loc *op_at;     /* per op; of an ONNX model, line = its node's index + 1 */
	/* an ONNX model's nodes: each one's op_type (for placement reports) */
	int nnodes;
	char (*node_op_type)[32];
};

/* 0 on success; -1 with every error appended to err (and *w zeroed).  Data
 * file paths are relative to the directory of PATH (of NAME for a string;
 * the current directory when NAME has no '/').  wl_load_file_dims also
 * gives sizes for an ONNX model's symbolic dimensions (a graph input's
 * "batch" or "unk__314"): DIMS is "NAME=N[,NAME=N]...", or NULL; each must
 * name a symbolic dimension of the model's graph inputs, and DIMS with a
 * workload file is an error. */
int wl_load_file_dims(const char *path, const char *dims, struct wl_workload *w, struct diags *err);
static inline int wl_load_file(const char *path, struct wl_workload *w, struct diags *err)
{
	return wl_load_file_dims(path, NULL, w, err);
}
int wl_load_string(const char *text, const char *name, struct wl_workload *w, struct diags *err);
/* An ONNX model as a workload (ir/onnx.c, docs/onnx.md): its initializers
 * weights, its graph inputs inputs (random from seed 0 until given), each
 * node IR ops.  wl_load_file calls it for a path ending in ".onnx".  0, or
 * -1 with an error naming the node, its op_type and the opset. */
int wl_load_onnx(const char *path, struct wl_workload *w, struct diags *err);
int wl_load_onnx_dims(const char *path, const char *dims, struct wl_workload *w, struct diags *err);
/* The same from the model's bytes (with wl_load_file_dims's DIMS, or
 * NULL); `path` names it in errors, and external data is read relative to
 * its folder. */
int wl_load_onnx_bytes(const uint8_t *bytes, size_t len, const char *path, const char *dims, struct wl_workload *w,
		       struct diags *err);
/* The same, with the graph's int64 inputs (shapes, axes, pads) and scalars
 * (Clip's bounds, Pad's value): what the IR needs as constants, taken from
 * the TensorProto files GIVEN/input_K.pb,
 * K counting the graph inputs without an initializer, as a backend test's
 * data set holds them (tessel onnx-test). */
int wl_load_onnx_given(const char *path, const char *given, struct wl_workload *w, struct diags *err);
/* An ONNX TensorProto file (a backend test's input_N.pb, output_N.pb): its
 * values as little-endian bytes of *dt (*nbytes), its shape and its name
 * as the IR names the value ("" when it has none; a long one shortened as
 * a model's are, docs/onnx.md); NULL with an error (the name is
 * set whenever the file is a TensorProto). */
uint8_t *wl_onnx_read_tensor(const char *path, enum dtype *dt, int *rank, int64_t *shape, size_t *nbytes,
			     char name[IR_NAME_MAX], struct diags *err);
void wl_free(struct wl_workload *w);

/* Splits op ps->op's strided window (ir_phase_split_apply): a layout op
 * "OP.phases" before it and the weight "OP.weights", its values made from
 * the weight's now.  0; 1 when one of those names is taken (nothing
 * changed); -1 with an error. */
int wl_phase_split(struct wl_workload *w, const struct ir_phase_split *ps, struct diags *err);
/* Bands op bs->op (ir_band_split_apply): the banded input and its layout op
 * "OP.bands", the op's banded output "OP.banded", the op copying the bands
 * back into the op's output Y "Y.unbands" (Y is OP unless the op names
 * its `out`) and, when the bands pass the extent, the wider output and the
 * op writing it, "OP.wide", in between.  0: the op is then at bs->op + 1
 * and the next op not made by the split at bs->op + 3 (+ 4 when
 * bs->q * bs->rows > bs->extent), where a loop over ops goes on.  1 when
 * one of those names is taken (nothing changed); -1 with an error. */
int wl_band_split(struct wl_workload *w, const struct ir_band_split *bs, struct diags *err);
/* Bytes of tensor i's data (elements x dtype size). */
size_t wl_tensor_bytes(const struct wl_workload *w, int i);
/* Whether tensor i has initial data (declared, not computed by an op). */
bool wl_tensor_declared(const struct wl_workload *w, int i);
/* Writes tensor i's initial data, wl_tensor_bytes(w, i) bytes, to OUT:
 * random from the seed (the same bytes every time), zeros, or the file's.
 * Leaves OUT alone and returns false for a tensor an op computes. */
bool wl_tensor_fill(const struct wl_workload *w, int i, uint8_t *out);
/* The random data generator of docs/workloads.md: N elements of DTYPE for the
 * tensor NAME of a workload with SEED, integers uniform over [lo, hi], floats
 * uniform in [-1, 1) rounded to the dtype; written little-endian to OUT. */
void wl_random_fill(uint64_t seed, const char *name, enum dtype dtype, int64_t lo, int64_t hi, int64_t n,
		    uint8_t *out);
/* Sets the bounds (ir_tensor.bounded, lo, hi) of every integer weight with
 * initial data: the declared range of random data, 0 of zeros, the least
 * and greatest value of a file's or a model's. */
void wl_bound_constants(struct wl_workload *w);
/* The default range of random integers of DTYPE. */
void wl_default_range(enum dtype dtype, int64_t *lo, int64_t *hi);
/* IEEE binary16 nearest (ties to even) to V. */
uint16_t wl_fp16_from_double(double v);

#ifdef __cplusplus
}
#endif

#endif
