/* alloc: the checked allocator, the library's only one.  Allocation failure
 * is an error the caller returns, naming what it was allocating
 * (diag_nomem); nothing in the library aborts for want of memory (the
 * aborting x* of cli/xalloc.h are the command's and the tests'; the
 * no_abort test checks the library's archives).  Every function here goes
 * through the fault hook (base/fault.h). */
#ifndef TESSEL_ALLOC_H
#define TESSEL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NULL when out of memory (a size of 0 allocates 1 byte). */
void *try_malloc(size_t n);
void *try_calloc(size_t n, size_t size); /* NULL too when n * size overflows */
char *try_strdup(const char *s);
char *try_strndup(const char *s, size_t n);
char *try_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Resizes *PP (any T **) to N * SIZE bytes: 0, or -1 with *PP unchanged. */
int try_resize(void *pp, size_t n, size_t size);
/* N zero bytes of fresh pages (mmap), for a device's DRAM: the pages are
 * only backed once written, and no allocator (not even the sanitizers')
 * clears or poisons them first, so opening a device with 1 GiB of DRAM
 * costs what the program touches.  NULL when out of memory; freed with
 * free_pages(p, N). */
void *try_alloc_pages(size_t n);
void free_pages(void *p, size_t n);

/* "cannot allocate N bytes for WHAT" as an error of FILE (NULL: none);
 * returns -1 for `return diag_nomem(...)`. */
int diag_nomem(struct diags *err, const char *file, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#ifdef __cplusplus
}
#endif

#endif
