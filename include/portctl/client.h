/*
 * portctl/client.h - the PCP (RFC 6887) / NAT-PMP (RFC 6886) client library.
 *
 * Event-loop neutral, in the manner of c-ares: the library never blocks and
 * never owns a loop.  The caller asks for the file descriptors to watch
 * (pctl_client_fds) and for the time until the next timer
 * (pctl_client_timeout), waits with poll/epoll/libuv/whatever, then calls
 * pctl_client_process() with the descriptors that became readable (or none,
 * when the time has passed).  pctl_client_wait() is a blocking convenience on
 * top for programs without a loop of their own.
 *
 * Time is read through a clock callback (monotonic milliseconds, C-42) so
 * that tests drive it; by default CLOCK_MONOTONIC is used.  Suspend/resume is
 * detected by comparing CLOCK_BOOTTIME with CLOCK_MONOTONIC: a gap that grows
 * means the machine slept, the server may have restarted, and every mapping
 * is re-discovered and re-created.  With watch_network the same happens when
 * an address or a default route of the host changes.
 *
 * One mapping object (MAP, PEER, or an ANNOUNCE / external-address query)
 * tracks a request for its whole life: retransmission (RFC 6887 section
 * 8.1.1, C-16..C-18), renewal (section 11.2.1, C-20..C-24), epoch checks
 * (section 8.5, C-40..C-44), Mapping Updates (C-37), error hold times
 * (C-46, C-47), NAT-PMP fallback (C-50, N-20) and deletion (C-65).  Every
 * change is reported through the mapping's callback.
 *
 * Not thread-safe: one client object per thread (distinct objects are
 * independent).  The client object and its mappings are named pctl_client_
 * and pctl_client_map_ (the server engine has its own pctl_mapping and
 * pctl_map_ internals, which are not part of this library).
 */
#ifndef PORTCTL_CLIENT_H
#define PORTCTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/wire.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pctl_client;
struct pctl_client_map;

/* ---- Structures that grow ------------------------------------------------
 * struct pctl_client_config, struct pctl_client_map_params and struct
 * pctl_client_map_info may gain fields at their end in a later release of
 * the same SONAME (README, ABI).  The calls that take them are inline
 * wrappers that pass sizeof the structure as the program was compiled; the
 * library reads and writes no more than that, fields a program does not
 * know are zero (which always means "the default"), and a longer structure
 * whose tail this library does not know is refused with E2BIG unless that
 * tail is zero (a newer program asking for something this library cannot
 * do).  A structure shorter than the first release's is refused with
 * EINVAL.  Bindings that cannot use inline functions call the *_sized
 * functions with the size of their copy of the structure.  A
 * pctl_client_map_info handed to a callback is the library's own: read no
 * field newer than the library the program requires. */

/* Retransmission defaults of RFC 6887 section 8.1.1 (K-12), milliseconds. */
#define PCTL_CLIENT_IRT_MS 3000u
#define PCTL_CLIENT_MRT_MS 1024000u
#define PCTL_CLIENT_MRC    0u /* 0: no limit */
#define PCTL_CLIENT_MRD_MS 0u /* 0: no limit */
/* Quick first retry for interactive use (an implementation choice). */
#define PCTL_CLIENT_QUICK_MS 250u
/* C-23 / K-18: returned lifetimes are capped at this many seconds. */
#define PCTL_CLIENT_MAX_LIFETIME 86400u
/* RFC 7488 section 3: transmissions per server address during selection. */
#define PCTL_CLIENT_SELECT_MRC 4u
/* RFC 7488 section 3 step 5 (K-26): retry all addresses after this. */
#define PCTL_CLIENT_SELECT_RETRY_MS (15u * 60u * 1000u)
/* K-20: unsolicited ANNOUNCE handling waits uniform(0, 5 s). */
#define PCTL_CLIENT_ANNOUNCE_DELAY_MS 5000u
/* N-11: NAT-PMP retransmission, 250 ms doubling, 9 attempts. */
#define PCTL_NATPMP_IRT_MS 250u
#define PCTL_NATPMP_MRC    9u

