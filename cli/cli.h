/* cli: the `tessel` command.  Each subcommand is one function; the table
 * below is the single list that dispatch, `tessel --help` and the docs use.
 *
 * Exit statuses: 0 success, 1 bad input (a file the user gave is wrong),
 * 2 bad usage (the command line itself is wrong). */
#ifndef TESSEL_CLI_H
#define TESSEL_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "isa/program.h"
#include "xalloc.h"

enum { CLI_OK = 0, CLI_BAD_INPUT = 1, CLI_USAGE = 2 };

struct cc_plan;

/* X(name, arguments, summary) */
#define CLI_COMMANDS(X)                                                                         \
	X(check, "[HW.yaml]", "validate a hardware description and summarise it")              \
	X(isa, "[HW.yaml] [--format text|markdown|verilog] [-o FILE]",                          \
	  "print the instruction set derived from a hardware description")                     \
	X(area, "[HW.yaml] [--json] [--yosys]",                                                 \
	  "estimate the silicon area of a hardware description, per component (45 nm)")      \
	X(asm, "IN.s -o OUT.tsp [--hw HW.yaml]", "assemble a program")                        \
	X(disasm, "PROG.tsp [--hw HW.yaml] [-o OUT.s]", "print a program as assembly")                \
	X(run, "PROG.tsp [--hw HW.yaml] [--device sim|rtl] [--input NAME=FILE.npy]... [--output NAME=FILE.npy]... [--json] [--trace FILE] [--waves FILE.vcd] [--max-cycles N] [--max-seconds S]", \
	  "run a program on a device and report cycles, activity and utilization")                    \
	X(cosim, "PROG.tsp|WORKLOAD.yaml [--hw HW.yaml] [--dims NAME=N,...] [--max-cycles N] [--max-seconds S]",            \
	  "run a program on the simulator and the RTL and compare DRAM and statistics")              \
	X(ir, "WORKLOAD.yaml [--dims NAME=N,...]", "load a workload file and print its tensor IR (the --dump-ir view)")      \
	X(host, "WORKLOAD.yaml [--dims NAME=N,...] [--input NAME=FILE.npy]... [--output NAME=FILE.npy]... [--json] [--dump-ir]",                                                  \
	  "run a workload on the host CPU (LLVM JIT): per-op time and output checksums")               \
	X(randprog, "--seed S [--hw HW.yaml] [--iterations N] [--knobs K,...|all] -o OUT.tsp|OUT.s",  \
	  "write a random legal program, for differential testing of devices")                        \
	X(match, "WORKLOAD.yaml [--hw HW.yaml] [--dims NAME=N,...] [--json]",                                              \
	  "list every binding of each op to the intrinsics, and why the others do not fit")          \
	X(compile, "WORKLOAD.yaml [--hw HW.yaml] [--dims NAME=N,...] -o OUT.tsp [--json] [--dump-after PASS]",            \
	  "compile a workload's accelerator ops into one program")                                    \
	X(exec, "WORKLOAD.yaml [--hw HW.yaml] [--dims NAME=N,...] [--device sim|rtl] [--verify] [--json] [--trace FILE] [--html OUT.html] [--max-cycles N] [--max-seconds S]", \
	  "run a workload op by op on a device, checking each op against the host backend")          \
	X(tune, "WORKLOAD.yaml [--hw HW.yaml] [--dims NAME=N,...] [--budget N] [--retune] [--db FILE] [--seed S] [--json] [-o OUT.tsp]", \
	  "search each op's mappings on the simulator, keeping the measurements in a tuning database") \
	X(onnx_test, "DIR [--hw HW.yaml] [--device sim|rtl] [--json]",                                 \
	  "run an ONNX backend test (model.onnx, test_data_set_*) and compare its outputs")          \
	X(quantize, "MODEL.onnx --calibrate FILE.npy... -o OUT.onnx [--activations int8|int16] [--weights round|fit] [--json]", \
	  "quantize an ONNX model to int8 (QDQ) from calibration samples and report its accuracy")    \
	X(sweep, "SWEEP.yaml [--out DIR] [--db FILE] [--json]",                                        \
	  "run every point of a sweep over hardware parameters: latency, energy, area, Pareto front")  \
	X(report, "RESULTS [--html OUT.html] [--point N]",                                             \
	  "write a sweep's results as one self-contained HTML page: Pareto front, roofline, energy, table")

