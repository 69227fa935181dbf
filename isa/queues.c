/* The modules, the dependency-token queues between them and the routing of
 * instructions to modules, all read from the tables of isa.h (ISA_QUEUES,
 * ISA_TOKENS, ISA_FILLERS and the routes of ISA_CLASSES). */
#include "isa.h"

#include <stddef.h>

static const struct {
	const char *name;
	size_t depth; /* offset in struct hw_queues */
} queues[ISA_Q_COUNT] = {
#define X(id, name, depth) {name, offsetof(struct hw_queues, depth)},
	ISA_QUEUES(X)
#undef X
};

static const struct {
	const char *name;
	enum isa_queue from, to;
} tokens[ISA_T_COUNT] = {
#define X(id, name, from, to) {name, ISA_Q_##from, ISA_Q_##to},
	ISA_TOKENS(X)
#undef X
};

static const enum isa_queue fillers[HW_ROLE_COUNT] = {
#define X(role, q) [HW_ROLE_##role] = ISA_Q_##q,
	ISA_FILLERS(X)
#undef X
};
/* a role added to hwdesc without a filler would default to the load module */
enum { FILLERS_LISTED = 0
#define X(role, q) +1
	ISA_FILLERS(X)
#undef X
};
_Static_assert((int)FILLERS_LISTED == (int)HW_ROLE_COUNT, "ISA_FILLERS names the module of every hw role");

const char *isa_queue_name(enum isa_queue q) { return queues[q].name; }

uint32_t isa_queue_depth(const struct hw *hw, enum isa_queue q)
{
	return *(const uint32_t *)((const char *)&hw->queues + queues[q].depth);
}

enum isa_queue isa_filler_of(enum hw_role r) { return fillers[r]; }
const char *isa_token_name(enum isa_token t) { return tokens[t].name; }
enum isa_queue isa_token_producer(enum isa_token t) { return tokens[t].from; }
enum isa_queue isa_token_consumer(enum isa_token t) { return tokens[t].to; }

enum isa_field isa_token_push_field(enum isa_token t)
{
	return tokens[t].to > tokens[t].from ? ISA_F_PUSH_NEXT : ISA_F_PUSH_PREV;
}

enum isa_field isa_token_pop_field(enum isa_token t)
{
	return tokens[t].from < tokens[t].to ? ISA_F_POP_PREV : ISA_F_POP_NEXT;
}

int isa_token_popped(enum isa_queue q, enum isa_field pop)
{
	for (int t = 0; t < ISA_T_COUNT; t++)
		if (tokens[t].to == q && isa_token_pop_field(t) == pop)
			return t;
	return -1;
}

int isa_token_pushed(enum isa_queue q, enum isa_field push)
{
	for (int t = 0; t < ISA_T_COUNT; t++)
		if (tokens[t].from == q && isa_token_push_field(t) == push)
			return t;
	return -1;
}

int isa_token_between(enum isa_queue from, enum isa_queue to)
{
	for (int t = 0; t < ISA_T_COUNT; t++)
		if (tokens[t].from == from && tokens[t].to == to)
			return t;
	return -1;
}

enum isa_queue isa_queue_of(const struct isa_layout *lay, const struct isa_insn *in)
{
	const struct hw *hw = lay->hw;
	enum isa_route r = isa_class_route(lay->kind[in->kind].cls);
	switch (r) {
	case ISA_R_QUEUE_FIELD: /* an out-of-range queue is refused by isa_check_insn */
		return in->f[ISA_F_QUEUE] < ISA_Q_COUNT ? (enum isa_queue)in->f[ISA_F_QUEUE] : ISA_Q_COMPUTE;
	case ISA_R_BUFFER: {
		int64_t b = in->f[ISA_F_BUF];
		return b >= 0 && b < hw->nlevels ? isa_filler_of(hw->level[b].role) : ISA_Q_LOAD;
	}
	default:
		return (enum isa_queue)r;
	}
}
