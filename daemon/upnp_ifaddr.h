/*
 * The address of an internal interface that the UPnP HTTP server is
 * reached at, for SSDP's LOCATION (issue 11): its first IPv4 address and
 * its first global IPv6 address, followed as they change (the rtnetlink
 * address watcher when portctld is built with it, else read once).
 */
#ifndef PORTCTLD_UPNP_IFADDR_H
#define PORTCTLD_UPNP_IFADDR_H

#include <stdbool.h>

#include <portctl/wire.h>

struct pctld_ifaddr;

struct pctld_ifaddr_now {
	bool has4, has6;
	pctl_addr v4, v6;
};

/* Starts following ifname.  NULL with errno set on failure. */
struct pctld_ifaddr *pctld_ifaddr_open(const char *ifname);
/* The descriptor to poll, or -1 (read once). */
int pctld_ifaddr_fd(const struct pctld_ifaddr *w);
/* The addresses now (cheap: kept). */
const struct pctld_ifaddr_now *pctld_ifaddr_get(const struct pctld_ifaddr *w);
/* The descriptor is readable: true when the addresses changed. */
bool pctld_ifaddr_process(struct pctld_ifaddr *w);
void pctld_ifaddr_close(struct pctld_ifaddr *w);

#endif
