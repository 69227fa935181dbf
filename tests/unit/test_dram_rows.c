/* dram_request_rows (a transfer's rows in one step) against as many
 * dram_request calls, on random channels, request sizes and times: the
 * same completion cycle, bus state and counters. */
#include "device/dram.h"
#include "test.h"

static uint64_t state = 0x853c49e6748fea9bu;
static uint32_t rnd(void)
{
	state ^= state << 13, state ^= state >> 7, state ^= state << 17;
	return (uint32_t)state;
}

int main(void)
{
	for (int t = 0; t < 2000; t++) {
		struct dram_channel one, many;
		dram_channel_init(&one, 1 + rnd() % 64, rnd() % 100, rnd() % 3 ? 1 + rnd() % 256 : 0);
		many = one;
		uint64_t now = 0;
		for (int k = 0; k < 20; k++) {
			now += rnd() % 50;
			uint64_t rows = rnd() % 5 ? rnd() % 70 : 0, bytes = rnd() % 4 ? rnd() % 700 : 0;
			int w = (int)(rnd() % 2);
			uint64_t want = now;
			for (uint64_t y = 0; y < rows; y++)
				want = dram_request(&one, now, bytes, w);
			uint64_t got = dram_request_rows(&many, now, rows, bytes, w);
			ASSERT_EQ(got, want);
			ASSERT_EQ(many.bus_free, one.bus_free);
			ASSERT_EQ(many.busy_cycles, one.busy_cycles);
			ASSERT_EQ(many.bytes_read, one.bytes_read);
			ASSERT_EQ(many.bytes_written, one.bytes_written);
		}
	}
	return test_done("test_dram_rows");
}
