/* The cycle-accurate simulator: a device that follows docs/microarch.md.
 *
 * It is event-driven: time jumps from one cycle where something happens (an
 * instruction finishes, fetched instructions arrive, one can be dispatched)
 * to the next, so idle and busy spans cost nothing to simulate; only the data
 * an instruction computes costs time (exec.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "device/trace.h"
#include "base/alloc.h"

/* The device's statistics lane of each module (they share its names). */
static const enum dev_module module_of_queue[ISA_Q_COUNT] = {
#define X(id, name, depth) DEV_##id,
	ISA_QUEUES(X)
#undef X
};

static const uint64_t NEVER = UINT64_MAX;

struct queue {
	struct sim_entry *v;
	uint32_t cap, head, n;
};

struct module {
	struct queue q;
	bool busy;
	uint64_t start, end, macs; /* of the instruction running */
	struct hw_actions act;     /* its actions */
	struct sim_entry cur;
};

struct run {
	struct device *d;
	const struct dev_run_opts *opts;
	struct dev_stats *st;
	struct diags *err;
	struct dram_channel dram, chan[HW_MAX_LEVELS];
	struct module m[ISA_Q_COUNT];
	uint32_t tokens[ISA_T_COUNT];
	/* fetch */
	uint64_t code_addr;
	uint32_t ninsn, next_request, chunk;
	struct sim_entry *fbuf;
	uint8_t *fetched; /* the raw bytes of one chunk */
	uint32_t fbuf_n, fbuf_pos;
	uint64_t request_at, arrive_at; /* NEVER when none */
	uint32_t request_first, request_n;
	bool fetch_stopped;
	bool popped;           /* an instruction that pops tokens started this cycle */
	bool dispatched;       /* an instruction was dispatched this cycle... */
	enum isa_queue dispatched_to; /* ...into this queue */
	/* end */
	bool finished, failed;
	struct dev_trace_run trace;
	struct dev_watch watch; /* the run's limits */
};

/* ---- the device ---- */

static void sim_close(struct device *d);

static struct device *open_device(const struct hw *hw, const struct dev_memory *ext, int64_t dram_latency,
				  struct diags *err)
{
	struct device *d = try_calloc(1, sizeof *d);
	if (!d) {
		diag_nomem(err, NULL, sizeof *d, "the simulator of '%s'", hw->name);
		return NULL;
	}
	d->hw = *hw;
	if (isa_derive(&d->hw, &d->lay, err)) {
		free(d);
		return NULL;
	}
	d->ext = ext;
	d->dram_latency = dram_latency;
	d->dram_size = hw->dram.capacity;
	d->dram = ext ? NULL : try_alloc_pages(d->dram_size);
	if (!ext && !d->dram) {
		diag_add(err, NULL, 0, 0, "cannot allocate %" PRIu64 " bytes of DRAM for '%s'", d->dram_size, hw->name);
		free(d);
		return NULL;
	}
	uint64_t words = (d->dram_size / SIM_PAGE + 64) / 64;
	if (!ext && !(d->dirty = try_calloc(words, sizeof *d->dirty))) {
		diag_nomem(err, NULL, words * sizeof *d->dirty, "the DRAM page map of '%s'", hw->name);
		sim_close(d);
		return NULL;
	}
	for (int i = 0; i < hw->nlevels; i++)
		if (!(d->mem[i] = try_calloc(hw->level[i].capacity, 1))) {
			diag_add(err, NULL, 0, 0, "cannot allocate %" PRIu64 " bytes of scratchpad '%s' for '%s'",
				 hw->level[i].capacity, hw->level[i].name, hw->name);
			sim_close(d);
			return NULL;
		}
	const struct hw_level *acc = &hw->level[hw->role_level[HW_ROLE_ACCUMULATOR]];
	d->acc_elems = acc->elem_bytes / dtype_bytes(acc->dtype);
	const char *no_f16c = getenv("TESSEL_NO_F16C"); /* set: the software conversions (tests, benchmarks) */
	d->f16c = sim_has_f16c() && !(no_f16c && *no_f16c);
	if (sim_plan_intrinsics(d, err)) {
		sim_close(d);
		return NULL;
	}
	return d;
}

