/* The assembler.  One statement per line; `;` or `#` starts a comment.
 *
 *   .layout code=ADDR uops=ADDR               DRAM placement (optional)
 *   .segment NAME KIND size=N [addr=A] [align=N]
 *   .data B B ...   .i16 V ...   .i32 V ...   .f32 X ...   initial contents
 *   .uop dst=N src=N wgt=N
 *   MNEMONIC field=value ... flag ...         an instruction
 *
 * Fields and mnemonics are those of the layout derived from the hardware
 * (isa_describe_text), so this file knows nothing of any one machine.  In
 * `addr=`, `@SEG` or `@SEG+N` is segment SEG's address counted in elements of
 * the instruction's buffer (plus N elements); `@uops` is the micro-op area. */
#include "program.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

struct token {
	const char *s;
	int len, col;
};

enum { MAX_TOKENS = 64 };

struct line {
	struct token t[MAX_TOKENS];
	int n;
	int lineno;
};

/* A reference to a segment, resolved once every segment has an address. */
struct symref {
	int insn;
	char name[128];
	int64_t offset;
	int line, col;
};

/* What the source said about a segment's placement. */
struct segplace {
	bool fixed;
	uint64_t align;
	int line, col;
};

struct assembler {
	const char *file;
	struct isa_program *p;
	struct diags *err;
	struct symref *ref;
	int nref, ref_cap;
	struct segplace *place;
	int cur_seg;            /* segment .data appends to; -1 before any */
	bool code_fixed, uops_fixed;
	int layout_line, layout_col; /* the .layout line, for errors in it */
	bool nomem;             /* an allocation failed (reported): stop */
};

static bool is_word_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-' || c == '+' || c == '=' || c == '@' || c == '/' || c == ':';
}

/* Splits a line into whitespace-separated tokens, dropping the comment. */
static int tokenize(struct assembler *a, const char *text, int lineno, struct line *l)
{
	l->n = 0;
	l->lineno = lineno;
	for (int i = 0; text[i] && text[i] != '\n';) {
		char c = text[i];
		if (c == ';' || c == '#')
			break;
		if (c == ' ' || c == '\t' || c == '\r' || c == ',') {
			i++;
			continue;
		}
		if (!is_word_char((unsigned char)c)) {
			diag_add(a->err, a->file, lineno, i + 1, "unexpected character '%c'", c);
			return -1;
		}
		if (l->n == MAX_TOKENS) {
			diag_add(a->err, a->file, lineno, i + 1, "too many words on one line (at most %d)", MAX_TOKENS);
			return -1;
		}
		struct token *t = &l->t[l->n++];
		t->s = text + i;
		t->col = i + 1;
		while (text[i] && is_word_char((unsigned char)text[i]))
			i++;
		t->len = (int)(text + i - t->s);
	}
	return 0;
}

static bool tok_is(const struct token *t, const char *s)
{
	return (int)strlen(s) == t->len && !strncmp(t->s, s, (size_t)t->len);
}

static void tok_copy(const struct token *t, char *buf, size_t n)
{
	size_t len = (size_t)t->len < n - 1 ? (size_t)t->len : n - 1;
	memcpy(buf, t->s, len);
	buf[len] = 0;
}

