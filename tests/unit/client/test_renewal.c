/*
 * Renewal (RFC 6887 section 11.2.1): the C-21 windows, at least 4 s apart,
 * same nonce and the previous external endpoint suggested (C-20), the C-23
 * lifetime cap, loss at expiry, and a non-kept mapping not renewed.
 */
#include "harness.h"

static void test_c21_windows(void **state)
{
	(void)state;
	/* 1000 s lifetime */
	assert_int_equal(pctl_renew_at(1000, 0, 0), 500000);
	assert_int_equal(pctl_renew_at(1000, 0, UINT32_MAX), 624999);
	assert_int_equal(pctl_renew_at(1000, 1, 0), 750000);
	assert_int_equal(pctl_renew_at(1000, 1, UINT32_MAX), 812499);
	assert_int_equal(pctl_renew_at(1000, 2, 0), 875000);
	assert_int_equal(pctl_renew_at(1000, 2, UINT32_MAX), 906249);
	/* the windows close in on the expiry, never past it */
	for (unsigned k = 0; k < 40; k++)
		assert_true(pctl_renew_at(1000, k, UINT32_MAX) <= 1000000);
}

static void test_c20_renewal_same_nonce_suggests_previous(void **state)
{
	struct h h;
	struct pctl_msg req, ren;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map *m;
	(void)state;

	h_init(&h);
	h.rnd = 0; /* earliest point of every window */
	m = h_granted_map(&h, 8080, 1000, 50, &req);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.ev[0], PCTL_EV_GRANTED);
	assert_int_equal(h_state(m), PCTL_MS_GRANTED);
	assert_int_equal(pctl_client_timeout(h.c), 500000);
	h_advance(&h, 499999);
	assert_int_equal(h_count_requests(&h), 0);
	h_advance(&h, 1);
	h_expect_pcp(&h, &ren, buf);
	assert_memory_equal(ren.nonce, req.nonce, PCTL_NONCE_LEN);
	assert_int_equal(ren.external_port, 18080);
	char a[PCTL_ADDRSTRLEN];
	assert_string_equal(pctl_addr_to_str(&ren.external_addr, a, sizeof(a)),
	                    "203.0.113.7");
	/* unanswered: next at 3/4 of the lifetime */
	assert_int_equal(pctl_client_timeout(h.c), 250000);
	h_advance(&h, 250000);
	assert_int_equal(h_count_requests(&h), 1);
	assert_int_equal(pctl_client_timeout(h.c), 125000); /* 7/8 */
	/* answered: a fresh lifetime, event RENEWED */
	h_reply(&h, &ren, PCTL_R_SUCCESS, 1000, 50 + 750, "203.0.113.7", 18080);
	assert_int_equal(h.ev[h.nev - 1], PCTL_EV_RENEWED);
	assert_int_equal(pctl_client_timeout(h.c), 500000);
	h_done(&h);
}

static void test_c21_renewals_at_least_4s_apart_then_lost(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint64_t last = 0, sent_at[64];
	unsigned n = 0;
	(void)state;

	h_init(&h);
	h.rnd = 0;
	h_granted_map(&h, 9000, 20, 7, &req); /* 20 s lifetime */
	uint64_t start = h.now;
	while (h.nev < 2 && n < 64) {
		int64_t t = pctl_client_timeout(h.c);
		assert_true(t >= 0);
		h_advance(&h, (uint64_t)t);
		if (h_count_requests(&h))
			sent_at[n++] = h.now - start;
	}
	/* renewals at 10 s, 15 s, then 19 s would be < 4 s apart: 19 s;
	 * every gap >= 4 s */
	assert_true(n >= 2);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			assert_true(sent_at[i] - last >= 4000);
		last = sent_at[i];
		if (h.ev[1] == PCTL_EV_LOST && i == n - 1)
			break;
	}
	assert_int_equal(sent_at[0], 10000);
	assert_int_equal(sent_at[1], 15000);
	/* at expiry (20 s) the mapping is lost and re-creation starts */
	assert_int_equal(h.ev[1], PCTL_EV_LOST);
	assert_int_equal(h.info[1].state, PCTL_MS_PENDING);
	h_done(&h);
}

