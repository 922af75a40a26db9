/*
 * The UPnP IGD engine of the client library: its private state and the
 * calls between its files.  Layers, each calling only those below it:
 *
 *   upnp_map.c    a mapping made through the IGD (SOAP actions, renewal,
 *                 delete, pinholes); the switch from PCP to UPnP
 *   upnp_igd.c    SSDP discovery, the description, the chosen IGD
 *   upnp_http.c   HTTP over libcurl's multi-socket interface
 *   upnp_policy.c pure decisions (error mapping, ports, IGD preference)
 *   upnp_ssdp.c, upnp_url.c, upnp_desc.c, upnp_soap.c: codecs (upnp.h)
 *
 * client.c and mapping.c call upnp_map.c and upnp_igd.c; nothing here
 * calls them back (events reach the program through snapshot.c).
 */
#ifndef PORTCTL_CLIENT_UPNP_INT_H
#define PORTCTL_CLIENT_UPNP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <portctl/client.h>

#include "upnp.h"

struct pollfd;
struct pctl_client;
struct pctl_client_map;

/* ---- upnp_http.c ---------------------------------------------------------
 * HTTP requests over libcurl's multi-socket interface: curl tells us which
 * sockets to watch and when its timer is due; the client's event loop
 * watches them with its own.  Bounded: a body beyond its cap aborts the
 * transfer, connect and total timeouts, no redirects, http only, no proxy
 * from the environment, no signals. */
#define PCTL_HTTP_CONNECT_MS 3000
#define PCTL_HTTP_TOTAL_MS   8000
#define PCTL_HTTP_MAX_SOCKS  16

struct pctl_http;
struct pctl_http_req;
/* A finished request: err 0 and the HTTP status with the body (which the
 * callee may read only during the call), or err ECONNREFUSED (nothing
 * listens), ETIMEDOUT, EMSGSIZE (body over its cap) or EPROTO.  The
 * request is gone when this is called: do not cancel it. */
typedef void (*pctl_http_done_fn)(void *arg, int err, long status,
                                  const char *body, size_t len);

struct pctl_http *pctl_http_new(void);
/* Frees every request without calling its callback. */
void pctl_http_free(struct pctl_http *h);
/* GET url; the body is capped at max bytes.  NULL on failure. */
struct pctl_http_req *pctl_http_get(struct pctl_http *h, const char *url,
                                    size_t max, pctl_http_done_fn fn,
                                    void *arg);
/* POST a SOAP body to url with SOAPAction "service#action". */
struct pctl_http_req *pctl_http_soap(struct pctl_http *h, const char *url,
                                     const char *service, const char *action,
                                     const char *body, size_t len,
                                     pctl_http_done_fn fn, void *arg);
/* Abandons a request (its callback is not called). */
void pctl_http_cancel(struct pctl_http *h, struct pctl_http_req *r);
/* The sockets curl asked us to watch, with POLLIN / POLLOUT; returns how
 * many exist (which may exceed max). */
size_t pctl_http_pollfds(const struct pctl_http *h, struct pollfd *fds,
                         size_t max);
bool pctl_http_is_fd(const struct pctl_http *h, int fd);
/* Milliseconds until curl must run again: its timer, or
 * PCTL_CLIENT_WRITE_POLL_MS while a socket waits to become writable; -1
 * when nothing is pending. */
int64_t pctl_http_timeout(const struct pctl_http *h);
/* Runs curl on every socket that is ready now (poll with timeout 0) and
 * on its timer when due; finished requests call their callbacks. */
void pctl_http_process(struct pctl_http *h);

/* ---- upnp_policy.c: pure decisions ----------------------------------- */

/* The PCP result a UPnP error is reported as (info->result and its
 * error class), documented in libportctl(3). */
uint8_t pctl_upnp_error_result(int upnp_error);
/* The external port to ask for first: the suggestion, else the internal
 * port (port preservation), else (any_port) a random one in 1024..65535
 * drawn from r. */
uint16_t pctl_upnp_first_port(const struct pctl_client_map_params *p,
                              uint32_t r);