/* Monotonic time in milliseconds; must never go backwards (C-42). */
typedef uint64_t (*pctl_clock_fn)(void *arg);
/* A uniform random 32-bit number (for RAND and delays; need not be
 * cryptographic, RFC 6887 section 8.1.1).  Nonces always use getrandom. */
typedef uint32_t (*pctl_random_fn)(void *arg);
/* One log line (no trailing newline).  level is a syslog(3) priority. */
typedef void (*pctl_log_fn)(void *arg, int level, const char *line);

/* ---- Protocols ------------------------------------------------------------
 * A mapping is made with one of three protocols.  PCP (RFC 6887) is
 * preferred where it answers, NAT-PMP (RFC 6886) is PCP's fallback on the
 * same port (C-50), and UPnP IGD (IGD:1 and IGD:2, found by SSDP) is used
 * when neither answered within upnp_wait_ms but an IGD was found.  The
 * snapshot says which protocol and which server granted a mapping. */
enum pctl_client_proto {
	PCTL_PROTO_NONE = 0,
	PCTL_PROTO_PCP = 1,
	PCTL_PROTO_NATPMP = 2,
	PCTL_PROTO_UPNP = 4,
};
#define PCTL_PROTO_AUTO (PCTL_PROTO_PCP | PCTL_PROTO_NATPMP | PCTL_PROTO_UPNP)
/* Default of upnp_wait_ms. */
#define PCTL_CLIENT_UPNP_WAIT_MS 2000u
/* Default of first_answer_ms. */
#define PCTL_CLIENT_FIRST_ANSWER_MS 10000u

/* Why an exchange failed (info->failure), for a precise message. */
enum pctl_client_failure {
	PCTL_FAIL_NONE = 0,
	PCTL_FAIL_NO_ANSWER,   /* nothing came back from any server */
	PCTL_FAIL_UNREACHABLE, /* ICMP port or host unreachable (C-3) */
	PCTL_FAIL_UNUSABLE,    /* answers came, none could be used (e.g.
	                          SUCCESS with external port 0, or an
	                          UNSUPP_VERSION naming a version we do not
	                          speak); info->result is the last one */
};

struct pctl_client_config {
	/* Retransmission (section 8.1.1), milliseconds / count; 0 for mrc and
	 * mrd_ms means unlimited, as in the RFC. */
	uint32_t irt_ms, mrt_ms, mrc, mrd_ms;
	/* First retransmission after about quick_ms (0: off), then the
	 * normal schedule from IRT.  For interactive commands. */
	uint32_t quick_ms;
	/* C-23: upper bound on every lifetime the server returns, seconds. */
	uint32_t max_lifetime;
	/* Listen for unsolicited ANNOUNCEs (C-56) on this port (0: off;
	 * normally PCTL_CLIENT_PORT).  announce_bind4/6 override the groups
	 * 224.0.0.1 / ff02::1 (tests bind a loopback address); NULL keeps the
	 * RFC groups; "" disables that family. */
	uint16_t announce_port;
	const char *announce_bind4;
	const char *announce_bind6;
	/* Watch the kernel's addresses and default routes (rtnetlink) and,
	 * one second after a change, re-discover and re-create every mapping
	 * (pctl_client_reset).  Adds a descriptor to pctl_client_fds. */
	bool watch_network;
	/* Speak NAT-PMP only (no PCP first). */
	bool force_natpmp;
	/* Local address to send from (the internal address), or NULL to let
	 * the kernel choose (C-11, C-12). */
	const char *source;
	/* Clock, randomness and logging; NULL selects the defaults
	 * (CLOCK_MONOTONIC, CLOCK_BOOTTIME for suspend detection, a PRNG
	 * seeded by getrandom, no logging). boottime may be NULL when clock is
	 * set: suspend detection is then off. */
	pctl_clock_fn clock;
	pctl_clock_fn boottime;
	void *clock_arg;
	pctl_random_fn random;
	void *random_arg;
	pctl_log_fn log;
	void *log_arg;
	/* ---- Added in LIBPORTCTL_0.2 (zero keeps the default) ---- */
	/* Which protocols to try: PCTL_PROTO_* bits; 0 means PCTL_PROTO_AUTO
	 * (PCP, then NAT-PMP, then UPnP IGD: see "Protocols" below).
	 * force_natpmp, when set, still means NAT-PMP only. */
	unsigned protocols;
	/* How long PCP and NAT-PMP have to answer before a UPnP IGD found
	 * meanwhile is used instead, milliseconds (0: the default,
	 * PCTL_CLIENT_UPNP_WAIT_MS). */
	uint32_t upnp_wait_ms;
	/* An exchange to which no server has ever answered fails after this
	 * long, milliseconds, and the mapping reports PCTL_EV_TIMEOUT with
	 * info->failure saying why (0: the default,
	 * PCTL_CLIENT_FIRST_ANSWER_MS; UINT32_MAX: never, as RFC 6887's
	 * unlimited MRD).  Once a server has answered, renewals follow the
	 * RFC schedule above. */
	uint32_t first_answer_ms;
};

