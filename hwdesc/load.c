/* Loading a hardware description: the YAML tree checked against the schema
 * of docs/hwdesc.md into a struct hw.
 *
 * Every check reports through yt_error with the line and column of the key
 * or value it is about, and carries on: a vendor sees every independent
 * mistake in one run.  Checks that need something an earlier check rejected
 * are skipped (see the flags of struct loader), so one mistake is one error.
 * The intrinsics, which need the memory levels, are in intrinsic.c. */
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "energy.h"

/* What the simulator can hold (docs/hwdesc.md, "Limits"). */
#define HW_MAX_DRAM_BYTES ((uint64_t)16 << 30)
#define HW_MAX_ONCHIP_BYTES ((uint64_t)1 << 30)

/* ---- memory ------------------------------------------------------------ */

static const char *const dram_keys[] = {
	"capacity", "port_bits", "bandwidth", "latency", "burst", "address_bits",
};
enum { DR_CAPACITY, DR_PORT, DR_BW, DR_LATENCY, DR_BURST, DR_ADDR, DR_COUNT };

/* A port width and the bandwidth it can sustain: whole bytes, and no more
 * bytes per cycle than the port moves. */
static void port_and_bandwidth(struct loader *L, const struct ynode *port, const struct ynode *bw,
			       const char *ctx, uint32_t *port_bits, uint32_t *bandwidth, bool *ok)
{
	bool port_ok = false;
	if (port && yt_uint(&L->yt, port, "port_bits", ctx, 1, UINT32_MAX, port_bits)) {
		port_ok = *port_bits % 8 == 0;
		if (!port_ok)
			yt_error(&L->yt, port, "expected a multiple of 8 for 'port_bits' in %s (whole bytes), got '%u'",
				  ctx, *port_bits);
	}
	bool bw_ok = bw && yt_uint(&L->yt, bw, "bandwidth", ctx, 1, UINT32_MAX, bandwidth);
	if (bw_ok && port_ok && *bandwidth > *port_bits / 8) {
		yt_error(&L->yt, bw,
			  "'bandwidth' of %s is %u bytes/cycle, more than its %u-bit port moves "
			  "(%u bytes/cycle)",
			  ctx, *bandwidth, *port_bits, *port_bits / 8);
		bw_ok = false;
	}
	*ok = *ok && port_ok && bw_ok;
}

static void load_dram(struct loader *L, const struct ynode *node)
{
	const struct ynode *v[DR_COUNT], *k[DR_COUNT];
	struct hw_dram *d = &L->hw->dram;
	const char *ctx = "dram";
	if (!yt_fields(&L->yt, node, "'dram' in memory", ctx, dram_keys, DR_COUNT, NULL, v, k))
		return;
	for (int i = 0; i < DR_COUNT; i++)
		yt_require(&L->yt, node, v[i], dram_keys[i], ctx);
	bool ok = true;
	bool cap_ok = v[DR_CAPACITY] && yt_size(&L->yt, v[DR_CAPACITY], "capacity", ctx, &d->capacity);
	port_and_bandwidth(L, v[DR_PORT], v[DR_BW], ctx, &d->port_bits, &d->bandwidth, &ok);
	if (v[DR_LATENCY])
		yt_uint(&L->yt, v[DR_LATENCY], "latency", ctx, 0, UINT32_MAX, &d->latency);
	if (v[DR_BURST])
		yt_uint(&L->yt, v[DR_BURST], "burst", ctx, 1, HW_MAX_BURST, &d->burst);
	bool addr_ok = v[DR_ADDR] && yt_uint(&L->yt, v[DR_ADDR], "address_bits", ctx, 1, 64, &d->address_bits);
	/* The simulator holds all of DRAM in memory; addresses must reach all of it. */
	if (cap_ok && d->capacity > HW_MAX_DRAM_BYTES) {
		yt_error(&L->yt, v[DR_CAPACITY], "capacity of dram (%llu bytes) is more than the simulator holds; at most %llu (16 GiB)",
			  (unsigned long long)d->capacity, (unsigned long long)HW_MAX_DRAM_BYTES);
	} else if (cap_ok && addr_ok && d->address_bits < 64 && d->capacity > (uint64_t)1 << d->address_bits) {
		yt_error(&L->yt, v[DR_CAPACITY],
			  "capacity of dram (%llu bytes) is more than address_bits: %u can address; at most %llu bytes",
			  (unsigned long long)d->capacity, d->address_bits, (unsigned long long)((uint64_t)1 << d->address_bits));
	}
}

