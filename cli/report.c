/* tessel report RESULTS [--html OUT.html] [--point N]: a sweep's results
 * (results.db, docs/sweep.md) as one self-contained HTML page — the Pareto
 * scatter, the roofline and utilization of one point's ops, the energy of
 * the points by part, and a sortable table of every point. */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/output.h"
#include "compiler/compile.h"
#include "cli.h"
#include "report.h"

/* More points than this that ran: the energy chart shows the front and the
 * chosen point only, so that its bars stay readable. */
enum { ALL_BARS_UP_TO = 60 };

/* One row of the points table. */
struct pt {
	long idx;
	char *status, *why;
	char **axis; /* per axis of the sweep, the point's label */
	bool ran, pareto;
	double cycles, seconds, energy, part[HW_ENERGY_PART_COUNT], area, util, roof, peak, bw;
};

struct results {
	const char *arg; /* RESULTS as given */
	char *db, *dir;  /* its results.db and directory */
	char *name;
	long declared;   /* the sweep's points; n of them are recorded */
	int naxes;
	char **axis;     /* axis names, as the first point's axes object orders them */
	long n;
	struct pt *p;
	bool several;    /* more than one workload: ops are named workload/op */
};

/* ---- reading results.db ---- */

/* RESULTS is a results directory or its results.db; either must exist. */
static int locate(struct results *r, struct diags *err)
{
	struct stat st;
	if (stat(r->arg, &st)) {
		diag_add(err, r->arg, 0, 0, "no sweep results here: %s; expected a directory `tessel sweep --out` wrote",
			 strerror(errno));
		return -1;
	}
	bool dir = S_ISDIR(st.st_mode);
	r->db = dir ? xasprintf("%s/results.db", r->arg) : xstrdup(r->arg);
	const char *slash = strrchr(r->arg, '/');
	r->dir = dir ? xstrdup(r->arg) : slash ? xstrndup(r->arg, (size_t)(slash - r->arg + (slash == r->arg))) : xstrdup(".");
	if (stat(r->db, &st) || !S_ISREG(st.st_mode)) {
		diag_add(err, r->arg, 0, 0, "holds no sweep results: %s is %s; expected the results.db `tessel sweep` writes", r->db,
			 dir ? "missing" : "not a regular file");
		return -1;
	}
	return 0;
}

static char *column_text(sqlite3_stmt *q, int c)
{
	const char *t = (const char *)sqlite3_column_text(q, c);
	return xstrdup(t ? t : "");
}

/* The point's axis labels, in the order of the sweep's axes (the first
 * point's object gives the order and the names). */
static int load_axes(sqlite3 *db, struct results *r, struct pt *p, const char *json, bool first)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, "SELECT key, value FROM json_each(?)", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, json, -1, SQLITE_STATIC);
	char **key = NULL, **value = NULL;
	int rc, n = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		key = xrealloc(key, (size_t)(n + 1) * sizeof *key), value = xrealloc(value, (size_t)(n + 1) * sizeof *value);
		key[n] = column_text(q, 0), value[n++] = column_text(q, 1);
	}
	sqlite3_finalize(q);
	if (first) {
		r->axis = xcalloc((size_t)n + 1, sizeof *r->axis), r->naxes = n;
		for (int k = 0; k < n; k++)
			r->axis[k] = xstrdup(key[k]);
	}
	p->axis = xcalloc((size_t)r->naxes + 1, sizeof *p->axis);
	for (int a = 0; a < r->naxes; a++) {
		for (int k = 0; k < n && !p->axis[a]; k++)
			if (!strcmp(r->axis[a], key[k]))
				p->axis[a] = xstrdup(value[k]);
		if (!p->axis[a])
			p->axis[a] = xstrdup("");
	}
	for (int k = 0; k < n; k++)
		free(key[k]), free(value[k]);
	free(key), free(value);
	return rc == SQLITE_DONE ? 0 : -1;
}

static const char points_sql[] =
	"SELECT idx, axes, status, why, cycles, seconds, energy_pj, mac_pj, onchip_pj, dram_pj, alu_pj, leakage_pj,"
	" area_mm2, utilization, roofline, peak_macs, bandwidth, pareto FROM points ORDER BY idx";

