#include "strbuf.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "le.h"

/* Room for MORE bytes and the NUL; false (and the buffer marked) when there
 * is none to be had. */
static bool reserve(struct strbuf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + more + 1)
		cap *= 2;
	if (try_resize(&b->s, cap, 1)) {
		b->oom = true;
		b->want = cap;
		return false;
	}
	b->cap = cap;
	return true;
}

void sb_add(struct strbuf *b, const void *s, size_t n)
{
	if (!reserve(b, n))
		return;
	if (n) /* s may be NULL then */
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void sb_add_le(struct strbuf *b, uint64_t v, int n)
{
	uint8_t bytes[8];
	le_set(bytes, v, n);
	sb_add(b, bytes, (size_t)n);
}

void sb_puts(struct strbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	/* negative for text longer than INT_MAX, which input can make */
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->oom = true;
		b->want = (size_t)INT_MAX + 1;
	}
	if (reserve(b, n < 0 ? 0 : (size_t)n)) {
		vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
		b->len += (size_t)n;
	}
	va_end(ap);
}

void sb_json_string(struct strbuf *b, const char *s)
{
	sb_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sb_printf(b, "\\%c", c);
		else if (c < 0x20)
			sb_printf(b, "\\u%04x", c);
		else
			sb_add(b, s, 1);
	}
	sb_add(b, "\"", 1);
}

void sb_free(struct strbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

char *sb_take(struct strbuf *b)
{
	if (b->oom) {
		sb_free(b);
		return NULL;
	}
	char *s = b->s ? b->s : try_strdup("");
	memset(b, 0, sizeof *b);
	return s;
}

char *sb_take_or_report(struct strbuf *b, struct diags *err, const char *what)
{
	size_t want = b->oom ? b->want : 1;
	char *s = sb_take(b);
	if (!s)
		diag_nomem(err, NULL, want, "%s", what);
	return s;
}
