/* Generic checks of YAML values for the loader: mappings with known keys,
 * integers, sizes, names, words from a fixed list.  Each reports one error,
 * at the node, saying what was expected and what was found. */
#include "ytree.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void yt_error(struct yt_ctx *yt, const struct ynode *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_addv(yt->err, yt->file, at ? at->line : 0, at ? at->col : 0, fmt, ap);
	va_end(ap);
}

void yt_error_lc(struct yt_ctx *yt, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_addv(yt->err, yt->file, line, col, fmt, ap);
	va_end(ap);
}

const char *yt_show(const struct ynode *n, char *buf, size_t size)
{
	if (!n)
		return "nothing";
	if (n->kind == YN_SEQ)
		return "a sequence";
	if (n->kind == YN_MAP)
		return "a mapping";
	if (n->plain && n->len == 0)
		return "nothing";
	/* Long values are shortened in messages (only there), at a character
	 * boundary; control characters are shown as '?'. */
	enum { SHOW = 40 };
	char text[SHOW + 4];
	size_t k = n->len;
	if (k > SHOW) {
		k = SHOW;
		while (k > 0 && ((unsigned char)n->str[k] & 0xC0) == 0x80)
			k--;
	}
	for (size_t i = 0; i < k; i++)
		text[i] = (unsigned char)n->str[i] < 0x20 || n->str[i] == 0x7f ? '?' : n->str[i];
	strcpy(text + k, k < n->len ? "..." : "");
	snprintf(buf, size, n->plain ? "'%s'" : "the string \"%s\"", text);
	return buf;
}

static const char *in_ctx(const char *ctx)
{
	return ctx ? ctx : "the top-level mapping";
}

