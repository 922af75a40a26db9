/*
 * UPnP IGD IPv6 pinholes (WANIPv6FirewallControl:1, server/upnp.h) on the
 * real engine: AddPinhole, UpdatePinhole, DeletePinhole, the pinhole read
 * and CheckPinholeWorking - successes, error codes and UniqueIDs.
 */
#include "utest.h"

static const char *H = "2001:db8::10";
static const char *H2 = "2001:db8:1::11";

static struct pctl_upnp_pinhole ut_ph(const char *client, uint16_t port,
                                      uint8_t proto, uint32_t lease)
{
	struct pctl_upnp_pinhole ph;
	memset(&ph, 0, sizeof(ph));
	ph.int_addr = et_addr(client);
	ph.int_port = port;
	ph.protocol = proto;
	ph.lease = lease;
	return ph;
}

static int ph_add(struct etest *t, const char *src,
                  struct pctl_upnp_pinhole *ph)
{
	struct pctl_upnp_req rq = ut_req(t, src, 1);
	return pctl_upnp_pinhole_add(t->e, &rq, ph);
}

static int ph_update(struct etest *t, const char *src, uint16_t uid,
                     uint32_t lease)
{
	struct pctl_upnp_req rq = ut_req(t, src, 1);
	return pctl_upnp_pinhole_update(t->e, &rq, uid, lease);
}

static int ph_delete(struct etest *t, const char *src, uint16_t uid)
{
	struct pctl_upnp_req rq = ut_req(t, src, 1);
	return pctl_upnp_pinhole_delete(t->e, &rq, uid);
}

static int ph_get(struct etest *t, const char *src, uint16_t uid,
                  struct pctl_upnp_pinhole *ph)
{
	struct pctl_upnp_req rq = ut_req(t, src, 1);
	return pctl_upnp_pinhole_get(t->e, &rq, uid, ph);
}

static int ph_check(struct etest *t, const char *src, uint16_t uid)
{
	struct pctl_upnp_req rq = ut_req(t, src, 1);
	return pctl_upnp_pinhole_check(t->e, &rq, uid);
}

static void test_add_pinhole_no_nat66(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_pinhole ph = ut_ph(H, 443, 6, 3600);
	ph.remote = et_addr("2001:db8:ffff::7");
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_OK);
	assert_true(ph.uid != 0);
	assert_int_equal(ph.lease_left, 3600);
	assert_int_equal(t->fb.creates, 1);
	assert_int_equal(t->fb.last.kind, PCTL_MK_UPNP);
	assert_true(pctl_addr_equal(&t->fb.last.ext_addr, &ph.int_addr));
	assert_int_equal(t->fb.last.ext_port, 443);
	assert_int_equal(t->fb.last_n_filters, 1);

	struct pctl_upnp_pinhole g;
	t->now += 5000;
	assert_int_equal(ph_get(t, H, ph.uid, &g), PCTL_UPNP_OK);
	assert_true(pctl_addr_equal(&g.remote, &ph.remote));
	assert_int_equal(g.int_port, 443);
	assert_int_equal(g.protocol, 6);
	assert_int_equal(g.uid, ph.uid);
	assert_int_equal(g.lease_left, 3595);
	/* Not a port mapping: GetGenericPortMappingEntry does not list it. */
	struct pctl_upnp_map m;
	struct pctl_upnp_req rq = ut_req(t, H, 2);
	assert_int_equal(pctl_upnp_get_index(t->e, &rq, 0, &m),
	                 PCTL_UPNP_E_ARRAY_INDEX_INVALID);
}

static void test_uid_stable_and_unique(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_pinhole a = ut_ph(H, 443, 6, 3600);
	struct pctl_upnp_pinhole b = ut_ph(H, 444, 6, 3600);
	struct pctl_upnp_pinhole c = ut_ph(H, 443, 17, 3600);
	assert_int_equal(ph_add(t, H, &a), PCTL_UPNP_OK);
	assert_int_equal(ph_add(t, H, &b), PCTL_UPNP_OK);
	assert_int_equal(ph_add(t, H, &c), PCTL_UPNP_OK);
	assert_true(a.uid != b.uid && b.uid != c.uid && a.uid != c.uid);
	/* Adding it again: the same pinhole, the same id, renewed. */
	struct pctl_upnp_pinhole a2 = ut_ph(H, 443, 6, 7200);
	assert_int_equal(ph_add(t, H, &a2), PCTL_UPNP_OK);
	assert_int_equal(a2.uid, a.uid);
	assert_int_equal(a2.lease_left, 7200);
	assert_int_equal(t->fb.creates, 3);
	/* Others come and go: a's id stays and is never given again. */
	assert_int_equal(ph_delete(t, H, b.uid), PCTL_UPNP_OK);
	struct pctl_upnp_pinhole d = ut_ph(H, 445, 6, 3600);
	assert_int_equal(ph_add(t, H, &d), PCTL_UPNP_OK);
	assert_true(d.uid != a.uid && d.uid != c.uid);
	assert_int_equal(ph_update(t, H, a.uid, 600), PCTL_UPNP_OK);
	struct pctl_upnp_pinhole g;
	assert_int_equal(ph_get(t, H, a.uid, &g), PCTL_UPNP_OK);
	assert_int_equal(g.int_port, 443);
	assert_int_equal(g.lease_left, 600);
}

