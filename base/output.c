#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"

/* The temporary beside PATH: PATH's directory, so that rename stays on one
 * file system. */
static char *temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dir = slash ? (int)(slash - path) + 1 : 0;
	return try_asprintf("%.*s.%s.tmpXXXXXX", dir, path, base);
}

FILE *out_open(struct out_file *o, const char *path, struct diags *err)
{
	memset(o, 0, sizeof *o);
	if (!(o->path = try_strdup(path))) {
		diag_nomem(err, path, strlen(path) + 1, "the name of an output");
		return NULL;
	}
	if (!strcmp(path, "-")) {
		o->f = stdout;
		return o->f;
	}
	struct stat sb;
	if (!stat(path, &sb) && !S_ISREG(sb.st_mode)) {
		if (S_ISDIR(sb.st_mode)) {
			diag_add(err, path, 0, 0, "cannot write: it is a directory; expected a file name");
			goto fail;
		}
		if (!(o->f = fopen(path, "wb"))) { /* a device or a pipe: written in place */
			diag_add(err, path, 0, 0, "cannot write: %s", strerror(errno));
			goto fail;
		}
		return o->f;
	}
	if (!(o->tmp = temp_name(path))) {
		diag_nomem(err, path, strlen(path) + 16, "the name of a temporary file beside it");
		goto fail;
	}
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		diag_add(err, path, 0, 0, "cannot write: cannot create a temporary file beside it: %s", strerror(errno));
		goto fail;
	}
	/* the mode a plain fopen would give (mkstemp's is 0600) */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) || !(o->f = fdopen(fd, "wb"))) {
		diag_add(err, path, 0, 0, "cannot write: %s", strerror(errno));
		close(fd);
		unlink(o->tmp);
		goto fail;
	}
	return o->f;
fail:
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
	return NULL;
}

const char *out_detach(struct out_file *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	o->f = NULL;
	return o->tmp ? o->tmp : o->path;
}

static void release(struct out_file *o)
{
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
}

int out_commit(struct out_file *o, struct diags *err)
{
	if (!o->path)
		return -1;
	int ok = 1, saved = 0;
	if (o->f == stdout) {
		ok = fflush(stdout) == 0 && !ferror(stdout);
		saved = errno;
	} else if (o->f) {
		ok = fflush(o->f) == 0 && !ferror(o->f);
		saved = errno;
		if (fclose(o->f) && ok)
			ok = 0, saved = errno;
	}
	o->f = NULL;
	if (ok && o->tmp && rename(o->tmp, o->path))
		ok = 0, saved = errno;
	if (!ok) {
		diag_add(err, strcmp(o->path, "-") ? o->path : "standard output", 0, 0, "cannot write: %s",
			 strerror(saved ? saved : EIO));
		if (o->tmp)
			unlink(o->tmp);
	}
	release(o);
	return ok ? 0 : -1;
}

void out_abort(struct out_file *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	release(o);
}

int out_write(const char *path, const void *data, size_t n, struct diags *err)
{
	struct out_file o;
	FILE *f = out_open(&o, path, err);
	if (!f)
		return -1;
	if (n && fwrite(data, 1, n, f) != n) {
		if (o.f == stdout) /* reported at exit, with everything else written there */
			return release(&o), -1;
		diag_add(err, path, 0, 0, "cannot write: %s", strerror(errno));
		out_abort(&o);
		return -1;
	}
	if (o.f == stdout) { /* flushed and checked at exit */
		release(&o);
		return 0;
	}
	return out_commit(&o, err);
}

int out_write_text(const char *path, const char *text, struct diags *err)
{
	return out_write(path, text, strlen(text), err);
}

bool out_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return a && b && strcmp(a, "-") && strcmp(b, "-") && !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

bool out_clash(const char *a, const char *b)
{
	struct stat sa;
	if (!a || !b || !strcmp(a, "-") || (!stat(a, &sa) && !S_ISREG(sa.st_mode)))
		return false;
	return !strcmp(a, b) || out_same_file(a, b);
}

int out_close_stdout(const char *prog)
{
	errno = 0;
	int bad = fflush(stdout) != 0;
	int saved = errno;
	bad |= ferror(stdout) != 0;
	if (fclose(stdout) && !bad)
		bad = 1, saved = errno;
	if (bad)
		fprintf(stderr, "%s: error: cannot write standard output: %s\n", prog, strerror(saved ? saved : EIO));
	return bad ? -1 : 0;
}

void out_json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
