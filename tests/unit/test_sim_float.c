/* The simulator's float intrinsics, value for value, on mma-fp16 (fp16
 * operands, fp32 accumulator, fp16 output buffer) and on two descriptions
 * derived from it: every buffer fp32, and every buffer fp16.  Operands and
 * initial sums are random bit patterns (NaNs, infinities, subnormals among
 * them) and random small values; the expected output is computed here with
 * plain loops from docs/microarch.md's rule: for each output, the products
 * in order of k, each sum rounded to the accumulator's type (an fp32 sum
 * after rounding the product to fp32), a NaN written as the canonical quiet
 * NaN, then narrowed to the output buffer's type.  The instruction runs
 * twice, so the second accumulates onto the first's sums. */
#include <math.h>

#include "base/half.h"
#include "base/value.h"
#include "device/device.h"
#include "sim/simulator.h"
#include "test.h"

enum { TILES = 8, VALS = 16 };

static uint64_t state = 0x9e3779b97f4a7c15u;
static uint32_t rnd(void)
{
	state ^= state << 13, state ^= state >> 7, state ^= state << 17;
	return (uint32_t)state;
}

static double rnd_value(enum dtype t)
{
	if (rnd() % 2) { /* any bit pattern */
		uint32_t bits = rnd();
		float f;
		memcpy(&f, &bits, 4);
		return t == DT_FP16 ? half_to_double((half16)bits) : f;
	}
	double v = ((double)(rnd() % 2001) - 1000.0) / 64.0; /* small: sums that do not overflow */
	return t == DT_FP16 ? half_round(v) : (float)v;
}

/* The canonical NaN for a NaN (docs/microarch.md), else the value. */
static void put(uint8_t *p, enum dtype t, int i, double v)
{
	val_put_float(p, t, (uint64_t)i, isnan(v) ? NAN : v);
}

/* c[i, j] += a[i, k] * b[k, j] on one 4x4x4 tile, as the rule says. */
static void mma_tile(double *c, const double *a, const double *b, enum dtype acc)
{
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			double s = c[i * 4 + j];
			for (int k = 0; k < 4; k++) {
				double prod = a[i * 4 + k] * b[k * 4 + j];
				s = acc == DT_FP16 ? half_round(s + prod) : (double)(float)(s + (double)(float)prod);
			}
			c[i * 4 + j] = isnan(s) ? NAN : s;
		}
}

static void check(const char *name, const char *text)
{
	struct hw hw;
	struct diags err = {0};
	if (hw_load_string(text, name, &hw, &err)) {
		diag_print(&err, stderr);
		exit(1);
	}
	enum dtype in = hw.level[hw.role_level[HW_ROLE_INPUT]].dtype;
	enum dtype acc = hw.level[hw.role_level[HW_ROLE_ACCUMULATOR]].dtype;
	enum dtype out = hw.level[hw.role_level[HW_ROLE_OUTPUT]].dtype;
	int ib = (int)dtype_bytes(in), ab = (int)dtype_bytes(acc), ob = (int)dtype_bytes(out);
	char src[2048];
	snprintf(src, sizeof src,
		 ".segment a input size=%d\n.segment b weight size=%d\n.segment c input size=%d\n"
		 ".segment o output size=%d\n"
		 ".uop dst=0 src=0 wgt=0\n.uop dst=1 src=1 wgt=1\n.uop dst=2 src=2 wgt=2\n.uop dst=3 src=3 wgt=3\n"
		 ".uop dst=4 src=4 wgt=4\n.uop dst=5 src=5 wgt=5\n.uop dst=6 src=6 wgt=6\n.uop dst=7 src=7 wgt=7\n"
		 "load buf=uop idx=0 addr=@uops ysize=1 xsize=8 xstride=8\n"
		 "load buf=abuf idx=0 addr=@a ysize=1 xsize=8 xstride=8\n"
		 "load buf=bbuf idx=0 addr=@b ysize=1 xsize=8 xstride=8 push_next\n"
		 "load buf=acc idx=0 addr=@c ysize=1 xsize=8 xstride=8\n"
		 "mma uop_begin=0 uop_end=8 iter_out=1 iter_in=1 pop_prev\n"
		 "mma uop_begin=0 uop_end=8 iter_out=1 iter_in=1 push_next\n"
		 "store buf=out idx=0 addr=@o ysize=1 xsize=8 xstride=8 pop_prev push_prev\n"
		 "finish pop_next\n",
		 TILES * VALS * ib, TILES * VALS * ib, TILES * VALS * ab, TILES * VALS * ob);
	struct isa_program p;
	ASSERT_EQ(isa_assemble(src, name, &hw, &p, &err), 0);
	diag_print(&err, stderr);
	double a[TILES * VALS], b[TILES * VALS], c[TILES * VALS];
	uint8_t abytes[TILES * VALS * 4], bbytes[TILES * VALS * 4], cbytes[TILES * VALS * 4];
	uint8_t want[TILES * VALS * 4], got[TILES * VALS * 4];
	for (int i = 0; i < TILES * VALS; i++) {
		a[i] = rnd_value(in), b[i] = rnd_value(in), c[i] = rnd_value(acc);
		put(abytes, in, i, a[i]), put(bbytes, in, i, b[i]), put(cbytes, acc, i, c[i]);
	}
	for (int t = 0; t < TILES; t++)
		for (int rep = 0; rep < 2; rep++)
			mma_tile(c + t * VALS, a + t * VALS, b + t * VALS, acc);
	for (int i = 0; i < TILES * VALS; i++)
		put(want, out, i, c[i]);
	struct device *d = dev_sim.open(&p.hw, &err);
	struct dev_stats st;
	ASSERT(d != NULL);
	ASSERT_EQ(dev_load_program(&dev_sim, d, &p, &err), 0);
	ASSERT_EQ(dev_sim.write(d, isa_program_segment(&p, "a")->addr, abytes, (uint64_t)TILES * VALS * ib, &err), 0);
	ASSERT_EQ(dev_sim.write(d, isa_program_segment(&p, "b")->addr, bbytes, (uint64_t)TILES * VALS * ib, &err), 0);
	ASSERT_EQ(dev_sim.write(d, isa_program_segment(&p, "c")->addr, cbytes, (uint64_t)TILES * VALS * ab, &err), 0);
	ASSERT_EQ(dev_run_loaded(&dev_sim, d, &p, NULL, &st, &err), 0);
	ASSERT_EQ(dev_sim.read(d, isa_program_segment(&p, "o")->addr, got, (uint64_t)TILES * VALS * ob, &err), 0);
	diag_print(&err, stderr);
	int bad = 0;
	for (int i = 0; i < TILES * VALS * ob; i++)
		bad += got[i] != want[i];
	if (bad)
		fprintf(stderr, "%s: %d of %d output bytes differ\n", name, bad, TILES * VALS * ob);
	ASSERT_EQ(bad, 0);
	dev_sim.close(d);
	isa_program_free(&p);
	diag_free(&err);
}

int main(void)
{
	char *f16 = test_example_text("mma-fp16");
	char *t1 = test_replace(f16, "fp16", "fp32"), *f32 = test_replace(t1, "capacity: 32 KiB", "capacity: 64 KiB");
	char *t2 = test_replace(f16, "fp32", "fp16"), *h16 = test_replace(t2, "capacity: 64 KiB", "capacity: 32 KiB");
	for (int round = 0; round < 20; round++) {
		check("mma-fp16", f16);
		check("mma-fp32", f32);
		check("mma-fp16-acc", h16);
	}
	free(f16), free(t1), free(f32), free(t2), free(h16);
	return test_done("test_sim_float");
}
