/* The .tsp program file.  Little-endian throughout:
 *
 *   0  magic "\x89TSP\r\n\x1a\n"  (catches text-mode transfers, like PNG's)
 *   8  u32 version            12 u32 header bytes (64)
 *  16  u64 total file bytes   24 u64 hardware fingerprint
 *  32  u32 hw text bytes      36 u32 instructions   40 u32 micro-ops
 *  44  u32 segments           48 u64 code address   56 u64 micro-op address
 *  64  hardware description (canonical YAML), instructions, micro-ops,
 *      segments (u32 name bytes, name, u32 kind, u64 addr, u64 size,
 *      u64 data bytes, data); version 2 to 4: u32 steps and the steps
 *      (version 4: host steps among them); version 3 and 4: u32 ports and
 *      the ports; version 4: u32 host ops and the host ops, each a u32
 *      name length and name, u64 op bytes and op, u32 operands, each a u64
 *      address and u64 bytes, then the result's u64 address and u64 bytes
 *      (docs/program.md); then u64 XXH64 of everything before it.
 *
 * The total length comes first so a cut-off file is reported as truncated
 * rather than as a checksum mismatch. */
#include "program.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/le.h"
#include "base/strbuf.h"

static const uint8_t magic[8] = {0x89, 'T', 'S', 'P', '\r', '\n', 0x1a, '\n'};
enum { HEADER_BYTES = 64 };

static void put_text(struct strbuf *o, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	sb_add_le(o, n, 4);
	sb_add(o, s, n);
}

/* A place's table as its runs (struct isa_run): (u32 length, u32 first). */
static void put_runs(struct strbuf *o, const struct isa_place *pl)
{
	sb_add_le(o, pl->addr, 8);
	sb_add_le(o, pl->n, 8);
	sb_add_le(o, pl->nrun, 8);
	for (uint64_t r = 0; r < pl->nrun; r++) {
		sb_add_le(o, pl->run[r].len, 4);
		sb_add_le(o, pl->run[r].first, 4);
	}
}

/* Version 3's inputs and outputs, after the steps. */
static void put_ports(struct strbuf *o, const struct isa_program *p)
{
	sb_add_le(o, (uint64_t)p->nport, 4);
	for (int i = 0; i < p->nport; i++) {
		const struct isa_port *pt = &p->port[i];
		put_text(o, pt->name);
		sb_add_le(o, pt->kind, 4);
		put_text(o, dtype_name(pt->dtype));
		sb_add_le(o, (uint64_t)pt->rank, 4);
		for (int d = 0; d < pt->rank; d++)
			sb_add_le(o, (uint64_t)pt->shape[d], 8);
		put_text(o, pt->layout);
		put_text(o, pt->why_not);
		sb_add_le(o, (uint64_t)pt->nplace, 4);
		for (int k = 0; k < pt->nplace; k++)
			put_runs(o, &pt->place[k]);
	}
}

static void put_steps(struct strbuf *o, const struct isa_program *p)
{
	sb_add_le(o, (uint64_t)p->nstep, 4);
	for (int i = 0; i < p->nstep; i++) {
		const struct isa_step *st = &p->step[i];
		sb_add_le(o, st->kind, 4);
		if (st->kind == ISA_STEP_RUN) {
			sb_add_le(o, st->first, 4);
			sb_add_le(o, st->count, 4);
		} else if (st->kind == ISA_STEP_HOST) {
			sb_add_le(o, st->host, 4);
		} else {
			sb_add_le(o, st->src, 8);
			sb_add_le(o, st->dst, 8);
			sb_add_le(o, st->n, 8);
			for (uint64_t k = 0; k < st->n; k++)
				sb_add_le(o, st->from[k], 4);
		}
	}
}

/* Version 4's host ops, after the ports.  The operands written are at most
 * the array's, whatever nin says (the reader refuses a count over it). */
static void put_host_ops(struct strbuf *o, const struct isa_program *p)
{
	sb_add_le(o, (uint64_t)p->nhost, 4);
	for (int i = 0; i < p->nhost; i++) {
		const struct isa_host_op *h = &p->host[i];
		put_text(o, h->name);
		sb_add_le(o, h->ir ? h->ir_len : 0, 8);
		if (h->ir)
			sb_add(o, h->ir, (size_t)h->ir_len);
		sb_add_le(o, (uint32_t)h->nin, 4);
		for (int k = 0; k < h->nin && k < ISA_HOST_MAX_IN; k++) {
			sb_add_le(o, h->in_addr[k], 8);
			sb_add_le(o, h->in_bytes[k], 8);
		}
		sb_add_le(o, h->out_addr, 8);
		sb_add_le(o, h->out_bytes, 8);
	}
}

