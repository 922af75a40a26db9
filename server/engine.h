/*
 * The portctld engine (docs/design.md layer 2): a deterministic PCP
 * (RFC 6887) and NAT-PMP (RFC 6886) server state machine.
 *
 * The engine never reads a clock or a socket.  The daemon hands it one
 * datagram at a time together with the source, the destination it was sent
 * to, the arrival interface and the current time (monotonic milliseconds);
 * the engine answers with the response octets (or 0: drop silently) and
 * drives the data plane through the backend (server/backend.h).
 *
 * Unsolicited traffic (ANNOUNCE, NAT-PMP address announcements, Mapping
 * Updates) is queued inside the engine; the daemon asks for what is due with
 * pctl_engine_poll_tx() and sleeps until pctl_engine_next_deadline().
 *
 * Time: every `now_ms` is a monotonic clock in milliseconds and must never go
 * backwards between calls.  The PCP/NAT-PMP epoch (S-24) is whole seconds
 * since the engine's epoch start.
 *
 * Single-threaded: one engine is used by one thread at a time.
 */
#ifndef PORTCTL_SERVER_ENGINE_H
#define PORTCTL_SERVER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#include "backend.h"

/* ---- Configuration ------------------------------------------------------ */

#define PCTL_ENG_MAX_EXT_ADDRS 16
#define PCTL_ENG_MAX_RESERVED  64
#define PCTL_ENG_MAX_RULES     128
#define PCTL_ENG_MAX_ACL       32
#define PCTL_ENG_MAX_DESC      1016 /* at most one option's data */
#define PCTL_ENG_MIN_DESC      128  /* store at least 128 bytes */

/* An address prefix.  IPv4 prefixes are held v4-mapped: 192.0.2.0/24 is
 * ::ffff:192.0.2.0 with len 96 + 24 = 120. */
struct pctl_prefix {
	pctl_addr addr;
	uint8_t len; /* bits, 0..128 */
};

/* A port the router itself uses: never handed out (S-38, K-29). */
struct pctl_reserved_port {
	uint8_t protocol; /* 0 = every protocol */
	uint16_t port;
};

/* One ordered policy rule; the first rule that matches a request decides
 * (allow or deny), else cfg.default_allow. */
struct pctl_policy_rule {
	bool allow;
	struct pctl_prefix internal; /* internal address the mapping is for */
	uint16_t int_port_min, int_port_max; /* inclusive; 0..65535 = any */
	uint16_t ext_port_min, ext_port_max; /* inclusive; 0..65535 = any */
	bool any_protocol;
	uint8_t protocol; /* when !any_protocol */
};

/* Plain data the daemon's configuration parser fills; no pointers, so it may
 * be copied freely.  pctl_engine_config_defaults() sets every field to its
 * documented default. */
struct pctl_engine_config {
	/* S-50: granted lifetimes are clamped to [min_lifetime, max_lifetime]
	 * (defaults 120 and 86400 seconds). */
	uint32_t min_lifetime;
	uint32_t max_lifetime;

	/* External addresses.  With nat44, IPv4 internal hosts are mapped to
	 * the IPv4 addresses here (NAT44).  IPv6 internal hosts, and IPv4 ones
	 * when nat44 is off, get a pinhole: external == internal. */
	size_t n_ext_addrs;
	pctl_addr ext_addrs[PCTL_ENG_MAX_EXT_ADDRS];
	bool nat44;

	/* External ports handed out by NAT44 (inclusive; default 1024..65535).
	 */
	uint16_t port_min;
	uint16_t port_max;

	/* Ports never granted in addition to UDP 5350/5351, which are always
	 * reserved (S-38, K-29). */
	size_t n_reserved;
	struct pctl_reserved_port reserved[PCTL_ENG_MAX_RESERVED];

	/* Opcodes served (S-30, S-60); NAT-PMP on port 5351 (N-21). */
	bool map_enabled;
	bool peer_enabled;
	bool natpmp_enabled;

	/* S-32: protocol 0 (all protocols) and port 0 (all ports) mappings;
	 * when off such requests get UNSUPP_PROTOCOL. */
	bool allow_all_protocols;
	bool allow_all_ports;

	/* S-75..S-79: PREFER_FAILURE honoured (else UNSUPP_OPTION). */
	bool prefer_failure_enabled;

