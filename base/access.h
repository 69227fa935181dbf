/* access: the one parser of access statements, `OUT[i, j] += A[i, k] * B[k, j]`.
 *
 *   statement := access ASSIGN access ('*' access)?
 *   access    := NAME '[' NAME (',' NAME)* ']'
 *
 * An intrinsic's expr (hwdesc/) and a raw einsum (the IR) are both written
 * in it; each caller says what it accepts with a struct acc_form (the
 * assignment operators, how many inputs, how many indices per access, which
 * characters a tensor name may hold).  Names come back as spans of the text,
 * so a caller can point at any of them; an error comes back as an offset
 * into the text and "expected WHAT, got GOT". */
#ifndef TESSEL_ACCESS_H
#define TESSEL_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

enum { ACC_MAX_RANK = 8 }; /* indices of one access, whatever the form */

struct acc_span { /* a name, as offsets into the text */
	int off, len;
};

struct acc_ref { /* NAME[i, j, ...] */
	struct acc_span name;
	int rank;
	struct acc_span idx[ACC_MAX_RANK];
};

struct acc_form { /* what one caller accepts */
	const char *const *assign; /* the assignment operators, e.g. {"+="} or {"+=", "max="} */
	int nassign;
	int min_inputs, max_inputs; /* 1 <= min_inputs <= max_inputs <= 2 */
	int max_rank;               /* indices per access, 1..ACC_MAX_RANK */
	bool dotted_names;          /* tensor names may also hold '.' and '-' after the first character */
	bool line_breaks;           /* blanks are all of isspace(), not only ' ' and '\t' */
};

struct acc_stmt {
	struct acc_ref out;
	int assign; /* index into form->assign */
	int nin;
	struct acc_ref in[2];
};

/* Parses LEN characters of TEXT: 0, or -1 with *ERR_OFF the offset of what
 * was found instead (past any blanks) and MSG "expected WHAT, got GOT". */
int acc_parse(const char *text, int len, const struct acc_form *form, struct acc_stmt *st, int *err_off, char *msg,
	      size_t msgsize);

/* Whether span A of TEXT spells S / the same name as span B. */
bool acc_span_is(const char *text, struct acc_span a, const char *s);
bool acc_span_eq(const char *text, struct acc_span a, struct acc_span b);

#endif
