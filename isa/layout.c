/* Deriving the instruction layout from a hardware description, and encoding,
 * decoding and checking instructions against it. */
#include "isa.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum isa_width width;
	enum isa_value value;
	uint32_t classes;
	const char *meaning;
} fields[ISA_F_COUNT] = {
#define X(id, name, w, v, k, what) {name, w, v, k, what},
	ISA_FIELDS(X)
#undef X
};

static const struct {
	const char *mnemonic, *meaning;
	enum isa_route route;
} classes[ISA_CLASS_COUNT] = {
#define X(id, mn, route, what) {mn, what, route},
	ISA_CLASSES(X)
#undef X
};

static const struct {
	const char *name;
	enum isa_width width;
	const char *meaning;
	size_t value, slot; /* offsets in struct isa_uop and struct isa_layout */
} uop_fields[ISA_U_COUNT] = {
#define X(id, nm, w, what) {#nm, w, what, offsetof(struct isa_uop, nm), offsetof(struct isa_layout, uop_##nm)},
	ISA_UOP_FIELDS(X)
#undef X
};

static const char *const width_names[ISA_W_COUNT] = {
	[ISA_W_OPCODE] = "instruction kinds",
	[ISA_W_ONE] = "one bit",
	[ISA_W_QUEUE] = "three modules",
	[ISA_W_BUFFER] = "on-chip levels",
	[ISA_W_INDEX] = "deepest on-chip level",
	[ISA_W_ADDR] = "dram.address_bits",
	[ISA_W_ROWS] = "dma.max_rows",
	[ISA_W_COLS] = "dma.max_cols",
	[ISA_W_STRIDE] = "dma.max_stride",
	[ISA_W_PAD] = "dma.max_pad",
	[ISA_W_VALUES] = "largest scratchpad element but the micro-op buffer's, in values, - 1",
	[ISA_W_DIAG] = "most diagonal blocks of a weight element",
	[ISA_W_UOP_INDEX] = "micro-op buffer depth - 1",
	[ISA_W_UOP_END] = "micro-op buffer depth",
	[ISA_W_LOOP] = "isa.max_loop_extent",
	[ISA_W_DST] = "accumulator depth",
	[ISA_W_SRC] = "input and accumulator depth",
	[ISA_W_WGT] = "weight depth",
	[ISA_W_ALU_OP] = "ALU operations",
	[ISA_W_IMM] = "alu.imm_bits",
};

const char *isa_field_name(enum isa_field f) { return fields[f].name; }
const char *isa_field_meaning(enum isa_field f) { return fields[f].meaning; }
enum isa_value isa_field_value(enum isa_field f) { return fields[f].value; }
const char *isa_class_name(enum isa_class c) { return classes[c].mnemonic; }
const char *isa_class_meaning(enum isa_class c) { return classes[c].meaning; }
enum isa_route isa_class_route(enum isa_class c) { return classes[c].route; }
const char *isa_width_name(enum isa_width w) { return width_names[w]; }
const char *isa_uop_field_name(enum isa_uop_field u) { return uop_fields[u].name; }
const char *isa_uop_field_meaning(enum isa_uop_field u) { return uop_fields[u].meaning; }

struct isa_slot isa_uop_slot(const struct isa_layout *lay, enum isa_uop_field u)
{
	return *(const struct isa_slot *)((const char *)lay + uop_fields[u].slot);
}

uint32_t isa_uop_get(const struct isa_uop *m, enum isa_uop_field u)
{
	return *(const uint32_t *)((const char *)m + uop_fields[u].value);
}

void isa_uop_set(struct isa_uop *m, enum isa_uop_field u, uint32_t v)
{
	*(uint32_t *)((char *)m + uop_fields[u].value) = v;
}

static uint32_t index_bits(const struct hw *hw, enum hw_role role)
{
	return hw_bits_for(hw->level[hw->role_level[role]].depth - 1);
}

static uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }

