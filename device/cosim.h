/* cosim: a program run on two devices (the simulator and the RTL), which
 * must agree on every byte of DRAM the program lays out and on every
 * statistic, cycles first.  Any program will do: an assembled or random
 * one, or one a compiler lowered. */
#ifndef TESSEL_COSIM_H
#define TESSEL_COSIM_H

#include <stdio.h>

#include "device.h"

struct cosim_result {
	struct dev_stats ref, dut;
	uint64_t bytes_compared;
	bool mismatch;
	char what[1024]; /* the first difference, in words */
};

/* Runs p on ref and on dut.  Returns 0 when they agree, 1 on a mismatch
 * (described in res->what), -1 when the program cannot run on ref or a
 * device cannot be opened (errors in *err; a dut that fails where ref does
 * not is a mismatch). */
int cosim_program(const struct isa_program *p, const struct dev_ops *ref, const struct dev_ops *dut,
		  struct cosim_result *res, struct diags *err);
/* The same with run limits (max_cycles, max_seconds of struct
 * dev_run_opts; NULL for none) on both runs.  When ref stops at one, -1
 * with its error, and res->ref holds its statistics until then. */
int cosim_program_limited(const struct isa_program *p, const struct dev_ops *ref, const struct dev_ops *dut,
			  const struct dev_run_opts *limits, struct cosim_result *res, struct diags *err);

#endif
