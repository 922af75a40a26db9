/*
 * test_pcp_map_peer.c - the MAP (W-5) and PEER (W-6) fields at their
 * absolute offsets, and the server's fixed-field rules: MAP protocol 0 with
 * a port (S-32, W-5.1) and PEER zero fields (S-62).
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

/* W-5: suggested external port (42) and address (44) are read from their
 * offsets; reserved octets 37..39 are ignored. */
static void test_w5_map_suggested_fields_and_reserved(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	static const uint8_t sugg[16] = {0, 0, 0,    0,    0,   0, 0,   0,
	                                 0, 0, 0xff, 0xff, 203, 0, 113, 5};

	pcp_vec_map_request(&r);
	r.b[37] = 0xaa;
	r.b[38] = 0xbb;
	r.b[39] = 0xcc;
	r.b[42] = 0x13;
	r.b[43] = 0x88;
	memcpy(r.b + 44, sugg, 16);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.external_port, 5000);
	assert_memory_equal(msg.external_addr.b, sugg, 16);
	assert_int_equal(msg.protocol, 6);
	assert_int_equal(msg.remote_port, 0);
}

/* S-32, W-5.1: MAP protocol 0 with internal port 80 is MALFORMED_REQUEST,
 * pointing at the internal port (offset 40). */
static void test_s32_map_protocol_0_port_80_malformed(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[36] = 0;
	r.b[40] = 0;
	r.b[41] = 80;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 40, "S-32"));
	/* The same with lifetime 0 (a delete, S-55) is malformed too. */
	memset(r.b + 4, 0, 4);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 40, "S-32"));
}

/* W-5.2, S-32: protocol 0 with port 0 (all protocols) and protocol 6 with
 * port 0 (all ports) are well-formed. */
static void test_w5_2_wildcards_accepted(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[40] = 0;
	r.b[41] = 0;
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	r.b[36] = 0;
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.protocol, 0);
	assert_int_equal(msg.internal_port, 0);
}

/* W-6: PEER remote peer port (60) and address (64); reserved 62..63
 * ignored. */
static void test_w6_peer_fields(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	static const uint8_t peer[16] = {0, 0, 0,    0,    0,   0,  0,   0,
	                                 0, 0, 0xff, 0xff, 198, 51, 100, 7};

	pcp_vec_peer_request(&r);
	r.b[62] = 0xde;
	r.b[63] = 0xad;
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.opcode, PCTL_OP_PEER);
	assert_int_equal(msg.protocol, 6);
	assert_int_equal(msg.internal_port, 8080);
	assert_int_equal(msg.remote_port, 443);
	assert_memory_equal(msg.remote_addr.b, peer, 16);
}

/* S-62: PEER protocol 0 is MALFORMED_REQUEST at offset 36. */
static void test_s62_peer_protocol_0_malformed(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_peer_request(&r);
	r.b[36] = 0;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 36, "S-62"));
}

/* S-62: PEER internal port 0 is MALFORMED_REQUEST at offset 40. */
static void test_s62_peer_internal_port_0_malformed(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_peer_request(&r);
	r.b[40] = 0;
	r.b[41] = 0;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 40, "S-62"));
}

/* S-62: PEER remote peer port 0 is MALFORMED_REQUEST at offset 60. */
static void test_s62_peer_remote_port_0_malformed(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_peer_request(&r);
	r.b[60] = 0;
	r.b[61] = 0;
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 60, "S-62"));
}

/* W-6.1, E-11: a PEER with lifetime 0 is well-formed (it just does not
 * delete); that is the engine's business. */
static void test_w6_1_peer_lifetime_0_wellformed(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_peer_request(&r);
	memset(r.b + 4, 0, 4);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.lifetime, 0);
}

/* S-32 comes before the options (fixed fields first): a bad option after a
 * bad fixed field does not change the verdict. */
static void test_s32_fixed_fields_before_options(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	r.b[36] = 0;
	pcp_vec_add_option(&r, 100, NULL, 0);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 40, "S-32"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_w5_map_suggested_fields_and_reserved),
	    cmocka_unit_test(test_s32_map_protocol_0_port_80_malformed),
	    cmocka_unit_test(test_w5_2_wildcards_accepted),
	    cmocka_unit_test(test_w6_peer_fields),
	    cmocka_unit_test(test_s62_peer_protocol_0_malformed),
	    cmocka_unit_test(test_s62_peer_internal_port_0_malformed),
	    cmocka_unit_test(test_s62_peer_remote_port_0_malformed),
	    cmocka_unit_test(test_w6_1_peer_lifetime_0_wellformed),
	    cmocka_unit_test(test_s32_fixed_fields_before_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
