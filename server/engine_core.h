/*
 * The engine's core (engine_core.c), layer 2 (docs/design.md): mappings
 * installed, renewed and removed with their ports, expiry and backend
 * operations.  Not part of the engine's API.
 */
#ifndef PORTCTL_SERVER_ENGINE_CORE_H
#define PORTCTL_SERVER_ENGINE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "engine_state.h"

/* Index of a supported protocol, or -1 (engine_core.c). */
int pctl_proto_index(uint8_t protocol);

/* Seconds left of a mapping at now_ms, rounded up. */
uint32_t pctl_mapping_left(const struct pctl_mapping *m, uint64_t now_ms);
/* Makes the timer wheel if there is none yet.  0 or -ENOMEM. */
int pctl_engine_wheel_ready(struct pctl_engine *e);
/* Sets the expiry to now + lifetime and re-queues it on the wheel (made:
 * pctl_engine_install makes it before any mapping exists). */
void pctl_engine_set_expiry(struct pctl_engine *e, struct pctl_mapping *m,
                            uint32_t lifetime, uint64_t now_ms);
/* The data-plane view of m, lifetime seconds from now. */
void pctl_engine_dp_of(const struct pctl_engine *e,
                       const struct pctl_mapping *m, uint32_t lifetime,
                       struct pctl_dp_mapping *dp);
/* Commits the backend batch; on failure aborts it.  0 or -errno. */
int pctl_engine_commit(struct pctl_engine *e);

/* The longest lifetime granted for a protocol: max_lifetime, or under the
 * Simple Threat Model the implicit lifetime when shorter (S-100). */
uint32_t pctl_engine_max_lifetime(const struct pctl_engine *e,
                                  uint8_t protocol);
/* Lifetime granted for a requested one (S-50, S-100). */
uint32_t pctl_engine_clamp_lifetime(const struct pctl_engine *e,
                                    uint8_t protocol, uint32_t requested);
/* S-52 under the Simple Threat Model: when *lifetime (0 = delete) would end
 * m sooner than its current expiry, raises it to the time the traffic the
 * backend saw on m keeps it alive, but never past that expiry (a request
 * neither shortens a busy mapping nor lengthens it).  Without the model, or
 * when *lifetime does not shorten m, nothing is asked.  0, or -errno when
 * the backend could not tell (the caller then changes nothing). */
int pctl_engine_keep_for_traffic(struct pctl_engine *e,
                                 const struct pctl_mapping *m,
                                 uint32_t *lifetime, uint64_t now_ms);

/* A pseudo-random port of [port_min, port_max] where a search for a free
 * external port starts (RFC 6056: ports cannot be guessed from earlier
 * ones; the search itself stays O(1), portalloc.h). */
uint16_t pctl_engine_port_start(struct pctl_engine *e);
/* A free port of pm from a random start (-1 when none). */
int pctl_engine_find_port(struct pctl_engine *e, const struct pctl_portmap *pm);
/* Issue 15 item 5: is a the router's own address while the configuration
 * does not allow those (allow_self)?  Then a request from it, or a mapping
 * for it, is NOT_AUTHORIZED. */
static inline bool pctl_engine_refuses_self(const struct pctl_engine *e,
                                            const pctl_addr *a)
{
	return !e->cfg.allow_self && pctl_selfaddr_has(&e->self, a);
}

/* Port reservation in the allocator of ext address index xi. */
struct pctl_portmap *pctl_engine_portmap(struct pctl_engine *e, unsigned xi,
                                         uint8_t protocol);
bool pctl_engine_port_reserved(const struct pctl_engine_config *cfg,
                               uint8_t protocol, uint16_t port);
/* Index of an ext address in the config, or -1. */
int pctl_engine_ext_index(const struct pctl_engine *e, const pctl_addr *a);
/* Does this internal address get NAT44 (true) or a pinhole (false)? */
bool pctl_engine_is_nat(const struct pctl_engine *e, const pctl_addr *int_addr);
/* The ext address index an internal host's new mappings go to (S-42), or -1
 * when no IPv4 external address is configured. */
int pctl_engine_pick_ext(const struct pctl_engine *e, const pctl_addr *host);
uint8_t pctl_engine_intern_srv(struct pctl_engine *e, const pctl_addr *a);

/* Creates and commits a fully described mapping (used by every opcode, by
 * restore and by Mapping Update re-creation).  The record must have been
 * filled (kind, addresses, ports, nonce, flags, extra); the engine takes
 * the ports in the allocator if it is NAT, links it, sets its expiry and
 * calls the backend.  On error the record is released and nothing changed.
 * 0, -ENOSPC (ports), -errno from the backend. */
int pctl_engine_install(struct pctl_engine *e, struct pctl_mapping *m,
                        uint32_t lifetime, uint64_t now_ms);
