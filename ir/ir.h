/* ir: the tensor IR.  A graph of tensors and ops; every op is one
 * loop nest:
 *
 *   for every point of the iteration domain (named iterators with extents,
 *   spatial or reduction):
 *       out[o(it)]  reduce=  combine(in0[a(it)], in1[b(it)])
 *
 * with affine index expressions, followed, once the reduction of an output
 * value is complete, by its fused elementwise epilogues (bias add,
 * requantizing shift, clip, relu, ...) and the cast to the output dtype.
 * conv2d (padding, stride, dilation, groups), depthwise conv, dense, matmul,
 * batched matmul, pooling and elementwise ops are constructors of this one
 * form, not separate code paths.  Semantics: docs/ir.md. */
#ifndef TESSEL_IR_H
#define TESSEL_IR_H

#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/strbuf.h"
#include "base/dtype.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	IR_NAME_MAX = 64,
	IR_MAX_RANK = 6,
	IR_MAX_ITERS = 10,
	IR_MAX_INPUTS = 2,
	IR_MAX_EPILOGUES = 8,
};

/* X(id, name) */
#define IR_TENSOR_KINDS(X)         \
	X(INPUT, "input")           \
	X(WEIGHT, "weight")         \
	X(INTERMEDIATE, "intermediate") \
	X(OUTPUT, "output")

enum ir_tensor_kind {
#define X(id, name) IR_TENSOR_##id,
	IR_TENSOR_KINDS(X)
#undef X
};

struct ir_tensor {
	char name[IR_NAME_MAX];
	enum ir_tensor_kind kind;
	enum dtype dtype;
	int rank;
	int64_t shape[IR_MAX_RANK];
	char layout[IR_MAX_RANK + 1]; /* one letter per dimension, e.g. "NHWC" */
	int producer;                 /* op index, or -1 */
	/* An integer weight's least and greatest value, when its data was known
	 * at load (wl_bound_constants): a lowering may depend on the range of a
	 * constant (tz_bias_beat).  bounded false: not known. */
	bool bounded;
	int64_t lo, hi;
};

/* sum of coef[i] * iterator i, plus offset */
struct ir_affine {
	int64_t coef[IR_MAX_ITERS];
	int64_t offset;
};
/* Its value at the iterators' values it[IR_MAX_ITERS]. */
int64_t ir_affine_at(const struct ir_affine *x, const int64_t *it);

struct ir_access {
	int tensor;
	struct ir_affine index[IR_MAX_RANK]; /* one per dimension of the tensor */
};

struct ir_iter {
	char name[16];
	int64_t extent;
	bool reduction;
};

/* How the values of one output point are combined.  X(id, name) */
#define IR_REDUCES(X)      \
	X(ASSIGN, "=")      \
	X(SUM, "+=")        \
	X(MAX, "max=")

enum ir_reduce {
#define X(id, name) IR_REDUCE_##id,
	IR_REDUCES(X)
#undef X
};

/* What is computed from the inputs at each point, written
 * PREFIX a INFIX b SUFFIX.  GE, GT and EQ give 1 when a >= b (a > b,
 * a == b; false for a NaN) and 0 otherwise; PICK gives b when a is not 0
 * (a NaN is not), else 0 (floats: -0, so that pick(c, x) + pick(c == 0, y)
 * is x or y bit for bit).  X(id, prefix, infix, suffix, inputs) */
#define IR_COMBINES(X)                 \
	X(COPY, "", "", "", 1)          \
	X(MUL, "", " * ", "", 2)        \
	X(ADD, "", " + ", "", 2)        \
	X(SUB, "", " - ", "", 2)        \
	X(MAX, "max(", ", ", ")", 2)    \
	X(DIV, "", " / ", "", 2)        \
	X(MIN, "min(", ", ", ")", 2)    \
	X(GE, "", " >= ", "", 2)        \
	X(GT, "", " > ", "", 2)         \
	X(EQ, "", " == ", "", 2)        \
	X(PICK, "pick(", ", ", ")", 2)

enum ir_combine {
#define X(id, pre, in, suf, n) IR_COMBINE_##id,
	IR_COMBINES(X)
#undef X
};

/* DIV is floating point only (an integer division could divide by zero);
 * so are the EXP, LOG, SQRT, TANH and ERF epilogues (e to the value, its
 * natural logarithm, its square root, its hyperbolic tangent, the error
 * function of it).
 * Applied in order to each finished value, in the accumulator type.
 * X(id, name, has a tensor) */
