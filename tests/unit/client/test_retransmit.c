/*
 * Retransmission (RFC 6887 section 8.1.1, C-13, C-16..C-18, K-12): RAND
 * bounds, doubling up to MRT, MRC and MRD, byte-identical retransmissions
 * with the same nonce, and the optional quick first retry.
 */
#include "harness.h"

static void test_k12_rt_first_is_irt_with_rand_bounds(void **state)
{
	(void)state;
	/* RAND = -0.1 .. +0.1 of IRT = 3 s */
	assert_int_equal(pctl_rt_next(0, 3000, 1024000, 0), 2700);
	assert_int_equal(pctl_rt_next(0, 3000, 1024000, UINT32_MAX), 3300);
	for (uint32_t r = 0; r < 4000000000u; r += 123456789u) {
		uint64_t rt = pctl_rt_next(0, 3000, 1024000, r);
		assert_true(rt >= 2700 && rt <= 3300);
	}
}

static void test_c17_rt_doubles_then_caps_at_mrt(void **state)
{
	uint64_t rt = 0;
	(void)state;
	/* With RAND = 0 (H_RAND_ZERO), 3, 6, ... 768,
	 * then MRT 1024 s. */
	for (int i = 0; i < 9; i++) {
		rt = pctl_rt_next(rt, 3000, 1024000, H_RAND_ZERO);
		assert_int_equal(rt, 3000ull << i);
	}
	rt = pctl_rt_next(rt, 3000, 1024000, H_RAND_ZERO);
	assert_int_equal(rt, 1024000);
	/* +-10 % around MRT, never more */
	assert_int_equal(pctl_rt_next(rt, 3000, 1024000, 0), 921600);
	assert_int_equal(pctl_rt_next(rt, 3000, 1024000, UINT32_MAX), 1126400);
	/* MRT 0: no upper bound */
	assert_int_equal(pctl_rt_next(2000000, 3000, 0, H_RAND_ZERO), 4000000);
}

/* The client follows the schedule on the fake clock, resending the very
 * same datagram (C-13: same nonce). */
static void test_c13_c16_retransmissions_identical_on_schedule(void **state)
{
	struct h h;
	uint8_t first[PCTL_MAX_MSG], again[PCTL_MAX_MSG];
	ssize_t n1, n2;
	struct pctl_client_map_params p;
	(void)state;

	h_init(&h);
	h.rnd = H_RAND_ZERO; /* RAND = 0 exactly */
	p = h_map_params(6, 8080, 7200);
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	n1 = h_recv(&h, first, sizeof(first));
	assert_true(n1 == 60);
	uint64_t expect = 3000;
	for (int i = 0; i < 11; i++) {
		assert_int_equal(pctl_client_timeout(h.c), (int64_t)expect);
		h_advance(&h, expect - 1);
		assert_int_equal(h_count_requests(&h), 0);
		h_advance(&h, 1);
		n2 = h_recv(&h, again, sizeof(again));
		assert_int_equal(n2, n1);
		assert_memory_equal(first, again, (size_t)n1);
		expect = expect * 2 > 1024000 ? 1024000 : expect * 2;
	}
	/* C-16: MRC = MRD = 0: still going, no failure reported. */
	assert_int_equal(h.nev, 0);
	h_done(&h);
}

static void test_c16_mrc_ends_exchange(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	struct pctl_client_map *m;
	(void)state;

	h_config(&h);
	h.cfg.mrc = 3;
	h_start(&h);
	p = h_map_params(17, 5000, 600);
	p.keep = false;
	m = pctl_client_map_new(h.c, &p, h_cb, &h);
	assert_non_null(m);
	for (int i = 0; i < 2; i++)
		h_advance(&h, 20000);
	assert_int_equal(h_count_requests(&h), 3);
	assert_int_equal(h.nev, 0);
	h_advance(&h, 30000);
	assert_int_equal(h_count_requests(&h), 0);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.ev[0], PCTL_EV_TIMEOUT);
	assert_int_equal(h_state(m), PCTL_MS_FAILED);
	assert_int_equal(pctl_client_timeout(h.c), -1);
	h_done(&h);
}

static void test_c16_mrd_ends_exchange(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	(void)state;

	h_config(&h);
	h.cfg.mrd_ms = 10000;
	h_start(&h);
	h.rnd = H_RAND_ZERO;
	p = h_map_params(17, 5001, 600);
	p.keep = false;
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	h_advance(&h, 3000); /* t=3: 2nd */
	h_advance(&h, 6000); /* t=9: 3rd */
	assert_int_equal(h_count_requests(&h), 3);
	h_advance(&h, 12000); /* t=21 >= MRD: failed, nothing sent */
	assert_int_equal(h_count_requests(&h), 0);
	assert_int_equal(h.nev, 1);
	assert_int_equal(h.ev[0], PCTL_EV_TIMEOUT);
	h_done(&h);
}

static void test_quick_first_retry_then_irt(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	(void)state;

	h_config(&h);
	h.cfg.quick_ms = 250;
	h_start(&h);
	h.rnd = H_RAND_ZERO;
	p = h_map_params(6, 22, 600);
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	assert_int_equal(h_count_requests(&h), 1);
	assert_int_equal(pctl_client_timeout(h.c), 250);
	h_advance(&h, 250);
	assert_int_equal(h_count_requests(&h), 1);
	assert_int_equal(pctl_client_timeout(h.c), 3000);
	h_advance(&h, 3000);
	assert_int_equal(pctl_client_timeout(h.c), 6000);
	h_done(&h);
}

/* RAND is fresh for every computation: with a random source that changes,
 * consecutive timeouts use different factors. */
static uint32_t seq_random(void *arg)
{
	uint32_t *v = arg;
	*v += 0x40000000u;
	return *v;
}

static void test_k12_rand_fresh_per_computation(void **state)
{
	struct h h;
	struct pctl_client_map_params p;
	uint32_t seq = 0;
	(void)state;

	h_config(&h);
	h.cfg.random = seq_random;
	h.cfg.random_arg = &seq;
	h_start(&h);
	p = h_map_params(6, 23, 600);
	assert_non_null(pctl_client_map_new(h.c, &p, h_cb, &h));
	/* first draw 0x40000000 -> +(-0.05): 3000 * 0.950 */
	assert_int_equal(pctl_client_timeout(h.c), 2850);
	h_advance(&h, 2850);
	/* second draw 0x80000000 -> +0.0: 2 * 2850 */
	assert_int_equal(pctl_client_timeout(h.c), 5700);
	h_done(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_k12_rt_first_is_irt_with_rand_bounds),
	    cmocka_unit_test(test_c17_rt_doubles_then_caps_at_mrt),
	    cmocka_unit_test(
	        test_c13_c16_retransmissions_identical_on_schedule),
	    cmocka_unit_test(test_c16_mrc_ends_exchange),
	    cmocka_unit_test(test_c16_mrd_ends_exchange),
	    cmocka_unit_test(test_quick_first_retry_then_irt),
	    cmocka_unit_test(test_k12_rand_fresh_per_computation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
