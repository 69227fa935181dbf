/* tessel: derive an accelerator's ISA from its YAML description, compile
 * workloads for it, and run them on its simulators. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/output.h"
#include "ir/workload.h"
#include "device/device.h"
#include "rtl/rtl.h"
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

/* A command as typed: the table's name with '-' for '_' (onnx-test). */
static bool is_command(const char *name, const char *typed)
{
	for (; *name && *typed; name++, typed++)
		if (*name != *typed && !(*name == '_' && *typed == '-'))
			return false;
	return !*name && !*typed;
}

static const char *shown_name(const char *name)
{
	static char buf[32];
	snprintf(buf, sizeof buf, "%s", name);
	for (char *p = buf; *p; p++)
		if (*p == '_')
			*p = '-';
	return buf;
}

static void usage(FILE *out)
{
	fputs("usage: tessel COMMAND [ARGS]\n\n"
	      "Derives an accelerator's instruction set from a YAML hardware description and\n"
	      "assembles, inspects and runs programs for it.  Without --hw, the built-in\n"
	      "description of VTA's default configuration (examples/hw/vta-default.yaml) is used.\n\n"
	      "commands:\n",
	      out);
	for (int i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", shown_name(commands[i].name), commands[i].what);
	fputs("\n'tessel COMMAND --help' describes one command.  Exit status: 0 success,\n"
	      "1 bad input, 2 bad usage.\n",
	      out);
}

void cli_usage(const char *cmd, bool to_stderr)
{
	FILE *out = to_stderr ? stderr : stdout;
	for (int i = 0; i < NCOMMANDS; i++)
		if (is_command(commands[i].name, cmd))
			fprintf(out, "usage: tessel %s %s\n%s.\n", cmd, commands[i].args, commands[i].what);
}

int cli_check_outputs(const char *cmd, const struct cli_opts *o)
{
	const struct {
		const char *path, *what;
	} out[] = {{o->out, "-o"}, {o->trace, "--trace"}, {o->waves, "--waves"}, {o->html, "--html"}};
	struct {
		const char *path, *what;
	} in[8];
	int nin = 0;
	for (int i = 0; i < o->npos && nin < 6; i++)
		in[nin].path = o->pos[i], in[nin++].what = "input";
	in[nin].path = o->hw, in[nin++].what = "--hw";
	in[nin].path = o->db, in[nin++].what = "--db";
	for (int i = 0; i < (int)(sizeof out / sizeof out[0]); i++) {
		if (!out[i].path)
			continue;
		for (int j = 0; j < nin; j++)
			if (out_same_file(out[i].path, in[j].path)) {
				cli_usage_error(cmd, "the output %s '%s' is the %s '%s' (the same file), which it would overwrite; "
						     "expected another output file",
						out[i].what, out[i].path, in[j].what, in[j].path);
				return -1;
			}
		for (int j = 0; j < i; j++)
			if (out_clash(out[i].path, out[j].path)) {
				cli_usage_error(cmd, "the outputs %s and %s are the same file '%s'; expected two files", out[j].what,
						out[i].what, out[i].path);
				return -1;
			}
	}
	return 0;
}

int cli_check_workload_outputs(const char *cmd, const struct cli_opts *o, const struct cli_tensors *io,
			       const struct wl_workload *w)
{
	const char *out[] = {o->out, o->trace, o->waves, o->html};
	for (int k = 0; k < w->ndata_files; k++) {
		for (int i = 0; i < (int)(sizeof out / sizeof out[0]); i++)
			if (out[i] && out_same_file(out[i], w->data_files[k])) {
				cli_usage_error(cmd, "the output '%s' is the workload's data file '%s', which it would overwrite; "
						     "expected another output file", out[i], w->data_files[k]);
				return -1;
			}
		for (int i = 0; io && i < io->n; i++)
			if (io->v[i].output && out_same_file(io->v[i].file, w->data_files[k])) {
				cli_usage_error(cmd, "--output %s=%s is the workload's data file '%s', which it would overwrite; "
						     "expected another output file", io->v[i].name, io->v[i].file, w->data_files[k]);
				return -1;
			}
	}
	return 0;
}

/* --max-cycles N and --max-seconds S, taken out of argv (so that the
 * options every command shares stay one table). */
int cli_take_limits(const char *cmd, int *argc, char **argv, struct dev_run_opts *ro)
{
	ro->max_cycles = DEV_DEFAULT_MAX_CYCLES;
	ro->max_seconds = 0;
	bool seen_cycles = false, seen_seconds = false;
	int n = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i], *v = NULL;
		bool cycles = !strncmp(a, "--max-cycles", 12) && (a[12] == 0 || a[12] == '=');
		bool seconds = !strncmp(a, "--max-seconds", 13) && (a[13] == 0 || a[13] == '=');
		if (!strcmp(a, "--")) {
			while (i < *argc)
				argv[n++] = argv[i++];
			break;
		}
		if (!cycles && !seconds) {
			argv[n++] = argv[i];
			continue;
		}
		const char *name = cycles ? "--max-cycles" : "--max-seconds";
		if (cycles ? seen_cycles : seen_seconds) {
			cli_usage_error(cmd, "option '%s' given twice", name);
			return -1;
		}
		*(cycles ? &seen_cycles : &seen_seconds) = true;
		size_t k = strlen(name);
		if (a[k] == '=')
			v = a + k + 1;
		else if (i + 1 < *argc)
			v = argv[++i];
		if (!v) {
			cli_usage_error(cmd, "option '%s' needs a value", name);
			return -1;
		}
		if (cycles && cli_parse_count(v, &ro->max_cycles)) {
			cli_usage_error(cmd, "--max-cycles takes a whole number of cycles (0 for no limit), got '%s'", v);
			return -1;
		}
		if (seconds) {
			char *end;
			errno = 0;
			double s = strtod(v, &end);
			if (end == v || *end || errno || !(s >= 0) || s > 1e9) {
				cli_usage_error(cmd, "--max-seconds takes a number of seconds from 0 (no limit) to 1e9, got '%s'", v);
				return -1;
			}
			ro->max_seconds = s;
		}
	}
	argv[n] = NULL;
	*argc = n;
	return 0;
}

int cli_write_program(const struct isa_program *p, const char *path, struct diags *err)
{
	size_t len;
	uint8_t *buf = isa_tsp_encode(p, &len);
	int rc = out_write(path, buf, len, err);
	free(buf);
	return rc;
}

static int dispatch(int argc, char **argv)
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
		if (is_command(commands[i].name, cmd))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tessel: error: unknown command '%s'\n\n", cmd);
	usage(stderr);
	return CLI_USAGE;
}

int main(int argc, char **argv)
{
	rtl_report_builds(stderr); /* a first RTL run takes tens of seconds: say why */
	int rc = dispatch(argc, argv);
	/* what was written to standard output must have reached it */
	if (out_close_stdout("tessel") && rc == CLI_OK)
		rc = CLI_BAD_INPUT;
	return rc;
}
