/* file: bounded whole-file reads for the inputs a user names, and writes.
 *
 * Every input is a regular file of a known kind with a size limit
 * (docs/cli.md, "Input limits"): the file is checked with fstat before a
 * byte is read, then read in chunks, never past the limit.  FIFOs,
 * character devices, directories and other special files are refused
 * without blocking (the file is opened with O_NONBLOCK). */
#ifndef TESSEL_FILE_H
#define TESSEL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds of input files; each has its own default limit. */
#define FILE_KINDS(X)                                                        \
	X(FILE_HWDESC, "hardware description", 1ull << 20)                   \
	X(FILE_WORKLOAD, "workload", 16ull << 20)                            \
	X(FILE_ASM, "assembly source", 64ull << 20)                          \
	X(FILE_TSP, "program", 4ull << 30)                                   \
	X(FILE_ONNX, "ONNX model", 2ull << 30)                               \
	X(FILE_DATA, "data file", (1ull << 30) + (1ull << 20))               \
	X(FILE_SWEEP, "sweep file", 1ull << 20)

enum file_kind {
#define FILE_KIND_ENUM(k, what, limit) k,
	FILE_KINDS(FILE_KIND_ENUM)
#undef FILE_KIND_ENUM
	FILE_KIND_COUNT
};

/* The environment variable that, set to a number of bytes, replaces every
 * kind's default limit. */
#define FILE_LIMIT_ENV "TESSEL_MAX_INPUT_BYTES"

/* What a file of KIND is called in messages ("hardware description"). */
const char *file_kind_name(enum file_kind kind);
/* The built-in limit of KIND, in bytes. */
uint64_t file_default_limit(enum file_kind kind);
/* The limit in force: $TESSEL_MAX_INPUT_BYTES when it is set to a positive
 * number, else the default. */
uint64_t file_limit(enum file_kind kind);

/* How a read went; WHY (below) says the rest. */
enum file_status {
	FILE_OK,
	FILE_CANNOT_OPEN, /* why: strerror */
	FILE_CANNOT_READ, /* why: strerror */
	FILE_NOT_REGULAR, /* why: "a FIFO; expected a regular file" */
	FILE_TOO_BIG,     /* why: "N bytes; at most M (set ...)" */
	FILE_CHANGED,     /* why: "N bytes when opened, then more" */
	FILE_NO_MEMORY,   /* why: "cannot allocate N bytes to hold it" */
};
/* The reader under the two below, for a caller that words its own errors
 * (a workload's data file is reported at its line:col): the bytes of PATH
 * and a 0 after them, or NULL with *STATUS set and the reason, without the
 * file's name, in WHY.  Nothing is reported. */
uint8_t *file_read_input(const char *path, enum file_kind kind, size_t *len, enum file_status *status, char *why,
			 size_t whysize);

/* Reads PATH, a file of KIND, as text: NUL-terminated, and refused (with the
 * offset) if it holds a NUL byte, which no text input of ours may contain. */
char *file_read_text(const char *path, enum file_kind kind, struct diags *err);
/* Reads PATH, a file of KIND, as bytes; *LEN is set to its size.  The buffer
 * holds one byte more, a 0 (a buffer is returned for an empty file too). */
uint8_t *file_read_bytes(const char *path, enum file_kind kind, size_t *len, struct diags *err);
/* Writes TEXT to PATH ("-" is standard output). */
int file_write_text(const char *path, const char *text, struct diags *err);

/* PATH spelled so that SQLite opens the file it names: a relative path
 * from "./" (SQLite reads "file:..." as a URI and ":memory:" as no file at
 * all).  A new string, or NULL when memory runs out. */
char *file_sqlite_path(const char *path);

/* stdio through the fault hook (base/fault.h): every file operation of the
 * library goes through these, so that a test can make the Nth one fail.  An
 * injected failure sets errno to EIO and, for reads and writes, makes
 * file_error(F) true until the file is closed. */
FILE *file_open(const char *path, const char *mode);
size_t file_read(void *buf, size_t size, size_t n, FILE *f);
size_t file_write(const void *buf, size_t size, size_t n, FILE *f);
int file_close(FILE *f);
int file_error(FILE *f);

#ifdef __cplusplus
}
#endif

#endif
