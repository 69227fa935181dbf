/* What the fuzz targets share.  Each target is one C file defining
 * LLVMFuzzerTestOneInput; it links either with libFuzzer (-DTESSEL_FUZZ=ON,
 * clang) or with replay.c, which feeds it every file of its corpus (the
 * normal test run).  An invariant that fails aborts, so both report it as a
 * crash with the message first.  See docs/fuzzing.md. */
#ifndef TESSEL_FUZZ_H
#define TESSEL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                         \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

/* The input as a NUL-terminated string (free it). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

/* Makes the current directory an empty one nothing can be made in, once:
 * for loaders that read files relative to it (a workload's data files, a
 * model's external data), so that a fuzzed input can neither read an
 * arbitrary file nor block on one. */
static inline void fuzz_enter_empty_dir(const char *target)
{
	static int done;
	if (done)
		return;
	done = 1;
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/tessel-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir) || chdir(dir)) {
		fprintf(stderr, "%s: ", target);
		perror("an empty directory");
		abort();
	}
	rmdir(dir); /* the directory stays as the cwd, empty, and nothing can be made in it */
}

#endif
