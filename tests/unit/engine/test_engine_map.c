/*
 * MAP (RFC 6887 sections 11, 15, 16): S-30..S-58 at the engine level.
 */
#include "etest.h"

#include <string.h>

static const char *H = "192.0.2.10";

static struct etest *map_ok(struct etest *t, const char *h, uint8_t nonce,
                            uint8_t proto, uint16_t port, uint16_t sug,
                            uint32_t lifetime)
{
	struct req r;
	req_map(&r, .client = h, .nonce = nonce, .protocol = proto,
	        .int_port = port, .ext_port = sug, .lifetime = lifetime);
	et_send(t, h, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	return t;
}

static void test_s30_map_disabled_not_authorized(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.map_enabled = false;
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
}

static void test_s32_unsupported_protocol(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 1 /* ICMP */,
	        .int_port = 80, .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_PROTOCOL);
	assert_int_equal(LIFETIME(t), PCTL_LONG_ERROR_LIFETIME); /* */
	for (int p = 0; p < 4; p++) {
		static const uint8_t ok[4] = {6, 17, 132, 33};
		req_map(&r, .client = H, .nonce = 1, .protocol = ok[p],
		        .int_port = (uint16_t)(7000 + p),
		        .ext_port = (uint16_t)(7000 + p), .lifetime = 600);
		et_send(t, H, &r);
		assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	}
}

static void test_s32_all_ports_and_protocols_refused_by_default(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 0,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_PROTOCOL);
	req_map(&r, .client = H, .nonce = 1, .protocol = 0, .int_port = 0,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_PROTOCOL);
	req_map(&r, .client = H, .nonce = 1, .protocol = 0, .int_port = 80,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_MALFORMED_REQUEST);
	assert_int_equal(et_count(t), 0);
}

static void test_s32_all_protocols_pinhole_when_allowed(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.allow_all_ports = true;
	c.allow_all_protocols = true;
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = "2001:db8::10", .nonce = 1, .protocol = 0,
	        .int_port = 0, .ext_addr = "::", .lifetime = 600);
	et_send(t, "2001:db8::10", &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(t->fb.last.protocol, 0);
	assert_int_equal(t->fb.last.int_port, 0);
	/* NAT44 cannot give one host every port: UNSUPP_PROTOCOL. */
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 0,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_UNSUPP_PROTOCOL);
}

