/* The float intrinsics' hot path: fp16 and fp32 operands, an fp16 or fp32
 * output.  It computes exactly what exec.c's tile_generic does — for each
 * output value, the products in order of increasing reduction index, each
 * sum rounded to the output's type — with the index arithmetic done once
 * per device (the plan's offset lists) and every operand value converted
 * once per beat instead of once per product.
 *
 * The fp16 conversions keep base/half.h's rounding rule: on x86-64
 * without F16C (the baseline this is built for) the compiler's own
 * _Float16 conversions are calls into libgcc's soft-float, which took most
 * of an fp16 simulation's time.  Without F16C a half becomes a float by a
 * table of all halves (filled by half.h's conversion) and a float a half by
 * float_to_half (four at a time in SSE2); tests/unit/test_sim_f16c.c checks
 * both against half.h on every half and on many floats.  tests/unit/
 * test_half.c checks half.h against the compiler's _Float16 on every half
 * and many doubles.  Where the processor has F16C (checked when
 * the simulator opens, not assumed by the build), whole rows of halves are
 * converted with it: half to float is exact, and float to half rounds to
 * nearest, ties to even, once, as half.h does; tests/unit/test_sim_f16c.c
 * checks both against the software ones on every half and many floats. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define SIM_F16C 1
#else
#define SIM_F16C 0
#endif

#include "base/alloc.h"
#include "base/half.h"
#include "sim.h"

static bool float_operand(enum dtype t) { return t == DT_FP16 || t == DT_FP32; }

/* Values of one operand's tile: 1 + the largest offset its steps reach. */
static uint32_t tile_values(const struct sim_plan *p, const uint32_t *step)
{
	uint32_t n = 1;
	for (int dd = 0; dd < p->ndims; dd++)
		n += (p->size[dd] - 1) * step[dd];
	return n;
}

/* The spatial dim whose outputs a row covers: contiguous in the output,
 * contiguous in one operand and absent from the other (mma's j: c[i, j],
 * b[k, j], a[i, k]), so a row is `sums[j] += x * v[j]`, which the
 * compiler does with vector instructions, lane by lane the same float
 * operations.  -1 when there is none: rows of one output. */
static int row_dim(const struct sim_plan *p)
{
	for (int dd = 0; dd < p->ndims; dd++)
		if (!p->reduction[dd] && p->size[dd] > 1 && p->step_out[dd] == 1 &&
		    ((p->step_a[dd] == 0 && p->step_b[dd] == 1) || (p->step_a[dd] == 1 && p->step_b[dd] == 0)))
			return dd;
	return -1;
}

/* Advances idx over the dims whose reduction flag is `red`, but `skip`,
 * as an odometer (the last fastest). */
static void next_point(const struct sim_plan *p, uint32_t *idx, bool red, int skip)
{
	for (int dd = p->ndims - 1; dd >= 0; dd--) {
		if (p->reduction[dd] != red || dd == skip)
			continue;
		if (++idx[dd] < p->size[dd])
			return;
		idx[dd] = 0;
	}
}

/* Every row of a beat's products as (output, a, b offsets of its first),
 * reduction-major: all outputs' first products, then all their second
 * ones ...  Each output still gets its products in tile_generic's order
 * (the reduction dims as an odometer, the last fastest), and the products
 * of one step are independent, so the processor overlaps them instead of
 * waiting on one output's chain of dependent adds. */
static int list_rows(struct sim_plan *p)
{
	int J = row_dim(p);
	uint32_t nred = 1;
	for (int dd = 0; dd < p->ndims; dd++)
		if (p->reduction[dd])
			nred *= p->size[dd];
	p->row_len = J >= 0 ? p->size[J] : 1;
	p->row_a_vector = J >= 0 && p->step_a[J] == 1;
	uint32_t per_step = p->nout / p->row_len;
	p->nrow = nred * per_step;
	if (!(p->row = try_calloc(p->nrow, sizeof *p->row)))
		return -1;
	uint32_t ridx[HW_MAX_DIMS] = {0};
	for (uint32_t r = 0, k = 0; r < nred; r++, next_point(p, ridx, true, -1)) {
		uint32_t sidx[HW_MAX_DIMS] = {0};
		for (uint32_t n = 0; n < per_step; n++, k++, next_point(p, sidx, false, J))
			for (int dd = 0; dd < p->ndims; dd++) {
				uint32_t i = p->reduction[dd] ? ridx[dd] : sidx[dd];
				p->row[k][0] += i * p->step_out[dd];
				p->row[k][1] += i * p->step_a[dd];
				p->row[k][2] += i * p->step_b[dd];
			}
	}
	return 0;
}

