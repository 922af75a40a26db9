/*
 * Address watcher: the addresses of one interface (the external one), or of
 * every interface (the router's own, for the daemon's self check), kept
 * current by following RTM_NEWADDR/RTM_DELADDR on a rtnetlink socket.  For
 * the daemon to feed the engine (a changed external address means new
 * mappings and an ANNOUNCE, RFC 6887 section 14).
 *
 * Event-loop neutral: poll pctl_addrwatch_fd() for readability, then call
 * pctl_addrwatch_process().
 *
 *   struct pctl_addrwatch *w;
 *   if (pctl_addrwatch_open("eth0", &w) == 0) {
 *           pctl_addr a[8]; size_t n;
 *           pctl_addrwatch_list(w, a, 8, &n);      // the current list
 *           // ... when pctl_addrwatch_fd(w) is readable:
 *           if (pctl_addrwatch_process(w, a, 8, &n) == 1)
 *                   ; // the list changed: a[0..n) is the new one
 *           pctl_addrwatch_close(w);
 *   }
 *
 * Reported: IPv4 addresses (as IPv4-mapped pctl_addr) and IPv6 addresses
 * of global scope that are usable (not tentative, not DAD-failed), in the
 * kernel's order.
 */
#ifndef PORTCTL_DATAPLANE_ADDRWATCH_H
#define PORTCTL_DATAPLANE_ADDRWATCH_H

#include <stddef.h>

#include <portctl/wire.h>

struct pctl_addrwatch;

/* Watch interface ifname (which must exist), or with ifname NULL every
 * interface: then every address is reported, of any scope and state (the
 * router's own addresses, issue 15 item 5).  0 or -errno. */
int pctl_addrwatch_open(const char *ifname, struct pctl_addrwatch **out);
/* The descriptor to poll; non-blocking. */
int pctl_addrwatch_fd(const struct pctl_addrwatch *w);
/* The current addresses (at most max; *n may say more were dropped: it is
 * the number stored).  0 or -errno. */
int pctl_addrwatch_list(struct pctl_addrwatch *w, pctl_addr *addrs, size_t max,
                        size_t *n);
/* Drain pending notifications.  1 when the list changed (addrs/n hold the
 * new list), 0 when not (addrs/n untouched), -errno on failure.  A lost
 * notification (socket overrun) is recovered by reading the list anew. */
int pctl_addrwatch_process(struct pctl_addrwatch *w, pctl_addr *addrs,
                           size_t max, size_t *n);
void pctl_addrwatch_close(struct pctl_addrwatch *w);

#endif
