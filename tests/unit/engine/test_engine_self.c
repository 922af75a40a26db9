/*
 * Issue 15 item 5: the router's own addresses.  A process on the router
 * reaches the server through the LAN interface, so the interface check
 * passes; the engine itself must refuse to map the router's own addresses
 * (the set given by pctl_engine_set_self, and loopback always) unless
 * allow_self is configured.
 */
#include "etest.h"

#include <string.h>

static const char *RTR = "192.0.2.1";    /* the router's LAN address */
static const char *RTR6 = "2001:db8::1"; /* and its IPv6 one */
static const char *H = "192.0.2.10";     /* a LAN host */

static struct etest *with_self(void **state, bool allow_self, bool third_party)
{
	struct pctl_engine_config c;
	pctl_addr self[3] = {et_addr(RTR), et_addr(RTR6),
	                     et_addr("203.0.113.1")};

	et_config(&c);
	c.allow_self = allow_self;
	if (third_party) {
		c.n_third_party_acl = 1;
		c.third_party_acl[0] =
		    (struct pctl_prefix){et_addr("::ffff:192.0.2.10"), 128};
	}
	struct etest *t = et_open(state, &c);
	assert_int_equal(pctl_engine_set_self(t->e, self, 3), 0);
	return t;
}

static void expect_refused(struct etest *t, const char *src)
{
	struct req r;

	req_map(&r, .client = src, .nonce = 1, .protocol = 6, .int_port = 8022,
	        .lifetime = 600);
	assert_true(et_send(t, src, &r) > 0);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(LIFETIME(t), PCTL_LONG_ERROR_LIFETIME);
	assert_int_equal(et_count(t), 0);
	assert_int_equal(t->fb.creates, 0);
}

static void test_map_from_router_address_refused(void **state)
{
	struct etest *t = with_self(state, false, false);
	expect_refused(t, RTR);
	expect_refused(t, RTR6);
}

static void test_map_from_loopback_refused_without_listing(void **state)
{
	struct etest *t = *state; /* no set given: loopback still */
	expect_refused(t, "127.0.0.1");
	expect_refused(t, "127.7.7.7");
	expect_refused(t, "::1");
}

static void test_peer_and_announce_from_router_refused(void **state)
{
	struct etest *t = with_self(state, false, false);
	struct req r;

	req_peer(&r, .client = RTR, .nonce = 1, .protocol = 6, .int_port = 8022,
	         .remote_addr = "198.51.100.5", .remote_port = 443,
	         .lifetime = 600);
	et_send(t, RTR, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	req_announce(&r, RTR);
	et_send(t, RTR, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(et_count(t), 0);
}

static void test_natpmp_from_router_refused(void **state)
{
	struct etest *t = with_self(state, false, false);
	struct req r;

	req_natpmp_map(&r, false, 8022, 0, 600);
	assert_int_equal(et_send(t, RTR, &r), 16);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NOT_AUTHORIZED);
	assert_int_equal(t->nresp.lifetime, 0);
	assert_int_equal(et_count(t), 0);
	/* The external address request too (opcode 0). */
	uint8_t ext_req[2] = {0, 0};
	assert_int_equal(et_send_raw(t, RTR, ext_req, 2, true), 12);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NOT_AUTHORIZED);
}

static void test_third_party_naming_router_refused(void **state)
{
	struct etest *t = with_self(state, false, true);
	const char *names[] = {RTR, "127.0.0.1", "203.0.113.1"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct req r;
		pctl_addr x = et_addr(names[i]);
		req_map(&r, .client = H, .nonce = 1, .protocol = 6,
		        .int_port = 8022, .lifetime = 600);
		req_opt(&r, PCTL_OPT_THIRD_PARTY, x.b, 16);
		et_send(t, H, &r);
		assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	}
	assert_int_equal(et_count(t), 0);
}

static void test_lan_host_still_served(void **state)
{
	struct etest *t = with_self(state, false, true);
	struct req r;
	pctl_addr x = et_addr("192.0.2.50");

	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8022,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	req_map(&r, .client = H, .nonce = 2, .protocol = 6, .int_port = 8023,
	        .lifetime = 600);
	req_opt(&r, PCTL_OPT_THIRD_PARTY, x.b, 16);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 2);
}

static void test_allow_self_serves_router(void **state)
{
	struct etest *t = with_self(state, true, false);
	struct req r;

	req_map(&r, .client = RTR, .nonce = 1, .protocol = 6, .int_port = 8022,
	        .lifetime = 600);
	et_send(t, RTR, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 1);
}

/* A reload that stops allowing self removes the mappings made while it was
 * allowed, and says how many it removed. */
static void test_reload_without_allow_self_removes_them(void **state)
{
	struct etest *t = with_self(state, true, false);
	struct pctl_engine_config c = t->cfg;
	struct req r;

	req_map(&r, .client = RTR, .nonce = 1, .protocol = 6, .int_port = 8022,
	        .lifetime = 600);
	et_send(t, RTR, &r);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8022,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(et_count(t), 2);
	c.allow_self = false;
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), 1);
	assert_int_equal(et_count(t), 1);
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), 0);
}

/* The set is replaced, not added to. */
static void test_set_replaced(void **state)
{
	struct etest *t = with_self(state, false, false);
	pctl_addr other = et_addr("192.0.2.99");
	struct req r;

	assert_int_equal(pctl_engine_set_self(t->e, &other, 1), 0);
	req_map(&r, .client = RTR, .nonce = 1, .protocol = 6, .int_port = 8022,
	        .lifetime = 600);
	et_send(t, RTR, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	req_map(&r, .client = "192.0.2.99", .nonce = 1, .protocol = 6,
	        .int_port = 8022, .lifetime = 600);
	et_send(t, "192.0.2.99", &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(et_count(t), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST_CFG(test_map_from_router_address_refused),
	    ET_TEST(test_map_from_loopback_refused_without_listing),
	    ET_TEST_CFG(test_peer_and_announce_from_router_refused),
	    ET_TEST_CFG(test_natpmp_from_router_refused),
	    ET_TEST_CFG(test_third_party_naming_router_refused),
	    ET_TEST_CFG(test_lan_host_still_served),
	    ET_TEST_CFG(test_allow_self_serves_router),
	    ET_TEST_CFG(test_reload_without_allow_self_removes_them),
	    ET_TEST_CFG(test_set_replaced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
