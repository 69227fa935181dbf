/* device: one interface to every way of running a program — the C
 * simulator (sim/, "sim") and the Verilated RTL (rtl/, "rtl"); the SystemC
 * model wraps the simulator.  Like QBE's targets: a struct of function
 * pointers.  This layer knows none of its implementations: the registry of
 * devices by name sits above them (compiler/devices.h).  Co-simulation is
 * "run on two, compare" (device/cosim.h). */
#ifndef TESSEL_DEVICE_H
#define TESSEL_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "isa/program.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The units whose activity is counted.  X(id, name) */
#define DEV_MODULES(X)       \
	X(FETCH, "fetch")     \
	X(LOAD, "load")       \
	X(COMPUTE, "compute") \
	X(STORE, "store")

enum dev_module {
#define X(id, name) DEV_##id,
	DEV_MODULES(X)
#undef X
	DEV_MODULE_COUNT
};

/* The limits a run can be stopped at (struct dev_run_opts). */
enum dev_limit { DEV_LIMIT_NONE, DEV_LIMIT_CYCLES, DEV_LIMIT_SECONDS };

struct dev_stats {
	uint64_t cycles;                    /* cycle at which FINISH completed */
	uint64_t busy[DEV_MODULE_COUNT];    /* cycles spent executing */
	uint64_t stall[DEV_MODULE_COUNT];   /* cycles with work queued but unable to start */
	uint64_t dram_read, dram_written;   /* bytes over the DRAM channel */
	uint64_t dram_busy;                 /* cycles the DRAM bus carried data */
	uint64_t insns[ISA_MAX_KINDS];      /* executed, by kind (opcode) */
	uint64_t insns_total;
	uint64_t macs;                      /* multiply-accumulates by intrinsics */
	struct hw_actions act;              /* the actions energy is counted from
					     * (isa_count_actions, docs/energy.md) */
	double peak_macs_per_cycle;
	enum dev_limit limit;               /* the run was stopped at this limit: what is
					     * above is what happened until then */
	double host_seconds;                /* wall time of a program's steps done on the
					     * host (gathers, host ops), not in the cycles */
};

struct dev_trace;

/* What computes a program's host ops (isa_host_op) when the device runs
 * its steps: the runner's host backend (compiler/ provides one with LLVM).
 * run gets operand k in ins[k] (h->in_bytes[k] bytes, read from DRAM) and
 * fills out (h->out_bytes bytes, written to DRAM after); 0, or -1 with an
 * error naming the op. */
struct dev_host {
	int (*run)(void *ctx, const struct isa_host_op *h, const uint8_t *const *ins, uint8_t *out, struct diags *err);
	void *ctx;
};

struct dev_run_opts {
	FILE *trace;      /* Chrome/Perfetto trace-event JSON, one document per run, or NULL */
	struct dev_trace *tracer; /* or one document over a program's runs, naming
				   * instructions and ops (device/trace.h); NULL: none */
	bool timing_only; /* cycles and statistics only: what instructions
			   * compute is skipped (timing never depends on values;
			   * for measuring mappings).  A device may ignore it. */
	const char *waves; /* a VCD file of every signal, for devices that have signals (rtl), or NULL */
	/* Limits on the work of a run, 0 for none.  A program that has not
	 * finished by cycle max_cycles, or after max_seconds of wall-clock
	 * time, is stopped: run returns -1 with an error saying which limit,
	 * and the statistics are those until then (st->limit says which).
	 * Every device checks both; the simulator does not compute an
	 * instruction that would end past max_cycles, so the cycle limit also
	 * bounds its time.  The command line's default is DEV_DEFAULT_MAX_CYCLES. */
	uint64_t max_cycles;
	double max_seconds;
	/* Computes the program's host steps; NULL: a program with host steps
	 * is refused, naming its first host op. */
	const struct dev_host *host;
};

/* The cycle limit `tessel run`, `exec` and `cosim` apply unless told
 * otherwise: far above every example (the longest op, bert-ffn's on
 * edge-tiny, takes 6.1 M cycles; whole compiled workloads tens of millions),
 * far below what an untrusted program can ask for (one gemm can keep the
 * accelerator busy for 2^40 cycles). */
