/*
 * Test harness for the client library: a fake clock and fixed randomness
 * the test controls, and a scripted fake server on a loopback UDP socket
 * that the test drives datagram by datagram.  Header-only (static inline)
 * because every tests/unit/client/test_*.c is built on its own.
 */
#ifndef PORTCTL_TEST_CLIENT_HARNESS_H
#define PORTCTL_TEST_CLIENT_HARNESS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <portctl/client.h>

#define H_MAX_EVENTS 64
/* A random value that makes RAND exactly 0 (factor 1000 permille). */
#define H_RAND_ZERO 0x7f5cf9a2u

struct h {
	struct pctl_client *c;
	struct pctl_client_config cfg;
	int srv_fd; /* the fake server's socket */
	uint16_t srv_port;
	struct sockaddr_storage peer; /* where the last request came from */
	socklen_t peerlen;
	uint64_t now, boot; /* fake CLOCK_MONOTONIC / CLOCK_BOOTTIME, ms */
	uint32_t rnd;       /* what the random callback returns */
	size_t nev;
	enum pctl_client_map_event ev[H_MAX_EVENTS];
	struct pctl_client_map_info info[H_MAX_EVENTS];
	char log[256];
	unsigned nlog;
};

static inline uint64_t h_clock(void *arg)
{
	return ((struct h *)arg)->now;
}

static inline uint64_t h_boot(void *arg)
{
	return ((struct h *)arg)->now + ((struct h *)arg)->boot;
}

static inline uint32_t h_random(void *arg)
{
	return ((struct h *)arg)->rnd;
}

static inline void h_logger(void *arg, int level, const char *line)
{
	struct h *h = arg;
	(void)level;
	snprintf(h->log, sizeof(h->log), "%s", line);
	h->nlog++;
}

static inline void h_cb(struct pctl_client_map *m,
                        enum pctl_client_map_event ev,
                        const struct pctl_client_map_info *info, void *arg)
{
	struct h *h = arg;
	(void)m;
	if (h->nev < H_MAX_EVENTS) {
		h->ev[h->nev] = ev;
		h->info[h->nev] = *info;
		h->nev++;
	}
}

/* A fake server socket on addr (IPv4 or IPv6), port 0: the kernel picks a
 * free one, so parallel tests never collide. */
static inline void h_open_server_at(struct h *h, const char *addr)
{
	pctl_addr a;
	struct sockaddr_storage ss;
	socklen_t sl;

	assert_int_equal(pctl_addr_from_str(&a, addr), 0);
	sl = (socklen_t)pctl_addr_to_sockaddr(&a, 0, &ss);
	h->srv_fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	assert_true(h->srv_fd >= 0);
	assert_int_equal(bind(h->srv_fd, (struct sockaddr *)&ss, sl), 0);
	sl = sizeof(ss);
	assert_int_equal(getsockname(h->srv_fd, (struct sockaddr *)&ss, &sl),
	                 0);
	pctl_addr_from_sockaddr(&a, &h->srv_port, (struct sockaddr *)&ss);
}

static inline void h_open_server(struct h *h)
{
	h_open_server_at(h, "127.0.0.1");
}

/* Adds addr:port as a server of h's client. */
static inline void h_add_server(struct h *h, const char *addr, uint16_t port)
{
	char text[80];
	snprintf(text, sizeof(text), strchr(addr, ':') ? "[%s]:%u" : "%s:%u",
	         addr, port);
	assert_int_equal(pctl_client_add_server(h->c, text), 0);
}

/* cfg defaults: RFC timers, fake clock, RAND exactly 0. */
static inline void h_config(struct h *h)
{
	memset(h, 0, sizeof(*h));
	pctl_client_config_init(&h->cfg);
	h->cfg.clock = h_clock;
	h->cfg.boottime = h_boot;
	h->cfg.clock_arg = h;
	h->cfg.random = h_random;
	h->cfg.random_arg = h;
	h->cfg.log = h_logger;
	h->cfg.log_arg = h;
	/* These tests are about PCP and NAT-PMP exchanges and timers; the
	 * UPnP engine's SSDP and HTTP timers are tested on their own. */
	h->cfg.protocols = PCTL_PROTO_PCP | PCTL_PROTO_NATPMP;
	h->now = 1000000;
	h->rnd = H_RAND_ZERO;
	h->srv_fd = -1;
}

/* Creates the client with h->cfg and points it at the fake server. */
static inline void h_start(struct h *h)
{
	h_open_server(h);
	h->c = pctl_client_new(&h->cfg);
	assert_non_null(h->c);
	h_add_server(h, "127.0.0.1", h->srv_port);
}