static const char *const level_keys[] = {
	"name", "role", "capacity", "elem_shape", "dtype", "elem_bits", "port_bits", "bandwidth", "latency",
};
enum { LV_NAME, LV_ROLE, LV_CAPACITY, LV_SHAPE, LV_DTYPE, LV_BITS, LV_PORT, LV_BW, LV_LATENCY, LV_COUNT };
static const char shared_expect[] = "name, capacity, elem_shape, dtype, port_bits, bandwidth, latency";

static const char *const role_words[] = {
#define X(id, name) name,
	HW_ROLES(X)
#undef X
};

/* Per level, the nodes a check across levels points at. */
struct level_nodes {
	const struct ynode *shape, *dtype, *capacity;
};

static bool elem_shape(struct loader *L, const struct ynode *n, const char *ctx, struct hw_level *lv)
{
	char b[80];
	if (n->kind != YN_SEQ || n->n < 1 || n->n > HW_MAX_RANK) {
		yt_error(&L->yt, n, "expected a sequence of 1 to %d positive integers for 'elem_shape' in %s, got %s%s",
			  HW_MAX_RANK, ctx, yt_show(n, b, sizeof b),
			  n->kind == YN_SEQ ? (n->n ? " that is too long" : " that is empty") : "");
		return false;
	}
	bool ok = true;
	lv->elem_rank = n->n;
	for (int i = 0; i < n->n; i++)
		ok &= yt_uint(&L->yt, n->kid[i], "elem_shape", ctx, 1, UINT32_MAX, &lv->elem_shape[i]);
	return ok;
}

/* Values in one element of a level (its elem_shape multiplied out). */
static uint64_t elem_count(const struct hw_level *lv)
{
	uint64_t c = 1;
	for (int i = 0; i < lv->elem_rank; i++)
		c *= lv->elem_shape[i]; /* at most 4 factors of 32 bits: checked in elem_layout */
	return c;
}

/* elem_shape/dtype, or elem_bits for the micro-op buffer, and elem_bytes. */
static bool elem_layout(struct loader *L, const struct ynode *node, const struct ynode **v,
			const struct ynode **k, const char *ctx, bool uop, struct hw_level *lv)
{
	bool ok = true;
	if (uop) {
		if (v[LV_SHAPE] || v[LV_DTYPE]) {
			int f = v[LV_SHAPE] ? LV_SHAPE : LV_DTYPE;
			yt_error(&L->yt, k[f], "%s holds micro-ops: it takes 'elem_bits', not '%s'", ctx, level_keys[f]);
			ok = false;
		}
		if (!yt_require(&L->yt, node, v[LV_BITS], "elem_bits", ctx) ||
		    !yt_uint(&L->yt, v[LV_BITS], "elem_bits", ctx, 1, UINT32_MAX, &lv->elem_bytes))
			return false;
		if (lv->elem_bytes % 8) {
			yt_error(&L->yt, v[LV_BITS], "expected a multiple of 8 for 'elem_bits' in %s (whole bytes), got '%u'",
				  ctx, lv->elem_bytes);
			return false;
		}
		lv->elem_bytes /= 8;
		return ok;
	}
	if (v[LV_BITS]) {
		yt_error(&L->yt, k[LV_BITS], "'elem_bits' is only for the uop scratchpad; %s takes 'elem_shape' and 'dtype'",
			  ctx);
		ok = false;
	}
	ok &= yt_require(&L->yt, node, v[LV_SHAPE], "elem_shape", ctx) && elem_shape(L, v[LV_SHAPE], ctx, lv);
	ok &= yt_require(&L->yt, node, v[LV_DTYPE], "dtype", ctx) && yt_dtype(&L->yt, v[LV_DTYPE], "dtype", ctx, &lv->dtype);
	if (!ok)
		return false;
	uint64_t bytes = dtype_bytes(lv->dtype);
	for (int i = 0; i < lv->elem_rank; i++) {
		if (__builtin_mul_overflow(bytes, (uint64_t)lv->elem_shape[i], &bytes) || bytes > UINT32_MAX) {
			yt_error(&L->yt, v[LV_SHAPE], "an element of %s is too large (more than 4294967295 bytes)", ctx);
			return false;
		}
	}
	lv->elem_bytes = (uint32_t)bytes;
	return true;
}

