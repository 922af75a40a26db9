/*
 * test_pcp_response.c - the client's acceptance of responses (C-31..C-33,
 * C-38, C-50) in pctl_response_decode, and the policy-free pctl_decode used
 * by tools (structural faults are PCTL_V_ERROR with offset and rule).
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

/* T-1 turned into a success response (R bit, result 0, epoch 500). */
static void map_response(struct pcp_vec_buf *r)
{
	pcp_vec_map_request(r);
	r->b[1] |= 0x80;
	memset(r->b + 8, 0, 16);
	r->b[10] = 0x01;
	r->b[11] = 0xf4;
}

/* Did the last decode give verdict v, and for a fault the offset and a
 * rule citing id (no rule when id is NULL)? */
static bool said(enum pctl_verdict got, enum pctl_verdict v, size_t offset,
                 const char *id)
{
	if (got != v || err.verdict != v)
		return false;
	if (!id)
		return err.rule == NULL;
	return err.offset == offset && err.rule &&
	       strncmp(err.rule, id, strlen(id)) == 0;
}

static bool response_is(const struct pcp_vec_buf *r, enum pctl_verdict v,
                        size_t offset, const char *id)
{
	return said(pctl_response_decode(r->b, r->len, &msg, &err), v, offset,
	            id);
}

static bool tool_is(const struct pcp_vec_buf *r, enum pctl_verdict v,
                    size_t offset, const char *id)
{
	return said(pctl_decode(r->b, r->len, &msg, &err), v, offset, id);
}

/* C-31: fewer than 4 octets, or the R bit clear, is dropped. */
static void test_c31_runt_and_request_dropped(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	map_response(&r);
	r.len = 3;
	assert_true(response_is(&r, PCTL_V_DROP, 0, "C-31"));
	pcp_vec_map_request(&r);
	assert_true(response_is(&r, PCTL_V_DROP, 1, "C-31"));
	assert_int_equal(pctl_response_decode(NULL, 0, &msg, NULL),
	                 PCTL_V_DROP);
}

/* C-32, C-50: UNSUPP_VERSION is delivered whatever its version and
 * length: a NAT-PMP server's 8-octet reply, and a 12-octet version-3 one. */
static void test_c32_unsupp_version_any_version_accepted(void **state)
{
	(void)state;
	struct pcp_vec_buf r = {.b = {0, 0x80, 0, 1, 0, 0, 0x30, 0x39},
	                        .len = 8};

	assert_true(response_is(&r, PCTL_V_OK, 0, NULL));
	assert_int_equal(msg.version, 0);
	assert_int_equal(msg.result, PCTL_R_UNSUPP_VERSION);
	r.b[0] = 3;
	r.len = 12;
	r.b[11] = 7;
	assert_true(response_is(&r, PCTL_V_OK, 0, NULL));
	assert_int_equal(msg.version, 3);
	assert_int_equal(msg.epoch, 7);
	/* version 3 with another result is not for us */
	r.b[3] = 0;
	assert_true(response_is(&r, PCTL_V_DROP, 0, "C-50"));
}

/* C-33: shorter than 24, longer than 1100, not a multiple of 4, or too
 * short for the opcode is ignored. */
static void test_c33_bad_lengths_dropped(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	map_response(&r);
	r.len = 20;
	assert_true(response_is(&r, PCTL_V_DROP, 20, "C-33"));
	r.len = 1104;
	assert_true(response_is(&r, PCTL_V_DROP, 1100, "C-33"));
	r.len = 62;
	assert_true(response_is(&r, PCTL_V_DROP, 60, "C-33"));
	r.len = 56;
	assert_true(response_is(&r, PCTL_V_DROP, 56, "C-33"));
	r.len = 60;
	assert_true(response_is(&r, PCTL_V_OK, 0, NULL));
	assert_int_equal(msg.epoch, 500);
	assert_int_equal(msg.internal_port, 8080);
}

/* C-38: unknown options of both ranges are kept in a response, and single
 * options may repeat (PREFIX64, X-2.3). */
