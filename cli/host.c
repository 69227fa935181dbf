/* tessel host: a workload run on the host CPU by the LLVM-C backend, the
 * reference every accelerator result is checked against.  Prints each op's
 * compile and run time and a checksum of its output. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

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
	printf("{\"workload\":\"%s\",\"device\":\"host\",\"ops\":[", w->name);
	for (int op = 0; op < w->g.nops; op++) {
		const struct ir_op *o = &w->g.op[op];
		printf("%s{\"name\":\"%s\",\"kind\":\"%s\",\"macs\":%" PRIu64 ",\"compile_seconds\":%.6f,\"run_seconds\":%.6f,"
		       "\"output\":\"%s\",\"checksum\":\"%016" PRIx64 "\"}",
		       op ? "," : "", o->name, o->kind, ir_op_macs(o), res[op].compile_s, res[op].run_s,
		       w->g.tensor[o->out.tensor].name, res[op].checksum);
	}
	printf("]}\n");
}

int cli_host(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("host", argc, argv, CLI_OPT_JSON | CLI_OPT_DUMP_IR, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	struct wl_workload w;
	struct diags err = {0};
	if (cli_load_workload(o.pos[0], &w))
		return CLI_BAD_INPUT;
	if (o.dump_ir) {
		struct strbuf sb = {0};
		ir_dump(&w.g, &sb);
		char *s = sb_take(&sb);
		fputs(s, stdout);
		free(s);
	}
	uint8_t **t = rt_tensor_buffers(&w, &err);
	struct op_result *res = xcalloc((size_t)w.g.nops + 1, sizeof *res);
	rc = !t || run_ops(&w, t, res, &err) ? CLI_BAD_INPUT : CLI_OK;
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
