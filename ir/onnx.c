/* ir/onnx: ONNX models as workloads (docs/onnx.md).  protobuf-c unpacks the
 * model with the C that protoc-c generated from libonnx-dev's onnx.proto;
 * its initializers become weights (or constants: shapes, axes), its graph
 * inputs the workload's inputs (random data from seed 0 until given), and
 * each node one or more IR ops through the converters of ir/onnx_ops.c.
 * Tensors keep ONNX's layouts (NCHW activations, OIHW weights): the IR's
 * ops are loop nests over any layout.  An op, attribute or dtype that is
 * not supported is an error naming the node, its op_type and the opset. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"
#include "base/alloc.h"
#include "base/file.h"

enum { OX_MIN_OPSET = 1, OX_MAX_OPSET = 17 };

int ox_node_error(struct ox *X, const char *fmt, ...)
{
	if (X->attr_error) /* what follows an attribute of the wrong type only repeats it */
		return -1;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag_add(X->err, X->file, 0, 0, "node '%s' (%s, opset %" PRId64 "): %s", X->node_name,
		 X->node && X->node->op_type ? X->node->op_type : "?", X->opset, msg);
	return -1;
}

static int model_error(struct ox *X, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int model_error(struct ox *X, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag_add(X->err, X->file, 0, 0, "%s", msg);
	return -1;
}

/* ---- tensors ---- */

bool ox_onnx_dtype(int32_t t, enum dtype *dt, bool *is_int64)
{
	*is_int64 = false;
	switch (t) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: *dt = DT_FP32; return true;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: *dt = DT_UINT8; return true;
	case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: *dt = DT_UINT8; return true; /* 0 or 1 */
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: *dt = DT_INT8; return true;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: *dt = DT_INT16; return true;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: *dt = DT_INT32; return true;
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: *dt = DT_FP16; return true;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: *dt = DT_INT32, *is_int64 = true; return true;
	default: return false;
	}
}

const char *ox_onnx_dtype_name(int32_t t)
{
	static const char *const names[] = {"undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64",
					    "string", "bool", "float16", "double", "uint32", "uint64", "complex64",
					    "complex128", "bfloat16"};
	return t >= 0 && t < (int32_t)(sizeof names / sizeof *names) ? names[t] : "unknown";
}

/* The bytes of an external tensor: key "location" (relative to the model's
 * folder), optional "offset" and "length". */
