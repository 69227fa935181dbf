/* value: typed element access on raw bytes.  The dtype is the caller's to
 * get right: an integer access to a float element is a bug in the caller
 * (every path picks the integer or the float access from dtype_float), not
 * something input can cause, so it is a die(). */
#include "value.h"

#include <string.h>

#include "diag.h"
#include "half.h"

int64_t val_get_int(const uint8_t *p, enum dtype t, uint64_t i)
{
	switch (t) {
	case DT_INT8: return ((const int8_t *)p)[i];
	case DT_UINT8: return p[i];
	case DT_INT16: { int16_t v; memcpy(&v, p + 2 * i, 2); return v; }
	case DT_INT32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
	default: die("integer read of %s", dtype_name(t));
	}
}

double val_get_float(const uint8_t *p, enum dtype t, uint64_t i)
{
	if (t == DT_FP16) {
		half16 h;
		memcpy(&h, p + 2 * i, 2);
		return half_to_double(h);
	}
	if (t == DT_FP32) {
		float f;
		memcpy(&f, p + 4 * i, 4);
		return f;
	}
	return (double)val_get_int(p, t, i);
}

void val_put_int(uint8_t *p, enum dtype t, uint64_t i, int64_t v)
{
	switch (t) {
	case DT_INT8: case DT_UINT8: p[i] = (uint8_t)v; break;
	case DT_INT16: { uint16_t w = (uint16_t)v; memcpy(p + 2 * i, &w, 2); break; }
	case DT_INT32: { uint32_t w = (uint32_t)v; memcpy(p + 4 * i, &w, 4); break; }
	default: die("integer write of %s", dtype_name(t));
	}
}

void val_put_float(uint8_t *p, enum dtype t, uint64_t i, double v)
{
	if (t == DT_FP16) {
		half16 h = half_from_double(v);
		memcpy(p + 2 * i, &h, 2);
	} else {
		float f = (float)v;
		memcpy(p + 4 * i, &f, 4);
	}
}
