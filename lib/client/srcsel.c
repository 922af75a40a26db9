/*
 * IPv6 source address choice (RFC 6887 section 8.4, C-12): global
 * addresses SHOULD be used, ULAs SHOULD NOT.  The kernel's RFC 6724 choice
 * picks a ULA when the server itself has one (a home gateway at fd00::1),
 * yet a mapping of a ULA cannot be reached from outside; so, when the
 * interface that holds the chosen ULA also has a global address, that one
 * is used.  Privacy (temporary) addresses are left to the kernel's and the
 * application's choice (a fixed source: pctl_client_config.source).
 */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

#include "internal.h"

static bool is_ula(const pctl_addr *a)
{
	return !pctl_addr_is_v4(a) && (a->b[0] & 0xfe) == 0xfc; /* fc00::/7 */
}

static bool is_global(const pctl_addr *a)
{
	return !pctl_addr_is_v4(a) && (a->b[0] & 0xe0) == 0x20; /* 2000::/3 */
}

bool pctl_srcsel_global_for(const pctl_addr *local, pctl_addr *global)
{
	struct ifaddrs *ifs, *i;
	const char *ifname = NULL;
	bool found = false;

	if (!is_ula(local) || getifaddrs(&ifs) < 0)
		return false;
	for (i = ifs; i; i = i->ifa_next) {
		pctl_addr a;
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6)
			continue;
		pctl_addr_from_sockaddr(&a, NULL, i->ifa_addr);
		if (pctl_addr_equal(&a, local))
			ifname = i->ifa_name;
	}
	for (i = ifs; ifname && i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 ||
		    strcmp(i->ifa_name, ifname))
			continue;
		pctl_addr_from_sockaddr(global, NULL, i->ifa_addr);
		found = is_global(global);
	}
	freeifaddrs(ifs);
	return found;
}