/* Name: unique, and not "dram", which means the off-chip memory. */
static bool level_name(struct loader *L, const struct ynode *n, const char *what, const char *kind, int i)
{
	struct hw_level *lv = &L->hw->level[i];
	if (!yt_name(&L->yt, n, "name", what, false, HW_NAME_MAX, lv->name))
		return false;
	if (!strcmp(lv->name, "dram")) {
		yt_error(&L->yt, n, "a %s cannot be named 'dram'; 'dram' is the off-chip memory", kind);
		return false;
	}
	for (int j = 0; j < i; j++) {
		if (!strcmp(L->hw->level[j].name, lv->name)) {
			yt_error(&L->yt, n, "duplicate level name '%s'; the first is at line %d", lv->name,
				  L->hw->level[j].loc.line);
			return false;
		}
	}
	return true;
}

/* Role: one of the scratchpad roles, each held by one scratchpad only.
 * Returns -1 when the role is not valid; a duplicate is still returned (with
 * its error) since it says which keys the level takes. */
static int level_role(struct loader *L, const struct ynode *n, const char *ctx, int i, bool *ok)
{
	int r = 0;
	if (!yt_enum(&L->yt, n, "role", "role", ctx, role_words + 1, HW_ROLE_COUNT - 1, &r)) {
		*ok = false;
		return -1;
	}
	enum hw_role role = (enum hw_role)(r + 1);
	L->hw->level[i].role = role;
	int first = L->hw->role_level[role];
	if (first >= 0) {
		yt_error(&L->yt, n, "duplicate role '%s': scratchpad '%s' already has it; each role needs exactly one scratchpad",
			  hw_role_name(role), L->hw->level[first].name);
		*ok = false;
	} else {
		L->hw->role_level[role] = i;
	}
	return (int)role;
}

static void load_level(struct loader *L, const struct ynode *node, bool shared, int nth,
		       struct level_nodes *ln)
{
	struct hw *hw = L->hw;
	int i = hw->nlevels++;
	struct hw_level *lv = &hw->level[i];
	lv->loc = (struct hw_loc){node->line, node->col};
	lv->role = HW_ROLE_SHARED;
	char name[HW_NAME_MAX], ctx[80], what[48];
	const char *kind = shared ? "shared level" : "scratchpad";
	snprintf(what, sizeof what, "%s #%d", kind, nth);
	if (yt_peek_name(node, sizeof name, name))
		snprintf(ctx, sizeof ctx, "%s '%s'", kind, name);
	else
		snprintf(ctx, sizeof ctx, "%s", what);

