/* Internal to ir/onnx*.c: one ONNX import — the model as protobuf-c
 * unpacked it, the workload being built, and the ONNX values (every named
 * tensor of the graph) with the IR tensor or the constant each one is. */
#ifndef TESSEL_ONNX_INT_H
#define TESSEL_ONNX_INT_H

#include "onnx.pb-c.h"
#include "workload.h"

/* An ONNX value: an IR tensor, or (tensor -1) a constant not yet made one
 * (an initializer or a Constant's value: shapes and axes are read from
 * these; an op that takes one as an operand makes it a weight). */
struct ox_value {
	char *name;
	int tensor;
	/* the constant: its dtype (or int64 for shapes, which the IR has not),
	 * shape and little-endian bytes */
	bool is_int64;
	enum dtype dtype;
	int rank;
	int64_t shape[IR_MAX_RANK];
	uint8_t *bytes;
	int uses; /* nodes and graph outputs that read it (ox_uses) */
};

/* A node's part in a QDQ pattern (ir/onnx_qdq.c). */
enum ox_qdq_role { OX_QDQ_NONE, OX_QDQ_FUSED, OX_QDQ_PRODUCT };
struct ox_qdq {
	enum ox_qdq_role role;
	long dx, dw, db, relu, q; /* PRODUCT: the nodes around it (-1: none) */
};

/* If branches nest at most this deep. */
enum { OX_MAX_SCOPES = 8 };
/* ox_output_name's names in use at once. */
enum { OX_IR_NAMES = 4 };

struct ox {
	struct wl_workload *w;
	struct diags *err;
	const char *file;
	const char *dir; /* external data paths are relative to it */
	const char *given; /* a data set folder whose input_K.pb give the graph's int64 inputs, or NULL */
	const char *dims;  /* "NAME=N,...": sizes of symbolic dimensions, or NULL */
	uint64_t dims_used; /* which of them a graph input took */
	int64_t opset;
	const Onnx__GraphProto *graph;
	int nvalues, value_cap;
	struct ox_value *value;
	int *slot, nslots;     /* open addressing by name: index into value of its latest binding, -1 */
	const char **reads;    /* every name a node or a graph output reads, sorted (uses) */
	size_t nreads;
	int tensor_cap, op_cap;
	bool nomem;
	uint64_t made_bytes; /* of the constants the converters made (ox_new_constant) */
	struct ox_qdq *qdq;  /* per node */
	bool relu_floor;     /* requantizing: a Relu before, so clip at the zero point */
	bool qdq_wide;       /* a QDQ pattern's product: its activation may be int16 */
	/* the node being imported, for errors */
	const Onnx__NodeProto *node;
	char node_name[IR_NAME_MAX];
	char ir_names[OX_IR_NAMES][IR_NAME_MAX]; /* ox_output_name's, taken in turn */
	unsigned next_ir_name;
	bool attr_error;     /* an attribute of the node was read as a type it does not have */
	/* the If branches being imported, innermost last: the prefix of the
	 * names their nodes make (ir/onnx_if.c) */
	int nscopes;
	char scope[OX_MAX_SCOPES][IR_NAME_MAX];
};

/* An ONNX elem_type as the IR's dtype (bool: uint8 holding 0 or 1; int64:
 * int32 with *is_int64, for constants); false for one the IR has not. */
bool ox_onnx_dtype(int32_t t, enum dtype *dt, bool *is_int64);
/* ONNX's name of an elem_type ("float", "int64", ...). */
const char *ox_onnx_dtype_name(int32_t t);

/* Models larger than this are refused: real ones have thousands of nodes. */
enum { OX_MAX_NODES = 100000, OX_MAX_VALUES = 4 * OX_MAX_NODES };

/* How many nodes and graph outputs read `name`. */
int ox_uses(const struct ox *X, const char *name);
/* Finds the QDQ patterns of the graph (X->qdq), once its constants are
 * values; 0, or -1 with an error. */
int ox_qdq_plan(struct ox *X);
/* Whether node n's domain is one the importer reads: the default, or
 * com.microsoft for QuantizeLinear and DequantizeLinear. */
bool ox_known_domain(const Onnx__NodeProto *n);
/* Node k, the product of a QDQ pattern, imported as the QLinear op of it. */
int ox_qdq_convert(struct ox *X, size_t k);
/* Lists every name the graph reads (X->reads, sorted), before any value
 * is made; 0, or -1 with an error. */
int ox_list_reads(struct ox *X);
/* A new value named `name` (the latest binding of the name), its uses
 * counted from X->reads; NULL with an error. */
