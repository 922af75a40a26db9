/*
 * test_natpmp.c - the NAT-PMP codec (RFC 6886 section 3; checklist N-1..N-7,
 * E-8, N-22): every message byte-exact in both directions, the server's
 * verdicts and error replies, and the client's tolerance.
 */
/* cmocka needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <portctl/wire.h>

#include <string.h>

/* Decodes buf as a request and checks the verdict (and result code). */
static enum pctl_verdict req(const uint8_t *buf, size_t len,
                             struct pctl_natpmp *m, struct pctl_error *e)
{
	memset(e, 0x5a, sizeof(*e));
	return pctl_natpmp_request_decode(buf, len, m, e);
}

static enum pctl_verdict resp(const uint8_t *buf, size_t len,
                              struct pctl_natpmp *m, struct pctl_error *e)
{
	memset(e, 0x5a, sizeof(*e));
	return pctl_natpmp_response_decode(buf, len, m, e);
}

/* Encodes m and checks the bytes. */
static void assert_encodes_to(const struct pctl_natpmp *m, const uint8_t *want,
                              size_t want_len)
{
	uint8_t buf[64];

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(pctl_natpmp_encode(m, buf, sizeof(buf)), want_len);
	assert_memory_equal(buf, want, want_len);
	/* An exact-size buffer is enough, one octet less is not. */
	assert_int_equal(pctl_natpmp_encode(m, buf, want_len), want_len);
	assert_int_equal(pctl_natpmp_encode(m, buf, want_len - 1), 0);
}

/* ---- N-1 external address request ------------------------------------ */

static const uint8_t n1_req[] = {0x00, 0x00};

static void test_n1_extaddr_request_decode(void **state)
{
	(void)state;
	struct pctl_natpmp m;
	struct pctl_error e;

	assert_int_equal(req(n1_req, sizeof(n1_req), &m, &e), PCTL_V_OK);
	assert_int_equal(e.verdict, PCTL_V_OK);
	assert_null(e.rule);
	assert_int_equal(m.version, 0);
	assert_false(m.response);
	assert_int_equal(m.opcode, PCTL_NATPMP_OP_EXTERNAL_ADDR);
}

static void test_n1_extaddr_request_encode(void **state)
{
	(void)state;
	struct pctl_natpmp m = {.opcode = PCTL_NATPMP_OP_EXTERNAL_ADDR};

	assert_encodes_to(&m, n1_req, sizeof(n1_req));
}

/* ---- N-2 external address response ------------------------------------ */

/* Result 0, epoch 0x01020304, external 203.0.113.7. */
static const uint8_t n2_resp[] = {0x00, 0x80, 0x00, 0x00, 0x01, 0x02,
                                  0x03, 0x04, 203,  0,    113,  7};

static void test_n2_extaddr_response_decode(void **state)
{
	(void)state;
	struct pctl_natpmp m;
	struct pctl_error e;
	static const uint8_t ext[4] = {203, 0, 113, 7};

	assert_int_equal(resp(n2_resp, sizeof(n2_resp), &m, &e), PCTL_V_OK);
	assert_true(m.response);
	assert_int_equal(m.opcode, 0);
	assert_int_equal(m.result, 0);
	assert_int_equal(m.epoch, 0x01020304);
	assert_memory_equal(m.external_addr, ext, 4);
}

static void test_n2_extaddr_response_encode(void **state)
{
	(void)state;
	struct pctl_natpmp m = {.response = true,
	                        .opcode = PCTL_NATPMP_OP_EXTERNAL_ADDR,
	                        .epoch = 0x01020304,
	                        .external_addr = {203, 0, 113, 7}};

	assert_encodes_to(&m, n2_resp, sizeof(n2_resp));
}

