/* The data semantics of every instruction (docs/microarch.md, "What
 * instructions compute").  Timing lives in sim.c; this file only moves and
 * computes values, after checking every index an instruction will touch. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "base/alloc.h"
#include "base/half.h"
#include "base/value.h"
#include "sim.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static int range_error(const struct device *d, const struct sim_entry *e, struct diags *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int range_error(const struct device *d, const struct sim_entry *e, struct diags *err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag_add(err, NULL, 0, 0, "instruction %u (%s): %s", e->index, d->lay.kind[e->in.kind].mnemonic, msg);
	return -1;
}

int sim_dram_in(struct device *d, uint64_t addr, void *dst, uint64_t n)
{
	if (d->ext)
		return d->ext->read(d->ext->ctx, addr, dst, n, d->now);
	memcpy(dst, d->dram + addr, n);
	return 0;
}

int sim_dram_out(struct device *d, uint64_t addr, const void *src, uint64_t n)
{
	if (d->ext)
		return d->ext->write(d->ext->ctx, addr, src, n, d->now);
	memmove(d->dram + addr, src, n);
	for (uint64_t pg = addr / SIM_PAGE; n && pg <= (addr + n - 1) / SIM_PAGE; pg++)
		d->dirty[pg / 64] |= UINT64_C(1) << (pg % 64);
	return 0;
}

int sim_dram_zero(struct device *d, uint64_t addr, uint64_t n)
{
	if (d->ext) {
		static const uint8_t zeros[65536];
		for (uint64_t done = 0; done < n; done += sizeof zeros)
			if (sim_dram_out(d, addr + done, zeros, n - done < sizeof zeros ? n - done : sizeof zeros))
				return -1;
		return 0;
	}
	for (uint64_t pg = addr / SIM_PAGE; n && pg <= (addr + n - 1) / SIM_PAGE; pg++) {
		uint64_t *w = &d->dirty[pg / 64], bit = UINT64_C(1) << (pg % 64);
		if (!(*w & bit))
			continue;
		uint64_t from = pg * SIM_PAGE > addr ? pg * SIM_PAGE : addr;
		uint64_t to = (pg + 1) * SIM_PAGE < addr + n ? (pg + 1) * SIM_PAGE : addr + n;
		memset(d->dram + from, 0, to - from);
		if (to - from == SIM_PAGE)
			*w &= ~bit;
	}
	return 0;
}

static int memory_error(const struct device *d, const struct sim_entry *e, const char *what, uint64_t addr,
			uint64_t n, struct diags *err)
{
	return range_error(d, e, err, "the memory answered a DRAM %s of %" PRIu64 " bytes at 0x%" PRIx64 " with an error",
			   what, n, addr);
}

/* The level a transfer reads from (load) or writes to (store). */
static uint8_t *parent_mem(struct device *d, const struct hw_level *l, uint64_t *capacity, const char **name)
{
	if (l->parent < 0) {
		*capacity = d->dram_size;
		*name = "DRAM";
		return d->dram;
	}
	*capacity = d->hw.level[l->parent].capacity;
	*name = d->hw.level[l->parent].name;
	return d->mem[l->parent];
}

/* Bytes [first, end) of the parent a transfer touches, checked. */
static int check_parent_rows(const struct device *d, const struct sim_entry *e, uint64_t capacity, const char *pname,
			     const char *which, struct diags *err)
{
	const int64_t *f = e->in.f;
	uint64_t unit = isa_parent_unit_bytes(&d->hw, &e->in), elem = isa_parent_elem_bytes(&d->hw, &e->in);
	unsigned __int128 end = ((unsigned __int128)f[ISA_F_ADDR] + (unsigned __int128)(f[ISA_F_YSIZE] - 1) * f[ISA_F_XSTRIDE]) * unit +
				(unsigned __int128)f[ISA_F_XSIZE] * elem;
	if (end > capacity)
		return range_error(d, e, err, "%s rows reach byte 0x%" PRIx64 "%s of %s, which has %" PRIu64 " bytes",
				   which, (uint64_t)(end > UINT64_MAX ? UINT64_MAX : end),
				   end > UINT64_MAX ? "+" : "", pname, capacity);
	return 0;
}