	const struct ynode *v[LV_COUNT], *k[LV_COUNT];
	if (!yt_fields(&L->yt, node, what, ctx, level_keys, LV_COUNT, shared ? shared_expect : NULL, v, k)) {
		L->names_known = false;
		L->roles_known &= shared;
		return;
	}
	bool ok = true;
	if (!yt_require(&L->yt, node, v[LV_NAME], "name", ctx) || !level_name(L, v[LV_NAME], what, kind, i)) {
		ok = false;
		L->names_known = false;
	}
	int role = HW_ROLE_SHARED;
	if (shared && v[LV_ROLE]) {
		yt_error(&L->yt, k[LV_ROLE], "%s has a 'role'; only scratchpads have roles (a shared level holds any operand)",
			  ctx);
		ok = false;
	} else if (!shared) {
		role = yt_require(&L->yt, node, v[LV_ROLE], "role", ctx) ? level_role(L, v[LV_ROLE], ctx, i, &ok) : -1;
		if (role < 0) {
			ok = false;
			L->roles_known = false;
		}
	}
	bool cap_ok = yt_require(&L->yt, node, v[LV_CAPACITY], "capacity", ctx) &&
		      yt_size(&L->yt, v[LV_CAPACITY], "capacity", ctx, &lv->capacity);
	if (!cap_ok)
		lv->capacity = 0; /* not counted in the on-chip total */
	ok &= cap_ok;
	/* Without a role we cannot tell elem_bits from elem_shape/dtype. */
	if (role >= 0)
		ok &= elem_layout(L, node, v, k, ctx, role == HW_ROLE_UOP, lv);
	else
		ok = false;
	ok &= yt_require(&L->yt, node, v[LV_PORT], "port_bits", ctx);
	ok &= yt_require(&L->yt, node, v[LV_BW], "bandwidth", ctx);
	port_and_bandwidth(L, v[LV_PORT], v[LV_BW], ctx, &lv->port_bits, &lv->bandwidth, &ok);
	ok &= yt_require(&L->yt, node, v[LV_LATENCY], "latency", ctx) &&
	      yt_uint(&L->yt, v[LV_LATENCY], "latency", ctx, 0, UINT32_MAX, &lv->latency);
	ln->shape = v[LV_SHAPE];
	ln->dtype = v[LV_DTYPE];
	ln->capacity = v[LV_CAPACITY];
	if (!ok || !lv->elem_bytes || !lv->capacity)
		return;
	if (lv->capacity % lv->elem_bytes) {
		yt_error(&L->yt, v[LV_CAPACITY], "capacity of %s (%llu bytes) is not a whole number of elements (%u bytes each)",
			  ctx, (unsigned long long)lv->capacity, lv->elem_bytes);
		return;
	}
	if (lv->capacity / lv->elem_bytes > UINT32_MAX) {
		yt_error(&L->yt, v[LV_CAPACITY], "capacity of %s holds %llu elements; at most 4294967295", ctx,
			  (unsigned long long)(lv->capacity / lv->elem_bytes));
		return;
	}
	lv->depth = (uint32_t)(lv->capacity / lv->elem_bytes);
	L->level_ok[i] = true;
}

static void load_level_list(struct loader *L, const struct ynode *seq, bool shared, struct level_nodes *ln)
{
	char b[80];
	if (seq->kind != YN_SEQ) {
		yt_error(&L->yt, seq, "expected a sequence for '%s' in memory, got %s", shared ? "shared" : "scratchpads",
			  yt_show(seq, b, sizeof b));
		L->names_known = false;
		L->roles_known &= shared;
		return;
	}
	for (int j = 0; j < seq->n; j++) {
		if (L->hw->nlevels == HW_MAX_LEVELS) {
			yt_error(&L->yt, seq->kid[j], "too many on-chip levels: at most %d shared levels and scratchpads in all",
				  HW_MAX_LEVELS);
			L->names_known = false;
			L->roles_known &= shared;
			return;
		}
		load_level(L, seq->kid[j], shared, j + 1, &ln[L->hw->nlevels]);
	}
}

/* The output scratchpad holds the accumulator narrowed element by element:
 * same number of values, the same kind of number, and an element for every
 * accumulator element (compute writes both at the same index). */
