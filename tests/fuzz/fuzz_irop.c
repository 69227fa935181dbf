/* fuzz_irop: the decoder of one IR op as bytes (ir_op_decode), which reads
 * the host ops of a program file before the host backend runs them.
 *
 * Invariants: decoding succeeds with no error or fails with exactly one and
 * an empty graph; an op it accepts has its operands, then its output, as
 * tensors, its output index inside the output over the whole domain (the
 * decoder's promise to the backend, checked here again at the domain's
 * corners), and encodes to the very bytes it came from. */
#include "fuzz.h"
#include "ir/ir.h"

/* The least and greatest output index of dimension d over the domain (an
 * affine index takes them at corners). */
static void out_range(const struct ir_op *op, int d, int64_t *lo, int64_t *hi)
{
	const struct ir_affine *a = &op->out.index[d];
	*lo = *hi = a->offset;
	for (int it = 0; it < op->niters; it++) {
		int64_t span = a->coef[it] * (op->iter[it].extent - 1);
		*(span < 0 ? lo : hi) += span;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ir_graph g;
	struct diags err = {0};
	int rc = ir_op_decode(data, size, "fuzz", &g, &err);
	FUZZ_CHECK(rc ? err.n == 1 && g.ntensors == 0 && g.nops == 0 : err.n == 0);
	diag_free(&err);
	if (rc)
		return 0;
	FUZZ_CHECK(g.nops == 1 && g.ntensors >= 2 && g.op[0].out.tensor == g.ntensors - 1);
	const struct ir_op *op = &g.op[0];
	const struct ir_tensor *out = &g.tensor[op->out.tensor];
	for (int d = 0; d < out->rank; d++) {
		int64_t lo, hi;
		out_range(op, d, &lo, &hi);
		FUZZ_CHECK(lo >= 0 && hi < out->shape[d]);
	}
	size_t len = 0;
	uint8_t *again = ir_op_encode(&g, 0, &len);
	FUZZ_CHECK(again && len == size && !memcmp(again, data, size));
	free(again);
	ir_graph_free(&g);
	return 0;
}
