/* The rules of docs/microarch.md that more than one implementation needs:
 * the dependency-token step ("Dependency tokens") and instruction durations
 * ("Instruction timing").  The simulator, the program checker and the cost
 * model call these; the RTL implements the same rules from the constants
 * the Verilog header exports (describe.c). */
#include "isa.h"

/* ---- dependency tokens ---- */

static bool sets(const struct isa_insn *in, enum isa_field bit) { return in->f[bit] != 0; }

int isa_tokens_wait(const struct hw *hw, const uint32_t tokens[ISA_T_COUNT], enum isa_queue q,
		    const struct isa_insn *in, bool *full)
{
	/* toward the previous neighbour first, then the next; popping, then pushing */
	const enum isa_field order[] = {ISA_F_POP_PREV, ISA_F_PUSH_PREV, ISA_F_POP_NEXT, ISA_F_PUSH_NEXT};
	for (int i = 0; i < 4; i++) {
		if (!sets(in, order[i]))
			continue;
		bool pop = order[i] == ISA_F_POP_PREV || order[i] == ISA_F_POP_NEXT;
		int t = pop ? isa_token_popped(q, order[i]) : isa_token_pushed(q, order[i]);
		if (t < 0) /* no such neighbour: isa_check_insn refuses it */
			continue;
		if (pop ? tokens[t] == 0 : tokens[t] >= hw->queues.token) {
			*full = !pop;
			return t;
		}
	}
	return -1;
}

void isa_tokens_step(uint32_t tokens[ISA_T_COUNT], enum isa_queue q, const struct isa_insn *in,
		     enum isa_token_event ev)
{
	for (int t = 0; t < ISA_T_COUNT; t++) {
		if (ev == ISA_TOKENS_START && isa_token_consumer(t) == q && sets(in, isa_token_pop_field(t)))
			tokens[t]--;
		if (ev == ISA_TOKENS_COMPLETE && isa_token_producer(t) == q && sets(in, isa_token_push_field(t)))
			tokens[t]++;
	}
}

/* ---- durations ---- */

uint64_t isa_loop_beats(const struct isa_insn *in)
{
	const int64_t *f = in->f;
	return (uint64_t)(f[ISA_F_UOP_END] - f[ISA_F_UOP_BEGIN]) * (uint64_t)f[ISA_F_ITER_OUT] * (uint64_t)f[ISA_F_ITER_IN];
}

uint32_t isa_alu_passes(const struct hw *hw)
{
	const struct hw_level *acc = &hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]];
	return acc->elem_bytes / dtype_bytes(acc->dtype) / hw->alu.lanes; /* lanes divides it (hwdesc) */
}

uint64_t isa_pipeline_cycles(uint64_t beats, uint64_t insns, uint32_t ii, uint32_t latency)
{
	return (beats - insns) * ii + insns * latency;
}

uint64_t isa_transfer_block(const struct isa_layout *lay, const struct isa_insn *in)
{
	const int64_t *f = in->f;
	if (lay->kind[in->kind].cls == ISA_CLASS_STORE)
		return (uint64_t)f[ISA_F_XSIZE] * (uint64_t)f[ISA_F_YSIZE];
	return (uint64_t)(f[ISA_F_XSIZE] + f[ISA_F_XPAD0] + f[ISA_F_XPAD1]) *
	       (uint64_t)(f[ISA_F_YSIZE] + f[ISA_F_YPAD0] + f[ISA_F_YPAD1]);
}

uint64_t isa_port_cycles(const struct hw_level *l, uint64_t bytes)
{
	uint64_t c = (bytes + l->bandwidth - 1) / l->bandwidth;
	return c > ISA_MIN_CYCLES ? c : ISA_MIN_CYCLES;
}