static void check_output(struct loader *L, const struct level_nodes *ln)
{
	int a = L->hw->role_level[HW_ROLE_ACCUMULATOR], o = L->hw->role_level[HW_ROLE_OUTPUT];
	if (a < 0 || o < 0 || !L->level_ok[a] || !L->level_ok[o])
		return;
	const struct hw_level *acc = &L->hw->level[a], *out = &L->hw->level[o];
	if (elem_count(out) != elem_count(acc)) {
		yt_error(&L->yt, ln[o].shape,
			  "an element of the output scratchpad '%s' holds %llu values but one of the accumulator '%s' holds %llu; "
			  "the output holds the narrowed accumulator, so they must match",
			  out->name, (unsigned long long)elem_count(out), acc->name,
			  (unsigned long long)elem_count(acc));
		L->level_ok[o] = false;
	} else if (dtype_float(out->dtype) != dtype_float(acc->dtype)) {
		yt_error(&L->yt, ln[o].dtype,
			  "the output scratchpad '%s' holds %s but the accumulator '%s' holds %s; "
			  "both must be integer or both floating point",
			  out->name, dtype_name(out->dtype), acc->name, dtype_name(acc->dtype));
		L->level_ok[o] = false;
	} else if (out->depth < acc->depth) {
		yt_error(&L->yt, ln[o].capacity,
			  "the output scratchpad '%s' has %u elements but the accumulator '%s' has %u; "
			  "compute writes the output at the accumulator's index, so it needs at least as many",
			  out->name, out->depth, acc->name, acc->depth);
		L->level_ok[o] = false;
	}
}

static const char *const memory_keys[] = {"dram", "shared", "scratchpads"};
enum { ME_DRAM, ME_SHARED, ME_SCRATCHPADS, ME_COUNT };

static void load_memory(struct loader *L, const struct ynode *node)
{
	const struct ynode *v[ME_COUNT], *k[ME_COUNT];
	struct level_nodes ln[HW_MAX_LEVELS] = {{0}};
	if (!yt_fields(&L->yt, node, "'memory'", "memory", memory_keys, ME_COUNT, NULL, v, k)) {
		L->names_known = L->roles_known = false;
		return;
	}
	if (yt_require(&L->yt, node, v[ME_DRAM], "dram", "memory"))
		load_dram(L, v[ME_DRAM]);
	if (v[ME_SHARED])
		load_level_list(L, v[ME_SHARED], true, ln);
	int nshared = L->hw->nlevels;
	if (yt_require(&L->yt, node, v[ME_SCRATCHPADS], "scratchpads", "memory"))
		load_level_list(L, v[ME_SCRATCHPADS], false, ln);
	else
		L->names_known = L->roles_known = false;
	/* The simulator holds every on-chip level in memory: bound their sum. */
	uint64_t onchip = 0;
	for (int i = 0; i < L->hw->nlevels; i++) {
		const struct hw_level *lv = &L->hw->level[i];
		if (!ln[i].capacity || !lv->capacity)
			continue;
		if (lv->capacity > HW_MAX_ONCHIP_BYTES - onchip) {
			yt_error(&L->yt, ln[i].capacity,
				  "capacity of %s '%s' (%llu bytes) brings the on-chip memory to more than %llu bytes (1 GiB), "
				  "the most the shared levels and scratchpads may hold together",
				  lv->role == HW_ROLE_SHARED && i < nshared ? "shared level" : "scratchpad", lv->name,
				  (unsigned long long)lv->capacity, (unsigned long long)HW_MAX_ONCHIP_BYTES);
			L->level_ok[i] = false;
			break;
		}
		onchip += lv->capacity;
	}
	/* A chain: DRAM, the shared levels outermost first, the scratchpads. */
	for (int i = 0; i < L->hw->nlevels; i++)
		L->hw->level[i].parent = i < nshared ? i - 1 : nshared - 1;
	if (L->roles_known) {
		for (int r = HW_ROLE_INPUT; r < HW_ROLE_COUNT; r++) {
			if (L->hw->role_level[r] >= 0)
				continue;
			yt_error(&L->yt, k[ME_SCRATCHPADS],
				  "no scratchpad has role '%s'; memory.scratchpads needs exactly one each of "
				  "input, weight, accumulator, output, uop",
				  hw_role_name((enum hw_role)r));
			L->roles_known = false;
		}
	}
	check_output(L, ln);
}

/* ---- alu, queues, dma, isa --------------------------------------------- */

static const char *const alu_keys[] = {"lanes", "ops", "imm_bits", "latency", "initiation_interval"};
enum { AL_LANES, AL_OPS, AL_IMM, AL_LATENCY, AL_II, AL_COUNT };