static void test_s33_other_nonce_not_authorized_remaining(void **state)
{
	struct etest *t = *state;
	map_ok(t, H, 0xa, 6, 8080, 0, 3600);
	uint16_t port = EXTPORT(t);
	t->now += 600000;
	struct req r;
	req_map(&r, .client = H, .nonce = 0xb, .protocol = 6, .int_port = 8080,
	        .lifetime = 3600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(LIFETIME(t), 3000); /* what is left */
	/* Same nonce still works; the mapping was not touched. */
	map_ok(t, H, 0xa, 6, 8080, 0, 3600);
	assert_int_equal(EXTPORT(t), port);
}

/* Lifetimes are reported rounded down, never more than was granted: a grant
 * in the middle of a second must not be told back as one second longer to a
 * rival, in a retransmission's answer (S-17) or to the administrator,
 * and a live mapping is never reported with 0 left. */
static int first_left(void *ctx, const struct pctl_mapping_info *m)
{
	*(uint32_t *)ctx = m->lifetime_left;
	return 1;
}

static void test_s33_remaining_lifetime_never_exceeds_grant(void **state)
{
	struct etest *t = *state;
	uint32_t left = 0;
	t->now += 300; /* mid-second */
	map_ok(t, H, 0xa, 6, 8080, 0, 600);
	assert_int_equal(LIFETIME(t), 600);
	map_ok(t, H, 0xa, 6, 8080, 0, 600); /* S-17 retransmission */
	assert_int_equal(LIFETIME(t), 600);
	struct req r;
	req_map(&r, .client = H, .nonce = 0xb, .protocol = 6, .int_port = 8080,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(LIFETIME(t), 600);
	assert_int_equal(pctl_engine_foreach(t->e, first_left, &left, t->now),
	                 1);
	assert_int_equal(left, 600);
	/* 0.8 s before the end: still alive, so at least 1. */
	t->now += 599900;
	assert_int_equal(pctl_engine_foreach(t->e, first_left, &left, t->now),
	                 1);
	assert_int_equal(left, 1);
}

static void test_s34_static_mapping_answered_not_owned(void **state)
{
	struct etest *t = *state;
	struct pctl_mapping_info mi;
	memset(&mi, 0, sizeof(mi));
	mi.kind = PCTL_MK_STATIC;
	mi.protocol = 6;
	mi.int_addr = et_addr(H);
	mi.int_port = 22;
	mi.ext_addr = et_addr("203.0.113.1");
	mi.ext_port = 2222;
	mi.port_count = 1;
	assert_int_equal(pctl_engine_restore(t->e, &mi, t->now, NULL), 0);
	struct req r;
	req_map(&r, .client = H, .nonce = 5, .protocol = 6, .int_port = 22,
	        .ext_port = 3000, .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(EXTPORT(t), 2222); /* S-36.2 */
	assert_int_equal(LIFETIME(t), PCTL_LIFETIME_STATIC);
	/* S-57: MAP cannot delete it. */
	req_map(&r, .client = H, .nonce = 5, .protocol = 6, .int_port = 22,
	        .lifetime = 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(et_count(t), 1);
}

static void test_s36_prefer_failure_other_endpoint_cannot_provide(void **state)
{
	struct etest *t = *state;
	map_ok(t, H, 1, 6, 8080, 30000, 3600);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .ext_port = 30001, .lifetime = 3600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_CANNOT_PROVIDE_EXTERNAL);
	/* Without PREFER_FAILURE the existing mapping is returned. */
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .ext_port = 30001, .lifetime = 3600);
	et_send(t, H, &r);
	assert_int_equal(EXTPORT(t), 30000); /* S-36.3 */
}

static void test_s37_suggestion_honoured(void **state)
{
	struct etest *t = *state;
	map_ok(t, H, 1, 17, 5000, 45678, 600);
	assert_int_equal(EXTPORT(t), 45678);
	assert_int_equal(t->fb.last.ext_port, 45678);
}

static void test_s38_udp_5351_never_granted(void **state)
{
	struct etest *t = *state;
	map_ok(t, H, 1, 17, 5351, 5351, 600);
	assert_true(EXTPORT(t) != 5351 && EXTPORT(t) != 5350);
	map_ok(t, H, 1, 17, 5350, 5350, 600);
	assert_true(EXTPORT(t) != 5351 && EXTPORT(t) != 5350);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 6000,
	        .ext_port = 5351, .lifetime = 600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_CANNOT_PROVIDE_EXTERNAL);
	/* TCP 5351 is not the PCP port. */
	map_ok(t, H, 1, 6, 5351, 5351, 600);
	assert_int_equal(EXTPORT(t), 5351);
}

static void test_s38_configured_reserved_port_never_granted(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.n_reserved = 1;
	c.reserved[0] =
	    (struct pctl_reserved_port){.protocol = 6, .port = 8443};
	struct etest *t = et_open(state, &c);
	map_ok(t, H, 1, 6, 443, 8443, 600);
	assert_true(EXTPORT(t) != 8443);
	map_ok(t, H, 1, 17, 443, 8443, 600);
	assert_int_equal(EXTPORT(t), 8443); /* UDP 8443 is not reserved */
}

static void test_s38_foreign_suggested_address_not_used(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .ext_addr = "198.51.100.1", .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_true(
	    pctl_addr_equal(&t->resp.external_addr, &t->cfg.ext_addrs[0]));
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 81,
	        .ext_addr = "198.51.100.1", .lifetime = 600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	r.b[42] = 0x9c; /* suggested port 40000: PREFER_FAILURE needs one */
	r.b[43] = 0x40;
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_CANNOT_PROVIDE_EXTERNAL);
}

