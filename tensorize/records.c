/* tensorize/records: tuning records in SQLite (Debian's libsqlite3).
 *
 * One row per measurement: which op (a key of its form, so the same layer
 * in another workload finds it), which hardware (its fingerprint), the
 * mapping in full, the features the learned model uses, the analytical
 * estimate and the measured cycles.  A second tune of the same op on the
 * same hardware takes its best record without measuring; measurements of
 * other ops on the same hardware train the model before the search starts. */
#include <inttypes.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define XXH_STATIC_LINKING_ONLY /* XXH64_state_t on the stack */
#include <xxhash.h>

#include "base/alloc.h"
#include "search.h"

/* Measurements are kept in a table of the connection's own (temp.pending,
 * which no other process sees or locks) while a tune runs, and read from it
 * as from the database; tz_records_commit moves them into the database in
 * one transaction.  Two tunes of one database thus hold its write lock only
 * for that moment, and wait for each other (busy timeout and retries)
 * instead of failing. */
struct tz_records {
	sqlite3 *db;
	char *path;
	int ignored; /* records with impossible cycles, skipped */
	int stale;   /* records another lowering measured, kept and skipped */
};

/* How long a tune waits for another one's write lock, in milliseconds, and
 * how often it tries again after that. */
enum { BUSY_TIMEOUT_MS = 30000, BUSY_RETRIES = 4 };

/* Cycles a record may hold: at least 1, and no more than a measurement
 * could take (10^15 cycles: 116 days at 100 MHz). */
#define MAX_RECORD_CYCLES 1000000000000000LL
/* SQL true for a row whose cycles a measurement could give (?1: the most). */
#define VALID_CYCLES "(typeof(cycles) = 'integer' AND cycles BETWEEN 1 AND ?1)"

/* The columns of a record but its id, by name: a database of an earlier
 * version has the columns it gained at the end, this tune's table has them
 * in their place (COLUMNS). */
#define RECORD_NAMES                                                                                       \
	" workload, op_key, hw_key, intrinsic, input_a, dims, bm, bn, bk, n_outer, ring_a, ring_b, ring_acc," \
	" keep_a, keep_b, direct, box_rows, panel, lowering, share, features, estimate, cycles, created"

/* The rows of the database and of this tune, the tune's after (src 1). */
#define ALL_RECORDS                                                                               \
	"(SELECT 0 AS src, id," RECORD_NAMES " FROM main.records"                                  \
	" UNION ALL SELECT 1 AS src, id," RECORD_NAMES " FROM temp.pending)"

/* The columns of the records, of the database's table and the tune's own. */
#define COLUMNS                                                                         \
	" id INTEGER PRIMARY KEY,"                                                      \
	" workload TEXT NOT NULL, op_key TEXT NOT NULL, hw_key TEXT NOT NULL," \
	" intrinsic INTEGER NOT NULL, input_a INTEGER NOT NULL, dims TEXT NOT NULL," \
	" bm INTEGER NOT NULL, bn INTEGER NOT NULL, bk INTEGER NOT NULL, n_outer INTEGER NOT NULL," \
	" ring_a INTEGER NOT NULL, ring_b INTEGER NOT NULL, ring_acc INTEGER NOT NULL," \
	" keep_a INTEGER NOT NULL, keep_b INTEGER NOT NULL, direct INTEGER NOT NULL DEFAULT 0," \
	" box_rows INTEGER NOT NULL DEFAULT 0, panel INTEGER NOT NULL DEFAULT 0," \
	" lowering INTEGER NOT NULL DEFAULT 0, share INTEGER NOT NULL DEFAULT 0," \
	" features BLOB NOT NULL, estimate REAL NOT NULL, cycles INTEGER NOT NULL," \
	" created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS records(" COLUMNS ");"
	"CREATE INDEX IF NOT EXISTS records_key ON records(op_key, hw_key);";

