/* tessel sweep: a hardware description's parameters swept over workloads
 * (docs/sweep.md).  Internal to cli/: the sweep file (sweep_file.c), the
 * description of one point (sweep_yaml.c), the results (sweep_store.c)
 * and the command (sweep.c). */
#ifndef TESSEL_CLI_SWEEP_H
#define TESSEL_CLI_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "hwdesc/energy.h"

enum {
	SW_MAX_AXES = 8,
	SW_MAX_VALUES = 256,      /* of one axis */
	SW_MAX_PATHS = 16,        /* set together by one axis */
	SW_MAX_WORKLOADS = 16,
	SW_MAX_CONSTRAINTS = 16,
	SW_MAX_POINTS = 100000,
	SW_PATH_MAX = 160,
};

/* One axis: the paths it sets and, per value, the YAML text each gets. */
struct sw_axis {
	char name[SW_PATH_MAX];
	int npaths;
	char path[SW_MAX_PATHS][SW_PATH_MAX];
	int nvalues;
	char **value; /* nvalues x npaths flow-YAML texts, row major */
	char **label; /* per value, as shown */
	int line, col;
};

struct sw_constraint {
	char text[256];
	int line, col;
};

struct sweep {
	char file[512];
	char name[64];
	char *hw_path, *hw_text;          /* the base description */
	int nworkloads;
	char *workload[SW_MAX_WORKLOADS]; /* paths, relative to the sweep file resolved */
	char *dims[SW_MAX_WORKLOADS];     /* an ONNX model's symbolic dimensions (--dims), or NULL */
	int budget;                       /* tuning measurements per op; 0: default mappings */
	int naxes;
	struct sw_axis axis[SW_MAX_AXES];
	int nconstraints;
	struct sw_constraint constraint[SW_MAX_CONSTRAINTS];
	uint64_t npoints;
	uint64_t key;                     /* hash of everything a result depends on */
};

/* Reads and checks a sweep file (errors FILE:LINE:COL).  0, or -1. */
int sw_load(const char *path, struct sweep *s, struct diags *err);
void sw_free(struct sweep *s);
/* Point p's value index on each axis (the first axis varies slowest). */
void sw_point_values(const struct sweep *s, uint64_t p, int *vi);

/* The description of one point: the base text with every path of every
 * axis set to the point's value.  The text, or NULL with the reason in why
 * (a path that leads nowhere). */
char *sw_apply(const struct sweep *s, const int *vi, char *why, size_t whysize);
/* Whether path leads to a node of the description text; the text with
 * path set to value (as sw_apply), or NULL with why. */
bool sw_path_exists(const char *text, const char *path);
char *sw_apply_one(const char *text, const char *path, const char *value, char *why, size_t whysize);
/* Whether the point's description text meets the n constraints c: 1 yes, 0 no
 * (*failed the one it does not), -1 with why when one cannot be evaluated. */
int sw_check_constraints(const struct sw_constraint *c, int n, const char *text, int *failed, char *why, size_t whysize);

/* ---- results ---- */

enum sw_status { SW_OK, SW_INVALID, SW_EXCLUDED, SW_FAILED };

struct sw_op {
	char workload[64], op[64];
	bool on_host;
	uint64_t cycles, macs, dram_read;
	double roofline, energy_pj;
	double bound;          /* the machine's bound (cc_machine_bound), 0: not known (results of before it) */
	char bound_by[8];      /* its binding resource */
};

struct sw_point {
	uint64_t index;
	enum sw_status status;
	char why[1024];         /* the first error, whole (a loader's runs to 400 bytes) */
	char axes[512];         /* {"axis": "label", ...} as JSON */
	uint64_t fingerprint;
	uint64_t cycles;
	double seconds;
	struct hw_energy_report energy;
	double area_mm2, utilization, roofline;
	double peak_macs, bandwidth, clock_mhz; /* the description's: MACs and DRAM bytes per cycle */
	bool pareto;
	int nops;
	struct sw_op *op;
};

/* The results directory: results.db (SQLite: the sweep's key, its points
 * and their ops) and results.csv.  A directory that holds another sweep's
 * results is refused; one that holds this sweep's gives back the points
 * done (an interrupted sweep resumes). */
struct sw_store;
struct sw_store *sw_store_open(const char *dir, const struct sweep *s, struct diags *err);
void sw_store_close(struct sw_store *st);
/* Fills done[i] and pts[i] for the points already recorded. */
int sw_store_load(struct sw_store *st, struct sw_point *pts, bool *done, uint64_t npoints, struct diags *err);
int sw_store_put(struct sw_store *st, const struct sw_point *p, struct diags *err);
/* Marks the Pareto front (pts[i].pareto) in the store and rewrites the CSV. */
int sw_store_finish(struct sw_store *st, const struct sweep *s, const struct sw_point *pts, uint64_t n,
		    struct diags *err);
/* The Pareto front over latency, energy and area, among the valid points. */
void sw_mark_pareto(struct sw_point *pts, uint64_t n);
const char *sw_status_name(enum sw_status st);

/* One point, run (sweep.c). */
struct tz_records;
void sw_run_point(const struct sweep *s, uint64_t idx, struct tz_records *db, struct sw_point *p);

/* MPI ranks (sweep_mpi.c).  sw_mpi_start: the number of ranks (1 when not
 * launched by mpirun or built without MPI) and this one's; -1 when MPI
 * cannot start.  sw_mpi_lead (rank 0): hands out the points not done,
 * stores what comes back; with ok false (the sweep cannot go on) it only
 * stops the others; 0, or -1.  sw_mpi_follow (the others): runs what it is
 * given until told to stop. */
int sw_mpi_start(int *argc, char ***argv, int *rank);
void sw_mpi_end(int size);
int sw_mpi_lead(const struct sweep *s, struct sw_store *st, struct sw_point *pts, bool *done, int size, bool ok,
		struct diags *err);
int sw_mpi_follow(const struct sweep *s, struct tz_records *db);

/* `tessel tune` over ranks (tune_mpi.c).  Rank 0: begin with the number of
 * ranks; tn_opts.remote = cli_tune_ranks_measure; end stops the others.
 * The others: serve (g NULL when the workload could not be read). */
struct ir_graph;
struct tz_mapping;
struct hw;
void cli_tune_ranks_begin(int size);
void cli_tune_ranks_measure(void *ctx, const struct ir_graph *g, int op, const struct tz_mapping *const *m, int n,
			    uint64_t *cycles);
void cli_tune_ranks_end(void);
void cli_tune_ranks_serve(const struct hw *hw, const struct ir_graph *g);
#ifdef TESSEL_MPI
#include <mpi.h>
/* Waits for a message from any rank, looking every `micros` microseconds
 * (sweep_mpi.c). */
void sw_mpi_wait(MPI_Status *status, long micros);
#endif

#endif