static int check_elements(const struct device *d, const struct sim_entry *e, const struct hw_level *l, uint64_t first,
			  uint64_t count, const char *what, struct diags *err)
{
	if (first + count > l->depth)
		return range_error(d, e, err, "%s elements %" PRIu64 " to %" PRIu64 " of '%s', which has %u", what, first,
				   first + count - 1, l->name, l->depth);
	return 0;
}

/* The n parent elements of U bytes each, read packed at the start of row,
 * spread in place over elements of E bytes: a narrow transfer's (U < E)
 * rest of each element is zero. */
static void widen_in_place(uint8_t *row, uint64_t n, uint64_t U, uint64_t E)
{
	for (uint64_t k = n; k-- > 0;) { /* backwards: element k moves up over packed ones not yet moved */
		memmove(row + k * E, row + k * U, U);
		memset(row + k * E + U, 0, E - U);
	}
}

/* A diagonal load's n packed elements of `values` values each (VB bytes a
 * value), spread in place over elements of E bytes: value i of element k
 * to its place on diagonal block d, the rest zero.  Backwards, elements and
 * values alike: every place lies at or past its packed value, and the
 * packed values not yet moved lie below the element being written (an
 * element holds at least twice the values a diagonal block does). */
static void diagonal_in_place(const struct device *d, int level, uint32_t block, uint8_t *row, uint64_t n,
			      uint32_t values, uint64_t VB, uint64_t E)
{
	uint64_t U = values * VB;
	for (uint64_t k = n; k-- > 0;) {
		uint8_t *el = row + k * E;
		for (uint32_t i = values; i-- > 0;)
			memmove(el + isa_diagonal_position(&d->hw, level, block, i) * VB, row + k * U + i * VB, VB);
		uint64_t at = 0;
		for (uint32_t i = 0; i < values; i++) {
			uint64_t place = isa_diagonal_position(&d->hw, level, block, i) * VB;
			memset(el + at, 0, place - at);
			at = place + VB;
		}
		memset(el + at, 0, E - at);
	}
}

/* A narrow store's row into DRAM at `to`: each of its X elements' first U
 * of E bytes, packed, through a buffer on the stack (no allocation while
 * the program runs); an element larger than the buffer goes on its own. */
static int store_narrow_row(struct device *d, uint64_t to, const uint8_t *row, uint64_t X, uint64_t U, uint64_t E)
{
	uint8_t packed[4096];
	uint64_t per = sizeof packed / U;
	for (uint64_t k = 0; k < X;) {
		if (!per) {
			if (sim_dram_out(d, to + k * U, row + k * E, U))
				return -1;
			k++;
			continue;
		}
		uint64_t n = X - k < per ? X - k : per;
		for (uint64_t i = 0; i < n; i++)
			memcpy(packed + i * U, row + (k + i) * E, U);
		if (sim_dram_out(d, to + k * U, packed, n * U))
			return -1;
		k += n;
	}
	return 0;
}

