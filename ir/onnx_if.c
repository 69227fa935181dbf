/* ONNX's If (docs/onnx.md): both branches are imported, their nodes as the
 * graph's own, and each output of the If is Where(cond, then, else), which
 * is exact (ir/onnx_select.c).  A branch's nodes read the values of the
 * graph around it by name; the names they make are scoped, THEN.then/NAME
 * and THEN.else/NAME (THEN: the If's first output), so that they clash
 * neither with the graph's names nor with the other branch's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"
#include "base/alloc.h"

static struct ir_graph *graph(struct ox *X) { return &X->w->g; }

/* PREFIX NAME in buf (IR_NAME_MAX bytes), NAME cut to fit; whether it fit. */
static bool join(char *buf, const char *prefix, const char *name)
{
	size_t p = strlen(prefix), n = strlen(name);
	p = p < IR_NAME_MAX - 1 ? p : IR_NAME_MAX - 1;
	size_t m = n < IR_NAME_MAX - 1 - p ? n : IR_NAME_MAX - 1 - p;
	memmove(buf, prefix, p);
	memcpy(buf + p, name, m);
	buf[p + m] = 0;
	return m == n;
}

/* The value a branch's node reads as `name`: one its own branch (or an
 * enclosing one) made, in buf, or else the graph's, `name` itself. */
static const char *resolve(struct ox *X, const char *name, char *buf)
{
	for (int s = X->nscopes - 1; s >= 0 && name[0]; s--) {
		if (join(buf, X->scope[s], name) && ox_value(X, buf))
			return buf;
	}
	return name;
}

/* Node i of a branch, its inputs resolved and its outputs scoped, through
 * its converter. */
static int branch_node(struct ox *X, const Onnx__NodeProto *node, size_t i)
{
	const char *prefix = X->scope[X->nscopes - 1];
	char ifname[IR_NAME_MAX];
	snprintf(ifname, sizeof ifname, "%s", X->node_name);
	size_t n = node->n_input + node->n_output;
	char (*names)[IR_NAME_MAX] = try_calloc(n + 1, IR_NAME_MAX);
	char **ptr = try_calloc(n + 1, sizeof *ptr);
	if (!names || !ptr) {
		free(names), free(ptr);
		X->nomem = true;
		return diag_nomem(X->err, X->file, (n + 1) * IR_NAME_MAX, "the names of node %zu of a branch of '%s'", i, ifname);
	}
	int rc = 0;
	for (size_t k = 0; k < node->n_input; k++) {
		const char *r = resolve(X, node->input[k] ? node->input[k] : "", names[k]);
		ptr[k] = r == names[k] ? names[k] : (char *)r;
	}
	for (size_t k = 0; k < node->n_output && !rc; k++) {
		const char *o = node->output[k] ? node->output[k] : "";
		if (o[0] && strlen(prefix) + strlen(o) >= IR_NAME_MAX)
			rc = ox_node_error(X, "branch value '%.40s' scoped as '%s%.40s' is longer than %d bytes", o, prefix, o,
					   IR_NAME_MAX - 1);
		join(names[node->n_input + k], o[0] ? prefix : "", o);
		ptr[node->n_input + k] = names[node->n_input + k];
	}
	Onnx__NodeProto copy = *node;
	copy.input = ptr, copy.output = ptr + node->n_input;
	const Onnx__NodeProto *outer = X->node;
	X->node = &copy;
	char id[IR_NAME_MAX];
	snprintf(id, sizeof id, "%s_%zu", node->op_type ? node->op_type : "node", i);
	join(X->node_name, prefix, node->name && node->name[0] && strlen(prefix) + strlen(node->name) < IR_NAME_MAX ? node->name : id);
	ox_convert f = node->op_type ? ox_converter(node->op_type) : NULL;
	if (!rc && (!node->n_output || !copy.output[0][0]))
		rc = ox_node_error(X, "the node has no output");
	else if (!rc && node->domain && node->domain[0] && strcmp(node->domain, "ai.onnx"))
		rc = ox_node_error(X, "domain '%s' is not supported; only the default domain (ai.onnx)", node->domain);
	else if (!rc && !f)
		rc = ox_node_error(X, "not supported; the supported ops are %s", ox_supported);
	else if (!rc)
		rc = f(X);
	X->node = outer;
	snprintf(X->node_name, sizeof X->node_name, "%s", ifname);
	free(names), free(ptr);
	return rc;
}

/* Branch output k as an IR tensor (a constant becomes a weight). */
static int branch_output(struct ox *X, const Onnx__GraphProto *b, size_t k)
{
	char buf[IR_NAME_MAX];
	const char *name = b->output[k]->name ? b->output[k]->name : "";
	char *in[1] = {(char *)resolve(X, name, buf)};
	Onnx__NodeProto reader = *X->node;
	reader.n_input = 1, reader.input = in;
	const Onnx__NodeProto *outer = X->node;
	X->node = &reader;
	int t = ox_input(X, 0);
	X->node = outer;
	return t;
}

