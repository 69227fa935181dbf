/* device/trace: the Chrome/Perfetto trace-event JSON a device writes when
 * asked (--trace; docs/cli.md, "Traces").  One span per instruction and per
 * fetch, on one thread per module of one process named after the device and
 * the hardware; each instruction's span carries its assembly text and, when
 * known, the op it belongs to or the segments it moves.
 *
 * Time: one cycle is one unit of "ts" (which viewers read as microseconds),
 * so that spans are exact and comparable between devices (device/cosim.c
 * compares them); otherData says so and gives the clock. */
#ifndef TESSEL_DEVICE_TRACE_H
#define TESSEL_DEVICE_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A trace over every run of one program: a program of several runs (steps)
 * gives one document, one timeline (each run starts where the last ended)
 * and instruction indices of the program.  The caller sets it up
 * (dev_trace_init), points dev_run_opts.tracer at it and ends it
 * (dev_trace_end) after the program ran.  A device given only
 * dev_run_opts.trace writes one document per run instead, without names. */
struct dev_trace {
	FILE *out;
	const struct isa_program *p;   /* the program: segment names, its first instruction */
	const char *const *op_of_insn; /* per instruction of p: the op it belongs to, or NULL; or NULL */
	/* kept across runs */
	bool begun, comma;
	uint64_t ts0;                  /* cycles of the runs before */
};

void dev_trace_init(struct dev_trace *t, FILE *out, const struct isa_program *p, const char *const *op_of_insn);
/* Closes the document (an empty one when nothing ran). */
void dev_trace_end(struct dev_trace *t);

/* ---- for devices: one run ---- */

struct dev_trace_run {
	struct dev_trace own, *t;      /* t: the caller's, or own; NULL: no trace */
	const struct hw *hw;
	const struct isa_layout *lay;
	uint32_t first;                /* the run's first instruction in the program */
	bool nomem;                    /* an instruction's text could not be made */
};

/* Starts a run of the device called `device` from code_addr (opens the
 * document on the first run). */
void dev_trace_run_begin(struct dev_trace_run *r, const struct dev_run_opts *opts, const char *device,
			 const struct hw *hw, const struct isa_layout *lay, uint64_t code_addr);
/* Instruction `index` of the run, on module lane, from cycle start. */
void dev_trace_insn(struct dev_trace_run *r, enum dev_module lane, const struct isa_insn *in, uint32_t index,
		    uint64_t start, uint64_t dur);
/* A fetch of instructions from `first` of the run. */
void dev_trace_fetch(struct dev_trace_run *r, uint32_t first, uint64_t start, uint64_t dur);
/* Ends a run that took `cycles`: 0, or -1 with an error when memory ran
 * out for an instruction's text (the trace then has null for it). */
int dev_trace_run_end(struct dev_trace_run *r, uint64_t cycles, struct diags *err);

#ifdef __cplusplus
}
#endif

#endif
