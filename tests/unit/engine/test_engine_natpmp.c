/*
 * NAT-PMP server (RFC 6886) on the engine's table: N-7..N-9, N-13, N-21,
 * and coexistence with PCP MAP (App. A).
 */
#include "etest.h"

#include <string.h>

static const char *H = "192.0.2.10";

static void test_n2_external_address(void **state)
{
	struct etest *t = *state;
	uint8_t b[2] = {0, 0};
	t->now += 42000;
	assert_int_equal(et_send_raw(t, H, b, 2, true), 12);
	assert_int_equal(t->nresp.result, 0);
	assert_int_equal(t->nresp.epoch, 42);
	static const uint8_t ext[4] = {203, 0, 113, 1};
	assert_memory_equal(t->nresp.external_addr, ext, 4);
}

static void test_n7_reply_dropped_unknown_opcode_echoed(void **state)
{
	struct etest *t = *state;
	uint8_t b[4] = {0, 0x81, 0, 0};
	assert_int_equal(et_send_raw(t, H, b, 4, true), 0);
	uint8_t u[8] = {0, 5, 1, 2, 3, 4, 5, 6};
	size_t n = et_send_raw(t, H, u, 8, true);
	assert_true(n >= 8);
	assert_int_equal(t->out[1], 0x85);
	assert_int_equal(t->out[3], PCTL_NATPMP_R_UNSUPP_OPCODE);
}

static void test_n7_failure_reply_has_port_and_zero_lifetime(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_mappings = 1;
	struct etest *t = et_open(state, &c);
	struct req r;
	req_natpmp_map(&r, true, 4000, 0, 3600);
	et_send(t, H, &r);
	req_natpmp_map(&r, true, 4001, 0, 3600);
	assert_int_equal(et_send(t, H, &r), 16);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NO_RESOURCES);
	assert_int_equal(t->nresp.internal_port, 4001);
	assert_int_equal(t->nresp.external_port, 0);
	assert_int_equal(t->nresp.lifetime, 0);
}

static void test_n8_udp_only_with_companion_reserved(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_natpmp_map(&r, true, 4000, 41000, 3600);
	assert_int_equal(et_send(t, H, &r), 16);
	assert_int_equal(t->nresp.result, 0);
	assert_int_equal(t->nresp.external_port, 41000);
	assert_int_equal(t->fb.creates, 1); /* no TCP mapping made */
	assert_int_equal(t->fb.last.protocol, 17);
	/* Another host's TCP request for that port does not get it. */
	struct req m;
	req_map(&m, .client = "192.0.2.11", .nonce = 1, .protocol = 6,
	        .int_port = 80, .ext_port = 41000, .lifetime = 600);
	et_send(t, "192.0.2.11", &m);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_true(EXTPORT(t) != 41000);
	/* The same client does. */
	req_natpmp_map(&r, false, 4000, 41000, 3600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.external_port, 41000);
	/* Deleting the UDP one keeps TCP 41000; deleting both frees it. */
	req_natpmp_map(&r, true, 4000, 0, 0);
	et_send(t, H, &r);
	req_map(&m, .client = "192.0.2.11", .nonce = 1, .protocol = 6,
	        .int_port = 81, .ext_port = 41000, .lifetime = 600);
	et_send(t, "192.0.2.11", &m);
	assert_true(EXTPORT(t) != 41000);
	req_natpmp_map(&r, false, 4000, 0, 0);
	et_send(t, H, &r);
	req_map(&m, .client = "192.0.2.11", .nonce = 1, .protocol = 17,
	        .int_port = 82, .ext_port = 41000, .lifetime = 600);
	et_send(t, "192.0.2.11", &m);
	assert_int_equal(EXTPORT(t), 41000);
}

static void test_n8_repeat_request_returns_same_mapping(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_natpmp_map(&r, false, 22, 0, 7200);
	et_send(t, H, &r);
	uint16_t port = t->nresp.external_port;
	assert_int_equal(t->nresp.lifetime, 7200);
	req_natpmp_map(&r, false, 22, 0, 100);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.external_port, port);
	assert_int_equal(t->nresp.lifetime, 100); /* not above request */
	assert_int_equal(et_count(t), 1);
	req_natpmp_map(&r, false, 22, 0, 1000000);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.lifetime, 86400); /* MAY reduce */
}

static void test_n8_never_on_external_interface(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_natpmp_map(&r, false, 22, 0, 7200);
	assert_int_equal(et_send_raw(t, H, r.b, r.len, false), 0);
	assert_int_equal(et_count(t), 0);
}

static void test_n9_delete_one_and_nonexistent(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_natpmp_map(&r, true, 4000, 0, 3600);
	et_send(t, H, &r);
	req_natpmp_map(&r, true, 4000, 0, 0);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, 0);
	assert_int_equal(t->nresp.internal_port, 4000);
	assert_int_equal(t->nresp.external_port, 0);
	assert_int_equal(t->nresp.lifetime, 0);
	assert_int_equal(et_count(t), 0);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, 0);
}

static void test_s53_natpmp_client_reclaims_its_port(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_natpmp_map(&r, true, 4000, 42000, 3600);
	et_send(t, H, &r);
	req_natpmp_map(&r, true, 4000, 0, 0);
	et_send(t, H, &r);
	req_natpmp_map(&r, true, 4000, 42000, 3600);
	et_send(t, "192.0.2.11", &r);
	assert_true(t->nresp.external_port != 42000);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.external_port, 42000);
}