static void read_point(sqlite3_stmt *q, struct pt *p)
{
	p->idx = (long)sqlite3_column_int64(q, 0);
	p->status = column_text(q, 2), p->why = column_text(q, 3);
	p->ran = !strcmp(p->status, "ok");
	p->cycles = sqlite3_column_double(q, 4), p->seconds = sqlite3_column_double(q, 5);
	p->energy = sqlite3_column_double(q, 6);
	for (int k = 0; k < HW_ENERGY_PART_COUNT; k++)
		p->part[k] = sqlite3_column_double(q, 7 + k);
	p->area = sqlite3_column_double(q, 12), p->util = sqlite3_column_double(q, 13);
	p->roof = sqlite3_column_double(q, 14), p->peak = sqlite3_column_double(q, 15);
	p->bw = sqlite3_column_double(q, 16), p->pareto = sqlite3_column_int(q, 17) != 0;
}

/* The results database read only, as the file named (not a URI). */
static int open_results(const char *path, sqlite3 **db)
{
	char *literal = file_sqlite_path(path);
	int rc = literal ? sqlite3_open_v2(literal, db, SQLITE_OPEN_READONLY, NULL) : SQLITE_NOMEM;
	free(literal);
	return rc;
}

static int not_results(struct results *r, sqlite3 *db, struct diags *err)
{
	diag_add(err, r->arg, 0, 0, "not a sweep's results: %s: %s", r->db, sqlite3_errmsg(db));
	return -1;
}

static int load(sqlite3 *db, struct results *r, struct diags *err)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, "SELECT name, points FROM sweep", -1, &q, NULL) != SQLITE_OK)
		return not_results(r, db, err);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		diag_add(err, r->arg, 0, 0, "not a sweep's results: %s names no sweep", r->db);
		return -1;
	}
	r->name = column_text(q, 0), r->declared = (long)sqlite3_column_int64(q, 1);
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(db, points_sql, -1, &q, NULL) != SQLITE_OK)
		return not_results(r, db, err);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		r->p = xrealloc(r->p, (size_t)(r->n + 1) * sizeof *r->p);
		struct pt *p = &r->p[r->n];
		memset(p, 0, sizeof *p);
		read_point(q, p);
		bool first = r->n++ == 0;
		if (load_axes(db, r, p, (const char *)sqlite3_column_text(q, 1), first)) {
			sqlite3_finalize(q);
			diag_add(err, r->arg, 0, 0, "not a sweep's results: %s: point %ld: its axes are not a JSON object",
				 r->db, p->idx);
			return -1;
		}
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return not_results(r, db, err);
	if (sqlite3_prepare_v2(db, "SELECT COUNT(DISTINCT workload) FROM ops", -1, &q, NULL) != SQLITE_OK)
		return not_results(r, db, err);
	r->several = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) > 1;
	sqlite3_finalize(q);
	return 0;
}

/* The binding resource as cc_resource_name spells it (a string that lives
 * on), or NULL for a value of no resource (NULL: a point of before it). */
static const char *resource(const char *by)
{
	for (int k = 0; by && k < CC_RES_COUNT; k++)
		if (!strcmp(by, cc_resource_name((enum cc_resource)k)))
			return cc_resource_name((enum cc_resource)k);
	return NULL;
}

/* The accelerator ops of point idx; names are kept in *names for the caller
 * to free.  Results written before the machine's bound have no columns for
 * it: their ops have none. */
static int load_ops(sqlite3 *db, const struct results *r, long idx, struct rp_op **ops, int *n, struct diags *err)
{
	static const char *const queries[] = {
		"SELECT workload, op, cycles, macs, dram_read, roofline, energy_pj, bound, bound_by FROM ops"
		" WHERE point = ? AND on_host = 0 ORDER BY seq",
		"SELECT workload, op, cycles, macs, dram_read, roofline, energy_pj, NULL, NULL FROM ops"
		" WHERE point = ? AND on_host = 0 ORDER BY seq"};
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, queries[0], -1, &q, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(db, queries[1], -1, &q, NULL) != SQLITE_OK) {
		diag_add(err, r->arg, 0, 0, "not a sweep's results: %s: %s", r->db, sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(q, 1, idx);
	*ops = NULL, *n = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		*ops = xrealloc(*ops, (size_t)(*n + 1) * sizeof **ops);
		struct rp_op *o = &(*ops)[(*n)++];
		const char *wl = (const char *)sqlite3_column_text(q, 0), *op = (const char *)sqlite3_column_text(q, 1);
		o->name = r->several ? xasprintf("%s/%s", wl ? wl : "", op ? op : "") : xstrdup(op ? op : "");
		o->cycles = (uint64_t)sqlite3_column_int64(q, 2), o->macs = (uint64_t)sqlite3_column_int64(q, 3);
		o->dram_read = (uint64_t)sqlite3_column_int64(q, 4);
		o->roofline = sqlite3_column_double(q, 5), o->energy_pj = sqlite3_column_double(q, 6);
		o->bound = sqlite3_column_double(q, 7);
		o->bound_by = resource((const char *)sqlite3_column_text(q, 8));
	}
	sqlite3_finalize(q);
	return 0;
}

