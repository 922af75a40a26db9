/*
 * test_pcp_encode.c - pctl_encode / pctl_encoded_len: requests and
 * responses of ANNOUNCE, MAP and PEER with options survive encode -> decode
 * -> encode unchanged; reserved fields and padding are written as zero
 * (W-2, W-3, W-5, W-6, W-7.1); size limits give 0 (K-5, W-11.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <portctl/wire.h>

#include <string.h>

#include "vectors.h"

static struct pctl_msg in, back;
static struct pctl_error err;
static uint8_t buf[PCTL_MAX_MSG + 64], again[PCTL_MAX_MSG];

static void fill_mapping(struct pctl_msg *m, uint8_t opcode, bool response)
{
	memset(m, 0, sizeof(*m));
	m->opcode = opcode;
	m->response = response;
	m->lifetime = 3600;
	m->client_addr = pcp_vec_client();
	for (int i = 0; i < PCTL_NONCE_LEN; i++)
		m->nonce[i] = (uint8_t)(0xa0 + i);
	m->protocol = 17;
	m->internal_port = 5004;
	m->external_port = 40000;
	assert_int_equal(pctl_addr_from_str(&m->external_addr, "203.0.113.9"),
	                 0);
	if (opcode == PCTL_OP_PEER) {
		m->remote_port = 3478;
		assert_int_equal(
		    pctl_addr_from_str(&m->remote_addr, "198.51.100.20"), 0);
	}
	if (response) {
		m->epoch = 77;
		m->client_addr = (pctl_addr){{0}}; /* not carried */
	}
}

/* Encodes in, decodes it with the policy-free decoder, checks every field
 * and option, then re-encodes byte for byte. */
static size_t roundtrip(size_t want_len)
{
	size_t n = pctl_encode(&in, buf, sizeof(buf));

	assert_int_equal(n, want_len);
	assert_int_equal(pctl_encoded_len(&in), want_len);
	assert_int_equal(pctl_decode(buf, n, &back, &err), PCTL_V_OK);
	assert_int_equal(back.version, PCTL_VERSION);
	assert_int_equal(back.response, in.response);
	assert_int_equal(back.opcode, in.opcode);
	assert_int_equal(back.lifetime, in.lifetime);
	assert_int_equal(back.epoch, in.epoch);
	assert_memory_equal(back.client_addr.b, in.client_addr.b, 16);
	assert_memory_equal(back.nonce, in.nonce, PCTL_NONCE_LEN);
	assert_int_equal(back.protocol, in.protocol);
	assert_int_equal(back.internal_port, in.internal_port);
	assert_int_equal(back.external_port, in.external_port);
	assert_memory_equal(back.external_addr.b, in.external_addr.b, 16);
	assert_int_equal(back.remote_port, in.remote_port);
	assert_memory_equal(back.remote_addr.b, in.remote_addr.b, 16);
	assert_int_equal(back.n_options, in.n_options);
	for (size_t i = 0; i < in.n_options; i++) {
		assert_int_equal(back.options[i].code, in.options[i].code);
		assert_int_equal(back.options[i].len, in.options[i].len);
		if (in.options[i].len)
			assert_memory_equal(back.options[i].data,
			                    in.options[i].data,
			                    in.options[i].len);
	}
	assert_int_equal(pctl_encode(&back, again, sizeof(again)), n);
	assert_memory_equal(again, buf, n);
	return n;
}

/* Adds one of each option the codec knows, typed ones packed. */
static void add_all_options(struct pctl_msg *m)
{
	static uint8_t filter[PCTL_FILTER_LEN], ps[PCTL_PORT_SET_LEN];
	static uint8_t p64[14];
	static const uint8_t tp[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 1};
	struct pctl_filter f = {.prefix_len = 120};
	struct pctl_port_set set = {.size = 10, .first_internal_port = 5004};
	struct pctl_prefix64 p = {.prefix_len = 12};

	assert_int_equal(pctl_addr_from_str(&f.addr, "198.51.100.0"), 0);
	pctl_filter_pack(&f, filter);
	pctl_port_set_pack(&set, ps);
	assert_int_equal(pctl_prefix64_pack(&p, p64, sizeof(p64)), 14);
	assert_int_equal(pctl_msg_add_option(m, PCTL_OPT_THIRD_PARTY, tp, 16),
	                 0);
	assert_int_equal(pctl_msg_add_option(m, PCTL_OPT_FILTER, filter, 20),
	                 0);
	assert_int_equal(pctl_msg_add_option(m, PCTL_OPT_PORT_SET, ps, 5), 0);
	assert_int_equal(pctl_msg_add_option(m, PCTL_OPT_PREFIX64, p64, 14), 0);
	assert_int_equal(pctl_msg_add_option(m, PCTL_OPT_DESCRIPTION, "cam", 3),
	                 0);
	assert_int_equal(
	    pctl_msg_add_option(m, PCTL_OPT_THIRD_PARTY_ID, "z", 1), 0);
	assert_int_equal(
	    pctl_msg_add_option(m, PCTL_OPT_PREFER_FAILURE, NULL, 0), 0);
}

