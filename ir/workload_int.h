/* Internal to ir/workload*.c: the state of one load, shared by the
 * schema (workload.c) and the data readers (workload_data.c).  The YAML tree
 * and the value checks are base/ytree.h's, as for hardware descriptions. */
#ifndef TESSEL_WORKLOAD_INT_H
#define TESSEL_WORKLOAD_INT_H

#include "base/ytree.h"
#include "workload.h"

enum { GIVEN_KIND = 1, GIVEN_LAYOUT = 2 };

#define WL_MAX_DATA_BYTES ((int64_t)1 << 30) /* of one tensor */

struct wl_state {
	struct yt_ctx yt;     /* where errors go */
	struct wl_workload *w;
	const char *dir;      /* data file paths are relative to it ("" = cwd) */
	int tensor_cap, op_cap;
	unsigned char *given; /* per tensor: GIVEN_KIND, GIVEN_LAYOUT (written, not inferred) */
	bool *used_as_weight; /* per tensor: an op's weight or bias */
	/* names of declarations that failed: references to them are not errors again */
	char (*broken)[IR_NAME_MAX];
	int nbroken;
	/* every op name seen, and the line it was declared on */
	struct wl_seen {
		char name[IR_NAME_MAX];
		int line;
	} *ops_seen;
	int nops_seen;
	bool nomem;           /* an allocation failed (and was reported): stop */
};

/* Reads the raw (or .npy, when NPY) file named by the scalar AT for tensor T,
 * checking its dtype, shape and size; the data, or NULL after an error. */
uint8_t *wl_read_data(struct wl_state *S, const struct ynode *at, bool npy, const struct ir_tensor *t);

/* A rewrite's new tensors and ops: the per-tensor and per-op records
 * grown to those counts (new tensors without data).  0, or -1 when out of
 * memory. */
int wl_grow_records(struct wl_workload *w, int ntensors, int nops);
/* One tensor, declared or computed, holds at most WL_MAX_DATA_BYTES, and
 * all together WL_MAX_TOTAL_BYTES: else an error at the first past it. */
void wl_check_sizes(struct wl_state *S);

#endif
