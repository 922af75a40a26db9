/*
 * fuzz_pcp_decode.c - libFuzzer target for the PCP decoders: the server's
 * pctl_request_decode (without a source, with the message's own client
 * address as source so that S-9 passes and the option rules are reached,
 * and with a source taken from the input), the client's
 * pctl_response_decode and the tools' pctl_decode.  Every verdict must be
 * coherent with its pctl_error; every accepted message must re-encode within
 * the limits of RFC 6887 section 7; pctl_error_response must obey S-12.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include <portctl/wire.h>

#include <string.h>

#include "fuzz_check.h"

/* A rule starts with its checklist ID: letters, '-', a digit. */
static void check_rule(const char *rule)
{
	CHECK(rule != NULL);
	size_t i = 0;
	while (rule[i] >= 'A' && rule[i] <= 'Z')
		i++;
	CHECK(i > 0 && rule[i] == '-' && rule[i + 1] >= '0' &&
	      rule[i + 1] <= '9');
}

static void check_verdict(enum pctl_verdict v, const struct pctl_error *err,
                          size_t size)
{
	CHECK(v == err->verdict);
	switch (v) {
	case PCTL_V_OK:
		break;
	case PCTL_V_DROP:
		CHECK(err->result == 0);
		check_rule(err->rule);
		break;
	case PCTL_V_ERROR:
		check_rule(err->rule);
		break;
	case PCTL_V_NATPMP:
		CHECK(size >= 1);
		check_rule(err->rule);
		break;
	default:
		CHECK(!"verdict out of range");
	}
	/* The offending field lies inside the datagram, or just past its end
	 * when the datagram is cut short. */
	if (v != PCTL_V_OK)
		CHECK(err->offset <= size);
}

static bool has_long_option(const struct pctl_msg *m)
{
	for (size_t i = 0; i < m->n_options; i++)
		if (m->options[i].len > PCTL_OPT_MAX_DATA)
			return true;
	return false;
}

/* Options point into the decoded buffer and lie inside it. */
static void check_options(const struct pctl_msg *m, const uint8_t *data,
                          size_t size)
{
	CHECK(m->n_options <= PCTL_MAX_OPTIONS);
	for (size_t i = 0; i < m->n_options; i++) {
		const struct pctl_option *o = &m->options[i];

		CHECK((size_t)o->offset + PCTL_OPT_HDR_LEN + o->len <= size);
		CHECK(o->len == 0
		          ? o->data == NULL
		          : o->data == data + o->offset + PCTL_OPT_HDR_LEN);
	}
	if (m->opaque_len)
		CHECK(m->opaque >= data &&
		      m->opaque + m->opaque_len <= data + size);
}

/* Re-encodes an accepted message.  same_len: the decoder checked the
 * length rules of S-8, so the encoding has exactly the input's length. */
static void check_reencode(const struct pctl_msg *m, const uint8_t *data,
                           size_t size, bool same_len)
{
	static uint8_t out[PCTL_MAX_MSG];

	check_options(m, data, size);
	size_t n = pctl_encode(m, out, sizeof(out));
	CHECK(n == pctl_encoded_len(m));
	if (n == 0) {
		/* Only an option longer than the encoder accepts (W-11.1),
		 * which the structural decoders may keep, refuses. */
		CHECK(has_long_option(m));
		return;
	}
	CHECK(n >= PCTL_HDR_LEN && n <= PCTL_MAX_MSG && n % 4 == 0);
	CHECK(out[0] == PCTL_VERSION);
	CHECK(((out[1] & 0x80) != 0) == m->response);
	if (same_len)
		CHECK(n == size);
	/* Too small a buffer is refused, never overrun. */
	CHECK(pctl_encode(m, out, n - 1) == 0);
}

static void check_error_response(const uint8_t *data, size_t size,
                                 uint8_t result)
{
	static uint8_t out[PCTL_MAX_MSG];

	size_t n = pctl_error_response(data, size, result, 1800, 42, out);
	/* S-12, S-5.2, S-8 */
	CHECK(n <= PCTL_MAX_MSG && n % 4 == 0 && n >= PCTL_HDR_LEN);
	CHECK(out[0] == PCTL_VERSION && (out[1] & 0x80) && out[2] == 0);
	CHECK(out[3] == result);
	size_t copied = size < PCTL_MAX_MSG ? size : PCTL_MAX_MSG;
	if (copied > PCTL_HDR_LEN)
		CHECK(memcmp(out + PCTL_HDR_LEN, data + PCTL_HDR_LEN,
		             copied - PCTL_HDR_LEN) == 0);
	for (size_t i = copied > PCTL_HDR_LEN ? copied : PCTL_HDR_LEN; i < n;
	     i++)
		CHECK(out[i] == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pctl_msg msg;
	struct pctl_error err;
	enum pctl_verdict v;
	pctl_addr src;

	v = pctl_request_decode(data, size, NULL, &msg, &err);
	check_verdict(v, &err, size);
	if (v == PCTL_V_OK)
		check_reencode(&msg, data, size, true);

	/* The message's own client address: S-9 passes, the rest runs. */
	if (size >= PCTL_HDR_LEN) {
		memcpy(src.b, data + 8, 16);
		v = pctl_request_decode(data, size, &src, &msg, &err);
		check_verdict(v, &err, size);
		if (v == PCTL_V_OK)
			check_reencode(&msg, data, size, true);
	}
	/* A source from the input's tail: usually a mismatch (S-9). */
	memset(&src, 0, sizeof(src));
	memcpy(src.b, data + (size > 16 ? size - 16 : 0),
	       size < 16 ? size : 16);
	v = pctl_request_decode(data, size, &src, &msg, &err);
	check_verdict(v, &err, size);
	if (v == PCTL_V_OK)
		check_reencode(&msg, data, size, true);

	v = pctl_response_decode(data, size, &msg, &err);
	check_verdict(v, &err, size);
	CHECK(v == PCTL_V_OK || v == PCTL_V_DROP);
	if (v == PCTL_V_OK) {
		CHECK(msg.response);
		check_reencode(&msg, data, size, false);
	}

	v = pctl_decode(data, size, &msg, &err);
	check_verdict(v, &err, size);
	/* N-21: the tools decoder and the classifier agree on NAT-PMP. */
	CHECK((v == PCTL_V_NATPMP) ==
	      (pctl_classify(data, size) == PCTL_KIND_NATPMP));
	if (v == PCTL_V_OK)
		check_reencode(&msg, data, size, true);

	check_error_response(data, size,
	                     size > 0 ? data[size - 1] : PCTL_R_UNSUPP_VERSION);
	check_error_response(data, size, PCTL_R_MALFORMED_REQUEST);
	return 0;
}
