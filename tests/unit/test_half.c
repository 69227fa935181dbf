/* base/half.h: the software conversions give the same bits as the
 * compiler's _Float16 where it has one, and as an independent reference
 * computed with frexp/ldexp/nearbyint everywhere: on every one of the 65536
 * halves, and on doubles at and around every rounding boundary (ties,
 * subnormals, overflow to infinity, zeros, infinities, NaNs). */
#include <math.h>
#include <stdint.h>

#include "base/half.h"
#include "test.h"

/* The reference: IEEE binary16 nearest to v, ties to even, by arithmetic. */
static half16 ref_from_double(double v)
{
	uint64_t b;
	memcpy(&b, &v, 8);
	uint16_t sign = signbit(v) ? 0x8000 : 0;
	double a = fabs(v);
	if (isnan(v))
		return (half16)(sign | 0x7e00 | (uint16_t)(b >> 42 & 0x1ff));
	if (a >= 65520.0) /* rounds to infinity */
		return sign | 0x7c00;
	if (a < 0x1p-14) /* subnormal: multiples of 2^-24 */
		return (half16)(sign | (uint16_t)nearbyint(a * 0x1p24));
	int e;
	frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
	double q = nearbyint(ldexp(a, 11 - e)); /* [1024, 2048] */
	if (q == 2048)
		q = 1024, e++;
	return (half16)(sign | (uint16_t)((e - 1 + 15) << 10) | (uint16_t)((int)q - 1024));
}

static double ref_to_double(half16 h)
{
	int e = h >> 10 & 0x1f, m = h & 0x3ff;
	double s = h & 0x8000 ? -1 : 1;
	if (e == 31 && m == 0)
		return s * INFINITY;
	if (e == 31) { /* quiet NaN, payload in the top fraction bits */
		uint64_t b = (uint64_t)(h & 0x8000) << 48 | UINT64_C(0x7ff8) << 48 | (uint64_t)m << 42;
		double d;
		memcpy(&d, &b, 8);
		return d;
	}
	return s * (e ? ldexp(1024 + m, e - 25) : ldexp(m, -24));
}

static uint64_t bits64(double d)
{
	uint64_t b;
	memcpy(&b, &d, 8);
	return b;
}

static int nfail;

static void check_double(double v)
{
	half16 s = half_soft_from_double(v), want = ref_from_double(v);
#if HALF_NATIVE
	half16 n = half_from_double(v);
	if (n != want && nfail++ < 10)
		fprintf(stderr, "_Float16(%a) = %#x, reference %#x\n", v, n, want);
	ASSERT_EQ(n, want);
#endif
	if (s != want && nfail++ < 10)
		fprintf(stderr, "half_soft_from_double(%a) = %#x, expected %#x\n", v, s, want);
	ASSERT_EQ(s, want);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

int main(void)
{
	/* Every half, to double and float and back. */
	for (uint32_t i = 0; i < 65536; i++) {
		half16 h = (half16)i;
		double d = half_soft_to_double(h), r = ref_to_double(h);
		ASSERT_EQ(bits64(d), bits64(r));
		ASSERT_EQ(bits64(half_to_double(h)), bits64(r));
		ASSERT_EQ(test_float_bits(half_soft_to_float(h)), test_float_bits((float)r));
		ASSERT_EQ(test_float_bits(half_to_float(h)), test_float_bits((float)r));
		ASSERT_EQ(half_soft_from_double(d), h | ((h & 0x7c00) == 0x7c00 && (h & 0x3ff) ? 0x200 : 0));
		check_double(d);
		/* Around it: the neighbours of the double, the midpoints to the
		 * next half (ties) and just either side of them. */
		check_double(nextafter(d, INFINITY));
		check_double(nextafter(d, -INFINITY));
		if ((h & 0x7c00) != 0x7c00) {
			half16 up = (half16)(h + 1);
			if ((up & 0x7c00) != 0x7c00 || !(up & 0x3ff)) {
				double mid = (d + half_soft_to_double(up)) / 2; /* exact in double */
				check_double(mid);
				check_double(nextafter(mid, INFINITY));
				check_double(nextafter(mid, -INFINITY));
				check_double(-mid);
			}
		}
	}
	/* Special doubles. */
	double special[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, -NAN, 65504.0, 65519.99, 65520.0, 1e300, -1e300,
			    0x1p-24, 0x1p-25, 0x1.0000000000001p-25, 0x1p-26, 0x1p-1074, -0x1p-1074, 0x1p-1022,
			    0x1.ffcp-15, 0x1.ffep-15, 0x1.ffdp-15, 0x3p-25, 0x5p-25};
	for (size_t i = 0; i < sizeof special / sizeof *special; i++)
		check_double(special[i]);
	/* NaNs with payloads of every shape. */
	for (int i = 0; i < 100000; i++) {
		uint64_t b = (rnd() & UINT64_C(0x800fffffffffffff)) | UINT64_C(0x7ff0000000000000);
		if (!(b & UINT64_C(0xfffffffffffff)))
			b |= 1;
		double d;
		memcpy(&d, &b, 8);
		check_double(d);
	}
	/* Random doubles: over the whole range, and dense where halves live. */
	for (int i = 0; i < 2000000; i++) {
		uint64_t b = rnd();
		double d;
		memcpy(&d, &b, 8);
		check_double(d);
		b = (b & UINT64_C(0x800fffffffffffff)) | (uint64_t)(1023 - 30 + (int)(rnd() % 50)) << 52;
		memcpy(&d, &b, 8);
		check_double(d);
		check_double((double)(float)d); /* floats, as the simulator's fp32 sums are */
	}
	printf("half: %s conversions\n", HALF_NATIVE ? "_Float16" : "software");
	return test_done("test_half");
}
