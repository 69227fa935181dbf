/* compiler/compile: a workload for one accelerator.  Every op is planned
 * (matched by tensorize/, given its default mapping, or sent to the host
 * when no intrinsic can run it); a program is built from the plans by one
 * flat pipeline of passes (docs/compiler.md); compiler/runtime runs the
 * result on a device and checks it against the host backend. */
#ifndef TESSEL_COMPILE_H
#define TESSEL_COMPILE_H

#include <stdbool.h>
#include <stdio.h>

#include "isa/program.h"
#include "device/device.h"
#include "runner.h"
#include "tensorize/tensorize.h"
#include "ir/workload.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How an op runs: X(id, name).  Lowering dispatches on it in one table
 * (compiler/lower.c). */
#define CC_KINDS(X)                                                                   \
	X(HOST, "host")          /* no intrinsic can run it: the LLVM host backend (a host step) */ \
	X(GEMM, "gemm")          /* its GEMM form on an intrinsic (lower_gemm.c) */   \
	X(POOL, "alu max pool")  /* max pooling on the vector ALU (lower_pool.c) */

enum cc_kind {
#define X(id, name) CC_##id,
	CC_KINDS(X)
#undef X
	CC_NKINDS
};

const char *cc_kind_name(enum cc_kind k);

/* One op's plan: everything lowering needs from matching, so that lowering
 * never matches again. */
struct cc_plan {
	enum cc_kind kind;
	char why[512];           /* CC_HOST: which intrinsics cannot run it and why */
	int nbindings;
	struct tz_mapping map;   /* CC_GEMM: binding and mapping */
	bool has_direct;         /* CC_GEMM in the GEMM form: a direct mapping the cost passed over, */
	struct tz_mapping direct; /* which cc_plan_ops may take when it keeps a chain on the device */
	struct tz_geometry geo;  /* CC_GEMM: the binding in tiles (settled by the plan pass) */
	struct tz_pool pool;     /* CC_POOL: the op as windows of accumulator elements */
	int64_t pool_block;      /* CC_POOL: pixels per block (settled by the plan pass) */
};

/* One plan per op of g: what cannot run on the accelerator goes to the
 * host.  An op in the GEMM form whose input a direct producer stored in
 * the layout its direct mapping reads takes that mapping where it costs
 * less than the GEMM form with the gather between them (docs/compiler.md,
 * "Mappings").  0, or -1 with an error when out of memory. */
int cc_plan_ops(const struct hw *hw, const struct ir_graph *g, struct cc_plan *plans, struct diags *err);
/* The plan of one op on its own (cc_plan_ops's choice for it but for
 * chains). */
int cc_plan_op(const struct hw *hw, const struct ir_graph *g, int op, struct cc_plan *plan, struct diags *err);
/* What a plan costs, to choose between forms: the estimated cycles, times
 * the estimated DRAM bytes read to the power 1/4, times 1.1 for the GEMM
 * form (docs/compiler.md); infinite for a plan not on an intrinsic. */
double cc_plan_cost(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan);
/* Rewrites the ops of w that cost less with their strided windows split
 * into phases (ir_phase_split_find, wl_phase_split): each gets a layout op
 * before it, which runs on the host.  Before planning; 0, or -1 with an
 * error (out of memory). */
int cc_rewrite(const struct hw *hw, struct wl_workload *w, struct diags *err);
/* Whether op o is a layout op cc_rewrite made for the op after it (phases,
 * bands): on the host by design, a move a gather does in a program. */
bool cc_layout_op(const struct ir_op *o);
/* Op `op` with mapping m (the tuner's choice), or, with m NULL, as max
 * pooling on the ALU (CC_HOST with why when the ALU cannot run it). */
void cc_plan_mapping(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_mapping *m,
		     struct cc_plan *plan);
/* The plan in words: binding ("host" when on the host) and mapping. */
void cc_plan_format(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan,
		    struct strbuf *binding, struct strbuf *mapping);
/* Bytes the op must move at least once: the elements its accesses touch
 * (ir_access_footprint) of its inputs and output, and its bias. */
double cc_compulsory_bytes(const struct ir_graph *g, int op);
/* Of those, the bytes it must read: its inputs' touched elements and its bias. */
double cc_compulsory_read_bytes(const struct ir_graph *g, int op);
/* The op's bound: max(MACs / peak MACs per cycle, compulsory bytes / DRAM bandwidth). */
double cc_roofline_cycles(const struct hw *hw, const struct ir_graph *g, int op);

/* The resources of the machine an op's bound can come from. */
#define CC_BOUND_RESOURCES(X) \
	X(MAC, "mac") X(ALU, "alu") X(DRAM, "dram") X(LOAD, "load") X(STORE, "store")
