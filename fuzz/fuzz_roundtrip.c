/*
 * fuzz_roundtrip.c - libFuzzer target for decode -> encode -> decode
 * stability of both codecs.  Whatever a decoder accepts is encoded, decoded
 * again by the same decoder and encoded again: the second decode must equal
 * the first field by field and the second encoding the first byte for byte.
 *
 * "Field by field" leaves out only what the encoder writes as the RFCs
 * demand whatever the message holds: the reserved octets 12..23 of a
 * response (W-3), octet 3 of a request other than AUTHENTICATION (W-2),
 * the lifetime of an ANNOUNCE request or success response (W-4.2), and the
 * NAT-PMP Reserved field and error-reply external address (N-2, N-3), none
 * of which struct pctl_natpmp holds.
 */
#include <portctl/wire.h>

#include <string.h>

#include "fuzz_check.h"

enum pcp_decoder { DEC_TOOLS, DEC_SERVER, DEC_CLIENT };

static enum pctl_verdict pcp_decode(enum pcp_decoder which, const uint8_t *buf,
                                    size_t len, struct pctl_msg *m)
{
	struct pctl_error err;
	pctl_addr src;

	switch (which) {
	case DEC_SERVER:
		/* The source the datagram claims, so that S-9 passes. */
		memset(&src, 0, sizeof(src));
		if (len >= PCTL_HDR_LEN)
			memcpy(src.b, buf + 8, 16);
		return pctl_request_decode(buf, len, &src, m, &err);
	case DEC_CLIENT:
		return pctl_response_decode(buf, len, m, &err);
	default:
		return pctl_decode(buf, len, m, &err);
	}
}

/* What the encoder writes for the fields it does not carry (see top). */
static void normalise(struct pctl_msg *m)
{
	memset(m->reserved96, 0, sizeof(m->reserved96));
	if (!m->response && m->opcode != PCTL_OP_AUTHENTICATION)
		m->result = 0;
	if (m->opcode == PCTL_OP_ANNOUNCE &&
	    (!m->response || m->result == PCTL_R_SUCCESS))
		m->lifetime = 0;
}

static void check_same_msg(const struct pctl_msg *a, const struct pctl_msg *b)
{
	CHECK(a->version == b->version);
	CHECK(a->response == b->response);
	CHECK(a->opcode == b->opcode);
	CHECK(a->result == b->result);
	CHECK(a->lifetime == b->lifetime);
	CHECK(a->epoch == b->epoch);
	CHECK(pctl_addr_equal(&a->client_addr, &b->client_addr));
	CHECK(memcmp(a->reserved96, b->reserved96, sizeof(a->reserved96)) == 0);
	CHECK(memcmp(a->nonce, b->nonce, sizeof(a->nonce)) == 0);
	CHECK(a->protocol == b->protocol);
	CHECK(a->internal_port == b->internal_port);
	CHECK(a->external_port == b->external_port);
	CHECK(pctl_addr_equal(&a->external_addr, &b->external_addr));
	CHECK(a->remote_port == b->remote_port);
	CHECK(pctl_addr_equal(&a->remote_addr, &b->remote_addr));
	/* An opaque body is padded to 4 octets when encoded (S-10). */
	CHECK((a->opaque_len + 3) / 4 == (b->opaque_len + 3) / 4);
	size_t common =
	    a->opaque_len < b->opaque_len ? a->opaque_len : b->opaque_len;
	if (common)
		CHECK(memcmp(a->opaque, b->opaque, common) == 0);
	CHECK(a->n_options == b->n_options);
	for (size_t i = 0; i < a->n_options; i++) {
		const struct pctl_option *x = &a->options[i],
		                         *y = &b->options[i];

		CHECK(x->code == y->code && x->len == y->len &&
		      x->offset == y->offset);
		if (x->len)
			CHECK(memcmp(x->data, y->data, x->len) == 0);
	}
}

static void pcp_round_trip(enum pcp_decoder which, const uint8_t *data,
                           size_t size)
{
	static struct pctl_msg m1, m2;
	static uint8_t e1[PCTL_MAX_MSG], e2[PCTL_MAX_MSG];

	if (pcp_decode(which, data, size, &m1) != PCTL_V_OK)
		return;
	/* The encoder speaks version 2 only (S-11); a client's
	 * UNSUPP_VERSION reply of another version has no re-encoding. */
	if (m1.version != PCTL_VERSION)
		return;
	size_t n1 = pctl_encode(&m1, e1, sizeof(e1));
	if (n1 == 0)
		return; /* an option too long to send (W-11.1) */
	CHECK(pcp_decode(which, e1, n1, &m2) == PCTL_V_OK);
	normalise(&m1);
	check_same_msg(&m1, &m2);
	size_t n2 = pctl_encode(&m2, e2, sizeof(e2));
	CHECK(n2 == n1 && memcmp(e1, e2, n1) == 0);
}

static void check_same_natpmp(const struct pctl_natpmp *a,
                              const struct pctl_natpmp *b)
{
	CHECK(a->version == b->version && a->response == b->response);
	CHECK(a->opcode == b->opcode && a->result == b->result);
	CHECK(a->epoch == b->epoch);
	CHECK(memcmp(a->external_addr, b->external_addr, 4) == 0);
	CHECK(a->internal_port == b->internal_port);
	CHECK(a->external_port == b->external_port);
	CHECK(a->lifetime == b->lifetime);
}

typedef enum pctl_verdict (*natpmp_decoder)(const uint8_t *, size_t,
                                            struct pctl_natpmp *,
                                            struct pctl_error *);

static void natpmp_round_trip(natpmp_decoder decode, const uint8_t *data,
                              size_t size)
{
	struct pctl_natpmp m1, m2;
	struct pctl_error err;
	uint8_t e1[32], e2[32];

	if (decode(data, size, &m1, &err) != PCTL_V_OK)
		return;
	size_t n1 = pctl_natpmp_encode(&m1, e1, sizeof(e1));
	if (n1 == 0) {
		/* Only a PCP UNSUPP_VERSION reply has no NAT-PMP form. */
		CHECK(m1.version != PCTL_NATPMP_VERSION);
		return;
	}
	CHECK(decode(e1, n1, &m2, &err) == PCTL_V_OK);
	check_same_natpmp(&m1, &m2);
	size_t n2 = pctl_natpmp_encode(&m2, e2, sizeof(e2));
	CHECK(n2 == n1 && memcmp(e1, e2, n1) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pcp_round_trip(DEC_TOOLS, data, size);
	pcp_round_trip(DEC_SERVER, data, size);
	pcp_round_trip(DEC_CLIENT, data, size);
	natpmp_round_trip(pctl_natpmp_request_decode, data, size);
	natpmp_round_trip(pctl_natpmp_response_decode, data, size);
	return 0;
}
