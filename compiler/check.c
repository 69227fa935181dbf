/* compiler/check: structural checks of a program, so that a compiler bug is
 * reported as an error naming the op and the instruction, never found by a
 * device as a crash or a hang.
 *
 * - every instruction encodable (isa_check_insn);
 * - every transfer inside its on-chip level and its parent;
 * - every micro-op loop inside its buffers, with the micro-op buffer's
 *   contents followed through the loads that fill it (also when staged
 *   through shared levels);
 * - no deadlock: the token protocol and the queue depths run without
 *   timing, every module starting its head instruction as soon as its
 *   tokens allow. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "base/alloc.h"

struct checker {
	const struct isa_program *p;
	const struct hw *hw;
	const struct isa_layout *lay;
	const char *const *insn_op;
	struct diags *err;
	int64_t *uop_src;        /* per micro-op buffer element: index into p->uop, -1 unknown */
	uint64_t *shared_src[HW_MAX_LEVELS]; /* per shared element: DRAM byte it came from, UINT64_MAX none */
	int nerr;
};

static void bad(struct checker *c, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(struct checker *c, int i, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *op = c->insn_op && c->insn_op[i] ? c->insn_op[i] : NULL;
	if (c->nerr++ < 20)
		diag_add(c->err, NULL, 0, 0, "%s%s%sinstruction %d (%s): %s", op ? "op '" : "", op ? op : "", op ? "': " : "", i,
			 c->lay->kind[c->p->insn[i].kind].mnemonic, msg);
}

/* What the transfer's addr counts (elements, or a narrow transfer's values:
 * isa_parent_unit_bytes) that its level's parent holds. */
static uint64_t parent_elems(const struct checker *c, const struct isa_insn *in)
{
	int parent = c->hw->level[in->f[ISA_F_BUF]].parent;
	uint64_t u = isa_parent_unit_bytes(c->hw, in);
	if (parent < 0)
		return isa_program_dram_end(c->p) / u;
	return c->hw->level[parent].capacity / u;
}

/* Follows what a transfer puts into the micro-op buffer and shared levels. */
static void track(struct checker *c, const struct isa_insn *in)
{
	int lv = (int)in->f[ISA_F_BUF];
	const struct hw_level *L = &c->hw->level[lv];
	uint64_t e = L->elem_bytes, n = (uint64_t)(in->f[ISA_F_YSIZE] * in->f[ISA_F_XSIZE]);
	if (L->role != HW_ROLE_SHARED && L->role != HW_ROLE_UOP) /* nothing followed there */
		return;
	if (in->f[ISA_F_YPAD0] || in->f[ISA_F_YPAD1] || in->f[ISA_F_XPAD0] || in->f[ISA_F_XPAD1])
		return;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t r = k / (uint64_t)in->f[ISA_F_XSIZE], x = k % (uint64_t)in->f[ISA_F_XSIZE];
		uint64_t src = ((uint64_t)in->f[ISA_F_ADDR] + r * (uint64_t)in->f[ISA_F_XSTRIDE] + x) * e; /* byte in parent */
		if (L->parent >= 0) { /* from a shared level: where that byte came from */
			const struct hw_level *P = &c->hw->level[L->parent];
			uint64_t *map = c->shared_src[L->parent];
			uint64_t pe = src / P->elem_bytes;
			src = map && pe < P->depth && map[pe] != UINT64_MAX ? map[pe] + src % P->elem_bytes : UINT64_MAX;
		}
		uint64_t dst = (uint64_t)in->f[ISA_F_IDX] + k;
		if (L->role == HW_ROLE_SHARED && c->shared_src[lv]) {
			if (dst < L->depth)
				c->shared_src[lv][dst] = src;
		} else if (L->role == HW_ROLE_UOP && dst < L->depth) {
			uint64_t u = src == UINT64_MAX || src < c->p->uop_addr ? UINT64_MAX : (src - c->p->uop_addr) / c->lay->uop_bytes;
			c->uop_src[dst] = u < (uint64_t)c->p->nuop ? (int64_t)u : -1;
		}
	}
}

