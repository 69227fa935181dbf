/* dtype: the element types tensors and buffers hold (little-endian
 * integers, IEEE binary16/binary32).  Every layer names them: a hardware
 * description's buffers, the IR's tensors, the values the simulator
 * computes, so they live at the bottom, written once. */
#ifndef TESSEL_DTYPE_H
#define TESSEL_DTYPE_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types.  X(id, name, bytes, is_signed, is_float) */
#define DTYPES(X)                      \
	X(INT8, "int8", 1, true, false)   \
	X(UINT8, "uint8", 1, false, false) \
	X(INT16, "int16", 2, true, false) \
	X(INT32, "int32", 4, true, false) \
	X(FP16, "fp16", 2, true, true)    \
	X(FP32, "fp32", 4, true, true)

enum dtype {
#define X(id, name, bytes, sgn, flt) DT_##id,
	DTYPES(X)
#undef X
	DTYPE_COUNT
};

const char *dtype_name(enum dtype t);
uint32_t dtype_bytes(enum dtype t);
bool dtype_signed(enum dtype t);
bool dtype_float(enum dtype t);
/* The least and greatest value of an integer dtype. */
void dtype_int_range(enum dtype t, int64_t *lo, int64_t *hi);

#ifdef __cplusplus
}
#endif

#endif
