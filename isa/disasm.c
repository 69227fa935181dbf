/* The disassembler: prints a program as assembly that assembles back to the
 * same program.  Every address is written out, so the listing does not depend
 * on the assembler's default placement. */
#include "program.h"

#include <inttypes.h>

static void print_data(const struct isa_segment *s, struct strbuf *out)
{
	for (uint64_t i = 0; i < s->data_len; i += 16) {
		sb_puts(out, ".data");
		for (uint64_t j = i; j < s->data_len && j < i + 16; j++)
			sb_printf(out, " 0x%02x", s->data[j]);
		sb_puts(out, "\n");
	}
}

/* A host step: its op, the segments it reads (with their addresses) and
 * the one it writes. */
static void print_host_step(const struct isa_program *p, const struct isa_step *st, struct strbuf *out)
{
	if (st->host >= (uint32_t)p->nhost) {
		sb_printf(out, "host op %u, which the program lacks\n", st->host);
		return;
	}
	const struct isa_host_op *h = &p->host[st->host];
	sb_printf(out, "host op %u '%s': %d operand%s (", st->host, h->name, h->nin, h->nin == 1 ? "" : "s");
	for (int k = 0; k < h->nin && k < ISA_HOST_MAX_IN; k++)
		sb_printf(out, "%s%s 0x%" PRIx64, k ? ", " : "", isa_program_segment_at(p, h->in_addr[k]), h->in_addr[k]);
	sb_printf(out, ") -> %s\n", isa_program_segment_at(p, h->out_addr));
}

/* The steps of a program of several runs, as comments: the assembler makes
 * programs of one run, and a gather's table and a host op's op are the
 * compiler's. */
static void print_steps(const struct isa_program *p, struct strbuf *out)
{
	for (int i = 0; i < p->nstep; i++) {
		const struct isa_step *st = &p->step[i];
		sb_printf(out, "; step %d: ", i);
		if (st->kind == ISA_STEP_RUN)
			sb_printf(out, "run instructions %u to %u\n", st->first, st->first + st->count - 1);
		else if (st->kind == ISA_STEP_HOST)
			print_host_step(p, st, out);
		else
			sb_printf(out, "gather %" PRIu64 " bytes into segment %s from segment %s\n", st->n,
				  isa_program_segment_at(p, st->dst), isa_program_segment_at(p, st->src));
	}
}

/* The host ops, as comments, with their sizes: what a runner reads and
 * writes, and how much op it decodes. */
static void print_host_ops(const struct isa_program *p, struct strbuf *out)
{
	for (int i = 0; i < p->nhost; i++) {
		const struct isa_host_op *h = &p->host[i];
		sb_printf(out, "; host op %d '%s': %" PRIu64 " bytes of op; reads", i, h->name, h->ir_len);
		for (int k = 0; k < h->nin && k < ISA_HOST_MAX_IN; k++)
			sb_printf(out, "%s %" PRIu64 " bytes at 0x%" PRIx64, k ? "," : "", h->in_bytes[k], h->in_addr[k]);
		sb_printf(out, "%s; writes %" PRIu64 " bytes at 0x%" PRIx64 "\n", h->nin > 0 ? "" : " nothing",
			  h->out_bytes, h->out_addr);
	}
}

/* The inputs and outputs, as comments: their tables are the compiler's. */
static void print_ports(const struct isa_program *p, struct strbuf *out)
{
	for (int i = 0; i < p->nport; i++) {
		sb_puts(out, "; ");
		isa_port_describe(p, &p->port[i], out);
		sb_puts(out, "\n");
	}
}

/* NULL when out of memory (the text is built in a strbuf, which records a
 * failed growth). */
char *isa_disassemble(const struct isa_program *p)
{
	struct strbuf out = {0};
	sb_printf(&out, "; tessel program for hardware '%s' (fingerprint %016" PRIx64 ")\n", p->hw.name,
		  hw_fingerprint(&p->hw));
	sb_printf(&out, "; %d instructions, %d micro-ops, %d segments\n", p->ninsn, p->nuop, p->nseg);
	sb_printf(&out, ".layout code=0x%" PRIx64 " uops=0x%" PRIx64 "\n", p->code_addr, p->uop_addr);
	print_steps(p, &out);
	print_host_ops(p, &out);
	print_ports(p, &out);
	for (int i = 0; i < p->nseg; i++) {
		const struct isa_segment *s = &p->seg[i];
		sb_printf(&out, ".segment %s %s size=%" PRIu64 " addr=0x%" PRIx64 "\n", s->name,
			  isa_segment_kind_name(s->kind), s->size, s->addr);
		print_data(s, &out);
	}
	for (int i = 0; i < p->nuop; i++) {
		sb_puts(&out, ".uop");
		for (int u = 0; u < ISA_U_COUNT; u++)
			sb_printf(&out, " %s=%u", isa_uop_field_name(u), isa_uop_get(&p->uop[i], u));
		sb_puts(&out, "\n");
	}
	for (int i = 0; i < p->ninsn; i++) {
		isa_format_insn(&p->layout, &p->insn[i], &out);
		sb_printf(&out, "  ; %d\n", i);
	}
	return sb_take(&out);
}
