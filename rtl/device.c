/* The "rtl" device: the Verilated accelerator behind the device interface.
 * The model reports instruction starts and ends and fetch requests; this
 * file turns them into the same statistics and trace as the simulator
 * (docs/microarch.md, "Statistics"). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "rtl.h"
#include "device/trace.h"

struct rtl_device {
	struct hw hw;
	struct isa_layout lay;
	const struct rtl_abi *abi;
	void *m;
	uint8_t *dram;
	uint64_t dram_size;
};

/* One run's context for the model's events. */
struct rtl_run {
	struct rtl_device *d;
	struct dev_stats *st;
	struct dev_trace_run trace;
	uint64_t code_addr;
	struct dev_watch watch;
	enum dev_limit limit;
	bool changed;       /* an instruction no longer decodes: its code was overwritten */
	uint32_t changed_index;
	char changed_why[256];
};

static struct rtl_device *dev(struct device *d) { return (struct rtl_device *)(void *)d; }

static struct device *rtl_open(const struct hw *hw, struct diags *err)
{
	struct rtl_device *d = try_calloc(1, sizeof *d);
	if (!d) {
		diag_nomem(err, NULL, sizeof *d, "the rtl device of '%s'", hw->name);
		return NULL;
	}
	d->hw = *hw;
	if (isa_derive(&d->hw, &d->lay, err) || !(d->abi = rtl_model_load(&d->hw, err))) {
		free(d);
		return NULL;
	}
	d->m = d->abi->create(hw->dram.capacity, hw->dram.bandwidth, hw->dram.latency, hw->dram.burst);
	if (!d->m) {
		diag_add(err, NULL, 0, 0, "cannot allocate the %" PRIu64 " bytes of DRAM of '%s'", hw->dram.capacity, hw->name);
		free(d);
		return NULL;
	}
	d->dram = d->abi->dram(d->m);
	d->dram_size = hw->dram.capacity;
	return (struct device *)(void *)d;
}

static void rtl_close(struct device *dv)
{
	struct rtl_device *d = dev(dv);
	if (!d)
		return;
	d->abi->destroy(d->m);
	free(d);
}

static int rtl_write(struct device *dv, uint64_t addr, const void *src, uint64_t n, struct diags *err)
{
	struct rtl_device *d = dev(dv);
	if (dev_check_dram(d->dram_size, addr, n, "write", err))
		return -1;
	if (n)
		memmove(d->dram + addr, src, n);
	return 0;
}

static int rtl_read(struct device *dv, uint64_t addr, void *dst, uint64_t n, struct diags *err)
{
	struct rtl_device *d = dev(dv);
	if (dev_check_dram(d->dram_size, addr, n, "read", err))
		return -1;
	if (n)
		memcpy(dst, d->dram + addr, n);
	return 0;
}

/* ---- events ---- */

/* The instruction as the model ran it, decoded from DRAM (checked before the
 * run): false, remembered for the run's error, when a store of the program
 * overwrote it with bits that do not decode. */
static bool insn_at(struct rtl_run *r, uint32_t index, struct isa_insn *in)
{
	char why[256];
	if (!isa_decode(&r->d->lay, r->d->dram + r->code_addr + (uint64_t)index * r->d->lay.insn_bytes, in, why))
		return true;
	if (!r->changed) {
		r->changed = true;
		r->changed_index = index;
		snprintf(r->changed_why, sizeof r->changed_why, "%s", why);
	}
	return false;
}

static void on_insn(void *ctx, int module, uint32_t index, uint64_t start, uint64_t end)
{
	struct rtl_run *r = ctx;
	static const enum dev_module mod[3] = {DEV_LOAD, DEV_COMPUTE, DEV_STORE};
	struct isa_insn in;
	if (!insn_at(r, index, &in))
		return;
	const struct isa_kind *k = &r->d->lay.kind[in.kind];
	r->st->busy[mod[module]] += end - start;
	r->st->insns[in.kind]++;
	r->st->insns_total++;
	if (k->cls == ISA_CLASS_GEMM)
		r->st->macs += isa_loop_beats(&in) * r->d->hw.intrinsic[k->intrinsic].macs;
	isa_count_actions(&r->d->hw, &r->d->lay, &in, &r->st->act);
	dev_trace_insn(&r->trace, mod[module], &in, index, start, end - start);
}