/* N-2: on error the address MUST be zero on tx and ignored on rx. */
static void test_n2_extaddr_error_address_zero_and_ignored(void **state)
{
	(void)state;
	static const uint8_t want[] = {0x00, 0x80, 0x00, 0x03, 0, 0,
	                               0,    9,    0,    0,    0, 0};
	struct pctl_natpmp m = {.response = true,
	                        .result = PCTL_NATPMP_R_NETWORK_FAILURE,
	                        .epoch = 9,
	                        .external_addr = {198, 51, 100, 1}};
	struct pctl_error e;
	uint8_t wire[12];

	assert_encodes_to(&m, want, sizeof(want));

	memcpy(wire, want, sizeof(wire));
	wire[8] = 198; /* garbage address in an error reply */
	wire[11] = 1;
	assert_int_equal(resp(wire, sizeof(wire), &m, &e), PCTL_V_OK);
	assert_int_equal(m.result, 3);
	static const uint8_t zero[4];
	assert_memory_equal(m.external_addr, zero, 4);
}

/* ---- N-3 map request --------------------------------------------------- */

/* Map TCP, internal 8080, suggested external 8081, lifetime 7200 (K-30). */
static const uint8_t n3_req[] = {0x00, 0x02, 0x00, 0x00, 0x1f, 0x90,
                                 0x1f, 0x91, 0x00, 0x00, 0x1c, 0x20};

static void test_n3_map_request_decode(void **state)
{
	(void)state;
	struct pctl_natpmp m;
	struct pctl_error e;

	assert_int_equal(req(n3_req, sizeof(n3_req), &m, &e), PCTL_V_OK);
	assert_int_equal(m.opcode, PCTL_NATPMP_OP_MAP_TCP);
	assert_int_equal(m.internal_port, 8080);
	assert_int_equal(m.external_port, 8081);
	assert_int_equal(m.lifetime, 7200);

	/* Map UDP, and the Reserved field is ignored on reception. */
	uint8_t udp[12];
	memcpy(udp, n3_req, sizeof(udp));
	udp[1] = PCTL_NATPMP_OP_MAP_UDP;
	udp[2] = 0xab;
	udp[3] = 0xcd;
	assert_int_equal(req(udp, sizeof(udp), &m, &e), PCTL_V_OK);
	assert_int_equal(m.opcode, PCTL_NATPMP_OP_MAP_UDP);
	assert_int_equal(m.internal_port, 8080);
}

static void test_n3_map_request_encode(void **state)
{
	(void)state;
	struct pctl_natpmp m = {.opcode = PCTL_NATPMP_OP_MAP_TCP,
	                        .internal_port = 8080,
	                        .external_port = 8081,
	                        .lifetime = 7200};

	assert_encodes_to(&m, n3_req, sizeof(n3_req));
}

/* N-9: a delete is a map request with lifetime 0 and port 0. */
static void test_n9_delete_request_encode(void **state)
{
	(void)state;
	static const uint8_t want[] = {0x00, 0x01, 0, 0, 0x13, 0x88,
	                               0,    0,    0, 0, 0,    0};
	struct pctl_natpmp m = {.opcode = PCTL_NATPMP_OP_MAP_UDP,
	                        .internal_port = 5000};

	assert_encodes_to(&m, want, sizeof(want));
}

/* ---- N-4 map response -------------------------------------------------- */

/* Map UDP reply, epoch 1000, internal 5000, mapped 40000, lifetime 3600. */
static const uint8_t n4_resp[] = {0x00, 0x81, 0x00, 0x00, 0x00, 0x00,
                                  0x03, 0xe8, 0x13, 0x88, 0x9c, 0x40,
                                  0x00, 0x00, 0x0e, 0x10};

static void test_n4_map_response_decode(void **state)
{
	(void)state;
	struct pctl_natpmp m;
	struct pctl_error e;

	assert_int_equal(resp(n4_resp, sizeof(n4_resp), &m, &e), PCTL_V_OK);
	assert_true(m.response);
	assert_int_equal(m.opcode, PCTL_NATPMP_OP_MAP_UDP);
	assert_int_equal(m.result, 0);
	assert_int_equal(m.epoch, 1000);
	assert_int_equal(m.internal_port, 5000);
	assert_int_equal(m.external_port, 40000);
	assert_int_equal(m.lifetime, 3600);
}

