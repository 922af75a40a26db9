/*
 * test_names.c - registry names (W-10), error lifetime classes (R- table,
 * K-13, K-14), protocol names and NAT-PMP result names (N-6).
 */
/* cmocka needs these first. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <portctl/wire.h>

#include <stdio.h>

/* W-10.2: every assigned code 0..26 has its registry name. */
static void test_w10_2_result_names(void **state)
{
	(void)state;
	static const char *const want[] = {
	    "SUCCESS",
	    "UNSUPP_VERSION",
	    "NOT_AUTHORIZED",
	    "MALFORMED_REQUEST",
	    "UNSUPP_OPCODE",
	    "UNSUPP_OPTION",
	    "MALFORMED_OPTION",
	    "NETWORK_FAILURE",
	    "NO_RESOURCES",
	    "UNSUPP_PROTOCOL",
	    "USER_EX_QUOTA",
	    "CANNOT_PROVIDE_EXTERNAL",
	    "ADDRESS_MISMATCH",
	    "EXCESSIVE_REMOTE_PEERS",
	    "INITIATION",
	    "AUTHENTICATION_REQUIRED",
	    "AUTHENTICATION_FAILED",
	    "AUTHENTICATION_SUCCEEDED",
	    "AUTHORIZATION_FAILED",
	    "SESSION_TERMINATED",
	    "UNKNOWN_SESSION_ID",
	    "DOWNGRADE_ATTACK_DETECTED",
	    "AUTHENTICATION_REQUEST",
	    "AUTHENTICATION_REPLY",
	    "THIRD_PARTY_ID_UNKNOWN",
	    "THIRD_PARTY_MISSING_OPTION",
	    "UNSUPP_THIRD_PARTY_ID_LENGTH",
	};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(pctl_result_name((uint8_t)i), want[i]);
	assert_string_equal(pctl_result_name(PCTL_R_THIRD_PARTY_ID_UNKNOWN),
	                    "THIRD_PARTY_ID_UNKNOWN");
	for (unsigned i = 27; i <= 255; i++)
		assert_string_equal(pctl_result_name((uint8_t)i), "UNKNOWN");
}

/* W-10.1 */
static void test_w10_1_opcode_names(void **state)
{
	(void)state;
	assert_string_equal(pctl_opcode_name(PCTL_OP_ANNOUNCE), "ANNOUNCE");
	assert_string_equal(pctl_opcode_name(PCTL_OP_MAP), "MAP");
	assert_string_equal(pctl_opcode_name(PCTL_OP_PEER), "PEER");
	assert_string_equal(pctl_opcode_name(PCTL_OP_AUTHENTICATION),
	                    "AUTHENTICATION");
	for (unsigned i = 4; i <= 255; i++)
		assert_string_equal(pctl_opcode_name((uint8_t)i), "UNKNOWN");
}