static uint8_t *external_bytes(struct ox *X, const Onnx__TensorProto *t, const char *name, size_t want)
{
	const char *loc = NULL;
	uint64_t offset = 0, length = want;
	for (size_t i = 0; i < t->n_external_data; i++) {
		const Onnx__StringStringEntryProto *e = t->external_data[i];
		if (!e->key || !e->value)
			continue;
		if (!strcmp(e->key, "location"))
			loc = e->value;
		else if (!strcmp(e->key, "offset"))
			offset = strtoull(e->value, NULL, 10);
		else if (!strcmp(e->key, "length"))
			length = strtoull(e->value, NULL, 10);
	}
	if (!loc || strstr(loc, "..") || loc[0] == '/') {
		model_error(X, "tensor '%s': external data without a location inside the model's folder", name);
		return NULL;
	}
	if (length != want) {
		model_error(X, "tensor '%s': external data of %" PRIu64 " bytes; its shape and dtype make %zu", name,
			    length, want);
		return NULL;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s%s%s", X->dir, X->dir[0] ? "/" : "", loc);
	size_t len;
	uint8_t *all = file_read_bytes(path, FILE_DATA, &len, X->err);
	if (!all)
		return NULL;
	if (offset > len || want > len - offset) {
		free(all);
		model_error(X, "tensor '%s': external data at offset %" PRIu64 " (%zu bytes) is past the end of '%s' (%zu bytes)",
			    name, offset, want, path, len);
		return NULL;
	}
	uint8_t *out = try_malloc(want ? want : 1);
	if (out)
		memcpy(out, all + offset, want); /* all is never NULL: file_read_bytes returns a buffer for an empty file */
	free(all);
	return out;
}

/* A TensorProto's values as little-endian bytes of its dtype (int64 kept
 * as int64): from raw_data, the typed fields or external data. */
static uint8_t *tensor_bytes(struct ox *X, const Onnx__TensorProto *t, const char *name, enum dtype dt, bool is64,
			     int64_t n)
{
	size_t esz = is64 ? 8 : dtype_bytes(dt), want = (size_t)n * esz;
	if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return external_bytes(X, t, name, want);
	/* the data must be there before anything is allocated for it: a
	 * shape alone cannot make the importer allocate */
	size_t have = t->has_raw_data ? t->raw_data.len
		      : is64 ? t->n_int64_data
		      : dt == DT_FP32 ? t->n_float_data
				      : t->n_int32_data;
	if (t->has_raw_data ? have != want : have != (size_t)n) {
		model_error(X, "tensor '%s': %zu %s of data; its shape has %" PRId64 " elements", name, have,
			    t->has_raw_data ? "bytes" : "values", n);
		return NULL;
	}
	uint8_t *out = try_calloc(want ? want : 1, 1);
	if (!out) {
		X->nomem = true;
		diag_nomem(X->err, X->file, want, "tensor '%s'", name);
		return NULL;
	}
	if (t->has_raw_data) {
		if (want)
			memcpy(out, t->raw_data.data, want);
		return out;
	}
	for (int64_t i = 0; i < n; i++) {
		uint8_t *p = out + (size_t)i * esz;
		if (is64)
			memcpy(p, &t->int64_data[i], 8);
		else if (dt == DT_FP32)
			memcpy(p, &t->float_data[i], 4);
		else { /* int8, uint8, int16, int32 and float16 bits travel in int32_data */
			uint32_t x = (uint32_t)t->int32_data[i];
			memcpy(p, &x, esz);
		}
	}
	return out;
}

/* A TensorProto as a constant value named `name`. */
static struct ox_value *constant(struct ox *X, const Onnx__TensorProto *t, const char *name)
{
	enum dtype dt;
	bool is64;
	if (!t->has_data_type || !ox_onnx_dtype(t->data_type, &dt, &is64)) {
		model_error(X, "tensor '%s' is %s; supported: bool, int8, uint8, int16, int32, int64 (shapes and axes), float16, float",
			    name, ox_onnx_dtype_name(t->has_data_type ? t->data_type : 0));
		return NULL;
	}
	if (t->n_dims > IR_MAX_RANK) {
		model_error(X, "tensor '%s' has rank %zu; at most %d supported", name, t->n_dims, IR_MAX_RANK);
		return NULL;
	}
	int64_t n = 1;
	if (is64 && t->n_dims == 1 && t->dims[0] == 0) /* an empty list of axes (ReduceSum's "none given") */
		n = 0;
	for (size_t d = 0; d < t->n_dims && n; d++) {
		if (t->dims[d] < 1 || t->dims[d] > ((int64_t)1 << 31) || n > ((int64_t)1 << 40) / t->dims[d]) {
			model_error(X, "tensor '%s': dimension %zu is %" PRId64 "; expected 1 or more, at most 2^40 elements in all",
				    name, d, t->dims[d]);
			return NULL;
		}
		n *= t->dims[d];
	}
	uint8_t *bytes = tensor_bytes(X, t, name, dt, is64, n);
	if (!bytes)
		return NULL;
	struct ox_value *v = ox_new_value(X, name);
	if (!v) {
		free(bytes);
		return NULL;
	}
	v->dtype = dt, v->is_int64 = is64, v->rank = (int)t->n_dims, v->bytes = bytes;
	if (t->n_dims)
		memcpy(v->shape, t->dims, t->n_dims * sizeof *v->shape);
	return v;
}

int ox_constant_value(struct ox *X, const Onnx__TensorProto *t, const char *name)
{
	return constant(X, t, name) ? 0 : -1;
}

static bool is_initializer(const Onnx__GraphProto *g, const char *name)
{
	for (size_t i = 0; i < g->n_initializer; i++)
		if (g->initializer[i]->name && !strcmp(g->initializer[i]->name, name))
			return true;
	return false;
}

/* A graph input: a tensor of a static shape and a supported dtype. */
static void *pb_alloc(void *data, size_t n);
static void pb_free(void *data, void *p);

/* Graph input k (of those without an initializer) as a constant: the
 * values of X->given's input_k.pb (a backend test's shapes and axes). */
static int given_input(struct ox *X, const Onnx__ValueInfoProto *in, int k)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/input_%d.pb", X->given, k);
	size_t len;
	uint8_t *bytes = file_read_bytes(path, FILE_DATA, &len, X->err);
	if (!bytes)
		return -1;
	size_t failed = 0;
	ProtobufCAllocator a = {pb_alloc, pb_free, &failed};
	Onnx__TensorProto *t = onnx__tensor_proto__unpack(&a, len, bytes);
	free(bytes);
	if (!t)
		return failed ? diag_nomem(X->err, path, failed, "the tensor's message")
			      : model_error(X, "%s: not an ONNX tensor (for graph input '%s')", path, in->name);
	int rc = constant(X, t, in->name) ? 0 : -1;
	onnx__tensor_proto__free_unpacked(t, &a);
	return rc;
}

