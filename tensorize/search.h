/* tensorize/search: the space of mappings derived from a hardware
 * description and an op's bindings, the cost models that rank it, the
 * search that measures the best candidates, and the tuning records kept in
 * SQLite (docs/tuning.md).
 *
 * Nothing here is written per operator: the space is every blocking of the
 * GEMM form (tensorize.h) that fits the scratchpads, the micro-op buffer and
 * the ISA's fields, for every loop order and buffering, over the op's best
 * bindings. */
#ifndef TESSEL_SEARCH_H
#define TESSEL_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "tensorize.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tensorize/space.c ---- */

enum { TZ_SPACE_BINDINGS = 4, TZ_SPACE_CANDIDATES = TZ_SPACE_BINDINGS + HW_MAX_INTRINSICS + 1 };

struct tz_space {
	int nbindings;
	struct tz_geometry geo[TZ_SPACE_CANDIDATES]; /* one per binding in the space (tz_space_candidates) */
	int64_t n, cap;
	struct tz_mapping *m;      /* every legal mapping */
	int *geo_of;               /* its binding: index into geo */
};

/* The bindings the default plan and the space weigh, as indices into
 * match->binding in its order (most efficient first): the
 * TZ_SPACE_BINDINGS most efficient, the most efficient of every other
 * intrinsic, and the most efficient with a direct form when none of those
 * has one.  Efficiency counts only the padding a binding computes for
 * nothing; bindings of alike efficiency can differ many times in cycles (a
 * vector MAC over 4 groups of one channel each against a GEMM over their
 * 32 outputs), so the estimate chooses among them.  Returns how many. */
int tz_space_candidates(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *match,
			int idx[TZ_SPACE_CANDIDATES]);
/* The space of op `op`: the bindings of tz_space_candidates, and for each
 * every block size that is a power of two or an even split of its axis into
 * at most eight, both block orders and one or two buffers per operand,
 * keeping the mappings that fit.  0, or -1 with
 * an error (and an empty space) when out of memory. */
int tz_space_build(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_match *match,
		   struct tz_space *s, struct diags *err);
void tz_space_free(struct tz_space *s);
/* The index of a mapping in the space, or -1. */
int64_t tz_space_find(const struct tz_space *s, const struct tz_mapping *m);

/* ---- tensorize/model.c: the learned cost model ---- */

enum { TZ_FEATURES = 19 };

/* Features of a mapping: block shape, buffering, the analytical model's
 * compute, load, store and total estimates (logarithms), efficiency, and
 * whether it is in the direct form. */
void tz_features(const struct tz_geometry *geo, const struct tz_mapping *m, float *f);

/* Gradient-boosted regression trees (squared loss), predicting the
 * logarithm of measured / estimated cycles from the features. */
struct tz_model;
/* NULL when out of memory. */
struct tz_model *tz_model_new(void);
void tz_model_free(struct tz_model *md);
/* Fits on n samples (features row-major, targets); deterministic. */
/* 0, or -1 when out of memory (the model is then empty: it predicts 0). */
int tz_model_fit(struct tz_model *md, const float *x, const double *y, int n);
double tz_model_predict(const struct tz_model *md, const float *f);
int tz_model_samples(const struct tz_model *md);

/* ---- tensorize/search.c ---- */

/* Measures a mapping: cycles, or 0 (with an error in err) when the mapping
 * fails, or TZ_MEASURE_STOP (with an error) when the measuring itself failed
 * (out of memory, the records not written): the search stops with -1. */
#define TZ_MEASURE_STOP UINT64_MAX
typedef uint64_t (*tz_measure_fn)(void *ctx, const struct tz_geometry *geo, const struct tz_mapping *m,
				  struct diags *err);

/* A measurement already made (this op from the records) or a sample of
 * another op's (transfer: it trains the model only). */
struct tz_sample {
	float f[TZ_FEATURES];
	double estimate;   /* analytical cycles */
	uint64_t cycles;   /* measured */
};

/* A measurement of this op made by an earlier tune (its records). */
struct tz_prior {
	struct tz_mapping m;
	uint64_t cycles;
};