static void test_s39_taken_port_gets_another_or_cannot_provide(void **state)
{
	struct etest *t = *state;
	map_ok(t, "192.0.2.20", 1, 6, 80, 40000, 1000);
	map_ok(t, H, 1, 6, 80, 40000, 600);
	assert_true(EXTPORT(t) != 40000);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 81,
	        .ext_port = 40000, .lifetime = 600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	t->now += 100000;
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_CANNOT_PROVIDE_EXTERNAL);
	/* S-76: lifetime = what is left of the conflicting mapping. */
	assert_int_equal(LIFETIME(t), 900);
}

static void test_s40_no_companion_protocol_mapping(void **state)
{
	struct etest *t = *state;
	map_ok(t, H, 1, 6, 80, 0, 600);
	assert_int_equal(t->fb.creates, 1);
	assert_int_equal(t->fb.last.protocol, 6);
	assert_int_equal(et_count(t), 1);
}

static void test_s41_per_host_quota(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_per_host = 2;
	struct etest *t = et_open(state, &c);
	map_ok(t, H, 1, 6, 1, 0, 600);
	map_ok(t, H, 1, 6, 2, 0, 600);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 3,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_USER_EX_QUOTA);
	assert_int_equal(LIFETIME(t), PCTL_SHORT_ERROR_LIFETIME); /* */
	/* Renewal within the quota still works, another host too. */
	map_ok(t, H, 1, 6, 2, 0, 600);
	map_ok(t, "192.0.2.11", 1, 6, 3, 0, 600);
}

static void test_s41_ipv6_quota_counts_the_whole_64(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_per_host = 2;
	struct etest *t = et_open(state, &c);
	map_ok(t, "2001:db8:0:1::a", 1, 6, 1, 0, 600);
	map_ok(t, "2001:db8:0:1::b", 1, 6, 1, 0, 600);
	struct req r;
	req_map(&r, .client = "2001:db8:0:1::c", .nonce = 1, .protocol = 6,
	        .int_port = 1, .lifetime = 600);
	et_send(t, "2001:db8:0:1::c", &r);
	assert_int_equal(RESULT(t), PCTL_R_USER_EX_QUOTA);
	map_ok(t, "2001:db8:0:2::c", 1, 6, 1, 0, 600);
}

static void test_table_wide_limit_no_resources(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_mappings = 2;
	struct etest *t = et_open(state, &c);
	map_ok(t, H, 1, 6, 1, 0, 600);
	map_ok(t, "192.0.2.11", 1, 6, 1, 0, 600);
	struct req r;
	req_map(&r, .client = "192.0.2.12", .nonce = 1, .protocol = 6,
	        .int_port = 1, .lifetime = 600);
	et_send(t, "192.0.2.12", &r);
	assert_int_equal(RESULT(t), PCTL_R_NO_RESOURCES);
	assert_int_equal(LIFETIME(t), PCTL_SHORT_ERROR_LIFETIME); /* */
}

static void test_s42_host_stays_on_one_external_address(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.n_ext_addrs = 3;
	c.ext_addrs[1] = et_addr("203.0.113.2");
	c.ext_addrs[2] = et_addr("203.0.113.3");
	struct etest *t = et_open(state, &c);
	map_ok(t, H, 1, 6, 1, 0, 600);
	pctl_addr first = t->resp.external_addr;
	for (uint16_t p = 2; p < 10; p++) {
		map_ok(t, H, 1, 17, p, 0, 600);
		assert_true(pctl_addr_equal(&first, &t->resp.external_addr));
	}
	/* A non-zero suggestion of ours is followed. */
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 50,
	        .ext_addr = "203.0.113.3", .lifetime = 600);
	et_send(t, H, &r);
	assert_true(pctl_addr_equal(&t->resp.external_addr, &c.ext_addrs[2]));
}

