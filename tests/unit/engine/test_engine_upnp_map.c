/*
 * UPnP IGD port mappings (server/upnp.h) on the real engine: AddPortMapping,
 * AddAnyPortMapping, DeletePortMapping, GetSpecificPortMappingEntry and
 * GetExternalIPAddress - every success and every error code they return.
 */
#include "utest.h"

static const char *H = "192.0.2.10";
static const char *H2 = "192.0.2.11";

static uint64_t upnp_live(struct etest *t)
{
	struct pctl_engine_stats s;
	pctl_engine_get_stats(t->e, &s);
	return s.mappings[PCTL_MK_UPNP];
}

static void test_add_exact_port_and_read_it_back(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, "web");
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	assert_int_equal(m.ext_port, 8080);
	assert_true(pctl_addr_equal(&m.ext_addr, &t->cfg.ext_addrs[0]));
	assert_int_equal(m.lease_left, 3600);
	assert_int_equal(t->fb.creates, 1);
	assert_int_equal(t->fb.last.kind, PCTL_MK_UPNP);
	assert_int_equal(t->fb.last.ext_port, 8080);
	assert_int_equal(t->fb.last.int_port, 80);
	assert_int_equal(upnp_live(t), 1);

	struct pctl_upnp_map g;
	memset(&g, 0, sizeof(g));
	g.protocol = 6;
	g.ext_port = 8080;
	struct pctl_upnp_req rq = ut_req(t, H2, 2);
	t->now += 10000;
	rq.now_ms = t->now;
	assert_int_equal(pctl_upnp_get(t->e, &rq, &g), PCTL_UPNP_OK);
	assert_true(pctl_addr_equal(&g.int_addr, &m.int_addr));
	assert_int_equal(g.int_port, 80);
	assert_string_equal(g.desc, "web");
	assert_true(g.enabled);
	assert_int_equal(g.lease_left, 3590);
}

static void test_add_again_renews_and_updates_description(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(17, 9000, H, 9000, 600, "old");
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	t->now += 100000;
	m = ut_map(17, 9000, H, 9000, 1200, "new");
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	assert_int_equal(t->fb.creates, 1);
	assert_int_equal(t->fb.refreshes, 1);
	assert_int_equal(m.lease_left, 1200);
	struct pctl_upnp_map g = ut_map(17, 9000, H, 0, 0, NULL);
	struct pctl_upnp_req rq = ut_req(t, H, 2);
	assert_int_equal(pctl_upnp_get(t->e, &rq, &g), PCTL_UPNP_OK);
	assert_string_equal(g.desc, "new");
}

static void test_external_port_taken_is_a_conflict(void **state)
{
	struct etest *t = ut_open(state);
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	/* Another host, or another internal port of the same host. */
	m = ut_map(6, 8080, H2, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H2, 2, &m, false), PCTL_UPNP_E_CONFLICT);
	m = ut_map(6, 8080, H, 81, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_CONFLICT);
	/* The same internal endpoint on a second external port. */
	m = ut_map(6, 8081, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_CONFLICT);
	/* The other protocol's port of the same number is free. */
	m = ut_map(17, 8080, H2, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H2, 2, &m, false), PCTL_UPNP_OK);
	assert_int_equal(upnp_live(t), 2);
}

static void test_reserved_and_out_of_range_ports_conflict(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.n_reserved = 1;
	c.reserved[0] = (struct pctl_reserved_port){6, 8443};
	struct etest *t = et_open(state, &c);
	struct pctl_upnp_map m = ut_map(6, 8443, H, 443, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_CONFLICT);
	m = ut_map(6, 80, H, 80, 3600, NULL); /* below port_min 1024 */
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_CONFLICT);
	m = ut_map(17, 5351, H, 5351, 3600, NULL); /* PCP's own port */
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_CONFLICT);
	assert_int_equal(t->fb.creates, 0);
}

static void test_add_any_prefers_asked_then_internal_port(void **state)
{
	struct etest *t = ut_open(state);
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, true), PCTL_UPNP_OK);
	assert_int_equal(m.ext_port, 8080);
	/* Taken: the internal port, when free. */
	m = ut_map(6, 8080, H2, 5000, 3600, NULL);
	assert_int_equal(ut_add(t, H2, 2, &m, true), PCTL_UPNP_OK);
	assert_int_equal(m.ext_port, 5000);
	/* Both taken: another port from the allocator. */
	m = ut_map(6, 8080, "192.0.2.12", 5000, 3600, NULL);
	assert_int_equal(ut_add(t, "192.0.2.12", 2, &m, true), PCTL_UPNP_OK);
	assert_true(m.ext_port != 8080 && m.ext_port != 5000);
	assert_true(m.ext_port >= 1024);
	/* Wildcard external port: allowed for AddAnyPortMapping. */
	m = ut_map(6, 0, "192.0.2.13", 6000, 3600, NULL);
	assert_int_equal(ut_add(t, "192.0.2.13", 2, &m, true), PCTL_UPNP_OK);
	assert_int_equal(m.ext_port, 6000);
	/* The same endpoint again: its mapping, renewed. */
	m = ut_map(6, 7000, H2, 5000, 3600, NULL);
	assert_int_equal(ut_add(t, H2, 2, &m, true), PCTL_UPNP_OK);
	assert_int_equal(m.ext_port, 5000);
	assert_int_equal(t->fb.creates, 4);
}

