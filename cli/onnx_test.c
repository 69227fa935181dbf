/* tessel onnx-test DIR: one ONNX backend test (docs/onnx.md).  DIR holds
 * model.onnx and test_data_set_N folders of input_K.pb and output_K.pb; each data set's
 * inputs are given to the model's graph inputs, the model runs op by op
 * (the accelerator's ops on the device, the rest on the host, as `tessel
 * exec` runs them), and each output is compared with the expected one:
 * integers exactly, floats within ONNX's tolerances (|got - want| <= 1e-7
 * + 1e-3 |want|).  Exit 0 when every output of every data set matches. */
#include <dirent.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compile.h"
#include "compiler/devices.h"
#include "ir/workload.h"
#include "base/half.h"
#include "base/npy.h"
#include "base/value.h"
#include "cli.h"
#include "xalloc.h"

enum { MAX_SETS = 64 };
#define ONNX_RTOL 1e-3
#define ONNX_ATOL 1e-7

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The test_data_set_* folders of dir, sorted. */
static int data_sets(const char *dir, char **sets)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < MAX_SETS)
		if (!strncmp(e->d_name, "test_data_set_", 14))
			sets[n++] = xstrdup(e->d_name);

	closedir(d);
	qsort(sets, (size_t)n, sizeof *sets, cmp_names);
	return n;
}

/* Whether a data set's tensor of shape [rank] has tensor t's shape: the
 * same dimensions, or, where the ranks differ (a scalar as [1]), the same
 * once the dimensions of 1 are left out. */
static bool same_shape(const struct ir_tensor *t, int rank, const int64_t *shape)
{
	if (rank == t->rank)
		return !memcmp(shape, t->shape, (size_t)rank * sizeof *shape);
	int i = 0, j = 0;
	for (;; i++, j++) {
		while (i < rank && shape[i] == 1)
			i++;
		while (j < t->rank && t->shape[j] == 1)
			j++;
		if (i == rank || j == t->rank)
			return i == rank && j == t->rank;
		if (shape[i] != t->shape[j])
			return false;
	}
}

/* An error that FILE holds shape [rank] where tensor t has another. */
static void shape_error(struct diags *err, const char *file, const char *what, const struct ir_tensor *t, int rank,
			const int64_t *shape)
{
	char a[160], b[160];
	npy_shape_text(rank, shape, a, sizeof a);
	npy_shape_text(t->rank, t->shape, b, sizeof b);
	diag_add(err, file, 0, 0, "a tensor of shape %s for %s '%s', which has shape %s", a, what, t->name, b);
}

/* The tensor of graph input k (its index among the graph's inputs), or -1
 * when the importer bound it as a constant. */
static int graph_input(const struct wl_workload *w, int k)
{
	for (int t = 0; t < w->g.ntensors; t++)
		if (w->g.tensor[t].kind == IR_TENSOR_INPUT && w->tensor_at[t].line == k + 1)
			return t;
	return -1;
}

/* Reads FILE (input_K.pb) into graph input k; an input the model has no
 * tensor for is one the importer bound as a constant (wl_load_onnx_given:
 * int64 and scalar inputs, quantization parameters), left alone. */
static int give(const struct wl_workload *w, uint8_t **tensors, int k, const char *file, struct diags *err)
{
	enum dtype dt;
	int rank;
	int64_t shape[IR_MAX_RANK];
	size_t n;
	char name[IR_NAME_MAX];
	struct diags why = {0};
	uint8_t *b = wl_onnx_read_tensor(file, &dt, &rank, shape, &n, name, &why);
	int t = graph_input(w, k);
	if (t < 0) { /* bound at import */
		free(b);
		diag_free(&why);
		return 0;
	}
	for (int i = 0; i < why.n; i++)
		diag_add(err, file, 0, 0, "%s", why.v[i].msg);
	diag_free(&why);
	if (!b)
		return -1;
	if (name[0] && strcmp(name, w->g.tensor[t].name)) {
		free(b);
		diag_add(err, file, 0, 0, "a tensor named '%s' for graph input %d, '%s'", name, k, w->g.tensor[t].name);
		return -1;
	}
	uint8_t *dst = tensors[t];
	const struct ir_tensor *ts = &w->g.tensor[t];
	int rc = 0;
	if (dt != ts->dtype || n != wl_tensor_bytes(w, t))
		rc = -1, diag_add(err, file, 0, 0, "%s of %zu bytes for '%s', which is %s of %zu bytes", dtype_name(dt), n,
				  ts->name, dtype_name(ts->dtype), wl_tensor_bytes(w, t));
	else if (!same_shape(ts, rank, shape))
		rc = -1, shape_error(err, file, "graph input", ts, rank, shape);
	else
		memcpy(dst, b, n);
	free(b);
	return rc;
}

