/* Listings of the derived layout, all generated from the tables of isa.h:
 * the text of `tessel isa`, the tables of docs/isa.md and the Verilog header
 * the RTL includes (with, beyond the layout, the modules, token queues,
 * routing and timing constants, so that the RTL writes none of them). */
#include "isa.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

static void bit_range(char *buf, size_t n, struct isa_slot s)
{
	if (s.width == 1)
		snprintf(buf, n, "%u", s.offset);
	else
		snprintf(buf, n, "%u-%u", s.offset, s.offset + s.width - 1);
}

void isa_describe_text(const struct isa_layout *lay, struct strbuf *out)
{
	sb_printf(out, "instructions: %u bits, %d kinds; micro-ops: %u bits\n", lay->insn_bits, lay->nkinds,
		  lay->uop_bits);
	for (int i = 0; i < lay->nkinds; i++) {
		const struct isa_kind *k = &lay->kind[i];
		sb_printf(out, "\n%s  opcode %u, %u of %u bits used\n", k->mnemonic, k->opcode, k->bits_used,
			  lay->insn_bits);
		for (int f = 0; f < ISA_F_COUNT; f++) {
			if (!k->slot[f].width)
				continue;
			char r[16];
			bit_range(r, sizeof r, k->slot[f]);
			sb_printf(out, "  %-8s %-10s %2u  %s\n", r, isa_field_name(f), k->slot[f].width,
				  isa_field_meaning(f));
		}
	}
	sb_printf(out, "\nmicro-op  %u bits\n", lay->uop_bits);
	for (int u = 0; u < ISA_U_COUNT; u++) {
		char r[16];
		struct isa_slot s = isa_uop_slot(lay, u);
		bit_range(r, sizeof r, s);
		sb_printf(out, "  %-8s %-10s %2u  %s\n", r, isa_uop_field_name(u), s.width, isa_uop_field_meaning(u));
	}
}

void isa_describe_markdown(const struct isa_layout *lay, struct strbuf *out)
{
	const struct hw *hw = lay->hw;
	sb_printf(out, "Instructions are %u bits; this hardware ('%s') has %d instruction kinds and %u-bit micro-ops.\n\n",
		  lay->insn_bits, hw->name, lay->nkinds, lay->uop_bits);
	sb_puts(out, "| field width derived from | bits |\n| --- | --- |\n");
	for (int w = 0; w < ISA_W_COUNT; w++)
		sb_printf(out, "| %s | %u |\n", isa_width_name(w), lay->width[w]);
	for (int i = 0; i < lay->nkinds; i++) {
		const struct isa_kind *k = &lay->kind[i];
		sb_printf(out, "\n#### `%s` (opcode %u, %u of %u bits)\n\n%s.\n\n", k->mnemonic, k->opcode,
			  k->bits_used, lay->insn_bits, isa_class_meaning(k->cls));
		sb_puts(out, "| bits | field | width | meaning |\n| --- | --- | --- | --- |\n");
		for (int f = 0; f < ISA_F_COUNT; f++) {
			if (!k->slot[f].width)
				continue;
			char r[16];
			bit_range(r, sizeof r, k->slot[f]);
			sb_printf(out, "| %s | `%s` | %u | %s |\n", r, isa_field_name(f), k->slot[f].width,
				  isa_field_meaning(f));
		}
	}
	sb_printf(out, "\n#### micro-op (%u bits)\n\n| bits | field | width | meaning |\n| --- | --- | --- | --- |\n",
		  lay->uop_bits);
	for (int u = 0; u < ISA_U_COUNT; u++) {
		char r[16];
		struct isa_slot s = isa_uop_slot(lay, u);
		bit_range(r, sizeof r, s);
		sb_printf(out, "| %s | `%s` | %u | %s |\n", r, isa_uop_field_name(u), s.width, isa_uop_field_meaning(u));
	}
}

static void upper(char *dst, const char *src, size_t n)
{
	size_t i = 0;
	for (; src[i] && i + 1 < n; i++)
		dst[i] = isalnum((unsigned char)src[i]) ? (char)toupper((unsigned char)src[i]) : '_';
	dst[i] = 0;
}