/* The lowest version that holds the program, so older readers read what they can. */
static uint32_t version_of(const struct isa_program *p)
{
	bool host = p->nhost > 0;
	for (int i = 0; i < p->nstep; i++)
		host = host || p->step[i].kind == ISA_STEP_HOST;
	return host ? 4 : p->nport ? 3 : p->nstep ? 2 : 1;
}

uint8_t *isa_tsp_encode(const struct isa_program *p, size_t *len)
{
	const struct isa_layout *lay = &p->layout;
	struct strbuf o = {0};
	char *hw_text = hw_canonical(&p->hw);
	if (!hw_text)
		return NULL;
	size_t hw_len = strlen(hw_text);

	sb_add(&o, magic, 8);
	uint32_t version = version_of(p);
	sb_add_le(&o, version, 4);
	sb_add_le(&o, HEADER_BYTES, 4);
	sb_add_le(&o, 0, 8); /* total length, patched below */
	sb_add_le(&o, hw_fingerprint(&p->hw), 8);
	sb_add_le(&o, hw_len, 4);
	sb_add_le(&o, (uint64_t)p->ninsn, 4);
	sb_add_le(&o, (uint64_t)p->nuop, 4);
	sb_add_le(&o, (uint64_t)p->nseg, 4);
	sb_add_le(&o, p->code_addr, 8);
	sb_add_le(&o, p->uop_addr, 8);
	sb_add(&o, hw_text, hw_len);
	free(hw_text);

	uint8_t buf[ISA_MAX_INSN_BYTES];
	for (int i = 0; i < p->ninsn; i++) {
		isa_encode(lay, &p->insn[i], buf);
		sb_add(&o, buf, lay->insn_bytes);
	}
	uint8_t *ubuf = try_malloc(lay->uop_bytes);
	if (!ubuf)
		o.oom = true;
	for (int i = 0; i < p->nuop && ubuf; i++) {
		isa_encode_uop(lay, &p->uop[i], ubuf);
		sb_add(&o, ubuf, lay->uop_bytes);
	}
	free(ubuf);
	for (int i = 0; i < p->nseg; i++) {
		const struct isa_segment *s = &p->seg[i];
		put_text(&o, s->name);
		sb_add_le(&o, s->kind, 4);
		sb_add_le(&o, s->addr, 8);
		sb_add_le(&o, s->size, 8);
		sb_add_le(&o, s->data_len, 8);
		sb_add(&o, s->data, s->data_len);
	}
	if (version >= 2)
		put_steps(&o, p);
	if (version >= 3)
		put_ports(&o, p);
	if (version >= 4)
		put_host_ops(&o, p);
	if (o.oom) {
		sb_free(&o);
		return NULL;
	}
	le_set((uint8_t *)o.s + 16, o.len + 8, 8);
	sb_add_le(&o, XXH64(o.s, o.len, 0), 8);
	if (o.oom) {
		sb_free(&o);
		return NULL;
	}
	*len = o.len;
	return (uint8_t *)o.s;
}

int isa_tsp_write(const struct isa_program *p, const char *path, struct diags *err)
{
	size_t len;
	uint8_t *buf = isa_tsp_encode(p, &len);
	if (!buf)
		return diag_nomem(err, path, 0, "the program written to '%s'", path);
	FILE *f = file_open(path, "wb");
	int ok = f && file_write(buf, 1, len, f) == len;
	if (f && file_close(f))
		ok = 0;
	if (!ok)
		diag_add(err, path, 0, 0, "cannot write the program: %s", strerror(errno));
	free(buf);
	return ok ? 0 : -1;
}

/* A cursor over a buffer whose checksum has already been verified; running
 * off its end therefore means the writer was wrong or the file was forged. */
struct cursor {
	const uint8_t *b;
	size_t len, pos;
	const char *name;
	struct diags *err;
	int bad;
};

