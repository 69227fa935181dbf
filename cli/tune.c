/* tessel tune: each op's mapping searched on the simulator (docs/tuning.md).
 * Per op: the best mapping, its cycles, utilization and fraction of the
 * roofline, the default mapping's cycles, measurements used and time; the
 * measurements go to a SQLite database that the next tune reuses. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/output.h"
#include "compiler/tune.h"
#include "cli.h"
#include "sweep.h"

enum { DEFAULT_BUDGET = 32 };

struct progress {
	const char *op;
	int index, nops;
	bool tty;
};

static void show_progress(void *ctx, int done, int budget)
{
	struct progress *p = ctx;
	if (!p->tty)
		return;
	int width = 30, fill = budget ? done * width / budget : width;
	fprintf(stderr, "\r[%-*.*s] op %d/%d %-12s %d/%d measured", width, fill, "##############################", p->index + 1,
		p->nops, p->op, done, budget);
	fflush(stderr);
}

void cli_records_notes(const char *cmd, const char *path, const struct tz_records *db)
{
	if (tz_records_ignored(db))
		fprintf(stderr, "tessel %s: warning: %s: %d tuning records with impossible cycles (not a whole number from 1 to "
				"10^15) ignored\n", cmd, path, tz_records_ignored(db));
	if (tz_records_stale(db))
		fprintf(stderr, "tessel %s: note: %s: %d tuning records measured by an earlier version of the lowering are "
				"kept but not used; their ops are measured again\n", cmd, path, tz_records_stale(db));
}

char *cli_default_db(void)
{
	const char *base = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *dir = base && *base ? xasprintf("%s/tessel", base) : home ? xasprintf("%s/.cache/tessel", home) : NULL;
	if (!dir)
		return NULL;
	char *parent = xstrdup(dir);
	*strrchr(parent, '/') = 0;
	mkdir(parent, 0755);
	mkdir(dir, 0755);
	free(parent);
	char *path = xasprintf("%s/tuning.db", dir);
	free(dir);
	return path;
}

static double utilization(const struct hw *hw, const struct ir_graph *g, int op, uint64_t cycles)
{
	return cycles ? (double)ir_op_macs(&g->op[op]) / ((double)cycles * hw_peak_macs_per_cycle(hw)) : 0;
}

static char *mapping_text(const struct hw *hw, const struct ir_graph *g, int op, const struct tz_mapping *m)
{
	struct strbuf sb = {0};
	tz_binding_format(hw, g, op, &m->b, &sb);
	sb_puts(&sb, " | ");
	tz_mapping_format(m, &sb);
	return sb_take(&sb);
}

/* "records" (taken whole), "12" measured, "12+20r" measured past 20
 * records, "(all)" when that was the whole space. */
static void measured_text(const struct tn_result *r, char *out, size_t n)
{
	if (r->reused)
		snprintf(out, n, "records");
	else if (r->recorded)
		snprintf(out, n, "%d+%dr%s", r->measured, r->recorded, r->exhaustive ? " (all)" : "");
	else
		snprintf(out, n, "%d%s", r->measured, r->exhaustive ? " (all)" : "");
}

/* Ops taken from the records measured nothing: how to continue their search. */
static void print_reused(const struct wl_workload *w, const struct tn_result *res, const char *db)
{
	int ops = 0, records = 0;
	for (int op = 0; op < w->g.nops; op++)
		if (res[op].reused)
			ops++, records += res[op].recorded;
	if (ops)
		printf("%d op%s took the best of %d earlier measurement%s in %s without measuring; --retune continues "
		       "their search up to --budget measurements each\n",
		       ops, ops == 1 ? "" : "s", records, records == 1 ? "" : "s", db);
}

static void print_text(const struct hw *hw, const struct wl_workload *w, const struct tn_result *res)
{
	const struct ir_graph *g = &w->g;
	printf("%s on %s: tuned on the simulator\n", w->name, hw->name);
	printf("  %-10s %10s %10s %7s %8s %8s %s %9s %8s %7s  %s\n", "op", "cycles", "default", "speedup", "util", "of roof",
	       CLI_BOUND_HEADER, "measured", "space", "seconds", "mapping");
	for (int op = 0; op < g->nops; op++) {
		const struct tn_result *r = &res[op];
		if (r->plan.kind == CC_HOST) {
			printf("  %-10s %10s  (no intrinsic runs it: host)\n", g->op[op].name, "-");
			continue;
		}
		struct cc_bound b;
		char bound[64];
		cc_machine_bound(hw, g, op, &r->plan, &b);
		cli_bound_text(&b, r->cycles, bound, sizeof bound);
		if (r->plan.kind == CC_POOL) {
			printf("  %-10s %10" PRIu64 " %10s %7s %8s %7.1f%% %s %9d %8s %7.2f  alu: max pooling\n", g->op[op].name,
			       r->cycles, "-", "-", "-", 100 * cc_roofline_cycles(hw, g, op) / (double)r->cycles, bound, r->measured,
			       "-", r->seconds);
			continue;
		}
		char *m = mapping_text(hw, g, op, &r->best), dflt[24] = "-", speed[24] = "-", measured[40];
		if (r->default_cycles) {
			snprintf(dflt, sizeof dflt, "%" PRIu64, r->default_cycles);
			snprintf(speed, sizeof speed, "%.2fx", (double)r->default_cycles / (double)r->cycles);
		}
		measured_text(r, measured, sizeof measured);
		printf("  %-10s %10" PRIu64 " %10s %7s %7.1f%% %7.1f%% %s %9s %8" PRId64 " %7.2f  %s\n", g->op[op].name,
		       r->cycles, dflt, speed, 100 * utilization(hw, g, op, r->cycles),
		       100 * cc_roofline_cycles(hw, g, op) / (double)r->cycles, bound, measured, r->space, r->seconds, m);
		free(m);
	}
}

