#include "dram.h"

void dram_channel_init(struct dram_channel *c, uint32_t bandwidth, uint32_t latency, uint32_t burst)
{
	*c = (struct dram_channel){.bandwidth = bandwidth, .latency = latency, .burst = burst ? burst : bandwidth};
}

uint64_t dram_beats(const struct dram_channel *c, uint64_t bytes)
{
	uint64_t full = bytes / c->burst, rest = bytes % c->burst;
	uint64_t per_burst = (c->burst + c->bandwidth - 1) / c->bandwidth;
	return full * per_burst + (rest + c->bandwidth - 1) / c->bandwidth;
}

uint64_t dram_request(struct dram_channel *c, uint64_t now, uint64_t bytes, int is_write)
{
	return dram_request_rows(c, now, 1, bytes, is_write);
}

/* The first request starts when the bus is free; each next one finds the
 * bus busy until its predecessor's beats end (they were all made at `now`,
 * not later than that), so they follow each other without gaps. */
uint64_t dram_request_rows(struct dram_channel *c, uint64_t now, uint64_t rows, uint64_t bytes, int is_write)
{
	if (!rows)
		return now;
	uint64_t start = now > c->bus_free ? now : c->bus_free;
	uint64_t beats = rows * dram_beats(c, bytes);
	c->bus_free = start + beats;
	c->busy_cycles += beats;
	if (is_write)
		c->bytes_written += rows * bytes;
	else
		c->bytes_read += rows * bytes;
	return start + beats + c->latency;
}
