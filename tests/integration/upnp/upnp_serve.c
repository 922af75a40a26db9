/*
 * upnp_serve: the UPnP HTTP server (daemon/upnp_http.h) as a program, for
 * control points written by others (test_upnp_upnpc.sh): a real engine on
 * the "none" backend (external address 203.0.113.1, the router's own
 * addresses allowed: the control point is on loopback), one listener on
 * 127.0.0.1 at an ephemeral port, which it prints.  It serves until
 * SIGTERM or for at most 60 seconds.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../server/engine.h"
#include "upnp_http.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct pctld_upnp_info info = {
	    .uuid = "01234567-89ab-cdef-0123-456789abcdef",
	    .friendly_name = "portctl upnp_serve",
	    .igd_version = argc > 1 && strcmp(argv[1], "1") == 0 ? 1 : 2,
	};
	struct pctl_backend_config bc = {.table = "unused"};
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	struct pctl_engine_config cfg;
	struct pctld_http_listener l;
	uint8_t ext[4] = {203, 0, 113, 1};
	struct pctl_backend be;
	struct pctl_engine *e;
	struct pctld_http *h;
	uint64_t end = now_ms() + 60000;
	char err[128];

	signal(SIGTERM, on_term);
	if (pctl_backend_none_open(&bc, &be, err, sizeof(err)))
		return 1;
	pctl_engine_config_defaults(&cfg);
	cfg.n_ext_addrs = 1;
	pctl_addr_from_v4(&cfg.ext_addrs[0], ext);
	cfg.allow_self = true;
	e = pctl_engine_new(&cfg, &be, now_ms());
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	l.ifindex = 1;
	if (!e || l.fd < 0 || bind(l.fd, (struct sockaddr *)&sa, sl) ||
	    listen(l.fd, 16) || getsockname(l.fd, (struct sockaddr *)&sa, &sl))
		return 1;
	info.http_port = ntohs(sa.sin_port);
	h = pctld_http_new(&l, 1, &info, e);
	if (!h)
		return 1;
	printf("%u\n", info.http_port);
	fflush(stdout);
	while (!stop && now_ms() < end) {
		uint64_t t = now_ms(), next = pctld_http_next_ms(h, t);
		struct pollfd p = {.fd = pctld_http_fd(h), .events = POLLIN};
		int wait = next <= t        ? 0
		           : next - t > 200 ? 200
		                            : (int)(next - t);
		poll(&p, 1, wait);
		pctld_http_run(h, now_ms());
	}
	pctld_http_free(h);
	pctl_engine_free(e);
	be.ops->destroy(be.ctx, false);
	return 0;
}
