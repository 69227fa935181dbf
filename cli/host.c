/* tessel host: a workload run on the host CPU by the LLVM-C backend, the
 * reference every accelerator result is checked against.  Prints each op's
 * compile and run time and a checksum of its output. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "base/npy.h"
#include "compiler/compile.h"
#include "compiler/host.h"
#include "ir/workload.h"
#include "cli.h"

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct op_result {
	double compile_s, run_s;
	uint64_t checksum;
};

static int run_ops(const struct wl_workload *w, uint8_t **t, struct op_result *res, struct diags *err)
{
	struct host_jit *j = host_jit_open(err);
	if (!j)
		return -1;
	int rc = 0;
	for (int op = 0; op < w->g.nops && !rc; op++) {
		double t0 = seconds();
		rc = host_compile(j, &w->g, op, err);
		double t1 = seconds();
		rc = rc || host_run_op(j, &w->g, op, (void *const *)t, err);
		double t2 = seconds();
		int out = w->g.op[op].out.tensor;
		res[op] = (struct op_result){t1 - t0, t2 - t1, XXH64(t[out], wl_tensor_bytes(w, out), 0)};
	}
	host_jit_close(j);
	return rc;
}

static void print_text(const struct wl_workload *w, const struct op_result *res)
{
	printf("%s on the host (LLVM JIT): %d ops\n", w->name, w->g.nops);
	printf("  %-16s %-12s %14s %12s %12s  %s\n", "op", "kind", "MACs", "compile s", "run s", "output checksum (XXH64)");
	for (int op = 0; op < w->g.nops; op++) {
		const struct ir_op *o = &w->g.op[op];
		printf("  %-16s %-12s %14" PRIu64 " %12.6f %12.6f  %s %016" PRIx64 "\n", o->name, o->kind, ir_op_macs(o),
		       res[op].compile_s, res[op].run_s, w->g.tensor[o->out.tensor].name, res[op].checksum);
	}
}

static void print_json(const struct wl_workload *w, const struct op_result *res)
{
	cli_json_begin(stdout, "host");
	printf(",\"workload\":");
	cli_json_string(stdout, w->name);
	printf(",\"device\":\"host\",\"ops\":[");
	for (int op = 0; op < w->g.nops; op++) {
		const struct ir_op *o = &w->g.op[op];
		printf("%s{\"name\":", op ? "," : "");
		cli_json_string(stdout, o->name);
		printf(",\"kind\":");
		cli_json_string(stdout, o->kind);
		printf(",\"device\":\"host\",\"macs\":%" PRIu64 ",\"compile_seconds\":%.6f,\"run_seconds\":%.6f,\"output\":",
		       ir_op_macs(o), res[op].compile_s, res[op].run_s);
		cli_json_string(stdout, w->g.tensor[o->out.tensor].name);
		printf(",\"checksum\":\"%016" PRIx64 "\"}", res[op].checksum);
	}
	printf("]}\n");
}

/* The tensor a --input or --output names, or -1 with an error. */
static int named_tensor(const struct wl_workload *w, const struct cli_tensor_arg *a, struct diags *err)
{
	int t = ir_tensor_lookup(&w->g, a->name);
	if (t < 0)
		diag_add(err, NULL, 0, 0, "tensor '%s' is not in workload '%s'", a->name, w->name);
	else if (!a->output && w->g.tensor[t].producer >= 0)
		diag_add(err, NULL, 0, 0, "tensor '%s' is computed by op '%s'; only a tensor no op computes can be given",
			 a->name, w->g.op[w->g.tensor[t].producer].name);
	return err->n ? -1 : t;
}

/* --input: the tensors' data replaced by the files'.  0, or -1. */
static int give_inputs(const struct wl_workload *w, const struct cli_tensors *io, uint8_t **t, struct diags *err)
{
	for (int i = 0; i < io->n && !err->n; i++) {
		int k = io->v[i].output ? -1 : named_tensor(w, &io->v[i], err);
		if (k < 0)
			continue;
		const struct ir_tensor *tt = &w->g.tensor[k];
		struct npy a;
		if (npy_read(io->v[i].file, &a, err))
			break;
		struct isa_port want = {.name = (char *)tt->name, .dtype = tt->dtype, .rank = tt->rank};
		memcpy(want.shape, tt->shape, sizeof *tt->shape * (size_t)tt->rank);
		snprintf(want.layout, sizeof want.layout, "%s", tt->layout);
		if (!isa_port_check_array(&want, a.dtype, a.rank, a.shape, io->v[i].file, err))
			memcpy(t[k], a.data, (size_t)a.bytes);
		npy_free(&a);
	}
	return err->n ? -1 : 0;
}

/* --output: the tensors as the host computed them. */
static void take_outputs(const struct wl_workload *w, const struct cli_tensors *io, uint8_t **t, struct diags *err)
{
	for (int i = 0; i < io->n && !err->n; i++) {
		int k = io->v[i].output ? named_tensor(w, &io->v[i], err) : -1;
		if (k >= 0)
			npy_write(io->v[i].file, w->g.tensor[k].dtype, w->g.tensor[k].rank, w->g.tensor[k].shape, t[k], err);
	}
}

static int host(int argc, char **argv, const struct cli_tensors *io)
{
	struct cli_opts o;
	int rc = cli_parse("host", argc, argv, CLI_OPT_JSON | CLI_OPT_DUMP_IR | CLI_OPT_DIMS, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	if (cli_check_tensor_outputs("host", io, &o))
		return CLI_USAGE;
	struct wl_workload w;
	struct diags err = {0};
	if (cli_load_workload(o.pos[0], o.dims, &w))
		return CLI_BAD_INPUT;
	if (cli_check_workload_outputs("host", &o, io, &w)) {
		wl_free(&w);
		return CLI_USAGE;
	}
	/* every name is checked before anything runs */
	for (int i = 0; i < io->n; i++)
		named_tensor(&w, &io->v[i], &err);
	if (o.dump_ir) {
		struct strbuf sb = {0};
		ir_dump(&w.g, &sb);
		char *s = sb_take(&sb);
		fputs(s, stdout);
		free(s);
	}
	uint8_t **t = rt_tensor_buffers(&w, &err);
	struct op_result *res = xcalloc((size_t)w.g.nops + 1, sizeof *res);
	rc = err.n || !t || give_inputs(&w, io, t, &err) || run_ops(&w, t, res, &err) ? CLI_BAD_INPUT : CLI_OK;
	if (rc == CLI_OK)
		take_outputs(&w, io, t, &err);
	rc = err.n ? CLI_BAD_INPUT : rc;
	if (rc == CLI_OK && o.json)
		print_json(&w, res);
	else if (rc == CLI_OK)
		print_text(&w, res);
	cli_print_errors(&err, o.pos[0]);
	rt_free_buffers(&w, t);
	free(res);
	wl_free(&w);
	diag_free(&err);
	return rc;
}

int cli_host(int argc, char **argv)
{
	struct cli_tensors io;
	int rc = cli_take_tensors("host", &argc, argv, &io);
	if (!rc)
		rc = host(argc, argv, &io);
	cli_free_tensors(&io);
	return rc;
}
