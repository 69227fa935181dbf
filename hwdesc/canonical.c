/* The canonical form of a description and its fingerprint.
 *
 * Canonical YAML is written from the struct (never from the input text) with
 * libyaml's emitter: every field explicit, in the schema's key order, sizes
 * in bytes.  Two descriptions that mean the same machine have the same
 * canonical text, so its hash identifies the machine (programs record it).
 * Loading the canonical text gives back a struct with the same canonical
 * text, which the tests check. */
#include "hw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#define XXH_STATIC_LINKING_ONLY /* XXH64_state_t on the stack */
#include <xxhash.h>
#include <yaml.h>

#include "base/alloc.h"

struct buf {
	char *s;
	size_t len, cap;
	bool failed; /* out of memory: the text is incomplete */
};

/* Out of memory, the rest is dropped (the emitter would take a failed
 * write for a bug) and hw_canonical returns NULL. */
static int write_buf(void *data, unsigned char *bytes, size_t size)
{
	struct buf *b = data;
	if (b->failed)
		return 1;
	if (b->len + size + 1 > b->cap) {
		size_t cap = 2 * (b->len + size + 1);
		if (try_resize(&b->s, cap, 1)) {
			b->failed = true;
			return 1;
		}
		b->cap = cap;
	}
	memcpy(b->s + b->len, bytes, size);
	b->len += size;
	b->s[b->len] = 0;
	return 1;
}

/* libyaml allocates as it emits.  Running out of memory is remembered in
 * the emitter (e->error) and makes the rest of the events no-ops, to be
 * reported once by canonical_to; any other failure is a wrong sequence of
 * events, a bug here. */
static void emit(yaml_emitter_t *e, yaml_event_t *ev)
{
	if (e->error == YAML_MEMORY_ERROR) {
		yaml_event_delete(ev);
		return;
	}
	if (!yaml_emitter_emit(e, ev) && e->error != YAML_MEMORY_ERROR)
		die("YAML emitter: %s", e->problem ? e->problem : "unknown error");
}

/* A scalar event copies its text: the one event that can fail to be made. */
static void scalar(yaml_emitter_t *e, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (const yaml_char_t *)s, (int)strlen(s), 1, 1, style)) {
		e->error = YAML_MEMORY_ERROR;
		return;
	}
	emit(e, &ev);
}

static void map_start(yaml_emitter_t *e, bool flow)
{
	yaml_event_t ev;
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
	emit(e, &ev);
}

static void map_end(yaml_emitter_t *e)
{
	yaml_event_t ev;
	yaml_mapping_end_event_initialize(&ev);
	emit(e, &ev);
}

static void seq_start(yaml_emitter_t *e, bool flow)
{
	yaml_event_t ev;
	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
	emit(e, &ev);
}

static void seq_end(yaml_emitter_t *e)
{
	yaml_event_t ev;
	yaml_sequence_end_event_initialize(&ev);
	emit(e, &ev);
}

/* Strings that other YAML readers would take for a null, a boolean (YAML
 * 1.1: y, n, on, off ...) or a number if written plain.  Our loader reads
 * them as text either way, but the canonical form is read by other tools
 * too, so it quotes them. */
static bool looks_special(const char *s)
{
	static const char *const words[] = {
		"", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n",
	};
	if (s[0] && strchr("0123456789+-.", s[0]))
		return true;
	for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
		size_t n = strlen(words[i]);
		if (strlen(s) == n && !strncasecmp(s, words[i], n))
			return true;
	}
	return false;
}

/* User text (names, descriptions): the emitter quotes it only when it must,
 * and we when another reader would mistake it. */
static void text(yaml_emitter_t *e, const char *s)
{
	scalar(e, s, looks_special(s) ? YAML_SINGLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE);
}

static void key(yaml_emitter_t *e, const char *k) { scalar(e, k, YAML_PLAIN_SCALAR_STYLE); }

static void key_str(yaml_emitter_t *e, const char *k, const char *v)
{
	key(e, k);
	text(e, v);
}

static void key_u64(yaml_emitter_t *e, const char *k, uint64_t v)
{
	char s[24];
	snprintf(s, sizeof s, "%" PRIu64, v);
	key(e, k);
	scalar(e, s, YAML_PLAIN_SCALAR_STYLE);
}

/* The shortest "%g" text that reads back as exactly V; whole numbers of MHz
 * (the usual case) without an exponent. */
static void shortest_double(double v, char *s, size_t size)
{
	if (v < 1e15 && v == (double)(uint64_t)v) {
		snprintf(s, size, "%.0f", v);
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(s, size, "%.*g", p, v);
		if (strtod(s, NULL) == v)
			return;
	}
}