static struct device *sim_open(const struct hw *hw, struct diags *err)
{
	return open_device(hw, NULL, -1, err);
}

struct device *sim_open_external(const struct hw *hw, const struct dev_memory *mem, int64_t dram_latency,
				 struct diags *err)
{
	return open_device(hw, mem, dram_latency, err);
}

static void sim_close(struct device *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->hw.nlevels; i++)
		free(d->mem[i]);
	sim_free_plans(d);
	free_pages(d->dram, d->dram_size);
	free(d->dirty);
	free(d);
}

/* The device interface's own DRAM access (outside any run: cycle 0). */
static int host_access(struct device *d, uint64_t addr, void *buf, uint64_t n, bool write, struct diags *err)
{
	const char *what = write ? "write" : "read";
	if (dev_check_dram(d->dram_size, addr, n, what, err))
		return -1;
	d->now = 0;
	if (n && (write ? sim_dram_out(d, addr, buf, n) : sim_dram_in(d, addr, buf, n))) {
		diag_add(err, NULL, 0, 0, "the memory answered a DRAM %s of %" PRIu64 " bytes at 0x%" PRIx64 " with an error",
			 what, n, addr);
		return -1;
	}
	return 0;
}

static int sim_write(struct device *d, uint64_t addr, const void *src, uint64_t n, struct diags *err)
{
	return host_access(d, addr, (void *)src, n, true, err);
}

static int sim_zero(struct device *d, uint64_t addr, uint64_t n, struct diags *err)
{
	if (dev_check_dram(d->dram_size, addr, n, "write", err))
		return -1;
	d->now = 0;
	if (sim_dram_zero(d, addr, n)) {
		diag_add(err, NULL, 0, 0, "the memory answered a DRAM write of %" PRIu64 " zero bytes at 0x%" PRIx64 " with an error",
			 n, addr);
		return -1;
	}
	return 0;
}

static int sim_read(struct device *d, uint64_t addr, void *dst, uint64_t n, struct diags *err)
{
	return host_access(d, addr, dst, n, false, err);
}

/* ---- timing ---- */

static struct dram_channel *parent_channel(struct run *r, const struct hw_level *l)
{
	return l->parent < 0 ? &r->dram : &r->chan[l->parent];
}

/* Cycles from start to completion (isa_duration); makes a transfer's
 * memory requests on its channel. */
static uint64_t duration(struct run *r, const struct isa_insn *in, uint64_t now)
{
	const struct isa_layout *lay = &r->d->lay;
	enum isa_class cls = lay->kind[in->kind].cls;
	uint64_t data = now;
	if (cls == ISA_CLASS_LOAD || cls == ISA_CLASS_STORE) {
		struct dram_channel *c = parent_channel(r, &r->d->hw.level[in->f[ISA_F_BUF]]);
		uint64_t rows, row_bytes;
		isa_transfer_requests(lay, in, &rows, &row_bytes);
		if (rows)
			data = dram_request_rows(c, now, rows, row_bytes, cls == ISA_CLASS_STORE);
	}
	return isa_duration(lay, in, now, data);
}

