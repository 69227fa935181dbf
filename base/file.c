#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *file_read_text(const char *path, struct diags *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		diag_add(err, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0)
			buf = xrealloc(buf, cap *= 2);
	}
	int failed = ferror(f);
	int saved = errno;
	fclose(f);
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
	FILE *f = fopen(path, "w");
	size_t len = strlen(text);
	int ok = f && fwrite(text, 1, len, f) == len;
	if (f && fclose(f))
		ok = 0;
	if (!ok)
		diag_add(err, path, 0, 0, "cannot write: %s", strerror(errno));
	return ok ? 0 : -1;
}
