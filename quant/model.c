/* quant/model: the float model as protobuf-c reads it, what quantize
 * rewrites in it, and the calibration samples checked against its input. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "quant_int.h"
#include "base/alloc.h"
#include "base/file.h"

enum { QZ_MIN_OPSET = 13 }; /* DequantizeLinear with an axis (per-channel scales) */

static void *pb_alloc(void *data, size_t n)
{
	(void)data;
	return try_malloc(n ? n : 1);
}

static void pb_free(void *data, void *p)
{
	(void)data;
	free(p);
}

static ProtobufCAllocator pb_allocator = {pb_alloc, pb_free, NULL};

const Onnx__TensorProto *qz_initializer(const struct qz_model *m, const char *name)
{
	for (size_t i = 0; name && i < m->g->n_initializer; i++)
		if (m->g->initializer[i]->name && !strcmp(m->g->initializer[i]->name, name))
			return m->g->initializer[i];
	return NULL;
}

static int64_t default_opset(const Onnx__ModelProto *m)
{
	for (size_t i = 0; i < m->n_opset_import; i++) {
		const char *d = m->opset_import[i]->domain;
		if (!d || !d[0] || !strcmp(d, "ai.onnx"))
			return m->opset_import[i]->version;
	}
	return 0;
}

/* The graph's one input that no initializer gives. */
static int find_input(struct qz_model *m, struct diags *err)
{
	int n = 0;
	for (size_t i = 0; i < m->g->n_input; i++)
		if (m->g->input[i]->name && !qz_initializer(m, m->g->input[i]->name))
			m->input = m->g->input[i], n++;
	if (n != 1) {
		diag_add(err, m->path, 0, 0, "the graph has %d inputs; quantize calibrates a model with one", n);
		return -1;
	}
	const Onnx__TypeProto *t = m->input->type;
	if (!t || !t->tensor_type || !t->tensor_type->shape || t->tensor_type->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
		diag_add(err, m->path, 0, 0, "graph input '%s' is not a float32 tensor of known rank; quantize calibrates float models",
			 m->input->name);
		return -1;
	}
	return 0;
}

int qz_model_read(const char *path, struct qz_model *m, struct diags *err)
{
	size_t len;
	uint8_t *bytes = file_read_bytes(path, FILE_ONNX, &len, err);
	if (!bytes) {
		memset(m, 0, sizeof *m);
		return -1;
	}
	return qz_model_parse(bytes, len, path, m, err);
}

int qz_model_parse(uint8_t *bytes, size_t len, const char *path, struct qz_model *m, struct diags *err)
{
	memset(m, 0, sizeof *m);
	m->path = path, m->bytes = bytes, m->len = len;
	if (!(m->m = onnx__model_proto__unpack(&pb_allocator, m->len, m->bytes))) {
		diag_add(err, path, 0, 0, "not an ONNX model: protobuf-c cannot read it as a ModelProto");
		return -1;
	}
	int64_t opset = default_opset(m->m);
	if (!m->m->graph) {
		diag_add(err, path, 0, 0, "the model has no graph");
		return -1;
	}
	m->g = m->m->graph;
	for (size_t i = 0; i < m->g->n_output; i++)
		if (!m->g->output[i]->name || !m->g->output[i]->name[0]) {
			diag_add(err, path, 0, 0, "graph output %zu has no name", i);
			return -1;
		}
	if (opset < QZ_MIN_OPSET) {
		diag_add(err, path, 0, 0, "the model imports opset %" PRId64 "; quantize writes per-channel DequantizeLinear, "
			 "which needs opset %d or later", opset, QZ_MIN_OPSET);
		return -1;
	}
	return find_input(m, err);
}

void qz_model_free(struct qz_model *m)
{
	if (m->m)
		onnx__model_proto__free_unpacked(m->m, &pb_allocator);
	free(m->bytes);
	memset(m, 0, sizeof *m);
}

int64_t qz_model_opset(const struct qz_model *m) { return default_opset(m->m); }