static int exec_load(struct device *d, const struct sim_entry *e, struct diags *err)
{
	const int64_t *f = e->in.f;
	const struct hw_level *l = &d->hw.level[f[ISA_F_BUF]];
	uint64_t cap;
	const char *pname;
	const uint8_t *src = parent_mem(d, l, &cap, &pname);
	uint64_t E = l->elem_bytes, X = (uint64_t)(f[ISA_F_XSIZE] + f[ISA_F_XPAD0] + f[ISA_F_XPAD1]);
	uint64_t Y = (uint64_t)(f[ISA_F_YSIZE] + f[ISA_F_YPAD0] + f[ISA_F_YPAD1]);
	uint64_t U = isa_parent_elem_bytes(&d->hw, &e->in); /* an element's bytes in the parent */
	uint64_t S = isa_parent_unit_bytes(&d->hw, &e->in);  /* what addr and xstride count */
	if (check_parent_rows(d, e, cap, pname, "source", err) ||
	    check_elements(d, e, l, (uint64_t)f[ISA_F_IDX], isa_transfer_block(&d->lay, &e->in), "writes", err))
		return -1;
	uint8_t *dst = d->mem[f[ISA_F_BUF]] + (uint64_t)f[ISA_F_IDX] * E;
	for (uint64_t y = 0; y < Y; y++) {
		uint8_t *row = dst + y * X * E;
		int64_t sy = (int64_t)y - f[ISA_F_YPAD0];
		if (sy < 0 || sy >= f[ISA_F_YSIZE]) {
			memset(row, 0, X * E);
			continue;
		}
		uint64_t from = ((uint64_t)f[ISA_F_ADDR] + (uint64_t)sy * (uint64_t)f[ISA_F_XSTRIDE]) * S;
		uint64_t n = (uint64_t)f[ISA_F_XSIZE] * U;
		uint8_t *data = row + (uint64_t)f[ISA_F_XPAD0] * E;
		memset(row, 0, (uint64_t)f[ISA_F_XPAD0] * E);
		if (l->parent >= 0)
			memcpy(data, src + from, n);
		else if (sim_dram_in(d, from, data, n))
			return memory_error(d, e, "read", from, n, err);
		if (f[ISA_F_DIAG])
			diagonal_in_place(d, (int)f[ISA_F_BUF], (uint32_t)f[ISA_F_DIAG], data, (uint64_t)f[ISA_F_XSIZE],
					  (uint32_t)f[ISA_F_VALUES], S, E);
		else if (U < E)
			widen_in_place(data, (uint64_t)f[ISA_F_XSIZE], U, E);
		memset(row + (uint64_t)(f[ISA_F_XPAD0] + f[ISA_F_XSIZE]) * E, 0, (uint64_t)f[ISA_F_XPAD1] * E);
	}
	return 0;
}

static int exec_store(struct device *d, const struct sim_entry *e, struct diags *err)
{
	const int64_t *f = e->in.f;
	const struct hw_level *l = &d->hw.level[f[ISA_F_BUF]];
	uint64_t cap;
	const char *pname;
	uint8_t *dst = parent_mem(d, l, &cap, &pname);
	uint64_t E = l->elem_bytes, X = (uint64_t)f[ISA_F_XSIZE], Y = (uint64_t)f[ISA_F_YSIZE];
	uint64_t U = isa_parent_elem_bytes(&d->hw, &e->in); /* an element's bytes in the parent */
	uint64_t S = isa_parent_unit_bytes(&d->hw, &e->in);  /* what addr and xstride count */
	if (check_parent_rows(d, e, cap, pname, "destination", err) ||
	    check_elements(d, e, l, (uint64_t)f[ISA_F_IDX], isa_transfer_block(&d->lay, &e->in), "reads", err))
		return -1;
	const uint8_t *src = d->mem[f[ISA_F_BUF]] + (uint64_t)f[ISA_F_IDX] * E;
	for (uint64_t y = 0; y < Y; y++) {
		uint64_t to = ((uint64_t)f[ISA_F_ADDR] + y * (uint64_t)f[ISA_F_XSTRIDE]) * S;
		const uint8_t *row = src + y * X * E;
		if (l->parent >= 0) { /* a shared level: each element's first U bytes, packed */
			for (uint64_t k = 0; k < X; k++)
				memmove(dst + to + k * U, row + k * E, U);
			continue;
		}
		if (U < E ? store_narrow_row(d, to, row, X, U, E) : sim_dram_out(d, to, row, X * U))
			return memory_error(d, e, "write", to, X * U, err);
	}
	return 0;
}

/* The micro-ops of a loop instruction, read from the micro-op buffer, and
 * the largest index each field reaches over the loop. */
struct loop {
	struct isa_uop *uop;
	uint32_t n;
	uint64_t max_dst, max_src, max_wgt;
};