/* CPUID says AVX and F16C, and the OS saves the AVX registers (XCR0's SSE
 * and AVX bits): what the F16C row conversions below need.  (Not
 * __builtin_cpu_supports: clang 14 does not know "f16c".) */
bool sim_has_f16c(void)
{
#if SIM_F16C
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX) || !(c & bit_F16C))
		return false;
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	(void)hi;
	return (lo & 6) == 6;
#else
	return false;
#endif
}

#if SIM_F16C
__attribute__((target("avx,f16c"))) static uint64_t halves_to_floats_f16c(float *v, const uint8_t *h, uint64_t n)
{
	uint64_t i = 0;
	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(v + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(h + 2 * i))));
	return i;
}

/* A NaN lane is made the canonical quiet NaN first (put_float's rule),
 * which converts to fp16's canonical 0x7e00. */
__attribute__((target("avx,f16c"))) static uint64_t floats_to_halves_f16c(uint8_t *h, const uint8_t *f, uint64_t n)
{
	const __m256 qnan = _mm256_set1_ps(NAN);
	uint64_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 x = _mm256_loadu_ps((const float *)(const void *)(f + 4 * i));
		x = _mm256_blendv_ps(x, qnan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
		_mm_storeu_si128((__m128i *)(void *)(h + 2 * i), _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
	}
	return i;
}
#endif

/* Without F16C, a half becomes a float by a table of all 65536 of them,
 * filled once by the software conversion: the same bits, and a lookup
 * instead of the conversion's branches on every operand value. */
static float half_floats[1 << 16];
static once_flag half_floats_once = ONCE_FLAG_INIT;

static void fill_half_floats(void)
{
	for (uint32_t x = 0; x < 1u << 16; x++)
		half_floats[x] = half_soft_to_float((half16)x);
}

void sim_halves_to_floats(float *v, const uint8_t *h, uint64_t n, bool f16c)
{
	uint64_t i = 0;
#if SIM_F16C
	if (f16c)
		i = halves_to_floats_f16c(v, h, n);
#else
	(void)f16c;
#endif
	if (i < n)
		call_once(&half_floats_once, fill_half_floats);
	for (; i < n; i++) {
		uint16_t x;
		memcpy(&x, h + 2 * i, 2);
		v[i] = half_floats[x];
	}
}

/* A float's bits to the nearest half, ties to even: half.h's rule (the
 * result of half_soft_from_double on the float, tests/unit/test_sim_f16c.c
 * checks them against each other) without its 64-bit shifts and branches
 * per value.  A NaN is the canonical quiet NaN (put_value's rule); below
 * the least normal half, adding 0.5 (whose unit in the last place is the
 * half's 2^-24) lets the FPU round; above it the exponent is rebased and
 * 13 fraction bits dropped, rounding by adding just under half of them
 * plus the kept part's lowest bit (a carry may reach infinity, rightly). */
static inline half16 float_to_half(uint32_t x)
{
	uint32_t sign = x >> 16 & 0x8000, a = x & 0x7fffffffu;
	if (a > 0x7f800000u)
		return 0x7e00;
	if (a >= 0x47800000u) /* 65536 and above, infinity */
		return (half16)(sign | 0x7c00);
	if (a < 0x38800000u) { /* below 2^-14: a subnormal half or zero */
		float f, magic = 0.5f;
		uint32_t b;
		memcpy(&f, &a, 4);
		f += magic;
		memcpy(&b, &f, 4);
		return (half16)(sign | (b - 0x3f000000u));
	}
	a += 0xc8000fffu + (a >> 13 & 1); /* exponent 127 -> 15 bias, and the rounding */
	return (half16)(sign | a >> 13);
}

/* float_to_half on floats [from, to) of a row. */
static void floats_to_halves_soft(uint8_t *h, const uint8_t *f, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++) {
		uint32_t x;
		memcpy(&x, f + 4 * i, 4);
		half16 y = float_to_half(x);
		memcpy(h + 2 * i, &y, 2);
	}
}

#ifdef __SSE2__
/* float_to_half on four floats at a time: the rebasing and rounding in
 * SSE2 when all four are normal halves or zeros, else one by one; returns how many
 * it converted (a multiple of four), the rest are the scalar loop's. */