/* The port to try after a 718 ConflictInMapping on port, or 0 when no
 * other port is to be tried (the user suggested this one, or tries
 * conflicts have been made). */
#define PCTL_UPNP_MAX_CONFLICTS 8
uint16_t pctl_upnp_next_port(const struct pctl_client_map_params *p,
                             uint16_t port, unsigned tries, uint32_t r);
/* Preference of an IGD found at igd (its description's address): 2 when
 * it is one of the router addresses (the default gateway or a configured
 * server), else 1; plus nothing for the version (see upnp_igd.c). */
int pctl_upnp_rank(const pctl_addr *igd, const pctl_addr *routers, size_t n);

/* ---- upnp_igd.c: discovery and the chosen IGD -------------------------- */

#define PCTL_SSDP_MX 1
/* M-SEARCH rounds at 0, 1 and 3 s; discovery ends PCTL_SSDP_END_MS after
 * the start when no description is still being fetched. */
#define PCTL_SSDP_ROUNDS    3
#define PCTL_SSDP_END_MS    5000
#define PCTL_UPNP_MAX_CANDS 4

struct pctl_igd_cand {
	struct pctl_upnp *u;
	char location[PCTL_UPNP_URL_MAX];
	struct pctl_http_req *req; /* description being fetched */
	bool tried;
};

/* An IGD found over one address family.  Kept per family: an IGD checks
 * that a request comes from the address it maps (miniupnpd's secure_mode),
 * so IPv6 pinholes are asked over IPv6 and IPv4 mappings over IPv4. */
struct pctl_upnp_igd {
	struct pctl_upnp *u;
	/* Chosen (have), and whether it answered GetExternalIPAddress
	 * (ready: mappings may use it). */
	bool have, ready;
	int rank;
	struct pctl_igd_desc desc;
	struct pctl_url ctl; /* desc.conn_control parsed */
	pctl_addr local;     /* our address towards the IGD */
	bool have_ext;
	pctl_addr ext;
	struct pctl_http_req *ext_req;
};

struct pctl_upnp {
	struct pctl_client *c;
	struct pctl_http *http;
	int ssdp_fd[2]; /* IPv4, IPv6; -1 when closed */
	bool searching;
	bool want_v6;
	unsigned rounds;
	uint64_t started_at, next_round_at;
	struct pctl_igd_cand cand[PCTL_UPNP_MAX_CANDS];
	size_t ncand;
	struct pctl_upnp_igd igd[2]; /* reached over IPv4, IPv6 */
};

/* Starts discovery unless it runs or an IGD is known (want_v6: search
 * ff02::c too).  Returns 0 or -1 with errno (no memory). */
int pctl_upnp_discover(struct pctl_client *c, bool want_v6);
/* Forgets the IGD and stops discovery (network change, free). */
void pctl_upnp_reset(struct pctl_client *c);
void pctl_upnp_free(struct pctl_client *c);
/* Discovery is over without an IGD. */
bool pctl_upnp_gave_up(const struct pctl_client *c);
size_t pctl_upnp_pollfds(const struct pctl_client *c, struct pollfd *fds,
                         size_t max);
/* Reads SSDP replies if fd is one of ours; true if it was. */
bool pctl_upnp_input(struct pctl_client *c, int fd, uint64_t now);
/* SSDP rounds and curl's work; the earliest time it needs to run. */
void pctl_upnp_igd_process(struct pctl_client *c, uint64_t now);
int64_t pctl_upnp_igd_timeout(const struct pctl_client *c, uint64_t now);
/* Sends action to the chosen IGD's service (type, control URL) with
 * args; fn gets the answer.  NULL on failure. */
struct pctl_http_req *pctl_upnp_soap(struct pctl_client *c, const char *type,
                                     const char *url, const char *action,
                                     const struct pctl_soap_arg *args, size_t n,
                                     pctl_http_done_fn fn, void *arg);
/* The answer to action: 0 with *out filled (out->upnp_error 0 or the
 * device's error), or -1 with the failure (no answer, unreachable,
 * unusable). */
