/*
 * Engine internals shared by the files of server/ that make the engine
 * (engine*.c, pcp_map*.c, pcp_peer.c, port_set_overlap.c, natpmp_server.c,
 * announce.c, upnp*.c).  Not part of the engine's API.
 *
 * The files are layers; each calls only files below it (the test
 * structure/server-cycles checks that no two call each other in a cycle):
 *   1. table.c, portalloc.c, timerwheel.c, ratelimit.c, selfaddr.c,
 *      policy.c, siphash.c, engine_config.c, engine_reuse.c (cooling),
 *      engine_audit.c, upnp_index.c;
 *   2. engine_core.c (mappings installed and removed with their ports,
 *      expiry and backend operations); engine_msg.c (message buffers,
 *      epoch, responses: only the audit log below it);
 *   3. engine_opts.c (options), then pcp_map_shared.c (the steps on a
 *      mapping that MAP and share);
 *   4. the opcode handlers: pcp_peer.c, natpmp_server.c, announce.c (which
 *      uses natpmp_server.c), port_set_overlap.c (announce.c), pcp_map.c
 *      (port_set_overlap.c);
 *   5. engine.c (the entry points: requests, time), engine_admin.c (the
 *      administrator's);
 *   6. upnp.c, upnp_list.c, upnp_map.c, upnp_pinhole.c: the UPnP IGD front
 *      end, which keeps the engine's time through pctl_engine_tick.
 * Each declaration below names the file that defines it.
 */
#ifndef PORTCTL_SERVER_ENGINE_IMPL_H
#define PORTCTL_SERVER_ENGINE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "backend.h"
#include "engine.h"
#include "engine_audit.h"
#include "portalloc.h"
#include "ratelimit.h"
#include "selfaddr.h"
#include "table.h"
#include "timerwheel.h"

/* The rate limiter's settings of an engine configuration (S-7). */
static inline struct pctl_rl_config
pctl_engine_rl_config(const struct pctl_engine_config *cfg)
{
	return (struct pctl_rl_config){
	    .rate = cfg->rate_per_sec,
	    .burst = cfg->rate_burst,
	    .sources = cfg->rate_sources,
	    .new_rate = cfg->rate_new_per_sec,
	    .new_burst = cfg->rate_new_burst,
	    .v4_prefix = cfg->subscriber_v4_prefix,
	    .v6_prefix = cfg->subscriber_v6_prefix,
	};
}

/* Protocols with an allocator each (S-32: only these are mapped). */
enum { PCTL_P_TCP, PCTL_P_UDP, PCTL_P_SCTP, PCTL_P_DCCP, PCTL_N_PROTOS };
/* Index of a supported protocol, or -1 (engine_core.c). */
int pctl_proto_index(uint8_t protocol);

#define PCTL_NO_EXT  255 /* ext_idx of a pinhole (external == internal) */
#define PCTL_MAX_SRV 32  /* interned server addresses (srv_idx) */
#define PCTL_NO_SRV  255
/* Most filters one mapping keeps, whatever max_filters says. */
#define PCTL_ENG_FILTER_CAP 256

/* A cooling external port range (S-53, engine_reuse.c). */
struct pctl_cool {
	pctl_addr int_addr;
	uint8_t nonce[PCTL_NONCE_LEN];
	uint64_t until_ms;
	uint32_t hnext, fnext, inext;
	uint16_t ext_port, int_port, count;
	uint8_t xi, proto;
	bool hashed; /* still cooling (not reclaimed or released) */
};

/* Entries live in chunks of 256 (never moved: a growing store copies
 * nothing), found through two chained hashes that double like the mapping
 * table's (table.h): each add or take moves at most
 * PCTL_TABLE_REHASH_STEP old buckets, and a hash whose old bucket is below
 * rehash_next lives in the new arrays.  Made on the first add. */
#define PCTL_COOL_CHUNK_SHIFT 8
struct pctl_cooling {
	struct pctl_cool **chunks; /* slot i (1-based) at i - 1 */
	uint32_t n_chunks, cap_chunks, n_used, free_head, count;
	uint32_t *buckets, mask;
	uint32_t *ibuckets; /* by internal endpoint, same size */
	uint32_t *old_buckets, *old_ibuckets, old_mask, rehash_next;
	uint32_t fifo_head, fifo_tail;
};

