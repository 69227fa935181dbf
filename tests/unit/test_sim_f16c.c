/* The simulator's row conversions between fp16 and fp32 with F16C against
 * the software ones (base/half.h's rounding rule): every half to float, and
 * floats to half — a sample of all floats and, for every pair of adjacent
 * halves, the float halfway between them and its neighbours (the ties and
 * near-ties the rounding decides), NaNs and infinities; and the software
 * row conversion against base/half.h's rounding of each value.  Rows of odd
 * lengths and offsets, so the vector part and its scalar tail both run.
 * On a processor without F16C both sides are the software conversions and
 * the test checks only that they run. */
#include <math.h>

#include "base/half.h"
#include "sim/sim.h"
#include "test.h"

static void to_floats(bool f16c)
{
	static uint8_t h[2 * 65536 + 2];
	static float a[65536 + 1], b[65536 + 1];
	for (uint32_t i = 0; i < 65536; i++)
		memcpy(h + 2 + 2 * i, &(uint16_t){(uint16_t)i}, 2);
	for (uint64_t off = 0; off < 2; off++) { /* aligned and not */
		uint64_t n = 65536 - off * 3;
		sim_halves_to_floats(a, h + 2 * off, n, f16c);
		sim_halves_to_floats(b, h + 2 * off, n, false);
		int bad = 0;
		for (uint64_t i = 0; i < n; i++) { /* and the software table against half.h's conversion */
			half16 x;
			memcpy(&x, h + 2 * (off + i), 2);
			bad += test_float_bits(a[i]) != test_float_bits(b[i]) || test_float_bits(b[i]) != test_float_bits(half_soft_to_float(x));
		}
		ASSERT_EQ(bad, 0);
	}
}

/* Both row conversions against half.h's rounding of each value (a NaN
 * is the canonical quiet one, as the simulator writes it). */
static void to_halves(bool f16c, const float *v, uint64_t n)
{
	uint8_t *x = xmalloc(2 * n + 1), *y = xmalloc(2 * n + 1);
	for (uint64_t off = 0; off < 3 && off < n; off++) {
		sim_floats_to_halves(x, (const uint8_t *)(v + off), n - off, f16c);
		sim_floats_to_halves(y, (const uint8_t *)(v + off), n - off, false);
		ASSERT(!memcmp(x, y, 2 * (n - off)));
		int bad = 0;
		for (uint64_t i = 0; i < n - off; i++) {
			half16 want = half_soft_from_double(isnan(v[off + i]) ? NAN : (double)v[off + i]), got;
			memcpy(&got, y + 2 * i, 2);
			bad += got != want;
		}
		ASSERT_EQ(bad, 0);
	}
	free(x), free(y);
}

int main(void)
{
	bool f16c = sim_has_f16c();
	printf("F16C: %s\n", f16c ? "yes" : "no (software on both sides)");
	to_floats(f16c);
	enum { SAMPLE = 1 << 20 };
	float *v = xmalloc(4 * (size_t)(SAMPLE + 6 * 65536));
	uint64_t n = 0;
	for (uint32_t i = 0; i < SAMPLE; i++)
		v[n++] = test_bits_float(i * 4099u);
	static uint8_t h[2];
	for (uint32_t i = 0; i < 0x7bff; i++) { /* both signs of each finite half but the largest */
		float lo, hi;
		memcpy(h, &(uint16_t){(uint16_t)i}, 2);
		sim_halves_to_floats(&lo, h, 1, false);
		memcpy(h, &(uint16_t){(uint16_t)(i + 1)}, 2);
		sim_halves_to_floats(&hi, h, 1, false);
		float mid = (float)(((double)lo + (double)hi) / 2); /* exact: halves have 11 bits */
		v[n++] = mid, v[n++] = nextafterf(mid, 0), v[n++] = nextafterf(mid, INFINITY);
		v[n++] = -mid, v[n++] = -nextafterf(mid, 0), v[n++] = -nextafterf(mid, INFINITY);
	}
	v[0] = NAN, v[1] = -NAN, v[2] = INFINITY, v[3] = -INFINITY, v[4] = 65520.0f, v[5] = test_bits_float(0x7f800001u);
	to_halves(f16c, v, n);
	/* zeros of both signs among normal values, four at a time as the
	 * vector conversion takes them, and a zero beside a subnormal */
	static const float mixed[] = {1.5f, 0.0f, -0.0f, -3.25f, 0.0f, 0.0f, -0.0f, 0.0f,
				      65504.0f, -0.0f, 0x1p-14f, 7.0f, 0.0f, 0x1p-20f, 1.0f, -2.0f};
	to_halves(f16c, mixed, sizeof mixed / sizeof *mixed);
	free(v);
	return test_done("test_sim_f16c");
}
