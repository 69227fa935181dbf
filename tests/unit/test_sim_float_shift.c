/* Regression: on a floating-point accumulator, `shr` scales by 2^-n where n
 * is the shift amount truncated toward zero (docs/microarch.md), so 0.5
 * shifts by 0, 1.5 by 1, -0.5 by 0 and 2.9 by 2.  Checked on mma-fp16, whose
 * fp32 accumulator narrows to fp16 in the output buffer; every expected value
 * below is exactly representable in fp16.  A NaN amount gives NaN (it once
 * converted NaN to int, which is undefined). */
#include "base/half.h"
#include "device/device.h"
#include "test.h"
#include "sim/simulator.h"

#include <math.h>

int main(void)
{
	struct hw hw;
	struct diags err = {0};
	struct isa_program p;
	test_load_example("mma-fp16", &hw);
	/* acc element 0: x; element 1: y (16 fp32 each) */
	static const float x[8] = {1, 1, 1, 1, -3, 3, 100, 0.125f}, y[8] = {0.5f, 1.5f, -0.5f, 2.9f, -1, -1, -2.5f, 0};
	static const float want[8] = {1, 0.5f, 1, 0.25f, -6, 6, 400, 0.125f};
	char src[2048];
	snprintf(src, sizeof src,
		 ".segment a weight size=128\n"
		 ".f32 %g %g %g %g %g %g %g %g 0 0 0 0 0 0 0 1\n"
		 ".f32 %g %g %g %g %g %g %g %g 0 0 0 0 0 0 0\n"
		 ".data 0 0 0xc0 0x7f\n"
		 ".segment o output size=32\n"
		 ".uop dst=0 src=1 wgt=0\n"
		 "load buf=uop idx=0 addr=@uops ysize=1 xsize=1 xstride=1\n"
		 "load buf=acc idx=0 addr=@a ysize=1 xsize=2 xstride=2\n"
		 "alu op=shr uop_begin=0 uop_end=1 iter_out=1 iter_in=1 push_next\n"
		 "store buf=out idx=0 addr=@o ysize=1 xsize=1 xstride=1 pop_prev push_prev\n"
		 "finish pop_next\n",
		 x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]);
	ASSERT_EQ(isa_assemble(src, "shift.s", &hw, &p, &err), 0);
	diag_print(&err, stderr);
	struct device *d = dev_sim.open(&p.hw, &err);
	struct dev_stats st;
	ASSERT_EQ(dev_run_program(&dev_sim, d, &p, NULL, &st, &err), 0);
	half16 out[16];
	ASSERT_EQ(dev_sim.read(d, isa_program_segment(&p, "o")->addr, out, sizeof out, &err), 0);
	for (int i = 0; i < 8; i++) {
		if (half_to_float(out[i]) != want[i])
			fprintf(stderr, "lane %d: got %g, want %g\n", i, half_to_double(out[i]), (double)want[i]);
		ASSERT(half_to_float(out[i]) == want[i]);
	}
	ASSERT(isnan(half_to_float(out[15])));
	dev_sim.close(d);
	isa_program_free(&p);
	diag_free(&err);
	return test_done("test_sim_float_shift");
}
