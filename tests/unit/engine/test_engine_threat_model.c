/*
 * The Simple Threat Model (RFC 6887 sections 15 and 18.1) at the engine
 * level: S-100 (explicit lifetimes no longer than implicit ones, no
 * THIRD_PARTY) and S-52 (no request ends a mapping sooner than the traffic
 * on it would), for PCP MAP and NAT-PMP.  The fake backend's idle_left
 * plays the traffic the data plane saw.
 */
#include "etest.h"

#include <string.h>

static const char *H = "192.0.2.10";

static struct pctl_engine_config simple_config(void)
{
	struct pctl_engine_config c;
	et_config(&c);
	c.simple_threat_model = true;
	return c;
}

static struct etest *simple(void **state)
{
	struct pctl_engine_config c = simple_config();
	return et_open(state, &c);
}

/* A MAP from H with nonce 1; asserts SUCCESS and returns the lifetime. */
static uint32_t map(struct etest *t, uint8_t proto, uint16_t port,
                    uint32_t lifetime)
{
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = proto,
	        .int_port = port, .lifetime = lifetime);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	return LIFETIME(t);
}

static void test_s100_lifetimes_capped_at_implicit_ones(void **state)
{
	struct etest *t = simple(state);
	assert_int_equal(map(t, 17, 5000, 3600), 120);    /* UDP, RFC 4787 */
	assert_int_equal(map(t, 6, 5001, 86400), 7440);   /* TCP, RFC 5382 */
	assert_int_equal(map(t, 132, 5002, 86400), 7440); /* SCTP */
	assert_int_equal(map(t, 33, 5003, 86400), 7440);  /* DCCP */
	assert_int_equal(map(t, 6, 5004, 600), 600); /* shorter: as asked */
	assert_int_equal(t->fb.last.lifetime, 600);

	/* Configurable, and the relaxed default keeps max_lifetime. */
	struct pctl_engine_config c = simple_config();
	c.implicit_lifetime_udp = 300;
	t = et_open(state, &c);
	assert_int_equal(map(t, 17, 5000, 3600), 300);
	t = et_open(state, NULL);
	assert_int_equal(map(t, 17, 5000, 3600), 3600);
}

static void test_s100_all_protocols_get_the_shortest(void **state)
{
	struct pctl_engine_config c = simple_config();
	c.allow_all_protocols = true;
	c.allow_all_ports = true;
	c.implicit_lifetime_dccp = 200;
	struct etest *t = et_open(state, &c);
	struct req r;
	/* A pinhole (IPv6): protocol 0, port 0. */
	req_map(&r, .client = "2001:db8::10", .nonce = 1, .protocol = 0,
	        .int_port = 0, .lifetime = 3600);
	et_send(t, "2001:db8::10", &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(LIFETIME(t), 120);
}

static void test_s100_natpmp_lifetime_capped(void **state)
{
	struct etest *t = simple(state);
	struct req r;
	req_natpmp_map(&r, true, 4000, 0, 7200);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_SUCCESS);
	assert_int_equal(t->nresp.lifetime, 120);
	req_natpmp_map(&r, false, 4000, 0, 7200);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.lifetime, 7200); /* TCP: 7440 allows it */
}

static void test_s100_third_party_and_short_implicit_rejected(void **state)
{
	(void)state;
	char err[160];
	struct pctl_engine_config c = simple_config();
	assert_int_equal(pctl_engine_config_check(&c, err, sizeof(err)), 0);
	c.n_third_party_acl = 1;
	c.third_party_acl[0].addr = et_addr("192.0.2.0");
	c.third_party_acl[0].len = 120;
	assert_int_equal(pctl_engine_config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "THIRD_PARTY"));
	assert_null(pctl_engine_new(&c, NULL, 0));

	c = simple_config();
	c.min_lifetime = 300; /* above UDP's 120 */
	assert_int_equal(pctl_engine_config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "min_lifetime"));
	c.simple_threat_model = false; /* relaxed: no constraint */
	assert_int_equal(pctl_engine_config_check(&c, err, sizeof(err)), 0);

	c = simple_config();
	c.implicit_lifetime_tcp = 0;
	assert_int_equal(pctl_engine_config_check(&c, err, sizeof(err)), -1);
}