/* Fills cfg with the RFC defaults (K-12), the C-23 cap, ANNOUNCE listening
 * on PCTL_CLIENT_PORT (pctl_client_new() logs and goes on without it when
 * the port cannot be had), first_answer_ms PCTL_CLIENT_FIRST_ANSWER_MS and
 * the default clock. */
PCTL_API void pctl_client_config_init_sized(struct pctl_client_config *cfg,
                                            size_t size);
static inline void pctl_client_config_init(struct pctl_client_config *cfg)
{
	pctl_client_config_init_sized(cfg, sizeof(*cfg));
}

/* Creates a client; cfg NULL means the defaults.  Returns NULL with errno
 * set on failure (EINVAL or E2BIG for cfg: see "Structures that grow"
 * above).  cfg is copied (the strings it points to must stay valid for the
 * client's life). */
PCTL_API struct pctl_client *
pctl_client_new_sized(const struct pctl_client_config *cfg, size_t size);
static inline struct pctl_client *
pctl_client_new(const struct pctl_client_config *cfg)
{
	return pctl_client_new_sized(cfg, sizeof(*cfg));
}
/* Frees the client and every mapping, without sending anything. */
PCTL_API void pctl_client_free(struct pctl_client *c);

/* Adds a configured server, "ADDR", "ADDR:PORT" or "[V6]:PORT" (port 5351
 * by default); an IPv6 address may carry its interface, "[fe80::1%eth0]".
 * Configured servers replace discovery (C-1); several are processed as one
 * server's addresses per RFC 7488 (C-3).  Returns 0, or -1 with errno
 * EINVAL (bad text), ENODEV (no such interface) or a socket error (such as
 * ENETUNREACH: no route to it). */
PCTL_API int pctl_client_add_server(struct pctl_client *c, const char *text);
/* When no server was added: the IPv4 and IPv6 default gateways (rtnetlink
 * RTM_GETROUTE) followed by the RFC 7723 anycast addresses 192.0.0.9 and
 * 2001:1::1 (C-1); addresses without a route are left out.  Returns the
 * number of servers now known (0: none; it cannot fail).  Again later
 * (pctl_client_reset), it replaces the discovered list. */
PCTL_API int pctl_client_discover(struct pctl_client *c);
/* Number of server addresses and the text of one ("ADDR:PORT"), for
 * display.  Returns buf or NULL when i is out of range. */
PCTL_API size_t pctl_client_server_count(const struct pctl_client *c);
PCTL_API const char *pctl_client_server_str(const struct pctl_client *c,
                                            size_t i, char *buf, size_t len);

/* ---- Event loop ---------------------------------------------------------- */

/* Writes up to max descriptors to watch for reading; returns how many exist
 * (which may exceed max). */
PCTL_API size_t pctl_client_fds(const struct pctl_client *c, int *fds,
                                size_t max);
/* Like pctl_client_fds, with what to wait for on each descriptor: POLLIN
 * and, while a UPnP HTTP connection is being opened or written, POLLOUT
 * (poll(2) events).  Returns how many exist (which may exceed max).
 * pctl_client_process() takes any descriptor that had an event.  A
 * program that only uses pctl_client_fds still works: while a connection
 * waits to become writable, pctl_client_timeout() is short (at most
 * PCTL_CLIENT_WRITE_POLL_MS) and pctl_client_process() tries it. */
