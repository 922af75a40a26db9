/*
 * test_pcp_header.c - the server's reception pipeline of RFC 6887 section
 * 8.2 (S-3..S-10) in its order, and the common header (W-2..W-4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <portctl/wire.h>

#include <string.h>

#include "vectors.h"

static struct pctl_msg msg;
static struct pctl_error err;

static bool is(const struct pcp_vec_buf *r, enum pctl_verdict v, uint8_t result,
               size_t offset, const char *id)
{
	return pcp_vec_request_is(r, v, result, offset, id, &msg, &err);
}

/* A MAP request of len octets: T-1 followed by zeros. */
static void sized_map(struct pcp_vec_buf *r, size_t len)
{
	pcp_vec_map_request(r);
	r->len = len;
}

/* S-3: fewer than 2 octets are dropped; 0 octets and a NULL buffer too. */
static void test_s3_one_octet_dropped(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	sized_map(&r, 1);
	assert_true(is(&r, PCTL_V_DROP, 0, 0, "S-3"));
	sized_map(&r, 0);
	assert_true(is(&r, PCTL_V_DROP, 0, 0, "S-3"));
	assert_int_equal(pctl_request_decode(NULL, 0, NULL, &msg, NULL),
	                 PCTL_V_DROP);
}

/* S-4: a datagram with the R bit set is dropped, even one that would
 * otherwise fail the version check (S-4 comes first). */
static void test_s4_r_bit_dropped_before_version(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[1] |= 0x80;
	assert_true(is(&r, PCTL_V_DROP, 0, 1, "S-4"));
	r.b[0] = 1;
	assert_true(is(&r, PCTL_V_DROP, 0, 1, "S-4"));
}

/* S-5, S-5.3: version 0 is NAT-PMP, 1 and 3 are UNSUPP_VERSION. */
static void test_s5_unsupported_versions(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[0] = 0;
	assert_true(is(&r, PCTL_V_NATPMP, 0, 0, "S-5.3"));
	r.b[0] = 1;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_UNSUPP_VERSION, 0, "S-5"));
	r.b[0] = 3;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_UNSUPP_VERSION, 0, "S-5"));
	assert_int_equal(msg.version, 3);
	assert_int_equal(msg.opcode, PCTL_OP_MAP);
}

/* S-5.2: the version is judged before the 24-octet minimum, so 2-octet
 * datagrams of another version are answered, not dropped. */
static void test_s5_2_version_before_length(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	sized_map(&r, 2);
	r.b[0] = 1;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_UNSUPP_VERSION, 0, "S-5"));
	r.b[0] = 0;
	assert_true(is(&r, PCTL_V_NATPMP, 0, 0, "S-5.3"));
	sized_map(&r, 20);
	r.b[0] = 7;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_UNSUPP_VERSION, 0, "S-5"));
}

/* S-6, E-9: version 2 with fewer than 24 octets is dropped (20 octets, and
 * 2 octets). */
static void test_s6_v2_twenty_octets_dropped(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	sized_map(&r, 20);
	assert_true(is(&r, PCTL_V_DROP, 0, 20, "S-6"));
	sized_map(&r, 2);
	assert_true(is(&r, PCTL_V_DROP, 0, 2, "S-6"));
	pcp_vec_announce_request(&r);
	r.len = 23;
	assert_true(is(&r, PCTL_V_DROP, 0, 23, "S-6"));
}

/* S-8: 1104 octets is MALFORMED_REQUEST, pointing at octet 1100. */
static void test_s8_1104_octets_malformed_request(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	sized_map(&r, 1104);
	assert_true(
	    is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 1100, "S-8"));
	/* 1100 exactly is fine: zero options after the MAP are option code 0
	 * (mandatory, unknown), so it fails later, at S-21. */
	sized_map(&r, 1100);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_UNSUPP_OPTION, 60, "S-21"));
}

/* S-8: 62 octets is not a multiple of 4. */
static void test_s8_62_octets_not_multiple_of_4(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	sized_map(&r, 62);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 60, "S-8"));
	sized_map(&r, 25);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 24, "S-8"));
}

/* S-8: too short for the opcode: MAP of 56, PEER of 76 octets. */
static void test_s8_too_short_for_opcode(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	sized_map(&r, 56);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 56, "S-8"));
	pcp_vec_peer_request(&r);
	r.len = 76;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 76, "S-8"));
	sized_map(&r, 24);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 24, "S-8"));
}

/* S-8 before S-9: an over-long request from the wrong source is
 * MALFORMED_REQUEST, not ADDRESS_MISMATCH. */
static void test_s8_length_before_address_check(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	sized_map(&r, 1104);
	r.b[23] ^= 1;
	assert_true(
	    is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 1100, "S-8"));
}

/* S-9: client address different from the source is ADDRESS_MISMATCH; with
 * no source given the check is skipped. */
