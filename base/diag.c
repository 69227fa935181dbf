#include "diag.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

/* The error list's own memory.  It is how an allocation failure is
 * reported, so it does not take part in fault injection; when even it runs
 * out, the list keeps what it can and says so with the static entry below
 * rather than aborting: a caller that sees -1 always finds an error. */
static char nomem_msg[] = "out of memory while recording an error";
static struct diag nomem_entry = {NULL, 0, 0, nomem_msg, NULL, true};

static char *dstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

/* NULL when out of memory, or when the text is longer than INT_MAX, which
 * a message quoting input can be. */
static char *dvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *s = n < 0 ? NULL : malloc((size_t)n + 1);
	if (s)
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

/* Room for one more entry; false when there is none to be had.  A list
 * that holds only the static entry moves to memory of its own. */
static bool grow(struct diags *d)
{
	if (d->n < d->cap)
		return true;
	int cap = d->cap ? 2 * d->cap : 8;
	bool fixed = d->v == &nomem_entry;
	struct diag *v = realloc(fixed ? NULL : d->v, (size_t)cap * sizeof *v);
	if (!v)
		return false;
	if (fixed)
		v[0] = nomem_entry;
	d->v = v;
	d->cap = cap;
	return true;
}

void diag_addv(struct diags *d, const char *file, int line, int col, const char *fmt, va_list ap)
{
	if (!grow(d)) {
		/* An error that cannot be recorded is dropped; an empty list takes
		 * the static entry, so that the failure is never silent. */
		if (!d->n) {
			d->v = &nomem_entry;
			d->n = d->cap = 1;
		}
		return;
	}
	struct diag *e = &d->v[d->n++];
	e->file = file ? dstrndup(file, strlen(file)) : NULL;
	e->line = line;
	e->col = col;
	e->msg = dvasprintf(fmt, ap);
	if (!e->msg)
		e->msg = nomem_msg;
	e->source_line = copy_line(d->source, line);
	e->nomem = e->msg == nomem_msg;
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

/* The formatted line, or the message alone when it cannot be formatted. */
static void print_one(const struct diag *e, FILE *out)
{
	char *s = diag_format(e);
	fprintf(out, "%s\n", s ? s : e->msg);
	free(s);
}

int utf8_length(const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	int len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 && s[0] < 0xf0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	if ((size_t)len > n)
		return 0;
	for (int k = 1; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* A quoted source line as the terminal can show it: control bytes and bytes
 * of no UTF-8 character as \xNN (a damaged file's line may hold any byte),
 * then the caret under column col (bytes), each escape padded as wide. */
static void print_source(const char *line, int col, FILE *out)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t len = strlen(line);
	int width[4096], n = 0; /* printed width of each byte before the caret */
	fputs("  ", out);
	for (int i = 0; s[i]; i++) {
		int u = s[i] >= 0x80 ? utf8_length(line + i, len - (size_t)i) : 1, w = 1;
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f || u == 0) {
			fprintf(out, "\\x%02x", s[i]);
			w = 4;
		} else {
			fwrite(s + i, 1, (size_t)u, out);
			for (int k = 1; k < u && n < 4096; k++)
				width[n++] = 0; /* a character's continuation bytes take no column */
			i += u - 1;
		}
		if (n < 4096)
			width[n++] = s[i] == '\t' ? -1 : w;
	}
	fputs("\n  ", out);
	for (int c = 1; c < col && c - 1 < n; c++) {
		if (width[c - 1] < 0)
			fputc('\t', out);
		for (int k = 0; k < width[c - 1]; k++)
			fputc(' ', out);
	}
	fputs("^\n", out);
}

void diag_print(const struct diags *d, FILE *out)
{
	for (int i = 0; i < d->n; i++) {
		const struct diag *e = &d->v[i];
		print_one(e, out);
		if (e->source_line && e->col > 0)
			print_source(e->source_line, e->col, out);
	}
}

void diag_free(struct diags *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->v[i].file);
		if (d->v[i].msg != nomem_msg)
			free(d->v[i].msg);
		free(d->v[i].source_line);
	}
	if (d->v != &nomem_entry)
		free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

bool diag_nomem_since(const struct diags *d, int from)
{
	for (int i = from < 0 ? 0 : from; i < d->n; i++)
		if (d->v[i].nomem)
			return true;
	return false;
}

void diag_append(struct diags *to, const struct diags *from)
{
	for (int i = 0; i < from->n; i++) {
		const struct diag *e = &from->v[i];
		int n = to->n;
		diag_add(to, e->file, e->line, e->col, "%s", e->msg);
		if (to->n > n)
			to->v[n].nomem |= e->nomem;
	}
}
