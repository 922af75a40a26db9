/*
 * test_pcp_options.c - options in requests as the server judges them: the
 * option header and padding (W-7), structure (S-19), order (S-18), repeats
 * (S-20), mandatory and optional codes (S-21), validity per opcode (S-23,
 * W-9), contents (S-71, S-77, S-78, S-81, S-84) and the extension options
 * (X-1 DESCRIPTION, X-2 PREFIX64, X-3 PORT_SET, X-4 THIRD_PARTY_ID).
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
static uint8_t big[PCTL_OPT_MAX_DATA + 4];

static bool is(const struct pcp_vec_buf *r, enum pctl_verdict v, uint8_t result,
               size_t offset, const char *id)
{
	return pcp_vec_request_is(r, v, result, offset, id, &msg, &err);
}

/* Option data of the typed options, valid for T-1's request. */
static const uint8_t third_party[16] = {0, 0, 0, 0, 0,    0,    0,   0,
                                        0, 0, 0, 0, 0xff, 0xff, 192, 0};
static const uint8_t port_set[5] = {0, 100, 0x1f, 0x90, 0};
static const uint8_t prefix64_req[14] = {0, 12};

/* T-1 with suggested external port 5000, as PREFER_FAILURE needs. */
static void map_with_port(struct pcp_vec_buf *r)
{
	pcp_vec_map_request(r);
	r->b[42] = 0x13;
	r->b[43] = 0x88;
}

static void filter_data(uint8_t d[20], uint8_t prefix, bool v4)
{
	memset(d, 0, 20);
	d[1] = prefix;
	if (v4) {
		d[14] = 0xff;
		d[15] = 0xff;
		d[16] = 198;
		d[17] = 51;
		d[18] = 100;
	} else {
		d[4] = 0x20;
		d[5] = 0x01;
		d[6] = 0x0d;
		d[7] = 0xb8;
	}
}

/* W-7: code, reserved (ignored), length, data; the options are kept in
 * order with their offsets and data pointers. */
static void test_w7_option_header_and_list(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	uint8_t f[20];

	map_with_port(&r);
	filter_data(f, 120, true);
	pcp_vec_add_option(&r, PCTL_OPT_FILTER, f, 20);
	size_t d = pcp_vec_add_option(&r, PCTL_OPT_DESCRIPTION, "web", 3);
	r.b[d + 1] = 0x5a; /* reserved octet: ignored */
	pcp_vec_add_option(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.n_options, 3);
	assert_int_equal(msg.options[0].offset, 60);
	assert_int_equal(msg.options[1].code, PCTL_OPT_DESCRIPTION);
	assert_int_equal(msg.options[1].offset, 84);
	assert_int_equal(msg.options[1].len, 3);
	assert_ptr_equal(msg.options[1].data, r.b + 88);
	assert_int_equal(msg.options[2].offset, 92);
	assert_null(msg.options[2].data);
	assert_ptr_equal(pctl_msg_option(&msg, PCTL_OPT_PREFER_FAILURE),
	                 &msg.options[2]);
	assert_null(pctl_msg_option(&msg, PCTL_OPT_THIRD_PARTY));
}

/* W-7.1: padding octets are skipped whatever they hold. */
static void test_w7_1_padding_skipped_even_nonzero(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	size_t o = pcp_vec_add_option(&r, PCTL_OPT_DESCRIPTION, "x", 1);
	memset(r.b + o + 5, 0xee, 3);
	pcp_vec_add_option(&r, 200, NULL, 0);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.n_options, 2);
	assert_int_equal(msg.options[1].offset, 68);
}

/* W-7.1: wire sizes 4 + L + padding. */
static void test_w7_1_option_wire_len(void **state)
{
	(void)state;
	assert_int_equal(pctl_option_wire_len(0), 4);
	assert_int_equal(pctl_option_wire_len(1), 8);
	assert_int_equal(pctl_option_wire_len(4), 8);
	assert_int_equal(pctl_option_wire_len(5), 12);
	assert_int_equal(pctl_option_wire_len(20), 24);
	assert_int_equal(pctl_option_wire_len(1016), 1020);
	assert_int_equal(pctl_option_wire_len(65535), 65540);
}

