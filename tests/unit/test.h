/* A tiny test harness: ASSERT prints the expression that failed and where,
 * and the program exits 1 if any assertion failed. */
#ifndef TESSEL_TEST_H
#define TESSEL_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/file.h"
#include "cli/xalloc.h"
#include "hwdesc/hw.h"

static int test_failures;
static int test_checks;

#define ASSERT(cond)                                                                  \
	do {                                                                          \
		test_checks++;                                                        \
		if (!(cond)) {                                                        \
			test_failures++;                                              \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                     \
	} while (0)

#define ASSERT_EQ(a, b)                                                                          \
	do {                                                                                     \
		long long a_ = (long long)(a), b_ = (long long)(b);                              \
		test_checks++;                                                                   \
		if (a_ != b_) {                                                                  \
			test_failures++;                                                         \
			fprintf(stderr, "%s:%d: FAILED: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, \
				#a, #b, a_, b_);                                                 \
		}                                                                                \
	} while (0)

#define ASSERT_STR(a, b)                                                                         \
	do {                                                                                     \
		const char *a_ = (a), *b_ = (b);                                                 \
		test_checks++;                                                                   \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                              \
			test_failures++;                                                         \
			fprintf(stderr, "%s:%d: FAILED: %s == %s\n  got:      %s\n  expected: %s\n", \
				__FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
		}                                                                                \
	} while (0)

/* The built-in description; a test cannot go on without it. */
static inline void test_load_default(struct hw *hw)
{
	struct diags err = {0};
	if (hw_load_default(hw, &err)) {
		diag_print(&err, stderr);
		exit(1);
	}
	diag_free(&err);
}

/* A float's bits and back, for tests that compare values bit for bit. */
static inline uint32_t test_float_bits(float f)
{
	uint32_t b;
	memcpy(&b, &f, 4);
	return b;
}

static inline float test_bits_float(uint32_t b)
{
	float f;
	memcpy(&f, &b, 4);
	return f;
}

static inline int test_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
	return test_failures ? 1 : 0;
}

static inline const char *test_source_dir(void)
{
	const char *d = getenv("TESSEL_SOURCE_DIR");
	if (!d) {
		fprintf(stderr, "TESSEL_SOURCE_DIR is not set (run through ctest)\n");
		exit(1);
	}
	return d;
}

/* The example configurations, by file name without .yaml. */
static const char *const test_examples[] = {"vta-default", "edge-tiny", "server-wide", "dot-i8", "mma-fp16"};
enum { TEST_NEXAMPLES = 5 };

/* The description at REL (a printf format of NAME) under the source tree;
 * a test that cannot load it ends. */
static inline void test_load_hw(const char *rel, const char *name, struct hw *hw)
{
	char file[512], path[1024];
	snprintf(file, sizeof file, rel, name);
	snprintf(path, sizeof path, "%s/%s", test_source_dir(), file);
	struct diags err = {0};
	if (hw_load_file(path, hw, &err)) {
		diag_print(&err, stderr);
		fprintf(stderr, "cannot load %s\n", path);
		exit(1);
	}
	diag_free(&err);
}

static inline void test_load_example(const char *name, struct hw *hw)
{
	test_load_hw("examples/hw/%s.yaml", name, hw);
}

/* TEXT with every FROM replaced by TO, in a new string (descriptions
 * derived from an example's text). */
static inline char *test_replace(const char *text, const char *from, const char *to)
{
	size_t nf = strlen(from), nt = strlen(to), n = 0;
	for (const char *s = strstr(text, from); s; s = strstr(s + nf, from))
		n++;
	char *out = xmalloc(strlen(text) + n * nt + 1), *o = out;
	for (const char *s = text, *hit; *s; s = hit + nf) {
		if (!(hit = strstr(s, from))) {
			strcpy(o, s);
			return out;
		}
		memcpy(o, s, (size_t)(hit - s)), o += hit - s;
		memcpy(o, to, nt), o += nt;
	}
	*o = 0;
	return out;
}

/* The text of examples/hw/NAME.yaml. */
static inline char *test_example_text(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/examples/hw/%s.yaml", test_source_dir(), name);
	struct diags err = {0};
	char *text = file_read_text(path, FILE_HWDESC, &err);
	if (!text) {
		diag_print(&err, stderr);
		exit(1);
	}
	return text;
}

#endif
