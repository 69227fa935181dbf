/* rtl: the C interface between tessel (C) and a Verilated model of the
 * accelerator, built at run time into a shared object and loaded with
 * dlopen (rtl/build.c).  The shared object exports one symbol,
 * RTL_ABI_SYMBOL, a function returning a `struct rtl_abi`.  Plain C types
 * only: tessel itself neither includes nor links Verilator. */
#ifndef TESSEL_RTL_ABI_H
#define TESSEL_RTL_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { RTL_ABI_VERSION = 2 };
#define RTL_ABI_SYMBOL "tessel_rtl_abi"

/* What the model reports while it runs, so that the device computes the
 * same statistics and trace as the simulator. */
struct rtl_abi_events {
	void *ctx;
	/* An instruction started at `start` on module 0 load, 1 compute,
	 * 2 store; it completes at `end` (called once `end` is known). */
	void (*insn)(void *ctx, int module, uint32_t index, uint64_t start, uint64_t end);
	/* Fetch requested instructions from `first` at `start`; they arrive at `arrive`. */
	void (*fetch)(void *ctx, uint32_t first, uint64_t start, uint64_t arrive);
	/* Asked once a cycle, at cycle `now` of a run that has not finished:
	 * nonzero stops the run there (RTL_END_LIMIT).  May be NULL. */
	int (*poll)(void *ctx, uint64_t now);
};

enum rtl_abi_end { RTL_END_FINISH, RTL_END_STUCK, RTL_END_DRAM_ERROR, RTL_END_LIMIT };

struct rtl_abi_result {
	enum rtl_abi_end end;
	uint64_t cycles;            /* the cycle the run ended */
	uint64_t stall[4];          /* fetch, load, compute, store */
	uint64_t dispatches;
	uint64_t dram_read, dram_written, dram_busy;
	char error[256];            /* for RTL_END_DRAM_ERROR */
};

struct rtl_abi {
	int version;
	/* A model with `dram_size` bytes of DRAM behind a channel of the given
	 * timing (device/dram.c); NULL when out of memory. */
	void *(*create)(uint64_t dram_size, uint32_t bandwidth, uint32_t latency, uint32_t burst);
	uint8_t *(*dram)(void *m); /* its DRAM, dram_size bytes */
	/* Resets the control state (not the scratchpads) and runs ninsn
	 * instructions from code_addr until finish completes, nothing can
	 * progress, or an access leaves DRAM.  With `waves`, writes a VCD. */
	int (*run)(void *m, uint64_t code_addr, uint32_t ninsn, const char *waves, const struct rtl_abi_events *ev,
		   struct rtl_abi_result *res);
	void (*destroy)(void *m);
};

typedef const struct rtl_abi *(*rtl_abi_fn)(void);

#ifdef __cplusplus
}
#endif

#endif
