/* compiler/tables: where each byte goes when an op packs an input tensor
 * into the segment it reads, or unpacks its output segment into the
 * tensor — as tables (isa_place, isa_step), which is all the program's
 * inputs and outputs (ports.c) and its gathers (gather.c) are.
 *
 * The tables come from the packing and unpacking code itself, run on
 * probes: byte b of a probe holds eight bits of b + 1, and four runs give
 * each packed byte the index of the byte it holds.  Floats made of
 * arbitrary bytes could be NaNs, which conversions do not keep: for them a
 * probe byte holds six bits, and only the bytes at one offset modulo 4 are
 * non-zero in a run, so that every probe value is a small finite number (4
 * offsets x 6 runs).  A table is then checked on random values against the
 * code: where packing does more than move bytes (widening, a padding other
 * than zero), there is no table, and the caller says so instead of being
 * wrong. */
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "base/alloc.h"

/* One way across: op i's packing of input `tensor` (nin tensor bytes into
 * nout segment bytes), or its unpacking of its output (segment to tensor). */
struct crossing {
	const struct cc_program *prog;
	int i, tensor;
	bool output;
	uint64_t nin, nout;
	bool float_values; /* the tensor's dtype: random probes stay finite */
};

static int cross(const struct crossing *c, const uint8_t *in, uint8_t *out)
{
	memset(out, 0, (size_t)c->nout);
	if (c->output) {
		cc_unpack(c->prog, c->i, in, out);
		return 0;
	}
	return lw_pack_input(c->prog, c->i, c->tensor, in, out);
}

/* The table by probes: 0, -1 out of memory, 1 not a rearrangement. */
static int probe(const struct crossing *c, uint8_t *in, uint8_t *out, uint32_t *from)
{
	uint64_t *holds = try_calloc((size_t)c->nout + 1, sizeof *holds);
	if (!holds)
		return -1;
	int bits = c->float_values ? 6 : 8, runs = c->float_values ? 6 : 4, offsets = c->float_values ? 4 : 1, rc = 0;
	uint8_t mask = (uint8_t)((1u << bits) - 1);
	for (int off = 0; off < offsets && !rc; off++)
		for (int k = 0; k < runs && !rc; k++) {
			for (uint64_t b = 0; b < c->nin; b++)
				in[b] = b % (uint64_t)offsets == (uint64_t)off ? (uint8_t)(((b + 1) >> (bits * k)) & mask) : 0;
			if ((rc = cross(c, in, out)))
				break;
			for (uint64_t q = 0; q < c->nout; q++) {
				if (out[q] > mask)
					rc = 1;
				holds[q] |= (uint64_t)out[q] << (bits * k);
			}
		}
	for (uint64_t q = 0; q < c->nout && !rc; q++) {
		if (holds[q] > c->nin)
			rc = 1;
		from[q] = holds[q] ? (uint32_t)(holds[q] - 1) : ISA_GATHER_ZERO;
	}
	free(holds);
	return rc;
}

/* Whether the table does what the packing code does on random values. */
static int check(const struct crossing *c, uint8_t *in, uint8_t *out, const uint32_t *from)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (uint64_t b = 0; b < c->nin; b++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		in[b] = (uint8_t)(c->float_values ? x & 63 : x);
	}
	if (cross(c, in, out))
		return -1;
	for (uint64_t q = 0; q < c->nout; q++)
		if (out[q] != (from[q] == ISA_GATHER_ZERO ? 0 : in[from[q]]))
			return 1;
	return 0;
}

/* The table of a crossing, or NULL: *bad set when it is not a table's work,
 * else out of memory (recorded in prog). */
static uint32_t *crossing_table(struct cc_program *prog, const struct crossing *c, bool *bad)
{
	*bad = false;
	uint8_t *in = try_malloc((size_t)c->nin + 1), *out = try_malloc((size_t)c->nout + 1);
	uint32_t *from = try_malloc(((size_t)c->nout + 1) * sizeof *from);
	int rc = in && out && from ? probe(c, in, out, from) : -1;
	if (!rc)
		rc = check(c, in, out, from);
	free(in);
	free(out);
	if (!rc)
		return from;
	free(from);
	if (rc > 0)
		*bad = true;
	else
		lw_nomem(prog, (size_t)(c->nin + c->nout * 13), "the table of a program's input or output");
	return NULL;
}

uint32_t *lw_pack_table(struct cc_program *prog, int i, int tensor, uint64_t seg_bytes, bool *bad)
{
	const struct ir_tensor *t = &prog->g->tensor[tensor];
	struct crossing c = {prog, i, tensor, false, (uint64_t)ir_tensor_elems(t) * dtype_bytes(t->dtype), seg_bytes,
			     dtype_float(t->dtype)};
	*bad = false;
	if (c.nin >= ISA_GATHER_ZERO || c.nout >= ISA_GATHER_ZERO) {
		*bad = true;
		return NULL;
	}
	return crossing_table(prog, &c, bad);
}

uint32_t *lw_unpack_table(struct cc_program *prog, int i, uint64_t seg_bytes, bool *bad)
{
	int tensor = prog->g->op[prog->op[i].op].out.tensor;
	const struct ir_tensor *t = &prog->g->tensor[tensor];
	struct crossing c = {prog, i, tensor, true, seg_bytes, (uint64_t)ir_tensor_elems(t) * dtype_bytes(t->dtype),
			     dtype_float(t->dtype)};
	*bad = false;
	if (c.nin >= ISA_GATHER_ZERO || c.nout >= ISA_GATHER_ZERO) {
		*bad = true;
		return NULL;
	}
	return crossing_table(prog, &c, bad);
}

uint32_t *lw_identity_table(struct cc_program *prog, uint64_t n)
{
	uint32_t *from = n < ISA_GATHER_ZERO ? try_malloc(((size_t)n + 1) * sizeof *from) : NULL;
	if (!from) {
		lw_nomem(prog, ((size_t)n + 1) * sizeof *from, "the table of a tensor held row major");
		return NULL;
	}
	for (uint64_t k = 0; k < n; k++)
		from[k] = (uint32_t)k;
	return from;
}
