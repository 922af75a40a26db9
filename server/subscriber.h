/*
 * The subscriber a source address belongs to (S-41, S-7): what quotas and
 * rate limits count, so that one customer cannot multiply them by using
 * more addresses.  An IPv6 host picks any number of addresses inside the
 * prefix it was delegated (SLAAC privacy addresses, or deliberately), so
 * the key is a prefix: by default an IPv4 address (/32) and an IPv6 /64,
 * the smallest prefix a LAN is given.  Operators who delegate a /56 to
 * each customer set the IPv6 length to 56.
 */
#ifndef PORTCTL_SERVER_SUBSCRIBER_H
#define PORTCTL_SERVER_SUBSCRIBER_H

#include <stdint.h>

#include <portctl/wire.h>

#define PCTL_SUBSCRIBER_V4_DEFAULT 32
#define PCTL_SUBSCRIBER_V6_DEFAULT 64

/* addr with every bit past the subscriber prefix cleared: v4_len (0..32)
 * for an IPv4 address (held v4-mapped), v6_len (0..128) otherwise. */
static inline pctl_addr pctl_subscriber_key(const pctl_addr *addr,
                                            uint8_t v4_len, uint8_t v6_len)
{
	pctl_addr k = *addr;
	unsigned keep = pctl_addr_is_v4(addr) ? 96u + v4_len : v6_len;

	for (unsigned i = keep / 8; i < 16; i++) {
		unsigned bits = i * 8 < keep ? keep - i * 8 : 0;
		k.b[i] &= (uint8_t)(0xff00u >> bits);
	}
	return k;
}

#endif
