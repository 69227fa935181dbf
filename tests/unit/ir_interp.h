/* A plain loop-nest interpreter of the tensor IR, written for the tests: the
 * reference other backends are compared with.  It follows docs/ir.md
 * literally and favours obviousness over speed.  Tensors are held as arrays
 * of int64 (integer dtypes) or double (floating point), row-major. */
#ifndef TESSEL_IR_INTERP_H
#define TESSEL_IR_INTERP_H

#include <math.h>

#include "base/half.h"
#include "ir/ir.h"
#include "cli/xalloc.h"

struct interp_tensor {
	int64_t *i;
	double *f;
};

static inline int64_t interp_wrap(int64_t v, enum dtype t)
{
	switch (t) {
	case DT_INT8: return (int8_t)(uint8_t)v;
	case DT_UINT8: return (uint8_t)v;
	case DT_INT16: return (int16_t)(uint16_t)v;
	default: return (int32_t)(uint32_t)v;
	}
}

static inline double interp_round(double v, enum dtype t)
{
	return t == DT_FP16 ? half_round(v) : (double)(float)v;
}

/* A float to an integer toward zero, saturating at int64's bounds, NaN 0
 * (then wrapped to the output dtype like any integer). */
static inline int64_t interp_to_int(double v)
{
	if (isnan(v))
		return 0;
	if (v >= 0x1p63)
		return INT64_MAX;
	if (v < -0x1p63)
		return INT64_MIN;
	return (int64_t)v;
}

/* Linear offset of an access at iterator values `it`, or -1 when outside. */
static inline int64_t interp_offset(const struct ir_graph *g, const struct ir_op *op, const struct ir_access *a,
				    const int64_t *it)
{
	const struct ir_tensor *t = &g->tensor[a->tensor];
	int64_t off = 0;
	for (int d = 0; d < t->rank; d++) {
		int64_t x = a->index[d].offset;
		for (int k = 0; k < op->niters; k++)
			x += a->index[d].coef[k] * it[k];
		if (x < 0 || x >= t->shape[d])
			return -1;
		off = off * t->shape[d] + x;
	}
	return off;
}