static void test_update_delete_and_missing(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_pinhole ph = ut_ph(H, 443, 6, 3600);
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_OK);
	assert_int_equal(ph_update(t, H, ph.uid, 0), PCTL_UPNP_E_INVALID_ARGS);
	assert_int_equal(ph_update(t, H, ph.uid, 86401),
	                 PCTL_UPNP_E_INVALID_ARGS);
	assert_int_equal(ph_update(t, H, ph.uid, 86400), PCTL_UPNP_OK);
	assert_int_equal(t->fb.refreshes, 1);
	assert_int_equal(ph_delete(t, H, ph.uid), PCTL_UPNP_OK);
	assert_int_equal(et_count(t), 0);
	assert_int_equal(ph_delete(t, H, ph.uid), PCTL_UPNP_E_NO_SUCH_ENTRY);
	assert_int_equal(ph_update(t, H, ph.uid, 60),
	                 PCTL_UPNP_E_NO_SUCH_ENTRY);
	struct pctl_upnp_pinhole g;
	assert_int_equal(ph_get(t, H, ph.uid, &g), PCTL_UPNP_E_NO_SUCH_ENTRY);
	assert_int_equal(ph_check(t, H, 0), PCTL_UPNP_E_NO_SUCH_ENTRY);
}

static void test_pinhole_expires(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_pinhole ph = ut_ph(H, 443, 6, 600);
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_OK);
	t->now += 601000;
	struct pctl_upnp_pinhole g;
	assert_int_equal(ph_get(t, H, ph.uid, &g), PCTL_UPNP_E_NO_SUCH_ENTRY);
	assert_int_equal(t->fb.removes, 1);
}

static void test_add_pinhole_errors(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_pinhole ph = ut_ph(H, 443, 6, 0);
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_E_INVALID_ARGS);
	ph = ut_ph(H, 443, 6, 86401);
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_E_INVALID_ARGS);
	ph = ut_ph(H, 443, 0, 3600);
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_E_PROTOCOL_WILDCARD);
	ph = ut_ph(H, 443, 136, 3600); /* UDP-Lite */
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_E_PROTOCOL_NOT_SUPPORTED);
	ph = ut_ph(H, 0, 6, 3600);
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_E_INTERNAL_PORT_WILDCARD);
	ph = ut_ph("192.0.2.10", 443, 6, 3600);
	assert_int_equal(ph_add(t, "192.0.2.10", &ph),
	                 PCTL_UPNP_E_INVALID_ARGS);
	ph = ut_ph("::", 443, 6, 3600);
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_E_INVALID_ARGS);
	ph = ut_ph(H, 443, 6, 3600);
	ph.remote_port = 80; /* a port without a host: no filter for it */
	assert_int_equal(ph_add(t, H, &ph),
	                 PCTL_UPNP_E_INBOUND_PINHOLE_NOT_ALLOWED);
	assert_int_equal(et_count(t), 0);

	struct pctl_engine_config c;
	et_config(&c);
	c.filter_enabled = false;
	c.max_per_host = 1;
	t = et_open(state, &c);
	ph = ut_ph(H, 443, 6, 3600);
	ph.remote = et_addr("2001:db8:ffff::7");
	assert_int_equal(ph_add(t, H, &ph),
	                 PCTL_UPNP_E_INBOUND_PINHOLE_NOT_ALLOWED);
	ph = ut_ph(H, 443, 6, 3600);
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_OK);
	ph = ut_ph(H, 444, 6, 3600);
	assert_int_equal(ph_add(t, H, &ph),
	                 PCTL_UPNP_E_PINHOLE_SPACE_EXHAUSTED);
}

