/* ir/onnx_values: an import's ONNX values (every named tensor of the graph,
 * indexed by a hash of its name, with the reads of it counted), the
 * current node's inputs, attributes and outputs, and the workload's records
 * grown as the graph does (docs/onnx.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "onnx_int.h"
#include "base/alloc.h"
#include "base/value.h"

/* Models larger than this are refused: real ones have thousands of nodes. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

/* The slot of `name`: where it is, or the empty one where it would go. */
static int *find_slot(struct ox *X, const char *name)
{
	int mask = X->nslots - 1;
	for (int i = (int)(name_hash(name) & (uint64_t)mask);; i = (i + 1) & mask)
		if (X->slot[i] < 0 || !strcmp(X->value[X->slot[i]].name, name))
			return &X->slot[i];
}

struct ox_value *ox_value(struct ox *X, const char *name)
{
	if (!X->nslots || !name) /* (an input left empty: none) */
		return NULL;
	int *s = find_slot(X, name);
	return *s < 0 ? NULL : &X->value[*s];
}

static bool rehash(struct ox *X, int n)
{
	int *slot = try_malloc((size_t)n * sizeof *slot);
	if (!slot)
		return false;
	free(X->slot);
	X->slot = slot, X->nslots = n;
	for (int i = 0; i < n; i++)
		slot[i] = -1;
	for (int v = 0; v < X->nvalues; v++)
		*find_slot(X, X->value[v].name) = v;
	return true;
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* How many reads name `name` (nodes' inputs and graph outputs). */
int ox_uses(const struct ox *X, const char *name)
{
	if (!X->nreads) /* a lone tensor (wl_onnx_read_tensor): no graph */
		return 0;
	const char **at = bsearch(&name, X->reads, X->nreads, sizeof *X->reads, cmp_name);
	if (!at)
		return 0;
	const char **lo = at, **hi = at;
	while (lo > X->reads && !strcmp(lo[-1], name))
		lo--;
	while (hi + 1 < X->reads + X->nreads && !strcmp(hi[1], name))
		hi++;
	return (int)(hi - lo + 1);
}

struct ox_value *ox_new_value(struct ox *X, const char *name)
{
	if (X->nvalues >= OX_MAX_VALUES) {
		diag_add(X->err, X->file, 0, 0, "the model has more than %d values; at most that many are supported",
			 OX_MAX_VALUES);
		return NULL;
	}
	if (X->nvalues == X->value_cap) {
		int cap = X->value_cap ? 2 * X->value_cap : 64;
		if (try_resize(&X->value, (size_t)cap, sizeof *X->value)) {
			X->nomem = true;
			diag_nomem(X->err, X->file, (size_t)cap * sizeof *X->value, "the values of the ONNX graph");
			return NULL;
		}
		X->value_cap = cap;
	}
	if (2 * (X->nvalues + 1) > X->nslots && !rehash(X, X->nslots ? 2 * X->nslots : 128)) {
		X->nomem = true;
		diag_nomem(X->err, X->file, (size_t)X->nslots * 2 * sizeof *X->slot, "the index of the ONNX graph's values");
		return NULL;
	}
	struct ox_value *v = &X->value[X->nvalues];
	memset(v, 0, sizeof *v);
	v->tensor = -1;
	if (!(v->name = try_strdup(name))) {
		X->nomem = true;
		diag_nomem(X->err, X->file, strlen(name) + 1, "the name of ONNX value '%s'", name);
		return NULL;
	}
	v->uses = ox_uses(X, name);
	*find_slot(X, name) = X->nvalues++;
	return v;
}

bool ox_grow(struct ox *X)
{
	struct wl_workload *w = X->w;
	int nt = w->g.ntensors, no = w->g.nops;
	if (nt > X->tensor_cap) {
		int cap = nt + 16;
		if (try_resize(&w->init, (size_t)cap, sizeof *w->init) || try_resize(&w->data, (size_t)cap, sizeof *w->data) ||
		    try_resize(&w->tensor_at, (size_t)cap, sizeof *w->tensor_at)) {
			X->nomem = true;
			diag_nomem(X->err, X->file, (size_t)cap * sizeof *w->data, "the tensors of the model");
			return false;
		}
		for (int i = X->tensor_cap; i < cap; i++)
			w->init[i] = (struct wl_init){WL_INIT_NONE, 0, 0}, w->data[i] = NULL, w->tensor_at[i] = (struct wl_loc){0, 0};
		X->tensor_cap = cap;
	}
	if (no > X->op_cap) {
		int cap = no + 16;
		if (try_resize(&w->op_at, (size_t)cap, sizeof *w->op_at)) {
			X->nomem = true;
			diag_nomem(X->err, X->file, (size_t)cap * sizeof *w->op_at, "the ops of the model");
			return false;
		}
		for (int i = X->op_cap; i < cap; i++)
			w->op_at[i] = (struct wl_loc){0, 0};
		X->op_cap = cap;
	}
	return true;
}

/* An IR tensor for value v: a constant becomes a weight with its bytes. */
static int materialize(struct ox *X, struct ox_value *v)
{
	if (v->tensor >= 0)
		return v->tensor;
	if (v->is_int64)
		return ox_node_error(X, "input '%s' is int64; the supported dtypes are int8, uint8, int16, int32, float16 and float",
				     v->name);
	int rank = v->rank ? v->rank : 1;
	int64_t one = 1;
	char name[IR_NAME_MAX];
	int t = ir_add_tensor(&X->w->g, ox_ir_name(v->name, name), IR_TENSOR_WEIGHT, v->dtype, rank, v->rank ? v->shape : &one, NULL, X->err);
	if (t < 0 || !ox_grow(X))
		return -1;
	X->w->init[t].kind = WL_INIT_FILE;
	X->w->data[t] = v->bytes;
	v->bytes = NULL; /* the workload owns them now */
	return v->tensor = t;
}

int ox_input(struct ox *X, int k)
{
	if ((size_t)k >= X->node->n_input || !X->node->input[k][0])
		return ox_node_error(X, "input %d is missing", k);
	struct ox_value *v = ox_value(X, X->node->input[k]);
	if (!v)
		return ox_node_error(X, "input '%s' is not produced by any node, initializer or graph input before it",
				     X->node->input[k]);
	return materialize(X, v);
}

const struct ox_value *ox_const_input(struct ox *X, int k, bool optional)
{
	if ((size_t)k >= X->node->n_input || !X->node->input[k][0]) {
		if (!optional)
			ox_node_error(X, "input %d is missing", k);
		return NULL;
	}
	const struct ox_value *v = ox_value(X, X->node->input[k]);
	if (!v || v->tensor >= 0 || (!v->bytes && !v->is_int64)) {
		ox_node_error(X, "input '%s' must be a constant (an initializer or a Constant node's output)", X->node->input[k]);
		return NULL;
	}
	return v;
}

int64_t ox_value_elems(const struct ox_value *v)
{
	int64_t n = 1;
	for (int d = 0; d < v->rank; d++)
		n *= v->shape[d];
	return n;
}

bool ox_const_ints(struct ox *X, const struct ox_value *v, int64_t *out, int max, int *n)
{
	int64_t count = ox_value_elems(v);
	if (count > max) {
		ox_node_error(X, "constant '%s' has %" PRId64 " values; at most %d expected", v->name, count, max);
		return false;
	}
	for (int64_t i = 0; i < count; i++) {
		const uint8_t *p = v->bytes + i * (v->is_int64 ? 8 : dtype_bytes(v->dtype));
		if (v->is_int64) {
			int64_t x;
			memcpy(&x, p, 8);
			out[i] = x;
		} else if (v->dtype == DT_INT32) {
			int32_t x;
			memcpy(&x, p, 4);
			out[i] = x;
		} else {
			ox_node_error(X, "constant '%s' is %s; expected integers (int64 or int32)", v->name, dtype_name(v->dtype));
			return false;
		}
	}
	*n = (int)count;
	return true;
}

/* ---- attributes ---- */

const Onnx__AttributeProto *ox_attr(struct ox *X, const char *name)
{
	for (size_t i = 0; i < X->node->n_attribute; i++)
		if (X->node->attribute[i]->name && !strcmp(X->node->attribute[i]->name, name))
			return X->node->attribute[i];
	return NULL;
}

/* The attribute `name` when it has the type a reader expects, else NULL:
 * absent, or of another type, which is an error of the node (a model
 * onnxruntime refuses; reading a default instead would import another
 * network). */
static const Onnx__AttributeProto *typed_attr(struct ox *X, const char *name, Onnx__AttributeProto__AttributeType type)
{
	const Onnx__AttributeProto *a = ox_attr(X, name);
	if (!a || a->type == type)
		return a;
	const ProtobufCEnumValue *got = protobuf_c_enum_descriptor_get_value(&onnx__attribute_proto__attribute_type__descriptor,
									     (int)a->type);
	const ProtobufCEnumValue *want = protobuf_c_enum_descriptor_get_value(&onnx__attribute_proto__attribute_type__descriptor,
									      (int)type);
	ox_node_error(X, "attribute '%s' is %s; expected %s", name, got ? got->name : "of an unknown type",
		      want ? want->name : "?");
	X->attr_error = true;
	return NULL;
}

int64_t ox_attr_int(struct ox *X, const char *name, int64_t dflt)
{
	const Onnx__AttributeProto *a = typed_attr(X, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
	return a ? a->i : dflt;
}

double ox_attr_float(struct ox *X, const char *name, double dflt)
{
	const Onnx__AttributeProto *a = typed_attr(X, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
	return a ? a->f : dflt;
}

bool ox_attr_ints(struct ox *X, const char *name, int64_t *out, int max, int *n)
{
	const Onnx__AttributeProto *a = typed_attr(X, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
	*n = 0;
	if (!a)
		return !X->attr_error;
	if (a->n_ints > (size_t)max) {
		ox_node_error(X, "attribute '%s' has %zu values; at most %d expected", name, a->n_ints, max);
		return false;
	}
	if (a->n_ints) /* protobuf-c leaves an empty list NULL */
		memcpy(out, a->ints, a->n_ints * sizeof *out);
	*n = (int)a->n_ints;
	return true;
}

const char *ox_attr_string(struct ox *X, const char *name, const char *dflt)
{
	static char buf[64];
	const Onnx__AttributeProto *a = typed_attr(X, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
	if (!a)
		return dflt;
	snprintf(buf, sizeof buf, "%.*s", (int)(a->s.len < 63 ? a->s.len : 63), (const char *)a->s.data);
	return buf;
}

/* ---- outputs ---- */

const char *ox_ir_name(const char *name, char out[IR_NAME_MAX])
{
	size_t n = strlen(name);
	if (n < IR_NAME_MAX)
		return memcpy(out, name, n + 1);
	/* the name's start, then '~' and the whole name's hash: two long names
	 * that share their start stay apart, and an error still shows which */
	snprintf(out, IR_NAME_MAX, "%.*s~%016llx", IR_NAME_MAX - 18, name, (unsigned long long)XXH64(name, n, 0));
	return out;
}

const char *ox_onnx_output(struct ox *X, int k)
{
	return (size_t)k < X->node->n_output ? X->node->output[k] : "";
}

const char *ox_output_name(struct ox *X, int k)
{
	return ox_ir_name(ox_onnx_output(X, k), X->ir_names[X->next_ir_name++ % OX_IR_NAMES]);
}

int ox_bind_output(struct ox *X, int k, int t)
{
	struct ox_value *v = ox_new_value(X, ox_onnx_output(X, k));
	if (!v)
		return -1;
	v->tensor = t;
	return 0;
}

int ox_bind_op(struct ox *X, int op)
{
	return op < 0 || !ox_grow(X) ? -1 : ox_bind_output(X, 0, X->w->g.op[op].out.tensor);
}

void ox_name_of(char *out, const char *base, const char *suffix)
{
	snprintf(out, IR_NAME_MAX, "%.*s.%s", (int)(IR_NAME_MAX - 2 - strlen(suffix)), base, suffix);
}

int ox_add_op(struct ox *X, struct ir_op *op, const char *out_name, enum dtype dt, int rank, const int64_t *shape)
{
	int i = ir_add_op(&X->w->g, op, out_name, dt, rank, shape, X->err);
	return i < 0 || !ox_grow(X) ? -1 : i;
}

/* The names graph g's nodes read and its outputs (a branch's outputs read
 * values too), with those of the graphs in their attributes (If's
 * branches read the values around them by name), into out (NULL: only
 * counted); their count. */
static size_t graph_reads(const Onnx__GraphProto *g, const char **out, int depth)
{
	size_t n = 0;
	for (size_t k = 0; k < g->n_node; k++) {
		const Onnx__NodeProto *node = g->node[k];
		for (size_t i = 0; i < node->n_input; i++, n++)
			if (out)
				out[n] = node->input[i];
		for (size_t a = 0; a < node->n_attribute && depth < OX_MAX_SCOPES; a++) {
			const Onnx__AttributeProto *at = node->attribute[a];
			if (at->g)
				n += graph_reads(at->g, out ? out + n : NULL, depth + 1);
			for (size_t j = 0; j < at->n_graphs; j++)
				n += graph_reads(at->graphs[j], out ? out + n : NULL, depth + 1);
		}
	}
	for (size_t i = 0; i < g->n_output; i++, n++)
		if (out)
			out[n] = g->output[i]->name ? g->output[i]->name : "";
	return n;
}

/* Every name the graph reads, sorted, before any value is made: a value's
 * uses are counted when it is made. */
int ox_list_reads(struct ox *X)
{
	const Onnx__GraphProto *g = X->graph;
	if (g->n_node > OX_MAX_NODES)
		return diag_add(X->err, X->file, 0, 0, "the graph has %zu nodes; at most %d are supported", g->n_node,
				OX_MAX_NODES), -1;
	size_t n = graph_reads(g, NULL, 0);
	if (!(X->reads = try_calloc(n + 1, sizeof *X->reads))) {
		X->nomem = true;
		return diag_nomem(X->err, X->file, (n + 1) * sizeof *X->reads, "the names the graph reads");
	}
	X->nreads = graph_reads(g, X->reads, 0);
	qsort(X->reads, X->nreads, sizeof *X->reads, cmp_name);
	return 0;
}

int ox_const_scalar(struct ox *X, const struct ox_value *v, double *out)
{
	if (v->is_int64 || ox_value_elems(v) != 1)
		return ox_node_error(X, "'%s' must be a scalar", v->name);
	*out = val_get_float(v->bytes, v->dtype, 0);
	return 0;
}