static void emit_level(yaml_emitter_t *e, const struct hw_level *lv)
{
	map_start(e, false);
	key_str(e, "name", lv->name);
	if (lv->role != HW_ROLE_SHARED)
		key_str(e, "role", hw_role_name(lv->role));
	key_u64(e, "capacity", lv->capacity);
	if (lv->role == HW_ROLE_UOP) {
		key_u64(e, "elem_bits", (uint64_t)lv->elem_bytes * 8);
	} else {
		key(e, "elem_shape");
		seq_start(e, true);
		for (int i = 0; i < lv->elem_rank; i++) {
			char s[16];
			snprintf(s, sizeof s, "%" PRIu32, lv->elem_shape[i]);
			scalar(e, s, YAML_PLAIN_SCALAR_STYLE);
		}
		seq_end(e);
		key_str(e, "dtype", dtype_name(lv->dtype));
	}
	key_u64(e, "port_bits", lv->port_bits);
	key_u64(e, "bandwidth", lv->bandwidth);
	key_u64(e, "latency", lv->latency);
	map_end(e);
}

static void emit_memory(yaml_emitter_t *e, const struct hw *hw)
{
	const struct hw_dram *d = &hw->dram;
	key(e, "memory");
	map_start(e, false);
	key(e, "dram");
	map_start(e, false);
	key_u64(e, "capacity", d->capacity);
	key_u64(e, "port_bits", d->port_bits);
	key_u64(e, "bandwidth", d->bandwidth);
	key_u64(e, "latency", d->latency);
	key_u64(e, "burst", d->burst);
	key_u64(e, "address_bits", d->address_bits);
	map_end(e);
	int nshared = 0;
	while (nshared < hw->nlevels && hw->level[nshared].role == HW_ROLE_SHARED)
		nshared++;
	if (nshared > 0) {
		key(e, "shared");
		seq_start(e, false);
		for (int i = 0; i < nshared; i++)
			emit_level(e, &hw->level[i]);
		seq_end(e);
	}
	key(e, "scratchpads");
	seq_start(e, false);
	for (int i = nshared; i < hw->nlevels; i++)
		emit_level(e, &hw->level[i]);
	seq_end(e);
	map_end(e);
}

static void emit_operand(yaml_emitter_t *e, const struct hw *hw, const struct hw_operand *op)
{
	text(e, op->name);
	map_start(e, true);
	key_str(e, "buffer", hw->level[op->level].name);
	key_str(e, "dtype", dtype_name(op->dtype));
	map_end(e);
}

static void emit_intrinsic(yaml_emitter_t *e, const struct hw *hw, const struct hw_intrinsic *in)
{
	map_start(e, false);
	key_str(e, "name", in->name);
	key(e, "expr");
	scalar(e, in->expr, YAML_DOUBLE_QUOTED_SCALAR_STYLE); /* verbatim: it names the operands */
	key(e, "dims");
	map_start(e, true);
	/* by name: the order a file writes a mapping's keys in is not the hardware's */
	int order[HW_MAX_DIMS];
	for (int d = 0; d < in->ndims; d++) {
		int at = d;
		for (; at > 0 && strcmp(in->dim_name[order[at - 1]], in->dim_name[d]) > 0; at--)
			order[at] = order[at - 1];
		order[at] = d;
	}
	for (int i = 0; i < in->ndims; i++) {
		char size[16];
		snprintf(size, sizeof size, "%" PRIu32, in->dim_size[order[i]]);
		text(e, in->dim_name[order[i]]);
		scalar(e, size, YAML_PLAIN_SCALAR_STYLE);
	}
	map_end(e);
	key(e, "operands");
	map_start(e, false);
	emit_operand(e, hw, &in->out);
	emit_operand(e, hw, &in->a);
	emit_operand(e, hw, &in->b);
	map_end(e);
	key_u64(e, "latency", in->latency);
	key_u64(e, "initiation_interval", in->initiation_interval);
	map_end(e);
}

static void emit_alu(yaml_emitter_t *e, const struct hw_alu *alu)
{
	key(e, "alu");
	map_start(e, false);
	key_u64(e, "lanes", alu->lanes);
	key(e, "ops");
	seq_start(e, true);
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		if (alu->ops & (1u << op))
			scalar(e, hw_alu_op_name((enum hw_alu_op)op), YAML_PLAIN_SCALAR_STYLE);
	seq_end(e);
	key_u64(e, "imm_bits", alu->imm_bits);
	key_u64(e, "latency", alu->latency);
	key_u64(e, "initiation_interval", alu->initiation_interval);
	map_end(e);
}

static void key_pj(yaml_emitter_t *e, const char *k, double v)
{
	char s[32];
	shortest_double(v, s, sizeof s);
	key(e, k);
	scalar(e, s, YAML_PLAIN_SCALAR_STYLE);
}

/* Written when the description has an energy section, with every entry
 * (its defaults too); without one the defaults follow from the rest, and
 * the text says so by having none (a program's description then reports
 * "defaults" as its source did).  A MAC's entry is per operand pair, the
 * first intrinsic's with that pair (loading gives it to all). */