struct tz_search_opts {
	int budget;                  /* measurements at most, the prior ones included */
	uint64_t seed;
	const struct tz_sample *transfer; /* other ops' measurements, for the model */
	int ntransfer;
	const struct tz_mapping *first;   /* measured first (the default mapping), or NULL */
	void (*progress)(void *ctx, int done, int budget);
	void *progress_ctx;
	/* Measures a round's n mappings at once, each as the search's measure
	 * function would (cycles[k]: cycles, 0, or TZ_MEASURE_STOP), so that a
	 * caller can spread them over MPI ranks; NULL: one at a time.  The
	 * search is the same either way. */
	void (*measure_many)(void *ctx, const struct tz_geometry *const *geo, const struct tz_mapping *const *m, int n,
			     uint64_t *cycles, struct diags *err);
	/* Measurements already made (--retune): taken as measured, first and
	 * in order, never measured again; those not in the space are left out. */
	const struct tz_prior *prior;
	int nprior;
};

struct tz_search_result {
	int64_t best;                /* index into the space */
	uint64_t best_cycles;
	int measured;                /* measurements made, the prior ones taken included */
	int prior;                   /* of them, taken from opts.prior (the first ones) */
	bool exhaustive;             /* the whole space was measured */
	int64_t *order;              /* space index of each measurement, in order */
	uint64_t *cycles;            /* its cycles */
	uint64_t first_cycles;       /* cycles of opts.first */
};

/* Exhaustive when the space fits the budget, else model-guided: each round
 * scores a sample of the space (random mappings and neighbours of the best
 * measured ones) with the analytical model corrected by the learned one,
 * measures the best few not yet measured, and refits.  Deterministic for a
 * given seed.  0, or -1 with an error when nothing could be measured, when
 * out of memory, or when a measurement returned TZ_MEASURE_STOP. */
int tz_search(const struct tz_space *s, tz_measure_fn measure, void *ctx, const struct tz_search_opts *o,
	      struct tz_search_result *r, struct diags *err);
void tz_search_result_free(struct tz_search_result *r);

/* Spearman's rank correlation of two series; NaN when out of memory. */
double tz_rank_correlation(const double *a, const double *b, int n);

/* ---- tensorize/records.c: tuning records in SQLite ---- */

struct tz_records;

/* Opens (creating) the database at path.  NULL with an error naming it. */
struct tz_records *tz_records_open(const char *path, struct diags *err);
void tz_records_close(struct tz_records *db);
/* A key for the op's form: iterators, accesses, dtypes, shapes, epilogues
 * (not names or data), as hex text. */
void tz_op_key(const struct ir_graph *g, int op, char key[17]);
/* "4f1e...": the hardware's fingerprint as hex; -1 with an error when it
 * cannot be computed (out of memory). */
int tz_hw_key(const struct hw *hw, char key[17], struct diags *err);
/* Moves the measurements of this tune into the database, in one transaction,
 * waiting for (and retrying after) another tune's lock.  0, or -1 with an
 * error naming the database. */
int tz_records_commit(struct tz_records *db, struct diags *err);
/* How many records were skipped for impossible cycles (0, negative, more
 * than 10^15 or not a number); the caller reports them. */
int tz_records_ignored(const struct tz_records *db);
/* How many other records another version of the lowering measured
 * (TZ_LOWERING_VERSION): kept in the database, skipped by every lookup, so
 * their ops are measured again; the caller reports them. */
int tz_records_stale(const struct tz_records *db);
/* Records a measurement (visible to this connection at once, to the
 * database at tz_records_commit). 0, or -1 with an error. */
int tz_records_add(struct tz_records *db, const char *workload, const char *op_key, const char *hw_key,
		   const struct tz_geometry *geo, const struct tz_mapping *m, uint64_t cycles, struct diags *err);
/* The best recorded mapping of the op on the hardware: 1 found, 0 none,
 * -1 error.  The mapping's binding comes back in full. */
int tz_records_best(struct tz_records *db, const char *op_key, const char *hw_key, const struct hw *hw,
		    const struct ir_graph *g, int op, struct tz_mapping *m, uint64_t *cycles, int *count,
		    struct diags *err);
/* Every valid record of the op on the hardware that still fits it, oldest
 * first (the database's, then this tune's): *out (freed by the caller) and
 * *n.  0, or -1 with an error. */
int tz_records_op(struct tz_records *db, const char *op_key, const char *hw_key, const struct hw *hw,
		  const struct ir_graph *g, int op, struct tz_prior **out, int *n, struct diags *err);
/* The measurements on the hardware of ops other than op_key, for the
 * model: the newest TZ_MAX_TRANSFER, oldest first.  *out is malloc'd. */
enum { TZ_MAX_TRANSFER = 2048 };
int tz_records_transfer(struct tz_records *db, const char *op_key, const char *hw_key, struct tz_sample **out,
			int *n, struct diags *err);

#ifdef __cplusplus
}
#endif

#endif