/* W-10.3: 1..13 and 128..130; 0, 127, 255 and the rest are unknown. */
static void test_w10_3_option_names(void **state)
{
	(void)state;
	static const char *const want[] = {
	    NULL,
	    "THIRD_PARTY",
	    "PREFER_FAILURE",
	    "FILTER",
	    "NONCE",
	    "AUTHENTICATION_TAG",
	    "PA_AUTHENTICATION_TAG",
	    "EAP_PAYLOAD",
	    "PRF",
	    "MAC_ALGORITHM",
	    "SESSION_LIFETIME",
	    "RECEIVED_PAK",
	    "ID_INDICATOR",
	    "THIRD_PARTY_ID",
	};
	for (unsigned i = 1; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(pctl_option_name((uint8_t)i), want[i]);
	assert_string_equal(pctl_option_name(PCTL_OPT_DESCRIPTION),
	                    "DESCRIPTION");
	assert_string_equal(pctl_option_name(PCTL_OPT_PREFIX64), "PREFIX64");
	assert_string_equal(pctl_option_name(PCTL_OPT_PORT_SET), "PORT_SET");
	static const uint8_t unknown[] = {0, 14, 100, 127, 131, 200, 255};
	for (size_t i = 0; i < sizeof(unknown); i++)
		assert_string_equal(pctl_option_name(unknown[i]), "UNKNOWN");
}

/* R- table: the class of each code (6887 section 7.4, 7843 section 5.2). */
static void test_r_result_classes(void **state)
{
	(void)state;
	static const uint8_t long_codes[] = {1, 2,  3,  4,  5,  6,
	                                     9, 12, 13, 24, 25, 26};
	static const uint8_t short_codes[] = {7, 8, 10, 11};

	assert_int_equal(pctl_result_class(PCTL_R_SUCCESS), PCTL_ERR_NONE);
	assert_int_equal(pctl_result_lifetime(PCTL_R_SUCCESS), 0);
	for (size_t i = 0; i < sizeof(long_codes); i++) {
		assert_int_equal(pctl_result_class(long_codes[i]),
		                 PCTL_ERR_LONG);
		/* K-14 */
		assert_int_equal(pctl_result_lifetime(long_codes[i]), 1800);
	}
	for (size_t i = 0; i < sizeof(short_codes); i++) {
		assert_int_equal(pctl_result_class(short_codes[i]),
		                 PCTL_ERR_SHORT);
		/* K-13 */
		assert_int_equal(pctl_result_lifetime(short_codes[i]), 30);
	}
	/* Codes without a class in any RFC (7652's, unassigned) are long, so
	 * that a client does not retry what it cannot understand (C-46). */
	assert_int_equal(pctl_result_class(15), PCTL_ERR_LONG);
	assert_int_equal(pctl_result_class(200), PCTL_ERR_LONG);
	assert_int_equal(pctl_result_lifetime(255), 1800);
}

static void test_protocol_names(void **state)
{
	(void)state;
	assert_string_equal(pctl_protocol_name(0), "ALL");
	assert_string_equal(pctl_protocol_name(1), "ICMP");
	assert_string_equal(pctl_protocol_name(6), "TCP");
	assert_string_equal(pctl_protocol_name(17), "UDP");
	assert_string_equal(pctl_protocol_name(33), "DCCP");
	assert_string_equal(pctl_protocol_name(132), "SCTP");
	assert_null(pctl_protocol_name(2));
	assert_null(pctl_protocol_name(255));
}

static void test_protocol_parse(void **state)
{
	(void)state;
	assert_int_equal(pctl_protocol_parse("tcp"), 6);
	assert_int_equal(pctl_protocol_parse("udp"), 17);
	assert_int_equal(pctl_protocol_parse("sctp"), 132);
	assert_int_equal(pctl_protocol_parse("dccp"), 33);
	assert_int_equal(pctl_protocol_parse("all"), 0);
	assert_int_equal(pctl_protocol_parse("TCP"), 6);
	assert_int_equal(pctl_protocol_parse("0"), 0);
	assert_int_equal(pctl_protocol_parse("255"), 255);
	assert_int_equal(pctl_protocol_parse("017"), 17);
	/* Every name this module prints parses back. */
	for (unsigned p = 0; p <= 255; p++) {
		const char *n = pctl_protocol_name((uint8_t)p);
		char num[8];

		if (n != NULL)
			assert_int_equal(pctl_protocol_parse(n), (int)p);
		snprintf(num, sizeof(num), "%u", p);
		assert_int_equal(pctl_protocol_parse(num), (int)p);
	}
	static const char *const bad[] = {
	    "",     "256",  "-1", "+6",  " 6", "6 ",
	    "0x6",  "tcpx", "tc", "1e2", "6a", "99999999999999999999",
	    "udp ",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(pctl_protocol_parse(bad[i]), -1);
		assert_int_equal(errno, EINVAL);
	}
	errno = 0;
	assert_int_equal(pctl_protocol_parse(NULL), -1);
	assert_int_equal(errno, EINVAL);
}

/* N-6 */
static void test_n6_natpmp_result_names(void **state)
{
	(void)state;
	assert_string_equal(pctl_natpmp_result_name(0), "SUCCESS");
	assert_string_equal(pctl_natpmp_result_name(1), "UNSUPP_VERSION");
	assert_string_equal(pctl_natpmp_result_name(2), "NOT_AUTHORIZED");
	assert_string_equal(pctl_natpmp_result_name(3), "NETWORK_FAILURE");
	assert_string_equal(pctl_natpmp_result_name(4), "NO_RESOURCES");
	assert_string_equal(pctl_natpmp_result_name(5), "UNSUPP_OPCODE");
	assert_string_equal(pctl_natpmp_result_name(6), "UNKNOWN");
	assert_string_equal(pctl_natpmp_result_name(0x0100), "UNKNOWN");
	assert_string_equal(pctl_natpmp_result_name(0xffff), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_w10_2_result_names),
	    cmocka_unit_test(test_w10_1_opcode_names),
	    cmocka_unit_test(test_w10_3_option_names),
	    cmocka_unit_test(test_r_result_classes),
	    cmocka_unit_test(test_protocol_names),
	    cmocka_unit_test(test_protocol_parse),
	    cmocka_unit_test(test_n6_natpmp_result_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
