/*
 * `portctld -n` refuses what a start would refuse (issue 15 item 12): the
 * values of the file (external-ip that is not unicast, a port range with
 * nothing to hand out, duplicate listen lines) and the host (interfaces
 * that do not exist, a listen address that is not the host's or that is on
 * the external interface), and a wildcard listener that would serve the
 * WAN, and an audit log file that cannot be opened.  Each case runs both `-n`
 * and a start, which must fail alike, with the same reason.  127.25.0.x and
 * ports of this file's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define SERVER "127.25.0.1"

/* Runs `portctld MODE -c conf --listen LISTEN` (no --listen when LISTEN is
 * empty: then the file's listen lines count), returns the exit status and
 * leaves the output in *out.  A start that does not fail is ended by
 * timeout(1) after 3 s (status 124). */
static int run(struct daemon *d, const char *mode, const char *listen,
               char **out)
{
	char cmd[768], lflag[96] = "";

	if (listen[0])
		snprintf(lflag, sizeof(lflag), "--listen '%s'", listen);
	snprintf(cmd, sizeof(cmd),
	         "timeout -s KILL 3 %s %s -c %s %s --control %s "
	         "--state-dir %s/state 2>&1",
	         PORTCTLD_PATH, mode, d->conf, lflag, d->control, d->dir);
	return run_command(cmd, out);
}

/* conf is refused by -n and by a start, both saying why.  listen: NULL
 * for an address of the test's own, else as run() takes it. */
static void refused(const char *conf, const char *listen, const char *why)
{
	struct daemon d;
	char *out = NULL, self[64];

	daemon_init(&d, SERVER, 0);
	snprintf(self, sizeof(self), "%s:%u", SERVER, d.port);
	daemon_write_conf(&d, conf);
	assert_int_equal(run(&d, "-n", listen ? listen : self, &out), 1);
	if (!strstr(out, why))
		fail_msg("-n said '%s', not '%s'", out, why);
	free(out);
	out = NULL;
	assert_int_equal(run(&d, "-f", listen ? listen : self, &out), 1);
	if (!strstr(out, why))
		fail_msg("start said '%s', not '%s'", out, why);
	free(out);
	daemon_cleanup(&d);
}

static void test_external_ip_must_be_unicast(void **state)
{
	(void)state;
	refused("external-ip 224.0.0.1\n", NULL,
	        ":1: '224.0.0.1' is not a unicast address");
	refused("external-ip 127.0.0.1\n", NULL,
	        ":1: '127.0.0.1' is not a unicast address");
	refused("external-ip ff02::1\n", NULL,
	        ":1: 'ff02::1' is not a unicast address");
}

static void test_port_range_with_nothing_to_hand_out(void **state)
{
	(void)state;
	refused("port-range 5351-5351\n", NULL,
	        "port-range 5351-5351 leaves no UDP port to hand out");
	refused("port-range 5000-5001\nreserved-port 5000\n"
	        "reserved-port tcp 5001\n",
	        NULL, "port-range 5000-5001 leaves no TCP port to hand out");
}

static void test_duplicate_listen_lines(void **state)
{
	(void)state;
	/* --listen replaces the file's lines: none given here. */
	refused("listen 127.25.0.1:6000\nlisten 127.25.0.1:6000\n", "",
	        ":2: listen 127.25.0.1:6000 port 6000: already served by the "
	        "listen address 127.25.0.1 given before");
	refused("listen 0.0.0.0:6000\ninternal-interface lo\n"
	        "listen 127.25.0.1:6000\n",
	        "",
	        ":3: listen 127.25.0.1:6000 port 6000: already served by the "
	        "listen address 0.0.0.0 given before");
}

static void test_missing_interfaces(void **state)
{
	(void)state;
	refused("internal-interface nosuchif0\n", NULL,
	        "internal-interface nosuchif0: No such device");
	refused("external-interface nosuchif1\nexternal-ip 198.51.100.1\n",
	        NULL, "external-interface nosuchif1: No such device");
}

static void test_listen_not_on_this_host(void **state)
{
	(void)state;
	refused("", "192.0.2.77:6001",
	        "listen 192.0.2.77: not an address of this host");
}

/* A listener WAN hosts would reach: on an external-ip, on the external
 * interface, or a wildcard that serves every interface. */
static void test_wan_facing_listeners_refused(void **state)
{
	(void)state;
	refused("external-ip 198.51.100.1\n", "198.51.100.1:6002",
	        "listen 198.51.100.1 is an external-ip");
	refused("external-interface lo\nexternal-ip 198.51.100.1\n", NULL,
	        "listen 127.25.0.1 is on the external interface lo");
	refused("", "0.0.0.0:6003",
	        "a wildcard listen address with neither internal-interface "
	        "nor external-interface serves every interface");
	refused("", "[::]:6003",
	        "a wildcard listen address with neither internal-interface "
	        "nor external-interface serves every interface");
}

/* The same wildcard, explicitly allowed, passes with a loud warning; with
 * internal-interface it passes quietly. */
static void test_wildcard_allowed_explicitly(void **state)
{
	struct daemon d;
	char *out = NULL;

	(void)state;
	daemon_init(&d, SERVER, 0);
	daemon_write_conf(&d, "allow-any-interface yes\n");
	assert_int_equal(run(&d, "-n", "0.0.0.0:6004", &out), 0);
	assert_non_null(strstr(out, "configuration OK"));
	assert_non_null(strstr(out, "warning: a wildcard listen address "
	                            "serves every interface, the WAN "
	                            "included"));
	free(out);
	out = NULL;
	daemon_write_conf(&d, "internal-interface lo\n");
	assert_int_equal(run(&d, "-n", "0.0.0.0:6004", &out), 0);
	assert_null(strstr(out, "warning"));
	free(out);
	daemon_cleanup(&d);
}

/* Issue 10's audit log: a file the start could not open is refused by -n
 * too, and nothing is created by -n. */
static void test_audit_file_unopenable(void **state)
{
	(void)state;
	refused("audit-log file /nonexistent-portctl-dir/audit.log\n", NULL,
	        "audit log /nonexistent-portctl-dir/audit.log: directory "
	        "/nonexistent-portctl-dir: No such file or directory");
	refused("audit-log file /\n", NULL, "audit log /: not a regular file");
	refused("audit-log file /etc/hostname/audit.log\n", NULL,
	        "audit log /etc/hostname/audit.log: Not a directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_external_ip_must_be_unicast),
	    cmocka_unit_test(test_port_range_with_nothing_to_hand_out),
	    cmocka_unit_test(test_duplicate_listen_lines),
	    cmocka_unit_test(test_missing_interfaces),
	    cmocka_unit_test(test_listen_not_on_this_host),
	    cmocka_unit_test(test_wan_facing_listeners_refused),
	    cmocka_unit_test(test_wildcard_allowed_explicitly),
	    cmocka_unit_test(test_audit_file_unopenable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