#define IR_EPILOGUES(X)          \
	X(BIAS, "bias", true)     \
	X(ADD, "add", false)      \
	X(MUL, "mul", false)      \
	X(SHR, "shr", false)      \
	X(DIV, "div", false)      \
	X(CLIP, "clip", false)    \
	X(RELU, "relu", false)    \
	X(ROUND, "round", false)  \
	X(EXP, "exp", false)      \
	X(LOG, "log", false)      \
	X(SQRT, "sqrt", false)    \
	X(TANH, "tanh", false)    \
	X(ERF, "erf", false)

enum ir_epilogue_kind {
#define X(id, name, t) IR_EP_##id,
	IR_EPILOGUES(X)
#undef X
};

struct ir_epilogue {
	enum ir_epilogue_kind kind;
	int tensor;      /* BIAS: a rank-1 tensor indexed by output dimension `dim` */
	int dim;
	int64_t imm;     /* ADD, MUL, SHR (arithmetic, rounding down), DIV (toward zero) */
	int64_t lo, hi;  /* CLIP; ROUND: to the nearest integer, ties to even (integers: none) */
};

struct ir_op {
	char name[IR_NAME_MAX];
	char kind[16];       /* the constructor: "conv2d", "dense", ... */
	int niters;
	struct ir_iter iter[IR_MAX_ITERS];
	struct ir_access out;
	int nin;
	struct ir_access in[IR_MAX_INPUTS];
	enum ir_reduce reduce;
	enum ir_combine combine;
	enum dtype acc;   /* type values are reduced and epilogues applied in */
	int nepilogues;
	struct ir_epilogue epilogue[IR_MAX_EPILOGUES];
	uint64_t macs;    /* products that count, when fewer than the domain's points (a
			   * phase-split op's: not those of its zero window taps); 0: all */
};

struct ir_graph {
	int ntensors, tensor_cap;
	struct ir_tensor *tensor;
	int nops, op_cap;
	struct ir_op *op;
};

void ir_graph_free(struct ir_graph *g);
int ir_tensor_lookup(const struct ir_graph *g, const char *name); /* -1: none */
/* A new tensor; -1 (with an error naming it) on a bad shape or name. */
int ir_add_tensor(struct ir_graph *g, const char *name, enum ir_tensor_kind kind, enum dtype dtype, int rank,
		  const int64_t *shape, const char *layout, struct diags *err);
int64_t ir_tensor_elems(const struct ir_tensor *t);

/* Constructors.  Each checks its operands' shapes and dtypes, creates the
 * output tensor `out_name` (kind OUTPUT; the caller may change it) and the op,
 * and returns the op's index, or -1 with an error naming the op. */
struct ir_conv2d_attrs {
	int64_t stride[2];   /* h, w */
	int64_t pad[4];      /* top, left, bottom, right */
	int64_t dilation[2]; /* h, w */
	int64_t groups;
	bool nchw;           /* input and output NCHW, weight OIHW (ONNX's) */
};
/* input NHWC [N, H, W, C]; weight OHWI [O, KH, KW, C / groups]; out NHWC
 * (or, with nchw, NCHW, OIHW and NCHW: the same loop nest). */
int ir_conv2d(struct ir_graph *g, const char *name, int input, int weight, const struct ir_conv2d_attrs *a,
	      const char *out_name, enum dtype out_dtype, struct diags *err);
/* input [N, K]; weight [M, K]; out [N, M]. */
int ir_dense(struct ir_graph *g, const char *name, int input, int weight, const char *out_name,
	     enum dtype out_dtype, struct diags *err);
/* a [M, K] x b [K, N], or batched [B, M, K] x [B, K, N]. */
int ir_matmul(struct ir_graph *g, const char *name, int a, int b, const char *out_name, enum dtype out_dtype,
	      struct diags *err);
/* input NHWC; window [KH, KW]; max or average (sum, then division by the
 * window size: padding counts, as in count_include_pad). */
int ir_pool2d(struct ir_graph *g, const char *name, int input, bool max, const int64_t window[2],
	      const int64_t stride[2], const int64_t pad[4], const char *out_name, struct diags *err);
/* The same, the input (and output) NCHW when nchw; ir_pool2d_dilated also
 * with the window's taps `dilation` apart. */
struct ir_pool2d_attrs {
	int64_t window[2], stride[2], pad[4], dilation[2];
	bool nchw;
};
int ir_pool2d_dilated(struct ir_graph *g, const char *name, int input, bool max, const struct ir_pool2d_attrs *a,
		      const char *out_name, struct diags *err);
