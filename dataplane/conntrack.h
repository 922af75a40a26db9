/*
 * Conntrack side of the nftables backend (libnetfilter_conntrack):
 * ending the flows of a removed mapping, learning the implicit mapping of
 * an outbound flow (PEER, S-64), extending a flow's timeout, and how long
 * a mapping's traffic keeps it alive (S-52).
 */
#ifndef PORTCTL_DATAPLANE_CONNTRACK_H
#define PORTCTL_DATAPLANE_CONNTRACK_H

#include "../server/backend.h"

struct dp_ct;

/* NULL and errno set on failure. */
struct dp_ct *dp_ct_open(void);
void dp_ct_close(struct dp_ct *ct);

/* Delete every conntrack entry that went through one of these (inbound)
 * mappings: flows that entered through the external endpoint, and for
 * NAT44 flows the internal endpoint sent out on the mapped external port.
 * One dump of the table whatever n is.  0 or -errno. */
int dp_ct_kill(struct dp_ct *ct, const struct pctl_dp_mapping *const *maps,
               size_t n);

/* End the flows our rules labelled (DP_CT_LABEL_BIT: they came in through
 * a mapping) that none of the live mappings covers any more: at restart,
 * this catches mappings the kernel expired while portctld was away.
 * 0 or -errno. */
int dp_ct_reap(struct dp_ct *ct, const struct pctl_dp_mapping *const *live,
               size_t n);

/* The flow whose original direction is int -> remote.  0, -ENOENT, or
 * another -errno. */
int dp_ct_lookup(struct dp_ct *ct, uint8_t protocol, const pctl_addr *int_addr,
                 uint16_t int_port, const pctl_addr *remote_addr,
                 uint16_t remote_port, struct pctl_dp_flow *out);

/* Give that flow `timeout` more seconds of life.  0, -ENOENT, -errno. */
int dp_ct_set_timeout(struct dp_ct *ct, uint8_t protocol,
                      const pctl_addr *int_addr, uint16_t int_port,
                      const pctl_addr *remote_addr, uint16_t remote_port,
                      uint32_t timeout);

/* S-52 (Simple Threat Model, RFC 6887 section 15): how many more seconds
 * the traffic already seen on mapping m keeps it alive, in *seconds: the
 * largest conntrack timeout left among the flows through m in which the
 * internal host sent a packet, 0 when there is none.  Counted: flows the
 * internal endpoint opened from its mapped port(s) that left on m's
 * external endpoint (original source = internal, reply destination =
 * external; for a pinhole both are the internal endpoint), and flows that
 * came in through the external endpoint once the internal host answered
 * (IPS_SEEN_REPLY): an outside sender alone keeps nothing alive.  For an
 * outbound (PEER) mapping only its 5-tuple's flow counts.  Protocol 0,
 * port 0 and port_count as in dp_ct_kill.  One dump of the mapping's
 * family.  0 or -errno (then *seconds is untouched). */
int dp_ct_idle_left(struct dp_ct *ct, const struct pctl_dp_mapping *m,
                    uint32_t *seconds);

#endif
