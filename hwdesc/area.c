/* The area model (area.h): components as sums of coefficient x quantity,
 * and the reading of a Yosys report into the same components. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "area.h"

static const struct {
	const char *name, *unit;
	double value;
	enum hw_area_source source;
} coeffs[] = {
#define X(id, name, value, source, unit) {name, unit, value, HW_AREA_##source},
	HW_AREA_COEFFS(X)
#undef X
};

static const char *const part_names[] = {
#define X(id, name) name,
	HW_AREA_PARTS(X)
#undef X
};

const char *hw_area_coeff_name(enum hw_area_coeff c) { return coeffs[c].name; }
const char *hw_area_coeff_unit(enum hw_area_coeff c) { return coeffs[c].unit; }
double hw_area_coeff_value(enum hw_area_coeff c) { return coeffs[c].value; }
enum hw_area_source hw_area_coeff_source(enum hw_area_coeff c) { return coeffs[c].source; }
const char *hw_area_part_name(enum hw_area_part p) { return part_names[p]; }

static double bits(enum dtype t) { return 8.0 * dtype_bytes(t); }

/* Elements a level moves per cycle: its DMA lanes (docs/microarch.md). */
static double lanes(const struct hw_level *l)
{
	uint32_t n = (l->bandwidth + l->elem_bytes - 1) / l->elem_bytes;
	return n ? n : 1;
}

static double role_lanes(const struct hw *hw, enum hw_role r) { return lanes(&hw->level[hw->role_level[r]]); }

static double most(double a, double b) { return a > b ? a : b; }

/* The most lanes of a shared level, 0 without one. */
static double shared_lanes(const struct hw *hw)
{
	double n = 0;
	for (int l = 0; l < hw->nlevels; l++)
		if (hw->level[l].role == HW_ROLE_SHARED)
			n = most(n, lanes(&hw->level[l]));
	return n;
}

static struct hw_area_component *add(struct hw_area *a, enum hw_area_part part, int index, const char *name)
{
	if (a->n == HW_AREA_MAX_COMPONENTS)
		die("hw_area: more than %d components", HW_AREA_MAX_COMPONENTS);
	struct hw_area_component *c = &a->c[a->n++];
	memset(c, 0, sizeof *c);
	c->part = part;
	c->index = index;
	c->yosys_cells = -1;
	snprintf(c->name, sizeof c->name, "%s", name);
	return c;
}

static void term(struct hw_area_component *c, enum hw_area_coeff k, double quantity)
{
	if (c->nterms == HW_AREA_MAX_TERMS)
		die("hw_area: component '%s' has more than %d terms", c->name, HW_AREA_MAX_TERMS);
	c->term[c->nterms++] = (struct hw_area_term){k, quantity};
}

/* An intrinsic's MAC array, one dot product per output value (rtl/tsl_gemm.sv).
 * Integer: a multiplier of the operands each widened by a bit (their
 * product of widths) and an adder of the accumulator's width per MAC, and
 * the gating of the accumulator's value into each dot product.  Floating
 * point: one figure per MAC, measured on fp16 x fp16 -> fp32, the only
 * floating-point MAC the RTL has. */
static void mac_array(struct hw_area *a, const struct hw_intrinsic *in, int k)
{
	struct hw_area_component *c = add(a, HW_AREA_PART_MAC, k, in->name);
	double macs = (double)in->macs, outs = in->out.tile_elems;
	snprintf(c->what, sizeof c->what, "%.0f MACs, %s x %s -> %s", macs, dtype_name(in->a.dtype),
		 dtype_name(in->b.dtype), dtype_name(in->out.dtype));
	if (dtype_float(in->out.dtype)) {
		term(c, HW_AREA_FP_MAC, macs);
		c->extrapolated = in->a.dtype != DT_FP16 || in->b.dtype != DT_FP16 || in->out.dtype != DT_FP32;
		return;
	}
	term(c, HW_AREA_INT_MUL, macs * (bits(in->a.dtype) + 1) * (bits(in->b.dtype) + 1));
	term(c, HW_AREA_INT_ADD, macs * bits(in->out.dtype));
	term(c, HW_AREA_INT_OUT, outs * bits(in->out.dtype));
	c->extrapolated = bits(in->a.dtype) != 8 || bits(in->b.dtype) != 8 || in->out.dtype != DT_INT32;
}