/* W-5, W-7: a MAP request with every option. */
static void test_w5_map_request_roundtrip_with_options(void **state)
{
	(void)state;
	fill_mapping(&in, PCTL_OP_MAP, false);
	add_all_options(&in);
	/* 60 + 20 + 24 + 12 + 20 + 8 + 8 + 4 */
	roundtrip(156);
	assert_int_equal(back.options[1].offset, 80);
}

/* W-5, W-3: a MAP response with options. */
static void test_w5_map_response_roundtrip(void **state)
{
	(void)state;
	fill_mapping(&in, PCTL_OP_MAP, true);
	in.result = PCTL_R_SUCCESS;
	add_all_options(&in);
	roundtrip(156);
	assert_int_equal(pctl_response_decode(buf, 156, &back, &err),
	                 PCTL_V_OK);
}

/* W-6: PEER request and error response. */
static void test_w6_peer_roundtrip(void **state)
{
	(void)state;
	fill_mapping(&in, PCTL_OP_PEER, false);
	pctl_msg_add_option(&in, PCTL_OPT_DESCRIPTION, "sip", 3);
	roundtrip(88);
	fill_mapping(&in, PCTL_OP_PEER, true);
	in.result = PCTL_R_CANNOT_PROVIDE_EXTERNAL;
	roundtrip(80);
	assert_int_equal(back.result, PCTL_R_CANNOT_PROVIDE_EXTERNAL);
}

/* W-4, W-4.2: ANNOUNCE request and response are 24 octets (plus options)
 * with lifetime 0 on transmission; an ANNOUNCE error keeps its lifetime. */
static void test_w4_announce_roundtrip_lifetime_zero(void **state)
{
	(void)state;
	static const uint8_t p64[14] = {0, 12};

	memset(&in, 0, sizeof(in));
	in.opcode = PCTL_OP_ANNOUNCE;
	in.client_addr = pcp_vec_client();
	pctl_msg_add_option(&in, PCTL_OPT_PREFIX64, p64, 14);
	roundtrip(44);
	in.lifetime = 99;
	assert_int_equal(pctl_encode(&in, buf, sizeof(buf)), 44);
	assert_int_equal(buf[7], 0);

	memset(&in, 0, sizeof(in));
	in.opcode = PCTL_OP_ANNOUNCE;
	in.response = true;
	in.epoch = 12345;
	roundtrip(24);
	in.lifetime = 1800;
	in.result = PCTL_R_ADDRESS_MISMATCH;
	roundtrip(24);
}

/* S-10: an unknown opcode is carried by its opaque body, padded to 4. */
static void test_s10_unknown_opcode_opaque_roundtrip(void **state)
{
	(void)state;
	static const uint8_t body[6] = {1, 2, 3, 4, 5, 6};

	memset(&in, 0, sizeof(in));
	in.opcode = 42;
	in.opaque = body;
	in.opaque_len = 6;
	assert_int_equal(pctl_encoded_len(&in), 32);
	assert_int_equal(pctl_encode(&in, buf, sizeof(buf)), 32);
	assert_memory_equal(buf + 24, body, 6);
	assert_int_equal(buf[30], 0);
	assert_int_equal(buf[31], 0);
	assert_int_equal(pctl_decode(buf, 32, &back, &err), PCTL_V_OK);
	assert_int_equal(back.opcode, 42);
	assert_int_equal(back.opaque_len, 8);
	assert_ptr_equal(back.opaque, buf + 24);
}

/* W-2, W-3, W-5, W-6, W-7: reserved fields of a decoded message come out
 * as zero; option padding is zero; version is always 2. */