static void test_s52_delete_deferred_while_traffic_keeps_it(void **state)
{
	struct etest *t = simple(state);
	map(t, 6, 8080, 3600);
	uint16_t ext = EXTPORT(t);
	t->fb.idle = 90;
	int refreshes = t->fb.refreshes;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 0);
	et_send(t, H, &r);
	/* S-52: the delete becomes a shortening to the traffic's time. */
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(LIFETIME(t), 90);
	assert_int_equal(EXTPORT(t), ext);
	assert_int_equal(et_count(t), 1);
	assert_int_equal(t->fb.refreshes, refreshes + 1);
	assert_int_equal(t->fb.last.lifetime, 90);
	/* It was asked about this mapping. */
	assert_int_equal(t->fb.idle_calls, 1);
	assert_int_equal(t->fb.idle_asked.int_port, 8080);
	assert_int_equal(t->fb.idle_asked.ext_port, ext);
	assert_int_equal(t->fb.idle_asked.protocol, 6);

	/* Traffic that would outlast the mapping does not lengthen it: the
	 * delete leaves the 90 s it has (S-51: traffic does not extend). */
	t->now += 30000;
	t->fb.idle = 5000;
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(LIFETIME(t), 60);
	assert_int_equal(et_count(t), 1);

	/* Idle now: the delete deletes. */
	t->fb.idle = 0;
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(LIFETIME(t), 0);
	assert_int_equal(et_count(t), 0);
}

static void test_s52_shorter_lifetime_raised_to_traffic(void **state)
{
	struct etest *t = simple(state);
	map(t, 6, 8080, 7000);
	t->fb.idle = 5000;
	assert_int_equal(map(t, 6, 8080, 200), 5000);
	assert_int_equal(t->fb.idle_calls, 1);
	/* Traffic keeps it less long than asked: as asked. */
	t->fb.idle = 100;
	assert_int_equal(map(t, 6, 8080, 300), 300);
	/* Not shortening: the backend is not asked. */
	int calls = t->fb.idle_calls;
	assert_int_equal(map(t, 6, 8080, 7000), 7000);
	assert_int_equal(t->fb.idle_calls, calls);
}

static void test_s52_relaxed_model_deletes_at_once(void **state)
{
	struct etest *t = *state;
	map(t, 6, 8080, 3600);
	t->fb.idle = 90;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_SUCCESS);
	assert_int_equal(LIFETIME(t), 0);
	assert_int_equal(et_count(t), 0);
	assert_int_equal(t->fb.idle_calls, 0);
}

static void test_s52_backend_unable_to_tell_changes_nothing(void **state)
{
	struct etest *t = simple(state);
	map(t, 6, 8080, 3600);
	t->fb.fail_idle.times = FAKE_DP_ALWAYS;
	int refreshes = t->fb.refreshes, removes = t->fb.removes;
	struct req r;
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 0);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NETWORK_FAILURE); /* S-15 */
	req_map(&r, .client = H, .nonce = 1, .protocol = 6, .int_port = 8080,
	        .lifetime = 200);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NETWORK_FAILURE);
	assert_int_equal(et_count(t), 1);
	assert_int_equal(t->fb.refreshes, refreshes);
	assert_int_equal(t->fb.removes, removes);
	/* Its lifetime is untouched: a foreign nonce learns it. */
	t->now += 1000;
	req_map(&r, .client = H, .nonce = 2, .protocol = 6, .int_port = 8080,
	        .lifetime = 600);
	et_send(t, H, &r);
	assert_int_equal(RESULT(t), PCTL_R_NOT_AUTHORIZED);
	assert_int_equal(LIFETIME(t), 3599);
}

