/*
 * SSDP for portctld's UPnP IGD (issue 11; UDA 1.1 sections 1.2 and 1.3),
 * in the network process: answers M-SEARCH on the SSDP sockets of the
 * internal interfaces (upnp_sockets.h) after a random delay within MX,
 * within the limits of ssdp_queue.h, and advertises the device with NOTIFY
 * ssdp:alive at start and every upnp-notify-interval, ssdp:byebye at stop,
 * and byebye then alive with a new BOOTID.UPNP.ORG when an interface's
 * address (the LOCATION) changes.  A datagram is answered only when the
 * kernel says it arrived on the socket's own interface (IP_PKTINFO), never
 * on another (the WAN).  Loop-neutral like upnp_http.h.
 */
#ifndef PORTCTLD_SSDP_H
#define PORTCTLD_SSDP_H

#include <stdint.h>

#include "upnp_http.h"
#include "upnp_sockets.h"

struct pctld_ssdp;

/* Serves the SSDP sockets of ss (taken over: closed by pctld_ssdp_free)
 * for the device info, advertising every notify_s seconds, and sends the
 * first ssdp:alive.  NULL with errno set on failure. */
struct pctld_ssdp *pctld_ssdp_new(const struct pctld_upnp_socks *ss,
                                  const struct pctld_upnp_info *info,
                                  uint32_t notify_s, uint64_t now_ms);
/* The descriptor to poll for reading (an epoll set of its own). */
int pctld_ssdp_fd(const struct pctld_ssdp *s);
/* Reads what arrived, sends the answers and advertisements due. */
void pctld_ssdp_run(struct pctld_ssdp *s, uint64_t now_ms);
/* When pctld_ssdp_run must run even if nothing is readable. */
uint64_t pctld_ssdp_next_ms(const struct pctld_ssdp *s);
/* Sends ssdp:byebye, then frees everything. */
void pctld_ssdp_free(struct pctld_ssdp *s);

#endif
