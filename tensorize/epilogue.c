/* tensorize/epilogue: the ALU passes of an op's epilogues, as few as the
 * ALU allows.  One list, read by the lowering (compiler/lower_gemm.c emits
 * one ALU instruction per pass) and by the estimate (tensorize/mapping.c
 * counts them), so both count the same passes.
 *
 * Each epilogue becomes its operations (tz_epilogue_alu); on an integer
 * accumulator a clip is then a `max` and a `min`, and runs of them collapse:
 * a run of `max`/`min` immediates is one `max` then one `min` (max
 * distributes over min), a bound outside the accumulator's range is
 * dropped, as are `add 0`, `mul 1` and `shr 0`; a `shr` followed by a clamp
 * within the output dtype's range is one `requant` where the ALU has it
 * (plus what is left of the clamp inside that range); a clamp symmetric the
 * ALU's way is one `clip`.  Integer arithmetic is exact, so every rewrite
 * gives the same bits.  Floating-point accumulators keep each epilogue's
 * own operations: -0 + 0 and NaN make even `add 0` visible.  A bias the
 * accumulator starts from (tz_bias_init) takes no pass. */
#include "tensorize.h"

static bool has(const struct hw *hw, enum hw_alu_op op)
{
	return hw->alu.ops & (1u << op);
}

/* A run of max/min immediates from *i on: the lowest value it lets through
 * (lo) and the highest (hi), within [alo, ahi]; returns where the run ends. */
static int clamp_run(const struct tz_pass *p, int n, int i, int64_t alo, int64_t ahi, int64_t *lo, int64_t *hi)
{
	*lo = alo, *hi = ahi;
	for (; i < n && !p[i].bias && (p[i].op == HW_ALU_MAX || p[i].op == HW_ALU_MIN); i++) {
		/* clamp to [lo, hi] then max v: clamp to [max(lo, v), max(hi, v)]; min likewise */
		if (p[i].op == HW_ALU_MAX)
			*lo = *lo > p[i].imm ? *lo : p[i].imm, *hi = *hi > p[i].imm ? *hi : p[i].imm;
		else
			*lo = *lo < p[i].imm ? *lo : p[i].imm, *hi = *hi < p[i].imm ? *hi : p[i].imm;
	}
	return i;
}

static int put(struct tz_pass *out, int n, enum hw_alu_op op, int64_t imm)
{
	out[n] = (struct tz_pass){.op = op, .imm = imm};
	return n + 1;
}

/* A clamp to [lo, hi] on an accumulator of range [alo, ahi]. */
static int put_clamp(const struct hw *hw, struct tz_pass *out, int n, int64_t lo, int64_t hi, int64_t alo, int64_t ahi)
{
	if (lo > alo && hi < ahi && lo == -hi - 1 && has(hw, HW_ALU_CLIP))
		return put(out, n, HW_ALU_CLIP, hi);
	if (lo > alo)
		n = put(out, n, HW_ALU_MAX, lo);
	if (hi < ahi)
		n = put(out, n, HW_ALU_MIN, hi);
	return n;
}

static bool no_op(const struct tz_pass *p)
{
	return !p->bias && ((p->op == HW_ALU_ADD && p->imm == 0) || (p->op == HW_ALU_MUL && p->imm == 1) ||
			    (p->op == HW_ALU_SHR && p->imm == 0));
}

/* The passes of an integer accumulator, rewritten from `in` into `out`. */
static int fuse(const struct hw *hw, enum dtype acc, const struct tz_pass *in, int n, struct tz_pass *out)
{
	int bits = (int)dtype_bytes(acc) * 8, k = 0;
	int64_t alo = -((int64_t)1 << (bits - 1)), ahi = ((int64_t)1 << (bits - 1)) - 1, rlo, rhi;
	hw_requant_bounds(hw, &rlo, &rhi);
	for (int i = 0; i < n;) {
		int64_t lo, hi;
		bool shift = !in[i].bias && in[i].op == HW_ALU_SHR && has(hw, HW_ALU_REQUANT);
		int end = clamp_run(in, n, i + (shift ? 1 : 0), alo, ahi, &lo, &hi);
		if (shift && rlo <= lo && hi <= rhi && end > i + 1) {
			k = put(out, k, HW_ALU_REQUANT, in[i].imm);
			k = put_clamp(hw, out, k, lo, hi, rlo, rhi);
			i = end;
		} else if (end > i && !shift) {
			k = put_clamp(hw, out, k, lo, hi, alo, ahi);
			i = end;
		} else {
			if (!no_op(&in[i]))
				out[k++] = in[i];
			i++;
		}
	}
	return k;
}

int tz_epilogue_passes(const struct hw *hw, const struct ir_op *op, bool bias_init, struct tz_pass *out)
{
	struct tz_pass raw[TZ_MAX_PASSES];
	int n = 0;
	bool integer = !dtype_float(op->acc);
	for (int e = 0; e < op->nepilogues; e++) {
		enum hw_alu_op ops[2];
		int64_t imm[2];
		int k = tz_epilogue_alu(hw, op->acc, &op->epilogue[e], ops, imm);
		if (k < 0)
			return -1;
		if (bias_init && e == 0) /* the accumulator started from it (tz_bias_init) */
			continue;
		if (integer && k == 1 && ops[0] == HW_ALU_CLIP) /* as max and min, to fuse with its neighbours */
			ops[0] = HW_ALU_MAX, imm[1] = imm[0], imm[0] = -imm[0] - 1, ops[1] = HW_ALU_MIN, k = 2;
		for (int i = 0; i < k; i++)
			raw[n++] = (struct tz_pass){.op = ops[i], .imm = imm[i], .bias = op->epilogue[e].kind == IR_EP_BIAS};
	}
	if (integer)
		return fuse(hw, op->acc, raw, n, out);
	for (int i = 0; i < n; i++)
		out[i] = raw[i];
	return n;
}
