/*
 * fuzz_upnp_http: raw bytes through the UPnP HTTP server (daemon/
 * upnp_http.c, upnp_route.c and everything behind them) in a real
 * libmicrohttpd daemon: the input is written into one end of a socket
 * pair whose other end the server adopts as a connection from
 * 192.0.2.5, then the server runs until it closes the connection, for a
 * bounded number of turns with its clock advancing (so the request
 * deadline is reached too).  A real engine on the "none" backend answers
 * the SOAP actions.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"
#include "fuzz_asan_options.h"
#include "fuzz_check.h"
#include "upnp_http.h"

#define TURNS 64

/* Reads what the server wrote; true at its end. */
static bool drain(int fd)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0)
			continue;
		return n == 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pctld_upnp_info info = {
	    .uuid = "01234567-89ab-cdef-0123-456789abcdef",
	    .friendly_name = "fuzz",
	    .igd_version = size && (data[0] & 1) ? 1 : 2,
	};
	struct pctl_backend_config bc = {.table = "fuzz"};
	struct sockaddr_in peer = {.sin_family = AF_INET,
	                           .sin_port = htons(40000)};
	struct pctl_engine_config cfg;
	struct pctld_http_limits lim;
	struct pctl_backend be;
	struct pctl_engine *e;
	struct pctld_http *h;
	uint64_t now = 1000000;
	size_t sent = 0;
	bool end = false;
	char err[64];
	int sv[2];

	if (size > 32 * 1024 ||
	    pctl_backend_none_open(&bc, &be, err, sizeof(err)))
		return 0;
	pctl_engine_config_defaults(&cfg);
	cfg.n_ext_addrs = 1;
	pctl_addr_from_str(&cfg.ext_addrs[0], "203.0.113.1");
	cfg.port_seed = 1;
	e = pctl_engine_new(&cfg, &be, now);
	CHECK(e != NULL);
	pctld_http_limits_default(&lim);
	h = pctld_http_new_limits(NULL, 0, &info, e, &lim);
	CHECK(h != NULL);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	inet_pton(AF_INET, "192.0.2.5", &peer.sin_addr);
	CHECK(pctld_http_add_connection(h, sv[0], (struct sockaddr *)&peer,
	                                sizeof(peer)) == 0);
	for (int t = 0; t < TURNS && !end; t++) {
		if (sent < size) {
			ssize_t n = write(sv[1], data + sent, size - sent);
			if (n > 0)
				sent += (size_t)n;
			if (sent == size)
				shutdown(sv[1], SHUT_WR);
		} else if (size == 0 && t == 0) {
			shutdown(sv[1], SHUT_WR);
		}
		pctld_http_run(h, now);
		end = drain(sv[1]);
		now += 250; /* 64 turns: 16 s, past the 10 s deadline */
	}
	close(sv[1]);
	pctld_http_free(h);
	pctl_engine_free(e);
	be.ops->destroy(be.ctx, false);
	return 0;
}