/* Compares tensor t's values with FILE's: the count that differ beyond the
 * tolerance, the first in *what; -1 with an error when FILE does not fit. */
static int64_t compare(const struct wl_workload *w, int t, const uint8_t *got, const char *file, char *what, size_t whatn,
		       struct diags *err)
{
	enum dtype dt;
	int rank;
	int64_t shape[IR_MAX_RANK];
	size_t n;
	char name[IR_NAME_MAX];
	uint8_t *want = wl_onnx_read_tensor(file, &dt, &rank, shape, &n, name, err);
	if (!want)
		return -1;
	const struct ir_tensor *ts = &w->g.tensor[t];
	if (dt != ts->dtype || n != wl_tensor_bytes(w, t)) {
		diag_add(err, file, 0, 0, "expected %s of %zu bytes; output '%s' is %s of %zu bytes", dtype_name(dt), n,
			 ts->name, dtype_name(ts->dtype), wl_tensor_bytes(w, t));
		free(want);
		return -1;
	}
	if (!same_shape(ts, rank, shape)) {
		shape_error(err, file, "output", ts, rank, shape);
		free(want);
		return -1;
	}
	int64_t bad = 0, elems = ir_tensor_elems(ts);
	for (int64_t i = 0; i < elems; i++) {
		bool ok;
		double g = 0, x = 0;
		if (dtype_float(dt)) {
			g = val_get_float(got, dt, (uint64_t)i), x = val_get_float(want, dt, (uint64_t)i);
			ok = g == x || fabs(g - x) <= ONNX_ATOL + ONNX_RTOL * fabs(x) || (isnan(g) && isnan(x)); /* == first: inf */
		} else {
			g = (double)val_get_int(got, dt, (uint64_t)i), x = (double)val_get_int(want, dt, (uint64_t)i);
			ok = g == x;
		}
		if (!ok && !bad++)
			snprintf(what, whatn, "'%s' element %" PRId64 ": %.9g, expected %.9g", ts->name, i, g, x);
	}
	free(want);
	return bad;
}

/* One data set: its inputs given, the model run, its outputs compared. */
static int run_set(const struct hw *hw, const struct wl_workload *w, const struct cc_plan *plans,
		   const struct dev_ops *dev, const char *dir, const char *set, int *failed, char *first, size_t firstn,
		   struct diags *err)
{
	uint8_t **t = rt_tensor_buffers(w, err);
	if (!t)
		return -1;
	int rc = 0, given = 0;
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, set);
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		rc = -1, diag_add(err, path, 0, 0, "not a folder; a test_data_set_* is a folder of input_K.pb and output_K.pb");
	for (int k = 0; !rc; k++, given++) {
		snprintf(path, sizeof path, "%s/%s/input_%d.pb", dir, set, k);
		FILE *f = fopen(path, "rb");
		if (!f)
			break;
		fclose(f);
		rc = give(w, t, k, path, err);
	}
	for (int i = 0; i < w->g.ntensors && !rc; i++) /* every graph input given: none runs on made-up values */
		if (w->g.tensor[i].kind == IR_TENSOR_INPUT && w->tensor_at[i].line > given)
			rc = -1, diag_add(err, dir, 0, 0, "%s: no input_%d.pb for graph input '%s'", set, w->tensor_at[i].line - 1,
					  w->g.tensor[i].name);
	struct rt_result *res = xcalloc((size_t)w->g.nops + 1, sizeof *res);
	bool set_failed = false; /* a set fails once, however many of its outputs differ */
	if (!rc)
		rc = rt_exec(hw, w, plans, dev, NULL, false, t, res, err);
	for (int k = 0; !rc; k++) { /* output_K.pb in the graph's order: by the tensor's name */
		snprintf(path, sizeof path, "%s/%s/output_%d.pb", dir, set, k);
		FILE *f = fopen(path, "rb");
		if (!f && !k) /* a set that compares nothing proves nothing */
			rc = -1, diag_add(err, dir, 0, 0, "%s: no output_0.pb: a data set holds the expected outputs", set);
		if (!f)
			break;
		fclose(f);
		enum dtype dt;
		int rank;
		int64_t shape[IR_MAX_RANK];
		size_t n;
		int out = -1;
		char name[IR_NAME_MAX];
		uint8_t *b = wl_onnx_read_tensor(path, &dt, &rank, shape, &n, name, err);
		free(b);
		if (!b) {
			rc = -1;
			break;
		}
		/* by the tensor's name, else the k-th output */
		out = name[0] ? ir_tensor_lookup(&w->g, name) : -1;
		for (int i = 0, seen = 0; i < w->g.ntensors && out < 0; i++)
			if (w->g.tensor[i].kind == IR_TENSOR_OUTPUT && seen++ == k)
				out = i;
		if (out < 0) {
			rc = -1, diag_add(err, path, 0, 0, "the model has fewer than %d outputs", k + 1);
			break;
		}
		char what[256] = "";
		int64_t bad = compare(w, out, t[out], path, what, sizeof what, err);
		if (bad < 0)
			rc = -1;
		else if (bad) {
			if (!*failed && !set_failed)
				snprintf(first, firstn, "%s: %" PRId64 " values differ; first %s", set, bad, what);
			set_failed = true;
		}
	}
	*failed += set_failed;
	free(res);
	rt_free_buffers(w, t);
	return rc;
}