static inline void h_init(struct h *h)
{
	h_config(h);
	h_start(h);
}

static inline void h_done(struct h *h)
{
	pctl_client_free(h->c);
	if (h->srv_fd >= 0)
		close(h->srv_fd);
}

/* Lets the client read whatever is waiting and run due timers. */
static inline void h_process(struct h *h)
{
	int fds[16];
	size_t n = pctl_client_fds(h->c, fds, 16);
	pctl_client_process(h->c, fds, n);
}

static inline void h_advance(struct h *h, uint64_t ms)
{
	h->now += ms;
	h_process(h);
}

/* The next request the server received (waits up to 1 s on loopback), or
 * -1 when none came.  wait_ms 0 only looks at what is already queued. */
static inline ssize_t h_recv_wait(struct h *h, uint8_t *buf, size_t cap,
                                  int wait_ms)
{
	struct pollfd p = {.fd = h->srv_fd, .events = POLLIN};
	if (poll(&p, 1, wait_ms) <= 0)
		return -1;
	h->peerlen = sizeof(h->peer);
	return recvfrom(h->srv_fd, buf, cap, 0, (struct sockaddr *)&h->peer,
	                &h->peerlen);
}

static inline ssize_t h_recv(struct h *h, uint8_t *buf, size_t cap)
{
	return h_recv_wait(h, buf, cap, 1000);
}

/* Number of requests queued at the server right now (drains them).  A
 * loopback sendto() is queued before it returns, so 0 ms is exact. */
static inline unsigned h_count_requests(struct h *h)
{
	uint8_t buf[PCTL_MAX_MSG];
	unsigned n = 0;
	while (h_recv_wait(h, buf, sizeof(buf), 0) >= 0)
		n++;
	return n;
}

/* The next request, decoded as PCP; fails the test if there is none. */
static inline void h_expect_pcp(struct h *h, struct pctl_msg *req, uint8_t *buf)
{
	struct pctl_error err;
	ssize_t n = h_recv(h, buf, PCTL_MAX_MSG);
	assert_true(n > 0);
	assert_int_equal(pctl_request_decode(buf, (size_t)n, NULL, req, &err),
	                 PCTL_V_OK);
}

static inline void h_send(struct h *h, const uint8_t *buf, size_t len)
{
	assert_int_equal(sendto(h->srv_fd, buf, len, 0,
	                        (struct sockaddr *)&h->peer, h->peerlen),
	                 (ssize_t)len);
}

/* A response to req (options dropped) with the given fields. */
static inline void h_reply(struct h *h, const struct pctl_msg *req,
                           uint8_t result, uint32_t lifetime, uint32_t epoch,
                           const char *ext, uint16_t ext_port)
{
	struct pctl_msg r = *req;
	uint8_t out[PCTL_MAX_MSG];
	size_t len;

	r.response = true;
	r.result = result;
	r.lifetime = lifetime;
	r.epoch = epoch;
	r.n_options = 0;
	if (ext)
		assert_int_equal(pctl_addr_from_str(&r.external_addr, ext), 0);
	r.external_port = ext_port;
	len = pctl_encode(&r, out, sizeof(out));
	assert_true(len > 0);
	h_send(h, out, len);
	h_process(h);
}

static inline struct pctl_client_map_params
h_map_params(uint8_t proto, uint16_t port, uint32_t lifetime)
{
	struct pctl_client_map_params p;
	memset(&p, 0, sizeof(p));
	p.kind = PCTL_REQ_MAP;
	p.protocol = proto;
	p.internal_port = port;
	p.lifetime = lifetime;
	p.keep = true;
	return p;
}

/* Creates a MAP, answers it with SUCCESS, returns the mapping. */
static inline struct pctl_client_map *h_granted_map(struct h *h, uint16_t port,
                                                    uint32_t lifetime,
                                                    uint32_t epoch,
                                                    struct pctl_msg *req)
{
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p = h_map_params(6, port, lifetime);
	struct pctl_client_map *m = pctl_client_map_new(h->c, &p, h_cb, h);
	assert_non_null(m);
	h_expect_pcp(h, req, buf);
	h_reply(h, req, PCTL_R_SUCCESS, lifetime, epoch, "203.0.113.7",
	        (uint16_t)(port + 10000));
	return m;
}

static inline enum pctl_client_map_state
h_state(const struct pctl_client_map *m)
{
	struct pctl_client_map_info i;
	pctl_client_map_get_info(m, &i);
	return i.state;
}

#endif