/* S-19: an option length running past the end is MALFORMED_OPTION at the
 * length field; so is a length that only its padding would overrun... which
 * cannot happen in a multiple-of-4 message, so the data itself overruns. */
static void test_s19_option_length_past_end_malformed_option(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	size_t o = pcp_vec_add_option(&r, PCTL_OPT_DESCRIPTION, "abcd", 4);
	r.b[o + 3] = 5;
	assert_true(
	    is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, o + 2, "S-19"));
	r.b[o + 2] = 0xff;
	r.b[o + 3] = 0xff;
	assert_true(
	    is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, o + 2, "S-19"));
	/* exactly to the end is fine */
	r.b[o + 2] = 0;
	r.b[o + 3] = 4;
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
}

/* S-18: options are judged in order of appearance: the first faulty one
 * decides the result. */
static void test_s18_options_processed_in_order(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	uint8_t f[20];

	pcp_vec_map_request(&r);
	filter_data(f, 129, true);
	pcp_vec_add_option(&r, 100, NULL, 0);
	pcp_vec_add_option(&r, PCTL_OPT_FILTER, f, 20);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_UNSUPP_OPTION, 60, "S-21"));

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_FILTER, f, 20);
	pcp_vec_add_option(&r, 100, NULL, 0);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 65, "S-81"));
}

/* S-20: two THIRD_PARTY options are MALFORMED_OPTION at the second. */
static void test_s20_two_third_party_malformed_option(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, third_party, 16);
	size_t second =
	    pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, third_party, 16);
	assert_true(
	    is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, second, "S-20"));
}

/* S-20, W-9: every other single-occurrence option repeated; FILTER may
 * repeat. */
static void test_s20_single_occurrence_options_repeated(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	uint8_t f[20];
	static const uint8_t codes[] = {PCTL_OPT_PREFER_FAILURE,
	                                PCTL_OPT_DESCRIPTION, PCTL_OPT_PREFIX64,
	                                PCTL_OPT_THIRD_PARTY_ID};
	static const uint16_t lens[] = {0, 2, 14, 4};

	for (size_t i = 0; i < sizeof(codes); i++) {
		map_with_port(&r);
		pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, third_party, 16);
		pcp_vec_add_option(&r, codes[i], prefix64_req, lens[i]);
		size_t o =
		    pcp_vec_add_option(&r, codes[i], prefix64_req, lens[i]);
		assert_true(
		    is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, o, "S-20"));
	}
	pcp_vec_map_request(&r);
	filter_data(f, 120, true);
	pcp_vec_add_option(&r, PCTL_OPT_FILTER, f, 20);
	pcp_vec_add_option(&r, PCTL_OPT_FILTER, f, 20);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
}

/* a repeated PORT_SET is MALFORMED_OPTION. */
static void test_x3_2_two_port_sets_malformed_option(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PORT_SET, port_set, 5);
	size_t o = pcp_vec_add_option(&r, PCTL_OPT_PORT_SET, port_set, 5);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, o, "X-3.2"));
}

/* S-21: mandatory codes this codec does not implement (0, RFC 7652's
 * 4..12, unassigned 14..127) are UNSUPP_OPTION. */
static void test_s21_option_code_100_unsupp_option(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	static const uint8_t codes[] = {0, 4, 5, 9, 12, 14, 63, 100, 127};

	for (size_t i = 0; i < sizeof(codes); i++) {
		pcp_vec_map_request(&r);
		pcp_vec_add_option(&r, codes[i], "abcd", 4);
		assert_true(
		    is(&r, PCTL_V_ERROR, PCTL_R_UNSUPP_OPTION, 60, "S-21"));
	}
	pcp_vec_peer_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_NONCE, "abcd", 4);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_UNSUPP_OPTION, 80, "S-21"));
}

/* S-21: unknown optional codes (200, 131, 255) are kept for the caller to
 * ignore, with any length and even repeated. */
