/*
 * UPnP IGD in the network process (issue 11): the HTTP server
 * (upnp_http.h) and SSDP (ssdp.h) on the sockets the parent opened
 * (upnp_sockets.h), started before the sandbox closes (SSDP follows the
 * interfaces' addresses over rtnetlink) and driven by the event loop.
 */
#ifndef PORTCTLD_UPNP_RUN_H
#define PORTCTLD_UPNP_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon.h"

/* With `upnp yes`, d->http and d->ssdp on d->upnp_socks and d->engine
 * (SSDP's first ssdp:alive leaves now).  0, or -1 with a reason in err. */
int pctld_upnp_start(struct pctld *d, char *err, size_t errlen);
/* When one of them must run even if nothing is readable (UINT64_MAX:
 * never, or `upnp no`). */
uint64_t pctld_upnp_next_ms(const struct pctld *d, uint64_t now_ms);
/* After a wake-up: the HTTP server when its descriptor was readable or its
 * time has come, SSDP likewise. */
void pctld_upnp_run(struct pctld *d, bool http_ready, bool ssdp_ready,
                    uint64_t now_ms);
/* SSDP's ssdp:byebye first, then both freed. */
void pctld_upnp_stop(struct pctld *d);

#endif