/* The vector ALU: the RTL builds one lane unit per value of an accumulator
 * element (alu.lanes sets only its timing), with the narrowing of each value
 * into the output buffer.  An integer lane is dominated by its multiplier,
 * whose gates grow with the square of the width. */
static void alu(struct hw_area *a, const struct hw *hw)
{
	struct hw_area_component *c = add(a, HW_AREA_PART_ALU, -1, "alu");
	const struct hw_level *acc = &hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]];
	double values = acc->elem_bytes / dtype_bytes(acc->dtype), w = bits(acc->dtype);
	snprintf(c->what, sizeof c->what, "%.0f %s values", values, dtype_name(acc->dtype));
	if (dtype_float(acc->dtype)) {
		term(c, HW_AREA_ALU_FP, values);
		c->extrapolated = acc->dtype != DT_FP32;
	} else {
		term(c, HW_AREA_ALU_INT, values * w * w);
		c->extrapolated = acc->dtype != DT_INT32;
		/* requant's comparisons of the shifted value with its two
		 * constant bounds (built only where alu.ops lists it) */
		if (hw->alu.ops & (1u << HW_ALU_REQUANT))
			term(c, HW_AREA_ALU_REQUANT, values * w);
	}
}

/* The bits of a transfer's columns and of its rows, padding included
 * (docs/isa.md: xsize + xpad0 + xpad1, ysize + ypad0 + ypad1): their
 * product is the size of the multiplier that counts its elements, and of
 * the timing that divides that count by a port's bandwidth. */
static double count_bits(const struct hw *hw)
{
	uint64_t pads = 2ull * hw->dma.max_pad;
	return (double)hw_bits_for(hw->dma.max_cols + pads) * hw_bits_for(hw->dma.max_rows + pads);
}

/* The DMA engines of the load, compute and store modules, each as many
 * lanes as the most elements per cycle of the levels it moves (rtl/tsl_core.sv).
 * A lane is most of an engine: its parent address, (row + column x values)
 * x bytes, multiplies the 64-bit address by two 32-bit factors held in
 * registers (rtl/tsl_dma.sv), as wide whatever the element's bytes or values,
 * so the lane's term counts lanes alone. */
static void dma(struct hw_area *a, const struct hw *hw)
{
	struct hw_area_component *c = add(a, HW_AREA_PART_DMA, -1, "dma");
	double sh = shared_lanes(hw);
	double load = most(most(role_lanes(hw, HW_ROLE_INPUT), role_lanes(hw, HW_ROLE_WEIGHT)), sh);
	double compute = most(role_lanes(hw, HW_ROLE_ACCUMULATOR), role_lanes(hw, HW_ROLE_UOP));
	double store = most(role_lanes(hw, HW_ROLE_OUTPUT), sh);
	snprintf(c->what, sizeof c->what, "3 engines, %.0f + %.0f + %.0f lanes", load, compute, store);
	term(c, HW_AREA_DMA, 3);
	term(c, HW_AREA_DMA_COUNT, 3 * count_bits(hw));
	term(c, HW_AREA_DMA_LANE, load + compute + store);
}

/* The instruction queues' pointers and counts (their entries are memory). */
static void queues(struct hw_area *a, const struct hw *hw)
{
	struct hw_area_component *c = add(a, HW_AREA_PART_QUEUES, -1, "queues");
	const uint32_t depth[3] = {hw->queues.load, hw->queues.compute, hw->queues.store};
	double ptr = 0;
	for (int q = 0; q < 3; q++)
		ptr += hw_bits_for(depth[q] - 1);
	snprintf(c->what, sizeof c->what, "3 queues of %u, %u, %u", depth[0], depth[1], depth[2]);
	term(c, HW_AREA_QUEUE, ptr);
}

/* The lanes of the scratchpads' DMAs, and their widest element. */
static double scratchpad_lanes(const struct hw *hw)
{
	double n = 0;
	for (int r = HW_ROLE_INPUT; r < HW_ROLE_COUNT; r++)
		n += role_lanes(hw, r);
	return n;
}

static double widest_element(const struct hw *hw)
{
	double w = 0;
	for (int r = HW_ROLE_INPUT; r < HW_ROLE_COUNT; r++)
		w = most(w, 8.0 * hw->level[hw->role_level[r]].elem_bytes);
	return w;
}