/* The nodes of branch b ("then" or "else"), its outputs' tensors in out. */
static int import_branch(struct ox *X, const Onnx__GraphProto *b, const char *which, int *out, size_t nout)
{
	const char *first = ox_output_name(X, 0);
	if (X->nscopes == OX_MAX_SCOPES)
		return ox_node_error(X, "If nodes nested more than %d deep", OX_MAX_SCOPES);
	if (strlen(first) + strlen(which) + 3 >= IR_NAME_MAX)
		return ox_node_error(X, "output '%s' is too long a name to scope the %s branch's values with", first, which);
	if (b->n_output != nout)
		return ox_node_error(X, "the %s branch has %zu outputs; the node has %zu", which, b->n_output, nout);
	char *prefix = X->scope[X->nscopes++];
	snprintf(prefix, IR_NAME_MAX, "%s.%s/", first, which);
	int rc = 0;
	for (size_t i = 0; i < b->n_initializer && !rc; i++) {
		const char *n = b->initializer[i]->name ? b->initializer[i]->name : "";
		char name[IR_NAME_MAX];
		if (!join(name, prefix, n) || !n[0])
			rc = ox_node_error(X, "initializer %zu of the %s branch: its name, scoped, must be 1 to %d bytes", i, which,
					   IR_NAME_MAX - 1 - (int)strlen(prefix));
		if (!rc)
			rc = ox_constant_value(X, b->initializer[i], name);
	}
	for (size_t i = 0; i < b->n_node && !rc; i++)
		rc = branch_node(X, b->node[i], i);
	for (size_t k = 0; k < nout && !rc; k++)
		if ((out[k] = branch_output(X, b, k)) < 0)
			rc = -1;
	X->nscopes--;
	return rc;
}

/* Output k: where(cond, then, else), the two of one shape and dtype. */
static int select_output(struct ox *X, int c, int a, int b, size_t k)
{
	const struct ir_tensor *A = &graph(X)->tensor[a], *B = &graph(X)->tensor[b];
	if (A->dtype != B->dtype || A->rank != B->rank || memcmp(A->shape, B->shape, (size_t)A->rank * sizeof *A->shape))
		return ox_node_error(X, "output %zu is '%s' (%s, rank %d) in the then branch and '%s' (%s, rank %d) in the else "
				     "branch; expected one shape and dtype",
				     k, A->name, dtype_name(A->dtype), A->rank, B->name, dtype_name(B->dtype), B->rank);
	char opname[IR_NAME_MAX];
	snprintf(opname, sizeof opname, k ? "%.50s.%zu" : "%.50s", X->node_name, k);
	int op = ox_where_op(X, c, a, b, opname, ox_output_name(X, k));
	return op < 0 || !ox_grow(X) ? -1 : ox_bind_output(X, (int)k, graph(X)->op[op].out.tensor);
}

enum { MAX_IF_OUTPUTS = 64 };

int ox_if(struct ox *X)
{
	const Onnx__AttributeProto *t = ox_attr(X, "then_branch"), *e = ox_attr(X, "else_branch");
	if (!t || !t->g || !e || !e->g)
		return ox_node_error(X, "attributes then_branch and else_branch (graphs) are required");
	int c = ox_input(X, 0);
	if (c < 0)
		return -1;
	const struct ir_tensor *ct = &graph(X)->tensor[c];
	if (ir_tensor_elems(ct) != 1 || dtype_float(ct->dtype))
		return ox_node_error(X, "condition '%s' is %s with %" PRId64 " elements; expected one bool", ct->name,
				     dtype_name(ct->dtype), ir_tensor_elems(ct));
	if (ct->rank != 1) { /* one value: broadcast against the outputs, not widening them */
		char name[IR_NAME_MAX];
		ox_name_of(name, ox_output_name(X, 0), "cond1");
		int op = ox_reshape_op(X, c, 1, (int64_t[]){1}, name, name);
		if (op < 0)
			return -1;
		c = graph(X)->op[op].out.tensor;
	}
	size_t n = X->node->n_output;
	if (n > MAX_IF_OUTPUTS)
		return ox_node_error(X, "%zu outputs; at most %d supported", n, MAX_IF_OUTPUTS);
	int a[MAX_IF_OUTPUTS], b[MAX_IF_OUTPUTS];
	if (import_branch(X, t->g, "then", a, n) || import_branch(X, e->g, "else", b, n))
		return -1;
	for (size_t k = 0; k < n; k++)
		if (select_output(X, c, a[k], b[k], k))
			return -1;
	return 0;
}
