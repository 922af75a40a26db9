/*
 * The UPnP IGD sockets (issue 11), opened by the parent before the network
 * process forks: on each internal interface, TCP listeners for the HTTP
 * server (upnp_http.h) on 0.0.0.0 and [::] port upnp-http-port, and UDP
 * sockets on port 1900 in the SSDP multicast groups (239.255.255.250,
 * ff02::c, ff05::c), every one bound to its interface with SO_BINDTODEVICE
 * so that nothing arriving on another interface, the WAN above all, ever
 * reaches them, even addressed to the router's LAN address.  Nothing is
 * opened on the external interface.
 */
#ifndef PORTCTLD_UPNP_SOCKETS_H
#define PORTCTLD_UPNP_SOCKETS_H

#include <net/if.h>
#include <stddef.h>

#include "config.h"

#define PCTLD_SSDP_PORT 1900
/* Pending connections per listener; the HTTP server accepts at most 64 in
 * all (UPNP.md), so a longer queue would only hold what it refuses. */
#define PCTLD_UPNP_BACKLOG 32

/* One internal interface's sockets; -1 where there is none (no IPv6 on
 * this host or interface: the IPv4 ones serve alone). */
struct pctld_upnp_if {
	char name[IF_NAMESIZE];
	unsigned ifindex;
	int http4, http6; /* TCP, listening, non-blocking */
	int ssdp4, ssdp6; /* UDP 1900, with IP(V6)_PKTINFO, non-blocking */
};

struct pctld_upnp_socks {
	size_t n;
	struct pctld_upnp_if ifs[PCTLD_MAX_IFS];
};

/* No sockets (n = 0). */
void pctld_upnp_sockets_init(struct pctld_upnp_socks *ss);
/* With `upnp yes`, opens the sockets of every internal interface and logs
 * what it opened; with `upnp no`, nothing.  0, or -1 with a reason in err
 * (an interface missing, the port in use; nothing left open). */
int pctld_upnp_sockets_open(struct pctld_upnp_socks *ss,
                            const struct pctld_config *cfg, char *err,
                            size_t errlen);
void pctld_upnp_sockets_close(struct pctld_upnp_socks *ss);
/* The open descriptors into fds (room for 4 * PCTLD_MAX_IFS); how many. */
size_t pctld_upnp_sockets_fds(const struct pctld_upnp_socks *ss, int *fds);

#endif