static void test_s21_option_code_200_kept(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, 200, "abcdefg", 7);
	pcp_vec_add_option(&r, 200, NULL, 0);
	pcp_vec_add_option(&r, 131, NULL, 0);
	pcp_vec_add_option(&r, 255, "z", 1);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.n_options, 4);
	assert_int_equal(msg.options[0].code, 200);
	assert_int_equal(msg.options[3].code, 255);
}

/* S-23, S-63: PREFER_FAILURE in PEER is MALFORMED_REQUEST. */
static void test_s63_prefer_failure_in_peer_malformed_request(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_peer_request(&r);
	r.b[42] = 0x13;
	pcp_vec_add_option(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 80, "S-63"));
}

/* S-23 (impl-choice): FILTER in PEER is MALFORMED_REQUEST. */
static void test_s23_filter_in_peer_malformed_request(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	uint8_t f[20];

	pcp_vec_peer_request(&r);
	filter_data(f, 120, true);
	pcp_vec_add_option(&r, PCTL_OPT_FILTER, f, 20);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 80, "S-23"));
}

/* S-23 (impl-choice), W-9: THIRD_PARTY, PREFER_FAILURE, FILTER,
 * DESCRIPTION, PORT_SET, THIRD_PARTY_ID with ANNOUNCE are
 * MALFORMED_REQUEST; PREFIX64 is allowed there (X-2, W-4.3). */
static void test_s23_options_not_valid_with_announce(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	uint8_t f[20];
	static const uint8_t codes[] = {
	    PCTL_OPT_THIRD_PARTY, PCTL_OPT_PREFER_FAILURE,
	    PCTL_OPT_FILTER,      PCTL_OPT_DESCRIPTION,
	    PCTL_OPT_PORT_SET,    PCTL_OPT_THIRD_PARTY_ID};
	static const uint16_t lens[] = {16, 0, 20, 3, 5, 4};

	filter_data(f, 120, true);
	for (size_t i = 0; i < sizeof(codes); i++) {
		pcp_vec_announce_request(&r);
		pcp_vec_add_option(&r, codes[i], f, lens[i]);
		assert_true(
		    is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 24, "S-23"));
	}
	pcp_vec_announce_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PREFIX64, prefix64_req, 14);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.n_options, 1);
}

/* W-9: THIRD_PARTY, THIRD_PARTY_ID and DESCRIPTION are valid with PEER;
 * PREFIX64 and PORT_SET (optional-range, MAP only) are kept unjudged. */
static void test_w9_peer_option_validity(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_peer_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, third_party, 16);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY_ID, "id", 2);
	pcp_vec_add_option(&r, PCTL_OPT_DESCRIPTION, "voip", 4);
	pcp_vec_add_option(&r, PCTL_OPT_PREFIX64, "bad", 3);
	pcp_vec_add_option(&r, PCTL_OPT_PORT_SET, NULL, 0);
	pcp_vec_add_option(&r, PCTL_OPT_PORT_SET, NULL, 0);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.n_options, 6);
}

/* W-8, S-21: THIRD_PARTY data must be 16 octets. */
static void test_w8_third_party_length(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, third_party, 15);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 62, "S-21"));
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, big, 17);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 62, "S-21"));
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, NULL, 0);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 62, "S-21"));
}

/* S-71: THIRD_PARTY equal to the source is MALFORMED_REQUEST. */
static void test_s71_third_party_equals_source_malformed_request(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	pctl_addr src = pcp_vec_client();

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, src.b, 16);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_REQUEST, 64, "S-71"));
	/* Without a source given, the client address field stands for it. */
	assert_int_equal(pctl_request_decode(r.b, r.len, NULL, &msg, &err),
	                 PCTL_V_ERROR);
	assert_int_equal(err.result, PCTL_R_MALFORMED_REQUEST);
}

/* W-8: PREFER_FAILURE carries no data. */
static void test_w8_prefer_failure_with_data_malformed(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	map_with_port(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PREFER_FAILURE, "abcd", 4);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 62, "S-21"));
}