static void start(struct run *r, enum isa_queue q, uint64_t now)
{
	struct module *m = &r->m[q];
	m->cur = m->q.v[m->q.head];
	r->d->now = now;
	m->q.head = (m->q.head + 1) % m->q.cap;
	m->q.n--;
	const struct isa_insn *in = &m->cur.in;
	isa_tokens_step(r->tokens, q, in, ISA_TOKENS_START);
	uint64_t dur = duration(r, in, now);
	/* what an instruction that ends past the cycle limit computes is never
	 * seen (the run stops first), and computing it could take hours */
	bool beyond = r->watch.max_cycles && dur > r->watch.max_cycles - now;
	if (!(r->opts && r->opts->timing_only) && !beyond && sim_exec(r->d, &m->cur, r->err)) {
		r->failed = true;
		return;
	}
	m->busy = true;
	m->start = now;
	m->end = now + dur;
	m->macs = 0;
	enum dev_module dm = module_of_queue[q];
	r->st->busy[dm] += dur;
	r->st->insns[in->kind]++;
	r->st->insns_total++;
	const struct isa_kind *k = &r->d->lay.kind[in->kind];
	if (k->cls == ISA_CLASS_GEMM)
		r->st->macs += m->macs = isa_loop_beats(in) * r->d->hw.intrinsic[k->intrinsic].macs;
	memset(&m->act, 0, sizeof m->act);
	isa_count_actions(&r->d->hw, &r->d->lay, in, &m->act);
	hw_actions_add(&r->st->act, &m->act);
	dev_trace_insn(&r->trace, dm, in, m->cur.index, now, dur);
}

static void complete(struct run *r, enum isa_queue q, uint64_t now)
{
	struct module *m = &r->m[q];
	const struct isa_insn *in = &m->cur.in;
	isa_tokens_step(r->tokens, q, in, ISA_TOKENS_COMPLETE);
	m->busy = false;
	if (r->d->lay.kind[in->kind].cls == ISA_CLASS_FINISH) {
		r->finished = true;
		r->st->cycles = now;
	}
}

/* Takes the part `left` of `of` of x out of count. */
static void take_part(uint64_t *count, uint64_t x, uint64_t left, uint64_t of)
{
	*count -= (uint64_t)((double)x * ((double)left / (double)of));
}

/* A run stopped at cycle stop: what runs past it is taken out of the
 * statistics (busy cycles; MACs and actions in proportion), which counted
 * it whole. */
static void cut_at(struct run *r, uint64_t stop)
{
	for (int q = 0; q < ISA_Q_COUNT; q++) {
		struct module *m = &r->m[q];
		if (!m->busy || m->end <= stop)
			continue;
		uint64_t dur = m->end - m->start, left = m->end - stop;
		r->st->busy[module_of_queue[q]] -= left;
		take_part(&r->st->macs, m->macs, left, dur);
		struct hw_actions *a = &r->st->act;
		for (int i = 0; i < HW_MAX_INTRINSICS; i++)
			take_part(&a->macs[i], m->act.macs[i], left, dur);
		for (int l = 0; l < HW_MAX_LEVELS; l++) {
			take_part(&a->reads[l], m->act.reads[l], left, dur);
			take_part(&a->writes[l], m->act.writes[l], left, dur);
		}
		for (int op = 0; op < HW_ALU_OP_COUNT; op++)
			take_part(&a->alu[op], m->act.alu[op], left, dur);
	}
	if (r->arrive_at != NEVER && r->arrive_at > stop)
		r->st->busy[DEV_FETCH] -= r->arrive_at - stop;
	/* a dispatch at the stop cycle itself counted that cycle, one past the
	 * cycles run */
	if (r->st->busy[DEV_FETCH] > stop)
		r->st->busy[DEV_FETCH] = stop;
	/* the bus is busy without a gap from the stop to bus_free: every
	 * request was made by the stop, and one made after the bus was free
	 * starts when it is made */
	if (r->dram.bus_free > stop)
		r->dram.busy_cycles -= r->dram.bus_free - stop;
}

/* ---- fetch ---- */

static void fetch_request(struct run *r, uint64_t now)
{
	uint32_t n = r->ninsn - r->next_request < r->chunk ? r->ninsn - r->next_request : r->chunk;
	r->request_first = r->next_request;
	r->request_n = n;
	r->next_request += n;
	r->arrive_at = dram_request(&r->dram, now, (uint64_t)n * r->d->lay.insn_bytes, 0);
	r->request_at = NEVER;
	r->st->busy[DEV_FETCH] += r->arrive_at - now;
	dev_trace_fetch(&r->trace, r->request_first, now, r->arrive_at - now);
}

