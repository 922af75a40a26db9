/*
 * X-3.8 (RFC 7753 section 4.4.1, example 5.3): a MAP request whose internal
 * ports overlap existing mappings of the same internal host, protocol and
 * THIRD_PARTY_ID refreshes each of them as if it had been asked separately
 * (RFC 6887 section 15); the direct response answers the first (lowest
 * internal port) and every other refreshed mapping gets a Mapping Update
 * (S-95) sent to the requesting client.
 *
 * The request is only a refresh: requested ports that no existing mapping
 * covers are not mapped.  Clients must not send overlapping requests
 * the server's job is to keep one mapping per internal port.
 */
#ifndef PORTCTL_SERVER_PORT_SET_OVERLAP_H
#define PORTCTL_SERVER_PORT_SET_OVERLAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine_opts.h"
#include "engine_state.h"

/* The internal ports a MAP request asks for: [internal port, + this). */
uint32_t pctl_overlap_span(const struct pctl_msg *req,
                           const struct pctl_req_opts *o);

/* The MAP, NAT-PMP and static mappings of host (same protocol and
 * THIRD_PARTY_ID) whose internal ports meet [port, port + span), walked
 * from the host's list, in increasing internal port order.  *out is
 * malloc'ed (NULL when none).  The count, or -1 when out of memory. */
long pctl_overlap_find(struct pctl_engine *e, const pctl_addr *host,
                       uint8_t protocol, uint16_t port, uint32_t span,
                       const uint8_t *tpid, size_t tpid_len,
                       struct pctl_mapping ***out);

/* Refreshes the n overlapped mappings v (sorted, n >= 1) for request req
 * and writes the direct response to out; returns its length.  Everything
 * is validated before anything changes: an error answers the request and
 * leaves every mapping as it was (S-15). */
size_t pctl_overlap_refresh(struct pctl_engine *e, const struct pctl_rx *rx,
                            const struct pctl_msg *req,
                            const struct pctl_req_opts *o,
                            struct pctl_mapping *const *v, size_t n,
                            uint8_t *out);

#endif