static void test_c23_lifetime_capped(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	h.rnd = 0;
	p = h_map_params(6, 443, 3600);
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_SUCCESS, PCTL_LIFETIME_STATIC, 1,
	        "203.0.113.8", 443);
	assert_int_equal(h.info[0].lifetime, PCTL_CLIENT_MAX_LIFETIME);
	/* renewed at half of 24 h, not at half of 136 years */
	assert_int_equal(pctl_client_timeout(h.c), 43200000);
	h_done(&h);
}

static void test_c20_not_kept_is_not_renewed(void **state)
{
	struct h h;
	struct pctl_msg req;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	struct pctl_client_map *m;
	(void)state;

	h_init(&h);
	p = h_map_params(6, 444, 3600);
	p.keep = false;
	m = pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_SUCCESS, 3600, 1, "203.0.113.8", 444);
	assert_int_equal(h_state(m), PCTL_MS_GRANTED);
	assert_int_equal(pctl_client_timeout(h.c), -1);
	assert_int_equal(pctl_client_wait(h.c, m, 0), 0); /* settled */
	h_done(&h);
}

/* C-66: SCTP suggests zeros first, then echoes the assigned endpoint. */
static void test_c66_sctp_zero_then_echo(void **state)
{
	struct h h;
	struct pctl_msg req, ren;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	h.rnd = 0;
	p = h_map_params(132, 3868, 100);
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	assert_int_equal(req.protocol, 132);
	assert_int_equal(req.external_port, 0);
	assert_true(pctl_addr_is_any(&req.external_addr));
	h_reply(&h, &req, PCTL_R_SUCCESS, 100, 1, "203.0.113.3", 3900);
	h_advance(&h, 50000);
	h_expect_pcp(&h, &ren, buf);
	assert_int_equal(ren.external_port, 3900);
	h_done(&h);
}

/* Renewals share a wake-up only when the other window is open (C-21). */
static void test_c21_batched_only_inside_window(void **state)
{
	struct h h;
	struct pctl_msg a, b, c;
	(void)state;

	h_init(&h);
	h.rnd = UINT32_MAX; /* every point at the end of its window */
	h_granted_map(&h, 1, 1000, 1, &a); /* window 500..625 s */
	h_advance(&h, 100000);
	h_granted_map(&h, 2, 1000, 101, &b); /* window 600..725 s */
	h_advance(&h, 200000);
	h_granted_map(&h, 3, 1000, 301, &c); /* window 800..925 s */
	h_advance(&h, 324998);
	assert_int_equal(h_count_requests(&h), 0);
	h_advance(&h, 1); /* 624.999 s: a's point; b's window is open */
	assert_int_equal(h_count_requests(&h), 2);
	h_advance(&h, 175001); /* 800 s: c's window opens, not its point */
	assert_int_equal(h_count_requests(&h), 0);
	h_done(&h);
}

/* C-24: PEER mappings are renewed on the same schedule, same nonce and
 * remote peer. */
static void test_c24_peer_renewed_like_map(void **state)
{
	struct h h;
	struct pctl_msg req, ren;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	h.rnd = 0;
	p = h_map_params(17, 5060, 200);
	p.kind = PCTL_REQ_PEER;
	pctl_addr_from_str(&p.remote_addr, "198.51.100.20");
	p.remote_port = 5060;
	pctl_client_map_new(h.c, &p, h_cb, &h);
	h_expect_pcp(&h, &req, buf);
	h_reply(&h, &req, PCTL_R_SUCCESS, 200, 1, "203.0.113.4", 45060);
	assert_int_equal(pctl_client_timeout(h.c), 100000);
	h_advance(&h, 100000);
	h_expect_pcp(&h, &ren, buf);
	assert_int_equal(ren.opcode, PCTL_OP_PEER);
	assert_memory_equal(ren.nonce, req.nonce, PCTL_NONCE_LEN);
	assert_int_equal(ren.remote_port, 5060);
	assert_int_equal(ren.external_port, 45060);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_c21_windows),
	    cmocka_unit_test(test_c20_renewal_same_nonce_suggests_previous),
	    cmocka_unit_test(test_c21_renewals_at_least_4s_apart_then_lost),
	    cmocka_unit_test(test_c23_lifetime_capped),
	    cmocka_unit_test(test_c20_not_kept_is_not_renewed),
	    cmocka_unit_test(test_c66_sctp_zero_then_echo),
	    cmocka_unit_test(test_c21_batched_only_inside_window),
	    cmocka_unit_test(test_c24_peer_renewed_like_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
