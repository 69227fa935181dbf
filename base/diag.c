#include "diag.h"

#include <stdlib.h>
#include <string.h>

#include "fault.h"

TESSEL_NORETURN void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("tessel: internal error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* The error list's own memory: it is how an allocation failure is
 * reported, so it does not take part in fault injection, and it aborts when
 * even a message cannot be allocated. */
static void *dmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes) while reporting an error", n);
	return p;
}

static void *drealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes) while reporting an error", n);
	return p;
}

static char *dstrndup(const char *s, size_t n)
{
	char *p = dmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static char *dvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		die("bad format string '%s'", fmt);
	char *s = dmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *dasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = dvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* The aborting allocators, for paths not converted to base/alloc.h yet.  They
 * take part in fault injection, so that a fault loop over a path that still
 * uses them stops here, naming the allocation. */
static void injected(size_t n)
{
	if (fault_alloc())
		die("out of memory (%zu bytes, injected) in an allocation that cannot fail cleanly", n);
}

void *xmalloc(size_t n)
{
	injected(n);
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	injected(n * size);
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	injected(n);
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		die("bad format string '%s'", fmt);
	char *s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* The text of line LINE (1-based) of SRC, without its newline. */
static char *copy_line(const char *src, int line)
{
	if (!src || line < 1)
		return NULL;
	for (int l = 1; l < line; l++) {
		src = strchr(src, '\n');
		if (!src)
			return NULL;
		src++;
	}
	return dstrndup(src, strcspn(src, "\r\n"));
}

void diag_addv(struct diags *d, const char *file, int line, int col, const char *fmt, va_list ap)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 8;
		d->v = drealloc(d->v, (size_t)d->cap * sizeof *d->v);
	}
	struct diag *e = &d->v[d->n++];
	e->file = file ? dstrndup(file, strlen(file)) : NULL;
	e->line = line;
	e->col = col;
	e->msg = dvasprintf(fmt, ap);
	e->source_line = copy_line(d->source, line);
}

void diag_add(struct diags *d, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_addv(d, file, line, col, fmt, ap);
	va_end(ap);
}

char *diag_format(const struct diag *e)
{
	const char *file = e->file ? e->file : "tessel";
	if (e->line > 0 && e->col > 0)
		return dasprintf("%s:%d:%d: error: %s", file, e->line, e->col, e->msg);
	if (e->line > 0)
		return dasprintf("%s:%d: error: %s", file, e->line, e->msg);
	return dasprintf("%s: error: %s", file, e->msg);
}

void diag_print(const struct diags *d, FILE *out)
{
	for (int i = 0; i < d->n; i++) {
		const struct diag *e = &d->v[i];
		char *s = diag_format(e);
		fprintf(out, "%s\n", s);
		free(s);
		if (e->source_line && e->col > 0) {
			fprintf(out, "  %s\n  ", e->source_line);
			for (int c = 1; c < e->col; c++)
				fputc(e->source_line[c - 1] == '\t' ? '\t' : ' ', out);
			fputs("^\n", out);
		}
	}
}

void diag_free(struct diags *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
		free(d->v[i].source_line);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}
