/* One point's description: the base description's YAML document (libyaml's
 * document API) with each axis path set to the point's value, written back
 * as text for the loader to check like any description.  And the
 * constraints, read off that document. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/strbuf.h"
#include "cli.h"
#include "sweep.h"

static bool load_doc(const char *text, yaml_document_t *d)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		die("out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	bool ok = yaml_parser_load(&p, d) && yaml_document_get_root_node(d);
	if (!ok && d->nodes.start)
		yaml_document_delete(d);
	yaml_parser_delete(&p);
	return ok;
}

static bool scalar_is(yaml_document_t *d, int n, const char *s, size_t len)
{
	yaml_node_t *x = yaml_document_get_node(d, n);
	return x && x->type == YAML_SCALAR_NODE && x->data.scalar.length == len && !memcmp(x->data.scalar.value, s, len);
}

/* The value of key (len bytes) in mapping m; 0 if none. */
static int map_get(yaml_document_t *d, int m, const char *key, size_t len, yaml_node_pair_t **pair)
{
	yaml_node_t *x = yaml_document_get_node(d, m);
	for (yaml_node_pair_t *p = x->data.mapping.pairs.start; p < x->data.mapping.pairs.top; p++)
		if (scalar_is(d, p->key, key, len)) {
			if (pair)
				*pair = p;
			return p->value;
		}
	return 0;
}

/* The item of sequence s whose `name` is the first k dot-separated parts
 * of path (a name may hold dots: the longest that matches); *used gets the
 * bytes of path it took. */
static int seq_get(yaml_document_t *d, int s, const char *path, size_t *used)
{
	yaml_node_t *x = yaml_document_get_node(d, s);
	for (size_t len = strlen(path); len > 0; len--) {
		if (path[len] && path[len] != '.')
			continue;
		for (yaml_node_item_t *i = x->data.sequence.items.start; i < x->data.sequence.items.top; i++) {
			yaml_node_t *item = yaml_document_get_node(d, *i);
			if (item->type == YAML_MAPPING_NODE && scalar_is(d, map_get(d, *i, "name", 4, NULL), path, len)) {
				*used = len;
				return *i;
			}
		}
	}
	return 0;
}

/* Adds a copy of node n of document from to document to; its index. */
static int copy_node(yaml_document_t *to, yaml_document_t *from, int n)
{
	yaml_node_t *x = yaml_document_get_node(from, n);
	int c;
	switch (x->type) {
	case YAML_SCALAR_NODE:
		c = yaml_document_add_scalar(to, NULL, x->data.scalar.value, (int)x->data.scalar.length, x->data.scalar.style);
		break;
	case YAML_SEQUENCE_NODE:
		c = yaml_document_add_sequence(to, NULL, YAML_FLOW_SEQUENCE_STYLE);
		for (yaml_node_item_t *i = x->data.sequence.items.start; c && i < x->data.sequence.items.top; i++)
			yaml_document_append_sequence_item(to, c, copy_node(to, from, *i));
		break;
	default:
		c = yaml_document_add_mapping(to, NULL, YAML_FLOW_MAPPING_STYLE);
		for (yaml_node_pair_t *p = x->data.mapping.pairs.start; c && p < x->data.mapping.pairs.top; p++) {
			int k = copy_node(to, from, p->key), v = copy_node(to, from, p->value);
			yaml_document_append_mapping_pair(to, c, k, v);
		}
	}
	if (!c)
		die("out of memory");
	return c;
}

/* Walks path from the root: mappings by key, sequences by item name.  With
 * value (a node index), sets the last key to it, adding the keys that
 * mappings along the way lack.  The node reached, or 0 with why. */
static int walk(yaml_document_t *d, const char *path, int value, char *why, size_t whysize)
{
	int n = 1; /* the root */
	const char *at = path;
	while (*at) {
		yaml_node_t *x = yaml_document_get_node(d, n);
		size_t len = strcspn(at, ".");
		int next = 0;
		yaml_node_pair_t *pair = NULL;
		if (x->type == YAML_MAPPING_NODE) {
			next = map_get(d, n, at, len, &pair);
			bool last = !at[len];
			if (value && last) {
				if (pair) {
					pair->value = value;
				} else {
					int k = yaml_document_add_scalar(d, NULL, (yaml_char_t *)at, (int)len, YAML_PLAIN_SCALAR_STYLE);
					yaml_document_append_mapping_pair(d, n, k, value);
				}
				return value;
			}
			if (!next && value) { /* a mapping on the way that is not there yet */
				next = yaml_document_add_mapping(d, NULL, YAML_BLOCK_MAPPING_STYLE);
				int k = yaml_document_add_scalar(d, NULL, (yaml_char_t *)at, (int)len, YAML_PLAIN_SCALAR_STYLE);
				yaml_document_append_mapping_pair(d, n, k, next);
			}
		} else if (x->type == YAML_SEQUENCE_NODE) {
			next = seq_get(d, n, at, &len);
		}
		if (!next) {
			snprintf(why, whysize, "'%.*s' of path '%s' is not in the description (%s)", (int)len, at, path,
				 x->type == YAML_SEQUENCE_NODE ? "no item of that name" : x->type == YAML_MAPPING_NODE ? "no such key" : "a value has no keys");
			return 0;
		}
		n = next;
		at += len + (at[len] == '.');
	}
	if (value)
		snprintf(why, whysize, "path '%s' names a list item, not a key; expected a path ending in a key", path);
	return value ? 0 : n;
}

static int write_text(void *data, unsigned char *bytes, size_t size)
{
	sb_add(data, (const char *)bytes, size);
	return 1;
}

