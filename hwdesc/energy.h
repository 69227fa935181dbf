/* hwdesc: energy.  The actions a device counts while it runs a program
 * (docs/energy.md) and the picojoules they cost on one description: the
 * simulator and the RTL count the same actions (isa_count_actions), and
 * this table turns counts into energy.  Counted, not estimated. */
#ifndef TESSEL_HW_ENERGY_H
#define TESSEL_HW_ENERGY_H

#include "hw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a run did, per kind of action. */
struct hw_actions {
	uint64_t macs[HW_MAX_INTRINSICS];      /* multiply-accumulates, by intrinsic */
	uint64_t reads[HW_MAX_LEVELS];         /* elements read from each on-chip level */
	uint64_t writes[HW_MAX_LEVELS];        /* elements written */
	uint64_t alu[HW_ALU_OP_COUNT];         /* vector-ALU lane operations, by op */
};

/* The components an energy figure is split into.  X(id, name) */
#define HW_ENERGY_PARTS(X)  \
	X(MAC, "mac")       \
	X(ONCHIP, "onchip") \
	X(DRAM, "dram")     \
	X(ALU, "alu")       \
	X(LEAKAGE, "leakage")

enum hw_energy_part {
#define X(id, name) HW_ENERGY_##id,
	HW_ENERGY_PARTS(X)
#undef X
	HW_ENERGY_PART_COUNT
};

/* Energy of a run in picojoules: per component, per on-chip level (its
 * reads, writes and leakage), and the total. */
struct hw_energy_report {
	double part[HW_ENERGY_PART_COUNT];
	double level[HW_MAX_LEVELS];
	double total;
};

void hw_actions_add(struct hw_actions *to, const struct hw_actions *x);
bool hw_actions_equal(const struct hw_actions *a, const struct hw_actions *b);
/* The energy of a run that did ACT, moved DRAM_READ and DRAM_WRITTEN bytes
 * over the DRAM channel and lasted CYCLES cycles. */
void hw_energy_of(const struct hw *hw, const struct hw_actions *act, uint64_t dram_read, uint64_t dram_written,
		  uint64_t cycles, struct hw_energy_report *r);
const char *hw_energy_part_name(enum hw_energy_part p);

/* The defaults of every entry (docs/energy.md, "Defaults"), from the
 * levels, intrinsics and ALU already loaded. */
void hw_energy_defaults(struct hw *hw);
/* Picojoules of one multiply of two values of type t, one add of type t
 * (Horowitz, ISSCC 2014, 45 nm), and one access of a bits-wide word of an
 * SRAM of capacity bytes. */
double hw_energy_mul_pj(enum dtype t);
double hw_energy_add_pj(enum dtype t);
double hw_energy_sram_pj(uint64_t capacity, uint32_t bits);

#ifdef __cplusplus
}
#endif

#endif
