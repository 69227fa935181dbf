/* dram: the memory-channel timing model, written once and used by both the
 * C simulator and the Verilator harness that answers the RTL's memory port
 * (docs/microarch.md, "Memory channels").
 *
 * A channel serves requests in the order they are made.  A request of B
 * bytes is cut into bursts of at most `burst` bytes; each burst holds the
 * data bus for ceil(bytes / bandwidth) cycles, and the bursts of a request
 * follow each other.  The bus is free again when the last burst's beats are
 * done; the data is complete `latency` cycles after that (latency is
 * pipelined: the next request's beats may start while this one's latency
 * runs). */
#ifndef TESSEL_DRAM_H
#define TESSEL_DRAM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dram_channel {
	uint32_t bandwidth; /* bytes per cycle */
	uint32_t latency;   /* cycles from the end of the beats to completion */
	uint32_t burst;     /* bytes per burst */
	uint64_t bus_free;  /* first cycle the bus is free */
	uint64_t busy_cycles;
	uint64_t bytes_read, bytes_written;
};

void dram_channel_init(struct dram_channel *c, uint32_t bandwidth, uint32_t latency, uint32_t burst);
/* Beats (bus cycles) a request of `bytes` takes. */
uint64_t dram_beats(const struct dram_channel *c, uint64_t bytes);
/* A request made at cycle `now`: returns the cycle its data is complete
 * (the first cycle at which a module waiting for it may go on). */
uint64_t dram_request(struct dram_channel *c, uint64_t now, uint64_t bytes, int is_write);
/* `rows` requests of `bytes` each, made one after another at cycle `now`
 * (a strided transfer's rows): what as many dram_request calls give, in
 * one step. */
uint64_t dram_request_rows(struct dram_channel *c, uint64_t now, uint64_t rows, uint64_t bytes, int is_write);

#ifdef __cplusplus
}
#endif

#endif