static char *emit_doc(yaml_document_t *d)
{
	yaml_emitter_t e;
	struct strbuf b = {0};
	if (!yaml_emitter_initialize(&e))
		die("out of memory");
	yaml_emitter_set_output(&e, write_text, &b);
	yaml_emitter_set_width(&e, -1);
	yaml_emitter_set_unicode(&e, 1);
	if (!yaml_emitter_open(&e) || !yaml_emitter_dump(&e, d) || !yaml_emitter_close(&e))
		die("YAML emitter: %s", e.problem ? e.problem : "out of memory");
	yaml_emitter_delete(&e);
	char *s = sb_take(&b);
	if (!s)
		die("out of memory");
	return s;
}

bool sw_path_exists(const char *text, const char *path)
{
	yaml_document_t d;
	char why[256];
	if (!load_doc(text, &d))
		return false;
	bool found = walk(&d, path, 0, why, sizeof why) != 0;
	yaml_document_delete(&d);
	return found;
}

/* Sets path in d to the YAML value written as text; false with why. */
static bool set_path(yaml_document_t *d, const char *path, const char *value, char *why, size_t whysize)
{
	yaml_document_t v;
	if (!load_doc(value, &v)) {
		snprintf(why, whysize, "value '%s' is not a YAML value", value);
		return false;
	}
	int node = copy_node(d, &v, 1);
	yaml_document_delete(&v);
	return walk(d, path, node, why, whysize) != 0;
}

char *sw_apply_one(const char *text, const char *path, const char *value, char *why, size_t whysize)
{
	yaml_document_t d;
	if (!load_doc(text, &d)) {
		snprintf(why, whysize, "the base description is not one YAML document");
		return NULL;
	}
	if (!set_path(&d, path, value, why, whysize)) {
		yaml_document_delete(&d);
		return NULL;
	}
	return emit_doc(&d); /* deletes the document */
}

char *sw_apply(const struct sweep *s, const int *vi, char *why, size_t whysize)
{
	yaml_document_t d;
	if (!load_doc(s->hw_text, &d)) {
		snprintf(why, whysize, "the base description '%s' is not one YAML document", s->hw_path);
		return NULL;
	}
	for (int a = 0; a < s->naxes; a++)
		for (int p = 0; p < s->axis[a].npaths; p++)
			if (!set_path(&d, s->axis[a].path[p], s->axis[a].value[vi[a] * s->axis[a].npaths + p], why, whysize)) {
				yaml_document_delete(&d);
				return NULL;
			}
	return emit_doc(&d); /* deletes the document */
}

/* ---- constraints: TERM OP TERM, a TERM a product of numbers and paths ---- */

/* A number, or a size with a unit as descriptions write them (32 KiB). */
static bool number_of(const char *s, double *v)
{
	char *end;
	*v = strtod(s, &end);
	if (end == s)
		return false;
	while (*end == ' ')
		end++;
	static const struct {
		const char *unit;
		double scale;
	} units[] = {{"", 1}, {"B", 1}, {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}};
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(end, units[i].unit)) {
			*v *= units[i].scale;
			return true;
		}
	return false;
}

static bool term(yaml_document_t *d, const char **p, double *v, char *why, size_t whysize)
{
	*v = 1;
	for (;;) {
		while (**p == ' ')
			(*p)++;
		size_t len = strcspn(*p, " *<>=!");
		if (!len) {
			snprintf(why, whysize, "expected a number or a path at '%s'", *p);
			return false;
		}
		char word[SW_PATH_MAX];
		snprintf(word, sizeof word, "%.*s", (int)len, *p);
		double x;
		if (!isdigit((unsigned char)word[0])) {
			int n = walk(d, word, 0, why, whysize);
			yaml_node_t *node = n ? yaml_document_get_node(d, n) : NULL;
			if (!node)
				return false;
			if (node->type != YAML_SCALAR_NODE || !number_of((const char *)node->data.scalar.value, &x)) {
				snprintf(why, whysize, "'%s' is not a number in the description", word);
				return false;
			}
		} else if (!number_of(word, &x)) {
			snprintf(why, whysize, "'%s' is not a number", word);
			return false;
		}
		*v *= x;
		*p += len;
		while (**p == ' ')
			(*p)++;
		if (**p != '*')
			return true;
		(*p)++;
	}
}

/* 1 true, 0 false, -1 with why. */
static int holds(yaml_document_t *d, const char *text, char *why, size_t whysize)
{
	static const char *const ops[] = {"<=", ">=", "==", "!=", "<", ">"};
	const char *p = text;
	double a, b;
	if (!term(d, &p, &a, why, whysize))
		return -1;
	size_t op = 0;
	while (op < 6 && strncmp(p, ops[op], strlen(ops[op])))
		op++;
	if (op == 6) {
		snprintf(why, whysize, "expected one of <= >= == != < > after the left side, at '%s'", p);
		return -1;
	}
	p += strlen(ops[op]);
	if (!term(d, &p, &b, why, whysize))
		return -1;
	if (*p) {
		snprintf(why, whysize, "unexpected '%s' after the right side", p);
		return -1;
	}
	bool r[] = {a <= b, a >= b, a == b, a != b, a < b, a > b};
	return r[op];
}

int sw_check_constraints(const struct sw_constraint *c, int n, const char *text, int *failed, char *why, size_t whysize)
{
	yaml_document_t d;
	if (!load_doc(text, &d)) {
		snprintf(why, whysize, "the point's description is not one YAML document");
		return -1;
	}
	int rc = 1;
	for (int k = 0; k < n && rc == 1; k++) {
		rc = holds(&d, c[k].text, why, whysize);
		if (rc != 1)
			*failed = k;
	}
	yaml_document_delete(&d);
	return rc;
}
