/* le: unsigned integers of 1 to 8 bytes, least significant byte first, as
 * tessel's binary formats (.tsp programs, serialized IR ops, .npy headers)
 * store them whatever the host's byte order.  sb_add_le (strbuf.h) appends
 * one to a growing buffer. */
#ifndef TESSEL_LE_H
#define TESSEL_LE_H

#include <stdint.h>

static inline uint64_t le_get(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void le_set(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
