/*
 * Issue 11: one table for PCP, NAT-PMP and UPnP IGD.  A port taken through
 * one protocol is taken for the others; no protocol takes over or deletes
 * another's mapping.
 */
#include "utest.h"

static const char *H = "192.0.2.10";
static const char *H2 = "192.0.2.11";

static uint16_t pcp_map(struct etest *t, const char *src, uint8_t proto,
                        uint16_t iport, uint16_t sport, uint32_t lifetime)
{
	struct req r;
	req_map(&r, .client = src, .nonce = 1, .protocol = proto,
	        .int_port = iport, .ext_port = sport, .lifetime = lifetime);
	assert_true(et_send(t, src, &r) > 0);
	return RESULT(t) == PCTL_R_SUCCESS ? EXTPORT(t) : 0;
}

static void test_pcp_port_refused_to_upnp(void **state)
{
	struct etest *t = *state;
	assert_int_equal(pcp_map(t, H2, 6, 80, 40000, 600), 40000);
	struct pctl_upnp_map m = ut_map(6, 40000, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_CONFLICT);
	assert_int_equal(ut_add(t, H, 2, &m, true), PCTL_UPNP_OK);
	assert_true(m.ext_port != 40000);
	/* NAT-PMP's port and its companion reservation (N-8) alike. */
	struct req r;
	req_natpmp_map(&r, true, 4000, 41000, 3600);
	et_send(t, H2, &r);
	assert_int_equal(t->nresp.external_port, 41000);
	m = ut_map(17, 41000, H, 81, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_CONFLICT);
	m = ut_map(6, 41000, H, 81, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_CONFLICT);
	/* A port cooling after another host's mapping (S-53). */
	assert_int_equal(pcp_map(t, H2, 6, 90, 42000, 600), 42000);
	assert_int_equal(pcp_map(t, H2, 6, 90, 0, 0), 0);
	m = ut_map(6, 42000, H, 90, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_CONFLICT);
}

static void test_upnp_port_refused_to_pcp_and_natpmp(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	uint16_t p = pcp_map(t, H2, 6, 80, 8080, 600);
	assert_true(p != 0 && p != 8080);
	struct req r;
	req_map(&r, .client = H2, .nonce = 2, .protocol = 6, .int_port = 81,
	        .ext_port = 8080, .ext_addr = "203.0.113.1", .lifetime = 600);
	req_opt(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	et_send(t, H2, &r);
	assert_int_equal(RESULT(t), PCTL_R_CANNOT_PROVIDE_EXTERNAL);
	req_natpmp_map(&r, false, 82, 8080, 3600);
	et_send(t, H2, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_SUCCESS);
	assert_true(t->nresp.external_port != 8080);
}

static void test_pcp_and_natpmp_do_not_take_over_upnp(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	/* PCP MAP of the same internal endpoint: renew or delete. */
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_in_range(LIFETIME(t), 3599, 3600);
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 80,
	        .lifetime = 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	/* NAT-PMP: map, delete one, delete all. */
	req_natpmp_map(&r, false, 80, 0, 600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NOT_AUTHORIZED);
	req_natpmp_map(&r, false, 80, 0, 0);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NOT_AUTHORIZED);
	req_natpmp_map(&r, false, 0, 0, 0);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_SUCCESS);
	assert_int_equal(et_count(t), 1);
	assert_int_equal(t->fb.removes, 0);
	assert_int_equal(t->fb.refreshes, 0);
}

/* a PORT_SET over a UPnP mapping answers NOT_AUTHORIZED (not
 * taken over) and creates nothing. */
static void test_pcp_port_set_over_upnp_not_authorized(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(17, 50001, H, 50001, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 17, .int_port = 50001,
	        .lifetime = 600);
	uint8_t b[PCTL_PORT_SET_LEN];
	struct pctl_port_set ps = {5, 50001, false};
	pctl_port_set_pack(&ps, b);
	req_opt(&r, PCTL_OPT_PORT_SET, b, PCTL_PORT_SET_LEN);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(et_count(t), 1);
}

