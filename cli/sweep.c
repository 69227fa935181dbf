/* tessel sweep SWEEP.yaml: every point of a sweep over a description's
 * parameters — validated, each op tuned, every workload run on the
 * simulator — with latency, energy, area, utilization and the fraction of
 * the roofline; the Pareto front over latency, energy and area
 * (docs/sweep.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/file.h"
#include "base/strbuf.h"
#include "compiler/devices.h"
#include "compiler/tune.h"
#include "hwdesc/area.h"
#include "isa/isa.h"
#include "sim/simulator.h"
#include "cli.h"
#include "sweep.h"

static void axes_json(const struct sweep *s, const int *vi, char *out, size_t size)
{
	struct strbuf b = {0};
	sb_puts(&b, "{");
	for (int a = 0; a < s->naxes; a++) {
		sb_puts(&b, a ? "," : "");
		sb_json_string(&b, s->axis[a].name);
		sb_puts(&b, ":");
		sb_json_string(&b, s->axis[a].label[vi[a]]);
	}
	sb_puts(&b, "}");
	char *t = sb_take(&b);
	snprintf(out, size, "%s", t ? t : "{}");
	free(t);
}

/* The first error's message, without the place (a point's description is
 * text made here: its lines mean nothing to the user). */
static void first_error(struct diags *err, const char *prefix, char *why, size_t size)
{
	snprintf(why, size, "%s%s", prefix, err->n ? err->v[0].msg : "failed");
}

/* Each op's plan: tuned with the sweep's budget, else the default. */
static int plan_ops(const struct sweep *s, const struct hw *hw, const struct wl_workload *w, struct tz_records *db,
		    struct cc_plan *plans, struct diags *err)
{
	if (cc_plan_ops(hw, &w->g, plans, err))
		return -1;
	struct tn_opts to = {.budget = s->budget, .seed = 1, .transfer = true, .db = db, .workload = w->name, .plans = plans};
	for (int op = 0; op < w->g.nops && s->budget > 0; op++) {
		if (plans[op].kind == CC_HOST)
			continue;
		struct tn_result r = {0};
		int rc = tn_tune_op(hw, &w->g, op, &to, &r, err);
		if (!rc)
			plans[op] = r.plan;
		tn_result_free(&r);
		if (rc)
			return -1;
	}
	return 0;
}

/* One workload on the point's description: its ops into p->op. */
static int run_workload(const struct sweep *s, const struct hw *hw, int wi, struct tz_records *db, struct sw_point *p,
			struct diags *err)
{
	struct wl_workload w;
	if (wl_load_file_dims(s->workload[wi], s->dims[wi], &w, err))
		return -1;
	if (cc_rewrite(hw, &w, err)) { /* it adds ops (layout changes): the arrays below follow */
		wl_free(&w);
		return -1;
	}
	struct cc_plan *plans = xcalloc((size_t)w.g.nops + 1, sizeof *plans);
	struct rt_result *res = xcalloc((size_t)w.g.nops + 1, sizeof *res);
	uint8_t **t = NULL;
	struct dev_run_opts ro = {.max_cycles = DEV_DEFAULT_MAX_CYCLES};
	int rc = plan_ops(s, hw, &w, db, plans, err) || !(t = rt_tensor_buffers(&w, err)) ||
		 rt_exec(hw, &w, plans, &dev_sim, &ro, false, t, res, err);
	for (int op = 0; op < w.g.nops && !rc; op++) {
		p->op = xrealloc(p->op, (size_t)(p->nops + 1) * sizeof *p->op);
		struct sw_op *o = &p->op[p->nops++];
		memset(o, 0, sizeof *o);
		snprintf(o->workload, sizeof o->workload, "%s", w.name);
		snprintf(o->op, sizeof o->op, "%s", w.g.op[op].name);
		o->on_host = res[op].on_host, o->macs = res[op].macs, o->roofline = res[op].roofline;
		struct cc_bound b;
		cc_machine_bound(hw, &w.g, op, &plans[op], &b);
		o->bound = b.cycles;
		snprintf(o->bound_by, sizeof o->bound_by, "%s", cc_resource_name(b.binding));
		if (o->on_host)
			continue;
		struct hw_energy_report e;
		hw_energy_of(hw, &res[op].st.act, res[op].st.dram_read, res[op].st.dram_written, res[op].st.cycles, &e);
		o->cycles = res[op].st.cycles, o->dram_read = res[op].st.dram_read, o->energy_pj = e.total;
		p->cycles += o->cycles;
		for (int k = 0; k < HW_ENERGY_PART_COUNT; k++)
			p->energy.part[k] += e.part[k];
		p->energy.total += e.total;
	}
	rt_free_buffers(&w, t);
	free(res);
	free(plans);
	wl_free(&w);
	return rc ? -1 : 0;
}

