/*
 * S-41 with configured subscriber prefixes (subscriber.h): max-per-host
 * counts a subscriber - by default an IPv4 address or an IPv6 /64, else
 * the prefix lengths the operator sets - and a reconfiguration that changes
 * them counts the live mappings again.  Each mapping still belongs to its
 * own internal address: only the counting changes.
 */
#include "etest.h"

#include <string.h>

static void map_result(struct etest *t, const char *h, uint16_t port,
                       int result)
{
	struct req r;
	req_map(&r, .client = h, .nonce = (uint8_t)port, .protocol = 6,
	        .int_port = port, .lifetime = 600);
	et_send(t, h, &r);
	assert_int_equal(RESULT(t), result);
}

static struct etest *engine(void **state, uint32_t max_per_host, uint8_t v4,
                            uint8_t v6)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_per_host = max_per_host;
	c.subscriber_v4_prefix = v4;
	c.subscriber_v6_prefix = v6;
	return et_open(state, &c);
}

static void test_s41_quota_counts_every_address_of_a_64(void **state)
{
	struct etest *t = engine(state, 3, 32, 64);
	map_result(t, "2001:db8:0:1::a", 1, PCTL_R_SUCCESS);
	map_result(t, "2001:db8:0:1::b", 2, PCTL_R_SUCCESS);
	map_result(t, "2001:db8:0:1:8000::c", 3, PCTL_R_SUCCESS);
	map_result(t, "2001:db8:0:1:ffff::d", 4, PCTL_R_USER_EX_QUOTA);
	map_result(t, "2001:db8:0:2::a", 4, PCTL_R_SUCCESS);
}

static void test_s41_subscriber_prefix_56_shares_one_quota(void **state)
{
	struct etest *t = engine(state, 2, 32, 56);
	map_result(t, "2001:db8:0:1::a", 1, PCTL_R_SUCCESS);
	map_result(t, "2001:db8:0:2::a", 2, PCTL_R_SUCCESS);
	map_result(t, "2001:db8:0:ff::a", 3, PCTL_R_USER_EX_QUOTA);
	/* Another /56. */
	map_result(t, "2001:db8:0:100::a", 3, PCTL_R_SUCCESS);
}

static void test_s41_subscriber_prefix_24_for_ipv4(void **state)
{
	struct etest *t = engine(state, 2, 24, 64);
	map_result(t, "192.0.2.10", 1, PCTL_R_SUCCESS);
	map_result(t, "192.0.2.11", 2, PCTL_R_SUCCESS);
	map_result(t, "192.0.2.12", 3, PCTL_R_USER_EX_QUOTA);
	map_result(t, "198.51.100.12", 3, PCTL_R_SUCCESS);
}

/* A reload that widens the subscriber counts the mappings already there
 * under the new key; deleting one frees a place again. */
static void test_s41_reconfigured_prefix_recounts_live_mappings(void **state)
{
	struct etest *t = engine(state, 2, 32, 64);
	map_result(t, "2001:db8:0:1::a", 1, PCTL_R_SUCCESS);
	map_result(t, "2001:db8:0:2::a", 2, PCTL_R_SUCCESS);
	map_result(t, "2001:db8:0:3::a", 3, PCTL_R_SUCCESS);
	struct pctl_engine_config c = t->cfg;
	c.subscriber_v6_prefix = 48;
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), 0);
	assert_int_equal(et_count(t), 3);
	map_result(t, "2001:db8:0:4::a", 4, PCTL_R_USER_EX_QUOTA);
	/* Only the owner deletes (its own address, not the subscriber). */
	struct req r;
	req_map(&r, .client = "2001:db8:0:2::b", .nonce = 2, .protocol = 6,
	        .int_port = 2, .lifetime = 0);
	et_send(t, "2001:db8:0:2::b", &r);
	assert_int_equal(et_count(t), 3);
	req_map(&r, .client = "2001:db8:0:1::a", .nonce = 1, .protocol = 6,
	        .int_port = 1, .lifetime = 0);
	et_send(t, "2001:db8:0:1::a", &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	req_map(&r, .client = "2001:db8:0:2::a", .nonce = 2, .protocol = 6,
	        .int_port = 2, .lifetime = 0);
	et_send(t, "2001:db8:0:2::a", &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 1);
	map_result(t, "2001:db8:0:4::a", 4, PCTL_R_SUCCESS);
}

/* A reload releases the ports cooling after deletes (S-53) and counts the
 * live mappings under the new prefixes: the subscriber keeps exactly the
 * ports of its mappings, and its list still holds them.  IPv4, where
 * mappings take ports (an IPv6 pinhole allocates none). */
static void test_s41_reconfigured_prefix_with_cooling_ports(void **state)
{
	struct etest *t = engine(state, 2, 32, 64);
	map_result(t, "192.0.2.10", 1, PCTL_R_SUCCESS);
	map_result(t, "192.0.2.10", 2, PCTL_R_SUCCESS);
	struct req r;
	req_map(&r, .client = "192.0.2.10", .nonce = 2, .protocol = 6,
	        .int_port = 2, .lifetime = 0);
	et_send(t, "192.0.2.10", &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS); /* its port cools */
	map_result(t, "192.0.2.10", 3, PCTL_R_USER_EX_QUOTA);
	struct pctl_engine_config c = t->cfg;
	c.subscriber_v4_prefix = 24;
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), 0);
	map_result(t, "192.0.2.20", 4, PCTL_R_SUCCESS);
	map_result(t, "192.0.2.30", 5, PCTL_R_USER_EX_QUOTA);
	req_map(&r, .client = "192.0.2.10", .nonce = 1, .protocol = 6,
	        .int_port = 1, .lifetime = 0);
	et_send(t, "192.0.2.10", &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(et_count(t), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST_CFG(test_s41_quota_counts_every_address_of_a_64),
	    ET_TEST_CFG(test_s41_subscriber_prefix_56_shares_one_quota),
	    ET_TEST_CFG(test_s41_subscriber_prefix_24_for_ipv4),
	    ET_TEST_CFG(test_s41_reconfigured_prefix_recounts_live_mappings),
	    ET_TEST_CFG(test_s41_reconfigured_prefix_with_cooling_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
