/* The footprint of an access: how many distinct elements of its tensor an
 * op touches over its whole iteration domain.  It is what the op must move
 * at least once (a stride-2 1x1 convolution reads a quarter of its input; a
 * 3x3 window reads its input once, not nine times), so the roofline counts
 * it rather than whole tensors.
 *
 * Tensor dimensions whose indices share no iterator vary independently, so
 * the footprint is the product over groups of dimensions that do share
 * iterators.  A group of one dimension is counted exactly by the set of
 * values its affine index reaches (a bitset grown iterator by iterator);
 * a group of several by walking its iterators' points when there are few
 * enough, else bounded above by the product of its dimensions' counts. */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

/* Work limits: values in one bitset or group, points walked. */
enum { MAX_SPAN = 1 << 26, MAX_POINTS = 1 << 22 };
#define MAX_WORK 1e8 /* word operations growing one dimension's set */

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* set |= set << shift, over `words` 64-bit words (shift >= 0). */
static void or_shifted(uint64_t *dst, const uint64_t *src, size_t words, int64_t shift)
{
	size_t w = (size_t)(shift / 64);
	unsigned b = (unsigned)(shift % 64);
	for (size_t i = words; i-- > w;) {
		uint64_t v = src[i - w] << b;
		if (b && i - w > 0)
			v |= src[i - w - 1] >> (64 - b);
		dst[i] |= v;
	}
}

/* Distinct in-bounds values of one dimension's index `ix` over the domain;
 * -1 when the span is too wide to count, or there is no memory to count
 * with (the caller bounds it). */
static int64_t dim_values(const struct ir_op *op, const struct ir_affine *ix, int64_t size)
{
	int64_t lo = ix->offset, span = 1;
	for (int i = 0; i < op->niters; i++) {
		int64_t reach = ix->coef[i] * (op->iter[i].extent - 1);
		lo += reach < 0 ? reach : 0;
		span += reach < 0 ? -reach : reach;
		if (span > MAX_SPAN)
			return -1;
	}
	size_t words = (size_t)(span + 63) / 64;
	double work = 0;
	for (int i = 0; i < op->niters; i++)
		work += ix->coef[i] ? (double)words * (double)op->iter[i].extent : 0;
	if (work > MAX_WORK)
		return -1;
	/* Values relative to lo.  Every iterator adds {0, |c|, ..., |c|(e-1)} to
	 * what the others reach: from its lowest contribution (t = 0 for c > 0,
	 * t = e-1 for c < 0) upward. */
	uint64_t *set = try_calloc(words, sizeof *set), *grown = try_calloc(words, sizeof *grown);
	if (!set || !grown) { /* no memory to count with: the caller bounds it */
		free(set);
		free(grown);
		return -1;
	}
	set[0] = 1;
	for (int i = 0; i < op->niters; i++) {
		int64_t c = ix->coef[i] < 0 ? -ix->coef[i] : ix->coef[i], e = op->iter[i].extent;
		if (c == 0 || e == 1)
			continue;
		memset(grown, 0, words * sizeof *grown);
		for (int64_t t = 0; t < e; t++)
			or_shifted(grown, set, words, c * t);
		memcpy(set, grown, words * sizeof *set);
	}
	int64_t count = 0;
	for (int64_t v = 0; v < span; v++)
		if (set[v / 64] >> (v % 64) & 1)
			count += lo + v >= 0 && lo + v < size;
	free(set);
	free(grown);
	return count;
}

/* Whether dimension d's index moves with iterator i. */
static bool uses(const struct ir_access *a, int d, int i) { return a->index[d].coef[i] != 0; }

/* Distinct in-bounds tuples of the dimensions in `dims` (a group sharing
 * iterators), by walking the points of the iterators they use; -1 when
 * there are too many, or no memory to mark them in. */
static int64_t group_points(const struct ir_op *op, const struct ir_access *a, const struct ir_tensor *t,
			    const int *dims, int ndims)
{
	int it[IR_MAX_ITERS], nit = 0;
	int64_t points = 1, cells = 1;
	for (int i = 0; i < op->niters; i++) {
		bool used = false;
		for (int k = 0; k < ndims; k++)
			used |= uses(a, dims[k], i);
		if (used) {
			it[nit++] = i;
			points *= op->iter[i].extent;
			if (points > MAX_POINTS)
				return -1;
		}
	}
	for (int k = 0; k < ndims; k++)
		if ((cells *= t->shape[dims[k]]) > MAX_SPAN)
			return -1;
	uint64_t *seen = try_calloc((size_t)(cells + 63) / 64, sizeof *seen);
	if (!seen)
		return -1;
	int64_t val[IR_MAX_ITERS] = {0}, count = 0;
	for (int64_t p = 0; p < points; p++) {
		int64_t rest = p, cell = 0;
		for (int j = nit; j-- > 0;) {
			val[it[j]] = rest % op->iter[it[j]].extent;
			rest /= op->iter[it[j]].extent;
		}
		bool inside = true;
		for (int k = 0; k < ndims && inside; k++) {
			const struct ir_affine *ix = &a->index[dims[k]];
			int64_t v = ix->offset;
			for (int j = 0; j < nit; j++)
				v += ix->coef[it[j]] * val[it[j]];
			inside = v >= 0 && v < t->shape[dims[k]];
			cell = cell * t->shape[dims[k]] + v;
		}
		if (inside && !(seen[cell / 64] >> (cell % 64) & 1)) {
			seen[cell / 64] |= 1ull << (cell % 64);
			count++;
		}
	}
	free(seen);
	return count;
}

int64_t ir_access_footprint(const struct ir_op *op, const struct ir_access *a, const struct ir_tensor *t)
{
	int group[IR_MAX_RANK];
	for (int d = 0; d < t->rank; d++)
		group[d] = d;
	/* union the dimensions that share an iterator */
	for (int i = 0; i < op->niters; i++) {
		int first = -1;
		for (int d = 0; d < t->rank; d++) {
			if (!uses(a, d, i))
				continue;
			if (first < 0) {
				first = group[d];
				continue;
			}
			int old = group[d];
			for (int e = 0; e < t->rank; e++)
				if (group[e] == old)
					group[e] = first;
		}
	}
	int64_t total = 1;
	for (int g0 = 0; g0 < t->rank; g0++) {
		int dims[IR_MAX_RANK], n = 0;
		for (int d = 0; d < t->rank; d++)
			if (group[d] == g0)
				dims[n++] = d;
		if (n == 0)
			continue;
		int64_t count = n > 1 ? group_points(op, a, t, dims, n) : -1;
		if (count < 0) { /* one dimension, or too many points: each dimension alone */
			count = 1;
			for (int k = 0; k < n; k++) {
				int64_t c = dim_values(op, &a->index[dims[k]], t->shape[dims[k]]);
				count *= c < 0 ? t->shape[dims[k]] : c;
			}
		}
		total *= count;
	}
	return min64(total, ir_tensor_elems(t));
}