static int read_loop(struct device *d, const struct sim_entry *e, struct loop *lp, struct diags *err)
{
	const int64_t *f = e->in.f;
	const struct hw_level *ub = &d->hw.level[d->hw.role_level[HW_ROLE_UOP]];
	uint32_t begin = (uint32_t)f[ISA_F_UOP_BEGIN];
	lp->n = (uint32_t)(f[ISA_F_UOP_END] - f[ISA_F_UOP_BEGIN]);
	if (!(lp->uop = try_malloc(lp->n * sizeof *lp->uop))) {
		return diag_nomem(err, NULL, lp->n * sizeof *lp->uop, "the %u micro-ops of instruction %u", lp->n, e->index);
	}
	lp->max_dst = lp->max_src = lp->max_wgt = 0;
	for (uint32_t i = 0; i < lp->n; i++) {
		char why[256];
		if (isa_decode_uop(&d->lay, d->mem[ub - d->hw.level] + (uint64_t)(begin + i) * ub->elem_bytes, &lp->uop[i],
				   why)) {
			free(lp->uop);
			return range_error(d, e, err, "micro-op %u: %s", begin + i, why);
		}
		const struct isa_uop *u = &lp->uop[i];
		uint64_t o = (uint64_t)f[ISA_F_ITER_OUT] - 1, n = (uint64_t)f[ISA_F_ITER_IN] - 1;
		uint64_t dst = u->dst + o * (uint64_t)f[ISA_F_DST_OUT] + n * (uint64_t)f[ISA_F_DST_IN];
		uint64_t src = u->src + o * (uint64_t)f[ISA_F_SRC_OUT] + n * (uint64_t)f[ISA_F_SRC_IN];
		uint64_t wgt = u->wgt + o * (uint64_t)f[ISA_F_WGT_OUT] + n * (uint64_t)f[ISA_F_WGT_IN];
		lp->max_dst = dst > lp->max_dst ? dst : lp->max_dst;
		lp->max_src = src > lp->max_src ? src : lp->max_src;
		lp->max_wgt = wgt > lp->max_wgt ? wgt : lp->max_wgt;
	}
	return 0;
}

/* Writes float value v as value i of a dtype-t array: a NaN as the canonical
 * quiet NaN (positive, quiet bit only: fp16 0x7e00, fp32 0x7fc00000), so
 * that what an instruction writes does not depend on which operand's NaN
 * the host's floating point propagates (docs/microarch.md). */
static void put_float(uint8_t *p, enum dtype t, uint64_t i, double v)
{
	val_put_float(p, t, i, isnan(v) ? NAN : v);
}

/* Copies accumulator elements [first, first+count) into the output buffer,
 * narrowed to its type. */
static void narrow_to_output(struct device *d, uint64_t first, uint64_t count)
{
	const struct hw_level *acc = &d->hw.level[d->hw.role_level[HW_ROLE_ACCUMULATOR]];
	const struct hw_level *out = &d->hw.level[d->hw.role_level[HW_ROLE_OUTPUT]];
	const uint8_t *a = d->mem[acc - d->hw.level] + first * acc->elem_bytes;
	uint8_t *o = d->mem[out - d->hw.level] + first * out->elem_bytes;
	uint64_t n = count * d->acc_elems;
	if (dtype_float(acc->dtype)) {
		sim_narrow_float(o, out->dtype, a, acc->dtype, n, d->f16c);
	} else if (acc->dtype == DT_INT32 && (out->dtype == DT_INT8 || out->dtype == DT_UINT8)) {
		for (uint64_t i = 0; i < n; i++)
			o[i] = a[4 * i]; /* little-endian: the low byte */
	} else {
		for (uint64_t i = 0; i < n; i++)
			val_put_int(o, out->dtype, i, val_get_int(a, acc->dtype, i));
	}
}

/* Walks the spatial dimensions as an odometer (the last fastest): every
 * output value's offsets in out, and where its products start in a and b. */
int sim_list_outputs(struct sim_plan *p)
{
	p->nout = 1;
	for (int dd = 0; dd < p->ndims; dd++)
		if (!p->reduction[dd])
			p->nout *= p->size[dd];
	if (!(p->offs = try_calloc(p->nout, sizeof *p->offs)))
		return -1;
	uint32_t idx[HW_MAX_DIMS] = {0};
	for (uint32_t n = 0; n < p->nout; n++) {
		uint32_t o = 0, a = 0, b = 0;
		for (int dd = 0; dd < p->ndims; dd++) {
			o += idx[dd] * p->step_out[dd];
			a += idx[dd] * p->step_a[dd];
			b += idx[dd] * p->step_b[dd];
		}
		p->offs[n][0] = o, p->offs[n][1] = a, p->offs[n][2] = b;
		for (int dd = p->ndims - 1; dd >= 0; dd--) {
			if (p->reduction[dd])
				continue;
			if (++idx[dd] < p->size[dd])
				break;
			idx[dd] = 0;
		}
	}
	return 0;
}