/* The requested instructions arrive: decoded from DRAM as it is now. */
static void fetch_arrive(struct run *r, uint64_t now)
{
	const struct isa_layout *lay = &r->d->lay;
	uint64_t at = r->code_addr + (uint64_t)r->request_first * lay->insn_bytes, n = (uint64_t)r->request_n * lay->insn_bytes;
	r->arrive_at = NEVER;
	r->fbuf_n = r->fbuf_pos = 0;
	r->d->now = now;
	if (sim_dram_in(r->d, at, r->fetched, n)) {
		diag_add(r->err, NULL, 0, 0,
			 "the memory answered the fetch of instructions %u to %u (%" PRIu64 " bytes at 0x%" PRIx64
			 ") with an error",
			 r->request_first, r->request_first + r->request_n - 1, n, at);
		r->failed = true;
		return;
	}
	for (uint32_t i = 0; i < r->request_n; i++) {
		uint32_t index = r->request_first + i;
		const uint8_t *b = r->fetched + (uint64_t)i * lay->insn_bytes;
		struct sim_entry *e = &r->fbuf[r->fbuf_n++];
		enum isa_field bad;
		char why[256];
		e->index = index;
		if (isa_decode(lay, b, &e->in, why) || isa_check_insn(lay, &e->in, &bad, why)) {
			diag_add(r->err, NULL, 0, 0, "instruction %u at DRAM 0x%" PRIx64 ": %s", index,
				 r->code_addr + (uint64_t)index * lay->insn_bytes, why);
			r->failed = true;
			return;
		}
	}
}

static void fetch_dispatch(struct run *r, uint64_t now)
{
	r->dispatched = false;
	if (r->fbuf_pos == r->fbuf_n || r->fetch_stopped)
		return;
	struct sim_entry *e = &r->fbuf[r->fbuf_pos];
	enum isa_queue q = isa_queue_of(&r->d->lay, &e->in);
	struct queue *qu = &r->m[q].q;
	if (qu->n == qu->cap)
		return;
	qu->v[(qu->head + qu->n) % qu->cap] = *e;
	qu->n++;
	r->fbuf_pos++;
	r->dispatched = true;
	r->dispatched_to = q;
	r->st->busy[DEV_FETCH]++;
	if (r->d->lay.kind[e->in.kind].cls == ISA_CLASS_FINISH)
		r->fetch_stopped = true;
	else if (r->fbuf_pos == r->fbuf_n && r->next_request < r->ninsn)
		r->request_at = now + 1;
}

/* ---- the loop ---- */

static void describe_wait(struct run *r, struct strbuf *sb)
{
	for (int q = 0; q < ISA_Q_COUNT; q++) {
		struct module *m = &r->m[q];
		if (m->busy || !m->q.n)
			continue;
		const struct sim_entry *e = &m->q.v[m->q.head];
		bool full;
		int t = isa_tokens_wait(&r->d->hw, r->tokens, q, &e->in, &full);
		if (t < 0)
			continue;
		sb_printf(sb, "; %s waits at instruction %u (%s) for ", isa_queue_name(q), e->index,
			  r->d->lay.kind[e->in.kind].mnemonic);
		if (full)
			sb_printf(sb, "room on %s, which is full (%u tokens)", isa_token_name(t), r->d->hw.queues.token);
		else
			sb_printf(sb, "a token on %s, which is empty", isa_token_name(t));
	}
	if (r->fbuf_pos < r->fbuf_n && !r->fetch_stopped) {
		const struct sim_entry *e = &r->fbuf[r->fbuf_pos];
		enum isa_queue q = isa_queue_of(&r->d->lay, &e->in);
		sb_printf(sb, "; fetch waits at instruction %u (%s) for room in the %s queue, which is full (%u)", e->index,
			  r->d->lay.kind[e->in.kind].mnemonic, isa_queue_name(q), r->m[q].q.cap);
	}
}