int pctl_cool_init(struct pctl_cooling *c);
void pctl_cool_fini(struct pctl_cooling *c);
/* Remembers m's ports as cooling until until_ms.  0 or -ENOMEM. */
int pctl_cool_add(struct pctl_cooling *c, const struct pctl_mapping *m,
                  uint64_t until_ms);
/* The cooling entry starting at an external endpoint (0 = none). */
uint32_t pctl_cool_find(const struct pctl_cooling *c, uint8_t xi, uint8_t proto,
                        uint16_t port);
/* The newest cooling entry of an internal endpoint (0 = none). */
uint32_t pctl_cool_find_int(const struct pctl_cooling *c, const pctl_addr *a,
                            uint8_t proto, uint16_t int_port);
const struct pctl_cool *pctl_cool_get(const struct pctl_cooling *c, uint32_t i);
/* Ends the cooling of an entry (reclaimed by its client). */
void pctl_cool_take(struct pctl_cooling *c, uint32_t i);
/* The next entry whose time is up (copied to out, removed); false when
 * none is due. */
bool pctl_cool_pop_due(struct pctl_cooling *c, uint64_t now_ms,
                       struct pctl_cool *out);
/* When the next entry is due (UINT64_MAX if none). */
uint64_t pctl_cool_next(const struct pctl_cooling *c);
/* Forgets every entry (allocators rebuilt: their bits are gone too). */
void pctl_cool_clear(struct pctl_cooling *c);

/* The UPnP IGD front end's own indexes of its mappings (upnp_index.c):
 * - its IPv4 port mappings in creation order, a doubly linked list through
 *   the records' eim_prev/eim_next (only PEER records are in the EIM
 *   index, and a UPnP record is never a PEER), so that
 *   GetGenericPortMappingEntry never walks other protocols' records;
 * - the cursor of the last index read: reading index i + 1 (or i again)
 *   after i steps one link, O(1); a creation appends and keeps the
 *   cursor, a removal forgets it (the next read walks from the head);
 * - its IPv6 pinholes by UniqueID (a table of 65536 pool indexes, made by
 *   the first pinhole); a pinhole's UniqueID is kept in its record's
 *   client_port, which UPnP does not use otherwise (it sends no Mapping
 *   Update, S-95), so that the journal keeps it across a restart. */
struct pctl_upnp_index {
	uint32_t head, tail, count;
	bool cursor_valid;
	uint32_t cursor_pos, cursor_idx;
	uint64_t steps; /* links followed by pctl_upnp_at (tests) */
	uint32_t *by_uid;
	uint32_t n_pinholes;
	uint16_t next_uid;
};

/* Enters a new UPnP record in the indexes (a pinhole gets its UniqueID:
 * the one in client_port when that is free, else the next free one).
 * 0, -ENOSPC (no UniqueID left) or -ENOMEM. */
int pctl_upnp_track(struct pctl_engine *e, struct pctl_mapping *m);
/* Removes it (nothing when it is not in them). */
void pctl_upnp_untrack(struct pctl_engine *e, struct pctl_mapping *m);
/* The pos-th UPnP port mapping (creation order), or NULL. */
struct pctl_mapping *pctl_upnp_at(struct pctl_engine *e, uint32_t pos);
/* The next UPnP port mapping after m (NULL: the first), or NULL. */
struct pctl_mapping *pctl_upnp_next(const struct pctl_engine *e,
                                    const struct pctl_mapping *m);
/* The live pinhole of a UniqueID, or NULL. */
struct pctl_mapping *pctl_upnp_pinhole_of(const struct pctl_engine *e,
                                          uint16_t uid);
/* Is m a pinhole (IPv6, no NAT66) rather than an IPv4 port mapping? */
static inline bool pctl_upnp_is_pinhole(const struct pctl_mapping *m)
{
	return !pctl_addr_is_v4(&m->int_addr);
}

