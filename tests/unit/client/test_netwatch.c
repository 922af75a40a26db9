/*
 * Tests that change addresses, in a network namespace of the test's own:
 * network changes (watch_network): adding an address makes the client
 * re-create its mapping one second later (C-5), a route that is not a
 * default route changes nothing; and the IPv6 source choice (C-12): a
 * global address of the interface rather than a ULA.
 */
#include "harness.h"

#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>

static int enter_netns(void **state)
{
	struct ifreq ifr;
	int fd;
	(void)state;

	/* Root gets a plain namespace; others a user namespace with it. */
	if (unshare(CLONE_NEWNET) < 0 &&
	    unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return -1;
	close(fd);
	return 0;
}

static void test_c5_address_change_recreates(void **state)
{
	struct h h;
	struct pctl_msg req, again;
	uint8_t buf[PCTL_MAX_MSG];
	(void)state;

	h_config(&h);
	h.cfg.watch_network = true;
	h_start(&h);
	h_granted_map(&h, 8080, 3600, 5, &req);
	/* noise: a route that is not a default route */
	assert_int_equal(system("ip route add 198.51.100.0/24 dev lo"), 0);
	usleep(50000);
	h_advance(&h, 2000);
	assert_int_equal(h_count_requests(&h), 0);
	assert_int_equal(system("ip addr add 192.0.2.200/32 dev lo"), 0);
	usleep(50000);
	h_process(&h);
	assert_int_equal(h_count_requests(&h), 0); /* debounced */
	assert_int_equal(pctl_client_timeout(h.c), 1000);
	h_advance(&h, 1000);
	h_expect_pcp(&h, &again, buf);
	assert_memory_equal(again.nonce, req.nonce, PCTL_NONCE_LEN);
	assert_int_equal(again.external_port, 18080); /* previous one */
	assert_non_null(strstr(h.log, "network changed"));
	h_done(&h);
}

static void test_c12_global_rather_than_ula(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	char a[PCTL_ADDRSTRLEN];
	(void)state;

	assert_int_equal(system("ip addr add fd00::1/64 dev lo nodad && "
	                        "ip addr add 2001:db8::2/64 dev lo nodad"),
	                 0);
	h_config(&h);
	h_open_server_at(&h, "fd00::1"); /* the fake server on a ULA */
	h.c = pctl_client_new(&h.cfg);
	h_add_server(&h, "fd00::1", h.srv_port);
	p = h_map_params(6, 80, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	assert_string_equal(pctl_addr_to_str(&req.client_addr, a, sizeof(a)),
	                    "2001:db8::2");
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_c5_address_change_recreates),
	    cmocka_unit_test(test_c12_global_rather_than_ula),
	};
	return cmocka_run_group_tests(tests, enter_netns, NULL);
}