void sw_run_point(const struct sweep *s, uint64_t idx, struct tz_records *db, struct sw_point *p)
{
	int vi[SW_MAX_AXES];
	memset(p, 0, sizeof *p);
	p->index = idx;
	sw_point_values(s, idx, vi);
	axes_json(s, vi, p->axes, sizeof p->axes);
	int failed = 0;
	char *text = sw_apply(s, vi, p->why, sizeof p->why);
	if (!text) {
		p->status = SW_INVALID;
		return;
	}
	if (sw_check_constraints(s->constraint, s->nconstraints, text, &failed, p->why, sizeof p->why) != 1) {
		p->status = SW_EXCLUDED;
		snprintf(p->why, sizeof p->why, "constraint '%.200s' does not hold", s->constraint[failed].text);
		free(text);
		return;
	}
	struct hw hw;
	struct diags err = {0};
	char name[64];
	snprintf(name, sizeof name, "point %" PRIu64, idx);
	struct isa_layout lay;
	if (hw_load_string(text, name, &hw, &err) || isa_derive(&hw, &lay, &err)) { /* what `tessel check` checks */
		p->status = SW_INVALID;
		first_error(&err, "", p->why, sizeof p->why);
	} else {
		struct hw_area a;
		hw_area_model(&hw, &a);
		p->fingerprint = hw_fingerprint(&hw);
		p->area_mm2 = a.total_um2 / 1e6;
		for (int w = 0; w < s->nworkloads && p->status == SW_OK; w++)
			if (run_workload(s, &hw, w, db, p, &err)) {
				p->status = SW_FAILED;
				first_error(&err, "", p->why, sizeof p->why);
			}
		uint64_t macs = 0;
		double roof = 0;
		for (int i = 0; i < p->nops; i++)
			if (!p->op[i].on_host)
				macs += p->op[i].macs, roof += p->op[i].roofline;
		p->seconds = (double)p->cycles / (hw.clock_mhz * 1e6);
		p->peak_macs = hw_peak_macs_per_cycle(&hw), p->bandwidth = hw.dram.bandwidth, p->clock_mhz = hw.clock_mhz;
		p->utilization = p->cycles ? (double)macs / ((double)p->cycles * hw_peak_macs_per_cycle(&hw)) : 0;
		p->roofline = p->cycles ? roof / (double)p->cycles : 0;
	}
	diag_free(&err);
	free(text);
}

static void print_text(const struct sweep *s, const char *dir, const struct sw_point *pts)
{
	int count[4] = {0};
	for (uint64_t i = 0; i < s->npoints; i++)
		count[pts[i].status]++;
	printf("sweep %s: %" PRIu64 " points (%d run, %d invalid, %d excluded, %d failed) of %s; %d workload%s; budget %d per op\n",
	       s->name, s->npoints, count[SW_OK], count[SW_INVALID], count[SW_EXCLUDED], count[SW_FAILED], s->hw_path,
	       s->nworkloads, s->nworkloads > 1 ? "s" : "", s->budget);
	int width[SW_MAX_AXES];
	for (int a = 0; a < s->naxes; a++) {
		width[a] = (int)strlen(s->axis[a].name);
		for (int v = 0; v < s->axis[a].nvalues; v++)
			width[a] = (int)strlen(s->axis[a].label[v]) > width[a] ? (int)strlen(s->axis[a].label[v]) : width[a];
	}
	printf("  %-6s", "point");
	for (int a = 0; a < s->naxes; a++)
		printf(" %-*s", width[a], s->axis[a].name);
	printf(" %-9s %12s %12s %10s %6s %7s  %s\n", "status", "latency", "energy", "area", "util", "of roof", "pareto");
	for (uint64_t i = 0; i < s->npoints; i++) {
		const struct sw_point *p = &pts[i];
		int vi[SW_MAX_AXES];
		sw_point_values(s, i, vi);
		printf("  %-6" PRIu64, i);
		for (int a = 0; a < s->naxes; a++)
			printf(" %-*s", width[a], s->axis[a].label[vi[a]]);
		if (p->status != SW_OK) {
			printf(" %-9s %s\n", sw_status_name(p->status), p->why);
			continue;
		}
		char e[32];
		printf(" %-9s %9.4g ms %12s %6.3g mm2 %5.1f%% %6.1f%%  %s\n", "ok", p->seconds * 1e3,
		       cli_joules(p->energy.total, e, sizeof e), p->area_mm2, 100 * p->utilization, 100 * p->roofline,
		       p->pareto ? "*" : "");
	}
	printf("results in %s/results.db and %s/results.csv; * marks the Pareto front over latency, energy and area\n", dir,
	       dir);
}