	/* S-80: FILTER honoured (default); off when the data plane cannot
	 * drop what a filter excludes, so that FILTER gets UNSUPP_OPTION
	 * rather than a promise nobody keeps (it is mandatory-to-process). */
	bool filter_enabled;

	/* S-86: FILTER options kept per mapping (>= 1, default 16). */
	uint16_t max_filters;

	/* S-41: external ports per subscriber - an IPv4 host or an IPv6
	 * /64 - (USER_EX_QUOTA beyond; NAT-PMP: NO_RESOURCES), and mappings
	 * for the whole table (NO_RESOURCES beyond).  0 = unlimited.  Every
	 * port counts: a PORT_SET of N ports counts N (a set is trimmed to
	 * what is left of the quota), and ports cooling after the
	 * subscriber's deleted or expired mappings (S-53) count until they
	 * are free again. */
	uint32_t max_per_host;
	uint32_t max_mappings;

	/* The subscriber of a source or internal address, which quotas and
	 * rate limits count (subscriber.h): its first subscriber_v4_prefix
	 * bits (0..32, default 32) for IPv4, subscriber_v6_prefix (0..128,
	 * default 64) for IPv6. */
	uint8_t subscriber_v4_prefix;
	uint8_t subscriber_v6_prefix;

	/* S-7: per-subscriber token bucket, requests per second and burst
	 * size; rate 0 disables limiting.  Memory is bounded by
	 * rate_sources.  Subscribers the limiter does not hold yet share one
	 * admission bucket (rate_new_per_sec, rate_new_burst): see
	 * ratelimit.h for what that guarantees. */
	uint32_t rate_per_sec;
	uint32_t rate_burst;
	uint32_t rate_sources;
	uint32_t rate_new_per_sec;
	uint32_t rate_new_burst;

	/* S-70, S-72: sources allowed to use THIRD_PARTY; empty = prohibited
	 * for everyone.  A source outside the list gets UNSUPP_OPTION. */
	size_t n_third_party_acl;
	struct pctl_prefix third_party_acl[PCTL_ENG_MAX_ACL];

	/* THIRD_PARTY_ID accepted (else UNSUPP_OPTION), and the longest ID
	 * accepted (UNSUPP_THIRD_PARTY_ID_LENGTH beyond; 1..1016). */
	bool third_party_id_enabled;
	uint16_t third_party_id_max_len;

	/* DESCRIPTION bytes stored (128..1016; default 128). */
	uint16_t description_max;

	/* the NAT64 Pref64 returned in PREFIX64 (when prefix64_enabled),
	 * prefix64_len octets of prefix64 then (12 - prefix64_len) of suffix.
	 */
	bool prefix64_enabled;
	uint8_t prefix64_len; /* 4, 5, 6, 7, 8 or 12 */
	uint8_t prefix64[12];
	uint8_t prefix64_suffix[12];

	/* Ordered allow/deny rules; first match wins. */
	size_t n_rules;
	struct pctl_policy_rule rules[PCTL_ENG_MAX_RULES];
	bool default_allow;

	/* S-94 / N-10: unsolicited ANNOUNCEs (and NAT-PMP announcements) sent
	 * after a state loss or address change (0..10, default 10). */
	unsigned announce_count;

	/* RFC 6887 section 18.1, the Simple Threat Model (S-52, S-100); off by
	 * default.  When on:
	 * - granted lifetimes never exceed the implicit lifetime of the
	 *   protocol below (explicit mappings live no longer than implicit
	 *   ones; protocol 0: the shortest of them);
	 * - THIRD_PARTY is refused (the configuration check rejects a
	 *   third_party_acl);
	 * - no request (PCP or NAT-PMP) makes a mapping expire sooner than the
	 *   traffic the backend saw on it would (backend idle_left): a delete
	 *   or a shorter lifetime is raised to that time. */
	bool simple_threat_model;
	/* Seconds an idle implicit mapping lives (defaults: UDP 120, RFC 4787;
	 * TCP, SCTP, DCCP 7440, RFC 5382).  Used only by the model above. */
	uint32_t implicit_lifetime_tcp;
	uint32_t implicit_lifetime_udp;
	uint32_t implicit_lifetime_sctp;
	uint32_t implicit_lifetime_dccp;

	/* S-53: seconds an external port given up by a deleted or expired
	 * mapping stays reserved for its client (default 120; 0 = none). */
	uint32_t port_reuse_time;

	/* the most ports one PORT_SET mapping is granted (1..65535,
	 * default 64); a larger request is granted fewer.  Bounds the work a
	 * port set costs the data plane on every create and renewal. */
	uint16_t max_port_set;