static void check_transfer(struct checker *c, int i, const struct isa_insn *in, bool load)
{
	int lv = (int)in->f[ISA_F_BUF];
	const struct hw_level *L = &c->hw->level[lv];
	uint64_t rows = (uint64_t)in->f[ISA_F_YSIZE], cols = (uint64_t)in->f[ISA_F_XSIZE];
	uint64_t block = isa_transfer_block(c->lay, in); /* what crosses the level's port */
	if ((uint64_t)in->f[ISA_F_IDX] + block > L->depth)
		bad(c, i, "elements %" PRId64 " to %" PRIu64 " are past the end of '%s' (%u elements)", in->f[ISA_F_IDX],
		    (uint64_t)in->f[ISA_F_IDX] + block - 1, L->name, L->depth);
	uint64_t values = in->f[ISA_F_VALUES] ? (uint64_t)in->f[ISA_F_VALUES] : 1; /* units per element */
	uint64_t end = (uint64_t)in->f[ISA_F_ADDR] + (rows - 1) * (uint64_t)in->f[ISA_F_XSTRIDE] + cols * values;
	if (end > parent_elems(c, in))
		bad(c, i, "rows reach element %" PRIu64 " of the level above '%s', which has %" PRIu64, end - 1, L->name,
		    parent_elems(c, in));
	if (load)
		track(c, in);
}

static void check_loop(struct checker *c, int i, const struct isa_insn *in, bool gemm)
{
	const struct hw *hw = c->hw;
	const struct hw_intrinsic *intr = gemm ? &hw->intrinsic[c->lay->kind[in->kind].intrinsic] : NULL;
	int lacc = hw->role_level[HW_ROLE_ACCUMULATOR];
	int lsrc = gemm ? intr->a.level : lacc, lwgt = gemm ? intr->b.level : -1;
	uint64_t tdst = gemm ? intr->out.elems_per_tile : 1, tsrc = gemm ? intr->a.elems_per_tile : 1,
		 twgt = gemm ? intr->b.elems_per_tile : 0;
	uint64_t o = (uint64_t)in->f[ISA_F_ITER_OUT] - 1, n = (uint64_t)in->f[ISA_F_ITER_IN] - 1;
	for (int64_t u = in->f[ISA_F_UOP_BEGIN]; u < in->f[ISA_F_UOP_END]; u++) {
		if (c->uop_src[u] < 0) {
			bad(c, i, "micro-op %" PRId64 " was never loaded from the program's micro-ops", u);
			return;
		}
		const struct isa_uop *m = &c->p->uop[c->uop_src[u]];
		uint64_t dst = m->dst + o * (uint64_t)in->f[ISA_F_DST_OUT] + n * (uint64_t)in->f[ISA_F_DST_IN] + tdst;
		uint64_t src = m->src + o * (uint64_t)in->f[ISA_F_SRC_OUT] + n * (uint64_t)in->f[ISA_F_SRC_IN] + tsrc;
		uint64_t wgt = m->wgt + o * (uint64_t)in->f[ISA_F_WGT_OUT] + n * (uint64_t)in->f[ISA_F_WGT_IN] + twgt;
		if (dst > hw->level[lacc].depth || src > hw->level[lsrc].depth || (gemm && wgt > hw->level[lwgt].depth)) {
			bad(c, i, "micro-op %" PRId64 " reaches past a buffer: last destination element %" PRIu64
				  " (of %u), source %" PRIu64 " (of %u)%s", u, dst - 1, hw->level[lacc].depth, src - 1,
			    hw->level[lsrc].depth, gemm && wgt > hw->level[lwgt].depth ? ", and the weights" : "");
			return;
		}
	}
}

/* ---- deadlock freedom ---- */

struct fifo {
	int *v;
	int head, n, cap;
};

/* Runs instruction i on module q if its tokens allow: untimed, so it pops
 * and pushes at once (isa_tokens_step), as if it took no cycles.  The token
 * network is deterministic (each module and fetch act in order and block on
 * empty or full queues), so whether it deadlocks does not depend on timing. */
static bool run_untimed(const struct checker *c, int i, enum isa_queue q, uint32_t *tokens)
{
	bool full;
	if (isa_tokens_wait(c->hw, tokens, q, &c->p->insn[i], &full) >= 0)
		return false;
	isa_tokens_step(tokens, q, &c->p->insn[i], ISA_TOKENS_START);
	isa_tokens_step(tokens, q, &c->p->insn[i], ISA_TOKENS_COMPLETE);
	return true;
}

/* One run: instructions first .. end - 1, the last its finish; when
 * another run follows, it must leave the token queues empty. */
