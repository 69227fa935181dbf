/* strbuf: a growing string, for building text (canonical YAML, listings).
 *
 * Growth never aborts: when memory runs out the buffer records it (oom),
 * further additions are dropped, and sb_take hands back NULL, so that a
 * function building text checks once, at the end, instead of after every
 * addition.  A buffer that is not taken is released with sb_free. */
#ifndef TESSEL_STRBUF_H
#define TESSEL_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct strbuf {
	char *s;   /* always NUL-terminated once anything was added */
	size_t len, cap;
	bool oom;  /* an addition failed (no memory, or text too long to format) */
	size_t want; /* the size that could not be had, for the message */
};

struct diags;

/* N bytes (binary data too: the buffer is a byte buffer that keeps a NUL
 * after them). */
void sb_add(struct strbuf *b, const void *s, size_t n);
/* V as N bytes, least significant first (base/le.h). */
void sb_add_le(struct strbuf *b, uint64_t v, int n);
void sb_puts(struct strbuf *b, const char *s);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* S as a JSON string literal, quotes included (control characters as \u00XX). */
void sb_json_string(struct strbuf *b, const char *s);
/* Hands the text to the caller ("" when nothing was added), or NULL, with
 * the buffer released, when an addition failed or "" cannot be allocated. */
char *sb_take(struct strbuf *b);
/* sb_take, and when that is NULL, "cannot allocate N bytes for WHAT" in ERR. */
char *sb_take_or_report(struct strbuf *b, struct diags *err, const char *what);
/* Releases the text; the buffer is empty again. */
void sb_free(struct strbuf *b);

#ifdef __cplusplus
}
#endif

#endif