/* ---- sizes of symbolic dimensions (--dims NAME=N,...) ---- */

enum { OX_MAX_DIMS = 64 };

/* Item i of X->dims: its name (name, *nlen) and size; false past the end. */
static bool dims_item(const struct ox *X, int i, const char **name, size_t *nlen, const char **value, size_t *vlen)
{
	const char *s = X->dims;
	for (int k = 0; k < i && s; k++)
		s = strchr(s, ','), s = s ? s + 1 : NULL;
	if (!s)
		return false;
	size_t len = strcspn(s, ",");
	const char *eq = memchr(s, '=', len);
	*name = s, *nlen = eq ? (size_t)(eq - s) : len;
	*value = eq ? eq + 1 : s + len, *vlen = eq ? len - *nlen - 1 : 0;
	return true;
}

static int64_t dims_value(const char *v, size_t n)
{
	int64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || x > ((int64_t)1 << 31))
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return n && x >= 1 && x <= ((int64_t)1 << 31) ? x : -1;
}

/* Every item NAME=N with N from 1 to 2^31, at most OX_MAX_DIMS of them. */
static int check_dims(struct ox *X)
{
	const char *name, *value;
	size_t nlen, vlen;
	int i = 0;
	for (; X->dims && dims_item(X, i, &name, &nlen, &value, &vlen); i++) {
		if (!nlen || dims_value(value, vlen) < 0 || i == OX_MAX_DIMS)
			return model_error(X, "dimension sizes '%s': item %d is '%.*s'; expected NAME=N, N from 1 to 2^31, "
					      "at most %d items", X->dims, i + 1, (int)strcspn(name, ","), name, OX_MAX_DIMS);
		const char *before, *bv;
		size_t blen, bvlen;
		for (int j = 0; j < i && dims_item(X, j, &before, &blen, &bv, &bvlen); j++)
			if (blen == nlen && !memcmp(before, name, nlen))
				return model_error(X, "dimension sizes '%s': '%.*s' is given twice (items %d and %d); expected "
						      "each name once", X->dims, (int)nlen, name, j + 1, i + 1);
	}
	return 0;
}

/* The size given for symbolic dimension `param`, or -1. */
static int64_t given_dim(struct ox *X, const char *param)
{
	const char *name, *value;
	size_t nlen, vlen;
	for (int i = 0; X->dims && dims_item(X, i, &name, &nlen, &value, &vlen); i++)
		if (strlen(param) == nlen && !memcmp(param, name, nlen)) {
			X->dims_used |= (uint64_t)1 << i;
			return dims_value(value, vlen);
		}
	return -1;
}

/* Every size given was one a graph input took: a misspelt name is not lost. */
static int check_dims_used(struct ox *X)
{
	const char *name, *value;
	size_t nlen, vlen;
	for (int i = 0; X->dims && dims_item(X, i, &name, &nlen, &value, &vlen); i++)
		if (!(X->dims_used >> i & 1))
			return model_error(X, "dimension size '%.*s' names no symbolic dimension of the model's graph inputs",
					   (int)(nlen + 1 + vlen), name);
	return 0;
}

/* Dimension d of graph input k as X->given's input_k.pb has it (-1 when
 * the file has no such dimension): 0, or -1 with an error. */
