/*
 * The per-subscriber rate limiter (S-7, ratelimit.h) on a fake clock: the
 * burst and the rate, subscriber keys (an IPv6 /64 is one subscriber), and
 * the guarantees under more sources than the table holds: eviction never
 * refills a budget, and any number of new addresses together get no more
 * than the admission bucket.
 */
#include "etest.h"

#include <stdio.h>
#include <string.h>

#include "ratelimit.h"

static void limiter(struct pctl_ratelimit *rl, uint32_t rate, uint32_t burst,
                    uint32_t sources, uint32_t new_rate, uint32_t new_burst)
{
	struct pctl_rl_config c = {
	    .rate = rate,
	    .burst = burst,
	    .sources = sources,
	    .new_rate = new_rate,
	    .new_burst = new_burst,
	    .v4_prefix = 32,
	    .v6_prefix = 64,
	};
	assert_int_equal(pctl_rl_init(rl, &c), 0);
}

/* The i-th address of 10.0.0.0/8 (distinct for i < 2^24). */
static pctl_addr v4_source(uint32_t i)
{
	uint8_t v4[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
	pctl_addr a;
	pctl_addr_from_v4(&a, v4);
	return a;
}

static int allowed(struct pctl_ratelimit *rl, const char *src, int n,
                   uint64_t now)
{
	pctl_addr a = et_addr(src);
	int ok = 0;
	for (int i = 0; i < n; i++)
		ok += pctl_rl_allow(rl, &a, now);
	return ok;
}

static void test_s7_rate_limit_is_per_source(void **state)
{
	(void)state;
	struct pctl_ratelimit rl;
	limiter(&rl, 10, 5, 64, 100, 100);
	assert_int_equal(allowed(&rl, "192.0.2.10", 100, 1000), 5);
	/* Another source is not starved by the flood. */
	assert_int_equal(allowed(&rl, "192.0.2.11", 1, 1000), 1);
	/* Tokens come back at the rate: 10/s = one per 100 ms. */
	assert_int_equal(allowed(&rl, "192.0.2.10", 1, 1050), 0);
	assert_int_equal(allowed(&rl, "192.0.2.10", 1, 1150), 1);
	pctl_rl_fini(&rl);
}

/* A newcomer's first tokens come from the admission bucket, at most
 * PCTL_RL_GRANT of them; the rest of its burst it earns. */
static void test_s7_newcomer_gets_a_grant_not_a_burst(void **state)
{
	(void)state;
	struct pctl_ratelimit rl;
	limiter(&rl, 100, 500, 64, 1000, 10000);
	assert_int_equal(allowed(&rl, "192.0.2.10", 1000, 1000), PCTL_RL_GRANT);
	/* One second later: 100 more, not the full burst. */
	assert_int_equal(allowed(&rl, "192.0.2.10", 1000, 2000), 100);
	pctl_rl_fini(&rl);
}

/* S-41 keying: every address of an IPv6 /64 is one subscriber; another
 * /64 is another.  With subscriber-prefix 32 56 a /56 is one. */
static void test_s7_ipv6_64_is_one_subscriber(void **state)
{
	(void)state;
	struct pctl_ratelimit rl;
	limiter(&rl, 1, 5, 64, 0, 1000);
	int ok = 0;
	for (int i = 1; i <= 100; i++) {
		char a[64];
		snprintf(a, sizeof(a), "2001:db8:0:1::%x", i);
		ok += allowed(&rl, a, 1, 1000);
	}
	assert_int_equal(ok, 5);
	assert_int_equal(allowed(&rl, "2001:db8:0:2::1", 10, 1000), 5);
	pctl_rl_fini(&rl);

	struct pctl_rl_config c = {.rate = 1,
	                           .burst = 5,
	                           .sources = 64,
	                           .new_burst = 1000,
	                           .v4_prefix = 32,
	                           .v6_prefix = 56};
	assert_int_equal(pctl_rl_init(&rl, &c), 0);
	assert_int_equal(allowed(&rl, "2001:db8:0:1::1", 10, 1000), 5);
	assert_int_equal(allowed(&rl, "2001:db8:0:2::1", 10, 1000), 0);
	assert_int_equal(allowed(&rl, "2001:db8:0:100::1", 10, 1000), 5);
	pctl_rl_fini(&rl);
}

/* A flooder pushed out of the table by other sources comes back to no
 * more than the admission bucket still holds - here nothing. */
static void test_s7_eviction_does_not_refill_a_flooder(void **state)
{
	(void)state;
	struct pctl_ratelimit rl;
	limiter(&rl, 10, 5, 64, 0, 20);
	assert_int_equal(allowed(&rl, "192.0.2.10", 100, 1000), 5);
	/* 1000 other sources, at the same instant, evict it many times
	 * over (and empty the admission bucket). */
	for (uint32_t i = 0; i < 1000; i++) {
		pctl_addr a = v4_source(i);
		pctl_rl_allow(&rl, &a, 1000);
	}
	assert_int_equal(allowed(&rl, "192.0.2.10", 100, 1000), 0);
	pctl_rl_fini(&rl);
}

/* More sources than entries, cycling: all of them together get no more
 * than the table's entries can hold plus the admission bucket (the bound
 * of ratelimit.h), not a full burst per new address. */
static void test_s7_many_sources_are_bounded_together(void **state)
{
	(void)state;
	struct pctl_ratelimit rl;
	const uint32_t entries = 64, burst = 40, new_burst = 100;
	limiter(&rl, 10, burst, entries, 0, new_burst);
	uint32_t ok = 0;
	for (int round = 0; round < 100; round++)
		for (uint32_t i = 0; i < 128; i++) {
			pctl_addr a = v4_source(i);
			ok += pctl_rl_allow(&rl, &a, 1000);
		}
	assert_true(ok <= new_burst);
	/* Time passes: one second earns each entry 10, the bucket 0. */
	uint32_t later = 0;
	for (int round = 0; round < 100; round++)
		for (uint32_t i = 0; i < 128; i++) {
			pctl_addr a = v4_source(i);
			later += pctl_rl_allow(&rl, &a, 2000);
		}
	assert_true(later <= entries * 10);
	pctl_rl_fini(&rl);
}

/* A host within its rate keeps its entry (and burst) while a flood of
 * new addresses churns through the table: newcomers evict the poorest. */
static void test_s7_host_within_rate_keeps_its_entry(void **state)
{
	(void)state;
	struct pctl_ratelimit rl;
	limiter(&rl, 10, 40, 64, 0, 1000);
	uint64_t now = 1000;
	assert_int_equal(allowed(&rl, "192.0.2.10", 1, now), 1);
	now += 10000; /* idle: its bucket is full again */
	for (uint32_t i = 0; i < 20000; i++) {
		pctl_addr a = v4_source(i);
		pctl_rl_allow(&rl, &a, now);
	}
	assert_int_equal(allowed(&rl, "192.0.2.10", 100, now), 40);
	pctl_rl_fini(&rl);
}

static void test_s7_rate_0_allows_everything(void **state)
{
	(void)state;
	struct pctl_ratelimit rl;
	limiter(&rl, 0, 1, 64, 0, 0);
	assert_int_equal(allowed(&rl, "192.0.2.10", 1000, 1000), 1000);
	pctl_rl_fini(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_s7_rate_limit_is_per_source),
	    cmocka_unit_test(test_s7_newcomer_gets_a_grant_not_a_burst),
	    cmocka_unit_test(test_s7_ipv6_64_is_one_subscriber),
	    cmocka_unit_test(test_s7_eviction_does_not_refill_a_flooder),
	    cmocka_unit_test(test_s7_many_sources_are_bounded_together),
	    cmocka_unit_test(test_s7_host_within_rate_keeps_its_entry),
	    cmocka_unit_test(test_s7_rate_0_allows_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