/* The version of the records' table (PRAGMA user_version) and the columns
 * later versions added.  Version 1 (or 0: before versions) has no `direct`
 * column: its mappings are all in the GEMM form, which is what the column's
 * default says.  Version 2 has no `box_rows`: its direct blocks are one row
 * or whole rows, which is what 0 says.  Version 3 has no `panel`: its kept
 * operands are whole, which is what 0 says.  Version 4 has no `lowering`:
 * its cycles were measured by lowering 0 (TZ_LOWERING_VERSION), which is
 * what 0 says.  Version 5 has no `share`: each direct block loads its own
 * box, which is what 0 says.  So a missing column is added and nothing old
 * is misread. */
enum { RECORDS_VERSION = 6 };
static const char *const added_columns[][2] = {
	{"direct", "ALTER TABLE main.records ADD COLUMN direct INTEGER NOT NULL DEFAULT 0"},
	{"box_rows", "ALTER TABLE main.records ADD COLUMN box_rows INTEGER NOT NULL DEFAULT 0"},
	{"panel", "ALTER TABLE main.records ADD COLUMN panel INTEGER NOT NULL DEFAULT 0"},
	{"lowering", "ALTER TABLE main.records ADD COLUMN lowering INTEGER NOT NULL DEFAULT 0"},
	{"share", "ALTER TABLE main.records ADD COLUMN share INTEGER NOT NULL DEFAULT 0"},
};

static int exec_retry(sqlite3 *db, const char *sql);

static int add_column(sqlite3 *db, const char *name, const char *alter)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('records') WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	bool has = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return has || exec_retry(db, alter) == SQLITE_OK ? 0 : -1;
}

/* *version: the database's, which must be one this tessel reads */
static int upgrade(sqlite3 *db, int *version_out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA main.user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	*version_out = version;
	if (version < 0 || version > RECORDS_VERSION)
		return -1;
	for (size_t i = 0; i < sizeof added_columns / sizeof *added_columns; i++)
		if (add_column(db, added_columns[i][0], added_columns[i][1]))
			return -1;
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA main.user_version = %d", RECORDS_VERSION);
	return version == RECORDS_VERSION || exec_retry(db, sql) == SQLITE_OK ? 0 : -1;
}