#define PCTL_CLIENT_WRITE_POLL_MS 20
struct pollfd;
PCTL_API size_t pctl_client_pollfds(const struct pctl_client *c,
                                    struct pollfd *fds, size_t max);
/* Milliseconds until pctl_client_process() must be called even without
 * input, or -1 when no timer is pending. */
PCTL_API int64_t pctl_client_timeout(struct pctl_client *c);
/* Reads every datagram waiting on the given descriptors (non-blocking) and
 * runs every timer that is due.  Callbacks run from here. */
PCTL_API void pctl_client_process(struct pctl_client *c, const int *ready,
                                  size_t n);
/* Blocking convenience: poll and process until m leaves the pending state
 * (granted, error, deleted, failed) or timeout_ms passes (-1: no limit).
 * With m NULL, runs until timeout_ms passes or pctl_client_stop() is
 * called.  Returns 0, or -1 with errno ETIMEDOUT / EINTR (a signal arrived:
 * the caller checks its flags and calls again). */
PCTL_API int pctl_client_wait(struct pctl_client *c, struct pctl_client_map *m,
                              int64_t timeout_ms);
/* Makes a running pctl_client_wait() return (from a callback). */
PCTL_API void pctl_client_stop(struct pctl_client *c);
/* Number of pctl_client_process() calls so far (idle-cost measurement). */
PCTL_API uint64_t pctl_client_wakeups(const struct pctl_client *c);

/* ---- Mappings ------------------------------------------------------------ */

enum pctl_req_kind {
	PCTL_REQ_MAP = 1,      /* MAP opcode */
	PCTL_REQ_PEER = 2,     /* PEER opcode */
	PCTL_REQ_ANNOUNCE = 3, /* unicast ANNOUNCE, lifetime 0 (C-55) */
	/* Learn the external address (C-67): a short-lived MAP of the discard
	 * port 9/udp with PCP, opcode 0 with NAT-PMP. */
	PCTL_REQ_EXTERNAL = 4,
};

#define PCTL_CLIENT_MAX_FILTERS 4
#define PCTL_CLIENT_DESC_MAX    256

/* What to ask for.  Zero-initialise, then set what is needed. */
struct pctl_client_map_params {
	enum pctl_req_kind kind;
	uint8_t protocol;       /* 6, 17, ...; 0 = all (then port 0, C-62) */
	uint16_t internal_port; /* 0 only with protocol 0 or for ANNOUNCE */
	uint32_t lifetime;      /* requested, seconds (0 is refused: use
	                           pctl_client_map_delete) */
	/* Suggested external endpoint (C-64); all-zeros = no preference. */
	bool want_ipv6; /* family of the all-zeros suggestion */
	bool has_suggest;
	pctl_addr suggest_addr;
	uint16_t suggest_port;
	/* PEER (C-70). */
	pctl_addr remote_addr;
	uint16_t remote_port;
	/* Options. */
	bool has_third_party; /* C-71: trusted networks only */
	pctl_addr third_party;
	bool prefer_failure; /* C-68: MAP only, not with port_set */
	size_t n_filters;    /* C-69 */
	struct pctl_filter filters[PCTL_CLIENT_MAX_FILTERS];
	char description[PCTL_CLIENT_DESC_MAX]; /* RFC 7220; "" = none */
	uint16_t port_set_size;                 /* RFC 7753; 0 = none */
	bool port_set_parity;
	/* Reuse this nonce instead of a fresh random one (state files). */
	bool has_nonce;
	uint8_t nonce[PCTL_NONCE_LEN];
	/* Renew forever (true) or stop after the first answer (false). */
	bool keep;
	/* ---- Added in LIBPORTCTL_0.2 ---- */
	/* Port preservation: a MAP without a suggested port suggests its
	 * internal port as the external one (the port is kept when it is free
	 * at the server).  any_port turns that off: the server picks. */
	bool any_port;
};

