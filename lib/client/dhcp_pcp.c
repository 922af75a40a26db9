/*
 * The PCP server options of DHCP (RFC 7291; C-2, K-27): the payload a
 * host's DHCP client received for OPTION_V6_PCP_SERVER (86) or
 * OPTION_V4_PCP_SERVER (158), turned into servers and their addresses.
 * A library cannot own the host's DHCP exchange, so the caller (portctl's
 * --dhcp4 / --dhcp6, fed by a dhclient hook) hands over the option data.
 */
#include <errno.h>
#include <string.h>

#include <portctl/client.h>

/* C-2: multicast and loopback MUST be silently discarded (RFC 7291
 * sections 3.2 and 4.2, ranges of RFC 6890).  The unspecified address and
 * the IPv4 limited broadcast cannot name a server either, so they go too
 * (an implementation choice). */
static bool unusable(const pctl_addr *a)
{
	uint8_t v4[4];

	if (pctl_addr_is_any(a) || pctl_addr_is_loopback(a))
		return true;
	if (pctl_addr_to_v4(a, v4))
		return (v4[0] & 0xf0) == 0xe0 || /* 224.0.0.0/4 */
		       (v4[0] == 255 && v4[1] == 255 && v4[2] == 255 &&
		        v4[3] == 255);
	return a->b[0] == 0xff; /* ff00::/8 */
}

/* Appends a to the server under construction unless it must be
 * discarded.  -1 with errno ENOSPC past PCTL_DHCP_PCP_MAX_ADDRS. */
static int keep_addr(struct pctl_dhcp_server *s, const pctl_addr *a)
{
	if (unusable(a))
		return 0;
	if (s->n_addrs == PCTL_DHCP_PCP_MAX_ADDRS) {
		errno = ENOSPC;
		return -1;
	}
	s->addrs[s->n_addrs++] = *a;
	return 0;
}

/* One DHCPv6 option instance is one server (RFC 7291 section 3.2). */
static int decode_v6(const uint8_t *p, size_t len, struct pctl_dhcp_server *s)
{
	if (len == 0 || len % 16) { /* K-27: a multiple of 16 */
		errno = EINVAL;
		return -1;
	}
	for (size_t off = 0; off < len; off += 16) {
		pctl_addr a;

		memcpy(a.b, p + off, 16);
		if (keep_addr(s, &a) < 0)
			return -1;
	}
	return 0;
}

/* The structure of a DHCPv4 option: blocks of List-Length (a non-zero
 * multiple of 4) then as many octets, ending exactly at the end; at least
 * one block, which makes K-27's Length >= 5.  Checked whole before
 * anything is decoded.  True when it is well formed. */
static bool v4_well_formed(const uint8_t *p, size_t len)
{
	size_t off = 0;

	if (len == 0) /* an empty option */
		return false;
	while (off < len) {
		size_t ll = p[off];
		if (ll == 0 || ll % 4 || ll > len - off - 1)
			return false;
		off += 1 + ll;
	}
	return true;
}

static void clear(struct pctl_dhcp_server *out, size_t max)
{
	if (out && max)
		memset(out, 0, max * sizeof(*out));
}

int pctl_dhcp_pcp_servers(int family, const uint8_t *payload, size_t len,
                          unsigned ifindex, struct pctl_dhcp_server *out,
                          size_t max, size_t *n_out)
{
	size_t n = 0, off = 0;
	int rc = 0;

	*n_out = 0;
	clear(out, max);
	if ((family != 4 && family != 6) || (!payload && len)) {
		errno = EINVAL;
		return -1;
	}
	if (family == 6) {
		struct pctl_dhcp_server s = {.ifindex = ifindex};
		rc = decode_v6(payload, len, &s);
		if (rc == 0 && s.n_addrs) {
			if (max == 0) {
				errno = ENOSPC;
				rc = -1;
			} else {
				out[n++] = s;
			}
		}
	} else if (!v4_well_formed(payload, len)) {
		errno = EINVAL;
		rc = -1;
	} else {
		/* One List-Length block is one server (section 4.2). */
		while (rc == 0 && off < len) {
			size_t ll = payload[off++];
			struct pctl_dhcp_server s = {.ifindex = ifindex};
			for (size_t i = 0; rc == 0 && i < ll; i += 4) {
				pctl_addr a;
				pctl_addr_from_v4(&a, payload + off + i);
				rc = keep_addr(&s, &a);
			}
			off += ll;
			if (rc == 0 && s.n_addrs) {
				if (n == max) {
					errno = ENOSPC;
					rc = -1;
				} else {
					out[n++] = s;
				}
			}
		}
	}
	if (rc < 0) {
		int e = errno;
		clear(out, max);
		errno = e;
		return -1;
	}
	*n_out = n;
	return 0;
}
