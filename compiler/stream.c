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
 * already in their queues. */
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
 * consumer module; pops[i][q]: tokens instruction i must pop from q. */
static void plan(struct lw_stream *s, int (*rank)[ISA_Q_COUNT], int (*pops)[ISA_Q_COUNT])
{
	int pushed[ISA_Q_COUNT][ISA_Q_COUNT] = {{0}}, popped[ISA_Q_COUNT][ISA_Q_COUNT] = {{0}};
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
	for (int i = 0; i < s->n; i++) {
		enum isa_queue c = s->v[i].q;
		for (int q = 0; q < ISA_Q_COUNT; q++) {
			pops[i][q] = 0;
			int p = s->v[i].need[q];
			if (p < 0 || rank[p][c] <= popped[q][c])
				continue;
			pops[i][q] = rank[p][c] - popped[q][c];
			popped[q][c] = rank[p][c];
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

int st_finish(struct lw_stream *s, struct isa_program *p, int **tags, struct diags *err)
{
	*tags = NULL;
	int (*rank)[ISA_Q_COUNT] = try_calloc((size_t)s->n + 1, sizeof *rank);
	int (*pops)[ISA_Q_COUNT] = rank ? try_calloc((size_t)s->n + 1, sizeof *pops) : NULL;
	if (!pops) {
		free(rank);
		return diag_nomem(err, NULL, ((size_t)s->n + 1) * sizeof *rank, "the token plan of %d instructions", s->n);
	}
	plan(s, rank, pops);
	int sync = isa_kind_of_class(s->lay, ISA_CLASS_SYNC), cap = 0, rc = 0;
	/* every instruction and sync added below, made room for at once */
	int64_t total = s->n;
	for (int i = 0; i < s->n; i++)
		for (int q = 0; q < ISA_Q_COUNT; q++)
			total += pops[i][q] > 1 ? pops[i][q] - 1 : 0;
	if (total < INT_MAX - p->ninsn &&
	    (try_resize(tags, (size_t)(p->ninsn + total), sizeof **tags) || isa_program_reserve(p, (int)total)))
		rc = diag_nomem(err, NULL, (size_t)total * sizeof *p->insn, "the program's %" PRId64 " instructions", total);
	else if (total < INT_MAX - p->ninsn)
		cap = p->ninsn + (int)total;
	for (int i = 0; i < s->n && !rc; i++) {
		struct st_insn *e = &s->v[i];
		for (int q = 0; q < ISA_Q_COUNT; q++) {
			if (rank[i][q] > 0)
				e->in.f[push_field(e->q, (enum isa_queue)q)] = 1;
			for (int k = 1; k < pops[i][q]; k++) { /* catching up: one sync per extra token */
				struct isa_insn sy = {.kind = sync};
				sy.f[ISA_F_QUEUE] = e->q;
				sy.f[pop_field(e->q, (enum isa_queue)q)] = 1;
				if ((rc = add_tagged(p, tags, &cap, &sy, e->tag, err)))
					break;
			}
			if (rc)
				break;
			if (pops[i][q] > 0)
				e->in.f[pop_field(e->q, (enum isa_queue)q)] = 1;
		}
		if (rc)
			break;
		if (e->uop_unit)
			e->in.f[ISA_F_ADDR] += (int64_t)(p->uop_addr / e->uop_unit);
		rc = add_tagged(p, tags, &cap, &e->in, e->tag, err);
	}
	free(rank);
	free(pops);
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
