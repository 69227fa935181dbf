/* The YAML node tree (kept with every node's line and column) and the
 * loader state and value checks, shared by tree.c (YAML text -> tree),
 * value.c (checks of single values), load.c (the schema) and intrinsic.c
 * (intrinsics and their expressions).  The workload loader
 * (compiler/workload*.c) reads its YAML files with the same tree and checks,
 * so both kinds of file report errors alike; everything else uses hw.h. */
#ifndef TESSEL_HW_LOAD_H
#define TESSEL_HW_LOAD_H

#include <stddef.h>

#include "hw.h"

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

/* Parses one YAML document.  NULL (with the errors in *err) on a syntax
 * error, an empty stream, several documents, an alias or a tag. */
struct ynode *hwl_parse_yaml(const char *text, size_t len, const char *file, struct diags *err);
void hwl_free_yaml(struct ynode *n);

/* State of one load.  The flags say what later checks may rely on, so that one
 * mistake is reported once and not again by every check that depends on it. */
struct loader {
	struct hw *hw;
	struct diags *err;
	const char *file;
	bool names_known;  /* every level has a valid name: "no such buffer" is true */
	bool roles_known;  /* every scratchpad has a valid role, each role found */
	bool level_ok[HW_MAX_LEVELS]; /* every field valid, derived figures set */
};

void hwl_error(struct loader *L, const struct ynode *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hwl_error_lc(struct loader *L, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* How a node reads in a message: 'text', the string "text", a sequence ... */
const char *hwl_show(const struct ynode *n, char *buf, size_t size);

/* Checks that MAP is a mapping (else "expected a mapping for WHAT") whose keys
 * are unique scalars from KEYS; vals[i]/keys_at[i] get the value and key node
 * of keys[i] or NULL.  EXPECT, when not NULL, replaces the list of keys shown
 * for an unknown key.  False only when MAP is not a mapping. */
bool hwl_fields(struct loader *L, const struct ynode *map, const char *what, const char *ctx,
		const char *const *keys, int nkeys, const char *expect,
		const struct ynode **vals, const struct ynode **keys_at);
/* Checks the keys of a free-form mapping (dims, operands): scalars, unique. */
bool hwl_key_ok(struct loader *L, const struct ynode *map, int i, const char *ctx);
bool hwl_require(struct loader *L, const struct ynode *map, const struct ynode *val,
		 const char *key, const char *ctx);

/* Decimal digits only: 0 ok, 1 not an integer, 2 too large for 64 bits. */
int hwl_parse_u64(const char *s, size_t len, uint64_t *out);
bool hwl_uint(struct loader *L, const struct ynode *n, const char *key, const char *ctx,
	      uint32_t min, uint32_t max, uint32_t *out);
/* A name: [A-Za-z_][A-Za-z0-9_.-]*, or [A-Za-z_][A-Za-z0-9_]* when C_IDENT
 * (names used inside intrinsic expressions), shorter than SIZE. */
bool hwl_name(struct loader *L, const struct ynode *n, const char *key, const char *ctx,
	      bool c_ident, size_t size, char *out);
bool hwl_is_name(const char *s, size_t len, bool c_ident);
/* The value of the first "name" key of MAP if it is a valid name, for
 * messages about MAP ("scratchpad 'inp'") before its fields are checked. */
bool hwl_peek_name(const struct ynode *map, size_t size, char *out);
/* A size in bytes: an integer, or "N B", "N KiB", "N MiB", "N GiB"; positive. */
bool hwl_size(struct loader *L, const struct ynode *n, const char *key, const char *ctx, uint64_t *out);
/* A positive decimal number such as 100, 312.5 or 1e3. */
bool hwl_positive_number(const struct ynode *n, double *out);
/* One of WORDS (NULL entries skipped); WHAT names the kind in messages. */
bool hwl_enum(struct loader *L, const struct ynode *n, const char *what, const char *key,
	      const char *ctx, const char *const *words, int nwords, int *out);
bool hwl_dtype(struct loader *L, const struct ynode *n, const char *key, const char *ctx,
	       enum dtype *out);

void hwl_load_intrinsics(struct loader *L, const struct ynode *seq);

#endif
