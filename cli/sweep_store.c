/* A sweep's results in its directory: results.db (SQLite) written point by
 * point, so that an interrupted sweep resumes, and results.csv rewritten
 * at the end; the Pareto front over latency, energy and area. */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/output.h"
#include "base/strbuf.h"
#include "cli.h"
#include "sweep.h"

struct sw_store {
	sqlite3 *db;
	char *dir, *path;
};

static const char *const status_names[] = {"ok", "invalid", "excluded", "failed"};

const char *sw_status_name(enum sw_status st) { return status_names[st]; }

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS sweep (key TEXT NOT NULL, name TEXT NOT NULL, points INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS points (idx INTEGER PRIMARY KEY, axes TEXT NOT NULL, status TEXT NOT NULL,"
	" why TEXT NOT NULL, fingerprint TEXT, cycles INTEGER, seconds REAL, energy_pj REAL, mac_pj REAL,"
	" onchip_pj REAL, dram_pj REAL, alu_pj REAL, leakage_pj REAL, area_mm2 REAL, utilization REAL,"
	" roofline REAL, peak_macs REAL, bandwidth REAL, clock_mhz REAL, pareto INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS ops (point INTEGER NOT NULL, seq INTEGER NOT NULL, workload TEXT NOT NULL,"
	" op TEXT NOT NULL, on_host INTEGER NOT NULL, cycles INTEGER, macs INTEGER, dram_read INTEGER,"
	" roofline REAL, energy_pj REAL, bound REAL, bound_by TEXT, PRIMARY KEY (point, seq));";

/* The machine's bound came after the first results directories: their ops
 * table gains its columns, NULL for the points they hold. */
static int add_bound_columns(sqlite3 *db)
{
	static const char *const columns[][2] = {{"bound", "ALTER TABLE ops ADD COLUMN bound REAL"},
						 {"bound_by", "ALTER TABLE ops ADD COLUMN bound_by TEXT"}};
	for (size_t i = 0; i < sizeof columns / sizeof *columns; i++) {
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('ops') WHERE name = ?", -1, &q, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_text(q, 1, columns[i][0], -1, SQLITE_STATIC);
		bool has = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_finalize(q);
		if (!has && sqlite3_exec(db, columns[i][1], NULL, NULL, NULL) != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* The rule the stored bounds were worked out by (SQLite's user_version):
 * 0 or 1, the description's peak and compulsory bytes whichever binding
 * reached them; 2, per binding (cc_machine_bound); 3, with what giving each
 * output its bias takes the compute module.  Bounds of an older
 * rule are dropped, NULL as for points of before the bound: the points
 * keep their measurements, and a sweep never shows two rules at once. */
enum { BOUND_RULE = 3 };

static int drop_old_bounds(sqlite3 *db)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK)
		return -1;
	int rule = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
	sqlite3_finalize(q);
	if (rule >= BOUND_RULE)
		return 0;
	char sql[96];
	snprintf(sql, sizeof sql, "UPDATE ops SET bound = NULL, bound_by = NULL; PRAGMA user_version = %d", BOUND_RULE);
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int db_error(struct sw_store *st, const char *what, struct diags *err)
{
	diag_add(err, st->path, 0, 0, "sweep results: %s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

/* The key of the sweep whose results the database holds: 0 when it holds
 * none yet (then this sweep's is written), else compared. */
static int check_key(struct sw_store *st, const struct sweep *s, struct diags *err)
{
	char key[24];
	snprintf(key, sizeof key, "%016" PRIx64, s->key);
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(st->db, "SELECT key, name FROM sweep", -1, &q, NULL) != SQLITE_OK)
		return db_error(st, "reading", err);
	int rc = 0;
	if (sqlite3_step(q) == SQLITE_ROW) {
		const char *had = (const char *)sqlite3_column_text(q, 0), *name = (const char *)sqlite3_column_text(q, 1);
		if (!had || strcmp(had, key)) {
			diag_add(err, st->dir, 0, 0,
				 "holds the results of another sweep ('%s', or this one before its file, base description or workloads changed); expected an empty directory or one of this sweep's",
				 name ? name : "?");
			rc = -1;
		}
		sqlite3_finalize(q);
		return rc;
	}
	sqlite3_finalize(q);
	char *sql = sqlite3_mprintf("INSERT INTO sweep VALUES (%Q, %Q, %" PRIu64 ")", key, s->name, s->npoints);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		rc = db_error(st, "writing", err);
	sqlite3_free(sql);
	return rc;
}

struct sw_store *sw_store_open(const char *dir, const struct sweep *s, struct diags *err)
{
	if (mkdir(dir, 0755) && errno != EEXIST) {
		diag_add(err, dir, 0, 0, "cannot create the results directory: %s", strerror(errno));
		return NULL;
	}
	struct sw_store *st = xcalloc(1, sizeof *st);
	st->dir = xstrdup(dir);
	st->path = xasprintf("%s/results.db", dir);
	char *literal = file_sqlite_path(st->path); /* the file named, not a URI */
	int opened = literal ? sqlite3_open_v2(literal, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) : SQLITE_NOMEM;
	free(literal);
	if (opened != SQLITE_OK ||
	    sqlite3_busy_timeout(st->db, 10000) != SQLITE_OK ||
	    sqlite3_exec(st->db, schema, NULL, NULL, NULL) != SQLITE_OK || add_bound_columns(st->db) ||
	    drop_old_bounds(st->db)) {
		db_error(st, "opening", err);
		sw_store_close(st);
		return NULL;
	}
	if (check_key(st, s, err)) {
		sw_store_close(st);
		return NULL;
	}
	return st;
}

void sw_store_close(struct sw_store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st->dir);
	free(st->path);
	free(st);
}

static void load_ops(struct sw_store *st, struct sw_point *p)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(st->db, "SELECT workload, op, on_host, cycles, macs, dram_read, roofline, energy_pj, bound,"
				       " bound_by FROM ops WHERE point = ? ORDER BY seq", -1, &q, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)p->index);
	while (sqlite3_step(q) == SQLITE_ROW) {
		p->op = xrealloc(p->op, (size_t)(p->nops + 1) * sizeof *p->op);
		struct sw_op *o = &p->op[p->nops++];
		memset(o, 0, sizeof *o);
		snprintf(o->workload, sizeof o->workload, "%s", (const char *)sqlite3_column_text(q, 0));
		snprintf(o->op, sizeof o->op, "%s", (const char *)sqlite3_column_text(q, 1));
		o->on_host = sqlite3_column_int(q, 2);
		o->cycles = (uint64_t)sqlite3_column_int64(q, 3), o->macs = (uint64_t)sqlite3_column_int64(q, 4);
		o->dram_read = (uint64_t)sqlite3_column_int64(q, 5);
		o->roofline = sqlite3_column_double(q, 6), o->energy_pj = sqlite3_column_double(q, 7);
		o->bound = sqlite3_column_double(q, 8); /* NULL (a point of before it): 0 */
		const char *by = (const char *)sqlite3_column_text(q, 9);
		snprintf(o->bound_by, sizeof o->bound_by, "%s", by ? by : "");
	}
	sqlite3_finalize(q);
}

int sw_store_load(struct sw_store *st, struct sw_point *pts, bool *done, uint64_t npoints, struct diags *err)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(st->db, "SELECT idx, axes, status, why, fingerprint, cycles, seconds, energy_pj, mac_pj,"
				       " onchip_pj, dram_pj, alu_pj, leakage_pj, area_mm2, utilization, roofline, peak_macs, bandwidth,"
				       " clock_mhz FROM points",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(st, "reading", err);
	while (sqlite3_step(q) == SQLITE_ROW) {
		sqlite3_int64 i = sqlite3_column_int64(q, 0);
		const char *status = (const char *)sqlite3_column_text(q, 2);
		int s = 0;
		while (s < 4 && status && strcmp(status, status_names[s]))
			s++;
		if (i < 0 || (uint64_t)i >= npoints || s == 4)
			continue; /* not a row this sweep wrote: measured again */
		struct sw_point *p = &pts[i];
		p->index = (uint64_t)i, p->status = (enum sw_status)s;
		snprintf(p->axes, sizeof p->axes, "%s", (const char *)sqlite3_column_text(q, 1));
		snprintf(p->why, sizeof p->why, "%s", (const char *)sqlite3_column_text(q, 3));
		const char *fp = (const char *)sqlite3_column_text(q, 4);
		p->fingerprint = fp ? strtoull(fp, NULL, 16) : 0;
		p->cycles = (uint64_t)sqlite3_column_int64(q, 5), p->seconds = sqlite3_column_double(q, 6);
		p->energy.total = sqlite3_column_double(q, 7);
		for (int k = 0; k < HW_ENERGY_PART_COUNT; k++)
			p->energy.part[k] = sqlite3_column_double(q, 8 + k);
		p->area_mm2 = sqlite3_column_double(q, 13), p->utilization = sqlite3_column_double(q, 14);
		p->roofline = sqlite3_column_double(q, 15), p->peak_macs = sqlite3_column_double(q, 16);
		p->bandwidth = sqlite3_column_double(q, 17), p->clock_mhz = sqlite3_column_double(q, 18);
		load_ops(st, p);
		done[i] = true;
	}
	sqlite3_finalize(q);
	return 0;
}

static int put_ops(struct sw_store *st, const struct sw_point *p, struct diags *err)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO ops(point, seq, workload, op, on_host, cycles, macs, dram_read,"
				       " roofline, energy_pj, bound, bound_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &q, NULL) != SQLITE_OK)
		return db_error(st, "writing", err);
	int rc = 0;
	for (int i = 0; i < p->nops && !rc; i++) {
		const struct sw_op *o = &p->op[i];
		sqlite3_bind_int64(q, 1, (sqlite3_int64)p->index);
		sqlite3_bind_int(q, 2, i);
		sqlite3_bind_text(q, 3, o->workload, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, o->op, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 5, o->on_host);
		sqlite3_bind_int64(q, 6, (sqlite3_int64)o->cycles);
		sqlite3_bind_int64(q, 7, (sqlite3_int64)o->macs);
		sqlite3_bind_int64(q, 8, (sqlite3_int64)o->dram_read);
		sqlite3_bind_double(q, 9, o->roofline);
		sqlite3_bind_double(q, 10, o->energy_pj);
		if (o->bound > 0)
			sqlite3_bind_double(q, 11, o->bound), sqlite3_bind_text(q, 12, o->bound_by, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(q, 11), sqlite3_bind_null(q, 12);
		if (sqlite3_step(q) != SQLITE_DONE)
			rc = db_error(st, "writing", err);
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	return rc;
}

int sw_store_put(struct sw_store *st, const struct sw_point *p, struct diags *err)
{
	sqlite3_stmt *q;
	char fp[24];
	snprintf(fp, sizeof fp, "%016" PRIx64, p->fingerprint);
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(st, "writing", err);
	bool ok = p->status == SW_OK;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)p->index);
	sqlite3_bind_text(q, 2, p->axes, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, status_names[p->status], -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, p->why, -1, SQLITE_STATIC);
	if (ok) {
		sqlite3_bind_text(q, 5, fp, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 6, (sqlite3_int64)p->cycles);
		sqlite3_bind_double(q, 7, p->seconds);
		sqlite3_bind_double(q, 8, p->energy.total);
		for (int k = 0; k < HW_ENERGY_PART_COUNT; k++)
			sqlite3_bind_double(q, 9 + k, p->energy.part[k]);
		sqlite3_bind_double(q, 14, p->area_mm2);
		sqlite3_bind_double(q, 15, p->utilization);
		sqlite3_bind_double(q, 16, p->roofline);
		sqlite3_bind_double(q, 17, p->peak_macs);
		sqlite3_bind_double(q, 18, p->bandwidth);
		sqlite3_bind_double(q, 19, p->clock_mhz);
	}
	int rc = sqlite3_step(q) == SQLITE_DONE ? 0 : db_error(st, "writing", err);
	sqlite3_finalize(q);
	rc = rc || put_ops(st, p, err);
	if (sqlite3_exec(st->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK && !rc)
		rc = db_error(st, "writing", err);
	return rc;
}

/* a dominates b: no worse in latency, energy and area, better in one. */
static bool dominates(const struct sw_point *a, const struct sw_point *b)
{
	double x[3] = {a->seconds, a->energy.total, a->area_mm2}, y[3] = {b->seconds, b->energy.total, b->area_mm2};
	bool better = false;
	for (int k = 0; k < 3; k++) {
		if (x[k] > y[k])
			return false;
		better |= x[k] < y[k];
	}
	return better;
}

void sw_mark_pareto(struct sw_point *pts, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		pts[i].pareto = pts[i].status == SW_OK;
		for (uint64_t j = 0; j < n && pts[i].pareto; j++)
			if (j != i && pts[j].status == SW_OK && dominates(&pts[j], &pts[i]))
				pts[i].pareto = false;
	}
}

static void csv_text(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		fprintf(f, *s == '"' ? "\"\"" : "%c", *s);
	fputc('"', f);
}

static int write_csv(struct sw_store *st, const struct sweep *s, const struct sw_point *pts, uint64_t n,
		     struct diags *err)
{
	char *path = xasprintf("%s/results.csv", st->dir);
	struct out_file out = {0};
	FILE *f = out_open(&out, path, err);
	if (f) {
		fprintf(f, "point");
		for (int a = 0; a < s->naxes; a++)
			fputc(',', f), csv_text(f, s->axis[a].name);
		fprintf(f, ",status,why,cycles,seconds,energy_pj,mac_pj,onchip_pj,dram_pj,alu_pj,leakage_pj,area_mm2,"
			   "utilization,roofline,pareto\n");
		for (uint64_t i = 0; i < n; i++) {
			const struct sw_point *p = &pts[i];
			int vi[SW_MAX_AXES];
			sw_point_values(s, i, vi);
			fprintf(f, "%" PRIu64, i);
			for (int a = 0; a < s->naxes; a++)
				fputc(',', f), csv_text(f, s->axis[a].label[vi[a]]);
			fprintf(f, ",%s,", status_names[p->status]);
			csv_text(f, p->why);
			if (p->status == SW_OK) {
				fprintf(f, ",%" PRIu64 ",%.9g,%.9g", p->cycles, p->seconds, p->energy.total);
				for (int k = 0; k < HW_ENERGY_PART_COUNT; k++)
					fprintf(f, ",%.9g", p->energy.part[k]);
				fprintf(f, ",%.6g,%.6f,%.6f,%d\n", p->area_mm2, p->utilization, p->roofline, p->pareto);
			} else {
				fprintf(f, ",,,,,,,,,,,,0\n");
			}
		}
	}
	int rc = f ? out_commit(&out, err) : -1;
	free(path);
	return rc;
}

int sw_store_finish(struct sw_store *st, const struct sweep *s, const struct sw_point *pts, uint64_t n,
		    struct diags *err)
{
	sqlite3_stmt *q;
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "UPDATE points SET pareto = ? WHERE idx = ?", -1, &q, NULL) != SQLITE_OK)
		return db_error(st, "writing", err);
	for (uint64_t i = 0; i < n; i++) {
		sqlite3_bind_int(q, 1, pts[i].pareto);
		sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
		sqlite3_step(q);
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(st, "writing", err);
	return write_csv(st, s, pts, n, err);
}
