/* simulator: the cycle-accurate C simulator as a device (device/device.h),
 * and the form of it a SystemC model embeds, with its DRAM outside it.
 * What sim/ keeps to itself is in sim/sim.h. */
#ifndef TESSEL_SIMULATOR_H
#define TESSEL_SIMULATOR_H

#include "device/device.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const struct dev_ops dev_sim;

/* Where DRAM lives when it is not inside the simulator: a SystemC model
 * routes every DRAM access (instruction fetch, loads, stores, and the
 * device's own read/write) through its initiator socket.  `cycle` is the
 * simulated cycle at which the access happens (0 outside a run).  Each
 * returns 0, or -1 when the memory answers with an error. */
struct dev_memory {
	void *ctx;
	int (*read)(void *ctx, uint64_t addr, void *dst, uint64_t n, uint64_t cycle);
	int (*write)(void *ctx, uint64_t addr, const void *src, uint64_t n, uint64_t cycle);
};

/* The simulator with its DRAM outside it, in *mem (which must outlive the
 * device); close it with dev_sim.close.  With dram_latency >= 0, the DRAM
 * channel's latency is that many cycles instead of the description's
 * dram.latency (a virtual platform sets it from its memory's latency). */
struct device *sim_open_external(const struct hw *hw, const struct dev_memory *mem, int64_t dram_latency,
				 struct diags *err);

#ifdef __cplusplus
}
#endif

#endif
