#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fault.h"

char *file_read_text(const char *path, struct diags *err)
{
	FILE *f = file_open(path, "rb");
	if (!f) {
		diag_add(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	size_t len = 0, cap = 4096;
	char *buf = try_malloc(cap);
	size_t n;
	while (buf && (n = file_read(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0 && try_resize(&buf, cap *= 2, 1)) {
			free(buf);
			buf = NULL;
		}
	}
	if (!buf) {
		file_close(f);
		diag_nomem(err, path, cap, "the text of '%s'", path);
		return NULL;
	}
	int failed = file_error(f);
	int saved = errno;
	file_close(f);
	if (failed) {
		diag_add(err, path, 0, 0, "cannot read: %s", strerror(saved));
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	const char *nul = memchr(buf, 0, len);
	if (nul) {
		diag_add(err, path, 0, 0, "not a text file: NUL byte at offset %zu", (size_t)(nul - buf));
		free(buf);
		return NULL;
	}
	return buf;
}

int file_write_text(const char *path, const char *text, struct diags *err)
{
	if (!strcmp(path, "-"))
		return fputs(text, stdout) < 0 ? -1 : 0;
	FILE *f = file_open(path, "w");
	size_t len = strlen(text);
	int ok = f && file_write(text, 1, len, f) == len;
	if (f && file_close(f))
		ok = 0;
	if (!ok)
		diag_add(err, path, 0, 0, "cannot write: %s", strerror(errno));
	return ok ? 0 : -1;
}

/* ---- stdio through the fault hook ---------------------------------------- */

/* The stream an injected read or write failed on (one at a time). */
static FILE *failed_stream;

FILE *file_open(const char *path, const char *mode)
{
	if (fault_file()) {
		errno = EIO;
		return NULL;
	}
	return fopen(path, mode);
}

size_t file_read(void *buf, size_t size, size_t n, FILE *f)
{
	if (fault_file()) {
		failed_stream = f;
		errno = EIO;
		return 0;
	}
	return fread(buf, size, n, f);
}

size_t file_write(const void *buf, size_t size, size_t n, FILE *f)
{
	if (fault_file()) {
		failed_stream = f;
		errno = EIO;
		return 0;
	}
	return fwrite(buf, size, n, f);
}

int file_error(FILE *f)
{
	return ferror(f) || f == failed_stream;
}

int file_close(FILE *f)
{
	if (f == failed_stream)
		failed_stream = NULL;
	if (fault_file()) {
		fclose(f);
		errno = EIO;
		return EOF;
	}
	return fclose(f);
}