static void test_n9_delete_all_of_one_protocol(void **state)
{
	struct etest *t = *state;
	struct req r;
	for (uint16_t p = 1; p <= 5; p++) {
		req_natpmp_map(&r, true, p, 0, 3600);
		et_send(t, H, &r);
	}
	req_natpmp_map(&r, false, 1, 0, 3600);
	et_send(t, H, &r);
	req_natpmp_map(&r, true, 1, 0, 3600);
	et_send(t, "192.0.2.11", &r);
	req_natpmp_map(&r, true, 0, 0, 0);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, 0);
	assert_int_equal(t->nresp.internal_port, 0);
	assert_int_equal(et_count(t), 2); /* H's TCP and the other host's */
}

static void test_n9_delete_all_is_all_or_nothing(void **state)
{
	struct etest *t = *state;
	struct req r;
	for (uint16_t p = 1; p <= 3; p++) {
		req_natpmp_map(&r, true, p, 0, 3600);
		et_send(t, H, &r);
	}
	req_natpmp_map(&r, true, 0, 0, 0);
	t->fb.fail_commit.times = 1;
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NETWORK_FAILURE);
	assert_int_equal(et_count(t), 3);
	assert_int_equal(t->fb.live, 3);
}

static void test_n9_delete_manual_mapping_refused(void **state)
{
	struct etest *t = *state;
	struct pctl_mapping_info mi;
	memset(&mi, 0, sizeof(mi));
	mi.kind = PCTL_MK_STATIC;
	mi.protocol = 17;
	mi.int_addr = et_addr(H);
	mi.int_port = 4000;
	mi.ext_addr = et_addr("203.0.113.1");
	mi.ext_port = 4000;
	mi.port_count = 1;
	assert_int_equal(pctl_engine_restore(t->e, &mi, t->now, NULL), 0);
	struct req r;
	req_natpmp_map(&r, true, 4000, 0, 0);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NOT_AUTHORIZED);
	assert_int_equal(et_count(t), 1);
}

static void test_natpmp_and_pcp_never_take_each_others_mapping(void **state)
{
	struct etest *t = *state;
	struct req r, m;
	req_natpmp_map(&r, true, 4000, 0, 3600);
	et_send(t, H, &r);
	uint16_t port = t->nresp.external_port;
	req_map(&m, .client = H, .nonce = 1, .protocol = 17, .int_port = 4000,
	        .lifetime = 600);
	et_send(t, H, &m);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(LIFETIME(t), 3600);
	req_map(&m, .client = H, .nonce = 1, .protocol = 17, .int_port = 4000,
	        .lifetime = 0);
	et_send(t, H, &m);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	req_map(&m, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	        .lifetime = 600);
	et_send(t, H, &m);
	req_natpmp_map(&r, false, 5000, 0, 3600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NOT_AUTHORIZED);
	req_natpmp_map(&r, true, 4000, 0, 3600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.external_port, port);
	assert_int_equal(et_count(t), 2);
}

static void test_n13_no_nat44_no_natpmp(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.nat44 = false;
	struct etest *t = et_open(state, &c);
	uint8_t b[2] = {0, 0};
	assert_int_equal(et_send_raw(t, H, b, 2, true), 0);
}

static void test_natpmp_network_failure_without_address(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.n_ext_addrs = 0;
	struct etest *t = et_open(state, &c);
	uint8_t b[2] = {0, 0};
	assert_int_equal(et_send_raw(t, H, b, 2, true), 12);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NETWORK_FAILURE);
	struct req r;
	req_natpmp_map(&r, true, 4000, 0, 3600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NETWORK_FAILURE);
}

static void test_n21_version_1_is_pcp_unsupp_version(void **state)
{
	struct etest *t = *state;
	uint8_t b[24] = {1, 1};
	/* A MAP answer, as long as a version-2 MAP (S-5.2). */
	assert_int_equal(et_send_raw(t, H, b, 24, true), PCTL_MAP_LEN);
	assert_int_equal(t->out[0], 2);
	assert_int_equal(t->out[3], PCTL_R_UNSUPP_VERSION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST(test_n2_external_address),
	    ET_TEST(test_n7_reply_dropped_unknown_opcode_echoed),
	    ET_TEST_CFG(test_n7_failure_reply_has_port_and_zero_lifetime),
	    ET_TEST(test_n8_udp_only_with_companion_reserved),
	    ET_TEST(test_n8_repeat_request_returns_same_mapping),
	    ET_TEST(test_n8_never_on_external_interface),
	    ET_TEST(test_n9_delete_one_and_nonexistent),
	    ET_TEST(test_s53_natpmp_client_reclaims_its_port),
	    ET_TEST(test_n9_delete_all_of_one_protocol),
	    ET_TEST(test_n9_delete_all_is_all_or_nothing),
	    ET_TEST(test_n9_delete_manual_mapping_refused),
	    ET_TEST(test_natpmp_and_pcp_never_take_each_others_mapping),
	    ET_TEST_CFG(test_n13_no_nat44_no_natpmp),
	    ET_TEST_CFG(test_natpmp_network_failure_without_address),
	    ET_TEST(test_n21_version_1_is_pcp_unsupp_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
