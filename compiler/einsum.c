/* The raw einsum constructor: an op written as an index expression,
 *
 *   OUT[i, j] += A[i, k] * B[k, j]      (a sum of products)
 *   OUT[i] += A[i, k]                   (a sum)
 *   OUT[i] max= A[i, k]                 (a max reduction)
 *
 * A and B name existing tensors; every index takes its extent from the
 * dimensions it indexes, which must agree; indices of OUT are spatial, the
 * others reductions.  OUT is created with the given name and dtype. */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "ir.h"

struct ref {
	char tensor[IR_NAME_MAX];
	int rank;
	char idx[IR_MAX_RANK][16];
};

struct parser {
	const char *s, *p;
	const char *op;
	struct diags *err;
};

static void skip(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static bool fail(struct parser *ps, const char *what)
{
	skip(ps); /* point at what is there, not at the blank before it */
	diag_add(ps->err, NULL, 0, 0, "op '%s': %s at column %d of the expression '%s'", ps->op, what,
		 (int)(ps->p - ps->s) + 1, ps->s);
	return false;
}

static bool word(struct parser *ps, char *out, size_t n, const char *what)
{
	skip(ps);
	size_t len = 0;
	if (!isalpha((unsigned char)*ps->p) && *ps->p != '_')
		return fail(ps, what);
	while (isalnum((unsigned char)ps->p[len]) || ps->p[len] == '_' || ps->p[len] == '.' || ps->p[len] == '-')
		len++;
	if (len >= n)
		return fail(ps, "name too long");
	memcpy(out, ps->p, len);
	out[len] = 0;
	ps->p += len;
	return true;
}

static bool lit(struct parser *ps, const char *s)
{
	skip(ps);
	if (strncmp(ps->p, s, strlen(s)))
		return false;
	ps->p += strlen(s);
	return true;
}

/* ref := NAME '[' index (',' index)* ']' */
static bool parse_ref(struct parser *ps, struct ref *r)
{
	if (!word(ps, r->tensor, sizeof r->tensor, "expected a tensor name"))
		return false;
	if (!lit(ps, "["))
		return fail(ps, "expected '['");
	r->rank = 0;
	do {
		if (r->rank == IR_MAX_RANK)
			return fail(ps, "too many indices");
		if (!word(ps, r->idx[r->rank], sizeof r->idx[0], "expected an index name"))
			return false;
		r->rank++;
	} while (lit(ps, ","));
	if (!lit(ps, "]"))
		return fail(ps, "expected ',' or ']'");
	return true;
}

static int find_iter(const struct ir_op *op, const char *name)
{
	for (int i = 0; i < op->niters; i++)
		if (!strcmp(op->iter[i].name, name))
			return i;
	return -1;
}

/* Every index with its extent, from the dimensions it indexes (which must
 * agree): the output's indices first, in its order, then the reductions in
 * order of appearance, so the loop nest reads like the expression. */
static bool make_iters(struct ir_op *op, const struct ir_graph *g, const struct ref *out, const struct ref *in,
		       const int *t, int nin, struct diags *err)
{
	struct ir_op all = {0};
	for (int n = 0; n < nin; n++) {
		const struct ir_tensor *ten = &g->tensor[t[n]];
		if (ten->rank != in[n].rank) {
			diag_add(err, NULL, 0, 0, "op '%s': '%s' has rank %d but the expression gives it %d indices", op->name,
				 ten->name, ten->rank, in[n].rank);
			return false;
		}
		for (int d = 0; d < in[n].rank; d++) {
			int it = find_iter(&all, in[n].idx[d]);
			if (it >= 0 && all.iter[it].extent != ten->shape[d]) {
				diag_add(err, NULL, 0, 0, "op '%s': index '%s' runs over %" PRId64 " in one place and %" PRId64 " in '%s'",
					 op->name, in[n].idx[d], all.iter[it].extent, ten->shape[d], ten->name);
				return false;
			}
			if (it < 0 && all.niters == IR_MAX_ITERS) {
				diag_add(err, NULL, 0, 0, "op '%s': more than %d indices", op->name, IR_MAX_ITERS);
				return false;
			}
			if (it < 0) {
				it = all.niters++;
				snprintf(all.iter[it].name, sizeof all.iter[it].name, "%s", in[n].idx[d]);
				all.iter[it].extent = ten->shape[d];
			}
		}
	}
	for (int d = 0; d < out->rank; d++) {
		int it = find_iter(&all, out->idx[d]);
		if (it < 0 || find_iter(op, out->idx[d]) >= 0) {
			diag_add(err, NULL, 0, 0, it < 0 ? "op '%s': output index '%s' appears in no input"
							 : "op '%s': output index '%s' is used twice",
				 op->name, out->idx[d]);
			return false;
		}
		op->iter[op->niters++] = all.iter[it];
	}
	for (int i = 0; i < all.niters; i++)
		if (find_iter(op, all.iter[i].name) < 0) {
			op->iter[op->niters] = all.iter[i];
			op->iter[op->niters++].reduction = true;
		}
	return true;
}

static void access_of(const struct ir_op *op, const struct ref *r, int tensor, struct ir_access *a)
{
	memset(a, 0, sizeof *a);
	a->tensor = tensor;
	for (int d = 0; d < r->rank; d++)
		a->index[d].coef[find_iter(op, r->idx[d])] = 1;
}

static bool parse(struct parser *ps, struct ref *out, enum ir_reduce *reduce, struct ref *in, int *nin)
{
	if (!parse_ref(ps, out))
		return false;
	if (lit(ps, "+="))
		*reduce = IR_REDUCE_SUM;
	else if (lit(ps, "max="))
		*reduce = IR_REDUCE_MAX;
	else
		return fail(ps, "expected '+=' or 'max='");
	*nin = 1;
	if (!parse_ref(ps, &in[0]))
		return false;
	if (lit(ps, "*")) {
		if (*reduce != IR_REDUCE_SUM)
			return fail(ps, "a product needs '+='");
		*nin = 2;
		if (!parse_ref(ps, &in[1]))
			return false;
	}
	skip(ps);
	return *ps->p ? fail(ps, "unexpected text") : true;
}

int ir_einsum(struct ir_graph *g, const char *name, const char *expr, const char *out_name, enum dtype out_dtype,
	      struct diags *err)
{
	struct parser ps = {expr, expr, name, err};
	struct ref out, in[2];
	enum ir_reduce reduce;
	int nin;
	if (!parse(&ps, &out, &reduce, in, &nin))
		return -1;
	if (strcmp(out.tensor, out_name)) {
		diag_add(err, NULL, 0, 0, "op '%s': the expression writes '%s' but the op's output is '%s'", name, out.tensor,
			 out_name);
		return -1;
	}
	struct ir_op op = {0};
	snprintf(op.name, sizeof op.name, "%s", name);
	snprintf(op.kind, sizeof op.kind, "einsum");
	op.nin = nin;
	int t[2];
	for (int i = 0; i < nin; i++)
		if ((t[i] = ir_tensor_lookup(g, in[i].tensor)) < 0) {
			diag_add(err, NULL, 0, 0, "op '%s': the expression reads '%s', which is not a tensor", name, in[i].tensor);
			return -1;
		}
	if (!make_iters(&op, g, &out, in, t, nin, err))
		return -1;
	if (nin == 2 && dtype_float(g->tensor[t[0]].dtype) != dtype_float(g->tensor[t[1]].dtype)) {
		diag_add(err, NULL, 0, 0, "op '%s': expected both inputs integer or both floating point", name);
		return -1;
	}
	int64_t shape[IR_MAX_RANK];
	for (int d = 0; d < out.rank; d++)
		shape[d] = op.iter[d].extent;
	access_of(&op, &out, 0, &op.out);
	for (int i = 0; i < nin; i++)
		access_of(&op, &in[i], t[i], &op.in[i]);
	op.reduce = reduce;
	op.combine = nin == 2 ? IR_COMBINE_MUL : IR_COMBINE_COPY;
	op.acc = dtype_float(g->tensor[t[0]].dtype) ? DT_FP32 : DT_INT32;
	return ir_add_op(g, &op, out_name, out_dtype, out.rank, shape, err);
}
