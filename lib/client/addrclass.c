/*
 * Address classes the client cares about when judging a granted external
 * address: loopback (never a valid external address) and the private and
 * shared ranges that reveal a second NAT between us and the Internet.
 */
#include <portctl/client.h>

bool pctl_addr_is_private_v4(const pctl_addr *a)
{
	uint8_t v4[4];

	if (!pctl_addr_to_v4(a, v4))
		return false;
	return v4[0] == 10 ||                            /* RFC 1918 */
	       (v4[0] == 172 && (v4[1] & 0xf0) == 16) || /* RFC 1918 */
	       (v4[0] == 192 && v4[1] == 168) ||         /* RFC 1918 */
	       (v4[0] == 100 && (v4[1] & 0xc0) == 64);   /* RFC 6598 */
}

bool pctl_addr_is_loopback(const pctl_addr *a)
{
	static const uint8_t v6_loopback[16] = {[15] = 1};
	uint8_t v4[4];
	size_t i;

	if (pctl_addr_to_v4(a, v4))
		return v4[0] == 127;
	for (i = 0; i < 16; i++)
		if (a->b[i] != v6_loopback[i])
			return false;
	return true;
}