/* One queued Mapping Update (S-95, announce.c). */
struct pctl_update {
	uint64_t id;
	uint64_t due_ms;
	uint8_t sends_left;
};

struct pctl_engine {
	struct pctl_engine_config cfg;
	struct pctl_backend backend;
	struct pctl_table table;
	/* Made by the first mapping that needs it (33 KB: an engine that
	 * never holds a mapping, e.g. a fuzzer input, does not pay for it);
	 * until then wheel_from_s is the second it will start at, as the
	 * ticks would have advanced it. */
	struct pctl_timerwheel *wheel;
	uint32_t wheel_from_s;
	struct pctl_ratelimit rl;
	/* Allocators, created on first use, per config ext address. */
	struct pctl_portmap *ports[PCTL_ENG_MAX_EXT_ADDRS][PCTL_N_PROTOS];
	/* RFC 6056: a new port search starts at a keyed pseudo-random point
	 * of the range (pctl_engine_port_start); draw n hashes n. */
	uint64_t port_key[2];
	uint64_t port_draws;
	int64_t epoch_base_ms; /* epoch = (now - base) / 1000 (S-24) */

	/* Unsolicited ANNOUNCE / NAT-PMP announcements (S-93, S-94, N-10). */
	unsigned announce_left;
	uint64_t announce_due_ms;
	uint32_t announce_gap_ms;
	bool announce_natpmp;
	bool announce_pcp;

	/* Mapping Updates (S-95): a FIFO ring. */
	struct pctl_update *updates;
	size_t upd_head, upd_len, upd_cap;

	pctl_addr srv_addrs[PCTL_MAX_SRV];
	unsigned n_srv;

	struct pctl_cooling cooling; /* S-53 */
	struct pctl_selfaddr self;   /* the router's own addresses */
	/* X-3.8 (pcp_map.c): live mappings of more than one port, counted by
	 * pctl_engine_install and pctl_engine_drop whoever made them (MAP,
	 * the journal's restore, the administrator).  While 0, a single-port
	 * create need not look for a port set around its port. */
	uint32_t port_set_maps;

	struct pctl_upnp_index upnp; /* issue 11 */

	struct pctl_engine_stats stats;
	struct pctl_audit_state audit; /* issue 10 (engine_audit.h) */
	/* Scratch for the filter set of a request (existing + new). */
	struct pctl_filter *scratch_filters;
	/* Message buffers (pctl_engine_msg), made on first use: a struct
	 * pctl_msg is 4.4 KB (options[PCTL_MAX_OPTIONS]), too big to
	 * allocate per request or keep on the stack. */
	struct pctl_msg *msgs;
};

/* ---- engine_msg.c -------------------------------------------------------- */

/* The engine's message buffers: the decoded request, the response being
 * built, and a copy of the request (a PORT_SET answer, X-3.6).  A request
 * uses each at most once at a time; nothing nests them. */
enum { PCTL_MSG_REQ, PCTL_MSG_RESP, PCTL_MSG_COPY, PCTL_N_MSGS };

/* Buffer `which`, its fields before the options cleared (no options: as
 * calloc would give it); NULL when it could not be made. */
struct pctl_msg *pctl_engine_msg(struct pctl_engine *e, int which);

static inline uint32_t pctl_now_s(uint64_t now_ms)
{
	return (uint32_t)(now_ms / 1000);
}

/* ---- engine_core.c ------------------------------------------------------- */

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

/* ---- the opcode handlers: pcp_map.c, pcp_peer.c, natpmp_server.c -------- */

/* Handlers; each writes a response to out and returns its length (0 =
 * drop).  msg is a decoded request (pctl_request_decode said OK). */
size_t pctl_pcp_map(struct pctl_engine *e, const struct pctl_rx *rx,
                    const struct pctl_msg *msg, uint8_t *out);
size_t pctl_pcp_peer(struct pctl_engine *e, const struct pctl_rx *rx,
                     const struct pctl_msg *msg, uint8_t *out);
size_t pctl_natpmp_handle(struct pctl_engine *e, const struct pctl_rx *rx,
                          uint8_t *out);