static void report_stuck(struct run *r, uint64_t now)
{
	bool queued = r->fbuf_pos < r->fbuf_n && !r->fetch_stopped;
	for (int q = 0; q < ISA_Q_COUNT; q++)
		queued |= r->m[q].q.n > 0;
	if (!queued) {
		diag_add(r->err, NULL, 0, 0,
			 "the program ended at cycle %" PRIu64 " without a finish instruction (all %u instructions ran)", now,
			 r->ninsn);
		return;
	}
	struct strbuf sb = {0};
	describe_wait(r, &sb);
	char *s = sb_take(&sb);
	diag_add(r->err, NULL, 0, 0, "deadlock at cycle %" PRIu64 "%s", now, s ? s : " (no memory to say what waits)");
	free(s);
}

static uint64_t next_event(struct run *r, uint64_t now)
{
	uint64_t next = NEVER;
	for (int q = 0; q < ISA_Q_COUNT; q++)
		if (r->m[q].busy && r->m[q].end < next)
			next = r->m[q].end;
	if (r->arrive_at < next)
		next = r->arrive_at;
	if (r->request_at < next)
		next = r->request_at;
	if (r->dispatched && now + 1 < next)
		next = now + 1; /* what was dispatched may start, and fetch may dispatch again */
	if (r->popped && now + 1 < next)
		next = now + 1; /* a module before it in this cycle's order may have waited for that room */
	return next;
}

static void count_stalls(struct run *r, uint64_t now, uint64_t next)
{
	for (int q = 0; q < ISA_Q_COUNT; q++) {
		if (r->m[q].busy || !r->m[q].q.n)
			continue;
		/* what was dispatched this cycle could not have started in it */
		bool fresh = r->dispatched && r->dispatched_to == (enum isa_queue)q && r->m[q].q.n == 1;
		r->st->stall[module_of_queue[q]] += next - now - fresh;
	}
	if (r->fbuf_pos < r->fbuf_n && !r->dispatched && !r->fetch_stopped)
		r->st->stall[DEV_FETCH] += next - now;
}

static void step(struct run *r, uint64_t now)
{
	for (int q = 0; q < ISA_Q_COUNT; q++)
		if (r->m[q].busy && r->m[q].end == now)
			complete(r, q, now);
	if (r->finished)
		return;
	if (r->arrive_at == now)
		fetch_arrive(r, now);
	if (r->failed)
		return;
	r->popped = false;
	for (int q = 0; q < ISA_Q_COUNT && !r->failed; q++) {
		struct module *m = &r->m[q];
		bool full;
		const struct isa_insn *in = &m->q.v[m->q.head].in;
		if (!m->busy && m->q.n && isa_tokens_wait(&r->d->hw, r->tokens, q, in, &full) < 0) {
			r->popped |= in->f[ISA_F_POP_PREV] || in->f[ISA_F_POP_NEXT];
			start(r, q, now);
		}
	}
	if (r->failed)
		return;
	if (r->request_at == now)
		fetch_request(r, now);
	fetch_dispatch(r, now);
}

