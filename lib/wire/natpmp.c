/*
 * natpmp.c - the NAT-PMP codec (RFC 6886 section 3, checklist N-1..N-7,
 * erratum 3618 / E-8): request and reply decoding with the verdict each side
 * must reach, encoding, and the server's error replies.
 */
#include <portctl/wire.h>

#include "bytes.h"

#include <string.h>

#define OP_RESPONSE_BIT 0x80u
#define OP_MASK         0x7fu

/* Every reply starts with version, OP, a 16-bit result and the 32-bit
 * Seconds Since Start of Epoch (6886 section 3): the N-5 reply is exactly
 * this header. */
#define REPLY_HDR_LEN PCTL_NATPMP_UNSUPP_RESP_LEN

/* Offsets inside NAT-PMP messages (N-1..N-5). */
#define OFF_OP         1
#define OFF_RESULT     2 /* replies */
#define OFF_EPOCH      4 /* replies */
#define OFF_EXT_ADDR   8 /* external address reply */
#define OFF_REQ_IPORT  4 /* map request */
#define OFF_REQ_EPORT  6
#define OFF_REQ_LIFE   8
#define OFF_RESP_IPORT 8 /* map reply */
#define OFF_RESP_EPORT 10
#define OFF_RESP_LIFE  12
#define OFF_PCP_RESULT 3 /* a PCP reply: octet 2 is reserved (W-3) */
#define OFF_PCP_LIFE   4
#define OFF_PCP_EPOCH  8
#define PCP_EPOCH_END  12

static enum pctl_verdict verdict(struct pctl_error *err, enum pctl_verdict v,
                                 uint8_t result, size_t offset,
                                 const char *rule)
{
	if (err != NULL) {
		err->verdict = v;
		err->result = result;
		err->offset = offset;
		err->rule = rule;
	}
	return v;
}

static bool is_map_opcode(uint8_t opcode)
{
	return opcode == PCTL_NATPMP_OP_MAP_UDP ||
	       opcode == PCTL_NATPMP_OP_MAP_TCP;
}

enum pctl_verdict pctl_natpmp_request_decode(const uint8_t *buf, size_t len,
                                             struct pctl_natpmp *m,
                                             struct pctl_error *err)
{
	memset(m, 0, sizeof(*m));
	if (buf == NULL || len < PCTL_NATPMP_EXTADDR_REQ_LEN)
		return verdict(err, PCTL_V_DROP, 0, 0,
		               "N-1: fewer than 2 octets: no opcode");
	m->version = buf[0];
	m->response = (buf[OFF_OP] & OP_RESPONSE_BIT) != 0;
	m->opcode = buf[OFF_OP] & OP_MASK;

	/* N-7: a reply is never answered, whatever its version: answering
	 * replies could make two servers bounce datagrams forever.  RFC 6886
	 * section 3.5 states the version rule first, but its reason for the
	 * OP rule ("this is not a request") holds for any version. */
	if (m->response)
		return verdict(err, PCTL_V_DROP, 0, OFF_OP,
		               "N-7: OP >= 128 is a reply: silently ignored");
	if (m->version != PCTL_NATPMP_VERSION)
		return verdict(err, PCTL_V_ERROR, PCTL_NATPMP_R_UNSUPP_VERSION,
		               0, "N-7: version is not 0: Unsupported Version");

	switch (m->opcode) {
	case PCTL_NATPMP_OP_EXTERNAL_ADDR:
		/* N-1; extra octets are ignored. */
		return verdict(err, PCTL_V_OK, 0, 0, NULL);
	case PCTL_NATPMP_OP_MAP_UDP:
	case PCTL_NATPMP_OP_MAP_TCP:
		if (len < PCTL_NATPMP_MAP_REQ_LEN)
			return verdict(
			    err, PCTL_V_DROP, 0, len,
			    "N-3: map request shorter than 12 octets");
		/* N-3: the Reserved field (octets 2-3) is ignored. */
		m->internal_port = pctl_get16(buf + OFF_REQ_IPORT);
		m->external_port = pctl_get16(buf + OFF_REQ_EPORT);
		m->lifetime = pctl_get32(buf + OFF_REQ_LIFE);
		return verdict(err, PCTL_V_OK, 0, 0, NULL);
	default:
		return verdict(err, PCTL_V_ERROR, PCTL_NATPMP_R_UNSUPP_OPCODE,
		               OFF_OP,
		               "N-7: unsupported opcode: Unsupported opcode");
	}
}

/*
 * A reply whose version is not 0 reaches a NAT-PMP client when a PCP-only
 * server answers its request with UNSUPP_VERSION (N-22, T-5).  It is
 * accepted as such (PCTL_V_OK, m->version as received, result 1) so that
 * the client learns that the server speaks that version (C-50); any other
 * non-zero-version datagram, a PCP ANNOUNCE on port 5350 for instance
 * (N-23), is not a NAT-PMP reply.
 */