/* The slots of one kind as `TSL_<PREFIX>_<FIELD>_LSB` / `_W`. */
static void verilog_slots(const struct isa_kind *k, const char *prefix, struct strbuf *out)
{
	for (int f = 1; f < ISA_F_COUNT; f++) {
		struct isa_slot s = k->slot[f];
		if (!s.width)
			continue;
		char fn[32];
		upper(fn, isa_field_name(f), sizeof fn);
		sb_printf(out, "`define TSL_%s_%s_LSB %u\n`define TSL_%s_%s_W %u\n", prefix, fn, s.offset, prefix, fn, s.width);
	}
}

static uint32_t dtype_bits(enum dtype t) { return dtype_bytes(t) * 8; }

/* A packed vector literal of n entries of w bits, entry i at bits i*w (so
 * written last entry first), for a localparam the RTL indexes. */
static void verilog_vector(struct strbuf *out, const char *name, int n, uint32_t w, const uint32_t *v)
{
	sb_printf(out, "`define TSL_%s {", name);
	for (int i = n - 1; i >= 0; i--)
		sb_printf(out, "%u'd%u%s", w, v[i], i ? ", " : "}\n");
}

/* Per intrinsic i (entry i), its timing, and per dimension d (entry
 * i * HW_MAX_DIMS + d) its size, whether it is reduced and its step in
 * each operand's tile, as the simulator plans it (absent dimensions: size 1,
 * steps 0). */
static void verilog_intrinsics(const struct hw *hw, struct strbuf *out)
{
	uint32_t v[6][HW_MAX_INTRINSICS * HW_MAX_DIMS] = {{0}};
	uint32_t lat[HW_MAX_INTRINSICS], ii[HW_MAX_INTRINSICS];
	int n = hw->nintrinsics;
	for (int i = 0; i < n; i++) {
		const struct hw_intrinsic *in = &hw->intrinsic[i];
		const struct hw_operand *ops[3] = {&in->out, &in->a, &in->b};
		lat[i] = in->latency, ii[i] = in->initiation_interval;
		for (int d = 0; d < HW_MAX_DIMS; d++) {
			v[0][i * HW_MAX_DIMS + d] = d < in->ndims ? in->dim_size[d] : 1;
			v[1][i * HW_MAX_DIMS + d] = d < in->ndims && in->dim_reduction[d];
		}
		for (int o = 0; o < 3; o++) {
			uint32_t st = 1;
			for (int r = ops[o]->rank - 1; r >= 0; r--) {
				v[2 + o][i * HW_MAX_DIMS + ops[o]->dim[r]] = st;
				st *= in->dim_size[ops[o]->dim[r]];
			}
		}
	}
	verilog_vector(out, "GEMM_LATENCIES", n, 32, lat);
	verilog_vector(out, "GEMM_IIS", n, 32, ii);
	const char *const names[5] = {"GEMM_SIZES", "GEMM_REDS", "GEMM_STEPS_OUT", "GEMM_STEPS_A", "GEMM_STEPS_B"};
	for (int t = 0; t < 5; t++)
		verilog_vector(out, names[t], n * HW_MAX_DIMS, 32, v[t]);
}

/* Elements a transfer into level l moves per cycle: enough to keep up with
 * its port (bandwidth / element bytes, rounded up). */
static uint32_t level_lanes(const struct hw_level *l)
{
	uint32_t n = (l->bandwidth + l->elem_bytes - 1) / l->elem_bytes;
	return n ? n : 1;
}

uint32_t isa_dram_elem_bits(const struct hw *hw)
{
	uint32_t m = 8;
	for (int l = 0; l < hw->nlevels; l++)
		if (hw->level[l].parent < 0 && hw->level[l].elem_bytes * 8 > m)
			m = hw->level[l].elem_bytes * 8;
	return m;
}

/* Elements per cycle a DMA moves between DRAM and a level. */
static uint32_t dram_lanes(const struct hw *hw)
{
	uint32_t m = 1;
	for (int l = 0; l < hw->nlevels; l++)
		if (hw->level[l].parent < 0 && level_lanes(&hw->level[l]) > m)
			m = level_lanes(&hw->level[l]);
	return m;
}

/* A scratchpad role's level: its index, depth, element bytes, port
 * bandwidth and lanes, and what places a diagonal load's values: the rows
 * and columns of its element (a 2-D element's shape; any other is one row)
 * and the diagonal blocks a diagonal load can fill (isa_diagonal_blocks;
 * 0: none). */