static void test_n4_map_response_encode(void **state)
{
	(void)state;
	struct pctl_natpmp m = {.response = true,
	                        .opcode = PCTL_NATPMP_OP_MAP_UDP,
	                        .epoch = 1000,
	                        .internal_port = 5000,
	                        .external_port = 40000,
	                        .lifetime = 3600};

	assert_encodes_to(&m, n4_resp, sizeof(n4_resp));
}

/* N-7: a failed map reply is full size and echoes the internal port. */
static void test_n7_map_failure_reply_full_format(void **state)
{
	(void)state;
	static const uint8_t want[] = {0x00, 0x82, 0x00, 0x04, 0, 0, 0, 7,
	                               0x1f, 0x90, 0,    0,    0, 0, 0, 0};
	struct pctl_natpmp m = {.response = true,
	                        .opcode = PCTL_NATPMP_OP_MAP_TCP,
	                        .result = PCTL_NATPMP_R_NO_RESOURCES,
	                        .epoch = 7,
	                        .internal_port = 8080};
	struct pctl_error e;

	assert_encodes_to(&m, want, sizeof(want));
	assert_int_equal(resp(want, sizeof(want), &m, &e), PCTL_V_OK);
	assert_int_equal(m.result, 4);
	assert_int_equal(m.internal_port, 8080);
}

/* N-4: a map reply keeps its 16 octets whatever the result, so that the
 * internal port still names the request (only OP 128 has the N-5 form). */
static void test_n4_map_reply_keeps_full_form_for_any_result(void **state)
{
	(void)state;
	static const uint8_t want[] = {0x00, 0x81, 0x00, 0x01, 0, 0, 0, 3,
	                               0x13, 0x88, 0,    0,    0, 0, 0, 0};
	struct pctl_natpmp m = {.response = true,
	                        .opcode = PCTL_NATPMP_OP_MAP_UDP,
	                        .result = PCTL_NATPMP_R_UNSUPP_VERSION,
	                        .epoch = 3,
	                        .internal_port = 5000};

	assert_encodes_to(&m, want, sizeof(want));
}

/* ---- N-5 unsupported version response ---------------------------------- */

static const uint8_t n5_resp[] = {0x00, 0x80, 0x00, 0x01,
                                  0x00, 0x00, 0x30, 0x39};

static void test_n5_unsupp_version_response_both_ways(void **state)
{
	(void)state;
	struct pctl_natpmp m = {.response = true,
	                        .result = PCTL_NATPMP_R_UNSUPP_VERSION,
	                        .epoch = 12345};
	struct pctl_error e;

	assert_encodes_to(&m, n5_resp, sizeof(n5_resp));
	assert_int_equal(resp(n5_resp, sizeof(n5_resp), &m, &e), PCTL_V_OK);
	assert_int_equal(m.version, 0);
	assert_true(m.response);
	assert_int_equal(m.result, PCTL_NATPMP_R_UNSUPP_VERSION);
	assert_int_equal(m.epoch, 12345);
}

/* E-8: erratum 3618 - some servers send the reply with OP 0; accepted. */
static void test_e8_unsupp_version_with_op0_tolerated(void **state)
{
	(void)state;
	static const uint8_t op0[] = {0x00, 0x00, 0x00, 0x01,
	                              0x00, 0x00, 0x00, 0x2a};
	struct pctl_natpmp m;
	struct pctl_error e;

	assert_int_equal(resp(op0, sizeof(op0), &m, &e), PCTL_V_OK);
	assert_true(m.response);
	assert_int_equal(m.opcode, 0);
	assert_int_equal(m.result, PCTL_NATPMP_R_UNSUPP_VERSION);
	assert_int_equal(m.epoch, 42);

	/* OP 0 with another result is not that reply: a request, dropped. */
	uint8_t other[8];
	memcpy(other, op0, sizeof(other));
	other[3] = 0;
	assert_int_equal(resp(other, sizeof(other), &m, &e), PCTL_V_DROP);
	assert_non_null(e.rule);
	assert_int_equal(e.offset, 1);
}