/* ---- choosing the point ---- */

static const struct pt *find(const struct results *r, long idx)
{
	for (long i = 0; i < r->n; i++)
		if (r->p[i].idx == idx)
			return &r->p[i];
	return NULL;
}

/* --point N, or the fastest point on the front; NULL when none ran (no
 * error) or with an error in err when --point names no point that ran. */
static const struct pt *choose(const struct results *r, const char *opt, struct diags *err)
{
	if (!opt) {
		const struct pt *best = NULL;
		for (long i = 0; i < r->n; i++)
			if (r->p[i].pareto && r->p[i].ran && (!best || r->p[i].seconds < best->seconds))
				best = &r->p[i];
		return best;
	}
	uint64_t n;
	cli_parse_count(opt, &n); /* checked with the usage */
	const struct pt *p = n < (uint64_t)r->declared ? find(r, (long)n) : NULL;
	if (n >= (uint64_t)r->declared)
		diag_add(err, r->arg, 0, 0, "--point %" PRIu64 " is out of range: the sweep '%s' has points 0 to %ld", n, r->name,
			 r->declared - 1);
	else if (!p)
		diag_add(err, r->arg, 0, 0, "--point %" PRIu64 " is not recorded: the sweep stopped before it", n);
	else if (!p->ran)
		diag_add(err, r->arg, 0, 0, "--point %" PRIu64 " did not run (%s: %s); choose a point whose status is ok", n,
			 p->status, p->why);
	return p && p->ran ? p : NULL;
}

/* ---- the page ---- */

/* "axis=label, ..." of a point. */
static char *axes_text(const struct results *r, const struct pt *p)
{
	size_t len = 1;
	for (int a = 0; a < r->naxes; a++)
		len += strlen(r->axis[a]) + strlen(p->axis[a]) + 3;
	char *s = xcalloc(len, 1);
	for (int a = 0; a < r->naxes; a++)
		snprintf(s + strlen(s), len - strlen(s), "%s%s=%s", a ? ", " : "", r->axis[a], p->axis[a]);
	return s;
}

static char *tip(const struct results *r, const struct pt *p)
{
	char t[32], e[32];
	char *ax = axes_text(r, p);
	char *s = xasprintf("point %ld: %s; %s, %s, %.4g mm²", p->idx, ax, rp_si(p->seconds, "s", t, sizeof t),
			    rp_si(p->energy * 1e-12, "J", e, sizeof e), p->area);
	free(ax);
	return s;
}

static void summary(FILE *f, const struct results *r)
{
	long count[4] = {0}, front = 0;
	static const char *const names[4] = {"ok", "invalid", "excluded", "failed"};
	for (long i = 0; i < r->n; i++) {
		for (int s = 0; s < 4; s++)
			count[s] += !strcmp(r->p[i].status, names[s]);
		front += r->p[i].pareto;
	}
	fputs("<h1>Sweep ", f);
	rp_text(f, r->name);
	fprintf(f, "</h1>\n<p class=\"note\">%ld points: %ld ran, %ld invalid, %ld excluded, %ld failed; %ld on the Pareto front "
		   "over latency, energy and area.", r->declared, count[0], count[1], count[2], count[3], front);
	if (r->n < r->declared)
		fprintf(f, " %ld points are not recorded: the sweep stopped before them.", r->declared - r->n);
	fputs(" From <code>", f);
	rp_text(f, r->db);
	fputs("</code>.</p>\n", f);
}

