/* half: IEEE binary16 (half precision) values, the accelerator's fp16.
 *
 * A `half16` is the 16 bits of the value as memory holds them; arithmetic is
 * done in float or double after converting.  Conversions to half round to
 * nearest, ties to even, in one rounding from the double (never through
 * float).  Where the compiler has `_Float16` (gcc 12 on x86-64) the
 * conversions are its own; elsewhere (clang 14 on x86-64) they are done in
 * software with the same results bit for bit, NaNs included (sign kept, the
 * payload's top bits kept, the quiet bit set).  tests/unit/test_half.c checks
 * the two against each other on every half and on many doubles.  Define
 * TESSEL_SOFT_HALF to use the software conversions everywhere. */
#ifndef TESSEL_HALF_H
#define TESSEL_HALF_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint16_t half16;

#if defined(__FLT16_MANT_DIG__) && !defined(__cplusplus) && !defined(TESSEL_SOFT_HALF)
#define HALF_NATIVE 1
#else
#define HALF_NATIVE 0
#endif

/* ---- the software conversions (always defined, so tests can compare) ---- */

static inline half16 half_soft_from_double(double v)
{
	uint64_t b;
	memcpy(&b, &v, 8);
	uint16_t sign = (uint16_t)(b >> 48 & 0x8000);
	int e = (int)(b >> 52 & 0x7ff);
	uint64_t m = b & ((UINT64_C(1) << 52) - 1);
	if (e == 0x7ff) /* infinity; NaN: quiet, the payload's top 9 bits kept */
		return (half16)(sign | 0x7c00 | (m ? 0x200 | (uint16_t)(m >> 42) : 0));
	int E = e - 1023 + 15; /* the half's biased exponent */
	if (E >= 31)
		return (half16)(sign | 0x7c00);
	uint64_t q, rem, halfway;
	if (E > 0) { /* normal: keep 10 of the 52 fraction bits; a carry rounds into the exponent */
		q = (uint64_t)E << 10 | m >> 42;
		rem = m & ((UINT64_C(1) << 42) - 1);
		halfway = UINT64_C(1) << 41;
	} else { /* subnormal half (or zero): multiples of 2^-24 */
		int shift = 42 + 1 - E;
		if (shift > 63 || e == 0) /* below 2^-25 (double subnormals too): zero */
			return sign;
		uint64_t M = m | UINT64_C(1) << 52;
		q = M >> shift;
		rem = M & ((UINT64_C(1) << shift) - 1);
		halfway = UINT64_C(1) << (shift - 1);
	}
	if (rem > halfway || (rem == halfway && (q & 1)))
		q++; /* may carry into the exponent, up to infinity: both are right */
	return (half16)(sign | q);
}

static inline double half_soft_to_double(half16 h)
{
	uint64_t sign = (uint64_t)(h & 0x8000) << 48;
	int e = h >> 10 & 0x1f;
	uint64_t m = h & 0x3ff, b;
	if (e == 31) /* infinity; NaN: quiet, payload kept */
		b = sign | UINT64_C(0x7ff) << 52 | (m ? UINT64_C(1) << 51 | m << 42 : 0);
	else if (e == 0) { /* zero or subnormal: m * 2^-24, exact */
		double a = (double)m * 0x1p-24;
		return sign ? -a : a;
	} else
		b = sign | (uint64_t)(e - 15 + 1023) << 52 | m << 42;
	double d;
	memcpy(&d, &b, 8);
	return d;
}

static inline float half_soft_to_float(half16 h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	int e = h >> 10 & 0x1f;
	uint32_t m = h & 0x3ff, b;
	if (e == 31)
		b = sign | 0x7f800000u | (m ? 0x400000u | m << 13 : 0);
	else if (e == 0) {
		float a = (float)m * 0x1p-24f;
		return sign ? -a : a;
	} else
		b = sign | (uint32_t)(e - 15 + 127) << 23 | m << 13;
	float f;
	memcpy(&f, &b, 4);
	return f;
}

/* ---- the conversions the project uses ---- */

static inline half16 half_from_double(double v)
{
#if HALF_NATIVE
	_Float16 x = (_Float16)v;
	half16 h;
	memcpy(&h, &x, 2);
	return h;
#else
	return half_soft_from_double(v);
#endif
}

static inline double half_to_double(half16 h)
{
#if HALF_NATIVE
	_Float16 x;
	memcpy(&x, &h, 2);
	return (double)x;
#else
	return half_soft_to_double(h);
#endif
}

static inline float half_to_float(half16 h)
{
#if HALF_NATIVE
	_Float16 x;
	memcpy(&x, &h, 2);
	return (float)x;
#else
	return half_soft_to_float(h);
#endif
}

/* V rounded to the nearest half, as a double. */
static inline double half_round(double v)
{
	return half_to_double(half_from_double(v));
}

#ifdef __cplusplus
}
#endif

#endif