/* S-77: PREFER_FAILURE with suggested port 0 is MALFORMED_OPTION. */
static void test_s77_prefer_failure_port_0_malformed_option(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 60, "S-77"));
}

/* S-78, S-22: PREFER_FAILURE with lifetime 0 is MALFORMED_OPTION. */
static void test_s78_prefer_failure_lifetime_0_malformed_option(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	map_with_port(&r);
	memset(r.b + 4, 0, 4);
	pcp_vec_add_option(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 60, "S-78"));
}

/* W-8: FILTER data must be 20 octets. */
static void test_w8_filter_length(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	uint8_t f[24] = {0};

	filter_data(f, 120, true);
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_FILTER, f, 19);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 62, "S-21"));
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_FILTER, f, 21);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 62, "S-21"));
}

/* S-81: FILTER prefix 129 is MALFORMED_OPTION at the prefix octet; IPv4
 * below 96 too; IPv4 96..128, IPv6 1..128 and 0 (clear, S-82) are fine. */
static void test_s81_filter_prefix_129_malformed_option(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	uint8_t f[20];
	static const struct {
		uint8_t prefix;
		bool v4;
		bool ok;
	} cases[] = {{129, true, false}, {129, false, false},
	             {95, true, false},  {255, false, false},
	             {96, true, true},   {128, true, true},
	             {1, false, true},   {128, false, true},
	             {0, true, true},    {0, false, true}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pcp_vec_map_request(&r);
		filter_data(f, cases[i].prefix, cases[i].v4);
		pcp_vec_add_option(&r, PCTL_OPT_FILTER, f, 20);
		if (cases[i].ok)
			assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
		else
			assert_true(is(&r, PCTL_V_ERROR,
			               PCTL_R_MALFORMED_OPTION, 65, "S-81"));
	}
}

/* S-84: FILTER with lifetime 0 is MALFORMED_OPTION. */
static void test_s84_filter_lifetime_0_malformed_option(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	uint8_t f[20];

	pcp_vec_map_request(&r);
	memset(r.b + 4, 0, 4);
	filter_data(f, 120, true);
	pcp_vec_add_option(&r, PCTL_OPT_FILTER, f, 20);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 60, "S-84"));
}

/* X-1, W-11.1: DESCRIPTION of 0 and 1016 octets is accepted, 1017 is
 * MALFORMED_OPTION: invalid UTF-8 is kept for the server to ignore. */
static void test_x1_description_bounds_and_utf8(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_DESCRIPTION, NULL, 0);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	pcp_vec_map_request(&r);
	memset(big, 'a', sizeof(big));
	pcp_vec_add_option(&r, PCTL_OPT_DESCRIPTION, big, 1016);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(r.len, 1080);
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_DESCRIPTION, big, 1017);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 62, "X-1"));
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_DESCRIPTION, "\xc0\xaf", 2);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	assert_int_equal(msg.options[0].len, 2);
}

/* a request's PREFIX64 (length 14, or 16 with count 0) is
 * accepted; unreadable structure is MALFORMED_OPTION. */
static void test_x2_1_prefix64_in_request(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	uint8_t p[16] = {0, 12};

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PREFIX64, p, 14);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PREFIX64, p, 16);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PREFIX64, p, 13);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 64, "X-2.1"));
	p[1] = 9;
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PREFIX64, p, 14);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 64, "X-2.1"));
}

/* PORT_SET with size 0, or with PREFER_FAILURE in either order, is
 * MALFORMED_OPTION; a length other than 5 too (decision). */
static void test_x3_2_port_set_checks(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	uint8_t zero[5] = {0, 0, 0x1f, 0x90, 0};

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PORT_SET, zero, 5);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 64, "X-3.2"));
	map_with_port(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PORT_SET, port_set, 5);
	pcp_vec_add_option(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 72, "X-3.2"));
	map_with_port(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PREFER_FAILURE, NULL, 0);
	pcp_vec_add_option(&r, PCTL_OPT_PORT_SET, port_set, 5);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 64, "X-3.2"));
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PORT_SET, port_set, 4);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 62, "X-3.2"));
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_PORT_SET, big, 6);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 62, "X-3.2"));
}