static void scatter_section(FILE *f, const struct results *r, const struct pt *chosen)
{
	struct rp_dot *d = xcalloc((size_t)r->n + 1, sizeof *d);
	int n = 0;
	for (long i = 0; i < r->n; i++) {
		const struct pt *p = &r->p[i];
		if (p->ran)
			d[n++] = (struct rp_dot){p->seconds, p->energy, p->area, p->pareto, p == chosen, p->idx, tip(r, p)};
	}
	fputs("<h2>The Pareto front</h2>\n", f);
	rp_scatter(f, d, n);
	for (int i = 0; i < n; i++)
		free((char *)d[i].tip);
	free(d);
}

static void point_section(FILE *f, sqlite3 *db, const struct results *r, const struct pt *p, bool given,
			  struct diags *err)
{
	struct rp_op *ops;
	int n;
	if (load_ops(db, r, p->idx, &ops, &n, err))
		return;
	char *ax = axes_text(r, p), t[32], e[32];
	fprintf(f, "<h2 id=\"chosen\" data-point=\"%ld\">Point %ld: ", p->idx, p->idx);
	rp_text(f, ax);
	fprintf(f, "</h2>\n<p class=\"note\">%s %s, %s, %.4g mm², utilization %.1f%%, %.1f%% of the roofline.</p>\n",
		given ? "Chosen with <code>--point</code>." : "The fastest point on the Pareto front (<code>--point N</code> shows another).",
		rp_si(p->seconds, "s", t, sizeof t), rp_si(p->energy * 1e-12, "J", e, sizeof e), p->area, 100 * p->util,
		100 * p->roof);
	struct rp_run run = {p->peak, p->bw, n, ops};
	fputs("<div class=\"row\">\n", f);
	rp_roofline(f, &run);
	rp_utilization(f, &run);
	fputs("</div>\n", f);
	rp_ops_table(f, &run);
	for (int i = 0; i < n; i++)
		free((char *)ops[i].name);
	free(ops);
	free(ax);
}

static void energy_section(FILE *f, const struct results *r, const struct pt *chosen)
{
	long ran = 0;
	for (long i = 0; i < r->n; i++)
		ran += r->p[i].ran;
	bool all = ran <= ALL_BARS_UP_TO;
	struct rp_stack *s = xcalloc((size_t)ran + 1, sizeof *s);
	int n = 0;
	for (long i = 0; i < r->n; i++) {
		const struct pt *p = &r->p[i];
		if (!p->ran || (!all && !p->pareto && p != chosen))
			continue;
		struct rp_stack *b = &s[n++];
		b->label = xasprintf("%ld%s", p->idx, p->pareto ? "*" : ""), b->tip = tip(r, p);
		memcpy(b->part, p->part, sizeof b->part);
		b->marked = p == chosen, b->point = p->idx;
	}
	fprintf(f, "<h2>Energy by part</h2>\n<p class=\"note\">%s; * marks the Pareto front%s.</p>\n",
		all ? "Every point that ran" : "The points on the Pareto front and the chosen point",
		chosen ? ", the outline the chosen point" : "");
	rp_energy(f, s, n);
	for (int i = 0; i < n; i++)
		free((char *)s[i].label), free((char *)s[i].tip);
	free(s);
}

static void point_row(FILE *f, const struct results *r, const struct pt *p, const struct pt *chosen)
{
	fprintf(f, "<tr data-point=\"%ld\" class=\"%s%s%s\">", p->idx, p->ran ? "" : "notrun", p->pareto ? " front" : "",
		p == chosen ? " chosen" : "");
	char b[48];
	snprintf(b, sizeof b, "%ld", p->idx), rp_td_num(f, (double)p->idx, b);
	for (int a = 0; a < r->naxes; a++)
		rp_td_text(f, p->axis[a]);
	rp_td_text(f, p->status);
	if (p->ran) {
		rp_td_num(f, p->seconds, rp_si(p->seconds, "s", b, sizeof b));
		rp_td_num(f, p->energy, rp_si(p->energy * 1e-12, "J", b, sizeof b));
		snprintf(b, sizeof b, "%.4g mm²", p->area), rp_td_num(f, p->area, b);
		snprintf(b, sizeof b, "%.1f%%", 100 * p->util), rp_td_num(f, p->util, b);
		snprintf(b, sizeof b, "%.1f%%", 100 * p->roof), rp_td_num(f, p->roof, b);
	} else {
		for (int k = 0; k < 5; k++)
			rp_td_none(f);
	}
	rp_td_num(f, p->pareto, p->pareto ? "*" : "");
	fputs("<td class=\"why\">", f);
	rp_text(f, p->ran ? "" : p->why);
	fputs("</td></tr>\n", f);
}