#define DEV_DEFAULT_MAX_CYCLES 1000000000ULL

struct device;

struct dev_ops {
	const char *name;
	struct device *(*open)(const struct hw *hw, struct diags *err);
	int (*write)(struct device *d, uint64_t addr, const void *src, uint64_t n, struct diags *err);
	int (*read)(struct device *d, uint64_t addr, void *dst, uint64_t n, struct diags *err);
	/* Makes n bytes from addr read as zeros, as a write of zeros would;
	 * optional (NULL: dev_zero writes zeros).  The simulator skips what
	 * nothing has written since it was opened or last zeroed, so loading
	 * a program with large zeroed segments costs little. */
	int (*zero)(struct device *d, uint64_t addr, uint64_t n, struct diags *err);
	/* Runs ninsn instructions from code_addr until FINISH completes. */
	int (*run)(struct device *d, uint64_t code_addr, uint32_t ninsn, const struct dev_run_opts *opts,
		   struct dev_stats *st, struct diags *err);
	void (*close)(struct device *d);
};

const char *dev_module_name(enum dev_module m);
/* Adds x's counts to to's (runs one after another: cycles too); the peak
 * and the limit are x's. */
void dev_stats_add(struct dev_stats *to, const struct dev_stats *x);
/* n zero bytes at addr: ops->zero, or writes of zeros. */
int dev_zero(const struct dev_ops *ops, struct device *d, uint64_t addr, uint64_t n, struct diags *err);
/* Writes a program's code, micro-ops and segments (their initial data, zeros
 * beyond it) into the device's DRAM. */
int dev_load_program(const struct dev_ops *ops, struct device *d, const struct isa_program *p, struct diags *err);
/* Loads and runs (dev_run_loaded). */
int dev_run_program(const struct dev_ops *ops, struct device *d, const struct isa_program *p,
		    const struct dev_run_opts *opts, struct dev_stats *st, struct diags *err);
/* Runs a loaded program: its one run, or its steps in order — runs of its
 * instructions and, between them, its gathers done here on the device's
 * DRAM and its host ops computed by opts->host (docs/program.md) — with the
 * runs' statistics summed (the host's time is not in them).  A run stopped
 * at a limit ends it (st->limit). */
int dev_run_loaded(const struct dev_ops *ops, struct device *d, const struct isa_program *p,
		   const struct dev_run_opts *opts, struct dev_stats *st, struct diags *err);
/* After a run: output port `port` of p (one that can be read back) from
 * the device's DRAM into tensor (isa_port_bytes bytes).  0, or -1. */
int dev_read_output(const struct dev_ops *ops, struct device *d, const struct isa_program *p, int port,
		    uint8_t *tensor, struct diags *err);
/* Whether n bytes at addr lie inside a DRAM of dram_size bytes: 0, or -1
 * with an error naming the access (WHAT: "read", "write").  Every device
 * checks its own read and write with it. */
int dev_check_dram(uint64_t dram_size, uint64_t addr, uint64_t n, const char *what, struct diags *err);

/* A run's limits as a device checks them: dev_watch_start when the run
 * starts, dev_watch_check(now) as it goes (cheap: the clock is read once
 * every few hundred calls), dev_watch_report once a limit is reached. */
struct dev_watch {
	uint64_t max_cycles;
	double deadline; /* monotonic seconds, 0 for none */
	double max_seconds;
	unsigned calls;
};
void dev_watch_start(struct dev_watch *w, const struct dev_run_opts *opts);
/* NOW is the next cycle the run would reach: a cycle limit N lets the run
 * reach cycle N and stops it before N + 1. */
enum dev_limit dev_watch_check(struct dev_watch *w, uint64_t now);
/* "stopped at the cycle limit N (--max-cycles): ..." with what ran. */
void dev_watch_report(const struct dev_watch *w, enum dev_limit l, uint64_t now, uint64_t insns_done, uint32_t ninsn,
		      struct diags *err);

#ifdef __cplusplus
}
#endif

#endif
