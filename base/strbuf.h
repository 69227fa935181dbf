/* strbuf: a growing string, for building text (canonical YAML, listings). */
#ifndef TESSEL_STRBUF_H
#define TESSEL_STRBUF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct strbuf {
	char *s;   /* always NUL-terminated once anything was added */
	size_t len, cap;
};

void sb_add(struct strbuf *b, const char *s, size_t n);
void sb_puts(struct strbuf *b, const char *s);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* S as a JSON string literal, quotes included (control characters as \u00XX). */
void sb_json_string(struct strbuf *b, const char *s);
/* Hands the text to the caller ("" when nothing was added). */
char *sb_take(struct strbuf *b);

#ifdef __cplusplus
}
#endif

#endif