int sim_plan_intrinsics(struct device *d, struct diags *err)
{
	for (int k = 0; k < d->hw.nintrinsics; k++) {
		const struct hw_intrinsic *in = &d->hw.intrinsic[k];
		struct sim_plan *p = &d->plan[k];
		memset(p, 0, sizeof *p);
		p->ndims = in->ndims;
		p->inner = -1;
		const struct hw_operand *ops[3] = {&in->out, &in->a, &in->b};
		uint32_t *steps[3] = {p->step_out, p->step_a, p->step_b};
		for (int o = 0; o < 3; o++) { /* row-major in the operand's own index order */
			uint32_t step = 1;
			for (int r = ops[o]->rank - 1; r >= 0; r--) {
				steps[o][ops[o]->dim[r]] = step;
				step *= in->dim_size[ops[o]->dim[r]];
			}
		}
		int nred = 0;
		for (int dd = 0; dd < in->ndims; dd++) {
			p->size[dd] = in->dim_size[dd];
			p->reduction[dd] = in->dim_reduction[dd];
			nred += p->reduction[dd];
			if (p->reduction[dd] && p->step_a[dd] == 1 && p->step_b[dd] == 1)
				p->inner = dd;
		}
		p->fast_i8 = nred == 1 && p->inner >= 0 && in->a.dtype == DT_INT8 && in->b.dtype == DT_INT8 &&
			     in->out.dtype == DT_INT32;
		p->depth = p->inner >= 0 ? p->size[p->inner] : 0;
		if ((p->fast_i8 && sim_list_outputs(p)) || sim_plan_float(in, p, d->f16c))
			return diag_nomem(err, NULL, (size_t)p->nout * sizeof *p->offs,
					  "the plan of intrinsic '%s' of '%s'", in->name, d->hw.name);
	}
	return 0;
}

void sim_free_plans(struct device *d)
{
	for (int k = 0; k < d->hw.nintrinsics; k++) {
		struct sim_plan *p = &d->plan[k];
		free(p->offs), free(p->row), free(p->va), free(p->vb), free(p->sum);
	}
}

/* sum over k < n of a[k] * b[k], wrapping in 32 bits: the hot loop of every
 * int8 GEMM.  The common depths get their own copies with the length known,
 * which the compiler turns into a few vector instructions. */
#define DOT_I8(name, N)                                                            \
	static inline int32_t name(const int8_t *restrict a, const int8_t *restrict b, uint32_t n) \
	{                                                                          \
		int32_t s = 0;                                                     \
		for (uint32_t k = 0; k < (N ? N : n); k++)                         \
			s += (int32_t)a[k] * (int32_t)b[k];                        \
		return s;                                                          \
	}
DOT_I8(dot_i8, 0)
DOT_I8(dot_i8_4, 4)

#ifdef __SSE2__
/* Compilers do not vectorise an int8 dot product into int32 on baseline
 * x86-64 (no pmovsx before SSE4.1), so it is spelled out with SSE2:
 * sign-extend 8 bytes to 16 bits, pmaddwd pairs them into four int32
 * partial sums.  Wrapping int32 arithmetic makes the order irrelevant. */
static inline __m128i widen_lo(__m128i x) { return _mm_srai_epi16(_mm_unpacklo_epi8(x, x), 8); }
static inline __m128i widen_hi(__m128i x) { return _mm_srai_epi16(_mm_unpackhi_epi8(x, x), 8); }

static inline int32_t hsum(__m128i v)
{
	v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
	v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
	return _mm_cvtsi128_si32(v);
}

static inline int32_t dot_i8_8(const int8_t *restrict a, const int8_t *restrict b, uint32_t n)
{
	(void)n;
	__m128i x = _mm_loadl_epi64((const __m128i *)(const void *)a), y = _mm_loadl_epi64((const __m128i *)(const void *)b);
	return hsum(_mm_madd_epi16(widen_lo(x), widen_lo(y)));
}