static const uint8_t *take(struct cursor *c, uint64_t n, const char *what)
{
	if (c->bad)
		return NULL;
	if (n > c->len - c->pos) {
		diag_add(c->err, c->name, 0, 0, "corrupt: %s at offset %zu needs %" PRIu64 " bytes, only %zu remain",
			 what, c->pos, n, c->len - c->pos);
		c->bad = 1;
		return NULL;
	}
	const uint8_t *p = c->b + c->pos;
	c->pos += (size_t)n;
	return p;
}

static uint64_t take_le(struct cursor *c, int n, const char *what)
{
	const uint8_t *p = take(c, (uint64_t)n, what);
	return p ? le_get(p, n) : 0;
}

static int check_envelope(const uint8_t *b, size_t len, const char *name, struct diags *err)
{
	if (len < 8 || memcmp(b, magic, 8)) {
		diag_add(err, name, 0, 0, "not a tessel program (no .tsp magic at the start of the file)");
		return -1;
	}
	if (len < HEADER_BYTES) {
		diag_add(err, name, 0, 0, "truncated: %zu bytes, shorter than the %d-byte header", len, HEADER_BYTES);
		return -1;
	}
	uint64_t version = le_get(b + 8, 4), total = le_get(b + 16, 8);
	if (version < 1 || version > ISA_TSP_VERSION || le_get(b + 12, 4) != HEADER_BYTES) {
		diag_add(err, name, 0, 0, "unsupported .tsp version %" PRIu64 "; this tessel reads versions 1 to %d", version,
			 ISA_TSP_VERSION);
		return -1;
	}
	if (len < total) {
		diag_add(err, name, 0, 0, "truncated: the header says %" PRIu64 " bytes but the file has %zu", total, len);
		return -1;
	}
	if (len > total || total < HEADER_BYTES + 8) {
		diag_add(err, name, 0, 0, "corrupt: the header says %" PRIu64 " bytes but the file has %zu", total, len);
		return -1;
	}
	uint64_t want = le_get(b + len - 8, 8), got = XXH64(b, len - 8, 0);
	if (want != got) {
		diag_add(err, name, 0, 0, "corrupt: checksum mismatch (stored %016" PRIx64 ", computed %016" PRIx64 ")",
			 want, got);
		return -1;
	}
	return 0;
}

static int read_hw(struct cursor *c, uint64_t fingerprint, struct isa_program *p)
{
	uint64_t n = le_get(c->b + 32, 4);
	const uint8_t *t = take(c, n, "the hardware description");
	if (!t)
		return -1;
	char *text = try_strndup((const char *)t, (size_t)n);
	char *where = try_asprintf("%s (embedded hardware description)", c->name);
	if (!text || !where) {
		free(text);
		free(where);
		return diag_nomem(c->err, c->name, (size_t)n + 1, "the embedded hardware description");
	}
	struct hw hw;
	int rc = hw_load_string(text, where, &hw, c->err);
	free(where);
	free(text);
	if (rc)
		return -1;
	if (hw_fingerprint(&hw) != fingerprint) {
		diag_add(c->err, c->name, 0, 0,
			 "corrupt: the embedded hardware description has fingerprint %016" PRIx64
			 ", the header says %016" PRIx64, hw_fingerprint(&hw), fingerprint);
		return -1;
	}
	return isa_program_init(p, &hw, c->err);
}

static int read_code(struct cursor *c, uint64_t ninsn, uint64_t nuop, struct isa_program *p)
{
	const struct isa_layout *lay = &p->layout;
	char why[256];
	for (uint64_t i = 0; i < ninsn; i++) {
		const uint8_t *b = take(c, lay->insn_bytes, "an instruction");
		struct isa_insn in;
		enum isa_field f;
		if (!b)
			return -1;
		if (isa_decode(lay, b, &in, why) || isa_check_insn(lay, &in, &f, why)) {
			diag_add(c->err, c->name, 0, 0, "instruction %" PRIu64 ": %s", i, why);
			return -1;
		}
		if (isa_program_add_insn(p, &in))
			return diag_nomem(c->err, c->name, ((size_t)p->ninsn + 1) * sizeof in,
					  "the instructions (at instruction %" PRIu64 ")", i);
	}
	for (uint64_t i = 0; i < nuop; i++) {
		const uint8_t *b = take(c, lay->uop_bytes, "a micro-op");
		struct isa_uop u;
		if (!b)
			return -1;
		if (isa_decode_uop(lay, b, &u, why)) {
			diag_add(c->err, c->name, 0, 0, "micro-op %" PRIu64 ": %s", i, why);
			return -1;
		}
		if (isa_program_add_uop(p, &u))
			return diag_nomem(c->err, c->name, ((size_t)p->nuop + 1) * sizeof u,
					  "the micro-ops (at micro-op %" PRIu64 ")", i);
	}
	return 0;
}

