/*
 * Address helpers of the data plane.  pctl_addr holds IPv4 as
 * IPv4-mapped IPv6 (::ffff:a.b.c.d); the kernel wants the bare 4 or 16
 * octets.  Kept local (not libportctl) so that the data plane depends on
 * the codec's types only.
 */
#ifndef PORTCTL_DATAPLANE_DP_ADDR_H
#define PORTCTL_DATAPLANE_DP_ADDR_H

#include <stdbool.h>
#include <string.h>

#include <portctl/wire.h>

static inline bool dp_addr_v4(const pctl_addr *a)
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0,    0,
	                                0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a->b, pfx, sizeof(pfx)) == 0;
}

/* The octets the kernel sees: 4 for IPv4-mapped, else 16. */
static inline const uint8_t *dp_addr_raw(const pctl_addr *a, size_t *len)
{
	bool v4 = dp_addr_v4(a);
	*len = v4 ? 4 : 16;
	return v4 ? a->b + 12 : a->b;
}

static inline bool dp_addr_eq(const pctl_addr *a, const pctl_addr *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

#endif
