/*
 * Epoch validation: the T- client vectors of CHECKLIST section 10 through
 * the exact formula of RFC 6887 section 8.5 (C-40..C-42), and NAT-PMP's
 * 7/8 rule (N-12).
 */
#include "harness.h"

static bool check(uint32_t prev_s, uint64_t prev_c, uint32_t s, uint64_t c)
{
	struct pctl_epoch e = {0};
	assert_true(pctl_epoch_check(&e, prev_s, prev_c * 1000));
	return pctl_epoch_check(&e, s, c * 1000);
}

static void test_c40_t_vectors(void **state)
{
	(void)state;
	assert_true(check(100, 100, 160, 160));      /* in step */
	assert_false(check(100, 100, 90, 160));      /* server went back */
	assert_true(check(100, 100, 99, 100));       /* C-40: <= 1 s back */
	assert_false(check(1000, 1000, 1066, 1000)); /* 0+2 < 66-4 */
}

static void test_c41_tolerances_exact(void **state)
{
	(void)state;
	/* client 160 s, server 160 - 160/16 - 2 = 148 .. : boundary of the
	 * second inequality: 148 + 2 < 160 - 10 is false -> valid */
	assert_true(check(0, 0, 148, 160));
	assert_false(check(0, 0, 147, 160));
	/* server faster: client 100, server_delta 109: 100 + 2 < 109 - 6 */
	assert_true(check(0, 0, 108, 100));
	assert_false(check(0, 0, 109, 100));
	/* C-42: the first answer is always valid */
	struct pctl_epoch e = {0};
	assert_true(pctl_epoch_check(&e, 0, 5));
	/* two seconds back is invalid, one is not */
	assert_false(check(10, 10, 8, 10));
}

static void test_c42_stores_previous_values(void **state)
{
	struct pctl_epoch e = {0};
	(void)state;
	assert_true(pctl_epoch_check(&e, 100, 100000));
	assert_false(pctl_epoch_check(&e, 10, 101000));
	/* the invalid value became the new reference */
	assert_true(pctl_epoch_check(&e, 20, 111000));
	assert_int_equal(e.server_time, 20);
	assert_int_equal(e.client_ms, 111000);
}

static void test_n12_natpmp_seven_eighths(void **state)
{
	struct pctl_epoch e = {0};
	(void)state;
	assert_true(pctl_natpmp_epoch_check(&e, 1000, 0));
	/* 80 s later: expected >= 1000 + 70 - 2 = 1068 */
	assert_true(pctl_natpmp_epoch_check(&e, 1068, 80000));
	e = (struct pctl_epoch){.have = true, .server_time = 1000};
	assert_false(pctl_natpmp_epoch_check(&e, 1067, 80000));
	/* a restart: SSSoE small again */
	e = (struct pctl_epoch){.have = true, .server_time = 1000};
	assert_false(pctl_natpmp_epoch_check(&e, 3, 10000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_c40_t_vectors),
	    cmocka_unit_test(test_c41_tolerances_exact),
	    cmocka_unit_test(test_c42_stores_previous_values),
	    cmocka_unit_test(test_n12_natpmp_seven_eighths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
