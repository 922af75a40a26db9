/*
 * The UPnP IGD HTTP server of the network process (issue 11): device and
 * service descriptions, SOAP control (server/upnp.h does the work) and
 * eventing, on listening TCP sockets the parent opened on internal
 * interfaces only (daemon/upnp_sockets.h).  Loop-neutral: the event loop
 * polls one descriptor and calls pctld_http_run when it is readable or when
 * pctld_http_next_ms has come.
 */
#ifndef PORTCTLD_UPNP_HTTP_H
#define PORTCTLD_UPNP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "../server/engine.h"

/* What the descriptions say about the device. */
struct pctld_upnp_info {
	char uuid[37];          /* "01234567-89ab-cdef-0123-456789abcdef" */
	char friendly_name[65]; /* UTF-8, NUL-terminated */
	unsigned igd_version;   /* 1 or 2: the root device's version */
	uint16_t http_port;
};

/* One listening socket: non-blocking, listen() done, bound to an internal
 * interface (SO_BINDTODEVICE) so that nothing from elsewhere reaches it. */
struct pctld_http_listener {
	int fd;
	unsigned ifindex;
};

struct pctld_http;

/* Serves the listeners (taken over: closed by pctld_http_free, and on
 * failure) with the engine (borrowed).  NULL with errno set on failure.
 * Every request first passes pctl_upnp_admit (503 when refused); device
 * UDNs are those of pctld_upnp_udn (upnp_desc.h), which SSDP must
 * announce. */
struct pctld_http *pctld_http_new(const struct pctld_http_listener *l, size_t n,
                                  const struct pctld_upnp_info *info,
                                  struct pctl_engine *engine);

/* The descriptor to poll for reading (an epoll set of its own). */
int pctld_http_fd(const struct pctld_http *h);

/* Does what is due: accepts, reads, answers, times out connections. */
void pctld_http_run(struct pctld_http *h, uint64_t now_ms);

/* When pctld_http_run must run next even if nothing is readable
 * (UINT64_MAX: never). */
uint64_t pctld_http_next_ms(const struct pctld_http *h, uint64_t now_ms);

void pctld_http_free(struct pctld_http *h);

/* The limits (UPNP.md; portctld(8)): pctld_http_new uses the defaults
 * below; tests shorten the deadline. */
struct pctld_http_limits {
	unsigned max_conns;   /* connections at once, all listeners (64) */
	unsigned max_per_ip;  /* per client address and listener (8) */
	size_t header_bytes;  /* request line and headers (8192) */
	size_t body_bytes;    /* SOAP body (16384; larger: 413) */
	uint64_t deadline_ms; /* to finish one request (10000; slowloris) */
};

void pctld_http_limits_default(struct pctld_http_limits *lim);

/* pctld_http_new with other limits.  With n == 0 there is no listener and
 * connections come only through pctld_http_add_connection. */
struct pctld_http *pctld_http_new_limits(const struct pctld_http_listener *l,
                                         size_t n,
                                         const struct pctld_upnp_info *info,
                                         struct pctl_engine *engine,
                                         const struct pctld_http_limits *lim);

struct sockaddr;
/* Serves a connected stream socket (taken over) as if accepted from peer:
 * for the fuzz target, which feeds one end of a socket pair.  0 or -1. */
int pctld_http_add_connection(struct pctld_http *h, int fd,
                              const struct sockaddr *peer, unsigned peer_len);

#endif
