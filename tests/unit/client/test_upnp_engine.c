/*
 * The UPnP IGD engine without an IGD: its pure decisions (upnp_policy.c:
 * how a UPnPError is reported in PCP's terms, which external port to ask
 * for, which IGD to prefer) and how the client behaves around it (UPnP
 * only sends no PCP, gives up with a TIMEOUT saying why when no IGD
 * answers, refuses PEER and ANNOUNCE; the SSDP socket is among the
 * descriptors).  Mappings through a real IGD: the integration test
 * test_client_upnp_miniupnpd.sh.
 */
#include <errno.h>

#include "harness.h"

#include "client/upnp_int.h"

static void test_error_mapping(void **state)
{
	(void)state;
	assert_int_equal(pctl_upnp_error_result(0), PCTL_R_SUCCESS);
	assert_int_equal(pctl_upnp_error_result(606), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(pctl_upnp_error_result(703), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(pctl_upnp_error_result(718),
	                 PCTL_R_CANNOT_PROVIDE_EXTERNAL);
	assert_int_equal(pctl_upnp_error_result(729),
	                 PCTL_R_CANNOT_PROVIDE_EXTERNAL);
	assert_int_equal(pctl_upnp_error_result(728), PCTL_R_NO_RESOURCES);
	assert_int_equal(pctl_upnp_error_result(701), PCTL_R_NO_RESOURCES);
	assert_int_equal(pctl_upnp_error_result(501), PCTL_R_NETWORK_FAILURE);
	assert_int_equal(pctl_upnp_error_result(716), PCTL_R_UNSUPP_PROTOCOL);
	assert_int_equal(pctl_upnp_error_result(724), PCTL_R_UNSUPP_PROTOCOL);
	assert_int_equal(pctl_upnp_error_result(401), PCTL_R_UNSUPP_OPCODE);
	assert_int_equal(pctl_upnp_error_result(602), PCTL_R_UNSUPP_OPCODE);
	assert_int_equal(pctl_upnp_error_result(402), PCTL_R_MALFORMED_REQUEST);
	/* Unknown: a short-term failure, retried. */
	assert_int_equal(pctl_upnp_error_result(799), PCTL_R_NO_RESOURCES);
	assert_int_equal(pctl_result_class(pctl_upnp_error_result(606)),
	                 pctl_result_class(PCTL_R_NOT_AUTHORIZED));
}

static void test_port_preservation(void **state)
{
	struct pctl_client_map_params p = {.kind = PCTL_REQ_MAP,
	                                   .protocol = 6,
	                                   .internal_port = 8080,
	                                   .lifetime = 60};

	(void)state;
	/* The internal port is asked for, whatever the random draw. */
	assert_int_equal(pctl_upnp_first_port(&p, 12345), 8080);
	/* A suggestion wins. */
	p.has_suggest = true;
	p.suggest_port = 9000;
	assert_int_equal(pctl_upnp_first_port(&p, 12345), 9000);
	/* any_port: a random port at or above 1024. */
	p.has_suggest = false;
	p.suggest_port = 0;
	p.any_port = true;
	for (uint32_t r = 0; r < 200000; r += 997) {
		uint16_t port = pctl_upnp_first_port(&p, r);
		assert_true(port >= 1024);
	}
	assert_int_not_equal(pctl_upnp_first_port(&p, 1),
	                     pctl_upnp_first_port(&p, 2));
}

static void test_conflict_next_port(void **state)
{
	struct pctl_client_map_params p = {.kind = PCTL_REQ_MAP,
	                                   .protocol = 17,
	                                   .internal_port = 5000,
	                                   .lifetime = 60};

	(void)state;
	assert_int_equal(pctl_upnp_next_port(&p, 5000, 1, 0), 5001);
	assert_int_equal(pctl_upnp_next_port(&p, 65535, 1, 0), 1024);
	/* Bounded. */
	assert_int_equal(
	    pctl_upnp_next_port(&p, 5000, PCTL_UPNP_MAX_CONFLICTS, 0), 0);
	/* The user's suggestion is not replaced by another port. */
	p.has_suggest = true;
	p.suggest_port = 5000;
	assert_int_equal(pctl_upnp_next_port(&p, 5000, 1, 0), 0);
	/* any_port: another random one. */
	p.has_suggest = false;
	p.any_port = true;
	assert_true(pctl_upnp_next_port(&p, 5000, 1, 77) >= 1024);
}

static void test_igd_rank(void **state)
{
	pctl_addr routers[2], igd;

	(void)state;
	pctl_addr_from_str(&routers[0], "192.0.2.1");
	pctl_addr_from_str(&routers[1], "2001:db8::1");
	pctl_addr_from_str(&igd, "192.0.2.1");
	assert_int_equal(pctl_upnp_rank(&igd, routers, 2), 2);
	pctl_addr_from_str(&igd, "192.0.2.9");
	assert_int_equal(pctl_upnp_rank(&igd, routers, 2), 1);
	assert_int_equal(pctl_upnp_rank(&igd, routers, 0), 1);
}

static void upnp_only(struct h *h)
{
	h_config(h);
	h->cfg.protocols = PCTL_PROTO_UPNP;
	h_start(h);
}

static void test_upnp_only_refuses_peer_and_announce(void **state)
{
	struct h h;
	struct pctl_client_map_params p = h_map_params(6, 8080, 60);

	(void)state;
	upnp_only(&h);
	p.kind = PCTL_REQ_PEER;
	pctl_addr_from_str(&p.remote_addr, "198.51.100.7");
	p.remote_port = 443;
	errno = 0;
	assert_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	assert_int_equal(errno, ENOTSUP);
	p = h_map_params(0, 0, 60);
	p.kind = PCTL_REQ_ANNOUNCE;
	errno = 0;
	assert_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	assert_int_equal(errno, ENOTSUP);
	h_done(&h);
}

/* UPnP only and no IGD: no PCP datagram, the SSDP socket is watched, and
 * the mapping times out once the search is over, saying nobody answered. */
static void test_upnp_only_no_igd_times_out(void **state)
{
	struct h h;
	struct pctl_client_map_params p = h_map_params(6, 8080, 60);
	struct pctl_client_map *m;
	struct pollfd pfd[16];
	int fds[16];
	size_t before, n;

	(void)state;
	upnp_only(&h);
	before = pctl_client_fds(h.c, fds, 16);
	m = pctl_client_map_new(h.c, &p, h_cb, &h);
	assert_non_null(m);
	h_process(&h); /* the first M-SEARCH round */
	assert_int_equal(h_count_requests(&h), 0); /* no PCP */
	n = pctl_client_fds(h.c, fds, 16);
	assert_int_equal(n, before + 1); /* the SSDP socket */
	assert_int_equal(pctl_client_pollfds(h.c, pfd, 16), n);
	assert_int_equal(pfd[n - 1].fd, fds[n - 1]);
	assert_int_equal(pfd[n - 1].events, POLLIN);
	/* The next round is a timer. */
	assert_true(pctl_client_timeout(h.c) > 0);
	assert_true(pctl_client_timeout(h.c) <= 1000);
	for (int i = 0; i < 6 && !h.nev; i++)
		h_advance(&h, 1000);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.ev[0], PCTL_EV_TIMEOUT);
	assert_int_equal(h.info[0].state, PCTL_MS_FAILED);
	assert_int_equal(h.info[0].failure, PCTL_FAIL_NO_ANSWER);
	assert_int_equal(h.info[0].proto, PCTL_PROTO_NONE);
	/* The search is over: its socket is closed; the kept mapping looks
	 * again later, with a new search. */
	assert_int_equal(pctl_client_fds(h.c, fds, 16), before);
	assert_int_equal(pctl_client_timeout(h.c), PCTL_UPNP_RETRY_MS);
	h_advance(&h, PCTL_UPNP_RETRY_MS);
	assert_int_equal(pctl_client_fds(h.c, fds, 16), before + 1);
	assert_int_equal(h_count_requests(&h), 0);
	h_done(&h);
}

/* Without the UPNP bit nothing of it runs: no SSDP socket, no timer. */
static void test_without_upnp_bit_nothing_changes(void **state)
{
	struct h h;
	struct pctl_client_map_params p = h_map_params(6, 8080, 60);
	int fds[16];
	size_t before;

	(void)state;
	h_init(&h); /* PCP | NAT-PMP */
	before = pctl_client_fds(h.c, fds, 16);
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	assert_int_equal(pctl_client_fds(h.c, fds, 16), before);
	assert_int_equal(h_count_requests(&h), 1); /* PCP */
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_error_mapping),
	    cmocka_unit_test(test_port_preservation),
	    cmocka_unit_test(test_conflict_next_port),
	    cmocka_unit_test(test_igd_rank),
	    cmocka_unit_test(test_upnp_only_refuses_peer_and_announce),
	    cmocka_unit_test(test_upnp_only_no_igd_times_out),
	    cmocka_unit_test(test_without_upnp_bit_nothing_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
