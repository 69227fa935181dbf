/* Zeroing the simulator's DRAM (dev_zero, and dev_load_program's zeros
 * after a segment's data) skips the pages nothing has written; what it must
 * keep is what writing zeros did.  Checked against a plain byte array that
 * gets every write and every zeroing, over random ranges that start and end
 * inside pages, across page boundaries and over whole pages, then by
 * loading a program twice: its segments read back as their data and zeros
 * even after a run and a write filled them. */
#include "device/device.h"
#include "sim/simulator.h"
#include "test.h"

enum { SPAN = 64 * 1024, BASE = 1 << 20 };

static uint64_t state = 0x2545f4914f6cdd1du;
static uint32_t rnd(void)
{
	state ^= state << 13, state ^= state >> 7, state ^= state << 17;
	return (uint32_t)state;
}

static int same(struct device *d, uint64_t addr, const uint8_t *model, uint64_t n)
{
	static uint8_t got[SPAN];
	struct diags err = {0};
	ASSERT_EQ(dev_sim.read(d, addr, got, n, &err), 0);
	diag_free(&err);
	return !memcmp(got, model, n);
}

static void random_ranges(struct device *d)
{
	static uint8_t model[SPAN], data[SPAN];
	struct diags err = {0};
	ASSERT(same(d, BASE, model, SPAN)); /* a fresh DRAM reads zeros */
	for (int step = 0; step < 400; step++) {
		uint64_t at = rnd() % SPAN, n = rnd() % (rnd() % 4 ? 300 : 20000);
		if (at + n > SPAN)
			n = SPAN - at;
		if (rnd() % 2) {
			uint8_t v = (uint8_t)(rnd() | 1);
			memset(data, v, n);
			ASSERT_EQ(dev_sim.write(d, BASE + at, data, n, &err), 0);
			memset(model + at, v, n);
		} else {
			ASSERT_EQ(dev_zero(&dev_sim, d, BASE + at, n, &err), 0);
			memset(model + at, 0, n);
		}
		if (step % 20 == 0)
			ASSERT(same(d, BASE, model, SPAN));
	}
	ASSERT(same(d, BASE, model, SPAN));
	/* beyond DRAM: refused like a write */
	ASSERT(dev_zero(&dev_sim, d, d ? UINT64_MAX - 8 : 0, 16, &err) != 0);
	ASSERT(err.n > 0);
	diag_free(&err);
}

/* A program whose segment has 5 bytes of data in 10000: after a run and
 * writes over its segments, loading it again gives the data and zeros. */
static void reload(struct device *d, const struct hw *hw)
{
	struct diags err = {0};
	struct isa_program p;
	const char *src = ".segment x input size=10000\n.data 1 2 3 4 5\n.segment y output size=8192\n"
			  "load buf=inp idx=0 addr=@x ysize=1 xsize=4 xstride=4\n"
			  "store buf=out idx=0 addr=@y ysize=1 xsize=4 xstride=4\n"
			  "finish\n";
	ASSERT_EQ(isa_assemble(src, "reload.s", hw, &p, &err), 0);
	diag_print(&err, stderr);
	const struct isa_segment *x = isa_program_segment(&p, "x"), *y = isa_program_segment(&p, "y");
	static uint8_t want_x[10000], want_y[8192], junk[10000];
	memcpy(want_x, (const uint8_t[]){1, 2, 3, 4, 5}, 5);
	memset(junk, 0x5a, sizeof junk);
	for (int round = 0; round < 3; round++) {
		struct dev_stats st;
		ASSERT_EQ(dev_run_program(&dev_sim, d, &p, NULL, &st, &err), 0);
		ASSERT(same(d, x->addr, want_x, sizeof want_x));
		ASSERT(same(d, y->addr, want_y, sizeof want_y)); /* the output buffer's zeros, stored */
		ASSERT_EQ(dev_sim.write(d, x->addr, junk, sizeof junk, &err), 0);
		ASSERT_EQ(dev_sim.write(d, y->addr + 100, junk, 5000, &err), 0);
		ASSERT_EQ(dev_load_program(&dev_sim, d, &p, &err), 0);
		ASSERT(same(d, x->addr, want_x, sizeof want_x));
		ASSERT(same(d, y->addr, want_y, sizeof want_y));
	}
	diag_print(&err, stderr);
	isa_program_free(&p);
}

int main(void)
{
	struct hw hw;
	struct diags err = {0};
	test_load_default(&hw);
	struct device *d = dev_sim.open(&hw, &err);
	ASSERT(d != NULL);
	if (!d) {
		diag_print(&err, stderr);
		return 1;
	}
	random_ranges(d);
	reload(d, &hw);
	dev_sim.close(d);
	return test_done("test_dram_zero");
}