static void derive_widths(const struct hw *hw, struct isa_layout *lay)
{
	uint32_t *w = lay->width;
	uint32_t deepest = 0;
	for (int i = 0; i < hw->nlevels; i++)
		deepest = max_u32(deepest, hw->level[i].depth);
	uint32_t uop_depth = hw->level[hw->role_level[HW_ROLE_UOP]].depth;

	w[ISA_W_OPCODE] = hw_bits_for((uint64_t)lay->nkinds - 1);
	w[ISA_W_ONE] = 1;
	w[ISA_W_QUEUE] = hw_bits_for(ISA_Q_COUNT - 1);
	w[ISA_W_BUFFER] = hw_bits_for((uint64_t)hw->nlevels - 1);
	w[ISA_W_INDEX] = hw_bits_for(deepest - 1);
	w[ISA_W_ADDR] = hw->dram.address_bits;
	w[ISA_W_ROWS] = hw_bits_for(hw->dma.max_rows);
	w[ISA_W_COLS] = hw_bits_for(hw->dma.max_cols);
	w[ISA_W_STRIDE] = hw_bits_for(hw->dma.max_stride);
	w[ISA_W_PAD] = hw_bits_for(hw->dma.max_pad);
	uint32_t narrow = 1;
	for (int i = 0; i < hw->nlevels; i++)
		narrow = max_u32(narrow, isa_narrow_values(hw, i));
	w[ISA_W_VALUES] = hw_bits_for(narrow - 1);
	uint32_t blocks = 0;
	for (int i = 0; i < hw->nlevels; i++)
		blocks = max_u32(blocks, isa_diagonal_blocks(hw, i));
	w[ISA_W_DIAG] = hw_bits_for(blocks);
	w[ISA_W_UOP_INDEX] = hw_bits_for(uop_depth - 1);
	w[ISA_W_UOP_END] = hw_bits_for(uop_depth);
	w[ISA_W_LOOP] = hw_bits_for(hw->isa.max_loop_extent);
	w[ISA_W_DST] = index_bits(hw, HW_ROLE_ACCUMULATOR);
	w[ISA_W_SRC] = max_u32(index_bits(hw, HW_ROLE_INPUT), index_bits(hw, HW_ROLE_ACCUMULATOR));
	w[ISA_W_WGT] = index_bits(hw, HW_ROLE_WEIGHT);
	w[ISA_W_ALU_OP] = hw_bits_for(HW_ALU_OP_COUNT - 1);
	w[ISA_W_IMM] = hw->alu.imm_bits;
}

/* The opcodes: the fixed classes first, then one per intrinsic. */
static void list_kinds(const struct hw *hw, struct isa_layout *lay)
{
	lay->nkinds = 0;
	for (int c = 0; c < ISA_CLASS_COUNT; c++) {
		int copies = c == ISA_CLASS_GEMM ? hw->nintrinsics : 1;
		for (int i = 0; i < copies; i++) {
			struct isa_kind *k = &lay->kind[lay->nkinds];
			memset(k, 0, sizeof *k);
			k->cls = (enum isa_class)c;
			k->intrinsic = c == ISA_CLASS_GEMM ? i : -1;
			k->mnemonic = c == ISA_CLASS_GEMM ? hw->intrinsic[i].name : classes[c].mnemonic;
			k->opcode = (uint32_t)lay->nkinds++;
		}
	}
}

static void pack_kind(struct isa_layout *lay, struct isa_kind *k)
{
	uint32_t at = 0;
	for (int f = 0; f < ISA_F_COUNT; f++) {
		if (!(fields[f].classes & (1u << k->cls)))
			continue;
		uint32_t w = lay->width[fields[f].width];
		k->slot[f].offset = (uint8_t)(at < 255 ? at : 255);
		k->slot[f].width = (uint8_t)w;
		at += w;
	}
	k->bits_used = at;
}

static void report_overflow(const struct isa_layout *lay, const struct isa_kind *k, struct diags *err)
{
	const struct hw *hw = lay->hw;
	char p[1024]; /* the fields and their widths: no allocation on the way to the message */
	size_t len = 0;
	p[0] = 0;
	for (int f = 0; f < ISA_F_COUNT && len < sizeof p; f++) {
		if (!k->slot[f].width)
			continue;
		len += (size_t)snprintf(p + len, sizeof p - len, "%s%s %u", len ? ", " : "", fields[f].name,
					k->slot[f].width);
	}
	diag_add(err, hw->source, hw->isa.instruction_bits_loc.line, hw->isa.instruction_bits_loc.col,
		 "instruction '%s' needs %u bits (%s) but isa.instruction_bits is %u; "
		 "raise instruction_bits or lower the limits that set the widest fields "
		 "(buffer depths, dram.address_bits, dma limits, isa.max_loop_extent, alu.imm_bits)",
		 k->mnemonic, k->bits_used, p, hw->isa.instruction_bits);
}

