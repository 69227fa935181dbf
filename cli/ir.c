/* tessel ir: load a workload file (docs/workloads.md) and print its tensor IR,
 * the --dump-ir view of the graph the compiler starts from. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "ir/workload.h"
#include "cli.h"

int cli_ir(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("ir", argc, argv, CLI_OPT_DIMS, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	struct diags err = {0};
	struct wl_workload w;
	if (wl_load_file_dims(o.pos[0], o.dims, &w, &err)) {
		cli_print_errors(&err, o.pos[0]);
		diag_free(&err);
		return CLI_BAD_INPUT;
	}
	diag_free(&err);
	uint64_t macs = 0;
	for (int i = 0; i < w.g.nops; i++)
		macs += ir_op_macs(&w.g.op[i]);
	struct strbuf out = {0};
	sb_printf(&out, "workload %s, seed %" PRIu64 ": %d tensors, %d ops, %" PRIu64 " MACs\n", w.name, w.seed,
		  w.g.ntensors, w.g.nops, macs);
	ir_dump(&w.g, &out);
	char *text = sb_take(&out);
	fputs(text, stdout);
	free(text);
	wl_free(&w);
	return CLI_OK;
}