static void print_point_json(const struct sw_point *p)
{
	printf("{\"point\":%" PRIu64 ",\"axes\":%s,\"status\":\"%s\",\"why\":", p->index, p->axes, sw_status_name(p->status));
	cli_json_string(stdout, p->status == SW_OK ? NULL : p->why);
	if (p->status != SW_OK) {
		printf(",\"fingerprint\":null,\"cycles\":null,\"seconds\":null,\"energy\":null,\"area_mm2\":null,"
		       "\"utilization\":null,\"roofline\":null,\"pareto\":false,\"ops\":[]}");
		return;
	}
	printf(",\"fingerprint\":\"%016" PRIx64 "\",\"cycles\":%" PRIu64 ",\"seconds\":%.9g,\"energy\":{\"total_pj\":%.17g",
	       p->fingerprint, p->cycles, p->seconds, p->energy.total);
	for (int k = 0; k < HW_ENERGY_PART_COUNT; k++)
		printf(",\"%s_pj\":%.17g", hw_energy_part_name((enum hw_energy_part)k), p->energy.part[k]);
	printf("},\"area_mm2\":%.17g,\"utilization\":%.6f,\"roofline\":%.6f,\"pareto\":%s,\"ops\":[", p->area_mm2,
	       p->utilization, p->roofline, p->pareto ? "true" : "false");
	for (int i = 0; i < p->nops; i++) {
		const struct sw_op *o = &p->op[i];
		printf("%s{\"workload\":", i ? "," : "");
		cli_json_string(stdout, o->workload);
		printf(",\"op\":");
		cli_json_string(stdout, o->op);
		if (o->on_host)
			printf(",\"device\":\"host\",\"cycles\":null,\"macs\":%" PRIu64 ",\"roofline_cycles\":%.1f,"
			       "\"dram_read\":null,\"energy_pj\":null", o->macs, o->roofline);
		else
			printf(",\"device\":\"sim\",\"cycles\":%" PRIu64 ",\"macs\":%" PRIu64 ",\"roofline_cycles\":%.1f,"
			       "\"dram_read\":%" PRIu64 ",\"energy_pj\":%.17g", o->cycles, o->macs, o->roofline, o->dram_read,
			       o->energy_pj);
		if (o->bound > 0) {
			printf(",\"bound_cycles\":%.1f,\"bound_by\":", o->bound);
			cli_json_string(stdout, o->bound_by);
			printf("}");
		} else {
			printf(",\"bound_cycles\":null,\"bound_by\":null}");
		}
	}
	printf("]}");
}

static void print_json(const struct sweep *s, const char *dir, const struct sw_point *pts)
{
	cli_json_begin(stdout, "sweep");
	printf(",\"name\":");
	cli_json_string(stdout, s->name);
	printf(",\"hardware\":");
	cli_json_string(stdout, s->hw_path);
	printf(",\"results\":");
	cli_json_string(stdout, dir);
	printf(",\"budget\":%d,\"points\":[", s->budget);
	for (uint64_t i = 0; i < s->npoints; i++) {
		printf("%s", i ? "," : "");
		print_point_json(&pts[i]);
	}
	printf("]}\n");
}

static void show_progress(const struct sweep *s, uint64_t i, bool tty)
{
	if (tty)
		fprintf(stderr, "\rsweep %s: point %" PRIu64 " of %" PRIu64 "   ", s->name, i + 1, s->npoints);
}

