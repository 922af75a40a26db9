/*
 * Test harness of the UPnP HTTP server (daemon/upnp_http.h): a real
 * pctld_http on a real loopback TCP listener, with a real engine on the
 * "none" backend, driven in the test's own thread: the test connects, sends
 * and then runs the server until the answer is in.  The server's clock
 * (now_ms) is the test's, so deadlines are reached by advancing it.
 */
#ifndef TESTS_UPNP_UHTTP_H
#define TESTS_UPNP_UHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "upnp_http.h"

struct ufx {
	struct pctl_engine *e;
	struct pctl_backend be;
	struct pctld_http *h;
	uint16_t port;
	uint64_t now;
};

/* An answer: status, and a NUL-terminated copy of the whole response. */
struct uresp {
	int status;
	char text[1 << 18];
	size_t len;
	const char *body;
};

/* Starts a server on 127.0.0.1 (or ::1 when v6) with igd_version and the
 * limits given (NULL: the defaults).  Engine: external address
 * 203.0.113.1, the router's own addresses allowed (the tests come from
 * loopback), rate limit rate_per_sec (0: off). */
void ufx_start(struct ufx *f, unsigned igd_version, bool v6,
               const struct pctld_http_limits *lim, uint32_t rate_per_sec);
void ufx_stop(struct ufx *f);

/* A client socket connected to the server from src (NULL: the default
 * loopback address), non-blocking. */
int ufx_connect(struct ufx *f, const char *src);
/* Runs the server once at f->now and waits up to wait_ms for the client
 * socket fd to be readable. */
void ufx_turn(struct ufx *f, int fd, int wait_ms);
/* Reads what fd has; true at the end of the stream. */
bool ufx_read(int fd, struct uresp *r);

/* Sends raw bytes from a new connection (from src) and collects the whole
 * answer until the server closes; returns the status (0: none). */
int ufx_raw_from(struct ufx *f, const char *src, const char *req, size_t len,
                 struct uresp *r);
int ufx_raw(struct ufx *f, const char *req, struct uresp *r);
/* A SOAP request to path with the SOAPACTION service:version#action and
 * the given argument elements; returns the HTTP status. */
int ufx_soap(struct ufx *f, const char *path, const char *service,
             unsigned version, const char *action, const char *args,
             struct uresp *r);
/* The UPnPError errorCode in a fault, or 0. */
int ufx_fault(const struct uresp *r);

#endif
