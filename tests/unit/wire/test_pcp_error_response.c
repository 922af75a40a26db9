/*
 * test_pcp_error_response.c - pctl_error_response: the request copied back
 * (S-12), truncated to 1100 octets (S-8), padded to 4 and to 24 (S-5.2;
 * UNSUPP_VERSION: to the version-2 length of MAP and PEER),
 * with version 2, the R bit, octet 2 cleared, result, lifetime and epoch
 * (S-11), and octets 12..23 kept only for "not parsed" results (S-13).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <portctl/wire.h>

#include <string.h>

#include "vectors.h"

static uint8_t out[PCTL_MAX_MSG];
static struct pctl_msg msg;
static struct pctl_error err;

/* S-12, S-11: a MAP error is the request with the header set; the
 * suggested external port/address and every option come back. */
static void test_s12_error_copies_request_and_options(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[42] = 0x13;
	r.b[43] = 0x88;
	r.b[2] = 0xaa;
	pcp_vec_add_option(&r, PCTL_OPT_DESCRIPTION, "x", 1);
	pcp_vec_add_option(&r, 200, NULL, 0);
	size_t n = pctl_error_response(r.b, r.len, PCTL_R_NOT_AUTHORIZED, 1800,
	                               42, out);
	assert_int_equal(n, r.len);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[1], 0x81);
	assert_int_equal(out[2], 0);
	assert_int_equal(out[3], PCTL_R_NOT_AUTHORIZED);
	assert_memory_equal(out + 24, r.b + 24, r.len - 24);

	assert_int_equal(pctl_response_decode(out, n, &msg, &err), PCTL_V_OK);
	assert_int_equal(msg.lifetime, 1800);
	assert_int_equal(msg.epoch, 42);
	assert_int_equal(msg.external_port, 5000);
	assert_int_equal(msg.n_options, 2);
}

/* S-13: octets 12..23 are zero for results of parsed requests. */
static void test_s13_reserved_zeroed_when_parsed(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	static const uint8_t zero[12];
	static const uint8_t parsed[] = {
	    PCTL_R_NOT_AUTHORIZED,          PCTL_R_UNSUPP_OPTION,
	    PCTL_R_NETWORK_FAILURE,         PCTL_R_NO_RESOURCES,
	    PCTL_R_UNSUPP_PROTOCOL,         PCTL_R_USER_EX_QUOTA,
	    PCTL_R_CANNOT_PROVIDE_EXTERNAL, PCTL_R_ADDRESS_MISMATCH,
	    PCTL_R_EXCESSIVE_REMOTE_PEERS,  PCTL_R_THIRD_PARTY_MISSING_OPTION};

	pcp_vec_map_request(&r);
	for (size_t i = 0; i < sizeof(parsed); i++) {
		pctl_error_response(r.b, r.len, parsed[i], 30, 1, out);
		assert_memory_equal(out + 12, zero, 12);
	}
}

/* S-13 (impl-choice): UNSUPP_VERSION, MALFORMED_REQUEST, UNSUPP_OPCODE and
 * MALFORMED_OPTION keep the last 96 bits of the client address. */
static void test_s13_reserved_kept_when_not_parsed(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	static const uint8_t unparsed[] = {
	    PCTL_R_UNSUPP_VERSION, PCTL_R_MALFORMED_REQUEST,
	    PCTL_R_UNSUPP_OPCODE, PCTL_R_MALFORMED_OPTION};

	pcp_vec_map_request(&r);
	for (size_t i = 0; i < sizeof(unparsed); i++) {
		pctl_error_response(r.b, r.len, unparsed[i], 1800, 1, out);
		assert_memory_equal(out + 12, r.b + 12, 12);
	}
}

/* S-8: a 1104-octet request gets a 1100-octet answer. */
static void test_s8_error_truncated_to_1100(void **state)
{
	(void)state;
	static uint8_t req[1104];

	memcpy(req, pcp_vec_t1_map_request, 60);
	memset(req + 1096, 0xee, 8);
	assert_int_equal(pctl_error_response(req, sizeof(req),
	                                     PCTL_R_MALFORMED_REQUEST, 1800, 9,
	                                     out),
	                 PCTL_MAX_MSG);
	assert_int_equal(out[1099], 0xee);
}

/* S-12: a 62-octet request is padded with zeros to 64. */
static void test_s12_error_padded_to_multiple_of_4(void **state)
{
	(void)state;
	uint8_t req[62];

	memcpy(req, pcp_vec_t1_map_request, 60);
	req[60] = 0x99;
	req[61] = 0x98;
	memset(out, 0xff, sizeof(out));
	assert_int_equal(pctl_error_response(req, sizeof(req),
	                                     PCTL_R_MALFORMED_REQUEST, 1800, 9,
	                                     out),
	                 64);
	assert_int_equal(out[60], 0x99);
	assert_int_equal(out[61], 0x98);
	assert_int_equal(out[62], 0);
	assert_int_equal(out[63], 0);
}