static int given_shape(struct ox *X, int k, int d, int64_t *size)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/input_%d.pb", X->given, k);
	enum dtype dt;
	int rank;
	int64_t shape[IR_MAX_RANK];
	size_t n;
	char name[IR_NAME_MAX];
	uint8_t *b = wl_onnx_read_tensor(path, &dt, &rank, shape, &n, name, X->err);
	free(b);
	if (!b)
		return -1;
	*size = d < rank ? shape[d] : -1;
	return 0;
}

static int graph_input(struct ox *X, const Onnx__ValueInfoProto *in, int k)
{
	const Onnx__TypeProto *tp = in->type;
	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type->shape)
		return model_error(X, "graph input '%s' is not a tensor of a known shape", in->name);
	const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
	enum dtype dt;
	bool is64;
	/* with a data set given, int64 inputs (shapes, axes), scalars (Clip's
	 * bounds, Pad's value) and quantization parameters are its constants:
	 * the IR needs them so */
	if (X->given && tt->has_elem_type && ox_onnx_dtype(tt->elem_type, &dt, &is64) &&
	    (is64 || tt->shape->n_dim == 0 || ox_param_input(X, in->name)))
		return given_input(X, in, k);
	if (!tt->has_elem_type || !ox_onnx_dtype(tt->elem_type, &dt, &is64) || is64)
		return model_error(X, "graph input '%s' is %s; supported: bool, int8, uint8, int16, int32, float16, float", in->name,
				   ox_onnx_dtype_name(tt->has_elem_type ? tt->elem_type : 0));
	const Onnx__TensorShapeProto *sh = tt->shape;
	int64_t shape[IR_MAX_RANK] = {1}; /* a scalar is a tensor of one value */
	if (sh->n_dim > IR_MAX_RANK)
		return model_error(X, "graph input '%s' has rank %zu; at most %d supported", in->name, sh->n_dim, IR_MAX_RANK);
	for (size_t d = 0; d < sh->n_dim; d++) {
		bool symbolic = sh->dim[d]->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
				sh->dim[d]->dim_param;
		int64_t given = symbolic ? given_dim(X, sh->dim[d]->dim_param) : -1;
		if (symbolic && given < 0 && X->given && given_shape(X, k, (int)d, &given)) /* the data set's size */
			return -1;
		if (symbolic && given < 0)
			return model_error(X, "graph input '%s': dimension %zu is '%s'; give its size (--dims %s=N)", in->name, d,
					   sh->dim[d]->dim_param, sh->dim[d]->dim_param);
		if (given > ((int64_t)1 << 31))
			return model_error(X, "graph input '%s': dimension %zu, '%s', of %" PRId64 "; at most 2^31", in->name, d,
					   sh->dim[d]->dim_param, given);
		if (!symbolic && sh->dim[d]->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
			return model_error(X, "graph input '%s': dimension %zu is unknown; expected a fixed size", in->name, d);
		shape[d] = symbolic ? given : sh->dim[d]->dim_value;
	}
	char name[IR_NAME_MAX];
	int t = ir_add_tensor(&X->w->g, ox_ir_name(in->name, name), IR_TENSOR_INPUT, dt, sh->n_dim ? (int)sh->n_dim : 1, shape,
			      sh->n_dim == 4 ? "NCHW" : NULL, X->err);
	if (t < 0 || !ox_grow(X))
		return -1;
	X->w->init[t].kind = WL_INIT_RANDOM;
	X->w->tensor_at[t] = (struct wl_loc){k + 1, 0};
	wl_default_range(dt, &X->w->init[t].lo, &X->w->init[t].hi);
	struct ox_value *v = ox_new_value(X, in->name);
	if (!v)
		return -1;
	v->tensor = t;
	return 0;
}


bool ox_known_domain(const Onnx__NodeProto *n)
{
	if (!n->domain || !n->domain[0] || !strcmp(n->domain, "ai.onnx"))
		return true;
	/* onnxruntime's contrib Q/DQ: the same operators, with 16-bit types
	 * before opset 21 (what quantization tools write for them) */
	return !strcmp(n->domain, "com.microsoft") && n->op_type &&
	       (!strcmp(n->op_type, "QuantizeLinear") || !strcmp(n->op_type, "DequantizeLinear"));
}

/* ---- the graph ---- */