/* RFC 7753 4.2 checks only requests with a non-zero lifetime, so a
 * delete carrying a size-0 PORT_SET is well-formed. */
static void test_x3_2_port_set_size_0_in_delete_accepted(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	uint8_t zero[5] = {0, 0, 0x1f, 0x90, 0};

	pcp_vec_map_request(&r);
	memset(r.b + 4, 0, 4);
	pcp_vec_add_option(&r, PCTL_OPT_PORT_SET, zero, 5);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
}

/* THIRD_PARTY_ID of 0 octets or of 1017 is MALFORMED_OPTION; 1 and
 * 1016 are fine. */
static void test_x4_1_third_party_id_bounds(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, third_party, 16);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY_ID, NULL, 0);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 82, "X-4.1"));
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY_ID, big, 1017);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_MALFORMED_OPTION, 62, "X-4.1"));
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, third_party, 16);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY_ID, big, 1016);
	assert_int_equal(r.len, PCTL_MAX_MSG);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, third_party, 16);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY_ID, big, 1);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
}

/* THIRD_PARTY_ID without THIRD_PARTY is THIRD_PARTY_MISSING_OPTION;
 * THIRD_PARTY may come after it. */
static void test_x4_1_third_party_id_without_third_party(void **state)
{
	(void)state;
	struct pcp_vec_buf r;

	pcp_vec_map_request(&r);
	pcp_vec_add_option(&r, PCTL_OPT_DESCRIPTION, "d", 1);
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY_ID, "id", 2);
	assert_true(is(&r, PCTL_V_ERROR, PCTL_R_THIRD_PARTY_MISSING_OPTION, 68,
	               "X-4.1"));
	pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY, third_party, 16);
	assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
}

/* W-8, W-11.1: every option the codec knows, and an unknown optional one,
 * at data lengths 0, 1016 and 1017 in a MAP request (a THIRD_PARTY is
 * added first when THIRD_PARTY_ID needs it, which moves the option to 80). */
