/* ir/workload: the initial data of a workload's tensors: the random
 * generator of docs/workloads.md, and the checks of raw binary and .npy files
 * against a tensor's declaration. */
#include "workload_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"

/* ---- the generator ------------------------------------------------------ */

static uint64_t splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9E3779B97F4A7C15u;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 14695981039346656037u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return h;
}

static uint64_t xorshift64(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

uint16_t wl_fp16_from_double(double v)
{
	uint16_t sign = signbit(v) ? 0x8000 : 0;
	double a = fabs(v);
	if (isnan(v))
		return 0x7e00;
	if (a >= 65520.0) /* rounds to infinity */
		return sign | 0x7c00;
	if (a < 0x1p-14) /* subnormal: multiples of 2^-24; 1024 becomes the smallest normal */
		return sign | (uint16_t)nearbyint(a * 0x1p24);
	int e;
	frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
	double q = nearbyint(ldexp(a, 11 - e)); /* 11 significant bits: [1024, 2048] */
	if (q == 2048) {
		q = 1024;
		e++;
	}
	int E = e - 1 + 15;
	if (E >= 31)
		return sign | 0x7c00;
	return sign | (uint16_t)(E << 10) | (uint16_t)((int)q - 1024);
}

void wl_default_range(enum dtype dtype, int64_t *lo, int64_t *hi)
{
	switch (dtype) {
	case DT_INT8: *lo = -128, *hi = 127; break;
	case DT_UINT8: *lo = 0, *hi = 255; break;
	case DT_INT16: *lo = -32768, *hi = 32767; break;
	case DT_INT32: *lo = -65536, *hi = 65535; break;
	default: *lo = -1, *hi = 1; break;
	}
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void wl_random_fill(uint64_t seed, const char *name, enum dtype dtype, int64_t lo, int64_t hi, int64_t n,
		    uint8_t *out)
{
	uint64_t x = splitmix64(seed ^ fnv1a64(name));
	if (!x)
		x = 0x9E3779B97F4A7C15u;
	int bytes = (int)dtype_bytes(dtype);
	uint64_t span = (uint64_t)hi - (uint64_t)lo + 1; /* 0: all of 64 bits */
	for (int64_t i = 0; i < n; i++) {
		uint64_t r = xorshift64(&x);
		uint8_t *p = out + i * bytes;
		if (dtype == DT_FP32 || dtype == DT_FP16) {
			double v = 2.0 * ((double)(r >> 11) * 0x1p-53) - 1.0;
			if (dtype == DT_FP32) {
				float f = (float)v;
				uint32_t u;
				memcpy(&u, &f, 4);
				put_le(p, u, 4);
			} else {
				put_le(p, wl_fp16_from_double(v), 2);
			}
		} else {
			int64_t v = (int64_t)((uint64_t)lo + (span ? r % span : r));
			put_le(p, (uint64_t)v, bytes);
		}
	}
}

bool wl_tensor_declared(const struct wl_workload *w, int i)
{
	return (w->data && w->data[i]) || (w->init && w->init[i].kind != WL_INIT_NONE);
}

bool wl_tensor_fill(const struct wl_workload *w, int i, uint8_t *out)
{
	size_t n = wl_tensor_bytes(w, i);
	const struct ir_tensor *t = &w->g.tensor[i];
	if (w->data && w->data[i]) {
		memcpy(out, w->data[i], n);
		return true;
	}
	switch (w->init ? w->init[i].kind : WL_INIT_NONE) {
	case WL_INIT_RANDOM:
		wl_random_fill(w->seed, t->name, t->dtype, w->init[i].lo, w->init[i].hi, ir_tensor_elems(t), out);
		return true;
	case WL_INIT_ZEROS:
	case WL_INIT_FILE: /* a file that failed to read: the load failed too */
		memset(out, 0, n);
		return true;
	default:
		return false;
	}
}

/* ---- files --------------------------------------------------------------- */

static void shape_text(const int64_t *shape, int rank, bool npy, char *buf, size_t size)
{
	size_t at = 0;
	at += (size_t)snprintf(buf, size, npy ? "(" : "[");
	for (int d = 0; d < rank && at < size; d++)
		at += (size_t)snprintf(buf + at, size - at, "%s%" PRId64, d ? ", " : "", shape[d]);
	if (at < size)
		snprintf(buf + at, size - at, "%s", npy ? (rank == 1 ? ",)" : ")") : "]");
}

static const char *npy_descr(enum dtype t)
{
	switch (t) {
	case DT_INT8: return "|i1";
	case DT_UINT8: return "|u1";
	case DT_INT16: return "<i2";
	case DT_INT32: return "<i4";
	case DT_FP16: return "<f2";
	default: return "<f4";
	}
}

/* The value after 'KEY': in the header dict, or NULL. */
static const char *npy_field(const char *hdr, const char *key)
{
	char pat[32];
	snprintf(pat, sizeof pat, "'%s'", key);
	const char *p = strstr(hdr, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

/* Checks a .npy file's header against tensor T; the data's offset, or -1
 * after reporting. */
static long npy_header(struct wl_state *S, const struct ynode *at, const char *shown, const uint8_t *buf, size_t len,
		       const struct ir_tensor *t)
{
	if (len < 10 || memcmp(buf, "\x93NUMPY", 6)) {
		yt_error(&S->yt, at, "'%s' for tensor '%s' is not a .npy file (it does not start with \\x93NUMPY)", shown,
			  t->name);
		return -1;
	}
	int major = buf[6];
	size_t hlen, off;
	if (major == 1) {
		hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
		off = 10;
	} else if ((major == 2 || major == 3) && len >= 12) {
		hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
		off = 12;
	} else {
		yt_error(&S->yt, at, "'%s' for tensor '%s' is .npy format version %d; expected 1, 2 or 3", shown, t->name,
			  major);
		return -1;
	}
	if (hlen > len - off) {
		yt_error(&S->yt, at, "'%s' for tensor '%s' is truncated inside its header", shown, t->name);
		return -1;
	}
	char *hdr = try_strndup((const char *)buf + off, hlen);
	if (!hdr) {
		yt_error(&S->yt, at, "cannot allocate %zu bytes for the .npy header of '%s' for tensor '%s'", hlen + 1,
			  shown, t->name);
		return -1;
	}
	const char *d = npy_field(hdr, "descr"), *fo = npy_field(hdr, "fortran_order"), *sh = npy_field(hdr, "shape");
	long rc = -1;
	char want[160], have[160];
	shape_text(t->shape, t->rank, true, want, sizeof want);
	if (!d || (*d != '\'' && *d != '"') || !fo || !sh || *sh != '(') {
		yt_error(&S->yt, at, "'%s' for tensor '%s' has a malformed .npy header; expected descr, fortran_order and shape",
			  shown, t->name);
		goto out;
	}
	char descr[16] = {0};
	size_t dl = strcspn(d + 1, "'\"");
	snprintf(descr, sizeof descr, "%.*s", (int)(dl < 15 ? dl : 15), d + 1);
	const char *expect = npy_descr(t->dtype);
	bool byte = dtype_bytes(t->dtype) == 1;
	if (strcmp(descr, expect) && !(byte && descr[0] == '<' && !strcmp(descr + 1, expect + 1))) {
		yt_error(&S->yt, at, "'%s' holds dtype '%s'; expected '%s' for tensor '%s' (%s)", shown, descr, expect,
			  t->name, dtype_name(t->dtype));
		goto out;
	}
	if (strncmp(fo, "False", 5)) {
		yt_error(&S->yt, at, "'%s' for tensor '%s' is in Fortran order; expected C order (fortran_order: False)",
			  shown, t->name);
		goto out;
	}
	int64_t shape[IR_MAX_RANK + 1];
	int rank = 0;
	const char *p = sh + 1;
	bool ok = true;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == ')')
			break;
		char *end;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno || v < 0 || rank == IR_MAX_RANK + 1) {
			ok = false;
			break;
		}
		shape[rank++] = v;
		p = end;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		else if (*p != ')') {
			ok = false;
			break;
		}
	}
	if (ok)
		shape_text(shape, rank, true, have, sizeof have);
	if (!ok || rank != t->rank || memcmp(shape, t->shape, (size_t)rank * sizeof *shape)) {
		yt_error(&S->yt, at, "'%s' has shape %s; expected %s for tensor '%s'", shown, ok ? have : "(unreadable)",
			  want, t->name);
		goto out;
	}
	rc = (long)(off + hlen);
out:
	free(hdr);
	return rc;
}

uint8_t *wl_read_data(struct wl_state *S, const struct ynode *at, bool npy, const struct ir_tensor *t)
{
	char *path = at->str[0] == '/' || !S->dir[0] ? try_strdup(at->str) : try_asprintf("%s/%s", S->dir, at->str);
	size_t len = 0;
	if (!path) {
		yt_error(&S->yt, at, "cannot allocate the path of data file '%s' for tensor '%s'", at->str, t->name);
		return NULL;
	}
	enum file_status st;
	char why[160];
	uint8_t *buf = file_read_input(path, FILE_DATA, &len, &st, why, sizeof why);
	free(path);
	if (!buf) {
		if (st == FILE_NOT_REGULAR || st == FILE_TOO_BIG)
			yt_error(&S->yt, at, "data file '%s' for tensor '%s' is %s", at->str, t->name, why);
		else
			yt_error(&S->yt, at, "cannot read data file '%s' for tensor '%s': %s", at->str, t->name, why);
		return NULL;
	}
	size_t want = (size_t)ir_tensor_elems(t) * dtype_bytes(t->dtype);
	long off = 0;
	if (npy && (off = npy_header(S, at, at->str, buf, len, t)) < 0) {
		free(buf);
		return NULL;
	}
	size_t have = len - (size_t)off;
	if (have != want) {
		char shape[160];
		shape_text(t->shape, t->rank, false, shape, sizeof shape);
		yt_error(&S->yt, at, "'%s' %s %zu bytes of data; expected %zu for tensor '%s' (%s %s)", at->str,
			  have < want ? "is truncated:" : "has", have, want, t->name, dtype_name(t->dtype), shape);
		free(buf);
		return NULL;
	}
	memmove(buf, buf + off, want);
	return buf;
}