static void test_secure_mode_own_pinholes_only(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_pinhole ph = ut_ph(H, 443, 6, 3600);
	assert_int_equal(ph_add(t, H2, &ph), PCTL_UPNP_E_NOT_AUTHORIZED);
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_OK);
	struct pctl_upnp_pinhole g;
	assert_int_equal(ph_update(t, H2, ph.uid, 60),
	                 PCTL_UPNP_E_NOT_AUTHORIZED);
	assert_int_equal(ph_delete(t, H2, ph.uid), PCTL_UPNP_E_NOT_AUTHORIZED);
	assert_int_equal(ph_get(t, H2, ph.uid, &g), PCTL_UPNP_E_NOT_AUTHORIZED);
	assert_int_equal(ph_check(t, H2, ph.uid), PCTL_UPNP_E_NOT_AUTHORIZED);
	assert_int_equal(et_count(t), 1);

	t = ut_open(state);
	ph = ut_ph(H, 443, 6, 3600);
	assert_int_equal(ph_add(t, H2, &ph), PCTL_UPNP_OK);
	assert_int_equal(ph_update(t, H2, ph.uid, 60), PCTL_UPNP_OK);
	assert_int_equal(ph_delete(t, H2, ph.uid), PCTL_UPNP_OK);
}

static void test_router_and_policy_refused(void **state)
{
	struct pctl_engine_config c;
	et_config(&c);
	ut_deny(&c, "2001:db8::", 64, 22, 22, 0, 65535);
	struct etest *t = et_open(state, &c);
	pctl_addr self = et_addr("2001:db8::1");
	assert_int_equal(pctl_engine_set_self(t->e, &self, 1), 0);
	struct pctl_upnp_pinhole ph = ut_ph("2001:db8::1", 443, 6, 3600);
	assert_int_equal(ph_add(t, "2001:db8::1", &ph),
	                 PCTL_UPNP_E_NOT_AUTHORIZED);
	ph = ut_ph(H, 22, 6, 3600);
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_E_NOT_AUTHORIZED);
	assert_int_equal(et_count(t), 0);
}

static void test_check_pinhole_working(void **state)
{
	struct etest *t = *state;
	struct pctl_upnp_pinhole ph = ut_ph(H, 443, 6, 3600);
	assert_int_equal(ph_add(t, H, &ph), PCTL_UPNP_OK);
	t->fb.idle = 0;
	assert_int_equal(ph_check(t, H, ph.uid),
	                 PCTL_UPNP_E_NO_TRAFFIC_RECEIVED);
	t->fb.idle = 30;
	assert_int_equal(ph_check(t, H, ph.uid), PCTL_UPNP_OK);
	assert_int_equal(t->fb.idle_asked.int_port, 443);
	t->fb.fail_idle.times = FAKE_DP_ALWAYS;
	assert_int_equal(ph_check(t, H, ph.uid), PCTL_UPNP_E_ACTION_FAILED);
}

/* A data plane without traffic information cannot tell: 501. */
static void test_check_without_traffic_info(void **state)
{
	struct etest *t = *state;
	struct pctl_backend_ops blind = *t->be.ops;
	blind.idle_left = NULL;
	struct pctl_backend be = {.ops = &blind, .ctx = &t->fb};
	struct pctl_engine *e = pctl_engine_new(&t->cfg, &be, t->now);
	assert_non_null(e);
	struct pctl_upnp_req rq = ut_req(t, H, 1);
	struct pctl_upnp_pinhole ph = ut_ph(H, 443, 6, 3600);
	assert_int_equal(pctl_upnp_pinhole_add(e, &rq, &ph), PCTL_UPNP_OK);
	assert_int_equal(pctl_upnp_pinhole_check(e, &rq, ph.uid),
	                 PCTL_UPNP_E_ACTION_FAILED);
	assert_int_equal(t->fb.idle_calls, 0);
	pctl_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST(test_add_pinhole_no_nat66),
	    ET_TEST(test_uid_stable_and_unique),
	    ET_TEST(test_update_delete_and_missing),
	    ET_TEST(test_pinhole_expires),
	    ET_TEST(test_add_pinhole_errors),
	    ET_TEST(test_secure_mode_own_pinholes_only),
	    ET_TEST_CFG(test_router_and_policy_refused),
	    ET_TEST(test_check_pinhole_working),
	    ET_TEST(test_check_without_traffic_info),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
