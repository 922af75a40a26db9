/*
 * vectors.h - the PCP test vectors of CHECKLIST section 10 (T-1..T-5) as
 * byte arrays, for unit tests and as fuzz seeds, and a few helpers that
 * build valid requests from them for negative tests to break one field of.
 *
 * Header-only: everything is static, so each test includes what it uses.
 */
#ifndef PORTCTL_TESTS_WIRE_VECTORS_H
#define PORTCTL_TESTS_WIRE_VECTORS_H

#include <portctl/wire.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PCP_VEC_UNUSED __attribute__((unused))

/* T-1: MAP request, lifetime 7200, client 192.168.1.10, nonce 01..0c, TCP,
 * internal port 8080, no suggestion (IPv4 external wanted). */
PCP_VEC_UNUSED static const uint8_t pcp_vec_t1_map_request[60] = {
    0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x20, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xc0, 0xa8, 0x01, 0x0a,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
    0x06, 0x00, 0x00, 0x00, 0x1f, 0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
};

/* T-2: FILTER option allowing 198.51.100.0/24 (prefix 96 + 24), any port. */
PCP_VEC_UNUSED static const uint8_t pcp_vec_t2_filter_option[24] = {
    0x03, 0x00, 0x00, 0x14, 0x00, 0x78, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xc6, 0x33, 0x64, 0x00,
};

/* T-3: PORT_SET option, 100 ports from 50000, no parity, 3 pad octets. */
PCP_VEC_UNUSED static const uint8_t pcp_vec_t3_port_set_option[12] = {
    0x82, 0x00, 0x00, 0x05, 0x00, 0x64, 0xc3, 0x50, 0x00, 0x00, 0x00, 0x00,
};

/* T-4: unsolicited ANNOUNCE response after a restart (Epoch 0). */
PCP_VEC_UNUSED static const uint8_t pcp_vec_t4_unsolicited_announce[24] = {
    0x02, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* T-5: a NAT-PMP external-address request, and a PCP-only server's
 * 24-octet UNSUPP_VERSION reply to it (Lifetime 1800, Epoch 1234). */
PCP_VEC_UNUSED static const uint8_t pcp_vec_t5_natpmp_request[2] = {0x00, 0x00};
PCP_VEC_UNUSED static const uint8_t pcp_vec_t5_unsupp_version_reply[24] = {
    0x02, 0x80, 0x00, 0x01, 0x00, 0x00, 0x07, 0x08, 0x00, 0x00, 0x04, 0xd2,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* ---- Request builders ----------------------------------------------------
 * A datagram under construction, with room to go past the 1100-octet
 * limit for the tests that must. */
struct pcp_vec_buf {
	uint8_t b[PCTL_MAX_MSG + 64];
	size_t len;
};

/* The client address of every built request: ::ffff:192.168.1.10 (T-1). */
PCP_VEC_UNUSED static pctl_addr pcp_vec_client(void)
{
	pctl_addr a;

	memcpy(a.b, pcp_vec_t1_map_request + 8, sizeof(a.b));
	return a;
}

/* T-1 as is. */
PCP_VEC_UNUSED static void pcp_vec_map_request(struct pcp_vec_buf *r)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->b, pcp_vec_t1_map_request, sizeof(pcp_vec_t1_map_request));
	r->len = sizeof(pcp_vec_t1_map_request);
}

/* T-1's header and mapping made a PEER (W-6) to 198.51.100.7:443. */
PCP_VEC_UNUSED static void pcp_vec_peer_request(struct pcp_vec_buf *r)
{
	static const uint8_t remote[20] = {0x01, 0xbb, 0,   0,  0,   0, 0,
	                                   0,    0,    0,   0,  0,   0, 0,
	                                   0xff, 0xff, 198, 51, 100, 7};

	pcp_vec_map_request(r);
	r->b[1] = PCTL_OP_PEER;
	memcpy(r->b + 60, remote, sizeof(remote));
	r->len = PCTL_PEER_LEN;
}

/* T-1's header made an ANNOUNCE request (W-4): 24 octets, lifetime 0. */
PCP_VEC_UNUSED static void pcp_vec_announce_request(struct pcp_vec_buf *r)
{
	pcp_vec_map_request(r);
	r->b[1] = PCTL_OP_ANNOUNCE;
	memset(r->b + 4, 0, 4);
	memset(r->b + PCTL_HDR_LEN, 0, PCTL_MAP_LEN - PCTL_HDR_LEN);
	r->len = PCTL_HDR_LEN;
}

/* Appends an option with zero padding (W-7); returns its offset. */
PCP_VEC_UNUSED static size_t pcp_vec_add_option(struct pcp_vec_buf *r,
                                                uint8_t code, const void *data,
                                                uint16_t len)
{
	size_t off = r->len;

	r->b[off] = code;
	r->b[off + 1] = 0;
	r->b[off + 2] = (uint8_t)(len >> 8);
	r->b[off + 3] = (uint8_t)len;
	if (len)
		memcpy(r->b + off + 4, data, len);
	r->len = off + pctl_option_wire_len(len);
	memset(r->b + off + 4 + len, 0, r->len - off - 4 - len);
	return off;
}

/* Decodes r as a request from pcp_vec_client() into *m and *e, and says
 * whether the verdict, the result, the offset and the cited checklist ID
 * (the rule's prefix; NULL for none) are the expected ones.  Mismatches are
 * printed, so a failing assert_true() shows what the decoder said. */
PCP_VEC_UNUSED static bool
pcp_vec_request_is(const struct pcp_vec_buf *r, enum pctl_verdict v,
                   uint8_t result, size_t offset, const char *id,
                   struct pctl_msg *m, struct pctl_error *e)
{
	pctl_addr src = pcp_vec_client();
	enum pctl_verdict got = pctl_request_decode(r->b, r->len, &src, m, e);
	bool rule_ok = id ? e->rule && strncmp(e->rule, id, strlen(id)) == 0 &&
	                        e->rule[strlen(id)] == ':'
	                  : e->rule == NULL;
	bool ok = got == v && e->verdict == v && e->result == result &&
	          (v == PCTL_V_OK || e->offset == offset) && rule_ok;

	if (!ok)
		fprintf(stderr,
		        "decoded: verdict %d result %u offset %zu rule \"%s\"; "
		        "wanted verdict %d result %u offset %zu id %s\n",
		        (int)got, e->result, e->offset,
		        e->rule ? e->rule : "(none)", (int)v, result, offset,
		        id ? id : "(none)");
	return ok;
}

#endif
