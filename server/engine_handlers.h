/*
 * The opcode handlers, layer 4 of the engine (docs/design.md): pcp_map.c,
 * pcp_peer.c, natpmp_server.c, and announce.c (unsolicited ANNOUNCEs,
 * NAT-PMP announcements and Mapping Updates).  engine.c and engine_admin.c
 * call them.  Not part of the engine's API.
 */
#ifndef PORTCTL_SERVER_ENGINE_HANDLERS_H
#define PORTCTL_SERVER_ENGINE_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "engine_state.h"

/* Handlers; each writes a response to out and returns its length (0 =
 * drop).  msg is a decoded request (pctl_request_decode said OK). */
size_t pctl_pcp_map(struct pctl_engine *e, const struct pctl_rx *rx,
                    const struct pctl_msg *msg, uint8_t *out);
size_t pctl_pcp_peer(struct pctl_engine *e, const struct pctl_rx *rx,
                     const struct pctl_msg *msg, uint8_t *out);
size_t pctl_natpmp_handle(struct pctl_engine *e, const struct pctl_rx *rx,
                          uint8_t *out);

/* ---- natpmp_server.c ---- */

/* NAT-PMP external address response (N-2) with the given result: the
 * address host's mappings use (any IPv4 one when host is NULL). */
size_t pctl_natpmp_extaddr_msg(struct pctl_engine *e, const pctl_addr *host,
                               uint64_t now_ms, uint16_t result, uint8_t *out);

/* ---- announce.c ---- */

/* Unsolicited messages (announce.c). */
size_t pctl_announce_poll(struct pctl_engine *e, uint64_t now_ms,
                          struct pctl_tx *out, size_t max);
void pctl_announce_schedule(struct pctl_engine *e, uint64_t now_ms, bool pcp,
                            bool natpmp);
int pctl_update_queue(struct pctl_engine *e, const struct pctl_mapping *m,
                      uint64_t now_ms);
/* Makes room for n more queued Mapping Updates, so that a request which
 * queues several can fail before it changes anything (S-15).
 * 0 or -1 (out of memory). */
int pctl_update_reserve(struct pctl_engine *e, size_t n);
uint64_t pctl_announce_next(const struct pctl_engine *e);
/* Builds the PCP MAP/PEER response describing m (Mapping Update and
 * journal-independent) into out. */
size_t pctl_engine_mapping_msg(struct pctl_engine *e,
                               const struct pctl_mapping *m, uint64_t now_ms,
                               uint8_t *out);

#endif
