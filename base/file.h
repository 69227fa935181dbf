/* file: whole-file reads for the inputs a user names. */
#ifndef TESSEL_FILE_H
#define TESSEL_FILE_H

#include <stddef.h>

#include "diag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads PATH as text: NUL-terminated, and refused (with the offset) if it
 * holds a NUL byte, which no text input of ours may contain. */
char *file_read_text(const char *path, struct diags *err);
/* Writes TEXT to PATH ("-" is standard output). */
int file_write_text(const char *path, const char *text, struct diags *err);

#ifdef __cplusplus
}
#endif

#endif