static void test_c38_unknown_options_kept(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	static const uint8_t p64[14] = {0, 12};

	map_response(&r);
	pcp_vec_add_option(&r, 100, "abc", 3);
	pcp_vec_add_option(&r, 200, NULL, 0);
	pcp_vec_add_option(&r, PCTL_OPT_PREFIX64, p64, 14);
	pcp_vec_add_option(&r, PCTL_OPT_PREFIX64, p64, 14);
	assert_true(response_is(&r, PCTL_V_OK, 0, NULL));
	assert_int_equal(msg.n_options, 4);
	assert_int_equal(msg.options[0].code, 100);
}

/* C-38 (decision): a success response whose options overrun is dropped;
 * an error response still delivers its result with the options read. */
static void test_c38_broken_options_in_success_dropped(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	map_response(&r);
	pcp_vec_add_option(&r, 200, NULL, 0);
	size_t o = pcp_vec_add_option(&r, 201, "abcd", 4);
	r.b[o + 3] = 40;
	assert_true(response_is(&r, PCTL_V_DROP, o + 2, "C-38"));
	r.b[3] = PCTL_R_MALFORMED_OPTION;
	assert_true(response_is(&r, PCTL_V_OK, 0, NULL));
	assert_int_equal(msg.result, PCTL_R_MALFORMED_OPTION);
	assert_int_equal(msg.n_options, 1);
}

/* S-10 on the client side: an unknown opcode's body is kept opaque. */
static void test_c_unknown_opcode_response_opaque(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	map_response(&r);
	r.b[1] = 0x80 | 9;
	assert_true(response_is(&r, PCTL_V_OK, 0, NULL));
	assert_int_equal(msg.opaque_len, 36);
	assert_int_equal(msg.n_options, 0);
}

/* pctl_decode: a request and a response both decode without policy: an
 * address mismatch, unknown opcode or unsupported option is not judged. */
static void test_tools_decode_without_policy(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[36] = 0; /* S-32 would reject */
	pcp_vec_add_option(&r, 100, NULL, 0);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, NULL, 0);
	assert_true(tool_is(&r, PCTL_V_OK, 0, NULL));
	assert_int_equal(msg.n_options, 2);
	map_response(&r);
	assert_true(tool_is(&r, PCTL_V_OK, 0, NULL));
	assert_true(msg.response);
	r.b[1] = 0x03;
	assert_true(tool_is(&r, PCTL_V_OK, 0, NULL));
	assert_int_equal(msg.opaque_len, 36);
}

/* pctl_decode: structural faults are PCTL_V_ERROR with offset and rule;
 * version 0 is handed to NAT-PMP. */
static void test_tools_decode_structural_faults(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.len = 1;
	assert_true(tool_is(&r, PCTL_V_ERROR, 0, "S-3"));
	r.len = 60;
	r.b[0] = 0;
	assert_true(tool_is(&r, PCTL_V_NATPMP, 0, "S-5.3"));
	r.b[0] = 1;
	assert_true(tool_is(&r, PCTL_V_ERROR, 0, "S-5"));
	assert_int_equal(err.result, PCTL_R_UNSUPP_VERSION);
	r.b[0] = 2;
	r.len = 20;
	assert_true(tool_is(&r, PCTL_V_ERROR, 20, "S-6"));
	r.len = 58;
	assert_true(tool_is(&r, PCTL_V_ERROR, 56, "S-8"));
	r.len = 56;
	assert_true(tool_is(&r, PCTL_V_ERROR, 56, "S-8"));
	r.len = 60;
	size_t o = pcp_vec_add_option(&r, 200, "abcd", 4);
	r.b[o + 3] = 9;
	assert_true(tool_is(&r, PCTL_V_ERROR, o + 2, "S-19"));
	assert_int_equal(err.result, PCTL_R_MALFORMED_OPTION);
	assert_int_equal(msg.protocol, 6); /* decoded as far as it got */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_c31_runt_and_request_dropped),
	    cmocka_unit_test(test_c32_unsupp_version_any_version_accepted),
	    cmocka_unit_test(test_c33_bad_lengths_dropped),
	    cmocka_unit_test(test_c38_unknown_options_kept),
	    cmocka_unit_test(test_c38_broken_options_in_success_dropped),
	    cmocka_unit_test(test_c_unknown_opcode_response_opaque),
	    cmocka_unit_test(test_tools_decode_without_policy),
	    cmocka_unit_test(test_tools_decode_structural_faults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