static const char *const alu_words[] = {
#define X(id, name, what) name,
	HW_ALU_OPS(X)
#undef X
};

static void load_alu_ops(struct loader *L, const struct ynode *n)
{
	char b[80];
	if (n->kind != YN_SEQ || n->n == 0) {
		yt_error(&L->yt, n, "expected a non-empty sequence of operations for 'ops' in alu, got %s%s",
			  yt_show(n, b, sizeof b), n->kind == YN_SEQ ? " that is empty" : "");
		return;
	}
	for (int i = 0; i < n->n; i++) {
		int op = 0;
		if (!yt_enum(&L->yt, n->kid[i], "ALU op", "ops", "alu", alu_words, HW_ALU_OP_COUNT, &op))
			continue;
		if (L->hw->alu.ops & (1u << op))
			yt_error(&L->yt, n->kid[i], "duplicate ALU op '%s' in 'ops' of alu", alu_words[op]);
		int a = L->hw->role_level[HW_ROLE_ACCUMULATOR];
		/* requant clips to an integer output type's range (hw_requant_bounds) */
		if (op == HW_ALU_REQUANT && a >= 0 && L->level_ok[a] && dtype_float(L->hw->level[a].dtype))
			yt_error(&L->yt, n->kid[i], "ALU op 'requant' in 'ops' of alu needs an integer accumulator; '%s' holds %s",
				 L->hw->level[a].name, dtype_name(L->hw->level[a].dtype));
		L->hw->alu.ops |= 1u << op;
	}
}

static void load_alu(struct loader *L, const struct ynode *node)
{
	const struct ynode *v[AL_COUNT], *k[AL_COUNT];
	struct hw_alu *alu = &L->hw->alu;
	if (!yt_fields(&L->yt, node, "'alu'", "alu", alu_keys, AL_COUNT, NULL, v, k))
		return;
	alu->loc = (struct hw_loc){node->line, node->col};
	for (int i = 0; i < AL_COUNT; i++)
		yt_require(&L->yt, node, v[i], alu_keys[i], "alu");
	/* The ALU walks accumulator elements lanes values at a time. */
	if (v[AL_LANES] && yt_uint(&L->yt, v[AL_LANES], "lanes", "alu", 1, UINT32_MAX, &alu->lanes)) {
		int a = L->hw->role_level[HW_ROLE_ACCUMULATOR];
		if (a >= 0 && L->level_ok[a] && elem_count(&L->hw->level[a]) % alu->lanes)
			yt_error(&L->yt, v[AL_LANES],
				  "ALU 'lanes' (%u) must divide the %llu values of an accumulator element ('%s')",
				  alu->lanes, (unsigned long long)elem_count(&L->hw->level[a]), L->hw->level[a].name);
	}
	if (v[AL_OPS])
		load_alu_ops(L, v[AL_OPS]);
	if (v[AL_IMM])
		yt_uint(&L->yt, v[AL_IMM], "imm_bits", "alu", 2, 32, &alu->imm_bits);
	if (v[AL_LATENCY])
		yt_uint(&L->yt, v[AL_LATENCY], "latency", "alu", 1, UINT32_MAX, &alu->latency);
	if (v[AL_II])
		yt_uint(&L->yt, v[AL_II], "initiation_interval", "alu", 1, UINT32_MAX, &alu->initiation_interval);
}

/* A section whose keys are all integers from min[i] to `max`. */
static void load_uints(struct loader *L, const struct ynode *node, const char *section,
		       const char *const *keys, const uint32_t *min, uint32_t max, uint32_t **out, int nkeys)
{
	const struct ynode *v[8], *k[8];
	char what[32];
	snprintf(what, sizeof what, "'%s'", section);
	if (!yt_fields(&L->yt, node, what, section, keys, nkeys, NULL, v, k))
		return;
	for (int i = 0; i < nkeys; i++)
		if (yt_require(&L->yt, node, v[i], keys[i], section))
			yt_uint(&L->yt, v[i], keys[i], section, min[i], max, out[i]);
}