/* One past the micro-op's last used bit. */
static uint32_t uop_bits_used(const struct isa_layout *lay)
{
	struct isa_slot last = isa_uop_slot(lay, ISA_U_COUNT - 1);
	return last.offset + last.width;
}

static int layout_uop(struct isa_layout *lay, struct diags *err)
{
	const struct hw *hw = lay->hw;
	const struct hw_level *uop = &hw->level[hw->role_level[HW_ROLE_UOP]];
	uint32_t at = 0;
	char p[256]; /* the fields and their widths, for the message */
	size_t len = 0;
	p[0] = 0;
	for (int u = 0; u < ISA_U_COUNT; u++) {
		uint32_t w = lay->width[uop_fields[u].width];
		*(struct isa_slot *)((char *)lay + uop_fields[u].slot) = (struct isa_slot){(uint8_t)at, (uint8_t)w};
		if (len < sizeof p)
			len += (size_t)snprintf(p + len, sizeof p - len, "%s%s %u", u ? ", " : "", uop_fields[u].name, w);
		at += w;
	}
	lay->uop_bits = uop->elem_bytes * 8;
	lay->uop_bytes = uop->elem_bytes;
	int rc = 0;
	if (at > lay->uop_bits) {
		diag_add(err, hw->source, uop->loc.line, uop->loc.col,
			 "micro-ops need %u bits (%s, from the accumulator, input and "
			 "weight depths) but scratchpad '%s' has elem_bits %u; raise elem_bits or shrink the buffers",
			 at, p, uop->name, lay->uop_bits);
		rc = -1;
	}
	return rc;
}

int isa_derive(const struct hw *hw, struct isa_layout *lay, struct diags *err)
{
	memset(lay, 0, sizeof *lay);
	lay->hw = hw;
	lay->insn_bits = hw->isa.instruction_bits;
	lay->insn_bytes = hw->isa.instruction_bits / 8;
	if (lay->insn_bytes > ISA_MAX_INSN_BYTES)
		die("instruction_bits %u passed validation", hw->isa.instruction_bits);
	list_kinds(hw, lay);
	derive_widths(hw, lay);
	int bad = 0;
	for (int i = 0; i < lay->nkinds; i++) {
		pack_kind(lay, &lay->kind[i]);
		if (lay->kind[i].bits_used > lay->insn_bits) {
			report_overflow(lay, &lay->kind[i], err);
			bad = 1;
		}
	}
	if (layout_uop(lay, err))
		bad = 1;
	return bad ? -1 : 0;
}

int isa_kind_lookup(const struct isa_layout *lay, const char *mnemonic)
{
	for (int i = 0; i < lay->nkinds; i++)
		if (!strcmp(lay->kind[i].mnemonic, mnemonic))
			return i;
	return -1;
}

int isa_kind_of_class(const struct isa_layout *lay, enum isa_class c)
{
	for (int i = 0; i < lay->nkinds; i++)
		if (lay->kind[i].cls == c)
			return i;
	return -1;
}

bool isa_has_field(const struct isa_layout *lay, int kind, enum isa_field f)
{
	return lay->kind[kind].slot[f].width > 0;
}

int64_t isa_field_min(const struct isa_layout *lay, int kind, enum isa_field f)
{
	uint32_t w = lay->kind[kind].slot[f].width;
	if (fields[f].value != ISA_V_SINT || !w)
		return 0;
	return -((int64_t)1 << (w - 1));
}

int64_t isa_field_max(const struct isa_layout *lay, int kind, enum isa_field f)
{
	uint32_t w = lay->kind[kind].slot[f].width;
	if (!w)
		return 0;
	if (fields[f].value == ISA_V_SINT)
		return ((int64_t)1 << (w - 1)) - 1;
	return w >= 63 ? INT64_MAX : ((int64_t)1 << w) - 1;
}

/* Bit strings are little-endian: bit n is bit n%8 of byte n/8. */
static void put_bits(uint8_t *buf, uint32_t offset, uint32_t width, uint64_t v)
{
	for (uint32_t i = 0; i < width; i++)
		if ((v >> i) & 1)
			buf[(offset + i) / 8] |= (uint8_t)(1u << ((offset + i) % 8));
}

static uint64_t get_bits(const uint8_t *buf, uint32_t offset, uint32_t width)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < width; i++)
		v |= (uint64_t)((buf[(offset + i) / 8] >> ((offset + i) % 8)) & 1) << i;
	return v;
}