static inline __m128i madd16(const int8_t *a, const int8_t *b)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)a), y = _mm_loadu_si128((const __m128i *)(const void *)b);
	return _mm_add_epi32(_mm_madd_epi16(widen_lo(x), widen_lo(y)), _mm_madd_epi16(widen_hi(x), widen_hi(y)));
}

static inline int32_t dot_i8_16(const int8_t *restrict a, const int8_t *restrict b, uint32_t n)
{
	(void)n;
	return hsum(madd16(a, b));
}

static inline int32_t dot_i8_32(const int8_t *restrict a, const int8_t *restrict b, uint32_t n)
{
	(void)n;
	return hsum(_mm_add_epi32(madd16(a, b), madd16(a + 16, b + 16)));
}
#else
DOT_I8(dot_i8_8, 8)
DOT_I8(dot_i8_16, 16)
DOT_I8(dot_i8_32, 32)
#endif

#define TILE_I8(name, dot)                                                                          \
	static void name(const struct sim_plan *p, int32_t *out, const int8_t *a, const int8_t *b, bool reset) \
	{                                                                                           \
		for (uint32_t n = 0; n < p->nout; n++) {                                            \
			const uint32_t *o = p->offs[n];                                              \
			uint32_t base = reset ? 0 : (uint32_t)out[o[0]];                              \
			out[o[0]] = (int32_t)(base + (uint32_t)dot(a + o[1], b + o[2], p->depth));   \
		}                                                                                   \
	}
TILE_I8(tile_i8_any, dot_i8)
TILE_I8(tile_i8_4, dot_i8_4)
TILE_I8(tile_i8_8, dot_i8_8)
TILE_I8(tile_i8_16, dot_i8_16)
TILE_I8(tile_i8_32, dot_i8_32)

static void tile_fast_i8(const struct sim_plan *p, int32_t *out, const int8_t *a, const int8_t *b, bool reset)
{
	switch (p->depth) {
	case 4: tile_i8_4(p, out, a, b, reset); break;
	case 8: tile_i8_8(p, out, a, b, reset); break;
	case 16: tile_i8_16(p, out, a, b, reset); break;
	case 32: tile_i8_32(p, out, a, b, reset); break;
	default: tile_i8_any(p, out, a, b, reset);
	}
}

/* Any dtypes, any einsum: for each output value, the products in order of
 * increasing reduction index, each sum rounded (floats) or wrapped (ints). */
static void tile_generic(const struct hw_intrinsic *in, const struct sim_plan *p, uint8_t *out, const uint8_t *a,
			 const uint8_t *b, bool reset)
{
	bool flt = dtype_float(in->out.dtype);
	uint32_t sp[HW_MAX_DIMS] = {0}, nsp = 0, rd[HW_MAX_DIMS] = {0}, nrd = 0;
	for (int dd = 0; dd < p->ndims; dd++) {
		if (p->reduction[dd])
			rd[nrd++] = (uint32_t)dd;
		else
			sp[nsp++] = (uint32_t)dd;
	}
	uint32_t idx[HW_MAX_DIMS] = {0};
	for (;;) {
		uint64_t o = 0;
		for (uint32_t s = 0; s < nsp; s++)
			o += (uint64_t)idx[sp[s]] * p->step_out[sp[s]];
		int64_t iv = reset || flt ? 0 : val_get_int(out, in->out.dtype, o);
		double fv = reset || !flt ? 0 : val_get_float(out, in->out.dtype, o);
		for (uint32_t r = 0; r < nrd; r++)
			idx[rd[r]] = 0;
		for (;;) {
			uint64_t ai = 0, bi = 0;
			for (int dd = 0; dd < p->ndims; dd++) {
				ai += (uint64_t)idx[dd] * p->step_a[dd];
				bi += (uint64_t)idx[dd] * p->step_b[dd];
			}
			if (flt) {
				double prod = val_get_float(a, in->a.dtype, ai) * val_get_float(b, in->b.dtype, bi);
				fv = in->out.dtype == DT_FP16 ? half_round(fv + prod) : (double)(float)(fv + (float)prod);
			} else {
				iv = (int64_t)((uint64_t)iv + (uint64_t)(val_get_int(a, in->a.dtype, ai) * val_get_int(b, in->b.dtype, bi)));
			}
			int r = (int)nrd - 1;
			for (; r >= 0; r--) {
				if (++idx[rd[r]] < p->size[rd[r]])
					break;
				idx[rd[r]] = 0;
			}
			if (r < 0)
				break;
		}
		if (flt)
			put_float(out, in->out.dtype, o, fv);
		else
			val_put_int(out, in->out.dtype, o, iv);
		int s = (int)nsp - 1;
		for (; s >= 0; s--) {
			if (++idx[sp[s]] < p->size[sp[s]])
				break;
			idx[sp[s]] = 0;
		}
		if (s < 0)
			return;
	}
}