#define X(name, args, what) int cli_##name(int argc, char **argv);
CLI_COMMANDS(X)
#undef X

/* Parsed options common to the subcommands; each says which it accepts. */
struct cli_opts {
	const char *hw;     /* --hw */
	const char *out;    /* -o */
	const char *format; /* --format */
	const char *device; /* --device */
	const char *trace;  /* --trace */
	bool json;          /* --json */
	const char *seed;       /* --seed */
	const char *iterations; /* --iterations */
	bool dump_ir;           /* --dump-ir */
	bool verify;            /* --verify */
	const char *budget;     /* --budget */
	const char *db;         /* --db */
	const char *waves;      /* --waves */
	const char *dump_after; /* --dump-after */
	const char *knobs;      /* --knobs */
	const char *dims;       /* --dims: sizes of an ONNX model's symbolic dimensions */
	bool yosys;             /* --yosys */
	const char *html;       /* --html: a page of the results (cli/report.h) */
	const char *point;      /* --point */
	bool retune;            /* --retune: tune past the records with the new budget */
	const char *pos[4];
	int npos;
};

enum {
	CLI_OPT_HW = 1 << 0,
	CLI_OPT_OUT = 1 << 1,
	CLI_OPT_FORMAT = 1 << 2,
	CLI_OPT_DEVICE = 1 << 3,
	CLI_OPT_TRACE = 1 << 4,
	CLI_OPT_JSON = 1 << 5,
	CLI_OPT_SEED = 1 << 6,
	CLI_OPT_ITERATIONS = 1 << 7,
	CLI_OPT_DUMP_IR = 1 << 8,
	CLI_OPT_VERIFY = 1 << 9,
	CLI_OPT_BUDGET = 1 << 10,
	CLI_OPT_DB = 1 << 11,
	CLI_OPT_WAVES = 1 << 12,
	CLI_OPT_DUMP_AFTER = 1 << 13,
	CLI_OPT_KNOBS = 1 << 14,
	CLI_OPT_DIMS = 1 << 15,
	CLI_OPT_YOSYS = 1 << 16,
	CLI_OPT_HTML = 1 << 17,
	CLI_OPT_POINT = 1 << 18,
	CLI_OPT_RETUNE = 1 << 19,
};

/* Returns -1 and prints the usage on bad usage, 1 after printing help for
 * --help, 0 otherwise.  Accepts between min_pos and max_pos positionals. */
int cli_parse(const char *cmd, int argc, char **argv, unsigned allowed, int min_pos, int max_pos,
	      struct cli_opts *o);
void cli_usage(const char *cmd, bool to_stderr);
/* Loads PATH, or the built-in default when PATH is NULL; prints errors. */
int cli_load_hw(const char *path, struct hw *hw);
/* Loads a workload file or ONNX model (DIMS: --dims, or NULL); prints
 * errors.  0, or -1. */
struct wl_workload;
int cli_load_workload(const char *path, const char *dims, struct wl_workload *w);
/* Both, for the commands that compile a workload for a hardware description,
 * with the rewrites that depend on the machine (cc_rewrite) applied. */
int cli_load_hw_workload(const char *hw_path, const char *wl_path, const char *dims, struct hw *hw, struct wl_workload *w);
/* A workload's program as `tessel compile` builds it (cc_build): every op
 * in order, those on the host as host steps, a direct-form op reading what
 * an earlier op stored from its segment, tensors ops compute through
 * gathers and host steps, the rest packed from the initial data; dumped
 * after the pass dump_after (or NULL).  0, or -1 with errors;
 * cc_program_free(prog) either way. */
struct cc_program;
int cli_build_workload(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
		       const char *dump_after, struct cc_program *prog, struct diags *err);
/* Loads a program; with hw_path, refuses one built for other hardware. */
int cli_load_program(const char *path, const char *hw_path, struct isa_program *p);
/* Prints every error; those without a file are given `file`. */
void cli_print_errors(struct diags *err, const char *file);
/* A whole number 0 or more; -1 when s is not one. */
int cli_parse_count(const char *s, uint64_t *v);
/* S as a JSON string literal; null when S is NULL. */
void cli_json_string(FILE *out, const char *s);
/* Energy (cli/energy.c, docs/energy.md).  PJ picojoules as text with an SI
 * prefix ("3.62 nJ") in buf. */
