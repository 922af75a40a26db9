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
	bool v6; /* listening on ::1 */
};

/* An answer: status, and a NUL-terminated copy of the whole response. */
struct uresp {
	int status;
	char text[1 << 18];
	size_t len;
	const char *body;
};

/* How a server starts; a field left out (zero) is the default. */
struct ufx_opts {
	unsigned igd_version; /* 0: 2 */
	bool v6;              /* listen on ::1 rather than 127.0.0.1 */
	const struct pctld_http_limits *limits; /* NULL: the defaults */
	uint32_t rate_per_sec; /* the engine's rate limit; 0: off */
};

/* Starts a server (o NULL: every default).  Engine: external address
 * 203.0.113.1, the router's own addresses allowed (the tests come from
 * loopback). */
void ufx_start(struct ufx *f, const struct ufx_opts *o);
void ufx_stop(struct ufx *f);

/* cmocka fixtures.  ufx_setup puts a started default server in *state;
 * ufx_teardown stops and frees the server *state holds, also after a
 * failed check.  A test that wants other options starts its server with
 * ufx_open (which replaces the one *state holds) and is registered with
 * UFX_TEST_OPTS (no server made before). */
int ufx_setup(void **state);
int ufx_teardown(void **state);
struct ufx *ufx_open(void **state, const struct ufx_opts *o);
#define UFX_TEST(t)      cmocka_unit_test_setup_teardown(t, ufx_setup, ufx_teardown)
#define UFX_TEST_OPTS(t) cmocka_unit_test_teardown(t, ufx_teardown)

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
