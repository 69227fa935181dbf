/* --input NAME=FILE.npy and --output NAME=FILE.npy: tensors given to and
 * taken from a run (tessel run, tessel host).  They are taken out of argv
 * before the common options are parsed (there, --output alone means -o). */
#include <stdlib.h>
#include <string.h>

#include "base/output.h"
#include "cli.h"

/* The option at argv[*i] if it is --input or --output (either spelling:
 * "--input X" or "--input=X"), its value in *v; 0 when it is neither, 1,
 * or -1 on bad usage. */
static int tensor_option(const char *cmd, int argc, char **argv, int *i, bool *output, const char **v)
{
	const char *a = argv[*i];
	size_t k = !strncmp(a, "--input", 7) ? 7 : !strncmp(a, "--output", 8) ? 8 : 0;
	if (!k || (a[k] && a[k] != '='))
		return 0;
	*output = k == 8;
	*v = a[k] == '=' ? a + k + 1 : *i + 1 < argc ? argv[++*i] : NULL;
	if (!*v) {
		cli_usage_error(cmd, "option '%.*s' needs a value NAME=FILE.npy", (int)k, a);
		return -1;
	}
	return 1;
}

/* NAME=FILE into a tensor argument: 0, or -1 (reported: bad input). */
static int split(const char *cmd, const char *v, bool output, struct cli_tensor_arg *t)
{
	const char *eq = strchr(v, '=');
	if (!eq || eq == v || !eq[1]) {
		fprintf(stderr, "tessel %s: error: --%s '%s': expected NAME=FILE.npy, a tensor's name and a file\n", cmd,
			output ? "output" : "input", v);
		return -1;
	}
	t->name = xstrndup(v, (size_t)(eq - v));
	t->file = eq + 1;
	t->output = output;
	return 0;
}

int cli_take_tensors(const char *cmd, int *argc, char **argv, struct cli_tensors *ts)
{
	memset(ts, 0, sizeof *ts);
	int n = 1;
	for (int i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < *argc)
				argv[n++] = argv[i++];
			break;
		}
		bool output;
		const char *v;
		int rc = tensor_option(cmd, *argc, argv, &i, &output, &v);
		if (rc < 0)
			return CLI_USAGE;
		if (!rc) {
			argv[n++] = argv[i];
			continue;
		}
		ts->v = xrealloc(ts->v, ((size_t)ts->n + 1) * sizeof *ts->v);
		if (split(cmd, v, output, &ts->v[ts->n]))
			return CLI_BAD_INPUT;
		ts->n++;
	}
	*argc = n;
	argv[n] = NULL;
	return cli_check_tensors(cmd, ts);
}

/* Each name once per direction; no file written twice or both read and
 * written (the same inode), so that no output clobbers an input. */
int cli_check_tensors(const char *cmd, const struct cli_tensors *ts)
{
	for (int i = 0; i < ts->n; i++)
		for (int j = 0; j < i; j++) {
			const struct cli_tensor_arg *a = &ts->v[i], *b = &ts->v[j];
			if (a->output == b->output && !strcmp(a->name, b->name)) {
				fprintf(stderr, "tessel %s: error: tensor '%s' is given to --%s twice\n", cmd, a->name,
					a->output ? "output" : "input");
				return CLI_BAD_INPUT;
			}
			if (a->output && b->output ? out_clash(a->file, b->file)
			    : (a->output || b->output) && (!strcmp(a->file, b->file) || out_same_file(a->file, b->file))) {
				/* bad usage, as any output that names an input (docs/cli.md, "Outputs") */
				cli_usage_error(cmd, "'%s' is named for tensors '%s' and '%s'; an output must not overwrite "
						"another file of the command", a->file, b->name, a->name);
				return CLI_USAGE;
			}
		}
	return 0;
}

/* Whether FILE is any of the command's other files: its positional
 * inputs, --hw, --db, and the outputs -o, --trace, --waves, --html (where
 * FILE is an output too, as out_clash has it); *what says which. */
static bool other_file(const struct cli_opts *o, const char *file, bool output, const char **what, const char **path)
{
	const char *const named[] = {o->hw, o->db, o->out, o->trace, o->waves, o->html};
	static const char *const names[] = {"--hw", "--db", "-o", "--trace", "--waves", "--html"};
	enum { FIRST_OUTPUT = 2 };
	for (int i = 0; i < o->npos; i++)
		if (out_same_file(file, o->pos[i]))
			return *what = "input", *path = o->pos[i], true;
	for (int i = 0; i < (int)(sizeof named / sizeof *named); i++)
		if (named[i] && (output && i >= FIRST_OUTPUT ? out_clash(file, named[i])
							   : !strcmp(file, named[i]) || out_same_file(file, named[i])))
			return *what = names[i], *path = named[i], true;
	return false;
}

int cli_check_tensor_outputs(const char *cmd, const struct cli_tensors *ts, const struct cli_opts *o)
{
	const char *what, *path;
	for (int i = 0; i < ts->n; i++) /* an --output over any file; any output over an --input */
		if (other_file(o, ts->v[i].file, ts->v[i].output, &what, &path) &&
		    (ts->v[i].output || (strcmp(what, "input") && strcmp(what, "--hw") && strcmp(what, "--db")))) {
			cli_usage_error(cmd, "--%s %s=%s is the %s '%s' (the same file); expected another file",
					ts->v[i].output ? "output" : "input", ts->v[i].name, ts->v[i].file, what, path);
			return CLI_USAGE;
		}
	return 0;
}

void cli_free_tensors(struct cli_tensors *ts)
{
	for (int i = 0; i < ts->n; i++)
		free(ts->v[i].name);
	free(ts->v);
	memset(ts, 0, sizeof *ts);
}
