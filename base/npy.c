/* npy: the header is a Python dict literal, e.g.
 *   {'descr': '<i4', 'fortran_order': False, 'shape': (1, 56, 56, 64), }
 * padded with spaces to a multiple of 64 bytes and ended by '\n'.  It is
 * parsed here as exactly that: three keys, each once, in any order. */
#include "npy.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "file.h"
#include "le.h"
#include "output.h"

static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* The descr of each dtype, as NumPy writes it.  X(dtype, descr) */
#define NPY_DESCRS(X)       \
	X(DT_INT8, "|i1")    \
	X(DT_UINT8, "|u1")   \
	X(DT_INT16, "<i2")   \
	X(DT_INT32, "<i4")   \
	X(DT_FP16, "<f2")    \
	X(DT_FP32, "<f4")

static const struct {
	enum dtype dtype;
	const char *descr;
} descrs[] = {
#define X(dt, d) {dt, d},
	NPY_DESCRS(X)
#undef X
};

const char *npy_descr(enum dtype t)
{
	for (size_t i = 0; i < sizeof descrs / sizeof descrs[0]; i++)
		if (descrs[i].dtype == t)
			return descrs[i].descr;
	return NULL;
}

/* A descr tessel holds: '|i1' and '<i1' alike for one-byte types. */
static int dtype_of(const char *d, size_t n, enum dtype *t)
{
	for (size_t i = 0; n == 3 && i < sizeof descrs / sizeof descrs[0]; i++) {
		const char *s = descrs[i].descr;
		if (!memcmp(d, s, 3) || (s[0] == '|' && d[0] == '<' && !memcmp(d + 1, s + 1, 2))) {
			*t = descrs[i].dtype;
			return 0;
		}
	}
	return -1;
}

void npy_shape_text(int rank, const int64_t *shape, char *buf, size_t n)
{
	size_t at = (size_t)snprintf(buf, n, "(");
	for (int i = 0; i < rank && at < n; i++)
		at += (size_t)snprintf(buf + at, n - at, "%s%" PRId64, i ? ", " : "", shape[i]);
	if (at < n)
		snprintf(buf + at, n - at, rank == 1 ? ",)" : ")");
}

/* ---- the header's dict ---- */

struct hparse {
	const char *start, *s, *end;
	char *why;
	size_t whysize;
	bool bad;
};

static void skip_space(struct hparse *h)
{
	while (h->s < h->end && (*h->s == ' ' || *h->s == '\t' || *h->s == '\n'))
		h->s++;
}

static bool accept(struct hparse *h, char c)
{
	skip_space(h);
	if (h->s < h->end && *h->s == c) {
		h->s++;
		return true;
	}
	return false;
}

static void fail(struct hparse *h, const char *what)
{
	if (!h->bad)
		snprintf(h->why, h->whysize, "has a malformed .npy header: expected %s at byte %td of its dict", what,
			 h->s - h->start);
	h->bad = true;
}

/* A quoted string: its text (not NUL-terminated) and length. */
static const char *string(struct hparse *h, size_t *n)
{
	skip_space(h);
	if (h->s >= h->end || (*h->s != '\'' && *h->s != '"')) {
		fail(h, "a quoted string");
		return NULL;
	}
	char q = *h->s++;
	const char *start = h->s;
	while (h->s < h->end && *h->s != q)
		h->s++;
	if (h->s >= h->end) {
		fail(h, "the end of a string");
		return NULL;
	}
	*n = (size_t)(h->s++ - start);
	return start;
}

static int64_t number(struct hparse *h)
{
	skip_space(h);
	int64_t v = 0;
	const char *start = h->s;
	while (h->s < h->end && *h->s >= '0' && *h->s <= '9' && v <= (INT64_MAX - 9) / 10)
		v = 10 * v + (*h->s++ - '0');
	if (h->s == start || (h->s < h->end && *h->s >= '0' && *h->s <= '9')) {
		fail(h, "a dimension (a number below 2^63)");
		return 0;
	}
	if (h->s < h->end && *h->s == 'L') /* Python 2 wrote longs so */
		h->s++;
	return v;
}