struct ox_value *ox_new_value(struct ox *X, const char *name);
/* An error about the current node: "node 'N' (Op, opset K): ..." (-1). */
int ox_node_error(struct ox *X, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The value named `name`, or NULL (also for a NULL name). */
struct ox_value *ox_value(struct ox *X, const char *name);
/* Input k of the current node as an IR tensor (a constant becomes a
 * weight); -1 with an error when it is missing or cannot be one. */
int ox_input(struct ox *X, int k);
/* Input k as a constant, or NULL (with an error, unless optional). */
const struct ox_value *ox_const_input(struct ox *X, int k, bool optional);
/* Elements of a value's constant. */
int64_t ox_value_elems(const struct ox_value *v);
/* A TensorProto as the constant value `name`: 0, or -1 with an error. */
int ox_constant_value(struct ox *X, const Onnx__TensorProto *t, const char *name);
/* A constant of one value (rank 0, or one element) as a double; -1 with an
 * error naming the node otherwise. */
int ox_const_scalar(struct ox *X, const struct ox_value *v, double *out);
/* The constant's values as int64 (any integer dtype); n of them. */
bool ox_const_ints(struct ox *X, const struct ox_value *v, int64_t *out, int max, int *n);
/* Attributes of the current node. */
const Onnx__AttributeProto *ox_attr(struct ox *X, const char *name);
int64_t ox_attr_int(struct ox *X, const char *name, int64_t dflt);
double ox_attr_float(struct ox *X, const char *name, double dflt);
/* ints: up to max of them into out; *n their count (0 when absent). */
bool ox_attr_ints(struct ox *X, const char *name, int64_t *out, int max, int *n);
/* The attribute's string, or dflt. */
const char *ox_attr_string(struct ox *X, const char *name, const char *dflt);
/* Output k of the node names IR tensor t from now on. */
int ox_bind_output(struct ox *X, int k, int t);
/* Output 0 of the node is op's result (the workload's per-op and
 * per-tensor records grown to the graph first); -1 for op -1. */
int ox_bind_op(struct ox *X, int op);
/* BASE.SUFFIX in out (IR_NAME_MAX bytes), BASE cut to fit. */
void ox_name_of(char *out, const char *base, const char *suffix);
/* The IR's name for an ONNX value's: the name itself where it has fewer
 * than IR_NAME_MAX bytes, else its first bytes, '~' and 16 hex digits of
 * its XXH64 (out). */
const char *ox_ir_name(const char *name, char out[IR_NAME_MAX]);
/* Output k's ONNX name, as values are bound and looked up by ("": none). */
const char *ox_onnx_output(struct ox *X, int k);
/* The IR name for output k (ox_ir_name of its ONNX name; the last
 * OX_IR_NAMES returned stay valid). */
const char *ox_output_name(struct ox *X, int k);
/* Appends op (its out access filled) with output tensor `out_name`;
 * the op's index, or -1 with the IR's error. */
int ox_add_op(struct ox *X, struct ir_op *op, const char *out_name, enum dtype dt, int rank, const int64_t *shape);
/* Grows the workload's per-tensor and per-op arrays to the graph's counts. */
bool ox_grow(struct ox *X);

/* A Conv node's window as the IR's attributes (NCHW input tx, OIHW weight
 * tw): 0, or -1 with an error. */
int ox_conv_attrs(struct ox *X, const struct ir_tensor *tx, const struct ir_tensor *tw, struct ir_conv2d_attrs *a);
/* out[batch.., i, j] += a[batch.., i, k] * b[(batch..,) k, j], with a and b
 * transposed as asked (b without batch dimensions is shared by them all):
 * the op's index, or -1 with an error. */
int ox_matmul_op(struct ox *X, int a, int b, bool ta, bool tb, const char *out_name, enum dtype out_dtype);
/* out = a OP b with numpy's broadcasting (ONNX's multidirectional): the
 * shapes aligned at their last dimension, a dimension of 1 read at index 0
 * (a coefficient of 0) against the other's.  Operands both integer or both
 * floating point; the op's index, or -1 with an error. */
int ox_broadcast_op(struct ox *X, enum ir_combine c, int a, int b, const char *op_name, const char *out_name,
		    enum dtype out_dtype);
/* out reduce= in over the dimensions in `mask` (bit d: dimension d), which
 * the output keeps as 1 when `keep`, else drops (all dropped: one value):
 * the output tensor, or -1 with an error. */
int ox_reduce_op(struct ox *X, int in, unsigned mask, bool keep, enum ir_reduce r, const char *op_name,
		 const char *out_name, enum dtype out_dtype);
/* A new constant (a weight) of the workload, its bytes zeroed in *data:
 * the tensor, or -1 with an error.  Each is at most OX_MAX_MADE_BYTES,
 * and all of them together at most 4 times that: what a converter derives
 * (rewritten weights, per-position divisors, padding values) stays within
 * what a model can hold, whatever shapes it declares. */
enum { OX_MAX_MADE_BYTES = 256 << 20 };
int ox_new_constant(struct ox *X, const char *name, enum dtype dt, int rank, const int64_t *shape, uint8_t **data);
/* Whether graph input `name` is read as a parameter (a scale, a zero
 * point, a batch norm's statistics), which a backend test's data set gives
 * as a constant. */
bool ox_param_input(const struct ox *X, const char *name);

/* The converters (ir/onnx_ops.c, ir/onnx_windows.c, ir/onnx_moves.c, ir/onnx_activations.c,
 * ir/onnx_quant.c): 0, or -1 with an error. */
typedef int (*ox_convert)(struct ox *X);
/* A copy of tensor `in` as shape q x T in row-major order (a merge or a
 * split of dimensions), op `op_name` making `out_name`: the op's index, or
 * -1 with an error. */
int ox_reshape_op(struct ox *X, int in, int q, const int64_t *T, const char *op_name, const char *out_name);
/* Concat of a and b along `axis`: out[.., i, ..] = a[.., i, ..] + b[.., i
 * − A, ..] (A: a's extent there); the op's index, or -1 with an error. */
int ox_concat_op(struct ox *X, int a, int b, int axis, const char *op_name, const char *out_name);
int ox_flatten(struct ox *X);
int ox_reshape(struct ox *X);
int ox_squeeze(struct ox *X);
int ox_unsqueeze(struct ox *X);
int ox_transpose(struct ox *X);
int ox_pad(struct ox *X);
int ox_identity(struct ox *X);
int ox_constant_node(struct ox *X);
int ox_conv(struct ox *X);
int ox_max_pool(struct ox *X);
int ox_average_pool(struct ox *X);
int ox_global_average_pool(struct ox *X);
int ox_global_max_pool(struct ox *X);
int ox_conv_integer(struct ox *X);
int ox_matmul_integer(struct ox *X);
int ox_qlinear_conv(struct ox *X);
int ox_qlinear_matmul(struct ox *X);
int ox_quantize_linear(struct ox *X);
int ox_dequantize_linear(struct ox *X);
int ox_leaky_relu(struct ox *X);
int ox_prelu(struct ox *X);
int ox_sigmoid(struct ox *X);
int ox_log_softmax(struct ox *X);
int ox_layer_normalization(struct ox *X);
/* ir/onnx_fold.c: the node folded into constants (Shape, Size, or only
 * int64 constants in): 1; not a fold: 0 (its converter runs); -1 with an
 * error. */
int ox_fold(struct ox *X);
/* The converter of the ops that are only folded (Shape, Gather, ...): an error. */
int ox_fold_only(struct ox *X);
int ox_reciprocal(struct ox *X);
int ox_tanh(struct ox *X);
int ox_erf(struct ox *X);
int ox_hard_sigmoid(struct ox *X);
int ox_hard_swish(struct ox *X);
int ox_softplus(struct ox *X);
int ox_elu(struct ox *X);
int ox_selu(struct ox *X);
int ox_abs(struct ox *X);
int ox_neg(struct ox *X);
int ox_dropout(struct ox *X);
int ox_exp(struct ox *X);
int ox_log(struct ox *X);
int ox_sqrt(struct ox *X);
int ox_pow(struct ox *X);
int ox_softmax(struct ox *X);
int ox_concat(struct ox *X);
int ox_equal(struct ox *X);
int ox_greater(struct ox *X);
int ox_greater_or_equal(struct ox *X);
int ox_less(struct ox *X);
int ox_less_or_equal(struct ox *X);
int ox_not(struct ox *X);
int ox_where(struct ox *X);
int ox_cast(struct ox *X);
int ox_if(struct ox *X);
/* A constant of one value v (shape [1], dtype dt) named BASE.WHAT: the
 * tensor, or -1 with an error. */
int ox_scalar(struct ox *X, const char *base, const char *what, enum dtype dt, double v);
/* out = c ? x : y elementwise with numpy's broadcasting, as
 * pick(c, x) + pick(c == 0, y) (exact); x and y both integer or both
 * floating point, out of x's dtype: the op's index, or -1 with an error. */
int ox_where_op(struct ox *X, int c, int x, int y, const char *op_name, const char *out_name);
/* The converter of op_type, or NULL; `supported` lists them all. */
ox_convert ox_converter(const char *op_type);
extern const char ox_supported[];

#endif