static void test_upnp_never_touches_other_protocols(void **state)
{
	struct etest *t = ut_open(state); /* even with secure mode off */
	assert_int_equal(pcp_map(t, H, 6, 80, 40000, 600), 40000);
	struct req r;
	req_natpmp_map(&r, false, 81, 40001, 600);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.external_port, 40001);
	struct pctl_mapping_info si;
	memset(&si, 0, sizeof(si));
	si.kind = PCTL_MK_STATIC;
	si.protocol = 6;
	si.int_addr = et_addr(H);
	si.int_port = 82;
	si.ext_addr = et_addr("203.0.113.1");
	si.ext_port = 40002;
	si.port_count = 1;
	assert_int_equal(pctl_engine_restore(t->e, &si, t->now, NULL), 0);
	for (uint16_t p = 40000; p <= 40002; p++)
		assert_int_equal(ut_del(t, H, p, 6),
		                 PCTL_UPNP_E_NOT_AUTHORIZED);
	/* Nor a PEER's external endpoint, which stands for its MAP. */
	struct pctl_upnp_map g = ut_map(6, 40000, H, 0, 0, NULL);
	struct pctl_upnp_req rq = ut_req(t, H, 2);
	assert_int_equal(pctl_upnp_get(t->e, &rq, &g),
	                 PCTL_UPNP_E_NO_SUCH_ENTRY_IN_ARRAY);
	assert_int_equal(et_count(t), 3);
	assert_int_equal(t->fb.removes, 0);
	/* Nor is their internal endpoint UPnP's to map again. */
	struct pctl_upnp_map m = ut_map(6, 45000, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_E_CONFLICT);
	assert_int_equal(ut_add(t, H, 2, &m, true), PCTL_UPNP_E_CONFLICT);
}

/* A reload whose policy forbids a UPnP mapping removes it like others. */
static void test_reload_removes_what_policy_forbids(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	m = ut_map(6, 9090, H, 90, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	struct pctl_engine_config c = t->cfg;
	ut_deny(&c, "::ffff:192.0.2.0", 120, 0, 65535, 8000, 8999);
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), 1);
	struct pctl_upnp_map g;
	struct pctl_upnp_req rq = ut_req(t, H, 2);
	assert_int_equal(pctl_upnp_get_index(t->e, &rq, 0, &g), PCTL_UPNP_OK);
	assert_int_equal(g.ext_port, 9090);
	assert_int_equal(pctl_upnp_get_index(t->e, &rq, 1, &g),
	                 PCTL_UPNP_E_ARRAY_INDEX_INVALID);
}

/* upnp_enabled off (`upnp no`): a reconfiguration removes the UPnP
 * mappings and keeps the others; no UPnP request is admitted. */
static void test_upnp_off_removes_upnp_mappings(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_map m = ut_map(6, 8080, H, 80, 3600, NULL);
	assert_int_equal(ut_add(t, H, 2, &m, false), PCTL_UPNP_OK);
	assert_int_equal(pcp_map(t, H2, 6, 90, 42000, 600), 42000);
	struct pctl_engine_config c = t->cfg;
	c.upnp_enabled = false;
	assert_int_equal(pctl_engine_reconfigure(t->e, &c, t->now), 1);
	struct pctl_engine_stats st;
	pctl_engine_get_stats(t->e, &st);
	assert_int_equal(st.mappings[PCTL_MK_UPNP], 0);
	assert_int_equal(st.mappings[PCTL_MK_MAP], 1);
	pctl_addr src = et_addr(H);
	assert_false(pctl_upnp_admit(t->e, &src, t->now));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST(test_pcp_port_refused_to_upnp),
	    ET_TEST(test_upnp_port_refused_to_pcp_and_natpmp),
	    ET_TEST(test_pcp_and_natpmp_do_not_take_over_upnp),
	    ET_TEST(test_pcp_port_set_over_upnp_not_authorized),
	    ET_TEST_CFG(test_upnp_never_touches_other_protocols),
	    ET_TEST(test_reload_removes_what_policy_forbids),
	    ET_TEST(test_upnp_off_removes_upnp_mappings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