static void shape(struct hparse *h, struct npy_header *a)
{
	if (!accept(h, '(')) {
		fail(h, "'(' starting the shape");
		return;
	}
	a->rank = 0;
	while (!h->bad && !accept(h, ')')) {
		if (a->rank == NPY_MAX_RANK) {
			fail(h, "at most 8 dimensions");
			return;
		}
		a->shape[a->rank++] = number(h);
		if (!accept(h, ',') && !(skip_space(h), h->s < h->end && *h->s == ')'))
			fail(h, "',' or ')' in the shape");
	}
}

/* The descr as a message shows it: a NUL or another unprintable byte as
 * \xNN (a C string would end at the NUL, and show '<i' for '<i\x001'),
 * cut to fit. */
static void descr_text(const char *v, size_t vn, char *out, size_t n)
{
	size_t at = 0;
	for (size_t i = 0; i < vn && at + 5 <= n; i++) {
		unsigned char c = (unsigned char)v[i];
		at += (size_t)snprintf(out + at, n - at, c >= ' ' && c < 127 ? "%c" : "\\x%02x", c);
	}
	out[at] = 0;
}

static bool key_is(const char *k, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(k, want, n);
}

/* Parses the dict into a; -1 with why. */
static int dict(const char *text, size_t len, struct npy_header *a, char *why, size_t whysize)
{
	struct hparse h = {text, text, text + len, why, whysize, false};
	bool seen[3] = {false, false, false};
	if (!accept(&h, '{'))
		fail(&h, "'{'");
	while (!h.bad && !accept(&h, '}')) {
		size_t kn, vn;
		const char *k = string(&h, &kn);
		if (h.bad || !accept(&h, ':')) {
			fail(&h, "':' after a key");
			break;
		}
		if (key_is(k, kn, "descr") && !seen[0]) {
			seen[0] = true;
			const char *v = string(&h, &vn);
			if (!h.bad) {
				descr_text(v, vn, a->descr, sizeof a->descr);
				enum dtype t;
				a->dtype = dtype_of(v, vn, &t) ? -1 : (int)t;
			}
		} else if (key_is(k, kn, "fortran_order") && !seen[1]) {
			seen[1] = true;
			skip_space(&h);
			a->fortran = (size_t)(h.end - h.s) >= 4 && !memcmp(h.s, "True", 4);
			if (a->fortran)
				h.s += 4;
			else if ((size_t)(h.end - h.s) >= 5 && !memcmp(h.s, "False", 5))
				h.s += 5;
			else
				fail(&h, "True or False for fortran_order");
		} else if (key_is(k, kn, "shape") && !seen[2]) {
			seen[2] = true;
			shape(&h, a);
		} else {
			fail(&h, "one each of the keys 'descr', 'fortran_order', 'shape'");
		}
		if (!h.bad && !accept(&h, ',') && !(skip_space(&h), h.s < h.end && *h.s == '}'))
			fail(&h, "',' or '}'");
	}
	if (!h.bad && !(seen[0] && seen[1] && seen[2]))
		fail(&h, "the keys 'descr', 'fortran_order' and 'shape'");
	return h.bad ? -1 : 0;
}

/* ---- files ---- */

/* Bytes of the array; -1 (UINT64_MAX) when they overflow. */
/* The array's data bytes; false when they pass 2^64. */
static bool array_bytes(const struct npy *a, uint64_t *bytes)
{
	uint64_t n = dtype_bytes(a->dtype);
	for (int i = 0; i < a->rank; i++)
		if (!a->shape[i]) {
			*bytes = 0;
			return true;
		}
	for (int i = 0; i < a->rank; i++) {
		if (n > UINT64_MAX / (uint64_t)a->shape[i])
			return false;
		n *= (uint64_t)a->shape[i];
	}
	*bytes = n;
	return true;
}

int npy_parse(const uint8_t *buf, size_t len, struct npy_header *h, char *why, size_t whysize)
{
	memset(h, 0, sizeof *h);
	h->dtype = -1;
	if (len < 10 || memcmp(buf, magic, 6)) {
		snprintf(why, whysize, "is not a .npy file (it does not start with \\x93NUMPY)");
		return -1;
	}
	int major = buf[6];
	if (major < 1 || major > 3) {
		snprintf(why, whysize, "is .npy format version %d; expected 1, 2 or 3", major);
		return -1;
	}
	size_t lenbytes = major == 1 ? 2 : 4, at = 8 + lenbytes;
	uint64_t hlen = len >= at ? le_get(buf + 8, (int)lenbytes) : 0;
	if (len < at || hlen > len - at) {
		snprintf(why, whysize, "is truncated inside its header");
		return -1;
	}
	if (dict((const char *)buf + at, (size_t)hlen, h, why, whysize))
		return -1;
	h->data_off = at + (size_t)hlen;
	return 0;
}

