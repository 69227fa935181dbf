/* compiler/tune: tuning one op — the derived space (tensorize/search.h)
 * searched with the simulator as the measure, every measurement kept in the
 * tuning records. */
#ifndef TESSEL_TUNE_H
#define TESSEL_TUNE_H

#include "tensorize/search.h"
#include "compile.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tn_opts {
	int budget;
	uint64_t seed;
	bool transfer;              /* warm-start the model from other ops' records */
	struct tz_records *db;      /* may be NULL: no records */
	bool retune;                /* records of the op: measured already, the search goes on past them to the budget;
				     * false: the best record is taken without measuring */
	const char *workload;       /* name stored with the records */
	void (*progress)(void *ctx, int done, int budget);
	void *progress_ctx;
	const struct cc_plan *plans; /* the workload's (cc_plan_ops): the default mappings; NULL: each op's own */
	/* Measures n mappings of op `op` elsewhere (other MPI ranks), cycles[k]
	 * as tn_measure's (0: failed there, measured again here for its
	 * error); NULL: every measurement here.  The results are the same. */
	void (*remote)(void *ctx, const struct ir_graph *g, int op, const struct tz_mapping *const *m, int n,
		       uint64_t *cycles);
	void *remote_ctx;
};

struct tn_result {
	struct cc_plan plan;        /* the tuned plan; CC_POOL: one fixed lowering, measured once; CC_HOST: none */
	bool reused;                /* taken from the records, nothing measured */
	int recorded;               /* the op's records taken (reused: all of them; retune: those in the space) */
	struct tz_mapping best;
	uint64_t cycles;            /* measured, of the best */
	uint64_t default_cycles;    /* measured, of the default mapping (0 if not measured) */
	int measured;               /* new measurements (not the records taken) */
	int64_t space;              /* mappings in the space */
	bool exhaustive;
	double seconds;
	int64_t *order;             /* the search's measurements (space indices, cycles), owned: the records
				     * taken (recorded) first, then the measured ones */
	uint64_t *trace;
};

/* Cycles of op `op` with mapping m (NULL: max pooling on the ALU), built by
 * cc_build, on the simulator (0 with an error when it cannot be built or
 * run); data gives the tensors to pack (NULL: only the timing is
 * simulated).  dev: a simulator of hw to reuse (opening one allocates all of
 * DRAM), or NULL. */
uint64_t tn_measure(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_mapping *m,
		    const uint8_t *const *data, struct device *dev, struct diags *err);
/* Tunes op `op` (its tensors' values do not matter: timing does not
 * depend on them).  0, or -1 with an error. */
int tn_tune_op(const struct hw *hw, const struct ir_graph *g, int op, const struct tn_opts *o, struct tn_result *r,
	       struct diags *err);
void tn_result_free(struct tn_result *r);

#ifdef __cplusplus
}
#endif

#endif
