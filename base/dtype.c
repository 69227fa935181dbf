/* The element types, read off the DTYPES table so that names and sizes are
 * written down once. */
#include "dtype.h"

#include "diag.h"

static const struct {
	const char *name;
	uint32_t bytes;
	bool is_signed, is_float;
} dtypes[DTYPE_COUNT] = {
#define X(id, name, bytes, sgn, flt) {name, bytes, sgn, flt},
	DTYPES(X)
#undef X
};

/* Out-of-range enums are bugs in the caller, not bad input: every loader
 * turns a name or a stored code into an enum dtype only after checking it. */
static unsigned checked(enum dtype t)
{
	if ((int)t < 0 || (int)t >= DTYPE_COUNT)
		die("dtype %d out of range", (int)t);
	return (unsigned)t;
}

const char *dtype_name(enum dtype t) { return dtypes[checked(t)].name; }
uint32_t dtype_bytes(enum dtype t) { return dtypes[checked(t)].bytes; }
bool dtype_signed(enum dtype t) { return dtypes[checked(t)].is_signed; }
bool dtype_float(enum dtype t) { return dtypes[checked(t)].is_float; }

void dtype_int_range(enum dtype t, int64_t *lo, int64_t *hi)
{
	int bits = (int)dtype_bytes(t) * 8;
	*lo = dtype_signed(t) ? -((int64_t)1 << (bits - 1)) : 0;
	*hi = dtype_signed(t) ? ((int64_t)1 << (bits - 1)) - 1 : ((int64_t)1 << bits) - 1;
}
