/* compiler/compile: a workload for one accelerator.  Every op is matched
 * (tensorize/), given its default mapping (compiler/mapping.c) or sent to the
 * host when no intrinsic can run it, and lowered; compiler/runtime runs the
 * result on a device and checks it against the host backend. */
#ifndef TESSEL_COMPILE_H
#define TESSEL_COMPILE_H

#include <stdbool.h>

#include "device/device.h"
#include "lower.h"
#include "ir/workload.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cc_plan {
	bool on_host;        /* no intrinsic can run it (why says which and why) */
	bool alu_pool;       /* max pooling on the vector ALU (tensorize/pool.c) */
	char why[512];
	int nbindings;
	struct tz_mapping map;
};

/* One plan per op of g.  Never fails: what cannot run on the accelerator
 * goes to the host. */
void cc_plan_ops(const struct hw *hw, const struct ir_graph *g, struct cc_plan *plans);
/* Lowers the accelerator ops listed (in order) into one program, their
 * inputs packed from data[tensor].  0, or -1 with errors naming the op. */
int cc_build(const struct ir_graph *g, const struct cc_plan *plans, const int *ops, int nops,
	     const uint8_t *const *data, struct lw_builder *b, struct diags *err);
/* The op's bound: max(MACs / peak MACs per cycle, bytes of its tensors / DRAM bandwidth). */
double cc_roofline_cycles(const struct hw *hw, const struct ir_graph *g, int op);

/* ---- compiler/runtime.c (in the host library: it runs the LLVM backend) ---- */

struct rt_result {
	bool on_host;
	char binding[256], mapping[96];
	struct dev_stats st;
	uint64_t macs;
	double roofline;
	bool verified;       /* equal to the host backend (floats: within the tolerance) */
	double max_error;    /* floats: largest |device - host| / max(1, |host|) */
	char mismatch[256];  /* the first differing element, when not verified */
};

/* Tolerance for floating-point outputs (docs/compiler.md). */
#define RT_FLOAT_TOLERANCE (1.0 / 256)

/* Every tensor's bytes: initial data, zeros for what ops compute. */
uint8_t **rt_tensor_buffers(const struct wl_workload *w);
void rt_free_buffers(const struct wl_workload *w, uint8_t **t);
/* Runs every op of the workload in order, each accelerator op as its own
 * program on a fresh device, the rest on the host; with verify, checks every
 * accelerator op against the host backend on the same inputs.  t holds the
 * tensors (rt_tensor_buffers) and receives every result.  0, or -1 with an
 * error (a failed comparison is not an error: see res[op].verified). */
int rt_exec(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
	    const struct dev_ops *dev, bool verify, uint8_t **t, struct rt_result *res, struct diags *err);
/* Every accelerator op of the plans, in order, lowered into one program p
 * (initialised here), inputs packed from the workload's data and, for
 * tensors ops compute, the host backend's values: what `tessel compile`
 * writes.  *nops gets the number of accelerator ops.  0, or -1 with an
 * error (also when no op runs on the accelerator). */
int rt_compile_program(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
		       struct isa_program *p, int *nops, struct diags *err);
/* Runs the whole workload on the host (the values compile packs for
 * intermediate tensors).  0, or -1 with an error. */
int rt_host_all(const struct wl_workload *w, uint8_t **t, struct diags *err);

#ifdef __cplusplus
}
#endif

#endif
