/*
 * ANNOUNCE listening is on by default where the port is free (C-56; issue
 * 13): pctl_client_config_init() asks for port 5350, and a port another
 * program holds without SO_REUSEPORT does not make pctl_client_new() fail:
 * the client carries on without the listener and logs why.
 */
#include <errno.h>

#include "harness.h"

/* A UDP socket holding 127.0.0.1:*port exclusively (no SO_REUSEADDR or
 * SO_REUSEPORT), as a program that is not a PCP client might. */
static int hold_port(uint16_t *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	getsockname(fd, (struct sockaddr *)&sin, &sl);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void test_default_listens_on_5350(void **state)
{
	struct pctl_client_config cfg;
	(void)state;

	pctl_client_config_init(&cfg);
	assert_int_equal(cfg.announce_port, PCTL_CLIENT_PORT);
	assert_int_equal(PCTL_CLIENT_PORT, 5350);
}

/* A free port: the listener is there, one more descriptor to watch. */
static void test_free_port_listens(void **state)
{
	struct h h;
	int fds[4];
	uint16_t port;
	int holder = hold_port(&port);
	(void)state;

	close(holder); /* free again */
	h_config(&h);
	h.cfg.announce_port = port;
	h.cfg.announce_bind4 = "127.0.0.1";
	h.cfg.announce_bind6 = "";
	h.c = pctl_client_new(&h.cfg);
	assert_non_null(h.c);
	assert_int_equal(pctl_client_fds(h.c, fds, 4), 1);
	assert_int_equal(h.nlog, 0);
	h_done(&h);
}

/* A busy port: the client is made all the same, without the listener,
 * and says so through the log callback. */
static void test_busy_port_falls_back(void **state)
{
	struct h h;
	int fds[4];
	uint16_t port;
	int holder = hold_port(&port);
	char want[80];
	(void)state;

	h_config(&h);
	h.cfg.announce_port = port;
	h.cfg.announce_bind4 = "127.0.0.1";
	h.cfg.announce_bind6 = "";
	h.c = pctl_client_new(&h.cfg);
	assert_non_null(h.c);
	assert_int_equal(pctl_client_fds(h.c, fds, 4), 0);
	snprintf(want, sizeof(want),
	         "not listening for ANNOUNCE on port %u: %s", port,
	         strerror(EADDRINUSE));
	assert_string_equal(h.log, want);
	/* the client works: servers can be added and mappings made */
	h_open_server(&h);
	h_add_server(&h, "127.0.0.1", h.srv_port);
	struct pctl_client_map_params p = h_map_params(6, 80, 600);
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	assert_int_equal(h_count_requests(&h), 1);
	close(holder);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_listens_on_5350),
	    cmocka_unit_test(test_free_port_listens),
	    cmocka_unit_test(test_busy_port_falls_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
