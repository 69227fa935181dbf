/* Intrinsics: `OUT[i, j] += A[i, k] * B[j, k]` with the size of each
 * dimension, the buffer and dtype of each operand, a latency and an
 * initiation interval.
 *
 * The expression is parsed by hand (it is tiny) and every error in it points
 * at the column inside the expression string.  Then it is checked against
 * the memory: the output accumulates in the accumulator scratchpad, one
 * input comes from the input scratchpad and the other from the weight
 * scratchpad (stored as `a` and `b` whatever the order written), the
 * accumulator is wide enough, and each operand's tile is a whole number of
 * buffer elements that fits the buffer. */
#include "load.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const intrinsic_keys[] = {
	"name", "expr", "dims", "operands", "latency", "initiation_interval",
};
enum { IN_NAME, IN_EXPR, IN_DIMS, IN_OPERANDS, IN_LATENCY, IN_II, IN_COUNT };

/* Mnemonics of the instructions every machine has (isa/isa.h ISA_CLASSES);
 * an intrinsic's name is the mnemonic of its instruction. */
static const char *const reserved_names[] = {"sync", "load", "store", "alu", "finish"};

/* Entries of 'operands' looked at; an intrinsic uses three. */
enum { MAX_DECLS = 8 };

static const char form[] = "the form is OUT[i, ...] += A[...] * B[...]";

struct ref { /* a name inside the expr text */
	int off, len;
};

struct access { /* NAME[i, j, ...] in the expr */
	struct ref name;
	int rank;
	struct ref idx[HW_MAX_RANK];
	int dim[HW_MAX_RANK]; /* index into the dims, -1 if not one */
	int decl;             /* entry of 'operands', -1 if none */
	bool placed;          /* in the right kind of scratchpad */
};

struct decl { /* one entry of 'operands' */
	const struct ynode *key, *val, *buffer, *dtype_node;
	int level; /* -1 if the buffer is not a level */
	bool dtype_ok;
	enum dtype dtype;
	bool used;
};

/* What the checks of one intrinsic share. */
struct intr {
	struct loader *L;
	struct hw_intrinsic *in;
	char ctx[64];
	const struct ynode *expr;
	struct access acc[3]; /* output, first input, second input as written */
	bool dim_names_ok, dim_sizes_ok, decls_ok;
	const struct ynode *dims, *dim_key[HW_MAX_DIMS];
	int ndecls;
	struct decl decl[MAX_DECLS];
};

/* ---- the expression ---------------------------------------------------- */

struct cursor {
	const char *s;
	int len, pos;
	char err[160]; /* what was expected, when parsing failed */
};

