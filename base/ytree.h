/* ytree: a YAML document as a small tree of nodes that keep where they were
 * written (libyaml's event parser underneath), and the checks of single
 * values that every loader makes (hardware descriptions, workloads), so
 * that every kind of file reports its mistakes alike: FILE:LINE:COL, what
 * was expected, what was found. */
#ifndef TESSEL_YTREE_H
#define TESSEL_YTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "dtype.h"

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

/* One YAML node.  We keep where it starts (1-based) so that every check,
 * however late, can point at the key or value it is about. */
struct ynode {
	enum ynode_kind kind;
	int line, col;
	/* Scalars: the text (NUL-terminated, but an escaped "\0" may hide a NUL
	 * inside: always use len), whether it was written plain (unquoted: only
	 * plain scalars can be numbers), and the column where its text starts
	 * when that is exact (single line, no escapes), else 0. */
	char *str;
	size_t len;
	bool plain;
	int text_col;
	/* Sequences: items.  Mappings: key, value, key, value, ... */
	int n;
	struct ynode **kid;
};

/* The kind of document a file holds, for the messages about the file as a
 * whole: an empty file ("expected a mapping with the KIND (KEYS)") or a
 * second document ("a KIND is exactly one document"). */
struct yt_doc {
	const char *kind; /* "hardware description", "workload" */
	const char *keys; /* its top-level keys, as a reminder: "name, seed, tensors, ops" */
};

/* Parses one YAML document.  NULL (with the errors in *err) on a syntax
 * error, an empty stream, several documents, an alias or a tag. */
struct ynode *yt_parse(const char *text, size_t len, const char *file, const struct yt_doc *doc, struct diags *err);
void yt_free(struct ynode *n);

/* Where the checks report: the error list and the file the nodes come from. */
struct yt_ctx {
	struct diags *err;
	const char *file;
};

void yt_error(struct yt_ctx *yt, const struct ynode *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void yt_error_lc(struct yt_ctx *yt, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* How a node reads in a message: 'text', the string "text", a sequence ... */
const char *yt_show(const struct ynode *n, char *buf, size_t size);

/* Checks that MAP is a mapping (else "expected a mapping for WHAT") whose keys
 * are unique scalars from KEYS; vals[i]/keys_at[i] get the value and key node
 * of keys[i] or NULL.  EXPECT, when not NULL, replaces the list of keys shown
 * for an unknown key.  False only when MAP is not a mapping. */
bool yt_fields(struct yt_ctx *yt, const struct ynode *map, const char *what, const char *ctx,
		const char *const *keys, int nkeys, const char *expect,
		const struct ynode **vals, const struct ynode **keys_at);
/* Checks the keys of a free-form mapping (dims, operands): scalars, unique. */
bool yt_key_ok(struct yt_ctx *yt, const struct ynode *map, int i, const char *ctx);
bool yt_require(struct yt_ctx *yt, const struct ynode *map, const struct ynode *val,
		 const char *key, const char *ctx);

/* Decimal digits only: 0 ok, 1 not an integer, 2 too large for 64 bits. */
int yt_parse_u64(const char *s, size_t len, uint64_t *out);
bool yt_uint(struct yt_ctx *yt, const struct ynode *n, const char *key, const char *ctx,
	      uint32_t min, uint32_t max, uint32_t *out);
/* A name: [A-Za-z_][A-Za-z0-9_.-]*, or [A-Za-z_][A-Za-z0-9_]* when C_IDENT
 * (names used inside intrinsic expressions), shorter than SIZE. */
bool yt_name(struct yt_ctx *yt, const struct ynode *n, const char *key, const char *ctx,
	      bool c_ident, size_t size, char *out);
bool yt_is_name(const char *s, size_t len, bool c_ident);
/* The value of the first "name" key of MAP if it is a valid name, for
 * messages about MAP ("scratchpad 'inp'") before its fields are checked. */
bool yt_peek_name(const struct ynode *map, size_t size, char *out);
/* A size in bytes: an integer, or "N B", "N KiB", "N MiB", "N GiB"; positive. */
bool yt_size(struct yt_ctx *yt, const struct ynode *n, const char *key, const char *ctx, uint64_t *out);
/* A positive decimal number such as 100, 312.5 or 1e3. */
bool yt_positive_number(const struct ynode *n, double *out);
/* The same, or 0. */
bool yt_nonnegative_number(const struct ynode *n, double *out);
/* One of WORDS (NULL entries skipped); WHAT names the kind in messages. */
bool yt_enum(struct yt_ctx *yt, const struct ynode *n, const char *what, const char *key,
	      const char *ctx, const char *const *words, int nwords, int *out);
bool yt_dtype(struct yt_ctx *yt, const struct ynode *n, const char *key, const char *ctx,
	       enum dtype *out);

#endif
