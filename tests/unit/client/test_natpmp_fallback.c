/*
 * Version negotiation (C-50, N-20): PCP first; a NAT-PMP server's 8-octet
 * UNSUPP_VERSION makes the client resend in NAT-PMP at once (external
 * address first, then the mapping, serialised), with NAT-PMP's 250 ms
 * doubling (N-11) and SSSoE check (N-12); the downgrade is not kept (the
 * renewal tries PCP again), and a version-2 answer to a NAT-PMP request
 * switches back to PCP.
 */
#include "harness.h"

#include "wire/bytes.h"

static void natpmp_unsupp(struct h *h, uint32_t sssoe)
{
	uint8_t r[8] = {0, 128, 0, 1};
	pctl_put32(r + 4, sssoe);
	h_send(h, r, sizeof(r));
	h_process(h);
}

static void natpmp_extaddr(struct h *h, uint32_t sssoe)
{
	uint8_t r[12] = {0, 128, 0, 0, 0, 0, 0, 0, 203, 0, 113, 44};
	pctl_put32(r + 4, sssoe);
	h_send(h, r, sizeof(r));
	h_process(h);
}

static void natpmp_map_reply(struct h *h, uint8_t op, uint16_t iport,
                             uint16_t eport, uint32_t life, uint32_t sssoe)
{
	uint8_t r[16] = {0, (uint8_t)(128 + op), 0, 0};
	pctl_put32(r + 4, sssoe);
	pctl_put16(r + 8, iport);
	pctl_put16(r + 10, eport);
	pctl_put32(r + 12, life);
	h_send(h, r, sizeof(r));
	h_process(h);
}

/* Drives a mapping to granted through NAT-PMP; returns it. */
static struct pctl_client_map *natpmp_grant(struct h *h, uint16_t port)
{
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p = h_map_params(6, port, 7200);
	struct pctl_client_map *m = pctl_client_map_new(h->c, &p, h_cb, h);
	ssize_t n;

	n = h_recv(h, buf, sizeof(buf));
	assert_int_equal(buf[0], 2); /* C-15: PCP first */
	natpmp_unsupp(h, 100);
	n = h_recv(h, buf, sizeof(buf));
	if (n == 2) { /* N-1: external address first, when unknown */
		assert_int_equal(buf[0], 0);
		assert_int_equal(buf[1], 0);
		natpmp_extaddr(h, 100);
		n = h_recv(h, buf, sizeof(buf));
	}
	assert_int_equal(n, 12); /* N-3: then the mapping */
	assert_int_equal(buf[1], PCTL_NATPMP_OP_MAP_TCP);
	assert_int_equal(pctl_get16(buf + 4), port);
	assert_int_equal(pctl_get32(buf + 8), 7200);
	natpmp_map_reply(h, 2, port, 40000, 7200, 100);
	return m;
}

static void test_n20_fallback_to_natpmp(void **state)
{
	struct h h;
	struct pctl_client_map *m;
	char a[PCTL_ADDRSTRLEN];
	(void)state;

	h_init(&h);
	m = natpmp_grant(&h, 8080);
	assert_int_equal(h_state(m), PCTL_MS_GRANTED);
	assert_int_equal(h.ev[0], PCTL_EV_GRANTED);
	assert_int_equal(h.info[0].version, 0);
	assert_int_equal(h.info[0].external_port, 40000);
	assert_string_equal(
	    pctl_addr_to_str(&h.info[0].external_addr, a, sizeof(a)),
	    "203.0.113.44");
	h_done(&h);
}

static void test_c50_renewal_tries_pcp_again(void **state)
{
	struct h h;
	uint8_t buf[PCTL_MAX_MSG];
	ssize_t n;
	(void)state;

	h_init(&h);
	h.rnd = 0;
	natpmp_grant(&h, 8080);
	h_advance(&h, 3600000); /* half of 7200 s */
	n = h_recv(&h, buf, sizeof(buf));
	assert_true(n >= 60);
	assert_int_equal(buf[0], 2); /* C-50.5: not cached */
	natpmp_unsupp(&h, 3700);
	n = h_recv(&h, buf, sizeof(buf));
	assert_int_equal(n, 12); /* address known: straight to the map */
	assert_int_equal(pctl_get16(buf + 6), 40000); /* N-11: previous */
	natpmp_map_reply(&h, 2, 8080, 40000, 7200, 3700);
	assert_int_equal(h.ev[h.nev - 1], PCTL_EV_RENEWED);
	h_done(&h);
}