static void test_add_any_is_igd2_only(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 1, &m, true), PCTL_UPNP_E_INVALID_ACTION);
	assert_int_equal(et_count(t), 0);
}

static void test_bad_arguments(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(6, 0, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false),
	                 PCTL_UPNP_E_WILDCARD_EXT_PORT);
	assert_int_equal(ut_add(t, H, 1, &m, false),
	                 PCTL_UPNP_E_WILDCARD_EXT_PORT);
	m = ut_map(6, 8080, H, 0, 3600, NULL);
	assert_int_equal(ut_add(t, H, 1, &m, false), PCTL_UPNP_E_INVALID_ARGS);
	assert_int_equal(ut_add(t, H, 2, &m, false),
	                 PCTL_UPNP_E_WILDCARD_INT_PORT);
	assert_int_equal(ut_add(t, H, 2, &m, true),
	                 PCTL_UPNP_E_WILDCARD_INT_PORT);
	m = ut_map(1, 8080, H, 80, 3600, NULL); /* ICMP */
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_INVALID_ARGS);
	m = ut_map(6, 8080, "2001:db8::10", 80, 3600, NULL);
	assert_int_equal(ut_add(t, "2001:db8::10", 2, &m, false),
	                 PCTL_UPNP_E_INVALID_ARGS);
	m = ut_map(6, 8080, "0.0.0.0", 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_INVALID_ARGS);
	/* A disabled entry is not kept (nor forwarded). */
	m = ut_map(6, 8080, H, 80, 3600, NULL);
	m.enabled = false;
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_ACTION_FAILED);
	assert_int_equal(et_count(t), 0);
	assert_int_equal(t->fb.creates, 0);
}

static void test_secure_mode_only_own_address(void **state)
{
	struct etest *t = *state; /* secure mode is the default */
	struct pctl_upnp_map m = ut_map(6, 8080, H2, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false),
	                 PCTL_UPNP_E_NOT_AUTHORIZED);
	assert_int_equal(ut_add(t, H2, 2, &m, false), PCTL_UPNP_OK);
	/* Another host may not delete it, its own host may. */
	assert_int_equal(ut_del(t, H, 8080, 6), PCTL_UPNP_E_NOT_AUTHORIZED);
	assert_int_equal(upnp_live(t), 1);
	assert_int_equal(ut_del(t, H2, 8080, 6), PCTL_UPNP_OK);
	assert_int_equal(upnp_live(t), 0);
}

static void test_secure_mode_off_any_host(void **state)
{
	struct etest *t = ut_open(state);
	struct pctl_upnp_map m = ut_map(6, 8080, H2, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	assert_int_equal(ut_del(t, H, 8080, 6), PCTL_UPNP_OK);
	assert_int_equal(upnp_live(t), 0);
}

static void test_router_itself_not_mapped(void **state)
{
	struct etest *t = ut_open(state);
	pctl_addr self = et_addr("192.0.2.1");
	assert_int_equal(pctl_engine_set_self(t->e, &self, 1), 0);
	struct pctl_upnp_map m = ut_map(6, 8080, "192.0.2.1", 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false),
	                 PCTL_UPNP_E_NOT_AUTHORIZED);
	m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, "192.0.2.1", 2, &m, false),
	                 PCTL_UPNP_E_NOT_AUTHORIZED);
	assert_int_equal(et_count(t), 0);
}

static void test_policy_deny_not_authorized(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	ut_deny(&c, "::ffff:192.0.2.0", 120, 0, 65535, 8000, 8999);
	struct etest *t = et_open(state, &c);
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false),
	                 PCTL_UPNP_E_NOT_AUTHORIZED);
	/* AddAnyPortMapping finds a port the policy allows. */
	m = ut_map(6, 8080, H, 8081, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, true), PCTL_UPNP_OK);
	assert_true(m.ext_port < 8000 || m.ext_port > 8999);
}