static int exec_intrinsic(struct device *d, const struct sim_entry *e, struct diags *err)
{
	const int64_t *f = e->in.f;
	int k = d->lay.kind[e->in.kind].intrinsic;
	const struct hw_intrinsic *in = &d->hw.intrinsic[k];
	const struct hw_level *lo = &d->hw.level[in->out.level], *la = &d->hw.level[in->a.level],
			      *lb = &d->hw.level[in->b.level];
	struct loop lp;
	if (read_loop(d, e, &lp, err))
		return -1;
	if (check_elements(d, e, lo, lp.max_dst, in->out.elems_per_tile, "reaches", err) ||
	    check_elements(d, e, la, lp.max_src, in->a.elems_per_tile, "reaches", err) ||
	    check_elements(d, e, lb, lp.max_wgt, in->b.elems_per_tile, "reaches", err)) {
		free(lp.uop);
		return -1;
	}
	const struct sim_plan *p = &d->plan[k];
	bool reset = f[ISA_F_RESET] != 0;
	for (int64_t o = 0; o < f[ISA_F_ITER_OUT]; o++)
		for (int64_t i = 0; i < f[ISA_F_ITER_IN]; i++)
			for (uint32_t u = 0; u < lp.n; u++) {
				uint64_t dst = lp.uop[u].dst + (uint64_t)(o * f[ISA_F_DST_OUT] + i * f[ISA_F_DST_IN]);
				uint64_t src = lp.uop[u].src + (uint64_t)(o * f[ISA_F_SRC_OUT] + i * f[ISA_F_SRC_IN]);
				uint64_t wgt = lp.uop[u].wgt + (uint64_t)(o * f[ISA_F_WGT_OUT] + i * f[ISA_F_WGT_IN]);
				uint8_t *out = d->mem[in->out.level] + dst * lo->elem_bytes;
				const uint8_t *a = d->mem[in->a.level] + src * la->elem_bytes;
				const uint8_t *b = d->mem[in->b.level] + wgt * lb->elem_bytes;
				if (p->fast_i8)
					tile_fast_i8(p, (int32_t *)(void *)out, (const int8_t *)a, (const int8_t *)b, reset);
				else if (p->fast_float)
					sim_tile_float(in, p, out, a, b, reset);
				else
					tile_generic(in, p, out, a, b, reset);
				narrow_to_output(d, dst, in->out.elems_per_tile);
			}
	free(lp.uop);
	return 0;
}

/* rq: the clip of requant (hw_requant_bounds) */
static int64_t alu_int(enum hw_alu_op op, int64_t x, int64_t y, int bits, const int64_t rq[2])
{
	switch (op) {
	case HW_ALU_MIN: return x < y ? x : y;
	case HW_ALU_MAX: return x > y ? x : y;
	case HW_ALU_ADD: return (int64_t)((uint64_t)x + (uint64_t)y);
	case HW_ALU_MUL: return (int64_t)((uint64_t)x * (uint64_t)y);
	case HW_ALU_SHR:
		if (y >= 0)
			return x >> (y < bits - 1 ? y : bits - 1);
		return -y >= bits ? 0 : (int64_t)((uint64_t)x << -y);
	case HW_ALU_CLIP: {
		int64_t lo = -y - 1;
		return x < lo ? lo : x > y ? y : x;
	}
	case HW_ALU_MOV: return y;
	case HW_ALU_REQUANT: {
		/* the shift's value as the accumulator holds it (a left shift wraps), then the clip */
		uint64_t s = (uint64_t)alu_int(HW_ALU_SHR, x, y, bits, rq) << (64 - bits);
		int64_t v = (int64_t)s >> (64 - bits);
		return v < rq[0] ? rq[0] : v > rq[1] ? rq[1] : v;
	}
	/* every instruction passed isa_check_insn when fetched (sim.c), which
	 * refuses an op this hardware does not have */
	default: die("ALU op %d", op);
	}
}

