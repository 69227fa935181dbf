/* tessel asm / tessel disasm: assembly text <-> .tsp program files. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "../base/file.h"
#include "../isa/program.h"
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
	struct hw hw;
	if (cli_load_hw(o.hw, &hw))
		return CLI_BAD_INPUT;
	struct diags err = {0};
	char *text = file_read_text(o.pos[0], &err);
	struct isa_program p;
	if (text && !isa_assemble(text, o.pos[0], &hw, &p, &err)) {
		isa_tsp_write(&p, o.out, &err);
		isa_program_free(&p);
	}
	free(text);
	return finish(&err);
}

/* A program built for other hardware must not be run or read as if it were
 * for this one: the fingerprints say so. */
static int check_hw(const char *prog, const struct isa_program *p, const char *hw_path, struct diags *err)
{
	struct hw hw;
	if (cli_load_hw(hw_path, &hw))
		return -1;
	uint64_t want = hw_fingerprint(&hw), have = hw_fingerprint(&p->hw);
	if (want != have) {
		diag_add(err, prog, 0, 0,
			 "program was built for hardware '%s' (fingerprint %016" PRIx64 "), not for '%s' from %s "
			 "(fingerprint %016" PRIx64 ")",
			 p->hw.name, have, hw.name, hw_path, want);
		return -1;
	}
	return 0;
}

int cli_disasm(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("disasm", argc, argv, CLI_OPT_HW | CLI_OPT_OUT, 1, 1, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	struct diags err = {0};
	struct isa_program p;
	if (isa_tsp_read(o.pos[0], &p, &err))
		return finish(&err);
	int bad = o.hw && check_hw(o.pos[0], &p, o.hw, &err);
	if (!bad) {
		char *text = isa_disassemble(&p);
		bad = file_write_text(o.out ? o.out : "-", text, &err);
		free(text);
	}
	isa_program_free(&p);
	rc = finish(&err);
	return bad ? CLI_BAD_INPUT : rc;
}