static void verilog_level(const char *role, int index, const struct hw_level *l, uint32_t blocks, struct strbuf *out)
{
	char n[16];
	upper(n, role, sizeof n);
	uint32_t rows = l->elem_rank == 2 ? l->elem_shape[0] : 1;
	uint32_t cols = l->elem_rank == 2 ? l->elem_shape[1] : l->elem_rank == 1 ? l->elem_shape[0] : 1;
	sb_printf(out, "`define TSL_%s_LEVEL %d\n`define TSL_%s_DEPTH %u\n`define TSL_%s_ELEM_BYTES %u\n"
		       "`define TSL_%s_BANDWIDTH %u\n`define TSL_%s_LANES %u\n",
		  n, index, n, l->depth, n, l->elem_bytes, n, l->bandwidth, n, level_lanes(l));
	sb_printf(out, "`define TSL_%s_ROWS %u\n`define TSL_%s_COLS %u\n`define TSL_%s_DIAG_BLOCKS %u\n", n, rows, n, cols,
		  n, blocks);
}

/* Per value of a transfer's buf field, its level's element bytes, port
 * bandwidth, DMA lanes and bytes per value (a narrow transfer's `values`
 * count in these; 1 past the last level), for the RTL to index. */
static void verilog_level_tables(const struct isa_layout *lay, struct strbuf *out)
{
	const struct hw *hw = lay->hw;
	uint32_t nbuf = 1u << lay->width[ISA_W_BUFFER], v[4][1u << 8];
	for (uint32_t b = 0; b < nbuf && b < 256; b++) {
		const struct hw_level *l = b < (uint32_t)hw->nlevels ? &hw->level[b] : NULL;
		v[0][b] = l ? l->elem_bytes : 1;
		v[1][b] = l ? l->bandwidth : 1;
		v[2][b] = l ? level_lanes(l) : 1;
		v[3][b] = l && l->role != HW_ROLE_UOP ? dtype_bytes(l->dtype) : 1;
	}
	verilog_vector(out, "LEVEL_ELEM_BYTES", (int)nbuf, 32, v[0]);
	verilog_vector(out, "LEVEL_BANDWIDTH", (int)nbuf, 32, v[1]);
	verilog_vector(out, "LEVEL_LANES", (int)nbuf, 32, v[2]);
	verilog_vector(out, "LEVEL_VALUE_BYTES", (int)nbuf, 32, v[3]);
}

/* What the RTL needs beyond the field layout: per scratchpad role its level,
 * depth, element size and shape, port bandwidth, elements per cycle and
 * diagonal blocks, and the same of the shared level above them; queue
 * depths; the fetch chunk; the intrinsics' opcodes, shared field layout
 * and operand types, and each one's einsum flattened and timing
 * (verilog_intrinsics); the ALU. */
