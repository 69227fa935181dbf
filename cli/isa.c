/* tessel isa: the derived instruction set, as text, as the Markdown tables
 * of docs/isa.md, or as the Verilog header the RTL includes. */
#include <stdlib.h>
#include <string.h>

#include "base/output.h"
#include "isa/isa.h"
#include "cli.h"

int cli_isa(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("isa", argc, argv, CLI_OPT_FORMAT | CLI_OPT_OUT, 0, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	if (cli_check_outputs("isa", &o))
		return CLI_USAGE;
	static const struct {
		const char *name;
		void (*describe)(const struct isa_layout *, struct strbuf *);
	} formats[] = {{"text", isa_describe_text}, {"markdown", isa_describe_markdown}, {"verilog", isa_describe_verilog}};
	int fmt = -1;
	for (int i = 0; i < 3; i++)
		if (!strcmp(o.format ? o.format : "text", formats[i].name))
			fmt = i;
	if (fmt < 0) {
		cli_usage_error("isa", "unknown format '%s'; expected text, markdown or verilog", o.format);
		return CLI_USAGE;
	}
	struct hw hw;
	if (cli_load_hw(o.npos ? o.pos[0] : NULL, &hw))
		return CLI_BAD_INPUT;
	struct isa_layout lay;
	struct diags err = {0};
	struct strbuf sb = {0};
	if (!isa_derive(&hw, &lay, &err)) {
		formats[fmt].describe(&lay, &sb);
		char *text = sb_take(&sb);
		out_write_text(o.out ? o.out : "-", text, &err);
		free(text);
	}
	rc = err.n ? CLI_BAD_INPUT : CLI_OK;
	diag_print(&err, stderr);
	diag_free(&err);
	return rc;
}