static enum pctl_verdict other_version_reply(const uint8_t *buf, size_t len,
                                             struct pctl_natpmp *m,
                                             struct pctl_error *err)
{
	if (len < 4)
		return verdict(err, PCTL_V_DROP, 0, len,
		               "C-31: reply shorter than 4 octets");
	if (!m->response)
		return verdict(err, PCTL_V_DROP, 0, OFF_OP,
		               "C-31: R bit clear: a request, not a reply");
	if (buf[OFF_PCP_RESULT] != PCTL_R_UNSUPP_VERSION)
		return verdict(err, PCTL_V_DROP, 0, OFF_PCP_RESULT,
		               "N-23: a PCP message other than an "
		               "UNSUPP_VERSION reply");
	m->result = PCTL_NATPMP_R_UNSUPP_VERSION;
	/* Lifetime: how long the server will keep saying so (K-24). */
	if (len >= OFF_PCP_LIFE + 4)
		m->lifetime = pctl_get32(buf + OFF_PCP_LIFE);
	if (len >= PCP_EPOCH_END)
		m->epoch = pctl_get32(buf + OFF_PCP_EPOCH);
	return verdict(err, PCTL_V_OK, 0, 0, NULL);
}

enum pctl_verdict pctl_natpmp_response_decode(const uint8_t *buf, size_t len,
                                              struct pctl_natpmp *m,
                                              struct pctl_error *err)
{
	memset(m, 0, sizeof(*m));
	if (buf == NULL || len < 2)
		return verdict(err, PCTL_V_DROP, 0, 0,
		               "N-5: fewer than 2 octets: not a reply");
	m->version = buf[0];
	m->response = (buf[OFF_OP] & OP_RESPONSE_BIT) != 0;
	m->opcode = buf[OFF_OP] & OP_MASK;
	if (m->version != PCTL_NATPMP_VERSION)
		return other_version_reply(buf, len, m, err);

	if (len < REPLY_HDR_LEN)
		return verdict(err, PCTL_V_DROP, 0, len,
		               "N-5: reply shorter than 8 octets");
	m->result = pctl_get16(buf + OFF_RESULT);
	m->epoch = pctl_get32(buf + OFF_EPOCH);
	if (!m->response) {
		/* E-8: RFC 6886 section 3.5 drew the Unsupported Version
		 * reply with OP 0 (erratum 3618 makes it 128) and some
		 * servers send it so; a request never carries result 1. */
		if (m->opcode == PCTL_NATPMP_OP_EXTERNAL_ADDR &&
		    m->result == PCTL_NATPMP_R_UNSUPP_VERSION) {
			m->response = true;
			return verdict(err, PCTL_V_OK, 0, 0, NULL);
		}
		m->result = 0;
		m->epoch = 0;
		return verdict(err, PCTL_V_DROP, 0, OFF_OP,
		               "N-7: OP < 128: a request, not a reply");
	}

	/* An error reply may be the bare 8-octet header (N-5, and servers
	 * that answer every failure so); its other fields are undefined.  A
	 * success reply must be complete. */
	if (m->opcode == PCTL_NATPMP_OP_EXTERNAL_ADDR) {
		if (len < PCTL_NATPMP_EXTADDR_RESP_LEN) {
			if (m->result != PCTL_NATPMP_R_SUCCESS)
				return verdict(err, PCTL_V_OK, 0, 0, NULL);
			memset(m, 0, sizeof(*m));
			return verdict(err, PCTL_V_DROP, 0, len,
			               "N-2: external address reply shorter "
			               "than 12 octets");
		}
		/* N-2: the address is undefined, and ignored, on error. */
		if (m->result == PCTL_NATPMP_R_SUCCESS)
			memcpy(m->external_addr, buf + OFF_EXT_ADDR, 4);
		return verdict(err, PCTL_V_OK, 0, 0, NULL);
	}
	if (is_map_opcode(m->opcode)) {
		if (len < PCTL_NATPMP_MAP_RESP_LEN) {
			if (m->result != PCTL_NATPMP_R_SUCCESS)
				return verdict(err, PCTL_V_OK, 0, 0, NULL);
			memset(m, 0, sizeof(*m));
			return verdict(err, PCTL_V_DROP, 0, len,
			               "N-4: map reply shorter than 16 octets");
		}
		/* N-7: error replies echo the internal port too, so that the
		 * client can tell which request failed. */
		m->internal_port = pctl_get16(buf + OFF_RESP_IPORT);
		m->external_port = pctl_get16(buf + OFF_RESP_EPORT);
		m->lifetime = pctl_get32(buf + OFF_RESP_LIFE);
		return verdict(err, PCTL_V_OK, 0, 0, NULL);
	}
	/* Another opcode: typically the echo of a request the server did not
	 * support (result 5); only the header means anything. */
	return verdict(err, PCTL_V_OK, 0, 0, NULL);
}

