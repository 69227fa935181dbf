/* YAML text -> a small tree of ynodes, with libyaml's event parser.
 *
 * We build our own tree instead of using libyaml's document loader because
 * the loader resolves aliases into shared (even recursive: `&a [*a]`) nodes
 * and forgets how a scalar was written; the schema checks need to know
 * whether a scalar was quoted and exactly where its text starts.  A
 * hardware description and a workload are read alike (base/ytree.h). */
#include "ytree.h"

#include "alloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Deep enough for any description; stops `[[[[...` from eating the stack. */
enum { MAX_DEPTH = 64 };

struct tparser {
	yaml_parser_t p;
	struct diags *err;
	const char *file;
	const struct yt_doc *doc;
	const char *text;
	size_t len;
};

static void error_at_mark(struct tparser *T, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void error_at_mark(struct tparser *T, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_addv(T->err, T->file, (int)m->line + 1, (int)m->column + 1, fmt, ap);
	va_end(ap);
}

/* 1-based line and column of byte OFF (columns count characters, as libyaml's
 * marks do). */
static void offset_lc(const char *text, size_t len, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			++*line;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			++*col;
		}
	}
}

/* Whether line LINE (0-based) is indented with a tab: libyaml's messages for
 * that ("found character that cannot start any token") do not say so. */
static bool tab_indented(const char *text, size_t len, size_t line)
{
	size_t i = 0;
	for (size_t l = 0; l < line; l++) {
		while (i < len && text[i] != '\n')
			i++;
		if (i == len)
			return false;
		i++;
	}
	for (; i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '-'); i++)
		if (text[i] == '\t')
			return true;
	return false;
}

static void syntax_error(struct tparser *T)
{
	yaml_parser_t *p = &T->p;
	if (p->error == YAML_MEMORY_ERROR) {
		diag_add(T->err, T->file, 0, 0, "cannot allocate memory for the YAML parser");
		return;
	}
	const char *problem = p->problem ? p->problem : "unknown problem";
	if (p->error == YAML_READER_ERROR) {
		int line, col;
		offset_lc(T->text, T->len, p->problem_offset, &line, &col);
		diag_add(T->err, T->file, line, col,
			 "cannot read the text: %s; a description is UTF-8 text without control characters",
			 problem);
		return;
	}
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
	const char *hint = tab_indented(T->text, T->len, p->problem_mark.line)
		? "; indent with spaces, YAML does not allow tabs" : "";
	if (p->context)
		diag_add(T->err, T->file, line, col, "YAML syntax error: %s (%s at line %d, column %d)%s",
			 problem, p->context, (int)p->context_mark.line + 1,
			 (int)p->context_mark.column + 1, hint);
	else
		diag_add(T->err, T->file, line, col, "YAML syntax error: %s%s", problem, hint);
}

static bool next_event(struct tparser *T, yaml_event_t *ev)
{
	if (yaml_parser_parse(&T->p, ev))
		return true;
	syntax_error(T);
	return false;
}

static void nomem(struct tparser *T, size_t n, const yaml_mark_t *m)
{
	diag_add(T->err, T->file, (int)m->line + 1, (int)m->column + 1,
		 "cannot allocate %zu bytes for the YAML node here", n);
}

static struct ynode *new_node(struct tparser *T, enum ynode_kind kind, const yaml_mark_t *m)
{
	struct ynode *n = try_calloc(1, sizeof *n);
	if (!n) {
		nomem(T, sizeof *n, m);
		return NULL;
	}
	n->kind = kind;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return n;
}

static bool add_kid(struct tparser *T, struct ynode *n, struct ynode *kid)
{
	if (try_resize(&n->kid, (size_t)n->n + 1, sizeof *n->kid)) {
		nomem(T, ((size_t)n->n + 1) * sizeof *n->kid, &(yaml_mark_t){.line = (size_t)kid->line - 1,
									 .column = (size_t)kid->col - 1});
		yt_free(kid);
		return false;
	}
	n->kid[n->n++] = kid;
	return true;
}

void yt_free(struct ynode *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->n; i++)
		yt_free(n->kid[i]);
	free(n->kid);
	free(n->str);
	free(n);
}

static struct ynode *scalar_node(struct tparser *T, const yaml_event_t *ev)
{
	struct ynode *n = new_node(T, YN_SCALAR, &ev->start_mark);
	if (!n)
		return NULL;
	n->str = try_strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
	if (!n->str) {
		nomem(T, ev->data.scalar.length + 1, &ev->start_mark);
		free(n);
		return NULL;
	}
	n->len = ev->data.scalar.length;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	/* The text's columns are exact only when it is written on one line
	 * exactly as it reads: plain, or quoted without escapes.  libyaml
	 * counts a line's columns in characters, the text's length in bytes. */
	size_t span = ev->end_mark.column - ev->start_mark.column, chars = 0;
	for (size_t i = 0; i < n->len; i++)
		chars += ((unsigned char)n->str[i] & 0xc0) != 0x80; /* not a UTF-8 continuation byte */
	bool one_line = ev->end_mark.line == ev->start_mark.line;
	if (one_line && n->plain && span == chars)
		n->text_col = n->col;
	else if (one_line && (ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
			      ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) &&
		 span == chars + 2)
		n->text_col = n->col + 1;
	return n;
}

