/* output: every file a command writes.  An output is written to a temporary
 * file in the directory of its path and renamed over the path only once it
 * is complete, so that a failed or interrupted write leaves the old file (or
 * nothing) and never half a file; the temporary is removed on failure.  A
 * path that is not a regular file (a terminal, /dev/null, a pipe) is
 * written in place.  "-" is standard output, whose errors are caught at exit
 * (out_close_stdout).  out_same_file tells whether an output names an
 * input, which commands refuse before doing any work. */
#ifndef TESSEL_OUTPUT_H
#define TESSEL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

struct out_file {
	char *path; /* where the output goes */
	char *tmp;  /* the temporary written first, or NULL when written in place */
	FILE *f;
};

/* Opens an output (binary mode).  Returns its stream, or NULL with an error
 * naming PATH.  End it with out_commit or out_abort. */
FILE *out_open(struct out_file *o, const char *path, struct diags *err);
/* Flushes and closes the stream and renames the temporary into place.  0, or
 * -1 with an error naming the path (the temporary is removed). */
int out_commit(struct out_file *o, struct diags *err);
/* Closes the stream and removes the temporary; the path is left as it was. */
void out_abort(struct out_file *o);
/* The path a writer other than this module should write (a temporary, or the
 * path itself): for outputs a library opens by name (the RTL's VCD).  The
 * stream is closed first; out_commit then only renames. */
const char *out_detach(struct out_file *o);

/* N bytes at DATA to PATH ("-": standard output).  0, or -1 with an error. */
int out_write(const char *path, const void *data, size_t n, struct diags *err);
int out_write_text(const char *path, const char *text, struct diags *err);

/* S as a JSON string literal, quotes included (control characters as
 * \u00XX), or null for NULL: every JSON and trace writer's one escaper. */
void out_json_string(FILE *f, const char *s);

/* Whether the two paths name one existing file (same device and inode). */
bool out_same_file(const char *a, const char *b);
/* Whether two outputs would write over each other: the same path or file,
 * unless it is "-" or not a regular file (two outputs to /dev/null or a
 * terminal are written in place, one after the other). */
bool out_clash(const char *a, const char *b);

/* Flushes and closes standard output: 0, or -1 with a message on standard
 * error when anything written to it was lost (a full disk, a closed pipe). */
int out_close_stdout(const char *prog);

#ifdef __cplusplus
}
#endif

#endif
