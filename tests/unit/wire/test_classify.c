/*
 * test_classify.c - dispatch on octet 0 (RFC 6887 Appendix A, N-21, N-23).
 */
/* cmocka needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <portctl/wire.h>

/* S-3: fewer than 2 octets is a runt whatever octet 0 says. */
static void test_s3_runts(void **state)
{
	(void)state;
	static const uint8_t one[] = {2};
	static const uint8_t zero[] = {0};

	assert_int_equal(pctl_classify(one, 1), PCTL_KIND_RUNT);
	assert_int_equal(pctl_classify(zero, 1), PCTL_KIND_RUNT);
	assert_int_equal(pctl_classify(one, 0), PCTL_KIND_RUNT);
	assert_int_equal(pctl_classify(NULL, 0), PCTL_KIND_RUNT);
	assert_int_equal(pctl_classify(NULL, 24), PCTL_KIND_RUNT);
}

/* N-21: 0 is NAT-PMP (the 2-octet external address request included). */
static void test_n21_version0_is_natpmp(void **state)
{
	(void)state;
	static const uint8_t extaddr[] = {0, 0};
	static const uint8_t map[12] = {0, 1};

	assert_int_equal(pctl_classify(extaddr, 2), PCTL_KIND_NATPMP);
	assert_int_equal(pctl_classify(map, sizeof(map)), PCTL_KIND_NATPMP);
}

/* N-21: 2 is PCP; 1 and every other value are neither (UNSUPP_VERSION). */
static void test_n21_version2_pcp_others_other(void **state)
{
	(void)state;
	uint8_t buf[24] = {0};

	for (unsigned v = 0; v <= 255; v++) {
		buf[0] = (uint8_t)v;
		enum pctl_kind want = v == 0   ? PCTL_KIND_NATPMP
		                      : v == 2 ? PCTL_KIND_PCP
		                               : PCTL_KIND_OTHER;
		assert_int_equal(pctl_classify(buf, 2), want);
		assert_int_equal(pctl_classify(buf, sizeof(buf)), want);
	}
}

/* N-23: on port 5350 both announcements arrive; the R bit and the rest do
 * not change the answer, only octet 0 does. */
static void test_n23_announcements_dispatch_on_octet0(void **state)
{
	(void)state;
	/* T-4: PCP ANNOUNCE response, epoch 0. */
	static const uint8_t pcp_announce[24] = {0x02, 0x80};
	/* N-2: NAT-PMP external address announcement. */
	static const uint8_t natpmp_announce[12] = {0x00, 0x80, 0,   0, 0,   0,
	                                            0,    5,    203, 0, 113, 1};

	assert_int_equal(pctl_classify(pcp_announce, sizeof(pcp_announce)),
	                 PCTL_KIND_PCP);
	assert_int_equal(
	    pctl_classify(natpmp_announce, sizeof(natpmp_announce)),
	    PCTL_KIND_NATPMP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_s3_runts),
	    cmocka_unit_test(test_n21_version0_is_natpmp),
	    cmocka_unit_test(test_n21_version2_pcp_others_other),
	    cmocka_unit_test(test_n23_announcements_dispatch_on_octet0),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