static void test_s9_client_ip_not_source_address_mismatch(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[23] = 11; /* 192.168.1.11 */
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_ADDRESS_MISMATCH, 8, "S-9"));
	assert_int_equal(pctl_request_decode(r.b, r.len, NULL, &msg, &err),
	                 PCTL_V_OK);
}

/* S-9, W-1.2: an IPv4 source in mapped form matches; the same four octets
 * in another 96-bit prefix do not. */
static void test_s9_ipv4_compared_in_mapped_form(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	pctl_addr src;
	static const uint8_t v4[4] = {192, 168, 1, 10};

	pctl_addr_from_v4(&src, v4);
	pcp_vec_map_request(&r);
	assert_int_equal(pctl_request_decode(r.b, r.len, &src, &msg, &err),
	                 PCTL_V_OK);
	r.b[18] = 0; /* ::192.168.1.10 (IPv4-compatible, not mapped) */
	r.b[19] = 0;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_ADDRESS_MISMATCH, 8, "S-9"));
}

/* S-9 applies to ANNOUNCE too (14.1.1). */
static void test_s9_announce_address_mismatch(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_announce_request(&r);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	r.b[8] = 0x20;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_ADDRESS_MISMATCH, 8, "S-9"));
}

/* S-10: opcode 5 is UNSUPP_OPCODE with everything after the header kept
 * uninterpreted, options included. */
static void test_s10_opcode_5_unsupp_opcode_payload_kept(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[1] = 5;
	pcp_vec_add_option(&r, 100, NULL, 0); /* would be UNSUPP_OPTION */
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_UNSUPP_OPCODE, 1, "S-10"));
	assert_int_equal(msg.opcode, 5);
	assert_ptr_equal(msg.opaque, r.b + 24);
	assert_int_equal(msg.opaque_len, r.len - 24);
	assert_int_equal(msg.n_options, 0);
}

/* S-10: AUTHENTICATION (3, RFC 7652) is not implemented; opcode 127 and a
 * bare 24-octet unknown request are unsupported too. */
static void test_s10_authentication_opcode_unsupported(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_announce_request(&r);
	r.b[1] = PCTL_OP_AUTHENTICATION;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_UNSUPP_OPCODE, 1, "S-10"));
	assert_int_equal(msg.opaque_len, 0);
	r.b[1] = 127;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_UNSUPP_OPCODE, 1, "S-10"));
}

/* S-9 before S-10, S-8 before S-10. */
static void test_s10_after_address_and_length_checks(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_announce_request(&r);
	r.b[1] = 9;
	r.b[23] = 1;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_ADDRESS_MISMATCH, 8, "S-9"));
	r.b[23] = 10;
	r.len = 26;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 24, "S-8"));
}

/* W-2: reserved octets 2..3 are ignored on receipt (octet 3 is kept in
 * result for RFC 7652, but does not fail the request). */
static void test_w2_reserved_octets_ignored(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[2] = 0xff;
	r.b[3] = 0x16;
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.result, 0x16);
	assert_int_equal(msg.lifetime, 7200);
}

/* W-4.1, W-4.2: ANNOUNCE is 24 octets; its lifetime is not judged. */
static void test_w4_announce_request(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_announce_request(&r);
	r.b[7] = 9;
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.opcode, PCTL_OP_ANNOUNCE);
	assert_int_equal(msg.n_options, 0);
	assert_null(msg.opaque);
}

/* A NULL error pointer is allowed; the verdict is still returned. */
static void test_null_error_pointer(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[0] = 1;
	assert_int_equal(pctl_request_decode(r.b, r.len, NULL, &msg, NULL),
	                 PCTL_V_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_s3_one_octet_dropped),
	    cmocka_unit_test(test_s4_r_bit_dropped_before_version),
	    cmocka_unit_test(test_s5_unsupported_versions),
	    cmocka_unit_test(test_s5_2_version_before_length),
	    cmocka_unit_test(test_s6_v2_twenty_octets_dropped),
	    cmocka_unit_test(test_s8_1104_octets_malformed_request),
	    cmocka_unit_test(test_s8_62_octets_not_multiple_of_4),
	    cmocka_unit_test(test_s8_too_short_for_opcode),
	    cmocka_unit_test(test_s8_length_before_address_check),
	    cmocka_unit_test(test_s9_client_ip_not_source_address_mismatch),
	    cmocka_unit_test(test_s9_ipv4_compared_in_mapped_form),
	    cmocka_unit_test(test_s9_announce_address_mismatch),
	    cmocka_unit_test(test_s10_opcode_5_unsupp_opcode_payload_kept),
	    cmocka_unit_test(test_s10_authentication_opcode_unsupported),
	    cmocka_unit_test(test_s10_after_address_and_length_checks),
	    cmocka_unit_test(test_w2_reserved_octets_ignored),
	    cmocka_unit_test(test_w4_announce_request),
	    cmocka_unit_test(test_null_error_pointer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
