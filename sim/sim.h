/* sim: the cycle-accurate simulator (docs/microarch.md is its contract).
 * Internal to sim/: the device state shared by the timing loop (sim.c) and
 * the data semantics (exec.c). */
#ifndef TESSEL_SIM_H
#define TESSEL_SIM_H

#include <stdbool.h>

#include "simulator.h"
#include "device/dram.h"

/* One instruction in flight: decoded, with its index in the stream. */
struct sim_entry {
	struct isa_insn in;
	uint32_t index;
};

/* The intrinsic's einsum, flattened: per dimension, its extent and the step
 * it makes in each operand's tile (0 where the operand lacks it). */
struct sim_plan {
	int ndims;
	uint32_t size[HW_MAX_DIMS];
	uint32_t step_out[HW_MAX_DIMS], step_a[HW_MAX_DIMS], step_b[HW_MAX_DIMS];
	bool reduction[HW_MAX_DIMS];
	int inner;       /* a reduction dim contiguous in a and b, or -1 */
	bool fast_i8;    /* int8 x int8 -> int32 with `inner` */
	/* For fast_i8: every output value's offsets in out, a, b, and the
	 * length of its dot product, so the hot loop does no index arithmetic. */
	uint32_t nout, depth;
	uint32_t (*offs)[3];
};

struct device {
	struct hw hw;
	struct isa_layout lay;
	uint8_t *dram;
	uint64_t dram_size;
	uint8_t *mem[HW_MAX_LEVELS];
	struct sim_plan plan[HW_MAX_INTRINSICS];
	uint32_t acc_elems;       /* values in one accumulator element */
	const struct dev_memory *ext; /* DRAM outside the simulator, or NULL (then `dram`) */
	int64_t dram_latency;     /* overrides dram.latency when >= 0 */
	uint64_t now;             /* the cycle of the instruction being executed */
};

/* The data effect of one instruction (exec.c).  Checks every index it will
 * touch first; on a violation reports it with the instruction index and
 * changes nothing. */
int sim_exec(struct device *d, const struct sim_entry *e, struct diags *err);
/* DRAM reads and writes, wherever DRAM is; the range must have been checked.
 * -1 when an external memory answers with an error. */
int sim_dram_in(struct device *d, uint64_t addr, void *dst, uint64_t n);
int sim_dram_out(struct device *d, uint64_t addr, const void *src, uint64_t n);
/* -1 with an error when out of memory (sim_free_plans frees what was made). */
int sim_plan_intrinsics(struct device *d, struct diags *err);
void sim_free_plans(struct device *d);

#endif