static void table_section(FILE *f, const struct results *r, const struct pt *chosen)
{
	static const char *const after[] = {"status", "latency", "energy", "area", "utilization", "of roof", "pareto", "why"};
	int nafter = (int)(sizeof after / sizeof after[0]), nh = 0;
	const char **heads = xcalloc((size_t)(1 + r->naxes + nafter), sizeof *heads);
	heads[nh++] = "point";
	for (int a = 0; a < r->naxes; a++)
		heads[nh++] = r->axis[a];
	for (int k = 0; k < nafter; k++)
		heads[nh++] = after[k];
	fputs("<h2>Every point</h2>\n<p class=\"note\">A click on a heading sorts by it; * marks the Pareto front.</p>\n", f);
	rp_table_begin(f, "points", heads, nh);
	for (long i = 0; i < r->n; i++)
		point_row(f, r, &r->p[i], chosen);
	rp_table_end(f);
	free(heads);
}

static int write_page(const char *path, sqlite3 *db, const struct results *r, const struct pt *chosen, bool given,
		      struct diags *err)
{
	struct out_file out = {0};
	FILE *f = out_open(&out, path, err);
	if (!f)
		return -1;
	char *title = xasprintf("tessel report: %s", r->name);
	rp_begin(f, title);
	free(title);
	summary(f, r);
	if (chosen) {
		scatter_section(f, r, chosen);
		point_section(f, db, r, chosen, given, err);
		energy_section(f, r, chosen);
	} else {
		fputs("<p>No point ran: there is nothing to plot.</p>\n", f);
	}
	table_section(f, r, chosen);
	rp_end(f);
	if (err->n) {
		out_abort(&out);
		return -1;
	}
	return out_commit(&out, err);
}

static void results_free(struct results *r)
{
	for (long i = 0; i < r->n; i++) {
		for (int a = 0; a < r->naxes && r->p[i].axis; a++)
			free(r->p[i].axis[a]);
		free(r->p[i].axis), free(r->p[i].status), free(r->p[i].why);
	}
	for (int a = 0; a < r->naxes; a++)
		free(r->axis[a]);
	free(r->axis), free(r->p), free(r->name), free(r->db), free(r->dir);
}

int cli_report(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("report", argc, argv, CLI_OPT_HTML | CLI_OPT_POINT, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	uint64_t n;
	if (o.point && cli_parse_count(o.point, &n)) {
		cli_usage_error("report", "--point takes the number of a point (0, 1, ...), got '%s'", o.point);
		return CLI_USAGE;
	}
	if (cli_check_outputs("report", &o))
		return CLI_USAGE;
	struct results r = {.arg = o.pos[0]};
	struct diags err = {0};
	sqlite3 *db = NULL;
	char *html = NULL;
	rc = CLI_BAD_INPUT;
	if (!locate(&r, &err)) {
		html = o.html ? xstrdup(o.html) : xasprintf("%s/report.html", r.dir);
		if (out_same_file(html, r.db)) {
			cli_usage_error("report", "the output --html '%s' is the results '%s' (the same file), which it would overwrite; expected another "
						  "output file", html, r.db);
			rc = CLI_USAGE;
		} else if (open_results(r.db, &db) != SQLITE_OK) {
			diag_add(&err, r.arg, 0, 0, "cannot open %s: %s", r.db, sqlite3_errmsg(db));
		} else if (!load(db, &r, &err)) {
			const struct pt *chosen = choose(&r, o.point, &err);
			if (!err.n && !write_page(html, db, &r, chosen, o.point != NULL, &err)) {
				printf("%s: %ld points of sweep %s; ", html, r.declared, r.name);
				if (chosen)
					printf("point %ld plotted%s\n", chosen->idx, o.point ? "" : " (the fastest on the Pareto front)");
				else
					printf("no point ran\n");
				rc = CLI_OK;
			}
		}
	}
	cli_print_errors(&err, o.pos[0]);
	diag_free(&err);
	sqlite3_close(db);
	free(html);
	results_free(&r);
	return rc;
}
