/* value: reading and writing one element of a typed array held as raw bytes
 * (little-endian integers, IEEE binary16/binary32), the way the accelerator
 * stores them.  Shared by the simulator and the host-side packing. */
#ifndef TESSEL_VALUE_H
#define TESSEL_VALUE_H

#include <stdint.h>

#include "../hwdesc/hw.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Element i of an integer array. */
int64_t val_get_int(const uint8_t *p, enum dtype t, uint64_t i);
/* Element i of any array, as a double (exact for every dtype). */
double val_get_float(const uint8_t *p, enum dtype t, uint64_t i);
/* Integers wrap to the type's width (two's complement), as hardware does. */
void val_put_int(uint8_t *p, enum dtype t, uint64_t i, int64_t v);
/* Floats round to nearest even in the target type. */
void val_put_float(uint8_t *p, enum dtype t, uint64_t i, double v);

#ifdef __cplusplus
}
#endif

#endif