static int find_opset(struct ox *X, const Onnx__ModelProto *m)
{
	X->opset = -1;
	for (size_t i = 0; i < m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = m->opset_import[i];
		if (!o->domain || !o->domain[0] || !strcmp(o->domain, "ai.onnx"))
			X->opset = o->has_version ? o->version : 1;
	}
	if (X->opset < 0)
		return model_error(X, "the model imports no opset of the default domain (ai.onnx)");
	if (X->opset < OX_MIN_OPSET || X->opset > OX_MAX_OPSET)
		return model_error(X, "the model's opset is %" PRId64 "; opsets %d to %d are supported", X->opset, OX_MIN_OPSET,
				   OX_MAX_OPSET);
	return 0;
}

/* Every attribute has a name and a type, and no name comes twice (which
 * one would count is not said: onnxruntime refuses such nodes too). */
static int check_attributes(struct ox *X)
{
	const Onnx__NodeProto *node = X->node;
	for (size_t i = 0; i < node->n_attribute; i++) {
		const Onnx__AttributeProto *a = node->attribute[i];
		if (!a->name || !a->name[0])
			return ox_node_error(X, "attribute %zu has no name", i + 1);
		if (a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED)
			return ox_node_error(X, "attribute '%.64s' has no type (UNDEFINED)", a->name);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(node->attribute[j]->name, a->name))
				return ox_node_error(X, "attribute '%.64s' appears twice (attributes %zu and %zu)", a->name, j + 1,
						     i + 1);
	}
	return 0;
}

static int import_node(struct ox *X, size_t n)
{
	const Onnx__NodeProto *node = X->graph->node[n];
	X->node = node;
	X->attr_error = false;
	if (node->name && node->name[0] && strlen(node->name) < IR_NAME_MAX)
		snprintf(X->node_name, sizeof X->node_name, "%s", node->name);
	else
		snprintf(X->node_name, sizeof X->node_name, "%s_%zu", node->op_type ? node->op_type : "node", n);
	if (!node->n_output || !node->output[0][0])
		return ox_node_error(X, "the node has no output");
	if (!ox_known_domain(node))
		return ox_node_error(X, "domain '%s' is not supported; only the default domain (ai.onnx), and com.microsoft's "
				     "QuantizeLinear and DequantizeLinear", node->domain);
	if (check_attributes(X))
		return -1;
	if (X->qdq[n].role == OX_QDQ_FUSED) /* imported with its pattern's product */
		return 0;
	int folded = ox_fold(X); /* shapes and what is computed from them alone */
	if (folded)
		return folded < 0 ? -1 : 0;
	ox_convert f = node->op_type ? ox_converter(node->op_type) : NULL;
	if (!f)
		return ox_node_error(X, "not supported; the supported ops are %s", ox_supported);
	int ops = X->w->g.nops;
	if (X->qdq[n].role == OX_QDQ_PRODUCT ? ox_qdq_convert(X, n) : f(X))
		return -1;
	if (X->attr_error) /* read as a default after its error */
		return -1;
	for (int i = ops; i < X->w->g.nops; i++)
		X->w->op_at[i] = (struct wl_loc){(int)n + 1, 0};
	return 0;
}

/* Running the model holds every tensor at once: at most
 * WL_MAX_TOTAL_BYTES in all, as a workload's. */
static int check_total(struct ox *X)
{
	uint64_t total = 0;
	for (int i = 0; i < X->w->g.ntensors; i++) {
		const struct ir_tensor *t = &X->w->g.tensor[i];
		uint64_t n = (uint64_t)ir_tensor_elems(t) * dtype_bytes(t->dtype);
		if (n > WL_MAX_TOTAL_BYTES - total)
			return model_error(X, "tensor '%s' (%" PRIu64 " bytes) brings the model's tensors to more than %" PRIu64
					   " bytes (4 GiB), the most they may hold together",
					   t->name, n, WL_MAX_TOTAL_BYTES);
		total += n;
	}
	return 0;
}

static int graph_outputs(struct ox *X)
{
	for (size_t i = 0; i < X->graph->n_output; i++) {
		const char *name = X->graph->output[i]->name;
		struct ox_value *v = ox_value(X, name);
		if (!v || v->tensor < 0 || X->w->g.tensor[v->tensor].producer < 0)
			return model_error(X, "graph output '%s' is not computed by a node; tessel needs every output computed",
					   name);
		struct ir_tensor *t = &X->w->g.tensor[v->tensor];
		char ir_name[IR_NAME_MAX];
		if (strcmp(t->name, ox_ir_name(name, ir_name)))
			return model_error(X, "graph output '%s' is another name of '%s', which a node computes", name, t->name);
		t->kind = IR_TENSOR_OUTPUT;
	}
	return 0;
}