static void print_nodes(const struct wl_workload *w, const struct cc_plan *plans, bool json)
{
	for (int op = 0; op < w->g.nops; op++) {
		int node = w->op_at[op].line - 1;
		const char *type = node >= 0 && node < w->nnodes ? w->node_op_type[node] : w->g.op[op].kind;
		bool host = plans[op].kind == CC_HOST;
		if (json) {
			printf("%s{\"name\":", op ? "," : "");
			cli_json_string(stdout, w->g.op[op].name);
			printf(",\"op_type\":");
			cli_json_string(stdout, type);
			printf(",\"placement\":\"%s\",\"why\":", host ? "host" : "accelerator");
			cli_json_string(stdout, host ? plans[op].why : NULL);
			printf("}");
		} else
			printf("  %-24s %-18s %-11s %s\n", w->g.op[op].name, type, host ? "host" : "accelerator",
			       host ? plans[op].why : "");
	}
}

int cli_onnx_test(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("onnx-test", argc, argv, CLI_OPT_HW | CLI_OPT_DEVICE | CLI_OPT_JSON, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	const char *devname = o.device ? o.device : "sim";
	const struct dev_ops *dev = dev_lookup(devname);
	if (!dev) {
		cli_usage_error("onnx-test", "unknown device '%s'; expected sim or rtl", devname);
		return CLI_USAGE;
	}
	const char *dir = o.pos[0];
	char model[4096];
	snprintf(model, sizeof model, "%s/model.onnx", dir);
	char *sets[MAX_SETS];
	int nsets = data_sets(dir, sets);
	if (nsets < 0) {
		fprintf(stderr, "%s: error: cannot open the test folder\n", dir);
		return CLI_BAD_INPUT;
	}
	struct hw hw;
	struct wl_workload w;
	struct diags err = {0};
	/* the graph's int64 inputs (shapes, axes) from the first data set: the
	 * IR needs them as constants */
	char given[4096];
	snprintf(given, sizeof given, "%s/%s", dir, nsets ? sets[0] : "");
	if (cli_load_hw(o.hw, &hw) || wl_load_onnx_given(model, nsets ? given : NULL, &w, &err) ||
	    cc_rewrite(&hw, &w, &err)) {
		cli_print_errors(&err, model);
		diag_free(&err);
		for (int i = 0; i < nsets; i++)
			free(sets[i]);
		return CLI_BAD_INPUT;
	}
	struct cc_plan *plans = xcalloc((size_t)w.g.nops + 1, sizeof *plans);
	int failed = 0;
	char first[512] = "";
	rc = cc_plan_ops(&hw, &w.g, plans, &err);
	if (!rc && !nsets)
		rc = -1, diag_add(&err, dir, 0, 0, "no test_data_set_* folder");
	for (int i = 0; i < nsets && !rc; i++)
		rc = run_set(&hw, &w, plans, dev, dir, sets[i], &failed, first, sizeof first, &err);
	if (!rc && o.json) {
		cli_json_begin(stdout, "onnx-test");
		printf(",\"model\":");
		cli_json_string(stdout, model);
		printf(",\"hardware\":");
		cli_json_string(stdout, hw.name);
		printf(",\"device\":\"%s\",\"data_sets\":%d,\"failed\":%d,\"first_mismatch\":", devname, nsets, failed);
		cli_json_string(stdout, failed ? first : NULL);
		printf(",\"nodes\":[");
		print_nodes(&w, plans, true);
		printf("]}\n");
	} else if (!rc) {
		printf("%s on %s (device %s): %d of %d data sets match\n", model, hw.name, devname, nsets - failed, nsets);
		print_nodes(&w, plans, false);
		if (failed)
			printf("  first mismatch: %s\n", first);
	}
	cli_print_errors(&err, model);
	diag_free(&err);
	free(plans);
	for (int i = 0; i < nsets; i++)
		free(sets[i]);
	wl_free(&w);
	return rc ? CLI_BAD_INPUT : failed ? CLI_BAD_INPUT : CLI_OK;
}
