#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "fault.h"

static const struct {
	const char *what;
	uint64_t limit;
} kinds[FILE_KIND_COUNT] = {
#define FILE_KIND_ROW(k, what, limit) {what, limit},
	FILE_KINDS(FILE_KIND_ROW)
#undef FILE_KIND_ROW
};

const char *file_kind_name(enum file_kind kind)
{
	return kinds[kind].what;
}

uint64_t file_default_limit(enum file_kind kind)
{
	return kinds[kind].limit;
}

uint64_t file_limit(enum file_kind kind)
{
	const char *s = getenv(FILE_LIMIT_ENV);
	if (s && *s >= '0' && *s <= '9') {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(s, &end, 10);
		if (!*end && !errno && v > 0)
			return v;
	}
	return kinds[kind].limit;
}

static const char *special_name(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
	       : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

uint8_t *file_read_input(const char *path, enum file_kind kind, size_t *len, enum file_status *status, char *why,
			 size_t whysize)
{
	*len = 0;
	/* O_NONBLOCK: opening a FIFO for reading must not wait for a writer. */
	int fd = fault_file() ? (errno = EIO, -1) : open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*status = FILE_CANNOT_OPEN;
		snprintf(why, whysize, "%s", strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st)) {
		*status = FILE_CANNOT_READ;
		snprintf(why, whysize, "%s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		*status = FILE_NOT_REGULAR;
		snprintf(why, whysize, "%s; expected a regular file", special_name(st.st_mode));
		close(fd);
		return NULL;
	}
	uint64_t limit = file_limit(kind), size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	if (size > limit || size >= SIZE_MAX / 2) {
		*status = FILE_TOO_BIG;
		snprintf(why, whysize, "%llu bytes; at most %llu (set %s to raise the limit)", (unsigned long long)size,
			 (unsigned long long)limit, FILE_LIMIT_ENV);
		close(fd);
		return NULL;
	}
	/* A regular file: reads never block, so O_NONBLOCK changes nothing.  Read
	 * in chunks up to the size fstat gave, and one byte more to see whether
	 * the file grew since. */
	size_t cap = (size_t)size + 1, n = 0;
	uint8_t *buf = try_malloc(cap + 1);
	if (!buf) {
		*status = FILE_NO_MEMORY;
		snprintf(why, whysize, "cannot allocate %zu bytes to hold it", cap + 1);
		close(fd);
		return NULL;
	}
	for (;;) {
		size_t want = cap - n < ((size_t)1 << 20) ? cap - n : ((size_t)1 << 20);
		if (want == 0)
			break;
		ssize_t r = fault_file() ? (errno = EIO, -1) : read(fd, buf + n, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*status = FILE_CANNOT_READ;
			snprintf(why, whysize, "%s", strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > size) {
		*status = FILE_CHANGED;
		snprintf(why, whysize, "%llu bytes when opened, then more", (unsigned long long)size);
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	*status = FILE_OK;
	return buf;
}

/* The bytes of PATH (and a 0 after them), or NULL after reporting. */
static uint8_t *read_bounded(const char *path, enum file_kind kind, size_t *len, struct diags *err)
{
	enum file_status st;
	char why[160];
	uint8_t *buf = file_read_input(path, kind, len, &st, why, sizeof why);
	const char *what = kinds[kind].what;
	if (st == FILE_CANNOT_OPEN)
		diag_add(err, path, 0, 0, "cannot open the %s: %s", what, why);
	else if (st == FILE_CANNOT_READ)
		diag_add(err, path, 0, 0, "cannot read the %s: %s", what, why);
	else if (st == FILE_CHANGED)
		diag_add(err, path, 0, 0, "the %s changed while it was read: %s", what, why);
	else if (st == FILE_NO_MEMORY)
		diag_add(err, path, 0, 0, "the %s is too large for memory: %s", what, why);
	else if (st != FILE_OK)
		diag_add(err, path, 0, 0, "the %s is %s", what, why);
	return buf;
}

uint8_t *file_read_bytes(const char *path, enum file_kind kind, size_t *len, struct diags *err)
{
	*len = 0;
	return read_bounded(path, kind, len, err);
}

char *file_read_text(const char *path, enum file_kind kind, struct diags *err)
{
	size_t len;
	char *buf = (char *)read_bounded(path, kind, &len, err);
	if (!buf)
		return NULL;
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

char *file_sqlite_path(const char *path)
{
	return path[0] == '/' || path[0] == '.' ? try_strdup(path) : try_asprintf("./%s", path);
}