static void test_w11_every_option_at_length_0_1016_1017(void **state)
{
	(void)state;
	struct pcp_vec_buf r;
	static const struct {
		uint8_t code;
		uint16_t len;
		uint8_t result; /* 0: accepted */
		size_t field;   /* offset in the option */
		const char *id;
	} cases[] = {
	    {PCTL_OPT_THIRD_PARTY, 0, PCTL_R_MALFORMED_OPTION, 2, "S-21"},
	    {PCTL_OPT_THIRD_PARTY, 1016, PCTL_R_MALFORMED_OPTION, 2, "S-21"},
	    {PCTL_OPT_THIRD_PARTY, 1017, PCTL_R_MALFORMED_OPTION, 2, "S-21"},
	    {PCTL_OPT_PREFER_FAILURE, 0, 0, 0, NULL},
	    {PCTL_OPT_PREFER_FAILURE, 1016, PCTL_R_MALFORMED_OPTION, 2, "S-21"},
	    {PCTL_OPT_PREFER_FAILURE, 1017, PCTL_R_MALFORMED_OPTION, 2, "S-21"},
	    {PCTL_OPT_FILTER, 0, PCTL_R_MALFORMED_OPTION, 2, "S-21"},
	    {PCTL_OPT_FILTER, 1016, PCTL_R_MALFORMED_OPTION, 2, "S-21"},
	    {PCTL_OPT_FILTER, 1017, PCTL_R_MALFORMED_OPTION, 2, "S-21"},
	    {PCTL_OPT_THIRD_PARTY_ID, 0, PCTL_R_MALFORMED_OPTION, 2, "X-4.1"},
	    {PCTL_OPT_THIRD_PARTY_ID, 1016, 0, 0, NULL},
	    {PCTL_OPT_THIRD_PARTY_ID, 1017, PCTL_R_MALFORMED_OPTION, 2,
	     "X-4.1"},
	    {PCTL_OPT_DESCRIPTION, 0, 0, 0, NULL},
	    {PCTL_OPT_DESCRIPTION, 1016, 0, 0, NULL},
	    {PCTL_OPT_DESCRIPTION, 1017, PCTL_R_MALFORMED_OPTION, 2, "X-1"},
	    {PCTL_OPT_PREFIX64, 0, PCTL_R_MALFORMED_OPTION, 4, "X-2.1"},
	    {PCTL_OPT_PREFIX64, 1016, PCTL_R_MALFORMED_OPTION, 4, "X-2.1"},
	    {PCTL_OPT_PREFIX64, 1017, PCTL_R_MALFORMED_OPTION, 4, "X-2.1"},
	    {PCTL_OPT_PORT_SET, 0, PCTL_R_MALFORMED_OPTION, 2, "X-3.2"},
	    {PCTL_OPT_PORT_SET, 1016, PCTL_R_MALFORMED_OPTION, 2, "X-3.2"},
	    {PCTL_OPT_PORT_SET, 1017, PCTL_R_MALFORMED_OPTION, 2, "X-3.2"},
	    {200, 0, 0, 0, NULL},
	    {200, 1016, 0, 0, NULL},
	    {200, 1017, 0, 0, NULL},
	};

	memset(big, 'a', sizeof(big));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool tp = cases[i].code == PCTL_OPT_THIRD_PARTY_ID &&
		          cases[i].len != 1017;
		map_with_port(&r);
		if (tp)
			pcp_vec_add_option(&r, PCTL_OPT_THIRD_PARTY,
			                   third_party, 16);
		size_t o =
		    pcp_vec_add_option(&r, cases[i].code, big, cases[i].len);
		if (cases[i].result == 0)
			assert_true(is(&r, PCTL_V_OK, 0, 0, NULL));
		else
			assert_true(is(&r, PCTL_V_ERROR, cases[i].result,
			               o + cases[i].field, cases[i].id));
		assert_int_equal(o, tp ? 80 : 60);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_w7_option_header_and_list),
	    cmocka_unit_test(test_w7_1_padding_skipped_even_nonzero),
	    cmocka_unit_test(test_w7_1_option_wire_len),
	    cmocka_unit_test(test_s19_option_length_past_end_malformed_option),
	    cmocka_unit_test(test_s18_options_processed_in_order),
	    cmocka_unit_test(test_s20_two_third_party_malformed_option),
	    cmocka_unit_test(test_s20_single_occurrence_options_repeated),
	    cmocka_unit_test(test_x3_2_two_port_sets_malformed_option),
	    cmocka_unit_test(test_s21_option_code_100_unsupp_option),
	    cmocka_unit_test(test_s21_option_code_200_kept),
	    cmocka_unit_test(test_s63_prefer_failure_in_peer_malformed_request),
	    cmocka_unit_test(test_s23_filter_in_peer_malformed_request),
	    cmocka_unit_test(test_s23_options_not_valid_with_announce),
	    cmocka_unit_test(test_w9_peer_option_validity),
	    cmocka_unit_test(test_w8_third_party_length),
	    cmocka_unit_test(
	        test_s71_third_party_equals_source_malformed_request),
	    cmocka_unit_test(test_w8_prefer_failure_with_data_malformed),
	    cmocka_unit_test(test_s77_prefer_failure_port_0_malformed_option),
	    cmocka_unit_test(
	        test_s78_prefer_failure_lifetime_0_malformed_option),
	    cmocka_unit_test(test_w8_filter_length),
	    cmocka_unit_test(test_s81_filter_prefix_129_malformed_option),
	    cmocka_unit_test(test_s84_filter_lifetime_0_malformed_option),
	    cmocka_unit_test(test_x1_description_bounds_and_utf8),
	    cmocka_unit_test(test_x2_1_prefix64_in_request),
	    cmocka_unit_test(test_x3_2_port_set_checks),
	    cmocka_unit_test(test_x3_2_port_set_size_0_in_delete_accepted),
	    cmocka_unit_test(test_x4_1_third_party_id_bounds),
	    cmocka_unit_test(test_x4_1_third_party_id_without_third_party),
	    cmocka_unit_test(test_w11_every_option_at_length_0_1016_1017),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
