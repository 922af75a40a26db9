/*
 * pcp_encode.c - PCP messages to bytes (RFC 6887 sections 7, 11.1, 12.1,
 * 14.1.1): the common request or response header, the opcode's fields, then
 * the options in list order, each zero-padded to 4 octets (W-7.1).
 *
 * Every reserved field is written as zero (W-2, W-3, W-5, W-6, W-7) whatever
 * the message holds, so that a decoded message re-encodes cleanly.  Opcodes
 * the codec does not know carry msg->opaque as their body, zero-padded to a
 * multiple of 4 like an option.
 */
#include <portctl/wire.h>

#include <string.h>

#include "bytes.h"
#include "pcp_internal.h"

/* Octets of the opcode body as encoded: fixed for known opcodes, the opaque
 * payload rounded up to 4 for the others. */
static size_t body_wire_len(const struct pctl_msg *msg)
{
	int fixed = pctl_pcp_body_len(msg->opcode & PCTL_OPCODE_MASK);
	if (fixed >= 0)
		return (size_t)fixed;
	return (msg->opaque_len + 3u) & ~(size_t)3u;
}

size_t pctl_encoded_len(const struct pctl_msg *msg)
{
	if (msg->n_options > PCTL_MAX_OPTIONS ||
	    msg->opaque_len > PCTL_MAX_MSG || (msg->opaque_len && !msg->opaque))
		return 0;
	size_t len = PCTL_HDR_LEN + body_wire_len(msg);
	for (size_t i = 0; i < msg->n_options; i++) {
		const struct pctl_option *o = &msg->options[i];
		if (o->len > PCTL_OPT_MAX_DATA || (o->len && !o->data))
			return 0;
		len += pctl_option_wire_len(o->len);
		if (len > PCTL_MAX_MSG)
			return 0; /* K-5 */
	}
	return len > PCTL_MAX_MSG ? 0 : len;
}

static void put_header(const struct pctl_msg *msg, uint8_t *p)
{
	uint8_t opcode = msg->opcode & PCTL_OPCODE_MASK;
	/* W-4.2: ANNOUNCE requests and success responses carry lifetime 0;
	 * error responses say how long the error lasts. */
	bool zero_life = opcode == PCTL_OP_ANNOUNCE &&
	                 (!msg->response || msg->result == PCTL_R_SUCCESS);

	memset(p, 0, PCTL_HDR_LEN);
	p[PCTL_OFF_VERSION] = PCTL_VERSION; /* S-11: always version 2 */
	p[PCTL_OFF_OPCODE] =
	    (uint8_t)(opcode | (msg->response ? PCTL_R_BIT : 0));
	pctl_put32(p + PCTL_OFF_LIFETIME, zero_life ? 0 : msg->lifetime);
	if (msg->response) {
		/* W-3: octet 2 and octets 12..23 stay zero. */
		p[PCTL_OFF_RESULT] = msg->result;
		pctl_put32(p + PCTL_OFF_EPOCH, msg->epoch);
	} else {
		/* W-2: octets 2..3 are reserved, except that RFC 7652 PA-Client
		 * messages (opcode AUTHENTICATION) carry a result in octet 3.
		 */
		if (opcode == PCTL_OP_AUTHENTICATION)
			p[PCTL_OFF_RESULT] = msg->result;
		memcpy(p + PCTL_OFF_CLIENT, msg->client_addr.b, 16);
	}
}

/* W-5 / W-6: the fields MAP and PEER share, then PEER's remote peer. */
static void put_map_peer(const struct pctl_msg *msg, uint8_t *p)
{
	memcpy(p + PCTL_OFF_NONCE, msg->nonce, PCTL_NONCE_LEN);
	p[PCTL_OFF_PROTOCOL] = msg->protocol;
	pctl_put16(p + PCTL_OFF_INTERNAL_PORT, msg->internal_port);
	pctl_put16(p + PCTL_OFF_EXTERNAL_PORT, msg->external_port);
	memcpy(p + PCTL_OFF_EXTERNAL_ADDR, msg->external_addr.b, 16);
	if ((msg->opcode & PCTL_OPCODE_MASK) != PCTL_OP_PEER)
		return;
	pctl_put16(p + PCTL_OFF_REMOTE_PORT, msg->remote_port);
	memcpy(p + PCTL_OFF_REMOTE_ADDR, msg->remote_addr.b, 16);
}

size_t pctl_encode(const struct pctl_msg *msg, uint8_t *buf, size_t cap)
{
	size_t len = pctl_encoded_len(msg);
	if (len == 0 || len > cap)
		return 0;

	size_t body = body_wire_len(msg);
	memset(buf, 0, PCTL_HDR_LEN + body);
	put_header(msg, buf);
	if (pctl_pcp_body_len(msg->opcode & PCTL_OPCODE_MASK) < 0) {
		if (msg->opaque_len)
			memcpy(buf + PCTL_HDR_LEN, msg->opaque,
			       msg->opaque_len);
	} else if (body != 0) {
		put_map_peer(msg, buf);
	}

	size_t off = PCTL_HDR_LEN + body;
	for (size_t i = 0; i < msg->n_options; i++) {
		const struct pctl_option *o = &msg->options[i];
		size_t wire = pctl_option_wire_len(o->len);
		memset(buf + off, 0, wire); /* reserved octet and padding */
		buf[off] = o->code;
		pctl_put16(buf + off + 2, o->len);
		if (o->len)
			memcpy(buf + off + PCTL_OPT_HDR_LEN, o->data, o->len);
		off += wire;
	}
	return off;
}
