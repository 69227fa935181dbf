/* file: whole-file reads for the inputs a user names. */
#ifndef TESSEL_FILE_H
#define TESSEL_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads PATH as text: NUL-terminated, and refused (with the offset) if it
 * holds a NUL byte, which no text input of ours may contain. */
char *file_read_text(const char *path, struct diags *err);
/* Writes TEXT to PATH ("-" is standard output). */
int file_write_text(const char *path, const char *text, struct diags *err);

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