/* The data a shared level moves: every lane of the scratchpads' DMAs, each
 * as wide as the widest scratchpad element; 0 without a shared level. */
static double shared_bits(const struct hw *hw)
{
	return shared_lanes(hw) > 0 ? scratchpad_lanes(hw) * widest_element(hw) : 0;
}

/* A shared level's logic: shifting scratchpad elements into and out of its
 * words, on every lane of the scratchpads' DMAs. */
static void shared(struct hw_area *a, const struct hw *hw, int l)
{
	struct hw_area_component *c = add(a, HW_AREA_PART_SHARED, l, hw->level[l].name);
	snprintf(c->what, sizeof c->what, "logic: %.0f scratchpad lanes of up to %.0f bits", scratchpad_lanes(hw),
		 widest_element(hw));
	term(c, HW_AREA_SHARED, shared_bits(hw));
}

/* Fetch, dispatch, the token queues, the micro-op loop and the timing of
 * each module's instructions, whose transfer counts and port cycles grow
 * with the fields' widths; per intrinsic, the choice of its result and its
 * own latency and initiation interval; with a shared level, the choice on
 * every DMA lane between its data and DRAM's, and its channel's timing. */
static void control(struct hw_area *a, const struct hw *hw)
{
	struct hw_area_component *c = add(a, HW_AREA_PART_CONTROL, -1, "control");
	snprintf(c->what, sizeof c->what, "fetch, dispatch, tokens, timing, micro-op loop");
	term(c, HW_AREA_CONTROL, 1);
	term(c, HW_AREA_CONTROL_COUNT, count_bits(hw));
	term(c, HW_AREA_CONTROL_INTRINSIC, hw->nintrinsics);
	term(c, HW_AREA_CONTROL_SHARED, shared_bits(hw));
}

/* An SRAM: its bits, and a read and a write port of port_bits. */
static void sram(struct hw_area *a, const char *name, int index, double bits, double port_bits)
{
	struct hw_area_component *c = add(a, HW_AREA_PART_SRAM, index, name);
	static const char *const units[] = {"bits", "B", "KiB", "MiB", "GiB"};
	double size = bits;
	int u = 0;
	for (double per = 8; u < 4 && fmod(size, per) == 0 && size >= per; per = 1024)
		size /= per, u++;
	snprintf(c->what, sizeof c->what, "%.0f %s, %.0f-bit ports", size, units[u], port_bits);
	term(c, HW_AREA_SRAM_BIT_UM2, bits);
	term(c, HW_AREA_SRAM_PORT_UM2, 2 * port_bits);
}

static void sum(struct hw_area *a)
{
	double cell = hw_area_coeff_value(HW_AREA_CELL_UM2);
	for (int i = 0; i < a->n; i++) {
		struct hw_area_component *c = &a->c[i];
		double v = 0;
		for (int t = 0; t < c->nterms; t++)
			v += hw_area_coeff_value(c->term[t].coeff) * c->term[t].quantity;
		if (c->part == HW_AREA_PART_SRAM) {
			c->um2 = v;
			a->sram_um2 += v;
		} else {
			c->cells = v;
			c->um2 = v * cell;
			a->logic_cells += v;
			a->logic_um2 += c->um2;
		}
	}
	a->total_um2 = a->logic_um2 + a->sram_um2;
}

void hw_area_model(const struct hw *hw, struct hw_area *a)
{
	memset(a, 0, sizeof *a);
	a->yosys_cells = a->yosys_flip_flops = a->yosys_memories = a->yosys_seconds = -1;
	for (int k = 0; k < hw->nintrinsics; k++)
		mac_array(a, &hw->intrinsic[k], k);
	alu(a, hw);
	dma(a, hw);
	queues(a, hw);
	for (int l = 0; l < hw->nlevels; l++)
		if (hw->level[l].role == HW_ROLE_SHARED)
			shared(a, hw, l);
	control(a, hw);
	for (int l = 0; l < hw->nlevels; l++)
		sram(a, hw->level[l].name, l, 8.0 * (double)hw->level[l].capacity, hw->level[l].port_bits);
	double entries = (double)hw->queues.load + hw->queues.compute + hw->queues.store;
	sram(a, "queue_entries", -1, entries * hw->isa.instruction_bits, hw->isa.instruction_bits);
	sum(a);
}

/* ---- reading scripts/area.sh's report ---- */

