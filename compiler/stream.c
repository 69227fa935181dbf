/* compiler/stream: dependency tokens from "waits for" edges.
 *
 * Each of the four token queues has one producer and one consumer module and
 * tokens carry no name: the k-th pop receives the k-th push.  So for every
 * producer instruction some consumer waits for, the producer pushes a token;
 * numbering those pushes in the producer's order, a consumer instruction
 * that waits for push number r must have popped r+1 tokens before it
 * starts.  It pops one itself and, when it must catch up further, a `sync`
 * just before it pops each of the others.  Program order is emission order,
 * in which every instruction comes after everything it waits for; so
 * whichever instruction fetch cannot dispatch, the ones it waits for are
 * already in their queues.
 *
 * A token queue holds at most hw.queues.token (D) tokens, so a producer's
 * push number k waits for its consumer to have popped k - D: a wait too,
 * from the producer on the consumer.  Where the consumer pops that token
 * only later in program order (its next instruction both pops and pushes,
 * in a cycle with the producer's: a depth-1 queue between double buffers),
 * a `sync` of the consumer's module pops it early, just before the push.
 * So every wait, for a token or for room, is on an instruction earlier in
 * program order, and the program cannot deadlock at any queue depth. */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "base/alloc.h"

int st_init(struct lw_stream *s, const struct isa_layout *lay)
{
	memset(s, 0, sizeof *s);
	s->lay = lay;
	if (!(s->v = try_calloc(ST_INIT_CAP, sizeof *s->v)))
		return -1;
	s->cap = ST_INIT_CAP;
	return 0;
}

/* The index steps of a loop that runs once are never taken: 0.  A block as
 * deep as its buffer (one output tile column of every accumulator element)
 * would otherwise step by the buffer's depth, one past what its field
 * holds. */
static void drop_untaken_steps(struct isa_insn *in)
{
	static const enum isa_field outer[] = {ISA_F_DST_OUT, ISA_F_SRC_OUT, ISA_F_WGT_OUT},
				    inner[] = {ISA_F_DST_IN, ISA_F_SRC_IN, ISA_F_WGT_IN};
	for (int i = 0; i < 3; i++) {
		if (in->f[ISA_F_ITER_OUT] == 1)
			in->f[outer[i]] = 0;
		if (in->f[ISA_F_ITER_IN] == 1)
			in->f[inner[i]] = 0;
	}
}

int st_emit(struct lw_stream *s, const struct isa_insn *in)
{
	if (s->n == s->cap && !s->nomem) {
		if (try_resize(&s->v, (size_t)s->cap * 2, sizeof *s->v))
			s->nomem = (size_t)s->cap * 2 * sizeof *s->v;
		else
			s->cap *= 2;
	}
	if (s->nomem) /* st_init made room for one at least */
		s->n--;
	struct st_insn *e = &s->v[s->n];
	memset(e, 0, sizeof *e);
	e->in = *in;
	drop_untaken_steps(&e->in);
	e->q = isa_queue_of(s->lay, in);
	for (int q = 0; q < ISA_Q_COUNT; q++)
		e->need[q] = -1;
	e->tag = s->tag;
	return s->n++;
}

void st_need(struct lw_stream *s, int consumer, int producer)
{
	if (producer < 0 || s->nomem)
		return;
	/* both are the lowering's own mistakes, whatever the op: the lowering
	 * issues an instruction after what it waits for, between modules that
	 * a token queue joins */
	if (producer >= consumer)
		die("stream: instruction %d waits for a later one (%d)", consumer, producer);
	struct st_insn *c = &s->v[consumer];
	enum isa_queue pq = s->v[producer].q;
	if (pq == c->q)
		return; /* one module runs its instructions in order */
	if (isa_token_between(pq, c->q) < 0)
		die("stream: %s waits for %s directly; there is no token queue between them", isa_queue_name(c->q),
		    isa_queue_name(pq));
	if (producer > c->need[pq])
		c->need[pq] = producer;
}

/* Token bits: ISA_F_* for pushing towards / popping from a neighbour
 * (st_need made sure a token queue joins them). */