static void test_s45_sctp_external_port_is_internal(void **state)
{
	struct etest *t = *state;
	map_ok(t, H, 1, 132, 9000, 0, 600);
	assert_int_equal(EXTPORT(t), 9000);
	struct req r;
	req_map(&r, .client = "192.0.2.11", .nonce = 1, .protocol = 132,
	        .int_port = 9000, .lifetime = 600);
	et_send(t, "192.0.2.11", &r);
	assert_int_equal(RESULT(t), PCTL_R_CANNOT_PROVIDE_EXTERNAL);
}

static void test_s50_lifetime_clamped_to_configured_bounds(void **state)
{
	struct etest *t = *state;
	map_ok(t, H, 1, 6, 1, 0, 10);
	assert_int_equal(LIFETIME(t), 120);
	map_ok(t, H, 1, 6, 2, 0, 0xfffffff0u);
	assert_int_equal(LIFETIME(t), 86400);
	assert_int_equal(t->fb.last.lifetime, 86400);
}

static void test_s51_mapping_expires_after_lifetime(void **state)
{
	struct etest *t = *state;
	map_ok(t, H, 1, 6, 1, 40000, 300);
	assert_true(pctl_engine_next_deadline(t->e) <= t->now + 300000);
	pctl_engine_tick(t->e, t->now + 299000);
	assert_int_equal(et_count(t), 1);
	pctl_engine_tick(t->e, t->now + 300000);
	assert_int_equal(et_count(t), 0);
	assert_int_equal(t->fb.removes, 1);
	assert_int_equal(t->fb.live, 0);
	/* S-53: another host gets the port after the reuse time only. */
	t->now += 300000;
	map_ok(t, "192.0.2.30", 1, 6, 1, 40000, 300);
	assert_true(EXTPORT(t) != 40000);
	t->now += 120000;
	map_ok(t, "192.0.2.31", 1, 6, 1, 40000, 300);
	assert_int_equal(EXTPORT(t), 40000);
}

static void test_s55_delete_own_mapping(void **state)
{
	struct etest *t = *state;
	map_ok(t, H, 1, 6, 80, 40000, 600);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(LIFETIME(t), 0);
	assert_int_equal(t->resp.internal_port, 80);
	assert_int_equal(et_count(t), 0);
	assert_int_equal(t->fb.live, 0);
}

static void test_s53_released_port_cools_but_client_reclaims(void **state)
{
	struct etest *t = *state;
	struct req r;
	map_ok(t, H, 1, 6, 80, 40000, 600);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 0);
	et_send(t, H, &r);
	/* Another host, or the same host with another nonce or internal
	 * port, does not get it during the reuse time... */
	map_ok(t, "192.0.2.40", 1, 6, 80, 40000, 600);
	assert_true(EXTPORT(t) != 40000);
	map_ok(t, H, 2, 6, 81, 40000, 600);
	assert_true(EXTPORT(t) != 40000);
	/* ...the same client (address, port, nonce) does, at once. */
	map_ok(t, H, 1, 6, 80, 40000, 600);
	assert_int_equal(EXTPORT(t), 40000);
}

static void test_s53_reuse_time_configurable(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.port_reuse_time = 0;
	struct etest *t = et_open(state, &c);
	struct req r;
	map_ok(t, H, 1, 6, 80, 40000, 600);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 0);
	et_send(t, H, &r);
	map_ok(t, "192.0.2.40", 1, 6, 80, 40000, 600);
	assert_int_equal(EXTPORT(t), 40000);
}