static void test_s52_natpmp_delete_deferred(void **state)
{
	struct etest *t = simple(state);
	struct req r;
	req_natpmp_map(&r, false, 4000, 0, 3600);
	et_send(t, H, &r);
	uint16_t ext = t->nresp.external_port;
	t->fb.idle = 60;
	req_natpmp_map(&r, false, 4000, 0, 0);
	et_send(t, H, &r);
	/* Not deleted: the reply tells the port and the time left. */
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_SUCCESS);
	assert_int_equal(t->nresp.internal_port, 4000);
	assert_int_equal(t->nresp.external_port, ext);
	assert_int_equal(t->nresp.lifetime, 60);
	assert_int_equal(et_count(t), 1);
	/* A shorter renewal is raised likewise, up to what it had. */
	t->fb.idle = 500;
	req_natpmp_map(&r, false, 4000, 0, 10);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.lifetime, 60);
	t->fb.idle = 40;
	req_natpmp_map(&r, false, 4000, 0, 10);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.lifetime, 40);
	/* Idle: N-9's usual reply. */
	t->fb.idle = 0;
	req_natpmp_map(&r, false, 4000, 0, 0);
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_SUCCESS);
	assert_int_equal(t->nresp.external_port, 0);
	assert_int_equal(t->nresp.lifetime, 0);
	assert_int_equal(et_count(t), 0);
}

static void test_s52_natpmp_delete_all_refused_while_one_is_busy(void **state)
{
	struct etest *t = simple(state);
	struct req r;
	for (uint16_t p = 4000; p < 4003; p++) {
		req_natpmp_map(&r, false, p, 0, 3600);
		et_send(t, H, &r);
		assert_int_equal(t->nresp.result, PCTL_NATPMP_R_SUCCESS);
	}
	t->fb.idle = 60;
	t->fb.idle_port = 4001;
	int refreshes = t->fb.refreshes, removes = t->fb.removes;
	req_natpmp_map(&r, false, 0, 0, 0);
	et_send(t, H, &r);
	/* N-9: non-zero when any could not be deleted; all or nothing. */
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NOT_AUTHORIZED);
	assert_int_equal(et_count(t), 3);
	assert_int_equal(t->fb.live, 3);
	assert_int_equal(t->fb.refreshes, refreshes);
	assert_int_equal(t->fb.removes, removes);
	/* When the backend cannot tell, nothing changes either. */
	t->fb.fail_idle.times = FAKE_DP_ALWAYS;
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_NETWORK_FAILURE);
	assert_int_equal(et_count(t), 3);
	/* All idle: all go. */
	t->fb.fail_idle.times = 0;
	t->fb.idle = 0;
	et_send(t, H, &r);
	assert_int_equal(t->nresp.result, PCTL_NATPMP_R_SUCCESS);
	assert_int_equal(et_count(t), 0);
	assert_int_equal(t->fb.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    ET_TEST_CFG(test_s100_lifetimes_capped_at_implicit_ones),
	    ET_TEST_CFG(test_s100_all_protocols_get_the_shortest),
	    ET_TEST_CFG(test_s100_natpmp_lifetime_capped),
	    cmocka_unit_test(test_s100_third_party_and_short_implicit_rejected),
	    ET_TEST_CFG(test_s52_delete_deferred_while_traffic_keeps_it),
	    ET_TEST_CFG(test_s52_shorter_lifetime_raised_to_traffic),
	    ET_TEST(test_s52_relaxed_model_deletes_at_once),
	    ET_TEST_CFG(test_s52_backend_unable_to_tell_changes_nothing),
	    ET_TEST_CFG(test_s52_natpmp_delete_deferred),
	    ET_TEST_CFG(test_s52_natpmp_delete_all_refused_while_one_is_busy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