static enum isa_field push_field(enum isa_queue from, enum isa_queue to)
{
	return isa_token_push_field(isa_token_between(from, to));
}

static enum isa_field pop_field(enum isa_queue at, enum isa_queue from)
{
	return isa_token_pop_field(isa_token_between(from, at));
}

/* rank[i]: number of tokens producer instruction i's push completes, per
 * consumer module; pops[i][q]: tokens instruction i must pop from q;
 * room[i][c]: tokens module c pops by syncs just before i, so that i's push
 * towards c finds room in the token queue. */
struct token_plan {
	int (*rank)[ISA_Q_COUNT], (*pops)[ISA_Q_COUNT], (*room)[ISA_Q_COUNT];
};

/* Numbers the pushes: every instruction another module waits for pushes
 * towards that module. */
static void plan_pushes(const struct lw_stream *s, int (*rank)[ISA_Q_COUNT])
{
	int pushed[ISA_Q_COUNT][ISA_Q_COUNT] = {{0}};
	for (int i = 0; i < s->n; i++)
		for (int q = 0; q < ISA_Q_COUNT; q++)
			rank[i][q] = -1;
	for (int i = 0; i < s->n; i++)
		for (int q = 0; q < ISA_Q_COUNT; q++)
			if (s->v[i].need[q] >= 0)
				rank[s->v[i].need[q]][s->v[i].q] = 0; /* marked: pushes towards i's module */
	for (int i = 0; i < s->n; i++)
		for (int q = 0; q < ISA_Q_COUNT; q++)
			if (rank[i][q] == 0)
				rank[i][q] = ++pushed[s->v[i].q][q];
}

/* popped[p][c]: tokens module c has popped from module p's queue so far in
 * program order.  Before instruction i pushes its token number k towards c,
 * c must have popped k - depth of them (the queue holds depth). */
static void plan_room(const struct lw_stream *s, const struct token_plan *tp, int i, int depth,
		      int (*popped)[ISA_Q_COUNT])
{
	enum isa_queue p = s->v[i].q;
	for (int c = 0; c < ISA_Q_COUNT; c++) {
		tp->room[i][c] = 0;
		int due = tp->rank[i][c] - depth;
		if (tp->rank[i][c] <= 0 || due <= popped[p][c])
			continue;
		tp->room[i][c] = due - popped[p][c];
		popped[p][c] = due;
	}
}

static void plan(const struct lw_stream *s, const struct token_plan *tp, int depth)
{
	int popped[ISA_Q_COUNT][ISA_Q_COUNT] = {{0}};
	plan_pushes(s, tp->rank);
	for (int i = 0; i < s->n; i++) {
		enum isa_queue c = s->v[i].q;
		plan_room(s, tp, i, depth, popped);
		for (int q = 0; q < ISA_Q_COUNT; q++) {
			tp->pops[i][q] = 0;
			int p = s->v[i].need[q];
			if (p < 0 || tp->rank[p][c] <= popped[q][c])
				continue;
			tp->pops[i][q] = tp->rank[p][c] - popped[q][c];
			popped[q][c] = tp->rank[p][c];
		}
	}
}

static int add_tagged(struct isa_program *p, int **tags, int *cap, const struct isa_insn *in, int tag,
		      struct diags *err)
{
	if (p->ninsn >= *cap) {
		int c = *cap ? 2 * *cap : 1024;
		while (c <= p->ninsn)
			c *= 2;
		if (try_resize(tags, (size_t)c, sizeof **tags))
			return diag_nomem(err, NULL, (size_t)c * sizeof **tags, "the op tags of %d instructions", c);
		*cap = c;
	}
	(*tags)[p->ninsn] = tag;
	if (isa_program_add_insn(p, in))
		return diag_nomem(err, NULL, (size_t)(p->insn_cap ? 2 * p->insn_cap : 16) * sizeof *p->insn,
				  "the program's instructions (%d so far)", p->ninsn);
	return 0;
}