static void test_quota_no_port_maps_available(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_per_host = 1;
	struct etest *t = et_open(state, &c);
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	m = ut_map(6, 8081, H, 81, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false),
	                 PCTL_UPNP_E_NO_PORT_MAPS_AVAILABLE);
	assert_int_equal(ut_add(t, H, 2, &m, true),
	                 PCTL_UPNP_E_NO_PORT_MAPS_AVAILABLE);
	/* Renewing what it holds is not over the quota. */
	m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	et_config(&c);
	c.max_mappings = 1;
	struct etest *t2 = et_new(&c);
	assert_int_equal(ut_add(t2, H, 2, &m, false), PCTL_UPNP_OK);
	m = ut_map(6, 8081, H2, 81, 3600, NULL);
	assert_int_equal(ut_add(t2, H2, 2, &m, false),
	                 PCTL_UPNP_E_NO_PORT_MAPS_AVAILABLE);
	et_free(t2);
}

static void test_remote_host_filter_or_wildcard_only(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	m.remote = et_addr("198.51.100.7");
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	assert_int_equal(t->fb.last_n_filters, 1);
	/* Read and delete name the remote host too. */
	assert_int_equal(ut_del(t, H, 8080, 6),
	                 PCTL_UPNP_E_NO_SUCH_ENTRY_IN_ARRAY);
	struct pctl_upnp_req rq = ut_req(t, H, 2);
	assert_int_equal(pctl_upnp_delete(t->e, &rq, &m.remote, 8080, 6),
	                 PCTL_UPNP_OK);

	struct pctl_engine_config c;
	et_config(&c);
	c.filter_enabled = false;
	struct etest *t2 = et_new(&c);
	m = ut_map(6, 8080, H, 80, 3600, NULL);
	m.remote = et_addr("198.51.100.7");
	assert_int_equal(ut_add(t2, H, 2, &m, false),
	                 PCTL_UPNP_E_REMOTE_HOST_WILDCARD_ONLY);
	assert_int_equal(et_count(t2), 0);
	et_free(t2);
}

static uint32_t lease_of(unsigned version, uint32_t lease, uint32_t max)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.max_lifetime = max;
	struct etest *t = et_new(&c);
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, lease, NULL);
	assert_int_equal(ut_add(t, H, version, &m, false), PCTL_UPNP_OK);
	uint32_t left = m.lease_left;
	et_free(t);
	return left;
}

static void test_lease_zero_and_bounds(void **state)
{
	(void)state;
	/* :2: 0 is 604800, as is anything longer; then max_lifetime (at
	 * most 604800 itself, so :1's "permanent" is the same there). */
	assert_int_equal(lease_of(2, 0, 604800), 604800);
	assert_int_equal(lease_of(2, 900000, 604800), 604800);
	assert_int_equal(lease_of(2, 0, 86400), 86400);
	assert_int_equal(lease_of(2, 7200, 86400), 7200);
	/* :1: 0 is permanent, which lives max_lifetime. */
	assert_int_equal(lease_of(1, 0, 604800), 604800);
	assert_int_equal(lease_of(1, 0, 86400), 86400);
	assert_int_equal(lease_of(1, 7200, 86400), 7200);
	/* Short leases get min_lifetime (S-50). */
	assert_int_equal(lease_of(2, 10, 86400), 120);
}

static void test_mapping_expires(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	t->now += 601000;
	pctl_engine_tick(t->e, t->now);
	assert_int_equal(upnp_live(t), 0);
	assert_int_equal(t->fb.removes, 1);
}

static void test_delete_and_get_missing(void **state)
{
	struct etest *t = *state;
	assert_int_equal(ut_del(t, H, 8080, 6),
	                 PCTL_UPNP_E_NO_SUCH_ENTRY_IN_ARRAY);
	assert_int_equal(ut_del(t, H, 8080, 1), PCTL_UPNP_E_INVALID_ARGS);
	assert_int_equal(ut_del(t, H, 0, 6), PCTL_UPNP_E_INVALID_ARGS);
	struct pctl_upnp_map g = ut_map(6, 8080, H, 0, 0, NULL);
	struct pctl_upnp_req rq = ut_req(t, H, 2);
	assert_int_equal(pctl_upnp_get(t->e, &rq, &g),
	                 PCTL_UPNP_E_NO_SUCH_ENTRY_IN_ARRAY);
	g.protocol = 1;
	assert_int_equal(pctl_upnp_get(t->e, &rq, &g),
	                 PCTL_UPNP_E_INVALID_ARGS);
}

/* S-52 under the Simple Threat Model: a delete of a mapping its traffic
 * keeps alive shortens it instead. */
