/*
 * Private state of the client library (lib/client): the client object, its
 * server addresses and mapping objects.  The files form layers; each calls
 * only the ones below it (scripts/file-cycles.sh checks there is no cycle):
 *
 *   client.c (object, sockets, loop)   mapping.c (public mapping calls)
 *   response.c (answers)   announce.c (unsolicited ANNOUNCEs)
 *   exchange.c (exchanges, retransmission and renewal timers)
 *   request.c (datagrams)   snapshot.c (snapshot and callback)
 *   context.c (clock, randomness, log, first server)   sized.c (growable
 *   structures in and out)
 *   timers.c, epoch.c, addrclass.c, srcsel.c, netwatch.c, gateway.c,
 *   statefile.c, dhcp_pcp.c (pure helpers and the kernel's tables)
 * The UPnP IGD engine (upnp_*.c) is a column of its own beside exchange.c,
 * called by client.c and mapping.c: upnp_int.h lists its layers.
 */
#ifndef PORTCTL_CLIENT_INTERNAL_H
#define PORTCTL_CLIENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <portctl/client.h>

#include "upnp_int.h"

#define PCTL_CLIENT_MAX_SERVERS 8

/* One server address (RFC 7488: several may belong to one server). */
struct pctl_srv {
	struct sockaddr_storage sa;
	socklen_t salen;
	pctl_addr addr;
	uint16_t port;
	int fd;          /* connected UDP socket (C-11) */
	pctl_addr local; /* getsockname() of fd: the Client IP field */
	struct pctl_epoch epoch;
	bool have_natpmp_ext; /* NAT-PMP external address learned */
	uint8_t natpmp_ext[4];
	uint64_t hold_new_until; /* C-47: no new mappings before */
	uint64_t hold_all_until; /* C-47: nothing at all before */
	bool unreachable;        /* hard ICMP error seen (C-3) */
};

struct pctl_client {
	struct pctl_client_config cfg;
	struct pctl_srv srv[PCTL_CLIENT_MAX_SERVERS];
	size_t nsrv;
	bool discovered; /* srv[] came from discovery, not configuration */
	/* RFC 7488: the address that answered, or -1; one per external
	 * family (C-1: IPv4 routers for IPv4 mappings, IPv6 for IPv6). */
	int selected[2];
	int ann_fd[2];          /* unsolicited ANNOUNCE listeners (C-56), -1 */
	int nl_fd;              /* rtnetlink change notifications, or -1 */
	uint64_t net_change_at; /* reset due (debounced), 0 = none */
	struct pctl_client_map *maps;
	uint64_t rng;
	bool have_boot_gap;
	uint64_t boot_gap_ms; /* CLOCK_BOOTTIME - CLOCK_MONOTONIC */
	bool stop;
	unsigned in_callback;
	uint64_t wakeups;
	struct pctl_upnp *upnp; /* UPnP IGD discovery and HTTP, or NULL */
};
/* Every descriptor pctl_client_fds() may report. */
#define PCTL_CLIENT_MAX_FDS (PCTL_CLIENT_MAX_SERVERS + 5 + PCTL_HTTP_MAX_SOCKS)

struct pctl_client_map {
	struct pctl_client *c;
	struct pctl_client_map *next;
	struct pctl_client_map_params p;
	pctl_client_map_cb cb;
	void *arg;
	enum pctl_client_map_state state;
	uint8_t nonce[PCTL_NONCE_LEN];
	int srv; /* index into c->srv */

	/* Current exchange (request + its retransmissions). */
	bool natpmp;           /* speaking NAT-PMP in this exchange (C-50) */
	bool natpmp_need_addr; /* NAT-PMP: external address asked first */
	unsigned version_switches; /* bounded PCP <-> NAT-PMP flips */
	unsigned tx;               /* datagrams sent in this exchange */
	/* S-52: a success with a lifetime while deleting is either a late
	 * answer to a renewal or the server keeping the mapping for its
	 * traffic.  It is the latter when we never asked for a lifetime
	 * (delete_only), or when it comes again after a retransmission of
	 * the delete (kept_tx: tx at the first such answer, 0 = none). */
	bool delete_only;
	unsigned kept_tx;
	unsigned tx_this_srv; /* ... to the current address (RFC 7488) */
	unsigned addrs_tried; /* addresses given up in this exchange */
	uint64_t t0;          /* start of the exchange (MRD) */
	uint64_t rt;          /* current retransmission timeout */
	bool quick_done;
	uint64_t next_at; /* next timer, 0 = none */

