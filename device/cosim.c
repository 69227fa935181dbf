/* Co-simulation: run on two devices, compare. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cosim.h"

/* One instruction span of a device's trace. */
struct span {
	uint64_t ts, dur;
	int tid;
	uint32_t index;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid - y->tid;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The spans of a trace-event file (as sim.c and rtl/device.c write it),
 * sorted; NULL, with an error, when out of memory. */
static struct span *parse_spans(const char *text, size_t *n, struct diags *err)
{
	size_t cap = 64;
	struct span *v = try_calloc(cap, sizeof *v);
	*n = 0;
	if (!v) {
		diag_nomem(err, NULL, cap * sizeof *v, "the spans of a trace");
		return NULL;
	}
	for (const char *s = strstr(text, "\"ph\":\"X\""); s; s = strstr(s + 1, "\"ph\":\"X\"")) {
		struct span sp;
		if (sscanf(s, "\"ph\":\"X\",\"ts\":%" SCNu64 ",\"dur\":%" SCNu64 ",\"pid\":1,\"tid\":%d,\"args\":{\"instruction\":%" SCNu32,
			   &sp.ts, &sp.dur, &sp.tid, &sp.index) != 4)
			continue;
		if (*n == cap && try_resize(&v, cap * 2, sizeof *v)) {
			diag_nomem(err, NULL, cap * 2 * sizeof *v, "the spans of a trace");
			free(v);
			return NULL;
		}
		if (*n == cap)
			cap *= 2;
		v[(*n)++] = sp;
	}
	qsort(v, *n, sizeof *v, span_cmp);
	return v;
}

struct side {
	const struct dev_ops *ops;
	struct device *d;
	char *trace;
	size_t trace_len;
	struct dev_stats st;
	int rc;
	const struct dev_run_opts *limits;
};

/* The trace is kept in memory (open_memstream); a trace stdio could not
 * grow (its write or its close fails) is memory running out. */
static void run_side(const struct isa_program *p, struct side *s, struct diags *err)
{
	FILE *t = open_memstream(&s->trace, &s->trace_len);
	if (!t) {
		s->rc = diag_nomem(err, NULL, BUFSIZ, "the trace of %s", s->ops->name);
		return;
	}
	struct dev_run_opts ro = {.trace = t};
	if (s->limits)
		ro.max_cycles = s->limits->max_cycles, ro.max_seconds = s->limits->max_seconds, ro.host = s->limits->host;
	s->rc = dev_run_program(s->ops, s->d, p, &ro, &s->st, err);
	bool lost = ferror(t) != 0;
	if (fclose(t) || lost) {
		if (!s->rc)
			s->rc = diag_nomem(err, NULL, s->trace_len, "the trace of %s", s->ops->name);
		free(s->trace);
		s->trace = NULL;
	}
}

/* Instruction INDEX as the disassembler writes it. */
static void insn_text(const struct isa_program *p, uint32_t index, struct strbuf *out)
{
	if (index < (uint32_t)p->ninsn)
		isa_format_insn(&p->layout, &p->insn[index], out);
	else
		sb_puts(out, "?");
}

/* The first instruction whose span differs between the two traces: 0, or
 * -1 with an error when out of memory. */
static int first_span_difference(const struct isa_program *p, struct side *a, struct side *b, struct strbuf *out,
				 struct diags *err)
{
	size_t na, nb;
	struct span *sa = parse_spans(a->trace, &na, err);
	struct span *sb = sa ? parse_spans(b->trace, &nb, err) : NULL;
	if (!sb) {
		free(sa);
		return -1;
	}
	size_t i = 0;
	while (i < na && i < nb && !span_cmp(&sa[i], &sb[i]) && sa[i].dur == sb[i].dur)
		i++;
	const struct span *x = i < na ? &sa[i] : NULL, *y = i < nb ? &sb[i] : NULL;
	if (x || y) {
		const struct span *z = x ? x : y;
		sb_printf(out, "; first difference in flight: %s %u (", z->tid ? dev_module_name(z->tid) : "fetch of instruction",
			  z->index);
		if (z->tid)
			insn_text(p, z->index, out);
		else
			sb_puts(out, "fetch");
		sb_puts(out, ")");
		if (x)
			sb_printf(out, ", %s: cycles %" PRIu64 "..%" PRIu64, a->ops->name, x->ts, x->ts + x->dur);
		if (y)
			sb_printf(out, ", %s: %s %u at cycles %" PRIu64 "..%" PRIu64, b->ops->name,
				  y->tid ? dev_module_name(y->tid) : "fetch", y->index, y->ts, y->ts + y->dur);
	}
	free(sa);
	free(sb);
	return 0;
}

/* SB's text as the result's description, cut to its size: 0, or -1 with an
 * error when it could not be built. */
static int describe(struct strbuf *sb, struct cosim_result *res, struct diags *err)
{
	char *t = sb_take_or_report(sb, err, "the description of a difference");
	if (!t)
		return -1;
	snprintf(res->what, sizeof res->what, "%s", t);
	free(t);
	res->mismatch = true;
	return 0;
}

/* The statistic that differs first, or NULL (the name of an action's
 * statistic, which names its level, op or intrinsic, is in a static buffer). */
static const char *stats_difference(const struct hw *hw, const struct dev_stats *a, const struct dev_stats *b,
				    uint64_t *va, uint64_t *vb)
{
	static char named[96];
#define CMP(field, name)                              \
	if (a->field != b->field) {                   \
		*va = a->field, *vb = b->field;       \
		return name;                          \
	}
	CMP(cycles, "cycles")
	static const char *const busy[] = {"fetch busy cycles", "load busy cycles", "compute busy cycles", "store busy cycles"};
	static const char *const stall[] = {"fetch stall cycles", "load stall cycles", "compute stall cycles",
					    "store stall cycles"};
	for (int m = 0; m < DEV_MODULE_COUNT; m++) {
		CMP(busy[m], busy[m])
		CMP(stall[m], stall[m])
	}
	CMP(dram_read, "DRAM bytes read")
	CMP(dram_written, "DRAM bytes written")
	CMP(dram_busy, "DRAM bus busy cycles")
	CMP(insns_total, "instructions")
	CMP(macs, "MACs")
#define CMP_NAMED(field, ...)                                  \
	if (a->field != b->field) {                            \
		snprintf(named, sizeof named, __VA_ARGS__);    \
		*va = a->field, *vb = b->field;                \
		return named;                                  \
	}
	for (int l = 0; l < hw->nlevels; l++) {
		CMP_NAMED(act.reads[l], "elements read from '%s'", hw->level[l].name)
		CMP_NAMED(act.writes[l], "elements written to '%s'", hw->level[l].name)
	}
	for (int op = 0; op < HW_ALU_OP_COUNT; op++)
		CMP_NAMED(act.alu[op], "ALU '%s' lane operations", hw_alu_op_name((enum hw_alu_op)op))
	for (int i = 0; i < hw->nintrinsics; i++)
		CMP_NAMED(act.macs[i], "MACs of '%s'", hw->intrinsic[i].name)
#undef CMP_NAMED
#undef CMP
	return NULL;
}

/* Where a DRAM byte is, in the program's words. */
static void locate(const struct isa_program *p, uint64_t addr, struct strbuf *out)
{
	for (int i = 0; i < p->nseg; i++)
		if (addr >= p->seg[i].addr && addr < p->seg[i].addr + p->seg[i].size) {
			sb_printf(out, "segment '%s' (%s) offset %" PRIu64, p->seg[i].name,
				  isa_segment_kind_name(p->seg[i].kind), addr - p->seg[i].addr);
			return;
		}
	sb_printf(out, "outside every segment");
}

/* The last store (in program order) whose rows cover addr. */
static int last_store_to(const struct isa_program *p, uint64_t addr)
{
	int found = -1;
	for (int i = 0; i < p->ninsn; i++) {
		const struct isa_insn *in = &p->insn[i];
		if (p->layout.kind[in->kind].cls != ISA_CLASS_STORE || p->hw.level[in->f[ISA_F_BUF]].parent >= 0)
			continue;
		uint64_t u = isa_parent_unit_bytes(&p->hw, in), e = isa_parent_elem_bytes(&p->hw, in);
		for (int64_t r = 0; r < in->f[ISA_F_YSIZE]; r++) {
			uint64_t from = ((uint64_t)in->f[ISA_F_ADDR] + (uint64_t)r * (uint64_t)in->f[ISA_F_XSTRIDE]) * u;
			if (addr >= from && addr < from + (uint64_t)in->f[ISA_F_XSIZE] * e)
				found = i;
		}
	}
	return found;
}

static int compare_dram(const struct isa_program *p, struct side *a, struct side *b, struct cosim_result *res,
			struct diags *err)
{
	uint64_t n = isa_program_dram_end(p);
	uint8_t *x = try_malloc(n + 1), *y = x ? try_malloc(n + 1) : NULL;
	if (!y) {
		free(x);
		return diag_nomem(err, NULL, n + 1, "a copy of the DRAM to compare");
	}
	int rc = a->ops->read(a->d, 0, x, n, err) || b->ops->read(b->d, 0, y, n, err) ? -1 : 0;
	res->bytes_compared = rc ? 0 : n;
	for (uint64_t i = 0; i < n && !rc; i++) {
		if (x[i] == y[i])
			continue;
		struct strbuf sb = {0};
		sb_printf(&sb, "DRAM differs first at 0x%" PRIx64 ", ", i);
		locate(p, i, &sb);
		sb_printf(&sb, ": %s has 0x%02x, %s has 0x%02x", a->ops->name, x[i], b->ops->name, y[i]);
		int s = last_store_to(p, i);
		if (s >= 0) {
			sb_printf(&sb, "; last written by instruction %d (", s);
			insn_text(p, (uint32_t)s, &sb);
			sb_puts(&sb, ")");
		}
		rc = describe(&sb, res, err);
		break;
	}
	free(x);
	free(y);
	return rc;
}

int cosim_program(const struct isa_program *p, const struct dev_ops *ref, const struct dev_ops *dut,
		  struct cosim_result *res, struct diags *err)
{
	return cosim_program_limited(p, ref, dut, NULL, res, err);
}

int cosim_program_limited(const struct isa_program *p, const struct dev_ops *ref, const struct dev_ops *dut,
			  const struct dev_run_opts *limits, struct cosim_result *res, struct diags *err)
{
	memset(res, 0, sizeof *res);
	struct side s[2] = {{.ops = ref, .limits = limits}, {.ops = dut, .limits = limits}};
	int rc = -1;
	for (int i = 0; i < 2; i++)
		if (!(s[i].d = s[i].ops->open(&p->hw, err)))
			goto out;
	run_side(p, &s[0], err);
	res->ref = s[0].st;
	if (s[0].rc)
		goto out;
	struct diags derr = {0};
	run_side(p, &s[1], &derr);
	res->ref = s[0].st;
	res->dut = s[1].st;
	rc = 0;
	if (s[1].rc && diag_nomem_since(&derr, 0)) { /* the machine's failure, not the device's */
		diag_append(err, &derr);
		rc = -1;
	} else if (s[1].rc) {
		snprintf(res->what, sizeof res->what, "%s fails where %s runs: %s", dut->name, ref->name,
			 derr.n ? derr.v[0].msg : "?");
		res->mismatch = true;
	} else {
		uint64_t va, vb;
		const char *what = stats_difference(&p->hw, &s[0].st, &s[1].st, &va, &vb);
		if (what) {
			struct strbuf sb = {0};
			sb_printf(&sb, "%s differ: %s %" PRIu64 ", %s %" PRIu64, what, ref->name, va, dut->name, vb);
			rc = first_span_difference(p, &s[0], &s[1], &sb, err);
			if (rc)
				sb_free(&sb);
			else
				rc = describe(&sb, res, err);
		}
		if (!rc && !res->mismatch)
			rc = compare_dram(p, &s[0], &s[1], res, err);
	}
	diag_free(&derr);
	if (!rc && res->mismatch)
		rc = 1;
out:
	for (int i = 0; i < 2; i++) {
		if (s[i].d)
			s[i].ops->close(s[i].d);
		free(s[i].trace);
	}
	return rc;
}