enum pctl_client_map_state {
	PCTL_MS_PENDING = 0, /* request outstanding, no answer yet */
	PCTL_MS_GRANTED,     /* the server granted it (renewals running) */
	PCTL_MS_ERROR,       /* the server refused; retried after the hold */
	PCTL_MS_FAILED,      /* no server answered (MRC/MRD exhausted) */
	PCTL_MS_DELETING,    /* delete outstanding */
	PCTL_MS_DELETED,     /* the server confirmed the delete; a lifetime
	                        in the info means it keeps the mapping that
	                        long for traffic still on it (S-52) */
};

enum pctl_client_map_event {
	PCTL_EV_GRANTED = 1, /* first success (or success after loss) */
	PCTL_EV_CHANGED,     /* external address or port changed */
	PCTL_EV_RENEWED,     /* renewal succeeded, nothing changed */
	PCTL_EV_ERROR,       /* an error result; see info->error_class */
	PCTL_EV_LOST,        /* expired without renewal, or server restart
	                        detected (being re-created) */
	PCTL_EV_TIMEOUT,     /* the exchange failed: no answer */
	PCTL_EV_DELETED,     /* delete confirmed */
};

/* A snapshot of a mapping, valid during the callback or until the next
 * pctl_client_process(). */
struct pctl_client_map_info {
	enum pctl_client_map_state state;
	enum pctl_req_kind kind;
	uint8_t protocol;
	uint16_t internal_port;
	pctl_addr internal_addr; /* our address as the server sees it (C-11) */
	pctl_addr external_addr;
	uint16_t external_port;
	uint32_t lifetime;      /* granted (capped, C-23) or error lifetime;
	                           DELETED: seconds the server still keeps it
	                           (0: gone) */
	uint8_t result;         /* last PCP result (NAT-PMP mapped to PCP) */
	uint16_t natpmp_result; /* last NAT-PMP result when version 0 */
	enum pctl_error_class error_class;
	uint8_t version;      /* protocol version that answered: 2 or 0 */
	uint32_t epoch;       /* server's epoch in the last answer */
	bool double_nat;      /* ADDRESS_MISMATCH or a private/shared
	                         external IPv4 address */
	bool version_too_old; /* server only speaks version 1 (C-50.4) */
	pctl_addr server_addr;
	uint16_t server_port;
	uint8_t nonce[PCTL_NONCE_LEN];
	unsigned transmissions; /* datagrams sent in the current exchange */
	/* ---- Added in LIBPORTCTL_0.2 ---- */
	/* The protocol that answered (granted or refused); server_addr and
	 * server_port are then that server's: for UPnP the IGD's address and
	 * HTTP port. */
	enum pctl_client_proto proto;
	/* PORT_SET (RFC 7753): the number of ports granted, from
	 * external_port up (1 when the server sent no PORT_SET option); 0
	 * when nothing was granted. */
	uint16_t port_set_granted;
	/* PCTL_MS_FAILED / PCTL_EV_TIMEOUT: why. */
	enum pctl_client_failure failure;
	/* UPnP: the IGD's device version (1 or 2), 0 otherwise. */
	uint8_t upnp_version;
};

typedef void (*pctl_client_map_cb)(struct pctl_client_map *m,
                                   enum pctl_client_map_event ev,
                                   const struct pctl_client_map_info *info,
                                   void *arg);

/* Starts a mapping: validates params (EINVAL for C-62, C-68, C-70, C-71
 * violations), chooses a nonce (getrandom unless params->has_nonce), and
 * sends the first request.  Servers must have been added or discovered
 * (ENOENT otherwise).  Returns the mapping, or NULL with errno set. */
PCTL_API struct pctl_client_map *
pctl_client_map_new_sized(struct pctl_client *c,
                          const struct pctl_client_map_params *params,
                          size_t size, pctl_client_map_cb cb, void *arg);
static inline struct pctl_client_map *
pctl_client_map_new(struct pctl_client *c,
                    const struct pctl_client_map_params *params,
                    pctl_client_map_cb cb, void *arg)
{
	return pctl_client_map_new_sized(c, params, sizeof(*params), cb, arg);
}
/* Deletes: lifetime 0 with the creating nonce (C-65), retransmitted like
 * any request; the callback reports PCTL_EV_DELETED (or ERROR, TIMEOUT).
 * The object stays valid until pctl_client_map_free.  -1 with EINVAL for PEER
 * and ANNOUNCE: a PEER mapping cannot be deleted, only left to expire (RFC 6887
 * section 12.1). */
