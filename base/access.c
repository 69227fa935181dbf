/* access: the one parser of access statements (see access.h).
 *
 * A hand-written recursive descent over a length-bounded text: every rule
 * either consumes what it parses or records "expected WHAT, got GOT" with the
 * cursor on GOT, so the caller can put a caret under it. */
#include "access.h"
#include "diag.h"

#include <stdio.h>
#include <string.h>

struct cursor {
	const char *s;
	int len, pos;
	const struct acc_form *form;
	char *msg;
	size_t msgsize;
};

static bool name_start(char c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static bool name_rest(char c) { return name_start(c) || (c >= '0' && c <= '9'); }
static bool tensor_rest(const struct cursor *c, char ch)
{
	return name_rest(ch) || (c->form->dotted_names && (ch == '.' || ch == '-'));
}

static bool blank(const struct cursor *c, char ch)
{
	return ch == ' ' || ch == '\t' ||
	       (c->form->line_breaks && (ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f'));
}

static void skip_blanks(struct cursor *c)
{
	while (c->pos < c->len && blank(c, c->s[c->pos]))
		c->pos++;
}

static bool eat(struct cursor *c, const char *tok)
{
	int n = (int)strlen(tok);
	skip_blanks(c);
	if (c->len - c->pos < n || memcmp(c->s + c->pos, tok, (size_t)n))
		return false;
	c->pos += n;
	return true;
}

/* NAME: a letter or '_', then letters, digits or '_' (and '.' or '-' in a
 * tensor name when the form has dotted names). */
static bool name(struct cursor *c, struct acc_span *sp, bool tensor)
{
	skip_blanks(c);
	if (c->pos >= c->len || !name_start(c->s[c->pos]))
		return false;
	sp->off = c->pos++;
	while (c->pos < c->len && (tensor ? tensor_rest(c, c->s[c->pos]) : name_rest(c->s[c->pos])))
		c->pos++;
	sp->len = c->pos - sp->off;
	return true;
}

/* Records "expected WHAT, got <what is at the cursor>"; the cursor stays on it. */
static bool fail(struct cursor *c, const char *what)
{
	char got[48];
	skip_blanks(c);
	const char *s = c->s + c->pos;
	if (c->pos >= c->len) {
		snprintf(got, sizeof got, "the end of the expression");
	} else if (name_start(*s)) {
		int n = 1;
		while (c->pos + n < c->len && tensor_rest(c, s[n]))
			n++;
		snprintf(got, sizeof got, "'%.*s'", n > 32 ? 32 : n, s);
	} else if (*s > ' ' && *s < 0x7f) {
		snprintf(got, sizeof got, "'%c'", *s);
	} else if (utf8_length(s, c->len - c->pos) > 1) { /* as written: 'é' */
		snprintf(got, sizeof got, "'%.*s'", utf8_length(s, c->len - c->pos), s);
	} else {
		snprintf(got, sizeof got, "the character 0x%02x", (unsigned char)*s);
	}
	snprintf(c->msg, c->msgsize, "expected %s, got %s", what, got);
	return false;
}

/* access := NAME '[' NAME (',' NAME)* ']'
 * WHAT names the access: "the output operand", "the first input operand"... */
static bool parse_access(struct cursor *c, struct acc_ref *r, const char *what)
{
	char want[80];
	int max = c->form->max_rank < ACC_MAX_RANK ? c->form->max_rank : ACC_MAX_RANK;
	if (!name(c, &r->name, true)) {
		snprintf(want, sizeof want, "the name of %s", what);
		return fail(c, want);
	}
	if (!eat(c, "[")) {
		snprintf(want, sizeof want, "'[' after '%.*s'", r->name.len > 32 ? 32 : r->name.len, c->s + r->name.off);
		return fail(c, want);
	}
	r->rank = 0;
	for (;;) {
		if (!name(c, &r->idx[r->rank], false))
			return fail(c, "an index name");
		r->rank++;
		if (eat(c, "]"))
			return true;
		if (r->rank == max) {
			snprintf(want, sizeof want, "']' (an operand has at most %d ind%s)", max, max == 1 ? "ex" : "ices");
			return fail(c, want);
		}
		if (!eat(c, ","))
			return fail(c, "',' or ']' after an index");
	}
}

/* ASSIGN: one of the form's operators, in the order given. */
static bool parse_assign(struct cursor *c, int *assign)
{
	const struct acc_form *f = c->form;
	char want[160] = "";
	for (int i = 0; i < f->nassign; i++) {
		if (eat(c, f->assign[i])) {
			*assign = i;
			return true;
		}
	}
	for (int i = 0; i < f->nassign; i++)
		snprintf(want + strlen(want), sizeof want - strlen(want), "%s'%s'",
			 i == 0 ? "" : i + 1 == f->nassign ? " or " : ", ", f->assign[i]);
	snprintf(want + strlen(want), sizeof want - strlen(want), " after the output operand");
	return fail(c, want);
}

/* statement := access ASSIGN access ('*' access)? */
static bool parse_statement(struct cursor *c, struct acc_stmt *st)
{
	static const char *const input[] = {"the first input operand", "the second input operand"};
	const struct acc_form *f = c->form;
	char want[96];
	if (!parse_access(c, &st->out, "the output operand") || !parse_assign(c, &st->assign))
		return false;
	for (st->nin = 0;;) {
		if (!parse_access(c, &st->in[st->nin], input[st->nin]))
			return false;
		st->nin++;
		if (st->nin == f->max_inputs)
			break;
		if (eat(c, "*"))
			continue;
		if (st->nin < f->min_inputs)
			return fail(c, "'*' between the two input operands");
		skip_blanks(c);
		if (c->pos == c->len)
			return true;
		snprintf(want, sizeof want, "'*' or the end of the expression after %s", input[st->nin - 1]);
		return fail(c, want);
	}
	skip_blanks(c);
	if (c->pos < c->len) {
		snprintf(want, sizeof want, "the end of the expression after %s", input[st->nin - 1]);
		return fail(c, want);
	}
	return true;
}

int acc_parse(const char *text, int len, const struct acc_form *form, struct acc_stmt *st, int *err_off, char *msg,
	      size_t msgsize)
{
	struct cursor c = {.s = text, .len = len, .form = form, .msg = msg, .msgsize = msgsize};
	memset(st, 0, sizeof *st);
	if (parse_statement(&c, st))
		return 0;
	*err_off = c.pos;
	return -1;
}

bool acc_span_is(const char *text, struct acc_span a, const char *s)
{
	return strlen(s) == (size_t)a.len && !memcmp(text + a.off, s, (size_t)a.len);
}

bool acc_span_eq(const char *text, struct acc_span a, struct acc_span b)
{
	return a.len == b.len && !memcmp(text + a.off, text + b.off, (size_t)a.len);
}