static void load_queues(struct loader *L, const struct ynode *node)
{
	static const char *const keys[] = {"load", "compute", "store", "token"};
	static const uint32_t min[] = {1, 1, 1, 1};
	struct hw_queues *q = &L->hw->queues;
	uint32_t *out[] = {&q->load, &q->compute, &q->store, &q->token};
	load_uints(L, node, "queues", keys, min, HW_MAX_QUEUE, out, 4);
}

static void load_dma(struct loader *L, const struct ynode *node)
{
	static const char *const keys[] = {"max_rows", "max_cols", "max_stride", "max_pad"};
	static const uint32_t min[] = {1, 1, 1, 0};
	struct hw_dma *d = &L->hw->dma;
	uint32_t *out[] = {&d->max_rows, &d->max_cols, &d->max_stride, &d->max_pad};
	d->loc = (struct hw_loc){node->line, node->col};
	load_uints(L, node, "dma", keys, min, UINT32_MAX, out, 4);
}

static void load_isa(struct loader *L, const struct ynode *node)
{
	static const char *const keys[] = {"instruction_bits", "max_loop_extent"};
	const struct ynode *v[2], *k[2];
	struct hw_isa *isa = &L->hw->isa;
	if (!yt_fields(&L->yt, node, "'isa'", "isa", keys, 2, NULL, v, k))
		return;
	if (yt_require(&L->yt, node, v[0], keys[0], "isa")) {
		const struct ynode *n = v[0];
		isa->instruction_bits_loc = (struct hw_loc){n->line, n->col};
		uint64_t bits;
		char b[80];
		if (!(n->kind == YN_SCALAR && n->plain && !yt_parse_u64(n->str, n->len, &bits) &&
		      (bits == 64 || bits == 128 || bits == 256)))
			yt_error(&L->yt, n, "expected 64, 128 or 256 for 'instruction_bits' in isa, got %s",
				  yt_show(n, b, sizeof b));
		else
			isa->instruction_bits = (uint32_t)bits;
	}
	if (yt_require(&L->yt, node, v[1], keys[1], "isa"))
		yt_uint(&L->yt, v[1], keys[1], "isa", 1, UINT32_MAX, &isa->max_loop_extent);
}

/* ---- the top level ----------------------------------------------------- */

static const char *const top_keys[] = {
	"name", "description", "clock_mhz", "memory", "intrinsics", "alu", "queues", "dma", "isa", "energy",
};
enum { TOP_NAME, TOP_DESC, TOP_CLOCK, TOP_MEMORY, TOP_INTRINSICS, TOP_ALU, TOP_QUEUES, TOP_DMA, TOP_ISA, TOP_ENERGY, TOP_COUNT };

static const struct yt_doc hw_doc = {"hardware description", "name, clock_mhz, memory, intrinsics, alu, queues, dma, isa"};

static void load_description(struct loader *L, const struct ynode *n)
{
	char b[80];
	struct hw *hw = L->hw;
	if (n->kind != YN_SCALAR) {
		yt_error(&L->yt, n, "expected a text for 'description', got %s", yt_show(n, b, sizeof b));
	} else if (n->len >= sizeof hw->description) {
		yt_error(&L->yt, n, "expected a text of at most %zu bytes for 'description', got %zu bytes",
			  sizeof hw->description - 1, n->len);
	} else if (memchr(n->str, 0, n->len)) {
		yt_error(&L->yt, n, "expected a text for 'description', got one with a NUL character");
	} else {
		memcpy(hw->description, n->str, n->len + 1);
	}
}