static void verilog_rtl_params(const struct isa_layout *lay, struct strbuf *out)
{
	const struct hw *hw = lay->hw;
	uint32_t chunk = hw->dram.burst / lay->insn_bytes ? hw->dram.burst / lay->insn_bytes : 1, maxw = lay->insn_bits * chunk;
	sb_printf(out, "\n// RTL parameters\n`define TSL_NKINDS %d\n`define TSL_INSN_BYTES %u\n`define TSL_FETCH_CHUNK %u\n",
		  lay->nkinds, lay->insn_bytes, chunk);
	sb_printf(out, "`define TSL_QUEUE_LOAD %u\n`define TSL_QUEUE_COMPUTE %u\n`define TSL_QUEUE_STORE %u\n"
		       "`define TSL_QUEUE_TOKEN %u\n`define TSL_NLEVELS %d\n",
		  hw->queues.load, hw->queues.compute, hw->queues.store, hw->queues.token, hw->nlevels);
	uint32_t max_lanes = 1;
	for (int r = HW_ROLE_INPUT; r < HW_ROLE_COUNT; r++) {
		const struct hw_level *l = &hw->level[hw->role_level[r]];
		verilog_level(hw_role_name(r), hw->role_level[r], l, isa_diagonal_blocks(hw, hw->role_level[r]), out);
		if (l->elem_bytes * 8 > maxw)
			maxw = l->elem_bytes * 8;
		if (level_lanes(l) > max_lanes)
			max_lanes = level_lanes(l);
	}
	/* the shared level the scratchpads load from (the RTL has at most one);
	 * without one, a level index no instruction names and a one-element memory */
	int sh = hw->level[hw->role_level[HW_ROLE_INPUT]].parent;
	const struct hw_level none = {.depth = 1, .elem_bytes = 1, .bandwidth = 1, .port_bits = 8};
	verilog_level("shared", sh >= 0 ? sh : hw->nlevels, sh >= 0 ? &hw->level[sh] : &none, 0, out);
	sb_printf(out, "`define TSL_NSHARED %d\n`define TSL_SHARED_LATENCY %u\n`define TSL_SHARED_BURST %u\n",
		  sh >= 0 ? 1 : 0, sh >= 0 ? hw->level[sh].latency : 0, sh >= 0 ? hw->level[sh].port_bits / 8 : 1);
	if (sh >= 0 && level_lanes(&hw->level[sh]) > max_lanes)
		max_lanes = level_lanes(&hw->level[sh]);
	if (sh >= 0 && hw->level[sh].elem_bytes * 8 > maxw)
		maxw = hw->level[sh].elem_bytes * 8;
	sb_printf(out, "`define TSL_MAX_BITS %u\n`define TSL_MAX_LANES %u\n`define TSL_DRAM_BITS %u\n`define TSL_DRAM_LANES %u\n",
		  maxw, max_lanes, isa_dram_elem_bits(hw), dram_lanes(hw));
	verilog_level_tables(lay, out);
	const struct hw_level *acc = &hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]];
	const struct hw_level *o = &hw->level[hw->role_level[HW_ROLE_OUTPUT]];
	sb_printf(out, "`define TSL_ACC_VALUES %u\n`define TSL_ACC_BITS %u\n`define TSL_OUT_BITS %u\n"
		       "`define TSL_ACC_FLOAT %d\n`define TSL_OUT_FLOAT %d\n",
		  acc->elem_bytes / dtype_bytes(acc->dtype), dtype_bits(acc->dtype), dtype_bits(o->dtype),
		  dtype_float(acc->dtype) ? 1 : 0, dtype_float(o->dtype) ? 1 : 0);
	sb_printf(out, "`define TSL_ALU_LANES %u\n`define TSL_ALU_LATENCY %u\n`define TSL_ALU_II %u\n`define TSL_ALU_IMM_BITS %u\n",
		  hw->alu.lanes, hw->alu.latency, hw->alu.initiation_interval, hw->alu.imm_bits);
	int64_t rq_lo, rq_hi; /* requant is built only where the description lists it */
	hw_requant_bounds(hw, &rq_lo, &rq_hi);
	sb_printf(out, "`define TSL_ALU_HAS_REQUANT %d\n`define TSL_REQUANT_LO (64'sh%016" PRIx64 ")\n"
		       "`define TSL_REQUANT_HI (64'sh%016" PRIx64 ")\n",
		  hw->alu.ops & (1u << HW_ALU_REQUANT) ? 1 : 0, (uint64_t)rq_lo, (uint64_t)rq_hi);
	if (!hw->nintrinsics)
		return;
	const struct hw_intrinsic *in = &hw->intrinsic[0];
	int k = 0;
	while (k < lay->nkinds && !(lay->kind[k].cls == ISA_CLASS_GEMM && lay->kind[k].intrinsic == 0))
		k++;
	/* intrinsic i has opcode TSL_OP_INTRINSIC + i; all share one field layout */
	sb_printf(out, "\n// the intrinsics (the first: '%s', %s)\n`define TSL_NINTRINSICS %d\n`define TSL_OP_INTRINSIC %u\n",
		  in->name, in->expr, hw->nintrinsics, lay->kind[k].opcode);
	verilog_slots(&lay->kind[k], "INTRINSIC", out);
	sb_printf(out, "`define TSL_GEMM_MAX_DIMS %d\n", HW_MAX_DIMS);
	const struct hw_operand *ops[3] = {&in->out, &in->a, &in->b};
	const char *const opn[3] = {"OUT", "A", "B"};
	for (int i = 0; i < 3; i++)
		sb_printf(out, "`define TSL_GEMM_%s_VALUES %u\n`define TSL_GEMM_%s_BITS %u\n`define TSL_GEMM_%s_SIGNED %d\n"
			       "`define TSL_GEMM_%s_FLOAT %d\n",
			  opn[i], ops[i]->tile_elems, opn[i], dtype_bits(ops[i]->dtype), opn[i],
			  dtype_signed(ops[i]->dtype) ? 1 : 0, opn[i], dtype_float(ops[i]->dtype) ? 1 : 0);
	verilog_intrinsics(hw, out);
}