PCTL_API int pctl_client_map_delete(struct pctl_client_map *m);
/* Deletes a MAP mapping this object never created, e.g. one a previous
 * process made: params identify it and carry its nonce (has_nonce; from a
 * state file) and, through want_ipv6, the family of its external address
 * (C-65).  lifetime is ignored.  Reports PCTL_EV_DELETED, ERROR or TIMEOUT.
 * NULL with EINVAL for other kinds. */
PCTL_API struct pctl_client_map *
pctl_client_map_delete_new_sized(struct pctl_client *c,
                                 const struct pctl_client_map_params *params,
                                 size_t size, pctl_client_map_cb cb, void *arg);
static inline struct pctl_client_map *
pctl_client_map_delete_new(struct pctl_client *c,
                           const struct pctl_client_map_params *params,
                           pctl_client_map_cb cb, void *arg)
{
	return pctl_client_map_delete_new_sized(c, params, sizeof(*params), cb,
	                                        arg);
}
/* Forgets a mapping locally (nothing is sent) and frees it.  Allowed from
 * the mapping's own callback (the memory is released afterwards). */
PCTL_API void pctl_client_map_free(struct pctl_client_map *m);
/* Current snapshot. */
PCTL_API void pctl_client_map_get_info_sized(const struct pctl_client_map *m,
                                             struct pctl_client_map_info *info,
                                             size_t size);
static inline void pctl_client_map_get_info(const struct pctl_client_map *m,
                                            struct pctl_client_map_info *info)
{
	pctl_client_map_get_info_sized(m, info, sizeof(*info));
}
/* Starts a new exchange now (e.g. the application knows the network
 * changed). */
PCTL_API void pctl_client_map_refresh(struct pctl_client_map *m);
/* Re-discovers servers (if they were discovered) and re-creates every
 * mapping: called on suspend/resume or a network change. */
PCTL_API void pctl_client_reset(struct pctl_client *c);

/* ---- Pure helpers (exported for tests and other clients) ----------------- */

/* Next retransmission timeout of RFC 6887 section 8.1.1 (C-17):
 * (1 + RAND) * MIN(2 * prev, MRT) with RAND in [-0.1, +0.1] derived from r
 * (uniform 32-bit).  prev_ms 0 means the first timeout, (1 + RAND) * IRT.
 * mrt_ms 0 means no upper bound. */
PCTL_API uint64_t pctl_rt_next(uint64_t prev_ms, uint32_t irt_ms,
                               uint32_t mrt_ms, uint32_t r);
/* Renewal time of section 11.2.1 (C-21), milliseconds after the response
 * that granted lifetime_s: attempt 0 in [1/2, 5/8] of the lifetime, attempt
 * 1 in [3/4, 3/4 + 1/16], attempt 2 in [7/8, 7/8 + 1/32], ...; r picks the
 * point in the window. */
PCTL_API uint64_t pctl_renew_at(uint32_t lifetime_s, unsigned attempt,
                                uint32_t r);

/* Epoch state of one server (section 8.5). */
struct pctl_epoch {
	bool have;
	uint32_t server_time; /* previous Epoch Time */
	uint64_t client_ms;   /* client time of that response */
};
/* The exact integer check of C-40..C-42; updates e.  Returns true when the
 * epoch is valid (the server kept its state). */
PCTL_API bool pctl_epoch_check(struct pctl_epoch *e, uint32_t server_time,
                               uint64_t client_ms);
/* NAT-PMP's Seconds Since Start of Epoch check (N-12): invalid when the new
 * value is below last + 7/8 of the client's elapsed time, minus 2 s. */
PCTL_API bool pctl_natpmp_epoch_check(struct pctl_epoch *e, uint32_t sssoe,
                                      uint64_t client_ms);

/* True for RFC 1918 private or RFC 6598 shared (100.64.0.0/10) IPv4. */
PCTL_API bool pctl_addr_is_private_v4(const pctl_addr *a);
/* True for 127/8 and ::1. */
PCTL_API bool pctl_addr_is_loopback(const pctl_addr *a);

/* ---- Nonce persistence (state files) ------------------------------------ */

