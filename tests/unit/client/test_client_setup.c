/*
 * Client setup and the rules on what may be asked: server text forms,
 * request validation (C-62, C-68, C-70, C-71), request contents (C-11,
 * C-14, C-64, C-69 filters, X-3.1 PORT_SET, THIRD_PARTY, DESCRIPTION),
 * RFC 7488 selection across addresses (C-3, C-18), suspend/resume
 * detection, and discovery (C-1) adding the RFC 7723 anycast address.
 */
#include "harness.h"

#include <errno.h>

static void test_server_text_forms(void **state)
{
	struct pctl_client *c = pctl_client_new(NULL);
	char buf[64];
	(void)state;

	assert_non_null(c);
	assert_int_equal(pctl_client_add_server(c, "127.0.0.1"), 0);
	assert_int_equal(pctl_client_add_server(c, "127.0.0.2:6000"), 0);
	assert_int_equal(pctl_client_add_server(c, "127.0.0.1"), 0); /* dup */
	assert_int_equal(pctl_client_server_count(c), 2);
	assert_string_equal(pctl_client_server_str(c, 0, buf, sizeof(buf)),
	                    "127.0.0.1:5351");
	assert_string_equal(pctl_client_server_str(c, 1, buf, sizeof(buf)),
	                    "127.0.0.2:6000");
	assert_null(pctl_client_server_str(c, 2, buf, sizeof(buf)));
	/* An IPv6 address with its interface (RFC 4007 zone, RFC 7291 7). */
	assert_int_equal(pctl_client_add_server(c, "[::1%lo]:6001"), 0);
	assert_string_equal(pctl_client_server_str(c, 2, buf, sizeof(buf)),
	                    "[::1%lo]:6001");
	errno = 0;
	assert_int_equal(pctl_client_add_server(c, "fe80::1%nosuchif0"), -1);
	assert_int_equal(errno, ENODEV);
	const char *bad[] = {
	    "",     "x",      "1.2.3.4:",     "1.2.3.4:0", "1.2.3.4:70000",
	    "[::1", "[::1]x", "1.2.3.4:5:6x", "[::1%]",    "127.0.0.1%lo"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(pctl_client_add_server(c, bad[i]), -1);
		assert_int_equal(errno, EINVAL);
	}
	pctl_client_free(c);
}

static void test_c62_c68_c70_c71_invalid_params_refused(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(0, 80, 600); /* C-62: all protocols, port 80 */
	assert_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	assert_int_equal(errno, EINVAL);
	p = h_map_params(6, 0, 600);
	assert_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	p = h_map_params(6, 80, 0); /* use pctl_client_map_delete */
	assert_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	p = h_map_params(6, 80, 600); /* C-68: with PORT_SET */
	p.prefer_failure = true;
	p.has_suggest = true;
	p.suggest_port = 80;
	p.port_set_size = 10;
	assert_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	p = h_map_params(6, 80, 600); /* C-70: PEER remote port 0 */
	p.kind = PCTL_REQ_PEER;
	pctl_addr_from_str(&p.remote_addr, "198.51.100.1");
	assert_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	p.remote_port = 80;
	p.prefer_failure = true;
	assert_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	p = h_map_params(6, 80, 600); /* C-71: THIRD_PARTY = own source */
	p.has_third_party = true;
	pctl_addr_from_str(&p.third_party, "127.0.0.1");
	assert_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	p = h_map_params(6, 80, 600); /* bad UTF-8 description */
	memcpy(p.description, "\xc0\xaf", 3);
	assert_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	assert_int_equal(h_count_requests(&h), 0);
	h_done(&h);
}

