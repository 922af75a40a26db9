/*
 * The router's own addresses (issue 15 item 5).  A process on the router
 * reaches the router's own LAN address through the LAN interface index, so
 * the internal-interface check (S-2) lets it through; without this set any
 * unprivileged local user could map the router's own services to the WAN.
 *
 * The set holds what the daemon learns from the kernel (every address of
 * every interface, kept current through rtnetlink); loopback (127.0.0.0/8,
 * ::1, IPv4-mapped loopback) and the unspecified addresses are always
 * counted as the router's own, whatever the set holds.
 */
#ifndef PORTCTL_SERVER_SELFADDR_H
#define PORTCTL_SERVER_SELFADDR_H

#include <stdbool.h>
#include <stddef.h>

#include <portctl/wire.h>

struct pctl_selfaddr {
	pctl_addr *v; /* sorted by octets, no duplicates */
	size_t n;
};

/* Replaces the set with a copy of addrs[0..n).  0, or -1 out of memory
 * (the set is unchanged). */
int pctl_selfaddr_set(struct pctl_selfaddr *s, const pctl_addr *addrs,
                      size_t n);
/* Is a the router's own: loopback, unspecified, or in the set? */
bool pctl_selfaddr_has(const struct pctl_selfaddr *s, const pctl_addr *a);
void pctl_selfaddr_fini(struct pctl_selfaddr *s);

#endif