static void error_at(struct assembler *a, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void error_at(struct assembler *a, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_addv(a->err, a->file, line, col, fmt, ap);
	va_end(ap);
}

/* key=value: splits a token; value column for errors. */
struct kv {
	char key[64];
	struct token val;
};

/* An allocation of N bytes for WHAT failed on LINE: reported, and the
 * assembly stops there. */
static int nomem(struct assembler *a, int line, int col, size_t n, const char *what)
{
	error_at(a, line, col, "cannot allocate %zu bytes for %s", n, what);
	a->nomem = true;
	return -1;
}

static int split_kv(struct assembler *a, int lineno, const struct token *t, struct kv *kv)
{
	const char *eq = memchr(t->s, '=', (size_t)t->len);
	if (!eq || eq == t->s || eq == t->s + t->len - 1) {
		char w[64];
		tok_copy(t, w, sizeof w);
		error_at(a, lineno, t->col, "expected name=value, got '%s'", w);
		return -1;
	}
	struct token k = {t->s, (int)(eq - t->s), t->col};
	tok_copy(&k, kv->key, sizeof kv->key);
	kv->val = (struct token){eq + 1, t->len - k.len - 1, t->col + k.len + 1};
	return 0;
}

/* A list built for a message, or a note in its place when it could not be
 * allocated: the message is an error either way. */
static const char *listed(const char *s)
{
	return s ? s : "(no memory to list them)";
}

/* Integer: decimal or 0x hex, optional sign. */
static int parse_int(struct assembler *a, int lineno, const struct token *t, int64_t *out)
{
	char buf[64];
	tok_copy(t, buf, sizeof buf);
	char *end;
	errno = 0;
	bool neg = buf[0] == '-';
	const char *digits = buf + (neg || buf[0] == '+');
	uint64_t v = strtoull(digits, &end, 0);
	if (!isdigit((unsigned char)*digits) || *end || (size_t)t->len >= sizeof buf - 1) {
		error_at(a, lineno, t->col, "expected an integer (decimal or 0x hex), got '%s'", buf);
		return -1;
	}
	if (errno == ERANGE || v > (uint64_t)INT64_MAX) {
		error_at(a, lineno, t->col, "integer '%s' is too large", buf);
		return -1;
	}
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static int parse_uint(struct assembler *a, int lineno, const struct token *t, uint64_t *out)
{
	int64_t v;
	if (parse_int(a, lineno, t, &v))
		return -1;
	if (v < 0) {
		error_at(a, lineno, t->col, "expected a non-negative integer, got %" PRId64, v);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

static int lookup_field(const struct isa_layout *lay, int kind, const char *name)
{
	for (int f = 1; f < ISA_F_COUNT; f++)
		if (isa_has_field(lay, kind, f) && !strcmp(isa_field_name(f), name))
			return f;
	return -1;
}

static void expected_fields(const struct isa_layout *lay, int kind, struct strbuf *sb)
{
	for (int f = 1; f < ISA_F_COUNT; f++)
		if (isa_has_field(lay, kind, f))
			sb_printf(sb, "%s%s", sb->len ? ", " : "", isa_field_name(f));
}

static int parse_named(struct assembler *a, int lineno, const struct token *t, enum isa_field f, int64_t *out)
{
	const struct hw *hw = &a->p->hw;
	char w[64];
	tok_copy(t, w, sizeof w);
	int found = -1;
	enum isa_value vk = isa_field_value(f);
	if (vk == ISA_V_BUFFER)
		found = hw_level_lookup(hw, w);
	else if (vk == ISA_V_QUEUE) {
		for (int q = 0; q < ISA_Q_COUNT; q++)
			if (!strcmp(w, isa_queue_name(q)))
				found = q;
	} else {
		found = hw_alu_op_lookup(w);
	}
	if (found >= 0) {
		*out = found;
		return 0;
	}
	/* The choices, only for the message. */
	struct strbuf choices = {0};
	if (vk == ISA_V_BUFFER)
		for (int i = 0; i < hw->nlevels; i++)
			sb_printf(&choices, "%s%s", i ? ", " : "", hw->level[i].name);
	else if (vk == ISA_V_QUEUE)
		for (int q = 0; q < ISA_Q_COUNT; q++)
			sb_printf(&choices, "%s%s", q ? ", " : "", isa_queue_name(q));
	else {
		for (int op = 0; op < HW_ALU_OP_COUNT; op++)
			if (hw->alu.ops & (1u << op))
				sb_printf(&choices, "%s%s", choices.len ? ", " : "", hw_alu_op_name(op));
	}
	char *c = sb_take(&choices);
	error_at(a, lineno, t->col, "unknown %s '%s'; expected one of: %s", isa_field_name(f), w, listed(c));
	free(c);
	*out = found;
	return found < 0 ? -1 : 0;
}

static int add_symref(struct assembler *a, int lineno, const struct token *t)
{
	const char *plus = NULL;
	for (int i = 1; i < t->len; i++)
		if (t->s[i] == '+' || t->s[i] == '-') {
			plus = t->s + i;
			break;
		}
	int name_len = (int)((plus ? plus : t->s + t->len) - t->s) - 1;
	if (name_len < 1 || name_len >= 128) {
		error_at(a, lineno, t->col, "expected @SEGMENT or @SEGMENT+N after '='");
		return -1;
	}
	if (a->nref == a->ref_cap) {
		int cap = a->ref_cap ? 2 * a->ref_cap : 16;
		if (try_resize(&a->ref, (size_t)cap, sizeof *a->ref))
			return nomem(a, lineno, t->col, (size_t)cap * sizeof *a->ref, "the segment references");
		a->ref_cap = cap;
	}
	struct symref *r = &a->ref[a->nref++];
	memset(r, 0, sizeof *r);
	r->insn = a->p->ninsn;
	memcpy(r->name, t->s + 1, (size_t)name_len);
	r->line = lineno;
	r->col = t->col;
	if (plus) {
		struct token off = {plus, (int)(t->s + t->len - plus), t->col + name_len + 1};
		if (parse_int(a, lineno, &off, &r->offset)) {
			a->nref--;
			return -1;
		}
	}
	return 0;
}

/* MNEMONIC field=value ... flag ... */
static int parse_insn(struct assembler *a, const struct line *l)
{
	const struct isa_layout *lay = &a->p->layout;
	char mn[64];
	tok_copy(&l->t[0], mn, sizeof mn);
	int kind = isa_kind_lookup(lay, mn);
	if (kind < 0) {
		struct strbuf sb = {0};
		for (int i = 0; i < lay->nkinds; i++)
			sb_printf(&sb, "%s%s", i ? ", " : "", lay->kind[i].mnemonic);
		char *s = sb_take(&sb);
		error_at(a, l->lineno, l->t[0].col, "unknown instruction '%s'; this hardware has: %s", mn, listed(s));
		free(s);
		return -1;
	}
	struct isa_insn in = {.kind = kind};
	int col[ISA_F_COUNT] = {0};     /* where each field's value is */
	int tok_col[ISA_F_COUNT] = {0}; /* where each field was written */
	for (int i = 1; i < l->n; i++) {
		const struct token *t = &l->t[i];
		struct kv kv;
		bool flag = !memchr(t->s, '=', (size_t)t->len);
		if (flag)
			tok_copy(t, kv.key, sizeof kv.key);
		else if (split_kv(a, l->lineno, t, &kv))
			return -1;
		int f = lookup_field(lay, kind, kv.key);
		if (f < 0 || (flag != (isa_field_value(f) == ISA_V_FLAG))) {
			struct strbuf sb = {0};
			expected_fields(lay, kind, &sb);
			char *s = sb_take(&sb);
			if (f < 0)
				error_at(a, l->lineno, t->col, "unknown field '%s' for '%s'; expected one of: %s", kv.key, mn, listed(s));
			else if (flag)
				error_at(a, l->lineno, t->col, "field '%s' needs a value: %s=...", kv.key, kv.key);
			else
				error_at(a, l->lineno, t->col, "'%s' is a flag: write it alone, without '='", kv.key);
			free(s);
			return -1;
		}
		if (tok_col[f]) {
			error_at(a, l->lineno, t->col, "field '%s' given twice (first at column %d)", kv.key, tok_col[f]);
			return -1;
		}
		tok_col[f] = t->col;
		col[f] = flag ? t->col : kv.val.col;
		enum isa_value vk = isa_field_value(f);
		int rc = 0;
		if (flag)
			in.f[f] = 1;
		else if (vk == ISA_V_BUFFER || vk == ISA_V_QUEUE || vk == ISA_V_ALU_OP)
			rc = parse_named(a, l->lineno, &kv.val, f, &in.f[f]);
		else if (f == ISA_F_ADDR && kv.val.s[0] == '@')
			rc = add_symref(a, l->lineno, &kv.val);
		else
			rc = parse_int(a, l->lineno, &kv.val, &in.f[f]);
		if (rc)
			return -1;
	}
	enum isa_field bad;
	char why[256];
	if (isa_check_insn(lay, &in, &bad, why)) {
		error_at(a, l->lineno, col[bad] ? col[bad] : l->t[0].col, "%s", why);
		return -1;
	}
	if (isa_program_add_insn(a->p, &in))
		return nomem(a, l->lineno, l->t[0].col, ((size_t)a->p->ninsn + 1) * sizeof in, "the instructions");
	return 0;
}

/* "dst, src or wgt": the micro-op fields, for a message. */
static void uop_field_list(char *buf, size_t n)
{
	struct strbuf sb = {0};
	for (int u = 0; u < ISA_U_COUNT; u++)
		sb_printf(&sb, "%s%s", u == 0 ? "" : u + 1 == ISA_U_COUNT ? " or " : ", ", isa_uop_field_name(u));
	char *s = sb_take(&sb);
	snprintf(buf, n, "%s", listed(s));
	free(s);
}

/* .uop dst=N src=N wgt=N (the fields of ISA_UOP_FIELDS, each at most once) */
static int parse_uop(struct assembler *a, const struct line *l)
{
	struct isa_uop u = {0};
	bool seen[ISA_U_COUNT] = {false};
	for (int i = 1; i < l->n; i++) {
		struct kv kv;
		uint64_t v;
		if (split_kv(a, l->lineno, &l->t[i], &kv))
			return -1;
		int k = 0;
		while (k < ISA_U_COUNT && strcmp(kv.key, isa_uop_field_name(k)))
			k++;
		if (k == ISA_U_COUNT) {
			char names[64];
			uop_field_list(names, sizeof names);
			error_at(a, l->lineno, l->t[i].col, "unknown micro-op field '%s'; expected %s", kv.key, names);
			return -1;
		}
		if (seen[k]) {
			error_at(a, l->lineno, l->t[i].col, "micro-op field '%s' given twice", kv.key);
			return -1;
		}
		seen[k] = true;
		if (parse_uint(a, l->lineno, &kv.val, &v))
			return -1;
		if (v > UINT32_MAX) {
			error_at(a, l->lineno, kv.val.col, "%s=%" PRIu64 " is too large", kv.key, v);
			return -1;
		}
		isa_uop_set(&u, k, (uint32_t)v);
		char why[256];
		if (isa_check_uop(&a->p->layout, &u, why)) {
			error_at(a, l->lineno, kv.val.col, "%s", why);
			return -1;
		}
	}
	if (isa_program_add_uop(a->p, &u))
		return nomem(a, l->lineno, l->t[0].col, ((size_t)a->p->nuop + 1) * sizeof u, "the micro-ops");
	return 0;
}

/* A multiple of 64 and of every on-chip element size, so that any level
 * can address the segment (for power-of-two sizes: the largest, at least
 * 64).  Past DRAM there is none: the largest power of two, and the
 * addresses that are not whole elements are reported. */
static uint64_t default_align(const struct hw *hw)
{
	uint64_t align = isa_segment_align(hw, 64);
	if (align)
		return align;
	align = 64;
	for (int i = 0; i < hw->nlevels; i++)
		while (align < hw->level[i].elem_bytes)
			align *= 2;
	return align;
}

/* .segment NAME KIND size=N [addr=A] [align=N] */
static int parse_segment(struct assembler *a, const struct line *l)
{
	if (l->n < 3) {
		error_at(a, l->lineno, l->t[0].col, "expected .segment NAME KIND size=N [addr=A] [align=N]");
		return -1;
	}
	char name[128], kindname[64];
	tok_copy(&l->t[1], name, sizeof name);
	tok_copy(&l->t[2], kindname, sizeof kindname);
	if (!isa_segment_name_ok(name, strlen(name)) || l->t[1].len >= (int)sizeof name) {
		error_at(a, l->lineno, l->t[1].col, "bad segment name '%s'; expected " ISA_SEGMENT_NAME_RULE, name);
		return -1;
	}
	if (isa_program_segment(a->p, name) || !strcmp(name, "uops")) {
		error_at(a, l->lineno, l->t[1].col, "segment '%s' is already defined", name);
		return -1;
	}
	int kind = isa_segment_kind_lookup(kindname);
	if (kind < 0) {
		error_at(a, l->lineno, l->t[2].col, "unknown segment kind '%s'; expected input, weight, output or scratch",
			 kindname);
		return -1;
	}
	uint64_t size = 0, addr = 0, align = default_align(&a->p->hw);
	bool have_size = false, have_addr = false;
	for (int i = 3; i < l->n; i++) {
		struct kv kv;
		uint64_t v;
		if (split_kv(a, l->lineno, &l->t[i], &kv) || parse_uint(a, l->lineno, &kv.val, &v))
			return -1;
		if (!strcmp(kv.key, "size") && !have_size) {
			size = v, have_size = true;
		} else if (!strcmp(kv.key, "addr") && !have_addr) {
			addr = v, have_addr = true;
		} else if (!strcmp(kv.key, "align") && v && !(v & (v - 1))) {
			align = v;
		} else {
			error_at(a, l->lineno, l->t[i].col,
				 strcmp(kv.key, "align") ? "unexpected '%s=' (or given twice); expected size=, addr=, align="
							 : "'%s=' must be a power of two",
				 kv.key);
			return -1;
		}
	}
	if (!have_size || size == 0) {
		error_at(a, l->lineno, l->t[0].col, "segment '%s' needs size=N (bytes, at least 1)", name);
		return -1;
	}
	if (try_resize(&a->place, (size_t)a->p->nseg + 1, sizeof *a->place))
		return nomem(a, l->lineno, l->t[0].col, ((size_t)a->p->nseg + 1) * sizeof *a->place, "the segments");
	if (!isa_program_add_segment(a->p, name, kind, addr, size))
		return nomem(a, l->lineno, l->t[0].col, sizeof(struct isa_segment) + strlen(name) + 1, "a segment");
	a->place[a->p->nseg - 1] = (struct segplace){have_addr, align, l->lineno, l->t[0].col};
	a->cur_seg = a->p->nseg - 1;
	return 0;
}

static int append_data(struct isa_segment *s, const void *v, int n)
{
	if (try_resize(&s->data, (size_t)s->data_len + (size_t)n, 1))
		return -1;
	memcpy(s->data + s->data_len, v, (size_t)n);
	s->data_len += (uint64_t)n;
	return 0;
}

/* .data/.i16/.i32 (integers, little-endian) and .f32 (IEEE binary32). */
static int parse_data(struct assembler *a, const struct line *l, int bytes, bool is_float)
{
	if (a->cur_seg < 0) {
		error_at(a, l->lineno, l->t[0].col, "data before any .segment; expected a .segment line first");
		return -1;
	}
	struct isa_segment *s = &a->p->seg[a->cur_seg];
	for (int i = 1; i < l->n; i++) {
		const struct token *t = &l->t[i];
		uint8_t b[8];
		if (is_float) {
			char buf[64], *end;
			tok_copy(t, buf, sizeof buf);
			float f = strtof(buf, &end);
			if (*end || end == buf || !isfinite(f)) {
				error_at(a, l->lineno, t->col, "expected a finite number, got '%s'", buf);
				return -1;
			}
			memcpy(b, &f, 4);
		} else {
			int64_t v, lo = -((int64_t)1 << (8 * bytes - 1)), hi = ((int64_t)1 << (8 * bytes)) - 1;
			if (parse_int(a, l->lineno, t, &v))
				return -1;
			if (v < lo || v > hi) {
				error_at(a, l->lineno, t->col, "%" PRId64 " does not fit in %d byte%s; expected %" PRId64 " to %" PRId64,
					 v, bytes, bytes > 1 ? "s" : "", lo, hi);
				return -1;
			}
			for (int k = 0; k < bytes; k++)
				b[k] = (uint8_t)((uint64_t)v >> (8 * k));
		}
		if (s->data_len + (uint64_t)bytes > s->size) {
			error_at(a, l->lineno, t->col, "data overflows segment '%s' (%" PRIu64 " bytes)", s->name, s->size);
			return -1;
		}
		if (append_data(s, b, bytes)) {
			char what[160];
			snprintf(what, sizeof what, "the data of segment '%s'", s->name);
			return nomem(a, l->lineno, t->col, (size_t)s->data_len + (size_t)bytes, what);
		}
	}
	return 0;
}

/* .layout code=ADDR uops=ADDR */
static int parse_layout(struct assembler *a, const struct line *l)
{
	a->layout_line = l->lineno;
	a->layout_col = l->t[0].col;
	for (int i = 1; i < l->n; i++) {
		struct kv kv;
		uint64_t v;
		if (split_kv(a, l->lineno, &l->t[i], &kv) || parse_uint(a, l->lineno, &kv.val, &v))
			return -1;
		if (!strcmp(kv.key, "code")) {
			a->p->code_addr = v, a->code_fixed = true;
		} else if (!strcmp(kv.key, "uops")) {
			a->p->uop_addr = v, a->uops_fixed = true;
		} else {
			error_at(a, l->lineno, l->t[i].col, "unknown .layout key '%s'; expected code= or uops=", kv.key);
			return -1;
		}
	}
	return 0;
}

static int parse_line(struct assembler *a, const struct line *l)
{
	const struct token *t = &l->t[0];
	if (t->s[0] != '.')
		return parse_insn(a, l);
	static const struct {
		const char *name;
		int bytes;
		bool is_float;
	} data[] = {{".data", 1, false}, {".i16", 2, false}, {".i32", 4, false}, {".f32", 4, true}};
	for (size_t i = 0; i < sizeof data / sizeof data[0]; i++)
		if (tok_is(t, data[i].name))
			return parse_data(a, l, data[i].bytes, data[i].is_float);
	if (tok_is(t, ".segment"))
		return parse_segment(a, l);
	if (tok_is(t, ".uop"))
		return parse_uop(a, l);
	if (tok_is(t, ".layout"))
		return parse_layout(a, l);
	char w[64];
	tok_copy(t, w, sizeof w);
	error_at(a, l->lineno, t->col, "unknown directive '%s'; expected .layout, .segment, .data, .i16, .i32, .f32 or .uop", w);
	return -1;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* The micro-ops leave DRAM through the outermost level on their way (a
 * shared level when there is one), whose loads count its elements: 64
 * bytes and a whole number of those (64 when they are powers of two up to
 * 64, as they were). */
static uint64_t uop_align(const struct hw *hw)
{
	int l = hw->role_level[HW_ROLE_UOP];
	while (hw->level[l].parent >= 0)
		l = hw->level[l].parent;
	uint64_t a = isa_lcm_within(64, hw->level[l].elem_bytes, hw->dram.capacity);
	return a ? a : 64;
}

/* Places the code, the micro-ops and every segment without an addr=, in
 * order, after whatever comes before it. */
static void place(struct assembler *a)
{
	struct isa_program *p = a->p;
	uint64_t end = 0;
	if (!a->code_fixed)
		p->code_addr = 0;
	end = p->code_addr + (uint64_t)p->ninsn * p->layout.insn_bytes;
	if (!a->uops_fixed)
		p->uop_addr = align_up(end, uop_align(&p->hw));
	uint64_t uend = p->uop_addr + (uint64_t)p->nuop * p->layout.uop_bytes;
	end = end > uend ? end : uend;
	for (int i = 0; i < p->nseg; i++) {
		if (!a->place[i].fixed)
			p->seg[i].addr = align_up(end, a->place[i].align);
		uint64_t e = p->seg[i].addr + p->seg[i].size;
		end = end > e ? end : e;
	}
}

static void resolve(struct assembler *a)
{
	struct isa_program *p = a->p;
	for (int i = 0; i < a->nref; i++) {
		struct symref *r = &a->ref[i];
		if (r->insn >= p->ninsn || p->insn[r->insn].f[ISA_F_BUF] >= p->hw.nlevels)
			continue; /* its line's error is reported */
		struct isa_insn *in = &p->insn[r->insn];
		uint64_t base;
		if (!strcmp(r->name, "uops")) {
			base = p->uop_addr;
		} else {
			struct isa_segment *s = isa_program_segment(p, r->name);
			if (!s) {
				error_at(a, r->line, r->col, "unknown segment '%s'", r->name);
				continue;
			}
			base = s->addr;
		}
		const struct hw_level *lv = &p->hw.level[in->f[ISA_F_BUF]];
		uint64_t unit = isa_parent_unit_bytes(&p->hw, in); /* a narrow transfer's addr counts values */
		if (base % unit) {
			error_at(a, r->line, r->col, "'%s' at byte 0x%" PRIx64 " is not a whole number of %" PRIu64
				 "-byte %s of '%s'", r->name, base, unit, in->f[ISA_F_VALUES] ? "values" : "elements", lv->name);
			continue;
		}
		if (__builtin_add_overflow((int64_t)(base / unit), r->offset, &in->f[ISA_F_ADDR])) {
			error_at(a, r->line, r->col, "addr=@%s+%" PRId64 " is past the largest address, %" PRId64, r->name,
				 r->offset, INT64_MAX);
			continue;
		}
		enum isa_field f;
		char why[256];
		if (isa_check_insn(&p->layout, in, &f, why)) {
			error_at(a, r->line, r->col, "%s", why);
		}
	}
}

/* Errors in the layout point at the segment (or .layout line) to change. */
static void check_layout(struct assembler *a)
{
	char why[512];
	int bad = isa_program_layout_error(a->p, why, sizeof why);
	if (bad < 0)
		return;
	int line = a->layout_line ? a->layout_line : 1, col = a->layout_line ? a->layout_col : 1;
	if (bad >= 2)
		line = a->place[bad - 2].line, col = a->place[bad - 2].col;
	error_at(a, line, col, "%s", why);
}

int isa_assemble(const char *text, const char *file, const struct hw *hw, struct isa_program *p, struct diags *err)
{
	if (isa_program_init(p, hw, err))
		return -1;
	struct assembler a = {.file = file, .p = p, .err = err, .cur_seg = -1};
	const char *saved = err->source;
	int before = err->n;
	err->source = text;
	int lineno = 1;
	for (const char *s = text; *s && !a.nomem; lineno++) {
		struct line l;
		if (!tokenize(&a, s, lineno, &l) && l.n)
			parse_line(&a, &l);
		const char *nl = strchr(s, '\n');
		if (!nl)
			break;
		s = nl + 1;
	}
	if (!a.nomem) { /* after a line's errors too: all of a file's errors at once */
		place(&a);
		resolve(&a);
		check_layout(&a);
	}
	if (err->n == before && p->ninsn == 0)
		diag_add(err, file, 0, 0, "no instructions; a program needs at least a 'finish' instruction, which ends it");
	err->source = saved;
	free(a.ref);
	free(a.place);
	if (err->n != before) {
		isa_program_free(p);
		return -1;
	}
	return 0;
}
