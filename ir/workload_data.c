/* ir/workload: the data of a workload's tensors: their sizes' limits, the
 * random generator of docs/workloads.md, and the checks of raw binary and
 * .npy files against a tensor's declaration. */
#include "workload_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/npy.h"
#include "base/alloc.h"
#include "base/file.h"
#include "base/le.h"
#include "base/value.h"

/* ---- sizes --------------------------------------------------------------- */

/* Running a workload holds every tensor at once (compiler/runtime.c): a
 * computed tensor past WL_MAX_DATA_BYTES (as a declared one: its data
 * could not be read back from a file either), or the first tensor,
 * declared or computed, that takes the sum past WL_MAX_TOTAL_BYTES, is an
 * error at its op or declaration. */
void wl_check_sizes(struct wl_state *S)
{
	const struct wl_workload *w = S->w;
	uint64_t total = 0;
	for (int i = 0; i < w->g.ntensors; i++) {
		uint64_t n = (uint64_t)ir_tensor_elems(&w->g.tensor[i]) * dtype_bytes(w->g.tensor[i].dtype);
		if (n > (uint64_t)WL_MAX_DATA_BYTES) {
			yt_error_lc(&S->yt, w->tensor_at[i].line, w->tensor_at[i].col,
				    "tensor '%s' would hold %" PRIu64 " bytes of data; at most %" PRId64 " (1 GiB)",
				    w->g.tensor[i].name, n, WL_MAX_DATA_BYTES);
			return;
		}
		if (n > WL_MAX_TOTAL_BYTES - total) {
			yt_error_lc(&S->yt, w->tensor_at[i].line, w->tensor_at[i].col,
				    "tensor '%s' (%" PRIu64 " bytes) brings the workload's tensors to more than %" PRIu64
				    " bytes (4 GiB), the most they may hold together",
				    w->g.tensor[i].name, n, WL_MAX_TOTAL_BYTES);
			return;
		}
		total += n;
	}
}

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
				le_set(p, u, 4);
			} else {
				le_set(p, wl_fp16_from_double(v), 2);
			}
		} else {
			int64_t v = (int64_t)((uint64_t)lo + (span ? r % span : r));
			le_set(p, (uint64_t)v, bytes);
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

void wl_bound_constants(struct wl_workload *w)
{
	for (int i = 0; i < w->g.ntensors; i++) {
		struct ir_tensor *t = &w->g.tensor[i];
		enum wl_init_kind k = w->data && w->data[i] ? WL_INIT_FILE : w->init ? w->init[i].kind : WL_INIT_NONE;
		t->bounded = t->kind == IR_TENSOR_WEIGHT && !dtype_float(t->dtype) && k != WL_INIT_NONE &&
			     (k != WL_INIT_FILE || (w->data && w->data[i]));
		if (!t->bounded)
			continue;
		if (k == WL_INIT_RANDOM) {
			t->lo = w->init[i].lo, t->hi = w->init[i].hi;
			continue;
		}
		t->lo = t->hi = 0;
		int64_t n = k == WL_INIT_FILE ? ir_tensor_elems(t) : 0;
		for (int64_t e = 0; e < n; e++) {
			int64_t v = val_get_int(w->data[i], t->dtype, (uint64_t)e);
			t->lo = e == 0 || v < t->lo ? v : t->lo;
			t->hi = e == 0 || v > t->hi ? v : t->hi;
		}
	}
}

/* ---- files --------------------------------------------------------------- */

/* "[1, 56, 56, 64]", as the workload file writes a shape. */
static void shape_text(const int64_t *shape, int rank, char *buf, size_t size)
{
	size_t at = (size_t)snprintf(buf, size, "[");
	for (int d = 0; d < rank && at < size; d++)
		at += (size_t)snprintf(buf + at, size - at, "%s%" PRId64, d ? ", " : "", shape[d]);
	if (at < size)
		snprintf(buf + at, size - at, "]");
}

/* Checks a .npy file's header against tensor T; the data's offset, or -1
 * after reporting. */
static long npy_header(struct wl_state *S, const struct ynode *at, const char *shown, const uint8_t *buf, size_t len,
		       const struct ir_tensor *t)
{
	struct npy_header h;
	char why[200], want[160], have[160];
	if (npy_parse(buf, len, &h, why, sizeof why)) {
		yt_error(&S->yt, at, "'%s' for tensor '%s' %s", shown, t->name, why);
		return -1;
	}
	if (h.dtype != (int)t->dtype) {
		yt_error(&S->yt, at, "'%s' holds dtype '%s'; expected '%s' for tensor '%s' (%s)", shown, h.descr,
			 npy_descr(t->dtype), t->name, dtype_name(t->dtype));
		return -1;
	}
	if (h.fortran) {
		yt_error(&S->yt, at, "'%s' for tensor '%s' is in Fortran order; expected C order (fortran_order: False)",
			 shown, t->name);
		return -1;
	}
	if (h.rank != t->rank || memcmp(h.shape, t->shape, (size_t)h.rank * sizeof *h.shape)) {
		npy_shape_text(t->rank, t->shape, want, sizeof want);
		npy_shape_text(h.rank, h.shape, have, sizeof have);
		yt_error(&S->yt, at, "'%s' has shape %s; expected %s for tensor '%s'", shown, have, want, t->name);
		return -1;
	}
	return (long)h.data_off;
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
	struct wl_workload *w = S->w;
	if (buf && !try_resize(&w->data_files, (size_t)w->ndata_files + 1, sizeof *w->data_files))
		w->data_files[w->ndata_files++] = path, path = NULL;
	else if (buf)
		yt_error(&S->yt, at, "cannot allocate the list of data files (at '%s' for tensor '%s')", at->str, t->name);
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
		shape_text(t->shape, t->rank, shape, sizeof shape);
		yt_error(&S->yt, at, "'%s' %s %zu bytes of data; expected %zu for tensor '%s' (%s %s)", at->str,
			  have < want ? "is truncated:" : "has", have, want, t->name, dtype_name(t->dtype), shape);
		free(buf);
		return NULL;
	}
	memmove(buf, buf + off, want);
	return buf;
}
