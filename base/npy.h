/* npy: NumPy's .npy files, the format tensors go in and out of a compiled
 * program in (`tessel run --input/--output`, `tessel host --output`).
 * Version 1.0, 2.0 and 3.0 headers are read; 1.0 is written when the header
 * fits, as NumPy does.  Only what tessel's dtypes are (base/dtype.h),
 * little-endian, in C order: anything else is refused, naming the file and
 * what was expected.  Reads are bounded (base/file.h, kind FILE_DATA). */
#ifndef TESSEL_NPY_H
#define TESSEL_NPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "dtype.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { NPY_MAX_RANK = 8 };

struct npy {
	enum dtype dtype;
	int rank;
	int64_t shape[NPY_MAX_RANK];
	uint8_t *data; /* rank 0: one element */
	uint64_t bytes;
};

/* What a .npy header says, for readers that check it against what they
 * expect and word their own errors (a workload's data file). */
struct npy_header {
	char descr[40];   /* as written, e.g. "<f4"; other bytes than printable ASCII as \xNN */
	int dtype;        /* enum dtype, or -1: none of tessel's */
	bool fortran;
	int rank;
	int64_t shape[NPY_MAX_RANK];
	size_t data_off;  /* where the data starts */
};
/* 0, or -1 with why, a phrase after "the file" ("is truncated inside its
 * header", "has a malformed .npy header: ..."). */
int npy_parse(const uint8_t *buf, size_t len, struct npy_header *h, char *why, size_t whysize);

/* The array in PATH: 0, or -1 with an error naming PATH (nothing to free). */
int npy_read(const char *path, struct npy *a, struct diags *err);
/* The same from memory (NAME for errors): the array's data is a copy. */
int npy_decode(const uint8_t *buf, size_t len, const char *name, struct npy *a, struct diags *err);
/* An array as the bytes of a .npy file (version 1.0, the header padded to
 * 64 bytes as NumPy pads it); NULL when out of memory. */
uint8_t *npy_encode(enum dtype dtype, int rank, const int64_t *shape, const uint8_t *data, size_t *len);
/* Writes an array to PATH (through a temporary renamed into place). */
int npy_write(const char *path, enum dtype dtype, int rank, const int64_t *shape, const uint8_t *data,
	      struct diags *err);
void npy_free(struct npy *a);
/* The descr NumPy writes for a dtype ("|i1", "<f4"). */
const char *npy_descr(enum dtype t);
/* "(1, 56, 56, 64)", NumPy's way of writing a shape, into buf. */
void npy_shape_text(int rank, const int64_t *shape, char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif
