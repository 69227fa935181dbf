/* The sweep file (docs/sweep.md): a base description, axes of values for
 * paths into it, constraints between them, workloads and a tuning budget.
 * Checked in full with every error at its line and column. */
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/file.h"
#include "base/strbuf.h"
#include "base/ytree.h"
#include "cli.h"
#include "sweep.h"

static const struct yt_doc sweep_doc = {"sweep", "name, hardware, workloads, budget, axes, constraints"};

/* A value as flow YAML, to be parsed again where it is set: scalars as
 * written (quoted ones double-quoted), sequences and mappings in brackets. */
static void flow_text(const struct ynode *n, struct strbuf *b)
{
	if (n->kind == YN_SCALAR) {
		if (n->plain) {
			sb_add(b, n->str, n->len);
			return;
		}
		sb_json_string(b, n->str); /* a JSON string is a YAML double-quoted scalar */
		return;
	}
	bool map = n->kind == YN_MAP;
	sb_puts(b, map ? "{" : "[");
	for (int i = 0; i < n->n; i++) {
		if (i)
			sb_puts(b, map && i % 2 ? ": " : ", ");
		flow_text(n->kid[i], b);
	}
	sb_puts(b, map ? "}" : "]");
}

static char *node_text(const struct ynode *n)
{
	struct strbuf b = {0};
	flow_text(n, &b);
	char *s = sb_take(&b);
	if (!s)
		die("out of memory");
	return s;
}

/* A path: names joined by dots. */
static bool path_ok(struct yt_ctx *yt, const struct ynode *n, const char *ctx, char *out)
{
	char b[80];
	bool ok = n->kind == YN_SCALAR && n->len > 0 && n->len < SW_PATH_MAX && n->str[0] != '.' &&
		  n->str[n->len - 1] != '.' && !strstr(n->str, "..");
	for (size_t i = 0; ok && i < n->len; i++)
		ok = yt_is_name(n->str + i, strcspn(n->str + i, "."), false), i += strcspn(n->str + i, ".");
	if (!ok) {
		yt_error(yt, n, "expected a path into the description (keys and item names joined by dots, like memory.dram.bandwidth) for %s, got %s",
			 ctx, yt_show(n, b, sizeof b));
		return false;
	}
	memcpy(out, n->str, n->len + 1);
	return true;
}

/* range: {from: A, to: B, step: S} or {from: A, to: B, times: F}. */
static int load_range(struct yt_ctx *yt, const struct ynode *n, struct sw_axis *a)
{
	static const char *const keys[] = {"from", "to", "step", "times"};
	const struct ynode *v[4], *k[4];
	double x[4] = {0};
	char b[80];
	if (!yt_fields(yt, n, "'range'", "an axis", keys, 4, NULL, v, k))
		return -1;
	/* from and to may be 0 (a DRAM latency of 0, say); a step is positive */
	for (int i = 0; i < 4; i++)
		if (v[i] && !(i < 2 ? yt_nonnegative_number(v[i], &x[i]) : yt_positive_number(v[i], &x[i]))) {
			yt_error(yt, v[i], "expected a %s number for '%s' in range, got %s", i < 2 ? "non-negative" : "positive",
				 keys[i], yt_show(v[i], b, sizeof b));
			return -1;
		}
	if (!v[0] || !v[1] || !v[2] == !v[3] || (v[3] && (x[3] <= 1 || x[0] <= 0)) || x[1] < x[0]) {
		yt_error(yt, n, "expected range {from: A, to: B, step: S} or {from: A, to: B, times: F} with A <= B, and "
				"F > 1 and A > 0 with times");
		return -1;
	}
	a->nvalues = 0;
	a->value = xcalloc(SW_MAX_VALUES, sizeof *a->value);
	for (double t = x[0]; t <= x[1] * (1 + 1e-12); t = v[2] ? t + x[2] : t * x[3]) {
		if (a->nvalues == SW_MAX_VALUES) {
			yt_error(yt, n, "the range has more than %d values", SW_MAX_VALUES);
			return -1;
		}
		a->value[a->nvalues++] = t == floor(t) && t < 1e15 ? xasprintf("%.0f", t) : xasprintf("%.15g", t);
	}
	return 0;
}

static int load_values(struct yt_ctx *yt, const struct ynode *n, struct sw_axis *a)
{
	char b[80];
	if (n->kind != YN_SEQ || n->n == 0 || n->n > SW_MAX_VALUES) {
		yt_error(yt, n, "expected a sequence of 1 to %d values for 'values', got %s", SW_MAX_VALUES, yt_show(n, b, sizeof b));
		return -1;
	}
	a->nvalues = n->n;
	a->value = xcalloc((size_t)n->n * (size_t)a->npaths, sizeof *a->value);
	for (int i = 0; i < n->n; i++) {
		const struct ynode *x = n->kid[i];
		if (a->npaths == 1) {
			a->value[i] = node_text(x);
			continue;
		}
		if (x->kind != YN_SEQ || x->n != a->npaths) {
			yt_error(yt, x, "expected a sequence of %d values, one per path of 'paths', got %s", a->npaths,
				 yt_show(x, b, sizeof b));
			return -1;
		}
		for (int p = 0; p < a->npaths; p++)
			a->value[i * a->npaths + p] = node_text(x->kid[p]);
	}
	return 0;
}

/* A node in a message about a count: a sequence as how many items it has
 * ("9 axes"), anything else as yt_show says. */
static const char *counted(const struct ynode *n, const char *one, const char *many, char *b, size_t size)
{
	if (n->kind != YN_SEQ)
		return yt_show(n, b, size);
	snprintf(b, size, "%d %s", n->n, n->n == 1 ? one : many);
	return b;
}

static const char *const axis_keys[] = {"name", "path", "paths", "values", "range", "labels"};
enum { AX_NAME, AX_PATH, AX_PATHS, AX_VALUES, AX_RANGE, AX_LABELS, AX_COUNT };

static int load_axis(struct yt_ctx *yt, const struct ynode *n, struct sw_axis *a)
{
	const struct ynode *v[AX_COUNT], *k[AX_COUNT];
	char b[80];
	if (!yt_fields(yt, n, "an axis", "axes", axis_keys, AX_COUNT, NULL, v, k))
		return -1;
	a->line = n->line, a->col = n->col;
	if (!v[AX_PATH] == !v[AX_PATHS] || !v[AX_VALUES] == !v[AX_RANGE] || (v[AX_RANGE] && v[AX_PATHS])) {
		yt_error(yt, n, "an axis has 'path' with 'values' or 'range', or 'paths' with 'values'");
		return -1;
	}
	if (v[AX_PATH]) {
		a->npaths = 1;
		if (!path_ok(yt, v[AX_PATH], "'path'", a->path[0]))
			return -1;
	} else {
		const struct ynode *ps = v[AX_PATHS];
		if (ps->kind != YN_SEQ || ps->n < 1 || ps->n > SW_MAX_PATHS) {
			yt_error(yt, ps, "expected a sequence of 1 to %d paths for 'paths', got %s", SW_MAX_PATHS,
				 counted(ps, "path", "paths", b, sizeof b));
			return -1;
		}
		a->npaths = ps->n;
		for (int i = 0; i < ps->n; i++)
			if (!path_ok(yt, ps->kid[i], "'paths'", a->path[i]))
				return -1;
	}
	if (v[AX_NAME]) {
		if (!yt_name(yt, v[AX_NAME], "name", "an axis", false, sizeof a->name, a->name))
			return -1;
	} else if (a->npaths == 1) {
		memcpy(a->name, a->path[0], sizeof a->name); /* the same size */
	} else {
		yt_error(yt, n, "an axis with 'paths' needs a 'name'");
		return -1;
	}
	if (v[AX_VALUES] ? load_values(yt, v[AX_VALUES], a) : load_range(yt, v[AX_RANGE], a))
		return -1;
	a->label = xcalloc((size_t)a->nvalues, sizeof *a->label);
	const struct ynode *lb = v[AX_LABELS];
	if (lb && (lb->kind != YN_SEQ || lb->n != a->nvalues)) {
		yt_error(yt, lb, "expected a sequence of %d labels, one per value, for 'labels', got %s", a->nvalues,
			 counted(lb, "label", "labels", b, sizeof b));
		return -1;
	}
	for (int i = 0; i < a->nvalues; i++) {
		if (lb) /* shown as written: a quoted label without its quotes */
			a->label[i] = lb->kid[i]->kind == YN_SCALAR ? xstrdup(lb->kid[i]->str) : node_text(lb->kid[i]);
		else if (a->npaths == 1)
			a->label[i] = xstrdup(a->value[i]);
		else
			a->label[i] = xasprintf("#%d", i + 1);
	}
	return 0;
}

/* A path relative to the directory of the sweep file. */
static char *beside(const char *sweep_path, const struct ynode *n)
{
	if (n->str[0] == '/')
		return xstrdup(n->str);
	char *dir = xstrdup(sweep_path);
	char *p = xasprintf("%s/%s", dirname(dir), n->str);
	free(dir);
	return p;
}

/* A workload: its file, or {file: F, dims: "NAME=N,..."} for an ONNX
 * model's symbolic dimensions (as --dims). */
static void load_workload(struct yt_ctx *yt, const struct ynode *n, struct sweep *s)
{
	static const char *const keys[] = {"file", "dims"};
	const struct ynode *v[2] = {n, NULL}, *k[2];
	char b[80];
	if (n->kind == YN_MAP && (!yt_fields(yt, n, "a workload", "workloads", keys, 2, NULL, v, k) ||
				  !yt_require(yt, n, v[0], "file", "a workload")))
		return;
	for (int i = 0; i < 2; i++)
		if (v[i] && (v[i]->kind != YN_SCALAR || !v[i]->len)) {
			yt_error(yt, v[i], "expected %s, got %s", i ? "dimensions NAME=N,... for 'dims'" : "a workload file",
				 yt_show(v[i], b, sizeof b));
			return;
		}
	s->dims[s->nworkloads] = v[1] ? xstrdup(v[1]->str) : NULL;
	s->workload[s->nworkloads++] = beside(s->file, v[0]);
}

static const char *const top_keys[] = {"name", "hardware", "workloads", "budget", "axes", "constraints"};
enum { TK_NAME, TK_HW, TK_WORKLOADS, TK_BUDGET, TK_AXES, TK_CONSTRAINTS, TK_COUNT };

/* Axis a names a path and has a name no earlier axis has: a path set
 * twice would measure one point under two labels, and two axes of one
 * name would be one key twice in a point's axes. */
static void distinct_axis(struct yt_ctx *yt, const struct sweep *s, int a)
{
	const struct sw_axis *x = &s->axis[a];
	for (int b = 0; b < a; b++) {
		const struct sw_axis *y = &s->axis[b];
		for (int p = 0; p < x->npaths; p++)
			for (int q = 0; q < y->npaths; q++)
				if (!strcmp(x->path[p], y->path[q])) {
					yt_error_lc(yt, x->line, x->col,
						    "axis '%s' sets path '%s', which axis %d ('%s', line %d) sets; a path is set by one axis",
						    x->name, x->path[p], b + 1, y->name, y->line);
					return;
				}
		if (!strcmp(x->name, y->name)) {
			yt_error_lc(yt, x->line, x->col, "axis '%s' has the name of axis %d (line %d); expected a name of its own",
				    x->name, b + 1, y->line);
			return;
		}
	}
	for (int p = 0; p < x->npaths; p++)
		for (int q = 0; q < p; q++)
			if (!strcmp(x->path[p], x->path[q])) {
				yt_error_lc(yt, x->line, x->col, "axis '%s' lists path '%s' twice", x->name, x->path[p]);
				return;
			}
}

static void load_lists(struct yt_ctx *yt, const struct ynode *const *v, struct sweep *s)
{
	char b[80];
	const struct ynode *wl = v[TK_WORKLOADS], *ax = v[TK_AXES], *cs = v[TK_CONSTRAINTS];
	if (wl->kind != YN_SEQ || wl->n < 1 || wl->n > SW_MAX_WORKLOADS)
		yt_error(yt, wl, "expected a sequence of 1 to %d workload files for 'workloads', got %s", SW_MAX_WORKLOADS,
			 counted(wl, "file", "files", b, sizeof b));
	else
		for (int i = 0; i < wl->n; i++)
			load_workload(yt, wl->kid[i], s);
	if (ax->kind != YN_SEQ || ax->n < 1 || ax->n > SW_MAX_AXES)
		yt_error(yt, ax, "expected a sequence of 1 to %d axes for 'axes', got %s", SW_MAX_AXES,
			 counted(ax, "axis", "axes", b, sizeof b));
	else
		for (int i = 0; i < ax->n; i++)
			if (!load_axis(yt, ax->kid[i], &s->axis[s->naxes++])) /* counted either way: sw_free frees it */
				distinct_axis(yt, s, s->naxes - 1);
	if (cs && (cs->kind != YN_SEQ || cs->n > SW_MAX_CONSTRAINTS))
		yt_error(yt, cs, "expected a sequence of at most %d constraints for 'constraints', got %s", SW_MAX_CONSTRAINTS,
			 counted(cs, "constraint", "constraints", b, sizeof b));
	else
		for (int i = 0; cs && i < cs->n; i++) {
			const struct ynode *c = cs->kid[i];
			if (c->kind != YN_SCALAR || c->len == 0 || c->len >= sizeof s->constraint[0].text) {
				yt_error(yt, c, "expected a constraint like 'memory.scratchpads.inp.capacity <= memory.scratchpads.wgt.capacity', got %s",
					 yt_show(c, b, sizeof b));
				continue;
			}
			struct sw_constraint *k = &s->constraint[s->nconstraints++];
			memcpy(k->text, c->str, c->len + 1);
			k->line = c->line, k->col = c->col;
		}
}

/* Everything a point's results depend on, hashed: a results directory
 * holds the results of one sweep. */
static uint64_t sweep_key(const struct sweep *s)
{
	XXH64_state_t *h = XXH64_createState();
	XXH64_reset(h, 0);
	XXH64_update(h, s->hw_text, strlen(s->hw_text) + 1);
	for (int w = 0; w < s->nworkloads; w++) {
		struct diags err = {0};
		size_t n = 0;
		uint8_t *bytes = file_read_bytes(s->workload[w], FILE_ONNX, &n, &err);
		if (bytes)
			XXH64_update(h, bytes, n);
		if (s->dims[w])
			XXH64_update(h, s->dims[w], strlen(s->dims[w]) + 1);
		free(bytes);
		diag_free(&err);
	}
	XXH64_update(h, &s->budget, sizeof s->budget);
	for (int a = 0; a < s->naxes; a++) {
		const struct sw_axis *x = &s->axis[a];
		for (int p = 0; p < x->npaths; p++)
			XXH64_update(h, x->path[p], strlen(x->path[p]) + 1);
		for (int i = 0; i < x->nvalues * x->npaths; i++)
			XXH64_update(h, x->value[i], strlen(x->value[i]) + 1);
	}
	for (int c = 0; c < s->nconstraints; c++)
		XXH64_update(h, s->constraint[c].text, strlen(s->constraint[c].text) + 1);
	uint64_t k = XXH64_digest(h);
	XXH64_freeState(h);
	return k;
}

static void load_top(struct yt_ctx *yt, const struct ynode *root, struct sweep *s, struct diags *err)
{
	const struct ynode *v[TK_COUNT], *k[TK_COUNT];
	if (!yt_fields(yt, root, "the top level", NULL, top_keys, TK_COUNT, NULL, v, k))
		return;
	for (int i = TK_NAME; i <= TK_AXES; i++)
		if (i != TK_BUDGET)
			yt_require(yt, root, v[i], top_keys[i], NULL);
	if (v[TK_NAME])
		yt_name(yt, v[TK_NAME], "name", NULL, false, sizeof s->name, s->name);
	uint32_t budget = 0;
	if (v[TK_BUDGET] && yt_uint(yt, v[TK_BUDGET], "budget", NULL, 0, 100000, &budget))
		s->budget = (int)budget;
	if (v[TK_HW] && v[TK_HW]->kind == YN_SCALAR && v[TK_HW]->len) {
		s->hw_path = beside(s->file, v[TK_HW]);
		s->hw_text = file_read_text(s->hw_path, FILE_HWDESC, err); /* its errors name it */
	} else if (v[TK_HW]) {
		char b[80];
		yt_error(yt, v[TK_HW], "expected the base hardware description's file for 'hardware', got %s",
			 yt_show(v[TK_HW], b, sizeof b));
	}
	if (v[TK_WORKLOADS] && v[TK_AXES])
		load_lists(yt, v, s);
}

/* A path the base description lacks adds keys (an energy section, say);
 * one whose key the description's schema does not know is the sweep
 * file's mistake, reported at the axis, not on every point. */
static void check_paths(struct yt_ctx *yt, const struct sweep *s)
{
	for (int a = 0; a < s->naxes; a++)
		for (int p = 0; p < s->axis[a].npaths; p++) {
			const char *path = s->axis[a].path[p];
			if (sw_path_exists(s->hw_text, path))
				continue;
			char why[256];
			char *text = sw_apply_one(s->hw_text, path, s->axis[a].value[p], why, sizeof why);
			struct diags e = {0};
			struct hw hw;
			if (!text)
				yt_error_lc(yt, s->axis[a].line, s->axis[a].col, "axis '%s': %s", s->axis[a].name, why);
			else if (hw_load_string(text, "the base description", &hw, &e) && strstr(e.v[0].msg, "unknown key"))
				yt_error_lc(yt, s->axis[a].line, s->axis[a].col, "axis '%s': path '%s' is not in the description: %s",
					    s->axis[a].name, path, e.v[0].msg);
			diag_free(&e);
			free(text);
		}
}

/* Each constraint must read on the first point's description: a path
 * that leads nowhere or a value that is not a number is the file's
 * mistake, reported at the constraint. */
static void check_constraints(struct yt_ctx *yt, const struct sweep *s)
{
	int vi[SW_MAX_AXES] = {0}, failed = 0;
	char why[512];
	char *text = sw_apply(s, vi, why, sizeof why);
	if (!text) {
		yt_error_lc(yt, s->axis[0].line, s->axis[0].col, "the first point: %s", why);
		return;
	}
	for (int c = 0; c < s->nconstraints; c++) {
		if (sw_check_constraints(&s->constraint[c], 1, text, &failed, why, sizeof why) < 0)
			yt_error_lc(yt, s->constraint[c].line, s->constraint[c].col, "constraint '%s': %s", s->constraint[c].text, why);
	}
	free(text);
}

int sw_load(const char *path, struct sweep *s, struct diags *err)
{
	memset(s, 0, sizeof *s);
	snprintf(s->file, sizeof s->file, "%s", path);
	int n0 = err->n;
	char *text = file_read_text(path, FILE_SWEEP, err);
	if (!text)
		return -1;
	struct yt_ctx yt = {.err = err, .file = path};
	struct ynode *root = yt_parse(text, strlen(text), path, &sweep_doc, err);
	if (root)
		load_top(&yt, root, s, err);
	yt_free(root);
	free(text);
	s->npoints = 1;
	for (int a = 0; a < s->naxes && err->n == n0; a++) {
		s->npoints *= (uint64_t)s->axis[a].nvalues;
		if (s->npoints > SW_MAX_POINTS) {
			yt_error_lc(&yt, s->axis[a].line, s->axis[a].col, "the sweep has more than %d points", SW_MAX_POINTS);
			break;
		}
	}
	if (err->n == n0)
		check_paths(&yt, s);
	if (err->n == n0)
		check_constraints(&yt, s);
	if (err->n != n0)
		return -1;
	s->key = sweep_key(s);
	return 0;
}

void sw_free(struct sweep *s)
{
	free(s->hw_path);
	free(s->hw_text);
	for (int w = 0; w < s->nworkloads; w++)
		free(s->workload[w]), free(s->dims[w]);
	for (int a = 0; a < s->naxes; a++) {
		for (int i = 0; i < s->axis[a].nvalues * s->axis[a].npaths; i++)
			free(s->axis[a].value[i]);
		for (int i = 0; s->axis[a].label && i < s->axis[a].nvalues; i++)
			free(s->axis[a].label[i]);
		free(s->axis[a].value);
		free(s->axis[a].label);
	}
	memset(s, 0, sizeof *s);
}

void sw_point_values(const struct sweep *s, uint64_t p, int *vi)
{
	for (int a = s->naxes - 1; a >= 0; a--) {
		vi[a] = (int)(p % (uint64_t)s->axis[a].nvalues);
		p /= (uint64_t)s->axis[a].nvalues;
	}
}