static void test_n11_natpmp_retransmission_250ms_doubling(void **state)
{
	struct h h;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(17, 53, 7200);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_recv(&h, buf, sizeof(buf));
	natpmp_unsupp(&h, 5);
	assert_int_equal(h_count_requests(&h), 1);
	uint64_t rt = 250;
	for (int i = 1; i < 9; i++) {
		assert_int_equal(pctl_client_timeout(h.c), (int64_t)rt);
		h_advance(&h, rt);
		assert_int_equal(h_count_requests(&h), 1);
		rt *= 2;
	}
	/* after 9 NAT-PMP attempts: back to PCP (not cached) */
	h_advance(&h, rt);
	assert_true(h_recv(&h, buf, sizeof(buf)) >= 60);
	assert_int_equal(buf[0], 2);
	h_done(&h);
}

static void test_n12_sssoe_anomaly_recreates(void **state)
{
	struct h h;
	uint8_t buf[PCTL_MAX_MSG];
	(void)state;

	h_init(&h);
	h.rnd = 0; /* 0 s delay */
	natpmp_grant(&h, 8080);
	natpmp_grant(&h, 8081);
	h.now += 100000;
	/* the answer for 8081 carries SSSoE 2: the gateway restarted */
	natpmp_map_reply(&h, 2, 8081, 40001, 7200, 2);
	assert_int_equal(h.ev[h.nev - 1], PCTL_EV_LOST);
	h_process(&h);
	assert_true(h_recv(&h, buf, sizeof(buf)) >= 60); /* 8080 again */
	assert_int_equal(buf[0], 2);
	h_done(&h);
}

/* T-5: a PCP server answers a NAT-PMP request in PCP format with version
 * 2: the client goes back to PCP. */
static void test_c50_version2_answer_to_natpmp_switches_back(void **state)
{
	struct h h;
	uint8_t buf[PCTL_MAX_MSG];
	uint8_t t5[24] = {2, 0x80, 0, 1, 0, 0, 7, 8, 0, 0, 4, 0xd2};
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 8080, 600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_recv(&h, buf, sizeof(buf));
	natpmp_unsupp(&h, 5);
	assert_int_equal(h_recv(&h, buf, sizeof(buf)), 2);
	h_send(&h, t5, sizeof(t5));
	h_process(&h);
	assert_true(h_recv(&h, buf, sizeof(buf)) >= 60);
	assert_int_equal(buf[0], 2);
	h_done(&h);
}

/* A client forced to NAT-PMP with UDP 6000 -> 6000 granted for 3600 s. */
static struct pctl_client_map *natpmp_granted(struct h *h)
{
	uint8_t buf[PCTL_MAX_MSG];

	h_config(h);
	h->cfg.force_natpmp = true;
	h_start(h);
	struct pctl_client_map_params p = h_map_params(17, 6000, 3600);
	struct pctl_client_map *m = pctl_client_map_new(h->c, &p, h_cb, h);
	assert_int_equal(h_recv(h, buf, sizeof(buf)), 2);
	natpmp_extaddr(h, 10);
	assert_int_equal(h_recv(h, buf, sizeof(buf)), 12);
	assert_int_equal(buf[1], PCTL_NATPMP_OP_MAP_UDP);
	natpmp_map_reply(h, 1, 6000, 6000, 3600, 10);
	assert_int_equal(h_state(m), PCTL_MS_GRANTED);
	return m;
}

static void test_force_natpmp_and_delete(void **state)
{
	struct h h;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_info info;
	(void)state;

	struct pctl_client_map *m = natpmp_granted(&h);
	pctl_client_map_delete(m);
	assert_int_equal(h_recv(&h, buf, sizeof(buf)), 12);
	assert_int_equal(pctl_get32(buf + 8), 0); /* N-9 */
	assert_int_equal(pctl_get16(buf + 6), 0);
	natpmp_map_reply(&h, 1, 6000, 0, 0, 11);
	assert_int_equal(h_state(m), PCTL_MS_DELETED);
	pctl_client_map_get_info(m, &info);
	assert_int_equal(info.lifetime, 0);
	h_done(&h);
}