static int read_segments(struct cursor *c, uint64_t nseg, struct isa_program *p)
{
	for (uint64_t i = 0; i < nseg && !c->bad; i++) {
		uint64_t n = take_le(c, 4, "a segment name length");
		const uint8_t *name = take(c, n, "a segment name");
		uint64_t kind = take_le(c, 4, "a segment kind");
		uint64_t addr = take_le(c, 8, "a segment address"), size = take_le(c, 8, "a segment size");
		uint64_t dlen = take_le(c, 8, "a segment data length");
		const uint8_t *data = take(c, dlen, "segment data");
		if (c->bad)
			return -1;
		if (!isa_segment_name_ok((const char *)name, (size_t)n)) {
			diag_add(c->err, c->name, 0, 0,
				 "corrupt: segment %" PRIu64 " has a bad name; expected " ISA_SEGMENT_NAME_RULE, i);
			return -1;
		}
		if (kind >= ISA_SEG_KIND_COUNT || dlen > size || n == 0 || memchr(name, 0, (size_t)n)) {
			diag_add(c->err, c->name, 0, 0, "corrupt: segment %" PRIu64 " has kind %" PRIu64
				 ", %" PRIu64 " data bytes for size %" PRIu64, i, kind, dlen, size);
			return -1;
		}
		char *nm = try_strndup((const char *)name, (size_t)n);
		struct isa_segment *s = nm ? isa_program_add_segment(p, nm, (enum isa_segment_kind)kind, addr, size) : NULL;
		if (!s) {
			free(nm);
			return diag_nomem(c->err, c->name, (size_t)n + 1 + sizeof *s, "segment %" PRIu64, i);
		}
		if (!(s->data = try_malloc((size_t)dlen))) {
			diag_nomem(c->err, c->name, (size_t)dlen, "the data of segment '%s'", nm);
			free(nm);
			return -1;
		}
		free(nm);
		s->data_len = dlen;
		if (dlen)
			memcpy(s->data, data, (size_t)dlen);
	}
	return c->bad ? -1 : 0;
}

/* A gather's addresses and table; a table longer than what remains is
 * refused before anything is allocated for it. */
static int read_gather(struct cursor *c, struct isa_step *st, uint64_t i)
{
	st->src = take_le(c, 8, "a gather's source");
	st->dst = take_le(c, 8, "a gather's destination");
	st->n = take_le(c, 8, "a gather's size");
	if (!c->bad && st->n > (c->len - c->pos) / 4) {
		diag_add(c->err, c->name, 0, 0, "corrupt: the table of step %" PRIu64 " at offset %zu needs %" PRIu64
			 " entries, only %zu bytes remain", i, c->pos, st->n, c->len - c->pos);
		c->bad = 1;
	}
	const uint8_t *t = c->bad ? NULL : take(c, st->n * 4, "a gather's table");
	if (!t)
		return -1;
	if (!(st->from = try_malloc((size_t)st->n * sizeof *st->from)))
		return diag_nomem(c->err, c->name, (size_t)st->n * sizeof *st->from, "the table of step %" PRIu64, i);
	for (uint64_t k = 0; k < st->n; k++)
		st->from[k] = (uint32_t)le_get(t + 4 * k, 4);
	return 0;
}

