/* Small derived figures of a hardware description, read off the X-macro
 * tables of hw.h so that names and sizes are written down once. */
#include "hw.h"

#include <string.h>

static const char *const roles[HW_ROLE_COUNT] = {
#define X(id, name) name,
	HW_ROLES(X)
#undef X
};

static const struct {
	const char *name, *meaning;
} alu_ops[HW_ALU_OP_COUNT] = {
#define X(id, name, what) {name, what},
	HW_ALU_OPS(X)
#undef X
};

/* Out-of-range enums are bugs in the caller, not bad input: the loader
 * turns names into enums only after checking them. */
static unsigned checked(int v, int count, const char *what)
{
	if (v < 0 || v >= count)
		die("%s %d out of range", what, v);
	return (unsigned)v;
}

const char *hw_role_name(enum hw_role r) { return roles[checked((int)r, HW_ROLE_COUNT, "role")]; }

const char *hw_alu_op_name(enum hw_alu_op op)
{
	return alu_ops[checked((int)op, HW_ALU_OP_COUNT, "ALU op")].name;
}

const char *hw_alu_op_meaning(enum hw_alu_op op)
{
	return alu_ops[checked((int)op, HW_ALU_OP_COUNT, "ALU op")].meaning;
}

int hw_alu_op_lookup(const char *name)
{
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		if (!strcmp(alu_ops[op].name, name))
			return op;
	return -1;
}

/* Within the accumulator's range too, so the bounds are values it holds. */
void hw_requant_bounds(const struct hw *hw, int64_t *lo, int64_t *hi)
{
	int64_t alo, ahi;
	dtype_int_range(hw->level[hw->role_level[HW_ROLE_OUTPUT]].dtype, lo, hi);
	dtype_int_range(hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]].dtype, &alo, &ahi);
	*lo = *lo > alo ? *lo : alo;
	*hi = *hi < ahi ? *hi : ahi;
}

int hw_level_lookup(const struct hw *hw, const char *name)
{
	for (int i = 0; i < hw->nlevels; i++)
		if (!strcmp(hw->level[i].name, name))
			return i;
	return -1;
}

/* One intrinsic issues every initiation_interval cycles. */
double hw_intrinsic_peak_macs(const struct hw_intrinsic *in)
{
	return in->initiation_interval ? (double)in->macs / in->initiation_interval : 0.0;
}

double hw_peak_macs_per_cycle(const struct hw *hw)
{
	double best = 0;
	for (int i = 0; i < hw->nintrinsics; i++) {
		double m = hw_intrinsic_peak_macs(&hw->intrinsic[i]);
		if (m > best)
			best = m;
	}
	return best;
}

/* 0 for max 0: a field that can only hold 0 needs no bits. */
uint32_t hw_bits_for(uint64_t max)
{
	uint32_t bits = 0;
	while (bits < 64 && (max >> bits) != 0)
		bits++;
	return bits;
}
