/*
 * Which requests portctld accepts (S-2): requests arriving on the external
 * interface are silently ignored; IPv6 requests are answered from the
 * address they were sent to.  127.24.0.x and a port of this file's own.
 * (N-8, requests to an external address, needs a non-loopback address:
 * test_daemon_extaddr.c.)
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "harness.h"

#define SERVER "127.24.0.1"
#define HOST   "127.24.0.2"

static const uint8_t nonce[12] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3};

/* S-2: with lo declared the external interface, nothing that arrives on
 * it is served by a wildcard listener (the daemon still runs and answers
 * its control socket). */
static void test_s2_requests_on_external_interface_ignored(void **state)
{
	struct daemon d, in;
	struct pctl_msg r;
	int fd = client_open(HOST, 0);
	char *stats;

	(void)state;
	daemon_init(&d, "0.0.0.0", 0);
	daemon_init(&in, SERVER, d.port);
	daemon_write_conf(&d, "multicast-announce no\n"
	                      "external-interface lo\n");
	assert_int_equal(daemon_start(&d, NULL), 0);
	assert_int_equal(pcp_map(fd, &in, HOST, nonce, 6, 5000, 0, 600, &r),
	                 -1);
	stats = control_request(&d, "stats");
	assert_non_null(strstr(stats, "mappings_total 0\n"));
	free(stats);
	close(fd);
	assert_int_equal(daemon_finish(&d), 0);
	daemon_cleanup(&in);
}

/* An interface that does not exist is a start-up error. */
static void test_unknown_internal_interface_refused(void **state)
{
	struct daemon d;
	char cmd[512], *out = NULL;

	(void)state;
	daemon_init(&d, SERVER, 0);
	daemon_write_conf(&d, "internal-interface nosuchif0\n");
	snprintf(cmd, sizeof(cmd),
	         "%s -f -c %s --listen %s:%u --control %s "
	         "2>&1",
	         PORTCTLD_PATH, d.conf, SERVER, d.port, d.control);
	assert_int_equal(run_command(cmd, &out), 1);
	assert_non_null(strstr(out, "internal-interface nosuchif0:"));
	free(out);
	daemon_cleanup(&d);
}

/* IPv6: MAP over ::1, answered from ::1 and the daemon's port (S-92). */
static void test_ipv6_map_answered_from_listen_address(void **state)
{
	struct daemon d;
	struct pctl_msg r;
	uint8_t req[PCTL_MAX_MSG], buf[PCTL_MAX_MSG];
	struct sockaddr_storage ss;
	struct sockaddr_in6 from;
	socklen_t sl, fl = sizeof(from);
	struct pctl_error err;
	size_t len;
	ssize_t n;
	int fd;

	(void)state;
	/* A port of our own on ::1 (kernel-chosen). */
	fd = client_open("::1", 0);
	daemon_init(&d, "::1", 0);
	daemon_write_conf(&d, "multicast-announce no\n");
	assert_int_equal(daemon_start(&d, NULL), 0);

	len = build_map(req, "::1", nonce, 17, 5353, 0, 600);
	sl = (socklen_t)pctl_addr_to_sockaddr(&d.addr, d.port, &ss);
	assert_true(sendto(fd, req, len, 0, (struct sockaddr *)&ss, sl) > 0);
	assert_true(client_wait(fd, 3000));
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	assert_true(n > 0);
	assert_int_equal(ntohs(from.sin6_port), d.port);
	assert_memory_equal(from.sin6_addr.s6_addr, d.addr.b, 16);
	assert_int_equal(pctl_response_decode(buf, (size_t)n, &r, &err),
	                 PCTL_V_OK);
	assert_int_equal(r.result, PCTL_R_SUCCESS);
	/* A pinhole for IPv6: the external address is the internal one. */
	assert_memory_equal(r.external_addr.b, d.addr.b, 16);
	close(fd);
	assert_int_equal(daemon_finish(&d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_s2_requests_on_external_interface_ignored),
	    cmocka_unit_test(test_unknown_internal_interface_refused),
	    cmocka_unit_test(test_ipv6_map_answered_from_listen_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
