/*
 * fuzz_natpmp_decode.c - libFuzzer target for the NAT-PMP codec (RFC 6886):
 * the server's request decoder and the client's reply decoder must reach
 * verdicts that agree with N-7 and with their pctl_error, accepted messages
 * must re-encode to what was received (reserved octets aside), and the
 * server's error replies must keep their sizes (N-5, N-7, K-5).
 */
#include <portctl/wire.h>

#include <string.h>

#include "fuzz_check.h"

static void check_error(enum pctl_verdict v, const struct pctl_error *err,
                        size_t size)
{
	CHECK(v == err->verdict);
	CHECK(v == PCTL_V_OK || v == PCTL_V_DROP || v == PCTL_V_ERROR);
	if (v == PCTL_V_OK) {
		CHECK(err->rule == NULL && err->result == 0);
		return;
	}
	CHECK(err->rule != NULL && err->rule[0] >= 'A' && err->rule[0] <= 'Z');
	CHECK(err->offset <= size);
	if (v == PCTL_V_DROP)
		CHECK(err->result == 0);
}

static void check_request(const uint8_t *data, size_t size)
{
	struct pctl_natpmp m;
	struct pctl_error err;
	uint8_t out[PCTL_MAX_MSG];

	enum pctl_verdict v = pctl_natpmp_request_decode(data, size, &m, &err);
	check_error(v, &err, size);
	/* N-7, in the order this codec applies it. */
	if (size < 2) {
		CHECK(v == PCTL_V_DROP);
		return;
	}
	if (data[1] >= 128) {
		CHECK(v == PCTL_V_DROP);
		return;
	}
	if (data[0] != 0) {
		CHECK(v == PCTL_V_ERROR &&
		      err.result == PCTL_NATPMP_R_UNSUPP_VERSION);
		return;
	}
	if (data[1] > 2) {
		CHECK(v == PCTL_V_ERROR &&
		      err.result == PCTL_NATPMP_R_UNSUPP_OPCODE);
		size_t n =
		    pctl_natpmp_error_response(data, size, err.result, 7, out);
		size_t copied = size < PCTL_MAX_MSG ? size : PCTL_MAX_MSG;
		CHECK(n == (copied < 8 ? 8 : copied));
		CHECK(out[1] == (data[1] | 0x80) && out[2] == 0 && out[3] == 5);
		if (copied > 8)
			CHECK(memcmp(out + 8, data + 8, copied - 8) == 0);
		return;
	}
	if (v == PCTL_V_DROP) {
		CHECK(data[1] != 0 && size < PCTL_NATPMP_MAP_REQ_LEN);
		return;
	}
	CHECK(v == PCTL_V_OK);
	/* The encoding is the request's prefix, reserved octets zeroed. */
	size_t n = pctl_natpmp_encode(&m, out, sizeof(out));
	CHECK(n == (data[1] == 0 ? 2u : 12u) && n <= size);
	CHECK(out[0] == data[0] && out[1] == data[1]);
	if (n > 4)
		CHECK(memcmp(out + 4, data + 4, n - 4) == 0);
}

static void check_reply(const uint8_t *data, size_t size)
{
	struct pctl_natpmp m;
	struct pctl_error err;
	uint8_t out[PCTL_MAX_MSG];

	enum pctl_verdict v = pctl_natpmp_response_decode(data, size, &m, &err);
	check_error(v, &err, size);
	CHECK(v != PCTL_V_ERROR);
	if (v != PCTL_V_OK)
		return;
	CHECK(m.response);
	if (m.version != 0) {
		/* N-22: only UNSUPP_VERSION of another version is accepted. */
		CHECK(m.result == PCTL_NATPMP_R_UNSUPP_VERSION);
		CHECK(pctl_natpmp_encode(&m, out, sizeof(out)) == 0);
		return;
	}
	CHECK(size >= 8);
	size_t n = pctl_natpmp_encode(&m, out, sizeof(out));
	CHECK(n >= 8 && n <= 16);
	/* A success reply re-encodes to its own first n octets. */
	if (m.result == 0 && data[1] >= 128)
		CHECK(n <= size && memcmp(out, data, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[PCTL_MAX_MSG];

	check_request(data, size);
	check_reply(data, size);

	/* N-5: the Unsupported Version reply is always the same 8 octets. */
	size_t n = pctl_natpmp_error_response(
	    data, size, PCTL_NATPMP_R_UNSUPP_VERSION, 1, out);
	CHECK(n == 8 && out[0] == 0 && out[1] == 0x80 && out[3] == 1);
	/* Any other result: an echo of at most K-5 octets. */
	uint16_t result = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 2;
	if (result == PCTL_NATPMP_R_UNSUPP_VERSION)
		result = PCTL_NATPMP_R_UNSUPP_OPCODE;
	n = pctl_natpmp_error_response(data, size, result, 1, out);
	CHECK(n >= 8 && n <= PCTL_MAX_MSG && (out[1] & 0x80));
	return 0;
}