int npy_decode(const uint8_t *buf, size_t len, const char *name, struct npy *a, struct diags *err)
{
	memset(a, 0, sizeof *a);
	struct npy_header h;
	char why[200];
	if (npy_parse(buf, len, &h, why, sizeof why)) {
		diag_add(err, name, 0, 0, "the file %s", why);
		return -1;
	}
	if (h.dtype < 0) {
		diag_add(err, name, 0, 0, "the array holds dtype '%s'; expected one of |i1 (int8), |u1 (uint8), <i2 "
			 "(int16), <i4 (int32), <f2 (fp16), <f4 (fp32)", h.descr);
		return -1;
	}
	if (h.fortran) {
		diag_add(err, name, 0, 0, "the array is in Fortran order; expected C order (fortran_order: False)");
		return -1;
	}
	a->dtype = (enum dtype)h.dtype, a->rank = h.rank;
	memcpy(a->shape, h.shape, sizeof h.shape);
	uint64_t need, have = len - h.data_off;
	bool sized = array_bytes(a, &need);
	if (!sized || need != have) {
		char s[200], bytes[32];
		npy_shape_text(a->rank, a->shape, s, sizeof s);
		snprintf(bytes, sizeof bytes, sized ? "%" PRIu64 : "more than 2^64", need);
		diag_add(err, name, 0, 0, "the array %s of %s needs %s bytes of data; the file has %" PRIu64, s,
			 dtype_name(a->dtype), bytes, have);
		return -1;
	}
	a->bytes = need;
	if (!(a->data = try_malloc((size_t)need + 1)))
		return diag_nomem(err, name, (size_t)need, "the array in '%s'", name);
	memcpy(a->data, buf + h.data_off, (size_t)need);
	return 0;
}

int npy_read(const char *path, struct npy *a, struct diags *err)
{
	memset(a, 0, sizeof *a);
	size_t len;
	uint8_t *b = file_read_bytes(path, FILE_DATA, &len, err);
	if (!b)
		return -1;
	int rc = npy_decode(b, len, path, a, err);
	free(b);
	return rc;
}

uint8_t *npy_encode(enum dtype dtype, int rank, const int64_t *shape, const uint8_t *data, size_t *len)
{
	/* magic, version, length, the dict, spaces, '\n': a multiple of 64 bytes */
	char dict[400], s[300];
	npy_shape_text(rank, shape, s, sizeof s);
	int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", npy_descr(dtype), s);
	size_t head = 10 + (size_t)n + 1, pad = (64 - head % 64) % 64, hlen = (size_t)n + pad + 1;
	struct npy a = {.dtype = dtype, .rank = rank};
	memcpy(a.shape, shape, sizeof *shape * (size_t)rank);
	uint64_t bytes;
	if (!array_bytes(&a, &bytes) || bytes > SIZE_MAX - head - pad)
		return NULL;
	uint8_t *b = try_malloc(head + pad + (size_t)bytes);
	if (!b)
		return NULL;
	memcpy(b, magic, 6);
	b[6] = 1, b[7] = 0, b[8] = (uint8_t)(hlen & 0xff), b[9] = (uint8_t)(hlen >> 8);
	memcpy(b + 10, dict, (size_t)n);
	memset(b + 10 + n, ' ', pad);
	b[head + pad - 1] = '\n';
	if (bytes)
		memcpy(b + head + pad, data, (size_t)bytes);
	*len = head + pad + (size_t)bytes;
	return b;
}

int npy_write(const char *path, enum dtype dtype, int rank, const int64_t *shape, const uint8_t *data,
	      struct diags *err)
{
	size_t len;
	uint8_t *b = npy_encode(dtype, rank, shape, data, &len);
	if (!b)
		return diag_nomem(err, path, 0, "the array written to '%s'", path);
	int rc = out_write(path, b, len, err);
	free(b);
	return rc;
}

void npy_free(struct npy *a)
{
	free(a->data);
	a->data = NULL;
}