/* Tags would change what a scalar means (`!!str 5`); refuse them rather than
 * half-honour them. */
static bool refuse_tag(struct tparser *T, const yaml_event_t *ev, const yaml_char_t *tag)
{
	if (!tag)
		return false;
	error_at_mark(T, &ev->start_mark, "YAML tags ('%s') are not supported; write the plain value",
		      (const char *)tag);
	return true;
}

static struct ynode *parse_node(struct tparser *T, const yaml_event_t *ev, int depth);

/* The items (or keys and values) of a collection up to its END event. */
static bool parse_kids(struct tparser *T, struct ynode *n, yaml_event_type_t end, int depth)
{
	for (;;) {
		yaml_event_t ev;
		if (!next_event(T, &ev))
			return false;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return true;
		}
		struct ynode *kid = parse_node(T, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!kid)
			return false;
		/* An empty value (`latency:`) has the position of whatever follows
		 * it; its key is a better place to point at. */
		if (n->kind == YN_MAP && n->n % 2 == 1 && kid->kind == YN_SCALAR && kid->plain &&
		    kid->len == 0) {
			kid->line = n->kid[n->n - 1]->line;
			kid->col = n->kid[n->n - 1]->col;
		}
		if (!add_kid(T, n, kid))
			return false;
	}
}

/* node := SCALAR | SEQUENCE-START node* SEQUENCE-END
 *       | MAPPING-START (node node)* MAPPING-END */
static struct ynode *parse_node(struct tparser *T, const yaml_event_t *ev, int depth)
{
	struct ynode *n;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		error_at_mark(T, &ev->start_mark,
			      "YAML aliases ('*%s') are not supported; write the value out in full",
			      (const char *)ev->data.alias.anchor);
		return NULL;
	case YAML_SCALAR_EVENT:
		if (refuse_tag(T, ev, ev->data.scalar.tag))
			return NULL;
		return scalar_node(T, ev);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
		if (refuse_tag(T, ev, seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag))
			return NULL;
		if (depth >= MAX_DEPTH) {
			error_at_mark(T, &ev->start_mark, "nested too deeply (more than %d levels)", MAX_DEPTH);
			return NULL;
		}
		n = new_node(T, seq ? YN_SEQ : YN_MAP, &ev->start_mark);
		if (!n)
			return NULL;
		if (!parse_kids(T, n, seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT, depth)) {
			yt_free(n);
			return NULL;
		}
		return n;
	}
	default: /* libyaml's grammar allows none; refused rather than trusted */
		error_at_mark(T, &ev->start_mark, "unexpected YAML event %d inside a document", (int)ev->type);
		return NULL;
	}
}

/* stream := STREAM-START DOCUMENT-START node DOCUMENT-END STREAM-END */
static struct ynode *parse_stream(struct tparser *T)
{
	yaml_event_t ev;
	if (!next_event(T, &ev))
		return NULL;
	yaml_event_delete(&ev); /* STREAM-START */
	if (!next_event(T, &ev))
		return NULL;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		diag_add(T->err, T->file, 1, 1, "empty file: expected a mapping with the %s (%s)", T->doc->kind,
			 T->doc->keys);
		return NULL;
	}
	yaml_event_delete(&ev); /* DOCUMENT-START */
	if (!next_event(T, &ev))
		return NULL;
	struct ynode *root = parse_node(T, &ev, 0);
	yaml_event_delete(&ev);
	if (!root)
		return NULL;
	bool ok = next_event(T, &ev); /* DOCUMENT-END */
	if (ok) {
		yaml_event_delete(&ev);
		ok = next_event(T, &ev);
	}
	if (ok) {
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			error_at_mark(T, &ev.start_mark, "a second YAML document; a %s is exactly one document", T->doc->kind);
			ok = false;
		}
		yaml_event_delete(&ev);
	}
	if (!ok) {
		yt_free(root);
		return NULL;
	}
	return root;
}

struct ynode *yt_parse(const char *text, size_t len, const char *file, const struct yt_doc *doc, struct diags *err)
{
	struct tparser T = {.err = err, .file = file, .doc = doc, .text = text, .len = len};
	if (!yaml_parser_initialize(&T.p)) {
		diag_add(err, file, 0, 0, "cannot allocate memory for the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&T.p, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&T.p, YAML_UTF8_ENCODING);
	struct ynode *root = parse_stream(&T);
	yaml_parser_delete(&T.p);
	return root;
}