/* Every point not in the store yet, run and recorded one by one. */
static int run_points(const struct sweep *s, struct sw_store *st, struct tz_records *db, struct sw_point *pts,
		      bool *done, struct diags *err)
{
	bool tty = isatty(2) != 0;
	for (uint64_t i = 0; i < s->npoints; i++) {
		if (done[i])
			continue;
		show_progress(s, i, tty);
		sw_run_point(s, i, db, &pts[i]);
		if (sw_store_put(st, &pts[i], err) || (db && tz_records_commit(db, err)))
			return -1;
		done[i] = true;
	}
	if (tty)
		fprintf(stderr, "\r%*s\r", 60, "");
	return 0;
}

/* Rank 0, or the only process: the points not recorded yet, run here or
 * handed out to the other ranks, then the front, the CSV and the output. */
static int lead(const struct sweep *s, const struct cli_opts *o, int size, bool loaded, struct diags *err)
{
	char *dir = o->out ? xstrdup(o->out) : xasprintf("%s-results", s->name);
	char *dbpath = o->db ? xstrdup(o->db) : cli_default_db();
	struct sw_store *st = loaded ? sw_store_open(dir, s, err) : NULL;
	char *literal = dbpath ? file_sqlite_path(dbpath) : NULL; /* the file named, not a SQLite URI */
	struct tz_records *db = st && literal && size == 1 ? tz_records_open(literal, err) : NULL;
	free(literal);
	cli_records_notes("sweep", dbpath, db);
	struct sw_point *pts = xcalloc(s->npoints + 1, sizeof *pts);
	bool *done = xcalloc(s->npoints + 1, sizeof *done);
	bool ok = st && (!dbpath || size > 1 || db) && !sw_store_load(st, pts, done, s->npoints, err);
	int rc = CLI_BAD_INPUT;
	if (size > 1 ? !sw_mpi_lead(s, st, pts, done, size, ok, err) && ok : ok && !run_points(s, st, db, pts, done, err)) {
		sw_mark_pareto(pts, s->npoints);
		if (!sw_store_finish(st, s, pts, s->npoints, err)) {
			if (o->json)
				print_json(s, dir, pts);
			else
				print_text(s, dir, pts);
			rc = CLI_OK;
			for (uint64_t i = 0; i < s->npoints; i++)
				if (pts[i].status == SW_FAILED)
					rc = CLI_BAD_INPUT;
		}
	}
	for (uint64_t i = 0; i < s->npoints; i++)
		free(pts[i].op);
	free(pts);
	free(done);
	tz_records_close(db);
	sw_store_close(st);
	free(dbpath);
	free(dir);
	return rc;
}

/* Another rank: runs the points rank 0 gives it. */
static int follow(const struct sweep *s, const struct cli_opts *o, bool loaded)
{
	struct diags err = {0};
	char *dbpath = o->db ? xstrdup(o->db) : cli_default_db();
	char *literal = dbpath ? file_sqlite_path(dbpath) : NULL;
	struct tz_records *db = loaded && literal ? tz_records_open(literal, &err) : NULL;
	free(literal);
	sw_mpi_follow(s, db); /* told to stop at once when rank 0 cannot go on */
	tz_records_close(db);
	free(dbpath);
	diag_free(&err);
	return loaded ? CLI_OK : CLI_BAD_INPUT;
}

int cli_sweep(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("sweep", argc, argv, CLI_OPT_OUT | CLI_OPT_JSON | CLI_OPT_DB, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	int rank = 0, size = sw_mpi_start(&argc, &argv, &rank);
	if (size < 0) {
		fprintf(stderr, "tessel sweep: error: MPI did not start (run by mpirun)\n");
		return CLI_BAD_INPUT;
	}
	struct sweep s;
	struct diags err = {0};
	bool loaded = !sw_load(o.pos[0], &s, &err);
	if (rank == 0)
		rc = lead(&s, &o, size, loaded, &err);
	else
		rc = follow(&s, &o, loaded);
	if (rank == 0)
		cli_print_errors(&err, o.pos[0]);
	sw_mpi_end(size);
	sw_free(&s);
	diag_free(&err);
	return rc;
}