static bool same_key(const struct ynode *a, const struct ynode *b)
{
	return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

bool yt_key_ok(struct yt_ctx *yt, const struct ynode *map, int i, const char *ctx)
{
	const struct ynode *k = map->kid[i];
	char b[80];
	if (k->kind != YN_SCALAR || (k->plain && k->len == 0)) {
		yt_error(yt, k, "expected a key name in %s, got %s", in_ctx(ctx), yt_show(k, b, sizeof b));
		return false;
	}
	for (int j = 0; j < i; j += 2) {
		if (map->kid[j]->kind == YN_SCALAR && same_key(map->kid[j], k)) {
			yt_error(yt, k, "duplicate key %s in %s; the first is at line %d",
				  yt_show(k, b, sizeof b), in_ctx(ctx), map->kid[j]->line);
			return false;
		}
	}
	return true;
}

static void join(const char *const *names, int n, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

bool yt_fields(struct yt_ctx *yt, const struct ynode *map, const char *what, const char *ctx,
		const char *const *keys, int nkeys, const char *expect,
		const struct ynode **vals, const struct ynode **keys_at)
{
	char b[80];
	for (int i = 0; i < nkeys; i++)
		vals[i] = keys_at[i] = NULL;
	if (map->kind != YN_MAP) {
		yt_error(yt, map, "expected a mapping for %s, got %s", what, yt_show(map, b, sizeof b));
		return false;
	}
	for (int i = 0; i + 1 < map->n; i += 2) {
		if (!yt_key_ok(yt, map, i, ctx))
			continue;
		const struct ynode *k = map->kid[i];
		int j = 0;
		while (j < nkeys && !(strlen(keys[j]) == k->len && !memcmp(keys[j], k->str, k->len)))
			j++;
		if (j == nkeys) {
			char list[256];
			join(keys, nkeys, list, sizeof list);
			yt_error(yt, k, "unknown key %s in %s; expected one of: %s", yt_show(k, b, sizeof b),
				  in_ctx(ctx), expect ? expect : list);
			continue;
		}
		vals[j] = map->kid[i + 1];
		keys_at[j] = k;
	}
	return true;
}

bool yt_require(struct yt_ctx *yt, const struct ynode *map, const struct ynode *val,
		 const char *key, const char *ctx)
{
	if (val)
		return true;
	yt_error(yt, map, "missing required key '%s' in %s", key, in_ctx(ctx));
	return false;
}

/* Decimal digits only: no sign, no hex, no '_' (see docs/hwdesc.md).
 * 0: ok, 1: not an integer, 2: too large for 64 bits. */
int yt_parse_u64(const char *s, size_t len, uint64_t *out)
{
	if (len == 0)
		return 1;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return 2;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

bool yt_uint(struct yt_ctx *yt, const struct ynode *n, const char *key, const char *ctx,
	      uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	int r = n->kind == YN_SCALAR && n->plain ? yt_parse_u64(n->str, n->len, &v) : 1;
	if (r == 0 && v >= min && v <= max) {
		*out = (uint32_t)v;
		return true;
	}
	char want[64], b[80];
	if (min == 0 && max == UINT32_MAX)
		snprintf(want, sizeof want, "a non-negative integer");
	else if (min == 1 && max == UINT32_MAX)
		snprintf(want, sizeof want, "a positive integer");
	else
		snprintf(want, sizeof want, "an integer from %u to %u", min, max);
	bool huge = r == 2 || (r == 0 && v > UINT32_MAX);
	yt_error(yt, n, "expected %s for '%s' in %s, got %s%s", want, key, in_ctx(ctx),
		  yt_show(n, b, sizeof b), huge ? " (too large: at most 4294967295)" : "");
	return false;
}

/* A size: plain bytes ("65536") or "N B", "N KiB", "N MiB", "N GiB" with N a
 * positive integer and an optional space. */
static bool size_value(const struct ynode *n, uint64_t *out, bool *huge)
{
	*huge = false;
	if (n->kind != YN_SCALAR)
		return false;
	size_t d = 0;
	while (d < n->len && n->str[d] >= '0' && n->str[d] <= '9')
		d++;
	uint64_t v;
	int r = yt_parse_u64(n->str, d, &v);
	if (r == 1)
		return false;
	const char *unit = n->str + d;
	size_t ulen = n->len - d;
	if (ulen > 0 && *unit == ' ') {
		unit++;
		ulen--;
	}
	static const struct { const char *name; int shift; } units[] = {
		{"B", 0}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30},
	};
	int shift = -1;
	if (d == n->len) {
		if (!n->plain) /* "65536" in quotes is a string, not a number */
			return false;
		shift = 0;
	}
	for (size_t i = 0; shift < 0 && i < sizeof units / sizeof *units; i++)
		if (strlen(units[i].name) == ulen && !memcmp(units[i].name, unit, ulen))
			shift = units[i].shift;
	if (shift < 0)
		return false;
	if (r == 2 || v > (UINT64_MAX >> shift)) {
		*huge = true;
		return false;
	}
	*out = v << shift;
	return *out > 0;
}

bool yt_size(struct yt_ctx *yt, const struct ynode *n, const char *key, const char *ctx,
		     uint64_t *out)
{
	bool huge;
	if (size_value(n, out, &huge))
		return true;
	char b[80];
	yt_error(yt, n,
		  "expected a positive size for '%s' in %s (bytes as an integer, or \"N B\", \"N KiB\", "
		  "\"N MiB\", \"N GiB\"), got %s%s",
		  key, in_ctx(ctx), yt_show(n, b, sizeof b), huge ? " (too large for 64 bits)" : "");
	return false;
}

bool yt_is_name(const char *s, size_t len, bool c_ident)
{
	if (len == 0 || !(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = s[i];
		bool ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || (!c_ident && (c == '.' || c == '-'));
		if (!ok)
			return false;
	}
	return true;
}

bool yt_name(struct yt_ctx *yt, const struct ynode *n, const char *key, const char *ctx,
	      bool c_ident, size_t size, char *out)
{
	char b[80];
	if (n->kind != YN_SCALAR || !yt_is_name(n->str, n->len, c_ident)) {
		yt_error(yt, n, "expected a name for '%s' in %s (a letter or '_', then letters, digits%s), got %s",
			  key, in_ctx(ctx), c_ident ? " or '_'" : ", '_', '.' or '-'", yt_show(n, b, sizeof b));
		return false;
	}
	if (n->len >= size) {
		yt_error(yt, n, "expected a name of at most %zu characters for '%s' in %s, got %s (%zu characters)",
			  size - 1, key, in_ctx(ctx), yt_show(n, b, sizeof b), n->len);
		return false;
	}
	memcpy(out, n->str, n->len + 1);
	return true;
}

bool yt_peek_name(const struct ynode *map, size_t size, char *out)
{
	if (map->kind != YN_MAP)
		return false;
	for (int i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = map->kid[i], *v = map->kid[i + 1];
		if (k->kind == YN_SCALAR && k->len == 4 && !memcmp(k->str, "name", 4)) {
			if (v->kind != YN_SCALAR || !yt_is_name(v->str, v->len, false) || v->len >= size)
				return false;
			memcpy(out, v->str, v->len + 1);
			return true;
		}
	}
	return false;
}

/* One of a fixed list of words: a dtype, a role, an ALU op. */
static int word(const struct ynode *n, const char *const *words, int nwords)
{
	if (n->kind != YN_SCALAR)
		return -1;
	for (int i = 0; i < nwords; i++)
		if (words[i] && strlen(words[i]) == n->len && !memcmp(words[i], n->str, n->len))
			return i;
	return -1;
}

bool yt_enum(struct yt_ctx *yt, const struct ynode *n, const char *what, const char *key,
		       const char *ctx, const char *const *words, int nwords, int *out)
{
	int i = word(n, words, nwords);
	if (i >= 0) {
		*out = i;
		return true;
	}
	char list[128], b[80];
	const char *shown[16];
	int k = 0;
	for (int j = 0; j < nwords; j++)
		if (words[j])
			shown[k++] = words[j];
	join(shown, k, list, sizeof list);
	if (n->kind == YN_SCALAR && !(n->plain && n->len == 0))
		yt_error(yt, n, "unknown %s %s for '%s' in %s; expected one of: %s", what,
			  yt_show(n, b, sizeof b), key, in_ctx(ctx), list);
	else
		yt_error(yt, n, "expected a %s for '%s' in %s (one of: %s), got %s", what, key, in_ctx(ctx),
			  list, yt_show(n, b, sizeof b));
	return false;
}

static const char *const dtype_words[] = {
#define X(id, name, bytes, sgn, flt) name,
	DTYPES(X)
#undef X
};

bool yt_dtype(struct yt_ctx *yt, const struct ynode *n, const char *key, const char *ctx,
	       enum dtype *out)
{
	int v = 0;
	if (!yt_enum(yt, n, "dtype", key, ctx, dtype_words, DTYPE_COUNT, &v))
		return false;
	*out = (enum dtype)v;
	return true;
}

/* A positive decimal number (clock_mhz): digits, optionally a fraction and
 * an exponent; what "%.17g" prints, so the canonical form reads back. */
/* A plain decimal number, finite and not negative (no sign is read). */
static bool plain_number(const struct ynode *n, double *out)
{
	if (n->kind != YN_SCALAR || !n->plain)
		return false;
	const char *s = n->str;
	size_t i = 0, len = n->len;
	size_t d0 = i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == d0)
		return false;
	if (i < len && s[i] == '.') {
		size_t f0 = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f0)
			return false;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t e0 = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == e0)
			return false;
	}
	if (i != len)
		return false;
	errno = 0;
	double v = strtod(s, NULL);
	if (errno == ERANGE || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool yt_positive_number(const struct ynode *n, double *out)
{
	double v;
	if (!plain_number(n, &v) || !(v > 0))
		return false;
	*out = v;
	return true;
}

bool yt_nonnegative_number(const struct ynode *n, double *out)
{
	return plain_number(n, out);
}
