/* `mpirun -np N tessel tune` (docs/tuning.md): rank 0 tunes as one process
 * does, and the measurements of each search round go to the other ranks,
 * one mapping to whichever rank asks next.  The search takes them in the
 * round's order, so the tune is the same as in one process. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compiler/tune.h"
#include "sim/simulator.h"
#include "sweep.h"

#ifdef TESSEL_MPI
#include <mpi.h>

enum { TAG_WORK = 11, TAG_DONE };

/* A mapping to measure (op < 0: stop), and what came of it (index < 0: a
 * rank asking for its first work). */
struct work {
	int op, index;
	struct tz_mapping m;
};
struct done {
	int index;
	uint64_t cycles;
};

/* Rank 0's view of the others: which are waiting for work. */
struct tune_ranks {
	int size, nidle, stopped;
	int *idle; /* at most size - 1 */
};

static struct tune_ranks ranks;

void cli_tune_ranks_begin(int size)
{
	ranks = (struct tune_ranks){.size = size, .idle = xcalloc((size_t)size, sizeof *ranks.idle)};
}

/* The next rank's message: a result into cycles, the rank idle again. */
static void take_done(uint64_t *cycles, int *got)
{
	MPI_Status status;
	struct done d;
	sw_mpi_wait(&status, 20); /* a measurement can take a millisecond */
	MPI_Recv(&d, (int)sizeof d, MPI_BYTE, status.MPI_SOURCE, TAG_DONE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	if (d.index >= 0)
		cycles[d.index] = d.cycles, (*got)++;
	ranks.idle[ranks.nidle++] = status.MPI_SOURCE; /* each rank is idle at most once */
}

void cli_tune_ranks_measure(void *ctx, const struct ir_graph *g, int op, const struct tz_mapping *const *m, int n,
			    uint64_t *cycles)
{
	(void)ctx, (void)g;
	int sent = 0, got = 0;
	while (got < n) {
		while (sent < n && ranks.nidle > 0) {
			struct work w = {op, sent, *m[sent]};
			MPI_Send(&w, (int)sizeof w, MPI_BYTE, ranks.idle[--ranks.nidle], TAG_WORK, MPI_COMM_WORLD);
			sent++;
		}
		take_done(cycles, &got);
	}
}

void cli_tune_ranks_end(void)
{
	struct work stop = {.op = -1};
	uint64_t none[1];
	int got = 0;
	while (ranks.stopped < ranks.size - 1) {
		while (ranks.nidle > 0) {
			MPI_Send(&stop, (int)sizeof stop, MPI_BYTE, ranks.idle[--ranks.nidle], TAG_WORK, MPI_COMM_WORLD);
			ranks.stopped++;
		}
		if (ranks.stopped < ranks.size - 1)
			take_done(none, &got);
	}
	free(ranks.idle);
	ranks.idle = NULL;
}

/* Another rank: measures what rank 0 sends on its own simulator, on the
 * workload it read itself (the same file: the same graph), until told to
 * stop.  A rank that could not read it answers 0, and rank 0 measures
 * that mapping itself. */
void cli_tune_ranks_serve(const struct hw *hw, const struct ir_graph *g)
{
	struct diags err = {0};
	struct device *dev = g ? dev_sim.open(hw, &err) : NULL;
	struct done d = {-1, 0};
	for (;;) {
		struct work w;
		MPI_Send(&d, (int)sizeof d, MPI_BYTE, 0, TAG_DONE, MPI_COMM_WORLD);
		MPI_Recv(&w, (int)sizeof w, MPI_BYTE, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		if (w.op < 0)
			break;
		d.index = w.index;
		d.cycles = dev && w.op < g->nops ? tn_measure(hw, g, w.op, &w.m, NULL, dev, &err) : 0;
		diag_free(&err);
		err = (struct diags){0};
	}
	if (dev)
		dev_sim.close(dev);
	diag_free(&err);
}

#else

void cli_tune_ranks_begin(int size) { (void)size; }
void cli_tune_ranks_measure(void *ctx, const struct ir_graph *g, int op, const struct tz_mapping *const *m, int n,
			    uint64_t *cycles)
{
	(void)ctx, (void)g, (void)op, (void)m;
	memset(cycles, 0, (size_t)n * sizeof *cycles); /* measured here instead */
}
void cli_tune_ranks_end(void) {}
void cli_tune_ranks_serve(const struct hw *hw, const struct ir_graph *g) { (void)hw, (void)g; }
#endif