/* An op on the host was never planned by the tune: the plan compiling makes
 * says why. */
static void print_json_plan(const struct hw *hw, const struct ir_graph *g, int op, const struct tn_result *r)
{
	if (r->plan.kind != CC_HOST) {
		cli_json_plan(stdout, hw, g, op, &r->plan);
		return;
	}
	struct cc_plan *plan = xcalloc(1, sizeof *plan);
	struct diags err = {0};
	if (cc_plan_op(hw, g, op, plan, &err) || plan->kind != CC_HOST)
		*plan = r->plan;
	cli_json_plan(stdout, hw, g, op, plan);
	diag_free(&err);
	free(plan);
}

/* Every op has the same keys, null where one does not apply: nothing is
 * measured for an op on the host, nothing searched for max pooling. */
static void print_json(const struct hw *hw, const struct wl_workload *w, const struct tn_result *res)
{
	const struct ir_graph *g = &w->g;
	cli_json_begin(stdout, "tune");
	printf(",\"workload\":");
	cli_json_string(stdout, w->name);
	printf(",\"hardware\":");
	cli_json_string(stdout, hw->name);
	printf(",\"device\":\"sim\",\"ops\":[");
	for (int op = 0; op < g->nops; op++) {
		const struct tn_result *r = &res[op];
		printf("%s{\"name\":", op ? "," : "");
		cli_json_string(stdout, g->op[op].name);
		printf(",\"kind\":");
		cli_json_string(stdout, g->op[op].kind);
		printf(",\"device\":%s", r->plan.kind == CC_HOST ? "null" : "\"sim\"");
		print_json_plan(hw, g, op, r);
		struct cc_bound b;
		cc_machine_bound(hw, g, op, &r->plan, &b);
		cli_json_bound(stdout, &b, r->plan.kind == CC_HOST ? 0 : r->cycles);
		if (r->plan.kind == CC_HOST) {
			printf(",\"cycles\":null,\"default_cycles\":null,\"utilization\":null,\"roofline_cycles\":null,"
			       "\"measurements\":0,\"from_records\":false,\"recorded\":0,\"exhaustive\":false,\"space\":%" PRId64
		       ",\"seconds\":null}",
			       r->space);
			continue;
		}
		bool gemm = r->plan.kind == CC_GEMM;
		printf(",\"cycles\":%" PRIu64 ",\"default_cycles\":", r->cycles);
		if (gemm && r->default_cycles)
			printf("%" PRIu64, r->default_cycles);
		else
			printf("null");
		printf(",\"utilization\":%.6f,\"roofline_cycles\":%.1f,\"measurements\":%d,\"from_records\":%s,\"recorded\":%d,"
		       "\"exhaustive\":%s,\"space\":",
		       utilization(hw, g, op, r->cycles), cc_roofline_cycles(hw, g, op), r->measured,
		       r->reused ? "true" : "false", r->recorded, r->exhaustive ? "true" : "false");
		if (gemm)
			printf("%" PRId64, r->space);
		else
			printf("null");
		printf(",\"seconds\":%.3f}", r->seconds);
	}
	printf("]}\n");
}

/* The tuned program: every accelerator op with its best mapping. */
static int write_program(const struct hw *hw, const struct wl_workload *w, const struct tn_result *res,
			 const char *out, struct diags *err)
{
	struct cc_plan *plans = xcalloc((size_t)w->g.nops + 1, sizeof *plans);
	for (int op = 0; op < w->g.nops; op++)
		plans[op] = res[op].plan;
	struct cc_program prog;
	int rc = cli_build_workload(hw, w, plans, NULL, &prog, err) || cli_write_program(&prog.p, out, err);
	cc_program_free(&prog);
	free(plans);
	return rc;
}

static int tune_all(const struct hw *hw, const struct wl_workload *w, struct tn_opts *o, struct tn_result *res,
		    struct diags *err)
{
	struct progress pr = {NULL, 0, w->g.nops, isatty(2) != 0};
	o->progress = show_progress, o->progress_ctx = &pr;
	/* the defaults are what compiling without tuning plans: the workload's plans */
	struct cc_plan *plans = xcalloc((size_t)w->g.nops + 1, sizeof *plans);
	int rc = cc_plan_ops(hw, &w->g, plans, err);
	o->plans = plans;
	for (int op = 0; op < w->g.nops && !rc; op++) {
		pr.op = w->g.op[op].name, pr.index = op;
		show_progress(&pr, 0, o->budget);
		rc = tn_tune_op(hw, &w->g, op, o, &res[op], err);
	}
	o->plans = NULL;
	free(plans);
	if (pr.tty)
		fprintf(stderr, "\r%*s\r", 78, "");
	return rc;
}

