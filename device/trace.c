/* Trace-event JSON (device/trace.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "base/alloc.h"
#include "base/output.h"

void dev_trace_init(struct dev_trace *t, FILE *out, const struct isa_program *p, const char *const *op_of_insn)
{
	memset(t, 0, sizeof *t);
	t->out = out, t->p = p, t->op_of_insn = op_of_insn;
}

/* The metadata: the process (device and hardware), a thread per module,
 * and the time unit.  "displayTimeUnit" is left out: its values (ms, ns)
 * would both misstate cycles. */
static void open_document(struct dev_trace *t, const char *device, const struct hw *hw)
{
	fprintf(t->out, "{\"otherData\":{\"hardware\":");
	out_json_string(t->out, hw->name);
	fprintf(t->out, ",\"device\":\"%s\",\"time_unit\":\"cycle\",\"clock_mhz\":%.17g,\"ts\":\"cycles (read as us)\"},"
			"\"traceEvents\":[\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":",
		device, hw->clock_mhz);
	char name[160];
	snprintf(name, sizeof name, "tessel %s: %s", device, hw->name);
	out_json_string(t->out, name);
	fprintf(t->out, "}}");
	for (int m = 0; m < DEV_MODULE_COUNT; m++)
		fprintf(t->out, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"args\":{\"name\":\"%s\"}}", m,
			dev_module_name(m));
	t->comma = true;
	t->begun = true;
}

void dev_trace_end(struct dev_trace *t)
{
	if (!t->out)
		return;
	if (!t->begun)
		fputs("{\"traceEvents\":[", t->out);
	fputs("\n]}\n", t->out);
	t->begun = false;
}

void dev_trace_run_begin(struct dev_trace_run *r, const struct dev_run_opts *opts, const char *device,
			 const struct hw *hw, const struct isa_layout *lay, uint64_t code_addr)
{
	memset(r, 0, sizeof *r);
	r->hw = hw, r->lay = lay;
	if (opts && opts->tracer && opts->tracer->out)
		r->t = opts->tracer;
	else if (opts && opts->trace) {
		dev_trace_init(&r->own, opts->trace, NULL, NULL);
		r->t = &r->own;
	}
	if (!r->t)
		return;
	const struct isa_program *p = r->t->p;
	if (p && code_addr >= p->code_addr)
		r->first = (uint32_t)((code_addr - p->code_addr) / lay->insn_bytes);
	if (!r->t->begun)
		open_document(r->t, device, hw);
}

/* The segment a load reads or a store writes in DRAM, when the program is
 * known and the transfer's parent is DRAM; else NULL. */
static const char *segment_of(const struct dev_trace_run *r, const struct isa_insn *in)
{
	enum isa_class cls = r->lay->kind[in->kind].cls;
	if (!r->t->p || (cls != ISA_CLASS_LOAD && cls != ISA_CLASS_STORE))
		return NULL;
	const struct hw_level *l = &r->hw->level[in->f[ISA_F_BUF]];
	if (l->parent >= 0)
		return NULL;
	const char *s = isa_program_segment_at(r->t->p, (uint64_t)in->f[ISA_F_ADDR] * isa_parent_unit_bytes(r->hw, in));
	return strcmp(s, "?") ? s : NULL;
}

static void span_head(struct dev_trace_run *r, enum dev_module lane, const char *name, uint32_t index, uint64_t start,
		      uint64_t dur)
{
	/* device/cosim.c reads spans back up to "instruction": keep that order */
	fprintf(r->t->out,
		"%s\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%" PRIu64 ",\"dur\":%" PRIu64
		",\"pid\":1,\"tid\":%d,\"args\":{\"instruction\":%u",
		r->t->comma ? "," : "", name, dev_module_name(lane), r->t->ts0 + start, dur, (int)lane, r->first + index);
	r->t->comma = true;
}

void dev_trace_insn(struct dev_trace_run *r, enum dev_module lane, const struct isa_insn *in, uint32_t index,
		    uint64_t start, uint64_t dur)
{
	if (!r->t)
		return;
	span_head(r, lane, r->lay->kind[in->kind].mnemonic, index, start, dur);
	struct strbuf sb = {0};
	isa_format_insn(r->lay, in, &sb);
	char *text = sb_take(&sb);
	r->nomem |= !text;
	fputs(",\"text\":", r->t->out);
	out_json_string(r->t->out, text);
	free(text);
	const struct isa_program *p = r->t->p;
	uint32_t at = r->first + index;
	const char *op = p && r->t->op_of_insn && at < (uint32_t)p->ninsn ? r->t->op_of_insn[at] : NULL;
	if (op) {
		fputs(",\"op\":", r->t->out);
		out_json_string(r->t->out, op);
	}
	const char *seg = segment_of(r, in);
	if (seg) {
		fputs(",\"segment\":", r->t->out);
		out_json_string(r->t->out, seg);
	}
	fputs("}}", r->t->out);
}

void dev_trace_fetch(struct dev_trace_run *r, uint32_t first, uint64_t start, uint64_t dur)
{
	if (!r->t)
		return;
	span_head(r, DEV_FETCH, "fetch", first, start, dur);
	fputs("}}", r->t->out);
}

int dev_trace_run_end(struct dev_trace_run *r, uint64_t cycles, struct diags *err)
{
	if (!r->t)
		return 0;
	if (r->nomem)
		diag_nomem(err, NULL, 0, "the text of an instruction in the trace");
	if (r->t == &r->own) {
		dev_trace_end(r->t);
		return r->nomem ? -1 : 0;
	}
	r->t->ts0 += cycles;
	return r->nomem ? -1 : 0;
}
