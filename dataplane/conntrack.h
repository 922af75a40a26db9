/*
 * Conntrack side of the nftables backend (libnetfilter_conntrack):
 * ending the flows of a removed mapping, learning the implicit mapping of
 * an outbound flow (PEER, S-64) and extending a flow's timeout.
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

#endif