/* Out-of-line data of a mapping: filters f1 then f2, description and
 * THIRD_PARTY_ID copied.  *out is NULL when everything is empty.  0 or
 * -ENOMEM. */
int pctl_extra_make(const struct pctl_filter *f1, size_t n1,
                    const struct pctl_filter *f2, size_t n2,
                    const uint8_t *desc, size_t desc_len, const uint8_t *tpid,
                    size_t tpid_len, struct pctl_map_extra **out);

/* Releases the engine's state of m, whose backend removal the caller has
 * committed (or gave up on: expiry cannot be refused); stats updated.  Its
 * external ports cool from now_ms (S-53) unless a sharer inherits them. */
void pctl_engine_drop(struct pctl_engine *e, struct pctl_mapping *m,
                      uint64_t now_ms);
/* Queues the backend removal of m (on failure the batch is aborted).
 * 0 or -errno. */
int pctl_engine_queue_remove(struct pctl_engine *e,
                             const struct pctl_mapping *m);
/* Queues the backend refresh of m with lifetime (on failure the batch is
 * aborted); the caller commits and sets the expiry.  0 or -errno. */
int pctl_engine_queue_refresh(struct pctl_engine *e,
                              const struct pctl_mapping *m, uint32_t lifetime);
/* A new lifetime for m, with its current extra: the backend refresh,
 * committed, then m's expiry (now + lifetime).  0, or -errno with nothing
 * applied, backend or expiry. */
int pctl_engine_refresh(struct pctl_engine *e, struct pctl_mapping *m,
                        uint32_t lifetime, uint64_t now_ms);
/* Backend remove + commit + drop at now_ms.  On backend failure nothing
 * changed. */
int pctl_engine_remove(struct pctl_engine *e, struct pctl_mapping *m,
                       uint64_t now_ms);

/* Is external port `port` (of ext address xi, protocol) free for a mapping of
 * internal host `host`, internal port int_port, nonce (NULL: NAT-PMP, none)?
 * Counts the NAT-PMP companion reservation (N-8) of the same host, and a
 * port cooling down after the same client's mapping (S-53), as free. */
bool pctl_engine_ext_port_free(struct pctl_engine *e, unsigned xi,
                               uint8_t protocol, uint16_t port,
                               const pctl_addr *host, uint16_t int_port,
                               const uint8_t *nonce);
/* Can a new mapping of host's int_port (nonce NULL: NAT-PMP) take external
 * `port` of ext address xi: not 0, not reserved (S-38), free (above) and
 * allowed by policy? */
bool pctl_engine_port_usable(struct pctl_engine *e, unsigned xi,
                             uint8_t protocol, uint16_t port,
                             const pctl_addr *host, uint16_t int_port,
                             const uint8_t *nonce);
/* S-53: the external port cooling after this client's mapping of the same
 * internal endpoint (address, protocol, port; nonce unless NULL = NAT-PMP)
 * on ext address xi (PCTL_NO_EXT: any), which it may take back without
 * naming it; -1 none. */
int pctl_engine_reclaim_port(struct pctl_engine *e, unsigned xi,
                             uint8_t protocol, const pctl_addr *host,
                             uint16_t int_port, const uint8_t *nonce);
/* Is `port` cooling after this client's mapping of the endpoint, so that
 * taking it is a reclaim (S-53)? */
bool pctl_engine_is_reclaim(struct pctl_engine *e, unsigned xi,
                            uint8_t protocol, uint16_t port,
                            const pctl_addr *host, uint16_t int_port,
                            const uint8_t *nonce);
/* S-41: external ports the subscriber of host may still take (its live and
 * cooling ports counted); UINT32_MAX when max_per_host is 0. */
uint32_t pctl_engine_quota_room(const struct pctl_engine *e,
                                const pctl_addr *host);
/* S-43 (EIM), S-36.4: the NAT mapping of the same internal endpoint whose
 * external address and port a new mapping shares: for a new PEER the MAP
 * (or NAT-PMP/static) mapping, for a new MAP (want_peer) a PEER mapping.
 * NULL when there is none. */
struct pctl_mapping *pctl_engine_eim_partner(struct pctl_engine *e,
                                             const pctl_addr *host,
                                             uint8_t protocol, uint16_t port,
                                             const uint8_t *tpid,
                                             size_t tpid_len, bool want_peer);
/* Releases the cooling ports whose reuse time is over (S-53). */
void pctl_engine_release_cooled(struct pctl_engine *e, uint64_t now_ms);

/* Records the requesting client of a THIRD_PARTY mapping in *x (created
 * when NULL).  0 or -ENOMEM. */
int pctl_extra_set_client(struct pctl_map_extra **x, const pctl_addr *client);
/* Where a mapping's client is: the THIRD_PARTY requester, else the
 * internal host. */
const pctl_addr *pctl_mapping_client(const struct pctl_mapping *m);

#endif