static void test_w2_reserved_fields_written_zero(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_peer_request(&r);
	size_t o = pcp_vec_add_option(&r, PCTL_OPT_DESCRIPTION, "ab", 2);
	r.b[2] = 0x11;
	r.b[3] = 0x22;
	r.b[37] = r.b[38] = r.b[39] = 0x33;
	r.b[62] = r.b[63] = 0x44;
	r.b[o + 1] = 0x55;
	r.b[o + 6] = r.b[o + 7] = 0x66;
	assert_int_equal(pctl_decode(r.b, r.len, &back, &err), PCTL_V_OK);
	back.version = 9;
	assert_int_equal(pctl_encode(&back, buf, sizeof(buf)), r.len);
	assert_int_equal(buf[0], 2);
	r.b[2] = r.b[3] = 0;
	r.b[37] = r.b[38] = r.b[39] = 0;
	r.b[62] = r.b[63] = 0;
	r.b[o + 1] = 0;
	r.b[o + 6] = r.b[o + 7] = 0;
	assert_memory_equal(buf, r.b, r.len);

	/* W-3: response octet 2 and octets 12..23 are zero. */
	pcp_vec_map_request(&r);
	r.b[1] |= 0x80;
	r.b[2] = 0x77;
	memset(r.b + 12, 0x88, 12);
	assert_int_equal(pctl_decode(r.b, r.len, &back, &err), PCTL_V_OK);
	assert_int_equal(back.reserved96[0], 0x88);
	assert_int_equal(pctl_encode(&back, buf, sizeof(buf)), 60);
	assert_int_equal(buf[2], 0);
	static const uint8_t zero12[12];
	assert_memory_equal(buf + 12, zero12, 12);
}

/* K-5, W-11.1: more than 1100 octets, a short cap, an option over 1016
 * octets or with no data all give 0. */
static void test_k5_encode_overflow_returns_0(void **state)
{
	(void)state;
	static const uint8_t data[PCTL_OPT_MAX_DATA + 1];

	fill_mapping(&in, PCTL_OP_MAP, false);
	assert_int_equal(pctl_encode(&in, buf, 59), 0);
	assert_int_equal(pctl_encode(&in, buf, 60), 60);
	pctl_msg_add_option(&in, 200, data, 1016); /* 60 + 1020 = 1080 */
	assert_int_equal(pctl_encoded_len(&in), 1080);
	pctl_msg_add_option(&in, 200, data, 16); /* 1100 */
	assert_int_equal(pctl_encode(&in, buf, sizeof(buf)), 1100);
	pctl_msg_add_option(&in, 200, NULL, 0); /* 1104 */
	assert_int_equal(pctl_encoded_len(&in), 0);
	assert_int_equal(pctl_encode(&in, buf, sizeof(buf)), 0);

	fill_mapping(&in, PCTL_OP_MAP, false);
	in.n_options = 1;
	in.options[0] =
	    (struct pctl_option){.code = 200, .len = 1017, .data = data};
	assert_int_equal(pctl_encoded_len(&in), 0);
	in.options[0].len = 4;
	in.options[0].data = NULL;
	assert_int_equal(pctl_encoded_len(&in), 0);
	in.n_options = PCTL_MAX_OPTIONS + 1;
	assert_int_equal(pctl_encoded_len(&in), 0);

	memset(&in, 0, sizeof(in));
	in.opcode = 50;
	in.opaque_len = 4; /* and no pointer */
	assert_int_equal(pctl_encoded_len(&in), 0);
}

/* W-2, A-1: request octet 3 is reserved (written 0) except in RFC 7652
 * AUTHENTICATION requests, whose PA-Client result code it carries. */
static void test_w2_request_octet3_only_for_authentication(void **state)
{
	(void)state;
	static const uint8_t body[8] = {0, 0, 0, 1, 0, 0, 0, 0};

	memset(&in, 0, sizeof(in));
	in.opcode = PCTL_OP_AUTHENTICATION;
	in.result = 14; /* INITIATION */
	in.opaque = body;
	in.opaque_len = sizeof(body);
	assert_int_equal(pctl_encode(&in, buf, sizeof(buf)), 32);
	assert_int_equal(buf[3], 14);
	in.opcode = PCTL_OP_ANNOUNCE;
	assert_int_equal(pctl_encode(&in, buf, sizeof(buf)), 24);
	assert_int_equal(buf[3], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_w5_map_request_roundtrip_with_options),
	    cmocka_unit_test(test_w5_map_response_roundtrip),
	    cmocka_unit_test(test_w6_peer_roundtrip),
	    cmocka_unit_test(test_w4_announce_roundtrip_lifetime_zero),
	    cmocka_unit_test(test_s10_unknown_opcode_opaque_roundtrip),
	    cmocka_unit_test(test_w2_reserved_fields_written_zero),
	    cmocka_unit_test(test_k5_encode_overflow_returns_0),
	    cmocka_unit_test(test_w2_request_octet3_only_for_authentication),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