/* Step i of a file of this version: 0, or -1 with an error. */
static int read_step(struct cursor *c, uint64_t version, uint64_t i, struct isa_step *st)
{
	uint64_t kind = take_le(c, 4, "a step kind");
	st->kind = (enum isa_step_kind)kind;
	if (c->bad)
		return -1;
	if (kind == ISA_STEP_RUN) {
		st->first = (uint32_t)take_le(c, 4, "a run's first instruction");
		st->count = (uint32_t)take_le(c, 4, "a run's instruction count");
		return c->bad ? -1 : 0;
	}
	if (kind == ISA_STEP_GATHER)
		return read_gather(c, st, i);
	if (kind == ISA_STEP_HOST && version >= 4) {
		st->host = (uint32_t)take_le(c, 4, "a host step's host op");
		return c->bad ? -1 : 0;
	}
	if (kind == ISA_STEP_HOST)
		diag_add(c->err, c->name, 0, 0, "corrupt: step %" PRIu64 " is a host step in a version %" PRIu64
			 " file; host steps came with version 4", i, version);
	else
		diag_add(c->err, c->name, 0, 0, "corrupt: step %" PRIu64 " has kind %" PRIu64, i, kind);
	c->bad = 1;
	return -1;
}

/* Version 2's steps, after the segments (version 3 and 4: possibly none). */
static int read_steps(struct cursor *c, struct isa_program *p, uint64_t version)
{
	uint64_t n = take_le(c, 4, "the number of steps");
	for (uint64_t i = 0; i < n && !c->bad; i++) {
		struct isa_step st = {0};
		if (read_step(c, version, i, &st))
			return -1;
		if (isa_program_add_step(p, &st))
			return diag_nomem(c->err, c->name, sizeof st, "step %" PRIu64, i);
	}
	if (!c->bad && !n && version == 2) {
		diag_add(c->err, c->name, 0, 0, "corrupt: a version 2 program with no steps");
		return -1;
	}
	return c->bad ? -1 : 0;
}

/* A counted string of at most max bytes, NUL-terminated (NULL: empty, when
 * empty_null), without NULs.  -1 with c->bad when it is not. */
static int take_text(struct cursor *c, uint64_t max, const char *what, bool empty_null, char **out)
{
	*out = NULL;
	uint64_t n = take_le(c, 4, what);
	if (!c->bad && n > max) {
		diag_add(c->err, c->name, 0, 0, "corrupt: %s of %" PRIu64 " bytes at offset %zu; at most %" PRIu64, what, n,
			 c->pos, max);
		c->bad = 1;
	}
	const uint8_t *t = c->bad ? NULL : take(c, n, what);
	if (!t)
		return -1;
	if (memchr(t, 0, (size_t)n)) {
		diag_add(c->err, c->name, 0, 0, "corrupt: %s at offset %zu holds a NUL byte", what, c->pos);
		c->bad = 1;
		return -1;
	}
	if (!n && empty_null)
		return 0;
	if (!(*out = try_strndup((const char *)t, (size_t)n)))
		return diag_nomem(c->err, c->name, (size_t)n + 1, "%s", what);
	return 0;
}

static int read_port_places(struct cursor *c, const struct isa_program *p, struct isa_port *pt, uint64_t i)
{
	uint64_t nplace = take_le(c, 4, "the number of a port's places");
	for (uint64_t k = 0; k < nplace && !c->bad; k++) {
		uint64_t addr = take_le(c, 8, "a place's address"), n = take_le(c, 8, "a place's size");
		uint64_t runs = take_le(c, 8, "a place's number of runs");
		/* a table is never larger than the DRAM it describes, and it is
		 * kept as the file's runs: what it takes is what the file holds */
		if (!c->bad && (n > p->hw.dram.capacity || !n || n >= ISA_GATHER_ZERO || runs > n || runs > (c->len - c->pos) / 8)) {
			diag_add(c->err, c->name, 0, 0, "corrupt: the table of port %" PRIu64 " at offset %zu has %" PRIu64
				 " entries in %" PRIu64 " runs; expected at most the DRAM's bytes, in the bytes that remain",
				 i, c->pos, n, runs);
			c->bad = 1;
		}
		const uint8_t *t = c->bad ? NULL : take(c, runs * 8, "a port's table");
		if (!t)
			return -1;
		struct isa_run *run = try_malloc((size_t)runs * sizeof *run + 1);
		if (!run)
			return diag_nomem(c->err, c->name, (size_t)runs * sizeof *run, "the table of port %" PRIu64, i);
		for (uint64_t r = 0; r < runs; r++)
			run[r] = (struct isa_run){(uint32_t)le_get(t + 8 * r, 4), (uint32_t)le_get(t + 8 * r + 4, 4)};
		int rc = isa_port_add_runs(pt, addr, n, run, runs);
		if (rc < 0)
			return diag_nomem(c->err, c->name, sizeof *pt->place, "the places of port %" PRIu64, i);
		if (rc) {
			diag_add(c->err, c->name, 0, 0, "corrupt: the runs of port %" PRIu64 " do not make its %" PRIu64
				 " entries", i, n);
			c->bad = 1;
			return -1;
		}
	}
	return c->bad ? -1 : 0;
}

