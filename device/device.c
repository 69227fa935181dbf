#include "device.h"
#include "base/alloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const module_names[DEV_MODULE_COUNT] = {
#define X(id, name) name,
	DEV_MODULES(X)
#undef X
};

const char *dev_module_name(enum dev_module m) { return module_names[m]; }

int dev_load_program(const struct dev_ops *ops, struct device *d, const struct isa_program *p, struct diags *err)
{
	const struct isa_layout *lay = &p->layout;
	size_t code_bytes = (size_t)p->ninsn * lay->insn_bytes, uop_bytes = (size_t)p->nuop * lay->uop_bytes;
	uint8_t *buf = try_calloc(code_bytes + uop_bytes + 1, 1);
	if (!buf)
		return diag_nomem(err, NULL, code_bytes + uop_bytes + 1, "the code and micro-ops of a program for '%s'", p->hw.name);
	for (int i = 0; i < p->ninsn; i++)
		isa_encode(lay, &p->insn[i], buf + (size_t)i * lay->insn_bytes);
	for (int i = 0; i < p->nuop; i++)
		isa_encode_uop(lay, &p->uop[i], buf + code_bytes + (size_t)i * lay->uop_bytes);
	int rc = ops->write(d, p->code_addr, buf, code_bytes, err) ||
		 ops->write(d, p->uop_addr, buf + code_bytes, uop_bytes, err);
	free(buf);
	for (int i = 0; i < p->nseg && !rc; i++) { /* the data, then zeros to the end */
		const struct isa_segment *s = &p->seg[i];
		uint64_t n = s->data_len < s->size ? s->data_len : s->size;
		rc = (n && ops->write(d, s->addr, s->data, n, err)) || dev_zero(ops, d, s->addr + n, s->size - n, err);
	}
	return rc ? -1 : 0;
}

int dev_zero(const struct dev_ops *ops, struct device *d, uint64_t addr, uint64_t n, struct diags *err)
{
	if (ops->zero)
		return ops->zero(d, addr, n, err);
	static const uint8_t zeros[65536];
	for (uint64_t done = 0; done < n; done += sizeof zeros) {
		uint64_t k = n - done < sizeof zeros ? n - done : sizeof zeros;
		if (ops->write(d, addr + done, zeros, k, err))
			return -1;
	}
	return 0;
}

/* What a gather writes: each byte from its source, or zero. */
static int gather(const struct dev_ops *ops, struct device *d, const struct isa_step *g, struct diags *err)
{
	uint64_t span = isa_gather_span(g);
	uint8_t *src = try_malloc((size_t)span + 1), *dst = try_malloc((size_t)g->n);
	int rc = !src || !dst ? diag_nomem(err, NULL, (size_t)(span + g->n), "a gather of %" PRIu64 " bytes", g->n)
			      : ops->read(d, g->src, src, span, err);
	for (uint64_t k = 0; !rc && k < g->n; k++)
		dst[k] = g->from[k] == ISA_GATHER_ZERO ? 0 : src[g->from[k]];
	rc = rc || ops->write(d, g->dst, dst, g->n, err);
	free(src);
	free(dst);
	return rc;
}

static double monotonic_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void dev_stats_add(struct dev_stats *to, const struct dev_stats *x)
{
	to->cycles += x->cycles;
	for (int m = 0; m < DEV_MODULE_COUNT; m++)
		to->busy[m] += x->busy[m], to->stall[m] += x->stall[m];
	to->dram_read += x->dram_read, to->dram_written += x->dram_written, to->dram_busy += x->dram_busy;
	for (int k = 0; k < ISA_MAX_KINDS; k++)
		to->insns[k] += x->insns[k];
	to->insns_total += x->insns_total, to->macs += x->macs;
	hw_actions_add(&to->act, &x->act);
	to->peak_macs_per_cycle = x->peak_macs_per_cycle;
	to->limit = x->limit;
}

/* A host op: its operands read from DRAM, computed by the runner's host
 * backend, its result written back. */
static int host_step(const struct dev_ops *ops, struct device *d, const struct isa_program *p, const struct isa_step *s,
		     const struct dev_host *host, struct diags *err)
{
	const struct isa_host_op *h = &p->host[s->host];
	if (!host || !host->run) {
		diag_add(err, NULL, 0, 0,
			 "the program computes op '%s' on the host between runs, and this runner has no host backend "
			 "(tessel run and the C API have one)",
			 h->name);
		return -1;
	}
	uint8_t *ins[ISA_HOST_MAX_IN] = {0}, *out = try_malloc((size_t)h->out_bytes + 1);
	int rc = out ? 0 : diag_nomem(err, NULL, (size_t)h->out_bytes, "the result of host op '%s'", h->name);
	for (int k = 0; k < h->nin && !rc; k++) {
		if (!(ins[k] = try_malloc((size_t)h->in_bytes[k] + 1)))
			rc = diag_nomem(err, NULL, (size_t)h->in_bytes[k], "operand %d of host op '%s'", k, h->name);
		else
			rc = ops->read(d, h->in_addr[k], ins[k], h->in_bytes[k], err);
	}
	rc = rc || host->run(host->ctx, h, (const uint8_t *const *)ins, out, err) ||
	     ops->write(d, h->out_addr, out, h->out_bytes, err);
	for (int k = 0; k < h->nin; k++)
		free(ins[k]);
	free(out);
	return rc ? -1 : 0;
}

