/*
 * The address of an internal interface for SSDP's LOCATION
 * (upnp_ifaddr.h).
 */
#include "upnp_ifaddr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ADDRS 16

struct pctld_ifaddr {
	struct pctl_addrwatch *w; /* NULL: read once */
	struct pctld_ifaddr_now now;
};

static bool is_link_local6(const pctl_addr *a)
{
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

/* The first IPv4 and the first IPv6 address not link-local of list. */
static void pick(struct pctld_ifaddr_now *n, const pctl_addr *list, size_t k)
{
	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < k; i++) {
		if (pctl_addr_is_v4(&list[i]) && !n->has4)
			n->v4 = list[i], n->has4 = true;
		else if (!pctl_addr_is_v4(&list[i]) && !n->has6 &&
		         !is_link_local6(&list[i]))
			n->v6 = list[i], n->has6 = true;
	}
}

#ifdef PORTCTLD_HAVE_NFT
#include "addrwatch.h"

struct pctld_ifaddr *pctld_ifaddr_open(const char *ifname)
{
	struct pctld_ifaddr *w = calloc(1, sizeof(*w));
	pctl_addr list[MAX_ADDRS];
	size_t k = 0;
	int rc;

	if (!w)
		return NULL;
	rc = pctl_addrwatch_open(ifname, &w->w);
	if (!rc)
		rc = pctl_addrwatch_list(w->w, list, MAX_ADDRS, &k);
	if (rc) {
		pctld_ifaddr_close(w);
		errno = -rc;
		return NULL;
	}
	pick(&w->now, list, k);
	return w;
}

int pctld_ifaddr_fd(const struct pctld_ifaddr *w)
{
	return pctl_addrwatch_fd(w->w);
}

bool pctld_ifaddr_process(struct pctld_ifaddr *w)
{
	pctl_addr list[MAX_ADDRS];
	struct pctld_ifaddr_now n;
	size_t k = 0;

	if (pctl_addrwatch_process(w->w, list, MAX_ADDRS, &k) != 1)
		return false;
	pick(&n, list, k);
	if (!memcmp(&n, &w->now, sizeof(n)))
		return false;
	w->now = n;
	return true;
}

void pctld_ifaddr_close(struct pctld_ifaddr *w)
{
	if (w && w->w)
		pctl_addrwatch_close(w->w);
	free(w);
}

#else /* !PORTCTLD_HAVE_NFT */
#include <ifaddrs.h>

struct pctld_ifaddr *pctld_ifaddr_open(const char *ifname)
{
	struct pctld_ifaddr *w = calloc(1, sizeof(*w));
	struct ifaddrs *all, *i;
	pctl_addr list[MAX_ADDRS];
	uint16_t port;
	size_t k = 0;

	if (!w)
		return NULL;
	if (getifaddrs(&all)) {
		free(w);
		return NULL;
	}
	for (i = all; i && k < MAX_ADDRS; i = i->ifa_next)
		if (i->ifa_addr && !strcmp(i->ifa_name, ifname) &&
		    !pctl_addr_from_sockaddr(&list[k], &port, i->ifa_addr))
			k++;
	freeifaddrs(all);
	pick(&w->now, list, k);
	return w;
}

int pctld_ifaddr_fd(const struct pctld_ifaddr *w)
{
	(void)w;
	return -1;
}

bool pctld_ifaddr_process(struct pctld_ifaddr *w)
{
	(void)w;
	return false;
}

void pctld_ifaddr_close(struct pctld_ifaddr *w)
{
	free(w);
}
#endif

const struct pctld_ifaddr_now *pctld_ifaddr_get(const struct pctld_ifaddr *w)
{
	return &w->now;
}