enum cc_resource {
#define X(e, name) CC_RES_##e,
	CC_BOUND_RESOURCES(X)
#undef X
	CC_RES_COUNT
};
const char *cc_resource_name(enum cc_resource r);

/* The machine's bound of an op: the cycles each resource of the
 * description needs at least, and the least any program needs (cycles).
 * Per binding of the op, max(mac + alu, dram, load, store), since the
 * intrinsics and the ALU take turns on the compute module while DRAM
 * transfers and the other modules run beside it; the bound is the least
 * of its bindings', need[] that binding's terms, and binding the resource
 * that sets it (of mac and alu, the larger).
 * - mac: MACs / (the intrinsic's peak MACs a cycle x the binding's
 *   efficiency): padding is MACs done for nothing;
 * - alu: the fewest vector-ALU operations the op takes (its epilogues'
 *   passes, fused as tz_epilogue_passes fuses them, an integer sum started
 *   from its bias, per output element, and a shift between the byte
 *   planes of an output wider than its buffer) at alu.lanes values per
 *   alu.initiation_interval cycles;
 * - dram: compulsory bytes / DRAM bandwidth, except that the weights are
 *   read packed into their tiles, and so is an operand the binding's GEMM
 *   form packs (a window's input once per kernel position) where the
 *   binding has no direct form;
 * - load: the load module's DMA of the intrinsic's inputs, those bytes
 *   once over every hop from DRAM to their scratchpad (through a shared
 *   level that is two transfers, one after the other), each hop at the
 *   slower of its two ends' bandwidths; store: the store module's, the
 *   output's bytes over every hop back to DRAM.  Without a shared level
 *   load and store never exceed dram unless a scratchpad's port is the
 *   narrower end.
 * Max pooling (its work is the ALU's: the window minus one per output) and
 * an op with no binding take their compulsory bytes and MACs at the
 * description's peak.
 * efficiency: the fraction of the intrinsic's MACs the op's shape fills
 * under the plan's binding (CC_GEMM), else -1; at_bound: under the binding
 * the bound is worked out for, else -1. */
struct cc_bound {
	double need[CC_RES_COUNT];
	double cycles;
	enum cc_resource binding;
	double efficiency, at_bound;
};
void cc_machine_bound(const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan,
		      struct cc_bound *b);

/* ---- whole graphs ---- */

/* Whether op ops[i] of a program (ops: its ops in order) reads its input
 * `tensor` from the segment an earlier op of the program stores it into:
 * both in the direct form, the tensor in one layout.  Then nothing about it
 * runs on the host. */
bool cc_reads_stored(const struct hw *hw, const struct ir_graph *g, const struct cc_plan *plans, const int *ops, int i,
		     int tensor);
/* The earlier op (index into ops) whose segment it reads, or -1. */
int cc_stored_by(const struct hw *hw, const struct ir_graph *g, const struct cc_plan *plans, const int *ops, int i,
		 int tensor);
/* Where op ops[i] of a program gets its input `tensor` from.  A whole
 * workload's program (steps: every op of the graph is in ops, host ops
 * too) takes every value from the device or its steps; a program of some
 * ops only (tune, exec) may be given values the caller computed. */
enum cc_source {
	CC_FROM_DATA,      /* no op computes it: packed from its data at compile time */
	CC_FROM_STORED,    /* the segment an earlier op stored it into (cc_reads_stored) */
	CC_FROM_GATHER,    /* an earlier op's output segment (a host op's: the tensor row
			    * major), rearranged by a gather step at run time */
	CC_FROM_HOST_STEP, /* a host step computes the op's packed operand from the tensor
			    * row major (the ALU's max pooling: widened, padded with the
			    * least value) */
	CC_FROM_HOST,      /* the caller's value (rt_exec), packed at compile time */
};
/* Without steps, a gather can do what the consumer's packing does when the
 * tensor, the consumer's operand and the producer's output buffer are all
 * one byte per value, the producer stores one plane, and the consumer is an
 * intrinsic's op. */
enum cc_source cc_input_source(const struct hw *hw, const struct ir_graph *g, const struct cc_plan *plans,
			       const int *ops, int i, int tensor, bool steps);

/* ---- the pipeline: passes over one program, in order (X(name, what)) ---- */

#define CC_PASSES(X)                                                                                \
	X(plan, "settles each op's plan: the binding derived, its geometry, the mapping checked")     \
	X(lower, "emits each op's segments, micro-ops and instructions, with what each waits for")    \
	X(tokens, "turns the waits into dependency tokens and syncs (compiler/stream.c)")             \
	X(layout, "places micro-ops and code in DRAM after the segments")                            \
	X(verify, "checks the layout, every field, buffer bound and the token protocol (check.c)")    \
	X(ports, "the program's inputs and outputs: tables between the workload's tensors and DRAM (ports.c)")

