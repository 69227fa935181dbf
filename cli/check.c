/* tessel check: validate a hardware description and summarise what was
 * derived from it (levels, intrinsics, peak rate, instruction layout). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "isa/isa.h"
#include "rtl/rtl.h"
#include "cli.h"

static void format_bytes(char *buf, size_t n, uint64_t bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;
	while (u < 4 && bytes >= 1024 && bytes % 1024 == 0)
		bytes /= 1024, u++;
	snprintf(buf, n, "%" PRIu64 " %s", bytes, units[u]);
}

static void format_elem(char *buf, size_t n, const struct hw_level *l)
{
	if (l->role == HW_ROLE_UOP) {
		snprintf(buf, n, "micro-op (%u B)", l->elem_bytes);
		return;
	}
	int at = 0;
	for (int d = 0; d < l->elem_rank; d++)
		at += snprintf(buf + at, n - (size_t)at, "%s%u", d ? "x" : "", l->elem_shape[d]);
	snprintf(buf + at, n - (size_t)at, " %s (%u B)", dtype_name(l->dtype), l->elem_bytes);
}

static void print_memory(const struct hw *hw)
{
	char cap[32], elem[64];
	format_bytes(cap, sizeof cap, hw->dram.capacity);
	printf("memory (outermost first):\n");
	printf("  %-8s %-12s %-9s %-22s %7s %6s %8s %7s  %s\n", "level", "role", "capacity", "element", "depth",
	       "port", "B/cycle", "latency", "parent");
	printf("  %-8s %-12s %-9s %-22s %7s %6u %8u %7u  %s\n", "dram", "-", cap, "-", "-", hw->dram.port_bits,
	       hw->dram.bandwidth, hw->dram.latency, "-");
	for (int i = 0; i < hw->nlevels; i++) {
		const struct hw_level *l = &hw->level[i];
		format_bytes(cap, sizeof cap, l->capacity);
		format_elem(elem, sizeof elem, l);
		printf("  %-8s %-12s %-9s %-22s %7u %6u %8u %7u  %s\n", l->name, hw_role_name(l->role), cap, elem,
		       l->depth, l->port_bits, l->bandwidth, l->latency, l->parent < 0 ? "dram" : hw->level[l->parent].name);
	}
}

static void print_intrinsics(const struct hw *hw)
{
	printf("intrinsics:\n");
	for (int i = 0; i < hw->nintrinsics; i++) {
		const struct hw_intrinsic *in = &hw->intrinsic[i];
		printf("  %s: %s\n    dims", in->name, in->expr);
		for (int d = 0; d < in->ndims; d++)
			printf(" %s=%u%s", in->dim_name[d], in->dim_size[d], in->dim_reduction[d] ? " (reduction)" : "");
		printf("\n    %s x %s -> %s; %" PRIu64 " MACs, latency %u, initiation interval %u: %.6g MACs/cycle\n",
		       dtype_name(in->a.dtype), dtype_name(in->b.dtype), dtype_name(in->out.dtype), in->macs,
		       in->latency, in->initiation_interval, hw_intrinsic_peak_macs(in));
	}
}

static void print_alu(const struct hw *hw)
{
	printf("alu: %u lanes, latency %u, initiation interval %u, %u-bit immediates; ops:", hw->alu.lanes,
	       hw->alu.latency, hw->alu.initiation_interval, hw->alu.imm_bits);
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		if (hw->alu.ops & (1u << op))
			printf(" %s", hw_alu_op_name(op));
	if (hw->alu.ops & (1u << HW_ALU_REQUANT)) { /* its clip comes from the description */
		int64_t lo, hi;
		hw_requant_bounds(hw, &lo, &hi);
		printf(" (requant clips to [%lld, %lld])", (long long)lo, (long long)hi);
	}
	printf("\n");
}

static void print_energy(const struct hw *hw)
{
	const struct hw_energy *e = &hw->energy;
	printf("energy (pJ; %s): per MAC", e->given ? "the description's, 45 nm defaults where it gives none"
						     : "45 nm defaults, docs/energy.md");
	for (int i = 0; i < hw->nintrinsics; i++)
		printf(" %s %.4g", hw->intrinsic[i].name, e->mac[i]);
	printf("; per element read/write");
	for (int l = 0; l < hw->nlevels; l++)
		printf(" %s %.4g/%.4g", hw->level[l].name, e->read[l], e->write[l]);
	printf("; per DRAM byte %.4g/%.4g; per ALU lane op", e->dram_read, e->dram_write);
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		if (hw->alu.ops & (1u << op))
			printf(" %s %.4g", hw_alu_op_name(op), e->alu[op]);
	printf("; leakage per cycle");
	bool any = false;
	for (int l = 0; l < hw->nlevels; l++)
		if (e->leakage[l] > 0)
			printf(" %s %.4g", hw->level[l].name, e->leakage[l]), any = true;
	printf("%s\n", any ? "" : " none");
}

static void print_layout(const struct isa_layout *lay)
{
	printf("instructions: %u bits, opcode %u bits; micro-ops: %u bits (dst %u, src %u, wgt %u)\n", lay->insn_bits,
	       lay->width[ISA_W_OPCODE], lay->uop_bits, lay->uop_dst.width, lay->uop_src.width, lay->uop_wgt.width);
	for (int i = 0; i < lay->nkinds; i++)
		printf("  %-10s opcode %-2u %3u of %u bits\n", lay->kind[i].mnemonic, lay->kind[i].opcode,
		       lay->kind[i].bits_used, lay->insn_bits);
}

int cli_check(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("check", argc, argv, 0, 0, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	struct hw hw;
	if (cli_load_hw(o.npos ? o.pos[0] : NULL, &hw))
		return CLI_BAD_INPUT;
	struct isa_layout lay;
	struct diags err = {0};
	if (isa_derive(&hw, &lay, &err)) {
		diag_print(&err, stderr);
		diag_free(&err);
		return CLI_BAD_INPUT;
	}
	double peak = hw_peak_macs_per_cycle(&hw);
	printf("%s: %s\n", hw.name, hw.description);
	printf("clock %.6g MHz; peak %.6g MACs/cycle (%.6g GMAC/s); fingerprint %016" PRIx64 "\n", hw.clock_mhz, peak,
	       peak * hw.clock_mhz / 1000.0, hw_fingerprint(&hw));
	print_memory(&hw);
	print_intrinsics(&hw);
	print_alu(&hw);
	print_energy(&hw);
	printf("queues: load %u, compute %u, store %u, tokens %u; dma: rows <= %u, cols <= %u, stride <= %u, pad <= %u\n",
	       hw.queues.load, hw.queues.compute, hw.queues.store, hw.queues.token, hw.dma.max_rows, hw.dma.max_cols,
	       hw.dma.max_stride, hw.dma.max_pad);
	print_layout(&lay);
	char why[200];
	if (rtl_supported(&hw, why, sizeof why))
		printf("rtl: not supported: %s\n", why);
	else
		printf("rtl: supported\n");
	printf("ok\n");
	return CLI_OK;
}
