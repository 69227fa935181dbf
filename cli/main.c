/* tessel: derive an accelerator's ISA from its YAML description, compile
 * workloads for it, and run them on its simulators. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name, *args, *what;
	int (*run)(int, char **);
} commands[] = {
#define X(name, args, what) {#name, args, what, cli_##name},
	CLI_COMMANDS(X)
#undef X
};

enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *out)
{
	fputs("usage: tessel COMMAND [ARGS]\n\n"
	      "Derives an accelerator's instruction set from a YAML hardware description and\n"
	      "assembles, inspects and runs programs for it.  Without --hw, the built-in\n"
	      "description of VTA's default configuration (examples/hw/vta-default.yaml) is used.\n\n"
	      "commands:\n",
	      out);
	for (int i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].what);
	fputs("\n'tessel COMMAND --help' describes one command.  Exit status: 0 success,\n"
	      "1 bad input, 2 bad usage.\n",
	      out);
}

void cli_usage(const char *cmd, bool to_stderr)
{
	FILE *out = to_stderr ? stderr : stdout;
	for (int i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, cmd))
			fprintf(out, "usage: tessel %s %s\n%s.\n", cmd, commands[i].args, commands[i].what);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return CLI_OK;
	}
	if (!strcmp(cmd, "--version")) {
		puts("tessel 0.1.0");
		return CLI_OK;
	}
	for (int i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, cmd))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tessel: error: unknown command '%s'\n\n", cmd);
	usage(stderr);
	return CLI_USAGE;
}