static bool name_start(char c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static bool name_rest(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

static void skip_space(struct cursor *c)
{
	while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t'))
		c->pos++;
}

static bool eat(struct cursor *c, char ch)
{
	skip_space(c);
	if (c->pos < c->len && c->s[c->pos] == ch) {
		c->pos++;
		return true;
	}
	return false;
}

static bool ident(struct cursor *c, struct ref *r)
{
	skip_space(c);
	if (c->pos >= c->len || !name_start(c->s[c->pos]))
		return false;
	r->off = c->pos;
	while (c->pos < c->len && name_rest(c->s[c->pos]))
		c->pos++;
	r->len = c->pos - r->off;
	return true;
}

/* Records "expected WHAT, got <what is at the cursor>". */
static bool fail(struct cursor *c, const char *what)
{
	char got[48];
	skip_space(c);
	const char *s = c->s + c->pos;
	if (c->pos >= c->len) {
		snprintf(got, sizeof got, "the end of the expression");
	} else if (name_start(*s)) {
		int n = 0;
		while (c->pos + n < c->len && name_rest(s[n]))
			n++;
		snprintf(got, sizeof got, "'%.*s'", n > 32 ? 32 : n, s);
	} else if (*s > ' ' && *s < 0x7f) {
		snprintf(got, sizeof got, "'%c'", *s);
	} else {
		snprintf(got, sizeof got, "the character 0x%02x", (unsigned char)*s);
	}
	snprintf(c->err, sizeof c->err, "expected %s, got %s", what, got);
	return false;
}

/* access := NAME '[' INDEX (',' INDEX)* ']' */
static bool parse_access(struct cursor *c, struct access *a, const char *what)
{
	char want[64];
	if (!ident(c, &a->name)) {
		snprintf(want, sizeof want, "the name of %s", what);
		return fail(c, want);
	}
	if (!eat(c, '[')) {
		snprintf(want, sizeof want, "'[' after '%.*s'", a->name.len > 32 ? 32 : a->name.len,
			 c->s + a->name.off);
		return fail(c, want);
	}
	a->rank = 0;
	for (;;) {
		if (!ident(c, &a->idx[a->rank]))
			return fail(c, "an index name");
		a->rank++;
		if (eat(c, ']'))
			return true;
		if (a->rank == HW_MAX_RANK)
			return fail(c, "']' (an operand has at most 4 indices)");
		if (!eat(c, ','))
			return fail(c, "',' or ']' after an index");
	}
}

/* expr := access '+=' access '*' access */
static bool parse_expr(struct cursor *c, struct access acc[3])
{
	if (!parse_access(c, &acc[0], "the output operand"))
		return false;
	skip_space(c);
	if (c->pos + 1 >= c->len || c->s[c->pos] != '+' || c->s[c->pos + 1] != '=')
		return fail(c, "'+=' after the output operand");
	c->pos += 2;
	if (!parse_access(c, &acc[1], "the first input operand"))
		return false;
	if (!eat(c, '*'))
		return fail(c, "'*' between the two input operands");
	if (!parse_access(c, &acc[2], "the second input operand"))
		return false;
	skip_space(c);
	if (c->pos < c->len)
		return fail(c, "the end of the expression after the second input operand");
	return true;
}

/* An error about the text at OFF inside the expr: its exact column when the
 * scalar's text maps one to one onto the line, else the scalar's start. */
static void expr_error(struct intr *I, int off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void expr_error(struct intr *I, int off, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const struct ynode *e = I->expr;
	yt_error_lc(&I->L->yt, e->line, e->text_col ? e->text_col + off : e->col, "%s", msg);
}

static const char *text(const struct intr *I, const struct ref *r) { return I->expr->str + r->off; }

static bool same_ref(const struct intr *I, const struct ref *a, const struct ref *b)
{
	return a->len == b->len && !memcmp(text(I, a), text(I, b), (size_t)a->len);
}

static bool ref_is(const struct intr *I, const struct ref *r, const char *s)
{
	return strlen(s) == (size_t)r->len && !memcmp(text(I, r), s, (size_t)r->len);
}

/* ---- dims and operands ------------------------------------------------- */

/* Dims and operands are named inside the expr, so their names are C-like. */
static bool expr_name(struct intr *I, const struct ynode *n, const char *what, char *out)
{
	char b[80];
	if (n->kind == YN_SCALAR && yt_is_name(n->str, n->len, true) && n->len < HW_NAME_MAX) {
		memcpy(out, n->str, n->len + 1);
		return true;
	}
	if (n->kind == YN_SCALAR && yt_is_name(n->str, n->len, true))
		yt_error(&I->L->yt, n, "expected a %s of at most %d characters in %s, got %s (%zu characters)", what,
			  HW_NAME_MAX - 1, I->ctx, yt_show(n, b, sizeof b), n->len);
	else
		yt_error(&I->L->yt, n, "expected a %s in %s (a letter or '_', then letters, digits or '_'), got %s",
			  what, I->ctx, yt_show(n, b, sizeof b));
	return false;
}

/* dims := { NAME: SIZE, ... } */
static void load_dims(struct intr *I, const struct ynode *n)
{
	struct hw_intrinsic *in = I->in;
	char b[80], ctx[96];
	I->dims = n;
	if (n->kind != YN_MAP || n->n == 0) {
		yt_error(&I->L->yt, n, "expected a mapping of dimension names to sizes for 'dims' in %s, got %s%s", I->ctx,
			  yt_show(n, b, sizeof b), n->kind == YN_MAP ? " that is empty" : "");
		I->dim_names_ok = I->dim_sizes_ok = false;
		return;
	}
	snprintf(ctx, sizeof ctx, "'dims' of %s", I->ctx);
	for (int i = 0; i + 1 < n->n; i += 2) {
		if (!yt_key_ok(&I->L->yt, n, i, ctx)) {
			I->dim_names_ok = false;
			continue;
		}
		if (in->ndims == HW_MAX_DIMS) {
			yt_error(&I->L->yt, n->kid[i], "too many dims in %s: at most %d", I->ctx, HW_MAX_DIMS);
			I->dim_names_ok = I->dim_sizes_ok = false;
			return;
		}
		int d = in->ndims++;
		I->dim_key[d] = n->kid[i];
		if (!expr_name(I, n->kid[i], "dimension name", in->dim_name[d]))
			I->dim_names_ok = false;
		if (!yt_uint(&I->L->yt, n->kid[i + 1], in->dim_name[d][0] ? in->dim_name[d] : "dims", ctx, 1,
			      UINT32_MAX, &in->dim_size[d]))
			I->dim_sizes_ok = false;
	}
}

static int find_level(const struct hw *hw, const char *name)
{
	for (int i = 0; i < hw->nlevels; i++)
		if (!strcmp(hw->level[i].name, name))
			return i;
	return -1;
}

/* One entry of operands: NAME: {buffer: LEVEL, dtype: DTYPE} */
static void load_decl(struct intr *I, struct decl *d, char *name)
{
	static const char *const keys[] = {"buffer", "dtype"};
	const struct ynode *v[2], *k[2];
	char ctx[112], lname[HW_NAME_MAX], b[80];
	struct hw *hw = I->L->hw;
	d->level = -1;
	if (!expr_name(I, d->key, "operand name", name)) {
		I->decls_ok = false;
		snprintf(ctx, sizeof ctx, "an operand of %s", I->ctx);
	} else {
		snprintf(ctx, sizeof ctx, "operand '%s' of %s", name, I->ctx);
	}
	if (!yt_fields(&I->L->yt, d->val, ctx, ctx, keys, 2, NULL, v, k))
		return;
	if (yt_require(&I->L->yt, d->val, v[0], "buffer", ctx) &&
	    yt_name(&I->L->yt, v[0], "buffer", ctx, false, HW_NAME_MAX, lname)) {
		d->buffer = v[0];
		d->level = find_level(hw, lname);
		if (d->level < 0 && I->L->names_known) {
			char list[HW_MAX_LEVELS * (HW_NAME_MAX + 2)] = "";
			for (int i = 0; i < hw->nlevels; i++)
				if (hw->level[i].role != HW_ROLE_SHARED)
					snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
						 list[0] ? ", " : "", hw->level[i].name);
			yt_error(&I->L->yt, v[0], "unknown buffer %s for %s; the scratchpads are: %s",
				  yt_show(v[0], b, sizeof b), ctx, list);
		}
	}
	d->dtype_node = v[1];
	d->dtype_ok = yt_require(&I->L->yt, d->val, v[1], "dtype", ctx) && yt_dtype(&I->L->yt, v[1], "dtype", ctx, &d->dtype);
}

/* operands := { NAME: {buffer, dtype}, ... } */
static void load_operands(struct intr *I, const struct ynode *n)
{
	char b[80], ctx[96];
	if (n->kind != YN_MAP) {
		yt_error(&I->L->yt, n, "expected a mapping of operand names to {buffer, dtype} for 'operands' in %s, got %s",
			  I->ctx, yt_show(n, b, sizeof b));
		I->decls_ok = false;
		return;
	}
	snprintf(ctx, sizeof ctx, "'operands' of %s", I->ctx);
	for (int i = 0; i + 1 < n->n; i += 2) {
		if (!yt_key_ok(&I->L->yt, n, i, ctx)) {
			I->decls_ok = false;
			continue;
		}
		if (I->ndecls == MAX_DECLS) {
			yt_error(&I->L->yt, n->kid[i], "too many operands in %s: it has three, the output and two inputs",
				  I->ctx);
			I->decls_ok = false;
			return;
		}
		struct decl *d = &I->decl[I->ndecls++];
		char name[HW_NAME_MAX] = "";
		d->key = n->kid[i];
		d->val = n->kid[i + 1];
		load_decl(I, d, name);
	}
}

/* ---- the expression against dims, operands and buffers ----------------- */

static int find_decl(const struct intr *I, const struct ref *r)
{
	for (int i = 0; i < I->ndecls; i++) {
		const struct ynode *k = I->decl[i].key;
		if (k->len == (size_t)r->len && !memcmp(k->str, text(I, r), k->len))
			return i;
	}
	return -1;
}

static void declared_list(const struct intr *I, char *buf, size_t size)
{
	buf[0] = 0;
	for (int i = 0; i < I->ndecls; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? ", " : "", I->decl[i].key->str);
}

/* Each operand of the expr is declared, and used once. */
static void check_operand_names(struct intr *I)
{
	char list[MAX_DECLS * (HW_NAME_MAX + 2) + 1];
	declared_list(I, list, sizeof list);
	for (int k = 0; k < 3; k++) {
		struct access *a = &I->acc[k];
		a->decl = find_decl(I, &a->name);
		if (a->decl < 0 && I->decls_ok)
			expr_error(I, a->name.off, "operand '%.*s' in the expr of %s is not declared under 'operands' (%s)",
				   a->name.len, text(I, &a->name), I->ctx, list);
		if (a->decl >= 0)
			I->decl[a->decl].used = true;
		if (k > 0 && same_ref(I, &a->name, &I->acc[0].name)) {
			expr_error(I, a->name.off, "operand '%.*s' is both the output and an input of %s",
				   a->name.len, text(I, &a->name), I->ctx);
			a->decl = -1;
		} else if (k == 2 && same_ref(I, &a->name, &I->acc[1].name)) {
			expr_error(I, a->name.off, "operand '%.*s' is used for both inputs of %s; the inputs must be two different operands",
				   a->name.len, text(I, &a->name), I->ctx);
			a->decl = -1;
		}
	}
}

static void dims_list(const struct hw_intrinsic *in, char *buf, size_t size)
{
	buf[0] = 0;
	for (int d = 0; d < in->ndims; d++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", d ? ", " : "", in->dim_name[d]);
}

static bool in_access(const struct intr *I, const struct access *a, const struct ref *r)
{
	for (int i = 0; i < a->rank; i++)
		if (same_ref(I, &a->idx[i], r))
			return true;
	return false;
}

/* Each index is a dimension, once per operand; each output index comes from
 * an input (else the output would be a broadcast the hardware cannot do). */
static void check_indices(struct intr *I)
{
	char list[HW_MAX_DIMS * (HW_NAME_MAX + 2) + 1];
	dims_list(I->in, list, sizeof list);
	for (int k = 0; k < 3; k++) {
		struct access *a = &I->acc[k];
		for (int i = 0; i < a->rank; i++) {
			const struct ref *r = &a->idx[i];
			a->dim[i] = -1;
			for (int d = 0; d < I->in->ndims; d++)
				if (ref_is(I, r, I->in->dim_name[d]))
					a->dim[i] = d;
			if (a->dim[i] < 0 && I->dim_names_ok)
				expr_error(I, r->off, "index '%.*s' of operand '%.*s' is not one of the dims of %s (%s)",
					   r->len, text(I, r), a->name.len, text(I, &a->name), I->ctx, list);
			for (int j = 0; j < i; j++) {
				if (same_ref(I, &a->idx[j], r)) {
					expr_error(I, r->off, "index '%.*s' appears twice in operand '%.*s' of %s",
						   r->len, text(I, r), a->name.len, text(I, &a->name), I->ctx);
					a->dim[i] = -1;
					break;
				}
			}
		}
	}
	const struct access *out = &I->acc[0];
	for (int i = 0; i < out->rank; i++) {
		const struct ref *r = &out->idx[i];
		if (!in_access(I, &I->acc[1], r) && !in_access(I, &I->acc[2], r))
			expr_error(I, r->off,
				   "output index '%.*s' of %s appears in neither input; each output index must come from an input",
				   r->len, text(I, r), I->ctx);
	}
}

/* Every declared dim and operand appears in the expr. */
static void check_unused(struct intr *I)
{
	struct hw_intrinsic *in = I->in;
	for (int d = 0; d < in->ndims; d++) {
		bool used = false;
		for (int k = 0; k < 3; k++)
			for (int i = 0; i < I->acc[k].rank; i++)
				used |= ref_is(I, &I->acc[k].idx[i], in->dim_name[d]);
		if (!used && in->dim_name[d][0]) {
			yt_error(&I->L->yt, I->dim_key[d], "dimension '%s' of %s is not used in its expr", in->dim_name[d],
				  I->ctx);
			I->dim_sizes_ok = false; /* macs would count it */
		}
	}
	for (int i = 0; i < I->ndecls; i++) {
		char b[80];
		if (!I->decl[i].used)
			yt_error(&I->L->yt, I->decl[i].key, "operand %s of %s is not used in its expr",
				  yt_show(I->decl[i].key, b, sizeof b), I->ctx);
	}
}

/* "the input scratchpad 'inp'", "the shared level 'gbuf'" */
static const char *level_phrase(const struct hw *hw, int l, char *buf, size_t size)
{
	const struct hw_level *lv = &hw->level[l];
	if (lv->role == HW_ROLE_SHARED)
		snprintf(buf, size, "the shared level '%s'", lv->name);
	else
		snprintf(buf, size, "the %s scratchpad '%s'", lv->role == HW_ROLE_UOP ? "micro-op" : hw_role_name(lv->role),
			 lv->name);
	return buf;
}

/* The output accumulates in the accumulator; one input is in the input
 * scratchpad, the other in the weight scratchpad. */
static void check_buffers(struct intr *I)
{
	const struct hw *hw = I->L->hw;
	int inp = hw->role_level[HW_ROLE_INPUT], wgt = hw->role_level[HW_ROLE_WEIGHT];
	int acc = hw->role_level[HW_ROLE_ACCUMULATOR];
	if (!I->L->roles_known || inp < 0 || wgt < 0 || acc < 0)
		return;
	char p[80];
	for (int k = 0; k < 3; k++) {
		struct access *a = &I->acc[k];
		if (a->decl < 0 || I->decl[a->decl].level < 0)
			continue;
		const struct decl *d = &I->decl[a->decl];
		if (k == 0 && d->level != acc) {
			yt_error(&I->L->yt, d->buffer, "the output operand '%s' of %s must be in the accumulator scratchpad '%s', not in %s",
				  d->key->str, I->ctx, hw->level[acc].name, level_phrase(hw, d->level, p, sizeof p));
		} else if (k > 0 && d->level != inp && d->level != wgt) {
			yt_error(&I->L->yt, d->buffer,
				  "the input operand '%s' of %s must be in the input scratchpad '%s' or the weight scratchpad '%s', not in %s",
				  d->key->str, I->ctx, hw->level[inp].name, hw->level[wgt].name,
				  level_phrase(hw, d->level, p, sizeof p));
		} else if (k == 2 && I->acc[1].placed && I->decl[I->acc[1].decl].level == d->level) {
			yt_error(&I->L->yt, d->buffer,
				  "both inputs of %s are in '%s'; one must be in the input scratchpad '%s' and the other in the weight scratchpad '%s'",
				  I->ctx, hw->level[d->level].name, hw->level[inp].name, hw->level[wgt].name);
		} else {
			a->placed = true;
		}
	}
}

/* Each operand's dtype is its buffer's; the accumulator keeps every bit of a
 * product (integers) or is at least as precise as the inputs (floats). */
static void check_dtypes(struct intr *I)
{
	const struct loader *L = I->L;
	for (int k = 0; k < 3; k++) {
		const struct access *a = &I->acc[k];
		if (!a->placed || !L->level_ok[I->decl[a->decl].level] || !I->decl[a->decl].dtype_ok)
			continue;
		const struct decl *d = &I->decl[a->decl];
		const struct hw_level *lv = &L->hw->level[d->level];
		if (d->dtype != lv->dtype)
			yt_error(&I->L->yt, d->dtype_node, "dtype mismatch in %s: operand '%s' is %s but buffer '%s' holds %s",
				  I->ctx, d->key->str, dtype_name(d->dtype), lv->name, dtype_name(lv->dtype));
	}
	for (int k = 0; k < 3; k++)
		if (I->acc[k].decl < 0 || !I->decl[I->acc[k].decl].dtype_ok)
			return;
	const struct decl *o = &I->decl[I->acc[0].decl], *x = &I->decl[I->acc[1].decl], *y = &I->decl[I->acc[2].decl];
	const char *on = dtype_name(o->dtype), *xn = dtype_name(x->dtype), *yn = dtype_name(y->dtype);
	if (dtype_float(x->dtype) != dtype_float(y->dtype)) {
		yt_error(&I->L->yt, y->dtype_node, "the inputs of %s mix %s and %s; both must be integer or both floating point",
			  I->ctx, xn, yn);
	} else if (!dtype_float(x->dtype)) {
		uint32_t need = 8 * (dtype_bytes(x->dtype) + dtype_bytes(y->dtype));
		if (dtype_float(o->dtype))
			yt_error(&I->L->yt, o->dtype_node, "the output operand '%s' of %s is %s, but %s x %s products need an integer accumulator",
				  o->key->str, I->ctx, on, xn, yn);
		else if (8 * dtype_bytes(o->dtype) < need)
			yt_error(&I->L->yt, o->dtype_node,
				  "the output operand '%s' of %s is %s, too narrow for %s x %s products: it needs an integer type of at least %u bits",
				  o->key->str, I->ctx, on, xn, yn, need);
	} else {
		uint32_t need = dtype_bytes(x->dtype) > dtype_bytes(y->dtype) ? dtype_bytes(x->dtype)
										 : dtype_bytes(y->dtype);
		if (!dtype_float(o->dtype))
			yt_error(&I->L->yt, o->dtype_node, "the output operand '%s' of %s is %s, but %s x %s products need a floating-point accumulator",
				  o->key->str, I->ctx, on, xn, yn);
		else if (dtype_bytes(o->dtype) < need)
			yt_error(&I->L->yt, o->dtype_node,
				  "the output operand '%s' of %s is %s, narrower than its %s x %s inputs: it needs a floating-point type of at least %u bits",
				  o->key->str, I->ctx, on, xn, yn, 8 * need);
	}
}

/* The tile of one operand (its dims multiplied out) is a whole number of
 * buffer elements, and fits the buffer. */
static void check_tile(struct intr *I, struct access *a, struct hw_operand *op)
{
	const struct loader *L = I->L;
	const struct decl *d = &I->decl[a->decl];
	if (!a->placed || !L->level_ok[d->level] || !I->dim_sizes_ok)
		return;
	uint64_t tile = 1, count = 1;
	for (int i = 0; i < a->rank; i++) {
		if (a->dim[i] < 0)
			return;
		tile *= I->in->dim_size[a->dim[i]]; /* at most 4 factors below 2^32... */
		if (tile > UINT32_MAX)
			break; /* ...but stop before a fifth could overflow */
	}
	const struct hw_level *lv = &L->hw->level[d->level];
	for (int i = 0; i < lv->elem_rank; i++)
		count *= lv->elem_shape[i];
	if (tile <= UINT32_MAX && tile % count) {
		yt_error(&I->L->yt, d->buffer,
			  "the tile of operand '%s' in %s has %llu values, not a whole number of elements of buffer '%s' (%llu values each)",
			  d->key->str, I->ctx, (unsigned long long)tile, lv->name, (unsigned long long)count);
		return;
	}
	if (tile > UINT32_MAX || tile / count > lv->depth) {
		yt_error(&I->L->yt, d->buffer,
			  "the tile of operand '%s' in %s does not fit buffer '%s': it has %llu values, the buffer holds %llu (depth %u, %llu values per element)",
			  d->key->str, I->ctx, lv->name, (unsigned long long)tile,
			  (unsigned long long)lv->depth * count, lv->depth, (unsigned long long)count);
		return;
	}
	op->tile_elems = (uint32_t)tile;
	op->elems_per_tile = (uint32_t)(tile / count);
}

static void fill_operand(struct intr *I, struct access *a, struct hw_operand *op)
{
	const struct decl *d = &I->decl[a->decl];
	snprintf(op->name, sizeof op->name, "%s", d->key->str);
	op->level = d->level;
	op->dtype = d->dtype;
	op->rank = a->rank;
	for (int i = 0; i < a->rank; i++)
		op->dim[i] = a->dim[i];
	op->loc = (struct hw_loc){d->val->line, d->val->col};
	check_tile(I, a, op);
}

static void link_expr(struct intr *I)
{
	struct hw_intrinsic *in = I->in;
	check_operand_names(I);
	check_indices(I);
	check_unused(I);
	check_buffers(I);
	check_dtypes(I);
	for (int d = 0; d < in->ndims; d++)
		in->dim_reduction[d] = true;
	for (int i = 0; i < I->acc[0].rank; i++)
		if (I->acc[0].dim[i] >= 0)
			in->dim_reduction[I->acc[0].dim[i]] = false;
	/* `a` is the operand in the input scratchpad, whatever the order written. */
	struct access *x = &I->acc[1], *y = &I->acc[2];
	if (x->placed && I->decl[x->decl].level == I->L->hw->role_level[HW_ROLE_WEIGHT]) {
		x = &I->acc[2];
		y = &I->acc[1];
	}
	if (I->acc[0].decl >= 0)
		fill_operand(I, &I->acc[0], &in->out);
	if (x->decl >= 0)
		fill_operand(I, x, &in->a);
	if (y->decl >= 0)
		fill_operand(I, y, &in->b);
	if (!I->dim_sizes_ok)
		return;
	in->macs = 1;
	for (int d = 0; d < in->ndims; d++) {
		if (__builtin_mul_overflow(in->macs, (uint64_t)in->dim_size[d], &in->macs)) {
			yt_error(&I->L->yt, I->dims, "the dims of %s multiply to more than 2^64", I->ctx);
			return;
		}
	}
}

/* ---- one intrinsic, and the list --------------------------------------- */

static void load_expr(struct intr *I, const struct ynode *n)
{
	char b[80];
	I->expr = n;
	if (n->kind != YN_SCALAR || (n->plain && n->len == 0)) {
		yt_error(&I->L->yt, n, "expected an expression for 'expr' in %s (%s), got %s", I->ctx, form,
			  yt_show(n, b, sizeof b));
		return;
	}
	if (n->len >= sizeof I->in->expr) {
		yt_error(&I->L->yt, n, "expected an expression of at most %zu characters for 'expr' in %s, got %zu",
			  sizeof I->in->expr - 1, I->ctx, n->len);
		return;
	}
	struct cursor c = {.s = n->str, .len = (int)n->len};
	if (!parse_expr(&c, I->acc)) {
		expr_error(I, c.pos, "bad expr in %s: %s; %s", I->ctx, c.err, form);
		return;
	}
	memcpy(I->in->expr, n->str, n->len + 1);
	link_expr(I);
}

static void intrinsic_name(struct intr *I, const struct ynode *n, const char *what)
{
	struct hw *hw = I->L->hw;
	struct hw_intrinsic *in = I->in;
	if (!yt_name(&I->L->yt, n, "name", what, false, HW_NAME_MAX, in->name))
		return;
	for (size_t i = 0; i < sizeof reserved_names / sizeof *reserved_names; i++) {
		if (!strcmp(in->name, reserved_names[i])) {
			yt_error(&I->L->yt, n, "'%s' cannot name an intrinsic: it is an instruction of every machine "
					   "(sync, load, store, alu, finish)", in->name);
			return;
		}
	}
	for (struct hw_intrinsic *p = hw->intrinsic; p < in; p++) {
		if (!strcmp(p->name, in->name)) {
			yt_error(&I->L->yt, n, "duplicate intrinsic name '%s'; the first is at line %d", in->name, p->loc.line);
			return;
		}
	}
}

static void load_intrinsic(struct loader *L, const struct ynode *node, int nth)
{
	struct intr I = {.L = L, .in = &L->hw->intrinsic[L->hw->nintrinsics++]};
	struct hw_intrinsic *in = I.in;
	char name[HW_NAME_MAX], what[32];
	const struct ynode *v[IN_COUNT], *k[IN_COUNT];
	in->loc = (struct hw_loc){node->line, node->col};
	snprintf(what, sizeof what, "intrinsic #%d", nth);
	if (yt_peek_name(node, sizeof name, name))
		snprintf(I.ctx, sizeof I.ctx, "intrinsic '%s'", name);
	else
		snprintf(I.ctx, sizeof I.ctx, "%s", what);
	if (!yt_fields(&L->yt, node, what, I.ctx, intrinsic_keys, IN_COUNT, NULL, v, k))
		return;
	for (int i = 0; i < IN_COUNT; i++)
		yt_require(&L->yt, node, v[i], intrinsic_keys[i], I.ctx);
	if (v[IN_NAME])
		intrinsic_name(&I, v[IN_NAME], what);
	I.dim_names_ok = I.dim_sizes_ok = v[IN_DIMS] != NULL;
	if (v[IN_DIMS])
		load_dims(&I, v[IN_DIMS]);
	I.decls_ok = v[IN_OPERANDS] != NULL;
	if (v[IN_OPERANDS])
		load_operands(&I, v[IN_OPERANDS]);
	if (v[IN_EXPR])
		load_expr(&I, v[IN_EXPR]);
	if (v[IN_LATENCY])
		yt_uint(&L->yt, v[IN_LATENCY], "latency", I.ctx, 1, UINT32_MAX, &in->latency);
	if (v[IN_II])
		yt_uint(&L->yt, v[IN_II], "initiation_interval", I.ctx, 1, UINT32_MAX, &in->initiation_interval);
}

void hwl_load_intrinsics(struct loader *L, const struct ynode *seq)
{
	char b[80];
	if (seq->kind != YN_SEQ || seq->n == 0) {
		yt_error(&L->yt, seq, "expected a non-empty sequence of intrinsics for 'intrinsics', got %s%s",
			  yt_show(seq, b, sizeof b), seq->kind == YN_SEQ ? " that is empty" : "");
		return;
	}
	for (int i = 0; i < seq->n; i++) {
		if (L->hw->nintrinsics == HW_MAX_INTRINSICS) {
			yt_error(&L->yt, seq->kid[i], "too many intrinsics: at most %d", HW_MAX_INTRINSICS);
			return;
		}
		load_intrinsic(L, seq->kid[i], i + 1);
	}
}