/* min and max keep dst where the comparison is unordered or equal (a NaN
 * dst, a NaN src, -0 beside +0): relu as max(x, 0) keeps a NaN and -0,
 * as the IR's relu (x < 0 ? 0 : x) does, and a max over a window skips a
 * NaN after its first value, as the IR's max does */
static double alu_float(enum hw_alu_op op, double x, double y)
{
	switch (op) {
	case HW_ALU_MIN: return y < x ? y : x;
	case HW_ALU_MAX: return x < y ? y : x;
	case HW_ALU_ADD: return x + y;
	case HW_ALU_MUL: return x * y;
	case HW_ALU_SHR:
		if (isnan(y))
			return y; /* no whole part to shift by */
		return ldexp(x, -(int)(y < -1000 ? -1000 : y > 1000 ? 1000 : y));
	case HW_ALU_CLIP: return x < -y ? -y : x > y ? y : x;
	case HW_ALU_MOV: return y;
	default: die("ALU op %d", op);
	}
}

static int exec_alu(struct device *d, const struct sim_entry *e, struct diags *err)
{
	const int64_t *f = e->in.f;
	int ai = d->hw.role_level[HW_ROLE_ACCUMULATOR];
	const struct hw_level *acc = &d->hw.level[ai];
	bool use_imm = f[ISA_F_USE_IMM] != 0, flt = dtype_float(acc->dtype);
	struct loop lp;
	if (read_loop(d, e, &lp, err))
		return -1;
	if (check_elements(d, e, acc, lp.max_dst, 1, "reaches", err) ||
	    (!use_imm && check_elements(d, e, acc, lp.max_src, 1, "reads", err))) {
		free(lp.uop);
		return -1;
	}
	enum hw_alu_op op = (enum hw_alu_op)f[ISA_F_ALU_OP];
	int bits = (int)dtype_bytes(acc->dtype) * 8;
	int64_t rq[2];
	hw_requant_bounds(&d->hw, &rq[0], &rq[1]);
	uint32_t n = d->acc_elems;
	for (int64_t o = 0; o < f[ISA_F_ITER_OUT]; o++)
		for (int64_t i = 0; i < f[ISA_F_ITER_IN]; i++)
			for (uint32_t u = 0; u < lp.n; u++) {
				uint64_t dst = lp.uop[u].dst + (uint64_t)(o * f[ISA_F_DST_OUT] + i * f[ISA_F_DST_IN]);
				uint64_t src = lp.uop[u].src + (uint64_t)(o * f[ISA_F_SRC_OUT] + i * f[ISA_F_SRC_IN]);
				uint8_t *x = d->mem[ai] + dst * acc->elem_bytes;
				const uint8_t *y = d->mem[ai] + src * acc->elem_bytes;
				for (uint32_t v = 0; v < n; v++) {
					if (flt)
						put_float(x, acc->dtype, v,
							  alu_float(op, val_get_float(x, acc->dtype, v),
								    use_imm ? (double)f[ISA_F_IMM] : val_get_float(y, acc->dtype, v)));
					else
						val_put_int(x, acc->dtype, v,
							alu_int(op, val_get_int(x, acc->dtype, v),
								use_imm ? f[ISA_F_IMM] : val_get_int(y, acc->dtype, v), bits, rq));
				}
				narrow_to_output(d, dst, 1);
			}
	free(lp.uop);
	return 0;
}

int sim_exec(struct device *d, const struct sim_entry *e, struct diags *err)
{
	switch (d->lay.kind[e->in.kind].cls) {
	case ISA_CLASS_LOAD: return exec_load(d, e, err);
	case ISA_CLASS_STORE: return exec_store(d, e, err);
	case ISA_CLASS_GEMM: return exec_intrinsic(d, e, err);
	case ISA_CLASS_ALU: return exec_alu(d, e, err);
	default: return 0;
	}
}
