/*
 * Port preservation (issue 13): a MAP that names no external port suggests
 * its internal port, in PCP (Suggested External Port, with the all-zeros
 * address of the wanted family) and in NAT-PMP (Requested Public Port);
 * params.any_port leaves the choice to the server (C-64: port 0); a
 * suggested address without a port keeps the address; SCTP suggests zeros
 * first (C-66); a delete still sends port 0 (C-65).
 */
#include "harness.h"

#include "wire/bytes.h"

static void expect_suggestion(struct pctl_client_map_params *p,
                              const char *addr, uint16_t port)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	char a[PCTL_ADDRSTRLEN];

	h_init(&h);
	assert_non_null(pctl_client_map_new(h.c, p, h_cb, &h));
	h_expect_pcp(&h, &req, buf);
	assert_string_equal(pctl_addr_to_str(&req.external_addr, a, sizeof(a)),
	                    addr);
	assert_int_equal(req.external_port, port);
	h_done(&h);
}

static void test_pcp_suggests_internal_port(void **state)
{
	struct pctl_client_map_params p = h_map_params(6, 8080, 600);
	(void)state;

	expect_suggestion(&p, "0.0.0.0", 8080);
	p.want_ipv6 = true;
	expect_suggestion(&p, "::", 8080);
}

static void test_any_port_suggests_nothing(void **state)
{
	struct pctl_client_map_params p = h_map_params(17, 5000, 600);
	(void)state;

	p.any_port = true;
	expect_suggestion(&p, "0.0.0.0", 0);
}

static void test_suggested_address_keeps_it(void **state)
{
	struct pctl_client_map_params p = h_map_params(6, 8080, 600);
	(void)state;

	p.has_suggest = true;
	pctl_addr_from_str(&p.suggest_addr, "203.0.113.9");
	expect_suggestion(&p, "203.0.113.9", 8080);
	p.suggest_port = 9000; /* an explicit port wins */
	expect_suggestion(&p, "203.0.113.9", 9000);
}

static void test_sctp_suggests_zeros_first(void **state)
{
	struct pctl_client_map_params p = h_map_params(132, 3868, 600);
	(void)state;

	expect_suggestion(&p, "0.0.0.0", 0);
}

/* NAT-PMP: the Requested Public Port is the internal port. */
static void test_natpmp_requests_internal_port(void **state)
{
	struct h h;
	uint8_t buf[PCTL_MAX_MSG];
	uint8_t ext[12] = {0, 128, 0, 0, 0, 0, 0, 9, 203, 0, 113, 44};
	struct pctl_client_map_params p = h_map_params(17, 5000, 600);
	(void)state;

	h_config(&h);
	h.cfg.force_natpmp = true;
	h_start(&h);
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	assert_int_equal(h_recv(&h, buf, sizeof(buf)), 2); /* address first */
	h_send(&h, ext, sizeof(ext));
	h_process(&h);
	assert_int_equal(h_recv(&h, buf, sizeof(buf)), 12);
	assert_int_equal(buf[1], PCTL_NATPMP_OP_MAP_UDP);
	assert_int_equal(pctl_get16(buf + 4), 5000);
	assert_int_equal(pctl_get16(buf + 6), 5000);
	h_done(&h);
}

/* A delete suggests nothing (C-65). */
static void test_delete_sends_port_zero(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p = h_map_params(6, 8080, 600);
	(void)state;

	h_init(&h);
	assert_non_null(pctl_client_map_delete_new(h.c, &p, h_cb, &h));
	h_expect_pcp(&h, &req, buf);
	assert_int_equal(req.lifetime, 0);
	assert_int_equal(req.external_port, 0);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pcp_suggests_internal_port),
	    cmocka_unit_test(test_any_port_suggests_nothing),
	    cmocka_unit_test(test_suggested_address_keeps_it),
	    cmocka_unit_test(test_sctp_suggests_zeros_first),
	    cmocka_unit_test(test_natpmp_requests_internal_port),
	    cmocka_unit_test(test_delete_sends_port_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
