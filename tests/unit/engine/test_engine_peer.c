/*
 * PEER (RFC 6887 section 12): S-60..S-67 and erratum-like note E-11.
 */
#include "etest.h"

#include <string.h>

static const char *H = "192.0.2.10";
static const char *R = "198.51.100.5";

static void test_s60_peer_disabled(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.peer_enabled = false;
	struct etest *t = et_open(state, &c);
	struct req r;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = R, .remote_port = 443, .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
}

static void test_s61_s64_peer_creates_outbound_mapping(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = R, .remote_port = 443, .lifetime = 600);
	assert_int_equal(et_send(t, H, &r), 80);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	pctl_addr ra = et_addr(R);
	assert_true(pctl_addr_equal(&t->resp.remote_addr, &ra));
	assert_int_equal(t->resp.remote_port, 443);
	assert_int_equal(t->resp.internal_port, 5000);
	assert_memory_equal(t->resp.nonce, r.b + 24, 12);
	assert_true(t->fb.last.outbound);
	assert_true(pctl_addr_equal(&t->fb.last.remote_addr, &ra));
	assert_true(
	    pctl_addr_equal(&t->resp.external_addr, &t->cfg.ext_addrs[0]));
}

static void test_s62_invalid_remote_peer_malformed(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = "127.0.0.1", .remote_port = 443,
	         .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_REQUEST);
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = "2001:db8::1", .remote_port = 443,
	         .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_REQUEST);
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = R, .remote_port = 0, .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_REQUEST);
	assert_int_equal(et_count(t), 0);
}

static void test_s63_prefer_failure_in_peer_malformed_request(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .ext_port = 40000, .remote_addr = R, .remote_port = 443,
	         .lifetime = 600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_REQUEST);
}

static void test_s64_other_nonce_not_authorized_remaining(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = R, .remote_port = 443, .lifetime = 600);
	et_send(t, H, &r);
	t->now += 100000;
	req_peer(&r, .client = H, .nonce = 2, .protocol = 6, .int_port = 5000,
	         .remote_addr = R, .remote_port = 443, .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(LIFETIME(t), 500);
}

static void test_s64_suggestion_not_honourable_cannot_provide(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = "192.0.2.20", .nonce = 1, .protocol = 6,
	        .int_port = 80, .ext_port = 40000, .lifetime = 600);
	et_send(t, "192.0.2.20", &r);
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .ext_port = 40000, .remote_addr = R, .remote_port = 443,
	         .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_CANNOT_PROVIDE_EXTERNAL);
	assert_int_equal(et_count(t), 1);
	/* A free suggestion is honoured. */
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .ext_port = 40001, .remote_addr = R, .remote_port = 443,
	         .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(EXTPORT(t), 40001);
}

static void test_s64_existing_implicit_mapping_returned(void **state)
{
	struct etest *t = *state;
	t->fb.has_flow = true;
	t->fb.flow.ext_addr = et_addr("203.0.113.1");
	t->fb.flow.ext_port = 33333;
	t->fb.flow.timeout_left = 7000;
	struct req r;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 5000,
	         .ext_port = 40000, .remote_addr = R, .remote_port = 53,
	         .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(EXTPORT(t), 33333); /* suggestion ignored */
	assert_int_equal(LIFETIME(t), 7000); /* never shorter than idle */
}

static void test_s65_e11_lifetime_0_never_deletes(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = R, .remote_port = 443, .lifetime = 3600);
	et_send(t, H, &r);
	t->now += 600000;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = R, .remote_port = 443, .lifetime = 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(LIFETIME(t), 3000);
	assert_int_equal(et_count(t), 1);
	assert_int_equal(t->fb.removes, 0);
	/* Nor shortens it. */
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = R, .remote_port = 443, .lifetime = 200);
	et_send(t, H, &r);
	assert_int_equal(LIFETIME(t), 3000);
	/* And a longer one extends it. */
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = R, .remote_port = 443, .lifetime = 7200);
	et_send(t, H, &r);
	assert_int_equal(LIFETIME(t), 7200);
}

static void test_e11_new_peer_with_lifetime_0_gets_minimum(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = R, .remote_port = 443, .lifetime = 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(LIFETIME(t), 120);
}

static void test_s36_4_map_copies_existing_peer_endpoint(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_peer(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	         .remote_addr = R, .remote_port = 443, .lifetime = 600);
	et_send(t, H, &r);
	uint16_t port = EXTPORT(t);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(EXTPORT(t), port); /* S-36.4, S-43 */
	/* S-57: MAP delete leaves the PEER (outbound) mapping alone, and
	 * its port stays its own. */
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 5000,
	        .lifetime = 0);
	et_send(t, H, &r);
	assert_int_equal(et_count(t), 1);
	req_map(&r, .client = "192.0.2.77", .nonce = 1, .protocol = 6,
	        .int_port = 1, .ext_port = port, .lifetime = 600);
	et_send(t, "192.0.2.77", &r);
	assert_true(EXTPORT(t) != port);
}

static void test_s43_peer_uses_the_map_external_endpoint(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 5000,
	        .ext_port = 44000, .lifetime = 600);
	et_send(t, H, &r);
	req_peer(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 5000,
	         .remote_addr = R, .remote_port = 53, .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(EXTPORT(t), 44000);
	req_peer(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 5000,
	         .ext_port = 44001, .remote_addr = R, .remote_port = 54,
	         .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_CANNOT_PROVIDE_EXTERNAL);
	/* The MAP goes; the PEER keeps the port: nobody else gets it. */
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 5000,
	        .lifetime = 0);
	et_send(t, H, &r);
	t->now += 200000;
	pctl_engine_tick(t->e, t->now);
	req_map(&r, .client = "192.0.2.77", .nonce = 1, .protocol = 17,
	        .int_port = 1, .ext_port = 44000, .lifetime = 6000);
	et_send(t, "192.0.2.77", &r);
	assert_true(EXTPORT(t) != 44000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST_CFG(test_s60_peer_disabled),
	    ET_TEST(test_s61_s64_peer_creates_outbound_mapping),
	    ET_TEST(test_s62_invalid_remote_peer_malformed),
	    ET_TEST(test_s63_prefer_failure_in_peer_malformed_request),
	    ET_TEST(test_s64_other_nonce_not_authorized_remaining),
	    ET_TEST(test_s64_suggestion_not_honourable_cannot_provide),
	    ET_TEST(test_s64_existing_implicit_mapping_returned),
	    ET_TEST(test_s65_e11_lifetime_0_never_deletes),
	    ET_TEST(test_e11_new_peer_with_lifetime_0_gets_minimum),
	    ET_TEST(test_s36_4_map_copies_existing_peer_endpoint),
	    ET_TEST(test_s43_peer_uses_the_map_external_endpoint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