int ir_pool2d_layout(struct ir_graph *g, const char *name, int input, bool max, const int64_t window[2],
		     const int64_t stride[2], const int64_t pad[4], bool nchw, const char *out_name, struct diags *err);
/* Same-shape elementwise: out = combine(a, b). */
int ir_elementwise(struct ir_graph *g, const char *name, enum ir_combine combine, int a, int b, const char *out_name,
		   enum dtype out_dtype, struct diags *err);
/* An op written as an index expression, e.g. "y[i, j] += a[i, k] * b[k, j]",
 * "y[i] += a[i, k]" or "y[i] max= a[i, k]" (ir/einsum.c); the output
 * (named in the expression, and out_name) is created with out_dtype. */
int ir_einsum(struct ir_graph *g, const char *name, const char *expr, const char *out_name, enum dtype out_dtype,
	      struct diags *err);
/* Appends a finished op (its output access filled in but for the tensor) and
 * creates its output tensor; for constructors. */
int ir_add_op(struct ir_graph *g, const struct ir_op *op, const char *out_name, enum dtype out_dtype, int rank,
	      const int64_t *shape, struct diags *err);
/* An epilogue appended to op `op`; -1 with an error if it does not fit. */
int ir_add_epilogue(struct ir_graph *g, int op, const struct ir_epilogue *e, struct diags *err);

/* Whether op `op` only moves values: one input of the output's dtype,
 * copied (=) with no epilogue and no reduction, so that a table of where
 * each value comes from does all it does. */
bool ir_op_is_move(const struct ir_graph *g, int op);
/* Whether iterator `it` indexes a dimension of access x (of `rank`
 * dimensions) other than `dim` (-1: any). */
bool ir_access_uses_elsewhere(const struct ir_access *x, int rank, int dim, int it);
/* The row-major element of a's tensor access a reads at iterator values
 * it, or -1 outside the tensor. */
int64_t ir_access_element(const struct ir_graph *g, const struct ir_access *a, const int64_t *it);

/* Derived figures. */
uint64_t ir_op_macs(const struct ir_op *op); /* points of the domain (or op->macs), for MUL/SUM ops */
/* Distinct elements of tensor t that access a of op touches over the whole
 * domain, in bounds (ir/footprint.c): exact for dimensions whose indices
 * share no iterator and for small groups that do; bounded above (by the
 * tensor) otherwise. */
int64_t ir_access_footprint(const struct ir_op *op, const struct ir_access *a, const struct ir_tensor *t);
const char *ir_tensor_kind_name(enum ir_tensor_kind k);
const char *ir_epilogue_name(enum ir_epilogue_kind k);
/* EXP, LOG and SQRT: epilogues of floating-point accumulators only. */
bool ir_epilogue_float_only(enum ir_epilogue_kind k);
/* A readable listing of the graph: tensors, then each op's loop nest. */
void ir_dump(const struct ir_graph *g, struct strbuf *out);

/* A copy of src (room for a few more tensors and ops); 0, or -1 when out
 * of memory (dst empty). */
int ir_graph_copy(struct ir_graph *dst, const struct ir_graph *src);
/* Moves the last op to index `to`, the ops from there on one later (their
 * output tensors' producers follow): for an op that must run before
 * another it was made after. */
void ir_move_last_op(struct ir_graph *g, int to);

/* ---- phase splitting (space to depth, ir/phase.c) ---- */

/* A strided window over operand `a` of op `op` whose other operand `b` is a
 * weight: a dimension of a indexed stride·x + k + offset (x spatial, k the
 * window's reduction iterator, alone in dimension b_dim of b) reads each
 * index of one phase modulo the stride only at every stride-th window
 * position.  Folding the phases into a's channels (its last dimension,
 * `channels` values, one reduction iterator shared with b's b_lane) makes
 * the window unit-stride with ceil(window / stride) positions over
 * channels x phases values: what a machine whose elements hold more
 * channels than a has can run without wasting most of each element. */
struct ir_phase_dim {
	int dim, x, k, b_dim;
	int64_t stride, window, offset;
};
struct ir_phase_split {
	int op;
	int a, b;            /* the op's input slots */
	int lane, b_lane;    /* the channel dimension of a and of b */
	int lane_iter;       /* its iterator, -1 for a single channel */
	int64_t channels, phases;
	int nsplit;
	struct ir_phase_dim split[IR_MAX_RANK];
};
/* Whether op `op` of g has such a window (ps describes it). */
bool ir_phase_split_find(const struct ir_graph *g, int op, struct ir_phase_split *ps);
/* The shapes of a and b once split. */
void ir_phase_split_shapes(const struct ir_graph *g, const struct ir_phase_split *ps, int64_t *a_shape,
			   int64_t *b_shape);
