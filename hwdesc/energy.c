/* Energy: the defaults of a description's energy table, its optional
 * `energy:` section, and the picojoules of a run's counted actions
 * (docs/energy.md). */
#include "energy.h"

#include <math.h>
#include <string.h>

#include "load.h"

/* ---- published figures ------------------------------------------------- */

/* Horowitz, "Computing's energy problem (and what we can do about it)",
 * ISSCC 2014, 45 nm at 0.9 V: the energy of one operation in pJ.  The table
 * has no 16-bit integer multiply: 0.8 scales the 8-bit one by the square of
 * the width, as an array multiplier grows (and 3.1 for 32 bits agrees). */
static const struct {
	enum dtype t;
	double mul, add;
} op_pj[] = {
	{DT_INT8, 0.2, 0.03}, {DT_UINT8, 0.2, 0.03}, {DT_INT16, 0.8, 0.05},
	{DT_INT32, 3.1, 0.1}, {DT_FP16, 1.1, 0.4},   {DT_FP32, 3.7, 0.9},
};

double hw_energy_mul_pj(enum dtype t)
{
	for (size_t i = 0; i < sizeof op_pj / sizeof op_pj[0]; i++)
		if (op_pj[i].t == t)
			return op_pj[i].mul;
	return 0;
}

double hw_energy_add_pj(enum dtype t)
{
	for (size_t i = 0; i < sizeof op_pj / sizeof op_pj[0]; i++)
		if (op_pj[i].t == t)
			return op_pj[i].add;
	return 0;
}

/* The same table's SRAM: one 64-bit access of an 8 KB, a 32 KB and a 1 MB
 * array.  Between them the energy is interpolated on log-log axes, beyond
 * them extrapolated along the nearest segment; a wider word costs in
 * proportion to its bits (more bit lines swing). */
static const double sram_kib[] = {8, 32, 1024}, sram_pj64[] = {10, 20, 100};

double hw_energy_sram_pj(uint64_t capacity, uint32_t bits)
{
	double kib = (double)capacity / 1024;
	int s = kib <= sram_kib[1] ? 0 : 1;
	double slope = log(sram_pj64[s + 1] / sram_pj64[s]) / log(sram_kib[s + 1] / sram_kib[s]);
	return sram_pj64[s] * pow(kib / sram_kib[s], slope) * bits / 64.0;
}

/* DRAM: 1.3-2.6 nJ per 64-bit access in the same table; the middle,
 * 1.95 nJ, per 8 bytes. */
static const double dram_pj_per_byte = 1950.0 / 8;

/* A MAC: the multiply of its operands (the wider, a float one if either
 * is) and an add at the accumulator's type. */
static double mac_pj(const struct hw_intrinsic *in)
{
	enum dtype a = in->a.dtype, b = in->b.dtype;
	enum dtype m = dtype_float(a) != dtype_float(b) ? (dtype_float(a) ? a : b)
		       : dtype_bytes(a) >= dtype_bytes(b) ? a : b;
	return hw_energy_mul_pj(m) + hw_energy_add_pj(in->out.dtype);
}

void hw_energy_defaults(struct hw *hw)
{
	struct hw_energy *e = &hw->energy;
	for (int i = 0; i < hw->nintrinsics; i++)
		e->mac[i] = mac_pj(&hw->intrinsic[i]);
	for (int l = 0; l < hw->nlevels; l++) {
		const struct hw_level *lv = &hw->level[l];
		e->read[l] = e->write[l] = hw_energy_sram_pj(lv->capacity, lv->elem_bytes * 8);
		e->leakage[l] = 0; /* the table has no leakage: a description gives it */
	}
	e->dram_read = e->dram_write = dram_pj_per_byte;
	int acc = hw->role_level[HW_ROLE_ACCUMULATOR];
	enum dtype t = acc >= 0 ? hw->level[acc].dtype : DT_INT32;
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		e->alu[op] = op == HW_ALU_MUL ? hw_energy_mul_pj(t) : op == HW_ALU_MOV ? 0 :
			     op == HW_ALU_REQUANT ? 2 * hw_energy_add_pj(t) /* the shift and the clip's compares */ :
						     hw_energy_add_pj(t);
}

/* ---- counts to picojoules ---------------------------------------------- */

static const char *const part_names[] = {
#define X(id, name) name,
	HW_ENERGY_PARTS(X)
#undef X
};

const char *hw_energy_part_name(enum hw_energy_part p) { return part_names[p]; }

void hw_actions_add(struct hw_actions *to, const struct hw_actions *x)
{
	for (int i = 0; i < HW_MAX_INTRINSICS; i++)
		to->macs[i] += x->macs[i];
	for (int l = 0; l < HW_MAX_LEVELS; l++)
		to->reads[l] += x->reads[l], to->writes[l] += x->writes[l];
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		to->alu[op] += x->alu[op];
}

bool hw_actions_equal(const struct hw_actions *a, const struct hw_actions *b)
{
	return !memcmp(a, b, sizeof *a);
}

void hw_energy_of(const struct hw *hw, const struct hw_actions *act, uint64_t dram_read, uint64_t dram_written,
		  uint64_t cycles, struct hw_energy_report *r)
{
	const struct hw_energy *e = &hw->energy;
	memset(r, 0, sizeof *r);
	for (int i = 0; i < hw->nintrinsics; i++)
		r->part[HW_ENERGY_MAC] += (double)act->macs[i] * e->mac[i];
	for (int l = 0; l < hw->nlevels; l++) {
		double access = (double)act->reads[l] * e->read[l] + (double)act->writes[l] * e->write[l];
		double leak = (double)cycles * e->leakage[l];
		r->part[HW_ENERGY_ONCHIP] += access;
		r->part[HW_ENERGY_LEAKAGE] += leak;
		r->level[l] = access + leak;
	}
	r->part[HW_ENERGY_DRAM] = (double)dram_read * e->dram_read + (double)dram_written * e->dram_write;
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		r->part[HW_ENERGY_ALU] += (double)act->alu[op] * e->alu[op];
	for (int p = 0; p < HW_ENERGY_PART_COUNT; p++)
		r->total += r->part[p];
}