/* The length m encodes to, or 0 when it has no NAT-PMP format. */
static size_t natpmp_len(const struct pctl_natpmp *m)
{
	if (m->version != PCTL_NATPMP_VERSION || m->opcode > OP_MASK)
		return 0;
	if (!m->response) {
		if (m->opcode == PCTL_NATPMP_OP_EXTERNAL_ADDR)
			return PCTL_NATPMP_EXTADDR_REQ_LEN;
		if (is_map_opcode(m->opcode))
			return PCTL_NATPMP_MAP_REQ_LEN;
		return 0;
	}
	/* N-5 is OP 128: the answer to a request of another version, whose
	 * opcode the server does not read.  A map reply keeps its full form
	 * whatever its result, so that its ports survive a re-encoding. */
	if (m->opcode == PCTL_NATPMP_OP_EXTERNAL_ADDR)
		return m->result == PCTL_NATPMP_R_UNSUPP_VERSION
		           ? PCTL_NATPMP_UNSUPP_RESP_LEN
		           : PCTL_NATPMP_EXTADDR_RESP_LEN;
	if (is_map_opcode(m->opcode))
		return PCTL_NATPMP_MAP_RESP_LEN;
	return REPLY_HDR_LEN;
}

size_t pctl_natpmp_encode(const struct pctl_natpmp *m, uint8_t *buf, size_t cap)
{
	if (m == NULL || buf == NULL)
		return 0;
	size_t len = natpmp_len(m);
	if (len == 0 || len > cap)
		return 0;

	memset(buf, 0, len);
	buf[0] = PCTL_NATPMP_VERSION;
	if (!m->response) {
		/* N-1, N-3 (Reserved written as 0). */
		buf[OFF_OP] = m->opcode;
		if (is_map_opcode(m->opcode)) {
			pctl_put16(buf + OFF_REQ_IPORT, m->internal_port);
			pctl_put16(buf + OFF_REQ_EPORT, m->external_port);
			pctl_put32(buf + OFF_REQ_LIFE, m->lifetime);
		}
		return len;
	}
	buf[OFF_OP] = (uint8_t)(OP_RESPONSE_BIT | m->opcode);
	pctl_put16(buf + OFF_RESULT, m->result);
	pctl_put32(buf + OFF_EPOCH, m->epoch);
	if (len == PCTL_NATPMP_EXTADDR_RESP_LEN &&
	    m->opcode == PCTL_NATPMP_OP_EXTERNAL_ADDR) {
		/* N-2: the address MUST be zero when the result is not 0. */
		if (m->result == PCTL_NATPMP_R_SUCCESS)
			memcpy(buf + OFF_EXT_ADDR, m->external_addr, 4);
	} else if (len == PCTL_NATPMP_MAP_RESP_LEN) {
		pctl_put16(buf + OFF_RESP_IPORT, m->internal_port);
		pctl_put16(buf + OFF_RESP_EPORT, m->external_port);
		pctl_put32(buf + OFF_RESP_LIFE, m->lifetime);
	}
	return len;
}

size_t pctl_natpmp_error_response(const uint8_t *req, size_t len,
                                  uint16_t result, uint32_t epoch, uint8_t *out)
{
	if (result == PCTL_NATPMP_R_UNSUPP_VERSION) {
		/* N-5, N-7: version 0 (the version this server speaks) and,
		 * per erratum 3618 (E-8), OP 128. */
		memset(out, 0, PCTL_NATPMP_UNSUPP_RESP_LEN);
		out[OFF_OP] = OP_RESPONSE_BIT;
		pctl_put16(out + OFF_RESULT, result);
		pctl_put32(out + OFF_EPOCH, epoch);
		return PCTL_NATPMP_UNSUPP_RESP_LEN;
	}
	/* N-7: the entire request comes back with the top bit of OP set,
	 * the result code and the epoch that every reply carries; the copy
	 * is bounded by the largest datagram this suite handles (K-5). */
	size_t n = (req == NULL) ? 0 : len;
	if (n > PCTL_MAX_MSG)
		n = PCTL_MAX_MSG;
	if (n > 0)
		memcpy(out, req, n);
	if (n < REPLY_HDR_LEN) {
		memset(out + n, 0, REPLY_HDR_LEN - n);
		n = REPLY_HDR_LEN;
	}
	out[OFF_OP] |= OP_RESPONSE_BIT;
	pctl_put16(out + OFF_RESULT, result);
	pctl_put32(out + OFF_EPOCH, epoch);
	return n;
}