static uint64_t floats_to_halves_sse2(uint8_t *h, const uint8_t *f, uint64_t n)
{
	const __m128i abs = _mm_set1_epi32(0x7fffffff), least = _mm_set1_epi32(0x38800000 - 1),
		      over = _mm_set1_epi32(0x47800000), rebase = _mm_set1_epi32((int)0xc8000fffu),
		      one = _mm_set1_epi32(1);
	uint64_t i = 0;
	for (; i + 4 <= n; i += 4) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(f + 4 * i)), a = _mm_and_si128(x, abs);
		__m128i normal = _mm_and_si128(_mm_cmpgt_epi32(a, least), _mm_cmplt_epi32(a, over)),
			zero = _mm_cmpeq_epi32(a, _mm_setzero_si128());
		if (_mm_movemask_epi8(_mm_or_si128(normal, zero)) != 0xffff) {
			floats_to_halves_soft(h, f, i, i + 4);
			continue;
		}
		a = _mm_add_epi32(_mm_add_epi32(a, rebase), _mm_and_si128(_mm_srli_epi32(a, 13), one));
		__m128i y = _mm_or_si128(_mm_and_si128(_mm_srli_epi32(a, 13), normal), /* a zero keeps its sign only */
					 _mm_and_si128(_mm_srli_epi32(x, 16), _mm_set1_epi32(0x8000)));
		y = _mm_srai_epi32(_mm_slli_epi32(y, 16), 16); /* 16 bits, sign-extended: the pack keeps them */
		_mm_storel_epi64((__m128i *)(void *)(h + 2 * i), _mm_packs_epi32(y, y));
	}
	return i;
}
#endif

void sim_floats_to_halves(uint8_t *h, const uint8_t *f, uint64_t n, bool f16c)
{
	uint64_t i = 0;
#if SIM_F16C
	if (f16c)
		i = floats_to_halves_f16c(h, f, n);
#else
	(void)f16c;
#endif
#ifdef __SSE2__
	if (i == 0)
		i = floats_to_halves_sse2(h, f, n);
#endif
	floats_to_halves_soft(h, f, i, n);
}

int sim_plan_float(const struct hw_intrinsic *in, struct sim_plan *p, bool f16c)
{
	p->f16c = f16c;
	p->fast_float = float_operand(in->a.dtype) && float_operand(in->b.dtype) && float_operand(in->out.dtype) &&
			in->out.level != in->a.level && in->out.level != in->b.level;
	if (!p->fast_float)
		return 0;
	p->na = tile_values(p, p->step_a);
	p->nb = tile_values(p, p->step_b);
	p->nsum = tile_values(p, p->step_out);
	if (sim_list_outputs(p) || list_rows(p) || !(p->va = try_calloc(p->na, sizeof *p->va)) ||
	    !(p->vb = try_calloc(p->nb, sizeof *p->vb)) || !(p->sum = try_calloc(p->nsum, sizeof *p->sum)))
		return -1;
	p->dense = p->nsum == p->nout;
	for (uint32_t n = 0; n < p->nout; n++)
		p->dense = p->dense && p->offs[n][0] == n;
	return 0;
}

/* Every fp16 and fp32 value is a float exactly. */
static inline float get_value(const uint8_t *p, enum dtype t, uint64_t i)
{
	if (t == DT_FP16) {
		half16 h;
		memcpy(&h, p + 2 * i, 2);
		return half_soft_to_float(h);
	}
	float f;
	memcpy(&f, p + 4 * i, 4);
	return f;
}

/* put_float's rule (exec.c): a NaN is written as the canonical quiet NaN;
 * a float is a double exactly, so rounding it to half from the double is
 * half.h's one rounding. */
static inline void put_value(uint8_t *p, enum dtype t, uint64_t i, double v)
{
	if (isnan(v))
		v = NAN;
	if (t == DT_FP16) {
		half16 h = half_soft_from_double(v);
		memcpy(p + 2 * i, &h, 2);
	} else {
		float f = (float)v;
		memcpy(p + 4 * i, &f, 4);
	}
}

static void convert(float *v, uint32_t n, const uint8_t *src, enum dtype t, bool f16c)
{
	if (t == DT_FP16)
		sim_halves_to_floats(v, src, n, f16c);
	else
		memcpy(v, src, (size_t)n * 4);
}

/* A row's scalar and vector operands (a product's order does not change
 * its bits). */
static inline void row_operands(const struct sim_plan *p, const uint32_t *row, float *x, const float **v)
{
	*x = p->row_a_vector ? p->vb[row[2]] : p->va[row[1]];
	*v = p->row_a_vector ? p->va + row[1] : p->vb + row[2];
}

/* An fp16 output: each sum computed in double and rounded to half, as
 * tile_generic does (a half is a float exactly). */