/* N-5/N-7: the server's Unsupported Version reply has OP 128 (E-8), version
 * 0 and the epoch, whatever the request was. */
static void test_n7_unsupp_version_error_response(void **state)
{
	(void)state;
	static const uint8_t pcp_map[60] = {0x02, 0x01};
	uint8_t out[PCTL_MAX_MSG];

	memset(out, 0xee, sizeof(out));
	assert_int_equal(pctl_natpmp_error_response(
	                     pcp_map, sizeof(pcp_map),
	                     PCTL_NATPMP_R_UNSUPP_VERSION, 12345, out),
	                 8);
	assert_memory_equal(out, n5_resp, sizeof(n5_resp));
}

/* ---- N-7 server verdicts ----------------------------------------------- */

/* N-7: version != 0 gives Unsupported Version, whatever follows. */
static void test_n7_version_not_zero_unsupp_version(void **state)
{
	(void)state;
	struct pctl_natpmp m;
	struct pctl_error e;

	for (unsigned v = 1; v <= 255; v++) {
		uint8_t buf[12] = {(uint8_t)v, 0x01};

		assert_int_equal(req(buf, 2, &m, &e), PCTL_V_ERROR);
		assert_int_equal(e.verdict, PCTL_V_ERROR);
		assert_int_equal(e.result, PCTL_NATPMP_R_UNSUPP_VERSION);
		assert_int_equal(e.offset, 0);
		assert_non_null(e.rule);
		assert_memory_equal(e.rule, "N-7", 3);
		assert_int_equal(m.version, v);
		assert_int_equal(req(buf, sizeof(buf), &m, &e), PCTL_V_ERROR);
		assert_int_equal(e.result, PCTL_NATPMP_R_UNSUPP_VERSION);
	}
}

/* N-7: OP >= 128 is a reply and is silently ignored (of any version: a
 * server never answers a reply). */
static void test_n7_op_128_or_more_dropped(void **state)
{
	(void)state;
	struct pctl_natpmp m;
	struct pctl_error e;

	for (unsigned op = 128; op <= 255; op++) {
		uint8_t buf[16] = {0, (uint8_t)op};

		assert_int_equal(req(buf, sizeof(buf), &m, &e), PCTL_V_DROP);
		assert_int_equal(e.result, 0);
		assert_int_equal(e.offset, 1);
		assert_non_null(e.rule);
		buf[0] = 2;
		assert_int_equal(req(buf, sizeof(buf), &m, &e), PCTL_V_DROP);
	}
	assert_int_equal(req(n2_resp, sizeof(n2_resp), &m, &e), PCTL_V_DROP);
}

/* N-7: unknown OP < 128 gives Unsupported opcode. */
static void test_n7_unknown_opcode_unsupp_opcode(void **state)
{
	(void)state;
	struct pctl_natpmp m;
	struct pctl_error e;

	for (unsigned op = 3; op < 128; op++) {
		uint8_t buf[2] = {0, (uint8_t)op};

		assert_int_equal(req(buf, sizeof(buf), &m, &e), PCTL_V_ERROR);
		assert_int_equal(e.result, PCTL_NATPMP_R_UNSUPP_OPCODE);
		assert_int_equal(e.offset, 1);
		assert_int_equal(m.opcode, op);
	}
}

/* N-7: the entire request comes back with the top bit of OP set, result 5
 * and the epoch. */
