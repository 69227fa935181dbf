/* diag: user-facing errors (bad input) kept apart from internal bugs (die).
 *
 * A user error names where it happened: FILE:LINE:COL for text inputs, or an
 * instruction index or field for binary ones.  Errors are collected, not
 * printed on the spot, so a loader can report every mistake in one pass and a
 * test can compare the exact text. */
#ifndef TESSEL_DIAG_H
#define TESSEL_DIAG_H

#include <stdarg.h>
#include <stdio.h>

#ifdef __cplusplus
#define TESSEL_NORETURN [[noreturn]]
extern "C" {
#else
#define TESSEL_NORETURN _Noreturn
#endif

struct diag {
	char *file;   /* may be NULL when no file is involved */
	int line;     /* 1-based; 0 when the error has no line */
	int col;      /* 1-based; 0 when the error has no column */
	char *msg;
	char *source_line; /* copy of the offending line for the caret, or NULL */
};

struct diags {
	struct diag *v;
	int n, cap;
	const char *source; /* text of the file being read, to quote lines from */
};

void diag_add(struct diags *d, const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void diag_addv(struct diags *d, const char *file, int line, int col, const char *fmt, va_list ap);
/* "FILE:LINE:COL: error: MSG" — the form tests compare against. */
char *diag_format(const struct diag *e);
/* Every error, each followed by its source line and a caret when known. */
void diag_print(const struct diags *d, FILE *out);
void diag_free(struct diags *d);

/* An internal bug: print and abort.  Never used for bad input. */
TESSEL_NORETURN void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#ifdef __cplusplus
}
#endif

#endif