static uint64_t width_mask(uint32_t w)
{
	return w >= 64 ? UINT64_MAX : ((uint64_t)1 << w) - 1;
}

void isa_encode(const struct isa_layout *lay, const struct isa_insn *in, uint8_t *out)
{
	const struct isa_kind *k = &lay->kind[in->kind];
	memset(out, 0, lay->insn_bytes);
	for (int f = 0; f < ISA_F_COUNT; f++) {
		struct isa_slot s = k->slot[f];
		int64_t v = f == ISA_F_OPCODE ? (int64_t)k->opcode : in->f[f];
		if (s.width)
			put_bits(out, s.offset, s.width, (uint64_t)v & width_mask(s.width));
	}
}

static int64_t sign_extend(uint64_t v, uint32_t w)
{
	if (w < 64 && (v >> (w - 1)) & 1)
		v |= ~width_mask(w);
	return (int64_t)v;
}

int isa_decode(const struct isa_layout *lay, const uint8_t *in, struct isa_insn *out, char *why)
{
	memset(out, 0, sizeof *out);
	uint64_t opcode = get_bits(in, 0, lay->width[ISA_W_OPCODE]);
	if (opcode >= (uint64_t)lay->nkinds) {
		snprintf(why, 256, "illegal opcode %" PRIu64 " (this hardware has opcodes 0 to %d)",
			 opcode, lay->nkinds - 1);
		return -1;
	}
	const struct isa_kind *k = &lay->kind[opcode];
	out->kind = (int)opcode;
	for (int f = 0; f < ISA_F_COUNT; f++) {
		struct isa_slot s = k->slot[f];
		if (!s.width)
			continue;
		uint64_t v = get_bits(in, s.offset, s.width);
		out->f[f] = fields[f].value == ISA_V_SINT ? sign_extend(v, s.width) : (int64_t)v;
	}
	for (uint32_t b = k->bits_used; b < lay->insn_bits; b++)
		if (get_bits(in, b, 1)) {
			snprintf(why, 256, "'%s' has reserved bit %u set (bits %u to %u must be zero)",
				 k->mnemonic, b, k->bits_used, lay->insn_bits - 1);
			return -1;
		}
	return 0;
}

void isa_encode_uop(const struct isa_layout *lay, const struct isa_uop *u, uint8_t *out)
{
	memset(out, 0, lay->uop_bytes);
	for (int f = 0; f < ISA_U_COUNT; f++) {
		struct isa_slot s = isa_uop_slot(lay, f);
		put_bits(out, s.offset, s.width, isa_uop_get(u, f));
	}
}

int isa_decode_uop(const struct isa_layout *lay, const uint8_t *in, struct isa_uop *u, char *why)
{
	for (int f = 0; f < ISA_U_COUNT; f++) {
		struct isa_slot s = isa_uop_slot(lay, f);
		isa_uop_set(u, f, (uint32_t)get_bits(in, s.offset, s.width));
	}
	uint32_t used = uop_bits_used(lay);
	for (uint32_t b = used; b < lay->uop_bits; b++)
		if (get_bits(in, b, 1)) {
			snprintf(why, 256, "micro-op has reserved bit %u set (bits %u to %u must be zero)",
				 b, used, lay->uop_bits - 1);
			return -1;
		}
	return 0;
}

static int check_range(const struct isa_layout *lay, const struct isa_insn *in, enum isa_field *bad, char *why)
{
	const struct isa_kind *k = &lay->kind[in->kind];
	for (int f = 1; f < ISA_F_COUNT; f++) {
		int64_t v = in->f[f], lo = isa_field_min(lay, in->kind, f), hi = isa_field_max(lay, in->kind, f);
		if (!k->slot[f].width) {
			if (v) {
				*bad = f;
				snprintf(why, 256, "'%s' has no field '%s'", k->mnemonic, fields[f].name);
				return -1;
			}
			continue;
		}
		if (v < lo || v > hi) {
			*bad = f;
			snprintf(why, 256, "%s=%" PRId64 " does not fit its %u-bit field; expected %" PRId64 " to %" PRId64,
				 fields[f].name, v, k->slot[f].width, lo, hi);
			return -1;
		}
	}
	return 0;
}

/* A narrow transfer moves fewer values than its element's, of a level
 * that has them (isa_narrow_values). */
