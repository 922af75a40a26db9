/*
 * What the UPnP front end's files (upnp.c, upnp_map.c, upnp_pinhole.c)
 * share: the frame of every action (expiry tick, audit scope, REFUSED
 * event, counting) and the steps both mappings and pinholes take.  Not
 * part of the engine's API.
 */
#ifndef PORTCTL_SERVER_UPNP_IMPL_H
#define PORTCTL_SERVER_UPNP_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "engine_state.h"
#include "upnp.h"

/* One action in progress. */
struct pctl_upnp_call {
	struct pctl_rx rx; /* the audit's requester: rq->src, no datagram */
	struct pctl_audit_scope prev;
	struct pctl_audit_event asked; /* for a REFUSED event */
};

/* Starts an action: expires what is due (as a datagram does), counts it,
 * enters the audit scope of the control point. */
void pctl_upnp_begin(struct pctl_engine *e, const struct pctl_upnp_req *rq,
                     struct pctl_upnp_call *c);
/* Ends it: a REFUSED event when rc is an error; returns rc. */
int pctl_upnp_end(struct pctl_engine *e, struct pctl_upnp_call *c, int rc);
/* Notes what the action asked for, for its REFUSED event. */
void pctl_upnp_asked(struct pctl_upnp_call *c, uint8_t protocol,
                     const pctl_addr *int_addr, uint16_t int_port,
                     uint16_t ext_port, uint32_t lease);

/* May rq's control point act on a mapping of internal client `client`
 * (upnp_secure_mode: only its own)? */
bool pctl_upnp_may_manage(const struct pctl_engine *e,
                          const struct pctl_upnp_req *rq,
                          const pctl_addr *client);
/* The extra data of a UPnP record: one FILTER for a remote host (and
 * port) when remote is given, the description cut to what is kept
 * (description_max and PCTL_UPNP_DESC_MAX, at a UTF-8 boundary).  0 or
 * -ENOMEM. */
int pctl_upnp_extra(const struct pctl_engine *e, const pctl_addr *remote,
                    uint16_t remote_port, const char *desc,
                    struct pctl_map_extra **out);
/* Does m's remote-host filter equal (remote, port): none for a wildcard? */
bool pctl_upnp_remote_is(const struct pctl_mapping *m, const pctl_addr *remote,
                         uint16_t remote_port);
/* A port mapping as UPnP reads it (lease = lease_left). */
void pctl_upnp_fill(const struct pctl_mapping *r, uint64_t now_ms,
                    struct pctl_upnp_map *m);
/* A client's delete: under the Simple Threat Model a mapping its traffic
 * keeps alive ends when that traffic would let it (S-52), otherwise it is
 * removed.  PCTL_UPNP_OK or 501. */
int pctl_upnp_end_mapping(struct pctl_engine *e, struct pctl_mapping *m,
                          uint64_t now_ms);
/* A new lifetime for m and its new extra data (taken: freed on failure).
 * PCTL_UPNP_OK or 501. */
int pctl_upnp_renew(struct pctl_engine *e, struct pctl_mapping *m,
                    uint32_t lifetime, struct pctl_map_extra *nx,
                    uint64_t now_ms);

#endif