/* The modules, the token queues between them and which module runs each
 * instruction (isa.h: ISA_QUEUES, ISA_TOKENS, the routes of ISA_CLASSES,
 * ISA_FILLERS), so that the RTL writes none of them down. */
static void verilog_queues(const struct isa_layout *lay, struct strbuf *out)
{
	const struct hw *hw = lay->hw;
	/* 2^bits of n values is below 2n */
	uint32_t qw = lay->width[ISA_W_QUEUE], v[2 * ((int)ISA_MAX_KINDS + (int)HW_MAX_LEVELS)];
	sb_printf(out, "\n// modules and token queues\n`define TSL_NQUEUES %d\n`define TSL_QUEUE_ID_W %u\n", ISA_Q_COUNT, qw);
	for (int q = 0; q < ISA_Q_COUNT; q++) {
		char n[16];
		upper(n, isa_queue_name(q), sizeof n);
		sb_printf(out, "`define TSL_Q_%s %d\n", n, q);
		v[q] = isa_queue_depth(hw, q);
	}
	verilog_vector(out, "QUEUE_DEPTHS", ISA_Q_COUNT, 32, v);
	sb_printf(out, "`define TSL_NTOKENS %d\n", ISA_T_COUNT);
	for (int t = 0; t < ISA_T_COUNT; t++) {
		char from[16], to[16];
		upper(from, isa_queue_name(isa_token_producer(t)), sizeof from);
		upper(to, isa_queue_name(isa_token_consumer(t)), sizeof to);
		sb_printf(out, "`define TSL_TOKEN_%s_TO_%s %d\n", from, to, t);
		v[t] = isa_token_producer(t);
	}
	verilog_vector(out, "TOKEN_PRODUCERS", ISA_T_COUNT, qw, v);
	for (int t = 0; t < ISA_T_COUNT; t++)
		v[t] = isa_token_consumer(t);
	verilog_vector(out, "TOKEN_CONSUMERS", ISA_T_COUNT, qw, v);
	/* per opcode (every value of the opcode field; past the last kind, which
	 * no device accepts, compute), its route: a module, or by a field */
	uint32_t nop = 1u << lay->width[ISA_W_OPCODE], rw = hw_bits_for(ISA_R_BUFFER);
	sb_printf(out, "`define TSL_ROUTE_W %u\n`define TSL_ROUTE_QUEUE_FIELD %d\n`define TSL_ROUTE_BUFFER %d\n", rw,
		  ISA_R_QUEUE_FIELD, ISA_R_BUFFER);
	for (uint32_t op = 0; op < nop; op++)
		v[op] = op < (uint32_t)lay->nkinds ? isa_class_route(lay->kind[op].cls) : ISA_R_COMPUTE;
	verilog_vector(out, "ROUTES", (int)nop, rw, v);
	/* per value of a load's buf field, the module that fills that level */
	uint32_t nbuf = 1u << lay->width[ISA_W_BUFFER];
	for (uint32_t b = 0; b < nbuf; b++) {
		struct isa_insn in = {.kind = isa_kind_of_class(lay, ISA_CLASS_LOAD)};
		in.f[ISA_F_BUF] = b;
		v[b] = isa_queue_of(lay, &in);
	}
	verilog_vector(out, "FILLERS", (int)nbuf, qw, v);
}

/* The constants of the timing rules (isa/timing.c) the RTL implements. */
static void verilog_timing(const struct isa_layout *lay, struct strbuf *out)
{
	sb_printf(out, "\n// timing (isa/timing.c)\n`define TSL_MIN_CYCLES %d\n`define TSL_ALU_PASSES %u\n", ISA_MIN_CYCLES,
		  isa_alu_passes(lay->hw));
}