static void test_delete_keeps_busy_mapping_under_threat_model(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.simple_threat_model = true;
	struct etest *t = et_open(state, &c);
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	t->fb.idle = 300;
	assert_int_equal(ut_del(t, H, 8080, 6), PCTL_UPNP_OK);
	assert_int_equal(upnp_live(t), 1);
	struct pctl_upnp_map g = ut_map(6, 8080, H, 0, 0, NULL);
	struct pctl_upnp_req rq = ut_req(t, H, 2);
	assert_int_equal(pctl_upnp_get(t->e, &rq, &g), PCTL_UPNP_OK);
	assert_int_equal(g.lease_left, 300);
	t->fb.fail_idle.times = FAKE_DP_ALWAYS;
	assert_int_equal(ut_del(t, H, 8080, 6), PCTL_UPNP_E_ACTION_FAILED);
}

static void test_backend_failure_changes_nothing(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	t->fb.fail_commit.times = 1;
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_ACTION_FAILED);
	assert_int_equal(et_count(t), 0);
	/* The port is free again. */
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	t->fb.fail_commit.times = 1;
	assert_int_equal(ut_del(t, H, 8080, 6), PCTL_UPNP_E_ACTION_FAILED);
	assert_int_equal(upnp_live(t), 1);
}

static void test_external_ip(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_req rq = ut_req(t, H, 2);
	pctl_addr a;
	assert_int_equal(pctl_upnp_external_ip(t->e, &rq, &a), PCTL_UPNP_OK);
	assert_true(pctl_addr_equal(&a, &t->cfg.ext_addrs[0]));
	assert_int_equal(pctl_engine_set_external(t->e, NULL, 0, t->now), 0);
	assert_int_equal(pctl_upnp_external_ip(t->e, &rq, &a),
	                 PCTL_UPNP_E_ACTION_FAILED);
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_ACTION_FAILED);
}

static void test_admit_shares_the_rate_limit(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.rate_per_sec = 10;
	c.rate_burst = 5;
	struct etest *t = et_open(state, &c);
	pctl_addr src = et_addr(H);
	int admitted = 0;
	for (int i = 0; i < 20; i++)
		admitted += pctl_upnp_admit(t->e, &src, t->now);
	assert_int_equal(admitted, 5);
	struct pctl_engine_stats s;
	pctl_engine_get_stats(t->e, &s);
	assert_int_equal(s.rate_limited, 15);
	/* The same subscriber's datagrams are out of tokens too. */
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	assert_int_equal(et_send(t, H, &r), 0);
	/* Another subscriber is not. */
	pctl_addr other = et_addr(H2);
	assert_true(pctl_upnp_admit(t->e, &other, t->now));
}

static void test_description_cut_at_character(void **state)
{
	struct etest *t = *state; /* description_max 128 */
	char d[PCTL_UPNP_DESC_MAX + 1];
	memset(d, 'a', 127);
	d[127] = (char)0xc3; /* U+00E9 across the 128-byte limit */
	d[128] = (char)0xa9;
	d[129] = 0;
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, d);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	struct pctl_upnp_map g = ut_map(6, 8080, H, 0, 0, NULL);
	struct pctl_upnp_req rq = ut_req(t, H, 2);
	assert_int_equal(pctl_upnp_get(t->e, &rq, &g), PCTL_UPNP_OK);
	assert_int_equal(strlen(g.desc), 127);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST(test_add_exact_port_and_read_it_back),
	    ET_TEST(test_add_again_renews_and_updates_description),
	    ET_TEST_CFG(test_external_port_taken_is_a_conflict),
	    ET_TEST_CFG(test_reserved_and_out_of_range_ports_conflict),
	    ET_TEST_CFG(test_add_any_prefers_asked_then_internal_port),
	    ET_TEST(test_add_any_is_igd2_only),
	    ET_TEST(test_bad_arguments),
	    ET_TEST(test_secure_mode_only_own_address),
	    ET_TEST_CFG(test_secure_mode_off_any_host),
	    ET_TEST_CFG(test_router_itself_not_mapped),
	    ET_TEST_CFG(test_policy_deny_not_authorized),
	    ET_TEST_CFG(test_quota_no_port_maps_available),
	    ET_TEST(test_remote_host_filter_or_wildcard_only),
	    cmocka_unit_test(test_lease_zero_and_bounds),
	    ET_TEST(test_mapping_expires),
	    ET_TEST(test_delete_and_get_missing),
	    ET_TEST_CFG(test_delete_keeps_busy_mapping_under_threat_model),
	    ET_TEST(test_backend_failure_changes_nothing),
	    ET_TEST(test_external_ip),
	    ET_TEST_CFG(test_admit_shares_the_rate_limit),
	    ET_TEST(test_description_cut_at_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
