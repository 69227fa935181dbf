#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include "alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fault.h"

void *try_malloc(size_t n)
{
	if (fault_alloc())
		return NULL;
	return malloc(n ? n : 1);
}

void *try_calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	if (fault_alloc())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *try_alloc_pages(size_t n)
{
	if (fault_alloc())
		return NULL;
	void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void free_pages(void *p, size_t n)
{
	if (p)
		munmap(p, n ? n : 1);
}

char *try_strndup(const char *s, size_t n)
{
	char *p = try_malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

char *try_strdup(const char *s)
{
	return try_strndup(s, strlen(s));
}

char *try_asprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *s = n < 0 ? NULL : try_malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

int try_resize(void *pp, size_t n, size_t size)
{
	void *p;
	memcpy(&p, pp, sizeof p);
	if (size && n > SIZE_MAX / size)
		return -1;
	if (fault_alloc())
		return -1;
	size_t bytes = n * size;
	void *q = realloc(p, bytes ? bytes : 1);
	if (!q)
		return -1;
	memcpy(pp, &q, sizeof q);
	return 0;
}

int diag_nomem(struct diags *err, const char *file, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char what[256];
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	int had = err->n;
	diag_add(err, file, 0, 0, "cannot allocate %zu bytes for %s", n, what);
	if (err->n > had)
		err->v[had].nomem = true;
	return -1;
}