static int check_run(struct checker *c, int first, int end, bool followed)
{
	size_t bytes = (size_t)(c->p->ninsn + 1) * ISA_Q_COUNT * sizeof(int);
	int *ring = try_malloc(bytes);
	if (!ring)
		return diag_nomem(c->err, NULL, bytes, "the queues of the deadlock check (%d instructions)", c->p->ninsn);
	struct fifo f[ISA_Q_COUNT];
	for (int q = 0; q < ISA_Q_COUNT; q++)
		f[q] = (struct fifo){ring + (size_t)q * (size_t)(c->p->ninsn + 1), 0, 0, c->p->ninsn + 1};
	uint32_t tokens[ISA_T_COUNT] = {0};
	int next = first;
	bool finished = false, progress = true;
	while (!finished && progress) {
		progress = false;
		for (int q = 0; q < ISA_Q_COUNT && !finished; q++) {
			while (f[q].n) {
				int i = f[q].v[f[q].head];
				if (!run_untimed(c, i, (enum isa_queue)q, tokens))
					break;
				f[q].head++, f[q].n--, progress = true;
				if (c->lay->kind[c->p->insn[i].kind].cls == ISA_CLASS_FINISH)
					finished = true;
			}
		}
		while (!finished && next < end) {
			enum isa_queue q = isa_queue_of(c->lay, &c->p->insn[next]);
			if ((uint32_t)f[q].n >= isa_queue_depth(c->hw, q))
				break;
			f[q].v[f[q].head + f[q].n++] = next++;
			progress = true;
		}
	}
	if (!finished) {
		for (int q = 0; q < ISA_Q_COUNT; q++) {
			if (!f[q].n)
				continue;
			int i = f[q].v[f[q].head];
			bool full = false;
			int t = isa_tokens_wait(c->hw, tokens, (enum isa_queue)q, &c->p->insn[i], &full);
			bad(c, i, "deadlock: the %s module waits for the %s token queue to %s", isa_queue_name((enum isa_queue)q),
			    t >= 0 ? isa_token_name(t) : "(none)", full ? "have room" : "hold a token");
		}
		if (next >= end && c->nerr == 0)
			bad(c, end - 1, "the program ends without finishing");
	}
	for (int t = 0; finished && followed && t < ISA_T_COUNT; t++)
		if (tokens[t]) { /* the next run starts with empty token queues */
			bad(c, end - 1, "a run ends with a token in the queue");
			break;
		}
	free(ring);
	return 0;
}

/* Every run of the program (its steps; without steps, the one run). */
static int check_deadlock(struct checker *c)
{
	if (!c->p->nstep)
		return check_run(c, 0, c->p->ninsn, false);
	for (int i = 0; i < c->p->nstep; i++) {
		const struct isa_step *st = &c->p->step[i];
		if (st->kind == ISA_STEP_RUN &&
		    check_run(c, (int)st->first, (int)(st->first + st->count), st->first + st->count < (uint32_t)c->p->ninsn))
			return -1;
	}
	return 0;
}

int lw_check_program(const struct isa_program *p, const char *const *insn_op, struct diags *err)
{
	struct checker c = {p, &p->hw, &p->layout, insn_op, err, NULL, {NULL}, 0};
	int luop = p->hw.role_level[HW_ROLE_UOP];
	int rc = 0;
	if (!(c.uop_src = try_malloc((size_t)p->hw.level[luop].depth * sizeof *c.uop_src))) {
		rc = diag_nomem(err, NULL, (size_t)p->hw.level[luop].depth * sizeof *c.uop_src, "the sources of level '%s'",
				p->hw.level[luop].name);
		goto out;
	}
	for (uint32_t i = 0; i < p->hw.level[luop].depth; i++)
		c.uop_src[i] = -1;
	for (int l = 0; l < p->hw.nlevels; l++)
		if (p->hw.level[l].role == HW_ROLE_SHARED && p->hw.level[l].depth <= (1u << 24)) {
			if (!(c.shared_src[l] = try_malloc((size_t)p->hw.level[l].depth * sizeof *c.shared_src[l]))) {
				rc = diag_nomem(err, NULL, (size_t)p->hw.level[l].depth * sizeof *c.shared_src[l],
						"the sources of level '%s'", p->hw.level[l].name);
				goto out;
			}
			memset(c.shared_src[l], 0xff, (size_t)p->hw.level[l].depth * sizeof *c.shared_src[l]);
		}
	for (int i = 0; i < p->ninsn; i++) {
		const struct isa_insn *in = &p->insn[i];
		enum isa_field f;
		char why[256];
		if (isa_check_insn(&p->layout, in, &f, why)) {
			bad(&c, i, "%s", why);
			continue;
		}
		switch (p->layout.kind[in->kind].cls) {
		case ISA_CLASS_LOAD: check_transfer(&c, i, in, true); break;
		case ISA_CLASS_STORE: check_transfer(&c, i, in, false); break;
		case ISA_CLASS_GEMM: check_loop(&c, i, in, true); break;
		case ISA_CLASS_ALU: check_loop(&c, i, in, false); break;
		default: break;
		}
	}
	if (!c.nerr)
		rc = check_deadlock(&c);
out:
	free(c.uop_src);
	for (int l = 0; l < HW_MAX_LEVELS; l++)
		free(c.shared_src[l]);
	return c.nerr || rc ? -1 : 0;
}