	/* Granted mapping. */
	bool have_ext;
	pctl_addr ext_addr;
	uint16_t ext_port;
	uint32_t lifetime;
	uint64_t granted_at, expires_at, last_tx_at;
	unsigned renew_attempt;

	/* Last answer. */
	uint8_t result;
	uint16_t natpmp_result;
	uint8_t version;
	uint32_t epoch;
	bool double_nat;
	bool too_old;
	bool logged_any;
	uint8_t logged_result;  /* one log line per repeated error */
	bool dead;              /* freed from a callback: reaped later */
	struct pctl_upnp_map u; /* UPnP IGD (upnp_map.c) */
};

/* The external family of a mapping: 0 IPv4, 1 IPv6 (index of selected). */
static inline int pctl_fam(const struct pctl_client_map *m)
{
	return m->p.want_ipv6 ? 1 : 0;
}

/* sized.c: copying a program's copy of a growable structure (size octets)
 * in and out.  pctl_sized_in zero-fills what the program's layout lacks and
 * fails with EINVAL below min_size, E2BIG for a non-zero tail this library
 * does not know; pctl_sized_out zero-fills what the library's lacks. */
int pctl_sized_in(void *dst, size_t dst_size, const void *src, size_t src_size,
                  size_t min_size);
void pctl_sized_out(void *dst, size_t dst_size, const void *src,
                    size_t src_size);
/* The smallest layouts a program of SONAME 0 may pass: the end of the last
 * field of the first release.  They stay when fields are added. */
#define PCTL_CLIENT_CONFIG_SIZE_0                                              \
	(offsetof(struct pctl_client_config, log_arg) + sizeof(void *))
#define PCTL_CLIENT_MAP_PARAMS_SIZE_0                                          \
	(offsetof(struct pctl_client_map_params, keep) + sizeof(bool))

/* context.c */
int pctl_cl_first_srv(const struct pctl_client *c, int fam);
uint64_t pctl_cl_now(struct pctl_client *c);
uint32_t pctl_cl_rand(struct pctl_client *c);
void pctl_cl_log(struct pctl_client *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* snapshot.c: calls the mapping's callback with a fresh snapshot. */
void pctl_cl_notify(struct pctl_client_map *m, enum pctl_client_map_event ev);

/* exchange.c: starting exchanges, sending, timers. */
void pctl_ex_start(struct pctl_client_map *m, uint64_t now, uint64_t delay);
void pctl_ex_send(struct pctl_client_map *m, uint64_t now);
void pctl_ex_timer(struct pctl_client_map *m, uint64_t now);
bool pctl_ex_window_open(const struct pctl_client_map *m, uint64_t now);
bool pctl_ex_natpmp_busy(const struct pctl_client *c, int srv,
                         const struct pctl_client_map *self);
void pctl_ex_next_address(struct pctl_client_map *m, uint64_t now);
void pctl_ex_granted(struct pctl_client_map *m, uint64_t now);
void pctl_ex_next_renewal(struct pctl_client_map *m, uint64_t now);
void pctl_ex_server_lost_state(struct pctl_client *c, int srv,
                               const struct pctl_client_map *except,
                               uint64_t now);

/* request.c: the datagram for the mapping's current exchange. */
size_t pctl_req_build(const struct pctl_client_map *m, uint8_t *buf,
                      size_t cap);

/* response.c */
void pctl_resp_input(struct pctl_client *c, int srv, const uint8_t *buf,
                     size_t len, uint64_t now);

/* announce.c */
int pctl_ann_open(struct pctl_client *c);
void pctl_ann_input(struct pctl_client *c, int fd, uint64_t now);

/* srcsel.c (C-12): when local is an IPv6 ULA, a global address of the same
 * interface to use instead.  True if one was found. */
bool pctl_srcsel_global_for(const pctl_addr *local, pctl_addr *global);

/* netwatch.c: address and default-route changes. */
int pctl_nw_open(void);
/* Reads the notifications; true if one of them matters. */
bool pctl_nw_input(int fd);

/* gateway.c: default routers via rtnetlink; returns how many were found.
 * ifindex is the outgoing interface (the scope of a link-local router). */
struct pctl_gw {
	pctl_addr addr;
	unsigned ifindex;
};
int pctl_gateways(struct pctl_gw *out, size_t max);

#endif