static inline void interp_op(const struct ir_graph *g, int opi, struct interp_tensor *v)
{
	const struct ir_op *op = &g->op[opi];
	bool flt = dtype_float(op->acc);
	const struct ir_tensor *ot = &g->tensor[op->out.tensor];
	int64_t it[IR_MAX_ITERS] = {0};
	int sp[IR_MAX_ITERS], nsp = 0, rd[IR_MAX_ITERS], nrd = 0;
	for (int k = 0; k < op->niters; k++) {
		if (op->iter[k].reduction)
			rd[nrd++] = k;
		else
			sp[nsp++] = k;
	}
	for (;;) {
		/* one output point: reduce over the reduction iterators */
		int64_t ia = op->reduce == IR_REDUCE_MAX ? INT32_MIN : 0;
		double fa = op->reduce == IR_REDUCE_MAX ? -INFINITY : 0;
		for (int r = 0; r < nrd; r++)
			it[rd[r]] = 0;
		bool first = true; /* a float max= takes its first point as it is, a NaN too */
		for (;;) {
			int64_t iv[2] = {0, 0};
			double fv[2] = {0, 0};
			for (int n = 0; n < op->nin; n++) {
				int64_t o = interp_offset(g, op, &op->in[n], it);
				const struct interp_tensor *src = &v[op->in[n].tensor];
				if (o < 0)
					iv[n] = op->reduce == IR_REDUCE_MAX ? INT32_MIN : 0, fv[n] = op->reduce == IR_REDUCE_MAX ? -INFINITY : 0;
				else if (flt)
					fv[n] = src->f[o];
				else
					iv[n] = src->i[o];
			}
			int64_t ic = 0;
			double fc = 0;
			switch (op->combine) {
			case IR_COMBINE_COPY: ic = iv[0], fc = fv[0]; break;
			case IR_COMBINE_MUL: ic = iv[0] * iv[1], fc = fv[0] * fv[1]; break;
			case IR_COMBINE_ADD: ic = iv[0] + iv[1], fc = fv[0] + fv[1]; break;
			case IR_COMBINE_SUB: ic = iv[0] - iv[1], fc = fv[0] - fv[1]; break;
			case IR_COMBINE_MAX: ic = iv[0] > iv[1] ? iv[0] : iv[1], fc = fv[0] > fv[1] ? fv[0] : fv[1]; break;
			case IR_COMBINE_MIN: ic = iv[0] < iv[1] ? iv[0] : iv[1], fc = fv[0] < fv[1] ? fv[0] : fv[1]; break;
			case IR_COMBINE_DIV: fc = fv[0] / fv[1]; break;
			case IR_COMBINE_GE: ic = iv[0] >= iv[1], fc = fv[0] >= fv[1]; break;
			case IR_COMBINE_GT: ic = iv[0] > iv[1], fc = fv[0] > fv[1]; break;
			case IR_COMBINE_EQ: ic = iv[0] == iv[1], fc = fv[0] == fv[1]; break;
			case IR_COMBINE_PICK: ic = iv[0] != 0 ? iv[1] : 0, fc = fv[0] != 0 ? fv[1] : -0.0; break;
			}
			fc = interp_round(fc, op->acc);
			switch (op->reduce) {
			case IR_REDUCE_ASSIGN: ia = interp_wrap(ic, op->acc), fa = fc; break;
			case IR_REDUCE_SUM: ia = interp_wrap(ia + ic, op->acc), fa = interp_round(fa + fc, op->acc); break;
			case IR_REDUCE_MAX: ia = ic > ia ? ic : ia, fa = first || fc > fa ? fc : fa; break;
			}
			first = false;
			int r = nrd - 1;
			for (; r >= 0; r--) {
				if (++it[rd[r]] < op->iter[rd[r]].extent)
					break;
				it[rd[r]] = 0;
			}
			if (r < 0)
				break;
		}
		int64_t oo = interp_offset(g, op, &op->out, it);
		for (int e = 0; e < op->nepilogues; e++) {
			const struct ir_epilogue *ep = &op->epilogue[e];
			switch (ep->kind) {
			case IR_EP_BIAS: {
				/* the output coordinate along ep->dim */
				int64_t x = op->out.index[ep->dim].offset;
				for (int k = 0; k < op->niters; k++)
					x += op->out.index[ep->dim].coef[k] * it[k];
				if (flt)
					fa = interp_round(fa + v[ep->tensor].f[x], op->acc);
				else
					ia = interp_wrap(ia + v[ep->tensor].i[x], op->acc);
				break;
			}
			case IR_EP_ADD: ia = interp_wrap(ia + ep->imm, op->acc), fa = interp_round(fa + (double)ep->imm, op->acc); break;
			case IR_EP_MUL: ia = interp_wrap(ia * ep->imm, op->acc), fa = interp_round(fa * (double)ep->imm, op->acc); break;
			case IR_EP_SHR:
				ia = ep->imm >= 0 ? ia >> (ep->imm < 63 ? ep->imm : 63) : interp_wrap(ia * ((int64_t)1 << -ep->imm), op->acc);
				fa = interp_round(ldexp(fa, (int)-ep->imm), op->acc);
				break;
			case IR_EP_DIV: ia = interp_wrap(ia / ep->imm, op->acc), fa = interp_round(fa / (double)ep->imm, op->acc); break;
			case IR_EP_CLIP:
				ia = ia < ep->lo ? ep->lo : ia > ep->hi ? ep->hi : ia;
				fa = fa < (double)ep->lo ? (double)ep->lo : fa > (double)ep->hi ? (double)ep->hi : fa;
				break;
			case IR_EP_RELU: ia = ia < 0 ? 0 : ia, fa = fa < 0 ? 0 : fa; break;
			case IR_EP_ROUND: fa = nearbyint(fa); break;
			case IR_EP_EXP: fa = interp_round(exp(fa), op->acc); break;
			case IR_EP_LOG: fa = interp_round(log(fa), op->acc); break;
			case IR_EP_SQRT: fa = interp_round(sqrt(fa), op->acc); break;
			case IR_EP_TANH: fa = interp_round(tanh(fa), op->acc); break;
			case IR_EP_ERF: fa = interp_round(erf(fa), op->acc); break;
			}
		}
		if (dtype_float(ot->dtype))
			v[op->out.tensor].f[oo] = interp_round(flt ? fa : (double)ia, ot->dtype);
		else
			v[op->out.tensor].i[oo] = interp_wrap(flt ? interp_to_int(fa) : ia, ot->dtype);
		int s = nsp - 1;
		for (; s >= 0; s--) {
			if (++it[sp[s]] < op->iter[sp[s]].extent)
				break;
			it[sp[s]] = 0;
		}
		if (s < 0)
			return;
	}
}

#endif