static int check_values(const struct hw *hw, const struct isa_insn *in, enum isa_field *bad, char *why)
{
	int64_t v = in->f[ISA_F_VALUES];
	uint32_t values = isa_narrow_values(hw, (int)in->f[ISA_F_BUF]);
	if (v == 0 || (uint64_t)v < values)
		return 0;
	*bad = ISA_F_VALUES;
	const struct hw_level *l = &hw->level[in->f[ISA_F_BUF]];
	if (!values)
		snprintf(why, 256, "values=%" PRId64 ": '%s' moves whole elements (%s); expected values=0", v, l->name,
			 l->role == HW_ROLE_SHARED ? "a shared level" : "the micro-op buffer");
	else
		snprintf(why, 256, "values=%" PRId64 " is not fewer than the %u values of a '%s' element; expected 0 (all) "
			 "or 1 to %u", v, values, l->name, values - 1);
	return -1;
}

/* A diagonal load puts a narrow transfer's values on one diagonal block of
 * a weight element that has them (isa_diagonal_blocks). */
static int check_diag(const struct hw *hw, const struct isa_insn *in, enum isa_field *bad, char *why)
{
	int64_t d = in->f[ISA_F_DIAG], v = in->f[ISA_F_VALUES];
	if (d == 0)
		return 0;
	int b = (int)in->f[ISA_F_BUF];
	const struct hw_level *l = &hw->level[b];
	uint32_t blocks = isa_diagonal_blocks(hw, b);
	*bad = ISA_F_DIAG;
	if (!blocks) {
		snprintf(why, 256, "diag=%" PRId64 ": '%s' has no diagonal loads (only a weight scratchpad whose element has "
			 "several rows and columns); expected diag=0", d, l->name);
		return -1;
	}
	if ((uint64_t)d > blocks) {
		snprintf(why, 256, "diag=%" PRId64 ": a '%s' element has %u diagonal block%s; expected 0 (none) or 1 to %u", d,
			 l->name, blocks, blocks == 1 ? "" : "s", blocks);
		return -1;
	}
	uint32_t room = isa_diagonal_room(hw, b, (uint32_t)d);
	if (v >= 1 && (uint64_t)v <= room)
		return 0;
	*bad = v ? ISA_F_VALUES : ISA_F_DIAG;
	snprintf(why, 256, "diag=%" PRId64 " takes values=1 to %u, the values of diagonal block %" PRId64 " of a '%s' element; "
		 "got values=%" PRId64, d, room, d, l->name, v);
	return -1;
}

static int check_transfer(const struct isa_layout *lay, const struct isa_insn *in, enum isa_field *bad, char *why)
{
	const struct hw *hw = lay->hw;
	enum isa_class cls = lay->kind[in->kind].cls;
	int64_t b = in->f[ISA_F_BUF];
	*bad = ISA_F_BUF;
	if (b >= hw->nlevels) {
		snprintf(why, 256, "buf=%" PRId64 " is not an on-chip level (there are %d)", b, hw->nlevels);
		return -1;
	}
	enum hw_role r = hw->level[b].role;
	if (cls == ISA_CLASS_LOAD && r == HW_ROLE_OUTPUT) {
		snprintf(why, 256, "buffer '%s' is the output buffer, written by compute; it cannot be loaded",
			 hw->level[b].name);
		return -1;
	}
	if (cls == ISA_CLASS_STORE && r != HW_ROLE_OUTPUT && r != HW_ROLE_SHARED) {
		snprintf(why, 256, "buffer '%s' cannot be stored; stores read the output buffer or a shared level",
			 hw->level[b].name);
		return -1;
	}
	const enum isa_field sizes[] = {ISA_F_YSIZE, ISA_F_XSIZE};
	for (int i = 0; i < 2; i++)
		if (in->f[sizes[i]] == 0) {
			*bad = sizes[i];
			snprintf(why, 256, "%s must be at least 1 (use sync for a transfer-free token exchange)",
				 fields[sizes[i]].name);
			return -1;
		}
	return check_values(hw, in, bad, why) || check_diag(hw, in, bad, why) ? -1 : 0;
}