/* 0, or -1 with an error when out of memory (free_run frees what was made). */
static int init_run(struct run *r, struct device *d, uint64_t code_addr, uint32_t ninsn, struct diags *err)
{
	const struct hw *hw = &d->hw;
	uint32_t latency = d->dram_latency >= 0 ? (uint32_t)d->dram_latency : hw->dram.latency;
	dram_channel_init(&r->dram, hw->dram.bandwidth, latency, hw->dram.burst);
	for (int i = 0; i < hw->nlevels; i++)
		dram_channel_init(&r->chan[i], hw->level[i].bandwidth, hw->level[i].latency, hw->level[i].port_bits / 8);
	for (int q = 0; q < ISA_Q_COUNT; q++) {
		r->m[q].q.cap = isa_queue_depth(hw, q);
		if (!(r->m[q].q.v = try_calloc(r->m[q].q.cap, sizeof(struct sim_entry))))
			return diag_nomem(err, NULL, (size_t)r->m[q].q.cap * sizeof(struct sim_entry), "the %s queue of '%s'",
					  isa_queue_name((enum isa_queue)q), hw->name);
	}
	r->code_addr = code_addr;
	r->ninsn = ninsn;
	r->chunk = hw->dram.burst / d->lay.insn_bytes ? hw->dram.burst / d->lay.insn_bytes : 1;
	if (!(r->fbuf = try_calloc(r->chunk, sizeof *r->fbuf)))
		return diag_nomem(err, NULL, (size_t)r->chunk * sizeof *r->fbuf, "the fetch buffer of '%s'", hw->name);
	if (!(r->fetched = try_malloc((size_t)r->chunk * d->lay.insn_bytes)))
		return diag_nomem(err, NULL, (size_t)r->chunk * d->lay.insn_bytes, "the fetched instructions of '%s'", hw->name);
	r->request_at = ninsn ? 0 : NEVER;
	r->arrive_at = NEVER;
	return 0;
}

static void free_run(struct run *r)
{
	for (int q = 0; q < ISA_Q_COUNT; q++)
		free(r->m[q].q.v);
	free(r->fbuf);
	free(r->fetched);
}

static int sim_run(struct device *d, uint64_t code_addr, uint32_t ninsn, const struct dev_run_opts *opts,
		   struct dev_stats *st, struct diags *err)
{
	memset(st, 0, sizeof *st);
	st->peak_macs_per_cycle = hw_peak_macs_per_cycle(&d->hw);
	if (dev_check_dram(d->dram_size, code_addr, (uint64_t)ninsn * d->lay.insn_bytes, "instruction fetch", err))
		return -1;
	struct run r = {.d = d, .opts = opts, .st = st, .err = err};
	if (init_run(&r, d, code_addr, ninsn, err)) {
		free_run(&r);
		return -1;
	}
	dev_watch_start(&r.watch, opts);
	dev_trace_run_begin(&r.trace, opts, "sim", &d->hw, &d->lay, code_addr);
	uint64_t now = 0;
	enum dev_limit limit = DEV_LIMIT_NONE;
	for (;;) {
		step(&r, now);
		if (r.finished || r.failed)
			break;
		uint64_t next = next_event(&r, now);
		if (next == NEVER) {
			report_stuck(&r, now);
			r.failed = true;
			break;
		}
		if ((limit = dev_watch_check(&r.watch, next)) != DEV_LIMIT_NONE) {
			/* stopped: the statistics count up to the limit */
			uint64_t stop = limit == DEV_LIMIT_CYCLES ? r.watch.max_cycles : now;
			count_stalls(&r, now, stop);
			cut_at(&r, stop);
			st->cycles = stop;
			st->limit = limit;
			dev_watch_report(&r.watch, limit, stop, st->insns_total, ninsn, err);
			r.failed = true;
			break;
		}
		count_stalls(&r, now, next);
		now = next;
	}
	if (dev_trace_run_end(&r.trace, st->cycles, err))
		r.failed = true;
	st->dram_read = r.dram.bytes_read;
	st->dram_written = r.dram.bytes_written;
	st->dram_busy = r.dram.busy_cycles;
	free_run(&r);
	return r.failed ? -1 : 0;
}

const struct dev_ops dev_sim = {
	.name = "sim",
	.open = sim_open,
	.write = sim_write,
	.read = sim_read,
	.zero = sim_zero,
	.run = sim_run,
	.close = sim_close,
};