const Onnx__AttributeProto *qz_attr(const Onnx__NodeProto *n, const char *name)
{
	for (size_t a = 0; a < n->n_attribute; a++)
		if (n->attribute[a]->name && !strcmp(n->attribute[a]->name, name))
			return n->attribute[a];
	return NULL;
}

int64_t qz_attr_int(const Onnx__NodeProto *n, const char *name, size_t k, int64_t dflt)
{
	const Onnx__AttributeProto *a = qz_attr(n, name);
	if (a && a->n_ints > k)
		return a->ints[k];
	return a && !a->n_ints && k == 0 && a->has_i ? a->i : dflt;
}

int64_t qz_conv_groups(const Onnx__NodeProto *n) { return qz_attr_int(n, "group", 0, 1); }

/* Whether the model imports domain d already. */
static bool imports(const Onnx__ModelProto *m, const char *d)
{
	for (size_t i = 0; i < m->n_opset_import; i++)
		if (m->opset_import[i]->domain && !strcmp(m->opset_import[i]->domain, d))
			return true;
	return false;
}

uint8_t *qz_model_pack(const struct qz_model *m, Onnx__GraphProto *g, const Onnx__OperatorSetIdProto *extra,
		       size_t *len, struct diags *err)
{
	Onnx__GraphProto *own = m->m->graph;
	Onnx__OperatorSetIdProto **own_sets = m->m->opset_import, **sets = NULL;
	size_t own_n = m->m->n_opset_import;
	if (extra && !imports(m->m, extra->domain)) {
		if (!(sets = try_calloc(own_n + 1, sizeof *sets)))
			return diag_nomem(err, m->path, (own_n + 1) * sizeof *sets, "the opset imports"), NULL;
		if (own_n)
			memcpy(sets, own_sets, own_n * sizeof *sets);
		sets[own_n] = (Onnx__OperatorSetIdProto *)extra;
		m->m->opset_import = sets, m->m->n_opset_import = own_n + 1;
	}
	m->m->graph = g ? g : own;
	*len = onnx__model_proto__get_packed_size(m->m);
	uint8_t *b = try_malloc(*len ? *len : 1);
	if (b)
		onnx__model_proto__pack(m->m, b);
	else
		diag_nomem(err, m->path, *len, "the model's bytes");
	m->m->graph = own;
	m->m->opset_import = own_sets, m->m->n_opset_import = own_n;
	free(sets);
	/* protobuf-c reads some malformed messages that it then does not
	 * write back readably (fuzz_quant found one): what is written must
	 * read back */
	Onnx__ModelProto *back = b ? onnx__model_proto__unpack(&pb_allocator, *len, b) : NULL;
	if (b && !back) {
		diag_add(err, m->path, 0, 0, "the model does not read back once written again (its messages are malformed); "
			 "quantize writes no model from it");
		free(b);
		return NULL;
	}
	if (back)
		onnx__model_proto__free_unpacked(back, &pb_allocator);
	return b;
}

const float *qz_floats(const Onnx__TensorProto *t, int64_t *n, float **owned)
{
	*owned = NULL;
	int64_t e = 1;
	for (size_t d = 0; d < t->n_dims; d++) {
		if (t->dims[d] < 0 || (t->dims[d] && e > INT64_MAX / t->dims[d]))
			return NULL;
		e *= t->dims[d];
	}
	*n = e;
	if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || t->n_external_data)
		return NULL;
	if (t->has_raw_data) {
		if (t->raw_data.len != (size_t)e * sizeof(float))
			return NULL;
		if (!(*owned = try_malloc((size_t)e * sizeof(float) + 1)))
			return NULL;
		memcpy(*owned, t->raw_data.data, (size_t)e * sizeof(float)); /* little-endian, unaligned */
		return *owned;
	}
	return (int64_t)t->n_float_data == e ? t->float_data : NULL;
}

