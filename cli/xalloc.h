/* xalloc: the command's allocators, which end the program when memory runs
 * out.  The library never uses them (it returns allocation failures as
 * errors, base/alloc.h; tests/noabort checks its archives); the command and
 * the tests, for which there is nothing better to do, may. */
#ifndef TESSEL_XALLOC_H
#define TESSEL_XALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

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