static void test_c11_c64_request_fields_and_options(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	char a[PCTL_ADDRSTRLEN];
	struct pctl_filter f;
	struct pctl_port_set ps;
	pctl_addr tp;
	const struct pctl_option *o;
	(void)state;

	h_init(&h);
	p = h_map_params(17, 5000, 600);
	p.want_ipv6 = true;
	p.has_third_party = true;
	pctl_addr_from_str(&p.third_party, "192.0.2.77");
	p.n_filters = 2;
	p.filters[0].prefix_len = 0; /* C-69: clear, then the new one */
	pctl_addr_set_any(&p.filters[0].addr, true);
	p.filters[1].prefix_len = 120;
	pctl_addr_from_str(&p.filters[1].addr, "198.51.100.0");
	p.filters[1].port = 443;
	snprintf(p.description, sizeof(p.description), "web server");
	p.port_set_size = 8;
	p.port_set_parity = true;
	p.any_port = true; /* no preference (port preservation off) */
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	h_expect_pcp(&h, &req, buf);
	/* C-11: the source address of the datagram */
	assert_string_equal(pctl_addr_to_str(&req.client_addr, a, sizeof(a)),
	                    "127.0.0.1");
	/* C-64: IPv6 all-zeros, port 0 */
	assert_false(pctl_addr_is_v4(&req.external_addr));
	assert_true(pctl_addr_is_any(&req.external_addr));
	assert_int_equal(req.external_port, 0);
	o = pctl_msg_option(&req, PCTL_OPT_THIRD_PARTY);
	assert_non_null(o);
	assert_int_equal(pctl_third_party_parse(o, &tp), 0);
	assert_true(pctl_addr_equal(&tp, &p.third_party));
	assert_int_equal(req.options[1].code, PCTL_OPT_FILTER);
	assert_int_equal(pctl_filter_parse(&req.options[1], &f), 0);
	assert_int_equal(f.prefix_len, 0);
	assert_int_equal(pctl_filter_parse(&req.options[2], &f), 0);
	assert_int_equal(f.prefix_len, 120);
	assert_int_equal(f.port, 443);
	o = pctl_msg_option(&req, PCTL_OPT_DESCRIPTION);
	assert_non_null(o);
	assert_int_equal(o->len, 10);
	o = pctl_msg_option(&req, PCTL_OPT_PORT_SET);
	assert_int_equal(pctl_port_set_parse(o, &ps), 0);
	assert_int_equal(ps.size, 8);
	assert_int_equal(ps.first_internal_port, 5000); /* */
	assert_true(ps.parity);
	/* C-14: reserved octets zero (octet 2 and 37..39) */
	assert_int_equal(buf[2], 0);
	assert_int_equal(buf[37] | buf[38] | buf[39], 0);
	h_done(&h);
}

/* C-3, C-18: four transmissions per address, then the next; the one
 * that answers is kept. */