	/* Key of the random starting points of external port allocation
	 * (RFC 6056): 0 (default) = drawn from getrandom() by
	 * pctl_engine_new; tests set it to stay deterministic. */
	uint64_t port_seed;
	/* Issue 16: a new NAT44 mapping (MAP or NAT-PMP) that suggests no
	 * external port gets its internal port when that is usable
	 * (pctl_engine_port_usable; default on); off, or when it is not: a
	 * port from a random point (RFC 6056).  A port the client may
	 * reclaim (S-53) comes first; PORT_SET and PEER are not affected. */
	bool prefer_internal_port;
	/* Issue 15 item 5: requests from the router's own addresses, and
	 * mappings (THIRD_PARTY included) whose internal address is one of
	 * them, loopback included, are refused with NOT_AUTHORIZED (NAT-PMP:
	 * result 2) unless this is set (default off).  The addresses are
	 * those given to pctl_engine_set_self(). */
	bool allow_self;
	/* Issue 11: a UPnP control point may create, renew or delete only
	 * mappings whose internal client is its own address (miniupnpd's
	 * secure_mode; default on).  Off: any internal host's. */
	bool upnp_secure_mode;
	/* Issue 11: the UPnP IGD front end (server/upnp.h) is served
	 * (default on: the daemon turns it off unless `upnp yes`).  Off,
	 * pctl_upnp_admit refuses every request, and a reconfiguration -
	 * a reload, or the start applying the configuration to what the
	 * journal kept - removes the UPnP mappings, as it removes NAT-PMP's
	 * when natpmp_enabled goes off. */
	bool upnp_enabled;
};

/* Fills cfg with the defaults listed above (no external address; NAT44 on;
 * MAP, PEER and NAT-PMP on; all-ports/all-protocols off; default allow). */
void pctl_engine_config_defaults(struct pctl_engine_config *cfg);

/* Checks a configuration; 0, or -1 with a reason in err. */
int pctl_engine_config_check(const struct pctl_engine_config *cfg, char *err,
                             size_t errlen);

/* ---- Life cycle ---------------------------------------------------------- */

struct pctl_engine;

/* A new engine with an empty table, epoch 0 at now_ms.  The backend is
 * borrowed (not destroyed by pctl_engine_free).  NULL on a bad configuration
 * (see pctl_engine_config_check) or out of memory. */
struct pctl_engine *pctl_engine_new(const struct pctl_engine_config *cfg,
                                    const struct pctl_backend *backend,
                                    uint64_t now_ms);
void pctl_engine_free(struct pctl_engine *e);

/* SIGHUP: applies a new configuration and keeps the mappings; mappings the
 * new configuration forbids (policy, external address gone, reserved port,
 * disabled opcode, the router's own internal address without allow_self)
 * are removed through the backend.  Returns how many were removed, or -1
 * when cfg is invalid (nothing changed). */
int pctl_engine_reconfigure(struct pctl_engine *e,
                            const struct pctl_engine_config *cfg,
                            uint64_t now_ms);

/* ---- Requests ------------------------------------------------------------ */

/* One received datagram. */
struct pctl_rx {
	const uint8_t *buf;
	size_t len;
	pctl_addr src;     /* IP source address */
	uint16_t src_port; /* UDP source port */
	pctl_addr dst;     /* address the datagram was sent to (pktinfo) */
	unsigned ifindex;  /* arrival interface */
	bool internal;     /* arrived on an internal interface (S-2) */
	uint64_t now_ms;
};

/* Processes one datagram (PCP or NAT-PMP, by octet 0) and writes the response
 * to out.  Returns its length, to be sent from rx->dst to rx->src:src_port,
 * or 0 when the datagram must be dropped silently. */
size_t pctl_engine_handle(struct pctl_engine *e, const struct pctl_rx *rx,
                          uint8_t out[PCTL_MAX_MSG]);

/* ---- Unsolicited messages and time -------------------------------------- */

enum pctl_tx_dest {
	/* To the all-hosts group of every internal interface: IPv4
	 * 224.0.0.1:5350 and IPv6 ff02::1:5350 (S-93, N-10).  The daemon fans
	 * the message out per interface and family. */
	PCTL_TX_MULTICAST = 0,
	/* To addr:port (Mapping Update to the last client, S-95). */
	PCTL_TX_UNICAST = 1,
};