/* Appends n syncs of module `at`, each popping one token from module
 * `from`'s queue, tagged as the instruction they come before. */
static int add_syncs(struct isa_program *p, int **tags, int *cap, const struct lw_stream *s, enum isa_queue at,
		     enum isa_queue from, int n, int tag, struct diags *err)
{
	if (n <= 0) /* then no token queue need join the modules */
		return 0;
	struct isa_insn sy = {.kind = isa_kind_of_class(s->lay, ISA_CLASS_SYNC)};
	sy.f[ISA_F_QUEUE] = at;
	sy.f[pop_field(at, from)] = 1;
	for (int k = 0; k < n; k++)
		if (add_tagged(p, tags, cap, &sy, tag, err))
			return -1;
	return 0;
}

/* Instruction i with its token bits, after the syncs that make room for its
 * pushes (other modules') and those that catch its own pops up. */
static int add_insn(struct lw_stream *s, const struct token_plan *tp, int i, struct isa_program *p, int **tags,
		    int *cap, struct diags *err)
{
	struct st_insn *e = &s->v[i];
	for (int c = 0; c < ISA_Q_COUNT; c++)
		if (add_syncs(p, tags, cap, s, (enum isa_queue)c, e->q, tp->room[i][c], e->tag, err))
			return -1;
	for (int q = 0; q < ISA_Q_COUNT; q++) {
		if (tp->rank[i][q] > 0)
			e->in.f[push_field(e->q, (enum isa_queue)q)] = 1;
		/* catching up: one sync per extra token, the instruction pops the last */
		if (add_syncs(p, tags, cap, s, e->q, (enum isa_queue)q, tp->pops[i][q] - 1, e->tag, err))
			return -1;
		if (tp->pops[i][q] > 0)
			e->in.f[pop_field(e->q, (enum isa_queue)q)] = 1;
	}
	if (e->uop_unit)
		e->in.f[ISA_F_ADDR] += (int64_t)(p->uop_addr / e->uop_unit);
	return add_tagged(p, tags, cap, &e->in, e->tag, err);
}

/* Every instruction and sync st_finish adds. */
static int64_t planned_total(const struct lw_stream *s, const struct token_plan *tp)
{
	int64_t total = s->n;
	for (int i = 0; i < s->n; i++)
		for (int q = 0; q < ISA_Q_COUNT; q++)
			total += (tp->pops[i][q] > 1 ? tp->pops[i][q] - 1 : 0) + tp->room[i][q];
	return total;
}

int st_finish(struct lw_stream *s, struct isa_program *p, int **tags, struct diags *err)
{
	*tags = NULL;
	size_t n = (size_t)s->n + 1, row = sizeof(int[ISA_Q_COUNT]);
	struct token_plan tp = {try_calloc(n, row), NULL, NULL};
	tp.pops = tp.rank ? try_calloc(n, row) : NULL;
	tp.room = tp.pops ? try_calloc(n, row) : NULL;
	if (!tp.room) {
		free(tp.rank);
		free(tp.pops);
		return diag_nomem(err, NULL, 3 * n * row, "the token plan of %d instructions", s->n);
	}
	plan(s, &tp, (int)s->lay->hw->queues.token);
	int cap = 0, rc = 0;
	/* every instruction and sync added below, made room for at once */
	int64_t total = planned_total(s, &tp);
	if (total < INT_MAX - p->ninsn &&
	    (try_resize(tags, (size_t)(p->ninsn + total), sizeof **tags) || isa_program_reserve(p, (int)total)))
		rc = diag_nomem(err, NULL, (size_t)total * sizeof *p->insn, "the program's %" PRId64 " instructions", total);
	else if (total < INT_MAX - p->ninsn)
		cap = p->ninsn + (int)total;
	for (int i = 0; i < s->n && !rc; i++)
		rc = add_insn(s, &tp, i, p, tags, &cap, err);
	free(tp.rank);
	free(tp.pops);
	free(tp.room);
	if (rc) {
		free(*tags);
		*tags = NULL;
	}
	return rc;
}

void st_free(struct lw_stream *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}