int pctl_upnp_soap_answer(int err, long status, const char *body, size_t len,
                          const char *action, struct pctl_soap_result *out,
                          enum pctl_client_failure *why);
/* The IGD for a mapping of family fam (0 IPv4, 1 IPv6): the one reached
 * over that family when ready, else, once the search is over, the other;
 * NULL while there is none yet. */
struct pctl_upnp_igd *pctl_upnp_igd_for(struct pctl_client *c, int fam);
/* Our address of family fam as the IGD g sees it: the NewInternalClient
 * of a port mapping or a pinhole.  false if none. */
bool pctl_upnp_local(struct pctl_client *c, const struct pctl_upnp_igd *g,
                     int fam, pctl_addr *out);

/* ---- upnp_map.c: mappings through the IGD ------------------------------ */

/* Retry of a failed UPnP exchange of a kept mapping. */
#define PCTL_UPNP_RETRY_MS 30000u

enum pctl_upnp_op {
	PCTL_UOP_NONE = 0,
	PCTL_UOP_ADD,      /* AddAnyPortMapping / AddPortMapping */
	PCTL_UOP_DELETE,   /* DeletePortMapping */
	PCTL_UOP_EXTERNAL, /* GetExternalIPAddress */
	PCTL_UOP_PIN_ADD,  /* AddPinhole */
	PCTL_UOP_PIN_UPD,  /* UpdatePinhole */
	PCTL_UOP_PIN_DEL,  /* DeletePinhole */
};

/* A mapping's UPnP state (a member of struct pctl_client_map). */
struct pctl_upnp_map {
	bool active;         /* made through the IGD, not PCP */
	bool waiting;        /* active, waiting for an IGD to be ready */
	uint64_t wait_until; /* PCP / NAT-PMP have had their chance */
	enum pctl_upnp_op op;
	struct pctl_http_req *req;
	bool any_action;    /* IGD:2 AddAnyPortMapping (else AddPort...) */
	bool permanent;     /* 725: lease 0, deleted by the program */
	bool sent_add;      /* an add went out: a delete must be sent */
	unsigned conflicts; /* 718s in this exchange */
	uint16_t port;      /* external port asked for */
	uint32_t lease;     /* lease asked for, seconds */
	int upnp_error;     /* last UPnPError code, 0 none */
	enum pctl_client_failure failure;
	char pinhole[16]; /* UniqueID of an IPv6 pinhole */
	int igd_fam;      /* c->upnp->igd[] in use */
	/* The IGD that answered, for the snapshot. */
	pctl_addr igd_addr;
	uint16_t igd_port;
	uint8_t igd_version;
};

/* The client's protocols after defaults (0 = AUTO; force_natpmp). */
unsigned pctl_upnp_protocols(const struct pctl_client *c);
/* A new mapping: starts discovery when UPnP may serve it; true when it is
 * made through UPnP only (nothing to send with PCP). */
bool pctl_upnp_map_created(struct pctl_client_map *m, uint64_t now);
/* Switches waiting mappings to UPnP once upnp_wait_ms has passed and an
 * IGD is ready; fails UPnP-only mappings when discovery gave up. */
void pctl_upnp_tick(struct pctl_client *c, uint64_t now);
int64_t pctl_upnp_timeout(struct pctl_client *c, uint64_t now);
/* The mapping's timer (renewal, retry) when m->u.active. */
void pctl_upnp_map_timer(struct pctl_client_map *m, uint64_t now);
/* Delete / refresh / free of a UPnP mapping. */
void pctl_upnp_map_delete(struct pctl_client_map *m, uint64_t now);
void pctl_upnp_map_refresh(struct pctl_client_map *m, uint64_t now);
void pctl_upnp_map_forget(struct pctl_client_map *m);
/* After pctl_client_reset: back to PCP first; true when the mapping is
 * UPnP only (then PCP has nothing to start). */
bool pctl_upnp_map_reset(struct pctl_client_map *m, uint64_t now);

#endif
