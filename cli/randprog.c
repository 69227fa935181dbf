/* tessel randprog: a random legal program for a hardware description, for
 * differential testing of devices (docs/randprog.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/output.h"
#include "cli.h"

int cli_randprog(int argc, char **argv)
{
	struct cli_opts o;
	int rc = cli_parse("randprog", argc, argv,
			   CLI_OPT_HW | CLI_OPT_OUT | CLI_OPT_SEED | CLI_OPT_ITERATIONS | CLI_OPT_KNOBS, 0, 0, &o);
	if (rc)
		return rc < 0 ? CLI_USAGE : CLI_OK;
	unsigned knobs = 0;
	char why[256];
	if (o.knobs && isa_randprog_parse_knobs(o.knobs, &knobs, why, sizeof why)) {
		cli_usage_error("randprog", "%s", why);
		return CLI_USAGE;
	}
	uint64_t seed = 0, iterations = 4;
	if (!o.seed || cli_parse_count(o.seed, &seed)) {
		cli_usage_error("randprog", o.seed ? "--seed takes a whole number, got '%s'" : "missing --seed S%s",
				o.seed ? o.seed : "");
		return CLI_USAGE;
	}
	if (o.iterations && (cli_parse_count(o.iterations, &iterations) || iterations < 1 || iterations > 1000)) {
		cli_usage_error("randprog", "--iterations takes a whole number from 1 to 1000, got '%s'", o.iterations);
		return CLI_USAGE;
	}
	if (!o.out) {
		cli_usage_error("randprog", "missing -o OUT (.tsp, or .s for assembly)");
		return CLI_USAGE;
	}
	if (cli_check_outputs("randprog", &o))
		return CLI_USAGE;
	struct hw hw;
	if (cli_load_hw(o.hw, &hw))
		return CLI_BAD_INPUT;
	struct diags err = {0};
	struct isa_program p;
	struct isa_layout lay;
	char *text = isa_derive(&hw, &lay, &err) ? NULL : isa_randprog_knobs(&hw, &lay, seed, (int)iterations, knobs, &err);
	size_t n = strlen(o.out);
	if (text && n > 2 && !strcmp(o.out + n - 2, ".s")) {
		out_write_text(o.out, text, &err);
	} else if (text && !isa_assemble(text, "(random program)", &hw, &p, &err)) {
		cli_write_program(&p, o.out, &err);
		isa_program_free(&p);
	}
	free(text);
	rc = err.n ? CLI_BAD_INPUT : CLI_OK;
	cli_print_errors(&err, NULL);
	diag_free(&err);
	return rc;
}