static void test_s55_delete_with_other_nonce_not_authorized(void **state)
{
	struct etest *t = *state;
	map_ok(t, H, 1, 6, 80, 0, 600);
	struct req r;
	req_map(&r, .client = H, .nonce = 2, .protocol = 6, .int_port = 80,
	        .lifetime = 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(LIFETIME(t), 600);
	assert_int_equal(et_count(t), 1);
}

static void test_s56_delete_copies_suggested_fields(void **state)
{
	struct etest *t = *state;
	map_ok(t, "2001:db8::5", 1, 17, 53, 0, 600);
	struct req r;
	req_map(&r, .client = "2001:db8::5", .nonce = 1, .protocol = 17,
	        .int_port = 53, .ext_addr = "::", .lifetime = 0);
	et_send(t, "2001:db8::5", &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	pctl_addr any6 = et_addr("::");
	assert_true(pctl_addr_equal(&t->resp.external_addr, &any6));
	assert_int_equal(EXTPORT(t), 0);
}

static void test_s57_delete_nonexistent_is_success(void **state)
{
	struct etest *t = *state;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(LIFETIME(t), 0);
	assert_int_equal(t->fb.removes, 0);
}

static void test_pinholes_for_ipv6_and_without_nat44(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.nat44 = false;
	struct etest *t = et_open(state, &c);
	map_ok(t, H, 1, 6, 8080, 0, 600);
	pctl_addr h = et_addr(H);
	assert_true(pctl_addr_equal(&t->resp.external_addr, &h));
	assert_int_equal(EXTPORT(t), 8080);
	map_ok(t, "2001:db8::7", 1, 17, 9999, 0, 600);
	assert_int_equal(EXTPORT(t), 9999);
}

static void test_policy_deny_is_not_authorized(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.n_rules = 1;
	c.rules[0] =
	    (struct pctl_policy_rule){.allow = false,
	                              .internal = {et_addr("192.0.2.0"), 120},
	                              .int_port_min = 0,
	                              .int_port_max = 1023,
	                              .ext_port_max = 65535,
	                              .any_protocol = true};
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 22,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	map_ok(t, H, 1, 6, 2222, 0, 600);
}

static void test_r7_no_external_address_network_failure(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.n_ext_addrs = 0;
	struct etest *t = et_open(state, &c);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 22,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NETWORK_FAILURE);
	assert_int_equal(LIFETIME(t), PCTL_SHORT_ERROR_LIFETIME);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST_CFG(test_s30_map_disabled_not_authorized),
	    ET_TEST(test_s32_unsupported_protocol),
	    ET_TEST(test_s32_all_ports_and_protocols_refused_by_default),
	    ET_TEST_CFG(test_s32_all_protocols_pinhole_when_allowed),
	    ET_TEST(test_s33_other_nonce_not_authorized_remaining),
	    ET_TEST(test_s33_remaining_lifetime_never_exceeds_grant),
	    ET_TEST(test_s34_static_mapping_answered_not_owned),
	    ET_TEST(test_s36_prefer_failure_other_endpoint_cannot_provide),
	    ET_TEST(test_s37_suggestion_honoured),
	    ET_TEST(test_s38_udp_5351_never_granted),
	    ET_TEST_CFG(test_s38_configured_reserved_port_never_granted),
	    ET_TEST(test_s38_foreign_suggested_address_not_used),
	    ET_TEST(test_s39_taken_port_gets_another_or_cannot_provide),
	    ET_TEST(test_s40_no_companion_protocol_mapping),
	    ET_TEST_CFG(test_s41_per_host_quota),
	    ET_TEST_CFG(test_s41_ipv6_quota_counts_the_whole_64),
	    ET_TEST_CFG(test_table_wide_limit_no_resources),
	    ET_TEST_CFG(test_s42_host_stays_on_one_external_address),
	    ET_TEST(test_s45_sctp_external_port_is_internal),
	    ET_TEST(test_s50_lifetime_clamped_to_configured_bounds),
	    ET_TEST(test_s51_mapping_expires_after_lifetime),
	    ET_TEST(test_s55_delete_own_mapping),
	    ET_TEST(test_s53_released_port_cools_but_client_reclaims),
	    ET_TEST_CFG(test_s53_reuse_time_configurable),
	    ET_TEST(test_s55_delete_with_other_nonce_not_authorized),
	    ET_TEST(test_s56_delete_copies_suggested_fields),
	    ET_TEST(test_s57_delete_nonexistent_is_success),
	    ET_TEST_CFG(test_pinholes_for_ipv6_and_without_nat44),
	    ET_TEST_CFG(test_policy_deny_is_not_authorized),
	    ET_TEST_CFG(test_r7_no_external_address_network_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