/* One message due now. */
struct pctl_tx {
	enum pctl_tx_dest dest;
	bool natpmp;    /* NAT-PMP announcement (IPv4 only) rather than PCP */
	pctl_addr addr; /* unicast destination */
	uint16_t port;
	pctl_addr from; /* unicast: the address the client last wrote to */
	size_t len;
	uint8_t buf[PCTL_MAX_MSG];
};

/* Moves up to max messages due at now_ms into out; returns how many.  Call
 * again while it returns max. */
size_t pctl_engine_poll_tx(struct pctl_engine *e, uint64_t now_ms,
                           struct pctl_tx *out, size_t max);

/* The earliest time (ms) at which a mapping expires or a message is due;
 * UINT64_MAX when nothing is pending. */
uint64_t pctl_engine_next_deadline(const struct pctl_engine *e);

/* Expires the mappings whose lifetime ended by now_ms (backend remove). */
void pctl_engine_tick(struct pctl_engine *e, uint64_t now_ms);

/* Start without a journal, or any possible state loss: resets the epoch
 * (S-25) and schedules the unsolicited ANNOUNCEs and NAT-PMP announcements
 * (S-93, S-94, N-10). */
void pctl_engine_state_lost(struct pctl_engine *e, uint64_t now_ms);

/* The external addresses changed (S-26): NAT44 mappings on a vanished
 * address move to a new one (or are removed when none is left), the epoch
 * restarts, Mapping Updates go to the mappings' last clients (S-95) and
 * NAT-PMP announcements are scheduled (N-10).  0, or -1 when n exceeds
 * PCTL_ENG_MAX_EXT_ADDRS (nothing changed). */
int pctl_engine_set_external(struct pctl_engine *e, const pctl_addr *addrs,
                             size_t n, uint64_t now_ms);

/* The router's own addresses (issue 15 item 5): every address of every
 * interface, as the daemon learns them; loopback and unspecified addresses
 * count as the router's own without being listed.  Replaces the previous
 * set; mappings made before an address appeared are kept.  0, or -1 out of
 * memory (the previous set stays). */
int pctl_engine_set_self(struct pctl_engine *e, const pctl_addr *addrs,
                         size_t n);

/* Current epoch in seconds (S-24). */
uint32_t pctl_engine_epoch(const struct pctl_engine *e, uint64_t now_ms);

/* Journal: make the epoch continue from `epoch` seconds at now_ms after a
 * restart with kept state (instead of the reset at pctl_engine_new). */
void pctl_engine_set_epoch(struct pctl_engine *e, uint32_t epoch,
                           uint64_t now_ms);

/* ---- Administration and journal ----------------------------------------- */

enum pctl_mapping_kind {
	PCTL_MK_MAP = 0,
	PCTL_MK_PEER = 1,
	PCTL_MK_NATPMP = 2,
	PCTL_MK_STATIC = 3, /* made by the administrator; never expires */
	PCTL_MK_UPNP = 4,   /* UPnP IGD (server/upnp.h); owned by its host */
};
/* How many kinds there are (the size of per-kind arrays). */
#define PCTL_MK_KINDS 5
/* "map", "peer", "natpmp", "static", "upnp"; "unknown" beyond. */
const char *pctl_engine_kind_name(enum pctl_mapping_kind k);

/* A read-only view of one mapping.  Pointers are valid until the next call
 * that may change the table. */
struct pctl_mapping_info {
	uint64_t id;
	enum pctl_mapping_kind kind;
	uint8_t protocol;
	pctl_addr int_addr;
	uint16_t int_port;
	pctl_addr ext_addr;
	uint16_t ext_port;
	uint16_t port_count;    /* >= 1 (PORT_SET, X-3) */
	bool parity;            /* PORT_SET P bit */
	pctl_addr remote_addr;  /* PEER */
	uint16_t remote_port;   /* PEER */
	uint32_t lifetime_left; /* seconds; PCTL_LIFETIME_STATIC for static */
	size_t n_filters;
	const struct pctl_filter *filters;
	size_t desc_len;
	const uint8_t *desc; /* DESCRIPTION, not NUL-terminated */
	uint8_t nonce[PCTL_NONCE_LEN];
	bool third_party; /* created with THIRD_PARTY (S-70) */
	/* created with PREFER_FAILURE: its external endpoint is fixed (S-36.1,
	 * S-95) */
	bool prefer_failure;
	size_t tpid_len; /* THIRD_PARTY_ID */
	const uint8_t *tpid;
	/* Last client address/port (S-95): the internal address, or the
	 * requester of a THIRD_PARTY mapping (restore takes it back). */
	pctl_addr client_addr;
	uint16_t client_port;
	pctl_addr server_addr; /* address the client last wrote to */
	/* The owner's nonce is unknown (a MAP adopted from the data plane
	 * after a damaged journal): the first MAP for it from its own internal
	 * endpoint, not through THIRD_PARTY, gives it that request's nonce;
	 * until then nonce is zero and every other request is refused. */
	bool nonce_unknown;
};