/* Runs SQL, trying again while another connection holds the lock. */
static int exec_retry(sqlite3 *db, const char *sql)
{
	int rc = SQLITE_BUSY;
	for (int i = 0; i <= BUSY_RETRIES && (rc == SQLITE_BUSY || rc == SQLITE_LOCKED); i++) {
		if (i) {
			struct timespec ts = {0, 50 * 1000 * 1000L * i};
			nanosleep(&ts, NULL);
		}
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	return rc;
}

static int db_error(struct tz_records *r, struct diags *err, const char *what)
{
	diag_add(err, r->path, 0, 0, "tuning records: %s: %s", what, sqlite3_errmsg(r->db));
	return -1;
}

/* The records every lookup skips: those whose cycles no measurement can
 * give, and the others that another lowering measured. */
static int count_skipped(struct tz_records *r)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(r->db, "SELECT COUNT(*) FILTER (WHERE NOT " VALID_CYCLES "),"
			       " COUNT(*) FILTER (WHERE " VALID_CYCLES " AND lowering != ?2) FROM main.records",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, MAX_RECORD_CYCLES);
	sqlite3_bind_int(st, 2, TZ_LOWERING_VERSION);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		r->ignored = sqlite3_column_int(st, 0), r->stale = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

struct tz_records *tz_records_open(const char *path, struct diags *err)
{
	struct tz_records *r = try_calloc(1, sizeof *r);
	if (!r || !(r->path = try_strdup(path))) {
		diag_nomem(err, path, sizeof *r + strlen(path) + 1, "the tuning records");
		free(r);
		return NULL;
	}
	int version = 0;
	/* the busy timeout first: setting up the schema already takes the lock */
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(r->db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
	    /* a measurement is cheap to redo: do not wait for the disk on each one */
	    exec_retry(r->db, "PRAGMA journal_mode=WAL") != SQLITE_OK ||
	    exec_retry(r->db, "PRAGMA synchronous=NORMAL") != SQLITE_OK || exec_retry(r->db, schema) != SQLITE_OK ||
	    upgrade(r->db, &version) ||
	    exec_retry(r->db, "CREATE TEMP TABLE pending(" COLUMNS ")") != SQLITE_OK ||
	    count_skipped(r)) {
		if (version < 0 || version > RECORDS_VERSION)
			diag_add(err, path, 0, 0, "the tuning records are of version %d (PRAGMA user_version); this tessel reads "
				 "versions 0 to %d", version, RECORDS_VERSION);
		else
			diag_add(err, path, 0, 0, "cannot open the tuning records: %s",
				 r->db ? sqlite3_errmsg(r->db) : "out of memory");
		tz_records_close(r);
		return NULL;
	}
	return r;
}

int tz_records_commit(struct tz_records *r, struct diags *err)
{
	static const char move[] = "INSERT INTO main.records(" RECORD_NAMES ") SELECT" RECORD_NAMES
				   " FROM temp.pending ORDER BY id";
	if (exec_retry(r->db, "BEGIN IMMEDIATE") != SQLITE_OK)
		return db_error(r, err, "cannot store the measurements (the database stayed locked)");
	if (sqlite3_exec(r->db, move, NULL, NULL, NULL) != SQLITE_OK) {
		db_error(r, err, "cannot store the measurements");
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (exec_retry(r->db, "COMMIT") != SQLITE_OK) {
		db_error(r, err, "cannot store the measurements");
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	sqlite3_exec(r->db, "DELETE FROM temp.pending", NULL, NULL, NULL);
	return 0;
}

int tz_records_ignored(const struct tz_records *r) { return r ? r->ignored : 0; }

int tz_records_stale(const struct tz_records *r) { return r ? r->stale : 0; }

void tz_records_close(struct tz_records *r)
{
	if (!r)
		return;
	sqlite3_close(r->db);
	free(r->path);
	free(r);
}

/* The op key hashes a text of the op's form, streamed piece by piece into
 * the hash (no allocation): the same bytes, so the same keys, as when the
 * text was built whole.  Every piece is a few numbers or a dtype name. */
static void hash_printf(XXH64_state_t *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hash_printf(XXH64_state_t *h, const char *fmt, ...)
{
	char piece[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(piece, sizeof piece, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof piece) /* the formats above cannot make one this long */
		die("op key piece '%s' does not fit", fmt);
	XXH64_update(h, piece, (size_t)n);
}

static void affine_text(XXH64_state_t *h, const struct ir_affine *a, int niters)
{
	for (int i = 0; i < niters; i++)
		hash_printf(h, "%" PRId64 ",", a->coef[i]);
	hash_printf(h, "%" PRId64 ";", a->offset);
}

static void access_text(XXH64_state_t *h, const struct ir_graph *g, const struct ir_access *a, int niters)
{
	const struct ir_tensor *t = &g->tensor[a->tensor];
	hash_printf(h, "[%s", dtype_name(t->dtype));
	for (int d = 0; d < t->rank; d++) {
		hash_printf(h, " %" PRId64 ":", t->shape[d]);
		affine_text(h, &a->index[d], niters);
	}
	hash_printf(h, "]");
}

void tz_op_key(const struct ir_graph *g, int op, char key[17])
{
	const struct ir_op *o = &g->op[op];
	XXH64_state_t h;
	XXH64_reset(&h, 0);
	for (int i = 0; i < o->niters; i++)
		hash_printf(&h, "%" PRId64 "%c ", o->iter[i].extent, o->iter[i].reduction ? 'r' : 's');
	access_text(&h, g, &o->out, o->niters);
	for (int i = 0; i < o->nin; i++)
		access_text(&h, g, &o->in[i], o->niters);
	hash_printf(&h, "%d %d %s", (int)o->reduce, (int)o->combine, dtype_name(o->acc));
	for (int e = 0; e < o->nepilogues; e++) {
		const struct ir_epilogue *ep = &o->epilogue[e];
		hash_printf(&h, " ep%d:%" PRId64 ":%" PRId64 ":%" PRId64 ":%d", (int)ep->kind, ep->imm, ep->lo, ep->hi, ep->dim);
		if (ep->kind == IR_EP_BIAS) /* and a constant's range, which its lowering may depend on (tz_bias_beat) */
			hash_printf(&h, ":%s", dtype_name(g->tensor[ep->tensor].dtype));
		if (ep->kind == IR_EP_BIAS && g->tensor[ep->tensor].bounded)
			hash_printf(&h, ":%" PRId64 ":%" PRId64, g->tensor[ep->tensor].lo, g->tensor[ep->tensor].hi);
	}
	snprintf(key, 17, "%016" PRIx64, (uint64_t)XXH64_digest(&h));
}

int tz_hw_key(const struct hw *hw, char key[17], struct diags *err)
{
	uint64_t fp = hw_fingerprint(hw);
	snprintf(key, 17, "%016" PRIx64, fp);
	if (fp == HW_NO_FINGERPRINT)
		return diag_nomem(err, NULL, 0, "the fingerprint of '%s'", hw->name);
	return 0;
}

/* "d0,d1,...": each iterator's dimension, then ",D<iterator>" for a
 * diagonal one (a reader that stops after the dimensions reads a binding
 * with no reduction iterator, which it refuses).  At most 5 characters an
 * iterator and the diagonal's 4: a fixed buffer. */
enum { DIMS_TEXT = 5 * IR_MAX_ITERS + 8 };
static void dims_text(const struct tz_binding *b, char out[DIMS_TEXT])
{
	int n = 0;
	for (int i = 0; i < IR_MAX_ITERS; i++)
		n += snprintf(out + n, (size_t)(DIMS_TEXT - n), "%s%d", i ? "," : "", b->dim_of[i]);
	if (tz_diagonal(b) >= 0)
		snprintf(out + n, (size_t)(DIMS_TEXT - n), ",D%d", tz_diagonal(b));
}

int tz_records_add(struct tz_records *r, const char *workload, const char *op_key, const char *hw_key,
		   const struct tz_geometry *geo, const struct tz_mapping *m, uint64_t cycles, struct diags *err)
{
	static const char sql[] = "INSERT INTO temp.pending(workload, op_key, hw_key, intrinsic, input_a, dims, bm, bn, bk,"
				  " n_outer, ring_a, ring_b, ring_acc, keep_a, keep_b, direct, box_rows, panel, lowering,"
				  " share, features, estimate, cycles) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(r, err, "insert");
	float f[TZ_FEATURES];
	tz_features(geo, m, f);
	char dims[DIMS_TEXT];
	dims_text(&m->b, dims);
	int k = 1;
	sqlite3_bind_text(st, k++, workload, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, k++, op_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, k++, hw_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, k++, m->b.intrinsic);
	sqlite3_bind_int(st, k++, m->b.input_a);
	sqlite3_bind_text(st, k++, dims, -1, SQLITE_TRANSIENT);
	const int64_t ints[] = {m->bm, m->bn, m->bk, m->n_outer, m->ring_a, m->ring_b, m->ring_acc, m->keep_a, m->keep_b,
				m->direct, m->box_rows, m->panel, TZ_LOWERING_VERSION, m->share > 1 ? m->share : 0};
	for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
		sqlite3_bind_int64(st, k++, ints[i]);
	sqlite3_bind_blob(st, k++, f, (int)sizeof f, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, k++, tz_estimate_cycles(geo, m));
	sqlite3_bind_int64(st, k++, (sqlite3_int64)cycles);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(r, err, "insert");
	sqlite3_finalize(st);
	return rc;
}

/* Whether column col holds possible cycles: a whole number from 1 to
 * MAX_RECORD_CYCLES.  Others (0, negative, absurd, not a number: a record
 * written by hand or by another program) are skipped; count_ignored
 * counted them when the database was opened. */
static bool valid_cycles(sqlite3_stmt *st, int col)
{
	sqlite3_int64 c = sqlite3_column_int64(st, col);
	return sqlite3_column_type(st, col) == SQLITE_INTEGER && c >= 1 && c <= MAX_RECORD_CYCLES;
}

static bool parse_dims(const char *s, struct tz_binding *b)
{
	for (int i = 0; i < IR_MAX_ITERS; i++) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || v < -1 || v >= HW_MAX_DIMS)
			return false;
		b->dim_of[i] = (int8_t)v;
		s = *end == ',' ? end + 1 : end;
	}
	b->diagonal = 0;
	if (*s == 'D') {
		char *end;
		long v = strtol(s + 1, &end, 10);
		if (end == s + 1 || v < 0 || v >= IR_MAX_ITERS || *end)
			return false;
		b->diagonal = (int8_t)(v + 1);
	}
	return true;
}

/* Room in the array *pp of n entries of size bytes (cap of them allocated)
 * for one more; when out of memory the query st ends, the array is freed
 * and -1 comes back with an error naming what. */
static int room(struct tz_records *r, sqlite3_stmt *st, void *pp, int n, int *cap, size_t size, const char *what,
		struct diags *err)
{
	if (n < *cap)
		return 0;
	int more = *cap ? 2 * *cap : 64;
	if (!try_resize(pp, (size_t)more, size)) {
		*cap = more;
		return 0;
	}
	void *p, *none = NULL;
	memcpy(&p, pp, sizeof p); /* pp is any T **, as try_resize takes it */
	free(p);
	memcpy(pp, &none, sizeof none);
	sqlite3_finalize(st);
	return diag_nomem(err, r->path, (size_t)more * size, "%s", what);
}

/* The columns a mapping is read from, from column 0 of a row. */
#define MAPPING_COLUMNS                                                                                     \
	"intrinsic, input_a, dims, bm, bn, bk, n_outer, ring_a, ring_b, ring_acc, keep_a, keep_b, direct, box_rows, panel," \
	" share"

/* The mapping of the row at st's columns MAPPING_COLUMNS; false when it no
 * longer fits the op (a record of another version of the rules). */
static bool row_mapping(sqlite3_stmt *st, const struct hw *hw, const struct ir_graph *g, int op, struct tz_mapping *m)
{
	struct tz_mapping x = {0};
	x.b.intrinsic = sqlite3_column_int(st, 0);
	x.b.input_a = sqlite3_column_int(st, 1);
	x.b.input_b = 1 - x.b.input_a;
	const char *dims = (const char *)sqlite3_column_text(st, 2);
	x.bm = sqlite3_column_int64(st, 3), x.bn = sqlite3_column_int64(st, 4), x.bk = sqlite3_column_int64(st, 5);
	x.n_outer = sqlite3_column_int(st, 6) != 0;
	x.ring_a = sqlite3_column_int(st, 7), x.ring_b = sqlite3_column_int(st, 8), x.ring_acc = sqlite3_column_int(st, 9);
	x.keep_a = sqlite3_column_int(st, 10) != 0, x.keep_b = sqlite3_column_int(st, 11) != 0;
	x.direct = sqlite3_column_int(st, 12) != 0;
	x.box_rows = sqlite3_column_int64(st, 13);
	x.panel = sqlite3_column_int64(st, 14);
	x.share = sqlite3_column_int64(st, 15);
	char why[256];
	struct tz_geometry geo;
	if (!dims || !parse_dims(dims, &x.b) || tz_binding_derive(hw, g, op, &x.b, why))
		return false;
	tz_geometry_init(&geo, hw, g, op, &x.b);
	if (tz_mapping_check(&geo, &x, why))
		return false;
	*m = x;
	return true;
}

enum { COL_CYCLES = 16, COL_COUNT = 17 }; /* after MAPPING_COLUMNS */

int tz_records_best(struct tz_records *r, const char *op_key, const char *hw_key, const struct hw *hw,
		    const struct ir_graph *g, int op, struct tz_mapping *m, uint64_t *cycles, int *count,
		    struct diags *err)
{
	static const char sql[] = "SELECT " MAPPING_COLUMNS ", cycles,"
				  " (SELECT COUNT(*) FROM " ALL_RECORDS " WHERE op_key = ?1 AND hw_key = ?2"
				  " AND cycles BETWEEN 1 AND ?3 AND lowering = ?4)"
				  " FROM " ALL_RECORDS " WHERE op_key = ?1 AND hw_key = ?2 AND lowering = ?4"
				  " ORDER BY cycles, src, id";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(r, err, "lookup");
	sqlite3_bind_text(st, 1, op_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hw_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, MAX_RECORD_CYCLES);
	sqlite3_bind_int(st, 4, TZ_LOWERING_VERSION);
	int found = 0, rc;
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!valid_cycles(st, COL_CYCLES) || !row_mapping(st, hw, g, op, m))
			continue;
		*cycles = (uint64_t)sqlite3_column_int64(st, COL_CYCLES);
		*count = sqlite3_column_int(st, COL_COUNT);
		found = 1;
	}
	if (!found && rc != SQLITE_DONE && rc != SQLITE_ROW)
		found = db_error(r, err, "lookup");
	sqlite3_finalize(st);
	return found;
}

int tz_records_op(struct tz_records *r, const char *op_key, const char *hw_key, const struct hw *hw,
		  const struct ir_graph *g, int op, struct tz_prior **out, int *n, struct diags *err)
{
	static const char sql[] = "SELECT " MAPPING_COLUMNS ", cycles FROM " ALL_RECORDS
				  " WHERE op_key = ?1 AND hw_key = ?2 AND lowering = ?3 ORDER BY src, id";
	sqlite3_stmt *st;
	*out = NULL, *n = 0;
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(r, err, "lookup");
	sqlite3_bind_text(st, 1, op_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hw_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, TZ_LOWERING_VERSION);
	int cap = 0, rc;
	struct tz_mapping m;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!valid_cycles(st, COL_CYCLES) || !row_mapping(st, hw, g, op, &m))
			continue;
		if (room(r, st, out, *n, &cap, sizeof **out, "the op's records", err)) {
			*n = 0;
			return -1;
		}
		(*out)[(*n)++] = (struct tz_prior){m, (uint64_t)sqlite3_column_int64(st, COL_CYCLES)};
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(r, err, "lookup");
}

