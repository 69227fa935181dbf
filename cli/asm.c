/* tessel asm / tessel disasm: assembly text <-> .tsp program files. */
#include <stdio.h>
#include <stdlib.h>

#include "base/file.h"
#include "base/output.h"
#include "isa/program.h"
#include "cli.h"

static int finish(struct diags *err)
{
	diag_print(err, stderr);
	int rc = err->n ? CLI_BAD_INPUT : CLI_OK;
	diag_free(err);
	return rc;
}

int cli_asm(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("asm", argc, argv, CLI_OPT_HW | CLI_OPT_OUT, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	if (!o.out) {
		cli_usage_error("asm", "missing -o OUT.tsp");
		return CLI_USAGE;
	}
	if (cli_check_outputs("asm", &o))
		return CLI_USAGE;
	struct hw hw;
	if (cli_load_hw(o.hw, &hw))
		return CLI_BAD_INPUT;
	struct diags err = {0};
	char *text = file_read_text(o.pos[0], FILE_ASM, &err);
	struct isa_program p;
	if (text && !isa_assemble(text, o.pos[0], &hw, &p, &err)) {
		cli_write_program(&p, o.out, &err);
		isa_program_free(&p);
	}
	free(text);
	return finish(&err);
}

int cli_disasm(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("disasm", argc, argv, CLI_OPT_HW | CLI_OPT_OUT, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	if (cli_check_outputs("disasm", &o))
		return CLI_USAGE;
	struct isa_program p;
	if (cli_load_program(o.pos[0], o.hw, &p))
		return CLI_BAD_INPUT;
	struct diags err = {0};
	char *text = isa_disassemble(&p);
	if (!text)
		diag_add(&err, o.pos[0], 0, 0, "cannot allocate memory for its listing");
	else
		out_write_text(o.out ? o.out : "-", text, &err);
	free(text);
	isa_program_free(&p);
	return finish(&err);
}