/* S-5.1, S-5.2: a version-1 ANNOUNCE of 2 octets gets a 24-octet version-2
 * UNSUPP_VERSION answer carrying its opcode with the R bit. */
static void test_s5_2_short_request_padded_to_24(void **state)
{
	(void)state;
	static const uint8_t req[2] = {1, 0x00};
	static const uint8_t want[24] = {2,    0x80, 0, 1, 0, 0,
	                                 0x07, 0x08, 0, 0, 0, 5};

	memset(out, 0xff, sizeof(out));
	assert_int_equal(
	    pctl_error_response(req, 2, PCTL_R_UNSUPP_VERSION, 1800, 5, out),
	    24);
	assert_memory_equal(out, want, 24);
	memset(out, 0xff, sizeof(out));
	assert_int_equal(
	    pctl_error_response(NULL, 0, PCTL_R_UNSUPP_VERSION, 1800, 5, out),
	    24);
	assert_int_equal(out[1], 0x80);
	assert_int_equal(out[23], 0);
}

/* S-5.2 (issue 16): libpcpnatpmp's draft-version-1 MAP is 48 octets (no
 * nonce) and its PEER 68.  Under a version-2 header they must be as long as
 * a version-2 MAP (60) or PEER (80) response, else the client drops the
 * answer unread and never moves on to version 2.  The request is copied
 * as it is and zero-filled; a version-2 MALFORMED_REQUEST (the client sent
 * a short MAP itself) is not lengthened. */
static void test_s5_2_unsupp_version_as_long_as_a_v2_answer(void **state)
{
	(void)state;
	static const uint8_t zero[20];
	uint8_t req[68];

	for (size_t i = 0; i < sizeof(req); i++)
		req[i] = (uint8_t)(0xa0 + i);
	req[0] = 1;
	req[1] = PCTL_OP_MAP;
	memset(out, 0xff, sizeof(out));
	assert_int_equal(
	    pctl_error_response(req, 48, PCTL_R_UNSUPP_VERSION, 1800, 5, out),
	    PCTL_MAP_LEN);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[1], 0x81);
	assert_int_equal(out[3], PCTL_R_UNSUPP_VERSION);
	assert_memory_equal(out + 24, req + 24, 24);
	assert_memory_equal(out + 48, zero, 12);
	assert_int_equal(pctl_response_decode(out, PCTL_MAP_LEN, &msg, &err),
	                 PCTL_V_OK);
	assert_int_equal(msg.result, PCTL_R_UNSUPP_VERSION);

	req[1] = PCTL_OP_PEER;
	memset(out, 0xff, sizeof(out));
	assert_int_equal(
	    pctl_error_response(req, 68, PCTL_R_UNSUPP_VERSION, 1800, 5, out),
	    PCTL_PEER_LEN);
	assert_memory_equal(out + 24, req + 24, 44);
	assert_memory_equal(out + 68, zero, 12);

	/* Even two octets of a MAP: the answer is a whole MAP. */
	req[1] = PCTL_OP_MAP;
	assert_int_equal(
	    pctl_error_response(req, 2, PCTL_R_UNSUPP_VERSION, 1800, 5, out),
	    PCTL_MAP_LEN);

	req[0] = 2;
	req[1] = PCTL_OP_MAP;
	assert_int_equal(pctl_error_response(req, 48, PCTL_R_MALFORMED_REQUEST,
	                                     1800, 5, out),
	                 48);
}

/* S-10, R-4: UNSUPP_OPCODE echoes the uninterpreted payload. */
static void test_s10_unsupp_opcode_payload_echoed(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[1] = 5;
	assert_int_equal(
	    pctl_error_response(r.b, r.len, PCTL_R_UNSUPP_OPCODE, 1800, 3, out),
	    60);
	assert_int_equal(out[1], 0x85);
	assert_memory_equal(out + 12, r.b + 12, 48);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_s12_error_copies_request_and_options),
	    cmocka_unit_test(test_s13_reserved_zeroed_when_parsed),
	    cmocka_unit_test(test_s13_reserved_kept_when_not_parsed),
	    cmocka_unit_test(test_s8_error_truncated_to_1100),
	    cmocka_unit_test(test_s12_error_padded_to_multiple_of_4),
	    cmocka_unit_test(test_s5_2_short_request_padded_to_24),
	    cmocka_unit_test(test_s5_2_unsupp_version_as_long_as_a_v2_answer),
	    cmocka_unit_test(test_s10_unsupp_opcode_payload_echoed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
