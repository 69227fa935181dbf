/* The raw einsum constructor: an op written as an index expression,
 *
 *   OUT[i, j] += A[i, k] * B[k, j]      (a sum of products)
 *   OUT[i] += A[i, k]                   (a sum)
 *   OUT[i] max= A[i, k]                 (a max reduction)
 *
 * A and B name existing tensors; every index takes its extent from the
 * dimensions it indexes, which must agree; indices of OUT are spatial, the
 * others reductions.  OUT is created with the given name and dtype. */
#include <inttypes.h>
#include <string.h>

#include "base/access.h"
#include "ir.h"

_Static_assert((int)IR_MAX_RANK <= (int)ACC_MAX_RANK, "a tensor's indices fit an access");

struct ref {
	char tensor[IR_NAME_MAX];
	int rank;
	char idx[IR_MAX_RANK][sizeof ((struct ir_iter *)0)->name];
};

/* The assignments an einsum accepts, and what each reduces with. */
static const char *const reduce_ops[] = {"+=", "max="};
static const enum ir_reduce reduce_of[] = {IR_REDUCE_SUM, IR_REDUCE_MAX};

/* OUT[...] (+= | max=) A[...] ('*' B[...])?; tensor names as the graph spells them. */
static const struct acc_form einsum_form = {
	.assign = reduce_ops, .nassign = 2, .min_inputs = 1, .max_inputs = 2, .max_rank = IR_MAX_RANK,
	.dotted_names = true, .line_breaks = true,
};

/* "op 'NAME': MSG at column N of the expression 'EXPR'" */
static void expr_error(struct diags *err, const char *op, const char *expr, int off, const char *msg)
{
	diag_add(err, NULL, 0, 0, "op '%s': %s at column %d of the expression '%s'", op, msg, off + 1, expr);
}

/* The text of span SP into OUT of SIZE bytes, or an error if it does not fit. */
static bool copy_name(const char *op, const char *expr, struct acc_span sp, char *out, size_t size, struct diags *err)
{
	if ((size_t)sp.len >= size) {
		expr_error(err, op, expr, sp.off, "name too long");
		return false;
	}
	memcpy(out, expr + sp.off, (size_t)sp.len);
	out[sp.len] = 0;
	return true;
}

static bool ref_of(const char *op, const char *expr, const struct acc_ref *a, struct ref *r, struct diags *err)
{
	if (!copy_name(op, expr, a->name, r->tensor, sizeof r->tensor, err))
		return false;
	r->rank = a->rank;
	for (int d = 0; d < a->rank; d++)
		if (!copy_name(op, expr, a->idx[d], r->idx[d], sizeof r->idx[d], err))
			return false;
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

/* The statement, then what the grammar leaves to einsum: a product sums,
 * and every name fits. */
static bool parse(const char *op, const char *expr, struct ref *out, enum ir_reduce *reduce, struct ref *in, int *nin,
		  struct diags *err)
{
	struct acc_stmt st;
	char msg[160];
	int off;
	if (acc_parse(expr, (int)strlen(expr), &einsum_form, &st, &off, msg, sizeof msg)) {
		expr_error(err, op, expr, off, msg);
		return false;
	}
	*reduce = reduce_of[st.assign];
	if (st.nin == 2 && *reduce != IR_REDUCE_SUM) {
		expr_error(err, op, expr, st.in[1].name.off, "a product needs '+='");
		return false;
	}
	*nin = st.nin;
	if (!ref_of(op, expr, &st.out, out, err))
		return false;
	for (int i = 0; i < st.nin; i++)
		if (!ref_of(op, expr, &st.in[i], &in[i], err))
			return false;
	return true;
}

int ir_einsum(struct ir_graph *g, const char *name, const char *expr, const char *out_name, enum dtype out_dtype,
	      struct diags *err)
{
	struct ref out, in[2];
	enum ir_reduce reduce;
	int nin;
	if (!parse(name, expr, &out, &reduce, in, &nin, err))
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
	int t[2] = {0, 0};
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