/* Version 3's inputs and outputs, after the steps. */
static int read_ports(struct cursor *c, struct isa_program *p)
{
	uint64_t n = take_le(c, 4, "the number of ports");
	for (uint64_t i = 0; i < n && !c->bad; i++) {
		char *name, *dt = NULL, *layout = NULL, *why_not = NULL;
		if (take_text(c, ISA_PORT_NAME_MAX, "a port name", false, &name))
			return -1;
		uint64_t kind = take_le(c, 4, "a port kind");
		take_text(c, 16, "a port dtype", false, &dt);
		uint64_t rank = take_le(c, 4, "a port rank");
		int64_t shape[ISA_PORT_MAX_RANK] = {0};
		if (!c->bad && (rank < 1 || rank > ISA_PORT_MAX_RANK)) {
			diag_add(c->err, c->name, 0, 0, "corrupt: port %" PRIu64 " has rank %" PRIu64 "; expected 1 to %d", i,
				 rank, ISA_PORT_MAX_RANK);
			c->bad = 1;
		}
		for (uint64_t d = 0; d < rank && !c->bad; d++)
			shape[d] = (int64_t)(take_le(c, 8, "a port dimension") & INT64_MAX);
		if (!c->bad)
			take_text(c, ISA_PORT_MAX_RANK, "a port layout", false, &layout);
		if (!c->bad)
			take_text(c, 4096, "why a port cannot be used", true, &why_not);
		int t = -1;
		for (int k = 0; dt && k < DTYPE_COUNT; k++)
			if (!strcmp(dt, dtype_name((enum dtype)k)))
				t = k;
		free(dt);
		if (!c->bad && (t < 0 || kind >= ISA_PORT_KIND_COUNT)) {
			diag_add(c->err, c->name, 0, 0, "corrupt: port %" PRIu64 " has an unknown kind or dtype", i);
			c->bad = 1;
		}
		struct isa_port *pt = c->bad ? NULL
				 : isa_program_add_port(p, name, (enum isa_port_kind)kind, (enum dtype)t, (int)rank, shape, layout);
		free(name);
		free(layout);
		if (!pt) {
			free(why_not);
			return c->bad ? -1 : diag_nomem(c->err, c->name, sizeof *pt, "port %" PRIu64, i);
		}
		pt->why_not = why_not;
		if (read_port_places(c, p, pt, i))
			return -1;
	}
	return c->bad ? -1 : 0;
}

/* A name as messages may show it: "?" when it is not printable (the
 * checks after reading say so). */
static const char *shown(const char *name)
{
	for (const char *s = name; *s; s++)
		if (*s < ' ' || *s > '~')
			return "?";
	return name;
}

/* A host op's operands and result; a count over ISA_HOST_MAX_IN is
 * refused before they are read. */
static int read_host_operands(struct cursor *c, struct isa_host_op *h, uint64_t i)
{
	uint64_t nin = take_le(c, 4, "the number of a host op's operands");
	if (!c->bad && nin > ISA_HOST_MAX_IN) {
		diag_add(c->err, c->name, 0, 0, "corrupt: host op %" PRIu64 " '%s' has %" PRIu64
			 " operands at offset %zu; expected 0 to %d", i, shown(h->name), nin, c->pos, ISA_HOST_MAX_IN);
		c->bad = 1;
	}
	h->nin = (int)nin;
	for (int k = 0; k < h->nin && !c->bad; k++) {
		h->in_addr[k] = take_le(c, 8, "a host op operand's address");
		h->in_bytes[k] = take_le(c, 8, "a host op operand's size");
	}
	h->out_addr = take_le(c, 8, "a host op result's address");
	h->out_bytes = take_le(c, 8, "a host op result's size");
	return c->bad ? -1 : 0;
}