/* protobuf-c allocates through the library's allocator: a failure is an
 * error, never an abort, and the fault hook reaches it (docs/testing.md). */
static void *pb_alloc(void *data, size_t n)
{
	void *p = try_malloc(n ? n : 1);
	if (!p && data)
		*(size_t *)data = n ? n : 1; /* the first failure: an out-of-memory error, not a bad model */
	return p;
}

static void pb_free(void *data, void *p)
{
	(void)data;
	free(p);
}

/* Every initializer, graph input and graph output has a name (proto2
 * leaves a missing one NULL). */
static int check_names(struct ox *X, const Onnx__GraphProto *g)
{
	for (size_t i = 0; i < g->n_initializer; i++)
		if (!g->initializer[i]->name || !g->initializer[i]->name[0])
			return model_error(X, "initializer %zu has no name", i);
	for (size_t i = 0; i < g->n_input; i++)
		if (!g->input[i]->name || !g->input[i]->name[0])
			return model_error(X, "graph input %zu has no name", i);
	for (size_t i = 0; i < g->n_output; i++)
		if (!g->output[i]->name || !g->output[i]->name[0])
			return model_error(X, "graph output %zu has no name", i);
	return 0;
}

static int import_model(struct ox *X, const uint8_t *bytes, size_t len)
{
	size_t failed = 0;
	ProtobufCAllocator a = {pb_alloc, pb_free, &failed};
	Onnx__ModelProto *m = onnx__model_proto__unpack(&a, len, bytes);
	if (!m && failed) {
		X->nomem = true;
		return diag_nomem(X->err, X->file, failed, "the model's messages");
	}
	if (!m)
		return model_error(X, "not an ONNX model: protobuf-c cannot read it as a ModelProto");
	int rc = find_opset(X, m);
	if (!rc && !m->graph)
		rc = model_error(X, "the model has no graph");
	if (!rc) {
		X->graph = m->graph;
		rc = check_names(X, m->graph);
	}
	if (!rc)
		rc = check_dims(X);
	if (!rc)
		rc = ox_list_reads(X);
	if (!rc) {
		snprintf(X->w->name, sizeof X->w->name, "%s", m->graph->name && m->graph->name[0] ? m->graph->name : "model");
		for (size_t i = 0; i < m->graph->n_initializer && !rc; i++)
			rc = constant(X, m->graph->initializer[i], m->graph->initializer[i]->name) ? 0 : -1;
		for (size_t i = 0, k = 0; i < m->graph->n_input && !rc; i++)
			if (!is_initializer(m->graph, m->graph->input[i]->name))
				rc = graph_input(X, m->graph->input[i], (int)k++);
		if (!rc && !(X->w->node_op_type = try_calloc(m->graph->n_node + 1, sizeof *X->w->node_op_type)))
			rc = diag_nomem(X->err, X->file, (m->graph->n_node + 1) * sizeof *X->w->node_op_type, "the nodes' op types");
		for (size_t n = 0; n < m->graph->n_node && !rc; n++)
			snprintf(X->w->node_op_type[n], sizeof X->w->node_op_type[n], "%s",
				 m->graph->node[n]->op_type ? m->graph->node[n]->op_type : "?");
		X->w->nnodes = rc ? 0 : (int)m->graph->n_node;
		if (!rc)
			rc = ox_qdq_plan(X);
		for (size_t n = 0; n < m->graph->n_node && !rc; n++)
			rc = import_node(X, n);
		if (!rc && !X->w->g.nops)
			rc = model_error(X, "the graph has no nodes");
		if (!rc)
			rc = graph_outputs(X);
		if (!rc)
			rc = check_dims_used(X);
		if (!rc)
			rc = check_total(X);
	}
	free(X->qdq);
	X->qdq = NULL;
	onnx__model_proto__free_unpacked(m, &a);
	return rc;
}

