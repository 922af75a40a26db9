/*
 * Interoperability with Debian's natpmpc (libnatpmp, a NAT-PMP client
 * written by others): it maps, renews and deletes against portctld, and
 * reads the external address (N-1..N-4, N-8, N-9).  natpmpc always sends to
 * port 5351, so this test's daemon listens on 127.7.7.1:5351 (an address no
 * system service uses); CTest's RESOURCE_LOCK keeps the gcc and ASan runs,
 * and ctest -j2, from starting two of these at once.
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

#include <cmocka.h>

#include "harness.h"

#define SERVER "127.7.7.1"

static int setup(void **state)
{
	static struct daemon d;

	if (access("/usr/bin/natpmpc", X_OK)) {
		fprintf(stderr, "natpmpc is not installed (scripts/deps.sh)\n");
		return -1;
	}
	daemon_init(&d, SERVER, PCTL_SERVER_PORT);
	daemon_write_conf(&d, "multicast-announce no\n"
	                      "external-ip 203.0.113.77\n");
	if (daemon_start(&d, NULL)) {
		daemon_cleanup(&d);
		return -1;
	}
	*state = &d;
	return 0;
}

static int teardown(void **state)
{
	return daemon_finish(*state);
}

static int natpmpc(const char *args, char **out)
{
	char cmd[256];

	/* Bounded: natpmpc itself retries for minutes without an answer. */
	snprintf(cmd, sizeof(cmd), "timeout 30 /usr/bin/natpmpc -g %s %s 2>&1",
	         SERVER, args);
	return run_command(cmd, out);
}

static void test_natpmpc_public_address(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(natpmpc("", &out), 0);
	assert_non_null(strstr(out, "Public IP address : 203.0.113.77"));
	free(out);
}

static void test_natpmpc_map_renew_delete(void **state)
{
	struct daemon *d = *state;
	char *out = NULL, *list, want[64];
	const char *p;
	unsigned port1, port2;

	assert_int_equal(natpmpc("-a 41234 5000 tcp 3600", &out), 0);
	p = strstr(out, "Mapped public port ");
	assert_non_null(p);
	port1 = (unsigned)atoi(p + strlen("Mapped public port "));
	assert_non_null(strstr(out, "protocol TCP to local port 5000"));
	free(out);
	list = control_request(d, "list");
	snprintf(want, sizeof(want), "natpmp tcp ");
	assert_non_null(strstr(list, want));
	snprintf(want, sizeof(want), ":5000 -> 203.0.113.77:%u ", port1);
	assert_non_null(strstr(list, want));
	free(list);

	/* Renewal keeps the same public port (N-8: idempotent). */
	assert_int_equal(natpmpc("-a 41234 5000 tcp 3600", &out), 0);
	p = strstr(out, "Mapped public port ");
	assert_non_null(p);
	port2 = (unsigned)atoi(p + strlen("Mapped public port "));
	assert_int_equal(port1, port2);
	free(out);

	/* N-8: a TCP mapping creates no UDP one. */
	list = control_request(d, "list");
	assert_null(strstr(list, "natpmp udp "));
	free(list);

	/* N-9: lifetime 0 deletes. */
	assert_int_equal(natpmpc("-a 0 5000 tcp 0", &out), 0);
	free(out);
	list = control_request(d, "list");
	assert_null(strstr(list, ":5000 -> "));
	free(list);
}

/* Issue 16: natpmpc asking for public port 0 (no suggestion) gets its
 * private port, as from miniupnpd (prefer-internal-port, the default). */
static void test_natpmpc_no_suggestion_gets_private_port(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(natpmpc("-a 0 6881 udp 3600", &out), 0);
	assert_non_null(strstr(out, "Mapped public port 6881 protocol UDP"));
	free(out);
	assert_int_equal(natpmpc("-a 0 6881 udp 0", &out), 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_natpmpc_public_address),
	    cmocka_unit_test(test_natpmpc_map_renew_delete),
	    cmocka_unit_test(test_natpmpc_no_suggestion_gets_private_port),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