/* Another MPI rank: reads the description and the workload as rank 0 does
 * (quietly: rank 0 reports their errors) and measures what it is sent. */
static int serve_rank(const struct cli_opts *o)
{
	struct hw hw;
	struct wl_workload w;
	struct diags err = {0};
	bool ok = !(o->hw ? hw_load_file(o->hw, &hw, &err) : hw_load_default(&hw, &err)) &&
		  !wl_load_file_dims(o->pos[0], o->dims, &w, &err);
	bool rewritten = ok && !cc_rewrite(&hw, &w, &err);
	cli_tune_ranks_serve(&hw, rewritten ? &w.g : NULL);
	if (ok)
		wl_free(&w);
	diag_free(&err);
	return rewritten ? CLI_OK : CLI_BAD_INPUT;
}

/* The tune, on rank 0 or in the only process. */
static int tune_here(const struct cli_opts *opts, int size)
{
	struct cli_opts o = *opts;
	int rc;
	uint64_t budget = DEFAULT_BUDGET, seed = 1;
	bool bad_budget = o.budget && (cli_parse_count(o.budget, &budget) || budget < 1 || budget > 1000000);
	if (bad_budget || (o.seed && cli_parse_count(o.seed, &seed))) {
		cli_usage_error("tune", bad_budget ? "--budget takes a number of measurements from 1 to 1000000, got '%s'"
						   : "--seed takes a whole number, got '%s'",
				bad_budget ? o.budget : o.seed);
		return CLI_USAGE;
	}
	if (cli_check_outputs("tune", &o))
		return CLI_USAGE;
	struct hw hw;
	struct wl_workload w;
	if (cli_load_hw_workload(o.hw, o.pos[0], o.dims, &hw, &w))
		return CLI_BAD_INPUT;
	if (cli_check_workload_outputs("tune", &o, NULL, &w)) {
		wl_free(&w);
		return CLI_USAGE;
	}
	struct diags err = {0};
	char *path = o.db ? xstrdup(o.db) : cli_default_db();
	if (o.out && path && out_same_file(o.out, path)) {
		cli_usage_error("tune", "the output -o '%s' is the tuning database '%s' (the same file), which it would overwrite; "
					"expected another output file", o.out, path);
		free(path);
		wl_free(&w);
		return CLI_USAGE;
	}
	char *literal = path ? file_sqlite_path(path) : NULL; /* the file named, not a SQLite URI */
	struct tz_records *db = literal ? tz_records_open(literal, &err) : NULL;
	free(literal);
	struct tn_result *res = xcalloc((size_t)w.g.nops + 1, sizeof *res);
	rc = CLI_BAD_INPUT;
	cli_records_notes("tune", path, db);
	if (!path || db) {
		struct tn_opts to = {.budget = (int)budget, .seed = seed, .transfer = true, .db = db, .retune = o.retune,
				     .workload = w.name, .plans = NULL,
				     .remote = size > 1 ? cli_tune_ranks_measure : NULL};
		int tuned = tune_all(&hw, &w, &to, res, &err);
		/* what was measured is kept even when the tune failed later;
		 * a measurement that cannot be stored fails the tune */
		if ((db && tz_records_commit(db, &err)) || err.n)
			tuned = -1;
		if (!tuned && (!o.out || !write_program(&hw, &w, res, o.out, &err))) {
			if (o.json)
				print_json(&hw, &w, res);
			else {
				print_text(&hw, &w, res);
				print_reused(&w, res, path);
			}
			rc = CLI_OK;
		}
	}
	cli_print_errors(&err, o.pos[0]);
	for (int op = 0; op < w.g.nops; op++)
		tn_result_free(&res[op]);
	free(res);
	tz_records_close(db);
	free(path);
	wl_free(&w);
	diag_free(&err);
	return rc;
}

int cli_tune(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("tune", argc, argv,
			   CLI_OPT_HW | CLI_OPT_BUDGET | CLI_OPT_DB | CLI_OPT_SEED | CLI_OPT_JSON | CLI_OPT_OUT | CLI_OPT_DIMS |
				   CLI_OPT_RETUNE, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	int rank = 0, size = sw_mpi_start(&argc, &argv, &rank);
	if (size < 0) {
		fprintf(stderr, "tessel tune: error: MPI did not start (run by mpirun)\n");
		return CLI_BAD_INPUT;
	}
	if (rank > 0) {
		rc = serve_rank(&o);
		sw_mpi_end(size);
		return rc;
	}
	cli_tune_ranks_begin(size);
	rc = tune_here(&o, size);
	cli_tune_ranks_end();
	sw_mpi_end(size);
	return rc;
}
