/* fuzz_npy: the .npy reader (npy_decode), which takes the tensors a user
 * gives a compiled model (tessel run --input, the C API).
 *
 * Invariants: decoding succeeds with no error or fails with at least one;
 * an array it accepts has exactly its shape's bytes, in one of tessel's
 * dtypes, and encodes (npy_encode, what npy_write writes) to a file that
 * decodes to the same array. */
#include "fuzz.h"
#include "base/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct npy a, b;
	struct diags err = {0};
	int rc = npy_decode(data, size, "fuzz.npy", &a, &err);
	FUZZ_CHECK((rc == 0) == (err.n == 0));
	diag_free(&err);
	if (rc)
		return 0;
	FUZZ_CHECK((unsigned)a.dtype < DTYPE_COUNT && a.rank >= 0 && a.rank <= NPY_MAX_RANK);
	uint64_t n = dtype_bytes(a.dtype);
	for (int d = 0; d < a.rank; d++)
		n *= (uint64_t)a.shape[d];
	FUZZ_CHECK(n == a.bytes && a.bytes <= size);
	size_t len;
	uint8_t *again = npy_encode(a.dtype, a.rank, a.shape, a.data, &len);
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(npy_decode(again, len, "again.npy", &b, &err) == 0);
	FUZZ_CHECK(b.dtype == a.dtype && b.rank == a.rank && !memcmp(b.shape, a.shape, sizeof *a.shape * (size_t)a.rank));
	FUZZ_CHECK(b.bytes == a.bytes && !memcmp(b.data, a.data, (size_t)a.bytes));
	free(again);
	npy_free(&a);
	npy_free(&b);
	diag_free(&err);
	return 0;
}
