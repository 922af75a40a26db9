/*
 * Big-endian loads and stores for the codec (RFC 6887 section 7: every
 * multi-octet number is in network order).  Byte-wise, so they need no
 * alignment and no endianness test.
 */
#ifndef PORTCTL_WIRE_BYTES_H
#define PORTCTL_WIRE_BYTES_H

#include <stdint.h>

static inline uint16_t pctl_get16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t pctl_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void pctl_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pctl_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