static void test_n7_unknown_opcode_request_echoed(void **state)
{
	(void)state;
	static const uint8_t request[] = {0x00, 0x05, 0xaa, 0xbb, 0x11,
	                                  0x22, 0x33, 0x44, 0x55, 0x66};
	static const uint8_t want[] = {0x00, 0x85, 0x00, 0x05, 0x00,
	                               0x00, 0x00, 0x63, 0x55, 0x66};
	uint8_t out[PCTL_MAX_MSG];

	memset(out, 0xee, sizeof(out));
	assert_int_equal(pctl_natpmp_error_response(request, sizeof(request),
	                                            PCTL_NATPMP_R_UNSUPP_OPCODE,
	                                            99, out),
	                 sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
}

/* A 2-octet unknown request gets at least the 8-octet reply header, and the
 * client decodes that reply. */
static void test_n7_short_unknown_opcode_echo_padded(void **state)
{
	(void)state;
	static const uint8_t request[] = {0x00, 0x7f};
	static const uint8_t want[] = {0x00, 0xff, 0x00, 0x05,
	                               0x00, 0x00, 0x00, 0x01};
	uint8_t out[PCTL_MAX_MSG];
	struct pctl_natpmp m;
	struct pctl_error e;

	memset(out, 0xee, sizeof(out));
	assert_int_equal(pctl_natpmp_error_response(request, sizeof(request),
	                                            PCTL_NATPMP_R_UNSUPP_OPCODE,
	                                            1, out),
	                 8);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(resp(out, 8, &m, &e), PCTL_V_OK);
	assert_int_equal(m.opcode, 0x7f);
	assert_int_equal(m.result, PCTL_NATPMP_R_UNSUPP_OPCODE);
	assert_int_equal(m.epoch, 1);
}

/* An echo never exceeds the largest datagram (K-5). */
static void test_n7_echo_bounded_to_max_msg(void **state)
{
	(void)state;
	static uint8_t big[1500];
	uint8_t out[PCTL_MAX_MSG];

	memset(big, 0x42, sizeof(big));
	big[0] = 0;
	big[1] = 9;
	assert_int_equal(pctl_natpmp_error_response(big, sizeof(big),
	                                            PCTL_NATPMP_R_UNSUPP_OPCODE,
	                                            0, out),
	                 PCTL_MAX_MSG);
	assert_int_equal(out[1], 0x89);
	assert_int_equal(out[PCTL_MAX_MSG - 1], 0x42);
	assert_int_equal(pctl_natpmp_error_response(
	                     NULL, 0, PCTL_NATPMP_R_UNSUPP_OPCODE, 0, out),
	                 8);
	assert_int_equal(out[1], 0x80);
}

/* Short requests: fewer than 2 octets, or a map request under 12. */
static void test_n3_short_requests_dropped(void **state)
{
	(void)state;
	struct pctl_natpmp m;
	struct pctl_error e;

	assert_int_equal(req(n1_req, 1, &m, &e), PCTL_V_DROP);
	assert_int_equal(e.result, 0);
	assert_non_null(e.rule);
	assert_int_equal(req(n1_req, 0, &m, &e), PCTL_V_DROP);
	assert_int_equal(req(NULL, 0, &m, &e), PCTL_V_DROP);
	for (size_t len = 2; len < sizeof(n3_req); len++) {
		assert_int_equal(req(n3_req, len, &m, &e), PCTL_V_DROP);
		assert_int_equal(e.offset, len);
		assert_memory_equal(e.rule, "N-3", 3);
	}
}

/* Long requests: the extra octets are ignored. */
static void test_n3_long_requests_accepted(void **state)
{
	(void)state;
	uint8_t buf[PCTL_MAX_MSG];
	struct pctl_natpmp m;
	struct pctl_error e;

	memset(buf, 0x77, sizeof(buf));
	memcpy(buf, n3_req, sizeof(n3_req));
	assert_int_equal(req(buf, 13, &m, &e), PCTL_V_OK);
	assert_int_equal(m.internal_port, 8080);
	assert_int_equal(m.lifetime, 7200);
	assert_int_equal(req(buf, sizeof(buf), &m, &e), PCTL_V_OK);
	memcpy(buf, n1_req, sizeof(n1_req));
	assert_int_equal(req(buf, 12, &m, &e), PCTL_V_OK);
	assert_int_equal(m.opcode, 0);
}

/* A decode that fails leaves no field of a previous message behind. */
static void test_n7_failed_decode_leaves_no_state(void **state)
{
	(void)state;
	struct pctl_natpmp m;
	struct pctl_error e;

	assert_int_equal(req(n3_req, sizeof(n3_req), &m, &e), PCTL_V_OK);
	assert_int_equal(req(n3_req, 11, &m, &e), PCTL_V_DROP);
	assert_int_equal(m.internal_port, 0);
	assert_int_equal(m.lifetime, 0);

	assert_int_equal(resp(n4_resp, sizeof(n4_resp), &m, &e), PCTL_V_OK);
	assert_int_equal(resp(n4_resp, 15, &m, &e), PCTL_V_DROP);
	assert_int_equal(m.external_port, 0);
	assert_int_equal(m.epoch, 0);
}

/* ---- client side: what is dropped and what is tolerated ---------------- */

static void test_n5_client_drops_requests_and_runts(void **state)
{
	(void)state;
	struct pctl_natpmp m;
	struct pctl_error e;

	/* Requests (OP < 128), whatever their length. */
	assert_int_equal(resp(n1_req, sizeof(n1_req), &m, &e), PCTL_V_DROP);
	assert_int_equal(resp(n3_req, sizeof(n3_req), &m, &e), PCTL_V_DROP);
	/* Runts: under the 8-octet reply header. */
	for (size_t len = 0; len < 8; len++)
		assert_int_equal(resp(n5_resp, len, &m, &e), PCTL_V_DROP);
	assert_int_equal(resp(NULL, 0, &m, &e), PCTL_V_DROP);
	/* A success reply cut short is dropped (N-2, N-4). */
	for (size_t len = 8; len < sizeof(n2_resp); len++)
		assert_int_equal(resp(n2_resp, len, &m, &e), PCTL_V_DROP);
	for (size_t len = 8; len < sizeof(n4_resp); len++)
		assert_int_equal(resp(n4_resp, len, &m, &e), PCTL_V_DROP);
}

/* E-8: an error reply may be the bare 8-octet header for any opcode. */
static void test_e8_eight_octet_error_replies_accepted(void **state)
{
	(void)state;
	struct pctl_natpmp m;
	struct pctl_error e;

	for (unsigned op = 0x80; op <= 0x82; op++) {
		const uint8_t reply[8] = {0x00, (uint8_t)op, 0x00, 0x02,
		                          0,    0,           1,    0};

		assert_int_equal(resp(reply, sizeof(reply), &m, &e), PCTL_V_OK);
		assert_int_equal(m.opcode, op & 0x7f);
		assert_int_equal(m.result, PCTL_NATPMP_R_NOT_AUTHORIZED);
		assert_int_equal(m.epoch, 256);
		assert_int_equal(m.internal_port, 0);
	}
}

/* N-6: result codes this code does not know are reported as they are (the
 * client treats them as fatal); longer replies are accepted. */
static void test_n6_unknown_result_and_long_reply(void **state)
{
	(void)state;
	uint8_t buf[20];
	struct pctl_natpmp m;
	struct pctl_error e;

	memset(buf, 0x99, sizeof(buf));
	memcpy(buf, n4_resp, sizeof(n4_resp));
	buf[2] = 0x12;
	buf[3] = 0x34;
	assert_int_equal(resp(buf, sizeof(buf), &m, &e), PCTL_V_OK);
	assert_int_equal(m.result, 0x1234);
	assert_int_equal(m.internal_port, 5000);
}

/* N-22, T-5: a PCP-only server answers a NAT-PMP request with a version 2
 * UNSUPP_VERSION; the reply is reported as such (version 2, result 1,
 * verdict OK) so that the client can switch to PCP (C-50). */
static void test_n22_pcp_unsupp_version_reply_reported(void **state)
{
	(void)state;
	static const uint8_t t5[24] = {0x02, 0x80, 0x00, 0x01, 0x00, 0x00,
	                               0x07, 0x08, 0x00, 0x00, 0x04, 0xd2};
	struct pctl_natpmp m;
	struct pctl_error e;

	assert_int_equal(resp(t5, sizeof(t5), &m, &e), PCTL_V_OK);
	assert_int_equal(e.verdict, PCTL_V_OK);
	assert_int_equal(m.version, 2);
	assert_true(m.response);
	assert_int_equal(m.result, PCTL_NATPMP_R_UNSUPP_VERSION);
	assert_int_equal(m.lifetime, 1800);
	assert_int_equal(m.epoch, 1234);

	/* A shorter form still says UNSUPP_VERSION (result in octet 3). */
	assert_int_equal(resp(t5, 4, &m, &e), PCTL_V_OK);
	assert_int_equal(m.version, 2);
	assert_int_equal(m.result, 1);
	assert_int_equal(m.epoch, 0);
	/* ...but not under 4 octets (C-31). */
	assert_int_equal(resp(t5, 3, &m, &e), PCTL_V_DROP);
}

/* N-23: other PCP datagrams (an ANNOUNCE, a request) are not NAT-PMP
 * replies. */
static void test_n23_other_pcp_datagrams_dropped(void **state)
{
	(void)state;
	static const uint8_t t4[24] = {0x02, 0x80};
	static const uint8_t pcp_req[24] = {0x02, 0x01, 0x00, 0x01};
	struct pctl_natpmp m;
	struct pctl_error e;

	assert_int_equal(resp(t4, sizeof(t4), &m, &e), PCTL_V_DROP);
	assert_memory_equal(e.rule, "N-23", 4);
	assert_int_equal(m.result, 0);
	assert_int_equal(resp(pcp_req, sizeof(pcp_req), &m, &e), PCTL_V_DROP);
	assert_memory_equal(e.rule, "C-31", 4);
}

/* The error report is optional: a NULL err still gives the verdict. */
static void test_n7_null_error_report_allowed(void **state)
{
	(void)state;
	static const uint8_t v1[] = {0x01, 0x00};
	struct pctl_natpmp m;

	assert_int_equal(
	    pctl_natpmp_request_decode(n3_req, sizeof(n3_req), &m, NULL),
	    PCTL_V_OK);
	assert_int_equal(pctl_natpmp_request_decode(v1, sizeof(v1), &m, NULL),
	                 PCTL_V_ERROR);
	assert_int_equal(
	    pctl_natpmp_response_decode(n1_req, sizeof(n1_req), &m, NULL),
	    PCTL_V_DROP);
	assert_int_equal(
	    pctl_natpmp_response_decode(n4_resp, sizeof(n4_resp), &m, NULL),
	    PCTL_V_OK);
}

/* Encode refuses what has no NAT-PMP format. */
static void test_encode_refuses_formatless_messages(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct pctl_natpmp m = {.opcode = 3};

	assert_int_equal(pctl_natpmp_encode(&m, buf, sizeof(buf)), 0);
	m.opcode = 0x80;
	assert_int_equal(pctl_natpmp_encode(&m, buf, sizeof(buf)), 0);
	m = (struct pctl_natpmp){.version = 2};
	assert_int_equal(pctl_natpmp_encode(&m, buf, sizeof(buf)), 0);
	m = (struct pctl_natpmp){0};
	assert_int_equal(pctl_natpmp_encode(NULL, buf, sizeof(buf)), 0);
	assert_int_equal(pctl_natpmp_encode(&m, NULL, 64), 0);
	/* A reply of another opcode is its 8-octet header. */
	m = (struct pctl_natpmp){.response = true, .opcode = 9, .result = 5};
	assert_int_equal(pctl_natpmp_encode(&m, buf, sizeof(buf)), 8);
}

/* Every request the server accepts re-encodes to the same octets. */
static void test_n3_decode_encode_round_trip(void **state)
{
	(void)state;
	static const uint8_t *const msgs[] = {n1_req, n3_req};
	static const size_t lens[] = {sizeof(n1_req), sizeof(n3_req)};
	static const uint8_t *const replies[] = {n2_resp, n4_resp, n5_resp};
	static const size_t rlens[] = {sizeof(n2_resp), sizeof(n4_resp),
	                               sizeof(n5_resp)};
	struct pctl_natpmp m;
	struct pctl_error e;
	uint8_t buf[64];

	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(req(msgs[i], lens[i], &m, &e), PCTL_V_OK);
		assert_int_equal(pctl_natpmp_encode(&m, buf, sizeof(buf)),
		                 lens[i]);
		assert_memory_equal(buf, msgs[i], lens[i]);
	}
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(resp(replies[i], rlens[i], &m, &e), PCTL_V_OK);
		assert_int_equal(pctl_natpmp_encode(&m, buf, sizeof(buf)),
		                 rlens[i]);
		assert_memory_equal(buf, replies[i], rlens[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_n1_extaddr_request_decode),
	    cmocka_unit_test(test_n1_extaddr_request_encode),
	    cmocka_unit_test(test_n2_extaddr_response_decode),
	    cmocka_unit_test(test_n2_extaddr_response_encode),
	    cmocka_unit_test(test_n2_extaddr_error_address_zero_and_ignored),
	    cmocka_unit_test(test_n3_map_request_decode),
	    cmocka_unit_test(test_n3_map_request_encode),
	    cmocka_unit_test(test_n9_delete_request_encode),
	    cmocka_unit_test(test_n4_map_response_decode),
	    cmocka_unit_test(test_n4_map_response_encode),
	    cmocka_unit_test(test_n7_map_failure_reply_full_format),
	    cmocka_unit_test(test_n4_map_reply_keeps_full_form_for_any_result),
	    cmocka_unit_test(test_n5_unsupp_version_response_both_ways),
	    cmocka_unit_test(test_e8_unsupp_version_with_op0_tolerated),
	    cmocka_unit_test(test_n7_unsupp_version_error_response),
	    cmocka_unit_test(test_n7_version_not_zero_unsupp_version),
	    cmocka_unit_test(test_n7_op_128_or_more_dropped),
	    cmocka_unit_test(test_n7_unknown_opcode_unsupp_opcode),
	    cmocka_unit_test(test_n7_unknown_opcode_request_echoed),
	    cmocka_unit_test(test_n7_short_unknown_opcode_echo_padded),
	    cmocka_unit_test(test_n7_echo_bounded_to_max_msg),
	    cmocka_unit_test(test_n3_short_requests_dropped),
	    cmocka_unit_test(test_n3_long_requests_accepted),
	    cmocka_unit_test(test_n7_failed_decode_leaves_no_state),
	    cmocka_unit_test(test_n5_client_drops_requests_and_runts),
	    cmocka_unit_test(test_e8_eight_octet_error_replies_accepted),
	    cmocka_unit_test(test_n6_unknown_result_and_long_reply),
	    cmocka_unit_test(test_n22_pcp_unsupp_version_reply_reported),
	    cmocka_unit_test(test_n23_other_pcp_datagrams_dropped),
	    cmocka_unit_test(test_n7_null_error_report_allowed),
	    cmocka_unit_test(test_encode_refuses_formatless_messages),
	    cmocka_unit_test(test_n3_decode_encode_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