static void emit_energy(yaml_emitter_t *e, const struct hw *hw)
{
	const struct hw_energy *en = &hw->energy;
	key(e, "energy");
	map_start(e, false);
	key(e, "mac");
	map_start(e, false);
	for (int i = 0; i < hw->nintrinsics; i++) {
		const struct hw_intrinsic *in = &hw->intrinsic[i];
		int first = 0;
		while (in->a.dtype != hw->intrinsic[first].a.dtype || in->b.dtype != hw->intrinsic[first].b.dtype)
			first++;
		char pair[40];
		snprintf(pair, sizeof pair, "%s*%s", dtype_name(in->a.dtype), dtype_name(in->b.dtype));
		if (first == i)
			key_pj(e, pair, en->mac[i]);
	}
	map_end(e);
	key(e, "levels");
	map_start(e, false);
	for (int l = 0; l < hw->nlevels; l++) {
		key(e, hw->level[l].name);
		map_start(e, true);
		key_pj(e, "read", en->read[l]);
		key_pj(e, "write", en->write[l]);
		key_pj(e, "leakage", en->leakage[l]);
		map_end(e);
	}
	map_end(e);
	key(e, "dram");
	map_start(e, true);
	key_pj(e, "read", en->dram_read);
	key_pj(e, "write", en->dram_write);
	map_end(e);
	key(e, "alu");
	map_start(e, false);
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		if (hw->alu.ops & (1u << op))
			key_pj(e, hw_alu_op_name((enum hw_alu_op)op), en->alu[op]);
	map_end(e);
	map_end(e);
}

static void emit_hw(yaml_emitter_t *e, const struct hw *hw, bool energy)
{
	char clock[32];
	map_start(e, false);
	key_str(e, "name", hw->name);
	key_str(e, "description", hw->description);
	shortest_double(hw->clock_mhz, clock, sizeof clock);
	key(e, "clock_mhz");
	scalar(e, clock, YAML_PLAIN_SCALAR_STYLE);
	emit_memory(e, hw);
	key(e, "intrinsics");
	seq_start(e, false);
	for (int i = 0; i < hw->nintrinsics; i++)
		emit_intrinsic(e, hw, &hw->intrinsic[i]);
	seq_end(e);
	emit_alu(e, &hw->alu);
	key(e, "queues");
	map_start(e, false);
	key_u64(e, "load", hw->queues.load);
	key_u64(e, "compute", hw->queues.compute);
	key_u64(e, "store", hw->queues.store);
	key_u64(e, "token", hw->queues.token);
	map_end(e);
	key(e, "dma");
	map_start(e, false);
	key_u64(e, "max_rows", hw->dma.max_rows);
	key_u64(e, "max_cols", hw->dma.max_cols);
	key_u64(e, "max_stride", hw->dma.max_stride);
	key_u64(e, "max_pad", hw->dma.max_pad);
	map_end(e);
	key(e, "isa");
	map_start(e, false);
	key_u64(e, "instruction_bits", hw->isa.instruction_bits);
	key_u64(e, "max_loop_extent", hw->isa.max_loop_extent);
	map_end(e);
	if (energy && hw->energy.given)
		emit_energy(e, hw);
	map_end(e);
}

/* The canonical text, written through OUT: 0, or -1 when libyaml ran out of
 * memory (the text is then incomplete).  OUT never fails. */
static int canonical_to(const struct hw *hw, bool energy, yaml_write_handler_t *out, void *data)
{
	yaml_emitter_t e;
	yaml_event_t ev;
	if (!yaml_emitter_initialize(&e)) /* fails only for memory, having freed what it had */
		return -1;
	yaml_emitter_set_output(&e, out, data);
	yaml_emitter_set_unicode(&e, 1);
	yaml_emitter_set_indent(&e, 2);
	yaml_emitter_set_width(&e, -1); /* never fold a long line */
	yaml_emitter_set_break(&e, YAML_LN_BREAK);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(&e, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	emit(&e, &ev);
	emit_hw(&e, hw, energy);
	yaml_document_end_event_initialize(&ev, 1);
	emit(&e, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(&e, &ev);
	bool nomem = e.error == YAML_MEMORY_ERROR;
	if (!nomem && !yaml_emitter_flush(&e))
		die("YAML emitter: cannot flush");
	yaml_emitter_delete(&e);
	return nomem ? -1 : 0;
}

char *hw_canonical(const struct hw *hw)
{
	struct buf b = {0};
	if (canonical_to(hw, true, write_buf, &b) || b.failed) {
		free(b.s);
		return NULL;
	}
	if (!b.s) /* a stream always has a document: a bug in the events above */
		die("YAML emitter wrote nothing");
	return b.s;
}

static int write_hash(void *data, unsigned char *bytes, size_t size)
{
	XXH64_update(data, bytes, size);
	return 1;
}

/* The hash of the canonical text without its energy section, streamed: no allocation of ours, only
 * libyaml's (HW_NO_FINGERPRINT when those fail). */
uint64_t hw_fingerprint(const struct hw *hw)
{
	XXH64_state_t st;
	XXH64_reset(&st, 0);
	if (canonical_to(hw, false, write_hash, &st))
		return HW_NO_FINGERPRINT;
	return XXH64_digest(&st);
}