static int check_loop(const struct isa_layout *lay, const struct isa_insn *in, enum isa_field *bad, char *why)
{
	const struct hw *hw = lay->hw;
	uint32_t depth = hw->level[hw->role_level[HW_ROLE_UOP]].depth;
	if (in->f[ISA_F_UOP_BEGIN] >= in->f[ISA_F_UOP_END] || in->f[ISA_F_UOP_END] > depth) {
		*bad = ISA_F_UOP_END;
		snprintf(why, 256, "micro-op range %" PRId64 "..%" PRId64 " is empty or past the micro-op buffer; "
			 "expected uop_begin < uop_end <= %u", in->f[ISA_F_UOP_BEGIN], in->f[ISA_F_UOP_END], depth);
		return -1;
	}
	const enum isa_field iters[] = {ISA_F_ITER_OUT, ISA_F_ITER_IN};
	for (int i = 0; i < 2; i++)
		if (in->f[iters[i]] < 1 || in->f[iters[i]] > hw->isa.max_loop_extent) {
			*bad = iters[i];
			snprintf(why, 256, "%s=%" PRId64 " is outside 1 to %u (isa.max_loop_extent)",
				 fields[iters[i]].name, in->f[iters[i]], hw->isa.max_loop_extent);
			return -1;
		}
	if (lay->kind[in->kind].cls == ISA_CLASS_ALU) {
		int64_t op = in->f[ISA_F_ALU_OP];
		*bad = ISA_F_ALU_OP;
		if (op >= HW_ALU_OP_COUNT || !(hw->alu.ops & (1u << op))) {
			snprintf(why, 256, "ALU op %s is not supported by this hardware (alu.ops)",
				 op < HW_ALU_OP_COUNT ? hw_alu_op_name((enum hw_alu_op)op) : "?");
			return -1;
		}
	}
	return 0;
}

/* The token queue a token bit of module q names; -1 when q has no such neighbour. */
static int token_of_bit(enum isa_queue q, enum isa_field bit)
{
	bool pop = bit == ISA_F_POP_PREV || bit == ISA_F_POP_NEXT;
	return pop ? isa_token_popped(q, bit) : isa_token_pushed(q, bit);
}

static int check_tokens(const struct isa_layout *lay, const struct isa_insn *in, enum isa_field *bad, char *why)
{
	enum isa_queue q = isa_queue_of(lay, in);
	if (lay->kind[in->kind].cls == ISA_CLASS_SYNC && in->f[ISA_F_QUEUE] >= ISA_Q_COUNT) {
		*bad = ISA_F_QUEUE;
		snprintf(why, 256, "queue=%" PRId64 " is not a module; expected load, compute or store", in->f[ISA_F_QUEUE]);
		return -1;
	}
	const enum isa_field bits[] = {ISA_F_POP_PREV, ISA_F_POP_NEXT, ISA_F_PUSH_PREV, ISA_F_PUSH_NEXT};
	for (int i = 0; i < 4; i++) {
		if (!in->f[bits[i]] || token_of_bit(q, bits[i]) >= 0)
			continue;
		bool prev = bits[i] == ISA_F_POP_PREV || bits[i] == ISA_F_PUSH_PREV;
		*bad = bits[i];
		snprintf(why, 256, "%s: this instruction runs on the %s module, which has no %s module", fields[bits[i]].name,
			 isa_queue_name(q), prev ? "previous" : "next");
		return -1;
	}
	return 0;
}

int isa_check_insn(const struct isa_layout *lay, const struct isa_insn *in, enum isa_field *bad, char *why)
{
	if (in->kind < 0 || in->kind >= lay->nkinds) {
		*bad = ISA_F_OPCODE;
		snprintf(why, 256, "no instruction kind %d", in->kind);
		return -1;
	}
	if (check_range(lay, in, bad, why))
		return -1;
	switch (lay->kind[in->kind].cls) {
	case ISA_CLASS_LOAD:
	case ISA_CLASS_STORE:
		if (check_transfer(lay, in, bad, why))
			return -1;
		break;
	case ISA_CLASS_ALU:
	case ISA_CLASS_GEMM:
		if (check_loop(lay, in, bad, why))
			return -1;
		break;
	default:
		break;
	}
	return check_tokens(lay, in, bad, why);
}

int isa_check_uop(const struct isa_layout *lay, const struct isa_uop *u, char *why)
{
	for (int f = 0; f < ISA_U_COUNT; f++) {
		uint32_t v = isa_uop_get(u, f), w = isa_uop_slot(lay, f).width;
		if (v > width_mask(w)) {
			snprintf(why, 256, "%s=%u does not fit its %u-bit field; expected 0 to %" PRIu64, uop_fields[f].name, v,
				 w, width_mask(w));
			return -1;
		}
	}
	return 0;
}
