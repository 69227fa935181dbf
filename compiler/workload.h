/* compiler/workload: workload files (docs/workloads.md).  A YAML file names
 * tensors and ops; loading it builds an IR graph with the constructors of
 * compiler/ir.h and gives every declared tensor its initial data (random from
 * the workload's seed, zeros, or read from a raw binary or .npy file).
 * Errors are FILE:LINE:COL: error: ..., like the hardware description's. */
#ifndef TESSEL_WORKLOAD_H
#define TESSEL_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where something was declared in the workload file (1-based; 0 unknown). */
struct wl_loc {
	int line, col;
};

struct wl_workload {
	char name[IR_NAME_MAX];
	char *file;              /* the path or name it was loaded from */
	uint64_t seed;
	struct ir_graph g;
	/* Per tensor of g (g.ntensors entries): its initial data, row-major,
	 * little-endian, in its dtype (ir_tensor_elems * dtype bytes), or NULL
	 * for tensors an op computes. */
	uint8_t **data;
	struct wl_loc *tensor_at; /* per tensor: its declaration, or its op's */
	struct wl_loc *op_at;     /* per op */
};

/* 0 on success; -1 with every error appended to err (and *w zeroed).  Data
 * file paths are relative to the directory of PATH (of NAME for a string;
 * the current directory when NAME has no '/'). */
int wl_load_file(const char *path, struct wl_workload *w, struct diags *err);
int wl_load_string(const char *text, const char *name, struct wl_workload *w, struct diags *err);
void wl_free(struct wl_workload *w);

/* Bytes of tensor i's data (elements x dtype size). */
size_t wl_tensor_bytes(const struct wl_workload *w, int i);
/* The random data generator of docs/workloads.md: N elements of DTYPE for the
 * tensor NAME of a workload with SEED, integers uniform over [lo, hi], floats
 * uniform in [-1, 1) rounded to the dtype; written little-endian to OUT. */
void wl_random_fill(uint64_t seed, const char *name, enum dtype dtype, int64_t lo, int64_t hi, int64_t n,
		    uint8_t *out);
/* The default range of random integers of DTYPE. */
void wl_default_range(enum dtype dtype, int64_t *lo, int64_t *hi);
/* IEEE binary16 nearest (ties to even) to V. */
uint16_t wl_fp16_from_double(double v);

#ifdef __cplusplus
}
#endif

#endif