static int load_bytes(const uint8_t *bytes, size_t len, const char *path, const char *given, const char *dims,
		      struct wl_workload *w, struct diags *err);

/* What an import holds besides the workload. */
static void ox_free(struct ox *X)
{
	for (int i = 0; i < X->nvalues; i++) {
		free(X->value[i].name);
		free(X->value[i].bytes);
	}
	free(X->value);
	free(X->slot);
	free(X->reads);
}

static int load_path(const char *path, const char *given, const char *dims, struct wl_workload *w, struct diags *err)
{
	memset(w, 0, sizeof *w);
	size_t len;
	uint8_t *bytes = file_read_bytes(path, FILE_ONNX, &len, err);
	if (!bytes)
		return -1;
	int rc = load_bytes(bytes, len, path, given, dims, w, err);
	free(bytes);
	return rc;
}

int wl_load_onnx(const char *path, struct wl_workload *w, struct diags *err)
{
	return load_path(path, NULL, NULL, w, err);
}

int wl_load_onnx_dims(const char *path, const char *dims, struct wl_workload *w, struct diags *err)
{
	return load_path(path, NULL, dims, w, err);
}

int wl_load_onnx_bytes(const uint8_t *bytes, size_t len, const char *path, const char *dims, struct wl_workload *w,
		       struct diags *err)
{
	return load_bytes(bytes, len, path, NULL, dims, w, err);
}

int wl_load_onnx_given(const char *path, const char *given, struct wl_workload *w, struct diags *err)
{
	return load_path(path, given, NULL, w, err);
}

static int load_bytes(const uint8_t *bytes, size_t len, const char *path, const char *given, const char *dims,
		      struct wl_workload *w, struct diags *err)
{
	memset(w, 0, sizeof *w);
	const char *slash = strrchr(path, '/');
	char *dir = !slash ? try_strdup("") : try_strndup(path, (size_t)(slash - path));
	w->file = try_strdup(path);
	struct ox X = {.w = w, .err = err, .file = path, .dir = dir ? dir : "", .given = given, .dims = dims};
	int n0 = err->n;
	if (!dir || !w->file)
		diag_nomem(err, path, strlen(path) + 1, "the name of the model '%s'", path);
	else
		import_model(&X, bytes, len);
	free(dir);
	ox_free(&X);
	if (err->n != n0) {
		if (w->g.ntensors > X.tensor_cap) /* a tensor made before its records could grow */
			w->g.ntensors = X.tensor_cap;
		wl_free(w);
		return -1;
	}
	wl_bound_constants(w);
	return 0;
}

uint8_t *wl_onnx_read_tensor(const char *path, enum dtype *dt, int *rank, int64_t *shape, size_t *nbytes,
			     char name[IR_NAME_MAX], struct diags *err)
{
	name[0] = 0;
	size_t len;
	uint8_t *bytes = file_read_bytes(path, FILE_DATA, &len, err);
	if (!bytes)
		return NULL;
	size_t failed = 0;
	ProtobufCAllocator a = {pb_alloc, pb_free, &failed};
	Onnx__TensorProto *t = onnx__tensor_proto__unpack(&a, len, bytes);
	free(bytes);
	if (!t && failed)
		return diag_nomem(err, path, failed, "the tensor's message"), NULL;
	if (!t) {
		diag_add(err, path, 0, 0, "not an ONNX tensor: protobuf-c cannot read it as a TensorProto");
		return NULL;
	}
	struct wl_workload none = {0};
	struct ox X = {.w = &none, .err = err, .file = path, .dir = ""};
	if (t->name)
		ox_ir_name(t->name, name);
	struct ox_value *v = constant(&X, t, t->name && t->name[0] ? t->name : "tensor");
	uint8_t *out = NULL;
	if (v && v->is_int64)
		diag_add(err, path, 0, 0, "the tensor is int64; supported: int8, uint8, int16, int32, float16, float");
	else if (v) {
		*dt = v->dtype, *rank = v->rank;
		memcpy(shape, v->shape, (size_t)v->rank * sizeof *shape);
		*nbytes = (size_t)ox_value_elems(v) * dtype_bytes(v->dtype);
		out = v->bytes, v->bytes = NULL;
	}
	ox_free(&X);
	onnx__tensor_proto__free_unpacked(t, &a);
	return out;
}