int tz_records_transfer(struct tz_records *r, const char *op_key, const char *hw_key, struct tz_sample **out, int *n,
			struct diags *err)
{
	/* the newest TZ_MAX_TRANSFER, oldest first: the model's training costs
	 * about a millisecond a sample, which a database of many tunes would
	 * add to every op */
	static const char sql[] = "SELECT features, estimate, cycles FROM (SELECT src, id, features, estimate, cycles FROM "
				  ALL_RECORDS " WHERE hw_key = ?1 AND op_key != ?2 AND lowering = ?3 ORDER BY src DESC, id DESC"
				  " LIMIT ?4) ORDER BY src, id";
	sqlite3_stmt *st;
	*out = NULL, *n = 0;
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(r, err, "transfer");
	sqlite3_bind_text(st, 1, hw_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, op_key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, TZ_LOWERING_VERSION);
	sqlite3_bind_int(st, 4, TZ_MAX_TRANSFER);
	int cap = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != (int)(TZ_FEATURES * sizeof(float)))
			continue; /* features of another version */
		if (!valid_cycles(st, 2))
			continue;
		if (room(r, st, out, *n, &cap, sizeof **out, "the records to learn from", err)) {
			*n = 0;
			return -1;
		}
		struct tz_sample *s = &(*out)[(*n)++];
		memcpy(s->f, sqlite3_column_blob(st, 0), sizeof s->f);
		s->estimate = sqlite3_column_double(st, 1);
		s->cycles = (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(r, err, "transfer");
}
