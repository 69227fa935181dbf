/* The actions of one instruction (docs/energy.md, "Actions"): what it reads
 * and writes in each level, its MACs and ALU lane operations, read off its
 * fields.  Every device counts these for the instructions it executes, so
 * the simulator and the RTL report the same counts for the same program. */
#include "isa.h"

/* Elements of level `to` that `bytes` of another level's elements span. */
static uint64_t span(const struct hw *hw, int to, uint64_t bytes)
{
	uint64_t e = hw->level[to].elem_bytes;
	return (bytes + e - 1) / e;
}

/* A load writes its whole block, padding included, and reads only the
 * rows and columns it copies from an on-chip parent (DRAM is counted in
 * bytes by the DRAM channel).  A store is the other way round. */
static void count_transfer(const struct hw *hw, const struct isa_layout *lay, const struct isa_insn *in,
			   struct hw_actions *act)
{
	int l = (int)in->f[ISA_F_BUF], parent = hw->level[l].parent;
	uint64_t block = isa_transfer_block(lay, in);
	uint64_t copied = (uint64_t)in->f[ISA_F_XSIZE] * (uint64_t)in->f[ISA_F_YSIZE] * hw->level[l].elem_bytes;
	if (lay->kind[in->kind].cls == ISA_CLASS_LOAD) {
		act->writes[l] += block;
		if (parent >= 0)
			act->reads[parent] += span(hw, parent, copied);
	} else {
		act->reads[l] += block;
		if (parent >= 0)
			act->writes[parent] += span(hw, parent, copied);
	}
}

/* Each beat (micro-op x iteration) reads its micro-op, its operand tiles
 * and its accumulator tile (unless it starts from zero), and writes the
 * accumulator tile and its narrowed copy in the output buffer. */
static void count_gemm(const struct hw *hw, const struct isa_layout *lay, const struct isa_insn *in,
		       struct hw_actions *act)
{
	const struct hw_intrinsic *x = &hw->intrinsic[lay->kind[in->kind].intrinsic];
	uint64_t beats = isa_loop_beats(in), out = x->out.elems_per_tile;
	int o = hw->role_level[HW_ROLE_OUTPUT];
	act->macs[lay->kind[in->kind].intrinsic] += beats * x->macs;
	act->reads[hw->role_level[HW_ROLE_UOP]] += beats;
	act->reads[x->a.level] += beats * x->a.elems_per_tile;
	act->reads[x->b.level] += beats * x->b.elems_per_tile;
	if (!in->f[ISA_F_RESET])
		act->reads[x->out.level] += beats * out;
	act->writes[x->out.level] += beats * out;
	if (o != x->out.level)
		act->writes[o] += beats * out;
}

/* Each beat reads its micro-op, its destination element and (without an
 * immediate) its source element, does one lane operation per value, and
 * writes the destination and its narrowed copy. */
static void count_alu(const struct hw *hw, const struct isa_insn *in, struct hw_actions *act)
{
	int a = hw->role_level[HW_ROLE_ACCUMULATOR], o = hw->role_level[HW_ROLE_OUTPUT];
	const struct hw_level *acc = &hw->level[a];
	uint64_t beats = isa_loop_beats(in);
	act->reads[hw->role_level[HW_ROLE_UOP]] += beats;
	act->reads[a] += beats * (in->f[ISA_F_USE_IMM] ? 1 : 2);
	act->writes[a] += beats;
	if (o != a)
		act->writes[o] += beats;
	act->alu[in->f[ISA_F_ALU_OP]] += beats * (acc->elem_bytes / dtype_bytes(acc->dtype));
}

void isa_count_actions(const struct hw *hw, const struct isa_layout *lay, const struct isa_insn *in,
		       struct hw_actions *act)
{
	switch (lay->kind[in->kind].cls) {
	case ISA_CLASS_LOAD:
	case ISA_CLASS_STORE: count_transfer(hw, lay, in, act); break;
	case ISA_CLASS_GEMM: count_gemm(hw, lay, in, act); break;
	case ISA_CLASS_ALU: count_alu(hw, in, act); break;
	default: break; /* sync and finish only exchange tokens */
	}
}
