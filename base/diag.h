/* diag: user-facing errors (bad input) kept apart from internal bugs (die).
 *
 * A user error names where it happened: FILE:LINE:COL for text inputs, or an
 * instruction index or field for binary ones.  Errors are collected, not
 * printed on the spot, so a loader can report every mistake in one pass and a
 * test can compare the exact text.  Recording an error never fails: when
 * memory for it runs out, the list holds a static "out of memory" entry
 * instead (so a list is never empty after an error was added). */
#ifndef TESSEL_DIAG_H
#define TESSEL_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
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
	bool nomem;        /* memory ran out (diag_nomem): no fault of the input */
};

struct diags {
	struct diag *v;
	int n, cap;
	const char *source; /* text of the file being read, to quote lines from */
};

void diag_add(struct diags *d, const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void diag_addv(struct diags *d, const char *file, int line, int col, const char *fmt, va_list ap);
/* "FILE:LINE:COL: error: MSG" — the form tests compare against; NULL when
 * out of memory. */
char *diag_format(const struct diag *e);
/* Every error, each followed by its source line and a caret when known. */
void diag_print(const struct diags *d, FILE *out);
void diag_free(struct diags *d);
/* Bytes of the UTF-8 character of 2 to 4 bytes at s (of n), or 0 when none
 * starts there (ASCII, or a byte of no character): messages show such a
 * character as written. */
int utf8_length(const char *s, size_t n);
/* Whether any error from the FROMth on is memory running out rather than
 * the input (FROM: the count before the call that may have failed). */
bool diag_nomem_since(const struct diags *d, int from);
/* Appends FROM's errors to TO, keeping what each is. */
void diag_append(struct diags *to, const struct diags *from);

/* An internal bug (a broken invariant): print and abort.  Never used for bad
 * input nor for a resource running out: those are errors in a struct diags,
 * returned to the caller (base/alloc.h). */
TESSEL_NORETURN void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#ifdef __cplusplus
}
#endif

#endif