uint32_t isa_narrow_values(const struct hw *hw, int l)
{
	const struct hw_level *L = &hw->level[l];
	if (L->role == HW_ROLE_UOP || L->role == HW_ROLE_SHARED || L->elem_rank < 1)
		return 0;
	uint32_t values = 1;
	for (int d = 0; d < L->elem_rank; d++)
		values *= L->elem_shape[d];
	return values;
}

/* The short and the long side of a 2-D element. */
static void element_sides(const struct hw_level *L, uint32_t *lo, uint32_t *hi)
{
	*lo = L->elem_shape[0] < L->elem_shape[1] ? L->elem_shape[0] : L->elem_shape[1];
	*hi = L->elem_shape[0] ^ L->elem_shape[1] ^ *lo;
}

uint32_t isa_diagonal_blocks(const struct hw *hw, int l)
{
	const struct hw_level *L = &hw->level[l];
	uint32_t lo, hi;
	if (L->role != HW_ROLE_WEIGHT || !isa_narrow_values(hw, l) || L->elem_rank != 2 || L->elem_shape[0] < 2 ||
	    L->elem_shape[1] < 2)
		return 0;
	element_sides(L, &lo, &hi);
	return (hi + lo - 1) / lo;
}

uint32_t isa_diagonal_room(const struct hw *hw, int l, uint32_t d)
{
	uint32_t lo, hi;
	if (d < 1 || d > isa_diagonal_blocks(hw, l))
		return 0;
	element_sides(&hw->level[l], &lo, &hi);
	return hi - (d - 1) * lo < lo ? hi - (d - 1) * lo : lo;
}

uint64_t isa_diagonal_position(const struct hw *hw, int l, uint32_t d, uint32_t i)
{
	const struct hw_level *L = &hw->level[l];
	uint64_t R = L->elem_shape[0], C = L->elem_shape[1];
	if (R >= C)
		return ((d - 1) * C + i) * C + i;
	return i * C + (d - 1) * R + i;
}

uint64_t isa_parent_unit_bytes(const struct hw *hw, const struct isa_insn *in)
{
	const struct hw_level *l = &hw->level[in->f[ISA_F_BUF]];
	return in->f[ISA_F_VALUES] ? dtype_bytes(l->dtype) : l->elem_bytes;
}

uint64_t isa_parent_elem_bytes(const struct hw *hw, const struct isa_insn *in)
{
	uint64_t v = (uint64_t)in->f[ISA_F_VALUES];
	return (v ? v : 1) * isa_parent_unit_bytes(hw, in);
}

void isa_transfer_requests(const struct isa_layout *lay, const struct isa_insn *in, uint64_t *rows,
			   uint64_t *row_bytes)
{
	*rows = (uint64_t)in->f[ISA_F_YSIZE];
	*row_bytes = (uint64_t)in->f[ISA_F_XSIZE] * isa_parent_elem_bytes(lay->hw, in);
}

uint64_t isa_duration(const struct isa_layout *lay, const struct isa_insn *in, uint64_t start, uint64_t data)
{
	const struct hw *hw = lay->hw;
	const struct isa_kind *k = &lay->kind[in->kind];
	switch (k->cls) {
	case ISA_CLASS_LOAD:
	case ISA_CLASS_STORE: {
		const struct hw_level *l = &hw->level[in->f[ISA_F_BUF]];
		uint64_t port = start + isa_port_cycles(l, isa_transfer_block(lay, in) * l->elem_bytes);
		return (data > port ? data : port) - start; /* at least ISA_MIN_CYCLES: the port takes it */
	}
	case ISA_CLASS_GEMM: {
		const struct hw_intrinsic *x = &hw->intrinsic[k->intrinsic];
		return isa_pipeline_cycles(isa_loop_beats(in), 1, x->initiation_interval, x->latency);
	}
	case ISA_CLASS_ALU:
		return isa_pipeline_cycles(isa_loop_beats(in) * isa_alu_passes(hw), 1, hw->alu.initiation_interval,
					   hw->alu.latency);
	default:
		return ISA_MIN_CYCLES;
	}
}