static void test_c3_rfc7488_four_per_address(void **state)
{
	struct h h, h2;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	h.rnd = H_RAND_ZERO;
	h_open_server(&h2);
	h_add_server(&h, "127.0.0.1", h2.srv_port);
	p = h_map_params(6, 80, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_advance(&h, 3000);
	h_advance(&h, 6000);
	h_advance(&h, 12000);
	assert_int_equal(h_count_requests(&h), 4);
	h.peerlen = 0;
	h_advance(&h, 24000); /* 5th goes to the second address, at once */
	assert_int_equal(h_count_requests(&h), 0);
	h2.peerlen = 0;
	h_expect_pcp(&h2, &req, buf);
	assert_int_equal(pctl_client_timeout(h.c), 3000); /* fresh timer */
	h2.c = h.c;
	h2.nev = 0;
	h_reply(&h2, &req, PCTL_R_SUCCESS, 600, 1, "203.0.113.1", 80);
	assert_int_equal(h.nev, 1);
	/* a second mapping goes straight to the selected address */
	p.internal_port = 81;
	pctl_client_map_new(h.c, &p, h_cb, &h);
	assert_int_equal(h_count_requests(&h2), 1);
	assert_int_equal(h_count_requests(&h), 0);
	close(h2.srv_fd);
	h_done(&h);
}

/* A hard ICMP error moves to the next address immediately (C-3). */
static void test_c3_icmp_error_next_address(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sin);
	int dead;
	(void)state;

	/* an address with nobody listening: port unreachable */
	dead = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(dead, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(dead, (struct sockaddr *)&sin, &sl);
	close(dead);
	h_config(&h);
	h_open_server(&h);
	h.c = pctl_client_new(&h.cfg);
	h_add_server(&h, "127.0.0.1", ntohs(sin.sin_port));
	h_add_server(&h, "127.0.0.1", h.srv_port);
	p = h_map_params(6, 80, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	/* the ICMP error is reported on the socket; processing it moves on
	 * without waiting for the 3 s timer */
	usleep(20000);
	h_process(&h);
	h_process(&h);
	assert_int_equal(h_count_requests(&h), 1);
	h_done(&h);
}

static void test_suspend_resume_recreates(void **state)
{
	struct h h;
	struct pctl_msg req;
	(void)state;

	h_init(&h);
	h_granted_map(&h, 8080, 3600, 5, &req);
	h_advance(&h, 1000);
	assert_int_equal(h_count_requests(&h), 0);
	h.boot += 600000; /* slept for 10 min */
	h_advance(&h, 1000);
	assert_int_equal(h_count_requests(&h), 1);
	assert_non_null(strstr(h.log, "suspend"));
	h_done(&h);
}

/* CLOCK_BOOTTIME read a millisecond behind CLOCK_MONOTONIC (the two reads
 * straddling a millisecond) is no suspend: the gap once wrapped below zero,
 * read as 584 million years asleep, and reset every mapping in a loop. */
static void test_boottime_a_ms_behind_is_no_suspend(void **state)
{
	struct h h;
	struct pctl_msg req;
	(void)state;

	h_init(&h);
	h_granted_map(&h, 8080, 3600, 5, &req);
	h.boot = (uint64_t)-1; /* boottime = now - 1 ms */
	h_advance(&h, 1000);
	h_advance(&h, 1000);
	assert_int_equal(h_count_requests(&h), 0);
	assert_null(strstr(h.log, "suspend"));
	h_done(&h);
}

static void test_c1_discovery_appends_anycast(void **state)
{
	struct pctl_client *c = pctl_client_new(NULL);
	char buf[64];
	bool anycast = false;
	(void)state;

	int n = pctl_client_discover(c);
	/* C-1: the RFC 7723 anycast addresses come after every gateway
	 * (which ones exist depends on the host's routes) */
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		pctl_client_server_str(c, (size_t)i, buf, sizeof(buf));
		if (anycast)
			assert_string_equal(buf, "[2001:1::1]:5351");
		if (!strcmp(buf, "192.0.0.9:5351"))
			anycast = true;
	}
	/* configured servers replace discovery */
	struct pctl_client *d = pctl_client_new(NULL);
	assert_int_equal(pctl_client_add_server(d, "127.0.0.1"), 0);
	assert_int_equal(pctl_client_discover(d), 1);
	pctl_client_free(d);
	pctl_client_free(c);
}

/* C-1: IPv4 mappings go to the IPv4 server first, IPv6 ones to the IPv6
 * server, whatever the order of the list. */
static void test_c1_family_of_mapping_picks_server(void **state)
{
	struct h h, h6;
	struct pctl_client_map_params p;
	(void)state;

	h_config(&h);
	h_open_server(&h);
	h_open_server_at(&h6, "::1");
	h.c = pctl_client_new(&h.cfg);
	h_add_server(&h, "::1", h6.srv_port);
	h_add_server(&h, "127.0.0.1", h.srv_port);
	p = h_map_params(6, 80, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	assert_int_equal(h_count_requests(&h), 1);
	assert_int_equal(h_count_requests(&h6), 0);
	p.want_ipv6 = true;
	p.internal_port = 81;
	pctl_client_map_new(h.c, &p, h_cb, &h);
	assert_int_equal(h_count_requests(&h), 0);
	assert_int_equal(h_count_requests(&h6), 1);
	close(h6.srv_fd);
	h_done(&h);
}

/* The source port of the last request the fake server received. */
static uint16_t request_port(struct h *h)
{
	uint8_t buf[PCTL_MAX_MSG];
	assert_true(h_recv(h, buf, sizeof(buf)) > 0);
	return ntohs(((struct sockaddr_in *)&h->peer)->sin_port);
}

/* C-10: requests leave from the kernel's ephemeral range (Linux picks
 * those at random, RFC 6056), never from the PCP ports, and two clients on
 * one host use distinct ports. */
static void test_c10_ephemeral_distinct_source_ports(void **state)
{
	struct h h;
	unsigned lo = 32768, hi = 60999;
	(void)state;

	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (f) {
		assert_int_equal(fscanf(f, "%u %u", &lo, &hi), 2);
		fclose(f);
	}
	h_init(&h);
	struct pctl_client_map_params p = h_map_params(6, 80, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	uint16_t first = request_port(&h);

	struct pctl_client *other = pctl_client_new(&h.cfg);
	assert_non_null(other);
	char srv[40];
	snprintf(srv, sizeof(srv), "127.0.0.1:%u", h.srv_port);
	assert_int_equal(pctl_client_add_server(other, srv), 0);
	pctl_client_map_new(other, &p, h_cb, &h);
	uint16_t second = request_port(&h);

	assert_int_not_equal(first, second);
	assert_in_range(first, lo, hi);
	assert_in_range(second, lo, hi);
	assert_true(first != 5350 && first != 5351);
	pctl_client_free(other);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_server_text_forms),
	    cmocka_unit_test(test_c10_ephemeral_distinct_source_ports),
	    cmocka_unit_test(test_c62_c68_c70_c71_invalid_params_refused),
	    cmocka_unit_test(test_c11_c64_request_fields_and_options),
	    cmocka_unit_test(test_c3_rfc7488_four_per_address),
	    cmocka_unit_test(test_c3_icmp_error_next_address),
	    cmocka_unit_test(test_suspend_resume_recreates),
	    cmocka_unit_test(test_boottime_a_ms_behind_is_no_suspend),
	    cmocka_unit_test(test_c1_discovery_appends_anycast),
	    cmocka_unit_test(test_c1_family_of_mapping_picks_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