enum cc_pass {
#define X(name, what) CC_PASS_##name,
	CC_PASSES(X)
#undef X
	CC_NPASSES
};

/* The pass named `name`, or -1. */
int cc_pass_lookup(const char *name);
const char *cc_pass_name(enum cc_pass pass);

/* What to build. */
struct cc_request {
	const char *name;               /* the workload's, for errors */
	const struct ir_graph *g;
	const struct cc_plan *plans;    /* one per op of g */
	const int *ops;                 /* the ops to build, in program order (none on the host);
					 * NULL: every op of the graph, those on the host as host
					 * steps (compiler/host_ops.c) */
	int nops;
	const uint8_t *const *data;     /* tensor bytes to pack (row-major); NULL: zeros, for timing only */
	bool ports;                     /* give the program its inputs and outputs (a whole
					 * workload's program, ops NULL, with data) */
	const char *dump_after;         /* a pass to print the program after, or NULL */
	FILE *dump;
};

/* One op of a program. */
struct cc_op {
	int op;                         /* in the graph */
	struct cc_plan plan;            /* settled by the plan pass */
	int out_segment;                /* index into the program's segments */
	int first_insn, end_insn;       /* its instructions in the program */
	/* per input: the segment its producer stored it into, byte for byte as
	 * this op packs it (seg + 1; -1 none; 0 not yet known: lw_stored_as_packed) */
	int as_packed[IR_MAX_INPUTS];
};

struct lw_stream;

/* A program and what was built into it; while the passes run, the program
 * under construction. */
struct cc_program {
	struct isa_program p;
	const struct ir_graph *g;
	const struct cc_request *rq;    /* while building; NULL after */
	int nops;
	struct cc_op *op;
	int *op_of_insn;                /* per instruction: index into op, -1 for none */
	/* under construction */
	struct lw_stream *stream;       /* instructions in program order, with their waits */
	int *insn_of_stream;            /* per stream instruction: its index in p (tokens) */
	uint64_t dram_next;             /* next free DRAM byte for segments */
	size_t nomem;                   /* bytes of the first allocation that failed while lowering, 0: none */
	const char *nomem_what;         /* what they were for (a static string) */
	const char *refused;            /* what lowering found it cannot build (a static string), or NULL */
	int last_compute, last_store;   /* last instruction of the previous op per module */
	/* the steps, as lowering makes them: a RUN's `first` is the stream index of
	 * the finish that ends it (the tokens pass turns them into the program's) */
	int npending, pending_cap;
	struct isa_step *pending;
	int cut_at;                     /* stream instructions when the last run was cut */
	int *host_seg;                  /* per tensor: the segment holding it row major for
					 * the host steps (T.host), -1 for none */
};

/* The one way to build a program: every pass over the ops requested.  0, or
 * -1 with an error naming the op (also when no op is requested or when out
 * of memory), everything freed.  prog->p is the program; cc_program_free
 * releases everything (on a failed build it has nothing left to do). */
int cc_build(const struct hw *hw, const struct cc_request *rq, struct cc_program *prog, struct diags *err);
/* Op i's output segment (bytes as read from the device) into its output
 * tensor. */
void cc_unpack(const struct cc_program *prog, int i, const uint8_t *packed, uint8_t *tensor);
void cc_program_free(struct cc_program *prog);

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

/* Every tensor's bytes: initial data, zeros for what ops compute.  NULL with
 * an error when out of memory. */
uint8_t **rt_tensor_buffers(const struct wl_workload *w, struct diags *err);
void rt_free_buffers(const struct wl_workload *w, uint8_t **t);
/* Runs every op of the workload in order, each accelerator op as its own
 * program on a fresh device, the rest on the host; with verify, checks every
 * accelerator op against the host backend on the same inputs.  t holds the
 * tensors (rt_tensor_buffers) and receives every result.  0, or -1 with an
 * error (a failed comparison is not an error: see res[op].verified).  ro
 * (or NULL) holds each op's run limits: an op stopped at one ends the run
 * with its statistics so far (res[op].st.limit). */
int rt_exec(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
	    const struct dev_ops *dev, const struct dev_run_opts *ro, bool verify, uint8_t **t, struct rt_result *res,
	    struct diags *err);
/* Runs the whole workload on the host (the reference).  0, or -1 with an error. */
int rt_host_all(const struct wl_workload *w, uint8_t **t, struct diags *err);
/* Every tensor as the host backend computes it (rt_tensor_buffers, then
 * rt_host_all).  NULL with an error. */
uint8_t **rt_host_tensors(const struct wl_workload *w, struct diags *err);

/* ---- compiler/host_ops.c: a program's host ops run by the LLVM backend: runner.h ---- */

#ifdef __cplusplus
}
#endif

#endif