/* ---- engine_msg.c -------------------------------------------------------- */

/* Error response for a decoded request (S-12, S-13), counted in stats. */
size_t pctl_engine_error(struct pctl_engine *e, const struct pctl_rx *rx,
                         uint8_t result, uint32_t lifetime, uint8_t *out);
/* Encodes a success/any response msg; counts its result.  0 if it does not
 * fit (caller answers MALFORMED_REQUEST, S-16). */
size_t pctl_engine_encode(struct pctl_engine *e, struct pctl_msg *msg,
                          uint8_t *out);

/* ---- engine_opts.c (pctl_extra_set_client, pctl_mapping_client:
 * engine_core.c) ---------------------------------------------------------- */

/* PCP options that a request carried and the engine processed. */
struct pctl_req_opts {
	bool third_party;
	pctl_addr third_party_addr;
	const struct pctl_option *third_party_opt;
	const struct pctl_option *tpid_opt;
	bool prefer_failure;
	bool has_desc; /* valid DESCRIPTION present (X-1.4: invalid ignored) */
	const uint8_t *desc;
	size_t desc_len; /* already truncated to description_max */
	bool has_port_set;
	struct pctl_port_set port_set;
	bool prefix64;     /* PREFIX64 present and configured */
	size_t n_filters;  /* FILTER options with a non-zero prefix */
	bool filter_clear; /* a FILTER of prefix 0 came first (S-82) */
	size_t clear_at;   /* filters before the last clear are dropped */
	const struct pctl_filter *filters;
};

/* Parses the options of a MAP/PEER request against the configuration.
 * Returns PCTL_R_SUCCESS, or the result code of the first failing option. */
uint8_t pctl_engine_parse_opts(struct pctl_engine *e, const struct pctl_rx *rx,
                               const struct pctl_msg *msg,
                               struct pctl_req_opts *o);
/* MAP/PEER success response (S-14, S-31, S-61): the request's nonce,
 * protocol, internal port and remote peer, the external endpoint given, the
 * processed options.  Its length (an error response if it cannot be
 * encoded, S-16). */
size_t pctl_engine_respond(struct pctl_engine *e, const struct pctl_rx *rx,
                           const struct pctl_msg *req,
                           const struct pctl_req_opts *o,
                           const struct pctl_mapping *m, uint32_t lifetime,
                           const pctl_addr *ext_addr, uint16_t ext_port,
                           uint8_t *out);
/* The extra data of a renewed mapping: the kept filters plus the
 * request's, its description, the same THIRD_PARTY_ID.  0 or
 * -ENOMEM. */
int pctl_extra_renew(const struct pctl_mapping *m,
                     const struct pctl_req_opts *o,
                     const struct pctl_filter *keep, size_t n_keep,
                     struct pctl_map_extra **out);
/* Records the requesting client of a THIRD_PARTY mapping in *x (created
 * when NULL).  0 or -ENOMEM. */
int pctl_extra_set_client(struct pctl_map_extra **x, const pctl_addr *client);
/* Where a mapping's client is: the THIRD_PARTY requester, else the
 * internal host. */
const pctl_addr *pctl_mapping_client(const struct pctl_mapping *m);
/* Appends the processed options to a success response (S-14): THIRD_PARTY,
 * THIRD_PARTY_ID, PREFER_FAILURE, FILTERs, DESCRIPTION, PREFIX64.  data
 * must outlive encoding. */
void pctl_engine_add_opts(struct pctl_engine *e, const struct pctl_msg *req,
                          const struct pctl_req_opts *o,
                          const struct pctl_mapping *m, struct pctl_msg *resp,
                          uint8_t *prefix64_buf);

/* ---- announce.c (pctl_natpmp_extaddr_msg: natpmp_server.c) -------------- */

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
/* NAT-PMP external address response (N-2) with the given result: the
 * address host's mappings use (any IPv4 one when host is NULL). */
size_t pctl_natpmp_extaddr_msg(struct pctl_engine *e, const pctl_addr *host,
                               uint64_t now_ms, uint16_t result, uint8_t *out);

#endif