void isa_describe_verilog(const struct isa_layout *lay, struct strbuf *out)
{
	const struct hw *hw = lay->hw;
	sb_printf(out, "// Instruction layout of hardware '%s' (fingerprint %016" PRIx64 ").\n"
		       "// Generated by `tessel isa --format verilog` from the hardware description; do not edit.\n"
		       "`ifndef TESSEL_ISA_VH\n`define TESSEL_ISA_VH\n\n",
		  hw->name, hw_fingerprint(hw));
	sb_printf(out, "`define TSL_INSN_BITS %u\n`define TSL_OPCODE_BITS %u\n`define TSL_UOP_BITS %u\n",
		  lay->insn_bits, lay->width[ISA_W_OPCODE], lay->uop_bits);
	for (int i = 0; i < lay->nkinds; i++) {
		char k[HW_NAME_MAX];
		upper(k, lay->kind[i].mnemonic, sizeof k);
		sb_printf(out, "\n`define TSL_OP_%s %u\n", k, lay->kind[i].opcode);
		verilog_slots(&lay->kind[i], k, out);
	}
	sb_puts(out, "\n");
	for (int u = 0; u < ISA_U_COUNT; u++) {
		char fn[8];
		struct isa_slot s = isa_uop_slot(lay, u);
		upper(fn, isa_uop_field_name(u), sizeof fn);
		sb_printf(out, "`define TSL_UOP_%s_LSB %u\n`define TSL_UOP_%s_W %u\n", fn, s.offset, fn, s.width);
	}
	sb_puts(out, "\n");
	for (int l = 0; l < hw->nlevels; l++) {
		char n[HW_NAME_MAX];
		upper(n, hw->level[l].name, sizeof n);
		sb_printf(out, "`define TSL_BUF_%s %d\n`define TSL_BUF_%s_DEPTH %u\n`define TSL_BUF_%s_ELEM_BITS %u\n", n,
			  l, n, hw->level[l].depth, n, hw->level[l].elem_bytes * 8);
	}
	sb_puts(out, "\n");
	for (int op = 0; op < HW_ALU_OP_COUNT; op++) {
		char n[16];
		upper(n, hw_alu_op_name(op), sizeof n);
		sb_printf(out, "`define TSL_ALU_%s %d\n", n, op);
	}
	verilog_queues(lay, out);
	verilog_timing(lay, out);
	verilog_rtl_params(lay, out);
	sb_puts(out, "\n`endif\n");
}

void isa_format_insn(const struct isa_layout *lay, const struct isa_insn *in, struct strbuf *out)
{
	const struct hw *hw = lay->hw;
	sb_puts(out, lay->kind[in->kind].mnemonic);
	for (int f = 1; f < ISA_F_COUNT; f++) {
		if (!isa_has_field(lay, in->kind, f))
			continue;
		int64_t v = in->f[f];
		switch (isa_field_value(f)) {
		case ISA_V_FLAG:
			break; /* after the fields, below */
		case ISA_V_BUFFER:
			if (v >= 0 && v < hw->nlevels)
				sb_printf(out, " %s=%s", isa_field_name(f), hw->level[v].name);
			else
				sb_printf(out, " %s=%" PRId64, isa_field_name(f), v);
			break;
		case ISA_V_QUEUE:
			if (v >= 0 && v < ISA_Q_COUNT)
				sb_printf(out, " %s=%s", isa_field_name(f), isa_queue_name(v));
			else
				sb_printf(out, " %s=%" PRId64, isa_field_name(f), v);
			break;
		case ISA_V_ALU_OP:
			if (v >= 0 && v < HW_ALU_OP_COUNT)
				sb_printf(out, " %s=%s", isa_field_name(f), hw_alu_op_name(v));
			else
				sb_printf(out, " %s=%" PRId64, isa_field_name(f), v);
			break;
		default:
			if (v)
				sb_printf(out, " %s=%" PRId64, isa_field_name(f), v);
		}
	}
	for (int f = 1; f < ISA_F_COUNT; f++)
		if (isa_field_value(f) == ISA_V_FLAG && in->f[f])
			sb_printf(out, " %s", isa_field_name(f));
}