static void sum_half(const struct sim_plan *p)
{
	for (uint32_t k = 0; k < p->nrow; k++) {
		float x, *s = p->sum + p->row[k][0];
		const float *v;
		row_operands(p, p->row[k], &x, &v);
		for (uint32_t j = 0; j < p->row_len; j++)
			s[j] = half_soft_to_float(half_soft_from_double((double)s[j] + (double)x * (double)v[j]));
	}
}

/* s[j] += x * v[j] for j < n: each lane one float multiply and one float
 * add, as the scalar loop does; SSE (baseline on x86-64) four at a time. */
static inline void row_float(float *restrict s, float x, const float *restrict v, uint32_t n)
{
	uint32_t j = 0;
#ifdef __SSE2__
	__m128 xs = _mm_set1_ps(x);
	for (; j + 4 <= n; j += 4)
		_mm_storeu_ps(s + j, _mm_add_ps(_mm_loadu_ps(s + j), _mm_mul_ps(xs, _mm_loadu_ps(v + j))));
#endif
	for (; j < n; j++)
		s[j] += x * v[j];
}

/* An fp32 output: tile_generic rounds the product (exact in double: at
 * most 48 significant bits, exponents far inside double's range) to float,
 * adds it to the float sum in double and rounds that to float.  Each of the
 * two is then one correctly rounded float operation (for the sum: double
 * has more than 2 * 24 + 2 bits, so rounding through it first changes
 * nothing), which is what float arithmetic computes; the build has
 * -ffp-contract=off, so the product is never fused into the add. */
static void sum_float(const struct sim_plan *p)
{
	for (uint32_t k = 0; k < p->nrow; k++) {
		float x;
		const float *v;
		row_operands(p, p->row[k], &x, &v);
		row_float(p->sum + p->row[k][0], x, v, p->row_len);
	}
}

/* n floats (bytes f) copied to o, a NaN as the canonical quiet NaN. */
static void floats_to_floats(uint8_t *o, const uint8_t *f, uint64_t n)
{
	uint64_t i = 0;
#ifdef __SSE2__
	const __m128 qnan = _mm_set1_ps(NAN);
	for (; i + 4 <= n; i += 4) {
		__m128 x = _mm_loadu_ps((const float *)(const void *)(f + 4 * i)), nan = _mm_cmpunord_ps(x, x);
		_mm_storeu_ps((float *)(void *)(o + 4 * i), _mm_or_ps(_mm_andnot_ps(nan, x), _mm_and_ps(nan, qnan)));
	}
#endif
	for (; i < n; i++)
		put_value(o, DT_FP32, i, get_value(f, DT_FP32, i));
}

/* The sums start from the output tile (or zeros) and go back to it; where
 * the tile is the outputs 0 .. nout-1 in order, as whole rows. */
static void load_sums(const struct sim_plan *p, enum dtype t, const uint8_t *out, bool reset)
{
	if (reset)
		memset(p->sum, 0, (size_t)p->nsum * sizeof *p->sum);
	else if (p->dense && t == DT_FP16)
		sim_halves_to_floats(p->sum, out, p->nout, p->f16c);
	else if (p->dense)
		memcpy(p->sum, out, (size_t)p->nout * 4);
	else
		for (uint32_t n = 0; n < p->nout; n++)
			p->sum[p->offs[n][0]] = get_value(out, t, p->offs[n][0]);
}

static void store_sums(const struct sim_plan *p, enum dtype t, uint8_t *out)
{
	if (p->dense && t == DT_FP16)
		sim_floats_to_halves(out, (const uint8_t *)p->sum, p->nout, p->f16c);
	else if (p->dense)
		floats_to_floats(out, (const uint8_t *)p->sum, p->nout);
	else
		for (uint32_t n = 0; n < p->nout; n++)
			put_value(out, t, p->offs[n][0], p->sum[p->offs[n][0]]);
}

void sim_tile_float(const struct hw_intrinsic *in, const struct sim_plan *p, uint8_t *out, const uint8_t *a,
		    const uint8_t *b, bool reset)
{
	convert(p->va, p->na, a, in->a.dtype, p->f16c);
	convert(p->vb, p->nb, b, in->b.dtype, p->f16c);
	enum dtype t = in->out.dtype;
	load_sums(p, t, out, reset);
	if (t == DT_FP16)
		sum_half(p);
	else
		sum_float(p);
	store_sums(p, t, out);
}

void sim_narrow_float(uint8_t *o, enum dtype to, const uint8_t *a, enum dtype from, uint64_t n, bool f16c)
{
	if (from == DT_FP32 && to == DT_FP16) {
		sim_floats_to_halves(o, a, n, f16c);
		return;
	}
	for (uint64_t i = 0; i < n; i++)
		put_value(o, to, i, get_value(a, from, i));
}
