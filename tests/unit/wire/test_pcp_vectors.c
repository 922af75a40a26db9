/*
 * test_pcp_vectors.c - CHECKLIST section 10 vectors T-1..T-5, byte-exact in
 * both directions: decoding gives the documented fields, encoding the
 * fields gives the documented bytes.
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
static uint8_t out[PCTL_MAX_MSG];

/* T-1: the MAP request decodes to its fields. */
static void test_t1_map_request_decodes(void **state)
{
	(void)state;
	pctl_addr client = pcp_vec_client();
	static const uint8_t nonce[12] = {1, 2, 3, 4,  5,  6,
	                                  7, 8, 9, 10, 11, 12};
	pctl_addr any4;

	assert_int_equal(pctl_request_decode(pcp_vec_t1_map_request, 60,
	                                     &client, &msg, &err),
	                 PCTL_V_OK);
	assert_int_equal(msg.version, 2);
	assert_false(msg.response);
	assert_int_equal(msg.opcode, PCTL_OP_MAP);
	assert_int_equal(msg.lifetime, 7200);
	assert_memory_equal(msg.client_addr.b, client.b, 16);
	assert_memory_equal(msg.nonce, nonce, 12);
	assert_int_equal(msg.protocol, 6);
	assert_int_equal(msg.internal_port, 8080);
	assert_int_equal(msg.external_port, 0);
	pctl_addr_set_any(&any4, true);
	assert_memory_equal(msg.external_addr.b, any4.b, 16);
	assert_int_equal(msg.n_options, 0);
}

/* T-1: the same fields encode to the same 60 octets. */
static void test_t1_map_request_encodes(void **state)
{
	(void)state;
	memset(&msg, 0, sizeof(msg));
	msg.opcode = PCTL_OP_MAP;
	msg.lifetime = 7200;
	msg.client_addr = pcp_vec_client();
	for (int i = 0; i < 12; i++)
		msg.nonce[i] = (uint8_t)(i + 1);
	msg.protocol = 6;
	msg.internal_port = 8080;
	pctl_addr_set_any(&msg.external_addr, true);

	assert_int_equal(pctl_encoded_len(&msg), 60);
	assert_int_equal(pctl_encode(&msg, out, sizeof(out)), 60);
	assert_memory_equal(out, pcp_vec_t1_map_request, 60);
}

/* Decodes T-1 followed by one option's wire bytes; returns that option,
 * which must be the only one. */
static const struct pctl_option *map_with_option(const uint8_t *opt, size_t n)
{
	static struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	memcpy(r.b + r.len, opt, n);
	r.len += n;
	assert_true(pcp_vec_request_is(&r, PCTL_V_OK, 0, 0, NULL, &msg, &err));
	assert_int_equal(msg.n_options, 1);
	assert_int_equal(msg.options[0].offset, 60);
	return &msg.options[0];
}

/* T-2: the FILTER option parses to 198.51.100.0/24 and packs back. */
static void test_t2_filter_option_both_ways(void **state)
{
	(void)state;
	struct pctl_filter f;
	uint8_t data[PCTL_FILTER_LEN];
	const struct pctl_option *o =
	    map_with_option(pcp_vec_t2_filter_option, 24);

	assert_int_equal(o->code, PCTL_OPT_FILTER);
	assert_int_equal(o->len, 20);
	assert_int_equal(pctl_filter_parse(o, &f), PCTL_R_SUCCESS);
	assert_int_equal(f.prefix_len, 120);
	assert_int_equal(f.port, 0);
	assert_memory_equal(f.addr.b, pcp_vec_t2_filter_option + 8, 16);

	pctl_filter_pack(&f, data);
	assert_memory_equal(data, pcp_vec_t2_filter_option + 4, 20);
	assert_int_equal(pctl_encode(&msg, out, sizeof(out)), 84);
	assert_memory_equal(out + 60, pcp_vec_t2_filter_option, 24);
}

/* T-3: the PORT_SET option, 5 data octets and 3 padding octets. */
static void test_t3_port_set_option_both_ways(void **state)
{
	(void)state;
	struct pctl_port_set ps;
	uint8_t data[PCTL_PORT_SET_LEN];
	const struct pctl_option *o =
	    map_with_option(pcp_vec_t3_port_set_option, 12);

	assert_int_equal(o->code, PCTL_OPT_PORT_SET);
	assert_int_equal(o->len, 5);
	assert_int_equal(pctl_port_set_parse(o, &ps), PCTL_R_SUCCESS);
	assert_int_equal(ps.size, 100);
	assert_int_equal(ps.first_internal_port, 50000);
	assert_false(ps.parity);

	pctl_port_set_pack(&ps, data);
	assert_memory_equal(data, pcp_vec_t3_port_set_option + 4, 5);
	assert_int_equal(pctl_option_wire_len(5), 12);
	assert_int_equal(pctl_encode(&msg, out, sizeof(out)), 72);
	assert_memory_equal(out + 60, pcp_vec_t3_port_set_option, 12);
}

/* T-4: the unsolicited ANNOUNCE both ways. */
static void test_t4_unsolicited_announce_both_ways(void **state)
{
	(void)state;
	memset(&msg, 0, sizeof(msg));
	msg.response = true;
	msg.opcode = PCTL_OP_ANNOUNCE;
	assert_int_equal(pctl_encode(&msg, out, sizeof(out)), 24);
	assert_memory_equal(out, pcp_vec_t4_unsolicited_announce, 24);

	assert_int_equal(pctl_response_decode(pcp_vec_t4_unsolicited_announce,
	                                      24, &msg, &err),
	                 PCTL_V_OK);
	assert_true(msg.response);
	assert_int_equal(msg.opcode, PCTL_OP_ANNOUNCE);
	assert_int_equal(msg.result, PCTL_R_SUCCESS);
	assert_int_equal(msg.epoch, 0);
	assert_int_equal(msg.lifetime, 0);
}

/* T-5: the NAT-PMP request is recognised, the PCP-only reply built from it
 * is byte-exact, and a client reads that reply as UNSUPP_VERSION. */
static void test_t5_natpmp_request_unsupp_version_reply(void **state)
{
	(void)state;
	assert_int_equal(
	    pctl_request_decode(pcp_vec_t5_natpmp_request, 2, NULL, &msg, &err),
	    PCTL_V_NATPMP);
	assert_int_equal(pctl_error_response(pcp_vec_t5_natpmp_request, 2,
	                                     PCTL_R_UNSUPP_VERSION, 1800, 1234,
	                                     out),
	                 24);
	assert_memory_equal(out, pcp_vec_t5_unsupp_version_reply, 24);

	assert_int_equal(pctl_response_decode(pcp_vec_t5_unsupp_version_reply,
	                                      24, &msg, &err),
	                 PCTL_V_OK);
	assert_int_equal(msg.result, PCTL_R_UNSUPP_VERSION);
	assert_int_equal(msg.lifetime, 1800);
	assert_int_equal(msg.epoch, 1234);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_t1_map_request_decodes),
	    cmocka_unit_test(test_t1_map_request_encodes),
	    cmocka_unit_test(test_t2_filter_option_both_ways),
	    cmocka_unit_test(test_t3_port_set_option_both_ways),
	    cmocka_unit_test(test_t4_unsolicited_announce_both_ways),
	    cmocka_unit_test(test_t5_natpmp_request_unsupp_version_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
