/* compiler/stream: instructions of the three modules in program order, each
 * with the instructions of other modules it must wait for; finishing turns
 * those waits into dependency tokens (docs/compiler.md, "Tokens"). */
#ifndef TESSEL_STREAM_H
#define TESSEL_STREAM_H

#include "isa/program.h"

struct st_insn {
	struct isa_insn in;
	enum isa_queue q;
	int need[ISA_Q_COUNT];   /* latest instruction of each module it waits for, -1 */
	uint32_t uop_unit;       /* nonzero: ADDR is relative to the micro-op region, in units of this many bytes */
	int tag;                 /* caller's (the op record), copied to the program */
};

struct lw_stream {
	const struct isa_layout *lay;
	int n, cap;
	struct st_insn *v;
	int tag;                 /* given to every instruction emitted */
	size_t nomem;            /* bytes the stream could not grow by, 0: none */
};

/* Room for the first instructions: 0, or -1 when out of memory. */
#define ST_INIT_CAP 256
#define ST_INIT_BYTES (ST_INIT_CAP * sizeof(struct st_insn))
int st_init(struct lw_stream *s, const struct isa_layout *lay);
/* Appends an instruction; returns its index.  When the stream cannot grow,
 * sets s->nomem and overwrites the last instruction instead (the stream is
 * then good only for st_free; the caller checks nomem and reports it), and
 * st_need does nothing. */
int st_emit(struct lw_stream *s, const struct isa_insn *in);
/* Instruction `consumer` may start only once `producer` (emitted earlier, on
 * an adjacent module) has completed.  Ignores producer < 0. */
void st_need(struct lw_stream *s, int consumer, int producer);
/* Sets the token bits, inserts the syncs that pop extra tokens, resolves
 * micro-op addresses and appends everything to p; tags[i] receives the tag
 * of final instruction i (tags grows with p->insn; capacity ncap).  0, or -1
 * with an error when out of memory (*tags freed; p keeps what was added). */
int st_finish(struct lw_stream *s, struct isa_program *p, int **tags, struct diags *err);
void st_free(struct lw_stream *s);

#endif