/* Which component models each unit tsl_core instantiates (the report's
 * "units of tsl_core" lines). */
static const struct {
	const char *unit;
	enum hw_area_part part;
} unit_parts[] = {
	{"tsl_gemm", HW_AREA_PART_MAC},       {"tsl_alu", HW_AREA_PART_ALU},
	{"tsl_fp32_to_fp16", HW_AREA_PART_ALU}, {"tsl_dma", HW_AREA_PART_DMA},
	{"tsl_fifo", HW_AREA_PART_QUEUES},    {"tsl_shared", HW_AREA_PART_SHARED},
	{"tsl_loop", HW_AREA_PART_CONTROL},   {"tsl_spad", HW_AREA_PART_CONTROL},
	{"tsl_core", HW_AREA_PART_CONTROL}, /* "tsl_core itself": its own logic */
};

/* The logic component of part p (the nth of its part: an intrinsic). */
static struct hw_area_component *component(struct hw_area *a, enum hw_area_part p, int nth)
{
	for (int i = 0; i < a->n; i++)
		if (a->c[i].part == p && nth-- == 0)
			return &a->c[i];
	return NULL;
}

/* One line "  NAME [P=V ...]: N x C cells, F flip-flops" into its component. */
static int read_unit(const char *line, struct hw_area *a, int *gemms, char *why, size_t n)
{
	char name[64];
	double count, cells;
	const char *colon = strchr(line, ':');
	if (sscanf(line, " %63[^ :]", name) != 1 || !colon || sscanf(colon + 1, " %lf x %lf cells", &count, &cells) != 2) {
		snprintf(why, n, "a unit line that is not 'NAME: N x C cells': '%.80s'", line);
		return -1;
	}
	for (size_t u = 0; u < sizeof unit_parts / sizeof unit_parts[0]; u++) {
		if (strcmp(name, unit_parts[u].unit))
			continue;
		const char *k = strstr(line, " K=");
		int nth = unit_parts[u].part != HW_AREA_PART_MAC ? 0 : k ? atoi(k + 3) : (*gemms)++;
		struct hw_area_component *c = component(a, unit_parts[u].part, nth);
		if (!c) {
			snprintf(why, n, "unit '%s' has no %s component in the model", name, hw_area_part_name(unit_parts[u].part));
			return -1;
		}
		c->yosys_cells += count * cells;
		return 0;
	}
	snprintf(why, n, "unit '%s' is not one the model knows (hwdesc/area.c, unit_parts)", name);
	return -1;
}

/* The cell lines before the units: "$_DFF..." cells are flip-flops,
 * "$mem..." memories. */
static void read_gate(const char *line, struct hw_area *a)
{
	char type[64];
	double count;
	if (sscanf(line, " %63s %lf", type, &count) != 2 || type[0] != '$')
		return;
	if (strstr(type, "DFF"))
		a->yosys_flip_flops += count;
	if (!strncmp(type, "$mem", 4))
		a->yosys_memories += count;
}

int hw_area_read_yosys(const char *report, struct hw_area *a, char *why, size_t n)
{
	enum { GATES, UNITS, MODULES } at = GATES;
	int gemms = 0;
	a->yosys_cells = -1;
	a->yosys_flip_flops = a->yosys_memories = 0;
	for (int i = 0; i < a->n; i++)
		a->c[i].yosys_cells = a->c[i].part == HW_AREA_PART_SRAM ? -1 : 0;
	for (const char *p = report; *p;) {
		size_t len = strcspn(p, "\n");
		char line[256];
		snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
		p += len + (p[len] == '\n');
		if (!strncmp(line, "units of ", 9))
			at = UNITS;
		else if (!strncmp(line, "modules by name", 15))
			at = MODULES;
		else if (at == GATES && sscanf(line, " Number of cells: %lf", &a->yosys_cells) == 1)
			continue;
		else if (sscanf(line, "synthesised in %lf s", &a->yosys_seconds) == 1)
			continue;
		else if (at == UNITS && read_unit(line, a, &gemms, why, n))
			return -1;
		else if (at == GATES)
			read_gate(line, a);
	}
	if (a->yosys_cells < 0) {
		snprintf(why, n, "no 'Number of cells' line: not a report of scripts/area.sh");
		return -1;
	}
	a->yosys_cells -= a->yosys_memories;
	return 0;
}