/* One remembered mapping: what identifies it at a server and the nonce that
 * created it, so that a later process can renew or delete it. */
struct pctl_state_entry {
	pctl_addr server;
	uint16_t server_port;
	uint8_t opcode; /* PCTL_OP_MAP or PCTL_OP_PEER */
	uint8_t protocol;
	uint16_t internal_port;
	bool has_third_party;
	pctl_addr third_party;
	pctl_addr remote_addr;
	uint16_t remote_port;
	uint8_t nonce[PCTL_NONCE_LEN];
	pctl_addr external_addr;
	uint16_t external_port;
	int64_t expires; /* wall-clock seconds (time(2)); 0 = unknown */
};

/* The default state file: $XDG_STATE_HOME/portctl/mappings, else
 * ~/.local/state/portctl/mappings, or /run/portctl/mappings for root.
 * Returns buf, or NULL when it does not fit. */
PCTL_API const char *pctl_state_default_path(char *buf, size_t len);
/* Looks up an entry with the same identity (everything but nonce, external
 * endpoint and expiry).  Returns 0 and fills *out, or -1 with errno ENOENT
 * when there is no such entry (or no file), another errno on a read
 * error. */
PCTL_API int pctl_state_find(const char *path,
                             const struct pctl_state_entry *key,
                             struct pctl_state_entry *out);
/* Adds or replaces (same identity) an entry; creates the directory (0700)
 * and file (0600).  Atomic (rename) and serialised by flock.  Returns 0, or
 * -1 with errno set. */
PCTL_API int pctl_state_put(const char *path, const struct pctl_state_entry *e);
/* Removes the entry with that identity (absent is not an error).  Returns
 * 0, or -1 with errno set. */
PCTL_API int pctl_state_remove(const char *path,
                               const struct pctl_state_entry *key);

/* ---- PCP servers learnt from DHCP (RFC 7291; C-2, K-27) ----------------- */

/* The option codes a DHCP client must request: DHCPv6 ORO / DHCPv4 PRL. */
#define PCTL_DHCP6_OPT_PCP_SERVER 86  /* OPTION_V6_PCP_SERVER */
#define PCTL_DHCP4_OPT_PCP_SERVER 158 /* OPTION_V4_PCP_SERVER */
/* Usable addresses kept per server (an implementation limit). */
#define PCTL_DHCP_PCP_MAX_ADDRS 16

/* One PCP server: its addresses in the order the DHCP server gave them
 * (IPv4 ones IPv4-mapped), to be tried in turn (RFC 7488), and the
 * interface the option was learnt on (RFC 7291 section 7). */
struct pctl_dhcp_server {
	size_t n_addrs;
	pctl_addr addrs[PCTL_DHCP_PCP_MAX_ADDRS];
	unsigned ifindex;
};

/* Decodes what a DHCP client received in one option: family 6, the data of
 * one OPTION_V6_PCP_SERVER instance (one server; a multiple of 16 octets,
 * IPv4-mapped addresses mean an IPv4 server); family 4, the data of
 * OPTION_V4_PCP_SERVER after any RFC 3396 concatenation (blocks of
 * List-Length, a non-zero multiple of 4, then the addresses: one server
 * each).  Code and length octets are not part of payload.  Multicast,
 * loopback, unspecified and (IPv4) limited broadcast addresses are
 * silently discarded; a server left without an address is dropped.  Every
 * server gets ifindex (0: unknown).  Returns 0 with *n_out servers in out,
 * or -1 with errno EINVAL for a malformed option (empty, bad length,
 * List-Length 0, not a multiple of 4 or past the end) or a family other
 * than 4 and 6, ENOSPC when more than max servers or more than
 * PCTL_DHCP_PCP_MAX_ADDRS usable addresses in one server remain.  On error
 * *n_out is 0 and out is zeroed: nothing half-decoded is left. */
PCTL_API int pctl_dhcp_pcp_servers(int family, const uint8_t *payload,
                                   size_t len, unsigned ifindex,
                                   struct pctl_dhcp_server *out, size_t max,
                                   size_t *n_out);

#ifdef __cplusplus
}
#endif
#endif /* PORTCTL_CLIENT_H */