/* S-52 over NAT-PMP: a kept mapping's delete reply carries its port and
 * the time left (portctld under threat-model simple). */
static void test_s52_natpmp_delete_answered_with_lifetime_left(void **state)
{
	struct h h;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_info info;
	(void)state;

	struct pctl_client_map *m = natpmp_granted(&h);
	pctl_client_map_delete(m);
	assert_int_equal(h_recv(&h, buf, sizeof(buf)), 12);
	/* Once could be a late renewal answer: the delete goes again. */
	natpmp_map_reply(&h, 1, 6000, 6000, 60, 11);
	pctl_client_map_get_info(m, &info);
	assert_int_equal(info.state, PCTL_MS_DELETING);
	h_advance(&h, (uint64_t)pctl_client_timeout(h.c));
	assert_int_equal(h_recv(&h, buf, sizeof(buf)), 12);
	assert_int_equal(pctl_get32(buf + 8), 0);
	natpmp_map_reply(&h, 1, 6000, 6000, 60, 11);
	pctl_client_map_get_info(m, &info);
	assert_int_equal(info.state, PCTL_MS_DELETED);
	assert_int_equal(info.lifetime, 60);
	assert_int_equal(info.external_port, 6000);
	h_done(&h);
}

/* A PEER cannot be expressed in NAT-PMP: the fallback reports an error. */
static void test_n20_peer_not_downgraded(void **state)
{
	struct h h;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 8080, 600);
	p.kind = PCTL_REQ_PEER;
	pctl_addr_from_str(&p.remote_addr, "198.51.100.1");
	p.remote_port = 443;
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	h_recv(&h, buf, sizeof(buf));
	natpmp_unsupp(&h, 5);
	assert_int_equal(h.ev[0], PCTL_EV_ERROR);
	assert_int_equal(h.info[0].result, PCTL_R_UNSUPP_VERSION);
	assert_int_equal(h_count_requests(&h), 0);
	h_done(&h);
}

/* N-11: NAT-PMP requests to one server are serialised: two mappings that
 * fall back together send one request at a time. */
static void test_n11_natpmp_requests_serialised(void **state)
{
	struct h h;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	ssize_t n;
	(void)state;

	h_init(&h);
	p = h_map_params(17, 1111, 3600);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	p.internal_port = 2222;
	pctl_client_map_new(h.c, &p, h_cb, &h);
	assert_int_equal(h_count_requests(&h), 2); /* both PCP */
	natpmp_unsupp(&h, 50);
	n = h_recv(&h, buf, sizeof(buf));
	assert_int_equal(n, 2); /* one external address request */
	assert_int_equal(h_count_requests(&h), 0);
	natpmp_extaddr(&h, 50);
	n = h_recv(&h, buf, sizeof(buf));
	assert_int_equal(n, 12); /* one map request */
	assert_int_equal(h_count_requests(&h), 0);
	uint16_t first = pctl_get16(buf + 4);
	h_advance(&h, 250); /* the other waits while one is unanswered */
	n = h_recv(&h, buf, sizeof(buf));
	assert_int_equal(n, 12);
	assert_int_equal(pctl_get16(buf + 4), first); /* a retransmission */
	natpmp_map_reply(&h, 1, first, 40000, 3600, 50);
	assert_int_equal(h.ev[0], PCTL_EV_GRANTED);
	h_advance(&h, 250);
	n = h_recv(&h, buf, sizeof(buf));
	assert_int_equal(n, 12);
	assert_int_equal(pctl_get16(buf + 4), first == 1111 ? 2222 : 1111);
	assert_int_equal(h_count_requests(&h), 0);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_n20_fallback_to_natpmp),
	    cmocka_unit_test(test_c50_renewal_tries_pcp_again),
	    cmocka_unit_test(test_n11_natpmp_retransmission_250ms_doubling),
	    cmocka_unit_test(test_n12_sssoe_anomaly_recreates),
	    cmocka_unit_test(test_c50_version2_answer_to_natpmp_switches_back),
	    cmocka_unit_test(test_force_natpmp_and_delete),
	    cmocka_unit_test(
	        test_s52_natpmp_delete_answered_with_lifetime_left),
	    cmocka_unit_test(test_n20_peer_not_downgraded),
	    cmocka_unit_test(test_n11_natpmp_requests_serialised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
