/*
 * External addresses that follow the external interface (S-26, S-95, N-8):
 * with `external-interface` and no `external-ip`, portctld maps to the
 * interface's address and, when that address changes, moves the mapping and
 * sends the client a Mapping Update.
 *
 * The test runs in a network namespace of its own (unshare(CLONE_NEWNET)
 * of this process: it disappears with the process, even on failure) with a
 * veth pair holding documentation addresses.  Needs root; skipped without.
 */
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "harness.h"

#define SERVER "127.0.0.1"
#define HOST   "127.0.0.2"

static bool have_netns;

static bool ext_is(const struct pctl_msg *r, const char *s)
{
	pctl_addr a;

	pctl_addr_from_str(&a, s);
	return pctl_addr_equal(&r->external_addr, &a);
}

static void test_s26_external_address_follows_interface(void **state)
{
	static const uint8_t nonce[12] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
	struct daemon d;
	struct pctl_msg r;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_error err;
	bool updated = false;
	int fd;
	char *list;

	(void)state;
	if (!have_netns) {
		skip();
		return;
	}
	daemon_init(&d, SERVER, 0);
	daemon_write_conf(&d, "multicast-announce no\nexternal-interface pcx0\n"
	                      "internal-interface lo\n");
	assert_int_equal(daemon_start(&d, NULL), 0);
	assert_true(
	    daemon_log_has(&d, "external addresses follow pcx0 (1 now)"));
	fd = client_open(HOST, 0);
	assert_int_equal(pcp_map(fd, &d, HOST, nonce, 6, 8080, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	assert_true(ext_is(&r, "198.51.100.7"));

	/* The interface's address changes: the mapping moves, and the client
	 * hears of it unasked (S-95). */
	assert_int_equal(system("ip addr add 203.0.113.8/24 dev pcx0 && "
	                        "ip addr del 198.51.100.7/24 dev pcx0"),
	                 0);
	for (int i = 0; i < 10 && !updated; i++) {
		ssize_t n = client_recv(fd, buf, sizeof(buf), 1000);
		if (n > 0 &&
		    pctl_response_decode(buf, (size_t)n, &r, &err) ==
		        PCTL_V_OK &&
		    r.opcode == PCTL_OP_MAP && ext_is(&r, "203.0.113.8"))
			updated = true;
	}
	assert_true(updated);
	list = control_request(&d, "list");
	assert_non_null(strstr(list, "127.0.0.2:8080 -> 203.0.113.8:"));
	free(list);
	assert_true(daemon_log_has(&d, "external addresses of pcx0 changed"));
	close(fd);
	assert_int_equal(daemon_finish(&d), 0);
}

/* Starts a daemon listening on listen_ip with extra_conf, and checks that
 * its ANNOUNCE reaches the all-hosts group on ifname (IPv6 when v6) from its
 * port, and from its listen address unless that is a wildcard (S-92). */
static void check_announce(bool v6, const char *ifname, const char *listen_ip,
                           const char *extra_conf)
{
	struct daemon d;
	char conf[256];
	uint16_t port;
	int fd = multicast_listener(v6, ifname, &port);

	assert_true(fd >= 0);
	daemon_init(&d, listen_ip, 0);
	snprintf(conf, sizeof(conf), "announce-port %u\nannounce-count 1\n%s",
	         port, extra_conf);
	daemon_write_conf(&d, conf);
	assert_int_equal(daemon_start(&d, NULL), 0);
	assert_true(wait_announce_from(
	    fd, d.port, pctl_addr_is_any(&d.addr) ? NULL : &d.addr, 3000));
	close(fd);
	assert_int_equal(daemon_finish(&d), 0);
}

/* A wildcard listener (0.0.0.0) announces on every interface but the
 * external one (S-93): here lo gets the PCP ANNOUNCE. */
static void test_s93_wildcard_listener_announces_on_all_interfaces(void **state)
{
	(void)state;
	if (!have_netns) {
		skip();
		return;
	}
	check_announce(false, "lo", "0.0.0.0", "external-interface pcx0\n");
}

/* S-93 for IPv6: the ANNOUNCE goes to [ff02::1] on the internal interface
 * (pcx1 here, with 2001:db8::1), from the listen address and port. */
static void test_s93_ipv6_multicast_announce(void **state)
{
	(void)state;
	if (!have_netns) {
		skip();
		return;
	}
	assert_int_equal(system("ip addr add 2001:db8::1/64 dev pcx1 nodad"),
	                 0);
	check_announce(true, "pcx1", "2001:db8::1",
	               "external-ip 198.51.100.9\n");
}

/* N-8, 6886 section 3.3: a request to the external address gets nothing,
 * not even an error; the same request to the internal address is served.
 * A wildcard listener receives both; the external address is on pcx1,
 * which is internal, so only the destination tells them apart. */
static void test_n8_requests_to_external_address_ignored(void **state)
{
	static const uint8_t nonce[12] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
	struct daemon d, in, ext;
	struct pctl_msg r;
	int fd;
	char *stats;

	(void)state;
	if (!have_netns) {
		skip();
		return;
	}
	assert_int_equal(system("ip addr add 192.0.2.70/32 dev pcx1"), 0);
	daemon_init(&d, "0.0.0.0", 0);
	/* Where requests are sent: the internal and the external address. */
	daemon_init(&in, SERVER, d.port);
	daemon_init(&ext, "192.0.2.70", d.port);
	daemon_write_conf(&d, "multicast-announce no\nexternal-ip 192.0.2.70\n"
	                      "internal-interface lo\n"
	                      "internal-interface pcx1\n");
	assert_int_equal(daemon_start(&d, NULL), 0);
	fd = client_open(HOST, 0);
	assert_int_equal(pcp_map(fd, &ext, HOST, nonce, 6, 5000, 0, 600, &r),
	                 -1);
	assert_int_equal(pcp_map(fd, &in, HOST, nonce, 6, 5000, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	stats = control_request(&d, "stats");
	assert_non_null(strstr(stats, "dropped "));
	assert_null(strstr(stats, "dropped 0\n"));
	free(stats);
	close(fd);
	assert_int_equal(daemon_finish(&d), 0);
	daemon_cleanup(&in);
	daemon_cleanup(&ext);
}

#ifdef PORTCTLD_HAVE_NFT
/* The nftables backend selected by name (backend_select.c): the daemon
 * creates its table (nft-table), runs as --user with CAP_NET_ADMIN as its
 * only capability (privs.c), serves a MAP through the table, and removes it
 * when it stops with SIGTERM.  In this test's own namespace. */
static void test_backend_nftables_table_lives_with_daemon(void **state)
{
	static const uint8_t nonce[12] = {6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6};
	static const char *const as_nobody[] = {"--user", "nobody", NULL};
	struct daemon d;
	struct pctl_msg r;
	char *out = NULL, path[64], line[256];
	bool cap_admin_only = false;
	FILE *st;
	int fd;

	(void)state;
	if (!have_netns) {
		skip();
		return;
	}
	daemon_init(&d, SERVER, 0);
	/* allow-self: loopback stands in for a LAN host here. */
	daemon_write_conf(&d, "multicast-announce no\nbackend nftables\n"
	                      "nft-table pctltest\nexternal-interface pcx0\n"
	                      "external-ip 198.51.100.20\n"
	                      "internal-interface lo\nallow-self yes\n"
	                      /* A stop keeps the table by default (issue 9):
	                         this one asks to flush it. */
	                      "on-stop flush\n");
	/* As nobody, keeping CAP_NET_ADMIN (bit 12) and nothing else. */
	assert_int_equal(chmod(d.dir, 0711), 0);
	assert_int_equal(daemon_start(&d, as_nobody), 0);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)d.pid);
	st = fopen(path, "r");
	assert_non_null(st);
	while (fgets(line, sizeof(line), st))
		cap_admin_only |= !strcmp(line, "CapEff:\t0000000000001000\n");
	fclose(st);
	assert_true(cap_admin_only);
	assert_int_equal(run_command("nft list tables", &out), 0);
	assert_non_null(strstr(out, "pctltest"));
	free(out);
	fd = client_open(HOST, 0);
	assert_int_equal(pcp_map(fd, &d, HOST, nonce, 17, 5300, 0, 600, &r),
	                 PCTL_R_SUCCESS);
	assert_true(ext_is(&r, "198.51.100.20"));
	close(fd);
	assert_int_equal(daemon_finish(&d), 0);
	assert_int_equal(run_command("nft list tables", &out), 0);
	assert_null(strstr(out, "pctltest"));
	free(out);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_s26_external_address_follows_interface),
	    cmocka_unit_test(
	        test_s93_wildcard_listener_announces_on_all_interfaces),
	    cmocka_unit_test(test_s93_ipv6_multicast_announce),
	    cmocka_unit_test(test_n8_requests_to_external_address_ignored),
#ifdef PORTCTLD_HAVE_NFT
	    cmocka_unit_test(test_backend_nftables_table_lives_with_daemon),
#endif
	};

	have_netns = getuid() == 0 && unshare(CLONE_NEWNET) == 0 &&
	             system("ip link set lo up && "
	                    "ip link add pcx0 type veth peer name pcx1 && "
	                    "ip addr add 198.51.100.7/24 dev pcx0 && "
	                    "ip link set pcx0 up && ip link set pcx1 up") == 0;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