/* Rewrites g: a new weight tensor b_name (b's values by
 * ir_phase_split_source), a layout op and its output a_name (a with its
 * phases in its channels, zero outside a) inserted at index ps->op, and
 * the op, now at ps->op + 1, reading both.  The layout op's index, or -1
 * with an error (a name already taken; out of memory). */
int ir_phase_split_apply(struct ir_graph *g, const struct ir_phase_split *ps, const char *a_name, const char *b_name,
			 struct diags *err);
/* Element i (row-major) of the split weight b2: the index of the element of
 * b it holds, or -1 for a zero (a window position past the kernel). */
int64_t ir_phase_split_source(const struct ir_phase_split *ps, const struct ir_tensor *b, const struct ir_tensor *b2,
			      int64_t i);

/* ---- band splitting (ir/band.c) ---- */

/* A machine whose scratchpad elements hold `rows` rows moves only whole
 * elements: a window sliding by one position over operand `a` of op `op`
 * (its other operand `b` a weight) would shift rows inside an element.
 * Output dimension out_dim, spatial iterator x alone (extent points), is
 * cut into `rows` bands of q = ceil(extent / rows) points, point r·q + c;
 * dimension a_dim of a, stride·x + window (reaching `span`) + offset,
 * becomes c' of the banded input XB[.., c', .., r, ch] =
 * a[.., stride·q·r + c' + offset, .., ch] (zero outside a): an element's
 * rows are the bands, and each window position moves whole elements.  A
 * bias along out_dim would need banding too: such a dimension is left. */
struct ir_band_split {
	int op;
	int a, b;           /* the op's input slots */
	int rows, out_dim, a_dim, x;
	int64_t stride, span, offset, extent, q;
};
/* Whether op `op` of g has such a dimension for `rows` >= 2 rows, the
 * innermost if several (bs describes it); false too when the banded op or
 * its tensors would not fit the IR's bounds, or the banded input would
 * pass 2^31 elements. */
bool ir_band_split_find(const struct ir_graph *g, int op, int rows, struct ir_band_split *bs);
/* Rewrites g: a layout op and its output a_name (XB) at index bs->op; the
 * op, now at bs->op + 1, over x < q and a new spatial iterator "r",
 * reading XB and writing out_name (its output with out_dim q long and the
 * rows before its last dimension), its MACs unchanged; then an op copying
 * the bands back into the output tensor, which keeps its index and name.
 * When q·rows > extent the copy writes wide_name (out_dim q·rows long),
 * and one more op copies the output's part of it.  The op that writes the
 * output is named after it with ".unbands"; every other new op after its
 * output.  The op's index, or -1 with an error (a name taken; out of
 * memory), g then unchanged. */
int ir_band_split_apply(struct ir_graph *g, const struct ir_band_split *bs, const char *a_name, const char *out_name,
			const char *wide_name, struct diags *err);

/* ---- one op as bytes a program carries (ir/serial.c, docs/program.md) ---- */

enum { IR_OP_MAX_OPERANDS = IR_MAX_INPUTS + IR_MAX_EPILOGUES };
/* The operand tensors of op `op` of g, each once, in the order the encoding
 * keeps them: its inputs, then its bias tensors.  Their graph indices into
 * t; the count. */
int ir_op_operands(const struct ir_graph *g, int op, int *t);
/* Op `op` of g with its operand tensors and its output tensor (names,
 * dtypes, shapes, layouts), as bytes; NULL when out of memory. */
uint8_t *ir_op_encode(const struct ir_graph *g, int op, size_t *len);
/* The graph of one op from ir_op_encode's bytes: tensors 0 .. n-1 its
 * operands (ir_op_operands's order), tensor n its output, op 0.  Every
 * field is checked, so that the host backend can run what it returns on
 * tensors of exactly those shapes: names, dtypes, shapes (at most 4 GiB per
 * tensor), iterators, at most IR_OP_MAX_POINTS points in its domain,
 * accesses of the right rank, the output's indices inside it over the
 * whole domain, bias tensors as long as the output dimension they follow.
 * 0, or -1 with an error naming `what` and what is wrong; g is then empty. */
enum { IR_OP_MAX_POINTS_LOG2 = 36 };
int ir_op_decode(const uint8_t *b, size_t len, const char *what, struct ir_graph *g, struct diags *err);

#ifdef __cplusplus
}
#endif

#endif