struct dev_stats;
const char *cli_joules(double pj, char *buf, size_t size);
/* Two lines: the total and its parts, then the on-chip levels. */
void cli_energy_text(const struct hw *hw, const struct dev_stats *st);
/* The "energy" object: total_pj, defaults, each part's _pj, levels. */
void cli_energy_json(FILE *out, const struct hw *hw, const struct dev_stats *st);
/* The "actions" object: macs by intrinsic, reads and writes by level, alu by op. */
void cli_actions_json(FILE *out, const struct hw *hw, const struct dev_stats *st);
/* The tuning records' default file: $XDG_CACHE_HOME/tessel/tuning.db, or
 * ~/.cache/...; NULL when neither is set. */
char *cli_default_db(void);
/* On stderr, "tessel CMD: ..." about the records of the database at path
 * that no lookup takes: impossible cycles, or another lowering's. */
struct tz_records;
void cli_records_notes(const char *cmd, const char *path, const struct tz_records *db);
/* Every --json document follows docs/tessel.schema.json (docs/json.md); its
 * version, raised whenever a key changes meaning or goes away. */
enum { CLI_JSON_SCHEMA = 1 };
/* The start of a --json document: {"schema":N,"command":"CMD" (no comma after). */
void cli_json_begin(FILE *out, const char *command);
/* An op's plan as keys of its object, each after a comma: "placement",
 * "plan", "binding", "mapping", "binding_fields", "mapping_fields", "why";
 * null where one does not apply (docs/json.md, "The plan of an op"). */
struct ir_graph;
void cli_json_plan(FILE *out, const struct hw *hw, const struct ir_graph *g, int op, const struct cc_plan *plan);
/* An op's machine bound (cc_machine_bound) against its measured cycles (0:
 * none): as the columns "bound by of-bound eff" of a table, and as the key
 * "bound" of its JSON object, after a comma (docs/json.md). */
struct cc_bound;
void cli_bound_text(const struct cc_bound *b, uint64_t cycles, char *out, size_t n);
#define CLI_BOUND_HEADER "     bound by   of bound    eff"
void cli_json_bound(FILE *out, const struct cc_bound *b, uint64_t cycles);
/* Refuses (with a usage error, -1) an output (-o, --trace, --waves) that
 * names an input of the command (a positional, --hw, --db) or another
 * output: the same device and inode.  Called before any work. */
int cli_check_outputs(const char *cmd, const struct cli_opts *o);
/* Takes --max-cycles N and --max-seconds S out of argv into ro (the
 * defaults: DEV_DEFAULT_MAX_CYCLES, no time limit).  -1 on bad usage. */
struct dev_run_opts;
int cli_take_limits(const char *cmd, int *argc, char **argv, struct dev_run_opts *ro);
/* --input NAME=FILE.npy / --output NAME=FILE.npy, in the order given. */
struct cli_tensor_arg {
	char *name;
	const char *file;
	bool output;
};
struct cli_tensors {
	int n;
	struct cli_tensor_arg *v;
};
/* Takes every --input and --output out of argv into ts and checks them
 * (cli_check_tensors).  0, or the exit status (reported). */
int cli_take_tensors(const char *cmd, int *argc, char **argv, struct cli_tensors *ts);
/* No name given twice, no output file that is another of ts's files. */
int cli_check_tensors(const char *cmd, const struct cli_tensors *ts);
/* No --output file that is another file of the command (the program or
 * workload, --hw, --db, -o, --trace, ...), and no --input file that is an
 * output (-o, --trace, ...): exit status 2 (CLI_USAGE), 0 when none is. */
int cli_check_tensor_outputs(const char *cmd, const struct cli_tensors *ts, const struct cli_opts *o);
void cli_free_tensors(struct cli_tensors *ts);
/* Refuses (a usage error, -1) an output (-o, --trace, --waves, --output
 * NAME=FILE) that is a data file the workload w read: called once it is
 * loaded, before any work. */
int cli_check_workload_outputs(const char *cmd, const struct cli_opts *o, const struct cli_tensors *io,
			       const struct wl_workload *w);
/* Writes a program as a .tsp file through base/output.h.  0, or -1. */
int cli_write_program(const struct isa_program *p, const char *path, struct diags *err);
/* Prints "tessel CMD: error: ..." for bad usage. */
void cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