static void on_fetch(void *ctx, uint32_t first, uint64_t start, uint64_t arrive)
{
	struct rtl_run *r = ctx;
	r->st->busy[DEV_FETCH] += arrive - start;
	dev_trace_fetch(&r->trace, first, start, arrive - start);
}

/* The model is at cycle now and has not finished: the next step takes it to
 * now + 1. */
static int on_poll(void *ctx, uint64_t now)
{
	struct rtl_run *r = ctx;
	return (r->limit = dev_watch_check(&r->watch, now + 1)) != DEV_LIMIT_NONE;
}

/* The RTL trusts its instructions; they are checked here, with the
 * simulator's words, before it runs. */
static int check_code(struct rtl_device *d, uint64_t code_addr, uint32_t ninsn, struct diags *err)
{
	for (uint32_t i = 0; i < ninsn; i++) {
		struct isa_insn in;
		enum isa_field bad;
		char why[256];
		uint64_t at = code_addr + (uint64_t)i * d->lay.insn_bytes;
		if (isa_decode(&d->lay, d->dram + at, &in, why) || isa_check_insn(&d->lay, &in, &bad, why)) {
			diag_add(err, NULL, 0, 0, "instruction %u at DRAM 0x%" PRIx64 ": %s", i, at, why);
			return -1;
		}
	}
	return 0;
}

static int rtl_run(struct device *dv, uint64_t code_addr, uint32_t ninsn, const struct dev_run_opts *opts,
		   struct dev_stats *st, struct diags *err)
{
	struct rtl_device *d = dev(dv);
	memset(st, 0, sizeof *st);
	st->peak_macs_per_cycle = hw_peak_macs_per_cycle(&d->hw);
	if (dev_check_dram(d->dram_size, code_addr, (uint64_t)ninsn * d->lay.insn_bytes, "instruction fetch", err) ||
	    check_code(d, code_addr, ninsn, err))
		return -1;
	struct rtl_run r = {.d = d, .st = st, .code_addr = code_addr};
	dev_trace_run_begin(&r.trace, opts, "rtl", &d->hw, &d->lay, code_addr);
	dev_watch_start(&r.watch, opts);
	struct rtl_abi_events ev = {.ctx = &r, .insn = on_insn, .fetch = on_fetch, .poll = on_poll};
	struct rtl_abi_result res;
	int rc = d->abi->run(d->m, code_addr, ninsn, opts ? opts->waves : NULL, &ev, &res);
	int traced = dev_trace_run_end(&r.trace, rc ? 0 : res.cycles, err);
	if (rc) {
		diag_add(err, NULL, 0, 0, "%s", res.error);
		return -1;
	}
	if (traced)
		return -1;
	if (r.changed) {
		diag_add(err, NULL, 0, 0, "instruction %u no longer decodes after it ran (the program overwrote its code): %s",
			 r.changed_index, r.changed_why);
		return -1;
	}
	st->cycles = res.cycles;
	st->busy[DEV_FETCH] += res.dispatches;
	for (int m = 0; m < DEV_MODULE_COUNT; m++)
		st->stall[m] = res.stall[m];
	st->dram_read = res.dram_read;
	st->dram_written = res.dram_written;
	st->dram_busy = res.dram_busy;
	switch (res.end) {
	case RTL_END_FINISH:
		return 0;
	case RTL_END_LIMIT:
		st->limit = r.limit;
		dev_watch_report(&r.watch, r.limit, res.cycles, st->insns_total, ninsn, err);
		return -1;
	case RTL_END_DRAM_ERROR:
		diag_add(err, NULL, 0, 0, "at cycle %" PRIu64 ": %s", res.cycles, res.error);
		return -1;
	case RTL_END_STUCK:
		if (res.dispatches == ninsn && st->insns_total == ninsn)
			diag_add(err, NULL, 0, 0,
				 "the program ended at cycle %" PRIu64 " without a finish instruction (all %u instructions ran)",
				 res.cycles, ninsn);
		else
			diag_add(err, NULL, 0, 0, "deadlock at cycle %" PRIu64 ": no unit of the RTL can make progress",
				 res.cycles);
		return -1;
	}
	return -1;
}

const struct dev_ops dev_rtl = {
	.name = "rtl",
	.open = rtl_open,
	.write = rtl_write,
	.read = rtl_read,
	.run = rtl_run,
	.close = rtl_close,
};