static void load_root(struct loader *L, const struct ynode *root)
{
	const struct ynode *v[TOP_COUNT], *k[TOP_COUNT];
	char b[80];
	if (root->kind != YN_MAP) {
		yt_error(&L->yt, root,
			  "expected a mapping at the top level (name, clock_mhz, memory, intrinsics, alu, queues, dma, isa), got %s",
			  yt_show(root, b, sizeof b));
		return;
	}
	yt_fields(&L->yt, root, "the top level", NULL, top_keys, TOP_COUNT, NULL, v, k);
	for (int i = 0; i < TOP_COUNT; i++)
		if (i != TOP_DESC && i != TOP_ENERGY)
			yt_require(&L->yt, root, v[i], top_keys[i], NULL);
	if (v[TOP_NAME])
		yt_name(&L->yt, v[TOP_NAME], "name", NULL, false, sizeof L->hw->name, L->hw->name);
	if (v[TOP_DESC])
		load_description(L, v[TOP_DESC]);
	/* up to 1 THz, so that every figure derived from it (GMAC/s, seconds) is finite */
	if (v[TOP_CLOCK] && (!yt_positive_number(v[TOP_CLOCK], &L->hw->clock_mhz) || L->hw->clock_mhz > HW_MAX_CLOCK_MHZ))
		yt_error(&L->yt, v[TOP_CLOCK],
			  "expected a positive number of MHz up to %.0f for 'clock_mhz' (like 100 or 312.5), got %s",
			  HW_MAX_CLOCK_MHZ, yt_show(v[TOP_CLOCK], b, sizeof b));
	if (v[TOP_MEMORY])
		load_memory(L, v[TOP_MEMORY]);
	else
		L->names_known = L->roles_known = false;
	if (v[TOP_INTRINSICS])
		hwl_load_intrinsics(L, v[TOP_INTRINSICS]);
	if (v[TOP_ALU])
		load_alu(L, v[TOP_ALU]);
	if (v[TOP_QUEUES])
		load_queues(L, v[TOP_QUEUES]);
	if (v[TOP_DMA])
		load_dma(L, v[TOP_DMA]);
	if (v[TOP_ISA])
		load_isa(L, v[TOP_ISA]);
	hw_energy_defaults(L->hw);
	if (v[TOP_ENERGY])
		hwl_load_energy(L, v[TOP_ENERGY]);
}

/* ---- entry points ------------------------------------------------------ */

/* The file name kept for later errors; a path longer than the field keeps
 * its end, marked with "...", since the end names the file. */
static void set_source(struct hw *hw, const char *name)
{
	size_t n = strlen(name), room = sizeof hw->source - 1;
	if (n <= room)
		memcpy(hw->source, name, n + 1);
	else
		snprintf(hw->source, sizeof hw->source, "...%s", name + n - (room - 3));
}

static int load_text(const char *text, size_t len, const char *name, struct hw *hw, struct diags *err)
{
	const char *saved = err->source;
	int n0 = err->n;
	err->source = text;
	/* Loaded aside, so that a failed load never leaves a half-filled hw. */
	struct hw *h = try_calloc(1, sizeof *h);
	if (!h) {
		err->source = saved;
		memset(hw, 0, sizeof *hw);
		return diag_nomem(err, name, sizeof *h, "the hardware description '%s'", name);
	}
	for (int r = 0; r < HW_ROLE_COUNT; r++)
		h->role_level[r] = -1;
	set_source(h, name);
	struct ynode *root = yt_parse(text, len, name, &hw_doc, err);
	if (root) {
		struct loader L = {.yt = {.err = err, .file = name}, .hw = h, .names_known = true, .roles_known = true};
		load_root(&L, root);
		yt_free(root);
	}
	err->source = saved;
	int rc = err->n == n0 ? 0 : -1;
	if (rc == 0)
		*hw = *h;
	else
		memset(hw, 0, sizeof *hw);
	free(h);
	return rc;
}

int hw_load_string(const char *text, const char *name, struct hw *hw, struct diags *err)
{
	return load_text(text, strlen(text), name ? name : "<string>", hw, err);
}

int hw_load_file(const char *path, struct hw *hw, struct diags *err)
{
	char *text = file_read_text(path, FILE_HWDESC, err);
	if (!text) {
		memset(hw, 0, sizeof *hw);
		return -1;
	}
	int rc = load_text(text, strlen(text), path, hw, err);
	free(text);
	return rc;
}

/* The built-in text is checked by the tests (it is examples/hw/vta-default.yaml),
 * so a failure here is memory running out. */
int hw_load_default(struct hw *hw, struct diags *err)
{
	return hw_load_string(hw_default_yaml, hw_default_name, hw, err);
}