/* Host op i; its op is allocated only once it is known to be at most
 * ISA_HOST_MAX_IR bytes and in the file. */
static int read_host_op(struct cursor *c, struct isa_program *p, uint64_t i)
{
	struct isa_host_op h = {0};
	if (take_text(c, ISA_HOST_NAME_MAX - 1, "a host op name", false, &h.name))
		return -1;
	h.ir_len = take_le(c, 8, "the length of a host op's op");
	if (!c->bad && h.ir_len > ISA_HOST_MAX_IR) {
		diag_add(c->err, c->name, 0, 0, "corrupt: host op %" PRIu64 " '%s' has %" PRIu64
			 " bytes of op at offset %zu; expected 1 to %d", i, shown(h.name), h.ir_len, c->pos, ISA_HOST_MAX_IR);
		c->bad = 1;
	}
	const uint8_t *ir = c->bad ? NULL : take(c, h.ir_len, "a host op's op");
	if (!ir || read_host_operands(c, &h, i)) {
		free(h.name);
		return -1;
	}
	/* an empty op stays NULL: the checks after reading name it */
	if (h.ir_len && !(h.ir = try_malloc((size_t)h.ir_len))) {
		free(h.name);
		return diag_nomem(c->err, c->name, (size_t)h.ir_len, "the op of host op %" PRIu64, i);
	}
	if (h.ir_len)
		memcpy(h.ir, ir, (size_t)h.ir_len);
	if (isa_program_add_host_op(p, &h) < 0)
		return diag_nomem(c->err, c->name, sizeof h, "host op %" PRIu64, i);
	return 0;
}

/* Each host op takes at least this much of the file: its name's length,
 * its op's, its operand count and its result. */
enum { HOST_OP_MIN_BYTES = 4 + 8 + 4 + 16 };

/* Version 4's host ops, after the ports: at least one (a program without
 * is written in a lower version). */
static int read_host_ops(struct cursor *c, struct isa_program *p)
{
	uint64_t n = take_le(c, 4, "the number of host ops");
	if (!c->bad && (!n || n > (c->len - c->pos) / HOST_OP_MIN_BYTES)) {
		diag_add(c->err, c->name, 0, 0, "corrupt: %" PRIu64 " host ops at offset %zu; expected 1 to what the "
			 "%zu bytes that remain hold", n, c->pos, c->len - c->pos);
		c->bad = 1;
	}
	for (uint64_t i = 0; i < n && !c->bad; i++)
		if (read_host_op(c, p, i))
			return -1;
	return c->bad ? -1 : 0;
}

int isa_tsp_decode(const uint8_t *buf, size_t len, const char *name, struct isa_program *p, struct diags *err)
{
	memset(p, 0, sizeof *p);
	if (check_envelope(buf, len, name, err))
		return -1;
	struct cursor c = {buf, len - 8, HEADER_BYTES, name, err, 0};
	uint64_t ninsn = le_get(buf + 36, 4), nuop = le_get(buf + 40, 4), nseg = le_get(buf + 44, 4);
	if (read_hw(&c, le_get(buf + 24, 8), p))
		goto fail;
	p->code_addr = le_get(buf + 48, 8);
	p->uop_addr = le_get(buf + 56, 8);
	uint64_t version = le_get(buf + 8, 4);
	if (read_code(&c, ninsn, nuop, p) || read_segments(&c, nseg, p) || (version >= 2 && read_steps(&c, p, version)) ||
	    (version >= 3 && read_ports(&c, p)) || (version >= 4 && read_host_ops(&c, p)))
		goto fail;
	if (c.pos != c.len) {
		diag_add(err, name, 0, 0, "corrupt: %zu unexpected bytes after the last segment or step", c.len - c.pos);
		goto fail;
	}
	if (isa_program_check_layout(p, name, err) || isa_program_check_steps(p, name, err) ||
	    isa_program_check_ports(p, name, err))
		goto fail;
	return 0;
fail:
	isa_program_free(p);
	return -1;
}

int isa_tsp_read(const char *path, struct isa_program *p, struct diags *err)
{
	memset(p, 0, sizeof *p);
	size_t len;
	uint8_t *b = file_read_bytes(path, FILE_TSP, &len, err);
	if (!b)
		return -1;
	int rc = isa_tsp_decode(b, len, path, p, err);
	free(b);
	return rc;
}
