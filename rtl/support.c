/* Which hardware descriptions the bundled RTL implements (docs/rtl.md). */
#include <stdio.h>

/* elements a DMA moves per cycle at most (a write port each on its level) */
#define RTL_MAX_LANES 16

#include "rtl.h"

static int no(char *why, size_t n, const char *reason) /* -1 with the reason */
{
	snprintf(why, n, "%s", reason);
	return -1;
}

/* Floating point: fp16 products into fp32 sums (rtl/tsl_fp.sv). */
static int check_float_intrinsic(const struct hw_intrinsic *in, char *why, size_t n)
{
	bool flt = dtype_float(in->out.dtype);
	if (dtype_float(in->a.dtype) != flt || dtype_float(in->b.dtype) != flt)
		return no(why, n, "an intrinsic mixing integer and floating-point operands");
	if (flt && in->out.dtype != DT_FP32) {
		snprintf(why, n, "%s accumulation (floating-point intrinsics accumulate in fp32)", dtype_name(in->out.dtype));
		return -1;
	}
	if (flt && (in->a.dtype != DT_FP16 || in->b.dtype != DT_FP16)) {
		snprintf(why, n, "%s operands (floating-point intrinsics multiply fp16)",
			 dtype_name(in->a.dtype != DT_FP16 ? in->a.dtype : in->b.dtype));
		return -1;
	}
	return 0;
}

static int check_intrinsic(const struct hw *hw, const struct hw_intrinsic *in, char *why, size_t n)
{
	const struct hw_operand *ops[3] = {&in->a, &in->b, &in->out};
	const enum hw_role roles[3] = {HW_ROLE_INPUT, HW_ROLE_WEIGHT, HW_ROLE_ACCUMULATOR};
	if (check_float_intrinsic(in, why, n))
		return -1;
	for (int i = 0; i < 3; i++) {
		if (ops[i]->level != hw->role_level[roles[i]])
			return no(why, n, "an operand outside its role's scratchpad");
		if (ops[i]->elems_per_tile != 1)
			return no(why, n, "a tile spanning several buffer elements");
		if (ops[i]->tile_elems * dtype_bytes(ops[i]->dtype) > hw->level[ops[i]->level].elem_bytes)
			return no(why, n, "a tile larger than its buffer element");
	}
	if (in->latency < 1 || in->initiation_interval < 1)
		return no(why, n, "an intrinsic latency or initiation interval of 0");
	return 0;
}

/* The memory hierarchy: scratchpads under DRAM or under one shared level
 * (rtl/tsl_shared.sv, which reads and writes a scratchpad element's bytes
 * at any byte of its words, so any element and word sizes go together);
 * each DMA moves up to RTL_MAX_LANES elements per cycle. */
static int check_levels(const struct hw *hw, char *why, size_t n)
{
	int shared = -1;
	for (int l = 0; l < hw->nlevels; l++)
		if (hw->level[l].role == HW_ROLE_SHARED) {
			if (shared >= 0)
				return no(why, n, "more than one shared level (a memory hierarchy deeper than three levels)");
			shared = l;
		}
	for (int l = 0; l < hw->nlevels; l++) {
		const struct hw_level *lv = &hw->level[l];
		uint32_t lanes = (lv->bandwidth + lv->elem_bytes - 1) / lv->elem_bytes;
		if (lanes > RTL_MAX_LANES) {
			snprintf(why, n, "level '%s' moves %u elements per cycle (bandwidth %u / %u bytes; at most %d)", lv->name,
				 lanes, lv->bandwidth, lv->elem_bytes, RTL_MAX_LANES);
			return -1;
		}
	}
	return 0;
}

int rtl_supported(const struct hw *hw, char *why, size_t n)
{
	/* one unit per intrinsic; all read their roles' scratchpads, so they
	 * share the operand types (the loader holds an operand to its buffer's) */
	if (hw->nintrinsics < 1)
		return no(why, n, "no intrinsic");
	for (int i = 0; i < hw->nintrinsics; i++)
		if (check_intrinsic(hw, &hw->intrinsic[i], why, n))
			return -1;
	if (check_levels(hw, why, n))
		return -1;
	const struct hw_level *acc = &hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]];
	const struct hw_level *out = &hw->level[hw->role_level[HW_ROLE_OUTPUT]];
	if (dtype_float(acc->dtype) != dtype_float(out->dtype))
		return no(why, n, "an output buffer of integers for a floating-point accumulator, or the reverse");
	if (dtype_float(acc->dtype) && acc->dtype != DT_FP32) {
		snprintf(why, n, "an %s accumulator buffer (floating-point accumulators are fp32)", dtype_name(acc->dtype));
		return -1;
	}
	if (dtype_float(acc->dtype) && hw->alu.imm_bits > 24)
		return no(why, n, "ALU immediates wider than 24 bits on a floating-point accumulator (not exact in fp32)");
	uint32_t values = acc->elem_bytes / dtype_bytes(acc->dtype);
	if (out->elem_bytes / dtype_bytes(out->dtype) != values)
		return no(why, n, "output elements that hold a different number of values than accumulator elements");
	if (hw->alu.lanes > values || values % hw->alu.lanes)
		return no(why, n, "ALU lanes that do not divide the values of an accumulator element");
	if (hw->alu.latency < 1 || hw->alu.initiation_interval < 1)
		return no(why, n, "an ALU latency or initiation interval of 0");
	if (hw->queues.load > 255 || hw->queues.compute > 255 || hw->queues.store > 255)
		return no(why, n, "instruction queues deeper than 255");
	return 0;
}