/* Calls cb for every mapping; stops early when cb returns non-zero (that
 * value is returned).  cb must not change the table. */
int pctl_engine_foreach(const struct pctl_engine *e,
                        int (*cb)(void *ctx, const struct pctl_mapping_info *m),
                        void *ctx, uint64_t now_ms);

/* A page of the table, for a listing that must not stall the server
 * (issue 15 item 13): calls cb for at most max mappings after *cursor (0:
 * from the start), in pool order, and moves *cursor past the last one
 * visited.  Returns how many were visited; fewer than max means the end was
 * reached.  Records never move in the pool, so a mapping that lives from
 * the first page to the last is visited exactly once, whatever is created
 * or removed between pages; one created or removed meanwhile at most once.
 * cb must not change the table; a non-zero return stops the page early. */
size_t pctl_engine_foreach_page(const struct pctl_engine *e, uint32_t *cursor,
                                size_t max,
                                int (*cb)(void *ctx,
                                          const struct pctl_mapping_info *m),
                                void *ctx, uint64_t now_ms);

/* Removes one mapping by id.  0, -ENOENT, or -errno from the backend (then
 * nothing changed). */
int pctl_engine_delete(struct pctl_engine *e, uint64_t id, uint64_t now_ms);

/* Removes every mapping.  0 or -errno from the backend. */
int pctl_engine_flush(struct pctl_engine *e, uint64_t now_ms);

/* Journal restore, or an administrator's static mapping (kind STATIC):
 * re-creates a mapping with its nonce, lifetime left, filters, description,
 * THIRD_PARTY_ID and external port (m->id is ignored; a new id is assigned
 * and written to *id when id is not NULL).  A NAT44 mapping takes its
 * external ports again (a MAP and a PEER of one internal endpoint share
 * theirs, S-43); a static one never expires and the backend sees lifetime
 * PCTL_LIFETIME_STATIC.  The backend create is issued and committed.  0,
 * -EEXIST (endpoint taken), -EINVAL, -ENOSPC, -ENOMEM or -errno from the
 * backend. */
int pctl_engine_restore(struct pctl_engine *e,
                        const struct pctl_mapping_info *m, uint64_t now_ms,
                        uint64_t *id);

/* At start, once the table holds what survived (journal) or nothing: makes
 * the data plane hold exactly the engine's mappings, so that what a killed
 * predecessor left in the kernel neither forwards on nor lingers
 * (S-93: a restart without state must not leave old mappings working).
 * 0, or -errno from the backend. */
int pctl_engine_reconcile(struct pctl_engine *e, uint64_t now_ms);

/* Counters since pctl_engine_new, except `mappings`. */
struct pctl_engine_stats {
	uint64_t
	    mappings[PCTL_MK_KINDS]; /* live now, by enum pctl_mapping_kind */
	/* Mappings installed since pctl_engine_new: created by a request or
	 * the administrator, or restored (journal); never decreases.  The
	 * control socket also prints it as mappings_total, its old name. */
	uint64_t mappings_created;
	uint64_t requests; /* datagrams handled */
	uint64_t pcp_requests;
	uint64_t natpmp_requests;
	/* UPnP IGD actions served (server/upnp.h; admitted HTTP requests
	 * that only read descriptions are not counted). */
	uint64_t upnp_requests;
	uint64_t dropped;      /* silently dropped */
	uint64_t rate_limited; /* dropped by the per-subscriber limit (S-7) */
	uint64_t expired;
	uint64_t backend_errors;
	uint64_t pcp_results[256];  /* responses sent, by PCP result code */
	uint64_t natpmp_results[8]; /* by NAT-PMP result code (0..5) */
	uint64_t announces_sent;
	uint64_t mapping_updates_sent;
};

void pctl_engine_get_stats(const struct pctl_engine *e,
                           struct pctl_engine_stats *out);

#endif
