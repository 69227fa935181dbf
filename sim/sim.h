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
	bool fast_float; /* fp16/fp32 operands and output (sim/float.c) */
	bool f16c;       /* converting fp16 with the processor's F16C */
	/* For both: every output value's offsets in out, a, b, so the hot
	 * loops do no index arithmetic; fast_i8's dot products are `depth` long. */
	uint32_t nout, depth;
	uint32_t (*offs)[3];
	/* For fast_float: a beat's products as rows of row_len outputs
	 * (output, a, b offsets of the first; a or b, as row_a_vector says,
	 * steps by 1 along the row, the other stays), in the order they are
	 * summed (float.c), and room for one beat's a and b values, converted
	 * once, and its sums, by output offset. */
	uint32_t nrow, row_len, na, nb, nsum;
	bool row_a_vector;
	bool dense; /* the output tile is outputs 0 .. nout-1 in order */
	uint32_t (*row)[3];
	float *va, *vb, *sum;
};

struct device {
	struct hw hw;
	struct isa_layout lay;
	uint8_t *dram;
	uint64_t dram_size;
	/* One bit per SIM_PAGE bytes of `dram`: set once anything may have
	 * written there since the device was opened or the page was last
	 * zeroed whole, so zeroing skips the pages that are zeros already. */
	uint64_t *dirty;
	uint8_t *mem[HW_MAX_LEVELS];
	struct sim_plan plan[HW_MAX_INTRINSICS];
	uint32_t acc_elems;       /* values in one accumulator element */
	const struct dev_memory *ext; /* DRAM outside the simulator, or NULL (then `dram`) */
	int64_t dram_latency;     /* overrides dram.latency when >= 0 */
	uint64_t now;             /* the cycle of the instruction being executed */
	bool f16c;                /* the processor has F16C (sim_has_f16c) */
};

/* The data effect of one instruction (exec.c).  Checks every index it will
 * touch first; on a violation reports it with the instruction index and
 * changes nothing. */
int sim_exec(struct device *d, const struct sim_entry *e, struct diags *err);
/* DRAM reads and writes, wherever DRAM is; the range must have been checked.
 * -1 when an external memory answers with an error. */
int sim_dram_in(struct device *d, uint64_t addr, void *dst, uint64_t n);
int sim_dram_out(struct device *d, uint64_t addr, const void *src, uint64_t n);
#define SIM_PAGE 4096u
/* n zero bytes at addr (checked), writing only where `dirty` says. */
int sim_dram_zero(struct device *d, uint64_t addr, uint64_t n);
/* -1 with an error when out of memory (sim_free_plans frees what was made). */
int sim_plan_intrinsics(struct device *d, struct diags *err);
/* The output offsets of a plan whose size, steps and reduction flags are
 * set (exec.c); -1 when out of memory. */
int sim_list_outputs(struct sim_plan *p);
/* float.c: the fast_float part of a plan (-1 when out of memory), one
 * intrinsic beat, and accumulator values narrowed to a float output. */
int sim_plan_float(const struct hw_intrinsic *in, struct sim_plan *p, bool f16c);
void sim_tile_float(const struct hw_intrinsic *in, const struct sim_plan *p, uint8_t *out, const uint8_t *a,
		    const uint8_t *b, bool reset);
void sim_narrow_float(uint8_t *o, enum dtype to, const uint8_t *a, enum dtype from, uint64_t n, bool f16c);
/* Row conversions, with F16C when f16c (only where sim_has_f16c() said
 * so) or in software, the same bits either way: n halves to floats; n
 * floats (bytes f, any alignment) to halves, a NaN as 0x7e00. */
bool sim_has_f16c(void);
void sim_halves_to_floats(float *v, const uint8_t *h, uint64_t n, bool f16c);
void sim_floats_to_halves(uint8_t *h, const uint8_t *f, uint64_t n, bool f16c);
void sim_free_plans(struct device *d);

#endif