int dev_run_program(const struct dev_ops *ops, struct device *d, const struct isa_program *p,
		    const struct dev_run_opts *opts, struct dev_stats *st, struct diags *err)
{
	if (dev_load_program(ops, d, p, err))
		return -1;
	return dev_run_loaded(ops, d, p, opts, st, err);
}

int dev_run_loaded(const struct dev_ops *ops, struct device *d, const struct isa_program *p,
		   const struct dev_run_opts *opts, struct dev_stats *st, struct diags *err)
{
	if (!p->nstep)
		return ops->run(d, p->code_addr, (uint32_t)p->ninsn, opts, st, err);
	/* runs one after another, their statistics summed, the gathers between them done here */
	memset(st, 0, sizeof *st);
	struct dev_run_opts o = opts ? *opts : (struct dev_run_opts){0};
	for (int i = 0; i < p->nstep; i++) {
		const struct isa_step *s = &p->step[i];
		if (s->kind == ISA_STEP_GATHER || s->kind == ISA_STEP_HOST) {
			double t0 = monotonic_seconds();
			if (s->kind == ISA_STEP_GATHER ? gather(ops, d, s, err) : host_step(ops, d, p, s, o.host, err))
				return -1;
			st->host_seconds += monotonic_seconds() - t0;
			continue;
		}
		struct dev_stats part;
		if (opts && opts->max_cycles)
			o.max_cycles = opts->max_cycles > st->cycles ? opts->max_cycles - st->cycles : 1;
		int rc = ops->run(d, p->code_addr + (uint64_t)s->first * p->layout.insn_bytes, s->count, &o, &part, err);
		dev_stats_add(st, &part);
		if (rc)
			return -1;
	}
	return 0;
}

int dev_check_dram(uint64_t dram_size, uint64_t addr, uint64_t n, const char *what, struct diags *err)
{
	if (addr > dram_size || n > dram_size - addr) {
		diag_add(err, NULL, 0, 0, "DRAM %s of %" PRIu64 " bytes at 0x%" PRIx64 " is outside DRAM (%" PRIu64 " bytes)",
			 what, n, addr, dram_size);
		return -1;
	}
	return 0;
}

void dev_watch_start(struct dev_watch *w, const struct dev_run_opts *opts)
{
	memset(w, 0, sizeof *w);
	if (!opts)
		return;
	w->max_cycles = opts->max_cycles;
	w->max_seconds = opts->max_seconds;
	if (opts->max_seconds > 0)
		w->deadline = monotonic_seconds() + opts->max_seconds;
}

enum dev_limit dev_watch_check(struct dev_watch *w, uint64_t now)
{
	if (w->max_cycles && now > w->max_cycles)
		return DEV_LIMIT_CYCLES;
	if (w->deadline > 0 && ++w->calls % 256 == 0 && monotonic_seconds() >= w->deadline)
		return DEV_LIMIT_SECONDS;
	return DEV_LIMIT_NONE;
}

void dev_watch_report(const struct dev_watch *w, enum dev_limit l, uint64_t now, uint64_t insns_done, uint32_t ninsn,
		      struct diags *err)
{
	char what[96];
	if (l == DEV_LIMIT_CYCLES)
		snprintf(what, sizeof what, "the cycle limit %" PRIu64 " (--max-cycles)", w->max_cycles);
	else
		snprintf(what, sizeof what, "the time limit of %g s (--max-seconds), at cycle %" PRIu64, w->max_seconds, now);
	diag_add(err, NULL, 0, 0,
		 "stopped at %s: the program had not finished (%" PRIu64 " of its %u instructions started); "
		 "raise the limit, or 0 for none, to run it further",
		 what, insns_done, ninsn);
}

int dev_read_output(const struct dev_ops *ops, struct device *d, const struct isa_program *p, int port,
		    uint8_t *tensor, struct diags *err)
{
	const struct isa_port *pt = &p->port[port];
	uint64_t span = isa_port_span(pt);
	uint8_t *bytes = try_malloc((size_t)span + 1);
	if (!bytes)
		return diag_nomem(err, NULL, (size_t)span, "output '%s'", pt->name);
	int rc = ops->read(d, pt->place[0].addr, bytes, span, err);
	if (!rc)
		isa_port_take_output(pt, bytes, tensor);
	free(bytes);
	return rc;
}