static bool float_const(const struct qz_model *m, const char *name, size_t min_rank, size_t max_rank,
			const Onnx__TensorProto **t)
{
	*t = qz_initializer(m, name);
	int64_t n = 1;
	for (size_t d = 0; *t && d < (*t)->n_dims; d++)
		n = n >= 0 && (*t)->dims[d] >= 0 && (*t)->dims[d] <= (1 << 30) && n <= (1LL << 32) ? n * (*t)->dims[d] : -1;
	return *t && n >= 0 && (*t)->n_dims >= min_rank && (*t)->n_dims <= max_rank &&
	       (*t)->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT && !(*t)->n_external_data &&
	       ((*t)->has_raw_data ? (*t)->raw_data.len == (size_t)n * sizeof(float) : (int64_t)(*t)->n_float_data == n);
}

static bool is(const Onnx__NodeProto *n, const char *op)
{
	return n->op_type && !strcmp(n->op_type, op) && (!n->domain || !n->domain[0] || !strcmp(n->domain, "ai.onnx"));
}

bool qz_quantizable(const struct qz_model *m, const Onnx__NodeProto *n, const Onnx__TensorProto **w,
		    const Onnx__TensorProto **b)
{
	*w = *b = NULL;
	bool conv = is(n, "Conv"), matmul = is(n, "MatMul");
	if ((!conv && !matmul) || n->n_output != 1 || n->n_input < 2 || n->n_input > (conv ? 3u : 2u) || !n->input[0] ||
	    !n->input[0][0] || qz_initializer(m, n->input[0]))
		return false;
	if (!float_const(m, n->input[1], conv ? 3 : 2, conv ? 5 : 2, w))
		return false;
	if (n->n_input == 3 && n->input[2] && n->input[2][0] &&
	    (!float_const(m, n->input[2], 1, 1, b) || (*b)->dims[0] != (*w)->dims[0]))
		return false;
	return true;
}

/* Whether dims ("NAME=N,...") names param already. */
static bool named(const char *dims, const char *param)
{
	size_t n = strlen(param);
	for (const char *p = dims; *p; p += strcspn(p, ","), p += *p == ',')
		if (!strncmp(p, param, n) && p[n] == '=')
			return true;
	return false;
}

int qz_sample_read(const struct qz_model *m, const char *file, struct npy *x, char *dims, size_t ndims,
		   struct diags *err)
{
	if (npy_read(file, x, err))
		return -1;
	const Onnx__TensorShapeProto *s = m->input->type->tensor_type->shape;
	char shape[128];
	npy_shape_text(x->rank, x->shape, shape, sizeof shape);
	if (x->dtype != DT_FP32 || x->rank != (int)s->n_dim) {
		diag_add(err, file, 0, 0, "holds a %s array of shape %s; graph input '%s' is float32 of rank %zu", dtype_name(x->dtype),
			 shape, m->input->name, s->n_dim);
		npy_free(x);
		return -1;
	}
	size_t at = 0;
	dims[0] = 0;
	for (size_t d = 0; d < s->n_dim; d++) {
		const Onnx__TensorShapeProto__Dimension *dm = s->dim[d];
		if (dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && dm->dim_value != x->shape[d]) {
			diag_add(err, file, 0, 0, "has shape %s; dimension %zu of graph input '%s' is %" PRId64, shape, d,
				 m->input->name, dm->dim_value);
			npy_free(x);
			return -1;
		}
		if (dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && dm->dim_param && dm->dim_param[0] &&
		    !named(dims, dm->dim_param) && at < ndims)
			at += (size_t)snprintf(dims + at, ndims - at, "%s%s=%" PRId64, at ? "," : "", dm->dim_param, x->shape[d]);
	}
	if (at >= ndims) {
		diag_add(err, file, 0, 0, "graph input '%s' has too many symbolic dimensions to name", m->input->name);
		npy_free(x);
		return -1;
	}
	/* a NaN or an infinity would become every range's end, and every
	 * scale and bias made from it */
	const float *v = (const float *)x->data;
	for (size_t i = 0; i < x->bytes / sizeof *v; i++)
		if (!isfinite(v[i])) {
			diag_add(err, file, 0, 0, "value %zu is %s; calibration samples are finite", i,
				 isnan(v[i]) ? "NaN" : v[i] > 0 ? "+inf" : "-inf");
			npy_free(x);
			return -1;
		}
	return 0;
}
